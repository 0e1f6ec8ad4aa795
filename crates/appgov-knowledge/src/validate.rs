//! Load-time validation: ids unique and well-formed, every entry sourced with
//! a source its file declares, every PI reference known, evidence patterns
//! well-formed. Problems are collected, not stopped at, so one run lists them all.

use crate::{Knowledge, KnowledgeError, Source};
use std::collections::BTreeSet;

struct Problems {
    file: &'static str,
    list: Vec<String>,
}

impl Problems {
    fn new(file: &'static str) -> Self {
        Problems {
            file,
            list: Vec::new(),
        }
    }
    fn push(&mut self, p: String) {
        self.list.push(p);
    }
    fn finish(self) -> Result<(), KnowledgeError> {
        if self.list.is_empty() {
            Ok(())
        } else {
            Err(KnowledgeError::Invalid {
                file: self.file.into(),
                problems: self.list,
            })
        }
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// A Java package or class name: dot-separated identifiers.
fn is_java_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        })
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let num = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [y, m] => num(y, 4) && num(m, 2),
        [y, m, d] => num(y, 4) && num(m, 2) && num(d, 2),
        _ => false,
    }
}

fn is_host_pattern(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.contains('.')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// An entry's id: lower-case, and not used by an earlier entry of the file.
fn unique_id<'a>(p: &mut Problems, what: &str, id: &'a str, seen: &mut BTreeSet<&'a str>) {
    if !is_id(id) {
        p.push(format!("{what}: id must be lower-case a-z, 0-9, - or _"));
    }
    if !seen.insert(id) {
        p.push(format!("{what}: listed twice"));
    }
}

fn check_sources(p: &mut Problems, declared: &[Source]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for s in declared {
        if !is_id(&s.id) && !s.id.chars().all(|c| c.is_ascii_alphanumeric()) {
            p.push(format!("source id {:?} is not a short identifier", s.id));
        }
        if !ids.insert(s.id.clone()) {
            p.push(format!("source {:?} declared twice", s.id));
        }
        if s.title.trim().is_empty() || s.url.trim().is_empty() {
            p.push(format!("source {:?} needs a title and a url", s.id));
        }
    }
    ids
}

fn check_refs(p: &mut Problems, what: &str, refs: &[String], known: &BTreeSet<String>) {
    if refs.is_empty() {
        p.push(format!("{what}: no sources"));
    }
    for r in refs {
        if !known.contains(r) {
            p.push(format!("{what}: unknown source {r:?}"));
        }
    }
}

fn check_pi(p: &mut Problems, what: &str, refs: &[String], known: &BTreeSet<&str>) {
    for r in refs {
        if !known.contains(r.as_str()) {
            p.push(format!("{what}: unknown PI category {r:?}"));
        }
    }
}

fn nonempty(p: &mut Problems, what: &str, fields: &[(&str, &str)]) {
    for (name, v) in fields {
        if v.trim().is_empty() {
            p.push(format!("{what}: {name} is empty"));
        }
    }
}

/// A file-name pattern: no path separators in library names, `*` only as a wildcard.
fn is_lib_pattern(s: &str) -> bool {
    !s.is_empty() && !s.contains('/') && s.contains(".so")
}

fn is_path_pattern(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('/') && !s.contains("..") && !s.contains('\\')
}

/// How deep validation goes: `Full` for data files given as text; the
/// built-in catalog (JSON generated at build time from TOML that the test
/// suite validates fully, and proven equal to it) skips compiling and
/// exercising the secret patterns against their examples — the scan
/// compiles every pattern at start-up anyway, so a broken one still stops
/// it, and the examples cost milliseconds on every run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    Full,
    Builtin,
}

