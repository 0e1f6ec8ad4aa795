use crate::{Context, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// WebView 的危险配置，来自字节码：以常量 `true` 调用
    /// `setAllowFileAccessFromFileURLs` 或 `setAllowUniversalAccessFromFileURLs`；
    /// 以及在最低支持版本低于 Android 4.2（API 17）时调用
    /// `addJavascriptInterface`。每处位置注明所属 SDK（如能判定）。
    ///
    /// ## 为何重要
    /// 允许 `file://` 页面读取其他文件或任意来源时，页面中的脚本可以读出
    /// 应用私有数据（Cookie、令牌、数据库）。API 17 之前，注入 WebView 的
    /// Java 对象的所有公开方法都可被页面脚本通过反射调用，加载任何不可信
    /// 页面即可在应用内执行代码（CVE-2012-6636）。《通知》第七条要求开发
    /// 阶段的安全管控，第十二条要求安全防护。
    ///
    /// ## 示例
    /// `webView.getSettings().setAllowUniversalAccessFromFileURLs(true)`；
    /// `minSdkVersion 15` 且 `webView.addJavascriptInterface(bridge, "app")`
    ///
    /// ## 修复
    /// 不打开文件 URL 的跨源访问；本地页面用 `WebViewAssetLoader` 以 https
    /// 地址加载；把最低支持版本提高到 17 以上，桥接对象只暴露带
    /// `@JavascriptInterface` 注解的必要方法，并只对可信来源的页面开放。
    ///
    /// ## 依据
    /// - 《通知》第七条（开发管理）、第十二条（安全防护）
    /// - Android 开发者文档《WebView – Unsafe File Inclusion》
    /// - CVE-2012-6636（API 17 之前的 addJavascriptInterface）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Finds risky WebView settings in the bytecode: calls of
    /// `setAllowFileAccessFromFileURLs` or `setAllowUniversalAccessFromFileURLs`
    /// with a constant `true`, and `addJavascriptInterface` in an app whose
    /// minimum SDK is below Android 4.2 (API 17). Each site names the SDK
    /// that owns it, where known.
    ///
    /// ## Why it matters
    /// When `file://` pages may read other files or any origin, a script in
    /// such a page can read the app's private data (cookies, tokens,
    /// databases). Before API 17 every public method of an object added to
    /// a WebView was reachable from page scripts by reflection, so any
    /// untrusted page could run code inside the app (CVE-2012-6636). Article
    /// 7 of the notice requires security control in development, article 12
    /// security protection.
    ///
    /// ## Example
    /// `webView.getSettings().setAllowUniversalAccessFromFileURLs(true)`;
    /// `minSdkVersion 15` with `webView.addJavascriptInterface(bridge, "app")`
    ///
    /// ## Fix
    /// Keep cross-origin access from file URLs off; load local pages over
    /// https with `WebViewAssetLoader`; raise the minimum SDK to 17 or more,
    /// expose only the needed `@JavascriptInterface` methods and only to
    /// trusted origins.
    ///
    /// ## References
    /// - Notice, articles 7 (development) and 12 (security protection)
    /// - Android developers, "WebView – Unsafe File Inclusion"
    /// - CVE-2012-6636 (addJavascriptInterface before API 17)
    pub struct RiskyWebView {
        id: "PKG-025",
        name: "risky-webview",
        title_zh: "WebView风险配置",
        title_en: "Risky WebView configuration",
        severity: High,
        articles: [7, 12],
    }
}

/// The first API level on which only `@JavascriptInterface` methods are
/// reachable from page scripts.
const JS_INTERFACE_SAFE_FROM: u32 = 17;

impl Rule for RiskyWebView {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("bytecode") {
            return;
        }
        let s = &cx.facts.dex.code_signals;
        let mut ev: Vec<_> = s
            .webview_file_access
            .sites
            .iter()
            .map(|site| cx.code_evidence(site, "file URLs may read other files or any origin"))
            .collect();
        // A missing minSdk means 1 to Android.
        let min_sdk = cx.facts.min_sdk.unwrap_or(1);
        if min_sdk < JS_INTERFACE_SAFE_FROM {
            let what = format!(
                "addJavascriptInterface with minSdk {min_sdk}: every public method reachable before API 17"
            );
            ev.extend(
                s.webview_javascript_interface
                    .sites
                    .iter()
                    .map(|site| cx.code_evidence(site, &what)),
            );
        }
        if ev.is_empty() {
            return;
        }
        out.push(Self::META.finding(
            format!(
                "{} 处代码使 WebView 面临本地文件读取或脚本注入风险。",
                ev.len()
            ),
            format!(
                "{} code sites expose WebViews to local file theft or script injection.",
                ev.len()
            ),
            ev,
        ));
    }
}
