//! The review workflow: cases the engines sent to `review` are claimed by one reviewer (the
//! claim expires by itself, so an abandoned case returns to the queue), then approved or
//! declined with a reason code from [`APPROVE_REASONS`] / [`DECLINE_REASONS`] and a note. An
//! automatic decline can be overridden to approved only by two people: one asks (with a reason
//! from [`OVERRIDE_REASONS`]), a different admin confirms. Every action is an audit event; a
//! final decision changes the verification's state, applies the retention of its new outcome
//! and queues the `verification.decided` webhook exactly as an automatic decision does.

use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use store::{ClaimRefusal, VerificationStatus as S};

use super::{Fail, Session, redirect};
use crate::{Shared, jobs, webhooks};

/// Reasons a reviewer approves a case for.
pub const APPROVE_REASONS: &[(&str, &str)] = &[
    (
        "review_evidence_verified",
        "Evidence checked by a reviewer and found genuine",
    ),
    (
        "review_false_positive",
        "The automatic signal was a false alarm",
    ),
    (
        "review_trust_material_missing",
        "Only our trust material was missing (e.g. an unknown CSCA)",
    ),
];

/// Reasons a reviewer declines a case for.
pub const DECLINE_REASONS: &[(&str, &str)] = &[
    (
        "review_document_suspect",
        "The document looks forged or altered",
    ),
    (
        "review_face_mismatch",
        "The person is not the document's holder",
    ),
    ("review_evidence_unusable", "Evidence too poor to decide on"),
    ("review_suspected_fraud", "Other signs of fraud"),
];

/// Reasons for overriding an automatic decline.
pub const OVERRIDE_REASONS: &[(&str, &str)] = &[
    (
        "override_false_decline",
        "The engines declined a genuine case (checked by hand)",
    ),
    (
        "override_verified_out_of_band",
        "Identity verified by another means",
    ),
];

/// Longest note.
const MAX_NOTE: usize = 2000;

fn check_reason(list: &[(&str, &str)], reason: &str, note: &str) -> Result<(), Fail> {
    if !list.iter().any(|(c, _)| *c == reason) {
        return Err(Fail::bad("reason_invalid", "choose a reason from the list"));
    }
    let note = note.trim();
    if note.is_empty() || note.len() > MAX_NOTE {
        return Err(Fail::bad(
            "note_required",
            format!("a note of 1–{MAX_NOTE} characters is required"),
        ));
    }
    Ok(())
}

fn refused(r: ClaimRefusal) -> Fail {
    match r {
        ClaimRefusal::ClaimedByOther(who) => {
            Fail::conflict("case_claimed", format!("this case is claimed by {who}"))
        }
        ClaimRefusal::NotClaimed => Fail::conflict(
            "claim_required",
            "claim the case first (or your claim expired)",
        ),
        ClaimRefusal::WrongState(s) => Fail::conflict(
            "invalid_state",
            format!("the case is {s}; this does not apply"),
        ),
        ClaimRefusal::SameUser => Fail::new(
            StatusCode::FORBIDDEN,
            "four_eyes_required",
            "an override must be confirmed by someone other than who asked for it",
        ),
    }
}

fn case_id(id: &str) -> Result<(), Fail> {
    crate::api::valid_id(id).map_err(|_| Fail::not_found())
}

/// Claims a case in review for the session's user.
///
/// # Errors
/// `case_claimed`, `invalid_state`, storage failures.
pub async fn claim(state: &Shared, session: &Session, id: &str) -> Result<i64, Fail> {
    case_id(id)?;
    let ttl = state.config.dashboard.claim_ttl_secs.saturating_mul(1000);
    let until = state
        .db
        .claim(id, &session.username, state.now_ms(), ttl)
        .await?
        .map_err(refused)?;
    state
        .audit(
            &session.actor(),
            "case.claim",
            id,
            json!({"until": crate::api::rfc3339(until)}),
        )
        .await?;
    Ok(until)
}

/// Gives a claim back.
///
/// # Errors
/// `claim_required` when the user holds no claim.
pub async fn release(state: &Shared, session: &Session, id: &str) -> Result<(), Fail> {
    case_id(id)?;
    if !state.db.release_claim(id, &session.username).await? {
        return Err(refused(ClaimRefusal::NotClaimed));
    }
    state
        .audit(&session.actor(), "case.release", id, json!({}))
        .await?;
    Ok(())
}

