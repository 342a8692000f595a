//! The dashboard's tables and queries (migration 7): users' second factor and lockout,
//! sessions (hashes only), the review queue with claims, reviewers' decisions, four-eyes
//! override requests, and the read-only views the dashboard shows (API keys, audit pages,
//! daily counts).
//!
//! The queue is read with keyset pagination on `(status, created_at_ms, id)`, an index, so a
//! page costs the same with 100 000 cases as with 10; filtered by a reason code, on
//! `case_reasons (reason, created_at_ms, verification_id)` (migration 9), kept by
//! [`Db::transition`] and every reviewer action.

use sqlx::Row;

use super::{Db, DbError, VerificationStatus};

/// Migration 9: every reason code of each case's result, one row each, so the queue's reason
/// filter walks an index in queue order instead of reading every result document (on
/// PostgreSQL a `LIKE` over 100 000 results took 350–900 ms; the planner cannot estimate it).
pub(super) const REASONS_MIGRATION: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS case_reasons (
        reason TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        verification_id TEXT NOT NULL,
        PRIMARY KEY (reason, created_at_ms, verification_id))",
    "CREATE INDEX IF NOT EXISTS case_reasons_case ON case_reasons (verification_id)",
];

/// The reason codes a result document names: its decision's `reasons` and the reason of every
/// check that did not pass (what a reviewer filters the queue by). Sorted, without duplicates.
pub(super) fn reason_codes(result_json: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(result_json) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    if let Some(a) = v.get("reasons").and_then(serde_json::Value::as_array) {
        out.extend(a.iter().filter_map(|r| r.as_str().map(str::to_owned)));
    }
    if let Some(a) = v.get("checks").and_then(serde_json::Value::as_array) {
        out.extend(
            a.iter()
                .filter(|c| c.get("status").and_then(serde_json::Value::as_str) != Some("pass"))
                .filter_map(|c| c.get("reason").and_then(serde_json::Value::as_str))
                .filter(|r| *r != "ok")
                .map(str::to_owned),
        );
    }
    out.retain(|r| !r.is_empty() && r.len() <= 128);
    out.sort_unstable();
    out.dedup();
    out
}

