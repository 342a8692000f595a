//! Synthetic identity documents for idverify's tests and benchmarks.
//!
//! Deterministic from a seed: [`Generator::sample`] renders a TD1 card (Algerian biometric ID,
//! French 2021 ID, MRZ on the back) or a TD3 passport page with a face photo, printed fields in
//! French and Arabic (shaped by `rustybuzz`, rasterised by `ab_glyph`) and an OCR-B MRZ written
//! by `mrz::generate` from the same fields; then captures it as a phone would (perspective,
//! rotation, uneven light, blur, noise, JPEG quality, phone EXIF), optionally refused on purpose
//! (no document, cut off, glare, blur) or attacked (photocopy, screen recapture, replaced photo,
//! edited text, copy-move, edited EXIF). Every [`Sample`] carries its ground truth.
//!
//! It does no I/O except [`Fonts::system`] and [`FaceSet::load_dir`], the conveniences for
//! the tests and benches of this machine (Debian `fonts-ocr-b`, `fonts-dejavu-core`,
//! `fonts-hosny-amiri`; faces from `shared/data/faces-deepface`).
//!
//! A test tool over its own generated rasters: indexing and numeric casts on those are
//! allowed here (the document engine, which reads untrusted bytes, does not allow them).
#![forbid(unsafe_code)]
#![allow(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::too_many_arguments,
    clippy::needless_range_loop,
    clippy::missing_panics_doc
)]

pub mod capture;
pub mod exif;
pub mod layout;
pub mod raster;
pub mod rng;

use std::path::Path;

use ab_glyph::FontRef;

pub use capture::Homography;
pub use exif::ExifTags;
pub use layout::{DocKind, Person, Script, VizField};
use raster::Canvas;
use rng::Rng;

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A font file is missing or unreadable.
    #[error("font unavailable: {0}")]
    Font(String),
    /// No face photo could be loaded.
    #[error("no face photos")]
    NoFaces,
    /// The MRZ could not be generated.
    #[error("mrz generation failed: {0}")]
    Mrz(&'static str),
    /// JPEG encoding failed.
    #[error("jpeg encoding failed")]
    Encode,
    /// Decoding a generated JPEG failed.
    #[error("jpeg decoding failed")]
    Decode,
    /// Degenerate geometry.
    #[error("degenerate placement")]
    Geometry,
}

impl Error {
    /// Stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Font(_) => "font_unavailable",
            Error::NoFaces => "no_faces",
            Error::Mrz(_) => "mrz_generation_failed",
            Error::Encode => "encode_failed",
            Error::Decode => "decode_failed",
            Error::Geometry => "degenerate_geometry",
        }
    }
}

/// Font files (bytes).
#[derive(Clone)]
pub struct Fonts {
    /// OCR-B (MRZ).
    pub ocrb: Vec<u8>,
    /// Latin regular (labels).
    pub latin: Vec<u8>,
    /// Latin bold (field values).
    pub latin_bold: Vec<u8>,
    /// Arabic (Amiri).
    pub arabic: Vec<u8>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fonts")
    }
}

/// Where Debian installs the fonts (setup part `45-document-fonts.sh`).
pub const OCRB_PATH: &str = "/usr/share/fonts/opentype/ocr-b/OCRB.otf";
/// DejaVu Sans.
pub const LATIN_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// DejaVu Sans Bold.
pub const LATIN_BOLD_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
/// Amiri.
pub const ARABIC_PATH: &str = "/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf";

fn read(path: &str) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|_| Error::Font(path.to_owned()))
}

impl Fonts {
    /// The Debian fonts of this machine.
    pub fn system() -> Result<Fonts, Error> {
        Ok(Fonts {
            ocrb: read(OCRB_PATH)?,
            latin: read(LATIN_PATH)?,
            latin_bold: read(LATIN_BOLD_PATH)?,
            arabic: read(ARABIC_PATH)?,
        })
    }

