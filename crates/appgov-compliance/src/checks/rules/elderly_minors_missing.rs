use crate::library::customer_facing;
use appgov_checks::{RuleMeta, declare_rule};

use crate::checks::{LedgerContext, LedgerFinding, LedgerRule};

declare_rule! {
    /// ## 检查内容
    /// 面向客户的在用应用是否提供适老化（关怀）模式，并登记了未成年人保护策略。
    ///
    /// ## 为何重要
    /// 第六条要求应用满足适老化和未成年人保护要求；台账中缺失这两项，说明评估没有做或没有记录。
    ///
    /// ## 修复
    /// 提供关怀模式并在应用页勾选；登记未成年人策略（不面向未成年人、监护人同意或不适用）。
    ///
    /// ## 依据
    /// - 《通知》第六条
    ///
    /// <!-- en -->
    /// ## What it does
    /// Whether every customer-facing app in use offers an elderly-friendly mode and
    /// records its policy on minors.
    ///
    /// ## Why it matters
    /// Article 6 requires elderly-friendly design and protection of minors; a
    /// ledger entry without either means the assessment was not done or not
    /// recorded.
    ///
    /// ## Fix
    /// Offer an elderly-friendly (care) mode and tick it on the app page; record
    /// the minors policy (not for minors, guardian consent, or not applicable).
    ///
    /// ## References
    /// - Notice, article 6
    pub struct ElderlyMinorsMissing {
        id: "GOV-012",
        name: "elderly-minors-missing",
        title_zh: "适老化或未成年人保护未落实",
        title_en: "Elderly-friendly mode or minors policy missing",
        severity: Medium,
        articles: [6],
    }
}

impl LedgerRule for ElderlyMinorsMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &LedgerContext<'_>, out: &mut Vec<LedgerFinding>) {
        for a in cx.active_apps().filter(|a| customer_facing(a)) {
            let mut zh = Vec::new();
            let mut en = Vec::new();
            if !a.elderly_mode {
                zh.push("未提供适老化模式");
                en.push("no elderly-friendly mode");
            }
            if a.minors_policy.is_none() {
                zh.push("未登记未成年人保护策略");
                en.push("no minors policy recorded");
            }
            if !zh.is_empty() {
                out.push(LedgerContext::finding(
                    &Self::META,
                    Some(&a.id),
                    Some(("app", &a.id)),
                    format!("{}：{}", a.name, zh.join("，")),
                    format!("{}: {}", a.name, en.join(", ")),
                ));
            }
        }
    }
}
