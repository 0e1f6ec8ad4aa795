//! The compliance engine over JSON (issue 6): obligations and the evidence
//! that closes them, the compliance matrix, the ledger checks' findings,
//! and the incident, complaint and counterfeit registers — the same data
//! and actions as the pages, narrowed to the caller's reach.

use appgov_access::Action;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::compliance::{
    self as c, FindingView, MatrixView, ObligationDetail, ObligationParams, ObligationView, Reach,
    Snapshot,
};
use crate::error::{ApiError, ErrorBody};
use crate::pages::compliance::{read_form, submit};
use crate::pages::registers::{
    self as r, AdvanceInput, ComplaintInput, ComplaintView, CounterfeitInput, CounterfeitView,
    HandledInput, IncidentInput, IncidentView,
};
use crate::state::AppState as Shared;

/// Obligations in the caller's reach, overdue first.
#[utoipa::path(get, path = "/api/v1/obligations", tag = "compliance", params(ObligationParams),
    responses((status = 200, body = [ObligationView]), (status = 401, body = ErrorBody)))]
pub async fn list_obligations(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<ObligationParams>,
) -> Result<Json<Vec<ObligationView>>, ApiError> {
    let p = viewer.require_api()?;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    Ok(Json(c::obligations(
        &state,
        &snap,
        &reach,
        viewer.lang,
        &params,
    )))
}

/// One obligation: the duty, its requirements, its evidence, the next
/// instance.
#[utoipa::path(get, path = "/api/v1/obligations/{obligation}", tag = "compliance",
    params(("obligation" = String, Path, description = "obligation id")),
    responses((status = 200, body = ObligationDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_obligation(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<ObligationDetail>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(
        c::obligation_detail(&state, p, viewer.lang, &id).await?,
    ))
}

/// What an evidence upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceAnswer {
    pub evidence_id: String,
    pub revision: i64,
    pub sha256: String,
    /// The obligation, now done.
    pub obligation: ObligationDetail,
}

