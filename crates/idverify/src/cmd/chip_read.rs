//! `idverify chip read|readers` (owned by the chip-reading work; placeholder until it lands).

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReadArgs {}

#[derive(Debug, clap::Args)]
pub struct ReadersArgs {}

pub fn run_read(_args: ReadArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}

pub fn run_readers(_args: ReadersArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
