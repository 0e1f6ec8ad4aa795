use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 面向客户应用的定期业务合规检查义务（默认每年，机构可调整）是否逾期。
    ///
    /// ## 为何重要
    /// 第五条要求定期开展业务合规检查和审计，确保业务不超出许可范围、销售可回溯、信息披露到位。
    ///
    /// ## 修复
    /// 完成检查，上传检查记录关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第五条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether the periodic business-compliance inspection of customer-facing apps
    /// (yearly by default; the institution may change it) is overdue.
    ///
    /// ## Why it matters
    /// Article 5 requires regular compliance inspections and audits of the business
    /// on the app: within licence, traceable sales, proper disclosure.
    ///
    /// ## Fix
    /// Carry out the inspection and upload its record to close the obligation.
    ///
    /// ## References
    /// - Notice, article 5
    pub struct ComplianceInspectionOverdue {
        id: "GOV-035",
        name: "compliance-inspection-overdue",
        title_zh: "业务合规检查逾期",
        title_en: "Business-compliance inspection overdue",
        severity: Medium,
        articles: [5],
    }
}

impl LedgerRule for ComplianceInspectionOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "compliance-inspection", out);
    }
}
