//! docker-compose.yml (and the targets of prometheus/prometheus.yml) as the checks read
//! them: the keys they look at, the others ignored, with YAML anchors and merge keys
//! (`<<`) resolved by the parser.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::read;

/// The file: its services (the `x-` anchors are merged into them by the parser).
#[derive(Debug, Deserialize)]
pub(super) struct Compose {
    pub(super) services: BTreeMap<String, Service>,
}

/// One service, as far as the checks read it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Service {
    pub(super) image: Option<String>,
    pub(super) build: Option<Build>,
    pub(super) command: Option<Words>,
    pub(super) entrypoint: Option<Words>,
    pub(super) environment: Option<Environment>,
    pub(super) depends_on: Option<DependsOn>,
    pub(super) healthcheck: Option<Healthcheck>,
    pub(super) restart: Option<String>,
    pub(super) profiles: Vec<String>,
    pub(super) networks: Option<Networks>,
    pub(super) volumes: Vec<Volume>,
}

/// A mount: `SOURCE:TARGET[:MODE]`, or the long form with `source:`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Volume {
    Short(String),
    Long { source: Option<String> },
}

impl Volume {
    /// The host path mounted, when the source is one (`./...`, `/...`), not a volume.
    pub(super) fn host_path(&self) -> Option<String> {
        let source = match self {
            Volume::Short(spec) => spec.split(':').next().map(str::to_owned),
            Volume::Long { source } => source.clone(),
        }?;
        source.starts_with(['.', '/']).then_some(source)
    }
}

/// `networks:` as a list of names, or a map of them to their settings (aliases).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Networks {
    // Names networks only: nothing in it for the checks to read.
    #[allow(dead_code)]
    List(Vec<String>),
    Map(BTreeMap<String, Option<Network>>),
}

/// A service's settings on one network.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Network {
    pub(super) aliases: Vec<String>,
}

/// `build: .` or `build: {context: ., dockerfile: Dockerfile}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Build {
    Context(String),
    Full {
        context: Option<String>,
        dockerfile: Option<String>,
    },
}

/// A command as compose takes it: one shell line, or an exec list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Words {
    Line(String),
    List(Vec<String>),
}

impl Words {
    /// The words, a shell line split at white space.
    pub(super) fn words(&self) -> Vec<String> {
        match self {
            Words::Line(line) => line.split_whitespace().map(str::to_owned).collect(),
            Words::List(words) => words.clone(),
        }
    }
}

/// `environment:` as a map, or as a list of `NAME=value`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Environment {
    Map(BTreeMap<String, serde_json::Value>),
    List(Vec<String>),
}

impl Environment {
    /// The variables' names.
    pub(super) fn names(&self) -> Vec<String> {
        match self {
            Environment::Map(vars) => vars.keys().cloned().collect(),
            Environment::List(vars) => vars
                .iter()
                .map(|v| v.split('=').next().unwrap_or(v).to_owned())
                .collect(),
        }
    }

    /// One variable's value as text.
    pub(super) fn get(&self, name: &str) -> Option<String> {
        match self {
            Environment::Map(vars) => vars.get(name).map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            Environment::List(vars) => vars.iter().find_map(|v| {
                let (key, value) = v.split_once('=')?;
                (key == name).then(|| value.to_owned())
            }),
        }
    }
}

/// `depends_on:` as a bare list (which waits for nothing), or with conditions.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum DependsOn {
    List(Vec<String>),
    Map(BTreeMap<String, Dependency>),
}

/// One dependency's `condition:` (service_healthy, service_completed_successfully...).
#[derive(Debug, Deserialize)]
pub(super) struct Dependency {
    pub(super) condition: Option<String>,
}

/// `healthcheck:`, its `test` and whether it is disabled.
#[derive(Debug, Deserialize)]
pub(super) struct Healthcheck {
    pub(super) test: Option<Words>,
    #[serde(default)]
    pub(super) disable: bool,
}

impl Healthcheck {
    /// The program the check runs, unless the check is disabled or empty.
    pub(super) fn program(&self) -> Option<String> {
        if self.disable {
            return None;
        }
        let words = self.test.as_ref()?.words();
        let first = |line: &str| line.split_whitespace().next().map(str::to_owned);
        match words.first().map(String::as_str) {
            Some("NONE") | None => None,
            Some("CMD") => words.get(1).cloned(),
            Some("CMD-SHELL") => first(words.get(1)?),
            Some(_) => match &self.test {
                Some(Words::Line(line)) => first(line),
                _ => None,
            },
        }
    }

    /// The test as one line, for messages and for finding the URL it probes.
    pub(super) fn text(&self) -> String {
        self.test
            .as_ref()
            .map(Words::words)
            .unwrap_or_default()
            .join(" ")
    }
}

