//! `tally simulate`: seeded campaign traffic into Kafka or to standard output, after
//! creating the organizations, campaigns and contacts it refers to.

use std::io::Write as _;

use anyhow::{Context as _, anyhow};
use chrono::{Days, Utc};
use simulate::{FunnelRates, SimulationPlan};
use tokio_postgres::NoTls;

use crate::cli::SimulateArgs;
use crate::progress;

/// Plans, seeds and emits the traffic.
pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let days = args.days.max(1);
    let start_day = Utc::now()
        .date_naive()
        .checked_sub_days(Days::new(u64::from(days - 1)))
        .context("--days reaches before the calendar")?;
    let client = if args.no_seed && args.simulation_id.is_none() {
        None
    } else {
        let config = args.database.config().context(
            "simulate creates what its events refer to: give a database, or pass --no-seed",
        )?;
        let (client, connection) = config
            .connect(NoTls)
            .await
            .context("connecting to the database")?;
        tokio::spawn(connection);
        Some(client)
    };

    let plan = match (args.simulation_id, args.organization_id, &client) {
        (Some(simulation), Some(organization), Some(client)) => {
            simulate::plan_from_simulation(client, organization, simulation, start_day, days)
                .await?
        }
        _ => SimulationPlan {
            seed: args.seed,
            organizations: args.organizations,
            campaigns_per_organization: args.campaigns,
            contacts_per_organization: args.contacts,
            first_organization_id: args.first_organization_id,
            existing_campaign_id: None,
            start_day,
            days,
            total_events: args.events,
            rates: FunnelRates {
                bounce: args.bounce_rate,
                open: args.open_rate,
                click: args.click_rate,
                form_view: args.form_view_rate,
                form_submit: args.form_submit_rate,
                unsubscribe: args.unsubscribe_rate,
            },
            duplicate_rate: args.duplicate_rate,
            malformed_rate: args.malformed_rate,
        },
    };
    plan.validate()
        .map_err(|e| anyhow!("invalid simulation: {e}"))?;

    if let (Some(client), false) = (&client, args.no_seed) {
        let seeded = simulate::seed_database(client, &plan).await?;
        eprintln!(
            "seeded {} organizations, {} campaigns, {} contacts (existing rows kept)",
            seeded.organizations, seeded.campaigns, seeded.contacts
        );
    }

    let records = simulate::generate(&plan)?;
    let total = plan.total_events;
    if args.stdout {
        let written = tokio::task::spawn_blocking(move || {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            let n = simulate::write_ndjson(&mut out, records)?;
            out.flush()?;
            Ok::<_, std::io::Error>(n)
        })
        .await??;
        eprintln!("wrote {written} records");
    } else {
        let bar = progress::bar(total, "producing");
        let ticker = bar.clone();
        let sent = simulate::produce(&args.kafka.brokers, &args.kafka.topic, records, move |n| {
            ticker.set_position(n)
        })
        .await?;
        bar.finish_and_clear();
        eprintln!("produced {sent} records to {}", args.kafka.topic);
    }
    Ok(())
}
