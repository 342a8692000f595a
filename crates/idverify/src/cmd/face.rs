//! `idverify face …` (owned by the face work; placeholder until it lands).

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum FaceCommand {
    /// Compare two photos.
    Compare,
}

pub fn run(_command: FaceCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
