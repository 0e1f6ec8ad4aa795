use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 应用代码中是否有以 `FLAG_SECURE`（0x2000）调用 `Window.setFlags` /
    /// `addFlags` 的地方。一处也没有时报告。只在字节码可读时判断（被加固
    /// 隐藏的代码不下结论）；AndroidX / 支持库中的调用不算，因为库只是提供
    /// 选项，是否开启由应用决定。
    ///
    /// ## 为何重要
    /// 没有 `FLAG_SECURE` 的界面可被截屏、录屏、投屏，也会出现在最近任务
    /// 缩略图中；登录、交易、验证码、证件信息等页面因此可能被恶意应用或
    /// 远程协助软件窃取。金融行业标准要求对敏感界面采取防截屏、防录屏
    /// 措施。《通知》第十二条要求安全防护。
    ///
    /// ## 示例
    /// 登录页 `LoginActivity` 未调用
    /// `getWindow().setFlags(FLAG_SECURE, FLAG_SECURE)`。
    ///
    /// ## 修复
    /// 在显示口令、验证码、账户与交易信息的 Activity 和对话框中设置
    /// `WindowManager.LayoutParams.FLAG_SECURE`（Compose 中用
    /// `SecureFlagPolicy.SecureOn`）；标志来自变量时，本检查看不到，可在
    /// 策略中说明后抑制。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 界面安全（防截屏）要求
    ///
    /// <!-- en -->
    /// ## What it does
    /// Looks for a call of `Window.setFlags` / `addFlags` with `FLAG_SECURE`
    /// (0x2000) in the app's code and reports when there is none. Decided
    /// only when the bytecode is readable (no conclusion on code a packer
    /// hides); calls inside AndroidX and the support library do not count —
    /// a library offers the option, the app decides.
    ///
    /// ## Why it matters
    /// A screen without `FLAG_SECURE` can be captured, recorded, cast, and
    /// appears in the recent-apps thumbnails, so login, payment, one-time
    /// code and identity screens can be taken by malware or remote-assistance
    /// tools. Financial-sector standards require protection of sensitive
    /// screens against capture. Article 12 of the notice requires security
    /// protection.
    ///
    /// ## Example
    /// `LoginActivity` never calls `getWindow().setFlags(FLAG_SECURE, FLAG_SECURE)`.
    ///
    /// ## Fix
    /// Set `WindowManager.LayoutParams.FLAG_SECURE` on activities and
    /// dialogs showing passwords, one-time codes, account and payment data
    /// (`SecureFlagPolicy.SecureOn` in Compose). When the flag comes from a
    /// variable this check cannot see it: suppress it in the policy with the
    /// reason.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, interface security (screen capture)
    pub struct NoScreenshotProtection {
        id: "PKG-029",
        name: "no-screenshot-protection",
        title_zh: "未防截屏",
        title_en: "No screenshot protection",
        severity: Low,
        articles: [12],
    }
}

/// Libraries whose `FLAG_SECURE` code implements an option for apps.
fn in_ui_library(site: &str) -> bool {
    site.starts_with("androidx.") || site.starts_with("android.support.")
}

impl Rule for NoScreenshotProtection {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("bytecode") || !cx.code_readable() {
            return;
        }
        let has_screens = cx
            .facts
            .android
            .components
            .iter()
            .any(|c| c.kind == "activity");
        if !has_screens {
            return;
        }
        let s = &cx.facts.dex.code_signals.secure_flag;
        let listed_in_app = s.sites.iter().any(|site| !in_ui_library(site));
        // `sites` lists at most MAX_SITES; more sites than listed means
        // some unlisted one may be the app's.
        if listed_in_app || s.count > s.sites.len() as u64 {
            return;
        }
        let mut ev = vec![Evidence::new(
            "dex",
            None,
            format!(
                "no Window.setFlags/addFlags with FLAG_SECURE in {} classes",
                cx.facts.dex.classes
            ),
        )];
        ev.extend(s.sites.iter().map(|site| {
            Evidence::new(
                "code",
                Some(site),
                "FLAG_SECURE in a UI library, not the app",
            )
        }));
        out.push(Self::META.finding(
            "应用代码中未发现设置 FLAG_SECURE 的调用，敏感界面可被截屏或录屏。",
            "No code sets FLAG_SECURE: sensitive screens can be captured or recorded.",
            ev,
        ));
    }
}
