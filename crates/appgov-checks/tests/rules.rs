//! Every check fires on a real package that has the problem and stays quiet
//! on one that does not. Where the corpus has no package on one side (no
//! corpus app pins certificates or ships a packer), the test takes a real
//! package's facts and changes the one fact the check reads, and says so.

mod common;

use appgov_analyzer::{Facts, analyze};
use appgov_checks::{Analysis, analyse, registry};
use appgov_knowledge::Knowledge;
use appgov_testkit::CorpusFile;

const TODAY: &str = "2026-12-01";

fn facts(rel: &str) -> Option<Facts> {
    let file = CorpusFile::named(rel)?;
    let data = file.read_checked();
    Some(analyze(&data, rel, &common::options()))
}

fn run(f: &Facts, today: &str) -> Analysis {
    let k = Knowledge::builtin().expect("built-in knowledge is valid");
    analyse(f, &k, today)
}

fn fired(f: &Facts, rule: &str) -> bool {
    run(f, TODAY).findings.iter().any(|x| x.rule == rule)
}

/// `(rule, package that has the problem, package that does not)`.
const PAIRS: &[(&str, &str, &str)] = &[
    // an AWS access key ID in a string resource / no credential anywhere.
    (
        "PKG-023",
        "apk/injuredandroid__injuredandroid.apk",
        "apk/androguard__a2dp.Vol_137.apk",
    ),
    // debuggable="true" in the manifest / absent.
    (
        "PKG-002",
        "apk/mobsf__android.apk",
        "apk/androguard__a2dp.Vol_137.apk",
    ),
    // allowBackup default (true) without rules / allowBackup="false".
    (
        "PKG-003",
        "apk/mobsf__android.apk",
        "apk/androguard__TestActivity.apk",
    ),
    // target SDK 23: cleartext by default / app whose config forbids it.
    (
        "PKG-004",
        "apk/mobsf__android.apk",
        "apk/buddhaquotes__v1.6.0.apk",
    ),
    // target SDK 23 and no network security config: user CAs trusted by default / target 28+.
    (
        "PKG-005",
        "apk/mobsf__android.apk",
        "apk/androguard__a2dp.Vol_137.apk",
    ),
    // v1 only, minSdk 15 / v1+v2.
    (
        "PKG-007",
        "apk/mobsf__android.apk",
        "apk/androguard__TestActivity_signed_both.apk",
    ),
    // CN=Android Debug / a release key.
    (
        "PKG-009",
        "apk/mobsf__android.apk",
        "apk/androguard__a2dp.Vol_137.apk",
    ),
    // exported components without permission / none.
    (
        "PKG-011",
        "apk/mobsf__android.apk",
        "apk/androguard__TC-debug.apk",
    ),
    // armeabi-v7a without arm64-v8a / no native code.
    (
        "PKG-013",
        "apk-signing/apksig__golden-aligned-v1-out.apk",
        "apk/mobsf__android.apk",
    ),
    // READ_CONTACTS-class permissions / only INTERNET and storage.
    (
        "PKG-015",
        "apk/npm-apidemos__ApiDemos-debug.apk",
        "apk/mobsf__android.apk",
    ),
    // getInstalledPackages referenced / not.
    (
        "PKG-016",
        "apk/npm-apidemos__ApiDemos-debug.apk",
        "apk/mobsf__android.apk",
    ),
    // getDeviceId / none.
    (
        "PKG-017",
        "apk/androidproject__AndroidProject.apk",
        "apk/mobsf__android.apk",
    ),
    // ClipboardManager.getPrimaryClip / none.
    (
        "PKG-018",
        "apk/npm-apidemos__ApiDemos-debug.apk",
        "apk/mobsf__android.apk",
    ),
    // WebActivity$MyWebViewClient.onReceivedSslError calls proceed() (dexdump-checked
    // in the analyser's code_signals tests) / no such code.
    (
        "PKG-006",
        "apk/androidproject__AndroidProject.apk",
        "apk/mobsf__android.apk",
    ),
    // DexClassLoader in com.google.android.gms.internal / none.
    (
        "PKG-028",
        "apk/insecurebankv2__app-release.apk",
        "apk/mobsf__android.apk",
    ),
    // AdMob and Google Analytics / no SDK.
    (
        "PKG-022",
        "apk/insecurebankv2__app-release.apk",
        "apk/mobsf__android.apk",
    ),
    // Umeng collects personal information, no disclosed list / no such SDK.
    (
        "PKG-020",
        "apk/androidproject__AndroidProject.apk",
        "apk/mobsf__android.apk",
    ),
    // Cipher.getInstance("AES") in sg.vantagepoint.a.a.a (ECB by default) / no cipher.
    (
        "PKG-024",
        "apk/mastg__UnCrackable-Level1.apk",
        "apk/mobsf__android.apk",
    ),
    // addJavascriptInterface with minSdk 15 / JavaScript enabled but no bridge.
    (
        "PKG-025",
        "apk/insecurebankv2__app-release.apk",
        "apk/mobsf__android.apk",
    ),
    // No FLAG_SECURE anywhere / ApiDemos' SecureView samples set it.
    (
        "PKG-029",
        "apk/mobsf__android.apk",
        "apk/npm-apidemos__ApiDemos-debug.apk",
    ),
    // RSA 1024, v1-only SHA1withRSA / RSA 2048 with SHA-256 v1 and v2.
    (
        "PKG-038",
        "apk/androguard__TC-debug.apk",
        "apk/androguard__TestActivity_signed_both.apk",
    ),
    // notAfter 2012-04-06 / 2040-01-09.
    (
        "PKG-039",
        "apk/androguard__TC-debug.apk",
        "apk/androguard__a2dp.Vol_137.apk",
    ),
    // lib/x86_64/libdivajni.so aligned to 4 KB / no native code.
    (
        "PKG-040",
        "apk/mobsf__android.apk",
        "apk/androguard__a2dp.Vol_137.apk",
    ),
    // META-INF/CERT.RSA stored locally, deflated in the central directory / clean archive.
    (
        "PKG-041",
        "apk-malformed/apksig__mismatched-compression-method.apk",
        "apk/mobsf__android.apk",
    ),
];

