//! The compliance matrix: every app in use against every requirement of a
//! library, each cell judged from what the ledger knows — applicability,
//! approved exceptions, failed ledger checks, the newest release's package
//! findings, obligations (overdue or done), and the latest assessment's
//! result — with the reasons that decided it.

use std::collections::{BTreeMap, BTreeSet};

use appgov_calendar::{Date, parse_date};
use appgov_ledger::{App, AssessmentState, ExceptionState, ResultValue};
use serde::Serialize;

use crate::checks::{LedgerFinding, is_active};
use crate::library::{Library, Requirement, Scope};
use crate::obligations::{ObligationStatus, status};
use crate::snapshot::ComplianceData;

/// A cell's judgement, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellValue {
    NonCompliant,
    Partial,
    /// Nothing on record either way.
    NoEvidence,
    /// Not met, but an approved exception or risk acceptance covers it.
    Accepted,
    Compliant,
    NotApplicable,
}

impl CellValue {
    pub const ALL: [CellValue; 6] = [
        CellValue::NonCompliant,
        CellValue::Partial,
        CellValue::NoEvidence,
        CellValue::Accepted,
        CellValue::Compliant,
        CellValue::NotApplicable,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CellValue::NonCompliant => "non_compliant",
            CellValue::Partial => "partial",
            CellValue::NoEvidence => "no_evidence",
            CellValue::Accepted => "accepted",
            CellValue::Compliant => "compliant",
            CellValue::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self, lang: &str) -> &'static str {
        let en = lang.starts_with("en");
        match (self, en) {
            (CellValue::NonCompliant, false) => "不符合",
            (CellValue::NonCompliant, true) => "Non-compliant",
            (CellValue::Partial, false) => "部分符合",
            (CellValue::Partial, true) => "Partial",
            (CellValue::NoEvidence, false) => "无证据",
            (CellValue::NoEvidence, true) => "No evidence",
            (CellValue::Accepted, false) => "风险已接受",
            (CellValue::Accepted, true) => "Risk accepted",
            (CellValue::Compliant, false) => "符合",
            (CellValue::Compliant, true) => "Compliant",
            (CellValue::NotApplicable, false) => "不适用",
            (CellValue::NotApplicable, true) => "N/A",
        }
    }

    /// A one-character mark so a printed matrix reads without colour.
    pub fn mark(self) -> &'static str {
        match self {
            CellValue::NonCompliant => "✗",
            CellValue::Partial => "◐",
            CellValue::NoEvidence => "?",
            CellValue::Accepted => "△",
            CellValue::Compliant => "✓",
            CellValue::NotApplicable => "—",
        }
    }
}

/// Why a cell is what it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellReason {
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub requirement_id: String,
    pub value: CellValue,
    pub reasons: Vec<CellReason>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    /// None: the institution-wide row.
    pub app_id: Option<String>,
    pub app_name: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    pub library: String,
    pub requirement_ids: Vec<String>,
    pub rows: Vec<MatrixRow>,
    /// Per requirement: how many cells of each value.
    pub totals: BTreeMap<String, BTreeMap<&'static str, usize>>,
}

impl Matrix {
    /// Count of cells with each value over the whole matrix.
    pub fn summary(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for row in &self.rows {
            for c in &row.cells {
                *m.entry(c.value.key()).or_insert(0) += 1;
            }
        }
        m
    }

    pub fn cell(&self, app_id: Option<&str>, requirement_id: &str) -> Option<&Cell> {
        self.rows
            .iter()
            .find(|r| r.app_id.as_deref() == app_id)?
            .cells
            .iter()
            .find(|c| c.requirement_id == requirement_id)
    }
}

struct Judge {
    value: Option<CellValue>,
    reasons: Vec<CellReason>,
    support: bool,
}

impl Judge {
    fn fail(&mut self, v: CellValue, zh: String, en: String) {
        self.value = Some(self.value.map_or(v, |old| old.min(v)));
        self.reasons.push(CellReason { zh, en });
    }
    fn support(&mut self, zh: String, en: String) {
        self.support = true;
        self.reasons.push(CellReason { zh, en });
    }
}

