//! A partition's rows as its binary COPY sends them, read straight from the protocol's
//! messages (no allocation per row), with jsonb and inet turned into the text
//! PostgreSQL's own output gives (`jsonb::text`, `abbrev(inet)`): the export copies the
//! columns as they are stored instead of casting them on the server.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::rows::PG_EPOCH_MICROS;

/// The signature that opens a binary COPY.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// One row of a binary COPY of the archive's columns (`rows::COLUMNS`), borrowed from
/// its message.
#[derive(Debug)]
pub(super) struct CopyRow<'a> {
    pub event_id: &'a [u8],
    pub organization_id: i64,
    pub campaign_id: i64,
    pub contact_id: i64,
    pub event_type: &'a str,
    /// Microseconds since the Unix epoch.
    pub occurred_at: i64,
    pub ip_address: Option<Inet>,
    pub event_data: &'a str,
    /// Microseconds since the Unix epoch.
    pub received_at: i64,
}

/// Reads the rows of a binary COPY from its CopyData messages. PostgreSQL sends one row
/// per message, the header with the first and the trailer alone.
#[derive(Debug, Default)]
pub(super) struct CopyReader {
    started: bool,
}

impl CopyReader {
    /// The row in `message`, or None for the trailer; an error says what is wrong with
    /// the message.
    pub fn row<'a>(&mut self, message: &'a [u8]) -> Result<Option<CopyRow<'a>>, String> {
        let mut c = Cursor(message);
        if !self.started {
            if c.take(SIGNATURE.len())? != SIGNATURE {
                return Err("the COPY does not start with the binary signature".into());
            }
            let _flags = c.i32()?;
            let extension = c.i32()?;
            c.take(usize::try_from(extension).map_err(|_| "a negative header extension")?)?;
            self.started = true;
        }
        match c.i16()? {
            -1 => return Ok(None),
            9 => {}
            n => return Err(format!("a row of {n} fields, expected 9")),
        }
        let row = CopyRow {
            event_id: c.exact("event_id", 16)?,
            organization_id: c.int8("organization_id")?,
            campaign_id: c.int8("campaign_id")?,
            contact_id: c.int8("contact_id")?,
            event_type: std::str::from_utf8(c.required("event_type")?)
                .map_err(|e| format!("event_type: {e}"))?,
            occurred_at: c.timestamptz("occurred_at")?,
            ip_address: c.field()?.map(Inet::parse).transpose()?,
            event_data: jsonb_text(c.required("event_data")?)?,
            received_at: c.timestamptz("received_at")?,
        };
        if !c.0.is_empty() {
            return Err(format!("{} bytes after the row's last field", c.0.len()));
        }
        Ok(Some(row))
    }
}

/// The unread rest of a message.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err(format!(
                "{n} bytes wanted, {} left in the message",
                self.0.len()
            ));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn i16(&mut self) -> Result<i16, String> {
        self.array().map(i16::from_be_bytes)
    }

    fn i32(&mut self) -> Result<i32, String> {
        self.array().map(i32::from_be_bytes)
    }

    /// A field: its length (-1 for NULL), then its bytes.
    fn field(&mut self) -> Result<Option<&'a [u8]>, String> {
        match self.i32()? {
            -1 => Ok(None),
            n => {
                let n = usize::try_from(n).map_err(|_| format!("a field of length {n}"))?;
                self.take(n).map(Some)
            }
        }
    }

    fn required(&mut self, column: &str) -> Result<&'a [u8], String> {
        self.field()?.ok_or_else(|| format!("{column} is NULL"))
    }

    fn exact(&mut self, column: &str, len: usize) -> Result<&'a [u8], String> {
        let value = self.required(column)?;
        if value.len() != len {
            return Err(format!("{column} of {} bytes, expected {len}", value.len()));
        }
        Ok(value)
    }

    fn int8(&mut self, column: &str) -> Result<i64, String> {
        let mut a = [0; 8];
        a.copy_from_slice(self.exact(column, 8)?);
        Ok(i64::from_be_bytes(a))
    }

    fn timestamptz(&mut self, column: &str) -> Result<i64, String> {
        Ok(self.int8(column)?.saturating_add(PG_EPOCH_MICROS))
    }
}

