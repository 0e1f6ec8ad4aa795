//! Reports on one package, from its facts and their analysis: SARIF 2.1.0
//! for code-scanning dashboards, a CycloneDX 1.6 SBOM for Dependency-Track
//! and other SBOM tools, and a self-contained bilingual HTML report for
//! people (Chinese first, with an English switch).
//!
//! Pure: facts, the [`Analysis`], the [`Knowledge`] and the generation time
//! come in as arguments, a `String` goes out. No I/O, no clock, no
//! randomness: the same input gives the same bytes, so reports can be
//! regenerated from stored facts and compared.
//!
//! Every string that comes from the package (label, names, URLs, paths,
//! certificate subjects) is hostile input: the JSON formats escape it by
//! construction (serde_json), the HTML report escapes it explicitly and
//! renders it as text only.

mod cyclonedx;
mod diff_html;
mod html;
mod markdown;
mod sarif;

use appgov_checks::{Analysis, Evidence, RuleMeta, Severity};
use appgov_facts::Facts;
use appgov_knowledge::Knowledge;

pub use cyclonedx::{cyclonedx, cyclonedx_value, serial_number};
pub use diff_html::diff_html;
pub use html::html;
pub use sarif::{fingerprint, sarif, sarif_value};

/// Name of the tool in reports.
pub const TOOL_NAME: &str = "appgov";
/// Version of the tool in reports (the workspace version).
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything a report is made from.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    pub facts: &'a Facts,
    pub analysis: &'a Analysis,
    pub knowledge: &'a Knowledge,
    /// When the report was generated, RFC 3339 in UTC
    /// (`2026-12-01T08:30:00Z`). Passed in: this crate reads no clock.
    pub generated: &'a str,
    /// The date the checks judged by (`YYYY-MM-DD`), as given to
    /// `appgov_checks::analyse`.
    pub checked_on: &'a str,
}

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SARIF 2.1.0 log (JSON).
    Sarif,
    /// CycloneDX 1.6 BOM (JSON).
    CycloneDx,
    /// Self-contained HTML page.
    Html,
}

impl Format {
    /// File-name extension, with its dot: `.sarif`, `.cdx.json`, `.html`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Sarif => ".sarif",
            Format::CycloneDx => ".cdx.json",
            Format::Html => ".html",
        }
    }

    /// The report, ending with a newline.
    pub fn render(self, input: &Input<'_>) -> String {
        match self {
            Format::Sarif => sarif(input),
            Format::CycloneDx => cyclonedx(input),
            Format::Html => html(input),
        }
    }
}

/// SARIF `level` of a severity: critical and high are errors, medium a
/// warning, low a note.
pub fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning's `security-severity` score (a number in a string):
/// it sorts ≥ 9.0 as critical, ≥ 7.0 high, ≥ 4.0 medium, below as low.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// English label of a severity.
pub(crate) fn severity_en(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// The check's metadata, by id.
pub(crate) fn rule_meta(id: &str) -> Option<&'static RuleMeta> {
    appgov_checks::RULES
        .iter()
        .map(|r| r.meta())
        .find(|m| m.id == id)
}

/// The check's documentation in one language with the one-space indent of
/// doc comments removed.
pub(crate) fn doc(meta: &RuleMeta, lang: &str) -> String {
    meta.doc_text(lang)
}

/// One `## heading` section of a check's documentation (without the heading).
pub(crate) fn doc_section(doc: &str, heading: &str) -> Option<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            if inside {
                break;
            }
            inside = h.trim() == heading;
            continue;
        }
        if inside {
            out.push(line);
        }
    }
    let text = out.join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// A place inside the package that evidence names: an archive entry, a
/// manifest element, a class, a method.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Place {
    /// SARIF logical-location kind: `resource` (an archive entry),
    /// `element` (manifest element), `type`, `namespace`, `function`.
    pub kind: &'static str,
    pub name: String,
    pub qualified: String,
}

impl Place {
    fn entry(path: &str) -> Place {
        let name = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path);
        Place {
            kind: "resource",
            name: name.to_string(),
            qualified: path.to_string(),
        }
    }
    fn named(kind: &'static str, name: &str, qualified: &str) -> Place {
        Place {
            kind,
            name: name.to_string(),
            qualified: qualified.to_string(),
        }
    }
}

pub(crate) const MANIFEST: &str = "AndroidManifest.xml";

