//! Who is asking, and may they: sessions (cookie), API tokens (bearer),
//! the cross-site request check, sign-in with throttling, sign-out, and the
//! one-time link that creates the first administrator.
//!
//! Sessions: a random 256-bit id in an HttpOnly, SameSite=Lax cookie
//! (Secure behind HTTPS); the database keeps only its SHA-256. Signing in
//! always issues a new id (no session fixation); signing out, a password
//! change or disabling the account ends sessions. Written by hand rather
//! than with tower-sessions: its SQL stores target sqlx 0.8, and we want
//! hashed ids and per-user revocation.
//!
//! Cross-site requests: a state-changing request riding on the session
//! cookie must come from our own origin (`Origin`, or `Sec-Fetch-Site:
//! same-origin` when a browser sends no Origin) AND carry the session's
//! CSRF token (`X-CSRF-Token` header, a `_csrf` form field, or — for file
//! uploads, whose body is not read ahead — a `_csrf` query parameter).
//! Requests with an API token carry no cookie and need neither.

use std::net::SocketAddr;

use appgov_access::password;
use appgov_access::secret;
use appgov_access::throttle::{self, Failures, ThrottleRules, Verdict};
use appgov_access::{AccountRole, ApiToken, Grant, Principal, UserAccount};
use appgov_access::{AccountSource, Action};
use appgov_store::access::WebSession;
use axum::Form;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::StreamExt;
use minijinja::context;
use serde::Deserialize;

use crate::error::{ApiError, Failure, PageError};
use crate::i18n::Lang;
use crate::render;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "appgov_session";
pub const LANG_COOKIE: &str = "appgov_lang";
const SETUP_KEY: &str = "setup_token_sha256";
/// Largest form body read ahead for its CSRF field.
use crate::limits::FORM_LIMIT;

/// Who is asking: resolved once per request by [`resolve`].
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    pub account: Option<UserAccount>,
    pub principal: Option<Principal>,
    pub session: Option<WebSession>,
    pub via_token: bool,
    pub lang: Lang,
    /// The CSRF token for this session's forms.
    pub csrf: Option<String>,
    /// The path and query of the request (to come back after signing in).
    pub path: String,
}

impl Viewer {
    /// The signed-in principal, or a redirect to the login page.
    pub fn require(&self) -> Result<&Principal, PageError> {
        self.principal.as_ref().ok_or(PageError {
            failure: Failure::SignIn,
            next: Some(self.path.clone()),
        })
    }

    /// The principal for an API call, or 401.
    pub fn require_api(&self) -> Result<&Principal, ApiError> {
        self.principal.as_ref().ok_or(ApiError(Failure::SignIn))
    }

    /// The actor name written into the ledger's audit trail.
    pub fn actor(&self) -> String {
        match (&self.account, self.via_token) {
            (Some(a), false) => a.login.clone(),
            (Some(a), true) => format!("{} (API token)", a.login),
            (None, _) => "anonymous".into(),
        }
    }

