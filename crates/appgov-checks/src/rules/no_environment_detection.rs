use crate::{Context, Evidence, Finding, Rule, RuleMeta, declare_rule};
use appgov_knowledge::ProbeKind;
use std::collections::BTreeMap;

declare_rule! {
    /// ## 检查内容
    /// 在可读的代码（DEX 字符串表、原生库字符串、清单 `<queries>` 中的包名）
    /// 里查找四类运行环境检测的特征（特征库见 `environment.toml`）：Root
    /// （su 路径、Magisk/KernelSU/SuperSU 等管理器包名、`test-keys`）、
    /// 模拟器（goldfish、ranchu、`ro.kernel.qemu`、Genymotion、BlueStacks、
    /// 夜神等）、调试器（TracerPid、`/proc/self/status`、
    /// `Debug.isDebuggerConnected`）、Hook 框架（Frida、27042 端口、Xposed、
    /// Substrate）。缺少某一类时报告，并列出已检出和缺少的类别。
    /// 代码被加固隐藏，或检出加固/运行时保护产品时不报告：这类产品通常
    /// 自带环境检测，而被隐藏的代码无法查看。
    ///
    /// ## 为何重要
    /// 在已 Root 的手机、模拟器、调试器或 Hook 框架下，攻击者可以读取内存、
    /// 篡改交易参数、绕过证书校验。JR/T 0092 要求客户端具备防调试、防注入、
    /// 运行环境检测等防篡改能力，《通知》第十二条要求安全防护。
    /// 字符串特征只说明代码"看起来"做了检测，不能证明检测有效；没有特征
    /// 也可能是检测逻辑经过加密或放在服务端。
    ///
    /// ## 示例
    /// 代码中有 `/system/xbin/su`、`test-keys`（Root 检测），但没有任何模拟器、
    /// 调试器或 Hook 检测的特征。
    ///
    /// ## 修复
    /// 接入机构认可的运行时自保护（RASP）或加固产品，或自行实现四类检测，
    /// 并规定检测到风险环境时的处置（提示、限制交易、上报风控）。
    ///
    /// ## 依据
    /// - 《通知》第十二条（安全防护）
    /// - JR/T 0092-2019 客户端安全：防篡改、防调试、运行环境检测
    ///
    /// <!-- en -->
    /// ## What it does
    /// Looks in readable code (DEX string tables, native library strings,
    /// package names in the manifest's `<queries>`) for signs of four kinds
    /// of environment detection (catalog in `environment.toml`): root (su
    /// paths, Magisk/KernelSU/SuperSU manager package names, `test-keys`),
    /// emulator (goldfish, ranchu, `ro.kernel.qemu`, Genymotion, BlueStacks,
    /// Nox…), debugger (TracerPid, `/proc/self/status`,
    /// `Debug.isDebuggerConnected`) and hooking frameworks (Frida, port 27042,
    /// Xposed, Substrate). Reports when a kind is missing, naming the kinds
    /// found and missing. Silent when a packer hides the code or a packer or
    /// runtime protection product is detected: those usually bring their own
    /// environment checks, and hidden code cannot be examined.
    ///
    /// ## Why it matters
    /// On a rooted phone, an emulator, under a debugger or a hooking
    /// framework, an attacker can read memory, alter transaction parameters
    /// and bypass certificate checks. JR/T 0092 requires anti-debugging,
    /// anti-injection and environment detection from the client; article 12
    /// of the notice requires security protection. Strings only show that the
    /// code appears to check; they do not prove the check works, and their
    /// absence may mean the checks are encrypted or done on the server.
    ///
    /// ## Example
    /// The code holds `/system/xbin/su` and `test-keys` (root detection) but
    /// no sign of emulator, debugger or hook detection.
    ///
    /// ## Fix
    /// Adopt an approved runtime self-protection (RASP) or hardening product,
    /// or implement the four kinds of detection, and decide what happens on a
    /// risky device (warn, restrict transactions, report to fraud control).
    ///
    /// ## References
    /// - Notice, article 12 (security protection)
    /// - JR/T 0092-2019, client security: anti-tampering, anti-debugging, environment detection
    pub struct NoEnvironmentDetection {
        id: "PKG-030",
        name: "no-environment-detection",
        title_zh: "未检测运行环境",
        title_en: "No environment detection",
        severity: Low,
        articles: [12],
    }
}

/// Most found markers listed as evidence.
const MAX_EVIDENCE: usize = 20;

impl Rule for NoEnvironmentDetection {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // Markers are only looked for in readable code; a packer or
        // protector usually does these checks itself.
        if !cx.analysed("environment_probes") || !cx.code_readable() || !cx.packers.is_empty() {
            return;
        }
        let markers = &cx.knowledge.environment_markers;
        let mut found: BTreeMap<ProbeKind, Vec<Evidence>> = BTreeMap::new();
        for p in &cx.facts.environment_probes {
            if let Some(m) = markers.iter().find(|m| m.id == p.marker) {
                let mut value = format!("{} {:?}", m.id, p.needle);
                if !p.packages.is_empty() {
                    value.push_str(&format!(" loaded by {}", p.packages.join(", ")));
                }
                found.entry(m.kind).or_default().push(Evidence::new(
                    m.kind.as_str(),
                    p.found_in.first().map(String::as_str),
                    value,
                ));
            }
        }
        for m in markers.iter().filter(|m| !m.apis.is_empty()) {
            for (class, method) in m.apis.iter().filter_map(|a| a.rsplit_once('.')) {
                for r in cx.api_refs(class, &[method.to_string()]) {
                    found.entry(m.kind).or_default().push(Evidence::new(
                        m.kind.as_str(),
                        None,
                        format!("{} {r}", m.id),
                    ));
                }
            }
        }
        let missing: Vec<ProbeKind> = ProbeKind::ALL
            .into_iter()
            .filter(|k| !found.contains_key(k))
            .collect();
        if missing.is_empty() {
            return;
        }
        let zh = |ks: &mut dyn Iterator<Item = ProbeKind>| {
            ks.map(ProbeKind::name_zh).collect::<Vec<_>>().join("、")
        };
        let en = |ks: &mut dyn Iterator<Item = ProbeKind>| {
            ks.map(ProbeKind::as_str).collect::<Vec<_>>().join(", ")
        };
        let ev: Vec<Evidence> = found
            .values()
            .flatten()
            .take(MAX_EVIDENCE)
            .cloned()
            .collect();
        let finding = if found.is_empty() {
            Self::META.finding(
                "可读代码中没有 Root、模拟器、调试器或 Hook 框架检测的特征。",
                "Readable code shows no sign of root, emulator, debugger or hooking-framework detection.",
                vec![Evidence::new(
                    "code",
                    None,
                    format!("no environment marker matched ({} in the catalog)", markers.len()),
                )],
            )
        } else {
            Self::META.finding(
                format!(
                    "代码中有{}的特征，但没有{}的特征。",
                    zh(&mut found.keys().copied()),
                    zh(&mut missing.iter().copied())
                ),
                format!(
                    "The code shows {} detection but no {} detection.",
                    en(&mut found.keys().copied()),
                    en(&mut missing.iter().copied())
                ),
                ev,
            )
        };
        out.push(finding);
    }
}
