//! `idverify mrz …` (owned by the MRZ work; placeholder until it lands).

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum MrzCommand {
    /// Parse and validate one MRZ.
    Parse,
}

pub fn run(_command: MrzCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
