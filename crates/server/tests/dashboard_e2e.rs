//! The dashboard end to end in real headless Chromium (`e2e/dashboard.mjs` through
//! `e2e/browser.mjs`): a server with cases seeded through the API over ten days, two users, and
//! the browser signs in with TOTP, claims and declines a case, and overrides an automatic
//! decline with a second user. Screenshots go to `target/e2e-screenshots/`, or to
//! `docs/screenshots/` with `IDVERIFY_UPDATE_SCREENSHOTS=1`.
//!
//! Needs Node and `e2e/node_modules` (`scripts/setup --tests`); fails, never skips, without them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::path::PathBuf;

use common::{Backend, Harness, MRZ, chip, document_jpeg, jpeg, start};
use server::Clock;

const OCTETS: &str = "application/octet-stream";
const PASSWORD: &str = "correct horse battery staple";

async fn upload_chip(h: &Harness, id: &str, token: &str, challenge: &str) {
    let (_, chip) = chip();
    h.put(id, "chip/sod", token, OCTETS, chip.sod.clone()).await;
    for (n, bytes) in &chip.files {
        h.put(id, &format!("chip/dg{n}"), token, OCTETS, bytes.clone())
            .await;
    }
    let mut c = [0u8; 8];
    hex::decode_to_slice(challenge, &mut c).unwrap();
    h.put(id, "chip/aa_response", token, OCTETS, chip.respond(&c))
        .await;
}

/// One case: `kind` is `approved` (MRZ, images and a trusted chip), `review` (MRZ and images,
/// no chip: the passport's chip is required) or `declined` (a wrong check digit).
async fn seed(h: &Harness, kind: &str) -> String {
    let (id, token, challenge) = h.create().await;
    let mrz = if kind == "declined" {
        MRZ.replace("L898902C36", "L898902C37")
    } else {
        MRZ.to_owned()
    };
    h.put(&id, "document/mrz", &token, "text/plain", mrz.into())
        .await;
    h.put(&id, "document/front", &token, "image/jpeg", document_jpeg())
        .await;
    h.put(&id, "selfie", &token, "image/jpeg", jpeg()).await;
    if kind == "approved" {
        upload_chip(h, &id, &token, &challenge).await;
    }
    h.submit(&id, &token).await;
    let v = h.wait_decided(&id).await;
    assert_eq!(v["status"], kind, "{v:#}");
    id
}

#[tokio::test]
async fn dashboard_end_to_end_in_chromium() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let e2e = root.join("e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "e2e/node_modules is missing: run scripts/setup --tests (or cd e2e && npm ci)"
    );
    let h = start(Backend::Sqlite, "dash_e2e", |c| {
        common::mrz_chip_policy(c);
        let (csca, _) = chip();
        let dir = c.data_dir.join("trust");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("csca.der"), csca).unwrap();
    })
    .await;
    for (u, r) in [("rhea.reviewer", "reviewer"), ("adam.admin", "admin")] {
        let hash = server::init::hash_password(PASSWORD).unwrap();
        h.state()
            .db
            .add_user(u, &hash, r, h.clock.now_ms())
            .await
            .unwrap();
    }
    // Ten days of traffic, so the charts have something to show.
    let mut review = Vec::new();
    let mut declined = Vec::new();
    for day in 0..10u32 {
        for _ in 0..(2 + day % 3) {
            seed(&h, "approved").await;
        }
        if day % 2 == 0 {
            review.push(seed(&h, "review").await);
        }
        if day % 3 == 1 {
            declined.push(seed(&h, "declined").await);
        }
        h.clock.advance(86_400_000);
    }
    let shots = if std::env::var_os("IDVERIFY_UPDATE_SCREENSHOTS").is_some() {
        root.join("docs/screenshots")
    } else {
        root.join("target/e2e-screenshots")
    };
    let base = h.base.clone();
    let now_s = (h.clock.now_ms() / 1000).to_string();
    let review_case = review[0].clone();
    let declined_case = declined[0].clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg("dashboard.mjs")
            .current_dir(&e2e)
            .env("IDV_BASE", base)
            .env("IDV_NOW_S", now_s)
            .env("IDV_PASSWORD", PASSWORD)
            .env("IDV_REVIEWER", "rhea.reviewer")
            .env("IDV_ADMIN", "adam.admin")
            .env("IDV_REVIEW_CASE", review_case)
            .env("IDV_DECLINED_CASE", declined_case)
            .env("IDV_SCREENSHOTS", &shots)
            .output()
            .expect("node must be installed (scripts/setup --tests)")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "e2e/dashboard.mjs failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("e2e: dashboard passed"), "{stdout}");
    // What the browser did is what the server recorded.
    assert_eq!(h.get_result(&review[0]).await["status"], "declined");
    assert_eq!(h.get_result(&declined[0]).await["status"], "approved");
    h.shutdown().await;
}
