use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 网络安全配置中没有为任何域名配置证书固定（`<pin-set>`）。代码中的
    /// 固定（如 OkHttp `CertificatePinner`、自定义 TrustManager）目前不在
    /// 检查范围内，因此本项为低危提示，需人工确认。
    ///
    /// ## 为何重要
    /// 没有证书固定时，任何被误签或被攻破的公共 CA、或设备上被植入的根证书，
    /// 都能对应用的 HTTPS 流量做中间人攻击。金融应用应固定其接口域名的证书
    /// 或公钥。《通知》第十二条要求安全防护。
    ///
    /// ## 示例
    /// 没有 `res/xml/network_security_config.xml`，或其中没有 `<pin-set>`。
    ///
    /// ## 修复
    /// 为接口域名配置 `<pin-set>`（含备用 pin 与到期日），或在代码中固定，
    /// 并在台账中记录证书轮换计划。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 通信安全
    ///
    /// <!-- en -->
    /// ## What it does
    /// Notes that the network security config pins no domain (`<pin-set>`).
    /// Pinning in code (OkHttp `CertificatePinner`, a custom TrustManager) is
    /// not examined yet, so this is a low-severity prompt for a manual check.
    ///
    /// ## Why it matters
    /// Without pinning, any mis-issuing or compromised public CA, or a root
    /// planted on the device, can intercept the app's HTTPS traffic. A
    /// financial app should pin its API domains' certificates or keys.
    /// Article 12 requires security protection.
    ///
    /// ## Example
    /// No `res/xml/network_security_config.xml`, or one without `<pin-set>`.
    ///
    /// ## Fix
    /// Add a `<pin-set>` (with a backup pin and an expiration) for API
    /// domains, or pin in code, and record the rotation plan in the ledger.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, communication security
    pub struct NoCertificatePinning {
        id: "PKG-037",
        name: "no-certificate-pinning",
        title_zh: "未配置证书固定",
        title_en: "No certificate pinning configured",
        severity: Low,
        articles: [12],
    }
}

impl Rule for NoCertificatePinning {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let nsc = cx.facts.android.network_security.as_ref();
        let pins = nsc.is_some_and(|n| n.domains.iter().any(|d| !d.pins.is_empty()));
        if !pins {
            let where_ = if nsc.is_some() {
                "network security config without <pin-set>"
            } else {
                "no network security config"
            };
            out.push(Self::META.finding(
                "网络安全配置中没有任何证书固定。",
                "The network security config pins no certificate.",
                vec![Evidence::new("network_security_config", None, where_)],
            ));
        }
    }
}
