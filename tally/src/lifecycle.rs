//! `tally restore` and `tally archive list`: archived days back into the database, and
//! the manifest of what the archive holds.

use archiver::{Progress, Stage, list, restore as restore_days};
use chrono::Utc;

use crate::cli::{ArchiveAction, ArchiveArgs, RestoreArgs};
use crate::progress;

/// `tally restore`: loads the archived days of a range back, verified, with a progress bar.
pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let (from, to) = match (args.day, args.from, args.to) {
        (Some(day), _, _) => (day, day),
        (None, Some(from), Some(to)) => (from, to),
        _ => anyhow::bail!("give --day DAY, or --from DAY --to DAY"),
    };
    let store = args.store.open()?;
    let pool = crate::jobs::pool(args.database.config()?).await?;
    let mut client = pool.get().await?;
    let bar = progress::bar(0, "restoring");
    let on_progress = |p: Progress| {
        if let Some(expected) = p.expected_rows {
            bar.set_length(expected);
        }
        bar.set_position(p.rows);
        let stage = match p.stage {
            Stage::Restoring => "restoring",
            Stage::Verifying => "verifying",
            Stage::Checking => "checking",
            Stage::Exporting => "exporting",
            Stage::Dropping => "dropping",
        };
        bar.set_message(format!(
            "{} {stage} ({}/{})",
            p.day,
            p.days_done + 1,
            p.days
        ));
    };
    let started = Utc::now();
    let report = restore_days(&mut client, &store, from, to, &on_progress).await?;
    bar.finish_and_clear();
    println!(
        "restored {} day(s), {} rows, in {:.1}s; {} day(s) of the range were in the database already",
        report.days_restored,
        report.rows_restored,
        (Utc::now() - started).num_milliseconds() as f64 / 1000.0,
        report.days_in_database
    );
    Ok(())
}

/// `tally archive list`: the manifest, oldest day first.
pub async fn archive(args: ArchiveArgs) -> anyhow::Result<()> {
    let ArchiveAction::List { database } = args.action;
    let pool = crate::jobs::pool(database.config()?).await?;
    let client = pool.get().await?;
    let entries = list(&client).await?;
    if entries.is_empty() {
        println!("the archive is empty: no day has been archived");
        return Ok(());
    }
    println!(
        "{:<10}  {:>10}  {:>12}  {:<20}  {:<20}  {:<20}  key",
        "day", "rows", "bytes", "archived", "dropped", "restored"
    );
    let when = |t: Option<chrono::DateTime<Utc>>| {
        t.map_or_else(
            || "-".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    for e in &entries {
        println!(
            "{:<10}  {:>10}  {:>12}  {:<20}  {:<20}  {:<20}  {}",
            e.day,
            e.rows,
            e.bytes,
            when(Some(e.archived_at)),
            when(e.dropped_at),
            when(e.restored_at),
            e.key
        );
    }
    println!(
        "{} day(s), {} rows, {} bytes",
        entries.len(),
        entries.iter().map(|e| e.rows).sum::<u64>(),
        entries.iter().map(|e| e.bytes).sum::<u64>()
    );
    Ok(())
}
