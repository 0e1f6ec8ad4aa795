//! What the compliance pages and their JSON API show (issue 6), built once
//! for both: obligations with their status today, one obligation with its
//! requirements and evidence, the compliance matrix, the ledger checks'
//! findings, the registers — each narrowed to what the viewer may see
//! (apps in their scopes; institution-wide records only for
//! institution-wide viewers). The judging is `appgov-compliance`'s; this
//! module only reads, narrows and labels.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use appgov_access::roles::app_org;
use appgov_access::{Action, Principal};
use appgov_calendar::{Date, parse_date};
use appgov_compliance::{
    CellValue, ComplianceData, LEDGER_RULES, LedgerContext, LedgerFinding, Library,
    ObligationStatus, Requirement, matrix, run_ledger_checks, status,
};
use appgov_ledger::model::App;
use appgov_ledger::vocab::Term;
use appgov_ledger::{ComplaintState, CounterfeitState, IncidentState, Obligation, ObligationState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::Failure;
use crate::i18n::Lang;
use crate::state::AppState as Shared;

/// The label of a vocabulary value in the viewer's language.
pub fn label<T: Term>(lang: Lang, v: T) -> String {
    match lang {
        Lang::Zh => v.label_zh().to_string(),
        Lang::En => v.label_en().to_string(),
    }
}

fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Today's Beijing date.
pub fn today() -> Result<(String, Date), Failure> {
    let t = appgov_workflow::today_cn();
    let d = parse_date(&t).ok_or_else(|| Failure::Internal(format!("today {t:?}")))?;
    Ok((t, d))
}

/// Which org nodes a viewer may act in: None, everywhere.
#[derive(Debug, Clone)]
pub struct Reach {
    within: Option<BTreeSet<String>>,
}

impl Reach {
    pub async fn of(state: &Shared, p: &Principal, action: Action) -> Result<Reach, Failure> {
        Ok(Reach {
            within: crate::views::visible_orgs(state, p, action)
                .await?
                .map(|v| v.into_iter().collect()),
        })
    }

    /// Institution-wide.
    pub fn everywhere(&self) -> bool {
        self.within.is_none()
    }

    /// An org node (None: the institution itself).
    pub fn org(&self, org: Option<&str>) -> bool {
        match (&self.within, org) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(w), Some(o)) => w.contains(o),
        }
    }

    pub fn app(&self, app: &App) -> bool {
        self.org(app_org(app))
    }

    /// A record about an app (by id) or, without one, the institution.
    pub fn about(&self, apps: &HashMap<&str, &App>, app_id: Option<&str>) -> bool {
        match app_id {
            Some(id) => apps.get(id).is_some_and(|a| self.app(a)),
            None => self.everywhere(),
        }
    }

    pub fn obligation(&self, apps: &HashMap<&str, &App>, o: &Obligation) -> bool {
        match o.app_id.as_deref() {
            Some(id) => match apps.get(id) {
                Some(a) => self.app(a),
                None => self.org(o.org_id.as_deref()),
            },
            None => self.org(o.org_id.as_deref()),
        }
    }
}

/// Everything the engine judges, loaded once per request, with the ledger
/// checks run over it.
pub struct Snapshot {
    pub data: ComplianceData,
    pub findings: Vec<LedgerFinding>,
    pub today: Date,
    pub today_text: String,
}

impl Snapshot {
    pub async fn load(state: &Shared) -> Result<Snapshot, Failure> {
        state.refresh_compliance().await?;
        let (today_text, today) = today()?;
        let data = appgov_workflow::compliance::load(&state.store).await?;
        let findings = {
            let cx =
                LedgerContext::new(&data, &state.engine.library, &state.engine.calendar, today);
            run_ledger_checks(&cx)
        };
        Ok(Snapshot {
            data,
            findings,
            today,
            today_text,
        })
    }

    pub fn apps(&self) -> HashMap<&str, &App> {
        self.data.apps.iter().map(|a| (a.id.as_str(), a)).collect()
    }

    pub fn app_name(&self, id: Option<&str>, lang: Lang) -> String {
        match id {
            Some(id) => self
                .data
                .apps
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.name.clone())
                .unwrap_or_else(|| id.to_string()),
            None => pick(lang, "本机构", "Institution"),
        }
    }
}