    fn font<'a>(bytes: &'a [u8], fallback: &'a [u8]) -> FontRef<'a> {
        FontRef::try_from_slice(bytes)
            .or_else(|_| FontRef::try_from_slice(fallback))
            .unwrap_or_else(|_| {
                // Validated in `Generator::new`.
                unreachable!("fonts are validated when the generator is built")
            })
    }

    pub(crate) fn ocrb(&self) -> FontRef<'_> {
        Self::font(&self.ocrb, &self.latin)
    }
    pub(crate) fn latin(&self) -> FontRef<'_> {
        Self::font(&self.latin, &self.latin)
    }
    pub(crate) fn latin_bold(&self) -> FontRef<'_> {
        Self::font(&self.latin_bold, &self.latin)
    }
    pub(crate) fn arabic(&self) -> FontRef<'_> {
        Self::font(&self.arabic, &self.latin)
    }
    pub(crate) fn arabic_face(&self) -> Option<rustybuzz::Face<'_>> {
        rustybuzz::Face::from_slice(&self.arabic, 0)
    }
}

/// Face photos, decoded and cropped to 3:4 portraits.
#[derive(Clone)]
pub struct FaceSet(Vec<Canvas>);

impl std::fmt::Debug for FaceSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaceSet({})", self.0.len())
    }
}

impl FaceSet {
    /// Portraits from JPEG bytes (centre crop to 3:4, shrunk to about 300 × 400).
    pub fn from_jpegs<'a>(jpegs: impl IntoIterator<Item = &'a [u8]>) -> Result<FaceSet, Error> {
        let mut out = Vec::new();
        for bytes in jpegs {
            let Ok(mut c) = capture::decode(bytes) else {
                continue;
            };
            while c.w > 700 && c.h > 900 {
                c = c.half();
            }
            let (w, h) = (c.w, c.h);
            let (cw, ch) = if w * 4 > h * 3 {
                (h * 3 / 4, h)
            } else {
                (w, w * 4 / 3)
            };
            let crop = c.crop((w - cw) / 2, (h - ch) / 3, cw, ch);
            out.push(crop);
        }
        if out.is_empty() {
            return Err(Error::NoFaces);
        }
        Ok(FaceSet(out))
    }

    /// The `imgN.jpg` photos of a directory (sorted), at most `max`.
    pub fn load_dir(dir: &Path, max: usize) -> Result<FaceSet, Error> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(|_| Error::NoFaces)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.starts_with("img") && n.ends_with(".jpg") && !n.contains('_')
                })
            })
            .collect();
        names.sort();
        let bytes: Vec<Vec<u8>> = names
            .iter()
            .take(max)
            .filter_map(|p| std::fs::read(p).ok())
            .collect();
        FaceSet::from_jpegs(bytes.iter().map(Vec::as_slice))
    }

    /// The face set of this checkout (`shared/data/faces-deepface` beside the repository).
    pub fn default_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces-deepface")
    }

    /// Number of portraits.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a capture should be refused by the geometry step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// No document in the picture.
    NotFound,
    /// Part of the document is outside the picture.
    CutOff,
    /// A specular highlight hides part of the document.
    Glare,
    /// Too blurred to read.
    TooBlurry,
}

impl Refusal {
    /// The reason code the engine should give.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::NotFound => "document_not_found",
            Refusal::CutOff => "document_cut_off",
            Refusal::Glare => "glare",
            Refusal::TooBlurry => "too_blurry",
        }
    }
}

/// An attack on the document or its picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attack {
    /// Grey photocopy with halftone dots.
    PhotocopyHalftone,
    /// Grey photocopy with toner speckle.
    PhotocopyToner,
    /// Photo of a screen showing the document.
    Screen,
    /// The portrait replaced in an image editor.
    ReplacedPhoto,
    /// A digit of the document number or the name edited in an image editor.
    EditedText,
    /// A region copied onto another place of the same picture.
    CopyMove,
    /// EXIF naming an image editor.
    ExifSoftware,
    /// EXIF without the camera's make and model.
    ExifNoCamera,
    /// EXIF timestamps that cannot be (in the future, or changed before taken).
    ExifTimestamp,
}

