//! Writing a backup run, resumably.

use std::collections::{BTreeSet, HashMap, HashSet};

use rand_core::CryptoRng;
use reed_solomon_erasure::galois_8::ReedSolomon;
use store::ObjectKey;
use subtle::ConstantTimeEq;

use crate::format::{
    self, BackupIndex, CaseEntry, DocKind, HEADER_LEN, MAX_ARCHIVE, ShardHeader, ShardRef,
};
use crate::keys::{BackupKey, IndexSigningKey, IndexVerifyingKey};
use crate::model::{CaseArchive, Layout, Node, Progress, RunId, check_case_id, distinct};
use crate::{Error, crypto};

/// What to write: the run, its creation time (Unix seconds, from the caller's clock), the
/// layout, and how often to checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    /// The run's id; re-running the same id resumes it.
    pub run: RunId,
    /// Recorded in the index.
    pub created_at: i64,
    /// `k` + `m`.
    pub layout: Layout,
    /// A journal segment is written after this many newly written cases…
    pub checkpoint_cases: usize,
    /// …or this many newly written archive bytes, whichever comes first.
    pub checkpoint_bytes: u64,
}

impl RunSpec {
    /// A run with the default layout (4 + 2) and checkpoints every 32 cases or 64 MiB.
    #[must_use]
    pub fn new(run: RunId, created_at: i64) -> RunSpec {
        RunSpec {
            run,
            created_at,
            layout: Layout::default(),
            checkpoint_cases: 32,
            checkpoint_bytes: 64 << 20,
        }
    }
}

/// What a backup run did.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// The run's signed index, as written to every node.
    pub index: BackupIndex,
    /// Cases encrypted and written in this invocation.
    pub written: usize,
    /// Cases skipped because an earlier, interrupted invocation had written them (their shards
    /// present with the recorded hashes and the archive unchanged).
    pub reused: usize,
    /// Archive bytes in the run.
    pub bytes: u64,
    /// Bytes of shard objects written in this invocation.
    pub shard_bytes_written: u64,
}

/// Backs up `cases` to `nodes` as run `spec.run`: each archive sealed, coded into `k + m` shards
/// on distinct nodes, then the signed index written to every node.
///
/// Resumable: a journal segment (signed) is written to every node at each checkpoint, and a
/// re-run with the same run id skips the cases that the index or journal of an earlier attempt
/// records, when their shards are all present with the recorded hashes and the archive is
/// unchanged (compared by a keyed digest). Shards of cases that an earlier attempt wrote but
/// that are no longer in `cases` (e.g. erased since) are deleted. `progress` is called after
/// each case.
///
/// # Errors
/// `backup_nodes_too_few` (fewer than `k + m` nodes), `backup_node_duplicate`,
/// `backup_case_id_invalid`, `backup_case_duplicate`, `backup_archive_too_large`,
/// `backup_run_conflict` (the run exists with another layout or key), `backup_node_unavailable`
/// (a write failed: re-run to resume).
pub fn backup<R: CryptoRng + ?Sized>(
    nodes: &[Node],
    backup_key: &BackupKey,
    signing_key: &IndexSigningKey,
    spec: &RunSpec,
    cases: &[CaseArchive],
    rng: &mut R,
    progress: &mut dyn FnMut(Progress),
) -> Result<BackupReport, Error> {
    distinct(nodes)?;
    let layout = spec.layout;
    if nodes.len() < layout.total() {
        return Err(Error::NodesTooFew {
            nodes: nodes.len(),
            needed: layout.total(),
        });
    }
    let mut seen = HashSet::new();
    for c in cases {
        check_case_id(&c.case_id)?;
        if !seen.insert(c.case_id.as_str()) {
            return Err(Error::CaseDuplicate(c.case_id.clone()));
        }
        if u64::try_from(c.bytes.len()).map_or(true, |n| n > MAX_ARCHIVE) {
            return Err(Error::ArchiveTooLarge(c.case_id.clone()));
        }
    }
    let rs = ReedSolomon::new(layout.data_shards(), layout.parity_shards())
        .map_err(|e| Error::Coding(format!("{e:?}")))?;
    let key_id = backup_key.id();
    let prior = load_prior(nodes, &signing_key.verifying_key(), spec, &key_id)?;
    let by_id: HashMap<&str, &Node> = nodes.iter().map(|n| (n.id(), n)).collect();

    let mut doc = BackupIndex {
        run: spec.run.clone(),
        seq: prior.next_seq,
        created_at: spec.created_at,
        layout,
        backup_key_id: key_id,
        nodes: nodes.iter().map(|n| n.id().to_owned()).collect(),
        cases: Vec::with_capacity(cases.len()),
    };
    let mut journal_seqs = prior.journal_seqs;
    let mut pending = Vec::new();
    let mut pending_bytes = 0u64;
    let (mut written, mut reused, mut bytes, mut shard_bytes_written) = (0, 0, 0u64, 0u64);

    for case in cases {
        let mac = crypto::archive_mac(backup_key.secret(), &case.case_id, &case.bytes);
        let previous = prior.entries.get(&case.case_id).filter(|p| {
            bool::from(p.archive_mac.ct_eq(&mac))
                && p.shards.len() == layout.total()
                && shards_intact(&by_id, &spec.run, p)
        });
        let size = u64::try_from(case.bytes.len()).unwrap_or(u64::MAX);
        let entry = if let Some(p) = previous {
            reused += 1;
            p.clone()
        } else {
            let (entry, n) = write_case(nodes, backup_key, &spec.run, &rs, case, mac, rng)?;
            written += 1;
            shard_bytes_written += n;
            pending.push(entry.clone());
            pending_bytes += size;
            entry
        };
        doc.cases.push(entry);
        bytes += size;
        if !pending.is_empty()
            && (pending.len() >= spec.checkpoint_cases || pending_bytes >= spec.checkpoint_bytes)
        {
            write_journal(nodes, signing_key, &doc, &mut pending)?;
            journal_seqs.insert(doc.seq);
            doc.seq += 1;
            pending_bytes = 0;
        }
        progress(Progress {
            done: doc.cases.len(),
            total: cases.len(),
            bytes,
        });
    }

    let index = format::encode_doc(DocKind::Index, &doc, signing_key);
    put_everywhere(nodes, &format::index_key(&spec.run), &index)?;
    // The index supersedes the journal; leftovers would only be read again on a re-run.
    for seq in journal_seqs {
        let key = format::journal_key(&spec.run, seq);
        for n in nodes {
            let _ = n.store().delete(&key);
        }
    }
    // Cases an earlier attempt wrote that this run no longer holds: their shards go.
    for (case_id, entry) in &prior.entries {
        if !seen.contains(case_id.as_str()) {
            for (i, s) in entry.shards.iter().enumerate() {
                if let Some(n) = by_id.get(s.node.as_str()) {
                    let _ = n
                        .store()
                        .delete(&format::shard_key(&spec.run, &entry.key, i));
                }
            }
        }
    }
    Ok(BackupReport {
        index: doc,
        written,
        reused,
        bytes,
        shard_bytes_written,
    })
}

