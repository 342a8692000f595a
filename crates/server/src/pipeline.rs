//! The engines behind one trait, and the decision by the risk engine under the configured policy.
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

/// What an engine derived for the engines after it in the pipeline, in memory only: never
/// stored, dropped with the run.
#[derive(Default)]
pub struct Derived {
    /// The portrait the document engine cut from the rectified front (for the face engine).
    pub document_portrait: Option<imaging::Image>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derived")
            .field(
                "document_portrait",
                &self
                    .document_portrait
                    .as_ref()
                    .map(|i| (i.width(), i.height())),
            )
            .finish()
    }
}

/// One engine.
pub trait Engine: Send + Sync {
    /// Its name (one of [`ENGINES`]).
    fn name(&self) -> &'static str;
    /// Its checks on `inputs`.
    fn run(&self, inputs: &Inputs) -> Vec<Check>;
    /// Its checks on `inputs` with what the engines before it derived, adding what it derives.
    /// The pipeline calls this; an engine that neither reads nor leaves anything keeps `run`.
    fn run_with(&self, inputs: &Inputs, derived: &mut Derived) -> Vec<Check> {
        let _ = derived;
        self.run(inputs)
    }
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

/// The face engine (`crates/face`): the selfie against the document's portrait and against the
/// chip's DG2 photo (JPEG or JPEG 2000), and the document's portrait against the chip's, each
/// with the quality of every photo.
pub struct FaceEngine(pub face::FaceEngine);

impl std::fmt::Debug for FaceEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FaceEngine")
    }
}

impl Engine for FaceEngine {
    fn name(&self) -> &'static str {
        "face"
    }

    fn run(&self, inputs: &Inputs) -> Vec<Check> {
        self.run_with(inputs, &mut Derived::default())
    }

    fn run_with(&self, inputs: &Inputs, derived: &mut Derived) -> Vec<Check> {
        let dg2 = inputs
            .get("chip/dg2")
            .and_then(|b| emrtd::lds::Dg2::parse(b).ok());
        let chip_photo = dg2
            .as_ref()
            .and_then(|d| d.faces().next())
            .map(|f| f.image.bytes.as_slice());
        self.0.verify(&face::FaceEvidence {
            selfie: inputs.get("selfie"),
            document_photo: inputs.get("document/front"),
            document_portrait: derived.document_portrait.as_ref(),
            chip_photo,
        })
    }
}

/// The document engine (`crates/document`): finds, rectifies and reads the document photos
/// (`document/front`, `document/back`), and judges their authenticity.
pub struct DocumentEngine(pub document::Engine);

impl std::fmt::Debug for DocumentEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DocumentEngine")
    }
}

impl Engine for DocumentEngine {
    fn name(&self) -> &'static str {
        "document"
    }

    fn run(&self, inputs: &Inputs) -> Vec<Check> {
        self.run_with(inputs, &mut Derived::default())
    }

    fn run_with(&self, inputs: &Inputs, derived: &mut Derived) -> Vec<Check> {
        let Some(front) = inputs.get("document/front") else {
            return vec![Check::not_performed(
                "document.geometry",
                reason::INPUT_MISSING,
            )];
        };
        let Some(today) = inputs.today() else {
            return vec![Check::new(
                "document.geometry",
                Status::Error,
                reason::INTERNAL_ERROR,
            )];
        };
        let secs = inputs.now_ms.div_euclid(1000).rem_euclid(86_400);
        let now = format!(
            "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
            today.year(),
            today.month(),
            today.day(),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        let report = self.0.read(&document::Input {
            front,
            back: inputs.get("document/back"),
            today,
            now_exif: &now,
        });
        // The source format only labels the face engine's evidence: the crop's pixels came
        // from the uploaded front, which the reader decoded as JPEG.
        derived.document_portrait = report.face.and_then(|(w, h, rgb)| {
            imaging::Image::from_rgb8(w, h, rgb, imaging::ImageFormat::Jpeg).ok()
        });
        report.checks
    }
}

