//! The backup engine end to end on local-directory nodes: restore with every combination of
//! `m` nodes wiped or corrupted, a clear failure with `m + 1`, tampering caught by verify, forged
//! or edited indexes refused, no plaintext on any node, a single node undecodable, and resuming
//! an interrupted run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use backup::{
    BackupKey, CaseHealth, Error, IndexCopyState, IndexSigningKey, Node, Progress, RunId,
    ShardState,
};
use common::*;
use store::{LocalDir, ObjectKey, ObjectStore};

const K: usize = 4;
const M: usize = 2;
const N: usize = 6;

fn pairs(n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            out.push((a, b));
        }
    }
    out
}

fn flip_every_file(dir: &std::path::Path) {
    for f in files(dir) {
        let mut b = std::fs::read(&f).unwrap();
        if b.is_empty() {
            continue;
        }
        let i = b.len() / 2;
        b[i] ^= 0x01;
        std::fs::write(&f, b).unwrap();
    }
}

#[test]
fn restore_succeeds_with_every_combination_of_m_nodes_wiped() {
    let root = temp("wiped");
    let keys = keys();
    let cases = archives(15);
    let nodes = local_nodes(&root, N);
    let report = run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
    assert_eq!(report.written, cases.len());
    assert_eq!(run_restore(&nodes, &keys, "r1").unwrap(), cases);

    for (a, b) in pairs(N) {
        // Nodes a and b are replaced by empty ones with the same ids (disks lost and replaced).
        let wiped = temp(&format!("wiped-{a}{b}"));
        let set: Vec<Node> = (0..N)
            .map(|i| {
                if i == a || i == b {
                    local_node(&wiped, i)
                } else {
                    nodes[i].clone()
                }
            })
            .collect();
        let restored = run_restore(&set, &keys, "r1")
            .unwrap_or_else(|e| panic!("nodes {a} and {b} wiped: {e}"));
        assert_eq!(restored, cases, "nodes {a} and {b} wiped");
        // The same with the two nodes simply not given.
        let fewer: Vec<Node> = (0..N)
            .filter(|&i| i != a && i != b)
            .map(|i| nodes[i].clone())
            .collect();
        assert_eq!(run_restore(&fewer, &keys, "r1").unwrap(), cases);
    }
}

