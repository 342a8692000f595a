//! The configuration: one TOML file in the data directory, every key overridable by an
//! `IDVERIFY_<SECTION>__<KEY>` environment variable (e.g. `IDVERIFY_SERVER__LISTEN=0.0.0.0:8443`).
//! Unknown keys are errors, so a typo never silently falls back to a default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listening socket, TLS, CORS, request limits.
    pub server: ServerConfig,
    /// The database.
    pub database: DatabaseConfig,
    /// Where evidence blobs go.
    pub storage: StorageConfig,
    /// Files holding the generated secrets.
    pub secrets: SecretsConfig,
    /// SDK tokens.
    #[serde(default)]
    pub tokens: TokensConfig,
    /// Rate and size limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// How long evidence is kept, per outcome.
    #[serde(default)]
    pub retention: RetentionConfig,
    /// Webhook endpoints.
    #[serde(default)]
    pub webhooks: WebhooksConfig,
    /// The decision policy.
    #[serde(default)]
    pub policy: PolicyConfig,
    /// Trust anchors for Passive Authentication.
    #[serde(default)]
    pub trust: TrustConfig,
    /// The ML models (face engine).
    #[serde(default)]
    pub models: ModelsConfig,
    /// The document reader: the OCR-B font and the OCR engine of the visual zone.
    #[serde(default)]
    pub document: DocumentConfig,
    /// The licence.
    #[serde(default)]
    pub licence: LicenceConfig,
    /// The dashboard: sessions, review claims, sign-in limits.
    #[serde(default)]
    pub dashboard: crate::dashboard::DashboardConfig,
    /// The data directory every relative path is resolved against (not in the file).
    #[serde(skip)]
    pub data_dir: PathBuf,
}

/// `[server]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// The URL people open (printed at start; used in links).
    pub public_url: String,
    /// PEM certificate chain for HTTPS.
    pub tls_cert: PathBuf,
    /// PEM private key for HTTPS.
    pub tls_key: PathBuf,
    /// Origins the capture SDK runs on (CORS); empty: no cross-origin access.
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// Whether to take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    #[serde(default)]
    pub trust_forwarded_for: bool,
    /// Seconds to let in-flight requests and processing finish on shutdown.
    #[serde(default = "default_grace")]
    pub shutdown_grace_secs: u64,
}

fn default_grace() -> u64 {
    30
}

/// `[database]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…` (embedded default) or `postgres://…`.
    pub url: String,
    /// PostgreSQL schema (search path), if not the default.
    #[serde(default)]
    pub schema: Option<String>,
}

/// `[storage]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// `local` (a directory, the embedded default) or `s3` (an S3-compatible bucket that
    /// several nodes share).
    #[serde(default = "default_storage_kind")]
    pub kind: String,
    /// The directory, for `local`.
    #[serde(default = "default_storage_path")]
    pub path: PathBuf,
    /// For `s3`: `https://host[:port]` (or `http://` on a trusted network), path-style.
    #[serde(default)]
    pub s3_endpoint: Option<String>,
    /// For `s3`: the bucket, which must exist.
    #[serde(default)]
    pub s3_bucket: Option<String>,
    /// For `s3`: the signing region.
    #[serde(
        default = "default_s3_region",
        skip_serializing_if = "is_default_s3_region"
    )]
    pub s3_region: String,
    /// For `s3`: the access key id.
    #[serde(default)]
    pub s3_access_key_id: Option<String>,
    /// For `s3`: a file holding the secret access key (mode 0600), never the key itself.
    #[serde(default)]
    pub s3_secret_key_file: Option<PathBuf>,
    /// For `s3`: a key prefix inside the bucket, e.g. `idverify/`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub s3_prefix: String,
    /// For `s3` over HTTPS: PEM CA certificates to trust (default: the system bundle).
    #[serde(default)]
    pub s3_ca_file: Option<PathBuf>,
}

fn default_s3_region() -> String {
    "us-east-1".to_owned()
}

fn is_default_s3_region(r: &str) -> bool {
    r == "us-east-1"
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            kind: default_storage_kind(),
            path: default_storage_path(),
            s3_endpoint: None,
            s3_bucket: None,
            s3_region: default_s3_region(),
            s3_access_key_id: None,
            s3_secret_key_file: None,
            s3_prefix: String::new(),
            s3_ca_file: None,
        }
    }
}

