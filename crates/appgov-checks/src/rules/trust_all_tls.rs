use crate::{Context, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 代码中是否有放弃证书校验的写法：`checkServerTrusted` 为空的
    /// `X509TrustManager`、`verify` 恒返回 true 的 `HostnameVerifier`
    /// （含 `ALLOW_ALL_HOSTNAME_VERIFIER`），以及在 WebView 的
    /// `onReceivedSslError` 中调用 `SslErrorHandler.proceed()`。结果来自逐条
    /// 指令的字节码分析（`bytecode` 部分），可能出自第三方 SDK。
    ///
    /// ## 为何重要
    /// 这些写法让任何人都能用自签证书冒充服务器，HTTPS 形同明文：登录凭据、
    /// 交易与客户信息都可被截获和篡改。这是金融客户端通信安全的严重缺陷，
    /// 《通知》第十二条要求安全防护。
    ///
    /// ## 示例
    /// ```java
    /// public void onReceivedSslError(WebView v, SslErrorHandler h, SslError e) {
    ///     h.proceed();
    /// }
    /// ```
    ///
    /// ## 修复
    /// 删除自定义的全信任实现，使用系统默认校验；WebView 出现证书错误时调用
    /// `cancel()`；需要信任私有 CA 时用网络安全配置声明，不要改代码。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 通信安全
    ///
    /// <!-- en -->
    /// ## What it does
    /// Looks for code that gives up certificate validation: an
    /// `X509TrustManager` whose `checkServerTrusted` is empty, a
    /// `HostnameVerifier` whose `verify` always returns true (including
    /// `ALLOW_ALL_HOSTNAME_VERIFIER`), and `SslErrorHandler.proceed()` inside a
    /// WebView's `onReceivedSslError`. The result comes from walking the
    /// bytecode (the `bytecode` section) and may sit in a third-party SDK.
    ///
    /// ## Why it matters
    /// Any self-signed certificate then impersonates the server and HTTPS is
    /// as good as cleartext: credentials, transactions and customer data can
    /// be read and altered. A severe flaw in a financial client's
    /// communication security; article 12 requires security protection.
    ///
    /// ## Example
    /// ```java
    /// public void onReceivedSslError(WebView v, SslErrorHandler h, SslError e) {
    ///     h.proceed();
    /// }
    /// ```
    ///
    /// ## Fix
    /// Remove trust-all implementations and use the platform's validation;
    /// call `cancel()` on WebView certificate errors; declare private CAs in
    /// the network security config instead of changing code.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, communication security
    pub struct TrustAllTls {
        id: "PKG-006",
        name: "trust-all-tls",
        title_zh: "全信任证书校验",
        title_en: "Certificate validation disabled",
        severity: Critical,
        articles: [12],
    }
}

impl Rule for TrustAllTls {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("bytecode") {
            return;
        }
        let s = &cx.facts.dex.code_signals;
        let mut ev = Vec::new();
        for (what, sites) in [
            (
                "trust manager accepting every certificate",
                &s.trust_all_trust_managers,
            ),
            (
                "hostname verifier accepting every host",
                &s.permissive_hostname_verifiers,
            ),
            (
                "WebView SSL error ignored with proceed()",
                &s.ssl_error_proceed,
            ),
        ] {
            for site in &sites.sites {
                ev.push(cx.code_evidence(site, what));
            }
        }
        if !ev.is_empty() {
            out.push(Self::META.finding(
                format!("{} 处代码放弃了证书或主机名校验。", ev.len()),
                format!(
                    "{} code sites disable certificate or host name validation.",
                    ev.len()
                ),
                ev,
            ));
        }
    }
}
