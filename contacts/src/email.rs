//! The address rule of the `email_address` domain (sql/0001), checked in Rust so that a
//! bad address refuses its own line instead of failing the whole import in Postgres.
//!
//! The domain: `length(VALUE) <= 254 AND VALUE ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'`: one `@`
//! with something on each side, no white space, and a dot inside the part after the `@`.
//! `\s` of a Postgres regular expression is `[[:space:]]`; [`is_space`] is at least as
//! wide as Postgres's on every locale (a test compares both), so an address this module
//! accepts is never refused by the domain.

/// The longest address the domain accepts, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;

/// Why an address is refused; shown in the refused line's detail.
pub fn check_email(address: &str) -> Result<(), &'static str> {
    if address.chars().count() > MAX_EMAIL_CHARS {
        return Err("longer than 254 characters");
    }
    if address.chars().any(is_space) {
        return Err("contains white space");
    }
    let Some((local, domain)) = address.split_once('@') else {
        return Err("has no @");
    };
    if domain.contains('@') {
        return Err("has more than one @");
    }
    if local.is_empty() {
        return Err("has nothing before the @");
    }
    // `[^@\s]+\.[^@\s]+`: a dot with at least one character on each side.
    let inner = domain
        .char_indices()
        .any(|(i, c)| c == '.' && i > 0 && i + 1 < domain.len());
    if !inner {
        return Err("has no dot inside the domain after the @");
    }
    Ok(())
}

/// White space as a Postgres regular expression's `\s` may see it: Unicode White_Space,
/// the ASCII separators 0x1C-0x1F (C's `isspace` on some platforms) and the zero-width
/// characters some C libraries class as spaces.
pub fn is_space(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{1c}'..='\u{1f}' | '\u{180e}' | '\u{200b}' | '\u{feff}'
        )
}

/// The address split for rule matching: the lower-cased part before the `@` and after.
/// Only called on addresses [`check_email`] accepted.
pub fn parts(lowered: &str) -> (&str, &str) {
    lowered.split_once('@').unwrap_or((lowered, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_pass() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "o'neil@example.ie",
            "x@y.z",
            "ünï@exämple.de",
        ] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn what_the_domain_refuses_is_refused_with_a_reason() {
        for (bad, why) in [
            ("plainaddress", "has no @"),
            ("@example.com", "has nothing before the @"),
            ("a@b@example.com", "has more than one @"),
            ("a@localhost", "has no dot inside the domain after the @"),
            ("a@.com", "has no dot inside the domain after the @"),
            ("a@com.", "has no dot inside the domain after the @"),
            ("a b@example.com", "contains white space"),
            ("a@exa\u{a0}mple.com", "contains white space"),
        ] {
            assert_eq!(check_email(bad), Err(why), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(243));
        assert_eq!(long.len(), 255);
        assert_eq!(check_email(&long), Err("longer than 254 characters"));
        assert_eq!(check_email(&long[1..]), Ok(()));
    }

    #[test]
    fn an_address_splits_at_its_at() {
        assert_eq!(parts("info@example.com"), ("info", "example.com"));
    }
}