#[test]
fn each_check_fires_on_a_positive_and_not_on_a_negative_package() {
    let mut checked = 0;
    for (rule, pos, neg) in PAIRS {
        let (Some(p), Some(n)) = (facts(pos), facts(neg)) else {
            eprintln!("skipping {rule}: corpus not available");
            continue;
        };
        assert!(fired(&p, rule), "{rule} should fire on {pos}");
        assert!(!fired(&n, rule), "{rule} should not fire on {neg}");
        checked += 1;
    }
    if checked > 0 {
        assert_eq!(checked, PAIRS.len());
    }
}

#[test]
fn every_registered_check_has_a_test_pair_or_a_dedicated_test() {
    // Checks tested below with changed facts rather than a corpus pair.
    let dedicated = [
        "PKG-001", "PKG-012", "PKG-037", "PKG-019", "PKG-021", "PKG-026", "PKG-030", "PKG-042",
        "PKG-043", "PKG-044", "PKG-008", "PKG-014", "PKG-010",
    ];
    for r in registry::RULES {
        let id = r.meta().id;
        assert!(
            PAIRS.iter().any(|(x, _, _)| *x == id) || dedicated.contains(&id),
            "{id} has no positive/negative test"
        );
    }
}

#[test]
fn not_hardened_goes_quiet_when_a_packer_library_is_present() {
    let Some(mut f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    assert!(fired(&f, "PKG-001"));
    // No corpus app is packed: add the 360 Jiagu loader the catalog knows.
    let mut lib = f.native_libs[0].clone();
    lib.path = "lib/arm64-v8a/libjiagu_a64.so".into();
    f.native_libs.push(lib);
    let a = run(&f, TODAY);
    assert!(!a.findings.iter().any(|x| x.rule == "PKG-001"));
    assert_eq!(
        a.packers.first().map(|p| p.id.as_str()),
        Some("qihoo360-jiagu")
    );
    assert_eq!(
        a.packers[0].evidence[0].location.as_deref(),
        Some("lib/arm64-v8a/libjiagu_a64.so")
    );
}

#[test]
fn not_hardened_says_nothing_when_native_facts_were_not_gathered() {
    let Some(mut f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    f.analysed.retain(|g| g != "native");
    assert!(!fired(&f, "PKG-001"));
}

#[test]
fn target_sdk_is_judged_by_the_requirements_in_force_on_the_date() {
    let Some(f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    assert_eq!(f.target_sdk, Some(23));
    let now = run(&f, TODAY);
    let finding = now
        .findings
        .iter()
        .find(|x| x.rule == "PKG-012")
        .expect("fires today");
    assert!(
        finding.message_en.contains("Target SDK 23"),
        "{}",
        finding.message_en
    );
    // Before any store required target 23 or more, there is nothing to say.
    assert!(
        !run(&f, "2016-01-01")
            .findings
            .iter()
            .any(|x| x.rule == "PKG-012")
    );
}

#[test]
fn certificate_pinning_in_the_network_security_config_silences_pkg_037() {
    let Some(mut f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    assert!(fired(&f, "PKG-037"));
    // No corpus app has a network security config: give this one a pinned domain.
    f.android.network_security = Some(appgov_facts::NetworkSecurityConfig {
        domains: vec![appgov_facts::NscDomainConfig {
            domains: vec![appgov_facts::NscDomain {
                name: "api.example.com".into(),
                include_subdomains: true,
            }],
            pins: vec!["SHA-256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()],
            ..Default::default()
        }],
        ..Default::default()
    });
    assert!(!fired(&f, "PKG-037"));
}

#[test]
fn findings_are_sorted_most_severe_first_and_carry_articles_and_evidence() {
    let Some(f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    let a = run(&f, TODAY);
    assert!(a.findings.len() >= 5);
    for w in a.findings.windows(2) {
        assert!(w[0].severity <= w[1].severity);
    }
    let k = Knowledge::builtin().unwrap();
    for x in &a.findings {
        assert!(!x.evidence.is_empty(), "{} has no evidence", x.rule);
        assert!(!x.articles.is_empty());
        for n in &x.articles {
            assert!(
                k.article(*n).is_some(),
                "{} cites unknown article {n}",
                x.rule
            );
        }
    }
}

#[test]
fn sdk_detection_names_the_evidence_that_fired() {
    let Some(f) = facts("apk/androidproject__AndroidProject.apk") else {
        return;
    };
    let a = run(&f, TODAY);
    let umeng = a
        .sdks
        .iter()
        .find(|s| s.id == "umeng-analytics")
        .expect("Umeng analytics detected");
    assert!(umeng.evidence.iter().any(|e| e.kind == "package"));
    assert_eq!(umeng.category, "analytics");
    // A package with no third-party code detects no SDK.
    let Some(bare) = facts("apk/androguard__TC-debug.apk") else {
        return;
    };
    assert!(run(&bare, TODAY).sdks.is_empty());
}

#[test]
fn every_check_is_documented_in_both_languages() {
    for r in registry::RULES {
        let m = r.meta();
        let zh = m.doc_in("zh");
        let en = m.doc_in("en");
        for h in [
            "## 检查内容",
            "## 为何重要",
            "## 示例",
            "## 修复",
            "## 依据",
        ] {
            assert!(zh.contains(h), "{}: zh doc lacks {h}", m.id);
        }
        for h in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
            "## References",
        ] {
            assert!(en.contains(h), "{}: en doc lacks {h}", m.id);
        }
        for n in m.articles {
            assert!(
                en.contains(&format!("article {n}"))
                    || en.contains(&format!("articles {n}"))
                    || en.contains(&format!("and {n}")),
                "{}: en references do not cite article {n}",
                m.id
            );
        }
    }
}

fn policy(text: &str) -> appgov_checks::Policy {
    let k = Knowledge::builtin().unwrap();
    let rules: Vec<&str> = registry::RULES.iter().map(|r| r.meta().id).collect();
    let sdks: Vec<&str> = k.sdks.iter().map(|s| s.id.as_str()).collect();
    appgov_checks::Policy::parse(text, &rules, &sdks).unwrap_or_else(|e| panic!("{e}"))
}

fn run_with(f: &Facts, p: &appgov_checks::Policy, today: &str) -> Analysis {
    let k = Knowledge::builtin().unwrap();
    appgov_checks::analyse_with_policy(f, &k, Some(p), today)
}

#[test]
fn policy_checks_need_a_policy_and_follow_its_lists() {
    let Some(f) = facts("apk/androidproject__AndroidProject.apk") else {
        return;
    };
    // No policy: the policy checks say nothing.
    let plain = run(&f, TODAY);
    for r in ["PKG-019", "PKG-021", "PKG-026"] {
        assert!(
            !plain.findings.iter().any(|x| x.rule == r),
            "{r} without policy"
        );
    }
    // Umeng is in the app: not approved, then blocked, then approved.
    let p = policy(
        "schema = 1\n[sdks]\nallowed = [\"wechat-opensdk\"]\nblocked = [\"umeng-analytics\"]\n",
    );
    let a = run_with(&f, &p, TODAY);
    let not_approved = a
        .findings
        .iter()
        .find(|x| x.rule == "PKG-019")
        .expect("PKG-019");
    assert!(
        not_approved
            .evidence
            .iter()
            .any(|e| e.location.as_deref() == Some("umeng-analytics"))
    );
    assert!(a.findings.iter().any(|x| x.rule == "PKG-021"));
    let ids: Vec<String> = a.sdks.iter().map(|s| format!("\"{}\"", s.id)).collect();
    let ok = policy(&format!(
        "schema = 1\n[sdks]\nallowed = [{}]\n",
        ids.join(", ")
    ));
    let a = run_with(&f, &ok, TODAY);
    assert!(
        !a.findings
            .iter()
            .any(|x| x.rule == "PKG-019" || x.rule == "PKG-021")
    );
}

#[test]
fn domains_outside_the_allowed_list_are_reported() {
    let Some(f) = facts("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    assert!(!f.endpoints.domains.is_empty());
    let all: Vec<String> = f
        .endpoints
        .domains
        .iter()
        .map(|d| format!("\"{}\"", d.value))
        .collect();
    let none_allowed = policy("schema = 1\n[domains]\nallowed = [\"examplebank.com\"]\n");
    let a = run_with(&f, &none_allowed, TODAY);
    let x = a
        .findings
        .iter()
        .find(|x| x.rule == "PKG-026")
        .expect("PKG-026");
    assert_eq!(x.evidence.len(), f.endpoints.domains.len().min(50));
    let everything = policy(&format!(
        "schema = 1\n[domains]\nallowed = [{}]\n",
        all.join(", ")
    ));
    assert!(
        !run_with(&f, &everything, TODAY)
            .findings
            .iter()
            .any(|x| x.rule == "PKG-026")
    );
}

#[test]
fn policy_minimums_raise_the_bar() {
    let Some(f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    // Before any store requirement: only the policy can make PKG-012 fire.
    let p = policy("schema = 1\n[minimums]\ntarget_sdk = 30\nmin_sdk = 21\n");
    let a = run_with(&f, &p, "2016-01-01");
    let x = a
        .findings
        .iter()
        .find(|x| x.rule == "PKG-012")
        .expect("PKG-012 from policy");
    assert_eq!(x.evidence.len(), 2, "{:?}", x.evidence);
    let low = policy("schema = 1\n[minimums]\ntarget_sdk = 23\nmin_sdk = 15\n");
    assert!(
        !run_with(&f, &low, "2016-01-01")
            .findings
            .iter()
            .any(|x| x.rule == "PKG-012")
    );
}

#[test]
fn suppressions_apply_until_they_expire_then_say_so() {
    let Some(f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    let p = policy(
        "schema = 1\n[[severity]]\nrule = \"PKG-013\"\nseverity = \"critical\"\n\
         [[suppress]]\nrule = \"PKG-011\"\nevidence = \"NotesProvider\"\nreason = \"read-only demo data\"\nowner = \"security team\"\nexpires = \"2026-12-31\"\n\
         [[suppress]]\nrule = \"PKG-002\"\npackage = \"some.other.app\"\nreason = \"x\"\nowner = \"y\"\nexpires = \"2099-01-01\"\n\
         [[severity]]\nrule = \"PKG-009\"\nseverity = \"low\"\n",
    );
    let active = run_with(&f, &p, "2026-12-01");
    assert!(!active.findings.iter().any(|x| x.rule == "PKG-011"));
    let s = active
        .suppressed
        .iter()
        .find(|x| x.rule == "PKG-011")
        .expect("suppressed");
    assert_eq!(s.suppression.as_ref().unwrap().status, "active");
    // Scoped to another package: PKG-002 stays.
    assert!(active.findings.iter().any(|x| x.rule == "PKG-002"));
    // Severity override.
    assert_eq!(
        active
            .findings
            .iter()
            .find(|x| x.rule == "PKG-009")
            .unwrap()
            .severity,
        appgov_checks::Severity::Low
    );
    // After the expiry date the finding is back, marked expired.
    let later = run_with(&f, &p, "2027-01-01");
    let back = later
        .findings
        .iter()
        .find(|x| x.rule == "PKG-011")
        .expect("back in force");
    assert_eq!(back.suppression.as_ref().unwrap().status, "expired");
    assert!(later.suppressed.is_empty());
}

#[test]
fn invalid_policies_are_rejected_with_every_reason() {
    let k = Knowledge::builtin().unwrap();
    let rules: Vec<&str> = registry::RULES.iter().map(|r| r.meta().id).collect();
    let sdks: Vec<&str> = k.sdks.iter().map(|s| s.id.as_str()).collect();
    let bad = "schema = 1\n[sdks]\nblocked = [\"no-such-sdk\"]\n[[suppress]]\nrule = \"PKG-999\"\nreason = \"\"\nowner = \"x\"\nexpires = \"soon\"\n";
    let err = appgov_checks::Policy::parse(bad, &rules, &sdks)
        .unwrap_err()
        .to_string();
    for needle in ["no-such-sdk", "PKG-999", "soon", "reason and an owner"] {
        assert!(err.contains(needle), "{err} lacks {needle}");
    }
    let typo = "schema = 1\n[sdk]\nallowed = []\n";
    assert!(appgov_checks::Policy::parse(typo, &rules, &sdks).is_err());
}

#[test]
fn weak_crypto_rates_sdk_digests_alone_as_no_finding_and_app_ciphers_medium() {
    // OkHttp's MD5/SHA-1 helpers (cache keys) are SDK code; okio's is not in
    // the catalog, so the app-level digest finding stays, at low.
    if let Some(f) = facts("apk/npm-uia2__appium-uiautomator2-server-debug-androidTest.apk") {
        let a = run(&f, TODAY);
        let w = a
            .findings
            .iter()
            .find(|x| x.rule == "PKG-024")
            .expect("okio MD5");
        assert_eq!(w.severity, appgov_checks::Severity::Low);
        assert!(w.evidence.iter().any(|e| e.value.contains("[SDK: OkHttp")));
    }
    if let Some(f) = facts("apk/injuredandroid__injuredandroid.apk") {
        let a = run(&f, TODAY);
        let w = a
            .findings
            .iter()
            .find(|x| x.rule == "PKG-024")
            .expect("DES");
        assert_eq!(w.severity, appgov_checks::Severity::Medium);
        assert!(w.evidence.iter().all(|e| e.value.contains("\"DES\"")));
    }
}

#[test]
fn screenshot_protection_is_not_judged_on_code_a_packer_hides() {
    let Some(mut f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    assert!(fired(&f, "PKG-029"));
    // No corpus app is packed: add the Bangcle SecShell loader the catalog
    // knows; the readable dex is then the packer's stub, not the app.
    let mut lib = f.native_libs[0].clone();
    lib.path = "lib/armeabi-v7a/libSecShell.so".into();
    f.native_libs.push(lib);
    let a = run(&f, TODAY);
    assert!(a.packers.iter().any(|p| p.hides_dex), "{:?}", a.packers);
    assert!(!a.findings.iter().any(|x| x.rule == "PKG-029"));
}

#[test]
fn sensitive_api_and_code_findings_name_the_sdk_that_calls() {
    // Umeng's own code builds IVs from constant bytes; the finding says whose.
    let Some(f) = facts("apk/androidproject__AndroidProject.apk") else {
        return;
    };
    let a = run(&f, TODAY);
    let w = a.findings.iter().find(|x| x.rule == "PKG-024").unwrap();
    assert!(
        w.evidence.iter().any(|e| e
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("com.umeng."))
            && e.value.contains("[SDK: 友盟+")),
        "{:#?}",
        w.evidence
    );
    // Framework API evidence lists the calling packages with their SDK.
    let api_ev: Vec<_> = a
        .findings
        .iter()
        .flat_map(|x| &x.evidence)
        .filter(|e| e.kind == "api")
        .collect();
    assert!(!api_ev.is_empty());
    assert!(
        api_ev
            .iter()
            .any(|e| e.location.as_deref().is_some_and(|l| l.contains("[SDK: "))),
        "{api_ev:#?}"
    );
}

#[test]
fn undisclosed_sdks_are_high_and_a_complete_list_silences_pkg_020() {
    let Some(f) = facts("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    let pkg = f.package.clone().unwrap();
    let partial = policy(&format!(
        "schema = 1\n[[disclosure]]\npackage = \"{pkg}\"\ndocument = \"隐私政策 v1\"\nsdks = [\"google-admob\"]\n"
    ));
    let a = run_with(&f, &partial, TODAY);
    let d = a.findings.iter().find(|x| x.rule == "PKG-020").unwrap();
    assert_eq!(d.severity, appgov_checks::Severity::High);
    assert!(d.message_zh.contains("隐私政策 v1"));
    assert!(
        !d.evidence
            .iter()
            .any(|e| e.location.as_deref() == Some("google-admob"))
    );
    assert!(
        d.evidence
            .iter()
            .any(|e| e.location.as_deref() == Some("google-analytics"))
    );

    let all: Vec<String> = run(&f, TODAY)
        .sdks
        .iter()
        .map(|s| format!("\"{}\"", s.id))
        .collect();
    let complete = policy(&format!(
        "schema = 1\n[[disclosure]]\npackage = \"{pkg}\"\ndocument = \"隐私政策 v2\"\nsdks = [{}]\n",
        all.join(", ")
    ));
    assert!(
        !run_with(&f, &complete, TODAY)
            .findings
            .iter()
            .any(|x| x.rule == "PKG-020")
    );

    // A list for another app does not count for this one.
    let other = policy(
        "schema = 1\n[[disclosure]]\npackage = \"com.other\"\ndocument = \"x\"\nsdks = []\n",
    );
    let d = run_with(&f, &other, TODAY);
    let d = d.findings.iter().find(|x| x.rule == "PKG-020").unwrap();
    assert_eq!(d.severity, appgov_checks::Severity::Medium);
}

#[test]
fn dexguard_is_recognised_by_its_renamed_classes() {
    let Some(mut f) = facts("apk/apkid__dexguard_6_1.apk") else {
        return;
    };
    let a = run(&f, TODAY);
    let dg = a
        .packers
        .iter()
        .find(|p| p.id == "dexguard")
        .expect("DexGuard");
    // dexdump lists 482 classes under Lo/; all but three have non-ASCII names.
    assert_eq!(
        dg.evidence[0].value,
        "479 of 482 classes renamed to non-ASCII names"
    );
    assert!(!a.findings.iter().any(|x| x.rule == "PKG-001"));
    // The same package with ASCII names (ProGuard's `o.a`) is not DexGuard.
    for p in &mut f.dex.packages {
        p.non_ascii_names = 0;
    }
    let a = run(&f, TODAY);
    assert!(!a.packers.iter().any(|p| p.id == "dexguard"));
    assert!(a.findings.iter().any(|x| x.rule == "PKG-001"));
}

#[test]
fn undecided_checks_are_named_when_code_is_hidden_or_not_read() {
    let Some(rel) = CorpusFile::named("apk/mobsf__android.apk") else {
        return;
    };
    let data = rel.read_checked();
    let full = analyze(&data, "mobsf__android.apk", &common::options());
    assert!(run(&full, TODAY).limits.is_empty(), "everything was read");

    // Without the bytecode walk only the bytecode checks are undecided.
    let mut sections = appgov_analyzer::Sections::ALL;
    sections.bytecode = false;
    let partial = analyze(
        &data,
        "mobsf__android.apk",
        &appgov_analyzer::Options {
            sections,
            ..common::options()
        },
    );
    let a = run(&partial, TODAY);
    assert_eq!(a.limits.len(), 1);
    assert_eq!(a.limits[0].kind, "code_not_read");
    assert!(a.limits[0].rules.contains(&"PKG-029".to_string()));
    assert!(!a.limits[0].rules.contains(&"PKG-017".to_string()));
    assert!(!a.findings.iter().any(|f| f.rule == "PKG-029"));

    // A packer that hides the DEX: every code check is undecided, and says by whom.
    let mut packed = full.clone();
    let mut lib = packed.native_libs[0].clone();
    lib.path = "lib/arm64-v8a/libSecShell.so".into();
    packed.native_libs.push(lib);
    let a = run(&packed, TODAY);
    assert_eq!(a.limits.len(), 1);
    assert_eq!(a.limits[0].kind, "code_hidden");
    assert!(
        a.limits[0].message_zh.contains("梆梆"),
        "{}",
        a.limits[0].message_zh
    );
    assert!(a.limits[0].rules.contains(&"PKG-017".to_string()));
}

fn finding<'a>(a: &'a Analysis, rule: &str) -> Option<&'a appgov_checks::Finding> {
    a.findings.iter().find(|x| x.rule == rule)
}

#[test]
fn weak_signing_judges_the_apk_signature_not_the_certificate_self_signature() {
    let Some(mut f) = facts("apk/androguard__a2dp.Vol_137.apk") else {
        return;
    };
    // RSA 2048 but a v1-only SHA1withRSA signature: every device relies on SHA-1.
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-038").expect("v1-only SHA-1 signature");
    assert_eq!(x.severity, appgov_checks::Severity::High);
    assert!(
        x.evidence
            .iter()
            .any(|e| e.value.starts_with("SHA1withRSA"))
    );
    // With a verified v2 signature and minSdk >= 18 the SHA-1 v1 signature is
    // only needed by no device: medium. Below 18 it is what Android 4.2 needs.
    f.signing.schemes.push(appgov_facts::SchemeFacts {
        scheme: "v2".into(),
        verified: true,
        signers: 1,
        algorithms: vec!["RSASSA-PKCS1-v1_5-SHA256".into()],
        ..Default::default()
    });
    f.min_sdk = Some(21);
    let a = run(&f, TODAY);
    assert_eq!(
        finding(&a, "PKG-038").map(|x| x.severity),
        Some(appgov_checks::Severity::Medium)
    );
    f.min_sdk = Some(14);
    assert!(!fired(&f, "PKG-038"));
    // The certificate itself is SHA1withRSA-signed: alone, that is not reported.
    assert_eq!(f.signing.certificates[0].signature_algorithm, "SHA1withRSA");
}

#[test]
fn certificate_validity_follows_today_and_the_play_floor() {
    let Some(mut f) = facts("apk/androguard__a2dp.Vol_137.apk") else {
        return;
    };
    assert!(
        f.signing.certificates[0]
            .not_after
            .starts_with("2040-01-09")
    );
    assert!(!fired(&f, "PKG-039"));
    // Years later the same certificate has expired.
    let later = run(&f, "2040-02-01");
    assert_eq!(
        finding(&later, "PKG-039").map(|x| x.severity),
        Some(appgov_checks::Severity::Medium)
    );
    // Valid today but ending on the Play floor: low.
    f.signing.certificates[0].not_after = "2033-10-22T00:00:00Z".into();
    let a = run(&f, TODAY);
    assert_eq!(
        finding(&a, "PKG-039").map(|x| x.severity),
        Some(appgov_checks::Severity::Low)
    );
    // Not yet valid.
    f.signing.certificates[0].not_after = "2060-01-01T00:00:00Z".into();
    f.signing.certificates[0].not_before = "2027-01-01T00:00:00Z".into();
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-039").expect("not yet valid");
    assert!(
        x.evidence[0].value.contains("not yet valid"),
        "{:?}",
        x.evidence
    );
}

#[test]
fn page_size_16k_is_medium_only_under_the_store_rule() {
    let Some(mut f) = facts("apk/mobsf__android.apk") else {
        return;
    };
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-040").expect("x86_64 library aligned to 4 KB");
    assert_eq!(x.severity, appgov_checks::Severity::Low);
    assert_eq!(
        x.evidence[0].location.as_deref(),
        Some("lib/x86_64/libdivajni.so")
    );
    // Targeting API 35 after Google Play's rule took effect: medium, with the rule.
    f.target_sdk = Some(35);
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-040").expect("fires");
    assert_eq!(x.severity, appgov_checks::Severity::Medium);
    assert!(x.message_en.contains("2025-11-01"), "{}", x.message_en);
    // Before the rule took effect: low again.
    let before = run(&f, "2025-06-01");
    assert_eq!(
        finding(&before, "PKG-040").map(|x| x.severity),
        Some(appgov_checks::Severity::Low)
    );
    // Libraries mapped from the APK must also be 16 KB-aligned in the archive.
    for l in &mut f.native_libs {
        l.page_16k_compatible = l.page_16k_compatible.map(|_| true);
    }
    assert!(!fired(&f, "PKG-040"));
    f.android.application.extract_native_libs = Some(false);
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-040").expect("not zip-aligned");
    assert!(x.evidence[0].value.contains("16 KB-aligned offset"));
    // 32-bit libraries never count.
    f.native_libs.retain(|l| !l.abi.contains("64"));
    assert!(!fired(&f, "PKG-040"));
}

#[test]
fn package_structure_grades_by_the_worst_anomaly() {
    let Some(f) = facts("apk-malformed/apksig__v1-only-max-sized-eocd-comment.apk") else {
        return;
    };
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-041").expect("archive comment");
    assert_eq!(x.severity, appgov_checks::Severity::Low);
    let mut f = f;
    f.anomalies.push(appgov_facts::Anomaly {
        source: "zip".into(),
        kind: "duplicate_entry_name".into(),
        path: Some("classes.dex".into()),
        detail: "two records named classes.dex".into(),
    });
    // Anomalies of other readers are not this check's business.
    f.anomalies.push(appgov_facts::Anomaly {
        source: "dex".into(),
        kind: "short_class_names".into(),
        path: None,
        detail: "x".into(),
    });
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-041").expect("fires");
    assert_eq!(x.severity, appgov_checks::Severity::High);
    assert!(x.evidence[0].value.starts_with("duplicate_entry_name"));
    assert!(
        !x.evidence
            .iter()
            .any(|e| e.value.contains("short_class_names"))
    );
}

fn located(value: &str, found_in: &str, packages: &[&str]) -> appgov_facts::Located {
    appgov_facts::Located {
        value: value.into(),
        found_in: vec![found_in.into()],
        packages: packages.iter().map(|p| p.to_string()).collect(),
    }
}

#[test]
fn ip_endpoints_leave_out_private_ranges_and_version_strings() {
    // Corpus: a private address (Umeng's 10.0.0.172), loopback, and a2dp's
    // version name 2.12.9.2 read as a dotted quad — none is reported.
    for rel in [
        "apk/androidproject__AndroidProject.apk",
        "apk/androguard__app-prod-debug.apk",
        "apk/androguard__a2dp.Vol_137.apk",
    ] {
        let Some(f) = facts(rel) else {
            return;
        };
        assert!(!f.endpoints.ips.is_empty(), "{rel} has an IP-like string");
        assert!(!fired(&f, "PKG-042"), "{rel}");
    }
    let Some(mut f) = facts("apk/androidproject__AndroidProject.apk") else {
        return;
    };
    // No corpus app has a public IP: add a URL with one, loaded by app code.
    f.endpoints.urls.push(located(
        "https://47.96.12.34:8443/api/login",
        "dex:classes.dex",
        &["com.hjq.demo.http"],
    ));
    f.endpoints.ips.push(located(
        "47.96.12.34",
        "dex:classes.dex",
        &["com.hjq.demo.http"],
    ));
    // A dotted quad in DEX that no code loads is taken for a constant, not an endpoint.
    f.endpoints
        .ips
        .push(located("1.2.3.4", "dex:classes.dex", &[]));
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-042").expect("public IP URL");
    assert_eq!(x.evidence.len(), 1, "{:?}", x.evidence);
    assert!(x.evidence[0].value.starts_with("https://47.96.12.34:8443"));
}

#[test]
fn suspicious_links_match_registrable_suffixes_and_spare_sdk_code() {
    let Some(mut f) = facts("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    // goo.gl is a URL shortener, but only Google's analytics SDK loads it.
    let googl = f
        .endpoints
        .domains
        .iter()
        .find(|d| d.value == "goo.gl")
        .expect("goo.gl in the corpus app");
    assert!(
        googl
            .packages
            .iter()
            .all(|p| p.starts_with("com.google.android.gms"))
    );
    assert!(!fired(&f, "PKG-043"));
    // The same string in resources, where no SDK code vouches for it, is reported.
    let mut unattributed = f.clone();
    for d in &mut unattributed.endpoints.domains {
        d.packages.clear();
    }
    assert!(fired(&unattributed, "PKG-043"));
    // A look-alike that is not under bit.ly, and a shortener app code loads.
    f.endpoints
        .domains
        .push(located("notbit.ly", "res:resources.arsc", &[]));
    assert!(!fired(&f, "PKG-043"));
    f.endpoints.domains.push(located(
        "j.bit.ly",
        "dex:classes.dex",
        &["com.android.insecurebankv2"],
    ));
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-043").expect("shortener");
    assert_eq!(x.severity, appgov_checks::Severity::Medium);
    assert_eq!(x.evidence.len(), 1, "{:?}", x.evidence);
    // A gambling TLD makes it high.
    f.endpoints
        .domains
        .push(located("lucky88.bet", "res:resources.arsc", &[]));
    let a = run(&f, TODAY);
    let x = finding(&a, "PKG-043").expect("gambling");
    assert_eq!(x.severity, appgov_checks::Severity::High);
    assert!(x.message_en.contains("Gambling"), "{}", x.message_en);
}

fn finding_on(f: &Facts, rule: &str) -> Option<appgov_checks::Finding> {
    run(f, TODAY).findings.into_iter().find(|x| x.rule == rule)
}

#[test]
fn hardcoded_secrets_reports_the_redacted_key_and_where_it_is() {
    let Some(f) = facts("apk/injuredandroid__injuredandroid.apk") else {
        return;
    };
    let x = finding_on(&f, "PKG-023").expect("PKG-023 fires");
    assert_eq!(x.severity, appgov_checks::Severity::High);
    let ev = &x.evidence[0];
    assert_eq!(ev.location.as_deref(), Some("res:string/Access_Key"));
    assert!(
        ev.value
            .starts_with("aws-access-key-id AKIA… (20 chars, sha256 "),
        "{}",
        ev.value
    );
}

#[test]
fn hardcoded_secrets_rates_public_api_keys_low() {
    let Some(mut f) = facts("apk/injuredandroid__injuredandroid.apk") else {
        return;
    };
    // Changed fact: only a Firebase-style Google API key, as most apps
    // using Firebase carry in `google_api_key`.
    f.secrets.retain(|s| s.kind == "aws-access-key-id");
    assert_eq!(f.secrets.len(), 1);
    f.secrets[0].kind = "google-api-key".into();
    f.secrets[0].found_in = vec!["res:string/google_api_key".into()];
    let x = finding_on(&f, "PKG-023").expect("PKG-023 fires");
    assert_eq!(x.severity, appgov_checks::Severity::Low);
    assert!(x.message_en.contains("restricted"), "{}", x.message_en);
    // Not gathered: no conclusion.
    f.analysed.retain(|g| g != "secrets");
    assert!(!fired(&f, "PKG-023"));
}

#[test]
fn no_environment_detection_fires_when_no_kind_is_present() {
    let Some(f) = facts("apk/androguard__a2dp.Vol_137.apk") else {
        return;
    };
    assert!(f.environment_probes.is_empty());
    let x = finding_on(&f, "PKG-030").expect("PKG-030 fires");
    assert!(
        x.message_en.contains("no sign of root, emulator, debugger"),
        "{}",
        x.message_en
    );
}

#[test]
fn no_environment_detection_names_the_missing_kinds_and_goes_quiet_with_all_four() {
    // UnCrackable Level 3 checks for root (DEX strings), a debugger
    // (Debug.isDebuggerConnected) and Frida (its native library), not for
    // an emulator.
    let Some(mut f) = facts("apk/mastg__UnCrackable-Level3.apk") else {
        return;
    };
    assert!(
        f.environment_probes
            .iter()
            .any(|p| p.marker == "frida" && p.found_in[0].starts_with("native:lib/")),
        "{:?}",
        f.environment_probes
    );
    let x = finding_on(&f, "PKG-030").expect("PKG-030 fires");
    assert_eq!(
        x.message_en,
        "The code shows root, debugger, hook detection but no emulator detection."
    );
    assert!(x.evidence.iter().any(|e| e.kind == "debugger"
        && e.value == "debugger-connected-api android.os.Debug.isDebuggerConnected"));
    // Changed fact: an emulator marker too.
    f.environment_probes.push(appgov_facts::EnvironmentProbe {
        marker: "qemu".into(),
        needle: "ro.kernel.qemu".into(),
        found_in: vec!["dex:classes.dex".into()],
        packages: Vec::new(),
    });
    assert!(!fired(&f, "PKG-030"));
}

#[test]
fn no_environment_detection_is_silent_when_code_is_hidden_or_protected_or_not_looked_at() {
    let Some(f) = facts("apk/androguard__a2dp.Vol_137.apk") else {
        return;
    };
    assert!(fired(&f, "PKG-030"));
    let mut hidden = f.clone();
    hidden.dex.code_hidden = true;
    assert!(!fired(&hidden, "PKG-030"));
    let mut packed = f.clone();
    packed.native_libs.push(appgov_facts::NativeLib {
        path: "lib/arm64-v8a/libjiagu_a64.so".into(),
        abi: "arm64-v8a".into(),
        ..Default::default()
    });
    assert!(!fired(&packed, "PKG-030"));
    let mut unlooked = f;
    unlooked.analysed.retain(|g| g != "environment_probes");
    assert!(!fired(&unlooked, "PKG-030"));
}

#[test]
fn dead_links_fire_only_on_dead_results_of_a_link_check() {
    use appgov_facts::{LinkCheck, LinkStatus};
    let Some(mut f) = facts("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    // Without a link check there is nothing to judge.
    assert!(f.link_checks.is_empty());
    assert!(!fired(&f, "PKG-044"));
    // The check runs over the network in the CLI; here a real package's
    // URLs get results as the link checker records them.
    let urls: Vec<_> = f
        .endpoints
        .urls
        .iter()
        .filter(|u| u.value.starts_with("http"))
        .cloned()
        .collect();
    assert!(urls.len() >= 2, "the package embeds http(s) URLs");
    let result = |url: &str, status, code| LinkCheck {
        url: url.into(),
        kind: "url".into(),
        status,
        http_status: code,
        checked_at: "2026-12-01T08:00:00Z".into(),
        ..Default::default()
    };
    f.analysed.push("links".into());
    f.link_checks = vec![
        result(&urls[0].value, LinkStatus::Ok, Some(200)),
        result(&urls[1].value, LinkStatus::HttpError, Some(401)),
    ];
    assert!(
        !fired(&f, "PKG-044"),
        "alive and access-controlled links are not dead"
    );
    f.link_checks.push(LinkCheck {
        reason: Some("name does not resolve".into()),
        ..result("gone.example-bank.invalid", LinkStatus::DnsFailure, None)
    });
    f.link_checks[1].http_status = Some(404);
    let a = run(&f, TODAY);
    let finding = a
        .findings
        .iter()
        .find(|x| x.rule == "PKG-044")
        .expect("dead links fire");
    assert_eq!(finding.severity, appgov_checks::Severity::Medium);
    assert_eq!(finding.articles, vec![7]);
    assert_eq!(finding.evidence.len(), 2);
    let ev = &finding.evidence[0];
    assert_eq!(ev.value, format!("{} — HTTP 404", urls[1].value));
    assert_eq!(
        ev.location.as_deref(),
        Some(urls[1].found_in.join(", ").as_str())
    );
    assert!(finding.evidence[1].value.contains("dns_failure"));
    assert!(
        finding.message_en.starts_with("2 of 3"),
        "{}",
        finding.message_en
    );
}

#[test]
fn signer_outside_the_record_is_critical_and_a_recorded_rotation_medium() {
    let Some(f) = facts("apk/androguard__TestActivity_signed_both.apk") else {
        return;
    };
    let pkg = f.package.clone().unwrap();
    let signer = f.signing.certificates[0].sha256.clone();
    // No record for the app: not judged.
    assert!(!fired(&f, "PKG-008"));
    let on_record = policy(&format!(
        "schema = 1\n[[signer]]\npackage = \"{pkg}\"\nsha256 = [\"{}\"]\n",
        signer.to_uppercase()
    ));
    assert!(finding(&run_with(&f, &on_record, TODAY), "PKG-008").is_none());
    let other = policy(&format!(
        "schema = 1\n[[signer]]\npackage = \"{pkg}\"\nsha256 = [\"{}\"]\n",
        "ab".repeat(32)
    ));
    let a = run_with(&f, &other, TODAY);
    let x = finding(&a, "PKG-008").expect("unknown signer");
    assert_eq!(x.severity, appgov_checks::Severity::Critical);
    assert!(x.evidence.iter().any(|e| e.value == signer));

    // v3 rotation over three keys: v1/v2 carry the first, v3 the third.
    // A record of the middle one (in the lineage, signing nothing) is an
    // outdated ledger, not a stranger's key.
    let Some(r) = facts("apk-signing/apksig__v1v2v3-with-rsa-2048-lineage-3-signers.apk") else {
        return;
    };
    assert_eq!(r.signing.lineage.len(), 3);
    let middle = r.signing.lineage[1].certificate_sha256.clone();
    assert!(
        r.signing
            .certificates
            .iter()
            .all(|c| c.sha256 != middle || c.schemes.is_empty())
    );
    let rotated = policy(&format!(
        "schema = 1\n[[signer]]\npackage = \"{}\"\nsha256 = [\"{middle}\"]\n",
        r.package.as_deref().unwrap()
    ));
    let a = run_with(&r, &rotated, TODAY);
    let x = finding(&a, "PKG-008").expect("rotated signer not on record");
    assert_eq!(x.severity, appgov_checks::Severity::Medium);

    let k = Knowledge::builtin().unwrap();
    let rules: Vec<&str> = registry::RULES.iter().map(|r| r.meta().id).collect();
    let sdks: Vec<&str> = k.sdks.iter().map(|s| s.id.as_str()).collect();
    let bad = "schema = 1\n[[signer]]\npackage = \"a\"\nsha256 = [\"xyz\"]\n";
    let err = appgov_checks::Policy::parse(bad, &rules, &sdks)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a SHA-256"), "{err}");
}

#[test]
fn dangerous_permissions_missing_from_the_privacy_policy_are_reported() {
    let Some(f) = facts("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    let pkg = f.package.clone().unwrap();
    let with = |perms: &str| {
        policy(&format!(
            "schema = 1\n[[disclosure]]\npackage = \"{pkg}\"\ndocument = \"隐私政策 v1\"\nsdks = []\n{perms}"
        ))
    };
    // An SDK list but no permission list: PKG-014 is not decided.
    assert!(finding(&run_with(&f, &with(""), TODAY), "PKG-014").is_none());
    let a = run_with(
        &f,
        &with("permissions = [\"android.permission.ACCESS_COARSE_LOCATION\"]\n"),
        TODAY,
    );
    let x = finding(&a, "PKG-014").expect("undisclosed permissions");
    assert_eq!(x.severity, appgov_checks::Severity::High);
    let listed: Vec<&str> = x.evidence.iter().map(|e| e.value.as_str()).collect();
    assert!(
        listed
            .iter()
            .any(|v| v.starts_with("android.permission.READ_CONTACTS "))
    );
    assert!(!listed.iter().any(|v| v.contains("ACCESS_COARSE_LOCATION")));
    // INTERNET is a normal permission: never listed.
    assert!(!listed.iter().any(|v| v.contains(".INTERNET")));
    // Everything requested explained: quiet.
    let all: Vec<String> = f.permissions.iter().map(|p| format!("\"{p}\"")).collect();
    let a = run_with(
        &f,
        &with(&format!("permissions = [{}]\n", all.join(", "))),
        TODAY,
    );
    assert!(finding(&a, "PKG-014").is_none());
}

#[test]
fn filing_mismatch_compares_the_signer_md5_and_the_apps_own_domains() {
    let Some(f) = facts("apk/androguard__com.teleca.jamendo_35.apk") else {
        return;
    };
    let pkg = f.package.clone().unwrap();
    let md5 = f.signing.certificates[0].md5.clone();
    let filing = |md5: &str, domains: &str| {
        policy(&format!(
            "schema = 1\n[[filing]]\npackage = \"{pkg}\"\nnumber = \"京ICP备00000000号-1A\"\nsigner_md5 = [\"{md5}\"]\n{domains}"
        ))
    };
    // No filing for the app: not judged.
    assert!(!fired(&f, "PKG-010"));
    // The filed MD5 (in upper case) and no domains: consistent.
    assert!(
        finding(
            &run_with(&f, &filing(&md5.to_uppercase(), ""), TODAY),
            "PKG-010"
        )
        .is_none()
    );
    // Another MD5: the signer differs.
    let a = run_with(&f, &filing(&"0".repeat(32), ""), TODAY);
    let x = finding(&a, "PKG-010").expect("signer differs");
    assert!(x.evidence.iter().any(|e| e.value.starts_with(&md5)));
    assert!(x.message_zh.contains("京ICP备00000000号-1A"));
    // Domains: only what the app's own code loads, outside the filed ones.
    let a = run_with(
        &f,
        &filing(&md5, "domains = [\"example.invalid\"]\n"),
        TODAY,
    );
    let x = finding(&a, "PKG-010").expect("app code uses unfiled domains");
    assert!(x.evidence.iter().all(|e| e.kind == "domain"));
    // jamendo's own code calls its API; library hosts are not listed.
    assert!(
        x.evidence
            .iter()
            .any(|e| e.value.starts_with("api.jamendo.com "))
    );
    for e in &x.evidence {
        let d = f
            .endpoints
            .domains
            .iter()
            .find(|d| e.value.starts_with(&format!("{} —", d.value)))
            .expect("evidence names an embedded domain");
        assert!(
            d.packages
                .iter()
                .any(|p| p.starts_with("com.teleca.jamendo")),
            "{d:?} is loaded by the app's own code"
        );
    }
    // Filing every such domain silences it.
    let own: Vec<String> = x
        .evidence
        .iter()
        .map(|e| format!("\"{}\"", e.value.split(' ').next().unwrap()))
        .collect();
    let a = run_with(
        &f,
        &filing(&md5, &format!("domains = [{}]\n", own.join(", "))),
        TODAY,
    );
    assert!(finding(&a, "PKG-010").is_none());
}
