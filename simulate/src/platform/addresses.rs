//! People's names and addresses, and what the organization's validation rules make of
//! an address: pure functions over the seeded RNG.

use std::collections::HashSet;

use rand::Rng as _;
use rand::seq::IndexedRandom as _;
use rand_chacha::ChaCha8Rng;
use schema::ValidationStatus;

use super::catalog;

/// A first and last name.
pub(super) fn name(rng: &mut ChaCha8Rng) -> (&'static str, &'static str) {
    (
        catalog::FIRST_NAMES.choose(rng).copied().unwrap_or("Alex"),
        catalog::LAST_NAMES.choose(rng).copied().unwrap_or("Doe"),
    )
}

/// A name's letters and digits, lower-cased.
fn plain(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase()
}

/// `first.last`, `flast` or `first_last` (by `style`).
pub(super) fn local_part(first: &str, last: &str, style: u32) -> String {
    let (first, last) = (plain(first), plain(last));
    match style {
        1 => format!("{}{last}", &first[..1.min(first.len())]),
        2 => format!("{first}_{last}"),
        _ => format!("{first}.{last}"),
    }
}

/// `local@domain`, with a number appended to the local part if `taken` has it.
pub(super) fn unique(taken: &mut HashSet<String>, local: &str, domain: &str) -> String {
    let mut email = format!("{local}@{domain}");
    let mut n = 2;
    while !taken.insert(email.clone()) {
        email = format!("{local}{n}@{domain}");
        n += 1;
    }
    email
}

/// A contact's address, unique in its list: mostly at a company, now and then at a
/// disposable service, a role account or a blocked domain (never for a `sure` contact).
pub(super) fn address(
    rng: &mut ChaCha8Rng,
    taken: &mut HashSet<String>,
    list: usize,
    first: &str,
    last: &str,
    sure: bool,
) -> String {
    let pick = |rng: &mut ChaCha8Rng, domains: &[&'static str]| {
        domains.choose(rng).copied().unwrap_or("example.com")
    };
    let roll = if sure { 100 } else { rng.random_range(0..100) };
    let (local, domain) = match roll {
        0..5 => (
            format!("{}{}", plain(first), rng.random_range(10..100)),
            pick(rng, catalog::DISPOSABLE_DOMAINS),
        ),
        5..10 => {
            let local = catalog::ROLE_LOCAL_PARTS
                .choose(rng)
                .copied()
                .unwrap_or("info");
            // A role address keeps its local part: another domain if this one is taken.
            for _ in 0..8 {
                let email = format!("{local}@{}", pick(rng, catalog::CONTACT_DOMAINS));
                if taken.insert(format!("{list}/{email}")) {
                    return email;
                }
            }
            (
                local_part(first, last, 0),
                pick(rng, catalog::CONTACT_DOMAINS),
            )
        }
        10..13 => (
            local_part(first, last, 0),
            pick(rng, catalog::BLOCKED_DOMAINS),
        ),
        _ => (
            local_part(first, last, rng.random_range(0..3)),
            pick(rng, catalog::CONTACT_DOMAINS),
        ),
    };
    let mut email = format!("{local}@{domain}");
    let mut n = 2;
    while !taken.insert(format!("{list}/{email}")) {
        email = format!("{local}{n}@{domain}");
        n += 1;
    }
    email
}

/// What the organization's rules make of an address, as the contacts import judges it:
/// invalid at a blocked domain, risky at a disposable service or as a role account,
/// otherwise valid; with the names of the rules that failed.
pub(super) fn verdict(email: &str) -> (ValidationStatus, Vec<&'static str>) {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let mut failed = Vec::new();
    if catalog::BLOCKED_DOMAINS.contains(&domain) {
        failed.push(catalog::RULE_BLOCKED);
    }
    if catalog::DISPOSABLE_DOMAINS.contains(&domain) {
        failed.push(catalog::RULE_DISPOSABLE);
    }
    if catalog::ROLE_LOCAL_PARTS.contains(&local) {
        failed.push(catalog::RULE_ROLE);
    }
    let status = if failed.contains(&catalog::RULE_BLOCKED) {
        ValidationStatus::invalid
    } else if failed.is_empty() {
        ValidationStatus::valid
    } else {
        ValidationStatus::risky
    };
    (status, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_follow_the_rules() {
        assert_eq!(verdict("ana.silva@example.com").0, ValidationStatus::valid);
        assert_eq!(verdict("info@example.com").0, ValidationStatus::risky);
        assert_eq!(verdict("ana12@yopmail.com").0, ValidationStatus::risky);
        assert_eq!(
            verdict("info@competitor.example"),
            (
                ValidationStatus::invalid,
                vec![catalog::RULE_BLOCKED, catalog::RULE_ROLE]
            )
        );
    }

    #[test]
    fn local_parts_are_plain_and_unique() {
        assert_eq!(local_part("Liam", "O'Brien", 0), "liam.obrien");
        assert_eq!(local_part("Liam", "O'Brien", 1), "lobrien");
        let mut taken = HashSet::new();
        assert_eq!(unique(&mut taken, "a.b", "x.example"), "a.b@x.example");
        assert_eq!(unique(&mut taken, "a.b", "x.example"), "a.b2@x.example");
    }
}
