//! Code facts on hand-assembled DEX files ([`crate::testdex`]): one
//! positive and the near-miss negatives for every pattern, the register
//! model's limits, caps, and hostile input.

use super::*;
use crate::endpoints::EndpointCollector;
use crate::testdex::{Class, Ix, build};

const OBJECT: &str = "Ljava/lang/Object;";

// Dalvik encodings (dex format, "Instruction formats").
fn const4(a: u16, v: i16) -> u16 {
    (((v as u16) & 0xf) << 12) | (a << 8) | 0x12
}
fn const16(a: u16, v: u16) -> [u16; 2] {
    [(a << 8) | 0x13, v]
}
fn const_string(a: u16, s: u16) -> [u16; 2] {
    [(a << 8) | 0x1a, s]
}
/// invoke-kind {regs}, meth (35c); `op` 0x6e virtual, 0x6f super,
/// 0x70 direct, 0x71 static, 0x72 interface.
fn invoke(op: u16, m: u16, regs: &[u16]) -> [u16; 3] {
    let mut r = [0u16; 5];
    r[..regs.len()].copy_from_slice(regs);
    [
        ((regs.len() as u16) << 12) | (r[4] << 8) | op,
        m,
        (r[3] << 12) | (r[2] << 8) | (r[1] << 4) | r[0],
    ]
}
fn move_result_object(a: u16) -> u16 {
    (a << 8) | 0x0c
}
fn move_result(a: u16) -> u16 {
    (a << 8) | 0x0a
}
fn new_instance(a: u16, t: u16) -> [u16; 2] {
    [(a << 8) | 0x22, t]
}
fn sget_object(a: u16, f: u16) -> [u16; 2] {
    [(a << 8) | 0x62, f]
}
fn sput_object(a: u16, f: u16) -> [u16; 2] {
    [(a << 8) | 0x69, f]
}
const RETURN_VOID: u16 = 0x000e;

fn units(parts: &[&[u16]]) -> Vec<u16> {
    parts.concat()
}

/// A method body that only invokes `(class, name, proto)` with `regs` and
/// returns.
fn call_and_return(
    ix: &Ix,
    op: u16,
    (class, name, proto): (&str, &str, &str),
    regs: &[u16],
) -> Vec<u16> {
    let m = ix.method(class, name, proto);
    units(&[&invoke(op, m, regs), &[RETURN_VOID]])
}

/// Scans `classes` as one dex and returns the facts.
fn scan_with(classes: &[Class], limits: &appgov_dex::Limits) -> Facts {
    let bytes = build(classes);
    let dex = appgov_dex::parse(&bytes, limits).expect("assembled dex parses");
    assert!(dex.anomalies().is_empty(), "{:?}", dex.anomalies());
    let mut endpoints = EndpointCollector::default();
    let mut strings = BitSet::with_len(dex.string_count());
    for (i, s) in (0u32..).zip(dex.strings()) {
        if endpoints.scan(&s, "dex:classes.dex") {
            strings.insert(i);
        }
    }
    let mut col = CodeCollector {
        walk: true,
        ..CodeCollector::default()
    };
    let mut facts = Facts::default();
    col.scan_dex(&dex, "classes.dex", &strings, &mut facts, &mut |_, t, p| {
        endpoints.attribute(t, p)
    });
    col.finish(&mut facts);
    facts.endpoints = endpoints.finish();
    facts
}

fn scan(classes: &[Class]) -> Facts {
    scan_with(classes, &appgov_dex::Limits::default())
}

fn sites(s: &CodeSites) -> Vec<&str> {
    s.sites.iter().map(String::as_str).collect()
}

const CHECK_SERVER: &str = "([Ljava/security/cert/X509Certificate;Ljava/lang/String;)V";
const TRUST: &str = "Ljavax/net/ssl/X509TrustManager;";