    /// The menu entries this viewer may use (key, href).
    pub fn menu(&self) -> Vec<(String, String)> {
        let Some(p) = &self.principal else {
            return vec![];
        };
        let mut m = vec![
            ("nav.dashboard".to_string(), "/".to_string()),
            ("nav.ledger".into(), "/apps".into()),
            ("nav.gates".into(), "/moves".into()),
            ("nav.accounts".into(), "/accounts".into()),
            ("nav.obligations".into(), "/obligations".into()),
            ("nav.compliance".into(), "/compliance/matrix".into()),
            ("nav.registers".into(), "/incidents".into()),
        ];
        if p.may_somewhere(Action::ViewAuditLog) {
            m.push(("nav.audit".into(), "/audit".into()));
        }
        if p.may_somewhere(Action::ManageUsers) {
            m.push(("nav.admin".into(), "/admin".into()));
        } else if p.may_somewhere(Action::ManagePolicy) {
            m.push(("nav.policy".into(), "/admin/policy".into()));
        }
        m.push(("nav.account".into(), "/account".into()));
        m.push(("nav.api".into(), "/api/docs/".into()));
        m
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Viewer>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The client's address: the connection's, or — when configured to trust
/// the proxy in front — the last `X-Forwarded-For` entry, the one that
/// proxy added (entries before it come from the client and can be forged).
pub fn client_addr(state: &AppState, headers: &HeaderMap, conn: Option<SocketAddr>) -> String {
    if state.config.trust_proxy
        && let Some(f) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
    {
        return f.to_string();
    }
    conn.map(|a| a.ip().to_string()).unwrap_or_default()
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if state.config.secure_cookies() {
        c.push_str("; Secure");
    }
    if let Some(a) = max_age {
        c.push_str(&format!("; Max-Age={a}"));
    }
    HeaderValue::from_str(&c).expect("cookie values are ASCII")
}

pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// RFC 3339 UTC of a unix time.
pub fn rfc3339_at(unix: i64) -> String {
    appgov_workflow::clock::rfc3339(
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

/// The origin check: the request names our origin, or (no Origin header)
/// the browser says it is same-origin.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // With a public URL configured people come only through it;
        // otherwise through whatever host name reached us.
        Some(o) if state.config.public_url.is_some() => o.trim_end_matches('/') == state.origin,
        Some(o) => o.trim_end_matches('/') == state.origin || origin_matches_host(o, headers),
        None => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "same-origin"),
    }
}

/// Without a configured public URL, the origin may be whatever host the
/// browser used to reach us (localhost, 127.0.0.1, a hostname): accept an
/// Origin whose host matches the request's Host.
fn origin_matches_host(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let o = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((o, host), (Some(o), Some(h)) if o == h)
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Middleware: resolves the viewer (token or session), enforces the
/// cross-site request check, and slides the session.
pub async fn resolve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let declared = crate::limits::content_length(&parts.headers);
    let mut body = Some(body);
    match resolve_inner(&state, parts, &mut body).await {
        Ok(req) => {
            let lang = req
                .extensions()
                .get::<Viewer>()
                .map(|v| v.lang)
                .unwrap_or_default();
            crate::i18n::with_request_lang(lang, next.run(req)).await
        }
        // Whatever of the body is left is read first, so the client sees
        // the refusal (limits.rs).
        Err(r) => match body {
            Some(b) => crate::limits::refuse_with_body(b, declared, r).await,
            None => r,
        },
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Resolves the viewer of `parts`; `body` is taken when the request goes
/// on (or is read for its CSRF field), and left for a refusal to drain.
async fn resolve_inner(
    state: &AppState,
    mut parts: Parts,
    body: &mut Option<Body>,
) -> Result<Request, Response> {
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let api = is_api(parts.uri.path());
    let fail = |f: Failure| -> Response {
        if api {
            ApiError(f).into_response()
        } else {
            PageError::from(f).into_response()
        }
    };
    let mut viewer = Viewer {
        path,
        ..Viewer::default()
    };
    let now = now_unix();
    let now_text = rfc3339_at(now);
    // Bearer tokens (the API's way; a bad one is refused outright rather
    // than treated as anonymous).
    if let Some(auth) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
            return Err(fail(Failure::SignIn));
        };
        if !secret::looks_like_token(token) {
            return Err(fail(Failure::SignIn));
        }
        let found = state
            .store
            .find::<ApiToken>("token_sha256", &secret::digest(token))
            .await
            .map_err(|e| fail(e.into()))?;
        let Some(t) = found.into_iter().find(|t| t.active(&now_text)) else {
            return Err(fail(Failure::SignIn));
        };
        // When and where the token was last used (shown with the token; at
        // most one write a minute per token). A failure here is no reason
        // to refuse the call.
        let addr = client_addr(
            state,
            &parts.headers,
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        );
        if let Err(e) = state
            .store
            .note_token_use(&t.id, &now_text, &rfc3339_at(now - 60), Some(&addr))
            .await
        {
            eprintln!("appgov: noting the use of token {}: {e}", t.id);
        }
        let Some(user) = state
            .store
            .get::<UserAccount>(&t.user_id)
            .await
            .map_err(|e| fail(e.into()))?
            .filter(|u| !u.disabled)
        else {
            return Err(fail(Failure::SignIn));
        };
        viewer.principal = Some(Principal {
            user_id: user.id.clone(),
            login: user.login.clone(),
            grants: user.grants.clone(),
            token_scopes: Some(t.scopes.clone()),
        });
        viewer.lang = lang_of(&parts.headers, Some(&user));
        viewer.account = Some(user);
        viewer.via_token = true;
        parts.extensions.insert(viewer);
        return Ok(Request::from_parts(parts, body.take().unwrap_or_default()));
    }
    if let Some(sid) = cookie(&parts.headers, SESSION_COOKIE) {
        let digest = secret::digest(sid);
        if let Some(s) = state
            .store
            .session(&digest, &now_text)
            .await
            .map_err(|e| fail(e.into()))?
            && let Some(user) = state
                .store
                .get::<UserAccount>(&s.user_id)
                .await
                .map_err(|e| fail(e.into()))?
                .filter(|u| !u.disabled)
        {
            // Slide the expiry, at most once a minute (not a write per view).
            let seen = time::OffsetDateTime::parse(
                &s.last_seen_at,
                &time::format_description::well_known::Rfc3339,
            )
            .map(|t| t.unix_timestamp())
            .unwrap_or(0);
            if now - seen >= 60 {
                let until = rfc3339_at(now + state.config.session_minutes * 60);
                state
                    .store
                    .touch_session(&s.id_sha256, &now_text, &until)
                    .await
                    .map_err(|e| fail(e.into()))?;
            }
            viewer.principal = Some(Principal {
                user_id: user.id.clone(),
                login: user.login.clone(),
                grants: user.grants.clone(),
                token_scopes: None,
            });
            viewer.lang = lang_of(&parts.headers, Some(&user));
            viewer.csrf = Some(s.csrf_token.clone());
            viewer.account = Some(user);
            viewer.session = Some(s);
        }
    }
    if viewer.account.is_none() {
        viewer.lang = lang_of(&parts.headers, None);
    }
    // A password set by an administrator (or flagged) must be changed
    // before anything else is done with the session.
    if let Some(u) = &viewer.account
        && u.source == AccountSource::Local
        && !crate::pages::account::allowed_before_password_change(parts.uri.path())
        && state
            .store
            .credential(&u.id)
            .await
            .map_err(|e| fail(e.into()))?
            .is_some_and(|c| c.must_change)
    {
        return Err(if api {
            ApiError(Failure::Conflict(
                "请先修改密码 / change your password first (/account/password)".into(),
            ))
            .into_response()
        } else {
            Redirect::to("/account/password").into_response()
        });
    }
    // The cross-site check protects ambient credentials (the session
    // cookie) and the sign-in form; an API call without a cookie carries
    // none, so it is judged by its token alone (401 without one).
    let ambient = viewer.session.is_some() || cookie(&parts.headers, SESSION_COOKIE).is_some();
    if unsafe_method(&parts.method) && (ambient || !api) {
        if !same_origin(state, &parts.headers) {
            return Err(fail(Failure::Csrf));
        }
        if let Some(expected) = viewer.csrf.clone() {
            match csrf_token_matches(&parts, body, &expected).await {
                CsrfCheck::Matches => {}
                CsrfCheck::Fails => return Err(fail(Failure::Csrf)),
                CsrfCheck::TooLarge => {
                    let words = state.messages.get("limits.too_large", viewer.lang);
                    return Err(fail(Failure::TooLarge(crate::refusal::fill(
                        words,
                        &[("limit", (FORM_LIMIT >> 20).to_string())],
                    ))));
                }
            }
        }
    }
    parts.extensions.insert(viewer);
    Ok(Request::from_parts(parts, body.take().unwrap_or_default()))
}

/// The outcome of the CSRF check.
enum CsrfCheck {
    Matches,
    Fails,
    /// The form is over [`FORM_LIMIT`]: refused for its size.
    TooLarge,
}

/// Looks for the CSRF token in the header, the query, or a URL-encoded
/// form body (read ahead and put back in `body`, unchanged; a form over the
/// limit is left partly read in `body`, for the refusal to drain).
async fn csrf_token_matches(parts: &Parts, body: &mut Option<Body>, expected: &str) -> CsrfCheck {
    let verdict = |ok: bool| {
        if ok {
            CsrfCheck::Matches
        } else {
            CsrfCheck::Fails
        }
    };
    if let Some(h) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return verdict(secret::same(h, expected));
    }
    if let Some(q) = parts.uri.query()
        && let Some(v) = form_field(q.as_bytes(), "_csrf")
    {
        return verdict(secret::same(&v, expected));
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return CsrfCheck::Fails;
    }
    if crate::limits::content_length(&parts.headers).is_some_and(|n| n > FORM_LIMIT as u64) {
        return CsrfCheck::TooLarge;
    }
    // Read by hand rather than with `to_bytes`, so that a body over the
    // limit (sent without a length) is kept for draining, not dropped.
    let mut stream = body.take().unwrap_or_default().into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return CsrfCheck::Fails;
        };
        if bytes.len() + chunk.len() > FORM_LIMIT {
            *body = Some(Body::from_stream(stream));
            return CsrfCheck::TooLarge;
        }
        bytes.extend_from_slice(&chunk);
    }
    let ok = form_field(&bytes, "_csrf").is_some_and(|v| secret::same(&v, expected));
    *body = Some(Body::from(bytes));
    verdict(ok)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn lang_of(headers: &HeaderMap, user: Option<&UserAccount>) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
        return l;
    }
    if let Some(l) = user.and_then(|u| u.locale.as_deref()).and_then(Lang::parse) {
        return l;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// A local path to return to (never another site: `//evil` or `https:`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_string()
        }
        _ => "/".into(),
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NextQuery>,
) -> Result<Response, PageError> {
    if viewer.principal.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    login_form(&state, &viewer, q.next.as_deref(), None, "")
}

