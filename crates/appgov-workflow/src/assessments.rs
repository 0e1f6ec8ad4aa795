//! Assessments, risk exceptions and drills as the web and the CLI run them
//! (issue 6): record an assessment's results (several in one transaction),
//! complete it, request an exception and have someone else decide on it,
//! record a drill and that it was held. Starting an assessment with last
//! year's results as the baseline is [`crate::compliance::start_assessment`].
//!
//! Results (符合, 部分符合 …) are the assessment's findings; its state
//! (进行中, 已完成) is its workflow. The two are kept apart here too: a
//! result is recorded only while the assessment is open, and completing it
//! changes no result.

use appgov_calendar::{Date, format_date, parse_date};
use appgov_compliance::Scope;
use appgov_ledger::model::App;
use appgov_ledger::*;
use appgov_store::Store;

use crate::compliance::Engine;
use crate::{Refusal, Result, WorkflowError};

/// Risk exceptions are time-limited: at most this many days ahead.
pub const EXCEPTION_MAX_DAYS: i64 = 3 * 366;

/// One requirement's result as recorded by an assessor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultEntry {
    pub requirement_id: String,
    pub result: ResultValue,
    pub note: Option<String>,
}

fn is_open(a: &Assessment) -> bool {
    matches!(
        a.state,
        AssessmentState::Planned | AssessmentState::InProgress | AssessmentState::InReview
    )
}

fn closed_already(a: &Assessment) -> WorkflowError {
    WorkflowError::Invalid(format!(
        "评估“{}”已{}，结论不能再修改 / assessment {} is {} already: its results no longer change",
        a.title,
        a.state.label_zh(),
        a.id,
        a.state.as_str()
    ))
}

/// Records results of an open assessment, all in one transaction. Each
/// entry names a requirement the assessment has; a result is no longer
/// "carried forward" once recorded. `not_assessed` is not a result one
/// records.
pub async fn record_results(
    store: &Store,
    actor: &str,
    assessment_id: &str,
    entries: &[ResultEntry],
    today: Date,
) -> Result<(Assessment, Vec<AssessmentResult>)> {
    let mut tx = store.write(actor).await?;
    let a = tx
        .get::<Assessment>(assessment_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no assessment {assessment_id}")))?;
    if !is_open(&a) {
        return Err(closed_already(&a));
    }
    let mut results = tx
        .find::<AssessmentResult>("assessment_id", assessment_id)
        .await?;
    for e in entries {
        if e.result == ResultValue::NotAssessed {
            return Err(WorkflowError::Invalid(format!(
                "{}：请选择符合、部分符合、不符合或不适用 / record compliant, partial, non-compliant or not applicable",
                e.requirement_id
            )));
        }
        let r = results
            .iter_mut()
            .find(|r| r.requirement_id == e.requirement_id)
            .ok_or_else(|| {
                WorkflowError::Invalid(format!(
                    "该评估不含要求 {} / the assessment has no requirement {}",
                    e.requirement_id, e.requirement_id
                ))
            })?;
        r.result = e.result;
        r.note = e.note.clone().filter(|n| !n.trim().is_empty());
        r.carried_forward = false;
        r.assessed_by = Some(actor.to_string());
        r.assessed_on = Some(format_date(today));
        tx.update(r).await?;
    }
    tx.commit().await?;
    results.sort_by(|x, y| x.requirement_id.cmp(&y.requirement_id));
    Ok((a, results))
}

/// Completes an open assessment: every requirement must have a result
/// (carried-forward ones count: last year's conclusion stands unless
/// changed). The compliance matrix reads the newest completed assessment.
pub async fn complete_assessment(
    store: &Store,
    actor: &str,
    id: &str,
    summary: Option<String>,
    today: Date,
) -> Result<Assessment> {
    let mut tx = store.write(actor).await?;
    let mut a = tx
        .get::<Assessment>(id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no assessment {id}")))?;
    if !is_open(&a) {
        return Err(closed_already(&a));
    }
    let results = tx.find::<AssessmentResult>("assessment_id", id).await?;
    let open = results
        .iter()
        .filter(|r| r.result == ResultValue::NotAssessed)
        .count();
    if open > 0 {
        return Err(WorkflowError::Invalid(format!(
            "还有 {open} 项要求未评估：逐项记录结论（不适用的记为“不适用”）后再完成 / {open} requirements are not assessed yet: record each (not applicable where it does not apply) before completing"
        )));
    }
    if let Some(s) = summary.filter(|s| !s.trim().is_empty()) {
        a.summary = Some(s);
    }
    a.state = AssessmentState::Completed;
    a.completed_on = Some(format_date(today));
    if a.started_on.is_none() {
        a.started_on = a.completed_on.clone();
    }
    tx.update(&mut a).await?;
    tx.commit().await?;
    Ok(a)
}

/// The open assessment of the same kind, app and period, if any: a second
/// one would split the year's conclusions.
pub fn duplicate_of<'a>(existing: &'a [Assessment], a: &Assessment) -> Option<&'a Assessment> {
    existing.iter().find(|x| {
        x.kind == a.kind
            && x.app_id == a.app_id
            && x.period == a.period
            && x.state != AssessmentState::Cancelled
    })
}

