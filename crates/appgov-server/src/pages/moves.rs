//! Gated moves (待办审批): the pending moves in scope and those waiting for
//! the viewer, one move's checklist, and what people do on it — attach
//! evidence, attest, confirm the release diff, approve, reject, withdraw.
//! A rule's refusal (approving one's own request, open items) is shown on
//! the move's page, not as an error page.

use appgov_access::Principal;
use appgov_access::roles::app_org;
use appgov_workflow::moves;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Deserialize;

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::render;
use crate::state::AppState as Shared;
use crate::views;

/// Longest evidence file name kept.
const MAX_FILE_NAME: usize = 200;

/// `GET /moves`.
pub async fn list(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let pending = views::pending_moves(&state, p, viewer.lang, false).await?;
    let waiting = views::pending_moves(&state, p, viewer.lang, true).await?;
    Ok(render::page(
        &state,
        &viewer,
        "moves.html",
        context! {
            pending => Value::from(Serde(&pending)),
            waiting => Value::from(Serde(&waiting)),
        },
    )?
    .into_response())
}

/// `GET /moves/{move}`.
pub async fn page(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    show(&state, &viewer, &id, None, StatusCode::OK).await
}

async fn show(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let d = views::move_detail(state, p, viewer.lang, id).await?;
    let html = render::page(
        state,
        viewer,
        "move.html",
        context! { m => Value::from(Serde(&d)), error => error },
    )?;
    Ok((status, html).into_response())
}

/// After an action: back to the move (its new state), or the move with the
/// refusal's message.
async fn after(
    state: &Shared,
    viewer: &Viewer,
    id: &str,
    r: Result<(), Failure>,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/moves/{id}")).into_response()),
        Err(Failure::Conflict(m)) | Err(Failure::Invalid(m)) => {
            show(state, viewer, id, Some(m), StatusCode::CONFLICT).await
        }
        Err(f @ Failure::Refused(_)) => {
            let m = f.message_in(viewer.lang);
            show(state, viewer, id, Some(m), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct AttestForm {
    pub item: String,
    #[serde(default)]
    pub statement: String,
}

#[derive(Debug, Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    pub comment: String,
}

/// Signs an attestation item.
pub async fn do_attest(
    state: &Shared,
    actor: &str,
    id: &str,
    f: &AttestForm,
) -> Result<(), Failure> {
    let statement = Some(f.statement.trim().to_string()).filter(|s| !s.is_empty());
    moves::attest_item(&state.store, actor, id, f.item.trim(), statement).await?;
    Ok(())
}

/// Approves a move for `p`: never one it requested (in a browser or
/// through a token), with the role its grants give here.
pub async fn do_approve(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    comment: &str,
) -> Result<(), Failure> {
    let t = moves::load_transition(&state.store, id).await?;
    if views::requested_by(&t, &p.login) {
        return Err(Failure::Refused(appgov_workflow::Refusal::SelfApproval {
            login: p.login.clone(),
        }));
    }
    let app = moves::app_of_move(&state.store, &t).await?;
    let orgs = state.orgs().await?;
    let role = p
        .approving_role(app_org(&app), &orgs.tree)
        .ok_or(Failure::Forbidden)?;
    moves::approve_move(&state.store, actor, id, role.as_str(), comment.trim())
        .await
        .map_err(|n| Failure::from(n.error))?;
    Ok(())
}

pub async fn attest(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<AttestForm>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = do_attest(&state, &viewer.actor(), &id, &f).await;
    after(&state, &viewer, &id, r).await
}

pub async fn review_diff(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = moves::review_diff(&state.store, &viewer.actor(), &id)
        .await
        .map(|_| ())
        .map_err(Failure::from);
    after(&state, &viewer, &id, r).await
}

pub async fn approve(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CommentForm>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let r = do_approve(&state, p, &viewer.actor(), &id, &f.comment).await;
    after(&state, &viewer, &id, r).await
}

pub async fn reject(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<CommentForm>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = moves::reject_move(&state.store, &viewer.actor(), &id, f.comment.trim())
        .await
        .map(|_| ())
        .map_err(Failure::from);
    after(&state, &viewer, &id, r).await
}

pub async fn withdraw(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = moves::withdraw_move(&state.store, &viewer.actor(), &id)
        .await
        .map(|_| ())
        .map_err(Failure::from);
    after(&state, &viewer, &id, r).await
}

/// Reads an evidence upload: the `item` field and the `file`.
pub async fn read_evidence(
    mut mp: Multipart,
) -> Result<(String, Option<String>, Vec<u8>), Failure> {
    let mut item = None;
    let mut file = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| Failure::Invalid(format!("upload: {e}")))?
    {
        match field.name() {
            Some("item") => {
                item = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| Failure::Invalid(format!("upload: {e}")))?,
                )
            }
            Some("file") => {
                let name = field.file_name().map(|n| {
                    n.chars()
                        .filter(|c| !c.is_control())
                        .take(MAX_FILE_NAME)
                        .collect()
                });
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Failure::TooLarge(format!("upload: {e}")))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let item = item.ok_or_else(|| Failure::Invalid("no item named".into()))?;
    let (name, bytes) = file.ok_or_else(|| Failure::Invalid("no file attached".into()))?;
    Ok((item.trim().to_string(), name, bytes))
}

/// `POST /moves/{move}/evidence` (multipart: `item`, `file`).
pub async fn evidence(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = async {
        let (item, name, bytes) = read_evidence(mp).await?;
        moves::add_evidence(&state.store, &viewer.actor(), &id, &item, name, &bytes).await?;
        Ok(())
    }
    .await;
    after(&state, &viewer, &id, r).await
}

/// `GET /moves/{move}/evidence/{sha}`: a document attached to this move,
/// as a download (never shown inline: it is whatever someone uploaded).
pub async fn evidence_file(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((id, sha)): Path<(String, String)>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let records: Vec<appgov_ledger::model::GateRecord> =
        state.store.find("transition_id", &id).await?;
    let Some(r) = records
        .iter()
        .find(|r| r.kind == "evidence" && r.document_sha256.as_deref() == Some(sha.as_str()))
    else {
        return Err(Failure::NotFound(format!("move {id} has no document {sha}")).into());
    };
    let bytes = state
        .store
        .files()
        .get(&sha)
        .map_err(|e| Failure::NotFound(e.to_string()))?;
    // ASCII-only name in the header; the digest names it otherwise.
    let name: String = r
        .file_name
        .as_deref()
        .unwrap_or(&sha)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let name = if name.is_empty() { sha.clone() } else { name };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
