//! What the nodes hold: shard objects with their header, and the signed index and journal.
//!
//! Object layout on every node (keys are `store::ObjectKey`s):
//!
//! - `index/<run>`: the run's index, signed (a copy on every node);
//! - `journal/<run>/<seq>`: signed journal segments of a run in progress (every node), removed
//!   once the index is written;
//! - `shards/<run>/<case-key>/<i>`: shard `i` of one case (on one node), where `case-key` is 32
//!   hex digits of `SHA-256("idverify/backup/case/v1" ‖ case id)`.
//!
//! A shard object is a 56-byte header then the shard's bytes:
//! `"IDVS" ‖ version (1) ‖ k ‖ m ‖ i ‖ SHA-256 case hash (32) ‖ shard length (u64 BE) ‖
//! ciphertext length (u64 BE)`. The SHA-256 of the whole object is in the index.
//!
//! A signed document is `magic (8: "IDVBIDX1" index, "IDVBJNL1" journal) ‖ Ed25519 signature (64)
//! ‖ JSON body`, the signature over `magic ‖ body` exactly as stored (nothing is re-encoded before
//! checking), so an index cannot pass as a journal segment or the reverse.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::ObjectKey;

use crate::crypto::TAG_LEN;
use crate::keys::{IndexSigningKey, IndexVerifyingKey};
use crate::model::{Layout, RunId, check_case_id};

const SHARD_MAGIC: &[u8; 4] = b"IDVS";
const SHARD_VERSION: u8 = 1;
/// The length of a shard object's header.
pub(crate) const HEADER_LEN: usize = 56;
const INDEX_MAGIC: &[u8; 8] = b"IDVBIDX1";
const JOURNAL_MAGIC: &[u8; 8] = b"IDVBJNL1";
const SIG_LEN: usize = 64;
const FORMAT_VERSION: u32 = 1;
/// The largest archive (1 TiB): far above anything real, and far below AES-GCM's limit.
pub(crate) const MAX_ARCHIVE: u64 = 1 << 40;

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub(crate) fn case_hash(case_id: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(b"idverify/backup/case/v1")
        .chain_update(case_id.as_bytes())
        .finalize()
        .into()
}

/// The case's key segment: 32 hex digits of its case hash.
pub(crate) fn case_key(case_id: &str) -> String {
    hex::encode(case_hash(case_id).get(..16).unwrap_or_default())
}

#[allow(
    clippy::expect_used,
    reason = "every caller builds the key from validated segments (run ids, hex digits, numbers)"
)]
fn key(s: &str) -> ObjectKey {
    ObjectKey::new(s).expect("keys built from validated segments are valid object keys")
}

pub(crate) fn index_key(run: &RunId) -> ObjectKey {
    key(&format!("index/{run}"))
}

pub(crate) fn index_prefix() -> ObjectKey {
    key("index")
}

pub(crate) fn journal_prefix(run: &RunId) -> ObjectKey {
    key(&format!("journal/{run}"))
}

pub(crate) fn journal_key(run: &RunId, seq: u64) -> ObjectKey {
    key(&format!("journal/{run}/{seq:010}"))
}

pub(crate) fn shard_key(run: &RunId, case_key: &str, shard: usize) -> ObjectKey {
    key(&format!("shards/{run}/{case_key}/{shard:02}"))
}

/// A shard object's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShardHeader {
    pub k: usize,
    pub m: usize,
    pub index: usize,
    pub case_hash: [u8; 32],
    pub shard_len: u64,
    pub ciphertext_len: u64,
}