#[test]
fn trust_managers_that_accept_everything() {
    let f = scan(&[
        Class::new("Lcom/evil/TrustAll;", OBJECT, &[TRUST])
            .method("checkServerTrusted", CHECK_SERVER, 3, |_| vec![RETURN_VOID])
            .method("checkClientTrusted", CHECK_SERVER, 3, |_| vec![RETURN_VOID]),
        // Extends the abstract class; the 3-argument overload is empty.
        Class::new(
            "Lcom/evil/Ext;",
            "Ljavax/net/ssl/X509ExtendedTrustManager;",
            &[],
        )
        .method(
            "checkServerTrusted",
            "([Ljava/security/cert/X509Certificate;Ljava/lang/String;Ljava/net/Socket;)V",
            4,
            |_| vec![RETURN_VOID],
        ),
        // Checks something: throws.
        Class::new("Lcom/good/Strict;", OBJECT, &[TRUST]).method(
            "checkServerTrusted",
            CHECK_SERVER,
            3,
            |ix| {
                let t = ix.type_("Ljava/security/cert/CertificateException;");
                let init = ix.method("Ljava/security/cert/CertificateException;", "<init>", "()V");
                units(&[&new_instance(0, t), &invoke(0x70, init, &[0]), &[0x0027]])
            },
        ),
        // An empty method of that name in a class that is no trust manager.
        Class::new("Lcom/good/Other;", OBJECT, &[]).method(
            "checkServerTrusted",
            CHECK_SERVER,
            3,
            |_| vec![RETURN_VOID],
        ),
    ]);
    let s = &f.dex.code_signals.trust_all_trust_managers;
    assert_eq!(
        sites(s),
        [
            "com.evil.Ext.checkServerTrusted",
            "com.evil.TrustAll.checkServerTrusted"
        ]
    );
    assert_eq!(s.count, 2);
}

#[test]
fn hostname_verifiers_that_accept_everything() {
    let verify = "(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z";
    let f = scan(&[
        Class::new(
            "Lcom/evil/AllowAll;",
            OBJECT,
            &["Ljavax/net/ssl/HostnameVerifier;"],
        )
        .method("verify", verify, 3, |_| vec![const4(0, 1), 0x000f]),
        Class::new(
            "Lcom/good/Never;",
            OBJECT,
            &["Ljavax/net/ssl/HostnameVerifier;"],
        )
        .method("verify", verify, 3, |_| vec![const4(0, 0), 0x000f]),
        // A lambda as D8 desugars it: verify forwards to a static method.
        Class::new(
            "Lcom/evil/Kt$$ExternalSyntheticLambda0;",
            OBJECT,
            &["Ljavax/net/ssl/HostnameVerifier;"],
        )
        .method("verify", verify, 4, move |ix| {
            let m = ix.method("Lcom/evil/Kt;", "lambda$0", verify);
            units(&[&invoke(0x71, m, &[2, 3]), &[move_result(0), 0x000f]])
        }),
        Class::new("Lcom/evil/Kt;", OBJECT, &[])
            .method("lambda$0", verify, 3, |_| vec![const4(0, 1), 0x000f]),
        // Forwarding to a real check is fine.
        Class::new(
            "Lcom/good/Kt$$ExternalSyntheticLambda0;",
            OBJECT,
            &["Ljavax/net/ssl/HostnameVerifier;"],
        )
        .method("verify", verify, 4, move |ix| {
            let m = ix.method("Lcom/good/Kt;", "lambda$0", verify);
            units(&[&invoke(0x71, m, &[2, 3]), &[move_result(0), 0x000f]])
        }),
        Class::new("Lcom/good/Kt;", OBJECT, &[]).method("lambda$0", verify, 3, |ix| {
            let m = ix.method("Lcom/good/Kt;", "check", "(Ljava/lang/String;)Z");
            units(&[&invoke(0x71, m, &[1]), &[move_result(0), 0x000f]])
        }),
        // Apache's ALLOW_ALL_HOSTNAME_VERIFIER handed to a factory.
        Class::new("Lcom/evil/Net;", OBJECT, &[]).method("connect", "()V", 2, |ix| {
            let f = ix.field(
                "Lorg/apache/http/conn/ssl/SSLSocketFactory;",
                "ALLOW_ALL_HOSTNAME_VERIFIER",
                "Lorg/apache/http/conn/ssl/X509HostnameVerifier;",
            );
            units(&[&sget_object(0, f), &[RETURN_VOID]])
        }),
        // The strict one is fine.
        Class::new("Lcom/good/Net;", OBJECT, &[]).method("connect", "()V", 2, |ix| {
            let f = ix.field(
                "Lorg/apache/http/conn/ssl/SSLSocketFactory;",
                "STRICT_HOSTNAME_VERIFIER",
                "Lorg/apache/http/conn/ssl/X509HostnameVerifier;",
            );
            units(&[&sget_object(0, f), &[RETURN_VOID]])
        }),
        Class::new("Lcom/evil/Legacy;", OBJECT, &[]).method("make", "()V", 2, |ix| {
            let t = ix.type_("Lorg/apache/http/conn/ssl/AllowAllHostnameVerifier;");
            let init = ix.method(
                "Lorg/apache/http/conn/ssl/AllowAllHostnameVerifier;",
                "<init>",
                "()V",
            );
            units(&[
                &new_instance(0, t),
                &invoke(0x70, init, &[0]),
                &[RETURN_VOID],
            ])
        }),
    ]);
    assert_eq!(
        sites(&f.dex.code_signals.permissive_hostname_verifiers),
        [
            "com.evil.AllowAll.verify",
            "com.evil.Kt$$ExternalSyntheticLambda0.verify",
            "com.evil.Legacy.make",
            "com.evil.Net.connect"
        ]
    );
}

