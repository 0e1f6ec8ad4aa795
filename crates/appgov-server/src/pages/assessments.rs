//! Assessments, risk exceptions and drills (issue 6): `/assessments` — the
//! yearly risk assessment of article 17 and the audits, by year, each with
//! its results per requirement apart from its workflow state; starting one
//! carries last year's completed results forward as the baseline;
//! `/exceptions` — exceptions and risk acceptances, requested by one person
//! and decided by another who may approve, until their expiry;
//! `/drills` — the emergency drills of article 15. Lists are narrowed to
//! the viewer's reach; each change is checked against the app's place (or
//! the institution's) and made through `appgov_workflow`.

use std::collections::HashMap;

use appgov_access::{Action, Principal};
use appgov_compliance::Scope;
use appgov_ledger::vocab::Term;
use appgov_ledger::{
    Assessment, AssessmentKind, AssessmentResult, AssessmentState, Drill, DrillState,
    ExceptionKind, ExceptionState, ObligationState, ResultValue, RiskException,
};
use appgov_workflow::assessments::{self as wa, Decision, ResultEntry};
use appgov_workflow::compliance as wf;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::compliance::{self as c, Reach, RequirementRef, Snapshot, label};
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::pages::registers::{
    after_change, app_choices, date, may_act, opt, opt_date, with_status,
};
use crate::render;
use crate::state::AppState as Shared;
use crate::views::{Choice, parse_term, vocab_choices};

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// A result's mark: the pages read without colour.
fn mark(v: ResultValue) -> &'static str {
    match v {
        ResultValue::Compliant => "✓",
        ResultValue::Partial => "◐",
        ResultValue::NonCompliant => "✗",
        ResultValue::NotApplicable => "—",
        ResultValue::NotAssessed => "?",
    }
}

fn requirement_ref(state: &Shared, id: &str, lang: Lang) -> RequirementRef {
    match state.engine.library.requirement(id) {
        Some(r) => RequirementRef {
            id: r.id.clone(),
            short: r.short(),
            title: r.title(lang.code()).to_string(),
        },
        None => RequirementRef {
            id: id.to_string(),
            short: id.to_string(),
            title: id.to_string(),
        },
    }
}

// ------------------------------------------------------------ assessments

/// How many results of one value an assessment has.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultCount {
    /// compliant, partial, non_compliant, not_applicable, not_assessed.
    pub value: String,
    pub label: String,
    pub mark: String,
    pub count: usize,
}

/// An assessment as lists show it: its workflow state, and apart from it,
/// its results counted by value.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentSummary {
    pub id: String,
    /// annual_risk_assessment, audit, special_audit, compliance_inspection,
    /// pi_audit.
    pub kind: String,
    pub kind_label: String,
    pub app_id: Option<String>,
    pub app_name: String,
    pub title: String,
    /// The period it covers (`2026`).
    pub period: String,
    /// Workflow: planned, in_progress, in_review, completed, cancelled.
    pub state: String,
    pub state_label: String,
    pub started_on: Option<String>,
    pub completed_on: Option<String>,
    /// The completed assessment whose results it started from.
    pub baseline_id: Option<String>,
    pub baseline_title: Option<String>,
    /// Results by value, every value listed.
    pub counts: Vec<ResultCount>,
    /// Results copied from the baseline and not re-assessed yet.
    pub carried_forward: usize,
}

/// One requirement's result in an assessment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultView {
    pub id: String,
    pub requirement: RequirementRef,
    pub article: u32,
    /// compliant, partial, non_compliant, not_applicable, not_assessed.
    pub result: String,
    pub result_label: String,
    pub mark: String,
    /// Copied from the baseline and not re-assessed yet.
    pub carried_forward: bool,
    pub note: Option<String>,
    pub assessed_by: Option<String>,
    pub assessed_on: Option<String>,
}

/// One assessment with every result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentDetail {
    pub assessment: AssessmentSummary,
    pub summary: Option<String>,
    pub results: Vec<ResultView>,
    /// Open (planned, in progress, in review): results may change.
    pub open: bool,
    /// May the viewer record results and complete it.
    pub may_record: bool,
    /// Results still to record before it can be completed.
    pub not_assessed: usize,
    /// The result values one records.
    pub choices: Vec<Choice>,
}

