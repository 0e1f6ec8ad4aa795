//! My account (`/account`, anyone signed in): change one's password,
//! the interface language, one's API tokens (created, shown once,
//! revoked). An account whose password must be changed is sent to the
//! change-password page until it is (see `auth::resolve`).

use appgov_access::{AccountSource, ApiToken, TokenScope, password};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::accounts::{self, NewToken, say};
use crate::auth::{Viewer, now_unix, start_session};
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::pages::admin::{MsgQuery, notice, token_rows};
use crate::render;
use crate::state::AppState;

/// Paths an account that must change its password may still use.
pub fn allowed_before_password_change(path: &str) -> bool {
    path == "/account/password"
        || path == "/logout"
        || path == "/lang"
        || path.starts_with("/assets/")
}

/// The signed-in viewer's account, for pages.
fn me(viewer: &Viewer) -> Result<&appgov_access::UserAccount, PageError> {
    viewer.require()?;
    viewer
        .account
        .as_ref()
        .ok_or_else(|| Failure::SignIn.into())
}

async fn account_page(
    state: &AppState,
    viewer: &Viewer,
    msg: Option<&str>,
    new_token: Option<(String, String)>,
    error: Option<Failure>,
) -> Result<Response, PageError> {
    let u = me(viewer)?;
    let lang = viewer.lang;
    let tokens = state.store.find::<ApiToken>("user_id", &u.id).await?;
    let scopes: Vec<Value> = accounts::allowed_scopes(&u.grants)
        .into_iter()
        .map(|s| {
            context! { id => s.as_str(), label => say(lang, s.label_zh(), s.label_en()),
            checked => s == TokenScope::Read }
        })
        .collect();
    let status = error.as_ref().map(|e| e.status()).unwrap_or(StatusCode::OK);
    let html = render::page(
        state,
        viewer,
        "account.html",
        context! {
            me => context! {
                login => u.login.clone(),
                display_name => u.display_name.clone(),
                email => u.email.clone(),
                source => say(lang, u.source.label_zh(), u.source.label_en()),
                local => u.source == AccountSource::Local,
                locale => u.locale.clone().unwrap_or_default(),
                grants => u.grants.iter().map(|g| say(lang, g.role.label_zh(), g.role.label_en())).collect::<Vec<_>>(),
            },
            tokens => token_rows(lang, &tokens, &[], &state.store.token_uses().await?),
            scopes => scopes,
            default_days => accounts::TOKEN_DEFAULT_DAYS,
            max_days => accounts::TOKEN_MAX_DAYS,
            new_token => new_token.map(|(name, token)| context! { name => name, token => token }),
            notice => notice(state, msg),
            error => error.map(|e| e.message()),
        },
    )?;
    let mut r = (status, html).into_response();
    // A page that shows a token once must not be kept by caches.
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(r)
}

pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    account_page(&state, &viewer, q.msg.as_deref(), None, None).await
}

#[derive(Deserialize)]
pub struct LocaleForm {
    locale: String,
}

