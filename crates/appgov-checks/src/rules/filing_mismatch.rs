use crate::detect::{in_domain, in_package};
use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};

/// Most domains listed as evidence.
const MAX_DOMAINS: usize = 50;

declare_rule! {
    /// ## 检查内容
    /// 安装包与该应用的备案信息是否一致。备案信息写在策略文件的
    /// `[[filing]]` 中（按包名：备案号、签名证书 MD5，可选的域名）：签名
    /// 证书的 MD5 不是备案所载的值时报告；给出域名时，应用自身代码（包名
    /// 之下的类，不含第三方库）访问的域名不在备案域名之下的，也一并列出。该应用
    /// 没有备案记录时不作判断。
    ///
    /// ## 为何重要
    /// App 备案登记包名、签名 MD5 等信息，主管部门与应用商店据此核验；签名
    /// 或服务域名与备案不符，意味着备案需要变更，或者安装包并非备案的那一
    /// 个。《通知》第十一条要求按规定备案并保持信息准确。
    ///
    /// ## 示例
    /// 备案的签名 MD5 为 `9a0b…`，安装包证书 MD5 为 `3c5d…`；或应用代码访问
    /// `api.example-pay.cn`，备案域名只有 `examplebank.com`。
    ///
    /// ## 修复
    /// 确认安装包来源；签名或域名确有变更的，先办理备案变更，再更新策略
    /// 文件中的备案记录。
    ///
    /// ## 依据
    /// - 《通知》第十一条（备案管理）
    /// - 工业和信息化部《关于开展移动互联网应用程序备案工作的通知》
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks that the package matches what was filed for the app. The
    /// filing goes into the policy file as `[[filing]]` (by package name:
    /// filing number, signing certificate MD5, optionally domains). Reports a
    /// signing certificate whose MD5 is not the filed one and, when domains
    /// are given, the domains the app's own code (classes under its package
    /// name, not libraries) talks to that are not under a filed domain. Apps with no filing
    /// record are not judged.
    ///
    /// ## Why it matters
    /// The App filing records the package name, the signature MD5 and more;
    /// authorities and app stores verify against it. A signer or service
    /// domain that differs means the filing needs changing, or the package
    /// is not the one filed. Article 11 of the notice requires filing and
    /// keeping the filed facts accurate.
    ///
    /// ## Example
    /// The filing states signature MD5 `9a0b…`, the package's certificate
    /// MD5 is `3c5d…`; or the app's code calls `api.example-pay.cn` while the
    /// filing lists only `examplebank.com`.
    ///
    /// ## Fix
    /// Confirm where the package comes from; where the signer or domains did
    /// change, amend the filing first, then update the record in the policy
    /// file.
    ///
    /// ## References
    /// - Notice, article 11 (filing)
    /// - MIIT notice on the filing of mobile internet apps
    pub struct FilingMismatch {
        id: "PKG-010",
        name: "filing-mismatch",
        title_zh: "与备案信息不一致",
        title_en: "Package differs from its filing",
        severity: High,
        articles: [11],
    }
}

impl Rule for FilingMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(filing) = cx
            .policy
            .and_then(|p| p.filing_for(cx.facts.package.as_deref()))
        else {
            return;
        };
        let mut ev = Vec::new();
        if cx.analysed("signing") && !filing.signer_md5.is_empty() {
            let signers: Vec<&str> = crate::detect::signer_certificates(cx.facts)
                .map(|c| c.md5.as_str())
                .collect();
            let filed = |md5: &str| {
                filing
                    .signer_md5
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(md5))
            };
            if !signers.iter().any(|s| filed(s)) {
                ev.extend(signers.iter().map(|s| {
                    Evidence::new(
                        "certificate",
                        Some("signer MD5"),
                        format!("{s} — not the MD5 filed under {}", filing.number),
                    )
                }));
                if signers.is_empty() {
                    ev.push(Evidence::new("signing", None, "no signing certificate"));
                }
            }
        }
        // Only domains the app's own code (under its package name) loads:
        // library hosts and strings no code is seen using are not the app's
        // services.
        if let Some(domains) = &filing.domains
            && let Some(app) = cx.facts.package.as_deref()
            && cx.analysed("bytecode")
        {
            let off = cx.facts.endpoints.domains.iter().filter(|d| {
                d.packages.iter().any(|p| in_package(p, app))
                    && !domains
                        .iter()
                        .any(|f| in_domain(&d.value, &f.to_ascii_lowercase()))
            });
            for d in off.take(MAX_DOMAINS) {
                let loc = cx.endpoint_location(d);
                ev.push(Evidence::new(
                    "domain",
                    loc.as_deref(),
                    format!(
                        "{} — not among the domains filed under {}",
                        d.value, filing.number
                    ),
                ));
            }
        }
        if ev.is_empty() {
            return;
        }
        out.push(Self::META.finding(
            format!("安装包与备案（{}）所载信息不一致。", filing.number),
            format!(
                "The package differs from what was filed under {}.",
                filing.number
            ),
            ev,
        ));
    }
}
