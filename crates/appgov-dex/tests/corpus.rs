//! Corpus tests: every dex inside the corpus packages parses (or fails with
//! a clean error), and selected files match `dexdump` (Debian dexdump
//! 11.0.0+r48-5) and Python's `hashlib`/`zlib` checks of the header.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use appgov_dex::{AnomalyKind, Limits, parse};
use sha2::Digest;

fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: ../shared/corpus not found");
        None
    }
}

/// Manifest file → sha256, so tests only trust files that are unchanged.
fn manifest(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?.to_owned(), cols.next()?.to_owned()))
        })
        .collect()
}

fn read_checked(dir: &Path, rel: &str, sums: &BTreeMap<String, String>) -> Vec<u8> {
    let data = std::fs::read(dir.join(rel)).expect("corpus file readable");
    let want = sums.get(rel).expect("file listed in MANIFEST.tsv");
    let got: String = sha2::Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(&got, want, "{rel} changed on disk");
    data
}

/// All `.dex` entries of a zip, and of zips nested in it (XAPK splits).
fn dex_entries(zip_bytes: &[u8], label: &str, out: &mut Vec<(String, Vec<u8>)>, depth: u32) {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)) else {
        eprintln!("{label}: zip crate cannot open it (not a dex problem)");
        return;
    };
    for i in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(i) else {
            continue;
        };
        let Ok(name) = entry.name().map(|n| n.to_string()) else {
            continue;
        };
        let nested = name.ends_with(".apk") && depth == 0;
        if !name.ends_with(".dex") && !nested {
            continue;
        }
        let mut buf = Vec::new();
        if entry.read_to_end(&mut buf).is_err() {
            eprintln!("{label}!/{name}: cannot inflate");
            continue;
        }
        if nested {
            dex_entries(&buf, &format!("{label}!/{name}"), out, depth + 1);
        } else {
            out.push((format!("{label}!/{name}"), buf));
        }
    }
}

fn dex_of(dir: &Path, rel: &str, entry: &str) -> Vec<u8> {
    let sums = manifest(dir);
    let data = read_checked(dir, rel, &sums);
    let mut all = Vec::new();
    dex_entries(&data, rel, &mut all, 0);
    all.into_iter()
        .find(|(n, _)| n.ends_with(&format!("!/{entry}")))
        .map(|(_, d)| d)
        .expect("dex entry present")
}

/// Exercises every API on one dex; must never panic.
fn exercise(label: &str, data: &[u8]) -> Option<appgov_dex::DexSummary> {
    let dex = match parse(data, &Limits::default()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{label}: {e}");
            return None;
        }
    };
    let strings = dex.strings().count();
    assert_eq!(strings, dex.string_count() as usize);
    let mut classes = 0;
    for c in dex.classes() {
        classes += 1;
        let _ = (
            c.name(),
            c.superclass(),
            c.interfaces(),
            c.source_file(),
            c.methods(),
        );
    }
    assert_eq!(classes, dex.class_count() as usize);
    assert_eq!(dex.method_refs().count(), dex.method_count() as usize);
    assert_eq!(dex.field_refs().count(), dex.field_count() as usize);
    for p in 0..dex.proto_count() {
        assert!(dex.proto(p).is_some(), "{label}: proto {p}");
    }
    Some(dex.summary())
}

#[test]
fn every_corpus_dex_parses() {
    let Some(dir) = corpus_dir() else { return };
    let sums = manifest(&dir);
    let mut dex_count = 0;
    let mut parsed = 0;
    for rel in sums.keys() {
        let folder = rel.split('/').next().unwrap_or("");
        if !["apk", "apk-signing", "apk-malformed", "aab", "xapk"].contains(&folder)
            || rel.ends_with(".idsig")
        {
            continue;
        }
        let data = read_checked(&dir, rel, &sums);
        // The raw package is not dex: it must be refused cleanly.
        assert!(parse(&data, &Limits::default()).is_err());
        let mut entries = Vec::new();
        dex_entries(&data, rel, &mut entries, 0);
        for (label, bytes) in entries {
            dex_count += 1;
            if let Some(summary) = exercise(&label, &bytes) {
                parsed += 1;
                // Every corpus dex is a plain, well-formed build output.
                assert_eq!(summary.checksum_valid, Some(true), "{label}");
                assert!(
                    summary.anomalies.iter().all(|a| matches!(
                        a.kind,
                        AnomalyKind::SignatureMismatch | AnomalyKind::ShortClassNames
                    )),
                    "{label}: {:?}",
                    summary.anomalies
                );
            }
        }
    }
    // 83 dex in the top-level packages + 3 in XAPK splits (counted with
    // Python's zipfile; the zip crate may refuse a few tampered archives).
    assert!(dex_count >= 80, "found only {dex_count} dex files");
    assert_eq!(parsed, dex_count);
}

