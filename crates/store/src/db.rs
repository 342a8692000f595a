//! The database: SQLite (WAL) embedded by default, PostgreSQL by URL for clusters — one schema,
//! one set of queries (sqlx's Any driver, `$n` placeholders, types both accept).
//!
//! What it holds: verifications and their state, evidence metadata (the blobs are in the object
//! store, sealed), API keys (prefix and hash only), and the audit chain.

use std::fmt;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::{Executor, Row};

mod review;
pub use review::{
    ApiKeyRow, ClaimRefusal, OverrideRequest, QueueFilter, QueueItem, ReviewRow, SessionRow, User,
};

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The database could not be reached or answered an error.
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    /// A state change that does not follow from the current state (or a concurrent change won).
    #[error("verification {id} is {actual}, not {expected}")]
    Conflict {
        /// The verification.
        id: String,
        /// The state the change expected.
        expected: &'static str,
        /// The state it is in.
        actual: String,
    },
    /// No such row.
    #[error("not found")]
    NotFound,
    /// A stored row that does not decode.
    #[error("corrupt row: {0}")]
    Corrupt(&'static str),
}

impl DbError {
    /// A stable snake_case code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            DbError::Sql(_) => "database_unavailable",
            DbError::Conflict { .. } => "state_conflict",
            DbError::NotFound => "not_found",
            DbError::Corrupt(_) => "database_corrupt",
        }
    }
}

/// The life of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationStatus {
    /// Created; waiting for evidence.
    Created,
    /// Evidence is arriving.
    Collecting,
    /// Submitted; the engines run.
    Processing,
    /// Decided: approved.
    Approved,
    /// Decided: declined.
    Declined,
    /// Decided: a human must look.
    Review,
    /// Nothing arrived before the deadline.
    Expired,
}

impl VerificationStatus {
    /// The stored and API name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Created => "created",
            VerificationStatus::Collecting => "collecting",
            VerificationStatus::Processing => "processing",
            VerificationStatus::Approved => "approved",
            VerificationStatus::Declined => "declined",
            VerificationStatus::Review => "review",
            VerificationStatus::Expired => "expired",
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<VerificationStatus> {
        use VerificationStatus::*;
        [
            Created, Collecting, Processing, Approved, Declined, Review, Expired,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Whether `self → next` is a transition the product allows.
    #[must_use]
    pub fn may_become(self, next: VerificationStatus) -> bool {
        use VerificationStatus::*;
        matches!(
            (self, next),
            (Created, Collecting | Processing | Expired)
                | (Collecting, Collecting | Processing | Expired)
                | (Processing, Approved | Declined | Review)
                | (Review, Approved | Declined)
                // The four-eyes override of an automatic decline (two different users).
                | (Declined, Approved)
        )
    }
}

impl fmt::Display for VerificationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verification row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Its id.
    pub id: String,
    /// Its state.
    pub status: VerificationStatus,
    /// The API key that created it (prefix).
    pub api_key_prefix: String,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last changed, Unix ms.
    pub updated_at_ms: i64,
    /// The wrapped data key of its evidence (`envelope::WrappedKey` bytes); None once erased.
    pub wrapped_key: Option<Vec<u8>>,
    /// The result document (JSON), once decided.
    pub result_json: Option<String>,
    /// The integrator's own reference (opaque to us; never personal data by contract).
    pub reference: Option<String>,
    /// The Active Authentication challenge handed to the SDK (hex), if any.
    pub aa_challenge: Option<String>,
    /// When the evidence is due for deletion, Unix ms (None: not decided, or kept by policy).
    pub retain_until_ms: Option<i64>,
    /// When the evidence was purged, Unix ms.
    pub purged_at_ms: Option<i64>,
}

/// One webhook delivery and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: String,
    /// The verification it reports on.
    pub verification_id: String,
    /// The event name (`verification.decided`, …).
    pub event: String,
    /// The endpoint.
    pub url: String,
    /// The JSON body, exactly as signed and sent.
    pub body: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// `pending`, `delivered` or `failed` (gave up).
    pub state: String,
    /// The last HTTP status the endpoint answered, if it answered.
    pub last_status: Option<i64>,
    /// The last transport error, if any (a code, not a message with data).
    pub last_error: Option<String>,
    /// When the next attempt is due, Unix ms.
    pub next_at_ms: i64,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last changed, Unix ms.
    pub updated_at_ms: i64,
}

