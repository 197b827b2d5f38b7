//! docker-compose.yml, the Dockerfile and .env.example, checked by parsing them, since
//! no Docker engine runs where the tests do: every image pinned, every service healthy
//! or a one-shot that others wait for, every dependency on health or completion, every
//! variable a tally service gets a setting its command reads (the topic and the erasure
//! key the same for all), every command a real subcommand with real flags, every
//! Prometheus target a service that serves metrics there, every mounted file present,
//! and the image the tally services run built from the Dockerfile that builds the
//! binary. Each failure names the service and what to do.
//!
//! # Layout
//!
//! - `model`: the compose file and Prometheus's targets as the checks read them.
//! - `cli`: `tally settings` and `tally <sub> --help`, from the real binary.
//! - `dockerfile`: image references (pinned or not) and the Dockerfile's stages.
//! - `image`: the checks of the Dockerfile and .dockerignore; the rest are here.

mod cli;
mod dockerfile;
mod image;
mod model;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use cli::{has_flag, help, reads, settings};
use dockerfile::{parse_dockerfile, stage, unpinned};
use model::{DependsOn, Service, Words, compose, interpolated, scrapes};

const TALLY: &str = env!("CARGO_BIN_EXE_tally");

fn read(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Fails with every problem found, one a line, rather than with the first.
fn assert_none(what: &str, problems: Vec<String>) {
    assert!(problems.is_empty(), "{what}:\n- {}", problems.join("\n- "));
}

#[test]
fn every_image_is_pinned_to_an_exact_version() {
    let compose = compose();
    let mut problems = Vec::new();
    for (name, service) in &compose.services {
        if service.is_tally() {
            continue; // built here; checked by the Dockerfile test
        }
        match service.image.as_deref() {
            None => problems.push(format!(
                "service {name} has neither an image nor a build: give it a pinned image"
            )),
            Some(image) => {
                if let Some(why) = unpinned(image) {
                    problems.push(format!(
                        "service {name} runs {image}, which is not pinned: {why}; use a full \
                         version tag (postgres:16.15, not postgres:16 or latest) or a digest \
                         (@sha256:...)"
                    ));
                }
            }
        }
    }
    let stages = parse_dockerfile(&read("Dockerfile"));
    for from in &stages {
        if stage(&stages, &from.image).is_some() {
            continue; // FROM an earlier stage
        }
        if let Some(why) = unpinned(&from.image) {
            problems.push(format!(
                "the Dockerfile builds FROM {}, which is not pinned: {why}; use a full version \
                 tag or a digest",
                from.image
            ));
        }
    }
    assert_none("images that are not pinned", problems);
}

#[test]
fn every_service_is_healthchecked_or_a_one_shot_that_others_wait_for() {
    let compose = compose();
    let awaited: BTreeSet<String> = compose
        .services
        .values()
        .flat_map(Service::dependencies)
        .filter(|(_, condition)| condition.as_deref() == Some("service_completed_successfully"))
        .map(|(name, _)| name)
        .collect();
    let mut problems = Vec::new();
    for (name, service) in &compose.services {
        if !service.profiles.is_empty() {
            continue; // started only on request (`--profile`), and not by `up` alone
        }
        if service.is_one_shot() {
            if !awaited.contains(name) {
                problems.push(format!(
                    "service {name} is a one-shot (restart: \"no\") that nothing waits for: make \
                     the services that need it depend on it with condition: \
                     service_completed_successfully, or give it a healthcheck and a restart \
                     policy if it runs until stopped"
                ));
            }
        } else if !service.is_healthchecked() {
            problems.push(format!(
                "service {name} runs until stopped but has no healthcheck: add one (a tally \
                 process: wget -q -O /dev/null http://127.0.0.1:PORT/healthz), or make it a \
                 one-shot with restart: \"no\" that others wait for"
            ));
        }
    }
    assert_none("services without health or completion", problems);
}

#[test]
fn every_dependency_waits_for_health_or_completion() {
    let compose = compose();
    let mut problems = Vec::new();
    for (name, service) in &compose.services {
        if matches!(service.depends_on, Some(DependsOn::List(_))) {
            problems.push(format!(
                "service {name} lists depends_on without conditions, so it starts as soon as \
                 they are created: write `depends_on: {{SERVICE: {{condition: service_healthy}}}}` \
                 (service_completed_successfully for a one-shot)"
            ));
            continue;
        }
        for (dependency, condition) in service.dependencies() {
            let Some(target) = compose.services.get(&dependency) else {
                problems.push(format!(
                    "service {name} depends on {dependency}, which is not a service: fix the name"
                ));
                continue;
            };
            match condition.as_deref() {
                Some("service_healthy") if !target.is_healthchecked() => problems.push(format!(
                    "service {name} waits for {dependency} to be healthy, but {dependency} has no \
                     healthcheck: add one"
                )),
                Some("service_completed_successfully") if !target.is_one_shot() => {
                    problems.push(format!(
                        "service {name} waits for {dependency} to complete, but {dependency} is \
                         restarted when it exits: give it restart: \"no\""
                    ))
                }
                Some("service_healthy" | "service_completed_successfully") => {}
                other => problems.push(format!(
                    "service {name} waits for {dependency} with {}, which does not wait for it \
                     to work: use condition: service_healthy, or \
                     service_completed_successfully for a one-shot",
                    other.map_or("no condition".to_owned(), |c| format!("condition: {c}"))
                )),
            }
            if service.profiles.is_empty() && !target.profiles.is_empty() {
                problems.push(format!(
                    "service {name} depends on {dependency}, which runs only under profile(s) \
                     {:?}: drop the dependency or put {name} under the same profile",
                    target.profiles
                ));
            }
        }
    }
    assert_none("dependencies that do not wait", problems);
}

#[test]
fn tally_services_get_only_settings_their_command_reads() {
    let compose = compose();
    let settings = settings();
    let mut problems = Vec::new();
    for (name, service) in compose.services.iter().filter(|(_, s)| s.is_tally()) {
        let words = service.command_words();
        let Some(command) = words.first() else {
            continue; // no command: reported by the subcommand test
        };
        if help(&[command.as_str()]).is_err() {
            continue; // not a subcommand: reported by the subcommand test
        }
        for var in service.env_names() {
            if var.starts_with("AWS_") {
                // object_store reads the S3 credentials and endpoint from AWS_*.
                if !reads(&settings, "TALLY_ARCHIVE_URL", command) {
                    problems.push(format!(
                        "service {name} gets {var}, but `tally {command}` does not use the \
                         archive (TALLY_ARCHIVE_URL), the only reader of AWS_* variables: \
                         remove it"
                    ));
                }
                continue;
            }
            match settings.get(&var) {
                None => problems.push(format!(
                    "service {name} gets {var}, which is not a tally setting (`tally settings` \
                     lists them): remove it or correct its name"
                )),
                Some(used_by) if !reads(&settings, &var, command) => problems.push(format!(
                    "service {name} gets {var}, but `tally {command}` does not read it (`tally \
                     settings` says it is used by {}): remove it, or make {command} read it and \
                     list it in the settings",
                    used_by.join(", ")
                )),
                Some(_) => {}
            }
        }
    }
    assert_none("variables tally does not read", problems);
}

/// Settings every process must share: a topic ingest does not read loses what serve
/// produces, an erasure key that differs does not recognise erased people, and serve
/// hands out the GDPR exports schedule writes to the archive's store.
const SHARED: [&str; 3] = ["TALLY_TOPIC", "TALLY_GDPR_KEY", "TALLY_ARCHIVE_URL"];

#[test]
fn tally_services_share_the_topic_the_erasure_key_and_the_archive() {
    let compose = compose();
    let settings = settings();
    let mut problems = Vec::new();
    for var in SHARED {
        // The value each service whose command reads `var` gets (None: the default).
        let values: BTreeMap<&str, Option<String>> = compose
            .services
            .iter()
            .filter(|(_, s)| s.is_tally())
            .filter(|(_, s)| {
                s.command_words()
                    .first()
                    .is_some_and(|command| reads(&settings, var, command))
            })
            .map(|(name, s)| (name.as_str(), s.env(var)))
            .collect();
        let distinct: BTreeSet<&Option<String>> = values.values().collect();
        if distinct.len() > 1 {
            problems.push(format!(
                "the tally services get different values of {var}: {values:?}; give every \
                 service whose command reads it the same one"
            ));
        }
    }
    assert_none("settings the processes must share but do not", problems);
}

#[test]
fn tally_services_run_real_subcommands_with_real_flags() {
    let compose = compose();
    let mut problems = Vec::new();
    for (name, service) in compose.services.iter().filter(|(_, s)| s.is_tally()) {
        if service.entrypoint.is_some() {
            problems.push(format!(
                "service {name} overrides the entrypoint: the image's ENTRYPOINT is tally, so \
                 give only the subcommand and its flags as command"
            ));
        }
        if !matches!(service.command, Some(Words::List(_))) {
            problems.push(format!(
                "service {name} has no command as an exec list: give the subcommand, e.g. \
                 command: [\"ingest\"]"
            ));
            continue;
        }
        let words = service.command_words();
        let path: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .take_while(|w| !w.starts_with('-'))
            .collect();
        let help = match help(&path) {
            Ok(help) if !path.is_empty() => help,
            Ok(_) => {
                problems.push(format!(
                    "service {name} runs tally without a subcommand: give one first in command"
                ));
                continue;
            }
            Err(why) => {
                problems.push(format!(
                    "service {name} runs `tally {}`, which is not a tally subcommand ({why}): \
                     fix its command",
                    path.join(" ")
                ));
                continue;
            }
        };
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().unwrap_or(flag);
            if !has_flag(&help, flag) {
                problems.push(format!(
                    "service {name} passes {flag}, which `tally {}` does not take (see its \
                     --help): remove or correct it",
                    path.join(" ")
                ));
            }
        }
    }
    assert_none("commands tally does not have", problems);
}

