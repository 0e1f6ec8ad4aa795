//! `appgov scan`: many files, in parallel, one bad file never stops the batch.

use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::{Context, Result, bail};
use appgov_analyzer::{Options, Sections, analyze, input_info};
use appgov_checks::{Analysis, Finding, PackerHit, SdkHit};
use appgov_facts::{Facts, InputInfo};
use appgov_knowledge::Knowledge;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::source::FileSource;

/// Extensions picked up when a directory is given.
const PACKAGE_EXTENSIONS: &[&str] = &["apk", "aab", "apks", "xapk", "apkm"];

#[derive(Args)]
pub struct ScanArgs {
    /// Package files or directories (searched recursively for .apk/.aab/.apks/.xapk/.apkm).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format on standard output. JSON is one object for a single
    /// input file and an array otherwise.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also write each package's facts as JSON into this directory
    /// (`<file name>.json`).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Files analysed in parallel (default: number of CPUs).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Gather only these groups of facts besides identity and manifest
    /// (comma-separated: digests, signing, code, native, assets, endpoints).
    /// Default: all. `digests` are the whole file's SHA-256, SHA-1 and MD5.
    #[arg(long, value_name = "LIST", value_parser = parse_sections)]
    only: Option<Sections>,
    /// Read certificates but skip checking signature content digests (much
    /// faster on large packages; nothing is reported as verified).
    #[arg(long)]
    no_verify: bool,
    /// No progress bar and no summary line.
    #[arg(long, short)]
    quiet: bool,
    /// The date checks judge by (requirements in force, certificate expiry),
    /// `YYYY-MM-DD`; default today (UTC). For reproducible reports.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    date: Option<String>,
}

/// What `--format json` prints per package: the facts, then the analysis.
#[derive(Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    facts: &'a Facts,
    sdks: &'a [SdkHit],
    /// The packer or protector found first (null when none).
    packer: Option<&'a PackerHit>,
    packers: &'a [PackerHit],
    findings: &'a [Finding],
}

/// Facts plus, when facts could be produced, their analysis.
struct Scanned {
    facts: Facts,
    analysis: Analysis,
}

fn parse_date(s: &str) -> Result<String, String> {
    let ok = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not YYYY-MM-DD"))
    }
}

fn today_utc() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let files = collect_inputs(&args.paths)?;
    if files.is_empty() {
        bail!("no package files found in the given paths");
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, files.len());
    let progress = if args.quiet || files.len() < 2 {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    };

    let knowledge = Knowledge::builtin().context("built-in knowledge files are invalid")?;
    let today = args.date.clone().unwrap_or_else(today_utc);
    let options = Options {
        verify_signatures: !args.no_verify,
        sections: args.only.unwrap_or(Sections::ALL),
        ..Options::default()
    };
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Scanned)>();
    let mut failed = 0usize;
    // Stdout is line-buffered; pretty JSON has many lines.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let single = files.len() == 1;
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (files, next, options) = (&files, &next, &options);
            let (knowledge, today) = (&knowledge, today.as_str());
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let mut facts = scan_one(path, options);
                    let analysis = check_one(&mut facts, knowledge, today);
                    if tx.send((i, Scanned { facts, analysis })).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Print in input order as results arrive, holding only those that finished early.
        let mut pending = BTreeMap::new();
        let mut printed = 0usize;
        if args.format == Format::Json && !single {
            write!(out, "[")?;
        }
        for (i, scanned) in rx {
            progress.inc(1);
            progress.set_message(scanned.facts.input.file_name.clone());
            pending.insert(i, scanned);
            while let Some(scanned) = pending.remove(&printed) {
                if scanned.facts.error.is_some() {
                    failed += 1;
                }
                if let Some(dir) = &args.out {
                    write_json_file(dir, &files[printed], &scanned)?;
                }
                progress.suspend(|| -> Result<()> {
                    emit(&mut out, args.format, single, printed, &scanned)?;
                    out.flush()?;
                    Ok(())
                })?;
                printed += 1;
            }
        }
        if args.format == Format::Json && !single {
            writeln!(out, "]")?;
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    out.flush()?;
    if !args.quiet && !single {
        eprintln!(
            "appgov: analysed {} files: {} with facts, {} failed",
            files.len(),
            files.len() - failed,
            failed
        );
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn emit(
    out: &mut impl Write,
    format: Format,
    single: bool,
    index: usize,
    scanned: &Scanned,
) -> Result<()> {
    match format {
        Format::Json => {
            if !single && index > 0 {
                write!(out, ",")?;
            }
            serde_json::to_writer_pretty(&mut *out, &report(scanned))?;
            if single {
                writeln!(out)?;
            }
        }
        Format::Text => {
            if index > 0 {
                writeln!(out)?;
            }
            write!(out, "{}", crate::text::summary(&scanned.facts))?;
            if scanned.facts.error.is_none() {
                write!(out, "{}", crate::text::analysis(&scanned.analysis))?;
            }
        }
    }
    Ok(())
}

/// Analyse one file; I/O failures and (defensively) panics become the facts' `error`.
fn scan_one(path: &Path, options: &Options) -> Facts {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let source = match FileSource::open(path) {
        Ok(s) => s,
        Err(e) => {
            return Facts::failed(
                "android",
                InputInfo {
                    file_name,
                    ..InputInfo::default()
                },
                format!("cannot open file: {e}"),
            );
        }
    };
    match catch_unwind(AssertUnwindSafe(|| analyze(&source, &file_name, options))) {
        Ok(facts) => facts,
        Err(_) => Facts::failed(
            "android",
            input_info(&source, &file_name),
            "internal error: the analyser panicked on this input (please report it with the file's SHA-256)",
        ),
    }
}

fn report(s: &Scanned) -> Report<'_> {
    Report {
        facts: &s.facts,
        sdks: &s.analysis.sdks,
        packer: s.analysis.packers.first(),
        packers: &s.analysis.packers,
        findings: &s.analysis.findings,
    }
}

/// Runs the checks unless the facts could not be produced (a failed read
/// would otherwise look like a package with nothing in it).
fn check_one(facts: &mut Facts, knowledge: &Knowledge, today: &str) -> Analysis {
    let empty = || Analysis {
        sdks: Vec::new(),
        packers: Vec::new(),
        findings: Vec::new(),
    };
    if facts.error.is_some() {
        return empty();
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        appgov_checks::analyse(facts, knowledge, today)
    }));
    result.unwrap_or_else(|_| {
        // Never a silently clean report: the package counts as failed.
        facts.error = Some(
            "internal error: the checks panicked on this package (please report it with the file's SHA-256)"
                .into(),
        );
        empty()
    })
}

fn write_json_file(dir: &Path, input: &Path, scanned: &Scanned) -> Result<()> {
    let facts = &scanned.facts;
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "package".into());
    let mut target = dir.join(format!("{name}.json"));
    if target.exists() && !facts.input.sha256.is_empty() {
        let prefix = facts.input.sha256.get(..12).unwrap_or_default();
        target = dir.join(format!("{name}.{prefix}.json"));
    }
    let json = serde_json::to_vec_pretty(&report(scanned))?;
    std::fs::write(&target, json).with_context(|| format!("cannot write {}", target.display()))
}

/// Expand directories (recursively, sorted) into package files; explicit files are kept as given.
fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut files, 0)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, files, depth + 1)?;
        } else if kind.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| PACKAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            files.push(path);
        }
    }
    Ok(())
}

fn parse_sections(list: &str) -> Result<Sections, String> {
    Sections::parse(list)
}
