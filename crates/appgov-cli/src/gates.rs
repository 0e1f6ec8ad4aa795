//! Releases and gates: `appgov release add|transition`, `appgov gate
//! show|evidence|attest|review-diff|approve|reject|withdraw`.
//!
//! A move is requested by one person and approved by another; a move that
//! passes a gate is approved only when every checklist item is met —
//! automatic items computed now from the ledger and the analyser's facts,
//! evidence items by stored documents, attestations by named people.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use appgov_knowledge::Knowledge;
use appgov_ledger::model::*;
use appgov_ledger::{ItemKind, ItemStatus, builtin_gates};
use appgov_store::Store;
use appgov_workflow::moves::{self, Evaluated};
use appgov_workflow::{check_facts, scan_file};
use clap::Subcommand;
use serde_json::json;

use crate::ledger::{OutFormat, StoreArgs, open, resolve_app, runtime};

pub use appgov_workflow::today_cn;

#[derive(Subcommand, Debug)]
pub enum ReleaseCmd {
    /// Analyses a package and records it as a release of APP: the file
    /// goes into the file store, the facts beside it, findings and SDKs
    /// into the ledger.
    Add {
        /// The app (id, name or package).
        app: String,
        file: PathBuf,
        /// The institution's policy (approved SDKs, severity overrides,
        /// suppressions with owner and expiry — the accepted exceptions).
        #[arg(long)]
        policy: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: OutFormat,
    },
    /// Asks for a release move (in_test, approved, gray, live, superseded,
    /// deprecated, withdrawn, rejected); approved passes the launch or
    /// change gate.
    Transition {
        release: String,
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

pub fn release(s: &StoreArgs, cmd: &ReleaseCmd) -> Result<ExitCode> {
    match cmd {
        ReleaseCmd::Add {
            app,
            file,
            policy,
            format,
        } => release_add(s, app, file, policy.as_deref(), *format),
        ReleaseCmd::Transition {
            release,
            to,
            reason,
        } => runtime()?.block_on(async {
            let store = open(s).await?;
            let t = moves::request_release_move(&store, &s.actor()?, release, to, reason).await?;
            print_requested(&t);
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }),
    }
}

fn release_add(
    s: &StoreArgs,
    app: &str,
    file: &std::path::Path,
    policy: Option<&std::path::Path>,
    format: OutFormat,
) -> Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let knowledge = Knowledge::builtin().context("built-in knowledge files are invalid")?;
    let options = appgov_options::scan_options(&knowledge).map_err(anyhow::Error::msg)?;
    let policy = crate::scan::load_policy(policy, &knowledge)?;
    let mut facts = scan_file(file, &options);
    if let Some(e) = &facts.error {
        bail!("{}: cannot be analysed: {e}", file.display());
    }
    let analysis = check_facts(&mut facts, &knowledge, policy.as_ref(), &today_cn());
    runtime()?.block_on(async {
        let store = open(s).await?;
        let a = resolve_app(&store, app).await?;
        appgov_workflow::releases::accepts_releases(&a)?;
        store.files().put(&bytes)?;
        let rec = appgov_workflow::releases::record_release(
            &store,
            &s.actor()?,
            &a.id,
            &facts,
            &analysis,
        )
        .await?;
        let rel = &rec.release;
        if format == OutFormat::Json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "release": rel, "findings": rec.findings.len(),
                    "sdks": rec.sdks, "continuity_alerts": rec.continuity_alerts,
                }))?
            );
        } else {
            println!(
                "release {} of {}: {} {} ({}), {} findings (high {} medium {} low {}), {} SDKs",
                rel.id,
                a.name,
                rel.identifier,
                rel.version_name.as_deref().unwrap_or("?"),
                rel.version_code.map(|c| c.to_string()).unwrap_or_default(),
                rec.findings.len(),
                rel.findings_high,
                rel.findings_medium,
                rel.findings_low,
                rec.sdks.len()
            );
            for al in &rec.continuity_alerts {
                eprintln!(
                    "appgov: WARNING certificate continuity: {}",
                    al.reason.text()
                );
            }
        }
        store.close().await;
        Ok(if rec.continuity_alerts.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        })
    })
}

/// Prints a requested move.
pub fn print_requested(t: &Transition) {
    println!(
        "move {} → {} requested: {}{}",
        t.from_state,
        t.to_state,
        t.id,
        t.gate
            .map(|g| format!(" (gate {}; see `appgov gate show {}`)", g.as_str(), t.id))
            .unwrap_or_default()
    );
}

