//! Credentials of the API: API keys for the integrator's backend, and short-lived SDK tokens for
//! the capture front end.
//!
//! - **API keys** look like `idv_<prefix>_<secret>`: the 8-character prefix identifies the key in
//!   logs and the dashboard; only SHA-256 of the secret is stored (the secret has 256 bits of
//!   entropy, so a slow hash adds nothing), and the check is constant-time.
//! - **SDK tokens** are JWTs (RFC 7519) signed with HMAC-SHA-256, valid at most 15 minutes, bound
//!   to one verification and to a list of upload scopes. Only `HS256` is accepted (never `none`
//!   or another algorithm named in the header), and the key id selects among rotating keys.
//!
//! - **Dashboard sign-in**: [`totp`] (RFC 6238 second factor) and [`session`] (session tokens
//!   stored as hashes, CSRF tokens bound to them).
//!
//! Time and randomness are passed in. No I/O.
#![forbid(unsafe_code)]

pub mod session;
pub mod totp;

use std::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

type HmacSha256 = Hmac<Sha256>;

/// The longest an SDK token may live.
pub const MAX_TOKEN_LIFETIME_SECS: i64 = 15 * 60;

/// Why a credential was refused. Every variant maps to a 401 (or 403 for scope and binding).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not a credential of our format.
    #[error("malformed credential")]
    Malformed,
    /// The key or token signature is not one we issued.
    #[error("invalid credential")]
    Invalid,
    /// The token has expired (or is not valid yet).
    #[error("token expired")]
    Expired,
    /// The token does not grant this scope.
    #[error("token lacks scope {0}")]
    Scope(String),
    /// The token belongs to another verification.
    #[error("token is bound to another verification")]
    WrongVerification,
    /// A token lifetime above the maximum was asked for.
    #[error("token lifetime above {MAX_TOKEN_LIFETIME_SECS} s")]
    Lifetime,
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Malformed => "credential_malformed",
            Error::Invalid => "credential_invalid",
            Error::Expired => "token_expired",
            Error::Scope(_) => "token_scope",
            Error::WrongVerification => "token_wrong_verification",
            Error::Lifetime => "token_lifetime",
        }
    }

    /// The HTTP status: 401 for who-are-you failures, 403 for a valid token used out of bounds.
    #[must_use]
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Scope(_) | Error::WrongVerification => 403,
            Error::Lifetime => 400,
            _ => 401,
        }
    }
}

fn random<const N: usize, R: CryptoRng + ?Sized>(rng: &mut R) -> [u8; N] {
    let mut b = [0u8; N];
    rng.fill_bytes(&mut b);
    b
}

const PREFIX_ALPHABET: &[u8; 32] = b"abcdefghijkmnopqrstuvwxyz2345678";

/// A newly created API key: shown once, then only its prefix and hash remain.
pub struct NewApiKey {
    /// The full key, to hand to the integrator once.
    pub secret: Zeroizing<String>,
    /// What to store.
    pub stored: StoredApiKey,
}

impl fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NewApiKey({}, [redacted])", self.stored.prefix)
    }
}

/// An API key as the database keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredApiKey {
    /// The visible identifier (8 characters).
    pub prefix: String,
    /// SHA-256 of the secret part, hex.
    pub hash: String,
}

fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl NewApiKey {
    /// A fresh key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> NewApiKey {
        let p: [u8; 8] = random(rng);
        let prefix: String = p
            .iter()
            .filter_map(|b| {
                PREFIX_ALPHABET
                    .get(usize::from(b % 32))
                    .map(|c| char::from(*c))
            })
            .collect();
        let mut s: [u8; 32] = random(rng);
        let secret_part = Base64UrlUnpadded::encode_string(&s);
        s.zeroize();
        let stored = StoredApiKey {
            prefix: prefix.clone(),
            hash: hash_secret(&secret_part),
        };
        NewApiKey {
            secret: Zeroizing::new(format!("idv_{prefix}_{secret_part}")),
            stored,
        }
    }
}

/// Splits a presented key into (prefix, secret) without judging it.
pub fn parse_api_key(presented: &str) -> Result<(&str, &str), Error> {
    let rest = presented.strip_prefix("idv_").ok_or(Error::Malformed)?;
    let (prefix, secret) = rest.split_once('_').ok_or(Error::Malformed)?;
    if prefix.len() != 8
        || !prefix.bytes().all(|b| PREFIX_ALPHABET.contains(&b))
        || secret.len() != 43
    {
        return Err(Error::Malformed);
    }
    Ok((prefix, secret))
}

/// Checks a presented key against the stored one (looked up by its prefix), in constant time.
pub fn verify_api_key(presented: &str, stored: &StoredApiKey) -> Result<(), Error> {
    let (prefix, secret) = parse_api_key(presented)?;
    let same_prefix = prefix.as_bytes().ct_eq(stored.prefix.as_bytes());
    let same_hash = hash_secret(secret).as_bytes().ct_eq(stored.hash.as_bytes());
    if bool::from(same_prefix & same_hash) {
        Ok(())
    } else {
        Err(Error::Invalid)
    }
}

