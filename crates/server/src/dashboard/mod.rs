//! The dashboard at `/dashboard/…`: server-rendered HTML with a little vanilla JavaScript, every
//! asset compiled into the binary, under a strict Content-Security-Policy.
//!
//! - **Sign-in**: username and password (Argon2id), then a TOTP code (RFC 6238, `auth::totp`);
//!   the first sign-in enrols the second factor (the secret is shown as text and as an
//!   `otpauth://` URI, and stored sealed under the master key). Failed attempts are rate-limited
//!   per address and per user and lock the account after `max_failed_logins`; every attempt is
//!   audited.
//! - **Sessions**: a random 256-bit token in a `Secure; HttpOnly; SameSite=Strict` cookie
//!   (`__Host-` prefixed over HTTPS), only its SHA-256 in the database; idle and absolute
//!   timeouts; the token is replaced when the second factor passes.
//! - **Every route** is in one table, [`ROUTES`] (method, path, [`Access`]); every role has one
//!   list of permissions, [`Role::permissions`]. The `gate` middleware enforces both on every
//!   request, and refuses a route missing from the table. Every state-changing request must
//!   come from our own origin (`Origin`) and carry the session's CSRF token (a synchronizer
//!   token bound to the session, checked in constant time), and passes [`guard_write`].
//! - Pages: the review queue, a case with all its evidence and the review workflow
//!   ([`review`]), users, API keys, the audit log with its chain verified, the policy, charts.

pub mod charts;
pub mod html;
mod login;
mod pages;
pub mod review;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::{AppState, Shared};

pub use html::layout;

/// `[dashboard]`: sessions, claims and sign-in limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardConfig {
    /// A session unused this long ends.
    pub idle_timeout_secs: i64,
    /// A session ends this long after sign-in, used or not.
    pub absolute_timeout_secs: i64,
    /// A reviewer's claim on a case frees itself after this long.
    pub claim_ttl_secs: i64,
    /// Failed sign-ins (password or code) that lock an account.
    pub max_failed_logins: i64,
    /// How long a locked account stays locked.
    pub lockout_secs: i64,
    /// Password attempts per minute, per client address and per username.
    pub login_per_minute: u32,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            idle_timeout_secs: 15 * 60,
            absolute_timeout_secs: 8 * 3600,
            claim_ttl_secs: 30 * 60,
            max_failed_logins: 5,
            lockout_secs: 15 * 60,
            login_per_minute: 10,
        }
    }
}

/// A password typed into a form: zeroized on drop, never printed.
#[derive(Deserialize, Default, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
#[serde(transparent)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl std::ops::Deref for Password {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// The dashboard's in-memory state: sign-in rate limits.
#[derive(Debug)]
pub struct DashboardState {
    login_ip: crate::ratelimit::Limiter,
    login_user: crate::ratelimit::Limiter,
}

impl DashboardState {
    /// From the configuration.
    #[must_use]
    pub fn new(config: &DashboardConfig) -> DashboardState {
        DashboardState {
            login_ip: crate::ratelimit::Limiter::new(config.login_per_minute.saturating_mul(3)),
            login_user: crate::ratelimit::Limiter::new(config.login_per_minute),
        }
    }
}

/// A dashboard role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Everything, including users, API keys and confirming overrides.
    Admin,
    /// Works the review queue; asks for overrides.
    Reviewer,
    /// Reads cases, evidence and the audit log; changes nothing.
    Auditor,
    /// Reads the queue, the policy and the charts; no evidence.
    ReadOnly,
}