/// Adds reason codes to the index of case `id` (idempotent).
pub(super) async fn index_reasons(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    codes: &[String],
) -> Result<(), DbError> {
    for code in codes {
        sqlx::query(
            "INSERT INTO case_reasons (reason, created_at_ms, verification_id) SELECT $1, created_at_ms, id FROM verifications WHERE id = $2 ON CONFLICT DO NOTHING",
        )
        .bind(code.clone())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Fills the index from the results already stored (migration 9, once, in its transaction).
pub(super) async fn backfill_reasons(conn: &mut sqlx::AnyConnection) -> Result<(), DbError> {
    let mut after = String::new();
    loop {
        let rows = sqlx::query(
            "SELECT id, result_json FROM verifications WHERE id > $1 AND result_json IS NOT NULL ORDER BY id LIMIT 500",
        )
        .bind(after.clone())
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get(0)?;
        for r in &rows {
            let id: String = r.try_get(0)?;
            let result: String = r.try_get(1)?;
            index_reasons(conn, &id, &reason_codes(&result)).await?;
        }
    }
}

/// Migration 7.
pub(super) const MIGRATION: &[&str] = &[
    "ALTER TABLE users ADD COLUMN totp_wrapped_key BYTEA",
    "ALTER TABLE users ADD COLUMN totp_sealed BYTEA",
    "ALTER TABLE users ADD COLUMN totp_last_step BIGINT",
    "ALTER TABLE users ADD COLUMN totp_enrolled_at_ms BIGINT",
    "ALTER TABLE users ADD COLUMN disabled_at_ms BIGINT",
    "ALTER TABLE users ADD COLUMN failed_logins BIGINT NOT NULL DEFAULT 0",
    "ALTER TABLE users ADD COLUMN locked_until_ms BIGINT",
    "ALTER TABLE verifications ADD COLUMN claimed_by TEXT",
    "ALTER TABLE verifications ADD COLUMN claim_expires_ms BIGINT",
    "ALTER TABLE verifications ADD COLUMN reviewed_by TEXT",
    "CREATE INDEX IF NOT EXISTS verifications_queue ON verifications (status, created_at_ms, id)",
    "CREATE INDEX IF NOT EXISTS verifications_created ON verifications (created_at_ms, id)",
    // The queue's search by the integrator's reference, across API keys.
    "CREATE INDEX IF NOT EXISTS verifications_ref ON verifications (reference, created_at_ms)",
    "CREATE TABLE IF NOT EXISTS dashboard_sessions (
        id_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        stage TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        last_seen_ms BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS dashboard_sessions_user ON dashboard_sessions (username)",
    "CREATE TABLE IF NOT EXISTS case_reviews (
        id TEXT PRIMARY KEY,
        verification_id TEXT NOT NULL,
        action TEXT NOT NULL,
        decision TEXT NOT NULL,
        reason_code TEXT NOT NULL,
        note TEXT NOT NULL,
        actor TEXT NOT NULL,
        at_ms BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS case_reviews_case ON case_reviews (verification_id, at_ms)",
    "CREATE TABLE IF NOT EXISTS override_requests (
        verification_id TEXT PRIMARY KEY,
        requested_by TEXT NOT NULL,
        decision TEXT NOT NULL,
        reason_code TEXT NOT NULL,
        note TEXT NOT NULL,
        requested_at_ms BIGINT NOT NULL)",
];

/// A dashboard user as sign-in needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The login name.
    pub username: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// `admin`, `reviewer`, `auditor` or `read-only`.
    pub role: String,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// The TOTP secret's data key, wrapped by the master key (None: not enrolled).
    pub totp_wrapped_key: Option<Vec<u8>>,
    /// The TOTP secret, sealed by that data key.
    pub totp_sealed: Option<Vec<u8>>,
    /// When the user proved the second factor the first time (None: enrolment pending).
    pub totp_enrolled_at_ms: Option<i64>,
    /// The last TOTP step accepted (replays of it and earlier steps are refused).
    pub totp_last_step: Option<i64>,
    /// Disabled at, Unix ms.
    pub disabled_at_ms: Option<i64>,
    /// Failed sign-ins since the last success.
    pub failed_logins: i64,
    /// Locked until, Unix ms.
    pub locked_until_ms: Option<i64>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("username", &self.username)
            .field("role", &self.role)
            .field("totp", &self.totp_enrolled_at_ms.is_some())
            .field("disabled", &self.disabled_at_ms.is_some())
            .finish_non_exhaustive()
    }
}

/// A session row (the token's hash is the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Whose.
    pub username: String,
    /// `password` (second factor pending) or `full`.
    pub stage: String,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last request, Unix ms.
    pub last_seen_ms: i64,
}

/// One line of the review queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    /// The verification.
    pub id: String,
    /// Its state.
    pub status: VerificationStatus,
    /// The integrator's reference.
    pub reference: Option<String>,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last changed, Unix ms.
    pub updated_at_ms: i64,
    /// Who holds the claim, if it has not expired.
    pub claimed_by: Option<String>,
    /// The risk score of the automatic decision.
    pub risk_score: Option<f64>,
    /// The decision's reasons (`hard_rule:…`, …).
    pub reasons: Vec<String>,
}

/// What the queue shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// One state (None: every decided state).
    pub status: Option<VerificationStatus>,
    /// Created at or after, Unix ms.
    pub from_ms: Option<i64>,
    /// Created before, Unix ms.
    pub to_ms: Option<i64>,
    /// A reason code the result mentions (`hard_rule:any_failure`, `face_mismatch`, …).
    pub reason: Option<String>,
    /// The integrator's reference, exactly.
    pub reference: Option<String>,
    /// Keyset cursor: the (created_at_ms, id) of the last line of the previous page.
    pub after: Option<(i64, String)>,
}

