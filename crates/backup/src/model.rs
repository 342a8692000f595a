//! The inputs: nodes, run ids, the layout, archives, progress.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use store::ObjectStore;

use crate::Error;

/// The most shards a case may have (GF(2^8) Reed–Solomon: k + m ≤ 256; kept far lower).
pub(crate) const MAX_SHARDS: usize = 64;

/// `[a-z0-9._-]{1,64}`, not starting with a dot: one object-key segment.
fn segment(s: &str) -> Result<(), &'static str> {
    if s.is_empty() || s.len() > 64 {
        return Err("1 to 64 characters");
    }
    if s.starts_with('.') {
        return Err("starts with a dot");
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err("characters outside a-z 0-9 . _ -");
    }
    Ok(())
}

/// One storage node: an id that the index records for each shard, and its store.
#[derive(Clone)]
pub struct Node {
    id: String,
    store: Arc<dyn ObjectStore>,
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Node({})", self.id)
    }
}

impl Node {
    /// A node named `id` (`[a-z0-9._-]{1,64}`, stable across runs: the index places shards by it).
    pub fn new(id: &str, store: Arc<dyn ObjectStore>) -> Result<Node, Error> {
        segment(id).map_err(Error::NodeIdInvalid)?;
        Ok(Node {
            id: id.to_owned(),
            store,
        })
    }

    pub(crate) fn check_id(id: &str) -> Result<(), Error> {
        segment(id).map_err(Error::NodeIdInvalid)
    }

    /// The node's id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn store(&self) -> &dyn ObjectStore {
        self.store.as_ref()
    }
}

/// Checks that node ids are distinct.
pub(crate) fn distinct(nodes: &[Node]) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for n in nodes {
        if !seen.insert(n.id.as_str()) {
            return Err(Error::NodeDuplicate(n.id.clone()));
        }
    }
    Ok(())
}

/// The id of one backup run, e.g. `20250601t020000z` (`[a-z0-9._-]{1,64}`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(String);

impl fmt::Debug for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RunId({})", self.0)
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl RunId {
    /// Validates `id`.
    pub fn new(id: &str) -> Result<RunId, Error> {
        segment(id).map_err(Error::RunIdInvalid)?;
        Ok(RunId(id.to_owned()))
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `k` data shards and `m` parity shards per case: any `k` of the `k + m` rebuild it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    k: usize,
    m: usize,
}

impl Layout {
    /// `k ≥ 1`, `m ≥ 1`, `k + m ≤ 64`.
    pub fn new(data_shards: usize, parity_shards: usize) -> Result<Layout, Error> {
        if data_shards == 0 {
            return Err(Error::LayoutInvalid("at least one data shard"));
        }
        if parity_shards == 0 {
            return Err(Error::LayoutInvalid("at least one parity shard"));
        }
        if data_shards.saturating_add(parity_shards) > MAX_SHARDS {
            return Err(Error::LayoutInvalid("at most 64 shards"));
        }
        Ok(Layout {
            k: data_shards,
            m: parity_shards,
        })
    }

    /// `k`.
    #[must_use]
    pub fn data_shards(&self) -> usize {
        self.k
    }

    /// `m`.
    #[must_use]
    pub fn parity_shards(&self) -> usize {
        self.m
    }

    /// `k + m`.
    #[must_use]
    pub fn total(&self) -> usize {
        self.k + self.m
    }
}

impl Default for Layout {
    /// 4 + 2: any two nodes may be lost, 1.5× the archive's size stored.
    fn default() -> Layout {
        Layout { k: 4, m: 2 }
    }
}

/// One case's archive, as the caller exported it. `Debug` shows the id and the length only.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseArchive {
    /// The case (verification) id, 1 to 256 bytes.
    pub case_id: String,
    /// The archive's bytes.
    pub bytes: Vec<u8>,
}

impl fmt::Debug for CaseArchive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CaseArchive({}, {} bytes)",
            self.case_id,
            self.bytes.len()
        )
    }
}

pub(crate) fn check_case_id(id: &str) -> Result<(), Error> {
    if id.is_empty() || id.len() > 256 {
        return Err(Error::CaseIdInvalid("1 to 256 bytes"));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::CaseIdInvalid("control characters"));
    }
    Ok(())
}

/// How far a backup, restore or verification has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Cases done (written, skipped, restored or checked).
    pub done: usize,
    /// Cases in all.
    pub total: usize,
    /// Archive bytes done (for verify: shard bytes read).
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_layouts_are_validated() {
        assert!(RunId::new("20250601t020000z").is_ok());
        assert_eq!(
            RunId::new("Run").unwrap_err().code(),
            "backup_run_id_invalid"
        );
        assert!(RunId::new(".x").is_err());
        assert!(RunId::new("a/b").is_err());
        assert_eq!(
            Layout::new(0, 2).unwrap_err().code(),
            "backup_layout_invalid"
        );
        assert!(Layout::new(4, 0).is_err());
        assert!(Layout::new(60, 5).is_err());
        assert_eq!(Layout::default().total(), 6);
        assert!(check_case_id("").is_err());
        assert!(check_case_id("a\nb").is_err());
        assert!(check_case_id("ver_01HX").is_ok());
    }
}
