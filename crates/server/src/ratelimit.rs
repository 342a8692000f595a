//! Request budgets, one per key (API-key prefix, verification, client IP).
//!
//! Two ways to count, one answer: a request over budget is refused with `429` and the seconds
//! until it would pass (`Retry-After`).
//! - **In memory** ([`Limiter`]): token buckets that refill continuously, for one node. Buckets
//!   idle for long are dropped so the map cannot grow without bound under a spray of addresses.
//! - **Shared** ([`SharedLimiter`]): a sliding-window counter in the database (this minute's
//!   hits plus the previous minute's, weighted by how much of it still overlaps the last 60 s),
//!   one atomic upsert per request, so every node on the same database enforces one budget per
//!   key. Refused requests count too: a client that keeps hammering stays refused.

use std::collections::HashMap;
use std::sync::Mutex;

/// Buckets for one kind of key.
#[derive(Debug)]
pub struct Limiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_ms: i64,
}

/// Most buckets kept before idle ones are swept.
const SWEEP_ABOVE: usize = 100_000;

impl Limiter {
    /// A limiter allowing `per_minute` requests per key (0: unlimited).
    #[must_use]
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key` at `now_ms`: `Ok(())`, or `Err(seconds to wait)`.
    pub fn check(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_ms = capacity / 60_000.0;
        let mut map = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, b| now_ms - b.at_ms < 60_000);
        }
        let b = map.entry(key.to_owned()).or_insert(Bucket {
            tokens: capacity,
            at_ms: now_ms,
        });
        #[allow(
            clippy::cast_precision_loss,
            reason = "milliseconds fit an f64 exactly"
        )]
        let elapsed = (now_ms - b.at_ms).max(0) as f64;
        b.tokens = (b.tokens + elapsed * per_ms).min(capacity);
        b.at_ms = now_ms;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait_ms = (1.0 - b.tokens) / per_ms;
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "a positive wait of at most a minute"
            )]
            Err(((wait_ms / 1000.0).ceil() as u64).max(1))
        }
    }
}

const WINDOW_MS: i64 = 60_000;

/// A budget counted in the database, shared by every node on it.
#[derive(Debug, Clone)]
pub struct SharedLimiter {
    kind: &'static str,
    per_minute: u32,
    db: store::Db,
}

impl SharedLimiter {
    /// A budget of `per_minute` per key (0: unlimited); `kind` keeps kinds of key apart.
    #[must_use]
    pub fn new(kind: &'static str, per_minute: u32, db: store::Db) -> SharedLimiter {
        SharedLimiter {
            kind,
            per_minute,
            db,
        }
    }

    /// Counts one request for `key` at `now_ms`: `Ok(())`, or `Err(seconds to wait)`. A
    /// database failure lets the request through (logged): the database being down already
    /// fails every request that needs it, and a limiter must not turn a blip into an outage.
    pub async fn check(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let window = now_ms.div_euclid(WINDOW_MS) * WINDOW_MS;
        let bucket = format!("{}:{key}", self.kind);
        match self.db.rate_hit(&bucket, window, window - WINDOW_MS).await {
            Ok((current, previous)) => {
                sliding_verdict(self.per_minute, current, previous, now_ms - window)
            }
            Err(e) => {
                tracing::warn!(code = e.code(), "rate limit: database unavailable");
                Ok(())
            }
        }
    }
}

/// The sliding-window decision: the previous window counts for the share of it still inside
/// the last minute.
fn sliding_verdict(per_minute: u32, current: i64, previous: i64, into_ms: i64) -> Result<(), u64> {
    #[allow(
        clippy::cast_precision_loss,
        reason = "hit counts and milliseconds far below 2^52"
    )]
    let (current, previous, into) = (current as f64, previous as f64, into_ms as f64);
    let overlap = (1.0 - into / 60_000.0).clamp(0.0, 1.0);
    let weighted = previous * overlap + current;
    if weighted <= f64::from(per_minute) {
        return Ok(());
    }
    // Until enough of the previous window has slid out (or, if this window alone is over, the
    // next window starts).
    let excess = weighted - f64::from(per_minute);
    let wait_ms = if previous > 0.0 && current <= f64::from(per_minute) {
        (excess / previous * 60_000.0).min(60_000.0 - into)
    } else {
        60_000.0 - into
    };
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a positive wait of at most a minute"
    )]
    Err(((wait_ms / 1000.0).ceil() as u64).max(1))
}

/// One budget, counted in memory or in the database as configured.
#[derive(Debug)]
pub enum Budget {
    /// This node only.
    Local(Limiter),
    /// Every node on the database.
    Shared(SharedLimiter),
}

impl Budget {
    /// Counts one request for `key`: `Ok(())`, or `Err(seconds to wait)`.
    pub async fn check(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        match self {
            Budget::Local(l) => l.check(key, now_ms),
            Budget::Shared(s) => s.check(key, now_ms).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sliding_window_weighs_the_previous_minute_by_its_overlap() {
        // 10 a minute: 10 now and none before is fine, the 11th is not.
        assert!(sliding_verdict(10, 10, 0, 0).is_ok());
        assert_eq!(sliding_verdict(10, 11, 0, 30_000), Err(30));
        // Half-way into the window, the previous 10 count as 5: 5 more pass, the 6th waits.
        assert!(sliding_verdict(10, 5, 10, 30_000).is_ok());
        let wait = sliding_verdict(10, 6, 10, 30_000).unwrap_err();
        assert!((1..=30).contains(&wait), "{wait}");
        // At the very end of the window the previous minute no longer counts.
        assert!(sliding_verdict(10, 10, 1000, 60_000).is_ok());
        assert!(sliding_verdict(0, 0, 0, 0).is_ok());
    }

    #[test]
    fn a_burst_above_the_budget_is_refused_then_refills() {
        let l = Limiter::new(3);
        for _ in 0..3 {
            assert!(l.check("k", 0).is_ok());
        }
        assert_eq!(l.check("k", 0), Err(20));
        assert!(l.check("other", 0).is_ok());
        assert!(l.check("k", 20_000).is_ok());
        assert!(l.check("k", 20_000).is_err());
    }

    #[test]
    fn zero_means_unlimited() {
        let l = Limiter::new(0);
        for _ in 0..1000 {
            assert!(l.check("k", 0).is_ok());
        }
    }
}
