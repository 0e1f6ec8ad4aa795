//! SARIF and CycloneDX from real corpus packages, validated against the
//! official schemas (see `support/schemas.rs`), plus what the schemas cannot
//! say: rules from the registry, levels and scores, stable fingerprints and
//! serial numbers, every SDK and native library in the BOM.

#[path = "support/schemas.rs"]
mod schemas;

use appgov_analyzer::{Options, analyze};
use appgov_checks::{Analysis, RULES, Severity};
use appgov_facts::Facts;
use appgov_knowledge::Knowledge;
use appgov_report::{Input, cyclonedx_value, fingerprint, sarif_value, serial_number};
use appgov_testkit::CorpusFile;
use serde_json::{Value, json};

const DATE: &str = "2026-12-01";
const GENERATED: &str = "2026-12-01T08:30:00Z";

/// Packages with different shapes: SDKs and many findings, native code in
/// several ABIs, a protector, a bundle, a split set, odd signing, and
/// malformed input.
const PACKAGES: &[&str] = &[
    "apk/insecurebankv2__app-release.apk",
    "apk/mastg__HelloWord-JNI.apk",
    "apk/apkid__dexguard_6_1.apk",
    "apk/bangcle__bangcle_demo.apk",
    "apk/mastg__UnCrackable-Level3.apk",
    "aab/buddhaquotes__v1.6.0-app-release.aab",
    "xapk/mobsf__android_xapk.xapk",
    "apk-signing/apksig__v2-only-no-certs-in-sig.apk",
    "apk-malformed/androguard__Invalid.apk",
    "apk-malformed/apksig__v2-only-truncated-cd.apk",
];

fn knowledge() -> Knowledge {
    Knowledge::builtin().expect("built-in knowledge")
}

fn scan(rel: &str, k: &Knowledge) -> Option<(Facts, Analysis)> {
    let file = CorpusFile::named(rel)?;
    let data = file.read_checked();
    let name = rel.rsplit('/').next().unwrap();
    let facts = analyze(&data, name, &Options::default());
    let analysis = if facts.error.is_some() {
        Analysis::empty()
    } else {
        appgov_checks::analyse(&facts, k, DATE)
    };
    Some((facts, analysis))
}

fn input<'a>(facts: &'a Facts, analysis: &'a Analysis, k: &'a Knowledge) -> Input<'a> {
    Input {
        facts,
        analysis,
        knowledge: k,
        generated: GENERATED,
        checked_on: DATE,
    }
}

#[test]
fn corpus_reports_validate_against_the_official_schemas() {
    let Some(sarif_schema) = schemas::sarif() else {
        return;
    };
    let cdx_schema = schemas::cyclonedx().expect("both schemas or neither");
    let k = knowledge();
    let mut seen = 0;
    let mut findings = 0;
    let mut sdks = 0;
    let mut libs = 0;
    for rel in PACKAGES {
        let Some((facts, analysis)) = scan(rel, &k) else {
            continue;
        };
        seen += 1;
        findings += analysis.findings.len();
        sdks += analysis.sdks.len();
        libs += facts.native_libs.len();
        let i = input(&facts, &analysis, &k);
        let sarif = sarif_value(&i);
        schemas::assert_valid(&sarif_schema, &sarif, &format!("SARIF of {rel}"));
        check_sarif(&sarif, &facts, &analysis);
        let bom = cyclonedx_value(&i);
        schemas::assert_valid(&cdx_schema, &bom, &format!("CycloneDX of {rel}"));
        check_bom(&bom, &facts, &analysis);
        // The strings are what the values say (and parse back).
        let text: Value = serde_json::from_str(&appgov_report::sarif(&i)).unwrap();
        assert_eq!(text, sarif);
        let text: Value = serde_json::from_str(&appgov_report::cyclonedx(&i)).unwrap();
        assert_eq!(text, bom);
    }
    if seen == 0 {
        return; // no corpus
    }
    assert!(seen >= 8, "most corpus packages present ({seen})");
    assert!(
        findings > 10 && sdks > 3 && libs > 3,
        "{findings} {sdks} {libs}"
    );
}

