//! Licences: what a customer may run, for how long, on which machine or cluster — signed by the
//! vendor, verified offline. The server never phones home.
//!
//! A licence is one text block, readable by the customer and signed as written:
//!
//! ```text
//! -----BEGIN IDVERIFY LICENCE-----
//! format: 1
//! id: lic-2026-0042
//! customer: Example Bank AG
//! document: true
//! chip: true
//! liveness: true
//! face: true
//! dashboard_seats: 10
//! verifications_per_month: 50000
//! not_before: 2026-01-01
//! not_after: 2026-12-31
//! fingerprint: sha256:3f0c…(64 hex digits)
//! issued_at: 2026-12-01
//! signature: rsa-pss-sha256
//! kq3Yb…(base64 of the signature, 64 characters a line)
//! -----END IDVERIFY LICENCE-----
//! ```
//!
//! The fields appear in exactly this order, one `key: value` a line, values in one canonical
//! spelling (`true`/`false`, decimal without leading zeros, `unlimited` for no monthly limit,
//! `YYYY-MM-DD` dates in UTC, both ends inclusive). The signature is RSASSA-PSS (RFC 8017 §8.1)
//! with SHA-256, MGF1-SHA-256 and a 32-byte salt, by an RSA key of at least 4096 bits, over
//! `"idverify licence v1\n"` followed by the exact bytes from `format:` up to and including the
//! newline before `signature:`. CRLF line ends are read as LF (a licence saved on Windows still
//! verifies); nothing else is normalised, so any edited byte is refused.
//!
//! [`verify`] checks, in this order: the frame ([`LicenceError::Format`]), the signature
//! ([`LicenceError::SignatureInvalid`]) — nothing of the text is believed before it — the
//! fields, the fingerprint ([`LicenceError::FingerprintMismatch`]) and the start date
//! ([`LicenceError::NotYetValid`]). **An expired licence is not an error of [`verify`]**: a
//! correctly signed licence for this machine past its `not_after` verifies with
//! [`LicenceState::Expired`], so the server can keep running read-only with a banner (no data
//! lost, the dashboard still readable) instead of refusing to start. Callers that want the
//! refusal use [`VerifiedLicence::require_valid`] ([`LicenceError::Expired`]).
//!
//! Fingerprints bind a licence to one machine ([`machine_fingerprint`]) or one cluster
//! ([`cluster_fingerprint`]). The core is pure; the one place that reads files is the
//! [`identifiers`] module. The time is passed in.
#![forbid(unsafe_code)]

mod date;
pub mod identifiers;
mod keys;

use std::fmt;

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

pub use date::Date;
pub use identifiers::{MachineIdentifiers, cluster_fingerprint, machine_fingerprint};
pub use keys::{LicencePublicKey, LicenceSigningKey, MIN_RSA_BITS};

const BEGIN: &str = "-----BEGIN IDVERIFY LICENCE-----";
const END: &str = "-----END IDVERIFY LICENCE-----";
const SIGNATURE_LINE: &str = "signature: rsa-pss-sha256";
const SIGNING_CONTEXT: &[u8] = b"idverify licence v1\n";
const FORMAT: &str = "1";
const BASE64_LINE: usize = 64;

