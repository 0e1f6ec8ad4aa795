//! Report downloads (issue 6): the ledger, the compliance matrix and the
//! annual risk assessment as HTML, PDF or XLSX, and the evidence pack,
//! built by `appgov_workflow::reports` exactly as `appgov report` builds
//! them. Reports cover the whole institution, so the routes require an
//! institution-wide grant (routes.rs) and the page says so to others.
//!
//! Rendering runs on the blocking pool and at most [`slots`] at once
//! (`AppState::report_slots`); a request that waits longer than
//! [`QUEUE_WAIT`] for a slot is answered 503 with `Retry-After`.

use std::time::Duration;

use appgov_document::{Document, Language};
use appgov_workflow::reports::{self, Format, ReportKind, ReportRequest};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::Failure;
use crate::i18n::Lang;
use crate::state::AppState as Shared;

/// How long a download waits for a rendering slot before 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(30);

/// Renderings at once: half the cores, at least one — the other half keeps
/// serving pages and scans.
pub fn slots() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() / 2)
        .unwrap_or(1)
        .max(1)
}

/// A report download's query.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `html` (default), `pdf` or `xlsx`; `zip` for the evidence pack.
    #[serde(default)]
    pub format: Option<String>,
    /// `zh` (default) or `en`.
    #[serde(default)]
    pub lang: Option<String>,
    /// The annual risk assessment's year (default: this year).
    #[serde(default)]
    pub year: Option<String>,
    /// The compliance matrix against another built-in library
    /// (`gbt-41391-2022`; default the notice).
    #[serde(default)]
    pub library: Option<String>,
}

/// Whether this build renders PDF.
pub const PDF: bool = cfg!(feature = "pdf");

fn words(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Reads the path's kind and the query into a request and a format.
pub fn parse(
    kind: &str,
    p: &ReportParams,
    viewer_lang: Lang,
) -> Result<(ReportRequest, Format), Failure> {
    let kind = ReportKind::parse(kind).ok_or_else(|| {
        Failure::NotFound(format!(
            "{}: {kind}",
            words(viewer_lang, "没有这种报告", "no such report")
        ))
    })?;
    let format = match p.format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None => kind.formats()[0],
        Some(f) => Format::parse(f).ok_or_else(|| {
            Failure::Invalid(format!(
                "{}: {f}",
                words(
                    viewer_lang,
                    "格式只能是 html、pdf、xlsx 或 zip",
                    "format is html, pdf, xlsx or zip"
                )
            ))
        })?,
    };
    reports::check_format(kind, format)?;
    let lang = match p.lang.as_deref().map(str::trim) {
        None | Some("") | Some("zh") | Some("zh-CN") => Language::Zh,
        Some("en") => Language::En,
        Some(other) => {
            return Err(Failure::Invalid(format!(
                "{}: {other}",
                words(viewer_lang, "语言只能是 zh 或 en", "lang is zh or en")
            )));
        }
    };
    let year = match p.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        None => None,
        Some(y) => Some(y.parse::<i32>().map_err(|_| {
            Failure::Invalid(format!(
                "{}: {y}",
                words(viewer_lang, "年份应为四位数字", "year is four digits")
            ))
        })?),
    };
    let (_, today) = crate::compliance::today()?;
    let req = ReportRequest {
        kind,
        lang,
        year,
        today,
        generated_at: appgov_workflow::clock::beijing(&appgov_workflow::now_rfc3339()),
        library: p
            .library
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    };
    req.year()?;
    Ok((req, format))
}

/// `attachment` with an ASCII fallback name and the real (Chinese) one as
/// RFC 6266 / RFC 5987 `filename*`.
pub fn content_disposition(name: &str, fallback: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(feature = "pdf")]
fn pdf(doc: &Document, lang: Lang) -> Result<Vec<u8>, Failure> {
    use std::sync::{Arc, Mutex};
    // Fonts are read once found (tens of MB); a failure is not kept, so
    // installing a font needs no restart.
    static FONTS: Mutex<Option<Arc<appgov_pdf::Fonts>>> = Mutex::new(None);
    let cached = FONTS.lock().expect("font cache").clone();
    let fonts = match cached {
        Some(f) => f,
        None => {
            let f = Arc::new(appgov_pdf::Fonts::from_env_or_system().map_err(|e| {
                Failure::Unavailable(format!(
                    "{}（{e}）",
                    words(
                        lang,
                        "无法生成 PDF：服务器上没有中文字体。请安装 fonts-noto-cjk 或设置 APPGOV_FONT_DIR，也可先下载 HTML 或 XLSX",
                        "Cannot make the PDF: the server has no CJK font. Install fonts-noto-cjk or set APPGOV_FONT_DIR, or download HTML or XLSX instead"
                    )
                ))
            })?);
            *FONTS.lock().expect("font cache") = Some(f.clone());
            f
        }
    };
    appgov_pdf::render_pdf(doc, &fonts).map_err(|e| Failure::Internal(format!("PDF: {e}")))
}

