use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};
use appgov_facts::CertificateFacts;

declare_rule! {
    /// ## 检查内容
    /// 签名密钥或 APK 签名算法是否过弱：
    /// - 签名证书的公钥为 RSA 2048 位以下、DSA（任何长度），或椭圆曲线 256 位以下；
    /// - APK 签名本身使用 MD5；
    /// - v1（JAR）签名使用 SHA-1，且没有通过校验的 v2 及以上签名——此时所有设备
    ///   都只靠这个 SHA-1 签名判断安装包是否被改过（高危）；有 v2/v3 签名而
    ///   `minSdkVersion` ≥ 18 时，Android 4.3–6.0 设备仍只校验 v1 签名，而这些
    ///   版本已支持 SHA-256，用 SHA-1 并非兼容所需（中危）。
    ///
    /// 证书自身的签名算法（如自签名证书上的 `SHA1withRSA`）不计入：Android 只比对
    /// 证书和公钥，从不校验证书链，这一项只作为附带证据列出。`minSdkVersion` 低于
    /// 18 且另有 v2/v3 签名时的 SHA-1 v1 签名也不报告：Android 4.2 及以下只接受
    /// SHA-1，apksigner 在这种情况下自己也选 SHA-1。App Bundle 只判断密钥：
    /// 它只能用上传密钥做 JAR 签名，设备从不校验这个签名。
    ///
    /// ## 为何重要
    /// 签名是 Android 判断“更新是否来自同一开发者”的唯一依据。1024 位 RSA 与 DSA
    /// 已不能提供足够的安全强度；SHA-1 已有实际的碰撞和选择前缀碰撞攻击，MD5
    /// 更早被攻破。签名一旦可伪造，攻击者就能发布覆盖安装的“更新”。签名密钥
    /// 无法在不换证书的情况下加强，越早发现越好。《通知》第十二条要求安全防护。
    ///
    /// ## 示例
    /// 证书 `RSA 1024`；或仅有 v1 签名、签名算法 `SHA1withRSA`。
    ///
    /// ## 修复
    /// 使用 RSA ≥ 3072（至少 2048）或 ECDSA P-256 及以上的新密钥，通过 APK 签名方案
    /// v3 的密钥轮换（`apksigner rotate`）或 Play 应用签名升级密钥；启用 v2/v3 签名，
    /// 并用 `apksigner` 按实际 `minSdkVersion` 重新签名，让它选择 SHA-256。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 客户端软件安全（安装包签名）与密码算法要求
    /// - NIST SP 800-131A Rev. 2：112 位以下安全强度（RSA/DSA < 2048 位、
    ///   ECDSA < 224 位）及 SHA-1 不得用于生成数字签名
    /// - FIPS 186-5（2023）：DSA 不再批准用于生成签名
    /// - Android apksigner / apksig：v1 签名在 minSdkVersion ≥ 18 时使用 SHA-256
    ///
    /// <!-- en -->
    /// ## What it does
    /// Finds weak signing keys and APK signature algorithms:
    /// - a signer certificate whose key is RSA below 2048 bits, DSA (any
    ///   size) or elliptic-curve below 256 bits;
    /// - an APK signature made with MD5;
    /// - a v1 (JAR) signature made with SHA-1 and no verified v2-or-newer
    ///   signature, so every device relies on that SHA-1 signature alone
    ///   (high); with a v2/v3 signature and `minSdkVersion` ≥ 18, Android
    ///   4.3–6.0 devices still check only the v1 signature although they
    ///   accept SHA-256, so SHA-1 is not needed for compatibility (medium).
    ///
    /// The certificate's own signature algorithm (`SHA1withRSA` on a
    /// self-signed certificate) does not count: Android compares certificates
    /// and keys and never validates a chain, so it is only listed alongside.
    /// A SHA-1 v1 signature next to a v2/v3 signature with `minSdkVersion`
    /// below 18 is not reported either: Android 4.2 and older accept only
    /// SHA-1, and apksigner picks SHA-1 itself in that case. For an App
    /// Bundle only the key is judged: bundles are JAR-signed with the upload
    /// key and no device checks that signature.
    ///
    /// ## Why it matters
    /// The signature is Android's only proof that an update comes from the
    /// same developer. 1024-bit RSA and DSA no longer give enough strength;
    /// SHA-1 has practical collision and chosen-prefix attacks, MD5 fell
    /// long before. A forgeable signature lets an attacker ship an "update"
    /// that installs over the app. A signing key cannot be strengthened
    /// without a new certificate, so the earlier this is found the better.
    /// Article 12 requires security protection.
    ///
    /// ## Example
    /// Certificate key `RSA 1024`; or a v1-only package signed `SHA1withRSA`.
    ///
    /// ## Fix
    /// Move to a new RSA ≥ 3072 (at least 2048) or ECDSA P-256+ key through
    /// APK Signature Scheme v3 key rotation (`apksigner rotate`) or a Play
    /// App Signing key upgrade; enable v2/v3 signing and re-sign with
    /// `apksigner` for the real `minSdkVersion`, which then picks SHA-256.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, client software security (package signing) and cryptographic algorithms
    /// - NIST SP 800-131A Rev. 2: below 112-bit strength (RSA/DSA < 2048
    ///   bits, ECDSA < 224 bits) and SHA-1 are disallowed for generating
    ///   digital signatures (https://doi.org/10.6028/NIST.SP.800-131Ar2)
    /// - FIPS 186-5 (2023): DSA is no longer approved for signature generation
    /// - Android apksigner / apksig: v1 signatures use SHA-256 when
    ///   minSdkVersion ≥ 18 (https://developer.android.com/tools/apksigner)
    pub struct WeakSigning {
        id: "PKG-038",
        name: "weak-signing",
        title_zh: "签名密钥或算法过弱",
        title_en: "Weak signing key or algorithm",
        severity: High,
        articles: [12],
    }
}

