//! The HTML report: hostile package strings are escaped, every finding,
//! SDK and permission appears, and the page references nothing outside
//! itself.

use appgov_analyzer::{Options, analyze};
use appgov_checks::{Analysis, Evidence, Severity};
use appgov_facts::{CertificateFacts, Facts, LocalizedText, Located, NativeLib, SchemeFacts};
use appgov_knowledge::Knowledge;
use appgov_report::{Input, html};
use appgov_testkit::CorpusFile;

const EVIL: &str = "<script>alert(1)</script>";
const EVIL_ATTR: &str = "\"><img src=x onerror=alert(2)>'";

/// Tag names the report itself writes; anything else came from input.
const TAGS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "nav",
    "article", "details", "summary", "h1", "h2", "h3", "h4", "h5", "p", "div", "span", "strong",
    "code", "pre", "ul", "li", "a", "br", "button", "table", "caption", "thead", "tbody", "tr",
    "th", "td", "script", "wbr",
];

fn hostile_facts() -> Facts {
    let mut f = Facts::new("android", Default::default());
    f.input.file_name = format!("{EVIL}.apk");
    f.input.kind = "apk".into();
    f.input.sha256 = "ab".repeat(32);
    f.input.md5 = "cd".repeat(16);
    f.analysed = ["manifest", "signing", "signature_digests", "endpoints"]
        .map(String::from)
        .to_vec();
    f.package = Some(format!("com.evil{EVIL_ATTR}"));
    f.label = Some(format!("网银{EVIL}"));
    f.labels = vec![
        LocalizedText {
            locale: "zh-CN".into(),
            value: format!("中文标签{EVIL}\u{202E}gpj.exe"),
        },
        LocalizedText {
            locale: "en".into(),
            value: format!("English {EVIL_ATTR}"),
        },
    ];
    f.version_name = Some(format!("1.0{EVIL_ATTR}"));
    f.permissions = vec![
        "android.permission.READ_CONTACTS".into(),
        format!("com.evil.permission.{EVIL}"),
    ];
    f.android.application.debuggable = true;
    f.android.application.allow_backup = true;
    f.android.application.cleartext_permitted_by_default = true;
    f.target_sdk = Some(22);
    f.endpoints.urls = vec![
        Located {
            value: format!("http://evil.example/{EVIL}"),
            found_in: vec![format!("asset:assets/{EVIL}.js")],
            ..Default::default()
        },
        Located {
            value: "javascript:alert(3)".into(),
            found_in: vec!["dex:classes.dex".into()],
            ..Default::default()
        },
    ];
    f.endpoints.domains = vec![Located {
        value: format!("{EVIL}.example"),
        found_in: vec!["dex:classes.dex".into()],
        ..Default::default()
    }];
    f.signing.schemes = vec![SchemeFacts {
        scheme: "v1".into(),
        verified: false,
        signers: 1,
        errors: vec![format!("bad {EVIL}")],
        warnings: vec![],
        algorithms: vec![format!("SHA1with{EVIL}")],
    }];
    f.signing.verdict = format!("no {EVIL_ATTR}");
    f.signing.certificates = vec![CertificateFacts {
        sha256: "ef".repeat(32),
        md5: "01".repeat(16),
        subject: format!("CN={EVIL}, O=\"{EVIL_ATTR}\""),
        issuer: format!("CN={EVIL}"),
        debug: true,
        schemes: vec!["v1".into()],
        ..Default::default()
    }];
    f.native_libs = vec![NativeLib {
        path: format!("lib/x86/lib{EVIL}.so"),
        abi: "x86".into(),
        sha256: "12".repeat(32),
        ..Default::default()
    }];
    f
}

fn hostile_analysis(f: &Facts, k: &Knowledge) -> Analysis {
    let mut a = appgov_checks::analyse(f, k, "2026-12-01");
    // A finding no check makes, with hostile evidence and no article.
    let mut f = a.findings[0].clone();
    f.rule = "PKG-999".into();
    f.name = "synthetic".into();
    f.severity = Severity::Critical;
    f.title_zh = "合成".into();
    f.title_en = "Synthetic".into();
    f.articles = vec![];
    f.message_zh = format!("消息{EVIL}");
    f.message_en = format!("message {EVIL_ATTR}");
    f.evidence = vec![Evidence::new("asset", Some(EVIL), EVIL_ATTR)];
    a.findings.push(f);
    a
}

