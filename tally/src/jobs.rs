//! The scheduled jobs and the two commands that run them: `tally schedule` (the cron
//! shell, until a signal) and `tally run <job>` (one run now, through the same path).

use std::sync::Arc;

use aggregator::{Finality, aggregate, restate};
use anonymizer::{AnonymizePolicy, anonymize};
use anyhow::Context as _;
use archiver::{ArchiveError, ArchivePolicy, ArchiveStore, archive};
use chrono::{Months, NaiveDate, TimeDelta, Utc};
use deadpool_postgres::Pool;
use scheduler::{Job, JobContext, JobFuture, RunOutcome, Schedule, ShellConfig, run_job};

use crate::cli::{JobName, RunArgs, ScheduleArgs};
use crate::settings::JobArgs;

/// The nightly aggregation, or a restatement when its arguments name a day.
struct Aggregate {
    schedule: Schedule,
    finality: Finality,
}

impl Job for Aggregate {
    fn name(&self) -> &str {
        JobName::Aggregate.as_str()
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run<'a>(&'a self, ctx: JobContext<'a>) -> JobFuture<'a> {
        Box::pin(async move {
            let arguments: AggregateArguments = serde_json::from_value(ctx.arguments.clone())
                .with_context(|| {
                    format!(
                        "the aggregate job's arguments {} are not {{}} or {{\"restate\": \"YYYY-MM-DD\"}}",
                        ctx.arguments
                    )
                })?;
            let mut client = ctx.pool.get().await?;
            let report = match arguments.restate {
                Some(day) => restate(&mut client, day, ctx.now, self.finality).await?,
                None => aggregate(&mut client, ctx.now, self.finality).await?,
            };
            Ok(report.rows_affected())
        })
    }
}

/// What a run of the aggregate job may be asked, as job_runs records it: nothing (the
/// invalidated days), or one day to restate. An unknown key is refused rather than
/// read as a plain run.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregateArguments {
    /// The day to recompute whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restate: Option<NaiveDate>,
}

/// Creates the event partitions of the coming days, so ingest rarely has to.
struct Premake {
    schedule: Schedule,
    days: u16,
}

