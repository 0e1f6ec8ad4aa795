use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 应用是否允许明文 HTTP：网络安全配置或 `usesCleartextTraffic`
    /// （目标 API 28 以下默认允许）放开明文，或有域名被单独放开明文。
    /// 代码和资源中的 `http://` 链接作为证据列出。
    ///
    /// ## 为何重要
    /// 明文流量可被同一网络中的任何人读取和篡改：登录、交易、客户信息都在
    /// 其中。《通知》第十二条要求传输安全防护。
    ///
    /// ## 示例
    /// ```xml
    /// <application android:usesCleartextTraffic="true" ...>
    /// <domain-config cleartextTrafficPermitted="true"><domain>api.example.com</domain></domain-config>
    /// ```
    ///
    /// ## 修复
    /// 全部使用 HTTPS；删除 `usesCleartextTraffic="true"`，在网络安全配置中
    /// 设置 `cleartextTrafficPermitted="false"`。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 通信安全
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether the app permits cleartext HTTP: the network security
    /// config or `usesCleartextTraffic` (permitted by default below target
    /// API 28) allows it, or a domain is opened to it. `http://` URLs in code
    /// and resources are listed as evidence.
    ///
    /// ## Why it matters
    /// Anyone on the same network can read and alter cleartext traffic:
    /// logins, transactions, customer data. Article 12 requires protection in
    /// transit.
    ///
    /// ## Example
    /// ```xml
    /// <application android:usesCleartextTraffic="true" ...>
    /// <domain-config cleartextTrafficPermitted="true"><domain>api.example.com</domain></domain-config>
    /// ```
    ///
    /// ## Fix
    /// Use HTTPS everywhere; drop `usesCleartextTraffic="true"` and set
    /// `cleartextTrafficPermitted="false"` in the network security config.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, communication security
    pub struct CleartextTraffic {
        id: "PKG-004",
        name: "cleartext-traffic",
        title_zh: "明文传输",
        title_en: "Cleartext traffic permitted",
        severity: High,
        articles: [12],
    }
}

/// Most `http://` URLs listed as evidence.
const MAX_URLS: usize = 20;

impl Rule for CleartextTraffic {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let app = &cx.facts.android.application;
        let mut ev = Vec::new();
        if app.cleartext_permitted_by_default {
            let why = match (
                app.uses_cleartext_traffic,
                cx.facts.android.network_security.as_ref(),
            ) {
                (_, Some(n)) if n.base.cleartext_permitted == Some(true) => {
                    "network security config base-config cleartextTrafficPermitted=true".to_string()
                }
                (Some(true), _) => "android:usesCleartextTraffic=true".to_string(),
                _ => format!(
                    "target SDK {} < 28: cleartext permitted by default",
                    cx.facts.target_sdk.unwrap_or(0)
                ),
            };
            ev.push(Evidence::new("manifest", Some("application"), why));
        }
        if let Some(nsc) = &cx.facts.android.network_security {
            for d in &nsc.domains {
                if d.policy.cleartext_permitted == Some(true) {
                    let names: Vec<&str> = d.domains.iter().map(|x| x.name.as_str()).collect();
                    ev.push(Evidence::new(
                        "network_security_config",
                        Some("domain-config"),
                        format!("cleartextTrafficPermitted=true for {}", names.join(", ")),
                    ));
                }
            }
        }
        if ev.is_empty() {
            return;
        }
        for u in cx
            .facts
            .endpoints
            .urls
            .iter()
            .filter(|u| u.value.starts_with("http://"))
            .take(MAX_URLS)
        {
            let loc = cx.endpoint_location(u);
            ev.push(Evidence::new("url", loc.as_deref(), u.value.clone()));
        }
        out.push(Self::META.finding(
            "应用允许明文 HTTP 流量。",
            "The app permits cleartext HTTP traffic.",
            ev,
        ));
    }
}
