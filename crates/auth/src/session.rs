//! Dashboard sessions: a random 256-bit token in the cookie, only its SHA-256 in the database
//! (a copy of the database opens no session), and a CSRF token derived from the session token
//! (a synchronizer token bound to the session without storing it), checked in constant time.

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A session token as the browser holds it (base64url of 32 random bytes).
pub struct SessionToken(Zeroizing<String>);

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

impl SessionToken {
    /// A fresh token.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> SessionToken {
        let mut b = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(b.as_mut_slice());
        SessionToken(Zeroizing::new(Base64UrlUnpadded::encode_string(
            b.as_slice(),
        )))
    }

    /// A token presented in a cookie, if it has the shape of one (43 base64url characters).
    #[must_use]
    pub fn parse(presented: &str) -> Option<SessionToken> {
        let ok = presented.len() == 43
            && presented
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| SessionToken(Zeroizing::new(presented.to_owned())))
    }

    /// The cookie value.
    #[must_use]
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// What the database stores: SHA-256 of the token, hex.
    #[must_use]
    pub fn hash(&self) -> String {
        hex_of(&Sha256::digest(self.0.as_bytes()))
    }

    /// The CSRF token of this session: HMAC-SHA-256(token, "idverify-csrf-v1"), base64url.
    #[must_use]
    pub fn csrf(&self) -> String {
        let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_bytes()) else {
            return String::new();
        };
        m.update(b"idverify-csrf-v1");
        Base64UrlUnpadded::encode_string(&m.finalize().into_bytes())
    }

    /// Whether `presented` is this session's CSRF token (constant time).
    #[must_use]
    pub fn csrf_matches(&self, presented: &str) -> bool {
        let want = self.csrf();
        !want.is_empty() && bool::from(want.as_bytes().ct_eq(presented.as_bytes()))
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn tokens_hash_and_bind_csrf() {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let a = SessionToken::generate(&mut rng);
        let b = SessionToken::generate(&mut rng);
        assert_eq!(a.expose_secret().len(), 43);
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.hash().len(), 64);
        let parsed = SessionToken::parse(a.expose_secret()).unwrap();
        assert_eq!(parsed.hash(), a.hash());
        assert!(a.csrf_matches(&a.csrf()));
        assert!(!a.csrf_matches(&b.csrf()));
        assert!(!a.csrf_matches(""));
        assert!(SessionToken::parse("short").is_none());
        assert!(SessionToken::parse(&"a".repeat(42).replace('a', "/")).is_none());
        assert_eq!(format!("{a:?}"), "SessionToken([redacted])");
    }
}
