//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), the dashboard's second factor:
//! HMAC-SHA-1, 6 digits, 30-second steps, the step before and after accepted for clock drift,
//! and a step already used refused (a code seen over a shoulder or in a proxy log cannot be
//! replayed). Secrets are 20 random bytes (160 bits, RFC 4226 §4 R6), shown once as base32
//! (RFC 4648 §6) and as an `otpauth://` URI for authenticator apps.
//!
//! Pure: time is an input (Unix seconds) and the secret comes from the caller.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use rand_core::CryptoRng;
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The step, seconds (RFC 6238 §4.1 X, its recommended default).
pub const STEP_SECS: u64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps either side of now that are still accepted.
pub const DRIFT_STEPS: u64 = 1;

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TotpError {
    /// Not six ASCII digits.
    #[error("a code is six digits")]
    Malformed,
    /// No step in the window gives this code.
    #[error("wrong code")]
    Wrong,
    /// The code is right but its step was already used.
    #[error("code already used")]
    Replayed,
}

impl TotpError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            TotpError::Malformed => "totp_malformed",
            TotpError::Wrong => "totp_invalid",
            TotpError::Replayed => "totp_replayed",
        }
    }
}

/// A TOTP secret: zeroized on drop, `[redacted]` in `Debug`.
#[derive(Clone)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([redacted])")
    }
}

impl TotpSecret {
    /// 20 fresh random bytes.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> TotpSecret {
        let mut b = Zeroizing::new(vec![0u8; 20]);
        rng.fill_bytes(b.as_mut_slice());
        TotpSecret(b)
    }

    /// From raw bytes (as decrypted from storage).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> TotpSecret {
        TotpSecret(Zeroizing::new(bytes.to_vec()))
    }

    /// The raw bytes, to encrypt for storage.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Base32 without padding, what a person types into an authenticator app.
    #[must_use]
    pub fn to_base32(&self) -> Zeroizing<String> {
        base32(&self.0)
    }

    /// The `otpauth://totp/…` URI (the de-facto Key Uri Format) for `issuer` and `account`.
    #[must_use]
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Zeroizing<String> {
        let label = format!("{}:{}", uri_escape(issuer), uri_escape(account));
        Zeroizing::new(format!(
            "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
            base32(&self.0).as_str(),
            uri_escape(issuer)
        ))
    }
}

fn uri_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// RFC 4648 §6 base32, upper case, no padding.
fn base32(bytes: &[u8]) -> Zeroizing<String> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Zeroizing::new(String::with_capacity(bytes.len().div_ceil(5) * 8));
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            let i = usize::try_from((buffer >> bits) & 31).unwrap_or(0);
            out.push(char::from(ALPHABET.get(i).copied().unwrap_or(b'A')));
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        let i = usize::try_from((buffer << (5 - bits)) & 31).unwrap_or(0);
        out.push(char::from(ALPHABET.get(i).copied().unwrap_or(b'A')));
    }
    out
}

/// HOTP (RFC 4226 §5.3): HMAC-SHA-1 of the big-endian counter, dynamically truncated, modulo
/// 10^`digits` (`digits` ≤ 9).
#[must_use]
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h.last().copied().unwrap_or(0) & 0x0f);
    let word = h
        .get(offset..offset + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, u32::from_be_bytes);
    (word & 0x7fff_ffff) % 10u32.pow(digits.min(9))
}

/// The TOTP step of a Unix time (RFC 6238 §4.2, T0 = 0).
#[must_use]
pub fn step_at(unix_secs: u64) -> u64 {
    unix_secs / STEP_SECS
}

/// The code at `unix_secs`, zero-padded to `digits`.
#[must_use]
pub fn code_at(secret: &[u8], unix_secs: u64, digits: u32) -> String {
    let width = usize::try_from(digits).unwrap_or(6);
    format!(
        "{:0width$}",
        hotp(secret, step_at(unix_secs), digits),
        width = width
    )
}

