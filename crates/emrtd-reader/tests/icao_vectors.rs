//! ICAO Doc 9303-11 Appendix G.1 (PACE, ECDH GM, brainpoolP256r1, AES-128), step by step, from
//! the data file `testdata/icao9303-11-appendix-g1.txt`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::collections::HashMap;

use emrtd::lds::PaceMapping;
use emrtd_reader::AccessKey;
use emrtd_reader::apdu::Command;
use emrtd_reader::crypto::{self, Cipher};
use emrtd_reader::ec::{Curve, x_coordinate};
use emrtd_reader::pace::{self, PaceParams};

fn vectors() -> HashMap<String, String> {
    include_str!("../testdata/icao9303-11-appendix-g1.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect()
}

fn h(v: &HashMap<String, String>, k: &str) -> Vec<u8> {
    hex::decode(&v[k]).unwrap_or_else(|_| panic!("{k}"))
}

#[test]
fn appendix_g1_pace_ecdh_generic_mapping() {
    let v = vectors();
    let key = AccessKey::from_mrz_fields(
        &v["mrz_document_number"],
        &v["mrz_birth_date"],
        &v["mrz_expiry_date"],
    )
    .unwrap();
    let cipher = Cipher::Aes128;
    let curve = Curve::BrainpoolP256r1;
    // K_π = KDF(SHA-1(MRZ_information), 3).
    assert_eq!(*pace::password_key(&key, cipher), h(&v, "k_pi"));
    // The chip's nonce.
    let s = crypto::decrypt(cipher, &h(&v, "k_pi"), &[0; 16], &h(&v, "z")).unwrap();
    assert_eq!(s, h(&v, "s"));
    assert_eq!(
        crypto::encrypt(cipher, &h(&v, "k_pi"), &[0; 16], &s).unwrap(),
        h(&v, "z")
    );
    // Mapping: both sides' keys and H, then G^ = s·G + H.
    assert_eq!(
        curve.mul(&h(&v, "sk_map_ifd"), &curve.generator()).unwrap(),
        h(&v, "pk_map_ifd")
    );
    assert_eq!(
        curve.mul(&h(&v, "sk_map_ic"), &curve.generator()).unwrap(),
        h(&v, "pk_map_ic")
    );
    let hh = curve
        .mul(&h(&v, "sk_map_ifd"), &h(&v, "pk_map_ic"))
        .unwrap();
    assert_eq!(hh, h(&v, "h"));
    assert_eq!(
        curve
            .mul(&h(&v, "sk_map_ic"), &h(&v, "pk_map_ifd"))
            .unwrap(),
        hh,
        "both sides reach the same H"
    );
    let g_hat = curve.map_generator(&s, &hh).unwrap();
    assert_eq!(g_hat, h(&v, "g_hat"));
    // Key agreement on G^.
    assert_eq!(
        curve.mul(&h(&v, "sk_dh_ifd"), &g_hat).unwrap(),
        h(&v, "pk_dh_ifd")
    );
    let shared = curve.mul(&h(&v, "sk_dh_ifd"), &h(&v, "pk_dh_ic")).unwrap();
    let k = x_coordinate(&shared).unwrap();
    assert_eq!(k, h(&v, "shared_secret"));
    assert_eq!(*crypto::kdf(k, crypto::KDF_ENC, cipher), h(&v, "ks_enc"));
    assert_eq!(*crypto::kdf(k, crypto::KDF_MAC, cipher), h(&v, "ks_mac"));
    // Authentication tokens.
    let params = PaceParams {
        protocol: der::asn1::ObjectIdentifier::new("0.4.0.127.0.7.2.2.4.2.2").unwrap(),
        mapping: PaceMapping::Generic,
        cipher,
        curve,
    };
    assert_eq!(
        pace::token(
            cipher,
            &h(&v, "ks_mac"),
            &params.protocol,
            &h(&v, "pk_dh_ic")
        )
        .unwrap()
        .to_vec(),
        h(&v, "t_ifd")
    );
    assert_eq!(
        pace::token(
            cipher,
            &h(&v, "ks_mac"),
            &params.protocol,
            &h(&v, "pk_dh_ifd")
        )
        .unwrap()
        .to_vec(),
        h(&v, "t_ic")
    );
    // The APDUs as the reader encodes them.
    let mse = Command::new(0x00, 0x22, 0xC1, 0xA4)
        .with_data(pace::mse_set_at_data(&params, &key).unwrap());
    assert_eq!(mse.encode().unwrap(), h(&v, "mse_set_at"));
    let map = Command::new(0x10, 0x86, 0, 0)
        .with_data(pace::dynamic(0x81, &h(&v, "pk_map_ifd")).unwrap())
        .with_le(256);
    assert_eq!(map.encode().unwrap(), h(&v, "ga_map_command"));
    let tok = Command::new(0x00, 0x86, 0, 0)
        .with_data(pace::dynamic(0x85, &h(&v, "t_ifd")).unwrap())
        .with_le(256);
    assert_eq!(tok.encode().unwrap(), h(&v, "ga_token_command"));
}