fn render(f: &Facts, a: &Analysis, k: &Knowledge) -> String {
    html(&Input {
        facts: f,
        analysis: a,
        knowledge: k,
        generated: "2026-12-01T08:30:00Z",
        checked_on: "2026-12-01",
    })
}

/// Every tag in the page: its name and its full text up to `>`. Package
/// text is escaped, so every `<` in the page starts a tag of ours.
fn tags(page: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, _) in page.match_indices('<') {
        let rest = &page[i + 1..];
        if rest.starts_with("!DOCTYPE") {
            continue;
        }
        let body = rest.strip_prefix('/').unwrap_or(rest);
        let name: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        assert!(
            !name.is_empty(),
            "stray '<' at {i}: {}",
            &page[i..(i + 40).min(page.len())]
        );
        let end = rest.find('>').expect("tag closed");
        out.push((name, rest[..end].to_string()));
    }
    out
}

/// The attributes of a tag's text (`name a="1" b`), double-quoted values
/// read to the closing quote.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag.trim_start_matches('/');
    rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..end].to_ascii_lowercase();
        rest = &rest[end..];
        let mut value = String::new();
        if let Some(r) = rest.strip_prefix('=') {
            let r = r
                .strip_prefix('"')
                .expect("attribute values are double-quoted");
            let close = r.find('"').expect("closing quote");
            value = r[..close].to_string();
            rest = &r[close + 1..];
        }
        out.push((name, value));
    }
    out
}

/// Only tags we write, no event-handler attributes, no resource or link
/// outside the page (no `src`, no `<link>`, every `href` an in-page anchor,
/// no `url(` or `@import` in the style), a restrictive CSP.
fn assert_own_markup_only(page: &str) {
    for (name, text) in tags(page) {
        assert!(TAGS.contains(&name.as_str()), "unexpected tag <{text}>");
        for (attr, value) in attributes(&text) {
            assert!(!attr.starts_with("on"), "event handler in <{text}>");
            assert_ne!(attr, "src", "resource in <{text}>");
            assert_ne!(attr, "style", "inline style in <{text}>");
            if attr == "href" {
                assert!(value.starts_with('#'), "external link in <{text}>");
            }
        }
    }
    let style = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
    for needle in ["url(", "@import", "expression("] {
        assert!(!style.contains(needle), "style contains {needle:?}");
    }
    assert_eq!(page.matches("<script").count(), 1, "only our own script");
    assert!(page.contains("default-src 'none'"));
    assert!(page.contains("script-src 'sha256-"));
    assert!(page.contains("style-src 'sha256-"));
}

#[test]
fn hostile_strings_are_escaped() {
    let k = Knowledge::builtin().unwrap();
    let f = hostile_facts();
    let a = hostile_analysis(&f, &k);
    let page = render(&f, &a, &k);
    if let Some(path) = std::env::var_os("APPGOV_DUMP_HOSTILE_HTML") {
        // For looking at the page in a browser.
        std::fs::write(path, &page).unwrap();
    }

    // Only our own markup: known tags, one script, no handlers, no links out.
    assert_own_markup_only(&page);
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;"));
    // Chinese text kept, the bidi override shown instead of obeyed.
    assert!(page.contains("中文标签&lt;script&gt;"));
    assert!(page.contains("[U+202E]gpj.exe"));
    assert!(!page.contains('\u{202E}'));
    // The hostile URL is text, never a link.
    assert!(page.contains("javascript:alert(3)"));
    assert!(!page.contains("href=\"javascript"));
    // The title attribute for the language switch is escaped too.
    let root = page.lines().find(|l| l.starts_with("<html")).unwrap();
    assert!(!root.contains("<script"), "{root}");
}

#[test]
fn release_diff_page_escapes_hostile_strings_and_shows_the_changes() {
    use appgov_checks::diff::diff;
    let k = Knowledge::builtin().unwrap();
    let hostile = hostile_facts();
    let ha = hostile_analysis(&hostile, &k);
    let mut plain = hostile_facts();
    plain.package = Some("com.example.bank".into());
    plain.permissions.clear();
    plain.android.uses_permissions.clear();
    plain.endpoints = Default::default();
    let pa = appgov_checks::Analysis::empty();
    // Old: plain; new: the hostile one — every hostile string is an addition.
    let d = diff((&plain, &pa), (&hostile, &ha));
    let page = appgov_report::diff_html(&d, "2026-12-01T00:00:00Z", "2026-12-01");
    assert_own_markup_only(&page);
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains('\u{202E}'));
    assert!(d.package_changed);
    assert!(page.contains("包名不同"), "package change is called out");
    assert!(page.contains("class=\"verdict fail\""));
    for p in &d.permissions.added {
        assert!(page.contains(&esc(p).replace('.', ".<wbr>")), "{p} listed");
    }
    for f in &d.new_findings {
        assert!(page.contains(&format!("<span class=\"rule\">{}</span>", f.rule)));
    }
    // Nothing changed: a pass, and the page says there is nothing to list.
    let same = diff((&plain, &pa), (&plain, &pa));
    let page = appgov_report::diff_html(&same, "2026-12-01T00:00:00Z", "2026-12-01");
    assert!(page.contains("class=\"verdict pass\""));
    assert!(!page.contains("包名不同"));
}

