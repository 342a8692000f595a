//! The data lifecycle from the command line. `idverify purge`: `--dry-run` lists what a
//! housekeeping pass would do and changes nothing; the real run expires the abandoned session
//! and purges its evidence; a second run finds nothing (idempotent). `idverify subject`: a
//! signed export that verifies (and fails once edited), then erasure; both audited.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

const TTL: [(&str, &str); 2] = [
    ("IDVERIFY_TOKENS__LIFETIME_SECS", "1"),
    ("IDVERIFY_TOKENS__SESSION_TTL_SECS", "1"),
];

fn purge(dir: &std::path::Path, dry_run: bool) -> serde_json::Value {
    let mut c = Command::new(env!("CARGO_BIN_EXE_idverify"));
    c.args(["purge", "--json", "--data"]).arg(dir).envs(TTL);
    if dry_run {
        c.arg("--dry-run");
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn dry_run_lists_then_purge_expires_and_deletes_once() {
    let port = common::free_port();
    let (dir, api_key) = common::init("purge-cli", port);
    let mut server = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["serve", "--data"])
        .arg(&dir)
        .envs(TTL)
        // The housekeeping job must not beat the command to it.
        .env("IDVERIFY_RETENTION__PURGE_INTERVAL_SECS", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = common::client(&dir);
    let base = format!("https://localhost:{port}");
    common::wait_ready(&client, &base).await;
    let created: serde_json::Value = client
        .post(format!("{base}/v1/verifications"))
        .bearer_auth(&api_key)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let photo = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../imaging/tests/data/face.jpg"),
    )
    .unwrap();
    let r = client
        .put(format!("{base}/v1/verifications/{id}/selfie"))
        .bearer_auth(created["sdk_token"].as_str().unwrap())
        .header("content-type", "image/jpeg")
        .body(photo)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    server.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(1_200)).await;

    let evidence = dir.join("evidence").join(&id);
    let plan = purge(&dir, true);
    assert_eq!(plan["expire"], serde_json::json!([id]), "{plan}");
    assert!(
        evidence.join("selfie").exists(),
        "a dry run changes nothing"
    );
    let done = purge(&dir, false);
    assert_eq!(done["expire"], serde_json::json!([id]), "{done}");
    assert!(!evidence.join("selfie").exists(), "the evidence is gone");
    let again = purge(&dir, true);
    assert_eq!(again["expire"], serde_json::json!([]));
    assert_eq!(again["purge"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

fn idverify(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(args)
        .arg("--data")
        .arg(dir)
        .output()
        .unwrap()
}

#[tokio::test]
async fn subject_export_is_signed_and_erasure_removes_the_evidence() {
    let port = common::free_port();
    let (dir, api_key) = common::init("subject-cli", port);
    let mut server = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["serve", "--data"])
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = common::client(&dir);
    let base = format!("https://localhost:{port}");
    common::wait_ready(&client, &base).await;
    let created: serde_json::Value = client
        .post(format!("{base}/v1/verifications"))
        .bearer_auth(&api_key)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let mrz = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F3104150ZE184226B<<<<<16";
    let r = client
        .put(format!("{base}/v1/verifications/{id}/document/mrz"))
        .bearer_auth(created["sdk_token"].as_str().unwrap())
        .header("content-type", "text/plain")
        .body(mrz)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    server.wait().unwrap();

    let archive = dir.join("export.idv");
    let out = idverify(
        &["subject", "export", &id, "--out", archive.to_str().unwrap()],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    let key = said
        .rsplit("--public-key ")
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let verify = |path: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_idverify"))
            .args(["subject", "verify"])
            .arg(path)
            .args(["--public-key", &key])
            .output()
            .unwrap()
    };
    assert!(verify(&archive).status.success());
    let text = std::fs::read_to_string(&archive).unwrap();
    assert!(text.contains(&id) && text.contains("verification.create"));
    let edited = dir.join("edited.idv");
    std::fs::write(&edited, text.replacen("document/mrz", "document/mrx", 1)).unwrap();
    assert_eq!(verify(&edited).status.code(), Some(1));

    let out = idverify(&["subject", "erase", &id], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.join("evidence")
            .join(&id)
            .join("document")
            .join("mrz")
            .exists()
    );
    let audit = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["audit", "verify", "--json", "--db"])
        .arg(format!("sqlite://{}", dir.join("idverify.db").display()))
        .arg("--key-file")
        .arg(dir.join("secrets/audit.key"))
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
