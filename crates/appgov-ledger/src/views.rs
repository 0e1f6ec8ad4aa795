//! Views derived from the whole ledger (issue 4, §5): ledger quality,
//! certificate continuity, filing drift and consolidation candidates, each
//! entry carrying its reasons in Chinese and English.
//!
//! Every view indexes the snapshot once ([`LedgerIndex`], hash maps by app
//! and release id) and then walks each record a bounded number of times:
//! O(n log n) in the ledger's size, never a scan inside a scan. The
//! functional-overlap search is a set-similarity join with prefix filtering
//! (see [`overlaps`]), so apps sharing no rare function are never compared.

use std::collections::{BTreeSet, HashMap, HashSet};

use appgov_checks::detect::in_domain;
use serde::Serialize;

use crate::lifecycle::{AppState, ReleaseState};
use crate::model::*;
use crate::vocab::*;

/// Everything the views read: the whole ledger (or one organisation's
/// part of it), as loaded from the store.
#[derive(Debug, Clone, Default)]
pub struct LedgerSnapshot {
    pub org_nodes: Vec<OrgNode>,
    pub persons: Vec<Person>,
    pub apps: Vec<App>,
    pub identities: Vec<AppIdentity>,
    pub accounts: Vec<PublishingAccount>,
    pub listings: Vec<Listing>,
    pub releases: Vec<Release>,
    pub findings: Vec<ReleaseFinding>,
    pub sdk_usages: Vec<SdkUsage>,
    pub third_parties: Vec<ThirdParty>,
    pub agreements: Vec<Agreement>,
    pub filings: Vec<Filing>,
    pub metrics: Vec<ActivityMetric>,
}

/// Why something is listed: a stable code and the sentence in both
/// languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable, kebab-case (`missing-responsible-person`).
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Reason {
    pub fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Reason {
        Reason {
            code,
            zh: zh.into(),
            en: en.into(),
        }
    }
    /// `中文 / English`, for places that hold one string (gate items).
    pub fn text(&self) -> String {
        format!("{} / {}", self.zh, self.en)
    }
}

/// How many levels of the org tree are walked before a cycle is assumed.
const MAX_ORG_DEPTH: usize = 64;
/// Access reviews of publishing accounts older than this are stale
/// (quarterly review, governance research §10).
pub const ACCESS_REVIEW_DAYS: i64 = 90;
/// Overlapping apps listed per candidate (the total is always given).
pub const MAX_OVERLAPS_LISTED: usize = 20;

/// The snapshot indexed by id, built once per view run.
pub struct LedgerIndex<'a> {
    pub snapshot: &'a LedgerSnapshot,
    /// Apps sorted by id (the order every view reports in).
    pub apps_sorted: Vec<&'a App>,
    pub apps: HashMap<&'a str, &'a App>,
    pub persons: HashSet<&'a str>,
    pub orgs: HashMap<&'a str, &'a OrgNode>,
    pub accounts: HashMap<&'a str, &'a PublishingAccount>,
    pub identities: HashMap<&'a str, Vec<&'a AppIdentity>>,
    pub listings: HashMap<&'a str, Vec<&'a Listing>>,
    pub listings_by_account: HashMap<&'a str, Vec<&'a Listing>>,
    /// Releases of each app, sorted by version code, then id.
    pub releases: HashMap<&'a str, Vec<&'a Release>>,
    pub release_by_id: HashMap<&'a str, &'a Release>,
    pub findings: HashMap<&'a str, Vec<&'a ReleaseFinding>>,
    pub sdks: HashMap<&'a str, Vec<&'a SdkUsage>>,
    /// Agreements covering each app (by `Agreement::app_ids`).
    pub agreements: HashMap<&'a str, Vec<&'a Agreement>>,
    pub filings: HashMap<&'a str, Vec<&'a Filing>>,
    /// Metrics of each app, oldest period first.
    pub metrics: HashMap<&'a str, Vec<&'a ActivityMetric>>,
}

/// Records grouped by a key, each group in id order (so no view depends on
/// the order the store returned rows in).
fn group<'a, T: Entity>(
    items: &'a [T],
    key: impl Fn(&'a T) -> &'a str,
) -> HashMap<&'a str, Vec<&'a T>> {
    let mut m: HashMap<&str, Vec<&T>> = HashMap::new();
    for i in items {
        m.entry(key(i)).or_default().push(i);
    }
    for v in m.values_mut() {
        v.sort_by(|a, b| a.id().cmp(b.id()));
    }
    m
}

impl<'a> LedgerIndex<'a> {
    pub fn new(s: &'a LedgerSnapshot) -> LedgerIndex<'a> {
        let mut apps_sorted: Vec<&App> = s.apps.iter().collect();
        apps_sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let mut releases = group(&s.releases, |r| r.app_id.as_str());
        for v in releases.values_mut() {
            v.sort_by(|a, b| release_order(a, b));
        }
        let mut metrics = group(&s.metrics, |m| m.app_id.as_str());
        for v in metrics.values_mut() {
            v.sort_by(|a, b| {
                period_key(&a.period)
                    .cmp(&period_key(&b.period))
                    .then_with(|| a.period.cmp(&b.period))
                    .then_with(|| a.id.cmp(&b.id))
            });
        }
        let mut agreements: HashMap<&str, Vec<&Agreement>> = HashMap::new();
        let mut sorted: Vec<&Agreement> = s.agreements.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        for a in sorted {
            let mut seen = HashSet::new();
            for app in &a.app_ids {
                if seen.insert(app.as_str()) {
                    agreements.entry(app.as_str()).or_default().push(a);
                }
            }
        }
        let mut listings_by_account: HashMap<&str, Vec<&Listing>> = HashMap::new();
        let mut sorted: Vec<&Listing> = s.listings.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        for l in sorted {
            if let Some(acc) = &l.account_id {
                listings_by_account.entry(acc.as_str()).or_default().push(l);
            }
        }
        LedgerIndex {
            snapshot: s,
            apps_sorted,
            apps: s.apps.iter().map(|a| (a.id.as_str(), a)).collect(),
            persons: s.persons.iter().map(|p| p.id.as_str()).collect(),
            orgs: s.org_nodes.iter().map(|o| (o.id.as_str(), o)).collect(),
            accounts: s.accounts.iter().map(|a| (a.id.as_str(), a)).collect(),
            identities: group(&s.identities, |i| i.app_id.as_str()),
            listings: group(&s.listings, |l| l.app_id.as_str()),
            listings_by_account,
            releases,
            release_by_id: s.releases.iter().map(|r| (r.id.as_str(), r)).collect(),
            findings: group(&s.findings, |f| f.release_id.as_str()),
            sdks: group(&s.sdk_usages, |u| u.release_id.as_str()),
            agreements,
            filings: group(&s.filings, |f| f.app_id.as_str()),
            metrics,
        }
    }

    fn of<'m, T>(m: &'m HashMap<&'a str, Vec<&'a T>>, id: &str) -> &'m [&'a T] {
        m.get(id).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn identities_of(&self, app: &str) -> &[&'a AppIdentity] {
        Self::of(&self.identities, app)
    }
    pub fn listings_of(&self, app: &str) -> &[&'a Listing] {
        Self::of(&self.listings, app)
    }
    pub fn releases_of(&self, app: &str) -> &[&'a Release] {
        Self::of(&self.releases, app)
    }
    pub fn findings_of(&self, release: &str) -> &[&'a ReleaseFinding] {
        Self::of(&self.findings, release)
    }
    pub fn sdks_of(&self, release: &str) -> &[&'a SdkUsage] {
        Self::of(&self.sdks, release)
    }
    pub fn agreements_of(&self, app: &str) -> &[&'a Agreement] {
        Self::of(&self.agreements, app)
    }
    pub fn filings_of(&self, app: &str) -> &[&'a Filing] {
        Self::of(&self.filings, app)
    }
    pub fn metrics_of(&self, app: &str) -> &[&'a ActivityMetric] {
        Self::of(&self.metrics, app)
    }

    /// `org` is `root` or lies below it in the org tree.
    pub fn in_subtree(&self, org: &str, root: &str) -> bool {
        let mut cur = Some(org);
        for _ in 0..MAX_ORG_DEPTH {
            match cur {
                Some(id) if id == root => return true,
                Some(id) => cur = self.orgs.get(id).and_then(|o| o.parent_id.as_deref()),
                None => return false,
            }
        }
        false
    }

    /// The release that stands for the app now: the latest live one, else
    /// the latest in gray, approved, in test or analysed (by version code,
    /// then id).
    pub fn current_release(&self, app: &str) -> Option<&'a Release> {
        current_release(self.releases_of(app).iter().copied())
    }
}

