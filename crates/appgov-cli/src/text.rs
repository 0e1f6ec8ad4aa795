//! The human-readable summary of one package's facts.

use std::fmt::Write;

use appgov_checks::Analysis;
use appgov_checks::rules::dead_links::is_dead;
use appgov_facts::{Facts, LinkStatus};

pub fn summary(f: &Facts) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "── {} ({}, {} bytes)",
        f.input.file_name, f.input.kind, f.input.size
    );
    let mut line = |key: &str, value: String| {
        let _ = writeln!(s, "  {key:<13} {value}");
    };
    if let Some(err) = &f.error {
        line("error", err.clone());
    }
    if !f.input.sha256.is_empty() {
        line("sha256", f.input.sha256.clone());
    }
    line("package", opt(&f.package));
    line(
        "version",
        format!(
            "{} (code {})",
            opt(&f.version_name),
            f.version_code.map_or("-".into(), |v| v.to_string())
        ),
    );
    line("label", opt(&f.label));
    line(
        "sdk",
        format!(
            "min {} · target {}{}",
            num(f.min_sdk),
            num(f.target_sdk),
            f.max_sdk.map_or(String::new(), |m| format!(" · max {m}"))
        ),
    );
    let looked = |section: &str| f.analysed.iter().any(|a| a == section);
    let sig = &f.signing;
    let schemes: Vec<String> = sig
        .schemes
        .iter()
        .map(|s| format!("{} {}", s.scheme, if s.verified { "✓" } else { "✗" }))
        .collect();
    line(
        "signing",
        format!(
            "{} — {}",
            if schemes.is_empty() {
                "unsigned".to_string()
            } else {
                schemes.join(", ")
            },
            if sig.verified {
                "verified".to_string()
            } else if !looked("signature_digests") {
                "not verified (content digests skipped on request)".to_string()
            } else {
                format!("NOT verified: {}", sig.verdict)
            }
        ),
    );
    for cert in &sig.certificates {
        line(
            "certificate",
            format!(
                "{}{}",
                cert.subject,
                if cert.debug {
                    "  [Android debug certificate]"
                } else {
                    ""
                }
            ),
        );
        line("", format!("SHA-256 {}", cert.sha256));
        line("", format!("MD5     {}", cert.md5));
        line(
            "",
            format!(
                "{} {} bit, valid {} → {}",
                cert.key_algorithm,
                cert.key_size.map_or("?".into(), |k| k.to_string()),
                cert.not_before,
                cert.not_after
            ),
        );
    }
    for ch in &sig.channels {
        line(
            "channel",
            format!("{}: {}", ch.kind, ch.channel.as_deref().unwrap_or("-")),
        );
    }
    line(
        "permissions",
        if f.permissions.is_empty() {
            "none".into()
        } else {
            format!("{}: {}", f.permissions.len(), f.permissions.join(", "))
        },
    );
    let a = &f.android;
    let mut kinds: Vec<(&str, usize, usize)> = Vec::new();
    for c in &a.components {
        match kinds.iter_mut().find(|(k, _, _)| *k == c.kind) {
            Some(entry) => {
                entry.1 += 1;
                entry.2 += usize::from(c.exported);
            }
            None => kinds.push((&c.kind, 1, usize::from(c.exported))),
        }
    }
    line(
        "components",
        if kinds.is_empty() {
            "none".into()
        } else {
            kinds
                .iter()
                .map(|(k, n, e)| format!("{n} {k} ({e} exported)"))
                .collect::<Vec<_>>()
                .join(", ")
        },
    );
    let app = &a.application;
    let mut flags = Vec::new();
    if app.debuggable {
        flags.push("debuggable");
    }
    if app.allow_backup {
        flags.push("allowBackup");
    }
    if app.cleartext_permitted_by_default {
        flags.push("cleartext permitted");
    }
    if app.test_only {
        flags.push("testOnly");
    }
    if app.request_legacy_external_storage {
        flags.push("requestLegacyExternalStorage");
    }
    if a.network_security.is_some() {
        flags.push("network security config");
    }
    line(
        "flags",
        if flags.is_empty() {
            "-".into()
        } else {
            flags.join(", ")
        },
    );
    let mut line = |key: &str, section: &str, value: String| {
        let value = if looked(section) {
            value
        } else {
            "not analysed".to_string()
        };
        let _ = writeln!(s, "  {key:<13} {value}");
    };
    line(
        "dex",
        "code",
        format!(
            "{} files, {} classes, {} methods, {} strings{}",
            f.dex.files.len(),
            f.dex.classes,
            f.dex.methods,
            f.dex.strings,
            if f.dex.code_hidden {
                " — code hidden or encrypted"
            } else {
                ""
            }
        ),
    );
    line(
        "native",
        "native",
        if f.native_libs.is_empty() {
            "none".into()
        } else {
            format!("{} libs; ABIs {}", f.native_libs.len(), f.abis.join(", "))
        },
    );
    let e = &f.endpoints;
    line(
        "endpoints",
        "endpoints",
        format!(
            "{} URLs, {} domains, {} IPs, {} e-mails",
            e.urls.len(),
            e.domains.len(),
            e.ips.len(),
            e.emails.len()
        ),
    );
    let mut line = |key: &str, value: String| {
        let _ = writeln!(s, "  {key:<13} {value}");
    };
    if looked("links") {
        links(f, &mut line);
    }
    if !f.splits.is_empty() {
        line("splits", format!("{}", f.splits.len()));
    }
    if !f.nested.is_empty() {
        line(
            "nested",
            f.nested
                .iter()
                .map(|n| format!("{} ({})", n.path, n.kind))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if f.anomalies.is_empty() {
        line("anomalies", "none".into());
    } else {
        line("anomalies", format!("{}", f.anomalies.len()));
        for an in f.anomalies.iter().take(20) {
            line(
                "",
                format!(
                    "[{}] {}{}: {}",
                    an.source,
                    an.kind,
                    an.path
                        .as_deref()
                        .map(|p| format!(" ({p})"))
                        .unwrap_or_default(),
                    an.detail
                ),
            );
        }
        if f.anomalies.len() > 20 {
            line("", format!("… and {} more", f.anomalies.len() - 20));
        }
    }
    s
}

/// SDKs, packers and findings, Chinese titles with the English beside them.
pub fn analysis(a: &Analysis) -> String {
    let mut s = String::new();
    if !a.packers.is_empty() {
        let names: Vec<String> = a
            .packers
            .iter()
            .map(|p| format!("{} / {}", p.name_zh, p.name))
            .collect();
        let _ = writeln!(s, "  {:<13} {}", "packer", names.join(", "));
    }
    if !a.sdks.is_empty() {
        let _ = writeln!(s, "  {:<13} {}", "sdks", a.sdks.len());
        for sdk in &a.sdks {
            let kinds: Vec<&str> = sdk.evidence.iter().map(|e| e.kind.as_str()).collect();
            let _ = writeln!(
                s,
                "  {:<13} {} / {} [{}] ({})",
                "",
                sdk.name_zh,
                sdk.name,
                sdk.category_zh,
                kinds.join("+")
            );
        }
    }
    let _ = writeln!(s, "  {:<13} {}", "findings", a.findings.len());
    for f in &a.findings {
        let arts: Vec<String> = f.articles.iter().map(|n| format!("A{n}")).collect();
        let _ = writeln!(
            s,
            "  {:<13} {:<8} {} {} / {} [{}]",
            "",
            f.severity.as_str(),
            f.rule,
            f.title_zh,
            f.title_en,
            arts.join(",")
        );
    }
    for l in &a.limits {
        let _ = writeln!(
            s,
            "  {:<13} {} / {} [{}]",
            "undecided",
            l.message_zh,
            l.message_en,
            l.rules.join(",")
        );
    }
    s
}

/// Most dead links listed in the text summary.
const MAX_DEAD_LISTED: usize = 20;

/// The link check: counts by status, then the dead links.
fn links(f: &Facts, line: &mut impl FnMut(&str, String)) {
    let checks = &f.link_checks;
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for c in checks {
        match counts.iter_mut().find(|(k, _)| *k == c.status.as_str()) {
            Some(entry) => entry.1 += 1,
            None => counts.push((c.status.as_str(), 1)),
        }
    }
    let dead: Vec<_> = checks.iter().filter(|c| is_dead(c)).collect();
    line(
        "links",
        if checks.is_empty() {
            "none to check".into()
        } else {
            format!(
                "{} checked, {} dead ({})",
                checks.len(),
                dead.len(),
                counts
                    .iter()
                    .map(|(k, n)| format!("{n} {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    );
    for c in dead.iter().take(MAX_DEAD_LISTED) {
        let what = match c.http_status {
            Some(code) if c.status == LinkStatus::HttpError => format!("HTTP {code}"),
            _ => c.status.as_str().to_string(),
        };
        line("", format!("{what:<18} {}", c.url));
    }
    if dead.len() > MAX_DEAD_LISTED {
        line("", format!("… and {} more", dead.len() - MAX_DEAD_LISTED));
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

fn num(v: Option<u32>) -> String {
    v.map_or("-".into(), |n| n.to_string())
}
