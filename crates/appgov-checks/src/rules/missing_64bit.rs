use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 带有 32 位原生库（`armeabi-v7a`、`armeabi`、`x86`）却没有对应 64 位库
    /// （`arm64-v8a`、`x86_64`）的安装包。
    ///
    /// ## 为何重要
    /// Google Play 自 2019 年、国内主要手机厂商应用商店自 2021–2023 年起要求
    /// 64 位版本；新的仅 64 位设备无法运行只有 32 位库的应用。《通知》第十条
    /// 要求做好兼容适配。
    ///
    /// ## 示例
    /// `lib/armeabi-v7a/libpay.so`，没有 `lib/arm64-v8a/`。
    ///
    /// ## 修复
    /// 为每个原生库同时构建 `arm64-v8a`（及需要时 `x86_64`），并向 SDK 供应商
    /// 索取 64 位版本。
    ///
    /// ## 依据
    /// - 《通知》第十条（兼容适配）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Finds packages with 32-bit native libraries (`armeabi-v7a`, `armeabi`,
    /// `x86`) but no matching 64-bit ones (`arm64-v8a`, `x86_64`).
    ///
    /// ## Why it matters
    /// Google Play has required 64-bit since 2019 and the main Chinese handset
    /// vendors' stores since 2021–2023; new 64-bit-only devices cannot run an
    /// app with only 32-bit libraries. Article 10 requires compatibility work.
    ///
    /// ## Example
    /// `lib/armeabi-v7a/libpay.so` and no `lib/arm64-v8a/`.
    ///
    /// ## Fix
    /// Build every native library for `arm64-v8a` too (and `x86_64` where
    /// needed); ask SDK vendors for their 64-bit builds.
    ///
    /// ## References
    /// - Notice, article 10 (compatibility)
    pub struct Missing64Bit {
        id: "PKG-013",
        name: "missing-64bit",
        title_zh: "缺少64位库",
        title_en: "Missing 64-bit native libraries",
        severity: Low,
        articles: [10],
    }
}

impl Rule for Missing64Bit {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("native") {
            return;
        }
        let libs = &cx.facts.native_libs;
        let has = |abi: &str| libs.iter().any(|l| l.abi == abi);
        let arm64 = has("arm64-v8a");
        let x64 = has("x86_64");
        let mut ev = Vec::new();
        if (has("armeabi-v7a") || has("armeabi")) && !arm64 {
            ev.push(Evidence::new(
                "native",
                Some("lib/arm64-v8a/"),
                "ARM libraries present, no arm64-v8a",
            ));
        }
        if has("x86") && !x64 && !arm64 {
            ev.push(Evidence::new(
                "native",
                Some("lib/x86_64/"),
                "x86 libraries present, no x86_64",
            ));
        }
        if !ev.is_empty() {
            out.push(Self::META.finding(
                "有 32 位原生库但缺少对应的 64 位库。",
                "32-bit native libraries without their 64-bit counterparts.",
                ev,
            ));
        }
    }
}