fn check_sarif(log: &Value, facts: &Facts, analysis: &Analysis) {
    let run = &log["runs"][0];
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    assert_eq!(run["tool"]["driver"]["name"], "appgov");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (r, rule) in rules.iter().zip(RULES) {
        let m = rule.meta();
        assert_eq!(r["id"], m.id);
        assert_eq!(r["shortDescription"]["text"], m.title_en);
        assert_eq!(r["properties"]["title_zh"], m.title_zh);
        let tags = r["properties"]["tags"].as_array().unwrap();
        for a in m.articles {
            assert!(tags.contains(&json!(format!("notice-article-{a}"))));
        }
        assert!(r["help"]["markdown"].as_str().unwrap().contains("## Fix"));
        assert!(
            r["properties"]["help_zh"]
                .as_str()
                .unwrap()
                .contains("## 修复")
        );
        let (level, score) = match m.severity {
            Severity::Critical => ("error", "9.5"),
            Severity::High => ("error", "8.0"),
            Severity::Medium => ("warning", "5.5"),
            Severity::Low => ("note", "3.0"),
        };
        assert_eq!(r["defaultConfiguration"]["level"], level, "{}", m.id);
        assert_eq!(r["properties"]["security-severity"], score, "{}", m.id);
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), analysis.findings.len());
    for (res, f) in results.iter().zip(&analysis.findings) {
        assert_eq!(res["ruleId"], f.rule);
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], f.rule);
        assert_eq!(res["level"], appgov_report::sarif_level(f.severity));
        assert_eq!(res["message"]["text"], f.message_en);
        assert_eq!(res["properties"]["message_zh"], f.message_zh);
        assert_eq!(
            res["properties"]["evidence"].as_array().unwrap().len(),
            f.evidence.len()
        );
        assert_eq!(
            res["partialFingerprints"]["appgovEvidenceHash/v1"],
            fingerprint(f)
        );
        let loc = &res["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["index"], 0);
        assert!(!loc["uri"].as_str().unwrap().is_empty());
    }
    let artifact = &run["artifacts"][0];
    if !facts.input.sha256.is_empty() {
        assert_eq!(artifact["hashes"]["sha-256"], facts.input.sha256);
    }
    assert_eq!(
        run["invocations"][0]["executionSuccessful"],
        facts.error.is_none()
    );
}