/// What a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// The queue and case pages (without evidence images).
    CasesRead,
    /// Decrypted evidence (document images, chip photo, selfie).
    EvidenceRead,
    /// Claim, release, approve or decline a case in review.
    CasesDecide,
    /// Ask for the override of an automatic decline (first pair of eyes).
    OverrideRequest,
    /// Confirm someone else's override request (second pair of eyes).
    OverrideConfirm,
    /// Create users, reset passwords, disable users.
    UsersManage,
    /// Create, list and revoke API keys.
    ApiKeysManage,
    /// The audit log and its verification.
    AuditRead,
    /// The policy in force.
    PolicyRead,
    /// The charts.
    StatsRead,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Reviewer, Role::Auditor, Role::ReadOnly];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Auditor => "auditor",
            Role::ReadOnly => "read-only",
        }
    }

    /// From the stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The permission matrix: one list per role, and nothing else grants anything.
    #[must_use]
    pub fn permissions(self) -> &'static [Perm] {
        use Perm::*;
        match self {
            Role::Admin => &[
                CasesRead,
                EvidenceRead,
                CasesDecide,
                OverrideRequest,
                OverrideConfirm,
                UsersManage,
                ApiKeysManage,
                AuditRead,
                PolicyRead,
                StatsRead,
            ],
            Role::Reviewer => &[
                CasesRead,
                EvidenceRead,
                CasesDecide,
                OverrideRequest,
                PolicyRead,
                StatsRead,
            ],
            Role::Auditor => &[CasesRead, EvidenceRead, AuditRead, PolicyRead, StatsRead],
            Role::ReadOnly => &[CasesRead, PolicyRead, StatsRead],
        }
    }

    /// Whether the role has `p`.
    #[must_use]
    pub fn can(self, p: Perm) -> bool {
        self.permissions().contains(&p)
    }
}

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in page, static assets).
    Public,
    /// A session that passed the password and owes the second factor.
    Pending,
    /// Any session, complete or not (sign-out).
    AnySession,
    /// A complete session whose role has the permission.
    Perm(Perm),
}

/// One route of the dashboard.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path as routed.
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

const fn r(method: &'static str, path: &'static str, access: Access) -> Route {
    Route {
        method,
        path,
        access,
    }
}

/// Every route of the dashboard and who may use it: the gate looks each request up here, and
/// refuses what is not here.
pub const ROUTES: &[Route] = &[
    r("GET", "/dashboard/static/app.css", Access::Public),
    r("GET", "/dashboard/static/app.js", Access::Public),
    r("GET", "/dashboard/login", Access::Public),
    r("POST", "/dashboard/login", Access::Public),
    r("GET", "/dashboard/login/totp", Access::Pending),
    r("POST", "/dashboard/login/totp", Access::Pending),
    r("POST", "/dashboard/logout", Access::AnySession),
    r("GET", "/dashboard", Access::Perm(Perm::CasesRead)),
    r("GET", "/dashboard/queue", Access::Perm(Perm::CasesRead)),
    r(
        "GET",
        "/dashboard/cases/{id}",
        Access::Perm(Perm::CasesRead),
    ),
    r(
        "GET",
        "/dashboard/cases/{id}/evidence/{*name}",
        Access::Perm(Perm::EvidenceRead),
    ),
    r(
        "POST",
        "/dashboard/cases/{id}/claim",
        Access::Perm(Perm::CasesDecide),
    ),
    r(
        "POST",
        "/dashboard/cases/{id}/release",
        Access::Perm(Perm::CasesDecide),
    ),
    r(
        "POST",
        "/dashboard/cases/{id}/decide",
        Access::Perm(Perm::CasesDecide),
    ),
    r(
        "POST",
        "/dashboard/cases/{id}/override",
        Access::Perm(Perm::OverrideRequest),
    ),
    r(
        "POST",
        "/dashboard/cases/{id}/override/confirm",
        Access::Perm(Perm::OverrideConfirm),
    ),
    r("GET", "/dashboard/users", Access::Perm(Perm::UsersManage)),
    r("POST", "/dashboard/users", Access::Perm(Perm::UsersManage)),
    r(
        "POST",
        "/dashboard/users/{name}/password",
        Access::Perm(Perm::UsersManage),
    ),
    r(
        "POST",
        "/dashboard/users/{name}/disable",
        Access::Perm(Perm::UsersManage),
    ),
    r(
        "GET",
        "/dashboard/api-keys",
        Access::Perm(Perm::ApiKeysManage),
    ),
    r(
        "POST",
        "/dashboard/api-keys",
        Access::Perm(Perm::ApiKeysManage),
    ),
    r(
        "POST",
        "/dashboard/api-keys/{prefix}/revoke",
        Access::Perm(Perm::ApiKeysManage),
    ),
    r("GET", "/dashboard/audit", Access::Perm(Perm::AuditRead)),
    r("GET", "/dashboard/policy", Access::Perm(Perm::PolicyRead)),
    r("GET", "/dashboard/stats", Access::Perm(Perm::StatsRead)),
];

