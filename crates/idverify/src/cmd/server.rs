//! Server commands: `init`, `serve`, … (owned by the server work; placeholder until it lands).

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Start the server.
    Serve,
}

pub fn run(_command: ServerCommand) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
