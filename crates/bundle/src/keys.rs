//! The two kinds of key a bundle involves: the vendor's signing key (Ed25519 or RSA-4096
//! PSS/SHA-256) and the AES-256-GCM content key the models are sealed under.
//!
//! Keys travel as PEM (RFC 7468): private keys as PKCS#8 `PRIVATE KEY`, public keys as
//! SubjectPublicKeyInfo `PUBLIC KEY`, so `openssl genpkey -algorithm ed25519` (or
//! `-algorithm RSA -pkeyopt rsa_keygen_bits:4096`) makes a usable vendor key and
//! `openssl pkey -pubout` its public half.

use std::fmt;

use der::pem::LineEnding;
use ed25519_dalek::Signer as _;
use rand_core::CryptoRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::BundleError;

/// The minimum RSA modulus accepted for signing or verifying a bundle.
pub const MIN_RSA_BITS: usize = 4096;

/// RFC 8410 §7: `PrivateKeyInfo` of an Ed25519 key (version 0, no attributes, no public key),
/// everything before the 32-byte seed.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// RFC 8410 §4: `SubjectPublicKeyInfo` of an Ed25519 key, everything before the 32-byte key.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// How a bundle's manifest is signed. The algorithm is fixed by the configured vendor key, never
/// chosen by the bundle: a bundle whose header names another algorithm is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// Ed25519 (RFC 8032), verified strictly (no malleable signatures, no small-order keys).
    Ed25519,
    /// RSASSA-PSS (RFC 8017 §8.1) with SHA-256, MGF1-SHA-256 and a 32-byte salt; RSA ≥ 4096 bits.
    RsaPssSha256,
}

impl SignatureAlgorithm {
    /// The algorithm's byte in the bundle header.
    pub(crate) fn id(self) -> u8 {
        match self {
            SignatureAlgorithm::Ed25519 => 1,
            SignatureAlgorithm::RsaPssSha256 => 2,
        }
    }

    pub(crate) fn from_id(id: u8) -> Option<SignatureAlgorithm> {
        match id {
            1 => Some(SignatureAlgorithm::Ed25519),
            2 => Some(SignatureAlgorithm::RsaPssSha256),
            _ => None,
        }
    }

    /// A stable name: `ed25519` or `rsa-pss-sha256`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::RsaPssSha256 => "rsa-pss-sha256",
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

fn key_error(reason: impl Into<String>) -> BundleError {
    BundleError::Key {
        reason: reason.into(),
    }
}

fn pem_decode(text: &str, label: &str) -> Result<Zeroizing<Vec<u8>>, BundleError> {
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

fn pem_encode(label: &str, der: &[u8]) -> Result<String, BundleError> {
    der::pem::encode_string(label, LineEnding::LF, der)
        .map_err(|e| key_error(format!("cannot encode PEM: {e}")))
}

fn check_rsa_size(bits: usize) -> Result<(), BundleError> {
    if bits < MIN_RSA_BITS {
        return Err(key_error(format!(
            "an RSA vendor key must have at least {MIN_RSA_BITS} bits, this one has {bits}"
        )));
    }
    Ok(())
}

fn rsa_bits(key: &impl PublicKeyParts) -> usize {
    usize::try_from(key.n().bits()).unwrap_or(0)
}

fn sha256_fingerprint(spki_der: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(spki_der)))
}

enum SigningInner {
    Ed25519(ed25519_dalek::SigningKey),
    Rsa(rsa::RsaPrivateKey),
}

/// The vendor's private key that signs bundle manifests. Kept by the vendor only; zeroized on
/// drop (both underlying key types zeroize themselves); `Debug` prints the algorithm and the
/// public key's fingerprint, never the key.
pub struct VendorSigningKey {
    inner: SigningInner,
}

impl fmt::Debug for VendorSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VendorSigningKey({}, public {}, [redacted])",
            self.algorithm(),
            self.public_key().fingerprint()
        )
    }
}

