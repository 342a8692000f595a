//! Scoring: checks and signals in, one explained decision out.

use std::fmt::Write as _;
use std::time::Duration;

use checks::{Check, Evidence, ReasonCode, Status, reason};
use serde::Serialize;

use crate::policy::{Effect, Policy, Ramp};

/// Reason codes this crate introduces (on derived checks and on contributions).
pub mod codes {
    use checks::ReasonCode;
    /// `behaviour.attempts`: more attempts than the policy passes.
    pub const TOO_MANY_ATTEMPTS: ReasonCode = ReasonCode::new("too_many_attempts");
    /// `behaviour.device_repeat`: the device took part in other verifications.
    pub const DEVICE_REUSED: ReasonCode = ReasonCode::new("device_reused");
    /// `behaviour.duplicate_face`: the face resembles a past approved case of another person.
    pub const DUPLICATE_FACE: ReasonCode = ReasonCode::new("duplicate_face");
    /// `behaviour.session_duration`: the session was faster than a person can be.
    pub const SESSION_TOO_FAST: ReasonCode = ReasonCode::new("session_too_fast");
    /// `behaviour.session_duration`: the session took longer than the policy expects.
    pub const SESSION_TOO_SLOW: ReasonCode = ReasonCode::new("session_too_slow");
    /// `data.minimum_age`: the holder is younger than the policy's minimum age.
    pub const UNDER_MINIMUM_AGE: ReasonCode = ReasonCode::new("under_minimum_age");
    /// A signal value that is not a number (NaN similarity).
    pub const SIGNAL_INVALID: ReasonCode = ReasonCode::new("signal_invalid");
    /// A factor none of whose checks was performed.
    pub const NO_EVIDENCE: ReasonCode = ReasonCode::new("no_evidence");
}

/// The decision. Ordered by severity: `Approved < Review < Declined`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every required check passed, no hard rule fired, the score is below `review`.
    Approved,
    /// A human must look.
    Review,
    /// A hard rule declined, or the score reached `decline`.
    Declined,
}

impl Decision {
    /// Stable lower-case name, as in the API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Review => "review",
            Decision::Declined => "declined",
        }
    }
}

impl From<Effect> for Decision {
    fn from(e: Effect) -> Self {
        match e {
            Effect::Review => Decision::Review,
            Effect::Decline => Decision::Declined,
        }
    }
}

/// Everything the risk engine decides on. The caller gathers it (engines' checks, counts from
/// the store, the duplicate-face search by [`crate::best_face_match`]); nothing here is read
/// from a clock or a database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signals {
    /// Every engine's checks.
    pub checks: Vec<Check>,
    /// The document type (`TD1`, `TD2`, `TD3`, …) for the per-document requirements.
    pub document_type: Option<String>,
    /// Attempts by this applicant, this one included.
    pub attempts: Option<u32>,
    /// From session creation to submission.
    pub session_duration: Option<Duration>,
    /// Other verifications seen from the same device.
    pub device_repeats: Option<u32>,
    /// Best cosine similarity of this face to past approved cases of other people.
    pub duplicate_face_similarity: Option<f64>,
    /// The holder's age in whole years on the day of the verification (see [`crate::age_years`]),
    /// from verified data (chip DG1 or MRZ).
    pub age_years: Option<u32>,
}

/// One factor's share of the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The factor.
    pub factor: String,
    /// Its weight.
    pub weight: f64,
    /// Its risk, 0..1: the worst risk among its performed checks.
    pub value: f64,
    /// `weight × value`: its share of the score.
    pub points: f64,
    /// The status of the check that set the value (`not_performed` when none was performed).
    pub status: Status,
    /// The check that set the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// That check's reason, or `no_evidence`.
    pub reason: ReasonCode,
    /// How many checks the factor counted.
    pub checks_counted: usize,
}

/// A hard rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiredRule {
    /// The rule's id.
    pub id: String,
    /// What it did.
    pub effect: Effect,
    /// The first check it fired on.
    pub check: String,
    /// That check's status.
    pub status: Status,
    /// That check's reason.
    pub reason: ReasonCode,
}

/// A requirement of the document type, met or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    /// The pattern required.
    pub require: String,
    /// Whether a matching check passed.
    pub passed: bool,
}

