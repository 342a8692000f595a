//! The idverify server: the HTTP API integrators and the capture SDK call.
//!
//! - [`config`]: the TOML file and its `IDVERIFY_*` overrides; [`init`] creates a data directory
//!   with every secret generated (no default passwords).
//! - [`api`]: the routes — verifications, SDK uploads, submit, results, webhooks' delivery log,
//!   health, readiness, metrics, the OpenAPI document — and their credentials.
//! - [`pipeline`]: the engines behind one trait, and the decision by the risk engine;
//!   [`policy`]: the policy file, validated and reloaded when it changes.
//! - [`webhooks`], [`jobs`]: the delivery worker, expiry and the retention purge; [`export`]:
//!   subject requests (a signed archive of one verification).
//! - [`dashboard`]: the reviewers' and administrators' web pages (sign-in with TOTP, the
//!   review queue and workflow, users, API keys, audit log, policy, charts).
//! - [`tls`]: rustls (aws-lc-rs) and the accept loop with graceful shutdown.
//!
//! Time comes from a [`Clock`], so tests can move it; randomness from the OS generator.
#![forbid(unsafe_code)]

pub mod api;
pub mod capture;
pub mod config;
pub mod dashboard;
mod error;
pub mod evidence;
pub mod export;
pub mod init;
pub mod jobs;
pub mod licensing;
pub mod liveness;
pub mod metrics;
pub mod pipeline;
pub mod policy;
pub mod ratelimit;
pub mod tls;
pub mod webhooks;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use zeroize::Zeroizing;

pub use config::Config;
pub use error::{ApiError, Error};

/// The OS random generator, as the crates' `CryptoRng`.
pub(crate) fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// `N` bytes from the OS random generator.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand_core::Rng::fill_bytes(&mut rng(), &mut b);
    b
}

/// Installs aws-lc-rs as the process's rustls provider (idempotent): the one TLS provider in
/// the tree, for the server, the webhook client and HTTPS clients in tests and tools.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Where the time comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, Unix milliseconds.
    fn now_ms(&self) -> i64;
}

/// The system clock: the one place the server reads it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods, reason = "the server's one clock")]
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock tests set and move.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock at `ms`.
    #[must_use]
    pub fn new(ms: i64) -> ManualClock {
        ManualClock(AtomicI64::new(ms))
    }

    /// Moves it by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The secrets, loaded from their files; each zeroized on drop and redacted in `Debug`.
#[derive(Debug)]
pub struct Secrets {
    /// Wraps data keys.
    pub keyring: envelope::Keyring,
    /// Signs SDK tokens.
    pub token_keys: Vec<auth::TokenKey>,
    /// Chains the audit trail.
    pub audit: audit::AuditKey,
    /// Signs webhooks.
    pub webhook: WebhookSecret,
}

