use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 每个在用应用的年度风险评估义务（距上次完成不超过 12 个月）是否逾期。
    ///
    /// ## 为何重要
    /// 第十七条要求至少每年开展一次移动应用风险评估；逾期意味着风险底数不清，也是监管检查的常见问题。
    ///
    /// ## 修复
    /// 开展风险评估（可从去年的结果出发），上传风险评估报告关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十七条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether each app's yearly risk-assessment obligation (at most 12 months
    /// after the last one) is overdue.
    ///
    /// ## Why it matters
    /// Article 17 requires a risk assessment of the apps at least once a year; an
    /// overdue one means the institution does not know its current risk, a common
    /// finding in inspections.
    ///
    /// ## Fix
    /// Carry out the assessment (starting from last year's results) and upload the
    /// report to close the obligation.
    ///
    /// ## References
    /// - Notice, article 17
    pub struct RiskAssessmentOverdue {
        id: "GOV-028",
        name: "risk-assessment-overdue",
        title_zh: "风险评估逾期",
        title_en: "Risk assessment overdue",
        severity: High,
        articles: [17],
    }
}

impl LedgerRule for RiskAssessmentOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "risk-assessment", out);
    }
}
