//! Model bundles: the vendor's machine-learning models as one signed, encrypted file.
//!
//! `idverify models pack` turns a models directory into one bundle ([`pack`]); every server
//! checks it at start-up before loading anything ([`open`]) and `idverify models verify` checks
//! it offline ([`check`] without the content key, [`open`] with it).
//!
//! # Layout (format 1)
//!
//! One file, so that a bundle is copied, checksummed and swapped (write, fsync, rename) as one
//! thing: a server can never see a new manifest next to old model files, and there is nothing to
//! forget when copying it between machines.
//!
//! ```text
//! offset      size  field
//! 0           8     magic "IDVBUNDL"
//! 8           1     format version (1)
//! 9           1     signature algorithm: 1 = Ed25519, 2 = RSASSA-PSS/SHA-256 (salt 32), RSA ≥ 4096
//! 10          4     manifest length M, big-endian (≤ 1 MiB)
//! 14          M     manifest: UTF-8 JSON (see [`Manifest`]); the exact bytes are signed
//! 14+M        2     signature length S, big-endian
//! 16+M        S     signature over "idverify model bundle v1\n" ‖ bytes 0 .. 14+M
//! 16+M+S      …     the models' ciphertexts, in manifest order, each exactly `ciphertext_size`
//!                   bytes (AES-256-GCM output: ciphertext ‖ 16-byte tag); nothing after the last
//! ```
//!
//! Each model is sealed with AES-256-GCM under the bundle's [`ContentKey`], with a fresh random
//! 96-bit nonce (recorded in the manifest) and associated data
//! `"idverify/model/v1" ‖ u32 len ‖ name ‖ u32 len ‖ version`, so a model renamed or moved into
//! a manifest of another version does not decrypt.
//!
//! # Verification order
//!
//! [`open`] checks, in this order, and stops at the first failure with its own
//! [`BundleError`] naming the file: the frame ([`BundleError::Format`]); the signature
//! algorithm against the configured key ([`BundleError::SignatureAlgorithm`]); the manifest's
//! signature ([`BundleError::SignatureInvalid`]) — nothing of the manifest is believed before
//! this; the models the caller requires, by name and version ([`BundleError::FileMissing`],
//! [`BundleError::VersionMismatch`]); the presence and SHA-256 of every ciphertext
//! ([`BundleError::FileMissing`], [`BundleError::Truncated`], [`BundleError::HashMismatch`]);
//! the content key's id ([`BundleError::KeyMismatch`]); then each model is decrypted
//! ([`BundleError::DecryptFailed`]) and the SHA-256 of its plaintext checked
//! ([`BundleError::HashMismatch`]).
//!
//! # What it does not do
//!
//! No I/O: the caller reads the bundle and the keys, and writes the packed bytes. Plaintext is
//! only ever held in [`Zeroizing`] buffers handed to the caller; nothing here writes it anywhere.
//! Randomness (nonces, RSA-PSS salts) is injected.
#![forbid(unsafe_code)]

mod keys;

use std::collections::HashSet;
use std::fmt;

use aes_gcm::aead::{Aead, AeadInOut, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

pub use keys::{ContentKey, MIN_RSA_BITS, SignatureAlgorithm, VendorPublicKey, VendorSigningKey};

/// The first 8 bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"IDVBUNDL";
/// The bundle format this crate writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// The `product` every manifest names.
pub const PRODUCT: &str = "idverify";
/// The longest manifest accepted.
pub const MAX_MANIFEST_LEN: usize = 1 << 20;
/// The most models in one bundle.
pub const MAX_MODELS: usize = 256;

const SIGNING_CONTEXT: &[u8] = b"idverify model bundle v1\n";
const AAD_LABEL: &[u8] = b"idverify/model/v1";
const HEADER_LEN: usize = 14;
const NONCE_LEN: usize = 12;
const TAG_LEN: u64 = 16;

/// Which hash of a model did not match the signed manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashedPart {
    /// The encrypted file as stored in the bundle (checked before decryption).
    Ciphertext,
    /// The decrypted model.
    Plaintext,
}

