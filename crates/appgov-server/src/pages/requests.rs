//! Evidence requests (证据请求): someone is asked for a piece of evidence
//! by a date — from an obligation (its app, requirement and the kind that
//! closes it) or from a requirement. `/evidence-requests` lists the
//! viewer's own (assigned to them or asked by them) and all in their reach,
//! overdue ones marked; a request is fulfilled by uploading the evidence
//! (through `submit_evidence`, which links it, closes the request and, for
//! an obligation, closes that too) or cancelled.

use std::collections::HashMap;

use appgov_access::roles::app_org;
use appgov_access::{Action, Principal};
use appgov_ledger::model::App;
use appgov_ledger::{EvidenceKind, EvidenceRequest, Obligation, RequestState, Term};
use appgov_workflow::compliance::{self as wf, NewEvidenceRequest};
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::compliance::{self as c, FormView, KindChoice, Reach, RequirementRef, Snapshot, label};
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::pages::compliance::{read_form, submit_for};
use crate::render;
use crate::state::AppState as Shared;
use crate::views::Choice;

/// One evidence request as lists and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestView {
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub app_id: Option<String>,
    pub app_name: String,
    pub requirement: Option<RequirementRef>,
    pub obligation_id: Option<String>,
    /// The obligation's duty, in the viewer's language.
    pub obligation_title: Option<String>,
    pub assignee_person_id: Option<String>,
    pub assignee: Option<String>,
    pub requested_by: String,
    pub requested_on: String,
    pub due_on: String,
    pub message: String,
    /// open, fulfilled, cancelled.
    pub state: String,
    pub state_label: String,
    /// Open and past its due date.
    pub overdue: bool,
    /// Days past the due date (overdue ones).
    pub days_overdue: Option<i64>,
    pub evidence_id: Option<String>,
    /// Assigned to the viewer or asked by them.
    pub mine: bool,
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.into(),
        Lang::En => en.into(),
    }
}

/// May the viewer see this request: its app's place, else its
/// obligation's, else the institution.
fn in_reach(
    snap: &Snapshot,
    reach: &Reach,
    apps: &HashMap<&str, &App>,
    r: &EvidenceRequest,
) -> bool {
    if let Some(a) = r.app_id.as_deref() {
        return reach.about(apps, Some(a));
    }
    if let Some(o) = r
        .obligation_id
        .as_deref()
        .and_then(|id| snap.data.obligations.iter().find(|o| o.id == id))
    {
        return reach.obligation(apps, o);
    }
    reach.everywhere()
}

fn is_mine(viewer: &Viewer, r: &EvidenceRequest) -> bool {
    let Some(a) = &viewer.account else {
        return false;
    };
    r.requested_by == viewer.actor()
        || (a.person_id.is_some() && r.assignee_person_id == a.person_id)
}

pub fn request_view(
    state: &Shared,
    snap: &Snapshot,
    viewer: &Viewer,
    r: &EvidenceRequest,
) -> RequestView {
    let lang = viewer.lang;
    let lib = &state.engine.library;
    let overdue_days = (r.state == RequestState::Open)
        .then(|| appgov_calendar::parse_date(&r.due_on))
        .flatten()
        .map(|d| (snap.today - d).whole_days())
        .filter(|d| *d > 0);
    RequestView {
        id: r.id.clone(),
        kind: r.kind.as_str().into(),
        kind_label: label(lang, r.kind),
        app_id: r.app_id.clone(),
        app_name: snap.app_name(r.app_id.as_deref(), lang),
        requirement: r
            .requirement_id
            .as_deref()
            .map(|id| match lib.requirement(id) {
                Some(q) => RequirementRef {
                    id: q.id.clone(),
                    short: q.short(),
                    title: q.title(lang.code()).into(),
                },
                None => RequirementRef {
                    id: id.into(),
                    short: id.into(),
                    title: id.into(),
                },
            }),
        obligation_id: r.obligation_id.clone(),
        obligation_title: r
            .obligation_id
            .as_deref()
            .and_then(|id| snap.data.obligations.iter().find(|o| o.id == id))
            .map(|o| {
                lib.template_q(&o.template)
                    .map(|t| t.title(lang.code()).to_string())
                    .unwrap_or_else(|| o.template.clone())
            }),
        assignee_person_id: r.assignee_person_id.clone(),
        assignee: r.assignee_person_id.as_deref().map(|id| {
            snap.data
                .people
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| id.to_string())
        }),
        requested_by: r.requested_by.clone(),
        requested_on: r.requested_on.clone(),
        due_on: r.due_on.clone(),
        message: r.message.clone(),
        state: r.state.as_str().into(),
        state_label: if overdue_days.is_some() {
            pick(lang, "已逾期", "Overdue")
        } else {
            label(lang, r.state)
        },
        overdue: overdue_days.is_some(),
        days_overdue: overdue_days,
        evidence_id: r.evidence_id.clone(),
        mine: is_mine(viewer, r),
    }
}

