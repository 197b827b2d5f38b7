//! The long-running scheduler: a thin shell of tokio-cron-scheduler around
//! [`run_job`](crate::run_job).

use std::future::Future;
use std::sync::Arc;

use chrono::Utc;
use deadpool_postgres::Pool;
use tokio::sync::RwLock;
use tokio_cron_scheduler::{Job as CronJob, JobScheduler};

use crate::{Job, SchedulerError, catch_up, run_job};

/// Catches up missed runs, then runs every job on its schedule (UTC) until `shutdown`
/// resolves, then waits for runs in progress to finish. A failed run is recorded and
/// logged; it never stops the scheduler.
pub async fn run(
    pool: Pool,
    jobs: Vec<Arc<dyn Job>>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), SchedulerError> {
    let refs: Vec<&dyn Job> = jobs.iter().map(|j| j.as_ref()).collect();
    catch_up(&pool, &refs, Utc::now()).await?;

    // Each run holds a read guard; shutdown takes the write guard to wait for them.
    let in_flight = Arc::new(RwLock::new(()));
    let scheduler = JobScheduler::new().await.map_err(cron)?;
    for job in &jobs {
        let cron_job = {
            let expression = job.schedule().as_str().to_owned();
            let job = job.clone();
            let pool = pool.clone();
            let in_flight = in_flight.clone();
            CronJob::new_async(expression, move |_, _| {
                let job = job.clone();
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

fn cron(e: tokio_cron_scheduler::JobSchedulerError) -> SchedulerError {
    SchedulerError::Cron(e.to_string())
}