fn summary_of(
    snap: &Snapshot,
    lang: Lang,
    a: &Assessment,
    results: &[&AssessmentResult],
) -> AssessmentSummary {
    let counts = ResultValue::all()
        .iter()
        .map(|v| ResultCount {
            value: v.as_str().into(),
            label: label(lang, *v),
            mark: mark(*v).into(),
            count: results.iter().filter(|r| r.result == *v).count(),
        })
        .collect();
    let baseline = a
        .baseline_id
        .as_deref()
        .and_then(|b| snap.data.assessments.iter().find(|x| x.id == b));
    AssessmentSummary {
        id: a.id.clone(),
        kind: a.kind.as_str().into(),
        kind_label: label(lang, a.kind),
        app_id: a.app_id.clone(),
        app_name: snap.app_name(a.app_id.as_deref(), lang),
        title: a.title.clone(),
        period: a.period.clone(),
        state: a.state.as_str().into(),
        state_label: label(lang, a.state),
        started_on: a.started_on.clone(),
        completed_on: a.completed_on.clone(),
        baseline_id: a.baseline_id.clone(),
        baseline_title: baseline.map(|b| b.title.clone()),
        counts,
        carried_forward: results.iter().filter(|r| r.carried_forward).count(),
    }
}

fn results_of<'a>(snap: &'a Snapshot, id: &str) -> Vec<&'a AssessmentResult> {
    snap.data
        .results
        .iter()
        .filter(|r| r.assessment_id == id)
        .collect()
}

/// The assessment filter (query parameters).
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct AssessmentParams {
    /// A period (`2026`); empty for every year.
    #[serde(default)]
    pub year: Option<String>,
}

/// The assessments in the viewer's reach, newest period first.
pub fn assessment_summaries(
    snap: &Snapshot,
    reach: &Reach,
    lang: Lang,
    params: &AssessmentParams,
) -> Vec<AssessmentSummary> {
    let apps = snap.apps();
    let year = params
        .year
        .as_deref()
        .map(str::trim)
        .filter(|y| !y.is_empty());
    let mut v: Vec<AssessmentSummary> = snap
        .data
        .assessments
        .iter()
        .filter(|a| reach.about(&apps, a.app_id.as_deref()))
        .filter(|a| year.is_none_or(|y| a.period.starts_with(y)))
        .map(|a| summary_of(snap, lang, a, &results_of(snap, &a.id)))
        .collect();
    v.sort_by(|a, b| {
        b.period
            .cmp(&a.period)
            .then(a.app_name.cmp(&b.app_name))
            .then(a.id.cmp(&b.id))
    });
    v
}

/// One assessment as the viewer may see it (None: not in reach).
pub async fn assessment_detail(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    id: &str,
) -> Result<AssessmentDetail, Failure> {
    let snap = Snapshot::load(state).await?;
    let a = snap
        .data
        .assessments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| Failure::NotFound(format!("no assessment {id}")))?;
    let own = results_of(&snap, id);
    let lib = &state.engine.library;
    let mut results: Vec<ResultView> = own
        .iter()
        .map(|r| ResultView {
            id: r.id.clone(),
            requirement: requirement_ref(state, &r.requirement_id, lang),
            article: lib.requirement(&r.requirement_id).map_or(0, |x| x.article),
            result: r.result.as_str().into(),
            result_label: label(lang, r.result),
            mark: mark(r.result).into(),
            carried_forward: r.carried_forward,
            note: r.note.clone(),
            assessed_by: r.assessed_by.clone(),
            assessed_on: r.assessed_on.clone(),
        })
        .collect();
    // The library's order: by article, then as the library lists them.
    let order: HashMap<&str, usize> = lib
        .live_requirements()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    results.sort_by_key(|r| {
        (
            r.article,
            order
                .get(r.requirement.id.as_str())
                .copied()
                .unwrap_or(usize::MAX),
        )
    });
    let open = !matches!(
        a.state,
        AssessmentState::Completed | AssessmentState::Cancelled
    );
    let orgs = state.orgs().await?;
    let org = a
        .app_id
        .as_deref()
        .and_then(|x| snap.data.apps.iter().find(|app| app.id == x))
        .and_then(|app| appgov_access::roles::app_org(app).map(str::to_string));
    let may_record = open && p.may(Action::RecordEvidence, org.as_deref(), &orgs.tree);
    Ok(AssessmentDetail {
        assessment: summary_of(&snap, lang, a, &own),
        summary: a.summary.clone(),
        not_assessed: own
            .iter()
            .filter(|r| r.result == ResultValue::NotAssessed)
            .count(),
        results,
        open,
        may_record,
        choices: ResultValue::all()
            .iter()
            .filter(|v| **v != ResultValue::NotAssessed)
            .map(|v| Choice {
                value: v.as_str().into(),
                label: format!("{} {}", mark(*v), label(lang, *v)),
                selected: false,
            })
            .collect(),
    })
}

