use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 安装包中是否含有广告或广告归因类第三方 SDK（SDK 目录 `sdks.toml`
    /// 中类别为 `ads` 或 `attribution`）。
    ///
    /// ## 为何重要
    /// 广告与归因 SDK 会收集设备标识、应用列表和行为数据并传给第三方；在金融
    /// 应用中既难说明其必要性，也增加个人信息与声誉风险。《通知》第六条要求
    /// 应用功能与金融服务相关，第十六条要求保护个人信息。
    ///
    /// ## 示例
    /// 检出 `com.bytedance.sdk.openadsdk`（穿山甲）、`com.appsflyer`。
    ///
    /// ## 修复
    /// 移除广告 SDK；确需归因的，经个人信息保护影响评估后登记到台账，
    /// 并在隐私政策的第三方 SDK 清单中披露。
    ///
    /// ## 依据
    /// - 《通知》第六条（功能管理）、第十六条（个人信息保护）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Finds advertising and ad-attribution SDKs in the package (SDK catalog
    /// `sdks.toml`, categories `ads` and `attribution`).
    ///
    /// ## Why it matters
    /// Ad and attribution SDKs collect device identifiers, app lists and
    /// behaviour and pass them to third parties; in a financial app they are
    /// hard to justify and add PI and reputational risk. Article 6 keeps app
    /// functions to financial services; article 16 protects personal
    /// information.
    ///
    /// ## Example
    /// `com.bytedance.sdk.openadsdk` (Pangle), `com.appsflyer` detected.
    ///
    /// ## Fix
    /// Remove ad SDKs; where attribution is needed, record it in the ledger
    /// after a PI impact assessment and disclose it in the privacy policy's
    /// third-party SDK list.
    ///
    /// ## References
    /// - Notice, articles 6 (functions) and 16 (personal information protection)
    pub struct AdsSdk {
        id: "PKG-022",
        name: "ads-sdk",
        title_zh: "广告/归因SDK",
        title_en: "Advertising or attribution SDK",
        severity: Medium,
        articles: [6, 16],
    }
}

impl Rule for AdsSdk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let ev: Vec<Evidence> = cx
            .sdks
            .iter()
            .filter(|s| s.category == "ads" || s.category == "attribution")
            .map(|s| {
                let first = s.evidence.first();
                Evidence::new(
                    "sdk",
                    first.and_then(|e| e.location.as_deref()),
                    format!("{} / {} ({})", s.name_zh, s.name, s.category),
                )
            })
            .collect();
        if !ev.is_empty() {
            out.push(Self::META.finding(
                format!("检出 {} 个广告或归因类 SDK。", ev.len()),
                format!("{} advertising or attribution SDKs found.", ev.len()),
                ev,
            ));
        }
    }
}
