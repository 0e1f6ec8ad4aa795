//! The API for CI: post a release package, get its findings and a pass or
//! fail by policy.
//!
//! `POST /api/v1/apps/{app}/releases` takes the package (multipart, or the
//! raw body with `?file_name=`), stores it and queues its scan: 202 with
//! the job. With `?wait=SECONDS` it waits for the scan: 200 with the
//! release, its findings, SDKs, continuity alerts and `pass` (false when a
//! finding in force is at or above `?fail_on=`, default high — as `appgov
//! scan --fail-on`); 422 with the analyser's error when the package cannot
//! be analysed; still 202 when the wait ran out; 503 with the job (and
//! `Retry-After`) when the server began stopping during the wait.

use std::time::Duration;

use appgov_checks::Severity;
use appgov_ledger::model::App;
use appgov_store::jobs::{JobState, ScanJob};
use axum::Json;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody, Failure};
use crate::jobs::{outcome, passes};
use crate::state::AppState;
use crate::upload::{self, UploadRequest};

/// The longest `?wait=`.
pub const MAX_WAIT_SECS: u64 = 3600;
/// A waiting CI call reads its job at least this often.
const WAIT_POLL: Duration = Duration::from_secs(1);

/// A scan job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub app_id: String,
    pub file_name: String,
    pub size: i64,
    /// SHA-256 of the package.
    pub package_sha256: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// `queued`, `analysing`, `checking`, `recording`, `done` or `failed`.
    pub stage: Option<String>,
    pub attempts: i64,
    /// Why the job failed (or, when done, a note such as a refused move).
    pub error: Option<String>,
    /// The release recorded from the package.
    pub release_id: Option<String>,
    pub request_move: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The job's page for people.
    pub url: String,
}

impl JobView {
    fn of(j: &ScanJob, origin: &str) -> JobView {
        JobView {
            id: j.id.clone(),
            app_id: j.app_id.clone(),
            file_name: j.file_name.clone(),
            size: j.size,
            package_sha256: j.package_sha256.clone(),
            state: j.state.as_str().into(),
            stage: j.stage.clone(),
            attempts: j.attempts,
            error: j.error.clone(),
            release_id: j.release_id.clone(),
            request_move: j.request_move.clone(),
            requested_by: j.requested_by.clone(),
            requested_at: j.requested_at.clone(),
            started_at: j.started_at.clone(),
            finished_at: j.finished_at.clone(),
            url: format!("{origin}/jobs/{}", j.id),
        }
    }
}

/// A recorded release.
#[derive(Debug, Serialize, ToSchema)]
// Named apart from the ledger pages' views of the same things.
#[schema(as = ScannedRelease)]
pub struct ReleaseView {
    pub id: String,
    pub app_id: String,
    /// Package name.
    pub identifier: String,
    pub version_name: Option<String>,
    pub version_code: Option<i64>,
    pub file_name: String,
    pub artifact_sha256: String,
    pub artifact_size: i64,
    /// SHA-256 of each signing certificate.
    pub signer_sha256: Vec<String>,
    pub min_sdk: Option<i64>,
    pub target_sdk: Option<i64>,
    /// The release's state (`analysed`, `in_test`, …).
    pub state: String,
    /// Findings by severity (critical counted with high).
    pub findings_high: i64,
    pub findings_medium: i64,
    pub findings_low: i64,
}

/// A finding in force on the release.
#[derive(Debug, Serialize, ToSchema)]
// Named apart from the ledger pages' views of the same things.
#[schema(as = ScannedFinding)]
pub struct FindingView {
    /// The check, e.g. `PKG-004`.
    pub rule: String,
    /// `critical`, `high`, `medium` or `low`.
    pub severity: String,
    pub title: String,
    pub location: Option<String>,
}

/// A third-party SDK found in the release.
#[derive(Debug, Serialize, ToSchema)]
// Named apart from the ledger pages' views of the same things.
#[schema(as = ScannedSdk)]
pub struct SdkView {
    /// The catalog's id, e.g. `umeng-analytics`.
    pub sdk: String,
    pub name: String,
    pub vendor: Option<String>,
    /// Personal information categories the catalog says it collects.
    pub collects: Vec<String>,
}

/// The release's signer or package name is not one the app's identities
/// know.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContinuityAlertView {
    /// `unknown_certificate`, `unknown_identifier`, `no_identity` or `unsigned`.
    pub kind: String,
    pub unknown_certificates: Vec<String>,
    pub expected_certificates: Vec<String>,
    pub reason_zh: String,
    pub reason_en: String,
}

/// A scan job and, once done, what it recorded and whether it passes.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanAnswer {
    pub job: JobView,
    pub release: Option<ReleaseView>,
    /// Worst first.
    pub findings: Vec<FindingView>,
    pub sdks: Vec<SdkView>,
    pub continuity_alerts: Vec<ContinuityAlertView>,
    /// The threshold `pass` was judged at.
    pub fail_on: String,
    /// No finding in force at or above `fail_on` (null until done).
    pub pass: Option<bool>,
}

