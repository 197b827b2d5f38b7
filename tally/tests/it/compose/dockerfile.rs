//! Image references and the Dockerfile, read as lines and instructions.

/// Why `image` is not pinned to one exact version, or None when it is: a digest, or a
/// tag holding a full version (`16.15`, `v3.14.0`, `4.47`) or a date (`20260803`); a
/// Rust toolchain needs all three parts (`1.95.0`), `1.95` moves with patch releases.
pub(super) fn unpinned(image: &str) -> Option<String> {
    if let Some((_, digest)) = image.split_once("@sha256:") {
        let exact = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
        return (!exact).then(|| "its digest is not 64 hex digits".to_owned());
    }
    let name_start = image.rfind('/').map_or(0, |slash| slash + 1);
    let Some((name, tag)) = image[name_start..].split_once(':') else {
        return Some("it has no tag, which means `latest`, which moves".to_owned());
    };
    if tag.contains("latest") {
        return Some(format!("`{tag}` moves"));
    }
    let tokens: Vec<&str> = tag.split(['-', '_']).collect();
    let parts = |token: &str| -> Option<usize> {
        let digits = token.strip_prefix('v').unwrap_or(token);
        let parts: Vec<&str> = digits.split('.').collect();
        parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then_some(parts.len())
    };
    // A Rust toolchain: the image is rust itself, or a tag names it (`...-rust-1.95.0-...`).
    let rust_version = if name == "rust" {
        tokens.first().copied()
    } else {
        tokens
            .iter()
            .position(|t| *t == "rust")
            .and_then(|i| tokens.get(i + 1).copied())
    };
    if let Some(version) = rust_version
        && parts(version) != Some(3)
    {
        return Some(format!(
            "its Rust toolchain `{version}` is not an exact release (major.minor.patch)"
        ));
    }
    let exact = tokens.iter().any(|t| {
        parts(t).is_some_and(|n| n >= 2) || (t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()))
    });
    (!exact).then(|| format!("`{tag}` names no exact version, so it moves with new releases"))
}

/// One stage: `FROM image [AS name]` and what follows it.
#[derive(Debug)]
pub(super) struct Stage {
    pub(super) image: String,
    pub(super) name: Option<String>,
    /// Every instruction after FROM: (keyword in upper case, arguments).
    pub(super) instructions: Vec<(String, String)>,
}

impl Stage {
    /// The arguments of every `keyword` instruction of the stage, in order.
    pub(super) fn all(&self, keyword: &str) -> impl Iterator<Item = &str> {
        self.instructions
            .iter()
            .filter(move |(k, _)| k == keyword)
            .map(|(_, args)| args.as_str())
    }
}

/// Joins continued lines (a trailing `\`), drops comments and blank lines, and splits
/// the instructions into stages at each FROM.
pub(super) fn parse_dockerfile(text: &str) -> Vec<Stage> {
    let mut instructions: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                pending.push_str(head.trim_end());
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                instructions.push(std::mem::take(&mut pending));
            }
        }
    }
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in instructions {
        let (keyword, args) = instruction
            .split_once(char::is_whitespace)
            .unwrap_or((instruction.as_str(), ""));
        let keyword = keyword.to_ascii_uppercase();
        let args = args.trim().to_owned();
        if keyword == "FROM" {
            let words: Vec<&str> = args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match words.as_slice() {
                [_, r#as, name, ..] if r#as.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
                _ => None,
            };
            stages.push(Stage {
                image: words.first().map_or(String::new(), |w| (*w).to_owned()),
                name,
                instructions: Vec::new(),
            });
        } else if let Some(stage) = stages.last_mut() {
            stage.instructions.push((keyword, args));
        }
    }
    stages
}

/// The stage named `name` (`FROM ... AS name`).
pub(super) fn stage<'s>(stages: &'s [Stage], name: &str) -> Option<&'s Stage> {
    stages.iter().find(|s| s.name.as_deref() == Some(name))
}

/// The base image a stage stands on, through the stages it is built FROM.
pub(super) fn base_image<'s>(stages: &'s [Stage], mut current: &'s Stage) -> &'s str {
    while let Some(parent) = stage(stages, &current.image) {
        if std::ptr::eq(parent, current) {
            break;
        }
        current = parent;
    }
    &current.image
}

pub(super) fn version(text: &str) -> Vec<u32> {
    text.split('.').map_while(|p| p.parse().ok()).collect()
}

/// The Rust release a base image carries (`rust:1.95.0-...`, `...-rust-1.95.0-...`).
pub(super) fn rust_in(image: &str) -> Option<Vec<u32>> {
    let at = image.find("rust-").or_else(|| image.find("rust:"))?;
    let rest = &image[at + 5..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    Some(version(&rest[..end])).filter(|v| !v.is_empty())
}

/// The Debian release an image is built on, by number, from its tag's codename or
/// (for `debian:` itself) its version.
pub(super) fn debian_release(image: &str) -> Option<&'static str> {
    const CODENAMES: [(&str, &str); 3] = [("bookworm", "12"), ("trixie", "13"), ("forky", "14")];
    if let Some((_, number)) = CODENAMES.iter().find(|(name, _)| image.contains(name)) {
        return Some(number);
    }
    let tag = image.strip_prefix("debian:")?;
    let major = tag.split(['.', '-']).next()?;
    CODENAMES.iter().map(|(_, n)| *n).find(|n| *n == major)
}

#[test]
fn the_pin_check_refuses_moving_tags() {
    for pinned in [
        "postgres:16.15",
        "apache/kafka:4.2.0",
        "prom/prometheus:v3.14.0",
        "chrislusf/seaweedfs:4.47",
        "debian:13.5-slim",
        "debian:trixie-20260803-slim",
        "lukemathwalker/cargo-chef:0.1.77-rust-1.95.0-slim-trixie",
        "rust:1.95.0-slim-trixie",
        "registry.example:5000/team/app:1.2.3",
        "postgres@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        assert_eq!(unpinned(pinned), None, "{pinned} is pinned");
    }
    for moving in [
        "postgres",
        "postgres:16",
        "postgres:16-alpine",
        "postgres:latest",
        "debian:bookworm-slim",
        "rust:1.95-slim",
        "lukemathwalker/cargo-chef:0.1.77-rust-1.95-slim",
        "lukemathwalker/cargo-chef:latest-rust-1.95.0",
        "registry.example:5000/team/app",
        "postgres@sha256:abc",
    ] {
        assert!(unpinned(moving).is_some(), "{moving} moves");
    }
}

#[test]
fn the_dockerfile_is_read_as_stages_of_whole_instructions() {
    let stages = parse_dockerfile(
        "# syntax=docker/dockerfile:1\nFROM rust:1.95.0 AS build\nRUN cargo build \\\n    \
         # a comment inside\n    --release\nFROM build AS more\nFROM debian:13.5-slim\n\
         user 10001\nENTRYPOINT [\"tally\"]\n",
    );
    assert_eq!(stages.len(), 3);
    assert_eq!(stages[0].name.as_deref(), Some("build"));
    assert_eq!(
        stages[0].all("RUN").collect::<Vec<_>>(),
        ["cargo build --release"]
    );
    assert_eq!(base_image(&stages, &stages[1]), "rust:1.95.0");
    assert_eq!(rust_in("rust:1.95.0"), Some(vec![1, 95, 0]));
    assert_eq!(stages[2].all("USER").collect::<Vec<_>>(), ["10001"]);
    assert_eq!(debian_release("debian:13.5-slim"), Some("13"));
    assert_eq!(
        debian_release("x/chef:0.1.77-rust-1.95.0-slim-bookworm"),
        Some("12")
    );
}
