//! Accounts and API tokens over JSON: administration of users and of
//! everyone's tokens (institution-wide administrators, in a browser
//! session: administration has no token scope), and one's own tokens.

use appgov_access::{AccountRole, ApiToken, Grant, TokenScope, UserAccount};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::{self, NewToken, NewUser, UserChange};
use crate::api::GrantView;
use crate::auth::Viewer;
use crate::error::{ApiError, ErrorBody, Failure};
use crate::state::AppState;

/// An account as the API shows it (never a password hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub person_id: Option<String>,
    /// `local` or `oidc`.
    pub source: String,
    pub oidc_subject: Option<String>,
    pub grants: Vec<GrantView>,
    pub disabled: bool,
    pub created_at: String,
    pub version: i64,
}

impl From<&UserAccount> for UserView {
    fn from(u: &UserAccount) -> Self {
        UserView {
            id: u.id.clone(),
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            person_id: u.person_id.clone(),
            source: u.source.as_str().into(),
            oidc_subject: u.oidc_subject.clone(),
            grants: u
                .grants
                .iter()
                .map(|g| GrantView {
                    role: g.role.as_str().into(),
                    org_id: g.org_id.clone(),
                })
                .collect(),
            disabled: u.disabled,
            created_at: u.created_at.clone(),
            version: u.version,
        }
    }
}

/// A grant in a request: a role and, optionally, the org node it is
/// limited to.
#[derive(Deserialize, ToSchema)]
pub struct GrantInput {
    /// administrator, governance, app_owner, security_reviewer,
    /// compliance_reviewer or auditor (Chinese labels are accepted too).
    pub role: String,
    pub org_id: Option<String>,
}

fn grants_of(input: &[GrantInput]) -> Result<Vec<Grant>, Failure> {
    if input.len() > accounts::MAX_GRANTS {
        return Err(Failure::Invalid(format!(
            "at most {} grants",
            accounts::MAX_GRANTS
        )));
    }
    input
        .iter()
        .map(|g| {
            Ok(Grant {
                role: AccountRole::parse(&g.role).ok_or_else(|| {
                    Failure::Invalid(format!(
                        "unknown role {:?} (one of {})",
                        g.role,
                        AccountRole::names()
                    ))
                })?,
                org_id: g.org_id.clone().filter(|o| !o.trim().is_empty()),
            })
        })
        .collect()
}

/// A new account.
#[derive(Deserialize, ToSchema)]
pub struct NewUserInput {
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    /// A person's id or exact name in the ledger.
    pub person: Option<String>,
    #[serde(default)]
    pub grants: Vec<GrantInput>,
    /// A local account's first password (checked against the policy).
    pub password: Option<String>,
    /// Must change the password at first sign-in (default true).
    pub must_change: Option<bool>,
    /// Instead of a password: the subject the configured identity
    /// provider names this person by.
    pub oidc_subject: Option<String>,
}

/// Changes to an account (absent fields stay as they are). Changing
/// grants or disabling ends the account's sessions.
#[derive(Deserialize, ToSchema)]
pub struct UserPatch {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub person: Option<String>,
    pub grants: Option<Vec<GrantInput>>,
    pub disabled: Option<bool>,
    /// A new password (set by the administrator; ends the sessions).
    pub password: Option<String>,
    /// With `password`: must change it at next sign-in (default true).
    pub must_change: Option<bool>,
    /// true: clear failed sign-ins (end a lockout).
    pub unlock: Option<bool>,
}

