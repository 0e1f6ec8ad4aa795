//! CycloneDX 1.6 (JSON): the app as `metadata.component`, and as
//! components every detected SDK, every native library and the packer.
//!
//! The serial number is a name-based UUID (version 5) of the input's
//! SHA-256, so two runs over the same file give the same BOM apart from
//! `metadata.timestamp`. appgov-specific data goes into `properties` under
//! the `appgov:` namespace; how each SDK was recognised goes into
//! `evidence.identity` (technique and confidence per kind of evidence) and
//! where into `evidence.occurrences`.

use std::collections::BTreeSet;

use appgov_checks::{Evidence, PackerHit, SdkHit};
use appgov_facts::{Facts, NativeLib};
use serde_json::{Map, Value, json};
use sha1::{Digest, Sha1};

use crate::{Input, MANIFEST, TOOL_NAME, TOOL_VERSION, is_hex, places};

/// The schema the BOM declares.
pub const CYCLONEDX_SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

/// Namespace of appgov's name-based BOM serial numbers (a fixed random UUID).
const SERIAL_NAMESPACE: [u8; 16] = [
    0x5c, 0x0e, 0x8a, 0x41, 0x2f, 0x6b, 0x4d, 0x93, 0xa1, 0x7e, 0x3d, 0x58, 0xc4, 0x90, 0x1b, 0x27,
];

/// The BOM as pretty JSON, ending with a newline.
pub fn cyclonedx(input: &Input<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&cyclonedx_value(input)).unwrap_or_default();
    s.push('\n');
    s
}

/// `urn:uuid:` + a version-5 UUID of the input's SHA-256 (RFC 4122 §4.3).
/// Without a digest (digests not analysed) the file name, package, version
/// code and size stand in, which is stable but weaker.
pub fn serial_number(facts: &Facts) -> String {
    let name = if is_hex(&facts.input.sha256, 64) {
        format!("sha256:{}", facts.input.sha256.to_ascii_lowercase())
    } else {
        format!(
            "file:{}\npackage:{}\nversion_code:{}\nsize:{}",
            facts.input.file_name,
            facts.package.as_deref().unwrap_or(""),
            facts
                .version_code
                .map(|v| v.to_string())
                .unwrap_or_default(),
            facts.input.size
        )
    };
    let mut h = Sha1::new();
    h.update(SERIAL_NAMESPACE);
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn prop(out: &mut Vec<Value>, name: &str, value: impl ToString) {
    let value = value.to_string();
    if !value.is_empty() {
        out.push(json!({ "name": format!("appgov:{name}"), "value": value }));
    }
}

fn hashes(list: &[(&str, &str, usize)]) -> Option<Value> {
    let v: Vec<Value> = list
        .iter()
        .filter(|(_, value, len)| is_hex(value, *len))
        .map(|(alg, value, _)| json!({ "alg": alg, "content": value.to_ascii_lowercase() }))
        .collect();
    (!v.is_empty()).then_some(Value::Array(v))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path)
}

