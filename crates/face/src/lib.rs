//! Face matching for idverify: bytes in, checks out.
//!
//! The pipeline for one photo ([`FaceEngine::analyse`]): decode (JPEG, JPEG 2000 through
//! `imaging`) → detect faces with five-plus landmarks (MediaPipe BlazeFace) → choose the subject
//! (the largest face; on a selfie a second face of comparable size is `several_faces`) → align
//! to MobileFaceNet's 112×112 ArcFace template by a similarity transform → quality gates (size,
//! blur, exposure, pose, eyes closed through the face mesh) → embed the crop and its mirror image,
//! sum, L2-normalise. Two photos compare by cosine similarity, calibrated to a match score in
//! 0..1 ([`calibrate`]); [`FaceEngine::verify`] turns a verification's selfie, document photo and
//! chip (DG2) photo into [`checks::Check`]s.
//!
//! Deliberately not here: reading files, loading models (the caller hands in [`FaceModels`],
//! normally from `inference::ModelDir`), liveness (issue 7), any clock. `Debug` of an
//! [`Embedding`] or an analysis shows sizes and measures, never pixels or vectors: a face
//! embedding is biometric data.
//!
//! Main types: [`FaceEngine`], [`FaceModels`], [`FaceConfig`], [`Role`], [`Analysis`],
//! [`FaceEvidence`], [`reason`].
#![forbid(unsafe_code)]

use std::fmt;
use std::sync::Arc;

use checks::{Check, Evidence, ReasonCode, Status};
use imaging::Image;
use inference::{Model, ModelLoader, Tensor};

pub mod align;
pub mod detect;
pub mod eval;
pub mod mesh;
pub mod quality;

pub use detect::{Detection, DetectorKind, Point};
pub use quality::Measures;

/// The face engine's reason codes (documented in `docs/reason-codes.md`).
pub mod reason {
    use checks::ReasonCode;
    /// The faces match (score at or above the threshold) and every photo passed its gates.
    pub const FACE_MATCH: ReasonCode = ReasonCode::new("face_match");
    /// The photo passed every quality gate.
    pub const FACE_QUALITY_OK: ReasonCode = ReasonCode::new("face_quality_ok");
    /// The match score is below the threshold: different people, as far as the model can tell.
    pub const FACE_MISMATCH: ReasonCode = ReasonCode::new("face_mismatch");
    /// The match score is in the review band just below the threshold.
    pub const FACE_MATCH_BORDERLINE: ReasonCode = ReasonCode::new("face_match_borderline");
    /// No face was found in the photo.
    pub const NO_FACE: ReasonCode = ReasonCode::new("no_face");
    /// A selfie shows more than one face of comparable size.
    pub const SEVERAL_FACES: ReasonCode = ReasonCode::new("several_faces");
    /// The face is too small (eye distance below the limit) for a reliable comparison.
    pub const FACE_TOO_SMALL: ReasonCode = ReasonCode::new("face_too_small");
    /// The face is blurred (Laplacian variance below the limit).
    pub const FACE_BLURRED: ReasonCode = ReasonCode::new("face_blurred");
    /// The head is turned, tilted or rolled too far from frontal.
    pub const EXTREME_POSE: ReasonCode = ReasonCode::new("extreme_pose");
    /// The face is over-exposed (too bright, or too much of it clipped white).
    pub const OVEREXPOSED: ReasonCode = ReasonCode::new("overexposed");
    /// The face is under-exposed (too dark).
    pub const UNDEREXPOSED: ReasonCode = ReasonCode::new("underexposed");
    /// Both eyes are closed.
    pub const EYES_CLOSED: ReasonCode = ReasonCode::new("eyes_closed");
}

