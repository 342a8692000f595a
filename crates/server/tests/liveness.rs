//! The liveness step over the API: starting it, the frame uploads and their checks, and the
//! liveness engine's result in the verification (issue 7).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use common::{BACKENDS, Backend, Harness, start};
use serde_json::Value;

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

async fn start_liveness(h: &Harness, id: &str, token: &str) -> reqwest::Response {
    h.client
        .post(h.url(&format!("/v1/verifications/{id}/liveness")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn frame(
    h: &Harness,
    id: &str,
    token: &str,
    n: u32,
    t: Option<i64>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut req = h
        .client
        .put(h.url(&format!("/v1/verifications/{id}/liveness/{n}")))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(body);
    if let Some(t) = t {
        req = req.header("x-frame-time", t.to_string());
    }
    req.send().await.unwrap()
}

async fn code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.unwrap();
    (status, v["error"]["code"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn the_step_starts_with_a_plan_and_frames_need_it_their_time_and_its_deadline() {
    for backend in BACKENDS {
        let h = start(backend, "liveness_api", |_| {}).await;
        let (id, token, _) = h.create().await;
        let jpeg = common::jpeg();
        // Frames before the step: refused, nothing stored.
        let r = frame(&h, &id, &token, 0, Some(0), jpeg.clone()).await;
        assert_eq!(code(r).await, (409, "liveness_not_started".into()));
        // The API key is not the SDK token.
        let r = start_liveness(&h, &id, &h.api_key).await;
        assert_eq!(r.status(), 401);
        let r = start_liveness(&h, &id, &token).await;
        assert_eq!(r.status(), 201);
        let plan: Value = r.json().await.unwrap();
        let challenges = plan["challenges"].as_array().unwrap();
        assert!((3..=4).contains(&challenges.len()), "{plan:#}");
        assert_eq!(plan["nonce"].as_str().unwrap().len(), 32);
        let colours = plan["colours"].as_array().unwrap();
        assert_eq!(colours.len(), 5);
        assert!(colours[0]["css"].as_str().unwrap().starts_with('#'));
        assert_eq!(plan["frame_time_header"], "x-frame-time");
        // A second start draws a new nonce.
        let again: Value = start_liveness(&h, &id, &token).await.json().await.unwrap();
        assert_ne!(again["nonce"], plan["nonce"]);
        // A frame without its time is refused.
        let r = frame(&h, &id, &token, 0, None, jpeg.clone()).await;
        assert_eq!(code(r).await, (400, "frame_time_missing".into()));
        let r = frame(&h, &id, &token, 0, Some(0), jpeg.clone()).await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let r = frame(&h, &id, &token, 99, Some(0), jpeg.clone()).await;
        assert_eq!(r.status(), 404);
        // After the deadline (two minutes): refused.
        h.clock.advance(121_000);
        let r = frame(&h, &id, &token, 1, Some(100), jpeg.clone()).await;
        assert_eq!(code(r).await, (409, "liveness_deadline_passed".into()));
        let times = h.state().db.liveness_frames(&id).await.unwrap();
        assert_eq!(times.len(), 1);
        assert_eq!(times[0].0, 0);
        h.shutdown().await;
    }
}

fn check<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["result"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("{name} not in {:#}", v["result"]["checks"]))
}

/// With the models configured, the liveness engine judges the uploaded frames: one photo
/// uploaded twelve times is a static image, the challenges were not performed, and the result
/// carries every liveness check with the per-challenge evidence.
#[tokio::test]
async fn the_engine_judges_the_frames_in_the_verification() {
    let dir = models_dir();
    let h = start(Backend::Sqlite, "liveness_engine", |c| {
        c.models.dir = Some(dir);
    })
    .await;
    let (id, token, _) = h.create().await;
    let r = h
        .put(&id, "selfie", &token, "image/jpeg", deepface("img2.jpg"))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(start_liveness(&h, &id, &token).await.status(), 201);
    let photo = deepface("img10.jpg");
    for n in 0..12u32 {
        h.clock.advance(150);
        let r = frame(&h, &id, &token, n, Some(i64::from(n) * 150), photo.clone()).await;
        assert_eq!(r.status(), 201);
    }
    h.submit(&id, &token).await;
    let v = h.wait_decided(&id).await;
    let verdict = check(&v, "liveness.verdict");
    assert_eq!(verdict["status"], "fail", "{verdict:#}");
    let frames = check(&v, "liveness.frames");
    assert_eq!(frames["reason"], "static_image", "{frames:#}");
    assert_eq!(frames["evidence"]["byte_identical_pairs"], 11);
    let ch = check(&v, "liveness.challenge");
    assert_eq!(ch["reason"], "challenge_not_performed");
    assert!(ch["evidence"]["challenges"].as_array().unwrap().len() >= 3);
    assert_eq!(check(&v, "liveness.reference_match")["status"], "pass");
    assert_eq!(check(&v, "liveness.same_person")["status"], "pass");
    assert_ne!(check(&v, "liveness.colour")["status"], "pass");
    assert_ne!(v["result"]["decision"], "approved");
    h.shutdown().await;
}
