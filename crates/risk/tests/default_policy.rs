//! The shipped default policy (`policy/default.toml`) on whole verifications.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use checks::{Check, ReasonCode, Status, reason};
use proptest::prelude::*;
use risk::{Decision, Effect, KNOWN_CHECKS, Policy, Signals, assess, explain};

fn policy() -> Policy {
    Policy::builtin().unwrap()
}

fn code(c: &'static str) -> ReasonCode {
    ReasonCode::new(c)
}

/// A genuine passport: every engine passed, the CRL of the issuer is not loaded.
fn passport() -> Vec<Check> {
    let mut v: Vec<Check> = [
        "document.authenticity",
        "document.screen_recapture",
        "mrz.format",
        "mrz.check_digits",
        "mrz.composite_check_digit",
        "mrz.dates",
        "mrz.country_codes",
        "mrz.sex",
        "mrz.names",
        "mrz.expiry",
        "chip.sod.parse",
        "chip.sod.content_type",
        "chip.sod.message_digest",
        "chip.sod.signature",
        "chip.dg_hash.dg1",
        "chip.dg_hash.dg2",
        "chip.dsc.validity",
        "chip.dsc.key_usage",
        "chip.csca.chain",
        "chip.csca.validity",
        "chip.csca.key_usage",
        "chip.active_authentication",
        "chip.dg1_matches_mrz",
        "liveness.challenge",
    ]
    .into_iter()
    .map(Check::pass)
    .collect();
    v.push(Check::new(
        "mrz.ocr_repair",
        Status::Pass,
        code("no_repair"),
    ));
    v.push(Check::not_performed(
        "chip.dsc.revocation",
        code("crl_unavailable"),
    ));
    v.push(
        Check::pass("face.selfie_vs_document")
            .with_score(0.91)
            .with_threshold(0.5),
    );
    v
}

fn signals(checks: Vec<Check>) -> Signals {
    Signals {
        checks,
        document_type: Some("TD3".into()),
        attempts: Some(1),
        session_duration: Some(Duration::from_secs(95)),
        device_repeats: Some(0),
        duplicate_face_similarity: Some(0.12),
        age_years: Some(34),
    }
}

/// The passport with one check replaced (or added).
fn with(check: Check) -> Signals {
    let mut v = passport();
    v.retain(|c| c.check != check.check);
    v.push(check);
    signals(v)
}

fn sums_exactly(a: &risk::Assessment) {
    let sum: f64 = a.contributions.iter().map(|c| c.points).sum();
    assert_eq!(sum.to_bits(), a.score.to_bits(), "{}", explain(a));
}

#[test]
fn a_genuine_passport_is_approved_with_score_zero() {
    let a = assess(&policy(), &signals(passport()));
    assert_eq!(a.decision, Decision::Approved, "{}", explain(&a));
    assert_eq!(a.score, 0.0);
    assert!(a.requirements.iter().all(|r| r.passed));
    assert_eq!(a.policy_version, "default-2026-12");
    assert!(a.policy_hash.starts_with("sha256:"));
    assert!(a.reasons.is_empty(), "{:?}", a.reasons);
    sums_exactly(&a);
}

/// Every hard rule of the default policy, with a check that triggers it.
#[test]
fn each_hard_rule_fires() {
    let f = |name: &'static str, c: &'static str| with(Check::fail(name, code(c)));
    let mut cases: Vec<(&str, Signals)> = vec![
        ("chip_pa_failed", f("chip.dg_hash.dg2", "dg_hash_mismatch")),
        (
            "chip_pa_failed",
            f("chip.sod.signature", "sod_signature_invalid"),
        ),
        ("chip_pa_failed", f("chip.dsc.validity", "dsc_expired")),
        ("chip_dsc_revoked", f("chip.dsc.revocation", "dsc_revoked")),
        (
            "chip_dsc_forged",
            f("chip.csca.chain", "dsc_signature_invalid"),
        ),
        (
            "chip_cloned",
            f("chip.active_authentication", "aa_signature_invalid"),
        ),
        (
            "chip_cloned",
            f("chip.chip_authentication", "access_denied"),
        ),
        (
            "chip_cloned",
            f("chip.dg1_matches_mrz", "chip_mrz_mismatch"),
        ),
        (
            "mrz_check_digits",
            f("mrz.check_digits", "check_digit_mismatch"),
        ),
        (
            "mrz_check_digits",
            f(
                "mrz.composite_check_digit",
                "composite_check_digit_mismatch",
            ),
        ),
        ("document_expired", f("mrz.expiry", "document_expired")),
        (
            "face_mismatch",
            with(
                Check::fail("face.selfie_vs_document", code("face_mismatch"))
                    .with_score(0.2)
                    .with_threshold(0.5),
            ),
        ),
        ("liveness_failed", f("liveness.challenge", "spoof_detected")),
        (
            "any_failure",
            f("document.screen_recapture", "moire_detected"),
        ),
        (
            "any_failure",
            with(Check::new(
                "face.selfie_vs_document",
                Status::Error,
                reason::INTERNAL_ERROR,
            )),
        ),
    ];
    let mut young = signals(passport());
    young.age_years = Some(17);
    cases.push(("under_minimum_age", young));
    let mut twin = signals(passport());
    twin.duplicate_face_similarity = Some(0.72);
    cases.push(("duplicate_face", twin));

    let p = policy();
    for rule in p.hard_rules() {
        assert!(
            cases.iter().any(|(id, _)| *id == rule.id),
            "hard rule {} has no test case",
            rule.id
        );
    }
    for (id, s) in &cases {
        let a = assess(&p, s);
        let rule = p.hard_rules().iter().find(|r| r.id == *id).unwrap();
        assert!(
            a.hard_rules_fired.iter().any(|f| f.id == *id),
            "{id}: {}",
            explain(&a)
        );
        assert!(a.reasons.contains(&format!("hard_rule:{id}")));
        let expected = match rule.effect {
            Effect::Decline => Decision::Declined,
            Effect::Review => Decision::Review,
        };
        assert_eq!(a.decision, expected, "{id}: {}", explain(&a));
        sums_exactly(&a);
    }
}