fn check_bom(bom: &Value, facts: &Facts, analysis: &Analysis) {
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["serialNumber"], serial_number(facts));
    let app = &bom["metadata"]["component"];
    assert_eq!(app["type"], "application");
    if let Some(p) = &facts.package {
        assert_eq!(&app["name"], p);
    }
    if let Some(v) = &facts.version_name {
        assert_eq!(&app["version"], v);
    }
    if !facts.input.sha256.is_empty() {
        let hashes = app["hashes"].as_array().unwrap();
        assert!(hashes.contains(&json!({"alg": "SHA-256", "content": facts.input.sha256})));
        assert!(hashes.contains(&json!({"alg": "MD5", "content": facts.input.md5})));
    }
    let props = app["properties"].as_array().unwrap();
    let has = |name: &str, value: &str| {
        props
            .iter()
            .any(|p| p["name"] == name && p["value"] == value)
    };
    if let Some(t) = facts.target_sdk {
        assert!(has("appgov:target_sdk", &t.to_string()));
    }
    if let Some(c) = facts.signing.certificates.first() {
        assert!(has("appgov:signer_certificate_sha256", &c.sha256));
    }
    let tools = &bom["metadata"]["tools"]["components"][0];
    assert_eq!(tools["name"], "appgov");
    let components = bom["components"].as_array().unwrap();
    for s in &analysis.sdks {
        let c = components
            .iter()
            .find(|c| c["bom-ref"] == format!("sdk:{}", s.id))
            .unwrap_or_else(|| panic!("SDK {} in the BOM", s.id));
        assert_eq!(c["type"], "library");
        assert_eq!(c["name"], s.name);
        assert_eq!(c["supplier"]["name"], s.vendor);
        let methods = c["evidence"]["identity"][0]["methods"].as_array().unwrap();
        assert_eq!(methods.len(), s.evidence.len());
        let props = c["properties"].as_array().unwrap();
        assert!(props.contains(&json!({"name": "appgov:category_zh", "value": s.category_zh})));
    }
    for p in &analysis.packers {
        let c = components
            .iter()
            .find(|c| c["bom-ref"] == format!("packer:{}", p.id))
            .expect("packer in the BOM");
        assert!(
            c["properties"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "appgov:packer", "value": "true"}))
        );
    }
    for lib in &facts.native_libs {
        let c = components
            .iter()
            .find(|c| c["bom-ref"] == format!("native:{}", lib.path))
            .unwrap_or_else(|| panic!("{} in the BOM", lib.path));
        assert_eq!(c["name"], lib.path.rsplit('/').next().unwrap());
        assert_eq!(c["hashes"][0]["content"], lib.sha256);
        assert!(
            c["properties"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "appgov:abi", "value": lib.abi}))
        );
    }
    let mut refs: Vec<&str> = components
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let n = refs.len();
    refs.sort_unstable();
    refs.dedup();
    assert_eq!(refs.len(), n, "bom-refs are unique");
    assert_eq!(bom["dependencies"][0]["ref"], "app");
    assert_eq!(
        bom["dependencies"][0]["dependsOn"]
            .as_array()
            .unwrap()
            .len(),
        n
    );
}

#[test]
fn the_validators_reject_what_the_schemas_forbid() {
    // Without this the validation above could pass vacuously.
    let Some(sarif_schema) = schemas::sarif() else {
        return;
    };
    let cdx_schema = schemas::cyclonedx().unwrap();
    let k = knowledge();
    let mut facts = Facts::new("android", Default::default());
    facts.input.file_name = "x.apk".into();
    facts.input.sha256 = "ab".repeat(32);
    facts.package = Some("com.example".into());
    facts.android.application.debuggable = true;
    facts.analysed = vec!["manifest".into()];
    let analysis = appgov_checks::analyse(&facts, &k, DATE);
    assert!(!analysis.findings.is_empty());
    let i = input(&facts, &analysis, &k);

    let good = sarif_value(&i);
    schemas::assert_valid(&sarif_schema, &good, "synthetic SARIF");
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = json!("fatal");
    assert!(!schemas::errors(&sarif_schema, &bad).is_empty());
    let mut bad = good.clone();
    bad["$schema"] = json!("not a uri");
    assert!(
        !schemas::errors(&sarif_schema, &bad).is_empty(),
        "formats (uri) are checked"
    );
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["unknownProperty"] = json!(1);
    assert!(!schemas::errors(&sarif_schema, &bad).is_empty());

    let good = cyclonedx_value(&i);
    schemas::assert_valid(&cdx_schema, &good, "synthetic BOM");
    let mut bad = good.clone();
    bad["serialNumber"] = json!("urn:uuid:not-a-uuid");
    assert!(!schemas::errors(&cdx_schema, &bad).is_empty());
    let mut bad = good.clone();
    bad["metadata"]["timestamp"] = json!("yesterday");
    assert!(
        !schemas::errors(&cdx_schema, &bad).is_empty(),
        "formats (date-time) are checked"
    );
    let mut bad = good.clone();
    bad["metadata"]["component"]["hashes"][0]["content"] = json!("xyz");
    assert!(!schemas::errors(&cdx_schema, &bad).is_empty());
    let mut bad = good.clone();
    bad["metadata"]["component"]["licenses"] = json!([{"license": {"id": "Not-An-SPDX-Id"}}]);
    assert!(
        !schemas::errors(&cdx_schema, &bad).is_empty(),
        "the SPDX schema is resolved and applied"
    );
}

