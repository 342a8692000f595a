//! The two secrets of a backup: the key that seals archives and the key that signs indexes.
//! Both are kept apart from the nodes (the CLI reads them from the server's key files).

use std::fmt;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::Error;
use crate::crypto;

/// The key under which every archive of a backup is sealed (through a per-archive derived key).
/// Zeroized on drop; `Debug` prints `[redacted]` and the key's public id.
pub struct BackupKey {
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for BackupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BackupKey(id {}, [redacted])", self.id())
    }
}

impl BackupKey {
    /// A backup key from 32 bytes (e.g. read from its key file).
    pub fn from_bytes(bytes: &[u8]) -> Result<BackupKey, Error> {
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::KeyLength("backup key"))?;
        Ok(BackupKey {
            key: Zeroizing::new(key),
        })
    }

    /// A fresh random key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> BackupKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key.as_mut_slice());
        BackupKey { key }
    }

    /// The raw key, to write to its key file.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.key
    }

    /// A public identifier of the key (16 hex digits of a keyed hash), recorded in each index so
    /// that a restore with the wrong key fails up front with `backup_key_wrong`.
    #[must_use]
    pub fn id(&self) -> String {
        hex::encode(crypto::key_id(&self.key))
    }

    pub(crate) fn secret(&self) -> &[u8; 32] {
        &self.key
    }
}

/// The Ed25519 key that signs each run's index and journal. Zeroized on drop (by
/// `ed25519-dalek`); `Debug` prints `[redacted]` and the public key.
pub struct IndexSigningKey {
    key: SigningKey,
}

impl fmt::Debug for IndexSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IndexSigningKey(public {}, [redacted])",
            hex::encode(self.key.verifying_key().to_bytes())
        )
    }
}

impl IndexSigningKey {
    /// A signing key from its 32-byte seed.
    pub fn from_bytes(bytes: &[u8]) -> Result<IndexSigningKey, Error> {
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            bytes
                .try_into()
                .map_err(|_| Error::KeyLength("index signing key"))?,
        );
        Ok(IndexSigningKey {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A fresh random key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> IndexSigningKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut_slice());
        IndexSigningKey {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The 32-byte seed, to write to its key file.
    #[must_use]
    pub fn expose_secret(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.key.to_bytes())
    }

    /// The public half, which restore and verify need.
    #[must_use]
    pub fn verifying_key(&self) -> IndexVerifyingKey {
        IndexVerifyingKey {
            key: self.key.verifying_key(),
        }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// The public key that checks an index's signature. Not secret.
#[derive(Clone, PartialEq, Eq)]
pub struct IndexVerifyingKey {
    key: VerifyingKey,
}

impl fmt::Debug for IndexVerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndexVerifyingKey({})", hex::encode(self.key.to_bytes()))
    }
}

impl IndexVerifyingKey {
    /// A verifying key from its 32-byte encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<IndexVerifyingKey, Error> {
        let raw: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::KeyLength("index verifying key"))?;
        let key = VerifyingKey::from_bytes(&raw)
            .map_err(|_| Error::KeyLength("index verifying key (not a curve point)"))?;
        Ok(IndexVerifyingKey { key })
    }

    /// The 32-byte encoding.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Whether `signature` is a valid signature of `message` (strict: no malleable forms).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.key.verify_strict(message, &sig).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_secrets() {
        let k = BackupKey::from_bytes(&[0xab; 32]).unwrap();
        let s = IndexSigningKey::from_bytes(&[0xcd; 32]).unwrap();
        let dk = format!("{k:?}");
        let ds = format!("{s:?}");
        assert!(dk.contains("[redacted]") && !dk.contains("abab"));
        assert!(ds.contains("[redacted]") && !ds.contains("cdcd"));
        assert_eq!(
            BackupKey::from_bytes(&[1; 31]).unwrap_err().code(),
            "backup_key_length"
        );
    }

    #[test]
    fn signatures_round_trip_and_bind_the_message() {
        let s = IndexSigningKey::from_bytes(&[7; 32]).unwrap();
        let v = s.verifying_key();
        let sig = s.sign(b"index");
        assert!(v.verify(b"index", &sig));
        assert!(!v.verify(b"indey", &sig));
        let v2 = IndexVerifyingKey::from_bytes(&v.to_bytes()).unwrap();
        assert_eq!(v, v2);
        assert_eq!(
            IndexSigningKey::from_bytes(&s.expose_secret()[..])
                .unwrap()
                .verifying_key(),
            v
        );
    }
}