/// A new assessment (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct StartInput {
    /// The app's id; empty for the institution's own assessment.
    #[serde(default)]
    pub app: String,
    /// annual_risk_assessment (default), audit, special_audit,
    /// compliance_inspection, pi_audit.
    #[serde(default)]
    pub kind: String,
    /// The period it covers (`2026`, `2026H1`); required.
    #[serde(default)]
    pub period: String,
    /// A title; made from the app, period and kind when empty.
    #[serde(default)]
    pub title: String,
}

/// Starts an assessment; last period's completed results of the same kind
/// are carried forward as the baseline.
pub async fn start(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &StartInput,
) -> Result<Assessment, Failure> {
    // The input is checked before the viewer's rights over the app, so an
    // empty form is a validation answer, not a refusal.
    let kind = parse_term::<AssessmentKind>("kind", &f.kind)?
        .unwrap_or(AssessmentKind::AnnualRiskAssessment);
    let (today_text, _) = c::today()?;
    let period = opt(&f.period).ok_or_else(|| {
        Failure::Invalid("period: 请填写评估期间，如 2026 / say the period, like 2026".into())
    })?;
    let valid_period = period.len() <= 20
        && period
            .get(..4)
            .is_some_and(|y| y.chars().all(|c| c.is_ascii_digit()));
    if !valid_period {
        return Err(Failure::Invalid(format!(
            "period: 期间应以年份开头，如 2026 或 2026H1 / a period starts with its year, like 2026 or 2026H1, got {period:?}"
        )));
    }
    let app = may_act(state, p, Action::RecordEvidence, opt(&f.app).as_deref()).await?;
    let who = app
        .as_ref()
        .map_or_else(|| "本机构".to_string(), |a| a.name.clone());
    let a = Assessment {
        id: String::new(),
        kind,
        app_id: app.map(|a| a.id),
        title: opt(&f.title).unwrap_or_else(|| format!("{who} {period} {}", kind.label_zh())),
        period,
        baseline_id: None,
        lead_person_id: None,
        started_on: Some(today_text),
        completed_on: None,
        state: AssessmentState::InProgress,
        summary: None,
        obligation_id: None,
        version: 0,
    };
    Ok(wf::start_assessment(&state.store, &state.engine, actor, a)
        .await?
        .0)
}

/// Results to record (JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResultsInput {
    pub results: Vec<ResultInput>,
}

/// One requirement's result.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResultInput {
    /// `nfra-2024-99:a17.1`.
    pub requirement_id: String,
    /// compliant, partial, non_compliant or not_applicable.
    pub result: String,
    #[serde(default)]
    pub note: String,
}

async fn assessment_in_reach(
    state: &Shared,
    p: &Principal,
    id: &str,
) -> Result<Assessment, Failure> {
    let a: Assessment = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no assessment {id}")))?;
    may_act(state, p, Action::RecordEvidence, a.app_id.as_deref()).await?;
    Ok(a)
}

pub async fn record(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    f: &ResultsInput,
) -> Result<(), Failure> {
    assessment_in_reach(state, p, id).await?;
    let mut entries = Vec::new();
    for r in &f.results {
        let result = parse_term::<ResultValue>("result", &r.result)?.ok_or_else(|| {
            Failure::Invalid(format!(
                "{}：请选择结论 / choose a result",
                r.requirement_id
            ))
        })?;
        entries.push(ResultEntry {
            requirement_id: r.requirement_id.trim().to_string(),
            result,
            note: opt(&r.note),
        });
    }
    let (_, today) = c::today()?;
    wa::record_results(&state.store, actor, id, &entries, today).await?;
    Ok(())
}