impl Attack {
    /// Every attack.
    pub const ALL: [Attack; 9] = [
        Attack::PhotocopyHalftone,
        Attack::PhotocopyToner,
        Attack::Screen,
        Attack::ReplacedPhoto,
        Attack::EditedText,
        Attack::CopyMove,
        Attack::ExifSoftware,
        Attack::ExifNoCamera,
        Attack::ExifTimestamp,
    ];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Attack::PhotocopyHalftone => "photocopy_halftone",
            Attack::PhotocopyToner => "photocopy_toner",
            Attack::Screen => "screen_recapture",
            Attack::ReplacedPhoto => "replaced_photo",
            Attack::EditedText => "edited_text",
            Attack::CopyMove => "copy_move",
            Attack::ExifSoftware => "exif_editing_software",
            Attack::ExifNoCamera => "exif_no_camera",
            Attack::ExifTimestamp => "exif_impossible_timestamp",
        }
    }

    /// The document engine's check expected to catch it.
    pub fn check(self) -> &'static str {
        match self {
            Attack::PhotocopyHalftone | Attack::PhotocopyToner => "document.photocopy",
            Attack::Screen => "document.screen_recapture",
            Attack::ReplacedPhoto | Attack::EditedText | Attack::CopyMove => "document.tampering",
            Attack::ExifSoftware | Attack::ExifNoCamera | Attack::ExifTimestamp => "document.exif",
        }
    }
}

/// How hard the capture is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Difficulty {
    /// Flat, sharp, little noise, quality ≥ 90.
    Clean,
    /// Rotation, perspective, light, mild blur and noise, quality 75–92.
    Moderate,
    /// More of everything, quality 65–80.
    Hard,
}

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Document type.
    pub kind: DocKind,
    /// Capture conditions.
    pub difficulty: Difficulty,
    /// A geometry refusal to provoke.
    pub refusal: Option<Refusal>,
    /// An attack.
    pub attack: Option<Attack>,
}

/// The capture conditions actually drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conditions {
    /// In-plane rotation, degrees.
    pub rotation_deg: f32,
    /// Corner jitter (fraction of the document width).
    pub perspective: f32,
    /// Blur radius (px).
    pub blur: usize,
    /// Noise σ.
    pub noise: f32,
    /// JPEG quality.
    pub jpeg_quality: u8,
}

/// One picture of one side.
#[derive(Clone)]
pub struct Capture {
    /// The JPEG file, as uploaded.
    pub jpeg: Vec<u8>,
    /// Document corners in the capture (TL, TR, BR, BL of the printed side).
    pub corners: [[f64; 2]; 4],
}

impl std::fmt::Debug for Capture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Capture({} bytes)", self.jpeg.len())
    }
}

/// A generated document with its ground truth.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The seed it came from.
    pub seed: u64,
    /// What was asked.
    pub spec: Spec,
    /// The person and document data.
    pub person: Person,
    /// The MRZ lines printed.
    pub mrz: Vec<String>,
    /// The printed visual-zone fields (front), with their boxes in document pixels.
    pub viz: Vec<VizField>,
    /// Portrait box on the front, document pixels.
    pub photo_box: Option<[f32; 4]>,
    /// Picture of the front.
    pub front: Capture,
    /// Picture of the back (TD1).
    pub back: Option<Capture>,
    /// The capture conditions.
    pub conditions: Conditions,
    /// The capture time written to EXIF, as `YYYY:MM:DD HH:MM:SS` (genuine ones).
    pub taken: String,
}

/// The generator: fonts and faces, loaded once.
#[derive(Debug, Clone)]
pub struct Generator {
    fonts: Fonts,
    faces: FaceSet,
    today: mrz::Date,
}

