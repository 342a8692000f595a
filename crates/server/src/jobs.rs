//! Work that runs beside the requests: processing a submitted verification, expiring sessions
//! nobody finished, and the retention purge.
//!
//! Processing survives a restart: a verification left in `processing` is picked up again at
//! start. Evidence is decrypted only in memory, for the engines, and zeroized after.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;
use store::VerificationStatus as S;
use zeroize::Zeroizing;

use crate::config::Retention;
use crate::error::ApiError;
use crate::pipeline::{self, Inputs};
use crate::{Shared, webhooks};

/// Runs the engines on `id` in the background (shutdown waits for it).
pub fn spawn_processing(state: &Shared, id: String) {
    let st = state.clone();
    state.tasks.spawn(async move {
        if let Err(e) = process(&st, &id).await {
            tracing::error!(verification = %id, code = e.code, "processing failed; left in processing for the next start");
            st.metrics.event("processing_failed");
        }
    });
}

/// Resumes every verification a previous run left in `processing`.
pub async fn resume_processing(state: &Shared) {
    match state
        .db
        .verifications_in(S::Processing, i64::MAX, 10_000)
        .await
    {
        Ok(ids) => {
            for id in ids {
                tracing::info!(verification = %id, "resuming interrupted processing");
                spawn_processing(state, id);
            }
        }
        Err(e) => tracing::error!(code = e.code(), "cannot list interrupted verifications"),
    }
}

pub(crate) async fn load_inputs(state: &Shared, id: &str, now_ms: i64) -> Result<Inputs, ApiError> {
    let v = state.db.verification(id).await?;
    let mut inputs = Inputs {
        verification: id.to_owned(),
        files: BTreeMap::new(),
        aa_challenge: v.aa_challenge.as_deref().and_then(|h| {
            let mut b = [0u8; 8];
            hex::decode_to_slice(h, &mut b).ok().map(|()| b)
        }),
        now_ms,
    };
    let Some(wrapped) = v.wrapped_key else {
        return Ok(inputs);
    };
    let data_key = state
        .secrets
        .keyring
        .unwrap(&envelope::WrappedKey::from_bytes(wrapped), id)
        .map_err(|e| ApiError::internal(e.code()))?;
    for (name, object_key, _) in state.db.evidence(id).await? {
        let key = store::ObjectKey::new(&object_key).map_err(|e| ApiError::internal(e.code()))?;
        let objects = state.objects.clone();
        let sealed = tokio::task::spawn_blocking(move || objects.get(&key))
            .await
            .map_err(|_| ApiError::internal("storage_task"))?
            .map_err(|e| ApiError::unavailable(e.code()))?;
        let plain = data_key
            .open(id, &name, &sealed)
            .map_err(|e| ApiError::internal(e.code()))?;
        inputs.files.insert(name, Zeroizing::new(plain.to_vec()));
    }
    Ok(inputs)
}

/// The behavioural signals the store knows: how long the session took (creation to
/// submission) and how many attempts the integrator's reference has had.
async fn behaviour(state: &Shared, id: &str, now: i64) -> Result<pipeline::Behaviour, ApiError> {
    let v = state.db.verification(id).await?;
    let submitted = if v.status == S::Processing {
        v.updated_at_ms
    } else {
        now
    };
    let session_duration = u64::try_from(submitted.saturating_sub(v.created_at_ms))
        .ok()
        .map(std::time::Duration::from_millis);
    let attempts = match &v.reference {
        Some(r) => Some(
            state
                .db
                .attempts_with_reference(&v.api_key_prefix, r, v.created_at_ms)
                .await?,
        ),
        None => None,
    };
    Ok(pipeline::Behaviour {
        session_duration,
        attempts: attempts.and_then(|n| u32::try_from(n).ok()),
    })
}

