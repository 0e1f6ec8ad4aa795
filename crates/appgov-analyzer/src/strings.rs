//! Environment-detection markers and hard-coded secrets in the strings the
//! analyser already reads (DEX string tables, native `.rodata` strings,
//! resource values, manifest meta-data, small text assets).
//!
//! Every needle — marker strings and the secret formats' anchor literals — is
//! found in one Aho-Corasick pass per text (leftmost-longest, so where two
//! needles overlap the longer one counts); a secret's regex only runs on a
//! text that holds one of its anchors, so the cost stays close to one scan of
//! the bytes whatever the number of rules. The rules come from the caller
//! ([`StringRules::new`]), so this crate does not depend on the knowledge
//! catalog.

use std::collections::{BTreeMap, BTreeSet};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use appgov_facts::{EnvironmentProbe, Facts, SecretFound};
use regex::Regex;
use std::sync::OnceLock;

use crate::apk::push_anomaly;

/// One environment-detection string and the marker it belongs to.
#[derive(Debug, Clone)]
pub struct ProbeNeedle {
    pub marker: String,
    pub text: String,
}

/// One credential format: what [`StringRules::new`] compiles.
#[derive(Debug, Clone, Default)]
pub struct SecretRule {
    pub kind: String,
    /// Literals every match contains.
    pub anchors: Vec<String>,
    /// `regex` syntax; the group `secret`, if any, is the value.
    pub pattern: String,
    /// Placeholder values (compared ignoring ASCII case).
    pub ignore_values: Vec<String>,
    /// Values containing one of these are placeholders (`${…}`, `%s`).
    pub ignore_containing: Vec<String>,
}

/// What an Aho-Corasick pattern stands for.
#[derive(Debug, Clone, Copy)]
enum Needle {
    Probe(usize),
    Anchor(usize),
}

#[derive(Debug)]
struct CompiledSecret {
    rule: SecretRule,
    /// Compiled on the first text holding one of the rule's anchors: most
    /// packages never hold most formats' anchors, and compiling all of them
    /// cost more than a millisecond on every run.
    regex: OnceLock<Regex>,
}

impl CompiledSecret {
    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            // The pattern was parsed in `StringRules::new`; compiling a
            // parsed pattern only fails past the size limit, which these
            // short patterns are far from.
            Regex::new(&self.rule.pattern).expect("secret pattern compiles")
        })
    }
}

/// Compiled needles and patterns, built once per run and shared by every
/// analysis (through `Options::string_rules`).
#[derive(Debug)]
pub struct StringRules {
    matcher: AhoCorasick,
    /// Length of the shortest needle: shorter texts (most member names of
    /// obfuscated code) cannot match and skip the search.
    min_len: usize,
    needles: Vec<Needle>,
    probes: Vec<ProbeNeedle>,
    secrets: Vec<CompiledSecret>,
}

/// At most this many secret formats (one bit each while scanning a text).
const MAX_SECRET_RULES: usize = 64;
/// Distinct secrets and probe strings kept; places kept per value.
const MAX_SECRETS: usize = 256;
const MAX_PLACES: usize = 16;
const MAX_PACKAGES: usize = 16;
/// Matches examined per text and rule (a hostile asset full of keys).
const MAX_MATCHES_PER_TEXT: usize = 64;
/// Bytes of text scanned for secrets per package: beyond it, texts are only
/// searched for environment markers (DEX strings) or skipped (resources,
/// assets), and an anomaly says so.
pub const MAX_SECRET_SCAN_BYTES: u64 = 256 << 20;
/// Text assets larger than this are not scanned for secrets (keys live in
/// small configuration files; big ones are data).
pub const MAX_SECRET_ASSET: u64 = 1 << 20;

