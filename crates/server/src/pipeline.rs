//! The engines behind one trait, and the baseline decision policy.
//!
//! Each engine is pure: it gets the decrypted evidence (in memory only) and returns checks of
//! the one shape every engine shares. An engine whose model or code does not exist yet reports
//! `not_performed` with `engine_unavailable`, never a made-up pass.

use std::collections::BTreeMap;
use std::sync::Arc;

use checks::{Check, Evidence, ReasonCode, Status, reason};
use emrtd::chip::ChipFiles;
use emrtd::lds::DgNumber;
use emrtd::pki::TrustStore;
use serde::Serialize;
use zeroize::Zeroizing;

/// The engines, by the name the policy uses.
pub const ENGINES: [&str; 5] = ["mrz", "chip", "document", "face", "liveness"];

/// The policy version recorded with every decision.
pub const POLICY_VERSION: &str = "baseline-1";

const MRZ_MISMATCH: ReasonCode = ReasonCode::new("chip_mrz_mismatch");
const AA_NO_CHALLENGE: ReasonCode = ReasonCode::new("aa_challenge_missing");

/// What the engines see: the evidence of one verification, decrypted, in memory.
pub struct Inputs {
    /// The verification id.
    pub verification: String,
    /// Evidence by name (`document/front`, `chip/dg1`, …); zeroized on drop.
    pub files: BTreeMap<String, Zeroizing<Vec<u8>>>,
    /// The Active Authentication challenge issued for this verification.
    pub aa_challenge: Option<[u8; 8]>,
    /// Now, Unix ms.
    pub now_ms: i64,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("verification", &self.verification)
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Inputs {
    fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(|v| v.as_slice())
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        self.files.keys().any(|k| k.starts_with(prefix))
    }

    fn today(&self) -> Option<mrz::Date> {
        mrz::Date::from_days_since_epoch(self.now_ms.div_euclid(86_400_000))
    }
}

/// One engine.
pub trait Engine: Send + Sync {
    /// Its name (one of [`ENGINES`]).
    fn name(&self) -> &'static str;
    /// Its checks on `inputs`.
    fn run(&self, inputs: &Inputs) -> Vec<Check>;
}

/// The MRZ engine: the MRZ the SDK read (ICAO 9303 Parts 3–5).
#[derive(Debug)]
pub struct MrzEngine;

impl Engine for MrzEngine {
    fn name(&self) -> &'static str {
        "mrz"
    }

    fn run(&self, inputs: &Inputs) -> Vec<Check> {
        let Some(text) = inputs.get("document/mrz") else {
            return vec![Check::not_performed("mrz.read", reason::INPUT_MISSING)];
        };
        let Some(today) = inputs.today() else {
            return vec![Check::new(
                "mrz.read",
                Status::Error,
                reason::INTERNAL_ERROR,
            )];
        };
        match mrz::Mrz::parse_bytes(text, &mrz::ParseOptions::new(today)) {
            Ok(m) => m.checks(),
            Err(e) => vec![Check::fail("mrz.format", ReasonCode::new(e.code()))],
        }
    }
}

/// The chip engine: Passive Authentication up to the configured CSCAs, Active Authentication
/// against the server's challenge, DG1 against the MRZ the SDK read.
#[derive(Debug)]
pub struct ChipEngine {
    /// The CSCAs, CRLs and master lists loaded at start-up.
    pub trust: Arc<TrustStore>,
}

