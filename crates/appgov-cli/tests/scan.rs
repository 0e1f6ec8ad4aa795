//! `appgov scan` end to end: the binary on real files, its JSON interface,
//! batches with bad files, and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

use appgov_testkit::corpus_root;

fn appgov(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_appgov"))
        .args(args)
        .output()
        .expect("appgov runs")
}

fn corpus(rel: &str) -> Option<PathBuf> {
    corpus_root().map(|r| r.join(rel))
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn json_has_the_documented_interface() {
    let Some(apk) = corpus("apk/androguard__TestActivity_signed_both.apk") else {
        return;
    };
    let out = appgov(&["scan", "--format", "json", apk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["schema"], "appgov.facts/1");
    assert_eq!(v["package"], "tests.androguard");
    assert_eq!(v["version_code"], 1);
    assert_eq!(v["version_name"], "1.0");
    assert_eq!(v["min_sdk"], 9);
    assert_eq!(v["target_sdk"], 16);
    assert!(v["label"].is_string());
    assert!(
        v["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.is_string())
    );
    assert!(v["anomalies"].is_array());
    assert!(v["error"].is_null());
    let signing = &v["signing"];
    let schemes = signing["schemes"].as_array().unwrap();
    assert_eq!(
        schemes
            .iter()
            .map(|s| s["scheme"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["v1", "v2"]
    );
    assert!(schemes.iter().all(|s| s["verified"] == true));
    let cert = &signing["certificates"][0];
    for key in ["sha256", "sha1", "md5", "subject"] {
        assert!(cert[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }
    assert_eq!(cert["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(cert["md5"].as_str().unwrap().len(), 32);
}

#[test]
fn a_bad_file_does_not_stop_the_batch_and_sets_exit_code_1() {
    let Some(root) = corpus_root() else { return };
    let dir = std::env::temp_dir().join(format!("appgov-cli-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("garbage.apk"), b"this is not a zip file at all").unwrap();
    std::fs::copy(
        root.join("apk/androguard__TC-debug.apk"),
        dir.join("good.apk"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), b"ignored: not a package extension").unwrap();
    let out_dir = dir.join("facts");
    let out = appgov(&[
        "scan",
        "--format",
        "json",
        "--jobs",
        "2",
        "--out",
        out_dir.to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let items = v.as_array().expect("an array for a directory");
    assert_eq!(items.len(), 2);
    // Sorted by file name: garbage.apk, then good.apk.
    assert!(items[0]["error"].as_str().unwrap().contains("not a zip"));
    assert_eq!(items[1]["package"], "org.t0t0.androguard.TC");
    assert!(items[1]["error"].is_null());
    assert!(out_dir.join("good.apk.json").is_file());
    assert!(out_dir.join("garbage.apk.json").is_file());
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("good.apk.json")).unwrap()).unwrap();
    assert_eq!(written["package"], items[1]["package"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_summary_is_readable() {
    let Some(apk) = corpus("apk/vasdolly__v2-base-debug.apk") else {
        return;
    };
    let out = appgov(&["scan", apk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("package       leon.com.apkchannelpackage"),
        "{text}"
    );
    assert!(text.contains("v2 ✓"), "{text}");
    assert!(
        text.contains("SHA-256 fd9eb16b9cbc1c5aee606ff8927d455af8f18b3ed89ddf9ab2895553df7376b3"),
        "{text}"
    );
}

#[test]
fn file_reads_agree_with_in_memory_analysis() {
    let Some(apk) = corpus("apk/npm-appium-settings__settings_apk-debug.apk") else {
        return;
    };
    let out = appgov(&["scan", "--format", "json", apk.to_str().unwrap()]);
    let from_file = json(&out);
    let data = std::fs::read(&apk).unwrap();
    // The CLI keeps API callers only for the APIs the knowledge catalog watches.
    let k = appgov_knowledge::Knowledge::builtin().unwrap();
    let mut watch: Vec<String> = k
        .apis
        .iter()
        .flat_map(|a| a.methods.iter().map(move |m| format!("{}.{m}", a.class)))
        .collect();
    watch.sort();
    watch.dedup();
    let options = appgov_analyzer::Options {
        api_uses_for: Some(watch),
        ..appgov_analyzer::Options::default()
    };
    let in_memory = appgov_analyzer::analyze(&data, "x.apk", &options);
    let in_memory = serde_json::to_value(&in_memory).unwrap();
    for key in [
        "package",
        "signing",
        "dex",
        "native_libs",
        "endpoints",
        "anomalies",
        "android",
    ] {
        assert_eq!(from_file[key], in_memory[key], "{key}");
    }
    assert_eq!(from_file["input"]["sha256"], in_memory["input"]["sha256"]);
}

#[test]
fn usage_errors_exit_2() {
    let out = appgov(&["scan", "/nonexistent/path.apk"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
    let out = appgov(&["scan", "--format", "yaml", "x.apk"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_carries_sdks_packer_and_findings() {
    let Some(apk) = corpus("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    let out = appgov(&[
        "scan",
        "--format",
        "json",
        "--date",
        "2026-12-01",
        apk.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let sdks = v["sdks"].as_array().expect("sdks array");
    let admob = sdks
        .iter()
        .find(|s| s["id"] == "google-admob")
        .expect("AdMob detected");
    for key in ["name", "name_zh", "category", "evidence"] {
        assert!(!admob[key].is_null(), "sdk lacks {key}");
    }
    assert!(v["packer"].is_null(), "no packer in this app");
    let findings = v["findings"].as_array().expect("findings array");
    let ads = findings
        .iter()
        .find(|f| f["rule"] == "PKG-022")
        .expect("ads SDK finding");
    assert_eq!(ads["severity"], "medium");
    assert_eq!(ads["articles"], serde_json::json!([6, 16]));
    assert!(!ads["evidence"].as_array().unwrap().is_empty());
    let bad_date = appgov(&["scan", "--date", "yesterday", apk.to_str().unwrap()]);
    assert_eq!(bad_date.status.code(), Some(2));
}

#[test]
fn rules_lists_and_explains_every_check() {
    let out = appgov(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    let list = v.as_array().unwrap();
    assert!(list.len() >= 15);
    for r in list {
        for key in ["id", "title_zh", "title_en", "severity", "articles"] {
            assert!(!r[key].is_null(), "{r} lacks {key}");
        }
        let id = r["id"].as_str().unwrap();
        let zh = appgov(&["rules", "explain", id]);
        assert_eq!(zh.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&zh.stdout).contains("## 修复"));
        let en = appgov(&["rules", "explain", id, "--lang", "en"]);
        assert!(String::from_utf8_lossy(&en.stdout).contains("## Fix"));
    }
    let missing = appgov(&["rules", "explain", "PKG-999"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn fail_on_gates_ci_and_policy_suppressions_count() {
    let Some(apk) = corpus("apk/mobsf__android.apk") else {
        return;
    };
    let apk = apk.to_str().unwrap();
    // `scan -q --fail-on critical` on a date, with an optional policy.
    let gate = |date: &str, policy: Option<&str>| {
        let mut args = vec!["scan", "-q", "--date", date, "--fail-on", "critical"];
        if let Some(p) = policy {
            args.extend(["--policy", p]);
        }
        args.push(apk);
        appgov(&args).status.code()
    };
    assert_eq!(
        gate("2026-12-01", None),
        Some(3),
        "debug certificate is critical"
    );
    // Suppress the only critical finding by policy: the gate passes.
    let dir = std::env::temp_dir().join(format!("appgov-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        "schema = 1\n[[suppress]]\nrule = \"PKG-009\"\nreason = \"test build\"\nowner = \"qa\"\nexpires = \"2026-12-31\"\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    assert_eq!(gate("2026-12-01", Some(p)), Some(0));
    let json_out = appgov(&[
        "scan",
        "--format",
        "json",
        "--date",
        "2026-12-01",
        "--policy",
        p,
        apk,
    ]);
    let v = json(&json_out);
    assert_eq!(v["suppressed"][0]["rule"], "PKG-009");
    assert_eq!(v["suppressed"][0]["suppression"]["status"], "active");
    // Expired: back in force and the gate fails again.
    assert_eq!(gate("2027-01-01", Some(p)), Some(3));
    // A broken policy is a command error, not a silent pass.
    std::fs::write(&policy, "schema = 1\n[[suppress]]\nrule = \"PKG-009\"\n").unwrap();
    assert_eq!(gate("2026-12-01", Some(p)), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn diff_reports_signer_change_loudly_and_gates_on_it() {
    let (Some(old), Some(new)) = (
        corpus("apk/androguard__TestActivity.apk"),
        corpus("apk/androguard__TestActivity_signed_both.apk"),
    ) else {
        return;
    };
    let (o, n) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = appgov(&["diff", "--format", "json", "--date", "2026-12-01", o, n]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["signer_changed"], true);
    assert_eq!(v["package_changed"], false);
    assert_eq!(v["certificates"]["added"].as_array().unwrap().len(), 1);
    let fixed: Vec<&str> = v["fixed_findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(fixed.contains(&"PKG-009"), "{fixed:?}");
    let text = appgov(&["diff", "--date", "2026-12-01", o, n]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("SIGNING CERTIFICATE CHANGED"));
    let html = appgov(&["diff", "--format", "html", "--date", "2026-12-01", o, n]);
    assert_eq!(html.status.code(), Some(0));
    let page = String::from_utf8(html.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\""));
    assert!(page.contains("签名证书变更且不在 v3 轮换链中"));
    assert!(page.contains("class=\"verdict fail\""));
    let new_sha = v["new"]["signers"][0].as_str().unwrap();
    assert!(page.contains(new_sha), "new signer listed");
    assert!(
        page.contains("<span class=\"rule\">PKG-009</span>"),
        "fixed finding listed"
    );
    let gate = appgov(&[
        "diff",
        "--fail-on",
        "critical",
        "--date",
        "2026-12-01",
        o,
        n,
    ]);
    assert_eq!(gate.status.code(), Some(3));
    // The same file against itself: nothing changed, the gate passes.
    let same = appgov(&[
        "diff",
        "--format",
        "json",
        "--fail-on",
        "low",
        "--date",
        "2026-12-01",
        o,
        o,
    ]);
    assert_eq!(same.status.code(), Some(0));
    let v = json(&same);
    assert_eq!(v["signer_changed"], false);
    assert!(v["new_findings"].as_array().unwrap().is_empty());
    assert!(v["permissions"]["added"].as_array().unwrap().is_empty());
}
