//! Releases and gates: `appgov release add|transition`, `appgov gate
//! show|evidence|attest|review-diff|approve|reject|withdraw`.
//!
//! A move is requested by one person and approved by another; a move that
//! passes a gate is approved only when every checklist item is met —
//! automatic items computed now from the ledger and the analyser's facts,
//! evidence items by stored documents, attestations by named people.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use appgov_knowledge::Knowledge;
use appgov_ledger::autocheck::{GateSubject, auto_checks, release_diff};
use appgov_ledger::model::*;
use appgov_ledger::vocab::TransitionStatus;
use appgov_ledger::{
    AppState, Approval, GateId, GateInput, GateResult, ItemKind, ItemStatus, ReleaseState,
    app_move, approve, builtin_gates, evaluate, release_gate,
};
use appgov_store::Store;
use clap::Subcommand;
use serde_json::json;

use crate::ledger::{OutFormat, StoreArgs, open, resolve_app, runtime};
use crate::scan::{check_one, scan_one};

/// Today in China (the notice's deadlines are Beijing dates).
pub fn today_cn() -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::hours(8);
    let d = t.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

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
            let r: Release = store
                .get(release)
                .await?
                .ok_or_else(|| anyhow!("no release {release}"))?;
            let a: App = store
                .get(&r.app_id)
                .await?
                .ok_or_else(|| anyhow!("release {} names a missing app", r.id))?;
            let to = ReleaseState::parse(to).ok_or_else(|| {
                anyhow!(
                    "unknown release state {to:?} (one of: {})",
                    ReleaseState::ALL.map(|s| s.as_str()).join(", ")
                )
            })?;
            let gate = release_gate(a.state, r.state, to)?;
            request(
                s,
                &store,
                Release::KIND,
                &r.id,
                r.state.as_str(),
                to.as_str(),
                gate,
                reason,
            )
            .await?;
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
    let today = today_cn();
    let mut facts = scan_one(file, &options);
    if let Some(e) = &facts.error {
        bail!("{}: cannot be analysed: {e}", file.display());
    }
    let analysis = check_one(&mut facts, &knowledge, policy.as_ref(), &today);
    let facts_json = serde_json::to_vec(&facts)?;
    runtime()?.block_on(async {
        let store = open(s).await?;
        let a = resolve_app(&store, app).await?;
        if matches!(
            a.state,
            AppState::Rejected | AppState::Retired | AppState::Archived
        ) {
            bail!(
                "{} is {}: it takes no new releases",
                a.name,
                a.state.label_zh()
            );
        }
        let mut ingested = appgov_ledger::ingest::release_records(
            &facts,
            &analysis,
            &a.id,
            &mut appgov_store::new_id,
        )?;
        if let Some(dup) = store
            .find::<Release>("artifact_sha256", &ingested.release.artifact_sha256)
            .await?
            .into_iter()
            .find(|r| r.app_id == a.id && r.state != ReleaseState::Rejected)
        {
            bail!(
                "this package ({}) is already release {} of {}",
                dup.artifact_sha256,
                dup.id,
                a.name
            );
        }
        // Files first: a crash after this leaves an unreferenced file, never
        // a release without its file.
        let artifact = store.files().put(&bytes)?;
        let facts_sha = store.files().put(&facts_json)?;
        debug_assert_eq!(artifact, ingested.release.artifact_sha256);
        ingested.release.facts_sha256 = Some(facts_sha);
        ingested.release.analyser_version = Some(env!("CARGO_PKG_VERSION").to_string());
        let mut tx = store.write(&s.actor()?).await?;
        let mut rel = ingested.release.clone();
        tx.insert(&mut rel).await?;
        for mut f in ingested.findings.clone() {
            f.release_id = rel.id.clone();
            tx.insert(&mut f).await?;
        }
        for mut u in ingested.sdks.clone() {
            u.release_id = rel.id.clone();
            tx.insert(&mut u).await?;
        }
        tx.commit().await?;
        // The certificate check against the app's identities, loudly.
        let snapshot = store.app_snapshot(&a.id).await?;
        let alerts: Vec<_> = appgov_ledger::views::certificate_continuity(&snapshot)
            .into_iter()
            .filter(|c| c.release_id == rel.id)
            .collect();
        if format == OutFormat::Json {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({
                    "release": rel, "findings": ingested.findings.len(),
                    "sdks": ingested.sdks, "continuity_alerts": alerts,
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
                ingested.findings.len(),
                rel.findings_high,
                rel.findings_medium,
                rel.findings_low,
                ingested.sdks.len()
            );
            for al in &alerts {
                eprintln!(
                    "appgov: WARNING certificate continuity: {}",
                    al.reason.text()
                );
            }
        }
        store.close().await;
        Ok(if alerts.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        })
    })
}