impl Engine for ChipEngine {
    fn name(&self) -> &'static str {
        "chip"
    }

    fn run(&self, inputs: &Inputs) -> Vec<Check> {
        if !inputs.has_prefix("chip/") {
            return vec![Check::not_performed("chip.read", reason::INPUT_MISSING)];
        }
        let mut files = ChipFiles {
            sod: inputs.get("chip/sod").map(<[u8]>::to_vec),
            ..ChipFiles::default()
        };
        for n in 1..=16u8 {
            if let (Some(bytes), Some(dg)) = (inputs.get(&format!("chip/dg{n}")), DgNumber::new(n))
            {
                files.data_groups.insert(dg, bytes.to_vec());
            }
        }
        let Some(today) = inputs.today() else {
            return vec![Check::new(
                "chip.read",
                Status::Error,
                reason::INTERNAL_ERROR,
            )];
        };
        let at = u64::try_from(inputs.now_ms.div_euclid(1000))
            .ok()
            .and_then(|s| {
                der::DateTime::from_unix_duration(std::time::Duration::from_secs(s)).ok()
            });
        let Some(at) = at else {
            return vec![Check::new(
                "chip.read",
                Status::Error,
                reason::INTERNAL_ERROR,
            )];
        };
        let aa_response = inputs.get("chip/aa_response");
        let exchange = match (inputs.aa_challenge, aa_response) {
            (Some(c), Some(r)) => Some(emrtd::chip::AaExchange {
                challenge: emrtd::aa::Challenge::from_issued(c, inputs.verification.clone()),
                response: r.to_vec(),
            }),
            _ => None,
        };
        let report = emrtd::chip::verify_chip(
            &files,
            &self.trust,
            at,
            exchange,
            &mrz::ParseOptions::new(today),
        );
        let mut out: Vec<Check> = report.checks().into_iter().cloned().collect();
        if aa_response.is_some() && inputs.aa_challenge.is_none() {
            out.push(Check::fail("chip.aa", AA_NO_CHALLENGE));
        }
        // DG1 against the MRZ the SDK read: a chip cloned from another document fails here.
        match (&report.dg1, inputs.get("document/mrz")) {
            (Some(dg1), Some(text)) => {
                let read: String = String::from_utf8_lossy(text)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                let same = dg1.mrz.as_unbroken() == read;
                out.push(if same {
                    Check::pass("chip.dg1_matches_mrz")
                } else {
                    Check::fail("chip.dg1_matches_mrz", MRZ_MISMATCH)
                });
            }
            (None, _) => out.push(
                Check::not_performed("chip.dg1_matches_mrz", reason::INPUT_MISSING).with_evidence(
                    Evidence::new().with(
                        "dg1_error",
                        report.dg1_error.clone().unwrap_or_else(|| "absent".into()),
                    ),
                ),
            ),
            (Some(_), None) => out.push(Check::not_performed(
                "chip.dg1_matches_mrz",
                reason::INPUT_MISSING,
            )),
        }
        out
    }
}

/// An engine a later release provides: it says so for the evidence it would have examined.
#[derive(Debug)]
pub struct Unavailable {
    /// Engine name.
    pub name: &'static str,
    /// The check it would report.
    pub check: &'static str,
    /// Evidence-name prefixes it would read.
    pub inputs: &'static [&'static str],
}

impl Engine for Unavailable {
    fn name(&self) -> &'static str {
        self.name
    }

    fn run(&self, inputs: &Inputs) -> Vec<Check> {
        let present = self.inputs.iter().any(|p| inputs.has_prefix(p));
        vec![Check::not_performed(
            self.check,
            if present {
                reason::ENGINE_UNAVAILABLE
            } else {
                reason::INPUT_MISSING
            },
        )]
    }
}

/// The engines this build has, in pipeline order.
#[must_use]
pub fn engines(trust: Arc<TrustStore>) -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(Unavailable {
            name: "document",
            check: "document.authenticity",
            inputs: &["document/front", "document/back"],
        }),
        Box::new(MrzEngine),
        Box::new(ChipEngine { trust }),
        Box::new(Unavailable {
            name: "face",
            check: "face.selfie_vs_document",
            inputs: &["selfie"],
        }),
        Box::new(Unavailable {
            name: "liveness",
            check: "liveness.challenge",
            inputs: &["liveness/"],
        }),
    ]
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every required check passed.
    Approved,
    /// A check failed.
    Declined,
    /// A human must look.
    Review,
}

impl Decision {
    /// The verification state it leads to.
    #[must_use]
    pub fn status(self) -> store::VerificationStatus {
        match self {
            Decision::Approved => store::VerificationStatus::Approved,
            Decision::Declined => store::VerificationStatus::Declined,
            Decision::Review => store::VerificationStatus::Review,
        }
    }
}

/// One engine's part of the result.
#[derive(Debug, Clone, Serialize)]
pub struct EngineResult {
    /// The engine.
    pub engine: &'static str,
    /// The worst status of its checks.
    pub status: Status,
    /// Whether the policy requires it.
    pub required: bool,
}

/// The result of a verification, as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// 0 (no risk found) … 1 (a check failed); see [`decide`].
    pub risk_score: f64,
    /// The policy that decided.
    pub policy: &'static str,
    /// Why, as stable codes: `check_failed:<check>`, `required_not_passed:<engine>`, …
    pub reasons: Vec<String>,
    /// Per engine.
    pub engines: Vec<EngineResult>,
    /// Every check.
    pub checks: Vec<Check>,
}

/// Runs every engine (an engine that panics becomes one `error` check) and decides.
#[must_use]
pub fn run(engines: &[Box<dyn Engine>], inputs: &Inputs, required: &[String]) -> Outcome {
    let mut per_engine = Vec::new();
    for e in engines {
        let checks = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| e.run(inputs)))
            .unwrap_or_else(|_| {
                tracing::error!(engine = e.name(), verification = %inputs.verification, "engine panicked");
                vec![Check::new(
                    format!("{}.engine", e.name()),
                    Status::Error,
                    reason::INTERNAL_ERROR,
                )]
            });
        per_engine.push((e.name(), checks));
    }
    decide(per_engine, required)
}

