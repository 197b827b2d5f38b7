//! The seeded platform: every domain populated for every organization, campaigns and
//! leads in every state through the status flows, the audit trail naming `seed`,
//! tenants isolated, the same seed giving the same platform, and a second run leaving
//! the seeded organizations alone.

use schema::domains::{contact_lists, contacts, users};
use schema::{Actor, OrganizationId, Tenant};
use simulate::{PlatformPlan, PlatformSummary, SimulateError, seed_platform};
use testkit::{TestDb, column};
use tokio_postgres::Client;

/// Every tenant table the seed writes, each of which every organization must have rows in.
const DOMAIN_TABLES: &[&str] = &[
    "roles",
    "role_permissions",
    "memberships",
    "contact_lists",
    "contacts",
    "validation_rules",
    "email_templates",
    "forms",
    "form_fields",
    "campaigns",
    "campaign_contact_assignments",
    "leads",
    "form_responses",
    "gdpr_requests",
    "audit_logs",
];

async fn count(client: &impl tokio_postgres::GenericClient, sql: &str) -> i64 {
    column::<i64>(client, sql).await[0]
}

/// Row counts of every domain table and of users and organizations.
async fn census(client: &Client) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for table in DOMAIN_TABLES
        .iter()
        .chain(&["organizations", "users", "permissions"])
    {
        let n = count(client, &format!("SELECT count(*) FROM {table}")).await;
        out.push(((*table).to_owned(), n));
    }
    out
}

fn small(seed: u64, organizations: u32) -> PlatformPlan {
    PlatformPlan {
        seed,
        organizations,
        users_per_organization: 5,
        contacts_per_organization: 40,
    }
}

#[tokio::test]
async fn every_domain_is_seeded_for_every_organization() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let plan = PlatformPlan::default();
    let s = seed_platform(&mut client, &plan).await.unwrap();

    assert_eq!((s.organizations, s.already_seeded), (3, 0));
    assert_eq!((s.roles, s.users, s.contacts), (12, 12, 600));
    assert_eq!(
        (s.campaigns, s.validation_rules, s.email_templates),
        (15, 12, 12)
    );
    assert_eq!((s.forms, s.form_fields, s.gdpr_requests), (6, 24, 6));
    assert_eq!((s.leads, s.form_responses), (30, 30));
    assert!((6..=9).contains(&s.contact_lists), "{s:?}");
    assert!(s.assignments > 0 && s.contacts_validated > 0, "{s:?}");
    // The vocabulary: migrations 0015 and 0018 insert it, so the seed adds none.
    assert_eq!(s.permissions, 0);
    assert_eq!(count(&client, "SELECT count(*) FROM permissions").await, 23);

    // The summary counts what is in the database.
    let census = census(&client).await;
    let rows = |table: &str| census.iter().find(|(t, _)| t == table).unwrap().1 as u64;
    assert_eq!(rows("organizations"), s.organizations);
    assert_eq!(rows("users"), s.users);
    assert_eq!(rows("role_permissions"), s.role_permissions);
    assert_eq!(rows("contact_lists"), s.contact_lists);
    assert_eq!(rows("contacts"), s.contacts);
    assert_eq!(rows("campaign_contact_assignments"), s.assignments);
    assert_eq!(rows("leads"), s.leads);
    assert_eq!(rows("form_responses"), s.form_responses);

    for table in DOMAIN_TABLES {
        let empty: Vec<i64> = column(
            &client,
            &format!(
                "SELECT o.id FROM organizations o
                  WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.organization_id = o.id)"
            ),
        )
        .await;
        assert!(
            empty.is_empty(),
            "{table} has no rows for organizations {empty:?}"
        );
    }

    // Every state, in every organization, reached through the flows.
    let missing: Vec<i64> = column(
        &client,
        "SELECT o.id FROM organizations o
          WHERE (SELECT count(DISTINCT status) FROM campaigns c WHERE c.organization_id = o.id) < 4
             OR (SELECT count(DISTINCT status) FROM leads l WHERE l.organization_id = o.id) < 5",
    )
    .await;
    assert!(missing.is_empty(), "organizations {missing:?} lack a state");
    // Each campaign and lead has its insert and one update per move, all by `seed`.
    let unaudited: Vec<String> = column(
        &client,
        "SELECT e.kind || ' ' || e.id || ' (' || e.status || ')'
           FROM (SELECT 'campaigns' AS kind, organization_id, id, status::text,
                        array_position(enum_range(NULL::campaign_status), status) AS moves
                   FROM campaigns
                 UNION ALL
                 SELECT 'leads', organization_id, id, status::text,
                        CASE status WHEN 'new' THEN 1 WHEN 'qualified' THEN 2
                                    WHEN 'disqualified' THEN 2 WHEN 'contacted' THEN 3
                                    ELSE 4 END
                   FROM leads) AS e
          WHERE (SELECT count(*) FROM audit_logs a
                  WHERE a.organization_id = e.organization_id AND a.entity_type = e.kind
                    AND a.entity_id = e.id AND a.actor = 'seed') <> e.moves",
    )
    .await;
    assert!(unaudited.is_empty(), "audit rows missing for {unaudited:?}");
    let actors: Vec<String> = column(&client, "SELECT DISTINCT actor FROM audit_logs").await;
    assert_eq!(actors, ["seed"]);

    // Verdicts follow the rules; some contacts are still pending.
    let statuses: Vec<String> = column(
        &client,
        "SELECT DISTINCT validation_status::text FROM contacts ORDER BY 1",
    )
    .await;
    assert_eq!(statuses, ["invalid", "pending", "risky", "valid"]);
    let wrong = count(
        &client,
        "SELECT count(*) FROM contacts
          WHERE (validation_status <> 'pending'
                 AND (validation_status = 'invalid')
                     <> (split_part(email, '@', 2) IN ('competitor.example', 'spamtrap.example')))
             OR (validation_status = 'pending') <> (validation_details = '{}')
             OR (validation_status <> 'pending'
                 AND validation_details -> 'rules' <> '{\"Blocked domains\": 1,
                     \"Disposable mail services\": 2, \"Role accounts\": 1}')",
    )
    .await;
    assert_eq!(wrong, 0);

    // Every response belongs to its lead's contact and campaign; one template has two
    // versions; one GDPR request of each type per organization.
    let stray = count(
        &client,
        "SELECT count(*) FROM form_responses r
           LEFT JOIN leads l ON l.organization_id = r.organization_id AND l.id = r.lead_id
          WHERE l.id IS NULL OR l.contact_id <> r.contact_id OR l.campaign_id <> r.campaign_id",
    )
    .await;
    assert_eq!(stray, 0);
    let versioned = count(
        &client,
        "SELECT count(*) FROM email_templates WHERE version = 2",
    )
    .await;
    assert_eq!(versioned, 3);
    let requests: Vec<String> = column(
        &client,
        "SELECT organization_id || ':' || string_agg(request_type::text, ',' ORDER BY request_type)
           FROM gdpr_requests GROUP BY organization_id ORDER BY organization_id",
    )
    .await;
    assert!(
        requests.iter().all(|r| r.ends_with(":export,deletion")),
        "{requests:?}"
    );

    // The viewer reads and writes nothing; the admin has every permission.
    let viewer_writes = count(
        &client,
        "SELECT count(*) FROM role_permissions rp
           JOIN roles r ON r.organization_id = rp.organization_id AND r.id = rp.role_id
           JOIN permissions p ON p.id = rp.permission_id
          WHERE r.name = 'viewer' AND p.key NOT LIKE '%.read'",
    )
    .await;
    assert_eq!(viewer_writes, 0);
    let admin_grants: Vec<i64> = column(
        &client,
        "SELECT count(*) FROM role_permissions rp
           JOIN roles r ON r.organization_id = rp.organization_id AND r.id = rp.role_id
          WHERE r.name = 'admin' GROUP BY rp.organization_id",
    )
    .await;
    assert_eq!(admin_grants, [23, 23, 23]);
}

