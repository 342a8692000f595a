//! No input makes the SOD, certificate, CRL, key, trust-store or Passive Authentication code
//! panic; malformed input comes back as a typed error with a stable code.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers"
)]

use std::collections::BTreeMap;

use emrtd::lds::DgNumber;
use emrtd::pki::{Certificate, Crl, TrustStore};
use emrtd::sod::Sod;
use proptest::prelude::*;

fn enc(tag: u32, value: &[u8]) -> Vec<u8> {
    tlv::encode(tlv::Tag::new(tag), value).unwrap()
}

fn at() -> der::DateTime {
    der::DateTime::new(2026, 11, 23, 0, 0, 0).unwrap()
}

/// A tiny DER-shaped generator: random trees of SEQUENCE/SET/[0]/OCTET STRING/INTEGER/OID so that
/// the parsers get past their first tag check.
fn der_tree() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|v| enc(0x04, &v)),
        proptest::collection::vec(any::<u8>(), 1..4).prop_map(|v| enc(0x02, &v)),
        Just(enc(0x06, &[0x67, 0x81, 0x08, 0x01, 0x01, 0x01])),
        Just(enc(
            0x06,
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02]
        )),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        (
            prop_oneof![Just(0x30u32), Just(0x31), Just(0xA0), Just(0x24)],
            proptest::collection::vec(inner, 0..6),
        )
            .prop_map(|(tag, kids)| enc(tag, &kids.concat()))
    })
}

proptest! {
    #[test]
    fn sod_and_pki_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Sod::parse(&bytes);
        let _ = Certificate::from_der(&bytes);
        let _ = Crl::from_der(&bytes);
        let _ = emrtd::crypto::PublicKey::from_spki_der(&bytes);
        let mut store = TrustStore::new();
        if let Err(e) = store.add_file_bytes(&bytes, at()) {
            prop_assert!(!e.code().is_empty());
        }
    }

    #[test]
    fn structured_garbage_never_panics(tree in der_tree()) {
        let sod = enc(0x77, &tree);
        if let Err(e) = Sod::parse(&sod) {
            prop_assert!(!e.code().is_empty());
        }
        let mut dgs = BTreeMap::new();
        dgs.insert(DgNumber::DG1, tree.clone());
        let report = emrtd::pa::passive_authentication(&sod, &dgs, &TrustStore::new(), at());
        prop_assert!(!report.status.is_pass());
        let _ = TrustStore::new().add_master_list(&tree, at());
    }

    #[test]
    fn aa_never_panics_and_never_passes_garbage(dg15 in proptest::collection::vec(any::<u8>(), 0..300),
                                                 response in proptest::collection::vec(any::<u8>(), 0..300)) {
        let challenge = emrtd::aa::Challenge::from_issued([1, 2, 3, 4, 5, 6, 7, 8], "t");
        let check = emrtd::aa::verify(Some(&dg15), Some(emrtd::HashAlgorithm::Sha256), challenge, Some(&response));
        prop_assert!(!check.status.is_pass());
    }
}
