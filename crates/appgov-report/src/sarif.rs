//! SARIF 2.1.0 (OASIS, errata 01): one run of appgov on one package.
//!
//! SARIF carries one language per log, so every text field is English and
//! the Chinese texts travel in `properties` (`title_zh`, `message_zh`,
//! `help_zh`). Rules come from the check registry with their documentation
//! as `help.markdown`; results carry GitHub code scanning's
//! `security-severity` and a `partialFingerprints` entry that depends only
//! on the check and its evidence, so repeated uploads deduplicate.

use std::collections::BTreeSet;

use appgov_checks::{Finding, RULES, RuleMeta};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::{
    Input, TOOL_NAME, TOOL_VERSION, doc, doc_section, is_hex, places, rule_meta, sarif_level,
    security_severity, uri_segment,
};

/// The schema the log declares (OASIS SARIF 2.1.0, errata 01).
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Key of appgov's entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "appgovEvidenceHash/v1";

/// The SARIF log as pretty JSON, ending with a newline.
pub fn sarif(input: &Input<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&sarif_value(input)).unwrap_or_default();
    s.push('\n');
    s
}

/// A finding's fingerprint: SHA-256 over the check id and its evidence
/// (kind, location, value), sorted, so it is the same in every run that sees
/// the same thing, whatever the order or the time.
pub fn fingerprint(f: &Finding) -> String {
    let mut items: Vec<String> = f
        .evidence
        .iter()
        .map(|e| {
            format!(
                "{}\u{0}{}\u{0}{}",
                e.kind,
                e.location.as_deref().unwrap_or(""),
                e.value
            )
        })
        .collect();
    items.sort();
    let mut h = Sha256::new();
    h.update(b"appgov-finding/1\n");
    h.update(f.rule.as_bytes());
    for item in &items {
        h.update(b"\n");
        h.update(item.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The SARIF log as a JSON value.
pub fn sarif_value(input: &Input<'_>) -> Value {
    let facts = input.facts;
    let uri = uri_segment(&facts.input.file_name);

    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| rule_descriptor(input, r.meta()))
        .collect();

    let mut artifact = Map::new();
    artifact.insert("location".into(), json!({ "uri": uri }));
    artifact.insert("roles".into(), json!(["analysisTarget"]));
    if facts.input.size > 0 {
        artifact.insert("length".into(), json!(facts.input.size));
    }
    artifact.insert(
        "mimeType".into(),
        json!(match facts.input.kind.as_str() {
            "apk" => "application/vnd.android.package-archive",
            _ => "application/zip",
        }),
    );
    let mut hashes = Map::new();
    for (name, value, len) in [
        ("sha-256", &facts.input.sha256, 64),
        ("sha-1", &facts.input.sha1, 40),
        ("md5", &facts.input.md5, 32),
    ] {
        if is_hex(value, len) {
            hashes.insert(name.into(), json!(value.to_ascii_lowercase()));
        }
    }
    if !hashes.is_empty() {
        artifact.insert("hashes".into(), Value::Object(hashes));
    }
    artifact.insert(
        "properties".into(),
        json!({
            "file_name": facts.input.file_name,
            "kind": facts.input.kind,
            "package": facts.package,
            "version_name": facts.version_name,
            "version_code": facts.version_code,
            "label": facts.label,
        }),
    );

    // Findings in force, then those an active policy suppression covers
    // (SARIF keeps them, marked, so dashboards show them as dismissed).
    let results: Vec<Value> = input
        .analysis
        .findings
        .iter()
        .map(|f| result(input, f, &uri, false))
        .chain(
            input
                .analysis
                .suppressed
                .iter()
                .map(|f| result(input, f, &uri, true)),
        )
        .collect();

    let mut invocation = Map::new();
    invocation.insert("executionSuccessful".into(), json!(facts.error.is_none()));
    if !input.generated.is_empty() {
        invocation.insert("endTimeUtc".into(), json!(input.generated));
    }
    let mut notifications: Vec<Value> = Vec::new();
    if let Some(err) = &facts.error {
        notifications.push(json!({
            "level": "error",
            "message": { "text": format!("The package could not be (fully) analysed: {err}") },
            "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri, "index": 0 } } }],
        }));
    }
    // Checks left undecided (code hidden or not read): a warning, so a
    // dashboard does not read "no results" as "no problems".
    for l in &input.analysis.limits {
        notifications.push(json!({
            "level": "warning",
            "descriptor": { "id": l.kind },
            "message": { "text": format!("{} Undecided: {}.", l.message_en, l.rules.join(", ")) },
            "properties": { "message_zh": l.message_zh, "rules": l.rules },
        }));
    }
    if !notifications.is_empty() {
        invocation.insert("toolExecutionNotifications".into(), json!(notifications));
    }
    invocation.insert(
        "properties".into(),
        json!({ "checked_on": input.checked_on, "analysed": facts.analysed }),
    );

    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": TOOL_NAME,
                    "version": TOOL_VERSION,
                    "semanticVersion": TOOL_VERSION,
                    "rules": rules,
                    "properties": {
                        "description_zh": "金融移动应用治理（金办发〔2024〕99号）",
                    },
                }
            },
            "artifacts": [Value::Object(artifact)],
            "invocations": [Value::Object(invocation)],
            "results": results,
            "properties": {
                "facts_schema": facts.schema,
                "sdks": input.analysis.sdks.iter().map(|s| &s.id).collect::<Vec<_>>(),
                "packers": input.analysis.packers.iter().map(|p| &p.id).collect::<Vec<_>>(),
            },
        }],
    })
}

