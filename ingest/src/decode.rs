//! Wire format decoding and validation: one Kafka record value (a JSON object) into a
//! [`schema::Event`], or a [`Rejection`] carrying the reason code stored in
//! `dead_letters.reason`.
//!
//! The payload's UTF-8 is checked once up front, then one pass over the text with a
//! hand-written serde visitor: no `serde_json::Value` intermediate, strings borrowed from
//! the payload when they have no escapes, and `event_data` captured verbatim as a
//! `RawValue` and scanned once for what Postgres's `jsonb` would refuse.
//! `docs/events.md` documents the rules.
//!
//! When a record breaks several rules, one reason wins, in this order: payload too large
//! (nothing is parsed), malformed JSON, the first bad field in the record's own order
//! (invalid field, unknown event type, event data too large), missing fields, and last
//! the time window. The rest of the record is still read after a bad field, so the
//! organization is reported whenever it can be read.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, SecondsFormat, TimeDelta, Timelike, Utc};
use serde::Deserializer as _;
use serde::de::{self, Deserialize, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use uuid::Uuid;

pub(crate) use schema::DeadLetterReason as Reason;
use schema::{CampaignId, ContactId, Event, EventType, OrganizationId, PgEnum};

/// Longest bad value quoted in a rejection's detail, in characters.
const DETAIL_VALUE_CHARS: usize = 120;

/// Every event type, for a detail; a test keeps it equal to `EventType::ALL`.
const EVENT_TYPES: &str = "SENT, OPEN, CLICK, BOUNCE, UNSUBSCRIBE, FORM_VIEW, FORM_SUBMIT";

/// Limits a record must respect; the defaults suit production.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Oldest accepted `occurred_at`, before the decoder's `now` (default 730 days: the
    /// archive horizon, whose partitions no longer exist).
    pub max_age: TimeDelta,
    /// Furthest accepted `occurred_at` after `now` (default 1 day: clock skew).
    pub max_ahead: TimeDelta,
    /// Largest accepted `event_data`, in bytes of its JSON text (default 16 KiB).
    pub max_event_data_bytes: usize,
    /// Largest accepted record value, in bytes (default 64 KiB); checked before parsing.
    pub max_payload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_age: TimeDelta::days(730),
            max_ahead: TimeDelta::days(1),
            max_event_data_bytes: 16 * 1024,
            max_payload_bytes: 64 * 1024,
        }
    }
}

/// A refused record: why, a human detail naming the field and the bad value (values
/// truncated to about 120 characters), and the organization when it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The reason code.
    pub reason: Reason,
    /// What was wrong, for the operator reading `dead_letters.detail`.
    pub detail: String,
    /// The record's organization, when it was read before or despite the failure.
    pub organization_id: Option<i64>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.detail)
    }
}

impl std::error::Error for Rejection {}

/// A record that passed: the event and how many unknown top-level fields were ignored.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The validated event.
    pub event: Event,
    /// Top-level fields the wire format does not define, skipped.
    pub unknown_fields: u32,
}

