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
    &debug_certificate::DebugCertificate,
    &exported_components::ExportedComponents,
    &outdated_target_sdk::OutdatedTargetSdk,
    &missing_64bit::Missing64Bit,
    &unusual_permissions::UnusualPermissions,
    &installed_apps::InstalledApps,
    &device_ids::DeviceIds,
    &clipboard::Clipboard,
    &sdk_not_approved::SdkNotApproved,
    &blocked_sdk::BlockedSdk,
    &ads_sdk::AdsSdk,
    &unapproved_domains::UnapprovedDomains,
    &dynamic_code_loading::DynamicCodeLoading,
    &no_certificate_pinning::NoCertificatePinning,
    &dead_links::DeadLinks,
];

/// A check by id (`PKG-002`) or name (`debuggable`), case-insensitively.
pub fn find(key: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(key) || r.meta().name.eq_ignore_ascii_case(key))
}