/// Writes each `(node, key, bytes)` concurrently, one thread per object (every `LocalDir` write
/// ends in an fsync and every S3 write in a round trip, so the nodes work in parallel); the
/// first failure is returned.
fn put_parallel(writes: &[(&Node, ObjectKey, &[u8])]) -> Result<(), Error> {
    let results: Vec<Result<(), Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = writes
            .iter()
            .map(|(node, key, bytes)| {
                let h = s.spawn(move || node.store().put(key, bytes));
                (node, h)
            })
            .collect();
        handles
            .into_iter()
            .map(|(node, h)| {
                let r = h.join().unwrap_or_else(|_| {
                    Err(store::objects::Error::Io(std::io::Error::other(
                        "object store panicked",
                    )))
                });
                r.map_err(|source| Error::NodeUnavailable {
                    node: node.id().to_owned(),
                    source,
                })
            })
            .collect()
    });
    results.into_iter().collect()
}

fn put_everywhere(nodes: &[Node], key: &ObjectKey, bytes: &[u8]) -> Result<(), Error> {
    let writes: Vec<(&Node, ObjectKey, &[u8])> =
        nodes.iter().map(|n| (n, key.clone(), bytes)).collect();
    put_parallel(&writes)
}

struct Prior {
    entries: HashMap<String, CaseEntry>,
    journal_seqs: BTreeSet<u64>,
    next_seq: u64,
}

/// What earlier attempts of this run left: the index and journal segments that carry a valid
/// signature (anything else is ignored, never trusted), applied in sequence order.
fn load_prior(
    nodes: &[Node],
    verifier: &IndexVerifyingKey,
    spec: &RunSpec,
    key_id: &str,
) -> Result<Prior, Error> {
    let mut docs: Vec<BackupIndex> = Vec::new();
    let mut journal_seqs = BTreeSet::new();
    let index_key = format::index_key(&spec.run);
    for n in nodes {
        if let Ok(bytes) = n.store().get(&index_key)
            && let Ok(doc) = format::decode_doc(DocKind::Index, &bytes, verifier)
        {
            docs.push(doc);
        }
        let Ok(keys) = n.store().list(&format::journal_prefix(&spec.run)) else {
            continue;
        };
        for key in keys {
            if let Ok(bytes) = n.store().get(&key)
                && let Ok(doc) = format::decode_doc(DocKind::Journal, &bytes, verifier)
                && format::journal_key(&spec.run, doc.seq) == key
            {
                journal_seqs.insert(doc.seq);
                docs.push(doc);
            }
        }
    }
    docs.sort_by_key(|d| d.seq);
    let mut entries = HashMap::new();
    let mut next_seq = 0;
    for doc in docs {
        if doc.run != spec.run {
            continue;
        }
        if doc.layout != spec.layout {
            return Err(Error::RunConflict {
                run: spec.run.to_string(),
                what: "layout",
            });
        }
        if doc.backup_key_id != key_id {
            return Err(Error::RunConflict {
                run: spec.run.to_string(),
                what: "backup key",
            });
        }
        next_seq = next_seq.max(doc.seq.saturating_add(1));
        for e in doc.cases {
            entries.insert(e.case_id.clone(), e);
        }
    }
    Ok(Prior {
        entries,
        journal_seqs,
        next_seq,
    })
}

