//! Start-up cost of the model bundle: verify and decrypt a bundle of 4 models totalling 30 MB
//! (random bytes) on one core — the signature, every ciphertext SHA-256, AES-256-GCM decryption
//! and every plaintext SHA-256 — with an Ed25519 and an RSA-4096 PSS vendor key; and the keyless
//! offline check alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use bundle::{ContentKey, ModelFile, PackOptions, VendorSigningKey};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand_core::Rng as _;

const SIZES: [usize; 4] = [16 << 20, 8 << 20, 4 << 20, 2 << 20]; // 30 MiB

fn setup(signer: &VendorSigningKey) -> (Vec<u8>, ContentKey) {
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let names = [
        "embedding.onnx",
        "document.onnx",
        "liveness.onnx",
        "detector.onnx",
    ];
    let data: Vec<Vec<u8>> = SIZES
        .iter()
        .map(|&n| {
            let mut v = vec![0u8; n];
            rng.fill_bytes(&mut v);
            v
        })
        .collect();
    let files: Vec<ModelFile<'_>> = names
        .iter()
        .zip(&data)
        .map(|(name, bytes)| ModelFile {
            name,
            version: "1.0.0",
            bytes,
        })
        .collect();
    let key = ContentKey::generate(&mut rng);
    let options = PackOptions {
        product_version: "0.1.0",
        created_at: "2026-12-01T00:00:00Z",
    };
    let b = bundle::pack(&files, &options, &key, signer, &mut rng).unwrap();
    (b, key)
}

fn bench(c: &mut Criterion) {
    let total: usize = SIZES.iter().sum();
    let mut g = c.benchmark_group("bundle_30MiB");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(total as u64));
    let ed = VendorSigningKey::ed25519_from_seed(&[1; 32]);
    let rsa = VendorSigningKey::from_pem(include_str!("../testdata/test-vendor-rsa4096.key.pem"))
        .unwrap();
    for (label, signer) in [("ed25519", &ed), ("rsa4096_pss", &rsa)] {
        let (b, key) = setup(signer);
        let public = signer.public_key();
        g.bench_function(format!("open_{label}"), |bench| {
            bench.iter(|| black_box(bundle::open(black_box(&b), &public, &key, &[]).unwrap()));
        });
        if label == "ed25519" {
            g.bench_function("check_without_key", |bench| {
                bench.iter(|| black_box(bundle::check(black_box(&b), &public, &[]).unwrap()));
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
