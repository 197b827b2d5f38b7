//! Removing personal values from JSON: `event_data` as PostgreSQL prints a jsonb (the
//! archive keeps that text), and the `changes` of audit entries.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

/// What stands in for a personal value in an audit entry; the only replacement the
/// append-only trigger accepts (`tally_jsonb_redacts`, migration 0020).
pub(crate) const ERASED: &str = "[erased]";

/// What is removed from a subject's event: the configured PII keys, and any top-level
/// key whose name or value holds the address (lower-cased `needle`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventStrip<'a> {
    pub pii_keys: &'a [String],
    pub needle: &'a str,
}

impl EventStrip<'_> {
    /// Whether the member `key: value` (value as JSON text) goes.
    fn removes(&self, key: &str, value: &str) -> bool {
        self.pii_keys.iter().any(|k| k == key)
            || (!self.needle.is_empty()
                && (key.to_lowercase().contains(self.needle)
                    || value.to_lowercase().contains(self.needle)))
    }

    /// `text` (a JSON object as PostgreSQL prints a jsonb: members in its order, `": "`
    /// and `", "` between them) without the members that go, printed the same way, or
    /// None when nothing goes. The members kept are copied as they are, so the result is
    /// exactly what PostgreSQL prints for the same jsonb with those keys removed: an
    /// archived day edited here equals its partition edited by SQL.
    pub fn apply(&self, text: &str) -> Result<Option<String>, serde_json::Error> {
        let Members(members) = serde_json::from_str(text)?;
        if !members.iter().any(|(k, v)| self.removes(k, v.get())) {
            return Ok(None);
        }
        let mut out = String::with_capacity(text.len());
        out.push('{');
        for (key, value) in members.iter().filter(|(k, v)| !self.removes(k, v.get())) {
            if out.len() > 1 {
                out.push_str(", ");
            }
            out.push_str(&serde_json::to_string(key)?);
            out.push_str(": ");
            out.push_str(value.get());
        }
        out.push('}');
        Ok(Some(out))
    }
}

/// A JSON object's members in their order, values as their text.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

/// How an audit entry's `changes` are redacted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuditRedaction<'a> {
    /// Whether the entry is about one of the subject's rows: then the values of its
    /// personal `columns` and of the PII keys, under `old` and `new`, become [`ERASED`].
    pub about_subject: bool,
    /// Columns of the audited row that are personal.
    pub columns: &'a [&'a str],
    /// The configured PII keys.
    pub pii_keys: &'a [String],
    /// The lower-cased address: any string holding it becomes [`ERASED`], any key
    /// holding it goes.
    pub needle: &'a str,
}

impl AuditRedaction<'_> {
    /// `changes` redacted; equal to `changes` when there is nothing to hide.
    pub fn apply(&self, changes: &Value) -> Value {
        let mut out = changes.clone();
        if let Value::Object(top) = &mut out {
            for side in top.values_mut() {
                if let Value::Object(row) = side {
                    self.blank_columns(row);
                }
            }
            self.blank_columns(top);
        }
        self.hide_address(&mut out);
        out
    }

    fn blank_columns(&self, row: &mut serde_json::Map<String, Value>) {
        if !self.about_subject {
            return;
        }
        for (key, value) in row.iter_mut() {
            let personal =
                self.columns.contains(&key.as_str()) || self.pii_keys.iter().any(|k| k == key);
            if personal && !value.is_null() {
                *value = Value::String(ERASED.to_owned());
            }
        }
    }

    fn hide_address(&self, value: &mut Value) {
        if self.needle.is_empty() {
            return;
        }
        match value {
            Value::String(s) if s.to_lowercase().contains(self.needle) => {
                *s = ERASED.to_owned();
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.hide_address(v)),
            Value::Object(map) => {
                map.retain(|k, _| !k.to_lowercase().contains(self.needle));
                map.values_mut().for_each(|v| self.hide_address(v));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keys() -> Vec<String> {
        ["email", "ip", "name"].map(String::from).to_vec()
    }

    #[test]
    fn event_data_loses_pii_keys_and_members_holding_the_address_in_jsonb_form() {
        let keys = keys();
        let strip = EventStrip {
            pii_keys: &keys,
            needle: "ada@example.com",
        };
        let text = r#"{"n": 1, "ip": "203.0.113.7", "url": "https://x.test/?u=Ada@Example.com", "email": "ada@example.com", "nested": {"a": [1, "two"], "b": "x\"y"}}"#;
        assert_eq!(
            strip.apply(text).unwrap_or_default().as_deref(),
            Some(r#"{"n": 1, "nested": {"a": [1, "two"], "b": "x\"y"}}"#)
        );
        assert_eq!(strip.apply(r#"{"n": 1}"#).unwrap_or_default(), None);
        assert_eq!(
            strip
                .apply(r#"{"email": "x"}"#)
                .unwrap_or_default()
                .as_deref(),
            Some("{}")
        );
        assert_eq!(
            strip
                .apply(r#"{"ada@example.com": 1, "kéy": "\u0001"}"#)
                .unwrap_or_default()
                .as_deref(),
            Some(r#"{"kéy": "\u0001"}"#),
            "kept members are printed as PostgreSQL prints them"
        );
        assert!(strip.apply("[1]").is_err());
    }

    #[test]
    fn audit_changes_keep_their_shape_with_personal_values_erased() {
        let keys = keys();
        let about_subject = AuditRedaction {
            about_subject: true,
            columns: &["email", "first_name", "attributes"],
            pii_keys: &keys,
            needle: "ada@example.com",
        };
        let changes = json!({
            "old": {"email": "ada@example.com", "first_name": "Ada", "last_name": null, "id": 3},
            "new": {"email": "x@erased.invalid", "first_name": null, "attributes": {"k": 1},
                    "name": "Ada L", "status": "valid"}
        });
        assert_eq!(
            about_subject.apply(&changes),
            json!({
                "old": {"email": "[erased]", "first_name": "[erased]", "last_name": null, "id": 3},
                "new": {"email": "[erased]", "first_name": null, "attributes": "[erased]",
                        "name": "[erased]", "status": "valid"}
            })
        );
        let elsewhere = AuditRedaction {
            about_subject: false,
            columns: &["email"],
            pii_keys: &keys,
            needle: "ada@example.com",
        };
        let other = json!({"new": {"note": "call ADA@example.com", "name": "Bob",
                                   "list": ["a", "ada@example.com"],
                                   "ada@example.com": true}});
        assert_eq!(
            elsewhere.apply(&other),
            json!({"new": {"note": "[erased]", "name": "Bob", "list": ["a", "[erased]"]}}),
            "outside the subject's entries only the address goes"
        );
        let done = about_subject.apply(&changes);
        assert_eq!(
            about_subject.apply(&done),
            done,
            "a second pass changes nothing"
        );
    }
}