#[test]
fn a_face_fail_near_its_threshold_is_review_not_decline() {
    let a = assess(
        &policy(),
        &with(
            Check::fail("face.selfie_vs_document", code("face_mismatch"))
                .with_score(0.40)
                .with_threshold(0.5),
        ),
    );
    assert_eq!(a.decision, Decision::Review, "{}", explain(&a));
    let ids: Vec<&str> = a.hard_rules_fired.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["any_failure"]);
}

#[test]
fn trust_material_we_lack_is_review_not_decline() {
    // An unknown CSCA is a gap in our trust store, not proof of forgery.
    let a = assess(
        &policy(),
        &with(Check::fail("chip.csca.chain", code("csca_not_found"))),
    );
    assert_eq!(a.decision, Decision::Review, "{}", explain(&a));
    assert!(
        a.reasons
            .contains(&"required_not_passed:chip.csca.chain".to_owned())
    );
    // An algorithm we do not support: never a pass.
    let a = assess(
        &policy(),
        &with(Check::new(
            "chip.sod.signature",
            Status::Unsupported,
            code("algorithm_unsupported"),
        )),
    );
    assert_eq!(a.decision, Decision::Review, "{}", explain(&a));
    assert!(
        a.reasons
            .contains(&"required_not_passed:chip.sod.signature".to_owned())
    );
}

#[test]
fn a_passport_without_its_chip_is_review() {
    let mut v = passport();
    v.retain(|c| !c.check.starts_with("chip."));
    v.push(Check::not_performed("chip.read", reason::INPUT_MISSING));
    let a = assess(&policy(), &signals(v.clone()));
    assert_eq!(a.decision, Decision::Review, "{}", explain(&a));
    let chip = a.contributions.iter().find(|c| c.factor == "chip").unwrap();
    assert_eq!(chip.value, 0.5);
    assert_eq!(chip.check.as_deref(), Some("chip.read"));
    // An identity card does not require the chip: the same evidence approves.
    let mut s = signals(v);
    s.document_type = Some("TD1".into());
    let a = assess(&policy(), &s);
    assert_eq!(a.decision, Decision::Approved, "{}", explain(&a));
    assert_eq!(a.score, 0.125);
}

#[test]
fn engines_not_built_yet_never_approve() {
    // Today's server: face, liveness and document engines report `engine_unavailable`.
    let mut v = passport();
    v.retain(|c| {
        !matches!(
            c.check.split('.').next(),
            Some("face" | "liveness" | "document")
        )
    });
    for name in [
        "face.selfie_vs_document",
        "liveness.challenge",
        "document.authenticity",
    ] {
        v.push(Check::not_performed(name, reason::ENGINE_UNAVAILABLE));
    }
    let a = assess(&policy(), &signals(v));
    assert_eq!(a.decision, Decision::Review, "{}", explain(&a));
    assert!(
        a.reasons
            .contains(&"required_not_passed:face.selfie_vs_document".to_owned())
    );
    assert!(
        a.reasons
            .contains(&"required_not_passed:liveness".to_owned())
    );
    // 0.15 + 0.25 + 0.15 of absent evidence at 0.5: in the review band by score as well.
    assert!((a.score - 0.275).abs() < 1e-12, "{}", a.score);
    assert!(a.reasons.contains(&"score_in_review_band".to_owned()));
}

