//! The dashboard over real HTTPS: sign-in with password and TOTP, sessions and CSRF, the
//! permission matrix for every route and every role, and the review workflow on SQLite and
//! PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use common::{BACKENDS, Backend, Harness, MRZ, jpeg, start};
use reqwest::StatusCode;
use serde_json::Value;

const PASSWORD: &str = "correct horse battery staple";

/// A browser without a cookie jar or redirects: the test sees every Set-Cookie and Location.
struct Browser {
    client: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

fn client(h: &Harness) -> reqwest::Client {
    let cert = std::fs::read(h.dir.join("tls/cert.pem")).unwrap();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn base32_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {s}"),
        };
        buf = (buf << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buf >> bits) & 0xff).unwrap());
            buf &= (1 << bits) - 1;
        }
    }
    out
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = text.find(start)? + start.len();
    let j = text[i..].find(end)? + i;
    Some(&text[i..j])
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-idv_session=") && !v.contains("Max-Age=0"))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// Creates a dashboard user directly in the database.
async fn add_user(h: &Harness, name: &str, role: &str) {
    let hash = server::init::hash_password(PASSWORD).unwrap();
    h.state()
        .db
        .add_user(name, &hash, role, h.clock.now_ms())
        .await
        .unwrap();
}

use server::Clock;

impl Browser {
    fn new(h: &Harness) -> Browser {
        Browser {
            client: client(h),
            base: h.base.clone(),
            cookie: String::new(),
            csrf: String::new(),
        }
    }

    fn origin(&self) -> String {
        self.base.clone()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields, Some(&self.origin())).await
    }

    async fn post_raw(
        &self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> reqwest::Response {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlenc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut rb = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(o) = origin {
            rb = rb.header("origin", o);
        }
        rb.send().await.unwrap()
    }

    /// Password, then the TOTP code computed from the enrolment secret (or `secret`).
    async fn login(h: &Harness, user: &str, secret: &mut Option<Vec<u8>>) -> Browser {
        let mut b = Browser::new(h);
        let r = b
            .post_raw(
                "/dashboard/login",
                &[("username", user), ("password", PASSWORD)],
                Some(&h.base),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user}");
        b.cookie = session_cookie(&r).unwrap();
        let page = b.get("/dashboard/login/totp").await.text().await.unwrap();
        b.csrf = between(&page, "name=\"csrf\" value=\"", "\"")
            .unwrap()
            .to_owned();
        if secret.is_none() {
            let s = between(&page, "<code id=\"totp-secret\">", "</code>")
                .unwrap_or_else(|| panic!("no enrolment for {user}: {page}"));
            assert!(page.contains("otpauth://totp/idverify:"));
            *secret = Some(base32_decode(s));
        }
        let now = u64::try_from(h.clock.now_ms() / 1000).unwrap();
        let code = auth::totp::code_at(secret.as_ref().unwrap(), now, 6);
        let r = b.post("/dashboard/login/totp", &[("code", &code)]).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{user}: {}",
            r.text().await.unwrap()
        );
        let pending = b.cookie.clone();
        b.cookie = session_cookie(&r).unwrap();
        assert_ne!(
            pending, b.cookie,
            "the session token changes at the second factor"
        );
        let page = b.get("/dashboard/queue").await.text().await.unwrap();
        b.csrf = between(&page, "name=\"csrf\" value=\"", "\"")
            .unwrap()
            .to_owned();
        b
    }
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A case the default policy sends to review (a selfie alone proves nothing required).
async fn review_case(h: &Harness) -> String {
    let (id, token, _) = h.create().await;
    assert_eq!(
        h.put(&id, "selfie", &token, "image/jpeg", jpeg())
            .await
            .status(),
        201
    );
    h.submit(&id, &token).await;
    assert_eq!(h.wait_decided(&id).await["status"], "review");
    id
}

/// A case the engines decline (a wrong check digit).
async fn declined_case(h: &Harness) -> String {
    let (id, token, _) = h.create().await;
    let bad = MRZ.replace("L898902C36", "L898902C37");
    h.put(&id, "document/mrz", &token, "text/plain", bad.into())
        .await;
    h.submit(&id, &token).await;
    assert_eq!(h.wait_decided(&id).await["status"], "declined");
    id
}