/// Processes one submitted verification: engines, decision, result, audit event, retention,
/// webhooks.
///
/// # Errors
/// Storage failures; the verification stays in `processing` and is retried at the next start.
pub async fn process(state: &Shared, id: &str) -> Result<(), ApiError> {
    let now = state.now_ms();
    let mut inputs = load_inputs(state, id, now).await?;
    crate::liveness::attach(state, &mut inputs).await?;
    let engines = state.engines.clone();
    let policy = state.policy.current();
    let behaviour = behaviour(state, id, now).await?;
    let outcome =
        tokio::task::spawn_blocking(move || pipeline::run(&engines, &inputs, &policy, behaviour))
            .await
            .map_err(|_| ApiError::internal("engine_task"))?;
    let decided_at = state.now_ms();
    let result = crate::api::result_json(&outcome, decided_at);
    let status = outcome.decision.status();
    state
        .db
        .transition(id, S::Processing, status, Some(&result), decided_at)
        .await?;
    state
        .metrics
        .event(&format!("decision_{}", status.as_str()));
    state
        .audit(
            "system",
            "verification.decide",
            id,
            json!({
                "decision": status.as_str(),
                "risk_score": outcome.risk_score,
                "policy": outcome.policy,
                "policy_hash": outcome.policy_hash,
                "reasons": outcome.reasons,
            }),
        )
        .await?;
    tracing::info!(verification = %id, decision = status.as_str(), "decided");
    apply_retention(state, id, status).await?;
    webhooks::enqueue(
        state,
        id,
        "verification.decided",
        json!({
            "verification_id": id,
            "status": status.as_str(),
            "decision": status.as_str(),
            "risk_score": outcome.risk_score,
            "policy": outcome.policy,
        }),
    )
    .await?;
    Ok(())
}

pub(crate) async fn apply_retention(state: &Shared, id: &str, status: S) -> Result<(), ApiError> {
    let now = state.now_ms();
    // The results class first: it outlives the evidence or not, independently.
    match state.config.class_retention("results", status) {
        Some(Retention::None) => trim_results(state, id).await?,
        Some(Retention::For(ms)) => {
            state
                .db
                .set_class_deadline(id, "results", now.saturating_add(ms))
                .await?;
        }
        None => {}
    }
    match state.config.retention_for(status) {
        Retention::None => purge(state, id, "system", "retention_none").await,
        Retention::For(ms) => {
            state
                .db
                .set_retain_until(id, Some(now.saturating_add(ms)))
                .await?;
            match state.config.class_retention("chip", status) {
                Some(Retention::None) => purge_class(state, id, "chip").await,
                Some(Retention::For(c)) => {
                    state
                        .db
                        .set_class_deadline(id, "chip", now.saturating_add(c))
                        .await?;
                    Ok(())
                }
                None => Ok(()),
            }
        }
    }
}

/// Deletes one data class of a verification's evidence (`chip`: every `chip/…` file), keeping
/// the rest and the data key; audited as `evidence.purge` with the class.
async fn purge_class(state: &Shared, id: &str, class: &str) -> Result<(), ApiError> {
    let prefix = format!("{class}/");
    let doomed: Vec<(String, String)> = state
        .db
        .evidence(id)
        .await?
        .into_iter()
        .filter(|(name, _, _)| name.starts_with(&prefix))
        .map(|(name, key, _)| (name, key))
        .collect();
    let objects = state.objects.clone();
    let keys = doomed.iter().map(|(_, k)| k.clone()).collect::<Vec<_>>();
    tokio::task::spawn_blocking(move || -> Result<(), store::objects::Error> {
        for k in keys {
            objects.delete(&store::ObjectKey::new(&k)?)?;
        }
        Ok(())
    })
    .await
    .map_err(|_| ApiError::internal("storage_task"))?
    .map_err(|e| ApiError::unavailable(e.code()))?;
    let names: Vec<String> = doomed.into_iter().map(|(n, _)| n).collect();
    state.db.delete_evidence(id, &names).await?;
    state.db.clear_class_deadline(id, class).await?;
    state
        .audit(
            "system",
            "evidence.purge",
            id,
            json!({"reason": "retention_class", "class": class, "blobs": names.len()}),
        )
        .await
}

/// Reduces a verification's stored result to the decision, its score, the policy and the
/// reason codes (data class `results`: the checks with their evidence and the contributions
/// go); audited as `result.trim`.
async fn trim_results(state: &Shared, id: &str) -> Result<(), ApiError> {
    let v = state.db.verification(id).await?;
    if let Some(full) = v
        .result_json
        .as_deref()
        .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
    {
        let keep = [
            "decision",
            "risk_score",
            "policy",
            "policy_hash",
            "reasons",
            "decided_at",
        ];
        let mut trimmed = serde_json::Map::new();
        for k in keep {
            if let Some(x) = full.get(k) {
                trimmed.insert(k.to_owned(), x.clone());
            }
        }
        trimmed.insert(
            "trimmed_at".to_owned(),
            json!(crate::api::rfc3339(state.now_ms())),
        );
        state
            .db
            .replace_result(id, &serde_json::Value::Object(trimmed).to_string())
            .await?;
    }
    state.db.clear_class_deadline(id, "results").await?;
    state
        .audit(
            "system",
            "result.trim",
            id,
            json!({"reason": "retention_class"}),
        )
        .await
}

