//! Check-name patterns (`mrz.check_digits`, `chip.sod.*`, `chip`, `*`) and the catalogue of the
//! checks the engines report, against which a policy's patterns are validated.

use std::fmt;

use serde::{Serialize, Serializer};

/// The engines (first segment of a check name) a policy may refer to.
pub const ENGINES: [&str; 7] = [
    "document",
    "mrz",
    "chip",
    "face",
    "liveness",
    "data",
    "behaviour",
];

/// Every check the engines report (or are planned to report), as patterns. A policy pattern
/// that matches none of these (nor the policy's `extra_checks`) is rejected as a typo.
pub const KNOWN_CHECKS: &[&str] = &[
    // crates/mrz
    "mrz.read",
    "mrz.format",
    "mrz.check_digits",
    "mrz.composite_check_digit",
    "mrz.dates",
    "mrz.country_codes",
    "mrz.sex",
    "mrz.names",
    "mrz.expiry",
    "mrz.ocr_repair",
    // crates/emrtd (Passive Authentication: emrtd::pa::check), AA, the server's chip engine
    "chip.read",
    "chip.sod.parse",
    "chip.sod.content_type",
    "chip.sod.message_digest",
    "chip.sod.signature",
    "chip.dg_hash.*",
    "chip.dsc.validity",
    "chip.dsc.key_usage",
    "chip.dsc.revocation",
    "chip.csca.chain",
    "chip.csca.validity",
    "chip.csca.key_usage",
    "chip.active_authentication",
    "chip.aa",
    "chip.chip_authentication",
    "chip.dg1_matches_mrz",
    // document, face, liveness engines (issues 6–8)
    "document.authenticity",
    "document.screen_recapture",
    "document.viz_mrz_consistency",
    "document.read",
    "face.selfie_vs_document",
    "face.selfie_vs_chip",
    "face.document_vs_chip",
    "face.quality",
    "liveness.challenge",
    "liveness.passive",
    // crates/liveness (issue 7)
    "liveness.verdict",
    "liveness.same_person",
    "liveness.reference_match",
    "liveness.frames",
    "liveness.timing",
    "liveness.colour",
    // data consistency (form data, chip vs document), and what this crate derives
    "data.minimum_age",
    "data.form_vs_document",
    "data.chip_vs_document",
    "behaviour.attempts",
    "behaviour.session_duration",
    "behaviour.device_repeat",
    "behaviour.duplicate_face",
    // an engine that panicked reports `<engine>.engine`
    "document.engine",
    "mrz.engine",
    "chip.engine",
    "face.engine",
    "liveness.engine",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Any,
    Exact(String),
    /// With its trailing dot: `chip.sod.`.
    Prefix(String),
}

/// A pattern over check names: an exact name (`chip.aa`), a family (`chip.sod.*`), an engine
/// (`chip`, short for `chip.*`) or everything (`*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    kind: Kind,
}

impl Pattern {
    /// Parses a pattern; the error says what is wrong.
    ///
    /// # Errors
    /// When a segment is empty or not lower-case snake_case, or `*` is not the last segment.
    pub fn parse(text: &str) -> Result<Pattern, &'static str> {
        if text == "*" {
            return Ok(Pattern {
                text: text.to_owned(),
                kind: Kind::Any,
            });
        }
        let (body, family) = match text.strip_suffix(".*") {
            Some(b) => (b, true),
            None => (text, false),
        };
        if body.is_empty() {
            return Err("empty name");
        }
        for seg in body.split('.') {
            if seg.is_empty() {
                return Err("empty segment (two dots, or a leading or trailing dot)");
            }
            if seg.contains('*') {
                return Err("`*` may only be the whole pattern or its last segment (`chip.sod.*`)");
            }
            if !seg
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err("segments are lower-case letters, digits and `_`");
            }
        }
        let kind = if family || !body.contains('.') {
            Kind::Prefix(format!("{body}."))
        } else {
            Kind::Exact(body.to_owned())
        };
        Ok(Pattern {
            text: text.to_owned(),
            kind,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The engine it names (first segment); `None` for `*`.
    #[must_use]
    pub fn engine(&self) -> Option<&str> {
        match &self.kind {
            Kind::Any => None,
            Kind::Exact(s) | Kind::Prefix(s) => s.split('.').next(),
        }
    }

    /// Whether `name` matches.
    #[must_use]
    pub fn matches(&self, name: &str) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Exact(e) => e == name,
            Kind::Prefix(p) => name.starts_with(p.as_str()),
        }
    }

    /// Whether some check name matches both patterns.
    #[must_use]
    pub fn overlaps(&self, other: &Pattern) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Any, _) | (_, Kind::Any) => true,
            (Kind::Exact(a), Kind::Exact(b)) => a == b,
            (Kind::Exact(e), Kind::Prefix(p)) | (Kind::Prefix(p), Kind::Exact(e)) => {
                e.starts_with(p.as_str())
            }
            (Kind::Prefix(a), Kind::Prefix(b)) => {
                a.starts_with(b.as_str()) || b.starts_with(a.as_str())
            }
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Whether the pattern matches a known check or one of `extra`.
pub(crate) fn is_known(p: &Pattern, extra: &[Pattern]) -> bool {
    extra.iter().any(|e| e.overlaps(p))
        || KNOWN_CHECKS
            .iter()
            .filter_map(|k| Pattern::parse(k).ok())
            .any(|k| k.overlaps(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::parse(s).unwrap()
    }

    #[test]
    fn forms() {
        assert!(p("chip.aa").matches("chip.aa"));
        assert!(!p("chip.aa").matches("chip.aa.x"));
        assert!(p("chip.sod.*").matches("chip.sod.signature"));
        assert!(!p("chip.sod.*").matches("chip.sodx"));
        assert!(!p("chip.sod.*").matches("chip.sod"));
        assert!(p("chip").matches("chip.read"));
        assert!(!p("chip").matches("chipx.read"));
        assert!(p("*").matches("anything"));
        assert_eq!(p("chip.sod.*").engine(), Some("chip"));
    }

    #[test]
    fn bad_patterns_say_why() {
        for bad in [
            "", "chip..aa", ".chip", "chip.", "Chip.aa", "chip.*.x", "chip*", "chip-aa",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overlap() {
        assert!(p("chip").overlaps(&p("chip.aa")));
        assert!(p("chip.sod.*").overlaps(&p("chip.sod.signature")));
        assert!(!p("chip.sod.*").overlaps(&p("chip.dsc.*")));
        assert!(!p("mrz.expiry").overlaps(&p("mrz.dates")));
        assert!(p("*").overlaps(&p("mrz.dates")));
    }

    #[test]
    fn catalogue_is_valid_and_known() {
        for k in KNOWN_CHECKS {
            let pat = p(k);
            assert!(ENGINES.contains(&pat.engine().unwrap()), "{k}");
        }
        assert!(is_known(&p("chip.dg_hash.dg2"), &[]));
        assert!(!is_known(&p("mrz.check_digit"), &[]));
        assert!(is_known(&p("face.new_thing"), &[p("face.new_thing")]));
    }
}
