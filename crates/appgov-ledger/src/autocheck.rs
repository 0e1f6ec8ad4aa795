//! The automatic items of the gates ([`crate::gate::AUTO_CHECKS`]),
//! computed from the ledger for one move. A check that the ledger cannot
//! decide says so — "… not recorded" is an open item, never a silent pass.
//!
//! Each result's reason is one string `中文 / English` (see
//! [`Reason::text`]); [`auto_checks_detailed`] gives the two apart.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::gate::{Gate, GateId, GateInput, ItemKind};
use crate::lifecycle::{AppState, ReleaseState};
use crate::model::*;
use crate::views::*;
use crate::vocab::*;

/// What a gate is evaluated for: the app, and for launch and change the
/// release and (change) the live release it follows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct GateSubject {
    pub app_id: String,
    pub release_id: Option<String>,
    /// For the change gate; when `None`, the app's latest live release
    /// other than `release_id` is taken.
    pub previous_release_id: Option<String>,
    /// Keys of release-diff items ([`ReleaseChange::key`]) a reviewer has
    /// confirmed; `release-diff-reviewed` passes once every item is.
    pub reviewed_diff: BTreeSet<String>,
}

/// The automatic checks `gate` names, computed for `subject`: `Ok(())` or
/// why not (`中文 / English`).
pub fn auto_checks(
    gate: &Gate,
    subject: &GateSubject,
    snapshot: &LedgerSnapshot,
    today: &str,
) -> BTreeMap<String, Result<(), String>> {
    auto_checks_detailed(gate, subject, snapshot, today)
        .into_iter()
        .map(|(k, v)| (k, v.map_err(|r| r.text())))
        .collect()
}

/// [`auto_checks`] with the reasons in both languages apart.
pub fn auto_checks_detailed(
    gate: &Gate,
    subject: &GateSubject,
    snapshot: &LedgerSnapshot,
    today: &str,
) -> BTreeMap<String, Result<(), Reason>> {
    let ix = LedgerIndex::new(snapshot);
    auto_checks_indexed(gate, subject, &ix, today)
}

/// [`auto_checks_detailed`] over an index built once (for many moves).
pub fn auto_checks_indexed(
    gate: &Gate,
    subject: &GateSubject,
    ix: &LedgerIndex<'_>,
    today: &str,
) -> BTreeMap<String, Result<(), Reason>> {
    let names: BTreeSet<&str> = gate
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Auto)
        .filter_map(|i| i.check.as_deref())
        .collect();
    let cx = Cx {
        ix,
        subject,
        gate: gate.id,
        today,
        app: ix.apps.get(subject.app_id.as_str()).copied(),
    };
    names
        .into_iter()
        .map(|n| (n.to_string(), cx.run(n)))
        .collect()
}

/// A gate's input with every automatic item computed; the caller adds the
/// accepted evidence and attestations, then calls [`crate::gate::evaluate`].
pub fn gate_input(
    gate: &Gate,
    subject: &GateSubject,
    snapshot: &LedgerSnapshot,
    today: &str,
) -> GateInput {
    GateInput {
        auto: auto_checks(gate, subject, snapshot, today),
        ..GateInput::default()
    }
}

struct Cx<'a, 'b> {
    ix: &'b LedgerIndex<'a>,
    subject: &'b GateSubject,
    gate: GateId,
    today: &'b str,
    app: Option<&'a App>,
}

type Check = Result<(), Reason>;

