//! `idverify chip …`: verify chip data read by any reader.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use emrtd::aa::Challenge;
use emrtd::chip::{AaExchange, ChipFiles, verify_chip};
use emrtd::lds::DgNumber;
use emrtd::pki::TrustStore;

/// Largest file we read from a chip directory or trust path (a master list is a few MB).
const MAX_FILE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum ChipCommand {
    /// Passive Authentication (data-group hashes, SOD signature, Document Signer → CSCA chain,
    /// validity, key usage, CRL revocation) and Active Authentication of one chip's files.
    ///
    /// DIR holds `EF.SOD` and `DG1.bin` … `DG16.bin`. Exit code 0 only when every check that ran
    /// passed; 1 when any failed, warned or used an unsupported algorithm; 2 on usage or I/O errors.
    Verify {
        /// Directory with the chip's files.
        dir: PathBuf,
        /// Trust material: CSCA certificates (PEM or DER), CRLs, CSCA Master Lists (.ml), or
        /// directories of them. Repeatable.
        #[arg(long, required = true, num_args = 1..)]
        trust: Vec<PathBuf>,
        /// The 8-byte Active Authentication challenge that was sent, hex.
        #[arg(long, requires = "aa_response")]
        aa_challenge: Option<String>,
        /// The chip's response to it, hex.
        #[arg(long, requires = "aa_challenge")]
        aa_response: Option<String>,
        /// Verification time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ) instead of the system clock.
        #[arg(long)]
        at: Option<String>,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Read a chip: PACE (MRZ or CAN) where offered, else BAC; every file EF.COM lists; Chip
    /// Authentication or the PACE-CAM check when the chip supports it; optionally Active
    /// Authentication. Writes the files `chip verify` reads (EF.SOD, DG1.bin, …).
    ///
    /// `--reader` is a PC/SC reader name (or part of it), or `virtual:DIR` for the in-process
    /// virtual chip serving the files of DIR (its BAC key comes from DIR's DG1).
    Read {
        /// The reader.
        #[arg(long)]
        reader: String,
        /// File holding the document's MRZ (the access key).
        #[arg(long, conflicts_with = "can", required_unless_present = "can")]
        mrz: Option<PathBuf>,
        /// The 6-digit Card Access Number (PACE only).
        #[arg(long)]
        can: Option<String>,
        /// Directory to write the files into (created).
        #[arg(long)]
        out: PathBuf,
        /// Refuse to fall back to BAC when the chip offers PACE.
        #[arg(long)]
        require_pace: bool,
        /// Also run Active Authentication with this 8-byte challenge (hex); the response is
        /// written to OUT/aa-response.hex.
        #[arg(long)]
        aa_challenge: Option<String>,
    },
    /// List the PC/SC readers.
    Readers,
}

pub fn run(command: ChipCommand) -> anyhow::Result<ExitCode> {
    let (dir, trust, aa_challenge, aa_response, at, json) = match command {
        ChipCommand::Verify {
            dir,
            trust,
            aa_challenge,
            aa_response,
            at,
            json,
        } => (dir, trust, aa_challenge, aa_response, at, json),
        ChipCommand::Read {
            reader,
            mrz,
            can,
            out,
            require_pace,
            aa_challenge,
        } => {
            return super::chip_read::read(
                &reader,
                mrz.as_deref(),
                can,
                &out,
                require_pace,
                aa_challenge.as_deref(),
            );
        }
        ChipCommand::Readers => return super::chip_read::readers(),
    };
    let at = match at {
        Some(s) => parse_time(&s)?,
        None => system_now()?,
    };
    let files = read_chip_dir(&dir)?;
    let mut store = TrustStore::new();
    let mut loaded = Vec::new();
    for path in &trust {
        load_trust(&mut store, path, at, &mut loaded)?;
    }
    let exchange = match (aa_challenge, aa_response) {
        (Some(c), Some(r)) => {
            let c = hex::decode(c.trim()).context("--aa-challenge is not hex")?;
            let c: [u8; 8] = c
                .try_into()
                .map_err(|_| anyhow::anyhow!("--aa-challenge must be 8 bytes"))?;
            let r = hex::decode(r.trim()).context("--aa-response is not hex")?;
            Some(AaExchange {
                challenge: Challenge::from_issued(c, "cli"),
                response: r,
            })
        }
        _ => None,
    };
    let today = mrz::Date::new(at.year(), at.month(), at.day()).context("verification date")?;
    let report = verify_chip(&files, &store, at, exchange, &mrz::ParseOptions::new(today));
    if json {
        let mut value = serde_json::to_value(&report)?;
        if let (Some(obj), Some(dg1)) = (value.as_object_mut(), &report.dg1) {
            obj.insert("dg1".into(), super::mrz::to_json(&dg1.mrz));
        }
        if let Some(obj) = value.as_object_mut() {
            obj.insert("trust_loaded".into(), serde_json::json!(loaded));
            obj.insert("verified_at".into(), serde_json::json!(at.to_string()));
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("chip {} — {}", dir.display(), report.status);
        for line in &loaded {
            println!("  trust: {line}");
        }
        if let Some(pa) = &report.passive_authentication {
            if let Some(dsc) = &pa.document_signer {
                println!(
                    "  document signer   {} (serial {}, {})",
                    dsc.subject, dsc.serial, dsc.key
                );
            }
            if let Some(csca) = &pa.csca {
                println!(
                    "  CSCA              {} (serial {}, {})",
                    csca.subject, csca.serial, csca.key
                );
            }
            if let Some(alg) = &pa.signature_algorithm {
                println!("  SOD signature     {alg}");
            }
        } else {
            println!("  EF.SOD absent: Passive Authentication not performed");
        }
        if let Some(dg1) = &report.dg1 {
            let m = &dg1.mrz;
            println!(
                "  DG1               {} {} {} (check digits {})",
                m.format(),
                m.issuing_state(),
                m.document_number(),
                if m.is_consistent() { "ok" } else { "WRONG" }
            );
        }
        if let Some(e) = &report.dg1_error {
            println!("  DG1               unreadable: {e}");
        }
        for face in &report.faces {
            match (&face.decode_error, face.width, face.height) {
                (None, Some(w), Some(h)) => {
                    println!("  DG2 face          {} {w}×{h}", face.format.unwrap_or("?"))
                }
                (Some(e), _, _) => println!(
                    "  DG2 face          {} does not decode: {e}",
                    face.format.unwrap_or("unknown format")
                ),
                _ => {}
            }
        }
        if let Some(e) = &report.dg2_error {
            println!("  DG2               unreadable: {e}");
        }
        for c in report.checks() {
            println!(
                "  check {:<28} {:<14} {}",
                c.check,
                c.status.as_str(),
                c.reason
            );
        }
    }
    Ok(if report.all_present_checks_pass() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_limited(path: &Path) -> anyhow::Result<Vec<u8>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.len() > MAX_FILE {
        bail!("{} is larger than {} bytes", path.display(), MAX_FILE);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// `EF.SOD` (or `SOD`, `EF_SOD.bin`, `sod.bin`) and `DG<n>.bin` (or `EF_DG<n>.bin`), any case.
fn read_chip_dir(dir: &Path) -> anyhow::Result<ChipFiles> {
    let mut files = ChipFiles::default();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot open directory {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_ascii_uppercase();
        let stem = name.strip_suffix(".BIN").unwrap_or(&name);
        let stem = stem
            .strip_prefix("EF_")
            .or_else(|| stem.strip_prefix("EF."))
            .unwrap_or(stem);
        if stem == "SOD" {
            files.sod = Some(read_limited(&entry.path())?);
        } else if let Some(n) = stem
            .strip_prefix("DG")
            .and_then(|n| n.parse::<u8>().ok())
            .and_then(DgNumber::new)
        {
            files.data_groups.insert(n, read_limited(&entry.path())?);
        }
    }
    if files.sod.is_none() && files.data_groups.is_empty() {
        bail!("{} holds neither EF.SOD nor DG files", dir.display());
    }
    Ok(files)
}

fn load_trust(
    store: &mut TrustStore,
    path: &Path,
    at: der::DateTime,
    loaded: &mut Vec<String>,
) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot open {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for p in entries {
            load_trust(store, &p, at, loaded)?;
        }
        return Ok(());
    }
    let bytes = read_limited(path)?;
    let what = store
        .add_file_bytes(&bytes, at)
        .map_err(|e| anyhow::anyhow!("{}: {} ({})", path.display(), e, e.code()))?;
    loaded.push(format!("{}: {what}", path.display()));
    Ok(())
}

fn parse_time(s: &str) -> anyhow::Result<der::DateTime> {
    let num = |r: std::ops::Range<usize>| -> anyhow::Result<u16> {
        s.get(r)
            .and_then(|x| x.parse().ok())
            .context("expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
    };
    let small = |r: std::ops::Range<usize>| -> anyhow::Result<u8> { Ok(u8::try_from(num(r)?)?) };
    let (h, mi, se) = if s.len() == 10 {
        (0, 0, 0)
    } else if s.len() == 20 && s.ends_with('Z') {
        (small(11..13)?, small(14..16)?, small(17..19)?)
    } else {
        bail!("expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
    };
    der::DateTime::new(num(0..4)?, small(5..7)?, small(8..10)?, h, mi, se)
        .map_err(|e| anyhow::anyhow!("{s}: {e}"))
}

/// Now from the system clock: the one place the chip command reads it.
#[allow(clippy::disallowed_methods)]
fn system_now() -> anyhow::Result<der::DateTime> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("system clock before 1970")?;
    der::DateTime::from_unix_duration(since).map_err(|e| anyhow::anyhow!("system clock: {e}"))
}
