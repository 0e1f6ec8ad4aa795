//! Compliance libraries: a regulation as versioned data (requirements with
//! stable ids, applicability, evidence, what satisfies each, obligation
//! templates). The notice is built in; further libraries (JR/T 0092-2019,
//! GB/T 41391-2022, MLPS) load the same way and may map their items onto
//! another library's with `[[mapping]]`.

use std::collections::{BTreeMap, BTreeSet};

use appgov_calendar::{Anchor, Period, Recurrence};
use appgov_ledger::{App, AppForm, EvidenceKind, Term, UserSegment};
use serde::Deserialize;

/// The notice 金办发〔2024〕99号, compiled in.
pub const NFRA_2024_99: &str = include_str!("../data/libraries/nfra-2024-99.toml");

/// GB/T 41391-2022 (collecting personal information in apps), compiled in;
/// its items map onto the notice's article 16.
pub const GBT_41391_2022: &str = include_str!("../data/libraries/gbt-41391-2022.toml");

/// The libraries shipped with appgov: the notice first (the one obligations
/// and gates are planned from), then the standards mapped onto it.
const BUILTIN: &[(&str, &str)] = &[
    ("nfra-2024-99.toml", NFRA_2024_99),
    ("gbt-41391-2022.toml", GBT_41391_2022),
];

#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("library {file}: {source}")]
    Parse {
        file: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("library {library}: {problems:?}")]
    Invalid {
        library: String,
        problems: Vec<String>,
    },
}

/// A source an entry rests on.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryInfo {
    pub id: String,
    /// Our data's version (changes when we correct or extend the file).
    pub data_version: String,
    pub reference: String,
    pub name_zh: String,
    pub name_en: String,
    pub issuer_zh: String,
    pub issuer_en: String,
    pub published: String,
    /// How items are numbered: a notice's articles (第16条) or a
    /// standard's clauses (6.5).
    #[serde(default)]
    pub numbering: Numbering,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Numbering {
    #[default]
    Articles,
    Clauses,
}

/// Whether an app of the ledger is held to an item. Every given condition
/// must hold; none given means every app.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    /// Serves customers (retail, corporate, partners or several), not only staff.
    #[serde(default)]
    pub customer_facing: Option<bool>,
    #[serde(default)]
    pub important_system: Option<bool>,
    #[serde(default)]
    pub third_party_operated: Option<bool>,
    /// Ships an installable package (Android, iOS, HarmonyOS).
    #[serde(default)]
    pub packaged: Option<bool>,
    #[serde(default)]
    pub mlps_level: Option<u8>,
    /// Only these forms (machine names).
    #[serde(default)]
    pub forms: Vec<String>,
}

impl Applicability {
    pub fn applies(&self, app: &App) -> bool {
        let customer = customer_facing(app);
        let packaged = packaged(app.form);
        self.customer_facing.is_none_or(|c| c == customer)
            && self
                .important_system
                .is_none_or(|v| v == app.important_system)
            && self
                .third_party_operated
                .is_none_or(|v| v == app.third_party_operated)
            && self.packaged.is_none_or(|v| v == packaged)
            && self.mlps_level.is_none_or(|l| app.mlps_level == Some(l))
            && (self.forms.is_empty() || self.forms.iter().any(|f| f == app.form.as_str()))
    }

