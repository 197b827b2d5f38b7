//! `tally api-key create | revoke`: the operator's side of API keys. A new key is
//! printed once, alone on standard output (so `KEY=$(tally api-key create ...)` keeps
//! it); what it is goes to standard error.

use anyhow::Context as _;
use tokio_postgres::NoTls;

use crate::cli::{ApiKeyAction, ApiKeyArgs};

/// Runs the api-key action.
pub async fn run(args: ApiKeyArgs) -> anyhow::Result<()> {
    let config = args.database.config()?;
    let (mut client, connection) = config
        .connect(NoTls)
        .await
        .with_context(|| format!("cannot connect to database {:?}", config.get_dbname()))?;
    let connection = tokio::spawn(connection);
    crate::seed_cmd::ensure_migrated(&mut client, "tally api-key").await?;
    match args.action {
        ApiKeyAction::Create {
            organization,
            role,
            name,
        } => {
            let new = api::create_key(&mut client, organization, &role, name.as_deref()).await?;
            eprintln!(
                "API key {} {:?} ({}...) for organization {} with role {} ({}); \
                 it is shown once, below: store it now",
                new.key.id,
                new.key.name,
                new.key.prefix,
                new.key.organization_id,
                new.role_name,
                new.key.role_id,
            );
            println!("{}", new.secret);
        }
        ApiKeyAction::Revoke { organization, id } => {
            let key = api::revoke_key(&mut client, organization, id).await?;
            println!(
                "revoked API key {} {:?} ({}...) of organization {}",
                key.id, key.name, key.prefix, key.organization_id
            );
        }
    }
    drop(client);
    let _ = connection.await;
    Ok(())
}