/// Why a licence was refused (or could not be issued). [`LicenceError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LicenceError {
    /// Not a licence text of a format this build reads.
    #[error("licence: not an idverify licence this server can read: {reason}")]
    Format {
        /// What was wrong.
        reason: String,
    },
    /// The signature does not verify: the text was edited, or not issued with the vendor key.
    #[error(
        "licence: the signature does not verify under the vendor licence key {key}: the licence was edited or was not issued by the vendor"
    )]
    SignatureInvalid {
        /// The configured key's fingerprint.
        key: String,
    },
    /// The licence is bound to another machine or cluster.
    #[error(
        "licence: issued for fingerprint {licensed}, but this installation's fingerprint is {this}: ask the vendor for a licence for {this} (`idverify licence fingerprint` prints it)"
    )]
    FingerprintMismatch {
        /// The fingerprint in the licence.
        licensed: String,
        /// This installation's fingerprint.
        this: String,
    },
    /// Today is before the licence's `not_before`.
    #[error("licence: not valid before {not_before}")]
    NotYetValid {
        /// The first day of validity.
        not_before: Date,
    },
    /// The licence expired (only from [`VerifiedLicence::require_valid`]).
    #[error("licence: expired on {since} (valid until {not_after})")]
    Expired {
        /// The first day it no longer covers.
        since: Date,
        /// The last day it covered.
        not_after: Date,
    },
    /// A field of a licence to issue is not valid.
    #[error("licence: `{field}`: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A key could not be read or used.
    #[error("licence key: {reason}")]
    Key {
        /// What was wrong.
        reason: String,
    },
    /// Machine or cluster identifiers from which no fingerprint can be made.
    #[error("licence fingerprint: {reason}")]
    Identifiers {
        /// What was wrong.
        reason: String,
    },
}

impl LicenceError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            LicenceError::Format { .. } => "licence_format",
            LicenceError::SignatureInvalid { .. } => "licence_signature_invalid",
            LicenceError::FingerprintMismatch { .. } => "licence_fingerprint_mismatch",
            LicenceError::NotYetValid { .. } => "licence_not_yet_valid",
            LicenceError::Expired { .. } => "licence_expired",
            LicenceError::InvalidField { .. } => "licence_invalid_field",
            LicenceError::Key { .. } => "licence_key",
            LicenceError::Identifiers { .. } => "licence_identifiers",
        }
    }
}

fn format_error(reason: impl Into<String>) -> LicenceError {
    LicenceError::Format {
        reason: reason.into(),
    }
}

/// What a licence allows, besides the verification API itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features {
    /// Document checks (security features of the printed document).
    pub document: bool,
    /// Chip reading and verification (ICAO 9303).
    pub chip: bool,
    /// Liveness detection.
    pub liveness: bool,
    /// Face matching.
    pub face: bool,
    /// Dashboard users who may be signed in at once (0: no dashboard).
    pub dashboard_seats: u32,
}

/// The engines a licence can enable, for [`Licence::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feature {
    /// [`Features::document`].
    Document,
    /// [`Features::chip`].
    Chip,
    /// [`Features::liveness`].
    Liveness,
    /// [`Features::face`].
    Face,
}

/// A licence's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    /// The vendor's licence id (`[A-Za-z0-9._-]`, 1 to 64 characters).
    pub id: String,
    /// The customer's name (1 to 200 characters, no control characters, no surrounding spaces).
    pub customer: String,
    /// The features it enables.
    pub features: Features,
    /// Verifications a calendar month may create; `None` for no limit.
    pub verifications_per_month: Option<u64>,
    /// First day of validity (UTC, inclusive).
    pub not_before: Date,
    /// Last day of validity (UTC, inclusive).
    pub not_after: Date,
    /// The machine or cluster fingerprint it is bound to (`sha256:` and 64 hex digits).
    pub fingerprint: String,
    /// The day it was issued.
    pub issued_at: Date,
}

impl Licence {
    /// Whether the licence enables `feature`.
    #[must_use]
    pub fn allows(&self, feature: Feature) -> bool {
        match feature {
            Feature::Document => self.features.document,
            Feature::Chip => self.features.chip,
            Feature::Liveness => self.features.liveness,
            Feature::Face => self.features.face,
        }
    }
}

/// Where a correctly signed licence for this installation stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceState {
    /// Valid today; `days_left` more days after today (0 on the last day).
    Valid {
        /// Whole days left after today.
        days_left: u32,
    },
    /// Past `not_after`: the server keeps its data and serves it read-only, with a banner.
    Expired {
        /// The first day no longer covered (`not_after` + 1).
        since: Date,
    },
}

