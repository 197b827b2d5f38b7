//! The walk's example bodies and fixture rows of the content domains' routes.

use schema::domains::{email_templates, form_fields, form_responses, forms, validation};
use schema::{Actor, OrganizationId, Tenant};
use serde_json::json;

use crate::{App, Org};

/// A valid body per operation of these domains (see `openapi_walk::EXAMPLES`).
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "create_email_template",
        r#"{"name": "Walked", "subject": "Hello", "body_html": "<p>Hello</p>"}"#,
    ),
    ("create_form", r#"{"name": "Walked"}"#),
    ("update_form", r#"{"name": "Walked again"}"#),
    (
        "create_form_field",
        r#"{"field_key": "walked", "label": "Walked", "field_type": "text"}"#,
    ),
    ("update_form_field", r#"{"label": "Walked again"}"#),
    (
        "create_validation_rule",
        r#"{"name": "walked", "rule_type": "blocked_domain", "definition": {"domains": ["walked.example"]}}"#,
    ),
];

/// The operations whose body is a CSV file: (operation, a file it accepts, a file it
/// refuses as malformed, the `field` of that 400).
pub const CSV_EXAMPLES: &[(&str, &str, &str, &str)] = &[(
    "import_contacts",
    "email,first_name\nwalker@example.com,Walker\n",
    "mail,first_name\nwalker@example.com,Walker\n",
    "email",
)];

/// The rows these domains' routes address, made in `org`: (resource segment or
/// placeholder name, id).
pub async fn rows(app: &App, org: &Org) -> Vec<(&'static str, i64)> {
    let mut client = app.db.connect().await;
    let tx = Tenant::new(OrganizationId(org.id), Actor::Process("test"))
        .begin(&mut client)
        .await
        .unwrap();
    let template = email_templates::create()
        .bind(&tx, &"Welcome", &"Hello", &"<p>Hello</p>", &None::<&str>)
        .one()
        .await
        .unwrap()
        .id;
    let form = forms::create()
        .bind(&tx, &"Signup", &None::<&str>)
        .one()
        .await
        .unwrap()
        .id;
    let field = form_fields::create()
        .bind(
            &tx,
            &form,
            &"email",
            &"Your email",
            &"email",
            &true,
            &0,
            &None::<serde_json::Value>,
        )
        .one()
        .await
        .unwrap()
        .id;
    let response = form_responses::create()
        .bind(
            &tx,
            &form,
            &Some(org.campaign),
            &Some(org.contact),
            &None,
            &json!({"email": "ada@example.com"}),
            &None,
            &None::<&str>,
        )
        .one()
        .await
        .unwrap()
        .id;
    let rule = validation::create()
        .bind(
            &tx,
            &"blocked",
            &"blocked_domain",
            &json!({"domains": ["blocked.example"]}),
        )
        .one()
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    vec![
        ("email-templates", template),
        ("forms", form),
        ("form-fields", field),
        ("form-responses", response),
        ("validation-rules", rule),
    ]
}
