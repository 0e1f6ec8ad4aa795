//! Corpus tests: every real package parses and reads without panicking, and
//! the tampered ones show the anomalies we expect. Entry counts were taken
//! from `zipinfo -1`; anomaly expectations were checked against hexdumps.

use std::path::{Path, PathBuf};

use appgov_zip::{AnomalyKind as K, Limits, ZipArchive, ZipError};
use sha2::{Digest, Sha256};

fn corpus() -> Option<PathBuf> {
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

/// Reads a corpus file after checking its SHA-256 against MANIFEST.tsv.
fn load(dir: &Path, rel: &str) -> Vec<u8> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let want = manifest
        .lines()
        .find_map(|l| {
            let mut cols = l.split('\t');
            (cols.next() == Some(rel)).then(|| cols.next().unwrap_or("").to_owned())
        })
        .unwrap_or_else(|| panic!("{rel} not in MANIFEST.tsv"));
    let bytes = std::fs::read(dir.join(rel)).unwrap();
    let got: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(got, want, "sha256 of {rel}");
    bytes
}

/// Files in the folders this reader is responsible for.
fn package_files(dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|f| {
            ["apk/", "apk-signing/", "apk-malformed/", "aab/", "xapk/"]
                .iter()
                .any(|p| f.starts_with(p))
        })
        .map(str::to_owned)
        .collect()
}

/// Parses and reads every entry; returns (entries, read errors).
fn walk(bytes: &[u8]) -> Result<(usize, usize), ZipError> {
    let zip = ZipArchive::parse(&bytes, &Limits::default())?;
    let mut errors = 0;
    for e in zip.entries() {
        let full = zip.read(e);
        let head = zip.read_head(e, 64);
        let mut streamed = 0u64;
        let s = zip.stream(e, &mut |c| streamed += c.len() as u64);
        match (&full, &head, &s) {
            (Ok(data), Ok(h), Ok(n)) => {
                assert_eq!(*n, data.len() as u64, "{}", e.name);
                assert_eq!(h.as_slice(), &data[..data.len().min(64)], "{}", e.name);
            }
            _ => errors += 1,
        }
    }
    Ok((zip.entries().len(), errors))
}