const PHONES: &[(&str, &str, &str)] = &[
    ("samsung", "SM-A525F", "A525FXXU4BVJB"),
    ("Apple", "iPhone 12", "16.1.2"),
    ("Xiaomi", "Redmi Note 10", "MIUI V13.0.4"),
    ("Google", "Pixel 6", "HDR+ 1.0.540104767zd"),
    ("OPPO", "CPH2219", "CPH2219_11_F.17"),
    ("HUAWEI", "ELE-L29", "ELE-L29 11.0.0.180"),
];

const EDITORS: &[&str] = &[
    "Adobe Photoshop 25.0 (Windows)",
    "GIMP 2.10.34",
    "Snapseed 2.0",
    "Pixlr",
    "Adobe Photoshop Lightroom Classic 12.4",
];

impl Generator {
    /// A generator over these fonts and faces; `today` (injected) bounds the dates.
    pub fn new(fonts: Fonts, faces: FaceSet, today: mrz::Date) -> Result<Generator, Error> {
        for (name, b) in [
            ("ocrb", &fonts.ocrb),
            ("latin", &fonts.latin),
            ("latin_bold", &fonts.latin_bold),
            ("arabic", &fonts.arabic),
        ] {
            FontRef::try_from_slice(b).map_err(|_| Error::Font(name.to_owned()))?;
        }
        if faces.is_empty() {
            return Err(Error::NoFaces);
        }
        Ok(Generator {
            fonts,
            faces,
            today,
        })
    }

    /// The fonts (the document engine takes OCR-B from here in tests).
    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    /// `today` as given.
    pub fn today(&self) -> mrz::Date {
        self.today
    }

    /// A mixed spec for benchmark item `i` (deterministic): a third each of the document
    /// types; 60 % genuine (clean/moderate/hard 1:2:1 of them), 30 % attacks (evenly), 10 %
    /// refusals (evenly).
    pub fn mixed_spec(seed: u64) -> Spec {
        let mut r = Rng::new(seed.wrapping_mul(31).wrapping_add(7));
        let kind = *r.pick(&[DocKind::AlgerianId, DocKind::FrenchId, DocKind::Passport]);
        let difficulty = *r.pick(&[
            Difficulty::Clean,
            Difficulty::Moderate,
            Difficulty::Moderate,
            Difficulty::Hard,
        ]);
        let u = r.unit();
        let (refusal, attack) = if u < 0.6 {
            (None, None)
        } else if u < 0.9 {
            (None, Some(*r.pick(&Attack::ALL)))
        } else {
            (
                Some(*r.pick(&[
                    Refusal::NotFound,
                    Refusal::CutOff,
                    Refusal::Glare,
                    Refusal::TooBlurry,
                ])),
                None,
            )
        };
        Spec {
            kind,
            difficulty,
            refusal,
            attack,
        }
    }

