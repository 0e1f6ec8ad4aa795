//! The ledger (应用台账): the list with filters, search, order and pages;
//! its export as XLSX; recording a new app.

use std::collections::HashMap;

use appgov_access::{Action, Principal};
use appgov_ledger::model::{AppIdentity, OrgNode, Person};
use appgov_ledger::{AppForm, AppState};
use appgov_sheet::{HeaderLanguage, LedgerRow};
use appgov_workflow::apps::{NewIdentity, add_app, new_app};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::render;
use crate::state::AppState as Shared;
use crate::views::{self, Choice, LedgerParams, app_state_label, visible_orgs, vocab_choices};

fn form_choices(lang: Lang, selected: Option<&str>) -> Vec<Choice> {
    vocab_choices::<AppForm>(lang, selected.and_then(AppForm::parse))
}

/// The org nodes within `within` (None: all), as choices, in tree order
/// with their path for context.
pub async fn org_choices(
    state: &Shared,
    within: &Option<Vec<String>>,
    selected: Option<&str>,
) -> Result<Vec<Choice>, Failure> {
    let orgs = state.orgs().await?;
    let by_id: HashMap<&str, &OrgNode> = orgs.nodes.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut out: Vec<Choice> = orgs
        .nodes
        .iter()
        .filter(|o| within.as_ref().is_none_or(|w| w.contains(&o.id)))
        .map(|o| {
            let path: Vec<String> = orgs
                .tree
                .path(&o.id)
                .iter()
                .rev()
                .filter_map(|id| by_id.get(id.as_str()).map(|n| n.name.clone()))
                .collect();
            Choice {
                value: o.id.clone(),
                label: path.join(" / "),
                selected: selected == Some(o.id.as_str()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(out)
}

/// `GET /apps`: the ledger page (the table alone for an htmx request).
pub async fn list(
    State(state): State<Shared>,
    viewer: Viewer,
    headers: HeaderMap,
    Query(params): Query<LedgerParams>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    match ledger_page(&state, &viewer, p, &params, None, &headers).await {
        // A hand-made URL with an unknown filter: the page, with the message.
        Err(PageError {
            failure: Failure::Invalid(msg),
            ..
        }) => {
            let clean = LedgerParams {
                q: params.q.clone(),
                ..Default::default()
            };
            ledger_page(&state, &viewer, p, &clean, Some(msg), &headers).await
        }
        other => other,
    }
}

async fn ledger_page(
    state: &Shared,
    viewer: &Viewer,
    p: &Principal,
    params: &LedgerParams,
    error: Option<String>,
    headers: &HeaderMap,
) -> Result<Response, PageError> {
    let list = views::app_list(state, p, viewer.lang, params).await?;
    let within = visible_orgs(state, p, Action::View).await?;
    let lang = viewer.lang;
    let states: Vec<Choice> = AppState::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: app_state_label(&state.messages, lang, *s),
            selected: params.state.as_deref() == Some(s.as_str()),
        })
        .collect();
    let sort = params.sort.clone().unwrap_or_else(|| "name".into());
    let data = context! {
        list => Value::from(Serde(&list)),
        q => params.q.clone().unwrap_or_default(),
        forms => Value::from(Serde(form_choices(lang, params.form.as_deref()))),
        states => Value::from(Serde(&states)),
        departments => Value::from(Serde(org_choices(state, &within, params.department.as_deref()).await?)),
        sort => sort,
        dir => params.dir.clone().unwrap_or_else(|| "asc".into()),
        prev_link => (list.page > 1).then(|| params.with_page(list.page - 1)),
        next_link => (list.page < list.pages).then(|| params.with_page(list.page + 1)),
        export_link => params.with_page(1),
        may_create => p.may_somewhere(Action::CreateApp),
        may_export => p.may_somewhere(Action::Export),
        error => error,
    };
    // htmx's live search swaps the results only.
    let partial = headers.get("hx-request").is_some() && headers.get("hx-boosted").is_none();
    let name = if partial {
        "ledger_results.html"
    } else {
        "ledger.html"
    };
    Ok(render::page(state, viewer, name, data)?.into_response())
}

/// `GET /apps/export.xlsx`: the apps the filters match (all pages), as the
/// ledger sheet (`appgov ledger export`'s columns, Chinese headers for a
/// Chinese viewer).
pub async fn export(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<LedgerParams>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let bytes = export_bytes(&state, p, viewer.lang, &params).await?;
    let name = format!("appgov-ledger-{}.xlsx", appgov_workflow::today_cn());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn export_bytes(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    params: &LedgerParams,
) -> Result<Vec<u8>, Failure> {
    let apps = views::all_matching(state, p, params).await?;
    let orgs = views::org_names(state).await?;
    let ids: Vec<String> = apps.iter().map(|a| a.id.clone()).collect();
    let mut identities: HashMap<String, AppIdentity> = HashMap::new();
    for i in state.store.find_in::<AppIdentity>("app_id", &ids).await? {
        identities.entry(i.app_id.clone()).or_insert(i);
    }
    let person_ids: Vec<String> = apps
        .iter()
        .flat_map(|a| {
            [
                &a.responsible_person_id,
                &a.tech_owner_id,
                &a.security_owner_id,
                &a.data_owner_id,
            ]
        })
        .flatten()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let people: HashMap<String, String> = state
        .store
        .find_in::<Person>("id", &person_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let rows: Vec<LedgerRow> = apps
        .iter()
        .map(|a| {
            LedgerRow::from_app(
                a,
                identities.get(&a.id),
                |id| orgs.get(id).cloned(),
                |id| people.get(id).cloned(),
            )
        })
        .collect();
    let header = match lang {
        Lang::Zh => HeaderLanguage::Chinese,
        Lang::En => HeaderLanguage::English,
    };
    // Writing a large sheet is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || appgov_sheet::write_xlsx(&rows, header))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?
        .map_err(|e| Failure::Internal(format!("writing the sheet: {e}")))
}

/// The fields of the new-app form.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct NewAppForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub responsible_person_id: String,
    #[serde(default)]
    pub package: String,
    /// One fingerprint a line (or separated by commas or spaces).
    #[serde(default)]
    pub certificates: String,
}

pub async fn new_form(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require()?;
    new_app_page(
        &state,
        &viewer,
        &NewAppForm::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn new_app_page(
    state: &Shared,
    viewer: &Viewer,
    f: &NewAppForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let within = visible_orgs(state, p, Action::CreateApp).await?;
    let departments = org_choices(state, &within, Some(f.department_id.as_str())).await?;
    let people = people_choices(state, &within, &f.responsible_person_id).await?;
    let html = render::page(
        state,
        viewer,
        "app_new.html",
        context! {
            f => Value::from(Serde(f)),
            forms => Value::from(Serde(form_choices(viewer.lang, Some(if f.form.is_empty() { "android" } else { f.form.as_str() })))),
            departments => Value::from(Serde(&departments)),
            people => Value::from(Serde(&people)),
            may_unplaced => within.is_none(),
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

/// People of the org nodes `within` (and people placed nowhere), as
/// choices; a ledger may know thousands, so at most 2,000.
pub async fn people_choices(
    state: &Shared,
    within: &Option<Vec<String>>,
    selected: &str,
) -> Result<Vec<Choice>, Failure> {
    let mut people: Vec<Choice> = state
        .store
        .all::<Person>()
        .await?
        .into_iter()
        .filter(|x| match (within, &x.org_id) {
            (None, _) | (_, None) => true,
            (Some(w), Some(o)) => w.contains(o),
        })
        .take(2000)
        .map(|x| Choice {
            selected: x.id == selected,
            value: x.id,
            label: x.name,
        })
        .collect();
    people.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(people)
}

/// Records a new app for `p` (the department must lie in its CreateApp
/// scopes); returns its id.
pub async fn create_app(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &NewAppForm,
) -> Result<String, Failure> {
    let name = f.name.trim();
    if name.is_empty() {
        return Err(Failure::Invalid(
            "应用名称必填 / The name is required".into(),
        ));
    }
    let form = AppForm::parse(&f.form).ok_or_else(|| {
        Failure::Invalid(format!(
            "unknown form {:?} (one of: {})",
            f.form,
            AppForm::names()
        ))
    })?;
    let department = Some(f.department_id.trim()).filter(|s| !s.is_empty());
    let orgs = state.orgs().await?;
    if let Some(d) = department
        && !orgs.nodes.iter().any(|o| o.id == d)
    {
        return Err(Failure::Invalid(format!("no org node {d}")));
    }
    if !p.may(Action::CreateApp, department, &orgs.tree) {
        return Err(Failure::Forbidden);
    }
    let responsible = Some(f.responsible_person_id.trim()).filter(|s| !s.is_empty());
    if let Some(r) = responsible
        && state.store.get::<Person>(r).await?.is_none()
    {
        return Err(Failure::Invalid(format!("no person {r}")));
    }
    let mut app = new_app(name, form);
    app.department_id = department.map(str::to_string);
    app.responsible_person_id = responsible.map(str::to_string);
    let certificates: Vec<String> = f
        .certificates
        .split([',', '\n', ';', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let package = f.package.trim();
    if package.is_empty() && !certificates.is_empty() {
        return Err(Failure::Invalid(
            "证书指纹需要与包名一起填写 / Certificates need a package identifier".into(),
        ));
    }
    let identity = (!package.is_empty()).then(|| NewIdentity {
        identifier: package.to_string(),
        certificates,
    });
    let (app, _) = add_app(&state.store, actor, app, identity).await?;
    Ok(app.id)
}

/// `POST /apps`: records the app and shows its page; a refused form comes
/// back with the message and what was typed.
pub async fn create(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<NewAppForm>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    match create_app(&state, p, &viewer.actor(), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/apps/{id}")).into_response()),
        Err(e @ (Failure::Invalid(_) | Failure::Conflict(_) | Failure::Refused(_))) => {
            let m = e.message();
            new_app_page(
                &state,
                &viewer,
                &f,
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
