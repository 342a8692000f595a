//! The document reader: bytes of a photo in, [`checks::Check`]s out.
//!
//! Steps: decode (`imaging`, bounded) → locate the document (largest bright quadrilateral) and
//! refuse `document_not_found` / `document_cut_off` → rectify to 10 px/mm by a homography →
//! refuse `glare` / `too_blurry` → orientation (the MRZ at the bottom, or the portrait on the
//! left) → MRZ band, OCR-B cells on the ICAO pitch, a template classifier built from the OCR-B
//! font at start-up → `mrz::Mrz::parse` with check-digit repair → authenticity: EXIF, screen
//! recapture (isolated spectral peak of the pixel grid), photocopy (colourfulness), tampering
//! (aligned double-JPEG block map, sensor-noise inconsistency and copy-move: see [`forensics`]),
//! MRZ font and pitch consistency.
//!
//! Then the printed visual zone ([`viz`]): field templates per document type, each line cropped
//! and read by an injected [`viz::LineReader`] (the `ocr` crate's Tesseract), normalised and
//! cross-checked against the MRZ and across scripts.
//!
//! Pure: no file, clock or randomness; the font bytes, the OCR reader and `now` are injected.
//!
//! **Invariant:** no input bytes make it panic (proptest and the fuzz target); a check that
//! could not run is `not_performed` with its reason, never a pass.
#![forbid(unsafe_code)]
// Pixel coordinates are clamped to their raster before every float→integer cast.
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

pub mod authenticity;
pub mod forensics;
pub mod geometry;
pub mod mrzocr;
pub mod raster;
pub mod synth;
pub mod viz;

use checks::{Check, Evidence, ReasonCode, Status, reason};
use serde_json::json;

use geometry::{Located, Size};
use raster::{Plane, Rgb};

/// Errors building the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The OCR-B font could not be parsed or rendered into templates.
    #[error("the OCR-B font is unusable")]
    Font,
}

impl Error {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Font => "ocrb_font_unusable",
        }
    }
}

/// Reason codes of this engine (listed in `docs/reason-codes.md`).
pub mod reasons {
    use checks::ReasonCode;
    /// The image bytes are not a decodable picture.
    pub const IMAGE_CORRUPT: ReasonCode = ReasonCode::new("image_corrupt");
    /// No document in the picture.
    pub const NOT_FOUND: ReasonCode = ReasonCode::new("document_not_found");
    /// The document runs off the picture.
    pub const CUT_OFF: ReasonCode = ReasonCode::new("document_cut_off");
    /// A highlight hides part of the document.
    pub const GLARE: ReasonCode = ReasonCode::new("glare");
    /// Too blurred to read.
    pub const TOO_BLURRY: ReasonCode = ReasonCode::new("too_blurry");
    /// No MRZ band where the format puts it.
    pub const MRZ_NOT_FOUND: ReasonCode = ReasonCode::new("mrz_not_found");
    /// The MRZ was read but does not parse.
    pub const MRZ_UNREADABLE: ReasonCode = ReasonCode::new("mrz_unreadable");
    /// The MRZ's glyphs or pitch do not match OCR-B on the ICAO grid.
    pub const MRZ_FONT_MISMATCH: ReasonCode = ReasonCode::new("mrz_font_mismatch");
    /// No EXIF at all (common for browser captures): nothing to judge.
    pub const EXIF_ABSENT: ReasonCode = ReasonCode::new("exif_absent");
    /// EXIF names an image editor.
    pub const EXIF_EDITING_SOFTWARE: ReasonCode = ReasonCode::new("exif_editing_software");
    /// EXIF lacks the camera's make and model.
    pub const EXIF_CAMERA_MISSING: ReasonCode = ReasonCode::new("exif_camera_missing");
    /// EXIF timestamps in the future or out of order.
    pub const EXIF_TIMESTAMP_IMPOSSIBLE: ReasonCode = ReasonCode::new("exif_timestamp_impossible");
    /// A screen's pixel grid (moiré) in the picture.
    pub const MOIRE: ReasonCode = ReasonCode::new("moire_detected");
    /// The document has no colour: a photocopy.
    pub const PHOTOCOPY: ReasonCode = ReasonCode::new("photocopy_detected");
    /// A region lacks the picture's sensor noise: pasted or painted.
    pub const NOISE_INCONSISTENT: ReasonCode = ReasonCode::new("noise_inconsistent");
    /// The portrait differs from the rest of the page in its noise or its JPEG history.
    pub const PORTRAIT_INCONSISTENT: ReasonCode = ReasonCode::new("portrait_inconsistent");
    /// A region appears twice.
    pub const COPY_MOVE: ReasonCode = ReasonCode::new("copy_move_detected");
    /// A region of a twice-saved JPEG lacks the first compression's trace: pasted or moved.
    pub const DOUBLE_JPEG: ReasonCode = ReasonCode::new("double_jpeg_inconsistent");
}

