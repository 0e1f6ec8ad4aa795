//! Every package in the shared corpus yields facts or a clear error, and the
//! tampered ones yield what Android would see plus the anomalies that name
//! the tampering.

use std::time::{Duration, Instant};

use appgov_analyzer::{Facts, Options, analyze};
use appgov_testkit::{CorpusFile, corpus_files};

fn facts(rel: &str) -> Option<Facts> {
    let file = CorpusFile::named(rel)?;
    let data = file.read_checked();
    Some(analyze(&data, rel, &Options::default()))
}

fn kinds(f: &Facts) -> Vec<String> {
    f.anomalies.iter().map(|a| a.kind.clone()).collect()
}

#[test]
fn every_corpus_file_gives_facts_or_a_clear_error() {
    let files = corpus_files(&[
        "apk",
        "apk-signing",
        "apk-malformed",
        "aab",
        "xapk",
        "ipa",
        "hap",
        "wxapkg",
    ]);
    for file in &files {
        let data = file.read_checked();
        let start = Instant::now();
        let f = analyze(&data, &file.rel, &Options::default());
        // A generous bound that a hang or quadratic blow-up would still exceed (debug build).
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}: took {:?}",
            file.rel,
            start.elapsed()
        );
        assert_eq!(f.schema, appgov_facts::SCHEMA);
        assert_eq!(f.input.sha256, file.sha256, "{}: input digest", file.rel);
        match &f.error {
            None => assert!(f.package.is_some(), "{}: no error but no package", file.rel),
            Some(e) => assert!(e.len() > 20, "{}: error too terse: {e}", file.rel),
        }
        // The JSON form round-trips.
        let json = serde_json::to_string(&f).unwrap();
        let back: Facts = serde_json::from_str(&json).unwrap();
        assert_eq!(back.package, f.package);
    }
}

#[test]
fn android_packages_in_the_corpus_all_produce_facts() {
    let no_manifest = [
        "apk-malformed/androguard__CertChain.apk",
        "apk-malformed/androguard__multidex.apk",
        "apk-malformed/apksig__empty-unsigned.apk",
    ];
    for file in corpus_files(&["apk", "apk-signing", "apk-malformed", "aab", "xapk"]) {
        if !file.rel.ends_with(".apk")
            && !file.rel.ends_with(".aab")
            && !file.rel.ends_with(".xapk")
        {
            continue;
        }
        let f = analyze(&file.read_checked(), &file.rel, &Options::default());
        if no_manifest.contains(&file.rel.as_str()) {
            assert!(f.error.is_some(), "{}: expected an error", file.rel);
        } else {
            assert_eq!(f.error, None, "{}", file.rel);
            assert!(f.package.is_some(), "{}", file.rel);
        }
    }
}

#[test]
fn tampered_compression_method_still_gives_the_package() {
    let Some(f) = facts("apk-malformed/apkinspector__minimal_def_mod.apk") else {
        return;
    };
    assert_eq!(f.package.as_deref(), Some("com.erev0s.minimal"));
    assert_eq!(f.target_sdk, Some(33));
    assert!(
        kinds(&f).contains(&"unknown_compression_method".to_string()),
        "{:?}",
        kinds(&f)
    );
    // The headers were altered before signing: v2/v3 digests over the raw bytes still match.
    assert!(f.signing.verified, "{}", f.signing.verdict);
    // Same facts as the untampered original.
    let orig = facts("apk-malformed/apkinspector__minimal_orig.apk").unwrap();
    assert_eq!(orig.package, f.package);
    assert_eq!(orig.permissions, f.permissions);
    assert_eq!(orig.android.components.len(), f.android.components.len());
    assert!(orig.anomalies.is_empty(), "{:?}", orig.anomalies);
}

#[test]
fn eocd_tricks_are_named() {
    let Some(f) = facts("apk-malformed/apkinspector__eocd_at_offset_1026.apk") else {
        return;
    };
    assert_eq!(
        f.package.as_deref(),
        Some("android.appsecurity.cts.tinyapp")
    );
    assert!(!f.anomalies.is_empty());
    let f = facts("apk-malformed/apksig__v2-only-garbage-between-cd-and-eocd.apk").unwrap();
    assert_eq!(
        f.package.as_deref(),
        Some("android.appsecurity.cts.tinyapp")
    );
    assert!(
        f.anomalies.iter().any(|a| a.source == "zip"),
        "{:?}",
        kinds(&f)
    );
    assert!(!f.signing.verified);
}

