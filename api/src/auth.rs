//! Who is calling and what they may do: `Authorization: Bearer <key>` is hashed
//! (SHA-256) and looked up with `tally_authenticate` (a live key of a live
//! organization), or found among the keys this replica authenticated lately
//! ([`crate::key_cache`]), then the route's permission is checked against the key's
//! role, all before the request's body is read. The extractor hands the handler the pooled
//! connection it authenticated on, and the handler opens its tenant transaction there
//! with the key as the audit actor (`api_key:<id>`).

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use schema::PooledTransaction as Transaction;
use schema::domains::api_keys;
use schema::{Actor, OrganizationId, PooledClient, Tenant};
use sha2::{Digest as _, Sha256};

use crate::error::ApiError;
use crate::key_cache::KeyCache;
use crate::state::AppState;
use crate::throttle::{Action, Spender};

macro_rules! permissions {
    ($($(#[$doc:meta])* $variant:ident = $key:literal),+ $(,)?) => {
        /// The permission vocabulary (the `permissions` table of migration 0015); a route
        /// needs one of them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission {
            $($(#[$doc])* $variant),+
        }

        impl Permission {
            /// Every permission, in the migration's order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),+];

            /// The key roles are granted, e.g. `contact.read`.
            pub fn key(self) -> &'static str {
                match self {
                    $(Permission::$variant => $key),+
                }
            }
        }
    };
}

permissions! {
    /// See the organization's settings.
    OrganizationRead = "organization.read",
    /// Change the organization's name and domain.
    OrganizationWrite = "organization.write",
    /// See the organization's members.
    UserRead = "user.read",
    /// Invite, change and remove members.
    UserWrite = "user.write",
    /// See roles and their permissions.
    RoleRead = "role.read",
    /// Create roles and change their permissions.
    RoleWrite = "role.write",
    /// See contacts.
    ContactRead = "contact.read",
    /// Create, change and delete contacts.
    ContactWrite = "contact.write",
    /// Import contacts from CSV files.
    ContactImport = "contact.import",
    /// See contact lists.
    ListRead = "list.read",
    /// Create, change and delete contact lists.
    ListWrite = "list.write",
    /// See campaigns and their results.
    CampaignRead = "campaign.read",
    /// Create, schedule and launch campaigns.
    CampaignWrite = "campaign.write",
    /// See forms and their responses.
    FormRead = "form.read",
    /// Create and change forms.
    FormWrite = "form.write",
    /// See email templates.
    TemplateRead = "template.read",
    /// Create new versions of email templates.
    TemplateWrite = "template.write",
    /// See leads.
    LeadRead = "lead.read",
    /// Qualify, contact and convert leads.
    LeadWrite = "lead.write",
    /// See GDPR requests.
    GdprRead = "gdpr.read",
    /// File and process GDPR requests.
    GdprWrite = "gdpr.write",
    /// Read the audit trail.
    AuditRead = "audit.read",
    /// Send campaign events over HTTP.
    EventWrite = "event.write",
}

/// A route's required permission, as a type, so the extractor checks it before the body
/// is read: `Authorized<need::ContactRead>`.
pub trait Need: Send + Sync + 'static {
    /// The permission.
    const PERMISSION: Permission;
}

/// The permissions routes name as types, one per [`Permission`].
// The vocabulary is whole even where no route needs a permission yet.
#[allow(dead_code)]
pub mod need {
    use super::{Need, Permission};

    macro_rules! needs {
        ($($name:ident),+ $(,)?) => {
            $(
                #[doc = concat!("Requires [`Permission::", stringify!($name), "`].")]
                #[derive(Debug)]
                pub struct $name;
                impl Need for $name {
                    const PERMISSION: Permission = Permission::$name;
                }
            )+
        };
    }

    needs!(
        OrganizationRead,
        OrganizationWrite,
        UserRead,
        UserWrite,
        RoleRead,
        RoleWrite,
        ContactRead,
        ContactWrite,
        ContactImport,
        ListRead,
        ListWrite,
        CampaignRead,
        CampaignWrite,
        FormRead,
        FormWrite,
        TemplateRead,
        TemplateWrite,
        LeadRead,
        LeadWrite,
        GdprRead,
        GdprWrite,
        AuditRead,
        EventWrite,
    );
}

/// An authenticated caller: the key's organization, the key, its role's permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The organization the key belongs to.
    pub organization: OrganizationId,
    /// The key's id (the audit actor `api_key:<id>`).
    pub key_id: i64,
    /// The permission keys of the key's role.
    pub permissions: Vec<String>,
}

