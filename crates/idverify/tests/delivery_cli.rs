//! The delivery path as an operator runs it, through the binary: the vendor makes keys, packs
//! the models and issues a licence for the fingerprint the customer sent; the customer verifies
//! both offline and starts `idverify serve` on them. A spoilt bundle stops the start with a
//! message naming the file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{client, free_port, init, stop, wait_ready};

fn idverify(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn models_dir() -> PathBuf {
    std::env::var_os("IDVERIFY_MODELS_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        PathBuf::from,
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test]
async fn vendor_packs_and_licenses_customer_verifies_and_serves() {
    let port = free_port();
    let (dir, api_key) = init("delivery", port);
    let vendor = dir.join("vendor");
    std::fs::create_dir_all(&vendor).unwrap();
    let (bundle_key, bundle_pub) = (vendor.join("models.key.pem"), dir.join("vendor-models.pem"));
    let content = dir.join("secrets/models.key");
    let bundle = dir.join("models.idvb");

    // Vendor side: keys and the bundle.
    let fp = ok(&idverify(&[
        "models",
        "keygen",
        "--out",
        s(&bundle_key),
        "--public",
        s(&bundle_pub),
    ]));
    assert!(fp.trim().starts_with("sha256:"), "{fp}");
    ok(&idverify(&["models", "content-key", "--out", s(&content)]));
    ok(&idverify(&[
        "models",
        "pack",
        "--dir",
        s(&models_dir()),
        "--key",
        s(&bundle_key),
        "--content-key",
        s(&content),
        "--out",
        s(&bundle),
    ]));
    // A key is never overwritten.
    assert!(
        !idverify(&["models", "content-key", "--out", s(&content)])
            .status
            .success()
    );

    // Customer side, offline: the bundle checks out, with and without the content key.
    let report: serde_json::Value = serde_json::from_str(&ok(&idverify(&[
        "models",
        "verify",
        s(&bundle),
        "--vendor-key",
        s(&bundle_pub),
        "--content-key",
        s(&content),
        "--json",
    ])))
    .unwrap();
    assert_eq!(report["status"], "ok");
    assert_eq!(report["decrypted"], true);
    assert_eq!(report["models"].as_array().unwrap().len(), 5);
    ok(&idverify(&[
        "models",
        "verify",
        s(&bundle),
        "--vendor-key",
        s(&bundle_pub),
    ]));
    let mut spoilt = std::fs::read(&bundle).unwrap();
    let at = spoilt.len() / 2;
    spoilt[at] ^= 0x80;
    let spoilt_path = dir.join("spoilt.idvb");
    std::fs::write(&spoilt_path, &spoilt).unwrap();
    let out = idverify(&[
        "models",
        "verify",
        s(&spoilt_path),
        "--vendor-key",
        s(&bundle_pub),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let refused: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(refused["code"], "bundle_hash_mismatch");
    assert!(refused["file"].is_string());

    // The licence, for the fingerprint `licence fingerprint` prints.
    let fingerprint = ok(&idverify(&["licence", "fingerprint", "--data", s(&dir)]));
    let fingerprint = fingerprint.trim();
    let licence_key = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../licence/testdata/test-vendor-rsa4096.key.pem");
    let licence_pub = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../licence/testdata/test-vendor-rsa4096.pub.pem");
    let licence = dir.join("licence.txt");
    ok(&idverify(&[
        "licence",
        "issue",
        "--key",
        s(&licence_key),
        "--id",
        "lic-cli-1",
        "--customer",
        "Banque Exemple",
        "--features",
        "document,chip,face,liveness",
        "--not-before",
        "2026-01-01",
        "--not-after",
        "2099-12-31",
        "--fingerprint",
        fingerprint,
        "--out",
        s(&licence),
    ]));
    let verified = ok(&idverify(&[
        "licence",
        "verify",
        s(&licence),
        "--public-key",
        s(&licence_pub),
        "--data",
        s(&dir),
    ]));
    assert!(verified.contains("lic-cli-1"), "{verified}");
    let other = idverify(&[
        "licence",
        "verify",
        s(&licence),
        "--public-key",
        s(&licence_pub),
        "--fingerprint",
        &format!("sha256:{}", "0".repeat(64)),
    ]);
    assert_eq!(other.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&other.stderr).contains("licence_fingerprint_mismatch"));

    // The server starts on both, the models decrypted into memory only.
    let env = [
        ("IDVERIFY_MODELS__DIR", s(&models_dir()).to_owned()),
        ("IDVERIFY_MODELS__BUNDLE", "models.idvb".to_owned()),
        (
            "IDVERIFY_MODELS__VENDOR_KEY",
            "vendor-models.pem".to_owned(),
        ),
        (
            "IDVERIFY_MODELS__CONTENT_KEY_FILE",
            "secrets/models.key".to_owned(),
        ),
        ("IDVERIFY_LICENCE__FILE", "licence.txt".to_owned()),
        ("IDVERIFY_LICENCE__PUBLIC_KEY", s(&licence_pub).to_owned()),
    ];
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let child = common::serve(&dir, &env_ref);
    let c = client(&dir);
    let base = format!("https://localhost:{port}");
    wait_ready(&c, &base).await;
    let ready: serde_json::Value = c
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["licence"], "valid");
    let created = common::create(&c, &base, &api_key).await;
    assert!(created["id"].is_string(), "{created}");
    assert!(stop(child));

    // A spoilt bundle in place: `serve` refuses, naming the bundle and the code.
    std::fs::write(&bundle, &spoilt).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["serve", "--data", s(&dir)])
        .envs(env_ref.iter().copied())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("models.idvb") && stderr.contains("bundle_hash_mismatch"),
        "{stderr}"
    );
}