/// The thresholds (scores are suspicion in 0–1; a check fails at or above its threshold).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Blown-out block fraction for `glare`.
    pub glare_fraction: f64,
    /// Edge steepness (percent of contrast per pixel) below which the document is `too_blurry`.
    pub min_sharpness: f64,
    /// Spectral peak ratio at which suspicion is 1 (0 at a third of it).
    pub moire_peak: f32,
    /// Peak ratio of the windows' mean spectrum at which suspicion is 1 (0 at a third of it).
    pub moire_consistent: f32,
    /// Colourfulness under which the document is grey.
    pub min_colourfulness: f64,
    /// Clean-cluster size (16 px blocks) at which suspicion is 1.
    pub clean_blocks: usize,
    /// Copy-move votes (matching 16 px block pairs on one shift) at which suspicion is 1.
    pub copy_move_votes: usize,
    /// Double-JPEG: log-likelihood ratio (3 × 3 blocks) under which a block is suspicious.
    pub dq_llr: f32,
    /// Double-JPEG: suspicious-cluster size (8 px blocks) at which suspicion is 1.
    pub dq_blocks: usize,
    /// Portrait noise ÷ page noise (see [`authenticity::portrait_noise_ratio`]) at which
    /// suspicion is 0.5 (0 at 1.5 × it, 1 at half of it).
    pub portrait_noise_ratio: f32,
    /// Double-JPEG: how much lower the portrait's mean block log-likelihood ratio may be than
    /// the page's before suspicion reaches 0.5.
    pub portrait_dq_llr: f32,
    /// Mean template correlation of the MRZ below which the font does not match.
    pub min_mrz_correlation: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            glare_fraction: 0.02,
            min_sharpness: 11.0,
            moire_peak: 75.0,
            moire_consistent: 27.0,
            min_colourfulness: 9.0,
            clean_blocks: 600,
            copy_move_votes: 100,
            dq_llr: 3.0,
            dq_blocks: 40,
            portrait_noise_ratio: 0.6,
            portrait_dq_llr: 0.2,
            min_mrz_correlation: 0.6,
        }
    }
}

/// One verification's document pictures.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The front (data page) photo.
    pub front: &'a [u8],
    /// The back (TD1 cards carry the MRZ there).
    pub back: Option<&'a [u8]>,
    /// Today (MRZ dates, expiry).
    pub today: mrz::Date,
    /// Now as an EXIF-comparable `YYYY:MM:DD HH:MM:SS`.
    pub now_exif: &'a str,
}

/// What the reader found, besides its checks.
#[derive(Clone, Default)]
pub struct Report {
    /// Every check.
    pub checks: Vec<Check>,
    /// The MRZ lines as read (after the classifier, before repair).
    pub mrz_lines: Vec<String>,
    /// The parsed MRZ.
    pub mrz: Option<mrz::Mrz>,
    /// The portrait crop from the front: (width, height, RGB8), for the face engine.
    pub face: Option<(u32, u32, Vec<u8>)>,
    /// The printed visual zone's fields as read (empty without a [`viz::LineReader`]).
    pub viz: Vec<viz::Field>,
}

