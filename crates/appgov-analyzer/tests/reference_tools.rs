//! Our facts against Google's own tools from Debian: `aapt dump badging` for
//! identity, SDK levels, permissions and label; `apksigner verify` for the
//! verdict, the schemes that verified and the signer certificates.
//!
//! A disagreement is our bug unless the reference tool is wrong; every such
//! case is listed below with the reason.

use std::collections::BTreeSet;

use appgov_analyzer::{Facts, Options, analyze};
use appgov_testkit::{CorpusFile, corpus_files, reference_tool};

fn facts_of(file: &CorpusFile) -> Facts {
    let data = file.read_checked();
    analyze(&data, &file.rel, &Options::default())
}

fn apks() -> Vec<CorpusFile> {
    corpus_files(&["apk", "apk-signing", "apk-malformed"])
        .into_iter()
        .filter(|f| f.rel.ends_with(".apk"))
        .collect()
}

/// `name='value'` pairs of one `aapt dump badging` line.
fn quoted_pairs(line: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(eq) = rest.find("='") {
        let key = rest[..eq]
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        let after = &rest[eq + 2..];
        let Some(end) = after.find('\'') else { break };
        out.push((key, after[..end].to_string()));
        rest = &after[end + 1..];
    }
    out
}

fn single_quoted(line: &str) -> Option<String> {
    let start = line.find('\'')?;
    let end = line.rfind('\'')?;
    (end > start).then(|| line[start + 1..end].to_string())
}

#[derive(Default, Debug)]
struct Badging {
    package: Option<String>,
    version_code: Option<u64>,
    version_name: Option<String>,
    min_sdk: Option<u32>,
    target_sdk: Option<u32>,
    permissions: BTreeSet<String>,
    implied: BTreeSet<String>,
    label: Option<String>,
}

fn badging(output: &str) -> Badging {
    let mut b = Badging::default();
    for line in output.lines() {
        if let Some(rest) = line.strip_prefix("package: ") {
            for (k, v) in quoted_pairs(rest) {
                match k.as_str() {
                    "name" => b.package = Some(v),
                    "versionCode" => b.version_code = v.parse().ok(),
                    "versionName" => b.version_name = Some(v).filter(|v| !v.is_empty()),
                    _ => {}
                }
            }
        } else if line.starts_with("sdkVersion:") {
            b.min_sdk = single_quoted(line).and_then(|v| v.parse().ok());
        } else if line.starts_with("targetSdkVersion:") {
            b.target_sdk = single_quoted(line).and_then(|v| v.parse().ok());
        } else if line.starts_with("uses-permission:")
            || line.starts_with("uses-permission-sdk-23:")
        {
            if let Some((_, name)) = quoted_pairs(line).into_iter().find(|(k, _)| k == "name") {
                b.permissions.insert(name);
            }
        } else if line.starts_with("uses-implied-permission:") {
            if let Some((_, name)) = quoted_pairs(line).into_iter().find(|(k, _)| k == "name") {
                b.implied.insert(name);
            }
        } else if line.starts_with("application-label:") {
            b.label = single_quoted(line);
        }
    }
    b
}

#[test]
fn identity_sdk_permissions_and_label_match_aapt() {
    let files = apks();
    let mut compared = 0;
    for file in &files {
        let Some(out) = reference_tool("aapt", &["dump", "badging", file.path.to_str().unwrap()])
        else {
            return;
        };
        if !out.status.success() {
            // aapt cannot read it; robustness of our side is tested elsewhere.
            continue;
        }
        let expected = badging(&String::from_utf8_lossy(&out.stdout));
        let facts = facts_of(file);
        let ctx = &file.rel;
        assert_eq!(facts.error, None, "{ctx}: unexpected error");
        assert_eq!(facts.package, expected.package, "{ctx}: package");
        assert_eq!(
            facts.version_code, expected.version_code,
            "{ctx}: versionCode"
        );
        assert_eq!(
            facts.version_name, expected.version_name,
            "{ctx}: versionName"
        );
        // aapt prints sdkVersion only when declared; Android's default is 1.
        assert_eq!(facts.min_sdk, expected.min_sdk.or(Some(1)), "{ctx}: minSdk");
        if let Some(target) = expected.target_sdk {
            assert_eq!(facts.target_sdk, Some(target), "{ctx}: targetSdk");
        }
        // aapt adds permissions the platform implies for old target SDKs; we list only requested ones.
        let ours: BTreeSet<String> = facts.permissions.iter().cloned().collect();
        let declared: BTreeSet<String> = expected
            .permissions
            .iter()
            .filter(|p| !expected.implied.contains(*p) || ours.contains(*p))
            .cloned()
            .collect();
        assert_eq!(ours, declared, "{ctx}: permissions");
        if let Some(label) = expected.label {
            assert_eq!(facts.label.as_deref(), Some(label.as_str()), "{ctx}: label");
        }
        compared += 1;
    }
    if !files.is_empty() {
        assert!(compared >= 40, "only {compared} APKs compared with aapt");
    }
}

