//! `appgov scan --check-links` end to end without the network: results come
//! from a link cache file (`--link-offline` guarantees nothing is fetched),
//! so the test shows the flags, the facts, the text section and PKG-044.
//! Fetching itself is tested against loopback servers in appgov-links.

use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

use appgov_testkit::corpus_root;

fn appgov(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_appgov"))
        .args(args)
        .output()
        .expect("appgov runs")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("appgov-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn link_flags_are_validated() {
    // --link-offline needs a cache; a zero concurrency or time-out is refused.
    for args in [
        &["scan", "x.apk", "--check-links", "--link-offline"][..],
        &["scan", "x.apk", "--check-links", "--link-concurrency", "0"][..],
        &["scan", "x.apk", "--check-links", "--link-timeout", "0"][..],
    ] {
        let out = appgov(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn cached_results_fill_the_facts_the_text_and_pkg_044() {
    let Some(root) = corpus_root() else {
        eprintln!("skipping: corpus not available");
        return;
    };
    let apk = root.join("apk/insecurebankv2__app-release.apk");
    let apk = apk.to_str().unwrap();
    let dir = temp_dir("links");
    let cache = dir.join("links.json");
    let cache_arg = cache.to_str().unwrap();

    // Without --check-links: no link facts, and nothing in `analysed`.
    let plain = appgov(&["scan", "--format", "json", apk]);
    let v: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert!(v.get("link_checks").is_none());
    assert!(
        !v["analysed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "links")
    );

    // A cache: one dead URL (404), one live, one domain that does not
    // resolve, one entry past its time to live.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let entry = |key: &str, url: &str, kind: &str, status: &str, code: Option<u16>, age: i64| {
        serde_json::json!({
            "key": key,
            "checked_unix": now - age,
            "result": {
                "url": url, "kind": kind, "status": status, "http_status": code,
                "reason": null, "final_url": null, "redirects": [], "elapsed_ms": 12,
                "checked_at": "2026-12-01T08:00:00Z"
            }
        })
    };
    let file = serde_json::json!({
        "schema": "appgov.link-cache/1",
        "entries": [
            entry("url https://www.paypal.com", "https://www.paypal.com", "url", "http_error", Some(404), 60),
            entry("url https://twitter.com", "https://twitter.com", "url", "ok", Some(200), 60),
            entry("domain gtm.id", "gtm.id", "domain", "dns_failure", None, 60),
            entry("url https://www.linkedin.com", "https://www.linkedin.com", "url", "timeout", None, 3 * 86400),
        ]
    });
    std::fs::write(&cache, serde_json::to_vec(&file).unwrap()).unwrap();

    let out = appgov(&[
        "scan",
        "--format",
        "json",
        "--check-links",
        "--link-offline",
        "--link-cache",
        cache_arg,
        apk,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["analysed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "links")
    );
    let checks = v["link_checks"].as_array().unwrap();
    let by_url = |u: &str| {
        checks
            .iter()
            .find(|c| c["url"] == u)
            .unwrap_or_else(|| panic!("{u} checked"))
    };
    assert_eq!(by_url("https://www.paypal.com")["http_status"], 404);
    assert_eq!(by_url("https://twitter.com")["status"], "ok");
    assert_eq!(by_url("gtm.id")["status"], "dns_failure");
    // Expired: not used, and offline it is not fetched either.
    assert_eq!(by_url("https://www.linkedin.com")["status"], "skipped");
    // Identifiers are not link targets.
    assert!(
        !checks
            .iter()
            .any(|c| c["url"].as_str().unwrap().contains("schema.org/"))
    );
    let finding = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "PKG-044")
        .expect("PKG-044 fires");
    let evidence: Vec<&str> = finding["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        evidence,
        ["gtm.id — dns_failure", "https://www.paypal.com — HTTP 404"]
    );

    // The cache is written back without the expired entry.
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    let keys: Vec<&str> = saved["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "domain gtm.id",
            "url https://twitter.com",
            "url https://www.paypal.com"
        ]
    );

    // The text summary has a links line listing the dead ones.
    let text = appgov(&[
        "scan",
        "--check-links",
        "--link-offline",
        "--link-cache",
        cache_arg,
        apk,
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    let links = text
        .lines()
        .find(|l| l.trim_start().starts_with("links"))
        .unwrap_or_else(|| panic!("no links line in\n{text}"));
    assert!(links.contains(" 2 dead"), "{links}");
    assert!(
        text.contains("HTTP 404           https://www.paypal.com"),
        "{text}"
    );
    assert!(text.contains("PKG-044"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