    /// In words, for the matrix's "not applicable" reason.
    pub fn describe(&self, lang: &str) -> String {
        let zh = !lang.starts_with("en");
        let mut parts = Vec::new();
        let mut flag = |v: Option<bool>, yes_zh: &str, yes_en: &str, no_zh: &str, no_en: &str| {
            if let Some(v) = v {
                parts.push(match (v, zh) {
                    (true, true) => yes_zh.to_string(),
                    (true, false) => yes_en.to_string(),
                    (false, true) => no_zh.to_string(),
                    (false, false) => no_en.to_string(),
                });
            }
        };
        flag(
            self.customer_facing,
            "面向客户的应用",
            "customer-facing apps",
            "内部应用",
            "internal apps",
        );
        flag(
            self.important_system,
            "重要信息系统",
            "important information systems",
            "非重要信息系统",
            "systems that are not important",
        );
        flag(
            self.third_party_operated,
            "第三方合作或外包运营的应用",
            "apps run with or by a third party",
            "自营应用",
            "self-operated apps",
        );
        flag(
            self.packaged,
            "有安装包的应用（安卓、iOS、鸿蒙）",
            "apps with an installable package (Android, iOS, HarmonyOS)",
            "无安装包的应用",
            "apps without a package",
        );
        if let Some(l) = self.mlps_level {
            parts.push(if zh {
                format!("等保第{l}级")
            } else {
                format!("MLPS level {l}")
            });
        }
        if !self.forms.is_empty() {
            let names: Vec<&str> = self
                .forms
                .iter()
                .filter_map(|f| AppForm::parse_term(f))
                .map(|f| if zh { f.label_zh() } else { f.label_en() })
                .collect();
            parts.push(names.join(if zh { "、" } else { ", " }));
        }
        if parts.is_empty() {
            return if zh {
                "全部应用".into()
            } else {
                "every app".into()
            };
        }
        if zh {
            format!("仅适用于{}", parts.join("且"))
        } else {
            format!("only {}", parts.join(" that are "))
        }
    }
}

/// Serves customers — the notice's customer-facing duties (articles 5, 6,
/// 15, 16) apply. An app without a recorded segment counts as customer
/// facing: the stricter reading until the ledger says otherwise.
pub fn customer_facing(app: &App) -> bool {
    app.user_segment != Some(UserSegment::Staff)
}

/// Has an installable package the analyser reads.
pub fn packaged(form: AppForm) -> bool {
    matches!(form, AppForm::Android | AppForm::Ios | AppForm::Harmony)
}

/// Whether an item is judged per app or once for the institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    App,
    Institution,
}

/// One requirement item.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// The article (a notice) or chapter (a standard) it belongs to; the
    /// matrix groups columns by it.
    pub article: u32,
    /// A standard's clause (`6.5`, `附录E`); a notice's items leave it out.
    #[serde(default)]
    pub clause: Option<String>,
    pub scope: Scope,
    #[serde(default)]
    pub applies_to: Applicability,
    pub title_zh: String,
    pub title_en: String,
    pub text_zh: String,
    pub text_en: String,
    /// Evidence kinds that usually prove it.
    #[serde(default)]
    pub evidence: Vec<String>,
    #[serde(default)]
    pub package_rules: Vec<String>,
    #[serde(default)]
    pub ledger_checks: Vec<String>,
    /// `gate/item` of the lifecycle gates.
    #[serde(default)]
    pub gate_items: Vec<String>,
    /// Obligation templates of this library.
    #[serde(default)]
    pub obligations: Vec<String>,
    pub sources: Vec<String>,
    #[serde(default)]
    pub withdrawn: bool,
}

impl Requirement {
    pub fn title(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.title_en
        } else {
            &self.title_zh
        }
    }
    pub fn text(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.text_en
        } else {
            &self.text_zh
        }
    }
    /// `A17.1` (a notice) or `6.5` (a standard's clause) — the short label
    /// matrices use as a column head.
    pub fn short(&self) -> String {
        if let Some(c) = &self.clause {
            return c.clone();
        }
        match self.id.rsplit_once(":a") {
            Some((_, n)) => format!("A{n}"),
            None => self.id.clone(),
        }
    }
}

/// How long after its event an event-driven obligation is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DueIn {
    Days(u32),
    WorkingDays(u32),
}

/// A duty that produces dated instances.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationTemplate {
    pub id: String,
    pub requirements: Vec<String>,
    pub scope: Scope,
    #[serde(default)]
    pub applies_to: Applicability,
    pub title_zh: String,
    pub title_en: String,
    /// `12 months`, `30 days` — recurring.
    #[serde(default)]
    pub every: Option<String>,
    #[serde(default)]
    pub anchor: Option<String>,
    /// The event that starts one — event-driven.
    #[serde(default)]
    pub on: Option<String>,
    #[serde(default)]
    pub due_in: Option<String>,
    pub evidence: Vec<String>,
    /// Remind the owner this many days before the due date.
    pub remind_days: u32,
    /// Escalate this many days after the due date passed unmet.
    pub escalate_days: u32,
    pub basis: Vec<String>,
    #[serde(skip)]
    pub recurrence: Option<Recurrence>,
    #[serde(skip)]
    pub due_after_event: Option<DueIn>,
    #[serde(skip)]
    pub evidence_kinds: Vec<EvidenceKind>,
}

