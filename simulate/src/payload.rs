//! Writes events as wire-format JSON straight into a byte buffer: no serde, no
//! intermediate strings, so the generator stays well above a million records a second.
//!
//! Every constant string here is plain ASCII without `"` or `\`, so nothing needs
//! escaping (a unit test checks it).

use schema::EventType;

/// The fields of one event as they go on the wire; `event_id` and `event_type` are raw
/// text so malformed records can carry junk in them.
pub(super) struct EventJson<'a> {
    /// Text of the event id (a hyphenated UUID, or junk).
    pub event_id: &'a [u8],
    /// The tenant.
    pub organization_id: i64,
    /// The campaign; `None` leaves the field out.
    pub campaign_id: Option<i64>,
    /// The contact.
    pub contact_id: i64,
    /// Text of the event type.
    pub event_type: &'a str,
    /// `occurred_at` in Unix milliseconds.
    pub occurred_at_ms: i64,
    /// The client address, if the event has one.
    pub ip: Option<[u8; 4]>,
    /// What goes into `event_data`.
    pub data: Data,
}

/// The content of `event_data`.
#[derive(Clone, Copy)]
pub(super) enum Data {
    /// What an event of this type realistically carries; `pick` chooses among variants.
    Typical { event_type: EventType, pick: u32 },
    /// An object with one string of this many bytes.
    Oversized(usize),
}

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Microsoft Outlook 16.0.17328; ms-office; MSOffice 16",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
];

/// First names used for contacts (the seed gives contact `id` the name at
/// `id % FIRST_NAMES.len()`, as FORM_SUBMIT events do).
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Chloe", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Mateo", "Nora", "Omar", "Priya",
];

const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Industries",
];

const LINK_PATHS: &[&str] = &["offer", "pricing", "webinar", "ebook", "demo", "case-study"];

/// Public-looking first octets for the simulated client addresses.
const FIRST_OCTETS: &[u8] = &[
    23, 31, 37, 45, 51, 62, 78, 81, 89, 94, 103, 109, 145, 151, 176, 185, 188, 193, 203, 212,
];

const BOUNCES: &[&str] = &[
    r#""bounce_type":"hard","smtp_code":550,"diagnostic":"5.1.1 user unknown""#,
    r#""bounce_type":"hard","smtp_code":550,"diagnostic":"5.1.10 recipient address rejected""#,
    r#""bounce_type":"soft","smtp_code":452,"diagnostic":"4.2.2 mailbox full""#,
    r#""bounce_type":"soft","smtp_code":421,"diagnostic":"4.7.0 try again later""#,
];

/// The contact's email address, as the seed stores it.
pub(crate) fn contact_email(buf: &mut Vec<u8>, organization_id: i64, contact_id: i64) {
    buf.push(b'c');
    push_i64(buf, contact_id);
    buf.extend_from_slice(b"@org");
    push_i64(buf, organization_id);
    buf.extend_from_slice(b".sim.example");
}

/// A stable-per-contact client address (one in eight events comes from another one).
pub(super) fn client_ip(contact_id: i64, pick: u32) -> [u8; 4] {
    let roaming = if pick & 7 == 0 {
        u64::from(pick) << 32
    } else {
        0
    };
    let h = splitmix64(contact_id as u64 ^ roaming).to_le_bytes();
    let first = FIRST_OCTETS[usize::from(h[0]) % FIRST_OCTETS.len()];
    [first, h[1], h[2], h[3].clamp(1, 254)]
}