/// Deletes a verification's evidence blobs, erases its data key, and records it.
///
/// # Errors
/// Storage failures (nothing is marked purged unless every blob is gone).
pub async fn purge(state: &Shared, id: &str, actor: &str, why: &str) -> Result<(), ApiError> {
    let prefix = store::ObjectKey::new(id).map_err(|e| ApiError::internal(e.code()))?;
    let objects = state.objects.clone();
    let deleted = tokio::task::spawn_blocking(move || -> Result<usize, store::objects::Error> {
        let keys = objects.list(&prefix)?;
        for k in &keys {
            objects.delete(k)?;
        }
        Ok(keys.len())
    })
    .await
    .map_err(|_| ApiError::internal("storage_task"))?
    .map_err(|e| ApiError::unavailable(e.code()))?;
    // The liveness step's plan and frame times go with the frames.
    state.db.delete_liveness(id).await?;
    state.db.mark_purged(id, state.now_ms()).await?;
    state.metrics.event("evidence_purged");
    state
        .audit(
            actor,
            "evidence.purge",
            id,
            json!({"reason": why, "blobs": deleted}),
        )
        .await
}

/// What one housekeeping pass would do now (for `idverify purge --dry-run`): the sessions it
/// would expire and the verifications whose evidence it would purge. Ids only, never content.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Plan {
    /// Abandoned sessions past `tokens.session_ttl_secs` (then purged per `retention.expired`).
    pub expire: Vec<String>,
    /// Decided verifications whose evidence is past its retention.
    pub purge: Vec<String>,
    /// (verification, data class) pairs past their class's retention: `chip` files deleted,
    /// `results` trimmed to the decision and reason codes.
    pub classes: Vec<(String, String)>,
}

/// The [`Plan`] of a housekeeping pass at the state's current time, changing nothing.
///
/// # Errors
/// Database failures.
pub async fn plan(state: &Shared) -> Result<Plan, ApiError> {
    let now = state.now_ms();
    let cutoff = now.saturating_sub(state.config.tokens.session_ttl_secs.saturating_mul(1000));
    let mut plan = Plan::default();
    for status in [S::Created, S::Collecting] {
        plan.expire
            .extend(state.db.verifications_in(status, cutoff, i64::MAX).await?);
    }
    plan.purge = state.db.due_for_purge(now, i64::MAX).await?;
    plan.classes = state.db.due_class_deadlines(now, i64::MAX).await?;
    Ok(plan)
}

/// One pass of the housekeeping: expire abandoned sessions, purge evidence past retention.
///
/// # Errors
/// The first storage failure (the next pass retries).
pub async fn housekeeping(state: &Shared) -> Result<(), ApiError> {
    let now = state.now_ms();
    if let Some(status) = state.licence.recheck(now) {
        state.metrics.event("licence_state_changed");
        state
            .audit(
                "system",
                "licence.state",
                "licence",
                json!({"status": status.as_str()}),
            )
            .await?;
    }
    // Rate-limit windows older than the two a decision reads.
    state.db.sweep_rate_windows(now - 120_000).await?;
    let cutoff = now.saturating_sub(state.config.tokens.session_ttl_secs.saturating_mul(1000));
    for status in [S::Created, S::Collecting] {
        for id in state.db.verifications_in(status, cutoff, 500).await? {
            match state
                .db
                .transition(&id, status, S::Expired, None, now)
                .await
            {
                Ok(()) => {}
                Err(store::DbError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
            state
                .audit("system", "verification.expire", &id, json!({}))
                .await?;
            apply_retention(state, &id, S::Expired).await?;
            webhooks::enqueue(
                state,
                &id,
                "verification.expired",
                json!({"verification_id": id, "status": "expired"}),
            )
            .await?;
        }
    }
    for id in state.db.due_for_purge(now, 500).await? {
        purge(state, &id, "system", "retention_elapsed").await?;
    }
    for (id, class) in state.db.due_class_deadlines(now, 500).await? {
        match class.as_str() {
            "results" => trim_results(state, &id).await?,
            _ => purge_class(state, &id, &class).await?,
        }
    }
    Ok(())
}

/// Runs [`housekeeping`] every `retention.purge_interval_secs` until shutdown.
pub fn spawn(state: Shared) {
    let every = Duration::from_secs(state.config.retention.purge_interval_secs.max(1));
    tokio::spawn(async move {
        loop {
            if let Err(e) = housekeeping(&state).await {
                tracing::warn!(code = e.code, "housekeeping failed; retrying next round");
            }
            tokio::select! {
                () = state.shutdown.cancelled() => break,
                () = tokio::time::sleep(every) => {}
            }
        }
    });
}
