//! The compliance pages (issue 6): obligations (合规义务) with their status
//! today and the evidence that closes one, the compliance matrix (合规矩阵),
//! the notice's requirements as a library, and the ledger checks with
//! their findings. Built by `crate::compliance`; evidence goes through
//! `appgov_workflow::compliance::submit_evidence` (file, evidence, revision,
//! the obligation closed and its next instance opened in one go).

use std::collections::BTreeMap;

use appgov_access::Action;
use appgov_compliance::evidence_forms::describe;
use appgov_ledger::{EvidenceKind, EvidenceRequest, Obligation};
use appgov_workflow::compliance::{EvidenceSubmission, Submitted, submit_evidence};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::Serialize;

use crate::auth::Viewer;
use crate::compliance::{self as c, ObligationParams, Reach, Snapshot};
use crate::error::{Failure, PageError};
use crate::render;
use crate::state::AppState as Shared;
use crate::views::Choice;

/// Longest evidence file name kept.
const MAX_FILE_NAME: usize = 200;
/// Longest text field of the evidence form.
const MAX_FIELD: usize = 4000;

/// A filter choice.
fn choices(items: Vec<(String, String)>, selected: Option<&str>) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: selected == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

/// `GET /obligations`.
pub async fn list(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<ObligationParams>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let m = &state.messages;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    let rows = c::obligations(&state, &snap, &reach, lang, &params);
    let apps_map = snap.apps();
    let mut apps: Vec<(String, String)> = snap
        .data
        .apps
        .iter()
        .filter(|a| reach.app(a))
        .filter(|a| {
            snap.data
                .obligations
                .iter()
                .any(|o| o.app_id.as_ref() == Some(&a.id))
        })
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    apps.sort_by(|a, b| a.1.cmp(&b.1));
    let _ = apps_map;
    let statuses = [
        "open",
        "overdue",
        "due_soon",
        "upcoming",
        "done",
        "done_late",
        "waived",
        "cancelled",
    ]
    .iter()
    .map(|s| {
        (
            s.to_string(),
            m.get(&format!("obligation.status.{s}"), lang).to_string(),
        )
    })
    .collect();
    let templates = state
        .engine
        .library
        .obligations
        .iter()
        .map(|t| {
            (
                state.engine.library.qualified(t),
                t.title(lang.code()).to_string(),
            )
        })
        .collect();
    Ok(render::page(
        &state,
        &viewer,
        "obligations.html",
        context! {
            rows => Value::from(Serde(&rows)),
            today => snap.today_text.clone(),
            statuses => Value::from(Serde(choices(statuses, params.status.as_deref()))),
            apps => Value::from(Serde(choices(apps, params.app.as_deref()))),
            templates => Value::from(Serde(choices(templates, params.template.as_deref()))),
        },
    )?
    .into_response())
}

/// `GET /obligations/{obligation}`.
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
    let d = c::obligation_detail(state, p, viewer.lang, id).await?;
    let html = render::page(
        state,
        viewer,
        "obligation.html",
        context! { d => Value::from(Serde(&d)), error => error },
    )?;
    Ok((status, html).into_response())
}

/// What the evidence form sent.
#[derive(Debug, Default)]
pub struct EvidenceForm {
    pub kind: String,
    pub title: String,
    pub effective_on: String,
    pub expires_on: String,
    pub note: String,
    /// The typed form's fields (`field.<key>` in the form).
    pub fields: BTreeMap<String, String>,
    pub file_name: Option<String>,
    pub bytes: Option<Vec<u8>>,
}

/// Most typed-form fields one upload may carry.
const MAX_FIELDS: usize = 60;