/// The BOM as a JSON value.
pub fn cyclonedx_value(input: &Input<'_>) -> Value {
    let facts = input.facts;
    let app_ref = "app".to_string();

    let mut components = Vec::new();
    let mut app_deps = Vec::new();
    let mut dependencies = Vec::new();

    for s in &input.analysis.sdks {
        let r = format!("sdk:{}", s.id);
        let libs: BTreeSet<String> = s
            .evidence
            .iter()
            .filter(|e| e.kind == "native")
            .filter_map(|e| e.location.as_deref())
            .filter(|p| facts.native_libs.iter().any(|l| l.path == *p))
            .map(|p| format!("native:{p}"))
            .collect();
        if !libs.is_empty() {
            dependencies.push(json!({ "ref": r, "dependsOn": libs }));
        }
        components.push(sdk_component(input, s, &r));
        app_deps.push(r);
    }
    for p in &input.analysis.packers {
        let r = format!("packer:{}", p.id);
        components.push(packer_component(input, p, &r));
        app_deps.push(r);
    }
    let mut seen = BTreeSet::new();
    for lib in &facts.native_libs {
        let r = format!("native:{}", lib.path);
        if !seen.insert(r.clone()) {
            continue;
        }
        components.push(native_component(lib, &r));
        app_deps.push(r);
    }
    // Every component above has a node in the graph, even without dependencies.
    for c in &components {
        let r = c["bom-ref"].as_str().unwrap_or_default();
        if !dependencies.iter().any(|d| d["ref"] == r) {
            dependencies.push(json!({ "ref": r }));
        }
    }
    dependencies.insert(0, json!({ "ref": app_ref, "dependsOn": app_deps }));

    let mut metadata = Map::new();
    if !input.generated.is_empty() {
        metadata.insert("timestamp".into(), json!(input.generated));
    }
    metadata.insert("lifecycles".into(), json!([{ "phase": "post-build" }]));
    metadata.insert(
        "tools".into(),
        json!({ "components": [{
            "type": "application",
            "bom-ref": "tool:appgov",
            "name": TOOL_NAME,
            "version": TOOL_VERSION,
            "description": "Governance of financial mobile apps under notice 金办发〔2024〕99号",
        }]}),
    );
    metadata.insert("component".into(), app_component(input, &app_ref));
    let mut meta_props = Vec::new();
    prop(&mut meta_props, "checked_on", input.checked_on);
    prop(&mut meta_props, "facts_schema", &facts.schema);
    prop(&mut meta_props, "analysed", facts.analysed.join(","));
    if let Some(err) = &facts.error {
        prop(&mut meta_props, "analysis_error", err);
    }
    metadata.insert("properties".into(), Value::Array(meta_props));

    json!({
        "$schema": CYCLONEDX_SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial_number(facts),
        "version": 1,
        "metadata": Value::Object(metadata),
        "components": components,
        "dependencies": dependencies,
    })
}

fn app_component(input: &Input<'_>, r: &str) -> Value {
    let facts = input.facts;
    let name = facts
        .package
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| Some(facts.input.file_name.clone()).filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "unknown".into());
    let mut c = Map::new();
    c.insert("type".into(), json!("application"));
    c.insert("bom-ref".into(), json!(r));
    c.insert("name".into(), json!(name));
    if let Some(v) = facts.version_name.as_ref().filter(|v| !v.is_empty()) {
        c.insert("version".into(), json!(v));
    } else if let Some(code) = facts.version_code {
        c.insert("version".into(), json!(code.to_string()));
    }
    if let Some(label) = facts.label.as_ref().filter(|l| !l.is_empty()) {
        c.insert("description".into(), json!(label));
    }
    if let Some(h) = hashes(&[
        ("SHA-256", &facts.input.sha256, 64),
        ("SHA-1", &facts.input.sha1, 40),
        ("MD5", &facts.input.md5, 32),
    ]) {
        c.insert("hashes".into(), h);
    }
    let mut p = Vec::new();
    prop(&mut p, "file_name", &facts.input.file_name);
    prop(&mut p, "package_kind", &facts.input.kind);
    prop(&mut p, "platform", &facts.platform);
    if let Some(label) = &facts.label {
        prop(&mut p, "label", label);
    }
    for l in &facts.labels {
        prop(&mut p, &format!("label:{}", l.locale), &l.value);
    }
    if let Some(v) = facts.version_code {
        prop(&mut p, "version_code", v);
    }
    if let Some(v) = facts.min_sdk {
        prop(&mut p, "min_sdk", v);
    }
    if let Some(v) = facts.target_sdk {
        prop(&mut p, "target_sdk", v);
    }
    if let Some(v) = facts.compile_sdk {
        prop(&mut p, "compile_sdk", v);
    }
    prop(&mut p, "signature_verified", facts.signing.verified);
    for cert in facts
        .signing
        .certificates
        .iter()
        .filter(|c| !c.schemes.iter().all(|s| s == "source_stamp"))
    {
        prop(&mut p, "signer_certificate_sha256", &cert.sha256);
        prop(&mut p, "signer_certificate_md5", &cert.md5);
        prop(&mut p, "signer_certificate_subject", &cert.subject);
    }
    for ch in &facts.signing.channels {
        prop(
            &mut p,
            "channel",
            format!("{}:{}", ch.kind, ch.channel.as_deref().unwrap_or("")),
        );
    }
    for abi in &facts.abis {
        prop(&mut p, "abi", abi);
    }
    for perm in &facts.permissions {
        prop(&mut p, "permission", perm);
    }
    for s in appgov_checks::Severity::ALL {
        let n = input
            .analysis
            .findings
            .iter()
            .filter(|f| f.severity == s)
            .count();
        prop(&mut p, &format!("findings:{}", s.as_str()), n);
    }
    c.insert("properties".into(), Value::Array(p));
    Value::Object(c)
}

