use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};
use appgov_knowledge::requirements::RequirementKind;

declare_rule! {
    /// ## 检查内容
    /// 64 位原生库（`arm64-v8a`、`x86_64`）是否支持 16 KB 内存页：每个可加载段
    /// （`PT_LOAD`）须按至少 16 KB 对齐；应用声明 `extractNativeLibs="false"`（库直接
    /// 从安装包映射）时，库还须以不压缩方式存放在 16 KB 对齐的偏移上。
    ///
    /// 严重程度：应用以 API 35（Android 15）或更高为目标、且 Google Play 的 16 KB
    /// 要求已生效时为中危；否则为低危（不受商店规则约束，但在 16 KB 设备上仍有
    /// 兼容问题）。生效日期取自知识库 `requirements.toml`。
    ///
    /// ## 为何重要
    /// Android 15 起部分设备使用 16 KB 内存页。按 4 KB 对齐的原生库在这类设备上
    /// 无法加载，应用会在加载库时崩溃或只能以兼容模式运行。Google Play 要求以
    /// Android 15 及以上为目标的新应用和更新支持 16 KB 页。《通知》第十条要求做好
    /// 新系统版本的兼容适配。
    ///
    /// ## 示例
    /// `lib/arm64-v8a/libpay.so` 的可加载段按 4096 字节对齐。
    ///
    /// ## 修复
    /// 使用 NDK r28 及以上（默认 16 KB 对齐），或以
    /// `-Wl,-z,max-page-size=16384` 链接；升级 AGP 到 8.5.1 及以上以 16 KB 对齐
    /// 不压缩的库；向 SDK 供应商索取 16 KB 对齐的版本。
    ///
    /// ## 依据
    /// - 《通知》第十条（兼容适配）
    /// - Android 开发者文档《支持 16 KB 页面大小》及 Google Play 的 16 KB 要求
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks that 64-bit native libraries (`arm64-v8a`, `x86_64`) support
    /// 16 KB memory pages: every loadable segment (`PT_LOAD`) aligned to at
    /// least 16 KB; with `extractNativeLibs="false"` (libraries mapped
    /// straight from the package) the library must also be stored
    /// uncompressed at a 16 KB-aligned offset.
    ///
    /// Severity: medium when the app targets API 35 (Android 15) or higher
    /// and Google Play's 16 KB requirement is in force; low otherwise (no
    /// store rule applies, but 16 KB devices are still affected). The dates
    /// come from the knowledge file `requirements.toml`.
    ///
    /// ## Why it matters
    /// Since Android 15 some devices use 16 KB memory pages. Libraries
    /// aligned to 4 KB cannot be loaded there: the app crashes when it loads
    /// them or runs only in a compatibility mode. Google Play requires new
    /// apps and updates that target Android 15 or higher to support 16 KB
    /// pages. Article 10 requires adapting to new OS versions.
    ///
    /// ## Example
    /// `lib/arm64-v8a/libpay.so` with loadable segments aligned to 4096 bytes.
    ///
    /// ## Fix
    /// Build with NDK r28 or newer (16 KB by default) or link with
    /// `-Wl,-z,max-page-size=16384`; use AGP 8.5.1 or newer so uncompressed
    /// libraries are 16 KB-aligned in the package; ask SDK vendors for
    /// 16 KB-aligned builds.
    ///
    /// ## References
    /// - Notice, article 10 (compatibility)
    /// - Android developers, "Support 16 KB page sizes", and Google Play's
    ///   16 KB requirement (https://developer.android.com/guide/practices/page-sizes)
    pub struct PageSize16K {
        id: "PKG-040",
        name: "page-size-16k",
        title_zh: "原生库未按16KB页对齐",
        title_en: "Native libraries not 16 KB page-aligned",
        severity: Medium,
        articles: [10],
    }
}

/// ABIs of devices that can run with 16 KB pages.
const ABIS_64: &[&str] = &["arm64-v8a", "x86_64"];
/// Android 15: the target level from which Google Play's rule applies.
const TARGET_FOR_RULE: u32 = 35;
/// Most libraries listed as evidence.
const MAX_LIBS: usize = 30;

impl Rule for PageSize16K {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("native") {
            return;
        }
        // Zip alignment matters only when libraries are mapped from an installable APK.
        let mapped_from_apk = cx.facts.android.application.extract_native_libs == Some(false)
            && cx.facts.input.kind == "apk";
        let mut ev = Vec::new();
        for lib in cx
            .facts
            .native_libs
            .iter()
            .filter(|l| ABIS_64.contains(&l.abi.as_str()))
        {
            if lib.page_16k_compatible == Some(false) {
                ev.push(Evidence::new(
                    "native",
                    Some(&lib.path),
                    format!(
                        "LOAD segments aligned to {} bytes",
                        lib.min_load_align.unwrap_or(0)
                    ),
                ));
            } else if mapped_from_apk && lib.zip_aligned_16k == Some(false) {
                ev.push(Evidence::new(
                    "native",
                    Some(&lib.path),
                    "not stored uncompressed at a 16 KB-aligned offset (extractNativeLibs=false)",
                ));
            }
        }
        if ev.is_empty() {
            return;
        }
        let total = ev.len();
        ev.truncate(MAX_LIBS);
        let today = cx.today.as_str();
        let in_force = cx
            .knowledge
            .store_requirements
            .iter()
            .filter(|r| r.kind == RequirementKind::PageSize16K && r.effective.as_str() <= today)
            .min_by(|a, b| a.effective.cmp(&b.effective));
        let target = cx.facts.target_sdk.unwrap_or(0);
        let f = match in_force {
            Some(req) if target >= TARGET_FOR_RULE => {
                ev.push(Evidence::new(
                    "requirement",
                    Some(&req.id),
                    format!(
                        "{}: 16 KB pages for apps targeting API {TARGET_FOR_RULE}+ since {}",
                        req.store_en, req.effective
                    ),
                ));
                Self::META.finding(
                    format!(
                        "{total} 个 64 位原生库不支持 16 KB 内存页；应用以 API {target} 为目标，{} 自 {} 起要求支持。",
                        req.store_zh, req.effective
                    ),
                    format!(
                        "64-bit native libraries without 16 KB page support: {total}; the app targets API {target}, and {} requires it since {}.",
                        req.store_en, req.effective
                    ),
                    ev,
                )
            }
            _ => {
                let mut f = Self::META.finding(
                    format!("{total} 个 64 位原生库不支持 16 KB 内存页，在 16 KB 页设备上无法加载。"),
                    format!(
                        "64-bit native libraries without 16 KB page support: {total}; they cannot load on 16 KB-page devices."
                    ),
                    ev,
                );
                f.severity = Severity::Low;
                f
            }
        };
        out.push(f);
    }
}