/// Why the engine could not run (as opposed to a photo failing a gate, which is a result).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// The photo does not decode.
    #[error(transparent)]
    Image(#[from] imaging::Error),
    /// A model could not be loaded or run.
    #[error(transparent)]
    Inference(#[from] inference::Error),
    /// A model's output does not have the expected form.
    #[error("face model output invalid: {0}")]
    ModelOutput(String),
}

impl FaceError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            FaceError::Image(e) => e.code(),
            FaceError::Inference(e) => e.code(),
            FaceError::ModelOutput(_) => "face_model_output_invalid",
        }
    }
}

/// The models the engine runs.
#[derive(Debug, Clone)]
pub struct FaceModels {
    /// Which detector `detector` is.
    pub detector_kind: DetectorKind,
    /// BlazeFace.
    pub detector: Arc<dyn Model>,
    /// The face mesh (places the eyes).
    pub mesh: Arc<dyn Model>,
    /// The iris/eye-contour model (eyes-closed gate).
    pub iris: Arc<dyn Model>,
    /// MobileFaceNet (batch of two 112×112 crops → two 192-D vectors).
    pub embedder: Arc<dyn Model>,
}

/// The embedding model's name in the manifest.
pub const EMBEDDER_MODEL: &str = "mobilefacenet";
/// The mesh model's name in the manifest.
pub const MESH_MODEL: &str = "face_landmark";
/// The eye-contour model's name in the manifest.
pub const IRIS_MODEL: &str = "iris_landmark";

impl FaceModels {
    /// Loads the four models by their manifest names (from an `inference::ModelDir` or the
    /// in-memory models of a bundle), two at a time: building a runtime session (graph
    /// optimisation) is most of a server's start-up, and each one uses one core.
    pub fn load(
        loader: &(dyn ModelLoader + Sync),
        detector_kind: DetectorKind,
    ) -> Result<Self, FaceError> {
        let (first, second) = std::thread::scope(|s| {
            let other = s.spawn(|| -> Result<_, FaceError> {
                Ok((loader.load(EMBEDDER_MODEL)?, loader.load(IRIS_MODEL)?))
            });
            let here = (|| -> Result<_, FaceError> {
                Ok((
                    loader.load(detector_kind.model_name())?,
                    loader.load(MESH_MODEL)?,
                ))
            })();
            let other = other.join().unwrap_or_else(|_| {
                Err(FaceError::Inference(inference::Error::ModelLoad {
                    name: EMBEDDER_MODEL.to_owned(),
                    detail: "the loading thread panicked".to_owned(),
                }))
            });
            (here, other)
        });
        let (detector, mesh) = first?;
        let (embedder, iris) = second?;
        Ok(FaceModels {
            detector_kind,
            detector,
            mesh,
            iris,
            embedder,
        })
    }
}

/// What a photo is: the gates differ a little by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A live selfie: exactly one face expected.
    Selfie,
    /// The portrait on the document's image page (a ghost portrait beside it is normal).
    DocumentPhoto,
    /// The chip's DG2 portrait (JPEG or JPEG 2000).
    ChipPhoto,
}

impl Role {
    /// Stable name used in check names.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Selfie => "selfie",
            Role::DocumentPhoto => "document",
            Role::ChipPhoto => "chip",
        }
    }
}

/// Limits of the quality gates. Defaults are set on the development set (see `docs/benchmarks.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityLimits {
    /// Smallest eye distance in the photo, pixels (the aligned crop has ~35).
    pub min_eye_distance_px: f32,
    /// On a selfie, a second face whose box area is at least this share of the subject's.
    pub several_faces_area_ratio: f32,
    /// Lowest Laplacian variance of the aligned inner face.
    pub min_sharpness: f32,
    /// Lowest mean luma of the inner face.
    pub min_luma: f32,
    /// Highest mean luma of the inner face.
    pub max_luma: f32,
    /// Highest share of clipped-white inner-face pixels.
    pub max_clipped_fraction: f32,
    /// Largest |yaw| (nose offset in eye distances).
    pub max_yaw: f32,
    /// Allowed pitch range (nose height between eye line and mouth).
    pub pitch_range: (f32, f32),
    /// Largest |roll|, degrees.
    pub max_roll_deg: f32,
    /// Lowest eye openness of the more open eye.
    pub min_eye_openness: f32,
}