fn login_form(
    state: &AppState,
    viewer: &Viewer,
    next: Option<&str>,
    error_key: Option<&str>,
    login: &str,
) -> Result<Response, PageError> {
    let status = if error_key.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    let html = render::page(
        state,
        viewer,
        "login.html",
        context! {
            next => safe_next(next),
            error_key => error_key,
            login => login,
            sso => state.config.oidc.as_ref().map(|o| o.label.clone().unwrap_or_default()),
        },
    )?;
    Ok((status, html).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// Sign-in: throttled per login and per address; an unknown login costs
/// the same time as a wrong password.
pub async fn login_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ConnectInfo(conn): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let login = f.login.trim().to_lowercase();
    let addr = client_addr(&state, &headers, Some(conn));
    let rules = ThrottleRules::default();
    let now = now_unix();
    let since = now - rules.window_secs - rules.lockout_secs;
    let login_key = format!("login:{login}");
    let addr_key = format!("addr:{addr}");
    let failures = Failures {
        times: state.store.login_failures(&login_key, since).await?,
    };
    let addr_failures = Failures {
        times: state.store.login_failures(&addr_key, since).await?,
    };
    match throttle::judge(&failures, &addr_failures, now, &rules) {
        Verdict::Allowed => {}
        Verdict::LoginLocked(_) => {
            return login_form(
                &state,
                &viewer,
                f.next.as_deref(),
                Some("auth.locked"),
                &login,
            );
        }
        Verdict::AddressBlocked(_) => {
            return login_form(
                &state,
                &viewer,
                f.next.as_deref(),
                Some("auth.blocked"),
                &login,
            );
        }
    }
    let user = state
        .store
        .find::<UserAccount>("login", &login)
        .await?
        .into_iter()
        .next();
    let hash = match &user {
        Some(u) if u.source == AccountSource::Local => state
            .store
            .credential(&u.id)
            .await?
            .map(|c| c.password_hash),
        _ => None,
    };
    let password = f.password.clone();
    let verified = tokio::task::spawn_blocking(move || {
        let h = hash.as_deref().unwrap_or(password::decoy_hash());
        password::verify(&password, h) && hash.is_some()
    })
    .await
    .map_err(|e| Failure::Internal(e.to_string()))?;
    let user = match (verified, user) {
        (true, Some(u)) => u,
        _ => {
            state.store.record_login_failure(&login_key, now).await?;
            state.store.record_login_failure(&addr_key, now).await?;
            return login_form(
                &state,
                &viewer,
                f.next.as_deref(),
                Some("auth.failed"),
                &login,
            );
        }
    };
    if user.disabled {
        return login_form(
            &state,
            &viewer,
            f.next.as_deref(),
            Some("auth.disabled"),
            &login,
        );
    }
    state.store.clear_login_failures(&login_key).await?;
    let cookie_value = start_session(&state, &viewer, &user.id, &headers).await?;
    let mut r = Redirect::to(&safe_next(f.next.as_deref())).into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie_value);
    Ok(r)
}

