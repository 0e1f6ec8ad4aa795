//! Real packages through the analyser into the ledger: what ingest records
//! agrees with Google's apksigner and aapt, and certificate continuity holds
//! for two packages signed with one key and alerts for another key.
//! Skips (saying so) without ../shared/corpus or the reference tools.

mod common;

use appgov_analyzer::analyze;
use appgov_knowledge::Knowledge;
use appgov_ledger::*;
use appgov_testkit::{CorpusFile, reference_tool};
use std::sync::OnceLock;

const V2: &str = "apk-signing/apksig__golden-aligned-v2-out.apk";
const V3: &str = "apk-signing/apksig__golden-aligned-v3-out.apk";
const ROTATED: &str = "apk-signing/apksig__v1v2v3-with-rsa-2048-lineage-3-signers.apk";

fn options() -> appgov_analyzer::Options {
    static O: OnceLock<appgov_analyzer::Options> = OnceLock::new();
    O.get_or_init(|| {
        let k = Knowledge::builtin().expect("built-in knowledge is valid");
        appgov_options::scan_options(&k).expect("catalog rules compile")
    })
    .clone()
}

struct Ingest {
    file: CorpusFile,
    out: Ingested,
    analysis_counts: (i64, i64, i64),
}

fn ingest(rel: &str, release_id: &str) -> Option<Ingest> {
    let file = CorpusFile::named(rel)?;
    let data = file.read_checked();
    let name = rel.rsplit('/').next().unwrap();
    let facts = analyze(&data, name, &options());
    let k = Knowledge::builtin().unwrap();
    let analysis = appgov_checks::analyse(&facts, &k, common::TODAY);
    let count = |sev: &[appgov_checks::Severity]| {
        analysis
            .findings
            .iter()
            .filter(|f| sev.contains(&f.severity))
            .count() as i64
    };
    use appgov_checks::Severity::*;
    let analysis_counts = (count(&[Critical, High]), count(&[Medium]), count(&[Low]));
    let mut n = 0;
    let mut ids = || {
        n += 1;
        if n == 1 {
            release_id.to_string()
        } else {
            format!("{release_id}-{n}")
        }
    };
    let out = release_records(&facts, &analysis, "tiny", &mut ids).expect("ingests");
    Some(Ingest {
        file,
        out,
        analysis_counts,
    })
}

/// `(sha256, md5)` of every signer apksigner prints, sorted, or `None`
/// without the tool. apksigner names the signers for one SDK range: those
/// of Android 9+ (v3, after rotation) and those of Android 7–8 (v1/v2,
/// before it) can differ, so both ranges are asked and joined; a range the
/// package does not cover (a v3-only package on Android 8) is skipped.
fn apksigner_certs(path: &std::path::Path) -> Option<Vec<(String, String)>> {
    let p = path.to_str().unwrap();
    let mut all = Vec::new();
    let mut verified = 0;
    for range in [
        &["--min-sdk-version", "28"][..],
        &["--min-sdk-version", "24", "--max-sdk-version", "27"][..],
    ] {
        let mut args = vec!["verify"];
        args.extend_from_slice(range);
        args.extend(["--print-certs", p]);
        let out = reference_tool("apksigner", &args)?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || text.contains("DOES NOT VERIFY") {
            continue;
        }
        verified += 1;
        let field = |line: &str, what: &str| {
            line.split_once(&format!("certificate {what} digest: "))
                .map(|(_, v)| v.trim().to_string())
        };
        let sha: Vec<String> = text.lines().filter_map(|l| field(l, "SHA-256")).collect();
        let md5: Vec<String> = text.lines().filter_map(|l| field(l, "MD5")).collect();
        assert!(!sha.is_empty(), "{p}: no signer in {text}");
        all.extend(sha.into_iter().zip(md5));
    }
    assert!(verified > 0, "{p}: apksigner verifies no SDK range");
    all.sort();
    all.dedup();
    Some(all)
}

/// `(package, versionCode, versionName, minSdk, targetSdk)` from aapt.
fn aapt_badging(path: &std::path::Path) -> Option<(String, i64, String, i64, i64)> {
    let out = reference_tool("aapt", &["dump", "badging", path.to_str().unwrap()])?;
    let text = String::from_utf8_lossy(&out.stdout);
    let quoted = |from: usize| text[from..].split('\'').next().unwrap().to_string();
    let attr = |key: &str| quoted(text.find(&format!(" {key}='")).unwrap() + key.len() + 3);
    let line = |key: &str| {
        let at = text
            .lines()
            .find(|l| l.starts_with(&format!("{key}:'")))
            .unwrap_or_else(|| panic!("aapt prints no {key}"));
        at[key.len() + 2..]
            .trim_end_matches('\'')
            .parse::<i64>()
            .unwrap()
    };
    Some((
        attr("name"),
        attr("versionCode").parse().unwrap(),
        attr("versionName"),
        line("sdkVersion"),
        line("targetSdkVersion"),
    ))
}