/// Requests an exception or risk acceptance: the requirement must be one
/// of the library's, of the app's scope (an app's requirement for an app,
/// an institution-wide one without), and the expiry a date ahead of today
/// within [`EXCEPTION_MAX_DAYS`]. It starts requested, by `actor`.
pub async fn request_exception(
    store: &Store,
    engine: &Engine,
    actor: &str,
    mut e: RiskException,
    today: Date,
) -> Result<RiskException> {
    let r = engine
        .library
        .requirement(&e.requirement_id)
        .filter(|r| !r.withdrawn)
        .ok_or_else(|| {
            WorkflowError::Invalid(format!(
                "没有要求 {} / no requirement {}",
                e.requirement_id, e.requirement_id
            ))
        })?;
    match (&e.app_id, r.scope) {
        (Some(id), Scope::App) => {
            let app = store
                .get::<App>(id)
                .await?
                .ok_or_else(|| WorkflowError::NotFound(format!("no app {id}")))?;
            if !r.applies_to.applies(&app) {
                return Err(WorkflowError::Invalid(format!(
                    "{} 不适用于 {}（{}），无需例外 / {} does not apply to {} ({}): no exception is needed",
                    r.short(),
                    app.name,
                    r.applies_to.describe("zh"),
                    r.short(),
                    app.name,
                    r.applies_to.describe("en")
                )));
            }
        }
        (None, Scope::Institution) => {}
        (Some(_), Scope::Institution) => {
            return Err(WorkflowError::Invalid(format!(
                "{} 是机构层面要求，请不选应用 / {} is institution-wide: request it for the institution",
                r.short(),
                r.short()
            )));
        }
        (None, Scope::App) => {
            return Err(WorkflowError::Invalid(format!(
                "{} 按应用评价，请选择应用 / {} is judged per app: choose the app",
                r.short(),
                r.short()
            )));
        }
    }
    let expires = parse_date(&e.expires_on).ok_or_else(|| {
        WorkflowError::Invalid(format!(
            "有效期应为日期 YYYY-MM-DD / expires_on must be a date YYYY-MM-DD, got {:?}",
            e.expires_on
        ))
    })?;
    if expires <= today {
        return Err(WorkflowError::Invalid(format!(
            "有效期 {} 应晚于今天 / the expiry {} must be after today",
            e.expires_on, e.expires_on
        )));
    }
    if (expires - today).whole_days() > EXCEPTION_MAX_DAYS {
        return Err(WorkflowError::Invalid(format!(
            "有效期最长三年（{} 已超出） / an exception lasts at most three years ({} is beyond)",
            e.expires_on, e.expires_on
        )));
    }
    if e.reason.trim().is_empty() {
        return Err(WorkflowError::Invalid(
            "请说明理由 / give the reason".into(),
        ));
    }
    e.requested_by = actor.to_string();
    e.state = ExceptionState::Requested;
    e.approver = None;
    e.approved_on = None;
    let mut tx = store.write(actor).await?;
    tx.insert(&mut e).await?;
    tx.commit().await?;
    Ok(e)
}

/// A decision on an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Requested → approved (by someone else).
    Approve,
    /// Requested → rejected (by someone else).
    Reject,
    /// Approved → revoked: the risk is no longer accepted. Anyone who may
    /// decide may end an acceptance, the requester included.
    Revoke,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s.trim() {
            "approve" | "approved" => Some(Decision::Approve),
            "reject" | "rejected" => Some(Decision::Reject),
            "revoke" | "revoked" => Some(Decision::Revoke),
            _ => None,
        }
    }
}

