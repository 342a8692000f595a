//! restore(backup(x)) == x for random archives, random layouts and any ≤ m erased or corrupted
//! nodes (in-memory nodes, so that many cases run quickly).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::sync::Arc;

use backup::{CaseArchive, Node};
use common::*;
use proptest::prelude::*;
use store::{ObjectKey, ObjectStore};

fn mem_nodes(n: usize) -> (Vec<Node>, Vec<Arc<MemStore>>) {
    let stores: Vec<Arc<MemStore>> = (0..n).map(|_| Arc::new(MemStore::default())).collect();
    let nodes = stores
        .iter()
        .enumerate()
        .map(|(i, s)| Node::new(&node_id(i), s.clone()).unwrap())
        .collect();
    (nodes, stores)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn restore_of_backup_is_identity_under_any_m_erasures(
        archives in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3000), 0..6),
        k in 1usize..=5,
        m in 1usize..=3,
        extra in 0usize..=2,
        // Which nodes to damage (taken modulo N, deduplicated, at most m) and how.
        damage in proptest::collection::vec((0usize..16, any::<bool>()), 0..=3),
    ) {
        let n = k + m + extra;
        let (nodes, stores) = mem_nodes(n);
        let keys = keys();
        let cases: Vec<CaseArchive> = archives
            .into_iter()
            .enumerate()
            .map(|(i, bytes)| CaseArchive { case_id: format!("Case {i}"), bytes })
            .collect();
        run_backup(&nodes, &keys, &spec_layout("p", k, m), &cases).unwrap();
        let mut hit = Vec::new();
        for (d, corrupt) in damage {
            let i = d % n;
            if hit.contains(&i) || hit.len() == m {
                continue;
            }
            hit.push(i);
            let s = &stores[i];
            let keys_on_node = s.list(&ObjectKey::new("shards").unwrap()).unwrap();
            for key in keys_on_node {
                if corrupt {
                    let mut b = s.get(&key).unwrap();
                    let last = b.len() - 1;
                    b[last] ^= 0x5a;
                    s.put(&key, &b).unwrap();
                } else {
                    s.delete(&key).unwrap();
                }
            }
        }
        let restored = run_restore(&nodes, &keys, "p").unwrap();
        prop_assert_eq!(restored, cases);
    }
}
