//! Every check, in catalog order.

use crate::rule::Rule;
use crate::rules::*;

pub static RULES: &[&dyn Rule] = &[
    &not_hardened::NotHardened,
    &debuggable::Debuggable,
    &allow_backup::AllowBackup,
    &cleartext_traffic::CleartextTraffic,
    &user_trust_anchors::UserTrustAnchors,
    &trust_all_tls::TrustAllTls,
    &v1_only_signing::V1OnlySigning,
    &unknown_signer::UnknownSigner,
    &debug_certificate::DebugCertificate,
    &filing_mismatch::FilingMismatch,
    &exported_components::ExportedComponents,
    &outdated_target_sdk::OutdatedTargetSdk,
    &missing_64bit::Missing64Bit,
    &undisclosed_permissions::UndisclosedPermissions,
    &unusual_permissions::UnusualPermissions,
    &installed_apps::InstalledApps,
    &device_ids::DeviceIds,
    &clipboard::Clipboard,
    &sdk_not_approved::SdkNotApproved,
    &sdk_not_disclosed::SdkNotDisclosed,
    &blocked_sdk::BlockedSdk,
    &ads_sdk::AdsSdk,
    &hardcoded_secrets::HardcodedSecrets,
    &weak_crypto::WeakCrypto,
    &risky_webview::RiskyWebView,
    &unapproved_domains::UnapprovedDomains,
    &dynamic_code_loading::DynamicCodeLoading,
    &no_screenshot_protection::NoScreenshotProtection,
    &no_environment_detection::NoEnvironmentDetection,
    &no_certificate_pinning::NoCertificatePinning,
    &weak_signing::WeakSigning,
    &certificate_validity::CertificateValidity,
    &page_size_16k::PageSize16K,
    &package_structure::PackageStructure,
    &ip_endpoints::IpEndpoints,
    &suspicious_links::SuspiciousLinks,
    &dead_links::DeadLinks,
];

/// A check by id (`PKG-002`) or name (`debuggable`), case-insensitively.
pub fn find(key: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(key) || r.meta().name.eq_ignore_ascii_case(key))
}
