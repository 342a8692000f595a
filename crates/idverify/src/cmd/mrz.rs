//! `idverify mrz …`: parse and validate one machine-readable zone.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use mrz::{Date, Mrz, ParseOptions};

#[derive(Debug, Subcommand)]
pub enum MrzCommand {
    /// Parse and validate one MRZ (2 or 3 lines, or the unbroken DG1 form).
    ///
    /// Exit code 0 when the MRZ has no problem, 1 when it has any (check digits, dates,
    /// codes…), 2 on a usage or I/O error or unreadable input. Expiry is reported as the
    /// `mrz.expiry` check and does not change the exit code.
    Parse {
        /// File holding the MRZ; `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
        /// Apply the OCR repair (O/0, I/1, B/8, S/5, Z/2, G/6 where field type and check digit prove it).
        #[arg(long)]
        repair: bool,
        /// Evaluate dates against this day (YYYY-MM-DD) instead of the system clock.
        #[arg(long, value_parser = parse_date)]
        today: Option<Date>,
        /// Years after today an expiry date may fall (century rule).
        #[arg(long, default_value_t = 20)]
        expiry_window_years: u16,
    },
}

fn parse_date(s: &str) -> Result<Date, String> {
    let mut it = s.splitn(3, '-').map(str::parse::<u16>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (it.next(), it.next(), it.next()) else {
        return Err("expected YYYY-MM-DD".into());
    };
    let (m, d) = (
        u8::try_from(m).map_err(|e| e.to_string())?,
        u8::try_from(d).map_err(|e| e.to_string())?,
    );
    Date::new(y, m, d).ok_or_else(|| "not a calendar date".into())
}

/// Today from the system clock: the one place the MRZ command reads it.
#[allow(clippy::disallowed_methods)]
fn system_today() -> anyhow::Result<Date> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("system clock before 1970")?
        .as_secs();
    let days = i64::try_from(secs / 86_400).context("system clock out of range")?;
    Date::from_days_since_epoch(days).context("system clock out of range")
}

pub fn run(command: MrzCommand) -> anyhow::Result<ExitCode> {
    match command {
        MrzCommand::Parse {
            file,
            json,
            repair,
            today,
            expiry_window_years,
        } => {
            let input = read_input(file.as_ref())?;
            let today = match today {
                Some(t) => t,
                None => system_today()?,
            };
            let options = ParseOptions::new(today)
                .with_repair(repair)
                .with_expiry_window_years(expiry_window_years);
            let mrz = match Mrz::parse(&input, &options) {
                Ok(m) => m,
                Err(e) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"valid": false, "error": {"code": e.code(), "message": e.to_string()}})
                        );
                    } else {
                        eprintln!("idverify: cannot read MRZ ({}): {e}", e.code());
                    }
                    return Ok(ExitCode::from(2));
                }
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&to_json(&mrz))?);
            } else {
                print_human(&mrz);
            }
            Ok(if mrz.is_consistent() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn read_input(file: Option<&PathBuf>) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    match file {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::File::open(p)
                .with_context(|| format!("cannot open {}", p.display()))?
                .take(64 * 1024)
                .read_to_end(&mut buf)
                .with_context(|| format!("cannot read {}", p.display()))?;
        }
        _ => {
            std::io::stdin()
                .take(64 * 1024)
                .read_to_end(&mut buf)
                .context("cannot read standard input")?;
        }
    }
    String::from_utf8(buf).context("input is not UTF-8 text")
}

pub(crate) fn to_json(m: &Mrz) -> serde_json::Value {
    serde_json::json!({
        "valid": m.is_consistent(),
        "format": m.format().as_str(),
        "fields": {
            "document_code": m.document_code(),
            "issuing_state": m.issuing_state(),
            "document_number": m.document_number(),
            "primary_identifier": m.primary_identifier(),
            "secondary_identifier": m.secondary_identifier(),
            "names_truncated": m.names_truncated(),
            "nationality": m.nationality(),
            "birth_date": m.birth_date().map(|d| d.to_string()),
            "sex": m.sex().as_char().to_string(),
            "expiry_date": m.expiry_date().map(|d| d.to_string()),
            "optional_data": m.optional_data(),
            "optional_data_2": m.optional_data_2(),
            "department": m.department(),
            "office": m.office(),
        },
        "problems": m.problems().iter().map(|p| serde_json::json!({
            "code": p.code.as_str(), "field": p.field.as_str(), "position": p.position,
        })).collect::<Vec<_>>(),
        "repairs": m.repairs().iter().map(|r| serde_json::json!({
            "field": r.field.as_str(), "position": r.position, "from": r.from.to_string(), "to": r.to.to_string(),
        })).collect::<Vec<_>>(),
        "checks": m.checks(),
    })
}

fn print_human(m: &Mrz) {
    let opt = |o: Option<&str>| o.unwrap_or("-").to_owned();
    let date = |d: Option<Date>| d.map_or_else(|| "invalid".to_owned(), |d| d.to_string());
    println!(
        "MRZ {} — {}",
        m.format(),
        if m.is_consistent() {
            "valid"
        } else {
            "INVALID"
        }
    );
    println!("  document code     {}", m.document_code());
    println!("  issuing state     {}", m.issuing_state());
    println!("  document number   {}", m.document_number());
    println!("  primary id        {}", m.primary_identifier());
    println!(
        "  secondary id      {}{}",
        m.secondary_identifier(),
        if m.names_truncated() {
            "  (truncated)"
        } else {
            ""
        }
    );
    println!("  nationality       {}", opt(m.nationality()));
    println!("  birth date        {}", date(m.birth_date()));
    println!("  sex               {}", m.sex().as_char());
    if m.expiry_date_raw().is_some() {
        println!("  expiry date       {}", date(m.expiry_date()));
    }
    println!("  optional data     {}", m.optional_data());
    if let Some(o) = m.optional_data_2() {
        println!("  optional data 2   {o}");
    }
    if let (Some(d), Some(o)) = (m.department(), m.office()) {
        println!("  department/office {d}/{o}");
    }
    for p in m.problems() {
        println!(
            "problem: {} in {} at position {}",
            p.code, p.field, p.position
        );
    }
    for r in m.repairs() {
        println!(
            "repair: {} at position {}: {} -> {}",
            r.field, r.position, r.from, r.to
        );
    }
    for c in m.checks() {
        println!(
            "check {:<28} {:<14} {}",
            c.check,
            c.status.as_str(),
            c.reason
        );
    }
}
