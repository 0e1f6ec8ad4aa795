//! Every route, with what it needs: one table from which the router is
//! built and against which the authorization-matrix test runs.
//!
//! A route names the [`Action`] it performs and the object it performs it
//! on (taken from its path: `{app}`, `{release}`, `{move}`, `{job}`, …). The
//! [`guard`] middleware resolves that object's place in the org tree and
//! asks the caller's principal — before the handler or its extractors run,
//! so a refused caller learns nothing from validation errors. Handlers
//! still narrow lists to what the caller may see.

use appgov_access::Action;
use appgov_access::roles::app_org;
use appgov_ledger::model::{App, Entity, PublishingAccount, Release, Transition};
use appgov_ledger::{
    Assessment, Complaint, CounterfeitCase, Drill, EvidenceRequest, Obligation, RiskException,
};
use appgov_store::Store;
use axum::Router;
use axum::extract::{RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};

use crate::auth::Viewer;
use crate::error::{ApiError, Failure, PageError};
use crate::state::AppState;
use crate::{api, assets, auth, limits, oidc, pages};

/// What a route acts on, for the access check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object {
    /// Anyone, signed in or not (login, assets, the API description).
    Public,
    /// Signed in; what is shown is narrowed by the handler (lists, one's
    /// own account and tokens).
    SignedIn,
    /// Allowed somewhere in the tree (a list, a creation form); the
    /// handler narrows to the caller's scopes.
    Somewhere,
    /// Institution-wide (administration).
    Institution,
    /// The app named by `{app}`.
    App,
    /// The release named by `{release}` (its app's place).
    Release,
    /// The move named by `{move}` (its app's place).
    Move,
    /// The scan job named by `{job}` (its app's place).
    Job,
    /// The publishing account named by `{account}` (where its holder sits;
    /// an account without a holder is institution-wide).
    Account,
    /// The obligation named by `{obligation}` (its app's place; an
    /// institution-wide duty by its org node, or the institution).
    Obligation,
    /// The complaint named by `{complaint}` (its app's place, or the
    /// institution).
    Complaint,
    /// The counterfeit case named by `{counterfeit}` (the imitated app's
    /// place, or the institution).
    Counterfeit,
    /// The evidence request named by `{request}` (its app's place, else its
    /// obligation's, else the institution).
    EvidenceRequest,
    /// The assessment named by `{assessment}` (its app's place, or the
    /// institution).
    Assessment,
    /// The risk exception named by `{exception}` (its app's place, or the
    /// institution).
    Exception,
    /// The drill named by `{drill}` (its app's place, or the institution).
    Drill,
}

/// One route of the table.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub action: Action,
    pub object: Object,
}

macro_rules! method_filter {
    (GET) => {
        MethodFilter::GET
    };
    (POST) => {
        MethodFilter::POST
    };
    (PUT) => {
        MethodFilter::PUT
    };
    (PATCH) => {
        MethodFilter::PATCH
    };
    (DELETE) => {
        MethodFilter::DELETE
    };
}

/// Declares the table: `METHOD "path" => handler, Action, Object;`.
macro_rules! routes {
    ($($m:ident $path:literal => $h:path, $action:ident, $object:ident;)+) => {
        /// Every route: method, path, action, object.
        pub const CATALOG: &[RouteSpec] = &[$(RouteSpec {
            method: stringify!($m),
            path: $path,
            action: Action::$action,
            object: Object::$object,
        }),+];

        /// The router of every route, each behind its guard.
        pub fn table(state: &AppState) -> Router<AppState> {
            let mut r = Router::new();
            let mut i = 0;
            $(
                let spec: &'static RouteSpec = &CATALOG[i];
                r = r.route(
                    $path,
                    on(method_filter!($m), $h)
                        .route_layer(axum::middleware::from_fn_with_state(
                            (state.clone(), spec),
                            guard,
                        ))
                        .layer(axum::extract::DefaultBodyLimit::max(
                            body_limit(spec, &state.config) as usize,
                        )),
                );
                i += 1;
            )+
            let _ = i;
            r
        }
    };
}