fn default_storage_kind() -> String {
    "local".to_owned()
}
fn default_storage_path() -> PathBuf {
    PathBuf::from("evidence")
}

/// `[secrets]`: paths of files holding 32 random bytes in hex, mode 0600.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsConfig {
    /// Wraps every per-verification data key.
    pub master_key_file: PathBuf,
    /// Signs SDK tokens.
    pub token_key_file: PathBuf,
    /// Chains the audit trail.
    pub audit_key_file: PathBuf,
    /// Signs webhook deliveries.
    pub webhook_secret_file: PathBuf,
}

/// `[tokens]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensConfig {
    /// SDK token lifetime (at most 900 s).
    pub lifetime_secs: i64,
    /// A verification nobody submits within this many seconds expires.
    pub session_ttl_secs: i64,
}

impl Default for TokensConfig {
    fn default() -> Self {
        TokensConfig {
            lifetime_secs: 900,
            session_ttl_secs: 3600,
        }
    }
}

/// `[limits]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body (bytes).
    pub max_body_bytes: usize,
    /// Largest JSON body (bytes).
    pub max_json_bytes: usize,
    /// Largest image, in pixels (decompression bombs are refused from the header).
    pub max_image_pixels: u64,
    /// Smallest image side (pixels): a thumbnail cannot be verified.
    pub min_image_side: u32,
    /// Liveness frames per verification.
    pub max_liveness_frames: u32,
    /// Requests per minute per API key.
    pub api_key_per_minute: u32,
    /// Requests per minute per SDK verification (all its tokens together).
    pub sdk_per_minute: u32,
    /// Requests per minute per client IP, credentials or not.
    pub ip_per_minute: u32,
    /// Count the budgets in the database, so every node sharing it enforces one budget per key
    /// (a cluster). Absent: shared on PostgreSQL, in memory on SQLite (one node).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: 15 * 1024 * 1024,
            max_json_bytes: 64 * 1024,
            max_image_pixels: 40_000_000,
            min_image_side: 64,
            max_liveness_frames: 32,
            api_key_per_minute: 1200,
            sdk_per_minute: 300,
            ip_per_minute: 2400,
            shared: None,
        }
    }
}

/// `[retention]`: `none` (evidence deleted as soon as the result exists) or a duration such as
/// `90 days`, `12 months`, `1 year`, `36h`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Evidence of approved verifications.
    pub approved: String,
    /// Evidence of declined verifications (default `none`: a declined case keeps only its
    /// decision, reason codes and checks, never the person's images or chip files).
    pub declined: String,
    /// Evidence of verifications sent to review.
    pub review: String,
    /// Evidence of verifications never submitted (expired).
    pub expired: String,
    /// Data class `chip` (the chip's files and the AA response) of approved verifications, if
    /// it is to go sooner than the rest of the evidence (never later: the outcome's duration
    /// bounds every class of evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip_approved: Option<String>,
    /// `chip` of declined verifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip_declined: Option<String>,
    /// `chip` of verifications in review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chip_review: Option<String>,
    /// Data class `results` (the extracted fields and scores: every check with its evidence,
    /// the contributions) of approved verifications; after it the result keeps only the
    /// decision, the score, the policy and the reason codes. Absent: kept with the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_approved: Option<String>,
    /// `results` of declined verifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_declined: Option<String>,
    /// `results` of verifications in review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results_review: Option<String>,
    /// How often the purge job runs, seconds.
    pub purge_interval_secs: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            approved: "12 months".to_owned(),
            declined: "none".to_owned(),
            review: "12 months".to_owned(),
            expired: "none".to_owned(),
            chip_approved: None,
            chip_declined: None,
            chip_review: None,
            results_approved: None,
            results_declined: None,
            results_review: None,
            purge_interval_secs: 60,
        }
    }
}

/// How long evidence is kept (ordered: `None` is the shortest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Retention {
    /// Deleted as soon as the result exists.
    None,
    /// Kept this many milliseconds after the decision.
    For(i64),
}

