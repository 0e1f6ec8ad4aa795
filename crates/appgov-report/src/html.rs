//! The HTML report: one self-contained page (inline CSS, a few lines of
//! inline script for the language switch, no external resources), Chinese
//! first with an English switch, for a bank's security manager to read,
//! forward and print.
//!
//! Everything from the package is escaped with [`esc`] and shown as text,
//! never as a link or a resource. A Content-Security-Policy with hashes of
//! the page's own style and script is a second line of defence: even an
//! escaping mistake could neither run script nor load anything.

use std::collections::BTreeMap;
use std::fmt::Write;

use appgov_checks::{Evidence, Finding, Severity};
use appgov_facts::Facts;
use appgov_knowledge::pi::FinanceRelevance;
use sha2::{Digest, Sha256};

use crate::{Input, TOOL_NAME, TOOL_VERSION, counts, doc, doc_section, rule_meta, severity_en};

/// Most URLs (and domains, IPs, e-mails) listed; the JSON has them all.
const MAX_ENDPOINTS: usize = 1000;

/// Escapes text for HTML content and quoted attribute values. Control,
/// bidirectional and invisible format characters are shown as `[U+XXXX]`
/// so a hostile string cannot hide or reorder what the reader sees.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if hidden_char(c) => {
                let _ = write!(out, "[U+{:04X}]", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD | 0x061C | 0x115F | 0x1160 | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
            | 0x2060..=0x206F | 0x3164 | 0xFEFF | 0xFFA0 | 0xFFF9..=0xFFFB | 0xE0000..=0xE007F)
}