#[derive(Default, Debug)]
struct Verification {
    /// apksigner reached a verdict (it throws on some tampered zips before judging).
    judged: bool,
    verifies: bool,
    schemes: Vec<(String, bool)>,
    signers: BTreeSet<String>,
}

fn apksigner(output: &str) -> Verification {
    let mut v = Verification::default();
    for line in output.lines() {
        if line.trim() == "Verifies" {
            v.verifies = true;
            v.judged = true;
        } else if line.trim() == "DOES NOT VERIFY" {
            v.judged = true;
        } else if let Some(rest) = line.strip_prefix("Verified using ") {
            // "Verified using v2 scheme (APK Signature Scheme v2): true"
            let scheme = rest.split(' ').next().unwrap_or_default().to_string();
            v.schemes.push((scheme, rest.trim_end().ends_with("true")));
        } else if line.contains("certificate SHA-256 digest:")
            && line.starts_with("Signer #")
            && let Some(d) = line.rsplit(": ").next()
        {
            v.signers.insert(d.trim().to_string());
        }
    }
    v
}

/// Files where apksigner 31.0.2 (Debian) is the one that is wrong or out of date.
const APKSIGNER_OUTDATED: &[(&str, &str)] = &[(
    "apk-signing/apksig__v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk",
    "apksigner 31.0.2 predates APK Signature Scheme v3.1 (added in apksig 33): it does not see \
     the v3.1 block and so rejects an APK that Android 13+ accepts",
)];

#[test]
fn signing_verdict_schemes_and_certificates_match_apksigner() {
    let files = apks();
    let mut compared = 0;
    for file in &files {
        if APKSIGNER_OUTDATED.iter().any(|(f, _)| *f == file.rel) {
            continue;
        }
        let Some(out) = reference_tool(
            "apksigner",
            &["verify", "-v", "--print-certs", file.path.to_str().unwrap()],
        ) else {
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let expected = apksigner(&text);
        if !expected.judged {
            // e.g. apkinspector__minimal_def_mod.apk: apksig reads entries through
            // their local headers, which the tampering broke, and throws
            // "Failed to read AndroidManifest.xml" before judging any signature.
            // Android reads through the central directory; our own tests cover it.
            eprintln!("apksigner reached no verdict on {}", file.rel);
            continue;
        }
        let facts = facts_of(file);
        let ctx = &file.rel;
        assert_eq!(
            facts.signing.verified, expected.verifies,
            "{ctx}: verdict (ours: {})\napksigner said:\n{text}",
            facts.signing.verdict
        );
        if expected.verifies {
            for (scheme, ok) in &expected.schemes {
                if scheme == "v4" || scheme == "SourceStamp" {
                    continue;
                }
                let ours = facts
                    .signing
                    .schemes
                    .iter()
                    .any(|s| &s.scheme == scheme && s.verified);
                assert_eq!(ours, *ok, "{ctx}: scheme {scheme} verified\n{text}");
            }
            let ours: BTreeSet<String> = facts
                .signing
                .certificates
                .iter()
                .map(|c| c.sha256.clone())
                .collect();
            assert!(
                expected.signers.is_subset(&ours),
                "{ctx}: signer certificates {:?} not all in ours {:?}",
                expected.signers,
                ours
            );
        }
        compared += 1;
    }
    if !files.is_empty() {
        assert!(
            compared >= 50,
            "only {compared} APKs compared with apksigner"
        );
    }
}
