//! One check per file. Each declares its metadata and documentation with
//! `declare_rule!` and implements [`crate::Rule`]; `registry.rs` lists them.

pub mod ads_sdk;
pub mod allow_backup;
pub mod blocked_sdk;
pub mod certificate_validity;
pub mod cleartext_traffic;
pub mod clipboard;
pub mod dead_links;
pub mod debug_certificate;
pub mod debuggable;
pub mod device_ids;
pub mod dynamic_code_loading;
pub mod exported_components;
pub mod filing_mismatch;
pub mod hardcoded_secrets;
pub mod installed_apps;
pub mod ip_endpoints;
pub mod missing_64bit;
pub mod no_certificate_pinning;
pub mod no_environment_detection;
pub mod no_screenshot_protection;
pub mod not_hardened;
pub mod outdated_target_sdk;
pub mod package_structure;
pub mod page_size_16k;
pub mod risky_webview;
pub mod sdk_not_approved;
pub mod sdk_not_disclosed;
pub mod suspicious_links;
pub mod trust_all_tls;
pub mod unapproved_domains;
pub mod undisclosed_permissions;
pub mod unknown_signer;
pub mod unusual_permissions;
pub mod user_trust_anchors;
pub mod v1_only_signing;
pub mod weak_crypto;
pub mod weak_signing;

use crate::{Context, Evidence};
use appgov_knowledge::ApiRule;

/// Most API references listed as evidence per finding.
const MAX_API_EVIDENCE: usize = 30;

/// Evidence for every referenced framework API among the catalog's rules
/// that `select` picks, leaving out the inconclusive ones; the location
/// names the calling packages (and their SDKs) when the bytecode was walked.
pub(crate) fn api_evidence(cx: &Context<'_>, select: impl Fn(&ApiRule) -> bool) -> Vec<Evidence> {
    let mut ev = Vec::new();
    for rule in cx
        .knowledge
        .apis
        .iter()
        .filter(|a| !a.inconclusive && select(a))
    {
        for r in cx.api_refs(&rule.class, &rule.methods) {
            if ev.len() < MAX_API_EVIDENCE {
                let callers = cx.api_callers(r);
                ev.push(Evidence::new("api", callers.as_deref(), r.to_string()));
            }
        }
    }
    ev
}
