//! The long-running scheduler: a thin shell of tokio-cron-scheduler around
//! [`run_job`](crate::run_job), with `/metrics` and `/healthz` beside it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use deadpool_postgres::Pool;
use tokio::sync::RwLock;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

use crate::{Job, SchedulerError, catch_up, refresh, run_job};

/// How the shell reports on itself.
#[derive(Debug, Clone)]
pub struct ShellConfig {
    /// Where `/metrics` and `/healthz` are served; `None` serves neither.
    pub metrics_addr: Option<SocketAddr>,
    /// How often the job gauges are read again from job_runs (they also are after each
    /// run of this process): runs of other replicas show within this time.
    pub refresh_every: Duration,
}

impl Default for ShellConfig {
    fn default() -> Self {
        ShellConfig {
            metrics_addr: None,
            refresh_every: Duration::from_secs(15),
        }
    }
}

/// Serves the metrics, catches up missed runs, then runs every job on its schedule (UTC)
/// until `shutdown` resolves, then waits for runs in progress to finish. A failed run is
/// recorded and logged; it never stops the scheduler.
pub async fn run(
    pool: Pool,
    jobs: Vec<Arc<dyn Job>>,
    config: ShellConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), SchedulerError> {
    for job in &jobs {
        crate::metrics().declare_job(job.name());
    }
    // Up before the catch-up, which may run for a long while.
    let server = match config.metrics_addr {
        Some(addr) => Some(
            telemetry::serve(addr, |format| crate::metrics().encode(format))
                .await
                .map_err(|source| SchedulerError::Metrics { addr, source })?,
        ),
        None => None,
    };
    let refresher = tokio::spawn(refresh_every(
        pool.clone(),
        jobs.clone(),
        config.refresh_every,
    ));
    let result = schedule(&pool, &jobs, shutdown).await;
    refresher.abort();
    if let Some(server) = server {
        server.abort();
    }
    result
}

async fn schedule(
    pool: &Pool,
    jobs: &[Arc<dyn Job>],
    shutdown: impl Future<Output = ()>,
) -> Result<(), SchedulerError> {
    let refs: Vec<&dyn Job> = jobs.iter().map(|j| j.as_ref()).collect();
    catch_up(pool, &refs, Utc::now()).await?;
    refresh_logged(pool, jobs).await;

    // Each run holds a read guard; shutdown takes the write guard to wait for them.
    let in_flight = Arc::new(RwLock::new(()));
    let scheduler = JobScheduler::new().await.map_err(cron)?;
    for job in jobs {
        let cron_job = {
            let expression = job.schedule().as_str().to_owned();
            let job = job.clone();
            let jobs = jobs.to_vec();
            let pool = pool.clone();
            let in_flight = in_flight.clone();
            CronJob::new_async(expression, move |_, _| {
                let job = job.clone();
                let jobs = jobs.clone();
                let pool = pool.clone();
                let in_flight = in_flight.clone();
                Box::pin(async move {
                    let _running = in_flight.read().await;
                    let now = Utc::now();
                    let slot = job.schedule().slot_at(now);
                    let args = serde_json::json!({});
                    if let Err(e) = run_job(&pool, job.as_ref(), slot, now, &args).await {
                        tracing::error!(job = job.name(), error = %e, "job could not be run");
                    }
                    refresh_logged(&pool, &jobs).await;
                })
            })
            .map_err(cron)?
        };
        scheduler.add(cron_job).await.map_err(cron)?;
        tracing::info!(
            job = job.name(),
            schedule = job.schedule().as_str(),
            next = ?job.schedule().next_after(Utc::now()),
            "job scheduled"
        );
    }
    scheduler.start().await.map_err(cron)?;
    shutdown.await;
    tracing::info!("scheduler stopping; waiting for runs in progress");
    let mut scheduler = scheduler;
    scheduler.shutdown().await.map_err(cron)?;
    let _idle = in_flight.write().await;
    Ok(())
}

/// Refreshes the job gauges every `every`, from the start, until aborted.
async fn refresh_every(pool: Pool, jobs: Vec<Arc<dyn Job>>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        refresh_logged(&pool, &jobs).await;
    }
}

/// A failed refresh leaves the gauges as they were: the metrics must not stop the jobs.
async fn refresh_logged(pool: &Pool, jobs: &[Arc<dyn Job>]) {
    let refs: Vec<&dyn Job> = jobs.iter().map(|j| j.as_ref()).collect();
    if let Err(e) = refresh(pool, &refs, Utc::now()).await {
        tracing::warn!(error = %e, "job gauges not refreshed from job_runs");
    }
}

fn cron(e: tokio_cron_scheduler::JobSchedulerError) -> SchedulerError {
    SchedulerError::Cron(e.to_string())
}