/// (file, entry count from `zipinfo -1`)
const COUNTS: &[(&str, usize)] = &[
    (
        "apk/androguard__AndroguardTest-app-debug-androidTest.apk",
        38,
    ),
    ("apk/androguard__TC-debug.apk", 10),
    ("apk/androguard__Test-debug-unaligned.apk", 7),
    ("apk/androguard__TestActivity.apk", 10),
    ("apk/androguard__TestActivity_signed_both.apk", 10),
    ("apk/androguard__TestActivity_unsigned.apk", 7),
    ("apk/androguard__a2dp.Vol_137.apk", 48),
    ("apk/androguard__app-prod-debug.apk", 475),
    ("apk/androguard__com.android.example.text.styling.apk", 431),
    (
        "apk/androguard__com.example.android.wearable.wear.weardrawers.apk",
        240,
    ),
    ("apk/androguard__com.politedroid_4.apk", 11),
    ("apk/androguard__com.teleca.jamendo_35.apk", 149),
    ("apk/androguard__duplicate.permisssions_9999999.apk", 8),
    ("apk/androguard__hello-world.apk", 438),
    ("apk/androidproject__AndroidProject.apk", 637),
    ("apk/apkid__dexguard_6_1.apk", 257),
    ("apk/bangcle__bangcle_demo.apk", 12),
    ("apk/buddhaquotes__v1.6.0.apk", 933),
    ("apk/bundletool__com.test.app.apk", 13),
    ("apk/injuredandroid__injuredandroid.apk", 535),
    ("apk/insecurebankv2__app-release.apk", 585),
    ("apk/mastg__HelloWord-JNI.apk", 398),
    ("apk/mastg__UnCrackable-Level1.apk", 13),
    ("apk/mastg__UnCrackable-Level3.apk", 408),
    ("apk/mobsf__android.apk", 390),
    ("apk/npm-apidemos__ApiDemos-debug.apk", 880),
    ("apk/npm-appium-settings__settings_apk-debug.apk", 121),
    ("apk/npm-appium-unlock__unlock_apk-debug.apk", 11),
    (
        "apk/npm-uia2__appium-uiautomator2-server-debug-androidTest.apk",
        9,
    ),
    ("apk/vasdolly__v1-base-debug.apk", 396),
    ("apk/vasdolly__v2-base-debug.apk", 396),
    ("apk-signing/apksig__debuggable-boolean.apk", 6),
    ("apk-signing/apksig__debuggable-resource.apk", 6),
    ("apk-signing/apksig__golden-aligned-v1-out.apk", 9),
    (
        "apk-signing/apksig__golden-aligned-v1v2v3-lineage-out.apk",
        9,
    ),
    ("apk-signing/apksig__golden-aligned-v1v2v3-out.apk", 9),
    ("apk-signing/apksig__golden-aligned-v2-out.apk", 6),
    ("apk-signing/apksig__golden-aligned-v3-out.apk", 6),
    ("apk-signing/apksig__golden-unaligned-in.apk", 9),
    ("apk-signing/apksig__original.apk", 6),
    ("apk-signing/apksig__targetSandboxVersion-2.apk", 6),
    (
        "apk-signing/apksig__two-signers-second-signer-v2-broken.apk",
        8,
    ),
    ("apk-signing/apksig__two-signers.apk", 8),
    (
        "apk-signing/apksig__v1-only-with-dsa-sha256-2.16.840.1.101.3.4.3.2-1024.apk",
        6,
    ),
    (
        "apk-signing/apksig__v1-only-with-ecdsa-sha256-1.2.840.10045.4.3.2-p256.apk",
        6,
    ),
    (
        "apk-signing/apksig__v1-only-with-rsa-pkcs1-sha1-1.2.840.113549.1.1.1-2048.apk",
        6,
    ),
    (
        "apk-signing/apksig__v1v2v3-with-rsa-2048-lineage-3-signers.apk",
        6,
    ),
    ("apk-signing/apksig__v2-only-no-certs-in-sig.apk", 3),
    ("apk-signing/apksig__v2-only-with-ecdsa-sha256-p256.apk", 3),
    (
        "apk-signing/apksig__v2-only-with-rsa-pkcs1-sha256-2048-sig-does-not-verify.apk",
        3,
    ),
    (
        "apk-signing/apksig__v2-only-with-rsa-pss-sha256-2048.apk",
        3,
    ),
    (
        "apk-signing/apksig__v2-only-wrong-apk-sig-block-magic.apk",
        3,
    ),
    ("apk-signing/apksig__v2-stripped.apk", 6),
    (
        "apk-signing/apksig__v3-only-with-rsa-pkcs1-sha512-8192-digest-mismatch.apk",
        3,
    ),
    (
        "apk-signing/apksig__v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk",
        6,
    ),
    ("apk-malformed/androguard__AndroidManifest_ShortName.apk", 1),
    ("apk-malformed/androguard__CertChain.apk", 4),
    ("apk-malformed/androguard__Invalid.apk", 14),
    ("apk-malformed/androguard__compact-entry.apk", 2),
    ("apk-malformed/androguard__multidex.apk", 3),
    ("apk-malformed/apkinspector__eocd_at_offset_1026.apk", 8),
    ("apk-malformed/apkinspector__minimal_def_mod.apk", 24),
    ("apk-malformed/apkinspector__minimal_orig.apk", 23),
    ("apk-malformed/apksig__empty-unsigned.apk", 0),
    ("apk-malformed/apksig__mismatched-compression-method.apk", 6),
    (
        "apk-malformed/apksig__v1-only-max-sized-eocd-comment.apk",
        6,
    ),
    ("apk-malformed/apksig__v1-only-with-cr-in-entry-name.apk", 7),
    (
        "apk-malformed/apksig__v2-only-garbage-between-cd-and-eocd.apk",
        3,
    ),
    ("apk-malformed/apksig__v2-only-missing-classes.dex.apk", 2),
    ("apk-malformed/apksig__v2-only-truncated-cd.apk", 3),
    ("aab/buddhaquotes__v1.6.0-app-release.aab", 939),
    ("aab/bundletool__watch-face-from-tool.aab", 875),
    ("xapk/mobsf__android_xapk.xapk", 30),
];