#[tokio::test]
async fn organizations_see_only_their_own_contacts_lists_and_users() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    seed_platform(&mut client, &small(5, 3)).await.unwrap();
    let orgs: Vec<i64> = column(&client, "SELECT id FROM organizations ORDER BY id").await;
    assert_eq!(orgs.len(), 3);
    for &org in &orgs {
        let owner_count = count(
            &client,
            &format!("SELECT count(*) FROM contacts WHERE organization_id = {org}"),
        )
        .await;
        let domain: String = client
            .query_one("SELECT domain FROM organizations WHERE id = $1", &[&org])
            .await
            .unwrap()
            .get(0);
        let tx = Tenant::new(OrganizationId(org), Actor::Process("test"))
            .begin(&mut client)
            .await
            .unwrap();
        let lists: Vec<i64> = contact_lists::list()
            .bind(&tx, &0, &1_000)
            .all()
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect();
        let seen = contacts::list()
            .bind(&tx, &0, &None, &None, &10_000)
            .all()
            .await
            .unwrap();
        assert_eq!(seen.len() as i64, owner_count);
        assert_eq!(seen.len(), 40);
        assert!(seen.iter().all(|c| c.organization_id == org));
        assert!(seen.iter().all(|c| lists.contains(&c.contact_list_id)));
        // Row-level security: every row the tenant can read is its own.
        let foreign = count(
            &tx,
            &format!(
                "SELECT (SELECT count(*) FROM contacts WHERE organization_id <> {org})
                      + (SELECT count(*) FROM leads WHERE organization_id <> {org})
                      + (SELECT count(*) FROM campaigns WHERE organization_id <> {org})"
            ),
        )
        .await;
        assert_eq!(foreign, 0);
        let members = users::list().bind(&tx, &0, &100).all().await.unwrap();
        assert_eq!(members.len(), 5);
        assert!(
            members
                .iter()
                .all(|u| u.email.ends_with(&format!("@{domain}"))),
            "{members:?}"
        );
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_second_run_leaves_the_seeded_organizations_alone() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let first = seed_platform(&mut client, &small(3, 2)).await.unwrap();
    assert_eq!((first.organizations, first.already_seeded), (2, 0));
    let before = census(&client).await;

    // Again, even with another seed: nothing changes, nothing fails.
    let again = seed_platform(&mut client, &small(4, 2)).await.unwrap();
    assert_eq!(
        again,
        PlatformSummary {
            already_seeded: 2,
            ..PlatformSummary::default()
        }
    );
    assert!(again.to_string().contains("2 already seeded"), "{again}");
    assert_eq!(census(&client).await, before);

    // More organizations: only the missing one is added.
    let more = seed_platform(&mut client, &small(3, 3)).await.unwrap();
    assert_eq!((more.organizations, more.already_seeded), (1, 2));
    assert_eq!(more.contacts, 40);
    assert_eq!(
        count(&client, "SELECT count(*) FROM organizations").await,
        3
    );
}