/// Order of releases of one app: version code (unknown first), then id.
fn release_order(a: &Release, b: &Release) -> std::cmp::Ordering {
    a.version_code
        .cmp(&b.version_code)
        .then_with(|| a.id.cmp(&b.id))
}

/// The release that stands for an app now, among its releases: the latest
/// live, else the latest gray, approved, in test or analysed.
pub fn current_release<'a>(releases: impl Iterator<Item = &'a Release>) -> Option<&'a Release> {
    let mut live: Option<&Release> = None;
    let mut other: Option<&Release> = None;
    for r in releases {
        let slot = match r.state {
            ReleaseState::Live => &mut live,
            ReleaseState::Gray
            | ReleaseState::Approved
            | ReleaseState::InTest
            | ReleaseState::Analysed => &mut other,
            _ => continue,
        };
        if slot.is_none_or(|s| release_order(s, r).is_lt()) {
            *slot = Some(r);
        }
    }
    live.or(other)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn day_number(date: &str) -> Option<i64> {
    if !is_date(date) {
        return None;
    }
    let y: i64 = date[0..4].parse().ok()?;
    let m: i64 = date[5..7].parse().ok()?;
    let d: i64 = date[8..10].parse().ok()?;
    // Howard Hinnant's days-from-civil, written out for the ledger's dates.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// A metric period as (year, last month of the period): `2026-03` →
/// (2026, 3), `2026-Q2` → (2026, 6). Unreadable periods sort first.
pub fn period_key(p: &str) -> (u32, u32) {
    let Some((y, rest)) = p.split_once('-') else {
        return (0, 0);
    };
    let Ok(y) = y.parse::<u32>() else {
        return (0, 0);
    };
    let m = match rest {
        "Q1" => 3,
        "Q2" => 6,
        "Q3" => 9,
        "Q4" => 12,
        m => m
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .unwrap_or(0),
    };
    (y, m)
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Forms whose package is signed with a certificate the identity records.
pub fn signed_platform(p: Platform) -> bool {
    matches!(p, Platform::Android | Platform::Ios | Platform::Harmony)
}

/// Forms the MIIT app filing covers: apps, mini programs and quick apps
/// (official accounts and H5 pages fall under website rules instead).
pub fn needs_miit_filing(form: AppForm) -> bool {
    !matches!(form, AppForm::OfficialAccount | AppForm::H5)
}

/// Serving users: live, or out there while under review or suspended.
pub fn is_live(state: AppState) -> bool {
    matches!(
        state,
        AppState::Live | AppState::UnderReview | AppState::Suspended
    )
}

fn is_active(state: AppState) -> bool {
    !matches!(
        state,
        AppState::Rejected | AppState::Retired | AppState::Archived
    )
}

fn customer_facing(seg: Option<UserSegment>) -> bool {
    // Unknown segment counts as customer-facing: the safer assumption.
    !matches!(seg, Some(UserSegment::Staff) | Some(UserSegment::Partner))
}

// ---------------------------------------------------------------- quality

/// One problem of a ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityIssue {
    #[serde(flatten)]
    pub reason: Reason,
    /// The record the issue is about, when not the app itself
    /// (`listing`, `publishing_account`, `app_identity`).
    pub object_kind: Option<&'static str>,
    pub object_id: Option<String>,
}

/// The issues of one app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppQuality {
    pub app_id: String,
    pub app_name: String,
    pub state: AppState,
    pub issues: Vec<QualityIssue>,
}

fn issue(code: &'static str, zh: String, en: String) -> QualityIssue {
    QualityIssue {
        reason: Reason::new(code, zh, en),
        object_kind: None,
        object_id: None,
    }
}

fn issue_on(
    kind: &'static str,
    id: &str,
    code: &'static str,
    zh: String,
    en: String,
) -> QualityIssue {
    QualityIssue {
        reason: Reason::new(code, zh, en),
        object_kind: Some(kind),
        object_id: Some(id.to_string()),
    }
}

/// Ledger quality (articles 2, 3, 8, 11, 16): for every app that is not
/// rejected, retired or archived, what its entry lacks or gets wrong.
/// Apps without issues are left out. `today` dates access reviews.
pub fn ledger_quality(snapshot: &LedgerSnapshot, today: &str) -> Vec<AppQuality> {
    let ix = LedgerIndex::new(snapshot);
    ledger_quality_indexed(&ix, today)
}

pub fn ledger_quality_indexed(ix: &LedgerIndex<'_>, today: &str) -> Vec<AppQuality> {
    let today_n = day_number(today);
    let mut out = Vec::new();
    for app in &ix.apps_sorted {
        if !is_active(app.state) {
            continue;
        }
        let issues = app_quality(ix, app, today_n);
        if !issues.is_empty() {
            out.push(AppQuality {
                app_id: app.id.clone(),
                app_name: app.name.clone(),
                state: app.state,
                issues,
            });
        }
    }
    out
}