routes! {
    GET "/" => pages::dashboard::dashboard, View, SignedIn;
    GET "/login" => auth::login_page, View, Public;
    POST "/login" => auth::login_submit, View, Public;
    POST "/logout" => auth::logout, View, Public;
    GET "/setup" => auth::setup_page, View, Public;
    POST "/setup" => auth::setup_submit, View, Public;
    GET "/lang" => auth::switch_lang, View, Public;
    GET "/assets/{name}" => assets::asset, View, Public;
    GET "/api/v1/me" => api::me, View, SignedIn;
    GET "/auth/oidc/start" => oidc::start, View, Public;
    GET "/auth/oidc/callback" => oidc::callback, View, Public;
    GET "/account" => pages::account::page, View, SignedIn;
    POST "/account/locale" => pages::account::locale, View, SignedIn;
    GET "/account/password" => pages::account::password_form, View, SignedIn;
    POST "/account/password" => pages::account::password_submit, View, SignedIn;
    POST "/account/tokens" => pages::account::token_create, View, SignedIn;
    POST "/account/tokens/{token}/revoke" => pages::account::token_revoke, View, SignedIn;
    GET "/admin" => pages::admin::users, ManageUsers, Institution;
    GET "/admin/users/new" => pages::admin::user_new, ManageUsers, Institution;
    POST "/admin/users" => pages::admin::user_create, ManageUsers, Institution;
    GET "/admin/users/{user}" => pages::admin::user_edit, ManageUsers, Institution;
    POST "/admin/users/{user}/details" => pages::admin::user_details, ManageUsers, Institution;
    POST "/admin/users/{user}/grants" => pages::admin::user_grants, ManageUsers, Institution;
    POST "/admin/users/{user}/disable" => pages::admin::user_disable, ManageUsers, Institution;
    POST "/admin/users/{user}/enable" => pages::admin::user_enable, ManageUsers, Institution;
    POST "/admin/users/{user}/password" => pages::admin::user_password, ManageUsers, Institution;
    POST "/admin/users/{user}/unlock" => pages::admin::user_unlock, ManageUsers, Institution;
    GET "/admin/orgs" => pages::admin::orgs, ManageOrg, Institution;
    POST "/admin/orgs" => pages::admin::org_add, ManageOrg, Institution;
    POST "/admin/orgs/{org}" => pages::admin::org_change, ManageOrg, Institution;
    POST "/admin/orgs/{org}/delete" => pages::admin::org_delete, ManageOrg, Institution;
    GET "/admin/policy" => pages::admin::policy_edit, ManagePolicy, Institution;
    POST "/admin/policy" => pages::admin::policy_save, ManagePolicy, Institution;
    GET "/admin/tokens" => pages::admin::tokens, ManageTokens, Institution;
    POST "/admin/tokens/{token}/revoke" => pages::admin::token_revoke, ManageTokens, Institution;
    GET "/api/v1/users" => api::accounts::list_users, ManageUsers, Institution;
    POST "/api/v1/users" => api::accounts::create_user, ManageUsers, Institution;
    GET "/api/v1/users/{user}" => api::accounts::get_user, ManageUsers, Institution;
    PATCH "/api/v1/users/{user}" => api::accounts::patch_user, ManageUsers, Institution;
    GET "/api/v1/admin/tokens" => api::accounts::all_tokens, ManageTokens, Institution;
    DELETE "/api/v1/admin/tokens/{token}" => api::accounts::revoke_any_token, ManageTokens, Institution;
    GET "/api/v1/tokens" => api::accounts::my_tokens, View, SignedIn;
    POST "/api/v1/tokens" => api::accounts::create_my_token, View, SignedIn;
    DELETE "/api/v1/tokens/{token}" => api::accounts::revoke_my_token, View, SignedIn;
    GET "/api/v1/policy" => api::accounts::get_policy, ManagePolicy, Institution;
    PUT "/api/v1/policy" => api::accounts::put_policy, ManagePolicy, Institution;
    GET "/apps" => pages::ledger::list, View, Somewhere;
    GET "/apps/export.xlsx" => pages::ledger::export, Export, Somewhere;
    GET "/apps/new" => pages::ledger::new_form, CreateApp, Somewhere;
    POST "/apps" => pages::ledger::create, CreateApp, Somewhere;
    GET "/apps/{app}" => pages::app::app_page, View, App;
    POST "/apps/{app}/moves" => pages::app::request_move, RequestMove, App;
    GET "/apps/{app}/edit" => pages::app::edit_form, EditApp, App;
    POST "/apps/{app}/edit" => pages::app::edit_submit, EditApp, App;
    POST "/apps/{app}/identities" => pages::identities::identity_add, EditApp, App;
    POST "/apps/{app}/identities/{identity}" => pages::identities::identity_edit, EditApp, App;
    POST "/apps/{app}/listings" => pages::channels::listing_add, EditApp, App;
    POST "/apps/{app}/listings/{listing}" => pages::channels::listing_edit, EditApp, App;
    GET "/accounts" => pages::channels::accounts, View, Somewhere;
    GET "/audit" => pages::audit::log, ViewAuditLog, Institution;
    GET "/audit/verify" => pages::audit::verify, ViewAuditLog, Institution;
    POST "/accounts" => pages::channels::account_add, EditApp, Somewhere;
    POST "/accounts/{account}" => pages::channels::account_edit, EditApp, Account;
    PATCH "/api/v1/apps/{app}" => api::channels::patch_app, EditApp, App;
    POST "/api/v1/apps/{app}/identities" => api::channels::add_identity, EditApp, App;
    PATCH "/api/v1/apps/{app}/identities/{identity}" => api::channels::patch_identity, EditApp, App;
    POST "/api/v1/apps/{app}/listings" => api::channels::add_listing, EditApp, App;
    PATCH "/api/v1/apps/{app}/listings/{listing}" => api::channels::patch_listing, EditApp, App;
    GET "/api/v1/accounts" => api::channels::list_accounts, View, Somewhere;
    POST "/api/v1/accounts" => api::channels::create_account, EditApp, Somewhere;
    PATCH "/api/v1/accounts/{account}" => api::channels::patch_account, EditApp, Account;
    GET "/releases/{release}" => pages::app::release_page, View, Release;
    POST "/releases/{release}/moves" => pages::app::request_release, RequestMove, Release;
    GET "/moves" => pages::moves::list, View, Somewhere;
    GET "/moves/{move}" => pages::moves::page, View, Move;
    GET "/moves/{move}/evidence/{sha}" => pages::moves::evidence_file, View, Move;
    POST "/moves/{move}/evidence" => pages::moves::evidence, RecordEvidence, Move;
    POST "/moves/{move}/attest" => pages::moves::attest, RecordEvidence, Move;
    POST "/moves/{move}/review-diff" => pages::moves::review_diff, RecordEvidence, Move;
    POST "/moves/{move}/approve" => pages::moves::approve, ApproveMove, Move;
    POST "/moves/{move}/reject" => pages::moves::reject, ApproveMove, Move;
    POST "/moves/{move}/withdraw" => pages::moves::withdraw, RequestMove, Move;
    GET "/api/v1/apps" => api::ledger::list_apps, View, Somewhere;
    POST "/api/v1/apps" => api::ledger::create, CreateApp, Somewhere;
    GET "/api/v1/apps/{app}" => api::ledger::get_app, View, App;
    POST "/api/v1/apps/{app}/moves" => api::ledger::request_app_move, RequestMove, App;
    GET "/api/v1/releases/{release}" => api::ledger::get_release, View, Release;
    POST "/api/v1/releases/{release}/moves" => api::ledger::request_release_move, RequestMove, Release;
    GET "/api/v1/moves" => api::ledger::list_moves, View, Somewhere;
    GET "/api/v1/moves/{move}" => api::ledger::get_move, View, Move;
    POST "/api/v1/moves/{move}/evidence" => api::ledger::evidence, RecordEvidence, Move;
    POST "/api/v1/moves/{move}/attest" => api::ledger::attest, RecordEvidence, Move;
    POST "/api/v1/moves/{move}/review-diff" => api::ledger::review_diff, RecordEvidence, Move;
    POST "/api/v1/moves/{move}/approve" => api::ledger::approve, ApproveMove, Move;
    POST "/api/v1/moves/{move}/reject" => api::ledger::reject, ApproveMove, Move;
    POST "/api/v1/moves/{move}/withdraw" => api::ledger::withdraw, RequestMove, Move;
    GET "/apps/{app}/upload" => pages::uploads::upload_page, UploadRelease, App;
    POST "/apps/{app}/releases" => pages::uploads::upload_submit, UploadRelease, App;
    GET "/jobs/{job}" => pages::uploads::job_page, View, Job;
    POST "/api/v1/apps/{app}/releases" => api::releases::upload_release, UploadRelease, App;
    GET "/api/v1/jobs/{job}" => api::releases::job_status, View, Job;
    GET "/obligations" => pages::compliance::list, View, Somewhere;
    GET "/obligations/{obligation}" => pages::compliance::page, View, Obligation;
    POST "/obligations/{obligation}/evidence" => pages::compliance::evidence, RecordEvidence, Obligation;
    GET "/obligations/{obligation}/evidence/{sha}" => pages::compliance::evidence_file, View, Obligation;
    GET "/compliance/matrix" => pages::compliance::matrix, View, Somewhere;
    GET "/compliance/requirements" => pages::compliance::requirements, View, Somewhere;
    GET "/compliance/checks" => pages::compliance::checks, View, Somewhere;
    GET "/incidents" => pages::registers::incidents, View, Somewhere;
    POST "/incidents" => pages::registers::incident_create, EditApp, Somewhere;
    GET "/complaints" => pages::registers::complaints, View, Somewhere;
    POST "/complaints" => pages::registers::complaint_create, EditApp, Somewhere;
    POST "/complaints/{complaint}/handled" => pages::registers::complaint_handled, EditApp, Complaint;
    GET "/counterfeits" => pages::registers::counterfeits, View, Somewhere;
    POST "/counterfeits" => pages::registers::counterfeit_create, EditApp, Somewhere;
    POST "/counterfeits/{counterfeit}/advance" => pages::registers::counterfeit_advance, EditApp, Counterfeit;
    GET "/os-releases" => pages::registers::os_releases, View, Somewhere;
    POST "/os-releases" => pages::registers::os_release_create, EditApp, Institution;
    GET "/api/v1/obligations" => api::compliance::list_obligations, View, Somewhere;
    GET "/api/v1/obligations/{obligation}" => api::compliance::get_obligation, View, Obligation;
    POST "/api/v1/obligations/{obligation}/evidence" => api::compliance::obligation_evidence, RecordEvidence, Obligation;
    GET "/api/v1/compliance/matrix" => api::compliance::get_matrix, View, Somewhere;
    GET "/api/v1/compliance/requirements" => api::compliance::get_requirements, View, Somewhere;
    GET "/api/v1/compliance/findings" => api::compliance::get_findings, View, Somewhere;
    GET "/api/v1/incidents" => api::compliance::list_incidents, View, Somewhere;
    POST "/api/v1/incidents" => api::compliance::create_incident, EditApp, Somewhere;
    GET "/api/v1/complaints" => api::compliance::list_complaints, View, Somewhere;
    POST "/api/v1/complaints" => api::compliance::create_complaint, EditApp, Somewhere;
    POST "/api/v1/complaints/{complaint}/handled" => api::compliance::complaint_handled, EditApp, Complaint;
    GET "/api/v1/counterfeits" => api::compliance::list_counterfeits, View, Somewhere;
    POST "/api/v1/counterfeits" => api::compliance::create_counterfeit, EditApp, Somewhere;
    POST "/api/v1/counterfeits/{counterfeit}/advance" => api::compliance::advance_counterfeit, EditApp, Counterfeit;
    // Reports cover the whole institution: an institution-wide grant.
    GET "/reports" => pages::reports::page, View, Somewhere;
    GET "/reports/{kind}" => pages::reports::download, Export, Institution;
    GET "/api/v1/reports/{kind}" => api::reports::get_report, Export, Institution;
    GET "/evidence-requests" => pages::requests::list, View, Somewhere;
    GET "/evidence-requests/new" => pages::requests::new_form, RecordEvidence, Somewhere;
    POST "/evidence-requests" => pages::requests::create_submit, RecordEvidence, Somewhere;
    GET "/evidence-requests/{request}" => pages::requests::page, View, EvidenceRequest;
    POST "/evidence-requests/{request}/evidence" => pages::requests::evidence, RecordEvidence, EvidenceRequest;
    POST "/evidence-requests/{request}/cancel" => pages::requests::cancel, RecordEvidence, EvidenceRequest;
    GET "/api/v1/evidence-requests" => api::requests::list_requests, View, Somewhere;
    POST "/api/v1/evidence-requests" => api::requests::create_request, RecordEvidence, Somewhere;
    POST "/api/v1/evidence-requests/{request}/evidence" => api::requests::fulfil_request, RecordEvidence, EvidenceRequest;
    POST "/api/v1/evidence-requests/{request}/cancel" => api::requests::cancel_request, RecordEvidence, EvidenceRequest;
    GET "/assessments" => pages::assessments::assessments, View, Somewhere;
    POST "/assessments" => pages::assessments::assessment_start, RecordEvidence, Somewhere;
    GET "/assessments/{assessment}" => pages::assessments::assessment, View, Assessment;
    POST "/assessments/{assessment}/results" => pages::assessments::assessment_results, RecordEvidence, Assessment;
    POST "/assessments/{assessment}/complete" => pages::assessments::assessment_complete, RecordEvidence, Assessment;
    GET "/exceptions" => pages::assessments::exceptions, View, Somewhere;
    POST "/exceptions" => pages::assessments::exception_request, RequestMove, Somewhere;
    POST "/exceptions/{exception}/decide" => pages::assessments::exception_decide, ApproveMove, Exception;
    GET "/drills" => pages::assessments::drills, View, Somewhere;
    POST "/drills" => pages::assessments::drill_create, EditApp, Somewhere;
    POST "/drills/{drill}/held" => pages::assessments::drill_held_page, EditApp, Drill;
    GET "/api/v1/assessments" => api::assessments::list_assessments, View, Somewhere;
    POST "/api/v1/assessments" => api::assessments::start_assessment, RecordEvidence, Somewhere;
    GET "/api/v1/assessments/{assessment}" => api::assessments::get_assessment, View, Assessment;
    POST "/api/v1/assessments/{assessment}/results" => api::assessments::record_results, RecordEvidence, Assessment;
    POST "/api/v1/assessments/{assessment}/complete" => api::assessments::complete_assessment, RecordEvidence, Assessment;
    GET "/api/v1/exceptions" => api::assessments::list_exceptions, View, Somewhere;
    POST "/api/v1/exceptions" => api::assessments::request_exception, RequestMove, Somewhere;
    POST "/api/v1/exceptions/{exception}/decide" => api::assessments::decide_exception, ApproveMove, Exception;
    GET "/api/v1/drills" => api::assessments::list_drills, View, Somewhere;
    POST "/api/v1/drills" => api::assessments::create_drill, EditApp, Somewhere;
    POST "/api/v1/drills/{drill}/held" => api::assessments::drill_held, EditApp, Drill;
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The largest body a route takes: the package uploads take
/// `upload_limit_mib` (plus a MiB for the form around the package), the
/// evidence uploads `evidence_limit_mib` (plus the same), everything else
/// a form's or JSON's [`limits::FORM_LIMIT`].
pub fn body_limit(spec: &RouteSpec, config: &crate::config::ServerConfig) -> u64 {
    let mib = |n: u64| (n << 20) + (1 << 20);
    match (spec.method, spec.path) {
        ("POST", "/apps/{app}/releases") | ("POST", "/api/v1/apps/{app}/releases") => {
            mib(config.upload_limit_mib)
        }
        ("POST", "/moves/{move}/evidence")
        | ("POST", "/api/v1/moves/{move}/evidence")
        | ("POST", "/obligations/{obligation}/evidence")
        | ("POST", "/api/v1/obligations/{obligation}/evidence")
        | ("POST", "/evidence-requests/{request}/evidence")
        | ("POST", "/api/v1/evidence-requests/{request}/evidence") => {
            mib(config.evidence_limit_mib)
        }
        _ => limits::FORM_LIMIT as u64,
    }
}

/// The org node of the object a route names, or Err when it does not
/// exist.
async fn object_org(
    store: &Store,
    object: Object,
    params: &RawPathParams,
) -> Result<Option<String>, Failure> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| Failure::Internal(format!("route lacks {{{name}}}")))
    };
    let app_of = |app: Option<App>, what: String| -> Result<Option<String>, Failure> {
        let app = app.ok_or(Failure::NotFound(what))?;
        Ok(app_org(&app).map(str::to_string))
    };
    match object {
        Object::App => {
            let id = param("app")?;
            app_of(store.get::<App>(&id).await?, format!("no app {id}"))
        }
        Object::Release => {
            let id = param("release")?;
            let r = store
                .get::<Release>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no release {id}")))?;
            app_of(
                store.get::<App>(&r.app_id).await?,
                format!("no app {}", r.app_id),
            )
        }
        Object::Move => {
            let id = param("move")?;
            let t = store
                .get::<Transition>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no move {id}")))?;
            let app_id = if t.object_kind == Release::KIND {
                store
                    .get::<Release>(&t.object_id)
                    .await?
                    .map(|r| r.app_id)
                    .unwrap_or_default()
            } else {
                t.object_id
            };
            app_of(store.get::<App>(&app_id).await?, format!("no app {app_id}"))
        }
        Object::Job => {
            let id = param("job")?;
            let j = store
                .scan_job(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no scan job {id}")))?;
            app_of(
                store.get::<App>(&j.app_id).await?,
                format!("no app {}", j.app_id),
            )
        }
        Object::Account => {
            let id = param("account")?;
            let a = store
                .get::<PublishingAccount>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no publishing account {id}")))?;
            Ok(a.holder_org_id)
        }
        Object::Obligation => {
            let id = param("obligation")?;
            let o = store
                .get::<Obligation>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no obligation {id}")))?;
            match &o.app_id {
                Some(a) => app_of(store.get::<App>(a).await?, format!("no app {a}")),
                None => Ok(o.org_id),
            }
        }
        Object::Complaint => {
            let id = param("complaint")?;
            let c = store
                .get::<Complaint>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no complaint {id}")))?;
            match &c.app_id {
                Some(a) => app_of(store.get::<App>(a).await?, format!("no app {a}")),
                None => Ok(None),
            }
        }
        Object::Counterfeit => {
            let id = param("counterfeit")?;
            let c = store
                .get::<CounterfeitCase>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no counterfeit case {id}")))?;
            match &c.app_id {
                Some(a) => app_of(store.get::<App>(a).await?, format!("no app {a}")),
                None => Ok(None),
            }
        }
        Object::EvidenceRequest => {
            let id = param("request")?;
            let r = store
                .get::<EvidenceRequest>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no evidence request {id}")))?;
            if let Some(a) = &r.app_id {
                return app_of(store.get::<App>(a).await?, format!("no app {a}"));
            }
            match &r.obligation_id {
                Some(o) => match store.get::<Obligation>(o).await? {
                    Some(o) => match &o.app_id {
                        Some(a) => app_of(store.get::<App>(a).await?, format!("no app {a}")),
                        None => Ok(o.org_id),
                    },
                    None => Ok(None),
                },
                None => Ok(None),
            }
        }
        Object::Assessment => {
            let id = param("assessment")?;
            let x = store
                .get::<Assessment>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no assessment {id}")))?;
            about_app(store, x.app_id).await
        }
        Object::Exception => {
            let id = param("exception")?;
            let x = store
                .get::<RiskException>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no exception {id}")))?;
            about_app(store, x.app_id).await
        }
        Object::Drill => {
            let id = param("drill")?;
            let x = store
                .get::<Drill>(&id)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no drill {id}")))?;
            about_app(store, x.app_id).await
        }
        Object::Public | Object::SignedIn | Object::Somewhere | Object::Institution => Ok(None),
    }
}