/// A requirement, briefly (a column head, a link).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequirementRef {
    /// `nfra-2024-99:a17.1`.
    pub id: String,
    /// `A17.1`.
    pub short: String,
    pub title: String,
}

fn req_ref(r: &Requirement, lang: Lang) -> RequirementRef {
    RequirementRef {
        id: r.id.clone(),
        short: r.short(),
        title: r.title(lang.code()).to_string(),
    }
}

/// One obligation instance as lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationView {
    pub id: String,
    /// The library's template (`nfra-2024-99/risk-assessment`).
    pub template: String,
    /// The duty in the viewer's language.
    pub title: String,
    pub title_zh: String,
    pub title_en: String,
    pub requirements: Vec<RequirementRef>,
    pub app_id: Option<String>,
    pub app_name: String,
    pub org_id: Option<String>,
    pub owner: Option<String>,
    pub due_on: String,
    /// Stored state: open, done, waived, cancelled.
    pub state: String,
    pub state_label: String,
    /// Status today: upcoming, due_soon, overdue, done, done_late, waived,
    /// cancelled.
    pub status: String,
    pub status_label: String,
    /// Days overdue (overdue), left (upcoming, due soon) or late (done late).
    pub days: Option<i64>,
    pub triggered_by: String,
    pub trigger_label: String,
    pub trigger_note: Option<String>,
    pub completed_on: Option<String>,
    pub completed_by: Option<String>,
    pub evidence_ids: Vec<String>,
}

fn trigger_label(lang: Lang, t: &str) -> String {
    let (kind, _) = t.split_once(':').unwrap_or((t, ""));
    match kind {
        "schedule" => pick(lang, "定期", "recurring"),
        "incident" => pick(lang, "重大风险事件", "major incident"),
        "release" => pick(lang, "版本变更备案事项", "release changed filed facts"),
        "os_release" => pick(lang, "操作系统大版本发布", "major OS release"),
        "counterfeit_case" => pick(lang, "确认仿冒应用", "confirmed counterfeit"),
        "manual" => pick(lang, "手工登记", "recorded by hand"),
        other => other.to_string(),
    }
}

pub fn obligation_view(
    state: &Shared,
    snap: &Snapshot,
    lang: Lang,
    o: &Obligation,
) -> ObligationView {
    let lib = &state.engine.library;
    let t = lib.template_q(&o.template);
    let (zh, en) = t
        .map(|t| (t.title_zh.clone(), t.title_en.clone()))
        .unwrap_or_else(|| (o.template.clone(), o.template.clone()));
    let st = status(o, snap.today);
    let days = match st {
        ObligationStatus::Upcoming { days }
        | ObligationStatus::DueSoon { days }
        | ObligationStatus::Overdue { days }
        | ObligationStatus::DoneLate { days } => Some(days),
        _ => None,
    };
    let owner = o.owner_person_id.as_deref().map(|id| {
        snap.data
            .people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    });
    ObligationView {
        id: o.id.clone(),
        template: o.template.clone(),
        title: pick(lang, &zh, &en),
        title_zh: zh,
        title_en: en,
        requirements: o
            .requirement_ids
            .iter()
            .map(|id| match lib.requirement(id) {
                Some(r) => req_ref(r, lang),
                None => RequirementRef {
                    id: id.clone(),
                    short: id.clone(),
                    title: id.clone(),
                },
            })
            .collect(),
        app_id: o.app_id.clone(),
        app_name: snap.app_name(o.app_id.as_deref(), lang),
        org_id: o.org_id.clone(),
        owner,
        due_on: o.due_on.clone(),
        state: o.state.as_str().to_string(),
        state_label: label(lang, o.state),
        status: st.key().to_string(),
        status_label: st.label(lang.code()),
        days,
        triggered_by: o.triggered_by.clone(),
        trigger_label: trigger_label(lang, &o.triggered_by),
        trigger_note: o.trigger_note.clone(),
        completed_on: o.completed_on.clone(),
        completed_by: o.completed_by.clone(),
        evidence_ids: o.evidence_ids.clone(),
    }
}

/// Sort order: overdue (most days first), due soon, upcoming (soonest
/// first), then the closed ones (newest due first).
fn rank(v: &ObligationView) -> (u8, i64, String) {
    match v.status.as_str() {
        "overdue" => (0, -v.days.unwrap_or(0), v.due_on.clone()),
        "due_soon" => (1, v.days.unwrap_or(0), v.due_on.clone()),
        "upcoming" => (2, v.days.unwrap_or(0), v.due_on.clone()),
        _ => (3, 0, String::new()),
    }
}

