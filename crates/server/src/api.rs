//! The routes of API v1, their credentials, and the layers around them (security headers,
//! CORS, per-IP limits, metrics).
//!
//! Credentials: the integrator's backend uses an API key (`Authorization: Bearer idv_…`); the
//! capture SDK uses the short-lived token `POST /v1/verifications` returned, which is bound to
//! one verification and to upload scopes. A request with the wrong kind of credential gets 401.

use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::ApiError;
use crate::evidence::{Slot, UploadLimits};
use crate::tls::ClientAddr;
use crate::{Shared, jobs, pipeline};
use store::VerificationStatus as S;

/// The OpenAPI 3.1 document of this API (checked in beside the crate).
pub const OPENAPI: &str = include_str!("../openapi.json");

/// The router with every route and layer.
pub fn router(state: Shared, https: bool) -> Router {
    let v1 = Router::new()
        .route("/v1/verifications", post(create_verification))
        .route(
            "/v1/verifications/{id}",
            get(get_verification).delete(erase_verification),
        )
        .route("/v1/verifications/{id}/sdk-token", post(new_sdk_token))
        .route("/v1/verifications/{id}/challenge", get(aa_challenge))
        .route("/v1/verifications/{id}/selfie", put(upload_single))
        .route(
            "/v1/verifications/{id}/liveness",
            post(crate::liveness::start),
        )
        .route("/v1/verifications/{id}/{kind}/{item}", put(upload))
        .route("/v1/verifications/{id}/submit", post(submit))
        .route("/v1/webhooks/deliveries", get(deliveries))
        .route("/v1/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::dashboard::routes(state.clone(), https))
        .merge(crate::capture::routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            record_metrics,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let mut app = v1
        .layer(middleware::from_fn_with_state(state.clone(), ip_limit))
        .with_state(state.clone());
    if !state.config.server.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = state
            .config
            .server
            .cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        app = app.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST, Method::PUT])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    // Liveness frames carry their capture time (the SDK on an integrator's page).
                    header::HeaderName::from_static(crate::liveness::FRAME_TIME_HEADER),
                ])
                .max_age(std::time::Duration::from_secs(600)),
        );
    }
    app.layer(middleware::from_fn(move |req, next| {
        security_headers(req, next, https)
    }))
}

async fn security_headers(req: Request, next: Next, https: bool) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    // A handler that serves a page (the dashboard, the capture page) sets its own, as strict
    // as it can be.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(
            h,
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        );
    }
    set(h, header::CACHE_CONTROL, "no-store");
    set(
        h,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if https {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}

async fn record_metrics(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    state.metrics.request(
        &route,
        &method,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

fn client_ip(state: &Shared, req: &Request) -> String {
    if state.config.server.trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return ip.trim().to_owned();
    }
    req.extensions()
        .get::<ClientAddr>()
        .map_or_else(|| "unknown".to_owned(), |a| a.0.ip().to_string())
}

async fn ip_limit(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let ip = client_ip(&state, &req);
    if let Err(wait) = state.ip_limiter.check(&ip, state.now_ms()).await {
        state.metrics.event("rate_limited_ip");
        return rate_limited(wait).into_response();
    }
    next.run(req).await
}

fn rate_limited(wait: u64) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("too many requests; retry in {wait} s"),
    );
    e.retry_after = Some(wait);
    e
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this method does not apply to this resource",
    )
}

// ---------------------------------------------------------------------------------------------
// Credentials

fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "credentials_missing",
                "send Authorization: Bearer <API key or SDK token>",
            )
        })?
        .to_str()
        .map_err(|_| auth_error(auth::Error::Malformed))?;
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .ok_or_else(|| auth_error(auth::Error::Malformed))
}

fn auth_error(e: auth::Error) -> ApiError {
    e.into()
}

/// An authenticated API key (its prefix, for logs and audit).
struct ApiKey(String);

async fn api_key(state: &Shared, headers: &HeaderMap) -> Result<ApiKey, ApiError> {
    let presented = bearer(headers)?;
    if !presented.starts_with("idv_") {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "api_key_required",
            "this endpoint takes an API key, not an SDK token",
        ));
    }
    let (prefix, _) = auth::parse_api_key(presented).map_err(auth_error)?;
    let stored = state.db.active_api_key(prefix).await?;
    let Some(stored) = stored else {
        // Same answer as a wrong secret: a prefix alone tells an attacker nothing.
        return Err(auth_error(auth::Error::Invalid));
    };
    auth::verify_api_key(presented, &stored).map_err(auth_error)?;
    if let Err(wait) = state
        .api_limiter
        .check(&stored.prefix, state.now_ms())
        .await
    {
        state.metrics.event("rate_limited_api_key");
        return Err(rate_limited(wait));
    }
    Ok(ApiKey(stored.prefix))
}