/// CycloneDX technique and appgov's rough confidence for one kind of
/// evidence: code packages and manifest entries are specific, file names
/// less so, host names least (any code may mention a host).
fn technique(kind: &str) -> (&'static str, f64) {
    match kind {
        "package" => ("binary-analysis", 0.8),
        "component" | "meta_data" | "manifest" => ("manifest-analysis", 0.8),
        "native" => ("filename", 0.6),
        "asset" => ("filename", 0.5),
        "host" => ("binary-analysis", 0.4),
        _ => ("other", 0.3),
    }
}

fn evidence_text(e: &Evidence) -> String {
    match &e.location {
        Some(l) if !l.is_empty() => format!("{}: {} @ {}", e.kind, e.value, l),
        _ => format!("{}: {}", e.kind, e.value),
    }
}

fn occurrence(input: &Input<'_>, e: &Evidence) -> Option<Value> {
    let loc = e.location.as_deref().filter(|l| !l.is_empty());
    let (location, symbol, context): (String, Option<&str>, Option<&str>) = match e.kind.as_str() {
        "package" => ("dex".into(), loc, None),
        "component" => (MANIFEST.into(), Some(e.value.as_str()), loc),
        "meta_data" => (MANIFEST.into(), loc, Some(e.value.as_str())),
        "manifest" => (MANIFEST.into(), loc, Some(e.value.as_str())),
        "native" | "asset" => (loc?.to_string(), None, None),
        "host" => {
            let place = places(input.facts, e).into_iter().next();
            let location = place
                .map(|p| p.qualified)
                .or_else(|| loc.map(str::to_string))?;
            (location, Some(e.value.as_str()), None)
        }
        _ => return None,
    };
    let mut o = Map::new();
    o.insert("location".into(), json!(location));
    if let Some(s) = symbol.filter(|s| !s.is_empty()) {
        o.insert("symbol".into(), json!(s));
    }
    if let Some(c) = context.filter(|s| !s.is_empty()) {
        o.insert("additionalContext".into(), json!(c));
    }
    Some(Value::Object(o))
}

fn evidence(input: &Input<'_>, name: &str, ev: &[Evidence]) -> Value {
    let methods: Vec<Value> = ev
        .iter()
        .map(|e| {
            let (t, c) = technique(&e.kind);
            json!({ "technique": t, "confidence": c, "value": evidence_text(e) })
        })
        .collect();
    // Independent pieces of evidence: 1 − Π(1 − cᵢ).
    let miss: f64 = ev.iter().map(|e| 1.0 - technique(&e.kind).1).product();
    let confidence = ((1.0 - miss) * 100.0).round() / 100.0;
    let occurrences: Vec<Value> = ev.iter().filter_map(|e| occurrence(input, e)).collect();
    let mut out = Map::new();
    out.insert(
        "identity".into(),
        json!([{
            "field": "name",
            "confidence": confidence,
            "concludedValue": name,
            "methods": methods,
            "tools": ["tool:appgov"],
        }]),
    );
    if !occurrences.is_empty() {
        out.insert("occurrences".into(), Value::Array(occurrences));
    }
    Value::Object(out)
}

fn sdk_component(input: &Input<'_>, s: &SdkHit, r: &str) -> Value {
    let mut c = Map::new();
    c.insert("type".into(), json!("library"));
    c.insert("bom-ref".into(), json!(r));
    c.insert("supplier".into(), json!({ "name": s.vendor }));
    c.insert("publisher".into(), json!(s.vendor));
    c.insert("group".into(), json!(s.vendor));
    c.insert("name".into(), json!(s.name));
    if let Some(v) = s.version.as_ref().filter(|v| !v.is_empty()) {
        c.insert("version".into(), json!(v));
    }
    c.insert(
        "description".into(),
        json!(format!("{} — {}（{}）", s.name, s.name_zh, s.category_zh)),
    );
    let mut p = Vec::new();
    prop(&mut p, "sdk_id", &s.id);
    prop(&mut p, "name_zh", &s.name_zh);
    prop(&mut p, "vendor_zh", &s.vendor_zh);
    prop(&mut p, "category", &s.category);
    prop(&mut p, "category_zh", &s.category_zh);
    let collects = serde_json::to_value(s.collects_pi)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    prop(&mut p, "collects_pi", collects);
    for id in &s.pi {
        prop(&mut p, "pi", id);
        if let Some(cat) = input.knowledge.pi_category(id) {
            prop(&mut p, "pi_zh", &cat.name_zh);
        }
    }
    for e in &s.evidence {
        prop(&mut p, "evidence", evidence_text(e));
    }
    c.insert("properties".into(), Value::Array(p));
    c.insert("evidence".into(), evidence(input, &s.name, &s.evidence));
    Value::Object(c)
}