#[test]
fn ssl_errors_proceeded_only_in_on_received_ssl_error() {
    let handler = "Landroid/webkit/SslErrorHandler;";
    let proceed = move |ix: &Ix| {
        let p = ix.method(handler, "proceed", "()V");
        units(&[&invoke(0x6e, p, &[2]), &[RETURN_VOID]])
    };
    let f = scan(&[
        Class::new("Lcom/evil/Client;", "Landroid/webkit/WebViewClient;", &[]).method(
            "onReceivedSslError",
            "(Landroid/webkit/WebView;Landroid/webkit/SslErrorHandler;Landroid/net/http/SslError;)V",
            4,
            proceed,
        ),
        // After asking the user: a different method.
        Class::new("Lcom/ok/Ask;", OBJECT, &[]).method(
            "onClick",
            "(Landroid/content/DialogInterface;I)V",
            4,
            proceed,
        ),
    ]);
    assert_eq!(
        sites(&f.dex.code_signals.ssl_error_proceed),
        ["com.evil.Client.onReceivedSslError"]
    );
}

#[test]
fn webview_settings_with_constant_arguments() {
    let settings = "Landroid/webkit/WebSettings;";
    let call = move |name: &'static str, v: i16| {
        move |ix: &Ix| {
            let m = ix.method(settings, name, "(Z)V");
            units(&[&[const4(1, v)], &invoke(0x6e, m, &[0, 1]), &[RETURN_VOID]])
        }
    };
    let f = scan(&[
        Class::new("Lcom/x/Open;", OBJECT, &[])
            .method(
                "a",
                "()V",
                2,
                call("setAllowUniversalAccessFromFileURLs", 1),
            )
            .method("b", "()V", 2, call("setAllowFileAccessFromFileURLs", 1))
            .method("c", "()V", 2, call("setJavaScriptEnabled", 1)),
        Class::new("Lcom/x/Closed;", OBJECT, &[])
            .method(
                "a",
                "()V",
                2,
                call("setAllowUniversalAccessFromFileURLs", 0),
            )
            .method("c", "()V", 2, call("setJavaScriptEnabled", 0))
            // The true constant is overwritten by a call result before use.
            .method("d", "()V", 2, move |ix| {
                let m = ix.method(settings, "setAllowFileAccessFromFileURLs", "(Z)V");
                let get = ix.method("Lcom/x/Closed;", "flag", "()Z");
                units(&[
                    &[const4(1, 1)],
                    &invoke(0x71, get, &[]),
                    &[move_result(1)],
                    &invoke(0x6e, m, &[0, 1]),
                    &[RETURN_VOID],
                ])
            })
            // The argument comes from the caller.
            .method("e", "(Z)V", 3, move |ix| {
                let m = ix.method(settings, "setAllowFileAccessFromFileURLs", "(Z)V");
                units(&[&invoke(0x6e, m, &[1, 2]), &[RETURN_VOID]])
            })
            .method("flag", "()Z", 1, |_| vec![const4(0, 1), 0x000f]),
    ]);
    let s = &f.dex.code_signals;
    assert_eq!(
        sites(&s.webview_file_access),
        ["com.x.Open.a", "com.x.Open.b"]
    );
    assert_eq!(sites(&s.webview_javascript_enabled), ["com.x.Open.c"]);
}

