//! Single sign-on through the institution's OpenID Connect provider
//! (config `[oidc]`): the authorization-code flow with PKCE, `state` and
//! `nonce`, done by the `openidconnect` crate — discovery from
//! `ISSUER/.well-known/openid-configuration`, the ID token's signature
//! checked against the provider's JWKS, and `iss`, `aud`, `exp` and `nonce`
//! checked.
//!
//! The flow's secrets (state, nonce, PKCE verifier, where to return) ride
//! in a short-lived cookie signed with HMAC-SHA-256 under a key kept in the
//! server's settings: nothing is stored for an anonymous visitor who starts
//! a sign-in (no table to fill), the cookie binds the callback to the
//! browser that started it (no login CSRF), and it expires after
//! `login_timeout_secs`.
//!
//! The account is found by (issuer, subject); without one it is created
//! without grants when `create_accounts` is set (an administrator grants
//! roles), otherwise the sign-in is refused with a page saying so.
//!
//! HTTP: openidconnect's bundled clients (reqwest) would bring a second
//! HTTP and TLS stack; the workspace already has ureq with rustls, so a
//! small adapter runs it on the blocking pool, without redirects, with a
//! time-out and a cap on what it reads.

use std::time::Duration;

use appgov_access::{AccountSource, UserAccount, secret};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hmac::{KeyInit, Mac};
use minijinja::context;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::auth::{Viewer, now_unix, safe_next, start_session};
use crate::config::OidcConfig;
use crate::error::{Failure, PageError};
use crate::render;
use crate::state::AppState;

pub const FLOW_COOKIE: &str = "appgov_oidc";
const KEY_SETTING: &str = "oidc_cookie_key";
/// Largest answer read from the provider (discovery, keys, tokens).
const MAX_RESPONSE: u64 = 1 << 20;
const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// openidconnect's HTTP client: ureq on the blocking pool.
async fn http_client(
    req: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    tokio::task::spawn_blocking(move || send(req))
        .await
        .map_err(|e| HttpError(e.to_string()))?
}

fn send(req: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, HttpError> {
    let agent = ureq::Agent::config_builder()
        // Following redirects would let a provider point us anywhere.
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(HTTP_TIMEOUT))
        .build()
        .new_agent();
    let mut resp = agent.run(req).map_err(|e| HttpError(e.to_string()))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_vec()
        .map_err(|e| HttpError(e.to_string()))?;
    let mut out = openidconnect::http::Response::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

fn oidc_config(state: &AppState) -> Result<&OidcConfig, Failure> {
    state.config.oidc.as_ref().ok_or_else(|| {
        Failure::NotFound("未配置统一身份认证 / single sign-on is not configured".into())
    })
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}/auth/oidc/callback", state.origin)
}

