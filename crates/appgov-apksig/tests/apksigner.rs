//! Cross-check against `apksigner verify -v --print-certs` (Debian 31.0.2) on
//! every corpus APK: verdict, schemes verified, signer count and each signer
//! certificate's fingerprints and DN.

mod common;

use appgov_apksig::{Scheme, SigningReport, VerifyOptions, verify_view};
use common::{MiniZip, aapt_sdks, corpus_files};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Files where apksigner 31.0.2 is wrong or cannot run, with what we expect.
const EXCEPTIONS: &[(&str, &str)] = &[
    // apksigner 31.0.2 predates v3.1 (block 0x1b93ad61) and so judges only the
    // v3 signer targeting 28..32, then complains about targetSdk 30. Newer
    // apksigner (and Android 13+) verify v3 for 29..32 and v3.1 from 33.
    (
        "apksig__v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk",
        "verifies",
    ),
    // apksigner crashes: the Debian JVM lacks SHA256withRSA/PSS. The v2
    // signature is valid, but minSdk 23 needs a v1 signature, which is absent.
    (
        "apksig__v2-only-with-rsa-pss-sha256-2048.apk",
        "does-not-verify",
    ),
];

#[derive(Debug, Default)]
struct Oracle {
    verifies: Option<bool>,
    schemes: BTreeMap<String, bool>,
    signers: Option<usize>,
    certs: Vec<BTreeMap<String, String>>,
    crashed: bool,
}

fn run_apksigner(path: &Path, min_sdk: Option<u32>) -> Option<Oracle> {
    let mut cmd = Command::new("apksigner");
    cmd.args(["verify", "-v", "--print-certs"]);
    if let Some(m) = min_sdk {
        cmd.args(["--min-sdk-version", &m.to_string()]);
    }
    let out = cmd.arg(path).output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let mut o = Oracle::default();
    for line in text.lines() {
        if line == "Verifies" {
            o.verifies = Some(true);
        } else if line == "DOES NOT VERIFY" {
            o.verifies = Some(false);
        } else if line.starts_with("Exception in thread") {
            o.crashed = true;
        } else if let Some(rest) = line.strip_prefix("Verified using ") {
            if let Some((k, v)) = rest.split_once(": ") {
                let scheme = k.split(' ').next().unwrap_or("").to_string();
                o.schemes.insert(scheme, v == "true");
            }
        } else if let Some(n) = line.strip_prefix("Number of signers: ") {
            o.signers = n.trim().parse().ok();
        } else if let Some(rest) = line.strip_prefix("Signer #") {
            let Some((num, kv)) = rest.split_once(' ') else {
                continue;
            };
            let Ok(i) = num.parse::<usize>() else {
                continue;
            };
            let Some((k, v)) = kv.split_once(": ") else {
                continue;
            };
            while o.certs.len() < i {
                o.certs.push(BTreeMap::new());
            }
            o.certs[i - 1].insert(k.to_string(), v.to_string());
        }
    }
    Some(o)
}

fn ours(
    path: &Path,
    min_sdk: u32,
    target: Option<u32>,
    sandbox: Option<u32>,
) -> Option<SigningReport> {
    let data = std::fs::read(path).ok()?;
    let zip = MiniZip::open(data)?;
    let mut opts = VerifyOptions::range(min_sdk, u32::MAX);
    opts.target_sdk = target;
    opts.target_sandbox_version = sandbox;
    Some(verify_view(&zip, &opts))
}

#[test]
fn matches_apksigner_on_corpus() {
    if Command::new("apksigner").arg("--version").output().is_err() {
        eprintln!("skipping: apksigner not on PATH");
        return;
    }
    let files = corpus_files(&["apk", "apk-signing", "apk-malformed"], &["apk"]);
    let mut compared = 0;
    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let (min, target, sandbox) = aapt_sdks(path);
        let Some(report) = ours(path, min.unwrap_or(1), target, sandbox) else {
            eprintln!("{name}: test ZIP reader cannot open it; not compared");
            continue;
        };
        if let Some((_, expect)) = EXCEPTIONS.iter().find(|(n, _)| *n == name) {
            let want = *expect == "verifies";
            if report.verdict.verified != want {
                failures.push(format!(
                    "{name}: exception expects {expect}, got {:?}",
                    report.verdict
                ));
            }
            compared += 1;
            continue;
        }
        let Some(o) = run_apksigner(path, min) else {
            continue;
        };
        let Some(verifies) = o.verifies else {
            eprintln!(
                "{name}: apksigner gave no verdict (crashed={}); ours: {:?}",
                o.crashed, report.verdict
            );
            continue;
        };
        compared += 1;
        if verifies != report.verdict.verified {
            failures.push(format!(
                "{name}: apksigner verifies={verifies}, ours={:?}; schemes={:?}",
                report.verdict,
                report
                    .schemes
                    .iter()
                    .map(|s| (s.scheme, s.checked, s.errors.clone()))
                    .collect::<Vec<_>>()
            ));
            continue;
        }
        if !verifies {
            continue;
        }
        for (label, scheme) in [("v1", Scheme::V1), ("v2", Scheme::V2), ("v3", Scheme::V3)] {
            let theirs = o.schemes.get(label).copied().unwrap_or(false);
            let mine = report.verdict.schemes.contains(&scheme);
            if theirs != mine {
                failures.push(format!("{name}: {label} apksigner={theirs} ours={mine}"));
            }
        }
        let signers = report.signer_certificates();
        if o.signers != Some(signers.len()) {
            failures.push(format!(
                "{name}: signers apksigner={:?} ours={}",
                o.signers,
                signers.len()
            ));
            continue;
        }
        for (i, (theirs, mine)) in o.certs.iter().zip(signers).enumerate() {
            let checks = [
                ("certificate SHA-256 digest", &mine.sha256),
                ("certificate SHA-1 digest", &mine.sha1),
                ("certificate MD5 digest", &mine.md5),
                ("certificate DN", &mine.subject),
                ("public key SHA-256 digest", &mine.public_key_sha256),
            ];
            for (k, v) in checks {
                if theirs.get(k) != Some(v) {
                    failures.push(format!(
                        "{name}: signer #{} {k}: apksigner={:?} ours={v:?}",
                        i + 1,
                        theirs.get(k)
                    ));
                }
            }
            if let Some(bits) = theirs.get("key size (bits)")
                && Some(bits.parse::<u32>().unwrap_or(0)) != mine.key_bits
            {
                failures.push(format!("{name}: key bits {bits} vs {:?}", mine.key_bits));
            }
        }
    }
    for f in &failures {
        eprintln!("MISMATCH {f}");
    }
    eprintln!("compared {compared} of {} files", files.len());
    assert!(failures.is_empty(), "{} mismatches", failures.len());
    if corpus_files(&["apk"], &["apk"]).len() > 10 {
        assert!(compared >= 45, "only {compared} compared");
    }
}