/// The requests in the viewer's reach: open ones first (most overdue
/// first, then by due date), then the closed, newest first.
pub fn request_views(
    state: &Shared,
    snap: &Snapshot,
    reach: &Reach,
    viewer: &Viewer,
) -> Vec<RequestView> {
    let apps = snap.apps();
    let mut out: Vec<RequestView> = snap
        .data
        .requests
        .iter()
        .filter(|r| in_reach(snap, reach, &apps, r))
        .map(|r| request_view(state, snap, viewer, r))
        .collect();
    out.sort_by(|a, b| {
        let open = |v: &RequestView| v.state != "open";
        open(a)
            .cmp(&open(b))
            .then_with(|| {
                if a.state == "open" {
                    a.due_on.cmp(&b.due_on)
                } else {
                    b.requested_on.cmp(&a.requested_on)
                }
            })
            .then(a.id.cmp(&b.id))
    });
    out
}

/// The list's filter.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestParams {
    /// `true`: only the caller's (assigned to them or asked by them).
    #[serde(default)]
    pub mine: Option<String>,
    /// open, fulfilled, cancelled.
    #[serde(default)]
    pub state: Option<String>,
}

/// The org node a request belongs to (for access): its app's, else its
/// obligation's, else the institution (None).
pub async fn request_org(state: &Shared, r: &EvidenceRequest) -> Result<Option<String>, Failure> {
    if let Some(a) = &r.app_id {
        let app: App = state
            .store
            .get(a)
            .await?
            .ok_or_else(|| Failure::NotFound(format!("no app {a}")))?;
        return Ok(app_org(&app).map(str::to_string));
    }
    if let Some(oid) = &r.obligation_id
        && let Some(o) = state.store.get::<Obligation>(oid).await?
    {
        return match &o.app_id {
            Some(a) => Ok(state
                .store
                .get::<App>(a)
                .await?
                .and_then(|app| app_org(&app).map(str::to_string))),
            None => Ok(o.org_id),
        };
    }
    Ok(None)
}

// ----------------------------------------------------------------- list

/// `GET /evidence-requests`.
pub async fn list(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    let all = request_views(&state, &snap, &reach, &viewer);
    let mine: Vec<&RequestView> = all.iter().filter(|r| r.mine).collect();
    Ok(render::page(
        &state,
        &viewer,
        "evidence_requests.html",
        context! {
            mine => Value::from(Serde(&mine)),
            all => Value::from(Serde(&all)),
            today => snap.today_text.clone(),
        },
    )?
    .into_response())
}

// ----------------------------------------------------------------- create

/// A new evidence request (the form's fields; JSON for the API).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RequestInput {
    /// The obligation it is for (its app, requirement and evidence kind
    /// follow).
    #[serde(default)]
    pub obligation: String,
    /// A requirement id (`nfra-2024-99:a15.1`), when not from an obligation.
    #[serde(default)]
    pub requirement: String,
    /// An app id (none: institution-wide).
    #[serde(default)]
    pub app: String,
    /// The evidence kind (default: the obligation's).
    #[serde(default)]
    pub kind: String,
    /// The person (ledger's people) to provide it.
    #[serde(default)]
    pub assignee: String,
    /// YYYY-MM-DD, today or later.
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub message: String,
}

/// Creates the request after checking the viewer may record evidence
/// where it belongs.
pub async fn create(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &RequestInput,
) -> Result<EvidenceRequest, Failure> {
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    // The form's own problems first (the access check needs a complete
    // request to know where it belongs).
    if appgov_calendar::parse_date(f.due_on.trim()).is_none() {
        return Err(Failure::Invalid(format!(
            "截止日期不是有效日期（YYYY-MM-DD）/ due date {:?} is not a date YYYY-MM-DD",
            f.due_on
        )));
    }
    if opt(&f.assignee).is_none() {
        return Err(Failure::Invalid(
            "请选择负责提供证据的人员 / choose who is to provide the evidence".into(),
        ));
    }
    let kind = crate::views::parse_term::<EvidenceKind>("kind", &f.kind)?;
    // Where it belongs: the obligation's place, else the app's, else the
    // institution — the viewer must record evidence there.
    let org = match opt(&f.obligation) {
        Some(oid) => {
            let o: Obligation = state
                .store
                .get(&oid)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no obligation {oid}")))?;
            match &o.app_id {
                Some(a) => state
                    .store
                    .get::<App>(a)
                    .await?
                    .and_then(|app| app_org(&app).map(str::to_string)),
                None => o.org_id.clone(),
            }
        }
        None => match opt(&f.app) {
            Some(a) => {
                let app: App = state
                    .store
                    .get(&a)
                    .await?
                    .ok_or_else(|| Failure::NotFound(format!("no app {a}")))?;
                app_org(&app).map(str::to_string)
            }
            None => None,
        },
    };
    let orgs = state.orgs().await?;
    if !p.may(Action::RecordEvidence, org.as_deref(), &orgs.tree) {
        return Err(Failure::Forbidden);
    }
    let (_, today) = c::today()?;
    let r = wf::request_evidence(
        &state.store,
        &state.engine,
        actor,
        NewEvidenceRequest {
            kind,
            app_id: opt(&f.app),
            requirement_id: opt(&f.requirement),
            obligation_id: opt(&f.obligation),
            assignee_person_id: opt(&f.assignee),
            due_on: f.due_on.trim().to_string(),
            message: f.message.trim().to_string(),
        },
        today,
    )
    .await?;
    Ok(r)
}