/// The document engine of `[document]`: the MRZ recogniser over the OCR-B font and, with
/// `viz` on, Tesseract for the printed visual zone. Without the font it reports
/// `engine_unavailable`; with `viz` on and Tesseract's models missing the start stops
/// (`config_invalid`), since a document engine that silently skips the VIZ would weaken every
/// decision without a word.
///
/// # Errors
/// `config_invalid` naming `document.tessdata` and the OCR error's code.
pub fn document_engine(
    config: &crate::config::DocumentConfig,
) -> Result<Box<dyn Engine>, crate::Error> {
    let Some(engine) = std::fs::read(&config.ocrb_font)
        .ok()
        .and_then(|b| document::Engine::new(&b).ok())
    else {
        tracing::warn!("no OCR-B font: the document engine reports engine_unavailable");
        return Ok(Box::new(DOCUMENT_UNAVAILABLE));
    };
    if !config.viz {
        tracing::info!("[document] viz = false: the visual-zone checks are not performed");
        return Ok(Box::new(DocumentEngine(engine)));
    }
    let reader = ocr::TesseractReader::new(&ocr::Config {
        tessdata: config.tessdata.clone(),
        handles: config.ocr_handles,
    })
    .map_err(|e| {
        crate::Error::Config(format!(
            "document.tessdata: {} ({}; install tesseract-ocr-ara, -fra and -script-arab, or set [document] viz = false)",
            e,
            e.code()
        ))
    })?;
    if !ocr::omp_thread_limit_set() {
        tracing::warn!(
            "OMP_THREAD_LIMIT is not set: Tesseract's OpenMP threads slow every document read (set OMP_THREAD_LIMIT=1)"
        );
    }
    let arabic = std::fs::read(&config.arabic_font)
        .ok()
        .and_then(document::synth::ArabicFont::new)
        .ok_or_else(|| {
            crate::Error::Config(format!(
                "document.arabic_font: {} is not a usable Arabic face (install fonts-hosny-amiri, or set [document] viz = false)",
                config.arabic_font.display()
            ))
        })?;
    Ok(Box::new(DocumentEngine(
        engine
            .with_reader(Arc::new(reader))
            .with_arabic_font(arabic),
    )))
}

/// The document engine where it cannot run (no OCR-B font, or not licensed).
pub const DOCUMENT_UNAVAILABLE: Unavailable = Unavailable {
    name: "document",
    check: "document.authenticity",
    inputs: &["document/front", "document/back"],
};

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
pub fn engines(
    trust: Arc<TrustStore>,
    face: Option<face::FaceEngine>,
    document: Box<dyn Engine>,
) -> Vec<Box<dyn Engine>> {
    let liveness = crate::liveness::engine(face.as_ref());
    let face: Box<dyn Engine> = match face {
        Some(f) => Box::new(FaceEngine(f)),
        None => Box::new(Unavailable {
            name: "face",
            check: "face.selfie_vs_document",
            inputs: &["selfie"],
        }),
    };
    vec![
        document,
        Box::new(MrzEngine),
        Box::new(ChipEngine { trust }),
        face,
        liveness,
    ]
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Every required check passed and the score is below the review threshold.
    Approved,
    /// A hard rule declined, or the score reached the decline threshold.
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

impl From<risk::Decision> for Decision {
    fn from(d: risk::Decision) -> Self {
        match d {
            risk::Decision::Approved => Decision::Approved,
            risk::Decision::Review => Decision::Review,
            risk::Decision::Declined => Decision::Declined,
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
    /// Whether the document type's requirements name one of its checks.
    pub required: bool,
}

/// What the server knows of the session itself, beside the evidence (behavioural signals).
#[derive(Debug, Clone, Copy, Default)]
pub struct Behaviour {
    /// From creation to submission.
    pub session_duration: Option<std::time::Duration>,
    /// Verifications of the integrator's same reference, this one included.
    pub attempts: Option<u32>,
}

/// The result of a verification, as the API returns it: the risk engine's assessment, flattened.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// 0 (no risk found) … 1: the sum of `contributions[].points`.
    pub risk_score: f64,
    /// The version of the policy that decided.
    pub policy: String,
    /// The SHA-256 of that policy's text.
    pub policy_hash: String,
    /// The document type the requirements were taken for (`TD1`, `TD2`, `TD3`, `MRV`).
    pub document_type: Option<String>,
    /// Why, as stable codes: `hard_rule:<id>`, `required_not_passed:<pattern>`, …
    pub reasons: Vec<String>,
    /// Each factor's share of the score.
    pub contributions: Vec<risk::Contribution>,
    /// Hard rules that fired.
    pub hard_rules_fired: Vec<risk::FiredRule>,
    /// The document type's requirements, met or not.
    pub requirements: Vec<risk::Requirement>,
    /// Per engine.
    pub engines: Vec<EngineResult>,
    /// Every check: the engines' and those the policy derived from behaviour and data.
    pub checks: Vec<Check>,
}

/// Runs every engine in order (an engine that panics becomes one `error` check), each seeing
/// what the ones before it derived (the document's portrait for the face engine), then the
/// risk engine under `policy`.
#[must_use]
pub fn run(
    engines: &[Box<dyn Engine>],
    inputs: &Inputs,
    policy: &risk::Policy,
    behaviour: Behaviour,
) -> Outcome {
    let mut per_engine = Vec::new();
    let mut derived = Derived::default();
    for e in engines {
        let checks = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            e.run_with(inputs, &mut derived)
        }))
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
    let document = document_facts(inputs);
    decide(per_engine, policy, behaviour, document)
}

