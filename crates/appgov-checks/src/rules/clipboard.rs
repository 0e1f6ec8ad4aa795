use crate::{Context, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 代码是否引用读取剪贴板内容的系统接口（`ClipboardManager.getPrimaryClip`
    /// 等，清单见 `pi.toml`）。
    ///
    /// ## 为何重要
    /// 剪贴板里常有验证码、账号、口令和聊天内容；频繁或在后台读取剪贴板是
    /// 监管通报的常见问题。《通知》第十六条要求最小必要收集个人信息。
    ///
    /// ## 示例
    /// `ClipboardManager.getPrimaryClip()`
    ///
    /// ## 修复
    /// 只在用户主动粘贴时读取；移除会在启动时读取剪贴板的 SDK 或关闭其相关功能。
    ///
    /// ## 依据
    /// - 《通知》第十六条（个人信息保护）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks whether code references framework APIs that read the clipboard
    /// (`ClipboardManager.getPrimaryClip` etc., listed in `pi.toml`).
    ///
    /// ## Why it matters
    /// The clipboard often holds verification codes, account numbers,
    /// passwords and chat text; reading it often or in the background is a
    /// common finding in regulators' notices. Article 16 requires minimal
    /// collection.
    ///
    /// ## Example
    /// `ClipboardManager.getPrimaryClip()`
    ///
    /// ## Fix
    /// Read it only when the user pastes; remove SDKs that read it at start-up
    /// or switch that feature off.
    ///
    /// ## References
    /// - Notice, article 16 (personal information protection)
    pub struct Clipboard {
        id: "PKG-018",
        name: "clipboard",
        title_zh: "读取剪贴板",
        title_en: "Reads the clipboard",
        severity: Low,
        articles: [16],
    }
}

impl Rule for Clipboard {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let ev = super::api_evidence(cx, |a| a.pi.iter().any(|p| p == "clipboard"));
        if !ev.is_empty() {
            out.push(Self::META.finding(
                "代码引用了读取剪贴板的系统接口。",
                "Code references framework APIs that read the clipboard.",
                ev,
            ));
        }
    }
}