/// Numbers from `dexdump` (classes, member counts from its class listing)
/// and `dexdump -f` (header); signature/checksum checked with Python's
/// hashlib.sha1 / zlib.adler32 over the same byte ranges.
#[test]
fn uncrackable_level3_matches_dexdump() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/mastg__UnCrackable-Level3.apk", "classes.dex");
    let dex = parse(&data, &Limits::default()).expect("parses");
    let s = dex.summary();
    assert_eq!(s.version, 35);
    assert_eq!(s.file_size, 1_934_860);
    assert_eq!(s.classes, 1396);
    assert_eq!(s.defined_methods, 3501 + 7681);
    assert_eq!(s.defined_fields, 7522 + 3493);
    assert_eq!(s.native_methods, 3);
    assert_eq!(s.checksum_valid, Some(true));
    // The SHA-1 in this file's header is stale (hashlib agrees).
    assert_eq!(s.signature_valid, Some(false));
    assert!(
        s.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::SignatureMismatch)
    );
    let first = dex.classes().next().expect("a class");
    assert_eq!(first.name().as_deref(), Some("android.arch.core.R"));
    let last = dex.classes().last().expect("a class");
    assert_eq!(
        last.descriptor().as_deref(),
        Some("Lsg/vantagepoint/uncrackable3/MainActivity;")
    );
    assert!(
        s.packages
            .iter()
            .any(|p| p.name == "sg.vantagepoint.uncrackable3" && p.classes > 0)
    );
    // Native JNI methods are visible as method refs.
    let natives: Vec<String> = dex
        .classes()
        .filter_map(|c| c.methods())
        .flatten()
        .filter(|m| m.access_flags & 0x0100 != 0)
        .filter_map(|m| dex.method_ref(m.method_idx))
        .map(|m| format!("{}.{}{}", m.class_name(), m.name, m.signature))
        .collect();
    assert!(
        natives.contains(&"sg.vantagepoint.uncrackable3.MainActivity.init([B)V".to_owned()),
        "{natives:?}"
    );
}

#[test]
fn uncrackable_level1_header_and_classes() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/mastg__UnCrackable-Level1.apk", "classes.dex");
    let dex = parse(&data, &Limits::default()).expect("parses");
    let h = dex.header();
    // dexdump -f
    assert_eq!(h.checksum, 0x7fb7_d9fa);
    assert_eq!((h.string_ids.size, h.string_ids.off), (123, 0x70));
    assert_eq!((h.type_ids.size, h.type_ids.off), (40, 0x25c));
    assert_eq!((h.proto_ids.size, h.proto_ids.off), (38, 0x2fc));
    assert_eq!((h.field_ids.size, h.field_ids.off), (4, 0x4c4));
    assert_eq!((h.method_ids.size, h.method_ids.off), (55, 0x4e4));
    assert_eq!((h.class_defs.size, h.class_defs.off), (7, 0x69c));
    assert_eq!((h.data.size, h.data.off), (3612, 0x77c));
    assert!(h.signature.starts_with("b7fa") && h.signature.ends_with("bec7"));
    let s = dex.summary();
    assert_eq!(s.classes, 7);
    assert_eq!(s.defined_methods, 11 + 4);
    assert_eq!(s.defined_fields, 2);
    let c0 = dex.classes().next().expect("class 0");
    assert_eq!(c0.descriptor().as_deref(), Some("Lsg/vantagepoint/a/a;"));
    assert_eq!(c0.superclass().as_deref(), Some("Ljava/lang/Object;"));
    assert_eq!(c0.source_file(), None);
    let m = c0.methods().expect("methods");
    let r = dex.method_ref(m[0].method_idx).expect("ref");
    assert_eq!((r.name.as_ref(), r.signature.as_str()), ("a", "([B[B)[B"));
    // Framework calls are visible: root detection reads android.os.Build.
    assert!(dex.method_refs().any(|m| m.class.starts_with("Landroid/")));
    assert!(dex.strings().any(|s| s == "/system/app/Superuser.apk"));
}

