//! The keyed hash an erased address is replaced by (docs/gdpr.md, "Recognising an erased
//! person"): HMAC-SHA256 under the operator's secret `TALLY_GDPR_KEY`, of the
//! organization and the normalized address. The same address erased in the same
//! organization always gives the same hash, so a re-import of it is recognised; without
//! the key the hash cannot be recomputed from a guessed address, and two organizations
//! get unrelated hashes for one address, so they cannot be linked through it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::GdprError;

/// The domain of every erased address: `.invalid` is reserved (RFC 2606) and never
/// delivers, so an erased contact can never be mailed by mistake.
pub const ERASED_DOMAIN: &str = "erased.invalid";

/// The shortest key accepted, in bytes: below the hash's own 32 bytes, HMAC's strength
/// is the key's.
pub const MIN_KEY_BYTES: usize = 32;

/// The secret erased addresses are hashed under; never printed.
#[derive(Clone)]
pub struct ErasureKey(Vec<u8>);

impl std::fmt::Debug for ErasureKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ErasureKey(..)")
    }
}

impl ErasureKey {
    /// The key from the setting's text (its UTF-8 bytes), refused when shorter than
    /// [`MIN_KEY_BYTES`].
    pub fn new(secret: &str) -> Result<ErasureKey, GdprError> {
        if secret.len() < MIN_KEY_BYTES {
            return Err(GdprError::KeyTooShort {
                bytes: secret.len(),
            });
        }
        Ok(ErasureKey(secret.as_bytes().to_vec()))
    }

    /// The hash of `email` in `organization`: 64 lower-case hex digits.
    pub fn hash(&self, organization: i64, email: &str) -> String {
        // Any key length is valid for HMAC, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            unreachable!("HMAC takes keys of any length")
        };
        mac.update(organization.to_string().as_bytes());
        mac.update(b":");
        mac.update(normalize_email(email).as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// The address an erased contact or user keeps in place of `email`:
    /// `<hash>@erased.invalid`, which the address column's check accepts.
    pub fn marker(&self, organization: i64, email: &str) -> String {
        format!("{}@{ERASED_DOMAIN}", self.hash(organization, email))
    }
}

/// An address as it is matched: trimmed and lower-cased, as the contacts' unique index
/// compares them (`lower(email)`).
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ErasureKey {
        ErasureKey::new("0123456789abcdef0123456789abcdef").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_hash_is_hmac_sha256_of_the_organization_and_the_address() {
        // Computed independently: printf '7:ada@example.com' | openssl dgst -sha256
        //   -hmac 0123456789abcdef0123456789abcdef
        assert_eq!(
            key().hash(7, "ada@example.com"),
            "5c3a5e03231cd349354c44aaa06b78aa42f089a075b43c5e1da1b82d6246443f"
        );
    }

    #[test]
    fn case_and_spaces_do_not_matter_but_the_organization_does() {
        let k = key();
        assert_eq!(k.hash(7, " Ada@Example.COM "), k.hash(7, "ada@example.com"));
        assert_ne!(k.hash(7, "ada@example.com"), k.hash(8, "ada@example.com"));
        assert_ne!(k.hash(7, "ada@example.com"), k.hash(7, "bob@example.com"));
        let other = ErasureKey::new("another secret of at least 32 bytes!")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            k.hash(7, "ada@example.com"),
            other.hash(7, "ada@example.com")
        );
    }

    #[test]
    fn the_marker_is_an_undeliverable_address_of_hex_digits() {
        let m = key().marker(7, "ada@example.com");
        let (local, domain) = m.split_once('@').unwrap_or_default();
        assert_eq!(domain, ERASED_DOMAIN);
        assert_eq!(local.len(), 64);
        assert!(
            local
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[test]
    fn a_short_key_is_refused_and_a_key_is_never_printed() {
        let e = ErasureKey::new("short").map(|_| ()).unwrap_err();
        assert!(e.to_string().contains("TALLY_GDPR_KEY"), "{e}");
        assert_eq!(format!("{:?}", key()), "ErasureKey(..)");
    }
}
