//! Hostile input, end to end and against Postgres itself.
//!
//! Every record of a corpus of malformed input (encodings, NUL bytes, nesting, number
//! ranges, wrong types, sizes, duplicate and missing fields, shapes, leap seconds, times
//! outside the window, what `jsonb` refuses) goes through the embedded Kafka into a real
//! ingest and must be accounted for exactly once: an `events` row, a dropped duplicate,
//! or a dead letter at its offset with the reason `docs/events.md` documents. And the
//! decoder's `event_data` checks are held against Postgres's own `jsonb` input: what the
//! decoder accepts Postgres stores, what it refuses Postgres refuses.

// A panic in a test is a failed assertion with its message.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use ingest::{Ingest, IngestConfig};
use ingest::{Limits, decode};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use schema::DeadLetterReason as Reason;
use schema::EventType;
use simulate::{EmbeddedKafka, Expect, Record, produce};
use testkit::TestDb;
use uuid::Uuid;

const ORG: i64 = 7;
const CAMPAIGN: i64 = 4211;
/// Another organization, with a campaign that is not `ORG`'s.
const OTHER_ORG: i64 = 8;
const OTHER_CAMPAIGN: i64 = 5000;

/// What must become of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// One `events` row with this id, on this UTC day.
    Stored { event_id: Uuid, day: NaiveDate },
    /// Dropped: the same `(event_id, occurred_at)` as an earlier stored record.
    Duplicate { event_id: Uuid },
    /// A dead letter at the record's offset.
    Dead(Reason),
}

struct Case {
    what: String,
    payload: Vec<u8>,
    outcome: Outcome,
    /// Text the dead letter's detail must contain.
    detail: String,
    /// The exact `occurred_at` a stored row must have, when the case is about time.
    occurred_at: Option<DateTime<Utc>>,
}

/// A valid event as a list of JSON members, to be spoiled one way or another.
#[derive(Clone)]
struct Event {
    id: Uuid,
    /// Raw JSON key text (with quotes) and raw value text, in order.
    members: Vec<(String, String)>,
}

impl Event {
    fn new(at: &str) -> Event {
        let id = Uuid::new_v4();
        let members = [
            ("event_id", format!("\"{id}\"")),
            ("organization_id", ORG.to_string()),
            ("campaign_id", CAMPAIGN.to_string()),
            ("contact_id", "991827".to_owned()),
            ("event_type", "\"CLICK\"".to_owned()),
            ("occurred_at", format!("\"{at}\"")),
            ("ip_address", "\"203.0.113.7\"".to_owned()),
            (
                "event_data",
                r#"{"url": "https://example.com/offer"}"#.to_owned(),
            ),
        ];
        Event {
            id,
            members: members
                .into_iter()
                .map(|(k, v)| (format!("\"{k}\""), v))
                .collect(),
        }
    }

    /// Replaces a field's value text, in place.
    fn set(mut self, field: &str, value: &str) -> Event {
        let key = format!("\"{field}\"");
        let member = self.members.iter_mut().find(|(k, _)| *k == key).unwrap();
        member.1 = value.to_owned();
        self
    }

    /// Replaces the last member's value.
    fn set_last(mut self, value: &str) -> Event {
        self.members.last_mut().unwrap().1 = value.to_owned();
        self
    }

    fn without(mut self, field: &str) -> Event {
        let key = format!("\"{field}\"");
        self.members.retain(|(k, _)| *k != key);
        self
    }

    /// Adds a member at the end; `key` is raw JSON text.
    fn with(mut self, key: &str, value: &str) -> Event {
        self.members.push((key.to_owned(), value.to_owned()));
        self
    }

    fn json(&self) -> String {
        let members: Vec<String> = self
            .members
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!("{{{}}}", members.join(", "))
    }

    fn bytes(&self) -> Vec<u8> {
        self.json().into_bytes()
    }
}

