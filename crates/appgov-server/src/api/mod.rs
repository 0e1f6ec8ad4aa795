//! The REST API (JSON) under `/api/v1`, described by OpenAPI at
//! `/api/openapi.json` and browsable at `/api/docs/`. Authenticated by API
//! token (`Authorization: Bearer agv_…`) or by the browser's session
//! (with its CSRF token for changes); anonymous calls get 401.

pub mod releases;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "appgov API",
        description = "金融移动应用治理平台接口 — the ledger, releases, scans and gates of notice 金办发〔2024〕99号. Authenticate with `Authorization: Bearer agv_…` (an API token made under 系统管理 / your account).",
    ),
    paths(me, releases::upload_release, releases::job_status),
    components(schemas(
        ErrorBody, Me, GrantView,
        releases::JobView, releases::ReleaseView, releases::FindingView, releases::SdkView,
        releases::ContinuityAlertView, releases::ScanAnswer, releases::ScanFailed,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("agv_ token")
                    .build(),
            ),
        );
    }
}

/// One of the caller's grants.
#[derive(Serialize, ToSchema)]
pub struct GrantView {
    /// administrator, governance, app_owner, security_reviewer,
    /// compliance_reviewer or auditor.
    pub role: String,
    /// The org node the grant is limited to (null: the whole institution).
    pub org_id: Option<String>,
}

/// Who the caller is.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub grants: Vec<GrantView>,
    /// The token's scopes when calling with an API token.
    pub token_scopes: Option<Vec<String>>,
}

/// The caller's account, grants and token scopes.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(_state): State<AppState>, viewer: Viewer) -> Result<Json<Me>, ApiError> {
    let p = viewer.require_api()?;
    let a = viewer.account.as_ref().expect("a principal has an account");
    Ok(Json(Me {
        id: a.id.clone(),
        login: a.login.clone(),
        display_name: a.display_name.clone(),
        grants: p
            .grants
            .iter()
            .map(|g| GrantView {
                role: g.role.as_str().into(),
                org_id: g.org_id.clone(),
            })
            .collect(),
        token_scopes: p
            .token_scopes
            .as_ref()
            .map(|s| s.iter().map(|s| s.as_str().to_string()).collect()),
    }))
}