fn text_field(v: String) -> String {
    v.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(MAX_FIELD)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Reads the evidence form (multipart): `kind`, `title`, `effective_on`,
/// `expires_on`, `note`, `file`, and the typed form's `field.<key>`.
pub async fn read_form(mut mp: Multipart) -> Result<EvidenceForm, Failure> {
    let mut f = EvidenceForm::default();
    let bad =
        |e: axum::extract::multipart::MultipartError| Failure::Invalid(format!("upload: {e}"));
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                f.file_name = field.file_name().map(crate::upload::clean_file_name);
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| Failure::TooLarge(format!("upload: {e}")))?;
                f.bytes = Some(bytes.to_vec());
            }
            "kind" | "title" | "effective_on" | "expires_on" | "note" => {
                let v = text_field(field.text().await.map_err(bad)?);
                match name.as_str() {
                    "kind" => f.kind = v,
                    "title" => f.title = v,
                    "effective_on" => f.effective_on = v,
                    "expires_on" => f.expires_on = v,
                    _ => f.note = v,
                }
            }
            other => {
                if let Some(key) = other.strip_prefix("field.") {
                    if f.fields.len() >= MAX_FIELDS {
                        return Err(Failure::Invalid(
                            "表单字段过多 / too many form fields".into(),
                        ));
                    }
                    let key = key.chars().take(60).collect::<String>();
                    let v = text_field(field.text().await.map_err(bad)?);
                    f.fields.insert(key, v);
                }
            }
        }
    }
    Ok(f)
}

/// Records the form's document as evidence for obligation `id` (closing
/// it), as `actor`.
pub async fn submit(
    state: &Shared,
    actor: &str,
    lang: crate::i18n::Lang,
    id: &str,
    f: EvidenceForm,
) -> Result<Submitted, Failure> {
    let o: Obligation = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no obligation {id}")))?;
    submit_for(state, actor, lang, Some(o), None, f).await
}

/// Records the form's document as evidence for an obligation, or in
/// answer to an evidence request (which closes its obligation, if any).
/// The typed form's fields are judged first in the viewer's language (the
/// workflow judges them again, for every caller).
pub async fn submit_for(
    state: &Shared,
    actor: &str,
    lang: crate::i18n::Lang,
    o: Option<Obligation>,
    request: Option<EvidenceRequest>,
    f: EvidenceForm,
) -> Result<Submitted, Failure> {
    let bytes = f
        .bytes
        .ok_or_else(|| Failure::Invalid("没有附上文件 / no file attached".into()))?;
    let kind = match crate::views::parse_term::<EvidenceKind>("kind", &f.kind)? {
        Some(k) => k,
        None => request.as_ref().map(|r| r.kind).ok_or_else(|| {
            Failure::Invalid("请选择证据类型 / choose the kind of evidence".into())
        })?,
    };
    let (today_text, today) = c::today()?;
    // A kind the obligation does not take is the workflow's to refuse
    // (that is the clearer message); the fields of one it takes are
    // judged here in the viewer's language.
    let kind_taken = o.as_ref().is_none_or(|o| {
        state
            .engine
            .library
            .template_q(&o.template)
            .is_none_or(|t| t.evidence_kinds.contains(&kind))
    });
    if kind_taken && let Err(p) = state.engine.forms.check(kind, &f.fields, today) {
        return Err(Failure::Invalid(describe(&p, Some(lang.code()))));
    }
    let title = if !f.title.is_empty() {
        f.title
    } else if let Some(o) = &o {
        state
            .engine
            .library
            .template_q(&o.template)
            .map(|t| format!("{}（{}）", t.title_zh, o.due_on))
            .unwrap_or_else(|| o.template.clone())
    } else {
        format!("{}（{}）", kind.label_zh(), today_text)
    };
    let file_name = f
        .file_name
        .map(|n| n.chars().take(MAX_FILE_NAME).collect())
        .unwrap_or_else(|| "evidence".into());
    let sub = EvidenceSubmission {
        evidence_id: None,
        title,
        kind,
        app_ids: Vec::new(),
        requirement_ids: Vec::new(),
        org_id: None,
        file_name,
        bytes: &bytes,
        effective_on: if f.effective_on.is_empty() {
            today_text
        } else {
            f.effective_on
        },
        expires_on: Some(f.expires_on).filter(|e| !e.is_empty()),
        fields: f.fields,
        note: Some(f.note).filter(|n| !n.is_empty()),
        obligation_id: o.map(|o| o.id),
        request_id: request.map(|r| r.id),
    };
    let s = submit_evidence(&state.store, &state.engine, actor, sub, today).await?;
    Ok(s)
}

