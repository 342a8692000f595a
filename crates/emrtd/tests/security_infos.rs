//! SecurityInfos (EF.CardAccess, DG14) and DG15 over the public API: the ICAO worked example,
//! every info type, unknown infos kept, malformed input as typed errors, no panic on any input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use emrtd::HashAlgorithm;
use emrtd::lds::{
    Cipher, Dg15, KeyAgreement, PaceMapping, SecurityInfo, SecurityInfos,
    StandardizedDomainParameters,
};
use emrtd_testkit::der_out::*;
use emrtd_testkit::{KeyKind, TestKey};
use proptest::prelude::*;

fn oid_of(s: &str) -> Vec<u8> {
    oid(&der::asn1::ObjectIdentifier::new(s).unwrap())
}

#[test]
fn icao_9303_11_appendix_g1_card_access() {
    let text = include_str!("../testdata/icao9303-11-g1-ef-cardaccess.hex");
    let bytes = hex::decode(text.split_whitespace().collect::<String>()).unwrap();
    let infos = SecurityInfos::parse_card_access(&bytes).unwrap();
    let pace: Vec<_> = infos.pace_infos().collect();
    assert_eq!(pace.len(), 1);
    let SecurityInfo::Pace {
        key_agreement,
        mapping,
        cipher,
        version,
        parameter_id,
        protocol,
    } = pace[0]
    else {
        panic!()
    };
    assert_eq!(protocol.to_string(), "0.4.0.127.0.7.2.2.4.2.2");
    assert_eq!(
        (*key_agreement, *mapping, *cipher, *version, *parameter_id),
        (
            KeyAgreement::Ecdh,
            PaceMapping::Generic,
            Cipher::Aes128,
            2,
            Some(13)
        )
    );
    let params = StandardizedDomainParameters::from_id(13).unwrap();
    assert_eq!(
        params.named_curve(),
        Some(emrtd::crypto::NamedCurve::BrainpoolP256r1)
    );
}

#[test]
fn dg14_with_every_info_type_in_any_order() {
    let ca_key = TestKey::generate(KeyKind::EcBrainpoolP256r1, 5);
    let infos = [
        // Unknown first: order is not DER's, and unknown OIDs are kept.
        seq(&[&oid_of("1.2.3.4.5"), &int(7)]),
        seq(&[&oid_of("0.4.0.127.0.7.2.2.3.2.4"), &int(1), &int(3)]), // CA ECDH AES-256, keyId 3
        seq(&[
            &oid_of("0.4.0.127.0.7.2.2.1.2"),
            &ca_key.spki_der(),
            &int(3),
        ]), // id-PK-ECDH
        seq(&[&oid_of("0.4.0.127.0.7.2.2.2"), &int(1)]),              // TA
        seq(&[
            &oid_of("2.23.136.1.1.5"),
            &int(1),
            &oid_of("0.4.0.127.0.7.1.1.4.1.4"),
        ]), // AA, ecdsa-plain-SHA384
        seq(&[&oid_of("0.4.0.127.0.7.2.2.4.6.2"), &int(2), &int(12)]), // PACE-CAM ECDH AES-128, P-256
        seq(&[
            &oid_of("0.4.0.127.0.7.2.2.4.2"),
            &seq(&[&oid_of("1.2.840.10045.2.1")]),
            &int(20),
        ]), // domain params
    ];
    let refs: Vec<&[u8]> = infos.iter().map(Vec::as_slice).collect();
    let dg14 = tlv(0x6E, &[&set(&refs)]);
    let parsed = SecurityInfos::parse_dg14(&dg14).unwrap();
    assert_eq!(parsed.infos.len(), 7);
    assert!(
        matches!(&parsed.infos[0], SecurityInfo::Unknown { protocol, .. } if protocol.to_string() == "1.2.3.4.5")
    );
    assert!(matches!(
        parsed.infos[1],
        SecurityInfo::ChipAuthentication {
            key_agreement: KeyAgreement::Ecdh,
            cipher: Some(Cipher::Aes256),
            version: 1,
            key_id: Some(3),
            ..
        }
    ));
    let SecurityInfo::ChipAuthenticationPublicKey {
        public_key,
        key_id: Some(3),
        ..
    } = &parsed.infos[2]
    else {
        panic!()
    };
    assert_eq!(public_key, &ca_key.spki_der());
    assert!(matches!(
        parsed.infos[3],
        SecurityInfo::TerminalAuthentication { version: 1 }
    ));
    assert_eq!(
        parsed.active_authentication_hash(),
        Some(HashAlgorithm::Sha384)
    );
    assert!(matches!(
        parsed.infos[5],
        SecurityInfo::Pace {
            mapping: PaceMapping::ChipAuthentication,
            parameter_id: Some(12),
            ..
        }
    ));
    assert!(matches!(
        parsed.infos[6],
        SecurityInfo::PaceDomainParameters {
            parameter_id: Some(20),
            ..
        }
    ));
    assert_eq!(parsed.chip_authentication_infos().count(), 1);
    assert_eq!(parsed.chip_authentication_public_keys().count(), 1);
    // Debug shows protocols, never key bytes.
    assert!(!format!("{parsed:?}").contains(&format!("{:?}", &ca_key.spki_der()[..8])));
    // JSON for reports.
    let json = serde_json::to_value(&parsed).unwrap();
    assert_eq!(json["infos"][5]["type"], "pace");
}

