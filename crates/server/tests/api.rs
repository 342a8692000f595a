//! The API over real HTTPS against a running server, on SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use common::{BACKENDS, Backend, Harness, MRZ, chip, document_jpeg, jpeg, start};
use serde_json::{Value, json};

const OCTETS: &str = "application/octet-stream";

/// A webhook endpoint on the customer's network: records each delivery, answers the next
/// status from a queue (200 once it is empty).
/// Each delivery: its signature header and its body.
type Deliveries = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

#[derive(Clone, Default)]
struct Receiver {
    seen: Deliveries,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

async fn receiver(answers: &[u16]) -> (String, Receiver) {
    let r = Receiver::default();
    r.answers.lock().unwrap().extend(answers);
    let rr = r.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let rr = rr.clone();
                async move {
                    let sig = headers
                        .get("idverify-signature")
                        .map(|v| v.to_str().unwrap().to_owned())
                        .unwrap_or_default();
                    rr.seen.lock().unwrap().push((sig, body.to_vec()));
                    let code = rr.answers.lock().unwrap().pop_front().unwrap_or(200);
                    axum::http::StatusCode::from_u16(code).unwrap()
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), r)
}

async fn upload_chip(h: &Harness, id: &str, token: &str, challenge: &str) {
    let (_, chip) = chip();
    let r = h.put(id, "chip/sod", token, OCTETS, chip.sod.clone()).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    for (n, bytes) in &chip.files {
        let r = h
            .put(id, &format!("chip/dg{n}"), token, OCTETS, bytes.clone())
            .await;
        assert_eq!(r.status(), 201, "dg{n}: {}", r.text().await.unwrap());
    }
    let mut c = [0u8; 8];
    hex::decode_to_slice(challenge, &mut c).unwrap();
    let r = h
        .put(id, "chip/aa_response", token, OCTETS, chip.respond(&c))
        .await;
    assert_eq!(r.status(), 201);
}

fn trust_csca(config: &server::Config) {
    let (csca, _) = chip();
    let dir = config.data_dir.join("trust");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("csca.der"), csca).unwrap();
}

fn check<'a>(result: &'a Value, name: &str) -> &'a Value {
    result["result"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {result}"))
}

#[tokio::test]
async fn happy_path_chip_and_mrz_decided_webhook_signed_and_audit_chain_holds() {
    for backend in BACKENDS {
        let (hook, rec) = receiver(&[]).await;
        let h = start(backend, "happy", |c| {
            trust_csca(c);
            common::mrz_chip_policy(c);
            c.webhooks.urls = vec![hook.clone()];
        })
        .await;
        let (id, token, challenge) = h.create().await;
        // The SDK can also fetch the challenge with its token.
        let r = h
            .client
            .get(h.url(&format!("/v1/verifications/{id}/challenge")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["aa_challenge"], challenge);
        let r = h
            .put(&id, "document/mrz", &token, "text/plain", MRZ.into())
            .await;
        assert_eq!(r.status(), 201);
        let r = h
            .put(&id, "document/front", &token, "image/jpeg", document_jpeg())
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        upload_chip(&h, &id, &token, &challenge).await;
        assert_eq!(h.get_result(&id).await["status"], "collecting");

        let r = h.submit(&id, &token).await;
        assert_eq!(r.status(), 202);
        let v = h.wait_decided(&id).await;
        assert_eq!(v["status"], "approved", "{backend:?}: {v:#}");
        assert_eq!(v["result"]["decision"], "approved");
        assert_eq!(v["result"]["risk_score"], 0.0);
        assert_eq!(v["result"]["policy"], "test-mrz-chip-1");
        assert!(
            v["result"]["policy_hash"]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
        assert_eq!(v["result"]["document_type"], "TD3");
        let points: f64 = v["result"]["contributions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        assert_eq!(points, 0.0);
        assert_eq!(check(&v, "chip.active_authentication")["status"], "pass");
        assert_eq!(check(&v, "chip.dg1_matches_mrz")["status"], "pass");
        assert_eq!(check(&v, "mrz.check_digits")["status"], "pass");
        // The document engine read the photo of the data page.
        for name in [
            "document.geometry",
            "document.mrz_read",
            "document.photocopy",
        ] {
            assert_eq!(check(&v, name)["status"], "pass", "{name}: {v:#}");
        }
        assert_eq!(
            check(&v, "face.selfie_vs_document")["reason"],
            "input_missing"
        );
        // Submitting twice is a conflict, uploads after submit too.
        let r = h.submit(&id, &token).await;
        assert_eq!(r.status(), 409);
        let r = h
            .put(&id, "document/mrz", &token, "text/plain", MRZ.into())
            .await;
        assert_eq!(r.status(), 409);

        // The webhook arrives, signed over timestamp and body.
        server::webhooks::deliver_due(h.state()).await.unwrap();
        let seen = rec.seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "{backend:?}");
        let secret = server::read_secret(&h.dir.join("secrets/webhook.key")).unwrap();
        server::webhooks::verify(&*secret, &seen[0].0, &seen[0].1, common::T0 / 1000, 300).unwrap();
        let body: Value = serde_json::from_slice(&seen[0].1).unwrap();
        assert_eq!(body["event"], "verification.decided");
        assert_eq!(body["data"]["verification_id"], id.as_str());
        assert!(
            !String::from_utf8_lossy(&seen[0].1).contains("ERIKSSON"),
            "no personal data in webhooks"
        );

        // Evidence at rest is sealed: no plaintext MRZ in any stored blob.
        let mut stack = vec![h.dir.join("evidence")];
        let mut blobs = 0;
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    blobs += 1;
                    let b = std::fs::read(e.path()).unwrap();
                    assert!(!b.windows(8).any(|w| w == b"ERIKSSON"));
                }
            }
        }
        assert!(blobs >= 4);

        // The audit chain holds, and an edited row is caught.
        let db = h.state().db.clone();
        let key = h.audit_key();
        let events = db.audit_events().await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.entry.action.as_str()).collect();
        for a in [
            "system.init",
            "verification.create",
            "evidence.upload",
            "verification.submit",
            "verification.decide",
        ] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
        audit::verify(&key, &events).unwrap();
        db.execute_raw("UPDATE audit_events SET details = '{\"decision\":\"declined\"}' WHERE action = 'verification.decide'")
            .await
            .unwrap();
        let err = audit::verify(&key, &db.audit_events().await.unwrap()).unwrap_err();
        assert_eq!(err.code(), "audit_event_edited", "{backend:?}");
        h.shutdown().await;
    }
}