const MIGRATIONS: &[(i64, &[&str])] = &[
    (
        1,
        &[
            "CREATE TABLE IF NOT EXISTS verifications (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL,
            api_key_prefix TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            updated_at_ms BIGINT NOT NULL,
            wrapped_key BYTEA,
            result_json TEXT,
            retain_until_ms BIGINT)",
            "CREATE TABLE IF NOT EXISTS evidence (
            verification_id TEXT NOT NULL,
            name TEXT NOT NULL,
            object_key TEXT NOT NULL,
            size BIGINT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            PRIMARY KEY (verification_id, name))",
            "CREATE TABLE IF NOT EXISTS api_keys (
            prefix TEXT PRIMARY KEY,
            hash TEXT NOT NULL,
            name TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            revoked_at_ms BIGINT)",
            "CREATE TABLE IF NOT EXISTS audit_events (
            seq BIGINT PRIMARY KEY,
            at_ms BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL,
            details TEXT NOT NULL,
            prev TEXT NOT NULL,
            mac TEXT NOT NULL)",
        ],
    ),
    (
        2,
        &[
            "ALTER TABLE verifications ADD COLUMN reference TEXT",
            "ALTER TABLE verifications ADD COLUMN aa_challenge TEXT",
            "ALTER TABLE verifications ADD COLUMN purged_at_ms BIGINT",
            "CREATE INDEX IF NOT EXISTS verifications_retain ON verifications (retain_until_ms)",
            "CREATE INDEX IF NOT EXISTS verifications_status ON verifications (status, created_at_ms)",
            "CREATE TABLE IF NOT EXISTS webhook_deliveries (
            id TEXT PRIMARY KEY,
            verification_id TEXT NOT NULL,
            event TEXT NOT NULL,
            url TEXT NOT NULL,
            body TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            state TEXT NOT NULL,
            last_status BIGINT,
            last_error TEXT,
            next_at_ms BIGINT NOT NULL,
            created_at_ms BIGINT NOT NULL,
            updated_at_ms BIGINT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS webhook_due ON webhook_deliveries (state, next_at_ms)",
            "CREATE TABLE IF NOT EXISTS users (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL)",
        ],
    ),
    (
        3,
        &[
            "CREATE INDEX IF NOT EXISTS verifications_reference ON verifications (api_key_prefix, reference)",
        ],
    ),
    (
        4,
        &[
            "CREATE TABLE IF NOT EXISTS retention_deadlines (
            verification_id TEXT NOT NULL,
            class TEXT NOT NULL,
            due_at_ms BIGINT NOT NULL,
            PRIMARY KEY (verification_id, class))",
            "CREATE INDEX IF NOT EXISTS retention_deadlines_due ON retention_deadlines (due_at_ms)",
        ],
    ),
    (
        5,
        &["CREATE INDEX IF NOT EXISTS audit_events_subject ON audit_events (subject, seq)"],
    ),
    (
        6,
        &[
            // Facts about the installation every node shares: the cluster id a licence binds to.
            "CREATE TABLE IF NOT EXISTS installation (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL)",
            // Rate-limit windows shared by every node on this database (one row per key and
            // minute).
            "CREATE TABLE IF NOT EXISTS rate_windows (
            bucket TEXT NOT NULL,
            window_ms BIGINT NOT NULL,
            hits BIGINT NOT NULL,
            PRIMARY KEY (bucket, window_ms))",
            "CREATE INDEX IF NOT EXISTS rate_windows_age ON rate_windows (window_ms)",
            "CREATE INDEX IF NOT EXISTS verifications_created ON verifications (created_at_ms)",
        ],
    ),
    // 7: the review workflow and the dashboard (issue 9).
    (7, review::MIGRATION),
    // Liveness (issue 7): the step's plan (challenges, nonce, deadline) and each frame's
    // client timestamp and arrival time.
    (
        8,
        &[
            "CREATE TABLE IF NOT EXISTS liveness_sessions (
            verification_id TEXT PRIMARY KEY,
            plan TEXT NOT NULL,
            created_at_ms BIGINT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS liveness_frames (
            verification_id TEXT NOT NULL,
            idx BIGINT NOT NULL,
            client_ms BIGINT NOT NULL,
            received_ms BIGINT NOT NULL,
            PRIMARY KEY (verification_id, idx))",
        ],
    ),
    // 9: the queue's reason index (filled from the stored results as it is created).
    (9, review::REASONS_MIGRATION),
];