/// Decodes and validates one record value against `limits`, with `now` as the reference
/// for the time window.
pub fn decode(payload: &[u8], limits: &Limits, now: DateTime<Utc>) -> Result<Decoded, Rejection> {
    if payload.len() > limits.max_payload_bytes {
        return Err(Rejection {
            reason: Reason::PayloadTooLarge,
            detail: format!(
                "payload is {} bytes, over the limit of {} bytes",
                payload.len(),
                limits.max_payload_bytes
            ),
            organization_id: None,
        });
    }
    // One check of the whole payload (std's validator strides over ASCII a word at a
    // time) also covers the values that are skipped unread; the parser then trusts the
    // text and checks no string again, so the net cost is about nil.
    let text = match std::str::from_utf8(payload) {
        Ok(text) => text,
        Err(e) => {
            // Read as far as the bad byte, for the organization when it comes first.
            let mut fields = Fields::new(limits.max_event_data_bytes);
            let _ignored = read(
                serde_json::Deserializer::from_slice(payload),
                &mut fields,
                Numbers::Converted,
            );
            return Err(Rejection {
                reason: Reason::MalformedJson,
                detail: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
                organization_id: fields.organization_id.map(|o| o.0),
            });
        }
    };
    let mut fields = Fields::new(limits.max_event_data_bytes);
    let mut parsed = read(
        serde_json::Deserializer::from_str(text),
        &mut fields,
        Numbers::Converted,
    );
    if parsed.as_ref().is_err_and(is_number_out_of_range) {
        // serde_json converts a number before any visitor sees it, and stops the whole
        // parse when it does not fit an f64 (`1e400`), so the bad field and everything
        // after it would be lost. Reading again with known fields' values kept as text
        // turns that number into an ordinary bad field. Only records that hit this pay
        // for a second pass; the usual path converts numbers directly.
        fields = Fields::new(limits.max_event_data_bytes);
        parsed = read(
            serde_json::Deserializer::from_str(text),
            &mut fields,
            Numbers::Verbatim,
        );
    }
    if let Err(e) = parsed {
        return Err(Rejection {
            reason: Reason::MalformedJson,
            detail: truncate_chars(&e.to_string(), 2 * DETAIL_VALUE_CHARS).into_owned(),
            organization_id: fields.organization_id.map(|o| o.0),
        });
    }
    fields.finish(limits, now)
}

/// Reads one top-level object, and nothing after it, into `fields`.
fn read<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    fields: &mut Fields,
    numbers: Numbers,
) -> Result<(), serde_json::Error> {
    (&mut de)
        .deserialize_map(Record { fields, numbers })
        .and_then(|()| de.end())
}

/// Whether serde_json gave up on a number too large for an f64. Its error codes are
/// private; the message is pinned by a test.
fn is_number_out_of_range(e: &serde_json::Error) -> bool {
    e.is_syntax() && e.to_string().starts_with("number out of range")
}

/// How known fields' numbers are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbers {
    /// Converted by serde_json as they are parsed (fast; fails the whole parse on a
    /// number out of f64's range).
    Converted,
    /// Kept as their JSON text, then interpreted (used only after the fast way failed).
    Verbatim,
}

/// The fields the wire format defines, in the order `docs/events.md` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    EventId,
    OrganizationId,
    CampaignId,
    ContactId,
    EventType,
    OccurredAt,
    IpAddress,
    EventData,
}