/// The interface language kept on the account (the cookie of the language
/// switch, when set, still wins in that browser; it is cleared here so the
/// choice shows at once).
pub async fn locale(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<LocaleForm>,
) -> Result<Response, PageError> {
    let u = me(&viewer)?;
    let locale = match f.locale.as_str() {
        "" => None,
        l => Some(
            Lang::parse(l)
                .ok_or_else(|| Failure::Invalid(format!("unknown language {l:?}")))?
                .code()
                .to_string(),
        ),
    };
    let mut u = accounts::get_user(&state, &u.id).await?;
    u.locale = locale;
    let mut tx = state.store.write(&viewer.actor()).await?;
    tx.update(&mut u).await?;
    tx.commit().await?;
    let mut r = Redirect::to("/account?msg=done.saved").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        header::HeaderValue::from_static("appgov_lang=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(r)
}

#[derive(Deserialize)]
pub struct TokenForm {
    name: String,
    #[serde(default)]
    expires_days: Option<String>,
}

/// Creates a token and shows it once (the answer is the page itself,
/// never a redirect that would need the token in a URL or a session).
pub async fn token_create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = me(&viewer)?.clone();
    if pairs.len() > 50 {
        return Err(Failure::Invalid("too many fields".into()).into());
    }
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let f = TokenForm {
        name: get("name").unwrap_or_default(),
        expires_days: get("expires_days"),
    };
    let r = async {
        let scopes = pairs
            .iter()
            .filter(|(k, _)| k == "scope")
            .map(|(_, v)| {
                TokenScope::parse(v).ok_or_else(|| Failure::Invalid(format!("unknown scope {v:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let days = match f.expires_days.as_deref().map(str::trim) {
            None | Some("") => accounts::TOKEN_DEFAULT_DAYS,
            Some(d) => d
                .parse()
                .map_err(|_| Failure::Invalid(format!("{d:?} is not a number of days")))?,
        };
        accounts::create_token(
            &state,
            &viewer.actor(),
            viewer.lang,
            &u,
            NewToken {
                name: f.name.clone(),
                scopes,
                expires_days: days,
            },
        )
        .await
    }
    .await;
    match r {
        Ok((t, token)) => account_page(&state, &viewer, None, Some((t.name, token)), None).await,
        Err(Failure::Internal(m)) => Err(Failure::Internal(m).into()),
        Err(e) => account_page(&state, &viewer, None, None, Some(e)).await,
    }
}

pub async fn token_revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let u = me(&viewer)?;
    accounts::revoke_token(&state, &viewer.actor(), &id, Some(&u.id)).await?;
    Ok(Redirect::to("/account?msg=done.token_revoked").into_response())
}

fn password_page(
    state: &AppState,
    viewer: &Viewer,
    must_change: bool,
    error: Option<Failure>,
) -> Result<Response, PageError> {
    let status = error.as_ref().map(|e| e.status()).unwrap_or(StatusCode::OK);
    let html = render::page(
        state,
        viewer,
        "account_password.html",
        context! { must_change => must_change, error => error.map(|e| e.message()) },
    )?;
    Ok((status, html).into_response())
}

async fn must_change(state: &AppState, user_id: &str) -> Result<bool, Failure> {
    Ok(state
        .store
        .credential(user_id)
        .await?
        .is_some_and(|c| c.must_change))
}

pub async fn password_form(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let u = me(&viewer)?;
    if u.source != AccountSource::Local {
        return Err(Failure::Conflict(say(
            viewer.lang,
            "单点登录账号的密码由统一身份认证系统管理",
            "a single sign-on account's password is managed by the identity provider",
        ))
        .into());
    }
    let mc = must_change(&state, &u.id).await?;
    password_page(&state, &viewer, mc, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    password: String,
    password2: String,
}

/// Changes one's own password: the current one is required (and wrong
/// ones count towards the lockout); every session of the account ends and
/// this browser gets a new one.
pub async fn password_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let u = me(&viewer)?.clone();
    let lang = viewer.lang;
    let mc = must_change(&state, &u.id).await?;
    let cred = match (u.source, state.store.credential(&u.id).await?) {
        (AccountSource::Local, Some(c)) => c,
        _ => {
            return Err(Failure::Conflict(say(
                lang,
                "此账号没有本地密码",
                "this account has no local password",
            ))
            .into());
        }
    };
    let key = accounts::login_key(&u.login);
    if accounts::locked_until(&state, &u.login).await?.is_some() {
        return password_page(
            &state,
            &viewer,
            mc,
            Some(Failure::Conflict(
                state.messages.get("auth.locked", lang).into(),
            )),
        );
    }
    let current = f.current.clone();
    let hash = cred.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &hash))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?;
    if !ok {
        state.store.record_login_failure(&key, now_unix()).await?;
        return password_page(
            &state,
            &viewer,
            mc,
            Some(Failure::Invalid(say(
                lang,
                "当前密码不正确",
                "the current password is wrong",
            ))),
        );
    }
    let checked = if f.password != f.password2 {
        Err(Failure::Invalid(
            state.messages.get("auth.mismatch", lang).into(),
        ))
    } else if f.password == f.current {
        Err(Failure::Invalid(say(
            lang,
            "新密码不能与当前密码相同",
            "the new password must differ from the current one",
        )))
    } else {
        accounts::check_password(lang, &f.password, &u.login)
    };
    if let Err(e) = checked {
        return password_page(&state, &viewer, mc, Some(e));
    }
    let pw = f.password.clone();
    let h = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?;
    state
        .store
        .set_password(&viewer.actor(), &u.id, &h, false)
        .await?;
    state.store.delete_user_sessions(&u.id).await?;
    let mut fresh = viewer.clone();
    fresh.session = None;
    let cookie = start_session(&state, &fresh, &u.id, &headers).await?;
    let mut r = Redirect::to("/account?msg=done.password_changed").into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(r)
}