/// Records a requested move (pending approval).
#[allow(clippy::too_many_arguments)]
pub async fn request(
    s: &StoreArgs,
    store: &Store,
    object_kind: &str,
    object_id: &str,
    from: &str,
    to: &str,
    gate: Option<GateId>,
    reason: &str,
) -> Result<Transition> {
    if store
        .find::<Transition>("object_id", object_id)
        .await?
        .iter()
        .any(|t| t.status == TransitionStatus::Pending)
    {
        bail!("{object_id} already has a pending move; approve, reject or withdraw it first");
    }
    let actor = s.actor()?;
    let mut t = Transition {
        id: String::new(),
        object_kind: object_kind.into(),
        object_id: object_id.into(),
        from_state: from.into(),
        to_state: to.into(),
        gate,
        requested_by: actor.clone(),
        requested_at: crate::scan::now_rfc3339(),
        reason: reason.into(),
        status: TransitionStatus::Pending,
        approval: None,
        version: 0,
    };
    let mut tx = store.write(&actor).await?;
    tx.insert(&mut t).await?;
    tx.commit().await?;
    println!(
        "move {from} → {to} requested: {}{}",
        t.id,
        gate.map(|g| format!(" (gate {}; see `appgov gate show {}`)", g.as_str(), t.id))
            .unwrap_or_default()
    );
    Ok(t)
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

struct Evaluated {
    transition: Transition,
    app: App,
    result: Option<GateResult>,
    diff_keys: Vec<(String, String)>,
}

async fn load_transition(store: &Store, id: &str) -> Result<Transition> {
    store
        .get::<Transition>(id)
        .await?
        .ok_or_else(|| anyhow!("no move {id}"))
}

/// Evaluates a move's gate now.
async fn evaluate_move(store: &Store, t: &Transition) -> Result<Evaluated> {
    let (app, release_id) = if t.object_kind == Release::KIND {
        let r: Release = store
            .get(&t.object_id)
            .await?
            .ok_or_else(|| anyhow!("the release of move {} is missing", t.id))?;
        let a: App = store
            .get(&r.app_id)
            .await?
            .ok_or_else(|| anyhow!("app {} missing", r.app_id))?;
        (a, Some(r.id))
    } else {
        let a: App = store
            .get(&t.object_id)
            .await?
            .ok_or_else(|| anyhow!("the app of move {} is missing", t.id))?;
        // The app's launch is judged on its approved first release.
        let rel = store
            .find::<Release>("app_id", &a.id)
            .await?
            .into_iter()
            .filter(|r| r.state.may_be_distributed())
            .max_by_key(|r| (r.version_code, r.id.clone()))
            .map(|r| r.id);
        (a, rel)
    };
    let Some(gate_id) = t.gate else {
        return Ok(Evaluated {
            transition: t.clone(),
            app,
            result: None,
            diff_keys: vec![],
        });
    };
    let gates = builtin_gates()?;
    let gate = gates
        .iter()
        .find(|g| g.id == gate_id)
        .ok_or_else(|| anyhow!("gate {} missing", gate_id.as_str()))?;
    // Records on this move, plus — for an app's launch — those on the
    // release's approved launch move (one checklist, not two).
    let mut records = store.find::<GateRecord>("transition_id", &t.id).await?;
    if t.object_kind == App::KIND
        && let Some(rid) = &release_id
    {
        for rt in store.find::<Transition>("object_id", rid).await? {
            if rt.gate == Some(gate_id) && rt.status == TransitionStatus::Approved {
                records.extend(store.find::<GateRecord>("transition_id", &rt.id).await?);
            }
        }
    }
    let snapshot = store.app_snapshot(&app.id).await?;
    let reviewed: BTreeSet<String> = records
        .iter()
        .filter_map(|r| r.item.strip_prefix("diff:").map(str::to_string))
        .collect();
    let subject = GateSubject {
        app_id: app.id.clone(),
        release_id: release_id.clone(),
        previous_release_id: None,
        reviewed_diff: reviewed,
    };
    let mut input = GateInput {
        auto: auto_checks(gate, &subject, &snapshot, &crate::gates::today_cn()),
        ..Default::default()
    };
    let mut evidence: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &records {
        match (r.kind.as_str(), &r.document_sha256) {
            ("evidence", Some(d)) if store.files().contains(d) => {
                evidence.entry(r.item.clone()).or_default().push(d.clone())
            }
            ("attestation", _) => {
                input
                    .attestations
                    .insert(r.item.clone(), r.recorded_by.clone());
            }
            _ => {}
        }
    }
    input.evidence = evidence;
    // The diff items for display (what a reviewer confirms).
    let mut diff_keys = Vec::new();
    if gate_id == GateId::Change
        && let Some(rid) = &release_id
    {
        let cur = snapshot.releases.iter().find(|r| &r.id == rid);
        let prev = snapshot
            .releases
            .iter()
            .filter(|r| r.app_id == app.id && r.state == ReleaseState::Live && &r.id != rid)
            .max_by_key(|r| (r.version_code, r.id.clone()));
        if let (Some(cur), Some(prev)) = (cur, prev) {
            let sdks = |id: &str| -> Vec<&SdkUsage> {
                snapshot
                    .sdk_usages
                    .iter()
                    .filter(|u| u.release_id == id)
                    .collect()
            };
            for c in release_diff(prev, cur, &sdks(&prev.id), &sdks(&cur.id)) {
                diff_keys.push((c.key.clone(), c.reason.text()));
            }
        }
    }
    Ok(Evaluated {
        transition: t.clone(),
        app,
        result: Some(evaluate(gate, &input)),
        diff_keys,
    })
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
    for (k, why) in &e.diff_keys {
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

fn item_of(gate: GateId, item: &str, kind: ItemKind) -> Result<()> {
    let gates = builtin_gates()?;
    let g = gates.iter().find(|g| g.id == gate).expect("known gate");
    match g.items.iter().find(|i| i.id == item) {
        Some(i) if i.kind == kind => Ok(()),
        Some(i) => bail!(
            "item {item} of gate {} is {:?}, not {kind:?}",
            gate.as_str(),
            i.kind
        ),
        None => bail!(
            "gate {} has no item {item:?} (items: {})",
            gate.as_str(),
            g.items
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
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
    match cmd {
        GateCmd::Show { transition, format } => {
            let t = load_transition(store, transition).await?;
            let e = evaluate_move(store, &t).await?;
            if *format == OutFormat::Json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "transition": e.transition, "gate": e.result,
                        "passed": e.result.as_ref().map(|r| r.passed()),
                        "diff": e.diff_keys,
                    }))?
                );
            } else {
                print_checklist(&e)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        GateCmd::Evidence {
            transition,
            item,
            file,
        } => {
            let t = pending(store, transition).await?;
            let gate = t.gate.ok_or_else(|| anyhow!("move {} has no gate", t.id))?;
            item_of(gate, item, ItemKind::Evidence)?;
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            if bytes.is_empty() {
                bail!("{} is empty: evidence must be a document", file.display());
            }
            let digest = store.files().put(&bytes)?;
            let actor = s.actor()?;
            let mut r = GateRecord {
                id: String::new(),
                transition_id: t.id.clone(),
                item: item.clone(),
                kind: "evidence".into(),
                document_sha256: Some(digest.clone()),
                file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
                recorded_by: actor.clone(),
                recorded_at: crate::scan::now_rfc3339(),
                statement: None,
                version: 0,
            };
            let mut tx = store.write(&actor).await?;
            tx.insert(&mut r).await?;
            tx.commit().await?;
            println!(
                "evidence {} for {item}: {digest}",
                r.file_name.as_deref().unwrap_or("")
            );
            Ok(ExitCode::SUCCESS)
        }
        GateCmd::Attest {
            transition,
            item,
            statement,
        } => {
            let t = pending(store, transition).await?;
            let gate = t.gate.ok_or_else(|| anyhow!("move {} has no gate", t.id))?;
            item_of(gate, item, ItemKind::Attest)?;
            attest(s, store, &t, item, statement.clone()).await?;
            println!("attested {item}");
            Ok(ExitCode::SUCCESS)
        }
        GateCmd::ReviewDiff { transition } => {
            let t = pending(store, transition).await?;
            let e = evaluate_move(store, &t).await?;
            if e.diff_keys.is_empty() {
                println!("no differences to review");
            }
            for (k, why) in &e.diff_keys {
                attest(s, store, &t, &format!("diff:{k}"), Some(why.clone())).await?;
                println!("reviewed {k}");
            }
            Ok(ExitCode::SUCCESS)
        }
        GateCmd::Approve {
            transition,
            role,
            comment,
        } => {
            let t = pending(store, transition).await?;
            let e = evaluate_move(store, &t).await?;
            let actor = s.actor()?;
            let object_json = if t.object_kind == Release::KIND {
                let r: Release = store.get(&t.object_id).await?.expect("evaluated");
                serde_json::to_vec(&r)?
            } else {
                serde_json::to_vec(&e.app)?
            };
            let approval = Approval {
                requested_by: t.requested_by.clone(),
                approved_by: actor.clone(),
                role: role.clone(),
                at: crate::scan::now_rfc3339(),
                comment: comment.clone(),
                object_sha256: appgov_store::sha256_hex(&object_json),
            };
            let approval = match approve(e.result.as_ref(), approval) {
                Ok(a) => a,
                Err(err) => {
                    if matches!(err, appgov_ledger::ApprovalError::GateOpen(..)) {
                        print_checklist(&e)?;
                    }
                    bail!("not approved: {err}");
                }
            };
            apply_move(store, &actor, t, approval).await?;
            println!("approved");
            Ok(ExitCode::SUCCESS)
        }
        GateCmd::Reject {
            transition,
            comment,
        } => {
            let mut t = pending(store, transition).await?;
            let actor = s.actor()?;
            t.status = TransitionStatus::Rejected;
            t.reason = if comment.is_empty() {
                t.reason
            } else {
                format!("{} | rejected: {comment}", t.reason)
            };
            let mut tx = store.write(&actor).await?;
            tx.update(&mut t).await?;
            tx.commit().await?;
            println!("rejected");
            Ok(ExitCode::SUCCESS)
        }
        GateCmd::Withdraw { transition } => {
            let mut t = pending(store, transition).await?;
            let actor = s.actor()?;
            if actor.trim().to_lowercase() != t.requested_by.trim().to_lowercase() {
                bail!("only {} who requested it can withdraw it", t.requested_by);
            }
            t.status = TransitionStatus::Withdrawn;
            let mut tx = store.write(&actor).await?;
            tx.update(&mut t).await?;
            tx.commit().await?;
            println!("withdrawn");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn pending(store: &Store, id: &str) -> Result<Transition> {
    let t = load_transition(store, id).await?;
    if t.status != TransitionStatus::Pending {
        bail!("move {id} is {}, not pending", t.status.label_zh());
    }
    Ok(t)
}

async fn attest(
    s: &StoreArgs,
    store: &Store,
    t: &Transition,
    item: &str,
    statement: Option<String>,
) -> Result<()> {
    let actor = s.actor()?;
    let mut r = GateRecord {
        id: String::new(),
        transition_id: t.id.clone(),
        item: item.to_string(),
        kind: "attestation".into(),
        document_sha256: None,
        file_name: None,
        recorded_by: actor.clone(),
        recorded_at: crate::scan::now_rfc3339(),
        statement,
        version: 0,
    };
    let mut tx = store.write(&actor).await?;
    tx.insert(&mut r).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies an approved move in one transaction: the move is marked
/// approved with its approval, the object changes state (checked against
/// the move tables again, and against the version approved), and a release
/// going live supersedes the app's earlier live releases.
async fn apply_move(
    store: &Store,
    actor: &str,
    mut t: Transition,
    approval: Approval,
) -> Result<()> {
    let mut tx = store.write(actor).await?;
    if t.object_kind == Release::KIND {
        let mut r: Release = tx
            .get(&t.object_id)
            .await?
            .ok_or_else(|| anyhow!("release {} missing", t.object_id))?;
        if r.state.as_str() != t.from_state {
            bail!(
                "the release moved to {} since this was requested",
                r.state.as_str()
            );
        }
        if appgov_store::sha256_hex(&serde_json::to_vec(&r)?) != approval.object_sha256 {
            bail!("the release changed while being approved; show the gate again");
        }
        let to = ReleaseState::parse(&t.to_state).ok_or_else(|| anyhow!("bad state"))?;
        let app: App = tx
            .get(&r.app_id)
            .await?
            .ok_or_else(|| anyhow!("app missing"))?;
        release_gate(app.state, r.state, to)?;
        if to == ReleaseState::Live {
            for mut old in tx.find::<Release>("app_id", &r.app_id).await? {
                if old.id != r.id && old.state == ReleaseState::Live {
                    old.state = ReleaseState::Superseded;
                    tx.update(&mut old).await?;
                }
            }
        }
        r.state = to;
        tx.update(&mut r).await?;
    } else {
        let mut a: App = tx
            .get(&t.object_id)
            .await?
            .ok_or_else(|| anyhow!("app {} missing", t.object_id))?;
        if a.state.as_str() != t.from_state {
            bail!(
                "the app moved to {} since this was requested",
                a.state.label_zh()
            );
        }
        if appgov_store::sha256_hex(&serde_json::to_vec(&a)?) != approval.object_sha256 {
            bail!("the app changed while being approved; show the gate again");
        }
        let to = AppState::parse(&t.to_state).ok_or_else(|| anyhow!("bad state"))?;
        app_move(a.state, to)?;
        a.state = to;
        tx.update(&mut a).await?;
    }
    t.status = TransitionStatus::Approved;
    t.approval = Some(approval);
    tx.update(&mut t).await?;
    tx.commit().await?;
    Ok(())
}
