//! `idverify models`: the vendor's model bundle (`crates/bundle`). `keygen` and `pack` run on the
//! vendor's side; `verify` checks a bundle offline anywhere, with or without its content key.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use server::{Clock, SystemClock};

/// `idverify models …`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Make a vendor signing key for bundles (PKCS#8 PEM) and print its public half's fingerprint.
    Keygen {
        /// Where to write the private key (created 0600; never overwritten).
        #[arg(long)]
        out: PathBuf,
        /// Where to write the public key (PEM) the servers are configured with.
        #[arg(long)]
        public: PathBuf,
        /// RSA-4096 (RSASSA-PSS) instead of Ed25519, where the customer's policy requires RSA.
        #[arg(long)]
        rsa: bool,
    },
    /// Make a content key (the AES-256 key the models are sealed under), 64 hex digits, 0600.
    ContentKey {
        /// Where to write it (never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Build one bundle from a models directory: every pinned model, sealed and listed in a
    /// signed manifest.
    Pack {
        /// The models directory (`target/models` after `scripts/setup`).
        #[arg(long)]
        dir: PathBuf,
        /// The vendor signing key (from `models keygen`).
        #[arg(long)]
        key: PathBuf,
        /// The content key file (from `models content-key`).
        #[arg(long)]
        content_key: PathBuf,
        /// The bundle to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a bundle: the signature and every encrypted file's hash; with `--content-key`, also
    /// decrypt every model in memory and check its plaintext hash. Exit 1 if it is refused.
    Verify {
        /// The bundle.
        bundle: PathBuf,
        /// The vendor public key the manifest must be signed with.
        #[arg(long)]
        vendor_key: PathBuf,
        /// The content key file, for the full check.
        #[arg(long)]
        content_key: Option<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

fn rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

/// Writes a new private key file (0600), never over an existing one.
pub(crate) fn write_new_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} exists; not overwriting a key", path.display());
    }
    server::tls::write_private(path, bytes).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Writes a new key pair: the private PEM (0600, never overwritten) and the public PEM; prints
/// the public key's fingerprint (what an official build pins).
pub(crate) fn write_key_pair(
    out: &Path,
    private_pem: &str,
    public: &Path,
    public_pem: &str,
    fingerprint: &str,
) -> anyhow::Result<ExitCode> {
    write_new_private(out, private_pem.as_bytes())?;
    std::fs::write(public, public_pem).with_context(|| public.display().to_string())?;
    println!("{fingerprint}");
    Ok(ExitCode::SUCCESS)
}

fn content_key(path: &Path) -> anyhow::Result<bundle::ContentKey> {
    let bytes = server::read_secret(path).map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
    bundle::ContentKey::from_bytes(bytes.as_slice()).map_err(|e| anyhow::anyhow!("{e}"))
}

fn required(manifest: &inference::Manifest) -> Vec<(&str, &str)> {
    manifest
        .models
        .iter()
        .map(|m| (m.name.as_str(), m.version.as_str()))
        .collect()
}

/// Runs a `models` command.
pub fn run(cmd: ModelsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ModelsCommand::Keygen { out, public, rsa } => {
            let key = if rsa {
                bundle::VendorSigningKey::generate_rsa4096(&mut rng())
                    .map_err(|e| anyhow::anyhow!("{e}"))?
            } else {
                bundle::VendorSigningKey::generate_ed25519(&mut rng())
            };
            let pem = key.to_pem().map_err(|e| anyhow::anyhow!("{e}"))?;
            let pubkey = key.public_key();
            let public_pem = pubkey.to_pem().map_err(|e| anyhow::anyhow!("{e}"))?;
            write_key_pair(&out, &pem, &public, &public_pem, &pubkey.fingerprint())
        }
        ModelsCommand::ContentKey { out } => {
            let key = bundle::ContentKey::generate(&mut rng());
            let hex = zeroize::Zeroizing::new(hex::encode(key.expose_secret()));
            write_new_private(&out, hex.as_bytes())?;
            println!("content key {} written to {}", key.id_hex(), out.display());
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Pack {
            dir,
            key,
            content_key: ck,
            out,
        } => {
            let signer = bundle::VendorSigningKey::from_pem(
                &std::fs::read_to_string(&key).with_context(|| key.display().to_string())?,
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", key.display()))?;
            let ck = content_key(&ck)?;
            let manifest = inference::Manifest::pinned().map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut files = Vec::new();
            for m in &manifest.models {
                let bytes = inference::read_verified(&dir.join(&m.file), &m.sha256)
                    .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
                files.push((m, bytes));
            }
            let models: Vec<bundle::ModelFile<'_>> = files
                .iter()
                .map(|(m, bytes)| bundle::ModelFile {
                    name: &m.name,
                    version: &m.version,
                    bytes,
                })
                .collect();
            let created_at = server::api::rfc3339(SystemClock.now_ms());
            let packed = bundle::pack(
                &models,
                &bundle::PackOptions {
                    product_version: env!("CARGO_PKG_VERSION"),
                    created_at: &created_at,
                },
                &ck,
                &signer,
                &mut rng(),
            )
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            let tmp = out.with_extension("tmp");
            std::fs::write(&tmp, &packed).with_context(|| tmp.display().to_string())?;
            std::fs::rename(&tmp, &out).with_context(|| out.display().to_string())?;
            eprintln!(
                "{}: {} models, {} bytes, signed by {}",
                out.display(),
                models.len(),
                packed.len(),
                signer.public_key().fingerprint()
            );
            Ok(ExitCode::SUCCESS)
        }
        ModelsCommand::Verify {
            bundle: path,
            vendor_key,
            content_key: ck,
            json,
        } => {
            let bytes = std::fs::read(&path).with_context(|| path.display().to_string())?;
            let vendor = bundle::VendorPublicKey::from_pem(
                &std::fs::read_to_string(&vendor_key)
                    .with_context(|| vendor_key.display().to_string())?,
            )
            .map_err(|e| anyhow::anyhow!("{}: {e}", vendor_key.display()))?;
            let pinned = inference::Manifest::pinned().map_err(|e| anyhow::anyhow!("{e}"))?;
            let need = required(&pinned);
            let result = match &ck {
                Some(ck) => {
                    let ck = content_key(ck)?;
                    bundle::open(&bytes, &vendor, &ck, &need).map(|b| b.manifest().clone())
                }
                None => bundle::check(&bytes, &vendor, &need),
            };
            match result {
                Ok(manifest) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({
                                "status": "ok",
                                "decrypted": ck.is_some(),
                                "product_version": manifest.product_version,
                                "models": manifest.models.iter().map(|m| serde_json::json!({
                                    "name": m.name, "version": m.version, "size": m.size, "sha256": m.sha256,
                                })).collect::<Vec<_>>(),
                            })
                        );
                    } else {
                        for m in &manifest.models {
                            println!("ok  {} {} ({} bytes)", m.name, m.version, m.size);
                        }
                        println!(
                            "{}: signature and {} models verified{}",
                            path.display(),
                            manifest.models.len(),
                            if ck.is_some() {
                                ", every model decrypted and checked"
                            } else {
                                " (encrypted files only: pass --content-key to decrypt)"
                            }
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"status": "refused", "code": e.code(), "file": e.file(), "message": e.to_string()})
                        );
                    } else {
                        eprintln!("{}: refused: {e} ({})", path.display(), e.code());
                    }
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}