/// The obligation filters (query parameters).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ObligationParams {
    /// A status: `overdue`, `due_soon`, `upcoming`, `open` (the first
    /// three), `done`, `done_late`, `waived`, `cancelled`.
    #[serde(default)]
    pub status: Option<String>,
    /// An app id.
    #[serde(default)]
    pub app: Option<String>,
    /// A template (`nfra-2024-99/risk-assessment` or `risk-assessment`).
    #[serde(default)]
    pub template: Option<String>,
}

/// The obligations the viewer may see, filtered and sorted overdue first.
pub fn obligations(
    state: &Shared,
    snap: &Snapshot,
    reach: &Reach,
    lang: Lang,
    params: &ObligationParams,
) -> Vec<ObligationView> {
    let apps = snap.apps();
    let want = |s: &str| -> bool {
        match params
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => true,
            Some("open") => matches!(s, "overdue" | "due_soon" | "upcoming"),
            Some(w) => w == s,
        }
    };
    let template = params
        .template
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let app = params
        .app
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let mut out: Vec<ObligationView> = snap
        .data
        .obligations
        .iter()
        .filter(|o| reach.obligation(&apps, o))
        .filter(|o| app.is_none_or(|a| o.app_id.as_deref() == Some(a)))
        .filter(|o| {
            template.is_none_or(|t| o.template == t || o.template.ends_with(&format!("/{t}")))
        })
        .map(|o| obligation_view(state, snap, lang, o))
        .filter(|v| want(&v.status))
        .collect();
    out.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| b.due_on.cmp(&a.due_on).reverse())
            .then(a.app_name.cmp(&b.app_name))
    });
    // Closed ones: newest due first.
    let split = out.iter().position(|v| rank(v).0 == 3).unwrap_or(out.len());
    out[split..].sort_by(|a, b| b.due_on.cmp(&a.due_on).then(a.app_name.cmp(&b.app_name)));
    out
}

/// One requirement in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequirementView {
    pub id: String,
    pub short: String,
    pub article: u32,
    /// `app` or `institution`.
    pub scope: String,
    pub title: String,
    pub text: String,
    pub title_zh: String,
    pub title_en: String,
    pub text_zh: String,
    pub text_en: String,
    /// Who it applies to, in words.
    pub applies: String,
    /// Evidence kinds that usually prove it (labels).
    pub evidence: Vec<String>,
    pub package_rules: Vec<String>,
    pub ledger_checks: Vec<String>,
    pub gate_items: Vec<String>,
    pub obligations: Vec<String>,
    /// Where it sits: `第16条`, or a standard's clause (`6.5`).
    pub place: String,
    /// Items of other libraries mapped to or from it.
    pub related: Vec<RelatedView>,
}

/// An item of another library related to a requirement by a mapping.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelatedView {
    /// `subset`, `superset`, `equal`, `intersect`, seen from the item shown.
    pub relation: String,
    /// In words: "covers part of" …
    pub relation_label: String,
    pub library: String,
    pub reference: String,
    pub id: String,
    pub short: String,
    pub title: String,
    pub note: Option<String>,
}

/// `?library=nfra-2024-99` (the notice when absent).
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct LibraryQuery {
    pub library: Option<String>,
}

/// A library the viewer can switch to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LibraryChoice {
    pub id: String,
    pub reference: String,
    pub name: String,
    pub requirements: usize,
    pub current: bool,
}

