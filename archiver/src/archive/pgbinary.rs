//! The binary COPY forms of jsonb and inet, read into the text PostgreSQL's own output
//! gives (`jsonb::text`, `abbrev(inet)`), so that the export copies a partition's
//! columns as they are stored instead of casting them on the server.

use std::error::Error;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

use tokio_postgres::types::{FromSql, Type};

type BoxError = Box<dyn Error + Sync + Send>;

/// A jsonb value's text: binary jsonb is a format version (1) followed by the text that
/// `jsonb::text` gives.
pub(super) struct JsonbText<'a>(pub &'a str);

impl<'a> FromSql<'a> for JsonbText<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        match raw.split_first() {
            Some((1, text)) => Ok(JsonbText(std::str::from_utf8(text)?)),
            Some((version, _)) => {
                Err(format!("jsonb binary format version {version}, expected 1").into())
            }
            None => Err("an empty jsonb value".into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::JSONB
    }
}

/// An inet value as its binary form carries it: address and netmask length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Inet {
    V4(Ipv4Addr, u8),
    V6(Ipv6Addr, u8),
}

impl<'a> FromSql<'a> for Inet {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        // family, bits, is_cidr, address length, address.
        let [family, bits, _, len, address @ ..] = raw else {
            return Err(format!("inet of {} bytes", raw.len()).into());
        };
        if usize::from(*len) != address.len() {
            return Err(format!("inet says {len} address bytes, has {}", address.len()).into());
        }
        match (
            family,
            <[u8; 4]>::try_from(address),
            <[u8; 16]>::try_from(address),
        ) {
            (2, Ok(v4), _) if *bits <= 32 => Ok(Inet::V4(Ipv4Addr::from(v4), *bits)),
            (3, _, Ok(v6)) if *bits <= 128 => Ok(Inet::V6(Ipv6Addr::from(v6), *bits)),
            _ => Err(format!("inet of family {family}, /{bits}, {len} address bytes").into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INET
    }
}

impl Inet {
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
            let inet = Inet::from_sql(&Type::INET, &hex(binary))
                .unwrap_or_else(|e| panic!("{binary}: {e}"));
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
            assert!(Inet::from_sql(&Type::INET, &hex(bad)).is_err(), "{bad}");
        }
        assert!(JsonbText::from_sql(&Type::JSONB, b"").is_err());
        assert!(JsonbText::from_sql(&Type::JSONB, b"\x02{}").is_err());
        let ok = JsonbText::from_sql(&Type::JSONB, b"\x01{\"a\": 1}").map(|j| j.0.to_owned());
        assert_eq!(ok.ok().as_deref(), Some("{\"a\": 1}"));
    }
}
