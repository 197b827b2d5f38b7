//! [`import`]: one file into one list, in one tenant transaction.

use std::io::{BufReader, Read};

use futures::pin_mut;
use schema::{OrganizationId, Tenant};
use tokio_postgres::Client;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tracing::{info, instrument};

use crate::error::{ImportError, db};
use crate::frame::Framer;
use crate::report::{ImportOptions, ImportReport};
use crate::stage::{COPY_ROWS, COPY_TYPES, Marking, header, stage};
use crate::{load, rules};

/// How much of the input is read at once.
const READ_BUFFER: usize = 256 << 10;

/// Imports the CSV `input` into contact list `list` of `organization`, as the actor
/// `import`, in one transaction: all of it or, on an error, nothing.
///
/// Lines that cannot become contacts are refused one by one (see
/// [`RefusedReason`](crate::RefusedReason)) and reported; the others are validated
/// against the organization's active rules and inserted, or, for addresses already
/// live in the list, updated when `options.update_existing` and the file changes them.
/// `progress` is called with the bytes read so far as the file is read.
///
/// The input is read on the calling task (a local file or a buffer: reads do not
/// wait on the network).
#[instrument(skip_all, fields(organization = %organization, list))]
pub async fn import(
    client: &mut Client,
    organization: OrganizationId,
    list: i64,
    input: impl Read,
    options: ImportOptions,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut framer = Framer::new(BufReader::with_capacity(READ_BUFFER, input));
    // The header first: a file that cannot be imported fails before any database work.
    let columns = header(&mut framer)?;

    let tx = Tenant::new(organization, options.actor)
        .begin(client)
        .await
        .map_err(db("opening the tenant transaction"))?;
    let list_found = tx
        .query_opt(include_str!("sql/list.sql"), &[&organization.0, &list])
        .await
        .map_err(db("looking up the contact list"))?;
    if list_found.is_none() {
        return Err(ImportError::ListNotFound { list, organization });
    }
    let rules = rules::load(&tx, organization).await?;
    tx.batch_execute(include_str!("sql/stage.sql"))
        .await
        .map_err(db("creating the staging tables"))?;

    let sink = tx
        .copy_in(COPY_ROWS)
        .await
        .map_err(db("starting the COPY into the staging table"))?;
    let writer = BinaryCopyInWriter::new(sink, &COPY_TYPES);
    pin_mut!(writer);
    let marking = options.erasure_key.as_ref().map(|key| Marking {
        organization: organization.0,
        key,
    });
    let staged = stage(
        &mut framer,
        &columns,
        writer.as_mut(),
        marking,
        &mut progress,
    )
    .await?;
    writer
        .finish()
        .await
        .map_err(db("finishing the COPY into the staging table"))?;

    let loaded = load::load(
        &tx,
        organization,
        list,
        &rules,
        options.update_existing,
        staged.non_ascii,
        marking.is_some(),
    )
    .await?;
    tx.commit().await.map_err(db("committing the import"))?;

    // Staged rows the database refused (a repeated address, an erased person) too.
    let kept = staged.accepted.saturating_sub(loaded.refused.len() as u64);
    let mut refused = staged.refused;
    refused.extend(loaded.refused);
    refused.sort_by_key(|r| r.line);
    let mut report = ImportReport {
        records: staged.records,
        inserted: loaded.inserted,
        updated: loaded.updated,
        unchanged: kept.saturating_sub(loaded.inserted + loaded.updated),
        refused,
        by_status: loaded.by_status,
        rules: rules.applied,
        skipped_rules: rules.skipped,
    };
    report.sort_statuses();
    info!(
        records = report.records,
        inserted = report.inserted,
        updated = report.updated,
        unchanged = report.unchanged,
        refused = report.refused.len(),
        "contacts imported"
    );
    Ok(report)
}
