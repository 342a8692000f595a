//! Webhooks to the customer's own endpoints: the only outbound connections the server makes,
//! and only to the URLs in `[webhooks] urls`.
//!
//! Each delivery is a JSON POST signed like this (verify it on receipt, in constant time, and
//! refuse timestamps more than a few minutes old to stop replays):
//!
//! ```text
//! Idverify-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//! Idverify-Delivery: <delivery id>     Idverify-Event: verification.decided
//! ```
//!
//! A delivery that does not get a 2xx is retried with exponential backoff (doubling from
//! `initial_backoff_ms`, at most an hour apart) up to `max_attempts`; every attempt is in the
//! delivery log (`GET /v1/webhooks/deliveries`). Bodies carry ids, statuses and scores, never
//! personal data.

use std::time::Duration;

use hmac::{KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::{Shared, api};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The signature header value for `body` at `t` (Unix seconds).
#[must_use]
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Why a received webhook is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    /// The header is not `t=…,v1=…`.
    Malformed,
    /// The timestamp is outside the tolerance.
    Stale,
    /// The MAC does not match.
    Mismatch,
}

/// Checks a received delivery (what a customer's endpoint does): the header's MAC over
/// timestamp and body, in constant time, and the timestamp within `tolerance_secs` of `now`.
///
/// # Errors
/// [`SignatureError`].
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", x)) => t = x.parse::<i64>().ok(),
            Some(("v1", x)) => v1 = Some(x),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return Err(SignatureError::Malformed);
    };
    if (now_secs - t).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let expected = sign(secret, t, body);
    let expected = expected.rsplit_once("v1=").map_or("", |(_, m)| m);
    if bool::from(expected.as_bytes().ct_eq(v1.as_bytes())) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Queues `event` about verification `id` for every configured endpoint.
///
/// # Errors
/// Database failures.
pub async fn enqueue(
    state: &Shared,
    id: &str,
    event: &str,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let now = state.now_ms();
    for url in &state.config.webhooks.urls {
        let mut raw = [0u8; 12];
        rand_core::Rng::fill_bytes(&mut crate::rng(), &mut raw);
        let delivery_id = format!("whd_{}", hex::encode(raw));
        let body = json!({
            "id": delivery_id,
            "event": event,
            "created_at": api::rfc3339(now),
            "data": data,
        })
        .to_string();
        state
            .db
            .add_delivery(&store::Delivery {
                id: delivery_id,
                verification_id: id.to_owned(),
                event: event.to_owned(),
                url: url.clone(),
                body,
                attempts: 0,
                state: "pending".into(),
                last_status: None,
                last_error: None,
                next_at_ms: now,
                created_at_ms: now,
                updated_at_ms: now,
            })
            .await?;
    }
    if !state.config.webhooks.urls.is_empty() {
        state.webhook_wake.notify_one();
    }
    Ok(())
}

/// Attempts every delivery due now, once. Returns how many were attempted.
///
/// # Errors
/// Database failures.
pub async fn deliver_due(state: &Shared) -> Result<usize, ApiError> {
    let due = state.db.due_deliveries(state.now_ms(), 50).await?;
    let n = due.len();
    for mut d in due {
        let now = state.now_ms();
        let t = now.div_euclid(1000);
        let signature = sign(state.secrets.webhook.expose_secret(), t, d.body.as_bytes());
        let sent = state
            .http
            .post(&d.url)
            .header("content-type", "application/json")
            .header("idverify-signature", signature)
            .header("idverify-delivery", &d.id)
            .header("idverify-event", &d.event)
            .body(d.body.clone())
            .send()
            .await;
        d.attempts += 1;
        d.updated_at_ms = state.now_ms();
        match sent {
            Ok(res) if res.status().is_success() => {
                d.state = "delivered".into();
                d.last_status = Some(i64::from(res.status().as_u16()));
                d.last_error = None;
                state.metrics.event("webhook_delivered");
            }
            other => {
                match other {
                    Ok(res) => {
                        d.last_status = Some(i64::from(res.status().as_u16()));
                        d.last_error = Some("http_status".into());
                    }
                    Err(e) => {
                        d.last_status = None;
                        d.last_error = Some(
                            if e.is_timeout() {
                                "timeout"
                            } else if e.is_connect() {
                                "connect_failed"
                            } else {
                                "transport_error"
                            }
                            .into(),
                        );
                    }
                }
                if d.attempts >= state.config.webhooks.max_attempts {
                    d.state = "failed".into();
                    state.metrics.event("webhook_failed");
                    tracing::warn!(delivery = %d.id, verification = %d.verification_id, "webhook given up");
                } else {
                    let shift = u32::try_from(d.attempts - 1).unwrap_or(30).min(30);
                    let backoff = state
                        .config
                        .webhooks
                        .initial_backoff_ms
                        .saturating_mul(1_i64 << shift)
                        .min(3_600_000);
                    d.next_at_ms = d.updated_at_ms.saturating_add(backoff);
                    state.metrics.event("webhook_retry");
                }
            }
        }
        state.db.update_delivery(&d).await?;
    }
    Ok(n)
}

/// The delivery worker: wakes when something is queued or every poll interval.
pub fn spawn_worker(state: Shared) {
    let every = Duration::from_millis(state.config.webhooks.poll_interval_ms.max(10));
    let tasks = state.tasks.clone();
    tasks.spawn(async move {
        loop {
            if let Err(e) = deliver_due(&state).await {
                tracing::warn!(code = e.code, "webhook delivery pass failed");
            }
            tokio::select! {
                () = state.shutdown.cancelled() => break,
                () = state.webhook_wake.notified() => {}
                () = tokio::time::sleep(every) => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let secret = [7u8; 32];
        let h = sign(&secret, 1_700_000_000, b"{\"a\":1}");
        assert_eq!(
            verify(&secret, &h, b"{\"a\":1}", 1_700_000_010, 300),
            Ok(())
        );
        assert_eq!(
            verify(&secret, &h, b"{\"a\":2}", 1_700_000_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&secret, &h, b"{\"a\":1}", 1_700_001_000, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(&[8u8; 32], &h, b"{\"a\":1}", 1_700_000_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&secret, "garbage", b"", 0, 300),
            Err(SignatureError::Malformed)
        );
    }
}
