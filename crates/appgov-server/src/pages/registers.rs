//! The registers the notice makes institutions keep (issue 6): incidents
//! (a major one opens the regulator report and the special audit),
//! complaints and PI requests (due 15 working days after receipt),
//! counterfeit cases (detected → confirmed → clarified → reported → taken
//! down → closed), major OS releases (a compatibility test for every app
//! of the platform). Each list is narrowed to the viewer's reach; each
//! change is checked against the app's place (or the institution's) and
//! made through `appgov_workflow::compliance`.

use appgov_access::{Action, Principal};
use appgov_ledger::model::App;
use appgov_ledger::{
    Complaint, ComplaintCategory, ComplaintState, CounterfeitCase, CounterfeitState, Incident,
    IncidentSeverity, IncidentState, OsRelease, Platform,
};
use appgov_workflow::compliance as wf;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::compliance::{self as c, ObligationView, Reach, Snapshot, label};
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::render;
use crate::state::AppState as Shared;
use crate::views::{Choice, parse_term, vocab_choices};

pub(crate) fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

pub(crate) fn date(field: &str, v: &str) -> Result<String, Failure> {
    let v = v.trim();
    appgov_calendar::parse_date(v)
        .map(|_| v.to_string())
        .ok_or_else(|| {
            Failure::Invalid(format!(
                "{field}: 日期格式应为 YYYY-MM-DD / a date YYYY-MM-DD, got {v:?}"
            ))
        })
}

pub(crate) fn opt_date(field: &str, v: &str) -> Result<Option<String>, Failure> {
    match opt(v) {
        None => Ok(None),
        Some(v) => date(field, &v).map(Some),
    }
}

/// May `p` change a register record about `app_id` (None: the institution)?
async fn may_edit(
    state: &Shared,
    p: &Principal,
    app_id: Option<&str>,
) -> Result<Option<App>, Failure> {
    may_act(state, p, Action::EditApp, app_id).await
}

/// May `p` do `action` on a record about `app_id` (None: the
/// institution)? The app, when there is one.
pub(crate) async fn may_act(
    state: &Shared,
    p: &Principal,
    action: Action,
    app_id: Option<&str>,
) -> Result<Option<App>, Failure> {
    let orgs = state.orgs().await?;
    let app = match app_id {
        Some(id) => Some(
            state
                .store
                .get::<App>(id)
                .await?
                .ok_or_else(|| Failure::Invalid(format!("no app {id}")))?,
        ),
        None => None,
    };
    let org = app.as_ref().and_then(|a| appgov_access::roles::app_org(a));
    if p.may(action, org, &orgs.tree) {
        Ok(app)
    } else {
        Err(Failure::Forbidden)
    }
}

/// Apps the viewer may record register entries for (select choices).
pub(crate) fn app_choices(snap: &Snapshot, reach: &Reach) -> Vec<Choice> {
    let mut v: Vec<Choice> = snap
        .data
        .apps
        .iter()
        .filter(|a| reach.app(a))
        .map(|a| Choice {
            value: a.id.clone(),
            label: a.name.clone(),
            selected: false,
        })
        .collect();
    v.sort_by(|a, b| a.label.cmp(&b.label));
    v
}

fn opened(state: &Shared, snap: &Snapshot, lang: Lang, trigger: &str) -> Vec<ObligationView> {
    snap.data
        .obligations
        .iter()
        .filter(|o| o.triggered_by == trigger)
        .map(|o| c::obligation_view(state, snap, lang, o))
        .collect()
}

// ------------------------------------------------------------- incidents

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IncidentView {
    pub id: String,
    pub app_id: Option<String>,
    pub app_name: String,
    pub title: String,
    /// minor, significant, major, critical.
    pub severity: String,
    pub severity_label: String,
    pub major: bool,
    pub occurred_on: String,
    pub detected_on: String,
    pub state: String,
    pub state_label: String,
    pub description: Option<String>,
    /// The obligations it opened (regulator report, special audit).
    pub obligations: Vec<ObligationView>,
}