#[test]
fn behaviour_grades_then_reviews() {
    let mut s = signals(passport());
    s.attempts = Some(3);
    let a = assess(&policy(), &s);
    assert_eq!(a.decision, Decision::Approved, "{}", explain(&a));
    let b = a
        .contributions
        .iter()
        .find(|c| c.factor == "behaviour")
        .unwrap();
    assert!((b.value - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(b.reason.as_str(), "too_many_attempts");
    s.attempts = Some(5);
    s.device_repeats = Some(4);
    let a = assess(&policy(), &s);
    assert_eq!(a.decision, Decision::Review, "{}", explain(&a));
    // Signals not collected: no penalty (`absent = 0`).
    let mut s = signals(passport());
    s.attempts = None;
    s.session_duration = None;
    s.device_repeats = None;
    s.duplicate_face_similarity = None;
    let a = assess(&policy(), &s);
    assert_eq!(a.decision, Decision::Approved, "{}", explain(&a));
}

#[test]
fn explanation_text_and_json() {
    let a = assess(
        &policy(),
        &with(Check::fail("mrz.expiry", code("document_expired"))),
    );
    let text = explain(&a);
    assert!(
        text.contains("hard rule document_expired (decline): mrz.expiry fail (document_expired)"),
        "{text}"
    );
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["decision"], "declined");
    assert_eq!(json["hard_rules_fired"][0]["id"], "document_expired");
    let pts: f64 = json["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["points"].as_f64().unwrap())
        .sum();
    assert_eq!(pts, json["score"].as_f64().unwrap(), "the JSON adds up too");
}

// ---- properties -------------------------------------------------------------------------------

fn names() -> Vec<String> {
    KNOWN_CHECKS
        .iter()
        .map(|k| k.replace(".*", ".dg2"))
        .chain(["face.unknown".to_owned(), "other.thing".to_owned()])
        .collect()
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Pass),
        Just(Status::Fail),
        Just(Status::Warn),
        Just(Status::NotPerformed),
        Just(Status::Unsupported),
        Just(Status::Error),
    ]
}

fn check() -> impl Strategy<Value = Check> {
    let n = names();
    (
        0..n.len(),
        status(),
        proptest::option::of(0.0f64..=1.0),
        proptest::option::of(0.0f64..=1.0),
    )
        .prop_map(move |(i, st, score, thr)| {
            let mut c = Check::new(n[i].clone(), st, reason::OK);
            c.score = score;
            c.threshold = thr;
            c
        })
}

fn any_signals() -> impl Strategy<Value = Signals> {
    (
        proptest::collection::vec(check(), 0..40),
        proptest::option::of(prop_oneof![Just("TD1"), Just("TD3"), Just("MRV-A")]),
        proptest::option::of(0u32..10),
        proptest::option::of(0u64..4000),
        proptest::option::of(0u32..10),
        proptest::option::of(-1.0f64..=1.0),
        proptest::option::of(0u32..99),
    )
        .prop_map(|(checks, dt, attempts, secs, dev, dup, age)| Signals {
            checks,
            document_type: dt.map(str::to_owned),
            attempts,
            session_duration: secs.map(Duration::from_secs),
            device_repeats: dev,
            duplicate_face_similarity: dup,
            age_years: age,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn contributions_sum_exactly_to_the_score(s in any_signals()) {
        let p = policy();
        let a = assess(&p, &s);
        let sum: f64 = a.contributions.iter().map(|c| c.points).sum();
        prop_assert_eq!(sum.to_bits(), a.score.to_bits());
        prop_assert!((0.0..=1.0 + 1e-9).contains(&a.score));
        for c in &a.contributions {
            prop_assert!((0.0..=1.0).contains(&c.value));
            prop_assert_eq!(c.points, c.weight * c.value);
        }
        // An approval needs every requirement passed, no hard rule and a score below review.
        if a.decision == Decision::Approved {
            prop_assert!(a.requirements.iter().all(|r| r.passed));
            prop_assert!(a.hard_rules_fired.is_empty());
            prop_assert!(a.score < p.thresholds().review);
        }
        if a.hard_rules_fired.iter().any(|f| f.effect == Effect::Decline)
            || a.score >= p.thresholds().decline
        {
            prop_assert_eq!(a.decision, Decision::Declined);
        }
        // Only `pass` satisfies a requirement.
        for r in a.requirements.iter().filter(|r| r.passed) {
            let pat = risk::Pattern::parse(&r.require).unwrap();
            prop_assert!(
                s.checks.iter().chain(&a.derived_checks).any(|c| c.status == Status::Pass && pat.matches(&c.check))
            );
        }
    }

    #[test]
    fn assessment_is_deterministic(s in any_signals()) {
        let p = policy();
        prop_assert_eq!(assess(&p, &s), assess(&p, &s));
    }
}
