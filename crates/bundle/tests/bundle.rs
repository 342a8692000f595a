//! Packing and opening model bundles: the happy paths (Ed25519 and RSA-4096 PSS), and every
//! refusal with its own error naming the file — a flipped byte, a wrong signature, a missing
//! model, a model from another version, a wrong content key — and no panic on any bundle with
//! one byte changed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use bundle::{
    BundleError, ContentKey, HashedPart, Manifest, ModelFile, PackOptions, VendorPublicKey,
    VendorSigningKey,
};
use ed25519_dalek::Signer as _;
use proptest::prelude::*;

const SEED: [u8; 32] = [0x42; 32];
const OPTIONS: PackOptions<'static> = PackOptions {
    product_version: "0.1.0",
    created_at: "2026-12-01T12:00:00Z",
};

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

fn vendor() -> VendorSigningKey {
    VendorSigningKey::ed25519_from_seed(&SEED)
}

fn content_key() -> ContentKey {
    ContentKey::from_bytes(&[0x17; 32]).unwrap()
}

fn rsa_vendor() -> VendorSigningKey {
    VendorSigningKey::from_pem(include_str!("../testdata/test-vendor-rsa4096.key.pem")).unwrap()
}

/// Three models: (name, version, bytes).
fn models(version: &str) -> Vec<(String, String, Vec<u8>)> {
    vec![
        (
            "face_detection_full_range.onnx".into(),
            version.into(),
            b"detector weights".repeat(50),
        ),
        (
            "face_embedding.onnx".into(),
            version.into(),
            (0..=255u8).cycle().take(3000).collect(),
        ),
        ("liveness.onnx".into(), version.into(), vec![7u8; 1234]),
    ]
}

fn pack_with(models: &[(String, String, Vec<u8>)], signer: &VendorSigningKey) -> Vec<u8> {
    let files: Vec<ModelFile<'_>> = models
        .iter()
        .map(|(n, v, b)| ModelFile {
            name: n,
            version: v,
            bytes: b,
        })
        .collect();
    bundle::pack(&files, &OPTIONS, &content_key(), signer, &mut rng()).unwrap()
}

fn required(version: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("face_detection_full_range.onnx", version),
        ("face_embedding.onnx", version),
        ("liveness.onnx", version),
    ]
}

/// The bundle's parts: (header+manifest, manifest range, signature, payload offset).
struct Parts {
    manifest: std::ops::Range<usize>,
    payload: usize,
}

fn parts(b: &[u8]) -> Parts {
    let m = u32::from_be_bytes(b[10..14].try_into().unwrap()) as usize;
    let s = u16::from_be_bytes(b[14 + m..16 + m].try_into().unwrap()) as usize;
    Parts {
        manifest: 14..14 + m,
        payload: 16 + m + s,
    }
}

/// Rebuilds `b` with its manifest changed by `edit` and signed again with the vendor key: how a
/// vendor-side bug (not an attacker, who has no key) would look.
fn resign(b: &[u8], edit: impl FnOnce(&mut Manifest)) -> Vec<u8> {
    let p = parts(b);
    let mut manifest: Manifest = serde_json::from_slice(&b[p.manifest.clone()]).unwrap();
    edit(&mut manifest);
    let json = serde_json::to_vec(&manifest).unwrap();
    let mut out = b[..10].to_vec();
    out.extend_from_slice(&u32::try_from(json.len()).unwrap().to_be_bytes());
    out.extend_from_slice(&json);
    let mut message = b"idverify model bundle v1\n".to_vec();
    message.extend_from_slice(&out);
    let sig = ed25519_dalek::SigningKey::from_bytes(&SEED).sign(&message);
    out.extend_from_slice(&64u16.to_be_bytes());
    out.extend_from_slice(&sig.to_bytes());
    out.extend_from_slice(&b[p.payload..]);
    out
}

fn open(b: &[u8]) -> Result<bundle::VerifiedBundle, BundleError> {
    bundle::open(
        b,
        &vendor().public_key(),
        &content_key(),
        &required("1.0.0"),
    )
}

