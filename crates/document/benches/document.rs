//! Latency of the document reader from JPEG bytes to the report, on generated captures
//! (one per document type, moderate conditions): `cargo bench -p document`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use docgen::{Difficulty, DocKind, Generator, Spec};

fn bench(c: &mut Criterion) {
    let today = mrz::Date::new(2026, 12, 1).unwrap();
    let faces = docgen::FaceSet::load_dir(&docgen::FaceSet::default_dir(), 6).unwrap();
    let g = Generator::new(docgen::Fonts::system().unwrap(), faces, today).unwrap();
    let engine = document::Engine::new(&g.fonts().ocrb).unwrap();
    let mut group = c.benchmark_group("document_read");
    group.sample_size(20);
    for kind in [DocKind::Passport, DocKind::AlgerianId, DocKind::FrenchId] {
        let s = g
            .sample(
                5,
                Spec {
                    kind,
                    difficulty: Difficulty::Moderate,
                    refusal: None,
                    attack: None,
                },
            )
            .unwrap();
        group.bench_function(kind.as_str(), |b| {
            b.iter(|| {
                engine.read(&document::Input {
                    front: &s.front.jpeg,
                    back: s.back.as_ref().map(|x| x.jpeg.as_slice()),
                    today,
                    now_exif: "2026:12:01 23:59:00",
                })
            });
        });
    }
    group.bench_function("engine_new_templates", |b| {
        b.iter(|| document::Engine::new(&g.fonts().ocrb).unwrap());
    });
    group.finish();

    // An Arabic read checked against its drawing: one the drawing explains (the dot-sibling
    // pass only), and one missing the first letter of a stacked ligature (the beam search).
    let font = document::synth::ArabicFont::new(g.fonts().arabic.clone()).unwrap();
    #[allow(clippy::cast_possible_truncation)]
    let px = (document::viz::ARABIC_FACE_MM * 10.0) as f32;
    let (w, h, crop) = document::synth::draw(&font, "سمير", px, 5).unwrap();
    let line = document::viz::GreyLine {
        width: w,
        height: h,
        pixels: &crop,
    };
    let mut group = c.benchmark_group("arabic_by_synthesis");
    group.sample_size(20);
    for (name, read) in [("read_explained", "سمير"), ("letter_dropped", "مير")] {
        group.bench_function(name, |b| {
            b.iter(|| document::synth::settle(&font, &line, px, read).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