/// What the new-request form starts from.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NewParams {
    #[serde(default)]
    pub obligation: Option<String>,
    #[serde(default)]
    pub requirement: Option<String>,
}

async fn new_page(
    state: &Shared,
    viewer: &Viewer,
    params: &NewParams,
    input: Option<&RequestInput>,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let snap = Snapshot::load(state).await?;
    let lib = &state.engine.library;
    let reach = Reach::of(state, p, Action::RecordEvidence).await?;
    let apps_map = snap.apps();
    let obligation = params
        .obligation
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(|id| {
            snap.data
                .obligations
                .iter()
                .find(|o| o.id == id)
                .ok_or_else(|| Failure::NotFound(format!("no obligation {id}")))
        })
        .transpose()?;
    if let Some(o) = obligation
        && !reach.obligation(&apps_map, o)
    {
        return Err(Failure::Forbidden.into());
    }
    let requirement = params
        .requirement
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|id| {
            lib.requirement(id)
                .ok_or_else(|| Failure::NotFound(format!("no requirement {id}")))
        })
        .transpose()?;
    // The kinds to choose from: the obligation's, else the requirement's,
    // else every kind.
    let kinds: Vec<EvidenceKind> = match (obligation, requirement) {
        (Some(o), _) => lib
            .template_q(&o.template)
            .map(|t| t.evidence_kinds.clone())
            .unwrap_or_default(),
        (None, Some(r)) => r
            .evidence
            .iter()
            .filter_map(|e| EvidenceKind::parse_term(e))
            .collect(),
        _ => Vec::new(),
    };
    let kinds = if kinds.is_empty() {
        EvidenceKind::ALL.to_vec()
    } else {
        kinds
    };
    let selected = |v: &str, want: Option<&str>| want == Some(v);
    let kind_choices: Vec<Choice> = kinds
        .iter()
        .map(|k| Choice {
            selected: selected(k.as_str(), input.map(|i| i.kind.as_str())),
            value: k.as_str().into(),
            label: label(lang, *k),
        })
        .collect();
    let mut apps: Vec<Choice> = snap
        .data
        .apps
        .iter()
        .filter(|a| reach.app(a))
        .map(|a| Choice {
            selected: selected(&a.id, input.map(|i| i.app.as_str())),
            value: a.id.clone(),
            label: a.name.clone(),
        })
        .collect();
    apps.sort_by(|a, b| a.label.cmp(&b.label));
    let orgs = state.orgs().await?;
    let org_name = |id: Option<&str>| {
        id.and_then(|id| orgs.nodes.iter().find(|n| n.id == id))
            .map(|n| n.name.clone())
    };
    let mut people: Vec<Choice> = snap
        .data
        .people
        .iter()
        .map(|p| Choice {
            selected: selected(&p.id, input.map(|i| i.assignee.as_str())),
            value: p.id.clone(),
            label: match org_name(p.org_id.as_deref()) {
                Some(o) => format!("{}（{o}）", p.name),
                None => p.name.clone(),
            },
        })
        .collect();
    people.sort_by(|a, b| a.label.cmp(&b.label));
    let default_due = appgov_calendar::format_date(snap.today + time::Duration::days(14));
    let html = render::page(
        state,
        viewer,
        "evidence_request_new.html",
        context! {
            obligation => obligation.map(|o| c::obligation_view(state, &snap, lang, o)).map(|v| Value::from(Serde(v))),
            requirement => requirement.map(|r| Value::from(Serde(c::requirement_view(state, r, lang)))),
            kinds => Value::from(Serde(&kind_choices)),
            apps => Value::from(Serde(&apps)),
            people => Value::from(Serde(&people)),
            institution_wide => reach.everywhere(),
            due_on => input.map(|i| i.due_on.clone()).unwrap_or(default_due),
            message => input.map(|i| i.message.clone()).unwrap_or_default(),
            today => snap.today_text.clone(),
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /evidence-requests/new?obligation=|requirement=`.
pub async fn new_form(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<NewParams>,
) -> Result<Response, PageError> {
    new_page(&state, &viewer, &params, None, None, StatusCode::OK).await
}

/// `POST /evidence-requests` (form): to the new request, or the form again
/// with its problem.
pub async fn create_submit(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<RequestInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    match create(&state, p, &viewer.actor(), &f).await {
        Ok(r) => Ok(Redirect::to(&format!("/evidence-requests/{}", r.id)).into_response()),
        Err(e @ (Failure::Invalid(_) | Failure::NotFound(_) | Failure::Conflict(_))) => {
            let params = NewParams {
                obligation: Some(f.obligation.clone()),
                requirement: Some(f.requirement.clone()),
            };
            let status = e.status();
            new_page(
                &state,
                &viewer,
                &params,
                Some(&f),
                Some(e.message_in(viewer.lang)),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------ one request

async fn load_request(state: &Shared, id: &str) -> Result<EvidenceRequest, Failure> {
    state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no evidence request {id}")))
}

/// One request with what its page needs.
#[derive(Debug, Clone, Serialize)]
struct RequestDetail {
    r: RequestView,
    form: Option<FormView>,
    kinds: Vec<KindChoice>,
    may_record: bool,
    today: String,
}

async fn show(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let snap = Snapshot::load(state).await?;
    let r = snap
        .data
        .requests
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Failure::NotFound(format!("no evidence request {id}")))?;
    let org = request_org(state, r).await?;
    let orgs = state.orgs().await?;
    let d = RequestDetail {
        r: request_view(state, &snap, viewer, r),
        form: c::form_view(state, r.kind, lang, &snap.today_text),
        kinds: vec![KindChoice {
            value: r.kind.as_str().into(),
            label: label(lang, r.kind),
        }],
        may_record: r.state == RequestState::Open
            && p.may(Action::RecordEvidence, org.as_deref(), &orgs.tree),
        today: snap.today_text.clone(),
    };
    let html = render::page(
        state,
        viewer,
        "evidence_request.html",
        context! { d => Value::from(Serde(&d)), error => error },
    )?;
    Ok((status, html).into_response())
}

/// `GET /evidence-requests/{request}`.
pub async fn page(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show(&state, &viewer, &id, None, StatusCode::OK).await
}

/// Fulfils a request with the uploaded document.
pub async fn fulfil(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    mp: Multipart,
) -> Result<wf::Submitted, Failure> {
    let f = read_form(mp).await?;
    let r = load_request(state, id).await?;
    if r.state != RequestState::Open {
        return Err(Failure::Invalid(match viewer.lang {
            Lang::Zh => format!("该证据请求{}", r.state.label_zh()),
            Lang::En => format!(
                "the request is {} already",
                r.state.label_en().to_lowercase()
            ),
        }));
    }
    let o = match &r.obligation_id {
        Some(oid) => state.store.get::<Obligation>(oid).await?,
        None => None,
    };
    // An obligation closed meanwhile by other evidence: the request is
    // answered without it.
    let o = o.filter(|o| o.state == appgov_ledger::ObligationState::Open);
    submit_for(state, &viewer.actor(), viewer.lang, o, Some(r), f).await
}

/// `POST /evidence-requests/{request}/evidence` (multipart; CSRF token in
/// the query).
pub async fn evidence(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, PageError> {
    viewer.require()?;
    match fulfil(&state, &viewer, &id, mp).await {
        Ok(_) => Ok(Redirect::to(&format!("/evidence-requests/{id}")).into_response()),
        Err(e @ (Failure::Invalid(_) | Failure::Conflict(_) | Failure::Refused(_))) => {
            let m = e.message_in(viewer.lang);
            show(&state, &viewer, &id, Some(m), e.status()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /evidence-requests/{request}/cancel`.
pub async fn cancel(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require()?;
    match wf::cancel_request(&state.store, &viewer.actor(), &id).await {
        Ok(_) => Ok(Redirect::to(&format!("/evidence-requests/{id}")).into_response()),
        Err(appgov_workflow::WorkflowError::Invalid(m)) => {
            show(
                &state,
                &viewer,
                &id,
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(Failure::from(e).into()),
    }
}

/// The list narrowed by the API's filter.
pub fn filtered(all: Vec<RequestView>, params: &RequestParams) -> Vec<RequestView> {
    let mine = matches!(params.mine.as_deref(), Some("true" | "1" | "yes"));
    let state = params
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    all.into_iter()
        .filter(|r| !mine || r.mine)
        .filter(|r| state.is_none_or(|s| r.state == s))
        .collect()
}