#[test]
fn every_package_parses_and_reads() {
    let Some(dir) = corpus() else { return };
    let files = package_files(&dir);
    assert!(files.len() >= 70, "{}", files.len());
    let mut checked = 0;
    for rel in &files {
        let bytes = load(&dir, rel);
        let result = walk(&bytes);
        if rel.ends_with(".idsig") {
            assert!(result.is_err(), "{rel} is not a zip");
            continue;
        }
        let (entries, errors) = result.unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(errors, 0, "{rel}: read errors");
        let want = COUNTS
            .iter()
            .find(|(f, _)| f == rel)
            .unwrap_or_else(|| panic!("{rel} has no expected count"))
            .1;
        assert_eq!(entries, want, "{rel}: entry count vs zipinfo");
        checked += 1;
    }
    assert_eq!(checked, COUNTS.len());
}

#[test]
fn other_zip_based_packages_do_not_panic() {
    let Some(dir) = corpus() else { return };
    for sub in ["hap", "ipa", "wxapkg"] {
        let Ok(list) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for f in list.flatten() {
            let bytes = std::fs::read(f.path()).unwrap();
            let _ = walk(&bytes);
        }
    }
}

/// Clean builds: no anomalies, every CRC and size checks out.
#[test]
fn clean_packages_have_no_anomalies() {
    let Some(dir) = corpus() else { return };
    let tampered = ["apk-signing/apksig__v3-only-with-rsa-pkcs1-sha512-8192-digest-mismatch.apk"];
    for rel in package_files(&dir) {
        if rel.starts_with("apk-malformed/")
            || rel.ends_with(".idsig")
            || tampered.contains(&rel.as_str())
        {
            continue;
        }
        let bytes = load(&dir, &rel);
        let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
        assert!(zip.anomalies().is_empty(), "{rel}: {:?}", zip.anomalies());
        assert_eq!(zip.android_rejection(), None, "{rel}");
        for e in zip.entries() {
            let (_, report) = zip.read_checked(e).unwrap();
            assert!(
                report.crc_matches && report.size_matches,
                "{rel} {}",
                e.name
            );
        }
        assert!(
            zip.read_anomalies().is_empty(),
            "{rel}: {:?}",
            zip.read_anomalies()
        );
    }
}

#[test]
fn xapk_splits_parse_as_archives() {
    let Some(dir) = corpus() else { return };
    let bytes = load(&dir, "xapk/mobsf__android_xapk.xapk");
    let outer = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    let mut splits = 0;
    for e in outer.entries().iter().filter(|e| e.name.ends_with(".apk")) {
        let inner_bytes = outer.read(e).unwrap();
        let inner = ZipArchive::parse(&inner_bytes, &Limits::default()).unwrap();
        assert!(inner.by_name("AndroidManifest.xml").is_some(), "{}", e.name);
        assert!(
            inner.anomalies().is_empty(),
            "{}: {:?}",
            e.name,
            inner.anomalies()
        );
        splits += 1;
    }
    assert_eq!(splits, 28);
}

fn kinds(zip: &ZipArchive<'_>) -> Vec<(K, Option<String>)> {
    zip.anomalies()
        .iter()
        .map(|a| (a.kind, a.entry.clone()))
        .collect()
}