impl std::fmt::Debug for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Report")
            .field("checks", &self.checks.len())
            .field("mrz", &self.mrz.as_ref().map(|_| "[redacted]"))
            .field("face", &self.face.as_ref().map(|(w, h, _)| (w, h)))
            .field("viz", &self.viz.len())
            .finish()
    }
}

/// The engine: OCR-B templates and thresholds.
#[derive(Debug)]
pub struct Engine {
    classifier: mrzocr::Classifier,
    /// Thresholds in force.
    pub thresholds: Thresholds,
    limits: imaging::Limits,
    reader: Option<std::sync::Arc<dyn viz::LineReader>>,
    arabic: Option<synth::ArabicFont>,
}

struct Side {
    luma: Plane,
    loc: Located,
    map: raster::Homography,
    doc: Rgb,
    mrz: Option<Vec<mrzocr::Line>>,
}

fn ev(v: serde_json::Value) -> Evidence {
    let mut e = Evidence::new();
    if let serde_json::Value::Object(m) = v {
        for (k, v) in m {
            e = e.with(&k, v);
        }
    }
    e
}

fn scored(
    name: &'static str,
    score: f64,
    threshold: f64,
    bad: ReasonCode,
    evidence: Evidence,
) -> Check {
    let score = score.clamp(0.0, 1.0);
    let (status, reason) = if score >= threshold {
        (Status::Fail, bad)
    } else {
        (Status::Pass, reason::OK)
    };
    Check::new(name, status, reason)
        .with_score(score)
        .with_threshold(threshold)
        .with_evidence(evidence)
}

impl Engine {
    /// Builds the engine from the OCR-B font file's bytes (Debian `fonts-ocr-b`'s `OCRB.otf`).
    pub fn new(ocrb: &[u8]) -> Result<Engine, Error> {
        let classifier = mrzocr::Classifier::new(ocrb).ok_or(Error::Font)?;
        Ok(Engine {
            classifier,
            thresholds: Thresholds::default(),
            limits: imaging::Limits::default(),
            reader: None,
            arabic: None,
        })
    }

    /// The engine reading the printed visual zone with `reader` (without one, the VIZ checks
    /// are `not_performed` with `viz_reader_missing`).
    #[must_use]
    pub fn with_reader(mut self, reader: std::sync::Arc<dyn viz::LineReader>) -> Engine {
        self.reader = Some(reader);
        self
    }

    /// The engine checking its Arabic reads against their drawing in `font`, the templates'
    /// Arabic face ([`synth`]); without it the OCR's Arabic reads stand as they are.
    #[must_use]
    pub fn with_arabic_font(mut self, font: synth::ArabicFont) -> Engine {
        self.arabic = Some(font);
        self
    }

