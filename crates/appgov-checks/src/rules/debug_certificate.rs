use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 安装包是否用 Android 调试证书（`CN=Android Debug`）签名。
    ///
    /// ## 为何重要
    /// 调试证书的私钥在每台开发机上都有，任何人都能用它签出同名的“更新”
    /// 覆盖安装；用调试证书签名也说明发布流程失控。《通知》第八条要求机构
    /// 管控应用的发布。
    ///
    /// ## 示例
    /// 签名证书主题为 `C=US, O=Android, CN=Android Debug`。
    ///
    /// ## 修复
    /// 用机构管控的发布密钥签名（或 Play App Signing），并把证书指纹登记到
    /// 台账。
    ///
    /// ## 依据
    /// - 《通知》第八条（发布管理）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether the package is signed with the Android debug certificate
    /// (`CN=Android Debug`).
    ///
    /// ## Why it matters
    /// The debug key is on every developer machine: anyone can sign an
    /// "update" with the same identity and install it over the app. A debug
    /// signature also shows the release process is out of control; article 8
    /// makes the institution control releases.
    ///
    /// ## Example
    /// Signer subject `C=US, O=Android, CN=Android Debug`.
    ///
    /// ## Fix
    /// Sign with the institution's controlled release key (or Play App
    /// Signing) and record its fingerprint in the ledger.
    ///
    /// ## References
    /// - Notice, article 8 (release management)
    pub struct DebugCertificate {
        id: "PKG-009",
        name: "debug-certificate",
        title_zh: "调试证书签名",
        title_en: "Signed with a debug certificate",
        severity: Critical,
        articles: [8],
    }
}

impl Rule for DebugCertificate {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let ev: Vec<Evidence> = crate::detect::signer_certificates(cx.facts)
            .filter(|c| c.debug)
            .map(|c| Evidence::new("certificate", Some(&c.sha256), c.subject.clone()))
            .collect();
        if !ev.is_empty() {
            out.push(Self::META.finding(
                "安装包由 Android 调试证书签名。",
                "The package is signed with the Android debug certificate.",
                ev,
            ));
        }
    }
}