impl ObligationTemplate {
    pub fn title(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.title_en
        } else {
            &self.title_zh
        }
    }
}

/// The events that start event-driven obligations.
pub const EVENTS: &[&str] = &[
    "major-incident",
    "os-release",
    "filing-change",
    "counterfeit-confirmed",
];

/// How an item of one library relates to an item of another.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub from: String,
    pub to: String,
    /// How much of `to` the item `from` covers.
    pub relation: Relation,
    #[serde(default)]
    pub note: Option<String>,
}

/// The relation of a mapping's `from` item to its `to` item (the four of
/// set comparison, as GRC tools' requirement mappings use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Both ask the same.
    Equal,
    /// `from` covers part of what `to` asks.
    Subset,
    /// `from` asks all `to` asks and more.
    Superset,
    /// They overlap; neither holds the other.
    Intersect,
}

impl Relation {
    /// The relation seen from the other end.
    pub fn inverse(self) -> Relation {
        match self {
            Relation::Subset => Relation::Superset,
            Relation::Superset => Relation::Subset,
            r => r,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Relation::Equal => "equal",
            Relation::Subset => "subset",
            Relation::Superset => "superset",
            Relation::Intersect => "intersect",
        }
    }

    /// "this item … that item", in words.
    pub fn label(self, lang: &str) -> &'static str {
        let en = lang.starts_with("en");
        match (self, en) {
            (Relation::Equal, false) => "等同",
            (Relation::Equal, true) => "equal to",
            (Relation::Subset, false) => "覆盖其一部分",
            (Relation::Subset, true) => "covers part of",
            (Relation::Superset, false) => "完全覆盖",
            (Relation::Superset, true) => "covers all of",
            (Relation::Intersect, false) => "部分重叠",
            (Relation::Intersect, true) => "overlaps",
        }
    }
}

/// An item of another library related to a given one by a mapping, seen
/// from the given item.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Related<'a> {
    pub relation: Relation,
    pub library: &'a LibraryInfo,
    pub requirement: &'a Requirement,
    pub note: Option<&'a str>,
}

/// Every item of `libraries` mapped to or from `requirement_id`, whichever
/// library declared the mapping.
pub fn related<'a>(libraries: &'a [Library], requirement_id: &str) -> Vec<Related<'a>> {
    let find = |id: &str| {
        libraries
            .iter()
            .find_map(|l| l.requirement(id).map(|r| (&l.library, r)))
    };
    let mut out = Vec::new();
    for m in libraries.iter().flat_map(|l| l.mappings.iter()) {
        let (other, relation) = if m.from == requirement_id {
            (&m.to, m.relation)
        } else if m.to == requirement_id {
            (&m.from, m.relation.inverse())
        } else {
            continue;
        };
        if let Some((library, requirement)) = find(other) {
            out.push(Related {
                relation,
                library,
                requirement,
                note: m.note.as_deref(),
            });
        }
    }
    out
}

/// The built-in libraries, the notice first, each validated and every
/// mapping's target checked across them.
pub fn builtin_libraries() -> Result<Vec<Library>, LibraryError> {
    let known = KnownIds::builtin();
    let libraries = BUILTIN
        .iter()
        .map(|(file, text)| Library::parse(text, file, &known))
        .collect::<Result<Vec<_>, _>>()?;
    let problems = check_mappings(&libraries);
    if problems.is_empty() {
        Ok(libraries)
    } else {
        Err(LibraryError::Invalid {
            library: "(mappings)".into(),
            problems,
        })
    }
}

