//! `tally dead-letters list | replay`: the records the ingest refused, listed with
//! counts by reason, and replayed through the ingest's decoder, limits, catalog and
//! transaction path once whatever refused them is fixed (a campaign created, a limit
//! raised), with a progress bar and a summary.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use clap::{Args, Subcommand};
use ingest::{LetterFilter, LetterList, ReplayOptions, ReplaySummary};
use schema::DeadLetterReason;
use tokio_postgres::NoTls;

use crate::settings::{DatabaseArgs, LimitArgs};

/// Characters of a letter's detail a list line shows.
const DETAIL_CHARS: usize = 60;

/// `tally dead-letters list | replay`.
#[derive(Debug, Args)]
pub struct DeadLettersArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: DeadLettersAction,
}

/// What to do with dead letters.
#[derive(Debug, Subcommand)]
pub enum DeadLettersAction {
    /// List the newest dead letters not replayed yet (all with --all), and count every
    /// matching one by reason.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// Letters to show, newest first; the counts cover every matching letter.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..=100_000))]
        limit: i64,
        /// Show replayed letters too, with what became of them.
        #[arg(long)]
        all: bool,
    },
    /// Decode the matching letters again with the ingest's decoder, limits and catalog,
    /// and store those that now pass through the ingest's own transaction (duplicates
    /// dropped, counters and sketches written), marking each replayed in the same
    /// transaction; letters that still fail keep their row with the new reason.
    Replay {
        #[command(flatten)]
        filter: FilterArgs,
        /// Only this letter (repeat the flag for more).
        #[arg(long = "id", value_name = "ID")]
        ids: Vec<i64>,
        /// Decode and check only: report what a replay would do, write nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        limits: LimitArgs,
    },
}

/// The filters `list` and `replay` share.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only letters with this reason code, e.g. unknown_campaign (docs/events.md).
    #[arg(long, value_name = "REASON", value_parser = parse_reason)]
    pub reason: Option<DeadLetterReason>,
    /// Only letters received at or after this: an RFC 3339 time, a UTC day
    /// (YYYY-MM-DD), or an age such as 24h or 7d.
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    pub since: Option<DateTime<Utc>>,
    /// Only letters of this organization.
    #[arg(long, value_name = "ID")]
    pub organization: Option<i64>,
}

impl FilterArgs {
    fn filter(&self, ids: Vec<i64>) -> LetterFilter {
        LetterFilter {
            reason: self.reason,
            since: self.since,
            organization: self.organization,
            ids,
        }
    }
}

/// Parses `--reason`: a reason code.
fn parse_reason(text: &str) -> Result<DeadLetterReason, String> {
    text.parse().map_err(|_| {
        let codes: Vec<&str> = DeadLetterReason::ALL.iter().map(|r| r.as_str()).collect();
        format!(
            "{text:?} is not a dead-letter reason; use one of {}",
            codes.join(", ")
        )
    })
}

/// Parses `--since`: an RFC 3339 time, a UTC day, or an age before now.
fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(NaiveTime::MIN).and_utc());
    }
    let age = crate::settings::parse_duration(text).map_err(|_| {
        format!(
            "{text:?} is not a time: give an RFC 3339 time (2026-11-21T10:00:00Z), a UTC day \
             (2026-11-21) or an age (24h, 7d)"
        )
    })?;
    chrono::TimeDelta::from_std(age)
        .ok()
        .and_then(|age| Utc::now().checked_sub_signed(age))
        .ok_or_else(|| format!("{text:?} is further back than a time can go"))
}

/// Runs the dead-letters action.
pub async fn run(args: DeadLettersArgs) -> anyhow::Result<()> {
    let config = args.database.config()?;
    match args.action {
        DeadLettersAction::List { filter, limit, all } => {
            let (mut client, connection) = config
                .connect(NoTls)
                .await
                .with_context(|| format!("cannot connect to database {:?}", config.get_dbname()))?;
            let connection = tokio::spawn(connection);
            crate::seed_cmd::ensure_migrated(&mut client, "tally dead-letters list").await?;
            let list =
                ingest::list_dead_letters(&client, &filter.filter(Vec::new()), all, limit).await?;
            print!("{}", listing(&list, all, limit));
            drop(client);
            let _ = connection.await;
            Ok(())
        }
        DeadLettersAction::Replay {
            filter,
            ids,
            dry_run,
            limits,
        } => {
            let pool = schema::pool(&config, 2).context("cannot make a connection pool")?;
            let mut options = ReplayOptions::new(filter.filter(ids), limits.limits()?);
            options.dry_run = dry_run;
            replay(&pool, &options).await
        }
    }
}

