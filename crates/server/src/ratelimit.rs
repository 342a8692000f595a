//! Fixed-budget token buckets, one per key (API-key prefix, verification, client IP).
//!
//! A bucket holds `per_minute` tokens and refills continuously; a request that finds it empty
//! is refused with `429` and the seconds until one token is back (`Retry-After`). Buckets idle
//! for long are dropped so the map cannot grow without bound under a spray of addresses.

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

#[cfg(test)]
mod tests {
    use super::*;

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