/// The library named by `?library=` (the notice when none is named).
pub fn library_of<'a>(state: &'a Shared, id: Option<&str>) -> Result<&'a Library, Failure> {
    match id.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(&state.engine.library),
        Some(id) => state.engine.library_by_id(id).ok_or_else(|| {
            Failure::NotFound(format!(
                "没有这个合规库 / no library {id:?} (known: {})",
                state
                    .engine
                    .libraries
                    .iter()
                    .map(|l| l.library.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
    }
}

pub fn library_choices(state: &Shared, current: &Library, lang: Lang) -> Vec<LibraryChoice> {
    state
        .engine
        .libraries
        .iter()
        .map(|l| LibraryChoice {
            id: l.library.id.clone(),
            reference: l.library.reference.clone(),
            name: pick(lang, &l.library.name_zh, &l.library.name_en),
            requirements: l.live_requirements().count(),
            current: l.library.id == current.library.id,
        })
        .collect()
}

pub fn requirement_view(state: &Shared, r: &Requirement, lang: Lang) -> RequirementView {
    let libraries = &state.engine.libraries;
    let lib = libraries
        .iter()
        .find(|l| l.requirement(&r.id).is_some())
        .unwrap_or(&state.engine.library);
    let related = appgov_compliance::related(libraries, &r.id)
        .into_iter()
        .map(|x| RelatedView {
            relation: x.relation.key().into(),
            relation_label: x.relation.label(lang.code()).into(),
            library: x.library.id.clone(),
            reference: x.library.reference.clone(),
            id: x.requirement.id.clone(),
            short: x.requirement.short(),
            title: x.requirement.title(lang.code()).to_string(),
            note: x.note.map(str::to_string),
        })
        .collect();
    RequirementView {
        place: lib.place(r, lang.code()),
        related,
        id: r.id.clone(),
        short: r.short(),
        article: r.article,
        scope: match r.scope {
            appgov_compliance::Scope::App => "app".into(),
            appgov_compliance::Scope::Institution => "institution".into(),
        },
        title: r.title(lang.code()).to_string(),
        text: r.text(lang.code()).to_string(),
        title_zh: r.title_zh.clone(),
        title_en: r.title_en.clone(),
        text_zh: r.text_zh.clone(),
        text_en: r.text_en.clone(),
        applies: match r.scope {
            appgov_compliance::Scope::Institution => pick(lang, "机构层面", "institution-wide"),
            appgov_compliance::Scope::App => r.applies_to.describe(lang.code()),
        },
        evidence: r
            .evidence
            .iter()
            .map(|e| {
                appgov_ledger::EvidenceKind::parse_term(e)
                    .map(|k| label(lang, k))
                    .unwrap_or_else(|| e.clone())
            })
            .collect(),
        package_rules: r.package_rules.clone(),
        ledger_checks: r.ledger_checks.clone(),
        gate_items: r.gate_items.clone(),
        obligations: r
            .obligations
            .iter()
            .map(|o| {
                lib.template(o)
                    .map(|t| t.title(lang.code()).to_string())
                    .unwrap_or_else(|| o.clone())
            })
            .collect(),
    }
}

/// One revision of a piece of evidence.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionView {
    pub revision: i64,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub effective_on: String,
    pub expires_on: Option<String>,
    /// The typed form's fields, in the form's order, labelled.
    pub fields: Vec<FieldValue>,
}

/// One filled field of a typed evidence form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldValue {
    pub key: String,
    pub label: String,
    /// As people read it (a choice by its label).
    pub value: String,
}

/// A revision's fields, labelled in `lang` (keys the form no longer has
/// stay as they are).
pub fn field_values(
    state: &Shared,
    kind: appgov_ledger::EvidenceKind,
    fields: &BTreeMap<String, String>,
    lang: Lang,
) -> Vec<FieldValue> {
    let form = state.engine.forms.form(kind);
    let mut out = Vec::new();
    if let Some(form) = form {
        for f in &form.fields {
            if let Some(v) = fields.get(&f.key) {
                out.push(FieldValue {
                    key: f.key.clone(),
                    label: f.label(lang.code()).into(),
                    value: f.display(v, lang.code()),
                });
            }
        }
    }
    for (k, v) in fields {
        if form.and_then(|f| f.field(k)).is_none() {
            out.push(FieldValue {
                key: k.clone(),
                label: k.clone(),
                value: v.clone(),
            });
        }
    }
    out
}

/// One field of a typed evidence form, for an upload form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldView {
    /// The key; the form posts it as `field.<key>`.
    pub key: String,
    pub label: String,
    /// date, text, long, number, url, choice.
    #[serde(rename = "type")]
    pub kind: String,
    pub required: bool,
    pub hint: Option<String>,
    /// A date not after this (today), for `past` dates.
    pub max: Option<String>,
    pub choices: Vec<KindChoice>,
}

/// The typed form of one evidence kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FormView {
    pub kind: String,
    pub kind_label: String,
    pub fields: Vec<FieldView>,
}