/// The result: the decision, the score and everything that explains them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The decision.
    pub decision: Decision,
    /// The risk score, 0 (no risk found) … 1: the left-to-right sum of `contributions[].points`.
    pub score: f64,
    /// The policy's declared version.
    pub policy_version: String,
    /// The policy file's content hash (`sha256:…`).
    pub policy_hash: String,
    /// The document type the requirements were taken for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_type: Option<String>,
    /// Per factor, in policy order.
    pub contributions: Vec<Contribution>,
    /// Hard rules that fired, in policy order.
    pub hard_rules_fired: Vec<FiredRule>,
    /// The document type's requirements.
    pub requirements: Vec<Requirement>,
    /// Why, as stable codes: `hard_rule:<id>`, `required_not_passed:<pattern>`,
    /// `document_type_not_in_policy`, `unscored_check_<status>:<check>`,
    /// `score_in_review_band`, `score_at_or_above_decline`.
    pub reasons: Vec<String>,
    /// The checks derived from the signals (`behaviour.*`, `data.minimum_age`); they are scored
    /// like the engines' checks.
    pub derived_checks: Vec<Check>,
}

fn ramp_check(name: &'static str, ramp: &Ramp, x: f64, bad: ReasonCode, key: &str) -> Check {
    if x.is_nan() {
        return Check::new(name, Status::Error, codes::SIGNAL_INVALID);
    }
    let risk = ramp.risk(x);
    let (status, why) = if risk <= 0.0 {
        (Status::Pass, reason::OK)
    } else if risk >= 1.0 {
        (Status::Fail, bad)
    } else {
        (Status::Warn, bad)
    };
    Check::new(name, status, why)
        .with_score(1.0 - risk)
        .with_evidence(
            Evidence::new()
                .with(key, x)
                .with("pass_at_most", ramp.pass_at_most)
                .with("fail_at_least", ramp.fail_at_least),
        )
}

/// The checks the policy derives from the signals. A rule the policy lacks derives nothing; a
/// signal the caller lacks is `not_performed` / `input_missing`.
#[must_use]
pub fn derive_checks(policy: &Policy, s: &Signals) -> Vec<Check> {
    let rules = policy.signals();
    let mut out = Vec::new();
    let missing = |name: &'static str| Check::not_performed(name, reason::INPUT_MISSING);
    if let Some(r) = rules.attempts {
        out.push(s.attempts.map_or_else(
            || missing("behaviour.attempts"),
            |n| {
                ramp_check(
                    "behaviour.attempts",
                    &r,
                    f64::from(n),
                    codes::TOO_MANY_ATTEMPTS,
                    "attempts",
                )
            },
        ));
    }
    if let Some(b) = rules.session_duration {
        out.push(s.session_duration.map_or_else(
            || missing("behaviour.session_duration"),
            |d| {
                let secs = d.as_secs_f64();
                let (status, why) = if secs < b.warn_below_s {
                    (Status::Warn, codes::SESSION_TOO_FAST)
                } else if secs > b.warn_above_s {
                    (Status::Warn, codes::SESSION_TOO_SLOW)
                } else {
                    (Status::Pass, reason::OK)
                };
                Check::new("behaviour.session_duration", status, why).with_evidence(
                    Evidence::new()
                        .with("seconds", secs)
                        .with("warn_below_s", b.warn_below_s)
                        .with("warn_above_s", b.warn_above_s),
                )
            },
        ));
    }
    if let Some(r) = rules.device_repeat {
        out.push(s.device_repeats.map_or_else(
            || missing("behaviour.device_repeat"),
            |n| {
                ramp_check(
                    "behaviour.device_repeat",
                    &r,
                    f64::from(n),
                    codes::DEVICE_REUSED,
                    "other_verifications",
                )
            },
        ));
    }
    if let Some(r) = rules.duplicate_face {
        out.push(s.duplicate_face_similarity.map_or_else(
            || missing("behaviour.duplicate_face"),
            |x| {
                ramp_check(
                    "behaviour.duplicate_face",
                    &r,
                    x,
                    codes::DUPLICATE_FACE,
                    "similarity",
                )
            },
        ));
    }
    if let Some(min) = policy.data().minimum_age {
        out.push(s.age_years.map_or_else(
            || missing("data.minimum_age"),
            |age| {
                let c = if age >= min {
                    Check::pass("data.minimum_age")
                } else {
                    Check::fail("data.minimum_age", codes::UNDER_MINIMUM_AGE)
                };
                c.with_evidence(Evidence::new().with("minimum_age", min))
            },
        ));
    }
    out
}

