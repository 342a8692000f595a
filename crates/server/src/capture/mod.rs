//! The capture page and the JS SDK, served by idverify itself (`/capture/…`): no CDN, nothing
//! fetched from elsewhere, a strict Content-Security-Policy (scripts, styles and connections to
//! this origin only; the camera for this origin only).
//!
//! The page is opened by a link carrying the SDK token and the verification id in the URL
//! *fragment* (`/capture/#id=vrf_…&token=…&lang=fr`), which browsers never send to a server, so
//! the token reaches no access log; the page removes it from the address bar at once. It walks
//! the person through camera permission, the document's front and back (framing hints), the
//! selfie, and the liveness step (the colour sequence full-screen, then each challenge with its
//! prompt and progress), uploads with retries, and submits. English, French and Arabic
//! (right-to-left). `idverify-sdk.js` is the same client as an ES module for integrators who
//! host their own page.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::Shared;

const INDEX: &str = include_str!("assets/index.html");
const APP: &str = include_str!("assets/app.js");
const SDK: &str = include_str!("assets/idverify-sdk.js");
const I18N: &str = include_str!("assets/i18n.js");
const STYLE: &str = include_str!("assets/style.css");

/// The page's policy: only this origin, no inline code, no framing, the camera only here.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (
                header::HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("camera=(self), microphone=(), geolocation=()"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The routes under `/capture/`.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/capture",
            get(|| async {
                (
                    axum::http::StatusCode::PERMANENT_REDIRECT,
                    [(header::LOCATION, HeaderValue::from_static("/capture/"))],
                )
            }),
        )
        .route(
            "/capture/",
            get(|| async { asset(INDEX, "text/html; charset=utf-8") }),
        )
        .route(
            "/capture/app.js",
            get(|| async { asset(APP, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/capture/idverify-sdk.js",
            get(|| async { asset(SDK, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/capture/i18n.js",
            get(|| async { asset(I18N, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/capture/style.css",
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_load_nothing_from_elsewhere() {
        for (name, text) in [
            ("index.html", INDEX),
            ("app.js", APP),
            ("idverify-sdk.js", SDK),
            ("i18n.js", I18N),
            ("style.css", STYLE),
        ] {
            assert!(!text.contains("http://"), "{name}");
            assert!(!text.contains("https://"), "{name}");
            assert!(!text.contains("<script>"), "{name}: inline script");
            assert!(!text.contains(" style=\""), "{name}: inline style");
        }
    }

    #[test]
    fn every_message_is_translated() {
        // Keys of the English table appear in the French and Arabic ones.
        let table = |lang: &str| -> Vec<String> {
            let start = I18N.find(&format!("{lang}: {{")).unwrap_or(0);
            let end = I18N[start..]
                .find("\n  },")
                .map_or(I18N.len(), |e| start + e);
            I18N[start..end]
                .lines()
                .skip(1)
                .filter_map(|l| l.trim().split_once(':').map(|(k, _)| k.trim().to_owned()))
                .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .collect()
        };
        let en = table("en");
        assert!(en.len() > 30, "{en:?}");
        for lang in ["fr", "ar"] {
            let other = table(lang);
            for k in &en {
                assert!(other.contains(k), "{lang} lacks {k}");
            }
        }
    }
}