#[test]
fn javascript_interfaces_also_through_app_subclasses() {
    let f = scan(&[
        Class::new("Lcom/x/MyWebView;", "Landroid/webkit/WebView;", &[]),
        Class::new("Lcom/x/Deeper;", "Lcom/x/MyWebView;", &[]),
        Class::new("Lcom/x/Page;", OBJECT, &[])
            .method("direct", "()V", 3, |ix| {
                call_and_return(
                    ix,
                    0x6e,
                    (
                        "Landroid/webkit/WebView;",
                        "addJavascriptInterface",
                        "(Ljava/lang/Object;Ljava/lang/String;)V",
                    ),
                    &[0, 1, 2],
                )
            })
            .method("sub", "()V", 3, |ix| {
                call_and_return(
                    ix,
                    0x6e,
                    (
                        "Lcom/x/Deeper;",
                        "addJavascriptInterface",
                        "(Ljava/lang/Object;Ljava/lang/String;)V",
                    ),
                    &[0, 1, 2],
                )
            })
            // Same name on an unrelated class.
            .method("other", "()V", 3, |ix| {
                call_and_return(
                    ix,
                    0x6e,
                    (
                        "Lcom/x/Bridge;",
                        "addJavascriptInterface",
                        "(Ljava/lang/Object;Ljava/lang/String;)V",
                    ),
                    &[0, 1, 2],
                )
            }),
    ]);
    assert_eq!(
        sites(&f.dex.code_signals.webview_javascript_interface),
        ["com.x.Page.direct", "com.x.Page.sub"]
    );
    // api_uses lists the framework method only.
    let apis: Vec<&str> = f.dex.api_uses.iter().map(|u| u.api.as_str()).collect();
    assert_eq!(apis, ["android.webkit.WebView.addJavascriptInterface"]);
}

#[test]
fn secure_flag_needs_the_bit_in_a_constant() {
    let window = "Landroid/view/Window;";
    let f = scan(&[Class::new("Lcom/x/Screens;", OBJECT, &[])
        .method("set", "()V", 2, move |ix| {
            let m = ix.method(window, "setFlags", "(II)V");
            units(&[
                &const16(1, 0x2000),
                &invoke(0x6e, m, &[0, 1, 1]),
                &[RETURN_VOID],
            ])
        })
        .method("add", "()V", 2, move |ix| {
            let m = ix.method(window, "addFlags", "(I)V");
            // FLAG_SECURE | FLAG_KEEP_SCREEN_ON
            units(&[
                &const16(1, 0x2080),
                &invoke(0x6e, m, &[0, 1]),
                &[RETURN_VOID],
            ])
        })
        .method("keepOn", "()V", 2, move |ix| {
            let m = ix.method(window, "addFlags", "(I)V");
            units(&[&const16(1, 0x80), &invoke(0x6e, m, &[0, 1]), &[RETURN_VOID]])
        })
        .method("clear", "()V", 3, move |ix| {
            let m = ix.method(window, "setFlags", "(II)V");
            // setFlags(0, FLAG_SECURE) clears it; setFlags(FLAG_SECURE, 0) changes nothing.
            units(&[
                &[const4(1, 0)],
                &const16(2, 0x2000),
                &invoke(0x6e, m, &[0, 1, 2]),
                &invoke(0x6e, m, &[0, 2, 1]),
                &[RETURN_VOID],
            ])
        })]);
    assert_eq!(
        sites(&f.dex.code_signals.secure_flag),
        ["com.x.Screens.add", "com.x.Screens.set"]
    );
}

