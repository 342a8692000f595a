//! Crash safety: `idverify serve` is killed with SIGKILL at random moments while a client
//! creates verifications, uploads evidence and submits them, and is started again each time.
//! Afterwards every write the server acknowledged must be there and readable, every submitted
//! verification decided, the audit chain intact, and no half-written object visible.
//!
//! "Readable" is proven by the server itself: after the last restart every acknowledged
//! submission is processed, and its MRZ check passes only if the sealed MRZ blob decrypts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F3104150ZE184226B<<<<<16";
const KILLS: usize = 20;

fn serve(dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["serve", "--data"])
        .arg(dir)
        // Keep every outcome's evidence, so every acknowledged upload must still be there.
        .env("IDVERIFY_RETENTION__REVIEW", "12 months")
        .env("IDVERIFY_RETENTION__DECLINED", "12 months")
        .env("IDVERIFY_RETENTION__APPROVED", "12 months")
        .env("IDVERIFY_LIMITS__API_KEY_PER_MINUTE", "1000000")
        .env("IDVERIFY_LIMITS__IP_PER_MINUTE", "1000000")
        .env("IDVERIFY_LIMITS__SDK_PER_MINUTE", "1000000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// What the server acknowledged for one verification.
#[derive(Debug, Default)]
struct Acked {
    uploads: Vec<String>,
    submitted: bool,
}

/// xorshift: reproducible kill times from a seed printed on failure.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_sigkill() {
    let port = common::free_port();
    let (dir, api_key) = common::init("crash", port);
    let client = common::client(&dir);
    let base = format!("https://localhost:{port}");
    let seed = 0x9E37_79B9_7F4A_7C15_u64 ^ u64::from(std::process::id());
    let mut rng = Rng(seed);
    let mut acked: BTreeMap<String, Acked> = BTreeMap::new();
    let mut kills = 0;
    let mut requests = 0u64;
    let mut refused = 0u64;
    let selfie =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../imaging/tests/data/face.jpg"))
            .unwrap();

    while kills < KILLS {
        let mut child = serve(&dir);
        common::wait_ready(&client, &base).await;
        // Kill after a random 150–650 ms of load.
        let deadline = Instant::now() + Duration::from_millis(150 + rng.next() % 500);
        let load = async {
            loop {
                // One verification: create, two uploads, submit — each acknowledged write noted.
                let Ok(r) = client
                    .post(format!("{base}/v1/verifications"))
                    .bearer_auth(&api_key)
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                else {
                    return;
                };
                requests += 1;
                if r.status() != 201 {
                    refused += 1;
                    continue;
                }
                let Ok(body) = r.json::<serde_json::Value>().await else {
                    return;
                };
                let id = body["id"].as_str().unwrap().to_owned();
                let token = body["sdk_token"].as_str().unwrap().to_owned();
                acked.entry(id.clone()).or_default();
                for (slot, ct, bytes) in [
                    ("document/mrz", "text/plain", MRZ.as_bytes().to_vec()),
                    ("selfie", "image/jpeg", selfie.clone()),
                ] {
                    let Ok(r) = client
                        .put(format!("{base}/v1/verifications/{id}/{slot}"))
                        .bearer_auth(&token)
                        .header("content-type", ct)
                        .body(bytes)
                        .send()
                        .await
                    else {
                        return;
                    };
                    requests += 1;
                    if r.status() == 201 {
                        acked.get_mut(&id).unwrap().uploads.push(slot.to_owned());
                    } else {
                        refused += 1;
                    }
                }
                let Ok(r) = client
                    .post(format!("{base}/v1/verifications/{id}/submit"))
                    .bearer_auth(&token)
                    .send()
                    .await
                else {
                    return;
                };
                requests += 1;
                if r.status() == 202 {
                    acked.get_mut(&id).unwrap().submitted = true;
                } else {
                    refused += 1;
                }
            }
        };
        let _ = tokio::time::timeout_at(deadline.into(), load).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
    }

    // Start once more and let it finish what was submitted before the last kill.
    let mut child = serve(&dir);
    common::wait_ready(&client, &base).await;
    let mut decided = 0;
    let mut uploads = 0;
    for (id, a) in &acked {
        let mut v = serde_json::Value::Null;
        for _ in 0..400 {
            v = client
                .get(format!("{base}/v1/verifications/{id}"))
                .bearer_auth(&api_key)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if v["status"] != "processing" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(v["id"] == id.as_str(), "seed {seed:#x}: {id} lost: {v}");
        let held: Vec<&str> = v["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        for u in &a.uploads {
            assert!(
                held.contains(&u.as_str()),
                "seed {seed:#x}: {id} lost {u}: {v}"
            );
            uploads += 1;
        }
        if a.submitted {
            assert!(
                ["approved", "declined", "review"].contains(&v["status"].as_str().unwrap()),
                "seed {seed:#x}: {id} submitted but not decided: {v}"
            );
            let mrz = v["result"]["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["check"] == "mrz.check_digits")
                .cloned();
            if a.uploads.iter().any(|u| u == "document/mrz") {
                assert_eq!(
                    mrz.as_ref().map(|c| c["status"].clone()),
                    Some("pass".into()),
                    "seed {seed:#x}: {id}: the MRZ did not read back: {v}"
                );
            }
            decided += 1;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());

    // The audit chain verifies, and no temporary (half-written) object is left visible.
    let audit = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["audit", "verify", "--db"])
        .arg(format!("sqlite://{}", dir.join("idverify.db").display()))
        .arg("--key-file")
        .arg(dir.join("secrets/audit.key"))
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "seed {seed:#x}: {}{}",
        String::from_utf8_lossy(&audit.stdout),
        String::from_utf8_lossy(&audit.stderr)
    );
    let leftovers = common::walk(&dir.join("evidence"))
        .into_iter()
        .filter(|p| p.contains(".tmp-"))
        .count();
    assert_eq!(leftovers, 0, "seed {seed:#x}: half-written objects left");
    assert!(
        acked.len() > KILLS && decided > 0,
        "seed {seed:#x}: too little load to mean anything ({} verifications)",
        acked.len()
    );
    println!(
        "crash test: {kills} SIGKILLs, {requests} requests ({refused} refused or cut), {} verifications acknowledged, {uploads} acknowledged uploads present, {decided} acknowledged submissions decided; audit chain verifies",
        acked.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