/// A jsonb value's text: binary jsonb is a format version (1) followed by the text that
/// `jsonb::text` gives.
fn jsonb_text(raw: &[u8]) -> Result<&str, String> {
    match raw.split_first() {
        Some((1, text)) => std::str::from_utf8(text).map_err(|e| format!("event_data: {e}")),
        Some((version, _)) => Err(format!(
            "event_data in jsonb binary format version {version}, expected 1"
        )),
        None => Err("an empty jsonb value".into()),
    }
}

/// An inet value as its binary form carries it: address and netmask length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Inet {
    V4(Ipv4Addr, u8),
    V6(Ipv6Addr, u8),
}

impl Inet {
    /// An inet's binary form: family, bits, is_cidr, address length, address.
    fn parse(raw: &[u8]) -> Result<Inet, String> {
        let [family, bits, _, len, address @ ..] = raw else {
            return Err(format!("inet of {} bytes", raw.len()));
        };
        if usize::from(*len) != address.len() {
            return Err(format!(
                "inet says {len} address bytes, has {}",
                address.len()
            ));
        }
        match (
            family,
            <[u8; 4]>::try_from(address),
            <[u8; 16]>::try_from(address),
        ) {
            (2, Ok(v4), _) if *bits <= 32 => Ok(Inet::V4(Ipv4Addr::from(v4), *bits)),
            (3, _, Ok(v6)) if *bits <= 128 => Ok(Inet::V6(Ipv6Addr::from(v6), *bits)),
            _ => Err(format!(
                "inet of family {family}, /{bits}, {len} address bytes"
            )),
        }
    }

    /// Appends the value as `abbrev(inet)` writes it: the address, then `/bits` unless
    /// the netmask covers the whole address.
    pub fn write_abbrev(&self, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = match self {
            Inet::V4(a, 32) => {
                write_v4(out, a.octets());
                Ok(())
            }
            Inet::V4(a, bits) => {
                write_v4(out, a.octets());
                write!(out, "/{bits}")
            }
            Inet::V6(a, 128) => write_v6(out, a),
            Inet::V6(a, bits) => write_v6(out, a).and_then(|()| write!(out, "/{bits}")),
        };
    }
}

/// A dotted IPv4 address, without `fmt`'s machinery: it is most rows' address, and
/// formatting it through `Display` cost the export about 4% of its CPU.
fn write_v4(out: &mut String, octets: [u8; 4]) {
    for (i, o) in octets.into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if o >= 100 {
            out.push(char::from(b'0' + o / 100));
        }
        if o >= 10 {
            out.push(char::from(b'0' + o / 10 % 10));
        }
        out.push(char::from(b'0' + o % 10));
    }
}

