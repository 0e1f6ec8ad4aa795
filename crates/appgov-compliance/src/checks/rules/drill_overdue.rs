use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 面向客户应用的年度业务连续性应急演练义务是否逾期。
    ///
    /// ## 为何重要
    /// 第十五条要求制定应急预案并定期演练；不演练的预案在真实事件中往往失效。
    ///
    /// ## 修复
    /// 开展演练，在演练登记簿中记录，上传演练记录关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十五条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether the yearly business-continuity drill of customer-facing apps is
    /// overdue.
    ///
    /// ## Why it matters
    /// Article 15 requires an emergency plan exercised regularly; a plan never
    /// exercised tends to fail in a real incident.
    ///
    /// ## Fix
    /// Hold the drill, record it in the drills register and upload the drill record
    /// to close the obligation.
    ///
    /// ## References
    /// - Notice, article 15
    pub struct DrillOverdue {
        id: "GOV-026",
        name: "drill-overdue",
        title_zh: "应急演练逾期",
        title_en: "Emergency drill overdue",
        severity: Medium,
        articles: [15],
    }
}

impl LedgerRule for DrillOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "drill", out);
    }
}
