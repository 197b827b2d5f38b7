//! `tally gdpr export|erase|process|reapply`: GDPR requests filed and carried out from the
//! command line, with a progress bar, through the same code as the scheduled job.

use std::time::Instant;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use gdpr::{GdprConfig, Outcome, Progress, Stage, Subject, SubjectKind};
use schema::GdprRequestType;

use crate::progress;
use crate::settings::{ArchiveStoreArgs, DatabaseArgs, GdprKeyArgs, PiiKeysArgs};

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GdprAction {
    /// File an export request about the subject and carry it out now.
    Export,
    /// File an erasure request about the subject and carry it out now.
    Erase,
    /// Carry out one request by id (`--request`), or every pending one.
    Process,
    /// After restoring a database backup, before starting ingest: carry out again every
    /// erasure of the log kept beside the archive that the restored database predates.
    Reapply,
}

/// `tally gdpr <export|erase|process|reapply>`.
#[derive(Debug, Args)]
pub struct GdprArgs {
    /// What to do.
    #[arg(value_enum)]
    pub action: GdprAction,
    /// The organization the request is filed with.
    #[arg(long, value_name = "ID")]
    pub organization: Option<i64>,
    /// The subject: a contact's address (all its lists' rows).
    #[arg(long, value_name = "EMAIL", conflicts_with = "user_email")]
    pub email: Option<String>,
    /// The subject: a platform user's address (a member of the organization).
    #[arg(long, value_name = "EMAIL")]
    pub user_email: Option<String>,
    /// process: the request to carry out (with --organization); a failed one is run
    /// again.
    #[arg(long, value_name = "ID", requires = "organization")]
    pub request: Option<i64>,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub store: ArchiveStoreArgs,
    #[command(flatten)]
    pub key: GdprKeyArgs,
    #[command(flatten)]
    pub pii: PiiKeysArgs,
}

/// What the command line asks for, checked before anything is connected to.
enum Plan {
    /// Every pending request.
    Pending,
    /// Every logged erasure the database predates.
    Reapply,
    /// One request by id.
    One { organization: i64, id: i64 },
    /// A new request (or the unfinished one asking the same).
    File {
        organization: i64,
        request_type: GdprRequestType,
        subject: Subject,
    },
}

fn plan(args: &GdprArgs) -> anyhow::Result<Plan> {
    if args.action == GdprAction::Reapply {
        anyhow::ensure!(
            args.organization.is_none()
                && args.request.is_none()
                && args.email.is_none()
                && args.user_email.is_none(),
            "reapply takes no subject, organization or request: it reapplies every erasure of the log"
        );
        return Ok(Plan::Reapply);
    }
    if args.action == GdprAction::Process {
        return Ok(match (args.organization, args.request) {
            (Some(organization), Some(id)) => Plan::One { organization, id },
            (_, None) => Plan::Pending,
            (None, Some(_)) => anyhow::bail!("--request needs --organization"),
        });
    }
    let organization = args
        .organization
        .context("give the organization the request is filed with: --organization ID")?;
    let subject = match (&args.email, &args.user_email) {
        (Some(email), None) => Subject {
            kind: SubjectKind::Contact,
            email: email.clone(),
        },
        (None, Some(email)) => Subject {
            kind: SubjectKind::User,
            email: email.clone(),
        },
        _ => anyhow::bail!(
            "give the subject: --email EMAIL (a contact) or --user-email EMAIL (a platform user)"
        ),
    };
    let request_type = if args.action == GdprAction::Export {
        GdprRequestType::export
    } else {
        GdprRequestType::deletion
    };
    Ok(Plan::File {
        organization,
        request_type,
        subject,
    })
}

/// Runs the gdpr action.
pub async fn run(args: GdprArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let config = GdprConfig {
        pii_keys: args.pii.pii_keys.clone(),
        ..GdprConfig::new(args.store.open()?, args.key.key()?)
    };
    let pool = crate::jobs::pool(args.database.config()?).await?;
    let mut client = pool.get().await.context("connecting to the database")?;
    let (organization, id) = match plan {
        Plan::Pending => return process_pending(&mut client, &config).await,
        Plan::Reapply => return reapply(&mut client, &config).await,
        Plan::One { organization, id } => (organization, id),
        Plan::File {
            organization,
            request_type,
            subject,
        } => {
            let filed = gdpr::file_request(&client, organization, request_type, &subject)
                .await
                .with_context(|| format!("filing the request in organization {organization}"))?;
            if filed.new {
                println!("filed request {} in organization {organization}", filed.id);
            } else {
                println!(
                    "resuming unfinished request {} in organization {organization}",
                    filed.id
                );
            }
            (organization, filed.id)
        }
    };
    // A request named on the command line is carried out even if it failed before: the
    // operator is there to see why.
    carry_out(&mut client, &config, organization, id, true).await
}