impl StringRules {
    /// Compiles the rules; an error names the rule that does not compile.
    pub fn new(probes: Vec<ProbeNeedle>, secrets: Vec<SecretRule>) -> Result<StringRules, String> {
        if secrets.len() > MAX_SECRET_RULES {
            return Err(format!("more than {MAX_SECRET_RULES} secret formats"));
        }
        let mut patterns: Vec<&str> = Vec::new();
        let mut needles = Vec::new();
        for (i, p) in probes.iter().enumerate() {
            if p.text.is_empty() {
                return Err(format!("marker {}: empty string", p.marker));
            }
            patterns.push(&p.text);
            needles.push(Needle::Probe(i));
        }
        let mut compiled = Vec::new();
        for s in secrets {
            if s.anchors.is_empty() || s.anchors.iter().any(String::is_empty) {
                return Err(format!("secret {}: needs non-empty anchors", s.kind));
            }
            // Parse now (cheap) so a bad pattern fails at start-up; compile
            // when first needed.
            regex_syntax::Parser::new()
                .parse(&s.pattern)
                .map_err(|e| format!("secret {}: {e}", s.kind))?;
            compiled.push(CompiledSecret {
                rule: s,
                regex: OnceLock::new(),
            });
        }
        for (i, s) in compiled.iter().enumerate() {
            for a in &s.rule.anchors {
                patterns.push(a);
                needles.push(Needle::Anchor(i));
            }
        }
        // Leftmost-longest, not overlapping: `frida-server` is reported
        // rather than both it and `frida`, and the search stays one cheap
        // pass (overlapping search cost twice as much on a bank-sized app).
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .map_err(|e| e.to_string())?;
        let min_len = patterns.iter().map(|p| p.len()).min().unwrap_or(0);
        Ok(StringRules {
            matcher,
            min_len,
            needles,
            probes,
            secrets: compiled,
        })
    }

    /// Whether `text` holds a secret (not a placeholder) of some format.
    pub fn holds_secret(&self, text: &str) -> bool {
        let anchored = self.search(text, &mut Vec::new());
        self.secrets.iter().enumerate().any(|(i, s)| {
            anchored & (1 << i) != 0
                && s.regex()
                    .captures_iter(text)
                    .take(MAX_MATCHES_PER_TEXT)
                    .any(|c| {
                        c.name("secret")
                            .or_else(|| c.get(0))
                            .is_some_and(|v| !is_placeholder(&s.rule, v.as_str()))
                    })
        })
    }

    /// Probe needles (indexes into the probe list) found in `text` at word
    /// boundaries, and the bit set of secret rules whose anchor occurs.
    fn search(&self, text: &str, probes: &mut Vec<usize>) -> u64 {
        let mut anchored = 0u64;
        if text.len() < self.min_len {
            return anchored;
        }
        for m in self.matcher.find_iter(text) {
            match self.needles[m.pattern().as_usize()] {
                Needle::Probe(i) => {
                    if at_word_boundary(text.as_bytes(), m.start(), m.end()) && !probes.contains(&i)
                    {
                        probes.push(i);
                    }
                }
                Needle::Anchor(i) => anchored |= 1 << i,
            }
        }
        anchored
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// A needle that begins (ends) with a word character must not continue a
/// word before (after) it: `ranchu` is not in `BranchUniversalObject`.
fn at_word_boundary(text: &[u8], start: usize, end: usize) -> bool {
    let first = text.get(start).copied().unwrap_or(0);
    let last = text.get(end.wrapping_sub(1)).copied().unwrap_or(0);
    let before = start.checked_sub(1).and_then(|i| text.get(i)).copied();
    let after = text.get(end).copied();
    let joins_before = is_word(first) && before.is_some_and(is_word);
    let joins_after = is_word(last) && after.is_some_and(is_word);
    !joins_before && !joins_after
}

/// Places of one probe string or secret value.
#[derive(Default)]
struct Places {
    found_in: BTreeSet<String>,
    packages: BTreeSet<String>,
}

impl Places {
    fn add_place(&mut self, location: &str) {
        if self.found_in.len() < MAX_PLACES && !self.found_in.contains(location) {
            self.found_in.insert(location.to_string());
        }
    }
    fn add_packages(&mut self, packages: &[String]) {
        for p in packages {
            if self.packages.len() >= MAX_PACKAGES {
                break;
            }
            if !self.packages.contains(p) {
                self.packages.insert(p.clone());
            }
        }
    }
}

/// A redacted secret: kind and SHA-256 identify it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SecretKey {
    kind: usize,
    sha256: String,
}

struct SecretValue {
    prefix: String,
    length: u64,
    places: Places,
}

/// Accumulates probes and secrets over the parts of a package.
#[derive(Default)]
pub struct StringCollector {
    probes: BTreeMap<usize, Places>,
    secrets: BTreeMap<SecretKey, SecretValue>,
    secrets_dropped: bool,
    secret_bytes: u64,
    budget_exhausted: bool,
    /// Replaces [`MAX_SECRET_SCAN_BYTES`] (tests).
    budget: Option<u64>,
    /// Scratch for [`StringRules::search`].
    hits: Vec<usize>,
}

/// What to look for in one text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// Code strings: environment markers and secrets.
    Both,
    /// Resources, manifest and assets: secrets only.
    Secrets,
}

