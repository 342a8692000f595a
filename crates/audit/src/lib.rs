//! The audit trail: append-only events, each bound to the one before it by an HMAC-SHA-256 chain.
//!
//! A plain hash chain can be recomputed by anyone who can write to the database; here every link
//! is keyed by the audit key, which the server holds outside the database. Editing, removing,
//! inserting or reordering any event breaks the chain at that event, and [`verify`] names it.
//! The chain head ([`Event::mac`] of the last event) can be written down or exported from time to
//! time, so that cutting events off the end is detected too ([`verify_against_head`]).
//!
//! Events carry ids and names of actions, never personal data: the log may be kept longer than
//! the evidence it describes.
#![forbid(unsafe_code)]

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

/// The key of the chain.
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

impl AuditKey {
    /// From 32 bytes.
    #[must_use]
    pub fn new(bytes: [u8; 32]) -> AuditKey {
        AuditKey(Zeroizing::new(bytes))
    }

    /// The raw key, to store in the key file.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

/// What happened, by whom, to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Milliseconds since the Unix epoch (the caller's clock).
    pub at_ms: i64,
    /// Who: `api_key:ak_1234`, `user:reviewer-7`, `system`.
    pub actor: String,
    /// What: `verification.created`, `decision.override`, `evidence.purged`, `login`.
    pub action: String,
    /// On what: a verification id, a key prefix, a user id.
    pub subject: String,
    /// Structured details (ids, codes, counts; never personal data).
    pub details: serde_json::Value,
}

/// An event as stored: the entry, its position, and the chain values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// 1, 2, 3, … without gaps.
    pub seq: u64,
    /// The entry.
    #[serde(flatten)]
    pub entry: Entry,
    /// The previous event's MAC (all zero for the first event), hex.
    pub prev: String,
    /// HMAC-SHA-256(audit key, canonical(seq, entry, prev)), hex.
    pub mac: String,
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The event's MAC does not match its content: it was edited, or forged without the key.
    #[error("event {seq}: content does not match its MAC (edited or forged)")]
    Edited {
        /// The event's sequence number.
        seq: u64,
    },
    /// The event does not follow the one before it: an event was removed, inserted or moved.
    #[error("event {seq}: does not follow event {previous} (removed, inserted or reordered)")]
    Broken {
        /// The event's sequence number.
        seq: u64,
        /// The sequence number before it.
        previous: u64,
    },
    /// The chain ends before the recorded head: events were cut off the end.
    #[error("the chain ends at event {last}, before the recorded head")]
    Truncated {
        /// The last event present.
        last: u64,
    },
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Edited { .. } => "audit_event_edited",
            Error::Broken { .. } => "audit_chain_broken",
            Error::Truncated { .. } => "audit_chain_truncated",
        }
    }
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Length-prefixed fields, then the details as canonical JSON (keys sorted): no two different
/// events encode alike.
fn canonical(seq: u64, entry: &Entry, prev: &str) -> Vec<u8> {
    let mut out = b"idverify-audit-v1".to_vec();
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&entry.at_ms.to_be_bytes());
    let details = entry.details.to_string();
    for field in [
        entry.actor.as_str(),
        entry.action.as_str(),
        entry.subject.as_str(),
        details.as_str(),
        prev,
    ] {
        out.extend_from_slice(&u64::try_from(field.len()).unwrap_or(u64::MAX).to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

fn mac(key: &AuditKey, seq: u64, entry: &Entry, prev: &str) -> Vec<u8> {
    // HMAC takes keys of any length; an empty MAC (never produced) would fail every check.
    let Ok(mut m) = <HmacSha256 as KeyInit>::new_from_slice(key.0.as_slice()) else {
        return Vec::new();
    };
    m.update(&canonical(seq, entry, prev));
    m.finalize().into_bytes().to_vec()
}

/// The event that follows `previous` (None for the first event).
#[must_use]
pub fn append(key: &AuditKey, previous: Option<&Event>, entry: Entry) -> Event {
    let (seq, prev) = match previous {
        Some(p) => (p.seq + 1, p.mac.clone()),
        None => (1, GENESIS.to_owned()),
    };
    let mac = hex(&mac(key, seq, &entry, &prev));
    Event {
        seq,
        entry,
        prev,
        mac,
    }
}

/// What a verification of the chain established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// Events checked.
    pub events: u64,
    /// The head: the last event's MAC (genesis for an empty log).
    pub head: String,
}

/// Checks a whole log, in storage order, from its first event.
pub fn verify<'a>(
    key: &AuditKey,
    events: impl IntoIterator<Item = &'a Event>,
) -> Result<Verified, Error> {
    let mut previous: Option<&Event> = None;
    let mut count = 0;
    for e in events {
        let (want_seq, want_prev) = match previous {
            Some(p) => (p.seq + 1, p.mac.as_str()),
            None => (1, GENESIS),
        };
        if e.seq != want_seq || !bool::from(e.prev.as_bytes().ct_eq(want_prev.as_bytes())) {
            return Err(Error::Broken {
                seq: e.seq,
                previous: previous.map_or(0, |p| p.seq),
            });
        }
        let expected = hex(&mac(key, e.seq, &e.entry, &e.prev));
        if !bool::from(expected.as_bytes().ct_eq(e.mac.as_bytes())) {
            return Err(Error::Edited { seq: e.seq });
        }
        previous = Some(e);
        count += 1;
    }
    Ok(Verified {
        events: count,
        head: previous.map_or_else(|| GENESIS.to_owned(), |p| p.mac.clone()),
    })
}

/// [`verify`], and the head recorded earlier (`seq`, `mac`) must be in the log: nothing was cut
/// off the end since.
pub fn verify_against_head<'a>(
    key: &AuditKey,
    events: impl IntoIterator<Item = &'a Event>,
    head_seq: u64,
    head_mac: &str,
) -> Result<Verified, Error> {
    let events: Vec<&Event> = events.into_iter().collect();
    let verified = verify(key, events.iter().copied())?;
    match events.iter().find(|e| e.seq == head_seq) {
        Some(e) if bool::from(e.mac.as_bytes().ct_eq(head_mac.as_bytes())) => Ok(verified),
        Some(e) => Err(Error::Edited { seq: e.seq }),
        None => Err(Error::Truncated {
            last: verified.events,
        }),
    }
}