/// An IPv6 address as PostgreSQL writes it. That is RFC 5952, as Rust writes it, except
/// for the IPv4-compatible form `::a.b.c.d`, which PostgreSQL keeps dotted.
fn write_v6(out: &mut String, a: &Ipv6Addr) -> std::fmt::Result {
    let w = a.segments();
    if w[..6] == [0; 6] && w[6] != 0 {
        let [a, b, c, d] = [w[6] >> 8, w[6] & 0xff, w[7] >> 8, w[7] & 0xff];
        write!(out, "::{a}.{b}.{c}.{d}")
    } else {
        write!(out, "{a}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_default())
            .collect()
    }

    #[test]
    fn inet_reads_as_postgresql_abbreviates_it() {
        // inet_send(v) and abbrev(v) of each value, from PostgreSQL 15.
        let cases = [
            ("022000040a010203", "10.1.2.3"),
            ("021000040a010000", "10.1.0.0/16"),
            ("021800040a010203", "10.1.2.3/24"),
            ("0220000400000000", "0.0.0.0"),
            ("02200004ffffffff", "255.255.255.255"),
            ("02200004c0a80a64", "192.168.10.100"),
            ("02200004090a6309", "9.10.99.9"),
            ("0380001000000000000000000000000000000000", "::"),
            ("0380001000000000000000000000000000000001", "::1"),
            ("0380001000000000000000000000000000000002", "::2"),
            ("0380001000000000000000000000000001020304", "::1.2.3.4"),
            ("0380001000000000000000000000ffff01020304", "::ffff:1.2.3.4"),
            ("0380001000000000000000000000ffff00010002", "::ffff:0.1.0.2"),
            ("0380001020010db8000000000000000000000001", "2001:db8::1"),
            (
                "0380001020010db8000000000001000000000001",
                "2001:db8::1:0:0:1",
            ),
            ("03400010fe800000000000000000000000000001", "fe80::1/64"),
            (
                "0380001000010002000300040005000600070008",
                "1:2:3:4:5:6:7:8",
            ),
            ("038000100000000000000000000000000000ffff", "::ffff"),
            ("0380001000000000000000000000000100000000", "::1:0:0"),
            ("0380001000010000000000000000000000000000", "1::"),
        ];
        for (binary, text) in cases {
            let inet = Inet::parse(&hex(binary)).unwrap_or_else(|e| panic!("{binary}: {e}"));
            let mut out = String::new();
            inet.write_abbrev(&mut out);
            assert_eq!(out, text, "{binary}");
        }
    }

    #[test]
    fn malformed_inet_and_jsonb_are_errors() {
        for bad in [
            "",
            "02200004",
            "022000040a0102",
            "04200004ffffffff",
            "02210004ffffffff",
        ] {
            assert!(Inet::parse(&hex(bad)).is_err(), "{bad}");
        }
        assert!(jsonb_text(b"").is_err());
        assert!(jsonb_text(b"\x02{}").is_err());
        assert_eq!(jsonb_text(b"\x01{\"a\": 1}"), Ok("{\"a\": 1}"));
    }

    /// A binary COPY message of one row; `ip` as inet_send gives it, `None` for NULL.
    fn message(header: bool, ip: Option<&str>, data: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        if header {
            m.extend_from_slice(SIGNATURE);
            m.extend_from_slice(&0i32.to_be_bytes());
            m.extend_from_slice(&0i32.to_be_bytes());
        }
        m.extend_from_slice(&9i16.to_be_bytes());
        let mut field = |v: Option<&[u8]>| match v {
            None => m.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(v) => {
                m.extend_from_slice(&(v.len() as i32).to_be_bytes());
                m.extend_from_slice(v);
            }
        };
        field(Some(&[7; 16]));
        for n in [1i64, 2, 3] {
            field(Some(&n.to_be_bytes()));
        }
        field(Some(b"OPEN"));
        field(Some(&0i64.to_be_bytes()));
        let ip = ip.map(hex);
        field(ip.as_deref());
        field(Some(data));
        field(Some(&1_000_000i64.to_be_bytes()));
        m
    }

    #[test]
    fn copy_rows_are_read_from_their_messages() {
        let mut reader = CopyReader::default();
        let first = message(true, Some("022000040a010203"), b"\x01{}");
        let row = reader.row(&first).unwrap_or_else(|e| panic!("{e}"));
        let row = row.unwrap_or_else(|| panic!("a row"));
        assert_eq!(row.event_id, &[7; 16]);
        assert_eq!(
            (row.organization_id, row.campaign_id, row.contact_id),
            (1, 2, 3)
        );
        assert_eq!(row.event_type, "OPEN");
        assert_eq!(row.occurred_at, PG_EPOCH_MICROS);
        assert_eq!(row.received_at, PG_EPOCH_MICROS + 1_000_000);
        assert_eq!(
            row.ip_address,
            Some(Inet::V4(Ipv4Addr::new(10, 1, 2, 3), 32))
        );
        assert_eq!(row.event_data, "{}");
        let second = message(false, None, b"\x01[]");
        let row = reader.row(&second).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(row.map(|r| r.ip_address), Some(None));
        assert!(matches!(reader.row(&(-1i16).to_be_bytes()), Ok(None)));
    }

    #[test]
    fn a_malformed_copy_message_is_an_error_naming_what_is_wrong() {
        let good = message(true, None, b"\x01{}");
        let mut no_header = CopyReader::default();
        assert!(no_header.row(&good[19..]).is_err(), "no signature");
        for cut in [20, 30, good.len() - 1] {
            assert!(
                CopyReader::default().row(&good[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut long = good.clone();
        long.push(0);
        let err = CopyReader::default().row(&long).err().unwrap_or_default();
        assert!(err.contains("after the row"), "{err}");
        let mut bad_json = message(true, None, b"\x02{}");
        assert!(CopyReader::default().row(&bad_json).is_err());
        bad_json = message(true, Some("0220"), b"\x01{}");
        assert!(CopyReader::default().row(&bad_json).is_err());
    }
}