/// A licence whose signature, fingerprint and start date checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLicence {
    licence: Licence,
    state: LicenceState,
}

impl VerifiedLicence {
    /// The terms.
    #[must_use]
    pub fn licence(&self) -> &Licence {
        &self.licence
    }

    /// Valid, or expired (the server degrades to read-only).
    #[must_use]
    pub fn state(&self) -> LicenceState {
        self.state
    }

    /// The terms if the licence is valid today, else [`LicenceError::Expired`].
    pub fn require_valid(&self) -> Result<&Licence, LicenceError> {
        match self.state {
            LicenceState::Valid { .. } => Ok(&self.licence),
            LicenceState::Expired { since } => Err(LicenceError::Expired {
                since,
                not_after: self.licence.not_after,
            }),
        }
    }
}

/// Whether `fingerprint` has the form `sha256:` and 64 lowercase hex digits.
#[must_use]
pub fn is_fingerprint(fingerprint: &str) -> bool {
    fingerprint
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

fn invalid(field: &'static str, reason: impl Into<String>) -> LicenceError {
    LicenceError::InvalidField {
        field,
        reason: reason.into(),
    }
}

fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > 64 {
        return Err("1 to 64 characters".into());
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err("letters, digits, `.`, `_` and `-` only".into());
    }
    Ok(())
}

fn check_customer(customer: &str) -> Result<(), String> {
    let chars = customer.chars().count();
    if chars == 0 || chars > 200 {
        return Err("1 to 200 characters".into());
    }
    if customer.chars().any(char::is_control) {
        return Err("no control characters (line breaks, tabs)".into());
    }
    if customer.trim() != customer {
        return Err("no leading or trailing spaces".into());
    }
    Ok(())
}

fn check_licence(l: &Licence) -> Result<(), LicenceError> {
    check_id(&l.id).map_err(|r| invalid("id", r))?;
    check_customer(&l.customer).map_err(|r| invalid("customer", r))?;
    if !is_fingerprint(&l.fingerprint) {
        return Err(invalid(
            "fingerprint",
            "`sha256:` and 64 lowercase hex digits (`idverify licence fingerprint` prints it)",
        ));
    }
    if l.not_after < l.not_before {
        return Err(invalid("not_after", "before not_before"));
    }
    Ok(())
}

/// The signed lines, from `format:` to `issued_at:`, each ending in `\n`.
fn body(l: &Licence) -> String {
    let limit = l
        .verifications_per_month
        .map_or_else(|| "unlimited".to_owned(), |n| n.to_string());
    let f = &l.features;
    format!(
        "format: {FORMAT}\nid: {}\ncustomer: {}\ndocument: {}\nchip: {}\nliveness: {}\nface: {}\n\
         dashboard_seats: {}\nverifications_per_month: {limit}\nnot_before: {}\nnot_after: {}\n\
         fingerprint: {}\nissued_at: {}\n",
        l.id,
        l.customer,
        f.document,
        f.chip,
        f.liveness,
        f.face,
        f.dashboard_seats,
        l.not_before,
        l.not_after,
        l.fingerprint,
        l.issued_at,
    )
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = SIGNING_CONTEXT.to_vec();
    m.extend_from_slice(body);
    m
}

/// Issues `licence`: its text, signed with `key` (the vendor's licence key, separate from the
/// model-bundle key). The PSS salt comes from `rng`.
pub fn issue<R: rand_core::CryptoRng + ?Sized>(
    key: &LicenceSigningKey,
    licence: &Licence,
    rng: &mut R,
) -> Result<String, LicenceError> {
    check_licence(licence)?;
    let body = body(licence);
    let signature = key.sign(&signed_message(body.as_bytes()), rng)?;
    let encoded = Base64::encode_string(&signature);
    let mut out = format!("{BEGIN}\n{body}{SIGNATURE_LINE}\n");
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(BASE64_LINE));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str(END);
    out.push('\n');
    Ok(out)
}

