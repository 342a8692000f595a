//! Backups of approved cases to several storage nodes (issue 11).
//!
//! A backup **run** takes case archives as bytes ([`CaseArchive`]) and writes each one to a set
//! of storage nodes ([`Node`]: any [`store::ObjectStore`], a local directory or an S3-compatible
//! bucket, in any mix):
//!
//! 1. the archive is sealed with AES-256-GCM under a key derived for it alone from the
//!    [`BackupKey`] and a random 256-bit salt, with the case id and the format version as
//!    associated data;
//! 2. the ciphertext is cut into `k` data shards and Reed–Solomon coded (GF(2^8), the
//!    `reed-solomon-erasure` crate's pure-Rust backend) into `m` parity shards; shard `i` goes to
//!    node `(i + rotation) % N`, so the `k + m` shards of a case sit on `k + m` distinct nodes;
//! 3. every shard carries a small header and its SHA-256 is recorded in the run's **index**, a
//!    JSON document signed with Ed25519 by the [`IndexSigningKey`] and stored on every node.
//!
//! [`restore`] and [`verify`] check the index's signature before anything else, then every
//! shard's hash; a missing, unreadable or altered shard is an erasure, so any `m` of them may be
//! lost. [`backup`] is resumable: it writes signed journal segments as it goes, and a re-run of
//! the same run skips the cases whose shards are already there with the recorded hashes.
//!
//! What the crate deliberately does not do: read configuration, open databases, print, read the
//! clock (the creation time is passed in) or draw randomness itself (an RNG is passed in). Keys
//! are separate from the nodes: a node holds ciphertext shards, the index (case ids, sizes,
//! hashes, salts) and nothing that decrypts them.
//!
//! Main types: [`Node`], [`RunId`], [`Layout`], [`CaseArchive`], [`BackupKey`],
//! [`IndexSigningKey`] / [`IndexVerifyingKey`], [`BackupIndex`], the reports
//! ([`BackupReport`], [`RestoreReport`], [`VerifyReport`]) and [`Error`].
#![forbid(unsafe_code)]

mod crypto;
mod error;
mod format;
mod keys;
mod model;
mod read;
mod write;

pub use error::Error;
pub use format::{BackupIndex, CaseEntry};
pub use keys::{BackupKey, IndexSigningKey, IndexVerifyingKey};
pub use model::{CaseArchive, Layout, Node, Progress, RunId};
pub use read::{
    CaseHealth, CaseVerify, IndexCopy, IndexCopyState, OpenedIndex, RestoreReport, ShardCheck,
    ShardState, VerifyReport, list_runs, open_index, restore, restore_all, restore_case, verify,
};
pub use write::{BackupReport, RunSpec, backup};
