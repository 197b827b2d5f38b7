//! A landing-page submission checked against its form's fields: every key a field of
//! the form, every required field answered, every answer of its field's type. The
//! first refusal is reported with the field's key, as every validation problem is.

use chrono::NaiveDate;
use schema::domains::form_fields::FormField;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Longest answer of a one-line field, in characters.
const TEXT_CHARS: usize = 1_000;
/// Longest answer of a `textarea`.
const TEXTAREA_CHARS: usize = 10_000;
/// Longest address, as RFC 5321 allows.
const EMAIL_CHARS: usize = 254;
/// Longest phone number, with its formatting.
const PHONE_CHARS: usize = 40;

/// What a valid submission says about its submitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Submitter {
    /// The answer of the form's first `email` field.
    pub email: String,
    /// The `first_name` answer, when the form has that field.
    pub first_name: Option<String>,
    /// The `last_name` answer.
    pub last_name: Option<String>,
    /// The `phone` answer.
    pub phone: Option<String>,
}

/// Checks `answers` against `fields` (the form's live fields, in display order) and
/// returns the submitter they name.
pub(crate) fn check(
    fields: &[FormField],
    answers: &Map<String, Value>,
) -> Result<Submitter, ApiError> {
    if let Some(key) = answers
        .keys()
        .find(|key| !fields.iter().any(|f| &f.field_key == *key))
    {
        return Err(ApiError::field(
            key.clone(),
            format!("the form has no field {key:?}"),
        ));
    }
    for field in fields {
        match answers.get(&field.field_key) {
            None | Some(Value::Null) => {
                if field.required {
                    return Err(ApiError::field(
                        field.field_key.clone(),
                        format!("{} is required", field.label),
                    ));
                }
            }
            Some(value) => check_one(field, value)?,
        }
    }
    let email_field = fields
        .iter()
        .find(|f| f.field_type == "email")
        .ok_or_else(|| ApiError::Internal("a landing page's form has no email field".into()))?;
    let email = answers
        .get(&email_field.field_key)
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::field(
                email_field.field_key.clone(),
                format!(
                    "{} is required: it identifies the submitter",
                    email_field.label
                ),
            )
        })?
        .trim()
        .to_owned();
    let text = |key: &str| {
        answers
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(Submitter {
        email,
        first_name: text("first_name"),
        last_name: text("last_name"),
        phone: text("phone"),
    })
}

fn check_one(field: &FormField, value: &Value) -> Result<(), ApiError> {
    let key = field.field_key.as_str();
    let refuse = |detail: String| Err(ApiError::field(key, detail));
    let string = |limit: usize| -> Result<&str, ApiError> {
        let Some(s) = value.as_str() else {
            return Err(ApiError::field(
                key,
                format!("{} must be text", field.label),
            ));
        };
        if s.contains('\0') {
            return Err(ApiError::field(
                key,
                format!("{} contains a NUL character", field.label),
            ));
        }
        if s.chars().count() > limit {
            return Err(ApiError::field(
                key,
                format!("{} is longer than {limit} characters", field.label),
            ));
        }
        if field.required && s.trim().is_empty() {
            return Err(ApiError::field(key, format!("{} is required", field.label)));
        }
        Ok(s)
    };
    match field.field_type.as_str() {
        "text" => string(TEXT_CHARS).map(drop),
        "textarea" => string(TEXTAREA_CHARS).map(drop),
        "email" => {
            let s = string(EMAIL_CHARS)?.trim();
            if s.is_empty() && !field.required {
                return Ok(());
            }
            match s.split_once('@') {
                Some((local, domain))
                    if !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !s.contains(char::is_whitespace)
                        && !domain.contains('@') =>
                {
                    Ok(())
                }
                _ => refuse(format!("{} is not an email address", field.label)),
            }
        }
        "phone" => {
            let s = string(PHONE_CHARS)?;
            if s.chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                Ok(())
            } else {
                refuse(format!(
                    "{} may hold digits, spaces and + - ( ) . only",
                    field.label
                ))
            }
        }
        "select" => {
            let s = string(TEXT_CHARS)?;
            match choices(field.options.as_ref()) {
                Some(choices) if !choices.iter().any(|c| c == s) => refuse(format!(
                    "{} must be one of {}",
                    field.label,
                    choices.join(", ")
                )),
                _ => Ok(()),
            }
        }
        "checkbox" => match value {
            Value::Bool(_) => Ok(()),
            _ => refuse(format!("{} must be true or false", field.label)),
        },
        "number" => match value {
            Value::Number(_) => Ok(()),
            _ => refuse(format!("{} must be a number", field.label)),
        },
        "date" => {
            let s = string(TEXT_CHARS)?;
            match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(_) => Ok(()),
                Err(_) => refuse(format!("{} must be a date, YYYY-MM-DD", field.label)),
            }
        }
        // The table's check admits no other type; a new one is accepted as text.
        _ => string(TEXT_CHARS).map(drop),
    }
}