impl ShardHeader {
    pub(crate) fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let mut parts: Vec<u8> = Vec::with_capacity(HEADER_LEN);
        parts.extend_from_slice(SHARD_MAGIC);
        parts.push(SHARD_VERSION);
        // Layout::new caps k + m at 64, so each fits a byte.
        for v in [self.k, self.m, self.index] {
            parts.push(u8::try_from(v).unwrap_or(u8::MAX));
        }
        parts.extend_from_slice(&self.case_hash);
        parts.extend_from_slice(&self.shard_len.to_be_bytes());
        parts.extend_from_slice(&self.ciphertext_len.to_be_bytes());
        for (d, s) in out.iter_mut().zip(parts) {
            *d = s;
        }
        out
    }

    pub(crate) fn parse(object: &[u8]) -> Option<ShardHeader> {
        let (head, _) = object.split_at_checked(HEADER_LEN)?;
        let (magic, rest) = head.split_at_checked(4)?;
        if magic != SHARD_MAGIC {
            return None;
        }
        let (&[version, k, m, index], rest) = rest.split_first_chunk::<4>()?;
        if version != SHARD_VERSION {
            return None;
        }
        let (case_hash, rest) = rest.split_first_chunk::<32>()?;
        let (shard_len, rest) = rest.split_first_chunk::<8>()?;
        let (ciphertext_len, _) = rest.split_first_chunk::<8>()?;
        Some(ShardHeader {
            k: usize::from(k),
            m: usize::from(m),
            index: usize::from(index),
            case_hash: *case_hash,
            shard_len: u64::from_be_bytes(*shard_len),
            ciphertext_len: u64::from_be_bytes(*ciphertext_len),
        })
    }
}

/// The shard's bytes after its header.
pub(crate) fn payload(object: &[u8]) -> &[u8] {
    object.get(HEADER_LEN..).unwrap_or_default()
}

/// Where one shard is and what it hashes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShardRef {
    pub node: String,
    pub sha256: [u8; 32],
}

/// One case of a backup run, as its index records it.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseEntry {
    pub(crate) case_id: String,
    pub(crate) key: String,
    pub(crate) size: u64,
    pub(crate) ciphertext_len: u64,
    pub(crate) ciphertext_sha256: [u8; 32],
    pub(crate) salt: [u8; 32],
    pub(crate) archive_mac: [u8; 32],
    pub(crate) shard_len: u64,
    pub(crate) shards: Vec<ShardRef>,
}