fn shards_intact(by_id: &HashMap<&str, &Node>, run: &RunId, entry: &CaseEntry) -> bool {
    entry.shards.iter().enumerate().all(|(i, s)| {
        by_id.get(s.node.as_str()).is_some_and(|n| {
            n.store()
                .get(&format::shard_key(run, &entry.key, i))
                .is_ok_and(|b| format::sha256(&b) == s.sha256)
        })
    })
}

fn write_journal(
    nodes: &[Node],
    signing_key: &IndexSigningKey,
    doc: &BackupIndex,
    pending: &mut Vec<CaseEntry>,
) -> Result<(), Error> {
    let segment = BackupIndex {
        cases: std::mem::take(pending),
        ..doc.clone_header()
    };
    let bytes = format::encode_doc(DocKind::Journal, &segment, signing_key);
    put_everywhere(nodes, &format::journal_key(&doc.run, doc.seq), &bytes)
}

impl BackupIndex {
    fn clone_header(&self) -> BackupIndex {
        BackupIndex {
            run: self.run.clone(),
            seq: self.seq,
            created_at: self.created_at,
            layout: self.layout,
            backup_key_id: self.backup_key_id.clone(),
            nodes: self.nodes.clone(),
            cases: Vec::new(),
        }
    }
}

/// Seals one archive, codes it and puts its shards; returns its entry and the bytes written.
fn write_case<R: CryptoRng + ?Sized>(
    nodes: &[Node],
    backup_key: &BackupKey,
    run: &RunId,
    rs: &ReedSolomon,
    case: &CaseArchive,
    archive_mac: [u8; 32],
    rng: &mut R,
) -> Result<(CaseEntry, u64), Error> {
    let k = rs.data_shard_count();
    let total = rs.total_shard_count();
    let mut salt = [0u8; 32];
    rng.fill_bytes(&mut salt);
    let ciphertext = crypto::seal(backup_key.secret(), &salt, &case.case_id, &case.bytes);
    let ciphertext_len = u64::try_from(ciphertext.len()).unwrap_or(u64::MAX);
    let shard_len_u64 = format::shard_len_for(ciphertext_len, k);
    let shard_len =
        usize::try_from(shard_len_u64).map_err(|_| Error::ArchiveTooLarge(case.case_id.clone()))?;
    let case_hash = format::case_hash(&case.case_id);
    let case_key = format::case_key(&case.case_id);

    let mut objects: Vec<Vec<u8>> = (0..total)
        .map(|index| {
            let mut obj = Vec::with_capacity(HEADER_LEN + shard_len);
            obj.extend_from_slice(
                &ShardHeader {
                    k,
                    m: total - k,
                    index,
                    case_hash,
                    shard_len: shard_len_u64,
                    ciphertext_len,
                }
                .encode(),
            );
            obj
        })
        .collect();
    let mut chunks = ciphertext.chunks(shard_len);
    for obj in &mut objects {
        if let Some(chunk) = chunks.next() {
            obj.extend_from_slice(chunk);
        }
        obj.resize(HEADER_LEN + shard_len, 0);
    }
    let (data, parity) = objects
        .split_at_mut_checked(k)
        .ok_or_else(|| Error::Coding("layout".into()))?;
    let data: Vec<&[u8]> = data.iter().map(|o| format::payload(o)).collect();
    let mut parity: Vec<&mut [u8]> = parity
        .iter_mut()
        .map(|o| o.get_mut(HEADER_LEN..).unwrap_or_default())
        .collect();
    rs.encode_sep(&data, &mut parity)
        .map_err(|e| Error::Coding(format!("{e:?}")))?;

    let n = u64::try_from(nodes.len()).unwrap_or(1).max(1);
    let rotation = case_hash
        .first_chunk::<8>()
        .map_or(0, |b| u64::from_be_bytes(*b) % n);
    let rotation = usize::try_from(rotation).unwrap_or(0);
    let mut writes = Vec::with_capacity(total);
    let mut shards = Vec::with_capacity(total);
    let mut written = 0u64;
    for (i, obj) in objects.iter().enumerate() {
        let node = nodes
            .get((i + rotation) % nodes.len().max(1))
            .ok_or_else(|| Error::Coding("placement".into()))?;
        writes.push((node, format::shard_key(run, &case_key, i), obj.as_slice()));
        written += u64::try_from(obj.len()).unwrap_or(u64::MAX);
        shards.push(ShardRef {
            node: node.id().to_owned(),
            sha256: format::sha256(obj),
        });
    }
    put_parallel(&writes)?;
    Ok((
        CaseEntry {
            case_id: case.case_id.clone(),
            key: case_key,
            size: u64::try_from(case.bytes.len()).unwrap_or(u64::MAX),
            ciphertext_len,
            ciphertext_sha256: format::sha256(&ciphertext),
            salt,
            archive_mac,
            shard_len: shard_len_u64,
            shards,
        },
        written,
    ))
}
