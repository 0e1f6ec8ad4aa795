//! Receiving a release package: streamed into the file store as it
//! arrives (never held in memory — packages reach a GiB), checked against
//! the upload limit, then queued for a scan. The upload is acknowledged
//! only after the job's row committed, so an acknowledged upload survives
//! a crash: the file is stored (fsynced, renamed) before the row names it.
//!
//! Two shapes: a `multipart/form-data` form (the page, or CI with `curl
//! -F package=@app.apk`), whose file field is the package, or the raw
//! package as the body with `?file_name=` (CI with `--data-binary`).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use appgov_access::Action;
use appgov_access::roles::app_org;
use appgov_ledger::ReleaseState;
use appgov_ledger::model::{App, Release};
use appgov_store::Incoming;
use appgov_store::jobs::{JobState, NewJob, ScanJob};
use axum::body::{Body, BodyDataStream, Bytes};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use futures_util::{Stream, StreamExt};

use crate::auth::Viewer;
use crate::error::Failure;
use crate::state::AppState;

/// Written to disk in pieces of this size (fewer, larger writes).
const WRITE_BUFFER: usize = 1 << 20;
/// A refused upload's remaining body is read (and discarded) up to this
/// much, so the client gets to read the 413 instead of a reset
/// connection; past it the connection is closed.
const DRAIN_LIMIT: u64 = 256 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(60);
/// The largest text field of an upload form.
const FIELD_LIMIT: usize = 4096;

/// A package that arrived and is in the file store.
#[derive(Debug)]
pub struct Received {
    pub sha256: String,
    pub size: u64,
    pub file_name: String,
    /// The form's text fields (multipart only).
    pub fields: Vec<(String, String)>,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

/// The request body, shared: the multipart parser reads it through one
/// handle, and a refused upload drains the rest through another.
struct SharedBody(Arc<Mutex<BodyDataStream>>);

impl Stream for SharedBody {
    type Item = Result<Bytes, axum::Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Locked only for this poll, never across an await.
        let mut inner = self.0.lock().expect("upload body lock");
        Pin::new(&mut *inner).poll_next(cx)
    }
}

pub fn too_large(limit_mib: u64) -> Failure {
    Failure::TooLarge(format!(
        "安装包超过上传上限 {limit_mib} MiB / the package exceeds the upload limit of {limit_mib} MiB (upload_limit_mib)"
    ))
}

/// The name a package was sent as, without any directory (browsers may
/// send `C:\fakepath\…`), control characters, or excess length.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let name = name.trim();
    if name.is_empty() || name == "." || name == ".." {
        "package".into()
    } else {
        name.to_string()
    }
}

/// Receives the package of `req` into the file store.
pub async fn receive(
    state: &AppState,
    req: Request,
    raw_file_name: Option<&str>,
) -> Result<Received, Failure> {
    let limit_mib = state.config.upload_limit_mib;
    let limit = limit_mib << 20;
    let (parts, body) = req.into_parts();
    let declared = crate::limits::content_length(&parts.headers);
    let shared = Arc::new(Mutex::new(body.into_data_stream()));
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let result = if declared.is_some_and(|n| n > limit + (1 << 20)) {
        // Refused from its declared length (a form's own fields and
        // boundaries take well under a MiB).
        Err(too_large(limit_mib))
    } else if multipart {
        let req = Request::from_parts(parts, Body::from_stream(SharedBody(shared.clone())));
        match Multipart::from_request(req, &()).await {
            Ok(m) => receive_form(state, m, limit, limit_mib).await,
            Err(e) => Err(Failure::Invalid(e.body_text())),
        }
    } else {
        let name = raw_file_name.map(clean_file_name).ok_or_else(|| {
            Failure::Invalid(
                "send the package as multipart/form-data, or as the body with ?file_name=NAME"
                    .into(),
            )
        })?;
        let mut writer = Writer::new(state, limit, limit_mib)?;
        let mut chunks = SharedBody(shared.clone());
        let mut failed = None;
        while let Some(chunk) = chunks.next().await {
            match chunk {
                Ok(c) => {
                    if let Err(f) = writer.append(&c).await {
                        failed = Some(f);
                        break;
                    }
                }
                Err(e) => {
                    failed = Some(body_failure(&e.to_string(), limit_mib));
                    break;
                }
            }
        }
        match failed {
            Some(f) => Err(f),
            None => writer.finish(name, Vec::new()).await,
        }
    };
    if matches!(result, Err(Failure::TooLarge(_))) && declared.is_none_or(|n| n <= DRAIN_LIMIT) {
        crate::limits::drain(SharedBody(shared), DRAIN_LIMIT, DRAIN_TIME).await;
    }
    result
}