/// The results form: `result-<result id>`, `note-<result id>` and, for a
/// carried-forward one kept as it is, `confirm-<result id>`. Only what
/// changed (or was confirmed) is recorded.
async fn entries_from_form(
    state: &Shared,
    id: &str,
    form: &HashMap<String, String>,
) -> Result<Vec<ResultInput>, Failure> {
    let results = state
        .store
        .find::<AssessmentResult>("assessment_id", id)
        .await?;
    let mut out = Vec::new();
    for r in results {
        let Some(v) = form.get(&format!("result-{}", r.id)) else {
            continue;
        };
        let note = form
            .get(&format!("note-{}", r.id))
            .cloned()
            .unwrap_or_default();
        let confirmed = form.contains_key(&format!("confirm-{}", r.id));
        let changed = v.trim() != r.result.as_str()
            || opt(&note) != r.note.clone().filter(|n| !n.trim().is_empty());
        if v.trim() == ResultValue::NotAssessed.as_str() && !changed {
            continue;
        }
        if changed || (confirmed && r.carried_forward) {
            out.push(ResultInput {
                requirement_id: r.requirement_id.clone(),
                result: v.clone(),
                note,
            });
        }
    }
    Ok(out)
}

/// Completion (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CompleteInput {
    /// The conclusion in words.
    #[serde(default)]
    pub summary: String,
}

pub async fn complete(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    f: &CompleteInput,
) -> Result<Assessment, Failure> {
    assessment_in_reach(state, p, id).await?;
    let (_, today) = c::today()?;
    Ok(wa::complete_assessment(&state.store, actor, id, opt(&f.summary), today).await?)
}

async fn list_page(
    state: &Shared,
    viewer: &Viewer,
    params: &AssessmentParams,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let snap = Snapshot::load(state).await?;
    let reach = Reach::of(state, p, Action::View).await?;
    let record = Reach::of(state, p, Action::RecordEvidence).await?;
    let rows = assessment_summaries(&snap, &reach, lang, params);
    let this_year = snap.today.year().to_string();
    let mut years: Vec<String> = snap
        .data
        .assessments
        .iter()
        .map(|a| a.period.chars().take(4).collect())
        .chain(std::iter::once(this_year.clone()))
        .collect();
    years.sort();
    years.dedup();
    years.reverse();
    let selected = params.year.clone().unwrap_or_default();
    let html = render::page(
        state,
        viewer,
        "assessments.html",
        context! {
            rows => Value::from(Serde(rows)),
            years => years,
            year => selected,
            this_year => this_year,
            kinds => Value::from(Serde(vocab_choices::<AssessmentKind>(lang, Some(AssessmentKind::AnnualRiskAssessment)))),
            apps => Value::from(Serde(app_choices(&snap, &record))),
            institution => record.everywhere(),
            may_start => p.may_somewhere(Action::RecordEvidence),
            error => error,
        },
    )?;
    Ok(with_status(html))
}

/// `GET /assessments?year=`.
pub async fn assessments(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<AssessmentParams>,
) -> Result<Response, PageError> {
    list_page(&state, &viewer, &params, None).await
}

/// `POST /assessments`: start one, then to its page.
pub async fn assessment_start(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<StartInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = start(&state, p, &viewer.actor(), &f).await;
    let params = AssessmentParams::default();
    after_change(
        &viewer,
        r,
        |a| format!("/assessments/{}", a.id),
        async |m| list_page(&state, &viewer, &params, Some(m)).await,
    )
    .await
}

async fn detail_page(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let d = assessment_detail(state, p, viewer.lang, id).await?;
    let html = render::page(
        state,
        viewer,
        "assessment.html",
        context! {
            d => Value::from(Serde(d)),
            error => error,
        },
    )?;
    Ok(with_status(html))
}

/// `GET /assessments/{assessment}`.
pub async fn assessment(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    detail_page(&state, &viewer, &id, None).await
}

/// `POST /assessments/{assessment}/results`: the page's form.
pub async fn assessment_results(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = async {
        let results = entries_from_form(&state, &id, &form).await?;
        record(&state, p, &viewer.actor(), &id, &ResultsInput { results }).await
    }
    .await;
    after_change(
        &viewer,
        r,
        |_| format!("/assessments/{id}#results"),
        async |m| detail_page(&state, &viewer, &id, Some(m)).await,
    )
    .await
}

/// `POST /assessments/{assessment}/complete`.
pub async fn assessment_complete(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CompleteInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = complete(&state, p, &viewer.actor(), &id, &f).await;
    after_change(
        &viewer,
        r,
        |a| format!("/assessments/{}", a.id),
        async |m| detail_page(&state, &viewer, &id, Some(m)).await,
    )
    .await
}

// ------------------------------------------------------------- exceptions

