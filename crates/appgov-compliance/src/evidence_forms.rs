//! The typed evidence forms (`data/evidence-forms.toml`): for the common
//! evidence kinds, the fields a document of that kind must state — a drill
//! record's date, scenario, participants and outcome; a pentest report's
//! tester, scope and counts. Parsed and validated at start-up; [`check`]
//! judges one submission's fields, every problem in Chinese and English.
//!
//! [`check`]: EvidenceForms::check

use std::collections::{BTreeMap, BTreeSet};

use appgov_calendar::{Date, parse_date};
use appgov_ledger::{EvidenceKind, Term};
use serde::{Deserialize, Serialize};

use crate::library::Source;

/// The built-in forms, compiled in.
pub const EVIDENCE_FORMS: &str = include_str!("../data/evidence-forms.toml");

/// The longest value of a field (the ledger's bound on a revision's field).
pub const MAX_VALUE: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    #[error("evidence forms {file}: {source}")]
    Parse {
        file: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("evidence forms: {0:?}")]
    Invalid(Vec<String>),
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// `YYYY-MM-DD`.
    Date,
    /// One line.
    Text,
    /// Several lines.
    Long,
    /// A whole number ≥ 0 (counts).
    Number,
    /// An `http` or `https` address.
    Url,
    /// One of the field's choices.
    Choice,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Date => "date",
            FieldType::Text => "text",
            FieldType::Long => "long",
            FieldType::Number => "number",
            FieldType::Url => "url",
            FieldType::Choice => "choice",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChoice {
    pub value: String,
    pub label_zh: String,
    pub label_en: String,
}

impl FieldChoice {
    pub fn label(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.label_en
        } else {
            &self.label_zh
        }
    }
}

/// One field of a form.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Stable key, stored in the revision's `fields`.
    pub key: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default)]
    pub required: bool,
    /// A date after today is refused.
    #[serde(default)]
    pub past: bool,
    pub label_zh: String,
    pub label_en: String,
    #[serde(default)]
    pub hint_zh: Option<String>,
    #[serde(default)]
    pub hint_en: Option<String>,
    #[serde(default)]
    pub choices: Vec<FieldChoice>,
}

impl FormField {
    pub fn label(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.label_en
        } else {
            &self.label_zh
        }
    }

    pub fn hint(&self, lang: &str) -> Option<&str> {
        if lang == "en" {
            self.hint_en.as_deref()
        } else {
            self.hint_zh.as_deref()
        }
    }

    /// A stored value as people read it (a choice by its label).
    pub fn display(&self, value: &str, lang: &str) -> String {
        match self.kind {
            FieldType::Choice => self
                .choices
                .iter()
                .find(|c| c.value == value)
                .map(|c| c.label(lang).to_string())
                .unwrap_or_else(|| value.to_string()),
            _ => value.to_string(),
        }
    }
}

/// The form of one evidence kind.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceForm {
    /// The evidence kind's machine name (`drill_record`).
    #[serde(rename = "kind")]
    pub kind_name: String,
    pub sources: Vec<String>,
    #[serde(rename = "field")]
    pub fields: Vec<FormField>,
    /// Parsed from `kind_name` at load.
    #[serde(skip, default = "other_kind")]
    pub kind: EvidenceKind,
}

fn other_kind() -> EvidenceKind {
    EvidenceKind::Other
}

