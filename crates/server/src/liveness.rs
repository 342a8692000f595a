//! The liveness step on the server: starting it (the plan, nonce, colour sequence and deadline,
//! stored with the verification), the frames' timestamps, and the engine behind the pipeline's
//! `Engine` trait (`crates/liveness`).
//!
//! Frames are ordinary SDK uploads (`PUT /v1/verifications/{id}/liveness/{n}`, JPEG, sealed
//! like every other piece of evidence) with one extra header, `X-Frame-Time`: ms since the
//! recording (and the colour sequence) started, by the client's clock. The server records it
//! with its own arrival time; a frame without it, before the step started, or after its deadline
//! is refused before a byte is stored.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use checks::{Check, Evidence, Status};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Shared;
use crate::error::ApiError;
use crate::pipeline::{Engine, Inputs};
use store::VerificationStatus as S;

/// The header carrying a frame's client timestamp.
pub const FRAME_TIME_HEADER: &str = "x-frame-time";

/// The evidence name under which the pipeline sees the step (plan and frame times). No upload
/// slot has this name, so a client cannot supply it.
pub const SESSION_INPUT: &str = "liveness/session";

/// What the pipeline gets beside the frames.
#[derive(Debug, Serialize, Deserialize)]
struct SessionInput {
    plan: liveness::Plan,
    /// (index, client ms, arrival Unix ms).
    frames: Vec<(i64, i64, i64)>,
}

fn plan_config() -> liveness::PlanConfig {
    liveness::PlanConfig::default()
}

/// `POST /v1/verifications/{id}/liveness` (SDK token, face scope): starts (or restarts) the
/// liveness step and returns the plan the capture page follows.
pub async fn start(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    crate::api::valid_id(&id)?;
    crate::api::sdk_token(&state, &headers, &id, auth::scope::FACE).await?;
    let v = state.db.verification(&id).await?;
    if !matches!(v.status, S::Created | S::Collecting) {
        return Err(ApiError::conflict(
            "invalid_state",
            format!("the verification is {}; no more uploads", v.status),
        ));
    }
    let mut random = [0u8; 32];
    rand_core::Rng::fill_bytes(&mut crate::rng(), &mut random);
    let now = state.now_ms();
    let config = plan_config();
    let plan = liveness::Plan::draw(random, now, &config);
    let text = serde_json::to_string(&plan).map_err(|_| ApiError::internal("plan_encode"))?;
    state.db.put_liveness_session(&id, &text, now).await?;
    state
        .audit(
            &format!("sdk:{id}"),
            "liveness.start",
            &id,
            json!({"challenges": plan.challenges.len()}),
        )
        .await?;
    tracing::info!(verification = %id, "liveness step started");
    let colours: Vec<serde_json::Value> = plan
        .colours(&config)
        .iter()
        .map(|s| {
            json!({
                "colour": s.colour,
                "css": s.colour.css(),
                "start_ms": s.start_ms,
                "duration_ms": s.duration_ms,
            })
        })
        .collect();
    let body = json!({
        "challenges": plan.challenges,
        "nonce": hex::encode(plan.nonce.0),
        "colours": colours,
        "deadline": crate::api::rfc3339(plan.deadline_ms),
        "max_frames": state.config.limits.max_liveness_frames,
        "frame_upload": format!("/v1/verifications/{id}/liveness/{{n}}"),
        "frame_time_header": FRAME_TIME_HEADER,
    });
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

/// Checks a liveness frame's upload before its body is read: the step was started, its
/// deadline has not passed, the client timestamp is present and plausible. Returns it.
pub async fn frame_time(state: &Shared, id: &str, headers: &HeaderMap) -> Result<i64, ApiError> {
    let t = headers
        .get(FRAME_TIME_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|t| (0..=3_600_000).contains(t))
        .ok_or_else(|| {
            ApiError::bad_request(
                "frame_time_missing",
                "send X-Frame-Time: ms since the recording started (0 to 3600000)",
            )
            .field(FRAME_TIME_HEADER)
        })?;
    let plan = load_plan(state, id).await?.ok_or_else(|| {
        ApiError::conflict(
            "liveness_not_started",
            "start the liveness step (POST /v1/verifications/{id}/liveness) before sending frames",
        )
    })?;
    if state.now_ms() > plan.deadline_ms {
        return Err(ApiError::conflict(
            "liveness_deadline_passed",
            "the liveness step's deadline has passed; start it again",
        ));
    }
    Ok(t)
}

/// Records a stored frame's timestamps.
pub async fn record_frame(
    state: &Shared,
    id: &str,
    index: u32,
    client_ms: i64,
) -> Result<(), ApiError> {
    state
        .db
        .put_liveness_frame(id, i64::from(index), client_ms, state.now_ms())
        .await?;
    Ok(())
}

async fn load_plan(state: &Shared, id: &str) -> Result<Option<liveness::Plan>, ApiError> {
    let Some(text) = state.db.liveness_session(id).await? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|_| ApiError::internal("liveness_plan_corrupt"))
}