#[test]
fn badpack_manifest_reads_like_android() {
    let Some(dir) = corpus() else { return };
    let bytes = load(&dir, "apk-malformed/apkinspector__minimal_def_mod.apk");
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        kinds(&zip),
        [(
            K::UnknownCompressionMethod,
            Some("AndroidManifest.xml".to_owned())
        )]
    );
    let m = zip.by_name("AndroidManifest.xml").unwrap();
    assert_eq!(m.method, 0x7600);
    let (data, report) = zip.read_checked(m).unwrap();
    assert_eq!(data.len(), 2084);
    assert!(report.crc_matches);
    // The sample also tampers with the AXML header itself (type byte 0x03 ->
    // 0x00 and the string count at offset 16; the central-directory CRC
    // covers the tampered bytes). Apart from those two bytes the data is the
    // untampered original's manifest, so the zip layer read it right.
    assert_eq!(&data[..4], [0x00, 0x00, 0x08, 0x00]);
    let orig = load(&dir, "apk-malformed/apkinspector__minimal_orig.apk");
    let orig = ZipArchive::parse(&orig, &Limits::default()).unwrap();
    let orig_manifest = orig
        .read(orig.by_name("AndroidManifest.xml").unwrap())
        .unwrap();
    assert_eq!(&orig_manifest[..4], [0x03, 0x00, 0x08, 0x00]);
    assert_eq!(orig_manifest.len(), data.len());
    let differing: Vec<usize> = (0..data.len())
        .filter(|&i| data[i] != orig_manifest[i])
        .collect();
    assert_eq!(differing, [0, 16]);
}

#[test]
fn eocd_far_from_end_with_comment() {
    let Some(dir) = corpus() else { return };
    let bytes = load(&dir, "apk-malformed/apkinspector__eocd_at_offset_1026.apk");
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(kinds(&zip), [(K::ArchiveComment, None)]);
    assert!(
        zip.anomalies()[0]
            .detail
            .contains("1004-byte archive comment")
    );
    assert!(
        zip.anomalies()[0]
            .detail
            .contains("1026 bytes before end of file")
    );
    assert_eq!(zip.layout().eocd_offset, 5590);
    assert_eq!(zip.layout().comment_len, 1004);
    assert_eq!(zip.entries().len(), 8);
    let so = zip.by_name("lib/armeabi/fake.so").unwrap();
    assert_eq!(so.data_offset, Some(4096)); // page-aligned via a 1503-byte extra
}

#[test]
fn garbage_between_cd_and_eocd() {
    let Some(dir) = corpus() else { return };
    let bytes = load(
        &dir,
        "apk-malformed/apksig__v2-only-garbage-between-cd-and-eocd.apk",
    );
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(kinds(&zip), [(K::GarbageAfterCentralDirectory, None)]);
    assert!(zip.anomalies()[0].detail.starts_with("7 bytes"));
    assert_eq!(zip.android_rejection(), None);
    assert_eq!(zip.layout().cd_offset, 3926);
    assert_eq!(zip.layout().eocd_offset, 4119);
}

#[test]
fn truncated_central_directory() {
    let Some(dir) = corpus() else { return };
    let bytes = load(&dir, "apk-malformed/apksig__v2-only-truncated-cd.apk");
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        kinds(&zip),
        [
            (K::CentralDirectoryOutOfBounds, None),
            (K::LocalHeaderMismatch, Some("classes.deP".to_owned())),
        ]
    );
    assert!(
        zip.anomalies()[1]
            .detail
            .contains("\"classes.dex\" vs \"classes.deP\"")
    );
    assert!(zip.android_rejection().unwrap().contains("runs past"));
    // The data is intact: the last record's name overlaps the EOCD signature.
    let dex = zip.read(zip.by_name("classes.deP").unwrap()).unwrap();
    assert!(dex.starts_with(b"dex\n"));
}

#[test]
fn mismatched_compression_method() {
    let Some(dir) = corpus() else { return };
    let bytes = load(
        &dir,
        "apk-malformed/apksig__mismatched-compression-method.apk",
    );
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        kinds(&zip),
        [(K::LocalHeaderMismatch, Some("META-INF/CERT.RSA".to_owned()))]
    );
    let d = &zip.anomalies()[0].detail;
    assert!(
        d.contains("method 0 vs 8") && d.contains("Android ignores"),
        "{d}"
    );
    let rsa = zip.by_name("META-INF/CERT.RSA").unwrap();
    let (data, report) = zip.read_checked(rsa).unwrap();
    assert_eq!(data.len(), 1160);
    assert!(report.crc_matches);
    assert_eq!(data[0], 0x30); // DER SEQUENCE (PKCS#7)
}