fn fail(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Check {
    Err(Reason::new(code, zh, en))
}

/// Several reasons as one: a single reason keeps its code, more take
/// `code`.
fn all_of(code: &'static str, mut reasons: Vec<Reason>) -> Check {
    match reasons.len() {
        0 => return Ok(()),
        1 => return Err(reasons.remove(0)),
        _ => {}
    }
    let zh: Vec<&str> = reasons.iter().map(|r| r.zh.as_str()).collect();
    let en: Vec<&str> = reasons.iter().map(|r| r.en.as_str()).collect();
    Err(Reason::new(code, zh.join("；"), en.join("; ")))
}

/// Shown in a reason before "and N more".
const MAX_NAMED: usize = 10;

fn named(v: &[String], sep: &str) -> String {
    let mut s = v
        .iter()
        .take(MAX_NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if v.len() > MAX_NAMED {
        s.push_str(&format!("{sep}… (+{})", v.len() - MAX_NAMED));
    }
    s
}

impl<'a> Cx<'a, '_> {
    fn run(&self, check: &str) -> Check {
        let Some(app) = self.app else {
            return fail(
                "app-not-found",
                format!("台账中没有应用 {}", self.subject.app_id),
                format!("App {} is not in the ledger", self.subject.app_id),
            );
        };
        match check {
            "no-functional-overlap" => self.no_functional_overlap(app),
            "own-publishing-accounts" => self.own_publishing_accounts(app),
            "no-open-high-findings" => self.no_open_high_findings(app),
            "sdks-disclosed-and-contracted" => self.sdks_disclosed_and_contracted(app),
            "signer-registered" => self.signer_registered(app),
            "filing-matches-release" => self.filing_matches_release(app),
            "release-diff-reviewed" => self.release_diff_reviewed(app),
            "filing-update-raised" => self.filing_update_raised(app),
            "delisted-everywhere" => self.delisted_everywhere(app),
            "activity-metrics-attached" => self.activity_metrics_attached(app),
            other => fail(
                "check-not-implemented",
                format!("自动检查 {other} 尚未实现"),
                format!("Automatic check {other} is not implemented"),
            ),
        }
    }

    /// The release the move is about, analysed and of this app.
    fn release(&self, app: &App) -> Result<&'a Release, Reason> {
        let Some(id) = self.subject.release_id.as_deref() else {
            return Err(Reason::new(
                "release-not-named",
                "未指定本次审批的版本",
                "No release named for this move",
            ));
        };
        let Some(r) = self.ix.release_by_id.get(id).copied() else {
            return Err(Reason::new(
                "release-not-found",
                format!("台账中没有版本 {id}"),
                format!("Release {id} is not in the ledger"),
            ));
        };
        if r.app_id != app.id {
            return Err(Reason::new(
                "release-of-other-app",
                format!("版本 {id} 属于另一个应用（{}）", r.app_id),
                format!("Release {id} belongs to another app ({})", r.app_id),
            ));
        }
        if r.state == ReleaseState::Draft {
            return Err(Reason::new(
                "release-not-analysed",
                format!("版本 {id} 尚未分析"),
                format!("Release {id} has not been analysed"),
            ));
        }
        Ok(r)
    }

    fn no_functional_overlap(&self, app: &App) -> Check {
        if app
            .functions
            .iter()
            .all(|f| normalise_function(f).is_empty())
        {
            return fail(
                "functions-not-recorded",
                "未登记应用功能，无法判断是否与已上线应用重复",
                "The app's functions are not recorded, so overlap with live apps cannot be decided",
            );
        }
        let Some(seg) = app.user_segment else {
            return fail(
                "segment-not-recorded",
                "未登记服务对象，无法判断是否与已上线应用重复",
                "The app's user segment is not recorded, so overlap with live apps cannot be decided",
            );
        };
        let t = ConsolidationRules::default().overlap_jaccard;
        let mine: BTreeSet<String> = app
            .functions
            .iter()
            .map(|f| normalise_function(f))
            .filter(|f| !f.is_empty())
            .collect();
        let mut hits = Vec::new();
        for other in &self.ix.apps_sorted {
            if other.id == app.id
                || other.form != app.form
                || other.user_segment != Some(seg)
                || !matches!(other.state, AppState::Live | AppState::UnderReview)
            {
                continue;
            }
            let theirs: BTreeSet<String> = other
                .functions
                .iter()
                .map(|f| normalise_function(f))
                .filter(|f| !f.is_empty())
                .collect();
            let shared = mine.intersection(&theirs).count();
            let union = mine.len() + theirs.len() - shared;
            if union > 0 && shared as f64 / union as f64 >= t {
                hits.push(format!("{}（{}）", other.name, other.id));
            }
        }
        if hits.is_empty() {
            return Ok(());
        }
        fail(
            "functional-overlap",
            format!(
                "与已上线的同类应用功能重复：{}；需说明理由并附整合计划",
                named(&hits, "、")
            ),
            format!(
                "Functions overlap with live apps of the same form and users: {}; justify it with a consolidation plan",
                named(&hits, ", ")
            ),
        )
    }

    fn own_publishing_accounts(&self, app: &App) -> Check {
        let listings: Vec<&Listing> = self
            .ix
            .listings_of(&app.id)
            .iter()
            .copied()
            .filter(|l| l.state != ListingState::Delisted)
            .collect();
        if listings.is_empty() {
            return fail(
                "listings-not-recorded",
                "未登记发布渠道（计划或已上架），无法核对发布账号",
                "No channel listing (planned or live) is recorded, so publishing accounts cannot be checked",
            );
        }
        let mut reasons = Vec::new();
        let today = day_number(self.today);
        let mut seen = BTreeSet::new();
        for l in listings {
            reasons.extend(
                listing_issues(self.ix, app, l)
                    .into_iter()
                    .map(|i| i.reason),
            );
            // At launch the listing goes live: the account must also be
            // safe to use (article 8's "own account" is only as good as its
            // sign-in).
            if self.gate == GateId::Launch
                && let Some(acc) = l
                    .account_id
                    .as_deref()
                    .and_then(|a| self.ix.accounts.get(a))
                && seen.insert(acc.id.as_str())
            {
                if today.is_none() {
                    reasons.push(Reason::new(
                        "today-invalid",
                        format!("今天的日期 {:?} 无效，无法判断复核是否过期", self.today),
                        format!(
                            "Today's date {:?} is invalid, so review age cannot be decided",
                            self.today
                        ),
                    ));
                }
                reasons.extend(
                    account_issues(self.ix, acc, today)
                        .into_iter()
                        .map(|i| i.reason),
                );
            }
        }
        all_of("publishing-accounts", reasons)
    }

    fn no_open_high_findings(&self, app: &App) -> Check {
        let r = self.release(app)?;
        let mut rules: Vec<String> = self
            .ix
            .findings_of(&r.id)
            .iter()
            .filter(|f| matches!(f.severity.as_str(), "critical" | "high"))
            .map(|f| f.rule.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if rules.is_empty() && r.findings_high > 0 {
            rules.push(format!("{}×", r.findings_high));
        }
        if rules.is_empty() {
            return Ok(());
        }
        fail(
            "open-high-findings",
            format!(
                "版本 {} 有未关闭的严重或高危问题：{}",
                r.version_name.as_deref().unwrap_or(&r.id),
                named(&rules, "、")
            ),
            format!(
                "Release {} has open critical or high findings: {}",
                r.version_name.as_deref().unwrap_or(&r.id),
                named(&rules, ", ")
            ),
        )
    }

    fn sdks_disclosed_and_contracted(&self, app: &App) -> Check {
        let r = self.release(app)?;
        let mut reasons = Vec::new();
        if app
            .privacy_policy_url
            .as_deref()
            .is_none_or(|u| u.trim().is_empty())
        {
            reasons.push(Reason::new(
                "privacy-policy-not-recorded",
                "未登记隐私政策链接，无法核对 SDK 披露",
                "No privacy policy URL recorded, so SDK disclosure cannot be checked",
            ));
        }
        // The check catalog compares the SDKs found with the disclosed list
        // the policy gives it (PKG-020); its finding means undisclosed.
        let undisclosed: Vec<&ReleaseFinding> = self
            .ix
            .findings_of(&r.id)
            .iter()
            .copied()
            .filter(|f| f.rule == SDK_NOT_DISCLOSED)
            .collect();
        if !undisclosed.is_empty() {
            reasons.push(Reason::new(
                "sdk-not-disclosed",
                format!("安装包检测发现未在隐私政策中披露的 SDK（{SDK_NOT_DISCLOSED}）"),
                format!("The package analysis found SDKs the privacy policy does not disclose ({SDK_NOT_DISCLOSED})"),
            ));
        }
        let today = self.today;
        let active: Vec<&Agreement> = self
            .ix
            .agreements_of(&app.id)
            .iter()
            .copied()
            .filter(|a| {
                a.state == AgreementState::Active
                    && a.starts_on.as_deref().is_none_or(|s| s <= today)
                    && a.ends_on.as_deref().is_none_or(|e| e >= today)
            })
            .collect();
        let covered: BTreeSet<String> = active
            .iter()
            .flat_map(|a| a.sdks.iter().map(|s| fold(s)))
            .collect();
        let mut missing: Vec<String> = self
            .ix
            .sdks_of(&r.id)
            .iter()
            .filter(|u| !u.collects.is_empty())
            .filter(|u| {
                let mut keys = vec![fold(&u.sdk), fold(&u.name)];
                keys.extend(u.name.split(" / ").map(fold));
                !keys.iter().any(|k| !k.is_empty() && covered.contains(k))
            })
            .map(|u| u.name.clone())
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            reasons.push(Reason::new(
                "sdk-without-agreement",
                format!(
                    "收集个人信息的 SDK 无有效协议覆盖（第四条、第十四条）：{}",
                    named(&missing, "、")
                ),
                format!(
                    "SDKs that collect personal information without an active agreement (articles 4, 14): {}",
                    named(&missing, ", ")
                ),
            ));
        }
        all_of("sdks-disclosed-and-contracted", reasons)
    }

    fn signer_registered(&self, app: &App) -> Check {
        let r = self.release(app)?;
        match release_continuity(r, Some(&app.name), self.ix.identities_of(&app.id)) {
            None => Ok(()),
            Some(alert) => Err(alert.reason),
        }
    }

    fn approved_filings(&self, app: &App) -> Vec<&'a Filing> {
        let mut v: Vec<&Filing> = self
            .ix
            .filings_of(&app.id)
            .iter()
            .copied()
            .filter(|f| f.state == FilingState::Approved)
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    fn filing_matches_release(&self, app: &App) -> Check {
        let r = self.release(app)?;
        let filings: Vec<&Filing> = self
            .approved_filings(app)
            .into_iter()
            .filter(|f| has_filed_facts(&f.filed))
            .collect();
        if filings.is_empty() {
            return fail(
                "filing-not-recorded",
                "未登记已通过且载有备案信息（标识、签名、域名或 SDK）的备案，无法比对",
                "No approved filing with filed facts (identifier, signer, domains or SDKs) is recorded, so nothing can be compared",
            );
        }
        let sdks = self.ix.sdks_of(&r.id);
        let mut reasons = Vec::new();
        for f in filings {
            let d = compare_filing(app, f, r, sdks);
            reasons.extend(d.items.into_iter().filter(|i| i.material).map(|i| i.reason));
            reasons.extend(d.not_comparable);
        }
        all_of("filing-drift", reasons)
    }

    /// The release this one follows: as named, else the latest live
    /// release of the app other than this one.
    fn previous(&self, app: &App, r: &Release) -> Result<&'a Release, Reason> {
        if let Some(id) = self.subject.previous_release_id.as_deref() {
            return match self.ix.release_by_id.get(id) {
                Some(p) if p.app_id == app.id => Ok(p),
                Some(_) => Err(Reason::new(
                    "previous-of-other-app",
                    format!("上一版本 {id} 属于另一个应用"),
                    format!("Previous release {id} belongs to another app"),
                )),
                None => Err(Reason::new(
                    "previous-not-found",
                    format!("台账中没有上一版本 {id}"),
                    format!("Previous release {id} is not in the ledger"),
                )),
            };
        }
        self.ix
            .releases_of(&app.id)
            .iter()
            .rev()
            .find(|p| p.id != r.id && p.state == ReleaseState::Live)
            .copied()
            .ok_or_else(|| {
                Reason::new(
                    "previous-not-recorded",
                    "未登记上一上线版本，无法比较差异",
                    "No previous live release is recorded, so there is nothing to compare with",
                )
            })
    }

    fn release_diff_reviewed(&self, app: &App) -> Check {
        let r = self.release(app)?;
        let p = self.previous(app, r)?;
        let changes = release_diff(p, r, self.ix.sdks_of(&p.id), self.ix.sdks_of(&r.id));
        let open: Vec<&ReleaseChange> = changes
            .iter()
            .filter(|c| !self.subject.reviewed_diff.contains(&c.key))
            .collect();
        if open.is_empty() {
            return Ok(());
        }
        let zh: Vec<String> = open.iter().map(|c| c.reason.zh.clone()).collect();
        let en: Vec<String> = open.iter().map(|c| c.reason.en.clone()).collect();
        fail(
            "diff-not-reviewed",
            format!("与上一上线版本的差异尚待逐项确认：{}", named(&zh, "；")),
            format!(
                "Differences from the previous live release await review: {}",
                named(&en, "; ")
            ),
        )
    }

    fn filing_update_raised(&self, app: &App) -> Check {
        let r = self.release(app)?;
        let sdks = self.ix.sdks_of(&r.id);
        let all = self.ix.filings_of(&app.id);
        let approved: Vec<&Filing> = self
            .approved_filings(app)
            .into_iter()
            .filter(|f| has_filed_facts(&f.filed))
            .collect();
        if approved.is_empty() {
            return fail(
                "filing-not-recorded",
                "未登记已通过且载有备案信息的备案，无法判断是否需要变更备案",
                "No approved filing with filed facts is recorded, so whether it must change cannot be decided",
            );
        }
        let mut reasons = Vec::new();
        for f in approved {
            let d = compare_filing(app, f, r, sdks);
            if !d.not_comparable.is_empty() {
                reasons.extend(d.not_comparable);
                continue;
            }
            if !d.material() {
                continue;
            }
            // The update counts as raised when a filing of the same kind
            // carrying this release's facts has been submitted.
            let raised = all.iter().any(|g| {
                g.kind == f.kind
                    && g.state == FilingState::Submitted
                    && has_filed_facts(&g.filed)
                    && {
                        let e = compare_filing(app, g, r, sdks);
                        !e.material() && e.not_comparable.is_empty()
                    }
            });
            if raised {
                continue;
            }
            let returned = all
                .iter()
                .any(|g| g.kind == f.kind && g.state == FilingState::ChangeRequired);
            let changed: Vec<&str> = d
                .items
                .iter()
                .filter(|i| i.material)
                .map(|i| i.field)
                .collect();
            let num = f.number.as_deref().unwrap_or(&f.id);
            reasons.push(if returned {
                Reason::new(
                    "filing-update-returned",
                    format!(
                        "{}（{num}）的变更被退回待修改；变化项：{}",
                        f.kind.label_zh(),
                        changed.join("、")
                    ),
                    format!(
                        "The {} ({num}) update was returned for changes; changed: {}",
                        f.kind.label_en(),
                        changed.join(", ")
                    ),
                )
            } else {
                Reason::new(
                    "filing-update-not-raised",
                    format!(
                        "{}（{num}）所载信息已变化（{}），但未提交载有本版本信息的备案变更",
                        f.kind.label_zh(),
                        changed.join("、")
                    ),
                    format!(
                        "The {} ({num}) no longer matches ({}) and no update carrying this release's facts has been submitted",
                        f.kind.label_en(),
                        changed.join(", ")
                    ),
                )
            });
        }
        all_of("filing-update", reasons)
    }

    fn delisted_everywhere(&self, app: &App) -> Check {
        let listings = self.ix.listings_of(&app.id);
        if listings.is_empty() {
            return fail(
                "listings-not-recorded",
                "未登记任何发布渠道，无法确认已全部下架",
                "No channel listing is recorded, so delisting everywhere cannot be confirmed",
            );
        }
        let mut reasons = Vec::new();
        let mut still: Vec<String> = listings
            .iter()
            .filter(|l| l.state != ListingState::Delisted)
            .map(|l| format!("{} ({})", l.channel.label_zh(), l.state.as_str()))
            .collect();
        still.sort();
        if !still.is_empty() {
            reasons.push(Reason::new(
                "still-listed",
                format!("尚未下架的渠道：{}", named(&still, "、")),
                format!("Not yet delisted on: {}", named(&still, ", ")),
            ));
        }
        // An account only this app used must be closed or kept dormant
        // under control; an active account serving no one is a takeover
        // risk (article 8).
        let mut idle = BTreeSet::new();
        for l in listings {
            let Some(acc) = l
                .account_id
                .as_deref()
                .and_then(|a| self.ix.accounts.get(a))
            else {
                continue;
            };
            if acc.status != AccountStatus::Active {
                continue;
            }
            let serves_other = self
                .ix
                .listings_by_account
                .get(acc.id.as_str())
                .is_some_and(|ls| {
                    ls.iter()
                        .any(|o| o.app_id != app.id && o.state != ListingState::Delisted)
                });
            if !serves_other {
                idle.insert(acc.account_name.clone());
            }
        }
        if !idle.is_empty() {
            let idle: Vec<String> = idle.into_iter().collect();
            reasons.push(Reason::new(
                "account-still-active",
                format!(
                    "只服务于本应用的发布账号仍为使用中，应注销或停用留存：{}",
                    named(&idle, "、")
                ),
                format!(
                    "Publishing accounts serving only this app are still active; close them or keep them dormant: {}",
                    named(&idle, ", ")
                ),
            ));
        }
        all_of("not-delisted", reasons)
    }

    fn activity_metrics_attached(&self, app: &App) -> Check {
        let metrics = self.ix.metrics_of(&app.id);
        let Some(latest) = metrics.iter().rev().find(|m| {
            m.monthly_active_users.is_some()
                || m.downloads.is_some()
                || m.rating.is_some()
                || m.complaints.is_some()
        }) else {
            return fail(
                "metrics-not-recorded",
                "未登记活跃度等运营指标",
                "No activity metrics recorded",
            );
        };
        let Some(t) = day_number(self.today) else {
            return fail(
                "today-invalid",
                format!("今天的日期 {:?} 无效", self.today),
                format!("Today's date {:?} is invalid", self.today),
            );
        };
        let (y, m) = period_key(&latest.period);
        let start = day_number(&format!("{y:04}-{:02}-01", m.max(1)));
        // A year's grace after the period's last month began.
        if start.is_none_or(|s| t - s > 366 + 31) {
            return fail(
                "metrics-stale",
                format!("最新的运营指标为 {}，已超过一年", latest.period),
                format!(
                    "The latest activity metrics are for {}, more than a year ago",
                    latest.period
                ),
            );
        }
        Ok(())
    }
}

