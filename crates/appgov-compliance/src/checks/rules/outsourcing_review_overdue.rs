use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 第三方合作或外包运营应用的年度外包风险评估义务是否逾期。
    ///
    /// ## 为何重要
    /// 第十四条要求外包纳入准入、监测评价和风险管理；信息科技外包监管办法要求至少每年评估一次。
    ///
    /// ## 修复
    /// 完成外包风险评估，上传评估报告关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十四条；银保监办发〔2021〕141号
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether the yearly outsourcing risk review of apps run with or by a third
    /// party is overdue.
    ///
    /// ## Why it matters
    /// Article 14 puts outsourcing under admission, evaluation and risk management;
    /// the IT-outsourcing rules require a review at least yearly.
    ///
    /// ## Fix
    /// Carry out the outsourcing risk review and upload its report to close the
    /// obligation.
    ///
    /// ## References
    /// - Notice, article 14; CBIRC 2021 No. 141
    pub struct OutsourcingReviewOverdue {
        id: "GOV-023",
        name: "outsourcing-review-overdue",
        title_zh: "外包风险评估逾期",
        title_en: "Outsourcing risk review overdue",
        severity: Medium,
        articles: [14],
    }
}

impl LedgerRule for OutsourcingReviewOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "outsourcing-review", out);
    }
}
