use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 重大风险事件触发的专项审计义务是否在期限内（默认 5 个工作日，机构可调整）完成启动并提交材料。
    ///
    /// ## 为何重要
    /// 第十七条要求发生重大风险事件后立即开展专项审计。
    ///
    /// ## 修复
    /// 立即启动专项审计，上传审计方案或报告关闭义务。
    ///
    /// ## 依据
    /// - 《通知》第十七条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether the special audit that a major risk event opened was started within
    /// its deadline (5 working days by default; the institution may change it).
    ///
    /// ## Why it matters
    /// Article 17 requires a special audit to start immediately after a major app
    /// risk event.
    ///
    /// ## Fix
    /// Start the special audit now and upload its plan or report to close the
    /// obligation.
    ///
    /// ## References
    /// - Notice, article 17
    pub struct SpecialAuditMissing {
        id: "GOV-030",
        name: "special-audit-missing",
        title_zh: "重大风险事件后未启动专项审计",
        title_en: "No special audit after a major risk event",
        severity: Critical,
        articles: [17],
    }
}

impl LedgerRule for SpecialAuditMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "special-audit", out);
    }
}
