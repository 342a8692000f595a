//! Reading a backup: the signed index, restore, and verification without restoring.

use std::collections::{BTreeSet, HashMap};

use reed_solomon_erasure::galois_8::ReedSolomon;
use subtle::ConstantTimeEq;

use crate::format::{self, BackupIndex, CaseEntry, DocError, DocKind, HEADER_LEN, ShardHeader};
use crate::keys::{BackupKey, IndexVerifyingKey};
use crate::model::{CaseArchive, Node, Progress, RunId, distinct};
use crate::{Error, crypto};

/// What one node's copy of the index was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexCopyState {
    /// Signed, and the copy in use.
    Ok,
    /// Signed, but an older version than the one in use (a node that missed the last write).
    Stale,
    /// No index for this run on the node.
    Missing,
    /// Present, but not signed by the index key: forged or edited.
    SignatureInvalid,
    /// Signed, but unreadable or of another run.
    Malformed(String),
    /// The node could not be read (the store's error code).
    Unreadable(&'static str),
}

/// One node's copy of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexCopy {
    /// The node.
    pub node: String,
    /// What its copy was.
    pub state: IndexCopyState,
}

/// A run's index whose signature checked out, and what every node's copy was.
#[derive(Debug, Clone)]
pub struct OpenedIndex {
    /// The index (the newest correctly signed copy).
    pub index: BackupIndex,
    /// Per node, in the order given.
    pub copies: Vec<IndexCopy>,
}

/// The runs whose index some node holds, sorted (names only: [`open_index`] checks them).
///
/// # Errors
/// `backup_node_unavailable` if no node could be listed.
pub fn list_runs(nodes: &[Node]) -> Result<Vec<RunId>, Error> {
    let mut runs = BTreeSet::new();
    let mut last_err = None;
    let mut any_ok = false;
    for n in nodes {
        match n.store().list(&format::index_prefix()) {
            Ok(keys) => {
                any_ok = true;
                for k in keys {
                    if let Some(run) = k.as_str().strip_prefix("index/")
                        && let Ok(run) = RunId::new(run)
                    {
                        runs.insert(run);
                    }
                }
            }
            Err(source) => {
                last_err = Some(Error::NodeUnavailable {
                    node: n.id().to_owned(),
                    source,
                });
            }
        }
    }
    match last_err {
        Some(e) if !any_ok => Err(e),
        _ => Ok(runs.into_iter().collect()),
    }
}

/// Reads run `run`'s index from every node and keeps the newest copy whose Ed25519 signature
/// checks out; copies that fail are reported, never used.
///
/// # Errors
/// `backup_index_signature_invalid` when copies exist but none is correctly signed (forged or
/// edited), `backup_index_missing` when no node has one, `backup_index_malformed` when a
/// signed copy cannot be read, `backup_node_duplicate`.
pub fn open_index(
    nodes: &[Node],
    verifier: &IndexVerifyingKey,
    run: &RunId,
) -> Result<OpenedIndex, Error> {
    distinct(nodes)?;
    let key = format::index_key(run);
    let mut copies = Vec::with_capacity(nodes.len());
    let mut valid: Vec<(usize, BackupIndex)> = Vec::new();
    for n in nodes {
        let state = match n.store().get(&key) {
            Err(store::objects::Error::NotFound(_)) => IndexCopyState::Missing,
            Err(e) => IndexCopyState::Unreadable(e.code()),
            Ok(bytes) => match format::decode_doc(DocKind::Index, &bytes, verifier) {
                Err(DocError::Signature) => IndexCopyState::SignatureInvalid,
                Err(DocError::Malformed(m)) => IndexCopyState::Malformed(m),
                Ok(doc) if &doc.run != run => {
                    IndexCopyState::Malformed(format!("index of run {}", doc.run))
                }
                Ok(doc) => {
                    valid.push((copies.len(), doc));
                    IndexCopyState::Ok
                }
            },
        };
        copies.push(IndexCopy {
            node: n.id().to_owned(),
            state,
        });
    }
    let newest = valid.iter().map(|(_, d)| d.seq).max();
    let Some(newest) = newest else {
        if copies
            .iter()
            .any(|c| c.state == IndexCopyState::SignatureInvalid)
        {
            return Err(Error::IndexSignatureInvalid(run.to_string()));
        }
        if let Some(m) = copies.iter().find_map(|c| match &c.state {
            IndexCopyState::Malformed(m) => Some(m.clone()),
            _ => None,
        }) {
            return Err(Error::IndexMalformed(m));
        }
        return Err(Error::IndexMissing(run.to_string()));
    };
    let mut chosen = None;
    for (pos, doc) in valid {
        if doc.seq != newest {
            if let Some(c) = copies.get_mut(pos) {
                c.state = IndexCopyState::Stale;
            }
        } else if chosen.is_none() {
            chosen = Some(doc);
        }
    }
    let index = chosen.ok_or_else(|| Error::IndexMissing(run.to_string()))?;
    Ok(OpenedIndex { index, copies })
}

