//! `tally contacts import`: a CSV file into a contact list, with a progress bar over the
//! file's bytes and a summary of what was inserted, updated, left and refused.

use std::fmt::Write as _;
use std::io::Read;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use contacts::{ImportOptions, ImportReport};
use indicatif::{ProgressBar, ProgressStyle};
use schema::{OrganizationId, PgEnum as _};
use tokio_postgres::NoTls;

use crate::cli::{ContactsAction, ContactsArgs};

/// Refused lines the summary lists; the rest are counted.
const REFUSED_SHOWN: usize = 20;

/// Runs the contacts action.
pub async fn run(args: ContactsArgs) -> anyhow::Result<()> {
    let ContactsAction::Import {
        organization,
        list,
        update_existing,
        file,
    } = args.action;
    let (input, size): (Box<dyn Read>, Option<u64>) = if file.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        let opened = std::fs::File::open(&file)
            .with_context(|| format!("cannot open the contacts file {}", file.display()))?;
        let size = opened.metadata().ok().map(|m| m.len());
        (Box::new(opened), size)
    };
    let erasure_key = args.key.key()?;
    let config = args.database.config()?;
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("cannot connect to database {:?}", config.get_dbname()))?;
    let connection = tokio::spawn(connection);

    let bar = bytes_bar(size);
    let started = Instant::now();
    let report = contacts::import(
        &mut client,
        OrganizationId(organization),
        list,
        input,
        ImportOptions {
            update_existing,
            erasure_key,
            ..ImportOptions::default()
        },
        |bytes| bar.set_position(bytes),
    )
    .await
    .with_context(|| format!("importing {} into contact list {list}", file.display()))?;
    bar.finish_and_clear();
    print!(
        "{}",
        summary(&report, &file.display().to_string(), started.elapsed())
    );
    drop(client);
    let _ = connection.await;
    Ok(())
}

/// A bar over the file's bytes (a spinner when the size is unknown); hidden when
/// stderr is not a terminal.
fn bytes_bar(size: Option<u64>) -> ProgressBar {
    let (bar, template) = match size {
        Some(len) => (
            ProgressBar::new(len),
            "{msg:>10} [{bar:40}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        ),
        None => (
            ProgressBar::new_spinner(),
            "{msg:>10} {spinner} {binary_bytes} {binary_bytes_per_sec}",
        ),
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message("importing");
    bar
}

/// The human summary: counts, statuses, rules, then the first refused lines.
fn summary(report: &ImportReport, file: &str, took: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "imported {file}: {} records in {:.1}s",
        report.records,
        took.as_secs_f64()
    );
    for (label, n) in [
        ("inserted", report.inserted),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("refused", report.refused.len() as u64),
    ] {
        let _ = writeln!(out, "  {label:<12} {n:>10}");
    }
    if !report.by_status.is_empty() {
        let _ = writeln!(out, "validation of the inserted and updated contacts:");
        for (status, n) in &report.by_status {
            let _ = writeln!(out, "  {:<12} {n:>10}", status.as_str());
        }
    }
    if !report.rules.is_empty() {
        let rules: Vec<String> = report
            .rules
            .iter()
            .map(|r| format!("{} v{}", r.name, r.version))
            .collect();
        let _ = writeln!(out, "rules applied: {}", rules.join(", "));
    }
    if !report.skipped_rules.is_empty() {
        let _ = writeln!(
            out,
            "rules skipped (type unknown to this version): {}",
            report.skipped_rules.join(", ")
        );
    }
    if !report.refused.is_empty() {
        let _ = writeln!(out, "refused lines:");
        for r in report.refused.iter().take(REFUSED_SHOWN) {
            let _ = writeln!(out, "  line {:<8} {:<18} {}", r.line, r.reason, r.detail);
        }
        if report.refused.len() > REFUSED_SHOWN {
            let _ = writeln!(
                out,
                "  ... and {} more",
                report.refused.len() - REFUSED_SHOWN
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use contacts::{RefusedLine, RefusedReason};

    use super::*;

    #[test]
    fn the_summary_lists_twenty_refused_lines_then_counts_the_rest() {
        let report = ImportReport {
            records: 30,
            inserted: 5,
            unchanged: 2,
            refused: (1..=23)
                .map(|n| RefusedLine {
                    line: n + 1,
                    reason: RefusedReason::InvalidEmail,
                    detail: format!("\"x{n}\" has no @"),
                })
                .collect(),
            ..ImportReport::default()
        };
        let text = summary(&report, "people.csv", Duration::from_millis(1500));
        assert!(
            text.starts_with("imported people.csv: 30 records in 1.5s\n"),
            "{text}"
        );
        assert!(text.contains("  inserted              5\n"), "{text}");
        assert!(text.contains("  refused              23\n"), "{text}");
        assert!(
            text.contains("  line 2        invalid_email      \"x1\" has no @\n"),
            "{text}"
        );
        assert!(text.contains("line 21 "), "{text}");
        assert!(!text.contains("line 22 "), "{text}");
        assert!(text.ends_with("  ... and 3 more\n"), "{text}");
    }
}
