//! Reader ↔ virtual chip, end to end: BAC, secure messaging, every file, a chip that serves only
//! 160-byte reads, Active Authentication, a wrong MRZ, a tampered MAC; then Passive Authentication
//! of what was read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use checks::Status;
use emrtd::HashAlgorithm;
use emrtd::chip::{AaExchange, ChipFiles, verify_chip};
use emrtd::pki::TrustStore;
use emrtd_reader::{AccessKey, AccessProtocol, Quirks, Reader, VirtualChip};
use emrtd_testkit::{
    AaKey, ChipBuilder, Csca, Face, KeyKind, SeededRng, TestChip, TestKey, date, dg1, dg2,
};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn face_20k() -> Vec<u8> {
    // A 20 KB DG2: the JPEG 2000 fixture padded inside the 19794-5 record is not needed; a
    // large JPEG-sized blob is what matters for reading.
    let jp2 = include_bytes!("../../imaging/tests/data/face.jp2");
    let mut image = jp2.to_vec();
    image.resize(20_000, 0);
    dg2(&[Face {
        image: &image,
        data_type: 1,
        width: 96,
        height: 128,
    }])
}

fn pki_and_chip(aa: bool) -> (Csca, TestChip) {
    let (csca, dsc) = emrtd_testkit::p256_pki();
    let mut b = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .data_group(2, face_20k());
    if aa {
        b = b.aa_key(AaKey::Rsa(
            TestKey::generate(KeyKind::Rsa2048, 4),
            HashAlgorithm::Sha256,
        ));
    }
    (csca, b.build())
}

fn key() -> AccessKey {
    AccessKey::from_mrz_fields("L898902C<", "740812", "120415").unwrap()
}

fn chip_of(test: &TestChip, quirks: Quirks) -> VirtualChip<SeededRng> {
    let info = mrz::bac::BacKeys::mrz_information("L898902C<", "740812", "120415").unwrap();
    let t = test.clone();
    VirtualChip::new(test.files_by_id(), &info, SeededRng::new("chip", 1))
        .with_aa(Box::new(move |challenge| {
            t.respond(challenge.try_into().unwrap())
        }))
        .with_quirks(quirks)
}

fn verify(csca: &Csca, read: &emrtd_reader::ChipRead) -> checks::Status {
    let mut trust = TrustStore::new();
    trust.add_certificate_der(&csca.cert_der).unwrap();
    let files = ChipFiles {
        sod: read.sod.clone(),
        data_groups: read.data_groups.clone(),
    };
    let report = verify_chip(
        &files,
        &trust,
        date(2026, 11, 23),
        None,
        &mrz::ParseOptions::new(mrz::Date::new(2026, 11, 23).unwrap()),
    );
    report.passive_authentication.unwrap().status
}

#[test]
fn bac_reads_every_file_and_passive_authentication_passes() {
    let (csca, test) = pki_and_chip(false);
    let mut chip = chip_of(&test, Quirks::default());
    let mut reader = Reader::new(&mut chip, key(), SeededRng::new("reader", 1));
    let mut progress = Vec::new();
    let read = reader
        .read_all(|file, len| progress.push((file.to_string(), len)))
        .unwrap();
    assert_eq!(reader.protocol(), Some(AccessProtocol::Bac));
    assert_eq!(read.data_groups.len(), 2);
    assert_eq!(read.data_groups[&emrtd::lds::DgNumber::DG2], test.files[&2]);
    assert_eq!(read.sod.as_ref().unwrap(), &test.sod);
    assert_eq!(
        progress.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
        ["EF.COM", "EF.SOD", "DG1", "DG2"]
    );
    assert_eq!(reader.stats().channels_opened, 1);
    // Not-performed revocation only: no CRL in this store.
    assert_eq!(verify(&csca, &read), Status::NotPerformed);
}

#[test]
fn a_chip_that_serves_only_160_byte_reads_is_read_in_small_blocks() {
    let (csca, test) = pki_and_chip(false);
    let mut chip = chip_of(
        &test,
        Quirks {
            max_read: Some(160),
            ..Quirks::default()
        },
    );
    let mut reader = Reader::new(&mut chip, key(), SeededRng::new("reader", 2));
    let read = reader.read_all(|_, _| {}).unwrap();
    assert_eq!(read.data_groups[&emrtd::lds::DgNumber::DG2], test.files[&2]);
    // The first large read failed; the channel was opened again once.
    assert_eq!(reader.stats().channels_opened, 2);
    assert_eq!(verify(&csca, &read), Status::NotPerformed);
}

#[test]
fn a_wrong_mrz_is_access_denied() {
    let (_, test) = pki_and_chip(false);
    let mut chip = chip_of(&test, Quirks::default());
    let wrong = AccessKey::from_mrz_fields("L898902C<", "740812", "120416").unwrap();
    let err = Reader::new(&mut chip, wrong, SeededRng::new("reader", 3))
        .read_all(|_, _| {})
        .unwrap_err();
    assert_eq!(err.code(), "access_denied", "{err}");
}

#[test]
fn a_tampered_mac_is_detected() {
    let (_, test) = pki_and_chip(false);
    let mut chip = chip_of(
        &test,
        Quirks {
            tamper_mac_after: Some(3),
            ..Quirks::default()
        },
    );
    let err = Reader::new(&mut chip, key(), SeededRng::new("reader", 4))
        .read_all(|_, _| {})
        .unwrap_err();
    assert_eq!(err.code(), "secure_messaging_invalid", "{err}");
}

#[test]
fn active_authentication_through_the_reader() {
    let (csca, test) = pki_and_chip(true);
    let mut chip = chip_of(&test, Quirks::default());
    let mut reader = Reader::new(&mut chip, key(), SeededRng::new("reader", 5));
    let read = reader.read_all(|_, _| {}).unwrap();
    let mut rng = SeededRng::new("verifier", 1);
    let challenge = emrtd::aa::Challenge::generate(&mut rng, "ver_1");
    let response = reader.active_authentication(challenge.bytes()).unwrap();
    let mut trust = TrustStore::new();
    trust.add_certificate_der(&csca.cert_der).unwrap();
    let files = ChipFiles {
        sod: read.sod.clone(),
        data_groups: read.data_groups.clone(),
    };
    let report = verify_chip(
        &files,
        &trust,
        date(2026, 11, 23),
        Some(AaExchange {
            challenge,
            response,
        }),
        &mrz::ParseOptions::new(mrz::Date::new(2026, 11, 23).unwrap()),
    );
    assert_eq!(
        report.active_authentication.status,
        Status::Pass,
        "{:?}",
        report.active_authentication
    );
    assert!(report.all_present_checks_pass());
}

#[test]
fn files_past_32k_are_read_with_odd_ins_read_binary() {
    let (csca, dsc) = emrtd_testkit::p256_pki();
    let big = dg2(&[Face {
        image: &vec![0x5A; 40_000],
        data_type: 0,
        width: 480,
        height: 640,
    }]);
    let test = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .data_group(2, big)
        .build();
    let mut chip = chip_of(&test, Quirks::default());
    let mut reader = Reader::new(&mut chip, key(), SeededRng::new("reader", 6));
    let read = reader.read_all(|_, _| {}).unwrap();
    assert_eq!(read.data_groups[&emrtd::lds::DgNumber::DG2], test.files[&2]);
    assert_eq!(verify(&csca, &read), Status::NotPerformed);
}
