use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 第三级（每年）和第四级（每半年）应用的等级保护测评义务是否逾期。
    ///
    /// ## 为何重要
    /// 等级保护管理办法规定第三级每年、第四级每半年至少测评一次；第十二条要求落实等级保护。
    ///
    /// ## 修复
    /// 委托测评机构完成测评，上传测评报告关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十二条；公通字〔2007〕43号第十四条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether the MLPS test obligations of level-3 (yearly) and level-4 (half-
    /// yearly) apps are overdue.
    ///
    /// ## Why it matters
    /// The MLPS rules require a test at least yearly at level 3 and half-yearly at
    /// level 4; article 12 requires the scheme to be applied.
    ///
    /// ## Fix
    /// Have an accredited lab test the system and upload its report to close the
    /// obligation.
    ///
    /// ## References
    /// - Notice, article 12; MPS 2007 No. 43, article 14
    pub struct MlpsTestOverdue {
        id: "GOV-021",
        name: "mlps-test-overdue",
        title_zh: "等保测评逾期",
        title_en: "MLPS test overdue",
        severity: High,
        articles: [12],
    }
}

impl LedgerRule for MlpsTestOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "mlps-test-l3", out);
        cx.overdue_obligations(&Self::META, "mlps-test-l4", out);
    }
}