#[test]
fn happy_path_ed25519() {
    let input = models("1.0.0");
    let b = pack_with(&input, &vendor());
    let opened = open(&b).unwrap();
    assert_eq!(opened.models().len(), 3);
    for (name, version, bytes) in &input {
        let m = opened.get(name).unwrap();
        assert_eq!(m.version(), version);
        assert_eq!(m.bytes(), bytes.as_slice());
    }
    let manifest = opened.manifest();
    assert_eq!(manifest.format, 1);
    assert_eq!(manifest.product, "idverify");
    assert_eq!(manifest.product_version, "0.1.0");
    assert_eq!(manifest.created_at, "2026-12-01T12:00:00Z");
    assert_eq!(manifest.content_key_id, content_key().id_hex());
    let e = &manifest.models[2];
    assert_eq!((e.size, e.ciphertext_size), (1234, 1250));
    assert_eq!(e.nonce.len(), 24);
    // Nonces are fresh per file and per bundle.
    assert_ne!(manifest.models[0].nonce, manifest.models[1].nonce);
    let again = bundle::check(&pack_with(&input, &vendor()), &vendor().public_key(), &[]).unwrap();
    assert_ne!(again.models[0].nonce, manifest.models[0].nonce);
    // Offline check without the content key.
    assert_eq!(
        bundle::check(&b, &vendor().public_key(), &required("1.0.0")).unwrap(),
        *manifest
    );
    // Debug shows names and sizes, never contents.
    let debug = format!("{opened:?}");
    assert!(debug.contains("liveness.onnx") && debug.contains("1234 bytes"));
    assert!(!debug.contains("detector"));
}

#[test]
fn happy_path_rsa4096_pss() {
    let key = rsa_vendor();
    let public =
        VendorPublicKey::from_pem(include_str!("../testdata/test-vendor-rsa4096.pub.pem")).unwrap();
    assert_eq!(public, key.public_key());
    let b = pack_with(&models("1.0.0"), &key);
    let opened = bundle::open(&b, &public, &content_key(), &required("1.0.0")).unwrap();
    assert_eq!(
        opened.get("liveness.onnx").unwrap().bytes(),
        &[7u8; 1234][..]
    );
    // An RSA-signed bundle is refused under an Ed25519 vendor key, with its own message.
    let err = open(&b).unwrap_err();
    assert_eq!(err.code(), "bundle_signature_algorithm");
    assert!(err.to_string().contains("rsa-pss-sha256"), "{err}");
}

#[test]
fn openssl_made_keys_are_read() {
    // Keys made by `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`.
    let private =
        VendorSigningKey::from_pem(include_str!("../testdata/test-vendor-ed25519.key.pem"))
            .unwrap();
    let public =
        VendorPublicKey::from_pem(include_str!("../testdata/test-vendor-ed25519.pub.pem")).unwrap();
    assert_eq!(private.public_key(), public);
    let b = pack_with(&models("1.0.0"), &private);
    bundle::open(&b, &public, &content_key(), &[]).unwrap();
    assert_eq!(
        VendorSigningKey::from_pem(&private.to_pem().unwrap())
            .unwrap()
            .public_key(),
        public
    );
}

#[test]
fn a_flipped_byte_in_a_model_is_a_hash_mismatch_naming_it() {
    let mut b = pack_with(&models("1.0.0"), &vendor());
    let p = parts(&b);
    // A byte inside the second model's ciphertext (the first is 800 + 16 bytes).
    b[p.payload + 816 + 10] ^= 0x01;
    let err = open(&b).unwrap_err();
    assert_eq!(
        err,
        BundleError::HashMismatch {
            file: "face_embedding.onnx".into(),
            part: HashedPart::Ciphertext
        }
    );
    assert_eq!(err.code(), "bundle_hash_mismatch");
    assert!(err.to_string().contains("face_embedding.onnx"));
    // The keyless offline check catches it too.
    assert_eq!(
        bundle::check(&b, &vendor().public_key(), &[])
            .unwrap_err()
            .file(),
        Some("face_embedding.onnx")
    );
}

#[test]
fn a_flipped_byte_in_the_manifest_or_signature_is_a_signature_failure() {
    let b = pack_with(&models("1.0.0"), &vendor());
    let p = parts(&b);
    for at in [p.manifest.start + 5, p.manifest.end - 3, p.payload - 1] {
        let mut c = b.clone();
        c[at] ^= 0x20;
        assert_eq!(
            open(&c).unwrap_err().code(),
            "bundle_signature_invalid",
            "at {at}"
        );
    }
}

