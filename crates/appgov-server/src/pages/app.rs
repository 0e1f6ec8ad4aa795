//! One app's page and one release's page, with the form that requests a
//! lifecycle move.

use appgov_workflow::moves::{request_app_move, request_release_move};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::render;
use crate::state::AppState as Shared;
use crate::views;

/// `GET /apps/{app}`.
pub async fn app_page(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
) -> Result<Response, PageError> {
    show_app(&state, &viewer, &app, None, StatusCode::OK).await
}

async fn show_app(
    state: &Shared,
    viewer: &Viewer,
    app: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let d = views::app_detail(state, p, viewer.lang, app).await?;
    let html = render::page(
        state,
        viewer,
        "app.html",
        context! { app => Value::from(Serde(&d)), error => error },
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
                Failure::Conflict(m) | Failure::Invalid(m) => {
                    show_app(&state, &viewer, &app, Some(m), StatusCode::CONFLICT).await
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
            Failure::Conflict(m) | Failure::Invalid(m) => {
                show_release(&state, &viewer, &release, Some(m), StatusCode::CONFLICT).await
            }
            other => Err(other.into()),
        },
    }
}