#[test]
fn archive_without_manifest_still_reports_signing_and_code() {
    let Some(f) = facts("apk-malformed/androguard__CertChain.apk") else {
        return;
    };
    assert!(f.error.as_deref().unwrap().contains("AndroidManifest.xml"));
    assert!(
        !f.signing.certificates.is_empty(),
        "certificates of a JAR-signed archive"
    );
    let f = facts("apk-malformed/androguard__multidex.apk").unwrap();
    assert_eq!(f.dex.files.len(), 2);
}

#[test]
fn bundle_and_apk_of_the_same_release_agree() {
    let (Some(apk), Some(aab)) = (
        facts("apk/buddhaquotes__v1.6.0.apk"),
        facts("aab/buddhaquotes__v1.6.0-app-release.aab"),
    ) else {
        return;
    };
    assert_eq!(aab.input.kind, "aab");
    assert_eq!(aab.package, apk.package);
    assert_eq!(aab.version_code, apk.version_code);
    assert_eq!(aab.version_name, apk.version_name);
    assert_eq!(aab.min_sdk, apk.min_sdk);
    assert_eq!(aab.target_sdk, apk.target_sdk);
    assert_eq!(aab.label, apk.label);
    assert_eq!(aab.permissions, apk.permissions);
    let names = |f: &Facts| {
        let mut v: Vec<_> = f
            .android
            .components
            .iter()
            .map(|c| (c.name.clone(), c.exported))
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&aab), names(&apk));
}

#[test]
fn split_set_is_merged_onto_its_base() {
    let Some(f) = facts("xapk/mobsf__android_xapk.xapk") else {
        return;
    };
    assert_eq!(f.input.kind, "xapk");
    assert_eq!(
        f.package.as_deref(),
        Some("com.tfg.samples.dynamicfeatures.ondemand")
    );
    assert_eq!(f.splits.len(), 28);
    assert_eq!(f.splits.iter().filter(|s| s.kind == "base").count(), 1);
    // The on-demand feature modules contribute code and activities.
    assert!(f.splits.iter().filter(|s| s.kind == "feature").count() >= 2);
    assert!(f.dex.files.len() >= 3);
    // The members' DEX (`base.apk!/classes.dex`) is the app's readable code,
    // whatever member came last.
    assert!(!f.dex.code_hidden);
    assert!(
        !f.anomalies
            .iter()
            .any(|a| a.kind == "split_signer_mismatch")
    );
}

