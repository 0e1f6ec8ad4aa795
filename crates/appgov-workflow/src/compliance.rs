//! The compliance operations (issue 6): load what the engine judges, keep
//! the obligations planned, record registers (incidents, complaints,
//! counterfeit cases, OS releases) with the obligations they open, submit
//! evidence (closing an obligation when it is for one), run assessments
//! with last year's results as the baseline, and exceptions.
//!
//! Every change and the obligations it implies are written in one
//! transaction, so an incident is never on record without its clocks.

use std::collections::BTreeMap;

use appgov_calendar::{Date, HolidayCalendar, format_date, parse_date};
use appgov_compliance::{
    ComplianceData, ComplianceEvent, Library, complete, on_event, plan_recurring,
};
use appgov_ledger::*;
use appgov_store::{Store, Tx};

use crate::{Result, WorkflowError, now_rfc3339};

/// Everything the compliance engine reads, from the store. Releases: the
/// newest of each app (by id, which sorts by creation) with its findings.
pub async fn load(store: &Store) -> Result<ComplianceData> {
    let releases: Vec<Release> = store.all().await.map_err(WorkflowError::Store)?;
    let mut newest: BTreeMap<String, Release> = BTreeMap::new();
    for r in releases {
        match newest.get(&r.app_id) {
            Some(old) if old.id >= r.id => {}
            _ => {
                newest.insert(r.app_id.clone(), r);
            }
        }
    }
    let release_ids: Vec<String> = newest.values().map(|r| r.id.clone()).collect();
    let findings = store
        .find_in::<ReleaseFinding>("release_id", &release_ids)
        .await
        .map_err(WorkflowError::Store)?;
    macro_rules! all {
        ($($t:ty),*) => { ($(store.all::<$t>().await.map_err(WorkflowError::Store)?),*) };
    }
    let (
        orgs,
        people,
        apps,
        identities,
        accounts,
        listings,
        filings,
        agreements,
        access_grants,
        transitions,
    ) = all!(
        OrgNode,
        Person,
        App,
        AppIdentity,
        PublishingAccount,
        Listing,
        Filing,
        Agreement,
        AccessGrant,
        Transition
    );
    let (obligations, evidence, revisions, requests, assessments, results, exceptions) = all!(
        Obligation,
        Evidence,
        EvidenceRevision,
        EvidenceRequest,
        Assessment,
        AssessmentResult,
        RiskException
    );
    let (incidents, drills, complaints, counterfeits, os_releases) =
        all!(Incident, Drill, Complaint, CounterfeitCase, OsRelease);
    Ok(ComplianceData {
        orgs,
        people,
        apps,
        identities,
        accounts,
        listings,
        filings,
        agreements,
        access_grants,
        transitions,
        releases: newest.into_values().collect(),
        findings,
        obligations,
        evidence,
        revisions,
        requests,
        assessments,
        results,
        exceptions,
        incidents,
        drills,
        complaints,
        counterfeits,
        os_releases,
    })
}

/// The compliance engine's fixed inputs: the library and the holiday
/// calendar, parsed once per process.
pub struct Engine {
    pub library: Library,
    pub calendar: HolidayCalendar,
}

impl Engine {
    pub fn builtin() -> Result<Engine> {
        Ok(Engine {
            library: Library::builtin().map_err(|e| WorkflowError::Invalid(e.to_string()))?,
            calendar: HolidayCalendar::builtin()
                .map_err(|e| WorkflowError::Invalid(e.to_string()))?,
        })
    }
}

/// What [`refresh`] changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Refreshed {
    pub created: usize,
    pub cancelled: usize,
}

