//! The provisioned Grafana dashboards as their queries see them: the JSON files of
//! `grafana/dashboards`, their SQL variables and panel targets, their PromQL, and the
//! expansion of Grafana's template variables and PostgreSQL macros the way Grafana
//! does it (variables in the browser, then the macros of
//! `pkg/tsdb/grafana-postgresql-datasource/macros.go` on the server).
//!
//! Shared by the dashboards test (`tally/tests/it/dashboards.rs`) and the dashboards
//! benchmark (`benches/benches/dashboards.rs`, which includes this file by path), so
//! both run exactly what Grafana would.

// Each of the two users needs part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// The uid of the PostgreSQL datasource (grafana/provisioning/datasources).
pub const POSTGRES_UID: &str = "tally-postgres";
/// The uid of the Prometheus datasource.
pub const PROMETHEUS_UID: &str = "tally-prometheus";

/// The repository's `grafana` directory.
pub fn grafana_dir() -> PathBuf {
    // Both users are crates one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../grafana")
}

/// One dashboard file.
#[derive(Debug)]
pub struct Dashboard {
    /// Its file name, for messages.
    pub file: String,
    /// The dashboard model.
    pub json: Value,
}

/// A query of a dashboard: a variable's or a panel target's.
#[derive(Debug, Clone)]
pub struct Query {
    /// Where it is, for messages: `file: panel "title" A` or `file: variable name`.
    pub place: String,
    /// The variable it fills, for a variable's query.
    pub variable: Option<String>,
    /// The datasource uid it runs against.
    pub datasource: String,
    /// SQL (`rawSql`, or a variable's `query`) or PromQL (`expr`).
    pub text: String,
}

/// Every dashboard of `grafana/dashboards`, by file name; panics naming a file that
/// is not a JSON dashboard.
pub fn load() -> Vec<Dashboard> {
    let dir = grafana_dir().join("dashboards");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
            let file = path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            Dashboard { file, json }
        })
        .collect()
}

fn uid_of(datasource: &Value) -> Option<String> {
    datasource.get("uid")?.as_str().map(str::to_owned)
}

impl Dashboard {
    /// The dashboard's uid.
    pub fn uid(&self) -> &str {
        self.json["uid"].as_str().unwrap_or_default()
    }

    /// The query variables, in the order Grafana resolves them (a later one may use an
    /// earlier one).
    pub fn variables(&self) -> Vec<Query> {
        let list = self.json["templating"]["list"].as_array();
        list.into_iter()
            .flatten()
            .filter(|v| v["type"] == "query")
            .map(|v| {
                let name = v["name"].as_str().unwrap_or_default().to_owned();
                // Older models keep the SQL as a string, newer ones in an object.
                let text = match &v["query"] {
                    Value::String(s) => s.clone(),
                    other => other["rawSql"]
                        .as_str()
                        .or_else(|| other["query"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                };
                Query {
                    place: format!("{}: variable {name}", self.file),
                    variable: Some(name),
                    datasource: uid_of(&v["datasource"]).unwrap_or_default(),
                    text,
                }
            })
            .collect()
    }

    /// Every panel's targets, panels inside rows included.
    pub fn targets(&self) -> Vec<Query> {
        let mut out = Vec::new();
        let mut panels: Vec<&Value> = self.json["panels"]
            .as_array()
            .into_iter()
            .flatten()
            .collect();
        while let Some(panel) = panels.pop() {
            panels.extend(panel["panels"].as_array().into_iter().flatten());
            let title = panel["title"].as_str().unwrap_or_default();
            let panel_source = uid_of(&panel["datasource"]);
            for target in panel["targets"].as_array().into_iter().flatten() {
                let text = target["rawSql"]
                    .as_str()
                    .or_else(|| target["expr"].as_str())
                    .unwrap_or_default()
                    .to_owned();
                out.push(Query {
                    place: format!(
                        "{}: panel {title:?} {}",
                        self.file,
                        target["refId"].as_str().unwrap_or("?")
                    ),
                    variable: None,
                    datasource: uid_of(&target["datasource"])
                        .or_else(|| panel_source.clone())
                        .unwrap_or_default(),
                    text,
                });
            }
        }
        out.sort_by(|a, b| a.place.cmp(&b.place));
        out
    }
}

/// The dashboard's time range, as Grafana sends it to the datasource.
#[derive(Debug, Clone, Copy)]
pub struct TimeRange {
    /// Start of the range.
    pub from: DateTime<Utc>,
    /// End of the range.
    pub to: DateTime<Utc>,
}

impl TimeRange {
    /// The last `days` days up to `to`, Grafana's `now-Nd` to `now`.
    pub fn last_days(to: DateTime<Utc>, days: i64) -> TimeRange {
        TimeRange {
            from: to - chrono::TimeDelta::days(days),
            to,
        }
    }
}

/// An instant as Grafana writes it into SQL (RFC 3339, UTC, `Z`).
fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `'1d'`, `5m`, ... in seconds, as Grafana's interval parser reads them.
fn interval_seconds(text: &str) -> Result<i64, String> {
    let text = text.trim().trim_matches('\'');
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("interval {text:?} has no unit"))?;
    let (n, unit) = text.split_at(split);
    let n: i64 = n
        .parse()
        .map_err(|_| format!("interval {text:?} has no number"))?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("interval {text:?}: unknown unit {unit:?}")),
    };
    Ok(n * unit)
}