/// The org node of a record about an app (its place), or of the
/// institution (None).
async fn about_app(store: &Store, app_id: Option<String>) -> Result<Option<String>, Failure> {
    match app_id {
        Some(a) => {
            let app = store
                .get::<App>(&a)
                .await?
                .ok_or_else(|| Failure::NotFound(format!("no app {a}")))?;
            Ok(app_org(&app).map(str::to_string))
        }
        None => Ok(None),
    }
}

/// The access check of one route (see the module's comment).
pub async fn guard(
    State((state, spec)): State<(AppState, &'static RouteSpec)>,
    viewer: Viewer,
    params: RawPathParams,
    req: Request,
    next: Next,
) -> Response {
    let api = is_api(req.uri().path());
    let refuse = |f: Failure| -> Response {
        if api {
            ApiError(f).into_response()
        } else {
            PageError {
                failure: f,
                next: Some(viewer.path.clone()),
            }
            .into_response()
        }
    };
    // Refusals read the body first, so the client sees them (limits.rs).
    let declared = limits::content_length(req.headers());
    let limit = body_limit(spec, &state.config);
    if declared.is_some_and(|n| n > limit) {
        let words = state.messages.get("limits.too_large", viewer.lang);
        let f = Failure::TooLarge(crate::refusal::fill(
            words,
            // The configured MiB (without the form's allowance), or 1.
            &[(
                "limit",
                format!("{}", (limit >> 20).saturating_sub(1).max(1)),
            )],
        ));
        return limits::refuse_with_body(req.into_body(), declared, refuse(f)).await;
    }
    if spec.object == Object::Public {
        return next.run(req).await;
    }
    let Some(p) = &viewer.principal else {
        return limits::refuse_with_body(req.into_body(), declared, refuse(Failure::SignIn)).await;
    };
    let allowed = match spec.object {
        Object::Public => true,
        // Any signed-in person (one's own account, a dashboard narrowed to
        // one's scopes — empty for an account not yet granted a role); an
        // API token still needs the scope for the action.
        Object::SignedIn => p.token_scopes.is_none() || p.may_somewhere(spec.action),
        Object::Somewhere => p.may_somewhere(spec.action),
        Object::Institution => {
            let tree = match state.orgs().await {
                Ok(o) => o,
                Err(e) => return refuse(e.into()),
            };
            p.may(spec.action, None, &tree.tree)
        }
        Object::App
        | Object::Release
        | Object::Move
        | Object::Job
        | Object::Account
        | Object::Obligation
        | Object::Complaint
        | Object::Counterfeit
        | Object::EvidenceRequest
        | Object::Assessment
        | Object::Exception
        | Object::Drill => {
            let org = match object_org(&state.store, spec.object, &params).await {
                Ok(o) => o,
                Err(f) => {
                    return limits::refuse_with_body(req.into_body(), declared, refuse(f)).await;
                }
            };
            let tree = match state.orgs().await {
                Ok(o) => o,
                Err(e) => return refuse(e.into()),
            };
            p.may(spec.action, org.as_deref(), &tree.tree)
        }
    };
    if allowed {
        next.run(req).await
    } else {
        limits::refuse_with_body(req.into_body(), declared, refuse(Failure::Forbidden)).await
    }
}
