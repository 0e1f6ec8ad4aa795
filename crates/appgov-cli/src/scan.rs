//! `appgov scan`: many files, in parallel, one bad file never stops the batch.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::{Context, Result, bail};
use appgov_analyzer::{Options, Sections};
use appgov_checks::{Analysis, Finding, Limit, PackerHit, Policy, SdkHit, Severity};
use appgov_facts::Facts;
use appgov_knowledge::Knowledge;
use appgov_links::{LinkChecker, LinkOptions, Now};
use clap::{Args, ValueEnum};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Serialize;

/// Extensions picked up when a directory is given.
const PACKAGE_EXTENSIONS: &[&str] = &["apk", "aab", "apks", "xapk", "apkm"];

#[derive(Args)]
pub struct ScanArgs {
    /// Package files or directories (searched recursively for .apk/.aab/.apks/.xapk/.apkm).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format. text and json go to standard output (JSON is one
    /// object for a single input file and an array otherwise). sarif,
    /// cyclonedx and html are one document per package: printed when there is
    /// one input and no --out, else written into the --out directory; their
    /// timestamp is the current time, or `SOURCE_DATE_EPOCH` when set.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write one file per package into this directory: always
    /// `<file name>.json` (facts and analysis); with --format sarif,
    /// cyclonedx or html also `<file name>.sarif`, `.cdx.json` or `.html`
    /// (those are then not printed).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Files analysed in parallel (default: number of CPUs).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Gather only these groups of facts besides identity and manifest
    /// (comma-separated: digests, signing, code, bytecode, native, assets,
    /// endpoints, strings). Default: all. `digests` are the whole file's
    /// SHA-256, SHA-1 and MD5; `code` reads DEX classes, strings and API
    /// references, `bytecode` also walks every method (API callers, code
    /// signals); `strings` searches the strings read for environment-detection
    /// markers and hard-coded secrets.
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
    /// The institution's policy (TOML): approved and blocked SDKs, allowed
    /// domains, minimum SDK levels, severity overrides, suppressions with
    /// reason, owner and expiry.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// CI gate: exit with 3 when any finding in force (not suppressed) is at
    /// least this severe: critical, high, medium or low.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Check the package's embedded http(s) URLs (HEAD, then GET when HEAD
    /// is refused; bodies are not read) and resolve its bare domains, over
    /// the network; results go into the facts (`link_checks`) and dead
    /// links into check PKG-044. Off by default: a scan is otherwise
    /// offline. Private, loopback and link-local addresses are not probed
    /// without --link-allow-private; no cookies, credentials or proxy.
    #[arg(long, help_heading = "Link check")]
    check_links: bool,
    /// Time-out per URL in seconds, all requests and redirects together
    /// (connecting and name resolution get at most 5 s of it).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300), help_heading = "Link check")]
    link_timeout: u64,
    /// Most URLs fetched at the same time, over all packages.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256), help_heading = "Link check")]
    link_concurrency: u64,
    /// A JSON file of earlier results, read before and written after the
    /// check; results younger than --link-cache-ttl are not fetched again.
    #[arg(long, value_name = "FILE", help_heading = "Link check")]
    link_cache: Option<PathBuf>,
    /// How long results in --link-cache stay valid, in hours.
    #[arg(
        long,
        value_name = "HOURS",
        default_value_t = 24,
        help_heading = "Link check"
    )]
    link_cache_ttl: u64,
    /// Also probe URLs whose names resolve to private, loopback or
    /// link-local addresses (a staging environment, tests). Off by default
    /// so a package's `http://192.168.1.1/` never makes the scanner probe
    /// the institution's own network.
    #[arg(long, help_heading = "Link check")]
    link_allow_private: bool,
    /// Use only --link-cache: links without a valid cached result are
    /// recorded as skipped, and nothing goes over the network.
    #[arg(long, requires = "link_cache", help_heading = "Link check")]
    link_offline: bool,
}

/// When stdout is a pipe, ask for a 1 MiB pipe buffer instead of 64 KiB:
/// a large package's JSON is megabytes, and with the default buffer every
/// 64 KiB costs a round of context switches with the reader (measured:
/// 12 ms of 45 for a 1.3 MB report read by Python). Best effort.
fn widen_stdout_pipe() {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::pipe::fcntl_setpipe_size(std::io::stdout(), 1 << 20);
    }
}

/// Reads and validates `--policy FILE`.
pub(crate) fn load_policy(path: Option<&Path>, knowledge: &Knowledge) -> Result<Option<Policy>> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read policy {}", path.display()))?;
    let policy = appgov_workflow::parse_policy(&text, knowledge)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("in {}", path.display()))?;
    Ok(Some(policy))
}

