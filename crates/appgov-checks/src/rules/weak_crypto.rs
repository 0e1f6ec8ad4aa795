use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 字节码中传给 `Cipher.getInstance` 与 `MessageDigest.getInstance` 的
    /// 常量算法名，以及以常量字节构造的密钥（`SecretKeySpec`）和初始向量
    /// （`IvParameterSpec` / `GCMParameterSpec`）。以下情形计为弱密码用法：
    /// DES、3DES（DESede）、RC4、RC2、Blowfish；ECB 模式，以及只写算法名的
    /// `"AES"`（Android 上默认即 ECB）；无填充的 RSA；常量密钥与常量 IV。
    /// MD5、SHA-1 摘要单独列出：用于校验和时无害，用于口令、签名或完整性
    /// 保护时不可接受，需人工确认用途。每处位置注明所属 SDK（如能判定）。
    ///
    /// ## 为何重要
    /// ECB 模式泄露明文结构；DES/RC4 已被攻破；写死在安装包中的密钥和 IV
    /// 任何人反编译即可取得，加密形同虚设。金融行业标准要求采用安全的密码
    /// 算法与密钥管理。《通知》第十二条要求安全防护，第十三条要求数据安全。
    ///
    /// ## 示例
    /// `Cipher.getInstance("AES")`、`Cipher.getInstance("DES/CBC/PKCS5Padding")`、
    /// `new IvParameterSpec(new byte[16])`
    ///
    /// ## 修复
    /// 使用 `AES/GCM/NoPadding`（或按要求使用 SM4 等国密算法），每次加密
    /// 随机生成 IV；密钥放在 Android Keystore 中生成和保存，不写入代码；
    /// 口令用 PBKDF2/scrypt/Argon2 派生，摘要用 SHA-256 或 SM3。第三方 SDK
    /// 中的问题应要求供应商修复。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）、第十三条（数据安全）
    /// - JR/T 0092-2019 密码算法与密钥管理要求
    /// - NIST SP 800-131A Rev.2（3DES、SHA-1 的淘汰）
    /// - Android lint `GetInstance`；Android 开发者文档《Cryptography》推荐算法
    ///
    /// <!-- en -->
    /// ## What it does
    /// Reads the constant algorithm names the bytecode passes to
    /// `Cipher.getInstance` and `MessageDigest.getInstance`, and keys
    /// (`SecretKeySpec`) and IVs (`IvParameterSpec` / `GCMParameterSpec`)
    /// built from constant bytes. Counted as weak: DES, 3DES (DESede), RC4,
    /// RC2, Blowfish; ECB mode, including a bare `"AES"` (ECB by default on
    /// Android); RSA without padding; constant keys and IVs. MD5 and SHA-1
    /// digests are listed apart: harmless as checksums, unacceptable for
    /// passwords, signatures or integrity protection — their use needs a
    /// human look. Each site names the SDK that owns it, where known.
    ///
    /// ## Why it matters
    /// ECB leaks the structure of the plaintext; DES and RC4 are broken; a
    /// key or IV written into the package is anyone's after decompiling, and
    /// the encryption protects nothing. Financial-sector standards require
    /// sound algorithms and key management. Article 12 of the notice requires
    /// security protection, article 13 data security.
    ///
    /// ## Example
    /// `Cipher.getInstance("AES")`, `Cipher.getInstance("DES/CBC/PKCS5Padding")`,
    /// `new IvParameterSpec(new byte[16])`
    ///
    /// ## Fix
    /// Use `AES/GCM/NoPadding` (or SM4 and the other SM algorithms where
    /// required) with a fresh random IV for each message; generate and keep
    /// keys in the Android Keystore, never in code; derive keys from
    /// passwords with PBKDF2, scrypt or Argon2; digest with SHA-256 or SM3.
    /// Ask the vendor to fix what sits in a third-party SDK.
    ///
    /// ## References
    /// - Notice, articles 12 (security protection) and 13 (data security)
    /// - JR/T 0092-2019, cryptographic algorithms and key management
    /// - NIST SP 800-131A Rev.2 (retirement of 3DES and SHA-1)
    /// - Android lint `GetInstance`; Android developers, "Cryptography"
    ///   (recommended algorithms)
    pub struct WeakCrypto {
        id: "PKG-024",
        name: "weak-crypto",
        title_zh: "弱密码算法",
        title_en: "Weak cryptography",
        severity: Medium,
        articles: [12, 13],
    }
}

/// Ciphers that are broken or retired, by the algorithm part of a
/// transformation (upper case).
const WEAK_CIPHERS: &[&str] = &[
    "DES",
    "DESEDE",
    "TRIPLEDES",
    "3DES",
    "TDEA",
    "RC4",
    "ARCFOUR",
    "ARC4",
    "RC2",
    "BLOWFISH",
];

/// Block ciphers for which a missing mode means ECB.
const BLOCK_CIPHERS: &[&str] = &["AES", "SM4", "DES", "DESEDE", "BLOWFISH", "RC2"];

