//! `idverify init`, `idverify serve` and `idverify apikey`: the server's data directory, the
//! server itself, and API keys.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use server::{Clock, Config, SystemClock};

/// `idverify init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The data directory to create.
    #[arg(long, default_value = "./idverify-data")]
    data: PathBuf,
    /// The address the server will listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: String,
    /// Succeed without changes if the directory is already initialised.
    #[arg(long)]
    if_absent: bool,
}

/// `idverify serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The data directory `idverify init` made.
    #[arg(long, default_value = "./idverify-data")]
    data: PathBuf,
    /// Serve plain HTTP. Only behind a proxy that terminates TLS on the same host.
    #[arg(long)]
    insecure_http: bool,
}

/// `idverify purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The data directory.
    #[arg(long, default_value = "./idverify-data")]
    data: PathBuf,
    /// List what would be expired and purged, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// `idverify subject …`: a person's requests about their own data.
#[derive(Debug, Subcommand)]
pub enum SubjectCommand {
    /// Export everything held about one verification as a signed archive (audited).
    Export {
        /// The verification id.
        case: String,
        /// The data directory.
        #[arg(long, default_value = "./idverify-data")]
        data: PathBuf,
        /// Where to write the archive (it holds personal data).
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an archive's signature against the installation's export key.
    Verify {
        /// The archive.
        file: PathBuf,
        /// The installation's export public key, hex (`subject export` prints it).
        #[arg(long)]
        public_key: String,
    },
    /// Erase a verification's evidence on request: blobs deleted, data key destroyed (audited).
    Erase {
        /// The verification id.
        case: String,
        /// The data directory.
        #[arg(long, default_value = "./idverify-data")]
        data: PathBuf,
    },
}

/// `idverify apikey …`.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key; it is printed once.
    Create {
        /// The data directory.
        #[arg(long, default_value = "./idverify-data")]
        data: PathBuf,
        /// A name for the key (who uses it).
        #[arg(long)]
        name: String,
    },
    /// Revoke an API key by its prefix (the 8 characters after `idv_`).
    Revoke {
        /// The data directory.
        #[arg(long, default_value = "./idverify-data")]
        data: PathBuf,
        /// The key's prefix.
        prefix: String,
    },
}

pub(crate) fn env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("IDVERIFY_"))
        .collect()
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

pub(crate) fn load(data: &Path) -> anyhow::Result<Config> {
    Config::load(data, &env()).map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))
}

pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    if args.if_absent && args.data.join("idverify.toml").exists() {
        println!("idverify: {} is already initialised", args.data.display());
        return Ok(ExitCode::SUCCESS);
    }
    let data = std::path::absolute(&args.data).context("data directory")?;
    // The same IDVERIFY_* overrides as `serve`, so that e.g. a cluster's database URL given in
    // the environment gets the admin user and the first API key.
    let initial =
        toml::to_string(&Config::initial(&data, &args.listen)).context("initial configuration")?;
    let config = Config::from_toml(&initial, &data, &env())
        .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
    let done = runtime()?
        .block_on(server::init::init(config, SystemClock.now_ms()))
        .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
    println!("idverify: initialised {}", data.display());
    println!();
    println!("  These are shown once. Store them now; only their hashes are kept.");
    println!("  dashboard user:  admin");
    println!("  admin password:  {}", done.admin_password.as_str());
    println!("  API key:         {}", done.api_key.as_str());
    println!();
    println!(
        "  TLS: a self-signed certificate is in {}; replace it with your own.",
        data.join("tls/cert.pem").display()
    );
    println!(
        "  Trust anchors for chip verification go in {}.",
        data.join("trust").display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IDVERIFY_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .try_init();
    let config = load(&args.data)?;
    let url = if args.insecure_http {
        config.server.public_url.replacen("https://", "http://", 1)
    } else {
        config.server.public_url.clone()
    };
    runtime()?.block_on(async move {
        let options = server::Options {
            insecure_http: args.insecure_http,
            ..server::Options::default()
        };
        let running = server::start(config, options)
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        println!("idverify: serving on {} — open {url}", running.addr);
        println!("idverify: API description at {url}/v1/openapi.json; Ctrl-C stops");
        wait_for_signal().await;
        println!("idverify: stopping; finishing in-flight work");
        running.shutdown().await;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One housekeeping pass on demand (the server runs the same on its schedule): abandoned
/// sessions expire, evidence past its retention is purged from the object store and its data
/// key erased, each with an audit event. Idempotent: a second run finds nothing to do.
pub fn purge(args: PurgeArgs) -> anyhow::Result<ExitCode> {
    let config = load(&args.data)?;
    runtime()?.block_on(async move {
        let options = server::Options {
            background_jobs: false,
            ..server::Options::default()
        };
        let state = server::build_state(config, &options)
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        let plan = server::jobs::plan(&state)
            .await
            .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
        if !args.dry_run {
            server::jobs::housekeeping(&state)
                .await
                .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.code))?;
        }
        if args.json {
            println!(
                "{}",
                serde_json::json!({"dry_run": args.dry_run, "expire": plan.expire, "purge": plan.purge, "classes": plan.classes})
            );
        } else {
            let verb = if args.dry_run { "would" } else { "did" };
            println!(
                "idverify purge: {verb} expire {} abandoned session(s) and purge the evidence of {} verification(s)",
                plan.expire.len(),
                plan.purge.len()
            );
            for id in &plan.expire {
                println!("  expire {id}");
            }
            for id in &plan.purge {
                println!("  purge  {id}");
            }
            for (id, class) in &plan.classes {
                println!("  {class:<6} {id} (data class past its retention)");
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn subject(command: SubjectCommand) -> anyhow::Result<ExitCode> {
    let state_of = |data: &Path| -> anyhow::Result<(tokio::runtime::Runtime, server::Shared)> {
        let config = load(data)?;
        let rt = runtime()?;
        let options = server::Options {
            background_jobs: false,
            ..server::Options::default()
        };
        let state = rt
            .block_on(server::build_state(config, &options))
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        Ok((rt, state))
    };
    let api = |e: server::ApiError| anyhow::anyhow!("{} ({})", e.message, e.code);
    match command {
        SubjectCommand::Export { case, data, out } => {
            let (rt, state) = state_of(&data)?;
            let archive = rt
                .block_on(server::export::export(&state, &case, "operator:cli"))
                .map_err(api)?;
            std::fs::write(&out, &archive).with_context(|| out.display().to_string())?;
            println!(
                "idverify: exported {case} to {} ({} bytes); check it with --public-key {}",
                out.display(),
                archive.len(),
                server::export::public_key(&state).map_err(api)?
            );
            Ok(ExitCode::SUCCESS)
        }
        SubjectCommand::Verify { file, public_key } => {
            let bytes = std::fs::read(&file).with_context(|| file.display().to_string())?;
            let mut pk = [0u8; 32];
            hex::decode_to_slice(public_key.trim(), &mut pk)
                .context("--public-key: 64 hex digits")?;
            match server::export::verify(&bytes, &pk) {
                Ok(doc) => {
                    println!(
                        "idverify: {} verifies: verification {}, {} evidence file(s), {} audit event(s)",
                        file.display(),
                        doc.pointer("/verification/id")
                            .and_then(serde_json::Value::as_str)
                            .unwrap_or("?"),
                        doc.get("evidence")
                            .and_then(serde_json::Value::as_array)
                            .map_or(0, Vec::len),
                        doc.get("audit")
                            .and_then(serde_json::Value::as_array)
                            .map_or(0, Vec::len)
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!(
                        "idverify: {} does NOT verify: {e} ({})",
                        file.display(),
                        e.code()
                    );
                    Ok(ExitCode::from(1))
                }
            }
        }
        SubjectCommand::Erase { case, data } => {
            let (rt, state) = state_of(&data)?;
            rt.block_on(server::jobs::purge(
                &state,
                &case,
                "operator:cli",
                "subject_request",
            ))
            .map_err(api)?;
            println!("idverify: erased the evidence of {case}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn apikey(command: ApiKeyCommand) -> anyhow::Result<ExitCode> {
    match command {
        ApiKeyCommand::Create { data, name } => {
            let config = load(&data)?;
            let (prefix, secret) = runtime()?
                .block_on(server::init::create_api_key(
                    &config,
                    &name,
                    SystemClock.now_ms(),
                ))
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            println!("API key {prefix} ({name}), shown once:");
            println!("{}", secret.as_str());
        }
        ApiKeyCommand::Revoke { data, prefix } => {
            let config = load(&data)?;
            runtime()?
                .block_on(server::init::revoke_api_key(
                    &config,
                    &prefix,
                    SystemClock.now_ms(),
                ))
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            println!("API key {prefix} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