pub fn incident_views(
    state: &Shared,
    snap: &Snapshot,
    reach: &Reach,
    lang: Lang,
) -> Vec<IncidentView> {
    let apps = snap.apps();
    let mut v: Vec<IncidentView> = snap
        .data
        .incidents
        .iter()
        .filter(|i| reach.about(&apps, i.app_id.as_deref()))
        .map(|i| incident_view(state, snap, lang, i))
        .collect();
    v.sort_by(|a, b| b.detected_on.cmp(&a.detected_on).then(b.id.cmp(&a.id)));
    v
}

fn incident_view(state: &Shared, snap: &Snapshot, lang: Lang, i: &Incident) -> IncidentView {
    IncidentView {
        id: i.id.clone(),
        app_id: i.app_id.clone(),
        app_name: snap.app_name(i.app_id.as_deref(), lang),
        title: i.title.clone(),
        severity: i.severity.as_str().into(),
        severity_label: label(lang, i.severity),
        major: i.severity.is_major(),
        occurred_on: i.occurred_on.clone(),
        detected_on: i.detected_on.clone(),
        state: i.state.as_str().into(),
        state_label: label(lang, i.state),
        description: i.description.clone(),
        obligations: opened(state, snap, lang, &format!("incident:{}", i.id)),
    }
}

/// A new incident (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentInput {
    /// The app's id; empty for an institution-wide incident.
    #[serde(default)]
    pub app: String,
    pub title: String,
    /// minor, significant, major, critical.
    pub severity: String,
    /// YYYY-MM-DD.
    pub occurred_on: String,
    /// YYYY-MM-DD.
    pub detected_on: String,
    #[serde(default)]
    pub description: String,
}

/// Records an incident (a major one with its obligations); its id.
pub async fn create_incident(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &IncidentInput,
) -> Result<(Incident, Vec<appgov_ledger::Obligation>), Failure> {
    let app = may_edit(state, p, opt(&f.app).as_deref()).await?;
    let severity = parse_term::<IncidentSeverity>("severity", &f.severity)?
        .ok_or_else(|| Failure::Invalid("severity: 请选择 / choose one".into()))?;
    let i = Incident {
        id: String::new(),
        app_id: app.map(|a| a.id),
        title: f.title.trim().to_string(),
        severity,
        category: None,
        occurred_on: date("occurred_on", &f.occurred_on)?,
        detected_on: date("detected_on", &f.detected_on)?,
        description: opt(&f.description),
        regulator_reported_on: None,
        state: IncidentState::Open,
        closed_on: None,
        version: 0,
    };
    let (_, today) = c::today()?;
    Ok(wf::record_incident(&state.store, &state.engine, actor, i, today).await?)
}

async fn register_page(
    state: &Shared,
    viewer: &Viewer,
    template: &str,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let snap = Snapshot::load(state).await?;
    let reach = Reach::of(state, p, Action::View).await?;
    let edit = Reach::of(state, p, Action::EditApp).await?;
    let may_edit = p.may_somewhere(Action::EditApp);
    let data = match template {
        "incidents.html" => context! {
            rows => Value::from(Serde(incident_views(state, &snap, &reach, lang))),
            severities => Value::from(Serde(vocab_choices::<IncidentSeverity>(lang, None))),
        },
        "complaints.html" => context! {
            rows => Value::from(Serde(complaint_views(&snap, &reach, lang))),
            categories => Value::from(Serde(vocab_choices::<ComplaintCategory>(lang, None))),
        },
        "counterfeits.html" => context! {
            rows => Value::from(Serde(counterfeit_views(state, &snap, &reach, lang))),
        },
        _ => context! {
            rows => Value::from(Serde(os_release_views(&snap, lang))),
            platforms => Value::from(Serde(vocab_choices::<Platform>(lang, None))),
        },
    };
    let html = render::page(
        state,
        viewer,
        template,
        context! {
            ..data,
            ..context! {
                apps => Value::from(Serde(app_choices(&snap, &edit))),
                institution => edit.everywhere(),
                may_edit => may_edit,
                today => snap.today_text.clone(),
                error => error,
            }
        },
    )?;
    Ok(with_status(html))
}