impl fmt::Display for HashedPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HashedPart::Ciphertext => "encrypted file",
            HashedPart::Plaintext => "decrypted model",
        })
    }
}

/// Why a bundle was refused (or could not be made). Every variant that concerns one model names
/// it in `file`; [`BundleError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Not a bundle of a format this build reads: bad magic, unknown format version, a length
    /// that runs past the end, a manifest that does not parse, trailing bytes.
    #[error("model bundle: not a bundle this server can read: {reason}")]
    Format {
        /// What was wrong.
        reason: String,
    },
    /// The bundle is signed with another algorithm than the configured vendor key's.
    #[error(
        "model bundle: signed with {bundle}, but the configured vendor key is {key}: configure the vendor's {bundle} public key"
    )]
    SignatureAlgorithm {
        /// The algorithm the bundle's header names (or its byte, if unknown).
        bundle: String,
        /// The configured key's algorithm.
        key: SignatureAlgorithm,
    },
    /// The manifest's signature does not verify: the manifest or header was altered, or the
    /// bundle was not made with the vendor key.
    #[error(
        "model bundle: the manifest's signature does not verify under the vendor key {key}: the bundle was altered or was not made by the vendor"
    )]
    SignatureInvalid {
        /// The configured key's fingerprint.
        key: String,
    },
    /// A model the server needs is not in the bundle, or its encrypted file is absent.
    #[error("model bundle: `{file}` is missing from the bundle")]
    FileMissing {
        /// The model's name.
        file: String,
    },
    /// The bundle holds a model of another version than the server needs.
    #[error(
        "model bundle: `{file}` is version {found}, but this server needs version {expected}: install the bundle released with this version of idverify"
    )]
    VersionMismatch {
        /// The model's name.
        file: String,
        /// The version the server needs.
        expected: String,
        /// The version in the bundle.
        found: String,
    },
    /// A model's encrypted file is cut short (the bundle was not copied completely).
    #[error("model bundle: `{file}` is cut short: the bundle was not copied completely")]
    Truncated {
        /// The model's name.
        file: String,
    },
    /// A model's SHA-256 differs from the signed manifest.
    #[error(
        "model bundle: `{file}`: the SHA-256 of the {part} does not match the signed manifest: the bundle was altered or damaged"
    )]
    HashMismatch {
        /// The model's name.
        file: String,
        /// Which hash.
        part: HashedPart,
    },
    /// The configured content key is not the one the bundle was sealed under.
    #[error(
        "model bundle: sealed under content key {bundle}, but the configured content key is {configured}"
    )]
    KeyMismatch {
        /// The key id in the manifest.
        bundle: String,
        /// The configured key's id.
        configured: String,
    },
    /// A model does not decrypt (its authentication tag fails) although its hash matched.
    #[error("model bundle: `{file}` does not decrypt under the content key")]
    DecryptFailed {
        /// The model's name.
        file: String,
    },
    /// A model given to [`pack`] cannot be packed (bad name or version, duplicate, too many).
    #[error("model bundle: cannot pack `{file}`: {reason}")]
    InvalidModel {
        /// The model's name.
        file: String,
        /// What was wrong.
        reason: String,
    },
    /// A key could not be read or used.
    #[error("model bundle key: {reason}")]
    Key {
        /// What was wrong.
        reason: String,
    },
}

