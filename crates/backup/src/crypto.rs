//! Sealing one archive.
//!
//! Each archive gets its own AES-256 key, `HMAC-SHA-256(backup key, "idverify/backup/data-key/v1"
//! ‖ salt)` with a fresh random 256-bit salt (recorded in the index). A derived key seals exactly
//! one message, so the GCM nonce can be fixed (all zero) without any nonce-reuse bound on the
//! backup key: there is no counter to keep across runs and no 2^32-message limit of random
//! 96-bit nonces, and no wrapped key to store. The associated data binds the case id and the
//! format version, so a ciphertext moved to another case does not open.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

/// The AEAD tag's length.
pub(crate) const TAG_LEN: usize = 16;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length.
    let Ok(mut mac) = <HmacSha256 as hmac::KeyInit>::new_from_slice(key) else {
        return [0u8; 32];
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

fn len_prefixed(s: &[u8]) -> [u8; 4] {
    u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes()
}

/// The key's public id: 8 bytes of a keyed hash of a fixed label.
pub(crate) fn key_id(key: &[u8; 32]) -> [u8; 8] {
    let full = hmac(key, &[b"idverify/backup/key-id/v1"]);
    let mut id = [0u8; 8];
    for (d, s) in id.iter_mut().zip(full.iter()) {
        *d = *s;
    }
    id
}

fn data_key(key: &[u8; 32], salt: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    Zeroizing::new(hmac(key, &[b"idverify/backup/data-key/v1", salt]))
}

fn aad(case_id: &str) -> Vec<u8> {
    let mut out = b"idverify/backup/archive/v1".to_vec();
    out.extend_from_slice(&len_prefixed(case_id.as_bytes()));
    out.extend_from_slice(case_id.as_bytes());
    out
}

/// A keyed digest of the plaintext (so a resumed run can tell that a case is unchanged without
/// the index revealing a plain hash that would confirm a guessed archive).
pub(crate) fn archive_mac(key: &[u8; 32], case_id: &str, plaintext: &[u8]) -> [u8; 32] {
    let mac_key = Zeroizing::new(hmac(key, &[b"idverify/backup/archive-mac/v1"]));
    hmac(
        mac_key.as_slice(),
        &[
            &len_prefixed(case_id.as_bytes()),
            case_id.as_bytes(),
            plaintext,
        ],
    )
}

/// Seals `plaintext` of `case_id` under the key derived from `salt`.
pub(crate) fn seal(key: &[u8; 32], salt: &[u8; 32], case_id: &str, plaintext: &[u8]) -> Vec<u8> {
    let dk = data_key(key, salt);
    let cipher = Aes256Gcm::new((&*dk).into());
    // AES-GCM encryption fails only above 2^36 bytes, which the caller's size check rules out.
    cipher
        .encrypt(
            &Nonce::from([0u8; 12]),
            Payload {
                msg: plaintext,
                aad: &aad(case_id),
            },
        )
        .unwrap_or_default()
}

/// Opens a ciphertext sealed by [`seal`]; `None` if it does not authenticate.
pub(crate) fn open(
    key: &[u8; 32],
    salt: &[u8; 32],
    case_id: &str,
    ciphertext: &[u8],
) -> Option<Vec<u8>> {
    let dk = data_key(key, salt);
    let cipher = Aes256Gcm::new((&*dk).into());
    cipher
        .decrypt(
            &Nonce::from([0u8; 12]),
            Payload {
                msg: ciphertext,
                aad: &aad(case_id),
            },
        )
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let key = [3u8; 32];
        let salt = [9u8; 32];
        let ct = seal(&key, &salt, "case_1", b"hello");
        assert_eq!(ct.len(), 5 + TAG_LEN);
        assert_eq!(open(&key, &salt, "case_1", &ct).unwrap(), b"hello");
        assert!(open(&key, &salt, "case_2", &ct).is_none());
        assert!(open(&key, &[8u8; 32], "case_1", &ct).is_none());
        assert!(open(&[4u8; 32], &salt, "case_1", &ct).is_none());
        // Different salts give different ciphertexts of the same archive.
        assert_ne!(seal(&key, &[1u8; 32], "case_1", b"hello"), ct);
        assert_ne!(archive_mac(&key, "a", b"bc"), archive_mac(&key, "ab", b"c"));
    }
}