impl VendorSigningKey {
    /// A fresh Ed25519 key.
    pub fn generate_ed25519<R: CryptoRng + ?Sized>(rng: &mut R) -> VendorSigningKey {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut_slice());
        VendorSigningKey {
            inner: SigningInner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)),
        }
    }

    /// A fresh RSA-4096 key (slow: seconds in a release build).
    pub fn generate_rsa4096<R: CryptoRng + ?Sized>(
        rng: &mut R,
    ) -> Result<VendorSigningKey, BundleError> {
        let key = rsa::RsaPrivateKey::new(rng, MIN_RSA_BITS)
            .map_err(|e| key_error(format!("RSA key generation failed: {e}")))?;
        Ok(VendorSigningKey {
            inner: SigningInner::Rsa(key),
        })
    }

    /// An Ed25519 key from its 32-byte seed.
    #[must_use]
    pub fn ed25519_from_seed(seed: &[u8; 32]) -> VendorSigningKey {
        VendorSigningKey {
            inner: SigningInner::Ed25519(ed25519_dalek::SigningKey::from_bytes(seed)),
        }
    }

    /// A key from a PKCS#8 `PRIVATE KEY` PEM block (Ed25519 per RFC 8410, or RSA ≥ 4096 bits).
    /// Encrypted PKCS#8 is not read: keep the vendor key on an offline machine or an HSM.
    pub fn from_pem(text: &str) -> Result<VendorSigningKey, BundleError> {
        let der = pem_decode(text, "PRIVATE KEY")?;
        if let Some(seed) = der.strip_prefix(&ED25519_PKCS8_PREFIX[..]) {
            let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
                seed.try_into()
                    .map_err(|_| key_error("an Ed25519 private key must be 32 bytes"))?,
            );
            return Ok(VendorSigningKey::ed25519_from_seed(&seed));
        }
        let key = rsa::RsaPrivateKey::from_pkcs8_der(&der)
            .map_err(|e| key_error(format!("not an Ed25519 or RSA PKCS#8 private key: {e}")))?;
        check_rsa_size(rsa_bits(&key))?;
        Ok(VendorSigningKey {
            inner: SigningInner::Rsa(key),
        })
    }

    /// The key as a PKCS#8 `PRIVATE KEY` PEM block (for the vendor's key file).
    pub fn to_pem(&self) -> Result<Zeroizing<String>, BundleError> {
        match &self.inner {
            SigningInner::Ed25519(k) => {
                let mut der = Zeroizing::new(ED25519_PKCS8_PREFIX.to_vec());
                der.extend_from_slice(k.as_bytes());
                Ok(Zeroizing::new(pem_encode("PRIVATE KEY", &der)?))
            }
            SigningInner::Rsa(k) => {
                let doc = k
                    .to_pkcs8_der()
                    .map_err(|e| key_error(format!("cannot encode the RSA key: {e}")))?;
                Ok(Zeroizing::new(pem_encode("PRIVATE KEY", doc.as_bytes())?))
            }
        }
    }

    /// The signature algorithm this key makes.
    #[must_use]
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match &self.inner {
            SigningInner::Ed25519(_) => SignatureAlgorithm::Ed25519,
            SigningInner::Rsa(_) => SignatureAlgorithm::RsaPssSha256,
        }
    }

    /// The public half, to configure on servers.
    #[must_use]
    pub fn public_key(&self) -> VendorPublicKey {
        match &self.inner {
            SigningInner::Ed25519(k) => VendorPublicKey {
                inner: PublicInner::Ed25519(k.verifying_key()),
            },
            SigningInner::Rsa(k) => VendorPublicKey {
                inner: PublicInner::Rsa(Box::new(k.to_public_key())),
            },
        }
    }

    pub(crate) fn sign<R: CryptoRng + ?Sized>(
        &self,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, BundleError> {
        match &self.inner {
            SigningInner::Ed25519(k) => Ok(k.sign(message).to_bytes().to_vec()),
            SigningInner::Rsa(k) => {
                check_rsa_size(rsa_bits(k))?;
                let digest = Sha256::digest(message);
                k.sign_with_rng(rng, rsa::Pss::<Sha256>::new(), &digest)
                    .map_err(|e| key_error(format!("RSA-PSS signing failed: {e}")))
            }
        }
    }
}

#[derive(Clone)]
enum PublicInner {
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(Box<rsa::RsaPublicKey>),
}

/// The vendor's public key, configured on every server (it verifies manifests).
#[derive(Clone)]
pub struct VendorPublicKey {
    inner: PublicInner,
}

impl fmt::Debug for VendorPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VendorPublicKey({}, {})",
            self.algorithm(),
            self.fingerprint()
        )
    }
}

impl PartialEq for VendorPublicKey {
    fn eq(&self, other: &VendorPublicKey) -> bool {
        self.spki_der() == other.spki_der()
    }
}

impl Eq for VendorPublicKey {}