/// Chinese and English HTML fragments (already escaped), one shown at a time.
pub(crate) fn bi(zh: &str, en: &str) -> String {
    format!(r#"<span class="zh" lang="zh-CN">{zh}</span><span class="en" lang="en">{en}</span>"#)
}

/// Block-level Chinese and English fragments.
fn bi_block(zh: &str, en: &str) -> String {
    format!(r#"<div class="zh" lang="zh-CN">{zh}</div><div class="en" lang="en">{en}</div>"#)
}

/// `bi` of two plain strings.
pub(crate) fn bt(zh: &str, en: &str) -> String {
    bi(&esc(zh), &esc(en))
}

/// An identifier (permission, class, package name) escaped, with a line
/// break opportunity after each dot so long names wrap at their parts.
pub(crate) fn esc_id(s: &str) -> String {
    esc(s).replace('.', ".<wbr>")
}

fn opt(v: &Option<String>) -> String {
    match v {
        Some(s) if !s.is_empty() => esc(s),
        _ => "—".into(),
    }
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map_or("—".into(), |v| v.to_string())
}

pub(crate) fn yes_no(v: bool) -> String {
    if v { bt("是", "yes") } else { bt("否", "no") }
}

/// 第N条 for 1–99.
pub(crate) fn article_zh(n: u32) -> String {
    const D: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let s = match n {
        0..=9 => D[n as usize].to_string(),
        10..=19 => format!("十{}", if n > 10 { D[(n % 10) as usize] } else { "" }),
        20..=99 => format!(
            "{}十{}",
            D[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                D[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    };
    format!("第{s}条")
}

pub(crate) fn sev_badge(s: Severity) -> String {
    format!(
        r#"<span class="badge sev-{}">{}</span>"#,
        s.as_str(),
        bt(s.label_zh(), severity_en(s))
    )
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

const STYLE: &str = include_str!("report.css");

/// The language switch: toggles a class on the root element, the root's
/// `lang`, the button state and the document title. Nothing else.
const SCRIPT: &str = "(function(){var h=document.documentElement,b=document.getElementById('lang-toggle');\
if(!b)return;b.hidden=false;b.addEventListener('click',function(){var en=h.classList.toggle('lang-en');\
h.lang=en?'en':'zh-CN';b.setAttribute('aria-pressed',en?'true':'false');\
document.title=h.getAttribute(en?'data-title-en':'data-title-zh');});})();";

/// The HTML report, ending with a newline.
pub fn html(input: &Input<'_>) -> String {
    let facts = input.facts;
    let label_zh = facts
        .labels
        .iter()
        .find(|l| l.locale == "zh-CN")
        .map(|l| l.value.clone())
        .or_else(|| facts.label.clone());
    let label_en = facts
        .labels
        .iter()
        .find(|l| l.locale == "en")
        .map(|l| l.value.clone())
        .or_else(|| facts.label.clone());
    let app_zh = label_zh
        .clone()
        .or_else(|| facts.package.clone())
        .unwrap_or_else(|| facts.input.file_name.clone());
    let app_en = label_en
        .clone()
        .or_else(|| facts.package.clone())
        .unwrap_or_else(|| facts.input.file_name.clone());
    let title_zh = format!("移动应用安全合规检测报告 — {app_zh}");
    let title_en = format!("Mobile app security and compliance report — {app_en}");

    let mut body = String::new();
    let b = &mut body;
    top_bar(b);
    b.push_str("<main>");
    let _ = write!(
        b,
        r#"<h1>{}</h1><p class="subtitle">{}</p>"#,
        bt(
            "移动应用安全合规检测报告",
            "Mobile app security and compliance report"
        ),
        bi(
            &format!(
                "{} · {} · {}",
                esc(&app_zh),
                opt(&facts.package),
                opt(&facts.version_name)
            ),
            &format!(
                "{} · {} · {}",
                esc(&app_en),
                opt(&facts.package),
                opt(&facts.version_name)
            )
        )
    );

    verdict(b, input);
    identity(b, input, label_zh.as_deref(), label_en.as_deref());
    findings(b, input);
    suppressed(b, input);
    sdks(b, input);
    permissions(b, input);
    endpoints(b, facts);
    certificates(b, facts);
    b.push_str("</main>");
    footer(b, input);

    page(&title_zh, &title_en, &body, &bar_widths(input))
}

/// The brand line and the language switch.
pub(crate) fn top_bar(b: &mut String) {
    let _ = write!(
        b,
        r#"<header class="top"><p class="brand">appgov · {}</p><button id="lang-toggle" type="button" aria-pressed="false" hidden><span class="zh" lang="en">English</span><span class="en" lang="zh-CN">中文</span></button></header>"#,
        bt(
            "依据《关于加强银行业保险业移动互联网应用程序管理的通知》（金办发〔2024〕99号）",
            "under notice 金办发〔2024〕99号 on the management of banking and insurance mobile apps"
        )
    );
}

/// The whole document around a body: the CSP with hashes of the page's own
/// style (the shared sheet plus `extra_style`) and script, the titles for
/// both languages.
pub(crate) fn page(title_zh: &str, title_en: &str, body: &str, extra_style: &str) -> String {
    let style = format!("{STYLE}{extra_style}");
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(&style),
        csp_hash(SCRIPT)
    );
    let mut page = String::with_capacity(body.len() + style.len() + 1024);
    let _ = write!(
        page,
        r#"<!DOCTYPE html>
<html lang="zh-CN" data-title-zh="{tz}" data-title-en="{te}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="generator" content="{TOOL_NAME} {TOOL_VERSION}">
<title>{tz}</title>
<style>{style}</style>
</head>
<body>
{body}
<script>{SCRIPT}</script>
</body>
</html>
"#,
        tz = esc(title_zh),
        te = esc(title_en),
    );
    page
}

fn bar_widths(input: &Input<'_>) -> String {
    let c = counts(input.analysis);
    let max = c.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut s = String::new();
    for (sev, n) in c {
        let pct = if n == 0 {
            0.0
        } else {
            ((n as f64) * 100.0 / (max as f64)).max(1.0)
        };
        let _ = write!(s, "\n.bar.sev-{}{{width:{:.1}%}}", sev.as_str(), pct);
    }
    s.push('\n');
    s
}

/// Opens a list table: its caption (HTML, already escaped) and column
/// headings in both languages; the caller writes the rows and
/// `</tbody></table>`.
pub(crate) fn list_table_start(b: &mut String, caption: &str, heads: &[(&str, &str)]) {
    let _ = write!(
        b,
        r#"<table class="list"><caption>{caption}</caption><thead><tr>"#
    );
    for (zh, en) in heads {
        let _ = write!(b, r#"<th scope="col">{}</th>"#, bt(zh, en));
    }
    b.push_str("</tr></thead><tbody>");
}

pub(crate) fn section_start(b: &mut String, id: &str, zh: &str, en: &str) {
    let _ = write!(
        b,
        r#"<section id="{id}" aria-labelledby="{id}-h"><h2 id="{id}-h">{}</h2>"#,
        bt(zh, en)
    );
}

fn verdict(b: &mut String, input: &Input<'_>) {
    let c = counts(input.analysis);
    let n = |s: Severity| c.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    let serious = n(Severity::Critical) + n(Severity::High);
    let other = n(Severity::Medium) + n(Severity::Low);
    section_start(b, "verdict", "总体结论", "Overall verdict");
    let (class, zh, en) = if let Some(err) = &input.facts.error {
        (
            "incomplete",
            format!("无法判定：安装包未能完整分析（{}）。", esc(err)),
            format!(
                "Undetermined: the package could not be fully analysed ({}).",
                esc(err)
            ),
        )
    } else if serious > 0 {
        (
            "fail",
            format!(
                "不通过：发现 {serious} 项严重或高危问题，须整改后重新检测{}。",
                if other > 0 {
                    format!("；另有 {other} 项中低危问题")
                } else {
                    String::new()
                }
            ),
            format!(
                "Not passed: {serious} critical or high finding{} must be fixed and the package re-tested{}.",
                if serious == 1 { "" } else { "s" },
                if other > 0 {
                    format!("; {other} medium or low in addition")
                } else {
                    String::new()
                }
            ),
        )
    } else if other > 0 {
        (
            "warn",
            format!("未发现严重或高危问题；有 {other} 项中低危问题，建议整改。"),
            format!(
                "No critical or high findings; {other} medium or low finding{} should be addressed.",
                if other == 1 { "" } else { "s" }
            ),
        )
    } else {
        (
            "pass",
            "未发现问题（以本工具的检查项为限）。".to_string(),
            "No findings (within this tool's checks).".to_string(),
        )
    };
    let _ = write!(
        b,
        r#"<p class="verdict {class}" role="status"><strong>{}</strong></p>"#,
        bi(&zh, &en)
    );
    for l in &input.analysis.limits {
        let _ = write!(
            b,
            r#"<p class="note" role="note"><strong>{}</strong> {} <span class="muted">{}</span></p>"#,
            bt("未判定：", "Not decided:"),
            bt(&l.message_zh, &l.message_en),
            esc(&l.rules.join(", "))
        );
    }
    let n_suppressed = input.analysis.suppressed.len();
    if n_suppressed > 0 {
        let _ = write!(
            b,
            r##"<p class="note">{}</p>"##,
            bi(
                &format!(
                    "另有 {n_suppressed} 项发现按机构策略豁免，未计入结论（见<a href=\"#suppressed\">豁免清单</a>）。"
                ),
                &format!(
                    "{n_suppressed} more finding{} suppressed by the institution's policy and not counted (see <a href=\"#suppressed\">the list</a>).",
                    if n_suppressed == 1 { " is" } else { "s are" }
                )
            )
        );
    }

    // Bar chart: a table (readable as such), the bars decorative.
    let _ = write!(
        b,
        r#"<table class="chart"><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col"><span class="sr">{}</span></th></tr></thead><tbody>"#,
        bt("按严重程度统计", "Findings by severity"),
        bt("严重程度", "Severity"),
        bt("数量", "Count"),
        bt("图示", "Chart"),
    );
    for (sev, count) in c {
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td class="num">{count}</td><td class="barcell" aria-hidden="true"><div class="bar sev-{}"></div></td></tr>"#,
            sev_badge(sev),
            sev.as_str()
        );
    }
    b.push_str("</tbody></table>");

    if !input.analysis.findings.is_empty() {
        list_table_start(
            b,
            &bt("问题清单", "List of findings"),
            &[
                ("严重程度", "Severity"),
                ("检查项", "Check"),
                ("问题", "Finding"),
                ("《通知》条款", "Notice articles"),
            ],
        );
        for f in &input.analysis.findings {
            let arts_zh: Vec<String> = f.articles.iter().map(|&a| article_zh(a)).collect();
            let arts_en: Vec<String> = f.articles.iter().map(|a| a.to_string()).collect();
            let _ = write!(
                b,
                r##"<tr><td>{}</td><td><a href="#{}">{}</a></td><td>{}</td><td>{}</td></tr>"##,
                sev_badge(f.severity),
                finding_anchor(f),
                esc(&f.rule),
                bt(&f.title_zh, &f.title_en),
                bi(&esc(&arts_zh.join("、")), &esc(&arts_en.join(", "))),
            );
        }
        b.push_str("</tbody></table>");
    }
    let _ = write!(
        b,
        r#"<p class="note">{}</p></section>"#,
        bt(
            "本报告由自动化静态检测生成，检测范围以所列检查项为限，不替代人工安全评估与合规审查。",
            "This report comes from automated static analysis, limited to the checks listed; it does not replace a manual security assessment or compliance review."
        )
    );
}

fn finding_anchor(f: &Finding) -> String {
    let id: String = f
        .rule
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("f-{id}")
}

fn kv(b: &mut String, zh: &str, en: &str, value_html: &str) {
    let _ = write!(
        b,
        r#"<tr><th scope="row">{}</th><td>{value_html}</td></tr>"#,
        bt(zh, en)
    );
}

fn identity(b: &mut String, input: &Input<'_>, label_zh: Option<&str>, label_en: Option<&str>) {
    let f = input.facts;
    section_start(b, "identity", "应用信息", "App identity");
    let _ = write!(
        b,
        r#"<table class="kv"><caption>{}</caption><tbody>"#,
        bt("应用", "Application")
    );
    let label = match (label_zh, label_en) {
        (Some(z), Some(e)) if z != e => format!("{} / {}", esc(z), esc(e)),
        (Some(z), _) => esc(z),
        (None, Some(e)) => esc(e),
        (None, None) => "—".into(),
    };
    kv(b, "应用名称", "Label", &label);
    kv(
        b,
        "包名",
        "Package",
        &format!("<code>{}</code>", opt(&f.package)),
    );
    kv(
        b,
        "版本",
        "Version",
        &format!(
            "{} ({})",
            opt(&f.version_name),
            bi(
                &format!("版本号 {}", num(f.version_code)),
                &format!("code {}", num(f.version_code))
            )
        ),
    );
    kv(
        b,
        "SDK 版本",
        "SDK levels",
        &format!(
            "min {} · target {} · compile {}",
            num(f.min_sdk),
            num(f.target_sdk),
            num(f.compile_sdk)
        ),
    );
    b.push_str("</tbody></table>");

    let _ = write!(
        b,
        r#"<table class="kv"><caption>{}</caption><tbody>"#,
        bt("安装包文件", "Package file")
    );
    kv(b, "文件名", "File name", &esc(&f.input.file_name));
    kv(
        b,
        "类型与大小",
        "Kind and size",
        &format!(
            "{} · {}",
            esc(&f.input.kind),
            bi(
                &format!("{} 字节", f.input.size),
                &format!("{} bytes", f.input.size)
            )
        ),
    );
    for (name, v) in [
        ("SHA-256", &f.input.sha256),
        ("SHA-1", &f.input.sha1),
        ("MD5", &f.input.md5),
    ] {
        let shown = if v.is_empty() {
            "—".into()
        } else {
            format!("<code class=\"hash\">{}</code>", esc(v))
        };
        kv(b, name, name, &shown);
    }
    b.push_str("</tbody></table>");

    let s = &f.signing;
    let _ = write!(
        b,
        r#"<table class="kv"><caption>{}</caption><tbody>"#,
        bt("签名", "Signature")
    );
    let looked = f.analysed.iter().any(|a| a == "signature_digests");
    let verdict = if s.verified {
        format!(r#"<span class="ok">{}</span>"#, bt("验证通过", "verified"))
    } else if !looked {
        bt(
            "未验证（按要求跳过了内容摘要校验）",
            "not verified (content digests skipped on request)",
        )
    } else {
        format!(
            r#"<span class="bad">{}</span>: {}"#,
            bt("验证未通过", "NOT verified"),
            esc(&s.verdict)
        )
    };
    kv(b, "验证结论", "Verification", &verdict);
    let schemes: Vec<String> = s
        .schemes
        .iter()
        .map(|x| format!("{} {}", esc(&x.scheme), if x.verified { "✓" } else { "✗" }))
        .collect();
    kv(
        b,
        "签名方案",
        "Schemes",
        &if schemes.is_empty() {
            bt("无签名", "unsigned")
        } else {
            schemes.join(", ")
        },
    );
    if let Some(cert) = s.certificates.first() {
        kv(b, "证书主体", "Certificate subject", &esc(&cert.subject));
        kv(
            b,
            "证书 SHA-256",
            "Certificate SHA-256",
            &format!("<code class=\"hash\">{}</code>", esc(&cert.sha256)),
        );
        kv(
            b,
            "证书 MD5",
            "Certificate MD5",
            &format!("<code class=\"hash\">{}</code>", esc(&cert.md5)),
        );
    }
    b.push_str("</tbody></table>");
    if let Some(err) = &f.error {
        let _ = write!(
            b,
            r#"<p class="verdict incomplete">{}: {}</p>"#,
            bt("分析错误", "Analysis error"),
            esc(err)
        );
    }
    b.push_str("</section>");
}

fn evidence_kind(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "manifest" => ("清单", "manifest"),
        "permission" => ("权限", "permission"),
        "component" => ("组件", "component"),
        "signing" => ("签名", "signing"),
        "certificate" => ("证书", "certificate"),
        "dex" => ("代码", "code"),
        "api" => ("调用接口", "API"),
        "native" => ("原生库", "native library"),
        "asset" => ("文件", "file"),
        "url" => ("网址", "URL"),
        "host" => ("域名", "host"),
        "sdk" => ("SDK", "SDK"),
        "package" => ("代码包", "code package"),
        "meta_data" => ("清单 meta-data", "manifest meta-data"),
        "archive" => ("安装包", "archive"),
        "network_security_config" => ("网络安全配置", "network security config"),
        "requirement" => ("要求", "requirement"),
        _ => ("", ""),
    }
}

fn kind_cell(kind: &str) -> String {
    match evidence_kind(kind) {
        ("", _) => esc(kind),
        (zh, en) => bt(zh, en),
    }
}

fn evidence_table(b: &mut String, ev: &[Evidence]) {
    if ev.is_empty() {
        return;
    }
    let _ = write!(
        b,
        r#"<table class="evidence"><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        bt("证据", "Evidence"),
        bt("类型", "Kind"),
        bt("位置", "Location"),
        bt("内容", "Value"),
    );
    for e in ev {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            kind_cell(&e.kind),
            opt(&e.location),
            esc(&e.value)
        );
    }
    b.push_str("</tbody></table>");
}

fn findings(b: &mut String, input: &Input<'_>) {
    section_start(
        b,
        "findings",
        "检测发现（按《通知》条款）",
        "Findings by notice article",
    );
    if input.analysis.findings.is_empty() {
        let _ = write!(
            b,
            "<p>{}</p></section>",
            if input.facts.error.is_some() {
                bt(
                    "安装包未能分析，未运行检查。",
                    "The package could not be analysed; no checks ran.",
                )
            } else {
                bt("未发现问题。", "No findings.")
            }
        );
        return;
    }
    // Article → findings; a finding is written out in full under its first
    // article and referred to from the others.
    let mut by_article: BTreeMap<u32, Vec<(&Finding, bool)>> = BTreeMap::new();
    for f in &input.analysis.findings {
        if f.articles.is_empty() {
            by_article.entry(OTHER).or_default().push((f, true));
        }
        for (i, &a) in f.articles.iter().enumerate() {
            by_article.entry(a).or_default().push((f, i == 0));
        }
    }
    b.push_str(r#"<nav aria-label="条款目录 / Articles"><ul class="toc">"#);
    for (&a, list) in &by_article {
        let _ = write!(
            b,
            r##"<li><a href="#art-{a}">{}</a> ({})</li>"##,
            article_title(input, a),
            list.len()
        );
    }
    b.push_str("</ul></nav>");
    for (&a, list) in &by_article {
        let _ = write!(
            b,
            r#"<section class="article" id="art-{a}" aria-labelledby="art-{a}-h"><h3 id="art-{a}-h">{}</h3>"#,
            article_title(input, a)
        );
        if let Some(art) = input.knowledge.article(a) {
            let _ = write!(
                b,
                r#"<details class="summary"><summary>{}</summary>{}</details>"#,
                bt("条款要点", "What the article requires"),
                bi_block(
                    &format!("<p>{}</p>", esc(&art.summary_zh)),
                    &format!("<p>{}</p>", esc(&art.summary_en))
                )
            );
        }
        for (f, primary) in list {
            if *primary {
                finding(b, input, f);
            } else {
                let first = f.articles.first().copied().unwrap_or(0);
                let _ = write!(
                    b,
                    r##"<p class="xref">{} <a href="#{}">{} {}</a> {}</p>"##,
                    sev_badge(f.severity),
                    finding_anchor(f),
                    esc(&f.rule),
                    bt(&f.title_zh, &f.title_en),
                    bi(
                        &format!("（详见{}）", esc(&article_zh(first))),
                        &format!("(see article {first})")
                    )
                );
            }
        }
        b.push_str("</section>");
    }
    b.push_str("</section>");
}

fn suppressed(b: &mut String, input: &Input<'_>) {
    let list = &input.analysis.suppressed;
    if list.is_empty() {
        return;
    }
    section_start(
        b,
        "suppressed",
        "按机构策略豁免的发现",
        "Findings suppressed by policy",
    );
    list_table_start(
        b,
        &bt(
            "不计入结论；到期后自动恢复",
            "Not counted in the verdict; they count again when the suppression expires",
        ),
        &[
            ("严重程度", "Severity"),
            ("检查项", "Check"),
            ("问题", "Finding"),
            ("豁免原因", "Reason"),
            ("负责人", "Owner"),
            ("到期日", "Expires"),
        ],
    );
    for f in list {
        let (reason, owner, expires) = f
            .suppression
            .as_ref()
            .map(|s| (esc(&s.reason), esc(&s.owner), esc(&s.expires)))
            .unwrap_or_default();
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}<br>{}</td><td>{reason}</td><td>{owner}</td><td>{expires}</td></tr>",
            sev_badge(f.severity),
            esc(&f.rule),
            bt(&f.title_zh, &f.title_en),
            bt(&f.message_zh, &f.message_en),
        );
    }
    b.push_str("</tbody></table></section>");
}

/// The group of findings that cite no article (listed last).
const OTHER: u32 = u32::MAX;

fn article_title(input: &Input<'_>, a: u32) -> String {
    if a == OTHER {
        return bt("其他", "Other");
    }
    match input.knowledge.article(a) {
        Some(art) => bi(
            &format!("{}　{}", esc(&article_zh(a)), esc(&art.title_zh)),
            &format!("Article {a} · {}", esc(&art.title_en)),
        ),
        None => bi(&esc(&article_zh(a)), &format!("Article {a}")),
    }
}

fn finding(b: &mut String, _input: &Input<'_>, f: &Finding) {
    let _ = write!(
        b,
        r#"<article class="finding sev-{}" id="{}" aria-labelledby="{}-h"><h4 id="{}-h">{} <span class="rule">{}</span> {}</h4>"#,
        f.severity.as_str(),
        finding_anchor(f),
        finding_anchor(f),
        finding_anchor(f),
        sev_badge(f.severity),
        esc(&f.rule),
        bt(&f.title_zh, &f.title_en),
    );
    let _ = write!(
        b,
        r#"<p class="message">{}</p>"#,
        bt(&f.message_zh, &f.message_en)
    );
    if let Some(s) = f.suppression.as_ref().filter(|s| s.status != "active") {
        let _ = write!(
            b,
            r#"<p class="xref">{}</p>"#,
            bi(
                &format!(
                    "机构策略中的豁免已于 {} 到期，本项重新计入（原因：{}；负责人：{}）。",
                    esc(&s.expires),
                    esc(&s.reason),
                    esc(&s.owner)
                ),
                &format!(
                    "The policy's suppression expired on {}, so this counts again (reason: {}; owner: {}).",
                    esc(&s.expires),
                    esc(&s.reason),
                    esc(&s.owner)
                )
            )
        );
    }
    evidence_table(b, &f.evidence);
    if let Some(meta) = rule_meta(&f.rule) {
        let zh = doc_section(&doc(meta, "zh"), "修复");
        let en = doc_section(&doc(meta, "en"), "Fix");
        if zh.is_some() || en.is_some() {
            let _ = write!(
                b,
                r#"<div class="fix"><h5>{}</h5>{}</div>"#,
                bt("修复建议", "How to fix"),
                bi_block(
                    &crate::markdown::to_html(zh.as_deref().unwrap_or("")),
                    &crate::markdown::to_html(en.as_deref().unwrap_or(""))
                )
            );
        }
    }
    b.push_str("</article>");
}

fn pi_names(input: &Input<'_>, ids: &[String]) -> (String, String, bool) {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    let mut sensitive = false;
    for id in ids {
        match input.knowledge.pi_category(id) {
            Some(c) => {
                zh.push(c.name_zh.clone());
                en.push(c.name_en.clone());
                sensitive |= c.sensitive;
            }
            None => {
                zh.push(id.clone());
                en.push(id.clone());
            }
        }
    }
    (zh.join("、"), en.join(", "), sensitive)
}

fn sdks(b: &mut String, input: &Input<'_>) {
    let a = input.analysis;
    section_start(b, "sdks", "第三方 SDK", "Third-party SDKs");
    if a.sdks.is_empty() {
        let _ = write!(
            b,
            "<p>{}</p>",
            bt(
                "未识别到 SDK 目录中的第三方 SDK。",
                "No SDK from the catalog was recognised."
            )
        );
    } else {
        list_table_start(
            b,
            &bi(
                &format!("识别到 {} 个 SDK", a.sdks.len()),
                &format!("{} SDKs recognised", a.sdks.len()),
            ),
            &[
                ("SDK", "SDK"),
                ("开发者", "Vendor"),
                ("类别", "Category"),
                ("收集的个人信息", "Personal information collected"),
                ("识别依据", "Evidence"),
            ],
        );
        for s in &a.sdks {
            let category_en = appgov_knowledge::SdkCategory::ALL
                .iter()
                .find(|c| c.as_str() == s.category)
                .map_or(s.category.as_str(), |c| c.label_en());
            let (pz, pe, sensitive) = pi_names(input, &s.pi);
            let collects = match s.collects_pi {
                appgov_knowledge::sdk::PiCollection::Documented => bt("有公开说明", "documented"),
                appgov_knowledge::sdk::PiCollection::Likely => {
                    bt("可能收集（待核实）", "likely (confirm)")
                }
                appgov_knowledge::sdk::PiCollection::None => bt("未见说明", "none documented"),
            };
            let mut kinds: Vec<&str> = s.evidence.iter().map(|e| e.kind.as_str()).collect();
            kinds.dedup();
            kinds.sort_unstable();
            kinds.dedup();
            let kinds: Vec<String> = kinds.iter().map(|k| kind_cell(k)).collect();
            let version = s
                .version
                .as_ref()
                .map(|v| format!(" <span class=\"muted\">{}</span>", esc(v)))
                .unwrap_or_default();
            let _ = write!(
                b,
                "<tr><td>{}{version}</td><td>{}</td><td>{}</td><td>{collects}{}{}</td><td>{}</td></tr>",
                bt(&s.name_zh, &s.name),
                bt(&s.vendor_zh, &s.vendor),
                bt(&s.category_zh, category_en),
                if s.pi.is_empty() {
                    String::new()
                } else {
                    format!("：{}", bi(&esc(&pz), &esc(&pe)))
                },
                if sensitive {
                    format!(" <span class=\"flag\">{}</span>", bt("敏感", "sensitive"))
                } else {
                    String::new()
                },
                kinds.join("、"),
            );
        }
        b.push_str("</tbody></table>");
    }
    if !a.packers.is_empty() {
        list_table_start(
            b,
            &bt("加固 / 保护", "Packers and protectors"),
            &[
                ("产品", "Product"),
                ("厂商", "Vendor"),
                ("类型", "Kind"),
                ("识别依据", "Evidence"),
            ],
        );
        for p in &a.packers {
            let ev: Vec<String> = p
                .evidence
                .iter()
                .map(|e| {
                    format!(
                        "{}: {}",
                        kind_cell(&e.kind),
                        esc(e.location.as_deref().unwrap_or(&e.value))
                    )
                })
                .collect();
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                bt(&p.name_zh, &p.name),
                esc(&p.vendor),
                esc(&p.kind),
                ev.join("<br>")
            );
        }
        b.push_str("</tbody></table>");
    }
    b.push_str("</section>");
}

fn permissions(b: &mut String, input: &Input<'_>) {
    let f = input.facts;
    section_start(b, "permissions", "申请的权限", "Requested permissions");
    if f.permissions.is_empty() {
        let _ = write!(b, "<p>{}</p></section>", bt("未申请权限。", "None."));
        return;
    }
    list_table_start(
        b,
        &bi(
            &format!("共 {} 项", f.permissions.len()),
            &format!("{} permissions", f.permissions.len()),
        ),
        &[
            ("权限", "Permission"),
            ("说明", "Meaning"),
            ("保护级别", "Protection"),
            ("涉及的个人信息", "Personal information"),
            ("敏感", "Sensitive"),
        ],
    );
    for name in &f.permissions {
        let info = input.knowledge.permission(name);
        let (label, protection, pi, sensitive) = match info {
            Some(p) => {
                let (pz, pe, sensitive) = pi_names(input, &p.pi);
                let unusual = if p.finance == FinanceRelevance::Unusual {
                    format!(
                        " <span class=\"flag\">{}</span>",
                        bt("金融业务通常不需要", "rarely needed by financial apps")
                    )
                } else {
                    String::new()
                };
                (
                    format!("{}{unusual}", bt(&p.label_zh, &p.label_en)),
                    esc(&p.protection),
                    if p.pi.is_empty() {
                        "—".to_string()
                    } else {
                        bi(&esc(&pz), &esc(&pe))
                    },
                    sensitive,
                )
            }
            None => (
                format!(
                    "<span class=\"muted\">{}</span>",
                    bt("（未收录）", "(not in catalog)")
                ),
                "—".into(),
                "—".into(),
                false,
            ),
        };
        let _ = write!(
            b,
            "<tr><td><code>{}</code></td><td>{label}</td><td>{protection}</td><td>{pi}</td><td>{}</td></tr>",
            esc_id(name),
            if sensitive {
                format!("<span class=\"flag\">{}</span>", bt("是", "yes"))
            } else {
                bt("否", "no")
            },
        );
    }
    b.push_str("</tbody></table></section>");
}

fn endpoints(b: &mut String, f: &Facts) {
    section_start(b, "endpoints", "域名与网址", "Domains and URLs");
    let e = &f.endpoints;
    if !f.analysed.iter().any(|a| a == "endpoints") {
        let _ = write!(
            b,
            "<p>{}</p>",
            bt(
                "本次未提取网络地址。",
                "Endpoints were not extracted in this scan."
            )
        );
    }
    let _ = write!(
        b,
        "<p class=\"note\">{}</p>",
        bt(
            "以下地址取自安装包内容，仅以文本列出，未访问；其中可能包含第三方库自带的地址。",
            "Addresses taken from the package's content, listed as text and never visited; third-party libraries bring some of them."
        )
    );
    let groups: [(&str, &str, &[appgov_facts::Located], bool); 4] = [
        ("域名", "Domains", &e.domains, true),
        ("网址", "URLs", &e.urls, false),
        ("IP 地址", "IP addresses", &e.ips, true),
        ("电子邮件地址", "E-mail addresses", &e.emails, true),
    ];
    for (zh, en, list, open) in groups {
        if list.is_empty() {
            continue;
        }
        let shown = list.len().min(MAX_ENDPOINTS);
        let _ = write!(
            b,
            r#"<details{}><summary>{}</summary><table class="list endpoints"><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            if open && list.len() <= 50 {
                " open"
            } else {
                ""
            },
            bi(
                &format!("{zh}（{} 项）", list.len()),
                &format!("{en} ({})", list.len())
            ),
            bt(zh, en),
            bt("出现位置", "Found in"),
        );
        for l in &list[..shown] {
            let mut found: Vec<String> = l.found_in.iter().take(5).map(|s| esc(s)).collect();
            if l.found_in.len() > 5 {
                found.push(format!("+{}", l.found_in.len() - 5));
            }
            let _ = write!(
                b,
                "<tr><td class=\"addr\">{}</td><td>{}</td></tr>",
                esc(&l.value),
                found.join("<br>")
            );
        }
        b.push_str("</tbody></table>");
        if list.len() > shown {
            let _ = write!(
                b,
                "<p class=\"note\">{}</p>",
                bi(
                    &format!(
                        "仅列出前 {shown} 项，共 {} 项；完整列表见 JSON 输出。",
                        list.len()
                    ),
                    &format!(
                        "First {shown} of {} shown; the JSON output has them all.",
                        list.len()
                    )
                )
            );
        }
        b.push_str("</details>");
    }
    b.push_str("</section>");
}

fn certificates(b: &mut String, f: &Facts) {
    let s = &f.signing;
    section_start(b, "certificates", "签名与证书", "Signing and certificates");
    if !s.schemes.is_empty() {
        list_table_start(
            b,
            &bt("签名方案", "Signature schemes"),
            &[
                ("方案", "Scheme"),
                ("验证", "Verified"),
                ("签名者", "Signers"),
                ("错误与警告", "Errors and warnings"),
            ],
        );
        for x in &s.schemes {
            let msgs: Vec<String> = x.errors.iter().chain(&x.warnings).map(|m| esc(m)).collect();
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&x.scheme),
                yes_no(x.verified),
                x.signers,
                msgs.join("<br>")
            );
        }
        b.push_str("</tbody></table>");
    }
    if s.certificates.is_empty() {
        let _ = write!(b, "<p>{}</p>", bt("无证书。", "No certificates."));
    }
    for (i, c) in s.certificates.iter().enumerate() {
        let _ = write!(
            b,
            r#"<table class="kv cert"><caption>{}</caption><tbody>"#,
            bi(
                &format!("证书 {}", i + 1),
                &format!("Certificate {}", i + 1)
            )
        );
        kv(b, "主体", "Subject", &esc(&c.subject));
        kv(b, "颁发者", "Issuer", &esc(&c.issuer));
        kv(
            b,
            "序列号",
            "Serial",
            &format!("<code>{}</code>", esc(&c.serial)),
        );
        kv(
            b,
            "有效期",
            "Validity",
            &format!("{} — {}", esc(&c.not_before), esc(&c.not_after)),
        );
        kv(
            b,
            "密钥",
            "Key",
            &format!(
                "{} {} · {}",
                esc(&c.key_algorithm),
                c.key_size.map_or(String::new(), |k| k.to_string()),
                esc(&c.signature_algorithm)
            ),
        );
        for (name, v) in [("SHA-256", &c.sha256), ("SHA-1", &c.sha1), ("MD5", &c.md5)] {
            kv(
                b,
                name,
                name,
                &format!("<code class=\"hash\">{}</code>", esc(v)),
            );
        }
        kv(b, "签名方案", "Schemes", &esc(&c.schemes.join(", ")));
        kv(b, "自签名", "Self-signed", &yes_no(c.self_signed));
        kv(
            b,
            "调试证书",
            "Debug certificate",
            &if c.debug {
                format!("<span class=\"bad\">{}</span>", bt("是", "yes"))
            } else {
                bt("否", "no")
            },
        );
        b.push_str("</tbody></table>");
    }
    b.push_str("</section>");
}