/// Brings the recurring obligations up to date with the ledger: one open
/// instance per duty and app in use; duties of apps that left service
/// cancelled.
pub async fn refresh(
    store: &Store,
    engine: &Engine,
    actor: &str,
    today: Date,
) -> Result<Refreshed> {
    let data = load(store).await?;
    let plan = plan_recurring(&engine.library, &data, today);
    if plan.create.is_empty() && plan.cancel.is_empty() {
        return Ok(Refreshed::default());
    }
    let mut tx = store.write(actor).await?;
    let out = Refreshed {
        created: plan.create.len(),
        cancelled: plan.cancel.len(),
    };
    for mut o in plan.create {
        tx.insert(&mut o).await?;
    }
    for id in plan.cancel {
        if let Some(mut o) = tx.get::<Obligation>(&id).await? {
            o.state = ObligationState::Cancelled;
            o.note = Some(
                "应用不再在用或不再适用 / app no longer in use or no longer held to it".into(),
            );
            tx.update(&mut o).await?;
        }
    }
    tx.commit().await?;
    Ok(out)
}

async fn open_for_event(
    tx: &mut Tx,
    engine: &Engine,
    data: &ComplianceData,
    event: ComplianceEvent<'_>,
    today: Date,
) -> Result<Vec<Obligation>> {
    let mut opened = on_event(&engine.library, data, &engine.calendar, event, today);
    for o in &mut opened {
        tx.insert(o).await?;
    }
    Ok(opened)
}

/// Records an incident; a major one opens the regulator report and the
/// special audit in the same transaction.
pub async fn record_incident(
    store: &Store,
    engine: &Engine,
    actor: &str,
    mut incident: Incident,
    today: Date,
) -> Result<(Incident, Vec<Obligation>)> {
    let data = load(store).await?;
    let mut tx = store.write(actor).await?;
    tx.insert(&mut incident).await?;
    let opened = if incident.severity.is_major() {
        open_for_event(
            &mut tx,
            engine,
            &data,
            ComplianceEvent::MajorIncident(&incident),
            today,
        )
        .await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    Ok((incident, opened))
}

/// Records a major OS release; every app in use on that platform owes a
/// compatibility test.
pub async fn record_os_release(
    store: &Store,
    engine: &Engine,
    actor: &str,
    mut os: OsRelease,
    today: Date,
) -> Result<(OsRelease, Vec<Obligation>)> {
    let data = load(store).await?;
    let mut tx = store.write(actor).await?;
    tx.insert(&mut os).await?;
    let opened = open_for_event(
        &mut tx,
        engine,
        &data,
        ComplianceEvent::OsRelease(&os),
        today,
    )
    .await?;
    tx.commit().await?;
    Ok((os, opened))
}

/// Opens the filing update a release's change of filed facts requires.
#[allow(clippy::too_many_arguments)]
pub async fn record_filing_change(
    store: &Store,
    engine: &Engine,
    actor: &str,
    app_id: &str,
    release_id: &str,
    what_zh: &str,
    what_en: &str,
    today: Date,
) -> Result<Vec<Obligation>> {
    let data = load(store).await?;
    let mut tx = store.write(actor).await?;
    let opened = open_for_event(
        &mut tx,
        engine,
        &data,
        ComplianceEvent::FilingChange {
            app_id,
            release_id,
            on: today,
            what_zh,
            what_en,
        },
        today,
    )
    .await?;
    tx.commit().await?;
    Ok(opened)
}

/// Records a complaint or PI request with its due date: 15 working days
/// after receipt by the State Council's holiday calendar.
pub async fn record_complaint(
    store: &Store,
    engine: &Engine,
    actor: &str,
    mut c: Complaint,
) -> Result<Complaint> {
    let received = parse_date(&c.received_on).ok_or_else(|| {
        WorkflowError::Invalid(format!("received_on {:?} is not a date", c.received_on))
    })?;
    let due = engine.calendar.add_working_days(received, 15);
    c.due_on = format_date(due.date);
    c.due_exact = due.exact;
    let mut tx = store.write(actor).await?;
    tx.insert(&mut c).await?;
    tx.commit().await?;
    Ok(c)
}

/// Records a counterfeit case or moves it along its path (dates filled for
/// the steps reached). Confirming it opens the clarification and the
/// regulator report.
pub async fn save_counterfeit(
    store: &Store,
    engine: &Engine,
    actor: &str,
    mut case: CounterfeitCase,
    today: Date,
) -> Result<(CounterfeitCase, Vec<Obligation>)> {
    let data = load(store).await?;
    let before = if case.id.is_empty() {
        None
    } else {
        Some(
            store
                .get::<CounterfeitCase>(&case.id)
                .await?
                .ok_or_else(|| {
                    WorkflowError::NotFound(format!("no counterfeit case {}", case.id))
                })?,
        )
    };
    let t = format_date(today);
    let step = case.state.step();
    if case.state != CounterfeitState::Dismissed {
        let fill = |v: &mut Option<String>, s: CounterfeitState| {
            if step >= s.step() && v.is_none() {
                *v = Some(t.clone());
            }
        };
        fill(&mut case.confirmed_on, CounterfeitState::Confirmed);
        fill(&mut case.clarified_on, CounterfeitState::Clarified);
        fill(&mut case.reported_on, CounterfeitState::Reported);
        fill(&mut case.taken_down_on, CounterfeitState::TakenDown);
        fill(&mut case.closed_on, CounterfeitState::Closed);
    }
    let mut tx = store.write(actor).await?;
    match &before {
        None => tx.insert(&mut case).await?,
        Some(_) => {
            tx.update(&mut case).await?;
        }
    }
    let was_confirmed = before
        .as_ref()
        .is_some_and(|b| b.state != CounterfeitState::Dismissed && b.state.step() >= 1);
    let opened = if case.state != CounterfeitState::Dismissed && step >= 1 && !was_confirmed {
        open_for_event(
            &mut tx,
            engine,
            &data,
            ComplianceEvent::CounterfeitConfirmed(&case),
            today,
        )
        .await?
    } else {
        Vec::new()
    };
    // Steps recorded on the case close the matching obligations.
    for o in data.obligations.iter().filter(|o| {
        o.state == ObligationState::Open
            && o.triggered_by == format!("counterfeit_case:{}", case.id)
    }) {
        let done_on = if o.template.ends_with("/counterfeit-clarification") {
            case.clarified_on.as_deref()
        } else if o.template.ends_with("/counterfeit-report") {
            case.reported_on.as_deref()
        } else {
            None
        };
        if let Some(d) = done_on.and_then(parse_date) {
            let mut o = o.clone();
            complete(&mut o, d, actor, &[]);
            tx.update(&mut o).await?;
        }
    }
    tx.commit().await?;
    Ok((case, opened))
}

/// A new piece of evidence or a new revision of one.
pub struct EvidenceSubmission<'a> {
    /// Add a revision to this evidence instead of creating one.
    pub evidence_id: Option<String>,
    pub title: String,
    pub kind: EvidenceKind,
    pub app_ids: Vec<String>,
    pub requirement_ids: Vec<String>,
    pub org_id: Option<String>,
    pub file_name: String,
    pub bytes: &'a [u8],
    pub effective_on: String,
    pub expires_on: Option<String>,
    pub fields: BTreeMap<String, String>,
    pub note: Option<String>,
    /// The obligation it closes, if any.
    pub obligation_id: Option<String>,
    /// The evidence request it fulfils, if any.
    pub request_id: Option<String>,
}

