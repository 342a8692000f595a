//! A real server for the integration tests: a fresh data directory made by `init`, SQLite or a
//! fresh PostgreSQL schema, HTTPS with the generated certificate, a clock the test moves, and
//! an HTTPS client that trusts only that certificate.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code,
    reason = "tests"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use server::{Config, ManualClock, Options, Running};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// 2026-11-23T00:00:00Z.
pub const T0: i64 = 1_795_392_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

pub fn postgres_url() -> String {
    std::env::var("IDVERIFY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

pub struct Harness {
    pub running: Option<Running>,
    pub base: String,
    pub client: reqwest::Client,
    pub api_key: String,
    pub clock: Arc<ManualClock>,
    pub dir: PathBuf,
    pub backend: Backend,
}

impl Harness {
    pub fn state(&self) -> &server::Shared {
        &self.running.as_ref().unwrap().state
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn shutdown(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }

    /// `GET path` without credentials, as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// `POST /v1/verifications` with an empty body: the raw response (for refusals).
    pub async fn try_create(&self) -> reqwest::Response {
        self.client
            .post(self.url("/v1/verifications"))
            .bearer_auth(&self.api_key)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
    }

    /// Starts a second node on this one's configuration and clock (its own process state and
    /// port, as a cluster's nodes are provisioned); returns it and its base URL.
    pub async fn second_node(&self) -> (Running, String) {
        let running = launch(self.state().config.clone(), self.clock.clone())
            .await
            .unwrap();
        let base = format!("https://localhost:{}", running.addr.port());
        (running, base)
    }

    /// Creates a verification; returns (id, sdk token, AA challenge).
    pub async fn create(&self) -> (String, String, String) {
        let res = self
            .client
            .post(self.url("/v1/verifications"))
            .bearer_auth(&self.api_key)
            .json(&serde_json::json!({"reference": "case-42"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.unwrap();
        (
            body["id"].as_str().unwrap().to_owned(),
            body["sdk_token"].as_str().unwrap().to_owned(),
            body["aa_challenge"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn put(
        &self,
        id: &str,
        slot: &str,
        token: &str,
        ct: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .put(self.url(&format!("/v1/verifications/{id}/{slot}")))
            .bearer_auth(token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// `POST …/submit` with the SDK token.
    pub async fn submit(&self, id: &str, token: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/v1/verifications/{id}/submit")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_result(&self, id: &str) -> serde_json::Value {
        let res = self
            .client
            .get(self.url(&format!("/v1/verifications/{id}")))
            .bearer_auth(&self.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// Polls until the verification leaves `processing`.
    pub async fn wait_decided(&self, id: &str) -> serde_json::Value {
        for _ in 0..200 {
            let v = self.get_result(id).await;
            // Decided, and the rest of the processing (retention, webhooks) done.
            if v["status"] != "processing" && self.state().tasks.is_empty() {
                return self.get_result(id).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{id} still processing");
    }

    pub fn token_key(&self) -> auth::TokenKey {
        let text = std::fs::read_to_string(self.dir.join("secrets/token.key")).unwrap();
        let mut k = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut k).unwrap();
        auth::TokenKey::new("k1", k)
    }

    pub fn audit_key(&self) -> audit::AuditKey {
        let text = std::fs::read_to_string(self.dir.join("secrets/audit.key")).unwrap();
        let mut k = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut k).unwrap();
        audit::AuditKey::new(k)
    }
}

/// A fresh configuration on `backend`: a new data directory (not yet initialised) and, on
/// PostgreSQL, a new schema.
pub async fn fresh_config(backend: Backend, name: &str) -> Config {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir =
        std::env::temp_dir().join(format!("idverify-server-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = Config::initial(&dir, "127.0.0.1:0");
    if backend == Backend::Postgres {
        let schema = format!("idv_srv_{}_{name}_{n}", std::process::id());
        let admin = store::Db::connect(&postgres_url(), None)
            .await
            .expect("PostgreSQL must be reachable for the server tests");
        admin
            .execute_raw(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
            .unwrap();
        admin
            .execute_raw(&format!("CREATE SCHEMA {schema}"))
            .await
            .unwrap();
        config.database.url = postgres_url();
        config.database.schema = Some(schema);
    }
    config.retention.purge_interval_secs = 3600;
    config
}

/// Starts an initialised `config` on the test clock (background jobs off).
pub async fn launch(
    config: Config,
    clock: Arc<ManualClock>,
) -> Result<server::Running, server::Error> {
    server::start(
        config,
        Options {
            insecure_http: false,
            clock,
            background_jobs: false,
        },
    )
    .await
}

/// A harness around a running server whose data directory `init` made (`api_key` from it).
pub fn harness(
    running: Running,
    config: &Config,
    api_key: String,
    clock: Arc<ManualClock>,
    backend: Backend,
) -> Harness {
    let dir = config.data_dir.clone();
    let cert = std::fs::read(dir.join("tls/cert.pem")).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .no_proxy()
        .build()
        .unwrap();
    Harness {
        base: format!("https://localhost:{}", running.addr.port()),
        running: Some(running),
        client,
        api_key,
        clock,
        dir,
        backend,
    }
}

/// Starts a server on `backend`; `tweak` edits the configuration and may drop trust anchors in
/// the data directory before start.
pub async fn start(backend: Backend, name: &str, tweak: impl FnOnce(&mut Config)) -> Harness {
    let mut config = fresh_config(backend, name).await;
    tweak(&mut config);
    let clock = Arc::new(ManualClock::new(T0));
    let done = server::init::init(config.clone(), T0).await.unwrap();
    let running = launch(config.clone(), clock.clone()).await.unwrap();
    harness(running, &config, done.api_key.to_string(), clock, backend)
}

/// A chip of the ICAO specimen (expiry moved to 2031), signed by a P-256 test PKI, with an RSA
/// Active Authentication key; returns (CSCA certificate DER, chip).
pub fn chip() -> (Vec<u8>, emrtd_testkit::TestChip) {
    use emrtd_testkit::{AaKey, ChipBuilder, KeyKind, TestKey, dg1};
    let (csca, dsc) = emrtd_testkit::p256_pki();
    let chip = ChipBuilder::new(&dsc)
        .data_group(1, dg1(MRZ))
        .aa_key(AaKey::Rsa(
            TestKey::generate(KeyKind::Rsa1024, 3),
            emrtd::HashAlgorithm::Sha1,
        ))
        .build();
    (csca.cert_der.clone(), chip)
}

/// The ICAO 9303-4 specimen with its expiry moved to 2031-04-15 (check digits recomputed).
pub const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F3104150ZE184226B<<<<<16";

/// Makes `config` decide by the test policy in which the MRZ and the chip alone decide
/// (`testdata/policy-mrz-chip.toml`); `init` keeps the file it finds.
pub fn mrz_chip_policy(config: &Config) {
    std::fs::create_dir_all(&config.data_dir).unwrap();
    std::fs::write(
        config.data_dir.join("policy.toml"),
        include_str!("../../testdata/policy-mrz-chip.toml"),
    )
    .unwrap();
}

/// A generated passport data page photographed on T0's day (crates/docgen): a real document
/// for the document engine, with phone EXIF of that morning.
#[allow(dead_code)]
pub fn document_jpeg() -> Vec<u8> {
    document_jpeg_with(docgen::FaceSet::load_dir(&docgen::FaceSet::default_dir(), 3).unwrap())
}

/// The same page, its portrait printed from `face` (a JPEG).
#[allow(dead_code)]
pub fn document_jpeg_of(face: &[u8]) -> Vec<u8> {
    document_jpeg_with(docgen::FaceSet::from_jpegs([face]).unwrap())
}

fn document_jpeg_with(faces: docgen::FaceSet) -> Vec<u8> {
    let today = mrz::Date::new(2026, 11, 23).unwrap();
    let g = docgen::Generator::new(docgen::Fonts::system().unwrap(), faces, today).unwrap();
    let spec = docgen::Spec {
        kind: docgen::DocKind::Passport,
        difficulty: docgen::Difficulty::Clean,
        refusal: None,
        attack: None,
    };
    // A page whose printed fields Tesseract reads confidently (seed 11's number is read at low
    // confidence, which sends the case to review, as it should): the happy path approves.
    g.sample(12, spec).unwrap().front.jpeg
}

/// A small real JPEG (the imaging crate's fixture).
pub fn jpeg() -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../imaging/tests/data/face.jpg"))
        .unwrap()
}