/// One of Grafana's PostgreSQL macros (those its datasource knows; an unknown one is an
/// error there too).
fn macro_text(name: &str, args: &[&str], range: &TimeRange) -> Result<String, String> {
    let column = || {
        args.first()
            .filter(|a| !a.is_empty())
            .copied()
            .ok_or_else(|| format!("${name} needs a column"))
    };
    let group = || -> Result<String, String> {
        let seconds = interval_seconds(
            args.get(1)
                .ok_or_else(|| format!("${name} needs a column and an interval"))?,
        )?;
        Ok(format!(
            "floor(extract(epoch from {})/{seconds})*{seconds}",
            column()?
        ))
    };
    Ok(match name {
        "__time" => format!("{} AS \"time\"", column()?),
        "__timeEpoch" => format!("extract(epoch from {}) as \"time\"", column()?),
        "__timeFilter" => format!(
            "{} BETWEEN '{}' AND '{}'",
            column()?,
            instant(range.from),
            instant(range.to)
        ),
        "__timeFrom" => format!("'{}'", instant(range.from)),
        "__timeTo" => format!("'{}'", instant(range.to)),
        "__timeGroup" => group()?,
        "__timeGroupAlias" => format!("{} AS \"time\"", group()?),
        _ => return Err(format!("unknown macro ${name}")),
    })
}

/// `sql` with the template variables replaced by `variables` (single values, inserted
/// as they are, as Grafana does for a variable that is neither multi-value nor "All")
/// and the macros expanded for `range`. An unknown variable or macro is an error, so
/// nothing reaches Postgres with a `$` Grafana would have replaced.
pub fn expand(
    sql: &str,
    range: &TimeRange,
    variables: &BTreeMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(braced) = after.strip_prefix('{') {
            // ${name} or ${name:format}; a single value needs no format.
            let end = braced
                .find('}')
                .ok_or_else(|| format!("unclosed ${{ in {sql}"))?;
            let name = braced[..end].split(':').next().unwrap_or_default();
            out.push_str(
                variables
                    .get(name)
                    .ok_or_else(|| format!("unknown variable ${{{name}}}"))?,
            );
            rest = &braced[end + 1..];
            continue;
        }
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..len];
        if name.is_empty() {
            return Err(format!("a lone $ in {sql}"));
        }
        let tail = &after[len..];
        if name.starts_with("__") && tail.starts_with('(') {
            let close = tail
                .find(')')
                .ok_or_else(|| format!("${name}( is not closed"))?;
            let args: Vec<&str> = tail[1..close].split(',').map(str::trim).collect();
            let args = if args == [""] { Vec::new() } else { args };
            // Grafana reads `$__timeGroup(...)` followed by a comma as the alias form
            // (before 5.3 it added the alias itself).
            let after_call = &tail[close + 1..];
            let name = if name == "__timeGroup" && after_call.starts_with(',') {
                "__timeGroupAlias"
            } else {
                name
            };
            out.push_str(&macro_text(name, &args, range)?);
            rest = after_call;
        } else {
            out.push_str(
                variables
                    .get(name)
                    .ok_or_else(|| format!("unknown variable ${name}"))?,
            );
            rest = tail;
        }
    }
    out.push_str(rest);
    Ok(out)
}
