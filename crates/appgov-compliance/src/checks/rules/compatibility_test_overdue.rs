use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 登记的主流操作系统大版本发布后，各在用应用的兼容性测试义务是否逾期。
    ///
    /// ## 为何重要
    /// 第十条要求跟踪操作系统大版本发布并提前开展兼容性测试；未测试的应用在系统升级当天可能无法使用。
    ///
    /// ## 修复
    /// 完成兼容性测试（含SDK），上传测试报告关闭义务；需改造的附改造方案和应急预案。
    ///
    /// ## 依据
    /// - 《通知》第十条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether the compatibility-test obligations opened by a recorded major OS
    /// release are overdue for apps in use.
    ///
    /// ## Why it matters
    /// Article 10 requires following major OS releases and testing compatibility in
    /// advance; an untested app may stop working the day users upgrade.
    ///
    /// ## Fix
    /// Run the compatibility test (SDKs included) and upload the report to close
    /// the obligation; attach the adaptation and fallback plans where changes are
    /// needed.
    ///
    /// ## References
    /// - Notice, article 10
    pub struct CompatibilityTestOverdue {
        id: "GOV-017",
        name: "compatibility-test-overdue",
        title_zh: "兼容性测试逾期",
        title_en: "Compatibility test overdue",
        severity: Medium,
        articles: [10],
    }
}

impl LedgerRule for CompatibilityTestOverdue {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        cx.overdue_obligations(&Self::META, "compatibility-test", out);
    }
}
