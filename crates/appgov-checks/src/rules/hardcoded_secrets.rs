use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};
use appgov_facts::SecretFound;

declare_rule! {
    /// ## 检查内容
    /// 在 DEX 字符串、资源字符串（resources.arsc）、清单 meta-data 取值和小型
    /// 文本资产（json、xml、properties、txt、pem，1 MiB 以内）中查找格式明确
    /// 的凭据：PEM 私钥、AWS 访问密钥 ID、阿里云 AccessKey ID、腾讯云
    /// SecretId、GitHub/GitLab/Slack 令牌、Stripe 私密密钥、JWT、URL 中的
    /// 密码，以及 Google API 密钥（格式见 `secrets.toml`）。报告只给出脱敏值：
    /// 前几个字符、长度和 SHA-256 前缀，从不输出密钥本身。
    ///
    /// ## 为何重要
    /// 安装包人人可下载、可解包，写在包里的密钥等于公开。拿到云账号密钥或
    /// 私钥的人可以读写机构的云存储、冒充服务端或签发令牌。《通知》第七条
    /// 要求数据安全，第十三条要求密钥与敏感信息的保护；JR/T 0092 要求客户端
    /// 不得明文存储密钥。
    /// Google API 密钥（Firebase 在 `google_api_key` 等资源中写入）按设计随
    /// 应用发布，靠控制台中限定包名与签名证书来保护，因此只有这类密钥时
    /// 按低危报告，请确认已设置限制。
    ///
    /// ## 示例
    /// `res:string/Access_Key` 中有 `AKIA`（20 个字符）开头的 AWS 访问密钥 ID。
    ///
    /// ## 修复
    /// 立即在云平台吊销并轮换泄露的密钥；服务端保管密钥，客户端改用短期
    /// 凭据（如 STS 临时令牌）或经服务端中转；私钥不随安装包发布。
    ///
    /// ## 依据
    /// - 《通知》第七条（数据安全）、第十三条（密钥与敏感信息保护）
    /// - JR/T 0092-2019 客户端安全：密钥与敏感数据不得明文存储
    /// - GB/T 35273-2020 6.3（个人信息的安全存储）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Looks in DEX strings, resource strings (resources.arsc), manifest
    /// meta-data values and small text assets (json, xml, properties, txt,
    /// pem, up to 1 MiB) for credentials with a distinctive format: PEM
    /// private keys, AWS access key IDs, Alibaba Cloud AccessKey IDs, Tencent
    /// Cloud SecretIds, GitHub/GitLab/Slack tokens, Stripe secret keys, JWTs,
    /// passwords in URLs, and Google API keys (formats in `secrets.toml`).
    /// Only a redacted value is reported: a few leading characters, the length
    /// and a SHA-256 prefix, never the secret itself.
    ///
    /// ## Why it matters
    /// Anyone can download and unpack an app package, so a key inside it is
    /// public. A cloud key or private key lets an attacker read and write the
    /// institution's cloud storage, impersonate its servers or mint tokens.
    /// Article 7 of the notice requires data security and article 13 the
    /// protection of keys and sensitive information; JR/T 0092 forbids keys in
    /// clear in the client. Google API keys (written by Firebase into
    /// resources such as `google_api_key`) ship with apps by design and are
    /// protected by restricting them to the app's package and signing
    /// certificate, so a package with only those is reported as low: make
    /// sure the restriction is set.
    ///
    /// ## Example
    /// `res:string/Access_Key` holds an AWS access key ID starting with
    /// `AKIA` (20 characters).
    ///
    /// ## Fix
    /// Revoke and rotate the leaked key at the provider now; keep keys on the
    /// server, give the client short-lived credentials (such as STS tokens)
    /// or proxy the calls; never ship private keys in the package.
    ///
    /// ## References
    /// - Notice, article 7 (data security) and article 13 (keys and sensitive information)
    /// - JR/T 0092-2019, client security: no keys or sensitive data stored in clear
    /// - GB/T 35273-2020 6.3 (secure storage of personal information)
    pub struct HardcodedSecrets {
        id: "PKG-023",
        name: "hardcoded-secrets",
        title_zh: "硬编码密钥",
        title_en: "Hard-coded secrets",
        severity: High,
        articles: [7, 13],
    }
}

/// Most secrets listed as evidence.
const MAX_EVIDENCE: usize = 30;

fn evidence(s: &SecretFound) -> Evidence {
    let mut value = format!(
        "{} {}… ({} chars, sha256 {}…)",
        s.kind, s.prefix, s.length, s.sha256_prefix
    );
    if !s.packages.is_empty() {
        value.push_str(&format!(" loaded by {}", s.packages.join(", ")));
    }
    Evidence::new("secret", s.found_in.first().map(String::as_str), value)
}

impl Rule for HardcodedSecrets {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("secrets") {
            return;
        }
        let public = |s: &&SecretFound| {
            cx.knowledge
                .secret_patterns
                .iter()
                .any(|p| p.id == s.kind && p.public)
        };
        let (open, private): (Vec<&SecretFound>, Vec<&SecretFound>) =
            cx.facts.secrets.iter().partition(public);
        if private.is_empty() && open.is_empty() {
            return;
        }
        let ev = private
            .iter()
            .chain(&open)
            .take(MAX_EVIDENCE)
            .map(|s| evidence(s))
            .collect();
        if private.is_empty() {
            let mut f = Self::META.finding(
                format!(
                    "仅发现 {} 个按设计随应用发布的 API 密钥（如 Firebase 的 Google API 密钥）；请确认已在控制台限定包名和签名证书。",
                    open.len()
                ),
                format!(
                    "Only {} API keys meant to ship with apps (such as Firebase's Google API key); make sure they are restricted to the app's package and signing certificate.",
                    open.len()
                ),
                ev,
            );
            f.severity = Severity::Low;
            out.push(f);
            return;
        }
        out.push(Self::META.finding(
            format!(
                "安装包中写有 {} 个凭据（另有 {} 个公开 API 密钥）。",
                private.len(),
                open.len()
            ),
            format!(
                "{} credentials are written into the package (and {} public API keys).",
                private.len(),
                open.len()
            ),
            ev,
        ));
    }
}