/// Adds the step (plan and frame times) to the pipeline's inputs, when one was started.
pub async fn attach(state: &Shared, inputs: &mut Inputs) -> Result<(), ApiError> {
    let Some(plan) = load_plan(state, &inputs.verification).await? else {
        return Ok(());
    };
    let frames = state.db.liveness_frames(&inputs.verification).await?;
    let text = serde_json::to_vec(&SessionInput { plan, frames })
        .map_err(|_| ApiError::internal("liveness_plan_encode"))?;
    inputs
        .files
        .insert(SESSION_INPUT.to_owned(), zeroize::Zeroizing::new(text));
    Ok(())
}

/// The liveness engine for the pipeline: `liveness.*` checks from the frames, their
/// timestamps and the plan; the live face is matched against the selfie, else the document
/// portrait.
pub struct LivenessEngine(pub liveness::LivenessEngine);

impl std::fmt::Debug for LivenessEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LivenessEngine")
    }
}

impl Engine for LivenessEngine {
    fn name(&self) -> &'static str {
        "liveness"
    }

    fn run(&self, inputs: &Inputs) -> Vec<Check> {
        let has_frames = inputs
            .files
            .keys()
            .any(|k| k.starts_with("liveness/") && k != SESSION_INPUT);
        let session: Option<SessionInput> = inputs
            .files
            .get(SESSION_INPUT)
            .and_then(|b| serde_json::from_slice(b).ok());
        let Some(session) = session else {
            return vec![if has_frames {
                Check::fail("liveness.verdict", liveness::reason::NO_PLAN)
            } else {
                Check::not_performed("liveness.verdict", checks::reason::INPUT_MISSING)
            }];
        };
        // Only frames uploaded in this step (those with recorded times) count.
        let frames: Vec<liveness::FrameInput<'_>> = session
            .frames
            .iter()
            .filter_map(|&(idx, client_ms, received_ms)| {
                let bytes = inputs.files.get(&format!("liveness/{idx}"))?;
                Some(liveness::FrameInput {
                    index: u32::try_from(idx).ok()?,
                    t_ms: client_ms,
                    received_ms: Some(received_ms),
                    bytes: bytes.as_slice(),
                })
            })
            .collect();
        if frames.is_empty() {
            return vec![
                Check::new(
                    "liveness.verdict",
                    Status::Fail,
                    liveness::reason::NO_FRAMES,
                )
                .with_evidence(Evidence::new().with("frames", 0)),
            ];
        }
        let reference = [
            ("selfie", face::Role::Selfie),
            ("document/front", face::Role::DocumentPhoto),
        ]
        .into_iter()
        .find_map(|(name, role)| {
            let bytes = inputs.files.get(name)?;
            Some((name, self.0.reference(bytes, role)?))
        });
        self.0.assess(
            &session.plan,
            &frames,
            reference.as_ref().map(|(n, e)| (*n, e)),
        )
    }
}

/// The pipeline's liveness engine: the real one over the face models, or `Unavailable`.
#[must_use]
pub fn engine(face: Option<&face::FaceEngine>) -> Box<dyn Engine> {
    match face {
        Some(f) => Box::new(LivenessEngine(liveness::LivenessEngine::new(f.clone()))),
        None => Box::new(crate::pipeline::Unavailable {
            name: "liveness",
            check: "liveness.verdict",
            inputs: &["liveness/"],
        }),
    }
}
