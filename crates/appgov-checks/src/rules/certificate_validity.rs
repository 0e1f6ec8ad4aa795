use crate::detect::signer_certificates;
use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 签名证书的有效期：
    /// - 已过期（`notAfter` 早于今天）——中危；
    /// - 尚未生效（`notBefore` 晚于今天）——中危；
    /// - 有效期在 2033-10-22 之前结束——低危。Google 的应用签名文档要求在 Google Play
    ///   发布的应用所用签名密钥的有效期晚于 2033 年 10 月 22 日，并建议有效期至少
    ///   25 年。
    ///
    /// ## 为何重要
    /// Android 安装和更新时不检查证书有效期，只比对证书本身，所以过期证书签名的
    /// 安装包仍能安装。但应用商店、企业移动管理和安全审计会检查有效期：过期或
    /// 即将到期的证书会导致上架、备案复核被拒，而签名证书又不能随意更换——
    /// 换证书意味着用户无法覆盖升级，只能通过 v3 密钥轮换平滑过渡。尚未生效的
    /// 证书说明签名时的时钟或签发流程有问题。《通知》第八条要求管控发布，
    /// 第十二条要求安全防护。
    ///
    /// ## 示例
    /// `notAfter = 2012-04-06T14:11:56Z`；或 `notAfter = 2028-06-16`（早于 2033-10-22）。
    ///
    /// ## 修复
    /// 通过 APK 签名方案 v3 密钥轮换（`apksigner rotate`）或 Play 应用签名的密钥升级，
    /// 换到有效期足够长（25 年以上）的新证书，并把新指纹登记到台账和备案。
    ///
    /// ## 依据
    /// - 《通知》第八条（发布管理）、第十二条（安全防护）
    /// - Android 开发者文档《为应用签名》：签名密钥有效期须晚于 2033-10-22，建议至少 25 年
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks the signer certificate's validity:
    /// - expired (`notAfter` before today) — medium;
    /// - not yet valid (`notBefore` after today) — medium;
    /// - validity ending before 2033-10-22 — low. Google's app-signing
    ///   documentation requires the signing key of apps published on Google
    ///   Play to be valid until after 22 October 2033, and recommends at
    ///   least 25 years.
    ///
    /// ## Why it matters
    /// Android does not check certificate validity at install or update: it
    /// compares the certificates themselves, so a package signed with an
    /// expired certificate still installs. App stores, enterprise mobility
    /// management and audits do check it: an expired or soon-expiring
    /// certificate gets listings and filing reviews refused, and the signing
    /// certificate cannot simply be replaced — a new one breaks updates for
    /// existing users unless v3 key rotation bridges it. A certificate that is
    /// not yet valid points to a wrong clock or a broken issuing process.
    /// Article 8 requires controlled releases, article 12 security protection.
    ///
    /// ## Example
    /// `notAfter = 2012-04-06T14:11:56Z`; or `notAfter = 2028-06-16` (before 2033-10-22).
    ///
    /// ## Fix
    /// Move to a new certificate valid for 25 years or more through APK
    /// Signature Scheme v3 key rotation (`apksigner rotate`) or a Play App
    /// Signing key upgrade; record the new fingerprint in the ledger and the
    /// filing.
    ///
    /// ## References
    /// - Notice, articles 8 (release management) and 12 (security protection)
    /// - Android developers, "Sign your app": keys for Google Play must be
    ///   valid past 22 October 2033; at least 25 years recommended
    ///   (https://developer.android.com/studio/publish/app-signing)
    pub struct CertificateValidity {
        id: "PKG-039",
        name: "certificate-validity",
        title_zh: "签名证书过期或有效期不足",
        title_en: "Signing certificate expired or short-lived",
        severity: Medium,
        articles: [8, 12],
    }
}

/// Google Play's floor for the end of a signing key's validity.
const PLAY_VALID_UNTIL: &str = "2033-10-22";

/// `YYYY-MM-DD` of a certificate time as the facts give it
/// (`2012-04-06T14:11:56Z`), or `None` for anything else.
fn day(t: &str) -> Option<&str> {
    let d = t.get(..10)?;
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)).then_some(d)
}

impl Rule for CertificateValidity {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let today = cx.today.as_str();
        let mut ev = Vec::new();
        let mut severity = Severity::Low;
        for c in signer_certificates(cx.facts) {
            // Dates compare as strings in YYYY-MM-DD form.
            if let Some(end) = day(&c.not_after) {
                if end < today {
                    severity = Severity::Medium;
                    ev.push(Evidence::new(
                        "certificate",
                        Some(&c.sha256),
                        format!("expired: notAfter {}", c.not_after),
                    ));
                } else if end <= PLAY_VALID_UNTIL {
                    ev.push(Evidence::new(
                        "certificate",
                        Some(&c.sha256),
                        format!(
                            "notAfter {} is not after {PLAY_VALID_UNTIL} (Google Play)",
                            c.not_after
                        ),
                    ));
                }
            }
            if let Some(start) = day(&c.not_before)
                && start > today
            {
                severity = Severity::Medium;
                ev.push(Evidence::new(
                    "certificate",
                    Some(&c.sha256),
                    format!("not yet valid: notBefore {}", c.not_before),
                ));
            }
        }
        if ev.is_empty() {
            return;
        }
        let (zh, en) = if severity == Severity::Medium {
            (
                "签名证书已过期或尚未生效。",
                "The signing certificate has expired or is not yet valid.",
            )
        } else {
            (
                "签名证书的有效期在 2033-10-22 之前结束，短于 Google Play 的要求。",
                "The signing certificate's validity ends before 2033-10-22, short of Google Play's requirement.",
            )
        };
        let mut f = Self::META.finding(zh, en, ev);
        f.severity = severity;
        out.push(f);
    }
}
