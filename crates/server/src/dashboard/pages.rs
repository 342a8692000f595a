//! The dashboard's pages: the queue, a case, its evidence, users, API keys, the audit log and
//! the policy.

use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use store::VerificationStatus as S;

use super::html::{csrf_field, esc, layout, parse_date, url_esc, when};
use super::review::{APPROVE_REASONS, DECLINE_REASONS, OVERRIDE_REASONS};
use super::{Fail, Perm, Role, Session, redirect};
use crate::Shared;

/// Lines per queue page.
pub const PAGE: i64 = 50;
/// The queue counts the cases waiting up to this many and shows "1000+" beyond: an exact count
/// would read every case in review on each page view.
const IN_REVIEW_CAP: i64 = 1000;

pub(super) async fn home() -> Response {
    redirect("/dashboard/queue")
}

#[derive(Debug, Deserialize, Default)]
pub(super) struct QueueQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    reference: Option<String>,
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

fn nonempty(s: Option<&String>) -> Option<&str> {
    s.map(|x| x.trim()).filter(|x| !x.is_empty())
}

fn status_badge(s: &str) -> String {
    format!("<span class=\"badge {0}\">{0}</span>", esc(s))
}

pub(super) async fn queue(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    query: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Fail> {
    let Query(q) = query.map_err(|e| Fail::bad("query_invalid", e.body_text()))?;
    // A search for a verification id opens the case.
    if let Some(term) = nonempty(q.q.as_ref())
        && crate::api::valid_id(term).is_ok()
    {
        return Ok(redirect(&format!("/dashboard/cases/{term}")));
    }
    let status_text = nonempty(q.status.as_ref()).unwrap_or("review");
    let status = match status_text {
        "all" => None,
        s => Some(
            S::parse(s)
                .filter(|s| matches!(s, S::Review | S::Approved | S::Declined))
                .ok_or_else(|| {
                    Fail::bad("query_invalid", "status: review, approved, declined or all")
                })?,
        ),
    };
    let date = |v: Option<&String>, name: &str| -> Result<Option<i64>, Fail> {
        match nonempty(v) {
            None => Ok(None),
            Some(d) => parse_date(d)
                .map(Some)
                .ok_or_else(|| Fail::bad("query_invalid", format!("{name}: a date YYYY-MM-DD"))),
        }
    };
    let from_ms = date(q.from.as_ref(), "from")?;
    let to_ms = date(q.to.as_ref(), "to")?.map(|t| t + 86_400_000);
    let reference = nonempty(q.reference.as_ref())
        .or_else(|| nonempty(q.q.as_ref()))
        .map(str::to_owned);
    let reason = nonempty(q.reason.as_ref()).map(str::to_owned);
    let after = nonempty(q.after.as_ref()).and_then(|a| {
        let (ms, id) = a.split_once('.')?;
        Some((ms.parse::<i64>().ok()?, id.to_owned()))
    });
    let filter = store::QueueFilter {
        status,
        from_ms,
        to_ms,
        reason: reason.clone(),
        reference: reference.clone(),
        after,
    };
    let now = state.now_ms();
    // Two connections at once: the page costs the slower of the two, not their sum.
    let (items, in_review) = tokio::try_join!(
        state.db.queue(&filter, PAGE + 1, now),
        state.db.count_in(S::Review, IN_REVIEW_CAP + 1)
    )?;
    let in_review = if in_review > IN_REVIEW_CAP {
        format!("{IN_REVIEW_CAP}+")
    } else {
        in_review.to_string()
    };
    let more = items.len() > usize::try_from(PAGE).unwrap_or(50);
    let mut rows = String::new();
    for it in items.iter().take(usize::try_from(PAGE).unwrap_or(50)) {
        let claim = it.claimed_by.as_deref().map_or_else(String::new, |c| {
            if c == session.username {
                "you".to_owned()
            } else {
                esc(c)
            }
        });
        let reasons: Vec<String> = it.reasons.iter().take(3).map(|r| esc(r)).collect();
        rows.push_str(&format!(
            "<tr><td><a href=\"/dashboard/cases/{id}\" class=\"mono\">{id}</a></td><td>{reference}</td><td>{status}</td><td class=\"num\">{score}</td><td class=\"reasons\">{reasons}</td><td>{created}</td><td>{claim}</td></tr>",
            id = esc(&it.id),
            reference = esc(it.reference.as_deref().unwrap_or("")),
            status = status_badge(it.status.as_str()),
            score = it.risk_score.map_or_else(String::new, |s| format!("{s:.2}")),
            reasons = reasons.join("<br>"),
            created = when(it.created_at_ms),
        ));
    }
    let keep = |k: &str, v: Option<&String>| {
        nonempty(v).map_or_else(String::new, |x| format!("&{k}={}", url_esc(x)))
    };
    let base_query = format!(
        "status={}{}{}{}{}{}",
        url_esc(status_text),
        keep("from", q.from.as_ref()),
        keep("to", q.to.as_ref()),
        keep("reason", q.reason.as_ref()),
        keep("reference", q.reference.as_ref()),
        keep("q", q.q.as_ref()),
    );
    let next = match (more, items.get(usize::try_from(PAGE - 1).unwrap_or(49))) {
        (true, Some(last)) => format!(
            "<a class=\"next\" href=\"/dashboard/queue?{base_query}&after={}.{}\">Next page →</a>",
            last.created_at_ms,
            url_esc(&last.id)
        ),
        _ => String::new(),
    };
    let option = |v: &str, label: &str| {
        format!(
            "<option value=\"{v}\"{}>{label}</option>",
            if v == status_text { " selected" } else { "" }
        )
    };
    let val = |v: Option<&String>| esc(nonempty(v).unwrap_or(""));
    let body = format!(
        "<p class=\"summary\"><strong id=\"in-review\">{in_review}</strong> case(s) waiting for review.</p>\
<form method=\"get\" action=\"/dashboard/queue\" class=\"filters\">\
<label>Status <select name=\"status\">{o1}{o2}{o3}{o4}</select></label>\
<label>From <input type=\"date\" name=\"from\" value=\"{from}\"></label>\
<label>To <input type=\"date\" name=\"to\" value=\"{to}\"></label>\
<label>Reason <input name=\"reason\" value=\"{reason}\" placeholder=\"hard_rule:any_failure\"></label>\
<label>Reference <input name=\"reference\" value=\"{reference}\"></label>\
<label>Search <input name=\"q\" value=\"{qv}\" placeholder=\"vrf_… or reference\"></label>\
<button type=\"submit\">Filter</button></form>\
<table class=\"queue\"><thead><tr><th>Verification</th><th>Reference</th><th>Status</th><th>Risk</th><th>Reasons</th><th>Created (UTC)</th><th>Claimed by</th></tr></thead><tbody>{rows}</tbody></table>{empty}{next}",
        o1 = option("review", "In review"),
        o2 = option("declined", "Declined"),
        o3 = option("approved", "Approved"),
        o4 = option("all", "All decided"),
        from = val(q.from.as_ref()),
        to = val(q.to.as_ref()),
        reason = val(q.reason.as_ref()),
        reference = val(q.reference.as_ref()),
        qv = val(q.q.as_ref()),
        empty = if items.is_empty() {
            "<p class=\"empty\">Nothing matches.</p>"
        } else {
            ""
        },
    );
    Ok(layout(&state, &session, "Review queue", &body))
}

fn num(v: Option<&Value>) -> String {
    v.and_then(Value::as_f64)
        .map_or_else(String::new, |x| format!("{x:.3}"))
}

fn text(v: Option<&Value>) -> String {
    esc(v.and_then(Value::as_str).unwrap_or(""))
}

fn reason_options(list: &[(&str, &str)]) -> String {
    let mut out = String::from("<option value=\"\">— choose —</option>");
    for (code, label) in list {
        out.push_str(&format!(
            "<option value=\"{code}\">{} ({code})</option>",
            esc(label)
        ));
    }
    out
}

/// The evidence images a case page shows, in order, with their captions.
const IMAGES: &[(&str, &str)] = &[
    ("document/front", "Document, front"),
    ("document/back", "Document, back"),
    ("chip/face", "Chip photo (DG2)"),
    ("selfie", "Selfie"),
];

pub(super) async fn case(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(id): Path<String>,
) -> Result<Response, Fail> {
    crate::api::valid_id(&id).map_err(|_| Fail::not_found())?;
    let v = state.db.verification(&id).await?;
    let now = state.now_ms();
    let (claim, reviewed_by) = state.db.claim_of(&id, now).await?;
    let result: Value = v
        .result_json
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or_else(|| json!({}));
    let names: Vec<String> = state
        .db
        .evidence(&id)
        .await?
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    let mut body = String::new();

    // Summary.
    body.push_str(&format!(
        "<section class=\"summary-grid\"><div><span class=\"k\">Verification</span><span class=\"mono\" id=\"case-id\">{id}</span></div><div><span class=\"k\">Status</span><span id=\"case-status\">{status}</span></div><div><span class=\"k\">Reference</span><span>{reference}</span></div><div><span class=\"k\">Created</span><span>{created}</span></div><div><span class=\"k\">Automatic decision</span><span>{decision}</span></div><div><span class=\"k\">Risk score</span><span>{score}</span></div><div><span class=\"k\">Policy</span><span>{policy} <span class=\"mono small\">{hash}</span></span></div><div><span class=\"k\">Document type</span><span>{doctype}</span></div></section>",
        id = esc(&id),
        status = status_badge(v.status.as_str()),
        reference = esc(v.reference.as_deref().unwrap_or("")),
        created = when(v.created_at_ms),
        decision = text(result.get("decision")),
        score = num(result.get("risk_score")),
        policy = text(result.get("policy")),
        hash = text(result.get("policy_hash")),
        doctype = text(result.get("document_type")),
    ));

    // Actions.
    let csrf = csrf_field(&session);
    let mut actions = String::new();
    if v.status == S::Review {
        match &claim {
            Some((holder, until)) if *holder == session.username => {
                actions.push_str(&format!(
                    "<p class=\"claim mine\">You hold this case until {until} UTC.</p>",
                    until = when(*until)
                ));
                if session.can(Perm::CasesDecide) {
                    actions.push_str(&format!(
                        "<form method=\"post\" action=\"/dashboard/cases/{id}/decide\" class=\"decide stack\" id=\"decide-form\">{csrf}\
<fieldset><legend>Decision</legend><label><input type=\"radio\" name=\"decision\" value=\"approved\" required> Approve</label><label><input type=\"radio\" name=\"decision\" value=\"declined\"> Decline</label></fieldset>\
<label>Reason <select name=\"reason\" required data-approve=\"{ap}\" data-decline=\"{de}\"><option value=\"\">— choose —</option><optgroup label=\"Approve\">{aopts}</optgroup><optgroup label=\"Decline\">{dopts}</optgroup></select></label>\
<label>Note <textarea name=\"note\" required maxlength=\"2000\" rows=\"3\"></textarea></label>\
<button type=\"submit\">Record decision</button></form>\
<form method=\"post\" action=\"/dashboard/cases/{id}/release\">{csrf}<button type=\"submit\" class=\"secondary\">Release</button></form>",
                        id = esc(&id),
                        ap = APPROVE_REASONS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(" "),
                        de = DECLINE_REASONS.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(" "),
                        aopts = reason_options(APPROVE_REASONS).replacen("<option value=\"\">— choose —</option>", "", 1),
                        dopts = reason_options(DECLINE_REASONS).replacen("<option value=\"\">— choose —</option>", "", 1),
                    ));
                }
            }
            Some((holder, until)) => actions.push_str(&format!(
                "<p class=\"claim other\">Claimed by {} until {} UTC.</p>",
                esc(holder),
                when(*until)
            )),
            None if session.can(Perm::CasesDecide) => actions.push_str(&format!(
                "<form method=\"post\" action=\"/dashboard/cases/{id}/claim\">{csrf}<button type=\"submit\" id=\"claim\">Claim this case</button></form>",
                id = esc(&id)
            )),
            None => actions.push_str("<p class=\"claim\">Not claimed.</p>"),
        }
    }
    if v.status == S::Declined && reviewed_by.is_none() {
        match state.db.override_request(&id).await? {
            Some(req) => {
                actions.push_str(&format!(
                    "<p class=\"override\" id=\"override-pending\">Override to <strong>approved</strong> requested by {} at {} UTC: {} — “{}”.</p>",
                    esc(&req.requested_by),
                    when(req.requested_at_ms),
                    esc(&req.reason_code),
                    esc(&req.note)
                ));
                if session.can(Perm::OverrideConfirm) && req.requested_by != session.username {
                    actions.push_str(&format!(
                        "<form method=\"post\" action=\"/dashboard/cases/{id}/override/confirm\">{csrf}<button type=\"submit\" id=\"confirm-override\">Confirm override (second pair of eyes)</button></form>",
                        id = esc(&id)
                    ));
                }
            }
            None if session.can(Perm::OverrideRequest) => actions.push_str(&format!(
                "<form method=\"post\" action=\"/dashboard/cases/{id}/override\" class=\"stack\" id=\"override-form\">{csrf}<p>Declined automatically. An override to approved needs a second person to confirm it.</p><label>Reason <select name=\"reason\" required>{opts}</select></label><label>Note <textarea name=\"note\" required maxlength=\"2000\" rows=\"3\"></textarea></label><button type=\"submit\">Request override</button></form>",
                id = esc(&id),
                opts = reason_options(OVERRIDE_REASONS)
            )),
            None => {}
        }
    }
    if !actions.is_empty() {
        body.push_str(&format!(
            "<section class=\"actions\"><h2>Review</h2>{actions}</section>"
        ));
    }

    // Evidence side by side.
    if session.can(Perm::EvidenceRead) {
        let mut figs = String::new();
        for (name, caption) in IMAGES {
            let present = if *name == "chip/face" {
                names.iter().any(|n| n == "chip/dg2")
            } else {
                names.iter().any(|n| n == name)
            };
            if present {
                figs.push_str(&format!(
                    "<figure><img src=\"/dashboard/cases/{id}/evidence/{name}\" alt=\"{caption}\"><figcaption>{caption}</figcaption></figure>",
                    id = esc(&id)
                ));
            }
        }
        for n in names.iter().filter(|n| n.starts_with("liveness/")).take(4) {
            figs.push_str(&format!(
                "<figure><img src=\"/dashboard/cases/{id}/evidence/{n}\" alt=\"{n}\"><figcaption>{n}</figcaption></figure>",
                id = esc(&id),
                n = esc(n)
            ));
        }
        if figs.is_empty() {
            figs.push_str(if v.wrapped_key.is_none() {
                "<p class=\"empty\">The evidence was purged (retention or erasure).</p>"
            } else {
                "<p class=\"empty\">No images were uploaded.</p>"
            });
        }
        body.push_str(&format!(
            "<section><h2>Evidence</h2><div class=\"evidence\">{figs}</div><p class=\"small\">Files: {}</p></section>",
            esc(&names.join(", "))
        ));
    }

    // The risk explanation.
    let mut contrib = String::new();
    let mut total = 0.0;
    for c in result
        .get("contributions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        total += c.get("points").and_then(Value::as_f64).unwrap_or(0.0);
        contrib.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            text(c.get("factor")),
            num(c.get("weight")),
            num(c.get("value")),
            num(c.get("points")),
            text(c.get("check")),
            text(c.get("reason")),
        ));
    }
    let mut rules = String::new();
    for f in result
        .get("hard_rules_fired")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        rules.push_str(&format!(
            "<li><strong>{}</strong> ({}) on {} = {} ({})</li>",
            text(f.get("id")),
            text(f.get("effect")),
            text(f.get("check")),
            text(f.get("status")),
            text(f.get("reason"))
        ));
    }
    let mut reqs = String::new();
    for r in result
        .get("requirements")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let passed = r.get("passed").and_then(Value::as_bool).unwrap_or(false);
        reqs.push_str(&format!(
            "<li class=\"{}\">{} {}</li>",
            if passed { "pass" } else { "fail" },
            if passed { "✓" } else { "✗" },
            text(r.get("require"))
        ));
    }
    let reasons: Vec<String> = result
        .get("reasons")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(esc))
        .collect();
    body.push_str(&format!(
        "<section><h2>Risk explanation</h2><p>Reasons: <span class=\"mono\">{}</span></p><table><thead><tr><th>Factor</th><th>Weight</th><th>Risk</th><th>Points</th><th>Worst check</th><th>Reason</th></tr></thead><tbody>{contrib}</tbody><tfoot><tr><td>Total</td><td></td><td></td><td class=\"num\" id=\"points-total\">{total:.3}</td><td colspan=\"2\">= risk score {}</td></tr></tfoot></table><h3>Hard rules fired</h3><ul>{}</ul><h3>Requirements</h3><ul class=\"reqs\">{reqs}</ul></section>",
        reasons.join(", "),
        num(result.get("risk_score")),
        if rules.is_empty() { "<li>none</li>".to_owned() } else { rules },
    ));

    // Every check.
    let mut checks = String::new();
    for c in result
        .get("checks")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let status = c.get("status").and_then(Value::as_str).unwrap_or("");
        let evidence = c
            .get("evidence")
            .map(|e| serde_json::to_string(e).unwrap_or_default())
            .unwrap_or_default();
        checks.push_str(&format!(
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"evidence-json\">{}</td></tr>",
            text(c.get("check")),
            status_badge(status),
            text(c.get("reason")),
            num(c.get("score")),
            num(c.get("threshold")),
            esc(&evidence),
        ));
    }
    body.push_str(&format!(
        "<section><h2>Checks</h2><table class=\"checks\"><thead><tr><th>Check</th><th>Status</th><th>Reason</th><th>Score</th><th>Threshold</th><th>Evidence</th></tr></thead><tbody>{checks}</tbody></table></section>"
    ));

    // Reviewers' actions and the audit trail of the case.
    let mut history = String::new();
    for r in state.db.reviews(&id).await? {
        history.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            when(r.at_ms),
            esc(&r.actor),
            esc(&r.action),
            esc(&r.decision),
            esc(&r.reason_code),
            esc(&r.note)
        ));
    }
    if !history.is_empty() {
        body.push_str(&format!(
            "<section><h2>Review history</h2><table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Decision</th><th>Reason</th><th>Note</th></tr></thead><tbody>{history}</tbody></table></section>"
        ));
    }
    let mut events = String::new();
    for e in state.db.audit_events_about(&id).await? {
        events.push_str(&format!(
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"evidence-json\">{}</td></tr>",
            e.seq,
            when(e.entry.at_ms),
            esc(&e.entry.actor),
            esc(&e.entry.action),
            esc(&e.entry.details.to_string())
        ));
    }
    body.push_str(&format!(
        "<section><h2>Audit events</h2><table class=\"audit\" id=\"case-audit\"><thead><tr><th>#</th><th>When</th><th>Actor</th><th>Action</th><th>Details</th></tr></thead><tbody>{events}</tbody></table></section>"
    ));
    Ok(layout(&state, &session, "Case", &body))
}

