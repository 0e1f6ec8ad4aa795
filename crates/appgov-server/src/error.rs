//! Failures as HTTP answers: an HTML page for people, JSON for the API.

use appgov_store::StoreError;
use appgov_workflow::{Refusal, WorkflowError};
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

/// What went wrong, independent of how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No one is signed in.
    SignIn,
    Forbidden,
    NotFound(String),
    /// The request is malformed or a value is invalid.
    Invalid(String),
    /// A rule refuses it now, or the record changed meanwhile.
    Conflict(String),
    /// A rule of the ledger refuses it (worded in the viewer's language).
    Refused(Refusal),
    /// The request failed the cross-site request check.
    Csrf,
    TooLarge(String),
    /// This build cannot do it (a feature left out): 501.
    NotImplemented(String),
    /// Busy or missing a resource now; a later try may work: 503.
    Unavailable(String),
    Internal(String),
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::SignIn => StatusCode::UNAUTHORIZED,
            Failure::Forbidden | Failure::Csrf => StatusCode::FORBIDDEN,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Conflict(_) | Failure::Refused(_) => StatusCode::CONFLICT,
            Failure::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Failure::SignIn => "unauthenticated",
            Failure::Forbidden => "forbidden",
            Failure::NotFound(_) => "not_found",
            Failure::Invalid(_) => "invalid",
            Failure::Conflict(_) | Failure::Refused(_) => "conflict",
            Failure::Csrf => "csrf",
            Failure::TooLarge(_) => "too_large",
            Failure::NotImplemented(_) => "not_implemented",
            Failure::Unavailable(_) => "unavailable",
            Failure::Internal(_) => "internal",
        }
    }

    /// The message for people, in the language of the request being
    /// answered (see [`Failure::message_in`]).
    pub fn message(&self) -> String {
        self.message_in(crate::i18n::request_lang())
    }

    /// The message for people: refusals of the ledger's rules in `lang`;
    /// our fixed messages in Chinese and English; the store's and the
    /// workflow's other messages as they are (English, naming records).
    pub fn message_in(&self, lang: crate::i18n::Lang) -> String {
        match self {
            Failure::Refused(r) => {
                crate::refusal::text(r, crate::i18n::Messages::shared(), lang)
            }
            Failure::SignIn => "请先登录 / Sign in first".into(),
            Failure::Forbidden => "您没有执行此操作的权限 / You may not do this".into(),
            Failure::Csrf => {
                "请求来源校验失败，请刷新页面后重试 / The request failed its origin check; reload and try again".into()
            }
            Failure::Internal(_) => "服务器内部错误 / Internal error (logged)".into(),
            Failure::NotFound(m)
            | Failure::Invalid(m)
            | Failure::Conflict(m)
            | Failure::TooLarge(m)
            | Failure::NotImplemented(m)
            | Failure::Unavailable(m) => m.clone(),
        }
    }
}

impl From<WorkflowError> for Failure {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::NotFound(m) => Failure::NotFound(m),
            WorkflowError::Refused(r) => Failure::Refused(r),
            WorkflowError::Invalid(m) => Failure::Invalid(m),
            WorkflowError::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Failure::NotFound(e.to_string()),
            StoreError::Conflict {
                kind,
                id,
                expected,
                current,
            } => Failure::Refused(appgov_workflow::Refusal::EditedMeanwhile {
                kind: kind.to_string(),
                id,
                expected,
                current,
            }),
            StoreError::Duplicate { .. } => Failure::Conflict(e.to_string()),
            StoreError::Invalid { .. } | StoreError::DanglingReference { .. } => {
                Failure::Invalid(e.to_string())
            }
            other => Failure::Internal(other.to_string()),
        }
    }
}

/// A failure shown as a page (sign-in redirects to the login page).
#[derive(Debug)]
pub struct PageError {
    pub failure: Failure,
    /// Where to come back after signing in.
    pub next: Option<String>,
}

impl<E: Into<Failure>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError {
            failure: e.into(),
            next: None,
        }
    }
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.failure == Failure::SignIn {
            let next = self.next.unwrap_or_else(|| "/".into());
            let to = format!("/login?next={}", urlencode(&next));
            return Redirect::to(&to).into_response();
        }
        if let Failure::Internal(m) = &self.failure {
            eprintln!("appgov serve: internal error: {m}");
        }
        // Standalone (no template engine): an error page must render even
        // when templates cannot.
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{code} · appgov</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body><main id=\"main\" class=\"error-page\"><h1>出错了 <span lang=\"en\">Something went wrong</span></h1><p role=\"alert\">{msg}</p><p><a href=\"/\">返回工作台 <span lang=\"en\">Back to the dashboard</span></a></p></main></body></html>",
            code = self.failure.status().as_u16(),
            msg = escape_html(&self.failure.message()),
        );
        (
            self.failure.status(),
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response()
    }
}

/// A failure answered as JSON: `{"error": code, "message": text}`.
#[derive(Debug)]
pub struct ApiError(pub Failure);

impl<E: Into<Failure>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// The body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// `unauthenticated`, `forbidden`, `not_found`, `invalid`, `conflict`,
    /// `csrf`, `too_large`, `not_implemented`, `unavailable` or `internal`.
    pub error: String,
    /// In the caller's language (`Accept-Language`, the account's locale).
    pub message: String,
    /// For a refusal by a ledger rule (`error` = `conflict`), which one:
    /// `gate_open`, `self_approval`, `move_pending`, `not_pending`,
    /// `no_such_app_move`, … (stable machine names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Failure::Internal(m) = &self.0 {
            eprintln!("appgov serve: internal error: {m}");
        }
        let mut r = (
            self.0.status(),
            Json(ErrorBody {
                error: self.0.code().into(),
                message: self.0.message(),
                reason: match &self.0 {
                    Failure::Refused(r) => Some(r.kind().into()),
                    _ => None,
                },
            }),
        )
            .into_response();
        if self.0 == Failure::SignIn {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"appgov\""),
            );
        }
        r
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
