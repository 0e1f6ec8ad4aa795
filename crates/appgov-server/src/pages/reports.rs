//! `/reports` (报告下载): the compliance reports and the evidence pack, each
//! with a download link per format, a year for the annual risk assessment
//! and the language of the document. Reports cover the whole institution:
//! the downloads need an institution-wide grant, and the page tells anyone
//! else so instead of offering links that would refuse them.

use appgov_access::Action;
use appgov_document::Language;
use appgov_workflow::reports::{Format, ReportKind};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::error::PageError;
use crate::render;
use crate::reports::{self, ReportParams};
use crate::state::AppState as Shared;

/// One download of the page.
#[derive(Debug, Serialize)]
pub struct Download {
    pub format: String,
    pub label: String,
    pub href: String,
    /// Not in this build (PDF without the `pdf` feature).
    pub unavailable: bool,
}

/// One report of the page.
#[derive(Debug, Serialize)]
pub struct ReportRow {
    /// The row's anchor (`report-compliance-matrix-gbt-41391-2022`).
    pub id: String,
    pub kind: String,
    pub title: String,
    pub has_year: bool,
    pub downloads: Vec<Download>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default)]
    pub lang: Option<String>,
}

fn format_label(f: Format) -> &'static str {
    match f {
        Format::Html => "HTML",
        Format::Pdf => "PDF",
        Format::Xlsx => "XLSX",
        Format::Zip => "ZIP",
    }
}

/// `GET /reports`.
pub async fn page(
    State(state): State<Shared>,
    viewer: Viewer,
    Query(params): Query<PageParams>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let orgs = state.orgs().await?;
    let allowed = p.may(Action::Export, None, &orgs.tree);
    let doc_lang = match params.lang.as_deref() {
        Some("en") => Language::En,
        _ => Language::Zh,
    };
    let lang_q = match doc_lang {
        Language::Zh => "zh",
        Language::En => "en",
    };
    let (_, today) = crate::compliance::today()?;
    // Each report against the notice; the matrix also against every other
    // built-in library (GB/T 41391-2022).
    let others = state.engine.libraries.iter().skip(1);
    let rows: Vec<ReportRow> = ReportKind::ALL
        .iter()
        .map(|k| (*k, None))
        .chain(others.map(|l| (ReportKind::ComplianceMatrix, Some(&l.library))))
        .map(|(k, library)| {
            let also = library.map_or(String::new(), |l| format!("&library={}", l.id));
            ReportRow {
                id: match library {
                    Some(l) => format!("{}-{}", k.as_str(), l.id),
                    None => k.as_str().into(),
                },
                kind: k.as_str().into(),
                title: match library {
                    Some(l) => format!(
                        "{}（{}）/ {} ({})",
                        k.title(Language::Zh),
                        l.reference,
                        k.title(Language::En),
                        l.reference
                    ),
                    None => format!("{} / {}", k.title(Language::Zh), k.title(Language::En)),
                },
                has_year: k.has_year(),
                downloads: k
                    .formats()
                    .iter()
                    .map(|f| Download {
                        format: f.as_str().into(),
                        label: format_label(*f).into(),
                        href: format!(
                            "/reports/{}?format={}&lang={lang_q}{also}",
                            k.as_str(),
                            f.as_str()
                        ),
                        unavailable: *f == Format::Pdf && !reports::PDF,
                    })
                    .collect(),
            }
        })
        .collect();
    let this_year = today.year();
    let years: Vec<i32> = (this_year - 4..=this_year).rev().collect();
    Ok(render::page(
        &state,
        &viewer,
        "reports.html",
        context! {
            rows => Value::from(Serde(&rows)),
            allowed => allowed,
            doc_lang => lang_q,
            years => years,
            this_year => this_year,
            pdf => reports::PDF,
        },
    )?
    .into_response())
}

/// `GET /reports/{kind}?format=&lang=&year=`: the file, or an error page.
pub async fn download(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(kind): Path<String>,
    Query(params): Query<ReportParams>,
) -> Result<Response, PageError> {
    viewer.require()?;
    let (req, format) = reports::parse(&kind, &params, viewer.lang)?;
    Ok(reports::produce(&state, req, format, viewer.lang).await?)
}