#[test]
fn every_finding_appears_with_its_evidence_and_fix() {
    let k = Knowledge::builtin().unwrap();
    let f = hostile_facts();
    let a = hostile_analysis(&f, &k);
    assert!(a.findings.len() >= 5, "{:?}", a.findings);
    let page = render(&f, &a, &k);
    for finding in &a.findings {
        let anchor = format!("id=\"f-{}\"", finding.rule);
        assert_eq!(
            page.matches(&anchor).count(),
            1,
            "{} written once",
            finding.rule
        );
        assert!(page.contains(&format!("href=\"#f-{}\"", finding.rule)));
        for e in &finding.evidence {
            assert!(page.contains(&esc(&e.value)), "evidence {:?}", e.value);
        }
        if finding.rule.starts_with("PKG-0") {
            // Real checks carry their fix text.
            let start = page.find(&anchor).unwrap();
            let end = start + page[start..].find("</article>").unwrap();
            assert!(page[start..end].contains("修复建议"), "{}", finding.rule);
        }
    }
    // Verdict: critical and high findings mean "not passed".
    assert!(page.contains("不通过"));
    assert!(page.contains("Not passed"));
    // Findings are grouped under the notice's articles, by title.
    let art12 = k.article(12).unwrap();
    assert!(page.contains(&format!("第十二条　{}", art12.title_zh)));
    assert!(page.contains(&format!("Article 12 · {}", art12.title_en)));
    // Permissions with labels and PI from the catalog, unknown ones marked.
    let contacts = k.permission("android.permission.READ_CONTACTS").unwrap();
    assert!(page.contains(&contacts.label_zh));
    assert!(page.contains("（未收录）"));
    // Signing identity.
    assert!(page.contains(&"ef".repeat(32)));
    assert!(page.contains("验证未通过"));
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn corpus_report_lists_findings_sdks_permissions_and_hosts() {
    let Some(file) = CorpusFile::named("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    let k = Knowledge::builtin().unwrap();
    let facts = analyze(
        &file.read_checked(),
        "insecurebankv2__app-release.apk",
        &Options::default(),
    );
    let a = appgov_checks::analyse(&facts, &k, "2026-12-01");
    let page = render(&facts, &a, &k);
    assert_own_markup_only(&page);
    for f in &a.findings {
        assert!(page.contains(&format!("id=\"f-{}\"", f.rule)), "{}", f.rule);
        assert!(page.contains(&esc(&f.message_zh)), "{}", f.rule);
        assert!(page.contains(&esc(&f.message_en)), "{}", f.rule);
    }
    assert!(!a.sdks.is_empty());
    for s in &a.sdks {
        assert!(page.contains(&esc(&s.name_zh)), "{}", s.id);
        assert!(page.contains(&esc(&s.vendor_zh)), "{}", s.id);
    }
    for p in &facts.permissions {
        // Permission names may wrap after their dots.
        assert!(page.contains(&esc(p).replace('.', ".<wbr>")), "{p}");
    }
    for d in facts.endpoints.domains.iter().take(50) {
        assert!(page.contains(&esc(&d.value)), "{}", d.value);
    }
    let cert = &facts.signing.certificates[0];
    assert!(page.contains(&cert.sha256) && page.contains(&cert.md5));
    assert!(page.contains(&esc(&cert.subject)));
    assert!(page.contains(&facts.input.sha256));
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\""));
    assert!(page.contains("lang=\"en\""));
}

#[test]
fn a_failed_analysis_is_never_reported_as_passed() {
    let k = Knowledge::builtin().unwrap();
    let f = Facts::failed("android", Default::default(), "not a zip file");
    let a = Analysis::empty();
    let page = render(&f, &a, &k);
    assert!(page.contains("无法判定"));
    assert!(page.contains("Undetermined"));
    assert!(!page.contains("未发现问题"));
    assert!(!page.contains("No findings"));
}