/// Discovers the provider (metadata and its current keys) and builds the
/// client. Done at each start and callback: sign-ins are rare, and the
/// keys are then always the provider's current ones (rotation needs no
/// restart).
async fn client(
    state: &AppState,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    Failure,
> {
    let c = oidc_config(state)?;
    let issuer = IssuerUrl::new(c.issuer.clone())
        .map_err(|e| Failure::Internal(format!("oidc.issuer: {e}")))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, &http_client)
        .await
        .map_err(|e| provider_unreachable(&format!("discovery: {e}")))?;
    let redirect = RedirectUrl::new(redirect_uri(state))
        .map_err(|e| Failure::Internal(format!("redirect URI: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(c.client_id.clone()),
        Some(ClientSecret::new(c.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

fn provider_unreachable(detail: &str) -> Failure {
    eprintln!("appgov serve: single sign-on: {detail}");
    Failure::Conflict(
        "统一身份认证服务暂时无法访问，请稍后再试或使用本地账号 / the identity provider cannot be reached; try later or use a local account".into(),
    )
}

/// What the flow cookie carries.
#[derive(Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    next: String,
    /// Unix time after which the sign-in is refused.
    expires: i64,
}

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

async fn cookie_key(state: &AppState) -> Result<Vec<u8>, Failure> {
    let key = match state.store.setting(KEY_SETTING).await? {
        Some(k) => k,
        None => {
            let k = secret::random_hex();
            state.store.set_setting(KEY_SETTING, &k).await?;
            k
        }
    };
    Ok(key.into_bytes())
}

fn mac(key: &[u8], payload: &str) -> String {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    m.update(payload.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// `hex(json).hex(hmac)`: cookie-safe without quoting.
fn seal(key: &[u8], flow: &Flow) -> String {
    let payload = hex::encode(serde_json::to_vec(flow).expect("JSON"));
    let tag = mac(key, &payload);
    format!("{payload}.{tag}")
}

fn open(key: &[u8], value: &str) -> Option<Flow> {
    let (payload, tag) = value.split_once('.')?;
    if payload.len() > 8192 || !secret::same(&mac(key, payload), tag) {
        return None;
    }
    serde_json::from_slice(&hex::decode(payload).ok()?).ok()
}

fn flow_cookie(state: &AppState, value: &str, max_age: u64) -> HeaderValue {
    let mut c = format!(
        "{FLOW_COOKIE}={value}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}"
    );
    if state.config.secure_cookies() {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie values are ASCII")
}

#[derive(Deserialize)]
pub struct StartQuery {
    next: Option<String>,
}

/// Sends the browser to the provider.
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<StartQuery>,
) -> Result<Response, PageError> {
    let c = oidc_config(&state)?;
    let client = match client(&state).await {
        Ok(c) => c,
        Err(f) => return refused(&state, &viewer, f.message(), StatusCode::BAD_GATEWAY),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let flow = Flow {
        state: csrf.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
        next: safe_next(q.next.as_deref()),
        expires: now_unix() + c.login_timeout_secs as i64,
    };
    let key = cookie_key(&state).await?;
    let mut r = Redirect::to(url.as_str()).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        flow_cookie(&state, &seal(&key, &flow), c.login_timeout_secs),
    );
    Ok(r)
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn refused(
    state: &AppState,
    viewer: &Viewer,
    message: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let html = render::page(
        state,
        viewer,
        "oidc_refused.html",
        context! { message => message },
    )?;
    let mut r = (status, html).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, flow_cookie(state, "", 0));
    Ok(r)
}

/// The provider sends the browser back here with a code. A refused
/// callback (forged or replayed state, a code the provider rejects, an
/// unknown or disabled person) counts as a failed sign-in from the
/// client's address, like a wrong password, so the same address limit
/// applies — and a blocked address no longer reaches the provider.
pub async fn callback(
    State(state): State<AppState>,
    viewer: Viewer,
    ConnectInfo(conn): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    query: Query<CallbackQuery>,
) -> Result<Response, PageError> {
    use appgov_access::throttle::{self, Failures, ThrottleRules, Verdict};
    let addr = crate::auth::client_addr(&state, &headers, Some(conn));
    let addr_key = format!("addr:{addr}");
    let rules = ThrottleRules::default();
    let now = now_unix();
    let since = now - rules.window_secs - rules.lockout_secs;
    let addr_failures = Failures {
        times: state.store.login_failures(&addr_key, since).await?,
    };
    if let Verdict::AddressBlocked(_) =
        throttle::judge(&Failures::default(), &addr_failures, now, &rules)
    {
        let message = state.messages.get("auth.blocked", viewer.lang).to_string();
        return refused(&state, &viewer, message, StatusCode::TOO_MANY_REQUESTS);
    }
    let r = callback_inner(state.clone(), viewer, headers, query).await;
    let failed = match &r {
        Ok(resp) => resp.status().is_client_error(),
        Err(e) => e.failure.status().is_client_error(),
    };
    if failed {
        state.store.record_login_failure(&addr_key, now).await?;
    }
    r
}

async fn callback_inner(
    state: AppState,
    viewer: Viewer,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, PageError> {
    let c = oidc_config(&state)?.clone();
    let lang = viewer.lang;
    let say = |zh: &str, en: &str| crate::accounts::say(lang, zh, en);
    if let Some(e) = &q.error {
        let detail = q.error_description.clone().unwrap_or_default();
        return refused(
            &state,
            &viewer,
            format!(
                "{} ({e}{}{})",
                say(
                    "统一身份认证未完成登录",
                    "the identity provider did not sign you in"
                ),
                if detail.is_empty() { "" } else { ": " },
                detail.chars().take(200).collect::<String>()
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let key = cookie_key(&state).await?;
    let flow = crate::auth::cookie(&headers, FLOW_COOKIE).and_then(|v| open(&key, v));
    let (Some(flow), Some(code), Some(got_state)) = (flow, q.code.as_deref(), q.state.as_deref())
    else {
        return refused(
            &state,
            &viewer,
            say(
                "登录请求无效或已被篡改，请重新登录",
                "the sign-in request is invalid or was altered; sign in again",
            ),
            StatusCode::FORBIDDEN,
        );
    };
    if !secret::same(&flow.state, got_state) {
        return refused(
            &state,
            &viewer,
            say(
                "登录请求的 state 不匹配，请重新登录",
                "the sign-in's state does not match; sign in again",
            ),
            StatusCode::FORBIDDEN,
        );
    }
    if now_unix() > flow.expires {
        return refused(
            &state,
            &viewer,
            say(
                "登录已超时，请重新登录",
                "the sign-in took too long; sign in again",
            ),
            StatusCode::FORBIDDEN,
        );
    }
    let client = match client(&state).await {
        Ok(c) => c,
        Err(f) => return refused(&state, &viewer, f.message(), StatusCode::BAD_GATEWAY),
    };
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| Failure::Internal(format!("token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
        .request_async(&http_client)
        .await;
    let token = match token {
        Ok(t) => t,
        Err(e) => {
            eprintln!("appgov serve: single sign-on: token exchange: {e}");
            return refused(
                &state,
                &viewer,
                say(
                    "统一身份认证拒绝了登录码，请重新登录",
                    "the identity provider refused the sign-in code; sign in again",
                ),
                StatusCode::FORBIDDEN,
            );
        }
    };
    let Some(id_token) = token.id_token() else {
        return refused(
            &state,
            &viewer,
            say(
                "统一身份认证未返回身份令牌",
                "the identity provider sent no ID token",
            ),
            StatusCode::FORBIDDEN,
        );
    };
    let verifier = client.id_token_verifier();
    let claims = match id_token.claims(&verifier, &Nonce::new(flow.nonce.clone())) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("appgov serve: single sign-on: ID token refused: {e}");
            return refused(
                &state,
                &viewer,
                format!(
                    "{}: {e}",
                    say(
                        "身份令牌校验失败（签名、签发方、受众、有效期或 nonce）",
                        "the ID token failed verification (signature, issuer, audience, expiry or nonce)"
                    )
                ),
                StatusCode::FORBIDDEN,
            );
        }
    };
    let subject = claims.subject().as_str().to_string();
    let issuer = claims.issuer().as_str().to_string();
    let email = claims.email().map(|e| e.as_str().to_string());
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string());
    let preferred = claims.preferred_username().map(|u| u.as_str().to_string());
    let user = match find_account(&state, &issuer, &subject).await? {
        Some(u) => u,
        None if c.create_accounts => {
            create_account(&state, &issuer, &subject, preferred, email, name).await?
        }
        None => {
            return refused(
                &state,
                &viewer,
                format!(
                    "{} ({subject})",
                    say(
                        "您在统一身份认证中的身份尚未开通本平台账号，请联系系统管理员开通",
                        "your single sign-on identity has no account here yet; ask an administrator to create one"
                    )
                ),
                StatusCode::FORBIDDEN,
            );
        }
    };
    if user.disabled {
        return refused(
            &state,
            &viewer,
            state.messages.get("auth.disabled", lang).into(),
            StatusCode::FORBIDDEN,
        );
    }
    let session = start_session(&state, &viewer, &user.id, &headers).await?;
    let mut r = Redirect::to(&flow.next).into_response();
    r.headers_mut().append(header::SET_COOKIE, session);
    r.headers_mut()
        .append(header::SET_COOKIE, flow_cookie(&state, "", 0));
    Ok(r)
}

async fn find_account(
    state: &AppState,
    issuer: &str,
    subject: &str,
) -> Result<Option<UserAccount>, Failure> {
    Ok(state
        .store
        .find::<UserAccount>("oidc_subject", subject)
        .await?
        .into_iter()
        .find(|u| u.source == AccountSource::Oidc && u.oidc_issuer.as_deref() == Some(issuer)))
}

/// A login from the provider's names: the preferred user name, else the
/// e-mail's local part, else one derived from the subject; made plain and
/// unique.
fn login_base(preferred: Option<&str>, email: Option<&str>, subject: &str) -> String {
    let plain = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .filter(|c| matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-' | '@'))
            .take(48)
            .collect()
    };
    let candidates = [
        preferred.map(plain),
        email.map(|e| plain(e.split('@').next().unwrap_or(""))),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|c| !c.is_empty())
        .unwrap_or_else(|| format!("sso-{}", &secret::digest(subject)[..12]))
}

async fn create_account(
    state: &AppState,
    issuer: &str,
    subject: &str,
    preferred: Option<String>,
    email: Option<String>,
    name: Option<String>,
) -> Result<UserAccount, Failure> {
    let base = login_base(preferred.as_deref(), email.as_deref(), subject);
    let mut login = base.clone();
    let mut n = 1;
    while !state
        .store
        .find::<UserAccount>("login", &login)
        .await?
        .is_empty()
    {
        n += 1;
        if n > 50 {
            login = format!("sso-{}", &secret::digest(subject)[..12]);
            break;
        }
        login = format!("{base}-{n}");
    }
    let mut u = UserAccount {
        id: String::new(),
        login: login.clone(),
        display_name: name
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.chars().take(100).collect())
            .unwrap_or_else(|| login.clone()),
        person_id: None,
        email: email.map(|e| e.chars().take(200).collect()),
        locale: None,
        grants: vec![],
        source: AccountSource::Oidc,
        oidc_issuer: Some(issuer.to_string()),
        oidc_subject: Some(subject.to_string()),
        disabled: false,
        created_at: appgov_workflow::now_rfc3339(),
        version: 0,
    };
    let mut tx = state
        .store
        .write(&format!("{login} (single sign-on)"))
        .await?;
    tx.insert(&mut u).await?;
    tx.commit().await?;
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_cookie_is_sealed() {
        let key = b"k".repeat(64);
        let f = Flow {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
            next: "/".into(),
            expires: 10,
        };
        let sealed = seal(&key, &f);
        assert_eq!(open(&key, &sealed).unwrap().state, "s");
        assert!(open(b"other", &sealed).is_none());
        let (p, t) = sealed.split_once('.').unwrap();
        let mut forged = serde_json::to_value(&f).unwrap();
        forged["next"] = "//evil".into();
        let fp = hex::encode(serde_json::to_vec(&forged).unwrap());
        assert!(open(&key, &format!("{fp}.{t}")).is_none());
        assert!(open(&key, p).is_none());
    }

    #[test]
    fn logins_from_claims() {
        assert_eq!(login_base(Some("Zhang.San"), None, "x"), "zhang.san");
        assert_eq!(login_base(None, Some("li.si@bank.cn"), "x"), "li.si");
        assert_eq!(login_base(Some("张三"), None, "x").len(), 16);
    }
}