impl Default for QualityLimits {
    fn default() -> Self {
        QualityLimits {
            min_eye_distance_px: 24.0,
            several_faces_area_ratio: 0.3,
            min_sharpness: 100.0,
            min_luma: 50.0,
            max_luma: 215.0,
            max_clipped_fraction: 0.25,
            max_yaw: 0.35,
            pitch_range: (0.25, 0.8),
            max_roll_deg: 40.0,
            min_eye_openness: 0.21,
        }
    }
}

/// Engine configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceConfig {
    /// Decoding limits.
    pub limits: imaging::Limits,
    /// Lowest detector confidence for a face.
    pub min_detection_score: f32,
    /// Quality gates.
    pub quality: QualityLimits,
    /// Match threshold on the calibrated score (see [`calibrate`]).
    pub match_threshold: f64,
    /// Calibrated scores in `[review_threshold, match_threshold)` are `warn`, not `fail`.
    pub review_threshold: f64,
}

impl Default for FaceConfig {
    fn default() -> Self {
        FaceConfig {
            limits: imaging::Limits::default(),
            min_detection_score: 0.5,
            quality: QualityLimits::default(),
            match_threshold: calibrate::MATCH_THRESHOLD,
            review_threshold: calibrate::REVIEW_THRESHOLD,
        }
    }
}

/// Cosine similarity → a probability-like match score.
///
/// `score = 1 / (1 + exp(-SLOPE · (cosine − CENTRE)))`: a logistic centred between the highest
/// different-person cosine and the lowest same-person cosine on the development set (see
/// `docs/benchmarks.md`), so 0.5 is the match threshold. It is "probability-like", not a
/// probability: it is monotone in the cosine and was not fitted on a population.
pub mod calibrate {
    /// Cosine at score 0.5.
    pub const CENTRE: f64 = 0.45;
    /// Steepness.
    pub const SLOPE: f64 = 20.0;
    /// Default match threshold on the score (cosine 0.45).
    pub const MATCH_THRESHOLD: f64 = 0.5;
    /// Default review threshold on the score (cosine ≈ 0.395): scores from here to the match
    /// threshold are `warn` (a human look), below it `fail`.
    pub const REVIEW_THRESHOLD: f64 = 0.25;

    /// The score of a cosine similarity.
    #[must_use]
    pub fn score(cosine: f64) -> f64 {
        if cosine.is_nan() {
            return 0.0;
        }
        1.0 / (1.0 + (-SLOPE * (cosine - CENTRE)).exp())
    }
}

/// An L2-normalised face embedding. Biometric data: `Debug` shows the dimension only.
#[derive(Clone, PartialEq)]
pub struct Embedding(Vec<f32>);

impl fmt::Debug for Embedding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Embedding({}-D)", self.0.len())
    }
}

impl Embedding {
    /// L2-normalises `v`; `None` for a zero or non-finite vector.
    #[must_use]
    pub fn normalised(v: Vec<f32>) -> Option<Embedding> {
        let n = v
            .iter()
            .map(|x| f64::from(*x) * f64::from(*x))
            .sum::<f64>()
            .sqrt();
        if !(n.is_finite() && n > 1e-12) {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let n = n as f32;
        Some(Embedding(v.into_iter().map(|x| x / n).collect()))
    }

    /// The vector.
    #[must_use]
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// Cosine similarity (both are unit vectors), in -1..1.
    #[must_use]
    pub fn cosine(&self, other: &Embedding) -> f64 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum::<f64>()
            .clamp(-1.0, 1.0)
    }
}

/// One failed gate: its reason code, the value measured and the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The reason code.
    pub reason: ReasonCode,
    /// What was measured.
    pub measured: f64,
    /// The limit it broke.
    pub limit: f64,
}

