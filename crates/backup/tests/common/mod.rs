//! Shared helpers for the backup crate's integration tests: node sets in temporary directories,
//! an in-memory store, a store that fails after N writes, archives carrying a marker string.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use backup::{BackupKey, BackupReport, CaseArchive, IndexSigningKey, Layout, Node, RunId, RunSpec};
use store::objects::Error as StoreError;
use store::{LocalDir, ObjectKey, ObjectStore};

/// A marker that every test archive contains and no node may.
pub const MARKER: &[u8] = b"IDVERIFY-PLAINTEXT-MARKER-5f1c9a";

pub type Rng = rand_core::UnwrapErr<getrandom::SysRng>;

pub fn rng() -> Rng {
    rand_core::UnwrapErr(getrandom::SysRng)
}

pub struct Keys {
    pub backup: BackupKey,
    pub signing: IndexSigningKey,
}

pub fn keys() -> Keys {
    Keys {
        backup: BackupKey::generate(&mut rng()),
        signing: IndexSigningKey::generate(&mut rng()),
    }
}

/// A fresh temporary directory for this test.
pub fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("idverify-backup-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn node_id(i: usize) -> String {
    format!("node-{i}")
}

pub fn local_node(dir: &Path, i: usize) -> Node {
    let store = LocalDir::open(dir.join(node_id(i)), 1 << 30).unwrap();
    Node::new(&node_id(i), Arc::new(store)).unwrap()
}

/// `n` local-directory nodes under `root`.
pub fn local_nodes(root: &Path, n: usize) -> Vec<Node> {
    (0..n).map(|i| local_node(root, i)).collect()
}

/// Archives of varied sizes (0 bytes, 1 byte, odd sizes, ~64 KB), each containing [`MARKER`].
pub fn archives(n: usize) -> Vec<CaseArchive> {
    (0..n)
        .map(|i| {
            let size = match i % 5 {
                0 => 0,
                1 => 1,
                2 => 997,
                3 => 65_537,
                _ => 12_345 + i,
            };
            let mut bytes: Vec<u8> = (0..size)
                .map(|j| u8::try_from((i * 31 + j * 7) % 251).unwrap())
                .collect();
            if bytes.len() >= MARKER.len() * 2 {
                bytes[..MARKER.len()].copy_from_slice(MARKER);
                let mid = bytes.len() / 2;
                bytes[mid..mid + MARKER.len()].copy_from_slice(MARKER);
            }
            CaseArchive {
                case_id: format!("ver_01HX{i:04}"),
                bytes,
            }
        })
        .collect()
}

pub fn spec(run: &str) -> RunSpec {
    RunSpec::new(RunId::new(run).unwrap(), 1_750_000_000)
}

pub fn spec_layout(run: &str, k: usize, m: usize) -> RunSpec {
    let mut s = spec(run);
    s.layout = Layout::new(k, m).unwrap();
    s
}

pub fn run_backup(
    nodes: &[Node],
    keys: &Keys,
    spec: &RunSpec,
    cases: &[CaseArchive],
) -> Result<BackupReport, backup::Error> {
    backup::backup(
        nodes,
        &keys.backup,
        &keys.signing,
        spec,
        cases,
        &mut rng(),
        &mut |_| {},
    )
}

pub fn run_restore(
    nodes: &[Node],
    keys: &Keys,
    run: &str,
) -> Result<Vec<CaseArchive>, backup::Error> {
    backup::restore_all(
        nodes,
        &keys.backup,
        &keys.signing.verifying_key(),
        &RunId::new(run).unwrap(),
        &mut |_| {},
    )
}

/// Every file under `dir`, recursively.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// An in-memory object store.
#[derive(Debug, Default)]
pub struct MemStore {
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl ObjectStore for MemStore {
    fn put(&self, key: &ObjectKey, bytes: &[u8]) -> Result<(), StoreError> {
        self.objects
            .lock()
            .unwrap()
            .insert(key.as_str().to_owned(), bytes.to_vec());
        Ok(())
    }
    fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, StoreError> {
        self.objects
            .lock()
            .unwrap()
            .get(key.as_str())
            .cloned()
            .ok_or_else(|| StoreError::NotFound(key.as_str().to_owned()))
    }
    fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.objects.lock().unwrap().remove(key.as_str());
        Ok(())
    }
    fn list(&self, prefix: &ObjectKey) -> Result<Vec<ObjectKey>, StoreError> {
        let p = format!("{}/", prefix.as_str());
        Ok(self
            .objects
            .lock()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with(&p))
            .map(|k| ObjectKey::new(k).unwrap())
            .collect())
    }
    fn ready(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A store that accepts `budget` writes, then fails every write (a crash or a dead node halfway
/// through a run). Counts every write it was asked for.
#[derive(Debug)]
pub struct FailAfter<S> {
    pub inner: S,
    pub budget: AtomicUsize,
    pub puts: AtomicUsize,
}

impl<S> FailAfter<S> {
    pub fn new(inner: S, budget: usize) -> FailAfter<S> {
        FailAfter {
            inner,
            budget: AtomicUsize::new(budget),
            puts: AtomicUsize::new(0),
        }
    }
}

impl<S: ObjectStore> ObjectStore for FailAfter<S> {
    fn put(&self, key: &ObjectKey, bytes: &[u8]) -> Result<(), StoreError> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        let left = self.budget.load(Ordering::SeqCst);
        if left == 0 {
            return Err(StoreError::Io(std::io::Error::other("node went away")));
        }
        self.budget.store(left - 1, Ordering::SeqCst);
        self.inner.put(key, bytes)
    }
    fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, StoreError> {
        self.inner.get(key)
    }
    fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.inner.delete(key)
    }
    fn list(&self, prefix: &ObjectKey) -> Result<Vec<ObjectKey>, StoreError> {
        self.inner.list(prefix)
    }
    fn ready(&self) -> Result<(), StoreError> {
        self.inner.ready()
    }
}
