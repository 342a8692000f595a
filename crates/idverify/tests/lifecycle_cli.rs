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

use std::process::Command;
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
    // The housekeeping job must not beat the command to it.
    let mut env = TTL.to_vec();
    env.push(("IDVERIFY_RETENTION__PURGE_INTERVAL_SECS", "3600"));
    let server = common::serve(&dir, &env);
    let client = common::client(&dir);
    let base = format!("https://localhost:{port}");
    common::wait_ready(&client, &base).await;
    let created = common::create(&client, &base, &api_key).await;
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
    common::stop(server);
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
    let server = common::serve(&dir, &[]);
    let client = common::client(&dir);
    let base = format!("https://localhost:{port}");
    common::wait_ready(&client, &base).await;
    let created = common::create(&client, &base, &api_key).await;
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
    common::stop(server);

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

/// A TD1 card of the ICAO specimen holder, valid until 2034: under the test policy (MRZ and
/// chip decide; a card needs its MRZ only) it is approved.
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F3404159UTO<<<<<<<<<<<2\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

#[tokio::test]
async fn backup_survives_two_lost_nodes_reveals_nothing_and_fails_clearly_with_three() {
    let port = common::free_port();
    let (dir, api_key) = common::init("backup-cli", port);
    std::fs::write(
        dir.join("policy.toml"),
        include_str!("../../server/testdata/policy-mrz-chip.toml"),
    )
    .unwrap();
    let server = common::serve(&dir, &[]);
    let client = common::client(&dir);
    let base = format!("https://localhost:{port}");
    common::wait_ready(&client, &base).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let created = common::create(&client, &base, &api_key).await;
        let id = created["id"].as_str().unwrap().to_owned();
        let token = created["sdk_token"].as_str().unwrap();
        for (path, body) in [("document/mrz", TD1)] {
            let r = client
                .put(format!("{base}/v1/verifications/{id}/{path}"))
                .bearer_auth(token)
                .header("content-type", "text/plain")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }
        client
            .post(format!("{base}/v1/verifications/{id}/submit"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        ids.push(id);
    }
    for id in &ids {
        let mut status = String::new();
        for _ in 0..200 {
            let v: serde_json::Value = client
                .get(format!("{base}/v1/verifications/{id}"))
                .bearer_auth(&api_key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            status = v["status"].as_str().unwrap().to_owned();
            if status != "processing" && status != "collecting" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(status, "approved", "{id}");
    }
    common::stop(server);

    let nodes_root = dir.join("nodes");
    let node_args: Vec<String> = (0..6)
        .flat_map(|i| {
            [
                "--node".to_owned(),
                format!("n{i}=dir:{}", nodes_root.join(format!("n{i}")).display()),
            ]
        })
        .collect();
    let backup = |verb: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_idverify"))
            .arg("backup")
            .args(verb)
            .args(["--data", dir.to_str().unwrap()])
            .args(&node_args)
            .output()
            .unwrap()
    };
    let out = backup(&["run", "--run", "r1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 case(s)"));
    // No node holds plaintext: not the name, not the document number.
    for f in common::walk(&nodes_root) {
        let bytes = std::fs::read(&f).unwrap();
        for marker in [&b"ERIKSSON"[..], b"D23145890"] {
            assert!(!bytes.windows(marker.len()).any(|w| w == marker), "{f}");
        }
    }
    // Two nodes lost: still whole.
    for i in [1, 4] {
        std::fs::remove_dir_all(nodes_root.join(format!("n{i}"))).unwrap();
    }
    let out = backup(&["verify", "--run", "r1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 degraded"));
    let restored = dir.join("restored");
    let out = backup(&[
        "restore",
        "--run",
        "r1",
        "--out",
        restored.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for id in &ids {
        let archive = std::fs::read_to_string(restored.join(format!("{id}.idv"))).unwrap();
        assert!(archive.starts_with("idverify-export-1\n") && archive.contains(id.as_str()));
    }
    // A third: restore refuses, naming what is missing.
    std::fs::remove_dir_all(nodes_root.join("n2")).unwrap();
    let out = backup(&["verify", "--run", "r1"]);
    assert_eq!(out.status.code(), Some(1));
    let out = backup(&[
        "restore",
        "--run",
        "r1",
        "--out",
        dir.join("again").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("backup_not_enough_shards"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