/// Builds the matrix. `findings` are the ledger checks' results for the
/// same data (see `run_ledger_checks`).
pub fn matrix(
    lib: &Library,
    data: &ComplianceData,
    findings: &[LedgerFinding],
    today: Date,
) -> Matrix {
    let requirements: Vec<&Requirement> = lib.live_requirements().collect();
    let mut rows = Vec::new();
    // The institution row judges institution-wide items only; a library
    // without any (a standard about apps) has none.
    if requirements.iter().any(|r| r.scope == Scope::Institution) {
        rows.push(MatrixRow {
            app_id: None,
            app_name: "本机构 / Institution".into(),
            cells: requirements
                .iter()
                .map(|r| {
                    if r.scope == Scope::Institution {
                        judge(lib, data, findings, today, r, None)
                    } else {
                        na(r, "按应用评价", "judged per app")
                    }
                })
                .collect(),
        });
    }
    let mut apps: Vec<&App> = data.apps.iter().filter(|a| is_active(a.state)).collect();
    apps.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    for a in apps {
        rows.push(MatrixRow {
            app_id: Some(a.id.clone()),
            app_name: a.name.clone(),
            cells: requirements
                .iter()
                .map(|r| {
                    if r.scope == Scope::Institution {
                        na(r, "机构层面要求", "institution-wide item")
                    } else {
                        judge(lib, data, findings, today, r, Some(a))
                    }
                })
                .collect(),
        });
    }
    let mut totals: BTreeMap<String, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for row in &rows {
        for c in &row.cells {
            *totals
                .entry(c.requirement_id.clone())
                .or_default()
                .entry(c.value.key())
                .or_insert(0) += 1;
        }
    }
    Matrix {
        library: lib.library.id.clone(),
        requirement_ids: requirements.iter().map(|r| r.id.clone()).collect(),
        rows,
        totals,
    }
}

fn na(r: &Requirement, zh: &str, en: &str) -> Cell {
    Cell {
        requirement_id: r.id.clone(),
        value: CellValue::NotApplicable,
        reasons: vec![CellReason {
            zh: zh.into(),
            en: en.into(),
        }],
    }
}