#[test]
fn a_wrong_signature_is_refused() {
    let other = VendorSigningKey::ed25519_from_seed(&[0x43; 32]);
    let b = pack_with(&models("1.0.0"), &other);
    let err = open(&b).unwrap_err();
    assert_eq!(
        err,
        BundleError::SignatureInvalid {
            key: vendor().public_key().fingerprint()
        }
    );
    assert_eq!(err.code(), "bundle_signature_invalid");
    // Another RSA key likewise.
    let rsa_b = pack_with(&models("1.0.0"), &rsa_vendor());
    let mut forged = rsa_b.clone();
    let p = parts(&forged);
    forged[p.payload - 7] ^= 0x80;
    let err = bundle::open(&forged, &rsa_vendor().public_key(), &content_key(), &[]).unwrap_err();
    assert_eq!(err.code(), "bundle_signature_invalid");
}

#[test]
fn a_missing_model_is_named() {
    // The server needs a model the bundle does not have.
    let mut input = models("1.0.0");
    input.remove(1);
    let b = pack_with(&input, &vendor());
    let err = open(&b).unwrap_err();
    assert_eq!(
        err,
        BundleError::FileMissing {
            file: "face_embedding.onnx".into()
        }
    );
    assert_eq!(err.code(), "bundle_file_missing");
    assert!(err.to_string().contains("`face_embedding.onnx` is missing"));

    // A bundle copied only up to the start of its last model.
    let b = pack_with(&models("1.0.0"), &vendor());
    let cut = b.len() - 1250;
    assert_eq!(
        open(&b[..cut]).unwrap_err(),
        BundleError::FileMissing {
            file: "liveness.onnx".into()
        }
    );
    // ... or into the middle of it.
    assert_eq!(
        open(&b[..cut + 100]).unwrap_err(),
        BundleError::Truncated {
            file: "liveness.onnx".into()
        }
    );
}

#[test]
fn a_model_from_another_version_is_refused() {
    // The bundle is of version 1.0.0; this server needs 2.0.0.
    let b = pack_with(&models("1.0.0"), &vendor());
    let err = bundle::open(
        &b,
        &vendor().public_key(),
        &content_key(),
        &required("2.0.0"),
    )
    .unwrap_err();
    assert_eq!(
        err,
        BundleError::VersionMismatch {
            file: "face_detection_full_range.onnx".into(),
            expected: "2.0.0".into(),
            found: "1.0.0".into()
        }
    );
    assert_eq!(err.code(), "bundle_version_mismatch");

    // One model's encrypted file taken from the 1.0.0 bundle into a 2.0.0 bundle: its bytes
    // differ from what the 2.0.0 manifest signed.
    let new = pack_with(&models("2.0.0"), &vendor());
    let mut spliced = new.clone();
    let (po, pn) = (parts(&b).payload, parts(&new).payload);
    spliced[pn..pn + 816].copy_from_slice(&b[po..po + 816]);
    let err = bundle::open(
        &spliced,
        &vendor().public_key(),
        &content_key(),
        &required("2.0.0"),
    )
    .unwrap_err();
    assert_eq!(
        err,
        BundleError::HashMismatch {
            file: "face_detection_full_range.onnx".into(),
            part: HashedPart::Ciphertext
        }
    );

    // Even a manifest (signed by mistake) that relabels a 1.0.0 model as 2.0.0 does not open
    // it: the version is in the associated data.
    let relabelled = resign(&b, |m| m.models[0].version = "2.0.0".into());
    let err = bundle::open(&relabelled, &vendor().public_key(), &content_key(), &[]).unwrap_err();
    assert_eq!(
        err,
        BundleError::DecryptFailed {
            file: "face_detection_full_range.onnx".into()
        }
    );
    assert_eq!(err.code(), "bundle_decrypt_failed");
}

#[test]
fn a_wrong_content_key_is_named_as_such() {
    let b = pack_with(&models("1.0.0"), &vendor());
    let other = ContentKey::from_bytes(&[0x18; 32]).unwrap();
    let err = bundle::open(&b, &vendor().public_key(), &other, &[]).unwrap_err();
    assert_eq!(
        err,
        BundleError::KeyMismatch {
            bundle: content_key().id_hex(),
            configured: other.id_hex()
        }
    );
    assert_eq!(err.code(), "bundle_key_mismatch");
}

