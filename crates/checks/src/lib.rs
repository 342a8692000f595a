//! The one shape every engine's result takes.
//!
//! Every engine (MRZ, chip, document, face, liveness) returns a list of [`Check`]s, so the risk
//! engine, the API, the dashboard and the audit log treat them all alike. A check has a stable
//! dotted name (`mrz.check_digits`, `chip.pa.dsc_signature`), a [`Status`], an optional score and
//! the threshold that applied, a stable snake_case [`ReasonCode`] and structured [`Evidence`].
//!
//! This crate deliberately holds no logic about *what* passes: it is vocabulary only.
//! The list of reason codes is documented in `docs/reason-codes.md`.
//!
//! **Invariant:** `not_performed` and `unsupported` are never a pass; [`Status::is_pass`] is
//! true for [`Status::Pass`] only.
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The check ran and the evidence supports the claim.
    Pass,
    /// The check ran and the evidence contradicts the claim.
    Fail,
    /// The check ran; the evidence is weak or borderline and deserves a human look.
    Warn,
    /// The check was not run (input absent, step skipped by policy, engine not built).
    NotPerformed,
    /// The input uses something this engine does not support (an algorithm, a format).
    Unsupported,
    /// The check could not complete because of an internal or input error.
    Error,
}

impl Status {
    /// Only an explicit pass is a pass.
    #[must_use]
    pub fn is_pass(self) -> bool {
        matches!(self, Status::Pass)
    }

