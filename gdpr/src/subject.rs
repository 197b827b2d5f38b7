//! Who a request is about, found once: the contacts (or the user) of the address in the
//! organization, by the address or, once erased, by its marker.

use tokio_postgres::{Client, GenericClient};

use crate::key::normalize_email;
use crate::request::{Claimed, SubjectKind};
use crate::{ErasureKey, GdprError};

/// The subject of a request, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub organization: i64,
    pub kind: SubjectKind,
    /// The address, lower-cased: what personal values are searched for. Empty when an
    /// earlier run of the request already replaced it (the steps that need it are done
    /// by then).
    pub needle: String,
    /// Every list's row of a contact subject.
    pub contact_ids: Vec<i64>,
    /// A user subject's id, when they are a member of the organization.
    pub user_id: Option<i64>,
    /// Memberships the user holds in other organizations.
    pub user_elsewhere: i64,
    /// The address's hash under the key, when a key is configured.
    pub email_hash: Option<String>,
}

/// Finds the subject of `claimed` now.
pub(crate) async fn resolve(
    client: &impl GenericClient,
    claimed: &Claimed,
    key: Option<&ErasureKey>,
) -> Result<Resolved, GdprError> {
    let org = claimed.organization;
    let needle = normalize_email(&claimed.subject.email);
    let email_hash = key.map(|k| k.hash(org, &needle));
    let marker = key.map(|k| k.marker(org, &needle));
    let what = || {
        format!(
            "finding the subject of request {} in organization {org}",
            claimed.id
        )
    };
    let mut resolved = Resolved {
        organization: org,
        kind: claimed.subject.kind,
        needle,
        contact_ids: Vec::new(),
        user_id: None,
        user_elsewhere: 0,
        email_hash,
    };
    match claimed.subject.kind {
        SubjectKind::Contact => {
            resolved.contact_ids = client
                .query(
                    include_str!("subject/contacts.sql"),
                    &[&org, &resolved.needle, &marker],
                )
                .await
                .map_err(GdprError::db(what()))?
                .iter()
                .map(|r| r.get(0))
                .collect();
        }
        SubjectKind::User => {
            if let Some(row) = client
                .query_opt(
                    include_str!("subject/user.sql"),
                    &[&org, &resolved.needle, &marker],
                )
                .await
                .map_err(GdprError::db(what()))?
            {
                resolved.user_id = Some(row.get(0));
                resolved.user_elsewhere = row.get(1);
            }
        }
    }
    Ok(resolved)
}

/// The subject of an erasure: as an earlier run of it recorded, or found now and
/// recorded, so that every step and every rerun works on the same rows.
pub(crate) async fn resolve_once(
    client: &mut Client,
    claimed: &Claimed,
    key: &ErasureKey,
) -> Result<(Resolved, bool), GdprError> {
    let org = claimed.organization;
    let what = || {
        format!(
            "recording the subject of request {} in organization {org}",
            claimed.id
        )
    };
    if let Some(row) = client
        .query_opt(include_str!("subject/load.sql"), &[&org, &claimed.id])
        .await
        .map_err(GdprError::db(what()))?
    {
        let needle = normalize_email(&claimed.subject.email);
        let email_hash: Option<String> = row.get(2);
        // The requests step replaces the address with its marker: the address is then
        // no longer known, and no step left needs it.
        let replaced = email_hash
            .as_deref()
            .is_some_and(|h| needle.starts_with(h) && needle.ends_with(crate::key::ERASED_DOMAIN));
        let user_id: Option<i64> = row.get(1);
        let resolved = Resolved {
            organization: org,
            kind: claimed.subject.kind,
            needle: if replaced { String::new() } else { needle },
            contact_ids: row.get::<_, Option<Vec<i64>>>(0).unwrap_or_default(),
            user_id,
            user_elsewhere: 0,
            email_hash,
        };
        return Ok((resolved, false));
    }
    let resolved = resolve(&*client, claimed, Some(key)).await?;
    if let (SubjectKind::User, Some(user)) = (resolved.kind, resolved.user_id)
        && resolved.user_elsewhere > 0
    {
        return Err(GdprError::UserElsewhere {
            user_id: user,
            others: resolved.user_elsewhere,
        });
    }
    save(
        &*client,
        org,
        claimed.id,
        resolved.kind,
        &resolved.contact_ids,
        resolved.user_id,
        resolved.email_hash.as_deref().unwrap_or_default(),
    )
    .await
    .map_err(GdprError::db(what()))?;
    Ok((resolved, true))
}

/// Records the subject of request `request` as resolved (see save.sql).
pub(crate) async fn save(
    client: &impl GenericClient,
    organization: i64,
    request: i64,
    kind: SubjectKind,
    contact_ids: &[i64],
    user_id: Option<i64>,
    email_hash: &str,
) -> Result<u64, tokio_postgres::Error> {
    let hash = (!email_hash.is_empty()).then_some(email_hash);
    client
        .execute(
            include_str!("subject/save.sql"),
            &[
                &organization,
                &request,
                &kind.as_str(),
                &contact_ids,
                &user_id,
                &hash,
            ],
        )
        .await
}

/// Whether `organization` erased `email` (a completed deletion request about it): what a
/// re-import of the address checks to recognise the erased person.
pub async fn is_erased(
    client: &impl GenericClient,
    key: &ErasureKey,
    organization: i64,
    email: &str,
) -> Result<bool, GdprError> {
    let hash = key.hash(organization, email);
    Ok(client
        .query_one(include_str!("subject/erased.sql"), &[&organization, &hash])
        .await
        .map_err(GdprError::db(format!(
            "looking up erased addresses of organization {organization}"
        )))?
        .get(0))
}