#[test]
fn carriage_return_in_entry_name() {
    let Some(dir) = corpus() else { return };
    let bytes = load(
        &dir,
        "apk-malformed/apksig__v1-only-with-cr-in-entry-name.apk",
    );
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        kinds(&zip),
        [(K::EntryNameControlChar, Some("test.txt\r".to_owned()))]
    );
    assert!(zip.anomalies()[0].detail.contains("0x0d"));
}

#[test]
fn max_sized_eocd_comment() {
    let Some(dir) = corpus() else { return };
    let bytes = load(
        &dir,
        "apk-malformed/apksig__v1-only-max-sized-eocd-comment.apk",
    );
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(kinds(&zip), [(K::ArchiveComment, None)]);
    assert_eq!(zip.layout().comment_len, 65535);
    assert_eq!(zip.comment().len(), 65535);
    assert_eq!(zip.layout().eocd_offset, 4604);
    assert_eq!(zip.entries().len(), 6);
}

#[test]
fn empty_unsigned_zip() {
    let Some(dir) = corpus() else { return };
    let bytes = load(&dir, "apk-malformed/apksig__empty-unsigned.apk");
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert!(zip.entries().is_empty());
    assert!(zip.anomalies().is_empty());
}

#[test]
fn tampered_local_header_name_in_signing_vector() {
    let Some(dir) = corpus() else { return };
    let rel = "apk-signing/apksig__v3-only-with-rsa-pkcs1-sha512-8192-digest-mismatch.apk";
    let bytes = load(&dir, rel);
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(
        kinds(&zip),
        [(K::LocalHeaderMismatch, Some("resources.arsc".to_owned()))]
    );
    assert!(
        zip.anomalies()[0]
            .detail
            .contains("\"sesources.arsc\" vs \"resources.arsc\"")
    );
}

#[test]
fn entry_names_match_zipinfo() {
    let Some(dir) = corpus() else { return };
    let bytes = load(
        &dir,
        "apk/npm-uia2__appium-uiautomator2-server-debug-androidTest.apk",
    );
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    let names: Vec<&str> = zip.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "classes.dex",
            "classes2.dex",
            "classes3.dex",
            "classes4.dex",
            "AndroidManifest.xml",
            "resources.arsc",
            "META-INF/TESTKEY.SF",
            "META-INF/TESTKEY.RSA",
            "META-INF/MANIFEST.MF",
        ]
    );
    // AGP debug build: a nameless padding header at offset 0 is not prepended data.
    let bytes = load(&dir, "apk/npm-apidemos__ApiDemos-debug.apk");
    let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
    assert_eq!(zip.layout().prefix_len, 132);
    assert!(zip.anomalies().is_empty());
}

/// Benchmark-style (not timed): parse and inflate the largest packages.
#[test]
fn largest_packages_parse_and_inflate() {
    let Some(dir) = corpus() else { return };
    for rel in [
        "apk/npm-apidemos__ApiDemos-debug.apk",
        "apk/buddhaquotes__v1.6.0.apk",
        "aab/bundletool__watch-face-from-tool.aab",
    ] {
        let bytes = load(&dir, rel);
        let t = std::time::Instant::now();
        let zip = ZipArchive::parse(&bytes, &Limits::default()).unwrap();
        let parsed = t.elapsed();
        let t = std::time::Instant::now();
        let mut total = 0u64;
        for e in zip.entries() {
            total += zip.stream(e, &mut |_| {}).unwrap();
        }
        let inflated = t.elapsed();
        assert_eq!(zip.inflated_total(), total);
        eprintln!(
            "{rel}: {} entries, parse {parsed:?}; inflate {total} bytes in {inflated:?}",
            zip.entries().len()
        );
    }
}
