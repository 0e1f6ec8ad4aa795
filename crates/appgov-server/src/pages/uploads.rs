//! Release upload and scan progress: the upload form of an app (a plain
//! file input — works without JavaScript), the multipart post that stores
//! the package and queues its scan, and the job's page (refreshed by htmx
//! every 2 s, or by a `<noscript>` meta refresh), which shows the recorded
//! release's findings, SDKs and continuity alerts once done.

use appgov_ledger::model::App;
use appgov_store::jobs::{JobState, ScanJob};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::jobs::{Outcome, outcome};
use crate::render;
use crate::state::AppState;
use crate::upload::{self, UploadRequest};

async fn load_app(state: &AppState, id: &str) -> Result<App, Failure> {
    state
        .store
        .get::<App>(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {id}")))
}

fn job_value(j: &ScanJob) -> Value {
    context! {
        id => j.id.clone(),
        file_name => j.file_name.clone(),
        size => j.size,
        state => j.state.as_str(),
        stage => j.stage.clone().unwrap_or_else(|| j.state.as_str().to_string()),
        attempts => j.attempts,
        error => j.error.clone(),
        requested_by => j.requested_by.clone(),
        requested_at => j.requested_at.clone(),
        finished => matches!(j.state, JobState::Done | JobState::Failed),
    }
}

async fn upload_form(
    state: &AppState,
    viewer: &Viewer,
    app: &App,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let jobs = state.store.scan_jobs_of_app(&app.id, 10).await?;
    let html = render::page(
        state,
        viewer,
        "upload.html",
        context! {
            app => context! { id => app.id.clone(), name => app.name.clone() },
            accepting => appgov_workflow::releases::accepts_releases(app).is_ok(),
            limit_mib => state.config.upload_limit_mib,
            error => error,
            jobs => jobs.iter().map(job_value).collect::<Vec<_>>(),
        },
    )?;
    Ok((status, html).into_response())
}

/// `GET /apps/{app}/upload`
pub async fn upload_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(app): Path<String>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let app = load_app(&state, &app).await?;
    upload_form(&state, &viewer, &app, None, StatusCode::OK).await
}

/// The form again with why the upload was refused (and its status).
async fn refused(
    state: &AppState,
    viewer: &Viewer,
    app: &App,
    f: Failure,
) -> Result<Response, PageError> {
    match f {
        Failure::NotFound(_)
        | Failure::Invalid(_)
        | Failure::Conflict(_)
        | Failure::TooLarge(_) => {
            upload_form(state, viewer, app, Some(f.message()), f.status()).await
        }
        other => Err(other.into()),
    }
}

/// `POST /apps/{app}/releases` (multipart; CSRF token in the query).
pub async fn upload_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(app): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    viewer.require()?;
    let app = load_app(&state, &app).await?;
    if let Err(f) = upload::check_app(&state, &viewer, &app, None).await {
        return refused(&state, &viewer, &app, f).await;
    }
    let received = match upload::receive(&state, req, None).await {
        Ok(r) => r,
        Err(f) => return refused(&state, &viewer, &app, f).await,
    };
    let request_move = received.field("request_move").map(str::to_string);
    if let Err(f) = upload::check_app(&state, &viewer, &app, request_move.as_deref()).await {
        return refused(&state, &viewer, &app, f).await;
    }
    let job = match upload::enqueue(
        &state,
        &viewer,
        &app,
        &received,
        &UploadRequest {
            request_move,
            source: "web",
        },
    )
    .await
    {
        Ok(j) => j,
        Err(f) => return refused(&state, &viewer, &app, f).await,
    };
    Ok(Redirect::to(&format!("/jobs/{}", job.id)).into_response())
}

fn outcome_value(o: &Outcome, lang: Lang) -> Value {
    let r = &o.release;
    context! {
        release => context! {
            id => r.id.clone(),
            identifier => r.identifier.clone(),
            version_name => r.version_name.clone(),
        },
        findings => o.findings.iter().map(|f| context! {
            rule => f.rule.clone(),
            severity => f.severity.clone(),
            title => f.title.clone(),
            location => f.location.clone(),
        }).collect::<Vec<_>>(),
        sdks => o.sdks.iter().map(|s| context! {
            name => s.name.clone(),
            vendor => s.vendor.clone(),
            collects => s.collects.clone(),
        }).collect::<Vec<_>>(),
        alerts => o.continuity_alerts.iter().map(|a| match lang {
            Lang::Zh => a.reason.zh.clone(),
            Lang::En => a.reason.en.clone(),
        }).collect::<Vec<_>>(),
    }
}

/// `GET /jobs/{job}`: the whole page, or (for htmx) the status fragment.
pub async fn job_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(job): Path<String>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    viewer.require()?;
    let job = state
        .store
        .scan_job(&job)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no scan job {job}")))?;
    let app = load_app(&state, &job.app_id).await?;
    let outcome = outcome(&state.store, &job).await?;
    let fragment = headers.get("hx-request").is_some();
    render::page(
        &state,
        &viewer,
        if fragment {
            "job_status.html"
        } else {
            "job.html"
        },
        context! {
            job => job_value(&job),
            app => context! { id => app.id.clone(), name => app.name.clone() },
            outcome => outcome.as_ref().map(|o| outcome_value(o, viewer.lang)),
        },
    )
}
