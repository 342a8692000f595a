//! The server makes no outbound connection other than to the configured webhook URL.
//!
//! `idverify serve` runs under `strace -f`, recording every `connect`, `sendto` and `sendmsg`
//! of every thread, while a full verification goes through it (create, upload, submit, decide,
//! webhook). A proxy set in the environment must be ignored. Afterwards every recorded
//! destination must be the webhook receiver. (`scripts/setup` installs strace; the test fails,
//! never skips, without it.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests"
)]

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// A minimal HTTP/1.1 endpoint that answers 200 to everything and counts requests.
fn webhook_receiver() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read headers, then the body by Content-Length.
            while let Ok(n) = s.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_lowercase();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            c.fetch_add(1, Ordering::SeqCst);
            let _ =
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (port, count)
}

#[tokio::test]
async fn serve_connects_only_to_the_configured_webhook() {
    let strace = Command::new("strace").arg("-V").output();
    assert!(
        strace.is_ok_and(|o| o.status.success()),
        "strace is missing: run scripts/setup"
    );
    let port = common::free_port();
    let (dir, api_key) = common::init("no-outbound", port);

    let (hook_port, deliveries) = webhook_receiver();
    let log: PathBuf = dir.join("strace.log");
    let mut child = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_idverify"))
        .args(["serve", "--data"])
        .arg(&dir)
        .env(
            "IDVERIFY_WEBHOOKS__URLS",
            format!("[\"http://127.0.0.1:{hook_port}/hook\"]"),
        )
        .env("IDVERIFY_WEBHOOKS__POLL_INTERVAL_MS", "50")
        // A proxy in the environment must not be used (nor a connection made to it).
        .env("HTTP_PROXY", "http://192.0.2.1:3128")
        .env("HTTPS_PROXY", "http://192.0.2.1:3128")
        .env("ALL_PROXY", "http://192.0.2.1:3128")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    let client = common::client(&dir);
    let base = format!("https://localhost:{port}");
    common::wait_ready(&client, &base).await;

    let created: serde_json::Value = client
        .post(format!("{base}/v1/verifications"))
        .bearer_auth(&api_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let token = created["sdk_token"].as_str().unwrap();
    let r = client
        .put(format!("{base}/v1/verifications/{id}/document/mrz"))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = client
        .post(format!("{base}/v1/verifications/{id}/submit"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    for _ in 0..200 {
        if deliveries.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        deliveries.load(Ordering::SeqCst),
        1,
        "the webhook was not delivered"
    );

    // Graceful stop on SIGTERM, sent to the server itself: strace ignores SIGTERM while its
    // command runs, and exits with the command's status.
    let server_pid = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id()))
        .unwrap()
        .split_whitespace()
        .next()
        .expect("strace has started the server")
        .to_owned();
    let _ = Command::new("kill").args(["-TERM", &server_pid]).status();
    let status = child.wait().unwrap();
    assert!(status.success(), "serve exited with {status}");

    let trace = std::fs::read_to_string(&log).unwrap();
    let mut destinations = Vec::new();
    for line in trace.lines() {
        if !(line.contains("connect(") || line.contains("sendto(") || line.contains("sendmsg(")) {
            continue;
        }
        if let Some(i) = line.find("sa_family=") {
            let rest = &line[i..];
            let family = rest
                .trim_start_matches("sa_family=")
                .split([',', '}'])
                .next()
                .unwrap_or("");
            let port = rest
                .find("htons(")
                .map(|j| rest[j + 6..].split(')').next().unwrap_or("").to_owned());
            let addr = rest
                .find("inet_addr(\"")
                .map(|j| rest[j + 11..].split('"').next().unwrap_or("").to_owned())
                .or_else(|| {
                    rest.find("inet_pton(AF_INET6, \"")
                        .map(|j| rest[j + 21..].split('"').next().unwrap_or("").to_owned())
                });
            destinations.push((family.to_owned(), addr, port, line.to_owned()));
        }
    }
    let hook = hook_port.to_string();
    let others: Vec<&(String, Option<String>, Option<String>, String)> = destinations
        .iter()
        .filter(|(family, addr, port, _)| {
            !(family == "AF_INET"
                && addr.as_deref() == Some("127.0.0.1")
                && port.as_deref() == Some(hook.as_str()))
        })
        .collect();
    assert!(
        others.is_empty(),
        "outbound connections other than the webhook: {others:#?}"
    );
    assert!(
        destinations
            .iter()
            .any(|(_, _, p, _)| p.as_deref() == Some(hook.as_str())),
        "strace saw no connection at all to the webhook: is tracing working? {trace}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