/// A page that shows a problem (its `role="alert"`) answers 422, so
/// clients and tests tell a refused form from a shown one.
pub(crate) fn with_status(html: axum::response::Html<String>) -> Response {
    let status = if html.0.contains("role=\"alert\"") {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    (status, html).into_response()
}

/// After a change: back to the list (at the record), or the list with the
/// problem.
async fn after<T>(
    state: &Shared,
    viewer: &Viewer,
    list: &str,
    template: &str,
    r: Result<T, Failure>,
    anchor: impl FnOnce(&T) -> String,
) -> Result<Response, PageError> {
    after_change(
        viewer,
        r,
        |v| format!("{list}#{}", anchor(v)),
        async |m| register_page(state, viewer, template, Some(m)).await,
    )
    .await
}

/// After a change made from a page: redirect to `to` when it was made,
/// else show the page again (`again`) with the problem in the viewer's
/// language; failures without words for people (sign-in, forbidden, not
/// found) become their error pages.
pub(crate) async fn after_change<T>(
    viewer: &Viewer,
    r: Result<T, Failure>,
    to: impl FnOnce(&T) -> String,
    again: impl AsyncFnOnce(String) -> Result<Response, PageError>,
) -> Result<Response, PageError> {
    match r {
        Ok(v) => Ok(Redirect::to(&to(&v)).into_response()),
        Err(Failure::Invalid(m)) | Err(Failure::Conflict(m)) => again(m).await,
        Err(f @ Failure::Refused(_)) => again(f.message_in(viewer.lang)).await,
        Err(e) => Err(e.into()),
    }
}

/// `GET /incidents`.
pub async fn incidents(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    register_page(&state, &viewer, "incidents.html", None).await
}

/// `POST /incidents`.
pub async fn incident_create(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<IncidentInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = create_incident(&state, p, &viewer.actor(), &f).await;
    after(
        &state,
        &viewer,
        "/incidents",
        "incidents.html",
        r,
        |(i, _)| format!("incident-{}", i.id),
    )
    .await
}

// ------------------------------------------------------------ complaints

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: String,
    pub app_id: Option<String>,
    pub app_name: String,
    pub received_on: String,
    pub channel: Option<String>,
    pub category: String,
    pub category_label: String,
    pub summary: String,
    /// 15 working days after receipt.
    pub due_on: String,
    /// False when counted over a year without the holiday notice in the
    /// calendar (weekends only).
    pub due_exact: bool,
    /// Open and past its due date.
    pub overdue: bool,
    pub state: String,
    pub state_label: String,
    pub handled_on: Option<String>,
    pub outcome: Option<String>,
}

pub fn complaint_views(snap: &Snapshot, reach: &Reach, lang: Lang) -> Vec<ComplaintView> {
    let apps = snap.apps();
    let mut v: Vec<ComplaintView> = snap
        .data
        .complaints
        .iter()
        .filter(|x| reach.about(&apps, x.app_id.as_deref()))
        .map(|x| ComplaintView {
            id: x.id.clone(),
            app_id: x.app_id.clone(),
            app_name: snap.app_name(x.app_id.as_deref(), lang),
            received_on: x.received_on.clone(),
            channel: x.channel.clone(),
            category: x.category.as_str().into(),
            category_label: label(lang, x.category),
            summary: x.summary.clone(),
            due_on: x.due_on.clone(),
            due_exact: x.due_exact,
            overdue: x.state == ComplaintState::Open && x.due_on < snap.today_text,
            state: x.state.as_str().into(),
            state_label: label(lang, x.state),
            handled_on: x.handled_on.clone(),
            outcome: x.outcome.clone(),
        })
        .collect();
    // Open ones first, the most pressing first.
    v.sort_by(|a, b| {
        (a.state != "open", a.due_on.clone()).cmp(&(b.state != "open", b.due_on.clone()))
    });
    v
}