/// Records a document as evidence for an open obligation and closes it
/// (multipart: `kind` — one of the template's evidence kinds —, `title`,
/// `effective_on` (default today), `expires_on`, `note`, `file`, and the
/// kind's typed form as `field.<key>` — see `forms` in the obligation;
/// a missing required field or a malformed value is 422); the next
/// instance of a recurring duty is opened.
#[utoipa::path(post, path = "/api/v1/obligations/{obligation}/evidence", tag = "compliance",
    params(("obligation" = String, Path, description = "obligation id")),
    request_body(content_type = "multipart/form-data", description = "kind, title, effective_on, expires_on, note, file, field.<key> of the kind's typed form"),
    responses((status = 201, body = EvidenceAnswer), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn obligation_evidence(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<(StatusCode, Json<EvidenceAnswer>), ApiError> {
    let p = viewer.require_api()?;
    let f = read_form(mp).await?;
    let s = submit(&state, &viewer.actor(), viewer.lang, &id, f).await?;
    Ok((
        StatusCode::CREATED,
        Json(EvidenceAnswer {
            evidence_id: s.evidence.id.clone(),
            revision: s.revision.revision,
            sha256: s.revision.document_sha256.clone(),
            obligation: c::obligation_detail(&state, p, viewer.lang, &id).await?,
        }),
    ))
}

/// The compliance matrix: every app in use (and the institution) × every
/// requirement, each cell with its value and reasons.
/// `?library=gbt-41391-2022` judges against another built-in library.
#[utoipa::path(get, path = "/api/v1/compliance/matrix", tag = "compliance",
    params(c::LibraryQuery),
    responses((status = 200, body = MatrixView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_matrix(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(q): Query<c::LibraryQuery>,
) -> Result<Json<MatrixView>, ApiError> {
    let p = viewer.require_api()?;
    let lib = c::library_of(&state, q.library.as_deref())?;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    Ok(Json(c::matrix_view(lib, &snap, &reach, viewer.lang)))
}

/// A library with every live requirement item: its text in both
/// languages, what satisfies it, and the items of other libraries mapped
/// to it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LibraryBody {
    pub id: String,
    pub reference: String,
    pub name_zh: String,
    pub name_en: String,
    pub data_version: String,
    pub libraries: Vec<c::LibraryChoice>,
    pub requirements: Vec<c::RequirementView>,
}

/// The built-in libraries: the notice (default) or `?library=` another.
#[utoipa::path(get, path = "/api/v1/compliance/requirements", tag = "compliance",
    params(c::LibraryQuery),
    responses((status = 200, body = LibraryBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_requirements(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(q): Query<c::LibraryQuery>,
) -> Result<Json<LibraryBody>, ApiError> {
    viewer.require_api()?;
    let lib = c::library_of(&state, q.library.as_deref())?;
    let info = &lib.library;
    Ok(Json(LibraryBody {
        id: info.id.clone(),
        reference: info.reference.clone(),
        name_zh: info.name_zh.clone(),
        name_en: info.name_en.clone(),
        data_version: info.data_version.clone(),
        libraries: c::library_choices(&state, lib, viewer.lang),
        requirements: lib
            .live_requirements()
            .map(|r| c::requirement_view(&state, r, viewer.lang))
            .collect(),
    }))
}

/// The ledger checks' findings (GOV-…) in the caller's reach.
#[utoipa::path(get, path = "/api/v1/compliance/findings", tag = "compliance",
    responses((status = 200, body = [FindingView]), (status = 401, body = ErrorBody)))]
pub async fn get_findings(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Json<Vec<FindingView>>, ApiError> {
    let p = viewer.require_api()?;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    Ok(Json(c::findings(&snap, &reach, viewer.lang)))
}

async fn snapshot_reach(state: &Shared, viewer: &Viewer) -> Result<(Snapshot, Reach), ApiError> {
    let p = viewer.require_api()?;
    let snap = Snapshot::load(state).await?;
    let reach = Reach::of(state, p, Action::View).await?;
    Ok((snap, reach))
}

/// The incident register, newest first, each with the obligations it opened.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "registers",
    responses((status = 200, body = [IncidentView]), (status = 401, body = ErrorBody)))]
pub async fn list_incidents(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Json<Vec<IncidentView>>, ApiError> {
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(r::incident_views(&state, &snap, &reach, viewer.lang)))
}

/// Records an incident; a major or critical one opens the regulator report
/// and the special audit in the same transaction.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "registers", request_body = IncidentInput,
    responses((status = 201, body = IncidentView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_incident(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<IncidentInput>,
) -> Result<(StatusCode, Json<IncidentView>), ApiError> {
    let p = viewer.require_api()?;
    let (i, _) = r::create_incident(&state, p, &viewer.actor(), &f).await?;
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    let v = r::incident_views(&state, &snap, &reach, viewer.lang)
        .into_iter()
        .find(|v| v.id == i.id)
        .ok_or(crate::error::Failure::Forbidden)?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// The complaint register, open ones first, with their due dates.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "registers",
    responses((status = 200, body = [ComplaintView]), (status = 401, body = ErrorBody)))]
pub async fn list_complaints(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Json<Vec<ComplaintView>>, ApiError> {
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(r::complaint_views(&snap, &reach, viewer.lang)))
}

fn one<T: Clone>(list: Vec<T>, pred: impl Fn(&T) -> bool) -> Result<T, ApiError> {
    list.into_iter()
        .find(pred)
        .ok_or(ApiError(crate::error::Failure::Forbidden))
}

/// Records a complaint or PI request; due 15 working days after receipt.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "registers", request_body = ComplaintInput,
    responses((status = 201, body = ComplaintView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_complaint(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<ComplaintInput>,
) -> Result<(StatusCode, Json<ComplaintView>), ApiError> {
    let p = viewer.require_api()?;
    let x = r::create_complaint(&state, p, &viewer.actor(), &f).await?;
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    let v = one(r::complaint_views(&snap, &reach, viewer.lang), |v| {
        v.id == x.id
    })?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Records how a complaint was handled.
#[utoipa::path(post, path = "/api/v1/complaints/{complaint}/handled", tag = "registers",
    request_body = HandledInput,
    params(("complaint" = String, Path, description = "complaint id")),
    responses((status = 200, body = ComplaintView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complaint_handled(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(f): Json<HandledInput>,
) -> Result<Json<ComplaintView>, ApiError> {
    let p = viewer.require_api()?;
    let x = r::handle_complaint(&state, p, &viewer.actor(), &id, &f).await?;
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(one(
        r::complaint_views(&snap, &reach, viewer.lang),
        |v| v.id == x.id,
    )?))
}

/// The counterfeit cases, newest first, with the obligations their
/// confirmation opened.
#[utoipa::path(get, path = "/api/v1/counterfeits", tag = "registers",
    responses((status = 200, body = [CounterfeitView]), (status = 401, body = ErrorBody)))]
pub async fn list_counterfeits(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Json<Vec<CounterfeitView>>, ApiError> {
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(r::counterfeit_views(
        &state,
        &snap,
        &reach,
        viewer.lang,
    )))
}

/// Records a counterfeit found in the wild (state: detected).
#[utoipa::path(post, path = "/api/v1/counterfeits", tag = "registers", request_body = CounterfeitInput,
    responses((status = 201, body = CounterfeitView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_counterfeit(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<CounterfeitInput>,
) -> Result<(StatusCode, Json<CounterfeitView>), ApiError> {
    let p = viewer.require_api()?;
    let x = r::create_counterfeit(&state, p, &viewer.actor(), &f).await?;
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    let v = one(
        r::counterfeit_views(&state, &snap, &reach, viewer.lang),
        |v| v.id == x.id,
    )?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Moves a counterfeit case along its path (confirming it opens the public
/// clarification and the regulator report).
#[utoipa::path(post, path = "/api/v1/counterfeits/{counterfeit}/advance", tag = "registers",
    request_body = AdvanceInput,
    params(("counterfeit" = String, Path, description = "counterfeit case id")),
    responses((status = 200, body = CounterfeitView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn advance_counterfeit(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(f): Json<AdvanceInput>,
) -> Result<Json<CounterfeitView>, ApiError> {
    let p = viewer.require_api()?;
    let x = r::advance_counterfeit(&state, p, &viewer.actor(), &id, &f).await?;
    let (snap, reach) = snapshot_reach(&state, &viewer).await?;
    Ok(Json(one(
        r::counterfeit_views(&state, &snap, &reach, viewer.lang),
        |v| v.id == x.id,
    )?))
}