/// `json` with the text `marker` (which it holds once) replaced by raw bytes.
fn splice(json: &str, marker: &str, bytes: &[u8]) -> Vec<u8> {
    let at = json.find(marker).unwrap();
    assert_eq!(json.matches(marker).count(), 1, "{marker} in {json}");
    let mut out = json.as_bytes()[..at].to_vec();
    out.extend_from_slice(bytes);
    out.extend_from_slice(&json.as_bytes()[at + marker.len()..]);
    out
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

struct Corpus {
    /// `occurred_at` of the ordinary valid records, an hour ago.
    at: DateTime<Utc>,
    /// A day two days ago, for the records about time of day.
    past: NaiveDate,
    cases: Vec<Case>,
}

impl Corpus {
    fn new() -> Corpus {
        let now = Utc::now();
        let at = DateTime::parse_from_rfc3339(&rfc3339(now - TimeDelta::hours(1)))
            .unwrap()
            .with_timezone(&Utc);
        Corpus {
            at,
            past: (now - TimeDelta::days(2)).date_naive(),
            cases: Vec::new(),
        }
    }

    fn event(&self) -> Event {
        Event::new(&rfc3339(self.at))
    }

    fn push(&mut self, what: String, payload: Vec<u8>, outcome: Outcome, detail: &str) {
        self.cases.push(Case {
            what,
            payload,
            outcome,
            detail: detail.to_owned(),
            occurred_at: None,
        });
    }

    fn stored(&mut self, what: impl Into<String>, e: &Event) {
        let outcome = Outcome::Stored {
            event_id: e.id,
            day: self.at.date_naive(),
        };
        self.push(what.into(), e.bytes(), outcome, "");
    }

    /// Stored with exactly this `occurred_at` (and on its UTC day).
    fn stored_at(&mut self, what: impl Into<String>, e: &Event, occurred_at: DateTime<Utc>) {
        let outcome = Outcome::Stored {
            event_id: e.id,
            day: occurred_at.date_naive(),
        };
        self.push(what.into(), e.bytes(), outcome, "");
        self.cases.last_mut().unwrap().occurred_at = Some(occurred_at);
    }

    fn duplicate(&mut self, what: impl Into<String>, e: &Event) {
        let outcome = Outcome::Duplicate { event_id: e.id };
        self.push(what.into(), e.bytes(), outcome, "");
    }

    fn dead(&mut self, what: impl Into<String>, payload: Vec<u8>, reason: Reason, detail: &str) {
        self.push(what.into(), payload, Outcome::Dead(reason), detail);
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.cases.iter().filter(|c| f(&c.outcome)).count()
    }
}

/// Malformed UTF-8 sequences, each also placed where no parser reads it.
const BAD_UTF8: [(&str, &[u8]); 10] = [
    ("a lone continuation byte", b"\x80"),
    ("a lead byte cut short", b"\xc3"),
    ("an overlong two-byte '/'", b"\xc0\xaf"),
    ("an overlong three-byte '/'", b"\xe0\x80\xaf"),
    ("an overlong four-byte '/'", b"\xf0\x80\x80\xaf"),
    ("a surrogate in UTF-8 (CESU-8)", b"\xed\xa0\xbd\xed\xb8\x80"),
    ("a code point past U+10FFFF", b"\xf4\x90\x80\x80"),
    ("a byte never valid in UTF-8", b"\xff"),
    ("Latin-1 'e acute'", b"\xe9"),
    ("a five-byte sequence", b"\xf8\x88\x80\x80\x80"),
];

fn encoding(c: &mut Corpus) {
    let base = c.event().with("\"note\"", "\"caf\u{e9}\"");
    let json = base.json();
    c.stored("valid non-ASCII in an unknown field", &base);
    // One bad byte at every position: never a bad field, always bad JSON.
    for at in 0..json.len() {
        if json.as_bytes()[at] & 0xc0 == 0x80 {
            continue;
        }
        let mut bytes = json.clone().into_bytes();
        bytes[at] = 0xff;
        let detail = format!("invalid UTF-8 at byte {at}");
        c.dead(
            format!("0xff at byte {at}"),
            bytes,
            Reason::MalformedJson,
            &detail,
        );
    }
    for (name, bad) in BAD_UTF8 {
        for (place, field, value) in [
            ("an unknown field", "\"note\"", "\"<bad>\""),
            ("event_data", "event_data", r#"{"ua": "<bad>"}"#),
            ("event_type", "event_type", "\"CL<bad>ICK\""),
            ("a key of event_data", "event_data", r#"{"<bad>": 1}"#),
        ] {
            let e = if field.starts_with('"') {
                c.event().with(field, value)
            } else {
                c.event().set(field, value)
            };
            let json = e.json();
            let at = json.find("<bad>").unwrap();
            let detail = format!("invalid UTF-8 at byte {at}");
            c.dead(
                format!("{name} in {place}"),
                splice(&json, "<bad>", bad),
                Reason::MalformedJson,
                &detail,
            );
        }
        let json = c.event().json();
        let mut bytes = json.into_bytes();
        bytes.extend_from_slice(bad);
        c.dead(
            format!("{name} after the object"),
            bytes,
            Reason::MalformedJson,
            "invalid UTF-8",
        );
    }
    let json = c.event().json();
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(json.as_bytes());
    c.dead(
        "a UTF-8 byte order mark",
        bom,
        Reason::MalformedJson,
        "line 1",
    );
    let utf16le: Vec<u8> = json.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16be: Vec<u8> = json.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let utf32le: Vec<u8> = json
        .chars()
        .flat_map(|ch| (ch as u32).to_le_bytes())
        .collect();
    let mut utf16_bom = b"\xff\xfe".to_vec();
    utf16_bom.extend_from_slice(&utf16le);
    for (name, bytes, detail) in [
        ("UTF-16LE", utf16le, "line 1"),
        ("UTF-16BE", utf16be, "line 1"),
        ("UTF-32LE", utf32le, "line 1"),
        (
            "UTF-16LE with its byte order mark",
            utf16_bom,
            "invalid UTF-8 at byte 0",
        ),
    ] {
        c.dead(name, bytes, Reason::MalformedJson, detail);
    }
    for (name, data) in [
        (
            "a byte order mark inside a string",
            "{\"a\": \"\u{feff}x\"}",
        ),
        ("a four-byte character", "{\"a\": \"\u{1f600}\"}"),
        ("U+FFFF", "{\"a\": \"\u{ffff}\"}"),
        ("U+10FFFF", "{\"a\": \"\u{10ffff}\"}"),
        ("an escaped non-ASCII character", r#"{"a": "caf\u00e9"}"#),
        (
            "right-to-left and zero-width marks",
            "{\"\u{202e}\": \"\u{200b}\"}",
        ),
    ] {
        let e = c.event().set("event_data", data);
        c.stored(format!("event_data with {name}"), &e);
    }
}

fn nul_bytes(c: &mut Corpus) {
    let json = c.event().json();
    for (name, bytes) in [
        (
            "a raw NUL in event_data",
            splice(&json, "example.com", b"exa\0mple.com"),
        ),
        (
            "a raw NUL between members",
            splice(&json, ", \"organization_id\"", b",\0 \"organization_id\""),
        ),
        (
            "a raw NUL after the object",
            [json.as_bytes(), b"\0"].concat(),
        ),
        (
            "a raw NUL before the object",
            [b"\0", json.as_bytes()].concat(),
        ),
        ("a lone NUL", b"\0".to_vec()),
    ] {
        c.dead(name, bytes, Reason::MalformedJson, "line 1");
    }
    let e = c.event().with("\"note\"", "\"a\0b\"");
    c.dead(
        "a raw NUL in an unknown field",
        e.bytes(),
        Reason::MalformedJson,
        "control character",
    );
    let escaped = r"\u0000";
    for (field, value, reason) in [
        ("event_data", r#"{"a": "x\u0000"}"#, Reason::InvalidField),
        ("event_data", r#"{"\u0000": 1}"#, Reason::InvalidField),
        ("event_type", r#""CLICK\u0000""#, Reason::UnknownEventType),
        ("event_id", r#""\u0000""#, Reason::InvalidField),
        ("occurred_at", r#""\u0000""#, Reason::InvalidField),
        ("ip_address", r#""203.0.113.7\u0000""#, Reason::InvalidField),
    ] {
        let e = c.event().set(field, value);
        c.dead(
            format!("{escaped} in {field}: {value}"),
            e.bytes(),
            reason,
            field,
        );
    }
    let e = c.event().with("\"note\"", r#""x\u0000""#);
    c.stored("an escaped NUL in an unknown field", &e);
    let e = c.event().with(r#""no\u0000te""#, "1");
    c.stored("an escaped NUL in an unknown key", &e);
    let e = c.event().set("event_data", r#"{"a": "\\u0000"}"#);
    c.stored("an escaped backslash before u0000 in event_data", &e);
}

fn nesting(c: &mut Corpus) {
    let arrays = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let limit = Limits::default().max_event_data_bytes;
    // `{"a": ` + arrays + `}` fills event_data to the byte.
    let deepest = (limit - 7) / 2;
    for depth in [126, 127, 128, 129, 1_000, deepest] {
        let e = c
            .event()
            .set("event_data", &format!("{{\"a\": {}}}", arrays(depth)));
        c.stored(format!("event_data {depth} arrays deep"), &e);
    }
    let objects = format!("{}1{}", "{\"a\": ".repeat(2_000), "}".repeat(2_000));
    let e = c.event().set("event_data", &objects);
    c.stored("event_data 2000 objects deep", &e);
    let e = c
        .event()
        .set("event_data", &format!("{{\"a\": {}}}", arrays(deepest + 1)));
    c.dead(
        "event_data one level deeper than its limit allows",
        e.bytes(),
        Reason::EventDataTooLarge,
        "16385 bytes",
    );
    let e = c
        .event()
        .set("event_data", &format!("{{\"a\": {}", "[".repeat(300)));
    c.dead(
        "event_data nested and never closed",
        e.bytes(),
        Reason::MalformedJson,
        "expected value",
    );
    // Values skipped unread are never too deep for the parser.
    let e = c.event().with("\"deep\"", &arrays(20_000));
    c.stored("an unknown field 20000 arrays deep", &e);
    let e = c.event().set("campaign_id", &arrays(500));
    c.dead(
        "campaign_id 500 arrays deep",
        e.bytes(),
        Reason::InvalidField,
        "campaign_id: expected a positive integer",
    );
    let json = c.event().json();
    c.dead(
        "the event inside 200 arrays",
        format!("{}{json}{}", "[".repeat(200), "]".repeat(200)).into_bytes(),
        Reason::MalformedJson,
        "line 1",
    );
}

fn numbers(c: &mut Corpus) {
    for field in ["organization_id", "campaign_id", "contact_id"] {
        for value in [
            "0",
            "-1",
            "-0",
            "0.0",
            "9223372036854775808",
            "18446744073709551616",
            "-9223372036854775808",
            "1e400",
            "-1e400",
            "1e309",
            "7.0",
            "1.5",
            "7e0",
            "1E2",
            "\"7\"",
            "\"\"",
        ] {
            let e = c.event().set(field, value);
            let expected = format!("{field}: expected a positive integer no larger than 2^63-1");
            c.dead(
                format!("{field} {value}"),
                e.bytes(),
                Reason::InvalidField,
                &expected,
            );
        }
        for value in [
            "07", "+7", ".5", "7.", "NaN", "Infinity", "-", "0x7", "1e", "--1", "7e+",
        ] {
            let e = c.event().set(field, value);
            c.dead(
                format!("{field} {value}"),
                e.bytes(),
                Reason::MalformedJson,
                "line 1",
            );
        }
    }
    let e = c.event().set("campaign_id", "1e400");
    c.dead(
        "campaign_id 1e400, named exactly",
        e.bytes(),
        Reason::InvalidField,
        "campaign_id: expected a positive integer no larger than 2^63-1, got the number 1e400",
    );
    let e = c.event().set("contact_id", "9223372036854775807");
    c.stored("contact_id 2^63-1", &e);
    let e = c.event().set("organization_id", "9223372036854775807");
    c.dead(
        "organization_id 2^63-1",
        e.bytes(),
        Reason::UnknownOrganization,
        "",
    );
    let e = c.event().set("campaign_id", "9223372036854775807");
    c.dead("campaign_id 2^63-1", e.bytes(), Reason::UnknownCampaign, "");
    let e = c.event().with("\"big\"", "[1e400, -1e400, 1e999999999]");
    c.stored("numbers out of f64's range in an unknown field", &e);
}

fn wrong_types(c: &mut Corpus) {
    let fields = [
        "event_id",
        "organization_id",
        "campaign_id",
        "contact_id",
        "event_type",
        "occurred_at",
        "ip_address",
        "event_data",
    ];
    let values = [
        "null",
        "true",
        "false",
        "0",
        "1.5",
        "\"str\"",
        "\"\"",
        "[]",
        "{}",
        "[1]",
        "{\"a\": 1}",
    ];
    for field in fields {
        for value in values {
            let e = c.event().set(field, value);
            let what = format!("{field}: {value}");
            match (field, value) {
                ("event_type", "\"str\"" | "\"\"") => {
                    c.dead(what, e.bytes(), Reason::UnknownEventType, "event_type")
                }
                ("ip_address", "null") | ("event_data", "null" | "{}" | "{\"a\": 1}") => {
                    c.stored(what, &e)
                }
                _ => c.dead(what, e.bytes(), Reason::InvalidField, field),
            }
        }
    }
    for (field, value) in [
        ("event_id", "\"{01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40}\""),
        ("event_id", "\"01936d3e7f1a7c3e9a512f0c1d2e3f40\""),
        ("ip_address", "\"203.0.113.7:80\""),
        ("ip_address", "\"fe80::1%eth0\""),
        ("ip_address", "\"10.0.0.0/8\""),
    ] {
        let e = c.event().set(field, value);
        c.dead(
            format!("{field}: {value}"),
            e.bytes(),
            Reason::InvalidField,
            field,
        );
    }
    for (name, value) in [
        ("lower case", "\"click\""),
        ("padded", "\" CLICK\""),
        ("10000 characters", &format!("\"{}\"", "x".repeat(10_000))),
    ] {
        let e = c.event().set("event_type", value);
        c.dead(
            format!("event_type {name}"),
            e.bytes(),
            Reason::UnknownEventType,
            "event_type",
        );
    }
    let e = c.event().set("event_type", r#""CL\u0049CK""#);
    c.stored("event_type spelled with an escape", &e);
    let e = c.event().set("ip_address", "\"::ffff:203.0.113.7\"");
    c.stored("an IPv4-mapped IPv6 address", &e);
    let upper = Uuid::new_v4();
    let mut e = c.event().set(
        "event_id",
        &format!("\"{}\"", upper.hyphenated().to_string().to_uppercase()),
    );
    e.id = upper;
    c.stored("event_id in upper case", &e);
}

fn sizes(c: &mut Corpus) {
    let limits = Limits::default();
    // An unknown field pads the record to an exact size.
    let padded = |c: &Corpus, size: usize| {
        let e = c.event().with("\"pad\"", "\"\"");
        let room = size - e.json().len();
        e.set_last(&format!("\"{}\"", "p".repeat(room)))
    };
    let e = padded(c, limits.max_payload_bytes);
    assert_eq!(e.json().len(), limits.max_payload_bytes);
    c.stored("a payload of exactly 64 KiB", &e);
    let e = padded(c, limits.max_payload_bytes + 1);
    c.dead(
        "a payload one byte over 64 KiB",
        e.bytes(),
        Reason::PayloadTooLarge,
        "65537 bytes",
    );
    let e = c.event();
    let spaced = format!(
        "{}{}",
        e.json(),
        " ".repeat(limits.max_payload_bytes - e.json().len())
    );
    let outcome = Outcome::Stored {
        event_id: e.id,
        day: c.at.date_naive(),
    };
    c.push(
        "whitespace up to 64 KiB".into(),
        spaced.clone().into_bytes(),
        outcome,
        "",
    );
    c.dead(
        "whitespace to one byte over 64 KiB",
        format!("{spaced} ").into_bytes(),
        Reason::PayloadTooLarge,
        "65537 bytes",
    );
    c.dead(
        "300 KB of garbage",
        vec![b'{'; 300_000],
        Reason::PayloadTooLarge,
        "300000 bytes",
    );
    let data = |len: usize| format!("{{\"a\": \"{}\"}}", "x".repeat(len - 9));
    let e = c
        .event()
        .set("event_data", &data(limits.max_event_data_bytes));
    c.stored("event_data of exactly 16 KiB", &e);
    let e = c
        .event()
        .set("event_data", &data(limits.max_event_data_bytes + 1));
    c.dead(
        "event_data one byte over 16 KiB",
        e.bytes(),
        Reason::EventDataTooLarge,
        "16385 bytes, over the limit of 16384",
    );
    let e = c.event().set("event_data", &data(40_000));
    c.dead(
        "event_data of 40 KB",
        e.bytes(),
        Reason::EventDataTooLarge,
        "40000 bytes",
    );
    // Both limits broken: the payload's wins, before parsing.
    let e = c.event().set("event_data", &data(70_000));
    c.dead(
        "event_data of 70 KB",
        e.bytes(),
        Reason::PayloadTooLarge,
        "",
    );
}

fn duplicate_and_missing_fields(c: &mut Corpus) {
    let e = c.event();
    for (key, value) in e.members.clone() {
        let twice = c.event().with(&key, &value);
        let name = key.trim_matches('"');
        let detail = format!("duplicate field {name}");
        c.dead(
            format!("{name} twice"),
            twice.bytes(),
            Reason::InvalidField,
            &detail,
        );
    }
    let e = c.event().with(r#""event\u005fid""#, "\"x\"");
    c.dead(
        "event_id twice, once spelled with an escape",
        e.bytes(),
        Reason::InvalidField,
        "duplicate field event_id",
    );
    let e = c.event().with("\"x\"", "1").with("\"x\"", "2");
    c.dead(
        "an unknown field twice",
        e.bytes(),
        Reason::InvalidField,
        "duplicate field \"x\"",
    );
    for field in [
        "event_id",
        "organization_id",
        "campaign_id",
        "contact_id",
        "event_type",
        "occurred_at",
    ] {
        let e = c.event().without(field);
        let detail = format!("missing required field {field}");
        c.dead(
            format!("no {field}"),
            e.bytes(),
            Reason::MissingField,
            &detail,
        );
    }
    for field in ["ip_address", "event_data"] {
        let e = c.event().without(field);
        c.stored(format!("no {field}"), &e);
    }
    c.dead(
        "an empty object",
        b"{}".to_vec(),
        Reason::MissingField,
        "missing required fields event_id, organization_id",
    );
}

fn shapes(c: &mut Corpus) {
    let json = c.event().json();
    for (name, payload, detail) in [
        ("an empty payload", String::new(), "EOF"),
        ("whitespace only", " \n\t\r ".to_owned(), "EOF"),
        ("null", "null".to_owned(), "line 1"),
        ("true", "true".to_owned(), "line 1"),
        ("a number", "42".to_owned(), "line 1"),
        ("a string", "\"event\"".to_owned(), "line 1"),
        ("an empty array", "[]".to_owned(), "line 1"),
        ("the event in an array", format!("[{json}]"), "line 1"),
        ("an open brace", "{".to_owned(), "EOF"),
        ("a close brace", "}".to_owned(), "line 1"),
        (
            "trailing garbage",
            format!("{json} x"),
            "trailing characters",
        ),
        ("two events", format!("{json}{json}"), "trailing characters"),
        (
            "a trailing comma after",
            format!("{json},"),
            "trailing characters",
        ),
        (
            "a trailing comma inside",
            format!("{},}}", &json[..json.len() - 1]),
            "line 1",
        ),
        ("a comment", format!("/* event */ {json}"), "line 1"),
        ("single quotes", "{'event_id': 1}".to_owned(), "line 1"),
        ("a number as a key", "{1: 2}".to_owned(), "line 1"),
        ("cut short", json[..json.len() / 2].to_owned(), "EOF"),
    ] {
        c.dead(name, payload.into_bytes(), Reason::MalformedJson, detail);
    }
    let e = c.event();
    let outcome = Outcome::Stored {
        event_id: e.id,
        day: c.at.date_naive(),
    };
    let spaced = format!("\n\t {} \r\n", e.json());
    c.push(
        "whitespace around the object".into(),
        spaced.into_bytes(),
        outcome,
        "",
    );
}

fn times(c: &mut Corpus) {
    let day = c.past;
    let next = day.succ_opt().unwrap();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let last_microsecond = at(&format!("{day}T23:59:59.999999Z"));
    for written in [
        format!("{day}T23:59:60Z"),
        format!("{day}T23:59:60.5Z"),
        format!("{day}T23:59:60.999999999Z"),
        format!("{next}T00:59:60+01:00"),
    ] {
        let e = Event::new(&written);
        c.stored_at(format!("a leap second {written}"), &e, last_microsecond);
    }
    // One event written as the end of the second, then resent as its leap second.
    let e = Event::new(&format!("{day}T23:59:59.9999999Z"));
    c.stored_at(
        "the last instant before a leap second",
        &e,
        last_microsecond,
    );
    let resent = e
        .clone()
        .set("occurred_at", &format!("\"{day}T23:59:60Z\""));
    c.duplicate("the same event resent as its leap second", &resent);
    for (written, stored) in [
        ("10:00:00.1234567Z", "10:00:00.123456Z"),
        ("10:00:01.999999999Z", "10:00:01.999999Z"),
        ("10:00:02.00000000000000000001Z", "10:00:02Z"),
        ("12:00:03.5000009+02:00", "10:00:03.5Z"),
    ] {
        let e = Event::new(&format!("{day}T{written}"));
        c.stored_at(
            format!("nanoseconds {written}"),
            &e,
            at(&format!("{day}T{stored}")),
        );
    }
    let e = Event::new(&format!("{day}T11:00:00.1234561Z"));
    c.stored_at(
        "a time below the microsecond",
        &e,
        at(&format!("{day}T11:00:00.123456Z")),
    );
    let resent = e
        .clone()
        .set("occurred_at", &format!("\"{day}T11:00:00.1234569Z\""));
    c.duplicate("resent with other digits below the microsecond", &resent);

    let now = Utc::now();
    let recent = now - TimeDelta::days(700);
    let e = Event::new(&rfc3339(recent));
    c.stored_at("700 days old", &e, at(&rfc3339(recent)));
    let soon = now + TimeDelta::hours(20);
    let e = Event::new(&rfc3339(soon));
    c.stored_at("20 hours ahead", &e, at(&rfc3339(soon)));
    for written in [
        "2001-01-01T00:00:00Z".to_owned(),
        "2100-01-01T00:00:00Z".to_owned(),
        "0001-01-01T00:00:00Z".to_owned(),
        "9999-12-31T23:59:60Z".to_owned(),
        rfc3339(now - TimeDelta::days(731)),
        rfc3339(now + TimeDelta::days(2)),
    ] {
        let e = Event::new(&written);
        c.dead(
            format!("occurred_at {written}"),
            e.bytes(),
            Reason::OutOfWindow,
            "is outside the accepted window",
        );
    }
    for written in [
        format!("{day}T10:00:00"),
        format!("{day}T24:00:00Z"),
        format!("{day}T23:60:00Z"),
        format!("{day}T23:59:61Z"),
        format!("{day}T10:00:00+24:00"),
        "2026-02-30T00:00:00Z".to_owned(),
        format!("{day}"),
        "1795000000".to_owned(),
    ] {
        let e = Event::new(&written);
        c.dead(
            format!("occurred_at {written}"),
            e.bytes(),
            Reason::InvalidField,
            "occurred_at",
        );
    }
}

fn jsonb(c: &mut Corpus) {
    for (data, problem) in [
        (
            r#"{"a": "\ud800"}"#,
            r"unpaired UTF-16 surrogate escape \ud800",
        ),
        (
            r#"{"a": "\udc00"}"#,
            r"unpaired UTF-16 surrogate escape \udc00",
        ),
        (
            r#"{"a": "\ud83dx"}"#,
            r"unpaired UTF-16 surrogate escape \ud83d",
        ),
        (
            r#"{"\ud83d": 1}"#,
            r"unpaired UTF-16 surrogate escape \ud83d",
        ),
        (r#"{"a": "\u0000"}"#, r"contains the escape \u0000"),
    ] {
        let e = c.event().set("event_data", data);
        let detail = format!("event_data: {problem}, which Postgres jsonb cannot store");
        c.dead(
            format!("event_data {data}"),
            e.bytes(),
            Reason::InvalidField,
            &detail,
        );
    }
    for number in [
        "1e131072",
        "-1e131072",
        "1e-16384",
        "0e-1000000",
        "0.0e99999999999",
    ] {
        let e = c
            .event()
            .set("event_data", &format!("{{\"a\": [{number}]}}"));
        let detail = format!("event_data: number {number} is out of the range Postgres can store");
        c.dead(
            format!("event_data with {number}"),
            e.bytes(),
            Reason::InvalidField,
            &detail,
        );
    }
    for data in [
        r#"{"a": "\ud83d\ude00"}"#,
        r#"{"a": 1e131071}"#,
        r#"{"a": 1e-16383}"#,
        r#"{"a": 0e5000}"#,
        r#"{"a": 1e400}"#,
    ] {
        let e = c.event().set("event_data", data);
        c.stored(format!("event_data {data}"), &e);
    }
    let e = c.event().with("\"note\"", r#""\ud800""#);
    c.stored("an unpaired surrogate in an unknown field", &e);
    // serde_json refuses an unpaired surrogate in a string it decodes.
    let e = c.event().set("event_type", r#""\ud800""#);
    c.dead(
        "an unpaired surrogate in event_type",
        e.bytes(),
        Reason::MalformedJson,
        "line 1",
    );
}

fn catalog(c: &mut Corpus) {
    for (what, org, campaign, reason) in [
        (
            "an unknown organization",
            "9",
            "4211",
            Reason::UnknownOrganization,
        ),
        (
            "a campaign of another organization",
            "7",
            "5000",
            Reason::UnknownCampaign,
        ),
        ("an unknown campaign", "8", "4211", Reason::UnknownCampaign),
    ] {
        let e = c
            .event()
            .set("organization_id", org)
            .set("campaign_id", campaign);
        c.dead(what, e.bytes(), reason, "");
    }
    let e = c
        .event()
        .set("organization_id", &OTHER_ORG.to_string())
        .set("campaign_id", &OTHER_CAMPAIGN.to_string());
    c.stored("the other organization's own campaign", &e);
}

fn corpus() -> Corpus {
    let mut c = Corpus::new();
    let e = c.event();
    c.stored("the example", &e);
    encoding(&mut c);
    nul_bytes(&mut c);
    nesting(&mut c);
    numbers(&mut c);
    wrong_types(&mut c);
    sizes(&mut c);
    duplicate_and_missing_fields(&mut c);
    shapes(&mut c);
    times(&mut c);
    jsonb(&mut c);
    catalog(&mut c);
    c
}

async fn seed(client: &tokio_postgres::Client) {
    client
        .batch_execute(&format!(
            "INSERT INTO organizations (id, name) VALUES ({ORG}, 'Hostile'), ({OTHER_ORG}, 'Other');
             INSERT INTO campaigns (organization_id, id, name) VALUES
                 ({ORG}, {CAMPAIGN}, 'Spring'), ({OTHER_ORG}, {OTHER_CAMPAIGN}, 'Other')"
        ))
        .await
        .unwrap();
}

/// What the database holds for the topic: dead letters by offset, events by id.
struct Held {
    dead: HashMap<i64, (String, String, Vec<u8>)>,
    events: HashMap<Uuid, Vec<DateTime<Utc>>>,
}

async fn held(client: &tokio_postgres::Client, topic: &str) -> Held {
    let mut dead = HashMap::new();
    for row in client
        .query(
            "SELECT kafka_partition, kafka_offset, reason, coalesce(detail, ''), payload
             FROM dead_letters WHERE topic = $1",
            &[&topic],
        )
        .await
        .unwrap()
    {
        assert_eq!(row.get::<_, i32>(0), 0, "one partition");
        dead.insert(row.get(1), (row.get(2), row.get(3), row.get(4)));
    }
    let mut events: HashMap<Uuid, Vec<DateTime<Utc>>> = HashMap::new();
    for row in client
        .query("SELECT event_id, occurred_at FROM events", &[])
        .await
        .unwrap()
    {
        events.entry(row.get(0)).or_default().push(row.get(1));
    }
    Held { dead, events }
}

/// Every way a case's fate differs from its expectation.
fn problems(cases: &[Case], held: &Held) -> Vec<String> {
    let mut problems = Vec::new();
    for (offset, case) in cases.iter().enumerate() {
        let offset = offset as i64;
        let mut problem = |p: String| problems.push(format!("#{offset} ({}): {p}", case.what));
        let dead = held.dead.get(&offset);
        let event_id = match case.outcome {
            Outcome::Dead(reason) => {
                match dead {
                    None => problem(format!("not dead-lettered (expected {reason})")),
                    Some((got, detail, _)) if got != reason.as_str() => {
                        problem(format!("{got} instead of {reason}: {detail}"))
                    }
                    Some((_, detail, _)) if !detail.contains(&case.detail) => {
                        problem(format!("detail {detail:?} lacks {:?}", case.detail))
                    }
                    Some((_, _, payload)) if *payload != case.payload => {
                        problem("the dead letter's payload is not the record".into())
                    }
                    Some(_) => {}
                }
                continue;
            }
            Outcome::Stored { event_id, .. } | Outcome::Duplicate { event_id } => event_id,
        };
        if let Some((reason, detail, _)) = dead {
            problem(format!("dead-lettered as {reason}: {detail}"));
            continue;
        }
        match held.events.get(&event_id).map(Vec::as_slice) {
            Some([t]) => {
                if let Outcome::Stored { day, .. } = case.outcome
                    && t.date_naive() != day
                {
                    problem(format!("stored on {} instead of {day}", t.date_naive()));
                }
                if let Some(want) = case.occurred_at
                    && *t != want
                {
                    problem(format!("occurred_at {t:?} instead of {want:?}"));
                }
            }
            Some(rows) => problem(format!("{} rows for {event_id}", rows.len())),
            None => problem(format!("no row for {event_id}")),
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_records_are_each_stored_or_dead_lettered_once() {
    let corpus = corpus();
    let cases = &corpus.cases;
    let total = cases.len();
    assert!(total > 400, "{total} cases");
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    seed(&client).await;
    let kafka = EmbeddedKafka::start(1).unwrap();
    let topic = format!("hostile-{}", Uuid::new_v4().simple());
    // One partition: offset n is case n.
    kafka.create_topic(&topic, 1).unwrap();
    // produce() sends key and payload; the expectation is this test's to check.
    let records: Vec<Record> = cases
        .iter()
        .map(|case| Record {
            key: b"991827".to_vec(),
            payload: case.payload.clone(),
            expect: match case.outcome {
                Outcome::Stored { event_id, day } => Expect::Stored {
                    event_id,
                    organization_id: ORG,
                    campaign_id: CAMPAIGN,
                    event_type: EventType::Click,
                    day,
                },
                Outcome::Duplicate { event_id } => Expect::Duplicate { event_id },
                Outcome::Dead(reason) => Expect::DeadLetter { reason },
            },
        })
        .collect();
    let sent = produce(
        &kafka.bootstrap_servers(),
        &topic,
        records.into_iter(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(sent as usize, total);

    let mut config = IngestConfig::new(
        &kafka.bootstrap_servers(),
        &topic,
        "hostile",
        db.config().clone(),
    );
    config.batch_size = 100;
    config.batch_age = Duration::from_millis(50);
    let ingest = Ingest::start(config).await.unwrap();
    db.wait_committed(total as i64, Duration::from_secs(120))
        .await;
    let summary = ingest.stop().await;

    let held = held(&client, &topic).await;
    let problems = problems(cases, &held);
    assert!(
        problems.is_empty(),
        "{} of {total} records went astray:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let stored = corpus.count(|o| matches!(o, Outcome::Stored { .. }));
    let duplicates = corpus.count(|o| matches!(o, Outcome::Duplicate { .. }));
    let dead = corpus.count(|o| matches!(o, Outcome::Dead(_)));
    assert_eq!(stored + duplicates + dead, total);
    let rows: usize = held.events.values().map(Vec::len).sum();
    assert_eq!(rows, stored, "events rows");
    assert_eq!(held.dead.len(), dead, "dead letters");
    assert_eq!(summary.stored as usize, stored);
    assert_eq!(summary.duplicates as usize, duplicates);
    let mut by_reason: HashMap<Reason, u64> = HashMap::new();
    for case in cases {
        if let Outcome::Dead(reason) = case.outcome {
            *by_reason.entry(reason).or_default() += 1;
        }
    }
    let summary_dead: HashMap<Reason, u64> = summary.dead_letters.into_iter().collect();
    assert_eq!(summary_dead, by_reason);
}

/// The decoder's verdict on an `event_data` text: `Ok` when it accepts it, `Err` with
/// the detail when it refuses it as `jsonb` would.
fn verdict(data: &str) -> Result<(), String> {
    // Large limits, so that long numbers reach the jsonb checks.
    let limits = Limits {
        max_event_data_bytes: 1 << 20,
        max_payload_bytes: 1 << 21,
        ..Limits::default()
    };
    let record = Event::new("2026-11-21T10:00:00Z")
        .set("event_data", data)
        .json();
    let now = DateTime::parse_from_rfc3339("2026-11-21T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    match decode(record.as_bytes(), &limits, now) {
        Ok(_) => Ok(()),
        Err(r) if r.reason == Reason::InvalidField && r.detail.starts_with("event_data: ") => {
            Err(r.detail)
        }
        Err(r) => panic!("{data}: not a jsonb verdict: {r}"),
    }
}

/// event_data texts at every edge of what `jsonb` accepts.
fn edges() -> Vec<String> {
    let mut texts = Vec::new();
    let numbers = [
        "0",
        "-0",
        "1",
        "-1",
        "0.5",
        "1e400",
        "1e131071",
        "1e131072",
        "-1e131071",
        "-1e131072",
        "10e131070",
        "10e131071",
        "9.9e131071",
        "0.0001e131075",
        "0.0001e131076",
        "1E+131071",
        "1e-16383",
        "1e-16384",
        "0.5e-16382",
        "0.5e-16383",
        "15e-16383",
        "15e-16384",
        "1.0e-16382",
        "1.00e-16382",
        "0e-16383",
        "0e-16384",
        "0e-1000000",
        "0e5000",
        "0e1073741822",
        "0e1073741823",
        "0e-1073741822",
        "1e1073741822",
        "0.0e99999999999",
        "1e99999999999999999999999",
        "1e-0000000000000000000001",
        "0e+0000000000000000000005",
        "123456789012345678901234567890e131041",
        "123456789012345678901234567890e131042",
    ];
    for n in numbers {
        texts.push(format!("{{\"n\": {n}}}"));
        texts.push(format!("{{\"n\": [true, {n}, null]}}"));
    }
    let fraction =
        |digits: usize, last: char| format!("{{\"n\": 0.{}{last}}}", "0".repeat(digits - 1));
    for digits in [16_382, 16_383, 16_384] {
        texts.push(fraction(digits, '1'));
        texts.push(fraction(digits, '0'));
    }
    texts.push(format!("{{\"n\": 1{}}}", "0".repeat(131_071)));
    texts.push(format!("{{\"n\": 1{}}}", "0".repeat(131_072)));
    for s in [
        r"\u0000",
        r"\\u0000",
        r"\ud800",
        r"\udbff",
        r"\udc00",
        r"\udfff",
        r"\ud83d\ude00",
        r"\uD83D\uDE00",
        r"\udbff\udfff",
        r"\ud800\udc00",
        r"\ud83d",
        r"\ud83dx",
        r"x\ude00",
        r"\ud83d\ud83d\ude00",
        r"\ud83d\n",
        r"\ud83d\\ude00",
        r"\ud83d\u0041",
        r"\ud7ff\ue000",
        r"\uffff\ufffe",
        r"\u0001\u001f\u007f",
        r#"\"\ud800"#,
        r"\\\ud800",
    ] {
        texts.push(format!("{{\"s\": \"{s}\"}}"));
        texts.push(format!("{{\"{s}\": 1}}"));
    }
    let arrays = |n: usize| format!("{{\"a\": {}{}}}", "[".repeat(n), "]".repeat(n));
    texts.push(arrays(128));
    texts.push(arrays(8_188));
    texts
}

/// Seeded random numbers near the edges, and strings of random escapes.
fn random_texts(n: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(0x7a11);
    let mut texts = Vec::new();
    for _ in 0..n {
        let mut number = String::new();
        if rng.random_bool(0.3) {
            number.push('-');
        }
        let int_digits = rng.random_range(1..=6);
        if rng.random_bool(0.2) {
            number.push('0');
        } else {
            number.push(char::from(b'1' + rng.random_range(0..9)));
            for _ in 1..int_digits {
                number.push(char::from(b'0' + rng.random_range(0..10)));
            }
        }
        let mut fraction = 0;
        if rng.random_bool(0.5) {
            number.push('.');
            fraction = rng.random_range(1..=5);
            for _ in 0..fraction {
                let zero = rng.random_bool(0.4);
                number.push(char::from(
                    b'0' + if zero { 0 } else { rng.random_range(0..10) },
                ));
            }
        }
        let length = number.trim_start_matches('-').len() as i64;
        let exponent: i64 = match rng.random_range(0..5) {
            0 => 131_071 - length + rng.random_range(-3..=3),
            1 => fraction - 16_383 + rng.random_range(-3..=3),
            2 => {
                (1_073_741_823 + rng.random_range(-2..=2))
                    * if rng.random_bool(0.5) { 1 } else { -1 }
            }
            3 => rng.random_range(-400..=400),
            _ => rng.random_range(-200_000..=200_000),
        };
        let mark = if rng.random_bool(0.5) { 'e' } else { 'E' };
        let sign = match (exponent < 0, rng.random_bool(0.5)) {
            (true, _) => "-",
            (false, true) => "+",
            (false, false) => "",
        };
        let zeros = "0".repeat(rng.random_range(0..3));
        texts.push(format!(
            "{{\"n\": {number}{mark}{sign}{zeros}{}}}",
            exponent.abs()
        ));
    }
    for _ in 0..n {
        let mut s = String::new();
        for _ in 0..rng.random_range(1..=4) {
            let unit: u32 = match rng.random_range(0..7) {
                0 => rng.random_range(0xd800..=0xdbff),
                1 => rng.random_range(0xdc00..=0xdfff),
                2 => 0,
                3 => rng.random_range(0xe000..=0xffff),
                4 => rng.random_range(1..0xd800),
                5 => {
                    s.push('x');
                    continue;
                }
                _ => {
                    s.push_str(r"\n");
                    continue;
                }
            };
            let escape = format!(r"\u{unit:04x}");
            if rng.random_bool(0.5) {
                s.push_str(&escape.to_uppercase().replace(r"\U", r"\u"));
            } else {
                s.push_str(&escape);
            }
        }
        if rng.random_bool(0.5) {
            texts.push(format!("{{\"s\": \"{s}\"}}"));
        } else {
            texts.push(format!("{{\"{s}\": [1, \"{s}\"]}}"));
        }
    }
    texts
}

#[tokio::test]
async fn the_decoder_refuses_exactly_what_jsonb_refuses() {
    let db = TestDb::migrated().await;
    let client = db.connect().await;
    let statement = client.prepare("SELECT $1::text::jsonb").await.unwrap();
    let mut texts = edges();
    texts.extend(random_texts(400));
    let (mut accepted, mut refused) = (0, 0);
    let mut disagreements = Vec::new();
    for text in &texts {
        let postgres = client
            .query_one(&statement, &[text])
            .await
            .map_err(|e| schema::describe_pg_error(&e));
        let shown = |t: &str| t.chars().take(80).collect::<String>();
        match (verdict(text), postgres) {
            (Ok(()), Ok(_)) => accepted += 1,
            (Err(detail), Err(e)) => {
                // Refused for the reason the decoder names, not some other.
                let expected = if detail.contains("number") {
                    "SQLSTATE 22003"
                } else if detail.contains(r"\u0000") {
                    "SQLSTATE 22P05"
                } else {
                    "SQLSTATE 22P02"
                };
                if !e.contains(expected) {
                    disagreements.push(format!(
                        "{}: Postgres refused it with {e}, the decoder with {detail}",
                        shown(text)
                    ));
                }
                refused += 1;
            }
            (Ok(()), Err(e)) => disagreements.push(format!(
                "{}: accepted by the decoder, refused by Postgres: {e}",
                shown(text)
            )),
            (Err(detail), Ok(_)) => disagreements.push(format!(
                "{}: refused by the decoder ({detail}), accepted by Postgres",
                shown(text)
            )),
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} texts:\n{}",
        disagreements.len(),
        texts.len(),
        disagreements.join("\n")
    );
    // The corpus reaches both sides of the edges.
    assert!(
        accepted > 200 && refused > 200,
        "{accepted} accepted, {refused} refused"
    );
}
