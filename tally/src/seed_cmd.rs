//! `tally seed`: a realistic platform for a newcomer or a manual test, written through
//! the CRUD domains' queries in tenant transactions as actor `seed` (see
//! `simulate::seed_platform`). Like `ingest` and `run`, it works on a database `tally
//! migrate` has brought up to date and refuses one that is not.

use anyhow::{Context as _, bail};
use schema::Migrator;
use simulate::{PlatformPlan, PlatformSummary};
use tokio_postgres::NoTls;

use crate::cli::SeedArgs;

/// Seeds the platform and prints what was created.
pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let config = args.database.config()?;
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("cannot connect to database {:?}", config.get_dbname()))?;
    let connection = tokio::spawn(connection);
    ensure_migrated(&mut client, "tally seed").await?;
    let plan = PlatformPlan {
        seed: args.seed,
        organizations: args.organizations,
        users_per_organization: args.users_per_organization,
        contacts_per_organization: args.contacts_per_organization,
    };
    let summary = simulate::seed_platform(&mut client, &plan).await?;
    print!("{}", report(&plan, &summary));
    drop(client);
    let _ = connection.await;
    Ok(())
}

/// Fails unless every migration this build knows is applied, unchanged; `command` is
/// what to run again afterwards.
pub async fn ensure_migrated(
    client: &mut tokio_postgres::Client,
    command: &str,
) -> anyhow::Result<()> {
    let pending = Migrator::default().pending(client).await?;
    if !pending.is_empty() {
        bail!(
            "the database lacks migrations {pending:?}: run `tally migrate` on it first, then \
             `{command}` again"
        );
    }
    Ok(())
}

/// The summary a person reads: the organizations, then what each kind came to.
fn report(plan: &PlatformPlan, s: &PlatformSummary) -> String {
    let mut out = String::new();
    if s.organizations == 0 {
        out.push_str(&format!(
            "already seeded: all {} organizations exist, nothing changed\n",
            s.already_seeded
        ));
    } else {
        out.push_str(&format!(
            "seeded {} organization{} (seed {}, actor seed){}\n",
            s.organizations,
            if s.organizations == 1 { "" } else { "s" },
            plan.seed,
            match s.already_seeded {
                0 => String::new(),
                n => format!("; {n} already seeded, left alone"),
            }
        ));
    }
    for i in 0..plan.organizations {
        let (name, domain) = plan.organization(i);
        out.push_str(&format!("  {name:<24} {domain}\n"));
    }
    if s.organizations == 0 {
        return out;
    }
    let rows: [(&str, u64, String); 13] = [
        ("permission keys added", s.permissions, String::new()),
        (
            "roles",
            s.roles,
            format!(
                "admin, marketer, sales, viewer; {} grants",
                s.role_permissions
            ),
        ),
        ("users", s.users, "each a member with a role".into()),
        ("contact lists", s.contact_lists, String::new()),
        (
            "contacts",
            s.contacts,
            format!("{} validated, the rest pending", s.contacts_validated),
        ),
        (
            "validation rules",
            s.validation_rules,
            "blocked, disposable (2 versions), role accounts".into(),
        ),
        (
            "email templates",
            s.email_templates,
            "one with 2 versions".into(),
        ),
        ("forms", s.forms, format!("{} fields", s.form_fields)),
        (
            "campaigns",
            s.campaigns,
            "draft, scheduled, active, completed".into(),
        ),
        ("assignments", s.assignments, String::new()),
        (
            "leads",
            s.leads,
            "new, qualified, disqualified, contacted, converted".into(),
        ),
        ("form responses", s.form_responses, "one per lead".into()),
        ("GDPR requests", s.gdpr_requests, "export, deletion".into()),
    ];
    for (what, n, note) in rows {
        let note = if note.is_empty() {
            String::new()
        } else {
            format!("  ({note})")
        };
        out.push_str(&format!("  {what:<22} {n:>7}{note}\n"));
    }
    out
}
