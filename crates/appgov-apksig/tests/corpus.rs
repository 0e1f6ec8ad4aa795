//! Corpus-based behaviour tests: every APK/AAB/XAPK goes through the reader
//! without panicking, and specific facts are checked against values taken
//! from `apksigner verify --print-certs` and hexdumps.

mod common;

use appgov_apksig::{Scheme, SigningReport, VerifyOptions, parse_signing_block, verify_view};
use common::{MiniZip, corpus, corpus_files};

fn report(rel: &str, min_sdk: u32) -> Option<SigningReport> {
    let root = corpus()?;
    let data = std::fs::read(root.join(rel)).ok()?;
    let zip = MiniZip::open(data)?;
    Some(verify_view(&zip, &VerifyOptions::range(min_sdk, u32::MAX)))
}

#[test]
fn every_corpus_package_parses_or_errors_cleanly() {
    let files = corpus_files(
        &["apk", "apk-signing", "apk-malformed", "aab", "xapk"],
        &["apk", "aab", "xapk"],
    );
    let mut via_zip_crate = 0;
    let mut via_mini = 0;
    for path in &files {
        let data = std::fs::read(path).unwrap();
        // Raw-bytes entry point with a naive CD offset guess must not panic.
        for cd in [
            data.len() as u64,
            data.len().saturating_sub(22) as u64,
            0,
            40,
        ] {
            let _ = parse_signing_block(&data, cd);
        }
        // Through the project's ZIP reader, when it can read the file.
        if let Ok(z) = appgov_zip::ZipArchive::parse(&data, &appgov_zip::Limits::default()) {
            let r = appgov_apksig::verify(&z, &VerifyOptions::default());
            serde_json::to_string(&r).unwrap();
            via_zip_crate += 1;
        }
        if let Some(z) = MiniZip::open(data.clone()) {
            let r = verify_view(&z, &VerifyOptions::default());
            serde_json::to_string(&r).unwrap();
            via_mini += 1;
            // XAPK: verify each inner APK too.
            if path.extension().is_some_and(|e| e == "xapk") {
                for name in z
                    .entries
                    .iter()
                    .map(|e| e.name.clone())
                    .filter(|n| n.ends_with(".apk"))
                {
                    let inner = appgov_apksig::PackageView::read(&z, &name, 64 << 20).unwrap();
                    if let Some(iz) = MiniZip::open(inner) {
                        let r = verify_view(&iz, &VerifyOptions::range(21, u32::MAX));
                        serde_json::to_string(&r).unwrap();
                    }
                }
            }
        }
    }
    eprintln!(
        "{} files: {via_zip_crate} via appgov-zip, {via_mini} via the test reader",
        files.len()
    );
}

#[test]
fn certificate_facts_match_apksigner() {
    let Some(r) = report("apk-signing/apksig__original.apk", 23) else {
        return;
    };
    assert!(r.verdict.verified);
    assert_eq!(r.verdict.schemes, vec![Scheme::V1, Scheme::V2]);
    let c = r.signer_certificates();
    assert_eq!(c.len(), 1);
    let c = c[0];
    assert_eq!(c.subject, "CN=rsa-2048");
    assert_eq!(c.issuer, "CN=rsa-2048");
    assert!(c.self_signed);
    assert!(!c.debug);
    assert_eq!(c.serial, "008e35306cdd0115f7");
    assert_eq!(c.not_before, "2016-03-31T14:57:49Z");
    assert_eq!(c.not_after, "2043-08-17T14:57:49Z");
    assert_eq!(c.key_algorithm, "RSA");
    assert_eq!(c.key_bits, Some(2048));
    assert_eq!(
        c.sha256,
        "fb5dbd3c669af9fc236c6991e6387b7f11ff0590997f22d0f5c74ff40e04fca8"
    );
    // v1 and v2 signers are the same certificate, listed once.
    assert_eq!(r.certificates.len(), 1);
}

#[test]
fn debug_certificate_is_flagged() {
    let Some(r) = report("apk/androguard__TC-debug.apk", 1) else {
        return;
    };
    assert!(r.verdict.verified);
    let c = r.signer_certificates();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].subject, "CN=Android Debug, O=Android, C=US");
    assert!(c[0].debug);
}

