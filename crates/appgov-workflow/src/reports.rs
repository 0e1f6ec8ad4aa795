//! The compliance reports, built the same way for `appgov report` and the
//! web platform's downloads: the ledger, the compliance matrix and the
//! annual risk assessment as an `appgov_document::Document` (from one load
//! of the compliance records, judged as of a date), rendered as HTML or
//! XLSX here — PDF is the caller's, behind its `pdf` feature, because typst
//! is heavy — and the evidence pack for an audit.
//!
//! Reports cover the whole institution; callers decide who may have them.

use appgov_calendar::{Date, format_date};
use appgov_compliance::reports::{self, ReportContext};
use appgov_compliance::{ComplianceData, LedgerContext, matrix, run_ledger_checks};
use appgov_document::{Document, Language};
use appgov_store::Store;

use crate::compliance::{Engine, load};
use crate::{Result, WorkflowError};

pub mod evidence_pack;

pub use evidence_pack::{Pack, build_pack};

/// A report appgov makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// The ledger in the shape a regulator asks for (article 2).
    Ledger,
    /// Apps in use × the notice's requirements.
    ComplianceMatrix,
    /// The yearly mobile-app risk assessment report (article 17).
    AnnualRiskAssessment,
    /// Every piece of evidence (each revision) in a zip with an index and
    /// SHA-256 hashes, for an audit.
    EvidencePack,
}

impl ReportKind {
    pub const ALL: [ReportKind; 4] = [
        ReportKind::Ledger,
        ReportKind::ComplianceMatrix,
        ReportKind::AnnualRiskAssessment,
        ReportKind::EvidencePack,
    ];

    /// The machine name (`compliance-matrix`), as in URLs and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Ledger => "ledger",
            ReportKind::ComplianceMatrix => "compliance-matrix",
            ReportKind::AnnualRiskAssessment => "annual-risk-assessment",
            ReportKind::EvidencePack => "evidence-pack",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn title(self, lang: Language) -> &'static str {
        let (zh, en) = match self {
            ReportKind::Ledger => ("移动应用台账", "App ledger"),
            ReportKind::ComplianceMatrix => ("移动应用合规矩阵", "Compliance matrix"),
            ReportKind::AnnualRiskAssessment => {
                ("移动应用年度风险评估报告", "Annual app risk assessment")
            }
            ReportKind::EvidencePack => ("审计证据包", "Evidence pack"),
        };
        match lang {
            Language::Zh => zh,
            Language::En => en,
        }
    }

    /// The formats it comes in.
    pub fn formats(self) -> &'static [Format] {
        match self {
            ReportKind::EvidencePack => &[Format::Zip],
            _ => &[Format::Html, Format::Pdf, Format::Xlsx],
        }
    }

    /// Whether it is for one year (`year` chooses it).
    pub fn has_year(self) -> bool {
        self == ReportKind::AnnualRiskAssessment
    }
}

/// A file format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Html,
    Pdf,
    Xlsx,
    Zip,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Html, Format::Pdf, Format::Xlsx, Format::Zip];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Zip => "zip",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "htm" => Some(Format::Html),
            _ => Format::ALL.into_iter().find(|f| f.as_str() == s),
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Zip => "application/zip",
        }
    }
}

/// What to report on: as of which Beijing date, in which language, which
/// year (the annual risk assessment; default the year of `today`).
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub lang: Language,
    pub year: Option<i32>,
    pub today: Date,
    /// `2026-12-02 15:30` (Beijing), printed on the report.
    pub generated_at: String,
    /// The compliance matrix against another built-in library
    /// (`gbt-41391-2022`); the notice when none.
    pub library: Option<String>,
}

impl ReportRequest {
    /// The year reported on, checked: not before 2000 nor after next year.
    pub fn year(&self) -> Result<i32> {
        let y = self.year.unwrap_or(self.today.year());
        if !(2000..=self.today.year() + 1).contains(&y) {
            return Err(WorkflowError::Invalid(format!(
                "年份 {y} 超出范围 / year {y} is out of range (2000–{})",
                self.today.year() + 1
            )));
        }
        Ok(y)
    }

