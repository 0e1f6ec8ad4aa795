//! `appgov` — the command line. Thin by design: argument parsing, files,
//! threads and output formatting live here; all analysis is in the library
//! crates.

mod diff;
mod rules;
mod scan;
mod source;
mod text;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Governance of financial mobile apps under notice 金办发〔2024〕99号.
#[derive(Parser)]
#[command(name = "appgov", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse packages (APK, AAB, APKS, XAPK) and print their facts.
    ///
    /// Exit codes: 0 every input produced facts (and passed the `--fail-on`
    /// gate); 1 at least one input could not be analysed (its `error` says
    /// why; the others are still reported); 2 the command itself failed (bad
    /// arguments, unreadable policy or output directory); 3 the `--fail-on`
    /// gate failed: a finding in force at or above the given severity.
    Scan(scan::ScanArgs),
    /// List the checks (`--format json` for tools), or explain one:
    /// `appgov rules explain PKG-002`.
    Rules(rules::RulesArgs),
    /// Compare two releases of an app: permissions, SDKs, domains,
    /// components, signing certificate (loudly), SDK levels, native
    /// libraries, new and fixed findings. Exit codes as `scan`.
    Diff(diff::DiffArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Diff(args) => diff::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("appgov: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
