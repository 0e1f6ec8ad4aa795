//! `appgov rules`: the check catalog, and one check's documentation.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Result, bail};
use appgov_checks::registry;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: Option<RulesCommand>,
    /// Output format of the list.
    #[arg(long, value_enum, default_value_t = ListFormat::Text, global = true)]
    format: ListFormat,
    /// Language of titles and documentation: zh (default) or en.
    #[arg(long, default_value = "zh", global = true)]
    lang: String,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Print one check's documentation (what it checks, why, example, fix, references).
    Explain {
        /// Check id (`PKG-002`) or name (`debuggable`).
        id: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Serialize)]
struct RuleEntry {
    id: &'static str,
    name: &'static str,
    title_zh: &'static str,
    title_en: &'static str,
    severity: &'static str,
    articles: &'static [u32],
    doc_zh: String,
    doc_en: String,
}

pub fn run(args: &RulesArgs) -> Result<ExitCode> {
    let en = args.lang.starts_with("en");
    let mut out = std::io::stdout().lock();
    if let Some(RulesCommand::Explain { id }) = &args.command {
        // Package checks first, then the ledger checks (GOV-…).
        let Some(m) = registry::find(id)
            .map(|r| r.meta())
            .or_else(|| appgov_compliance::ledger_rule(id))
            .or_else(|| {
                appgov_compliance::LEDGER_RULES
                    .iter()
                    .map(|r| r.meta())
                    .find(|m| m.name == id)
            })
        else {
            bail!("no check with id or name {id:?}; `appgov rules` lists them");
        };
        let title = if en { m.title_en } else { m.title_zh };
        let sev = if en {
            m.severity.as_str()
        } else {
            m.severity.label_zh()
        };
        let arts: Vec<String> = m.articles.iter().map(u32::to_string).collect();
        if en {
            writeln!(
                out,
                "{} {} ({}) — severity {sev}, notice articles {}\n",
                m.id,
                title,
                m.name,
                arts.join(", ")
            )?;
        } else {
            writeln!(
                out,
                "{} {}（{}）— 级别：{sev}，《通知》第 {} 条\n",
                m.id,
                title,
                m.name,
                arts.join("、")
            )?;
        }
        writeln!(out, "{}", m.doc_text(&args.lang))?;
        return Ok(ExitCode::SUCCESS);
    }
    match args.format {
        ListFormat::Json => {
            let list: Vec<RuleEntry> = all_metas()
                .into_iter()
                .map(|m| RuleEntry {
                    id: m.id,
                    name: m.name,
                    title_zh: m.title_zh,
                    title_en: m.title_en,
                    severity: m.severity.as_str(),
                    articles: m.articles,
                    doc_zh: m.doc_text("zh"),
                    doc_en: m.doc_text("en"),
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for m in all_metas() {
                let arts: Vec<String> = m.articles.iter().map(|a| format!("A{a}")).collect();
                let (title, sev) = if en {
                    (m.title_en, m.severity.as_str())
                } else {
                    (m.title_zh, m.severity.label_zh())
                };
                writeln!(
                    out,
                    "{:<8} {:<8} {:<28} {:<10} {title}",
                    m.id,
                    sev,
                    m.name,
                    arts.join(",")
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The package checks, then the ledger checks.
fn all_metas() -> Vec<&'static appgov_checks::RuleMeta> {
    registry::RULES
        .iter()
        .map(|r| r.meta())
        .chain(appgov_compliance::LEDGER_RULES.iter().map(|r| r.meta()))
        .collect()
}
