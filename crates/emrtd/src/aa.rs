//! Active Authentication (ICAO Doc 9303-11 §6.1): the chip proves it holds the private key whose
//! public half is in DG15 (signed, through the SOD, by the issuing state), by signing a challenge
//! the verifier chose. A copied chip has the data but not the key.
//!
//! RSA chips answer with ISO/IEC 9796-2 digital signature scheme 1 (message recovery); EC chips
//! with ECDSA over the challenge, the hash named by DG14's ActiveAuthenticationInfo.
//!
//! Replay: a challenge comes from a CSPRNG, is bound to one verification, and is consumed by
//! [`verify`]; a response recorded for another challenge does not verify.

use std::fmt;

use checks::{Check, Evidence, Status};
use num_bigint::BigUint;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;

use crate::crypto::{EcdsaEncoding, PublicKey, SignatureAlgorithm, SignatureError};
use crate::hash::HashAlgorithm;

/// Name of the check.
pub const CHECK: &str = "chip.active_authentication";

/// Stable reason codes of Active Authentication.
pub mod reason {
    use checks::ReasonCode;
    /// DG15 is absent: the chip does not support AA.
    pub const NOT_SUPPORTED_BY_CHIP: ReasonCode = ReasonCode::new("aa_not_supported_by_chip");
    /// No response was supplied for the challenge.
    pub const NO_RESPONSE: ReasonCode = ReasonCode::new("aa_no_response");
    /// DG15 does not hold a usable public key.
    pub const KEY_UNUSABLE: ReasonCode = ReasonCode::new("aa_key_unusable");
    /// The response does not verify: the chip does not hold the DG15 key (a clone), or the
    /// response answers another challenge (a replay).
    pub const SIGNATURE_INVALID: ReasonCode = ReasonCode::new("aa_signature_invalid");
    /// An EC key, but DG14 names no AA signature algorithm.
    pub const ALGORITHM_UNKNOWN: ReasonCode = ReasonCode::new("aa_algorithm_unknown");
    /// A key type, curve or 9796-2 variant we do not implement.
    pub const UNSUPPORTED: ReasonCode = ReasonCode::new("algorithm_unsupported");
}

/// An 8-byte AA challenge (RND.IFD), bound to one verification.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge {
    bytes: [u8; 8],
    verification: String,
}

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Challenge(for {})", self.verification)
    }
}

impl Challenge {
    /// A fresh challenge for `verification` from a cryptographically secure generator.
    pub fn generate<R: CryptoRng + ?Sized>(
        rng: &mut R,
        verification: impl Into<String>,
    ) -> Challenge {
        let mut bytes = [0u8; 8];
        rng.fill_bytes(&mut bytes);
        Challenge {
            bytes,
            verification: verification.into(),
        }
    }

    /// A challenge the caller already issued and stored (e.g. the server, between the request
    /// that handed it out and the upload of the response).
    #[must_use]
    pub fn from_issued(bytes: [u8; 8], verification: impl Into<String>) -> Challenge {
        Challenge {
            bytes,
            verification: verification.into(),
        }
    }

    /// The bytes to send in INTERNAL AUTHENTICATE.
    #[must_use]
    pub fn bytes(&self) -> &[u8; 8] {
        &self.bytes
    }

    /// The verification the challenge belongs to.
    #[must_use]
    pub fn verification(&self) -> &str {
        &self.verification
    }
}

/// The DG15 public key (see [`crate::lds::Dg15`]).
pub fn dg15_public_key(dg15: &[u8]) -> Result<PublicKey, crate::crypto::KeyError> {
    crate::lds::Dg15::parse(dg15)
        .map_err(|_| crate::crypto::KeyError::Malformed("dg15"))?
        .key
}