pub(crate) fn parse_severity(s: &str) -> Result<Severity, String> {
    Severity::parse(s).ok_or_else(|| format!("{s:?} is not one of critical, high, medium, low"))
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
    /// Findings an active policy suppression covers.
    #[serde(skip_serializing_if = "<[Finding]>::is_empty")]
    suppressed: &'a [Finding],
    /// Checks left undecided, and why (code hidden by a packer, not read).
    #[serde(skip_serializing_if = "<[Limit]>::is_empty")]
    limits: &'a [Limit],
}

/// Facts plus, when facts could be produced, their analysis.
struct Scanned {
    facts: Facts,
    analysis: Analysis,
}

pub(crate) fn parse_date(s: &str) -> Result<String, String> {
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

pub(crate) use appgov_workflow::{now_rfc3339, today_utc};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable summary.
    Text,
    /// Facts, SDKs, packers and findings (schema appgov.facts/1 plus analysis).
    Json,
    /// SARIF 2.1.0 log for code-scanning dashboards (GitHub, GitLab, DefectDojo).
    Sarif,
    /// CycloneDX 1.6 SBOM (JSON) for Dependency-Track and other SBOM tools.
    Cyclonedx,
    /// Self-contained HTML report, Chinese with an English switch.
    Html,
}

impl Format {
    /// The report format, for the formats appgov-report renders.
    fn report(self) -> Option<appgov_report::Format> {
        match self {
            Format::Text | Format::Json => None,
            Format::Sarif => Some(appgov_report::Format::Sarif),
            Format::Cyclonedx => Some(appgov_report::Format::CycloneDx),
            Format::Html => Some(appgov_report::Format::Html),
        }
    }
}

/// What a report needs besides the package: the catalog, the date the
/// checks judged by, and when the report was made.
struct ReportContext<'a> {
    knowledge: &'a Knowledge,
    checked_on: &'a str,
    generated: &'a str,
}

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let files = collect_inputs(&args.paths)?;
    if files.is_empty() {
        bail!("no package files found in the given paths");
    }
    let report_format = args.format.report();
    if report_format.is_some() && args.out.is_none() && files.len() > 1 {
        bail!(
            "--format {} makes one document per package: with {} inputs, give --out DIR",
            args.format
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_string()),
            files.len()
        );
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
    let policy = load_policy(args.policy.as_deref(), &knowledge)?;
    let generated = now_rfc3339();
    let report_cx = ReportContext {
        knowledge: &knowledge,
        checked_on: &today,
        generated: &generated,
    };
    let link_now = link_now();
    let links = link_checker(args, &link_now)?;
    let multi = MultiProgress::new();
    let progress = multi.add(progress);
    let link_progress = if links.is_none() || args.quiet {
        ProgressBar::hidden()
    } else {
        let bar = multi.add(ProgressBar::new(0));
        bar.set_style(
            ProgressStyle::with_template("links {bar:32} {pos}/{len} {elapsed} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    };
    let options = Options {
        verify_signatures: !args.no_verify,
        ..appgov_options::options_for(&knowledge, args.only.unwrap_or(Sections::ALL))
            .map_err(anyhow::Error::msg)?
    };
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Scanned)>();
    let mut failed = 0usize;
    let mut gated = 0usize;
    // Stdout is line-buffered; pretty JSON has many lines.
    widen_stdout_pipe();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let single = files.len() == 1;
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (files, next, options) = (&files, &next, &options);
            let (knowledge, today, policy) = (&knowledge, today.as_str(), policy.as_ref());
            let (links, link_now, link_progress) = (links.as_ref(), &link_now, &link_progress);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let mut facts = scan_one(path, options);
                    if let Some(checker) = links
                        && facts.error.is_none()
                    {
                        check_links(checker, &mut facts, link_now, link_progress);
                    }
                    let analysis = check_one(&mut facts, knowledge, policy, today);
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
                if args.fail_on.is_some_and(|t| scanned.analysis.fails(t)) {
                    gated += 1;
                }
                if let Some(dir) = &args.out {
                    let json_path = write_json_file(dir, &files[printed], &scanned)?;
                    if let Some(format) = report_format {
                        write_report_file(&json_path, &scanned, format, &report_cx)?;
                    }
                }
                if report_format.is_none() || args.out.is_none() {
                    progress.suspend(|| -> Result<()> {
                        emit(&mut out, args.format, single, printed, &scanned, &report_cx)?;
                        out.flush()?;
                        Ok(())
                    })?;
                }
                printed += 1;
            }
        }
        if args.format == Format::Json && !single {
            writeln!(out, "]")?;
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    link_progress.finish_and_clear();
    out.flush()?;
    if let Some(checker) = &links {
        if let Some(path) = &args.link_cache {
            checker
                .save_cache(path, &link_now)
                .with_context(|| format!("cannot write link cache {}", path.display()))?;
        }
        if !args.quiet {
            let stats = checker.stats();
            eprintln!(
                "appgov: link check: {} fetched or resolved, {} from the cache file",
                stats.fetched, stats.from_cache_file
            );
        }
    }
    if !args.quiet && !single {
        eprintln!(
            "appgov: analysed {} files: {} with facts, {} failed",
            files.len(),
            files.len() - failed,
            failed
        );
    }
    if let Some(t) = args.fail_on
        && gated > 0
        && !args.quiet
    {
        eprintln!(
            "appgov: gate failed: {gated} of {} files have findings of severity {} or above",
            files.len(),
            t.as_str()
        );
    }
    // An input that could not be analysed is worse than a failed gate: its
    // findings are unknown.
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else if gated > 0 {
        ExitCode::from(3)
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
    cx: &ReportContext<'_>,
) -> Result<()> {
    if let Some(report) = format.report() {
        // One document; `run` allows this only for a single input.
        write!(out, "{}", report.render(&report_input(scanned, cx)))?;
        return Ok(());
    }
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
        Format::Sarif | Format::Cyclonedx | Format::Html => {}
    }
    Ok(())
}

