//! A real `idverify serve` process for the binary's end-to-end tests: a data directory made by
//! `idverify init`, the HTTPS client that trusts its certificate, and readiness polling.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code,
    reason = "tests"
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh data directory initialised for `127.0.0.1:port`; returns it and the first API key.
pub fn init(name: &str, port: u16) -> (PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("idverify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let init = Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["init", "--data"])
        .arg(&dir)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let stdout = String::from_utf8_lossy(&init.stdout);
    let api_key = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("API key:"))
        .unwrap()
        .trim()
        .to_owned();
    (dir, api_key)
}

/// An HTTPS client that trusts only the data directory's certificate and ignores any proxy.
pub fn client(dir: &Path) -> reqwest::Client {
    let cert = std::fs::read(dir.join("tls/cert.pem")).unwrap();
    server::install_crypto_provider();
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Waits until `/readyz` answers 200 (at most 15 s).
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {base} did not come up");
}

/// `POST /v1/verifications` with the API key: the created verification's JSON.
pub async fn create(client: &reqwest::Client, base: &str, api_key: &str) -> serde_json::Value {
    client
        .post(format!("{base}/v1/verifications"))
        .bearer_auth(api_key)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Every file under `p`, recursively.
pub fn walk(p: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(p) else {
        return out;
    };
    for e in rd.flatten() {
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path().display().to_string());
        }
    }
    out
}

/// `idverify serve --data DIR` with extra environment, its output discarded.
pub fn serve(dir: &Path, env: &[(&str, &str)]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_idverify"))
        .args(["serve", "--data"])
        .arg(dir)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Stops a server gracefully (SIGTERM) and waits for it; returns whether it exited cleanly.
pub fn stop(mut child: std::process::Child) -> bool {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    child.wait().is_ok_and(|s| s.success())
}
