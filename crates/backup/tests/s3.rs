//! A node set mixing local directories and S3-compatible buckets (s3s-fs, which checks every
//! request's Signature Version 4): backup, restore with the S3 nodes gone, and no plaintext in
//! the bucket's files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use backup::Node;
use common::*;
use store::{ObjectKey, ObjectStore, S3, S3Config};
use test_support::{ACCESS_KEY, S3Server, SECRET_KEY};
use zeroize::Zeroizing;

fn s3_node(server: &S3Server, i: usize) -> (Node, Arc<S3>) {
    let config = S3Config {
        endpoint: server.endpoint.clone(),
        bucket: "backups".into(),
        region: "us-east-1".into(),
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: Zeroizing::new(SECRET_KEY.into()),
        prefix: format!("{}/", node_id(i)),
        ca_pem: None,
        timeout: Duration::from_secs(10),
    };
    let s = Arc::new(S3::new(config, 1 << 30).unwrap());
    (Node::new(&node_id(i), s.clone()).unwrap(), s)
}

#[test]
fn local_and_s3_nodes_in_one_run() {
    let server = S3Server::start("backup-mix", &["backups"]);
    let root = temp("s3-mix");
    let keys = keys();
    let cases = archives(8);
    // Nodes 0–3 local directories, 4 and 5 two prefixes of one bucket.
    let mut nodes = local_nodes(&root, 4);
    let (n4, s4) = s3_node(&server, 4);
    let (n5, s5) = s3_node(&server, 5);
    nodes.push(n4);
    nodes.push(n5);
    run_backup(&nodes, &keys, &spec("mix"), &cases).unwrap();
    assert_eq!(run_restore(&nodes, &keys, "mix").unwrap(), cases);
    let opened = backup::open_index(
        &nodes,
        &keys.signing.verifying_key(),
        &backup::RunId::new("mix").unwrap(),
    )
    .unwrap();
    assert!(
        backup::verify(&nodes, &opened, &mut |_| {})
            .unwrap()
            .is_intact()
    );

    // The bucket's files hold no plaintext.
    let files = server.files();
    assert!(!files.is_empty());
    for f in &files {
        let b = std::fs::read(f).unwrap();
        assert!(!contains(&b, MARKER), "{} holds the marker", f.display());
    }

    // Both S3 nodes emptied: restore from the four local ones.
    for s in [&s4, &s5] {
        for prefix in ["shards", "index"] {
            for k in s.list(&ObjectKey::new(prefix).unwrap()).unwrap() {
                s.delete(&k).unwrap();
            }
        }
    }
    assert_eq!(run_restore(&nodes, &keys, "mix").unwrap(), cases);
    let v = backup::verify(&nodes, &opened, &mut |_| {}).unwrap();
    assert_eq!((v.degraded, v.lost), (cases.len(), 0));
}
