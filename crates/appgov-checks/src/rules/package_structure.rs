use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 安装包的 ZIP 结构异常（`anomalies` 中来源为 `zip` 的记录）。每种异常按它对
    /// 安装结果的影响定级：
    /// - 高危：Android 与其他读取工具（解压软件、扫描器、签名工具）看到的内容不同，
    ///   或属于已知的篡改手法——重复条目名（“Master Key”漏洞一类）、中央目录与本地
    ///   文件头不一致、首个条目前有数据（Janus 一类）、条目数与记录不符而隐藏条目、
    ///   未知压缩方法（BadPack）、伪加密标志、条目数据重叠、CRC 不符、
    ///   EOCD 藏在注释中等；
    /// - 中危：Android 会拒绝安装或读取失败、或只有部分工具能读的畸形结构；
    /// - 低危：外观性的异常（归档注释、文件名中的反斜杠）。
    ///
    /// 每种异常的定级和理由见本检查代码中的对照表；未列出的新类型按中危处理。
    /// 清单、资源、DEX、原生库的解析异常不在本检查范围内。
    ///
    /// ## 为何重要
    /// 正常构建工具生成的安装包没有这些异常。它们通常意味着安装包在构建后被改动
    /// 过，或被刻意构造来让安全扫描、人工审查看到的内容与设备实际安装的内容
    /// 不一致，从而绕过检测。《通知》第十二条要求防篡改等安全防护。
    ///
    /// ## 示例
    /// `local_header_mismatch`：`resources.arsc` 的本地文件头名为 `sesources.arsc`。
    ///
    /// ## 修复
    /// 用官方构建工具（AGP、bundletool、zipalign、apksigner）从源码重新构建并签名；
    /// 查明构建后是谁、用什么工具改动了安装包（渠道打包、加固工具）；拒绝接收结构
    /// 异常的供应商交付包。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 客户端软件安全（防篡改）
    /// - CVE-2013-4787（重复条目）、CVE-2017-13156（Janus）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Reports ZIP structure anomalies (`anomalies` with source `zip`). Each
    /// kind is graded by what it does to the installed result:
    /// - high: Android and other readers (unzip tools, scanners, signing
    ///   tools) see different contents, or a known tampering trick — duplicate
    ///   entry names (the "Master Key" family), local header disagreeing with
    ///   the central directory, data before the first entry (the Janus
    ///   family), an entry count that hides records, unknown compression
    ///   methods (BadPack), fake encryption flags, overlapping entry data, CRC
    ///   mismatches, an EOCD hidden in a comment, and so on;
    /// - medium: malformed structures that Android refuses or fails to read,
    ///   or that only some tools can read;
    /// - low: cosmetic ones (an archive comment, backslashes in names).
    ///
    /// The grade and reason of every kind are in the table in this check's
    /// code; kinds not listed there count as medium. Anomalies of the
    /// manifest, resources, DEX and native libraries are out of scope here.
    ///
    /// ## Why it matters
    /// Packages from the normal build tools have none of these. They mean the
    /// package was changed after the build, or crafted so that scanners and
    /// reviewers see something other than what the device installs. Article
    /// 12 requires protection against tampering.
    ///
    /// ## Example
    /// `local_header_mismatch`: the local header of `resources.arsc` names it `sesources.arsc`.
    ///
    /// ## Fix
    /// Rebuild and re-sign from source with the official tools (AGP,
    /// bundletool, zipalign, apksigner); find out who changed the package
    /// after the build and with what (channel packaging, hardening tools);
    /// refuse vendor deliveries with structural anomalies.
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, client software security (anti-tampering)
    /// - CVE-2013-4787 (duplicate entries), CVE-2017-13156 (Janus)
    pub struct PackageStructure {
        id: "PKG-041",
        name: "package-structure",
        title_zh: "安装包结构异常",
        title_en: "Tampered or malformed package structure",
        severity: High,
        articles: [12],
    }
}

use Severity::{High, Low, Medium};

