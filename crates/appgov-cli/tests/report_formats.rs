//! `appgov scan --format sarif|cyclonedx|html`: the binary prints documents
//! that validate against the official schemas, writes them per package with
//! `--out`, and refuses several inputs on standard output.

#[path = "../../appgov-report/tests/support/schemas.rs"]
mod schemas;

use std::path::PathBuf;
use std::process::{Command, Output};

use appgov_testkit::corpus_root;
use serde_json::Value;

fn appgov(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_appgov"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("appgov runs")
}

fn corpus(rel: &str) -> Option<PathBuf> {
    corpus_root().map(|r| r.join(rel))
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

const APK: &str = "apk/insecurebankv2__app-release.apk";

#[test]
fn sarif_on_stdout_is_valid_and_carries_every_finding() {
    let Some(apk) = corpus(APK) else { return };
    let apk = apk.to_str().unwrap();
    let out = appgov(
        &["scan", "--format", "sarif", "--date", "2026-12-01", apk],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let log = json(&out);
    if let Some(v) = schemas::sarif() {
        schemas::assert_valid(&v, &log, "appgov scan --format sarif");
    }
    assert_eq!(log["version"], "2.1.0");
    let facts = json(&appgov(
        &["scan", "--format", "json", "--date", "2026-12-01", apk],
        &[],
    ));
    let findings = facts["findings"].as_array().unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(r["ruleId"], f["rule"]);
        assert_eq!(r["properties"]["message_zh"], f["message_zh"]);
    }
    assert_eq!(
        log["runs"][0]["artifacts"][0]["hashes"]["sha-256"],
        facts["input"]["sha256"]
    );
}

#[test]
fn cyclonedx_on_stdout_is_valid_and_reproducible() {
    let Some(apk) = corpus("apk/mastg__HelloWord-JNI.apk") else {
        return;
    };
    let apk = apk.to_str().unwrap();
    let args = ["scan", "--format", "cyclonedx", "--date", "2026-12-01", apk];
    let env = [("SOURCE_DATE_EPOCH", "1796112000")];
    let a = appgov(&args, &env);
    let b = appgov(&args, &env);
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout, "same file and time, same bytes");
    let bom = json(&a);
    if let Some(v) = schemas::cyclonedx() {
        schemas::assert_valid(&v, &bom, "appgov scan --format cyclonedx");
    }
    assert_eq!(bom["metadata"]["timestamp"], "2026-12-01T08:00:00Z");
    assert_eq!(
        bom["metadata"]["component"]["name"],
        "sg.vantagepoint.helloworldjni"
    );
    let libs: Vec<&Value> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["bom-ref"].as_str().unwrap().starts_with("native:"))
        .collect();
    assert!(!libs.is_empty(), "native libraries are components");
    // Without SOURCE_DATE_EPOCH only the timestamp may differ.
    let mut now = json(&appgov(&args, &[]));
    let mut fixed = bom.clone();
    now["metadata"]["timestamp"] = Value::Null;
    fixed["metadata"]["timestamp"] = Value::Null;
    assert_eq!(now, fixed);
}

#[test]
fn html_on_stdout_is_one_self_contained_page() {
    let Some(apk) = corpus(APK) else { return };
    let out = appgov(
        &[
            "scan",
            "--format",
            "html",
            "--date",
            "2026-12-01",
            apk.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("</html>").count(), 1);
    assert!(page.contains("com.android.insecurebankv2"));
    assert!(page.contains("不通过"));
    assert!(!page.contains(" src="));
    assert!(!page.contains("<link"));
    assert!(!page.contains("href=\"http"));
}

#[test]
fn out_writes_the_chosen_format_beside_the_json() {
    let Some(root) = corpus_root() else { return };
    let dir = std::env::temp_dir().join(format!("appgov-cli-reports-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let a = root.join(APK);
    let b = root.join("apk/androguard__TC-debug.apk");
    for (format, ext) in [
        ("sarif", "sarif"),
        ("cyclonedx", "cdx.json"),
        ("html", "html"),
    ] {
        let out_dir = dir.join(format);
        let out = appgov(
            &[
                "scan",
                "--quiet",
                "--format",
                format,
                "--out",
                out_dir.to_str().unwrap(),
                a.to_str().unwrap(),
                b.to_str().unwrap(),
            ],
            &[],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "documents go to files, not stdout");
        for name in [
            "insecurebankv2__app-release.apk",
            "androguard__TC-debug.apk",
        ] {
            assert!(
                out_dir.join(format!("{name}.json")).is_file(),
                "{name}.json"
            );
            let report = out_dir.join(format!("{name}.{ext}"));
            let text = std::fs::read_to_string(&report)
                .unwrap_or_else(|e| panic!("{}: {e}", report.display()));
            match format {
                "sarif" => {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    if let Some(s) = schemas::sarif() {
                        schemas::assert_valid(&s, &v, &report.display().to_string());
                    }
                }
                "cyclonedx" => {
                    let v: Value = serde_json::from_str(&text).unwrap();
                    if let Some(s) = schemas::cyclonedx() {
                        schemas::assert_valid(&s, &v, &report.display().to_string());
                    }
                }
                _ => assert!(text.starts_with("<!DOCTYPE html>")),
            }
        }
    }
    // Several inputs and no --out: which document would stdout get? Refused.
    let out = appgov(
        &[
            "scan",
            "--format",
            "sarif",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_package_that_cannot_be_read_is_reported_as_such() {
    let dir = std::env::temp_dir().join(format!("appgov-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("garbage.apk");
    std::fs::write(&bad, b"this is not a zip file at all").unwrap();
    let out = appgov(&["scan", "--format", "sarif", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let log = json(&out);
    if let Some(v) = schemas::sarif() {
        schemas::assert_valid(&v, &log, "SARIF of an unreadable package");
    }
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert!(
        inv["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("not a zip")
    );
    let out = appgov(&["scan", "--format", "html", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains("无法判定"));
    std::fs::remove_dir_all(&dir).unwrap();
}