pub(crate) fn all(k: &Knowledge, depth: Depth) -> Result<(), KnowledgeError> {
    let empty = Vec::new();
    let src = |f: &str| k.sources.get(f).unwrap_or(&empty);

    // notice.toml
    let mut p = Problems::new("notice.toml");
    let known = check_sources(&mut p, src("notice.toml"));
    let mut numbers = BTreeSet::new();
    for a in &k.articles {
        let what = format!("article {}", a.number);
        if !(1..=18).contains(&a.number) {
            p.push(format!("{what}: the notice has articles 1–18"));
        }
        if !numbers.insert(a.number) {
            p.push(format!("{what}: listed twice"));
        }
        nonempty(
            &mut p,
            &what,
            &[
                ("title_zh", &a.title_zh),
                ("title_en", &a.title_en),
                ("summary_zh", &a.summary_zh),
                ("summary_en", &a.summary_en),
            ],
        );
        check_refs(&mut p, &what, &a.sources, &known);
    }
    if numbers.len() != 18 {
        p.push(format!(
            "{} articles listed, the notice has 18",
            numbers.len()
        ));
    }
    p.finish()?;

    // pi.toml
    let mut p = Problems::new("pi.toml");
    let known = check_sources(&mut p, src("pi.toml"));
    let mut cats = BTreeSet::new();
    for c in &k.pi_categories {
        let what = format!("category {:?}", c.id);
        unique_id(&mut p, &what, &c.id, &mut cats);
        nonempty(
            &mut p,
            &what,
            &[("name_zh", &c.name_zh), ("name_en", &c.name_en)],
        );
        check_refs(&mut p, &what, &c.sources, &known);
    }
    let mut perms = BTreeSet::new();
    for perm in &k.permissions {
        let what = format!("permission {:?}", perm.name);
        if !is_java_name(&perm.name) || !perm.name.contains('.') {
            p.push(format!("{what}: must be a full permission name"));
        }
        if !perms.insert(perm.name.as_str()) {
            p.push(format!("{what}: listed twice"));
        }
        if ![
            "dangerous",
            "normal",
            "signature",
            "appop",
            "privileged",
            "internal",
        ]
        .contains(&perm.protection.as_str())
        {
            p.push(format!(
                "{what}: protection {:?} is not a known level",
                perm.protection
            ));
        }
        nonempty(
            &mut p,
            &what,
            &[("label_zh", &perm.label_zh), ("label_en", &perm.label_en)],
        );
        check_pi(&mut p, &what, &perm.pi, &cats);
        check_refs(&mut p, &what, &perm.sources, &known);
    }
    let mut apis = BTreeSet::new();
    for a in &k.apis {
        let what = format!("api {}", a.class);
        if !is_java_name(&a.class) {
            p.push(format!("{what}: not a class name"));
        }
        if a.methods.is_empty() {
            p.push(format!("{what}: no methods"));
        }
        for m in &a.methods {
            if !is_java_name(m) || m.contains('.') {
                p.push(format!("{what}: method {m:?} must be a bare method name"));
            }
            if !apis.insert((a.class.as_str(), m.as_str())) {
                p.push(format!("{what}.{m}: listed twice"));
            }
        }
        if a.pi.is_empty() {
            p.push(format!("{what}: no PI category"));
        }
        check_pi(&mut p, &what, &a.pi, &cats);
        check_refs(&mut p, &what, &a.sources, &known);
    }
    p.finish()?;

    // sdks.toml
    let mut p = Problems::new("sdks.toml");
    let known = check_sources(&mut p, src("sdks.toml"));
    let mut ids = BTreeSet::new();
    let mut prefixes: BTreeSet<&str> = BTreeSet::new();
    for s in &k.sdks {
        let what = format!("sdk {:?}", s.id);
        unique_id(&mut p, &what, &s.id, &mut ids);
        nonempty(
            &mut p,
            &what,
            &[
                ("name_zh", &s.name_zh),
                ("name_en", &s.name_en),
                ("vendor_zh", &s.vendor_zh),
                ("vendor_en", &s.vendor_en),
            ],
        );
        let e = &s.evidence;
        if e.is_empty() {
            p.push(format!("{what}: no evidence"));
        }
        for pkg in &e.packages {
            if !is_java_name(pkg) {
                p.push(format!("{what}: package {pkg:?} is not a Java package"));
            }
            // Two SDKs claiming the same prefix make attribution ambiguous.
            if !prefixes.insert(pkg.as_str()) {
                p.push(format!("{what}: package {pkg:?} is claimed by another SDK"));
            }
        }
        for c in &e.components {
            if !is_java_name(c.trim_end_matches('*').trim_end_matches('.')) {
                p.push(format!("{what}: component {c:?} is not a class name"));
            }
        }
        for l in &e.native_libs {
            if !is_lib_pattern(l) {
                p.push(format!(
                    "{what}: native library {l:?} is not a .so file name"
                ));
            }
        }
        for a in &e.assets {
            if !is_path_pattern(a) {
                p.push(format!("{what}: asset {a:?} is not an archive path"));
            }
        }
        for h in &e.hosts {
            if !is_host_pattern(h) {
                p.push(format!("{what}: host {h:?} is not a lower-case domain"));
            }
        }
        for m in &e.meta_data {
            if m.trim().is_empty() {
                p.push(format!("{what}: empty meta-data name"));
            }
        }
        if s.collects_pi != crate::sdk::PiCollection::None && s.pi.is_empty() {
            p.push(format!("{what}: collects PI but names no PI category"));
        }
        check_pi(&mut p, &what, &s.pi, &cats);
        check_refs(&mut p, &what, &s.sources, &known);
    }
    p.finish()?;

    // packers.toml
    let mut p = Problems::new("packers.toml");
    let known = check_sources(&mut p, src("packers.toml"));
    let mut ids = BTreeSet::new();
    for pk in &k.packers {
        let what = format!("packer {:?}", pk.id);
        unique_id(&mut p, &what, &pk.id, &mut ids);
        nonempty(
            &mut p,
            &what,
            &[
                ("name_zh", &pk.name_zh),
                ("name_en", &pk.name_en),
                ("vendor_zh", &pk.vendor_zh),
                ("vendor_en", &pk.vendor_en),
            ],
        );
        if pk.evidence.is_empty() {
            p.push(format!("{what}: no evidence"));
        }
        for l in &pk.evidence.native_libs {
            if !is_lib_pattern(l) {
                p.push(format!(
                    "{what}: native library {l:?} is not a .so file name"
                ));
            }
        }
        for f in &pk.evidence.files {
            if !is_path_pattern(f) {
                p.push(format!("{what}: file {f:?} is not an archive path"));
            }
        }
        for c in &pk.evidence.classes {
            if !is_java_name(c) {
                p.push(format!("{what}: class {c:?} is not a class name"));
            }
        }
        for r in &pk.evidence.renamed_packages {
            if !is_java_name(r) {
                p.push(format!(
                    "{what}: renamed package {r:?} is not a package name"
                ));
            }
        }
        check_refs(&mut p, &what, &pk.sources, &known);
    }
    p.finish()?;

    // requirements.toml
    let mut p = Problems::new("requirements.toml");
    let known = check_sources(&mut p, src("requirements.toml"));
    let mut levels = BTreeSet::new();
    for l in &k.api_levels {
        let what = format!("api level {}", l.level);
        if !levels.insert(l.level) {
            p.push(format!("{what}: listed twice"));
        }
        if !is_date(&l.released) {
            p.push(format!(
                "{what}: released {:?} is not YYYY-MM(-DD)",
                l.released
            ));
        }
        check_refs(&mut p, &what, &l.sources, &known);
    }
    let mut ids = BTreeSet::new();
    for r in &k.store_requirements {
        let what = format!("requirement {:?}", r.id);
        unique_id(&mut p, &what, &r.id, &mut ids);
        if !is_date(&r.effective) {
            p.push(format!("{what}: effective {:?} is not a date", r.effective));
        }
        if !["new_apps", "updates", "all"].contains(&r.applies_to.as_str()) {
            p.push(format!(
                "{what}: applies_to must be new_apps, updates or all"
            ));
        }
        use crate::requirements::RequirementKind as K;
        if matches!(r.kind, K::TargetSdk | K::MinSdk) && r.level.is_none() {
            p.push(format!("{what}: an SDK requirement needs a level"));
        }
        nonempty(
            &mut p,
            &what,
            &[
                ("store_zh", &r.store_zh),
                ("store_en", &r.store_en),
                ("summary_zh", &r.summary_zh),
                ("summary_en", &r.summary_en),
            ],
        );
        check_refs(&mut p, &what, &r.sources, &known);
    }
    p.finish()?;

    // domains.toml
    let mut p = Problems::new("domains.toml");
    let known = check_sources(&mut p, src("domains.toml"));
    let mut cats = BTreeSet::new();
    for c in &k.domain_categories {
        let what = format!("category {:?}", c.id);
        unique_id(&mut p, &what, &c.id, &mut cats);
        if !["high", "medium", "low"].contains(&c.severity.as_str()) {
            p.push(format!("{what}: severity must be high, medium or low"));
        }
        nonempty(
            &mut p,
            &what,
            &[("name_zh", &c.name_zh), ("name_en", &c.name_en)],
        );
    }
    let mut suffixes = BTreeSet::new();
    for d in &k.suspicious_domains {
        let what = format!("domain {:?}", d.suffix);
        // A suffix is a lower-case domain or a single-label TLD.
        let tld = !d.suffix.is_empty() && d.suffix.bytes().all(|b| b.is_ascii_lowercase());
        if !(tld || is_host_pattern(&d.suffix)) {
            p.push(format!("{what}: not a lower-case domain suffix"));
        }
        if !suffixes.insert(d.suffix.as_str()) {
            p.push(format!("{what}: listed twice"));
        }
        if !cats.contains(d.category.as_str()) {
            p.push(format!("{what}: unknown category {:?}", d.category));
        }
        // An SDK vendor's own hosts are attributed by PKG-026/SDK detection,
        // not reported as suspicious links.
        for s in &k.sdks {
            if let Some(h) = s.evidence.hosts.iter().find(|h| d.matches(h)) {
                p.push(format!("{what}: matches host {h:?} of SDK {:?}", s.id));
            }
        }
        check_refs(&mut p, &what, &d.sources, &known);
    }
    p.finish()?;

    environment(k)?;
    secrets(k, depth)
}