/// Under the shipped default policy, a chip that fails Active Authentication is declined by
/// its `chip_cloned` hard rule, whatever else passed.
#[tokio::test]
async fn a_cloned_chip_is_declined() {
    let h = start(Backend::Sqlite, "clone", |c| {
        trust_csca(c);
    })
    .await;
    let (id, token, _) = h.create().await;
    // The AA response was made for another challenge: a replayed (cloned) answer.
    upload_chip(&h, &id, &token, "0011223344556677").await;
    h.submit(&id, &token).await;
    let v = h.wait_decided(&id).await;
    assert_eq!(v["status"], "declined", "{v:#}");
    assert_eq!(check(&v, "chip.active_authentication")["status"], "fail");
    assert_eq!(v["result"]["policy"], "default-2026-12");
    let fired = v["result"]["hard_rules_fired"].as_array().unwrap();
    assert!(
        fired.iter().any(|r| r["id"] == "chip_cloned"
            && r["effect"] == "decline"
            && r["check"] == "chip.active_authentication"),
        "{fired:#?}"
    );
    assert!(
        v["result"]["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("hard_rule:chip_cloned"))
    );
    h.shutdown().await;
}

/// Every endpoint × every wrong credential gets the right 401/403 and the stable code.
#[tokio::test]
async fn credentials_matrix() {
    for backend in BACKENDS {
        let h = start(backend, "creds", |_| {}).await;
        let (id, token, _) = h.create().await;
        let (_, other_token, _) = h.create().await;
        let key = h.token_key();
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let now_s = common::T0 / 1000;
        let chip_only =
            auth::issue_token(&key, &id, &[auth::scope::CHIP], now_s, 600, &mut rng).unwrap();
        let expired =
            auth::issue_token(&key, &id, &auth::scope::ALL, now_s - 1000, 60, &mut rng).unwrap();
        let wrong_key = "idv_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let forged = auth::issue_token(
            &auth::TokenKey::new("k1", [9; 32]),
            &id,
            &auth::scope::ALL,
            now_s,
            600,
            &mut rng,
        )
        .unwrap();

        // (method, path, body content type, body) for the API-key endpoints.
        let api_endpoints: Vec<(&str, String)> = vec![
            ("POST", "/v1/verifications".into()),
            ("GET", format!("/v1/verifications/{id}")),
            ("DELETE", format!("/v1/verifications/{id}")),
            ("POST", format!("/v1/verifications/{id}/sdk-token")),
            ("GET", "/v1/webhooks/deliveries".into()),
        ];
        // SDK endpoints and the scope each needs.
        let sdk_endpoints: Vec<(&str, String, &str)> = vec![
            (
                "PUT",
                format!("/v1/verifications/{id}/document/mrz"),
                "text/plain",
            ),
            (
                "PUT",
                format!("/v1/verifications/{id}/selfie"),
                "image/jpeg",
            ),
            (
                "PUT",
                format!("/v1/verifications/{id}/liveness/0"),
                "image/jpeg",
            ),
            ("POST", format!("/v1/verifications/{id}/submit"), ""),
        ];
        let send = |method: &str, path: &str, cred: Option<&str>, ct: &str| {
            let mut req = h.client.request(method.parse().unwrap(), h.url(path));
            if let Some(c) = cred {
                req = req.bearer_auth(c);
            }
            if !ct.is_empty() {
                req = req.header("content-type", ct).body(MRZ);
            }
            req.send()
        };
        async fn code(r: reqwest::Response) -> (u16, String) {
            let s = r.status().as_u16();
            let v: Value = r.json().await.unwrap_or(json!({}));
            (s, v["error"]["code"].as_str().unwrap_or("").to_owned())
        }
        for (m, p) in &api_endpoints {
            let cases: [(Option<&str>, u16, &str); 4] = [
                (None, 401, "credentials_missing"),
                (Some(wrong_key), 401, "credential_invalid"),
                (Some("idv_garbage"), 401, "credential_malformed"),
                (Some(&token), 401, "api_key_required"),
            ];
            for (cred, status, c) in cases {
                let got = code(send(m, p, cred, "").await.unwrap()).await;
                assert_eq!(got, (status, c.to_owned()), "{backend:?} {m} {p} {cred:?}");
            }
        }
        for (m, p, ct) in &sdk_endpoints {
            let cases: Vec<(Option<&str>, u16, &str)> = vec![
                (None, 401, "credentials_missing"),
                (Some(&h.api_key), 401, "sdk_token_required"),
                (Some(&expired), 401, "token_expired"),
                (Some(&forged), 401, "credential_invalid"),
                (Some("not.a.token"), 401, "credential_malformed"),
                (Some(&other_token), 403, "token_wrong_verification"),
                (Some(&chip_only), 403, "token_scope"),
            ];
            for (cred, status, c) in cases {
                let got = code(send(m, p, cred, ct).await.unwrap()).await;
                assert_eq!(got, (status, c.to_owned()), "{backend:?} {m} {p}");
            }
        }
        // The challenge endpoint needs the chip scope: a token without it is refused.
        let face_only =
            auth::issue_token(&key, &id, &[auth::scope::FACE], now_s, 600, &mut rng).unwrap();
        let got = code(
            send(
                "GET",
                &format!("/v1/verifications/{id}/challenge"),
                Some(&face_only),
                "",
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(got, (403, "token_scope".to_owned()));
        // The clock moves past the token's 15 minutes: the real token expires too.
        h.clock.advance(16 * 60 * 1000);
        let got = code(
            send(
                "POST",
                &format!("/v1/verifications/{id}/submit"),
                Some(&token),
                "",
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(got, (401, "token_expired".to_owned()));
        // A revoked key stops working.
        let prefix = &h.api_key[4..12];
        h.state()
            .db
            .revoke_api_key(prefix, common::T0)
            .await
            .unwrap();
        let got = code(
            send("GET", "/v1/webhooks/deliveries", Some(&h.api_key), "")
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(got, (401, "credential_invalid".to_owned()));
        h.shutdown().await;
    }
}

async fn no_partial_state(h: &Harness, id: &str) {
    let v = h.get_result(id).await;
    assert_eq!(v["evidence"], json!([]), "{v}");
    assert_eq!(v["status"], "created");
    let dir = h.dir.join("evidence").join(id);
    let files = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "blobs left in {}", dir.display());
}

#[tokio::test]
async fn bad_uploads_get_4xx_json_and_leave_no_partial_state() {
    for backend in BACKENDS {
        let h = start(backend, "bad", |c| c.limits.max_body_bytes = 64 * 1024).await;
        let (id, token, _) = h.create().await;
        let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
            (
                "selfie",
                "image/jpeg",
                vec![0u8; 100 * 1024],
                413,
                "body_too_large",
            ),
            (
                "selfie",
                "image/jpeg",
                b"\xFF\xD8\xFFnot a jpeg at all".to_vec(),
                400,
                "content_mismatch",
            ),
            ("selfie", "image/png", jpeg(), 400, "content_mismatch"),
            (
                "selfie",
                "image/gif",
                b"GIF89a".to_vec(),
                415,
                "unsupported_media_type",
            ),
            ("selfie", "image/jpeg", Vec::new(), 400, "empty_body"),
            // A PNG header claiming 100 000 × 100 000 pixels: refused before any decoding.
            (
                "document/front",
                "image/png",
                {
                    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
                    v.extend_from_slice(&100_000u32.to_be_bytes());
                    v.extend_from_slice(&100_000u32.to_be_bytes());
                    v.extend_from_slice(&[8, 2, 0, 0, 0]);
                    v
                },
                400,
                "image_too_large",
            ),
            (
                "chip/sod",
                OCTETS,
                b"\x61\x03abc".to_vec(),
                400,
                "chip_file_invalid",
            ),
            (
                "chip/dg1",
                OCTETS,
                b"\x61\x10abc".to_vec(),
                400,
                "chip_file_invalid",
            ),
            (
                "chip/dg1",
                "text/plain",
                b"\x61\x03abc".to_vec(),
                415,
                "unsupported_media_type",
            ),
            (
                "document/mrz",
                "text/plain",
                b"<script>".to_vec(),
                400,
                "mrz_invalid",
            ),
            ("chip/dg99", OCTETS, b"\x61\x00".to_vec(), 404, "not_found"),
            ("liveness/99", "image/jpeg", jpeg(), 404, "not_found"),
        ];
        for (slot, ct, body, status, code) in cases {
            let r = h.put(&id, slot, &token, ct, body).await;
            assert_eq!(r.status().as_u16(), status, "{backend:?} {slot} {ct}");
            assert_eq!(r.headers()["content-type"], "application/json", "{slot}");
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["error"]["code"], code, "{slot}: {v}");
        }
        no_partial_state(&h, &id).await;

        // JSON bodies: syntax, schema (unknown field, wrong type), named field.
        let post = |body: &'static str| {
            h.client
                .post(h.url("/v1/verifications"))
                .bearer_auth(&h.api_key)
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let v: Value = post("{").await.unwrap().json().await.unwrap();
        assert_eq!(v["error"]["code"], "json_invalid");
        let r = post(r#"{"referenc": "x"}"#).await.unwrap();
        assert_eq!(r.status(), 400);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "json_schema");
        let v: Value = post(r#"{"reference": 5}"#)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (Some("json_schema"), Some("reference"))
        );
        let v: Value = post(r#"{"reference": ""}"#)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["error"]["field"], "reference");
        // Unknown routes and methods: JSON too.
        let r = h.client.get(h.url("/v1/nope")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "not_found"
        );
        let r = h
            .client
            .patch(h.url("/v1/verifications"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405);
        let r = h
            .client
            .get(h.url("/v1/verifications/vrf_nope"))
            .bearer_auth(&h.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        h.shutdown().await;
    }
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let h = start(Backend::Sqlite, "rate", |c| {
        c.limits.api_key_per_minute = 3;
        c.limits.ip_per_minute = 10;
    })
    .await;
    for _ in 0..3 {
        h.create().await;
    }
    let r = h
        .client
        .post(h.url("/v1/verifications"))
        .bearer_auth(&h.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "rate_limited"
    );
    // The budget refills with time.
    h.clock.advance(21_000);
    h.create().await;
    // Per IP, whatever the credentials: the 11th request in the same instant is refused.
    let mut codes = Vec::new();
    for _ in 0..12 {
        codes.push(
            h.client
                .get(h.url("/healthz"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert!(codes.contains(&429), "{codes:?}");
    h.shutdown().await;
}

#[tokio::test]
async fn webhooks_are_retried_with_backoff_and_logged() {
    for backend in BACKENDS {
        let (hook, rec) = receiver(&[500, 503]).await;
        let h = start(backend, "hooks", |c| {
            c.webhooks.urls = vec![hook.clone()];
            c.webhooks.initial_backoff_ms = 1000;
            c.webhooks.max_attempts = 5;
        })
        .await;
        let (id, token, _) = h.create().await;
        h.submit(&id, &token).await;
        h.wait_decided(&id).await;
        let state = h.state();
        assert_eq!(server::webhooks::deliver_due(state).await.unwrap(), 1);
        // Not due again until the backoff has passed.
        assert_eq!(server::webhooks::deliver_due(state).await.unwrap(), 0);
        h.clock.advance(1000);
        assert_eq!(server::webhooks::deliver_due(state).await.unwrap(), 1);
        h.clock.advance(1000);
        assert_eq!(
            server::webhooks::deliver_due(state).await.unwrap(),
            0,
            "backoff doubles"
        );
        h.clock.advance(1000);
        assert_eq!(server::webhooks::deliver_due(state).await.unwrap(), 1);
        assert_eq!(rec.seen.lock().unwrap().len(), 3);
        let log: Value = h
            .client
            .get(h.url(&format!("/v1/webhooks/deliveries?verification_id={id}")))
            .bearer_auth(&h.api_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let d = &log["deliveries"][0];
        assert_eq!(
            (
                d["state"].as_str(),
                d["attempts"].as_i64(),
                d["last_status"].as_i64()
            ),
            (Some("delivered"), Some(3), Some(200)),
            "{backend:?}: {log}"
        );
        // Every attempt carried a valid signature of the same body.
        let secret = server::read_secret(&h.dir.join("secrets/webhook.key")).unwrap();
        for (sig, body) in rec.seen.lock().unwrap().iter() {
            server::webhooks::verify(&*secret, sig, body, common::T0 / 1000 + 3, 300).unwrap();
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn a_dead_endpoint_is_given_up_after_max_attempts() {
    let h = start(Backend::Sqlite, "deadhook", |c| {
        // Nothing listens on port 9 (discard) on loopback.
        c.webhooks.urls = vec!["http://127.0.0.1:9/hook".into()];
        c.webhooks.initial_backoff_ms = 10;
        c.webhooks.max_attempts = 2;
    })
    .await;
    let (id, token, _) = h.create().await;
    h.submit(&id, &token).await;
    h.wait_decided(&id).await;
    server::webhooks::deliver_due(h.state()).await.unwrap();
    h.clock.advance(100);
    server::webhooks::deliver_due(h.state()).await.unwrap();
    let log = h.state().db.deliveries(Some(&id), 10).await.unwrap();
    assert_eq!(
        (
            log[0].state.as_str(),
            log[0].attempts,
            log[0].last_error.as_deref()
        ),
        ("failed", 2, Some("connect_failed"))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn retention_none_drops_evidence_once_decided_and_durations_are_purged_later() {
    for backend in BACKENDS {
        let h = start(backend, "retention", |c| {
            c.retention.review = "none".into();
            c.retention.declined = "2 days".into();
            c.retention.expired = "none".into();
        })
        .await;
        // Review (nothing required passes): evidence gone as soon as the result exists.
        let (id, token, _) = h.create().await;
        h.put(&id, "selfie", &token, "image/jpeg", jpeg()).await;
        h.submit(&id, &token).await;
        let v = h.wait_decided(&id).await;
        assert_eq!(v["status"], "review");
        assert_eq!(v["evidence"], json!([]));
        assert!(v["evidence_purged_at"].is_string());
        assert!(v["result"]["checks"].is_array(), "the result stays");
        assert!(!h.dir.join("evidence").join(&id).join("selfie").exists());
        assert_eq!(
            h.state().db.verification(&id).await.unwrap().wrapped_key,
            None
        );

        // Declined (a bad MRZ), kept two days, then purged by the job.
        let (id2, token2, _) = h.create().await;
        let bad = MRZ.replace("L898902C36", "L898902C37");
        h.put(&id2, "document/mrz", &token2, "text/plain", bad.into())
            .await;
        h.submit(&id2, &token2).await;
        let v = h.wait_decided(&id2).await;
        assert_eq!(v["status"], "declined");
        assert_eq!(v["evidence"].as_array().unwrap().len(), 1);
        server::jobs::housekeeping(h.state()).await.unwrap();
        assert_eq!(
            h.get_result(&id2).await["evidence"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // An abandoned session expires after the session TTL.
        let (id3, token3, _) = h.create().await;
        h.put(&id3, "selfie", &token3, "image/jpeg", jpeg()).await;
        h.clock.advance(2 * 86_400_000 + 1);
        server::jobs::housekeeping(h.state()).await.unwrap();
        let v2 = h.get_result(&id2).await;
        assert_eq!(v2["evidence"], json!([]), "{backend:?}");
        let v3 = h.get_result(&id3).await;
        assert_eq!(
            (v3["status"].as_str(), v3["evidence"].clone()),
            (Some("expired"), json!([]))
        );
        let actions: Vec<String> = h
            .state()
            .db
            .audit_events()
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.entry.action == "evidence.purge")
            .map(|e| e.entry.details["reason"].as_str().unwrap().to_owned())
            .collect();
        assert!(actions.contains(&"retention_none".to_owned()));
        assert!(actions.contains(&"retention_elapsed".to_owned()));
        h.shutdown().await;
    }
}

#[tokio::test]
async fn erasure_on_request() {
    let h = start(Backend::Sqlite, "erase", |_| {}).await;
    let (id, token, _) = h.create().await;
    h.put(&id, "selfie", &token, "image/jpeg", jpeg()).await;
    let r = h
        .client
        .delete(h.url(&format!("/v1/verifications/{id}")))
        .bearer_auth(&h.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let v = h.get_result(&id).await;
    assert_eq!(v["evidence"], json!([]));
    // With the data key erased, nothing more can be uploaded to it.
    let r = h.put(&id, "selfie", &token, "image/jpeg", jpeg()).await;
    assert_eq!(r.status(), 409);
    h.shutdown().await;
}

#[tokio::test]
async fn operations_endpoints_headers_and_cors() {
    let h = start(Backend::Sqlite, "ops", |c| {
        c.server.cors_origins = vec!["https://capture.bank.example".into()];
    })
    .await;
    let r = h.client.get(h.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    h.create().await;
    let text = h
        .client
        .get(h.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("idverify_http_requests_total{route=\"/v1/verifications\",method=\"POST\",status=\"201\"} 1"), "{text}");
    assert!(text.contains("idverify_verifications{status=\"created\"} 1"));
    assert!(text.contains("idverify_ready 1"));
    // CORS: the configured SDK origin only.
    let pre = |origin: &'static str| {
        h.client
            .request(
                reqwest::Method::OPTIONS,
                h.url("/v1/verifications/x/selfie"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let r = pre("https://capture.bank.example").await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://capture.bank.example"
    );
    let r = pre("https://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // The OpenAPI document is served and describes every route.
    let spec = h.get_json("/v1/openapi.json").await;
    assert_eq!(spec["openapi"], "3.1.0");
    for p in [
        "/v1/verifications",
        "/v1/verifications/{id}",
        "/v1/verifications/{id}/sdk-token",
        "/v1/verifications/{id}/challenge",
        "/v1/verifications/{id}/selfie",
        "/v1/verifications/{id}/document/{side}",
        "/v1/verifications/{id}/chip/{file}",
        "/v1/verifications/{id}/liveness/{frame}",
        "/v1/verifications/{id}/submit",
        "/v1/webhooks/deliveries",
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/openapi.json",
    ] {
        assert!(
            spec["paths"].get(p).is_some(),
            "{p} not in the OpenAPI document"
        );
    }
    h.shutdown().await;
}

#[tokio::test]
async fn shutdown_finishes_in_flight_processing_and_restart_resumes() {
    let h = start(Backend::Sqlite, "shutdown", |_| {}).await;
    let (id, token, _) = h.create().await;
    h.put(&id, "document/mrz", &token, "text/plain", MRZ.into())
        .await;
    h.submit(&id, &token).await;
    let db = h.state().db.clone();
    h.shutdown().await;
    let v = db.verification(&id).await.unwrap();
    assert_ne!(v.status, store::VerificationStatus::Processing);
    assert!(v.result_json.is_some());
}

/// With `storage.kind = "s3"`, evidence goes to an S3-compatible bucket (a real server that
/// checks every signature), sealed: the bucket holds no byte of the plaintext, and erasure
/// removes the objects.
#[tokio::test]
async fn evidence_on_an_s3_store_is_sealed_and_erased() {
    let s3 = test_support::S3Server::start("server-evidence", &["evidence"]);
    let endpoint = s3.endpoint.clone();
    let h = start(Backend::Sqlite, "s3", |c| {
        std::fs::create_dir_all(&c.data_dir).unwrap();
        std::fs::write(c.data_dir.join("s3.secret"), test_support::SECRET_KEY).unwrap();
        c.storage.kind = "s3".into();
        c.storage.s3_endpoint = Some(endpoint);
        c.storage.s3_bucket = Some("evidence".into());
        c.storage.s3_access_key_id = Some(test_support::ACCESS_KEY.into());
        c.storage.s3_secret_key_file = Some("s3.secret".into());
        c.storage.s3_prefix = "idverify/".into();
    })
    .await;
    let r = h.client.get(h.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (id, token, _) = h.create().await;
    let photo = jpeg();
    assert_eq!(
        h.put(&id, "selfie", &token, "image/jpeg", photo.clone())
            .await
            .status(),
        201
    );
    assert_eq!(
        h.put(&id, "document/mrz", &token, "text/plain", MRZ.into())
            .await
            .status(),
        201
    );
    let stored: Vec<Vec<u8>> = s3
        .files()
        .iter()
        .filter(|p| p.to_string_lossy().contains(&id))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(stored.len(), 2, "{:?}", s3.files());
    for blob in &stored {
        assert!(!contains(blob, MRZ.as_bytes()) && !contains(blob, b"ERIKSSON"));
        assert!(!contains(blob, photo.get(200..264).unwrap()));
    }
    // The engines read it back through the store.
    h.submit(&id, &token).await;
    let v = h.wait_decided(&id).await;
    assert_eq!(check(&v, "mrz.check_digits")["status"], "pass", "{v:#}");
    let r = h
        .client
        .delete(h.url(&format!("/v1/verifications/{id}")))
        .bearer_auth(&h.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(
        !s3.files().iter().any(|p| p.to_string_lossy().contains(&id)),
        "{:?}",
        s3.files()
    );
    h.shutdown().await;
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The policy file is reloaded when it changes: the next decision records the new version; an
/// invalid edit is refused and the last valid policy stays; a server does not start on an
/// invalid policy, and says what is wrong.
#[tokio::test]
async fn the_policy_is_hot_reloaded_and_an_invalid_one_is_refused() {
    let h = start(Backend::Sqlite, "policy", |c| common::mrz_chip_policy(c)).await;
    let decide = || async {
        let (id, token, _) = h.create().await;
        h.put(&id, "document/mrz", &token, "text/plain", MRZ.into())
            .await;
        h.submit(&id, &token).await;
        h.wait_decided(&id).await
    };
    assert_eq!(decide().await["result"]["policy"], "test-mrz-chip-1");
    let path = h.dir.join("policy.toml");
    let touch = |secs: u64| {
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        let written = f.metadata().unwrap().modified().unwrap();
        f.set_modified(written + std::time::Duration::from_secs(secs))
            .unwrap();
    };
    let text = include_str!("../testdata/policy-mrz-chip.toml");
    std::fs::write(&path, text.replace("test-mrz-chip-1", "test-mrz-chip-2")).unwrap();
    touch(10);
    let v = decide().await;
    assert_eq!(v["result"]["policy"], "test-mrz-chip-2");
    let hash2 = v["result"]["policy_hash"].clone();
    // A weight out of range: refused, the previous policy keeps deciding.
    std::fs::write(&path, text.replace("weight = 0.3", "weight = 1.3")).unwrap();
    touch(20);
    let v = decide().await;
    assert_eq!(v["result"]["policy"], "test-mrz-chip-2");
    assert_eq!(v["result"]["policy_hash"], hash2);
    h.shutdown().await;

    // Start-up refuses it, naming the key.
    let mut config = server::Config::load(path.parent().unwrap(), &Default::default()).unwrap();
    config.server.listen = "127.0.0.1:0".into();
    let started = server::start(
        config,
        server::Options {
            insecure_http: false,
            clock: std::sync::Arc::new(server::ManualClock::new(common::T0)),
            background_jobs: false,
        },
    )
    .await;
    let Err(err) = started else {
        panic!("an invalid policy must stop the start");
    };
    assert_eq!(err.code(), "config_invalid");
    assert!(err.to_string().contains("factors.mrz.weight"), "{err}");
}

fn models_dir() -> std::path::PathBuf {
    std::env::var_os("IDVERIFY_MODELS_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"),
        std::path::PathBuf::from,
    )
}

fn deepface(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/faces-deepface")
            .join(name),
    )
    .unwrap()
}

/// With `[models] dir` set, the face engine runs inside the verification: the same person on
/// the selfie and the document passes, another person fails.
#[tokio::test]
async fn the_face_engine_matches_the_selfie_against_the_document() {
    let dir = models_dir();
    let h = start(Backend::Sqlite, "face", |c| c.models.dir = Some(dir)).await;
    for (selfie, document, same) in [
        ("img20.jpg", "img21.jpg", true),
        ("img20.jpg", "img3.jpg", false),
    ] {
        let (id, token, _) = h.create().await;
        for (slot, photo) in [("selfie", selfie), ("document/front", document)] {
            let r = h
                .put(&id, slot, &token, "image/jpeg", deepface(photo))
                .await;
            assert_eq!(r.status(), 201, "{slot}: {}", r.text().await.unwrap());
        }
        h.submit(&id, &token).await;
        let v = h.wait_decided(&id).await;
        let m = check(&v, "face.selfie_vs_document");
        assert_eq!(m["status"], if same { "pass" } else { "fail" }, "{m:#}");
        assert!(
            m["score"].is_number() && m["threshold"].is_number(),
            "{m:#}"
        );
    }
    h.shutdown().await;
}

/// The selfie is matched against the portrait the document engine cut from the rectified page
/// (not against the whole photo): the same person passes, another fails, and the document
/// photo's quality check names its source.
#[tokio::test]
async fn the_selfie_is_matched_against_the_portrait_the_document_reader_cut() {
    let dir = models_dir();
    let h = start(Backend::Sqlite, "portrait", |c| c.models.dir = Some(dir)).await;
    let page = common::document_jpeg_of(&deepface("img1.jpg"));
    for (selfie, same) in [("img2.jpg", true), ("img3.jpg", false)] {
        let (id, token, _) = h.create().await;
        for (slot, photo) in [
            ("selfie", deepface(selfie)),
            ("document/front", page.clone()),
        ] {
            let r = h.put(&id, slot, &token, "image/jpeg", photo).await;
            assert_eq!(r.status(), 201, "{slot}: {}", r.text().await.unwrap());
        }
        h.submit(&id, &token).await;
        let v = h.wait_decided(&id).await;
        assert_eq!(check(&v, "document.geometry")["status"], "pass", "{v:#}");
        let q = check(&v, "face.quality.document");
        assert_eq!(q["evidence"]["source"], "document_portrait", "{q:#}");
        let m = check(&v, "face.selfie_vs_document");
        assert_eq!(m["status"], if same { "pass" } else { "fail" }, "{m:#}");
    }
    h.shutdown().await;
}

/// A model file altered by one byte stops the start, naming the file.
#[tokio::test]
async fn an_altered_model_file_stops_the_start() {
    let src = models_dir();
    let tmp = std::env::temp_dir().join(format!("idverify-models-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), tmp.join(e.file_name())).unwrap();
    }
    let victim = tmp.join("mobilefacenet.onnx");
    let mut bytes = std::fs::read(&victim).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&victim, bytes).unwrap();
    let dir = std::env::temp_dir().join(format!("idverify-server-badmodel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = server::Config::initial(&dir, "127.0.0.1:0");
    config.models.dir = Some(tmp.clone());
    server::init::init(config.clone(), common::T0)
        .await
        .unwrap();
    let started = server::start(
        config,
        server::Options {
            insecure_http: false,
            clock: std::sync::Arc::new(server::ManualClock::new(common::T0)),
            background_jobs: false,
        },
    )
    .await;
    let Err(err) = started else {
        panic!("an altered model must stop the start");
    };
    assert_eq!(err.code(), "model_hash_mismatch", "{err}");
    assert!(err.to_string().contains("mobilefacenet"), "{err}");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Retention per data class: the chip's files of an approved case go after their own (shorter)
/// time while the rest of the evidence stays; a declined case's result is trimmed at once to
/// the decision and reason codes; each step is audited, and nothing else is touched.
#[tokio::test]
async fn retention_per_data_class_removes_exactly_what_the_policy_says() {
    for backend in BACKENDS {
        let h = start(backend, "classes", |c| {
            trust_csca(c);
            common::mrz_chip_policy(c);
            c.retention.approved = "12 months".into();
            c.retention.chip_approved = Some("30 days".into());
            c.retention.declined = "12 months".into();
            c.retention.results_declined = Some("none".into());
        })
        .await;
        // Approved: MRZ and chip.
        let (id, token, challenge) = h.create().await;
        h.put(&id, "document/mrz", &token, "text/plain", MRZ.into())
            .await;
        upload_chip(&h, &id, &token, &challenge).await;
        h.submit(&id, &token).await;
        let v = h.wait_decided(&id).await;
        assert_eq!(v["status"], "approved", "{v:#}");
        let names = |v: &Value| -> Vec<String> {
            v["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert!(names(&v).iter().any(|n| n.starts_with("chip/")));
        // Declined: a bad check digit; its result is trimmed at once, its evidence kept.
        let (id2, token2, _) = h.create().await;
        let bad = MRZ.replace("L898902C36", "L898902C37");
        h.put(&id2, "document/mrz", &token2, "text/plain", bad.into())
            .await;
        h.submit(&id2, &token2).await;
        let d = h.wait_decided(&id2).await;
        assert_eq!(d["status"], "declined");
        assert_eq!(d["result"]["decision"], "declined");
        assert!(
            d["result"]["reasons"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        );
        assert!(d["result"]["trimmed_at"].is_string(), "{d:#}");
        assert!(d["result"].get("checks").is_none(), "{d:#}");
        assert_eq!(names(&d), vec!["document/mrz".to_owned()]);

        // Day 29: nothing yet. Day 31: the chip files go, nothing else.
        h.clock.advance(29 * 86_400_000);
        server::jobs::housekeeping(h.state()).await.unwrap();
        assert!(
            names(&h.get_result(&id).await)
                .iter()
                .any(|n| n.starts_with("chip/"))
        );
        h.clock.advance(2 * 86_400_000);
        let plan = server::jobs::plan(h.state()).await.unwrap();
        assert_eq!(plan.classes, vec![(id.clone(), "chip".to_owned())]);
        server::jobs::housekeeping(h.state()).await.unwrap();
        let after = h.get_result(&id).await;
        assert_eq!(
            names(&after),
            vec!["document/mrz".to_owned()],
            "{backend:?}"
        );
        assert_eq!(
            after["result"], v["result"],
            "the approved result stays whole"
        );
        assert!(
            !h.dir
                .join("evidence")
                .join(&id)
                .join("chip")
                .join("sod")
                .exists(),
            "the chip's blobs are deleted from the object store"
        );
        assert_eq!(
            names(&h.get_result(&id2).await),
            vec!["document/mrz".to_owned()]
        );
        // Idempotent, and audited.
        assert!(
            server::jobs::plan(h.state())
                .await
                .unwrap()
                .classes
                .is_empty()
        );
        let actions: Vec<(String, String)> = h
            .state()
            .db
            .audit_events()
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.entry.action == "evidence.purge" || e.entry.action == "result.trim")
            .map(|e| (e.entry.action, e.entry.subject))
            .collect();
        assert!(actions.contains(&("result.trim".to_owned(), id2.clone())));
        assert!(actions.contains(&("evidence.purge".to_owned(), id.clone())));
        audit::verify(&h.audit_key(), &h.state().db.audit_events().await.unwrap()).unwrap();
        h.shutdown().await;
    }
}
