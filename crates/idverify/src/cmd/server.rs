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

fn env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("IDVERIFY_"))
        .collect()
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn load(data: &Path) -> anyhow::Result<Config> {
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