/// An exception or risk acceptance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExceptionView {
    pub id: String,
    /// exception or risk_acceptance.
    pub kind: String,
    pub kind_label: String,
    pub app_id: Option<String>,
    pub app_name: String,
    pub requirement: RequirementRef,
    pub reason: String,
    pub compensating_controls: Option<String>,
    pub requested_by: String,
    /// Who approved or rejected it.
    pub approver: Option<String>,
    pub approved_on: Option<String>,
    pub expires_on: String,
    /// Stored state: requested, approved, rejected, revoked.
    pub state: String,
    /// Status today: the state, or `expired` for an approved one past its
    /// expiry (it then covers nothing).
    pub status: String,
    pub status_label: String,
    /// Days until it expires (negative: since).
    pub days_left: Option<i64>,
    /// May the viewer approve or reject it (someone else's request, in
    /// their approving scope).
    pub may_decide: bool,
    /// May the viewer revoke it (approved, in their approving scope).
    pub may_revoke: bool,
    /// The viewer asked for it: someone else decides.
    pub own: bool,
}

pub async fn exception_views(
    state: &Shared,
    snap: &Snapshot,
    p: &Principal,
    reach: &Reach,
    lang: Lang,
) -> Result<Vec<ExceptionView>, Failure> {
    let apps = snap.apps();
    let decide = Reach::of(state, p, Action::ApproveMove).await?;
    let may_decide_any = p.may_somewhere(Action::ApproveMove);
    let mut v: Vec<ExceptionView> = snap
        .data
        .exceptions
        .iter()
        .filter(|e| reach.about(&apps, e.app_id.as_deref()))
        .map(|e| {
            let expired = wa::expired(e, snap.today);
            let (status, status_label) = if expired {
                ("expired".to_string(), pick(lang, "已过期", "Expired"))
            } else {
                (e.state.as_str().to_string(), label(lang, e.state))
            };
            let in_scope = may_decide_any && decide.about(&apps, e.app_id.as_deref());
            let own = wa::same_person(&e.requested_by, &p.login);
            ExceptionView {
                id: e.id.clone(),
                kind: e.kind.as_str().into(),
                kind_label: label(lang, e.kind),
                app_id: e.app_id.clone(),
                app_name: snap.app_name(e.app_id.as_deref(), lang),
                requirement: requirement_ref(state, &e.requirement_id, lang),
                reason: e.reason.clone(),
                compensating_controls: e.compensating_controls.clone(),
                requested_by: e.requested_by.clone(),
                approver: e.approver.clone(),
                approved_on: e.approved_on.clone(),
                expires_on: e.expires_on.clone(),
                state: e.state.as_str().into(),
                status,
                status_label,
                days_left: appgov_calendar::parse_date(&e.expires_on)
                    .map(|x| (x - snap.today).whole_days()),
                may_decide: in_scope && !own && e.state == ExceptionState::Requested,
                may_revoke: in_scope && e.state == ExceptionState::Approved && !expired,
                own,
            }
        })
        .collect();
    // Waiting for a decision first, then by expiry.
    v.sort_by(|a, b| {
        (a.state != "requested", a.expires_on.clone(), a.id.clone()).cmp(&(
            b.state != "requested",
            b.expires_on.clone(),
            b.id.clone(),
        ))
    });
    Ok(v)
}

/// A request for an exception or risk acceptance (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExceptionInput {
    /// The app's id; empty for an institution-wide requirement.
    #[serde(default)]
    pub app: String,
    /// `nfra-2024-99:a12.2`.
    pub requirement_id: String,
    /// risk_acceptance (default) or exception.
    #[serde(default)]
    pub kind: String,
    pub reason: String,
    /// What limits the risk meanwhile.
    #[serde(default)]
    pub compensating_controls: String,
    /// YYYY-MM-DD, after today, at most three years ahead.
    pub expires_on: String,
}

pub async fn request_exception(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &ExceptionInput,
) -> Result<RiskException, Failure> {
    let app = may_act(state, p, Action::RequestMove, opt(&f.app).as_deref()).await?;
    let kind =
        parse_term::<ExceptionKind>("kind", &f.kind)?.unwrap_or(ExceptionKind::RiskAcceptance);
    let e = RiskException {
        id: String::new(),
        kind,
        app_id: app.map(|a| a.id),
        requirement_id: f.requirement_id.trim().to_string(),
        reason: f.reason.trim().to_string(),
        compensating_controls: opt(&f.compensating_controls),
        requested_by: actor.to_string(),
        approver: None,
        approved_on: None,
        expires_on: date("expires_on", &f.expires_on)?,
        state: ExceptionState::Requested,
        version: 0,
    };
    let (_, today) = c::today()?;
    Ok(wa::request_exception(&state.store, &state.engine, actor, e, today).await?)
}

