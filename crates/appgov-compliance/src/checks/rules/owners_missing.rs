use appgov_checks::{RuleMeta, declare_rule};
use std::collections::BTreeSet;

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 在用应用（已准入、未退出）是否登记了管理部门和责任人，且责任人仍在人员名录中。
    ///
    /// ## 为何重要
    /// 第三条要求每个应用有明确的管理部门和具体责任人；没有责任人的应用在出事时无人负责，也无法分派整改和义务。
    ///
    /// ## 修复
    /// 在应用编辑页登记管理部门和责任人；人员离开后及时改派。
    ///
    /// ## 依据
    /// - 《通知》第三条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every app in use (admitted, not yet retired) records a managing
    /// department and a responsible person who is still in the directory.
    ///
    /// ## Why it matters
    /// Article 3 requires a named department and person for every app; an app
    /// nobody answers for cannot be assigned fixes or duties when something goes
    /// wrong.
    ///
    /// ## Fix
    /// Record the department and the responsible person on the app's edit page;
    /// reassign when people leave.
    ///
    /// ## References
    /// - Notice, article 3
    pub struct OwnersMissing {
        id: "GOV-002",
        name: "owners-missing",
        title_zh: "应用未登记管理部门或责任人",
        title_en: "App lacks a managing department or responsible person",
        severity: High,
        articles: [3],
    }
}

impl LedgerRule for OwnersMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        let people: BTreeSet<&str> = cx.data.people.iter().map(|p| p.id.as_str()).collect();
        for a in cx.active_apps() {
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if a.department_id.is_none() {
                zh.push("管理部门");
                en.push("managing department");
            }
            match a.responsible_person_id.as_deref() {
                None => {
                    zh.push("责任人");
                    en.push("responsible person");
                }
                Some(p) if !people.contains(p) => {
                    zh.push("在册责任人（原责任人已不在人员名录中）");
                    en.push("responsible person in the directory (the recorded one is gone)");
                }
                Some(_) => {}
            }
            if !zh.is_empty() {
                out.push(LedgerContext::finding(
                    &Self::META,
                    Some(&a.id),
                    Some(("app", &a.id)),
                    format!("{}：未登记{}", a.name, zh.join("、")),
                    format!("{}: no {} recorded", a.name, en.join(" or ")),
                ));
            }
        }
    }
}