#[tokio::test]
async fn an_organization_left_empty_is_filled_by_the_next_run() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    let plan = small(1, 1);
    let (name, domain) = plan.organization(0);
    // What an interrupted run leaves: the organization, nothing in it.
    let id: i64 = client
        .query_one(
            "INSERT INTO organizations (name, domain) VALUES ($1, $2) RETURNING id",
            &[&name, &domain],
        )
        .await
        .unwrap()
        .get(0);
    let s = seed_platform(&mut client, &plan).await.unwrap();
    assert_eq!((s.organizations, s.already_seeded), (1, 0));
    assert_eq!(
        column::<i64>(&client, "SELECT DISTINCT organization_id FROM contacts").await,
        [id]
    );
    assert_eq!(
        count(&client, "SELECT count(*) FROM organizations").await,
        1
    );
}

/// The platform's content (not its ids): names, addresses, verdicts, states, scores.
async fn fingerprint(client: &Client) -> Vec<String> {
    column(
        client,
        "SELECT o.domain || ' ' || x.line FROM organizations o
           JOIN LATERAL (
                SELECT string_agg(c.email || ' ' || c.first_name || ' ' || c.last_name || ' '
                                  || c.validation_status || ' ' || coalesce(c.phone, '-')
                                  || ' ' || l.name, ';' ORDER BY c.id) AS line
                  FROM contacts c JOIN contact_lists l
                       ON l.organization_id = c.organization_id AND l.id = c.contact_list_id
                 WHERE c.organization_id = o.id
                UNION ALL
                SELECT string_agg(c.email || ' ' || l.status || ' ' || l.score, ';' ORDER BY l.id)
                  FROM leads l JOIN contacts c
                       ON c.organization_id = l.organization_id AND c.id = l.contact_id
                 WHERE l.organization_id = o.id
                UNION ALL
                SELECT string_agg(u.email, ';' ORDER BY u.id)
                  FROM users u JOIN memberships m ON m.user_id = u.id
                 WHERE m.organization_id = o.id
           ) AS x ON true
          ORDER BY o.id, x.line",
    )
    .await
}

#[tokio::test]
async fn the_same_seed_gives_the_same_platform() {
    let (a, b, c) = (
        TestDb::migrated().await,
        TestDb::migrated().await,
        TestDb::migrated().await,
    );
    let (mut ca, mut cb, mut cc) = (a.connect().await, b.connect().await, c.connect().await);
    seed_platform(&mut ca, &small(11, 2)).await.unwrap();
    seed_platform(&mut cb, &small(11, 2)).await.unwrap();
    seed_platform(&mut cc, &small(12, 2)).await.unwrap();
    let (fa, fb, fc) = (
        fingerprint(&ca).await,
        fingerprint(&cb).await,
        fingerprint(&cc).await,
    );
    assert_eq!(fa.len(), 6);
    assert_eq!(fa, fb);
    assert_ne!(fa, fc);
    // Organization i is the same company whatever the seed.
    let domains = |f: &[String]| -> Vec<String> {
        f.iter()
            .map(|l| l.split(' ').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(domains(&fa), domains(&fc));
}

#[tokio::test]
async fn an_invalid_plan_is_refused_naming_the_field() {
    let db = TestDb::migrated().await;
    let mut client = db.connect().await;
    type Break = fn(&mut PlatformPlan);
    let cases: [(&str, Break); 3] = [
        ("organizations", |p| p.organizations = 0),
        ("users_per_organization", |p| p.users_per_organization = 0),
        ("contacts_per_organization", |p| {
            p.contacts_per_organization = simulate::MIN_PLATFORM_CONTACTS - 1
        }),
    ];
    for (field, break_it) in cases {
        let mut plan = PlatformPlan::default();
        break_it(&mut plan);
        match seed_platform(&mut client, &plan).await {
            Err(SimulateError::InvalidPlan(m)) => assert!(m.contains(field), "{m}"),
            other => panic!("a plan with a bad {field} was not refused: {other:?}"),
        }
    }
    assert_eq!(
        count(&client, "SELECT count(*) FROM organizations").await,
        0
    );
    assert_eq!(
        PlatformPlan::default().organization(12),
        (
            "Northwind Traders 2".to_owned(),
            "northwind-2.example".to_owned()
        )
    );
}