/// A select's choices: `["a", "b"]` or `[{"value": "a", ...}, ...]`; `None` when the
/// field does not list them.
fn choices(options: Option<&Value>) -> Option<Vec<String>> {
    let list = match options? {
        Value::Array(list) => list,
        Value::Object(o) => o.get("choices")?.as_array()?,
        _ => return None,
    };
    Some(
        list.iter()
            .filter_map(|c| match c {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(key: &str, kind: &str, required: bool, options: Option<Value>) -> FormField {
        FormField {
            organization_id: 1,
            id: 1,
            form_id: 1,
            field_key: key.into(),
            label: key.replace('_', " "),
            field_type: kind.into(),
            required,
            position: 0,
            options,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            deleted_at: None,
        }
    }

    fn form() -> Vec<FormField> {
        vec![
            field("email", "email", true, None),
            field("first_name", "text", false, None),
            field("phone", "phone", false, None),
            field("size", "select", false, Some(json!(["S", "M", "L"]))),
            field("consent", "checkbox", true, None),
            field("employees", "number", false, None),
            field("start", "date", false, None),
            field("notes", "textarea", false, None),
        ]
    }

    fn refused(answers: Value) -> (Option<String>, String) {
        match check(&form(), answers.as_object().unwrap()) {
            Err(ApiError::Validation { field, detail }) => (field, detail),
            other => panic!("{answers} was not refused: {other:?}"),
        }
    }

    #[test]
    fn a_valid_submission_names_its_submitter() {
        let answers = json!({"email": " Ada@Example.com ", "first_name": "Ada", "consent": true,
                             "size": "M", "employees": 12, "start": "2026-01-31", "phone": "+44 (0) 20-7946.0958"});
        let submitter = check(&form(), answers.as_object().unwrap()).unwrap();
        assert_eq!(
            submitter,
            Submitter {
                email: "Ada@Example.com".into(),
                first_name: Some("Ada".into()),
                last_name: None,
                phone: Some("+44 (0) 20-7946.0958".into()),
            }
        );
    }

    #[test]
    fn each_refusal_names_the_field() {
        let base = json!({"email": "a@b.example", "consent": true});
        let with = |key: &str, value: Value| {
            let mut answers = base.clone();
            answers[key] = value;
            answers
        };
        let cases = [
            (with("nope", json!(1)), "nope", "no field"),
            (json!({"consent": true}), "email", "required"),
            (with("consent", Value::Null), "consent", "required"),
            (
                with("email", json!("not an address")),
                "email",
                "not an email",
            ),
            (with("email", json!(42)), "email", "must be text"),
            (with("first_name", json!("a\u{0}b")), "first_name", "NUL"),
            (
                with("first_name", json!("x".repeat(1001))),
                "first_name",
                "longer than 1000",
            ),
            (
                with("notes", json!({"deep": [[[1]]]})),
                "notes",
                "must be text",
            ),
            (with("phone", json!("call me")), "phone", "digits"),
            (with("size", json!("XL")), "size", "one of S, M, L"),
            (with("consent", json!("yes")), "consent", "true or false"),
            (with("employees", json!("12")), "employees", "a number"),
            (with("start", json!("31/01/2026")), "start", "YYYY-MM-DD"),
        ];
        for (answers, key, says) in cases {
            let (field, detail) = refused(answers.clone());
            assert_eq!(field.as_deref(), Some(key), "{answers}: {detail}");
            assert!(detail.contains(says), "{answers}: {detail}");
        }
    }

    #[test]
    fn choices_come_from_a_list_or_from_objects_with_values() {
        assert_eq!(
            choices(Some(&json!(["a", "b"]))),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            choices(Some(&json!({"choices": [{"value": "x", "label": "X"}]}))),
            Some(vec!["x".into()])
        );
        assert_eq!(choices(None), None);
    }
}