#[test]
fn dynamic_code_loading_calls() {
    let f = scan(&[Class::new("Lcom/plugin/Loader;", OBJECT, &[])
        .method("dex", "()V", 5, |ix| {
            let t = ix.type_("Ldalvik/system/DexClassLoader;");
            let m = ix.method(
                "Ldalvik/system/DexClassLoader;",
                "<init>",
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/ClassLoader;)V",
            );
            units(&[
                &new_instance(0, t),
                &invoke(0x70, m, &[0, 1, 2, 3, 4]),
                &[RETURN_VOID],
            ])
        })
        .method("so", "()V", 1, |ix| {
            let m = ix.method("Ljava/lang/System;", "load", "(Ljava/lang/String;)V");
            let lib = ix.method("Ljava/lang/System;", "loadLibrary", "(Ljava/lang/String;)V");
            units(&[
                &invoke(0x71, m, &[0]),
                &invoke(0x71, lib, &[0]),
                &[RETURN_VOID],
            ])
        })
        .method("path", "()V", 3, |ix| {
            call_and_return(
                ix,
                0x70,
                (
                    "Ldalvik/system/PathClassLoader;",
                    "<init>",
                    "(Ljava/lang/String;Ljava/lang/ClassLoader;)V",
                ),
                &[0, 1, 2],
            )
        })]);
    assert_eq!(
        sites(&f.dex.code_signals.dynamic_code_loading),
        ["com.plugin.Loader.dex", "com.plugin.Loader.so"]
    );
}

