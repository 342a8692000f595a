//! Two nodes, one state: two servers on one PostgreSQL database and one S3-compatible bucket
//! (a real S3 server that checks every signature) serve the same verifications. A verification
//! created on one node takes uploads on the other, is decided, and reads the same on both; the
//! audit chain both nodes append to concurrently stays one valid chain.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::sync::Arc;

use common::{Backend, MRZ, start};

#[tokio::test]
async fn two_nodes_on_one_postgresql_and_one_bucket_serve_the_same_verifications() {
    let s3 = test_support::S3Server::start("cluster", &["evidence"]);
    let endpoint = s3.endpoint.clone();
    let a = start(Backend::Postgres, "cluster", |c| {
        std::fs::create_dir_all(&c.data_dir).unwrap();
        std::fs::write(c.data_dir.join("s3.secret"), test_support::SECRET_KEY).unwrap();
        c.storage.kind = "s3".into();
        c.storage.s3_endpoint = Some(endpoint);
        c.storage.s3_bucket = Some("evidence".into());
        c.storage.s3_access_key_id = Some(test_support::ACCESS_KEY.into());
        c.storage.s3_secret_key_file = Some("s3.secret".into());
        common::mrz_chip_policy(c);
    })
    .await;
    // Node B: the same configuration and secrets (as a cluster's nodes are provisioned), its
    // own process state, its own port.
    let (b_running, b_base) = a.second_node().await;
    assert!(!Arc::ptr_eq(a.state(), &b_running.state));

    let (id, token, _) = a.create().await;
    let r = a
        .client
        .put(format!("{b_base}/v1/verifications/{id}/document/mrz"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(MRZ)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "an upload to node B");
    let r = a.submit(&id, &token).await;
    assert_eq!(r.status(), 202);
    let on_a = a.wait_decided(&id).await;
    let on_b: serde_json::Value = a
        .client
        .get(format!("{b_base}/v1/verifications/{id}"))
        .bearer_auth(&a.api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(on_a, on_b);
    let mrz = on_b["result"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "mrz.check_digits")
        .unwrap();
    assert_eq!(mrz["status"], "pass", "node A read node B's sealed upload");

    // Both nodes create verifications at once: one audit chain, no lost or forked events.
    let mut tasks = Vec::new();
    for i in 0..24 {
        let client = a.client.clone();
        let key = a.api_key.clone();
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b_base.clone()
        };
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{base}/v1/verifications"))
                .bearer_auth(key)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let events = a.state().db.audit_events().await.unwrap();
    let report = audit::verify(&a.audit_key(), &events).unwrap();
    assert!(report.events >= 24 + 4, "{}", report.events);
    let creates = events
        .iter()
        .filter(|e| e.entry.action == "verification.create")
        .count();
    assert_eq!(creates, 25);
    b_running.shutdown().await;
    a.shutdown().await;
}

/// Rate limits hold across the cluster: one API key's budget is counted in the shared database,
/// so spreading requests over two nodes does not double it.
#[tokio::test]
async fn two_nodes_enforce_one_rate_limit_budget() {
    let a = start(Backend::Postgres, "cluster_rate", |c| {
        c.limits.api_key_per_minute = 10;
    })
    .await;
    assert!(matches!(
        a.state().api_limiter,
        server::ratelimit::Budget::Shared(_)
    ));
    let (b_running, b_base) = a.second_node().await;
    let mut statuses = Vec::new();
    for i in 0..14 {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b_base.clone()
        };
        let r = a
            .client
            .post(format!("{base}/v1/verifications"))
            .bearer_auth(&a.api_key)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    let ok = statuses.iter().filter(|s| **s == 201).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((ok, limited), (10, 4), "{statuses:?}");
    // Two minutes later the budget is back, on either node.
    a.clock.advance(120_000);
    let r = a
        .client
        .post(format!("{b_base}/v1/verifications"))
        .bearer_auth(&a.api_key)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    b_running.shutdown().await;
    a.shutdown().await;
}