#[derive(Subcommand, Debug)]
pub enum GateCmd {
    /// The checklist of a requested move: each item met or open, and why.
    Show {
        transition: String,
        #[arg(long, value_enum, default_value_t)]
        format: OutFormat,
    },
    /// Attaches a document as evidence for an item.
    Evidence {
        transition: String,
        item: String,
        file: PathBuf,
    },
    /// Signs an attestation item.
    Attest {
        transition: String,
        item: String,
        #[arg(long)]
        statement: Option<String>,
    },
    /// Confirms every item of the release diff (new SDKs, certificates,
    /// domains, SDK levels) has been reviewed.
    ReviewDiff { transition: String },
    /// Approves the move (not by whoever requested it; every gate item met).
    Approve {
        transition: String,
        /// The approver's role (e.g. approver, governance, compliance).
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Rejects the move.
    Reject {
        transition: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Withdraws your own request.
    Withdraw { transition: String },
}

fn print_checklist(e: &Evaluated) -> Result<()> {
    let t = &e.transition;
    println!(
        "{} {}: {} → {}  ({}, requested by {})",
        t.object_kind,
        e.app.name,
        t.from_state,
        t.to_state,
        t.status.label_zh(),
        t.requested_by
    );
    let Some(result) = &e.result else {
        println!("  no gate: a second person's approval is enough");
        return Ok(());
    };
    let gates = builtin_gates()?;
    let gate = gates
        .iter()
        .find(|g| g.id == result.gate)
        .expect("evaluated gate exists");
    println!("  gate {} {}:", gate.name_zh, gate.name_en);
    for (id, status) in &result.items {
        let item = gate
            .items
            .iter()
            .find(|i| &i.id == id)
            .expect("item of this gate");
        let kind = match item.kind {
            ItemKind::Auto => "auto",
            ItemKind::Evidence => "evidence",
            ItemKind::Attest => "attest",
        };
        let arts = item
            .articles
            .iter()
            .map(|a| format!("第{a}条"))
            .collect::<Vec<_>>()
            .join("、");
        match status {
            ItemStatus::Met { by } => {
                println!("  [x] {id} ({kind}; {arts}) {} — {by}", item.title_zh)
            }
            ItemStatus::Open { reason } => {
                println!("  [ ] {id} ({kind}; {arts}) {} — {reason}", item.title_zh)
            }
        }
    }
    for (k, why) in &e.diff {
        println!("      diff {k}: {why}");
    }
    println!(
        "  {}",
        if result.passed() {
            "all items met: ready for approval"
        } else {
            "open items remain"
        }
    );
    Ok(())
}

pub fn gate(s: &StoreArgs, cmd: &GateCmd) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(s).await?;
        let code = gate_inner(s, &store, cmd).await;
        store.close().await;
        code
    })
}

async fn gate_inner(s: &StoreArgs, store: &Store, cmd: &GateCmd) -> Result<ExitCode> {
    let actor = s.actor()?;
    match cmd {
        GateCmd::Show { transition, format } => {
            let t = moves::load_transition(store, transition).await?;
            let e = moves::evaluate_move(store, &t).await?;
            if *format == OutFormat::Json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "transition": e.transition, "gate": e.result,
                        "passed": e.passed(),
                        "diff": e.diff,
                    }))?
                );
            } else {
                print_checklist(&e)?;
            }
        }
        GateCmd::Evidence {
            transition,
            item,
            file,
        } => {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let r = moves::add_evidence(store, &actor, transition, item, name, &bytes).await?;
            println!(
                "evidence {} for {item}: {}",
                r.file_name.as_deref().unwrap_or(""),
                r.document_sha256.as_deref().unwrap_or("")
            );
        }
        GateCmd::Attest {
            transition,
            item,
            statement,
        } => {
            moves::attest_item(store, &actor, transition, item, statement.clone()).await?;
            println!("attested {item}");
        }
        GateCmd::ReviewDiff { transition } => {
            let keys = moves::review_diff(store, &actor, transition).await?;
            if keys.is_empty() {
                println!("no differences to review");
            }
            for k in keys {
                println!("reviewed {k}");
            }
        }
        GateCmd::Approve {
            transition,
            role,
            comment,
        } => match moves::approve_move(store, &actor, transition, role, comment).await {
            Ok(_) => println!("approved"),
            Err(n) => {
                if let Some(e) = &n.evaluated {
                    print_checklist(e)?;
                }
                return Err(n.error.into());
            }
        },
        GateCmd::Reject {
            transition,
            comment,
        } => {
            moves::reject_move(store, &actor, transition, comment).await?;
            println!("rejected");
        }
        GateCmd::Withdraw { transition } => {
            moves::withdraw_move(store, &actor, transition).await?;
            println!("withdrawn");
        }
    }
    Ok(ExitCode::SUCCESS)
}
