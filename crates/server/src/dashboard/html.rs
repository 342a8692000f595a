//! HTML by hand: escaping, the page chrome ([`layout`]), the embedded assets, small helpers.
//! Every value that came from outside (ids, references, usernames, notes, evidence) passes
//! through [`esc`].

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{Perm, Session};
use crate::AppState;

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

/// The dashboard's Content-Security-Policy: our own scripts, styles and images only; no inline
/// script or style, no frames, forms only to us.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Escapes text for HTML content and quoted attribute values.
#[must_use]
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query-string value.
#[must_use]
pub fn url_esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The headers of every dashboard page.
#[must_use]
pub fn headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h
}

/// The hidden CSRF field of a form.
#[must_use]
pub fn csrf_field(session: &Session) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&session.csrf)
    )
}

/// A page without navigation (sign-in, errors).
#[must_use]
pub fn bare(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · idverify</title><link rel=\"stylesheet\" href=\"/dashboard/static/app.css\"><script src=\"/dashboard/static/app.js\" defer></script></head><body><main class=\"narrow\">{body}</main></body></html>",
        esc(title)
    )
}

/// The page chrome of every signed-in page: navigation by permission, the user and sign-out,
/// then `body`. (The one place a server-wide banner goes.)
#[must_use]
pub fn layout(state: &AppState, session: &Session, title: &str, body: &str) -> Response {
    let banner = state.licence.banner().map_or_else(String::new, |b| {
        format!(
            "<div class=\"banner\" role=\"alert\" data-licence=\"{}\">{}</div>",
            state.licence.status().as_str(),
            esc(&b)
        )
    });
    let mut nav = String::new();
    for (perm, href, label) in [
        (Perm::CasesRead, "/dashboard/queue", "Queue"),
        (Perm::StatsRead, "/dashboard/stats", "Charts"),
        (Perm::AuditRead, "/dashboard/audit", "Audit log"),
        (Perm::PolicyRead, "/dashboard/policy", "Policy"),
        (Perm::UsersManage, "/dashboard/users", "Users"),
        (Perm::ApiKeysManage, "/dashboard/api-keys", "API keys"),
    ] {
        if session.can(perm) {
            nav.push_str(&format!("<a href=\"{href}\">{label}</a>"));
        }
    }
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t} · idverify</title><link rel=\"stylesheet\" href=\"/dashboard/static/app.css\"><script src=\"/dashboard/static/app.js\" defer></script></head><body><header><span class=\"brand\">idverify</span><nav>{nav}</nav><form method=\"post\" action=\"/dashboard/logout\" class=\"who\">{csrf}<span>{user} ({role})</span><button type=\"submit\">Sign out</button></form></header>{banner}<main><h1>{t}</h1>{body}</main></body></html>",
        t = esc(title),
        csrf = csrf_field(session),
        user = esc(&session.username),
        role = session.role.as_str(),
    );
    (headers(), page).into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    (h, body).into_response()
}

pub(super) async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

pub(super) async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

/// `YYYY-MM-DD HH:MM` UTC.
#[must_use]
pub fn when(ms: i64) -> String {
    let s = crate::api::rfc3339(ms);
    s.get(..16).map_or(s.clone(), |x| x.replacen('T', " ", 1))
}

/// `YYYY-MM-DD` UTC → Unix ms at its midnight.
#[must_use]
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let y: i32 = s.get(0..4)?.parse().ok()?;
    let m: u32 = s.get(5..7)?.parse().ok()?;
    let d: u32 = s.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i32::try_from((m + 9) % 12).ok()?;
    let doy = (153 * mp + 2) / 5 + i32::try_from(d).ok()? - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = i64::from(era) * 146_097 + i64::from(doe) - 719_468;
    Some(days * 86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_dates() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(url_esc("a b&c"), "a%20b%26c");
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-01-01"), Some(1_767_225_600_000));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("x"), None);
        assert_eq!(when(1_767_225_600_000), "2026-01-01 00:00");
    }
}
