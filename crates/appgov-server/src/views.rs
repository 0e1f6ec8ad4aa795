//! What the ledger's pages and its JSON API show, built once for both: the
//! ledger list, an app, a release, moves and their checklists. Each builder
//! reads through the store and the workflow and returns plain data (the
//! page's template and the API's JSON are two renderings of it); labels
//! come in the viewer's language, machine names beside them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use appgov_access::roles::app_org;
use appgov_access::{Action, Principal};
use appgov_ledger::lifecycle::APP_MOVES;
use appgov_ledger::model::*;
use appgov_ledger::views::current_release;
use appgov_ledger::vocab::{Term, TransitionStatus};
use appgov_ledger::{
    AppForm, AppState, GateId, ItemKind, ItemStatus, ReleaseState, builtin_gates, release_diff,
    release_gate,
};
use appgov_store::{AppQuery, AppSort, AuditEvent, Store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::Failure;
use crate::i18n::{Lang, Messages};
use crate::state::AppState as Shared;

/// Apps per ledger page.
pub const PAGE_SIZE: i64 = 50;
/// Most apps in one export.
pub const EXPORT_LIMIT: i64 = 200_000;
/// Most audit events shown in an app's history.
const HISTORY_LIMIT: usize = 100;

/// The label of a vocabulary value in the viewer's language.
macro_rules! label {
    ($lang:expr, $v:expr) => {
        match $lang {
            Lang::Zh => $v.label_zh().to_string(),
            Lang::En => $v.label_en().to_string(),
        }
    };
}

/// Chinese or English text.
fn pick(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

pub fn app_state_label(m: &Messages, lang: Lang, s: AppState) -> String {
    m.get(&format!("app_state.{}", s.as_str()), lang)
        .to_string()
}

pub fn release_state_label(m: &Messages, lang: Lang, s: ReleaseState) -> String {
    m.get(&format!("release_state.{}", s.as_str()), lang)
        .to_string()
}

fn gate_name(lang: Lang, id: GateId) -> String {
    builtin_gates()
        .ok()
        .and_then(|gs| gs.into_iter().find(|g| g.id == id))
        .map(|g| pick(lang, &g.name_zh, &g.name_en))
        .unwrap_or_else(|| id.as_str().to_string())
}

/// The org nodes the principal may do `action` in (None: everywhere):
/// its grants' subtrees, expanded.
pub async fn visible_orgs(
    state: &Shared,
    p: &Principal,
    action: Action,
) -> Result<Option<Vec<String>>, Failure> {
    let Some(roots) = p.scopes_for(action) else {
        return Ok(None);
    };
    let orgs = state.orgs().await?;
    let mut all = BTreeSet::new();
    for r in &roots {
        all.extend(orgs.tree.subtree(r));
    }
    Ok(Some(all.into_iter().collect()))
}

/// A choice in a select: value, label, selected.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Every term of a vocabulary as choices, labelled in `lang`.
pub fn vocab_choices<T: Term>(lang: Lang, selected: Option<T>) -> Vec<Choice> {
    T::all()
        .iter()
        .map(|&v| Choice {
            value: v.as_str().into(),
            label: label!(lang, v),
            selected: selected == Some(v),
        })
        .collect()
}

/// A vocabulary term from a form or JSON field: empty is None, anything
/// not a term is refused naming the field and the accepted names.
pub fn parse_term<T: Term>(field: &str, v: &str) -> Result<Option<T>, Failure> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    T::parse_term(v).map(Some).ok_or_else(|| {
        Failure::Invalid(format!(
            "{field}: unknown value {v:?} (one of: {})",
            T::names()
        ))
    })
}

/// May the principal do `action` on `app`?
pub async fn may_on_app(
    state: &Shared,
    p: &Principal,
    action: Action,
    app: &App,
) -> Result<bool, Failure> {
    let orgs = state.orgs().await?;
    Ok(p.may(action, app_org(app), &orgs.tree))
}

// ---------------------------------------------------------------- the list

/// The ledger's filters, search, order and page (query parameters).
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct LedgerParams {
    /// Words that must each occur in the name, an alias, their pinyin (full
    /// or initials: `zsyh` finds 掌上银行) or a package identifier.
    #[serde(default)]
    pub q: Option<String>,
    /// An app form (machine name, e.g. `android`, `wechat_mini`).
    #[serde(default)]
    pub form: Option<String>,
    /// A lifecycle state (machine name, e.g. `live`).
    #[serde(default)]
    pub state: Option<String>,
    /// A department's org node id.
    #[serde(default)]
    pub department: Option<String>,
    /// `name` (default), `state`, `form` or `created`.
    #[serde(default)]
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[serde(default)]
    pub dir: Option<String>,
    /// From 1.
    #[serde(default)]
    pub page: Option<i64>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl LedgerParams {
    /// The store's query for these parameters, within `within`; unknown
    /// names are refused.
    pub fn query(&self, within: Option<Vec<String>>) -> Result<AppQuery, Failure> {
        let form = blank(&self.form)
            .map(|f| {
                AppForm::parse(f).ok_or_else(|| Failure::Invalid(format!("unknown form {f:?}")))
            })
            .transpose()?;
        let state = blank(&self.state)
            .map(|s| {
                AppState::parse(s).ok_or_else(|| Failure::Invalid(format!("unknown state {s:?}")))
            })
            .transpose()?;
        let sort = match blank(&self.sort).unwrap_or("name") {
            "name" => AppSort::Name,
            "state" => AppSort::State,
            "form" => AppSort::Form,
            "created" => AppSort::Created,
            other => return Err(Failure::Invalid(format!("unknown sort {other:?}"))),
        };
        let page = self.page.unwrap_or(1).clamp(1, 1_000_000);
        Ok(AppQuery {
            form,
            state,
            department_id: blank(&self.department).map(str::to_string),
            within_orgs: within,
            search: blank(&self.q).map(str::to_string),
            sort,
            descending: blank(&self.dir) == Some("desc"),
            limit: PAGE_SIZE,
            offset: (page - 1) * PAGE_SIZE,
        })
    }

    /// These parameters as a query string, with `page` replaced (links to
    /// other pages keep the filters).
    pub fn with_page(&self, page: i64) -> String {
        let mut v: Vec<(&str, String)> = Vec::new();
        for (k, val) in [
            ("q", &self.q),
            ("form", &self.form),
            ("state", &self.state),
            ("department", &self.department),
            ("sort", &self.sort),
            ("dir", &self.dir),
        ] {
            if let Some(x) = blank(val) {
                v.push((k, x.to_string()));
            }
        }
        if page > 1 {
            v.push(("page", page.to_string()));
        }
        serde_urlencoded::to_string(&v).unwrap_or_default()
    }
}

/// One app in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppSummary {
    pub id: String,
    pub name: String,
    pub form: String,
    pub form_label: String,
    pub state: String,
    pub state_label: String,
    pub department_id: Option<String>,
    pub department: Option<String>,
    /// The app's package identifiers (Android package, Bundle ID, AppID).
    pub identifiers: Vec<String>,
}

/// A page of the ledger.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppList {
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub page_size: i64,
    pub apps: Vec<AppSummary>,
}