    /// Reads a document from its pictures.
    pub fn read(&self, input: &Input<'_>) -> Report {
        let mut report = Report::default();
        let mut front_checks = Vec::new();
        let Some(mut front) = self.side(input.front, "front", &mut front_checks, None) else {
            report.checks = front_checks;
            not_performed_rest(&mut report.checks);
            return report;
        };
        let mut back_checks = Vec::new();
        let back = match input.back {
            Some(b) => match self.side(b, "back", &mut back_checks, None) {
                Some(s) => Some(s),
                None => {
                    report.checks = front_checks;
                    report.checks.append(&mut back_checks);
                    not_performed_rest(&mut report.checks);
                    return report;
                }
            },
            None => None,
        };
        // The two sides of a card are one size: a back whose MRZ was read settles the front's
        // size class, which perspective can leave uncertain.
        if let Some(b) = back
            .as_ref()
            .filter(|b| b.mrz.is_some() && b.loc.size != front.loc.size)
        {
            let mut again = Vec::new();
            if let Some(f) = self.side(input.front, "front", &mut again, Some(b.loc.size)) {
                front = f;
                front_checks = again;
            }
        }
        report.checks = front_checks;
        report.checks.append(&mut back_checks);
        // The MRZ: wherever it was found (TD3 on the data page, TD1 on the back).
        // Where both sides show one, the more confident read is the MRZ.
        let mrz_side = [Some(&front), back.as_ref()]
            .into_iter()
            .flatten()
            .filter(|s| s.mrz.is_some())
            .max_by(|a, b| mrz_confidence(a).total_cmp(&mrz_confidence(b)));
        match mrz_side.and_then(|s| s.mrz.as_ref().map(|l| (s, l))) {
            Some((side, lines)) => {
                let text: Vec<String> = lines.iter().map(|l| l.text.clone()).collect();
                report.mrz_lines = text.clone();
                let mean = mrz_confidence(side);
                let pitch_dev = lines
                    .iter()
                    .map(|l| (l.pitch / mrzocr::PITCH - 1.0).abs())
                    .fold(0.0f32, f32::max);
                let t = self.thresholds.min_mrz_correlation;
                let font_ok = mean >= t && pitch_dev < 0.12;
                report.checks.push(
                    Check::new(
                        "document.mrz_font",
                        if font_ok { Status::Pass } else { Status::Fail },
                        if font_ok {
                            reason::OK
                        } else {
                            reasons::MRZ_FONT_MISMATCH
                        },
                    )
                    .with_score(f64::from(mean.clamp(0.0, 1.0)))
                    .with_threshold(f64::from(t))
                    .with_evidence(ev(json!({
                        "mean_correlation": mean,
                        "pitch_deviation": pitch_dev,
                        "lines": lines.len(),
                    }))),
                );
                let opts = mrz::ParseOptions::new(input.today).with_repair(true);
                match mrz::Mrz::parse(&text.join("\n"), &opts) {
                    Ok(m) => {
                        report
                            .checks
                            .push(Check::pass("document.mrz_read").with_evidence(ev(json!({
                                "format": m.format().as_str(),
                                "repairs": m.repairs().len(),
                                "consistent": m.is_consistent(),
                            }))));
                        for mut c in m.checks() {
                            c.check = format!("document.{}", c.check).into();
                            report.checks.push(c);
                        }
                        report.mrz = Some(m);
                    }
                    Err(e) => report.checks.push(
                        Check::fail("document.mrz_read", reasons::MRZ_UNREADABLE)
                            .with_evidence(ev(json!({ "error": e.code() }))),
                    ),
                }
            }
            None => {
                report
                    .checks
                    .push(Check::fail("document.mrz_read", reasons::MRZ_NOT_FOUND));
            }
        }
        self.authenticity(&front, input, &mut report.checks);
        report.viz = viz::read(
            self.reader.as_deref(),
            self.arabic.as_ref(),
            &front.doc.luma(),
            report.mrz.as_ref(),
            &mut report.checks,
        );
        report.face = face_crop(&front);
        report
    }