/// One evidence file, decrypted in memory for an authorised session, never cached. `chip/face`
/// is the first face of DG2 (JPEG as stored; JPEG 2000, which browsers do not show, as BMP).
pub(super) async fn evidence(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, Fail> {
    crate::api::valid_id(&id).map_err(|_| Fail::not_found())?;
    let stored = if name == "chip/face" {
        "chip/dg2"
    } else {
        name.as_str()
    };
    let v = state.db.verification(&id).await?;
    let (_, object_key, _) = state
        .db
        .evidence(&id)
        .await?
        .into_iter()
        .find(|(n, _, _)| n == stored)
        .ok_or_else(Fail::not_found)?;
    let wrapped = v.wrapped_key.ok_or_else(Fail::not_found)?;
    let data_key = state
        .secrets
        .keyring
        .unwrap(&envelope::WrappedKey::from_bytes(wrapped), &id)
        .map_err(|e| crate::error::ApiError::internal(e.code()))?;
    let key = store::ObjectKey::new(&object_key)
        .map_err(|e| crate::error::ApiError::internal(e.code()))?;
    let objects = state.objects.clone();
    let sealed = tokio::task::spawn_blocking(move || objects.get(&key))
        .await
        .map_err(|_| crate::error::ApiError::internal("storage_task"))?
        .map_err(|e| crate::error::ApiError::unavailable(e.code()))?;
    let plain = data_key
        .open(&id, stored, &sealed)
        .map_err(|e| crate::error::ApiError::internal(e.code()))?;
    let image: Vec<u8> = if name == "chip/face" {
        let dg2 = emrtd::lds::Dg2::parse(&plain).map_err(|_| Fail::not_found())?;
        let face = dg2.faces().next().ok_or_else(Fail::not_found)?;
        match face.image.sniffed_format() {
            Some(imaging::ImageFormat::Jpeg) => face.image.bytes.clone(),
            Some(_) => {
                let img = face
                    .image
                    .decode(&imaging::Limits::default())
                    .map_err(|_| Fail::not_found())?;
                bmp(img.width(), img.height(), img.pixels())
            }
            None => return Err(Fail::not_found()),
        }
    } else {
        plain.to_vec()
    };
    let content_type = match imaging::sniff(&image) {
        Some(imaging::ImageFormat::Jpeg) => "image/jpeg",
        _ if image.starts_with(b"\x89PNG") => "image/png",
        _ if image.starts_with(b"BM") => "image/bmp",
        _ => "application/octet-stream",
    };
    state
        .audit(
            &session.actor(),
            "case.evidence_view",
            &id,
            json!({"name": stored}),
        )
        .await?;
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok((StatusCode::OK, h, image).into_response())
}

/// An uncompressed 24-bit BMP of RGB8 pixels (rows bottom-up, padded to 4 bytes).
fn bmp(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let w = usize::try_from(width).unwrap_or(0);
    let h = usize::try_from(height).unwrap_or(0);
    let row = (w * 3).div_ceil(4) * 4;
    let size = 54 + row * h;
    let mut out = Vec::with_capacity(size);
    let u32le = |out: &mut Vec<u8>, x: usize| {
        out.extend_from_slice(&u32::try_from(x).unwrap_or(0).to_le_bytes());
    };
    out.extend_from_slice(b"BM");
    u32le(&mut out, size);
    out.extend_from_slice(&[0, 0, 0, 0]);
    u32le(&mut out, 54);
    u32le(&mut out, 40);
    u32le(&mut out, w);
    u32le(&mut out, h);
    out.extend_from_slice(&[1, 0, 24, 0]);
    u32le(&mut out, 0);
    u32le(&mut out, row * h);
    u32le(&mut out, 2835);
    u32le(&mut out, 2835);
    u32le(&mut out, 0);
    u32le(&mut out, 0);
    for y in (0..h).rev() {
        let start = y * w * 3;
        let line = rgb.get(start..start + w * 3).unwrap_or(&[]);
        for px in line.chunks_exact(3) {
            if let [r, g, b] = px {
                out.extend_from_slice(&[*b, *g, *r]);
            }
        }
        out.resize(54 + (h - y) * row, 0);
    }
    out
}

// ---- users ------------------------------------------------------------------------------

pub(super) async fn users(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
) -> Result<Response, Fail> {
    users_page(&state, &session, None).await
}

async fn users_page(
    state: &Shared,
    session: &Session,
    notice: Option<String>,
) -> Result<Response, Fail> {
    let csrf = csrf_field(session);
    let now = state.now_ms();
    let mut rows = String::new();
    let users = state.db.users().await?;
    let enabled = users.iter().filter(|u| u.disabled_at_ms.is_none()).count();
    let seats = state.licence.features().dashboard_seats;
    // An unlicensed build has no seat limit to show.
    let seat_line = if seats == u32::MAX {
        format!("<p class=\"small\">{enabled} enabled users.</p>")
    } else if enabled > seats as usize {
        format!(
            "<p class=\"notice\">{enabled} enabled users exceed the licence's {seats} dashboard seats: disable {} before adding anyone.</p>",
            enabled - seats as usize
        )
    } else {
        format!("<p class=\"small\">{enabled} of {seats} licensed dashboard seats in use.</p>")
    };
    for u in users {
        let status = if u.disabled_at_ms.is_some() {
            "disabled"
        } else if u.locked_until_ms.is_some_and(|t| t > now) {
            "locked"
        } else {
            "active"
        };
        let actions = if u.disabled_at_ms.is_some() {
            String::new()
        } else {
            format!(
                "<form method=\"post\" action=\"/dashboard/users/{n}/password\" class=\"inline\">{csrf}<input name=\"password\" type=\"password\" minlength=\"12\" maxlength=\"256\" placeholder=\"new password (≥ 12)\" required autocomplete=\"new-password\"><button type=\"submit\">Reset password and second factor</button></form><form method=\"post\" action=\"/dashboard/users/{n}/disable\" class=\"inline\">{csrf}<button type=\"submit\" class=\"danger\">Disable</button></form>",
                n = url_esc(&u.username)
            )
        };
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{actions}</td></tr>",
            esc(&u.username),
            esc(&u.role),
            status,
            if u.totp_enrolled_at_ms.is_some() {
                "enrolled"
            } else {
                "pending"
            },
            when(u.created_at_ms),
        ));
    }
    let roles: String = Role::ALL
        .iter()
        .map(|r| format!("<option value=\"{0}\">{0}</option>", r.as_str()))
        .collect();
    let notice = notice.map_or_else(String::new, |n| {
        format!("<p class=\"notice\">{}</p>", esc(&n))
    });
    let body = format!(
        "{notice}{seat_line}<table><thead><tr><th>User</th><th>Role</th><th>State</th><th>Second factor</th><th>Created</th><th></th></tr></thead><tbody>{rows}</tbody></table>\
<h2>New user</h2><form method=\"post\" action=\"/dashboard/users\" class=\"stack\">{csrf}<label>Username <input name=\"username\" required maxlength=\"64\" pattern=\"[A-Za-z0-9._@-]+\"></label><label>Role <select name=\"role\">{roles}</select></label><label>Initial password <input name=\"password\" type=\"password\" minlength=\"12\" maxlength=\"256\" required autocomplete=\"new-password\"></label><button type=\"submit\">Create user</button></form><p class=\"small\">The user enrols their second factor at first sign-in.</p>"
    );
    Ok(layout(state, session, "Users", &body))
}