#[test]
fn crypto_algorithms_keys_and_ivs() {
    let cipher = |ix: &Ix, reg: u16| {
        invoke(
            0x71,
            ix.method(
                "Ljavax/crypto/Cipher;",
                "getInstance",
                "(Ljava/lang/String;)Ljavax/crypto/Cipher;",
            ),
            &[reg],
        )
    };
    let get_bytes = |ix: &Ix| ix.method("Ljava/lang/String;", "getBytes", "()[B");
    let key_spec = |ix: &Ix| {
        ix.method(
            "Ljavax/crypto/spec/SecretKeySpec;",
            "<init>",
            "([BLjava/lang/String;)V",
        )
    };
    let iv_spec = |ix: &Ix| ix.method("Ljavax/crypto/spec/IvParameterSpec;", "<init>", "([B)V");
    let iv_field = |ix: &Ix| ix.field("Lcom/sdk/Crypto;", "IV", "[B");
    let f = scan(&[Class::new("Lcom/sdk/Crypto;", OBJECT, &[])
        // static final byte[] IV = {…}; filled from a payload.
        .method("<clinit>", "()V", 2, move |ix| {
            let t = ix.type_("[B");
            units(&[
                &const16(0, 4),
                // new-array v0, v0, [B
                &[0x0023, t],
                // fill-array-data v0, +5 (payload after the next 2 units)
                &[0x0026, 5, 0],
                &sput_object(0, iv_field(ix)),
                &[RETURN_VOID],
                &[0x0300, 1, 4, 0, 0x0201, 0x0403],
            ])
        })
        .method("ecb", "()V", 2, move |ix| {
            let s = ix.string("AES/ECB/PKCS5Padding");
            units(&[&const_string(0, s), &cipher(ix, 0), &[RETURN_VOID]])
        })
        .method("md5", "()V", 2, move |ix| {
            let s = ix.string("MD5");
            let m = ix.method(
                "Ljava/security/MessageDigest;",
                "getInstance",
                "(Ljava/lang/String;)Ljava/security/MessageDigest;",
            );
            units(&[&const_string(0, s), &invoke(0x71, m, &[0]), &[RETURN_VOID]])
        })
        // new SecretKeySpec("0123456789abcdef".getBytes(), "AES")
        .method("hardKey", "()V", 4, move |ix| {
            let t = ix.type_("Ljavax/crypto/spec/SecretKeySpec;");
            units(&[
                &const_string(0, ix.string("0123456789abcdef")),
                &invoke(0x6e, get_bytes(ix), &[0]),
                &[move_result_object(1)],
                &new_instance(2, t),
                &const_string(3, ix.string("AES")),
                &invoke(0x70, key_spec(ix), &[2, 1, 3]),
                &[RETURN_VOID],
            ])
        })
        // new SecretKeySpec(key, "AES") with the key from the caller:
        // a constant algorithm name is no constant key.
        .method("paramKey", "([B)V", 4, move |ix| {
            let t = ix.type_("Ljavax/crypto/spec/SecretKeySpec;");
            units(&[
                &new_instance(0, t),
                &const_string(1, ix.string("AES")),
                &invoke(0x70, key_spec(ix), &[0, 3, 1]),
                &[RETURN_VOID],
            ])
        })
        // new IvParameterSpec(IV) with the constant static field.
        .method("fieldIv", "()V", 3, move |ix| {
            let t = ix.type_("Ljavax/crypto/spec/IvParameterSpec;");
            units(&[
                &new_instance(0, t),
                &sget_object(1, iv_field(ix)),
                &invoke(0x70, iv_spec(ix), &[0, 1]),
                &[RETURN_VOID],
            ])
        })
        // new IvParameterSpec(random bytes): a field nothing constant fills.
        .method("randomIv", "()V", 3, move |ix| {
            let t = ix.type_("Ljavax/crypto/spec/IvParameterSpec;");
            let f = ix.field("Lcom/sdk/Crypto;", "nonce", "[B");
            units(&[
                &new_instance(0, t),
                &sget_object(1, f),
                &invoke(0x70, iv_spec(ix), &[0, 1]),
                &[RETURN_VOID],
            ])
        })]);
    let s = &f.dex.code_signals;
    let values = |v: &[CodeValue]| -> Vec<(String, Vec<String>)> {
        v.iter()
            .map(|c| (c.value.clone(), c.sites.clone()))
            .collect()
    };
    assert_eq!(
        values(&s.cipher_transformations),
        [(
            "AES/ECB/PKCS5Padding".to_string(),
            vec!["com.sdk.Crypto.ecb".to_string()]
        )]
    );
    assert_eq!(
        values(&s.message_digest_algorithms),
        [("MD5".to_string(), vec!["com.sdk.Crypto.md5".to_string()])]
    );
    assert_eq!(sites(&s.secret_key_specs), ["com.sdk.Crypto.hardKey"]);
    assert_eq!(sites(&s.static_iv), ["com.sdk.Crypto.fieldIv"]);
}

