//! `tally serve`: the HTTP API until SIGINT/SIGTERM. The server refuses a database with
//! pending migrations, like `seed` and `ingest`, and lets the requests in flight finish
//! when stopped.

use crate::settings::ServeArgs;

/// Serves until a signal.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let mut shutdown = crate::shutdown::Shutdown::listen()?;
    let server = api::bind(config).await?;
    // Scripts (and the tests) read the address, which port 0 leaves to the system.
    println!("listening on http://{}", server.local_addr());
    server.run(async move { shutdown.received().await }).await?;
    println!("stopped");
    Ok(())
}