impl Field {
    const ALL: [Field; 8] = [
        Field::EventId,
        Field::OrganizationId,
        Field::CampaignId,
        Field::ContactId,
        Field::EventType,
        Field::OccurredAt,
        Field::IpAddress,
        Field::EventData,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::EventId => "event_id",
            Field::OrganizationId => "organization_id",
            Field::CampaignId => "campaign_id",
            Field::ContactId => "contact_id",
            Field::EventType => "event_type",
            Field::OccurredAt => "occurred_at",
            Field::IpAddress => "ip_address",
            Field::EventData => "event_data",
        }
    }

    fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "event_id" => Field::EventId,
            "organization_id" => Field::OrganizationId,
            "campaign_id" => Field::CampaignId,
            "contact_id" => Field::ContactId,
            "event_type" => Field::EventType,
            "occurred_at" => Field::OccurredAt,
            "ip_address" => Field::IpAddress,
            "event_data" => Field::EventData,
            _ => return None,
        })
    }

    fn required(self) -> bool {
        !matches!(self, Field::IpAddress | Field::EventData)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// What has been read so far, and the first problem found.
struct Fields {
    max_event_data_bytes: usize,
    event_id: Option<Uuid>,
    organization_id: Option<OrganizationId>,
    campaign_id: Option<CampaignId>,
    contact_id: Option<ContactId>,
    event_type: Option<EventType>,
    occurred_at: Option<DateTime<Utc>>,
    ip_address: Option<IpAddr>,
    event_data: Option<Box<RawValue>>,
    /// `Field::bit`s of the fields met, to refuse a repeat.
    seen: u8,
    /// Names of unknown fields met, to refuse a repeat; allocated only when there are any.
    unknown: HashSet<String>,
    unknown_fields: u32,
    problem: Option<(Reason, String)>,
}

impl Fields {
    fn new(max_event_data_bytes: usize) -> Fields {
        Fields {
            max_event_data_bytes,
            event_id: None,
            organization_id: None,
            campaign_id: None,
            contact_id: None,
            event_type: None,
            occurred_at: None,
            ip_address: None,
            event_data: None,
            seen: 0,
            unknown: HashSet::new(),
            unknown_fields: 0,
            problem: None,
        }
    }

    /// Records a problem unless an earlier one was found; the detail is built only then.
    fn refuse(&mut self, reason: Reason, detail: impl FnOnce() -> String) {
        if self.problem.is_none() {
            self.problem = Some((reason, detail()));
        }
    }

    fn invalid(&mut self, field: Field, expected: &str, got: &Value<'_>) {
        self.refuse(Reason::InvalidField, || {
            format!("{}: expected {expected}, got {got}", field.name())
        });
    }

    /// Validates a field's value and keeps it; `EventData` goes through `event_data`.
    fn set(&mut self, field: Field, value: Value<'_>) {
        match field {
            Field::EventId => match &value {
                // 36 characters is the hyphenated form; the parser also takes others.
                Value::Str(s) if s.len() == 36 => match Uuid::try_parse(s) {
                    Ok(id) => self.event_id = Some(id),
                    Err(_) => self.invalid(field, "a hyphenated UUID", &value),
                },
                _ => self.invalid(field, "a hyphenated UUID", &value),
            },
            Field::OrganizationId => {
                self.organization_id = self.id(field, &value).map(OrganizationId);
            }
            Field::CampaignId => self.campaign_id = self.id(field, &value).map(CampaignId),
            Field::ContactId => self.contact_id = self.id(field, &value).map(ContactId),
            Field::EventType => match &value {
                Value::Str(s) => match EventType::ALL.iter().find(|t| t.as_str() == s) {
                    Some(t) => self.event_type = Some(*t),
                    None => self.refuse(Reason::UnknownEventType, || {
                        format!(
                            "event_type: unknown event type {}; expected one of {EVENT_TYPES}",
                            quote(s)
                        )
                    }),
                },
                _ => self.invalid(field, "an event type string", &value),
            },
            Field::OccurredAt => match &value {
                Value::Str(s) => match DateTime::parse_from_rfc3339(s) {
                    Ok(t) => self.occurred_at = Some(as_stored(t.with_timezone(&Utc))),
                    Err(e) => self.refuse(Reason::InvalidField, || {
                        format!(
                            "occurred_at: expected an RFC 3339 timestamp with an offset, \
                             such as 2026-11-21T10:15:00.123Z, got {value} ({e})"
                        )
                    }),
                },
                _ => self.invalid(field, "an RFC 3339 timestamp string", &value),
            },
            Field::IpAddress => match &value {
                Value::Null => self.ip_address = None,
                Value::Str(s) => match s.parse::<IpAddr>() {
                    Ok(ip) => self.ip_address = Some(ip),
                    Err(_) => self.invalid(field, "an IPv4 or IPv6 address", &value),
                },
                _ => self.invalid(field, "an IPv4 or IPv6 address string or null", &value),
            },
            Field::EventData => {}
        }
    }

    /// A positive integer that fits in i64, or a recorded problem.
    fn id(&mut self, field: Field, value: &Value<'_>) -> Option<i64> {
        match value {
            Value::Unsigned(n) if *n > 0 => {
                if let Ok(id) = i64::try_from(*n) {
                    return Some(id);
                }
            }
            _ => {}
        }
        self.invalid(field, "a positive integer no larger than 2^63-1", value);
        None
    }

    fn event_data(&mut self, raw: Option<Box<RawValue>>) {
        let Some(raw) = raw else {
            self.event_data = None;
            return;
        };
        let text = raw.get();
        if !text.starts_with('{') {
            let kind = match text.as_bytes().first() {
                Some(b'[') => "an array",
                Some(b'"') => "a string",
                Some(b't' | b'f') => "a boolean",
                _ => "a number",
            };
            self.refuse(Reason::InvalidField, || {
                format!(
                    "event_data: expected a JSON object or null, got {kind}: {}",
                    truncate_chars(text, DETAIL_VALUE_CHARS)
                )
            });
        } else if text.len() > self.max_event_data_bytes {
            let limit = self.max_event_data_bytes;
            self.refuse(Reason::EventDataTooLarge, || {
                format!(
                    "event_data is {} bytes, over the limit of {limit} bytes",
                    text.len()
                )
            });
        } else if let Err(problem) = jsonb::check(text) {
            self.refuse(Reason::InvalidField, || format!("event_data: {problem}"));
        } else {
            self.event_data = Some(raw);
        }
    }

    fn unknown_field(&mut self, name: Cow<'_, str>) {
        self.unknown_fields = self.unknown_fields.saturating_add(1);
        if self.unknown.contains(name.as_ref()) {
            self.refuse(Reason::InvalidField, || {
                format!("duplicate field {}", quote(&name))
            });
        } else {
            self.unknown.insert(name.into_owned());
        }
    }

    fn finish(self, limits: &Limits, now: DateTime<Utc>) -> Result<Decoded, Rejection> {
        let organization_id = self.organization_id.map(|o| o.0);
        let refuse = |reason, detail| Rejection {
            reason,
            detail,
            organization_id,
        };
        if let Some((reason, detail)) = self.problem {
            return Err(refuse(reason, detail));
        }
        let (
            Some(event_id),
            Some(organization_id),
            Some(campaign_id),
            Some(contact_id),
            Some(event_type),
            Some(occurred_at),
        ) = (
            self.event_id,
            self.organization_id,
            self.campaign_id,
            self.contact_id,
            self.event_type,
            self.occurred_at,
        )
        else {
            let missing: Vec<&str> = Field::ALL
                .iter()
                .filter(|f| f.required() && self.seen & f.bit() == 0)
                .map(|f| f.name())
                .collect();
            let detail = match missing.as_slice() {
                [one] => format!("missing required field {one}"),
                many => format!("missing required fields {}", many.join(", ")),
            };
            return Err(refuse(Reason::MissingField, detail));
        };
        let earliest = now
            .checked_sub_signed(limits.max_age)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let latest = now
            .checked_add_signed(limits.max_ahead)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        if occurred_at < earliest || occurred_at > latest {
            let ts = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            return Err(refuse(
                Reason::OutOfWindow,
                format!(
                    "occurred_at {} is outside the accepted window {} ..= {} (at most {} \
                     old and {} ahead)",
                    ts(occurred_at),
                    ts(earliest),
                    ts(latest),
                    span(limits.max_age),
                    span(limits.max_ahead)
                ),
            ));
        }
        let event_data = match self.event_data {
            Some(raw) => raw,
            None => empty_object(),
        };
        Ok(Decoded {
            event: Event {
                event_id,
                organization_id,
                campaign_id,
                contact_id,
                event_type,
                occurred_at,
                ip_address: self.ip_address,
                event_data,
            },
            unknown_fields: self.unknown_fields,
        })
    }
}

/// A duration for a detail: whole days, hours, minutes or seconds when it is one.
fn span(d: TimeDelta) -> String {
    let units = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if d.subsec_nanos() != 0 {
        return units(d.num_milliseconds(), "millisecond");
    }
    match d.num_seconds() {
        s if s % 86_400 == 0 => units(s / 86_400, "day"),
        s if s % 3_600 == 0 => units(s / 3_600, "hour"),
        s if s % 60 == 0 => units(s / 60, "minute"),
        s => units(s, "second"),
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).expect("`{}` is valid JSON")
}

/// `t` exactly as Postgres stores it, so that the day, the dedup key and everything
/// else computed from it in Rust agree with the row. Postgres keeps microseconds and
/// has no leap seconds: chrono's `23:59:60` (`23:59:59` with a nanosecond past 10^9)
/// would be stored as midnight of the next day, another day than Rust's. A leap second
/// becomes the last microsecond of its second instead, on the day it belongs to.
fn as_stored(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = match t.nanosecond() {
        leap if leap >= 1_000_000_000 => 999_999_000,
        nanos => nanos - nanos % 1_000,
    };
    t.with_nanosecond(nanos).unwrap_or(t)
}

fn truncate_chars(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        Some((end, _)) => Cow::Owned(format!("{}…", &s[..end])),
        None => Cow::Borrowed(s),
    }
}