/// The webhook signing secret.
pub struct WebhookSecret(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

impl WebhookSecret {
    /// The bytes, for signing.
    #[must_use]
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Reads a 32-byte secret written as hex.
///
/// # Errors
/// `secret_invalid` when the file is missing, readable by others, or not 64 hex digits.
pub fn read_secret(path: &Path) -> Result<Zeroizing<[u8; 32]>, Error> {
    let name = path.display().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta =
            std::fs::metadata(path).map_err(|e| Error::Secret(name.clone(), e.to_string()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(Error::Secret(
                name,
                "readable by group or others; chmod 600 it".into(),
            ));
        }
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| Error::Secret(name.clone(), e.to_string()))?,
    );
    let mut out = Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(text.trim(), out.as_mut_slice())
        .map_err(|_| Error::Secret(name, "expected 64 hex digits".into()))?;
    Ok(out)
}

/// [`read_secret`], first making the file (32 random bytes, hex, mode 0600) if it does not exist:
/// for keys made on first use (the export and backup keys).
///
/// # Errors
/// As [`read_secret`], or the file cannot be written.
pub fn read_or_create_secret(path: &Path) -> Result<Zeroizing<[u8; 32]>, Error> {
    if !path.exists() {
        let mut b = Zeroizing::new([0u8; 32]);
        rand_core::Rng::fill_bytes(&mut rng(), b.as_mut_slice());
        tls::write_private(path, hex::encode(b.as_slice()).as_bytes())?;
    }
    read_secret(path)
}

impl Secrets {
    /// Loads the secrets the configuration names.
    ///
    /// # Errors
    /// As [`read_secret`].
    pub fn load(config: &Config) -> Result<Secrets, Error> {
        let s = &config.secrets;
        let master = read_secret(&config.path(&s.master_key_file))?;
        let master = envelope::MasterKey::from_bytes(master.as_slice())
            .map_err(|e| Error::Secret("master key".into(), e.to_string()))?;
        let token = read_secret(&config.path(&s.token_key_file))?;
        let audit = read_secret(&config.path(&s.audit_key_file))?;
        let webhook = read_secret(&config.path(&s.webhook_secret_file))?;
        Ok(Secrets {
            keyring: envelope::Keyring::new(master),
            token_keys: vec![auth::TokenKey::new("k1", *token)],
            audit: audit::AuditKey::new(*audit),
            webhook: WebhookSecret(webhook),
        })
    }
}

/// Everything a request handler needs.
pub struct AppState {
    /// The configuration.
    pub config: Config,
    /// The database.
    pub db: store::Db,
    /// The evidence store.
    pub objects: Arc<dyn store::ObjectStore>,
    /// The secrets.
    pub secrets: Secrets,
    /// The engines.
    pub engines: Arc<Vec<Box<dyn pipeline::Engine>>>,
    /// The decision policy in force.
    pub policy: policy::PolicyStore,
    /// Per-API-key budget.
    pub api_limiter: ratelimit::Budget,
    /// Per-verification SDK budget.
    pub sdk_limiter: ratelimit::Budget,
    /// Per-IP budget.
    pub ip_limiter: ratelimit::Budget,
    /// The licence in force (re-checked daily).
    pub licence: licensing::Licensing,
    /// Metrics.
    pub metrics: metrics::Metrics,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Background work (processing, deliveries) that shutdown waits for.
    pub tasks: TaskTracker,
    /// Cancelled when the server stops.
    pub shutdown: CancellationToken,
    /// Wakes the webhook worker.
    pub webhook_wake: tokio::sync::Notify,
    /// The webhook HTTP client (no proxy, no redirects).
    pub http: reqwest::Client,
    /// The dashboard's sign-in limits.
    pub dashboard: dashboard::DashboardState,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("listen", &self.config.server.listen)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for dyn pipeline::Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Engine({})", self.name())
    }
}

/// The shared state.
pub type Shared = Arc<AppState>;

impl AppState {
    /// Now, Unix ms.
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Appends an audit event; a failure is logged and counted, and returned.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        details: serde_json::Value,
    ) -> Result<(), ApiError> {
        let entry = audit::Entry {
            at_ms: self.now_ms(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject: subject.to_owned(),
            details,
        };
        match self.db.append_audit(&self.secrets.audit, entry).await {
            Ok(_) => Ok(()),
            Err(e) => {
                self.metrics.event("audit_append_failed");
                Err(e.into())
            }
        }
    }
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Serve plain HTTP (behind a TLS-terminating proxy only).
    pub insecure_http: bool,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Run the background jobs (tests drive them by hand when false).
    pub background_jobs: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            insecure_http: false,
            clock: Arc::new(SystemClock),
            background_jobs: true,
        }
    }
}