/// What the evidence says about the document itself: its type and the holder's age, from the
/// chip's DG1 where present (it is what Passive Authentication covers), else the printed MRZ.
#[derive(Debug, Clone, Default)]
pub struct DocumentFacts {
    /// `TD1`, `TD2`, `TD3` or `MRV`.
    pub document_type: Option<String>,
    /// Whole years on the day of the verification.
    pub age_years: Option<u32>,
}

fn document_facts(inputs: &Inputs) -> DocumentFacts {
    let Some(today) = inputs.today() else {
        return DocumentFacts::default();
    };
    let options = mrz::ParseOptions::new(today);
    let parsed = inputs
        .get("chip/dg1")
        .and_then(|b| emrtd::lds::Dg1::parse(b, &options).ok().map(|d| d.mrz))
        .or_else(|| {
            inputs
                .get("document/mrz")
                .and_then(|t| mrz::Mrz::parse_bytes(t, &options).ok())
        });
    let Some(m) = parsed else {
        return DocumentFacts::default();
    };
    let document_type = match m.format() {
        mrz::Format::Td1 => "TD1",
        mrz::Format::Td2 | mrz::Format::FrenchId => "TD2",
        mrz::Format::Td3 => "TD3",
        mrz::Format::MrvA | mrz::Format::MrvB => "MRV",
    };
    let ymd = |d: mrz::Date| {
        (
            i32::from(d.year()),
            u32::from(d.month()),
            u32::from(d.day()),
        )
    };
    DocumentFacts {
        document_type: Some(document_type.to_owned()),
        age_years: m
            .birth_date()
            .and_then(|b| risk::age_years(ymd(b), ymd(today))),
    }
}

