//! `idverify audit verify`: checks the audit chain in the database with the audit key.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the audit trail: every event's MAC under the audit key and its link to the event
    /// before it. Exit 0 when the chain holds, 1 naming the first edited, removed, inserted or
    /// reordered event, 2 on usage or I/O errors.
    Verify {
        /// The database URL (`sqlite:///path/idverify.db` or `postgres://…`).
        #[arg(long)]
        db: String,
        /// The audit key file (32 bytes, raw or as 64 hex characters).
        #[arg(long)]
        key_file: PathBuf,
        /// A head recorded earlier (`SEQ:MAC`): the log must still contain it (catches a cut end).
        #[arg(long)]
        head: Option<String>,
        /// Machine-readable JSON output.
        #[arg(long)]
        json: bool,
    },
}

fn read_key(path: &PathBuf) -> anyhow::Result<audit::AuditKey> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let raw: Vec<u8> = match bytes.len() {
        32 => bytes,
        _ => {
            let text =
                String::from_utf8(bytes).context("the key file is neither 32 bytes nor hex")?;
            hex::decode(text.trim()).context("the key file is neither 32 bytes nor hex")?
        }
    };
    let key: [u8; 32] = raw
        .try_into()
        .map_err(|_| anyhow::anyhow!("the audit key must be 32 bytes"))?;
    Ok(audit::AuditKey::new(key))
}

pub fn run(command: AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify {
        db,
        key_file,
        head,
        json,
    } = command;
    let key = read_key(&key_file)?;
    let head = match head {
        Some(h) => {
            let (seq, mac) = h.split_once(':').context("--head is SEQ:MAC")?;
            Some((
                seq.parse::<u64>().context("--head sequence")?,
                mac.to_owned(),
            ))
        }
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let events = runtime.block_on(async {
        let db = store::Db::connect(&db, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))?;
        db.audit_events()
            .await
            .map_err(|e| anyhow::anyhow!("{e} ({})", e.code()))
    })?;
    let outcome = match &head {
        Some((seq, mac)) => audit::verify_against_head(&key, &events, *seq, mac),
        None => audit::verify(&key, &events),
    };
    match outcome {
        Ok(v) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"valid": true, "events": v.events, "head": format!("{}:{}", v.events, v.head)})
                );
            } else {
                println!(
                    "audit trail intact: {} events, head {}:{}",
                    v.events, v.events, v.head
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({"valid": false, "error": {"code": e.code(), "message": e.to_string()}})
                );
            } else {
                println!("AUDIT TRAIL BROKEN ({}): {e}", e.code());
            }
            if events.is_empty() && head.is_none() {
                bail!("no events");
            }
            Ok(ExitCode::from(1))
        }
    }
}
