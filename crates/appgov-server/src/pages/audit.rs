//! The audit trail (审计日志): every recorded change, newest first, by page
//! or for one object, and the check that the trail and the tables are
//! intact. For the administrator, the governance office and auditors
//! (ViewAuditLog, institution-wide).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::error::PageError;
use crate::render;
use crate::state::AppState as Shared;
use crate::views::history_entry;

/// Events a page.
const PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    /// Show events before this sequence number (the next page).
    #[serde(default)]
    pub before: Option<i64>,
    /// Only the events about this record id.
    #[serde(default)]
    pub object: Option<String>,
}

/// The outcome of a verification, for the page.
#[derive(Debug, Serialize)]
struct Verification {
    intact: bool,
    events: i64,
    records: i64,
    head_seq: i64,
    head_hash: String,
    problems: Vec<String>,
}

/// `GET /audit`.
pub async fn log(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let m = &state.messages;
    let object = q.object.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let (events, next) = match object {
        Some(o) => {
            let mut ev = state.store.history(o).await?;
            ev.reverse();
            ev.truncate(1000);
            (ev, None)
        }
        None => {
            let ev = state.store.events_before(q.before, PAGE).await?;
            let next = (ev.len() as i64 == PAGE)
                .then(|| ev.last().map(|e| e.seq))
                .flatten();
            (ev, next)
        }
    };
    let entries: Vec<_> = events
        .iter()
        .map(|e| history_entry(m, viewer.lang, e))
        .collect();
    let html = render::page(
        &state,
        &viewer,
        "audit.html",
        context! {
            entries => Value::from(Serde(&entries)),
            next => next,
            object => object,
            verification => Value::from(()),
        },
    )?;
    Ok(html.into_response())
}

/// `GET /audit/verify`: checks the whole trail (chain, hashes, and that
/// every table row is what its last event says).
pub async fn verify(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require()?;
    let r = state.store.verify_audit().await?;
    let mut problems: Vec<String> = r
        .chain
        .iter()
        .map(|c| format!("#{}: {}", c.seq, c.problem))
        .collect();
    problems.extend(r.records_problems.iter().cloned());
    problems.truncate(200);
    let v = Verification {
        intact: r.intact(),
        events: r.events,
        records: r.records,
        head_seq: r.head_seq,
        head_hash: r.head_hash.clone(),
        problems,
    };
    let html = render::page(
        &state,
        &viewer,
        "audit.html",
        context! {
            entries => Value::from(Serde(Vec::<()>::new())),
            next => Value::from(()),
            object => Value::from(()),
            verification => Value::from(Serde(&v)),
        },
    )?;
    Ok(html.into_response())
}
