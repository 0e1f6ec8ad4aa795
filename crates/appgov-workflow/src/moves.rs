//! Gated moves: one person requests a lifecycle move of an app or a
//! release, the gate's checklist is evaluated now (automatic items from the
//! ledger and the analyser's facts, evidence items by stored documents,
//! attestations by named people), and another person approves it — only
//! when every item is met — which applies the move in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use appgov_ledger::autocheck::{GateSubject, auto_checks_detailed, release_diff};
use appgov_ledger::model::*;
use appgov_ledger::vocab::TransitionStatus;
use appgov_ledger::{
    AppState, Approval, ApprovalError, Gate, GateId, GateInput, GateResult, ItemKind, ReleaseState,
    app_move, approve, builtin_gates, evaluate, release_gate,
};
use appgov_store::Store;
use serde::Serialize;

use crate::{Refusal, Result, WorkflowError, now_rfc3339, today_cn};

/// A requested move, evaluated now.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluated {
    pub transition: Transition,
    pub app: App,
    /// The release the gate judges (the moving release, or for an app's
    /// launch its newest distributable release).
    pub release_id: Option<String>,
    /// The gate's checklist, when the move passes a gate.
    pub result: Option<GateResult>,
    /// Differences to the live release a reviewer confirms (change gate):
    /// (key, reason).
    pub diff: Vec<(String, String)>,
    /// Records on the move (evidence, attestations, diff reviews).
    pub records: Vec<GateRecord>,
    /// Why each automatic check that failed did, in both languages apart
    /// (by check name; the checklist's reasons join the two).
    pub auto_reasons: BTreeMap<String, appgov_ledger::views::Reason>,
}

impl Evaluated {
    pub fn passed(&self) -> Option<bool> {
        self.result.as_ref().map(GateResult::passed)
    }
}

fn gate_of(id: GateId) -> Result<Gate> {
    builtin_gates()
        .map_err(|e| WorkflowError::Invalid(format!("built-in gates: {e}")))?
        .into_iter()
        .find(|g| g.id == id)
        .ok_or_else(|| WorkflowError::Invalid(format!("gate {} missing", id.as_str())))
}

/// Asks for an app's move to `to` (a state name, Chinese label or alias).
pub async fn request_app_move(
    store: &Store,
    actor: &str,
    app_id: &str,
    to: &str,
    reason: &str,
) -> Result<Transition> {
    let a: App = store
        .get(app_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no app {app_id}")))?;
    let to = AppState::parse(to).ok_or_else(|| {
        WorkflowError::Invalid(format!(
            "unknown state {to:?} (one of: {})",
            AppState::ALL.map(|s| s.as_str()).join(", ")
        ))
    })?;
    let gate = app_move(a.state, to)?;
    request(
        store,
        actor,
        App::KIND,
        &a.id,
        a.state.as_str(),
        to.as_str(),
        gate,
        reason,
    )
    .await
}

/// Asks for a release's move to `to`.
pub async fn request_release_move(
    store: &Store,
    actor: &str,
    release_id: &str,
    to: &str,
    reason: &str,
) -> Result<Transition> {
    let r: Release = store
        .get(release_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no release {release_id}")))?;
    let a: App = store
        .get(&r.app_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("release {} names a missing app", r.id)))?;
    let to = ReleaseState::parse(to).ok_or_else(|| {
        WorkflowError::Invalid(format!(
            "unknown release state {to:?} (one of: {})",
            ReleaseState::ALL.map(|s| s.as_str()).join(", ")
        ))
    })?;
    let gate = release_gate(a.state, r.state, to)?;
    request(
        store,
        actor,
        Release::KIND,
        &r.id,
        r.state.as_str(),
        to.as_str(),
        gate,
        reason,
    )
    .await
}

/// Records a requested move (pending approval); one pending move per object.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    store: &Store,
    actor: &str,
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
        return Err(WorkflowError::Refused(Refusal::MovePending {
            object_id: object_id.to_string(),
        }));
    }
    let mut t = Transition {
        id: String::new(),
        object_kind: object_kind.into(),
        object_id: object_id.into(),
        from_state: from.into(),
        to_state: to.into(),
        gate,
        requested_by: actor.to_string(),
        requested_at: now_rfc3339(),
        reason: reason.into(),
        status: TransitionStatus::Pending,
        approval: None,
        version: 0,
    };
    let mut tx = store.write(actor).await?;
    tx.insert(&mut t).await?;
    tx.commit().await?;
    Ok(t)
}