fn packer_component(input: &Input<'_>, pk: &PackerHit, r: &str) -> Value {
    let mut c = Map::new();
    c.insert("type".into(), json!("library"));
    c.insert("bom-ref".into(), json!(r));
    c.insert("supplier".into(), json!({ "name": pk.vendor }));
    c.insert("publisher".into(), json!(pk.vendor));
    c.insert("group".into(), json!(pk.vendor));
    c.insert("name".into(), json!(pk.name));
    c.insert(
        "description".into(),
        json!(format!("{} — {}", pk.name, pk.name_zh)),
    );
    let mut p = Vec::new();
    prop(&mut p, "packer", "true");
    prop(&mut p, "packer_id", &pk.id);
    prop(&mut p, "packer_kind", &pk.kind);
    prop(&mut p, "name_zh", &pk.name_zh);
    prop(&mut p, "hides_dex", pk.hides_dex);
    for e in &pk.evidence {
        prop(&mut p, "evidence", evidence_text(e));
    }
    c.insert("properties".into(), Value::Array(p));
    c.insert("evidence".into(), evidence(input, &pk.name, &pk.evidence));
    Value::Object(c)
}

fn native_component(lib: &NativeLib, r: &str) -> Value {
    let mut c = Map::new();
    c.insert("type".into(), json!("library"));
    c.insert("bom-ref".into(), json!(r));
    c.insert("name".into(), json!(file_name(&lib.path)));
    if let Some(h) = hashes(&[("SHA-256", &lib.sha256, 64)]) {
        c.insert("hashes".into(), h);
    }
    let mut p = Vec::new();
    prop(&mut p, "native", "true");
    prop(&mut p, "path", &lib.path);
    prop(&mut p, "abi", &lib.abi);
    prop(&mut p, "size", lib.size);
    if let Some(m) = &lib.machine {
        prop(&mut p, "machine", m);
    }
    if let Some(s) = &lib.soname {
        prop(&mut p, "soname", s);
    }
    for n in &lib.needed {
        prop(&mut p, "needed", n);
    }
    for (name, v) in [
        ("nx", lib.nx),
        ("pie", lib.pie),
        ("stack_canary", lib.stack_canary),
        ("fortify", lib.fortify),
        ("stripped", lib.stripped),
        ("page_16k_compatible", lib.page_16k_compatible),
    ] {
        if let Some(v) = v {
            prop(&mut p, name, v);
        }
    }
    if let Some(relro) = &lib.relro {
        prop(&mut p, "relro", relro);
    }
    if let Some(e) = &lib.error {
        prop(&mut p, "error", e);
    }
    c.insert("properties".into(), Value::Array(p));
    c.insert(
        "evidence".into(),
        json!({ "occurrences": [{ "location": lib.path }] }),
    );
    Value::Object(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_numbers_are_version_5_uuids_of_the_digest() {
        let mut f = Facts::default();
        f.input.sha256 = "ab".repeat(32);
        let a = serial_number(&f);
        assert_eq!(a, serial_number(&f));
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        assert_eq!(&a[9 + 14..9 + 15], "5", "{a}");
        assert!(matches!(&a[9 + 19..9 + 20], "8" | "9" | "a" | "b"), "{a}");
        f.input.file_name = "other-name.apk".into();
        assert_eq!(a, serial_number(&f), "the name does not matter");
        f.input.sha256 = "cd".repeat(32);
        assert_ne!(a, serial_number(&f));
        f.input.sha256.clear();
        assert_ne!(a, serial_number(&f));
    }
}