/// Smallest keys that still give 112-bit strength (NIST SP 800-131A Rev. 2);
/// elliptic curves below P-256 are rare on Android and treated as weak.
const MIN_RSA_BITS: u32 = 2048;
const MIN_EC_BITS: u32 = 256;
/// The first API level that accepts SHA-256 in v1 (JAR) signatures.
const SHA256_JAR_MIN_SDK: u32 = 18;

fn weak_key(c: &CertificateFacts) -> Option<String> {
    let bits = c.key_size;
    match c.key_algorithm.to_ascii_uppercase().as_str() {
        "RSA" if bits.is_some_and(|b| b < MIN_RSA_BITS) => {
            Some(format!("RSA {} bits < {MIN_RSA_BITS}", bits.unwrap_or(0)))
        }
        "DSA" => Some(format!("DSA {} bits", bits.unwrap_or(0))),
        "EC" | "ECDSA" if bits.is_some_and(|b| b < MIN_EC_BITS) => {
            Some(format!("EC {} bits < {MIN_EC_BITS}", bits.unwrap_or(0)))
        }
        _ => None,
    }
}

fn hash_of(alg: &str) -> Option<&'static str> {
    let a = alg.to_ascii_uppercase();
    if a.starts_with("MD5") || a.starts_with("MD2") {
        Some("MD5")
    } else if a.starts_with("SHA1WITH") {
        Some("SHA-1")
    } else {
        None
    }
}

impl Rule for WeakSigning {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("signing") {
            return;
        }
        let mut ev = Vec::new();
        let mut severity = None::<Severity>;
        let mut raise = |s: Severity| {
            severity = Some(severity.map_or(s, |cur| cur.min(s)));
        };
        for c in crate::detect::signer_certificates(cx.facts) {
            if let Some(why) = weak_key(c) {
                raise(Severity::High);
                ev.push(Evidence::new("certificate", Some(&c.sha256), why));
            }
        }
        let signing = &cx.facts.signing;
        let modern = signing
            .schemes
            .iter()
            .any(|s| s.verified && matches!(s.scheme.as_str(), "v2" | "v3" | "v3.1"));
        for s in signing
            .schemes
            .iter()
            // A bundle can only be JAR-signed (with the upload key) and no
            // device ever checks that signature: only its key is judged.
            .filter(|s| s.scheme != "source_stamp" && cx.facts.input.kind != "aab")
        {
            for alg in &s.algorithms {
                match hash_of(alg) {
                    Some("MD5") => {
                        raise(Severity::High);
                        ev.push(Evidence::new("signing", Some(&s.scheme), alg.clone()));
                    }
                    Some(_) if s.scheme == "v1" && !modern => {
                        raise(Severity::High);
                        ev.push(Evidence::new(
                            "signing",
                            Some("v1"),
                            format!("{alg}, no verified v2/v3 signature"),
                        ));
                    }
                    Some(_)
                        if s.scheme == "v1"
                            && cx.facts.min_sdk.unwrap_or(1) >= SHA256_JAR_MIN_SDK =>
                    {
                        raise(Severity::Medium);
                        ev.push(Evidence::new(
                            "signing",
                            Some("v1"),
                            format!(
                                "{alg} with minSdkVersion {} (SHA-256 accepted from {SHA256_JAR_MIN_SDK})",
                                cx.facts.min_sdk.unwrap_or(1)
                            ),
                        ));
                    }
                    _ => {}
                }
            }
        }
        let Some(severity) = severity else {
            return;
        };
        // Context only: Android never checks the certificate's own signature.
        for c in crate::detect::signer_certificates(cx.facts) {
            if hash_of(&c.signature_algorithm).is_some() {
                ev.push(Evidence::new(
                    "certificate",
                    Some(&c.sha256),
                    format!(
                        "certificate signed {} (not checked by Android)",
                        c.signature_algorithm
                    ),
                ));
            }
        }
        let mut f = Self::META.finding(
            "签名密钥或 APK 签名算法强度不足，签名可能被伪造。",
            "The signing key or APK signature algorithm is too weak; the signature could be forged.",
            ev,
        );
        f.severity = severity;
        out.push(f);
    }
}
