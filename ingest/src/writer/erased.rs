//! Contacts a GDPR erasure removed (`gdpr_erased_contacts`, docs/gdpr.md): an event that
//! arrives later for one of them is stored without its IP address and without the PII
//! keys the erasure removed, never with them. The set is cached per process and read
//! again only when its version moves, which every batch checks in its transaction
//! before its first COPY, under the lock an erasure waits for (taken outside any
//! savepoint, whose rollback would release it): an erasure's own pass over events
//! comes after every batch that read an older version has committed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use schema::Event;
use serde_json::value::RawValue;
use tokio_postgres::GenericClient;

/// The erased contacts at one version.
#[derive(Debug, Default)]
pub(crate) struct ErasedSet {
    version: i64,
    /// (organization, contact) to the keys their events lose.
    keys: HashMap<(i64, i64), Vec<String>>,
}

impl ErasedSet {
    /// `event` without its IP address and PII keys when its contact is erased; None
    /// when it is not (the common case: one lookup, or none while nobody is erased).
    pub fn strip(&self, event: &Event) -> Option<Event> {
        if self.keys.is_empty() {
            return None;
        }
        let keys = self
            .keys
            .get(&(event.organization_id.0, event.contact_id.0))?;
        let mut data: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(event.event_data.get()).unwrap_or_default();
        for key in keys {
            data.remove(key);
        }
        // A map serializes; if it somehow did not, nothing personal is kept either.
        let event_data = serde_json::to_string(&data)
            .ok()
            .and_then(|text| RawValue::from_string(text).ok())
            .unwrap_or_else(empty_object);
        Some(Event {
            ip_address: None,
            event_data,
            ..event.clone()
        })
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).unwrap_or_else(|_| unreachable!("{{}} is JSON"))
}

/// The process's cache of the erased contacts, shared by its writers.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErasedContacts(Arc<Mutex<Arc<ErasedSet>>>);

impl ErasedContacts {
    /// The set as of the version `tx` sees, taking the lock an erasure waits for until
    /// `tx` ends; read again from the table only when the version moved.
    pub async fn current(
        &self,
        tx: &impl GenericClient,
    ) -> Result<Arc<ErasedSet>, tokio_postgres::Error> {
        let version: i64 = tx
            .query_one(include_str!("erased_version.sql"), &[])
            .await?
            .get(0);
        let cached = self.get();
        if cached.version == version {
            return Ok(cached);
        }
        let rows = tx.query(include_str!("erased_load.sql"), &[]).await?;
        let set = Arc::new(ErasedSet {
            version: rows.first().map_or(version, |r| r.get(3)),
            keys: rows
                .iter()
                .map(|r| ((r.get(0), r.get(1)), r.get(2)))
                .collect(),
        });
        tracing::info!(
            erased_contacts = set.keys.len(),
            version = set.version,
            "erased contacts reloaded"
        );
        if let Ok(mut slot) = self.0.lock() {
            *slot = Arc::clone(&set);
        }
        Ok(set)
    }

    fn get(&self) -> Arc<ErasedSet> {
        self.0.lock().map(|s| Arc::clone(&s)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(contact: i64) -> Event {
        Event {
            event_id: uuid::Uuid::nil(),
            organization_id: schema::OrganizationId(7),
            campaign_id: schema::CampaignId(1),
            contact_id: schema::ContactId(contact),
            event_type: schema::EventType::Click,
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            ip_address: "203.0.113.7".parse().ok(),
            event_data: RawValue::from_string(
                r#"{"url": "https://x.test", "email": "a@b.c", "name": "A"}"#.to_owned(),
            )
            .unwrap_or_else(|_| empty_object()),
        }
    }

    #[test]
    fn an_erased_contacts_event_loses_ip_and_keys_and_others_are_untouched() {
        let set = ErasedSet {
            version: 1,
            keys: [((7, 42), vec!["email".to_owned(), "name".to_owned()])].into(),
        };
        let stripped = set.strip(&event(42)).unwrap_or_else(|| panic!("erased"));
        assert_eq!(stripped.ip_address, None);
        assert_eq!(stripped.event_data.get(), r#"{"url":"https://x.test"}"#);
        assert_eq!(stripped.event_id, uuid::Uuid::nil());
        assert!(set.strip(&event(43)).is_none());
        assert!(ErasedSet::default().strip(&event(42)).is_none());
    }
}