/// What a submission did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Submitted {
    pub evidence: Evidence,
    pub revision: EvidenceRevision,
    pub closed: Option<Obligation>,
    /// The next instance of a recurring duty the closing opened.
    pub next: Vec<Obligation>,
}

/// Stores the file, records the evidence (or its next revision) and, when
/// it is for an obligation, closes the obligation as done on the evidence's
/// effective date and plans the next instance — one transaction.
pub async fn submit_evidence(
    store: &Store,
    engine: &Engine,
    actor: &str,
    sub: EvidenceSubmission<'_>,
    today: Date,
) -> Result<Submitted> {
    if sub.bytes.is_empty() {
        return Err(WorkflowError::Invalid(
            "the file is empty: evidence must be a document".into(),
        ));
    }
    let effective = parse_date(&sub.effective_on).ok_or_else(|| {
        WorkflowError::Invalid(format!(
            "effective date {:?} is not a date",
            sub.effective_on
        ))
    })?;
    if effective > today {
        return Err(WorkflowError::Invalid(format!(
            "effective date {} is in the future: evidence speaks for what has happened",
            sub.effective_on
        )));
    }
    let obligation = match &sub.obligation_id {
        Some(id) => {
            let o = store
                .get::<Obligation>(id)
                .await?
                .ok_or_else(|| WorkflowError::NotFound(format!("no obligation {id}")))?;
            if o.state != ObligationState::Open {
                return Err(WorkflowError::Invalid(format!(
                    "obligation {id} is {} already",
                    o.state.as_str()
                )));
            }
            let t = engine.library.template_q(&o.template);
            if let Some(t) = t
                && !t.evidence_kinds.contains(&sub.kind)
            {
                return Err(WorkflowError::Invalid(format!(
                    "{} is closed by {} evidence, not {}",
                    t.title_en,
                    t.evidence.join(" or "),
                    sub.kind.as_str()
                )));
            }
            Some(o)
        }
        None => None,
    };
    let digest = store.files().put(sub.bytes)?;
    let now = now_rfc3339();
    let mut tx = store.write(actor).await?;
    let mut evidence = match &sub.evidence_id {
        Some(id) => {
            let mut e = tx
                .get::<Evidence>(id)
                .await?
                .ok_or_else(|| WorkflowError::NotFound(format!("no evidence {id}")))?;
            e.current_revision += 1;
            tx.update(&mut e).await?;
            e
        }
        None => {
            let mut app_ids = sub.app_ids.clone();
            let mut requirement_ids = sub.requirement_ids.clone();
            if let Some(o) = &obligation {
                if let Some(a) = &o.app_id
                    && !app_ids.contains(a)
                {
                    app_ids.push(a.clone());
                }
                for r in &o.requirement_ids {
                    if !requirement_ids.contains(r) {
                        requirement_ids.push(r.clone());
                    }
                }
            }
            let mut e = Evidence {
                id: String::new(),
                title: sub.title.clone(),
                kind: sub.kind,
                app_ids,
                requirement_ids,
                org_id: sub
                    .org_id
                    .clone()
                    .or_else(|| obligation.as_ref().and_then(|o| o.org_id.clone())),
                current_revision: 1,
                created_by: actor.to_string(),
                created_at: now.clone(),
                version: 0,
            };
            tx.insert(&mut e).await?;
            e
        }
    };
    let mut revision = EvidenceRevision {
        id: String::new(),
        evidence_id: evidence.id.clone(),
        revision: evidence.current_revision,
        document_sha256: digest,
        file_name: sub.file_name.clone(),
        size: sub.bytes.len() as i64,
        uploaded_by: actor.to_string(),
        uploaded_at: now,
        effective_on: sub.effective_on.clone(),
        expires_on: sub.expires_on.clone(),
        fields: sub.fields.clone(),
        note: sub.note.clone(),
        version: 0,
    };
    tx.insert(&mut revision).await?;
    let mut closed = None;
    let mut next = Vec::new();
    if let Some(mut o) = obligation {
        complete(&mut o, effective, actor, std::slice::from_ref(&evidence.id));
        tx.update(&mut o).await?;
        closed = Some(o);
    }
    if let Some(rid) = &sub.request_id {
        let mut r = tx
            .get::<EvidenceRequest>(rid)
            .await?
            .ok_or_else(|| WorkflowError::NotFound(format!("no evidence request {rid}")))?;
        r.state = RequestState::Fulfilled;
        r.evidence_id = Some(evidence.id.clone());
        tx.update(&mut r).await?;
    }
    tx.commit().await?;
    if let Some(closed_ref) = &closed {
        // The next instance of a recurring duty, planned from the new state.
        let data = load(store).await?;
        let plan = plan_recurring(&engine.library, &data, today);
        let mut tx = store.write(actor).await?;
        for mut o in plan
            .create
            .into_iter()
            .filter(|o| o.template == closed_ref.template && o.app_id == closed_ref.app_id)
        {
            tx.insert(&mut o).await?;
            next.push(o);
        }
        tx.commit().await?;
    }
    evidence = store
        .get::<Evidence>(&evidence.id)
        .await?
        .unwrap_or(evidence);
    Ok(Submitted {
        evidence,
        revision,
        closed,
        next,
    })
}

