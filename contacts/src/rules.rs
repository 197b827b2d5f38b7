//! The organization's active validation rules, read and checked in Rust, applied in
//! SQL: each rule becomes terms (a domain or a local part) that the staged rows are
//! joined against in one statement.

use std::collections::BTreeSet;

use schema::OrganizationId;
use serde_json::{Map, Value, json};
use tokio_postgres::Transaction;

use crate::error::{ImportError, db};
use crate::report::AppliedRule;

/// The local parts a `role_account` rule matches when its definition names none.
pub const DEFAULT_ROLE_LOCAL_PARTS: [&str; 10] = [
    "info",
    "admin",
    "sales",
    "support",
    "contact",
    "noreply",
    "no-reply",
    "webmaster",
    "postmaster",
    "abuse",
];

/// The rule types this version applies: `validation_rules.rule_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleType {
    /// The `email_address` rule; enforced by the parser (refused lines), recorded only.
    Syntax,
    /// One contact per address within a file; enforced by the parser, recorded only.
    DuplicateInFile,
    /// `{"domains": [..]}`: an address at one of these domains is invalid.
    BlockedDomain,
    /// `{"domains": [..]}`: an address at one of these domains is risky.
    DisposableDomain,
    /// `{"local_parts": [..]}` (default [`DEFAULT_ROLE_LOCAL_PARTS`]): an address with
    /// one of these local parts is risky.
    RoleAccount,
}

impl RuleType {
    /// Every known type.
    pub const ALL: [RuleType; 5] = [
        RuleType::Syntax,
        RuleType::DuplicateInFile,
        RuleType::BlockedDomain,
        RuleType::DisposableDomain,
        RuleType::RoleAccount,
    ];

    /// The `rule_type` text.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleType::Syntax => "syntax",
            RuleType::DuplicateInFile => "duplicate_in_file",
            RuleType::BlockedDomain => "blocked_domain",
            RuleType::DisposableDomain => "disposable_domain",
            RuleType::RoleAccount => "role_account",
        }
    }

    /// The type named `text`, if known.
    pub fn parse(text: &str) -> Option<RuleType> {
        RuleType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// What a contact matching a rule of this type is: a `validation_status` label.
    fn result(self) -> Option<&'static str> {
        match self {
            RuleType::BlockedDomain => Some("invalid"),
            RuleType::DisposableDomain | RuleType::RoleAccount => Some("risky"),
            RuleType::Syntax | RuleType::DuplicateInFile => None,
        }
    }
}

/// The part of an address a term is compared with, as the SQL names it.
const DOMAIN: &str = "domain";
const LOCAL_PART: &str = "local_part";

/// The active rules, ready for the statements.
#[derive(Debug, Default)]
pub struct Rules {
    /// The applied rules, by name.
    pub applied: Vec<AppliedRule>,
    /// Active rules of unknown types, by name.
    pub skipped: Vec<String>,
    /// One entry per term, as parallel arrays for `unnest`: the rule version's id,
    pub term_rule_ids: Vec<i64>,
    /// the rule's name,
    pub term_names: Vec<String>,
    /// the `validation_status` of a match,
    pub term_results: Vec<&'static str>,
    /// the part of the address compared (`domain` or `local_part`),
    pub term_parts: Vec<&'static str>,
    /// and the term itself, lower-cased.
    pub terms: Vec<String>,
}

impl Rules {
    /// `{name: version, ...}` of the applied rules.
    pub fn versions(&self) -> Value {
        Value::Object(
            self.applied
                .iter()
                .map(|r| (r.name.clone(), json!(r.version)))
                .collect::<Map<_, _>>(),
        )
    }

    /// The validation details of a contact no rule failed.
    pub fn clean_details(&self) -> Value {
        json!({ "rules": self.versions(), "failed": [] })
    }

    fn add(&mut self, id: i64, name: &str, result: &'static str, part: &'static str, term: String) {
        self.term_rule_ids.push(id);
        self.term_names.push(name.to_owned());
        self.term_results.push(result);
        self.term_parts.push(part);
        self.terms.push(term);
    }
}

/// Reads the organization's active rules and turns them into terms.
pub async fn load(
    tx: &Transaction<'_>,
    organization: OrganizationId,
) -> Result<Rules, ImportError> {
    let rows = tx
        .query(include_str!("sql/rules.sql"), &[&organization.0])
        .await
        .map_err(db("reading the active validation rules"))?;
    let mut rules = Rules::default();
    for row in rows {
        let (id, name, version, rule_type, definition): (i64, String, i32, String, Value) =
            (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let Some(kind) = RuleType::parse(&rule_type) else {
            rules.skipped.push(name);
            continue;
        };
        let bad = |reason: String| ImportError::BadRule {
            name: name.clone(),
            version,
            rule_type: rule_type.clone(),
            reason,
        };
        if let Some(result) = kind.result() {
            let (key, part) = match kind {
                RuleType::RoleAccount => ("local_parts", LOCAL_PART),
                _ => ("domains", DOMAIN),
            };
            let terms: BTreeSet<String> = match definition.get(key) {
                None if kind == RuleType::RoleAccount => DEFAULT_ROLE_LOCAL_PARTS
                    .iter()
                    .map(|t| (*t).to_owned())
                    .collect(),
                None => return Err(bad(format!("it has no {key:?} list"))),
                Some(list) => strings(list, key).map_err(bad)?,
            };
            for term in terms {
                rules.add(id, &name, result, part, term);
            }
        }
        rules.applied.push(AppliedRule { name, version });
    }
    Ok(rules)
}

/// A JSON array of strings as lower-cased terms (a domain's leading `@` dropped).
fn strings(list: &Value, key: &str) -> Result<BTreeSet<String>, String> {
    let Value::Array(items) = list else {
        return Err(format!("{key:?} is not a list of strings"));
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.trim().trim_start_matches('@').to_lowercase()),
            other => Err(format!("{key:?} holds {other}, not a string")),
        })
        .filter(|t| !matches!(t, Ok(t) if t.is_empty()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_types_round_trip_and_unknown_ones_are_none() {
        for t in RuleType::ALL {
            assert_eq!(RuleType::parse(t.as_str()), Some(t));
        }
        assert_eq!(RuleType::parse("mx_lookup"), None);
    }

    #[test]
    fn terms_are_lower_cased_and_checked() {
        let ok = strings(&json!(["Mailinator.COM", "@yopmail.com", " "]), "domains").unwrap();
        assert_eq!(
            ok.into_iter().collect::<Vec<_>>(),
            ["mailinator.com", "yopmail.com"]
        );
        assert!(strings(&json!("x.com"), "domains").is_err());
        assert!(
            strings(&json!([1]), "domains")
                .unwrap_err()
                .contains("not a string")
        );
    }
}