/// A reviewer's final decision on a claimed case.
///
/// # Errors
/// `reason_invalid`, `note_required`, `claim_required`, `case_claimed`, `invalid_state`.
pub async fn decide(
    state: &Shared,
    session: &Session,
    id: &str,
    decision: S,
    reason: &str,
    note: &str,
) -> Result<(), Fail> {
    case_id(id)?;
    let list = match decision {
        S::Approved => APPROVE_REASONS,
        S::Declined => DECLINE_REASONS,
        _ => return Err(Fail::bad("decision_invalid", "approve or decline")),
    };
    check_reason(list, reason, note)?;
    state
        .db
        .decide_review(
            id,
            &session.username,
            decision,
            reason,
            note.trim(),
            state.now_ms(),
        )
        .await?
        .map_err(refused)?;
    state
        .audit(
            &session.actor(),
            "case.decide",
            id,
            json!({"decision": decision.as_str(), "reason_code": reason}),
        )
        .await?;
    finalize(state, id, decision, reason, "reviewer").await
}

/// The first pair of eyes: asks for an automatic decline to become an approval.
///
/// # Errors
/// `reason_invalid`, `note_required`, `invalid_state` (not an automatic decline),
/// `case_claimed` (a request is already pending).
pub async fn request_override(
    state: &Shared,
    session: &Session,
    id: &str,
    reason: &str,
    note: &str,
) -> Result<(), Fail> {
    case_id(id)?;
    check_reason(OVERRIDE_REASONS, reason, note)?;
    state
        .db
        .request_override(id, &session.username, reason, note.trim(), state.now_ms())
        .await?
        .map_err(|r| match r {
            ClaimRefusal::ClaimedByOther(who) => Fail::conflict(
                "override_pending",
                format!("an override requested by {who} is already pending"),
            ),
            other => refused(other),
        })?;
    state
        .audit(
            &session.actor(),
            "case.override_request",
            id,
            json!({"decision": "approved", "reason_code": reason}),
        )
        .await?;
    Ok(())
}

/// The second pair of eyes: confirms someone else's override request.
///
/// # Errors
/// `four_eyes_required` (same user), `claim_required` (no request), `invalid_state`.
pub async fn confirm_override(state: &Shared, session: &Session, id: &str) -> Result<(), Fail> {
    case_id(id)?;
    let req = state
        .db
        .confirm_override(id, &session.username, state.now_ms())
        .await?
        .map_err(|r| match r {
            ClaimRefusal::NotClaimed => {
                Fail::conflict("override_missing", "no override is pending on this case")
            }
            other => refused(other),
        })?;
    state
        .audit(
            &session.actor(),
            "case.override_confirm",
            id,
            json!({
                "decision": "approved",
                "reason_code": req.reason_code,
                "requested_by": format!("user:{}", req.requested_by),
            }),
        )
        .await?;
    finalize(
        state,
        id,
        S::Approved,
        &req.reason_code,
        "four_eyes_override",
    )
    .await
}

/// What follows every final decision, as for the engines' own: retention of the new outcome,
/// and the `verification.decided` webhook.
async fn finalize(state: &Shared, id: &str, status: S, reason: &str, by: &str) -> Result<(), Fail> {
    state
        .metrics
        .event(&format!("review_decision_{}", status.as_str()));
    let v = state.db.verification(id).await?;
    let result: serde_json::Value = v
        .result_json
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| json!({}));
    tracing::info!(verification = %id, decision = status.as_str(), by, "reviewed");
    jobs::apply_retention(state, id, status).await?;
    webhooks::enqueue(
        state,
        id,
        "verification.decided",
        json!({
            "verification_id": id,
            "status": status.as_str(),
            "decision": status.as_str(),
            "risk_score": result.get("risk_score"),
            "policy": result.get("policy"),
            "review": {"by": by, "reason_code": reason},
        }),
    )
    .await?;
    Ok(())
}

// ---- routes -----------------------------------------------------------------------------

fn back(id: &str) -> Response {
    redirect(&format!("/dashboard/cases/{id}"))
}

pub(super) async fn claim_route(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    claim(&state, &session, &id).await?;
    Ok(back(&id))
}

pub(super) async fn release_route(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    release(&state, &session, &id).await?;
    Ok(redirect("/dashboard/queue"))
}

#[derive(Deserialize)]
pub(super) struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn decide_route(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> Result<Response, Fail> {
    let decision = match f.decision.as_str() {
        "approved" => S::Approved,
        "declined" => S::Declined,
        _ => return Err(Fail::bad("decision_invalid", "approve or decline")),
    };
    decide(&state, &session, &id, decision, &f.reason, &f.note).await?;
    Ok(back(&id))
}

#[derive(Deserialize)]
pub(super) struct OverrideForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

pub(super) async fn override_route(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
    Form(f): Form<OverrideForm>,
) -> Result<Response, Fail> {
    request_override(&state, &session, &id, &f.reason, &f.note).await?;
    Ok(back(&id))
}

pub(super) async fn confirm_route(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    confirm_override(&state, &session, &id).await?;
    Ok(back(&id))
}