#[derive(Deserialize)]
pub(super) struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: super::Password,
}

fn check_password(p: &str) -> Result<(), Fail> {
    if p.chars().count() < 12 || p.len() > 256 {
        return Err(Fail::bad(
            "password_weak",
            "a password has 12 to 256 characters",
        ));
    }
    Ok(())
}

pub(super) async fn create_user(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Form(f): Form<NewUserForm>,
) -> Result<Response, Fail> {
    let name = f.username.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
    {
        return Err(Fail::bad(
            "username_invalid",
            "a username is 1–64 letters, digits and . _ - @",
        ));
    }
    let role = Role::parse(&f.role).ok_or_else(|| Fail::bad("role_invalid", "unknown role"))?;
    check_password(&f.password)?;
    if state.db.user_record(name).await?.is_some() {
        return Err(Fail::conflict("user_exists", "that username is taken"));
    }
    let hash = crate::init::hash_password(&f.password)
        .map_err(|e| crate::error::ApiError::internal(e.code()))?;
    let seats = i64::from(state.licence.features().dashboard_seats);
    if !state
        .db
        .add_user_within(name, &hash, role.as_str(), state.now_ms(), seats)
        .await?
    {
        return Err(Fail::new(
            StatusCode::FORBIDDEN,
            "licence_seats_exhausted",
            format!(
                "the licence covers {seats} dashboard users and all are in use: disable one first"
            ),
        ));
    }
    state
        .audit(
            &session.actor(),
            "user.create",
            name,
            json!({"role": role.as_str()}),
        )
        .await?;
    Ok(redirect("/dashboard/users"))
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    password: super::Password,
}