/// A value quoted for a detail, truncated.
fn quote(s: &str) -> String {
    format!("{:?}", truncate_chars(s, DETAIL_VALUE_CHARS))
}

/// Visits the top-level object.
struct Record<'f> {
    fields: &'f mut Fields,
    numbers: Numbers,
}

impl<'de> Visitor<'de> for Record<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (one event)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let fields = &mut *self.fields;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            let field = match key {
                Key::Known(field) => field,
                Key::Unknown(name) => {
                    map.next_value::<IgnoredAny>()?;
                    fields.unknown_field(name);
                    continue;
                }
            };
            if fields.seen & field.bit() != 0 {
                map.next_value::<IgnoredAny>()?;
                fields.refuse(Reason::InvalidField, || {
                    format!("duplicate field {}", field.name())
                });
                continue;
            }
            fields.seen |= field.bit();
            if field == Field::EventData {
                let raw = map.next_value::<Option<Box<RawValue>>>()?;
                fields.event_data(raw);
            } else {
                let value = match self.numbers {
                    Numbers::Converted => map.next_value::<Value<'de>>()?,
                    Numbers::Verbatim => {
                        let raw = map.next_value::<&'de RawValue>()?;
                        Value::from_text(raw.get()).map_err(|e| {
                            de::Error::custom(format_args!(
                                "{} in the value of {}",
                                without_position(&e),
                                field.name()
                            ))
                        })?
                    }
                };
                fields.set(field, value);
            }
        }
        Ok(())
    }
}