/// The answer of a build without PDF.
fn no_pdf(lang: Lang) -> Failure {
    Failure::NotImplemented(words(
        lang,
        "此版本的 appgov 未包含 PDF 功能（编译时未启用 pdf 特性），请下载 HTML 或 XLSX",
        "This appgov was built without PDF support (cargo feature `pdf`); download HTML or XLSX",
    ))
}

#[cfg(not(feature = "pdf"))]
fn pdf(_: &Document, lang: Lang) -> Result<Vec<u8>, Failure> {
    Err(no_pdf(lang))
}

/// Builds and renders the report: records loaded on the runtime, the
/// rendering (and the evidence pack's file reads) on the blocking pool
/// under a slot.
pub async fn produce(
    state: &Shared,
    req: ReportRequest,
    format: Format,
    lang: Lang,
) -> Result<Response, Failure> {
    if format == Format::Pdf && !PDF {
        // Said before any work is done.
        return Err(no_pdf(lang));
    }
    let data = appgov_workflow::compliance::load(&state.store).await?;
    let _slot = tokio::time::timeout(QUEUE_WAIT, state.report_slots.acquire())
        .await
        .map_err(|_| {
            Failure::Unavailable(words(
                lang,
                "报告生成繁忙，请稍后重试",
                "Reports are busy; try again shortly",
            ))
        })?
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let engine = state.engine.clone();
    let files = state.store.files().clone();
    let name = req.file_name(format);
    let fallback = format!(
        "{}-{}.{}",
        req.kind.as_str(),
        if req.kind.has_year() {
            req.year().map(|y| y.to_string()).unwrap_or_default()
        } else {
            appgov_calendar::format_date(req.today)
        },
        format.as_str()
    );
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, Failure> {
        if req.kind == ReportKind::EvidencePack {
            let pack = reports::build_pack(&files, &engine, &data, req.today, &req.generated_at)?;
            return Ok(pack.bytes);
        }
        let doc = reports::document(&engine, &data, &req)?;
        match format {
            Format::Pdf => pdf(&doc, lang),
            f => Ok(reports::render(&doc, f)?),
        }
    })
    .await
    .map_err(|e| Failure::Internal(format!("report rendering: {e}")))??;
    let disposition = HeaderValue::from_str(&content_disposition(&name, &fallback))
        .map_err(|e| Failure::Internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_file_names_go_in_filename_star() {
        let h = content_disposition(
            "移动应用合规矩阵-2026-12-02.xlsx",
            "compliance-matrix-2026-12-02.xlsx",
        );
        assert_eq!(
            h,
            "attachment; filename=\"compliance-matrix-2026-12-02.xlsx\"; filename*=UTF-8''%E7%A7%BB%E5%8A%A8%E5%BA%94%E7%94%A8%E5%90%88%E8%A7%84%E7%9F%A9%E9%98%B5-2026-12-02.xlsx"
        );
        assert!(HeaderValue::from_str(&h).is_ok());
    }

    #[test]
    fn bad_queries_are_refused_clearly() {
        let p = |f: &str, l: &str, y: &str| ReportParams {
            format: Some(f.into()),
            lang: Some(l.into()),
            year: Some(y.into()),
            library: None,
        };
        assert!(matches!(
            parse("nope", &p("html", "zh", ""), Lang::Zh),
            Err(Failure::NotFound(_))
        ));
        assert!(matches!(
            parse("ledger", &p("zip", "zh", ""), Lang::Zh),
            Err(Failure::Invalid(_))
        ));
        assert!(matches!(
            parse("ledger", &p("doc", "zh", ""), Lang::Zh),
            Err(Failure::Invalid(_))
        ));
        assert!(matches!(
            parse("ledger", &p("html", "fr", ""), Lang::Zh),
            Err(Failure::Invalid(_))
        ));
        assert!(matches!(
            parse("annual-risk-assessment", &p("html", "en", "1999"), Lang::En),
            Err(Failure::Invalid(_))
        ));
        let (r, f) = parse("annual-risk-assessment", &p("xlsx", "en", "2025"), Lang::En).unwrap();
        assert_eq!(
            (r.year, f, r.lang),
            (Some(2025), Format::Xlsx, Language::En)
        );
        let (_, f) = parse("evidence-pack", &ReportParams::default(), Lang::Zh).unwrap();
        assert_eq!(f, Format::Zip);
    }
}
