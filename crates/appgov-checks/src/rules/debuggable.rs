use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 应用清单的 `<application>` 是否声明 `android:debuggable="true"`。
    ///
    /// ## 为何重要
    /// 可调试的发布包允许任何人通过 USB 或 JDWP 附加调试器、读取内存、
    /// 绕过业务逻辑并导出私有数据目录（`run-as`）。金融应用的反调试是
    /// JR/T 0092 的基本要求，也是《通知》第十二条安全防护的一部分。
    ///
    /// ## 示例
    /// ```xml
    /// <application android:debuggable="true" ...>
    /// ```
    ///
    /// ## 修复
    /// 使用 release 构建类型发布（Gradle 会自动去掉该属性），并在流水线中
    /// 以本检查作为门禁。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 客户端安全：防调试
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether the manifest's `<application>` declares `android:debuggable="true"`.
    ///
    /// ## Why it matters
    /// A debuggable release lets anyone attach a debugger over USB or JDWP, read
    /// memory, bypass business logic and copy the private data directory
    /// (`run-as`). Anti-debugging is a baseline of JR/T 0092 for financial
    /// clients and part of the security protection article 12 requires.
    ///
    /// ## Example
    /// ```xml
    /// <application android:debuggable="true" ...>
    /// ```
    ///
    /// ## Fix
    /// Ship the release build type (Gradle drops the attribute) and gate the
    /// pipeline on this check.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, client security: anti-debugging
    pub struct Debuggable {
        id: "PKG-002",
        name: "debuggable",
        title_zh: "可调试",
        title_en: "Debuggable build",
        severity: High,
        articles: [12],
    }
}

impl Rule for Debuggable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if cx.facts.android.application.debuggable {
            out.push(Self::META.finding(
                "应用声明了 android:debuggable=\"true\"，发布包可被附加调试器。",
                "The application declares android:debuggable=\"true\"; a debugger can attach to the release.",
                vec![Evidence::new("manifest", Some("application"), "android:debuggable=true")],
            ));
        }
    }
}