/// The form of an evidence kind (none for kinds without one).
pub fn form_view(
    state: &Shared,
    kind: appgov_ledger::EvidenceKind,
    lang: Lang,
    today: &str,
) -> Option<FormView> {
    let form = state.engine.forms.form(kind)?;
    Some(FormView {
        kind: kind.as_str().into(),
        kind_label: label(lang, kind),
        fields: form
            .fields
            .iter()
            .map(|f| FieldView {
                key: f.key.clone(),
                label: f.label(lang.code()).into(),
                kind: f.kind.as_str().into(),
                required: f.required,
                hint: f.hint(lang.code()).map(str::to_string),
                max: f.past.then(|| today.to_string()),
                choices: f
                    .choices
                    .iter()
                    .map(|c| KindChoice {
                        value: c.value.clone(),
                        label: c.label(lang.code()).into(),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// A piece of evidence attached to an obligation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceItem {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub kind_label: String,
    pub revisions: Vec<RevisionView>,
}

/// A choice of evidence kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindChoice {
    pub value: String,
    pub label: String,
}

/// One obligation: the duty, its requirements in full, its evidence, the
/// kinds of evidence that close it, and the next instance when done.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObligationDetail {
    pub obligation: ObligationView,
    pub requirements: Vec<RequirementView>,
    pub evidence: Vec<EvidenceItem>,
    pub evidence_kinds: Vec<KindChoice>,
    /// The typed forms of those kinds (kinds without one have none).
    pub forms: Vec<FormView>,
    /// The open instance of the same duty for the same app, when this one
    /// is closed.
    pub next: Option<ObligationView>,
    /// May the viewer record evidence for it now.
    pub may_record: bool,
    /// Today (Beijing), the default effective date.
    pub today: String,
}

pub async fn obligation_detail(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    id: &str,
) -> Result<ObligationDetail, Failure> {
    let snap = Snapshot::load(state).await?;
    let o = snap
        .data
        .obligations
        .iter()
        .find(|o| o.id == id)
        .ok_or_else(|| Failure::NotFound(format!("no obligation {id}")))?;
    let lib = &state.engine.library;
    let view = obligation_view(state, &snap, lang, o);
    let requirements = o
        .requirement_ids
        .iter()
        .filter_map(|r| lib.requirement(r))
        .map(|r| requirement_view(state, r, lang))
        .collect();
    let evidence = o
        .evidence_ids
        .iter()
        .filter_map(|eid| snap.data.evidence.iter().find(|e| &e.id == eid))
        .map(|e| {
            let mut revisions: Vec<RevisionView> = snap
                .data
                .revisions
                .iter()
                .filter(|r| r.evidence_id == e.id)
                .map(|r| RevisionView {
                    revision: r.revision,
                    file_name: r.file_name.clone(),
                    sha256: r.document_sha256.clone(),
                    size: r.size,
                    uploaded_by: r.uploaded_by.clone(),
                    uploaded_at: r.uploaded_at.clone(),
                    effective_on: r.effective_on.clone(),
                    expires_on: r.expires_on.clone(),
                    fields: field_values(state, e.kind, &r.fields, lang),
                })
                .collect();
            revisions.sort_by_key(|r| -r.revision);
            EvidenceItem {
                id: e.id.clone(),
                title: e.title.clone(),
                kind: e.kind.as_str().into(),
                kind_label: label(lang, e.kind),
                revisions,
            }
        })
        .collect();
    let evidence_kinds = lib
        .template_q(&o.template)
        .map(|t| {
            t.evidence_kinds
                .iter()
                .map(|k| KindChoice {
                    value: k.as_str().into(),
                    label: label(lang, *k),
                })
                .collect()
        })
        .unwrap_or_default();
    let forms = lib
        .template_q(&o.template)
        .map(|t| {
            t.evidence_kinds
                .iter()
                .filter_map(|k| form_view(state, *k, lang, &snap.today_text))
                .collect()
        })
        .unwrap_or_default();
    let next = (o.state != ObligationState::Open)
        .then(|| {
            snap.data.obligations.iter().find(|n| {
                n.id != o.id
                    && n.state == ObligationState::Open
                    && n.template == o.template
                    && n.app_id == o.app_id
            })
        })
        .flatten()
        .map(|n| obligation_view(state, &snap, lang, n));
    let orgs = state.orgs().await?;
    let org = match o.app_id.as_deref() {
        Some(a) => snap
            .data
            .apps
            .iter()
            .find(|x| x.id == a)
            .and_then(|x| app_org(x).map(str::to_string)),
        None => o.org_id.clone(),
    };
    let may_record = o.state == ObligationState::Open
        && p.may(Action::RecordEvidence, org.as_deref(), &orgs.tree);
    Ok(ObligationDetail {
        obligation: view,
        requirements,
        evidence,
        evidence_kinds,
        forms,
        next,
        may_record,
        today: snap.today_text.clone(),
    })
}

// ------------------------------------------------------------- the matrix

/// A column group: one article of the notice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleGroup {
    pub article: u32,
    pub label: String,
    pub span: usize,
}

/// One cell: the value's machine name, its label and mark (the matrix
/// reads without colour), and the reasons that decided it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CellView {
    pub requirement_id: String,
    /// non_compliant, partial, no_evidence, accepted, compliant,
    /// not_applicable.
    pub value: String,
    pub label: String,
    pub mark: String,
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatrixRowView {
    /// None: the institution-wide row.
    pub app_id: Option<String>,
    pub app_name: String,
    pub cells: Vec<CellView>,
}

/// Count of cells of one value.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValueCount {
    pub value: String,
    pub label: String,
    pub mark: String,
    pub count: usize,
}

/// The compliance matrix as the viewer may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatrixView {
    pub library: String,
    pub reference: String,
    pub today: String,
    pub articles: Vec<ArticleGroup>,
    pub columns: Vec<RequirementRef>,
    pub rows: Vec<MatrixRowView>,
    pub summary: Vec<ValueCount>,
}

pub fn matrix_view(lib: &Library, snap: &Snapshot, reach: &Reach, lang: Lang) -> MatrixView {
    let m = matrix(lib, &snap.data, &snap.findings, snap.today);
    let apps = snap.apps();
    let columns: Vec<RequirementRef> = m
        .requirement_ids
        .iter()
        .filter_map(|id| lib.requirement(id))
        .map(|r| req_ref(r, lang))
        .collect();
    let mut articles: Vec<ArticleGroup> = Vec::new();
    for id in &m.requirement_ids {
        let Some(r) = lib.requirement(id) else {
            continue;
        };
        match articles.last_mut() {
            Some(g) if g.article == r.article => g.span += 1,
            _ => articles.push(ArticleGroup {
                article: r.article,
                label: lib.group_label(r.article, lang.code()),
                span: 1,
            }),
        }
    }
    let mut counts: BTreeMap<CellValue, usize> = BTreeMap::new();
    let rows: Vec<MatrixRowView> = m
        .rows
        .iter()
        .filter(|r| reach.about(&apps, r.app_id.as_deref()))
        .map(|r| MatrixRowView {
            app_id: r.app_id.clone(),
            app_name: match r.app_id {
                None => pick(
                    lang,
                    "本机构（机构层面要求）",
                    "Institution (institution-wide items)",
                ),
                Some(_) => r.app_name.clone(),
            },
            cells: r
                .cells
                .iter()
                .map(|c| {
                    *counts.entry(c.value).or_default() += 1;
                    CellView {
                        requirement_id: c.requirement_id.clone(),
                        value: c.value.key().into(),
                        label: c.value.label(lang.code()).into(),
                        mark: c.value.mark().into(),
                        reasons: c.reasons.iter().map(|x| pick(lang, &x.zh, &x.en)).collect(),
                    }
                })
                .collect(),
        })
        .collect();
    MatrixView {
        library: m.library.clone(),
        reference: lib.library.reference.clone(),
        today: snap.today_text.clone(),
        articles,
        columns,
        rows,
        summary: value_counts(&counts, lang),
    }
}

fn value_counts(counts: &BTreeMap<CellValue, usize>, lang: Lang) -> Vec<ValueCount> {
    CellValue::ALL
        .iter()
        .map(|v| ValueCount {
            value: v.key().into(),
            label: v.label(lang.code()).into(),
            mark: v.mark().into(),
            count: counts.get(v).copied().unwrap_or(0),
        })
        .collect()
}

// ---------------------------------------------------------- the findings

/// One ledger check's finding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingView {
    /// `GOV-028`.
    pub rule: String,
    pub name: String,
    pub title: String,
    /// critical, high, medium, low.
    pub severity: String,
    pub severity_label: String,
    pub articles: Vec<u32>,
    pub app_id: Option<String>,
    pub app_name: String,
    pub message: String,
    /// The record it is about: (`obligation`, id) …
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
}