#[test]
fn restore_succeeds_with_every_combination_of_m_nodes_corrupted() {
    let keys = keys();
    let cases = archives(10);
    for (a, b) in pairs(N) {
        let root = temp(&format!("corrupt-{a}{b}"));
        let nodes = local_nodes(&root, N);
        run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
        // Every file on the two nodes altered, their index copies included.
        flip_every_file(&root.join(node_id(a)));
        flip_every_file(&root.join(node_id(b)));
        let opened = backup::open_index(
            &nodes,
            &keys.signing.verifying_key(),
            &RunId::new("r1").unwrap(),
        )
        .unwrap();
        assert_eq!(opened.copies[a].state, IndexCopyState::SignatureInvalid);
        assert_eq!(opened.copies[b].state, IndexCopyState::SignatureInvalid);
        let mut restored = Vec::new();
        let report = backup::restore(&nodes, &keys.backup, &opened.index, &mut |_| {}, &mut |c| {
            restored.push(c);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("nodes {a} and {b} corrupted: {e}"));
        assert_eq!(restored, cases, "nodes {a} and {b} corrupted");
        assert!(report.shards_corrupt > 0);
        let v = backup::verify(&nodes, &opened, &mut |_| {}).unwrap();
        assert_eq!(v.lost, 0);
        assert_eq!(v.degraded, cases.len(), "every case has a shard on a or b");
        assert!(v.is_restorable() && !v.is_intact());
    }
}

#[test]
fn m_plus_one_lost_nodes_fail_clearly() {
    let root = temp("lost3");
    let keys = keys();
    let cases = archives(6);
    let nodes = local_nodes(&root, N);
    run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
    let three = temp("lost3-empty");
    let set: Vec<Node> = (0..N)
        .map(|i| {
            if i < 3 {
                local_node(&three, i)
            } else {
                nodes[i].clone()
            }
        })
        .collect();
    let err = run_restore(&set, &keys, "r1").unwrap_err();
    assert_eq!(err.code(), "backup_not_enough_shards");
    match &err {
        Error::NotEnoughShards {
            case_id,
            usable,
            needed,
            total,
            missing,
            corrupt,
        } => {
            assert_eq!(case_id, &cases[0].case_id);
            assert_eq!((*usable, *needed, *total), (3, K, K + M));
            assert_eq!((*missing, *corrupt), (3, 0));
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&cases[0].case_id) && msg.contains("only 3 of 6"),
        "{msg}"
    );
    // Verify sees every case lost, with each shard's state.
    let opened = backup::open_index(
        &set,
        &keys.signing.verifying_key(),
        &RunId::new("r1").unwrap(),
    )
    .unwrap();
    let v = backup::verify(&set, &opened, &mut |_| {}).unwrap();
    assert_eq!(v.lost, cases.len());
    assert!(!v.is_restorable());
    for c in &v.cases {
        assert_eq!(c.health, CaseHealth::Lost);
        assert_eq!(c.usable, 3);
        assert_eq!(
            c.shards
                .iter()
                .filter(|s| s.state == ShardState::Missing)
                .count(),
            3
        );
    }
    // Three corrupted nodes fail the same way, counted as corrupt.
    let root = temp("corrupt3");
    let nodes = local_nodes(&root, N);
    run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
    for i in [1, 3, 5] {
        flip_every_file(&root.join(node_id(i)));
    }
    match run_restore(&nodes, &keys, "r1").unwrap_err() {
        Error::NotEnoughShards {
            usable, corrupt, ..
        } => {
            assert_eq!((usable, corrupt), (3, 3));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_tampered_shard_is_detected_by_verify() {
    let root = temp("tamper");
    let keys = keys();
    let cases = archives(5);
    let nodes = local_nodes(&root, N);
    run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
    let run = RunId::new("r1").unwrap();
    let opened = backup::open_index(&nodes, &keys.signing.verifying_key(), &run).unwrap();
    let clean = backup::verify(&nodes, &opened, &mut |_| {}).unwrap();
    assert!(clean.is_intact());
    assert_eq!(clean.ok, cases.len());

    // One byte of one shard of case 3, in its payload.
    let entry = &opened.index.cases()[3];
    let node_of_shard2: String = entry.shard_nodes().nth(2).unwrap().to_owned();
    let f = root
        .join(&node_of_shard2)
        .join("shards/r1")
        .join(case_dir(entry.case_id()))
        .join("02");
    let mut b = std::fs::read(&f).unwrap();
    let last = b.len() - 1;
    b[last] ^= 0x80;
    std::fs::write(&f, b).unwrap();
    let v = backup::verify(&nodes, &opened, &mut |_| {}).unwrap();
    let c = v
        .cases
        .iter()
        .find(|c| c.case_id == entry.case_id())
        .unwrap();
    assert_eq!(c.health, CaseHealth::Degraded);
    assert_eq!(c.usable, K + M - 1);
    assert_eq!(c.shards[2].state, ShardState::Corrupt);
    assert_eq!(c.shards[2].state.code(), "backup_shard_corrupt");
    assert_eq!(c.shards[2].node, node_of_shard2);
    assert_eq!((v.ok, v.degraded, v.lost), (cases.len() - 1, 1, 0));
    // Restore still works, the bad shard treated as an erasure.
    assert_eq!(run_restore(&nodes, &keys, "r1").unwrap(), cases);

    // A well-formed shard of another case put in place of one is caught as well.
    let a = &opened.index.cases()[1];
    let b = &opened.index.cases()[2];
    let store_a = LocalDir::open(root.join(a.shard_nodes().next().unwrap()), 1 << 30).unwrap();
    let store_b = LocalDir::open(root.join(b.shard_nodes().next().unwrap()), 1 << 30).unwrap();
    let key_a = ObjectKey::new(&format!("shards/r1/{}/00", case_dir(a.case_id()))).unwrap();
    let key_b = ObjectKey::new(&format!("shards/r1/{}/00", case_dir(b.case_id()))).unwrap();
    store_a.put(&key_a, &store_b.get(&key_b).unwrap()).unwrap();
    let v = backup::verify(&nodes, &opened, &mut |_| {}).unwrap();
    let c = v.cases.iter().find(|c| c.case_id == a.case_id()).unwrap();
    assert_eq!(c.shards[0].state, ShardState::Corrupt);
    assert_eq!(c.health, CaseHealth::Degraded);
}

#[test]
fn forged_or_edited_indexes_are_refused() {
    let root = temp("forged");
    let keys = keys();
    let cases = archives(4);
    let nodes = local_nodes(&root, N);
    run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
    let run = RunId::new("r1").unwrap();
    let vk = keys.signing.verifying_key();
    let index_key = ObjectKey::new("index/r1").unwrap();
    let original = LocalDir::open(root.join(node_id(0)), 1 << 30)
        .unwrap()
        .get(&index_key)
        .unwrap();

    // Edited on one node: that copy is refused, the others are used.
    let edited = String::from_utf8_lossy(&original).replace("\"size\":997", "\"size\":998");
    assert_ne!(edited.as_bytes(), &original[..]);
    let n0 = LocalDir::open(root.join(node_id(0)), 1 << 30).unwrap();
    n0.put(&index_key, edited.as_bytes()).unwrap();
    let opened = backup::open_index(&nodes, &vk, &run).unwrap();
    assert_eq!(opened.copies[0].state, IndexCopyState::SignatureInvalid);
    assert!(
        opened.copies[1..]
            .iter()
            .all(|c| c.state == IndexCopyState::Ok)
    );

    // Edited on every node: refused outright.
    for i in 0..N {
        LocalDir::open(root.join(node_id(i)), 1 << 30)
            .unwrap()
            .put(&index_key, edited.as_bytes())
            .unwrap();
    }
    let err = backup::open_index(&nodes, &vk, &run).unwrap_err();
    assert_eq!(err.code(), "backup_index_signature_invalid");
    assert_eq!(
        run_restore(&nodes, &keys, "r1").unwrap_err().code(),
        "backup_index_signature_invalid"
    );

    // A well-formed index signed by another key (an attacker's own) is refused too.
    let forger = Keys {
        backup: BackupKey::from_bytes(keys.backup.expose_secret()).unwrap(),
        signing: IndexSigningKey::generate(&mut rng()),
    };
    let other_root = temp("forged-other");
    let other = local_nodes(&other_root, N);
    run_backup(&other, &forger, &spec("r1"), &cases).unwrap();
    let forged = LocalDir::open(other_root.join(node_id(0)), 1 << 30)
        .unwrap()
        .get(&index_key)
        .unwrap();
    for i in 0..N {
        LocalDir::open(root.join(node_id(i)), 1 << 30)
            .unwrap()
            .put(&index_key, &forged)
            .unwrap();
    }
    assert_eq!(
        backup::open_index(&nodes, &vk, &run).unwrap_err().code(),
        "backup_index_signature_invalid"
    );

    // The genuine index of another run, copied under this run's name, is refused.
    run_backup(&nodes, &keys, &spec("r2"), &cases).unwrap();
    let r2 = n0.get(&ObjectKey::new("index/r2").unwrap()).unwrap();
    for i in 0..N {
        LocalDir::open(root.join(node_id(i)), 1 << 30)
            .unwrap()
            .put(&index_key, &r2)
            .unwrap();
    }
    assert_eq!(
        backup::open_index(&nodes, &vk, &run).unwrap_err().code(),
        "backup_index_malformed"
    );
    // Truncated or garbage: refused; and no index at all is its own error.
    n0.put(&index_key, b"IDVBIDX1").unwrap();
    let opened = backup::open_index(&nodes[..1], &vk, &run);
    assert_eq!(opened.unwrap_err().code(), "backup_index_signature_invalid");
    assert_eq!(
        backup::open_index(&nodes, &vk, &RunId::new("r9").unwrap())
            .unwrap_err()
            .code(),
        "backup_index_missing"
    );
    // Restoring with the wrong backup key fails up front.
    let opened = backup::open_index(&nodes, &vk, &RunId::new("r2").unwrap()).unwrap();
    let wrong = BackupKey::generate(&mut rng());
    let err =
        backup::restore(&nodes, &wrong, &opened.index, &mut |_| {}, &mut |_| Ok(())).unwrap_err();
    assert_eq!(err.code(), "backup_key_wrong");
}

#[test]
fn no_node_holds_any_plaintext_of_the_marker() {
    let root = temp("marker");
    let keys = keys();
    let cases = archives(10);
    assert!(cases.iter().filter(|c| contains(&c.bytes, MARKER)).count() >= 4);
    let nodes = local_nodes(&root, N);
    run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
    let mut scanned = 0;
    for i in 0..N {
        for f in files(&root.join(node_id(i))) {
            let b = std::fs::read(&f).unwrap();
            scanned += b.len();
            assert!(!contains(&b, MARKER), "{} holds the marker", f.display());
            assert!(
                !contains(&b, &MARKER[..12]),
                "{} holds part of it",
                f.display()
            );
            assert!(
                !contains(&b, keys.backup.expose_secret()),
                "{} holds the backup key",
                f.display()
            );
            assert!(!contains(&b, &keys.signing.expose_secret()[..]));
        }
    }
    assert!(scanned > cases.iter().map(|c| c.bytes.len()).sum::<usize>());
}

#[test]
fn a_single_node_alone_cannot_rebuild_anything() {
    let root = temp("single");
    let keys = keys();
    let cases = archives(8);
    let nodes = local_nodes(&root, N);
    run_backup(&nodes, &keys, &spec("r1"), &cases).unwrap();
    for i in 0..N {
        // Even with both keys, one node's shards are too few: fewer than k for every case.
        let err = run_restore(&nodes[i..=i], &keys, "r1").unwrap_err();
        match err {
            Error::NotEnoughShards { usable, needed, .. } => {
                assert!(usable <= 1 && needed == K, "node {i}: {usable}");
            }
            other => panic!("{other:?}"),
        }
    }
    // And with every shard but not the backup key, nothing opens.
    let opened = backup::open_index(
        &nodes,
        &keys.signing.verifying_key(),
        &RunId::new("r1").unwrap(),
    )
    .unwrap();
    let err = backup::restore_case(
        &nodes,
        &BackupKey::generate(&mut rng()),
        &opened.index,
        &cases[3].case_id,
    )
    .unwrap_err();
    assert_eq!(err.code(), "backup_key_wrong");
    // restore_case finds one case; an unknown one is named.
    let one = backup::restore_case(&nodes, &keys.backup, &opened.index, &cases[3].case_id).unwrap();
    assert_eq!(one, cases[3]);
    assert_eq!(
        backup::restore_case(&nodes, &keys.backup, &opened.index, "nope")
            .unwrap_err()
            .code(),
        "backup_case_not_found"
    );
    // Shards of a case sit on k + m distinct nodes.
    for c in opened.index.cases() {
        let mut ids: Vec<&str> = c.shard_nodes().collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), K + M);
    }
}

#[test]
fn an_interrupted_backup_resumes_and_skips_finished_cases() {
    let root = temp("resume");
    let keys = keys();
    let cases = archives(20);
    let mut spec = spec("r1");
    spec.checkpoint_cases = 4;
    // Node 3 dies after 9 writes: well into the run, after a few checkpoints.
    let flaky = Arc::new(FailAfter::new(
        LocalDir::open(root.join(node_id(3)), 1 << 30).unwrap(),
        9,
    ));
    let mut nodes = local_nodes(&root, N);
    nodes[3] = Node::new(&node_id(3), flaky.clone()).unwrap();
    let mut seen = Vec::new();
    let err = backup::backup(
        &nodes,
        &keys.backup,
        &keys.signing,
        &spec,
        &cases,
        &mut rng(),
        &mut |p| seen.push(p),
    )
    .unwrap_err();
    assert_eq!(err.code(), "backup_node_unavailable");
    assert!(err.to_string().contains("node-3"));
    let done_before = seen.last().map_or(0, |p: &Progress| p.done);
    assert!(
        done_before >= 4 && done_before < cases.len(),
        "{done_before}"
    );
    // No index yet: nothing claims to be a complete backup.
    assert_eq!(
        run_restore(&nodes, &keys, "r1").unwrap_err().code(),
        "backup_index_missing"
    );

    // The node comes back; the re-run skips what was checkpointed.
    let nodes = local_nodes(&root, N);
    let mut seen = Vec::new();
    let report = backup::backup(
        &nodes,
        &keys.backup,
        &keys.signing,
        &spec,
        &cases,
        &mut rng(),
        &mut |p| seen.push(p),
    )
    .unwrap();
    assert!(report.reused >= 4, "{report:?}");
    assert_eq!(report.reused + report.written, cases.len());
    assert!(report.written < cases.len());
    assert_eq!(seen.len(), cases.len());
    assert_eq!(
        *seen.last().unwrap(),
        Progress {
            done: 20,
            total: 20,
            bytes: cases.iter().map(|c| c.bytes.len() as u64).sum()
        }
    );
    assert_eq!(run_restore(&nodes, &keys, "r1").unwrap(), cases);
    // The journal is gone once the index is written.
    for i in 0..N {
        let s = LocalDir::open(root.join(node_id(i)), 1 << 30).unwrap();
        assert!(
            s.list(&ObjectKey::new("journal/r1").unwrap())
                .unwrap()
                .is_empty()
        );
    }
    // A third run writes nothing; a changed archive is written again; a case dropped from the
    // run (erased since) loses its shards.
    let counting: Vec<Node> = (0..N)
        .map(|i| {
            let s = FailAfter::new(
                LocalDir::open(root.join(node_id(i)), 1 << 30).unwrap(),
                1 << 20,
            );
            Node::new(&node_id(i), Arc::new(s)).unwrap()
        })
        .collect();
    let again = run_backup(&counting, &keys, &spec, &cases).unwrap();
    assert_eq!((again.written, again.reused), (0, cases.len()));
    let mut changed = cases.clone();
    changed[7].bytes.push(42);
    let dropped = changed.remove(11);
    let again = run_backup(&nodes, &keys, &spec, &changed).unwrap();
    assert_eq!((again.written, again.reused), (1, changed.len() - 1));
    assert_eq!(run_restore(&nodes, &keys, "r1").unwrap(), changed);
    let dropped_dir = files(&root)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(&case_dir(&dropped.case_id)))
        .count();
    assert_eq!(dropped_dir, 0, "shards of the dropped case remain");
    let _ = flaky.puts.load(Ordering::SeqCst);
}

fn case_dir(case_id: &str) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::new()
        .chain_update(b"idverify/backup/case/v1")
        .chain_update(case_id.as_bytes())
        .finalize();
    hex::encode(&h[..16])
}