/// What became of one shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardState {
    /// Present with the recorded hash and a matching header.
    Ok,
    /// The object is absent.
    Missing,
    /// The index places it on a node that was not given.
    NodeNotGiven,
    /// The node failed to return it (the store's error code).
    Unreadable(&'static str),
    /// Present, but its hash or header does not match the index: tampered or damaged.
    Corrupt,
}

impl ShardState {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ShardState::Ok => "ok",
            ShardState::Missing => "backup_shard_missing",
            ShardState::NodeNotGiven => "backup_shard_node_not_given",
            ShardState::Unreadable(c) => c,
            ShardState::Corrupt => "backup_shard_corrupt",
        }
    }
}

/// One shard as verify saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardCheck {
    /// Its index (data shards first).
    pub shard: usize,
    /// The node the index places it on.
    pub node: String,
    /// What it was.
    pub state: ShardState,
}

/// Whether a case can be restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseHealth {
    /// Every shard present and intact.
    Ok,
    /// Some shards bad, at least `k` intact: restorable, with less margin.
    Degraded,
    /// Fewer than `k` intact: not restorable.
    Lost,
}

/// One case as verify saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseVerify {
    /// The case.
    pub case_id: String,
    /// Its health.
    pub health: CaseHealth,
    /// Intact shards.
    pub usable: usize,
    /// `k`.
    pub needed: usize,
    /// Every shard.
    pub shards: Vec<ShardCheck>,
}

/// The result of [`verify`].
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The run.
    pub run: RunId,
    /// Every node's copy of the index.
    pub copies: Vec<IndexCopy>,
    /// Every case, in index order.
    pub cases: Vec<CaseVerify>,
    /// Cases with every shard intact.
    pub ok: usize,
    /// Cases restorable with some shards bad.
    pub degraded: usize,
    /// Cases not restorable.
    pub lost: usize,
    /// Shard bytes read.
    pub bytes_read: u64,
}

impl VerifyReport {
    /// Every case restorable (none lost).
    #[must_use]
    pub fn is_restorable(&self) -> bool {
        self.lost == 0
    }

    /// Every shard and every index copy intact.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.lost == 0
            && self.degraded == 0
            && self.copies.iter().all(|c| c.state == IndexCopyState::Ok)
    }
}

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Cases restored.
    pub cases: usize,
    /// Archive bytes restored.
    pub bytes: u64,
    /// Cases that needed Reed–Solomon reconstruction (a data shard was bad).
    pub rebuilt: usize,
    /// Shards found missing or unreadable on the way (only those that were needed are read).
    pub shards_missing: usize,
    /// Shards found corrupt on the way.
    pub shards_corrupt: usize,
}

type ById<'a> = HashMap<&'a str, &'a Node>;

fn by_id(nodes: &[Node]) -> Result<ById<'_>, Error> {
    distinct(nodes)?;
    Ok(nodes.iter().map(|n| (n.id(), n)).collect())
}

/// Reads shard `i` of `entry` and checks it against the index; the whole object on success.
fn fetch(
    by_id: &ById<'_>,
    index: &BackupIndex,
    entry: &CaseEntry,
    i: usize,
) -> Result<Vec<u8>, ShardState> {
    let s = entry.shards.get(i).ok_or(ShardState::Missing)?;
    let node = by_id.get(s.node.as_str()).ok_or(ShardState::NodeNotGiven)?;
    let bytes = match node
        .store()
        .get(&format::shard_key(&index.run, &entry.key, i))
    {
        Ok(b) => b,
        Err(store::objects::Error::NotFound(_)) => return Err(ShardState::Missing),
        Err(e) => return Err(ShardState::Unreadable(e.code())),
    };
    if !bool::from(format::sha256(&bytes).ct_eq(&s.sha256)) {
        return Err(ShardState::Corrupt);
    }
    let expected = ShardHeader {
        k: index.layout.data_shards(),
        m: index.layout.parity_shards(),
        index: i,
        case_hash: format::case_hash(&entry.case_id),
        shard_len: entry.shard_len,
        ciphertext_len: entry.ciphertext_len,
    };
    let len_ok =
        u64::try_from(bytes.len().saturating_sub(HEADER_LEN)).ok() == Some(entry.shard_len);
    if ShardHeader::parse(&bytes).as_ref() != Some(&expected) || !len_ok {
        return Err(ShardState::Corrupt);
    }
    Ok(bytes)
}