pub fn findings(snap: &Snapshot, reach: &Reach, lang: Lang) -> Vec<FindingView> {
    let apps = snap.apps();
    snap.findings
        .iter()
        .filter(|f| reach.about(&apps, f.app_id.as_deref()))
        .map(|f| {
            let meta = appgov_compliance::ledger_rule(f.rule);
            FindingView {
                rule: f.rule.into(),
                name: f.name.into(),
                title: meta
                    .map(|m| pick(lang, m.title_zh, m.title_en))
                    .unwrap_or_default(),
                severity: f.severity.as_str().into(),
                severity_label: match lang {
                    Lang::Zh => f.severity.label_zh().into(),
                    Lang::En => f.severity.as_str().into(),
                },
                articles: f.articles.clone(),
                app_id: f.app_id.clone(),
                app_name: snap.app_name(f.app_id.as_deref(), lang),
                message: f.message(lang.code()).into(),
                object_kind: f.object.as_ref().map(|o| o.0.to_string()),
                object_id: f.object.as_ref().map(|o| o.1.clone()),
            }
        })
        .collect()
}

/// A ledger check with its documentation and how many findings it has in
/// the viewer's reach.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub severity_label: String,
    pub articles: Vec<u32>,
    pub doc: String,
    pub findings: Vec<FindingView>,
}