pub async fn org_names(state: &Shared) -> Result<HashMap<String, String>, Failure> {
    Ok(state
        .orgs()
        .await?
        .nodes
        .iter()
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect())
}

pub async fn summaries(
    state: &Shared,
    lang: Lang,
    apps: &[App],
) -> Result<Vec<AppSummary>, Failure> {
    let orgs = org_names(state).await?;
    let ids: Vec<String> = apps.iter().map(|a| a.id.clone()).collect();
    let mut idents: HashMap<String, Vec<String>> = HashMap::new();
    for i in state.store.find_in::<AppIdentity>("app_id", &ids).await? {
        idents.entry(i.app_id).or_default().push(i.identifier);
    }
    Ok(apps
        .iter()
        .map(|a| AppSummary {
            id: a.id.clone(),
            name: a.name.clone(),
            form: a.form.as_str().into(),
            form_label: label!(lang, a.form),
            state: a.state.as_str().into(),
            state_label: app_state_label(&state.messages, lang, a.state),
            department_id: a.department_id.clone(),
            department: a.department_id.as_ref().and_then(|d| orgs.get(d).cloned()),
            identifiers: idents.remove(&a.id).unwrap_or_default(),
        })
        .collect())
}

/// The ledger page the parameters ask for, narrowed to what `p` may see.
pub async fn app_list(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    params: &LedgerParams,
) -> Result<AppList, Failure> {
    let within = visible_orgs(state, p, Action::View).await?;
    let q = params.query(within)?;
    let page = state.store.list_apps(&q).await?;
    Ok(AppList {
        total: page.total,
        page: q.offset / PAGE_SIZE + 1,
        pages: ((page.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        page_size: PAGE_SIZE,
        apps: summaries(state, lang, &page.apps).await?,
    })
}

/// Every app the parameters match (all pages), for the export.
pub async fn all_matching(
    state: &Shared,
    p: &Principal,
    params: &LedgerParams,
) -> Result<Vec<App>, Failure> {
    let within = visible_orgs(state, p, Action::Export).await?;
    let mut q = params.query(within)?;
    q.limit = 1000;
    q.offset = 0;
    let mut out = Vec::new();
    loop {
        let page = state.store.list_apps(&q).await?;
        let n = page.apps.len() as i64;
        out.extend(page.apps);
        if n < q.limit || out.len() as i64 >= EXPORT_LIMIT {
            return Ok(out);
        }
        q.offset += n;
    }
}

// ---------------------------------------------------------------- one app

/// One attribute of an app: its label's message key and its value as text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attr {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IdentityView {
    pub id: String,
    pub platform_label: String,
    pub identifier: String,
    pub developer_id: Option<String>,
    pub key_custodian: Option<String>,
    /// SHA-256 fingerprints of the known signing certificates.
    pub certificates: Vec<String>,
    /// The record's version, to send back with an edit.
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingView {
    pub id: String,
    /// The channel's machine name.
    pub channel: String,
    pub channel_label: String,
    /// `planned`, `listed`, `suspended` or `delisted`.
    pub state: String,
    pub state_label: String,
    pub account_id: Option<String>,
    /// The record's version, to send back with an edit.
    pub version: i64,
    pub store_url: Option<String>,
    pub listed_version: Option<String>,
    pub observed_on: Option<String>,
    /// The publishing account's name and holder.
    pub account: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub channel: String,
    pub channel_label: String,
    pub account_name: String,
    pub holder: String,
    pub two_factor: bool,
    pub status_label: String,
    pub last_access_review: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingView {
    pub rule: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    pub severity_label: String,
    pub title: String,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SdkView {
    pub sdk: String,
    pub name: String,
    pub vendor: Option<String>,
    pub collects: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeView {
    pub key: String,
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReleaseView {
    pub id: String,
    pub app_id: String,
    pub version_name: Option<String>,
    pub version_code: Option<i64>,
    pub identifier: String,
    pub file_name: String,
    pub artifact_sha256: String,
    pub artifact_size: i64,
    pub signer_sha256: Vec<String>,
    pub min_sdk: Option<i64>,
    pub target_sdk: Option<i64>,
    pub domains: Vec<String>,
    pub state: String,
    pub state_label: String,
    pub findings_high: i64,
    pub findings_medium: i64,
    pub findings_low: i64,
    /// The release that stands for the app now.
    pub current: bool,
    pub findings: Vec<FindingView>,
    /// Differences to the release before it (by version), if any.
    pub previous_id: Option<String>,
    pub diff: Vec<ChangeView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    pub third_party: String,
    pub kind_label: String,
    pub title: String,
    pub state_label: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub sdks: Vec<String>,
    pub data_shared: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FilingView {
    pub kind_label: String,
    pub authority: Option<String>,
    pub number: Option<String>,
    pub state_label: String,
    pub submitted_on: Option<String>,
    pub approved_on: Option<String>,
}

/// A state the object may move to next, and the gate on the way.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NextState {
    pub state: String,
    pub label: String,
    pub gate: Option<String>,
    pub gate_label: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoveSummary {
    pub id: String,
    /// `app` or `app_release`.
    pub object_kind: String,
    pub object_id: String,
    pub app_id: String,
    pub app_name: String,
    pub from_state: String,
    pub to_state: String,
    pub from_label: String,
    pub to_label: String,
    pub gate: Option<String>,
    pub gate_label: Option<String>,
    pub requested_by: String,
    pub requested_at: String,
    pub reason: String,
    pub status: String,
    pub status_label: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: String,
    /// `at` in Beijing time, for people.
    pub at_local: String,
    pub actor: String,
    /// `create`, `update`, `delete` or a note's action.
    pub action: String,
    pub action_label: String,
    pub object_kind: String,
    pub object_label: String,
    pub object_id: String,
    /// The fields that changed (`name: 旧 → 新`).
    pub changes: Vec<String>,
}

/// Everything the app page shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppDetail {
    pub id: String,
    pub name: String,
    pub form: String,
    pub form_label: String,
    pub state: String,
    pub state_label: String,
    pub version: i64,
    /// Every attribute, with its label's message key.
    pub attributes: Vec<Attr>,
    pub identities: Vec<IdentityView>,
    pub listings: Vec<ListingView>,
    pub accounts: Vec<AccountView>,
    /// Newest first.
    pub releases: Vec<ReleaseView>,
    pub current_release_id: Option<String>,
    /// The SDKs of the current release.
    pub sdks: Vec<SdkView>,
    pub agreements: Vec<AgreementView>,
    pub filings: Vec<FilingView>,
    pub next_states: Vec<NextState>,
    pub moves: Vec<MoveSummary>,
    /// Newest first (at most 100).
    pub history: Vec<HistoryEntry>,
    pub may_request_move: bool,
    /// May the viewer change the app's attributes and listings?
    pub may_edit: bool,
}

fn yes_no(m: &Messages, lang: Lang, b: bool) -> String {
    m.get(if b { "common.yes" } else { "common.no" }, lang)
        .to_string()
}

fn severity_label(lang: Lang, s: &str) -> String {
    let (zh, en) = match s {
        "critical" => ("严重", "Critical"),
        "high" => ("高危", "High"),
        "medium" => ("中危", "Medium"),
        "low" => ("低危", "Low"),
        _ => ("提示", "Info"),
    };
    pick(lang, zh, en)
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        _ => 4,
    }
}

fn finding_views(lang: Lang, fs: &[&ReleaseFinding]) -> Vec<FindingView> {
    let mut v: Vec<FindingView> = fs
        .iter()
        .map(|f| FindingView {
            rule: f.rule.clone(),
            severity: f.severity.clone(),
            severity_label: severity_label(lang, &f.severity),
            title: f.title.clone(),
            location: f.location.clone(),
        })
        .collect();
    v.sort_by(|a, b| {
        severity_rank(&a.severity)
            .cmp(&severity_rank(&b.severity))
            .then(a.rule.cmp(&b.rule))
    });
    v
}

fn sdk_views(us: &[&SdkUsage]) -> Vec<SdkView> {
    let mut v: Vec<SdkView> = us
        .iter()
        .map(|u| SdkView {
            sdk: u.sdk.clone(),
            name: u.name.clone(),
            vendor: u.vendor.clone(),
            collects: u.collects.clone(),
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// Releases of one app with findings and the diff to the release before
/// each (by version code, then id), newest first.
fn release_views(
    m: &Messages,
    lang: Lang,
    releases: &[Release],
    findings: &[ReleaseFinding],
    sdks: &[SdkUsage],
) -> Vec<ReleaseView> {
    let mut ordered: Vec<&Release> = releases.iter().collect();
    ordered.sort_by(|a, b| a.version_code.cmp(&b.version_code).then(a.id.cmp(&b.id)));
    let current = current_release(releases.iter()).map(|r| r.id.clone());
    let sdks_of =
        |id: &str| -> Vec<&SdkUsage> { sdks.iter().filter(|u| u.release_id == id).collect() };
    let mut out: Vec<ReleaseView> = ordered
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let prev = i.checked_sub(1).map(|j| ordered[j]);
            let diff = prev
                .map(|p| {
                    release_diff(p, r, &sdks_of(&p.id), &sdks_of(&r.id))
                        .into_iter()
                        .map(|c| ChangeView {
                            key: c.key.clone(),
                            field: c.field.to_string(),
                            old: c.old.clone(),
                            new: c.new.clone(),
                            reason: pick(lang, &c.reason.zh, &c.reason.en),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let fs: Vec<&ReleaseFinding> =
                findings.iter().filter(|f| f.release_id == r.id).collect();
            release_view(
                m,
                lang,
                r,
                current.as_deref() == Some(&r.id),
                &fs,
                prev.map(|p| p.id.clone()),
                diff,
            )
        })
        .collect();
    out.reverse();
    out
}

fn release_view(
    m: &Messages,
    lang: Lang,
    r: &Release,
    current: bool,
    findings: &[&ReleaseFinding],
    previous_id: Option<String>,
    diff: Vec<ChangeView>,
) -> ReleaseView {
    ReleaseView {
        id: r.id.clone(),
        app_id: r.app_id.clone(),
        version_name: r.version_name.clone(),
        version_code: r.version_code,
        identifier: r.identifier.clone(),
        file_name: r.file_name.clone(),
        artifact_sha256: r.artifact_sha256.clone(),
        artifact_size: r.artifact_size,
        signer_sha256: r.signer_sha256.clone(),
        min_sdk: r.min_sdk,
        target_sdk: r.target_sdk,
        domains: r.domains.clone(),
        state: r.state.as_str().into(),
        state_label: release_state_label(m, lang, r.state),
        findings_high: r.findings_high,
        findings_medium: r.findings_medium,
        findings_low: r.findings_low,
        current,
        findings: finding_views(lang, findings),
        previous_id,
        diff,
    }
}

/// The move's summary (`app` given: the app it concerns).
pub fn move_summary(m: &Messages, lang: Lang, t: &Transition, app: &App) -> MoveSummary {
    let state_label = |s: &str| {
        if t.object_kind == Release::KIND {
            ReleaseState::parse(s).map(|x| release_state_label(m, lang, x))
        } else {
            AppState::parse(s).map(|x| app_state_label(m, lang, x))
        }
        .unwrap_or_else(|| s.to_string())
    };
    MoveSummary {
        id: t.id.clone(),
        object_kind: t.object_kind.clone(),
        object_id: t.object_id.clone(),
        app_id: app.id.clone(),
        app_name: app.name.clone(),
        from_state: t.from_state.clone(),
        to_state: t.to_state.clone(),
        from_label: state_label(&t.from_state),
        to_label: state_label(&t.to_state),
        gate: t.gate.map(|g| g.as_str().to_string()),
        gate_label: t.gate.map(|g| gate_name(lang, g)),
        requested_by: t.requested_by.clone(),
        requested_at: t.requested_at.clone(),
        reason: t.reason.clone(),
        status: t.status.as_str().into(),
        status_label: label!(lang, t.status),
        approved_by: t.approval.as_ref().map(|a| a.approved_by.clone()),
        approved_at: t.approval.as_ref().map(|a| a.at.clone()),
    }
}

fn object_label(m: &Messages, lang: Lang, kind: &str) -> String {
    let key = format!("kind.{kind}");
    if m.has(&key) {
        m.get(&key, lang).to_string()
    } else {
        kind.to_string()
    }
}

/// An audit event for people: who, when, what, and which fields changed.
pub fn history_entry(m: &Messages, lang: Lang, e: &AuditEvent) -> HistoryEntry {
    let parse = |s: &Option<String>| -> BTreeMap<String, serde_json::Value> {
        s.as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default()
    };
    let before = parse(&e.before_json);
    let after = parse(&e.after_json);
    let show = |v: Option<&serde_json::Value>| -> String {
        match v {
            None | Some(serde_json::Value::Null) => "—".into(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        }
    };
    let mut changes = Vec::new();
    if e.action == "update" {
        let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for k in keys {
            if k == "version" {
                continue;
            }
            if before.get(k) != after.get(k) {
                let mut line = format!("{k}: {} → {}", show(before.get(k)), show(after.get(k)));
                if line.chars().count() > 300 {
                    line = line.chars().take(300).collect::<String>() + "…";
                }
                changes.push(line);
            }
        }
    }
    let action_key = format!("history.{}", e.action);
    HistoryEntry {
        seq: e.seq,
        at: e.at.clone(),
        at_local: appgov_workflow::clock::beijing(&e.at),
        actor: e.actor.clone(),
        action: e.action.clone(),
        action_label: if m.has(&action_key) {
            m.get(&action_key, lang).to_string()
        } else {
            e.action.clone()
        },
        object_kind: e.object_kind.clone(),
        object_label: object_label(m, lang, &e.object_kind),
        object_id: e.object_id.clone(),
        changes,
    }
}

/// The moves about an app and its releases, newest first.
async fn moves_of(
    store: &Store,
    app: &App,
    releases: &[Release],
) -> Result<Vec<Transition>, Failure> {
    let mut ids = vec![app.id.clone()];
    ids.extend(releases.iter().map(|r| r.id.clone()));
    let mut ts: Vec<Transition> = store.find_in("object_id", &ids).await?;
    ts.sort_by(|a, b| b.id.cmp(&a.id));
    Ok(ts)
}

/// Everything the app page shows.
pub async fn app_detail(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    app_id: &str,
) -> Result<AppDetail, Failure> {
    let store = &state.store;
    let m = &state.messages;
    let app: App = store
        .get(app_id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {app_id}")))?;
    let orgs = org_names(state).await?;
    let identities: Vec<AppIdentity> = store.find("app_id", app_id).await?;
    let listings: Vec<Listing> = store.find("app_id", app_id).await?;
    let filings: Vec<Filing> = store.find("app_id", app_id).await?;
    let releases: Vec<Release> = store.find("app_id", app_id).await?;
    let release_ids: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
    let findings: Vec<ReleaseFinding> = store.find_in("release_id", &release_ids).await?;
    let sdks: Vec<SdkUsage> = store.find_in("release_id", &release_ids).await?;
    // People named by the app, one by one (a ledger may know thousands).
    let mut people: HashMap<String, String> = HashMap::new();
    for id in [
        &app.responsible_person_id,
        &app.tech_owner_id,
        &app.security_owner_id,
        &app.data_owner_id,
    ]
    .into_iter()
    .flatten()
    {
        if let Some(person) = store.get::<Person>(id).await? {
            people.insert(person.id, person.name);
        }
    }
    let org = |id: &Option<String>| -> String {
        id.as_ref()
            .map(|i| orgs.get(i).cloned().unwrap_or_else(|| i.clone()))
            .unwrap_or_else(|| "—".into())
    };
    let person = |id: &Option<String>| -> String {
        id.as_ref()
            .map(|i| people.get(i).cloned().unwrap_or_else(|| i.clone()))
            .unwrap_or_else(|| "—".into())
    };
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "—".into());
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.join("、")
        }
    };
    let attributes: Vec<Attr> = [
        ("attr.name", app.name.clone()),
        ("attr.aliases", list(&app.aliases)),
        ("attr.form", label!(lang, app.form)),
        ("attr.state", app_state_label(m, lang, app.state)),
        ("attr.operator", org(&app.operator_id)),
        ("attr.department", org(&app.department_id)),
        (
            "attr.responsible_person",
            person(&app.responsible_person_id),
        ),
        ("attr.tech_owner", person(&app.tech_owner_id)),
        ("attr.security_owner", person(&app.security_owner_id)),
        ("attr.data_owner", person(&app.data_owner_id)),
        ("attr.purpose", opt(&app.purpose)),
        ("attr.functions", list(&app.functions)),
        (
            "attr.user_segment",
            app.user_segment
                .map(|u| label!(lang, u))
                .unwrap_or_else(|| "—".into()),
        ),
        ("attr.regions", list(&app.regions)),
        (
            "attr.important_system",
            yes_no(m, lang, app.important_system),
        ),
        (
            "attr.mlps_level",
            app.mlps_level
                .map(|l| l.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        ("attr.elderly_mode", yes_no(m, lang, app.elderly_mode)),
        (
            "attr.minors_policy",
            app.minors_policy
                .map(|u| label!(lang, u))
                .unwrap_or_else(|| "—".into()),
        ),
        ("attr.privacy_policy_url", opt(&app.privacy_policy_url)),
        ("attr.complaint_channel", opt(&app.complaint_channel)),
        (
            "attr.third_party_operated",
            yes_no(m, lang, app.third_party_operated),
        ),
        ("attr.merged_into", opt(&app.merged_into)),
        ("attr.id", app.id.clone()),
    ]
    .into_iter()
    .map(|(k, v)| Attr {
        key: k.into(),
        value: v,
    })
    .collect();
    let accounts_all: Vec<PublishingAccount> = if listings.iter().any(|l| l.account_id.is_some()) {
        store.all().await?
    } else {
        vec![]
    };
    let account_of = |id: &Option<String>| {
        id.as_ref()
            .and_then(|i| accounts_all.iter().find(|a| &a.id == i))
    };
    let listing_views = listings
        .iter()
        .map(|l| ListingView {
            id: l.id.clone(),
            channel: l.channel.as_str().into(),
            channel_label: label!(lang, l.channel),
            state: l.state.as_str().into(),
            state_label: label!(lang, l.state),
            account_id: l.account_id.clone(),
            version: l.version,
            store_url: l.store_url.clone(),
            listed_version: l.listed_version.clone(),
            observed_on: l.observed_on.clone(),
            account: account_of(&l.account_id)
                .map(|a| format!("{} ({})", a.account_name, a.holder)),
        })
        .collect();
    let mut seen = BTreeSet::new();
    let accounts = listings
        .iter()
        .filter_map(|l| account_of(&l.account_id))
        .filter(|a| seen.insert(a.id.clone()))
        .map(|a| AccountView {
            id: a.id.clone(),
            channel: a.channel.as_str().into(),
            channel_label: label!(lang, a.channel),
            account_name: a.account_name.clone(),
            holder: a.holder.clone(),
            two_factor: a.two_factor,
            status_label: label!(lang, a.status),
            last_access_review: a.last_access_review.clone(),
        })
        .collect();
    let release_list = release_views(m, lang, &releases, &findings, &sdks);
    let current = current_release(releases.iter());
    let current_sdks: Vec<&SdkUsage> = current
        .map(|c| sdks.iter().filter(|u| u.release_id == c.id).collect())
        .unwrap_or_default();
    // Agreements naming the app (the table is small: read whole).
    let agreements: Vec<Agreement> = store
        .all::<Agreement>()
        .await?
        .into_iter()
        .filter(|a| a.app_ids.iter().any(|x| x == &app.id))
        .collect();
    let third: HashMap<String, String> = if agreements.is_empty() {
        HashMap::new()
    } else {
        store
            .all::<ThirdParty>()
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect()
    };
    let agreement_views = agreements
        .iter()
        .map(|a| AgreementView {
            third_party: third
                .get(&a.third_party_id)
                .cloned()
                .unwrap_or_else(|| a.third_party_id.clone()),
            kind_label: label!(lang, a.kind),
            title: a.title.clone(),
            state_label: label!(lang, a.state),
            starts_on: a.starts_on.clone(),
            ends_on: a.ends_on.clone(),
            sdks: a.sdks.clone(),
            data_shared: a.data_shared.clone(),
        })
        .collect();
    let filing_views = filings
        .iter()
        .map(|f| FilingView {
            kind_label: label!(lang, f.kind),
            authority: f.authority.clone(),
            number: f.number.clone(),
            state_label: label!(lang, f.state),
            submitted_on: f.submitted_on.clone(),
            approved_on: f.approved_on.clone(),
        })
        .collect();
    let next_states = APP_MOVES
        .iter()
        .filter(|mv| mv.from == app.state)
        .map(|mv| NextState {
            state: mv.to.as_str().into(),
            label: app_state_label(m, lang, mv.to),
            gate: mv.gate.map(|g| g.as_str().into()),
            gate_label: mv.gate.map(|g| gate_name(lang, g)),
        })
        .collect();
    let moves = moves_of(store, &app, &releases)
        .await?
        .iter()
        .map(|t| move_summary(m, lang, t, &app))
        .collect();
    // History: the app and everything recorded about it.
    let mut objects: Vec<String> = vec![app.id.clone()];
    objects.extend(identities.iter().map(|i| i.id.clone()));
    objects.extend(listings.iter().map(|l| l.id.clone()));
    objects.extend(filings.iter().map(|f| f.id.clone()));
    objects.extend(release_ids.iter().cloned());
    let mut events: Vec<AuditEvent> = Vec::new();
    for o in objects.iter().take(200) {
        events.extend(store.history(o).await?);
    }
    events.sort_by_key(|e| std::cmp::Reverse(e.seq));
    events.truncate(HISTORY_LIMIT);
    let may_request_move = may_on_app(state, p, Action::RequestMove, &app).await?;
    let may_edit = may_on_app(state, p, Action::EditApp, &app).await?;
    Ok(AppDetail {
        id: app.id.clone(),
        name: app.name.clone(),
        form: app.form.as_str().into(),
        form_label: label!(lang, app.form),
        state: app.state.as_str().into(),
        state_label: app_state_label(m, lang, app.state),
        version: app.version,
        attributes,
        identities: identities
            .iter()
            .map(|i| IdentityView {
                id: i.id.clone(),
                platform_label: label!(lang, i.platform),
                identifier: i.identifier.clone(),
                developer_id: i.developer_id.clone(),
                key_custodian: i.key_custodian.clone(),
                certificates: i.certificates.iter().map(|c| c.sha256.clone()).collect(),
                version: i.version,
            })
            .collect(),
        listings: listing_views,
        accounts,
        releases: release_list,
        current_release_id: current.map(|c| c.id.clone()),
        sdks: sdk_views(&current_sdks),
        agreements: agreement_views,
        filings: filing_views,
        next_states,
        moves,
        history: events.iter().map(|e| history_entry(m, lang, e)).collect(),
        may_request_move,
        may_edit,
    })
}

// ---------------------------------------------------------------- a release

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReleaseDetail {
    pub app: AppSummary,
    pub release: ReleaseView,
    pub sdks: Vec<SdkView>,
    pub next_states: Vec<NextState>,
    pub moves: Vec<MoveSummary>,
    pub may_request_move: bool,
}

pub async fn release_detail(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    release_id: &str,
) -> Result<ReleaseDetail, Failure> {
    let store = &state.store;
    let m = &state.messages;
    let r: Release = store
        .get(release_id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no release {release_id}")))?;
    let app: App = store
        .get(&r.app_id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {}", r.app_id)))?;
    let releases: Vec<Release> = store.find("app_id", &app.id).await?;
    let mut ordered: Vec<&Release> = releases.iter().collect();
    ordered.sort_by(|a, b| a.version_code.cmp(&b.version_code).then(a.id.cmp(&b.id)));
    let prev = ordered
        .iter()
        .position(|x| x.id == r.id)
        .and_then(|i| i.checked_sub(1))
        .map(|i| ordered[i]);
    let mut ids = vec![r.id.clone()];
    ids.extend(prev.map(|p| p.id.clone()));
    let sdks: Vec<SdkUsage> = store.find_in("release_id", &ids).await?;
    let findings: Vec<ReleaseFinding> = store.find("release_id", &r.id).await?;
    let mine: Vec<&SdkUsage> = sdks.iter().filter(|u| u.release_id == r.id).collect();
    let diff = prev
        .map(|p| {
            let theirs: Vec<&SdkUsage> = sdks.iter().filter(|u| u.release_id == p.id).collect();
            release_diff(p, &r, &theirs, &mine)
                .into_iter()
                .map(|c| ChangeView {
                    key: c.key.clone(),
                    field: c.field.to_string(),
                    old: c.old.clone(),
                    new: c.new.clone(),
                    reason: pick(lang, &c.reason.zh, &c.reason.en),
                })
                .collect()
        })
        .unwrap_or_default();
    let current = current_release(releases.iter()).is_some_and(|c| c.id == r.id);
    let frefs: Vec<&ReleaseFinding> = findings.iter().collect();
    let next_states = ReleaseState::ALL
        .iter()
        .filter_map(|to| {
            release_gate(app.state, r.state, *to)
                .ok()
                .map(|g| NextState {
                    state: to.as_str().into(),
                    label: release_state_label(m, lang, *to),
                    gate: g.map(|g| g.as_str().into()),
                    gate_label: g.map(|g| gate_name(lang, g)),
                })
        })
        .collect();
    let mut moves: Vec<Transition> = store.find("object_id", &r.id).await?;
    moves.sort_by(|a, b| b.id.cmp(&a.id));
    let may_request_move = may_on_app(state, p, Action::RequestMove, &app).await?;
    Ok(ReleaseDetail {
        app: summaries(state, lang, std::slice::from_ref(&app))
            .await?
            .remove(0),
        release: release_view(
            m,
            lang,
            &r,
            current,
            &frefs,
            prev.map(|p| p.id.clone()),
            diff,
        ),
        sdks: sdk_views(&mine),
        next_states,
        moves: moves
            .iter()
            .map(|t| move_summary(m, lang, t, &app))
            .collect(),
        may_request_move,
    })
}

// ---------------------------------------------------------------- moves

/// Pending moves the principal may see; with `waiting` only those it may
/// approve and did not request.
pub async fn pending_moves(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    waiting: bool,
) -> Result<Vec<MoveSummary>, Failure> {
    let store = &state.store;
    let orgs = state.orgs().await?;
    let mut ts: Vec<Transition> = store
        .find("status", TransitionStatus::Pending.as_str())
        .await?;
    ts.sort_by(|a, b| b.id.cmp(&a.id));
    let mut out = Vec::new();
    for t in ts {
        let Ok(app) = appgov_workflow::moves::app_of_move(store, &t).await else {
            continue;
        };
        let org = app_org(&app);
        if !p.may(Action::View, org, &orgs.tree) {
            continue;
        }
        let may_approve =
            p.may(Action::ApproveMove, org, &orgs.tree) && !requested_by(&t, &p.login);
        if waiting && !may_approve {
            continue;
        }
        out.push(move_summary(&state.messages, lang, &t, &app));
    }
    Ok(out)
}

/// Whether `login` requested the move (in a browser or through a token:
/// the audit name of a token's user is `login (API token)`).
pub fn requested_by(t: &Transition, login: &str) -> bool {
    let who = t.requested_by.trim();
    let who = who.strip_suffix(" (API token)").unwrap_or(who);
    who.eq_ignore_ascii_case(login.trim())
}

/// One document attached to a move.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceView {
    pub sha256: String,
    pub file_name: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// One checklist item, evaluated now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemView {
    pub id: String,
    /// `auto`, `evidence` or `attest`.
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    /// The notice's articles, as 第N条 / Article N.
    pub articles: Vec<String>,
    pub met: bool,
    /// Who or what met it, or why it is open.
    pub detail: String,
    pub evidence: Vec<EvidenceView>,
    /// Who attested it, and what they said.
    pub attested_by: Option<String>,
    pub statement: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DiffItemView {
    pub key: String,
    pub reason: String,
    pub reviewed_by: Option<String>,
}

/// A move with its checklist.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoveDetail {
    #[serde(rename = "move")]
    #[schema(rename = "move")]
    pub summary: MoveSummary,
    pub release_id: Option<String>,
    pub pending: bool,
    /// Whether every item is met (null: no gate on this move).
    pub passed: Option<bool>,
    pub items: Vec<ItemView>,
    pub diff: Vec<DiffItemView>,
    pub approval_comment: Option<String>,
    pub approval_role: Option<String>,
    pub may_record: bool,
    pub may_approve: bool,
    pub may_withdraw: bool,
}

pub async fn move_detail(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    move_id: &str,
) -> Result<MoveDetail, Failure> {
    let store = &state.store;
    let t = appgov_workflow::moves::load_transition(store, move_id).await?;
    let e = appgov_workflow::moves::evaluate_move(store, &t).await?;
    move_detail_of(state, p, lang, &e).await
}

pub async fn move_detail_of(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    e: &appgov_workflow::moves::Evaluated,
) -> Result<MoveDetail, Failure> {
    let m = &state.messages;
    let t = &e.transition;
    let gates = builtin_gates().map_err(|err| Failure::Internal(err.to_string()))?;
    let gate = t.gate.and_then(|g| gates.iter().find(|x| x.id == g));
    let mut items = Vec::new();
    if let (Some(g), Some(result)) = (gate, &e.result) {
        for gi in &g.items {
            let status = result
                .items
                .iter()
                .find(|(id, _)| id == &gi.id)
                .map(|(_, s)| s);
            // Said in the viewer's language: what met the item, or why it
            // is open (an automatic check's own reason).
            let (met, detail) = match (status, gi.kind) {
                (Some(ItemStatus::Met { .. }), ItemKind::Auto) => {
                    (true, m.get("moves.met_auto", lang).to_string())
                }
                (Some(ItemStatus::Met { .. }), ItemKind::Evidence) => {
                    (true, m.get("moves.met_evidence", lang).to_string())
                }
                (Some(ItemStatus::Met { by }), ItemKind::Attest) => (
                    true,
                    crate::refusal::fill(
                        m.get("moves.met_attest", lang),
                        &[("who", by.strip_prefix("attest:").unwrap_or(by).to_string())],
                    ),
                ),
                (Some(ItemStatus::Open { reason }), ItemKind::Auto) => (
                    false,
                    gi.check
                        .as_deref()
                        .and_then(|c| e.auto_reasons.get(c))
                        .map(|r| pick(lang, &r.zh, &r.en))
                        .unwrap_or_else(|| reason.clone()),
                ),
                (Some(ItemStatus::Open { .. }), ItemKind::Evidence) => {
                    (false, m.get("moves.open_evidence", lang).to_string())
                }
                (Some(ItemStatus::Open { .. }), ItemKind::Attest) => {
                    (false, m.get("moves.open_attest", lang).to_string())
                }
                (None, _) => (false, String::new()),
            };
            let evidence = e
                .records
                .iter()
                .filter(|r| r.item == gi.id && r.kind == "evidence")
                .filter_map(|r| {
                    r.document_sha256.as_ref().map(|d| EvidenceView {
                        sha256: d.clone(),
                        file_name: r.file_name.clone(),
                        recorded_by: r.recorded_by.clone(),
                        recorded_at: r.recorded_at.clone(),
                    })
                })
                .collect();
            let attestation = e
                .records
                .iter()
                .rev()
                .find(|r| r.item == gi.id && r.kind == "attestation");
            let kind = match gi.kind {
                ItemKind::Auto => "auto",
                ItemKind::Evidence => "evidence",
                ItemKind::Attest => "attest",
            };
            items.push(ItemView {
                id: gi.id.clone(),
                kind: kind.into(),
                kind_label: m.get(&format!("item_kind.{kind}"), lang).to_string(),
                title: pick(lang, &gi.title_zh, &gi.title_en),
                articles: gi
                    .articles
                    .iter()
                    .map(|a| match lang {
                        Lang::Zh => format!("第{a}条"),
                        Lang::En => format!("Article {a}"),
                    })
                    .collect(),
                met,
                detail,
                evidence,
                attested_by: attestation.map(|r| r.recorded_by.clone()),
                statement: attestation.and_then(|r| r.statement.clone()),
            });
        }
    }
    let diff = e
        .diff
        .iter()
        .map(|(k, why)| DiffItemView {
            key: k.clone(),
            reason: why.clone(),
            reviewed_by: e
                .records
                .iter()
                .find(|r| r.item == format!("diff:{k}"))
                .map(|r| r.recorded_by.clone()),
        })
        .collect();
    let orgs = state.orgs().await?;
    let org = app_org(&e.app);
    let pending = t.status == TransitionStatus::Pending;
    let mine = requested_by(t, &p.login);
    Ok(MoveDetail {
        summary: move_summary(m, lang, t, &e.app),
        release_id: e.release_id.clone(),
        pending,
        passed: e.passed(),
        items,
        diff,
        approval_comment: t.approval.as_ref().map(|a| a.comment.clone()),
        approval_role: t.approval.as_ref().map(|a| a.role.clone()),
        may_record: pending && p.may(Action::RecordEvidence, org, &orgs.tree),
        may_approve: pending && !mine && p.may(Action::ApproveMove, org, &orgs.tree),
        may_withdraw: pending && mine,
    })
}
