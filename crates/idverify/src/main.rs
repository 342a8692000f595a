//! `idverify`: the command-line entry point. Thin glue: argument parsing, file I/O, output
//! formatting and exit codes; all logic lives in the library crates.
//!
//! Exit codes (every subcommand): 0 ok / valid, 1 verdict negative, 2 usage or I/O error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

/// On-premise identity verification (KYC): documents, chips, faces, liveness.
#[derive(Debug, Parser)]
#[command(name = "idverify", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Machine-readable zones (ICAO 9303 Parts 3–5).
    #[command(subcommand)]
    Mrz(cmd::mrz::MrzCommand),
    /// eMRTD chip data (ICAO 9303 Parts 10–12): Passive and Active Authentication.
    #[command(subcommand)]
    Chip(cmd::chip::ChipCommand),
    /// Document photos: find, rectify, read the MRZ, judge authenticity.
    #[command(subcommand)]
    Document(cmd::document::DocumentCommand),
    /// Faces: compare two photos, evaluate matching over labelled pairs.
    #[command(subcommand)]
    Face(cmd::face::FaceCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(cmd::audit::AuditCommand),
    /// Create a data directory: configuration, generated secrets, TLS certificate, database,
    /// admin password and first API key (printed once).
    Init(cmd::server::InitArgs),
    /// Run the server (HTTPS; plain HTTP only with --insecure-http).
    Serve(cmd::server::ServeArgs),
    /// API keys.
    #[command(subcommand)]
    Apikey(cmd::server::ApiKeyCommand),
    /// A person's requests: export everything held about a verification, erase it.
    #[command(subcommand)]
    Subject(cmd::server::SubjectCommand),
    /// Backups of approved cases: encrypted, erasure-coded over storage nodes; restore, verify.
    #[command(subcommand)]
    Backup(cmd::backup::BackupCommand),
    /// Expire abandoned sessions and purge evidence past its retention, now (`--dry-run` lists).
    Purge(cmd::server::PurgeArgs),
    /// Model bundles: make vendor keys, pack a signed and encrypted bundle, verify one.
    #[command(subcommand)]
    Models(cmd::models::ModelsCommand),
    /// Licences: issue (vendor side), print this installation's fingerprint, verify.
    #[command(subcommand)]
    Licence(cmd::licence::LicenceCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout with exit 0, usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Mrz(c) => cmd::mrz::run(c),
        Command::Chip(c) => cmd::chip::run(c),
        Command::Face(c) => cmd::face::run(c),
        Command::Document(c) => cmd::document::run(c),
        Command::Audit(c) => cmd::audit::run(c),
        Command::Init(a) => cmd::server::init(a),
        Command::Serve(a) => cmd::server::serve(a),
        Command::Apikey(c) => cmd::server::apikey(c),
        Command::Purge(a) => cmd::server::purge(a),
        Command::Backup(c) => cmd::backup::run(c),
        Command::Subject(c) => cmd::server::subject(c),
        Command::Models(c) => cmd::models::run(c),
        Command::Licence(c) => cmd::licence::run(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("idverify: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