/// A parsed, validated library.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    pub schema: u32,
    pub library: LibraryInfo,
    #[serde(rename = "source")]
    pub sources: Vec<Source>,
    #[serde(rename = "requirement")]
    pub requirements: Vec<Requirement>,
    #[serde(rename = "obligation", default)]
    pub obligations: Vec<ObligationTemplate>,
    #[serde(rename = "mapping", default)]
    pub mappings: Vec<Mapping>,
}

/// What a library's cross-references are checked against.
pub struct KnownIds<'a> {
    pub package_rules: BTreeSet<&'a str>,
    pub ledger_checks: BTreeSet<&'a str>,
    pub gate_items: BTreeSet<String>,
}

impl KnownIds<'static> {
    /// The built-in package checks, ledger checks and gates.
    pub fn builtin() -> KnownIds<'static> {
        let gate_items = appgov_ledger::builtin_gates()
            .unwrap_or_default()
            .iter()
            .flat_map(|g| {
                g.items
                    .iter()
                    .map(move |i| format!("{}/{}", g.id.as_str(), i.id))
            })
            .collect();
        KnownIds {
            package_rules: appgov_checks::RULES.iter().map(|r| r.meta().id).collect(),
            ledger_checks: crate::checks::LEDGER_RULES
                .iter()
                .map(|r| r.meta().id)
                .collect(),
            gate_items,
        }
    }
}

fn parse_period(s: &str) -> Option<(u32, &str)> {
    let (n, unit) = s.trim().split_once(' ')?;
    Some((n.parse().ok()?, unit.trim()))
}

impl Library {
    /// Parses and validates a library file; `file` names it in errors.
    pub fn parse(text: &str, file: &str, known: &KnownIds<'_>) -> Result<Library, LibraryError> {
        let mut lib: Library = toml::from_str(text).map_err(|e| LibraryError::Parse {
            file: file.to_string(),
            source: Box::new(e),
        })?;
        let problems = lib.resolve(known);
        if problems.is_empty() {
            Ok(lib)
        } else {
            Err(LibraryError::Invalid {
                library: lib.library.id.clone(),
                problems,
            })
        }
    }

    /// The built-in notice library.
    pub fn builtin() -> Result<Library, LibraryError> {
        Library::parse(NFRA_2024_99, "nfra-2024-99.toml", &KnownIds::builtin())
    }