/// Appends the event as one JSON object.
pub(super) fn write_event(buf: &mut Vec<u8>, e: &EventJson<'_>) {
    buf.extend_from_slice(br#"{"event_id":""#);
    buf.extend_from_slice(e.event_id);
    buf.extend_from_slice(br#"","organization_id":"#);
    push_i64(buf, e.organization_id);
    if let Some(campaign) = e.campaign_id {
        buf.extend_from_slice(br#","campaign_id":"#);
        push_i64(buf, campaign);
    }
    buf.extend_from_slice(br#","contact_id":"#);
    push_i64(buf, e.contact_id);
    buf.extend_from_slice(br#","event_type":""#);
    buf.extend_from_slice(e.event_type.as_bytes());
    buf.extend_from_slice(br#"","occurred_at":""#);
    push_timestamp(buf, e.occurred_at_ms);
    buf.push(b'"');
    if let Some([a, b, c, d]) = e.ip {
        buf.extend_from_slice(br#","ip_address":""#);
        for (i, octet) in [a, b, c, d].into_iter().enumerate() {
            if i > 0 {
                buf.push(b'.');
            }
            push_u64(buf, u64::from(octet));
        }
        buf.push(b'"');
    }
    buf.extend_from_slice(br#","event_data":{"#);
    match e.data {
        Data::Typical { event_type, pick } => write_data(buf, e, event_type, pick),
        Data::Oversized(len) => {
            buf.extend_from_slice(br#""note":""#);
            buf.resize(buf.len() + len, b'x');
            buf.push(b'"');
        }
    }
    buf.extend_from_slice(b"}}");
}

fn write_data(buf: &mut Vec<u8>, e: &EventJson<'_>, event_type: EventType, pick: u32) {
    let campaign = e.campaign_id.unwrap_or(0);
    let user_agent = |buf: &mut Vec<u8>| {
        // Mostly one device per contact, sometimes another.
        let base = splitmix64(e.contact_id as u64) as usize;
        let ua = USER_AGENTS[(base + usize::from(pick & 0x30 == 0)) % USER_AGENTS.len()];
        buf.extend_from_slice(br#""user_agent":""#);
        buf.extend_from_slice(ua.as_bytes());
        buf.push(b'"');
    };
    let landing_url = |buf: &mut Vec<u8>, path: &str| {
        buf.extend_from_slice(b"https://go.sim.example/c/");
        push_i64(buf, campaign);
        buf.push(b'/');
        buf.extend_from_slice(path.as_bytes());
    };
    let pick_usize = pick as usize;
    match event_type {
        EventType::Sent => {
            buf.extend_from_slice(br#""template_version":"#);
            push_u64(buf, u64::from(1 + pick % 3));
            buf.extend_from_slice(br#","variant":""#);
            buf.push(if pick & 0x100 == 0 { b'A' } else { b'B' });
            buf.extend_from_slice(br#"","mta":"sim-mta-0"#);
            push_u64(buf, u64::from((pick >> 9) % 4 + 1));
            buf.push(b'"');
        }
        EventType::Bounce => {
            buf.extend_from_slice(BOUNCES[pick_usize % BOUNCES.len()].as_bytes());
        }
        EventType::Open => user_agent(buf),
        EventType::Click => {
            let path = LINK_PATHS[pick_usize % LINK_PATHS.len()];
            buf.extend_from_slice(br#""url":""#);
            landing_url(buf, path);
            buf.extend_from_slice(b"?utm_source=email&utm_medium=email&utm_campaign=c");
            push_i64(buf, campaign);
            buf.extend_from_slice(br#"","link_index":"#);
            push_u64(buf, (pick_usize % LINK_PATHS.len()) as u64);
            buf.push(b',');
            user_agent(buf);
        }
        EventType::FormView => {
            buf.extend_from_slice(br#""form":"lp-"#);
            push_i64(buf, campaign);
            buf.extend_from_slice(br#"","referrer":""#);
            landing_url(buf, LINK_PATHS[pick_usize % LINK_PATHS.len()]);
            buf.extend_from_slice(br#"","#);
            user_agent(buf);
        }
        EventType::FormSubmit => {
            buf.extend_from_slice(br#""form":"lp-"#);
            push_i64(buf, campaign);
            buf.extend_from_slice(br#"","#);
            user_agent(buf);
            buf.extend_from_slice(br#","fields":{"email":""#);
            contact_email(buf, e.organization_id, e.contact_id);
            buf.extend_from_slice(br#"","first_name":""#);
            let name = FIRST_NAMES[(e.contact_id as u64 % FIRST_NAMES.len() as u64) as usize];
            buf.extend_from_slice(name.as_bytes());
            buf.extend_from_slice(br#"","company":""#);
            buf.extend_from_slice(COMPANIES[pick_usize % COMPANIES.len()].as_bytes());
            buf.extend_from_slice(br#"","consent":"#);
            buf.extend_from_slice(if pick & 0x40 == 0 { b"true" } else { b"false" });
            buf.push(b'}');
        }
        EventType::Unsubscribe => {
            buf.extend_from_slice(br#""method":""#);
            buf.extend_from_slice(if pick & 1 == 0 {
                b"link".as_slice()
            } else {
                b"list-unsubscribe".as_slice()
            });
            buf.extend_from_slice(br#"","#);
            user_agent(buf);
        }
    }
}

/// SplitMix64: a cheap, well-mixed hash for stable per-contact choices.
pub(super) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Appends `v` in decimal.
pub(super) fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Appends `v` in decimal.
pub(super) fn push_i64(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    push_u64(buf, v.unsigned_abs());
}

fn push_padded(buf: &mut Vec<u8>, v: u32, width: usize) {
    let mut digits = [b'0'; 4];
    let mut v = v;
    for d in digits[..width].iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    buf.extend_from_slice(&digits[..width]);
}

/// Appends `millis` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ` (years 0..=9999).
pub(super) fn push_timestamp(buf: &mut Vec<u8>, millis: i64) {
    let days = millis.div_euclid(86_400_000);
    let ms_of_day = millis.rem_euclid(86_400_000) as u32;
    let (year, month, day) = civil_from_days(days);
    push_padded(buf, year.clamp(0, 9999) as u32, 4);
    buf.push(b'-');
    push_padded(buf, month, 2);
    buf.push(b'-');
    push_padded(buf, day, 2);
    buf.push(b'T');
    push_padded(buf, ms_of_day / 3_600_000, 2);
    buf.push(b':');
    push_padded(buf, ms_of_day / 60_000 % 60, 2);
    buf.push(b':');
    push_padded(buf, ms_of_day / 1000 % 60, 2);
    buf.push(b'.');
    push_padded(buf, ms_of_day % 1000, 3);
    buf.push(b'Z');
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use schema::PgEnum;

    #[test]
    fn timestamps_match_chrono() {
        for millis in [
            0i64,
            86_399_999,
            951_782_400_000,   // 2000-02-29
            1_795_263_300_123, // 2026-11-21T10:15:00.123Z
            -86_400_000 * 365,
            253_402_300_799_999, // 9999-12-31T23:59:59.999Z
        ] {
            let mut buf = Vec::new();
            push_timestamp(&mut buf, millis);
            let expected = chrono::DateTime::from_timestamp_millis(millis)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }

    #[test]
    fn integers() {
        for v in [0i64, 7, 10, 991_827, -42, i64::MAX, i64::MIN] {
            let mut buf = Vec::new();
            push_i64(&mut buf, v);
            assert_eq!(String::from_utf8(buf).unwrap(), v.to_string());
        }
    }

    #[test]
    fn constants_need_no_escaping() {
        let all = USER_AGENTS
            .iter()
            .chain(FIRST_NAMES)
            .chain(COMPANIES)
            .chain(LINK_PATHS);
        for s in all {
            assert!(!s.contains(['"', '\\']) && s.is_ascii(), "{s}");
        }
        for b in BOUNCES {
            let json = format!("{{{b}}}");
            serde_json::from_str::<serde_json::Value>(&json).unwrap();
        }
    }

    #[test]
    fn every_event_type_is_valid_json() {
        for (i, &t) in EventType::ALL.iter().enumerate() {
            for pick in [0u32, 1, 0x40, 0x1234_5678, u32::MAX] {
                let mut buf = Vec::new();
                write_event(
                    &mut buf,
                    &EventJson {
                        event_id: b"01936d3e-7f1a-7c3e-9a51-2f0c1d2e3f40",
                        organization_id: 7,
                        campaign_id: Some(4211),
                        contact_id: 991_827 + i as i64,
                        event_type: t.as_str(),
                        occurred_at_ms: 1_795_263_300_123,
                        ip: Some(client_ip(991_827, pick)),
                        data: Data::Typical {
                            event_type: t,
                            pick,
                        },
                    },
                );
                let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
                assert_eq!(v["event_type"], t.as_str());
                assert!(v["event_data"].is_object());
            }
        }
    }
}