pub(crate) async fn sdk_token(
    state: &Shared,
    headers: &HeaderMap,
    verification: &str,
    scope: &str,
) -> Result<auth::Claims, ApiError> {
    let presented = bearer(headers)?;
    if presented.starts_with("idv_") {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "sdk_token_required",
            "this endpoint takes the SDK token of the verification, not an API key",
        ));
    }
    let claims = auth::verify_token(
        presented,
        &state.secrets.token_keys,
        verification,
        scope,
        state.now_ms().div_euclid(1000),
    )
    .map_err(auth_error)?;
    if let Err(wait) = state.sdk_limiter.check(verification, state.now_ms()).await {
        state.metrics.event("rate_limited_sdk");
        return Err(rate_limited(wait));
    }
    Ok(claims)
}

pub(crate) fn valid_id(id: &str) -> Result<(), ApiError> {
    let ok = id.len() == 36
        && id.starts_with("vrf_")
        && id
            .bytes()
            .skip(4)
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies

async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Vec<u8>, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {limit} bytes"),
        )
        .field("body")
    };
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > u64::try_from(limit).unwrap_or(u64::MAX)
    {
        return Err(too_large());
    }
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b.to_vec()),
        Err(e) => {
            // to_bytes fails for two reasons: the limit, or a broken connection.
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = source {
                if s.is::<http_body_util::LengthLimitError>() {
                    return Err(too_large());
                }
                source = s.source();
            }
            Err(ApiError::bad_request(
                "body_unreadable",
                "the body could not be read",
            ))
        }
    }
}

async fn json_body<T: for<'de> Deserialize<'de>>(
    body: Body,
    headers: &HeaderMap,
    limit: usize,
) -> Result<T, ApiError> {
    let bytes = read_body(body, headers, limit).await?;
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".to_vec()
    } else {
        let ct = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type application/json",
            )
            .field("content-type"));
        }
        bytes
    };
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let (code, field) = if inner.is_syntax() || inner.is_eof() {
            ("json_invalid", None)
        } else {
            ("json_schema", Some(path))
        };
        let mut err = ApiError::bad_request(code, inner.to_string());
        if let Some(f) = field.filter(|f| f != ".") {
            err = err.field(f);
        }
        err
    })
}

