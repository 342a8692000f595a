//! The capture page end to end: a real server (with the face models), Debian's headless
//! Chromium through `e2e/capture.mjs`, its fake camera fed a `.y4m` video made here from the
//! deepface photos. The page walks through camera permission, document, selfie, the liveness
//! step and submission, in English and in Arabic; each verification then carries a liveness
//! result. Screenshots go to `IDVERIFY_SCREENSHOTS` (the committed ones in `docs/screenshots/`
//! came from `IDVERIFY_SCREENSHOTS=docs/screenshots`), else a temporary directory.
//!
//! The fake camera is, by construction, an injected stream: it does not see the screen's
//! colours, so the liveness verdict is expected to fail, and the test says so.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "tests"
)]

mod common;

use std::io::Write;
use std::path::PathBuf;

use common::{Backend, start};
use imaging::{Affine, Image};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn photo(name: &str) -> Image {
    let bytes = std::fs::read(root().join("../shared/data/faces-deepface").join(name)).unwrap();
    imaging::decode(&bytes, &imaging::Limits::default()).unwrap()
}

/// The photo fitted into 640×480 (scaled to the height, centred, black bars).
fn fit(img: &Image) -> Image {
    let s = img.height() as f32 / 480.0;
    let w = img.width() as f32 / s;
    let map = Affine {
        a: s,
        b: 0.0,
        c: -(640.0 - w) / 2.0 * s,
        d: 0.0,
        e: s,
        f: 0.0,
    };
    img.warp_affine(&map, 640, 480).unwrap()
}

/// YUV4MPEG2, 4:2:0 (BT.601 full range, as `C420jpeg` says).
fn write_y4m(path: &std::path::Path, frames: &[Image], fps: u32) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(f, "YUV4MPEG2 W640 H480 F{fps}:1 Ip A1:1 C420jpeg").unwrap();
    for img in frames {
        f.write_all(b"FRAME\n").unwrap();
        let (w, h) = (640usize, 480usize);
        let px = |x: usize, y: usize| {
            let p = img.pixel(x as u32, y as u32).unwrap_or([0, 0, 0]);
            (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]))
        };
        let mut ys = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let (r, g, b) = px(x, y);
                ys.push(
                    (0.299 * r + 0.587 * g + 0.114 * b)
                        .round()
                        .clamp(0.0, 255.0) as u8,
                );
            }
        }
        let mut us = Vec::with_capacity(w * h / 4);
        let mut vs = Vec::with_capacity(w * h / 4);
        for y in (0..h).step_by(2) {
            for x in (0..w).step_by(2) {
                let (r, g, b) = px(x, y);
                us.push(
                    (128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b)
                        .round()
                        .clamp(0.0, 255.0) as u8,
                );
                vs.push(
                    (128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b)
                        .round()
                        .clamp(0.0, 255.0) as u8,
                );
            }
        }
        f.write_all(&ys).unwrap();
        f.write_all(&us).unwrap();
        f.write_all(&vs).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_capture_page_walks_through_in_english_and_arabic() {
    let models = std::env::var_os("IDVERIFY_MODELS_DIR")
        .map_or_else(|| root().join("target/models"), PathBuf::from);
    let h = start(Backend::Sqlite, "capture_e2e", |c| {
        c.models.dir = Some(models)
    })
    .await;
    let tmp = h.dir.join("e2e");
    std::fs::create_dir_all(&tmp).unwrap();
    // The video: the person looking straight, turning left, right, smiling (img10, img11, img4,
    // img1 of the development set), 5 frames a second, looped by Chromium.
    let mut frames = Vec::new();
    for (name, count) in [
        ("img10.jpg", 20),
        ("img11.jpg", 6),
        ("img10.jpg", 4),
        ("img4.jpg", 6),
        ("img10.jpg", 4),
        ("img1.jpg", 6),
    ] {
        let img = fit(&photo(name));
        frames.extend(std::iter::repeat_n(img, count));
    }
    let y4m = tmp.join("camera.y4m");
    write_y4m(&y4m, &frames, 5);
    // The server's clock follows real time while the browser works.
    let clock = h.clock.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            clock.advance(100);
        }
    });
    let mut runs = Vec::new();
    let mut ids = Vec::new();
    for lang in ["en", "ar"] {
        let (id, token, _) = h.create().await;
        runs.push(serde_json::json!({"lang": lang, "id": id, "token": token}));
        ids.push(id);
    }
    let shots = std::env::var_os("IDVERIFY_SCREENSHOTS").map_or_else(
        || tmp.join("screenshots"),
        |d| {
            let d = PathBuf::from(d);
            if d.is_absolute() { d } else { root().join(d) }
        },
    );
    let e2e = root().join("e2e");
    assert!(
        e2e.join("node_modules/playwright-core").exists(),
        "run `cd e2e && npm ci` first (scripts/setup.d/60-test-browser.sh)"
    );
    let (base, runs_json) = (h.base.clone(), serde_json::to_string(&runs).unwrap());
    let (y4m_path, shots_dir) = (y4m.clone(), shots.clone());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg("capture.mjs")
            .current_dir(&e2e)
            .env("BASE", base)
            .env("Y4M", y4m_path)
            .env("SHOTS_DIR", shots_dir)
            .env("RUNS", runs_json)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "capture.mjs failed\n{stdout}\n{stderr}"
    );
    for id in &ids {
        let v = h.wait_decided(id).await;
        let checks = v["result"]["checks"].as_array().unwrap();
        let verdict = checks
            .iter()
            .find(|c| c["check"] == "liveness.verdict")
            .unwrap_or_else(|| panic!("no liveness result: {v:#}"));
        let frames = checks
            .iter()
            .find(|c| c["check"] == "liveness.challenge")
            .unwrap();
        println!(
            "{id}: liveness {} {} (frames {})",
            verdict["status"], verdict["reason"], frames["evidence"]["frames"]
        );
        assert!(
            frames["evidence"]["frames"].as_u64().unwrap() >= 20,
            "{frames:#}"
        );
        assert!(
            verdict["status"] == "pass" || verdict["status"] == "fail",
            "{verdict:#}"
        );
        // The page's photos reached the engines (the evidence itself may be purged already:
        // declined cases keep none by default).
        for name in [
            "face.quality.selfie",
            "face.quality.document",
            "face.selfie_vs_document",
        ] {
            assert!(checks.iter().any(|c| c["check"] == name), "{name}: {v:#}");
        }
    }
    ticker.abort();
    h.shutdown().await;
}