/// The analysis of one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The role the photo was analysed for.
    pub role: Role,
    /// Width and height of the decoded photo.
    pub size: (u32, u32),
    /// Faces found.
    pub faces_found: usize,
    /// The subject, if any face was found.
    pub subject: Option<Detection>,
    /// Quality measures of the subject.
    pub measures: Measures,
    /// Failed gates, most serious first; empty when the photo passed.
    pub issues: Vec<Issue>,
    /// The subject's embedding (absent when no face was found).
    pub embedding: Option<Embedding>,
}

impl Analysis {
    /// True when every gate passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.issues.is_empty() && self.embedding.is_some()
    }

    fn evidence(&self) -> Evidence {
        let m = &self.measures;
        let round = |v: f32| (f64::from(v) * 1000.0).round() / 1000.0;
        let mut e = Evidence::new()
            .with("width", self.size.0)
            .with("height", self.size.1)
            .with("faces_found", self.faces_found);
        if self.subject.is_some() {
            e = e
                .with("eye_distance_px", round(m.eye_distance_px))
                .with("sharpness", round(m.sharpness))
                .with("mean_luma", round(m.mean_luma))
                .with("clipped_fraction", round(m.clipped_fraction))
                .with("yaw", round(m.yaw))
                .with("pitch", round(m.pitch))
                .with("roll_deg", round(m.roll_deg));
            if let Some(o) = m.eye_openness {
                e = e.with("eye_openness", round(o));
            }
        }
        if !self.issues.is_empty() {
            let codes: Vec<String> = self.issues.iter().map(|i| i.reason.to_string()).collect();
            e = e.with("issues", codes);
        }
        e
    }
}

/// The result of comparing two analysed photos.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchScore {
    /// Cosine similarity of the embeddings.
    pub cosine: f64,
    /// Calibrated score, 0..1.
    pub score: f64,
}

/// The photos of one verification (any may be absent).
#[derive(Clone, Copy, Default)]
pub struct FaceEvidence<'a> {
    /// The selfie (JPEG).
    pub selfie: Option<&'a [u8]>,
    /// The portrait cropped from (or the photo of) the document's image page.
    pub document_photo: Option<&'a [u8]>,
    /// The portrait the document reader cut from the rectified page (upright, the page's
    /// perspective undone): analysed in place of `document_photo`, which stays the fallback
    /// where no face is found in it.
    pub document_portrait: Option<&'a Image>,
    /// The chip's DG2 portrait (JPEG or JPEG 2000), as extracted by `emrtd`.
    pub chip_photo: Option<&'a [u8]>,
}

impl fmt::Debug for FaceEvidence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |b: Option<&[u8]>| b.map(<[u8]>::len);
        f.debug_struct("FaceEvidence")
            .field("selfie_bytes", &len(self.selfie))
            .field("document_photo_bytes", &len(self.document_photo))
            .field(
                "document_portrait",
                &self.document_portrait.map(|i| (i.width(), i.height())),
            )
            .field("chip_photo_bytes", &len(self.chip_photo))
            .finish()
    }
}

/// The face engine: models plus configuration. Shareable across threads.
#[derive(Debug, Clone)]
pub struct FaceEngine {
    models: FaceModels,
    config: FaceConfig,
}

impl FaceEngine {
    /// An engine over loaded models.
    #[must_use]
    pub fn new(models: FaceModels, config: FaceConfig) -> Self {
        FaceEngine { models, config }
    }

