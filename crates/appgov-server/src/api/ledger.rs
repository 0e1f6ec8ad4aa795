//! The ledger over JSON: the same lists, records and actions as the pages
//! (built by `views`, changed through `appgov-workflow`).

use appgov_workflow::moves;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody, Failure};
use crate::pages::ledger::{NewAppForm, create_app};
use crate::pages::moves::{AttestForm, do_approve, do_attest, read_evidence};
use crate::state::AppState as Shared;
use crate::views::{
    self, AppDetail, AppList, LedgerParams, MoveDetail, MoveSummary, ReleaseDetail,
};

/// The ledger: filtered, searched, sorted, 50 apps a page, narrowed to the
/// caller's scopes.
#[utoipa::path(get, path = "/api/v1/apps", tag = "ledger", params(LedgerParams),
    responses((status = 200, body = AppList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_apps(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<LedgerParams>,
) -> Result<Json<AppList>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(
        views::app_list(&state, p, viewer.lang, &params).await?,
    ))
}

/// A new app to record (proposed).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApp {
    pub name: String,
    /// An app form (`android`, `ios`, `wechat_mini`, …).
    pub form: String,
    /// The lead department's org node id.
    #[serde(default)]
    pub department_id: Option<String>,
    #[serde(default)]
    pub responsible_person_id: Option<String>,
    /// The package identifier (Android package, Bundle ID, AppID).
    #[serde(default)]
    pub package: Option<String>,
    /// SHA-256 fingerprints of the signing certificates.
    #[serde(default)]
    pub certificates: Vec<String>,
}

/// Records a proposed app (in a department the caller may create apps in).
#[utoipa::path(post, path = "/api/v1/apps", tag = "ledger", request_body = NewApp,
    responses((status = 201, body = AppDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(n): Json<NewApp>,
) -> Result<(StatusCode, Json<AppDetail>), ApiError> {
    let p = viewer.require_api()?;
    let f = NewAppForm {
        name: n.name,
        form: n.form,
        department_id: n.department_id.unwrap_or_default(),
        responsible_person_id: n.responsible_person_id.unwrap_or_default(),
        package: n.package.unwrap_or_default(),
        certificates: n.certificates.join("\n"),
    };
    let id = create_app(&state, p, &viewer.actor(), &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(views::app_detail(&state, p, viewer.lang, &id).await?),
    ))
}

/// Everything about one app: attributes, identities, channels, releases
/// with findings and diffs, SDKs, agreements, filings, lifecycle, history.
#[utoipa::path(get, path = "/api/v1/apps/{app}", tag = "ledger",
    params(("app" = String, Path, description = "app id")),
    responses((status = 200, body = AppDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_app(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
) -> Result<Json<AppDetail>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(views::app_detail(&state, p, viewer.lang, &app).await?))
}

/// A lifecycle move to request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MoveRequest {
    /// The state to move to (machine name).
    pub to: String,
    #[serde(default)]
    pub reason: String,
}

/// Requests a move of the app (pending until someone else approves it).
#[utoipa::path(post, path = "/api/v1/apps/{app}/moves", tag = "moves", request_body = MoveRequest,
    params(("app" = String, Path, description = "app id")),
    responses((status = 201, body = MoveDetail), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_app_move(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Json(r): Json<MoveRequest>,
) -> Result<(StatusCode, Json<MoveDetail>), ApiError> {
    let p = viewer.require_api()?;
    let t = moves::request_app_move(&state.store, &viewer.actor(), &app, &r.to, r.reason.trim())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::move_detail(&state, p, viewer.lang, &t.id).await?),
    ))
}

/// One release with its findings, SDKs, diff to the previous release and
/// moves.
#[utoipa::path(get, path = "/api/v1/releases/{release}", tag = "ledger",
    params(("release" = String, Path, description = "release id")),
    responses((status = 200, body = ReleaseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_release(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(release): Path<String>,
) -> Result<Json<ReleaseDetail>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(
        views::release_detail(&state, p, viewer.lang, &release).await?,
    ))
}