fn code_of(page: &str) -> String {
    between(page, "data-code=\"", "\"").unwrap_or("").to_owned()
}

/// Every route × every role, unauthenticated and CSRF-less requests.
#[tokio::test]
async fn permission_matrix_for_every_route_and_role() {
    let h = start(Backend::Sqlite, "dash_matrix", |c| {
        c.dashboard.login_per_minute = 100
    })
    .await;
    for (u, r) in [
        ("ada", "admin"),
        ("rex", "reviewer"),
        ("aud", "auditor"),
        ("ro", "read-only"),
        ("victim", "reviewer"),
    ] {
        add_user(&h, u, r).await;
    }
    let review = review_case(&h).await;
    let declined = declined_case(&h).await;
    let key = auth::NewApiKey::generate(&mut rand_core::UnwrapErr(getrandom::SysRng));
    h.state()
        .db
        .add_api_key(&key.stored, "matrix", 0)
        .await
        .unwrap();

    // (method, path, roles allowed: a = admin, r = reviewer, u = auditor, o = read-only,
    // "*" = public, "-" = pending sessions only).
    let table: &[(&str, &str, &str)] = &[
        ("GET", "/dashboard/static/app.css", "*"),
        ("GET", "/dashboard/static/app.js", "*"),
        ("GET", "/dashboard/login", "*"),
        ("POST", "/dashboard/login", "*"),
        ("GET", "/dashboard/login/totp", "-"),
        ("POST", "/dashboard/login/totp", "-"),
        ("GET", "/dashboard", "aruo"),
        ("GET", "/dashboard/queue", "aruo"),
        ("GET", "/dashboard/cases/{id}", "aruo"),
        ("GET", "/dashboard/cases/{id}/evidence/{*name}", "aru"),
        ("POST", "/dashboard/cases/{id}/claim", "ar"),
        ("POST", "/dashboard/cases/{id}/release", "ar"),
        ("POST", "/dashboard/cases/{id}/decide", "ar"),
        ("POST", "/dashboard/cases/{id}/override", "ar"),
        ("POST", "/dashboard/cases/{id}/override/confirm", "a"),
        ("GET", "/dashboard/users", "a"),
        ("POST", "/dashboard/users", "a"),
        ("POST", "/dashboard/users/{name}/password", "a"),
        ("POST", "/dashboard/users/{name}/disable", "a"),
        ("GET", "/dashboard/api-keys", "a"),
        ("POST", "/dashboard/api-keys", "a"),
        ("POST", "/dashboard/api-keys/{prefix}/revoke", "a"),
        ("GET", "/dashboard/audit", "au"),
        ("GET", "/dashboard/policy", "aruo"),
        ("GET", "/dashboard/stats", "aruo"),
        ("POST", "/dashboard/logout", "aruo"),
    ];
    // The table covers the server's permission table exactly.
    for route in server::dashboard::ROUTES {
        assert!(
            table
                .iter()
                .any(|(m, p, _)| *m == route.method && *p == route.path),
            "{} {} is not in the test's matrix",
            route.method,
            route.path
        );
    }
    assert_eq!(table.len(), server::dashboard::ROUTES.len());

    let concrete = |path: &str| {
        let id = if path.contains("override") {
            &declined
        } else {
            &review
        };
        path.replace("{id}", id)
            .replace("{*name}", "selfie")
            .replace("{name}", "victim")
            .replace("{prefix}", &key.stored.prefix)
    };

    // Unauthenticated: pages send to sign-in, writes are 401.
    let anon = Browser::new(&h);
    for (method, path, allowed) in table {
        if *allowed == "*" {
            continue;
        }
        let url = concrete(path);
        let r = if *method == "GET" {
            anon.get(&url).await
        } else {
            anon.post(&url, &[]).await
        };
        if *method == "GET" {
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "anonymous GET {url}");
            assert_eq!(r.headers()["location"], "/dashboard/login");
        } else {
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "anonymous POST {url}");
        }
    }

    for (letter, user) in [('a', "ada"), ('r', "rex"), ('u', "aud"), ('o', "ro")] {
        let b = Browser::login(&h, user, &mut None).await;
        h.clock.advance(30_000);
        for (method, path, allowed) in table {
            if *path == "/dashboard/logout" {
                continue;
            }
            let url = concrete(path);
            let r = if *method == "GET" {
                b.get(&url).await
            } else {
                b.post(&url, &[]).await
            };
            let status = r.status();
            let text = r.text().await.unwrap();
            match *allowed {
                "*" => assert!(
                    status.is_success()
                        || status.is_redirection()
                        || status == 401
                        || status == 400,
                    "{user} {method} {url}: {status}"
                ),
                "-" if *method == "GET" => {
                    assert_eq!(status, StatusCode::SEE_OTHER, "{user} {method} {url}")
                }
                "-" => assert_eq!(status, StatusCode::FORBIDDEN, "{user} {method} {url}"),
                roles if roles.contains(letter) => assert!(
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                    "{user} may {method} {url}: got {status} {}",
                    code_of(&text)
                ),
                _ => {
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{user} may not {method} {url}"
                    );
                    assert_eq!(code_of(&text), "permission_denied", "{user} {method} {url}");
                }
            }
        }
        // The named cases of the issue.
        if letter == 'r' {
            let r = b.get("/dashboard/users").await;
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "a reviewer on an admin route"
            );
        }
        if letter == 'u' {
            let r = b
                .post(
                    &format!("/dashboard/cases/{review}/decide"),
                    &[
                        ("decision", "approved"),
                        ("reason", "review_evidence_verified"),
                        ("note", "x"),
                    ],
                )
                .await;
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "an auditor deciding a case"
            );
        }
        // Without the CSRF token, or from another origin, no write passes.
        let mut no_csrf = Browser::new(&h);
        no_csrf.cookie = b.cookie.clone();
        let r = no_csrf.post("/dashboard/logout", &[]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(code_of(&r.text().await.unwrap()), "csrf_invalid");
        let r = b
            .post_raw(
                "/dashboard/logout",
                &[("csrf", &b.csrf)],
                Some("https://evil.example"),
            )
            .await;
        assert_eq!(code_of(&r.text().await.unwrap()), "origin_refused");
        let r = b
            .post_raw("/dashboard/logout", &[("csrf", &b.csrf)], None)
            .await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "no Origin, no Sec-Fetch-Site"
        );
        // Sign-out ends the session.
        let r = b.post("/dashboard/logout", &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            b.get("/dashboard/queue").await.status(),
            StatusCode::SEE_OTHER
        );
    }
    h.shutdown().await;
}