/// The check catalog's "SDK not disclosed" rule (appgov-checks PKG-020).
pub const SDK_NOT_DISCLOSED: &str = "PKG-020";

fn has_filed_facts(f: &FiledFacts) -> bool {
    f.identifier
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
        || !f.signer_sha256.is_empty()
        || !f.signer_md5.is_empty()
        || !f.domains.is_empty()
        || !f.sdks.is_empty()
}

/// One difference between a release and the live release before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseChange {
    /// Stable key a reviewer confirms: `signer+:<sha256>`, `domain-:<host>`,
    /// `sdk+:<id>`, `target_sdk:<old>-><new>`, …
    pub key: String,
    /// `identifier`, `signer`, `domain`, `sdk`, `target_sdk`, `min_sdk`.
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Reason,
}

/// What changed from `prev` to `cur` in what a release records: identifier,
/// signing certificates, own domains, SDKs, target and minimum SDK.
/// (Permissions and native libraries are in the facts, not the release
/// record: `appgov_checks::diff` compares those.)
pub fn release_diff(
    prev: &Release,
    cur: &Release,
    prev_sdks: &[&SdkUsage],
    cur_sdks: &[&SdkUsage],
) -> Vec<ReleaseChange> {
    let mut v = Vec::new();
    if prev.identifier != cur.identifier {
        v.push(ReleaseChange {
            key: format!("identifier:{}->{}", prev.identifier, cur.identifier),
            field: "identifier",
            old: Some(prev.identifier.clone()),
            new: Some(cur.identifier.clone()),
            reason: Reason::new(
                "identifier-changed",
                format!("标识由 {} 变为 {}", prev.identifier, cur.identifier),
                format!(
                    "Identifier changed from {} to {}",
                    prev.identifier, cur.identifier
                ),
            ),
        });
    }
    let set =
        |v: &[String]| -> BTreeSet<String> { v.iter().map(|s| s.to_ascii_lowercase()).collect() };
    let sets = [
        (
            "signer",
            set(&prev.signer_sha256),
            set(&cur.signer_sha256),
            "签名证书",
            "signing certificate",
        ),
        (
            "domain",
            set(&prev.domains),
            set(&cur.domains),
            "域名",
            "domain",
        ),
        (
            "sdk",
            prev_sdks.iter().map(|u| u.sdk.clone()).collect(),
            cur_sdks.iter().map(|u| u.sdk.clone()).collect(),
            "SDK",
            "SDK",
        ),
    ];
    for (field, old, new, zh, en) in sets {
        for a in new.difference(&old) {
            v.push(ReleaseChange {
                key: format!("{field}+:{a}"),
                field,
                old: None,
                new: Some(a.clone()),
                reason: Reason::new("added", format!("新增{zh} {a}"), format!("New {en} {a}")),
            });
        }
        for r in old.difference(&new) {
            v.push(ReleaseChange {
                key: format!("{field}-:{r}"),
                field,
                old: Some(r.clone()),
                new: None,
                reason: Reason::new(
                    "removed",
                    format!("移除{zh} {r}"),
                    format!("Removed {en} {r}"),
                ),
            });
        }
    }
    for (field, old, new, zh, en) in [
        (
            "target_sdk",
            prev.target_sdk,
            cur.target_sdk,
            "目标 SDK",
            "Target SDK",
        ),
        (
            "min_sdk",
            prev.min_sdk,
            cur.min_sdk,
            "最低 SDK",
            "Minimum SDK",
        ),
    ] {
        if old != new {
            let s = |x: Option<i64>| x.map_or("?".to_string(), |n| n.to_string());
            v.push(ReleaseChange {
                key: format!("{field}:{}->{}", s(old), s(new)),
                field,
                old: old.map(|n| n.to_string()),
                new: new.map(|n| n.to_string()),
                reason: Reason::new(
                    "level-changed",
                    format!("{zh}由 {} 变为 {}", s(old), s(new)),
                    format!("{en} changed from {} to {}", s(old), s(new)),
                ),
            });
        }
    }
    v
}
