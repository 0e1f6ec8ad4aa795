use crate::{Context, Evidence, Finding, Rule, RuleMeta, Severity, declare_rule};

declare_rule! {
    /// ## 检查内容
    /// 应用中的域名是否属于可疑类别：赌博、色情（按顶级域名，如 `.bet`、`.casino`、
    /// `.porn`、`.xxx`）、短链接服务（`bit.ly`、`t.cn`）、动态域名与内网穿透
    /// （`duckdns.org`、`3322.org`、`oicp.net`、`ngrok-free.app`）、免费建站托管
    /// （`000webhostapp.com`、`herokuapp.com`）和文本粘贴站（`pastebin.com`）。
    /// 清单在知识库 `domains.toml` 中，每条都有来源；按域名标签边界匹配
    /// （`bit.ly` 匹配 `x.bit.ly`，不匹配 `notbit.ly`）。只由已识别 SDK 的代码加载的
    /// 域名（如 Google SDK 日志里的 `goo.gl` 链接）不报告。
    ///
    /// 严重程度按类别：赌博、色情为高危，其余为中危。
    ///
    /// ## 为何重要
    /// 金融应用不应链接到赌博、色情内容。短链接隐藏真实目标且可随时改指向；动态
    /// 域名、内网穿透和免费托管的主机不归机构管控，常被用作钓鱼页面和恶意软件的
    /// 控制服务器；粘贴站常被用来下发配置或窃取的数据。这些链接都无法纳入机构的
    /// 域名备案和准入管理。《通知》第七条要求管控应用中的无关链接，第十六条要求
    /// 保护个人信息。
    ///
    /// ## 示例
    /// `https://bit.ly/3xYz`；`lucky88.bet`；`http://myapp.duckdns.org/api`。
    ///
    /// ## 修复
    /// 删除无关链接；改用机构自有、已备案的域名；确需短链接时使用机构自建的短链
    /// 服务。
    ///
    /// ## 依据
    /// - 《通知》第七条（无关链接管控）、第十六条（个人信息保护）
    /// - IANA 根区数据库（顶级域名）及各服务商官网（见 `domains.toml` 的来源）
    ///
    /// <!-- en -->
    /// ## What it does
    /// Checks the app's domains against suspicious categories: gambling and
    /// adult content (by top-level domain, such as `.bet`, `.casino`,
    /// `.porn`, `.xxx`), URL shorteners (`bit.ly`, `t.cn`), dynamic DNS and
    /// tunnels (`duckdns.org`, `3322.org`, `oicp.net`, `ngrok-free.app`), free
    /// web hosting (`000webhostapp.com`, `herokuapp.com`) and paste sites
    /// (`pastebin.com`). The list is the knowledge file `domains.toml`, every
    /// entry sourced; matching is on label boundaries (`bit.ly` matches
    /// `x.bit.ly`, not `notbit.ly`). Domains that only code of a detected SDK
    /// loads (such as `goo.gl` links in Google SDK log messages) are not
    /// reported.
    ///
    /// Severity by category: gambling and adult are high, the rest medium.
    ///
    /// ## Why it matters
    /// A financial app must not lead to gambling or adult content. Short
    /// links hide their target and can be re-pointed at any time; dynamic
    /// DNS, tunnels and free hosting are outside the institution's control
    /// and common for phishing pages and malware command servers; paste
    /// sites are used to push configuration or drop stolen data. None of
    /// them fits the institution's domain filing and approval. Article 7
    /// requires control of irrelevant links, article 16 protection of
    /// personal information.
    ///
    /// ## Example
    /// `https://bit.ly/3xYz`; `lucky88.bet`; `http://myapp.duckdns.org/api`.
    ///
    /// ## Fix
    /// Remove irrelevant links; use the institution's own filed domains; where
    /// short links are needed, run the institution's own shortener.
    ///
    /// ## References
    /// - Notice, articles 7 (irrelevant links) and 16 (personal information)
    /// - IANA Root Zone Database (top-level domains) and the providers' own
    ///   sites (the sources in `domains.toml`)
    pub struct SuspiciousLinks {
        id: "PKG-043",
        name: "suspicious-links",
        title_zh: "可疑链接",
        title_en: "Suspicious links",
        severity: Medium,
        articles: [7, 16],
    }
}

/// Most domains listed as evidence.
const MAX_DOMAINS: usize = 50;

/// Whether every package is inside a detected SDK's package prefixes.
fn all_in_sdks(cx: &Context<'_>, packages: &[String]) -> bool {
    let prefixes: Vec<&str> = cx
        .sdks
        .iter()
        .filter_map(|h| cx.knowledge.sdk(&h.id))
        .flat_map(|s| s.evidence.packages.iter().map(String::as_str))
        .collect();
    !packages.is_empty()
        && packages.iter().all(|p| {
            prefixes.iter().any(|pre| {
                p == pre || (p.starts_with(pre) && p.as_bytes().get(pre.len()) == Some(&b'.'))
            })
        })
}

impl Rule for SuspiciousLinks {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let k = cx.knowledge;
        let mut ev = Vec::new();
        let mut worst = None::<Severity>;
        let mut names: Vec<&str> = Vec::new();
        for d in &cx.facts.endpoints.domains {
            let Some(hit) = k.suspicious_domains.iter().find(|s| s.matches(&d.value)) else {
                continue;
            };
            if all_in_sdks(cx, &d.packages) {
                continue;
            }
            let Some(cat) = k.domain_category(&hit.category) else {
                continue;
            };
            let sev = Severity::parse(&cat.severity).unwrap_or(Severity::Medium);
            worst = Some(worst.map_or(sev, |w| w.min(sev)));
            if !names.contains(&cat.name_zh.as_str()) {
                names.push(&cat.name_zh);
            }
            if ev.len() < MAX_DOMAINS {
                let what = format!("{} ({}: {})", d.value, cat.name_en, hit.suffix);
                let loc = cx.endpoint_location(d);
                ev.push(Evidence::new("domain", loc.as_deref(), what));
            }
        }
        let Some(worst) = worst else {
            return;
        };
        let cats_en: Vec<&str> = names
            .iter()
            .filter_map(|zh| k.domain_categories.iter().find(|c| c.name_zh == *zh))
            .map(|c| c.name_en.as_str())
            .collect();
        let mut f = Self::META.finding(
            format!("应用中有可疑类别的链接：{}。", names.join("、")),
            format!(
                "The app links to suspicious categories: {}.",
                cats_en.join(", ")
            ),
            ev,
        );
        f.severity = worst;
        out.push(f);
    }
}