pub fn rfc3339(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let date = mrz::Date::from_days_since_epoch(days);
    let (h, m, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    match date {
        Some(d) => format!(
            "{:04}-{:02}-{:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z",
            d.year(),
            d.month(),
            d.day()
        ),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Verifications

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRequest {
    /// The integrator's own reference for this case (≤ 128 printable ASCII characters).
    #[serde(default)]
    reference: Option<String>,
}

#[derive(Debug, Serialize)]
struct CreateResponse {
    id: String,
    status: &'static str,
    created_at: String,
    reference: Option<String>,
    sdk_token: String,
    sdk_token_expires_at: String,
    aa_challenge: String,
}

fn new_id() -> String {
    let mut b = [0u8; 16];
    rand_core::Rng::fill_bytes(&mut crate::rng(), &mut b);
    format!("vrf_{}", hex::encode(b))
}

fn issue_sdk_token(state: &Shared, id: &str) -> Result<(String, i64), ApiError> {
    let now_s = state.now_ms().div_euclid(1000);
    let lifetime = state.config.tokens.lifetime_secs;
    let key = state
        .secrets
        .token_keys
        .first()
        .ok_or_else(|| ApiError::internal("token_key_missing"))?;
    let token = auth::issue_token(
        key,
        id,
        &auth::scope::ALL,
        now_s,
        lifetime,
        &mut crate::rng(),
    )
    .map_err(|e| ApiError::internal(e.code()))?;
    Ok((token, (now_s + lifetime) * 1000))
}

async fn create_verification(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let key = api_key(&state, &headers).await?;
    let req: CreateRequest = json_body(body, &headers, state.config.limits.max_json_bytes).await?;
    if let Some(r) = &req.reference
        && (r.is_empty() || r.len() > 128 || !r.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
    {
        return Err(ApiError::bad_request(
            "json_schema",
            "reference: 1–128 printable ASCII characters",
        )
        .field("reference"));
    }
    let id = new_id();
    let now = state.now_ms();
    state.licence.admit_creation(&state.db, now).await?;
    let data_key = envelope::DataKey::generate(&mut crate::rng());
    let wrapped = state
        .secrets
        .keyring
        .current()
        .wrap(&data_key, &id, &mut crate::rng());
    let mut challenge = [0u8; 8];
    rand_core::Rng::fill_bytes(&mut crate::rng(), &mut challenge);
    let challenge = hex::encode(challenge);
    state
        .db
        .create_verification_with(
            &id,
            &key.0,
            wrapped.as_bytes(),
            req.reference.as_deref(),
            Some(&challenge),
            now,
        )
        .await?;
    state
        .audit(
            &format!("api_key:{}", key.0),
            "verification.create",
            &id,
            json!({}),
        )
        .await?;
    let (token, expires) = issue_sdk_token(&state, &id)?;
    tracing::info!(verification = %id, api_key = %key.0, "verification created");
    let body = CreateResponse {
        id: id.clone(),
        status: S::Created.as_str(),
        created_at: rfc3339(now),
        reference: req.reference,
        sdk_token: token,
        sdk_token_expires_at: rfc3339(expires),
        aa_challenge: challenge,
    };
    let mut res = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("/v1/verifications/{id}")) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

async fn get_verification(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let _key = api_key(&state, &headers).await?;
    valid_id(&id)?;
    let v = state.db.verification(&id).await?;
    let evidence: Vec<serde_json::Value> = state
        .db
        .evidence(&id)
        .await?
        .into_iter()
        .map(|(name, _, size)| json!({"name": name, "size": size}))
        .collect();
    let result: Option<serde_json::Value> = v
        .result_json
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    Ok(axum::Json(json!({
        "id": v.id,
        "status": v.status.as_str(),
        "reference": v.reference,
        "created_at": rfc3339(v.created_at_ms),
        "updated_at": rfc3339(v.updated_at_ms),
        "evidence": evidence,
        "evidence_retained_until": v.retain_until_ms.map(rfc3339),
        "evidence_purged_at": v.purged_at_ms.map(rfc3339),
        "result": result,
    }))
    .into_response())
}

async fn erase_verification(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let key = api_key(&state, &headers).await?;
    valid_id(&id)?;
    let v = state.db.verification(&id).await?;
    if v.status == S::Processing {
        return Err(ApiError::conflict(
            "invalid_state",
            "the verification is being processed; erase it once decided",
        ));
    }
    jobs::purge(
        &state,
        &id,
        &format!("api_key:{}", key.0),
        "erasure_request",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn new_sdk_token(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = api_key(&state, &headers).await?;
    valid_id(&id)?;
    let v = state.db.verification(&id).await?;
    if !matches!(v.status, S::Created | S::Collecting) {
        return Err(ApiError::conflict(
            "invalid_state",
            format!("the verification is {}; no more uploads", v.status),
        ));
    }
    let (token, expires) = issue_sdk_token(&state, &id)?;
    state
        .audit(
            &format!("api_key:{}", key.0),
            "sdk_token.issue",
            &id,
            json!({}),
        )
        .await?;
    Ok(
        axum::Json(json!({"sdk_token": token, "sdk_token_expires_at": rfc3339(expires)}))
            .into_response(),
    )
}

async fn aa_challenge(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    valid_id(&id)?;
    sdk_token(&state, &headers, &id, auth::scope::CHIP).await?;
    let v = state.db.verification(&id).await?;
    Ok(axum::Json(json!({"aa_challenge": v.aa_challenge})).into_response())
}

async fn upload_single(
    state: State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    store_upload(state, id, "selfie".to_owned(), None, headers, body).await
}

async fn upload(
    state: State<Shared>,
    Path((id, kind, item)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    store_upload(state, id, kind, Some(item), headers, body).await
}

async fn store_upload(
    State(state): State<Shared>,
    id: String,
    kind: String,
    item: Option<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    valid_id(&id)?;
    let slot = Slot::parse(
        &kind,
        item.as_deref(),
        state.config.limits.max_liveness_frames,
    )
    .ok_or_else(ApiError::not_found)?;
    sdk_token(&state, &headers, &id, slot.scope()).await?;
    let v = state.db.verification(&id).await?;
    if !matches!(v.status, S::Created | S::Collecting) {
        return Err(ApiError::conflict(
            "invalid_state",
            format!("the verification is {}; no more uploads", v.status),
        ));
    }
    let frame_time = match slot {
        Slot::Liveness(_) => Some(crate::liveness::frame_time(&state, &id, &headers).await?),
        _ => None,
    };
    let bytes = zeroize::Zeroizing::new(
        read_body(body, &headers, state.config.limits.max_body_bytes).await?,
    );
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    crate::evidence::validate(
        &slot,
        content_type,
        &bytes,
        UploadLimits {
            max_pixels: state.config.limits.max_image_pixels,
            min_side: state.config.limits.min_image_side,
        },
    )?;
    let wrapped = v.wrapped_key.ok_or_else(|| {
        ApiError::conflict("evidence_erased", "this verification's evidence was erased")
    })?;
    let data_key = state
        .secrets
        .keyring
        .unwrap(&envelope::WrappedKey::from_bytes(wrapped), &id)
        .map_err(|e| ApiError::internal(e.code()))?;
    let name = slot.name();
    let sealed = data_key.seal(&id, &name, &bytes, &mut crate::rng());
    let key =
        store::ObjectKey::new(&format!("{id}/{name}")).map_err(|e| ApiError::internal(e.code()))?;
    let objects = state.objects.clone();
    let k = key.clone();
    tokio::task::spawn_blocking(move || objects.put(&k, &sealed))
        .await
        .map_err(|_| ApiError::internal("storage_task"))?
        .map_err(|e| ApiError::unavailable(e.code()))?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let now = state.now_ms();
    if let Err(e) = state
        .db
        .put_evidence(&id, &name, key.as_str(), size, now)
        .await
    {
        // No row, no blob: a failed upload leaves nothing behind.
        let objects = state.objects.clone();
        let _ = tokio::task::spawn_blocking(move || objects.delete(&key)).await;
        return Err(e.into());
    }
    if let (Slot::Liveness(n), Some(t)) = (&slot, frame_time) {
        crate::liveness::record_frame(&state, &id, *n, t).await?;
    }
    if v.status == S::Created {
        match state
            .db
            .transition(&id, S::Created, S::Collecting, None, now)
            .await
        {
            Ok(()) | Err(store::DbError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    state
        .audit(
            &format!("sdk:{id}"),
            "evidence.upload",
            &id,
            json!({"name": name, "size": size}),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"name": name, "size": size})),
    )
        .into_response())
}

async fn submit(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    valid_id(&id)?;
    sdk_token(&state, &headers, &id, auth::scope::SUBMIT).await?;
    let v = state.db.verification(&id).await?;
    if !matches!(v.status, S::Created | S::Collecting) {
        return Err(ApiError::conflict(
            "invalid_state",
            format!("the verification is already {}", v.status),
        ));
    }
    state
        .db
        .transition(&id, v.status, S::Processing, None, state.now_ms())
        .await?;
    state
        .audit(&format!("sdk:{id}"), "verification.submit", &id, json!({}))
        .await?;
    jobs::spawn_processing(&state, id.clone());
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(json!({"id": id, "status": S::Processing.as_str()})),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveriesQuery {
    verification_id: Option<String>,
    limit: Option<i64>,
}

async fn deliveries(
    State(state): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<DeliveriesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let _key = api_key(&state, &headers).await?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("query_invalid", e.body_text()))?;
    if let Some(v) = &q.verification_id {
        valid_id(v).map_err(|_| {
            ApiError::bad_request("query_invalid", "not a verification id").field("verification_id")
        })?;
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let list = state
        .db
        .deliveries(q.verification_id.as_deref(), limit)
        .await?;
    let items: Vec<serde_json::Value> = list
        .into_iter()
        .map(|d| {
            json!({
                "id": d.id,
                "verification_id": d.verification_id,
                "event": d.event,
                "url": d.url,
                "attempts": d.attempts,
                "state": d.state,
                "last_status": d.last_status,
                "last_error": d.last_error,
                "next_attempt_at": (d.state == "pending").then(|| rfc3339(d.next_at_ms)),
                "created_at": rfc3339(d.created_at_ms),
                "updated_at": rfc3339(d.updated_at_ms),
            })
        })
        .collect();
    Ok(axum::Json(json!({"deliveries": items})).into_response())
}

// ---------------------------------------------------------------------------------------------
// Operations

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

async fn healthz() -> Response {
    axum::Json(json!({"status": "ok"})).into_response()
}

async fn is_ready(state: &Shared) -> (bool, bool) {
    let db = state.db.ready().await.is_ok();
    let objects = state.objects.clone();
    let storage = tokio::task::spawn_blocking(move || objects.ready().is_ok())
        .await
        .unwrap_or(false);
    (db, storage)
}

async fn readyz(State(state): State<Shared>) -> Response {
    let (db, storage) = is_ready(&state).await;
    let body = json!({
        "status": if db && storage { "ready" } else { "unavailable" },
        "database": if db { "ok" } else { "unavailable" },
        "storage": if storage { "ok" } else { "unavailable" },
        "licence": state.licence.status().as_str(),
        "read_only": state.licence.read_only(),
    });
    let status = if db && storage {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

async fn metrics(State(state): State<Shared>) -> Response {
    let (db, storage) = is_ready(&state).await;
    let by_status = state.db.count_by_status().await.unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        state.metrics.render(&by_status, db && storage),
    )
        .into_response()
}

/// The result document stored with a decided verification.
pub(crate) fn result_json(outcome: &pipeline::Outcome, decided_at_ms: i64) -> String {
    let mut v = serde_json::to_value(outcome).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        o.insert("decided_at".into(), json!(rfc3339(decided_at_ms)));
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }

    #[test]
    fn ids_are_checked_before_any_lookup() {
        assert!(valid_id(&new_id()).is_ok());
        assert!(valid_id("vrf_../../etc").is_err());
        assert!(valid_id("vrf_0123456789abcdef0123456789ABCDEF").is_err());
    }
}
