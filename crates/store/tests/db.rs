//! The same storage tests on SQLite and on PostgreSQL (the server CI provides at
//! `IDVERIFY_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/test — these tests
//! fail, never skip, if it is unreachable).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::sync::atomic::{AtomicU32, Ordering};

use store::{Db, VerificationStatus as S};

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn postgres_url() -> String {
    std::env::var("IDVERIFY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh database of each kind: a new SQLite file, a new PostgreSQL schema.
async fn backends(name: &str) -> Vec<(&'static str, Db)> {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let file =
        std::env::temp_dir().join(format!("idverify-db-{}-{name}-{n}.db", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let sqlite = Db::connect(&format!("sqlite://{}?mode=rwc", file.display()), None)
        .await
        .unwrap();
    let schema = format!("idv_test_{}_{name}_{n}", std::process::id());
    let admin = Db::connect(&postgres_url(), None)
        .await
        .expect("PostgreSQL must be reachable for the storage tests");
    admin
        .execute_raw(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
    admin
        .execute_raw(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let pg = Db::connect(&postgres_url(), Some(&schema)).await.unwrap();
    let mut out = vec![("sqlite", sqlite), ("postgres", pg)];
    for (_, db) in &mut out {
        db.migrate().await.unwrap();
        db.migrate().await.unwrap(); // idempotent
    }
    out
}

#[tokio::test]
async fn verifications_move_only_along_allowed_transitions() {
    for (kind, db) in backends("transitions").await {
        db.create_verification("ver_1", "abcdefgh", b"wrapped", 1000)
            .await
            .unwrap();
        let v = db.verification("ver_1").await.unwrap();
        assert_eq!(
            (v.status, v.wrapped_key.as_deref()),
            (S::Created, Some(&b"wrapped"[..])),
            "{kind}"
        );
        db.transition("ver_1", S::Created, S::Collecting, None, 1001)
            .await
            .unwrap();
        // A stale request that still thinks the verification is new loses.
        let err = db
            .transition("ver_1", S::Created, S::Processing, None, 1002)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "state_conflict", "{kind}");
        // Not a transition the product allows.
        assert_eq!(
            db.transition("ver_1", S::Collecting, S::Approved, None, 1003)
                .await
                .unwrap_err()
                .code(),
            "state_conflict"
        );
        db.transition("ver_1", S::Collecting, S::Processing, None, 1004)
            .await
            .unwrap();
        db.transition(
            "ver_1",
            S::Processing,
            S::Approved,
            Some(r#"{"decision":"approved"}"#),
            1005,
        )
        .await
        .unwrap();
        let v = db.verification("ver_1").await.unwrap();
        assert_eq!(
            (v.status, v.result_json.as_deref(), v.updated_at_ms),
            (S::Approved, Some(r#"{"decision":"approved"}"#), 1005)
        );
        db.erase_data_key("ver_1", 2000).await.unwrap();
        assert_eq!(db.verification("ver_1").await.unwrap().wrapped_key, None);
        assert_eq!(
            db.verification("nope").await.unwrap_err().code(),
            "not_found"
        );
        // Duplicate ids are refused by the database.
        assert!(
            db.create_verification("ver_1", "abcdefgh", b"x", 1)
                .await
                .is_err()
        );
        db.add_evidence(
            "ver_1",
            "document_front",
            "ver_1/document_front",
            1234,
            1000,
        )
        .await
        .unwrap();
        db.add_evidence("ver_1", "chip_sod", "ver_1/chip_sod", 950, 1000)
            .await
            .unwrap();
        let ev = db.evidence("ver_1").await.unwrap();
        assert_eq!(
            ev[0],
            ("chip_sod".to_owned(), "ver_1/chip_sod".to_owned(), 950)
        );
        assert!(db.ready().await.is_ok());
    }
}

#[tokio::test]
async fn api_keys_are_kept_as_prefix_and_hash_and_can_be_revoked() {
    for (kind, db) in backends("keys").await {
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let key = auth::NewApiKey::generate(&mut rng);
        db.add_api_key(&key.stored, "backend", 1).await.unwrap();
        let stored = db
            .active_api_key(&key.stored.prefix)
            .await
            .unwrap()
            .unwrap();
        assert!(auth::verify_api_key(&key.secret, &stored).is_ok(), "{kind}");
        db.revoke_api_key(&key.stored.prefix, 2).await.unwrap();
        assert!(
            db.active_api_key(&key.stored.prefix)
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn the_audit_chain_survives_storage_and_a_tampered_row_is_caught() {
    let key = audit::AuditKey::new([3; 32]);
    for (kind, db) in backends("audit").await {
        for i in 0..12 {
            let entry = audit::Entry {
                at_ms: 1_000 + i,
                actor: "api_key:abcdefgh".into(),
                action: "verification.created".into(),
                subject: format!("ver_{i}"),
                // Floats such as risk scores must read back bit-identical, or the MAC breaks.
                details: serde_json::json!({"z": 1, "a": [1, 2, {"k": "v"}], "n": i,
                    "score": 0.275 + f64::from(u32::try_from(i).unwrap()) * 0.1 + 1e-17,
                    "tiny": 0.1_f64 + 0.2}),
            };
            db.append_audit(&key, entry).await.unwrap();
        }
        let events = db.audit_events().await.unwrap();
        assert_eq!(audit::verify(&key, &events).unwrap().events, 12, "{kind}");
        // Someone with database access edits a row…
        db.execute_raw("UPDATE audit_events SET action = 'decision.override' WHERE seq = 5")
            .await
            .unwrap();
        let err = audit::verify(&key, &db.audit_events().await.unwrap()).unwrap_err();
        assert_eq!(err, audit::Error::Edited { seq: 5 }, "{kind}");
        // …or removes one.
        db.execute_raw("DELETE FROM audit_events WHERE seq = 8")
            .await
            .unwrap();
        let events = db.audit_events().await.unwrap();
        assert!(audit::verify(&key, events.iter().filter(|e| e.seq != 5)).is_err());
    }
}

#[tokio::test]
async fn concurrent_audit_appends_keep_one_chain() {
    let key = std::sync::Arc::new(audit::AuditKey::new([4; 32]));
    for (kind, db) in backends("concurrent").await {
        let mut tasks = Vec::new();
        for i in 0..16 {
            let db = db.clone();
            let key = key.clone();
            tasks.push(tokio::spawn(async move {
                let entry = audit::Entry {
                    at_ms: i,
                    actor: "system".into(),
                    action: "test".into(),
                    subject: format!("s{i}"),
                    details: serde_json::json!({}),
                };
                db.append_audit(&key, entry).await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let events = db.audit_events().await.unwrap();
        assert_eq!(audit::verify(&key, &events).unwrap().events, 16, "{kind}");
    }
}

/// Decides a case straight from `created`, with `result` as its result document.
async fn decided(db: &Db, id: &str, at: i64, to: S, result: &str) {
    db.create_verification(id, "abcdefgh", b"wrapped", at)
        .await
        .unwrap();
    db.transition(id, S::Created, S::Collecting, None, at)
        .await
        .unwrap();
    db.transition(id, S::Collecting, S::Processing, None, at)
        .await
        .unwrap();
    db.transition(id, S::Processing, to, Some(result), at)
        .await
        .unwrap();
}

/// The queue's reason filter: the decision's reasons and the reasons of checks that did not
/// pass, never a passing check's; pages follow the keyset cursor; the index is rebuilt from the
/// stored results when migration 9 runs over an older database.
#[tokio::test]
async fn the_queue_filters_by_reason_code_through_its_index() {
    for (kind, db) in backends("reasons").await {
        let dup = r#"{"reasons":["hard_rule:duplicate_face"],"checks":[{"check":"face.match","status":"pass","reason":"face_mismatch_hint"}]}"#;
        let face = r#"{"reasons":["score_in_review_band"],"checks":[{"check":"face.match","status":"fail","reason":"face_mismatch"}]}"#;
        for i in 0..7 {
            let (r, to) = if i % 2 == 0 {
                (dup, S::Review)
            } else {
                (face, S::Declined)
            };
            decided(&db, &format!("vrf_{i}"), 1000 + i, to, r).await;
        }
        let page = |reason: &str, status: Option<S>, after: Option<(i64, String)>| {
            let f = store::QueueFilter {
                status,
                reason: Some(reason.to_owned()),
                after,
                ..store::QueueFilter::default()
            };
            let db = db.clone();
            async move {
                db.queue(&f, 2, 0)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|q| q.id)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(
            page("hard_rule:duplicate_face", Some(S::Review), None).await,
            ["vrf_0", "vrf_2"],
            "{kind}: oldest first in review"
        );
        assert_eq!(
            page(
                "hard_rule:duplicate_face",
                Some(S::Review),
                Some((1002, "vrf_2".into()))
            )
            .await,
            ["vrf_4", "vrf_6"],
            "{kind}: the next page"
        );
        assert_eq!(
            page("face_mismatch", None, None).await,
            ["vrf_5", "vrf_3"],
            "{kind}: a failed check's reason, newest first"
        );
        assert!(
            page("face_mismatch_hint", None, None).await.is_empty(),
            "{kind}"
        );
        assert!(
            page("face_mismatch", Some(S::Review), None)
                .await
                .is_empty(),
            "{kind}: the state filter still applies"
        );
        // A database from before migration 9: the index is built from the stored results.
        db.execute_raw("DROP TABLE case_reasons").await.unwrap();
        db.execute_raw("DELETE FROM idv_schema WHERE version = 9")
            .await
            .unwrap();
        db.migrate().await.unwrap();
        assert_eq!(
            page("score_in_review_band", Some(S::Declined), None).await,
            ["vrf_5", "vrf_3"],
            "{kind}: backfilled"
        );
    }
}
