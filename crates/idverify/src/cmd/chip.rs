//! `idverify chip …`: reading a chip (`chip_read`) and verifying what was read (`chip_verify`).

use std::process::ExitCode;

use clap::Subcommand;

use super::{chip_read, chip_verify};

#[derive(Debug, Subcommand)]
pub enum ChipCommand {
    /// Verify chip files: data-group hashes, SOD signature, chain to a CSCA, Active Authentication.
    Verify(chip_verify::VerifyArgs),
    /// Read a chip through a PC/SC reader into a directory of files.
    Read(chip_read::ReadArgs),
    /// List PC/SC readers.
    Readers(chip_read::ReadersArgs),
}

pub fn run(command: ChipCommand) -> anyhow::Result<ExitCode> {
    match command {
        ChipCommand::Verify(args) => chip_verify::run(args),
        ChipCommand::Read(args) => chip_read::run_read(args),
        ChipCommand::Readers(args) => chip_read::run_readers(args),
    }
}