/// Starts an assessment; results of the newest completed one of the same
/// kind for the same app are copied as the baseline (marked carried
/// forward until re-assessed), and every other applicable requirement
/// starts "not assessed".
pub async fn start_assessment(
    store: &Store,
    engine: &Engine,
    actor: &str,
    mut a: Assessment,
) -> Result<(Assessment, Vec<AssessmentResult>)> {
    let previous: Vec<Assessment> = store
        .all::<Assessment>()
        .await?
        .into_iter()
        .filter(|p| {
            p.kind == a.kind && p.app_id == a.app_id && p.state == AssessmentState::Completed
        })
        .collect();
    let baseline = previous
        .iter()
        .max_by(|x, y| x.completed_on.cmp(&y.completed_on));
    let base_results: Vec<AssessmentResult> = match baseline {
        Some(b) => {
            store
                .find::<AssessmentResult>("assessment_id", &b.id)
                .await?
        }
        None => Vec::new(),
    };
    let app = match &a.app_id {
        Some(id) => Some(
            store
                .get::<App>(id)
                .await?
                .ok_or_else(|| WorkflowError::NotFound(format!("no app {id}")))?,
        ),
        None => None,
    };
    a.baseline_id = baseline.map(|b| b.id.clone());
    let existing = store.all::<Assessment>().await?;
    if let Some(d) = crate::assessments::duplicate_of(&existing, &a) {
        return Err(WorkflowError::Invalid(format!(
            "{} 已有评估“{}”（{}） / there is already an assessment of the period: {} ({})",
            a.period,
            d.title,
            d.state.label_zh(),
            d.title,
            d.state.as_str()
        )));
    }
    let mut tx = store.write(actor).await?;
    tx.insert(&mut a).await?;
    let mut results = Vec::new();
    for r in engine.library.live_requirements() {
        let applies = match &app {
            Some(app) => r.scope == appgov_compliance::Scope::App && r.applies_to.applies(app),
            None => r.scope == appgov_compliance::Scope::Institution,
        };
        if !applies {
            continue;
        }
        let prior = base_results.iter().find(|x| x.requirement_id == r.id);
        let mut res = AssessmentResult {
            id: String::new(),
            assessment_id: a.id.clone(),
            requirement_id: r.id.clone(),
            result: prior.map_or(ResultValue::NotAssessed, |p| p.result),
            carried_forward: prior.is_some(),
            note: prior.and_then(|p| p.note.clone()),
            evidence_ids: prior.map(|p| p.evidence_ids.clone()).unwrap_or_default(),
            assessed_by: None,
            assessed_on: None,
            version: 0,
        };
        tx.insert(&mut res).await?;
        results.push(res);
    }
    tx.commit().await?;
    Ok((a, results))
}

