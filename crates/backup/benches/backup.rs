//! Backup, verify and restore throughput for 1,000 cases of 100–300 KB (about 200 MB), on six
//! local-directory nodes in a temporary directory (every object fsync'd, as `store::LocalDir`
//! does) and, to separate the CPU path from the disk, on six in-memory nodes. Restores run with
//! two of the six nodes wiped, so most cases need Reed–Solomon reconstruction.
//!
//! `IDVERIFY_BENCH_CASES` overrides the number of cases (default 1000).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs,
    reason = "benchmark"
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use backup::{CaseArchive, Node, RunId};
use common::{Keys, MemStore, keys, local_node, local_nodes, node_id, rng, spec, temp};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

fn cases() -> Vec<CaseArchive> {
    let n: usize = std::env::var("IDVERIFY_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|i| {
            // 100 KB to 300 KB, 200 KB on average: photos and chip files, incompressible.
            let size = 100_000 + (i * 7_919) % 200_001;
            let mut bytes = Vec::with_capacity(size + 8);
            while bytes.len() < size {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.extend_from_slice(&state.to_le_bytes());
            }
            bytes.truncate(size);
            CaseArchive {
                case_id: format!("ver_01HXBENCH{i:05}"),
                bytes,
            }
        })
        .collect()
}

fn mem_nodes() -> Vec<Node> {
    (0..6)
        .map(|i| Node::new(&node_id(i), Arc::new(MemStore::default())).unwrap())
        .collect()
}

fn do_backup(nodes: &[Node], keys: &Keys, cases: &[CaseArchive]) {
    common::run_backup(nodes, keys, &spec("bench"), cases).unwrap();
}

fn do_restore(nodes: &[Node], keys: &Keys, expect: usize) {
    let opened = backup::open_index(
        nodes,
        &keys.signing.verifying_key(),
        &RunId::new("bench").unwrap(),
    )
    .unwrap();
    let mut n = 0;
    let report = backup::restore(nodes, &keys.backup, &opened.index, &mut |_| {}, &mut |c| {
        n += c.bytes.len();
        Ok(())
    })
    .unwrap();
    assert_eq!(report.cases, expect);
    std::hint::black_box(n);
}

/// Nodes 0 and 1 replaced by empty ones (wiped disks).
fn two_missing(nodes: &[Node], wiped: &std::path::Path) -> Vec<Node> {
    let mut set = nodes.to_vec();
    set[0] = local_node(wiped, 0);
    set[1] = local_node(wiped, 1);
    set
}

fn bench(c: &mut Criterion) {
    let cases = cases();
    let total: u64 = cases.iter().map(|c| c.bytes.len() as u64).sum();
    let keys = keys();
    let mut g = c.benchmark_group("backup");
    g.sample_size(10);
    // Each iteration is a whole run of seconds: ten equal samples, not 1 + 2 + … + 10 runs.
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Bytes(total));

    // Disk: a fresh set of six directories per backup, so nothing is resumed.
    g.bench_function("backup_localdir_6_nodes", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for i in 0..iters {
                let root = temp(&format!("bench-backup-{i}"));
                let nodes = local_nodes(&root, 6);
                let t = Instant::now();
                do_backup(&nodes, &keys, &cases);
                spent += t.elapsed();
                std::fs::remove_dir_all(&root).unwrap();
            }
            spent
        });
    });

    let root = temp("bench-read");
    let nodes = local_nodes(&root, 6);
    do_backup(&nodes, &keys, &cases);
    let opened = backup::open_index(
        &nodes,
        &keys.signing.verifying_key(),
        &RunId::new("bench").unwrap(),
    )
    .unwrap();
    g.bench_function("verify_localdir_6_nodes", |b| {
        b.iter(|| {
            let v = backup::verify(&nodes, &opened, &mut |_| {}).unwrap();
            assert!(v.is_intact());
        });
    });
    let wiped = temp("bench-wiped");
    let degraded = two_missing(&nodes, &wiped);
    g.bench_function("restore_localdir_2_of_6_missing", |b| {
        b.iter(|| do_restore(&degraded, &keys, cases.len()));
    });
    g.bench_function("restore_localdir_all_present", |b| {
        b.iter(|| do_restore(&nodes, &keys, cases.len()));
    });
    drop(degraded);
    drop(nodes);
    let _ = std::fs::remove_dir_all(&root);
    let _ = std::fs::remove_dir_all(&wiped);

    // Memory: the CPU path alone (AES-GCM, SHA-256, Reed–Solomon, HMAC).
    g.bench_function("backup_memory_6_nodes", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let nodes = mem_nodes();
                let t = Instant::now();
                do_backup(&nodes, &keys, &cases);
                spent += t.elapsed();
            }
            spent
        });
    });
    let nodes = mem_nodes();
    do_backup(&nodes, &keys, &cases);
    let mut degraded = nodes.clone();
    degraded[0] = Node::new(&node_id(0), Arc::new(MemStore::default())).unwrap();
    degraded[1] = Node::new(&node_id(1), Arc::new(MemStore::default())).unwrap();
    g.bench_function("restore_memory_2_of_6_missing", |b| {
        b.iter(|| do_restore(&degraded, &keys, cases.len()));
    });
    g.finish();
    let _ = rng();
}

criterion_group!(benches, bench);
criterion_main!(benches);