impl BundleError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Format { .. } => "bundle_format",
            BundleError::SignatureAlgorithm { .. } => "bundle_signature_algorithm",
            BundleError::SignatureInvalid { .. } => "bundle_signature_invalid",
            BundleError::FileMissing { .. } => "bundle_file_missing",
            BundleError::VersionMismatch { .. } => "bundle_version_mismatch",
            BundleError::Truncated { .. } => "bundle_truncated",
            BundleError::HashMismatch { .. } => "bundle_hash_mismatch",
            BundleError::KeyMismatch { .. } => "bundle_key_mismatch",
            BundleError::DecryptFailed { .. } => "bundle_decrypt_failed",
            BundleError::InvalidModel { .. } => "bundle_invalid_model",
            BundleError::Key { .. } => "bundle_key",
        }
    }

    /// The model the error is about, if it is about one.
    #[must_use]
    pub fn file(&self) -> Option<&str> {
        match self {
            BundleError::FileMissing { file }
            | BundleError::VersionMismatch { file, .. }
            | BundleError::Truncated { file }
            | BundleError::HashMismatch { file, .. }
            | BundleError::DecryptFailed { file }
            | BundleError::InvalidModel { file, .. } => Some(file),
            _ => None,
        }
    }
}

fn format_error(reason: impl Into<String>) -> BundleError {
    BundleError::Format {
        reason: reason.into(),
    }
}

/// The signed list of a bundle's contents.
///
/// Serialised as JSON in this field order; the signature covers the exact bytes, so no
/// canonical form is needed. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The bundle format version (1).
    pub format: u32,
    /// Always `idverify`.
    pub product: String,
    /// The idverify release the bundle was made for.
    pub product_version: String,
    /// When the bundle was made, as the packer was told (RFC 3339 by convention).
    pub created_at: String,
    /// The id of the content key the models are sealed under ([`ContentKey::id_hex`]).
    pub content_key_id: String,
    /// The models, in the order their ciphertexts follow.
    pub models: Vec<ModelEntry>,
}

/// One model in a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// The model's file name (`[A-Za-z0-9][A-Za-z0-9._-]*`, at most 128 characters, no `..`).
    pub name: String,
    /// The model's version.
    pub version: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext, lowercase hex.
    pub sha256: String,
    /// Ciphertext size in bytes (`size` + 16).
    pub ciphertext_size: u64,
    /// SHA-256 of the ciphertext (with its tag), lowercase hex.
    pub ciphertext_sha256: String,
    /// The AES-GCM nonce, 24 lowercase hex digits.
    pub nonce: String,
}

/// A model to [`pack`].
#[derive(Clone, Copy)]
pub struct ModelFile<'a> {
    /// The model's file name.
    pub name: &'a str,
    /// Its version.
    pub version: &'a str,
    /// Its contents.
    pub bytes: &'a [u8],
}

impl fmt::Debug for ModelFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ModelFile({} {}, {} bytes)",
            self.name,
            self.version,
            self.bytes.len()
        )
    }
}

/// What a bundle says about itself besides its models.
#[derive(Debug, Clone, Copy)]
pub struct PackOptions<'a> {
    /// The idverify release the bundle is for.
    pub product_version: &'a str,
    /// The creation time to record (the caller's clock; RFC 3339 by convention).
    pub created_at: &'a str,
}

/// A model decrypted and checked, held only in memory.
pub struct VerifiedModel {
    name: String,
    version: String,
    bytes: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for VerifiedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "VerifiedModel({} {}, {} bytes)",
            self.name,
            self.version,
            self.bytes.len()
        )
    }
}

impl VerifiedModel {
    /// The model's file name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The model's version.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The decrypted model.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The decrypted model, to hand to the runtime (zeroized when dropped).
    #[must_use]
    pub fn into_bytes(self) -> Zeroizing<Vec<u8>> {
        self.bytes
    }
}

/// A bundle whose signature, hashes and every model checked out.
pub struct VerifiedBundle {
    manifest: Manifest,
    models: Vec<VerifiedModel>,
}

impl fmt::Debug for VerifiedBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedBundle")
            .field("product_version", &self.manifest.product_version)
            .field("models", &self.models)
            .finish()
    }
}

impl VerifiedBundle {
    /// The signed manifest.
    #[must_use]
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The models, in manifest order.
    #[must_use]
    pub fn models(&self) -> &[VerifiedModel] {
        &self.models
    }

    /// The model called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&VerifiedModel> {
        self.models.iter().find(|m| m.name == name)
    }

    /// The models, to move into the runtime.
    #[must_use]
    pub fn into_models(self) -> Vec<VerifiedModel> {
        self.models
    }
}

