//! A real CSCA Master List: the German one (BSI, 2024-04-10, 526 CSCA certificates from some
//! hundred issuers), fetched by `scripts/setup` (setup.d/20-testdata.sh) into target/testdata.
//! It exercises what synthetic fixtures cannot: real encodings, explicit curve parameters on
//! every EC CSCA, brainpoolP512r1, RSA-PSS, 6144-bit RSA, link certificates.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::collections::BTreeMap;

use emrtd::pki::TrustStore;

fn master_list() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/testdata/DE_ML_2024-04-10-10-54-13.ml"
    );
    std::fs::read(path)
        .unwrap_or_else(|e| panic!("{path}: {e} — run scripts/setup (or scripts/test) first"))
}

#[test]
fn the_german_master_list_imports_and_every_csca_verifies() {
    let at = der::DateTime::new(2024, 4, 15, 0, 0, 0).unwrap();
    let mut store = TrustStore::new();
    let import = store.add_master_list(&master_list(), at).unwrap();
    assert_eq!(
        (import.imported, import.duplicates, import.skipped),
        (526, 0, 0)
    );
    assert!(
        import.signer.subject.contains("CSCA Master List Signer"),
        "{}",
        import.signer.subject
    );

    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    for cert in store.anchors() {
        *keys
            .entry(cert.public_key().unwrap().description())
            .or_default() += 1;
    }
    assert_eq!(keys["EC brainpoolP512r1 (explicit parameters)"], 10);
    assert_eq!(keys["RSA-6144"], 8);
    assert_eq!(keys.values().sum::<usize>(), 526);

    // Every certificate whose issuer is in the list verifies against it: self-signed CSCAs by
    // their own key, link certificates by the previous key. Seven link certificates were issued
    // by keys the list no longer carries.
    let mut verified = 0;
    let mut orphan_links = 0;
    for cert in store.anchors().iter().filter(|c| c.subject() == c.issuer()) {
        let by_someone = store.anchors().iter().any(|issuer| {
            cert.may_be_issued_by(issuer)
                && issuer
                    .public_key()
                    .is_ok_and(|k| cert.verify_signed_by(k).is_ok())
        });
        if by_someone {
            verified += 1;
        } else {
            assert_ne!(
                cert.authority_key_id(),
                cert.subject_key_id(),
                "a self-signed CSCA failed: {}",
                cert.subject()
            );
            orphan_links += 1;
        }
    }
    assert_eq!((verified, orphan_links), (451, 7));
}

#[test]
fn a_master_list_with_one_flipped_bit_is_refused() {
    let mut ml = master_list();
    let at = der::DateTime::new(2024, 4, 15, 0, 0, 0).unwrap();
    let i = ml.len() / 2;
    ml[i] ^= 0x01;
    assert!(TrustStore::new().add_master_list(&ml, at).is_err());
}