fn environment(k: &Knowledge) -> Result<(), KnowledgeError> {
    let empty = Vec::new();
    let mut p = Problems::new("environment.toml");
    let known = check_sources(&mut p, k.sources.get("environment.toml").unwrap_or(&empty));
    let mut ids = BTreeSet::new();
    let mut strings = BTreeSet::new();
    for m in &k.environment_markers {
        let what = format!("marker {:?}", m.id);
        unique_id(&mut p, &what, &m.id, &mut ids);
        if m.strings.is_empty() && m.apis.is_empty() {
            p.push(format!("{what}: neither strings nor apis"));
        }
        for s in &m.strings {
            // Short needles match by accident in unrelated strings.
            if s.chars().count() < 5 || s.trim() != s || s.chars().any(char::is_control) {
                p.push(format!(
                    "{what}: string {s:?} must be at least 5 characters, without surrounding space"
                ));
            }
            if !strings.insert(s.as_str()) {
                p.push(format!("{what}: string {s:?} listed twice"));
            }
        }
        for a in &m.apis {
            if !a.rsplit_once('.').is_some_and(|(c, _)| is_java_name(c)) {
                p.push(format!("{what}: api {a:?} is not class.method"));
            }
        }
        check_refs(&mut p, &what, &m.sources, &known);
    }
    for kind in crate::ProbeKind::ALL {
        if !k.environment_markers.iter().any(|m| m.kind == kind) {
            p.push(format!("no marker of kind {}", kind.as_str()));
        }
    }
    p.finish()
}