/// A decision on an exception (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// approve, reject (someone else's request) or revoke (an approved one).
    pub decision: String,
}

pub async fn decide_exception(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    f: &DecisionInput,
) -> Result<RiskException, Failure> {
    let decision = Decision::parse(&f.decision).ok_or_else(|| {
        Failure::Invalid(format!(
            "decision: approve、reject 或 revoke / one of approve, reject, revoke, got {:?}",
            f.decision
        ))
    })?;
    let e: RiskException = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no exception {id}")))?;
    may_act(state, p, Action::ApproveMove, e.app_id.as_deref()).await?;
    let (_, today) = c::today()?;
    Ok(wa::decide_exception(&state.store, actor, id, decision, today).await?)
}

/// Requirements one may ask an exception for, with their scope, for the
/// form's select.
#[derive(Debug, Clone, Serialize)]
struct RequirementChoice {
    value: String,
    label: String,
    institution: bool,
}

async fn exceptions_page(
    state: &Shared,
    viewer: &Viewer,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let snap = Snapshot::load(state).await?;
    let reach = Reach::of(state, p, Action::View).await?;
    let request = Reach::of(state, p, Action::RequestMove).await?;
    let rows = exception_views(state, &snap, p, &reach, lang).await?;
    let requirements: Vec<RequirementChoice> = state
        .engine
        .library
        .live_requirements()
        .map(|r| RequirementChoice {
            value: r.id.clone(),
            label: format!("{} {}", r.short(), r.title(lang.code())),
            institution: r.scope == Scope::Institution,
        })
        .collect();
    let (today, today_date) = (snap.today_text.clone(), snap.today);
    let html = render::page(
        state,
        viewer,
        "exceptions.html",
        context! {
            rows => Value::from(Serde(rows)),
            requirements => Value::from(Serde(requirements)),
            kinds => Value::from(Serde(vocab_choices::<ExceptionKind>(lang, Some(ExceptionKind::RiskAcceptance)))),
            apps => Value::from(Serde(app_choices(&snap, &request))),
            institution => request.everywhere(),
            may_request => p.may_somewhere(Action::RequestMove),
            today => today,
            default_expiry => appgov_calendar::format_date(today_date + time::Duration::days(90)),
            error => error,
        },
    )?;
    Ok(with_status(html))
}

/// `GET /exceptions`.
pub async fn exceptions(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    exceptions_page(&state, &viewer, None).await
}

/// `POST /exceptions`.
pub async fn exception_request(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<ExceptionInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = request_exception(&state, p, &viewer.actor(), &f).await;
    after_change(
        &viewer,
        r,
        |e| format!("/exceptions#exception-{}", e.id),
        async |m| exceptions_page(&state, &viewer, Some(m)).await,
    )
    .await
}

/// `POST /exceptions/{exception}/decide`.
pub async fn exception_decide(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<DecisionInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = decide_exception(&state, p, &viewer.actor(), &id, &f).await;
    after_change(
        &viewer,
        r,
        |e| format!("/exceptions#exception-{}", e.id),
        async |m| exceptions_page(&state, &viewer, Some(m)).await,
    )
    .await
}

// ----------------------------------------------------------------- drills

/// An emergency drill.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DrillView {
    pub id: String,
    pub app_id: Option<String>,
    pub app_name: String,
    pub scenario: String,
    pub planned_on: String,
    pub held_on: Option<String>,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    /// planned, held, cancelled.
    pub state: String,
    pub state_label: String,
    /// The app's open drill obligation, where the drill record closes it.
    pub open_obligation: Option<c::ObligationView>,
}

