//! The image the tally services run: built from ./Dockerfile, whose final stage runs
//! the release build of tally, from Cargo.lock, as a non-root user.

use std::collections::BTreeSet;

use super::dockerfile::{
    Stage, base_image, debian_release, parse_dockerfile, rust_in, stage, version,
};
use super::model::{Build, compose};
use super::{assert_none, read};

#[test]
fn the_tally_services_are_built_from_the_dockerfile() {
    let compose = compose();
    let mut problems = Vec::new();
    let mut images = BTreeSet::new();
    for (name, service) in compose.services.iter().filter(|(_, s)| s.is_tally()) {
        let (context, dockerfile) = match &service.build {
            Some(Build::Context(context)) => (Some(context.as_str()), None),
            Some(Build::Full {
                context,
                dockerfile,
            }) => (context.as_deref(), dockerfile.as_deref()),
            None => (None, None),
        };
        if !matches!(context, Some("." | "./")) || !matches!(dockerfile, None | Some("Dockerfile"))
        {
            problems.push(format!(
                "service {name} runs tally but is not built from ./Dockerfile: give it \
                 build: {{context: ., dockerfile: Dockerfile}} (the x-tally anchor)"
            ));
        }
        images.insert(service.image.clone());
    }
    if images.len() > 1 {
        problems.push(format!(
            "the tally services name different images {images:?}: give them one (the x-tally \
             anchor), so that one build serves them all"
        ));
    }
    assert_none("tally services not built from ./Dockerfile", problems);
}

/// The stage the final stage copies /usr/local/bin/tally from, with
/// `COPY --from=STAGE .../target/release/tally /usr/local/bin/tally`.
fn tally_builder(stages: &[Stage]) -> Result<&Stage, String> {
    let runtime = stages.last().ok_or("the Dockerfile has no FROM")?;
    let from = runtime
        .all("COPY")
        .find_map(|args| {
            let words: Vec<&str> = args.split_whitespace().collect();
            let from = words.iter().find_map(|w| w.strip_prefix("--from="))?;
            let paths: Vec<&str> = words
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            match paths.as_slice() {
                [source, "/usr/local/bin/tally"] if source.ends_with("target/release/tally") => {
                    Some(from)
                }
                _ => None,
            }
        })
        .ok_or(
            "the Dockerfile's final stage does not COPY --from=<build stage> \
             .../target/release/tally /usr/local/bin/tally: copy the release build there",
        )?;
    stage(stages, from)
        .ok_or_else(|| format!("the Dockerfile copies tally from stage {from}, which it lacks"))
}

#[test]
fn the_dockerfile_runs_tally_as_a_non_root_user() {
    let stages = parse_dockerfile(&read("Dockerfile"));
    let mut problems = Vec::new();
    let Some(runtime) = stages.last() else {
        panic!("the Dockerfile has no FROM");
    };
    let entrypoint: Option<Vec<String>> = runtime
        .all("ENTRYPOINT")
        .last()
        .and_then(|args| serde_json::from_str(args).ok());
    if entrypoint.as_deref() != Some(&["tally".to_owned()][..]) {
        problems.push(
            "the Dockerfile's final stage must have ENTRYPOINT [\"tally\"] (exec form, so \
             signals reach tally): the services' command is a tally subcommand"
                .to_owned(),
        );
    }
    match runtime.all("USER").last() {
        None => problems.push(
            "the Dockerfile's final stage runs as root: add USER with a non-root user".to_owned(),
        ),
        Some(user) => {
            let who = user.split(':').next().unwrap_or(user);
            if who == "root" || who == "0" {
                problems.push(format!(
                    "the Dockerfile's final stage runs as {user}: make USER a non-root user"
                ));
            }
        }
    }
    if let Err(why) = tally_builder(&stages) {
        problems.push(why);
    }
    assert_none("the image does not run tally as it should", problems);
}

#[test]
fn the_dockerfile_builds_tally_from_the_lock_file_with_a_fitting_toolchain() {
    let stages = parse_dockerfile(&read("Dockerfile"));
    let builder = tally_builder(&stages).unwrap_or_else(|why| panic!("{why}"));
    let name = builder.name.as_deref().unwrap_or("?");
    let mut problems = Vec::new();
    let built = builder.all("RUN").any(|run| {
        let words: Vec<&str> = run.split_whitespace().collect();
        let named = words
            .windows(2)
            .any(|w| matches!(w, ["-p" | "--package" | "--bin", "tally"]));
        run.contains("cargo build")
            && words.contains(&"--release")
            && words.contains(&"--locked")
            && named
    });
    if !built {
        problems.push(format!(
            "stage {name} of the Dockerfile does not run `cargo build --release --locked -p \
             tally`: the binary it copies would not be tally's release build from Cargo.lock"
        ));
    }
    let base = base_image(&stages, builder);
    let msrv = read("Cargo.toml").lines().find_map(|line| {
        let value = line
            .strip_prefix("rust-version")?
            .trim()
            .strip_prefix('=')?;
        Some(version(value.trim().trim_matches('"')))
    });
    match (rust_in(base), msrv) {
        (None, _) => problems.push(format!(
            "stage {name} of the Dockerfile stands on {base}, which names no Rust release: \
             build from a rust or cargo-chef image that names its version"
        )),
        (Some(toolchain), Some(msrv)) if toolchain < msrv => problems.push(format!(
            "the Dockerfile builds with Rust {toolchain:?}, older than the workspace's \
             rust-version {msrv:?}: use a newer toolchain image"
        )),
        _ => {}
    }
    let runtime = stages.last().map_or("", |s| s.image.as_str());
    if let (Some(built_on), Some(runs_on)) = (debian_release(base), debian_release(runtime))
        && built_on != runs_on
    {
        problems.push(format!(
            "the Dockerfile builds on Debian {built_on} but runs on Debian {runs_on}: a binary \
             linked against a newer glibc does not start on an older one; use one release"
        ));
    }
    assert_none(
        "the image does not build the binary the services run",
        problems,
    );
}

#[test]
fn dockerignore_leaves_out_build_output_and_secrets() {
    let ignored: Vec<String> = read(".dockerignore")
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches('/')
                .trim_end_matches('/')
                .to_owned()
        })
        .collect();
    let mut problems = Vec::new();
    for (entry, why) in [
        ("target", "gigabytes of build output"),
        (".env", "the deployment's secrets"),
    ] {
        if !ignored.iter().any(|l| l == entry) {
            problems.push(format!(
                ".dockerignore does not leave out {entry} ({why}): add it"
            ));
        }
    }
    assert_none("the build context holds what it should not", problems);
}