fn actor_id(viewer: &Viewer) -> String {
    viewer
        .account
        .as_ref()
        .map(|a| a.id.clone())
        .unwrap_or_default()
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/users", tag = "administration",
    responses((status = 200, body = [UserView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<UserView>>, ApiError> {
    viewer.require_api()?;
    let mut users = state.store.all::<UserAccount>().await?;
    users.sort_by(|a, b| a.login.cmp(&b.login));
    Ok(Json(users.iter().map(UserView::from).collect()))
}

/// Creates an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "administration", request_body = NewUserInput,
    responses((status = 201, body = UserView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(n): Json<NewUserInput>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    viewer.require_api()?;
    let u = accounts::create_user(
        &state,
        &viewer.actor(),
        viewer.lang,
        NewUser {
            login: n.login,
            display_name: n.display_name,
            email: n.email,
            person: n.person,
            grants: grants_of(&n.grants)?,
            password: n.password,
            must_change: n.must_change.unwrap_or(true),
            oidc_subject: n.oidc_subject,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&u))))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{user}", tag = "administration",
    params(("user" = String, Path, description = "account id")),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    viewer.require_api()?;
    Ok(Json(UserView::from(
        &accounts::get_user(&state, &id).await?,
    )))
}

/// Changes an account: details, grants, disabled, password, lockout.
#[utoipa::path(patch, path = "/api/v1/users/{user}", tag = "administration", request_body = UserPatch,
    params(("user" = String, Path, description = "account id")),
    responses((status = 200, body = UserView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_user(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Json(p): Json<UserPatch>,
) -> Result<Json<UserView>, ApiError> {
    viewer.require_api()?;
    let actor = viewer.actor();
    let grants = p.grants.as_deref().map(grants_of).transpose()?;
    let mut u = accounts::change_user(
        &state,
        &actor,
        &actor_id(&viewer),
        viewer.lang,
        &id,
        UserChange {
            display_name: p.display_name,
            email: p.email.map(Some),
            person: p.person.map(Some),
            grants,
            disabled: p.disabled,
        },
    )
    .await?;
    if let Some(pw) = &p.password {
        accounts::reset_password(
            &state,
            &actor,
            viewer.lang,
            &id,
            pw,
            p.must_change.unwrap_or(true),
        )
        .await?;
    }
    if p.unlock == Some(true) {
        accounts::unlock(&state, &actor, &id).await?;
    }
    u = accounts::get_user(&state, &u.id).await?;
    Ok(Json(UserView::from(&u)))
}

/// An API token as listed (never the token itself).
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// The token's first characters.
    pub hint: String,
    /// read, releases, ledger.
    pub scopes: Vec<String>,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    /// active, expired or revoked.
    pub state: String,
    /// When it was last used (to the minute), and from which address.
    pub last_used_at: Option<String>,
    pub last_used_from: Option<String>,
}

/// Fills in each token's last use.
pub fn with_uses(
    mut views: Vec<TokenView>,
    uses: &std::collections::HashMap<String, (String, Option<String>)>,
) -> Vec<TokenView> {
    for v in &mut views {
        if let Some((at, addr)) = uses.get(&v.id) {
            v.last_used_at = Some(at.clone());
            v.last_used_from = addr.clone();
        }
    }
    views
}

impl From<&ApiToken> for TokenView {
    fn from(t: &ApiToken) -> Self {
        TokenView {
            id: t.id.clone(),
            user_id: t.user_id.clone(),
            name: t.name.clone(),
            hint: t.hint.clone(),
            scopes: t.scopes.iter().map(|s| s.as_str().to_string()).collect(),
            created_at: t.created_at.clone(),
            expires_at: t.expires_at.clone(),
            revoked_at: t.revoked_at.clone(),
            state: accounts::token_state(t).into(),
            last_used_at: None,
            last_used_from: None,
        }
    }
}

/// A new token of one's own.
#[derive(Deserialize, ToSchema)]
pub struct NewTokenInput {
    pub name: String,
    /// read, releases, ledger — only those the caller's roles allow.
    pub scopes: Vec<String>,
    /// 1 to 365 (default 90).
    pub expires_days: Option<i64>,
}

/// A token just made: `token` is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub record: TokenView,
}

/// Newest first, with their last use.
async fn sorted(state: &AppState, mut tokens: Vec<ApiToken>) -> Result<Vec<TokenView>, ApiError> {
    tokens.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let uses = state.store.token_uses().await?;
    Ok(with_uses(
        tokens.iter().map(TokenView::from).collect(),
        &uses,
    ))
}

/// Everyone's tokens.
#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "administration",
    responses((status = 200, body = [TokenView]), (status = 403, body = ErrorBody)))]
pub async fn all_tokens(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    viewer.require_api()?;
    Ok(Json(
        sorted(&state, state.store.all::<ApiToken>().await?).await?,
    ))
}

/// Revokes anyone's token.
#[utoipa::path(delete, path = "/api/v1/admin/tokens/{token}", tag = "administration",
    params(("token" = String, Path, description = "token id")),
    responses((status = 200, body = TokenView), (status = 404, body = ErrorBody)))]
