//! `appgov report`: the compliance reports (ledger, compliance matrix,
//! yearly risk assessment) as HTML, PDF or XLSX, an evidence pack for an
//! audit, and `appgov compliance`: obligations, ledger checks, refresh.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use appgov_calendar::{Date, parse_date};
use appgov_compliance::{LedgerContext, run_ledger_checks, status};
use appgov_document::{Document, Language};
use appgov_workflow::compliance::{self as wc, Engine};
use appgov_workflow::reports::{self, Format, ReportRequest};
use appgov_workflow::{now_rfc3339, today_cn};
use clap::{Args, Subcommand, ValueEnum};

use crate::ledger::{OutFormat, StoreArgs, open, runtime};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportKind {
    /// The ledger in the shape a regulator asks for (article 2).
    Ledger,
    /// Apps in use × the notice's requirements.
    ComplianceMatrix,
    /// The yearly mobile-app risk assessment report (article 17).
    AnnualRiskAssessment,
    /// A zip of every piece of evidence (each revision) with an index and
    /// SHA-256 hashes, for an audit. Only `--format zip`.
    EvidencePack,
}

impl ReportKind {
    fn shared(self) -> reports::ReportKind {
        match self {
            ReportKind::Ledger => reports::ReportKind::Ledger,
            ReportKind::ComplianceMatrix => reports::ReportKind::ComplianceMatrix,
            ReportKind::AnnualRiskAssessment => reports::ReportKind::AnnualRiskAssessment,
            ReportKind::EvidencePack => reports::ReportKind::EvidencePack,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DocFormat {
    Html,
    Pdf,
    Xlsx,
    Zip,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    pub kind: ReportKind,
    /// html, pdf, xlsx (reports) or zip (the evidence pack); default from
    /// the --out file's extension.
    #[arg(long)]
    pub format: Option<DocFormat>,
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// The year of the annual risk assessment (default: this year).
    #[arg(long)]
    pub year: Option<i32>,
    /// Judge as of this Beijing date (YYYY-MM-DD) instead of today.
    #[arg(long)]
    pub as_of: Option<String>,
    /// The compliance matrix against another built-in library
    /// (gbt-41391-2022) instead of the notice.
    #[arg(long)]
    pub library: Option<String>,
}

fn today(as_of: Option<&str>) -> Result<Date> {
    let s = as_of.map(str::to_string).unwrap_or_else(today_cn);
    parse_date(&s).with_context(|| format!("{s:?} is not a date YYYY-MM-DD"))
}

/// `2026-12-02 15:30` in Beijing time.
fn generated_at() -> String {
    appgov_workflow::clock::beijing(&now_rfc3339())
}

/// Builds the report through `appgov_workflow::reports` (as the web
/// platform does) and writes it.
pub fn report(s: &StoreArgs, a: &ReportArgs) -> Result<ExitCode> {
    let format = match a.format {
        Some(DocFormat::Html) => Format::Html,
        Some(DocFormat::Pdf) => Format::Pdf,
        Some(DocFormat::Xlsx) => Format::Xlsx,
        Some(DocFormat::Zip) => Format::Zip,
        None => a
            .out
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Format::parse)
            .context("say --format html|pdf|xlsx|zip (the --out file's extension does not tell)")?,
    };
    let kind = a.kind.shared();
    if (kind == reports::ReportKind::EvidencePack) != (format == Format::Zip) {
        bail!("the evidence pack is a zip, and only it is; reports are html, pdf or xlsx");
    }
    let req = ReportRequest {
        kind,
        lang: match a.lang {
            Lang::Zh => Language::Zh,
            Lang::En => Language::En,
        },
        year: a.year,
        today: today(a.as_of.as_deref())?,
        generated_at: generated_at(),
        library: a.library.clone(),
    };
    let engine = Engine::builtin()?;
    let (bytes, summary) = runtime()?.block_on(async {
        let store = open(s).await?;
        let data = wc::load(&store).await?;
        let out = if kind == reports::ReportKind::EvidencePack {
            let pack =
                reports::build_pack(store.files(), &engine, &data, req.today, &req.generated_at)?;
            let n = pack.files;
            (pack.bytes, format!("{n} evidence files"))
        } else {
            let doc = reports::document(&engine, &data, &req)?;
            let rows = doc.table_rows();
            let bytes = match format {
                Format::Pdf => pdf(&doc)?,
                f => reports::render(&doc, f)?,
            };
            (bytes, format!("{rows} table rows"))
        };
        store.close().await;
        Ok::<_, anyhow::Error>(out)
    })?;
    let mut f =
        std::fs::File::create(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    f.write_all(&bytes)?;
    eprintln!(
        "appgov: wrote {} ({} bytes, {summary})",
        a.out.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "pdf")]
fn pdf(doc: &Document) -> Result<Vec<u8>> {
    let fonts = appgov_pdf::Fonts::from_env_or_system()?;
    Ok(appgov_pdf::render_pdf(doc, &fonts)?)
}

#[cfg(not(feature = "pdf"))]
fn pdf(_: &Document) -> Result<Vec<u8>> {
    bail!("this appgov was built without PDF support (cargo feature `pdf`); use html or xlsx")
}

// ------------------------------------------------------------ compliance

#[derive(Subcommand, Debug)]
pub enum ComplianceCmd {
    /// Plan the recurring obligations (one open instance per duty and app
    /// in use; duties of retired apps cancelled).
    Refresh {
        #[arg(long)]
        as_of: Option<String>,
    },
    /// The obligations and where each stands (overdue first).
    Obligations {
        /// Only this status: overdue, due_soon, upcoming, done, done_late, waived, cancelled.
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = OutFormat::Text)]
        format: OutFormat,
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Send the reminders, overdue notices and escalations owed today to
    /// the channels of a notify file (e-mail, WeCom, DingTalk, Feishu);
    /// each is sent once. Run it daily (cron, a systemd timer). Exit code
    /// 1 when a channel failed (what was delivered elsewhere is recorded).
    Notify {
        /// The notify file (TOML: `public_url`, `[[route]]` with `notices`
        /// and a `channel`).
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Run the ledger checks (GOV-…). Exit code 3 when any finding is at or
    /// above --fail-on.
    Check {
        #[arg(long, value_enum, default_value_t = OutFormat::Text)]
        format: OutFormat,
        /// critical, high, medium or low.
        #[arg(long)]
        fail_on: Option<String>,
        #[arg(long)]
        as_of: Option<String>,
    },
}

pub fn compliance(s: &StoreArgs, cmd: &ComplianceCmd) -> Result<ExitCode> {
    let engine = Engine::builtin()?;
    runtime()?.block_on(async {
        let store = open(s).await?;
        let code = match cmd {
            ComplianceCmd::Refresh { as_of } => {
                let r = wc::refresh(&store, &engine, &s.actor()?, today(as_of.as_deref())?).await?;
                println!("obligations: {} opened, {} cancelled", r.created, r.cancelled);
                ExitCode::SUCCESS
            }
            ComplianceCmd::Obligations { status: want, format, as_of } => {
                let today = today(as_of.as_deref())?;
                let data = wc::load(&store).await?;
                let mut rows: Vec<_> = data
                    .obligations
                    .iter()
                    .map(|o| (status(o, today), o))
                    .filter(|(st, _)| want.as_deref().is_none_or(|w| w == st.key()))
                    .collect();
                rows.sort_by(|a, b| {
                    let rank = |s: &appgov_compliance::ObligationStatus| match s {
                        appgov_compliance::ObligationStatus::Overdue { days } => -*days,
                        _ => 1,
                    };
                    rank(&a.0).cmp(&rank(&b.0)).then(a.1.due_on.cmp(&b.1.due_on))
                });
                let app_name = |id: Option<&str>| {
                    id.and_then(|i| data.apps.iter().find(|a| a.id == i))
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| "（本机构）".into())
                };
                if *format == OutFormat::Json {
                    let v: Vec<_> = rows
                        .iter()
                        .map(|(st, o)| serde_json::json!({"obligation": o, "status": st, "app": app_name(o.app_id.as_deref())}))
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&v)?);
                } else {
                    for (st, o) in &rows {
                        let title = engine
                            .library
                            .template_q(&o.template)
                            .map(|t| t.title_zh.clone())
                            .unwrap_or_else(|| o.template.clone());
                        println!("{}  {:<16} {}  {}  [{}]", o.due_on, st.label("zh"), app_name(o.app_id.as_deref()), title, o.id);
                    }
                    eprintln!("{} obligations", rows.len());
                }
                ExitCode::SUCCESS
            }
            ComplianceCmd::Notify { config, as_of } => {
                let cfg = appgov_workflow::notify::load_config(config)?;
                let sent = appgov_workflow::notify::run(&store, &engine, &cfg, &s.actor()?, today(as_of.as_deref())?).await?;
                println!("notices owed: {}, messages delivered: {}", sent.notices, sent.delivered);
                for f in &sent.failed {
                    eprintln!("appgov: delivery failed: {f}");
                }
                if sent.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
            }
            ComplianceCmd::Check { format, fail_on, as_of } => {
                let today = today(as_of.as_deref())?;
                let data = wc::load(&store).await?;
                let cx = LedgerContext::new(&data, &engine.library, &engine.calendar, today);
                let findings = run_ledger_checks(&cx);
                if *format == OutFormat::Json {
                    println!("{}", serde_json::to_string_pretty(&findings)?);
                } else {
                    for f in &findings {
                        println!("{} {:?} {}", f.rule, f.severity, f.message_zh);
                    }
                    eprintln!("{} findings", findings.len());
                }
                let gate = match fail_on.as_deref() {
                    None => None,
                    Some(x) => Some(
                        appgov_checks::Severity::ALL
                            .into_iter()
                            .find(|s| format!("{s:?}").eq_ignore_ascii_case(x))
                            .with_context(|| format!("--fail-on {x:?}: critical, high, medium or low"))?,
                    ),
                };
                match gate {
                    Some(g) if findings.iter().any(|f| f.severity <= g) => ExitCode::from(3),
                    _ => ExitCode::SUCCESS,
                }
            }
        };
        store.close().await;
        Ok(code)
    })
}