pub(super) async fn reset_password(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(name): Path<String>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, Fail> {
    check_password(&f.password)?;
    let hash = crate::init::hash_password(&f.password)
        .map_err(|e| crate::error::ApiError::internal(e.code()))?;
    if !state.db.reset_user_password(&name, &hash).await? {
        return Err(Fail::not_found());
    }
    state.db.delete_user_sessions(&name).await?;
    state
        .audit(&session.actor(), "user.password_reset", &name, json!({}))
        .await?;
    Ok(redirect("/dashboard/users"))
}

pub(super) async fn disable_user(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(name): Path<String>,
) -> Result<Response, Fail> {
    if name == session.username {
        return Err(Fail::conflict(
            "cannot_disable_self",
            "you cannot disable your own account",
        ));
    }
    if !state.db.disable_user(&name, state.now_ms()).await? {
        return Err(Fail::not_found());
    }
    state
        .audit(&session.actor(), "user.disable", &name, json!({}))
        .await?;
    Ok(redirect("/dashboard/users"))
}

// ---- API keys ---------------------------------------------------------------------------

pub(super) async fn api_keys(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
) -> Result<Response, Fail> {
    keys_page(&state, &session, None).await
}

async fn keys_page(
    state: &Shared,
    session: &Session,
    created: Option<(String, zeroize::Zeroizing<String>)>,
) -> Result<Response, Fail> {
    let csrf = csrf_field(session);
    let mut rows = String::new();
    for k in state.db.api_keys().await? {
        let action = if k.revoked_at_ms.is_some() {
            String::new()
        } else {
            format!(
                "<form method=\"post\" action=\"/dashboard/api-keys/{p}/revoke\" class=\"inline\">{csrf}<button type=\"submit\" class=\"danger\">Revoke</button></form>",
                p = url_esc(&k.prefix)
            )
        };
        rows.push_str(&format!(
            "<tr><td class=\"mono\">idv_{}_…</td><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
            esc(&k.prefix),
            esc(&k.name),
            when(k.created_at_ms),
            k.revoked_at_ms.map_or_else(|| "active".to_owned(), |t| format!("revoked {}", when(t))),
        ));
    }
    let shown = created.map_or_else(String::new, |(name, secret)| {
        format!(
            "<div class=\"secret-once\"><p>API key <strong>{}</strong> created. Copy it now: it is shown once and only its hash is kept.</p><code id=\"new-api-key\">{}</code></div>",
            esc(&name),
            esc(&secret)
        )
    });
    let body = format!(
        "{shown}<table><thead><tr><th>Key</th><th>Name</th><th>Created</th><th>State</th><th></th></tr></thead><tbody>{rows}</tbody></table><h2>New API key</h2><form method=\"post\" action=\"/dashboard/api-keys\" class=\"stack\">{csrf}<label>Name <input name=\"name\" required maxlength=\"64\"></label><button type=\"submit\">Create API key</button></form>"
    );
    let mut res = layout(state, session, "API keys", &body);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize)]