#[test]
fn inputs_are_validated() {
    let root = temp("validate");
    let keys = keys();
    let cases = archives(3);
    let nodes = local_nodes(&root, N);
    let err = run_backup(&nodes[..5], &keys, &spec("r1"), &cases).unwrap_err();
    assert_eq!(err.code(), "backup_nodes_too_few");
    assert!(err.to_string().contains("5 storage nodes given, 6 needed"));
    assert!(run_backup(&nodes[..3], &keys, &spec_layout("r1", 2, 1), &cases).is_ok());
    let mut dup = nodes.clone();
    dup[5] = nodes[0].clone();
    assert_eq!(
        run_backup(&dup, &keys, &spec("r2"), &cases)
            .unwrap_err()
            .code(),
        "backup_node_duplicate"
    );
    let mut twice = cases.clone();
    twice.push(cases[0].clone());
    assert_eq!(
        run_backup(&nodes, &keys, &spec("r2"), &twice)
            .unwrap_err()
            .code(),
        "backup_case_duplicate"
    );
    // Resuming a run with another layout or key would mix two runs.
    assert_eq!(
        run_backup(&nodes, &keys, &spec_layout("r1", 3, 3), &cases)
            .unwrap_err()
            .code(),
        "backup_run_conflict"
    );
    let other = Keys {
        backup: BackupKey::generate(&mut rng()),
        signing: IndexSigningKey::from_bytes(&keys.signing.expose_secret()[..]).unwrap(),
    };
    assert_eq!(
        run_backup(&nodes[..3], &other, &spec_layout("r1", 2, 1), &cases)
            .unwrap_err()
            .code(),
        "backup_run_conflict"
    );
    assert_eq!(
        Node::new(
            "Node A",
            Arc::new(LocalDir::open(root.join("x"), 1).unwrap())
        )
        .unwrap_err()
        .code(),
        "backup_node_id_invalid"
    );
    // Runs are listed from the nodes.
    assert_eq!(
        backup::list_runs(&nodes).unwrap(),
        vec![RunId::new("r1").unwrap()]
    );
}