    /// Decodes, locates, rectifies and orients one picture, pushing the geometry checks;
    /// `None` when refused. `size` overrides the size class the aspect ratio suggests.
    fn side(
        &self,
        bytes: &[u8],
        which: &str,
        out: &mut Vec<Check>,
        size: Option<Size>,
    ) -> Option<Side> {
        let name_geo = if which == "front" {
            "document.geometry"
        } else {
            "document.geometry_back"
        };
        let name_q = if which == "front" {
            "document.capture_quality"
        } else {
            "document.capture_quality_back"
        };
        let img = match imaging::decode(bytes, &self.limits) {
            Ok(i) => i,
            Err(e) => {
                out.push(
                    Check::new(name_geo, Status::Error, reasons::IMAGE_CORRUPT)
                        .with_evidence(ev(json!({ "error": e.code() }))),
                );
                return None;
            }
        };
        let rgb = Rgb::from_image(&img);
        let luma = rgb.luma();
        let mut loc = match geometry::locate(&luma) {
            Ok(l) => l,
            Err(r) => {
                let code = match r {
                    geometry::Refusal::NotFound => reasons::NOT_FOUND,
                    geometry::Refusal::CutOff => reasons::CUT_OFF,
                };
                out.push(Check::fail(name_geo, code));
                return None;
            }
        };
        if let Some(size) = size {
            loc.size = size;
        }
        let mut chosen = None;
        for rot in [false, true] {
            let Some(map) = geometry::doc_to_picture(&loc, rot) else {
                continue;
            };
            let doc = geometry::rectify(&rgb, &loc, &map);
            let doc_luma = doc.luma();
            if !rot {
                let glare = geometry::glare_fraction(&doc);
                if glare >= self.thresholds.glare_fraction {
                    out.push(
                        Check::fail(name_geo, reasons::GLARE)
                            .with_evidence(ev(json!({ "blown_fraction": glare }))),
                    );
                    return None;
                }
                let sharp = geometry::sharpness(&doc_luma);
                if sharp < self.thresholds.min_sharpness {
                    out.push(
                        Check::fail(name_geo, reasons::TOO_BLURRY)
                            .with_evidence(ev(json!({ "edge_steepness": sharp }))),
                    );
                    return None;
                }
                out.push(Check::pass(name_q).with_evidence(ev(json!({
                    "blown_fraction": glare,
                    "edge_steepness": sharp,
                }))));
            }
            let mrz = self.find_mrz(&doc_luma, loc.size);
            let side = Side {
                luma: luma.clone(),
                loc: loc.clone(),
                map,
                doc,
                mrz,
            };
            if side.mrz.is_some() {
                chosen = Some(side);
                break;
            }
            // No MRZ either way up: the portrait is on the left of every supported layout.
            let left = geometry::region_dark_fraction(&side.doc, [0.03, 0.25, 0.35, 0.85]);
            let right = geometry::region_dark_fraction(&side.doc, [0.65, 0.25, 0.97, 0.85]);
            if chosen.is_none() && (left >= right || rot) {
                chosen = Some(side);
            }
        }
        let mut side = chosen?;
        // An uncertain aspect and no confident MRZ: the other size class may hold a better one.
        if size.is_none()
            && geometry::AMBIGUOUS_ASPECT.contains(&loc.aspect)
            && mrz_confidence(&side) < 0.75
        {
            let mut other = loc.clone();
            other.size = loc.size.other();
            for rot in [false, true] {
                let Some(map) = geometry::doc_to_picture(&other, rot) else {
                    continue;
                };
                let doc = geometry::rectify(&rgb, &other, &map);
                if let Some(mrz) = self.find_mrz(&doc.luma(), other.size) {
                    let candidate = Side {
                        luma,
                        loc: other,
                        map,
                        doc,
                        mrz: Some(mrz),
                    };
                    if mrz_confidence(&candidate) > mrz_confidence(&side) {
                        side = candidate;
                    }
                    break;
                }
            }
        }
        out.push(Check::pass(name_geo).with_evidence(ev(json!({
            "size": side.loc.size.as_str(),
            "coverage": side.loc.coverage,
            "corners": side.loc.corners,
        }))));
        Some(side)
    }

    fn find_mrz(&self, doc: &Plane, size: Size) -> Option<Vec<mrzocr::Line>> {
        let (lines, len) = match size {
            Size::Id1 => (3, 30),
            Size::Id3 => (2, 44),
        };
        // The MRZ occupies the bottom of the page (ICAO: 23.2 mm on TD3, 17.9 mm on TD1).
        let band_mm = if size == Size::Id3 { 24.0 } else { 19.0 };
        let top = doc
            .h
            .saturating_sub((band_mm * geometry::PX_PER_MM) as usize);
        let mut region = Plane::new(doc.w, doc.h - top);
        for y in 0..region.h {
            for x in 0..region.w {
                region.set(x, y, doc.at(x, y + top));
            }
        }
        let read = self.classifier.read(&region, lines, len)?;
        // A real MRZ reads mostly as confident characters.
        let mean: f32 =
            read.iter().flat_map(|l| l.scores.iter()).sum::<f32>() / (lines * len) as f32;
        // ... and starts like one: a document code (ICAO 9303-3 §4.2.2) and fillers in line 1.
        let first = read.first()?;
        let plausible = matches!(first.text.chars().next(), Some('P' | 'I' | 'A' | 'C' | 'V'))
            && first.text.contains('<');
        (mean > 0.45 && plausible).then_some(read)
    }

