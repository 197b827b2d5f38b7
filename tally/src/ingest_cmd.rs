//! `tally ingest`: consume until SIGINT/SIGTERM, then commit the in-flight batches and
//! exit 0.

use ingest::IngestConfig;

use crate::cli::IngestArgs;

/// Runs the ingest until a signal.
pub async fn run(args: IngestArgs) -> anyhow::Result<()> {
    let config = config(&args)?;
    let mut shutdown = crate::shutdown::Shutdown::listen()?;
    let summary = ingest::run(config, shutdown.received()).await?;
    println!(
        "stopped: {} stored, {} duplicates dropped, {} dead letters in {:.1}s",
        summary.stored,
        summary.duplicates,
        summary.dead_letters.values().sum::<u64>(),
        summary.elapsed.as_secs_f64()
    );
    Ok(())
}

fn config(args: &IngestArgs) -> anyhow::Result<IngestConfig> {
    let mut config = IngestConfig::new(
        &args.kafka.brokers,
        &args.kafka.topic,
        &args.group,
        args.database.config()?,
    );
    config.writers = usize::from(args.writer.writers);
    config.copy_streams = args.writer.copy_streams;
    config.batch_size = args.writer.batch_size as usize;
    config.batch_age = args.writer.batch_age;
    config.limits = args.limits.limits()?;
    config.premake_days = args.partitions.premake_days;
    config.metrics_addr = args.metrics.addr()?;
    config.kafka_properties = args.kafka_options.clone();
    config.instance_id = args.instance_id.clone();
    config.shutdown_timeout = args.shutdown_timeout;
    Ok(config)
}