impl Retention {
    /// Parses `none` or `<n> <unit>` (`s`, `m`/`min`, `h`, `d`/`day(s)`, `month(s)`, `year(s)`;
    /// a month is 30 days, a year 365).
    pub fn parse(s: &str) -> Option<Retention> {
        let s = s.trim().to_ascii_lowercase();
        if s == "none" {
            return Some(Retention::None);
        }
        let split = s.find(|c: char| !c.is_ascii_digit())?;
        let (n, unit) = s.split_at(split);
        let n: i64 = n.parse().ok()?;
        let secs: i64 = match unit.trim() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "month" | "months" => 30 * 86_400,
            "y" | "year" | "years" => 365 * 86_400,
            _ => return None,
        };
        n.checked_mul(secs)?.checked_mul(1000).map(Retention::For)
    }
}

/// `[webhooks]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksConfig {
    /// Endpoints on the customer's own network: the only outbound connections the server makes.
    pub urls: Vec<String>,
    /// Attempts before a delivery is given up (and stays in the log as `failed`).
    pub max_attempts: i64,
    /// Delay before the first retry; doubles each time, up to an hour.
    pub initial_backoff_ms: i64,
    /// Per-attempt timeout.
    pub timeout_ms: u64,
    /// How often the delivery worker looks for due deliveries.
    pub poll_interval_ms: u64,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            urls: Vec::new(),
            max_attempts: 10,
            initial_backoff_ms: 5_000,
            timeout_ms: 10_000,
            poll_interval_ms: 1_000,
        }
    }
}

/// `[policy]`
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// The risk policy (TOML, see `crates/risk`): weights, hard rules, thresholds and what each
    /// document type requires. Reloaded when it changes. Absent: the shipped default policy.
    #[serde(default)]
    pub file: Option<PathBuf>,
}

/// `[models]`
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ModelsConfig {
    /// The models directory `scripts/setup` writes (every file is checked against its pinned
    /// SHA-256 at start-up; a missing or altered one stops the start). Absent: the face engine
    /// reports `not_performed` / `engine_unavailable`.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// `full` (BlazeFace full range, the default) or `short` (faces close to the camera).
    #[serde(default = "default_detector")]
    pub detector: String,
    /// The vendor's signed, encrypted model bundle (`idverify models pack`). When set, the
    /// models come from it — signature and every hash checked, decrypted into memory only —
    /// and `dir` only holds the ONNX Runtime library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<PathBuf>,
    /// The vendor's public key the bundle's manifest must be signed with (PEM, Ed25519 or RSA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_key: Option<PathBuf>,
    /// The bundle's content key (64 hex digits, readable by the service user only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_key_file: Option<PathBuf>,
}

/// `[document]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentConfig {
    /// The OCR-B font the MRZ recogniser learns its templates from (Debian `fonts-ocr-b`).
    /// Unreadable: the document engine reports `engine_unavailable`.
    #[serde(default = "default_ocrb_font")]
    pub ocrb_font: PathBuf,
    /// Read the printed visual zone (names in both scripts, dates, number) with Tesseract and
    /// cross-check it against the MRZ. Off: the VIZ checks are `not_performed`.
    #[serde(default = "default_true")]
    pub viz: bool,
    /// Tesseract's model directory (Debian `tesseract-ocr-ara`, `-fra`, `-script-arab`). A
    /// missing directory or language stops the start while `viz` is on.
    #[serde(default = "default_tessdata")]
    pub tessdata: PathBuf,
    /// Tesseract handles per language: documents read at once (each Arabic one holds ~30 MB).
    #[serde(default = "default_ocr_handles")]
    pub ocr_handles: usize,
    /// The templates' Arabic face (Debian `fonts-hosny-amiri`): each Arabic read is drawn again
    /// in it and checked against the crop. Unreadable while `viz` is on: the start stops.
    #[serde(default = "default_arabic_font")]
    pub arabic_font: PathBuf,
}

impl Default for DocumentConfig {
    fn default() -> Self {
        DocumentConfig {
            ocrb_font: default_ocrb_font(),
            viz: true,
            tessdata: default_tessdata(),
            ocr_handles: default_ocr_handles(),
            arabic_font: default_arabic_font(),
        }
    }
}

