//! Arbitrary bytes as EF.SOD, as Passive Authentication input, as a certificate, a CRL, a
//! master list and a DG15 key, and as an AA response: must never panic.
#![no_main]

use std::collections::BTreeMap;

use emrtd::pki::{Certificate, Crl, TrustStore};
use emrtd::sod::Sod;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Sod::parse(data);
    let _ = Certificate::from_der(data);
    let _ = Crl::from_der(data);
    let _ = emrtd::crypto::PublicKey::from_spki_der(data);
    let _ = emrtd::aa::dg15_public_key(data);
    if let Ok(at) = der::DateTime::new(2026, 1, 1, 0, 0, 0) {
        let mut store = TrustStore::new();
        let _ = store.add_file_bytes(data, at);
        let _ = emrtd::pa::passive_authentication(data, &BTreeMap::new(), &store, at);
    }
});
