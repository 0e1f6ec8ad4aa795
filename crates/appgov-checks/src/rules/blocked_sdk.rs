use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 检出机构策略（`--policy`）中 `[sdks] blocked` 列出的 SDK——例如被监管
    /// 通报、存在已知漏洞或违规收集个人信息的 SDK。
    ///
    /// ## 为何重要
    /// 被禁用的 SDK 意味着已知的安全或合规问题被带进了发布包；《通知》要求
    /// 在开发阶段管控引入的代码，并在发现问题后及时处置。
    ///
    /// ## 示例
    /// 策略 `[sdks] blocked = ["some-sdk"]`，安装包中检出 `some-sdk`。
    ///
    /// ## 修复
    /// 移除该 SDK 或换用合规的版本或替代品，并在台账中记录处置。
    ///
    /// ## 依据
    /// - 《通知》第七条（开发管理）、第九条（运营管理）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Reports SDKs that the institution's policy (`--policy`) blocks under
    /// `[sdks] blocked` — e.g. named in a regulator's notice, with known
    /// vulnerabilities, or collecting PI unlawfully.
    ///
    /// ## Why it matters
    /// A blocked SDK brings a known security or compliance problem into the
    /// release; the notice requires controlling code brought in during
    /// development and acting on problems found.
    ///
    /// ## Example
    /// Policy `[sdks] blocked = ["some-sdk"]`; the package contains `some-sdk`.
    ///
    /// ## Fix
    /// Remove the SDK or replace it with a compliant version or alternative,
    /// and record the action in the ledger.
    ///
    /// ## References
    /// - Notice, articles 7 (development) and 9 (operations)
    pub struct BlockedSdk {
        id: "PKG-021",
        name: "blocked-sdk",
        title_zh: "黑名单SDK",
        title_en: "Blocked SDK",
        severity: High,
        articles: [7, 9],
    }
}

impl Rule for BlockedSdk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(p) = cx.policy else { return };
        let ev: Vec<Evidence> = cx
            .sdks
            .iter()
            .filter(|s| p.sdks.blocked.contains(&s.id))
            .map(|s| Evidence::new("sdk", Some(&s.id), format!("{} / {}", s.name_zh, s.name)))
            .collect();
        if !ev.is_empty() {
            out.push(Self::META.finding(
                format!("检出机构禁用的 SDK {} 个。", ev.len()),
                format!("{} SDKs the institution blocks are present.", ev.len()),
                ev,
            ));
        }
    }
}
