//! Organizations, lists and rules the import tests share, and the counts they compare.

use contacts::{ImportError, ImportOptions, ImportReport};
use schema::OrganizationId;
use tokio_postgres::Client;

/// The organization the tests import into, and its list.
pub const ORG: OrganizationId = OrganizationId(1);
pub const LIST: i64 = 10;
/// Another organization, with a list of its own.
pub const OTHER_ORG: OrganizationId = OrganizationId(2);
pub const OTHER_LIST: i64 = 20;

/// Two organizations with a list each, and organization 1's rules: `blocked` (version
/// 1 retired, version 2 active), `disposable`, `roles` (default local parts), `syntax`,
/// `dupes`, a retired rule and one of a type the import does not know. Returns the id
/// of each active rule by name.
pub async fn setup(client: &Client) -> Rules {
    client
        .batch_execute(
            "INSERT INTO organizations (id, name) VALUES (1, 'Acme'), (2, 'Globex');
             INSERT INTO contact_lists (organization_id, id, name) VALUES
                 (1, 10, 'Newsletter'), (1, 11, 'Other list'), (2, 20, 'Globex list');
             INSERT INTO validation_rules (organization_id, name, version, rule_type, definition, is_active) VALUES
                 (1, 'blocked', 1, 'blocked_domain', '{\"domains\": [\"old-blocked.example\"]}', false),
                 (1, 'blocked', 2, 'blocked_domain', '{\"domains\": [\"Blocked.example\", \"spam.example\"]}', true),
                 (1, 'disposable', 1, 'disposable_domain', '{\"domains\": [\"mailinator.com\"]}', true),
                 (1, 'roles', 3, 'role_account', '{}', true),
                 (1, 'syntax', 1, 'syntax', '{}', true),
                 (1, 'dupes', 1, 'duplicate_in_file', '{}', true),
                 (1, 'retired', 1, 'blocked_domain', '{\"domains\": [\"example.com\"]}', false),
                 (1, 'mx', 1, 'mx_lookup', '{\"timeout_ms\": 500}', true);
             INSERT INTO validation_rules (organization_id, name, version, rule_type, definition) VALUES
                 (2, 'everything', 1, 'blocked_domain', '{\"domains\": [\"example.com\"]}');",
        )
        .await
        .unwrap();
    let id = |name: &str| {
        let name = name.to_owned();
        async move {
            client
                .query_one(
                    "SELECT id FROM validation_rules WHERE organization_id = 1 AND name = $1 AND is_active",
                    &[&name],
                )
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    Rules {
        blocked: id("blocked").await,
        disposable: id("disposable").await,
        roles: id("roles").await,
    }
}

/// Active rule ids of organization 1.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub blocked: i64,
    pub disposable: i64,
    pub roles: i64,
}

/// Imports `csv` into `list` of `org`.
pub async fn import_into(
    client: &mut Client,
    org: OrganizationId,
    list: i64,
    csv: &[u8],
    update_existing: bool,
) -> Result<ImportReport, ImportError> {
    contacts::import(
        client,
        org,
        list,
        csv,
        ImportOptions {
            update_existing,
            ..ImportOptions::default()
        },
        |_| {},
    )
    .await
}

/// Imports `csv` into organization 1's list, failing the test on an error.
pub async fn import(client: &mut Client, csv: &[u8], update_existing: bool) -> ImportReport {
    import_into(client, ORG, LIST, csv, update_existing)
        .await
        .unwrap_or_else(|e| panic!("import failed: {e}"))
}

/// Row counts of what an import writes, as the owner sees them (all organizations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub contacts: i64,
    pub audit_inserts: i64,
    pub audit_updates: i64,
    pub validation_logs: i64,
}

pub async fn counts(client: &Client) -> Counts {
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM contacts),
                    (SELECT count(*) FROM audit_logs WHERE entity_type = 'contacts' AND action = 'insert'),
                    (SELECT count(*) FROM audit_logs WHERE entity_type = 'contacts' AND action = 'update'),
                    (SELECT count(*) FROM validation_logs)",
            &[],
        )
        .await
        .unwrap();
    Counts {
        contacts: row.get(0),
        audit_inserts: row.get(1),
        audit_updates: row.get(2),
        validation_logs: row.get(3),
    }
}

/// The refused lines as (line, reason) pairs.
pub fn refused(report: &ImportReport) -> Vec<(u64, contacts::RefusedReason)> {
    report.refused.iter().map(|r| (r.line, r.reason)).collect()
}

/// The report's counts per validation status, by label.
pub fn statuses(report: &ImportReport) -> Vec<(&'static str, u64)> {
    use schema::PgEnum as _;
    report
        .by_status
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect()
}