    /// Checks every reference and fills the parsed forms of periods and
    /// evidence kinds; returns the problems.
    fn resolve(&mut self, known: &KnownIds<'_>) -> Vec<String> {
        let mut p = Vec::new();
        if self.schema != 1 {
            p.push(format!("schema {} is not supported (1 is)", self.schema));
        }
        let lib = self.library.id.clone();
        let sources: BTreeSet<&str> = self.sources.iter().map(|s| s.id.as_str()).collect();
        for s in &self.sources {
            if s.url.is_none() && s.note.is_none() {
                p.push(format!("source {}: needs a url or a note", s.id));
            }
        }
        let check_sources = |what: &str, list: &[String], p: &mut Vec<String>| {
            if list.is_empty() {
                p.push(format!("{what}: no source"));
            }
            for s in list {
                if !sources.contains(s.as_str()) {
                    p.push(format!("{what}: unknown source {s:?}"));
                }
            }
        };
        check_sources("library", &self.library.sources, &mut p);
        let templates: BTreeSet<&str> = self.obligations.iter().map(|o| o.id.as_str()).collect();
        let mut seen = BTreeSet::new();
        let check_applicability = |what: &str, a: &Applicability, p: &mut Vec<String>| {
            if let Some(l) = a.mlps_level
                && !(1..=5).contains(&l)
            {
                p.push(format!("{what}: MLPS level {l} is not 1–5"));
            }
            for f in &a.forms {
                if AppForm::parse_term(f).map(|x| x.as_str()) != Some(f.as_str()) {
                    p.push(format!(
                        "{what}: unknown app form {f:?} (use machine names: {})",
                        AppForm::names()
                    ));
                }
            }
        };
        for r in &self.requirements {
            let what = format!("requirement {}", r.id);
            if !r.id.starts_with(&format!("{lib}:")) {
                p.push(format!("{what}: id must start with {lib}:"));
            }
            if !seen.insert(r.id.as_str()) {
                p.push(format!("{what}: duplicate id"));
            }
            for (f, v) in [
                ("title_zh", &r.title_zh),
                ("title_en", &r.title_en),
                ("text_zh", &r.text_zh),
                ("text_en", &r.text_en),
            ] {
                if v.trim().is_empty() {
                    p.push(format!("{what}: {f} is empty"));
                }
            }
            check_sources(&what, &r.sources, &mut p);
            check_applicability(&what, &r.applies_to, &mut p);
            match (self.library.numbering, &r.clause) {
                (Numbering::Clauses, None) => {
                    p.push(format!("{what}: a standard's item needs its clause"))
                }
                (Numbering::Articles, Some(_)) => p.push(format!(
                    "{what}: clause is for libraries numbered by clauses"
                )),
                _ => {}
            }
            if r.scope == Scope::Institution && r.applies_to != Applicability::default() {
                p.push(format!(
                    "{what}: an institution-wide item has no app applicability"
                ));
            }
            for e in &r.evidence {
                if EvidenceKind::parse_term(e).map(|k| k.as_str()) != Some(e.as_str()) {
                    p.push(format!("{what}: unknown evidence kind {e:?}"));
                }
            }
            for id in &r.package_rules {
                if !known.package_rules.contains(id.as_str()) {
                    p.push(format!("{what}: unknown package check {id}"));
                }
            }
            for id in &r.ledger_checks {
                if !known.ledger_checks.contains(id.as_str()) {
                    p.push(format!("{what}: unknown ledger check {id}"));
                }
            }
            for id in &r.gate_items {
                if !known.gate_items.contains(id) {
                    p.push(format!("{what}: unknown gate item {id}"));
                }
            }
            for id in &r.obligations {
                if !templates.contains(id.as_str()) {
                    p.push(format!("{what}: unknown obligation {id}"));
                }
            }
        }
        let requirement_ids: BTreeSet<String> =
            self.requirements.iter().map(|r| r.id.clone()).collect();
        let mut seen_t = BTreeSet::new();
        for o in &mut self.obligations {
            let what = format!("obligation {}", o.id);
            if !seen_t.insert(o.id.clone()) {
                p.push(format!("{what}: duplicate id"));
            }
            check_sources(&what, &o.basis, &mut p);
            check_applicability(&what, &o.applies_to, &mut p);
            if o.requirements.is_empty() {
                p.push(format!("{what}: serves no requirement"));
            }
            for r in &o.requirements {
                if !requirement_ids.contains(r) {
                    p.push(format!("{what}: unknown requirement {r}"));
                } else if !self
                    .requirements
                    .iter()
                    .any(|q| &q.id == r && q.obligations.contains(&o.id))
                {
                    p.push(format!("{what}: requirement {r} does not list it back"));
                }
            }
            o.evidence_kinds.clear();
            for e in &o.evidence {
                match EvidenceKind::parse_term(e) {
                    Some(k) if k.as_str() == e => o.evidence_kinds.push(k),
                    _ => p.push(format!("{what}: unknown evidence kind {e:?}")),
                }
            }
            if o.evidence.is_empty() {
                p.push(format!("{what}: names no evidence that closes it"));
            }
            match (&o.every, &o.on) {
                (Some(every), None) => {
                    let anchor = match o.anchor.as_deref() {
                        Some("completion") => Some(Anchor::Completion),
                        Some("schedule") => Some(Anchor::Schedule),
                        other => {
                            p.push(format!("{what}: anchor {other:?} (completion or schedule)"));
                            None
                        }
                    };
                    let period = match parse_period(every) {
                        Some((n, "months")) if n > 0 => Some(Period::Months(n)),
                        Some((n, "days")) if n > 0 => Some(Period::Days(n)),
                        _ => {
                            p.push(format!(
                                "{what}: every {every:?} (\"<n> months\" or \"<n> days\")"
                            ));
                            None
                        }
                    };
                    if o.due_in.is_some() {
                        p.push(format!("{what}: due_in is for event-driven obligations"));
                    }
                    if let (Some(anchor), Some(every)) = (anchor, period) {
                        o.recurrence = Some(Recurrence { every, anchor });
                    }
                }
                (None, Some(event)) => {
                    if !EVENTS.contains(&event.as_str()) {
                        p.push(format!(
                            "{what}: unknown event {event:?} (known: {})",
                            EVENTS.join(", ")
                        ));
                    }
                    if o.anchor.is_some() {
                        p.push(format!("{what}: anchor is for recurring obligations"));
                    }
                    match o.due_in.as_deref().and_then(parse_period) {
                        Some((n, "days")) => o.due_after_event = Some(DueIn::Days(n)),
                        Some((n, "working days")) => {
                            o.due_after_event = Some(DueIn::WorkingDays(n))
                        }
                        _ => p.push(format!(
                            "{what}: due_in {:?} (\"<n> days\" or \"<n> working days\")",
                            o.due_in
                        )),
                    }
                }
                _ => p.push(format!(
                    "{what}: needs exactly one of every (recurring) or on (event)"
                )),
            }
        }
        let mut seen_m = BTreeSet::new();
        for m in &self.mappings {
            if !requirement_ids.contains(&m.from) {
                p.push(format!("mapping from unknown requirement {}", m.from));
            }
            if m.to.starts_with(&format!("{lib}:")) {
                p.push(format!(
                    "mapping {} → {}: maps onto its own library",
                    m.from, m.to
                ));
            }
            if !seen_m.insert((m.from.as_str(), m.to.as_str())) {
                p.push(format!("mapping {} → {}: given twice", m.from, m.to));
            }
        }
        p
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    pub fn template(&self, id: &str) -> Option<&ObligationTemplate> {
        self.obligations.iter().find(|o| o.id == id)
    }

    /// A template by its qualified id (`nfra-2024-99/risk-assessment`), as
    /// obligation instances store it.
    pub fn template_q(&self, qualified: &str) -> Option<&ObligationTemplate> {
        let (lib, id) = qualified.split_once('/')?;
        (lib == self.library.id)
            .then(|| self.template(id))
            .flatten()
    }

    pub fn qualified(&self, template: &ObligationTemplate) -> String {
        format!("{}/{}", self.library.id, template.id)
    }

    /// The live requirement items in order.
    pub fn live_requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter().filter(|r| !r.withdrawn)
    }

