//! The chain holds for honest logs; every edit, removal, insertion, reordering, forgery without
//! the key and truncation is caught at the right event.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

use audit::{AuditKey, Entry, Event, append, verify, verify_against_head};
use proptest::prelude::*;

fn key() -> AuditKey {
    AuditKey::new([7; 32])
}

fn entry(i: i64) -> Entry {
    Entry {
        at_ms: 1_764_000_000_000 + i,
        actor: format!("api_key:ak_{i:04}"),
        action: "verification.created".into(),
        subject: format!("ver_{i}"),
        details: serde_json::json!({"n": i, "status": "created"}),
    }
}

fn log(n: i64) -> Vec<Event> {
    let k = key();
    let mut out: Vec<Event> = Vec::new();
    for i in 0..n {
        let e = append(&k, out.last(), entry(i));
        out.push(e);
    }
    out
}

#[test]
fn an_honest_log_verifies_and_reports_its_head() {
    let l = log(20);
    let v = verify(&key(), &l).unwrap();
    assert_eq!(v.events, 20);
    assert_eq!(v.head, l[19].mac);
    assert_eq!(verify(&key(), &[]).unwrap().events, 0);
    // Round trip through JSON, as stored.
    let json = serde_json::to_string(&l).unwrap();
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert!(verify(&key(), &back).is_ok());
}

#[test]
fn each_kind_of_tampering_is_caught_where_it_happened() {
    let l = log(10);
    // Edited content.
    let mut edited = l.clone();
    edited[4].entry.action = "decision.override".into();
    assert_eq!(
        verify(&key(), &edited).unwrap_err().code(),
        "audit_event_edited"
    );
    assert_eq!(
        verify(&key(), &edited).unwrap_err(),
        audit::Error::Edited { seq: 5 }
    );
    // Edited details, even reordering-equivalent JSON with another value.
    let mut details = l.clone();
    details[2].entry.details = serde_json::json!({"n": 2, "status": "approved"});
    assert!(verify(&key(), &details).is_err());
    // Removed.
    let mut removed = l.clone();
    removed.remove(6);
    assert_eq!(
        verify(&key(), &removed).unwrap_err(),
        audit::Error::Broken {
            seq: 8,
            previous: 6
        }
    );
    // Reordered.
    let mut reordered = l.clone();
    reordered.swap(2, 3);
    assert_eq!(
        verify(&key(), &reordered).unwrap_err().code(),
        "audit_chain_broken"
    );
    // Recomputed by someone without the key: every MAC "fixed" with another key.
    let forger = AuditKey::new([8; 32]);
    let mut forged: Vec<Event> = Vec::new();
    for e in &edited {
        let next = append(&forger, forged.last(), e.entry.clone());
        forged.push(next);
    }
    assert_eq!(
        verify(&key(), &forged).unwrap_err(),
        audit::Error::Edited { seq: 1 }
    );
    // Cut off the end: only the recorded head shows it.
    let cut = &l[..7];
    assert!(verify(&key(), cut).is_ok());
    assert_eq!(
        verify_against_head(&key(), cut, 10, &l[9].mac)
            .unwrap_err()
            .code(),
        "audit_chain_truncated"
    );
    assert!(verify_against_head(&key(), &l, 10, &l[9].mac).is_ok());
}

#[test]
fn the_key_never_prints() {
    assert_eq!(format!("{:?}", key()), "AuditKey([redacted])");
}

proptest! {
    #[test]
    fn any_single_change_breaks_the_chain(index in 0usize..8, which in 0u8..5, text in "[a-z]{1,8}") {
        let mut l = log(8);
        let e = &mut l[index];
        match which {
            0 => e.entry.actor.push_str(&text),
            1 => e.entry.subject.push_str(&text),
            2 => e.entry.at_ms += 1,
            3 => e.entry.details = serde_json::json!({"x": text}),
            _ => e.seq += 1,
        }
        prop_assert!(verify(&key(), &l).is_err());
    }
}
