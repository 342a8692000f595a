//! Shared by the integration tests: the models from the setup step, the development photos, and
//! the frame sequences made from them (genuine and simulated attacks).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]

use std::path::PathBuf;
use std::sync::OnceLock;

use face::{DetectorKind, FaceConfig, FaceEngine, FaceModels};
use imaging::{Affine, Image};
use liveness::frame::{FrameObs, observe_image};
use liveness::plan::{ColourStep, colour_at};

/// `target/models/` as written by `scripts/setup.d/40-models.sh` (or `IDVERIFY_MODELS_DIR`).
pub fn models_dir() -> PathBuf {
    std::env::var_os("IDVERIFY_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        PathBuf::from,
    )
}

/// The deepface development set (read-only, beside the repository).
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces-deepface")
}

pub fn engine() -> &'static FaceEngine {
    static E: OnceLock<FaceEngine> = OnceLock::new();
    E.get_or_init(|| {
        let dir = inference::ModelDir::open_pinned(&models_dir()).unwrap_or_else(|e| {
            panic!(
                "models not usable ({e}); run scripts/setup (scripts/setup.d/40-models.sh) first"
            )
        });
        FaceEngine::new(
            FaceModels::load(&dir, DetectorKind::default()).unwrap(),
            FaceConfig::default(),
        )
    })
}

pub fn jpeg(name: &str) -> Vec<u8> {
    let p = data_dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A development photo, decoded and scaled to 640 pixels wide (a webcam frame's size).
pub fn photo(name: &str) -> Image {
    static CACHE: OnceLock<std::sync::Mutex<std::collections::HashMap<String, Image>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(i) = cache.lock().unwrap().get(name) {
        return i.clone();
    }
    let full = imaging::decode(&jpeg(name), &imaging::Limits::default()).unwrap();
    let img = scale_to(&full, 640);
    cache.lock().unwrap().insert(name.to_owned(), img.clone());
    img
}

pub fn scale_to(img: &Image, width: u32) -> Image {
    let s = img.width() as f32 / width as f32;
    let h = (img.height() as f32 / s).round() as u32;
    img.warp_affine(
        &Affine {
            a: s,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: s,
            f: 0.0,
        },
        width,
        h,
    )
    .unwrap()
}

/// Deterministic noise (a live camera's frames never repeat exactly).
pub struct Lcg(pub u32);

impl Lcg {
    pub fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        ((self.0 >> 16) & 0x7fff) as f32 / 32_768.0
    }
}

/// Per-pixel transform of an image.
pub fn map(img: &Image, mut f: impl FnMut(u32, u32, [f32; 3]) -> [f32; 3]) -> Image {
    let (w, h) = (img.width(), img.height());
    let mut out = Vec::with_capacity(img.pixels().len());
    for y in 0..h {
        for x in 0..w {
            let p = img.pixel(x, y).unwrap();
            let q = f(x, y, p.map(f32::from));
            out.extend(q.map(|v| v.round().clamp(0.0, 255.0) as u8));
        }
    }
    Image::from_rgb8(w, h, out, imaging::ImageFormat::Jpeg).unwrap()
}

/// The photo lit by a screen colour (the reflection of a full-screen colour on skin, simulated
/// as a multiplicative tint of strength `k`) with sensor noise.
pub fn lit(img: &Image, colour: Option<[u8; 3]>, k: f32, noise: &mut Lcg) -> Image {
    let tint = colour.map_or([1.0; 3], |c| {
        c.map(|v| 1.0 - k + k * 2.0 * f32::from(v) / 255.0)
    });
    map(img, |_, _, p| {
        let n = (noise.next() - 0.5) * 6.0;
        [p[0] * tint[0] + n, p[1] * tint[1] + n, p[2] * tint[2] + n]
    })
}

/// A screen's pixel grid beating with the sensor: a fine sinusoidal pattern over the frame.
pub fn moire(img: &Image, period: f32, angle: f32, amplitude: f32) -> Image {
    let (s, c) = angle.sin_cos();
    map(img, |x, y, p| {
        let u = c * x as f32 + s * y as f32;
        let v = amplitude * (2.0 * std::f32::consts::PI * u / period).sin();
        [p[0] + v, p[1] + v, p[2] + v]
    })
}

/// A frame schedule: `names[i]` shown at `t[i]` ms, lit by the colour sequence.
pub struct Sequence {
    pub frames: Vec<(i64, Image)>,
}

/// Builds frames: each name repeated `repeat` times, 100 ms apart from 0, lit by `colours`
/// (when `Some`) and noised.
pub fn sequence(
    names: &[&str],
    repeat: usize,
    colours: Option<&[ColourStep]>,
    seed: u32,
) -> Sequence {
    let mut noise = Lcg(seed);
    let mut frames = Vec::new();
    let mut t = 0i64;
    for name in names {
        let img = photo(name);
        for _ in 0..repeat {
            let c = colours.and_then(|c| colour_at(c, t)).map(|c| c.rgb());
            frames.push((t, lit(&img, c, 0.12, &mut noise)));
            t += 100;
        }
    }
    Sequence { frames }
}

pub fn observe(seq: &Sequence) -> Vec<FrameObs> {
    seq.frames
        .iter()
        .enumerate()
        .map(|(i, (t, img))| observe_image(engine(), i as u32, *t, img))
        .collect()
}