/// A reviewer's action on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    /// `decide`, `override_request`, `override_confirm`.
    pub action: String,
    /// `approved` or `declined`.
    pub decision: String,
    /// The reason code chosen.
    pub reason_code: String,
    /// The free-text note.
    pub note: String,
    /// `user:<name>`.
    pub actor: String,
    /// When, Unix ms.
    pub at_ms: i64,
}

/// A pending four-eyes override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRequest {
    /// Who asked (username).
    pub requested_by: String,
    /// The decision asked for.
    pub decision: String,
    /// The reason code.
    pub reason_code: String,
    /// The note.
    pub note: String,
    /// When, Unix ms.
    pub requested_at_ms: i64,
}

/// Why a claim or a reviewer's decision was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// Another reviewer holds an unexpired claim.
    ClaimedByOther(String),
    /// The decider holds no (unexpired) claim.
    NotClaimed,
    /// The case is not in the state this needs.
    WrongState(VerificationStatus),
    /// The second pair of eyes must belong to someone else than the first.
    SameUser,
}

/// An API key as the dashboard lists it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyRow {
    /// Its visible prefix.
    pub prefix: String,
    /// Its name.
    pub name: String,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Revoked, Unix ms.
    pub revoked_at_ms: Option<i64>,
}

const USER_COLUMNS: &str = "username, password_hash, role, created_at_ms, totp_wrapped_key, totp_sealed, totp_enrolled_at_ms, totp_last_step, disabled_at_ms, failed_logins, locked_until_ms";

fn user_of(r: &sqlx::any::AnyRow) -> Result<User, DbError> {
    Ok(User {
        username: r.try_get(0)?,
        password_hash: r.try_get(1)?,
        role: r.try_get(2)?,
        created_at_ms: r.try_get(3)?,
        totp_wrapped_key: r.try_get(4)?,
        totp_sealed: r.try_get(5)?,
        totp_enrolled_at_ms: r.try_get(6)?,
        totp_last_step: r.try_get(7)?,
        disabled_at_ms: r.try_get(8)?,
        failed_logins: r.try_get(9)?,
        locked_until_ms: r.try_get(10)?,
    })
}

fn random_id(prefix: &str) -> String {
    let mut b = [0u8; 12];
    let _ = getrandom::fill(&mut b);
    format!("{prefix}{}", hex::encode(b))
}

/// The result document with the reviewer's decision added under `review` (the automatic
/// decision stays as it was: both are part of the record).
fn with_review(result_json: Option<&str>, review: serde_json::Value) -> String {
    let mut v: serde_json::Value = result_json
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(o) = v.as_object_mut() {
        o.insert("review".to_owned(), review);
    }
    v.to_string()
}