impl fmt::Debug for CaseEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaseEntry")
            .field("case_id", &self.case_id)
            .field("size", &self.size)
            .field(
                "nodes",
                &self
                    .shards
                    .iter()
                    .map(|s| s.node.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl CaseEntry {
    /// The case id.
    #[must_use]
    pub fn case_id(&self) -> &str {
        &self.case_id
    }

    /// The archive's size in bytes.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The node of each shard, data shards first.
    pub fn shard_nodes(&self) -> impl Iterator<Item = &str> {
        self.shards.iter().map(|s| s.node.as_str())
    }
}

/// A backup run's index: what was backed up, where, and the hash of every piece. Exists only
/// once its signature has been checked ([`open_index`](crate::open_index)) or it was just made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupIndex {
    pub(crate) run: RunId,
    pub(crate) seq: u64,
    pub(crate) created_at: i64,
    pub(crate) layout: Layout,
    pub(crate) backup_key_id: String,
    pub(crate) nodes: Vec<String>,
    pub(crate) cases: Vec<CaseEntry>,
}

impl BackupIndex {
    /// The run.
    #[must_use]
    pub fn run(&self) -> &RunId {
        &self.run
    }

    /// The creation time the caller passed in (Unix seconds).
    #[must_use]
    pub fn created_at(&self) -> i64 {
        self.created_at
    }

    /// `k` and `m`.
    #[must_use]
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The id of the backup key the run was sealed with ([`BackupKey::id`](crate::BackupKey::id)).
    #[must_use]
    pub fn backup_key_id(&self) -> &str {
        &self.backup_key_id
    }

    /// The nodes of the run, in placement order.
    #[must_use]
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// The cases, in the order they were given.
    #[must_use]
    pub fn cases(&self) -> &[CaseEntry] {
        &self.cases
    }

    /// The total size of the archives.
    #[must_use]
    pub fn total_bytes(&self) -> u64 {
        self.cases.iter().map(|c| c.size).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocKind {
    Index,
    Journal,
}

impl DocKind {
    fn magic(self) -> &'static [u8; 8] {
        match self {
            DocKind::Index => INDEX_MAGIC,
            DocKind::Journal => JOURNAL_MAGIC,
        }
    }

    fn format(self) -> &'static str {
        match self {
            DocKind::Index => "idverify-backup-index",
            DocKind::Journal => "idverify-backup-journal",
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireDoc {
    format: String,
    version: u32,
    run: String,
    seq: u64,
    created_at: i64,
    k: usize,
    m: usize,
    backup_key_id: String,
    nodes: Vec<String>,
    cases: Vec<WireCase>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCase {
    case_id: String,
    key: String,
    size: u64,
    ciphertext_len: u64,
    ciphertext_sha256: String,
    salt: String,
    archive_mac: String,
    shard_len: u64,
    shards: Vec<WireShard>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireShard {
    node: String,
    sha256: String,
}

/// Why a stored document was not accepted.
#[derive(Debug)]
pub(crate) enum DocError {
    /// Not signed by the index key (or not one of our documents at all).
    Signature,
    /// Signed, but unreadable or inconsistent.
    Malformed(String),
}

/// The shard length for a ciphertext of `len` bytes over `k` data shards (at least 1).
pub(crate) fn shard_len_for(len: u64, k: usize) -> u64 {
    let k = u64::try_from(k).unwrap_or(1).max(1);
    len.div_ceil(k).max(1)
}

pub(crate) fn encode_doc(kind: DocKind, doc: &BackupIndex, signer: &IndexSigningKey) -> Vec<u8> {
    let wire = WireDoc {
        format: kind.format().to_owned(),
        version: FORMAT_VERSION,
        run: doc.run.as_str().to_owned(),
        seq: doc.seq,
        created_at: doc.created_at,
        k: doc.layout.data_shards(),
        m: doc.layout.parity_shards(),
        backup_key_id: doc.backup_key_id.clone(),
        nodes: doc.nodes.clone(),
        cases: doc
            .cases
            .iter()
            .map(|c| WireCase {
                case_id: c.case_id.clone(),
                key: c.key.clone(),
                size: c.size,
                ciphertext_len: c.ciphertext_len,
                ciphertext_sha256: hex::encode(c.ciphertext_sha256),
                salt: hex::encode(c.salt),
                archive_mac: hex::encode(c.archive_mac),
                shard_len: c.shard_len,
                shards: c
                    .shards
                    .iter()
                    .map(|s| WireShard {
                        node: s.node.clone(),
                        sha256: hex::encode(s.sha256),
                    })
                    .collect(),
            })
            .collect(),
    };
    // Serializing plain strings and integers to a Vec cannot fail.
    let body = serde_json::to_vec(&wire).unwrap_or_default();
    let mut message = Vec::with_capacity(8 + body.len());
    message.extend_from_slice(kind.magic());
    message.extend_from_slice(&body);
    let sig = signer.sign(&message);
    let mut out = Vec::with_capacity(8 + SIG_LEN + body.len());
    out.extend_from_slice(kind.magic());
    out.extend_from_slice(&sig);
    out.extend_from_slice(&body);
    out
}

fn hex32(s: &str, what: &str) -> Result<[u8; 32], DocError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| DocError::Malformed(format!("{what}: hex")))?;
    Ok(out)
}

/// Checks the signature over the stored bytes, then parses and validates the body.
pub(crate) fn decode_doc(
    kind: DocKind,
    bytes: &[u8],
    verifier: &IndexVerifyingKey,
) -> Result<BackupIndex, DocError> {
    let (magic, rest) = bytes.split_first_chunk::<8>().ok_or(DocError::Signature)?;
    if magic != kind.magic() {
        return Err(DocError::Signature);
    }
    let (sig, body) = rest
        .split_first_chunk::<SIG_LEN>()
        .ok_or(DocError::Signature)?;
    let mut message = Vec::with_capacity(8 + body.len());
    message.extend_from_slice(magic);
    message.extend_from_slice(body);
    if !verifier.verify(&message, sig) {
        return Err(DocError::Signature);
    }
    let wire: WireDoc =
        serde_json::from_slice(body).map_err(|e| DocError::Malformed(format!("json: {e}")))?;
    if wire.format != kind.format() || wire.version != FORMAT_VERSION {
        return Err(DocError::Malformed(format!(
            "format {} version {}",
            wire.format, wire.version
        )));
    }
    let run = RunId::new(&wire.run).map_err(|e| DocError::Malformed(e.to_string()))?;
    let layout = Layout::new(wire.k, wire.m).map_err(|e| DocError::Malformed(e.to_string()))?;
    if wire.backup_key_id.len() != 16 || hex::decode(&wire.backup_key_id).is_err() {
        return Err(DocError::Malformed("backup key id".into()));
    }
    let mut seen = HashSet::new();
    let mut cases = Vec::with_capacity(wire.cases.len());
    for c in wire.cases {
        check_case_id(&c.case_id).map_err(|e| DocError::Malformed(e.to_string()))?;
        if !seen.insert(c.case_id.clone()) {
            return Err(DocError::Malformed(format!("case {} twice", c.case_id)));
        }
        if c.key != case_key(&c.case_id) {
            return Err(DocError::Malformed(format!("case {}: key", c.case_id)));
        }
        if c.size > MAX_ARCHIVE
            || c.ciphertext_len != c.size + TAG_LEN as u64
            || c.shard_len != shard_len_for(c.ciphertext_len, layout.data_shards())
        {
            return Err(DocError::Malformed(format!("case {}: lengths", c.case_id)));
        }
        if c.shards.len() != layout.total() {
            return Err(DocError::Malformed(format!(
                "case {}: shard count",
                c.case_id
            )));
        }
        let mut shards = Vec::with_capacity(c.shards.len());
        for s in c.shards {
            crate::model::Node::check_id(&s.node)
                .map_err(|_| DocError::Malformed(format!("case {}: node id", c.case_id)))?;
            shards.push(ShardRef {
                node: s.node,
                sha256: hex32(&s.sha256, "shard hash")?,
            });
        }
        cases.push(CaseEntry {
            ciphertext_sha256: hex32(&c.ciphertext_sha256, "ciphertext hash")?,
            salt: hex32(&c.salt, "salt")?,
            archive_mac: hex32(&c.archive_mac, "archive mac")?,
            case_id: c.case_id,
            key: c.key,
            size: c.size,
            ciphertext_len: c.ciphertext_len,
            shard_len: c.shard_len,
            shards,
        });
    }
    Ok(BackupIndex {
        run,
        seq: wire.seq,
        created_at: wire.created_at,
        layout,
        backup_key_id: wire.backup_key_id,
        nodes: wire.nodes,
        cases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = ShardHeader {
            k: 4,
            m: 2,
            index: 5,
            case_hash: [7; 32],
            shard_len: 12345,
            ciphertext_len: 49000,
        };
        let mut obj = h.encode().to_vec();
        obj.extend_from_slice(b"payload");
        assert_eq!(ShardHeader::parse(&obj).unwrap(), h);
        assert_eq!(payload(&obj), b"payload");
        assert!(ShardHeader::parse(&obj[..HEADER_LEN - 1]).is_none());
        obj[0] = b'X';
        assert!(ShardHeader::parse(&obj).is_none());
    }

    #[test]
    fn keys_are_valid_object_keys() {
        let run = RunId::new("r1").unwrap();
        assert_eq!(index_key(&run).as_str(), "index/r1");
        assert_eq!(journal_key(&run, 3).as_str(), "journal/r1/0000000003");
        let ck = case_key("ver_ABC");
        assert_eq!(ck.len(), 32);
        assert_eq!(
            shard_key(&run, &ck, 5).as_str(),
            format!("shards/r1/{ck}/05")
        );
        assert_eq!(shard_len_for(17, 4), 5);
        assert_eq!(shard_len_for(0, 4), 1);
    }
}