fn app_quality(ix: &LedgerIndex<'_>, app: &App, today: Option<i64>) -> Vec<QualityIssue> {
    let mut v = Vec::new();
    let live = is_live(app.state);
    let admitted = app.state != AppState::Proposed;
    let developed = matches!(
        app.state,
        AppState::InDevelopment
            | AppState::Live
            | AppState::UnderReview
            | AppState::Suspended
            | AppState::Retiring
    );

    match &app.operator_id {
        None => v.push(issue(
            "missing-operator",
            "未登记运营机构".into(),
            "No operating institution recorded".into(),
        )),
        Some(o) if !ix.orgs.contains_key(o.as_str()) => v.push(issue(
            "dangling-operator",
            format!("运营机构 {o} 不在组织架构中"),
            format!("Operating institution {o} is not in the organisation tree"),
        )),
        _ => {}
    }
    match &app.department_id {
        None => v.push(issue(
            "missing-department",
            "未登记牵头部门（第三条）".into(),
            "No lead department recorded (article 3)".into(),
        )),
        Some(d) if !ix.orgs.contains_key(d.as_str()) => v.push(issue(
            "dangling-department",
            format!("牵头部门 {d} 不在组织架构中"),
            format!("Lead department {d} is not in the organisation tree"),
        )),
        _ => {}
    }
    let people = [
        (
            &app.responsible_person_id,
            "missing-responsible-person",
            "责任人",
            "responsible person",
            "dangling-responsible-person",
            true,
        ),
        (
            &app.tech_owner_id,
            "missing-tech-owner",
            "技术负责人",
            "technical owner",
            "dangling-tech-owner",
            admitted,
        ),
        (
            &app.security_owner_id,
            "missing-security-owner",
            "安全负责人",
            "security owner",
            "dangling-security-owner",
            admitted,
        ),
        (
            &app.data_owner_id,
            "missing-data-owner",
            "数据负责人",
            "data owner",
            "dangling-data-owner",
            admitted,
        ),
    ];
    for (id, missing, zh, en, dangling, required) in people {
        match id {
            None if required => v.push(issue(
                missing,
                format!("未登记{zh}（第三条）"),
                format!("No {en} recorded (article 3)"),
            )),
            Some(p) if !ix.persons.contains(p.as_str()) => v.push(issue(
                dangling,
                format!("{zh} {p} 不在人员名录中"),
                format!("The {en} {p} is not in the people register"),
            )),
            _ => {}
        }
    }

    let identities = ix.identities_of(&app.id);
    if developed && identities.is_empty() {
        v.push(issue(
            "no-identity",
            "未登记平台标识（包名、Bundle ID 或 AppID）".into(),
            "No platform identity recorded (package name, Bundle ID or AppID)".into(),
        ));
    }
    for i in identities {
        if signed_platform(i.platform) && i.certificates.is_empty() {
            v.push(issue_on(
                "app_identity",
                &i.id,
                "identity-without-certificate",
                format!("平台标识 {} 未登记签名证书", i.identifier),
                format!(
                    "Identity {} has no signing certificate recorded",
                    i.identifier
                ),
            ));
        }
        if i.platform != app.form.platform() {
            v.push(issue_on(
                "app_identity",
                &i.id,
                "identity-platform-mismatch",
                format!(
                    "平台标识 {} 属于{}，与应用形态（{}）不符",
                    i.identifier,
                    i.platform.label_zh(),
                    app.form.label_zh()
                ),
                format!(
                    "Identity {} is on {}, which does not fit the app's form ({})",
                    i.identifier,
                    i.platform.label_en(),
                    app.form.label_en()
                ),
            ));
        }
    }

    let filings = ix.filings_of(&app.id);
    let has_filing = |kind: FilingKind, states: &[FilingState]| {
        filings
            .iter()
            .any(|f| f.kind == kind && states.contains(&f.state))
    };
    if live
        && needs_miit_filing(app.form)
        && !has_filing(FilingKind::MiitApp, &[FilingState::Approved])
    {
        v.push(issue(
            "no-miit-filing",
            "已上线但无已通过的 App 备案（第十一条）".into(),
            "Live without an approved MIIT app filing (article 11)".into(),
        ));
    }
    if live
        && app.important_system
        && !has_filing(
            FilingKind::ImportantSystem,
            &[FilingState::Submitted, FilingState::Approved],
        )
    {
        v.push(issue(
            "no-important-system-report",
            "重要信息系统已上线但未报告（第十一条）".into(),
            "Important information system live without its report (article 11)".into(),
        ));
    }
    if live && app.important_system && app.mlps_level.is_none() {
        v.push(issue(
            "missing-mlps-level",
            "重要信息系统未登记等级保护级别".into(),
            "Important information system without an MLPS level".into(),
        ));
    }
    if live && app.user_segment.is_none() {
        v.push(issue(
            "missing-user-segment",
            "未登记服务对象".into(),
            "No user segment recorded".into(),
        ));
    }
    if live && customer_facing(app.user_segment) {
        if blank(&app.privacy_policy_url) {
            v.push(issue(
                "missing-privacy-policy",
                "面向客户的应用未登记隐私政策链接（第十六条）".into(),
                "Customer-facing app without a privacy policy URL (article 16)".into(),
            ));
        }
        if blank(&app.complaint_channel) {
            v.push(issue(
                "missing-complaint-channel",
                "面向客户的应用未登记投诉渠道".into(),
                "Customer-facing app without a complaint channel".into(),
            ));
        }
    }
    if live && ix.metrics_of(&app.id).is_empty() {
        v.push(issue(
            "no-activity-metrics",
            "已上线但无活跃度数据（第二条）".into(),
            "Live without activity metrics (article 2)".into(),
        ));
    }

    let mut accounts_seen = BTreeSet::new();
    for l in ix.listings_of(&app.id) {
        if l.state == ListingState::Delisted {
            continue;
        }
        v.extend(listing_issues(ix, app, l));
        if let Some(acc) = l.account_id.as_deref().and_then(|a| ix.accounts.get(a))
            && accounts_seen.insert(acc.id.as_str())
        {
            v.extend(account_issues(ix, acc, today));
        }
    }
    v
}

