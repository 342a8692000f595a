//! The crate's one error type.

/// Why a backup, restore or verification failed. Every variant has a stable snake_case
/// [`code`](Error::code).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer distinct nodes than `k + m`: the shards of a case could not sit on distinct nodes.
    #[error("{nodes} storage nodes given, {needed} needed (k + m distinct nodes)")]
    NodesTooFew {
        /// Nodes given.
        nodes: usize,
        /// `k + m`.
        needed: usize,
    },
    /// Two nodes with the same id.
    #[error("node id {0} given twice")]
    NodeDuplicate(String),
    /// A node id outside `[a-z0-9._-]{1,64}`.
    #[error("invalid node id: {0}")]
    NodeIdInvalid(&'static str),
    /// A run id outside `[a-z0-9._-]{1,64}` (not starting with a dot).
    #[error("invalid run id: {0}")]
    RunIdInvalid(&'static str),
    /// `k` or `m` out of range.
    #[error("invalid layout: {0}")]
    LayoutInvalid(&'static str),
    /// An empty or over-long case id.
    #[error("invalid case id: {0}")]
    CaseIdInvalid(&'static str),
    /// The same case id twice in one run.
    #[error("case {0} given twice")]
    CaseDuplicate(String),
    /// A key of the wrong length or encoding.
    #[error("a {0} must be 32 bytes")]
    KeyLength(&'static str),
    /// A node refused or failed an operation that a backup needs (a write, or the index).
    #[error("node {node}: {source}")]
    NodeUnavailable {
        /// The node's id.
        node: String,
        /// What the store said.
        #[source]
        source: store::objects::Error,
    },
    /// No node holds an index for this run.
    #[error("no index for backup run {0} on any node")]
    IndexMissing(String),
    /// Every index copy found fails its signature check: forged, edited, or signed by another key.
    #[error("the index of backup run {0} is not signed by the index key (forged or edited)")]
    IndexSignatureInvalid(String),
    /// A correctly signed document that this version cannot read, or of another run.
    #[error("malformed backup index: {0}")]
    IndexMalformed(String),
    /// The run already exists with another layout or backup key: a resume would mix them.
    #[error("backup run {run} already exists with a different {what}")]
    RunConflict {
        /// The run.
        run: String,
        /// `layout`, `backup key` or `node set`.
        what: &'static str,
    },
    /// The backup key given is not the one the run was written with.
    #[error("the backup key (id {given}) is not the one of this run (id {expected})")]
    BackupKeyWrong {
        /// The id of the key given.
        given: String,
        /// The id recorded in the index.
        expected: String,
    },
    /// The case is not in the index.
    #[error("case {0} is not in this backup")]
    CaseNotFound(String),
    /// Fewer than `k` shards of a case are present with their recorded hash.
    #[error(
        "case {case_id}: only {usable} of {total} shards usable ({missing} missing, {corrupt} corrupt), {needed} needed"
    )]
    NotEnoughShards {
        /// The case.
        case_id: String,
        /// Shards present with the right hash.
        usable: usize,
        /// `k`.
        needed: usize,
        /// `k + m`.
        total: usize,
        /// Shards absent or unreadable (node missing, object missing, I/O error).
        missing: usize,
        /// Shards present whose hash or header does not match the index.
        corrupt: usize,
    },
    /// A shard whose bytes do not match the index (reported by [`restore_case`](crate::restore_case)
    /// callers that demand every shard; restore itself treats it as an erasure).
    #[error("case {case_id}: shard {shard} on node {node} is corrupt")]
    ShardCorrupt {
        /// The case.
        case_id: String,
        /// The shard's index (0-based; data shards first).
        shard: usize,
        /// The node that holds it.
        node: String,
    },
    /// The shards matched their hashes but the rebuilt archive did not authenticate: the index
    /// and the shards disagree, or the key is wrong.
    #[error("case {0}: the rebuilt archive does not authenticate")]
    ArchiveCorrupt(String),
    /// An archive too large for this format (2^40 bytes).
    #[error("case {0}: archive too large")]
    ArchiveTooLarge(String),
    /// The Reed–Solomon coder refused its input (a bug, never expected).
    #[error("erasure coding: {0}")]
    Coding(String),
    /// The caller's sink refused a restored case.
    #[error("restore sink: {0}")]
    Sink(String),
}

impl Error {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::NodesTooFew { .. } => "backup_nodes_too_few",
            Error::NodeDuplicate(_) => "backup_node_duplicate",
            Error::NodeIdInvalid(_) => "backup_node_id_invalid",
            Error::RunIdInvalid(_) => "backup_run_id_invalid",
            Error::LayoutInvalid(_) => "backup_layout_invalid",
            Error::CaseIdInvalid(_) => "backup_case_id_invalid",
            Error::CaseDuplicate(_) => "backup_case_duplicate",
            Error::KeyLength(_) => "backup_key_length",
            Error::NodeUnavailable { .. } => "backup_node_unavailable",
            Error::IndexMissing(_) => "backup_index_missing",
            Error::IndexSignatureInvalid(_) => "backup_index_signature_invalid",
            Error::IndexMalformed(_) => "backup_index_malformed",
            Error::RunConflict { .. } => "backup_run_conflict",
            Error::BackupKeyWrong { .. } => "backup_key_wrong",
            Error::CaseNotFound(_) => "backup_case_not_found",
            Error::NotEnoughShards { .. } => "backup_not_enough_shards",
            Error::ShardCorrupt { .. } => "backup_shard_corrupt",
            Error::ArchiveCorrupt(_) => "backup_archive_corrupt",
            Error::ArchiveTooLarge(_) => "backup_archive_too_large",
            Error::Coding(_) => "backup_coding_failed",
            Error::Sink(_) => "backup_sink_failed",
        }
    }
}