#[test]
fn v2_stripped_is_reported() {
    let Some(r) = report("apk-signing/apksig__v2-stripped.apk", 23) else {
        return;
    };
    assert!(!r.verdict.verified);
    assert!(r.verdict.stripped);
    assert!(r.signing_block.is_none());
    let v1 = r.scheme(Scheme::V1).unwrap();
    assert!(
        v1.errors.iter().any(|e| e.contains("X-Android-APK-Signed")),
        "{:?}",
        v1.errors
    );
    // Below API 24 Android never looks for v2, so the stripping goes unnoticed.
    let mut opts = VerifyOptions::range(23, 23);
    opts.target_sdk = None;
    let root = corpus().unwrap();
    let z = MiniZip::open(std::fs::read(root.join("apk-signing/apksig__v2-stripped.apk")).unwrap())
        .unwrap();
    let r23 = verify_view(&z, &opts);
    assert!(r23.verdict.verified, "{:?}", r23.verdict);
}

#[test]
fn broken_signatures_and_digests_are_named() {
    let Some(r) = report(
        "apk-signing/apksig__v3-only-with-rsa-pkcs1-sha512-8192-digest-mismatch.apk",
        28,
    ) else {
        return;
    };
    assert!(!r.verdict.verified);
    let v3 = r.scheme(Scheme::V3).unwrap();
    assert!(
        v3.errors
            .iter()
            .any(|e| e.contains("content digest mismatch")),
        "{:?}",
        v3.errors
    );
    assert!(v3.signers[0].signature_ok);
    assert!(!v3.signers[0].digests_ok);

    let r = report(
        "apk-signing/apksig__v2-only-with-rsa-pkcs1-sha256-2048-sig-does-not-verify.apk",
        24,
    )
    .unwrap();
    let v2 = r.scheme(Scheme::V2).unwrap();
    assert!(!v2.verified);
    assert!(!v2.signers[0].signature_ok);

    let r = report(
        "apk-signing/apksig__two-signers-second-signer-v2-broken.apk",
        24,
    )
    .unwrap();
    let v2 = r.scheme(Scheme::V2).unwrap();
    assert_eq!(v2.signers.len(), 2);
    assert!(v2.signers[0].signature_ok);
    assert!(!v2.signers[1].signature_ok);

    let r = report("apk-signing/apksig__v2-only-no-certs-in-sig.apk", 24).unwrap();
    assert!(
        r.scheme(Scheme::V2)
            .unwrap()
            .errors
            .iter()
            .any(|e| e.contains("no certificates"))
    );
}

#[test]
fn rsa_pss_and_ecdsa_v2_verify_from_api_24() {
    for (f, alg) in [
        (
            "apk-signing/apksig__v2-only-with-rsa-pss-sha256-2048.apk",
            "RSASSA-PSS-SHA256",
        ),
        (
            "apk-signing/apksig__v2-only-with-ecdsa-sha256-p256.apk",
            "ECDSA-SHA256",
        ),
    ] {
        let Some(r) = report(f, 24) else { return };
        assert!(r.verdict.verified, "{f}: {:?}", r.verdict);
        assert_eq!(r.verdict.schemes, vec![Scheme::V2]);
        assert_eq!(
            r.scheme(Scheme::V2).unwrap().signers[0].algorithms,
            vec![alg.to_string()]
        );
    }
}

#[test]
fn v1_algorithms_dsa_ecdsa_rsa() {
    for (f, key) in [
        (
            "apk-signing/apksig__v1-only-with-dsa-sha256-2.16.840.1.101.3.4.3.2-1024.apk",
            "DSA",
        ),
        (
            "apk-signing/apksig__v1-only-with-ecdsa-sha256-1.2.840.10045.4.3.2-p256.apk",
            "EC",
        ),
        (
            "apk-signing/apksig__v1-only-with-rsa-pkcs1-sha1-1.2.840.113549.1.1.1-2048.apk",
            "RSA",
        ),
    ] {
        let Some(r) = report(f, 23) else { return };
        assert!(r.verdict.verified, "{f}: {:?}", r.verdict);
        assert_eq!(r.signer_certificates()[0].key_algorithm, key);
    }
}

