use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 机构策略（`--policy`）列出了准入的 SDK 清单时，检出但不在清单中的
    /// 第三方 SDK。没有策略或策略未设清单时不检查。
    ///
    /// ## 为何重要
    /// 《通知》要求对第三方合作与 SDK 进行准入管理：引入前评估其安全与个人
    /// 信息处理，签订协议，登记台账。未经准入的 SDK 说明开发流程绕过了管控。
    ///
    /// ## 示例
    /// 策略 `[sdks] allowed = ["wechat-opensdk"]`，安装包中检出 `umeng-analytics`。
    ///
    /// ## 修复
    /// 移除该 SDK，或走准入流程（安全评估、个人信息保护影响评估、协议）后
    /// 加入策略清单并登记台账。
    ///
    /// ## 依据
    /// - 《通知》第六条（功能管理）、第七条（开发管理）
    /// - TC260 移动互联网应用程序 SDK 安全指南
    ///
    /// <!-- en -->
    /// ## What it does
    /// When the institution's policy (`--policy`) lists the approved SDKs,
    /// reports detected third-party SDKs that are not on the list. Without a
    /// policy or a list it checks nothing.
    ///
    /// ## Why it matters
    /// The notice requires admission control over third parties and SDKs:
    /// assess their security and PI handling before use, sign agreements,
    /// record them in the ledger. An unapproved SDK shows development
    /// bypassed that control.
    ///
    /// ## Example
    /// Policy `[sdks] allowed = ["wechat-opensdk"]`; the package contains `umeng-analytics`.
    ///
    /// ## Fix
    /// Remove the SDK, or take it through admission (security assessment, PI
    /// impact assessment, agreement), then add it to the policy and the ledger.
    ///
    /// ## References
    /// - Notice, articles 6 (functions) and 7 (development)
    /// - TC260 security guide for mobile app SDKs
    pub struct SdkNotApproved {
        id: "PKG-019",
        name: "sdk-not-approved",
        title_zh: "SDK未准入",
        title_en: "SDK not approved",
        severity: Medium,
        articles: [6, 7],
    }
}

impl Rule for SdkNotApproved {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(allowed) = cx.policy.and_then(|p| p.sdks.allowed.as_ref()) else {
            return;
        };
        let ev: Vec<Evidence> = cx
            .sdks
            .iter()
            .filter(|s| !allowed.contains(&s.id))
            .map(|s| Evidence::new("sdk", Some(&s.id), format!("{} / {}", s.name_zh, s.name)))
            .collect();
        if !ev.is_empty() {
            out.push(Self::META.finding(
                format!("{} 个 SDK 不在机构准入清单中。", ev.len()),
                format!(
                    "{} SDKs are not on the institution's approved list.",
                    ev.len()
                ),
                ev,
            ));
        }
    }
}
