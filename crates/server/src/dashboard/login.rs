//! Sign-in (password, then TOTP; the first sign-in enrols the second factor) and sign-out.

use argon2::{PasswordHash, PasswordVerifier};
use axum::Extension;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::html::{bare, esc, headers};
use super::{Ctx, Fail, Session, clear_cookie, redirect, set_cookie};
use crate::{AppState, Shared};

/// A valid Argon2id hash of nothing anyone knows: an unknown username costs the same time as a
/// wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$6cTVDsRlgzjA0ENtRJQHr9dB3u6hovtTcoB6SWhxIt4";

fn login_page(status: StatusCode, error: Option<&str>) -> Response {
    let err = error.map_or_else(String::new, |e| {
        format!(
            "<p class=\"error\" data-code=\"login_failed\">{}</p>",
            esc(e)
        )
    });
    let body = format!(
        "<h1>Sign in</h1>{err}<form method=\"post\" action=\"/dashboard/login\" class=\"stack\"><label>Username <input name=\"username\" autocomplete=\"username\" required maxlength=\"64\"></label><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required maxlength=\"256\"></label><button type=\"submit\">Continue</button></form>"
    );
    (status, headers(), bare("Sign in", &body)).into_response()
}

pub(super) async fn form() -> Response {
    login_page(StatusCode::OK, None)
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: super::Password,
}

fn client_ip(state: &AppState, headers: &HeaderMap, req_ip: Option<std::net::IpAddr>) -> String {
    if state.config.server.trust_forwarded_for
        && let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return ip.trim().to_owned();
    }
    req_ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

fn valid_username(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 64
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'))
}

async fn failure(state: &AppState, username: &str, why: &str) -> Result<Option<i64>, Fail> {
    let c = &state.config.dashboard;
    let (_, locked) = state
        .db
        .record_login_failure(
            username,
            state.now_ms(),
            c.max_failed_logins,
            c.lockout_secs.saturating_mul(1000),
        )
        .await?;
    state
        .audit(
            "anonymous",
            "dashboard.login_failed",
            username,
            json!({"reason": why}),
        )
        .await?;
    if let Some(until) = locked {
        state
            .audit(
                "system",
                "dashboard.lockout",
                username,
                json!({"until": crate::api::rfc3339(until)}),
            )
            .await?;
        state.db.delete_user_sessions(username).await?;
        tracing::warn!(user = %username, "dashboard account locked after failed sign-ins");
    }
    Ok(locked)
}