pub async fn revoke_any_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<TokenView>, ApiError> {
    viewer.require_api()?;
    let t = accounts::revoke_token(&state, &viewer.actor(), &id, None).await?;
    Ok(Json(TokenView::from(&t)))
}

/// One's own tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, body = [TokenView]), (status = 401, body = ErrorBody)))]
pub async fn my_tokens(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    let p = viewer.require_api()?;
    Ok(Json(
        sorted(
            &state,
            state.store.find::<ApiToken>("user_id", &p.user_id).await?,
        )
        .await?,
    ))
}

/// Creates a token of one's own. Only in a browser session: a token
/// cannot mint tokens (it would outlive its own expiry).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewTokenInput,
    responses((status = 201, body = CreatedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_my_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(n): Json<NewTokenInput>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    viewer.require_api()?;
    if viewer.via_token {
        return Err(Failure::Forbidden.into());
    }
    let user = viewer.account.clone().ok_or(Failure::SignIn)?;
    if n.scopes.len() > 16 {
        return Err(Failure::Invalid("too many scopes".into()).into());
    }
    let scopes = n
        .scopes
        .iter()
        .map(|s| {
            TokenScope::parse(s).ok_or_else(|| {
                Failure::Invalid(format!(
                    "unknown scope {s:?} (one of {})",
                    TokenScope::names()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (t, token) = accounts::create_token(
        &state,
        &viewer.actor(),
        viewer.lang,
        &user,
        NewToken {
            name: n.name,
            scopes,
            expires_days: n.expires_days.unwrap_or(accounts::TOKEN_DEFAULT_DAYS),
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token,
            record: TokenView::from(&t),
        }),
    ))
}

/// Revokes a token of one's own (a token may revoke itself).
#[utoipa::path(delete, path = "/api/v1/tokens/{token}", tag = "accounts",
    params(("token" = String, Path, description = "token id")),
    responses((status = 200, body = TokenView), (status = 404, body = ErrorBody)))]
pub async fn revoke_my_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<TokenView>, ApiError> {
    let p = viewer.require_api()?;
    let t = accounts::revoke_token(&state, &viewer.actor(), &id, Some(&p.user_id)).await?;
    Ok(Json(TokenView::from(&t)))
}

/// The institution's scan policy in force.
#[derive(Serialize, ToSchema)]
pub struct PolicyView {
    /// The TOML text (`appgov scan --policy` reads the same); empty when
    /// none is set.
    pub text: String,
    /// SHA-256 of the text in force (null: none set).
    pub sha256: Option<String>,
    /// Every saved version, newest first.
    pub versions: Vec<PolicyVersionView>,
}

#[derive(Serialize, ToSchema)]
pub struct PolicyVersionView {
    /// The audit event that saved it.
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub sha256: String,
    pub size: u64,
}

/// A new policy text.
#[derive(Deserialize, ToSchema)]
pub struct PolicyInput {
    pub text: String,
}

async fn policy_view(state: &AppState) -> Result<PolicyView, Failure> {
    let versions = crate::policy::versions(state).await?;
    let current = versions.first().map(|v| v.sha256.clone());
    let text = match &current {
        Some(d) => crate::policy::text_of(state, d)?,
        None => String::new(),
    };
    Ok(PolicyView {
        text,
        sha256: current,
        versions: versions
            .into_iter()
            .map(|v| PolicyVersionView {
                seq: v.seq,
                at: v.at,
                actor: v.actor,
                sha256: v.sha256,
                size: v.size,
            })
            .collect(),
    })
}

/// The institution's scan policy and its versions.
#[utoipa::path(get, path = "/api/v1/policy", tag = "administration",
    responses((status = 200, body = PolicyView), (status = 403, body = ErrorBody)))]
pub async fn get_policy(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<PolicyView>, ApiError> {
    viewer.require_api()?;
    Ok(Json(policy_view(&state).await?))
}

/// Saves a new version of the policy (validated against the rule and SDK
/// catalogs; an invalid one is refused with its errors, by line).
#[utoipa::path(put, path = "/api/v1/policy", tag = "administration", request_body = PolicyInput,
    responses((status = 200, body = PolicyView), (status = 422, body = ErrorBody)))]
pub async fn put_policy(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(p): Json<PolicyInput>,
) -> Result<Json<PolicyView>, ApiError> {
    viewer.require_api()?;
    crate::policy::save(&state, &viewer.actor(), &p.text).await?;
    Ok(Json(policy_view(&state).await?))
}