#[test]
fn lineage_with_three_certificates() {
    let Some(r) = report(
        "apk-signing/apksig__v1v2v3-with-rsa-2048-lineage-3-signers.apk",
        23,
    ) else {
        return;
    };
    assert!(r.verdict.verified);
    assert_eq!(r.lineage.len(), 3);
    assert_eq!(r.lineage[0].signature_ok, None);
    assert_eq!(r.lineage[1].signature_ok, Some(true));
    assert_eq!(r.lineage[2].signature_ok, Some(true));
    // The v3 signer is the newest certificate in the lineage.
    let v3 = r.scheme(Scheme::V3).unwrap();
    assert_eq!(
        v3.signers[0].certificate_sha256.as_deref(),
        Some(r.lineage[2].certificate_sha256.as_str())
    );
    assert_eq!(
        r.lineage[2].certificate_sha256,
        "bb77a72efc60e66501ab75953af735874f82cfe52a70d035186a01b3482180f3"
    );
    assert_eq!(v3.signers[0].min_sdk, Some(24));
}

#[test]
fn v31_rotation_targets_newer_sdks() {
    let Some(r) = report(
        "apk-signing/apksig__v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk",
        29,
    ) else {
        return;
    };
    assert!(r.verdict.verified, "{:?}", r.verdict);
    assert!(r.verdict.schemes.contains(&Scheme::V3));
    assert!(r.verdict.schemes.contains(&Scheme::V31));
    let v31 = r.scheme(Scheme::V31).unwrap();
    assert_eq!(v31.signers[0].min_sdk, Some(32));
    let names: Vec<&str> = r
        .signing_block
        .as_ref()
        .unwrap()
        .entries
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, vec!["v2", "v3.1", "v3", "verity_padding"]);
}

#[test]
fn signing_block_layout_facts() {
    let Some(r) = report("apk/buddhaquotes__v1.6.0.apk", 21) else {
        return;
    };
    let b = r.signing_block.as_ref().unwrap();
    let names: Vec<&str> = b.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["v2", "dependency_info", "verity_padding"]);
    assert_eq!(b.offset, 3_777_152);
    assert_eq!(b.size, 8192);
    // minSdk 21 needs v1 for API 21..23, which this release lacks (apksigner agrees).
    assert!(!r.verdict.verified);
    assert!(r.scheme(Scheme::V2).unwrap().verified);
}

#[test]
fn garbage_between_cd_and_eocd_fails_v2() {
    let Some(r) = report(
        "apk-malformed/apksig__v2-only-garbage-between-cd-and-eocd.apk",
        24,
    ) else {
        return;
    };
    assert!(!r.verdict.verified);
    assert!(
        r.anomalies
            .iter()
            .any(|a| a.kind == "gap_between_cd_and_eocd")
    );
}

#[test]
fn verity_digests_are_checked() {
    for f in [
        "apk-signing/apksig__golden-aligned-v3-out.apk",
        "apk-signing/apksig__golden-aligned-v1v2v3-out.apk",
    ] {
        let Some(r) = report(f, 24) else { return };
        let v3 = r.scheme(Scheme::V3).unwrap();
        assert!(
            v3.signers[0]
                .algorithms
                .iter()
                .any(|a| a.starts_with("VERITY-")),
            "{f}"
        );
        assert!(v3.verified, "{f}: {:?}", v3.errors);
    }
}

/// Not an assertion on speed (shared CI machines vary); prints the cost of a
/// full v1+v2 verification of the largest corpus APK and of digesting 64 MiB.
#[test]
fn timing_report() {
    let Some(root) = corpus() else { return };
    let data = std::fs::read(root.join("apk/npm-apidemos__ApiDemos-debug.apk")).unwrap();
    let len = data.len();
    let z = MiniZip::open(data).unwrap();
    let t = std::time::Instant::now();
    let r = verify_view(&z, &VerifyOptions::range(17, u32::MAX));
    assert!(r.verdict.verified);
    eprintln!("ApiDemos ({len} bytes) v1+v2 verified in {:?}", t.elapsed());
    let mut big = vec![0x5au8; 64 << 20];
    let n = big.len();
    big[n - 22..n - 18].copy_from_slice(&[0x50, 0x4b, 0x05, 0x06]);
    let at = (n - 22) as u64;
    let s = appgov_apksig::digest::Sections::new(&big, at, at, at).unwrap();
    let t = std::time::Instant::now();
    s.chunked(&[appgov_apksig::HashAlg::Sha256]).unwrap();
    eprintln!("64 MiB chunked SHA-256 in {:?}", t.elapsed());
}