pub(super) async fn password(
    State(state): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    addr: Option<Extension<crate::tls::ClientAddr>>,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Result<Response, Fail> {
    let now = state.now_ms();
    let ip = client_ip(&state, &headers, addr.map(|a| a.0.0.ip()));
    let limited = state.dashboard.login_ip.check(&ip, now).is_err()
        || state
            .dashboard
            .login_user
            .check(&f.username.to_ascii_lowercase(), now)
            .is_err();
    if limited {
        state.metrics.event("rate_limited_dashboard_login");
        return Ok(login_page(
            StatusCode::TOO_MANY_REQUESTS,
            Some("Too many attempts; wait a minute."),
        ));
    }
    let wrong = "Wrong username or password.";
    let user = if valid_username(&f.username) {
        state.db.user_record(&f.username).await?
    } else {
        None
    };
    let Some(user) = user else {
        // Same work and same answer as a wrong password.
        let _ = verify_password(&f.password, DUMMY_HASH);
        state
            .audit(
                "anonymous",
                "dashboard.login_failed",
                "-",
                json!({"reason": "unknown_user"}),
            )
            .await?;
        return Ok(login_page(StatusCode::UNAUTHORIZED, Some(wrong)));
    };
    if user.locked_until_ms.is_some_and(|t| t > now) {
        state
            .audit(
                "anonymous",
                "dashboard.login_failed",
                &user.username,
                json!({"reason": "locked"}),
            )
            .await?;
        return Ok(login_page(
            StatusCode::UNAUTHORIZED,
            Some("This account is locked for a while after failed sign-ins."),
        ));
    }
    let ok = verify_password(&f.password, &user.password_hash);
    if !ok || user.disabled_at_ms.is_some() {
        let why = if ok { "disabled" } else { "password" };
        let locked = failure(&state, &user.username, why).await?;
        let msg = if locked.is_some() {
            "This account is locked for a while after failed sign-ins."
        } else {
            wrong
        };
        return Ok(login_page(StatusCode::UNAUTHORIZED, Some(msg)));
    }
    let token = auth::session::SessionToken::generate(&mut crate::rng());
    let _ = state
        .db
        .purge_sessions(
            now.saturating_sub(
                state
                    .config
                    .dashboard
                    .idle_timeout_secs
                    .saturating_mul(1000),
            ),
            now.saturating_sub(
                state
                    .config
                    .dashboard
                    .absolute_timeout_secs
                    .saturating_mul(1000),
            ),
        )
        .await;
    state
        .db
        .create_session(&token.hash(), &user.username, "password", now)
        .await?;
    let mut res = redirect("/dashboard/login/totp");
    res.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(ctx.https, token.expose_secret()),
    );
    Ok(res)
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

fn subject(username: &str) -> String {
    format!("user:{username}")
}

/// The user's TOTP secret, decrypted; starting enrolment (a new secret, sealed) if there is none.
async fn secret_of(
    state: &AppState,
    username: &str,
) -> Result<(auth::totp::TotpSecret, bool), Fail> {
    let mut user = state
        .db
        .user_record(username)
        .await?
        .ok_or_else(Fail::not_found)?;
    if user.totp_sealed.is_none() {
        let secret = auth::totp::TotpSecret::generate(&mut crate::rng());
        let dk = envelope::DataKey::generate(&mut crate::rng());
        let wrapped =
            state
                .secrets
                .keyring
                .current()
                .wrap(&dk, &subject(username), &mut crate::rng());
        let sealed = dk.seal(
            &subject(username),
            "totp",
            secret.expose_secret(),
            &mut crate::rng(),
        );
        state
            .db
            .start_totp_enrolment(username, wrapped.as_bytes(), &sealed)
            .await?;
        user = state
            .db
            .user_record(username)
            .await?
            .ok_or_else(Fail::not_found)?;
    }
    let (Some(w), Some(s)) = (user.totp_wrapped_key, user.totp_sealed) else {
        return Err(Fail::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "totp_missing",
            "the second factor could not be read",
        ));
    };
    let dk = state
        .secrets
        .keyring
        .unwrap(&envelope::WrappedKey::from_bytes(w), &subject(username))
        .map_err(|e| crate::error::ApiError::internal(e.code()))?;
    let plain = dk
        .open(&subject(username), "totp", &s)
        .map_err(|e| crate::error::ApiError::internal(e.code()))?;
    Ok((
        auth::totp::TotpSecret::from_bytes(&plain),
        user.totp_enrolled_at_ms.is_some(),
    ))
}