fn rule_for(method: &Method, path: &str) -> Option<&'static Route> {
    let m = if *method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ROUTES.iter().find(|r| r.method == m && r.path == path)
}

/// The dashboard's routes (each behind the [`gate`]), to merge into the server's router.
pub(crate) fn routes(state: Shared, https: bool) -> Router<Shared> {
    Router::new()
        .route("/dashboard/static/app.css", get(html::css))
        .route("/dashboard/static/app.js", get(html::js))
        .route("/dashboard/login", get(login::form).post(login::password))
        .route(
            "/dashboard/login/totp",
            get(login::totp_form).post(login::totp),
        )
        .route("/dashboard/logout", post(login::logout))
        .route("/dashboard", get(pages::home))
        .route("/dashboard/queue", get(pages::queue))
        .route("/dashboard/cases/{id}", get(pages::case))
        .route(
            "/dashboard/cases/{id}/evidence/{*name}",
            get(pages::evidence),
        )
        .route("/dashboard/cases/{id}/claim", post(review::claim_route))
        .route("/dashboard/cases/{id}/release", post(review::release_route))
        .route("/dashboard/cases/{id}/decide", post(review::decide_route))
        .route(
            "/dashboard/cases/{id}/override",
            post(review::override_route),
        )
        .route(
            "/dashboard/cases/{id}/override/confirm",
            post(review::confirm_route),
        )
        .route(
            "/dashboard/users",
            get(pages::users).post(pages::create_user),
        )
        .route(
            "/dashboard/users/{name}/password",
            post(pages::reset_password),
        )
        .route("/dashboard/users/{name}/disable", post(pages::disable_user))
        .route(
            "/dashboard/api-keys",
            get(pages::api_keys).post(pages::create_api_key),
        )
        .route(
            "/dashboard/api-keys/{prefix}/revoke",
            post(pages::revoke_api_key),
        )
        .route("/dashboard/audit", get(pages::audit))
        .route("/dashboard/policy", get(pages::policy))
        .route("/dashboard/stats", get(charts::stats))
        .route_layer(middleware::from_fn_with_state(Gate { state, https }, gate))
}

#[derive(Clone)]
struct Gate {
    state: Shared,
    https: bool,
}

/// Per-request facts the handlers need.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// Whether the server terminates TLS itself (cookie name and path).
    pub https: bool,
}

/// A signed-in user, as the gate found them.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub username: String,
    /// Their role (read from the users table on every request).
    pub role: Role,
    /// Whether the second factor passed.
    pub complete: bool,
    /// This session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// The stored hash of the token.
    id_hash: String,
}

impl Session {
    /// `user:<name>`, the audit actor.
    #[must_use]
    pub fn actor(&self) -> String {
        format!("user:{}", self.username)
    }

    /// Whether the role has `p`.
    #[must_use]
    pub fn can(&self, p: Perm) -> bool {
        self.complete && self.role.can(p)
    }
}

/// A refused or failed dashboard request: an HTML page with a status and a stable code.
#[derive(Debug, Clone)]
pub struct Fail {
    /// The status.
    pub status: StatusCode,
    /// Stable snake_case code.
    pub code: &'static str,
    /// A sentence for the user.
    pub message: String,
}

impl Fail {
    /// A failure.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Fail {
        Fail {
            status,
            code,
            message: message.into(),
        }
    }

    fn forbidden(code: &'static str, message: &str) -> Fail {
        Fail::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 400 for a form field.
    pub fn bad(code: &'static str, message: impl Into<String>) -> Fail {
        Fail::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 409.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Fail {
        Fail::new(StatusCode::CONFLICT, code, message)
    }

    /// 404.
    #[must_use]
    pub fn not_found() -> Fail {
        Fail::new(StatusCode::NOT_FOUND, "not_found", "no such page")
    }
}

impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Fail {
        Fail::new(e.status, e.code, e.message)
    }
}