/// Ends any session the browser had and starts a new one for `user_id`;
/// returns the Set-Cookie value.
pub async fn start_session(
    state: &AppState,
    viewer: &Viewer,
    user_id: &str,
    headers: &HeaderMap,
) -> Result<HeaderValue, Failure> {
    if let Some(old) = &viewer.session {
        state.store.delete_session(&old.id_sha256).await?;
    }
    let sid = secret::random_hex();
    let now = now_unix();
    let s = WebSession {
        id_sha256: secret::digest(&sid),
        user_id: user_id.to_string(),
        csrf_token: secret::random_hex(),
        created_at: rfc3339_at(now),
        last_seen_at: rfc3339_at(now),
        expires_at: rfc3339_at(now + state.config.session_minutes * 60),
        client: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(200).collect()),
    };
    state.store.create_session(&s).await?;
    Ok(set_cookie(state, SESSION_COOKIE, &sid, None))
}

pub async fn logout(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    if let Some(s) = &viewer.session {
        state.store.delete_session(&s.id_sha256).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", Some(0)),
    );
    Ok(r)
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    next: Option<String>,
}

/// Switches the interface language (a cookie; works signed out too).
pub async fn switch_lang(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or_default();
    let mut r = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)),
    );
    r
}

/// At start-up with no accounts: a one-time setup link (its token's digest
/// kept in the database). Returns the token to print, or None when
/// accounts exist.
pub async fn setup_token(state: &AppState) -> Result<Option<String>, Failure> {
    if state.store.count::<UserAccount>().await? > 0 {
        return Ok(None);
    }
    let token = secret::random_hex();
    state
        .store
        .set_setting(SETUP_KEY, &secret::digest(&token))
        .await?;
    Ok(Some(token))
}

