//! Envelope encryption of evidence at rest (document images, chip files, selfies).
//!
//! Each verification gets its own random 256-bit data key ([`DataKey`]); every blob of that
//! verification is sealed with AES-256-GCM under it, with the verification id and the blob's name
//! as associated data, so a blob copied to another verification or renamed does not open. The
//! data key is stored only wrapped ([`WrappedKey`]) by a master key ([`MasterKey`], held outside
//! the database), again bound to the verification id. Erasing a verification's wrapped key makes
//! all of its blobs unreadable at once (crypto-shredding), wherever copies of them went.
//!
//! Formats are versioned and self-describing (`IDVB1`, `IDVK1`); master keys carry an id so that
//! a [`Keyring`] can hold old keys during rotation. No I/O: randomness is injected.
#![forbid(unsafe_code)]

use std::fmt;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use rand_core::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

const BLOB_MAGIC: &[u8; 5] = b"IDVB1";
const KEY_MAGIC: &[u8; 5] = b"IDVK1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_ID_LEN: usize = 8;

/// Why a blob or key could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not a blob or wrapped key of a format we know (or truncated).
    #[error("not an idverify envelope: {0}")]
    Malformed(&'static str),
    /// The data was altered, or belongs to another verification or name, or the key is wrong.
    #[error("authentication failed: the data was altered, moved, or the key is wrong")]
    AuthenticationFailed,
    /// Wrapped by a master key this keyring does not hold.
    #[error("unknown master key {0}")]
    UnknownMasterKey(String),
    /// A key of the wrong length.
    #[error("a key must be 32 bytes")]
    KeyLength,
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "envelope_malformed",
            Error::AuthenticationFailed => "envelope_authentication_failed",
            Error::UnknownMasterKey(_) => "envelope_unknown_master_key",
            Error::KeyLength => "envelope_key_length",
        }
    }
}

fn random_bytes<const N: usize, R: CryptoRng + ?Sized>(rng: &mut R) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

/// `label ‖ len(id) ‖ id ‖ len(name) ‖ name`: associated data that cannot be confused across
/// fields (length-prefixed).
fn aad(label: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut out = label.to_vec();
    for p in parts {
        out.extend_from_slice(&u32::try_from(p.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// The key that wraps data keys. Lives in the server's key file or an HSM, never in the database.
pub struct MasterKey {
    key: Zeroizing<[u8; 32]>,
    id: [u8; KEY_ID_LEN],
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey(id {}, [redacted])", self.id_hex())
    }
}

impl MasterKey {
    /// A master key from 32 bytes (e.g. read from the key file).
    pub fn from_bytes(bytes: &[u8]) -> Result<MasterKey, Error> {
        let key: [u8; 32] = bytes.try_into().map_err(|_| Error::KeyLength)?;
        Ok(MasterKey::from_array(Zeroizing::new(key)))
    }

    fn from_array(key: Zeroizing<[u8; 32]>) -> MasterKey {
        let digest = Sha256::new()
            .chain_update(b"idverify master key id v1")
            .chain_update(key.as_slice())
            .finalize();
        let mut id = [0u8; KEY_ID_LEN];
        for (d, s) in id.iter_mut().zip(digest.iter()) {
            *d = *s;
        }
        MasterKey { key, id }
    }

    /// A fresh master key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> MasterKey {
        MasterKey::from_array(Zeroizing::new(random_bytes::<32, R>(rng)))
    }

    /// The raw key, to write to the key file at `init`.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.key
    }

    /// The key's public identifier (a hash of it), hex.
    #[must_use]
    pub fn id_hex(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Wraps `data_key` for `verification`.
    pub fn wrap<R: CryptoRng + ?Sized>(
        &self,
        data_key: &DataKey,
        verification: &str,
        rng: &mut R,
    ) -> WrappedKey {
        let nonce = random_bytes::<NONCE_LEN, R>(rng);
        let ad = aad(
            b"idverify/data-key/v1",
            &[&self.id, verification.as_bytes()],
        );
        // AES-GCM encryption of 32 bytes cannot fail.
        let ciphertext = cipher(&self.key)
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: data_key.key.as_slice(),
                    aad: &ad,
                },
            )
            .unwrap_or_default();
        let mut bytes = Vec::with_capacity(5 + KEY_ID_LEN + NONCE_LEN + 32 + TAG_LEN);
        bytes.extend_from_slice(KEY_MAGIC);
        bytes.extend_from_slice(&self.id);
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&ciphertext);
        WrappedKey(bytes)
    }

    fn unwrap_key(&self, wrapped: &WrappedKey, verification: &str) -> Result<DataKey, Error> {
        let (id, nonce, ciphertext) = wrapped.parts()?;
        if !bool::from(id.ct_eq(&self.id)) {
            return Err(Error::UnknownMasterKey(hex(id)));
        }
        let ad = aad(
            b"idverify/data-key/v1",
            &[&self.id, verification.as_bytes()],
        );
        let plain = Zeroizing::new(
            cipher(&self.key)
                .decrypt(
                    &Nonce::try_from(nonce).map_err(|_| Error::Malformed("nonce"))?,
                    Payload {
                        msg: ciphertext,
                        aad: &ad,
                    },
                )
                .map_err(|_| Error::AuthenticationFailed)?,
        );
        let key: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| Error::Malformed("data key length"))?;
        Ok(DataKey {
            key: Zeroizing::new(key),
        })
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The master keys a server can unwrap with: the current one first (it wraps new keys), older
/// ones kept until every data key has been rewrapped.
#[derive(Debug)]
pub struct Keyring {
    current: MasterKey,
    retired: Vec<MasterKey>,
}