impl Service {
    /// A tally process: built from the repository, or running the image built from it.
    pub(super) fn is_tally(&self) -> bool {
        self.build.is_some()
            || self
                .image
                .as_deref()
                .is_some_and(|image| image.split(':').next() == Some("tally"))
    }

    /// Runs once and exits; compose does not restart it.
    pub(super) fn is_one_shot(&self) -> bool {
        self.restart.as_deref() == Some("no")
    }

    /// Has a healthcheck that runs something.
    pub(super) fn is_healthchecked(&self) -> bool {
        self.healthcheck
            .as_ref()
            .is_some_and(|h| h.program().is_some())
    }

    /// The names of the variables the service gets.
    pub(super) fn env_names(&self) -> Vec<String> {
        self.environment
            .as_ref()
            .map(Environment::names)
            .unwrap_or_default()
    }

    /// The value of one variable, numbers and booleans as written.
    pub(super) fn env(&self, name: &str) -> Option<String> {
        self.environment.as_ref()?.get(name)
    }

    /// The words of the command, with the subcommand path first (`migrate up`).
    pub(super) fn command_words(&self) -> Vec<String> {
        self.command.as_ref().map(Words::words).unwrap_or_default()
    }

    /// Whether other containers reach this one as `host`: its name or an alias.
    pub(super) fn answers_to(&self, name: &str, host: &str) -> bool {
        name == host
            || matches!(&self.networks, Some(Networks::Map(networks)) if networks
                .values()
                .flatten()
                .any(|n| n.aliases.iter().any(|a| a == host)))
    }

    /// Every service this one depends on, with the condition it waits for.
    pub(super) fn dependencies(&self) -> Vec<(String, Option<String>)> {
        match &self.depends_on {
            None => Vec::new(),
            Some(DependsOn::List(names)) => names.iter().map(|n| (n.clone(), None)).collect(),
            Some(DependsOn::Map(deps)) => deps
                .iter()
                .map(|(name, d)| (name.clone(), d.condition.clone()))
                .collect(),
        }
    }
}

/// docker-compose.yml, parsed; a file that does not parse fails the test that reads it.
pub(super) fn compose() -> Compose {
    serde_saphyr::from_str(&read("docker-compose.yml"))
        .unwrap_or_else(|e| panic!("docker-compose.yml does not parse: {e}"))
}

/// What prometheus/prometheus.yml scrapes, as far as this check reads it.
#[derive(Debug, Deserialize)]
pub(super) struct Scrapes {
    pub(super) scrape_configs: Vec<ScrapeConfig>,
}

/// One scrape job: its static targets and the names it resolves in DNS.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ScrapeConfig {
    pub(super) job_name: String,
    pub(super) static_configs: Vec<StaticTargets>,
    pub(super) dns_sd_configs: Vec<DnsTargets>,
}

/// `static_configs`: `host:port` targets.
#[derive(Debug, Deserialize)]
pub(super) struct StaticTargets {
    pub(super) targets: Vec<String>,
}

/// `dns_sd_configs`: names whose every A record is scraped on `port`.
#[derive(Debug, Deserialize)]
pub(super) struct DnsTargets {
    pub(super) names: Vec<String>,
    pub(super) port: u16,
}

/// prometheus/prometheus.yml, parsed.
pub(super) fn scrapes() -> Scrapes {
    serde_saphyr::from_str(&read("prometheus/prometheus.yml"))
        .unwrap_or_else(|e| panic!("prometheus/prometheus.yml does not parse: {e}"))
}

/// The variables compose interpolates: `${NAME}`, `${NAME:-default}`, `$NAME`; `$$` is
/// a literal dollar for the container. Comment lines are not interpolated.
pub(super) fn interpolated(compose: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in compose.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let mut rest = line;
        while let Some(at) = rest.find('$') {
            let after = &rest[at + 1..];
            if let Some(escaped) = after.strip_prefix('$') {
                rest = escaped;
                continue;
            }
            let body = after.strip_prefix('{').unwrap_or(after);
            let end = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(body.len());
            if end > 0 && !body.starts_with(|c: char| c.is_ascii_digit()) {
                names.insert(body[..end].to_owned());
            }
            rest = &body[end..];
        }
    }
    names
}

#[test]
fn interpolation_is_found_and_escapes_are_not() {
    let found =
        interpolated("a: ${ONE}\nb: ${TWO:-x} $THREE $$NOT_ME\n# ${NOR_ME}\nc: \"$${ESCAPED}\"");
    let expected: BTreeSet<String> = ["ONE", "THREE", "TWO"].map(str::to_owned).into();
    assert_eq!(found, expected);
}