#[derive(Deserialize)]
pub struct SetupQuery {
    token: String,
}

async fn setup_valid(state: &AppState, token: &str) -> Result<bool, Failure> {
    Ok(state
        .store
        .setting(SETUP_KEY)
        .await?
        .is_some_and(|d| secret::same(&d, &secret::digest(token))))
}

pub async fn setup_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SetupQuery>,
) -> Result<Response, PageError> {
    let valid = setup_valid(&state, &q.token).await?;
    let html = render::page(
        &state,
        &viewer,
        "setup.html",
        context! { token => q.token, valid => valid, error => None::<String>, login => "", display_name => "" },
    )?;
    Ok((
        if valid {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        },
        html,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct SetupForm {
    token: String,
    login: String,
    display_name: String,
    password: String,
    password2: String,
}

pub async fn setup_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(f): Form<SetupForm>,
) -> Result<Response, PageError> {
    let again = |error: String| -> Result<Response, PageError> {
        let html = render::page(
            &state,
            &viewer,
            "setup.html",
            context! { token => f.token.clone(), valid => true, error => Some(error),
            login => f.login.clone(), display_name => f.display_name.clone() },
        )?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
    };
    if !setup_valid(&state, &f.token).await? {
        return Err(
            Failure::NotFound(state.messages.get("auth.setup_used", viewer.lang).into()).into(),
        );
    }
    let login = f.login.trim().to_lowercase();
    if !appgov_access::account::valid_login(&login) {
        return again(format!(
            "登录名 {login:?} 只能包含 a–z、0–9 和 . _ - @ / a login uses a–z, 0–9 and . _ - @"
        ));
    }
    if f.password != f.password2 {
        return again(state.messages.get("auth.mismatch", viewer.lang).into());
    }
    if let Err(w) = password::check_policy(&f.password, &login) {
        return again(match viewer.lang {
            Lang::Zh => w.zh.into(),
            Lang::En => w.en.into(),
        });
    }
    // Used once: whoever deletes the setting first creates the account.
    let digest = secret::digest(&f.token);
    if !state.store.take_setting(SETUP_KEY, &digest).await? {
        return Err(
            Failure::NotFound(state.messages.get("auth.setup_used", viewer.lang).into()).into(),
        );
    }
    let mut user = UserAccount {
        id: String::new(),
        login: login.clone(),
        display_name: f.display_name.trim().to_string(),
        person_id: None,
        email: None,
        locale: None,
        grants: vec![
            Grant {
                role: AccountRole::Administrator,
                org_id: None,
            },
            Grant {
                role: AccountRole::Governance,
                org_id: None,
            },
        ],
        source: AccountSource::Local,
        oidc_issuer: None,
        oidc_subject: None,
        disabled: false,
        created_at: appgov_workflow::now_rfc3339(),
        version: 0,
    };
    let pw = f.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let mut tx = state.store.write(&format!("{login} (setup link)")).await?;
    tx.insert(&mut user).await?;
    tx.commit().await?;
    state
        .store
        .set_password(&login, &user.id, &hash, false)
        .await?;
    let cookie_value = start_session(&state, &viewer, &user.id, &headers).await?;
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(header::SET_COOKIE, cookie_value);
    Ok(r)
}