fn footer(b: &mut String, input: &Input<'_>) {
    let f = input.facts;
    let _ = write!(
        b,
        r#"<footer><p>{}</p><p>{}</p></footer>"#,
        bi(
            &format!(
                "由 {TOOL_NAME} {TOOL_VERSION} 生成于 {}；检查基准日期 {}；分析范围：{}。",
                esc(input.generated),
                esc(input.checked_on),
                esc(&f.analysed.join("、"))
            ),
            &format!(
                "Generated by {TOOL_NAME} {TOOL_VERSION} at {}; checks as of {}; analysed: {}.",
                esc(input.generated),
                esc(input.checked_on),
                esc(&f.analysed.join(", "))
            )
        ),
        bt(
            "《通知》条款标题为本工具的概括，以原文为准。",
            "Article titles are this tool's summaries; the notice's text prevails."
        )
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_hidden_characters() {
        assert_eq!(
            esc("<script>alert('1')</script>&\""),
            "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(esc("a\u{202E}b\u{0}c"), "a[U+202E]b[U+0000]c");
        assert_eq!(esc("中文 ok"), "中文 ok");
    }

    #[test]
    fn chinese_article_numbers() {
        assert_eq!(article_zh(1), "第一条");
        assert_eq!(article_zh(10), "第十条");
        assert_eq!(article_zh(12), "第十二条");
        assert_eq!(article_zh(18), "第十八条");
        assert_eq!(article_zh(20), "第二十条");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }
}