fn valid_name(name: &str) -> Result<(), &'static str> {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if name.is_empty() || name.len() > 128 {
        Err("a name has 1 to 128 characters")
    } else if !ok_chars
        || !name
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphanumeric)
    {
        Err("a name is letters, digits, `.`, `_` and `-`, starting with a letter or digit")
    } else if name.contains("..") {
        Err("a name may not contain `..`")
    } else {
        Ok(())
    }
}

fn valid_version(version: &str) -> Result<(), &'static str> {
    let ok_chars = version
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+'));
    if version.is_empty() || version.len() > 64 {
        Err("a version has 1 to 64 characters")
    } else if !ok_chars {
        Err("a version is letters, digits, `.`, `_`, `-` and `+`")
    } else {
        Ok(())
    }
}

fn valid_text(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_graphic())
}

/// `label ‖ u32 len(name) ‖ name ‖ u32 len(version) ‖ version`.
fn aad(name: &str, version: &str) -> Vec<u8> {
    let mut out = AAD_LABEL.to_vec();
    for part in [name.as_bytes(), version.as_bytes()] {
        out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

fn cipher(key: &ContentKey) -> Aes256Gcm {
    Aes256Gcm::new(key.bytes().into())
}

fn signed_message(header_and_manifest: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNING_CONTEXT.len() + header_and_manifest.len());
    m.extend_from_slice(SIGNING_CONTEXT);
    m.extend_from_slice(header_and_manifest);
    m
}

/// Builds a bundle from `models`: each sealed under `content_key` with a fresh nonce from
/// `rng`, listed in a manifest signed by `signer`. Returns the bundle's bytes (the caller writes
/// them). Models keep the given order.
pub fn pack<R: CryptoRng + ?Sized>(
    models: &[ModelFile<'_>],
    options: &PackOptions<'_>,
    content_key: &ContentKey,
    signer: &VendorSigningKey,
    rng: &mut R,
) -> Result<Vec<u8>, BundleError> {
    if models.len() > MAX_MODELS {
        return Err(BundleError::InvalidModel {
            file: String::new(),
            reason: format!("a bundle holds at most {MAX_MODELS} models"),
        });
    }
    valid_version(options.product_version).map_err(|r| BundleError::InvalidModel {
        file: String::new(),
        reason: format!("product version: {r}"),
    })?;
    if !valid_text(options.created_at) {
        return Err(BundleError::InvalidModel {
            file: String::new(),
            reason: "created_at is 1 to 64 printable ASCII characters".into(),
        });
    }
    let mut seen = HashSet::new();
    let cipher = cipher(content_key);
    let mut entries = Vec::with_capacity(models.len());
    let mut ciphertexts = Vec::with_capacity(models.len());
    for m in models {
        let invalid = |reason: &str| BundleError::InvalidModel {
            file: m.name.to_owned(),
            reason: reason.to_owned(),
        };
        valid_name(m.name).map_err(invalid)?;
        valid_version(m.version).map_err(invalid)?;
        if !seen.insert(m.name) {
            return Err(invalid("listed twice"));
        }
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let aad = aad(m.name, m.version);
        let ciphertext = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: m.bytes,
                    aad: &aad,
                },
            )
            .map_err(|_| invalid("too large to encrypt"))?;
        let size = u64::try_from(m.bytes.len()).map_err(|_| invalid("too large"))?;
        let ciphertext_size = u64::try_from(ciphertext.len()).map_err(|_| invalid("too large"))?;
        entries.push(ModelEntry {
            name: m.name.to_owned(),
            version: m.version.to_owned(),
            size,
            sha256: hex::encode(Sha256::digest(m.bytes)),
            ciphertext_size,
            ciphertext_sha256: hex::encode(Sha256::digest(&ciphertext)),
            nonce: hex::encode(nonce),
        });
        ciphertexts.push(ciphertext);
    }
    let manifest = Manifest {
        format: u32::from(FORMAT_VERSION),
        product: PRODUCT.to_owned(),
        product_version: options.product_version.to_owned(),
        created_at: options.created_at.to_owned(),
        content_key_id: content_key.id_hex(),
        models: entries,
    };
    let manifest_bytes =
        serde_json::to_vec(&manifest).map_err(|e| format_error(format!("manifest: {e}")))?;
    if manifest_bytes.len() > MAX_MANIFEST_LEN {
        return Err(format_error("the manifest is longer than 1 MiB"));
    }
    let manifest_len = u32::try_from(manifest_bytes.len())
        .map_err(|_| format_error("the manifest is longer than 1 MiB"))?;

    let payload_len: usize = ciphertexts.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(HEADER_LEN + manifest_bytes.len() + 2 + 1024 + payload_len);
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    out.push(signer.algorithm().id());
    out.extend_from_slice(&manifest_len.to_be_bytes());
    out.extend_from_slice(&manifest_bytes);
    let signature = signer.sign(&signed_message(&out), rng)?;
    let signature_len = u16::try_from(signature.len())
        .map_err(|_| format_error("the signature is longer than 65535 bytes"))?;
    out.extend_from_slice(&signature_len.to_be_bytes());
    out.extend_from_slice(&signature);
    for c in &ciphertexts {
        out.extend_from_slice(c);
    }
    Ok(out)
}