impl Db {
    // ---- users ------------------------------------------------------------------------

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<User>, DbError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_of).collect()
    }

    /// One user, with what sign-in needs.
    pub async fn user_record(&self, username: &str) -> Result<Option<User>, DbError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_of).transpose()
    }

    /// Replaces a user's password hash; the second factor is reset too (a lost device is the
    /// usual reason), and failures and lockout are cleared.
    pub async fn reset_user_password(
        &self,
        username: &str,
        password_hash: &str,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, totp_wrapped_key = NULL, totp_sealed = NULL, totp_enrolled_at_ms = NULL, totp_last_step = NULL, failed_logins = 0, locked_until_ms = NULL WHERE username = $2",
        )
        .bind(password_hash)
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Adds a user only while fewer than `seats` users are enabled, in one statement (two
    /// admins adding the last seat at once cannot both win on SQLite, whose writers are
    /// serialised; on PostgreSQL the window is one statement wide). False: no seat left.
    pub async fn add_user_within(
        &self,
        username: &str,
        password_hash: &str,
        role: &str,
        now_ms: i64,
        seats: i64,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "INSERT INTO users (username, password_hash, role, created_at_ms) SELECT $1, $2, $3, $4 WHERE (SELECT COUNT(*) FROM users WHERE disabled_at_ms IS NULL) < $5",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role)
        .bind(now_ms)
        .bind(seats)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Disables a user (and ends their sessions).
    pub async fn disable_user(&self, username: &str, now_ms: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE users SET disabled_at_ms = $1 WHERE username = $2 AND disabled_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(username)
        .execute(&self.pool)
        .await?;
        self.delete_user_sessions(username).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores a new TOTP secret (sealed) for a user who has none: enrolment starts, and ends
    /// with [`Db::confirm_totp`] once the user proves a code from it. False: one exists.
    pub async fn start_totp_enrolment(
        &self,
        username: &str,
        wrapped_key: &[u8],
        sealed: &[u8],
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE users SET totp_wrapped_key = $1, totp_sealed = $2, totp_enrolled_at_ms = NULL, totp_last_step = NULL WHERE username = $3 AND totp_sealed IS NULL",
        )
        .bind(wrapped_key.to_vec())
        .bind(sealed.to_vec())
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks the user's TOTP enrolment done.
    pub async fn confirm_totp(&self, username: &str, now_ms: i64) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE users SET totp_enrolled_at_ms = $1 WHERE username = $2 AND totp_enrolled_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records `step` as the last TOTP step used, only if it is later than the stored one:
    /// false means the step was already used (a replay, possibly concurrent).
    pub async fn use_totp_step(&self, username: &str, step: i64) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE username = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Counts a failed sign-in; at `max_failures` the account locks until `now + lock_ms`.
    /// Returns (failures, locked until).
    pub async fn record_login_failure(
        &self,
        username: &str,
        now_ms: i64,
        max_failures: i64,
        lock_ms: i64,
    ) -> Result<(i64, Option<i64>), DbError> {
        sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "UPDATE users SET locked_until_ms = $1, failed_logins = 0 WHERE username = $2 AND failed_logins >= $3",
        )
        .bind(now_ms.saturating_add(lock_ms))
        .bind(username)
        .bind(max_failures)
        .execute(&self.pool)
        .await?;
        let u = self.user_record(username).await?.ok_or(DbError::NotFound)?;
        Ok((u.failed_logins, u.locked_until_ms.filter(|t| *t > now_ms)))
    }

    /// Clears failures after a successful sign-in.
    pub async fn clear_login_failures(&self, username: &str) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE users SET failed_logins = 0, locked_until_ms = NULL WHERE username = $1",
        )
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- sessions ---------------------------------------------------------------------

    /// Stores a new session by its token's hash.
    pub async fn create_session(
        &self,
        id_hash: &str,
        username: &str,
        stage: &str,
        now_ms: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO dashboard_sessions (id_hash, username, stage, created_at_ms, last_seen_ms) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(id_hash)
        .bind(username)
        .bind(stage)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session with this token hash.
    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRow>, DbError> {
        let row = sqlx::query(
            "SELECT username, stage, created_at_ms, last_seen_ms FROM dashboard_sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRow {
                username: r.try_get(0)?,
                stage: r.try_get(1)?,
                created_at_ms: r.try_get(2)?,
                last_seen_ms: r.try_get(3)?,
            })
        })
        .transpose()
    }

    /// Records activity on a session (for the idle timeout).
    pub async fn touch_session(&self, id_hash: &str, now_ms: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE dashboard_sessions SET last_seen_ms = $1 WHERE id_hash = $2")
            .bind(now_ms)
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM dashboard_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of a user.
    pub async fn delete_user_sessions(&self, username: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM dashboard_sessions WHERE username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes sessions idle since `idle_before_ms` or created before `created_before_ms`.
    pub async fn purge_sessions(
        &self,
        idle_before_ms: i64,
        created_before_ms: i64,
    ) -> Result<u64, DbError> {
        let done = sqlx::query(
            "DELETE FROM dashboard_sessions WHERE last_seen_ms < $1 OR created_at_ms < $2",
        )
        .bind(idle_before_ms)
        .bind(created_before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    // ---- the queue --------------------------------------------------------------------

    /// One page of the queue: `review` oldest first (first in, first out), other states newest
    /// first; at most `limit` lines after the filter's cursor.
    pub async fn queue(
        &self,
        filter: &QueueFilter,
        limit: i64,
        now_ms: i64,
    ) -> Result<Vec<QueueItem>, DbError> {
        let oldest_first = filter.status == Some(VerificationStatus::Review);
        let (cmp, order) = if oldest_first {
            (">", "ASC")
        } else {
            ("<", "DESC")
        };
        // With a reason, the walk is over that reason's index rows (in queue order), each
        // joined to its case; otherwise over the cases themselves.
        let (mut sql, t, created, id_col) = if filter.reason.is_some() {
            (
                String::from(
                    "SELECT v.id, v.status, v.reference, v.created_at_ms, v.updated_at_ms, v.claimed_by, v.claim_expires_ms, v.result_json FROM case_reasons r JOIN verifications v ON v.id = r.verification_id WHERE ",
                ),
                "v.",
                "r.created_at_ms",
                "r.verification_id",
            )
        } else {
            (
                String::from(
                    "SELECT id, status, reference, created_at_ms, updated_at_ms, claimed_by, claim_expires_ms, result_json FROM verifications WHERE ",
                ),
                "",
                "created_at_ms",
                "id",
            )
        };
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.reason.is_some() {
            sql.push_str(&format!("r.reason = {} AND ", next()));
        }
        if filter.status.is_some() && filter.reference.is_some() {
            // A reference matches a handful of rows: `status || ''` keeps SQLite's planner off
            // the ordering index (a scan of every case in the state) and on the reference one.
            sql.push_str(&format!("{t}status || '' = {}", next()));
        } else if filter.status.is_some() {
            sql.push_str(&format!("{t}status = {}", next()));
        } else {
            sql.push_str(&format!("{t}status IN ('approved', 'declined', 'review')"));
        }
        if filter.from_ms.is_some() {
            sql.push_str(&format!(" AND {created} >= {}", next()));
        }
        if filter.to_ms.is_some() {
            sql.push_str(&format!(" AND {created} < {}", next()));
        }
        if filter.reference.is_some() {
            sql.push_str(&format!(" AND {t}reference = {}", next()));
        }
        if filter.after.is_some() {
            let (a, b, c) = (next(), next(), next());
            sql.push_str(&format!(
                " AND ({created} {cmp} {a} OR ({created} = {b} AND {id_col} {cmp} {c}))"
            ));
        }
        let l = next();
        sql.push_str(&format!(
            " ORDER BY {created} {order}, {id_col} {order} LIMIT {l}"
        ));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(r) = &filter.reason {
            q = q.bind(r.clone());
        }
        if let Some(s) = filter.status {
            q = q.bind(s.as_str());
        }
        if let Some(f) = filter.from_ms {
            q = q.bind(f);
        }
        if let Some(t) = filter.to_ms {
            q = q.bind(t);
        }
        if let Some(r) = &filter.reference {
            q = q.bind(r.clone());
        }
        if let Some((at, id)) = &filter.after {
            q = q.bind(*at).bind(*at).bind(id.clone());
        }
        let rows = q.bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get(1)?;
                let claimed_by: Option<String> = r.try_get(5)?;
                let claim_expires: Option<i64> = r.try_get(6)?;
                let result: Option<String> = r.try_get(7)?;
                let result: Option<serde_json::Value> =
                    result.and_then(|s| serde_json::from_str(&s).ok());
                Ok(QueueItem {
                    id: r.try_get(0)?,
                    status: VerificationStatus::parse(&status).ok_or(DbError::Corrupt("status"))?,
                    reference: r.try_get(2)?,
                    created_at_ms: r.try_get(3)?,
                    updated_at_ms: r.try_get(4)?,
                    claimed_by: claimed_by.filter(|_| claim_expires.is_some_and(|t| t > now_ms)),
                    risk_score: result
                        .as_ref()
                        .and_then(|v| v.get("risk_score"))
                        .and_then(serde_json::Value::as_f64),
                    reasons: result
                        .as_ref()
                        .and_then(|v| v.get("reasons"))
                        .and_then(serde_json::Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// How many cases are in `status`, counted up to `cap` (a page shows "1000+" beyond):
    /// an exact count is a scan of every case in the state, 180–520 ms on PostgreSQL with
    /// 100 000 in review; a capped one walks at most `cap` entries of the ordering index.
    pub async fn count_in(&self, status: VerificationStatus, cap: i64) -> Result<i64, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM (SELECT 1 FROM verifications WHERE status = $1 ORDER BY created_at_ms LIMIT $2) AS capped",
        )
        .bind(status.as_str())
        .bind(cap)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The claim on a case: (holder, expires at), if unexpired at `now_ms`, and who reviewed it
    /// (None: decided automatically, or not yet).
    pub async fn claim_of(
        &self,
        id: &str,
        now_ms: i64,
    ) -> Result<(Option<(String, i64)>, Option<String>), DbError> {
        let row = sqlx::query(
            "SELECT claimed_by, claim_expires_ms, reviewed_by FROM verifications WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(DbError::NotFound)?;
        let by: Option<String> = row.try_get(0)?;
        let until: Option<i64> = row.try_get(1)?;
        let claim = match (by, until) {
            (Some(b), Some(u)) if u > now_ms => Some((b, u)),
            _ => None,
        };
        Ok((claim, row.try_get(2)?))
    }

    /// Claims a case in review for `username` until `now + ttl_ms` (renewing their own claim;
    /// an expired claim of anyone frees itself).
    pub async fn claim(
        &self,
        id: &str,
        username: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<Result<i64, ClaimRefusal>, DbError> {
        let until = now_ms.saturating_add(ttl_ms);
        let done = sqlx::query(
            "UPDATE verifications SET claimed_by = $1, claim_expires_ms = $2 WHERE id = $3 AND status = 'review' AND (claimed_by IS NULL OR claimed_by = $1 OR claim_expires_ms IS NULL OR claim_expires_ms <= $4)",
        )
        .bind(username)
        .bind(until)
        .bind(id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Ok(until));
        }
        self.why_refused(id, now_ms).await.map(Err)
    }

    /// Gives a claim back (only its holder can).
    pub async fn release_claim(&self, id: &str, username: &str) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE verifications SET claimed_by = NULL, claim_expires_ms = NULL WHERE id = $1 AND claimed_by = $2",
        )
        .bind(id)
        .bind(username)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn why_refused(&self, id: &str, now_ms: i64) -> Result<ClaimRefusal, DbError> {
        let v = self.verification(id).await?;
        if v.status != VerificationStatus::Review {
            return Ok(ClaimRefusal::WrongState(v.status));
        }
        Ok(match self.claim_of(id, now_ms).await?.0 {
            Some((holder, _)) => ClaimRefusal::ClaimedByOther(holder),
            None => ClaimRefusal::NotClaimed,
        })
    }

    /// A reviewer's decision on a case in review: only the holder of an unexpired claim can
    /// make it; the state changes, the claim ends, the result gains a `review` section and the
    /// action is recorded, in one transaction.
    pub async fn decide_review(
        &self,
        id: &str,
        username: &str,
        decision: VerificationStatus,
        reason_code: &str,
        note: &str,
        now_ms: i64,
    ) -> Result<Result<(), ClaimRefusal>, DbError> {
        if !VerificationStatus::Review.may_become(decision) {
            return Ok(Err(ClaimRefusal::WrongState(decision)));
        }
        let mut tx = self.pool.begin().await?;
        let current: Option<String> = sqlx::query(
            "SELECT result_json FROM verifications WHERE id = $1 AND status = 'review' AND claimed_by = $2 AND claim_expires_ms > $3",
        )
        .bind(id)
        .bind(username)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get::<Option<String>, _>(0))
        .transpose()?
        .flatten();
        let result = with_review(
            current.as_deref(),
            serde_json::json!({
                "decision": decision.as_str(),
                "reason_code": reason_code,
                "by": "reviewer",
                "decided_at_ms": now_ms,
            }),
        );
        let done = sqlx::query(
            "UPDATE verifications SET status = $1, updated_at_ms = $2, result_json = $3, claimed_by = NULL, claim_expires_ms = NULL, reviewed_by = $4 WHERE id = $5 AND status = 'review' AND claimed_by = $4 AND claim_expires_ms > $2",
        )
        .bind(decision.as_str())
        .bind(now_ms)
        .bind(result)
        .bind(username)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return self.why_refused(id, now_ms).await.map(Err);
        }
        insert_review(
            &mut tx,
            id,
            "decide",
            decision.as_str(),
            reason_code,
            note,
            username,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// The pending override request of a case.
    pub async fn override_request(&self, id: &str) -> Result<Option<OverrideRequest>, DbError> {
        let row = sqlx::query(
            "SELECT requested_by, decision, reason_code, note, requested_at_ms FROM override_requests WHERE verification_id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(OverrideRequest {
                requested_by: r.try_get(0)?,
                decision: r.try_get(1)?,
                reason_code: r.try_get(2)?,
                note: r.try_get(3)?,
                requested_at_ms: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Asks for the override of an automatic decline (the first pair of eyes). Refused unless
    /// the case was declined by the engines (not by a reviewer) and no request is pending.
    pub async fn request_override(
        &self,
        id: &str,
        username: &str,
        reason_code: &str,
        note: &str,
        now_ms: i64,
    ) -> Result<Result<(), ClaimRefusal>, DbError> {
        let v = self.verification(id).await?;
        let (_, reviewed_by) = self.claim_of(id, now_ms).await?;
        if v.status != VerificationStatus::Declined || reviewed_by.is_some() {
            return Ok(Err(ClaimRefusal::WrongState(v.status)));
        }
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO override_requests (verification_id, requested_by, decision, reason_code, note, requested_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(username)
        .bind(VerificationStatus::Approved.as_str())
        .bind(reason_code)
        .bind(note)
        .bind(now_ms)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                tx.rollback().await?;
                let holder = self
                    .override_request(id)
                    .await?
                    .map_or_else(String::new, |r| r.requested_by);
                return Ok(Err(ClaimRefusal::ClaimedByOther(holder)));
            }
            Err(e) => return Err(e.into()),
        }
        insert_review(
            &mut tx,
            id,
            "override_request",
            VerificationStatus::Approved.as_str(),
            reason_code,
            note,
            username,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Confirms a pending override (the second pair of eyes, who must not be the requester):
    /// `declined → approved`, the request removed, both actions on record.
    pub async fn confirm_override(
        &self,
        id: &str,
        username: &str,
        now_ms: i64,
    ) -> Result<Result<OverrideRequest, ClaimRefusal>, DbError> {
        let Some(req) = self.override_request(id).await? else {
            return Ok(Err(ClaimRefusal::NotClaimed));
        };
        if req.requested_by == username {
            return Ok(Err(ClaimRefusal::SameUser));
        }
        if !VerificationStatus::Declined.may_become(VerificationStatus::Approved) {
            return Ok(Err(ClaimRefusal::WrongState(VerificationStatus::Declined)));
        }
        let mut tx = self.pool.begin().await?;
        let current: Option<String> = sqlx::query(
            "SELECT result_json FROM verifications WHERE id = $1 AND status = 'declined' AND reviewed_by IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get::<Option<String>, _>(0))
        .transpose()?
        .flatten();
        let result = with_review(
            current.as_deref(),
            serde_json::json!({
                "decision": VerificationStatus::Approved.as_str(),
                "reason_code": req.reason_code,
                "by": "four_eyes_override",
                "decided_at_ms": now_ms,
            }),
        );
        let done = sqlx::query(
            "UPDATE verifications SET status = 'approved', updated_at_ms = $1, result_json = $2, reviewed_by = $3 WHERE id = $4 AND status = 'declined' AND reviewed_by IS NULL",
        )
        .bind(now_ms)
        .bind(result)
        .bind(format!("{}+{username}", req.requested_by))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            let v = self.verification(id).await?;
            return Ok(Err(ClaimRefusal::WrongState(v.status)));
        }
        sqlx::query("DELETE FROM override_requests WHERE verification_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        insert_review(
            &mut tx,
            id,
            "override_confirm",
            VerificationStatus::Approved.as_str(),
            &req.reason_code,
            "",
            username,
            now_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(req))
    }

    /// The reviewers' actions on a case, oldest first.
    pub async fn reviews(&self, id: &str) -> Result<Vec<ReviewRow>, DbError> {
        let rows = sqlx::query(
            "SELECT action, decision, reason_code, note, actor, at_ms FROM case_reviews WHERE verification_id = $1 ORDER BY at_ms, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewRow {
                    action: r.try_get(0)?,
                    decision: r.try_get(1)?,
                    reason_code: r.try_get(2)?,
                    note: r.try_get(3)?,
                    actor: r.try_get(4)?,
                    at_ms: r.try_get(5)?,
                })
            })
            .collect()
    }

    // ---- views ------------------------------------------------------------------------

    /// Every API key, newest first (prefix and name; never the hash).
    pub async fn api_keys(&self) -> Result<Vec<ApiKeyRow>, DbError> {
        let rows = sqlx::query(
            "SELECT prefix, name, created_at_ms, revoked_at_ms FROM api_keys ORDER BY created_at_ms DESC, prefix",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ApiKeyRow {
                    prefix: r.try_get(0)?,
                    name: r.try_get(1)?,
                    created_at_ms: r.try_get(2)?,
                    revoked_at_ms: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// A page of the audit log, newest first, before sequence number `before` (None: from the
    /// end).
    pub async fn audit_page(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<audit::Event>, DbError> {
        let rows = sqlx::query("SELECT seq, at_ms, actor, action, subject, details, prev, mac FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT $2")
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(super::event_of).collect()
    }

    /// Cases created per day (days since the epoch, UTC) and state, from `since_ms`.
    pub async fn daily_counts(&self, since_ms: i64) -> Result<Vec<(i64, String, i64)>, DbError> {
        let rows = sqlx::query(
            "SELECT created_at_ms / 86400000 AS day, status, COUNT(*) FROM verifications WHERE created_at_ms >= $1 GROUP BY created_at_ms / 86400000, status ORDER BY day",
        )
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// The results of cases decided from `since_ms` (newest first, at most `limit`): what the
    /// check-failure chart counts.
    pub async fn results_since(
        &self,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, DbError> {
        let rows = sqlx::query(
            "SELECT created_at_ms, result_json FROM verifications WHERE created_at_ms >= $1 AND result_json IS NOT NULL ORDER BY created_at_ms DESC LIMIT $2",
        )
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

#[allow(clippy::too_many_arguments, reason = "one row's columns")]
async fn insert_review(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    action: &str,
    decision: &str,
    reason_code: &str,
    note: &str,
    username: &str,
    now_ms: i64,
) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO case_reviews (id, verification_id, action, decision, reason_code, note, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(random_id("rev_"))
    .bind(id)
    .bind(action)
    .bind(decision)
    .bind(reason_code)
    .bind(note)
    .bind(format!("user:{username}"))
    .bind(now_ms)
    .execute(&mut **tx)
    .await?;
    // The reviewer's reason is one the queue can be filtered by too.
    index_reasons(tx, id, &[reason_code.to_owned()]).await
}