    /// Where an item sits, in words: `第16条` / `Art. 16` for a notice,
    /// the clause (`6.5`) for a standard.
    pub fn place(&self, r: &Requirement, lang: &str) -> String {
        match (self.library.numbering, &r.clause) {
            (Numbering::Clauses, Some(c)) => c.clone(),
            _ if lang.starts_with("en") => format!("Art. {}", r.article),
            _ => format!("第{}条", r.article),
        }
    }

    /// The group an article (a notice) or chapter (a standard) heads.
    pub fn group_label(&self, article: u32, lang: &str) -> String {
        match (self.library.numbering, lang.starts_with("en")) {
            (Numbering::Articles, false) => format!("第{article}条"),
            (Numbering::Articles, true) => format!("Art. {article}"),
            (Numbering::Clauses, false) => format!("第{article}章"),
            (Numbering::Clauses, true) => format!("Ch. {article}"),
        }
    }

    /// Requirements per notice article (for the matrix's grouping).
    pub fn by_article(&self) -> BTreeMap<u32, Vec<&Requirement>> {
        let mut m: BTreeMap<u32, Vec<&Requirement>> = BTreeMap::new();
        for r in self.live_requirements() {
            m.entry(r.article).or_default().push(r);
        }
        m
    }
}

/// Checks that a mapping's targets exist once every library is loaded.
pub fn check_mappings(libraries: &[Library]) -> Vec<String> {
    let all: BTreeSet<&str> = libraries
        .iter()
        .flat_map(|l| l.requirements.iter().map(|r| r.id.as_str()))
        .collect();
    libraries
        .iter()
        .flat_map(|l| l.mappings.iter())
        .filter(|m| !all.contains(m.to.as_str()))
        .map(|m| {
            format!(
                "mapping {} → {}: target not in any loaded library",
                m.from, m.to
            )
        })
        .collect()
}