/// Why a `Cipher.getInstance` transformation is weak, if it is.
pub(crate) fn weak_transformation(t: &str) -> Option<&'static str> {
    let upper = t.trim().to_ascii_uppercase();
    let mut parts = upper.split('/');
    let alg = parts.next().unwrap_or("");
    // `AES_128/GCM/NoPadding` names a key size; the family decides.
    let family = alg.split('_').next().unwrap_or(alg);
    let mode = parts.next();
    let padding = parts.next();
    if WEAK_CIPHERS.contains(&family) {
        return Some("broken or retired cipher");
    }
    if family == "RSA" {
        return (padding == Some("NOPADDING")).then_some("RSA without padding");
    }
    match mode {
        Some("ECB") if BLOCK_CIPHERS.contains(&family) => Some("ECB mode"),
        None if BLOCK_CIPHERS.contains(&family) => Some("no mode given: ECB by default"),
        _ => None,
    }
}

/// Digests unfit for passwords, signatures and integrity.
pub(crate) fn weak_digest(alg: &str) -> bool {
    matches!(
        alg.trim().to_ascii_uppercase().as_str(),
        "MD2" | "MD4" | "MD5" | "SHA" | "SHA1" | "SHA-1"
    )
}

impl Rule for WeakCrypto {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        if !cx.analysed("bytecode") {
            return;
        }
        let s = &cx.facts.dex.code_signals;
        // Strong signals first: they decide the severity.
        let mut strong: Vec<Evidence> = Vec::new();
        for v in &s.cipher_transformations {
            if let Some(why) = weak_transformation(&v.value) {
                let what = format!("Cipher.getInstance(\"{}\"): {why}", v.value);
                strong.extend(v.sites.iter().map(|site| cx.code_evidence(site, &what)));
            }
        }
        for (what, sites) in [
            (
                "key from constant bytes (SecretKeySpec)",
                &s.secret_key_specs,
            ),
            ("IV from constant bytes", &s.static_iv),
        ] {
            strong.extend(sites.sites.iter().map(|site| cx.code_evidence(site, what)));
        }
        let mut digests: Vec<Evidence> = Vec::new();
        let mut app_digests = 0;
        for v in s
            .message_digest_algorithms
            .iter()
            .filter(|v| weak_digest(&v.value))
        {
            let what = format!(
                "MessageDigest.getInstance(\"{}\"): weak digest, check its use",
                v.value
            );
            for site in &v.sites {
                app_digests += usize::from(cx.sdk_of_site(site).is_none());
                digests.push(cx.code_evidence(site, &what));
            }
        }
        // SDKs hash with MD5 for cache keys and fingerprints all the time;
        // alone, that is no finding. The app's own MD5/SHA-1 is worth a look.
        if strong.is_empty() && app_digests == 0 {
            return;
        }
        let (zh, en) = if strong.is_empty() {
            (
                format!(
                    "{} 处代码使用 MD5/SHA-1 摘要；用于口令、签名或完整性保护时不安全，请确认用途。",
                    digests.len()
                ),
                format!(
                    "{} code sites use MD5/SHA-1 digests; unsafe for passwords, signatures or integrity — check their use.",
                    digests.len()
                ),
            )
        } else {
            (
                format!(
                    "{} 处代码使用弱加密算法、ECB 模式或常量密钥/IV；另有 {} 处使用 MD5/SHA-1 摘要。",
                    strong.len(),
                    digests.len()
                ),
                format!(
                    "{} code sites use a weak cipher, ECB mode or a constant key/IV; {} more use MD5/SHA-1 digests.",
                    strong.len(),
                    digests.len()
                ),
            )
        };
        let only_digests = strong.is_empty();
        strong.extend(digests);
        let mut f = Self::META.finding(zh, en, strong);
        if only_digests {
            // A digest alone may be a harmless checksum.
            f.severity = Severity::Low;
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transformations() {
        assert_eq!(
            weak_transformation("AES"),
            Some("no mode given: ECB by default")
        );
        assert_eq!(
            weak_transformation("AES/ECB/PKCS5Padding"),
            Some("ECB mode")
        );
        assert_eq!(weak_transformation("aes/ecb/nopadding"), Some("ECB mode"));
        assert_eq!(
            weak_transformation("DESede/CBC/PKCS5Padding"),
            Some("broken or retired cipher")
        );
        assert_eq!(weak_transformation("DES"), Some("broken or retired cipher"));
        assert_eq!(weak_transformation("RC4"), Some("broken or retired cipher"));
        assert_eq!(
            weak_transformation("RSA/ECB/NoPadding"),
            Some("RSA without padding")
        );
        assert_eq!(weak_transformation("RSA/ECB/PKCS1Padding"), None);
        assert_eq!(
            weak_transformation("RSA/ECB/OAEPWithSHA-256AndMGF1Padding"),
            None
        );
        assert_eq!(weak_transformation("AES/GCM/NoPadding"), None);
        assert_eq!(weak_transformation("AES/CBC/PKCS7Padding"), None);
        assert_eq!(weak_transformation("AES_256/GCM/NoPadding"), None);
        assert_eq!(
            weak_transformation("SM4/ECB/PKCS5Padding"),
            Some("ECB mode")
        );
        assert_eq!(weak_transformation("ChaCha20-Poly1305"), None);
    }

    #[test]
    fn digests() {
        for d in ["MD5", "md5", "SHA1", "SHA-1", "SHA"] {
            assert!(weak_digest(d), "{d}");
        }
        for d in ["SHA-256", "SHA256", "SHA-512", "SM3"] {
            assert!(!weak_digest(d), "{d}");
        }
    }
}
