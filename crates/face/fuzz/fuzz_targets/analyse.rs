//! Arbitrary bytes through the whole face pipeline: never a panic.
//!
//! The first 64 bytes drive stand-in models (the real ones are not needed to reach every branch
//! of the decoding, NMS, alignment, quality and comparison code, and a fuzzer cannot learn much
//! through a neural network anyway): each output value is taken from them, NaN and infinities
//! included. The next two bytes give the width (1–256), the rest are the RGB pixels (repeated
//! to fill the height). Decoding is `imaging`'s own fuzz target: here a JPEG decoder panic,
//! which `imaging` catches in production, would be reported by libFuzzer's panic hook.
#![no_main]

use std::sync::Arc;

use face::{DetectorKind, FaceConfig, FaceEngine, FaceModels, Role};
use imaging::{Image, ImageFormat};
use inference::{Error, Model, Tensor};
use libfuzzer_sys::fuzz_target;

#[derive(Debug)]
struct Stub {
    name: &'static str,
    seed: Vec<u8>,
    outputs: Vec<Vec<usize>>,
}

impl Model for Stub {
    fn name(&self) -> &str {
        self.name
    }
    fn run(&self, _inputs: &[Tensor]) -> Result<Vec<Tensor>, Error> {
        let mut k = 0usize;
        let mut next = || {
            let b = self.seed.get(k % self.seed.len().max(1)).copied().unwrap_or(0);
            k += 1;
            match b {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => f32::NEG_INFINITY,
                _ => (f32::from(b) - 128.0) * 1.7,
            }
        };
        Ok(self
            .outputs
            .iter()
            .map(|shape| {
                let n: usize = shape.iter().product();
                Tensor::new(shape.clone(), (0..n).map(|_| next()).collect()).unwrap_or_else(|| {
                    Tensor::new(vec![0], vec![]).expect("empty tensor")
                })
            })
            .collect())
    }
}

fn engine_models(seed: &[u8], kind: DetectorKind) -> FaceModels {
    let stub = |name, outputs| -> Arc<dyn Model> {
        Arc::new(Stub { name, seed: seed.to_vec(), outputs })
    };
    let n = kind.anchors().len();
    FaceModels {
        detector_kind: kind,
        detector: stub("det", vec![vec![1, n, 16], vec![1, n, 1]]),
        mesh: stub("mesh", vec![vec![1, 1404, 1, 1], vec![1, 1, 1, 1]]),
        iris: stub("iris", vec![vec![1, 213], vec![1, 15]]),
        embedder: stub("emb", vec![vec![2, 192]]),
    }
}

fuzz_target!(|data: &[u8]| {
    let (seed, photo) = data.split_at(data.len().min(64));
    let models = engine_models(seed, DetectorKind::ShortRange);
    let engine = FaceEngine::new(models, FaceConfig::default());
    let (Some(&w), Some(pixels)) = (photo.first(), photo.get(2..)) else {
        return;
    };
    let short = photo.get(1).is_some_and(|b| b & 1 == 1);
    if pixels.is_empty() {
        return;
    }
    let width = u32::from(w) + 1;
    let height = u32::try_from(pixels.len() / 3 / width as usize).unwrap_or(0).clamp(1, 256);
    let n = (width * height * 3) as usize;
    let rgb: Vec<u8> = pixels.iter().copied().cycle().take(n).collect();
    let Ok(img) = Image::from_rgb8(width, height, rgb, ImageFormat::Jpeg) else {
        return;
    };
    let engine = if short {
        engine
    } else {
        let mut m = engine_models(seed, DetectorKind::FullRange);
        m.detector_kind = DetectorKind::FullRange;
        FaceEngine::new(m, FaceConfig::default())
    };
    for role in [Role::Selfie, Role::DocumentPhoto] {
        if let Ok(a) = engine.analyse_image(&img, role) {
            let _ = engine.compare(&a, &a);
        }
    }
});
