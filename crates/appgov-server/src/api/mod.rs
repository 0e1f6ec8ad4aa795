//! The REST API (JSON) under `/api/v1`, described by OpenAPI at
//! `/api/openapi.json` and browsable at `/api/docs/`. Authenticated by API
//! token (`Authorization: Bearer agv_…`) or by the browser's session
//! (with its CSRF token for changes); anonymous calls get 401.

pub mod assessments;
pub mod channels;
pub mod compliance;
pub mod ledger;
pub mod releases;
pub mod reports;
pub mod requests;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::OpenApi;
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub mod accounts;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "appgov API",
        description = "金融移动应用治理平台接口 — the ledger, releases, scans, gates and compliance (obligations, evidence, matrix, registers) of notice 金办发〔2024〕99号. Authenticate with `Authorization: Bearer agv_…` (an API token made under 系统管理 / your account).",
    ),
    paths(
        me,
        releases::upload_release,
        releases::job_status,
        accounts::list_users,
        accounts::create_user,
        accounts::get_user,
        accounts::patch_user,
        accounts::all_tokens,
        accounts::revoke_any_token,
        accounts::my_tokens,
        accounts::create_my_token,
        accounts::revoke_my_token,
        accounts::get_policy,
        accounts::put_policy,
        ledger::list_apps,
        ledger::create,
        ledger::get_app,
        ledger::request_app_move,
        ledger::get_release,
        ledger::request_release_move,
        ledger::list_moves,
        ledger::get_move,
        ledger::attest,
        ledger::evidence,
        ledger::review_diff,
        ledger::approve,
        ledger::reject,
        ledger::withdraw,
        channels::patch_app,
        channels::add_identity,
        channels::patch_identity,
        channels::add_listing,
        channels::patch_listing,
        channels::list_accounts,
        channels::create_account,
        channels::patch_account,
        compliance::list_obligations,
        compliance::get_obligation,
        compliance::obligation_evidence,
        compliance::get_matrix,
        compliance::get_requirements,
        compliance::get_findings,
        compliance::list_incidents,
        compliance::create_incident,
        compliance::list_complaints,
        compliance::create_complaint,
        compliance::complaint_handled,
        compliance::list_counterfeits,
        compliance::create_counterfeit,
        compliance::advance_counterfeit,
        reports::get_report,
        requests::list_requests,
        requests::create_request,
        requests::fulfil_request,
        requests::cancel_request,
        assessments::list_assessments,
        assessments::start_assessment,
        assessments::get_assessment,
        assessments::record_results,
        assessments::complete_assessment,
        assessments::list_exceptions,
        assessments::request_exception,
        assessments::decide_exception,
        assessments::list_drills,
        assessments::create_drill,
        assessments::drill_held,
    ),
    components(schemas(
        ErrorBody,
        Me,
        GrantView,
        releases::JobView, releases::ReleaseView, releases::FindingView, releases::SdkView,
        releases::ContinuityAlertView, releases::ScanAnswer, releases::ScanFailed,
        accounts::UserView,
        accounts::GrantInput,
        accounts::NewUserInput,
        accounts::UserPatch,
        accounts::TokenView,
        accounts::NewTokenInput,
        accounts::CreatedToken,
        accounts::PolicyView,
        accounts::PolicyVersionView,
        accounts::PolicyInput,
                ledger::NewApp, ledger::MoveRequest, ledger::Attestation, ledger::Decision,
        crate::views::AppList, crate::views::AppSummary, crate::views::AppDetail,
        crate::views::Attr, crate::views::IdentityView, crate::views::ListingView,
        crate::views::AccountView, crate::views::ReleaseView, crate::views::FindingView,
        crate::views::SdkView, crate::views::ChangeView, crate::views::AgreementView,
        crate::views::FilingView, crate::views::NextState, crate::views::MoveSummary,
        crate::views::HistoryEntry, crate::views::ReleaseDetail, crate::views::MoveDetail,
        crate::views::ItemView, crate::views::EvidenceView, crate::views::DiffItemView,
        crate::pages::app::AppPatch, crate::pages::channels::ListingInput,
        crate::pages::channels::AccountInput, crate::pages::channels::AccountRow,
        crate::pages::identities::IdentityInput,
        crate::compliance::ObligationView, crate::compliance::ObligationDetail,
        crate::compliance::ObligationParams, crate::compliance::RequirementRef,
        crate::compliance::RequirementView, crate::compliance::EvidenceItem,
        crate::compliance::RevisionView, crate::compliance::KindChoice,
        crate::compliance::MatrixView, crate::compliance::MatrixRowView,
        crate::compliance::CellView, crate::compliance::ArticleGroup,
        crate::compliance::ValueCount, crate::compliance::FindingView,
        compliance::EvidenceAnswer,
        crate::pages::registers::IncidentView, crate::pages::registers::IncidentInput,
        crate::pages::registers::ComplaintView, crate::pages::registers::ComplaintInput,
        crate::pages::registers::HandledInput, crate::pages::registers::CounterfeitView,
        crate::pages::registers::CounterfeitInput, crate::pages::registers::AdvanceInput,
        crate::compliance::FieldValue, crate::compliance::FieldView, crate::compliance::FormView,
        crate::pages::requests::RequestView, crate::pages::requests::RequestInput,
        requests::FulfilAnswer,
        crate::pages::assessments::AssessmentSummary, crate::pages::assessments::AssessmentDetail,
        crate::pages::assessments::AssessmentParams, crate::pages::assessments::ResultCount,
        crate::pages::assessments::ResultView, crate::pages::assessments::StartInput,
        crate::pages::assessments::ResultsInput, crate::pages::assessments::ResultInput,
        crate::pages::assessments::CompleteInput, crate::pages::assessments::ExceptionView,
        crate::pages::assessments::ExceptionInput, crate::pages::assessments::DecisionInput,
        crate::pages::assessments::DrillView, crate::pages::assessments::DrillInput,
        crate::pages::assessments::HeldInput, crate::views::Choice,
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