/// A job whose package could not be analysed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanFailed {
    /// `analysis_failed`.
    pub error: String,
    /// The analyser's (or the limit's) message.
    pub message: String,
    pub job: JobView,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The package's file name, when the body is the raw package.
    pub file_name: Option<String>,
    /// Wait up to this many seconds for the scan (at most 3600).
    pub wait: Option<u64>,
    /// `critical`, `high` (default), `medium` or `low`.
    pub fail_on: Option<String>,
    /// A release state to request once recorded, e.g. `in_test`.
    pub request_move: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// Wait up to this many seconds for the scan to end (at most 3600).
    pub wait: Option<u64>,
    /// `critical`, `high` (default), `medium` or `low`.
    pub fail_on: Option<String>,
}

fn fail_on(s: Option<&str>) -> Result<Severity, Failure> {
    match s {
        None => Ok(Severity::High),
        Some(s) => Severity::parse(s).ok_or_else(|| {
            Failure::Invalid(format!(
                "fail_on {s:?} is not one of critical, high, medium, low"
            ))
        }),
    }
}

/// How a wait ended.
#[derive(Debug, PartialEq, Eq)]
enum Waited {
    /// The job ended, or the wait ran out.
    AsAsked,
    /// The server is stopping: the caller polls the job after the restart.
    Stopping,
}

/// Waits for the job to end, or the wait to run out, or the server to
/// begin stopping: woken when a worker of this server ends a job, and
/// reading the job at least every second (it may be another server's).
async fn wait_for(
    state: &AppState,
    mut job: ScanJob,
    secs: u64,
) -> Result<(ScanJob, Waited), Failure> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs.min(MAX_WAIT_SECS));
    let mut stopping = state.stopping.subscribe();
    loop {
        // Listening before reading, so an end between the two is not missed.
        let ended = state.scan_finished.notified();
        tokio::pin!(ended);
        ended.as_mut().enable();
        job = state
            .store
            .scan_job(&job.id)
            .await?
            .ok_or_else(|| Failure::NotFound(format!("no scan job {}", job.id)))?;
        if !matches!(job.state, JobState::Queued | JobState::Running)
            || tokio::time::Instant::now() >= deadline
        {
            return Ok((job, Waited::AsAsked));
        }
        if *stopping.borrow_and_update() {
            return Ok((job, Waited::Stopping));
        }
        tokio::select! {
            _ = ended => {}
            _ = tokio::time::sleep(WAIT_POLL) => {}
            _ = tokio::time::sleep_until(deadline) => {}
            _ = stopping.changed() => {}
        }
    }
}

/// The answer for a job as it stands: 200 done, 422 failed, `pending`
/// otherwise (202 after an upload, 200 for a status read).
async fn answer(
    state: &AppState,
    job: &ScanJob,
    threshold: Severity,
    pending: StatusCode,
) -> Result<Response, Failure> {
    let view = JobView::of(job, &state.origin);
    match job.state {
        JobState::Failed => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(ScanFailed {
                error: "analysis_failed".into(),
                message: job.error.clone().unwrap_or_default(),
                job: view,
            }),
        )
            .into_response()),
        JobState::Done => {
            let o = outcome(&state.store, job).await?;
            let mut a = ScanAnswer {
                job: view,
                release: None,
                findings: vec![],
                sdks: vec![],
                continuity_alerts: vec![],
                fail_on: threshold.as_str().into(),
                pass: None,
            };
            if let Some(o) = o {
                a.pass = Some(passes(&o.findings, threshold));
                let r = o.release;
                a.release = Some(ReleaseView {
                    id: r.id,
                    app_id: r.app_id,
                    identifier: r.identifier,
                    version_name: r.version_name,
                    version_code: r.version_code,
                    file_name: r.file_name,
                    artifact_sha256: r.artifact_sha256,
                    artifact_size: r.artifact_size,
                    signer_sha256: r.signer_sha256,
                    min_sdk: r.min_sdk,
                    target_sdk: r.target_sdk,
                    state: r.state.as_str().into(),
                    findings_high: r.findings_high,
                    findings_medium: r.findings_medium,
                    findings_low: r.findings_low,
                });
                a.findings = o
                    .findings
                    .into_iter()
                    .map(|f| FindingView {
                        rule: f.rule,
                        severity: f.severity,
                        title: f.title,
                        location: f.location,
                    })
                    .collect();
                a.sdks = o
                    .sdks
                    .into_iter()
                    .map(|s| SdkView {
                        sdk: s.sdk,
                        name: s.name,
                        vendor: s.vendor,
                        collects: s.collects,
                    })
                    .collect();
                a.continuity_alerts = o
                    .continuity_alerts
                    .into_iter()
                    .map(|c| ContinuityAlertView {
                        kind: serde_json::to_value(c.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        unknown_certificates: c.unknown_certificates,
                        expected_certificates: c.expected_certificates,
                        reason_zh: c.reason.zh,
                        reason_en: c.reason.en,
                    })
                    .collect();
            }
            Ok((StatusCode::OK, Json(a)).into_response())
        }
        JobState::Queued | JobState::Running => Ok((
            pending,
            Json(ScanAnswer {
                job: view,
                release: None,
                findings: vec![],
                sdks: vec![],
                continuity_alerts: vec![],
                fail_on: threshold.as_str().into(),
                pass: None,
            }),
        )
            .into_response()),
    }
}