    /// Generates one sample.
    pub fn sample(&self, seed: u64, spec: Spec) -> Result<Sample, Error> {
        let mut rng = Rng::new(seed);
        let kind = spec.kind;
        let person = Person::random(&mut rng, kind, self.faces.len(), self.today);
        let mrz_lines = person.mrz_lines(kind)?;
        let portrait = &self.faces.0[person.face % self.faces.len()];
        let mut front = layout::front(&self.fonts, &mut rng, kind, &person, portrait, &mrz_lines);
        let mut back = if kind.mrz_on_back() {
            Some(layout::back(&self.fonts, &mut rng, kind, &mrz_lines))
        } else {
            None
        };
        let (rot, persp, blur, noise, q, light) = match spec.difficulty {
            Difficulty::Clean => (
                rng.uniform(-2.0, 2.0),
                rng.uniform(0.0, 0.01),
                0,
                rng.uniform(1.0, 2.0),
                rng.range(90, 96) as u8,
                0.05,
            ),
            Difficulty::Moderate => (
                rng.uniform(-8.0, 8.0),
                rng.uniform(0.01, 0.03),
                rng.below(2) as usize,
                rng.uniform(2.0, 4.0),
                rng.range(75, 93) as u8,
                0.2,
            ),
            Difficulty::Hard => (
                rng.uniform(-15.0, 15.0),
                rng.uniform(0.02, 0.05),
                1,
                rng.uniform(3.0, 6.0),
                rng.range(65, 81) as u8,
                0.35,
            ),
        };
        let mut conditions = Conditions {
            rotation_deg: rot,
            perspective: persp,
            blur,
            noise,
            jpeg_quality: q,
        };
        // Physical attacks change the document before it is photographed.
        match spec.attack {
            Some(Attack::PhotocopyHalftone) | Some(Attack::PhotocopyToner) => {
                let ht = spec.attack == Some(Attack::PhotocopyHalftone);
                capture::photocopy(&mut front.canvas, &mut rng, ht);
                if let Some(b) = back.as_mut() {
                    capture::photocopy(&mut b.canvas, &mut rng, ht);
                }
            }
            _ => {}
        }
        let minutes = rng.range(0, 600);
        let taken = format!(
            "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
            self.today.year(),
            self.today.month(),
            self.today.day(),
            minutes / 60,
            minutes % 60,
            rng.below(60)
        );
        let phone = *rng.pick(PHONES);
        let mut exif = ExifTags {
            make: Some(phone.0.to_owned()),
            model: Some(phone.1.to_owned()),
            software: Some(phone.2.to_owned()),
            date_time: Some(taken.clone()),
            date_time_original: Some(taken.clone()),
        };
        match spec.attack {
            Some(Attack::ExifSoftware) => exif.software = Some((*rng.pick(EDITORS)).to_owned()),
            Some(Attack::ExifNoCamera) => {
                exif.make = None;
                exif.model = None;
            }
            Some(Attack::ExifTimestamp) => {
                if rng.chance(0.5) {
                    let future = format!(
                        "{:04}:06:15 10:00:00",
                        self.today.year() + 1 + rng.below(3) as u16
                    );
                    exif.date_time_original = Some(future.clone());
                    exif.date_time = Some(future);
                } else {
                    exif.date_time = Some(format!("{:04}:01:01 00:00:00", self.today.year() - 3));
                }
            }
            _ => {}
        }
        let cap = |side: &layout::Side, rng: &mut Rng, main: bool| -> Result<Capture, Error> {
            let (dw, dh) = (side.canvas.w, side.canvas.h);
            let cover = match kind {
                DocKind::Passport => rng.uniform(0.72, 0.86),
                _ => rng.uniform(0.62, 0.8),
            };
            let upside = spec.difficulty != Difficulty::Clean && rng.chance(0.15);
            let rot_all = rot + if upside { 180.0 } else { 0.0 };
            let mut offset = (rng.uniform(-40.0, 40.0), rng.uniform(-30.0, 30.0));
            let mut scene = capture::background(rng);
            let refusal = if main { spec.refusal } else { None };
            if refusal == Some(Refusal::CutOff) {
                let dx = CAPTURE_W_F * cover * 0.35 * if rng.chance(0.5) { 1.0 } else { -1.0 };
                offset = (dx, offset.1);
            }
            let pl = capture::place(rng, dw, dh, cover, rot_all, persp, offset)
                .ok_or(Error::Geometry)?;
            if refusal != Some(Refusal::NotFound) {
                capture::composite(&mut scene, &side.canvas, &pl);
            }
            capture::light(&mut scene, rng, light);
            if refusal == Some(Refusal::Glare) {
                let u = rng.uniform(0.3, 0.7) * dw as f32;
                let v = rng.uniform(0.25, 0.6) * dh as f32;
                let (gx, gy) = pl.h.apply(f64::from(u), f64::from(v));
                let r = cover * CAPTURE_W_F * rng.uniform(0.12, 0.18);
                capture::glare(&mut scene, gx as f32, gy as f32, r, r * 0.6);
            }
            if spec.attack == Some(Attack::Screen) {
                capture::screen(&mut scene, rng);
            }
            let b = if refusal == Some(Refusal::TooBlurry) {
                rng.range(6, 9) as usize
            } else {
                blur
            };
            capture::blur(&mut scene, b);
            capture::noise(&mut scene, rng, noise);
            let mut jpeg = capture::encode_jpeg(&scene, q, Some(&exif))?;
            // Digital tampering: the phone's JPEG opened in an editor, changed, saved again.
            if main {
                let edit = match spec.attack {
                    Some(Attack::ReplacedPhoto) => side.photo.map(|ph| {
                        let other = &self.faces.0[(person.face
                            + 1
                            + rng.below(self.faces.len().max(2) as u32 - 1) as usize)
                            % self.faces.len()];
                        let mut patch = Canvas::new(ph[2] as usize, ph[3] as usize, [0, 0, 0]);
                        patch.blit_scaled(other, 0, 0, ph[2] as usize, ph[3] as usize);
                        (patch, [ph[0], ph[1]])
                    }),
                    Some(Attack::EditedText) => side
                        .fields
                        .iter()
                        .find(|f| f.name == "document_number" || f.name == "surname")
                        .map(|f| {
                            let [x, y, w, h] = f.bbox;
                            let (pw, ph) = ((w + 6.0) as usize, (h + 6.0) as usize);
                            let bg = side.canvas.get((x - 4.0) as i64, (y + h / 2.0) as i64);
                            let mut patch = Canvas::new(pw, ph, bg);
                            let mut text: Vec<char> = f.text.chars().collect();
                            let last = text.len().saturating_sub(1);
                            let i = rng.below(text.len().max(1) as u32) as usize;
                            if let Some(ch) = text.get_mut(i.min(last)) {
                                *ch = if ch.is_ascii_digit() {
                                    char::from(
                                        b'0' + ((*ch as u8 - b'0' + 1 + rng.below(8) as u8) % 10),
                                    )
                                } else {
                                    'X'
                                };
                            }
                            let t: String = text.into_iter().collect();
                            let bold = self.fonts.latin_bold();
                            raster::draw_text(
                                &mut patch,
                                &bold,
                                layout::PX_PER_MM * 3.0,
                                3.0,
                                3.0 + h * 0.8,
                                &t,
                                [20, 20, 30],
                            );
                            (patch, [x - 3.0, y - 3.0])
                        }),
                    _ => None,
                };
                let copy_move = spec.attack == Some(Attack::CopyMove);
                if edit.is_some() || copy_move {
                    let mut img = capture::decode(&jpeg)?;
                    if let Some((patch, at)) = edit {
                        capture::paste_patch(&mut img, &patch, at, &pl);
                    }
                    if copy_move {
                        // A block of the portrait's corner region copied over the data fields.
                        let (sx, sy) =
                            pl.h.apply(f64::from(dw as f32 * 0.45), f64::from(dh as f32 * 0.42));
                        let (tx, ty) =
                            pl.h.apply(f64::from(dw as f32 * 0.65), f64::from(dh as f32 * 0.58));
                        let (bw, bh) = ((cover * 130.0) as usize, (cover * 80.0) as usize);
                        capture::copy_move(
                            &mut img,
                            [sx.max(0.0) as usize, sy.max(0.0) as usize, bw, bh],
                            [tx.max(0.0) as usize, ty.max(0.0) as usize],
                        );
                    }
                    let q2 = rng.range(85, 98) as u8;
                    jpeg = capture::encode_jpeg(&img, q2, Some(&exif))?;
                }
            }
            Ok(Capture {
                jpeg,
                corners: pl.corners,
            })
        };
        let front_cap = cap(&front, &mut rng, true)?;
        let back_cap = match &back {
            Some(b) => Some(cap(b, &mut rng, false)?),
            None => None,
        };
        conditions.rotation_deg = rot;
        Ok(Sample {
            seed,
            spec,
            person,
            mrz: mrz_lines,
            viz: front.fields,
            photo_box: front.photo,
            front: front_cap,
            back: back_cap,
            conditions,
            taken,
        })
    }
}

const CAPTURE_W_F: f32 = capture::CAPTURE_W as f32;