#[test]
fn api_uses_name_calling_packages() {
    let device_id = |ix: &Ix| {
        ix.method(
            "Landroid/telephony/TelephonyManager;",
            "getDeviceId",
            "()Ljava/lang/String;",
        )
    };
    let mut classes = vec![
        Class::new("Lcom/umeng/commonsdk/statistics/A;", OBJECT, &[]).method(
            "id",
            "()V",
            1,
            move |ix| units(&[&invoke(0x6e, device_id(ix), &[0]), &[RETURN_VOID]]),
        ),
        Class::new("Lcom/umeng/commonsdk/statistics/B;", OBJECT, &[]).method(
            "id",
            "()V",
            1,
            move |ix| units(&[&invoke(0x6e, device_id(ix), &[0]), &[RETURN_VOID]]),
        ),
        Class::new("LTop;", OBJECT, &[]).method("id", "()V", 1, move |ix| {
            units(&[&invoke(0x6e, device_id(ix), &[0]), &[RETURN_VOID]])
        }),
    ];
    // 20 more packages calling Log.d.
    for i in 0..20 {
        classes.push(Class::new(&format!("Lp{i:02}/C;"), OBJECT, &[]).method(
            "log",
            "()V",
            2,
            |ix| {
                call_and_return(
                    ix,
                    0x71,
                    (
                        "Landroid/util/Log;",
                        "d",
                        "(Ljava/lang/String;Ljava/lang/String;)I",
                    ),
                    &[0, 1],
                )
            },
        ));
    }
    let f = scan(&classes);
    let refs = &f.dex.api_refs;
    assert_eq!(
        refs,
        &[
            "android.telephony.TelephonyManager.getDeviceId",
            "android.util.Log.d"
        ]
    );
    let uses = &f.dex.api_uses;
    assert_eq!(uses.len(), 2);
    assert_eq!(
        uses[0].api,
        "android.telephony.TelephonyManager.getDeviceId"
    );
    assert_eq!(uses[0].callers, ["", "com.umeng.commonsdk.statistics"]);
    assert_eq!(uses[0].callers_truncated, 0);
    assert_eq!(uses[1].callers.len(), ApiUse::MAX_CALLERS);
    assert_eq!(uses[1].callers[0], "p00");
    assert_eq!(uses[1].callers_truncated, 4);
}

#[test]
fn endpoint_strings_name_the_code_that_loads_them() {
    let f = scan(&[
        Class::new("Lcom/sdk/net/Api;", OBJECT, &[]).method("url", "()V", 1, |ix| {
            let s = ix.string("https://api.example.com/v1/report");
            units(&[&const_string(0, s), &[RETURN_VOID]])
        }),
        Class::new("Lcom/app/Main;", OBJECT, &[]).method("url", "()V", 1, |ix| {
            let s = ix.string("https://api.example.com/v1/report");
            let t = ix.string("see mail@example.org");
            units(&[&const_string(0, s), &const_string(0, t), &[RETURN_VOID]])
        }),
    ]);
    let urls = &f.endpoints.urls;
    assert_eq!(urls.len(), 1);
    assert_eq!(urls[0].packages, ["com.app", "com.sdk.net"]);
    assert_eq!(urls[0].found_in, ["dex:classes.dex"]);
    let domains: Vec<(&str, &[String])> = f
        .endpoints
        .domains
        .iter()
        .map(|l| (l.value.as_str(), l.packages.as_slice()))
        .collect();
    assert_eq!(
        domains,
        [
            (
                "api.example.com",
                &["com.app".to_string(), "com.sdk.net".to_string()][..]
            ),
            ("example.org", &["com.app".to_string()][..]),
        ]
    );
    assert_eq!(f.endpoints.emails[0].packages, ["com.app"]);
}

#[test]
fn budget_exhaustion_is_reported() {
    let classes: Vec<Class> = (0..50)
        .map(|i| {
            Class::new(&format!("Lp{i:02}/C;"), OBJECT, &[]).method("m", "()V", 1, |ix| {
                call_and_return(ix, 0x71, ("Landroid/util/Log;", "i", "()V"), &[])
            })
        })
        .collect();
    let limits = appgov_dex::Limits {
        max_code_instructions: 40,
        ..appgov_dex::Limits::default()
    };
    let f = scan_with(&classes, &limits);
    assert!(
        f.anomalies
            .iter()
            .any(|a| a.kind == "code_budget_exhausted"),
        "{:?}",
        f.anomalies
    );
    // What was walked before the budget ran out is still reported: each
    // class costs 4 steps (class, method, two instructions).
    assert_eq!(f.dex.api_uses.len(), 1);
    assert_eq!(f.dex.api_uses[0].callers.len(), 10);
    let full = scan(&classes);
    assert!(full.anomalies.is_empty(), "{:?}", full.anomalies);
    assert_eq!(full.dex.api_uses[0].callers.len(), ApiUse::MAX_CALLERS);
    assert_eq!(full.dex.api_uses[0].callers_truncated, 50 - 16);
}