/// The parts of a licence text, nothing checked but the frame.
struct Frame<'a> {
    body: &'a str,
    signature_lines: Vec<&'a str>,
}

fn parse_frame(text: &str) -> Result<Frame<'_>, LicenceError> {
    let text = text.trim_matches('\n');
    let rest = text
        .strip_prefix(BEGIN)
        .and_then(|r| r.strip_prefix('\n'))
        .ok_or_else(|| format_error(format!("it does not start with `{BEGIN}`")))?;
    let rest = rest
        .strip_suffix(END)
        .and_then(|r| r.strip_suffix('\n'))
        .ok_or_else(|| format_error(format!("it does not end with `{END}`")))?;
    let marker = format!("\n{SIGNATURE_LINE}\n");
    let at = rest
        .find(&marker)
        .ok_or_else(|| format_error(format!("no `{SIGNATURE_LINE}` line")))?;
    let body = rest
        .get(..=at)
        .ok_or_else(|| format_error("no signed lines"))?;
    let signature = rest.get(at + marker.len()..).unwrap_or_default();
    Ok(Frame {
        body,
        signature_lines: signature.split('\n').collect(),
    })
}

/// Decodes the signature lines, accepting only the canonical form `issue` writes (so that no
/// two texts carry the same signature).
fn decode_signature(lines: &[&str]) -> Option<Vec<u8>> {
    let joined: String = lines.concat();
    let bytes = Base64::decode_vec(&joined).ok()?;
    let canonical = Base64::encode_string(&bytes);
    let rewrapped: Vec<&str> = canonical
        .as_bytes()
        .chunks(BASE64_LINE)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    (rewrapped == lines).then_some(bytes)
}

fn field<'a>(
    lines: &mut impl Iterator<Item = &'a str>,
    key: &'static str,
) -> Result<&'a str, LicenceError> {
    let line = lines
        .next()
        .ok_or_else(|| format_error(format!("missing `{key}:` line")))?;
    line.strip_prefix(key)
        .and_then(|r| r.strip_prefix(": "))
        .ok_or_else(|| format_error(format!("expected `{key}: …`, found `{line}`")))
}

fn bool_field(value: &str, key: &str) -> Result<bool, LicenceError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format_error(format!("`{key}` is `true` or `false`"))),
    }
}

fn canonical_number<T: std::str::FromStr + ToString>(
    value: &str,
    key: &str,
) -> Result<T, LicenceError> {
    value
        .parse::<T>()
        .ok()
        .filter(|n| n.to_string() == value)
        .ok_or_else(|| format_error(format!("`{key}` is not a decimal number")))
}

fn date_field(value: &str, key: &str) -> Result<Date, LicenceError> {
    Date::parse(value).ok_or_else(|| format_error(format!("`{key}` is not a YYYY-MM-DD date")))
}

fn parse_body(body: &str) -> Result<Licence, LicenceError> {
    let body = body
        .strip_suffix('\n')
        .ok_or_else(|| format_error("the signed lines do not end with a line break"))?;
    let mut lines = body.split('\n');
    let lines = &mut lines;
    if field(lines, "format")? != FORMAT {
        return Err(format_error(format!(
            "licence format is not {FORMAT}: a newer idverify is needed"
        )));
    }
    let id = field(lines, "id")?.to_owned();
    check_id(&id).map_err(|r| format_error(format!("`id`: {r}")))?;
    let customer = field(lines, "customer")?.to_owned();
    check_customer(&customer).map_err(|r| format_error(format!("`customer`: {r}")))?;
    let features = Features {
        document: bool_field(field(lines, "document")?, "document")?,
        chip: bool_field(field(lines, "chip")?, "chip")?,
        liveness: bool_field(field(lines, "liveness")?, "liveness")?,
        face: bool_field(field(lines, "face")?, "face")?,
        dashboard_seats: canonical_number(field(lines, "dashboard_seats")?, "dashboard_seats")?,
    };
    let limit = field(lines, "verifications_per_month")?;
    let verifications_per_month = match limit {
        "unlimited" => None,
        n => Some(canonical_number(n, "verifications_per_month")?),
    };
    let not_before = date_field(field(lines, "not_before")?, "not_before")?;
    let not_after = date_field(field(lines, "not_after")?, "not_after")?;
    let fingerprint = field(lines, "fingerprint")?.to_owned();
    let issued_at = date_field(field(lines, "issued_at")?, "issued_at")?;
    if let Some(extra) = lines.next() {
        return Err(format_error(format!("unexpected line `{extra}`")));
    }
    let licence = Licence {
        id,
        customer,
        features,
        verifications_per_month,
        not_before,
        not_after,
        fingerprint,
        issued_at,
    };
    check_licence(&licence).map_err(|e| format_error(e.to_string()))?;
    Ok(licence)
}