/// A complaint or PI request received (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ComplaintInput {
    #[serde(default)]
    pub app: String,
    /// YYYY-MM-DD.
    pub received_on: String,
    /// Where it came in (hotline, app, letter …).
    #[serde(default)]
    pub channel: String,
    /// pi_access, pi_correction, pi_deletion, account_cancellation,
    /// privacy, service, other.
    pub category: String,
    pub summary: String,
}

pub async fn create_complaint(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &ComplaintInput,
) -> Result<Complaint, Failure> {
    let app = may_edit(state, p, opt(&f.app).as_deref()).await?;
    let category = parse_term::<ComplaintCategory>("category", &f.category)?
        .ok_or_else(|| Failure::Invalid("category: 请选择 / choose one".into()))?;
    let x = Complaint {
        id: String::new(),
        app_id: app.map(|a| a.id),
        received_on: date("received_on", &f.received_on)?,
        channel: opt(&f.channel),
        category,
        summary: f.summary.trim().to_string(),
        due_on: String::new(),
        due_exact: true,
        handled_on: None,
        outcome: None,
        state: ComplaintState::Open,
        version: 0,
    };
    Ok(wf::record_complaint(&state.store, &state.engine, actor, x).await?)
}

/// How a complaint was handled (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct HandledInput {
    pub outcome: String,
    /// YYYY-MM-DD; today when empty.
    #[serde(default)]
    pub handled_on: String,
}

pub async fn handle_complaint(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    f: &HandledInput,
) -> Result<Complaint, Failure> {
    let outcome = opt(&f.outcome).ok_or_else(|| {
        Failure::Invalid("outcome: 请填写办理结果 / say how it was handled".into())
    })?;
    let mut x: Complaint = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no complaint {id}")))?;
    may_edit(state, p, x.app_id.as_deref()).await?;
    if x.state != ComplaintState::Open {
        return Err(Failure::Conflict(format!(
            "该投诉已{} / the complaint is {} already",
            x.state.label_zh(),
            x.state.as_str()
        )));
    }
    x.state = ComplaintState::Handled;
    x.handled_on = Some(match opt_date("handled_on", &f.handled_on)? {
        Some(d) => d,
        None => c::today()?.0,
    });
    x.outcome = Some(outcome);
    // Version-checked: a change made meanwhile is refused, not overwritten.
    let mut tx = state.store.write(actor).await?;
    tx.update(&mut x).await?;
    tx.commit().await?;
    Ok(x)
}

/// `GET /complaints`.
pub async fn complaints(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    register_page(&state, &viewer, "complaints.html", None).await
}

/// `POST /complaints`.
pub async fn complaint_create(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<ComplaintInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = create_complaint(&state, p, &viewer.actor(), &f).await;
    after(&state, &viewer, "/complaints", "complaints.html", r, |x| {
        format!("complaint-{}", x.id)
    })
    .await
}

/// `POST /complaints/{complaint}/handled`.
pub async fn complaint_handled(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<HandledInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = handle_complaint(&state, p, &viewer.actor(), &id, &f).await;
    after(&state, &viewer, "/complaints", "complaints.html", r, |x| {
        format!("complaint-{}", x.id)
    })
    .await
}

// ---------------------------------------------------------- counterfeits

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CounterfeitView {
    pub id: String,
    pub app_id: Option<String>,
    pub app_name: String,
    pub counterfeit_name: String,
    pub found_at: String,
    pub detected_on: String,
    pub state: String,
    pub state_label: String,
    pub confirmed_on: Option<String>,
    pub clarified_on: Option<String>,
    pub clarification_url: Option<String>,
    pub reported_on: Option<String>,
    pub taken_down_on: Option<String>,
    pub closed_on: Option<String>,
    /// The states it may move to.
    pub next_states: Vec<Choice>,
    /// The obligations its confirmation opened.
    pub obligations: Vec<ObligationView>,
}