/// Requests a move of the release.
#[utoipa::path(post, path = "/api/v1/releases/{release}/moves", tag = "moves", request_body = MoveRequest,
    params(("release" = String, Path, description = "release id")),
    responses((status = 201, body = MoveDetail), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_release_move(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(release): Path<String>,
    Json(r): Json<MoveRequest>,
) -> Result<(StatusCode, Json<MoveDetail>), ApiError> {
    let p = viewer.require_api()?;
    let t = moves::request_release_move(
        &state.store,
        &viewer.actor(),
        &release,
        &r.to,
        r.reason.trim(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(views::move_detail(&state, p, viewer.lang, &t.id).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MovesQuery {
    /// Only moves the caller may approve and did not request.
    #[serde(default)]
    pub waiting: Option<bool>,
}

/// Pending moves in the caller's scope.
#[utoipa::path(get, path = "/api/v1/moves", tag = "moves", params(MovesQuery),
    responses((status = 200, body = Vec<MoveSummary>), (status = 401, body = ErrorBody)))]
pub async fn list_moves(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(q): Query<MovesQuery>,
) -> Result<Json<Vec<MoveSummary>>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(
        views::pending_moves(&state, p, viewer.lang, q.waiting.unwrap_or(false)).await?,
    ))
}

/// A move with its gate checklist evaluated now.
#[utoipa::path(get, path = "/api/v1/moves/{move}", tag = "moves",
    params(("move" = String, Path, description = "move id")),
    responses((status = 200, body = MoveDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_move(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<MoveDetail>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(views::move_detail(&state, p, viewer.lang, &id).await?))
}

async fn detail(state: &Shared, viewer: &Viewer, id: &str) -> Result<Json<MoveDetail>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(views::move_detail(state, p, viewer.lang, id).await?))
}

/// An attestation to sign.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Attestation {
    /// The checklist item's id.
    pub item: String,
    #[serde(default)]
    pub statement: String,
}

/// Signs an attestation item of a pending move.
#[utoipa::path(post, path = "/api/v1/moves/{move}/attest", tag = "moves", request_body = Attestation,
    params(("move" = String, Path, description = "move id")),
    responses((status = 200, body = MoveDetail), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attest(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(a): Json<Attestation>,
) -> Result<Json<MoveDetail>, ApiError> {
    viewer.require_api()?;
    let f = AttestForm {
        item: a.item,
        statement: a.statement,
    };
    do_attest(&state, &viewer.actor(), &id, &f).await?;
    detail(&state, &viewer, &id).await
}

/// Attaches a document as evidence (multipart: `item`, `file`).
#[utoipa::path(post, path = "/api/v1/moves/{move}/evidence", tag = "moves",
    params(("move" = String, Path, description = "move id")),
    request_body(content_type = "multipart/form-data", description = "`item`: the checklist item's id; `file`: the document"),
    responses((status = 200, body = MoveDetail), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn evidence(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    mp: axum::extract::Multipart,
) -> Result<Json<MoveDetail>, ApiError> {
    viewer.require_api()?;
    let (item, name, bytes) = read_evidence(mp).await?;
    moves::add_evidence(&state.store, &viewer.actor(), &id, &item, name, &bytes).await?;
    detail(&state, &viewer, &id).await
}

/// Confirms every difference to the live release as reviewed (change gate).
#[utoipa::path(post, path = "/api/v1/moves/{move}/review-diff", tag = "moves",
    params(("move" = String, Path, description = "move id")),
    responses((status = 200, body = MoveDetail), (status = 409, body = ErrorBody)))]
pub async fn review_diff(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<MoveDetail>, ApiError> {
    viewer.require_api()?;
    moves::review_diff(&state.store, &viewer.actor(), &id).await?;
    detail(&state, &viewer, &id).await
}

/// A comment on a decision.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Decision {
    #[serde(default)]
    pub comment: String,
}

/// Approves a pending move (not one's own; every item met) and applies it.
/// API tokens cannot approve: a person does, signed in.
#[utoipa::path(post, path = "/api/v1/moves/{move}/approve", tag = "moves", request_body = Decision,
    params(("move" = String, Path, description = "move id")),
    responses((status = 200, body = MoveDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(d): Json<Decision>,
) -> Result<Json<MoveDetail>, ApiError> {
    let p = viewer.require_api()?;
    do_approve(&state, p, &viewer.actor(), &id, &d.comment).await?;
    detail(&state, &viewer, &id).await
}

/// Rejects a pending move.
#[utoipa::path(post, path = "/api/v1/moves/{move}/reject", tag = "moves", request_body = Decision,
    params(("move" = String, Path, description = "move id")),
    responses((status = 200, body = MoveDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(d): Json<Decision>,
) -> Result<Json<MoveDetail>, ApiError> {
    viewer.require_api()?;
    moves::reject_move(&state.store, &viewer.actor(), &id, d.comment.trim())
        .await
        .map_err(Failure::from)?;
    detail(&state, &viewer, &id).await
}

/// Withdraws one's own pending request.
#[utoipa::path(post, path = "/api/v1/moves/{move}/withdraw", tag = "moves",
    params(("move" = String, Path, description = "move id")),
    responses((status = 200, body = MoveDetail), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<MoveDetail>, ApiError> {
    viewer.require_api()?;
    moves::withdraw_move(&state.store, &viewer.actor(), &id).await?;
    detail(&state, &viewer, &id).await
}