/// The bundle split into its parts, nothing checked but the frame.
struct Frame<'a> {
    algorithm: u8,
    signed: &'a [u8],
    manifest: &'a [u8],
    signature: &'a [u8],
    payload: &'a [u8],
}

fn take<'a>(bytes: &'a [u8], at: usize, len: usize, what: &str) -> Result<&'a [u8], BundleError> {
    at.checked_add(len)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| format_error(format!("cut short in the {what}")))
}

fn parse_frame(bytes: &[u8]) -> Result<Frame<'_>, BundleError> {
    let header = take(bytes, 0, HEADER_LEN, "header")?;
    if header.get(..8) != Some(&MAGIC[..]) {
        return Err(format_error(
            "no `IDVBUNDL` magic: not an idverify model bundle",
        ));
    }
    let (version, algorithm) = match header.get(8..10) {
        Some(&[v, a]) => (v, a),
        _ => return Err(format_error("cut short in the header")),
    };
    if version != FORMAT_VERSION {
        return Err(format_error(format!(
            "bundle format {version}; this build reads format {FORMAT_VERSION}"
        )));
    }
    let manifest_len = header
        .get(10..14)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_be_bytes)
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| format_error("cut short in the header"))?;
    if manifest_len > MAX_MANIFEST_LEN {
        return Err(format_error("the manifest is longer than 1 MiB"));
    }
    let manifest = take(bytes, HEADER_LEN, manifest_len, "manifest")?;
    let signed_len = HEADER_LEN + manifest_len;
    let signed = take(bytes, 0, signed_len, "manifest")?;
    let sig_len_bytes = take(bytes, signed_len, 2, "signature length")?;
    let signature_len = usize::from(u16::from_be_bytes(
        <[u8; 2]>::try_from(sig_len_bytes).map_err(|_| format_error("signature length"))?,
    ));
    let signature = take(bytes, signed_len + 2, signature_len, "signature")?;
    let payload = bytes
        .get(signed_len + 2 + signature_len..)
        .unwrap_or_default();
    Ok(Frame {
        algorithm,
        signed,
        manifest,
        signature,
        payload,
    })
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks a manifest's own consistency (it is signed, but a vendor tool bug must not become a
/// panic or an out-of-range read here).
fn validate_manifest(m: &Manifest) -> Result<(), BundleError> {
    if m.format != u32::from(FORMAT_VERSION) {
        return Err(format_error(format!(
            "manifest format {}; this build reads format {FORMAT_VERSION}",
            m.format
        )));
    }
    if m.product != PRODUCT {
        return Err(format_error(format!(
            "a bundle for `{}`, not idverify",
            m.product
        )));
    }
    if m.models.len() > MAX_MODELS {
        return Err(format_error(format!("more than {MAX_MODELS} models")));
    }
    if !is_lower_hex(&m.content_key_id, 16) {
        return Err(format_error("content_key_id is not 16 hex digits"));
    }
    let mut seen = HashSet::new();
    for e in &m.models {
        let bad = |what: &str| format_error(format!("manifest entry `{}`: {what}", e.name));
        valid_name(&e.name).map_err(bad)?;
        valid_version(&e.version).map_err(bad)?;
        if !seen.insert(e.name.as_str()) {
            return Err(bad("listed twice"));
        }
        if !is_lower_hex(&e.sha256, 64) || !is_lower_hex(&e.ciphertext_sha256, 64) {
            return Err(bad("a SHA-256 is not 64 hex digits"));
        }
        if !is_lower_hex(&e.nonce, 2 * NONCE_LEN) {
            return Err(bad("the nonce is not 24 hex digits"));
        }
        if e.size.checked_add(TAG_LEN) != Some(e.ciphertext_size) {
            return Err(bad("ciphertext_size is not size + 16"));
        }
    }
    Ok(())
}