async fn totp_page(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, Fail> {
    let (secret, enrolled) = secret_of(state, &session.username).await?;
    let err = error.map_or_else(String::new, |e| {
        format!(
            "<p class=\"error\" data-code=\"totp_failed\">{}</p>",
            esc(e)
        )
    });
    let enrol = if enrolled {
        String::new()
    } else {
        let uri = secret.otpauth_uri("idverify", &session.username);
        let b32 = secret.to_base32();
        format!(
            "<div class=\"enrol\"><p>Set up your second factor: add this account to an authenticator app (TOTP, SHA-1, 6 digits, 30 s), then enter the code it shows.</p><p>Secret: <code id=\"totp-secret\">{}</code></p><p>URI: <code id=\"totp-uri\" class=\"wrap\">{}</code></p></div>",
            esc(&b32),
            esc(&uri)
        )
    };
    let body = format!(
        "<h1>Second factor</h1>{err}{enrol}<form method=\"post\" action=\"/dashboard/login/totp\" class=\"stack\">{csrf}<label>Code <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9]{{6}}\" maxlength=\"6\" required autofocus></label><button type=\"submit\">Sign in</button></form><form method=\"post\" action=\"/dashboard/logout\">{csrf}<button type=\"submit\" class=\"link\">Cancel</button></form>",
        csrf = super::html::csrf_field(session),
    );
    Ok((status, headers(), bare("Second factor", &body)).into_response())
}

pub(super) async fn totp_form(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
) -> Result<Response, Fail> {
    totp_page(&state, &session, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn totp(
    State(state): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Extension(session): Extension<Session>,
    Form(f): Form<CodeForm>,
) -> Result<Response, Fail> {
    let now = state.now_ms();
    let (secret, enrolled) = secret_of(&state, &session.username).await?;
    let user = state
        .db
        .user_record(&session.username)
        .await?
        .ok_or_else(Fail::not_found)?;
    let unix = u64::try_from(now.div_euclid(1000)).unwrap_or(0);
    let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
    let checked = auth::totp::verify(&secret, &f.code, unix, last);
    let step = match checked {
        Ok(step) => i64::try_from(step).unwrap_or(i64::MAX),
        Err(e) => {
            let locked = failure(&state, &session.username, e.code()).await?;
            if locked.is_some() {
                let mut res = login_page(
                    StatusCode::UNAUTHORIZED,
                    Some("This account is locked for a while after failed sign-ins."),
                );
                res.headers_mut()
                    .insert(header::SET_COOKIE, clear_cookie(ctx.https));
                return Ok(res);
            }
            let msg = match e {
                auth::totp::TotpError::Replayed => {
                    "That code was already used; wait for the next one."
                }
                _ => "Wrong code.",
            };
            return totp_page(&state, &session, StatusCode::UNAUTHORIZED, Some(msg)).await;
        }
    };
    // The step is taken atomically: two requests with the same code cannot both pass.
    if !state.db.use_totp_step(&session.username, step).await? {
        failure(&state, &session.username, "totp_replayed").await?;
        return totp_page(
            &state,
            &session,
            StatusCode::UNAUTHORIZED,
            Some("That code was already used; wait for the next one."),
        )
        .await;
    }
    if !enrolled {
        state.db.confirm_totp(&session.username, now).await?;
        state
            .audit(
                &session.actor(),
                "dashboard.totp_enrol",
                &session.username,
                json!({}),
            )
            .await?;
    }
    state.db.clear_login_failures(&session.username).await?;
    // A new token for the complete session: whatever saw the pending one has nothing.
    super::end_session(&state, &session).await?;
    let token = auth::session::SessionToken::generate(&mut crate::rng());
    state
        .db
        .create_session(&token.hash(), &session.username, "full", now)
        .await?;
    state
        .audit(
            &session.actor(),
            "dashboard.login",
            &session.username,
            json!({"role": session.role.as_str()}),
        )
        .await?;
    tracing::info!(user = %session.username, "dashboard sign-in");
    let mut res = redirect("/dashboard/queue");
    res.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(ctx.https, token.expose_secret()),
    );
    Ok(res)
}

pub(super) async fn logout(
    State(state): State<Shared>,
    Extension(ctx): Extension<Ctx>,
    Extension(session): Extension<Session>,
) -> Result<Response, Fail> {
    super::end_session(&state, &session).await?;
    state
        .audit(
            &session.actor(),
            "dashboard.logout",
            &session.username,
            json!({}),
        )
        .await?;
    let mut res = redirect("/dashboard/login");
    res.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(ctx.https));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_parses_and_matches_nothing_typed() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
        assert!(!verify_password("admin", DUMMY_HASH));
        assert!(!valid_username("a b"));
        assert!(valid_username("anna.smith@bank"));
    }
}