    fn authenticity(&self, s: &Side, input: &Input<'_>, out: &mut Vec<Check>) {
        let t = &self.thresholds;
        // EXIF.
        let facts = authenticity::exif_facts(input.front);
        out.push(exif_check(&facts, input.now_exif));
        // Screen recapture: windows over the document's data area, in picture pixels.
        let (dw, dh) = s.loc.size.px();
        let mut peak = 0.0f32;
        let mut mean_spec: Vec<f32> = Vec::new();
        let mut windows = 0usize;
        for (u, v) in [
            (0.55, 0.35),
            (0.75, 0.35),
            (0.55, 0.65),
            (0.75, 0.65),
            (0.2, 0.5),
        ] {
            let (x, y) = s.map.apply(dw as f64 * u, dh as f64 * v);
            if x < 0.0 || y < 0.0 {
                continue;
            }
            let spec = authenticity::periodic_spectrum(&s.luma, x as usize, y as usize);
            peak = peak.max(spec.iter().copied().fold(0.0f32, f32::max));
            if mean_spec.len() != spec.len() {
                mean_spec = vec![0.0; spec.len()];
            }
            for (m, v) in mean_spec.iter_mut().zip(&spec) {
                *m += v;
            }
            windows += 1;
        }
        // The grid's frequency is the same in every window: the peak of the mean spectrum.
        let consistent = mean_spec.iter().copied().fold(0.0f32, f32::max) / windows.max(1) as f32;
        let ramp =
            |v: f32, full: f32| f64::from(((v - full / 3.0) / (full * 2.0 / 3.0)).clamp(0.0, 1.0));
        // A strong peak in one window, or a weaker one at the same frequency in all of them
        // (a screen seen through blur and a low JPEG quality keeps its grid everywhere).
        let moire_score = ramp(peak, t.moire_peak).max(ramp(consistent, t.moire_consistent));
        out.push(scored(
            "document.screen_recapture",
            moire_score,
            0.5,
            reasons::MOIRE,
            ev(json!({ "spectral_peak_ratio": peak, "consistent_peak_ratio": consistent })),
        ));
        // Photocopy.
        let colour = authenticity::colourfulness(&s.doc);
        let copy_score = (1.0 - colour / (2.0 * t.min_colourfulness)).clamp(0.0, 1.0);
        out.push(scored(
            "document.photocopy",
            copy_score,
            0.5,
            reasons::PHOTOCOPY,
            ev(json!({ "colourfulness": colour })),
        ));
        // Tampering: noise inconsistency, double-JPEG block map and copy-move.
        let nm = authenticity::noise_map(&s.luma, &s.map, dw, dh);
        let (clean, bb) = authenticity::clean_cluster(&nm, 0.35);
        let corners = s.loc.corners;
        let inside = |x: f64, y: f64| forensics::inside_quad(&corners, x, y);
        let (dq_n, dq_bb, dq_map, dq) = match forensics::luma_quant_table(input.front) {
            Some(q2) => {
                let dq = forensics::double_jpeg(&s.luma, &q2);
                let map = forensics::suspicious_blocks(&dq, t.dq_llr, inside);
                let (n, bb) = forensics::largest_cluster(&map, dq.bw, dq.bh);
                (n, bb, map, dq)
            }
            None => (0, [0; 4], Vec::new(), forensics::DoubleJpeg::default()),
        };
        // Copy-move over the data area (the MRZ's repeated fillers would vote for its pitch).
        let pts = [(0.0, 0.0), (1.0, 0.0), (1.0, 0.72), (0.0, 0.72)]
            .map(|(u, v)| s.map.apply(dw as f64 * u, dh as f64 * v));
        let region = [
            pts.iter().map(|p| p.0).fold(f64::MAX, f64::min).max(0.0) as usize,
            pts.iter().map(|p| p.1).fold(f64::MAX, f64::min).max(0.0) as usize,
            pts.iter().map(|p| p.0).fold(0.0, f64::max) as usize,
            pts.iter().map(|p| p.1).fold(0.0, f64::max) as usize,
        ];
        let cm = forensics::copy_move(&s.luma, region);
        let votes = cm.votes;
        // The portrait against the rest of the document.
        let (inner, outer) = portrait_boxes(s.loc.size);
        let portrait_noise = authenticity::portrait_noise_ratio(&nm, inner, outer);
        let quad = |b: [usize; 4]| {
            [(b[0], b[1]), (b[2], b[1]), (b[2], b[3]), (b[0], b[3])].map(|(x, y)| {
                let (px, py) = s.map.apply(x as f64, y as f64);
                [px, py]
            })
        };
        let (pin, pout) = (quad(inner), quad(outer));
        let portrait_dq = dq.double_compressed().then(|| {
            let (mut si, mut ni, mut so, mut no) = (0.0f32, 0usize, 0.0f32, 0usize);
            for (b, l) in dq.llr.iter().enumerate() {
                let (cx, cy) = (((b % dq.bw) * 8 + 4) as f64, ((b / dq.bw) * 8 + 4) as f64);
                if forensics::inside_quad(&pin, cx, cy) {
                    si += l;
                    ni += 1;
                } else if inside(cx, cy) && !forensics::inside_quad(&pout, cx, cy) {
                    so += l;
                    no += 1;
                }
            }
            [si / ni.max(1) as f32, so / no.max(1) as f32]
        });
        let noise_score = clean as f64 / (2.0 * t.clean_blocks as f64);
        let cm_score = votes as f64 / (2.0 * t.copy_move_votes as f64);
        let dq_score = dq_n as f64 / (2.0 * t.dq_blocks as f64);
        let pn_score = portrait_noise.map_or(0.0, |r| {
            f64::from((1.5 * t.portrait_noise_ratio - r) / t.portrait_noise_ratio)
        });
        let pdq_score =
            portrait_dq.map_or(0.0, |[i, o]| f64::from((o - i) / (2.0 * t.portrait_dq_llr)));
        // The strongest signal names the reason; at a tie (all saturate at 1) the most specific:
        // the portrait.
        let (score, code) = [
            (pn_score.max(pdq_score), reasons::PORTRAIT_INCONSISTENT),
            (noise_score, reasons::NOISE_INCONSISTENT),
            (cm_score, reasons::COPY_MOVE),
            (dq_score, reasons::DOUBLE_JPEG),
        ]
        .into_iter()
        .map(|(v, c)| (v.clamp(0.0, 1.0), c))
        .fold((0.0, reasons::NOISE_INCONSISTENT), |a, b| {
            if b.0 > a.0 { b } else { a }
        });
        let px = |b: [usize; 4]| [b[0] * 8, b[1] * 8, b[2] * 8 + 8, b[3] * 8 + 8];
        out.push(scored(
            "document.tampering",
            score,
            0.5,
            code,
            ev(json!({
                "clean_blocks": clean,
                "clean_region_blocks": bb,
                "block_px": 16,
                "double_compressed": dq.double_compressed(),
                "first_steps": dq
                    .steps
                    .iter()
                    .map(|f| [f.zigzag as f32, f32::from(f.q2), f32::from(f.q1), (f.rho * 100.0).round() / 100.0])
                    .collect::<Vec<_>>(),
                "dq_suspicious_blocks": dq_n,
                "dq_region_px": px(dq_bb),
                "dq_heat_map": (dq_n > 0).then(|| forensics::map_evidence(&dq_map, dq.bw, dq.bh, dq_bb)),
                "copy_move_votes": votes,
                "copy_move_offset": cm.shift,
                "copy_move_region_px": cm.region,
                "copy_move_median_mad": cm.median_mad,
                "portrait_noise_ratio": portrait_noise,
                "portrait_dq_llr": portrait_dq,
            })),
        ));
    }
}

