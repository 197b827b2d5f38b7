//! The set-based statements that run on the staged rows, inside the import's tenant
//! transaction: the duplicate backstop, the rules, the updates and the inserts.

use schema::{OrganizationId, ValidationStatus};
use tokio_postgres::Transaction;
use tokio_postgres::types::Json;
use tracing::instrument;

use crate::error::{ImportError, db};
use crate::report::{RefusedLine, RefusedReason};
use crate::rules::Rules;

/// What the statements did.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Staged lines refused by the database: repeating an earlier line (its lower()),
    /// or an address the organization erased.
    pub refused: Vec<RefusedLine>,
    pub inserted: u64,
    pub updated: u64,
    /// Validation results of the inserted and updated contacts.
    pub by_status: Vec<(ValidationStatus, u64)>,
}

/// Runs the statements on the staged rows of list `list`.
#[instrument(skip_all, fields(organization = %organization, list))]
pub async fn load(
    tx: &Transaction<'_>,
    organization: OrganizationId,
    list: i64,
    rules: &Rules,
    update_existing: bool,
    non_ascii: bool,
    marked: bool,
) -> Result<Loaded, ImportError> {
    let mut loaded = Loaded::default();
    // For ASCII addresses the parser's lower-casing is the database's in every locale.
    let backstop = if non_ascii {
        tx.query(include_str!("sql/dedup.sql"), &[])
            .await
            .map_err(db("refusing the lines that repeat an address"))?
    } else {
        Vec::new()
    };
    for row in backstop {
        let (line, email, earlier): (i64, String, i64) = (row.get(0), row.get(1), row.get(2));
        loaded.refused.push(RefusedLine {
            line: line as u64,
            reason: RefusedReason::DuplicateInFile,
            detail: format!("{email:?} is already on line {earlier}"),
        });
    }
    if marked {
        let erased = tx
            .query(include_str!("sql/erased.sql"), &[&organization.0])
            .await
            .map_err(db("refusing the lines of erased addresses"))?;
        for row in erased {
            let (line, email): (i64, String) = (row.get(0), row.get(1));
            loaded.refused.push(RefusedLine {
                line: line as u64,
                reason: RefusedReason::Erased,
                detail: format!(
                    "{email:?} was erased at its owner's request (GDPR) and is not imported again"
                ),
            });
        }
    }
    if !rules.terms.is_empty() {
        tx.execute(
            include_str!("sql/failures.sql"),
            &[
                &rules.term_rule_ids,
                &rules.term_names,
                &rules.term_results,
                &rules.term_parts,
                &rules.terms,
                &Json(rules.versions()),
            ],
        )
        .await
        .map_err(db("applying the validation rules"))?;
    }
    let clean = Json(rules.clean_details());
    let org = organization.0;
    if update_existing {
        let rows = tx
            .query(include_str!("sql/update.sql"), &[&org, &list, &clean])
            .await
            .map_err(db("updating the contacts already in the list"))?;
        loaded.updated = count(&rows, &mut loaded.by_status);
    }
    let rows = tx
        .query(include_str!("sql/insert.sql"), &[&org, &list, &clean])
        .await
        .map_err(db("inserting the new contacts"))?;
    loaded.inserted = count(&rows, &mut loaded.by_status);
    Ok(loaded)
}

/// Adds `(status, count)` rows to `by_status`; returns their total.
fn count(rows: &[tokio_postgres::Row], by_status: &mut Vec<(ValidationStatus, u64)>) -> u64 {
    let mut total = 0;
    for row in rows {
        let (status, n): (ValidationStatus, i64) = (row.get(0), row.get(1));
        let n = n as u64;
        match by_status.iter_mut().find(|(s, _)| *s == status) {
            Some((_, count)) => *count += n,
            None => by_status.push((status, n)),
        }
        total += n;
    }
    total
}