/// Verifies a chip's AA response to `challenge` (consumed: one challenge, one verification).
///
/// `dg15` is the DG15 file; `ec_hash` the hash of DG14's ActiveAuthenticationInfo (needed for
/// EC keys only). The result is a check, with the key and scheme as evidence.
#[must_use]
pub fn verify(
    dg15: Option<&[u8]>,
    ec_hash: Option<HashAlgorithm>,
    challenge: Challenge,
    response: Option<&[u8]>,
) -> Check {
    let Some(dg15) = dg15 else {
        return Check::not_performed(CHECK, reason::NOT_SUPPORTED_BY_CHIP);
    };
    let key = match dg15_public_key(dg15) {
        Ok(k) => k,
        Err(crate::crypto::KeyError::Unsupported(what)) => {
            return Check::new(CHECK, Status::Unsupported, reason::UNSUPPORTED)
                .with_evidence(Evidence::new().with("unsupported", what));
        }
        Err(e) => {
            return Check::fail(CHECK, reason::KEY_UNUSABLE)
                .with_evidence(Evidence::new().with("detail", e.to_string()));
        }
    };
    let Some(response) = response else {
        return Check::not_performed(CHECK, reason::NO_RESPONSE)
            .with_evidence(Evidence::new().with("key", key.description()));
    };
    let evidence = Evidence::new()
        .with("key", key.description())
        .with("verification", challenge.verification.clone());
    match &key {
        PublicKey::Rsa(rsa) => {
            let outcome = verify_iso9796_2(rsa, &challenge.bytes, response);
            match outcome {
                Ok(hash) => Check::pass(CHECK).with_evidence(
                    evidence.with("scheme", format!("ISO/IEC 9796-2 scheme 1/{hash}")),
                ),
                Err(Iso9796Error::Unsupported(what)) => {
                    Check::new(CHECK, Status::Unsupported, reason::UNSUPPORTED)
                        .with_evidence(evidence.with("unsupported", what))
                }
                Err(Iso9796Error::Invalid(what)) => Check::fail(CHECK, reason::SIGNATURE_INVALID)
                    .with_evidence(evidence.with("detail", what)),
            }
        }
        PublicKey::Ec(_) => {
            let Some(hash) = ec_hash else {
                return Check::fail(CHECK, reason::ALGORITHM_UNKNOWN).with_evidence(evidence);
            };
            let alg = SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Plain,
            };
            let evidence = evidence.with("scheme", alg.name());
            match alg.verify(&key, &challenge.bytes, response) {
                Ok(()) => Check::pass(CHECK).with_evidence(evidence),
                Err(SignatureError::Unsupported(what)) => {
                    Check::new(CHECK, Status::Unsupported, reason::UNSUPPORTED)
                        .with_evidence(evidence.with("unsupported", what))
                }
                Err(e) => Check::fail(CHECK, reason::SIGNATURE_INVALID)
                    .with_evidence(evidence.with("detail", e.code())),
            }
        }
    }
}

enum Iso9796Error {
    Invalid(&'static str),
    Unsupported(String),
}

/// ISO/IEC 9796-2 digital signature scheme 1 (ICAO 9303-11 §6.1.2.2): recover
/// F = header ‖ M1 ‖ H ‖ trailer from s^e mod n and check H = Hash(M1 ‖ M2), M2 the challenge.
fn verify_iso9796_2(
    key: &crate::crypto::RsaKey,
    challenge: &[u8; 8],
    response: &[u8],
) -> Result<HashAlgorithm, Iso9796Error> {
    let n = key.modulus();
    let k = usize::try_from(n.bits().div_ceil(8)).map_err(|_| Iso9796Error::Invalid("modulus"))?;
    let s = BigUint::from_bytes_be(response);
    if response.len() > k || &s >= n {
        return Err(Iso9796Error::Invalid("response_out_of_range"));
    }
    let m = key.raw_public(&s).to_bytes_be();
    if m.len() > k {
        return Err(Iso9796Error::Invalid("recovered_message_length"));
    }
    let mut f = vec![0u8; k - m.len()];
    f.extend_from_slice(&m);
    // Trailer: 0xBC (implicit SHA-1) or 0x?? 0xCC with an ISO/IEC 10118-3 hash identifier.
    let (hash, trailer_len) = match f.as_slice() {
        [.., 0xBC] => (HashAlgorithm::Sha1, 1),
        [.., id, 0xCC] => (
            match id {
                0x33 => HashAlgorithm::Sha1,
                0x34 => HashAlgorithm::Sha256,
                0x35 => HashAlgorithm::Sha512,
                0x36 => HashAlgorithm::Sha384,
                0x38 => HashAlgorithm::Sha224,
                other => {
                    return Err(Iso9796Error::Unsupported(format!(
                        "ISO/IEC 9796-2 hash identifier {other:#04x}"
                    )));
                }
            },
            2,
        ),
        _ => return Err(Iso9796Error::Invalid("trailer")),
    };
    let header = *f.first().ok_or(Iso9796Error::Invalid("empty"))?;
    if header & 0xC0 != 0x40 {
        return Err(Iso9796Error::Invalid("header"));
    }
    // 0x6A: partial recovery (M2 = the challenge is not in F); 0x4A: total recovery.
    let partial = match header {
        0x6A => true,
        0x4A => false,
        _ => {
            return Err(Iso9796Error::Unsupported(format!(
                "ISO/IEC 9796-2 header {header:#04x} (padded form)"
            )));
        }
    };
    let h_len = hash.output_len();
    let body_end = k
        .checked_sub(trailer_len)
        .ok_or(Iso9796Error::Invalid("length"))?;
    let m1_end = body_end
        .checked_sub(h_len)
        .ok_or(Iso9796Error::Invalid("length"))?;
    if m1_end < 1 {
        return Err(Iso9796Error::Invalid("length"));
    }
    let m1 = f.get(1..m1_end).ok_or(Iso9796Error::Invalid("length"))?;
    let h = f
        .get(m1_end..body_end)
        .ok_or(Iso9796Error::Invalid("length"))?;
    let expected = if partial {
        hash.digest_parts(&[m1, challenge])
    } else {
        // Total recovery: the recovered message is the whole of M; it must be the challenge.
        if !bool::from(m1.ct_eq(challenge)) {
            return Err(Iso9796Error::Invalid("recovered_message_differs"));
        }
        hash.digest(m1)
    };
    if bool::from(expected.as_slice().ct_eq(h)) {
        Ok(hash)
    } else {
        Err(Iso9796Error::Invalid("hash_mismatch"))
    }
}
