use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 安装包的签名证书是否是机构为该应用登记的证书。登记的证书写在策略文件
    /// 的 `[[signer]]` 中（按包名，证书 SHA-256）；该应用没有登记时不作判断。
    /// 签名证书不在登记中为严重；若新证书的 v3 轮换链包含已登记的证书
    /// （合法的密钥轮换，只是台账未更新），为中危。
    ///
    /// ## 为何重要
    /// 证书是应用身份的唯一凭据：用别的证书签名的同名安装包，是被重新打包
    /// 或冒用发布渠道的标志；它也与向主管部门备案的签名信息不一致。《通知》
    /// 第十二条要求防范仿冒与篡改，第十一条要求备案信息准确。
    ///
    /// ## 示例
    /// 台账登记的证书为 `3f1c…`，待发布的安装包由 `a7e0…` 签名。
    ///
    /// ## 修复
    /// 停止发布并查明签名来源；确属密钥轮换时，在台账和策略中登记新证书，
    /// 并更新备案信息。
    ///
    /// ## 依据
    /// - 《通知》第十一条（备案）、第十二条（安全防护）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks that the package is signed with the certificate the institution
    /// recorded for the app: `[[signer]]` in the policy file (by package
    /// name, certificate SHA-256). Apps with no record are not judged. A
    /// signer outside the record is Critical; when the new certificate's v3
    /// rotation lineage holds a recorded one (a legitimate key rotation the
    /// ledger has not caught up with), Medium.
    ///
    /// ## Why it matters
    /// The certificate is the app's identity: a package of the same name
    /// signed by another key is the mark of repackaging or of a misused
    /// release channel, and it no longer matches what was filed with the
    /// authorities. Article 12 of the notice requires protection against
    /// counterfeits and tampering, article 11 accurate filings.
    ///
    /// ## Example
    /// The ledger records certificate `3f1c…`; the release candidate is
    /// signed by `a7e0…`.
    ///
    /// ## Fix
    /// Stop the release and find out who signed it; for a genuine key
    /// rotation, record the new certificate in the ledger and the policy and
    /// update the filing.
    ///
    /// ## References
    /// - Notice, articles 11 (filing) and 12 (security protection)
    pub struct UnknownSigner {
        id: "PKG-008",
        name: "unknown-signer",
        title_zh: "签名证书不在登记中",
        title_en: "Signing certificate not on record",
        severity: Critical,
        articles: [11, 12],
    }
}

impl Rule for UnknownSigner {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(record) = cx
            .policy
            .and_then(|p| p.signers_for(cx.facts.package.as_deref()))
        else {
            return;
        };
        if !cx.analysed("signing") {
            return;
        }
        let approved = |sha: &str| record.sha256.iter().any(|a| a.eq_ignore_ascii_case(sha));
        let signers: Vec<&str> = crate::detect::signer_certificates(cx.facts)
            .map(|c| c.sha256.as_str())
            .collect();
        if signers.iter().any(|s| approved(s)) {
            return;
        }
        let mut ev: Vec<Evidence> = signers
            .iter()
            .map(|s| Evidence::new("certificate", Some("signer"), *s))
            .collect();
        if signers.is_empty() {
            ev.push(Evidence::new("signing", None, "no signing certificate"));
        }
        ev.extend(
            record
                .sha256
                .iter()
                .map(|a| Evidence::new("policy", Some("recorded"), a.to_ascii_lowercase())),
        );
        let rotated = cx
            .facts
            .signing
            .lineage
            .iter()
            .any(|n| approved(&n.certificate_sha256));
        let mut f = if rotated {
            Self::META.finding(
                "签名证书不在登记中，但其 v3 轮换链包含已登记的证书：请在台账中登记新证书。",
                "The signer is not on record, but its v3 rotation lineage holds a recorded certificate: record the new one.",
                ev,
            )
        } else {
            Self::META.finding(
                "安装包的签名证书不是为该应用登记的证书。",
                "The package is not signed with a certificate recorded for this app.",
                ev,
            )
        };
        if rotated {
            f.severity = Severity::Medium;
        }
        out.push(f);
    }
}
