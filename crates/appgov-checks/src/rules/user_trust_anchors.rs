use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 网络安全配置是否信任用户安装的 CA 证书（`<certificates src="user"/>`，
    /// 在 debug-overrides 之外）；目标 API 24 以下且没有网络安全配置时，
    /// 系统默认即信任用户证书。
    ///
    /// ## 为何重要
    /// 信任用户 CA 时，诱导用户安装一张证书即可对应用的 HTTPS 流量做中间人
    /// 攻击，读取和篡改登录与交易数据。
    ///
    /// ## 示例
    /// ```xml
    /// <base-config><trust-anchors><certificates src="user"/></trust-anchors></base-config>
    /// ```
    ///
    /// ## 修复
    /// 删除 `src="user"`（只在 `<debug-overrides>` 中保留用于测试）；把目标
    /// API 提到 24 以上。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 通信安全
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether the network security config trusts user-installed CA
    /// certificates (`<certificates src="user"/>` outside debug-overrides);
    /// below target API 24 without a config the platform trusts them by default.
    ///
    /// ## Why it matters
    /// Trusting user CAs lets anyone who talks a user into installing one
    /// certificate intercept the app's HTTPS traffic, reading and altering
    /// logins and transactions.
    ///
    /// ## Example
    /// ```xml
    /// <base-config><trust-anchors><certificates src="user"/></trust-anchors></base-config>
    /// ```
    ///
    /// ## Fix
    /// Remove `src="user"` (keep it only in `<debug-overrides>` for testing);
    /// raise the target API to 24 or above.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, communication security
    pub struct UserTrustAnchors {
        id: "PKG-005",
        name: "user-trust-anchors",
        title_zh: "信任用户证书",
        title_en: "Trusts user-installed CA certificates",
        severity: Medium,
        articles: [12],
    }
}

impl Rule for UserTrustAnchors {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut ev = Vec::new();
        let nsc = cx.facts.android.network_security.as_ref();
        if let Some(n) = nsc {
            if n.base.trust_anchors.iter().any(|t| t.src == "user") {
                ev.push(Evidence::new(
                    "network_security_config",
                    Some("base-config"),
                    "trust-anchors include src=\"user\"",
                ));
            }
            for d in &n.domains {
                if d.policy.trust_anchors.iter().any(|t| t.src == "user") {
                    let names: Vec<&str> = d.domains.iter().map(|x| x.name.as_str()).collect();
                    ev.push(Evidence::new(
                        "network_security_config",
                        Some("domain-config"),
                        format!(
                            "trust-anchors include src=\"user\" for {}",
                            names.join(", ")
                        ),
                    ));
                }
            }
        } else if cx.facts.target_sdk.is_some_and(|t| t < 24) {
            // Before API 24 the platform default trusts user CAs.
            ev.push(Evidence::new("manifest", Some("uses-sdk"), format!("target SDK {} < 24 without a network security config: user CAs trusted by default", cx.facts.target_sdk.unwrap_or(0))));
        }
        if !ev.is_empty() {
            out.push(Self::META.finding(
                "应用信任用户安装的 CA 证书。",
                "The app trusts user-installed CA certificates.",
                ev,
            ));
        }
    }
}