fn rule_descriptor(input: &Input<'_>, m: &RuleMeta) -> Value {
    let en = doc(m, "en");
    let zh = doc(m, "zh");
    let what = doc_section(&en, "What it does")
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| m.title_en.to_string());
    let mut tags = vec!["security".to_string(), "compliance".to_string()];
    tags.extend(m.articles.iter().map(|a| format!("notice-article-{a}")));
    let articles: Vec<Value> = m
        .articles
        .iter()
        .map(|&n| {
            let a = input.knowledge.article(n);
            json!({
                "number": n,
                "title_zh": a.map(|a| a.title_zh.as_str()),
                "title_en": a.map(|a| a.title_en.as_str()),
            })
        })
        .collect();
    json!({
        "id": m.id,
        "name": m.name,
        "shortDescription": { "text": m.title_en },
        "fullDescription": { "text": what },
        "help": { "text": en, "markdown": en },
        "defaultConfiguration": { "level": sarif_level(m.severity) },
        "properties": {
            "tags": tags,
            "security-severity": security_severity(m.severity),
            "severity": m.severity.as_str(),
            "title_zh": m.title_zh,
            "help_zh": zh,
            "notice_articles": articles,
        },
    })
}

fn result(input: &Input<'_>, f: &Finding, uri: &str, suppressed: bool) -> Value {
    let rule_index = RULES.iter().position(|r| r.meta().id == f.rule);
    let places: BTreeSet<_> = f
        .evidence
        .iter()
        .flat_map(|e| places(input.facts, e))
        .collect();
    let logical: Vec<Value> = places
        .iter()
        .map(|p| json!({ "name": p.name, "fullyQualifiedName": p.qualified, "kind": p.kind }))
        .collect();
    let mut location = Map::new();
    location.insert(
        "physicalLocation".into(),
        json!({ "artifactLocation": { "uri": uri, "index": 0 } }),
    );
    if !logical.is_empty() {
        location.insert("logicalLocations".into(), Value::Array(logical));
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.rule));
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("kind".into(), json!("fail"));
    r.insert("level".into(), json!(sarif_level(f.severity)));
    r.insert("message".into(), json!({ "text": f.message_en }));
    r.insert("locations".into(), json!([Value::Object(location)]));
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(f) }),
    );
    if suppressed {
        let justification = f
            .suppression
            .as_ref()
            .map(|s| format!("{} ({}, until {})", s.reason, s.owner, s.expires))
            .unwrap_or_else(|| "suppressed by policy".into());
        r.insert(
            "suppressions".into(),
            json!([{ "kind": "external", "status": "accepted", "justification": justification }]),
        );
    }
    let fix_zh = rule_meta(&f.rule).and_then(|m| doc_section(&doc(m, "zh"), "修复"));
    let fix_en = rule_meta(&f.rule).and_then(|m| doc_section(&doc(m, "en"), "Fix"));
    r.insert(
        "properties".into(),
        json!({
            "severity": f.severity.as_str(),
            "security-severity": security_severity(f.severity),
            "title_en": f.title_en,
            "title_zh": f.title_zh,
            "message_zh": f.message_zh,
            "notice_articles": f.articles,
            "fix_en": fix_en,
            "fix_zh": fix_zh,
            "evidence": f.evidence,
            "suppression": f.suppression,
        }),
    );
    Value::Object(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgov_checks::Evidence;

    fn finding(evidence: Vec<Evidence>) -> Finding {
        let meta = &appgov_checks::rules::debuggable::Debuggable::META;
        meta.finding("今天", "today", evidence)
    }

    #[test]
    fn fingerprints_depend_on_rule_and_evidence_only() {
        let a = Evidence::new("manifest", Some("application"), "x");
        let b = Evidence::new("url", None, "http://y");
        let f1 = finding(vec![a.clone(), b.clone()]);
        let mut f2 = finding(vec![b.clone(), a.clone()]);
        f2.message_en = "another day".into();
        assert_eq!(fingerprint(&f1), fingerprint(&f2));
        let f3 = finding(vec![a.clone()]);
        assert_ne!(fingerprint(&f1), fingerprint(&f3));
        let mut f4 = f3.clone();
        f4.rule = "PKG-003".into();
        assert_ne!(fingerprint(&f3), fingerprint(&f4));
        // Field boundaries matter: ("ab", "c") is not ("a", "bc").
        let f5 = finding(vec![Evidence::new("ab", Some("c"), "")]);
        let f6 = finding(vec![Evidence::new("a", Some("bc"), "")]);
        assert_ne!(fingerprint(&f5), fingerprint(&f6));
        assert_eq!(fingerprint(&f1).len(), 64);
    }
}
