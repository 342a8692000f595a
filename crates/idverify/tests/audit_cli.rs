//! `idverify audit verify` on a SQLite database: intact, an edited row, a cut end.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn audit_verify_catches_a_tampered_row_and_a_cut_end() {
    let dir = std::env::temp_dir().join(format!("idverify-audit-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("idverify.db").display());
    let key_file = dir.join("audit.key");
    std::fs::write(&key_file, hex::encode([5u8; 32])).unwrap();
    let key = audit::AuditKey::new([5; 32]);
    let db = store::Db::connect(&url, None).await.unwrap();
    db.migrate().await.unwrap();
    for i in 0..6 {
        let entry = audit::Entry {
            at_ms: i,
            actor: "system".into(),
            action: "test".into(),
            subject: format!("s{i}"),
            details: serde_json::json!({}),
        };
        db.append_audit(&key, entry).await.unwrap();
    }
    let key_path = key_file.to_string_lossy().into_owned();
    let o = run(&[
        "audit",
        "verify",
        "--db",
        &url,
        "--key-file",
        &key_path,
        "--json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let head = v["head"].as_str().unwrap().to_owned();
    assert!(head.starts_with("6:"));

    db.execute_raw("UPDATE audit_events SET subject = 'someone-else' WHERE seq = 3")
        .await
        .unwrap();
    let o = run(&["audit", "verify", "--db", &url, "--key-file", &key_path]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("audit_event_edited"));

    // Restore by recomputing is impossible without the key; cut the end instead on a fresh copy.
    db.execute_raw("DELETE FROM audit_events").await.unwrap();
    for i in 0..6 {
        let entry = audit::Entry {
            at_ms: i,
            actor: "system".into(),
            action: "test".into(),
            subject: format!("s{i}"),
            details: serde_json::json!({}),
        };
        db.append_audit(&key, entry).await.unwrap();
    }
    db.execute_raw("DELETE FROM audit_events WHERE seq >= 5")
        .await
        .unwrap();
    let o = run(&[
        "audit",
        "verify",
        "--db",
        &url,
        "--key-file",
        &key_path,
        "--head",
        &head,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("audit_chain_truncated"));
    // A wrong key file: every event fails.
    std::fs::write(&key_file, [6u8; 32]).unwrap();
    let o = run(&["audit", "verify", "--db", &url, "--key-file", &key_path]);
    assert_eq!(o.status.code(), Some(1));
}