/// Verifies the frame, the algorithm and the signature, and returns the (now trusted) manifest
/// and the payload.
fn verify_manifest<'a>(
    bytes: &'a [u8],
    vendor: &VendorPublicKey,
) -> Result<(Manifest, &'a [u8]), BundleError> {
    let frame = parse_frame(bytes)?;
    let key_alg = vendor.algorithm();
    if frame.algorithm != key_alg.id() {
        return Err(BundleError::SignatureAlgorithm {
            bundle: SignatureAlgorithm::from_id(frame.algorithm).map_or_else(
                || format!("unknown algorithm {}", frame.algorithm),
                |a| a.to_string(),
            ),
            key: key_alg,
        });
    }
    if !vendor.verify(&signed_message(frame.signed), frame.signature) {
        return Err(BundleError::SignatureInvalid {
            key: vendor.fingerprint(),
        });
    }
    let manifest: Manifest = serde_json::from_slice(frame.manifest)
        .map_err(|e| format_error(format!("manifest: {e}")))?;
    validate_manifest(&manifest)?;
    Ok((manifest, frame.payload))
}

fn check_required(manifest: &Manifest, required: &[(&str, &str)]) -> Result<(), BundleError> {
    for (name, version) in required {
        let Some(entry) = manifest.models.iter().find(|e| e.name == *name) else {
            return Err(BundleError::FileMissing {
                file: (*name).to_owned(),
            });
        };
        if entry.version != *version {
            return Err(BundleError::VersionMismatch {
                file: entry.name.clone(),
                expected: (*version).to_owned(),
                found: entry.version.clone(),
            });
        }
    }
    Ok(())
}

/// Splits the payload along the manifest and checks every ciphertext's SHA-256.
fn check_ciphertexts<'a>(
    manifest: &Manifest,
    payload: &'a [u8],
) -> Result<Vec<&'a [u8]>, BundleError> {
    let mut at = 0usize;
    let mut slices = Vec::with_capacity(manifest.models.len());
    for e in &manifest.models {
        let len = usize::try_from(e.ciphertext_size).map_err(|_| BundleError::Truncated {
            file: e.name.clone(),
        })?;
        if at >= payload.len() {
            return Err(BundleError::FileMissing {
                file: e.name.clone(),
            });
        }
        let slice = at
            .checked_add(len)
            .and_then(|end| payload.get(at..end))
            .ok_or_else(|| BundleError::Truncated {
                file: e.name.clone(),
            })?;
        at += len;
        slices.push(slice);
    }
    if at != payload.len() {
        return Err(format_error(format!(
            "{} bytes after the last model",
            payload.len() - at
        )));
    }
    for (e, slice) in manifest.models.iter().zip(&slices) {
        if hex::encode(Sha256::digest(slice)) != e.ciphertext_sha256 {
            return Err(BundleError::HashMismatch {
                file: e.name.clone(),
                part: HashedPart::Ciphertext,
            });
        }
    }
    Ok(slices)
}