fn report_input<'a>(scanned: &'a Scanned, cx: &ReportContext<'a>) -> appgov_report::Input<'a> {
    appgov_report::Input {
        facts: &scanned.facts,
        analysis: &scanned.analysis,
        knowledge: cx.knowledge,
        generated: cx.generated,
        checked_on: cx.checked_on,
    }
}

/// The report beside the package's JSON file, with the same stem:
/// `<file name>[.<sha256 prefix>].sarif|.cdx.json|.html`.
fn write_report_file(
    json_path: &Path,
    scanned: &Scanned,
    format: appgov_report::Format,
    cx: &ReportContext<'_>,
) -> Result<()> {
    let json_name = json_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = json_name.strip_suffix(".json").unwrap_or(&json_name);
    let target = json_path.with_file_name(format!("{stem}{}", format.extension()));
    let text = format.render(&report_input(scanned, cx));
    std::fs::write(&target, text).with_context(|| format!("cannot write {}", target.display()))
}

/// Analyse one file; I/O failures and (defensively) panics become the facts' `error`.
pub(crate) use appgov_workflow::{check_facts as check_one, scan_file as scan_one};

fn report(s: &Scanned) -> Report<'_> {
    Report {
        facts: &s.facts,
        sdks: &s.analysis.sdks,
        packer: s.analysis.packers.first(),
        packers: &s.analysis.packers,
        findings: &s.analysis.findings,
        suppressed: &s.analysis.suppressed,
        limits: &s.analysis.limits,
    }
}

/// Writes `DIR/<file name>.json` (or `<file name>.<sha256 prefix>.json`
/// when that exists) and returns its path.
fn write_json_file(dir: &Path, input: &Path, scanned: &Scanned) -> Result<PathBuf> {
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
    std::fs::write(&target, json).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
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

/// The time of this run's link checks (always the real clock: the cache's
/// time to live depends on it).
fn link_now() -> Now {
    let t = time::OffsetDateTime::now_utc();
    Now {
        unix: t.unix_timestamp(),
        rfc3339: appgov_workflow::clock::rfc3339(t),
    }
}

/// The link checker for `--check-links`, with its cache file loaded.
fn link_checker(args: &ScanArgs, now: &Now) -> Result<Option<LinkChecker>> {
    if !args.check_links {
        return Ok(None);
    }
    let total = std::time::Duration::from_secs(args.link_timeout);
    let options = LinkOptions {
        connect_timeout: total.min(std::time::Duration::from_secs(5)),
        total_timeout: total,
        concurrency: usize::try_from(args.link_concurrency).unwrap_or(8),
        allow_private: args.link_allow_private,
        offline: args.link_offline,
        cache_ttl: std::time::Duration::from_secs(args.link_cache_ttl.saturating_mul(3600)),
        ..LinkOptions::default()
    };
    let checker = LinkChecker::new(options);
    if let Some(path) = &args.link_cache {
        checker
            .load_cache(path, now)
            .with_context(|| format!("cannot read link cache {}", path.display()))?;
    }
    Ok(Some(checker))
}

/// Runs the link check on one package's facts, counting on the link bar.
fn check_links(checker: &LinkChecker, facts: &mut Facts, now: &Now, bar: &ProgressBar) {
    let planned = appgov_links::targets(facts).len();
    bar.inc_length(planned as u64);
    checker.check_facts(facts, now, &|result| {
        bar.inc(1);
        bar.set_message(result.url.clone());
    });
}