impl EvidenceForm {
    pub fn field(&self, key: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// One problem of a submission's fields, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field's key.
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl FieldProblem {
    pub fn text(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.zh }
    }
}

/// The problems joined for people: `lang` only, or both (`zh / en`).
pub fn describe(problems: &[FieldProblem], lang: Option<&str>) -> String {
    match lang {
        Some(l) => problems
            .iter()
            .map(|p| p.text(l))
            .collect::<Vec<_>>()
            .join(if l == "en" { "; " } else { "；" }),
        None => problems
            .iter()
            .map(|p| format!("{} / {}", p.zh, p.en))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Every form, by kind.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceForms {
    pub schema: u32,
    pub data_version: String,
    #[serde(rename = "source")]
    pub sources: Vec<Source>,
    #[serde(rename = "form")]
    pub forms: Vec<EvidenceForm>,
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn valid_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(r) => {
            let host = r.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

impl EvidenceForms {
    /// Parses and validates a forms file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<EvidenceForms, FormsError> {
        let mut f: EvidenceForms = toml::from_str(text).map_err(|e| FormsError::Parse {
            file: file.to_string(),
            source: Box::new(e),
        })?;
        let problems = f.resolve();
        if problems.is_empty() {
            Ok(f)
        } else {
            Err(FormsError::Invalid(problems))
        }
    }

    pub fn builtin() -> Result<EvidenceForms, FormsError> {
        EvidenceForms::parse(EVIDENCE_FORMS, "evidence-forms.toml")
    }

    fn resolve(&mut self) -> Vec<String> {
        let mut p = Vec::new();
        if self.schema != 1 {
            p.push(format!("schema {} is not supported (1 is)", self.schema));
        }
        let sources: BTreeSet<&str> = self.sources.iter().map(|s| s.id.as_str()).collect();
        for s in &self.sources {
            if s.url.is_none() && s.note.is_none() {
                p.push(format!("source {}: needs a url or a note", s.id));
            }
        }
        let mut kinds = BTreeSet::new();
        for form in &mut self.forms {
            let what = format!("form {}", form.kind_name);
            match EvidenceKind::parse_term(&form.kind_name) {
                Some(k) if k.as_str() == form.kind_name => form.kind = k,
                _ => p.push(format!("{what}: unknown evidence kind")),
            }
            if !kinds.insert(form.kind_name.clone()) {
                p.push(format!("{what}: defined twice"));
            }
            if form.sources.is_empty() {
                p.push(format!("{what}: no source"));
            }
            for s in &form.sources {
                if !sources.contains(s.as_str()) {
                    p.push(format!("{what}: unknown source {s:?}"));
                }
            }
            if form.fields.is_empty() {
                p.push(format!("{what}: no fields"));
            }
            let mut keys = BTreeSet::new();
            for f in &form.fields {
                let w = format!("{what} field {}", f.key);
                if !is_key(&f.key) {
                    p.push(format!("{w}: a key is lowercase letters, digits and _"));
                }
                if !keys.insert(f.key.as_str()) {
                    p.push(format!("{w}: defined twice"));
                }
                if f.label_zh.trim().is_empty() || f.label_en.trim().is_empty() {
                    p.push(format!("{w}: needs label_zh and label_en"));
                }
                match (f.kind, f.choices.is_empty()) {
                    (FieldType::Choice, true) => p.push(format!("{w}: a choice needs choices")),
                    (FieldType::Choice, false) => {
                        let mut seen = BTreeSet::new();
                        for c in &f.choices {
                            if !is_key(&c.value) || !seen.insert(c.value.as_str()) {
                                p.push(format!("{w}: bad or repeated choice {:?}", c.value));
                            }
                        }
                    }
                    (_, false) => p.push(format!("{w}: only a choice has choices")),
                    (_, true) => {}
                }
                if f.past && f.kind != FieldType::Date {
                    p.push(format!("{w}: `past` is for dates"));
                }
            }
        }
        p
    }

    /// The form of an evidence kind; None for kinds without one.
    pub fn form(&self, kind: EvidenceKind) -> Option<&EvidenceForm> {
        self.forms.iter().find(|f| f.kind == kind)
    }

    /// Judges a submission's fields for `kind` as of `today`: values are
    /// trimmed and empty ones dropped; required fields must be there,
    /// dates real (and not after today where the form says so), numbers
    /// whole and not negative, addresses http(s), choices among the
    /// choices. A key the form does not have is refused. Kinds without a
    /// form take no fields. Returns the fields to store, or every problem.
    pub fn check(
        &self,
        kind: EvidenceKind,
        fields: &BTreeMap<String, String>,
        today: Date,
    ) -> Result<BTreeMap<String, String>, Vec<FieldProblem>> {
        let mut out = BTreeMap::new();
        let mut problems = Vec::new();
        let form = self.form(kind);
        let given: BTreeMap<&str, &str> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        for key in given.keys() {
            if form.and_then(|f| f.field(key)).is_none() {
                problems.push(FieldProblem {
                    field: key.to_string(),
                    zh: format!("「{}」不是{}表单的字段", key, kind.label_zh()),
                    en: format!(
                        "“{key}” is not a field of the {} form",
                        kind.label_en().to_lowercase()
                    ),
                });
            }
        }
        let Some(form) = form else {
            return if problems.is_empty() {
                Ok(out)
            } else {
                Err(problems)
            };
        };
        for f in &form.fields {
            let (zh, en) = (&f.label_zh, &f.label_en);
            let mut bad = |z: String, e: String| {
                problems.push(FieldProblem {
                    field: f.key.clone(),
                    zh: z,
                    en: e,
                })
            };
            let Some(v) = given.get(f.key.as_str()).copied() else {
                if f.required {
                    bad(format!("请填写「{zh}」"), format!("“{en}” is required"));
                }
                continue;
            };
            if v.chars().count() > MAX_VALUE {
                bad(
                    format!("「{zh}」超过 {MAX_VALUE} 字"),
                    format!("“{en}” is longer than {MAX_VALUE} characters"),
                );
                continue;
            }
            if f.kind != FieldType::Long && v.contains(['\n', '\r']) {
                bad(format!("「{zh}」应为一行"), format!("“{en}” is one line"));
                continue;
            }
            match f.kind {
                FieldType::Date => match parse_date(v) {
                    None => bad(
                        format!("「{zh}」不是有效日期（YYYY-MM-DD）：{v}"),
                        format!("“{en}” is not a date YYYY-MM-DD: {v}"),
                    ),
                    Some(d) if f.past && d > today => bad(
                        format!("「{zh}」{v} 晚于今天"),
                        format!("“{en}” {v} is after today"),
                    ),
                    Some(_) => {}
                },
                FieldType::Number => {
                    if v.is_empty() || v.len() > 9 || !v.chars().all(|c| c.is_ascii_digit()) {
                        bad(
                            format!("「{zh}」应为不小于 0 的整数：{v}"),
                            format!("“{en}” is a whole number of 0 or more: {v}"),
                        );
                    }
                }
                FieldType::Url => {
                    if !valid_url(v) {
                        bad(
                            format!("「{zh}」应为 http:// 或 https:// 开头的网址：{v}"),
                            format!("“{en}” is an http:// or https:// address: {v}"),
                        );
                    }
                }
                FieldType::Choice => {
                    if !f.choices.iter().any(|c| c.value == v) {
                        let all: Vec<&str> = f.choices.iter().map(|c| c.value.as_str()).collect();
                        bad(
                            format!("「{zh}」只能是：{}", all.join("、")),
                            format!("“{en}” is one of: {}", all.join(", ")),
                        );
                    }
                }
                FieldType::Text | FieldType::Long => {}
            }
            // Numbers are stored without leading zeros, so they compare.
            let stored = if f.kind == FieldType::Number {
                v.trim_start_matches('0').to_string()
            } else {
                v.to_string()
            };
            let stored = if stored.is_empty() {
                "0".into()
            } else {
                stored
            };
            out.insert(f.key.clone(), stored);
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        parse_date("2026-12-02").unwrap()
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn builtin_forms_load_and_cover_the_common_kinds() {
        let f = EvidenceForms::builtin().unwrap();
        for k in [
            EvidenceKind::DrillRecord,
            EvidenceKind::RiskAssessmentReport,
            EvidenceKind::AuditReport,
            EvidenceKind::SpecialAuditReport,
            EvidenceKind::PentestReport,
            EvidenceKind::FilingReceipt,
            EvidenceKind::UserNotice,
        ] {
            assert!(f.form(k).is_some(), "{k:?} has a form");
        }
        assert!(f.form(EvidenceKind::Other).is_none());
    }

    #[test]
    fn a_drill_record_is_checked_field_by_field() {
        let f = EvidenceForms::builtin().unwrap();
        let good = map(&[
            ("drill_date", " 2026-11-20 "),
            ("scenario", "主数据中心断电"),
            ("participants", "科技部、运营部"),
            ("outcome", "passed"),
            ("follow_ups", ""),
        ]);
        let stored = f.check(EvidenceKind::DrillRecord, &good, today()).unwrap();
        assert_eq!(stored["drill_date"], "2026-11-20");
        assert!(!stored.contains_key("follow_ups"), "empty values dropped");

        let mut bad = good.clone();
        bad.remove("scenario");
        bad.insert("drill_date".into(), "2026-02-30".into());
        bad.insert("outcome".into(), "great".into());
        let p = f
            .check(EvidenceKind::DrillRecord, &bad, today())
            .unwrap_err();
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["drill_date", "scenario", "outcome"], "{p:?}");
        assert!(p[0].zh.contains("演练日期") && p[0].en.contains("Drill date"));
        assert!(p[1].zh.contains("请填写「演练场景」"));

        let future = map(&[
            ("drill_date", "2027-01-01"),
            ("scenario", "s"),
            ("participants", "p"),
            ("outcome", "failed"),
        ]);
        let p = f
            .check(EvidenceKind::DrillRecord, &future, today())
            .unwrap_err();
        assert!(p[0].en.contains("after today"), "{p:?}");
    }

    #[test]
    fn numbers_urls_and_unknown_fields() {
        let f = EvidenceForms::builtin().unwrap();
        let pentest = map(&[
            ("tester", "某测评中心"),
            ("scope", "Android 客户端"),
            ("test_date", "2026-10-01"),
            ("high", "0"),
            ("medium", "007"),
            ("low", "-1"),
        ]);
        let p = f
            .check(EvidenceKind::PentestReport, &pentest, today())
            .unwrap_err();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, "low");
        let mut ok = pentest.clone();
        ok.insert("low".into(), "3".into());
        let s = f.check(EvidenceKind::PentestReport, &ok, today()).unwrap();
        assert_eq!((s["high"].as_str(), s["medium"].as_str()), ("0", "7"));

        let notice = map(&[
            ("channel", "in_app"),
            ("published_on", "2026-11-01"),
            ("url", "javascript:alert(1)"),
        ]);
        let p = f
            .check(EvidenceKind::UserNotice, &notice, today())
            .unwrap_err();
        assert_eq!(p[0].field, "url");

        let p = f
            .check(EvidenceKind::Other, &map(&[("x", "1")]), today())
            .unwrap_err();
        assert_eq!(p[0].field, "x");
        assert!(
            f.check(EvidenceKind::Other, &map(&[("x", " ")]), today())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_broken_forms_file_is_refused_with_every_problem() {
        let text = r#"
schema = 1
data_version = "x"
[[source]]
id = "s"
title = "t"
[[form]]
kind = "no_such_kind"
sources = ["missing"]
[[form.field]]
key = "Bad Key"
type = "choice"
label_zh = "a"
label_en = "b"
past = true
"#;
        let FormsError::Invalid(p) = EvidenceForms::parse(text, "t.toml").unwrap_err() else {
            panic!("invalid, not unparsable");
        };
        let all = p.join("\n");
        for w in [
            "needs a url or a note",
            "unknown evidence kind",
            "unknown source",
            "lowercase",
            "needs choices",
            "`past` is for dates",
        ] {
            assert!(all.contains(w), "{w} not in {all}");
        }
    }
}