fn default_ocrb_font() -> PathBuf {
    PathBuf::from("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
}

fn default_arabic_font() -> PathBuf {
    PathBuf::from(document::synth::AMIRI)
}

fn default_tessdata() -> PathBuf {
    PathBuf::from("/usr/share/tesseract-ocr/5/tessdata")
}

fn default_ocr_handles() -> usize {
    2
}

fn default_true() -> bool {
    true
}

/// `[licence]`
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LicenceConfig {
    /// The licence file the vendor issued (`idverify licence issue`). Absent: an official build
    /// refuses to start; a development build runs unlicensed, with a banner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// The vendor's licence public key (PEM, RSA ≥ 4096). Official builds accept only the key
    /// fingerprints compiled into them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<PathBuf>,
    /// `machine` (this host's machine id and the data directory's installation id) or
    /// `cluster` (the cluster id every node reads from the shared database).
    #[serde(default = "default_binding")]
    pub binding: String,
}

fn default_binding() -> String {
    "machine".to_owned()
}

fn default_detector() -> String {
    "full".to_owned()
}

/// `[trust]`
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrustConfig {
    /// A file or directory of CSCA certificates (PEM/DER), CRLs and master lists.
    #[serde(default)]
    pub csca_path: Option<PathBuf>,
}

impl Config {
    /// The configuration `idverify init` writes for `data_dir`.
    #[must_use]
    pub fn initial(data_dir: &Path, listen: &str) -> Config {
        let host = listen.rsplit_once(':').map_or("localhost", |(h, _)| h);
        let host = if host == "127.0.0.1" || host == "0.0.0.0" || host == "[::]" {
            "localhost"
        } else {
            host
        };
        let port = listen.rsplit_once(':').map_or("8443", |(_, p)| p);
        Config {
            server: ServerConfig {
                listen: listen.to_owned(),
                public_url: format!("https://{host}:{port}"),
                tls_cert: PathBuf::from("tls/cert.pem"),
                tls_key: PathBuf::from("tls/key.pem"),
                cors_origins: Vec::new(),
                trust_forwarded_for: false,
                shutdown_grace_secs: default_grace(),
            },
            database: DatabaseConfig {
                url: "sqlite://idverify.db".to_owned(),
                schema: None,
            },
            storage: StorageConfig::default(),
            secrets: SecretsConfig {
                master_key_file: PathBuf::from("secrets/master.key"),
                token_key_file: PathBuf::from("secrets/token.key"),
                audit_key_file: PathBuf::from("secrets/audit.key"),
                webhook_secret_file: PathBuf::from("secrets/webhook.key"),
            },
            tokens: TokensConfig::default(),
            limits: LimitsConfig::default(),
            retention: RetentionConfig::default(),
            webhooks: WebhooksConfig::default(),
            policy: PolicyConfig {
                file: Some(PathBuf::from("policy.toml")),
            },
            models: ModelsConfig {
                dir: None,
                detector: default_detector(),
                bundle: None,
                vendor_key: None,
                content_key_file: None,
            },
            document: DocumentConfig::default(),
            licence: LicenceConfig {
                file: None,
                public_key: None,
                binding: default_binding(),
            },
            dashboard: crate::dashboard::DashboardConfig::default(),
            trust: TrustConfig {
                csca_path: Some(PathBuf::from("trust")),
            },
            data_dir: data_dir.to_owned(),
        }
    }

    /// Reads `<data_dir>/idverify.toml` and applies the `IDVERIFY_*` variables of `env`.
    ///
    /// # Errors
    /// `config_invalid` naming the key, for an unreadable file, a bad value or an unknown key.
    pub fn load(data_dir: &Path, env: &BTreeMap<String, String>) -> Result<Config, Error> {
        let path = data_dir.join("idverify.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Config(format!(
                "cannot read {}: {e} (run `idverify init` first)",
                path.display()
            ))
        })?;
        Config::from_toml(&text, data_dir, env)
    }

    /// Parses a configuration text and applies the environment overrides.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn from_toml(
        text: &str,
        data_dir: &Path,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, Error> {
        let mut doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| Error::Config(format!("idverify.toml: {e}")))?;
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("IDVERIFY_") else {
                continue;
            };
            let Some((section, key)) = rest.split_once("__") else {
                continue;
            };
            let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
            // A TOML literal if it parses as one (numbers, booleans, arrays), else a string.
            let parsed: toml::Value = format!("v = {value}")
                .parse::<toml::Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
                .unwrap_or_else(|| toml::Value::String(value.clone()));
            let table = doc
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match table {
                toml::Value::Table(t) => {
                    t.insert(key, parsed);
                }
                _ => {
                    return Err(Error::Config(format!("{name}: [{section}] is not a table")));
                }
            }
        }
        let mut config: Config = serde_path_to_error::deserialize(toml::Value::Table(doc))
            .map_err(|e| Error::Config(format!("{}: {}", e.path(), e.inner())))?;
        config.data_dir = data_dir.to_owned();
        config.validate()?;
        Ok(config)
    }

    /// Checks values that parse but make no sense.
    ///
    /// # Errors
    /// `config_invalid` naming the key.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |k: &str, why: &str| Err(Error::Config(format!("{k}: {why}")));
        if !(1..=auth::MAX_TOKEN_LIFETIME_SECS).contains(&self.tokens.lifetime_secs) {
            return bad("tokens.lifetime_secs", "must be 1..=900");
        }
        if self.tokens.session_ttl_secs < self.tokens.lifetime_secs {
            return bad("tokens.session_ttl_secs", "must be ≥ tokens.lifetime_secs");
        }
        for (k, v) in [
            ("retention.approved", &self.retention.approved),
            ("retention.declined", &self.retention.declined),
            ("retention.review", &self.retention.review),
            ("retention.expired", &self.retention.expired),
        ] {
            if Retention::parse(v).is_none() {
                return bad(k, "expected `none` or a duration such as `12 months`");
            }
        }
        let r = &self.retention;
        for (k, class, outcome) in [
            ("retention.chip_approved", &r.chip_approved, &r.approved),
            ("retention.chip_declined", &r.chip_declined, &r.declined),
            ("retention.chip_review", &r.chip_review, &r.review),
            (
                "retention.results_approved",
                &r.results_approved,
                &r.approved,
            ),
            (
                "retention.results_declined",
                &r.results_declined,
                &r.declined,
            ),
            ("retention.results_review", &r.results_review, &r.review),
        ] {
            let Some(v) = class else { continue };
            let Some(class) = Retention::parse(v) else {
                return bad(k, "expected `none` or a duration such as `30 days`");
            };
            let outcome = Retention::parse(outcome).unwrap_or(Retention::None);
            if k.starts_with("retention.chip_") && class > outcome {
                return bad(
                    k,
                    "must not exceed the outcome's retention, which bounds all evidence",
                );
            }
        }
        if !(1..=64).contains(&self.document.ocr_handles) {
            return bad("document.ocr_handles", "must be 1..=64");
        }
        for u in &self.webhooks.urls {
            if !(u.starts_with("https://") || u.starts_with("http://")) {
                return bad("webhooks.urls", "each must be an http(s) URL");
            }
        }
        if self.webhooks.max_attempts < 1 {
            return bad("webhooks.max_attempts", "must be ≥ 1");
        }
        match self.storage.kind.as_str() {
            "local" => {}
            "s3" => {
                for (k, present) in [
                    ("storage.s3_endpoint", self.storage.s3_endpoint.is_some()),
                    ("storage.s3_bucket", self.storage.s3_bucket.is_some()),
                    (
                        "storage.s3_access_key_id",
                        self.storage.s3_access_key_id.is_some(),
                    ),
                    (
                        "storage.s3_secret_key_file",
                        self.storage.s3_secret_key_file.is_some(),
                    ),
                ] {
                    if !present {
                        return bad(k, "required when storage.kind = \"s3\"");
                    }
                }
                if !self.storage.s3_prefix.is_empty() && !self.storage.s3_prefix.ends_with('/') {
                    return bad("storage.s3_prefix", "must end with `/`");
                }
            }
            _ => return bad("storage.kind", "expected `local` or `s3`"),
        }
        if !matches!(self.licence.binding.as_str(), "machine" | "cluster") {
            return bad("licence.binding", "expected `machine` or `cluster`");
        }
        if self.licence.file.is_some() && self.licence.public_key.is_none() {
            return bad(
                "licence.public_key",
                "required with licence.file: the vendor's licence public key",
            );
        }
        if self.models.bundle.is_some()
            && (self.models.vendor_key.is_none()
                || self.models.content_key_file.is_none()
                || self.models.dir.is_none())
        {
            return bad(
                "models.bundle",
                "needs models.vendor_key, models.content_key_file and models.dir (where the ONNX Runtime library is)",
            );
        }
        if !matches!(self.models.detector.as_str(), "full" | "short") {
            return bad("models.detector", "expected `full` or `short`");
        }
        for o in &self.server.cors_origins {
            if o == "*" {
                return bad(
                    "server.cors_origins",
                    "`*` is not allowed; list the SDK origins",
                );
            }
        }
        Ok(())
    }

    /// `p` resolved against the data directory.
    #[must_use]
    pub fn path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.data_dir.join(p)
        }
    }

    /// The database URL, with a relative SQLite path resolved against the data directory and
    /// the file created if absent.
    #[must_use]
    pub fn database_url(&self) -> String {
        let url = &self.database.url;
        match url.strip_prefix("sqlite://") {
            Some(rest) if !rest.starts_with('/') => {
                let (file, query) = rest.split_once('?').unwrap_or((rest, ""));
                let query = if query.is_empty() { "mode=rwc" } else { query };
                format!("sqlite://{}?{query}", self.data_dir.join(file).display())
            }
            Some(rest) if !rest.contains('?') => format!("{url}?mode=rwc"),
            _ => url.clone(),
        }
    }

    /// The retention of one data class (`chip`, `results`) for an outcome, where one is set.
    #[must_use]
    pub fn class_retention(
        &self,
        class: &str,
        status: store::VerificationStatus,
    ) -> Option<Retention> {
        use store::VerificationStatus as S;
        let r = &self.retention;
        let v = match (class, status) {
            ("chip", S::Approved) => &r.chip_approved,
            ("chip", S::Declined) => &r.chip_declined,
            ("chip", S::Review) => &r.chip_review,
            ("results", S::Approved) => &r.results_approved,
            ("results", S::Declined) => &r.results_declined,
            ("results", S::Review) => &r.results_review,
            _ => return None,
        };
        v.as_deref().and_then(Retention::parse)
    }

    /// The retention for an outcome.
    #[must_use]
    pub fn retention_for(&self, status: store::VerificationStatus) -> Retention {
        use store::VerificationStatus as S;
        let s = match status {
            S::Approved => &self.retention.approved,
            S::Declined => &self.retention.declined,
            S::Review => &self.retention.review,
            _ => &self.retention.expired,
        };
        Retention::parse(s).unwrap_or(Retention::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> String {
        toml::to_string(&Config::initial(Path::new("/d"), "127.0.0.1:8443")).unwrap()
    }

    #[test]
    fn initial_config_round_trips_and_env_overrides_apply() {
        let mut env = BTreeMap::new();
        env.insert("IDVERIFY_SERVER__LISTEN".into(), "0.0.0.0:9000".into());
        env.insert("IDVERIFY_LIMITS__IP_PER_MINUTE".into(), "7".into());
        env.insert(
            "IDVERIFY_WEBHOOKS__URLS".into(),
            r#"["http://10.0.0.1/hook"]"#.into(),
        );
        env.insert("OTHER".into(), "x".into());
        let c = Config::from_toml(&text(), Path::new("/d"), &env).unwrap();
        assert_eq!(c.server.listen, "0.0.0.0:9000");
        assert_eq!(c.limits.ip_per_minute, 7);
        assert_eq!(c.webhooks.urls, vec!["http://10.0.0.1/hook".to_owned()]);
        assert_eq!(
            c.database_url(),
            "sqlite:///d/idverify.db?mode=rwc".to_owned()
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let mut env = BTreeMap::new();
        env.insert("IDVERIFY_SERVER__LISTNE".into(), "x".into());
        let e = Config::from_toml(&text(), Path::new("/d"), &env).unwrap_err();
        assert!(e.to_string().contains("listne"), "{e}");
        let mut env = BTreeMap::new();
        env.insert("IDVERIFY_TOKENS__LIFETIME_SECS".into(), "3600".into());
        let e = Config::from_toml(&text(), Path::new("/d"), &env).unwrap_err();
        assert!(e.to_string().contains("tokens.lifetime_secs"), "{e}");
        let mut env = BTreeMap::new();
        env.insert("IDVERIFY_RETENTION__APPROVED".into(), "forever".into());
        assert!(Config::from_toml(&text(), Path::new("/d"), &env).is_err());
    }

    #[test]
    fn retention_durations() {
        assert_eq!(Retention::parse("none"), Some(Retention::None));
        assert_eq!(
            Retention::parse("12 months"),
            Some(Retention::For(12 * 30 * 86_400_000))
        );
        assert_eq!(
            Retention::parse("36h"),
            Some(Retention::For(36 * 3_600_000))
        );
        assert_eq!(Retention::parse("1 fortnight"), None);
        assert_eq!(Retention::parse("99999999999999999 years"), None);
    }
}