/// A top-level key: a field of the wire format or another name.
enum Key<'de> {
    Known(Field),
    Unknown(Cow<'de, str>),
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Field::from_name(v).map_or(Key::Unknown(Cow::Borrowed(v)), Key::Known))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Field::from_name(v).map_or_else(|| Key::Unknown(Cow::Owned(v.to_owned())), Key::Known))
    }
}

/// Any JSON value, kept only as far as validation needs: objects and arrays are skipped.
#[derive(Debug)]
enum Value<'de> {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    /// A number too large for an f64 (`1e400`), as written.
    OutOfRange(&'de str),
    Str(Cow<'de, str>),
    Bool(bool),
    Null,
    Object,
    Array,
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Unsigned(n) => write!(f, "the number {n}"),
            Value::Signed(n) => write!(f, "the number {n}"),
            // Debug keeps large and tiny floats short (1e300, not 301 digits).
            Value::Float(n) => write!(f, "the number {n:?}"),
            Value::OutOfRange(text) => {
                write!(f, "the number {}", truncate_chars(text, DETAIL_VALUE_CHARS))
            }
            Value::Str(s) => write!(f, "the string {}", quote(s)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Null => f.write_str("null"),
            Value::Object => f.write_str("an object"),
            Value::Array => f.write_str("an array"),
        }
    }
}

impl<'de> Value<'de> {
    /// The value of one JSON value's text, which the parser has already checked; a
    /// number out of f64's range is kept as written instead of failing.
    fn from_text(text: &'de str) -> Result<Value<'de>, serde_json::Error> {
        match serde_json::from_str(text) {
            Err(e) if text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => {
                debug_assert!(is_number_out_of_range(&e), "{text}: {e}");
                Ok(Value::OutOfRange(text))
            }
            parsed => parsed,
        }
    }
}

/// serde_json's message without its " at line L column C", which would point into a
/// value's own text rather than the record.
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&suffix) {
        Some(bare) => bare.to_owned(),
        None => message,
    }
}

impl<'de> Deserialize<'de> for Value<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value<'de>, E> {
        Ok(Value::Signed(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value<'de>, E> {
        Ok(Value::Unsigned(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value<'de>, E> {
        Ok(Value::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Array)
    }
}

mod jsonb;

#[cfg(test)]
mod tests;