/// Decides on an exception. Approving and rejecting are someone else's
/// than the requester's ([`Refusal::SelfAcceptance`]); the decider and the
/// date are recorded.
pub async fn decide_exception(
    store: &Store,
    actor: &str,
    id: &str,
    decision: Decision,
    today: Date,
) -> Result<RiskException> {
    let mut tx = store.write(actor).await?;
    let mut e = tx
        .get::<RiskException>(id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no exception {id}")))?;
    let (from, to) = match decision {
        Decision::Approve => (ExceptionState::Requested, ExceptionState::Approved),
        Decision::Reject => (ExceptionState::Requested, ExceptionState::Rejected),
        Decision::Revoke => (ExceptionState::Approved, ExceptionState::Revoked),
    };
    if e.state != from {
        return Err(WorkflowError::Invalid(format!(
            "该例外当前为“{}”，不能改为“{}” / the exception is {}, it cannot become {}",
            e.state.label_zh(),
            to.label_zh(),
            e.state.as_str(),
            to.as_str()
        )));
    }
    if decision != Decision::Revoke {
        if same_person(&e.requested_by, actor) {
            return Err(WorkflowError::Refused(Refusal::SelfAcceptance {
                login: actor.to_string(),
            }));
        }
        e.approver = Some(actor.to_string());
        e.approved_on = Some(format_date(today));
    }
    e.state = to;
    tx.update(&mut e).await?;
    tx.commit().await?;
    Ok(e)
}

/// Whether two actors are the same person: a login in a browser and the
/// same login through an API token are one person.
pub fn same_person(a: &str, b: &str) -> bool {
    let who = |s: &str| {
        let s = s.trim();
        s.strip_suffix(" (API token)").unwrap_or(s).to_lowercase()
    };
    who(a) == who(b)
}

/// Whether an approved exception has run out (it then covers nothing).
pub fn expired(e: &RiskException, today: Date) -> bool {
    e.state == ExceptionState::Approved && parse_date(&e.expires_on).is_none_or(|x| x < today)
}

/// Records a drill: planned (no `held_on`) or held (a date not after
/// today, with its outcome).
pub async fn record_drill(store: &Store, actor: &str, mut d: Drill, today: Date) -> Result<Drill> {
    check_held(&d, today)?;
    if let Some(id) = &d.app_id
        && store.get::<App>(id).await?.is_none()
    {
        return Err(WorkflowError::NotFound(format!("no app {id}")));
    }
    d.state = if d.held_on.is_some() {
        DrillState::Held
    } else {
        DrillState::Planned
    };
    let mut tx = store.write(actor).await?;
    tx.insert(&mut d).await?;
    tx.commit().await?;
    Ok(d)
}

fn check_held(d: &Drill, today: Date) -> Result<()> {
    if parse_date(&d.planned_on).is_none() {
        return Err(WorkflowError::Invalid(format!(
            "计划日期应为 YYYY-MM-DD / planned_on must be a date YYYY-MM-DD, got {:?}",
            d.planned_on
        )));
    }
    if let Some(h) = &d.held_on {
        let held = parse_date(h).ok_or_else(|| {
            WorkflowError::Invalid(format!(
                "开展日期应为 YYYY-MM-DD / held_on must be a date YYYY-MM-DD, got {h:?}"
            ))
        })?;
        if held > today {
            return Err(WorkflowError::Invalid(format!(
                "开展日期 {h} 在将来：已开展的演练才能登记为已开展 / held_on {h} is in the future: only a drill that took place is held"
            )));
        }
        if d.outcome.as_deref().is_none_or(|o| o.trim().is_empty()) {
            return Err(WorkflowError::Invalid(
                "请填写演练结果 / say how the drill went".into(),
            ));
        }
    }
    Ok(())
}

/// Records that a planned drill was held: its date, who took part, how it
/// went.
pub async fn drill_held(
    store: &Store,
    actor: &str,
    id: &str,
    held_on: String,
    participants: Option<String>,
    outcome: Option<String>,
    today: Date,
) -> Result<Drill> {
    let mut tx = store.write(actor).await?;
    let mut d = tx
        .get::<Drill>(id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no drill {id}")))?;
    if d.state != DrillState::Planned {
        return Err(WorkflowError::Invalid(format!(
            "该演练已{}，不能再登记开展 / the drill is {} already",
            d.state.label_zh(),
            d.state.as_str()
        )));
    }
    d.held_on = Some(held_on);
    if participants.is_some() {
        d.participants = participants;
    }
    d.outcome = outcome;
    check_held(&d, today)?;
    d.state = DrillState::Held;
    tx.update(&mut d).await?;
    tx.commit().await?;
    Ok(d)
}
