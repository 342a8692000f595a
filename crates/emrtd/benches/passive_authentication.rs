//! Full Passive Authentication of one chip on one core: SOD parse, DSC parse, data-group hashes
//! (DG1 + a 20 KB DG2), message digest, SOD signature and DSC → CSCA signature, validity, key usage
//! and a CRL lookup. Chains: RSA-2048 (PKCS#1 v1.5), ECDSA P-256, ECDSA brainpoolP256r1 with an
//! explicit-parameter CSCA. Plus Active Authentication alone.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emrtd::HashAlgorithm;
use emrtd::pa::passive_authentication;
use emrtd::pki::TrustStore;
use emrtd_testkit::{AaKey, ChipBuilder, Issued, KeyKind, SigScheme, TestKey, Validity, date, dg1};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn setup(
    kind: KeyKind,
    scheme: SigScheme,
    explicit: bool,
) -> (emrtd_testkit::TestChip, TrustStore) {
    let v = Validity::new(date(2020, 1, 1), date(2035, 1, 1));
    let csca = Issued::csca("CN=CSCA Utopia,C=UT", kind, scheme, v, explicit, 1);
    let dsc = csca.issue_dsc("CN=DS,C=UT", kind, scheme, &[7], v, 2);
    let face = {
        let mut f = vec![0x75, 0x82, 0x50, 0x00];
        f.extend(std::iter::repeat_n(0xA5u8, 0x5000));
        f
    };
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .data_group(2, face)
        .build();
    let mut trust = TrustStore::new();
    trust.add_certificate_der(&csca.cert_der).unwrap();
    trust
        .add_crl_der(&csca.crl(&[&[0x99]], date(2026, 11, 1), date(2027, 1, 1)))
        .unwrap();
    (chip, trust)
}

fn bench(c: &mut Criterion) {
    let at = date(2026, 11, 23);
    let mut g = c.benchmark_group("passive_authentication");
    g.throughput(Throughput::Elements(1));
    for (name, kind, scheme, explicit) in [
        (
            "rsa2048",
            KeyKind::Rsa2048,
            SigScheme::RsaPkcs1v15(HashAlgorithm::Sha256),
            false,
        ),
        (
            "ecdsa_p256",
            KeyKind::EcP256,
            SigScheme::Ecdsa(HashAlgorithm::Sha256),
            false,
        ),
        (
            "ecdsa_brainpoolp256r1_explicit",
            KeyKind::EcBrainpoolP256r1,
            SigScheme::Ecdsa(HashAlgorithm::Sha256),
            true,
        ),
    ] {
        let (chip, trust) = setup(kind, scheme, explicit);
        let dgs = chip.data_groups();
        let report = passive_authentication(&chip.sod, &dgs, &trust, at);
        assert!(report.status.is_pass(), "{:#?}", report.checks);
        g.bench_function(name, |b| {
            b.iter(|| passive_authentication(black_box(&chip.sod), &dgs, &trust, at))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("active_authentication");
    for (name, key) in [
        (
            "rsa2048_iso9796_2",
            AaKey::Rsa(
                TestKey::generate(KeyKind::Rsa2048, 5),
                HashAlgorithm::Sha256,
            ),
        ),
        (
            "ecdsa_p256",
            AaKey::Ec(TestKey::generate(KeyKind::EcP256, 6), HashAlgorithm::Sha256),
        ),
    ] {
        let v = Validity::new(date(2020, 1, 1), date(2035, 1, 1));
        let csca = Issued::csca(
            "CN=C,C=UT",
            KeyKind::EcP256,
            SigScheme::Ecdsa(HashAlgorithm::Sha256),
            v,
            false,
            8,
        );
        let dsc = csca.issue_dsc(
            "CN=D,C=UT",
            KeyKind::EcP256,
            SigScheme::Ecdsa(HashAlgorithm::Sha256),
            &[1],
            v,
            9,
        );
        let chip = ChipBuilder::new(&dsc)
            .data_group(1, dg1(MRZ))
            .aa_key(key)
            .build();
        let dg15 = chip.files[&15].clone();
        let response = chip.respond(&[1, 2, 3, 4, 5, 6, 7, 8]);
        g.bench_function(name, |b| {
            b.iter(|| {
                let challenge =
                    emrtd::aa::Challenge::from_issued([1, 2, 3, 4, 5, 6, 7, 8], "bench");
                let check = emrtd::aa::verify(
                    Some(&dg15),
                    Some(HashAlgorithm::Sha256),
                    challenge,
                    Some(black_box(&response)),
                );
                assert!(check.status.is_pass());
            })
        });
    }
    g.finish();
}

/// Importing the German CSCA Master List (526 certificates): CMS parse, signer check, every
/// certificate decoded with its key. Needs `scripts/setup` (target/testdata).
fn master_list(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/testdata/DE_ML_2024-04-10-10-54-13.ml"
    );
    let Ok(ml) = std::fs::read(path) else {
        eprintln!("{path} missing: run scripts/setup; master-list bench skipped");
        return;
    };
    let at = date(2024, 4, 15);
    let mut g = c.benchmark_group("trust_store");
    g.sample_size(20);
    g.bench_function("import_german_master_list_526_certs", |b| {
        b.iter(|| {
            let mut store = TrustStore::new();
            store.add_master_list(black_box(&ml), at).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench, master_list);
criterion_main!(benches);
