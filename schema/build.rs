//! Embeds every migration in `../sql` so the binary carries its schema: pairs each
//! `NNNN_name.up.sql` with its `.down.sql` and refuses gaps, repeats and orphans.

use std::collections::BTreeMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let sql_dir = manifest.join("..").join("sql");
    println!("cargo:rerun-if-changed={}", sql_dir.display());

    let mut found: BTreeMap<u32, (String, Option<PathBuf>, Option<PathBuf>)> = BTreeMap::new();
    let entries =
        fs::read_dir(&sql_dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", sql_dir.display()));
    for entry in entries {
        let path = entry.expect("readable sql/ entry").path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()).map(str::to_owned) else {
            continue;
        };
        let (stem, is_up) = if let Some(stem) = file.strip_suffix(".up.sql") {
            (stem, true)
        } else if let Some(stem) = file.strip_suffix(".down.sql") {
            (stem, false)
        } else {
            continue;
        };
        let (number, name) = stem
            .split_once('_')
            .unwrap_or_else(|| panic!("sql/{file}: expected NNNN_name.up.sql or .down.sql"));
        let version: u32 = number
            .parse()
            .unwrap_or_else(|_| panic!("sql/{file}: {number:?} is not a migration number"));
        let slot = found
            .entry(version)
            .or_insert_with(|| (name.to_owned(), None, None));
        assert_eq!(
            slot.0, name,
            "sql/: migration {version} has two names, {:?} and {name:?}",
            slot.0
        );
        let target = if is_up { &mut slot.1 } else { &mut slot.2 };
        assert!(target.is_none(), "sql/{file}: duplicate");
        *target = Some(path);
    }

    let mut out = String::from("&[\n");
    for (expected, (version, (name, up, down))) in (1u32..).zip(&found) {
        assert_eq!(
            *version, expected,
            "sql/: migration {expected:04} is missing (found {version:04}_{name})"
        );
        let up = up
            .as_ref()
            .unwrap_or_else(|| panic!("sql/{version:04}_{name}.up.sql is missing"));
        let down = down
            .as_ref()
            .unwrap_or_else(|| panic!("sql/{version:04}_{name}.down.sql is missing"));
        writeln!(
            out,
            "    Migration {{ version: {version}, name: {name:?}, up: include_str!({up:?}), down: include_str!({down:?}) }},",
            up = up.display().to_string(),
            down = down.display().to_string(),
        )
        .expect("write to string");
    }
    out.push(']');
    let dest = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("migrations.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}