fn judge(
    lib: &Library,
    data: &ComplianceData,
    findings: &[LedgerFinding],
    today: Date,
    r: &Requirement,
    app: Option<&App>,
) -> Cell {
    let app_id = app.map(|a| a.id.as_str());
    if let Some(a) = app
        && !r.applies_to.applies(a)
    {
        return Cell {
            requirement_id: r.id.clone(),
            value: CellValue::NotApplicable,
            reasons: vec![CellReason {
                zh: r.applies_to.describe("zh"),
                en: r.applies_to.describe("en"),
            }],
        };
    }
    let mut j = Judge {
        value: None,
        reasons: Vec::new(),
        support: false,
    };
    // Failed ledger checks on this app (or institution-wide ones).
    for f in findings
        .iter()
        .filter(|f| r.ledger_checks.iter().any(|c| c == f.rule) && f.app_id.as_deref() == app_id)
    {
        j.fail(
            CellValue::NonCompliant,
            format!("{}：{}", f.rule, f.message_zh),
            format!("{}: {}", f.rule, f.message_en),
        );
    }
    // Passing checks support a requirement on their own only where no dated
    // duty serves it: "nothing overdue yet" is not "done".
    if !r.ledger_checks.is_empty() && j.value.is_none() && r.obligations.is_empty() {
        j.support(
            format!("台账检查 {} 通过", r.ledger_checks.join("、")),
            format!("ledger checks {} pass", r.ledger_checks.join(", ")),
        );
    }
    // The newest release's package findings.
    if let Some(a) = app
        && !r.package_rules.is_empty()
        && let Some(rel) = data.releases.iter().find(|x| x.app_id == a.id)
    {
        let fired: BTreeSet<(&str, &str)> = data
            .findings
            .iter()
            .filter(|f| f.release_id == rel.id && r.package_rules.contains(&f.rule))
            .map(|f| (f.rule.as_str(), f.severity.as_str()))
            .collect();
        for (rule, sev) in &fired {
            let v = if matches!(*sev, "critical" | "high") {
                CellValue::NonCompliant
            } else {
                CellValue::Partial
            };
            let ver = rel.version_name.as_deref().unwrap_or("?");
            j.fail(
                v,
                format!("版本 {ver} 的安装包检查 {rule} 未通过（{sev}）"),
                format!("package check {rule} fails on release {ver} ({sev})"),
            );
        }
        if fired.is_empty() {
            let ver = rel.version_name.as_deref().unwrap_or("?");
            j.support(
                format!(
                    "版本 {ver} 的安装包检查 {} 全部通过",
                    r.package_rules.join("、")
                ),
                format!(
                    "release {ver} passes package checks {}",
                    r.package_rules.join(", ")
                ),
            );
        }
    }
    // Obligations serving the requirement.
    for o in data
        .obligations
        .iter()
        .filter(|o| o.app_id.as_deref() == app_id && o.requirement_ids.iter().any(|x| x == &r.id))
    {
        let title = lib
            .template_q(&o.template)
            .map(|t| (t.title_zh.clone(), t.title_en.clone()))
            .unwrap_or_else(|| (o.template.clone(), o.template.clone()));
        match status(o, today) {
            ObligationStatus::Overdue { days } => j.fail(
                CellValue::NonCompliant,
                format!("{}已逾期 {days} 天（应于 {}）", title.0, o.due_on),
                format!("{} overdue by {days} days (due {})", title.1, o.due_on),
            ),
            ObligationStatus::Done | ObligationStatus::DoneLate { .. }
                if !o.evidence_ids.is_empty() =>
            {
                j.support(
                    format!(
                        "{}已于 {} 完成，有证据",
                        title.0,
                        o.completed_on.as_deref().unwrap_or("")
                    ),
                    format!(
                        "{} done on {} with evidence",
                        title.1,
                        o.completed_on.as_deref().unwrap_or("")
                    ),
                )
            }
            _ => {}
        }
    }
    // The latest completed assessment's result for this requirement.
    let latest = data
        .assessments
        .iter()
        .filter(|a| a.app_id.as_deref() == app_id && a.state == AssessmentState::Completed)
        .filter_map(|a| {
            let res = data
                .results
                .iter()
                .find(|x| x.assessment_id == a.id && x.requirement_id == r.id)?;
            Some((a.completed_on.clone().unwrap_or_default(), a, res))
        })
        .max_by(|x, y| x.0.cmp(&y.0));
    if let Some((on, a, res)) = latest {
        let v = match res.result {
            ResultValue::NonCompliant => Some(CellValue::NonCompliant),
            ResultValue::Partial => Some(CellValue::Partial),
            _ => None,
        };
        let words = (res.result.label_zh(), res.result.label_en());
        match v {
            Some(v) => j.fail(
                v,
                format!("{}（{on}）结论：{}", a.title, words.0),
                format!("{} ({on}) found it {}", a.title, words.1.to_lowercase()),
            ),
            None if res.result == ResultValue::Compliant => j.support(
                format!("{}（{on}）结论：符合", a.title),
                format!("{} ({on}) found it compliant", a.title),
            ),
            None => {}
        }
    }
    // An approved, unexpired exception turns a failure into an accepted risk.
    if j.value.is_some() {
        let exception = data.exceptions.iter().find(|e| {
            e.state == ExceptionState::Approved
                && e.requirement_id == r.id
                && e.app_id.as_deref() == app_id
                && parse_date(&e.expires_on).is_some_and(|x| x >= today)
        });
        if let Some(e) = exception {
            j.value = Some(CellValue::Accepted);
            j.reasons.push(CellReason {
                zh: format!(
                    "{}经 {} 批准，有效至 {}",
                    e.kind.label_zh(),
                    e.approver.as_deref().unwrap_or("?"),
                    e.expires_on
                ),
                en: format!(
                    "{} approved by {} until {}",
                    e.kind.label_en(),
                    e.approver.as_deref().unwrap_or("?"),
                    e.expires_on
                ),
            });
        }
    }
    let value = match j.value {
        Some(v) => v,
        None if j.support => CellValue::Compliant,
        None => {
            j.reasons.push(CellReason {
                zh: "尚无可判断的记录或证据".into(),
                en: "nothing on record to judge it by yet".into(),
            });
            CellValue::NoEvidence
        }
    };
    Cell {
        requirement_id: r.id.clone(),
        value,
        reasons: j.reasons,
    }
}