#[test]
fn a_wrong_plaintext_hash_is_caught_after_decryption() {
    let b = pack_with(&models("1.0.0"), &vendor());
    let wrong = resign(&b, |m| m.models[2].sha256 = "0".repeat(64));
    assert_eq!(
        open(&wrong).unwrap_err(),
        BundleError::HashMismatch {
            file: "liveness.onnx".into(),
            part: HashedPart::Plaintext
        }
    );
}

#[test]
fn frames_that_are_not_bundles_are_format_errors() {
    let b = pack_with(&models("1.0.0"), &vendor());
    let mut trailing = b.clone();
    trailing.push(0);
    let mut magic = b.clone();
    magic[0] = b'X';
    let mut version = b.clone();
    version[8] = 2;
    let mut huge = b.clone();
    huge[10..14].copy_from_slice(&u32::MAX.to_be_bytes());
    for (what, c) in [
        ("trailing", trailing),
        ("magic", magic),
        ("version", version),
        ("huge", huge),
        ("empty", Vec::new()),
        ("header", b[..13].to_vec()),
    ] {
        assert_eq!(open(&c).unwrap_err().code(), "bundle_format", "{what}");
    }
    let mut alg = b.clone();
    alg[9] = 9;
    let err = open(&alg).unwrap_err();
    assert_eq!(err.code(), "bundle_signature_algorithm");
    assert!(err.to_string().contains("unknown algorithm 9"));
}

#[test]
fn pack_refuses_bad_names_and_duplicates() {
    let key = vendor();
    let ck = content_key();
    for (name, version) in [
        ("../etc/passwd", "1"),
        ("a b", "1"),
        ("ok.onnx", ""),
        ("ok.onnx", "1 2"),
    ] {
        let err = bundle::pack(
            &[ModelFile {
                name,
                version,
                bytes: b"x",
            }],
            &OPTIONS,
            &ck,
            &key,
            &mut rng(),
        )
        .unwrap_err();
        assert_eq!(err.code(), "bundle_invalid_model", "{name} {version}");
    }
    let twice = [ModelFile {
        name: "a.onnx",
        version: "1",
        bytes: b"x",
    }; 2];
    let err = bundle::pack(&twice, &OPTIONS, &ck, &key, &mut rng()).unwrap_err();
    assert_eq!(err.file(), Some("a.onnx"));
}

#[test]
fn an_empty_model_and_an_empty_bundle_round_trip() {
    let b = pack_with(&[("empty.bin".into(), "1".into(), Vec::new())], &vendor());
    let opened = bundle::open(&b, &vendor().public_key(), &content_key(), &[]).unwrap();
    assert!(opened.get("empty.bin").unwrap().bytes().is_empty());
    let b = pack_with(&[], &vendor());
    assert!(
        bundle::open(&b, &vendor().public_key(), &content_key(), &[])
            .unwrap()
            .models()
            .is_empty()
    );
}

fn small_bundle() -> &'static [u8] {
    static B: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        pack_with(
            &[
                ("a.onnx".into(), "1".into(), b"first model".to_vec()),
                ("b.onnx".into(), "1".into(), b"second".to_vec()),
            ],
            &vendor(),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any one byte changed anywhere in a bundle is refused, never accepted, never a panic.
    #[test]
    fn any_flipped_byte_is_refused(at in any::<prop::sample::Index>(), mask in 1u8..=255) {
        let mut b = small_bundle().to_vec();
        let i = at.index(b.len());
        b[i] ^= mask;
        prop_assert!(bundle::open(&b, &vendor().public_key(), &content_key(), &[]).is_err());
        prop_assert!(bundle::check(&b, &vendor().public_key(), &[]).is_err());
    }

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_bytes_never_panic(mut b in prop::collection::vec(any::<u8>(), 0..300)) {
        if b.len() >= 8 {
            b[..8].copy_from_slice(b"IDVBUNDL");
        }
        prop_assert!(bundle::open(&b, &vendor().public_key(), &content_key(), &[]).is_err());
    }
}
