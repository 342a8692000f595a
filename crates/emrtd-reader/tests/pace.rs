//! PACE end to end against the virtual chip: Generic Mapping and Chip Authentication Mapping on
//! NIST P-256/P-384 and brainpoolP256r1/P384r1, AES-128/192/256, MRZ and CAN passwords; a wrong
//! CAN is access denied; a clone fails the CAM check; the fallback to BAC is visible and refusable.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use checks::Status;
use der::asn1::ObjectIdentifier;
use emrtd::chip::{ChipFiles, verify_chip};
use emrtd::lds::PaceMapping;
use emrtd::pki::TrustStore;
use emrtd_reader::crypto::Cipher;
use emrtd_reader::ec::Curve;
use emrtd_reader::pace::PaceParams;
use emrtd_reader::{AccessKey, AccessProtocol, PaceConfig, Reader, VirtualChip};
use emrtd_testkit::der_out::{bits, int, oid, seq, set, tlv};
use emrtd_testkit::{ChipBuilder, Csca, SeededRng, TestChip, date, dg1};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn protocol(mapping: PaceMapping, cipher: Cipher) -> ObjectIdentifier {
    let m = match mapping {
        PaceMapping::Generic => 2,
        PaceMapping::ChipAuthentication => 6,
        PaceMapping::Integrated => 4,
    };
    let c = match cipher {
        Cipher::TripleDes => 1,
        Cipher::Aes128 => 2,
        Cipher::Aes192 => 3,
        Cipher::Aes256 => 4,
    };
    ObjectIdentifier::new(&format!("0.4.0.127.0.7.2.2.4.{m}.{c}")).unwrap()
}

fn named_oid(curve: Curve) -> ObjectIdentifier {
    match curve {
        Curve::P256 => emrtd::oid::SECP256R1,
        Curve::P384 => emrtd::oid::SECP384R1,
        Curve::BrainpoolP256r1 => emrtd::oid::BRAINPOOL_P256R1,
        Curve::BrainpoolP384r1 => emrtd::oid::BRAINPOOL_P384R1,
    }
}

fn card_access(p: &PaceParams) -> Vec<u8> {
    set(&[&seq(&[
        &oid(&p.protocol),
        &int(2),
        &int(u64::from(p.curve.parameter_id())),
    ])])
}

struct Setup {
    csca: Csca,
    test: TestChip,
    chip_key: Vec<u8>,
}

/// A chip whose DG14 carries a Chip Authentication key on `curve` (`dg14_key` may differ from
/// the key the chip holds, to make a clone).
fn setup(curve: Curve, clone: bool) -> Setup {
    let (csca, dsc) = emrtd_testkit::p256_pki();
    let mut rng = SeededRng::new("ca-key", u64::from(curve.parameter_id()));
    let (sk, pk) = curve.keypair(&mut rng, &curve.generator()).unwrap();
    let (other_sk, _) = curve.keypair(&mut rng, &curve.generator()).unwrap();
    let spki = seq(&[
        &seq(&[&oid(&emrtd::oid::EC_PUBLIC_KEY), &oid(&named_oid(curve))]),
        &bits(&pk),
    ]);
    let dg14 = tlv(
        0x6E,
        &[&set(&[
            &seq(&[
                &oid(&ObjectIdentifier::new("0.4.0.127.0.7.2.2.1.2").unwrap()),
                &spki,
                &int(1),
            ]),
            &seq(&[
                &oid(&ObjectIdentifier::new("0.4.0.127.0.7.2.2.3.2.2").unwrap()),
                &int(1),
                &int(1),
            ]),
        ])],
    );
    let test = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .data_group(14, dg14)
        .build();
    let chip_key = if clone {
        other_sk.to_vec()
    } else {
        sk.to_vec()
    };
    Setup {
        csca,
        test,
        chip_key,
    }
}

fn mrz_key() -> AccessKey {
    AccessKey::from_mrz_fields("L898902C<", "740812", "120415").unwrap()
}

fn chip(s: &Setup, params: &PaceParams, bac: bool) -> VirtualChip<SeededRng> {
    let config = PaceConfig {
        params: params.clone(),
        mrz: Some(mrz_key()),
        can: Some(AccessKey::Can("123456".to_owned().into())),
        chip_key: Some(s.chip_key.clone().into()),
    };
    let info = mrz::bac::BacKeys::mrz_information("L898902C<", "740812", "120415").unwrap();
    VirtualChip::new(s.test.files_by_id(), &info, SeededRng::new("chip", 9))
        .with_master_file(0x011C, card_access(params))
        .with_pace(config, bac)
}

fn passive_ok(s: &Setup, read: &emrtd_reader::ChipRead) {
    let mut trust = TrustStore::new();
    trust.add_certificate_der(&s.csca.cert_der).unwrap();
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
    assert_eq!(
        report.passive_authentication.unwrap().status,
        Status::NotPerformed
    );
}

