/// The whole story of a Postgres error: the server's message with its SQLSTATE, detail,
/// hint and position, where tokio-postgres's own `Display` says only "db error".
pub fn describe_pg_error(error: &tokio_postgres::Error) -> String {
    let Some(db) = error.as_db_error() else {
        return error.to_string();
    };
    let mut text = format!(
        "{}: {} (SQLSTATE {})",
        db.severity(),
        db.message(),
        db.code().code()
    );
    if let Some(detail) = db.detail() {
        text.push_str(&format!("; detail: {detail}"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!("; hint: {hint}"));
    }
    if let Some(r#where) = db.where_() {
        text.push_str(&format!("; where: {}", r#where.replace('\n', " / ")));
    }
    text
}