/// Checks a six-digit `code` at `unix_secs`: the current step and one either side, each compared
/// in constant time, and only a step after `last_used_step`. Returns the step matched, which the
/// caller stores as the new `last_used_step`.
///
/// # Errors
/// [`TotpError`].
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_secs: u64,
    last_used_step: Option<u64>,
) -> Result<u64, TotpError> {
    let code = code.trim();
    let width = usize::try_from(DIGITS).unwrap_or(6);
    if code.len() != width || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Malformed);
    }
    let now = step_at(unix_secs);
    let mut matched: Option<u64> = None;
    for step in now.saturating_sub(DRIFT_STEPS)..=now.saturating_add(DRIFT_STEPS) {
        let expected = format!(
            "{:0width$}",
            hotp(secret.expose_secret(), step, DIGITS),
            width = width
        );
        // Every step is computed and compared; the latest match wins.
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            matched = Some(step);
        }
    }
    let step = matched.ok_or(TotpError::Wrong)?;
    match last_used_step {
        Some(last) if step <= last => Err(TotpError::Replayed),
        _ => Ok(step),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, the SHA-1 column: the 20-byte ASCII seed "12345678901234567890".
    const SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        for (t, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(SEED, t, 8), code, "T = {t}");
        }
    }

    #[test]
    fn rfc4226_appendix_d_hotp_vectors() {
        let want = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (counter, code) in want.iter().enumerate() {
            assert_eq!(hotp(SEED, counter as u64, 6), *code);
        }
    }

    #[test]
    fn six_digit_codes_drift_and_replay() {
        let s = TotpSecret::from_bytes(SEED);
        let t = 1_111_111_111;
        // The six-digit code is the last six of the eight-digit vector.
        assert_eq!(code_at(SEED, t, 6), "050471");
        let step = verify(&s, "050471", t, None).unwrap();
        assert_eq!(step, t / 30);
        // Replaying the same step is refused, the next step is not.
        assert_eq!(
            verify(&s, "050471", t, Some(step)),
            Err(TotpError::Replayed)
        );
        let next = code_at(SEED, t + 30, 6);
        assert_eq!(verify(&s, &next, t + 30, Some(step)), Ok(step + 1));
        // One step of drift either way is accepted, two are not.
        assert!(verify(&s, &code_at(SEED, t - 30, 6), t, None).is_ok());
        assert!(verify(&s, &code_at(SEED, t + 30, 6), t, None).is_ok());
        assert_eq!(
            verify(&s, &code_at(SEED, t - 60, 6), t, None),
            Err(TotpError::Wrong)
        );
        assert_eq!(
            verify(&s, &code_at(SEED, t + 60, 6), t, None),
            Err(TotpError::Wrong)
        );
        // A code of an older step than the last used is a replay too.
        assert_eq!(
            verify(&s, &code_at(SEED, t - 30, 6), t, Some(step)),
            Err(TotpError::Replayed)
        );
    }

    #[test]
    fn malformed_codes_are_refused_without_panicking() {
        let s = TotpSecret::from_bytes(SEED);
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６", "-12345"] {
            assert_eq!(
                verify(&s, bad, 59, None),
                Err(TotpError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            verify(&s, "000000", 0, None).is_ok(),
            code_at(SEED, 0, 6) == "000000"
        );
    }

    #[test]
    fn base32_and_uri() {
        // RFC 4648 §10.
        assert_eq!(base32(b"foobar").as_str(), "MZXW6YTBOI");
        assert_eq!(base32(b"fooba").as_str(), "MZXW6YTB");
        assert_eq!(base32(b"f").as_str(), "MY");
        let s = TotpSecret::from_bytes(SEED);
        assert_eq!(s.to_base32().as_str(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            s.otpauth_uri("idverify", "anna smith").as_str(),
            "otpauth://totp/idverify:anna%20smith?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=idverify&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(format!("{s:?}"), "TotpSecret([redacted])");
    }
}