fn next_states(s: CounterfeitState, lang: Lang) -> Vec<Choice> {
    let mut out: Vec<CounterfeitState> = CounterfeitState::PATH
        .iter()
        .copied()
        .filter(|x| s != CounterfeitState::Dismissed && x.step() > s.step())
        .collect();
    if s == CounterfeitState::Detected {
        out.push(CounterfeitState::Dismissed);
    }
    out.into_iter()
        .enumerate()
        .map(|(i, x)| Choice {
            value: x.as_str().into(),
            label: label(lang, x),
            selected: i == 0,
        })
        .collect()
}

pub fn counterfeit_views(
    state: &Shared,
    snap: &Snapshot,
    reach: &Reach,
    lang: Lang,
) -> Vec<CounterfeitView> {
    let apps = snap.apps();
    let mut v: Vec<CounterfeitView> = snap
        .data
        .counterfeits
        .iter()
        .filter(|x| reach.about(&apps, x.app_id.as_deref()))
        .map(|x| CounterfeitView {
            id: x.id.clone(),
            app_id: x.app_id.clone(),
            app_name: snap.app_name(x.app_id.as_deref(), lang),
            counterfeit_name: x.counterfeit_name.clone(),
            found_at: x.found_at.clone(),
            detected_on: x.detected_on.clone(),
            state: x.state.as_str().into(),
            state_label: label(lang, x.state),
            confirmed_on: x.confirmed_on.clone(),
            clarified_on: x.clarified_on.clone(),
            clarification_url: x.clarification_url.clone(),
            reported_on: x.reported_on.clone(),
            taken_down_on: x.taken_down_on.clone(),
            closed_on: x.closed_on.clone(),
            next_states: next_states(x.state, lang),
            obligations: opened(state, snap, lang, &format!("counterfeit_case:{}", x.id)),
        })
        .collect();
    v.sort_by(|a, b| b.detected_on.cmp(&a.detected_on).then(b.id.cmp(&a.id)));
    v
}

/// A counterfeit found (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CounterfeitInput {
    /// The genuine app it imitates.
    #[serde(default)]
    pub app: String,
    pub counterfeit_name: String,
    /// Where it was found (a store, a URL, a mini-program platform).
    pub found_at: String,
    /// YYYY-MM-DD.
    pub detected_on: String,
}

pub async fn create_counterfeit(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &CounterfeitInput,
) -> Result<CounterfeitCase, Failure> {
    let app = may_edit(state, p, opt(&f.app).as_deref()).await?;
    let x = CounterfeitCase {
        id: String::new(),
        app_id: app.map(|a| a.id),
        counterfeit_name: f.counterfeit_name.trim().to_string(),
        found_at: f.found_at.trim().to_string(),
        detected_on: date("detected_on", &f.detected_on)?,
        state: CounterfeitState::Detected,
        confirmed_on: None,
        clarified_on: None,
        clarification_url: None,
        reported_on: None,
        taken_down_on: None,
        closed_on: None,
        note: None,
        version: 0,
    };
    let (_, today) = c::today()?;
    Ok(
        wf::save_counterfeit(&state.store, &state.engine, actor, x, today)
            .await?
            .0,
    )
}

/// A counterfeit case's next step (form or JSON).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AdvanceInput {
    /// confirmed, clarified, reported, taken_down, closed or dismissed.
    pub state: String,
    /// The public clarification's address (from 已公开澄清 on).
    #[serde(default)]
    pub clarification_url: String,
}

pub async fn advance_counterfeit(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    f: &AdvanceInput,
) -> Result<CounterfeitCase, Failure> {
    let mut x: CounterfeitCase = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no counterfeit case {id}")))?;
    may_edit(state, p, x.app_id.as_deref()).await?;
    let to = parse_term::<CounterfeitState>("state", &f.state)?
        .ok_or_else(|| Failure::Invalid("state: 请选择 / choose one".into()))?;
    let allowed = next_states(x.state, Lang::En)
        .iter()
        .any(|c| c.value == to.as_str());
    if !allowed {
        return Err(Failure::Conflict(format!(
            "不能从“{}”转为“{}” / a case {} cannot become {}",
            x.state.label_zh(),
            to.label_zh(),
            x.state.as_str(),
            to.as_str()
        )));
    }
    if let Some(u) = opt(&f.clarification_url) {
        x.clarification_url = Some(u);
    }
    if to != CounterfeitState::Dismissed
        && to.step() >= CounterfeitState::Clarified.step()
        && x.clarification_url.is_none()
    {
        return Err(Failure::Invalid(
            "clarification_url: 公开澄清需填写声明地址 / a public clarification needs its address"
                .into(),
        ));
    }
    x.state = to;
    let (_, today) = c::today()?;
    Ok(
        wf::save_counterfeit(&state.store, &state.engine, actor, x, today)
            .await?
            .0,
    )
}

