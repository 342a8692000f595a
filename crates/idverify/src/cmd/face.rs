//! `idverify face …`: compare two photos, or measure matching over a list of labelled pairs.
//!
//! The models come from the models directory the setup step wrote: `--models DIR`, else
//! `IDVERIFY_MODELS_DIR`, else `target/models` under the current directory. Every file is
//! checked against its pinned SHA-256 before anything runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use face::eval::{Roc, Scored, tmr_at_fmr};
use face::{DetectorKind, FaceConfig, FaceEngine, FaceModels, Role};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Detector {
    /// BlazeFace full range (default; also small faces).
    Full,
    /// BlazeFace short range (faces close to the camera).
    Short,
}

#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Compare the faces on two photos (JPEG or JPEG 2000).
    ///
    /// Exit code 0 when they match, 1 when they do not (or a quality gate failed), 2 on a usage
    /// or I/O error, an unreadable image or unusable models.
    Compare {
        /// First photo.
        a: PathBuf,
        /// Second photo.
        b: PathBuf,
        /// Machine-readable JSON output (the check).
        #[arg(long)]
        json: bool,
        /// Models directory (default: $IDVERIFY_MODELS_DIR, else target/models).
        #[arg(long)]
        models: Option<PathBuf>,
        /// Face detector.
        #[arg(long, value_enum, default_value_t = Detector::Full)]
        detector: Detector,
    },
    /// ROC figures over labelled pairs: a CSV `file_x,file_y,Decision` (Yes = same person),
    /// paths relative to the CSV's folder, header line first.
    ///
    /// Prints pairs, EER, TMR at FMR 1% and 0.1%, ROC AUC and the time per photo. Exit code 0,
    /// or 2 on a usage or I/O error.
    Eval {
        /// The pairs file.
        pairs: PathBuf,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
        /// Models directory (default: $IDVERIFY_MODELS_DIR, else target/models).
        #[arg(long)]
        models: Option<PathBuf>,
        /// Face detector.
        #[arg(long, value_enum, default_value_t = Detector::Full)]
        detector: Detector,
    },
}

