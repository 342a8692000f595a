//! `idverify document read IMAGE [--back IMAGE] [--json]`: the document reader on photos.
//!
//! The OCR-B font the MRZ recogniser learns from: `--ocrb FILE`, else `IDVERIFY_OCRB_FONT`,
//! else Debian's `fonts-ocr-b` (installed by the setup step). The printed visual zone is read by
//! Tesseract from `--tessdata DIR`, else Debian's tessdata (`--no-viz` skips it), its Arabic
//! reads checked against their drawing in `IDVERIFY_ARABIC_FONT`, else Debian's Amiri.
//!
//! The fields read are printed to standard output for the operator who asked; nothing of them
//! goes to the log.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use checks::Status;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum DocumentCommand {
    /// Read a document photo: geometry, MRZ, authenticity checks.
    ///
    /// Exit code 0 when no check failed, 1 when one failed or the photo was refused,
    /// 2 on a usage or I/O error or an unreadable image.
    Read {
        /// Photo of the front (data page), JPEG.
        image: PathBuf,
        /// Photo of the back (TD1 cards carry the MRZ there).
        #[arg(long)]
        back: Option<PathBuf>,
        /// Machine-readable JSON output (the checks and the MRZ lines read).
        #[arg(long)]
        json: bool,
        /// The OCR-B font file.
        #[arg(long)]
        ocrb: Option<PathBuf>,
        /// Tesseract's model directory (the `ara`, `fra` and `Arabic` models).
        #[arg(long)]
        tessdata: Option<PathBuf>,
        /// Do not read the printed visual zone (its checks are then `not_performed`).
        #[arg(long)]
        no_viz: bool,
    },
}

/// Now from the system clock (UTC), as a date and an EXIF timestamp: the one place this
/// command reads it.
#[allow(clippy::disallowed_methods)]
fn system_now() -> anyhow::Result<(mrz::Date, String)> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("system clock before 1970")?
        .as_secs();
    let days = i64::try_from(secs / 86_400).context("system clock out of range")?;
    let d = mrz::Date::from_days_since_epoch(days).context("system clock out of range")?;
    let s = secs % 86_400;
    let exif = format!(
        "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
        d.year(),
        d.month(),
        d.day(),
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    Ok((d, exif))
}

pub fn run(command: DocumentCommand) -> anyhow::Result<ExitCode> {
    match command {
        DocumentCommand::Read {
            image,
            back,
            json,
            ocrb,
            tessdata,
            no_viz,
        } => {
            let font_path = ocrb
                .or_else(|| std::env::var_os("IDVERIFY_OCRB_FONT").map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("/usr/share/fonts/opentype/ocr-b/OCRB.otf"));
            let font = std::fs::read(&font_path)
                .with_context(|| format!("reading the OCR-B font {}", font_path.display()))?;
            let mut engine = document::Engine::new(&font).context("building the MRZ recogniser")?;
            if !no_viz {
                let config = ocr::Config {
                    tessdata: tessdata.unwrap_or_else(|| PathBuf::from(ocr::DEFAULT_TESSDATA)),
                    handles: 1,
                };
                let reader = ocr::TesseractReader::new(&config).map_err(|e| {
                    anyhow::anyhow!(
                        "starting Tesseract from {}: {e} ({}; --no-viz skips the visual zone)",
                        config.tessdata.display(),
                        e.code()
                    )
                })?;
                engine = engine.with_reader(std::sync::Arc::new(reader));
                let arabic = std::env::var_os("IDVERIFY_ARABIC_FONT")
                    .map_or_else(|| PathBuf::from(document::synth::AMIRI), PathBuf::from);
                match std::fs::read(&arabic)
                    .ok()
                    .and_then(document::synth::ArabicFont::new)
                {
                    Some(font) => engine = engine.with_arabic_font(font),
                    None => eprintln!(
                        "warning: no Arabic face at {} (fonts-hosny-amiri; IDVERIFY_ARABIC_FONT): Arabic reads are not checked against their drawing",
                        arabic.display()
                    ),
                }
            }
            let front =
                std::fs::read(&image).with_context(|| format!("reading {}", image.display()))?;
            let back = match &back {
                Some(p) => {
                    Some(std::fs::read(p).with_context(|| format!("reading {}", p.display()))?)
                }
                None => None,
            };
            let (today, now) = system_now()?;
            let report = engine.read(&document::Input {
                front: &front,
                back: back.as_deref(),
                today,
                now_exif: &now,
            });
            if json {
                let viz: Vec<serde_json::Value> = report
                    .viz
                    .iter()
                    .map(|f| {
                        serde_json::json!({
                            "name": f.name,
                            "kind": f.kind.as_str(),
                            "script": f.lang.script(),
                            "text": f.raw,
                            "value": f.value,
                            "confidence": f.confidence,
                        })
                    })
                    .collect();
                let out = serde_json::json!({
                    "mrz_lines": report.mrz_lines,
                    "viz": viz,
                    "checks": report.checks,
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for l in &report.mrz_lines {
                    println!("{l}");
                }
                for f in &report.viz {
                    println!(
                        "{}: {} (read {:?}, confidence {:.2})",
                        f.name,
                        f.value.as_deref().unwrap_or("-"),
                        f.raw,
                        f.confidence
                    );
                }
                for c in &report.checks {
                    let score = c
                        .score
                        .map_or(String::new(), |s| format!(" (score {s:.3})"));
                    println!("{}: {} {}{score}", c.check, c.status, c.reason);
                }
            }
            let negative = report
                .checks
                .iter()
                .any(|c| matches!(c.status, Status::Fail | Status::Error));
            let corrupt = report
                .checks
                .iter()
                .any(|c| c.reason.as_str() == "image_corrupt");
            Ok(if corrupt {
                ExitCode::from(2)
            } else if negative {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
