//! `idverify backup`: approved cases, as signed case archives, encrypted and Reed–Solomon coded
//! over storage nodes (`crates/backup`); `backup restore` and `backup verify`.
//!
//! Nodes are named on the command line, `--node ID=dir:/path` or
//! `--node ID=s3:https://host:port/bucket[/prefix/]` (S3 credentials from
//! `IDVERIFY_BACKUP_S3_ACCESS_KEY_ID` and the file named by `IDVERIFY_BACKUP_S3_SECRET_KEY_FILE`).
//! A node's id must stay the same from run to run. The backup key and the index-signing key live
//! in the data directory's `secrets/` (made on the first run), never on a node: a node alone
//! reveals nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use server::{Clock, SystemClock};
use zeroize::Zeroizing;

/// `idverify backup …`.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Back up every approved case whose evidence is still held.
    Run {
        #[command(flatten)]
        nodes: NodeArgs,
        /// Data shards per case.
        #[arg(long, default_value_t = 4)]
        data_shards: usize,
        /// Parity shards per case (how many nodes may be lost).
        #[arg(long, default_value_t = 2)]
        parity_shards: usize,
        /// The run's name (default: the time, `YYYYMMDDtHHMMSSz`); re-running a name resumes it.
        #[arg(long)]
        run: Option<String>,
    },
    /// Rebuild every case of a run from any k shards, checking every hash, into a directory.
    Restore {
        #[command(flatten)]
        nodes: NodeArgs,
        /// The run (default: the newest).
        #[arg(long)]
        run: Option<String>,
        /// Where to write `<case>.idv` archives.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a run's index signature and every shard's presence and hash, without restoring.
    Verify {
        #[command(flatten)]
        nodes: NodeArgs,
        /// The run (default: the newest).
        #[arg(long)]
        run: Option<String>,
    },
}

/// Where the data directory and the nodes are.
#[derive(Debug, Args)]
pub struct NodeArgs {
    /// The data directory (its `secrets/` hold the backup keys).
    #[arg(long, default_value = "./idverify-data")]
    data: PathBuf,
    /// A storage node, `ID=dir:/path` or `ID=s3:https://host:port/bucket[/prefix/]`; repeat.
    #[arg(long = "node", required = true)]
    nodes: Vec<String>,
}

fn secret_file(data: &Path, name: &str) -> anyhow::Result<Zeroizing<[u8; 32]>> {
    server::read_or_create_secret(&data.join("secrets").join(name))
        .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))
}

fn keys(data: &Path) -> anyhow::Result<(backup::BackupKey, backup::IndexSigningKey)> {
    let k = secret_file(data, "backup.key")?;
    let s = secret_file(data, "backup-index.key")?;
    Ok((
        backup::BackupKey::from_bytes(k.as_slice()).map_err(|e| anyhow::anyhow!("{e}"))?,
        backup::IndexSigningKey::from_bytes(s.as_slice()).map_err(|e| anyhow::anyhow!("{e}"))?,
    ))
}

fn node(spec: &str) -> anyhow::Result<backup::Node> {
    let (id, target) = spec
        .split_once('=')
        .with_context(|| format!("--node {spec}: expected ID=dir:/path or ID=s3:URL"))?;
    let store: Arc<dyn store::ObjectStore> = if let Some(path) = target.strip_prefix("dir:") {
        Arc::new(store::LocalDir::open(path, 1 << 30).context(path.to_owned())?)
    } else if let Some(url) = target.strip_prefix("s3:") {
        let (scheme, rest) = url
            .split_once("://")
            .with_context(|| format!("--node {spec}: s3:http(s)://host/bucket"))?;
        let mut parts = rest.splitn(3, '/');
        let host = parts.next().unwrap_or_default();
        let bucket = parts.next().unwrap_or_default();
        let prefix = parts.next().unwrap_or_default();
        let secret_file = std::env::var("IDVERIFY_BACKUP_S3_SECRET_KEY_FILE")
            .context("IDVERIFY_BACKUP_S3_SECRET_KEY_FILE is not set")?;
        let secret = std::fs::read_to_string(&secret_file).context(secret_file)?;
        Arc::new(
            store::S3::new(
                store::S3Config {
                    endpoint: format!("{scheme}://{host}"),
                    bucket: bucket.to_owned(),
                    region: "us-east-1".to_owned(),
                    access_key_id: std::env::var("IDVERIFY_BACKUP_S3_ACCESS_KEY_ID")
                        .context("IDVERIFY_BACKUP_S3_ACCESS_KEY_ID is not set")?,
                    secret_access_key: Zeroizing::new(secret.trim().to_owned()),
                    prefix: if prefix.is_empty() || prefix.ends_with('/') {
                        prefix.to_owned()
                    } else {
                        format!("{prefix}/")
                    },
                    ca_pem: None,
                    timeout: std::time::Duration::from_secs(60),
                },
                1 << 30,
            )
            .map_err(|e| anyhow::anyhow!("--node {spec}: {e}"))?,
        )
    } else {
        bail!("--node {spec}: expected dir:/path or s3:URL after the id");
    };
    backup::Node::new(id, store).map_err(|e| anyhow::anyhow!("--node {spec}: {e}"))
}

fn nodes(args: &NodeArgs) -> anyhow::Result<Vec<backup::Node>> {
    args.nodes.iter().map(|s| node(s)).collect()
}