fn engine(models: Option<PathBuf>, detector: Detector) -> anyhow::Result<FaceEngine> {
    let dir = models
        .or_else(|| std::env::var_os("IDVERIFY_MODELS_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target/models"));
    let dir = inference::ModelDir::open_pinned(&dir)
        .with_context(|| format!("models directory {} (run scripts/setup)", dir.display()))?;
    let kind = match detector {
        Detector::Full => DetectorKind::FullRange,
        Detector::Short => DetectorKind::ShortRange,
    };
    let models = FaceModels::load(&dir, kind).context("loading the face models")?;
    Ok(FaceEngine::new(models, FaceConfig::default()))
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

pub fn run(command: FaceCommand) -> anyhow::Result<ExitCode> {
    match command {
        FaceCommand::Compare {
            a,
            b,
            json,
            models,
            detector,
        } => {
            let (a, b) = (read(&a)?, read(&b)?);
            let engine = engine(models, detector)?;
            let check = engine.compare_bytes("face.compare", &a, &b);
            if json {
                println!("{}", serde_json::to_string_pretty(&check)?);
            } else {
                let score = check.score.map_or("-".to_owned(), |s| format!("{s:.4}"));
                let threshold = check
                    .threshold
                    .map_or("-".to_owned(), |t| format!("{t:.2}"));
                println!(
                    "{}: {} (score {score}, threshold {threshold}, reason {})",
                    check.check, check.status, check.reason
                );
                if let Some(c) = check.evidence.get("cosine") {
                    println!("cosine similarity: {c}");
                }
            }
            Ok(match check.status {
                checks::Status::Pass => ExitCode::SUCCESS,
                checks::Status::Error => ExitCode::from(2),
                _ => ExitCode::from(1),
            })
        }
        FaceCommand::Eval {
            pairs,
            json,
            models,
            detector,
        } => {
            let text = std::fs::read_to_string(&pairs)
                .with_context(|| format!("reading {}", pairs.display()))?;
            let base = pairs.parent().unwrap_or(Path::new("."));
            let mut list = Vec::new();
            for (n, line) in text.lines().enumerate().skip(1) {
                if line.trim().is_empty() {
                    continue;
                }
                let f: Vec<&str> = line.trim().split(',').map(str::trim).collect();
                let (Some(x), Some(y), Some(d)) = (f.first(), f.get(1), f.get(2)) else {
                    bail!(
                        "{}:{}: expected file_x,file_y,Decision",
                        pairs.display(),
                        n + 1
                    );
                };
                let same = match d.to_ascii_lowercase().as_str() {
                    "yes" | "1" | "true" | "same" => true,
                    "no" | "0" | "false" | "different" => false,
                    other => bail!("{}:{}: decision {other:?}", pairs.display(), n + 1),
                };
                list.push(((*x).to_owned(), (*y).to_owned(), same));
            }
            let engine = engine(models, detector)?;
            let mut embeddings = HashMap::new();
            let mut no_face = 0usize;
            let started = Instant::now();
            for (x, y, _) in &list {
                for name in [x, y] {
                    if embeddings.contains_key(name) {
                        continue;
                    }
                    let bytes = read(&base.join(name))?;
                    let analysis = engine
                        .analyse(&bytes, Role::DocumentPhoto)
                        .with_context(|| format!("analysing {name}"))?;
                    if analysis.embedding.is_none() {
                        no_face += 1;
                    }
                    embeddings.insert(name.clone(), analysis.embedding);
                }
            }
            let elapsed = started.elapsed();
            let scored: Vec<Scored> = list
                .iter()
                .map(|(x, y, same)| {
                    let score = match (embeddings.get(x), embeddings.get(y)) {
                        (Some(Some(a)), Some(Some(b))) => face::calibrate::score(a.cosine(b)),
                        _ => 0.0,
                    };
                    Scored { score, same: *same }
                })
                .collect();
            let roc = Roc::compute(&scored).context("need same and different pairs")?;
            let fmrs = [0.001, 0.01, 0.05, 0.1];
            let tmrs: Vec<(f64, f64, f64)> = fmrs
                .iter()
                .filter_map(|&f| tmr_at_fmr(&scored, f).map(|(t, th)| (f, t, th)))
                .collect();
            let photos = embeddings.len();
            let ms_per_photo = elapsed.as_secs_f64() * 1000.0 / photos.max(1) as f64;
            if json {
                let out = serde_json::json!({
                    "roc": roc,
                    "tmr_at_fmr": tmrs.iter().map(|(f, t, th)| serde_json::json!({"fmr": f, "tmr": t, "threshold": th})).collect::<Vec<_>>(),
                    "photos": photos,
                    "photos_without_face": no_face,
                    "ms_per_photo": ms_per_photo,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "pairs: {} same, {} different; photos: {photos} ({no_face} without a face)",
                    roc.genuine, roc.impostor
                );
                println!(
                    "EER: {:.2}% (at score {:.3})",
                    roc.eer * 100.0,
                    roc.eer_threshold
                );
                for (f, t, th) in &tmrs {
                    println!(
                        "TMR at FMR {:>5.1}%: {:.2}% (score threshold {th:.3})",
                        f * 100.0,
                        t * 100.0
                    );
                }
                println!("ROC AUC: {:.5}", roc.auc);
                println!(
                    "lowest same-person score {:.3}; highest different-person score {:.3}; match threshold {:.2}",
                    roc.genuine_min,
                    roc.impostor_max,
                    engine.config().match_threshold
                );
                println!(
                    "time: {ms_per_photo:.1} ms per photo (decode + full analysis, one thread)"
                );
                if roc.impostor > 0 && roc.impostor < 1000 {
                    println!(
                        "note: with {} different pairs, FMR below {:.2}% means no different pair accepted",
                        roc.impostor,
                        100.0 / roc.impostor as f64
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
