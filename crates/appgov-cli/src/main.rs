//! `appgov` — the command line. Thin by design: argument parsing, files,
//! threads and output formatting live here; all analysis is in the library
//! crates.

mod demo;
mod diff;
mod gates;
mod internal_scan;
mod ledger;
mod report_cmd;
mod rules;
mod scan;
mod serve;
mod sheet_cmd;
mod text;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Governance of financial mobile apps under notice 金办发〔2024〕99号.
#[derive(Parser)]
#[command(name = "appgov", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    store: ledger::StoreArgs,
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
    /// Creates (or upgrades) the ledger in the data directory or database.
    Init(ledger::InitArgs),
    /// The organisation tree: group, institution, departments, branches.
    #[command(subcommand)]
    Org(ledger::OrgCmd),
    /// People the ledger names (responsible people, owners, approvers).
    #[command(subcommand)]
    Person(ledger::PersonCmd),
    /// Apps in the ledger (台账): add, list, show, edit, request a move.
    #[command(subcommand)]
    App(ledger::AppCmd),
    /// Releases: add a package to an app (analysed and stored), request a move.
    #[command(subcommand)]
    Release(gates::ReleaseCmd),
    /// Gate checklists of requested moves: evidence, attestations, approval.
    #[command(subcommand)]
    Gate(gates::GateCmd),
    /// The ledger as a whole: import or export a spreadsheet (CSV, XLSX),
    /// the derived views (quality, certificate continuity, filing drift,
    /// consolidation candidates).
    #[command(subcommand)]
    Ledger(sheet_cmd::LedgerCmd),
    /// Any other ledger record (accounts, listings, filings, third parties,
    /// agreements, access grants, metrics, identities): add, edit, list.
    #[command(subcommand)]
    Record(ledger::RecordCmd),
    /// The audit trail: verify it, read it.
    #[command(subcommand)]
    Audit(ledger::AuditCmd),
    /// Database administration: copy the ledger to another database.
    #[command(subcommand)]
    Db(ledger::DbCmd),
    /// The web platform: pages in Chinese (and English) for the ledger,
    /// releases and gates, the REST API for CI, background scans. Starts
    /// on the embedded SQLite in the data directory with no configuration;
    /// prints its URL and, on first start, a one-time link that creates
    /// the first administrator.
    Serve(serve::ServeArgs),
    /// Loads a fictional bank into an empty ledger: about forty apps of
    /// every form and state, releases analysed from the corpus, obligations
    /// in every state, incidents, complaints, counterfeit cases,
    /// assessments. `appgov demo --data-dir d && appgov serve --data-dir d`.
    Demo(demo::DemoArgs),
    /// Compliance reports: `appgov report ledger|compliance-matrix|
    /// annual-risk-assessment --out FILE.pdf|.html|.xlsx`, or
    /// `appgov report evidence-pack --out pack.zip` for an audit.
    Report(report_cmd::ReportArgs),
    /// The compliance calendar and ledger checks: refresh the obligations,
    /// list them, run the GOV checks (exit 3 with --fail-on).
    #[command(subcommand)]
    Compliance(report_cmd::ComplianceCmd),
    /// The analysis of one uploaded package in a child process of `appgov
    /// serve` (its memory and time limited); not for people.
    #[command(hide = true)]
    InternalScan(internal_scan::InternalScanArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Init(args) => ledger::init(&cli.store, &args),
        Command::Org(cmd) => ledger::org(&cli.store, &cmd),
        Command::Person(cmd) => ledger::person(&cli.store, &cmd),
        Command::App(cmd) => ledger::app(&cli.store, &cmd),
        Command::Release(cmd) => gates::release(&cli.store, &cmd),
        Command::Gate(cmd) => gates::gate(&cli.store, &cmd),
        Command::Ledger(cmd) => sheet_cmd::ledger(&cli.store, &cmd),
        Command::Record(cmd) => ledger::record(&cli.store, &cmd),
        Command::Audit(cmd) => ledger::audit(&cli.store, &cmd),
        Command::Db(cmd) => ledger::db(&cli.store, &cmd),
        Command::Serve(args) => serve::run(&cli.store, &args),
        Command::Demo(args) => demo::run(&cli.store, &args),
        Command::Report(args) => report_cmd::report(&cli.store, &args),
        Command::Compliance(cmd) => report_cmd::compliance(&cli.store, &cmd),
        Command::InternalScan(args) => internal_scan::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("appgov: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