impl StringCollector {
    /// Scans one text found at `location`; returns whether anything was
    /// recorded (so the code walk can tell which packages load it).
    pub fn scan(&mut self, rules: &StringRules, text: &str, location: &str, look: Look) -> bool {
        let secrets_allowed = self.charge(text.len());
        if look == Look::Secrets && !secrets_allowed {
            return false;
        }
        self.hits.clear();
        let mut hits = std::mem::take(&mut self.hits);
        let anchored = rules.search(text, &mut hits);
        let mut found = false;
        if look == Look::Both {
            for &i in &hits {
                self.probes.entry(i).or_default().add_place(location);
                found = true;
            }
        }
        self.hits = hits;
        if anchored != 0 && secrets_allowed {
            found |= self.secrets_in(rules, text, anchored, |places| places.add_place(location));
        }
        found
    }

    /// Records that code in `packages` loads `text`, a DEX string that
    /// [`StringCollector::scan`] recorded something for.
    pub fn attribute(&mut self, rules: &StringRules, text: &str, packages: &[String]) {
        self.hits.clear();
        let mut hits = std::mem::take(&mut self.hits);
        let anchored = rules.search(text, &mut hits);
        for &i in &hits {
            if let Some(places) = self.probes.get_mut(&i) {
                places.add_packages(packages);
            }
        }
        self.hits = hits;
        if anchored != 0 {
            let saved = self.secrets_dropped;
            self.secrets_in(rules, text, anchored, |places| {
                places.add_packages(packages)
            });
            self.secrets_dropped = saved;
        }
    }

    /// Counts `len` bytes against the secret-scan budget; false once spent.
    fn charge(&mut self, len: usize) -> bool {
        if self.budget_exhausted {
            return false;
        }
        self.secret_bytes = self.secret_bytes.saturating_add(len as u64);
        if self.secret_bytes > self.limit() {
            self.budget_exhausted = true;
            return false;
        }
        true
    }

    /// Whether `len` more bytes may still be scanned for secrets (for
    /// callers that read an entry only to scan it).
    pub fn secret_budget_left(&self, len: u64) -> bool {
        !self.budget_exhausted && self.secret_bytes.saturating_add(len) <= self.limit()
    }

    fn limit(&self) -> u64 {
        self.budget.unwrap_or(MAX_SECRET_SCAN_BYTES)
    }

    fn secrets_in(
        &mut self,
        rules: &StringRules,
        text: &str,
        anchored: u64,
        mut note: impl FnMut(&mut Places),
    ) -> bool {
        let mut found = false;
        for (i, s) in rules.secrets.iter().enumerate() {
            if anchored & (1 << i) == 0 {
                continue;
            }
            for caps in s.regex().captures_iter(text).take(MAX_MATCHES_PER_TEXT) {
                let Some(value) = caps.name("secret").or_else(|| caps.get(0)) else {
                    continue;
                };
                let value = value.as_str();
                if is_placeholder(&s.rule, value) {
                    continue;
                }
                let key = SecretKey {
                    kind: i,
                    sha256: crate::hashes::sha256_hex(value.as_bytes())[..16].to_string(),
                };
                if !self.secrets.contains_key(&key) {
                    if self.secrets.len() >= MAX_SECRETS {
                        self.secrets_dropped = true;
                        continue;
                    }
                    self.secrets.insert(key.clone(), redact(value));
                }
                if let Some(v) = self.secrets.get_mut(&key) {
                    note(&mut v.places);
                    found = true;
                }
            }
        }
        found
    }

