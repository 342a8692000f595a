//! The S3-compatible object store against a real S3 server (s3s-fs, which checks every
//! request's Signature Version 4): the same contract as the local directory — round trips,
//! overwrite, listing by prefix across pages, idempotent deletion, size limits — plus refusals
//! of a wrong secret and a missing bucket, and no partial objects.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::time::Duration;

use store::{ObjectKey, ObjectStore, S3, S3Config};
use test_support::{ACCESS_KEY, S3Server, SECRET_KEY};
use zeroize::Zeroizing;

fn config(server: &S3Server, bucket: &str, secret: &str, prefix: &str) -> S3Config {
    S3Config {
        endpoint: server.endpoint.clone(),
        bucket: bucket.into(),
        region: "us-east-1".into(),
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: Zeroizing::new(secret.into()),
        prefix: prefix.into(),
        ca_pem: None,
        timeout: Duration::from_secs(10),
    }
}

fn key(k: &str) -> ObjectKey {
    ObjectKey::new(k).unwrap()
}

#[test]
fn put_get_list_delete_on_a_real_s3_server() {
    let server = S3Server::start("contract", &["evidence"]);
    let s = S3::new(config(&server, "evidence", SECRET_KEY, "node-a/"), 1 << 20).unwrap();
    s.ready().unwrap();
    let (a, b, c) = (
        key("ver_1/document_front"),
        key("ver_1/chip/dg2"),
        key("ver_2/selfie"),
    );
    s.put(&a, b"A").unwrap();
    s.put(&b, &[7u8; 70_000]).unwrap();
    s.put(&c, b"C").unwrap();
    s.put(&a, b"A2").unwrap();
    assert_eq!(s.get(&a).unwrap(), b"A2");
    assert_eq!(s.get(&b).unwrap(), vec![7u8; 70_000]);
    assert_eq!(s.list(&key("ver_1")).unwrap(), vec![b.clone(), a.clone()]);
    // `ver_1` is a whole segment: `ver_10` is not under it.
    s.put(&key("ver_10/x"), b"x").unwrap();
    assert_eq!(s.list(&key("ver_1")).unwrap().len(), 2);
    s.delete(&a).unwrap();
    s.delete(&a).unwrap();
    assert_eq!(s.get(&a).unwrap_err().code(), "object_not_found");
    assert!(s.list(&key("ver_3")).unwrap().is_empty());
    // The prefix keeps nodes' or tenants' objects apart inside one bucket.
    let other = S3::new(config(&server, "evidence", SECRET_KEY, "node-b/"), 1 << 20).unwrap();
    assert_eq!(other.get(&c).unwrap_err().code(), "object_not_found");
    assert!(other.list(&key("ver_2")).unwrap().is_empty());
}

#[test]
fn listing_follows_continuation_tokens_past_one_page() {
    let server = S3Server::start("pages", &["evidence"]);
    let s = S3::new(config(&server, "evidence", SECRET_KEY, ""), 1 << 10).unwrap();
    let keys: Vec<ObjectKey> = (0..1_005)
        .map(|i| key(&format!("ver_big/f{i:05}")))
        .collect();
    for k in &keys {
        s.put(k, b"x").unwrap();
    }
    assert_eq!(s.list(&key("ver_big")).unwrap(), keys);
}

#[test]
fn oversized_objects_are_refused_before_sending() {
    let server = S3Server::start("size", &["evidence"]);
    let s = S3::new(config(&server, "evidence", SECRET_KEY, ""), 10).unwrap();
    let k = key("ver_1/big");
    assert_eq!(s.put(&k, &[0; 11]).unwrap_err().code(), "object_too_large");
    assert_eq!(s.get(&k).unwrap_err().code(), "object_not_found");
    assert!(server.files().is_empty(), "{:?}", server.files());
}

#[test]
fn a_wrong_secret_or_a_missing_bucket_is_refused() {
    let server = S3Server::start("refusals", &["evidence"]);
    let wrong = S3::new(config(&server, "evidence", "not-the-secret", ""), 1 << 10).unwrap();
    let err = wrong.put(&key("ver_1/x"), b"x").unwrap_err();
    assert_eq!(err.code(), "storage_unavailable");
    assert!(err.to_string().contains("403"), "{err}");
    assert!(wrong.ready().is_err());
    assert!(server.files().is_empty());
    let missing = S3::new(config(&server, "nope", SECRET_KEY, ""), 1 << 10).unwrap();
    assert!(missing.ready().is_err());
}

#[test]
fn an_unreachable_endpoint_is_storage_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = S3Config {
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: "evidence".into(),
        region: "us-east-1".into(),
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: Zeroizing::new(SECRET_KEY.into()),
        prefix: String::new(),
        ca_pem: None,
        timeout: Duration::from_secs(2),
    };
    let s = S3::new(cfg, 1 << 10).unwrap();
    assert_eq!(s.ready().unwrap_err().code(), "storage_unavailable");
}
