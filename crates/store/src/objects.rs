//! The object store for evidence blobs: a small interface (put, get, delete, list by prefix)
//! that a local directory implements here and S3-compatible stores will implement for clusters.
//!
//! Keys are validated ([`ObjectKey`]): lowercase ASCII letters, digits, `-`, `_`, `.` in `/`
//! separated segments, no empty, `.` or `..` segment — no path traversal, whatever a caller
//! passes. Writes are atomic and durable (temporary file, fsync, rename, fsync of the
//! directory), so a crash or a rejected upload never leaves a partial object behind.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key outside the allowed alphabet or shape.
    #[error("invalid object key: {0}")]
    InvalidKey(&'static str),
    /// No object under this key.
    #[error("no object {0}")]
    NotFound(String),
    /// An object above the size limit.
    #[error("object of {size} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// The object's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The underlying storage failed.
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidKey(_) => "object_key_invalid",
            Error::NotFound(_) => "object_not_found",
            Error::TooLarge { .. } => "object_too_large",
            Error::Io(_) => "storage_unavailable",
        }
    }
}

/// A validated object key, e.g. `ver_01hx/document_front`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey(String);

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectKey({})", self.0)
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ObjectKey {
    /// Validates `key`.
    pub fn new(key: &str) -> Result<ObjectKey, Error> {
        if key.is_empty() || key.len() > 512 {
            return Err(Error::InvalidKey("length"));
        }
        for seg in key.split('/') {
            if seg.is_empty() || seg == "." || seg == ".." {
                return Err(Error::InvalidKey("empty, . or .. segment"));
            }
            if !seg.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            }) {
                return Err(Error::InvalidKey("characters outside a-z 0-9 - _ ."));
            }
            if seg.starts_with('.') {
                return Err(Error::InvalidKey("segment starting with a dot"));
            }
        }
        Ok(ObjectKey(key.to_owned()))
    }

    /// The key.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where evidence blobs live.
pub trait ObjectStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing any object there, atomically.
    fn put(&self, key: &ObjectKey, bytes: &[u8]) -> Result<(), Error>;
    /// The object under `key`.
    fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, Error>;
    /// Removes the object (absent is not an error: deletion is idempotent).
    fn delete(&self, key: &ObjectKey) -> Result<(), Error>;
    /// The keys under `prefix` (a whole segment path, e.g. a verification id), sorted.
    fn list(&self, prefix: &ObjectKey) -> Result<Vec<ObjectKey>, Error>;
    /// Whether the store is reachable and writable (for `/readyz`).
    fn ready(&self) -> Result<(), Error>;
}

/// Objects as files under one directory (the embedded default).
#[derive(Debug, Clone)]
pub struct LocalDir {
    root: PathBuf,
    max_object: u64,
}

impl LocalDir {
    /// A store rooted at `root` (created if absent), refusing objects above `max_object` bytes.
    ///
    /// A directory belongs to one server process: temporary files a killed writer left behind
    /// (never visible as objects) are removed here.
    pub fn open(root: impl Into<PathBuf>, max_object: u64) -> Result<LocalDir, Error> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                if entry.file_type()?.is_dir() {
                    stack.push(entry.path());
                } else if entry.file_name().to_string_lossy().starts_with(".tmp-") {
                    std::fs::remove_file(entry.path())?;
                }
            }
        }
        Ok(LocalDir { root, max_object })
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        key.0
            .split('/')
            .fold(self.root.clone(), |p, seg| p.join(seg))
    }

    fn temp_name(dir: &Path) -> Result<PathBuf, Error> {
        let mut r = [0u8; 12];
        getrandom::fill(&mut r).map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
        let name: String = r.iter().map(|b| format!("{b:02x}")).collect();
        Ok(dir.join(format!(".tmp-{name}")))
    }
}

impl ObjectStore for LocalDir {
    fn put(&self, key: &ObjectKey, bytes: &[u8]) -> Result<(), Error> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > self.max_object {
            return Err(Error::TooLarge {
                size,
                limit: self.max_object,
            });
        }
        let path = self.path(key);
        let dir = path.parent().ok_or(Error::InvalidKey("no parent"))?;
        std::fs::create_dir_all(dir)?;
        let tmp = Self::temp_name(dir)?;
        let result = (|| -> Result<(), Error> {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            // The rename is durable only once the directory itself is synced.
            std::fs::File::open(dir)?.sync_all()?;
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn get(&self, key: &ObjectKey) -> Result<Vec<u8>, Error> {
        match std::fs::read(self.path(key)) {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::NotFound(key.0.clone()))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn delete(&self, key: &ObjectKey) -> Result<(), Error> {
        match std::fs::remove_file(self.path(key)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn list(&self, prefix: &ObjectKey) -> Result<Vec<ObjectKey>, Error> {
        let mut out = Vec::new();
        let mut stack = vec![(self.path(prefix), prefix.0.clone())];
        while let Some((dir, key)) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with(".tmp-") {
                    continue;
                }
                let child = format!("{key}/{name}");
                if entry.file_type()?.is_dir() {
                    stack.push((entry.path(), child));
                } else if let Ok(k) = ObjectKey::new(&child) {
                    out.push(k);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn ready(&self) -> Result<(), Error> {
        let probe = ObjectKey::new("_ready/probe")?;
        self.put(&probe, b"ok")?;
        self.delete(&probe)
    }
}
