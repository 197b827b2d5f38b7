//! Making and revoking API keys, for operators (`tally api-key`): a key is `tly_` and
//! 32 letters and digits from the operating system's random source; only its SHA-256
//! and its first 8 characters (the prefix that names it in lists and logs) are stored,
//! so it is shown once, when made.

use rand::TryRngCore as _;
use rand::rngs::OsRng;
use schema::domains::{api_keys, organizations, roles};
use schema::{Actor, OrganizationId, Tenant};
use tokio_postgres::Client;

use crate::auth::key_hash;

/// What every key starts with.
pub const KEY_PREFIX: &str = "tly_";
/// Random characters after the prefix.
pub const KEY_RANDOM_CHARS: usize = 32;
/// Characters of the key stored to name it (`tly_` and 4 more).
pub const STORED_PREFIX_CHARS: usize = 8;

const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The role a key acts with: by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleRef {
    /// A role's id.
    Id(i64),
    /// A role's name in the organization.
    Name(String),
}

impl std::str::FromStr for RoleRef {
    type Err = std::convert::Infallible;

    /// A number is an id, anything else a name.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text.trim().parse() {
            Ok(id) => RoleRef::Id(id),
            Err(_) => RoleRef::Name(text.trim().to_owned()),
        })
    }
}

/// A key just made: the secret (shown once) and its stored row.
#[derive(Debug)]
pub struct NewKey {
    /// The key to hand to the client; not stored anywhere.
    pub secret: String,
    /// The stored row (prefix, role, organization).
    pub key: api_keys::ApiKey,
    /// The role's name.
    pub role_name: String,
}

/// Why a key could not be made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The operating system's random source failed.
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    /// No live organization with that id.
    #[error("no organization {0}: check the id (`tally seed` prints the organizations it made)")]
    NoOrganization(i64),
    /// No role of that id or name in the organization.
    #[error("organization {organization} has no role {role}: give a role's id or exact name")]
    NoRole {
        /// The organization.
        organization: i64,
        /// The role asked for.
        role: String,
    },
    /// No live key of that id in the organization.
    #[error(
        "organization {organization} has no live key {id} (already revoked, or another organization's)"
    )]
    NoKey {
        /// The organization.
        organization: i64,
        /// The key's id.
        id: i64,
    },
    /// The database refused (logged with its message).
    #[error("database: {}", schema::describe_pg_error(.0))]
    Database(#[from] tokio_postgres::Error),
}

/// A fresh key: `tly_` and 32 characters of `[A-Za-z0-9]`, uniformly drawn from the
/// operating system's random source.
pub fn generate_key() -> Result<String, KeyError> {
    let mut key = String::with_capacity(KEY_PREFIX.len() + KEY_RANDOM_CHARS);
    key.push_str(KEY_PREFIX);
    let mut buf = [0u8; 64];
    while key.len() < KEY_PREFIX.len() + KEY_RANDOM_CHARS {
        OsRng
            .try_fill_bytes(&mut buf)
            .map_err(|e| KeyError::Random(e.to_string()))?;
        // 248 = 4 * 62: bytes above it are dropped so every character is equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if key.len() == KEY_PREFIX.len() + KEY_RANDOM_CHARS {
                break;
            }
            key.push(char::from(ALPHABET[usize::from(*b % 62)]));
        }
    }
    Ok(key)
}

/// Makes a key for `organization` acting with `role`, named `name` (the role's name
/// followed by ` key` when `None`). Runs as the connection's role (the owner: only
/// operators make keys); the audit trail names the actor `operator`.
pub async fn create_key(
    client: &mut Client,
    organization: i64,
    role: &RoleRef,
    name: Option<&str>,
) -> Result<NewKey, KeyError> {
    let (role_id, role_name) = find_role(client, organization, role).await?;
    let secret = generate_key()?;
    let prefix: String = secret.chars().take(STORED_PREFIX_CHARS).collect();
    let name = name.map_or_else(|| format!("{role_name} key"), str::to_owned);
    let hash = key_hash(&secret);
    let tx = operator_transaction(client).await?;
    let key = api_keys::admin_create()
        .bind(
            &tx,
            &organization,
            &name,
            &role_id,
            &prefix,
            &hash.as_slice(),
        )
        .one()
        .await?;
    tx.commit().await?;
    Ok(NewKey {
        secret,
        key,
        role_name,
    })
}

/// Revokes key `id` of `organization`: it stops authenticating at once.
pub async fn revoke_key(
    client: &mut Client,
    organization: i64,
    id: i64,
) -> Result<api_keys::ApiKey, KeyError> {
    let tx = operator_transaction(client).await?;
    let key = api_keys::admin_revoke()
        .bind(&tx, &organization, &id)
        .opt()
        .await?
        .ok_or(KeyError::NoKey { organization, id })?;
    tx.commit().await?;
    Ok(key)
}

/// A transaction whose changes the audit trail attributes to `operator`.
async fn operator_transaction(
    client: &mut Client,
) -> Result<tokio_postgres::Transaction<'_>, KeyError> {
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT set_config($1, 'operator', true)",
        &[&schema::ACTOR_SETTING],
    )
    .await?;
    Ok(tx)
}

/// The role's id and name, read in the organization's tenant view (so another
/// organization's role is not found).
async fn find_role(
    client: &mut Client,
    organization: i64,
    role: &RoleRef,
) -> Result<(i64, String), KeyError> {
    let tx = Tenant::new(OrganizationId(organization), Actor::Process("operator"))
        .begin(client)
        .await?;
    if organizations::get().bind(&tx).opt().await?.is_none() {
        return Err(KeyError::NoOrganization(organization));
    }
    let found = match role {
        RoleRef::Id(id) => roles::get().bind(&tx, id).opt().await?,
        RoleRef::Name(name) => {
            let mut after = 0;
            loop {
                let page = roles::list().bind(&tx, &after, &500).all().await?;
                if let Some(r) = page.iter().find(|r| &r.name == name) {
                    break Some(r.clone());
                }
                match page.last() {
                    Some(last) if page.len() == 500 => after = last.id,
                    _ => break None,
                }
            }
        }
    };
    tx.rollback().await?;
    let role_text = match role {
        RoleRef::Id(id) => id.to_string(),
        RoleRef::Name(name) => format!("{name:?}"),
    };
    found.map(|r| (r.id, r.name)).ok_or(KeyError::NoRole {
        organization,
        role: role_text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_prefix_and_32_alphanumerics_and_differ() {
        let a = generate_key().unwrap();
        let b = generate_key().unwrap();
        assert_ne!(a, b);
        for key in [a, b] {
            assert_eq!(key.len(), 36, "{key}");
            assert!(key.starts_with("tly_"));
            assert!(key[4..].bytes().all(|c| c.is_ascii_alphanumeric()), "{key}");
        }
    }

    #[test]
    fn a_number_is_a_role_id_and_anything_else_a_name() {
        assert_eq!("12".parse::<RoleRef>(), Ok(RoleRef::Id(12)));
        assert_eq!(
            " marketer ".parse::<RoleRef>(),
            Ok(RoleRef::Name("marketer".into()))
        );
    }
}
