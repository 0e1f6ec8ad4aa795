//! Corpus tests: every package parses without panicking, and facts agree with `aapt`.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use appgov_axml::*;

/// Facts comparable with `aapt dump badging`.
#[derive(Debug, Default, PartialEq)]
struct Badging {
    package: Option<String>,
    version_code: Option<String>,
    version_name: Option<String>,
    min_sdk: Option<String>,
    target_sdk: Option<String>,
    permissions: BTreeSet<String>,
    label: Option<String>,
    label_zh_cn: Option<String>,
    /// Permissions aapt adds for old target SDKs (`uses-implied-permission`).
    implied: BTreeSet<String>,
}

fn sdk_text(a: &XmlAttribute) -> String {
    match &a.value {
        Value::String(s) => s.clone(),
        v => v
            .as_i64()
            .map_or_else(|| v.to_display_string(), |i| i.to_string()),
    }
}

fn text_of(a: &XmlAttribute, table: Option<&ResourceTable>, pref: &LocalePref) -> Option<String> {
    match (&a.value, table) {
        (Value::Reference(id), Some(t)) => t.resolve_string(*id, pref),
        (Value::Reference(_), None) => None,
        _ => Some(a.string_value()),
    }
}

fn our_badging(doc: &XmlDocument, table: Option<&ResourceTable>) -> Badging {
    let mut b = Badging::default();
    let Some(root) = &doc.root else { return b };
    let def = LocalePref::default_locale();
    b.package = doc.package_name();
    b.version_code = root
        .android_attr("versionCode")
        .and_then(|a| a.value.as_i64())
        .map(|v| v.to_string());
    b.version_name = root
        .android_attr("versionName")
        .and_then(|a| text_of(a, table, &def));
    if let Some(sdk) = root.child("uses-sdk") {
        b.min_sdk = sdk.android_attr("minSdkVersion").map(sdk_text);
        b.target_sdk = sdk.android_attr("targetSdkVersion").map(sdk_text);
    }
    for p in root.children_named("uses-permission") {
        if let Some(n) = p.android_str("name") {
            b.permissions.insert(n);
        }
    }
    if let Some(l) = root
        .child("application")
        .and_then(|a| a.android_attr("label"))
    {
        b.label = text_of(l, table, &def);
        b.label_zh_cn = text_of(l, table, &LocalePref::zh_cn());
    }
    b
}

fn quoted<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("{key}='"))? + key.len() + 2;
    let rest = line.get(start..)?;
    rest.get(..rest.find('\'')?)
}

fn aapt_badging(out: &str) -> Badging {
    let mut b = Badging::default();
    for line in out.lines() {
        if let Some(l) = line.strip_prefix("package: ") {
            b.package = quoted(l, "name").map(str::to_string);
            b.version_code = quoted(l, "versionCode")
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            b.version_name = quoted(l, "versionName")
                .filter(|s| !s.is_empty())
                .map(str::to_string);
        } else if let Some(v) = line.strip_prefix("sdkVersion:'") {
            b.min_sdk = v.strip_suffix('\'').map(str::to_string);
        } else if let Some(v) = line.strip_prefix("targetSdkVersion:'") {
            b.target_sdk = v.strip_suffix('\'').map(str::to_string);
        } else if let Some(l) = line.strip_prefix("uses-permission: ") {
            if let Some(n) = quoted(l, "name") {
                b.permissions.insert(n.to_string());
            }
        } else if let Some(l) = line.strip_prefix("uses-implied-permission: ") {
            if let Some(n) = quoted(l, "name") {
                b.implied.insert(n.to_string());
            }
        } else if let Some(v) = line.strip_prefix("application-label:'") {
            b.label = v.strip_suffix('\'').map(str::to_string);
        } else if let Some(v) = line.strip_prefix("application-label-zh-CN:'") {
            b.label_zh_cn = v.strip_suffix('\'').map(str::to_string);
        }
    }
    b
}