#[test]
fn reports_are_stable_across_runs() {
    let k = knowledge();
    let Some((facts, analysis)) = scan("apk/insecurebankv2__app-release.apk", &k) else {
        return;
    };
    let a = input(&facts, &analysis, &k);
    let mut b = a;
    b.generated = "2027-01-02T03:04:05Z";
    // Same input, same bytes.
    assert_eq!(appgov_report::sarif(&a), appgov_report::sarif(&a));
    assert_eq!(appgov_report::html(&a), appgov_report::html(&a));
    // A later run differs only in the timestamp.
    let mut bom_a = cyclonedx_value(&a);
    let mut bom_b = cyclonedx_value(&b);
    assert_eq!(bom_a["serialNumber"], bom_b["serialNumber"]);
    assert_ne!(
        bom_a["metadata"]["timestamp"],
        bom_b["metadata"]["timestamp"]
    );
    bom_a["metadata"]["timestamp"] = Value::Null;
    bom_b["metadata"]["timestamp"] = Value::Null;
    assert_eq!(bom_a, bom_b);
    let fp = |v: &Value| -> Vec<Value> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    let (sa, sb) = (sarif_value(&a), sarif_value(&b));
    assert_eq!(fp(&sa), fp(&sb));
    let mut distinct = fp(&sa);
    let n = distinct.len();
    distinct.sort_by_key(|v| v.to_string());
    distinct.dedup();
    assert_eq!(distinct.len(), n, "one fingerprint per finding");
    // A re-analysis of the same file gives the same fingerprints too.
    let (facts2, analysis2) = scan("apk/insecurebankv2__app-release.apk", &k).unwrap();
    assert_eq!(fp(&sarif_value(&input(&facts2, &analysis2, &k))), fp(&sa));
}

#[test]
fn evidence_paths_become_logical_locations() {
    let k = knowledge();
    let Some((facts, analysis)) = scan("apk/insecurebankv2__app-release.apk", &k) else {
        return;
    };
    let log = sarif_value(&input(&facts, &analysis, &k));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let logical = |rule: &str| -> Vec<Value> {
        results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("{rule} found"))["locations"][0]["logicalLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    // allow-backup: the manifest's application element.
    let l = logical("PKG-003");
    assert!(l.contains(&json!({"name": "AndroidManifest.xml", "fullyQualifiedName": "AndroidManifest.xml", "kind": "resource"})));
    assert!(
        l.iter()
            .any(|x| x["kind"] == "element" && x["name"] == "application")
    );
    // cleartext: URLs found in classes.dex.
    let l = logical("PKG-004");
    assert!(l.iter().any(|x| x["fullyQualifiedName"] == "classes.dex"));
    // exported components: the classes themselves.
    let l = logical("PKG-011");
    assert!(l.iter().any(|x| x["kind"] == "type"
        && x["fullyQualifiedName"] == "com.android.insecurebankv2.PostLogin"));
    // The package file is the artifact.
    assert_eq!(
        log["runs"][0]["artifacts"][0]["location"]["uri"],
        "insecurebankv2__app-release.apk"
    );
}

#[test]
fn undecided_checks_become_sarif_warnings_that_validate() {
    let Some(sarif_schema) = schemas::sarif() else {
        return;
    };
    let Some(file) = CorpusFile::named("apk/mobsf__android.apk") else {
        return;
    };
    let k = knowledge();
    let mut sections = appgov_analyzer::Sections::ALL;
    sections.bytecode = false;
    let facts = analyze(
        &file.read_checked(),
        "mobsf__android.apk",
        &Options {
            sections,
            ..Options::default()
        },
    );
    let analysis = appgov_checks::analyse(&facts, &k, DATE);
    assert!(!analysis.limits.is_empty());
    let sarif = sarif_value(&input(&facts, &analysis, &k));
    schemas::assert_valid(&sarif_schema, &sarif, "SARIF with undecided checks");
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes[0]["level"], "warning");
    assert_eq!(notes[0]["descriptor"]["id"], "code_not_read");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("PKG-029")
    );
}
