//! The typed queries in `schema/generated` are what clorinde makes of `schema/queries`
//! against the migrated schema: regenerated here and compared file by file, so a changed
//! query, migration or generator setting without regenerated code fails.
//!
//! To regenerate: `TALLY_REGENERATE=1 cargo test -p schema --test it codegen`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use testkit::TestDb;

fn files(root: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                out.insert(path.strip_prefix(root).unwrap().to_owned(), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_code_is_current() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = crate_dir.join("generated");
    let scratch = std::env::temp_dir().join(format!("tally-codegen-{}", db.name()));
    let regenerate = std::env::var_os("TALLY_REGENERATE").is_some();

    let mut config = clorinde::config::Config::from_file(crate_dir.join("clorinde.toml")).unwrap();
    config.queries = crate_dir.join("queries");
    config.destination = if regenerate {
        committed.clone()
    } else {
        scratch.clone()
    };
    // clorinde drives the client with a blocking executor; the connection task runs on
    // the other worker meanwhile.
    tokio::task::block_in_place(|| clorinde::gen_live(&client, config))
        .unwrap_or_else(|e| panic!("clorinde could not generate the queries: {e:?}"));
    // Committed as `cargo fmt` leaves it, so that the workspace's format check holds.
    let destination = if regenerate { &committed } else { &scratch };
    let sources: Vec<PathBuf> = files(destination)
        .into_keys()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| destination.join(p))
        .collect();
    let status = std::process::Command::new("rustfmt")
        .args(["--edition", "2021", "--config-path"])
        .arg(crate_dir.join("../rustfmt.toml"))
        .args(&sources)
        .status()
        .expect("rustfmt runs (it comes with the Rust toolchain)");
    assert!(status.success(), "rustfmt failed on the generated code");
    if regenerate {
        return;
    }

    let want = files(&scratch);
    let have = files(&committed);
    std::fs::remove_dir_all(&scratch).ok();
    let stale: BTreeSet<_> = want
        .keys()
        .chain(have.keys())
        .filter(|p| want.get(*p) != have.get(*p))
        .collect();
    assert!(
        stale.is_empty(),
        "schema/generated is stale in {stale:?}: run \
         `TALLY_REGENERATE=1 cargo test -p schema --test it codegen` and commit the result"
    );
}
