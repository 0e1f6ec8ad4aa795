//! Changing an app's attributes, its listings, and the publishing accounts
//! over JSON — the same operations as the app page's forms and /accounts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody};
use crate::pages::app::{AppPatch, edit_app};
use crate::pages::channels::{self, AccountInput, AccountRow, ListingInput};
use crate::pages::identities::{self, IdentityInput};
use crate::state::AppState as Shared;
use crate::views::{self, AppDetail};

/// Changes an app's attributes (not its lifecycle state: that is a move).
/// `version` must be the version the change was made against.
#[utoipa::path(patch, path = "/api/v1/apps/{app}", tag = "ledger", request_body = AppPatch,
    params(("app" = String, Path, description = "app id")),
    responses((status = 200, body = AppDetail), (status = 403, body = ErrorBody),
        (status = 409, description = "changed by someone else since `version`", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn patch_app(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Json(patch): Json<AppPatch>,
) -> Result<Json<AppDetail>, ApiError> {
    let p = viewer.require_api()?;
    edit_app(&state, p, &viewer.actor(), &app, &patch).await?;
    Ok(Json(views::app_detail(&state, p, viewer.lang, &app).await?))
}

/// Records another platform identity of the app with its registered
/// signing certificates.
#[utoipa::path(post, path = "/api/v1/apps/{app}/identities", tag = "ledger", request_body = IdentityInput,
    params(("app" = String, Path, description = "app id")),
    responses((status = 201, body = AppDetail), (status = 403, body = ErrorBody),
        (status = 409, description = "already recorded", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_identity(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Json(f): Json<IdentityInput>,
) -> Result<(StatusCode, Json<AppDetail>), ApiError> {
    let p = viewer.require_api()?;
    identities::add_identity(&state, &viewer.actor(), &app, &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(views::app_detail(&state, p, viewer.lang, &app).await?),
    ))
}

/// Changes an identity: developer account, key custodian, and the list of
/// registered certificates (replaced as given).
#[utoipa::path(patch, path = "/api/v1/apps/{app}/identities/{identity}", tag = "ledger", request_body = IdentityInput,
    params(("app" = String, Path, description = "app id"), ("identity" = String, Path, description = "identity id")),
    responses((status = 200, body = AppDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_identity(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((app, identity)): Path<(String, String)>,
    Json(f): Json<IdentityInput>,
) -> Result<Json<AppDetail>, ApiError> {
    let p = viewer.require_api()?;
    identities::edit_identity(&state, &viewer.actor(), &app, &identity, &f).await?;
    Ok(Json(views::app_detail(&state, p, viewer.lang, &app).await?))
}

/// Records a listing of the app on a channel, through an existing
/// publishing account or a new one held by the app's operating institution.
#[utoipa::path(post, path = "/api/v1/apps/{app}/listings", tag = "ledger", request_body = ListingInput,
    params(("app" = String, Path, description = "app id")),
    responses((status = 201, body = AppDetail), (status = 403, body = ErrorBody),
        (status = 409, description = "already listed on that channel", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_listing(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Json(f): Json<ListingInput>,
) -> Result<(StatusCode, Json<AppDetail>), ApiError> {
    let p = viewer.require_api()?;
    channels::add_listing(&state, p, &viewer.actor(), &app, &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(views::app_detail(&state, p, viewer.lang, &app).await?),
    ))
}

/// Changes a listing (state, store URL, listed version, account).
#[utoipa::path(patch, path = "/api/v1/apps/{app}/listings/{listing}", tag = "ledger", request_body = ListingInput,
    params(("app" = String, Path, description = "app id"), ("listing" = String, Path, description = "listing id")),
    responses((status = 200, body = AppDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_listing(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((app, listing)): Path<(String, String)>,
    Json(f): Json<ListingInput>,
) -> Result<Json<AppDetail>, ApiError> {
    let p = viewer.require_api()?;
    channels::edit_listing(&state, p, &viewer.actor(), &app, &listing, &f).await?;
    Ok(Json(views::app_detail(&state, p, viewer.lang, &app).await?))
}

/// The publishing accounts the caller may see.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "ledger",
    responses((status = 200, body = Vec<AccountRow>), (status = 401, body = ErrorBody)))]
pub async fn list_accounts(
    State(state): State<Shared>,
    viewer: Viewer,
) -> Result<Json<Vec<AccountRow>>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(channels::account_rows(&state, p, viewer.lang).await?))
}

async fn row(state: &Shared, viewer: &Viewer, id: &str) -> Result<AccountRow, ApiError> {
    let p = viewer.require_api()?;
    channels::account_rows(state, p, viewer.lang)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(ApiError(crate::error::Failure::Forbidden))
}

/// Records a publishing account held by an org node in the caller's scopes
/// or by the institution above them.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "ledger", request_body = AccountInput,
    responses((status = 201, body = AccountRow), (status = 403, body = ErrorBody),
        (status = 409, description = "already recorded", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_account(
    State(state): State<Shared>,
    viewer: Viewer,
    Json(f): Json<AccountInput>,
) -> Result<(StatusCode, Json<AccountRow>), ApiError> {
    let p = viewer.require_api()?;
    let id = channels::add_account(&state, p, &viewer.actor(), &f).await?;
    Ok((StatusCode::CREATED, Json(row(&state, &viewer, &id).await?)))
}

/// Changes a publishing account's attributes (two-factor sign-in, the
/// last access review, status, administrator, holder).
#[utoipa::path(patch, path = "/api/v1/accounts/{account}", tag = "ledger", request_body = AccountInput,
    params(("account" = String, Path, description = "publishing account id")),
    responses((status = 200, body = AccountRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_account(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(account): Path<String>,
    Json(f): Json<AccountInput>,
) -> Result<Json<AccountRow>, ApiError> {
    let p = viewer.require_api()?;
    channels::edit_account(&state, p, &viewer.actor(), &account, &f).await?;
    Ok(Json(row(&state, &viewer, &account).await?))
}
