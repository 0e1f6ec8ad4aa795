use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 安装包中是否没有任何已知加固或运行时保护产品的特征（原生库、文件、
    /// 壳入口类；特征库见 `packers.toml`）。
    ///
    /// ## 为何重要
    /// 未加固的金融客户端很容易被反编译、篡改后重新签名，做成仿冒应用或
    /// 植入恶意代码。JR/T 0092 要求客户端具备防逆向、防篡改能力，《通知》
    /// 第十二条要求安全防护。未检出不等于一定未加固：自研或新版本的加固可能
    /// 不在特征库中。
    ///
    /// ## 示例
    /// 没有 `libjiagu*.so`、`libshell*.so`、`libsecexe.so` 等，清单的
    /// application 也不是壳入口类。
    ///
    /// ## 修复
    /// 发布包使用机构认可的加固产品，或采用同等的代码混淆与运行时自保护，
    /// 并在台账中记录。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 客户端安全：防逆向、防篡改
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks that the package shows no sign of any known packer or runtime
    /// protection product (native libraries, files, stub classes; signatures in
    /// `packers.toml`).
    ///
    /// ## Why it matters
    /// An unprotected financial client is easily decompiled, altered and
    /// re-signed into a counterfeit or a carrier of malicious code. JR/T 0092
    /// requires anti-reverse-engineering and anti-tampering; article 12
    /// requires security protection. No signature does not prove no
    /// protection: in-house or new versions may be missing from the catalog.
    ///
    /// ## Example
    /// No `libjiagu*.so`, `libshell*.so`, `libsecexe.so`…, and the manifest's
    /// application class is not a stub.
    ///
    /// ## Fix
    /// Protect release builds with an approved product, or equivalent
    /// obfuscation and runtime self-protection, and record it in the ledger.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, client security: anti-reverse-engineering, anti-tampering
    pub struct NotHardened {
        id: "PKG-001",
        name: "not-hardened",
        title_zh: "未加固",
        title_en: "No hardening detected",
        severity: Medium,
        articles: [12],
    }
}

impl Rule for NotHardened {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Without native and asset facts the signatures could not be seen.
        if !cx.analysed("native") || !cx.analysed("assets") {
            return;
        }
        if cx.packers.is_empty() {
            out.push(Self::META.finding(
                format!(
                    "未检出已知加固产品特征（特征库 {} 项）。",
                    cx.knowledge.packers.len()
                ),
                format!(
                    "No known packer or protector signature found ({} in the catalog).",
                    cx.knowledge.packers.len()
                ),
                vec![Evidence::new(
                    "archive",
                    None,
                    "no packer signature matched",
                )],
            ));
        }
    }
}