#[test]
fn tally_services_serve_health_where_they_are_probed() {
    let compose = compose();
    let dockerfile = parse_dockerfile(&read("Dockerfile"));
    let installed: String = dockerfile
        .last()
        .map(|runtime| runtime.all("RUN").collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let mut problems = Vec::new();
    for (name, service) in compose.services.iter().filter(|(_, s)| s.is_tally()) {
        let Some(check) = service
            .healthcheck
            .as_ref()
            .filter(|_| service.is_healthchecked())
        else {
            continue; // one-shots; the health test reports long-running ones
        };
        let addresses: Vec<(String, String)> = service
            .env_names()
            .into_iter()
            .filter(|var| var.ends_with("_ADDR"))
            .filter_map(|var| service.env(&var).map(|addr| (var, addr)))
            .collect();
        if addresses.is_empty() {
            problems.push(format!(
                "service {name} is probed but sets no listening address: tally's defaults are \
                 127.0.0.1, which Prometheus on another container cannot scrape; set \
                 TALLY_METRICS_ADDR (or TALLY_API_ADDR for serve) to 0.0.0.0:PORT"
            ));
        }
        for (var, addr) in &addresses {
            if !addr.starts_with("0.0.0.0:") {
                problems.push(format!(
                    "service {name} sets {var}={addr}: bind 0.0.0.0:PORT, so that Prometheus \
                     and published ports reach it"
                ));
            }
        }
        let probed = addresses.iter().any(|(_, addr)| {
            addr.rsplit_once(':')
                .is_some_and(|(_, port)| check.text().contains(&format!(":{port}/healthz")))
        });
        if !probed {
            problems.push(format!(
                "service {name}'s healthcheck `{}` does not probe /healthz on the port of its \
                 {}: point it at http://127.0.0.1:PORT/healthz",
                check.text(),
                addresses
                    .iter()
                    .map(|(v, _)| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ));
        }
        if let Some(program) = check.program()
            && program != "tally"
            && !installed.split_whitespace().any(|w| w == program)
        {
            problems.push(format!(
                "service {name}'s healthcheck runs {program}, which the Dockerfile's final stage \
                 does not install: add it to the apt-get install there"
            ));
        }
    }
    assert_none("healthchecks that cannot work", problems);
}

#[test]
fn prometheus_scrapes_tally_services_where_they_serve_metrics() {
    let compose = compose();
    let scrapes = scrapes();
    let mut problems = Vec::new();
    for job in &scrapes.scrape_configs {
        let statics = job.static_configs.iter().flat_map(|s| &s.targets).map(|t| {
            let (host, port) = t.rsplit_once(':').unwrap_or((t, ""));
            (host.to_owned(), port.to_owned())
        });
        let dns = job.dns_sd_configs.iter().flat_map(|d| {
            d.names
                .iter()
                .map(|name| (name.clone(), d.port.to_string()))
        });
        for (host, port) in statics.chain(dns) {
            if host == "localhost" {
                continue; // Prometheus itself
            }
            let serving: Vec<(&String, &Service)> = compose
                .services
                .iter()
                .filter(|(name, s)| s.answers_to(name, &host) && s.profiles.is_empty())
                .collect();
            if serving.is_empty() {
                problems.push(format!(
                    "Prometheus job {} scrapes {host}:{port}, but no service of \
                     docker-compose.yml answers to {host}: name one so, or give it the alias \
                     (networks: {{default: {{aliases: [{host}]}}}})",
                    job.job_name
                ));
            }
            for (name, service) in serving.into_iter().filter(|(_, s)| s.is_tally()) {
                let listens = service
                    .env_names()
                    .iter()
                    .filter(|var| var.ends_with("_ADDR"))
                    .filter_map(|var| service.env(var))
                    .any(|addr| addr.rsplit_once(':').is_some_and(|(_, p)| p == port));
                if !listens {
                    problems.push(format!(
                        "Prometheus job {} scrapes {host}:{port}, but service {name} serves \
                         metrics on no address with port {port}: set its TALLY_METRICS_ADDR \
                         (TALLY_API_ADDR for serve) to 0.0.0.0:{port}, or fix the target",
                        job.job_name
                    ));
                }
            }
        }
    }
    assert_none("Prometheus targets the stack does not serve", problems);
}

#[test]
fn every_file_compose_mounts_from_the_repository_exists() {
    let compose = compose();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut problems = Vec::new();
    for (name, service) in &compose.services {
        for path in service.volumes.iter().filter_map(|v| v.host_path()) {
            if !root.join(&path).exists() {
                problems.push(format!(
                    "service {name} mounts {path}, which the repository does not have: add it \
                     or fix the path (it is relative to docker-compose.yml)"
                ));
            }
        }
    }
    assert_none("mounts of files that are missing", problems);
}

#[test]
fn env_example_lists_exactly_what_compose_interpolates() {
    let used = interpolated(&read("docker-compose.yml"));
    let listed: BTreeSet<String> = read(".env.example")
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim().to_owned()))
        .collect();
    let mut problems = Vec::new();
    for name in used.difference(&listed) {
        problems.push(format!(
            "docker-compose.yml interpolates ${{{name}}}, which .env.example does not list: add \
             `{name}=` with a comment saying what it is"
        ));
    }
    for name in listed.difference(&used) {
        problems.push(format!(
            ".env.example lists {name}, which docker-compose.yml does not use: remove it"
        ));
    }
    assert_none(".env.example and docker-compose.yml disagree", problems);
}
