//! Sealing and opening evidence; wrapping, unwrapping and rotating data keys; every tampering,
//! moving or wrong key is an authentication failure; no panic on any stored bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use envelope::{DataKey, Keyring, MasterKey, WrappedKey};
use proptest::prelude::*;

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

#[test]
fn a_blob_opens_only_where_it_was_sealed() {
    let mut r = rng();
    let dk = DataKey::generate(&mut r);
    let sealed = dk.seal("ver_1", "document_front", b"JPEG bytes", &mut r);
    assert_eq!(
        dk.open("ver_1", "document_front", &sealed)
            .unwrap()
            .as_slice(),
        b"JPEG bytes"
    );
    // Moved to another verification or renamed: refused.
    assert_eq!(
        dk.open("ver_2", "document_front", &sealed)
            .unwrap_err()
            .code(),
        "envelope_authentication_failed"
    );
    assert_eq!(
        dk.open("ver_1", "selfie", &sealed).unwrap_err().code(),
        "envelope_authentication_failed"
    );
    // Another verification's key: refused.
    assert!(
        DataKey::generate(&mut r)
            .open("ver_1", "document_front", &sealed)
            .is_err()
    );
    // Every single-bit change anywhere: refused.
    for i in 0..sealed.len() {
        let mut t = sealed.clone();
        t[i] ^= 0x01;
        assert!(dk.open("ver_1", "document_front", &t).is_err(), "byte {i}");
    }
    // Nonces are fresh: sealing twice gives different bytes.
    assert_ne!(
        sealed,
        dk.seal("ver_1", "document_front", b"JPEG bytes", &mut r)
    );
}

#[test]
fn data_keys_wrap_under_the_master_key_and_rotate() {
    let mut r = rng();
    let old = MasterKey::generate(&mut r);
    let old_copy = MasterKey::from_bytes(old.expose_secret()).unwrap();
    let dk = DataKey::generate(&mut r);
    let sealed = dk.seal("ver_1", "sod", b"chip", &mut r);
    let wrapped = old.wrap(&dk, "ver_1", &mut r);
    assert_eq!(wrapped.as_bytes().len(), 5 + 8 + 12 + 48);

    let ring = Keyring::new(old_copy);
    let back = ring.unwrap(&wrapped, "ver_1").unwrap();
    assert_eq!(
        back.open("ver_1", "sod", &sealed).unwrap().as_slice(),
        b"chip"
    );
    // A wrapped key moved to another verification does not unwrap.
    assert_eq!(
        ring.unwrap(&wrapped, "ver_2").unwrap_err().code(),
        "envelope_authentication_failed"
    );

    // Rotation: a new current key, the old one retired; rewrapped keys no longer need the old one.
    let new = MasterKey::generate(&mut r);
    let new_id = new.id_hex();
    let mut rotating = Keyring::new(new);
    rotating.add_retired(MasterKey::from_bytes(old.expose_secret()).unwrap());
    let rewrapped = rotating.rewrap(&wrapped, "ver_1", &mut r).unwrap();
    let only_new = Keyring::new(MasterKey::from_bytes(rotating.current().expose_secret()).unwrap());
    assert_eq!(only_new.current().id_hex(), new_id);
    assert_eq!(
        only_new
            .unwrap(&rewrapped, "ver_1")
            .unwrap()
            .open("ver_1", "sod", &sealed)
            .unwrap()
            .as_slice(),
        b"chip"
    );
    assert_eq!(
        only_new.unwrap(&wrapped, "ver_1").unwrap_err().code(),
        "envelope_unknown_master_key"
    );
}

#[test]
fn secrets_never_print() {
    let mut r = rng();
    let mk = MasterKey::generate(&mut r);
    let text = format!("{mk:?} {:?}", DataKey::generate(&mut r));
    assert!(text.contains("[redacted]"));
    let secret_hex: String = mk
        .expose_secret()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!text.contains(&secret_hex[..16]));
    assert_eq!(
        MasterKey::from_bytes(&[0; 31]).unwrap_err().code(),
        "envelope_key_length"
    );
}

proptest! {
    #[test]
    fn stored_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let dk = DataKey::generate(&mut rng());
        let _ = dk.open("v", "n", &bytes);
        let mut with_magic = b"IDVB1".to_vec();
        with_magic.extend(&bytes);
        prop_assert!(dk.open("v", "n", &with_magic).is_err());
        let ring = Keyring::new(MasterKey::generate(&mut rng()));
        let _ = ring.unwrap(&WrappedKey::from_bytes(bytes.clone()), "v");
        let mut k = b"IDVK1".to_vec();
        k.extend(&bytes);
        prop_assert!(ring.unwrap(&WrappedKey::from_bytes(k), "v").is_err());
    }
}