/// Checks a bundle without its content key: the frame, the signature under `vendor`, that every
/// model in `required` (name, version) is present at that version, and the SHA-256 of every
/// encrypted file. Returns the signed manifest. This is what `idverify models verify` does when
/// it is not given the content key; [`open`] does it too, first.
pub fn check(
    bundle: &[u8],
    vendor: &VendorPublicKey,
    required: &[(&str, &str)],
) -> Result<Manifest, BundleError> {
    let (manifest, payload) = verify_manifest(bundle, vendor)?;
    check_required(&manifest, required)?;
    check_ciphertexts(&manifest, payload)?;
    Ok(manifest)
}

/// Verifies a bundle completely and decrypts every model into memory: [`check`], then the
/// content key's id, then each model's decryption and plaintext SHA-256. The order is
/// documented in the crate docs; the first failure is returned.
pub fn open(
    bundle: &[u8],
    vendor: &VendorPublicKey,
    content_key: &ContentKey,
    required: &[(&str, &str)],
) -> Result<VerifiedBundle, BundleError> {
    let (manifest, payload) = verify_manifest(bundle, vendor)?;
    check_required(&manifest, required)?;
    let slices = check_ciphertexts(&manifest, payload)?;
    let configured = content_key.id_hex();
    if manifest.content_key_id != configured {
        return Err(BundleError::KeyMismatch {
            bundle: manifest.content_key_id.clone(),
            configured,
        });
    }
    let cipher = cipher(content_key);
    let mut models = Vec::with_capacity(slices.len());
    for (e, slice) in manifest.models.iter().zip(slices) {
        let failed = || BundleError::DecryptFailed {
            file: e.name.clone(),
        };
        let nonce: [u8; NONCE_LEN] = hex::decode(&e.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(failed)?;
        // Decrypted in place inside a zeroizing buffer: the plaintext never sits in memory that
        // is freed without being wiped.
        let mut buffer = Zeroizing::new(slice.to_vec());
        cipher
            .decrypt_in_place(&Nonce::from(nonce), &aad(&e.name, &e.version), &mut *buffer)
            .map_err(|_| failed())?;
        if hex::encode(Sha256::digest(buffer.as_slice())) != e.sha256 {
            return Err(BundleError::HashMismatch {
                file: e.name.clone(),
                part: HashedPart::Plaintext,
            });
        }
        models.push(VerifiedModel {
            name: e.name.clone(),
            version: e.version.clone(),
            bytes: buffer,
        });
    }
    Ok(VerifiedBundle { manifest, models })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_file_names() {
        assert!(valid_name("face_detection_full_range.onnx").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "a..b", "a b", "é"] {
            assert!(valid_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aad_is_length_prefixed() {
        assert_ne!(aad("ab", "c"), aad("a", "bc"));
    }

    #[test]
    fn every_error_has_a_distinct_code() {
        let errors = [
            format_error("x"),
            BundleError::SignatureAlgorithm {
                bundle: "ed25519".into(),
                key: SignatureAlgorithm::RsaPssSha256,
            },
            BundleError::SignatureInvalid { key: "k".into() },
            BundleError::FileMissing { file: "f".into() },
            BundleError::VersionMismatch {
                file: "f".into(),
                expected: "1".into(),
                found: "2".into(),
            },
            BundleError::Truncated { file: "f".into() },
            BundleError::HashMismatch {
                file: "f".into(),
                part: HashedPart::Ciphertext,
            },
            BundleError::KeyMismatch {
                bundle: "a".into(),
                configured: "b".into(),
            },
            BundleError::DecryptFailed { file: "f".into() },
            BundleError::InvalidModel {
                file: "f".into(),
                reason: "r".into(),
            },
            BundleError::Key { reason: "r".into() },
        ];
        let codes: HashSet<_> = errors.iter().map(BundleError::code).collect();
        assert_eq!(codes.len(), errors.len());
    }
}
