//! What the real binary says about itself: `tally settings` and `tally <sub> --help`.

use std::collections::BTreeMap;
use std::process::Command;

use super::TALLY;

/// Every setting's variable and the commands that read it, from `tally settings`.
pub(super) fn settings() -> BTreeMap<String, Vec<String>> {
    let out = Command::new(TALLY)
        .arg("settings")
        .output()
        .expect("tally settings runs");
    assert!(out.status.success(), "tally settings failed: {out:?}");
    parse_settings(&String::from_utf8_lossy(&out.stdout))
}

/// The table's rows (VAR, flag, default, used by, what); the header has no backticks.
pub(super) fn parse_settings(table: &str) -> BTreeMap<String, Vec<String>> {
    table
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let var = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let used_by = cells.get(4)?.split(',').map(|c| c.trim().to_owned());
            Some((var.to_owned(), used_by.collect()))
        })
        .collect()
}

/// Whether `tally settings` lists `command` (or every command) as reading `var`.
pub(super) fn reads(settings: &BTreeMap<String, Vec<String>>, var: &str, command: &str) -> bool {
    settings
        .get(var)
        .is_some_and(|used_by| used_by.iter().any(|c| c == command || c == "every command"))
}

/// The help of `tally <path>`, or why there is none.
pub(super) fn help(path: &[&str]) -> Result<String, String> {
    let out = Command::new(TALLY)
        .args(path)
        .arg("--help")
        .output()
        .map_err(|e| format!("running tally: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "`tally {} --help` fails: {}",
            path.join(" "),
            stderr.lines().next().unwrap_or("no message").trim()
        ))
    }
}

/// Whether a help text lists `flag` (`--events <EVENTS>`, `-p, --package`).
pub(super) fn has_flag(help: &str, flag: &str) -> bool {
    help.split_whitespace()
        .any(|word| word.trim_end_matches(',') == flag)
}

#[test]
fn the_settings_table_is_read_with_its_commands() {
    let settings = parse_settings(
        "| Variable | Flag | Default | Used by | What it sets |\n|---|---|---|---|---|\n\
         | `TALLY_LOG` | `--log` | none | every command | Log filter |\n\
         | `TALLY_TOPIC` | `--topic` | `t` | ingest, simulate | The topic |\n",
    );
    assert!(reads(&settings, "TALLY_LOG", "serve"));
    assert!(reads(&settings, "TALLY_TOPIC", "simulate"));
    assert!(!reads(&settings, "TALLY_TOPIC", "schedule"));
    assert!(!reads(&settings, "Variable", "ingest"));
}