fn internal(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(format!("storing an upload: {e}"))
}

/// A body that stopped: over the server-wide body limit, or broken off.
fn body_failure(message: &str, limit_mib: u64) -> Failure {
    if message.contains("length limit") || message.contains("too large") {
        too_large(limit_mib)
    } else {
        Failure::Invalid(format!("the upload broke off: {message}"))
    }
}

/// A package being written: the file and the piece not yet written.
struct Writer {
    /// None only while a piece is being written on a blocking thread.
    incoming: Option<Incoming>,
    buf: Vec<u8>,
    limit: u64,
    limit_mib: u64,
}

impl Writer {
    fn new(state: &AppState, limit: u64, limit_mib: u64) -> Result<Writer, Failure> {
        Ok(Writer {
            incoming: Some(state.store.files().incoming().map_err(internal)?),
            buf: Vec::with_capacity(WRITE_BUFFER),
            limit,
            limit_mib,
        })
    }

    fn size(&self) -> u64 {
        self.incoming.as_ref().map_or(0, |i| i.size()) + self.buf.len() as u64
    }

    /// Adds a chunk, writing the buffer out when full.
    async fn append(&mut self, chunk: &[u8]) -> Result<(), Failure> {
        if self.size() + chunk.len() as u64 > self.limit {
            return Err(too_large(self.limit_mib));
        }
        self.buf.extend_from_slice(chunk);
        if self.buf.len() >= WRITE_BUFFER {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the buffer off the async threads (file and buffer move to
    /// the blocking task and back).
    async fn flush(&mut self) -> Result<(), Failure> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut inc = self.incoming.take().expect("one write at a time");
        let buf = std::mem::take(&mut self.buf);
        let (inc, mut buf, written) = tokio::task::spawn_blocking(move || {
            let r = inc.write(&buf);
            (inc, buf, r)
        })
        .await
        .map_err(internal)?;
        self.incoming = Some(inc);
        written.map_err(internal)?;
        buf.clear();
        self.buf = buf;
        Ok(())
    }

    async fn finish(
        mut self,
        file_name: String,
        fields: Vec<(String, String)>,
    ) -> Result<Received, Failure> {
        self.flush().await?;
        if self.size() == 0 {
            return Err(Failure::Invalid(
                "文件为空 / the package file is empty".into(),
            ));
        }
        let inc = self.incoming.take().expect("flushed");
        let stored = tokio::task::spawn_blocking(move || inc.finish())
            .await
            .map_err(internal)?
            .map_err(internal)?;
        Ok(Received {
            sha256: stored.sha256,
            size: stored.size,
            file_name,
            fields,
        })
    }
}

async fn receive_form(
    state: &AppState,
    mut form: Multipart,
    limit: u64,
    limit_mib: u64,
) -> Result<Received, Failure> {
    let mut fields = Vec::new();
    let mut package: Option<(Writer, String)> = None;
    let map = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large(limit_mib)
        } else {
            Failure::Invalid(format!("the upload form is malformed: {}", e.body_text()))
        }
    };
    while let Some(mut field) = form.next_field().await.map_err(map)? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(clean_file_name) {
            if package.is_some() {
                return Err(Failure::Invalid(
                    "一次只能上传一个安装包 / send one package per upload".into(),
                ));
            }
            let mut writer = Writer::new(state, limit, limit_mib)?;
            while let Some(chunk) = field.chunk().await.map_err(map)? {
                writer.append(&chunk).await?;
            }
            package = Some((writer, file_name));
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(map)? {
                if value.len() + chunk.len() > FIELD_LIMIT {
                    return Err(Failure::Invalid(format!("form field {name:?} is too long")));
                }
                value.extend_from_slice(&chunk);
            }
            fields.push((name, String::from_utf8_lossy(&value).into_owned()));
        }
    }
    let Some((writer, file_name)) = package else {
        return Err(Failure::Invalid(
            "请选择要上传的安装包 / choose a package file to upload".into(),
        ));
    };
    writer.finish(file_name, fields).await
}