    /// The models (liveness runs the mesh and iris models on its frames).
    #[must_use]
    pub fn models(&self) -> &FaceModels {
        &self.models
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &FaceConfig {
        &self.config
    }

    /// Decodes and analyses one photo.
    pub fn analyse(&self, bytes: &[u8], role: Role) -> Result<Analysis, FaceError> {
        let img = imaging::decode(bytes, &self.config.limits)?;
        self.analyse_image(&img, role)
    }

    /// Detects faces (best first) in a decoded photo.
    pub fn detect(&self, img: &Image) -> Result<Vec<Detection>, FaceError> {
        detect::detect(
            self.models.detector.as_ref(),
            self.models.detector_kind,
            img,
            self.config.min_detection_score,
        )
    }

    /// The aligned 112×112 crop of a detected face.
    #[must_use]
    pub fn align(&self, img: &Image, face: &Detection) -> Option<Image> {
        align::aligned_crop(img, face)
    }

    /// Embeds an aligned crop (with its mirror image, summed).
    pub fn embed(&self, crop: &Image) -> Result<Embedding, FaceError> {
        let flipped =
            align::mirrored(crop).ok_or_else(|| FaceError::ModelOutput("mirror".into()))?;
        let input = detect::to_nchw(&[crop, &flipped], 1.0 / 128.0, -127.5 / 128.0)
            .ok_or_else(|| FaceError::ModelOutput("embedding input".into()))?;
        let out = self.models.embedder.run(&[input])?;
        let t: &Tensor = out
            .first()
            .ok_or_else(|| FaceError::ModelOutput("no embedding output".into()))?;
        let data = t.data();
        let half = data.len() / 2;
        if half == 0 || !data.len().is_multiple_of(2) {
            return Err(FaceError::ModelOutput(format!(
                "embedding shape {:?}",
                t.shape()
            )));
        }
        let (a, b) = data.split_at(half);
        let sum = a.iter().zip(b).map(|(x, y)| x + y).collect();
        Embedding::normalised(sum)
            .ok_or_else(|| FaceError::ModelOutput("zero or non-finite embedding".into()))
    }

    /// Analyses one decoded photo.
    pub fn analyse_image(&self, img: &Image, role: Role) -> Result<Analysis, FaceError> {
        let q = &self.config.quality;
        let faces = self.detect(img)?;
        let mut analysis = Analysis {
            role,
            size: (img.width(), img.height()),
            faces_found: faces.len(),
            subject: None,
            measures: Measures::default(),
            issues: Vec::new(),
            embedding: None,
        };
        let Some(subject) = faces
            .iter()
            .copied()
            .max_by(|a, b| a.area().total_cmp(&b.area()))
        else {
            analysis.issues.push(Issue {
                reason: reason::NO_FACE,
                measured: 0.0,
                limit: f64::from(self.config.min_detection_score),
            });
            return Ok(analysis);
        };
        analysis.subject = Some(subject);
        let mut issues = Vec::new();
        let mut gate = |failed: bool, reason: ReasonCode, measured: f32, limit: f32| {
            if failed {
                issues.push(Issue {
                    reason,
                    measured: f64::from(measured),
                    limit: f64::from(limit),
                });
            }
        };
        if role == Role::Selfie {
            let second = faces
                .iter()
                .filter(|f| *f != &subject)
                .map(|f| f.area() / subject.area().max(1e-6))
                .fold(0.0f32, f32::max);
            gate(
                second >= q.several_faces_area_ratio,
                reason::SEVERAL_FACES,
                second,
                q.several_faces_area_ratio,
            );
        }
        let m = &mut analysis.measures;
        m.eye_distance_px = subject.eye_distance();
        gate(
            m.eye_distance_px < q.min_eye_distance_px,
            reason::FACE_TOO_SMALL,
            m.eye_distance_px,
            q.min_eye_distance_px,
        );
        let (yaw, pitch, roll) = quality::pose(&subject);
        (m.yaw, m.pitch, m.roll_deg) = (yaw, pitch, roll);
        // NaN measures (degenerate keypoints) fail the gate.
        let pose_ok = yaw.abs() <= q.max_yaw
            && (q.pitch_range.0..=q.pitch_range.1).contains(&pitch)
            && roll.abs() <= q.max_roll_deg;
        let pose_bad = !pose_ok;
        gate(pose_bad, reason::EXTREME_POSE, yaw.abs(), q.max_yaw);
        let crop = self
            .align(img, &subject)
            .ok_or_else(|| FaceError::ModelOutput("alignment failed".into()))?;
        let (sharpness, luma, clipped) = quality::crop_measures(&crop);
        (m.sharpness, m.mean_luma, m.clipped_fraction) = (sharpness, luma, clipped);
        gate(luma < q.min_luma, reason::UNDEREXPOSED, luma, q.min_luma);
        gate(luma > q.max_luma, reason::OVEREXPOSED, luma, q.max_luma);
        gate(
            clipped > q.max_clipped_fraction && luma <= q.max_luma,
            reason::OVEREXPOSED,
            clipped,
            q.max_clipped_fraction,
        );
        gate(
            sharpness < q.min_sharpness,
            reason::FACE_BLURRED,
            sharpness,
            q.min_sharpness,
        );
        let eyes = mesh::eyes(
            self.models.mesh.as_ref(),
            self.models.iris.as_ref(),
            img,
            &subject,
            q.min_eye_openness,
        )?;
        m.eye_openness = Some(eyes.openness());
        gate(
            eyes.openness() < q.min_eye_openness,
            reason::EYES_CLOSED,
            eyes.openness(),
            q.min_eye_openness,
        );
        analysis.issues = issues;
        analysis.embedding = Some(self.embed(&crop)?);
        Ok(analysis)
    }

    /// Compares two analysed photos; `None` unless both have an embedding.
    #[must_use]
    pub fn compare(&self, a: &Analysis, b: &Analysis) -> Option<MatchScore> {
        let cosine = a.embedding.as_ref()?.cosine(b.embedding.as_ref()?);
        Some(MatchScore {
            cosine,
            score: calibrate::score(cosine),
        })
    }

    /// The face checks of one verification: a quality check per photo present
    /// (`face.quality.selfie`, `face.quality.document`, `face.quality.chip`) and a match check
    /// per pair (`face.selfie_vs_document`, `face.selfie_vs_chip`, `face.document_vs_chip`).
    #[must_use]
    pub fn verify(&self, evidence: &FaceEvidence<'_>) -> Vec<Check> {
        let photos = [
            (Role::Selfie, evidence.selfie),
            (Role::DocumentPhoto, evidence.document_photo),
            (Role::ChipPhoto, evidence.chip_photo),
        ];
        let mut from_portrait = false;
        let analyses: Vec<(Role, Option<Result<Analysis, FaceError>>)> = photos
            .iter()
            .map(|&(role, bytes)| {
                let portrait = evidence
                    .document_portrait
                    .filter(|_| role == Role::DocumentPhoto)
                    .map(|img| self.analyse_image(img, role))
                    .filter(|a| a.as_ref().is_ok_and(|a| a.subject.is_some()));
                from_portrait |= portrait.is_some();
                (
                    role,
                    portrait.or_else(|| bytes.map(|b| self.analyse(b, role))),
                )
            })
            .collect();
        let mut checks = Vec::new();
        for (role, a) in &analyses {
            if let Some(a) = a {
                let mut check = quality_check(*role, a);
                if *role == Role::DocumentPhoto {
                    let source = if from_portrait {
                        "document_portrait"
                    } else {
                        "document_photo"
                    };
                    check.evidence.insert("source", source);
                }
                checks.push(check);
            }
        }
        let find = |role: Role| {
            analyses
                .iter()
                .find(|(r, _)| *r == role)
                .and_then(|(_, a)| a.as_ref())
        };
        for (x, y) in [
            (Role::Selfie, Role::DocumentPhoto),
            (Role::Selfie, Role::ChipPhoto),
            (Role::DocumentPhoto, Role::ChipPhoto),
        ] {
            let name = format!("face.{}_vs_{}", x.as_str(), y.as_str());
            checks.push(self.match_check(name, find(x), find(y)));
        }
        checks
    }

    /// Compares two photos as one check named `name` (the CLI's `face compare`).
    #[must_use]
    pub fn compare_bytes(&self, name: &str, a: &[u8], b: &[u8]) -> Check {
        let a = self.analyse(a, Role::Selfie);
        let b = self.analyse(b, Role::Selfie);
        self.match_check(name.to_owned(), Some(&a), Some(&b))
    }

    fn match_check(
        &self,
        name: String,
        a: Option<&Result<Analysis, FaceError>>,
        b: Option<&Result<Analysis, FaceError>>,
    ) -> Check {
        let threshold = self.config.match_threshold;
        let base = |status, reason, score: Option<f64>, evidence| Check {
            check: name.clone().into(),
            status,
            score,
            threshold: Some(threshold),
            reason,
            evidence,
        };
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                return base(
                    Status::NotPerformed,
                    checks::reason::INPUT_MISSING,
                    None,
                    Evidence::new(),
                );
            }
        };
        let (a, b) = match (a, b) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                let code = ReasonCode::parse(e.code()).unwrap_or(checks::reason::INTERNAL_ERROR);
                return base(Status::Error, code, None, Evidence::new());
            }
        };
        let Some(m) = self.compare(a, b) else {
            // Without a face on one side there is nothing to compare.
            let first = a.issues.first().or_else(|| b.issues.first());
            let reason = first.map_or(reason::NO_FACE, |i| i.reason.clone());
            return base(Status::Fail, reason, None, Evidence::new());
        };
        let evidence = Evidence::new()
            .with("cosine", (m.cosine * 10_000.0).round() / 10_000.0)
            .with("review_threshold", self.config.review_threshold);
        let quality_issue = a.issues.first().or_else(|| b.issues.first());
        let (status, reason) = if m.score < self.config.review_threshold {
            (Status::Fail, reason::FACE_MISMATCH)
        } else if let Some(issue) = quality_issue {
            // A score worth a look, but from a photo that failed a gate: never a pass.
            (Status::Warn, issue.reason.clone())
        } else if m.score < threshold {
            (Status::Warn, reason::FACE_MATCH_BORDERLINE)
        } else {
            (Status::Pass, reason::FACE_MATCH)
        };
        base(status, reason, Some(m.score), evidence)
    }
}