/// Every anomaly kind of `appgov-zip` with its grade and the reason.
/// High: Android installs something other readers do not see, or a known
/// tampering trick. Medium: Android refuses or fails, or tools disagree
/// without changing what Android runs. Low: cosmetic.
pub(crate) const ZIP_ANOMALIES: &[(&str, Severity, &str)] = &[
    (
        "eocd_not_at_end",
        Medium,
        "Android refuses the archive; other readers may still open it",
    ),
    (
        "multiple_eocd",
        High,
        "readers pick different end records and so different directories",
    ),
    (
        "eocd_in_comment",
        High,
        "Android takes the planted last EOCD, other readers the first",
    ),
    (
        "archive_comment",
        Low,
        "allowed by the format; used for channel ids, can hide a payload",
    ),
    (
        "multi_disk",
        Medium,
        "Android ignores split-archive fields, tools honouring them refuse",
    ),
    ("zip64_invalid", Medium, "Android refuses the archive"),
    (
        "central_directory_out_of_bounds",
        Medium,
        "Android refuses the archive",
    ),
    (
        "central_directory_shifted",
        Medium,
        "Android refuses; unzip compensates and shows contents",
    ),
    (
        "prepended_data",
        High,
        "data before the first entry: the Janus (CVE-2017-13156) family",
    ),
    (
        "garbage_after_central_directory",
        Medium,
        "Android accepts, apksig refuses v2+ verification",
    ),
    (
        "central_directory_size_mismatch",
        Medium,
        "readers disagree on where the directory ends",
    ),
    (
        "entry_count_mismatch",
        High,
        "records beyond the declared count are invisible to Android",
    ),
    (
        "central_directory_record_invalid",
        Medium,
        "Android refuses the archive",
    ),
    (
        "entry_limit_exceeded",
        Medium,
        "more entries than the analyser reads; a resource-exhaustion shape",
    ),
    (
        "duplicate_entry_name",
        High,
        "readers pick different entries: the Master Key (CVE-2013-4787) family",
    ),
    (
        "empty_entry_name",
        Medium,
        "no build tool writes it; tools handle it differently",
    ),
    (
        "absolute_entry_name",
        Medium,
        "extraction outside the target directory by naive tools",
    ),
    (
        "entry_name_path_traversal",
        High,
        "zip-slip: `..` names attack tools that extract the package",
    ),
    (
        "entry_name_backslash",
        Low,
        "written by Windows tools; a path separator only to some readers",
    ),
    (
        "entry_name_control_char",
        Medium,
        "CR/LF names cannot be covered by a v1 JAR manifest",
    ),
    (
        "entry_name_nul",
        Medium,
        "Android refuses; C-string readers see a shorter name",
    ),
    (
        "entry_name_not_utf8",
        Medium,
        "Android refuses; other readers decode the name differently",
    ),
    (
        "entry_name_too_long",
        Medium,
        "exceeds file-system limits; a resource-exhaustion shape",
    ),
    (
        "local_header_mismatch",
        High,
        "readers walking local headers see other names, sizes or methods than Android",
    ),
    (
        "local_header_invalid",
        Medium,
        "the entry's data cannot be located",
    ),
    (
        "local_header_offset_invalid",
        Medium,
        "Android refuses the archive",
    ),
    (
        "unknown_compression_method",
        High,
        "Android reads the entry as stored data, other tools fail (BadPack)",
    ),
    (
        "stored_size_mismatch",
        High,
        "Android uses the uncompressed size, other readers the compressed one",
    ),
    (
        "encrypted_flag",
        High,
        "fake encryption: Android ignores it, analysis tools refuse the entry",
    ),
    (
        "entry_data_out_of_bounds",
        Medium,
        "Android refuses to read the entry",
    ),
    (
        "overlapping_entries",
        High,
        "entries share bytes: aliasing or an overlap zip bomb",
    ),
    (
        "zip64_extra_invalid",
        Medium,
        "readers disagree on the entry's real sizes and offset",
    ),
    (
        "crc_mismatch",
        High,
        "content changed after packaging; Android does not check CRCs and uses it",
    ),
    (
        "uncompressed_size_mismatch",
        Medium,
        "Android's extraction fails",
    ),
    (
        "compressed_size_mismatch",
        Medium,
        "Android's extraction fails",
    ),
    (
        "data_descriptor_mismatch",
        Medium,
        "Android's extraction fails",
    ),
    (
        "anomalies_truncated",
        Low,
        "a count of further records; the capped kind's own grade applies",
    ),
];

/// Grade and reason of a zip anomaly kind; unknown kinds are medium.
pub(crate) fn grade(kind: &str) -> (Severity, &'static str) {
    ZIP_ANOMALIES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or((Medium, "kind not graded yet"), |(_, s, r)| (*s, *r))
}

/// Most anomalies listed as evidence.
const MAX_EVIDENCE: usize = 30;

impl Rule for PackageStructure {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let zip: Vec<_> = cx
            .facts
            .anomalies
            .iter()
            .filter(|a| a.source == "zip")
            .map(|a| (a, grade(&a.kind)))
            .collect();
        let Some(worst) = zip.iter().map(|(_, (s, _))| *s).min() else {
            return;
        };
        let mut sorted = zip;
        // Most severe first, stable within a grade (archive order).
        sorted.sort_by_key(|(_, (s, _))| *s);
        let mut kinds: Vec<&str> = Vec::new();
        for (a, _) in &sorted {
            if !kinds.contains(&a.kind.as_str()) {
                kinds.push(&a.kind);
            }
        }
        let ev = sorted
            .iter()
            .take(MAX_EVIDENCE)
            .map(|(a, (s, why))| {
                Evidence::new(
                    "archive",
                    a.path.as_deref(),
                    format!("{} ({}): {}; {why}", a.kind, s.as_str(), a.detail),
                )
            })
            .collect();
        let mut f = Self::META.finding(
            format!("安装包 ZIP 结构异常：{}。", kinds.join("、")),
            format!(
                "The package's ZIP structure is anomalous: {}.",
                kinds.join(", ")
            ),
            ev,
        );
        f.severity = worst;
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_zip_anomaly_kind_is_graded_once_with_a_reason() {
        for kind in appgov_zip::AnomalyKind::ALL {
            let code = kind.code();
            let n = ZIP_ANOMALIES.iter().filter(|(k, _, _)| *k == code).count();
            assert_eq!(n, 1, "{code} graded {n} times");
        }
        assert_eq!(ZIP_ANOMALIES.len(), appgov_zip::AnomalyKind::ALL.len());
        for (k, _, why) in ZIP_ANOMALIES {
            assert!(!why.trim().is_empty(), "{k} has no reason");
        }
        assert_eq!(grade("duplicate_entry_name").0, High);
        assert_eq!(grade("archive_comment").0, Low);
        assert_eq!(grade("some_future_kind").0, Medium);
    }
}