impl VendorPublicKey {
    /// A key from a SubjectPublicKeyInfo `PUBLIC KEY` PEM block (Ed25519, or RSA ≥ 4096 bits).
    pub fn from_pem(text: &str) -> Result<VendorPublicKey, BundleError> {
        let der = pem_decode(text, "PUBLIC KEY")?;
        if let Some(raw) = der.strip_prefix(&ED25519_SPKI_PREFIX[..]) {
            let raw: [u8; 32] = raw
                .try_into()
                .map_err(|_| key_error("an Ed25519 public key must be 32 bytes"))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&raw)
                .map_err(|_| key_error("not a valid Ed25519 public key"))?;
            if key.is_weak() {
                return Err(key_error("a small-order Ed25519 public key is refused"));
            }
            return Ok(VendorPublicKey {
                inner: PublicInner::Ed25519(key),
            });
        }
        let key = rsa::RsaPublicKey::from_public_key_der(&der)
            .map_err(|e| key_error(format!("not an Ed25519 or RSA public key: {e}")))?;
        check_rsa_size(rsa_bits(&key))?;
        Ok(VendorPublicKey {
            inner: PublicInner::Rsa(Box::new(key)),
        })
    }

    fn spki_der(&self) -> Vec<u8> {
        match &self.inner {
            PublicInner::Ed25519(k) => {
                let mut der = ED25519_SPKI_PREFIX.to_vec();
                der.extend_from_slice(k.as_bytes());
                der
            }
            PublicInner::Rsa(k) => k
                .to_public_key_der()
                .map(|d| d.as_bytes().to_vec())
                .unwrap_or_default(),
        }
    }

    /// The key as a `PUBLIC KEY` PEM block.
    pub fn to_pem(&self) -> Result<String, BundleError> {
        pem_encode("PUBLIC KEY", &self.spki_der())
    }

    /// `sha256:` and the hex SHA-256 of the SubjectPublicKeyInfo DER (what
    /// `openssl pkey -pubin -outform DER | sha256sum` prints), to compare keys by eye.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        sha256_fingerprint(&self.spki_der())
    }

    /// The signature algorithm this key verifies.
    #[must_use]
    pub fn algorithm(&self) -> SignatureAlgorithm {
        match &self.inner {
            PublicInner::Ed25519(_) => SignatureAlgorithm::Ed25519,
            PublicInner::Rsa(_) => SignatureAlgorithm::RsaPssSha256,
        }
    }

    /// Whether `signature` is this key's signature over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.inner {
            PublicInner::Ed25519(k) => {
                let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
                    return false;
                };
                k.verify_strict(message, &sig).is_ok()
            }
            PublicInner::Rsa(k) => {
                let digest = Sha256::digest(message);
                k.verify(rsa::Pss::<Sha256>::new_with_salt(32), &digest, signature)
                    .is_ok()
            }
        }
    }
}

/// The AES-256-GCM key every model of a bundle is sealed under. Delivered to the customer
/// separately from the bundle (with the licence, or by the vendor's key-delivery channel) and
/// configured on the servers as a key file. Zeroized on drop; `Debug` prints only its id.
pub struct ContentKey {
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentKey(id {}, [redacted])", self.id_hex())
    }
}

impl ContentKey {
    /// A content key from 32 bytes (e.g. read from the key file).
    pub fn from_bytes(bytes: &[u8]) -> Result<ContentKey, BundleError> {
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| key_error("a content key must be 32 bytes"))?;
        Ok(ContentKey {
            key: Zeroizing::new(key),
        })
    }

    /// A content key from 64 hex digits (the key file's text form), surrounding whitespace ignored.
    pub fn from_hex(text: &str) -> Result<ContentKey, BundleError> {
        let bytes = Zeroizing::new(
            hex::decode(text.trim())
                .map_err(|_| key_error("a content key file holds 64 hex digits"))?,
        );
        ContentKey::from_bytes(&bytes)
    }

    /// A fresh content key.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> ContentKey {
        let mut key = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(key.as_mut_slice());
        ContentKey { key }
    }

    /// The raw key, to write the key file.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.key
    }

    /// The key's public identifier: the first 8 bytes of
    /// SHA-256(`idverify bundle content key id v1` ‖ key), hex. The manifest records it, so a
    /// wrong key is named as such instead of failing as a decryption error.
    #[must_use]
    pub fn id_hex(&self) -> String {
        let digest = Sha256::new()
            .chain_update(b"idverify bundle content key id v1")
            .chain_update(self.key.as_slice())
            .finalize();
        hex::encode(digest.get(..8).unwrap_or_default())
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_keys() {
        let k = ContentKey::from_bytes(&[7u8; 32]).unwrap();
        let d = format!("{k:?}");
        assert!(d.contains("[redacted]"));
        assert!(!d.contains("0707"));
        let s = VendorSigningKey::ed25519_from_seed(&[9u8; 32]);
        let d = format!("{s:?}");
        assert!(d.contains("[redacted]") && d.contains("ed25519"));
        assert!(!d.contains("0909"));
    }

    #[test]
    fn ed25519_pem_round_trips() {
        let s = VendorSigningKey::ed25519_from_seed(&[3u8; 32]);
        let pem = s.to_pem().unwrap();
        let back = VendorSigningKey::from_pem(&pem).unwrap();
        assert_eq!(back.public_key(), s.public_key());
        let p = VendorPublicKey::from_pem(&s.public_key().to_pem().unwrap()).unwrap();
        assert_eq!(p, s.public_key());
        assert!(
            p.verify(
                b"m",
                &s.sign(b"m", &mut rand_core::UnwrapErr(getrandom::SysRng))
                    .unwrap()
            )
        );
    }

    #[test]
    fn wrong_pem_labels_are_refused() {
        let s = VendorSigningKey::ed25519_from_seed(&[3u8; 32]);
        let public = s.public_key().to_pem().unwrap();
        assert_eq!(
            VendorSigningKey::from_pem(&public).unwrap_err().code(),
            "bundle_key"
        );
        assert_eq!(
            VendorPublicKey::from_pem(&s.to_pem().unwrap())
                .unwrap_err()
                .code(),
            "bundle_key"
        );
    }
}