    /// Turns the collected strings into facts.
    pub fn finish(self, rules: &StringRules, facts: &mut Facts) {
        let limit = self.limit();
        facts.environment_probes = self
            .probes
            .into_iter()
            .filter_map(|(i, places)| {
                let p = rules.probes.get(i)?;
                Some(EnvironmentProbe {
                    marker: p.marker.clone(),
                    needle: p.text.clone(),
                    found_in: places.found_in.into_iter().collect(),
                    packages: places.packages.into_iter().collect(),
                })
            })
            .collect();
        facts
            .environment_probes
            .sort_by(|a, b| (&a.marker, &a.needle).cmp(&(&b.marker, &b.needle)));
        facts.secrets = self
            .secrets
            .into_iter()
            .filter_map(|(key, v)| {
                Some(SecretFound {
                    kind: rules.secrets.get(key.kind)?.rule.kind.clone(),
                    prefix: v.prefix,
                    length: v.length,
                    sha256_prefix: key.sha256,
                    found_in: v.places.found_in.into_iter().collect(),
                    packages: v.places.packages.into_iter().collect(),
                })
            })
            .collect();
        facts
            .secrets
            .sort_by(|a, b| (&a.kind, &a.sha256_prefix).cmp(&(&b.kind, &b.sha256_prefix)));
        if self.secrets_dropped {
            push_anomaly(
                facts,
                "container",
                "secrets_truncated",
                None,
                format!("more than {MAX_SECRETS} distinct secret values; the rest are not listed"),
            );
        }
        if self.budget_exhausted {
            push_anomaly(
                facts,
                "container",
                "secret_scan_limit_reached",
                None,
                format!("more than {limit} bytes of text; the rest was not searched for secrets"),
            );
        }
    }
}

fn is_placeholder(rule: &SecretRule, value: &str) -> bool {
    rule.ignore_values
        .iter()
        .any(|i| i.eq_ignore_ascii_case(value))
        || rule
            .ignore_containing
            .iter()
            .any(|i| value.contains(i.as_str()))
}