/// Verifies a licence text under the vendor's licence key for this installation's
/// `fingerprint` on `today` (the caller's clock, UTC). See the crate docs for the order of
/// checks and why an expired licence verifies as [`LicenceState::Expired`].
pub fn verify(
    text: &str,
    key: &LicencePublicKey,
    today: Date,
    fingerprint: &str,
) -> Result<VerifiedLicence, LicenceError> {
    let normalised = text.replace("\r\n", "\n");
    let frame = parse_frame(&normalised)?;
    let signature_invalid = || LicenceError::SignatureInvalid {
        key: key.fingerprint(),
    };
    let signature = decode_signature(&frame.signature_lines).ok_or_else(signature_invalid)?;
    if !key.verify(&signed_message(frame.body.as_bytes()), &signature) {
        return Err(signature_invalid());
    }
    let licence = parse_body(frame.body)?;
    if licence.fingerprint != fingerprint {
        return Err(LicenceError::FingerprintMismatch {
            licensed: licence.fingerprint,
            this: fingerprint.to_owned(),
        });
    }
    if today < licence.not_before {
        return Err(LicenceError::NotYetValid {
            not_before: licence.not_before,
        });
    }
    let state = if today <= licence.not_after {
        LicenceState::Valid {
            days_left: u32::try_from(today.days_until(licence.not_after)).unwrap_or(u32::MAX),
        }
    } else {
        LicenceState::Expired {
            since: licence.not_after.next_day().unwrap_or(licence.not_after),
        }
    };
    Ok(VerifiedLicence { licence, state })
}

/// SHA-256 with a domain label, as `sha256:` hex.
pub(crate) fn labelled_sha256(label: &[u8], parts: &[(u8, Option<&str>)]) -> String {
    let mut h = Sha256::new();
    h.update(label);
    for (tag, value) in parts {
        h.update([*tag]);
        match value {
            None => h.update([0]),
            Some(v) => {
                h.update([1]);
                h.update(u32::try_from(v.len()).unwrap_or(u32::MAX).to_be_bytes());
                h.update(v.as_bytes());
            }
        }
    }
    format!("sha256:{}", hex_lower(&h.finalize()))
}

fn hex_lower(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_canonical() {
        assert_eq!(canonical_number::<u32>("10", "x").unwrap(), 10);
        for bad in ["010", "+10", " 10", "10 ", "", "1e3"] {
            assert!(canonical_number::<u32>(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn fingerprints_have_one_form() {
        assert!(is_fingerprint(&format!("sha256:{}", "a".repeat(64))));
        assert!(!is_fingerprint(&format!("sha256:{}", "A".repeat(64))));
        assert!(!is_fingerprint(&format!("sha1:{}", "a".repeat(64))));
    }

    #[test]
    fn customer_names_may_be_unicode_but_one_line() {
        assert!(check_customer("Müller & Söhne GmbH").is_ok());
        assert!(check_customer("A\nB").is_err());
        assert!(check_customer(" A").is_err());
    }
}