pub(super) struct KeyForm {
    #[serde(default)]
    name: String,
}

pub(super) async fn create_api_key(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Form(f): Form<KeyForm>,
) -> Result<Response, Fail> {
    let name = f.name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
    {
        return Err(Fail::bad(
            "name_invalid",
            "a name is 1–64 printable characters",
        ));
    }
    let key = auth::NewApiKey::generate(&mut crate::rng());
    state
        .db
        .add_api_key(&key.stored, name, state.now_ms())
        .await?;
    state
        .audit(
            &session.actor(),
            "api_key.create",
            &key.stored.prefix,
            json!({"name": name}),
        )
        .await?;
    keys_page(&state, &session, Some((name.to_owned(), key.secret))).await
}

pub(super) async fn revoke_api_key(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    Path(prefix): Path<String>,
) -> Result<Response, Fail> {
    if !state
        .db
        .api_keys()
        .await?
        .iter()
        .any(|k| k.prefix == prefix && k.revoked_at_ms.is_none())
    {
        return Err(Fail::not_found());
    }
    state.db.revoke_api_key(&prefix, state.now_ms()).await?;
    state
        .audit(&session.actor(), "api_key.revoke", &prefix, json!({}))
        .await?;
    Ok(redirect("/dashboard/api-keys"))
}