#[test]
fn malformed_security_infos_are_typed_errors() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (vec![0x6E, 0x02, 0x30, 0x00], "lds_invalid_element"), // SEQUENCE, not SET
        (vec![0x6E, 0x00], "lds_missing_element"),             // empty DG14
        (
            tlv(0x6E, &[&set(&[&seq(&[&int(1)])])]),
            "lds_invalid_element",
        ), // protocol not an OID
        (tlv(0x6E, &[&set(&[&seq(&[])])]), "lds_missing_element"), // empty SecurityInfo
        (
            tlv(
                0x6E,
                &[&set(&[&seq(&[&oid_of("0.4.0.127.0.7.2.2.4.2.2")])])],
            ),
            "lds_invalid_element",
        ), // PACEInfo, no version
        (
            tlv(
                0x6E,
                &[&set(&[&seq(&[
                    &oid_of("0.4.0.127.0.7.2.2.4.2.2"),
                    &octets(&[2]),
                ])])],
            ),
            "lds_invalid_element",
        ),
        (vec![0x6E, 0x05, 0x31, 0x03, 0x30], "tlv_truncated"),
        (vec![0x6F, 0x00], "tlv_unexpected_tag"),
    ];
    for (bytes, code) in cases {
        let err = SecurityInfos::parse_dg14(&bytes).unwrap_err();
        assert_eq!(err.code(), code, "{bytes:02x?}: {err}");
    }
    assert_eq!(
        SecurityInfos::parse_card_access(&[0x30, 0x00])
            .unwrap_err()
            .code(),
        "tlv_unexpected_tag"
    );
}

#[test]
fn dg15_rsa_and_ec_with_explicit_parameters() {
    let rsa = TestKey::generate(KeyKind::Rsa1024, 9);
    let dg15 = Dg15::parse(&tlv(0x6F, &[&rsa.spki_der()])).unwrap();
    assert_eq!(dg15.key.as_ref().unwrap().description(), "RSA-1024");
    let ec = TestKey::generate(KeyKind::EcBrainpoolP384r1, 9);
    let dg15 = Dg15::parse(&tlv(0x6F, &[&ec.spki_der_explicit()])).unwrap();
    assert_eq!(
        dg15.key.as_ref().unwrap().description(),
        "EC brainpoolP384r1 (explicit parameters)"
    );
    // An unknown curve is not a parse error: AA reports it as unsupported.
    let unknown_curve = seq(&[
        &seq(&[&oid_of("1.2.840.10045.2.1"), &oid_of("1.3.132.0.10")]),
        &bits(&[4, 1, 2]),
    ]);
    let dg15 = Dg15::parse(&tlv(0x6F, &[&unknown_curve])).unwrap();
    assert_eq!(dg15.key.unwrap_err().code(), "key_unsupported");
    assert_eq!(
        Dg15::parse(&[0x6F, 0x02, 0x04, 0x00]).unwrap_err().code(),
        "lds_invalid_element"
    );
    assert_eq!(
        Dg15::parse(&tlv(0x6F, &[&seq(&[&int(1)])]))
            .unwrap_err()
            .code(),
        "lds_invalid_element"
    );
}

proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = SecurityInfos::parse_card_access(&bytes);
        let _ = SecurityInfos::parse_dg14(&bytes);
        let _ = Dg15::parse(&bytes);
        let mut wrapped = vec![0x6E];
        tlv::encode_length(bytes.len(), &mut wrapped).unwrap();
        wrapped.extend(&bytes);
        if let Err(e) = SecurityInfos::parse_dg14(&wrapped) {
            prop_assert!(!e.code().is_empty());
        }
    }
}
