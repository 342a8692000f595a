//! `idverify licence`: `keygen` and `issue` on the vendor's side (a key separate from the
//! model-bundle key), `fingerprint` and `verify` on the customer's. Nothing here, or in the
//! server, ever contacts the vendor.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use licence::{Date, Features, Licence, LicencePublicKey, LicenceSigningKey, LicenceState};
use server::{Clock, SystemClock};

/// `idverify licence …`.
#[derive(Debug, Subcommand)]
pub enum LicenceCommand {
    /// Make the vendor's licence signing key (RSA-4096, PKCS#8 PEM; takes a while).
    Keygen {
        /// Where to write the private key (0600; never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Where to write the public key the servers are configured with.
        #[arg(long)]
        public: PathBuf,
    },
    /// Issue a licence (vendor side): the signed text goes to `--out`.
    Issue(IssueArgs),
    /// Print this installation's fingerprint (what a licence is bound to).
    Fingerprint {
        /// The data directory.
        #[arg(long, default_value = "./idverify-data")]
        data: PathBuf,
        /// `machine` or `cluster` (default: the configuration's `licence.binding`).
        #[arg(long)]
        binding: Option<String>,
    },
    /// Verify a licence for this installation: exit 0 valid, 1 refused or expired.
    Verify {
        /// The licence file.
        file: PathBuf,
        /// The vendor's licence public key.
        #[arg(long)]
        public_key: PathBuf,
        /// The data directory whose fingerprint the licence must name.
        #[arg(long, default_value = "./idverify-data")]
        data: PathBuf,
        /// Check against this fingerprint instead of the data directory's.
        #[arg(long)]
        fingerprint: Option<String>,
    },
}

/// What a licence grants.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The vendor's licence signing key.
    #[arg(long)]
    key: PathBuf,
    /// The licence id.
    #[arg(long)]
    id: String,
    /// The customer's name.
    #[arg(long)]
    customer: String,
    /// Engines, comma-separated: document, chip, liveness, face.
    #[arg(long, value_delimiter = ',')]
    features: Vec<String>,
    /// Dashboard users signed in at once.
    #[arg(long, default_value_t = 5)]
    seats: u32,
    /// Verifications a month, or `unlimited`.
    #[arg(long, default_value = "unlimited")]
    per_month: String,
    /// First day (YYYY-MM-DD, UTC).
    #[arg(long)]
    not_before: String,
    /// Last day (YYYY-MM-DD, UTC, inclusive).
    #[arg(long)]
    not_after: String,
    /// The fingerprint the customer sent (`idverify licence fingerprint`).
    #[arg(long)]
    fingerprint: String,
    /// Where to write the licence.
    #[arg(long)]
    out: PathBuf,
}

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

fn date(text: &str, what: &str) -> anyhow::Result<Date> {
    Date::parse(text).with_context(|| format!("--{what}: expected YYYY-MM-DD, got `{text}`"))
}

fn today() -> anyhow::Result<Date> {
    Date::from_days(SystemClock.now_ms().div_euclid(86_400_000)).context("clock out of range")
}

fn fingerprint_of(data: &Path, binding: Option<String>) -> anyhow::Result<String> {
    let mut config = super::server::load(data)?;
    if let Some(b) = binding {
        config.licence.binding = b;
    }
    super::server::runtime()?.block_on(async move {
        let db = store::Db::connect(&config.database_url(), config.database.schema.as_deref())
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        db.migrate()
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        server::licensing::fingerprint(&config, &db, SystemClock.now_ms())
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))
    })
}

/// Runs a `licence` command.
pub fn run(cmd: LicenceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LicenceCommand::Keygen { out, public } => {
            if out.exists() {
                bail!("{} exists; not overwriting a key", out.display());
            }
            eprintln!("generating an RSA-4096 key…");
            let key =
                LicenceSigningKey::generate(&mut rng()).map_err(|e| anyhow::anyhow!("{e}"))?;
            let pem = key.to_pem().map_err(|e| anyhow::anyhow!("{e}"))?;
            let pubkey = key.public_key();
            let public_pem = pubkey.to_pem().map_err(|e| anyhow::anyhow!("{e}"))?;
            super::models::write_key_pair(&out, &pem, &public, &public_pem, &pubkey.fingerprint())
        }
        LicenceCommand::Issue(a) => {
            let key = LicenceSigningKey::from_pem(
                &std::fs::read_to_string(&a.key).with_context(|| a.key.display().to_string())?,
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", a.key.display()))?;
            let mut features = Features {
                dashboard_seats: a.seats,
                ..Features::default()
            };
            for f in &a.features {
                match f.trim() {
                    "document" => features.document = true,
                    "chip" => features.chip = true,
                    "liveness" => features.liveness = true,
                    "face" => features.face = true,
                    "" => {}
                    other => bail!(
                        "--features: unknown feature `{other}` (document, chip, liveness, face)"
                    ),
                }
            }
            let per_month = match a.per_month.as_str() {
                "unlimited" => None,
                n => Some(n.parse().context("--per-month: a number or `unlimited`")?),
            };
            let terms = Licence {
                id: a.id,
                customer: a.customer,
                features,
                verifications_per_month: per_month,
                not_before: date(&a.not_before, "not-before")?,
                not_after: date(&a.not_after, "not-after")?,
                fingerprint: a.fingerprint,
                issued_at: today()?,
            };
            let text = licence::issue(&key, &terms, &mut rng())
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            std::fs::write(&a.out, text).with_context(|| a.out.display().to_string())?;
            eprintln!(
                "{}: licence {} for {}",
                a.out.display(),
                terms.id,
                terms.fingerprint
            );
            Ok(ExitCode::SUCCESS)
        }
        LicenceCommand::Fingerprint { data, binding } => {
            println!("{}", fingerprint_of(&data, binding)?);
            Ok(ExitCode::SUCCESS)
        }
        LicenceCommand::Verify {
            file,
            public_key,
            data,
            fingerprint,
        } => {
            let key = LicencePublicKey::from_pem(
                &std::fs::read_to_string(&public_key)
                    .with_context(|| public_key.display().to_string())?,
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", public_key.display()))?;
            let fp = match fingerprint {
                Some(f) => f,
                None => fingerprint_of(&data, None)?,
            };
            let text =
                std::fs::read_to_string(&file).with_context(|| file.display().to_string())?;
            match licence::verify(&text, &key, today()?, &fp) {
                Ok(v) => {
                    let l = v.licence();
                    println!("licence {} for {}", l.id, l.customer);
                    println!("valid {} to {}", l.not_before, l.not_after);
                    match v.state() {
                        LicenceState::Valid { days_left } => {
                            println!("valid: {days_left} days left");
                            Ok(ExitCode::SUCCESS)
                        }
                        LicenceState::Expired { since } => {
                            println!("expired since {since}: the server runs read-only");
                            Ok(ExitCode::from(1))
                        }
                    }
                }
                Err(e) => {
                    eprintln!("{}: refused: {e} ({})", file.display(), e.code());
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