/// Replays with a bar over the letters to do; prints the summary, also of the chunks
/// committed before a failure.
async fn replay(pool: &schema::Pool, options: &ReplayOptions) -> anyhow::Result<()> {
    let bar = crate::progress::bar(
        0,
        if options.dry_run {
            "checking"
        } else {
            "replaying"
        },
    );
    let started = Instant::now();
    let mut last = ReplaySummary::default();
    let result = ingest::replay(pool, options, |summary| {
        bar.set_length(summary.pending);
        bar.set_position(summary.handled);
        last = summary.clone();
    })
    .await;
    bar.finish_and_clear();
    match result {
        Ok(summary) => {
            print!("{}", report(&summary, started.elapsed()));
            Ok(())
        }
        Err(e) => {
            if last.handled > 0 {
                eprint!(
                    "stopped; what was committed before the failure:\n{}",
                    report(&last, started.elapsed())
                );
            }
            Err(e).context("replaying dead letters (run it again to take up the rest)")
        }
    }
}

/// The replay's summary.
fn report(summary: &ReplaySummary, took: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} dead letters in {:.1}s{}",
        if summary.dry_run {
            "checked"
        } else {
            "replayed"
        },
        summary.handled,
        took.as_secs_f64(),
        if summary.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    let (stored, duplicates) = if summary.dry_run {
        ("would store", "would be duplicates")
    } else {
        ("stored", "duplicates")
    };
    for (label, n) in [
        (stored, summary.stored),
        (duplicates, summary.duplicates),
        ("still failing", summary.failing()),
    ] {
        let _ = writeln!(out, "  {label:<22}{n:>10}");
    }
    for (reason, n) in &summary.still_failing {
        let _ = writeln!(out, "    {reason:<20}{n:>10}");
    }
    let _ = writeln!(
        out,
        "  {:<22}{:>10}",
        "already replayed", summary.already_replayed
    );
    if !summary.not_found.is_empty() {
        let ids: Vec<String> = summary.not_found.iter().map(i64::to_string).collect();
        let _ = writeln!(
            out,
            "no such letter (or not matching the filters): {}",
            ids.join(", ")
        );
    }
    out
}

/// The list: one line per letter, then the counts by reason.
fn listing(list: &LetterList, all: bool, limit: i64) -> String {
    let mut out = String::new();
    if list.letters.is_empty() {
        let _ = writeln!(
            out,
            "no {}dead letters match",
            if all { "" } else { "pending " }
        );
    } else {
        let _ = writeln!(
            out,
            "{:>10}  {:<20}  {:>12}  {:<20}  {}detail",
            "id",
            "received (UTC)",
            "organization",
            "reason",
            if all { "replayed    " } else { "" },
        );
        for letter in &list.letters {
            let organization = letter
                .organization_id
                .map_or_else(|| "-".to_owned(), |o| o.to_string());
            let replayed = match (&letter.replayed, all) {
                (_, false) => String::new(),
                (Some(r), true) => format!("{:<12}", r.outcome.as_str()),
                (None, true) => format!("{:<12}", "-"),
            };
            let _ = writeln!(
                out,
                "{:>10}  {:<20}  {:>12}  {:<20}  {replayed}{}",
                letter.id,
                letter.received_at.format("%Y-%m-%d %H:%M:%S"),
                organization,
                letter.reason,
                one_line(letter.detail.as_deref().unwrap_or(""), DETAIL_CHARS)
            );
        }
    }
    let shown = list.letters.len() as i64;
    let matching = if all {
        list.pending() + list.replayed()
    } else {
        list.pending()
    };
    if shown < matching {
        let _ = writeln!(
            out,
            "showing the newest {shown} of {matching}; --limit {} shows more",
            (limit * 2).min(100_000)
        );
    }
    if !list.counts.is_empty() {
        let _ = writeln!(
            out,
            "\n  {:<22}{:>10}{:>10}",
            "reason", "pending", "replayed"
        );
        for count in &list.counts {
            let _ = writeln!(
                out,
                "  {:<22}{:>10}{:>10}",
                count.reason, count.pending, count.replayed
            );
        }
        let _ = writeln!(
            out,
            "  {:<22}{:>10}{:>10}",
            "total",
            list.pending(),
            list.replayed()
        );
    }
    out
}

