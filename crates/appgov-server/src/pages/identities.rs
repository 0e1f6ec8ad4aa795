//! An app's platform identities (package name, Bundle ID, AppID) and the
//! signing certificates registered for each — what the gates' signer check
//! compares every release with (a release signed by an unregistered key is
//! either a key rotation to record or a counterfeit).

use appgov_ledger::model::{App, AppIdentity, KnownCertificate};
use appgov_ledger::vocab::Platform;
use appgov_workflow::apps;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::state::AppState as Shared;

/// An identity as a form or a JSON body sends it. On an edit an absent
/// field keeps its value; an empty one clears it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityInput {
    /// A form's CSRF token (forms only; the API uses its header).
    #[serde(default, rename = "_csrf", skip_serializing)]
    #[schema(ignore)]
    pub csrf: Option<String>,
    /// The record's version (edits only).
    #[serde(default)]
    pub version: Option<i64>,
    /// `android`, `ios`, `harmony`, `wechat`, `alipay`, … (default: the
    /// app form's platform); fixed after creation.
    #[serde(default)]
    pub platform: Option<String>,
    /// The package name, Bundle ID or AppID (fixed after creation).
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub developer_id: Option<String>,
    /// Who keeps the signing key.
    #[serde(default)]
    pub key_custodian: Option<String>,
    /// SHA-256 fingerprints, one a line (or separated by commas, spaces or
    /// semicolons; `AB:CD:…` spellings accepted). Replaces the list.
    #[serde(default)]
    pub certificates: Option<String>,
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim()).filter(|s| !s.is_empty()).map(str::to_string)
}

fn certificates(text: &str, keep: &[KnownCertificate]) -> Vec<KnownCertificate> {
    let mut out: Vec<KnownCertificate> = Vec::new();
    for c in text
        .split([',', '\n', ';', '\r', ' ', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let sha = apps::normalise_fingerprint(c);
        if out.iter().any(|k| k.sha256 == sha) {
            continue;
        }
        // What was known about a certificate already registered stays.
        out.push(
            keep.iter()
                .find(|k| k.sha256 == sha)
                .cloned()
                .unwrap_or(KnownCertificate {
                    sha256: sha,
                    subject: None,
                    not_after: None,
                }),
        );
    }
    out
}

/// Records an identity of `app_id`; returns its id.
pub async fn add_identity(
    state: &Shared,
    actor: &str,
    app_id: &str,
    f: &IdentityInput,
) -> Result<String, Failure> {
    let app: App = state
        .store
        .get(app_id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {app_id}")))?;
    let platform = match f.platform.as_deref().and_then(opt) {
        None => app.form.platform(),
        Some(p) => Platform::parse(&p).ok_or_else(|| {
            Failure::Invalid(format!(
                "unknown platform {p:?} (one of: {})",
                Platform::names()
            ))
        })?,
    };
    let identifier = f
        .identifier
        .as_deref()
        .and_then(opt)
        .ok_or_else(|| Failure::Invalid("标识必填 / The identifier is required".into()))?;
    let identity = AppIdentity {
        id: String::new(),
        app_id: app.id,
        platform,
        identifier,
        developer_id: f.developer_id.as_deref().and_then(opt),
        certificates: certificates(f.certificates.as_deref().unwrap_or_default(), &[]),
        key_custodian: f.key_custodian.as_deref().and_then(opt),
        version: 0,
    };
    Ok(apps::add_identity(&state.store, actor, identity).await?.id)
}

/// Changes identity `id` of `app_id`.
pub async fn edit_identity(
    state: &Shared,
    actor: &str,
    app_id: &str,
    id: &str,
    f: &IdentityInput,
) -> Result<(), Failure> {
    let mut i: AppIdentity =
        crate::pages::channels::record_of_app(state, app_id, id, f.version, |i: &AppIdentity| {
            &i.app_id
        })
        .await?;
    if let Some(v) = &f.identifier
        && v.trim() != i.identifier
    {
        return Err(Failure::Invalid(
            "标识不能更改，请另行登记 / An identifier cannot change; record another identity"
                .into(),
        ));
    }
    if let Some(v) = &f.developer_id {
        i.developer_id = opt(v);
    }
    if let Some(v) = &f.key_custodian {
        i.key_custodian = opt(v);
    }
    if let Some(v) = &f.certificates {
        i.certificates = certificates(v, &i.certificates);
    }
    apps::edit_identity(&state.store, actor, i).await?;
    Ok(())
}

async fn back(
    state: &Shared,
    viewer: &Viewer,
    app: &str,
    r: Result<(), Failure>,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/apps/{app}#identities")).into_response()),
        Err(e) => crate::pages::channels::back_to_app(state, viewer, app, e).await,
    }
}

/// `POST /apps/{app}/identities`.
pub async fn identity_add(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Form(f): Form<IdentityInput>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = add_identity(&state, &viewer.actor(), &app, &f)
        .await
        .map(|_| ());
    back(&state, &viewer, &app, r).await
}

/// `POST /apps/{app}/identities/{identity}`.
pub async fn identity_edit(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((app, identity)): Path<(String, String)>,
    Form(f): Form<IdentityInput>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let r = edit_identity(&state, &viewer.actor(), &app, &identity, &f).await;
    back(&state, &viewer, &app, r).await
}
