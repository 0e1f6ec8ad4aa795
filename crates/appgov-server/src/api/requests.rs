//! Evidence requests over JSON: list (the caller's own or all in reach),
//! create, fulfil by uploading the evidence, cancel.

use appgov_access::Action;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::compliance::{Reach, Snapshot};
use crate::error::{ApiError, ErrorBody, Failure};
use crate::pages::requests::{
    self as rq, RequestInput, RequestParams, RequestView, filtered, request_views,
};
use crate::state::AppState as Shared;

async fn view_of(state: &Shared, viewer: &Viewer, id: &str) -> Result<RequestView, ApiError> {
    let p = viewer.require_api()?;
    let snap = Snapshot::load(state).await?;
    let reach = Reach::of(state, p, Action::View).await?;
    Ok(request_views(state, &snap, &reach, viewer)
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(Failure::Forbidden)?)
}

/// Evidence requests in the caller's reach: open ones first (by due
/// date), each marked `overdue` and `mine` (assigned to the caller's
/// person or asked by the caller).
#[utoipa::path(get, path = "/api/v1/evidence-requests", tag = "compliance", params(RequestParams),
    responses((status = 200, body = [RequestView]), (status = 401, body = ErrorBody)))]
pub async fn list_requests(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<RequestParams>,
) -> Result<Json<Vec<RequestView>>, ApiError> {
    let p = viewer.require_api()?;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    Ok(Json(filtered(
        request_views(&state, &snap, &reach, &viewer),
        &params,
    )))
}

/// Asks a person of the ledger for a piece of evidence by a date: from an
/// obligation (`obligation`; its app, requirement and evidence kind
/// follow) or from a requirement (`requirement`, optionally `app`, and a
/// `kind` that proves it). The caller must be able to record evidence
/// where the request belongs.
#[utoipa::path(post, path = "/api/v1/evidence-requests", tag = "compliance", request_body = RequestInput,
    responses((status = 201, body = RequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_request(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<RequestInput>,
) -> Result<(StatusCode, Json<RequestView>), ApiError> {
    let p = viewer.require_api()?;
    let r = rq::create(&state, p, &viewer.actor(), &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(view_of(&state, &viewer, &r.id).await?),
    ))
}

/// What fulfilling a request did.
#[derive(Debug, Serialize, ToSchema)]
pub struct FulfilAnswer {
    pub evidence_id: String,
    pub revision: i64,
    pub sha256: String,
    /// The request, now fulfilled.
    pub request: RequestView,
    /// The obligation the evidence closed, if the request was for one.
    pub obligation_closed: Option<String>,
}

/// Fulfils an open request by uploading the evidence (multipart: `file`,
/// `title`, `effective_on`, `expires_on`, `note`, and the kind's typed
/// form as `field.<key>`; `kind` defaults to the request's). The evidence
/// is linked, the request closed, and its obligation (if any) closed too.
#[utoipa::path(post, path = "/api/v1/evidence-requests/{request}/evidence", tag = "compliance",
    params(("request" = String, Path, description = "evidence request id")),
    request_body(content_type = "multipart/form-data", description = "file, title, effective_on, expires_on, note, field.<key>"),
    responses((status = 201, body = FulfilAnswer), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn fulfil_request(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<(StatusCode, Json<FulfilAnswer>), ApiError> {
    viewer.require_api()?;
    let s = rq::fulfil(&state, &viewer, &id, mp).await?;
    Ok((
        StatusCode::CREATED,
        Json(FulfilAnswer {
            evidence_id: s.evidence.id.clone(),
            revision: s.revision.revision,
            sha256: s.revision.document_sha256.clone(),
            request: view_of(&state, &viewer, &id).await?,
            obligation_closed: s.closed.map(|o| o.id),
        }),
    ))
}

/// Cancels an open request.
#[utoipa::path(post, path = "/api/v1/evidence-requests/{request}/cancel", tag = "compliance",
    params(("request" = String, Path, description = "evidence request id")),
    responses((status = 200, body = RequestView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel_request(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<RequestView>, ApiError> {
    viewer.require_api()?;
    appgov_workflow::compliance::cancel_request(&state.store, &viewer.actor(), &id).await?;
    Ok(Json(view_of(&state, &viewer, &id).await?))
}
