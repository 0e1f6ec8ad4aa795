//! Assessments, risk exceptions and drills over JSON (issue 6): the same
//! data and actions as `/assessments`, `/exceptions` and `/drills`,
//! narrowed to the caller's reach.

use appgov_access::Action;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use crate::auth::Viewer;
use crate::compliance::{Reach, Snapshot};
use crate::error::{ApiError, ErrorBody, Failure};
use crate::pages::assessments::{
    self as a, AssessmentDetail, AssessmentParams, AssessmentSummary, CompleteInput, DecisionInput,
    DrillInput, DrillView, ExceptionInput, ExceptionView, HeldInput, ResultsInput, StartInput,
};
use crate::state::AppState as Shared;

async fn snapshot_reach(state: &Shared, viewer: &Viewer) -> Result<(Snapshot, Reach), ApiError> {
    let p = viewer.require_api()?;
    let snap = Snapshot::load(state).await?;
    let reach = Reach::of(state, p, Action::View).await?;
    Ok((snap, reach))
}

/// Assessments and audits in the caller's reach, newest period first, each
/// with its workflow state and its results counted by value.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", params(AssessmentParams),
    responses((status = 200, body = [AssessmentSummary]), (status = 401, body = ErrorBody)))]
pub async fn list_assessments(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<AssessmentParams>,
) -> Result<Json<Vec<AssessmentSummary>>, ApiError> {
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(a::assessment_summaries(
        &snap,
        &reach,
        viewer.lang,
        &params,
    )))
}

/// Starts an assessment (in progress) with a result for every applicable
/// requirement: last period's completed results of the same kind carried
/// forward, the rest not assessed. One per app, kind and period.
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessments", request_body = StartInput,
    responses((status = 201, body = AssessmentDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_assessment(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<StartInput>,
) -> Result<(StatusCode, Json<AssessmentDetail>), ApiError> {
    let p = viewer.require_api()?;
    let x = a::start(&state, p, &viewer.actor(), &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(a::assessment_detail(&state, p, viewer.lang, &x.id).await?),
    ))
}

/// One assessment with every result.
#[utoipa::path(get, path = "/api/v1/assessments/{assessment}", tag = "assessments",
    params(("assessment" = String, Path, description = "assessment id")),
    responses((status = 200, body = AssessmentDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_assessment(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<AssessmentDetail>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(
        a::assessment_detail(&state, p, viewer.lang, &id).await?,
    ))
}

/// Records results of an open assessment (all or none).
#[utoipa::path(post, path = "/api/v1/assessments/{assessment}/results", tag = "assessments",
    request_body = ResultsInput,
    params(("assessment" = String, Path, description = "assessment id")),
    responses((status = 200, body = AssessmentDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_results(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(f): Json<ResultsInput>,
) -> Result<Json<AssessmentDetail>, ApiError> {
    let p = viewer.require_api()?;
    a::record(&state, p, &viewer.actor(), &id, &f).await?;
    Ok(Json(
        a::assessment_detail(&state, p, viewer.lang, &id).await?,
    ))
}

/// Completes an assessment once every requirement has a result; the
/// compliance matrix then reads it.
#[utoipa::path(post, path = "/api/v1/assessments/{assessment}/complete", tag = "assessments",
    request_body = CompleteInput,
    params(("assessment" = String, Path, description = "assessment id")),
    responses((status = 200, body = AssessmentDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_assessment(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(f): Json<CompleteInput>,
) -> Result<Json<AssessmentDetail>, ApiError> {
    let p = viewer.require_api()?;
    a::complete(&state, p, &viewer.actor(), &id, &f).await?;
    Ok(Json(
        a::assessment_detail(&state, p, viewer.lang, &id).await?,
    ))
}

/// Exceptions and risk acceptances in the caller's reach, those waiting
/// for a decision first; `status` says `expired` for an approved one past
/// its expiry.
#[utoipa::path(get, path = "/api/v1/exceptions", tag = "assessments",
    responses((status = 200, body = [ExceptionView]), (status = 401, body = ErrorBody)))]
pub async fn list_exceptions(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Json<Vec<ExceptionView>>, ApiError> {
    let p = viewer.require_api()?;
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(
        a::exception_views(&state, &snap, p, &reach, viewer.lang).await?,
    ))
}

async fn exception_view(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
) -> Result<ExceptionView, ApiError> {
    let p = viewer.require_api()?;
    let (snap, reach) = snapshot_reach(state, viewer).await?;
    a::exception_views(state, &snap, p, &reach, viewer.lang)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or(ApiError(Failure::Forbidden))
}

/// Requests an exception or risk acceptance for a requirement (state:
/// requested); someone else decides on it.
#[utoipa::path(post, path = "/api/v1/exceptions", tag = "assessments", request_body = ExceptionInput,
    responses((status = 201, body = ExceptionView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_exception(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<ExceptionInput>,
) -> Result<(StatusCode, Json<ExceptionView>), ApiError> {
    let p = viewer.require_api()?;
    let e = a::request_exception(&state, p, &viewer.actor(), &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(exception_view(&state, &viewer, &e.id).await?),
    ))
}

/// Approves or rejects a requested exception (never one's own: 409
/// `conflict`), or revokes an approved one. Approvals need a person
/// signed in, not an API token.
#[utoipa::path(post, path = "/api/v1/exceptions/{exception}/decide", tag = "assessments",
    request_body = DecisionInput,
    params(("exception" = String, Path, description = "exception id")),
    responses((status = 200, body = ExceptionView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_exception(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(f): Json<DecisionInput>,
) -> Result<Json<ExceptionView>, ApiError> {
    let p = viewer.require_api()?;
    a::decide_exception(&state, p, &viewer.actor(), &id, &f).await?;
    Ok(Json(exception_view(&state, &viewer, &id).await?))
}

/// The drill register, newest first, each with the app's open drill
/// obligation.
#[utoipa::path(get, path = "/api/v1/drills", tag = "registers",
    responses((status = 200, body = [DrillView]), (status = 401, body = ErrorBody)))]
pub async fn list_drills(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Json<Vec<DrillView>>, ApiError> {
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(a::drill_views(&state, &snap, &reach, viewer.lang)))
}

async fn drill_view(state: &Shared, viewer: &Viewer, id: &str) -> Result<DrillView, ApiError> {
    let (snap, reach) = snapshot_reach(state, viewer).await?;
    a::drill_views(state, &snap, &reach, viewer.lang)
        .into_iter()
        .find(|v| v.id == id)
        .ok_or(ApiError(Failure::Forbidden))
}

/// Records a drill: planned, or held when `held_on` is given (not after
/// today, with its outcome).
#[utoipa::path(post, path = "/api/v1/drills", tag = "registers", request_body = DrillInput,
    responses((status = 201, body = DrillView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_drill(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<DrillInput>,
) -> Result<(StatusCode, Json<DrillView>), ApiError> {
    let p = viewer.require_api()?;
    let d = a::create_drill(&state, p, &viewer.actor(), &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(drill_view(&state, &viewer, &d.id).await?),
    ))
}

/// Records that a planned drill was held.
#[utoipa::path(post, path = "/api/v1/drills/{drill}/held", tag = "registers",
    request_body = HeldInput,
    params(("drill" = String, Path, description = "drill id")),
    responses((status = 200, body = DrillView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn drill_held(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(f): Json<HeldInput>,
) -> Result<Json<DrillView>, ApiError> {
    let p = viewer.require_api()?;
    let d = a::drill_held(&state, p, &viewer.actor(), &id, &f).await?;
    Ok(Json(drill_view(&state, &viewer, &d.id).await?))
}