const VERIFICATION_COLUMNS: &str = "id, status, api_key_prefix, created_at_ms, updated_at_ms, wrapped_key, result_json, reference, aa_challenge, retain_until_ms, purged_at_ms";

const DELIVERY_COLUMNS: &str = "id, verification_id, event, url, body, attempts, state, last_status, last_error, next_at_ms, created_at_ms, updated_at_ms";

/// The database.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    /// Serialises this process's audit appends: they would otherwise all race for the same
    /// sequence number under load. Other nodes' appends still race, and retry.
    audit_append: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Db")
    }
}

impl Db {
    /// Connects to `url` (`sqlite:///path/idverify.db?mode=rwc` or `postgres://…`). SQLite runs in
    /// WAL mode with a busy timeout and `synchronous=FULL` (a commit is durable before it is acknowledged). `schema`, for PostgreSQL, is set as the search path (tests
    /// use one schema each).
    pub async fn connect(url: &str, schema: Option<&str>) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let schema = schema.map(str::to_owned);
        if let Some(s) = &schema
            && !s
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(DbError::Corrupt("schema name"));
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { 8 })
            .after_connect(move |conn, _meta| {
                let schema = schema.clone();
                Box::pin(async move {
                    if sqlite {
                        conn.execute("PRAGMA journal_mode=WAL").await?;
                        conn.execute("PRAGMA busy_timeout=5000").await?;
                        // FULL: a commit is on disk before it is acknowledged, power loss included.
                        conn.execute("PRAGMA synchronous=FULL").await?;
                    } else if let Some(s) = schema {
                        conn.execute(sqlx::AssertSqlSafe(format!("SET search_path TO {s}")))
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Ok(Db {
            pool,
            audit_append: std::sync::Arc::default(),
        })
    }

    /// Applies the migrations not yet applied (idempotent).
    pub async fn migrate(&self) -> Result<(), DbError> {
        self.pool
            .execute("CREATE TABLE IF NOT EXISTS idv_schema (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)")
            .await?;
        for (version, statements) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query("SELECT version FROM idv_schema WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&self.pool)
                    .await?
                    .map(|r| r.get(0));
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for s in *statements {
                tx.execute(*s).await?;
            }
            if *version == 9 {
                review::backfill_reasons(&mut tx).await?;
            }
            sqlx::query("INSERT INTO idv_schema (version, applied_at_ms) VALUES ($1, $2)")
                .bind(*version)
                .bind(0_i64)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Inserts a new verification in state `created`.
    pub async fn create_verification(
        &self,
        id: &str,
        api_key_prefix: &str,
        wrapped_key: &[u8],
        now_ms: i64,
    ) -> Result<(), DbError> {
        self.create_verification_with(id, api_key_prefix, wrapped_key, None, None, now_ms)
            .await
    }

    /// Inserts a new verification in state `created`, with the integrator's reference and the
    /// Active Authentication challenge issued for it.
    pub async fn create_verification_with(
        &self,
        id: &str,
        api_key_prefix: &str,
        wrapped_key: &[u8],
        reference: Option<&str>,
        aa_challenge: Option<&str>,
        now_ms: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO verifications (id, status, api_key_prefix, created_at_ms, updated_at_ms, wrapped_key, reference, aa_challenge) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(VerificationStatus::Created.as_str())
        .bind(api_key_prefix)
        .bind(now_ms)
        .bind(now_ms)
        .bind(wrapped_key.to_vec())
        .bind(reference.map(str::to_owned))
        .bind(aa_challenge.map(str::to_owned))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The verification `id`.
    pub async fn verification(&self, id: &str) -> Result<Verification, DbError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(DbError::NotFound)?;
        verification_of(&row)
    }

    /// Ids of verifications in `status` created before `before_ms` (oldest first, at most
    /// `limit`): the expiry sweep and the restart recovery of interrupted processing.
    pub async fn verifications_in(
        &self,
        status: VerificationStatus,
        before_ms: i64,
        limit: i64,
    ) -> Result<Vec<String>, DbError> {
        let rows = sqlx::query(
            "SELECT id FROM verifications WHERE status = $1 AND created_at_ms < $2 ORDER BY created_at_ms LIMIT $3",
        )
        .bind(status.as_str())
        .bind(before_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// How many verifications one API key created for one reference of its own, up to
    /// `created_at_ms` (the attempts of one applicant, as the risk engine counts them).
    pub async fn attempts_with_reference(
        &self,
        api_key_prefix: &str,
        reference: &str,
        created_at_ms: i64,
    ) -> Result<i64, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM verifications WHERE api_key_prefix = $1 AND reference = $2 AND created_at_ms <= $3",
        )
        .bind(api_key_prefix)
        .bind(reference)
        .bind(created_at_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// How many verifications are in each state (for `/metrics`).
    pub async fn count_by_status(&self) -> Result<Vec<(String, i64)>, DbError> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) FROM verifications GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Sets when the evidence of `id` is due for deletion (None: kept until erased by hand).
    pub async fn set_retain_until(
        &self,
        id: &str,
        retain_until_ms: Option<i64>,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE verifications SET retain_until_ms = $1 WHERE id = $2")
            .bind(retain_until_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets when one data class of `id` (`chip`, `results`) is due for deletion.
    pub async fn set_class_deadline(
        &self,
        id: &str,
        class: &str,
        due_at_ms: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM retention_deadlines WHERE verification_id = $1 AND class = $2")
            .bind(id)
            .bind(class)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO retention_deadlines (verification_id, class, due_at_ms) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(class)
        .bind(due_at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The (verification, class) deadlines due at `now_ms`, oldest first.
    pub async fn due_class_deadlines(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT verification_id, class FROM retention_deadlines WHERE due_at_ms <= $1 ORDER BY due_at_ms LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Removes a deadline once its class is dealt with.
    pub async fn clear_class_deadline(&self, id: &str, class: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM retention_deadlines WHERE verification_id = $1 AND class = $2")
            .bind(id)
            .bind(class)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the evidence rows of `id` named `names` (their blobs already deleted).
    pub async fn delete_evidence(&self, id: &str, names: &[String]) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        for n in names {
            sqlx::query("DELETE FROM evidence WHERE verification_id = $1 AND name = $2")
                .bind(id)
                .bind(n)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the stored result document of `id` (when retention trims it).
    pub async fn replace_result(&self, id: &str, result_json: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE verifications SET result_json = $1 WHERE id = $2")
            .bind(result_json)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Verifications whose evidence is due for deletion at `now_ms` and not yet purged.
    pub async fn due_for_purge(&self, now_ms: i64, limit: i64) -> Result<Vec<String>, DbError> {
        let rows = sqlx::query(
            "SELECT id FROM verifications WHERE retain_until_ms IS NOT NULL AND retain_until_ms <= $1 AND purged_at_ms IS NULL ORDER BY retain_until_ms LIMIT $2",
        )
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Records that the evidence of `id` is gone: its rows deleted, its data key erased (so any
    /// copy of a blob left in a backup can no longer be opened).
    pub async fn mark_purged(&self, id: &str, now_ms: i64) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM evidence WHERE verification_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE verifications SET wrapped_key = NULL, purged_at_ms = $1, updated_at_ms = $1 WHERE id = $2",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves `id` from `from` to `to` (with the result, once decided). Fails with a conflict if
    /// the transition is not allowed or another request changed the state first.
    pub async fn transition(
        &self,
        id: &str,
        from: VerificationStatus,
        to: VerificationStatus,
        result_json: Option<&str>,
        now_ms: i64,
    ) -> Result<(), DbError> {
        if !from.may_become(to) {
            return Err(DbError::Conflict {
                id: id.to_owned(),
                expected: from.as_str(),
                actual: format!("asked to become {to}"),
            });
        }
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE verifications SET status = $1, updated_at_ms = $2, result_json = COALESCE($3, result_json) WHERE id = $4 AND status = $5",
        )
        .bind(to.as_str())
        .bind(now_ms)
        .bind(result_json.map(str::to_owned))
        .bind(id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            if let Some(result) = result_json {
                review::index_reasons(&mut tx, id, &review::reason_codes(result)).await?;
            }
            tx.commit().await?;
            return Ok(());
        }
        tx.rollback().await?;
        let actual = self.verification(id).await?.status;
        Err(DbError::Conflict {
            id: id.to_owned(),
            expected: from.as_str(),
            actual: actual.as_str().to_owned(),
        })
    }

    /// Erases a verification's data key: its evidence can no longer be decrypted anywhere.
    pub async fn erase_data_key(&self, id: &str, now_ms: i64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE verifications SET wrapped_key = NULL, updated_at_ms = $1 WHERE id = $2",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records an evidence blob stored under `object_key`, replacing an earlier upload of the
    /// same name (the SDK may retake a photo).
    pub async fn put_evidence(
        &self,
        verification: &str,
        name: &str,
        object_key: &str,
        size: i64,
        now_ms: i64,
    ) -> Result<(), DbError> {
        sqlx::query("INSERT INTO evidence (verification_id, name, object_key, size, created_at_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (verification_id, name) DO UPDATE SET object_key = $3, size = $4, created_at_ms = $5")
            .bind(verification)
            .bind(name)
            .bind(object_key)
            .bind(size)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records an evidence blob stored under `object_key`.
    pub async fn add_evidence(
        &self,
        verification: &str,
        name: &str,
        object_key: &str,
        size: i64,
        now_ms: i64,
    ) -> Result<(), DbError> {
        sqlx::query("INSERT INTO evidence (verification_id, name, object_key, size, created_at_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(verification)
            .bind(name)
            .bind(object_key)
            .bind(size)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The evidence of a verification: (name, object key, size), by name.
    pub async fn evidence(
        &self,
        verification: &str,
    ) -> Result<Vec<(String, String, i64)>, DbError> {
        let rows = sqlx::query(
            "SELECT name, object_key, size FROM evidence WHERE verification_id = $1 ORDER BY name",
        )
        .bind(verification)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// Stores an API key (prefix and hash only).
    pub async fn add_api_key(
        &self,
        key: &auth::StoredApiKey,
        name: &str,
        now_ms: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO api_keys (prefix, hash, name, created_at_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(key.prefix.as_str())
        .bind(key.hash.as_str())
        .bind(name)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active (not revoked) API key with this prefix.
    pub async fn active_api_key(
        &self,
        prefix: &str,
    ) -> Result<Option<auth::StoredApiKey>, DbError> {
        let row = sqlx::query(
            "SELECT prefix, hash FROM api_keys WHERE prefix = $1 AND revoked_at_ms IS NULL",
        )
        .bind(prefix)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(auth::StoredApiKey {
                prefix: r.try_get(0)?,
                hash: r.try_get(1)?,
            })
        })
        .transpose()
    }

    /// Revokes an API key.
    pub async fn revoke_api_key(&self, prefix: &str, now_ms: i64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE api_keys SET revoked_at_ms = $1 WHERE prefix = $2 AND revoked_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(prefix)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends an audit event, chained to the last one. Appends from this process take turns;
    /// appends from other nodes race on the sequence number's primary key, and the loser
    /// retries on the new head after a short, growing, jittered pause.
    pub async fn append_audit(
        &self,
        key: &audit::AuditKey,
        entry: audit::Entry,
    ) -> Result<audit::Event, DbError> {
        let _turn = self.audit_append.lock().await;
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            if attempts > 1 {
                let mut j = [0u8; 1];
                let _ = getrandom::fill(&mut j);
                let ms = u64::from(attempts.min(10)) * 2 + u64::from(j[0] % 8);
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            let last = self.last_audit_event().await?;
            let event = audit::append(key, last.as_ref(), entry.clone());
            let inserted = sqlx::query(
                "INSERT INTO audit_events (seq, at_ms, actor, action, subject, details, prev, mac) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(i64::try_from(event.seq).map_err(|_| DbError::Corrupt("seq"))?)
            .bind(event.entry.at_ms)
            .bind(event.entry.actor.as_str())
            .bind(event.entry.action.as_str())
            .bind(event.entry.subject.as_str())
            .bind(event.entry.details.to_string())
            .bind(event.prev.as_str())
            .bind(event.mac.as_str())
            .execute(&self.pool)
            .await;
            match inserted {
                Ok(_) => return Ok(event),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() && attempts < 100 => {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn last_audit_event(&self) -> Result<Option<audit::Event>, DbError> {
        let row = sqlx::query(
            "SELECT seq, at_ms, actor, action, subject, details, prev, mac FROM audit_events ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| event_of(&r)).transpose()
    }

    /// The whole audit log, in sequence order (for `idverify audit verify`).
    pub async fn audit_events(&self) -> Result<Vec<audit::Event>, DbError> {
        let rows = sqlx::query("SELECT seq, at_ms, actor, action, subject, details, prev, mac FROM audit_events ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_of).collect()
    }

    /// The audit events about one subject (a verification id), in sequence order — what a
    /// subject export includes. Verify the chain with [`Db::audit_events`].
    pub async fn audit_events_about(&self, subject: &str) -> Result<Vec<audit::Event>, DbError> {
        let rows = sqlx::query("SELECT seq, at_ms, actor, action, subject, details, prev, mac FROM audit_events WHERE subject = $1 ORDER BY seq")
            .bind(subject)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(event_of).collect()
    }

    /// Queues a webhook delivery.
    pub async fn add_delivery(&self, d: &Delivery) -> Result<(), DbError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO webhook_deliveries ({DELIVERY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        )))
        .bind(d.id.as_str())
        .bind(d.verification_id.as_str())
        .bind(d.event.as_str())
        .bind(d.url.as_str())
        .bind(d.body.as_str())
        .bind(d.attempts)
        .bind(d.state.as_str())
        .bind(d.last_status)
        .bind(d.last_error.clone())
        .bind(d.next_at_ms)
        .bind(d.created_at_ms)
        .bind(d.updated_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Pending deliveries due at `now_ms`, oldest first.
    pub async fn due_deliveries(&self, now_ms: i64, limit: i64) -> Result<Vec<Delivery>, DbError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE state = 'pending' AND next_at_ms <= $1 ORDER BY next_at_ms LIMIT $2"
        )))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_of).collect()
    }

    /// Records the outcome of an attempt.
    pub async fn update_delivery(&self, d: &Delivery) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET attempts = $1, state = $2, last_status = $3, last_error = $4, next_at_ms = $5, updated_at_ms = $6 WHERE id = $7",
        )
        .bind(d.attempts)
        .bind(d.state.as_str())
        .bind(d.last_status)
        .bind(d.last_error.clone())
        .bind(d.next_at_ms)
        .bind(d.updated_at_ms)
        .bind(d.id.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The delivery log, newest first, optionally of one verification.
    pub async fn deliveries(
        &self,
        verification: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Delivery>, DbError> {
        let rows = match verification {
            Some(v) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE verification_id = $1 ORDER BY created_at_ms DESC, id LIMIT $2"
                )))
                .bind(v)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries ORDER BY created_at_ms DESC, id LIMIT $1"
                )))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(delivery_of).collect()
    }

    /// Adds a dashboard user (the password already hashed by the caller).
    pub async fn add_user(
        &self,
        username: &str,
        password_hash: &str,
        role: &str,
        now_ms: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at_ms) VALUES ($1, $2, $3, $4)",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A user's (password hash, role).
    pub async fn user(&self, username: &str) -> Result<Option<(String, String)>, DbError> {
        let row = sqlx::query("SELECT password_hash, role FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The installation fact `name`, set to `candidate` by whichever node asks first: every node
    /// on this database gets the same value (the cluster id a licence is bound to).
    pub async fn installation_value(
        &self,
        name: &str,
        candidate: &str,
        now_ms: i64,
    ) -> Result<String, DbError> {
        sqlx::query(
            "INSERT INTO installation (name, value, created_at_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query("SELECT value FROM installation WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Counts one hit on `bucket` in the window starting at `window_ms`, and returns the hits
    /// of this window (this one included) and of the window before: one statement per request,
    /// atomic on both databases, so every node sharing the database counts against one budget.
    pub async fn rate_hit(
        &self,
        bucket: &str,
        window_ms: i64,
        previous_window_ms: i64,
    ) -> Result<(i64, i64), DbError> {
        let row = sqlx::query(
            "INSERT INTO rate_windows (bucket, window_ms, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (bucket, window_ms) DO UPDATE SET hits = rate_windows.hits + 1 \
             RETURNING hits, (SELECT hits FROM rate_windows WHERE bucket = $1 AND window_ms = $3)",
        )
        .bind(bucket)
        .bind(window_ms)
        .bind(previous_window_ms)
        .fetch_one(&self.pool)
        .await?;
        let previous: Option<i64> = row.try_get(1)?;
        Ok((row.try_get(0)?, previous.unwrap_or(0)))
    }

    /// Drops rate-limit windows that started before `before_ms`.
    pub async fn sweep_rate_windows(&self, before_ms: i64) -> Result<u64, DbError> {
        Ok(sqlx::query("DELETE FROM rate_windows WHERE window_ms < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// How many verifications were created in `[from_ms, to_ms)` (a licence's monthly limit).
    pub async fn count_created_between(&self, from_ms: i64, to_ms: i64) -> Result<i64, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM verifications WHERE created_at_ms >= $1 AND created_at_ms < $2",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Runs one SQL statement as is (operator tools and tests that simulate tampering).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, DbError> {
        Ok(self
            .pool
            .execute(sqlx::AssertSqlSafe(sql.to_owned()))
            .await?
            .rows_affected())
    }
}

fn verification_of(row: &sqlx::any::AnyRow) -> Result<Verification, DbError> {
    let status: String = row.try_get(1)?;
    Ok(Verification {
        id: row.try_get(0)?,
        status: VerificationStatus::parse(&status).ok_or(DbError::Corrupt("status"))?,
        api_key_prefix: row.try_get(2)?,
        created_at_ms: row.try_get(3)?,
        updated_at_ms: row.try_get(4)?,
        wrapped_key: row.try_get(5)?,
        result_json: row.try_get(6)?,
        reference: row.try_get(7)?,
        aa_challenge: row.try_get(8)?,
        retain_until_ms: row.try_get(9)?,
        purged_at_ms: row.try_get(10)?,
    })
}

fn delivery_of(r: &sqlx::any::AnyRow) -> Result<Delivery, DbError> {
    Ok(Delivery {
        id: r.try_get(0)?,
        verification_id: r.try_get(1)?,
        event: r.try_get(2)?,
        url: r.try_get(3)?,
        body: r.try_get(4)?,
        attempts: r.try_get(5)?,
        state: r.try_get(6)?,
        last_status: r.try_get(7)?,
        last_error: r.try_get(8)?,
        next_at_ms: r.try_get(9)?,
        created_at_ms: r.try_get(10)?,
        updated_at_ms: r.try_get(11)?,
    })
}

fn event_of(r: &sqlx::any::AnyRow) -> Result<audit::Event, DbError> {
    let seq: i64 = r.try_get(0)?;
    let details: String = r.try_get(5)?;
    Ok(audit::Event {
        seq: u64::try_from(seq).map_err(|_| DbError::Corrupt("seq"))?,
        entry: audit::Entry {
            at_ms: r.try_get(1)?,
            actor: r.try_get(2)?,
            action: r.try_get(3)?,
            subject: r.try_get(4)?,
            details: serde_json::from_str(&details).map_err(|_| DbError::Corrupt("details"))?,
        },
        prev: r.try_get(6)?,
        mac: r.try_get(7)?,
    })
}

/// Liveness steps (issue 7).
impl Db {
    /// Stores the plan (JSON) of a verification's liveness step, replacing an earlier one and
    /// forgetting that one's frame timestamps.
    pub async fn put_liveness_session(
        &self,
        verification: &str,
        plan_json: &str,
        now_ms: i64,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM liveness_frames WHERE verification_id = $1")
            .bind(verification)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO liveness_sessions (verification_id, plan, created_at_ms) VALUES ($1, $2, $3) ON CONFLICT (verification_id) DO UPDATE SET plan = $2, created_at_ms = $3")
            .bind(verification)
            .bind(plan_json)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The plan (JSON) of a verification's liveness step, if one was started.
    pub async fn liveness_session(&self, verification: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query("SELECT plan FROM liveness_sessions WHERE verification_id = $1")
            .bind(verification)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get(0)).transpose().map_err(Into::into)
    }

    /// Records a liveness frame's client timestamp and arrival time (a re-upload replaces it).
    pub async fn put_liveness_frame(
        &self,
        verification: &str,
        index: i64,
        client_ms: i64,
        received_ms: i64,
    ) -> Result<(), DbError> {
        sqlx::query("INSERT INTO liveness_frames (verification_id, idx, client_ms, received_ms) VALUES ($1, $2, $3, $4) ON CONFLICT (verification_id, idx) DO UPDATE SET client_ms = $3, received_ms = $4")
            .bind(verification)
            .bind(index)
            .bind(client_ms)
            .bind(received_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The liveness frames' (index, client timestamp, arrival time), by index.
    pub async fn liveness_frames(
        &self,
        verification: &str,
    ) -> Result<Vec<(i64, i64, i64)>, DbError> {
        let rows = sqlx::query("SELECT idx, client_ms, received_ms FROM liveness_frames WHERE verification_id = $1 ORDER BY idx")
            .bind(verification)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// Forgets a verification's liveness step (erasure).
    pub async fn delete_liveness(&self, verification: &str) -> Result<(), DbError> {
        for q in [
            "DELETE FROM liveness_frames WHERE verification_id = $1",
            "DELETE FROM liveness_sessions WHERE verification_id = $1",
        ] {
            sqlx::query(q)
                .bind(verification)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }
}