/// Sign-in: cookie attributes, enrolment, replay of a code, lockout, idle and absolute timeouts.
#[tokio::test]
async fn sign_in_with_totp_sessions_and_lockout() {
    let h = start(Backend::Sqlite, "dash_login", |_| {}).await;
    add_user(&h, "rex", "reviewer").await;
    let mut secret = None;
    let b = Browser::login(&h, "rex", &mut secret).await;
    // The secret is stored sealed, never in clear.
    let u = h.state().db.user_record("rex").await.unwrap().unwrap();
    let sealed = u.totp_sealed.unwrap();
    assert!(
        !sealed
            .windows(secret.as_ref().unwrap().len())
            .any(|w| w == secret.as_ref().unwrap().as_slice())
    );
    // Pages carry the strict policy and no-store.
    let r = b.get("/dashboard/queue").await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    // The cookie: __Host-, Secure, HttpOnly, SameSite=Strict, Path=/.
    let mut fresh = Browser::new(&h);
    let r = fresh
        .post_raw(
            "/dashboard/login",
            &[("username", "rex"), ("password", PASSWORD)],
            Some(&h.base),
        )
        .await;
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in [
        "__Host-idv_session=",
        "Path=/",
        "Secure",
        "HttpOnly",
        "SameSite=Strict",
    ] {
        assert!(set.contains(part), "{set}");
    }
    // The same code again (same 30 s step) is a replay.
    fresh.cookie = session_cookie(&r).unwrap();
    let page = fresh
        .get("/dashboard/login/totp")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("totp-secret"),
        "enrolled users are not shown the secret again"
    );
    fresh.csrf = between(&page, "name=\"csrf\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let now = u64::try_from(h.clock.now_ms() / 1000).unwrap();
    let code = auth::totp::code_at(secret.as_ref().unwrap(), now, 6);
    let r = fresh
        .post("/dashboard/login/totp", &[("code", &code)])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("already used"));
    // A pending session cannot see pages.
    assert_eq!(
        fresh.get("/dashboard/queue").await.headers()["location"],
        "/dashboard/login/totp"
    );

    // Idle timeout: 15 minutes without a request.
    h.clock.advance(16 * 60_000);
    assert_eq!(
        b.get("/dashboard/queue").await.status(),
        StatusCode::SEE_OTHER
    );
    // Absolute timeout: 8 hours even when active.
    let b = Browser::login(&h, "rex", &mut secret).await;
    for _ in 0..40 {
        h.clock.advance(14 * 60_000);
        b.get("/dashboard/queue").await;
    }
    assert_eq!(
        b.get("/dashboard/queue").await.status(),
        StatusCode::SEE_OTHER
    );

    // Five wrong passwords lock the account; the right one then fails too; all audited.
    let w = Browser::new(&h);
    for _ in 0..5 {
        let r = w
            .post_raw(
                "/dashboard/login",
                &[("username", "rex"), ("password", "wrong password!")],
                Some(&h.base),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = w
        .post_raw(
            "/dashboard/login",
            &[("username", "rex"), ("password", PASSWORD)],
            Some(&h.base),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("locked"));
    let actions: Vec<String> = h
        .state()
        .db
        .audit_events()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    for a in [
        "dashboard.totp_enrol",
        "dashboard.login",
        "dashboard.login_failed",
        "dashboard.lockout",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited");
    }
    // After the lockout, sign-in works again.
    h.clock.advance(16 * 60_000);
    Browser::login(&h, "rex", &mut secret).await;
    // An unknown user gets the same answer as a wrong password.
    let r = w
        .post_raw(
            "/dashboard/login",
            &[("username", "nobody"), ("password", PASSWORD)],
            Some(&h.base),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Wrong username or password")
    );
    h.shutdown().await;
}

/// The review workflow, on both databases: claims, decisions with reasons, four-eyes override,
/// webhooks, audit events, evidence.
#[tokio::test]
async fn review_workflow_claims_decisions_and_four_eyes_override() {
    for backend in BACKENDS {
        let h = start(backend, "dash_review", |c| {
            c.webhooks.urls = vec!["http://127.0.0.1:9/hook".into()];
            c.dashboard.login_per_minute = 100;
        })
        .await;
        for (u, r) in [
            ("rex", "reviewer"),
            ("rita", "reviewer"),
            ("aud", "auditor"),
            ("ro", "read-only"),
            ("ada", "admin"),
            ("alan", "admin"),
        ] {
            add_user(&h, u, r).await;
        }
        let case = review_case(&h).await;
        let other = review_case(&h).await;
        let declined = declined_case(&h).await;
        let declined2 = declined_case(&h).await;
        let rex = Browser::login(&h, "rex", &mut None).await;
        let rita = Browser::login(&h, "rita", &mut None).await;
        let aud = Browser::login(&h, "aud", &mut None).await;
        let ro = Browser::login(&h, "ro", &mut None).await;
        let ada = Browser::login(&h, "ada", &mut None).await;
        let alan = Browser::login(&h, "alan", &mut None).await;

        // The queue shows both cases in review; a search by id opens the case.
        let page = rex.get("/dashboard/queue").await.text().await.unwrap();
        assert!(page.contains(&case) && page.contains(&other), "{backend:?}");
        assert!(!page.contains(&declined));
        assert!(page.contains("id=\"in-review\">2<"));
        let page = rex
            .get("/dashboard/queue?status=declined")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(&declined));
        let r = rex.get(&format!("/dashboard/queue?q={case}")).await;
        assert_eq!(
            r.headers()["location"],
            format!("/dashboard/cases/{case}").as_str()
        );
        let page = rex
            .get("/dashboard/queue?reference=case-42&from=2026-11-22&to=2026-11-23")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(&case));
        let page = rex
            .get("/dashboard/queue?from=2026-11-24")
            .await
            .text()
            .await
            .unwrap();
        assert!(!page.contains(&case));

        // rex claims; rita can neither claim nor decide; the auditor cannot decide.
        let decide = |d: &'static str, reason: &'static str, note: &'static str| {
            vec![("decision", d), ("reason", reason), ("note", note)]
        };
        assert_eq!(
            rex.post(&format!("/dashboard/cases/{case}/claim"), &[])
                .await
                .status(),
            303
        );
        let r = rita
            .post(&format!("/dashboard/cases/{case}/claim"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(code_of(&r.text().await.unwrap()), "case_claimed");
        let r = rita
            .post(
                &format!("/dashboard/cases/{case}/decide"),
                &decide("approved", "review_evidence_verified", "fine"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let r = aud
            .post(
                &format!("/dashboard/cases/{case}/decide"),
                &decide("approved", "review_evidence_verified", "fine"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // The reason and the note are mandatory.
        let r = rex
            .post(
                &format!("/dashboard/cases/{case}/decide"),
                &decide("declined", "review_document_suspect", " "),
            )
            .await;
        assert_eq!(code_of(&r.text().await.unwrap()), "note_required");
        let r = rex
            .post(
                &format!("/dashboard/cases/{case}/decide"),
                &decide("declined", "review_evidence_verified", "x"),
            )
            .await;
        assert_eq!(code_of(&r.text().await.unwrap()), "reason_invalid");
        // Evidence: decrypted for reviewers and auditors, never cached, not for read-only.
        let r = rex
            .get(&format!("/dashboard/cases/{case}/evidence/selfie"))
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        assert_eq!(r.bytes().await.unwrap().to_vec(), jpeg());
        assert_eq!(
            ro.get(&format!("/dashboard/cases/{case}/evidence/selfie"))
                .await
                .status(),
            403
        );
        let page = ro
            .get(&format!("/dashboard/cases/{case}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !page.contains("/evidence/selfie"),
            "no evidence links for read-only"
        );
        let page = rex
            .get(&format!("/dashboard/cases/{case}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("/evidence/selfie") && page.contains("decide-form"));
        // rex declines with a reason and a note.
        let r = rex
            .post(
                &format!("/dashboard/cases/{case}/decide"),
                &decide("declined", "review_document_suspect", "photo glued on"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{backend:?}");
        let v = h.get_result(&case).await;
        assert_eq!(v["status"], "declined");
        assert_eq!(
            v["result"]["decision"], "review",
            "the automatic decision stays on record"
        );
        assert_eq!(v["result"]["review"]["decision"], "declined");
        assert_eq!(
            v["result"]["review"]["reason_code"],
            "review_document_suspect"
        );
        // Deciding twice is refused.
        let r = rex
            .post(
                &format!("/dashboard/cases/{case}/decide"),
                &decide("approved", "review_evidence_verified", "x"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
        // A reviewer's decline is not an automatic one: no override.
        let r = rex
            .post(
                &format!("/dashboard/cases/{case}/override"),
                &[("reason", "override_false_decline"), ("note", "n")],
            )
            .await;
        assert_eq!(code_of(&r.text().await.unwrap()), "invalid_state");

        // A claim expires by itself.
        assert_eq!(
            rex.post(&format!("/dashboard/cases/{other}/claim"), &[])
                .await
                .status(),
            303
        );
        for _ in 0..3 {
            h.clock.advance(11 * 60_000);
            for b in [&rex, &rita, &aud, &ro, &ada, &alan] {
                b.get("/dashboard/queue").await; // keep the sessions alive
            }
        }
        assert_eq!(
            rita.post(&format!("/dashboard/cases/{other}/claim"), &[])
                .await
                .status(),
            303
        );
        let r = rex
            .post(
                &format!("/dashboard/cases/{other}/decide"),
                &decide("approved", "review_evidence_verified", "ok"),
            )
            .await;
        assert_eq!(code_of(&r.text().await.unwrap()), "case_claimed");
        let r = rita
            .post(
                &format!("/dashboard/cases/{other}/decide"),
                &decide("approved", "review_evidence_verified", "all good"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(h.get_result(&other).await["status"], "approved");

        // Four eyes: rex asks, rex cannot confirm (role), ada confirms.
        let r = rex
            .post(
                &format!("/dashboard/cases/{declined}/override"),
                &[
                    ("reason", "override_false_decline"),
                    ("note", "MRZ misread, checked by hand"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = rita
            .post(
                &format!("/dashboard/cases/{declined}/override"),
                &[("reason", "override_false_decline"), ("note", "again")],
            )
            .await;
        assert_eq!(code_of(&r.text().await.unwrap()), "override_pending");
        assert_eq!(
            rex.post(
                &format!("/dashboard/cases/{declined}/override/confirm"),
                &[]
            )
            .await
            .status(),
            403
        );
        assert_eq!(h.get_result(&declined).await["status"], "declined");
        let r = ada
            .post(
                &format!("/dashboard/cases/{declined}/override/confirm"),
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let v = h.get_result(&declined).await;
        assert_eq!(v["status"], "approved");
        assert_eq!(v["result"]["review"]["by"], "four_eyes_override");
        // An admin cannot be both pairs of eyes.
        let r = alan
            .post(
                &format!("/dashboard/cases/{declined2}/override"),
                &[
                    ("reason", "override_verified_out_of_band"),
                    ("note", "video call"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = alan
            .post(
                &format!("/dashboard/cases/{declined2}/override/confirm"),
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(code_of(&r.text().await.unwrap()), "four_eyes_required");
        assert_eq!(h.get_result(&declined2).await["status"], "declined");

        // Every final decision queued the webhook, like the engines' own decisions.
        for id in [&case, &other, &declined] {
            let d = h.state().db.deliveries(Some(id), 10).await.unwrap();
            let decided: Vec<Value> = d
                .iter()
                .filter(|d| d.event == "verification.decided")
                .map(|d| serde_json::from_str(&d.body).unwrap())
                .collect();
            assert_eq!(decided.len(), 2, "{backend:?} {id}: automatic + reviewed");
            assert!(
                decided
                    .iter()
                    .any(|b| b["data"]["review"]["reason_code"].is_string())
            );
        }
        // Every action is in the audit chain, which still verifies; the case page shows it.
        let events = h.state().db.audit_events().await.unwrap();
        audit::verify(&h.audit_key(), events.iter()).unwrap();
        let about: Vec<String> = h
            .state()
            .db
            .audit_events_about(&declined)
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {}", e.entry.actor, e.entry.action))
            .collect();
        assert!(
            about.contains(&"user:rex case.override_request".to_owned()),
            "{about:?}"
        );
        assert!(
            about.contains(&"user:ada case.override_confirm".to_owned()),
            "{about:?}"
        );
        let about: Vec<String> = h
            .state()
            .db
            .audit_events_about(&case)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.entry.action)
            .collect();
        for a in ["case.claim", "case.evidence_view", "case.decide"] {
            assert!(about.iter().any(|x| x == a), "{a}: {about:?}");
        }
        let page = ada
            .get(&format!("/dashboard/cases/{declined}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("case.override_confirm"));
        let page = aud.get("/dashboard/audit").await.text().await.unwrap();
        assert!(page.contains("data-code=\"audit_chain_ok\""), "{backend:?}");
        h.shutdown().await;
    }
}

/// Users, API keys, policy and charts, as an admin.
#[tokio::test]
async fn admin_manages_users_and_api_keys() {
    let h = start(Backend::Sqlite, "dash_admin", |c| {
        c.dashboard.login_per_minute = 100
    })
    .await;
    add_user(&h, "ada", "admin").await;
    review_case(&h).await;
    let ada = Browser::login(&h, "ada", &mut None).await;
    // A new user signs in with their own enrolment.
    let r = ada
        .post(
            "/dashboard/users",
            &[
                ("username", "newbie"),
                ("role", "auditor"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = ada
        .post(
            "/dashboard/users",
            &[
                ("username", "weak"),
                ("role", "auditor"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(code_of(&r.text().await.unwrap()), "password_weak");
    let r = ada
        .post(
            "/dashboard/users",
            &[("username", "x"), ("role", "root"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(code_of(&r.text().await.unwrap()), "role_invalid");
    let mut secret = None;
    let newbie = Browser::login(&h, "newbie", &mut secret).await;
    assert_eq!(newbie.get("/dashboard/audit").await.status(), 200);
    // Disabling ends their sessions.
    assert_eq!(
        ada.post("/dashboard/users/newbie/disable", &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        newbie.get("/dashboard/audit").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        ada.post("/dashboard/users/ada/disable", &[]).await.status(),
        StatusCode::CONFLICT
    );

    // An API key: shown once, works, listed by prefix, revoked.
    let page = ada
        .post("/dashboard/api-keys", &[("name", "crm")])
        .await
        .text()
        .await
        .unwrap();
    let secret = between(&page, "<code id=\"new-api-key\">", "</code>")
        .unwrap()
        .to_owned();
    let r = h
        .client
        .post(h.url("/v1/verifications"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let prefix = auth::parse_api_key(&secret).unwrap().0.to_owned();
    let page = ada.get("/dashboard/api-keys").await.text().await.unwrap();
    assert!(page.contains(&format!("idv_{prefix}_")) && !page.contains(&secret));
    assert_eq!(
        ada.post(&format!("/dashboard/api-keys/{prefix}/revoke"), &[])
            .await
            .status(),
        303
    );
    let r = h
        .client
        .post(h.url("/v1/verifications"))
        .bearer_auth(&secret)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The policy in force and the charts.
    let page = ada.get("/dashboard/policy").await.text().await.unwrap();
    let p = h.state().policy.current();
    assert!(page.contains(p.version()) && page.contains(p.hash()));
    let page = ada.get("/dashboard/stats").await.text().await.unwrap();
    for id in ["chart-volume", "chart-decisions", "chart-failures"] {
        assert!(page.contains(id), "{id}");
    }
    assert!(
        page.contains("id=\"stats-total\">2<"),
        "two cases created today"
    );
    h.shutdown().await;
}

/// Writes a licence for this test's data directory (bound to its installation id) with the
/// test vendor key, and points the config at it.
fn write_licence(c: &mut server::Config, id: &str, seats: u32, not_after: &str) {
    std::fs::create_dir_all(&c.data_dir).unwrap();
    std::fs::write(c.data_dir.join("installation-id"), format!("{id}\n")).unwrap();
    let ids = licence::identifiers::read_machine_identifiers(Some(id.into()));
    let date = |s: &str| licence::Date::parse(s).unwrap();
    let terms = licence::Licence {
        id: "lic-dash".into(),
        customer: "Banque Exemple".into(),
        features: licence::Features {
            document: true,
            chip: true,
            liveness: true,
            face: true,
            dashboard_seats: seats,
        },
        verifications_per_month: None,
        not_before: date("2026-01-01"),
        not_after: date(not_after),
        fingerprint: licence::machine_fingerprint(&ids).unwrap(),
        issued_at: date("2026-01-01"),
    };
    let key = licence::LicenceSigningKey::from_pem(include_str!(
        "../../licence/testdata/test-vendor-rsa4096.key.pem"
    ))
    .unwrap();
    let text = licence::issue(&key, &terms, &mut rand_core::UnwrapErr(getrandom::SysRng)).unwrap();
    std::fs::write(c.data_dir.join("licence.txt"), text).unwrap();
    std::fs::write(
        c.data_dir.join("vendor-licence.pem"),
        include_str!("../../licence/testdata/test-vendor-rsa4096.pub.pem"),
    )
    .unwrap();
    c.licence.file = Some("licence.txt".into());
    c.licence.public_key = Some("vendor-licence.pem".into());
}

/// The licence in the dashboard: a banner on every page while it nears its end, and read-only
/// once it has expired — pages still render, every change is refused with `licence_expired`.
#[tokio::test]
async fn an_expired_licence_makes_the_dashboard_read_only_with_a_banner() {
    let h = start(Backend::Sqlite, "dash_licence", |c| {
        write_licence(c, "dash-licence-test", 5, "2026-11-24");
    })
    .await;
    add_user(&h, "rita", "reviewer").await;
    let id = review_case(&h).await;
    let mut secret = None;
    let b = Browser::login(&h, "rita", &mut secret).await;
    let page = b.get("/dashboard/queue").await.text().await.unwrap();
    assert!(page.contains("data-licence=\"valid\""), "{page}");
    assert!(page.contains("expires in 1 days"));

    // Two days on, the daily check finds it expired.
    h.clock.advance(2 * 86_400_000);
    server::jobs::housekeeping(h.state()).await.unwrap();
    assert!(h.state().licence.read_only());
    let b = Browser::login(&h, "rita", &mut secret).await;
    let page = b.get("/dashboard/queue").await.text().await.unwrap();
    assert!(page.contains("data-licence=\"expired\""), "{page}");
    let case = b.get(&format!("/dashboard/cases/{id}")).await;
    assert_eq!(case.status(), StatusCode::OK, "the case stays readable");
    let r = b.post(&format!("/dashboard/cases/{id}/claim"), &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(code_of(&r.text().await.unwrap()), "licence_expired");
    h.shutdown().await;
}

/// The licence's dashboard seats: enabled users count; a full house refuses a new user with
/// `licence_seats_exhausted` until one is disabled.
#[tokio::test]
async fn the_licence_limits_enabled_dashboard_users_to_its_seats() {
    let h = start(Backend::Sqlite, "dash_seats", |c| {
        write_licence(c, "dash-seats-test", 3, "2027-12-31");
        c.dashboard.login_per_minute = 100;
    })
    .await;
    add_user(&h, "ada", "admin").await;
    let ada = Browser::login(&h, "ada", &mut None).await;
    let enabled = h
        .state()
        .db
        .users()
        .await
        .unwrap()
        .iter()
        .filter(|u| u.disabled_at_ms.is_none())
        .count();
    assert_eq!(enabled, 2, "init's admin and ada");
    let page = ada.get("/dashboard/users").await.text().await.unwrap();
    assert!(
        page.contains("2 of 3 licensed dashboard seats in use"),
        "{page}"
    );
    let new = |name: &'static str| {
        [
            ("username", name),
            ("role", "reviewer"),
            ("password", PASSWORD),
        ]
    };
    assert_eq!(
        ada.post("/dashboard/users", &new("one")).await.status(),
        303
    );
    let r = ada.post("/dashboard/users", &new("two")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(code_of(&r.text().await.unwrap()), "licence_seats_exhausted");
    assert!(h.state().db.user_record("two").await.unwrap().is_none());
    // A disabled user frees their seat.
    assert_eq!(
        ada.post("/dashboard/users/one/disable", &[]).await.status(),
        303
    );
    assert_eq!(
        ada.post("/dashboard/users", &new("two")).await.status(),
        303
    );
    h.shutdown().await;
}

/// The chip's portrait (DG2) beside the selfie on the case page: the reviewer's image is the
/// face record's JPEG exactly as the chip holds it, served decrypted and never cached, and
/// viewing it is an audit event.
#[tokio::test]
async fn the_case_page_shows_the_chip_photo_from_dg2() {
    use emrtd_testkit::{ChipBuilder, Face, dg1, dg2};
    let (csca, dsc) = emrtd_testkit::p256_pki();
    // A chip that verifies up to a trusted CSCA, so the case lands in review with its evidence
    // (a declined case's evidence is purged at once by the default retention).
    let h = start(Backend::Sqlite, "dash_dg2", |c| {
        let dir = c.data_dir.join("trust");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("csca.der"), &csca.cert_der).unwrap();
    })
    .await;
    add_user(&h, "rita", "reviewer").await;
    let face = jpeg();
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .data_group(
            2,
            dg2(&[Face {
                image: &face,
                data_type: 0,
                width: 240,
                height: 320,
            }]),
        )
        .build();
    let (id, token, _) = h.create().await;
    let octets = "application/octet-stream";
    assert_eq!(
        h.put(&id, "selfie", &token, "image/jpeg", jpeg())
            .await
            .status(),
        201
    );
    assert_eq!(
        h.put(&id, "chip/sod", &token, octets, chip.sod.clone())
            .await
            .status(),
        201
    );
    for (n, bytes) in &chip.files {
        let r = h
            .put(&id, &format!("chip/dg{n}"), &token, octets, bytes.clone())
            .await;
        assert_eq!(r.status(), 201, "dg{n}");
    }
    h.submit(&id, &token).await;
    assert_eq!(h.wait_decided(&id).await["status"], "review");

    let b = Browser::login(&h, "rita", &mut None).await;
    let page = b
        .get(&format!("/dashboard/cases/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let src = format!("/dashboard/cases/{id}/evidence/chip/face");
    assert!(page.contains(&src), "{page}");
    assert!(page.contains("Chip photo (DG2)"));
    let r = b.get(&src).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.bytes().await.unwrap().as_ref(), face.as_slice());
    let events = h.state().db.audit_page(None, 50).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.entry.action == "case.evidence_view" && e.entry.subject == id),
        "viewing the chip photo is audited"
    );
    h.shutdown().await;
}