struct Recovered {
    bytes: Vec<u8>,
    rebuilt: bool,
    missing: usize,
    corrupt: usize,
}

/// Rebuilds one case from the first `k` intact shards (data shards first, so that an intact
/// backup needs no decoding), then checks the ciphertext hash, the AEAD tag and the keyed digest.
fn recover(
    by_id: &ById<'_>,
    key: &BackupKey,
    index: &BackupIndex,
    rs: &ReedSolomon,
    entry: &CaseEntry,
) -> Result<Recovered, Error> {
    let k = index.layout.data_shards();
    let total = index.layout.total();
    let shard_len = usize::try_from(entry.shard_len)
        .map_err(|_| Error::ArchiveTooLarge(entry.case_id.clone()))?;
    let mut objects: Vec<Option<Vec<u8>>> = vec![None; total];
    let (mut usable, mut missing, mut corrupt) = (0, 0, 0);
    for (i, slot) in objects.iter_mut().enumerate() {
        if usable == k {
            break;
        }
        match fetch(by_id, index, entry, i) {
            Ok(b) => {
                *slot = Some(b);
                usable += 1;
            }
            Err(ShardState::Corrupt) => corrupt += 1,
            Err(_) => missing += 1,
        }
    }
    if usable < k {
        return Err(Error::NotEnoughShards {
            case_id: entry.case_id.clone(),
            usable,
            needed: k,
            total,
            missing,
            corrupt,
        });
    }
    let rebuilt = objects.iter().take(k).any(Option::is_none);
    let objects: Vec<Vec<u8>> = if rebuilt {
        let mut present = Vec::with_capacity(total);
        let mut objects: Vec<Vec<u8>> = objects
            .into_iter()
            .map(|o| {
                present.push(o.is_some());
                o.unwrap_or_else(|| vec![0u8; HEADER_LEN + shard_len])
            })
            .collect();
        let mut slices: Vec<(&mut [u8], bool)> = objects
            .iter_mut()
            .zip(present)
            .map(|(o, p)| (o.get_mut(HEADER_LEN..).unwrap_or_default(), p))
            .collect();
        rs.reconstruct_data(&mut slices)
            .map_err(|e| Error::Coding(format!("{e:?}")))?;
        objects
    } else {
        objects.into_iter().take(k).flatten().collect()
    };
    let ct_len = usize::try_from(entry.ciphertext_len)
        .map_err(|_| Error::ArchiveTooLarge(entry.case_id.clone()))?;
    let mut ciphertext = Vec::with_capacity(k * shard_len);
    for o in objects.iter().take(k) {
        ciphertext.extend_from_slice(format::payload(o));
    }
    ciphertext.truncate(ct_len);
    let corrupt_archive = || Error::ArchiveCorrupt(entry.case_id.clone());
    if ciphertext.len() != ct_len
        || !bool::from(format::sha256(&ciphertext).ct_eq(&entry.ciphertext_sha256))
    {
        return Err(corrupt_archive());
    }
    let plaintext = crypto::open(key.secret(), &entry.salt, &entry.case_id, &ciphertext)
        .ok_or_else(corrupt_archive)?;
    let mac = crypto::archive_mac(key.secret(), &entry.case_id, &plaintext);
    if !bool::from(mac.ct_eq(&entry.archive_mac)) {
        return Err(corrupt_archive());
    }
    Ok(Recovered {
        bytes: plaintext,
        rebuilt,
        missing,
        corrupt,
    })
}

fn coder(index: &BackupIndex) -> Result<ReedSolomon, Error> {
    ReedSolomon::new(index.layout.data_shards(), index.layout.parity_shards())
        .map_err(|e| Error::Coding(format!("{e:?}")))
}

fn check_key(key: &BackupKey, index: &BackupIndex) -> Result<(), Error> {
    let given = key.id();
    if given != index.backup_key_id {
        return Err(Error::BackupKeyWrong {
            given,
            expected: index.backup_key_id.clone(),
        });
    }
    Ok(())
}