pub fn checks(snap: &Snapshot, reach: &Reach, lang: Lang) -> Vec<CheckView> {
    let all = findings(snap, reach, lang);
    LEDGER_RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            CheckView {
                id: m.id.into(),
                title: pick(lang, m.title_zh, m.title_en),
                severity: m.severity.as_str().into(),
                severity_label: match lang {
                    Lang::Zh => m.severity.label_zh().into(),
                    Lang::En => m.severity.as_str().into(),
                },
                articles: m.articles.to_vec(),
                doc: m.doc_in(lang.code()).into(),
                findings: all.iter().filter(|f| f.rule == m.id).cloned().collect(),
            }
        })
        .collect()
}

// ------------------------------------------------------------ dashboard

/// The dashboard's compliance panel.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub overdue: usize,
    pub due_soon: usize,
    pub overdue_list: Vec<ObligationView>,
    pub major_incidents_open: usize,
    pub counterfeits_open: usize,
    pub complaints_past_due: usize,
    pub matrix: Vec<ValueCount>,
}

/// Rows of the panel's overdue list.
const PANEL_ROWS: usize = 10;

pub fn panel(state: &Shared, snap: &Snapshot, reach: &Reach, lang: Lang) -> Panel {
    let apps = snap.apps();
    let all = obligations(state, snap, reach, lang, &ObligationParams::default());
    let overdue: Vec<ObligationView> = all
        .iter()
        .filter(|o| o.status == "overdue")
        .cloned()
        .collect();
    let due_soon = all.iter().filter(|o| o.status == "due_soon").count();
    let major_incidents_open = snap
        .data
        .incidents
        .iter()
        .filter(|i| reach.about(&apps, i.app_id.as_deref()))
        .filter(|i| {
            i.severity.is_major()
                && matches!(i.state, IncidentState::Open | IncidentState::Contained)
        })
        .count();
    let counterfeits_open = snap
        .data
        .counterfeits
        .iter()
        .filter(|c| reach.about(&apps, c.app_id.as_deref()))
        .filter(|c| {
            !matches!(
                c.state,
                CounterfeitState::Closed | CounterfeitState::Dismissed
            )
        })
        .count();
    let complaints_past_due = snap
        .data
        .complaints
        .iter()
        .filter(|c| reach.about(&apps, c.app_id.as_deref()))
        .filter(|c| c.state == ComplaintState::Open && c.due_on < snap.today_text)
        .count();
    let m = matrix_view(&state.engine.library, snap, reach, lang);
    Panel {
        overdue: overdue.len(),
        due_soon,
        overdue_list: overdue.into_iter().take(PANEL_ROWS).collect(),
        major_incidents_open,
        counterfeits_open,
        complaints_past_due,
        matrix: m.summary,
    }
}
