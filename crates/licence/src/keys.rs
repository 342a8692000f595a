//! The vendor's licence key: RSA of at least 4096 bits, RSASSA-PSS with SHA-256. Private keys
//! are PKCS#8 `PRIVATE KEY` PEM blocks, public keys SubjectPublicKeyInfo `PUBLIC KEY` blocks, so
//! `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096` makes one and
//! `openssl pkey -pubout` its public half. It is a separate key from the model-bundle key.

use std::fmt;

use der::pem::LineEnding;
use rand_core::CryptoRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::LicenceError;

/// The minimum RSA modulus accepted for issuing or verifying a licence.
pub const MIN_RSA_BITS: usize = 4096;
/// RFC 8017 §9.1: the salt length (the digest's length).
const SALT_LEN: usize = 32;

fn key_error(reason: impl Into<String>) -> LicenceError {
    LicenceError::Key {
        reason: reason.into(),
    }
}

fn rsa_bits(key: &impl PublicKeyParts) -> usize {
    usize::try_from(key.n().bits()).unwrap_or(0)
}

fn check_size(key: &impl PublicKeyParts) -> Result<(), LicenceError> {
    let bits = rsa_bits(key);
    if bits < MIN_RSA_BITS {
        return Err(key_error(format!(
            "a licence key must be RSA of at least {MIN_RSA_BITS} bits, this one has {bits}"
        )));
    }
    Ok(())
}

fn pem_decode(text: &str, label: &str) -> Result<Zeroizing<Vec<u8>>, LicenceError> {
    let (found, der) = der::pem::decode_vec(text.trim().as_bytes())
        .map_err(|e| key_error(format!("not a PEM block: {e}")))?;
    let der = Zeroizing::new(der);
    if found != label {
        return Err(key_error(format!(
            "expected a PEM `{label}` block, found `{found}`"
        )));
    }
    Ok(der)
}

/// The vendor's private licence key. Zeroized on drop (the RSA key zeroizes itself); `Debug`
/// prints the public key's fingerprint only.
pub struct LicenceSigningKey {
    key: rsa::RsaPrivateKey,
}

impl fmt::Debug for LicenceSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LicenceSigningKey(public {}, [redacted])",
            self.public_key().fingerprint()
        )
    }
}

impl LicenceSigningKey {
    /// A fresh RSA-4096 key (slow: seconds in a release build).
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Result<LicenceSigningKey, LicenceError> {
        let key = rsa::RsaPrivateKey::new(rng, MIN_RSA_BITS)
            .map_err(|e| key_error(format!("RSA key generation failed: {e}")))?;
        Ok(LicenceSigningKey { key })
    }

    /// A key from a PKCS#8 `PRIVATE KEY` PEM block (RSA ≥ 4096 bits; not encrypted).
    pub fn from_pem(text: &str) -> Result<LicenceSigningKey, LicenceError> {
        let der = pem_decode(text, "PRIVATE KEY")?;
        let key = rsa::RsaPrivateKey::from_pkcs8_der(&der)
            .map_err(|e| key_error(format!("not an RSA PKCS#8 private key: {e}")))?;
        check_size(&key)?;
        Ok(LicenceSigningKey { key })
    }

    /// The key as a PKCS#8 `PRIVATE KEY` PEM block.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, LicenceError> {
        let doc = self
            .key
            .to_pkcs8_der()
            .map_err(|e| key_error(format!("cannot encode the key: {e}")))?;
        der::pem::encode_string("PRIVATE KEY", LineEnding::LF, doc.as_bytes())
            .map(Zeroizing::new)
            .map_err(|e| key_error(format!("cannot encode PEM: {e}")))
    }

    /// The public half, configured on servers.
    #[must_use]
    pub fn public_key(&self) -> LicencePublicKey {
        LicencePublicKey {
            key: self.key.to_public_key(),
        }
    }

    pub(crate) fn sign<R: CryptoRng + ?Sized>(
        &self,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, LicenceError> {
        check_size(&self.key)?;
        let digest = Sha256::digest(message);
        self.key
            .sign_with_rng(rng, rsa::Pss::<Sha256>::new_with_salt(SALT_LEN), &digest)
            .map_err(|e| key_error(format!("RSA-PSS signing failed: {e}")))
    }
}

/// The vendor's public licence key, configured on (or compiled into) every server.
#[derive(Clone, PartialEq, Eq)]
pub struct LicencePublicKey {
    key: rsa::RsaPublicKey,
}

impl fmt::Debug for LicencePublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LicencePublicKey({})", self.fingerprint())
    }
}

impl LicencePublicKey {
    /// A key from a SubjectPublicKeyInfo `PUBLIC KEY` PEM block (RSA ≥ 4096 bits).
    pub fn from_pem(text: &str) -> Result<LicencePublicKey, LicenceError> {
        let der = pem_decode(text, "PUBLIC KEY")?;
        let key = rsa::RsaPublicKey::from_public_key_der(&der)
            .map_err(|e| key_error(format!("not an RSA public key: {e}")))?;
        check_size(&key)?;
        Ok(LicencePublicKey { key })
    }

    fn spki_der(&self) -> Vec<u8> {
        self.key
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// The key as a `PUBLIC KEY` PEM block.
    pub fn to_pem(&self) -> Result<String, LicenceError> {
        der::pem::encode_string("PUBLIC KEY", LineEnding::LF, &self.spki_der())
            .map_err(|e| key_error(format!("cannot encode PEM: {e}")))
    }

    /// `sha256:` and the hex SHA-256 of the SubjectPublicKeyInfo DER.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", hex_lower(&Sha256::digest(self.spki_der())))
    }

    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        if check_size(&self.key).is_err() {
            return false;
        }
        let digest = Sha256::digest(message);
        self.key
            .verify(
                rsa::Pss::<Sha256>::new_with_salt(SALT_LEN),
                &digest,
                signature,
            )
            .is_ok()
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