impl From<store::DbError> for Fail {
    fn from(e: store::DbError) -> Fail {
        ApiError::from(e).into()
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        let body = format!(
            "<p class=\"error\" data-code=\"{}\">{}</p><p><a href=\"/dashboard/queue\">Back to the queue</a></p>",
            self.code,
            html::esc(&self.message)
        );
        let page = html::bare("Error", &body);
        (self.status, html::headers(), page).into_response()
    }
}

/// The one gate of every dashboard write, after the permission and CSRF checks: the place where
/// a server-wide read-only state (an expired licence) refuses changes.
///
/// # Errors
/// A [`Fail`] that refuses the write.
pub fn guard_write(state: &AppState, session: &Session) -> Result<(), Fail> {
    let _ = session;
    if state.licence.read_only() {
        return Err(Fail::new(
            StatusCode::FORBIDDEN,
            "licence_expired",
            "The licence has expired: the dashboard is read-only until the renewed licence is installed. Nothing has been lost.",
        ));
    }
    Ok(())
}

/// The session cookie's name and path: `__Host-` (which demands `Path=/`) when we terminate
/// TLS, else a `/dashboard`-scoped cookie (behind a TLS proxy the browser still sees HTTPS, so it
/// is `Secure` too).
fn cookie_name(https: bool) -> (&'static str, &'static str) {
    if https {
        ("__Host-idv_session", "/")
    } else {
        ("idv_session", "/dashboard")
    }
}