#[test]
fn pace_gm_and_cam_on_every_curve_and_cipher() {
    for curve in [
        Curve::P256,
        Curve::BrainpoolP256r1,
        Curve::P384,
        Curve::BrainpoolP384r1,
    ] {
        for (mapping, cipher) in [
            (PaceMapping::Generic, Cipher::Aes128),
            (PaceMapping::ChipAuthentication, Cipher::Aes128),
            (PaceMapping::Generic, Cipher::Aes192),
            (PaceMapping::ChipAuthentication, Cipher::Aes256),
        ] {
            let s = setup(curve, false);
            let params = PaceParams {
                protocol: protocol(mapping, cipher),
                mapping,
                cipher,
                curve,
            };
            let mut c = chip(&s, &params, false);
            let mut reader =
                Reader::new(&mut c, mrz_key(), SeededRng::new("reader", 1)).require_pace(true);
            let read = reader
                .read_all(|_, _| {})
                .unwrap_or_else(|e| panic!("{curve:?} {mapping:?} {cipher:?}: {e}"));
            assert_eq!(reader.protocol(), Some(AccessProtocol::Pace));
            let cam = reader
                .verify_chip_authentication_mapping(&read.data_groups[&emrtd::lds::DgNumber::DG14]);
            match mapping {
                PaceMapping::ChipAuthentication => cam.unwrap().unwrap(),
                _ => assert!(cam.is_none()),
            }
            passive_ok(&s, &read);
        }
    }
}

#[test]
fn the_can_opens_a_pace_chip_and_a_wrong_can_is_denied() {
    let s = setup(Curve::P256, false);
    let params = PaceParams {
        protocol: protocol(PaceMapping::Generic, Cipher::Aes128),
        mapping: PaceMapping::Generic,
        cipher: Cipher::Aes128,
        curve: Curve::P256,
    };
    let mut c = chip(&s, &params, false);
    let read = Reader::new(
        &mut c,
        AccessKey::Can("123456".to_owned().into()),
        SeededRng::new("reader", 2),
    )
    .read_all(|_, _| {})
    .unwrap();
    assert_eq!(read.data_groups.len(), 2);
    let mut c = chip(&s, &params, false);
    let err = Reader::new(
        &mut c,
        AccessKey::Can("654321".to_owned().into()),
        SeededRng::new("reader", 3),
    )
    .read_all(|_, _| {})
    .unwrap_err();
    assert_eq!(err.code(), "access_denied", "{err}");
    let mut c = chip(&s, &params, false);
    let wrong_mrz = AccessKey::from_mrz_fields("L898902C<", "740812", "120416").unwrap();
    let err = Reader::new(&mut c, wrong_mrz, SeededRng::new("reader", 4))
        .read_all(|_, _| {})
        .unwrap_err();
    assert_eq!(err.code(), "access_denied", "{err}");
}

#[test]
fn a_clone_fails_the_chip_authentication_mapping() {
    // The data (and DG14) are copied from a genuine chip; the clone does not have its key.
    let s = setup(Curve::BrainpoolP384r1, true);
    let params = PaceParams {
        protocol: protocol(PaceMapping::ChipAuthentication, Cipher::Aes256),
        mapping: PaceMapping::ChipAuthentication,
        cipher: Cipher::Aes256,
        curve: Curve::BrainpoolP384r1,
    };
    let mut c = chip(&s, &params, false);
    let mut reader = Reader::new(&mut c, mrz_key(), SeededRng::new("reader", 5));
    let read = reader.read_all(|_, _| {}).unwrap();
    let err = reader
        .verify_chip_authentication_mapping(&read.data_groups[&emrtd::lds::DgNumber::DG14])
        .unwrap()
        .unwrap_err();
    assert_eq!(err.code(), "access_denied");
}

#[test]
fn an_unsupported_pace_variant_falls_back_to_bac_visibly_or_is_refused() {
    let s = setup(Curve::P256, false);
    // The chip announces PACE with 3DES, which we do not implement, and supports BAC.
    let offered = PaceParams {
        protocol: protocol(PaceMapping::Generic, Cipher::TripleDes),
        mapping: PaceMapping::Generic,
        cipher: Cipher::TripleDes,
        curve: Curve::P256,
    };
    let mut c = chip(&s, &offered, true);
    let mut reader = Reader::new(&mut c, mrz_key(), SeededRng::new("reader", 6));
    let read = reader.read_all(|_, _| {}).unwrap();
    assert_eq!(reader.protocol(), Some(AccessProtocol::Bac));
    assert_eq!(reader.pace_fallback(), Some("protocol_unsupported"));
    assert_eq!(read.data_groups.len(), 2);
    let mut c = chip(&s, &offered, true);
    let err = Reader::new(&mut c, mrz_key(), SeededRng::new("reader", 7))
        .require_pace(true)
        .read_all(|_, _| {})
        .unwrap_err();
    assert_eq!(err.code(), "protocol_unsupported");
}

#[test]
fn chip_authentication_with_the_dg14_key_and_a_clone_that_fails_it() {
    for clone in [false, true] {
        let s = setup(Curve::BrainpoolP256r1, clone);
        let params = PaceParams {
            protocol: protocol(PaceMapping::Generic, Cipher::Aes128),
            mapping: PaceMapping::Generic,
            cipher: Cipher::Aes128,
            curve: Curve::P256,
        };
        let mut c = chip(&s, &params, true).with_chip_authentication(
            Curve::BrainpoolP256r1,
            s.chip_key.clone(),
            Cipher::Aes128,
        );
        let mut reader = Reader::new(&mut c, mrz_key(), SeededRng::new("reader", 8));
        let read = reader.read_all(|_, _| {}).unwrap();
        let dg14 = read.data_groups[&emrtd::lds::DgNumber::DG14].clone();
        match (clone, reader.chip_authentication(&dg14)) {
            (false, Ok(())) => {
                // Reading goes on under the Chip Authentication keys.
                assert_eq!(
                    reader.read_file(0x0101).unwrap(),
                    read.data_groups[&emrtd::lds::DgNumber::DG1]
                );
            }
            (true, Err(e)) => assert_eq!(e.code(), "access_denied"),
            (clone, other) => panic!("clone {clone}: {other:?}"),
        }
    }
}
