//! Code facts on real packages from the shared corpus: `api_uses`,
//! `code_signals` and the packages that load each endpoint string.
//!
//! Every expected value was read independently from `dexdump -d` output
//! (Debian dexdump 11.0.0+r48-5) of the package's `classes.dex`: the method
//! named in a site contains the call, and the constant argument is loaded
//! into the argument's register by the instruction the comment quotes.
//! `api_uses` is also compared in full with what `dexdump -d` shows when it
//! is installed.

use std::collections::{BTreeMap, BTreeSet};

use appgov_analyzer::{Facts, Options, analyze};
use appgov_facts::{CodeSites, CodeValue};
use appgov_testkit::CorpusFile;

fn facts(rel: &str) -> Option<Facts> {
    let file = CorpusFile::named(rel)?;
    let data = file.read_checked();
    Some(analyze(&data, rel, &Options::default()))
}

fn sites(s: &CodeSites) -> Vec<&str> {
    assert_eq!(s.count as usize, s.sites.len(), "fewer than 32 sites here");
    s.sites.iter().map(String::as_str).collect()
}

fn values(v: &[CodeValue]) -> Vec<(&str, Vec<&str>)> {
    v.iter()
        .map(|c| {
            (
                c.value.as_str(),
                c.sites.iter().map(String::as_str).collect(),
            )
        })
        .collect()
}