/// Every pending request, as the job does, with a summary.
async fn process_pending(
    client: &mut tokio_postgres::Client,
    config: &GdprConfig,
) -> anyhow::Result<()> {
    let report = gdpr::process_pending(client, config, chrono::Utc::now(), &|_| {}).await?;
    println!(
        "{} request(s) completed, {} busy elsewhere, {} failed or stopped, {} past the 30-day deadline",
        report.completed,
        report.busy,
        report.errors.len(),
        report.overdue.len()
    );
    for (org, id, e) in &report.errors {
        println!("  request {id} of organization {org}: {e}");
    }
    for o in &report.overdue {
        println!(
            "  overdue: request {} of organization {} ({}, {}, filed {})",
            o.id, o.organization, o.request_type, o.status, o.requested_at
        );
    }
    anyhow::ensure!(
        report.errors.is_empty(),
        "some requests failed or stopped; see above"
    );
    Ok(())
}

/// Every logged erasure carried out again where the database predates it, with a
/// summary.
async fn reapply(client: &mut tokio_postgres::Client, config: &GdprConfig) -> anyhow::Result<()> {
    let bar = progress::bar(0, "reading the erasure log");
    let on_progress = |p: Progress| {
        if let Stage::Erasing(step) = p.stage {
            bar.set_length(p.total);
            bar.set_position(p.done);
            bar.set_message(format!("erasing again: {}", step.as_str()));
        }
    };
    let report = gdpr::reapply(client, config, &on_progress)
        .await
        .context("reapplying the logged erasures")?;
    bar.finish_and_clear();
    println!(
        "{} logged erasure(s): {} already reflected here, {} carried out again; {} archived day(s) pointed at their rewritten object",
        report.logged,
        report.up_to_date,
        report.erased_again.len(),
        report.manifest_swaps
    );
    for (org, logged, new) in &report.erased_again {
        println!(
            "  organization {org}: erasure of request {logged} carried out again as request {new}"
        );
    }
    Ok(())
}

/// Carries out one request with a progress bar and prints what it did.
async fn carry_out(
    client: &mut tokio_postgres::Client,
    config: &GdprConfig,
    organization: i64,
    id: i64,
    retry_failed: bool,
) -> anyhow::Result<()> {
    let bar = progress::bar(0, "starting");
    let on_progress = |p: Progress| {
        let what = match p.stage {
            Stage::ReadingDatabase => "reading the database".to_owned(),
            Stage::ReadingArchive => "reading archived days".to_owned(),
            Stage::Writing => "writing the export".to_owned(),
            Stage::Erasing(step) => format!("erasing: {}", step.as_str()),
        };
        bar.set_length(p.total);
        bar.set_position(p.done);
        bar.set_message(what);
    };
    let started = Instant::now();
    let outcome =
        gdpr::process_request(client, config, organization, id, retry_failed, &on_progress)
            .await
            .with_context(|| format!("request {id} of organization {organization}"))?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Outcome::Exported(location) => {
            println!("exported in {seconds:.1}s to {}", location.url);
            for key in &location.keys {
                println!("  {key}");
            }
        }
        Outcome::Erased(erased) => {
            println!("erased in {seconds:.1}s; personal data removed (rows per table):");
            if erased.receipts.is_empty() {
                println!("  nothing by this run (an earlier run did the rest)");
            }
            for (table, rows) in &erased.receipts {
                println!("  {rows:>8}  {table}");
            }
            println!(
                "the receipt: GET /v1/gdpr-requests/{id}/deletions, or data_deletions where gdpr_request_id = {id}"
            );
        }
        Outcome::AlreadyFinished => {
            println!("request {id} of organization {organization} was already completed");
        }
    }
    Ok(())
}