/// What an SDK token may upload or do.
pub mod scope {
    /// Upload document images.
    pub const DOCUMENT: &str = "upload:document";
    /// Upload chip files and the AA response.
    pub const CHIP: &str = "upload:chip";
    /// Upload the selfie and liveness frames.
    pub const FACE: &str = "upload:face";
    /// Submit the verification for processing.
    pub const SUBMIT: &str = "submit";
    /// Every scope an SDK session needs.
    pub const ALL: [&str; 4] = [DOCUMENT, CHIP, FACE, SUBMIT];
}

/// The claims of an SDK token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The verification it is bound to.
    pub sub: String,
    /// Audience: always `idverify-sdk`.
    pub aud: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Token id (for revocation lists).
    pub jti: String,
    /// Granted scopes.
    pub scope: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// A token-signing key with its id.
pub struct TokenKey {
    kid: String,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenKey({}, [redacted])", self.kid)
    }
}

impl TokenKey {
    /// A key from 32 bytes and its id.
    #[must_use]
    pub fn new(kid: impl Into<String>, key: [u8; 32]) -> TokenKey {
        TokenKey {
            kid: kid.into(),
            key: Zeroizing::new(key),
        }
    }

    /// The raw key, for the key file.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.key
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length; an empty MAC (never produced) would fail every check.
        let Ok(mut m) = <HmacSha256 as KeyInit>::new_from_slice(self.key.as_slice()) else {
            return Vec::new();
        };
        m.update(data);
        m.finalize().into_bytes().to_vec()
    }
}

/// Issues an SDK token for `verification` with `scopes`, valid `lifetime_secs` (≤ 15 min) from `now`.
pub fn issue_token<R: CryptoRng + ?Sized>(
    key: &TokenKey,
    verification: &str,
    scopes: &[&str],
    now: i64,
    lifetime_secs: i64,
    rng: &mut R,
) -> Result<String, Error> {
    if lifetime_secs <= 0 || lifetime_secs > MAX_TOKEN_LIFETIME_SECS {
        return Err(Error::Lifetime);
    }
    let jti = Base64UrlUnpadded::encode_string(&random::<16, R>(rng));
    let claims = Claims {
        sub: verification.to_owned(),
        aud: "idverify-sdk".to_owned(),
        iat: now,
        exp: now + lifetime_secs,
        jti,
        scope: scopes.iter().map(|s| (*s).to_owned()).collect(),
    };
    let header = Header {
        alg: "HS256".into(),
        typ: "JWT".into(),
        kid: key.kid.clone(),
    };
    let h = Base64UrlUnpadded::encode_string(
        &serde_json::to_vec(&header).map_err(|_| Error::Malformed)?,
    );
    let c = Base64UrlUnpadded::encode_string(
        &serde_json::to_vec(&claims).map_err(|_| Error::Malformed)?,
    );
    let signing_input = format!("{h}.{c}");
    let sig = Base64UrlUnpadded::encode_string(&key.mac(signing_input.as_bytes()));
    Ok(format!("{signing_input}.{sig}"))
}

/// Checks a token: signature (by the key its `kid` names, among `keys`), algorithm, audience,
/// expiry at `now`, binding to `verification`, and `needed` scope. Returns the claims.
pub fn verify_token(
    token: &str,
    keys: &[TokenKey],
    verification: &str,
    needed: &str,
    now: i64,
) -> Result<Claims, Error> {
    if token.len() > 4096 {
        return Err(Error::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Malformed);
    };
    let header: Header =
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(h).map_err(|_| Error::Malformed)?)
            .map_err(|_| Error::Malformed)?;
    if header.alg != "HS256" {
        return Err(Error::Invalid);
    }
    let key = keys
        .iter()
        .find(|k| k.kid == header.kid)
        .ok_or(Error::Invalid)?;
    let sig = Base64UrlUnpadded::decode_vec(s).map_err(|_| Error::Malformed)?;
    let signing_input_len = h.len() + 1 + c.len();
    let signing_input = token.get(..signing_input_len).ok_or(Error::Malformed)?;
    if !bool::from(key.mac(signing_input.as_bytes()).ct_eq(&sig)) {
        return Err(Error::Invalid);
    }
    let claims: Claims =
        serde_json::from_slice(&Base64UrlUnpadded::decode_vec(c).map_err(|_| Error::Malformed)?)
            .map_err(|_| Error::Malformed)?;
    if claims.aud != "idverify-sdk" {
        return Err(Error::Invalid);
    }
    if now >= claims.exp
        || now < claims.iat - 60
        || claims.exp - claims.iat > MAX_TOKEN_LIFETIME_SECS
    {
        return Err(Error::Expired);
    }
    if !bool::from(claims.sub.as_bytes().ct_eq(verification.as_bytes())) {
        return Err(Error::WrongVerification);
    }
    if !claims.scope.iter().any(|s| s == needed) {
        return Err(Error::Scope(needed.to_owned()));
    }
    Ok(claims)
}