/// The risk of one check within a factor.
fn check_risk(policy: &Policy, use_scores: bool, c: &Check) -> f64 {
    match (c.status, c.score) {
        (Status::Pass | Status::Warn, Some(s)) if use_scores => {
            if s.is_nan() {
                1.0
            } else {
                (1.0 - s).clamp(0.0, 1.0)
            }
        }
        (status, _) => policy.status_risk().of(status),
    }
}

/// Assesses one verification under a policy. Pure and deterministic.
#[must_use]
pub fn assess(policy: &Policy, signals: &Signals) -> Assessment {
    let derived = derive_checks(policy, signals);
    let all = || signals.checks.iter().chain(derived.iter());

    // 1. Factors: each the worst risk among its performed checks.
    let mut contributions = Vec::with_capacity(policy.factors().len());
    for f in policy.factors() {
        let mut counted = 0usize;
        let mut worst: Option<(f64, &Check)> = None;
        let mut first_skipped: Option<&Check> = None;
        for c in all().filter(|c| f.checks.iter().any(|p| p.matches(&c.check))) {
            counted += 1;
            if c.status == Status::NotPerformed {
                first_skipped = first_skipped.or(Some(c));
                continue;
            }
            let r = check_risk(policy, f.use_scores, c);
            if worst.is_none_or(|(w, _)| r > w) {
                worst = Some((r, c));
            }
        }
        let (value, status, check, why) = match worst {
            Some((r, c)) => (r, c.status, Some(c.check.to_string()), c.reason.clone()),
            None => (
                f.absent
                    .unwrap_or_else(|| policy.status_risk().not_performed),
                Status::NotPerformed,
                first_skipped.map(|c| c.check.to_string()),
                codes::NO_EVIDENCE,
            ),
        };
        contributions.push(Contribution {
            factor: f.name.clone(),
            weight: f.weight,
            value,
            points: f.weight * value,
            status,
            check,
            reason: why,
            checks_counted: counted,
        });
    }
    // The score *is* the sum of the points, in this order: explanations add up exactly.
    let score: f64 = contributions.iter().map(|c| c.points).sum();

    let mut decision = Decision::Approved;
    let mut reasons = Vec::new();

    // 2. Hard rules.
    let mut fired = Vec::new();
    for rule in policy.hard_rules() {
        if let Some(c) = all().find(|c| rule.fires_on(c)) {
            decision = decision.max(rule.effect.into());
            reasons.push(format!("hard_rule:{}", rule.id));
            fired.push(FiredRule {
                id: rule.id.clone(),
                effect: rule.effect,
                check: c.check.to_string(),
                status: c.status,
                reason: c.reason.clone(),
            });
        }
    }

    // 3. What the document type requires: at least one passing check each.
    let mut requirements = Vec::new();
    match policy.document_rule(signals.document_type.as_deref()) {
        Some(rule) => {
            for p in &rule.require {
                let passed = all().any(|c| c.status.is_pass() && p.matches(&c.check));
                if !passed {
                    decision = decision.max(Decision::Review);
                    reasons.push(format!("required_not_passed:{p}"));
                }
                requirements.push(Requirement {
                    require: p.to_string(),
                    passed,
                });
            }
        }
        None => {
            // No requirement known for this document: never an automatic approval.
            decision = decision.max(Decision::Review);
            reasons.push("document_type_not_in_policy".to_owned());
        }
    }

    // 4. A doubtful check no factor scores still needs a human.
    for c in all() {
        let scored = policy
            .factors()
            .iter()
            .any(|f| f.checks.iter().any(|p| p.matches(&c.check)));
        if !scored
            && matches!(
                c.status,
                Status::Fail | Status::Error | Status::Warn | Status::Unsupported
            )
        {
            decision = decision.max(Decision::Review);
            reasons.push(format!("unscored_check_{}:{}", c.status.as_str(), c.check));
        }
    }

    // 5. Thresholds.
    let t = policy.thresholds();
    if score >= t.decline {
        decision = Decision::Declined;
        reasons.push("score_at_or_above_decline".to_owned());
    } else if score >= t.review {
        decision = decision.max(Decision::Review);
        reasons.push("score_in_review_band".to_owned());
    }

    Assessment {
        decision,
        score,
        policy_version: policy.version().to_owned(),
        policy_hash: policy.hash().to_owned(),
        document_type: signals.document_type.clone(),
        contributions,
        hard_rules_fired: fired,
        requirements,
        reasons,
        derived_checks: derived,
    }
}

