//! `appgov diff OLD NEW`: what changed between two releases of an app.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use appgov_checks::diff::{ReleaseDiff, SetChange};
use appgov_checks::{Severity, diff::diff};
use appgov_knowledge::Knowledge;
use clap::{Args, ValueEnum};

use crate::scan::{check_one, load_policy, parse_date, parse_severity, scan_one, today_utc};

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier release's package.
    old: PathBuf,
    /// The new release's package.
    new: PathBuf,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
    /// Judge findings with this institution policy (see `appgov scan --policy`).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The date checks judge by, `YYYY-MM-DD`; default today (UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    date: Option<String>,
    /// Gate: exit with 3 when the new release adds findings at least this
    /// severe, or changes its signing certificate (outside a v3 rotation
    /// lineage) or package name.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    /// One self-contained page, Chinese with an English switch.
    Html,
}

pub fn run(args: &DiffArgs) -> Result<ExitCode> {
    let knowledge = Knowledge::builtin().context("built-in knowledge files are invalid")?;
    let policy = load_policy(args.policy.as_deref(), &knowledge)?;
    let today = args.date.clone().unwrap_or_else(today_utc);
    let options = appgov_options::scan_options(&knowledge).map_err(anyhow::Error::msg)?;
    let (old, new) = std::thread::scope(|s| {
        let o = s.spawn(|| scan_one(&args.old, &options));
        let n = scan_one(&args.new, &options);
        (o.join(), n)
    });
    let mut old =
        old.map_err(|_| anyhow::anyhow!("internal error while analysing {}", args.old.display()))?;
    let mut new = new;
    let oa = check_one(&mut old, &knowledge, policy.as_ref(), &today);
    let na = check_one(&mut new, &knowledge, policy.as_ref(), &today);
    for f in [&old, &new] {
        if let Some(e) = &f.error {
            eprintln!("appgov: {}: {e}", f.input.file_name);
        }
    }
    if old.error.is_some() || new.error.is_some() {
        return Ok(ExitCode::from(1));
    }
    let d = diff((&old, &oa), (&new, &na));
    let mut out = std::io::stdout().lock();
    match args.format {
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &d)?;
            writeln!(out)?;
        }
        DiffFormat::Text => write!(out, "{}", text(&d))?,
        DiffFormat::Html => {
            let generated = crate::scan::now_rfc3339();
            write!(out, "{}", appgov_report::diff_html(&d, &generated, &today))?;
        }
    }
    Ok(match args.fail_on {
        Some(t) if d.fails(t) => ExitCode::from(3),
        _ => ExitCode::SUCCESS,
    })
}

fn set(s: &mut String, title: &str, c: &SetChange) {
    if c.is_empty() {
        return;
    }
    let _ = writeln!(s, "{title}");
    for a in &c.added {
        let _ = writeln!(s, "  + {a}");
    }
    for r in &c.removed {
        let _ = writeln!(s, "  - {r}");
    }
}

/// The human-readable diff, Chinese headings with English beside them.
pub fn text(d: &ReleaseDiff) -> String {
    let mut s = String::new();
    let side = |x: &appgov_checks::diff::Side| {
        format!(
            "{} {} ({}) {}",
            x.package.as_deref().unwrap_or("-"),
            x.version_name.as_deref().unwrap_or("-"),
            x.version_code.map_or("-".into(), |v| v.to_string()),
            x.file_name
        )
    };
    let _ = writeln!(s, "旧版本 / old: {}", side(&d.old));
    let _ = writeln!(s, "新版本 / new: {}", side(&d.new));
    if d.package_changed {
        let _ = writeln!(
            s,
            "!!! 包名变更 / PACKAGE NAME CHANGED: this is not an update of the same app"
        );
    }
    if d.signer_changed {
        if d.signer_rotation_in_lineage {
            let _ = writeln!(
                s,
                "!   签名证书轮换（在 v3 轮换链中）/ signing key rotated within the v3 lineage"
            );
        } else {
            let _ = writeln!(
                s,
                "!!! 签名证书变更 / SIGNING CERTIFICATE CHANGED: devices will refuse this update"
            );
        }
        let _ = writeln!(
            s,
            "    {} → {}",
            d.old.signers.join(","),
            d.new.signers.join(",")
        );
    }
    if !d.values.is_empty() {
        let _ = writeln!(s, "属性 / values");
        for v in &d.values {
            let _ = writeln!(s, "  {}: {} → {}", v.what, v.old, v.new);
        }
    }
    set(&mut s, "权限 / permissions", &d.permissions);
    set(&mut s, "SDK / SDKs", &d.sdks);
    for v in &d.sdk_versions {
        let _ = writeln!(s, "  ~ {} {} → {}", v.what, v.old, v.new);
    }
    set(&mut s, "加固 / packers", &d.packers);
    set(&mut s, "域名 / domains", &d.domains);
    set(&mut s, "组件 / components", &d.components);
    if !d.exported.is_empty() {
        let _ = writeln!(s, "导出状态 / exported");
        for v in &d.exported {
            let _ = writeln!(s, "  ~ {}: {} → {}", v.what, v.old, v.new);
        }
    }
    set(&mut s, "原生库 / native libraries", &d.native_libs);
    for l in &d.native_libs_changed {
        let _ = writeln!(s, "  ~ {l} (content changed)");
    }
    set(&mut s, "证书 / certificates", &d.certificates);
    let findings = |s: &mut String, title: &str, list: &[appgov_checks::diff::FindingChange]| {
        if list.is_empty() {
            return;
        }
        let _ = writeln!(s, "{title}");
        for f in list {
            let _ = writeln!(
                s,
                "  {:<8} {} {} / {}",
                f.severity.as_str(),
                f.rule,
                f.title_zh,
                f.title_en
            );
            for a in f.evidence.added.iter().take(10) {
                let _ = writeln!(s, "      + {a}");
            }
            for r in f.evidence.removed.iter().take(10) {
                let _ = writeln!(s, "      - {r}");
            }
        }
    };
    findings(&mut s, "新增问题 / new findings", &d.new_findings);
    findings(&mut s, "已修复 / fixed findings", &d.fixed_findings);
    findings(
        &mut s,
        "证据变化 / findings with changed evidence",
        &d.changed_findings,
    );
    s
}