/// What is wrong with one listing that is not delisted (article 8: the
/// institution publishes through accounts it holds itself).
pub fn listing_issues(ix: &LedgerIndex<'_>, app: &App, l: &Listing) -> Vec<QualityIssue> {
    let mut v = Vec::new();
    let ch_zh = l.channel.label_zh();
    let ch_en = l.channel.label_en();
    let Some(acc_id) = l.account_id.as_deref() else {
        v.push(issue_on(
            "listing",
            &l.id,
            "listing-without-account",
            format!("{ch_zh}上架未通过本机构登记的发布账号（第八条）"),
            format!("The {ch_en} listing is not through a publishing account the institution recorded (article 8)"),
        ));
        return v;
    };
    let Some(acc) = ix.accounts.get(acc_id) else {
        v.push(issue_on(
            "listing",
            &l.id,
            "dangling-account",
            format!("{ch_zh}上架所用账号 {acc_id} 不在账号台账中"),
            format!("The {ch_en} listing names account {acc_id}, which is not in the ledger"),
        ));
        return v;
    };
    let own = match (acc.holder_org_id.as_deref(), app.operator_id.as_deref()) {
        (Some(h), Some(op)) => ix.in_subtree(h, op),
        _ => false,
    };
    if !own {
        v.push(issue_on(
            "listing",
            &l.id,
            "account-not-own",
            format!(
                "{ch_zh}发布账号 {} 的持有人（{}）不是运营机构本身（第八条）",
                acc.account_name, acc.holder
            ),
            format!(
                "The {ch_en} publishing account {} is held by {}, not by the operating institution (article 8)",
                acc.account_name, acc.holder
            ),
        ));
    }
    if acc.channel != l.channel {
        v.push(issue_on(
            "listing",
            &l.id,
            "account-channel-mismatch",
            format!("{ch_zh}上架使用了{}的账号", acc.channel.label_zh()),
            format!(
                "The {ch_en} listing uses an account on {}",
                acc.channel.label_en()
            ),
        ));
    }
    if acc.status == AccountStatus::Closed {
        v.push(issue_on(
            "listing",
            &l.id,
            "account-closed",
            format!("{ch_zh}上架所用账号 {} 已注销", acc.account_name),
            format!(
                "The {ch_en} listing's account {} is closed",
                acc.account_name
            ),
        ));
    }
    v
}

/// Publishing-account hygiene: two-factor sign-in and an access review
/// within [`ACCESS_REVIEW_DAYS`] of `today`.
pub fn account_issues(
    ix: &LedgerIndex<'_>,
    acc: &PublishingAccount,
    today: Option<i64>,
) -> Vec<QualityIssue> {
    let mut v = Vec::new();
    let name = &acc.account_name;
    if acc.status == AccountStatus::Closed {
        return v;
    }
    if !acc.two_factor {
        v.push(issue_on(
            "publishing_account",
            &acc.id,
            "account-without-2fa",
            format!("发布账号 {name} 未启用双因素认证"),
            format!("Publishing account {name} has no two-factor sign-in"),
        ));
    }
    match (acc.last_access_review.as_deref(), today) {
        (None, _) => v.push(issue_on(
            "publishing_account",
            &acc.id,
            "account-never-reviewed",
            format!("发布账号 {name} 未记录访问权限复核"),
            format!("Publishing account {name} has no access review recorded"),
        )),
        (Some(d), Some(t)) => match day_number(d) {
            Some(n) if t - n > ACCESS_REVIEW_DAYS => v.push(issue_on(
                "publishing_account",
                &acc.id,
                "account-review-stale",
                format!(
                    "发布账号 {name} 上次访问权限复核为 {d}，已超过 {ACCESS_REVIEW_DAYS} 天"
                ),
                format!(
                    "Publishing account {name} was last access-reviewed on {d}, more than {ACCESS_REVIEW_DAYS} days ago"
                ),
            )),
            Some(_) => {}
            None => v.push(issue_on(
                "publishing_account",
                &acc.id,
                "account-review-date-invalid",
                format!("发布账号 {name} 的复核日期 {d:?} 不是日期"),
                format!("Publishing account {name}'s review date {d:?} is not a date"),
            )),
        },
        (Some(_), None) => {}
    }
    if let Some(p) = &acc.admin_person_id
        && !ix.persons.contains(p.as_str())
    {
        v.push(issue_on(
            "publishing_account",
            &acc.id,
            "dangling-account-admin",
            format!("发布账号 {name} 的管理员 {p} 不在人员名录中"),
            format!("Publishing account {name}'s administrator {p} is not in the people register"),
        ));
    }
    v
}

// ----------------------------------------------------- certificate continuity

/// What kind of break in an app's signing identity a release shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContinuityKind {
    /// Signed by a certificate the identity does not know: repackaging,
    /// a misused channel, or a lost key replaced without record.
    UnknownCertificate,
    /// The release's package name / Bundle ID is none of the app's.
    UnknownIdentifier,
    /// The app records no identity on the release's platform: nothing to
    /// check against.
    NoIdentity,
    /// The release records no signing certificate at all.
    Unsigned,
}

/// A release whose signing identity does not continue the app's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContinuityAlert {
    pub app_id: String,
    pub app_name: Option<String>,
    pub release_id: String,
    pub release_state: ReleaseState,
    pub platform: Platform,
    pub identifier: String,
    pub version_name: Option<String>,
    pub kind: ContinuityKind,
    /// The release's certificates no matching identity knows.
    pub unknown_certificates: Vec<String>,
    /// The certificates the app's identities expect.
    pub expected_certificates: Vec<String>,
    /// The identifiers the app is known by on this platform.
    pub known_identifiers: Vec<String>,
    pub reason: Reason,
}

/// Certificate continuity: every release (whatever its state, which the
/// alert carries) checked against the app's identities.
pub fn certificate_continuity(snapshot: &LedgerSnapshot) -> Vec<ContinuityAlert> {
    let ix = LedgerIndex::new(snapshot);
    certificate_continuity_indexed(&ix)
}

pub fn certificate_continuity_indexed(ix: &LedgerIndex<'_>) -> Vec<ContinuityAlert> {
    let mut releases: Vec<&Release> = ix.snapshot.releases.iter().collect();
    releases.sort_by(|a, b| a.app_id.cmp(&b.app_id).then_with(|| release_order(a, b)));
    releases
        .into_iter()
        .filter_map(|r| {
            let name = ix.apps.get(r.app_id.as_str()).map(|a| a.name.as_str());
            release_continuity(r, name, ix.identities_of(&r.app_id))
        })
        .collect()
}