fn quality_check(role: Role, a: &Result<Analysis, FaceError>) -> Check {
    let name = format!("face.quality.{}", role.as_str());
    match a {
        Err(e) => Check {
            check: name.into(),
            status: Status::Error,
            score: None,
            threshold: None,
            reason: ReasonCode::parse(e.code()).unwrap_or(checks::reason::INTERNAL_ERROR),
            evidence: Evidence::new(),
        },
        Ok(a) => Check {
            check: name.into(),
            status: if a.passed() {
                Status::Pass
            } else {
                Status::Fail
            },
            score: None,
            threshold: None,
            reason: a
                .issues
                .first()
                .map_or(reason::FACE_QUALITY_OK, |i| i.reason.clone()),
            evidence: a.evidence(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_is_monotone_and_centred() {
        assert!((calibrate::score(calibrate::CENTRE) - 0.5).abs() < 1e-12);
        assert!(calibrate::score(0.3) < calibrate::score(0.4));
        assert!(calibrate::score(0.9) > 0.99);
        assert!(calibrate::score(0.0) < 0.001);
        assert_eq!(calibrate::score(f64::NAN), 0.0);
        assert!(calibrate::score(0.40) > calibrate::REVIEW_THRESHOLD);
    }

    #[test]
    fn embeddings_normalise_and_hide() {
        let e = Embedding::normalised(vec![3.0, 4.0]).unwrap();
        assert!((e.cosine(&e) - 1.0).abs() < 1e-9);
        assert_eq!(format!("{e:?}"), "Embedding(2-D)");
        assert!(Embedding::normalised(vec![0.0, 0.0]).is_none());
        assert!(Embedding::normalised(vec![f32::NAN]).is_none());
        let ev = FaceEvidence {
            selfie: Some(b"abc"),
            ..FaceEvidence::default()
        };
        assert!(!format!("{ev:?}").contains("97"));
    }
}