/// `POST /obligations/{obligation}/evidence` (multipart; CSRF token in the
/// query): back to the obligation, now done, or the form's problem on it.
pub async fn evidence(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = async {
        let f = read_form(mp).await?;
        submit(&state, &viewer.actor(), viewer.lang, &id, f).await
    }
    .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/obligations/{id}")).into_response()),
        Err(Failure::Invalid(m)) | Err(Failure::Conflict(m)) => {
            show(
                &state,
                &viewer,
                &id,
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(f @ Failure::Refused(_)) => {
            let m = f.message_in(viewer.lang);
            show(&state, &viewer, &id, Some(m), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /obligations/{obligation}/evidence/{sha}`: a document of this
/// obligation's evidence, as a download (never shown inline).
pub async fn evidence_file(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((id, sha)): Path<(String, String)>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let o: Obligation = state
        .store
        .get(&id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no obligation {id}")))?;
    let revisions: Vec<appgov_ledger::EvidenceRevision> =
        state.store.find_in("evidence_id", &o.evidence_ids).await?;
    let Some(r) = revisions.iter().find(|r| r.document_sha256 == sha) else {
        return Err(Failure::NotFound(format!("obligation {id} has no document {sha}")).into());
    };
    let bytes = state
        .store
        .files()
        .get(&sha)
        .map_err(|e| Failure::NotFound(e.to_string()))?;
    let name: String = r
        .file_name
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

/// `GET /compliance/matrix`.
pub async fn matrix(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(q): Query<c::LibraryQuery>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lib = c::library_of(&state, q.library.as_deref())?;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    let m = c::matrix_view(lib, &snap, &reach, viewer.lang);
    Ok(render::page(
        &state,
        &viewer,
        "matrix.html",
        context! {
            m => Value::from(Serde(&m)),
            libraries => Value::from(Serde(&c::library_choices(&state, lib, viewer.lang))),
            switch_path => "/compliance/matrix",
        },
    )?
    .into_response())
}

#[derive(Serialize)]
struct Article {
    article: u32,
    label: String,
    requirements: Vec<c::RequirementView>,
}

/// `GET /compliance/requirements`: the notice as a library.
pub async fn requirements(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(q): Query<c::LibraryQuery>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let lib = c::library_of(&state, q.library.as_deref())?;
    let articles: Vec<Article> = lib
        .by_article()
        .into_iter()
        .map(|(article, rs)| Article {
            label: lib.group_label(article, viewer.lang.code()),
            article,
            requirements: rs
                .into_iter()
                .map(|r| c::requirement_view(&state, r, viewer.lang))
                .collect(),
        })
        .collect();
    let info = &lib.library;
    Ok(render::page(
        &state,
        &viewer,
        "requirements.html",
        context! {
            articles => Value::from(Serde(&articles)),
            reference => info.reference.clone(),
            name => match viewer.lang { crate::i18n::Lang::Zh => info.name_zh.clone(), crate::i18n::Lang::En => info.name_en.clone() },
            data_version => info.data_version.clone(),
            library => info.id.clone(),
            libraries => Value::from(Serde(&c::library_choices(&state, lib, viewer.lang))),
            switch_path => "/compliance/requirements",
        },
    )?
    .into_response())
}

/// `GET /compliance/checks`: every ledger check, its documentation and its
/// findings in the viewer's reach.
pub async fn checks(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let snap = Snapshot::load(&state).await?;
    let reach = Reach::of(&state, p, Action::View).await?;
    let checks = c::checks(&snap, &reach, viewer.lang);
    let total: usize = checks.iter().map(|c| c.findings.len()).sum();
    Ok(render::page(
        &state,
        &viewer,
        "checks.html",
        context! { checks => Value::from(Serde(&checks)), total => total },
    )?
    .into_response())
}