/// Builds the state: connects and migrates the database, opens the object store, loads the
/// secrets and the trust store.
///
/// # Errors
/// Any start-up failure, with its code.
pub async fn build_state(config: Config, options: &Options) -> Result<Shared, Error> {
    install_crypto_provider();
    let secrets = Secrets::load(&config)?;
    let db = store::Db::connect(&config.database_url(), config.database.schema.as_deref()).await?;
    db.migrate().await?;
    let objects = open_objects(&config)?;
    let trust = Arc::new(load_trust(&config, options.clock.now_ms())?);
    let licence = licensing::Licensing::load(&config, &db, options.clock.now_ms()).await?;
    let face = if licence.features().face {
        load_face(&config)?
    } else {
        None
    };
    let document = if licence.features().document {
        pipeline::document_engine(&config.document)?
    } else {
        Box::new(pipeline::DOCUMENT_UNAVAILABLE)
    };
    let shared = config
        .limits
        .shared
        .unwrap_or_else(|| !config.database_url().starts_with("sqlite:"));
    let budget = |kind: &'static str, per_minute: u32| {
        if shared {
            ratelimit::Budget::Shared(ratelimit::SharedLimiter::new(kind, per_minute, db.clone()))
        } else {
            ratelimit::Budget::Local(ratelimit::Limiter::new(per_minute))
        }
    };
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(config.webhooks.timeout_ms))
        .connect_timeout(Duration::from_millis(config.webhooks.timeout_ms))
        .user_agent(concat!("idverify-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Tls(e.to_string()))?;
    let config_dashboard = config.dashboard.clone();
    Ok(Arc::new(AppState {
        api_limiter: budget("api", config.limits.api_key_per_minute),
        sdk_limiter: budget("sdk", config.limits.sdk_per_minute),
        ip_limiter: budget("ip", config.limits.ip_per_minute),
        engines: Arc::new(licensing::gate(
            pipeline::engines(trust, face, document),
            licence.features(),
        )),
        licence,
        policy: policy::PolicyStore::load(&config)?,
        config,
        db,
        objects,
        secrets,
        metrics: metrics::Metrics::default(),
        clock: options.clock.clone(),
        tasks: TaskTracker::new(),
        shutdown: CancellationToken::new(),
        webhook_wake: tokio::sync::Notify::new(),
        http,
        dashboard: dashboard::DashboardState::new(&config_dashboard),
    }))
}

/// The evidence store the configuration names. A sealed blob is the upload plus its envelope.
fn open_objects(config: &Config) -> Result<Arc<dyn store::ObjectStore>, Error> {
    let max_object = u64::try_from(config.limits.max_body_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1024);
    let c = &config.storage;
    if c.kind != "s3" {
        return Ok(Arc::new(store::LocalDir::open(
            config.path(&c.path),
            max_object,
        )?));
    }
    let missing = |k: &str| Error::Config(format!("storage.{k}: required for s3"));
    let secret_file = config.path(
        c.s3_secret_key_file
            .as_ref()
            .ok_or_else(|| missing("s3_secret_key_file"))?,
    );
    let secret = std::fs::read_to_string(&secret_file)
        .map_err(|e| Error::Io(secret_file.display().to_string(), e))?;
    let ca_pem = match &c.s3_ca_file {
        Some(p) => {
            let p = config.path(p);
            Some(std::fs::read(&p).map_err(|e| Error::Io(p.display().to_string(), e))?)
        }
        None => None,
    };
    let s3 = store::S3::new(
        store::S3Config {
            endpoint: c
                .s3_endpoint
                .clone()
                .ok_or_else(|| missing("s3_endpoint"))?,
            bucket: c.s3_bucket.clone().ok_or_else(|| missing("s3_bucket"))?,
            region: c.s3_region.clone(),
            access_key_id: c
                .s3_access_key_id
                .clone()
                .ok_or_else(|| missing("s3_access_key_id"))?,
            secret_access_key: Zeroizing::new(secret.trim().to_owned()),
            prefix: c.s3_prefix.clone(),
            ca_pem,
            timeout: Duration::from_secs(30),
        },
        max_object,
    )?;
    Ok(Arc::new(s3))
}

/// The face engine: models from the vendor's signed bundle (decrypted into memory only) or,
/// without a bundle, from the models directory; every file checked against its pin first.
fn load_face(config: &Config) -> Result<Option<face::FaceEngine>, Error> {
    let Some(dir) = &config.models.dir else {
        tracing::warn!("no [models] dir configured: the face engine reports engine_unavailable");
        return Ok(None);
    };
    let dir = config.path(dir);
    let kind = if config.models.detector == "short" {
        face::DetectorKind::ShortRange
    } else {
        face::DetectorKind::FullRange
    };
    let started = std::time::Instant::now();
    let models = if config.models.bundle.is_some() {
        let memory = open_bundle(config, &dir)?;
        tracing::info!(
            ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "model bundle verified and decrypted into memory"
        );
        face::FaceModels::load(&memory, kind)
    } else {
        let models = inference::ModelDir::open_pinned(&dir)
            .map_err(|e| Error::Models(e.code(), format!("{}: {e}", dir.display())))?;
        face::FaceModels::load(&models, kind)
    }
    .map_err(|e| Error::Models(e.code(), e.to_string()))?;
    tracing::info!(
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "models verified and loaded"
    );
    Ok(Some(face::FaceEngine::new(
        models,
        face::FaceConfig::default(),
    )))
}

/// Verifies the model bundle (signature, the version of every model this build needs, every
/// hash) and decrypts it into memory. Nothing is written to disk; the content key is zeroized
/// when this returns, the plaintext when the caller drops the models.
///
/// # Errors
/// `models_*` codes from `crates/bundle`, naming the bundle and the bad model.
pub fn open_bundle(config: &Config, runtime_dir: &Path) -> Result<inference::MemoryModels, Error> {
    let need = |k: &str| Error::Config(format!("models.{k}: required with models.bundle"));
    let bundle_path = config.path(
        config
            .models
            .bundle
            .as_ref()
            .ok_or_else(|| need("bundle"))?,
    );
    let key_path = config.path(
        config
            .models
            .vendor_key
            .as_ref()
            .ok_or_else(|| need("vendor_key"))?,
    );
    let content_path = config.path(
        config
            .models
            .content_key_file
            .as_ref()
            .ok_or_else(|| need("content_key_file"))?,
    );
    let pem = std::fs::read_to_string(&key_path)
        .map_err(|e| Error::Io(key_path.display().to_string(), e))?;
    let vendor = bundle::VendorPublicKey::from_pem(&pem)
        .map_err(|e| Error::Models(e.code(), format!("{}: {e}", key_path.display())))?;
    if !licensing::key_is_pinned(licensing::PINNED_MODEL_KEYS, &vendor.fingerprint()) {
        return Err(Error::Models(
            "models_key_not_pinned",
            format!(
                "{}: key {} is not a vendor model key this build accepts",
                key_path.display(),
                vendor.fingerprint()
            ),
        ));
    }
    let content = bundle::ContentKey::from_bytes(read_secret(&content_path)?.as_slice())
        .map_err(|e| Error::Models(e.code(), format!("{}: {e}", content_path.display())))?;
    let bytes =
        std::fs::read(&bundle_path).map_err(|e| Error::Io(bundle_path.display().to_string(), e))?;
    let manifest =
        inference::Manifest::pinned().map_err(|e| Error::Models(e.code(), e.to_string()))?;
    let required: Vec<(&str, &str)> = manifest
        .models
        .iter()
        .map(|m| (m.name.as_str(), m.version.as_str()))
        .collect();
    let opened = bundle::open(&bytes, &vendor, &content, &required)
        .map_err(|e| Error::Models(e.code(), format!("{}: {e}", bundle_path.display())))?;
    let models = opened
        .into_models()
        .into_iter()
        .map(|m| (m.name().to_owned(), m.into_bytes()))
        .collect();
    inference::MemoryModels::new(
        runtime_dir,
        &manifest,
        models,
        inference::RunOptions::default(),
    )
    .map_err(|e| Error::Models(e.code(), format!("{}: {e}", bundle_path.display())))
}

fn load_trust(config: &Config, now_ms: i64) -> Result<emrtd::pki::TrustStore, Error> {
    let mut store = emrtd::pki::TrustStore::new();
    let Some(path) = &config.trust.csca_path else {
        return Ok(store);
    };
    let path = config.path(path);
    let at = u64::try_from(now_ms / 1000)
        .ok()
        .and_then(|s| der::DateTime::from_unix_duration(Duration::from_secs(s)).ok())
        .ok_or_else(|| Error::Trust("clock out of range".into()))?;
    let mut files = Vec::new();
    if path.is_dir() {
        let entries =
            std::fs::read_dir(&path).map_err(|e| Error::Io(path.display().to_string(), e))?;
        for e in entries.flatten() {
            if e.path().is_file() {
                files.push(e.path());
            }
        }
    } else if path.is_file() {
        files.push(path.clone());
    }
    files.sort();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| Error::Io(f.display().to_string(), e))?;
        store
            .add_file_bytes(&bytes, at)
            .map_err(|e| Error::Trust(format!("{}: {e} ({})", f.display(), e.code())))?;
    }
    Ok(store)
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The state (tests drive jobs through it).
    pub state: Shared,
    handle: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets in-flight requests and processing finish (up to the configured
    /// grace), and returns when everything has stopped.
    pub async fn shutdown(self) {
        self.state.shutdown.cancel();
        let _ = self.handle.await;
    }
}

