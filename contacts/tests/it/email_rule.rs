//! The parser's address rule against the `email_address` domain, character by
//! character: what Rust accepts, Postgres never refuses.

use testkit::TestDb;

#[tokio::test]
async fn the_address_rule_never_accepts_what_the_domain_refuses() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    // Every character of the Basic Multilingual Plane but NUL and the surrogates, in
    // the local part, the domain and the top-level domain; and the length limit.
    let mut candidates: Vec<String> = Vec::new();
    for c in (1u32..0xD800)
        .chain(0xE000..0x10000)
        .filter_map(char::from_u32)
    {
        candidates.push(format!("a{c}b@example.com"));
        candidates.push(format!("ab@exa{c}mple.com"));
        candidates.push(format!("ab@example.c{c}m"));
    }
    for n in [240, 241, 242, 243] {
        candidates.push(format!("{}@example.com", "é".repeat(n)));
    }
    let verdicts = client
        .query(
            "SELECT c, (length(c) <= 254 AND c ~ '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$')
               FROM unnest($1::text[]) AS c",
            &[&candidates],
        )
        .await
        .unwrap();
    let mut stricter = Vec::new();
    for row in verdicts {
        let (address, postgres): (String, bool) = (row.get(0), row.get(1));
        let rust = contacts::check_email(&address).is_ok();
        assert!(
            !rust || postgres,
            "Rust accepts {address:?} ({:?}) but the domain refuses it",
            address.chars().nth(1)
        );
        if postgres && !rust {
            stricter.push(address);
        }
    }
    // Where they differ, it is over white space the database's locale does not class
    // as such (a C-locale cluster sees only ASCII white space).
    let outside: Vec<&String> = stricter
        .iter()
        .filter(|a| {
            !a.chars().any(|c| {
                c.is_whitespace()
                    || ('\u{1c}'..='\u{1f}').contains(&c)
                    || c == '\u{feff}'
                    || c == '\u{180e}'
                    || c == '\u{200b}'
            })
        })
        .collect();
    assert!(
        outside.is_empty(),
        "refused by Rust only, not over white space: {outside:?}"
    );
}