pub(crate) fn set_cookie(https: bool, token: &str) -> HeaderValue {
    let (name, path) = cookie_name(https);
    HeaderValue::from_str(&format!(
        "{name}={token}; Path={path}; Secure; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(crate) fn clear_cookie(https: bool) -> HeaderValue {
    let (name, path) = cookie_name(https);
    HeaderValue::from_str(&format!(
        "{name}=; Path={path}; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn session_cookie(headers: &HeaderMap, https: bool) -> Option<auth::session::SessionToken> {
    let (name, _) = cookie_name(https);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| auth::session::SessionToken::parse(v))
}

/// The pending (password passed, code owed) stage lasts at most this long.
const PENDING_MS: i64 = 5 * 60 * 1000;

/// The session the request's cookie names, if it is alive; an expired one is deleted.
async fn load_session(
    state: &AppState,
    headers: &HeaderMap,
    https: bool,
) -> Result<Option<(Session, auth::session::SessionToken)>, Fail> {
    let Some(token) = session_cookie(headers, https) else {
        return Ok(None);
    };
    let hash = token.hash();
    let Some(row) = state.db.session(&hash).await? else {
        return Ok(None);
    };
    let now = state.now_ms();
    let c = &state.config.dashboard;
    let complete = row.stage == "full";
    let expired = if complete {
        now.saturating_sub(row.last_seen_ms) > c.idle_timeout_secs.saturating_mul(1000)
            || now.saturating_sub(row.created_at_ms) > c.absolute_timeout_secs.saturating_mul(1000)
    } else {
        now.saturating_sub(row.created_at_ms) > PENDING_MS
    };
    let user = state.db.user_record(&row.username).await?;
    let role = user
        .as_ref()
        .filter(|u| u.disabled_at_ms.is_none())
        .and_then(|u| Role::parse(&u.role));
    let Some(role) = role.filter(|_| !expired) else {
        state.db.delete_session(&hash).await?;
        return Ok(None);
    };
    if complete && now.saturating_sub(row.last_seen_ms) > 15_000 {
        state.db.touch_session(&hash, now).await?;
    }
    Ok(Some((
        Session {
            username: row.username,
            role,
            complete,
            csrf: token.csrf(),
            id_hash: hash,
        },
        token,
    )))
}

/// Whether a state-changing request comes from our own pages: its `Origin` is this server (the
/// `Host` it was sent to, or the configured public URL); without `Origin` (or with `null`),
/// `Sec-Fetch-Site` must say same-origin.
fn same_origin(state: &AppState, headers: &HeaderMap, uri: &axum::http::Uri, https: bool) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(axum::http::uri::Authority::as_str));
    // Under `Referrer-Policy: no-referrer` (the server's) browsers send `Origin: null` with a
    // form; then the browser-set `Sec-Fetch-Site` decides.
    match headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| *o != "null")
    {
        Some(origin) => {
            let public = state.config.server.public_url.trim_end_matches('/');
            if origin == public {
                return true;
            }
            let rest = if https {
                origin.strip_prefix("https://")
            } else {
                origin
                    .strip_prefix("https://")
                    .or_else(|| origin.strip_prefix("http://"))
            };
            matches!((rest, host), (Some(r), Some(h)) if r.eq_ignore_ascii_case(h))
        }
        None => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "same-origin"),
    }
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// Largest dashboard form body.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// The gate in front of every dashboard route: the route must be in [`ROUTES`]; writes must
/// come from our origin; non-public routes need a live session of the right stage and a role
/// with the permission; writes need the session's CSRF token and pass [`guard_write`].
async fn gate(State(g): State<Gate>, mut req: Request, next: Next) -> Response {
    let state = &g.state;
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let Some(rule) = rule_for(req.method(), &path) else {
        return Fail::forbidden(
            "route_not_permitted",
            "this route is not in the permission table",
        )
        .into_response();
    };
    req.extensions_mut().insert(Ctx { https: g.https });
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if writes && !same_origin(state, req.headers(), req.uri(), g.https) {
        return Fail::forbidden(
            "origin_refused",
            "this request does not come from the dashboard",
        )
        .into_response();
    }
    if rule.access == Access::Public {
        return next.run(req).await;
    }
    let (session, token) = match load_session(state, req.headers(), g.https).await {
        Ok(Some(s)) => s,
        Ok(None) if writes => {
            return Fail::new(
                StatusCode::UNAUTHORIZED,
                "session_required",
                "sign in first",
            )
            .into_response();
        }
        Ok(None) => return redirect("/dashboard/login"),
        Err(f) => return f.into_response(),
    };
    let allowed = match rule.access {
        Access::Public | Access::AnySession => true,
        Access::Pending => !session.complete,
        Access::Perm(p) => session.can(p),
    };
    if !allowed {
        if !session.complete && !writes {
            return redirect("/dashboard/login/totp");
        }
        if session.complete && rule.access == Access::Pending && !writes {
            return redirect("/dashboard/queue");
        }
        return Fail::forbidden("permission_denied", "your role does not allow this")
            .into_response();
    }
    if writes {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return Fail::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the form is too large",
            )
            .into_response();
        };
        let header_token = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let presented = match header_token {
            Some(t) => t,
            None => {
                let probe = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
                axum::Form::<CsrfField>::from_request(probe, &())
                    .await
                    .map(|f| f.0.csrf)
                    .unwrap_or_default()
            }
        };
        if !token.csrf_matches(&presented) {
            return Fail::forbidden("csrf_invalid", "the form expired; reload the page")
                .into_response();
        }
        if let Access::Perm(_) = rule.access
            && let Err(f) = guard_write(state, &session)
        {
            return f.into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    req.extensions_mut().insert(session);
    next.run(req).await
}

/// 303 See Other to `to`.
pub(crate) fn redirect(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// Ends a session (sign-out and second-factor rotation).
pub(crate) async fn end_session(state: &AppState, session: &Session) -> Result<(), Fail> {
    state.db.delete_session(&session.id_hash).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_permission_is_held_by_some_role_and_admin_holds_all() {
        use Perm::*;
        for p in [
            CasesRead,
            EvidenceRead,
            CasesDecide,
            OverrideRequest,
            OverrideConfirm,
            UsersManage,
            ApiKeysManage,
            AuditRead,
            PolicyRead,
            StatsRead,
        ] {
            assert!(Role::Admin.can(p));
        }
        assert!(!Role::Reviewer.can(UsersManage));
        assert!(!Role::Reviewer.can(OverrideConfirm));
        assert!(!Role::Auditor.can(CasesDecide));
        assert!(!Role::ReadOnly.can(EvidenceRead));
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn routes_are_unique_and_under_the_dashboard() {
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(a.path.starts_with("/dashboard"));
            for b in ROUTES.iter().skip(i + 1) {
                assert!(!(a.method == b.method && a.path == b.path), "{}", a.path);
            }
        }
    }
}