pub async fn load_transition(store: &Store, id: &str) -> Result<Transition> {
    store
        .get::<Transition>(id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no move {id}")))
}

/// The move, if it is still pending.
pub async fn pending(store: &Store, id: &str) -> Result<Transition> {
    let t = load_transition(store, id).await?;
    if t.status != TransitionStatus::Pending {
        return Err(WorkflowError::Refused(Refusal::NotPending {
            move_id: id.to_string(),
            status: t.status,
        }));
    }
    Ok(t)
}

/// The app a move concerns (directly, or through its release).
pub async fn app_of_move(store: &Store, t: &Transition) -> Result<App> {
    let app_id = if t.object_kind == Release::KIND {
        let r: Release = store.get(&t.object_id).await?.ok_or_else(|| {
            WorkflowError::NotFound(format!("the release of move {} is missing", t.id))
        })?;
        r.app_id
    } else {
        t.object_id.clone()
    };
    store
        .get(&app_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("the app of move {} is missing", t.id)))
}

/// Evaluates a move's gate now.
pub async fn evaluate_move(store: &Store, t: &Transition) -> Result<Evaluated> {
    let app = app_of_move(store, t).await?;
    let release_id = if t.object_kind == Release::KIND {
        Some(t.object_id.clone())
    } else {
        // The app's launch is judged on its approved first release.
        store
            .find::<Release>("app_id", &app.id)
            .await?
            .into_iter()
            .filter(|r| r.state.may_be_distributed())
            .max_by_key(|r| (r.version_code, r.id.clone()))
            .map(|r| r.id)
    };
    let mut records = store.find::<GateRecord>("transition_id", &t.id).await?;
    let Some(gate_id) = t.gate else {
        return Ok(Evaluated {
            transition: t.clone(),
            app,
            release_id,
            result: None,
            diff: vec![],
            records,
            auto_reasons: BTreeMap::new(),
        });
    };
    let gate = gate_of(gate_id)?;
    // Records on this move, plus — for an app's launch — those on the
    // release's approved launch move (one checklist, not two).
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
    let detailed = auto_checks_detailed(&gate, &subject, &snapshot, &today_cn());
    let mut input = GateInput {
        auto: detailed
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().map_err(|r| r.text())))
            .collect(),
        ..Default::default()
    };
    let auto_reasons = detailed
        .into_iter()
        .filter_map(|(k, v)| v.err().map(|r| (k, r)))
        .collect();
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
    let mut diff = Vec::new();
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
                diff.push((c.key.clone(), c.reason.text()));
            }
        }
    }
    Ok(Evaluated {
        transition: t.clone(),
        app,
        release_id,
        result: Some(evaluate(&gate, &input)),
        diff,
        records,
        auto_reasons,
    })
}

