//! Ledger checks (GOV-…): judgements over the ledger and the compliance
//! records, one per file, declared like the package checks with
//! `declare_rule!` so their doc comment (zh, then en) is the documentation
//! `appgov rules explain GOV-028` prints. [`LEDGER_RULES`] lists them.

use std::collections::BTreeMap;

use appgov_calendar::{Date, HolidayCalendar, parse_date};
use appgov_checks::{RuleMeta, Severity};
use appgov_ledger::{App, AppState, ObligationState, Term};
use serde::Serialize;

use crate::library::Library;
use crate::obligations::{ObligationStatus, status};
use crate::snapshot::ComplianceData;

mod rules;
pub use rules::LEDGER_RULES;

/// A ledger check.
pub trait LedgerRule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>);
}

/// One failed ledger check, on an app or on the institution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerFinding {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub articles: Vec<u32>,
    pub app_id: Option<String>,
    /// The record it is about (`obligation`, id), when there is one.
    pub object: Option<(&'static str, String)>,
    pub message_zh: String,
    pub message_en: String,
}

impl LedgerFinding {
    pub fn message(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.message_en
        } else {
            &self.message_zh
        }
    }
}

/// What the checks see: the records, today (Beijing), the library, the
/// holiday calendar; apps indexed by id.
pub struct LedgerContext<'a> {
    pub data: &'a ComplianceData,
    pub library: &'a Library,
    pub calendar: &'a HolidayCalendar,
    pub today: Date,
    pub apps: BTreeMap<&'a str, &'a App>,
}

impl<'a> LedgerContext<'a> {
    pub fn new(
        data: &'a ComplianceData,
        library: &'a Library,
        calendar: &'a HolidayCalendar,
        today: Date,
    ) -> LedgerContext<'a> {
        let apps = data.apps.iter().map(|a| (a.id.as_str(), a)).collect();
        LedgerContext {
            data,
            library,
            calendar,
            today,
            apps,
        }
    }

    /// Apps the institution currently answers for: admitted and not yet
    /// retired (a proposal or a rejected idea owes nothing yet).
    pub fn active_apps(&self) -> impl Iterator<Item = &'a App> + '_ {
        self.data.apps.iter().filter(|a| is_active(a.state))
    }

    /// Apps serving users now.
    pub fn serving_apps(&self) -> impl Iterator<Item = &'a App> + '_ {
        self.data.apps.iter().filter(|a| is_serving(a.state))
    }

    pub fn app_name(&self, id: Option<&str>) -> String {
        id.and_then(|i| self.apps.get(i))
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "—".into())
    }

    pub fn finding(
        meta: &'static RuleMeta,
        app_id: Option<&str>,
        object: Option<(&'static str, &str)>,
        zh: String,
        en: String,
    ) -> LedgerFinding {
        LedgerFinding {
            rule: meta.id,
            name: meta.name,
            severity: meta.severity,
            articles: meta.articles.to_vec(),
            app_id: app_id.map(str::to_string),
            object: object.map(|(k, i)| (k, i.to_string())),
            message_zh: zh,
            message_en: en,
        }
    }

    /// One finding per open obligation of `template` that is overdue —
    /// the shared body of the calendar checks (risk assessment, audit,
    /// drills …).
    pub fn overdue_obligations(
        &self,
        meta: &'static RuleMeta,
        template: &str,
        out: &mut Vec<LedgerFinding>,
    ) {
        let Some(t) = self.library.template(template) else {
            return;
        };
        let q = self.library.qualified(t);
        for o in &self.data.obligations {
            if o.template != q || o.state != ObligationState::Open {
                continue;
            }
            if let ObligationStatus::Overdue { days } = status(o, self.today) {
                let app = self.app_name(o.app_id.as_deref());
                out.push(Self::finding(
                    meta,
                    o.app_id.as_deref(),
                    Some(("obligation", &o.id)),
                    format!(
                        "{app}：{}应于 {} 完成，已逾期 {days} 天",
                        t.title_zh, o.due_on
                    ),
                    format!(
                        "{app}: {} was due on {}, {days} days overdue",
                        t.title_en, o.due_on
                    ),
                ));
            }
        }
    }

    /// A date field of a record, or None when empty or malformed.
    pub fn date(s: Option<&str>) -> Option<Date> {
        s.and_then(parse_date)
    }
}

pub fn is_active(s: AppState) -> bool {
    matches!(
        s,
        AppState::Admitted
            | AppState::InDevelopment
            | AppState::Live
            | AppState::UnderReview
            | AppState::Suspended
            | AppState::Retiring
    )
}

pub fn is_serving(s: AppState) -> bool {
    matches!(
        s,
        AppState::Live | AppState::UnderReview | AppState::Suspended | AppState::Retiring
    )
}

/// Runs every ledger check; findings sorted by severity, rule, app.
pub fn run_ledger_checks(cx: &LedgerContext<'_>) -> Vec<LedgerFinding> {
    let mut out = Vec::new();
    for r in LEDGER_RULES {
        r.check(cx, &mut out);
    }
    out.sort_by(|a, b| {
        (a.severity, a.rule, &a.app_id, &a.object).cmp(&(b.severity, b.rule, &b.app_id, &b.object))
    });
    out
}

/// The check's metadata by id.
pub fn ledger_rule(id: &str) -> Option<&'static RuleMeta> {
    LEDGER_RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.id.eq_ignore_ascii_case(id))
}

#[doc(hidden)]
pub fn label<T: Term>(t: T, lang: &str) -> &'static str {
    if lang.starts_with("en") {
        t.label_en()
    } else {
        t.label_zh()
    }
}