/// `text` on one line (control characters as spaces), cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match flat.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &flat[..end]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use ingest::{ReasonCount, StoredLetter};

    use super::*;

    #[test]
    fn since_takes_a_time_a_day_or_an_age() {
        assert_eq!(
            parse_since("2026-11-21T10:00:00+01:00").unwrap(),
            "2026-11-21T09:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_since("2026-11-21").unwrap(),
            "2026-11-21T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let day_ago = parse_since("24h").unwrap();
        let expected = Utc::now() - chrono::TimeDelta::hours(24);
        assert!((day_ago - expected).num_seconds().abs() < 5);
        let refused = parse_since("last tuesday").unwrap_err();
        assert!(
            refused.contains("RFC 3339") && refused.contains("7d"),
            "{refused}"
        );
        assert!(parse_reason("unknown_campaign").is_ok());
        assert!(
            parse_reason("bogus")
                .unwrap_err()
                .contains("malformed_json")
        );
    }

    #[test]
    fn the_report_counts_by_reason_and_names_missing_ids() {
        let summary = ReplaySummary {
            pending: 7,
            handled: 7,
            stored: 4,
            duplicates: 1,
            still_failing: BTreeMap::from([(DeadLetterReason::UnknownCampaign, 2)]),
            already_replayed: 3,
            not_found: vec![5, 9],
            ..ReplaySummary::default()
        };
        let text = report(&summary, Duration::from_millis(1500));
        assert!(
            text.starts_with("replayed 7 dead letters in 1.5s\n"),
            "{text}"
        );
        assert!(
            text.contains("  stored                         4\n"),
            "{text}"
        );
        assert!(
            text.contains("  still failing                  2\n"),
            "{text}"
        );
        assert!(
            text.contains("    unknown_campaign             2\n"),
            "{text}"
        );
        assert!(
            text.contains("  already replayed               3\n"),
            "{text}"
        );
        assert!(text.ends_with("filters): 5, 9\n"), "{text}");
        let dry = report(
            &ReplaySummary {
                dry_run: true,
                ..summary
            },
            Duration::ZERO,
        );
        assert!(dry.contains("(dry run: nothing written)") && dry.contains("would store"));
    }

    #[test]
    fn the_listing_cuts_details_and_counts_every_match() {
        let letter = StoredLetter {
            id: 42,
            topic: "events".into(),
            partition: 0,
            offset: 7,
            received_at: "2026-11-21T10:15:00Z".parse().unwrap(),
            organization_id: None,
            reason: DeadLetterReason::MalformedJson,
            detail: Some(format!("line 1\n{}", "x".repeat(100))),
            payload_bytes: 3,
            replay_attempts: 0,
            last_replay_at: None,
            replayed: None,
        };
        let list = LetterList {
            letters: vec![letter],
            counts: vec![ReasonCount {
                reason: DeadLetterReason::MalformedJson,
                pending: 3,
                replayed: 1,
            }],
        };
        let text = listing(&list, false, 1);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.starts_with("        42  2026-11-21 10:15:00              -  malformed_json"),
            "{text}"
        );
        assert!(
            line.ends_with(&format!("line 1 {}…", "x".repeat(53))),
            "{line}"
        );
        assert!(
            text.contains("showing the newest 1 of 3; --limit 2 shows more"),
            "{text}"
        );
        assert!(
            text.contains("  malformed_json                 3         1\n"),
            "{text}"
        );
    }
}