#[test]
fn ingest_agrees_with_apksigner_and_aapt() {
    for (rel, id) in [(V2, "r-v2"), (V3, "r-v3"), (ROTATED, "r-rot")] {
        let Some(i) = ingest(rel, id) else {
            return;
        };
        let r = &i.out.release;
        assert_eq!(r.id, id);
        assert_eq!(r.app_id, "tiny");
        assert_eq!(r.platform, Platform::Android);
        assert_eq!(r.state, ReleaseState::Analysed);
        assert_eq!(r.artifact_sha256, i.file.sha256, "{rel}");
        assert_eq!(
            r.artifact_size as u64,
            std::fs::metadata(&i.file.path).unwrap().len()
        );
        assert!(r.problems().is_empty(), "{rel}: {:?}", r.problems());
        assert_eq!(
            (r.findings_high, r.findings_medium, r.findings_low),
            i.analysis_counts
        );
        assert_eq!(
            i.out.findings.len() as i64,
            r.findings_high + r.findings_medium + r.findings_low
        );
        assert!(
            i.out
                .findings
                .iter()
                .all(|f| f.release_id == id && f.id != id)
        );
        if let Some(certs) = apksigner_certs(&i.file.path) {
            let mut sha: Vec<String> = certs.iter().map(|c| c.0.clone()).collect();
            let mut md5: Vec<String> = certs.iter().map(|c| c.1.clone()).collect();
            sha.sort();
            md5.sort();
            assert_eq!(r.signer_sha256, sha, "{rel}");
            assert_eq!(i.out.signer_md5, md5, "{rel}");
        }
        if let Some((pkg, code, name, min, target)) = aapt_badging(&i.file.path) {
            assert_eq!(r.identifier, pkg, "{rel}");
            assert_eq!(r.version_code, Some(code));
            assert_eq!(r.version_name.as_deref(), Some(name.as_str()));
            assert_eq!(r.min_sdk, Some(min));
            assert_eq!(r.target_sdk, Some(target));
        }
    }
}

#[test]
fn continuity_holds_for_one_key_and_alerts_for_another() {
    let (Some(v2), Some(v3), Some(rot)) = (
        ingest(V2, "r-v2"),
        ingest(V3, "r-v3"),
        ingest(ROTATED, "r-rot"),
    ) else {
        return;
    };
    // The ledger records the app with the key of its first release.
    let known = v2.out.release.signer_sha256.clone();
    assert_eq!(known.len(), 1);
    assert_eq!(v3.out.release.signer_sha256, known, "v2 and v3 are one key");
    // The rotated package is signed v1/v2 with the old key (for Android
    // before 9) and v3 with the new one: it carries both.
    let new_key: Vec<String> = rot
        .out
        .release
        .signer_sha256
        .iter()
        .filter(|c| !known.contains(c))
        .cloned()
        .collect();
    assert_eq!(new_key.len(), 1, "the lineage package adds another key");
    assert_eq!(rot.out.release.signer_sha256.len(), 2);
    let mut tiny = common::app("tiny", &["demo"]);
    tiny.name = "tinyapp".into();
    let mut live = v2.out.release.clone();
    live.state = ReleaseState::Live;
    let s = LedgerSnapshot {
        apps: vec![tiny],
        identities: vec![common::identity(
            "i",
            "tiny",
            &live.identifier,
            &[known[0].as_str()],
        )],
        releases: vec![live, v3.out.release.clone(), rot.out.release.clone()],
        ..LedgerSnapshot::default()
    };
    let alerts = certificate_continuity(&s);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = &alerts[0];
    assert_eq!(a.release_id, "r-rot");
    assert_eq!(a.kind, ContinuityKind::UnknownCertificate);
    assert_eq!(
        a.unknown_certificates, new_key,
        "only the new key is unknown"
    );
    assert_eq!(a.expected_certificates, known);
    // The same answer from the launch gate's signer check.
    let gate = builtin_gates()
        .unwrap()
        .into_iter()
        .find(|g| g.id == GateId::Launch)
        .unwrap();
    for (release, ok) in [("r-v3", true), ("r-rot", false)] {
        let sub = GateSubject {
            app_id: "tiny".into(),
            release_id: Some(release.into()),
            ..GateSubject::default()
        };
        let r = auto_checks(&gate, &sub, &s, common::TODAY);
        assert_eq!(
            r["signer-registered"].is_ok(),
            ok,
            "{release}: {:?}",
            r["signer-registered"]
        );
    }
}
