//! The risk engine: every check of a verification, plus behavioural signals, turned into one
//! decision (`approved`, `review`, `declined`) with a score and the contribution of each
//! factor, under a versioned TOML policy.
//!
//! It combines document authenticity, MRZ validity, VIZ/MRZ consistency, chip Passive, Active
//! and Chip Authentication, face match scores, liveness, data consistency (age, expiry,
//! document vs chip vs form data) and behavioural signals (attempts, time taken, a device or a
//! face seen in other verifications). Every engine reports [`checks::Check`]s; the policy names
//! them by pattern.
//!
//! **What it does not do:** no I/O, no clock, no database. The caller reads the policy file
//! (and watches it for hot reload: [`Policy::from_toml`] then compare [`Policy::hash`]), counts
//! attempts and device reuse in the store, and runs the duplicate-face search with
//! [`best_face_match`] over past approved cases' embeddings.
//!
//! Main types: [`Policy`] (exists only validated), [`Signals`] (the input), [`assess`] →
//! [`Assessment`] (serde-serialisable: the JSON explanation), [`explain`] (text).
//!
//! # How a decision is made
//! 1. The policy derives checks from the signals (`behaviour.attempts`,
//!    `behaviour.session_duration`, `behaviour.device_repeat`, `behaviour.duplicate_face`,
//!    `data.minimum_age`); they are treated like the engines' checks.
//! 2. **Factors.** Each factor counts the checks its patterns match (a check counts towards one
//!    factor only). Its *value* is the worst risk among its performed checks: `pass` 0,
//!    `fail` 1, others from `[status_risk]`; with `use_scores`, a passing or warning check with
//!    a score has risk `1 − score`. `not_performed` sub-checks are listed but do not set the
//!    value; a factor with no performed check has value `absent` (default
//!    `status_risk.not_performed`). Its *points* are `weight × value`. **The score is the sum of
//!    the points**, in policy order, so the explanation adds up exactly.
//! 3. **Hard rules** decline or send to review whatever the score.
//! 4. **Requirements** of the document type: each required pattern needs at least one passing
//!    check, else at least review. `not_performed` and `unsupported` are never a pass. A
//!    document type with no entry and no `default` entry is review.
//! 5. A `fail`, `error`, `warn` or `unsupported` check that no factor scores is review.
//! 6. **Thresholds**: `score ≥ decline` declines, `score ≥ review` is at least review.
//!
//! The decision is the most severe of these. Each [`Assessment`] records the policy's
//! `version` and the SHA-256 of its text.
//!
//! # Policy format
//! Unknown keys are errors; every problem is reported at once with its key path and line, e.g.
//! `line 12: factors.face.weight: must be between 0 and 1 (found 1.5)`.
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `version` | string (required) | recorded with every decision: letters, digits, `_ - .` |
//! | `description` | string | for people |
//! | `extra_checks` | patterns | checks an engine reports that the built-in catalogue ([`KNOWN_CHECKS`]) lacks |
//! | `thresholds.review`, `thresholds.decline` | 0..1 (required) | `review ≤ decline` |
//! | `status_risk.{warn,error,unsupported,not_performed}` | 0..1 | defaults 0.5, 0.75, 0.75, 0.5 |
//! | `factors.<name>.weight` | 0..1 (required) | all weights sum to 1 (± 1e-6) |
//! | `factors.<name>.checks` | patterns (required, non-empty) | no two factors may overlap |
//! | `factors.<name>.use_scores` | bool | grade passes and warnings by `1 − score` |
//! | `factors.<name>.absent` | 0..1 | value when none of its checks was performed |
//! | `[[hard_rules]]` `id`, `effect` | string (required) | `effect`: `decline` or `review` |
//! | `hard_rules.checks` | patterns (required) | the checks it looks at |
//! | `hard_rules.status`, `.reasons` | lists | matches any entry |
//! | `hard_rules.score_below`, `.score_at_least`, `.below_threshold_by` | 0..1 | on the check's score (and threshold) |
//! | `documents.<type>.require` | patterns | `<type>`: `TD1`, `TD2`, `TD3`, …, or `default` |
//! | `signals.{attempts,device_repeat,duplicate_face}` | `{ pass_at_most, fail_at_least }` | ramps; `pass_at_most < fail_at_least` |
//! | `signals.session_duration` | `{ warn_below_s, warn_above_s }` | seconds |
//! | `data.minimum_age` | integer | years |
//!
//! A hard rule's conditions are all required, and it needs at least one besides `checks`.
//! A *pattern* is an exact check name (`chip.active_authentication`), a family
//! (`chip.sod.*`), an engine (`chip`, short for `chip.*`) or `*`. Its engine must be one of
//! [`ENGINES`] and it must match a known check: `mrz.check_digit` (a typo) is refused.
//!
//! ```
//! let policy = risk::Policy::from_toml(r#"
//! version = "acme-3"
//! [thresholds]
//! review = 0.25
//! decline = 0.6
//! [factors.chip]
//! weight = 0.6
//! checks = ["chip"]
//! [factors.mrz]
//! weight = 0.4
//! checks = ["mrz"]
//! [[hard_rules]]
//! id = "chip_pa_failed"
//! checks = ["chip.sod.*", "chip.dg_hash.*"]
//! status = ["fail"]
//! effect = "decline"
//! [documents.default]
//! require = ["mrz.check_digits", "chip.sod.signature"]
//! "#)?;
//! let signals = risk::Signals {
//!     checks: vec![checks::Check::pass("mrz.check_digits"), checks::Check::pass("chip.sod.signature")],
//!     ..Default::default()
//! };
//! let a = risk::assess(&policy, &signals);
//! assert_eq!(a.decision, risk::Decision::Approved);
//! assert_eq!(a.policy_version, "acme-3");
//! assert_eq!(a.score, a.contributions.iter().map(|c| c.points).sum::<f64>());
//! # Ok::<(), risk::PolicyError>(())
//! ```
//!
//! The shipped default, `policy/default.toml` ([`DEFAULT_POLICY_TOML`], [`Policy::builtin`]),
//! is documented line by line.
//!
//! # Reason codes
//! Derived checks and contributions use [`codes`]: `too_many_attempts`, `device_reused`,
//! `duplicate_face`, `session_too_fast`, `session_too_slow`, `under_minimum_age`,
//! `signal_invalid`, `no_evidence`. Policy problems have the codes of
//! [`ProblemKind::code`]; the error itself is `policy_syntax` or `policy_invalid`.
#![forbid(unsafe_code)]

mod assess;
mod error;
mod pattern;
mod policy;
mod similarity;

pub use assess::{
    Assessment, Contribution, Decision, FiredRule, Requirement, Signals, assess, codes,
    derive_checks, explain,
};
pub use error::{PolicyError, Problem, ProblemKind};
pub use pattern::{ENGINES, KNOWN_CHECKS, Pattern};
pub use policy::{
    Band, DEFAULT_POLICY_TOML, DataRules, DocumentRule, Effect, Factor, HardRule, Policy, Ramp,
    SignalRules, StatusRisk, Thresholds,
};
pub use similarity::{FaceMatch, age_years, best_face_match, cosine};
