//! The platform's data as the load benchmarks load it: organization 1 with `contacts`
//! contacts (20 lists; validation status 80% valid, 10% risky, 5% invalid, 5% pending;
//! created over a year, ids in creation order; 1% soft-deleted), 1,000 campaigns (30%
//! draft, 10% scheduled, 20% active, 40% completed) and `leads` leads (90% in a campaign;
//! 40% new, 25% qualified, 15% disqualified, 12% contacted, 8% converted); organization 2
//! with a tenth of each, every 11th id, so the two tenants share ids' ranges and heap
//! pages and every plan has to keep them apart. Loaded by `INSERT ... SELECT
//! generate_series` as the owner, with the `audit_insert` triggers of contacts,
//! campaigns and leads disabled during the load only; then `VACUUM ANALYZE`.

// A benchmark that cannot load its data has nothing to measure: panic.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use tokio_postgres::Client;

/// The organization measured; organization 2 holds every 11th row.
pub const ORG: i64 = 1;

/// Tables loaded in bulk, whose statement-level audit trigger is off during the load.
const BULK: [&str; 3] = ["contacts", "campaigns", "leads"];

/// The two organizations and 20 contact lists each (ids 1-20 and 21-40).
const LOAD_TENANTS: &str = "
INSERT INTO organizations (id, name, domain)
VALUES (1, 'Bench one', 'one.example'), (2, 'Bench two', 'two.example');
INSERT INTO contact_lists (organization_id, id, name)
SELECT o, (o - 1) * 20 + l, 'list ' || l FROM generate_series(1, 2) o, generate_series(1, 20) l";

/// `$1` contact ids (a multiple of 11): every 11th belongs to organization 2. h1-h5 are
/// independent hashes of the id; created_at grows with the id over a year.
const LOAD_CONTACTS: &str = "
INSERT INTO contacts (organization_id, id, contact_list_id, email, first_name, last_name, phone,
                      validation_status, attributes, created_at, updated_at, deleted_at)
SELECT o, g, (o - 1) * 20 + 1 + h1 % 20,
       'contact' || g || '@' || (ARRAY['example.com', 'example.org', 'mail.example.net', 'corp.example'])[1 + h2 % 4],
       'First' || h2 % 997, 'Last' || h4 % 1999,
       CASE WHEN h2 % 3 = 0 THEN '+1555' || lpad((h4 % 10000000)::text, 7, '0') END,
       (CASE WHEN h3 % 100 < 80 THEN 'valid' WHEN h3 % 100 < 90 THEN 'risky'
             WHEN h3 % 100 < 95 THEN 'invalid' ELSE 'pending' END)::validation_status,
       jsonb_build_object('source', 'import', 'segment', h1 % 7),
       at, at, CASE WHEN h5 % 100 = 0 THEN at + interval '1 day' END
FROM (
    SELECT g, CASE WHEN g % 11 = 0 THEN 2 ELSE 1 END AS o,
           hashint8extended(g, 1) & 9223372036854775807 AS h1,
           hashint8extended(g, 2) & 9223372036854775807 AS h2,
           hashint8extended(g, 3) & 9223372036854775807 AS h3,
           hashint8extended(g, 4) & 9223372036854775807 AS h4,
           hashint8extended(g, 5) & 9223372036854775807 AS h5,
           timestamptz '2025-12-01 00:00+00' + interval '365 days' * (g::float8 / $1::bigint) AS at
    FROM generate_series(1, $1::bigint) g
) s";

/// 1,100 campaign ids, every 11th of organization 2; a target list of the same tenant.
const LOAD_CAMPAIGNS: &str = "
INSERT INTO campaigns (organization_id, id, name, status, contact_list_id, landing_page_slug,
                       scheduled_at, started_at, completed_at, created_at, updated_at, deleted_at)
SELECT o, g, 'Campaign ' || g, st, (o - 1) * 20 + 1 + h2 % 20, 'campaign-' || g,
       CASE WHEN st <> 'draft' THEN at + interval '2 days' END,
       CASE WHEN st IN ('active', 'completed') THEN at + interval '2 days' END,
       CASE WHEN st = 'completed' THEN at + interval '9 days' END,
       at, at, CASE WHEN h3 % 100 = 0 THEN at + interval '1 day' END
FROM (
    SELECT g, o, h2, h3, at,
           (CASE WHEN h1 % 10 < 3 THEN 'draft' WHEN h1 % 10 < 4 THEN 'scheduled'
                 WHEN h1 % 10 < 6 THEN 'active' ELSE 'completed' END)::campaign_status AS st
    FROM (
        SELECT g, CASE WHEN g % 11 = 0 THEN 2 ELSE 1 END AS o,
               hashint8extended(g, 11) & 9223372036854775807 AS h1,
               hashint8extended(g, 12) & 9223372036854775807 AS h2,
               hashint8extended(g, 13) & 9223372036854775807 AS h3,
               timestamptz '2025-12-01 00:00+00' + interval '365 days' * (g / 1100.0) AS at
        FROM generate_series(1, 1100) g
    ) r
) s";

