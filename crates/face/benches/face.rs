//! Latency of the face pipeline on one 1280×960 photo (img2 of the development set, scaled from
//! 1536×1152), one thread per model call: decode (img2 is a progressive JPEG, img1 a baseline
//! one), detection, alignment, embedding, one full analysis (detection, alignment, quality,
//! eyes through mesh + iris, embedding), and a full selfie-vs-document comparison from JPEG
//! bytes (img2 vs img1: two decodes, two analyses, the comparison).
//!
//! Needs the models from the setup step (`target/models/`, or `IDVERIFY_MODELS_DIR`).
//! Run: `cargo bench -p face --bench face` (pin to one core with `taskset -c 1`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use face::{DetectorKind, FaceConfig, FaceEngine, FaceModels, Role};
use imaging::{Affine, Limits};

fn setup() -> (FaceEngine, Vec<u8>, imaging::Image) {
    let models = std::env::var_os("IDVERIFY_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        PathBuf::from,
    );
    let dir = inference::ModelDir::open_pinned(&models)
        .unwrap_or_else(|e| panic!("{e}: run scripts/setup first"));
    let engine = FaceEngine::new(
        FaceModels::load(&dir, DetectorKind::FullRange).unwrap(),
        FaceConfig::default(),
    );
    let data =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/faces-deepface");
    let jpeg =
        std::fs::read(data.join("img2.jpg")).expect("the deepface set beside the repository");
    let full = imaging::decode(&jpeg, &Limits::default()).unwrap();
    let s = full.width() as f32 / 1280.0;
    let img = full
        .warp_affine(
            &Affine {
                a: s,
                b: 0.0,
                c: 0.0,
                d: 0.0,
                e: s,
                f: 0.0,
            },
            1280,
            960,
        )
        .unwrap();
    (engine, jpeg, img)
}

fn bench(c: &mut Criterion) {
    let (engine, jpeg, img) = setup();
    let face = engine.detect(&img).unwrap()[0];
    let crop = engine.align(&img, &face).unwrap();
    let doc = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/faces-deepface/img1.jpg"),
    )
    .unwrap();
    let mut g = c.benchmark_group("face");
    g.sample_size(20);
    g.bench_function("decode_jpeg_progressive_1536x1152", |b| {
        b.iter(|| imaging::decode(&jpeg, &Limits::default()).unwrap());
    });
    g.bench_function("decode_jpeg_baseline_1382x1868", |b| {
        b.iter(|| imaging::decode(&doc, &Limits::default()).unwrap());
    });
    g.bench_function("detect_1280x960", |b| {
        b.iter(|| engine.detect(&img).unwrap())
    });
    g.bench_function("align", |b| b.iter(|| engine.align(&img, &face).unwrap()));
    g.bench_function("embed", |b| b.iter(|| engine.embed(&crop).unwrap()));
    g.bench_function("analyse_1280x960", |b| {
        b.iter(|| engine.analyse_image(&img, Role::Selfie).unwrap());
    });
    g.bench_function("selfie_vs_document_from_jpeg", |b| {
        b.iter(|| engine.compare_bytes("face.selfie_vs_document", &jpeg, &doc));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