/// A progress bar on stderr.
fn bar(what: &'static str) -> impl FnMut(backup::Progress) {
    move |p: backup::Progress| {
        let width = 30;
        let filled = (p.done * width).checked_div(p.total).unwrap_or(width);
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r{what} [{}{}] {}/{} cases, {:.1} MB",
            "#".repeat(filled),
            " ".repeat(width - filled.min(width)),
            p.done,
            p.total,
            f64::from(u32::try_from(p.bytes / 100_000).unwrap_or(u32::MAX)) / 10.0
        );
        if p.done == p.total {
            let _ = writeln!(err);
        }
    }
}

fn pick_run(nodes: &[backup::Node], run: Option<String>) -> anyhow::Result<backup::RunId> {
    match run {
        Some(r) => backup::RunId::new(&r).map_err(|e| anyhow::anyhow!("--run: {e}")),
        None => backup::list_runs(nodes)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .into_iter()
            .max_by(|a, b| a.as_str().cmp(b.as_str()))
            .context("no backup run on these nodes"),
    }
}

fn run_name(now_ms: i64) -> String {
    let stamp = server::api::rfc3339(now_ms);
    // 2026-12-01T20:00:00.000Z → 20261201t200000z
    let digits: String = stamp
        .chars()
        .take(19)
        .filter(char::is_ascii_digit)
        .collect();
    format!(
        "{}t{}z",
        digits.get(..8).unwrap_or(""),
        digits.get(8..).unwrap_or("")
    )
}

pub fn run(command: BackupCommand) -> anyhow::Result<ExitCode> {
    match command {
        BackupCommand::Run {
            nodes: args,
            data_shards,
            parity_shards,
            run,
        } => {
            let nodes = nodes(&args)?;
            let (key, signing) = keys(&args.data)?;
            let config = server::Config::load(&args.data, &super::server::env())
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            let rt = super::server::runtime()?;
            let options = server::Options {
                background_jobs: false,
                ..server::Options::default()
            };
            let state = rt
                .block_on(server::build_state(config, &options))
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            let api = |e: server::ApiError| anyhow::anyhow!("{} ({})", e.message, e.code);
            let ids = rt
                .block_on(state.db.verifications_in(
                    store::VerificationStatus::Approved,
                    i64::MAX,
                    i64::MAX,
                ))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut cases = Vec::new();
            for id in ids {
                let v = rt
                    .block_on(state.db.verification(&id))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                if v.purged_at_ms.is_some() {
                    continue;
                }
                let (bytes, _) = rt
                    .block_on(server::export::archive(&state, &id))
                    .map_err(api)?;
                cases.push(backup::CaseArchive { case_id: id, bytes });
            }
            let now = SystemClock.now_ms();
            let run = backup::RunId::new(&run.unwrap_or_else(|| run_name(now)))
                .map_err(|e| anyhow::anyhow!("--run: {e}"))?;
            let mut spec = backup::RunSpec::new(run.clone(), now.div_euclid(1000));
            spec.layout = backup::Layout::new(data_shards, parity_shards)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
            let report = backup::backup(
                &nodes,
                &key,
                &signing,
                &spec,
                &cases,
                &mut rng,
                &mut bar("backup"),
            )
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            rt.block_on(state.audit(
                "operator:cli",
                "backup.run",
                run.as_str(),
                serde_json::json!({"cases": cases.len(), "written": report.written, "reused": report.reused}),
            ))
            .map_err(api)?;
            println!(
                "idverify backup: run {} — {} case(s), {} written, {} resumed, {} bytes, {}+{} shards over {} nodes",
                run.as_str(),
                cases.len(),
                report.written,
                report.reused,
                report.bytes,
                data_shards,
                parity_shards,
                nodes.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        BackupCommand::Restore {
            nodes: args,
            run,
            out,
        } => {
            let nodes = nodes(&args)?;
            let (key, signing) = keys(&args.data)?;
            let run = pick_run(&nodes, run)?;
            let opened = backup::open_index(&nodes, &signing.verifying_key(), &run)
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            std::fs::create_dir_all(&out).context(out.display().to_string())?;
            let report = backup::restore(
                &nodes,
                &key,
                &opened.index,
                &mut bar("restore"),
                &mut |case: backup::CaseArchive| {
                    let path = out.join(format!("{}.idv", case.case_id));
                    std::fs::write(&path, &case.bytes)
                        .map_err(|e| backup::Error::Sink(format!("{}: {e}", path.display())))
                },
            )
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            println!(
                "idverify backup restore: run {} — {} case(s), {} bytes into {}; {} shard(s) missing, {} corrupt, {} case(s) rebuilt from parity",
                run.as_str(),
                report.cases,
                report.bytes,
                out.display(),
                report.shards_missing,
                report.shards_corrupt,
                report.rebuilt
            );
            Ok(ExitCode::SUCCESS)
        }
        BackupCommand::Verify { nodes: args, run } => {
            let nodes = nodes(&args)?;
            let (_, signing) = keys(&args.data)?;
            let run = pick_run(&nodes, run)?;
            let opened = backup::open_index(&nodes, &signing.verifying_key(), &run)
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            let report = backup::verify(&nodes, &opened, &mut bar("verify"))
                .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
            println!(
                "idverify backup verify: run {} — {} ok, {} degraded (restorable), {} lost",
                run.as_str(),
                report.ok,
                report.degraded,
                report.lost
            );
            Ok(if report.lost == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
