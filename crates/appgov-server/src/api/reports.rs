//! Report downloads over the API: the same files as `/reports`.

use axum::extract::{Path, Query, State};
use axum::response::Response;

use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::reports::{self, ReportParams};
use crate::state::AppState as Shared;

/// A compliance report as a file: `ledger`, `compliance-matrix`,
/// `annual-risk-assessment` (HTML, PDF or XLSX) or `evidence-pack` (zip).
/// Reports cover the whole institution: an institution-wide grant is
/// needed. The file name (Chinese) is in `Content-Disposition`'s
/// `filename*`. PDF needs a build with the `pdf` feature (else 501) and a
/// CJK font on the server (else 503); busy renderers answer 503 too.
#[utoipa::path(get, path = "/api/v1/reports/{kind}", tag = "compliance",
    params(("kind" = String, Path, description = "ledger, compliance-matrix, annual-risk-assessment or evidence-pack"), ReportParams),
    responses(
        (status = 200, description = "the report", content(
            (String = "text/html"), (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/zip"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 501, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn get_report(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(kind): Path<String>,
    Query(params): Query<ReportParams>,
) -> Result<Response, ApiError> {
    viewer.require_api()?;
    let (req, format) = reports::parse(&kind, &params, viewer.lang)?;
    Ok(reports::produce(&state, req, format, viewer.lang).await?)
}
