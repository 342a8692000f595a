//! The local-directory object store: round trips, listing, idempotent deletion, size limits,
//! keys that try to leave the directory, and no partial objects.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use proptest::prelude::*;
use store::{LocalDir, ObjectKey, ObjectStore};

fn dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("idverify-objects-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn put_get_list_delete() {
    let root = dir("basic");
    let s = LocalDir::open(&root, 1 << 20).unwrap();
    let a = ObjectKey::new("ver_1/document_front").unwrap();
    let b = ObjectKey::new("ver_1/chip/dg2").unwrap();
    let c = ObjectKey::new("ver_2/selfie").unwrap();
    s.put(&a, b"A").unwrap();
    s.put(&b, b"B").unwrap();
    s.put(&c, b"C").unwrap();
    s.put(&a, b"A2").unwrap();
    assert_eq!(s.get(&a).unwrap(), b"A2");
    assert_eq!(
        s.list(&ObjectKey::new("ver_1").unwrap()).unwrap(),
        vec![b.clone(), a.clone()]
    );
    s.delete(&a).unwrap();
    s.delete(&a).unwrap();
    assert_eq!(s.get(&a).unwrap_err().code(), "object_not_found");
    assert!(s.ready().is_ok());
    // No temporary files left behind.
    let leftovers: Vec<_> = walk(&root)
        .into_iter()
        .filter(|p| p.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(p: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path().display().to_string());
        }
    }
    out
}

#[test]
fn oversized_objects_are_refused_and_leave_nothing() {
    let s = LocalDir::open(dir("size"), 10).unwrap();
    let k = ObjectKey::new("ver_1/big").unwrap();
    assert_eq!(s.put(&k, &[0; 11]).unwrap_err().code(), "object_too_large");
    assert_eq!(s.get(&k).unwrap_err().code(), "object_not_found");
}

#[test]
fn keys_cannot_escape_the_directory() {
    for bad in [
        "",
        "../etc/passwd",
        "a/../../b",
        "/abs",
        "a//b",
        "A/b",
        "a/.hidden",
        "a/b c",
        "a\\b",
        "a/./b",
    ] {
        assert_eq!(
            ObjectKey::new(bad).unwrap_err().code(),
            "object_key_invalid",
            "{bad:?}"
        );
    }
}

proptest! {
    #[test]
    fn any_valid_key_round_trips_and_stays_inside(segs in proptest::collection::vec("[a-z0-9_-][a-z0-9_.-]{0,12}", 1..4), body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let root = dir("prop");
        let s = LocalDir::open(&root, 1 << 16).unwrap();
        let k = ObjectKey::new(&segs.join("/")).unwrap();
        s.put(&k, &body).unwrap();
        prop_assert_eq!(s.get(&k).unwrap(), body);
        for f in walk(&root) {
            prop_assert!(f.starts_with(&root.display().to_string()));
        }
    }

    #[test]
    fn arbitrary_keys_are_validated_never_panic(key in ".{0,80}") {
        if let Ok(k) = ObjectKey::new(&key) {
            prop_assert!(k.as_str().split('/').all(|s| s != ".." && s != "." && !s.is_empty()));
        }
    }
}

#[test]
fn a_killed_writers_temporary_files_are_swept_at_open() {
    let root = dir("sweep");
    let s = LocalDir::open(&root, 1 << 10).unwrap();
    let k = ObjectKey::new("ver_1/selfie").unwrap();
    s.put(&k, b"kept").unwrap();
    std::fs::write(root.join("ver_1").join(".tmp-0123abcd"), b"half").unwrap();
    let s = LocalDir::open(&root, 1 << 10).unwrap();
    assert_eq!(s.get(&k).unwrap(), b"kept");
    assert!(!root.join("ver_1").join(".tmp-0123abcd").exists());
    assert_eq!(s.list(&ObjectKey::new("ver_1").unwrap()).unwrap(), vec![k]);
}