/// The answer after an optional wait: as [`answer`], or — when the server
/// began stopping during the wait — 503 with the job as it stands and
/// `Retry-After`, so CI polls `GET /api/v1/jobs/{id}` once it is back (the
/// job is kept and completes after the restart).
async fn waited(
    state: &AppState,
    job: ScanJob,
    wait: Option<u64>,
    threshold: Severity,
    pending: StatusCode,
) -> Result<Response, ApiError> {
    let (job, how) = match wait {
        Some(secs) if secs > 0 => wait_for(state, job, secs).await?,
        _ => (job, Waited::AsAsked),
    };
    if how == Waited::Stopping && matches!(job.state, JobState::Queued | JobState::Running) {
        let mut r = answer(state, &job, threshold, StatusCode::SERVICE_UNAVAILABLE).await?;
        r.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("30"),
        );
        return Ok(r);
    }
    Ok(answer(state, &job, threshold, pending).await?)
}

/// Uploads a release package and queues its scan; optionally waits for
/// the findings and a pass/fail by policy.
#[utoipa::path(post, path = "/api/v1/apps/{app}/releases", tag = "releases",
    params(("app" = String, Path, description = "The app's id"), UploadQuery),
    request_body(
        description = "The package: `multipart/form-data` with a file field (`curl -F package=@app.apk`), or the raw bytes with `?file_name=`.",
        content(
            (Vec<u8> = "application/octet-stream"),
            (Vec<u8> = "multipart/form-data"),
        ),
    ),
    responses(
        (status = 202, description = "Queued (or still scanning when the wait ran out)", body = ScanAnswer),
        (status = 200, description = "Scanned and recorded (with `?wait=`)", body = ScanAnswer),
        (status = 503, description = "The server began stopping during `?wait=`: the job is kept; poll `GET /api/v1/jobs/{id}` after `Retry-After`", body = ScanAnswer),
        (status = 422, description = "The package cannot be analysed, or the request is invalid", body = ScanFailed),
        (status = 409, description = "The package is already a release of the app, or being scanned", body = ErrorBody),
        (status = 413, description = "Over the upload limit", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn upload_release(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(app): Path<String>,
    Query(q): Query<UploadQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    viewer.require_api()?;
    let threshold = fail_on(q.fail_on.as_deref())?;
    let app: App = state
        .store
        .get(&app)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {app}")))?;
    let request_move = q.request_move.clone().filter(|s| !s.trim().is_empty());
    upload::check_app(&state, &viewer, &app, request_move.as_deref()).await?;
    let received = upload::receive(&state, req, q.file_name.as_deref()).await?;
    // A form may name the move too.
    let request_move = request_move.or_else(|| received.field("request_move").map(str::to_string));
    upload::check_app(&state, &viewer, &app, request_move.as_deref()).await?;
    let job = upload::enqueue(
        &state,
        &viewer,
        &app,
        &received,
        &UploadRequest {
            request_move,
            source: "api",
        },
    )
    .await?;
    waited(&state, job, q.wait, threshold, StatusCode::ACCEPTED).await
}

/// A scan job: its state and, once done, the release with its findings,
/// SDKs and pass/fail (422 when it failed).
#[utoipa::path(get, path = "/api/v1/jobs/{job}", tag = "releases",
    params(("job" = String, Path, description = "The job's id"), JobQuery),
    responses(
        (status = 200, description = "The job (with the release once done)", body = ScanAnswer),
        (status = 503, description = "The server began stopping during `?wait=`; poll again after `Retry-After`", body = ScanAnswer),
        (status = 422, description = "The scan failed", body = ScanFailed),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn job_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(job): Path<String>,
    Query(q): Query<JobQuery>,
) -> Result<Response, ApiError> {
    viewer.require_api()?;
    let threshold = fail_on(q.fail_on.as_deref())?;
    let job = state
        .store
        .scan_job(&job)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no scan job {job}")))?;
    waited(&state, job, q.wait, threshold, StatusCode::OK).await
}
