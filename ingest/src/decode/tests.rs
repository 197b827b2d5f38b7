//! The decoder against every rule of docs/events.md.
use super::*;

const EXAMPLE: &str = r#"{"event_id": "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40", "organization_id": 7, "campaign_id": 4211, "contact_id": 991827,
 "event_type": "CLICK", "occurred_at": "2026-11-21T10:15:00.123Z", "ip_address": "203.0.113.7",
 "event_data": {"url": "https://example.com/offer", "user_agent": "Mozilla/5.0"}}"#;

fn now() -> DateTime<Utc> {
    utc("2026-11-21T12:00:00Z")
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ok(json: &str) -> Decoded {
    decode(json.as_bytes(), &Limits::default(), now())
        .unwrap_or_else(|r| panic!("{json} was refused: {r}"))
}

fn refused(json: &str) -> Rejection {
    refused_with(json, &Limits::default())
}

fn refused_with(json: &str, limits: &Limits) -> Rejection {
    match decode(json.as_bytes(), limits, now()) {
        Ok(d) => panic!("{json} was accepted: {d:?}"),
        Err(r) => r,
    }
}

/// The example with one field's JSON text replaced (the field is kept in place).
fn with(field: &str, value: &str) -> String {
    let fields = [
        ("event_id", r#""01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40""#),
        ("organization_id", "7"),
        ("campaign_id", "4211"),
        ("contact_id", "991827"),
        ("event_type", r#""CLICK""#),
        ("occurred_at", r#""2026-11-21T10:15:00.123Z""#),
        ("ip_address", r#""203.0.113.7""#),
        ("event_data", r#"{"url": "https://example.com/offer"}"#),
    ];
    assert!(fields.iter().any(|(name, _)| *name == field), "{field}");
    let parts: Vec<String> = fields
        .iter()
        .map(|(name, v)| format!("\"{name}\": {}", if *name == field { value } else { v }))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// The example without one field.
fn without(field: &str) -> String {
    let mut json = with(field, "null");
    json = json.replace(&format!("\"{field}\": null, "), "");
    json.replace(&format!(", \"{field}\": null"), "")
}

fn assert_reason(json: &str, reason: Reason, detail_has: &str) -> Rejection {
    let r = refused(json);
    assert_eq!(r.reason, reason, "{json}: {r}");
    assert!(
        r.detail.contains(detail_has),
        "{json}: detail {:?}",
        r.detail
    );
    r
}

#[test]
fn the_example_decodes_to_the_exact_values() {
    let d = ok(EXAMPLE);
    let e = &d.event;
    assert_eq!(
        e.event_id,
        Uuid::parse_str("01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40").unwrap()
    );
    assert_eq!(e.organization_id, OrganizationId(7));
    assert_eq!(e.campaign_id, CampaignId(4211));
    assert_eq!(e.contact_id, ContactId(991827));
    assert_eq!(e.event_type, EventType::Click);
    assert_eq!(e.occurred_at, utc("2026-11-21T10:15:00.123Z"));
    assert_eq!(e.occurred_at.timestamp_subsec_millis(), 123);
    assert_eq!(e.ip_address, Some("203.0.113.7".parse().unwrap()));
    assert_eq!(
        e.event_data.get(),
        r#"{"url": "https://example.com/offer", "user_agent": "Mozilla/5.0"}"#
    );
    assert_eq!(d.unknown_fields, 0);
}

#[test]
fn every_event_type_is_accepted_in_exact_case() {
    for t in EventType::ALL {
        let d = ok(&with("event_type", &format!("\"{}\"", t.as_str())));
        assert_eq!(d.event.event_type, *t);
    }
}

#[test]
fn the_event_type_list_in_details_is_complete() {
    let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(EVENT_TYPES, all.join(", "));
}

#[test]
fn reason_codes_are_stable() {
    let codes: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        codes,
        [
            "malformed_json",
            "missing_field",
            "invalid_field",
            "unknown_event_type",
            "out_of_window",
            "event_data_too_large",
            "payload_too_large",
            "unknown_organization",
            "unknown_campaign",
            "rejected_by_database",
        ]
    );
    assert_eq!(Reason::OutOfWindow.to_string(), "out_of_window");
}

#[test]
fn malformed_json_is_refused_with_its_position() {
    for json in [
        "",
        "{",
        r#"{"event_id" "x"}"#,
        "[1, 2]",
        "\"an event\"",
        "null",
        "42",
        "{'event_id': 1}",
    ] {
        let r = assert_reason(json, Reason::MalformedJson, "line 1 column");
        assert_eq!(r.organization_id, None, "{json}");
    }
    // Cut short after the organization: it is still reported.
    let cut = r#"{"event_id": "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40", "organization_id": 7"#;
    let r = assert_reason(cut, Reason::MalformedJson, "EOF while parsing");
    assert_eq!(r.organization_id, Some(7));
    let trailing = format!("{EXAMPLE} x");
    let r = assert_reason(&trailing, Reason::MalformedJson, "trailing characters");
    assert_eq!(r.organization_id, Some(7));
    assert_reason(
        &format!("{EXAMPLE}{EXAMPLE}"),
        Reason::MalformedJson,
        "line",
    );
    assert_reason("{\"a\": \"\u{1}\"}", Reason::MalformedJson, "line 1");
    // Invalid UTF-8 inside a string.
    let mut bytes = with("event_type", "\"CLICK\"").into_bytes();
    let at = bytes.iter().position(|b| *b == b'C').unwrap();
    bytes[at] = 0xff;
    let r = decode(&bytes, &Limits::default(), now()).unwrap_err();
    assert_eq!(r.reason, Reason::MalformedJson, "{r}");
    // Whitespace around the object is fine.
    ok(&format!("\n  {EXAMPLE}\n"));
}

#[test]
fn malformed_json_wins_over_a_bad_field() {
    let json = with("event_id", "\"nope\"").replace("}}", "}");
    let r = assert_reason(&json, Reason::MalformedJson, "EOF");
    assert_eq!(r.organization_id, Some(7));
}

#[test]
fn a_missing_required_field_is_named() {
    for field in [
        "event_id",
        "organization_id",
        "campaign_id",
        "contact_id",
        "event_type",
        "occurred_at",
    ] {
        let r = assert_reason(&without(field), Reason::MissingField, field);
        let expected_org = (field != "organization_id").then_some(7);
        assert_eq!(r.organization_id, expected_org, "{field}");
    }
    let r = assert_reason("{}", Reason::MissingField, "event_id, organization_id");
    assert!(r.detail.contains("occurred_at"), "{}", r.detail);
}

#[test]
fn optional_fields_may_be_missing_or_null() {
    let d = ok(&without("ip_address"));
    assert_eq!(d.event.ip_address, None);
    let d = ok(&with("ip_address", "null"));
    assert_eq!(d.event.ip_address, None);
    let d = ok(&without("event_data"));
    assert_eq!(d.event.event_data.get(), "{}");
    let d = ok(&with("event_data", "null"));
    assert_eq!(d.event.event_data.get(), "{}");
}

#[test]
fn ids_must_be_positive_integers_that_fit_in_i64() {
    for field in ["organization_id", "campaign_id", "contact_id"] {
        for bad in [
            "\"7\"",
            "0",
            "-3",
            "-0",
            "7.0",
            "7.5",
            "1e3",
            "9223372036854775808",
            "18446744073709551616",
            "true",
            "null",
            "[7]",
            "{\"id\": 7}",
        ] {
            let r = assert_reason(&with(field, bad), Reason::InvalidField, field);
            assert!(r.detail.contains("positive integer"), "{}", r.detail);
        }
    }
    let d = ok(&with("contact_id", "9223372036854775807"));
    assert_eq!(d.event.contact_id, ContactId(i64::MAX));
    let r = assert_reason(&with("campaign_id", "\"4211\""), Reason::InvalidField, "");
    assert!(r.detail.contains("string \"4211\""), "{}", r.detail);
}

#[test]
fn event_id_must_be_a_hyphenated_uuid() {
    for bad in [
        "\"nope\"",
        "\"01936d3e7f1a7c3e9a512f0c1d2e3f40\"",
        "\"{01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40}\"",
        "\"urn:uuid:01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40\"",
        "\"01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f4g\"",
        "\"01936d3e-7f1a-7c3e-9a51_2f0c1d2e3f40\"",
        "42",
        "null",
    ] {
        assert_reason(&with("event_id", bad), Reason::InvalidField, "event_id");
    }
    // Any version, either case.
    let v4 = "\"9F1C2D3E-4B5A-4C6D-8E7F-0A1B2C3D4E5F\"";
    let d = ok(&with("event_id", v4));
    assert_eq!(d.event.event_id.get_version_num(), 4);
}

#[test]
fn event_type_must_be_a_known_type_in_exact_case() {
    for bad in ["\"click\"", "\"PURCHASE\"", "\"\"", "\" CLICK\""] {
        let r = assert_reason(&with("event_type", bad), Reason::UnknownEventType, "");
        assert!(r.detail.contains("FORM_SUBMIT"), "{}", r.detail);
        assert_eq!(r.organization_id, Some(7));
    }
    for bad in ["3", "null", "[\"CLICK\"]"] {
        assert_reason(&with("event_type", bad), Reason::InvalidField, "event_type");
    }
}

#[test]
fn occurred_at_needs_rfc3339_with_an_offset_and_becomes_utc() {
    let d = ok(&with("occurred_at", "\"2026-11-21T12:15:00.123+02:00\""));
    assert_eq!(d.event.occurred_at, utc("2026-11-21T10:15:00.123Z"));
    let d = ok(&with("occurred_at", "\"2026-11-20T23:30:00-05:30\""));
    assert_eq!(d.event.occurred_at, utc("2026-11-21T05:00:00Z"));
    assert_eq!(d.event.day().to_string(), "2026-11-21");
    let d = ok(&with("occurred_at", "\"2026-11-21T10:15:00.123456789Z\""));
    assert_eq!(d.event.occurred_at.timestamp_subsec_nanos(), 123_456_000);
    let d = ok(&with("occurred_at", "\"2026-11-21 12:15:00.5+02:00\""));
    assert_eq!(d.event.occurred_at, utc("2026-11-21T10:15:00.5Z"));
    let d = ok(&with("occurred_at", "\"2026-11-21t10:15:00z\""));
    assert_eq!(d.event.occurred_at, utc("2026-11-21T10:15:00Z"));
    for bad in [
        "\"2026-11-21T10:15:00\"",
        "\"2026-11-21T10:15:00.123\"",
        "\"2026-11-21\"",
        "\"2026-11-21 10:15\"",
        "\"2026-13-01T00:00:00Z\"",
        "\"yesterday\"",
        "1795000000",
        "null",
    ] {
        assert_reason(
            &with("occurred_at", bad),
            Reason::InvalidField,
            "occurred_at",
        );
    }
}

#[test]
fn the_window_is_inclusive_at_both_edges() {
    let limits = Limits::default();
    let at = |t: DateTime<Utc>| {
        let json = with("occurred_at", &format!("\"{}\"", t.to_rfc3339()));
        decode(json.as_bytes(), &limits, now())
    };
    let earliest = now() - limits.max_age;
    let latest = now() + limits.max_ahead;
    let ms = TimeDelta::milliseconds(1);
    assert!(at(earliest).is_ok());
    assert!(at(latest).is_ok());
    for t in [earliest - ms, latest + ms] {
        let r = at(t).unwrap_err();
        assert_eq!(r.reason, Reason::OutOfWindow, "{r}");
        assert_eq!(r.organization_id, Some(7));
        assert!(
            r.detail
                .contains(&earliest.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        );
        assert!(
            r.detail
                .contains(&latest.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        );
    }
    assert_reason(
        &with("occurred_at", "\"2019-01-01T00:00:00Z\""),
        Reason::OutOfWindow,
        "occurred_at 2019-01-01T00:00:00Z is outside",
    );
    assert_reason(
        &with("occurred_at", "\"2029-01-01T00:00:00Z\""),
        Reason::OutOfWindow,
        "(at most 730 days old and 1 day ahead)",
    );
    // The window is configurable.
    let narrow = Limits {
        max_age: TimeDelta::hours(1),
        ..Limits::default()
    };
    let r = refused_with(EXAMPLE, &narrow);
    assert_eq!(r.reason, Reason::OutOfWindow);
}

#[test]
fn a_bad_field_wins_over_missing_fields_and_the_window() {
    let json =
        r#"{"occurred_at": "2001-01-01T00:00:00Z", "organization_id": 7, "campaign_id": "x"}"#;
    let r = assert_reason(json, Reason::InvalidField, "campaign_id");
    assert_eq!(r.organization_id, Some(7));
    let json = without("contact_id").replace("2026-11-21", "2001-01-01");
    assert_reason(&json, Reason::MissingField, "contact_id");
}

#[test]
fn ip_address_must_be_ipv4_or_ipv6() {
    let d = ok(&with("ip_address", "\"2001:db8::7\""));
    assert_eq!(d.event.ip_address, Some("2001:db8::7".parse().unwrap()));
    for bad in [
        "\"203.0.113\"",
        "\"203.0.113.256\"",
        "\"example.com\"",
        "\"[2001:db8::7]\"",
        "\"203.0.113.7:80\"",
        "\"\"",
        "7",
    ] {
        assert_reason(&with("ip_address", bad), Reason::InvalidField, "ip_address");
    }
}

#[test]
fn event_data_is_kept_byte_for_byte() {
    let data = "{ \"b\" : 1,\"a\":[1, 2.50 ],\n \"u\":\"\\u00e9\\n\", \"nested\": {\"z\": null}\t}";
    let d = ok(&with("event_data", data));
    assert_eq!(d.event.event_data.get(), data);
    let d = ok(&with("event_data", "{}"));
    assert_eq!(d.event.event_data.get(), "{}");
}

#[test]
fn event_data_must_be_an_object() {
    for bad in ["[1]", "\"x\"", "3", "true", "[]"] {
        assert_reason(&with("event_data", bad), Reason::InvalidField, "event_data");
    }
}

#[test]
fn event_data_may_not_hold_a_nul_escape() {
    assert_reason(
        &with("event_data", r#"{"a": "x\u0000y"}"#),
        Reason::InvalidField,
        "\\u0000",
    );
    assert_reason(
        &with("event_data", r#"{"a": "\\\u0000"}"#),
        Reason::InvalidField,
        "\\u0000",
    );
    // An escaped backslash followed by the text u0000 is fine.
    let d = ok(&with("event_data", r#"{"a": "\\u0000"}"#));
    assert_eq!(d.event.event_data.get(), r#"{"a": "\\u0000"}"#);
}

#[test]
fn event_data_over_the_limit_is_refused() {
    let limits = Limits::default();
    let object = |len: usize| format!("{{\"a\": \"{}\"}}", "x".repeat(len - 9));
    assert_eq!(
        object(limits.max_event_data_bytes).len(),
        limits.max_event_data_bytes
    );
    ok(&with("event_data", &object(limits.max_event_data_bytes)));
    let r = assert_reason(
        &with("event_data", &object(limits.max_event_data_bytes + 1)),
        Reason::EventDataTooLarge,
        "16385 bytes, over the limit of 16384",
    );
    assert_eq!(r.organization_id, Some(7));
}

#[test]
fn a_payload_over_the_limit_is_refused_without_parsing() {
    let limits = Limits::default();
    let garbage = vec![b'x'; limits.max_payload_bytes + 1];
    let r = decode(&garbage, &limits, now()).unwrap_err();
    assert_eq!(r.reason, Reason::PayloadTooLarge);
    assert!(r.detail.contains("65537 bytes"), "{}", r.detail);
    assert_eq!(r.organization_id, None);
    // At the limit exactly, the record is parsed.
    let padded = EXAMPLE.to_owned() + &" ".repeat(limits.max_payload_bytes - EXAMPLE.len());
    assert_eq!(padded.len(), limits.max_payload_bytes);
    ok(&padded);
}

#[test]
fn unknown_fields_are_skipped_and_counted() {
    let json = EXAMPLE.replacen(
        '{',
        r#"{"schema_version": 2, "extra": {"deep": [1, {"x": "y"}]}, "tags": ["a"], "#,
        1,
    );
    let d = ok(&json);
    assert_eq!(d.unknown_fields, 3);
    assert_eq!(d.event.contact_id, ContactId(991827));
}

#[test]
fn a_duplicate_key_is_refused() {
    let json = EXAMPLE.replacen('{', r#"{"organization_id": 8, "#, 1);
    let r = assert_reason(
        &json,
        Reason::InvalidField,
        "duplicate field organization_id",
    );
    assert_eq!(r.organization_id, Some(8));
    let json = EXAMPLE.replacen('{', r#"{"event_data": null, "#, 1);
    assert_reason(&json, Reason::InvalidField, "duplicate field event_data");
    let json = EXAMPLE.replacen('{', r#"{"x": 1, "x": 2, "#, 1);
    assert_reason(&json, Reason::InvalidField, "duplicate field \"x\"");
    // An escaped key is the same key.
    let json = EXAMPLE.replacen(
        '{',
        r#"{"event\u005fid": "01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40", "#,
        1,
    );
    assert_reason(&json, Reason::InvalidField, "duplicate field event_id");
}

#[test]
fn the_organization_is_reported_when_it_could_be_read() {
    // Read before the bad field.
    let r = refused(&with("contact_id", "\"x\""));
    assert_eq!(r.organization_id, Some(7));
    // Read after it: the rest of the record is still parsed.
    let r = refused(&with("event_id", "\"x\""));
    assert_eq!(r.organization_id, Some(7));
    // Not readable.
    let r = refused(&with("organization_id", "\"7\""));
    assert_eq!(r.organization_id, None);
}

#[test]
fn long_bad_values_are_truncated_in_the_detail() {
    let long = format!("\"{}\"", "é".repeat(500));
    let r = assert_reason(&with("event_type", &long), Reason::UnknownEventType, "…");
    assert!(r.detail.chars().count() < 300, "{}", r.detail);
}

#[test]
fn escaped_strings_are_decoded() {
    let d = ok(&with("event_type", r#""CL\u0049CK""#));
    assert_eq!(d.event.event_type, EventType::Click);
}

/// Decodes with the decoder's clock at `now`.
fn ok_at(json: &str, now: DateTime<Utc>) -> Decoded {
    decode(json.as_bytes(), &Limits::default(), now)
        .unwrap_or_else(|r| panic!("{json} was refused: {r}"))
}

#[test]
fn a_leap_second_is_the_last_microsecond_of_its_second_on_its_own_day() {
    let now = utc("2026-12-05T12:00:00Z");
    let last = utc("2026-12-04T23:59:59.999999Z");
    for written in [
        "2026-12-04T23:59:60Z",
        "2026-12-04T23:59:60.5Z",
        "2026-12-04T23:59:60.999999999Z",
        "2026-12-04T23:59:60.0000001Z",
        "2026-12-05T00:59:60+01:00",
        "2026-12-04T18:29:60.25-05:30",
    ] {
        let d = ok_at(&with("occurred_at", &format!("\"{written}\"")), now);
        let t = d.event.occurred_at;
        assert_eq!(t, last, "{written}");
        // What Postgres would store: a valid time, not chrono's leap representation.
        assert_eq!(t.nanosecond(), 999_999_000, "{written}");
        assert_eq!(d.event.day().to_string(), "2026-12-04", "{written}");
    }
    // The second before the leap second is untouched.
    let d = ok_at(&with("occurred_at", "\"2026-12-04T23:59:59.5Z\""), now);
    assert_eq!(d.event.occurred_at, utc("2026-12-04T23:59:59.5Z"));
}

#[test]
fn occurred_at_is_truncated_to_the_microsecond_postgres_keeps() {
    for (written, stored) in [
        ("10:00:00.1234567Z", "10:00:00.123456Z"),
        ("10:00:00.123456789Z", "10:00:00.123456Z"),
        ("10:00:00.1234569Z", "10:00:00.123456Z"),
        ("10:00:00.9999999Z", "10:00:00.999999Z"),
        ("10:00:00.999999999999Z", "10:00:00.999999Z"),
        ("10:00:00.000000999Z", "10:00:00Z"),
        ("10:00:00.123456Z", "10:00:00.123456Z"),
        ("12:00:00.0000005+02:00", "10:00:00Z"),
    ] {
        let d = ok(&with("occurred_at", &format!("\"2026-11-21T{written}\"")));
        assert_eq!(
            d.event.occurred_at,
            utc(&format!("2026-11-21T{stored}")),
            "{written}"
        );
        assert_eq!(d.event.occurred_at.nanosecond() % 1_000, 0, "{written}");
    }
    // Two spellings that Postgres stores alike give the same dedup key.
    let a = ok(&with("occurred_at", "\"2026-11-21T10:00:00.1234561Z\""));
    let b = ok(&with("occurred_at", "\"2026-11-21T10:00:00.1234569Z\""));
    assert_eq!(a.event.occurred_at, b.event.occurred_at);
}

#[test]
fn invalid_utf8_anywhere_is_malformed_json_with_its_byte() {
    let example = with("event_data", r#"{"url": "https://example.com/offer"}"#);
    let valid = example.replacen('{', r#"{"note": "café", "#, 1);
    ok(&valid);
    // Every position, including an unknown field's value and event_data.
    for at in 0..valid.len() {
        let mut bytes = valid.clone().into_bytes();
        if bytes[at] & 0xc0 == 0x80 {
            // A continuation byte of "é": its lead byte would be the one reported.
            continue;
        }
        bytes[at] = 0xff;
        let r = decode(&bytes, &Limits::default(), now()).unwrap_err();
        assert_eq!(r.reason, Reason::MalformedJson, "byte {at}: {r}");
        assert_eq!(r.detail, format!("invalid UTF-8 at byte {at}"), "byte {at}");
    }
    let note = valid.find("café").unwrap() + 3;
    for bad in [
        &b"\xc3"[..],        // a lead byte cut short
        b"\x80",             // a lone continuation byte
        b"\xc0\xa9",         // ')' overlong, two bytes
        b"\xe0\x80\xa9",     // overlong, three bytes
        b"\xf0\x80\x80\xa9", // overlong, four bytes
        b"\xed\xa0\x80",     // a UTF-16 surrogate encoded in UTF-8
        b"\xf4\x90\x80\x80", // past U+10FFFF
        b"\xfe\xff",         // never valid in UTF-8
    ] {
        let mut bytes = valid.as_bytes()[..note].to_vec();
        bytes.extend_from_slice(bad);
        bytes.extend_from_slice(&valid.as_bytes()[note + 2..]);
        let r = decode(&bytes, &Limits::default(), now()).unwrap_err();
        assert_eq!(r.reason, Reason::MalformedJson, "{bad:?}: {r}");
        assert_eq!(r.detail, format!("invalid UTF-8 at byte {note}"), "{bad:?}");
    }
    // A record cut inside a character.
    let cut = &valid.as_bytes()[..note + 1];
    let r = decode(cut, &Limits::default(), now()).unwrap_err();
    assert_eq!(r.detail, format!("invalid UTF-8 at byte {note}"));
}

#[test]
fn invalid_utf8_still_reports_an_organization_read_before_it() {
    // In an unknown field after the organization: skipped unread before the check.
    let json = format!("{}, \"x\": \"?\"}}", &EXAMPLE[..EXAMPLE.len() - 1]);
    ok(&json);
    let mut bytes = json.into_bytes();
    let at = bytes.iter().rposition(|b| *b == b'?').unwrap();
    bytes[at] = 0xff;
    let r = decode(&bytes, &Limits::default(), now()).unwrap_err();
    assert_eq!(r.reason, Reason::MalformedJson, "{r}");
    assert_eq!(r.organization_id, Some(7));
    // Before the organization.
    let mut bytes = EXAMPLE.as_bytes().to_vec();
    bytes[1] = 0xff;
    let r = decode(&bytes, &Limits::default(), now()).unwrap_err();
    assert_eq!(r.organization_id, None);
}

#[test]
fn the_size_limit_still_comes_before_the_utf8_check() {
    let limits = Limits::default();
    let mut bytes = vec![0xff; limits.max_payload_bytes + 1];
    bytes[0] = b'{';
    let r = decode(&bytes, &limits, now()).unwrap_err();
    assert_eq!(r.reason, Reason::PayloadTooLarge);
}

#[test]
fn serde_json_names_an_out_of_range_number_as_expected() {
    let e = serde_json::from_str::<f64>("1e400").unwrap_err();
    assert!(is_number_out_of_range(&e), "{e}");
    let e = serde_json::from_str::<f64>("1e").unwrap_err();
    assert!(!is_number_out_of_range(&e), "{e}");
}

#[test]
fn a_number_out_of_range_in_a_known_field_is_an_invalid_field() {
    for field in ["organization_id", "campaign_id", "contact_id"] {
        for number in ["1e400", "-1e400", "1e309", "123456789e400", "-0.5e99999"] {
            let r = assert_reason(&with(field, number), Reason::InvalidField, "");
            assert_eq!(
                r.detail,
                format!(
                    "{field}: expected a positive integer no larger than 2^63-1, got the \
                     number {number}"
                )
            );
            // The rest of the record was read.
            let org = (field != "organization_id").then_some(7);
            assert_eq!(r.organization_id, org, "{field}: {number}");
        }
    }
    for (field, expected) in [
        (
            "event_id",
            "event_id: expected a hyphenated UUID, got the number 1e400",
        ),
        (
            "event_type",
            "event_type: expected an event type string, got the number 1e400",
        ),
        (
            "occurred_at",
            "occurred_at: expected an RFC 3339 timestamp string, got the number 1e400",
        ),
        (
            "ip_address",
            "ip_address: expected an IPv4 or IPv6 address string or null, got the number 1e400",
        ),
    ] {
        let r = assert_reason(&with(field, "1e400"), Reason::InvalidField, "");
        assert_eq!(r.detail, expected);
        assert_eq!(r.organization_id, Some(7), "{field}");
    }
    // Read after the bad number, the organization is still reported.
    let json = EXAMPLE.replacen('{', r#"{"campaign_id": 1e400, "#, 1);
    let json = json.replacen(r#""campaign_id": 4211, "#, "", 1);
    let r = assert_reason(&json, Reason::InvalidField, "campaign_id");
    assert_eq!(r.organization_id, Some(7));
    // The first bad field wins, as for any other bad value.
    let json = with("campaign_id", "1e400").replace("\"CLICK\"", "\"nope\"");
    assert_reason(&json, Reason::InvalidField, "campaign_id");
    let json = with("campaign_id", "1e400").replace("01936d3e-", "x-");
    assert_reason(&json, Reason::InvalidField, "event_id");
}

#[test]
fn after_a_number_out_of_range_malformed_json_still_wins() {
    let json = format!("{} x", with("campaign_id", "1e400"));
    assert_reason(&json, Reason::MalformedJson, "trailing characters");
    let json = with("campaign_id", "1e400").replace("\"CLICK\"", r#""\ud800""#);
    let r = assert_reason(&json, Reason::MalformedJson, "in the value of event_type");
    // The position is the record's, not the one inside the value's own text.
    assert_eq!(r.detail.matches(" at line ").count(), 1, "{}", r.detail);
    let column = json.find(r#""\ud800""#).unwrap() + 1;
    assert!(
        r.detail.ends_with(&format!(" column {}", column + 7)),
        "{}",
        r.detail
    );
}

#[test]
fn numbers_out_of_f64_range_elsewhere_are_not_a_problem() {
    // Skipped unread in an unknown field; stored as written in event_data.
    let d = ok(&EXAMPLE.replacen('{', r#"{"big": [1e400, -1e400], "#, 1));
    assert_eq!(d.unknown_fields, 1);
    let d = ok(&with("event_data", r#"{"big": 1e400}"#));
    assert_eq!(d.event.event_data.get(), r#"{"big": 1e400}"#);
    // Inside an array or object in a known field, the field is refused for its type.
    assert_reason(
        &with("campaign_id", "[1e400]"),
        Reason::InvalidField,
        "got an array",
    );
}

/// The detail for an `event_data` text, or `None` when it is accepted.
fn event_data_problem(data: &str) -> Option<String> {
    let limits = Limits {
        max_event_data_bytes: 1 << 20,
        max_payload_bytes: 1 << 21,
        ..Limits::default()
    };
    match decode(with("event_data", data).as_bytes(), &limits, now()) {
        Ok(d) => {
            assert_eq!(d.event.event_data.get(), data);
            None
        }
        Err(r) => {
            assert_eq!(r.reason, Reason::InvalidField, "{data}: {r}");
            assert!(r.detail.starts_with("event_data: "), "{}", r.detail);
            Some(r.detail)
        }
    }
}

#[test]
fn event_data_may_not_hold_an_unpaired_surrogate_escape() {
    for ok in [
        r#"{"a": "\ud83d\ude00"}"#,
        r#"{"a": "\uD83D\uDE00 and \udbff\udfff"}"#,
        r#"{"\ud83d\ude00": 1}"#,
        r#"{"a": "\\ud800"}"#,
        r#"{"a": "\ud7ff\ue000\uffff"}"#,
        r#"{"a": "\"\ud83d\ude00\""}"#,
    ] {
        assert_eq!(event_data_problem(ok), None, "{ok}");
    }
    for (bad, escape) in [
        (r#"{"a": "\ud800"}"#, r"\ud800"),
        (r#"{"a": "\uDBFF"}"#, r"\uDBFF"),
        (r#"{"a": "\udc00"}"#, r"\udc00"),
        (r#"{"a": "x\ude00y"}"#, r"\ude00"),
        (r#"{"a": "\ud83dx\ude00"}"#, r"\ud83d"),
        (r#"{"a": "\ud83d\n"}"#, r"\ud83d"),
        (r#"{"a": "\ud83d\\ude00"}"#, r"\ud83d"),
        (r#"{"a": "\ud83d\ud83d\ude00"}"#, r"\ud83d"),
        (r#"{"a": "\ud83d\u0041"}"#, r"\ud83d"),
        (r#"{"\ud800": 1}"#, r"\ud800"),
        (r#"{"a": ["ok", {"b": "\ud800"}]}"#, r"\ud800"),
    ] {
        let detail = event_data_problem(bad).unwrap_or_else(|| panic!("{bad} was accepted"));
        assert_eq!(
            detail,
            format!(
                "event_data: unpaired UTF-16 surrogate escape {escape}, which Postgres jsonb \
                 cannot store"
            ),
            "{bad}"
        );
    }
}

#[test]
fn event_data_numbers_must_fit_postgres_numeric() {
    for ok in [
        "1e131071",
        "-1e131071",
        "10e131070",
        "9.99e131071",
        "0.0001e131075",
        "1E+131071",
        "1e-16383",
        "-1e-16383",
        "0e-16383",
        "1.0e-16382",
        "0e5000",
        "0e1073741822",
        "0e+0000000000000000000005",
        "1e400",
        "-0",
        "0.5",
        "123456789012345678901234567890",
    ] {
        assert_eq!(
            event_data_problem(&format!("{{\"n\": {ok}}}")),
            None,
            "{ok}"
        );
    }
    for bad in [
        "1e1000000",
        "1e131072",
        "-1e131072",
        "10e131071",
        "0.0001e131076",
        "1e-16384",
        "0.5e-16383",
        "1.00e-16382",
        "15e-16384",
        "0e-16384",
        "0e-1000000",
        "0.0e99999999999",
        "0e1073741823",
        "0e-1073741822",
        "1e1073741822",
        "1e99999999999999999999999999999",
    ] {
        let detail = event_data_problem(&format!("{{\"n\": [1, {bad}]}}"))
            .unwrap_or_else(|| panic!("{bad} was accepted"));
        assert_eq!(
            detail,
            format!("event_data: number {bad} is out of the range Postgres can store")
        );
    }
    // Digits in a string are text.
    assert_eq!(event_data_problem(r#"{"n": "1e1000000"}"#), None);
    // The display scale counts every fraction digit written.
    let digits = |n: usize| format!("{{\"n\": 0.{}1}}", "0".repeat(n - 1));
    assert_eq!(event_data_problem(&digits(16_383)), None);
    assert!(event_data_problem(&digits(16_384)).is_some());
    let detail = event_data_problem(&digits(16_384)).unwrap_or_default();
    assert!(detail.contains('…') && detail.len() < 300, "{detail}");
}

#[test]
fn event_data_reports_its_first_problem() {
    let detail = event_data_problem(r#"{"a": "\u0000", "b": "\ud800", "c": 1e131072}"#);
    assert!(detail.unwrap_or_default().contains(r"\u0000"));
    let detail = event_data_problem(r#"{"c": 1e131072, "a": "\u0000", "b": "\ud800"}"#);
    assert!(detail.unwrap_or_default().contains("1e131072"));
    let detail = event_data_problem(r#"{"b": "\ud800", "c": 1e131072, "a": "\u0000"}"#);
    assert!(detail.unwrap_or_default().contains(r"\ud800"));
}
