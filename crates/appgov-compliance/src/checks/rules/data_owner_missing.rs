use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 在用应用是否登记了数据责任人。
    ///
    /// ## 为何重要
    /// 第十三条按“谁管业务、谁管业务数据、谁管数据安全”落实数据安全责任；没有数据责任人，数据分级、访问审批和泄露处置都无人负
    /// 责。
    ///
    /// ## 修复
    /// 在应用编辑页登记业务部门的数据责任人。
    ///
    /// ## 依据
    /// - 《通知》第十三条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every app in use records a data owner.
    ///
    /// ## Why it matters
    /// Article 13 puts data security with whoever runs the business; without a data
    /// owner nobody answers for classification, access approval or leaks.
    ///
    /// ## Fix
    /// Record the business department's data owner on the app's edit page.
    ///
    /// ## References
    /// - Notice, article 13
    pub struct DataOwnerMissing {
        id: "GOV-022",
        name: "data-owner-missing",
        title_zh: "未明确数据安全责任人",
        title_en: "No data owner",
        severity: Medium,
        articles: [13],
    }
}

impl LedgerRule for DataOwnerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for a in cx.active_apps().filter(|a| a.data_owner_id.is_none()) {
            out.push(LedgerContext::finding(
                &Self::META,
                Some(&a.id),
                Some(("app", &a.id)),
                format!("{}：未登记数据责任人", a.name),
                format!("{}: no data owner recorded", a.name),
            ));
        }
    }
}