/// A plain-text explanation for people (reviewers, `idverify risk assess`). The JSON form is
/// the [`Assessment`] itself (serde).
#[must_use]
pub fn explain(a: &Assessment) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "decision: {} (score {:.4}; policy {} {})",
        a.decision.as_str(),
        a.score,
        a.policy_version,
        a.policy_hash
    );
    let _ = writeln!(s, "contributions:");
    for c in &a.contributions {
        let _ = writeln!(
            s,
            "  {:<12} {:.2} x {:.4} = {:.4}  {} {} ({})",
            c.factor,
            c.weight,
            c.value,
            c.points,
            c.check.as_deref().unwrap_or("-"),
            c.status,
            c.reason
        );
    }
    let _ = writeln!(s, "  {:<12} {:>19}", "score", format!("= {:.4}", a.score));
    if a.hard_rules_fired.is_empty() {
        let _ = writeln!(s, "hard rules: none fired");
    } else {
        for r in &a.hard_rules_fired {
            let effect = match r.effect {
                Effect::Decline => "decline",
                Effect::Review => "review",
            };
            let _ = writeln!(
                s,
                "hard rule {} ({effect}): {} {} ({})",
                r.id, r.check, r.status, r.reason
            );
        }
    }
    if !a.requirements.is_empty() {
        let list: Vec<String> = a
            .requirements
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r.require,
                    if r.passed { "passed" } else { "NOT passed" }
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "required for {}: {}",
            a.document_type.as_deref().unwrap_or("default"),
            list.join(", ")
        );
    }
    if !a.reasons.is_empty() {
        let _ = writeln!(s, "reasons: {}", a.reasons.join(", "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(extra: &str) -> Policy {
        let src = format!(
            r#"
version = "t-1"
[thresholds]
review = 0.25
decline = 0.5
[factors.face]
weight = 1.0
checks = ["face"]
use_scores = true
{extra}"#
        );
        Policy::from_toml(&src).unwrap()
    }

    fn face(score: f64) -> Check {
        Check::pass("face.selfie_vs_document").with_score(score)
    }

    fn signals(checks: Vec<Check>) -> Signals {
        Signals {
            checks,
            ..Signals::default()
        }
    }

    #[test]
    fn threshold_edges() {
        let p = policy("[documents.default]\nrequire = []\n");
        // risk = 1 − score, weight 1: these are exact in binary.
        let at = |s: f64| assess(&p, &signals(vec![face(s)]));
        assert_eq!(at(0.75).score, 0.25);
        assert_eq!(at(0.75).decision, Decision::Review, "review is inclusive");
        assert_eq!(at(0.75_f64.next_up()).decision, Decision::Approved);
        assert_eq!(at(0.5).score, 0.5);
        assert_eq!(at(0.5).decision, Decision::Declined, "decline is inclusive");
        assert_eq!(at(0.5_f64.next_up()).decision, Decision::Review);
        assert_eq!(at(1.0).decision, Decision::Approved);
        assert_eq!(at(0.0).decision, Decision::Declined);
        assert_eq!(at(0.5).reasons, vec!["score_at_or_above_decline"]);
        assert_eq!(at(0.7).reasons, vec!["score_in_review_band"]);
    }

    #[test]
    fn not_performed_is_never_a_pass() {
        let p = policy("[documents.default]\nrequire = [\"face\"]\n");
        for st in [
            Status::NotPerformed,
            Status::Unsupported,
            Status::Warn,
            Status::Error,
        ] {
            let a = assess(
                &p,
                &signals(vec![Check::new(
                    "face.selfie_vs_document",
                    st,
                    reason::INPUT_MISSING,
                )]),
            );
            assert_ne!(a.decision, Decision::Approved, "{st}");
            assert!(a.reasons.contains(&"required_not_passed:face".to_owned()));
        }
        // Nothing at all: the factor counts its absent risk.
        let a = assess(&p, &signals(vec![]));
        assert_eq!(a.contributions[0].value, 0.5);
        assert_eq!(a.contributions[0].reason, codes::NO_EVIDENCE);
    }

    #[test]
    fn unknown_document_type_without_default_is_review() {
        let p = policy("[documents.TD3]\nrequire = [\"face\"]\n");
        let mut s = signals(vec![face(1.0)]);
        s.document_type = Some("TD1".into());
        let a = assess(&p, &s);
        assert_eq!(a.decision, Decision::Review);
        assert_eq!(a.reasons, vec!["document_type_not_in_policy"]);
        s.document_type = Some("TD3".into());
        assert_eq!(assess(&p, &s).decision, Decision::Approved);
    }

    #[test]
    fn hard_rules_decline_and_review_whatever_the_score() {
        let p = policy(
            r#"[documents.default]
require = []
[[hard_rules]]
id = "face_mismatch"
checks = ["face.selfie_vs_document"]
score_below = 0.3
effect = "decline"
[[hard_rules]]
id = "chip_reason"
checks = ["chip"]
reasons = ["dsc_revoked"]
effect = "decline"
[[hard_rules]]
id = "liveness_warn"
checks = ["liveness"]
status = ["warn"]
effect = "review"
"#,
        );
        let a = assess(&p, &signals(vec![face(0.29)]));
        assert_eq!(a.decision, Decision::Declined);
        assert_eq!(a.hard_rules_fired[0].id, "face_mismatch");
        assert_eq!(a.reasons[0], "hard_rule:face_mismatch");
        let a = assess(&p, &signals(vec![face(0.3)]));
        assert!(a.hard_rules_fired.is_empty(), "score_below is strict");
        // Reason-matched rule on a check no factor scores: the rule declines, the unscored
        // check adds a review reason.
        let a = assess(
            &p,
            &signals(vec![
                face(1.0),
                Check::fail("chip.dsc.revocation", ReasonCode::new("dsc_revoked")),
            ]),
        );
        assert_eq!(a.decision, Decision::Declined);
        assert_eq!(a.score, 0.0);
        let a = assess(
            &p,
            &signals(vec![
                face(1.0),
                Check::new("liveness.challenge", Status::Warn, reason::OK),
            ]),
        );
        assert_eq!(a.decision, Decision::Review);
        assert_eq!(a.hard_rules_fired[0].effect, Effect::Review);
    }

    #[test]
    fn signals_become_checks() {
        let p = policy(
            r#"[documents.default]
require = []
[signals]
attempts = { pass_at_most = 2, fail_at_least = 6 }
session_duration = { warn_below_s = 10, warn_above_s = 600 }
device_repeat = { pass_at_most = 0, fail_at_least = 3 }
duplicate_face = { pass_at_most = 0.5, fail_at_least = 0.7 }
[data]
minimum_age = 18
"#,
        );
        let s = Signals {
            checks: vec![face(1.0)],
            attempts: Some(4),
            session_duration: Some(Duration::from_secs(5)),
            device_repeats: Some(3),
            duplicate_face_similarity: Some(f64::NAN),
            age_years: Some(17),
            document_type: None,
        };
        let a = assess(&p, &s);
        let by = |n: &str| a.derived_checks.iter().find(|c| c.check == n).unwrap();
        assert_eq!(by("behaviour.attempts").status, Status::Warn);
        assert_eq!(by("behaviour.attempts").score, Some(0.5));
        assert_eq!(
            by("behaviour.session_duration").reason,
            codes::SESSION_TOO_FAST
        );
        assert_eq!(by("behaviour.device_repeat").status, Status::Fail);
        assert_eq!(by("behaviour.duplicate_face").status, Status::Error);
        assert_eq!(by("data.minimum_age").reason, codes::UNDER_MINIMUM_AGE);
        // None of them is scored by this policy's factors: each sends to review.
        assert_eq!(a.decision, Decision::Review);
        assert!(
            a.reasons
                .contains(&"unscored_check_fail:data.minimum_age".to_owned())
        );
        // Signals the caller lacks are not performed.
        let a = assess(&p, &signals(vec![face(1.0)]));
        assert!(
            a.derived_checks
                .iter()
                .all(|c| c.status == Status::NotPerformed)
        );
        assert_eq!(a.decision, Decision::Approved);
    }

    #[test]
    fn explanation_mentions_every_factor_and_rule() {
        let p = Policy::builtin().unwrap();
        let a = assess(
            &p,
            &signals(vec![Check::fail(
                "mrz.check_digits",
                ReasonCode::new("check_digit_mismatch"),
            )]),
        );
        let text = explain(&a);
        assert!(text.starts_with("decision: declined"), "{text}");
        for c in &a.contributions {
            assert!(text.contains(&c.factor), "{text}");
        }
        assert!(text.contains("hard rule mrz_check_digits"), "{text}");
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["decision"], "declined");
        assert_eq!(json["policy_version"], "default-2026-12");
    }
}
