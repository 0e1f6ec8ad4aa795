//! Source stamps made by `apksigner sign --stamp-signer` (Debian 31.0.2) on a
//! corpus APK, then tampered byte by byte inside the stamp block; for each
//! variant our result must equal `apksigner verify -v`'s "Verified for
//! SourceStamp" line and its stamp certificate digest, and the package
//! verdict must stay untouched (Android installs despite a bad stamp).

mod common;

use appgov_apksig::{VerifyOptions, block, parse_signing_block, verify_view};
use common::{MiniZip, corpus};
use std::path::{Path, PathBuf};
use std::process::Command;

const INPUT: &str = "apk/androguard__AndroguardTest-app-debug-androidTest.apk";

fn tool_available(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh RSA key pair as apksigner wants it: PKCS#8 DER key and PEM certificate.
fn make_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let pem = dir.join(format!("{name}.pem"));
    let crt = dir.join(format!("{name}.crt"));
    let pk8 = dir.join(format!("{name}.pk8"));
    run(Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "3650"])
        .args(["-newkey", "rsa:2048"])
        .arg("-keyout")
        .arg(&pem)
        .arg("-out")
        .arg(&crt)
        .args(["-subj", &format!("/CN={name}")]));
    run(Command::new("openssl")
        .args(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER", "-in"])
        .arg(&pem)
        .arg("-out")
        .arg(&pk8));
    (pk8, crt)
}

struct ApksignerStamp {
    verifies: bool,
    stamp_verified: Option<bool>,
    stamp_sha256: Option<String>,
}

fn apksigner_verify(apk: &Path, min_sdk: u32) -> ApksignerStamp {
    let out = Command::new("apksigner")
        .args(["verify", "-v", "--print-certs", "--min-sdk-version"])
        .arg(min_sdk.to_string())
        .arg(apk)
        .output()
        .expect("apksigner");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut r = ApksignerStamp {
        verifies: text.lines().any(|l| l == "Verifies"),
        stamp_verified: None,
        stamp_sha256: None,
    };
    for l in text.lines() {
        if let Some(v) = l.strip_prefix("Verified for SourceStamp: ") {
            r.stamp_verified = Some(v == "true");
        }
        if let Some(v) = l.strip_prefix("Source Stamp Signer certificate SHA-256 digest: ") {
            r.stamp_sha256 = Some(v.to_string());
        }
    }
    r
}

/// File offsets of every signature inside the v2 stamp block: one per
/// signed scheme, then the one over the attributes.
fn stamp_signature_offsets(data: &[u8], cd_offset: u64) -> Vec<(String, usize, usize)> {
    let sb = parse_signing_block(&data.to_vec(), cd_offset).expect("signing block");
    let pair = sb
        .pairs
        .iter()
        .find(|p| p.id == block::ID_STAMP_V2)
        .expect("v2 stamp block");
    let base = pair.value_offset as usize;
    let v = &pair.value;
    let u32_at = |o: usize| u32::from_le_bytes(v[o..o + 4].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    // outer prefix, certificate prefix + certificate
    let mut o = 4;
    o += 4 + u32_at(o);
    // signed digests
    let sd_len = u32_at(o);
    let sd_end = o + 4 + sd_len;
    let mut i = o + 4;
    while i < sd_end {
        let item_len = u32_at(i);
        let scheme = u32_at(i + 4);
        // item: len, scheme, sigs len, [sig item len, alg, sig len, sig]
        let sig_len = u32_at(i + 20);
        out.push((format!("scheme {scheme}"), base + i + 24, sig_len));
        i += 4 + item_len;
    }
    o = sd_end;
    o += 4 + u32_at(o); // attributes
    let sig_len = u32_at(o + 12);
    out.push(("attributes".into(), base + o + 16, sig_len));
    out
}

#[test]
fn source_stamps_match_apksigner() {
    let Some(root) = corpus() else { return };
    if !tool_available("apksigner", "--version") || !tool_available("openssl", "version") {
        eprintln!("skipping: apksigner or openssl not on PATH");
        return;
    }
    let input = root.join(INPUT);
    if !input.is_file() {
        eprintln!("skipping: {INPUT} not in the corpus");
        return;
    }
    let dir = std::env::temp_dir().join(format!("appgov-stamp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut compared = 0;
    let mut seen = (false, false);
    let mut failures = Vec::new();
    // (stamp key kind, min SDK): below 24 the JAR signature is verified too,
    // so the stamp's scheme-1 signature counts.
    // apksigner 31.0.2 can only make RSA stamps (it signs an EC stamp key
    // with SHA256withRSA and throws), so both keys are RSA here; the EC and
    // DSA paths are the same crypto code the v2/v3 corpus tests exercise.
    for min_sdk in [24u32, 18] {
        let (app_key, app_crt) = make_key(&dir, &format!("app-{min_sdk}"));
        let (stamp_key, stamp_crt) = make_key(&dir, &format!("stamp-{min_sdk}"));
        let signed = dir.join(format!("stamped-min{min_sdk}.apk"));
        run(Command::new("apksigner")
            .args(["sign", "--min-sdk-version", &min_sdk.to_string(), "--key"])
            .arg(&app_key)
            .arg("--cert")
            .arg(&app_crt)
            .args(["--stamp-signer", "--key"])
            .arg(&stamp_key)
            .arg("--cert")
            .arg(&stamp_crt)
            .arg("--out")
            .arg(&signed)
            .arg(&input));
        let data = std::fs::read(&signed).unwrap();
        let zip = MiniZip::open(data.clone()).expect("signed APK opens");
        let mut variants = vec![("untouched".to_string(), data.clone())];
        for (what, off, len) in stamp_signature_offsets(&data, zip.cd_offset) {
            let mut d = data.clone();
            d[off + len / 2] ^= 0x01;
            variants.push((format!("{what} signature flipped"), d));
        }
        for (what, bytes) in variants {
            let path = dir.join("variant.apk");
            std::fs::write(&path, &bytes).unwrap();
            let oracle = apksigner_verify(&path, min_sdk);
            let zip = MiniZip::open(bytes).unwrap();
            let ours = verify_view(&zip, &VerifyOptions::range(min_sdk, u32::MAX));
            let st = ours.source_stamp.as_ref();
            let label = format!("min SDK {min_sdk}, {what}");
            eprintln!(
                "{label}: apksigner {:?}, ours {:?}",
                oracle.stamp_verified,
                st.and_then(|s| s.verified)
            );
            compared += 1;
            if oracle.verifies != ours.verdict.verified {
                failures.push(format!(
                    "{label}: package verdict apksigner={} ours={:?}",
                    oracle.verifies, ours.verdict
                ));
            }
            let our_verified = st.and_then(|s| s.verified);
            match our_verified {
                Some(true) => seen.0 = true,
                Some(false) => seen.1 = true,
                None => {}
            }
            if oracle.stamp_verified != our_verified {
                failures.push(format!(
                    "{label}: stamp verified apksigner={:?} ours={our_verified:?} errors={:?}",
                    oracle.stamp_verified,
                    st.map(|s| &s.errors)
                ));
            }
            if oracle.stamp_sha256 != st.and_then(|s| s.certificate_sha256.clone()) {
                failures.push(format!("{label}: stamp certificate differs"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 2 stamps × (untouched + 2 or 3 scheme signatures + attributes).
    assert!(compared >= 8, "only {compared} variants compared");
    assert!(seen.0 && seen.1, "both good and bad stamps exercised");
}