/// What an upload asks for besides the scan.
#[derive(Debug, Default)]
pub struct UploadRequest {
    /// A release state to request once the release is recorded.
    pub request_move: Option<String>,
    /// `web` or `api`.
    pub source: &'static str,
}

/// Checks an upload may be queued for `app` now (before receiving it).
pub async fn check_app(
    state: &AppState,
    viewer: &Viewer,
    app: &App,
    request_move: Option<&str>,
) -> Result<(), Failure> {
    appgov_workflow::releases::accepts_releases(app)?;
    if let Some(to) = request_move {
        let to_state = ReleaseState::parse(to).ok_or_else(|| {
            Failure::Invalid(format!(
                "unknown release state {to:?} (one of: {})",
                ReleaseState::ALL.map(|s| s.as_str()).join(", ")
            ))
        })?;
        // A new release is `analysed`: the move must start there.
        appgov_ledger::lifecycle::release_gate(app.state, ReleaseState::Analysed, to_state)
            .map_err(|e| Failure::Invalid(e.to_string()))?;
        let p = viewer.principal.as_ref().ok_or(Failure::SignIn)?;
        let orgs = state.orgs().await?;
        if !p.may(Action::RequestMove, app_org(app), &orgs.tree) {
            return Err(Failure::Forbidden);
        }
    }
    Ok(())
}

/// Queues the scan of a received package; refuses a package that is
/// already a release of the app or already queued for it.
pub async fn enqueue(
    state: &AppState,
    viewer: &Viewer,
    app: &App,
    received: &Received,
    request: &UploadRequest,
) -> Result<ScanJob, Failure> {
    if let Some(r) = state
        .store
        .find::<Release>("artifact_sha256", &received.sha256)
        .await?
        .into_iter()
        .find(|r| r.app_id == app.id && r.state != ReleaseState::Rejected)
    {
        return Err(Failure::Conflict(format!(
            "此安装包已是该应用的版本 {} / this package is already release {} of {}",
            r.id, r.id, app.name
        )));
    }
    if let Some(j) = state
        .store
        .scan_jobs_of_app(&app.id, 1000)
        .await?
        .into_iter()
        .find(|j| {
            j.package_sha256 == received.sha256
                && matches!(j.state, JobState::Queued | JobState::Running)
        })
    {
        return Err(Failure::Conflict(format!(
            "此安装包正在分析中（任务 {}） / this package is already being scanned (job {})",
            j.id, j.id
        )));
    }
    let job = state
        .store
        .enqueue_scan(&NewJob {
            app_id: app.id.clone(),
            package_sha256: received.sha256.clone(),
            file_name: received.file_name.clone(),
            size: received.size as i64,
            requested_by: viewer.actor(),
            request_move: request.request_move.clone(),
            source: request.source.into(),
        })
        .await?;
    crate::jobs::wake(state);
    Ok(job)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_directories_and_control_characters() {
        assert_eq!(
            clean_file_name("C:\\fakepath\\手机银行.apk"),
            "手机银行.apk"
        );
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\u{0}b\nc.apk"), "abc.apk");
        assert_eq!(clean_file_name(".."), "package");
        assert_eq!(clean_file_name(""), "package");
        assert_eq!(clean_file_name(&"x".repeat(500)).len(), 200);
    }
}