/// One release against its app's identities: `None` when every signer is
/// known to an identity with the release's platform and identifier.
pub fn release_continuity(
    r: &Release,
    app_name: Option<&str>,
    identities: &[&AppIdentity],
) -> Option<ContinuityAlert> {
    let on_platform: Vec<&AppIdentity> = identities
        .iter()
        .copied()
        .filter(|i| i.platform == r.platform)
        .collect();
    let matching: Vec<&AppIdentity> = on_platform
        .iter()
        .copied()
        .filter(|i| i.identifier.trim() == r.identifier.trim())
        .collect();
    let known_identifiers: Vec<String> = on_platform
        .iter()
        .map(|i| i.identifier.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let expected: Vec<String> = (if matching.is_empty() {
        &on_platform
    } else {
        &matching
    })
    .iter()
    .flat_map(|i| i.certificates.iter().map(|c| c.sha256.to_ascii_lowercase()))
    .collect::<BTreeSet<_>>()
    .into_iter()
    .collect();
    let alert = |kind, unknown: Vec<String>, reason| ContinuityAlert {
        app_id: r.app_id.clone(),
        app_name: app_name.map(str::to_string),
        release_id: r.id.clone(),
        release_state: r.state,
        platform: r.platform,
        identifier: r.identifier.clone(),
        version_name: r.version_name.clone(),
        kind,
        unknown_certificates: unknown,
        expected_certificates: expected.clone(),
        known_identifiers: known_identifiers.clone(),
        reason,
    };
    let ver = r.version_name.as_deref().unwrap_or("?");
    if on_platform.is_empty() {
        return Some(alert(
            ContinuityKind::NoIdentity,
            r.signer_sha256.clone(),
            Reason::new(
                "no-identity-to-check",
                format!(
                    "版本 {ver}（{}）无法核对：应用未登记{}平台标识与证书",
                    r.identifier,
                    r.platform.label_zh()
                ),
                format!(
                    "Release {ver} ({}) cannot be checked: the app records no {} identity or certificate",
                    r.identifier,
                    r.platform.label_en()
                ),
            ),
        ));
    }
    if matching.is_empty() {
        return Some(alert(
            ContinuityKind::UnknownIdentifier,
            r.signer_sha256.clone(),
            Reason::new(
                "unknown-identifier",
                format!(
                    "版本 {ver} 的标识 {} 不是该应用登记的标识（{}）：疑似仿冒或误归属",
                    r.identifier,
                    known_identifiers.join("、")
                ),
                format!(
                    "Release {ver} is {}, none of the app's identifiers ({}): a counterfeit or a misfiled package",
                    r.identifier,
                    known_identifiers.join(", ")
                ),
            ),
        ));
    }
    if !signed_platform(r.platform) {
        return None;
    }
    if r.signer_sha256.is_empty() {
        return Some(alert(
            ContinuityKind::Unsigned,
            Vec::new(),
            Reason::new(
                "unsigned-release",
                format!("版本 {ver}（{}）未记录签名证书", r.identifier),
                format!(
                    "Release {ver} ({}) records no signing certificate",
                    r.identifier
                ),
            ),
        ));
    }
    let unknown: Vec<String> = r
        .signer_sha256
        .iter()
        .filter(|s| !matching.iter().any(|i| knows(i, s)))
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if unknown.is_empty() {
        return None;
    }
    let expected_text = if expected.is_empty() {
        (
            "（该标识未登记任何证书）".to_string(),
            "(the identity records no certificate)".to_string(),
        )
    } else {
        (expected.join("、"), expected.join(", "))
    };
    Some(alert(
        ContinuityKind::UnknownCertificate,
        unknown.clone(),
        Reason::new(
            "unknown-certificate",
            format!(
                "警告：版本 {ver}（{}）由未登记的证书 {} 签名，登记的证书为 {}——可能被重新打包或签名密钥遗失",
                r.identifier,
                unknown.join("、"),
                expected_text.0
            ),
            format!(
                "ALERT: release {ver} ({}) is signed by unrecorded certificate {}; the recorded certificates are {} — repackaging or a lost signing key",
                r.identifier,
                unknown.join(", "),
                expected_text.1
            ),
        ),
    ))
}

fn knows(i: &AppIdentity, sha: &str) -> bool {
    i.certificates
        .iter()
        .any(|c| c.sha256.eq_ignore_ascii_case(sha))
}

// ------------------------------------------------------------ filing drift

/// One filed fact that differs from the current release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftItem {
    /// `identifier`, `signer`, `domains`, `sdks`, `version`.
    pub field: &'static str,
    pub filed: Vec<String>,
    pub current: Vec<String>,
    /// In the release, not filed.
    pub added: Vec<String>,
    /// Filed, not in the release.
    pub removed: Vec<String>,
    /// Whether the filing must be changed (everything except the version,
    /// which filings record for information).
    pub material: bool,
    pub reason: Reason,
}

/// An approved filing against the app's current release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilingDrift {
    pub app_id: String,
    pub app_name: String,
    pub filing_id: String,
    pub filing_kind: FilingKind,
    pub filing_number: Option<String>,
    pub release_id: String,
    pub release_version: Option<String>,
    pub items: Vec<DriftItem>,
    /// What could not be compared, and why.
    pub not_comparable: Vec<Reason>,
}

impl FilingDrift {
    /// The filing must be amended.
    pub fn material(&self) -> bool {
        self.items.iter().any(|i| i.material)
    }
}

/// Filing drift: every approved filing of every app with a current
/// release, compared with it. Filings that match (and can be compared)
/// are left out.
pub fn filing_drift(snapshot: &LedgerSnapshot) -> Vec<FilingDrift> {
    let ix = LedgerIndex::new(snapshot);
    filing_drift_indexed(&ix)
}

pub fn filing_drift_indexed(ix: &LedgerIndex<'_>) -> Vec<FilingDrift> {
    let mut out = Vec::new();
    for app in &ix.apps_sorted {
        let Some(release) = ix.current_release(&app.id) else {
            continue;
        };
        let sdks = ix.sdks_of(&release.id);
        let mut filings: Vec<&Filing> = ix
            .filings_of(&app.id)
            .iter()
            .copied()
            .filter(|f| f.state == FilingState::Approved)
            .collect();
        filings.sort_by(|a, b| a.id.cmp(&b.id));
        for f in filings {
            let d = compare_filing(app, f, release, sdks);
            if !d.items.is_empty() || !d.not_comparable.is_empty() {
                out.push(d);
            }
        }
    }
    out
}