impl Keyring {
    /// A keyring whose current key is `current`.
    #[must_use]
    pub fn new(current: MasterKey) -> Keyring {
        Keyring {
            current,
            retired: Vec::new(),
        }
    }

    /// Adds an older key (for unwrapping only).
    pub fn add_retired(&mut self, key: MasterKey) {
        self.retired.push(key);
    }

    /// The key new data keys are wrapped with.
    #[must_use]
    pub fn current(&self) -> &MasterKey {
        &self.current
    }

    /// Unwraps with whichever key wrapped it.
    pub fn unwrap(&self, wrapped: &WrappedKey, verification: &str) -> Result<DataKey, Error> {
        let (id, _, _) = wrapped.parts()?;
        let key = std::iter::once(&self.current)
            .chain(&self.retired)
            .find(|k| bool::from(k.id.ct_eq(id)))
            .ok_or_else(|| Error::UnknownMasterKey(hex(id)))?;
        key.unwrap_key(wrapped, verification)
    }

    /// Key rotation: unwraps with any key of the ring and wraps again with the current key.
    pub fn rewrap<R: CryptoRng + ?Sized>(
        &self,
        wrapped: &WrappedKey,
        verification: &str,
        rng: &mut R,
    ) -> Result<WrappedKey, Error> {
        let dk = self.unwrap(wrapped, verification)?;
        Ok(self.current().wrap(&dk, verification, rng))
    }
}

type Parts<'a> = (&'a [u8], &'a [u8], &'a [u8]);

/// A data key, wrapped: what the database stores. `IDVK1 ‖ master key id (8) ‖ nonce (12) ‖
/// AES-256-GCM(data key) (48)`.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedKey(Vec<u8>);

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WrappedKey({} bytes)", self.0.len())
    }
}

impl WrappedKey {
    /// From stored bytes (checked when unwrapped).
    #[must_use]
    pub fn from_bytes(bytes: Vec<u8>) -> WrappedKey {
        WrappedKey(bytes)
    }

    /// The bytes to store.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// (master key id, nonce, ciphertext).
    fn parts(&self) -> Result<Parts<'_>, Error> {
        let rest = self
            .0
            .strip_prefix(KEY_MAGIC.as_slice())
            .ok_or(Error::Malformed("not a wrapped key"))?;
        if rest.len() != KEY_ID_LEN + NONCE_LEN + 32 + TAG_LEN {
            return Err(Error::Malformed("wrapped key length"));
        }
        let (id, rest) = rest.split_at(KEY_ID_LEN);
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        Ok((id, nonce, ct))
    }
}

/// One verification's data key.
pub struct DataKey {
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

impl DataKey {
    /// A fresh data key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> DataKey {
        DataKey {
            key: Zeroizing::new(random_bytes::<32, R>(rng)),
        }
    }

    /// Seals `plaintext` as blob `name` of `verification`: `IDVB1 ‖ nonce (12) ‖ ciphertext ‖ tag`.
    pub fn seal<R: CryptoRng + ?Sized>(
        &self,
        verification: &str,
        name: &str,
        plaintext: &[u8],
        rng: &mut R,
    ) -> Vec<u8> {
        let nonce = random_bytes::<NONCE_LEN, R>(rng);
        let ad = aad(
            b"idverify/blob/v1",
            &[verification.as_bytes(), name.as_bytes()],
        );
        let ciphertext = cipher(&self.key)
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &ad,
                },
            )
            .unwrap_or_default();
        let mut out = Vec::with_capacity(BLOB_MAGIC.len() + NONCE_LEN + ciphertext.len());
        out.extend_from_slice(BLOB_MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Opens blob `name` of `verification`.
    pub fn open(
        &self,
        verification: &str,
        name: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let rest = sealed
            .strip_prefix(BLOB_MAGIC.as_slice())
            .ok_or(Error::Malformed("not a sealed blob"))?;
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(Error::Malformed("sealed blob too short"));
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let ad = aad(
            b"idverify/blob/v1",
            &[verification.as_bytes(), name.as_bytes()],
        );
        cipher(&self.key)
            .decrypt(
                &Nonce::try_from(nonce).map_err(|_| Error::Malformed("nonce"))?,
                Payload {
                    msg: ciphertext,
                    aad: &ad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| Error::AuthenticationFailed)
    }
}
