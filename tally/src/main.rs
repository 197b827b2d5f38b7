//! `tally`: the one binary. Parses flags, starts tracing and hands over to the command.

mod api_key_cmd;
mod cli;
mod contacts_cmd;
mod dead_letters_cmd;
mod demo;
mod gdpr_cmd;
mod ingest_cmd;
mod jobs;
mod lifecycle;
mod migrate;
mod progress;
mod seed_cmd;
mod serve_cmd;
mod settings;
mod shutdown;
mod simulate_cmd;

use clap::Parser as _;

use crate::cli::{Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            cli.log.filter_for(&cli.command),
        ))
        .with_writer(std::io::stderr)
        // A span's close line gives its duration: the timings of debug spans (a
        // batch's stages) and of info ones (a job run).
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Migrate(args) => migrate::run(args).await,
            Command::Ingest(args) => ingest_cmd::run(args).await,
            Command::Schedule(args) => jobs::schedule(args).await,
            Command::Run(args) => jobs::run(args).await,
            Command::Restore(args) => lifecycle::restore(args).await,
            Command::Archive(args) => lifecycle::archive(args).await,
            Command::Simulate(args) => simulate_cmd::run(args).await,
            Command::Seed(args) => seed_cmd::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Contacts(args) => contacts_cmd::run(args).await,
            Command::Serve(args) => serve_cmd::run(args).await,
            Command::ApiKey(args) => api_key_cmd::run(args).await,
            Command::DeadLetters(args) => dead_letters_cmd::run(args).await,
            Command::Gdpr(args) => gdpr_cmd::run(args).await,
            Command::Settings => {
                print!("{}", settings::table());
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