// ---- audit and policy -------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub(super) struct AuditQuery {
    #[serde(default)]
    before: Option<i64>,
}

pub(super) async fn audit(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Fail> {
    let Query(q) = query.map_err(|e| Fail::bad("query_invalid", e.body_text()))?;
    let all = state.db.audit_events().await?;
    let verdict = match audit::verify(&state.secrets.audit, all.iter()) {
        Ok(v) => format!(
            "<p class=\"verified pass\" id=\"chain-verdict\" data-code=\"audit_chain_ok\">✓ Chain verified: {} events, head <span class=\"mono\">{}</span>.</p>",
            v.events,
            esc(&v.head)
        ),
        Err(e) => format!(
            "<p class=\"verified fail\" id=\"chain-verdict\" data-code=\"{}\">✗ {}</p>",
            e.code(),
            esc(&e.to_string())
        ),
    };
    let page = state.db.audit_page(q.before, 100).await?;
    let mut rows = String::new();
    for e in &page {
        rows.push_str(&format!(
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"evidence-json\">{}</td></tr>",
            e.seq,
            when(e.entry.at_ms),
            esc(&e.entry.actor),
            esc(&e.entry.action),
            esc(&e.entry.subject),
            esc(&e.entry.details.to_string())
        ));
    }
    let next = match page.last() {
        Some(last) if page.len() == 100 && last.seq > 1 => format!(
            "<a class=\"next\" href=\"/dashboard/audit?before={}\">Older →</a>",
            last.seq
        ),
        _ => String::new(),
    };
    let body = format!(
        "{verdict}<table class=\"audit\"><thead><tr><th>#</th><th>When</th><th>Actor</th><th>Action</th><th>Subject</th><th>Details</th></tr></thead><tbody>{rows}</tbody></table>{next}"
    );
    Ok(layout(&state, &session, "Audit log", &body))
}

pub(super) async fn policy(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
) -> Result<Response, Fail> {
    let p = state.policy.current();
    let t = p.thresholds();
    let mut factors = String::new();
    for f in p.factors() {
        factors.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{:.3}</td></tr>",
            esc(&f.name),
            f.weight
        ));
    }
    let mut rules = String::new();
    for r in p.hard_rules() {
        rules.push_str(&format!(
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&r.id),
            match r.effect {
                risk::Effect::Decline => "decline",
                risk::Effect::Review => "review",
            }
        ));
    }
    let body = format!(
        "<section class=\"summary-grid\"><div><span class=\"k\">Version</span><span id=\"policy-version\">{}</span></div><div><span class=\"k\">Hash</span><span class=\"mono\" id=\"policy-hash\">{}</span></div><div><span class=\"k\">Review from</span><span>{:.3}</span></div><div><span class=\"k\">Decline from</span><span>{:.3}</span></div></section><p>{}</p><h2>Factors</h2><table><thead><tr><th>Factor</th><th>Weight</th></tr></thead><tbody>{factors}</tbody></table><h2>Hard rules</h2><table><thead><tr><th>Rule</th><th>Effect</th></tr></thead><tbody>{rules}</tbody></table>",
        esc(p.version()),
        esc(p.hash()),
        t.review,
        t.decline,
        esc(p.description().unwrap_or("")),
    );
    Ok(layout(&state, &session, "Policy in force", &body))
}
