//! What Postgres's `jsonb` input refuses in JSON text that serde_json accepts, found
//! before the text reaches the database: a refused row would split its batch.

use super::{DETAIL_VALUE_CHARS, truncate_chars};

/// Largest power of ten of a jsonb number's leading digit: `numeric` counts its weight
/// in base-10000 digits in an int16, so the value must stay below 10^(4 * 32768).
const JSONB_MAX_LEADING_POWER: i64 = 131_071;
/// Most digits after the decimal point a jsonb number may have once its exponent is
/// applied (trailing zeros count): `numeric`'s display scale is 14 bits.
const JSONB_MAX_SCALE: i64 = 16_383;
/// `numeric` refuses an exponent this large or larger in magnitude (INT_MAX / 2) first.
const JSONB_EXPONENT_LIMIT: i64 = 1_073_741_823;

/// The first thing in JSON text, already checked by the parser, that Postgres's `jsonb`
/// input refuses: the escape `\u0000`, a UTF-16 surrogate escape that is not part of a
/// high-then-low pair, or a number that `numeric` cannot hold. One pass; strings are
/// skipped up to their next quote or backslash.
pub(super) fn check(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        at = match b {
            b'"' => string_end(text, at + 1)?,
            b'-' | b'0'..=b'9' => number_end(text, at)?,
            _ => at + 1,
        };
    }
    Ok(())
}

/// Checks the escapes of the string whose text starts at `at` (after its opening
/// quote); returns where the string ends (after its closing quote).
fn string_end(text: &str, mut at: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    // Where a high surrogate escape waits for the low one that must follow at once.
    let mut high: Option<usize> = None;
    loop {
        let plain = bytes
            .get(at..)
            .and_then(|rest| rest.iter().position(|b| matches!(b, b'"' | b'\\')))
            .unwrap_or(bytes.len().saturating_sub(at));
        at += plain;
        let unit = match (bytes.get(at), bytes.get(at + 1)) {
            (Some(b'\\'), Some(b'u')) => text
                .get(at + 2..at + 6)
                .and_then(|hex| u16::from_str_radix(hex, 16).ok()),
            _ => None,
        };
        if let Some(high) = high.take() {
            if plain > 0 || !matches!(unit, Some(0xDC00..=0xDFFF)) {
                return Err(unpaired_surrogate(text, high));
            }
            at += 6;
            continue;
        }
        match (bytes.get(at), unit) {
            (Some(b'"'), _) => return Ok(at + 1),
            (Some(_), Some(0)) => {
                return Err(
                    "contains the escape \\u0000, which Postgres jsonb cannot store".to_owned(),
                );
            }
            (Some(_), Some(0xD800..=0xDBFF)) => {
                high = Some(at);
                at += 6;
            }
            (Some(_), Some(0xDC00..=0xDFFF)) => return Err(unpaired_surrogate(text, at)),
            (Some(_), Some(_)) => at += 6,
            // Another escape: skip the escaped character, which may be a quote.
            (Some(_), None) => at += 2,
            (None, _) => return Ok(at),
        }
    }
}

fn unpaired_surrogate(text: &str, at: usize) -> String {
    format!(
        "unpaired UTF-16 surrogate escape {}, which Postgres jsonb cannot store",
        text.get(at..at + 6).unwrap_or_default()
    )
}

/// Checks the number whose text starts at `start` against the limits of Postgres's
/// `numeric`; returns where it ends.
fn number_end(text: &str, start: usize) -> Result<usize, String> {
    let bytes = text.as_bytes();
    let digit_at = |at: usize| bytes.get(at).filter(|b| b.is_ascii_digit()).copied();
    let mut at = start;
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    let mut first_nonzero = None;
    while let Some(d) = digit_at(at) {
        if d != b'0' && first_nonzero.is_none() {
            first_nonzero = Some(at);
        }
        at += 1;
    }
    let int_end = at;
    // The power of ten of the first nonzero digit, before the exponent is applied.
    let mut leading_power = first_nonzero.map(|first| to_i64(int_end - first) - 1);
    let mut fraction_digits = 0;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let fraction_start = at;
        while let Some(d) = digit_at(at) {
            if d != b'0' && leading_power.is_none() {
                leading_power = Some(to_i64(fraction_start) - to_i64(at) - 1);
            }
            at += 1;
        }
        fraction_digits = to_i64(at - fraction_start);
    }
    let mut exponent: i64 = 0;
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        let negative = bytes.get(at) == Some(&b'-');
        if matches!(bytes.get(at), Some(b'-' | b'+')) {
            at += 1;
        }
        while let Some(d) = digit_at(at) {
            // Capped past every limit, so that no exponent can overflow.
            exponent = (exponent * 10 + i64::from(d - b'0')).min(JSONB_EXPONENT_LIMIT);
            at += 1;
        }
        if negative {
            exponent = -exponent;
        }
    }
    let fits = exponent.abs() < JSONB_EXPONENT_LIMIT
        && fraction_digits.saturating_sub(exponent) <= JSONB_MAX_SCALE
        && leading_power.is_none_or(|power| power + exponent <= JSONB_MAX_LEADING_POWER);
    if fits {
        Ok(at)
    } else {
        Err(format!(
            "number {} is out of the range Postgres can store",
            truncate_chars(text.get(start..at).unwrap_or_default(), DETAIL_VALUE_CHARS)
        ))
    }
}

/// A length as i64: text lengths are far below i64::MAX.
fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