fn norm_domain(d: &str) -> String {
    d.trim()
        .trim_start_matches("*.")
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// SDK names compare without case, spaces, `-`, `_` — and an SDK usage
/// answers to its catalog id and each of its names (`友盟+ / Umeng`).
fn sdk_keys(u: &SdkUsage) -> Vec<String> {
    let mut k = vec![fold(&u.sdk), fold(&u.name)];
    k.extend(u.name.split(" / ").map(fold));
    k.retain(|s| !s.is_empty());
    k
}

fn diff_sets(filed: &BTreeSet<String>, current: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (
        current.difference(filed).cloned().collect(),
        filed.difference(current).cloned().collect(),
    )
}

/// One filing's facts against one release (and its SDK usages).
pub fn compare_filing(app: &App, f: &Filing, r: &Release, sdks: &[&SdkUsage]) -> FilingDrift {
    let filed = &f.filed;
    let mut items = Vec::new();
    let mut notes = Vec::new();
    let num = f.number.as_deref().unwrap_or("-");

    if let Some(id) = filed
        .identifier
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        && id != r.identifier.trim()
    {
        items.push(DriftItem {
            field: "identifier",
            filed: vec![id.to_string()],
            current: vec![r.identifier.clone()],
            added: vec![r.identifier.clone()],
            removed: vec![id.to_string()],
            material: true,
            reason: Reason::new(
                "drift-identifier",
                format!("备案（{num}）的标识为 {id}，当前版本为 {}", r.identifier),
                format!(
                    "Filing {num} names {id}; the current release is {}",
                    r.identifier
                ),
            ),
        });
    }

    if !filed.signer_sha256.is_empty() {
        let fs: BTreeSet<String> = filed
            .signer_sha256
            .iter()
            .map(|s| s.trim().to_ascii_lowercase())
            .collect();
        let cs: BTreeSet<String> = r
            .signer_sha256
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        if fs != cs {
            let (added, removed) = diff_sets(&fs, &cs);
            items.push(DriftItem {
                field: "signer",
                filed: fs.iter().cloned().collect(),
                current: cs.iter().cloned().collect(),
                reason: Reason::new(
                    "drift-signer",
                    format!(
                        "签名证书与备案（{num}）不一致：新增 {}，备案有而当前无 {}",
                        list_zh(&added),
                        list_zh(&removed)
                    ),
                    format!(
                        "Signing certificates differ from filing {num}: added {}, filed but absent {}",
                        list_en(&added),
                        list_en(&removed)
                    ),
                ),
                added,
                removed,
                material: true,
            });
        }
    } else if !filed.signer_md5.is_empty() {
        notes.push(Reason::new(
            "signer-md5-not-comparable",
            format!(
                "备案（{num}）只记载了签名 MD5，台账的版本记录证书 SHA-256，无法比对签名；请在备案事实中补充证书 SHA-256"
            ),
            format!(
                "Filing {num} records only the signature MD5 and the ledger keeps certificate SHA-256 on releases, so the signer cannot be compared; add the certificate SHA-256 to the filed facts"
            ),
        ));
    }

    if !filed.domains.is_empty() {
        let fd: BTreeSet<String> = filed
            .domains
            .iter()
            .map(|d| norm_domain(d))
            .filter(|d| !d.is_empty())
            .collect();
        if r.domains.is_empty() {
            notes.push(Reason::new(
                "domains-not-recorded",
                "当前版本未记录自身代码访问的域名（未分析字节码或确无），无法比对备案域名".to_string(),
                "The current release records no domains of its own code (bytecode not analysed, or none), so filed domains cannot be compared".to_string(),
            ));
        } else {
            let hosts: BTreeSet<String> = r.domains.iter().map(|d| norm_domain(d)).collect();
            let added: Vec<String> = hosts
                .iter()
                .filter(|h| !fd.iter().any(|f| in_domain(h, f)))
                .cloned()
                .collect();
            let removed: Vec<String> = fd
                .iter()
                .filter(|f| !hosts.iter().any(|h| in_domain(h, f)))
                .cloned()
                .collect();
            if !added.is_empty() || !removed.is_empty() {
                items.push(DriftItem {
                    field: "domains",
                    filed: fd.iter().cloned().collect(),
                    current: hosts.iter().cloned().collect(),
                    reason: Reason::new(
                        "drift-domains",
                        format!(
                            "域名与备案（{num}）不一致：未备案 {}，备案而未使用 {}",
                            list_zh(&added),
                            list_zh(&removed)
                        ),
                        format!(
                            "Domains differ from filing {num}: not filed {}, filed but unused {}",
                            list_en(&added),
                            list_en(&removed)
                        ),
                    ),
                    added,
                    removed,
                    material: true,
                });
            }
        }
    }

    if !filed.sdks.is_empty() {
        let filed_keys: Vec<(String, &String)> = filed.sdks.iter().map(|s| (fold(s), s)).collect();
        let added: Vec<String> = sdks
            .iter()
            .filter(|u| {
                let keys = sdk_keys(u);
                !filed_keys.iter().any(|(k, _)| keys.contains(k))
            })
            .map(|u| u.sdk.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let all_keys: HashSet<String> = sdks.iter().flat_map(|u| sdk_keys(u)).collect();
        let removed: Vec<String> = filed_keys
            .iter()
            .filter(|(k, _)| !all_keys.contains(k))
            .map(|(_, s)| (*s).clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !added.is_empty() || !removed.is_empty() {
            items.push(DriftItem {
                field: "sdks",
                filed: filed.sdks.clone(),
                current: sdks
                    .iter()
                    .map(|u| u.sdk.clone())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                reason: Reason::new(
                    "drift-sdks",
                    format!(
                        "SDK 与备案（{num}）不一致：新增 {}，备案有而当前无 {}",
                        list_zh(&added),
                        list_zh(&removed)
                    ),
                    format!(
                        "SDKs differ from filing {num}: added {}, filed but absent {}",
                        list_en(&added),
                        list_en(&removed)
                    ),
                ),
                added,
                removed,
                material: true,
            });
        }
    }

    if let Some(fv) = filed
        .version_name
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        && Some(fv) != r.version_name.as_deref()
    {
        let cur = r.version_name.clone().unwrap_or_default();
        items.push(DriftItem {
            field: "version",
            filed: vec![fv.to_string()],
            current: vec![cur.clone()],
            added: vec![cur.clone()],
            removed: vec![fv.to_string()],
            material: false,
            reason: Reason::new(
                "drift-version",
                format!("备案（{num}）时版本为 {fv}，当前为 {cur}（仅供核对）"),
                format!("Filing {num} was made for version {fv}; the current one is {cur} (for information)"),
            ),
        });
    }

    FilingDrift {
        app_id: app.id.clone(),
        app_name: app.name.clone(),
        filing_id: f.id.clone(),
        filing_kind: f.kind,
        filing_number: f.number.clone(),
        release_id: r.id.clone(),
        release_version: r.version_name.clone(),
        items,
        not_comparable: notes,
    }
}

fn list_zh(v: &[String]) -> String {
    if v.is_empty() {
        "无".into()
    } else {
        v.join("、")
    }
}

fn list_en(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

// ------------------------------------------------- consolidation candidates

/// Thresholds of the consolidation review (article 2: low activity, poor
/// experience, duplicated functions, high risk). The defaults are a
/// starting point; institutions set their own.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsolidationRules {
    /// Monthly active users below this in the latest period: low activity.
    pub min_monthly_active_users: i64,
    /// A fall of at least this share of MAU from the period before (0.5 =
    /// halved): activity collapsing.
    pub max_activity_drop: f64,
    /// Average store rating below this: poor experience.
    pub min_rating: f64,
    /// More complaints than this in the latest period.
    pub max_complaints: i64,
    /// Two live apps of the same form and user segment overlap when the
    /// Jaccard similarity of their normalised function names (case, space,
    /// punctuation ignored) is at least this (clamped to 0.01–1).
    pub overlap_jaccard: f64,
    /// More open high or critical findings than this on the current
    /// release: high risk.
    pub max_high_findings: i64,
}

impl Default for ConsolidationRules {
    fn default() -> Self {
        ConsolidationRules {
            min_monthly_active_users: 5_000,
            max_activity_drop: 0.5,
            min_rating: 3.0,
            max_complaints: 50,
            overlap_jaccard: 0.5,
            max_high_findings: 0,
        }
    }
}

/// Another live app with overlapping functions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlap {
    pub app_id: String,
    pub app_name: String,
    /// Jaccard similarity of the function sets, 0–1.
    pub similarity: f64,
    pub shared_functions: Vec<String>,
}

/// A live app the consolidation review should look at, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsolidationCandidate {
    pub app_id: String,
    pub app_name: String,
    pub reasons: Vec<Reason>,
    /// Up to [`MAX_OVERLAPS_LISTED`] overlapping apps, most similar first.
    pub overlaps: Vec<Overlap>,
    /// How many live apps overlap in all.
    pub overlaps_total: usize,
}

/// Consolidation candidates among live apps (live or under review).
pub fn consolidation_candidates(
    snapshot: &LedgerSnapshot,
    rules: &ConsolidationRules,
) -> Vec<ConsolidationCandidate> {
    let ix = LedgerIndex::new(snapshot);
    consolidation_candidates_indexed(&ix, rules)
}

pub fn consolidation_candidates_indexed(
    ix: &LedgerIndex<'_>,
    rules: &ConsolidationRules,
) -> Vec<ConsolidationCandidate> {
    let live: Vec<&App> = ix
        .apps_sorted
        .iter()
        .copied()
        .filter(|a| matches!(a.state, AppState::Live | AppState::UnderReview))
        .collect();
    let overlap = overlaps(&live, rules.overlap_jaccard);
    let mut out = Vec::new();
    for (n, app) in live.iter().enumerate() {
        let mut reasons = activity_reasons(ix.metrics_of(&app.id), rules);
        if let Some(r) = ix.current_release(&app.id)
            && r.findings_high > rules.max_high_findings
        {
            let v = r.version_name.as_deref().unwrap_or("?");
            reasons.push(Reason::new(
                "high-risk",
                format!(
                    "当前版本 {v} 有 {} 个未关闭的严重或高危问题",
                    r.findings_high
                ),
                format!(
                    "The current release {v} has {} open critical or high findings",
                    r.findings_high
                ),
            ));
        }
        let (listed, total) = overlap.partners(&live, n);
        if total > 0 {
            let names: Vec<&str> = listed.iter().map(|o| o.app_name.as_str()).collect();
            let more = total - listed.len();
            let (mzh, men) = if more > 0 {
                (format!("等 {total} 个"), format!(" and {more} more"))
            } else {
                (String::new(), String::new())
            };
            reasons.push(Reason::new(
                "functional-overlap",
                format!("与同类已上线应用功能重复：{}{mzh}", names.join("、")),
                format!(
                    "Functions overlap with live apps of the same form and users: {}{men}",
                    names.join(", ")
                ),
            ));
        }
        if !reasons.is_empty() {
            out.push(ConsolidationCandidate {
                app_id: app.id.clone(),
                app_name: app.name.clone(),
                reasons,
                overlaps: listed,
                overlaps_total: total,
            });
        }
    }
    out
}

fn activity_reasons(metrics: &[&ActivityMetric], rules: &ConsolidationRules) -> Vec<Reason> {
    let mut v = Vec::new();
    let mut with_mau = metrics
        .iter()
        .rev()
        .filter_map(|m| m.monthly_active_users.map(|u| (m.period.as_str(), u)));
    if let Some((p, mau)) = with_mau.next() {
        if mau < rules.min_monthly_active_users {
            v.push(Reason::new(
                "low-activity",
                format!("{p} 月活 {mau}，低于 {}", rules.min_monthly_active_users),
                format!(
                    "{mau} monthly active users in {p}, below {}",
                    rules.min_monthly_active_users
                ),
            ));
        }
        if let Some((pp, prev)) = with_mau.next()
            && prev > 0
        {
            let drop = 1.0 - mau as f64 / prev as f64;
            if drop >= rules.max_activity_drop {
                let pct = (drop * 100.0).round();
                v.push(Reason::new(
                    "falling-activity",
                    format!("月活由 {pp} 的 {prev} 降至 {p} 的 {mau}（下降 {pct}%）"),
                    format!("Monthly active users fell from {prev} in {pp} to {mau} in {p} ({pct}% down)"),
                ));
            }
        }
    }
    if let Some((p, rating)) = metrics
        .iter()
        .rev()
        .find_map(|m| m.rating.map(|r| (&m.period, r)))
        && rating < rules.min_rating
    {
        v.push(Reason::new(
            "poor-rating",
            format!("{p} 应用商店评分 {rating:.1}，低于 {:.1}", rules.min_rating),
            format!(
                "Store rating {rating:.1} in {p}, below {:.1}",
                rules.min_rating
            ),
        ));
    }
    if let Some((p, c)) = metrics
        .iter()
        .rev()
        .find_map(|m| m.complaints.map(|c| (&m.period, c)))
        && c > rules.max_complaints
    {
        v.push(Reason::new(
            "many-complaints",
            format!("{p} 投诉 {c} 件，超过 {}", rules.max_complaints),
            format!("{c} complaints in {p}, more than {}", rules.max_complaints),
        ));
    }
    v
}

/// A function name as compared: lower case, letters and digits only (so
/// `Fund transfer`, `fund-transfer` and `转账 ` are each one name).
pub fn normalise_function(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The result of the overlap join: for each app (index into the slice
/// given to [`overlaps`]), its set of functions and the sets it overlaps.
#[derive(Debug, Default)]
pub struct Overlaps {
    joins: Vec<GroupJoin>,
    /// App index → (join, distinct set).
    of_app: HashMap<usize, (usize, usize)>,
}

/// One (form, segment) group after the join.
#[derive(Debug, Default)]
struct GroupJoin {
    names: Vec<String>,
    /// Distinct function sets (name ids, sorted).
    sets: Vec<Vec<u32>>,
    /// Apps with each set, in index order.
    members: Vec<Vec<usize>>,
    /// Overlapping sets of each set with the similarity, most similar
    /// first.
    pairs: Vec<Vec<(usize, f64)>>,
}

impl Overlaps {
    /// Up to [`MAX_OVERLAPS_LISTED`] apps overlapping app `n`, most similar
    /// first, and how many there are in all.
    pub fn partners(&self, apps: &[&App], n: usize) -> (Vec<Overlap>, usize) {
        let Some(&(j, x)) = self.of_app.get(&n) else {
            return (Vec::new(), 0);
        };
        let g = &self.joins[j];
        let same = g.members[x].len() - 1;
        let total = same
            + g.pairs[x]
                .iter()
                .map(|&(y, _)| g.members[y].len())
                .sum::<usize>();
        let mut listed = Vec::new();
        let groups = std::iter::once((x, 1.0)).chain(g.pairs[x].iter().copied());
        'outer: for (y, sim) in groups {
            let shared: Vec<String> = {
                let mut v: Vec<String> = g.sets[x]
                    .iter()
                    .filter(|t| g.sets[y].binary_search(t).is_ok())
                    .map(|&t| g.names[t as usize].clone())
                    .collect();
                v.sort();
                v
            };
            for &m in &g.members[y] {
                if m == n {
                    continue;
                }
                if listed.len() == MAX_OVERLAPS_LISTED {
                    break 'outer;
                }
                listed.push(Overlap {
                    app_id: apps[m].id.clone(),
                    app_name: apps[m].name.clone(),
                    similarity: sim,
                    shared_functions: shared.clone(),
                });
            }
        }
        (listed, total)
    }
}

/// Pairs of apps (indexes into `apps`) of the same form and user segment
/// whose function sets have a Jaccard similarity ≥ `threshold`.
///
/// A set-similarity self-join with prefix filtering (the AllPairs idea):
/// function names are ranked rarest first; two sets can reach the threshold
/// only if they share a name within the first `|x| − ⌈t·|x|⌉ + 1` names of
/// the larger, so only those are indexed and probed, and sets of very
/// different sizes are never compared. Apps with identical sets are
/// grouped first, so a thousand copies of one set cost one comparison.
pub fn overlaps(apps: &[&App], threshold: f64) -> Overlaps {
    let t = if threshold.is_nan() {
        1.0
    } else {
        threshold.clamp(0.01, 1.0)
    };
    let mut groups: HashMap<(AppForm, UserSegment), Vec<usize>> = HashMap::new();
    for (i, a) in apps.iter().enumerate() {
        if let Some(seg) = a.user_segment {
            groups.entry((a.form, seg)).or_default().push(i);
        }
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort();
    let mut out = Overlaps::default();
    for k in keys {
        let g = join_group(apps, &groups[&k], t);
        let j = out.joins.len();
        for (x, ms) in g.members.iter().enumerate() {
            if ms.len() > 1 || !g.pairs[x].is_empty() {
                for &m in ms {
                    out.of_app.insert(m, (j, x));
                }
            }
        }
        out.joins.push(g);
    }
    out
}

fn join_group(apps: &[&App], members: &[usize], t: f64) -> GroupJoin {
    // Function names → ids; each app's set, deduplicated.
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut g = GroupJoin::default();
    let mut distinct: HashMap<Vec<u32>, usize> = HashMap::new();
    for &m in members {
        let mut s: Vec<u32> = Vec::new();
        for f in &apps[m].functions {
            let f = normalise_function(f);
            if f.is_empty() {
                continue;
            }
            let next = g.names.len() as u32;
            let id = *ids.entry(f.clone()).or_insert(next);
            if id == next {
                g.names.push(f);
            }
            s.push(id);
        }
        s.sort_unstable();
        s.dedup();
        if s.is_empty() {
            continue;
        }
        let id = *distinct.entry(s.clone()).or_insert_with(|| {
            g.sets.push(s);
            g.members.push(Vec::new());
            g.sets.len() - 1
        });
        g.members[id].push(m);
    }
    // Rank names rarest first (ties by id), and order each set by rank.
    let mut freq = vec![0u32; g.names.len()];
    for s in &g.sets {
        for &n in s {
            freq[n as usize] += 1;
        }
    }
    let mut by_rank: Vec<u32> = (0..g.names.len() as u32).collect();
    by_rank.sort_by_key(|&n| (freq[n as usize], n));
    let mut rank = vec![0u32; g.names.len()];
    for (r, &n) in by_rank.iter().enumerate() {
        rank[n as usize] = r as u32;
    }
    let ranked: Vec<Vec<u32>> = g
        .sets
        .iter()
        .map(|s| {
            let mut r: Vec<u32> = s.iter().map(|&n| rank[n as usize]).collect();
            r.sort_unstable();
            r
        })
        .collect();
    // Smaller sets first, so every candidate met is no larger.
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    order.sort_by_key(|&i| (ranked[i].len(), i));
    let mut index: HashMap<u32, Vec<usize>> = HashMap::new();
    g.pairs = vec![Vec::new(); ranked.len()];
    let mut seen = vec![usize::MAX; ranked.len()];
    for &x in &order {
        let xs = &ranked[x];
        let n = xs.len();
        // A hair below, so float error never raises the bound past a pair
        // exactly at the threshold (the similarity itself is checked below).
        let min_other = ((t * n as f64 - 1e-9).ceil().max(1.0) as usize).min(n);
        let prefix = n - min_other + 1;
        for tok in xs.iter().take(prefix) {
            if let Some(list) = index.get(tok) {
                for &y in list {
                    if seen[y] == x || ranked[y].len() < min_other {
                        continue;
                    }
                    seen[y] = x;
                    let shared = intersection(xs, &ranked[y]);
                    let sim = shared as f64 / (n + ranked[y].len() - shared) as f64;
                    if sim >= t {
                        g.pairs[x].push((y, sim));
                        g.pairs[y].push((x, sim));
                    }
                }
            }
        }
        for tok in xs.iter().take(prefix) {
            index.entry(*tok).or_default().push(x);
        }
    }
    // Most similar first; ties by the first member (apps are in id order).
    let members = &g.members;
    for p in &mut g.pairs {
        p.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| members[a.0][0].cmp(&members[b.0][0]))
        });
    }
    g
}

fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// All four views over one index.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerViews {
    pub quality: Vec<AppQuality>,
    pub continuity: Vec<ContinuityAlert>,
    pub drift: Vec<FilingDrift>,
    pub consolidation: Vec<ConsolidationCandidate>,
}

/// Every view at once, indexing the snapshot a single time.
pub fn ledger_views(
    snapshot: &LedgerSnapshot,
    rules: &ConsolidationRules,
    today: &str,
) -> LedgerViews {
    let ix = LedgerIndex::new(snapshot);
    LedgerViews {
        quality: ledger_quality_indexed(&ix, today),
        continuity: certificate_continuity_indexed(&ix),
        drift: filing_drift_indexed(&ix),
        consolidation: consolidation_candidates_indexed(&ix, rules),
    }
}