pub fn drill_views(state: &Shared, snap: &Snapshot, reach: &Reach, lang: Lang) -> Vec<DrillView> {
    let apps = snap.apps();
    let mut v: Vec<DrillView> = snap
        .data
        .drills
        .iter()
        .filter(|d| reach.about(&apps, d.app_id.as_deref()))
        .map(|d| DrillView {
            id: d.id.clone(),
            app_id: d.app_id.clone(),
            app_name: snap.app_name(d.app_id.as_deref(), lang),
            scenario: d.scenario.clone(),
            planned_on: d.planned_on.clone(),
            held_on: d.held_on.clone(),
            participants: d.participants.clone(),
            outcome: d.outcome.clone(),
            state: d.state.as_str().into(),
            state_label: label(lang, d.state),
            open_obligation: snap
                .data
                .obligations
                .iter()
                .find(|o| {
                    o.state == ObligationState::Open
                        && o.app_id == d.app_id
                        && o.template.ends_with("/drill")
                })
                .map(|o| c::obligation_view(state, snap, lang, o)),
        })
        .collect();
    v.sort_by(|a, b| {
        let at = |d: &DrillView| d.held_on.clone().unwrap_or_else(|| d.planned_on.clone());
        at(b).cmp(&at(a)).then(b.id.cmp(&a.id))
    });
    v
}

/// A drill (form or JSON): planned, or held when `held_on` is given.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DrillInput {
    /// The app's id; empty for an institution-wide drill.
    #[serde(default)]
    pub app: String,
    pub scenario: String,
    /// YYYY-MM-DD.
    pub planned_on: String,
    /// YYYY-MM-DD, not after today; empty while only planned.
    #[serde(default)]
    pub held_on: String,
    /// Who took part (departments, people, the outsourcer).
    #[serde(default)]
    pub participants: String,
    /// How it went (needed once held).
    #[serde(default)]
    pub outcome: String,
}

pub async fn create_drill(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &DrillInput,
) -> Result<Drill, Failure> {
    let app = may_act(state, p, Action::EditApp, opt(&f.app).as_deref()).await?;
    let d = Drill {
        id: String::new(),
        app_id: app.map(|a| a.id),
        scenario: f.scenario.trim().to_string(),
        planned_on: date("planned_on", &f.planned_on)?,
        held_on: opt_date("held_on", &f.held_on)?,
        participants: opt(&f.participants),
        outcome: opt(&f.outcome),
        state: DrillState::Planned,
        version: 0,
    };
    let (_, today) = c::today()?;
    Ok(wa::record_drill(&state.store, actor, d, today).await?)
}

/// A planned drill, held (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct HeldInput {
    /// YYYY-MM-DD, not after today; today when empty.
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub participants: String,
    pub outcome: String,
}

pub async fn drill_held(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    f: &HeldInput,
) -> Result<Drill, Failure> {
    let d: Drill = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no drill {id}")))?;
    may_act(state, p, Action::EditApp, d.app_id.as_deref()).await?;
    let (today_text, today) = c::today()?;
    let held_on = opt_date("held_on", &f.held_on)?.unwrap_or(today_text);
    Ok(wa::drill_held(
        &state.store,
        actor,
        id,
        held_on,
        opt(&f.participants),
        opt(&f.outcome),
        today,
    )
    .await?)
}

async fn drills_page(
    state: &Shared,
    viewer: &Viewer,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let snap = Snapshot::load(state).await?;
    let reach = Reach::of(state, p, Action::View).await?;
    let edit = Reach::of(state, p, Action::EditApp).await?;
    let html = render::page(
        state,
        viewer,
        "drills.html",
        context! {
            rows => Value::from(Serde(drill_views(state, &snap, &reach, lang))),
            apps => Value::from(Serde(app_choices(&snap, &edit))),
            institution => edit.everywhere(),
            may_edit => p.may_somewhere(Action::EditApp),
            today => snap.today_text.clone(),
            error => error,
        },
    )?;
    Ok(with_status(html))
}

/// `GET /drills`.
pub async fn drills(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    drills_page(&state, &viewer, None).await
}

/// `POST /drills`.
pub async fn drill_create(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<DrillInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = create_drill(&state, p, &viewer.actor(), &f).await;
    after_change(
        &viewer,
        r,
        |d| format!("/drills#drill-{}", d.id),
        async |m| drills_page(&state, &viewer, Some(m)).await,
    )
    .await
}

/// `POST /drills/{drill}/held`.
pub async fn drill_held_page(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<HeldInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = drill_held(&state, p, &viewer.actor(), &id, &f).await;
    after_change(
        &viewer,
        r,
        |d| format!("/drills#drill-{}", d.id),
        async |m| drills_page(&state, &viewer, Some(m)).await,
    )
    .await
}