/// Checks `item` is an item of `gate` of the given kind.
pub fn item_of(gate: GateId, item: &str, kind: ItemKind) -> Result<()> {
    let g = gate_of(gate)?;
    match g.items.iter().find(|i| i.id == item) {
        Some(i) if i.kind == kind => Ok(()),
        Some(i) => Err(WorkflowError::Invalid(format!(
            "item {item} of gate {} is {:?}, not {kind:?}",
            gate.as_str(),
            i.kind
        ))),
        None => Err(WorkflowError::Invalid(format!(
            "gate {} has no item {item:?} (items: {})",
            gate.as_str(),
            g.items
                .iter()
                .filter(|i| i.kind == kind)
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Attaches a document as evidence for an evidence item of a pending move.
pub async fn add_evidence(
    store: &Store,
    actor: &str,
    transition_id: &str,
    item: &str,
    file_name: Option<String>,
    bytes: &[u8],
) -> Result<GateRecord> {
    let t = pending(store, transition_id).await?;
    let gate = t
        .gate
        .ok_or_else(|| WorkflowError::Invalid(format!("move {} has no gate", t.id)))?;
    item_of(gate, item, ItemKind::Evidence)?;
    if bytes.is_empty() {
        return Err(WorkflowError::Invalid(
            "the file is empty: evidence must be a document".into(),
        ));
    }
    let digest = store.files().put(bytes)?;
    let mut r = GateRecord {
        id: String::new(),
        transition_id: t.id.clone(),
        item: item.to_string(),
        kind: "evidence".into(),
        document_sha256: Some(digest),
        file_name,
        recorded_by: actor.to_string(),
        recorded_at: now_rfc3339(),
        statement: None,
        version: 0,
    };
    let mut tx = store.write(actor).await?;
    tx.insert(&mut r).await?;
    tx.commit().await?;
    Ok(r)
}

/// Signs an attestation item of a pending move.
pub async fn attest_item(
    store: &Store,
    actor: &str,
    transition_id: &str,
    item: &str,
    statement: Option<String>,
) -> Result<GateRecord> {
    let t = pending(store, transition_id).await?;
    let gate = t
        .gate
        .ok_or_else(|| WorkflowError::Invalid(format!("move {} has no gate", t.id)))?;
    item_of(gate, item, ItemKind::Attest)?;
    record_attestation(store, actor, &t, item, statement).await
}

async fn record_attestation(
    store: &Store,
    actor: &str,
    t: &Transition,
    item: &str,
    statement: Option<String>,
) -> Result<GateRecord> {
    let mut r = GateRecord {
        id: String::new(),
        transition_id: t.id.clone(),
        item: item.to_string(),
        kind: "attestation".into(),
        document_sha256: None,
        file_name: None,
        recorded_by: actor.to_string(),
        recorded_at: now_rfc3339(),
        statement,
        version: 0,
    };
    let mut tx = store.write(actor).await?;
    tx.insert(&mut r).await?;
    tx.commit().await?;
    Ok(r)
}

/// Confirms every difference of a change-gate move as reviewed; returns the
/// keys confirmed.
pub async fn review_diff(store: &Store, actor: &str, transition_id: &str) -> Result<Vec<String>> {
    let t = pending(store, transition_id).await?;
    let e = evaluate_move(store, &t).await?;
    let mut done = Vec::new();
    for (k, why) in &e.diff {
        record_attestation(store, actor, &t, &format!("diff:{k}"), Some(why.clone())).await?;
        done.push(k.clone());
    }
    Ok(done)
}

/// Why an approval was refused: the rule, and the checklist when items are
/// open (so the caller can show them).
#[derive(Debug)]
pub struct NotApproved {
    pub error: WorkflowError,
    pub evaluated: Option<Box<Evaluated>>,
}

impl From<WorkflowError> for NotApproved {
    fn from(error: WorkflowError) -> Self {
        NotApproved {
            error,
            evaluated: None,
        }
    }
}

impl From<appgov_store::StoreError> for NotApproved {
    fn from(e: appgov_store::StoreError) -> Self {
        WorkflowError::from(e).into()
    }
}

/// Approves a pending move (not by whoever requested it; every gate item
/// met) and applies it.
pub async fn approve_move(
    store: &Store,
    actor: &str,
    transition_id: &str,
    role: &str,
    comment: &str,
) -> Result<Transition, NotApproved> {
    let t = pending(store, transition_id).await?;
    let e = evaluate_move(store, &t).await?;
    let object_json = if t.object_kind == Release::KIND {
        let r: Release = store
            .get(&t.object_id)
            .await?
            .ok_or_else(|| WorkflowError::NotFound(format!("release {} missing", t.object_id)))?;
        serde_json::to_vec(&r).map_err(WorkflowError::from)?
    } else {
        serde_json::to_vec(&e.app).map_err(WorkflowError::from)?
    };
    let approval = Approval {
        requested_by: t.requested_by.clone(),
        approved_by: actor.to_string(),
        role: role.to_string(),
        at: now_rfc3339(),
        comment: comment.to_string(),
        object_sha256: appgov_store::sha256_hex(&object_json),
    };
    let approval = match approve(e.result.as_ref(), approval) {
        Ok(a) => a,
        Err(err) => {
            let open = matches!(err, ApprovalError::GateOpen(..));
            return Err(NotApproved {
                error: WorkflowError::Refused(err.into()),
                evaluated: open.then(|| Box::new(e)),
            });
        }
    };
    Ok(apply_move(store, actor, t, approval).await?)
}

/// Rejects a pending move.
pub async fn reject_move(
    store: &Store,
    actor: &str,
    transition_id: &str,
    comment: &str,
) -> Result<Transition> {
    let mut t = pending(store, transition_id).await?;
    t.status = TransitionStatus::Rejected;
    if !comment.is_empty() {
        t.reason = format!("{} | rejected: {comment}", t.reason);
    }
    let mut tx = store.write(actor).await?;
    tx.update(&mut t).await?;
    tx.commit().await?;
    Ok(t)
}

/// Withdraws one's own pending request.
pub async fn withdraw_move(store: &Store, actor: &str, transition_id: &str) -> Result<Transition> {
    let mut t = pending(store, transition_id).await?;
    if actor.trim().to_lowercase() != t.requested_by.trim().to_lowercase() {
        return Err(WorkflowError::Refused(Refusal::NotRequester {
            requested_by: t.requested_by.clone(),
        }));
    }
    t.status = TransitionStatus::Withdrawn;
    let mut tx = store.write(actor).await?;
    tx.update(&mut t).await?;
    tx.commit().await?;
    Ok(t)
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
) -> Result<Transition> {
    let mut tx = store.write(actor).await?;
    if t.object_kind == Release::KIND {
        let mut r: Release = tx
            .get(&t.object_id)
            .await?
            .ok_or_else(|| WorkflowError::NotFound(format!("release {} missing", t.object_id)))?;
        if r.state.as_str() != t.from_state {
            return Err(WorkflowError::Refused(Refusal::ReleaseMovedMeanwhile {
                state: r.state,
            }));
        }
        if appgov_store::sha256_hex(&serde_json::to_vec(&r)?) != approval.object_sha256 {
            return Err(WorkflowError::Refused(Refusal::ChangedMeanwhile {
                release: true,
            }));
        }
        let to = ReleaseState::parse(&t.to_state)
            .ok_or_else(|| WorkflowError::Invalid(format!("bad state {}", t.to_state)))?;
        let app: App = tx
            .get(&r.app_id)
            .await?
            .ok_or_else(|| WorkflowError::NotFound(format!("app {} missing", r.app_id)))?;
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
            .ok_or_else(|| WorkflowError::NotFound(format!("app {} missing", t.object_id)))?;
        if a.state.as_str() != t.from_state {
            return Err(WorkflowError::Refused(Refusal::AppMovedMeanwhile {
                state: a.state,
            }));
        }
        if appgov_store::sha256_hex(&serde_json::to_vec(&a)?) != approval.object_sha256 {
            return Err(WorkflowError::Refused(Refusal::ChangedMeanwhile {
                release: false,
            }));
        }
        let to = AppState::parse(&t.to_state)
            .ok_or_else(|| WorkflowError::Invalid(format!("bad state {}", t.to_state)))?;
        app_move(a.state, to)?;
        a.state = to;
        tx.update(&mut a).await?;
    }
    t.status = TransitionStatus::Approved;
    t.approval = Some(approval);
    tx.update(&mut t).await?;
    tx.commit().await?;
    Ok(t)
}