/// Prefix of at most 4 characters and at most a quarter of the value, so a
/// short password is not half disclosed.
fn redact(value: &str) -> SecretValue {
    let length = value.chars().count();
    SecretValue {
        prefix: value.chars().take((length / 4).min(4)).collect(),
        length: length as u64,
        places: Places::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> StringRules {
        StringRules::new(
            vec![
                ProbeNeedle {
                    marker: "android-emulator-hardware".into(),
                    text: "ranchu".into(),
                },
                ProbeNeedle {
                    marker: "su-binary-path".into(),
                    text: "/system/xbin/su".into(),
                },
                ProbeNeedle {
                    marker: "frida".into(),
                    text: "frida".into(),
                },
                ProbeNeedle {
                    marker: "frida".into(),
                    text: "frida-server".into(),
                },
            ],
            vec![
                SecretRule {
                    kind: "aws-access-key-id".into(),
                    anchors: vec!["AKIA".into(), "ASIA".into()],
                    pattern: r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b".into(),
                    ignore_values: vec!["AKIAIOSFODNN7EXAMPLE".into()],
                    ..SecretRule::default()
                },
                SecretRule {
                    kind: "url-password".into(),
                    anchors: vec!["://".into()],
                    pattern: r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s:@/]{1,64}:(?P<secret>[^\s:@/]{1,128})@[A-Za-z0-9.-]+".into(),
                    ignore_values: vec!["password".into()],
                    ignore_containing: vec!["$".into()],
                },
            ],
        )
        .unwrap()
    }

    fn scan(texts: &[&str]) -> Facts {
        let r = rules();
        let mut c = StringCollector::default();
        for t in texts {
            c.scan(&r, t, "dex:classes.dex", Look::Both);
        }
        let mut f = Facts::default();
        c.finish(&r, &mut f);
        f
    }

    #[test]
    fn probes_match_only_at_word_boundaries() {
        let f = scan(&[
            "io.branch.referral.BranchUniversalObject",
            "/system/xbin/sudo",
            "libfrida-gadget",
        ]);
        assert!(
            f.environment_probes.is_empty(),
            "{:?}",
            f.environment_probes
        );
        let f = scan(&["ro.hardware=ranchu", "/system/xbin/su", "re.frida-server"]);
        let found: Vec<(&str, &str)> = f
            .environment_probes
            .iter()
            .map(|p| (p.marker.as_str(), p.needle.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("android-emulator-hardware", "ranchu"),
                ("frida", "frida-server"),
                ("su-binary-path", "/system/xbin/su"),
            ]
        );
        assert_eq!(f.environment_probes[0].found_in, ["dex:classes.dex"]);
    }

    #[test]
    fn secrets_are_redacted_and_placeholders_skipped() {
        let f = scan(&[
            "id=AKIA2E3F4G5H6J7K2L3M;",
            "AKIAIOSFODNN7EXAMPLE",
            "AKIA2E3F4G5H6J7K2L3MX",
            "https://admin:password@example.com",
            "https://admin:${PW}@example.com",
            "ftp://ops:Tr0ub4dor&3@files.example.com",
        ]);
        assert_eq!(f.secrets.len(), 2, "{:?}", f.secrets);
        let aws = &f.secrets[0];
        assert_eq!(aws.kind, "aws-access-key-id");
        assert_eq!(aws.prefix, "AKIA");
        assert_eq!(aws.length, 20);
        assert_eq!(
            aws.sha256_prefix,
            &crate::hashes::sha256_hex(b"AKIA2E3F4G5H6J7K2L3M")[..16]
        );
        let url = &f.secrets[1];
        assert_eq!(url.kind, "url-password");
        // "Tr0ub4dor&3" is 11 characters: 2 shown.
        assert_eq!((url.prefix.as_str(), url.length), ("Tr", 11));
        let json = serde_json::to_string(&f.secrets).unwrap();
        assert!(!json.contains("2E3F4G5H6J7K2L3M") && !json.contains("ub4dor"));
    }

    #[test]
    fn the_secret_budget_stops_secret_scanning_only() {
        let r = rules();
        let mut c = StringCollector {
            budget: Some(1000),
            ..StringCollector::default()
        };
        let big = "x".repeat(1001);
        c.scan(&r, &big, "asset:assets/big.txt", Look::Secrets);
        assert!(!c.scan(&r, "AKIA2E3F4G5H6J7K2L3M", "res:string/k", Look::Secrets));
        assert!(c.scan(&r, "/system/xbin/su", "dex:classes.dex", Look::Both));
        let mut f = Facts::default();
        c.finish(&r, &mut f);
        assert!(f.secrets.is_empty());
        assert_eq!(f.environment_probes.len(), 1);
        assert!(
            f.anomalies
                .iter()
                .any(|a| a.kind == "secret_scan_limit_reached")
        );
    }

    #[test]
    fn attribution_adds_packages() {
        let r = rules();
        let mut c = StringCollector::default();
        assert!(c.scan(&r, "/system/xbin/su", "dex:classes.dex", Look::Both));
        c.attribute(
            &r,
            "/system/xbin/su",
            &["com.scottyab.rootbeer".to_string()],
        );
        let mut f = Facts::default();
        c.finish(&r, &mut f);
        assert_eq!(f.environment_probes[0].packages, ["com.scottyab.rootbeer"]);
    }

    #[test]
    fn bad_rules_are_errors() {
        let bad = SecretRule {
            kind: "x".into(),
            anchors: vec!["x".into()],
            pattern: "(".into(),
            ..SecretRule::default()
        };
        assert!(StringRules::new(Vec::new(), vec![bad]).is_err());
    }
}