    /// The download's file name: the report's title, the year or date, the
    /// format's extension (`移动应用合规矩阵-2026-12-02.xlsx`).
    pub fn file_name(&self, format: Format) -> String {
        let when = if self.kind.has_year() {
            self.year.unwrap_or(self.today.year()).to_string()
        } else {
            format_date(self.today)
        };
        match &self.library {
            Some(l) => format!(
                "{}-{l}-{when}.{}",
                self.kind.title(self.lang),
                format.as_str()
            ),
            None => format!("{}-{when}.{}", self.kind.title(self.lang), format.as_str()),
        }
    }
}

/// The report as a document, from records already loaded. The evidence
/// pack is not a document (see [`build_pack`]).
pub fn document(engine: &Engine, data: &ComplianceData, req: &ReportRequest) -> Result<Document> {
    let library = match req.library.as_deref() {
        None => &engine.library,
        Some(_) if req.kind != ReportKind::ComplianceMatrix => {
            return Err(WorkflowError::Invalid(
                "只有合规矩阵可按其他合规库生成 / only the compliance matrix is judged against another library"
                    .into(),
            ));
        }
        Some(id) => engine.library_by_id(id).ok_or_else(|| {
            let known: Vec<&str> = engine
                .libraries
                .iter()
                .map(|l| l.library.id.as_str())
                .collect();
            WorkflowError::Invalid(format!(
                "没有合规库 {id} / no library {id} (known: {})",
                known.join(", ")
            ))
        })?,
    };
    let cx = LedgerContext::new(data, &engine.library, &engine.calendar, req.today);
    let findings = run_ledger_checks(&cx);
    let m = matrix(library, data, &findings, req.today);
    let rc = ReportContext {
        library,
        data,
        findings: &findings,
        matrix: &m,
        today: req.today,
        generated_at: req.generated_at.clone(),
        lang: req.lang,
    };
    Ok(match req.kind {
        ReportKind::Ledger => reports::ledger_report(&rc),
        ReportKind::ComplianceMatrix => reports::matrix_report(&rc),
        ReportKind::AnnualRiskAssessment => {
            reports::annual_risk_assessment_report(&rc, req.year()?)
        }
        ReportKind::EvidencePack => {
            return Err(WorkflowError::Invalid(
                "证据包是 zip 文件，不是报告文档 / the evidence pack is a zip, not a report document"
                    .into(),
            ));
        }
    })
}

/// Loads the records and builds the report's document.
pub async fn load_document(
    store: &Store,
    engine: &Engine,
    req: &ReportRequest,
) -> Result<Document> {
    let data = load(store).await?;
    document(engine, &data, req)
}

/// Renders a document as HTML or XLSX. PDF is rendered by the caller with
/// `appgov-pdf` (see the module's comment); asking for it here, or for a
/// zip, is an error.
pub fn render(doc: &Document, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Html => Ok(appgov_document::to_html(doc).into_bytes()),
        Format::Xlsx => {
            appgov_document::to_xlsx(doc).map_err(|e| WorkflowError::Invalid(e.to_string()))
        }
        Format::Pdf => Err(WorkflowError::Invalid(
            "PDF is rendered with appgov-pdf by the caller".into(),
        )),
        Format::Zip => Err(WorkflowError::Invalid(
            "报告为 html、pdf 或 xlsx；zip 只用于证据包 / a report is html, pdf or xlsx; zip is the evidence pack's"
                .into(),
        )),
    }
}

/// Checks that a report comes in a format.
pub fn check_format(kind: ReportKind, format: Format) -> Result<()> {
    if kind.formats().contains(&format) {
        Ok(())
    } else {
        let names: Vec<&str> = kind.formats().iter().map(|f| f.as_str()).collect();
        Err(WorkflowError::Invalid(format!(
            "{} 的格式为 {} / {} comes as {}",
            kind.title(Language::Zh),
            names.join("、"),
            kind.title(Language::En),
            names.join(", ")
        )))
    }
}
