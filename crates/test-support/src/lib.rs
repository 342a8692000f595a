//! Real local services for the integration tests (a dev-dependency only, never shipped).
//!
//! [`S3Server`] runs `s3s-fs`, an S3-compatible server over a directory that checks every
//! request's Signature Version 4, on a free loopback port. `scripts/setup` installs it into
//! `target/tools/bin/`; `IDVERIFY_TEST_S3S_FS` may point elsewhere. A test that needs it fails,
//! never skips, when it is missing.
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a failure here is a failed test"
)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Access key id the server accepts.
pub const ACCESS_KEY: &str = "idverify-test";
/// Secret access key the server accepts.
pub const SECRET_KEY: &str = "idverify-test-secret-key-0123456789";

/// A running S3-compatible server; stopped and its directory removed on drop.
#[derive(Debug)]
pub struct S3Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The directory behind it: one sub-directory per bucket.
    pub root: PathBuf,
}

fn binary() -> PathBuf {
    if let Ok(p) = std::env::var("IDVERIFY_TEST_S3S_FS") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/bin/s3s-fs")
}

impl S3Server {
    /// Starts a server with the given buckets (each a directory under its root).
    ///
    /// # Panics
    /// If `s3s-fs` is missing (run `scripts/setup`) or does not come up within 10 s.
    #[must_use]
    pub fn start(name: &str, buckets: &[&str]) -> S3Server {
        let bin = binary();
        assert!(
            bin.exists(),
            "{} is missing: run scripts/setup (it installs s3s-fs)",
            bin.display()
        );
        let root = std::env::temp_dir().join(format!("idverify-s3-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for b in buckets {
            std::fs::create_dir_all(root.join(b)).unwrap();
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "s3s-fs did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
        S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            root,
        }
    }

    /// Every file under the server's root (what a bucket holds on disk).
    #[must_use]
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(p: &std::path::Path, out: &mut Vec<PathBuf>) {
            let Ok(rd) = std::fs::read_dir(p) else { return };
            for e in rd.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
