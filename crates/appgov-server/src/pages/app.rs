//! One app's page and one release's page, with the form that requests a
//! lifecycle move.

use appgov_access::{Action, Principal};
use appgov_ledger::model::App;
use appgov_ledger::vocab::{AppForm, MinorsPolicy, UserSegment};
use appgov_workflow::moves::{request_app_move, request_release_move};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::pages::ledger::{org_choices, people_choices};
use crate::render;
use crate::state::AppState as Shared;
use crate::views::{self, Choice, parse_term, visible_orgs, vocab_choices};

/// `GET /apps/{app}`.
pub async fn app_page(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
) -> Result<Response, PageError> {
    show_app(&state, &viewer, &app, None, StatusCode::OK).await
}

pub async fn show_app(
    state: &Shared,
    viewer: &Viewer,
    app: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let d = views::app_detail(state, p, viewer.lang, app).await?;
    let choices = if d.may_edit {
        let form = AppForm::parse(&d.form).unwrap_or(AppForm::Android);
        Some(crate::pages::channels::channel_choices(state, p, viewer.lang, form.platform()).await?)
    } else {
        None
    };
    let html = render::page(
        state,
        viewer,
        "app.html",
        context! {
            app => Value::from(Serde(&d)),
            choices => Value::from(Serde(&choices)),
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

/// The move-request form.
#[derive(Debug, Deserialize)]
pub struct MoveRequest {
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /apps/{app}/moves`: asks for the move and shows it; a refusal
/// (no such move, one already pending) comes back on the app's page.
pub async fn request_move(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Form(f): Form<MoveRequest>,
) -> Result<Response, PageError> {
    viewer.require()?;
    match request_app_move(&state.store, &viewer.actor(), &app, &f.to, f.reason.trim()).await {
        Ok(t) => Ok(Redirect::to(&format!("/moves/{}", t.id)).into_response()),
        Err(e) => {
            let f = Failure::from(e);
            match f {
                Failure::Conflict(_) | Failure::Invalid(_) | Failure::Refused(_) => {
                    let status = f.status();
                    show_app(&state, &viewer, &app, Some(f.message()), status).await
                }
                other => Err(other.into()),
            }
        }
    }
}

/// `GET /releases/{release}`.
pub async fn release_page(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(release): Path<String>,
) -> Result<Response, PageError> {
    show_release(&state, &viewer, &release, None, StatusCode::OK).await
}

async fn show_release(
    state: &Shared,
    viewer: &Viewer,
    release: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let d = views::release_detail(state, p, viewer.lang, release).await?;
    let html = render::page(
        state,
        viewer,
        "release.html",
        context! { r => Value::from(Serde(&d)), error => error },
    )?;
    Ok((status, html).into_response())
}

/// `POST /releases/{release}/moves`.
pub async fn request_release(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(release): Path<String>,
    Form(f): Form<MoveRequest>,
) -> Result<Response, PageError> {
    viewer.require()?;
    match request_release_move(
        &state.store,
        &viewer.actor(),
        &release,
        &f.to,
        f.reason.trim(),
    )
    .await
    {
        Ok(t) => Ok(Redirect::to(&format!("/moves/{}", t.id)).into_response()),
        Err(e) => match Failure::from(e) {
            f @ (Failure::Conflict(_) | Failure::Invalid(_) | Failure::Refused(_)) => {
                let status = f.status();
                show_release(&state, &viewer, &release, Some(f.message()), status).await
            }
            other => Err(other.into()),
        },
    }
}

// ---------------------------------------------------------------- editing

/// Changes to an app's attributes. An absent field stays as it is; an
/// empty string (or list) clears an optional one. `version` is the version
/// the change was made against: someone else's change since is a conflict.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppPatch {
    pub version: i64,
    pub name: Option<String>,
    pub aliases: Option<Vec<String>>,
    /// An app form (`android`, `ios`, `wechat_mini`, …).
    pub form: Option<String>,
    pub purpose: Option<String>,
    /// The app's functions (what the overlap check compares).
    pub functions: Option<Vec<String>>,
    /// `retail`, `corporate`, `staff`, `partner` or `mixed`.
    pub user_segment: Option<String>,
    pub regions: Option<Vec<String>>,
    pub department_id: Option<String>,
    pub responsible_person_id: Option<String>,
    pub tech_owner_id: Option<String>,
    pub security_owner_id: Option<String>,
    pub data_owner_id: Option<String>,
    pub important_system: Option<bool>,
    /// MLPS level 1–5; 0 clears it.
    pub mlps_level: Option<u8>,
    pub elderly_mode: Option<bool>,
    /// `not_for_minors`, `guardian_consent` or `not_applicable`.
    pub minors_policy: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub complaint_channel: Option<String>,
    pub third_party_operated: Option<bool>,
}

fn cleared(v: &str) -> Option<String> {
    Some(v.trim()).filter(|s| !s.is_empty()).map(str::to_string)
}

fn list_of(v: &[String]) -> Vec<String> {
    v.iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The app with `patch` applied (not yet saved).
pub fn apply_patch(app: &App, patch: &AppPatch) -> Result<App, Failure> {
    let mut a = app.clone();
    a.version = patch.version;
    if let Some(v) = &patch.name {
        a.name = v.trim().to_string();
        if a.name.is_empty() {
            return Err(Failure::Invalid(
                "应用名称必填 / The name is required".into(),
            ));
        }
    }
    if let Some(v) = &patch.aliases {
        a.aliases = list_of(v);
    }
    if let Some(v) = &patch.form {
        a.form = parse_term::<AppForm>("form", v)?
            .ok_or_else(|| Failure::Invalid("form: required".into()))?;
    }
    if let Some(v) = &patch.purpose {
        a.purpose = cleared(v);
    }
    if let Some(v) = &patch.functions {
        a.functions = list_of(v);
    }
    if let Some(v) = &patch.user_segment {
        a.user_segment = parse_term("user_segment", v)?;
    }
    if let Some(v) = &patch.regions {
        a.regions = list_of(v);
    }
    for (field, target) in [
        (&patch.department_id, &mut a.department_id),
        (&patch.responsible_person_id, &mut a.responsible_person_id),
        (&patch.tech_owner_id, &mut a.tech_owner_id),
        (&patch.security_owner_id, &mut a.security_owner_id),
        (&patch.data_owner_id, &mut a.data_owner_id),
    ] {
        if let Some(v) = field {
            *target = cleared(v);
        }
    }
    if let Some(v) = patch.important_system {
        a.important_system = v;
    }
    if let Some(v) = patch.mlps_level {
        if v > 5 {
            return Err(Failure::Invalid(format!(
                "mlps_level: {v} is not 1–5 (0 clears)"
            )));
        }
        a.mlps_level = (v > 0).then_some(v);
    }
    if let Some(v) = patch.elderly_mode {
        a.elderly_mode = v;
    }
    if let Some(v) = &patch.minors_policy {
        a.minors_policy = parse_term("minors_policy", v)?;
    }
    if let Some(v) = &patch.privacy_policy_url {
        a.privacy_policy_url = cleared(v);
    }
    if let Some(v) = &patch.complaint_channel {
        a.complaint_channel = cleared(v);
    }
    if let Some(v) = patch.third_party_operated {
        a.third_party_operated = v;
    }
    Ok(a)
}

/// Saves `patch` to app `id` for `p`: moving the app to another department
/// needs the right to edit apps there too.
pub async fn edit_app(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    patch: &AppPatch,
) -> Result<(), Failure> {
    let app: App = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {id}")))?;
    let edited = apply_patch(&app, patch)?;
    if edited.department_id != app.department_id {
        let orgs = state.orgs().await?;
        if let Some(d) = &edited.department_id
            && !orgs.nodes.iter().any(|o| &o.id == d)
        {
            return Err(Failure::Invalid(format!("no org node {d}")));
        }
        if !p.may(Action::EditApp, edited.department_id.as_deref(), &orgs.tree) {
            return Err(Failure::Forbidden);
        }
    }
    appgov_workflow::apps::edit_app(&state.store, actor, edited).await?;
    Ok(())
}

/// The edit form's fields, as a browser posts them (lists one a line,
/// checkboxes present when ticked).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct AppEditForm {
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub aliases: String,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub functions: String,
    #[serde(default)]
    pub user_segment: String,
    #[serde(default)]
    pub regions: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub responsible_person_id: String,
    #[serde(default)]
    pub tech_owner_id: String,
    #[serde(default)]
    pub security_owner_id: String,
    #[serde(default)]
    pub data_owner_id: String,
    #[serde(default)]
    pub important_system: Option<String>,
    #[serde(default)]
    pub mlps_level: String,
    #[serde(default)]
    pub elderly_mode: Option<String>,
    #[serde(default)]
    pub minors_policy: String,
    #[serde(default)]
    pub privacy_policy_url: String,
    #[serde(default)]
    pub complaint_channel: String,
    #[serde(default)]
    pub third_party_operated: Option<String>,
}

/// One item a line, or separated by 、 ， , ; ；.
fn split_items(s: &str) -> Vec<String> {
    s.split(['\n', '\r', '、', '，', ',', ';', '；'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

impl AppEditForm {
    fn of(app: &App) -> AppEditForm {
        AppEditForm {
            version: app.version,
            name: app.name.clone(),
            aliases: app.aliases.join("\n"),
            form: app.form.as_str().into(),
            purpose: app.purpose.clone().unwrap_or_default(),
            functions: app.functions.join("\n"),
            user_segment: app
                .user_segment
                .map(|u| u.as_str().into())
                .unwrap_or_default(),
            regions: app.regions.join("、"),
            department_id: app.department_id.clone().unwrap_or_default(),
            responsible_person_id: app.responsible_person_id.clone().unwrap_or_default(),
            tech_owner_id: app.tech_owner_id.clone().unwrap_or_default(),
            security_owner_id: app.security_owner_id.clone().unwrap_or_default(),
            data_owner_id: app.data_owner_id.clone().unwrap_or_default(),
            important_system: app.important_system.then(|| "on".into()),
            mlps_level: app.mlps_level.map(|l| l.to_string()).unwrap_or_default(),
            elderly_mode: app.elderly_mode.then(|| "on".into()),
            minors_policy: app
                .minors_policy
                .map(|u| u.as_str().into())
                .unwrap_or_default(),
            privacy_policy_url: app.privacy_policy_url.clone().unwrap_or_default(),
            complaint_channel: app.complaint_channel.clone().unwrap_or_default(),
            third_party_operated: app.third_party_operated.then(|| "on".into()),
        }
    }

    fn patch(&self) -> Result<AppPatch, Failure> {
        let mlps_level = match self.mlps_level.trim() {
            "" => 0,
            v => v
                .parse::<u8>()
                .map_err(|_| Failure::Invalid(format!("mlps_level: {v:?} is not 1–5")))?,
        };
        Ok(AppPatch {
            version: self.version,
            name: Some(self.name.clone()),
            aliases: Some(split_items(&self.aliases)),
            form: Some(self.form.clone()),
            purpose: Some(self.purpose.clone()),
            functions: Some(split_items(&self.functions)),
            user_segment: Some(self.user_segment.clone()),
            regions: Some(split_items(&self.regions)),
            department_id: Some(self.department_id.clone()),
            responsible_person_id: Some(self.responsible_person_id.clone()),
            tech_owner_id: Some(self.tech_owner_id.clone()),
            security_owner_id: Some(self.security_owner_id.clone()),
            data_owner_id: Some(self.data_owner_id.clone()),
            important_system: Some(self.important_system.is_some()),
            mlps_level: Some(mlps_level),
            elderly_mode: Some(self.elderly_mode.is_some()),
            minors_policy: Some(self.minors_policy.clone()),
            privacy_policy_url: Some(self.privacy_policy_url.clone()),
            complaint_channel: Some(self.complaint_channel.clone()),
            third_party_operated: Some(self.third_party_operated.is_some()),
        })
    }
}

/// `GET /apps/{app}/edit`.
pub async fn edit_form(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
) -> Result<Response, PageError> {
    let a: App = state
        .store
        .get(&app)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {app}")))?;
    edit_page(
        &state,
        &viewer,
        &a,
        &AppEditForm::of(&a),
        None,
        StatusCode::OK,
    )
    .await
}

async fn edit_page(
    state: &Shared,
    viewer: &Viewer,
    app: &App,
    f: &AppEditForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let within = visible_orgs(state, p, Action::EditApp).await?;
    let departments = org_choices(state, &within, Some(f.department_id.as_str())).await?;
    let people_all = people_choices(state, &None, "").await?;
    let people = |sel: &str| -> Vec<Choice> {
        people_all
            .iter()
            .map(|c| Choice {
                selected: c.value == sel,
                ..c.clone()
            })
            .collect()
    };
    let mlps: Vec<Choice> = (1..=5u8)
        .map(|l| Choice {
            value: l.to_string(),
            label: match lang {
                crate::i18n::Lang::Zh => format!("第{l}级"),
                crate::i18n::Lang::En => format!("Level {l}"),
            },
            selected: f.mlps_level == l.to_string(),
        })
        .collect();
    let html = render::page(
        state,
        viewer,
        "app_edit.html",
        context! {
            app_id => app.id.clone(),
            app_name => app.name.clone(),
            f => Value::from(Serde(f)),
            forms => Value::from(Serde(vocab_choices(lang, AppForm::parse(&f.form)))),
            segments => Value::from(Serde(vocab_choices(lang, UserSegment::parse(&f.user_segment)))),
            minors => Value::from(Serde(vocab_choices(lang, MinorsPolicy::parse(&f.minors_policy)))),
            mlps => Value::from(Serde(&mlps)),
            departments => Value::from(Serde(&departments)),
            may_unplaced => within.is_none(),
            responsible => Value::from(Serde(people(&f.responsible_person_id))),
            tech => Value::from(Serde(people(&f.tech_owner_id))),
            security => Value::from(Serde(people(&f.security_owner_id))),
            data => Value::from(Serde(people(&f.data_owner_id))),
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

/// `POST /apps/{app}/edit`: saves and returns to the app's page; a refused
/// form comes back with the message and what was typed.
pub async fn edit_submit(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Form(f): Form<AppEditForm>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let result = match f.patch() {
        Ok(patch) => edit_app(&state, p, &viewer.actor(), &app, &patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/apps/{app}#overview")).into_response()),
        Err(e @ (Failure::Invalid(_) | Failure::Conflict(_) | Failure::Refused(_))) => {
            let a: App = state
                .store
                .get(&app)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no app {app}")))?;
            let status = e.status();
            edit_page(&state, &viewer, &a, &f, Some(e.message()), status).await
        }
        Err(e) => Err(e.into()),
    }
}