/// The risk engine over the engines' checks: the policy's factors, hard rules, the document
/// type's requirements and thresholds (see `crates/risk`).
#[must_use]
pub fn decide(
    per_engine: Vec<(&'static str, Vec<Check>)>,
    policy: &risk::Policy,
    behaviour: Behaviour,
    document: DocumentFacts,
) -> Outcome {
    let signals = risk::Signals {
        checks: per_engine
            .iter()
            .flat_map(|(_, c)| c.iter().cloned())
            .collect(),
        document_type: document.document_type,
        attempts: behaviour.attempts,
        session_duration: behaviour.session_duration,
        device_repeats: None,
        duplicate_face_similarity: None,
        age_years: document.age_years,
    };
    let a = risk::assess(policy, &signals);
    let required_engines: Vec<&str> = policy
        .document_rule(a.document_type.as_deref())
        .map(|r| r.require.iter().filter_map(|p| p.engine()).collect())
        .unwrap_or_default();
    let engines = per_engine
        .iter()
        .map(|(engine, list)| EngineResult {
            engine,
            status: checks::summarise(list),
            required: required_engines.contains(engine),
        })
        .collect();
    let mut checks = signals.checks;
    checks.extend(a.derived_checks);
    Outcome {
        decision: a.decision.into(),
        risk_score: a.score,
        policy: a.policy_version,
        policy_hash: a.policy_hash,
        document_type: a.document_type,
        reasons: a.reasons,
        contributions: a.contributions,
        hard_rules_fired: a.hard_rules_fired,
        requirements: a.requirements,
        engines,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MRZ and chip decide; see the file.
    fn policy() -> risk::Policy {
        risk::Policy::from_toml(include_str!("../testdata/policy-mrz-chip.toml")).unwrap()
    }

    /// The engines without face models; the document engine reads the MRZ only.
    fn test_engines() -> Vec<Box<dyn Engine>> {
        let document = document_engine(&crate::config::DocumentConfig {
            viz: false,
            ..crate::config::DocumentConfig::default()
        })
        .unwrap();
        engines(Arc::new(TrustStore::new()), None, document)
    }

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
        let e = test_engines();
        let out = run(&e, &inputs(&[]), &policy(), Behaviour::default());
        assert_eq!(out.decision, Decision::Review);
        assert!(out.checks.iter().all(|c| c.status == Status::NotPerformed));
        assert!(
            out.reasons
                .contains(&"required_not_passed:mrz.check_digits".to_owned()),
            "{:?}",
            out.reasons
        );
        assert_eq!(out.policy, "test-mrz-chip-1");
        assert!(out.policy_hash.starts_with("sha256:"));
    }

    #[test]
    fn a_valid_mrz_alone_approves_only_where_the_policy_requires_no_more() {
        let mrz = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let e = test_engines();
        let mut i = inputs(&[("document/mrz", mrz)]);
        i.now_ms = 1_293_840_000_000; // 2011-01-01, before the specimen expires
        // A passport (TD3): this policy wants the chip too.
        let out = run(&e, &i, &policy(), Behaviour::default());
        assert_eq!(out.document_type.as_deref(), Some("TD3"));
        assert_eq!(out.decision, Decision::Review, "{:?}", out.reasons);
        assert!(
            out.reasons
                .contains(&"required_not_passed:chip.sod.signature".to_owned())
        );
        let chip = out.engines.iter().find(|e| e.engine == "chip").unwrap();
        assert!(chip.required);
        // An identity card (TD1): the MRZ suffices under this policy.
        let td1 = b"I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
        let mut i1 = inputs(&[("document/mrz", td1)]);
        i1.now_ms = i.now_ms;
        let out = run(&e, &i1, &policy(), Behaviour::default());
        assert_eq!(out.document_type.as_deref(), Some("TD1"));
        assert_eq!(out.decision, Decision::Approved, "{:?}", out.reasons);
        assert_eq!(out.risk_score, 0.0);
        let points: f64 = out.contributions.iter().map(|c| c.points).sum();
        assert_eq!(points, out.risk_score);
        // A wrong check digit declines.
        let bad = b"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37UTO7408122F1204159ZE184226B<<<<<10";
        let mut i = inputs(&[("document/mrz", bad)]);
        i.now_ms = 1_293_840_000_000;
        let out = run(&e, &i, &policy(), Behaviour::default());
        assert_eq!(out.decision, Decision::Declined);
        assert!(out.reasons.contains(&"hard_rule:any_failure".to_owned()));
    }

    #[test]
    fn images_without_their_engine_are_engine_unavailable() {
        let e = test_engines();
        let out = run(
            &e,
            &inputs(&[("selfie", b"x")]),
            &policy(),
            Behaviour::default(),
        );
        let face = out
            .checks
            .iter()
            .find(|c| c.check == "face.selfie_vs_document")
            .unwrap();
        assert_eq!(face.reason, reason::ENGINE_UNAVAILABLE);
        assert_eq!(face.status, Status::NotPerformed);
    }
}