/// The baseline policy (`baseline-1`), until the risk engine replaces it:
/// - any check `fail` → **declined**, risk 1;
/// - else any `error`, `unsupported` or `warn`, or a required engine that did not run (none of
///   its checks passed) → **review**, risk 0.5;
/// - else **approved**, risk 0.
#[must_use]
pub fn decide(per_engine: Vec<(&'static str, Vec<Check>)>, required: &[String]) -> Outcome {
    let mut reasons = Vec::new();
    let mut engines = Vec::new();
    let mut checks = Vec::new();
    let mut failed = false;
    let mut doubtful = false;
    for (engine, list) in per_engine {
        let status = checks::summarise(&list);
        let is_required = required.iter().any(|r| r == engine);
        for c in &list {
            match c.status {
                Status::Fail => {
                    failed = true;
                    reasons.push(format!("check_failed:{}", c.check));
                }
                Status::Error | Status::Unsupported | Status::Warn => {
                    doubtful = true;
                    reasons.push(format!("check_{}:{}", c.status.as_str(), c.check));
                }
                Status::Pass | Status::NotPerformed => {}
            }
        }
        // A required engine must have run: at least one check passed. Sub-checks it could not
        // perform (no CRL for the issuer, no AA key on the chip) are reported, and do not by
        // themselves stop an approval; a warning, error or unsupported algorithm does.
        if is_required && !list.iter().any(|c| c.status.is_pass()) && status != Status::Fail {
            doubtful = true;
            reasons.push(format!("required_not_passed:{engine}"));
        }
        engines.push(EngineResult {
            engine,
            status,
            required: is_required,
        });
        checks.extend(list);
    }
    let (decision, risk_score) = if failed {
        (Decision::Declined, 1.0)
    } else if doubtful {
        (Decision::Review, 0.5)
    } else {
        (Decision::Approved, 0.0)
    };
    Outcome {
        decision,
        risk_score,
        policy: POLICY_VERSION,
        reasons,
        engines,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(files: &[(&str, &[u8])]) -> Inputs {
        Inputs {
            verification: "vrf_test".into(),
            files: files
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Zeroizing::new(v.to_vec())))
                .collect(),
            aa_challenge: None,
            now_ms: 1_767_225_600_000, // 2026-01-01
        }
    }

    #[test]
    fn nothing_uploaded_is_review_with_every_engine_not_performed() {
        let e = engines(Arc::new(TrustStore::new()));
        let out = run(&e, &inputs(&[]), &["mrz".to_owned()]);
        assert_eq!(out.decision, Decision::Review);
        assert!(out.checks.iter().all(|c| c.status == Status::NotPerformed));
        assert_eq!(out.reasons, vec!["required_not_passed:mrz".to_owned()]);
    }

    #[test]
    fn a_valid_mrz_alone_approves_only_if_only_mrz_is_required() {
        let mrz = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let e = engines(Arc::new(TrustStore::new()));
        let mut i = inputs(&[("document/mrz", mrz)]);
        i.now_ms = 1_293_840_000_000; // 2011-01-01, before the specimen expires
        let out = run(&e, &i, &["mrz".to_owned()]);
        assert_eq!(out.decision, Decision::Approved, "{:?}", out.reasons);
        let out = run(&e, &i, &["mrz".to_owned(), "face".to_owned()]);
        assert_eq!(out.decision, Decision::Review);
        assert!(out.reasons.contains(&"required_not_passed:face".to_owned()));
        // A wrong check digit declines.
        let bad = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37UTO7408122F1204159ZE184226B<<<<<10";
        let mut i = inputs(&[("document/mrz", bad)]);
        i.now_ms = 1_293_840_000_000;
        let out = run(&e, &i, &["mrz".to_owned()]);
        assert_eq!(out.decision, Decision::Declined);
        assert_eq!(out.risk_score, 1.0);
    }

    #[test]
    fn images_without_their_engine_are_engine_unavailable() {
        let e = engines(Arc::new(TrustStore::new()));
        let out = run(&e, &inputs(&[("selfie", b"x")]), &[]);
        let face = out
            .checks
            .iter()
            .find(|c| c.check == "face.selfie_vs_document")
            .unwrap();
        assert_eq!(face.reason, reason::ENGINE_UNAVAILABLE);
        assert_eq!(face.status, Status::NotPerformed);
    }
}