/// Where a `found_in` marker of the endpoint collector points
/// (`dex:classes.dex`, `asset:assets/a.json`, `native:lib/x86/libx.so`,
/// `manifest`, `res:network_security_config`, `res:resources.arsc`).
fn found_in_place(facts: &Facts, found: &str) -> Option<Place> {
    let (source, path) = found.split_once(':').unwrap_or((found, ""));
    match source {
        "manifest" => Some(Place::entry(MANIFEST)),
        "dex" | "asset" | "native" if !path.is_empty() => Some(Place::entry(path)),
        "res" if path == "network_security_config" => Some(nsc_place(facts)),
        "res" if !path.is_empty() => Some(Place::entry(path)),
        _ => None,
    }
}

fn nsc_place(facts: &Facts) -> Place {
    let reference = facts
        .android
        .application
        .network_security_config
        .as_deref()
        .unwrap_or("network security config");
    Place::named("resource", "network_security_config", reference)
}

/// The places one piece of evidence names, most specific last.
pub(crate) fn places(facts: &Facts, ev: &Evidence) -> Vec<Place> {
    let loc = ev.location.as_deref().filter(|l| !l.is_empty());
    let mut out = Vec::new();
    match ev.kind.as_str() {
        "manifest" => {
            out.push(Place::entry(MANIFEST));
            if let Some(l) = loc {
                out.push(Place::named("element", l, &format!("{MANIFEST}/{l}")));
            }
        }
        "permission" | "meta_data" => out.push(Place::entry(MANIFEST)),
        "component" => {
            out.push(Place::entry(MANIFEST));
            let short = ev.value.rsplit('.').next().unwrap_or(&ev.value);
            out.push(Place::named("type", short, &ev.value));
        }
        "network_security_config" => {
            out.push(nsc_place(facts));
            if let Some(l) = loc {
                out.push(Place::named("element", l, l));
            }
        }
        "url" | "host" => {
            if let Some(p) = loc.and_then(|l| found_in_place(facts, l)) {
                out.push(p);
            }
        }
        "native" | "asset" => {
            if let Some(l) = loc {
                out.push(Place::entry(l));
            }
        }
        "api" => {
            let method = ev.value.rsplit('.').next().unwrap_or(&ev.value);
            out.push(Place::named("function", method, &ev.value));
        }
        "package" => {
            if let Some(l) = loc {
                out.push(Place::named("namespace", l, l));
            }
        }
        _ => {}
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so any
/// file name becomes a valid relative URI reference with a single segment.
pub(crate) fn uri_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push_str("package");
    }
    out
}

/// Whether `s` is a lower- or upper-case hex digest of `len` characters.
pub(crate) fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Findings counted by severity, most severe first.
pub(crate) fn counts(analysis: &Analysis) -> [(Severity, usize); 4] {
    Severity::ALL.map(|s| {
        (
            s,
            analysis.findings.iter().filter(|f| f.severity == s).count(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_sections_are_found_in_both_languages() {
        for rule in appgov_checks::RULES {
            let m = rule.meta();
            let zh = doc(m, "zh");
            let en = doc(m, "en");
            assert!(doc_section(&zh, "修复").is_some(), "{} zh fix", m.id);
            assert!(doc_section(&en, "Fix").is_some(), "{} en fix", m.id);
            assert!(doc_section(&en, "What it does").is_some(), "{}", m.id);
            assert!(!doc_section(&en, "Fix").unwrap().contains("## "));
        }
    }

    #[test]
    fn uri_segments_are_escaped() {
        assert_eq!(uri_segment("app-release.apk"), "app-release.apk");
        assert_eq!(uri_segment("a b:c/中.apk"), "a%20b%3Ac%2F%E4%B8%AD.apk");
        assert_eq!(uri_segment(""), "package");
    }

    #[test]
    fn places_name_archive_entries() {
        let facts = Facts::default();
        let ev = Evidence::new("url", Some("asset:assets/www/index.html"), "http://x");
        assert_eq!(
            places(&facts, &ev),
            vec![Place::named(
                "resource",
                "index.html",
                "assets/www/index.html"
            )]
        );
        let ev = Evidence::new("manifest", Some("application"), "android:debuggable=true");
        let p = places(&facts, &ev);
        assert_eq!(p[0].qualified, MANIFEST);
        assert_eq!(p[1].kind, "element");
        let ev = Evidence::new("native", Some("lib/arm64-v8a/"), "missing");
        assert_eq!(places(&facts, &ev)[0].name, "arm64-v8a");
        assert!(places(&facts, &Evidence::new("signing", None, "v1")).is_empty());
    }
}