impl Caller {
    /// Whether the key's role grants `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.iter().any(|p| p == permission.key())
    }
}

/// A request whose key authenticated and whose role holds `P`, with the pooled
/// connection it was checked on.
pub struct Authorized<P: Need> {
    caller: Arc<Caller>,
    client: PooledClient,
    key_cache: Arc<KeyCache>,
    need: PhantomData<P>,
}

impl<P: Need> Authorized<P> {
    /// Opens the request's tenant transaction: the key's organization, the application
    /// role, and the key as the audit actor.
    pub async fn begin(&mut self) -> Result<Transaction<'_>, ApiError> {
        let tenant = Tenant::new(self.caller.organization, Actor::ApiKey(self.caller.key_id));
        Ok(tenant.begin_pooled(&mut self.client).await?)
    }
}

impl<P: Need> Authorized<P> {
    /// Who is calling.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// Forgets the keys this replica kept, after this request committed a change of
    /// what keys may do: the other replicas hear of it from the database, and this
    /// one's next request must not race that notification.
    pub fn keys_changed(&self) {
        self.key_cache.forget_all();
    }

    /// The connection the key was checked on, for work that opens its own tenant
    /// transaction (a contact import).
    pub fn into_client(self) -> PooledClient {
        self.client
    }
}

impl<P: Need> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let hash = key_hash(bearer(parts)?);
        let cache = state.key_cache();
        let kept = cache.get(&hash);
        state.metrics().key_lookup(kept.is_some());
        let (caller, client) = match kept {
            Some(caller) => (caller, None),
            None => {
                let ticket = cache.ticket();
                let client = state.pool().get().await?;
                let caller = Arc::new(authenticate(&client, &hash).await?);
                cache.keep(ticket, hash, Arc::clone(&caller));
                (caller, Some(client))
            }
        };
        tracing::Span::current().record("api_key", caller.key_id);
        if !caller.may(P::PERMISSION) {
            return Err(ApiError::Forbidden(P::PERMISSION));
        }
        let client = match client {
            Some(client) => client,
            None => state.pool().get().await?,
        };
        // Reads are not limited; a write is refused before its body is read.
        if !(parts.method == Method::GET || parts.method == Method::HEAD) {
            let action = match P::PERMISSION {
                Permission::ContactImport => Action::Import,
                Permission::EventWrite => Action::Events,
                _ => Action::Write,
            };
            state
                .throttle()
                .take(
                    &**client,
                    caller.organization,
                    Spender::Key(caller.key_id),
                    action,
                )
                .await?;
        }
        Ok(Authorized {
            caller,
            client,
            key_cache: Arc::clone(cache),
            need: PhantomData,
        })
    }
}

/// The key of `Authorization: Bearer <key>` (the scheme in any case).
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthorized(
            "send the API key as Authorization: Bearer <key>",
        ))?;
    let value = header
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") && !key.trim().is_empty() => {
            Ok(key.trim())
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be Bearer <key>",
        )),
    }
}

/// The caller a presented key (by its hash) stands for; unknown and revoked keys are
/// one answer.
async fn authenticate(client: &PooledClient, hash: &[u8; 32]) -> Result<Caller, ApiError> {
    let caller = api_keys::authenticate()
        .bind(client, &hash.as_slice())
        .opt()
        .await?
        .ok_or(ApiError::Unauthorized("the API key is unknown or revoked"))?;
    Ok(Caller {
        organization: OrganizationId(caller.organization_id),
        key_id: caller.key_id,
        permissions: caller.permissions,
    })
}

/// The SHA-256 of a key, as stored in `api_keys.key_hash`.
pub fn key_hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}