impl Job for Premake {
    fn name(&self) -> &str {
        JobName::Premake.as_str()
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run<'a>(&'a self, ctx: JobContext<'a>) -> JobFuture<'a> {
        Box::pin(async move {
            let client = ctx.pool.get().await?;
            let made =
                schema::premake_partitions(&**client, ctx.now.date_naive(), self.days).await?;
            Ok(u64::from(made))
        })
    }
}

/// The weekly anonymization of events and audit logs past the GDPR horizon.
struct Anonymize {
    schedule: Schedule,
    policy: AnonymizePolicy,
}

impl Job for Anonymize {
    fn name(&self) -> &str {
        JobName::Anonymize.as_str()
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run<'a>(&'a self, ctx: JobContext<'a>) -> JobFuture<'a> {
        Box::pin(async move {
            let mut client = ctx.pool.get().await?;
            let report = anonymize(&mut client, ctx.now, &self.policy).await?;
            Ok(report.rows_affected())
        })
    }
}

/// The monthly archive of old day partitions to object storage.
struct Archive {
    schedule: Schedule,
    policy: ArchivePolicy,
    store: ArchiveStore,
}

impl Job for Archive {
    fn name(&self) -> &str {
        JobName::Archive.as_str()
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run<'a>(&'a self, ctx: JobContext<'a>) -> JobFuture<'a> {
        Box::pin(async move {
            let mut client = ctx.pool.get().await?;
            // Each day's steps are logged by the archiver; the bar is for `tally restore`.
            let report = archive(&mut client, &self.store, ctx.now, &self.policy, &|_| {})
                .await
                .inspect_err(count_verification_failures)?;
            Ok(report.rows_affected())
        })
    }
}

/// Carries out pending GDPR requests (and resumes stopped ones); reports those past the
/// legal deadline.
struct Gdpr {
    schedule: Schedule,
    config: gdpr::GdprConfig,
}

impl Job for Gdpr {
    fn name(&self) -> &str {
        JobName::Gdpr.as_str()
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run<'a>(&'a self, ctx: JobContext<'a>) -> JobFuture<'a> {
        Box::pin(async move {
            let mut client = ctx.pool.get().await?;
            // Every request and every overdue one is logged by the gdpr crate.
            let report = gdpr::process_pending(&mut client, &self.config, ctx.now, &|_| {}).await?;
            scheduler::metrics().gdpr_requests_overdue(report.overdue.len());
            for (_, _, e) in &report.errors {
                if let gdpr::GdprError::Archive(e) = e {
                    count_verification_failures(e);
                }
            }
            if !report.errors.is_empty() {
                let errors: Vec<String> = report
                    .errors
                    .iter()
                    .map(|(org, id, e)| format!("request {id} of organization {org}: {e}"))
                    .collect();
                return Err(format!(
                    "{} GDPR request(s) failed or stopped ({} completed, {} past the 30-day deadline): {}",
                    errors.len(),
                    report.completed,
                    report.overdue.len(),
                    errors.join("; ")
                )
                .into());
            }
            Ok(report.completed)
        })
    }
}

/// Counts the archived objects `e` found not to match what they must hold, for the
/// archive verification alert.
fn count_verification_failures(e: &ArchiveError) {
    let failed = match e {
        ArchiveError::DaysRefused { errors, .. } => {
            errors.iter().filter(|e| is_verification_failure(e)).count() as u64
        }
        e => u64::from(is_verification_failure(e)),
    };
    if failed > 0 {
        scheduler::metrics().archive_verification_failed(failed);
    }
}

fn is_verification_failure(e: &ArchiveError) -> bool {
    matches!(
        e,
        ArchiveError::ObjectMismatch { .. }
            | ArchiveError::ObjectMissing { .. }
            | ArchiveError::BadObject { .. }
    )
}

/// Every job, with its schedule from the settings.
pub fn jobs(args: &JobArgs, premake_days: u16) -> anyhow::Result<Vec<Arc<dyn Job>>> {
    let lifecycle = &args.lifecycle;
    let delay = TimeDelta::from_std(args.finality_delay)
        .context("TALLY_FINALITY_DELAY / --finality-delay is too large")?;
    Ok(vec![
        Arc::new(Aggregate {
            schedule: Schedule::parse(JobName::Aggregate.as_str(), &args.aggregate_schedule)?,
            finality: Finality { delay },
        }),
        Arc::new(Premake {
            schedule: Schedule::parse(JobName::Premake.as_str(), &args.premake_schedule)?,
            days: premake_days,
        }),
        Arc::new(Anonymize {
            schedule: Schedule::parse(JobName::Anonymize.as_str(), &args.anonymize_schedule)?,
            policy: AnonymizePolicy {
                horizon: TimeDelta::from_std(lifecycle.anonymize_horizon)
                    .context("TALLY_ANONYMIZE_HORIZON / --anonymize-horizon is too large")?,
                pii_keys: lifecycle.pii.pii_keys.clone(),
            },
        }),
        Arc::new(Archive {
            schedule: Schedule::parse(JobName::Archive.as_str(), &args.archive_schedule)?,
            policy: ArchivePolicy::with_horizon(Months::new(lifecycle.archive_months)),
            store: lifecycle.store.open()?,
        }),
        Arc::new(Gdpr {
            schedule: Schedule::parse(JobName::Gdpr.as_str(), &args.gdpr_schedule)?,
            config: gdpr::GdprConfig {
                pii_keys: lifecycle.pii.pii_keys.clone(),
                ..gdpr::GdprConfig::new(lifecycle.store.open()?, args.gdpr.key()?)
            },
        }),
    ])
}

/// A pool for the jobs and the scheduler's bookkeeping, on a verified schema.
pub async fn pool(config: tokio_postgres::Config) -> anyhow::Result<Pool> {
    let pool = schema::pool(&config, 8)?;
    let mut client = pool.get().await.context("connecting to the database")?;
    schema::Migrator::default().verify(&mut client).await?;
    Ok(pool)
}

/// `tally schedule`: runs every job on its schedule until SIGINT/SIGTERM, serving
/// `/metrics` and `/healthz` on the metrics address.
pub async fn schedule(args: ScheduleArgs) -> anyhow::Result<()> {
    let jobs = jobs(&args.jobs, args.partitions.premake_days)?;
    let config = ShellConfig {
        metrics_addr: args.metrics.addr()?,
        ..ShellConfig::default()
    };
    let pool = pool(args.database.config()?).await?;
    let mut shutdown = crate::shutdown::Shutdown::listen()?;
    for job in &jobs {
        println!("{:<10} {}", job.name(), job.schedule());
    }
    let overdue = tokio::spawn(count_overdue_gdpr_requests(
        pool.clone(),
        config.refresh_every,
    ));
    let result = scheduler::run(pool, jobs, config, async move { shutdown.received().await }).await;
    overdue.abort();
    Ok(result?)
}

/// Keeps the gauge of GDPR requests past their deadline current (the hourly job sets
/// it too), every `every`, until aborted: the deadline alert must not wait for the job,
/// nor stop firing only because the job ran on another replica.
async fn count_overdue_gdpr_requests(pool: Pool, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let counted = match pool.get().await {
            Ok(client) => gdpr::overdue(&client, Utc::now())
                .await
                .map(|overdue| overdue.len())
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        };
        match counted {
            Ok(n) => scheduler::metrics().gdpr_requests_overdue(n),
            Err(e) => tracing::warn!(error = %e, "GDPR requests past the deadline not counted"),
        }
    }
}

/// `tally run <job>`: one run now, recorded in job_runs like a scheduled one.
pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let jobs = jobs(&args.jobs, args.partitions.premake_days)?;
    let job = jobs
        .iter()
        .find(|j| j.name() == args.job.as_str())
        .context("every job name has a job")?;
    let arguments = match (args.job, args.restate) {
        (JobName::Aggregate, Some(day)) => {
            serde_json::to_value(AggregateArguments { restate: Some(day) })?
        }
        (_, Some(_)) => anyhow::bail!("--restate applies to the aggregate job only"),
        (_, None) => serde_json::json!({}),
    };
    let pool = pool(args.database.config()?).await?;
    match run_job(&pool, job.as_ref(), None, Utc::now(), &arguments).await? {
        RunOutcome::Succeeded { run_id, rows } => {
            println!(
                "{} succeeded: {rows} rows (job_runs id {run_id})",
                job.name()
            );
            Ok(())
        }
        RunOutcome::Failed { run_id, error } => {
            anyhow::bail!("{} failed (job_runs id {run_id}): {error}", job.name())
        }
        RunOutcome::Busy | RunOutcome::AlreadyDone => anyhow::bail!(
            "{} is running elsewhere (a scheduler or another `tally run`); try again when it has finished",
            job.name()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_arguments_are_a_day_to_restate_or_nothing_and_a_typo_is_refused() {
        let parse = |v| serde_json::from_value::<AggregateArguments>(v);
        assert_eq!(
            parse(serde_json::json!({})).map(|a| a.restate).ok(),
            Some(None)
        );
        let day = NaiveDate::from_ymd_opt(2020, 2, 29);
        assert_eq!(
            parse(serde_json::json!({"restate": "2020-02-29"}))
                .map(|a| a.restate)
                .ok(),
            Some(day)
        );
        assert!(parse(serde_json::json!({"restat": "2020-02-29"})).is_err());
        assert!(parse(serde_json::json!({"restate": "2020-02-30"})).is_err());
        let written = serde_json::to_value(AggregateArguments { restate: day });
        assert_eq!(
            written.ok(),
            Some(serde_json::json!({"restate": "2020-02-29"}))
        );
    }
}
