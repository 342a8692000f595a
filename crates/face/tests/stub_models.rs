//! The whole pipeline with stand-in models whose outputs are arbitrary (NaN and infinities
//! included), on arbitrary photos: no panic, and every check keeps its shape. Needs no model
//! files, so it runs everywhere (the same harness as the fuzz target `analyse`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::sync::Arc;

use checks::Status;
use face::{DetectorKind, FaceConfig, FaceEngine, FaceEvidence, FaceModels, Role};
use imaging::{Image, ImageFormat};
use inference::{Error, Model, Tensor};
use proptest::prelude::*;

#[derive(Debug)]
struct Stub {
    seed: Vec<u8>,
    outputs: Vec<Vec<usize>>,
}

impl Model for Stub {
    fn name(&self) -> &str {
        "stub"
    }
    fn run(&self, _inputs: &[Tensor]) -> Result<Vec<Tensor>, Error> {
        let mut k = 0usize;
        let mut next = || {
            let b = self.seed[k % self.seed.len()];
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
            .map(|s| {
                Tensor::new(s.clone(), (0..s.iter().product()).map(|_| next()).collect()).unwrap()
            })
            .collect())
    }
}

fn engine(seed: &[u8], kind: DetectorKind) -> FaceEngine {
    let n = kind.anchors().len();
    let stub = |outputs: Vec<Vec<usize>>| -> Arc<dyn Model> {
        Arc::new(Stub {
            seed: seed.to_vec(),
            outputs,
        })
    };
    FaceEngine::new(
        FaceModels {
            detector_kind: kind,
            detector: stub(vec![vec![1, n, 16], vec![1, n, 1]]),
            mesh: stub(vec![vec![1, 1404, 1, 1], vec![1, 1, 1, 1]]),
            iris: stub(vec![vec![1, 213], vec![1, 15]]),
            embedder: stub(vec![vec![2, 192]]),
        },
        FaceConfig::default(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_model_outputs_never_panic(
        seed in proptest::collection::vec(any::<u8>(), 1..64),
        w in 1u32..200,
        h in 1u32..200,
        short in any::<bool>(),
    ) {
        let kind = if short { DetectorKind::ShortRange } else { DetectorKind::FullRange };
        let e = engine(&seed, kind);
        let p = (0..w * h * 3).map(|i| seed[i as usize % seed.len()].wrapping_add(i as u8)).collect();
        let img = Image::from_rgb8(w, h, p, ImageFormat::Jpeg).unwrap();
        if let Ok(a) = e.analyse_image(&img, Role::Selfie) {
            prop_assert!(a.embedding.is_some() || !a.issues.is_empty());
        }
    }

    #[test]
    fn arbitrary_bytes_give_checks_never_a_panic(
        seed in proptest::collection::vec(any::<u8>(), 1..64),
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let e = engine(&seed, DetectorKind::ShortRange);
        let checks = e.verify(&FaceEvidence { selfie: Some(&bytes), document_photo: Some(&bytes), chip_photo: None, document_portrait: None });
        prop_assert_eq!(checks.len(), 5);
        // Nothing undecodable passes.
        prop_assert!(checks.iter().all(|c| c.status != Status::Pass));
    }
}

#[test]
fn a_model_with_the_wrong_outputs_is_an_error_not_a_panic() {
    let e = FaceEngine::new(
        FaceModels {
            detector_kind: DetectorKind::FullRange,
            detector: Arc::new(Stub {
                seed: vec![9],
                outputs: vec![vec![1, 3]],
            }),
            mesh: Arc::new(Stub {
                seed: vec![9],
                outputs: vec![],
            }),
            iris: Arc::new(Stub {
                seed: vec![9],
                outputs: vec![],
            }),
            embedder: Arc::new(Stub {
                seed: vec![9],
                outputs: vec![],
            }),
        },
        FaceConfig::default(),
    );
    let img = Image::from_rgb8(8, 8, vec![0; 192], ImageFormat::Jpeg).unwrap();
    assert_eq!(
        e.analyse_image(&img, Role::Selfie).unwrap_err().code(),
        "face_model_output_invalid"
    );
}