#[test]
fn exported_components_follow_androids_defaults() {
    // targetSdk 16: providers are exported unless they say otherwise; activities with a filter too.
    let Some(f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    for c in &f.android.components {
        if c.exported_attribute.is_none() {
            let expected = if c.kind == "provider" {
                f.target_sdk.unwrap() < 17
            } else {
                !c.intent_filters.is_empty()
            };
            assert_eq!(c.exported, expected, "{} {}", c.kind, c.name);
        } else {
            assert_eq!(Some(c.exported), c.exported_attribute);
        }
    }
    assert!(f.android.components.iter().any(|c| c.launcher));
}

#[test]
fn debuggable_through_a_resource_reference() {
    // android:debuggable="@bool/debuggable", whose value in resources.arsc is
    // false (`aapt dump resources`: bool/debuggable t=0x12 d=0x0): Android
    // resolves the reference, so the app is not debuggable.
    let (Some(by_ref), Some(by_bool)) = (
        facts("apk-signing/apksig__debuggable-resource.apk"),
        facts("apk-signing/apksig__debuggable-boolean.apk"),
    ) else {
        return;
    };
    assert!(by_bool.android.application.debuggable);
    assert!(!by_ref.android.application.debuggable);
}

#[test]
fn native_libraries_have_abi_and_hardening_facts() {
    let Some(f) = facts("apk/mastg__UnCrackable-Level3.apk") else {
        return;
    };
    assert!(f.abis.iter().any(|a| a == "arm64-v8a"), "{:?}", f.abis);
    for lib in &f.native_libs {
        assert_eq!(lib.error, None, "{}", lib.path);
        assert!(lib.machine.is_some());
        assert_eq!(lib.sha256.len(), 64);
        assert!(
            lib.needed.iter().any(|n| n == "libc.so"),
            "{}: {:?}",
            lib.path,
            lib.needed
        );
    }
}

#[test]
fn vasdolly_v1_channel_in_the_zip_comment() {
    // Channel tools write the channel into the ZIP comment of a JAR-signed
    // package (the JAR signature does not cover it). Build one as they do.
    let Some(file) = CorpusFile::named("apk/vasdolly__v1-base-debug.apk") else {
        return;
    };
    let mut data = file.read_checked();
    let base = analyze(&data, &file.rel, &Options::default());
    assert!(base.signing.channels.is_empty());
    let eocd = data.len() - 22;
    assert_eq!(&data[eocd..eocd + 4], b"PK\x05\x06");
    let mut trailer = "huawei-应用市场".as_bytes().to_vec();
    let len = trailer.len() as u16;
    trailer.extend_from_slice(&len.to_le_bytes());
    trailer.extend_from_slice(b"ltlovezh");
    let comment_len = trailer.len() as u16;
    data[eocd + 20..eocd + 22].copy_from_slice(&comment_len.to_le_bytes());
    data.extend_from_slice(&trailer);
    let f = analyze(&data, "channel.apk", &Options::default());
    assert_eq!(f.signing.channels.len(), 1, "{:?}", f.signing.channels);
    assert_eq!(f.signing.channels[0].kind, "vasdolly_v1");
    assert_eq!(
        f.signing.channels[0].channel.as_deref(),
        Some("huawei-应用市场")
    );
    assert!(f.signing.verified, "{}", f.signing.verdict);
    assert_eq!(f.package, base.package);
}

#[test]
fn api_uses_can_be_limited_to_watched_apis() {
    let Some(file) = CorpusFile::named("apk/mobsf__android.apk") else {
        return;
    };
    let data = file.read_checked();
    let all = analyze(&data, &file.rel, &Options::default());
    let watch = vec![
        "android.content.pm.PackageManager".to_string(),
        "android.telephony.TelephonyManager.getDeviceId".to_string(),
    ];
    let some = analyze(
        &data,
        &file.rel,
        &Options {
            api_uses_for: Some(watch),
            ..Options::default()
        },
    );
    assert!(all.dex.api_uses.len() > 1000, "{}", all.dex.api_uses.len());
    assert!(!some.dex.api_uses.is_empty());
    for u in &some.dex.api_uses {
        assert!(
            u.api.starts_with("android.content.pm.PackageManager.")
                || u.api == "android.telephony.TelephonyManager.getDeviceId",
            "{}",
            u.api
        );
        // The same callers as without the watch list.
        let full = all.dex.api_uses.iter().find(|x| x.api == u.api).unwrap();
        assert_eq!(full.callers, u.callers);
    }
    // Everything else is unchanged.
    assert_eq!(all.dex.api_refs, some.dex.api_refs);
}

#[test]
fn the_bytecode_walk_is_its_own_section() {
    let Some(file) = CorpusFile::named("apk/mobsf__android.apk") else {
        return;
    };
    let data = file.read_checked();
    let with = |list: &str| {
        let options = Options {
            sections: appgov_analyzer::Sections::parse(list).unwrap(),
            ..Options::default()
        };
        analyze(&data, &file.rel, &options)
    };
    let code = with("code");
    let walked = with("bytecode");
    assert!(!code.analysed.iter().any(|g| g == "bytecode"));
    assert!(
        walked
            .analysed
            .iter()
            .any(|g| g == "bytecode" || g == "code")
    );
    assert!(code.dex.api_uses.is_empty());
    assert!(!walked.dex.api_uses.is_empty());
    // Classes, strings and API references do not need the walk.
    assert_eq!(code.dex.api_refs, walked.dex.api_refs);
    assert_eq!(code.dex.classes, walked.dex.classes);
    assert_eq!(code.dex.strings, walked.dex.strings);
}