/// Restores every case of `index` (from [`open_index`]) in order, handing each to `sink`.
/// Any `k` intact shards of a case suffice; bad ones are treated as erasures.
///
/// # Errors
/// `backup_key_wrong`; `backup_not_enough_shards` naming the first case with fewer than `k`
/// intact shards (use [`verify`] for the full picture); `backup_archive_corrupt`;
/// `backup_sink_failed` or whatever `sink` returns.
pub fn restore(
    nodes: &[Node],
    key: &BackupKey,
    index: &BackupIndex,
    progress: &mut dyn FnMut(Progress),
    sink: &mut dyn FnMut(CaseArchive) -> Result<(), Error>,
) -> Result<RestoreReport, Error> {
    check_key(key, index)?;
    let by_id = by_id(nodes)?;
    let rs = coder(index)?;
    let mut report = RestoreReport {
        cases: 0,
        bytes: 0,
        rebuilt: 0,
        shards_missing: 0,
        shards_corrupt: 0,
    };
    let total = index.cases.len();
    for entry in &index.cases {
        let r = recover(&by_id, key, index, &rs, entry)?;
        report.cases += 1;
        report.bytes += entry.size;
        report.rebuilt += usize::from(r.rebuilt);
        report.shards_missing += r.missing;
        report.shards_corrupt += r.corrupt;
        sink(CaseArchive {
            case_id: entry.case_id.clone(),
            bytes: r.bytes,
        })?;
        progress(Progress {
            done: report.cases,
            total,
            bytes: report.bytes,
        });
    }
    Ok(report)
}

/// Restores one case.
///
/// # Errors
/// `backup_case_not_found`, and those of [`restore`].
pub fn restore_case(
    nodes: &[Node],
    key: &BackupKey,
    index: &BackupIndex,
    case_id: &str,
) -> Result<CaseArchive, Error> {
    check_key(key, index)?;
    let by_id = by_id(nodes)?;
    let entry = index
        .cases
        .iter()
        .find(|c| c.case_id == case_id)
        .ok_or_else(|| Error::CaseNotFound(case_id.to_owned()))?;
    let r = recover(&by_id, key, index, &coder(index)?, entry)?;
    Ok(CaseArchive {
        case_id: entry.case_id.clone(),
        bytes: r.bytes,
    })
}

/// Opens run `run`'s index and restores every case into memory.
///
/// # Errors
/// Those of [`open_index`] and [`restore`].
pub fn restore_all(
    nodes: &[Node],
    key: &BackupKey,
    verifier: &IndexVerifyingKey,
    run: &RunId,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<CaseArchive>, Error> {
    let opened = open_index(nodes, verifier, run)?;
    let mut out = Vec::with_capacity(opened.index.cases.len());
    restore(nodes, key, &opened.index, progress, &mut |c| {
        out.push(c);
        Ok(())
    })?;
    Ok(out)
}

/// Checks every shard of every case against the (already signature-checked) index, without
/// decrypting anything: presence, SHA-256 and header. No key needed beyond the public one.
///
/// # Errors
/// `backup_node_duplicate` only: what is found on the nodes goes into the report.
pub fn verify(
    nodes: &[Node],
    opened: &OpenedIndex,
    progress: &mut dyn FnMut(Progress),
) -> Result<VerifyReport, Error> {
    let by_id = by_id(nodes)?;
    let index = &opened.index;
    let k = index.layout.data_shards();
    let mut report = VerifyReport {
        run: index.run.clone(),
        copies: opened.copies.clone(),
        cases: Vec::with_capacity(index.cases.len()),
        ok: 0,
        degraded: 0,
        lost: 0,
        bytes_read: 0,
    };
    let total = index.cases.len();
    for entry in &index.cases {
        let mut shards = Vec::with_capacity(entry.shards.len());
        for (i, s) in entry.shards.iter().enumerate() {
            let state = match fetch(&by_id, index, entry, i) {
                Ok(b) => {
                    report.bytes_read += u64::try_from(b.len()).unwrap_or(u64::MAX);
                    ShardState::Ok
                }
                Err(state) => state,
            };
            shards.push(ShardCheck {
                shard: i,
                node: s.node.clone(),
                state,
            });
        }
        let usable = shards.iter().filter(|s| s.state == ShardState::Ok).count();
        let health = if usable == shards.len() {
            report.ok += 1;
            CaseHealth::Ok
        } else if usable >= k {
            report.degraded += 1;
            CaseHealth::Degraded
        } else {
            report.lost += 1;
            CaseHealth::Lost
        };
        report.cases.push(CaseVerify {
            case_id: entry.case_id.clone(),
            health,
            usable,
            needed: k,
            shards,
        });
        progress(Progress {
            done: report.cases.len(),
            total,
            bytes: report.bytes_read,
        });
    }
    Ok(report)
}