/// `GET /counterfeits`.
pub async fn counterfeits(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    register_page(&state, &viewer, "counterfeits.html", None).await
}

/// `POST /counterfeits`.
pub async fn counterfeit_create(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<CounterfeitInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = create_counterfeit(&state, p, &viewer.actor(), &f).await;
    after(
        &state,
        &viewer,
        "/counterfeits",
        "counterfeits.html",
        r,
        |x| format!("counterfeit-{}", x.id),
    )
    .await
}

/// `POST /counterfeits/{counterfeit}/advance`.
pub async fn counterfeit_advance(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AdvanceInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = advance_counterfeit(&state, p, &viewer.actor(), &id, &f).await;
    after(
        &state,
        &viewer,
        "/counterfeits",
        "counterfeits.html",
        r,
        |x| format!("counterfeit-{}", x.id),
    )
    .await
}

// ----------------------------------------------------------- OS releases

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OsReleaseView {
    pub id: String,
    pub platform: String,
    pub platform_label: String,
    pub name: String,
    pub announced_on: String,
    pub ships_on: Option<String>,
    /// Compatibility tests it opened (all apps of the platform).
    pub opened: usize,
    pub open: usize,
}

pub fn os_release_views(snap: &Snapshot, lang: Lang) -> Vec<OsReleaseView> {
    let mut v: Vec<OsReleaseView> = snap
        .data
        .os_releases
        .iter()
        .map(|x| {
            let trigger = format!("os_release:{}", x.id);
            let mine = snap
                .data
                .obligations
                .iter()
                .filter(|o| o.triggered_by == trigger);
            OsReleaseView {
                id: x.id.clone(),
                platform: x.platform.as_str().into(),
                platform_label: label(lang, x.platform),
                name: x.name.clone(),
                announced_on: x.announced_on.clone(),
                ships_on: x.ships_on.clone(),
                opened: mine.clone().count(),
                open: mine
                    .filter(|o| o.state == appgov_ledger::ObligationState::Open)
                    .count(),
            }
        })
        .collect();
    v.sort_by(|a, b| b.announced_on.cmp(&a.announced_on));
    v
}

/// A major OS release (form).
#[derive(Debug, Deserialize)]
pub struct OsReleaseInput {
    pub platform: String,
    pub name: String,
    pub announced_on: String,
    #[serde(default)]
    pub ships_on: String,
}

/// `GET /os-releases`.
pub async fn os_releases(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    register_page(&state, &viewer, "os_releases.html", None).await
}

/// `POST /os-releases` (institution-wide: it opens a duty for every app of
/// the platform).
pub async fn os_release_create(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<OsReleaseInput>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = async {
        let platform = parse_term::<Platform>("platform", &f.platform)?
            .ok_or_else(|| Failure::Invalid("platform: 请选择 / choose one".into()))?;
        let os = OsRelease {
            id: String::new(),
            platform,
            name: f.name.trim().to_string(),
            announced_on: date("announced_on", &f.announced_on)?,
            ships_on: opt_date("ships_on", &f.ships_on)?,
            version: 0,
        };
        let (_, today) = c::today()?;
        Ok(wf::record_os_release(&state.store, &state.engine, &viewer.actor(), os, today).await?)
    }
    .await;
    after(
        &state,
        &viewer,
        "/os-releases",
        "os_releases.html",
        r,
        |(x, _)| format!("os-{}", x.id),
    )
    .await
}
