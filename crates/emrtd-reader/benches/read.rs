//! A full chip read against the virtual chip (both sides of the protocol run in this process):
//! open the channel (BAC, or PACE-GM on brainpoolP256r1 / P-256 with AES-128), read EF.COM, EF.SOD,
//! DG1, DG2 (20 KB) and DG14. Prints the APDU count of one read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use der::asn1::ObjectIdentifier;
use emrtd::lds::PaceMapping;
use emrtd_reader::crypto::Cipher;
use emrtd_reader::ec::Curve;
use emrtd_reader::pace::PaceParams;
use emrtd_reader::{AccessKey, PaceConfig, Quirks, Reader, VirtualChip};
use emrtd_testkit::der_out::{int, oid, seq, set};
use emrtd_testkit::{ChipBuilder, Face, SeededRng, TestChip, dg1, dg2};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn test_chip() -> TestChip {
    let (_, dsc) = emrtd_testkit::p256_pki();
    let image = vec![0xA5u8; 20_000];
    ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .data_group(
            2,
            dg2(&[Face {
                image: &image,
                data_type: 1,
                width: 480,
                height: 640,
            }]),
        )
        .build()
}

fn key() -> AccessKey {
    AccessKey::from_mrz_fields("L898902C<", "740812", "120415").unwrap()
}

fn chip(t: &TestChip, pace: Option<Curve>, quirks: Quirks) -> VirtualChip<SeededRng> {
    let info = mrz::bac::BacKeys::mrz_information("L898902C<", "740812", "120415").unwrap();
    let mut c =
        VirtualChip::new(t.files_by_id(), &info, SeededRng::new("chip", 1)).with_quirks(quirks);
    if let Some(curve) = pace {
        let protocol = ObjectIdentifier::new("0.4.0.127.0.7.2.2.4.2.2").unwrap();
        let params = PaceParams {
            protocol,
            mapping: PaceMapping::Generic,
            cipher: Cipher::Aes128,
            curve,
        };
        let ca = set(&[&seq(&[
            &oid(&protocol),
            &int(2),
            &int(u64::from(curve.parameter_id())),
        ])]);
        c = c.with_master_file(0x011C, ca).with_pace(
            PaceConfig {
                params,
                mrz: Some(key()),
                can: None,
                chip_key: None,
            },
            false,
        );
    }
    c
}

fn bench(c: &mut Criterion) {
    let t = test_chip();
    let mut g = c.benchmark_group("read_chip");
    g.sample_size(30);
    for (name, pace, quirks) in [
        ("bac", None, Quirks::default()),
        (
            "bac_160_byte_reads",
            None,
            Quirks {
                max_read: Some(160),
                ..Quirks::default()
            },
        ),
        (
            "pace_gm_brainpoolp256r1_aes128",
            Some(Curve::BrainpoolP256r1),
            Quirks::default(),
        ),
        ("pace_gm_p256_aes128", Some(Curve::P256), Quirks::default()),
    ] {
        let mut probe = chip(&t, pace, quirks);
        let mut reader = Reader::new(&mut probe, key(), SeededRng::new("reader", 1));
        reader.read_all(|_, _| {}).unwrap();
        let s = reader.stats();
        eprintln!(
            "{name}: {} APDUs, {} bytes read, {} secure channel(s)",
            s.apdus, s.bytes_read, s.channels_opened
        );
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut v = chip(&t, pace, quirks);
                let mut r = Reader::new(&mut v, key(), SeededRng::new("reader", 2));
                black_box(r.read_all(|_, _| {}).unwrap())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