/// Mean classifier correlation of a side's MRZ read (0 without one).
fn mrz_confidence(s: &Side) -> f32 {
    let Some(lines) = &s.mrz else { return 0.0 };
    let n = lines.iter().map(|l| l.scores.len()).sum::<usize>().max(1);
    lines.iter().flat_map(|l| l.scores.iter()).sum::<f32>() / n as f32
}

fn exif_check(f: &authenticity::ExifFacts, now: &str) -> Check {
    let name = "document.exif";
    if !f.present {
        return Check::new(name, Status::Warn, reasons::EXIF_ABSENT);
    }
    let evidence = ev(json!({
        "make": f.make, "model": f.model, "software": f.software,
        "date_time": f.date_time, "date_time_original": f.date_time_original,
    }));
    let software = f.software.as_deref().unwrap_or("").to_ascii_lowercase();
    if authenticity::EDITORS.iter().any(|e| software.contains(e)) {
        return scored(name, 1.0, 0.5, reasons::EXIF_EDITING_SOFTWARE, evidence);
    }
    let now_t = authenticity::exif_time(now);
    let taken = f
        .date_time_original
        .as_deref()
        .and_then(authenticity::exif_time);
    let changed = f.date_time.as_deref().and_then(authenticity::exif_time);
    let day = 86_400;
    let future = [taken, changed]
        .into_iter()
        .flatten()
        .any(|t| now_t.is_some_and(|n| t > n + day));
    let reversed = matches!((taken, changed), (Some(a), Some(b)) if b + 60 < a);
    let ancient = [taken, changed]
        .into_iter()
        .flatten()
        .any(|t| t < 2000 * 372 * day);
    if future || reversed || ancient {
        return scored(name, 0.9, 0.5, reasons::EXIF_TIMESTAMP_IMPOSSIBLE, evidence);
    }
    if f.make.is_none() && f.model.is_none() {
        return scored(name, 0.8, 0.5, reasons::EXIF_CAMERA_MISSING, evidence);
    }
    scored(name, 0.0, 0.5, reason::OK, evidence)
}

