//! `assess()` on a whole passport verification (28 checks, every signal) under the default
//! policy, on one core.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use checks::{Check, ReasonCode, Status};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use risk::{Policy, Signals, assess, best_face_match};

fn passport() -> Signals {
    let mut checks: Vec<Check> = [
        "document.authenticity",
        "document.screen_recapture",
        "mrz.format",
        "mrz.check_digits",
        "mrz.composite_check_digit",
        "mrz.dates",
        "mrz.country_codes",
        "mrz.sex",
        "mrz.names",
        "mrz.expiry",
        "mrz.ocr_repair",
        "chip.sod.parse",
        "chip.sod.content_type",
        "chip.sod.message_digest",
        "chip.sod.signature",
        "chip.dg_hash.dg1",
        "chip.dg_hash.dg2",
        "chip.dsc.validity",
        "chip.dsc.key_usage",
        "chip.csca.chain",
        "chip.csca.validity",
        "chip.csca.key_usage",
        "chip.active_authentication",
        "chip.dg1_matches_mrz",
        "liveness.challenge",
    ]
    .into_iter()
    .map(Check::pass)
    .collect();
    checks.push(Check::new(
        "chip.dsc.revocation",
        Status::NotPerformed,
        ReasonCode::new("crl_unavailable"),
    ));
    checks.push(
        Check::pass("face.selfie_vs_document")
            .with_score(0.9)
            .with_threshold(0.5),
    );
    checks.push(Check::pass("liveness.passive").with_score(0.97));
    Signals {
        checks,
        document_type: Some("TD3".into()),
        attempts: Some(1),
        session_duration: Some(Duration::from_secs(95)),
        device_repeats: Some(0),
        duplicate_face_similarity: Some(0.1),
        age_years: Some(34),
    }
}

fn bench(c: &mut Criterion) {
    let policy = Policy::builtin().unwrap();
    let signals = passport();
    let mut g = c.benchmark_group("risk");
    g.throughput(Throughput::Elements(1));
    g.bench_function("assess_td3_default_policy", |b| {
        b.iter(|| assess(black_box(&policy), black_box(&signals)))
    });
    g.bench_function("policy_from_toml_default", |b| {
        b.iter(|| Policy::from_toml(black_box(risk::DEFAULT_POLICY_TOML)).unwrap())
    });
    // Duplicate-face search: 10 000 past cases of 512-d embeddings.
    let gallery: Vec<(usize, Vec<f32>)> = (0..10_000)
        .map(|i| {
            let v = (0..512)
                .map(|j| (((i * 7919 + j * 104_729) % 1000) as f32 / 500.0) - 1.0)
                .collect();
            (i, v)
        })
        .collect();
    let probe: Vec<f32> = (0..512)
        .map(|j| ((j * 31 % 97) as f32 / 48.0) - 1.0)
        .collect();
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("best_face_match_10k_x_512", |b| {
        b.iter(|| {
            best_face_match(
                black_box(&probe),
                gallery.iter().map(|(k, v)| (*k, v.as_slice())),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