type Parsed = (
    Option<Result<XmlDocument, AxmlError>>,
    Option<Result<ResourceTable, ArscError>>,
);

fn apk_docs(zip: &[u8]) -> Parsed {
    let l = Limits::default();
    let m = common::entry(zip, "AndroidManifest.xml").map(|d| parse_axml(&d, &l));
    let r = common::entry(zip, "resources.arsc").map(|d| parse_arsc(&d, &l));
    (m, r)
}

/// Parses every manifest, XML resource and resource table in every package of the corpus
/// (including XAPK inner APKs): no panics, and every manifest that exists yields a package.
#[test]
fn every_corpus_package_parses() {
    let Some(root) = common::corpus() else { return };
    let l = Limits::default();
    let (mut manifests, mut tables, mut xmls, mut errors) = (0, 0, 0, 0);
    let mut stack: Vec<(String, Vec<u8>)> = common::corpus_packages(&root)
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    assert!(stack.len() >= 60, "corpus has {} packages", stack.len());
    while let Some((name, zip)) = stack.pop() {
        for (entry, data) in common::zip_entries(&zip) {
            let proto = entry.starts_with("base/") || entry.contains("/manifest/");
            if entry == "AndroidManifest.xml" || entry.ends_with("/manifest/AndroidManifest.xml") {
                let r = if proto {
                    parse_proto_xml(&data, &l)
                } else {
                    parse_axml(&data, &l)
                };
                match r {
                    Ok(doc) => {
                        manifests += 1;
                        assert!(
                            doc.package_name().is_some(),
                            "{name}: {entry} has no package"
                        );
                        let _ = doc.to_xml_string();
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("{name}: {entry}: {e}");
                    }
                }
            } else if entry == "resources.arsc" || entry.ends_with("/resources.pb") {
                let r = if entry.ends_with(".pb") {
                    parse_proto_table(&data, &l)
                } else {
                    parse_arsc(&data, &l)
                };
                match r {
                    Ok(t) => {
                        tables += 1;
                        for id in [0x7f01_0000, 0x7f02_0000, 0x7f0e_0029] {
                            let _ = t.resolve_string(id, &LocalePref::zh_cn());
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        eprintln!("{name}: {entry}: {e}");
                    }
                }
            } else if entry.contains("res/xml/") && entry.ends_with(".xml") {
                let r = if proto {
                    parse_proto_xml(&data, &l)
                } else {
                    parse_axml(&data, &l)
                };
                if r.is_ok() {
                    xmls += 1;
                }
            } else if entry.ends_with(".apk") && name.ends_with(".xapk") {
                stack.push((format!("{name}!{entry}"), data));
            }
        }
    }
    eprintln!("manifests {manifests}, tables {tables}, xml resources {xmls}, errors {errors}");
    assert!(manifests >= 60, "only {manifests} manifests parsed");
    assert!(tables >= 50, "only {tables} tables parsed");
    assert!(xmls >= 50, "only {xmls} xml resources parsed");
}

/// Package, versions, SDKs, permissions and labels agree with `aapt dump badging`.
#[test]
fn badging_matches_aapt() {
    let Some(root) = common::corpus() else { return };
    let mut compared = 0;
    let mut labels = 0;
    for path in common::corpus_packages(&root) {
        if path.extension().and_then(|e| e.to_str()) != Some("apk") {
            continue;
        }
        let Some(out) = common::aapt_badging(&path) else {
            return;
        };
        let theirs = aapt_badging(&out);
        if theirs.package.is_none() {
            continue; // aapt could not read it
        }
        let zip = std::fs::read(&path).unwrap();
        let (Some(Ok(doc)), table) = apk_docs(&zip) else {
            panic!("{}: aapt reads it but we do not", path.display());
        };
        let table = table.and_then(Result::ok);
        let ours = our_badging(&doc, table.as_ref());
        let name = path.display();
        assert_eq!(ours.package, theirs.package, "{name}");
        assert_eq!(ours.version_code, theirs.version_code, "{name}");
        assert_eq!(ours.version_name, theirs.version_name, "{name}");
        assert_eq!(
            ours.min_sdk,
            theirs.min_sdk.clone().or(ours.min_sdk.clone()),
            "{name}"
        );
        if theirs.target_sdk.is_some() && ours.target_sdk.is_some() {
            assert_eq!(ours.target_sdk, theirs.target_sdk, "{name}");
        }
        let extra: BTreeSet<_> = theirs.permissions.difference(&ours.permissions).collect();
        assert!(ours.permissions.is_subset(&theirs.permissions), "{name}");
        assert!(
            extra.iter().all(|p| theirs.implied.contains(*p)),
            "{name}: {extra:?}"
        );
        if theirs.label.as_deref().is_some_and(|l| !l.is_empty()) {
            assert_eq!(ours.label, theirs.label, "{name}");
            labels += 1;
        }
        if theirs.label_zh_cn.is_some() {
            assert_eq!(ours.label_zh_cn, theirs.label_zh_cn, "{name} zh-CN");
        }
        compared += 1;
    }
    eprintln!("compared {compared} APKs with aapt ({labels} labels)");
    assert!(compared >= 40, "only {compared} APKs compared");
    assert!(labels >= 25, "only {labels} labels compared");
}

fn read(root: &Path, f: &str) -> Vec<u8> {
    std::fs::read(root.join(f)).unwrap()
}

#[test]
fn android_project_chinese_label_and_configs() {
    let Some(root) = common::corpus() else { return };
    let zip = read(&root, "apk/androidproject__AndroidProject.apk");
    let (Some(Ok(doc)), Some(Ok(t))) = apk_docs(&zip) else {
        panic!()
    };
    let app = doc.root.as_ref().unwrap().child("application").unwrap();
    let label = app.attr_by_id(attrs::LABEL).unwrap();
    assert_eq!(label.value, Value::Reference(0x7f0e_0029));
    assert_eq!(
        t.entry_name(0x7f0e_0029).as_deref(),
        Some("string/app_name")
    );
    assert_eq!(
        t.full_name(0x7f0e_0029).as_deref(),
        Some("com.hjq.demo:string/app_name")
    );
    assert_eq!(t.id_of("string", "app_name"), Some(0x7f0e_0029));
    assert_eq!(t.id_of_name("@string/app_name"), Some(0x7f0e_0029));
    assert_eq!(
        t.resolve_string(0x7f0e_0029, &LocalePref::zh_cn())
            .as_deref(),
        Some("模板工程")
    );
    // Icon: three densities; the default preference picks the highest.
    let icon = app
        .attr_by_id(attrs::ICON)
        .unwrap()
        .value
        .as_reference()
        .unwrap();
    assert_eq!(t.entry_name(icon).as_deref(), Some("mipmap/ic_launcher"));
    let qs: Vec<String> = t.values(icon).iter().map(|(c, _)| c.qualifiers()).collect();
    assert_eq!(qs, ["hdpi", "xhdpi", "xxhdpi"]);
    assert_eq!(
        t.resolve_string(icon, &LocalePref::default()).as_deref(),
        Some("res/mipmap-xxhdpi-v4/ic_launcher.png")
    );
    let hdpi = LocalePref {
        density: 240,
        ..LocalePref::default()
    };
    assert_eq!(
        t.resolve_string(icon, &hdpi).as_deref(),
        Some("res/mipmap-hdpi-v4/ic_launcher.png")
    );
    // Same 118 configurations aapt lists, incl. zh-rCN and b+sr+Latn.
    assert_eq!(t.configs().len(), 118);
    let all: BTreeSet<String> = t.configs().iter().map(Config::qualifiers).collect();
    for q in [
        "zh-rCN",
        "b+sr+Latn",
        "xxhdpi",
        "v21",
        "night",
        "ldrtl-xxxhdpi-v17",
        "watch-v20",
        "sw600dp",
    ] {
        assert!(all.contains(q), "missing {q}");
    }
    assert!(t.locales().contains(&"zh-CN".to_string()));
    assert!(doc.anomalies.is_empty() && t.anomalies().is_empty());
    // Serialised XML names attributes and keeps the package.
    let xml = doc.to_xml_string();
    assert!(xml.contains("package=\"com.hjq.demo\""));
    assert!(xml.contains("<uses-permission android:name=\"android.permission.CAMERA\" />"));
}

#[test]
fn compact_entry_sample_resolves() {
    let Some(root) = common::corpus() else { return };
    let zip = read(&root, "apk-malformed/androguard__compact-entry.apk");
    let (Some(Ok(doc)), Some(Ok(t))) = apk_docs(&zip) else {
        panic!()
    };
    assert_eq!(doc.package_name().as_deref(), Some("com.erev0s"));
    let app = doc.root.as_ref().unwrap().child("application").unwrap();
    let id = app
        .attr_by_id(attrs::LABEL)
        .unwrap()
        .value
        .as_reference()
        .unwrap();
    assert_eq!(id, 0x7f01_0000);
    assert_eq!(t.entry_name(id).as_deref(), Some("string/app_name"));
    assert_eq!(
        t.resolve_string(id, &LocalePref::default()).as_deref(),
        Some("erev0s.com-CompactEntry")
    );
    let uses_sdk = doc.root.as_ref().unwrap().child("uses-sdk").unwrap();
    assert_eq!(
        uses_sdk.attr_by_id(attrs::MIN_SDK_VERSION).unwrap().value,
        Value::Int(34)
    );
}

#[test]
fn short_name_manifest() {
    let Some(root) = common::corpus() else { return };
    let zip = read(
        &root,
        "apk-malformed/androguard__AndroidManifest_ShortName.apk",
    );
    let (Some(Ok(doc)), _) = apk_docs(&zip) else {
        panic!()
    };
    let r = doc.root.as_ref().unwrap();
    assert_eq!(doc.package_name().as_deref(), Some("com.android.galaxy4"));
    assert_eq!(r.android_str("versionName").as_deref(), Some("1.0"));
    let app = r.child("application").unwrap();
    let names: Vec<String> = app
        .children
        .iter()
        .filter_map(|c| c.android_str("name"))
        .collect();
    assert_eq!(names, [".Galaxy4", ".Galaxy4Wallpaper"]);
    let svc = app.child("service").unwrap();
    assert_eq!(
        svc.android_str("permission").as_deref(),
        Some("android.permission.BIND_WALLPAPER")
    );
}

/// The tampered-header sample still yields its manifest (document type field zeroed).
#[test]
fn apkinspector_minimal_def_mod() {
    let Some(root) = common::corpus() else { return };
    let zip = read(&root, "apk-malformed/apkinspector__minimal_def_mod.apk");
    let (Some(Ok(doc)), Some(Ok(t))) = apk_docs(&zip) else {
        panic!()
    };
    assert_eq!(doc.package_name().as_deref(), Some("com.erev0s.minimal"));
    assert!(doc.has_anomaly(AnomalyKind::XmlWrongMagic));
    assert!(!doc.android_would_reject);
    let r = doc.root.as_ref().unwrap();
    assert_eq!(
        r.child("uses-sdk")
            .unwrap()
            .android_attr("targetSdkVersion")
            .unwrap()
            .value,
        Value::Int(33)
    );
    let app = r.child("application").unwrap();
    let label = app
        .android_attr("label")
        .unwrap()
        .value
        .as_reference()
        .unwrap();
    assert_eq!(
        t.resolve_string(label, &LocalePref::default()).as_deref(),
        Some("erev0s.com - Minimal")
    );
    // Same facts as the untampered original.
    let orig = read(&root, "apk-malformed/apkinspector__minimal_orig.apk");
    let (Some(Ok(o)), _) = apk_docs(&orig) else {
        panic!()
    };
    assert_eq!(o.to_xml_string(), doc.to_xml_string());
}

fn aab_docs(zip: &[u8]) -> (XmlDocument, ResourceTable) {
    let l = Limits::default();
    let m = common::entry(zip, "base/manifest/AndroidManifest.xml").unwrap();
    let r = common::entry(zip, "base/resources.pb").unwrap();
    (
        parse_proto_xml(&m, &l).unwrap(),
        parse_proto_table(&r, &l).unwrap(),
    )
}

/// The BuddhaQuotes bundle and APK give the same facts and the same string values.
#[test]
fn buddhaquotes_bundle_matches_apk() {
    let Some(root) = common::corpus() else { return };
    let (adoc, atab) = aab_docs(&read(&root, "aab/buddhaquotes__v1.6.0-app-release.aab"));
    assert_eq!(adoc.format, XmlFormat::Proto);
    let apk = read(&root, "apk/buddhaquotes__v1.6.0.apk");
    let (Some(Ok(pdoc)), Some(Ok(ptab))) = apk_docs(&apk) else {
        panic!()
    };
    let a = our_badging(&adoc, Some(&atab));
    let p = our_badging(&pdoc, Some(&ptab));
    assert_eq!(a.package.as_deref(), Some("org.bandev.buddhaquotes"));
    assert_eq!(a.version_code.as_deref(), Some("1010"));
    assert_eq!(a.version_name.as_deref(), Some("v1.6.0"));
    assert_eq!(a.min_sdk.as_deref(), Some("21"));
    assert_eq!(a.target_sdk.as_deref(), Some("30"));
    assert_eq!(a.label.as_deref(), Some("Buddha Quotes"));
    assert_eq!(a, p);
    // Same configurations, and every default string resolves identically.
    let aq: BTreeSet<String> = atab.configs().iter().map(Config::qualifiers).collect();
    let pq: BTreeSet<String> = ptab.configs().iter().map(Config::qualifiers).collect();
    assert_eq!(aq, pq);
    assert_eq!(atab.locales(), ptab.locales());
    let mut checked = 0;
    for entry in 0..0x700u32 {
        let id = 0x7f12_0000 | entry;
        let Some(name) = ptab.entry_name(id) else {
            continue;
        };
        let aid = atab
            .id_of_name(&name)
            .unwrap_or_else(|| panic!("{name} missing in bundle"));
        for pref in [
            LocalePref::default(),
            LocalePref::zh_cn(),
            LocalePref::from_tag("de"),
        ] {
            assert_eq!(
                atab.resolve_string(aid, &pref),
                ptab.resolve_string(id, &pref),
                "{name}"
            );
        }
        checked += 1;
    }
    assert!(checked > 500, "only {checked} strings compared");
}

#[test]
fn watch_face_bundle() {
    let Some(root) = common::corpus() else { return };
    let (doc, t) = aab_docs(&read(&root, "aab/bundletool__watch-face-from-tool.aab"));
    let r = doc.root.as_ref().unwrap();
    assert_eq!(
        doc.package_name().as_deref(),
        Some("com.watchfacestudio.testinstall")
    );
    assert_eq!(
        r.attr_by_id(attrs::VERSION_CODE).unwrap().value,
        Value::Int(10_000_001)
    );
    assert_eq!(r.android_str("versionName").as_deref(), Some("1.0.0"));
    let perms: Vec<String> = r
        .children_named("uses-permission")
        .filter_map(|p| p.android_str("name"))
        .collect();
    assert_eq!(perms.len(), 12);
    assert!(perms.contains(&"android.permission.BODY_SENSORS".to_string()));
    let label = r
        .child("application")
        .unwrap()
        .android_attr("label")
        .unwrap();
    let id = label.value.as_reference().unwrap();
    let text = t.resolve_string(id, &LocalePref::default()).unwrap();
    assert!(!text.is_empty());
    eprintln!("watch face label {:?} = {text:?}", t.entry_name(id));
}