fn not_performed_rest(out: &mut Vec<Check>) {
    for name in [
        "document.mrz_read",
        "document.exif",
        "document.screen_recapture",
        "document.photocopy",
        "document.tampering",
        "document.viz_read",
        "document.viz_mrz",
        "document.viz_names",
    ] {
        out.push(Check::not_performed(name, reason::DEPENDENCY_FAILED));
    }
}

/// The portrait of the supported layouts, in document pixels `[x0, y0, x1, y1]`: `inner` lies
/// inside the photo of every layout of the size (Algerian and French cards: 4–28 × 17–46 mm
/// less a margin; the TD3 page: 5–38 × 20–62 mm less a margin), `outer` contains all of them.
fn portrait_boxes(size: Size) -> ([usize; 4], [usize; 4]) {
    match size {
        Size::Id1 => ([55, 185, 265, 445], [30, 130, 290, 480]),
        Size::Id3 => ([65, 215, 365, 605], [40, 190, 390, 630]),
    }
}

/// The portrait region of the supported layouts (left side), cropped from the rectified front.
fn face_crop(s: &Side) -> Option<(u32, u32, Vec<u8>)> {
    let [x, y, x1, y1] = portrait_boxes(s.loc.size).1;
    let (w, h) = (x1 - x, y1 - y);
    let mut out = Vec::with_capacity(w * h * 3);
    for yy in y..y + h {
        for xx in x..x + w {
            for c in &s.doc.c {
                out.push(c.at(xx, yy).clamp(0.0, 255.0) as u8);
            }
        }
    }
    Some((u32::try_from(w).ok()?, u32::try_from(h).ok()?, out))
}
