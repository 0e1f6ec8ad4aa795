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
use appgov_compliance::evidence_forms::describe;
use appgov_compliance::{
    ComplianceData, ComplianceEvent, EvidenceForms, Library, complete, on_event, plan_recurring,
};
use appgov_ledger::*;
use appgov_store::{Store, Tx};

use crate::{Result, WorkflowError, now_rfc3339};

/// Everything the compliance engine reads, from the store. Releases: the
/// newest of each app (by id, which sorts by creation) with its findings.
pub async fn load(store: &Store) -> Result<ComplianceData> {
    let newest: Vec<Release> = store
        .newest_per("app_id")
        .await
        .map_err(WorkflowError::Store)?;
    let release_ids: Vec<String> = newest.iter().map(|r| r.id.clone()).collect();
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
        releases: newest,
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

/// The compliance engine's fixed inputs: the libraries, the holiday
/// calendar and the typed evidence forms, parsed once per process.
pub struct Engine {
    /// The notice: obligations, gates and the default matrix come from it.
    pub library: Library,
    /// Every built-in library, the notice first, then the standards mapped
    /// onto it (GB/T 41391-2022).
    pub libraries: Vec<Library>,
    pub calendar: HolidayCalendar,
    pub forms: EvidenceForms,
}

impl Engine {
    pub fn builtin() -> Result<Engine> {
        let libraries = appgov_compliance::builtin_libraries()
            .map_err(|e| WorkflowError::Invalid(e.to_string()))?;
        Ok(Engine {
            library: libraries[0].clone(),
            libraries,
            calendar: HolidayCalendar::builtin()
                .map_err(|e| WorkflowError::Invalid(e.to_string()))?,
            forms: EvidenceForms::builtin().map_err(|e| WorkflowError::Invalid(e.to_string()))?,
        })
    }

    /// A library by its id (`nfra-2024-99`, `gbt-41391-2022`).
    pub fn library_by_id(&self, id: &str) -> Option<&Library> {
        self.libraries.iter().find(|l| l.library.id == id)
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
    // A request being fulfilled must be open and ask for this kind; it
    // names the obligation (if any) the evidence then closes.
    let request = match &sub.request_id {
        Some(rid) => {
            let r = store
                .get::<EvidenceRequest>(rid)
                .await?
                .ok_or_else(|| WorkflowError::NotFound(format!("no evidence request {rid}")))?;
            if r.state != RequestState::Open {
                return Err(WorkflowError::Invalid(format!(
                    "证据请求{} / evidence request {rid} is {} already",
                    r.state.label_zh(),
                    r.state.as_str()
                )));
            }
            if r.kind != sub.kind {
                return Err(WorkflowError::Invalid(format!(
                    "该请求要求提供「{}」，不是「{}」 / the request asks for {}, not {}",
                    r.kind.label_zh(),
                    sub.kind.label_zh(),
                    r.kind.as_str(),
                    sub.kind.as_str()
                )));
            }
            Some(r)
        }
        None => None,
    };
    // A request's obligation closed meanwhile by other evidence: the
    // request is still answered, without it.
    let obligation_id = match (
        &sub.obligation_id,
        request.as_ref().and_then(|r| r.obligation_id.clone()),
    ) {
        (Some(id), _) => Some(id.clone()),
        (None, Some(id)) => store
            .get::<Obligation>(&id)
            .await?
            .filter(|o| o.state == ObligationState::Open)
            .map(|o| o.id),
        (None, None) => None,
    };
    let obligation = match &obligation_id {
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
    // The typed form's fields: every problem at once, in both languages.
    let fields = engine
        .forms
        .check(sub.kind, &sub.fields, today)
        .map_err(|p| WorkflowError::Invalid(describe(&p, None)))?;
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
            if let Some(r) = &request {
                if let Some(a) = &r.app_id
                    && !app_ids.contains(a)
                {
                    app_ids.push(a.clone());
                }
                if let Some(q) = &r.requirement_id
                    && !requirement_ids.contains(q)
                {
                    requirement_ids.push(q.clone());
                }
            }
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
        fields,
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
    if let Some(mut r) = request {
        r.state = RequestState::Fulfilled;
        r.evidence_id = Some(evidence.id.clone());
        tx.update(&mut r).await?;
    }
    // Other open requests for the obligation just closed are answered too.
    if let Some(o) = &closed {
        let others: Vec<EvidenceRequest> = tx.find("obligation_id", &o.id).await?;
        for mut r in others.into_iter().filter(|r| r.state == RequestState::Open) {
            r.state = RequestState::Fulfilled;
            r.evidence_id = Some(evidence.id.clone());
            tx.update(&mut r).await?;
        }
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

/// A new request for evidence.
#[derive(Debug, Clone, Default)]
pub struct NewEvidenceRequest {
    /// The kind asked for; from an obligation, its template's kind when
    /// not given.
    pub kind: Option<EvidenceKind>,
    pub app_id: Option<String>,
    pub requirement_id: Option<String>,
    pub obligation_id: Option<String>,
    pub assignee_person_id: Option<String>,
    pub due_on: String,
    pub message: String,
}

/// Asks someone for a piece of evidence by a date. From an obligation, the
/// request is for its app and requirements and the kind that closes it;
/// from a requirement, the kind must be one that proves it (when the
/// library names any). The due date may not be before today.
pub async fn request_evidence(
    store: &Store,
    engine: &Engine,
    actor: &str,
    new: NewEvidenceRequest,
    today: Date,
) -> Result<EvidenceRequest> {
    let invalid = |zh: String, en: String| WorkflowError::Invalid(format!("{zh} / {en}"));
    let due = parse_date(new.due_on.trim()).ok_or_else(|| {
        invalid(
            format!("截止日期不是有效日期（YYYY-MM-DD）：{}", new.due_on),
            format!("due date {:?} is not a date YYYY-MM-DD", new.due_on),
        )
    })?;
    if due < today {
        return Err(invalid(
            format!("截止日期 {} 早于今天", new.due_on),
            format!("due date {} is before today", new.due_on),
        ));
    }
    if new.message.chars().count() > 2000 {
        return Err(invalid(
            "说明超过 2000 字".into(),
            "the message is longer than 2000 characters".into(),
        ));
    }
    let mut app_id = new.app_id.clone().filter(|a| !a.is_empty());
    let mut requirement_id = new.requirement_id.clone().filter(|r| !r.is_empty());
    let mut kind = new.kind;
    let obligation_id = new.obligation_id.clone().filter(|o| !o.is_empty());
    if let Some(oid) = &obligation_id {
        let o = store
            .get::<Obligation>(oid)
            .await?
            .ok_or_else(|| WorkflowError::NotFound(format!("no obligation {oid}")))?;
        if o.state != ObligationState::Open {
            return Err(invalid(
                format!("该义务{}，无需再请求证据", o.state.label_zh()),
                format!("obligation {oid} is {} already", o.state.as_str()),
            ));
        }
        let kinds = engine
            .library
            .template_q(&o.template)
            .map(|t| t.evidence_kinds.clone())
            .unwrap_or_default();
        match kind {
            None => kind = kinds.first().copied(),
            Some(k) if !kinds.is_empty() && !kinds.contains(&k) => {
                return Err(invalid(
                    format!("该义务需要「{}」类证据", kinds[0].label_zh()),
                    format!("the obligation is closed by {} evidence", kinds[0].as_str()),
                ));
            }
            Some(_) => {}
        }
        app_id = o.app_id.clone().or(app_id);
        if requirement_id.is_none() {
            requirement_id = o.requirement_ids.first().cloned();
        }
    }
    if let Some(rid) = &requirement_id {
        let r = engine.library.requirement(rid).ok_or_else(|| {
            WorkflowError::NotFound(format!("no requirement {rid} in the library"))
        })?;
        if let (Some(k), false) = (kind, r.evidence.is_empty())
            && obligation_id.is_none()
            && !r.evidence.iter().any(|e| e == k.as_str())
        {
            return Err(invalid(
                format!("{} 的证据类型为：{}", r.short(), r.evidence.join("、")),
                format!("{} is proved by: {}", r.short(), r.evidence.join(", ")),
            ));
        }
    }
    let kind = kind.ok_or_else(|| {
        invalid(
            "请选择证据类型".into(),
            "choose the kind of evidence".into(),
        )
    })?;
    if let Some(a) = &app_id
        && store.get::<App>(a).await?.is_none()
    {
        return Err(WorkflowError::NotFound(format!("no app {a}")));
    }
    let assignee = new.assignee_person_id.clone().filter(|p| !p.is_empty());
    match &assignee {
        Some(p) if store.get::<Person>(p).await?.is_none() => {
            return Err(WorkflowError::NotFound(format!("no person {p}")));
        }
        None => {
            return Err(invalid(
                "请选择负责提供证据的人员".into(),
                "choose who is to provide the evidence".into(),
            ));
        }
        _ => {}
    }
    let mut r = EvidenceRequest {
        id: String::new(),
        kind,
        app_id,
        requirement_id,
        obligation_id,
        assignee_person_id: assignee,
        requested_by: actor.to_string(),
        requested_on: format_date(today),
        due_on: format_date(due),
        message: new.message.trim().to_string(),
        state: RequestState::Open,
        evidence_id: None,
        version: 0,
    };
    let mut tx = store.write(actor).await?;
    tx.insert(&mut r).await?;
    tx.commit().await?;
    Ok(r)
}

/// Cancels an open evidence request.
pub async fn cancel_request(store: &Store, actor: &str, id: &str) -> Result<EvidenceRequest> {
    let mut tx = store.write(actor).await?;
    let mut r = tx
        .get::<EvidenceRequest>(id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no evidence request {id}")))?;
    if r.state != RequestState::Open {
        return Err(WorkflowError::Invalid(format!(
            "证据请求{} / evidence request {id} is {} already",
            r.state.label_zh(),
            r.state.as_str()
        )));
    }
    r.state = RequestState::Cancelled;
    tx.update(&mut r).await?;
    tx.commit().await?;
    Ok(r)
}