/// Records one requirement's result in an assessment.
pub async fn record_result(
    store: &Store,
    actor: &str,
    result_id: &str,
    value: ResultValue,
    note: Option<String>,
    today: Date,
) -> Result<AssessmentResult> {
    let mut tx = store.write(actor).await?;
    let mut r = tx
        .get::<AssessmentResult>(result_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no assessment result {result_id}")))?;
    let a = tx
        .get::<Assessment>(&r.assessment_id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no assessment {}", r.assessment_id)))?;
    if matches!(
        a.state,
        AssessmentState::Completed | AssessmentState::Cancelled
    ) {
        return Err(WorkflowError::Invalid(format!(
            "assessment {} is {} already: its results no longer change",
            a.id,
            a.state.as_str()
        )));
    }
    r.result = value;
    r.note = note;
    r.carried_forward = false;
    r.assessed_by = Some(actor.to_string());
    r.assessed_on = Some(format_date(today));
    tx.update(&mut r).await?;
    tx.commit().await?;
    Ok(r)
}

/// Approves an exception or risk acceptance; the approver must not be
/// who asked for it (see [`crate::assessments::decide_exception`]).
pub async fn approve_exception(
    store: &Store,
    actor: &str,
    id: &str,
    today: Date,
) -> Result<RiskException> {
    crate::assessments::decide_exception(
        store,
        actor,
        id,
        crate::assessments::Decision::Approve,
        today,
    )
    .await
}