fn callers<'f>(f: &'f Facts, api: &str) -> Vec<&'f str> {
    f.dex
        .api_uses
        .iter()
        .find(|u| u.api == api)
        .map(|u| u.callers.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn android_project_webview_and_umeng_crypto() {
    let Some(f) = facts("apk/androidproject__AndroidProject.apk") else {
        return;
    };
    let s = &f.dex.code_signals;
    // [203d68] WebActivity$MyWebViewClient.onReceivedSslError:
    //   0000: invoke-virtual {v2}, Landroid/webkit/SslErrorHandler;.proceed:()V
    //   0003: return-void
    assert_eq!(
        sites(&s.ssl_error_proceed),
        ["com.hjq.demo.ui.activity.WebActivity$MyWebViewClient.onReceivedSslError"]
    );
    // [203f0c] WebActivity.initView: 0011: const/4 v2, #int 1;
    //   0015: invoke-virtual {v0, v2}, WebSettings;.setJavaScriptEnabled:(Z)V
    assert_eq!(
        sites(&s.webview_javascript_enabled),
        ["com.hjq.demo.ui.activity.WebActivity.initView"]
    );
    // bt.a and bt.b: 0000: const-string v0, "AES/CBC/PKCS7Padding";
    //   0002: invoke-static {v0}, Cipher;.getInstance
    assert_eq!(
        values(&s.cipher_transformations),
        [(
            "AES/CBC/PKCS7Padding",
            vec![
                "com.umeng.analytics.pro.bt.a",
                "com.umeng.analytics.pro.bt.b"
            ]
        )]
    );
    // const-string "MD5" right before MessageDigest.getInstance in bt.b,
    // bv.u, both overloads of bw.a, bw.b; "SHA1" in bt.c.
    assert_eq!(
        values(&s.message_digest_algorithms),
        [
            (
                "MD5",
                vec![
                    "com.umeng.analytics.pro.bt.b",
                    "com.umeng.analytics.pro.bv.u",
                    "com.umeng.analytics.pro.bw.a",
                    "com.umeng.analytics.pro.bw.b"
                ]
            ),
            ("SHA1", vec!["com.umeng.analytics.pro.bt.c"]),
        ]
    );
    // bt.a / bt.b: 000f: sget-object v2, Lcom/umeng/analytics/pro/bt;.a:[B;
    //   0011: invoke-direct {v4, v2}, IvParameterSpec;.<init>:([B)V
    // and bt.<clinit>: const/16 v0, #16; new-array v0, v0, [B;
    //   fill-array-data v0, …; sput-object v0, bt;.a:[B — a build-time IV.
    assert_eq!(
        sites(&s.static_iv),
        [
            "com.umeng.analytics.pro.bt.a",
            "com.umeng.analytics.pro.bt.b"
        ]
    );
    // Negatives. ao implements X509TrustManager, but its checkServerTrusted
    // delegates (iget-object …ao;.a:X509TrustManager; invoke-interface
    // …checkServerTrusted). an$1.verify asks BrowserCompatHostnameVerifier.
    // The only Apache verifier field read is STRICT_HOSTNAME_VERIFIER.
    // The SecretKeySpec keys of bt.a/bt.b are the method's parameter (v4).
    assert!(s.trust_all_trust_managers.sites.is_empty());
    assert!(s.permissive_hostname_verifiers.sites.is_empty());
    assert!(s.secret_key_specs.sites.is_empty());
    assert!(s.webview_javascript_interface.sites.is_empty());
    assert!(s.webview_file_access.sites.is_empty());
    assert!(s.dynamic_code_loading.sites.is_empty());
    assert!(s.secure_flag.sites.is_empty());

    // Endpoint strings and the code that loads them:
    // [2072fc] com.umeng.analytics.a.<clinit>: const-string v1, "http://alog.umeng.com/app_logs"
    // [229b08] com.umeng.analytics.social.e.a: const-string v3, "http://log.umsns.com/share/api/"
    let url = |v: &str| {
        f.endpoints
            .urls
            .iter()
            .find(|l| l.value == v)
            .unwrap_or_else(|| panic!("{v} not found"))
    };
    assert_eq!(
        url("http://alog.umeng.com/app_logs").packages,
        ["com.umeng.analytics"]
    );
    assert_eq!(
        url("http://log.umsns.com/share/api/").packages,
        ["com.umeng.analytics.social"]
    );
    assert_eq!(
        url("https://uop.umeng.com").packages,
        ["com.umeng.analytics.pro"]
    );
    // A string no const-string loads (no code names it).
    assert!(url("http://log.umsns.com/").packages.is_empty());
}

#[test]
fn insecure_bank_webview_loader_and_ciphers() {
    let Some(f) = facts("apk/insecurebankv2__app-release.apk") else {
        return;
    };
    let s = &f.dex.code_signals;
    // [35f8cc] zzig.<init>: 008e: invoke-virtual {v4, v0, v1},
    //   Lcom/google/android/gms/internal/zzig;.addJavascriptInterface — and
    //   zzig's superclass is Landroid/webkit/WebView; (class listing).
    assert_eq!(
        sites(&s.webview_javascript_interface),
        ["com.google.android.gms.internal.zzig.<init>"]
    );
    // Three setJavaScriptEnabled calls, each after const/4 vX, #int 1.
    assert_eq!(
        sites(&s.webview_javascript_enabled),
        [
            "com.android.insecurebankv2.ViewStatement.onCreate",
            "com.google.android.gms.internal.zzfd.zzeZ",
            "com.google.android.gms.internal.zzig.<init>"
        ]
    );
    // [3de580] zzal.zzl: 0057: invoke-direct {v2, v5, v7, v8, v9}, DexClassLoader;.<init>
    assert_eq!(
        sites(&s.dynamic_code_loading),
        ["com.google.android.gms.internal.zzal.zzl"]
    );
    // CryptoClass.aes256encrypt/decrypt and zzar.zzc:
    //   const-string vX, "AES/CBC/PKCS5Padding"; invoke-static {vX}, Cipher;.getInstance
    assert_eq!(
        values(&s.cipher_transformations),
        [(
            "AES/CBC/PKCS5Padding",
            vec![
                "com.android.insecurebankv2.CryptoClass.aes256decrypt",
                "com.android.insecurebankv2.CryptoClass.aes256encrypt",
                "com.google.android.gms.internal.zzar.zzc"
            ]
        )]
    );
    // The app's hard-coded key ("This is the super secret key 123", stored
    // in a field by CryptoClass.<init>) and its zero IV reach SecretKeySpec
    // and IvParameterSpec as parameters of aes256encrypt(ivBytes, keyBytes,
    // …): data flow across methods, which these facts do not follow.
    assert!(s.secret_key_specs.sites.is_empty());
    assert!(s.static_iv.sites.is_empty());
    assert!(s.ssl_error_proceed.sites.is_empty());
    assert!(s.trust_all_trust_managers.sites.is_empty());
    // api_uses attributes the loader to the Google Play services package.
    assert_eq!(
        callers(&f, "dalvik.system.DexClassLoader.<init>"),
        ["com.google.android.gms.internal"]
    );
}

#[test]
fn api_demos_secure_windows() {
    let Some(f) = facts("apk/npm-apidemos__ApiDemos-debug.apk") else {
        return;
    };
    let s = &f.dex.code_signals;
    // SecureWindowActivity.onCreate: 000d: const/16 v1, #int 8192;
    //   000f: invoke-virtual {v0, v1, v1}, Window;.setFlags:(II)V
    // SecureDialogActivity.onClick: 001c: const/16 v2, #int 8192;
    //   001e: invoke-virtual {v1, v2, v2}, Window;.setFlags:(II)V
    // The other Window.addFlags/setFlags calls pass 0x18, 0x400, 0x80000…
    assert_eq!(
        sites(&s.secure_flag),
        [
            "io.appium.android.apis.app.SecureDialogActivity.onClick",
            "io.appium.android.apis.app.SecureWindowActivity.onCreate"
        ]
    );
    // WebView1/WebView2.onCreate: 0013: const/4 v3, #int 1 (for
    // setBuiltInZoomControls), then 0024: const/4 v2, #int 0;
    // 0025: invoke-virtual {v1, v2}, WebSettings;.setJavaScriptEnabled —
    // JavaScript is switched off, although a true constant is loaded earlier
    // in the same method.
    assert!(s.webview_javascript_enabled.sites.is_empty());
    // androidx PackageInfoCompat.computeSHA256Digest: const-string "SHA256".
    assert_eq!(
        values(&s.message_digest_algorithms),
        [(
            "SHA256",
            vec!["androidx.core.content.pm.PackageInfoCompat.computeSHA256Digest"]
        )]
    );
}

#[test]
fn crackmes_and_diva() {
    if let Some(f) = facts("apk/mastg__UnCrackable-Level1.apk") {
        // [00077c] sg.vantagepoint.a.a.a: 0007: const-string v2, "AES";
        //   0009: invoke-static {v2}, Cipher;.getInstance — AES in ECB mode.
        assert_eq!(
            values(&f.dex.code_signals.cipher_transformations),
            [("AES", vec!["sg.vantagepoint.a.a.a"])]
        );
        // The key is parameter v2 (its caller decodes a hex constant in
        // another method).
        assert!(f.dex.code_signals.secret_key_specs.sites.is_empty());
    }
    if let Some(f) = facts("apk/injuredandroid__injuredandroid.apk") {
        // VGV4dEVuY3J5cHRpb24.decrypt: 0000: const-string v0, "DES";
        //   001c: invoke-static {v0}, Cipher;.getInstance (and …Two.decrypt).
        assert_eq!(
            values(&f.dex.code_signals.cipher_transformations),
            [(
                "DES",
                vec![
                    "b3nac.injuredandroid.VGV4dEVuY3J5cHRpb24.decrypt",
                    "b3nac.injuredandroid.VGV4dEVuY3J5cHRpb25Ud28.decrypt"
                ]
            )]
        );
        // DESKeySpec's key is a static field that <clinit> fills from
        // Hide.getAnotherKey(): not a constant in the bytecode.
        assert!(f.dex.code_signals.secret_key_specs.sites.is_empty());
        assert_eq!(
            sites(&f.dex.code_signals.webview_javascript_enabled),
            ["b3nac.injuredandroid.DisplayPostXSS.onCreate"]
        );
    }
    if let Some(f) = facts("apk/mobsf__android.apk") {
        // DIVA: [17258c] InputValidation2URISchemeActivity.onCreate:
        //   0016: const/4 v2, #int 1; 0017: invoke-virtual {v0, v2}, setJavaScriptEnabled
        let s = &f.dex.code_signals;
        assert_eq!(
            sites(&s.webview_javascript_enabled),
            ["jakhar.aseem.diva.InputValidation2URISchemeActivity.onCreate"]
        );
        assert!(s.cipher_transformations.is_empty());
        assert!(s.dynamic_code_loading.sites.is_empty());
    }
}

#[test]
fn plain_apps_have_no_signals() {
    for rel in [
        "apk/androguard__TestActivity.apk",
        "apk/androguard__hello-world.apk",
        "apk/mastg__UnCrackable-Level3.apk",
        "apk/vasdolly__v2-base-debug.apk",
    ] {
        let Some(f) = facts(rel) else { return };
        assert_eq!(
            f.dex.code_signals,
            appgov_facts::CodeSignals::default(),
            "{rel}"
        );
        assert!(!f.dex.api_uses.is_empty(), "{rel}");
    }
}

/// Shape of the new facts on every corpus package: `api_uses` is sorted,
/// names only APIs of `api_refs`, and its callers are packages that define
/// classes; endpoint packages are packages too; everything is deterministic.
#[test]
fn code_facts_are_consistent_on_the_whole_corpus() {
    for file in
        appgov_testkit::corpus_files(&["apk", "apk-signing", "apk-malformed", "aab", "xapk"])
    {
        let data = file.read_checked();
        let f = analyze(&data, &file.rel, &Options::default());
        let refs: BTreeSet<&str> = f.dex.api_refs.iter().map(String::as_str).collect();
        let packages: BTreeSet<&str> = f.dex.packages.iter().map(|p| p.name.as_str()).collect();
        let mut last = "";
        for u in &f.dex.api_uses {
            assert!(u.api.as_str() > last, "{}: api_uses not sorted", file.rel);
            last = &u.api;
            assert!(refs.contains(u.api.as_str()), "{}: {}", file.rel, u.api);
            assert!(!u.callers.is_empty() && u.callers.len() <= 16);
            assert!(u.callers.windows(2).all(|w| w[0] < w[1]), "{}", file.rel);
            for c in &u.callers {
                assert!(packages.contains(c.as_str()), "{}: caller {c}", file.rel);
            }
        }
        for l in f.endpoints.urls.iter().chain(&f.endpoints.domains) {
            assert!(l.packages.len() <= 16);
            for p in &l.packages {
                assert!(packages.contains(p.as_str()), "{}: {p}", file.rel);
            }
        }
        assert!(
            !f.anomalies
                .iter()
                .any(|a| a.kind == "code_budget_exhausted"),
            "{}",
            file.rel
        );
        let again = analyze(&data, &file.rel, &Options::default());
        assert_eq!(again.dex.api_uses, f.dex.api_uses, "{}", file.rel);
        assert_eq!(again.dex.code_signals, f.dex.code_signals, "{}", file.rel);
        assert_eq!(again.endpoints.urls, f.endpoints.urls, "{}", file.rel);
    }
}

/// `api_uses` equals what `dexdump -d` shows: for every invoke of a
/// framework method, the package of the class whose method contains it.
#[test]
fn api_uses_match_dexdump() {
    if std::process::Command::new("dexdump")
        .arg("-h")
        .output()
        .is_err()
    {
        eprintln!("skipping: dexdump not installed (Debian package dexdump)");
        return;
    }
    // Single-dex packages without nested code, so dexdump (which reads
    // classes.dex of an APK) sees all the code appgov sees.
    for rel in [
        "apk/androidproject__AndroidProject.apk",
        "apk/insecurebankv2__app-release.apk",
        "apk/mobsf__android.apk",
        "apk/injuredandroid__injuredandroid.apk",
    ] {
        let Some(file) = CorpusFile::named(rel) else {
            return;
        };
        let f = analyze(&file.read_checked(), rel, &Options::default());
        assert_eq!(f.dex.files.len(), 1, "{rel}");
        let out = std::process::Command::new("dexdump")
            .arg("-d")
            .arg(&file.path)
            .output()
            .expect("dexdump runs");
        let expected = dexdump_api_uses(&String::from_utf8_lossy(&out.stdout));
        assert!(
            expected.len() > 1000,
            "{rel}: dexdump output not understood"
        );
        let ours: BTreeMap<&str, (Vec<&str>, u64)> = f
            .dex
            .api_uses
            .iter()
            .map(|u| {
                (
                    u.api.as_str(),
                    (
                        u.callers.iter().map(String::as_str).collect(),
                        u.callers_truncated,
                    ),
                )
            })
            .collect();
        assert_eq!(ours.len(), expected.len(), "{rel}");
        for (api, pkgs) in &expected {
            let want: Vec<&str> = pkgs.iter().take(16).map(String::as_str).collect();
            let truncated = pkgs.len().saturating_sub(16) as u64;
            assert_eq!(
                ours.get(api.as_str()),
                Some(&(want, truncated)),
                "{rel}: {api}"
            );
        }
    }
}

const FRAMEWORK: &[&str] = &[
    "Landroid/",
    "Ljava/",
    "Ljavax/",
    "Ldalvik/",
    "Lorg/apache/http/",
    "Lorg/json/",
];

/// API → calling packages, read from `dexdump -d` text.
fn dexdump_api_uses(text: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut package: Option<String> = None;
    for line in text.lines() {
        let Some((addr, rest)) = line.split_once('|') else {
            continue;
        };
        // Method header: `1db200:      |[1db200] com.foo.Bar.method:(…)…`
        if !addr.trim().is_empty()
            && let Some(header) = rest.strip_prefix('[')
            && let Some((_, name)) = header.split_once("] ")
        {
            let qualified = name.split(':').next().unwrap_or("");
            let class = qualified.rsplit_once('.').map_or("", |(c, _)| c);
            package = Some(class.rsplit_once('.').map_or("", |(p, _)| p).to_string());
            continue;
        }
        // `0000: invoke-virtual {v1}, Landroid/x/Y;.name:(…)V // method@…`
        let Some(insn) = rest.split_once(": ").map(|(_, i)| i) else {
            continue;
        };
        if !insn.starts_with("invoke-") {
            continue;
        }
        let Some((_, target)) = insn.split_once("}, ") else {
            continue;
        };
        let Some((class, after)) = target.split_once(";.") else {
            continue;
        };
        let method = after.split(':').next().unwrap_or("");
        if !FRAMEWORK.iter().any(|p| class.starts_with(p)) {
            continue;
        }
        if let Some(p) = &package {
            let api = format!(
                "{}.{method}",
                class.trim_start_matches('L').replace('/', ".")
            );
            out.entry(api).or_default().insert(p.clone());
        }
    }
    out
}
