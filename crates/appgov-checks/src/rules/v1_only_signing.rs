use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 安装包是否只有 v1（JAR）签名，而没有 v2 及以上签名，且最低支持
    /// API 24 以下的系统。
    ///
    /// ## 为何重要
    /// v1 签名不保护 ZIP 的整体结构；在 Android 7.0 以下的设备上，Janus 类
    /// 漏洞（CVE-2017-13156）可在不破坏 v1 签名的情况下向安装包注入代码。
    /// 防篡改是《通知》第十二条安全防护的一部分。
    ///
    /// ## 示例
    /// 仅含 `META-INF/CERT.RSA`，APK 签名块中没有 v2/v3。
    ///
    /// ## 修复
    /// 用 `apksigner` 同时签 v1、v2、v3（AGP 默认如此）。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether the package is signed with v1 (JAR) only, with no v2 or
    /// newer signature, while it still supports systems below API 24.
    ///
    /// ## Why it matters
    /// A v1 signature does not protect the ZIP's structure as a whole; on
    /// devices below Android 7.0, Janus-class flaws (CVE-2017-13156) let code
    /// be injected into the package without breaking the v1 signature.
    /// Tamper resistance is part of article 12's security protection.
    ///
    /// ## Example
    /// Only `META-INF/CERT.RSA`, no v2/v3 in the APK Signing Block.
    ///
    /// ## Fix
    /// Sign v1, v2 and v3 with `apksigner` (AGP's default).
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    pub struct V1OnlySigning {
        id: "PKG-007",
        name: "v1-only-signing",
        title_zh: "仅V1签名",
        title_en: "v1-only signature",
        severity: High,
        articles: [12],
    }
}

impl Rule for V1OnlySigning {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // App bundles are JAR-signed upload artifacts by design; the APKs
        // made from them are signed again.
        if !cx.analysed("signing") || cx.facts.input.kind == "aab" {
            return;
        }
        let schemes = &cx.facts.signing.schemes;
        let has = |s: &str| schemes.iter().any(|x| x.scheme == s);
        if has("v1") && !has("v2") && !has("v3") && !has("v3.1") {
            out.push(Self::META.finding(
                format!(
                    "仅有 v1 签名，最低支持 API {}。",
                    cx.facts.min_sdk.unwrap_or(1)
                ),
                format!(
                    "Signed with v1 only; supports API {} and up.",
                    cx.facts.min_sdk.unwrap_or(1)
                ),
                vec![Evidence::new("signing", None, "schemes: v1")],
            ));
        }
    }
}