fn secrets(k: &Knowledge, depth: Depth) -> Result<(), KnowledgeError> {
    let empty = Vec::new();
    let mut p = Problems::new("secrets.toml");
    let known = check_sources(&mut p, k.sources.get("secrets.toml").unwrap_or(&empty));
    let mut ids = BTreeSet::new();
    for s in &k.secret_patterns {
        let what = format!("secret {:?}", s.id);
        unique_id(&mut p, &what, &s.id, &mut ids);
        nonempty(
            &mut p,
            &what,
            &[("name_zh", &s.name_zh), ("name_en", &s.name_en)],
        );
        if s.anchors.is_empty() || s.anchors.iter().any(|a| a.len() < 3) {
            p.push(format!("{what}: needs anchors of at least 3 bytes"));
        }
        if depth == Depth::Builtin {
            check_refs(&mut p, &what, &s.sources, &known);
            continue;
        }
        let re = match regex::Regex::new(&s.pattern) {
            Ok(re) => re,
            Err(e) => {
                p.push(format!("{what}: pattern does not compile: {e}"));
                check_refs(&mut p, &what, &s.sources, &known);
                continue;
            }
        };
        if s.examples.is_empty() {
            p.push(format!("{what}: no examples"));
        }
        for e in &s.examples {
            // Every match must contain an anchor, or the one-pass prefilter
            // would skip texts the pattern finds.
            for m in re.find_iter(e) {
                if !s.anchors.iter().any(|a| m.as_str().contains(a.as_str())) {
                    p.push(format!("{what}: match {:?} holds no anchor", m.as_str()));
                }
            }
            if s.find_in(&re, e).is_empty() {
                p.push(format!("{what}: example {e:?} is not found"));
            }
        }
        for e in &s.counter_examples {
            if !s.find_in(&re, e).is_empty() {
                p.push(format!("{what}: counter-example {e:?} is found"));
            }
        }
        check_refs(&mut p, &what, &s.sources, &known);
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(is_id("umeng-analytics"));
        assert!(!is_id("Umeng"));
        assert!(!is_id(""));
        assert!(is_java_name("com.tencent.mm.opensdk"));
        assert!(!is_java_name("com..tencent"));
        assert!(!is_java_name("com.tencent/mm"));
        assert!(is_date("2024-08-31"));
        assert!(is_date("2024-08"));
        assert!(!is_date("2024/08/31"));
        assert!(is_host_pattern("umeng.com"));
        assert!(!is_host_pattern("Umeng.com"));
        assert!(!is_host_pattern("localhost"));
        assert!(is_lib_pattern("libjiagu*.so"));
        assert!(!is_lib_pattern("lib/arm64-v8a/libjiagu.so"));
    }
}
