use crate::{Context, Evidence, Finding, Rule, RuleMeta, SdkHit, Severity, declare_rule};
use appgov_knowledge::sdk::PiCollection;

declare_rule! {
    /// ## 检查内容
    /// 安装包中检测到的、会收集个人信息的第三方 SDK 是否都在应用隐私政策
    /// 的第三方 SDK 清单中披露。清单写在机构策略文件的 `[[disclosure]]`
    /// 中（按包名）：清单缺少某个 SDK 时为高危；尚无清单可比对时，列出
    /// 所有需要披露的 SDK、其运营者法律主体和收集的个人信息类别（中危），
    /// 供合规人员与隐私政策核对。
    ///
    /// ## 为何重要
    /// 隐私政策须说明嵌入的第三方 SDK 的名称、运营者、收集的个人信息种类与
    /// 目的；未披露的 SDK 收集信息是监管通报中最常见的问题之一。《通知》
    /// 第十六条要求落实个人信息保护。
    ///
    /// ## 示例
    /// 包中检测到友盟+统计 SDK（收集设备标识、网络信息），隐私政策附录的
    /// SDK 清单未列出它。
    ///
    /// ## 修复
    /// 把 SDK 补入隐私政策的第三方 SDK 清单（名称、运营者法律主体、收集的
    /// 信息、目的、隐私政策链接），或移除该 SDK；然后在策略文件的
    /// `[[disclosure]]` 中更新清单及其文件版本。
    ///
    /// ## 依据
    /// - 《通知》第十六条（个人信息保护）
    /// - GB/T 35273-2020 第 9.1 条（委托处理）、第 9.7 条（第三方接入管理）
    /// - GB/T 41391-2022 移动互联网应用程序收集个人信息基本要求
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks that every third-party SDK found in the package that collects
    /// personal information is disclosed in the app's privacy policy SDK
    /// list. The list goes into the institution's policy file as
    /// `[[disclosure]]` (by package name): an SDK missing from it is High;
    /// with no list to compare against, the check lists every SDK to be
    /// disclosed, with its operator's legal entity and the categories of
    /// personal information it collects (Medium), for the compliance officer
    /// to compare with the privacy policy.
    ///
    /// ## Why it matters
    /// A privacy policy must name each embedded third-party SDK, its
    /// operator, the personal information it collects and why; SDKs
    /// collecting undisclosed are among the most frequent findings in
    /// regulators' notices. Article 16 of the notice requires personal
    /// information protection.
    ///
    /// ## Example
    /// The Umeng analytics SDK (device identifiers, network information) is
    /// in the package; the privacy policy's SDK appendix does not list it.
    ///
    /// ## Fix
    /// Add the SDK to the privacy policy's third-party SDK list (name,
    /// operator's legal entity, information collected, purpose, link to its
    /// privacy statement), or remove it; then update the list and its
    /// document version under `[[disclosure]]` in the policy file.
    ///
    /// ## References
    /// - Notice, article 16 (personal information protection)
    /// - GB/T 35273-2020, 9.1 (entrusted processing) and 9.7 (third-party access)
    /// - GB/T 41391-2022, basic requirements for apps collecting personal information
    pub struct SdkNotDisclosed {
        id: "PKG-020",
        name: "sdk-not-disclosed",
        title_zh: "SDK未在隐私政策披露",
        title_en: "Personal-information SDK not disclosed",
        severity: High,
        articles: [16],
    }
}

fn sdk_evidence(cx: &Context<'_>, sdk: &SdkHit, note: &str) -> Evidence {
    let pi: Vec<&str> = sdk
        .pi
        .iter()
        .map(|id| {
            cx.knowledge
                .pi_categories
                .iter()
                .find(|c| &c.id == id)
                .map_or(id.as_str(), |c| c.name_zh.as_str())
        })
        .collect();
    let pi = if pi.is_empty() {
        "个人信息类别待确认 / categories to confirm".to_string()
    } else {
        pi.join("、")
    };
    let collects = match sdk.collects_pi {
        PiCollection::Documented => "documented",
        _ => "likely, confirm with the vendor",
    };
    Evidence::new(
        "sdk",
        Some(&sdk.id),
        format!(
            "{} — {} — {pi} ({collects}){note}",
            sdk.display_name(),
            sdk.vendor_zh
        ),
    )
}

impl Rule for SdkNotDisclosed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let collecting: Vec<&SdkHit> = cx
            .sdks
            .iter()
            .filter(|s| s.collects_pi != PiCollection::None)
            .collect();
        if collecting.is_empty() {
            return;
        }
        let list = cx
            .policy
            .and_then(|p| p.disclosure_for(cx.facts.package.as_deref()));
        match list {
            Some(d) => {
                let missing: Vec<Evidence> = collecting
                    .iter()
                    .filter(|s| !d.sdks.contains(&s.id))
                    .map(|s| sdk_evidence(cx, s, &format!(" — not in {}", d.document)))
                    .collect();
                if missing.is_empty() {
                    return;
                }
                out.push(Self::META.finding(
                    format!(
                        "{} 个收集个人信息的 SDK 未在《{}》中披露。",
                        missing.len(),
                        d.document
                    ),
                    format!(
                        "{} personal-information SDKs are missing from \"{}\".",
                        missing.len(),
                        d.document
                    ),
                    missing,
                ));
            }
            None => {
                let ev = collecting.iter().map(|s| sdk_evidence(cx, s, "")).collect();
                let mut f = Self::META.finding(
                    format!(
                        "{} 个 SDK 收集个人信息，须在隐私政策的第三方 SDK 清单中披露；策略中没有该应用的披露清单，请人工核对。",
                        collecting.len()
                    ),
                    format!(
                        "{} SDKs collect personal information and must be in the privacy policy's SDK list; the policy has no disclosed list for this app to compare — check by hand.",
                        collecting.len()
                    ),
                    ev,
                );
                f.severity = Severity::Medium;
                out.push(f);
            }
        }
    }
}