#[test]
fn dexguard_is_flagged_as_obfuscated() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/apkid__dexguard_6_1.apk", "classes.dex");
    let dex = parse(&data, &Limits::default()).expect("parses");
    let s = dex.summary();
    assert_eq!(s.classes, 560);
    assert_eq!(s.defined_methods, 1411 + 3018);
    assert_eq!(s.defined_fields, 1045 + 1333);
    assert!(
        s.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::ShortClassNames)
    );
    // DexGuard's Unicode class names, as dexdump prints them.
    let first = dex.classes().next().expect("class");
    assert_eq!(first.descriptor().as_deref(), Some("Lo/ۥ$ˊ;"));
}

#[test]
fn bangcle_and_invalid_match_dexdump() {
    let Some(dir) = corpus_dir() else { return };
    let data = dex_of(&dir, "apk/bangcle__bangcle_demo.apk", "classes.dex");
    let s = parse(&data, &Limits::default()).expect("parses").summary();
    assert_eq!(
        (s.classes, s.defined_methods, s.defined_fields),
        (14, 24, 12)
    );
    assert_eq!(s.native_methods, 2);
    assert!(s.packages.iter().any(|p| p.name == "com.storm.fengyue"));

    let data = dex_of(&dir, "apk-malformed/androguard__Invalid.apk", "classes.dex");
    let s = parse(&data, &Limits::default()).expect("parses").summary();
    assert_eq!(
        (s.classes, s.defined_methods, s.defined_fields),
        (286, 676 + 1588, 254 + 428)
    );
}

/// When `dexdump` is installed, compare every class and defined method of a
/// few files against it.
#[test]
fn live_dexdump_comparison() {
    let Some(dir) = corpus_dir() else { return };
    if std::process::Command::new("dexdump")
        .arg("-h")
        .output()
        .is_err()
    {
        eprintln!("skipping: dexdump not installed");
        return;
    }
    let tmp = std::env::temp_dir().join(format!("appgov-dex-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    for (rel, entry) in [
        ("apk/mastg__UnCrackable-Level3.apk", "classes.dex"),
        ("apk/apkid__dexguard_6_1.apk", "classes.dex"),
        ("apk/bangcle__bangcle_demo.apk", "classes.dex"),
        ("apk-malformed/androguard__Invalid.apk", "classes.dex"),
        (
            "apk/npm-appium-settings__settings_apk-debug.apk",
            "classes3.dex",
        ),
    ] {
        let data = dex_of(&dir, rel, entry);
        let path = tmp.join("t.dex");
        std::fs::write(&path, &data).expect("write temp");
        let out = std::process::Command::new("dexdump")
            .arg(&path)
            .output()
            .expect("dexdump runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let mut expected = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.trim().strip_prefix("Class descriptor  : '") {
                expected.push(format!("class {}", rest.trim_end_matches('\'')));
            } else if let Some(rest) = line.trim().strip_prefix("#")
                && rest.contains(": (in L")
            {
                let class = rest
                    .split("(in ")
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches(')');
                let name = lines.next().unwrap_or("");
                let ty = lines.next().unwrap_or("");
                let q = |l: &str| l.split('\'').nth(1).unwrap_or("").to_owned();
                expected.push(format!("member {class} {} {}", q(name), q(ty)));
            }
        }
        let dex = parse(&data, &Limits::default()).expect("parses");
        let mut ours = Vec::new();
        for c in dex.classes() {
            let desc = c.descriptor().unwrap_or_default().into_owned();
            ours.push(format!("class {desc}"));
            let cd = c.class_data().unwrap_or_default();
            // dexdump lists fields before methods; emit in the same order.
            let _ = cd;
            for f in field_members(&dex, &c) {
                ours.push(f);
            }
            for m in c.methods().unwrap_or_default() {
                let r = dex.method_ref(m.method_idx).expect("method ref");
                ours.push(format!("member {} {} {}", r.class, r.name, r.signature));
            }
        }
        let ours_lossy: Vec<String> = ours
            .iter()
            .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
            .collect();
        assert_eq!(ours_lossy.len(), expected.len(), "{rel}");
        for (a, b) in ours_lossy.iter().zip(&expected) {
            if a.contains('\u{fffd}') || b.contains('\u{fffd}') {
                continue;
            }
            assert_eq!(a, b, "{rel}");
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Field members of a class, formatted like the dexdump comparison.
fn field_members(dex: &appgov_dex::Dex<'_>, class: &appgov_dex::ClassDef<'_, '_>) -> Vec<String> {
    class
        .fields()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| dex.field_ref(f))
        .map(|f| format!("member {} {} {}", f.class, f.name, f.type_descriptor))
        .collect()
}