    /// Stable lower-case name, as in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::NotPerformed => "not_performed",
            Status::Unsupported => "unsupported",
            Status::Error => "error",
        }
    }

    /// The worse of two statuses, for summarising a group of checks:
    /// fail > error > unsupported > warn > not_performed > pass.
    #[must_use]
    pub fn worst(self, other: Status) -> Status {
        fn rank(s: Status) -> u8 {
            match s {
                Status::Pass => 0,
                Status::NotPerformed => 1,
                Status::Warn => 2,
                Status::Unsupported => 3,
                Status::Error => 4,
                Status::Fail => 5,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable snake_case reason code such as `hash_mismatch` or `no_face`.
///
/// Codes are part of the API contract: once published, a code keeps its meaning.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReasonCode(Cow<'static, str>);

impl ReasonCode {
    /// A code known at compile time (the usual case: engines declare their codes as constants).
    #[must_use]
    pub const fn new(code: &'static str) -> Self {
        ReasonCode(Cow::Borrowed(code))
    }

    /// A code built at run time; rejected unless it is non-empty snake_case ASCII.
    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        let ok = !code.is_empty()
            && code.len() <= 64
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && code.as_bytes().first().is_some_and(u8::is_ascii_lowercase);
        ok.then(|| ReasonCode(Cow::Owned(code.to_owned())))
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reason codes shared by every engine. Engine-specific codes live with their engine.
pub mod reason {
    use super::ReasonCode;
    /// The check passed; no further reason.
    pub const OK: ReasonCode = ReasonCode::new("ok");
    /// The input this check needs was not provided.
    pub const INPUT_MISSING: ReasonCode = ReasonCode::new("input_missing");
    /// The engine that performs this check is not part of this build or licence.
    pub const ENGINE_UNAVAILABLE: ReasonCode = ReasonCode::new("engine_unavailable");
    /// The check was skipped because a check it depends on did not pass.
    pub const DEPENDENCY_FAILED: ReasonCode = ReasonCode::new("dependency_failed");
    /// The engine failed internally; details are in the server log under the request id.
    pub const INTERNAL_ERROR: ReasonCode = ReasonCode::new("internal_error");
}

/// Structured facts behind a verdict: certificate subjects, algorithms, regions, per-frame
/// values. Never raw personal data destined for logs: the API shows evidence to authorised
/// callers only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Evidence(serde_json::Map<String, serde_json::Value>);

impl Evidence {
    /// No evidence.
    #[must_use]
    pub fn new() -> Self {
        Evidence::default()
    }

    /// Adds one fact (builder style).
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    /// Adds one fact in place.
    pub fn insert(&mut self, key: &str, value: impl Into<serde_json::Value>) {
        self.0.insert(key.to_owned(), value.into());
    }

    /// Looks one fact up.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }

    /// True when no fact was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All facts, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &serde_json::Value)> {
        self.0.iter()
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// Stable dotted name, e.g. `mrz.check_digits`.
    pub check: Cow<'static, str>,
    /// The outcome.
    pub status: Status,
    /// A score in 0..=1 where the check produces one (higher = more likely genuine / same).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub score: Option<f64>,
    /// The threshold the policy applied to `score`, where one applied.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub threshold: Option<f64>,
    /// Stable snake_case reason code.
    pub reason: ReasonCode,
    /// Structured facts behind the verdict.
    #[serde(skip_serializing_if = "Evidence::is_empty", default)]
    pub evidence: Evidence,
}

impl Check {
    /// A check with the given name, status and reason, no score and no evidence.
    #[must_use]
    pub fn new(check: impl Into<Cow<'static, str>>, status: Status, reason: ReasonCode) -> Self {
        Check {
            check: check.into(),
            status,
            score: None,
            threshold: None,
            reason,
            evidence: Evidence::new(),
        }
    }

    /// A passing check with reason `ok`.
    #[must_use]
    pub fn pass(check: impl Into<Cow<'static, str>>) -> Self {
        Check::new(check, Status::Pass, reason::OK)
    }

    /// A failing check.
    #[must_use]
    pub fn fail(check: impl Into<Cow<'static, str>>, reason: ReasonCode) -> Self {
        Check::new(check, Status::Fail, reason)
    }

    /// A check that was not performed, with why.
    #[must_use]
    pub fn not_performed(check: impl Into<Cow<'static, str>>, reason: ReasonCode) -> Self {
        Check::new(check, Status::NotPerformed, reason)
    }

    /// Sets the score, clamped into 0..=1 (NaN becomes 0: a broken score never passes).
    #[must_use]
    pub fn with_score(mut self, score: f64) -> Self {
        self.score = Some(if score.is_nan() {
            0.0
        } else {
            score.clamp(0.0, 1.0)
        });
        self
    }

    /// Sets the threshold that applied.
    #[must_use]
    pub fn with_threshold(mut self, threshold: f64) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Sets the evidence.
    #[must_use]
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence = evidence;
        self
    }
}

/// The worst status of a list of checks; `NotPerformed` for an empty list.
#[must_use]
pub fn summarise(checks: &[Check]) -> Status {
    let mut it = checks.iter().map(|c| c.status);
    match it.next() {
        None => Status::NotPerformed,
        Some(first) => it.fold(first, Status::worst),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pass_is_pass() {
        for s in [
            Status::Fail,
            Status::Warn,
            Status::NotPerformed,
            Status::Unsupported,
            Status::Error,
        ] {
            assert!(!s.is_pass());
        }
        assert!(Status::Pass.is_pass());
    }

    #[test]
    fn summary_takes_the_worst() {
        let checks = vec![
            Check::pass("a"),
            Check::not_performed("b", reason::INPUT_MISSING),
            Check::fail("c", ReasonCode::new("hash_mismatch")),
        ];
        assert_eq!(summarise(&checks), Status::Fail);
        assert_eq!(summarise(&[]), Status::NotPerformed);
        assert_eq!(summarise(&checks[..2]), Status::NotPerformed);
    }

    #[test]
    fn reason_codes_are_snake_case() {
        assert!(ReasonCode::parse("hash_mismatch").is_some());
        assert!(ReasonCode::parse("Hash").is_none());
        assert!(ReasonCode::parse("").is_none());
        assert!(ReasonCode::parse("9lives").is_none());
        assert!(ReasonCode::parse("a-b").is_none());
    }

    #[test]
    fn json_shape_is_stable() {
        let c = Check::fail("chip.pa.dg_hash", ReasonCode::new("hash_mismatch"))
            .with_score(f64::NAN)
            .with_evidence(Evidence::new().with("dg", 2));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"check":"chip.pa.dg_hash","status":"fail","score":0.0,
                "reason":"hash_mismatch","evidence":{"dg":2}})
        );
        let back: Check = serde_json::from_value(v).unwrap();
        assert_eq!(back, c);
    }
}
