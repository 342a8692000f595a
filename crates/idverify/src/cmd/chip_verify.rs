//! `idverify chip verify` (owned by the chip-verification work; placeholder until it lands).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {}

pub fn run(_args: VerifyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