/// Binds the configured address and serves until [`Running::shutdown`] (or the state's
/// shutdown token is cancelled).
///
/// # Errors
/// Start-up failures (configuration, secrets, database, TLS, bind).
pub async fn start(config: Config, options: Options) -> Result<Running, Error> {
    let listen = config.server.listen.clone();
    let tls = if options.insecure_http {
        None
    } else {
        Some(tls::acceptor(&config)?)
    };
    let state = build_state(config, &options).await?;
    let listener = TcpListener::bind(&listen)
        .await
        .map_err(|e| Error::Io(format!("bind {listen}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Io("local address".into(), e))?;
    if options.background_jobs {
        jobs::spawn(state.clone());
        webhooks::spawn_worker(state.clone());
    }
    jobs::resume_processing(&state).await;
    let app = api::router(state.clone(), tls.is_some());
    let grace = Duration::from_secs(state.config.server.shutdown_grace_secs);
    let st = state.clone();
    let handle = tokio::spawn(async move {
        tls::serve(listener, tls, app, st.shutdown.clone(), grace).await;
        // In-flight processing finishes (or the grace runs out) before the process exits.
        st.tasks.close();
        let _ = tokio::time::timeout(grace, st.tasks.wait()).await;
    });
    tracing::info!(%addr, "listening");
    Ok(Running {
        addr,
        state,
        handle,
    })
}