#[test]
fn hostile_bytes_never_panic() {
    let bytes = build(&[
        Class::new("Lcom/evil/TrustAll;", OBJECT, &[TRUST]).method(
            "checkServerTrusted",
            CHECK_SERVER,
            3,
            |_| vec![RETURN_VOID],
        ),
        Class::new("Lcom/x/Page;", OBJECT, &[]).method("a", "()V", 4, |ix| {
            let m = ix.method(
                "Landroid/webkit/WebSettings;",
                "setJavaScriptEnabled",
                "(Z)V",
            );
            let s = ix.string("https://h.example.com/");
            let c = ix.method(
                "Ljavax/crypto/Cipher;",
                "getInstance",
                "(Ljava/lang/String;)Ljavax/crypto/Cipher;",
            );
            units(&[
                &[const4(1, 1)],
                &invoke(0x6e, m, &[0, 1]),
                &const_string(2, s),
                &invoke(0x71, c, &[2]),
                &[0x0174, c, 2], // invoke-virtual/range {v2}
                &[RETURN_VOID],
            ])
        }),
    ]);
    // Deterministic pseudo-random corruptions of every region.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let limits = appgov_dex::Limits {
        verify_checksum: false,
        verify_signature: false,
        ..appgov_dex::Limits::default()
    };
    for round in 0..3000 {
        let mut m = bytes.clone();
        for _ in 0..1 + round % 8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % m.len();
            m[at] = (seed >> 32) as u8;
        }
        if round % 50 == 0 {
            m.truncate((seed as usize) % m.len());
        }
        let Ok(dex) = appgov_dex::parse(&m, &limits) else {
            continue;
        };
        let mut endpoints = EndpointCollector::default();
        let strings = BitSet::with_len(dex.string_count());
        let mut col = CodeCollector {
            walk: true,
            ..CodeCollector::default()
        };
        let mut facts = Facts::default();
        col.scan_dex(&dex, "classes.dex", &strings, &mut facts, &mut |_, t, p| {
            endpoints.attribute(t, p)
        });
        col.finish(&mut facts);
    }
}

#[test]
fn packages_of_descriptors() {
    assert_eq!(desc_package("Lcom/foo/Bar;"), "com/foo");
    assert_eq!(desc_package("LBar;"), "");
    assert_eq!(desc_package("[I"), "");
    assert_eq!(desc_package(""), "");
}

#[test]
fn bit_set() {
    let mut b = BitSet::with_len(130);
    b.insert(0);
    b.insert(129);
    b.insert(1_000_000);
    assert!(b.contains(0) && b.contains(129));
    assert!(!b.contains(1) && !b.contains(1_000_000) && !b.contains(u32::MAX));
}

#[test]
fn value_sets_cap_length_and_count() {
    let mut v = ValueSet::default();
    let long = "é".repeat(200);
    v.add(&long, "a.B.c");
    for i in 0..100 {
        v.add(&format!("v{i}"), "a.B.c");
    }
    let out = v.finish();
    assert_eq!(out.len(), MAX_VALUES);
    assert!(out.iter().all(|c| c.value.len() <= MAX_VALUE_LEN));
}

#[test]
fn site_sets_count_beyond_the_listed() {
    let mut s = SiteSet::default();
    for i in 0..50 {
        s.add(&format!("p.C{i:02}.m"));
        s.add(&format!("p.C{i:02}.m"));
    }
    let out = s.finish();
    assert_eq!(out.count, 50);
    assert_eq!(out.sites.len(), CodeSites::MAX_SITES);
    assert_eq!(out.sites[0], "p.C00.m");
}

#[test]
fn hash_spreads_keys_that_differ_in_the_high_half() {
    use std::hash::BuildHasher;
    let low_bits: BTreeSet<u64> = (0..1024u64)
        .map(|api| Fx::default().hash_one((api << 32) | 7) & 0x3ff)
        .collect();
    assert!(low_bits.len() > 500, "{}", low_bits.len());
}
