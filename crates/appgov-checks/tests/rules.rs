//! Every check fires on a real package that has the problem and stays quiet
//! on one that does not. Where the corpus has no package on one side (no
//! corpus app pins certificates or ships a packer), the test takes a real
//! package's facts and changes the one fact the check reads, and says so.

use appgov_analyzer::{Facts, Options, analyze};
use appgov_checks::{Analysis, analyse, registry};
use appgov_knowledge::Knowledge;
use appgov_testkit::CorpusFile;

const TODAY: &str = "2026-12-01";

fn facts(rel: &str) -> Option<Facts> {
    let file = CorpusFile::named(rel)?;
    let data = file.read_checked();
    Some(analyze(&data, rel, &Options::default()))
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
        "PKG-001", "PKG-012", "PKG-037", "PKG-019", "PKG-021", "PKG-026", "PKG-044",
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
