//! Latency of judging one 30-frame liveness session (the server's work after submission):
//! - `observe_and_judge_30_frames_640px`: 30 decoded 640-pixel-wide frames of one person of the
//!   development set (straight, turned left, turned right, smiling) through the whole analysis
//!   (detection, face mesh, iris model on both eyes, alignment, embedding, skin colour, moiré
//!   FFT, thumbnails) and the judgement, on one thread;
//! - `assess_30_jpeg_frames_full_size`: the same through `LivenessEngine::assess` from the
//!   photos' original JPEG files (up to 1382×1868, progressive and baseline): decoding
//!   included, an upper bound for webcam-sized frames;
//! - `assess_30_jpeg_frames_full_size` uses `LivenessEngine::observe`'s two threads; the
//!   640-pixel case runs on one thread, and on two (`…_2_threads`, as the server does);
//! - `judge_only_30_frames`: the judgement alone, over the observations.
//!
//! Needs the models from the setup step (`target/models/`, or `IDVERIFY_MODELS_DIR`).
//! Run: `cargo bench -p liveness --bench liveness` (2 cores: `taskset -c 0,1`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use face::{DetectorKind, FaceConfig, FaceEngine, FaceModels};
use imaging::{Affine, Image, Limits};
use liveness::plan::{Challenge, Nonce, Plan};
use liveness::{FrameInput, LivenessEngine};

const NAMES: [&str; 30] = [
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img11.jpg",
    "img11.jpg",
    "img11.jpg",
    "img10.jpg",
    "img10.jpg",
    "img4.jpg",
    "img4.jpg",
    "img4.jpg",
    "img10.jpg",
    "img10.jpg",
    "img1.jpg",
    "img1.jpg",
    "img1.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
    "img10.jpg",
];

fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/faces-deepface")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn scaled(bytes: &[u8]) -> Image {
    let full = imaging::decode(bytes, &Limits::default()).unwrap();
    let s = full.width() as f32 / 640.0;
    let h = (full.height() as f32 / s).round() as u32;
    full.warp_affine(
        &Affine {
            a: s,
            b: 0.0,
            c: 0.0,
            d: 0.0,
            e: s,
            f: 0.0,
        },
        640,
        h,
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let models = std::env::var_os("IDVERIFY_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        PathBuf::from,
    );
    let dir = inference::ModelDir::open_pinned(&models)
        .unwrap_or_else(|e| panic!("{e}: run scripts/setup first"));
    let face = FaceEngine::new(
        FaceModels::load(&dir, DetectorKind::default()).unwrap(),
        FaceConfig::default(),
    );
    let engine = LivenessEngine::new(face.clone());
    let plan = Plan {
        challenges: vec![Challenge::TurnLeft, Challenge::TurnRight, Challenge::Smile],
        nonce: Nonce([9; 16]),
        issued_at_ms: 0,
        deadline_ms: 120_000,
    };
    let jpegs: Vec<Vec<u8>> = NAMES.iter().map(|n| data(n)).collect();
    let images: Vec<Image> = jpegs.iter().map(|b| scaled(b)).collect();
    let mut g = c.benchmark_group("liveness");
    g.sample_size(10);
    g.bench_function("observe_and_judge_30_frames_640px", |b| {
        b.iter(|| {
            let obs: Vec<_> = images
                .iter()
                .enumerate()
                .map(|(i, img)| {
                    liveness::frame::observe_image(&face, i as u32, i as i64 * 150, img)
                })
                .collect();
            engine.judge_observations(&plan, &obs, &[], None)
        });
    });
    g.bench_function("observe_and_judge_30_frames_640px_2_threads", |b| {
        b.iter(|| {
            let obs: Vec<_> = std::thread::scope(|s| {
                let hs: Vec<_> = images
                    .chunks(15)
                    .enumerate()
                    .map(|(k, part)| {
                        let face = &face;
                        s.spawn(move || {
                            part.iter()
                                .enumerate()
                                .map(|(i, img)| {
                                    let i = k * 15 + i;
                                    liveness::frame::observe_image(
                                        face,
                                        i as u32,
                                        i as i64 * 150,
                                        img,
                                    )
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
            });
            engine.judge_observations(&plan, &obs, &[], None)
        });
    });
    let frames: Vec<FrameInput<'_>> = jpegs
        .iter()
        .enumerate()
        .map(|(i, b)| FrameInput {
            index: i as u32,
            t_ms: i as i64 * 150,
            received_ms: None,
            bytes: b,
        })
        .collect();
    g.bench_function("assess_30_jpeg_frames_full_size", |b| {
        b.iter(|| engine.assess(&plan, &frames, None));
    });
    let obs: Vec<_> = images
        .iter()
        .enumerate()
        .map(|(i, img)| liveness::frame::observe_image(&face, i as u32, i as i64 * 150, img))
        .collect();
    g.bench_function("judge_only_30_frames", |b| {
        b.iter(|| engine.judge_observations(&plan, &obs, &[], None));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