/// `$2` lead ids (a multiple of 11), every 11th of organization 2, each on a contact of
/// its tenant among `$1` contact ids and, 9 in 10, a campaign of its tenant.
const LOAD_LEADS: &str = "
INSERT INTO leads (organization_id, id, contact_id, campaign_id, status, score, created_at, updated_at, deleted_at)
SELECT o, g,
       CASE WHEN o = 1 THEN 11 * (h1 % ($1::bigint / 11)) + 1 + h2 % 10 ELSE 11 * (1 + h1 % ($1::bigint / 11)) END,
       CASE WHEN h3 % 10 = 0 THEN NULL
            WHEN o = 1 THEN 11 * (h3 / 10 % 100) + 1 + h3 / 1000 % 10 ELSE 11 * (1 + h3 / 10 % 100) END,
       (CASE WHEN h4 % 100 < 40 THEN 'new' WHEN h4 % 100 < 65 THEN 'qualified'
             WHEN h4 % 100 < 80 THEN 'disqualified' WHEN h4 % 100 < 92 THEN 'contacted'
             ELSE 'converted' END)::lead_status,
       h5 % 101, at, at, CASE WHEN h5 / 101 % 100 = 0 THEN at + interval '1 day' END
FROM (
    SELECT g, CASE WHEN g % 11 = 0 THEN 2 ELSE 1 END AS o,
           hashint8extended(g, 21) & 9223372036854775807 AS h1,
           hashint8extended(g, 22) & 9223372036854775807 AS h2,
           hashint8extended(g, 23) & 9223372036854775807 AS h3,
           hashint8extended(g, 24) & 9223372036854775807 AS h4,
           hashint8extended(g, 25) & 9223372036854775807 AS h5,
           timestamptz '2025-12-01 00:00+00' + interval '365 days' * (g::float8 / $2::bigint) AS at
    FROM generate_series(1, $2::bigint) g
) s";

/// The identity sequences past the ids loaded, as after a real load.
const SET_SEQUENCES: &str = "
SELECT setval(pg_get_serial_sequence('organizations', 'id'), 2);
SELECT setval(pg_get_serial_sequence('contact_lists', 'id'), 40);
SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT max(id) FROM contacts));
SELECT setval(pg_get_serial_sequence('campaigns', 'id'), (SELECT max(id) FROM campaigns));
SELECT setval(pg_get_serial_sequence('leads', 'id'), (SELECT max(id) FROM leads))";

/// Loads the data as the owner (`contacts` and `leads` multiples of 10, for
/// organization 1); returns how long it took.
pub async fn load(client: &Client, contacts: u64, leads: u64) -> Duration {
    let t = Instant::now();
    let contact_ids = (contacts + contacts / 10) as i64;
    let lead_ids = (leads + leads / 10) as i64;
    for table in BULK {
        client
            .batch_execute(&format!("ALTER TABLE {table} DISABLE TRIGGER audit_insert"))
            .await
            .unwrap();
    }
    client.batch_execute(LOAD_TENANTS).await.unwrap();
    client
        .execute(LOAD_CONTACTS, &[&contact_ids])
        .await
        .unwrap();
    client.batch_execute(LOAD_CAMPAIGNS).await.unwrap();
    client
        .execute(LOAD_LEADS, &[&contact_ids, &lead_ids])
        .await
        .unwrap();
    client.batch_execute(SET_SEQUENCES).await.unwrap();
    for table in BULK {
        client
            .batch_execute(&format!("ALTER TABLE {table} ENABLE TRIGGER audit_insert"))
            .await
            .unwrap();
    }
    for table in [
        "organizations",
        "contact_lists",
        "contacts",
        "campaigns",
        "leads",
    ] {
        // One statement per call: VACUUM cannot run in the implicit transaction of several.
        client
            .batch_execute(&format!("VACUUM ANALYZE {table}"))
            .await
            .unwrap();
    }
    t.elapsed()
}

/// Gives organization `org` what a landing page needs: a form with the fields `email`
/// (required) and `first_name`, set on its first live active campaign along with the
/// landing-page slug `slug`. Returns the campaign's id. Runs as the owner.
pub async fn landing_page(client: &Client, org: i64, slug: &str) -> i64 {
    let form: i64 = client
        .query_one(
            "INSERT INTO forms (organization_id, name, description)
             VALUES ($1, 'Landing page', 'Email and first name') RETURNING id",
            &[&org],
        )
        .await
        .unwrap()
        .get(0);
    client
        .execute(
            "INSERT INTO form_fields (organization_id, form_id, field_key, label, field_type,
                                      required, position)
             VALUES ($1, $2, 'email', 'Email', 'email', true, 0),
                    ($1, $2, 'first_name', 'First name', 'text', false, 1)",
            &[&org, &form],
        )
        .await
        .unwrap();
    client
        .query_one(
            "UPDATE campaigns SET form_id = $2, landing_page_slug = $3
              WHERE organization_id = $1
                AND id = (SELECT min(id) FROM campaigns
                           WHERE organization_id = $1 AND status = 'active' AND deleted_at IS NULL)
             RETURNING id",
            &[&org, &form, &slug],
        )
        .await
        .unwrap()
        .get(0)
}
