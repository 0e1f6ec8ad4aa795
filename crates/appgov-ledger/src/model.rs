//! The ledger's entities (governance research §9): the organisation, its
//! people, its apps and their identities, channels, releases, third parties,
//! filings and activity. Plain data with validation; the store gives each an
//! id and a version (optimistic locking) and audits every change.

use serde::{Deserialize, Serialize};

use crate::lifecycle::{AppState, ReleaseState};
use crate::vocab::*;

/// Something the store keeps in its own table, audited.
pub trait Entity: Serialize + for<'de> Deserialize<'de> + Clone {
    /// The table and audit object kind (`app`, `release`, …).
    const KIND: &'static str;
    fn id(&self) -> &str;
    fn set_id(&mut self, id: String);
    /// The optimistic-locking version: 1 when created, +1 on every change.
    fn version(&self) -> i64;
    fn set_version(&mut self, v: i64);
    /// What is wrong with this record on its own (cross-record rules such as
    /// unique identities are the store's). Empty when valid.
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }
}

macro_rules! entity {
    ($t:ty, $kind:literal) => {
        impl Entity for $t {
            const KIND: &'static str = $kind;
            fn id(&self) -> &str {
                &self.id
            }
            fn set_id(&mut self, id: String) {
                self.id = id;
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn set_version(&mut self, v: i64) {
                self.version = v;
            }
            fn problems(&self) -> Vec<String> {
                self.validate()
            }
        }
    };
}

pub(crate) use entity;

pub(crate) fn required(out: &mut Vec<String>, field: &str, v: &str) {
    if v.trim().is_empty() {
        out.push(format!("{field} is required"));
    }
}

pub(crate) fn bounded(out: &mut Vec<String>, field: &str, v: &str, max: usize) {
    if v.chars().count() > max {
        out.push(format!("{field} is longer than {max} characters"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        out.push(format!("{field} contains control characters"));
    }
}

pub(crate) fn url_like(out: &mut Vec<String>, field: &str, v: Option<&str>) {
    if let Some(u) = v
        && !(u.starts_with("https://") || u.starts_with("http://"))
    {
        out.push(format!("{field} must be an http(s) URL, got {u:?}"));
    }
}

/// A date as `YYYY-MM-DD` (the ledger's dates have no time of day).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let days = match m {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                2 if leap => 29,
                2 => 28,
                _ => return false,
            };
            (1..=days).contains(&d) && y >= 1970
        }
        _ => false,
    }
}

pub(crate) fn date_field(out: &mut Vec<String>, field: &str, v: Option<&str>) {
    if let Some(d) = v
        && !is_date(d)
    {
        out.push(format!("{field} must be a date YYYY-MM-DD, got {d:?}"));
    }
}

pub(crate) fn sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// A node of the organisation tree: group → institution → departments and
/// branches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgNode {
    pub id: String,
    pub kind: OrgKind,
    pub name: String,
    pub parent_id: Option<String>,
    /// 统一社会信用代码 (institutions and subsidiaries).
    pub credit_code: Option<String>,
    /// The supervising bureau (e.g. a local NFRA office).
    pub regulator: Option<String>,
    pub version: i64,
}
entity!(OrgNode, "org_node");

impl OrgNode {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "name", &self.name);
        bounded(&mut p, "name", &self.name, 200);
        if let Some(c) = &self.credit_code
            && !(c.len() == 18 && c.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            p.push(format!(
                "credit_code must be 18 letters or digits, got {c:?}"
            ));
        }
        if self.kind == OrgKind::Group && self.parent_id.is_some() {
            p.push("a group is the root of the tree and has no parent".into());
        }
        if self.kind == OrgKind::Department && self.parent_id.is_none() {
            p.push("a department belongs to an institution, branch or subsidiary".into());
        }
        p
    }
}

/// A person the ledger names: responsible people, owners, approvers,
/// vendor staff with access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    /// The department (or other org node) the person belongs to.
    pub org_id: Option<String>,
    pub title: Option<String>,
    pub contact: Option<String>,
    pub roles: Vec<Role>,
    /// Vendor or outsourcer staff (article 14).
    pub external: bool,
    pub version: i64,
}
entity!(Person, "person");

impl Person {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "name", &self.name);
        bounded(&mut p, "name", &self.name, 100);
        p
    }
}

/// One ledger entry: a mobile application of any form (article 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub form: AppForm,
    /// The institution operating it.
    pub operator_id: Option<String>,
    pub purpose: Option<String>,
    pub functions: Vec<String>,
    pub user_segment: Option<UserSegment>,
    pub regions: Vec<String>,
    /// Lead department and responsible person (article 3).
    pub department_id: Option<String>,
    pub responsible_person_id: Option<String>,
    pub tech_owner_id: Option<String>,
    pub security_owner_id: Option<String>,
    pub data_owner_id: Option<String>,
    pub state: AppState,
    /// 重要信息系统 (article 11).
    pub important_system: bool,
    /// 网络安全等级保护 level, 1–5.
    pub mlps_level: Option<u8>,
    /// Elderly-friendly mode offered (article 16's accessibility duties).
    pub elderly_mode: bool,
    pub minors_policy: Option<MinorsPolicy>,
    pub privacy_policy_url: Option<String>,
    pub complaint_channel: Option<String>,
    /// Operated by a third party on the institution's behalf (article 4).
    pub third_party_operated: bool,
    /// When retired by merging: the app that took over.
    pub merged_into: Option<String>,
    pub version: i64,
}
entity!(App, "app");

impl App {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "name", &self.name);
        bounded(&mut p, "name", &self.name, 200);
        for (f, v) in [
            ("purpose", &self.purpose),
            ("complaint_channel", &self.complaint_channel),
        ] {
            if let Some(v) = v {
                bounded(&mut p, f, v, 2000);
            }
        }
        for v in self
            .aliases
            .iter()
            .chain(&self.functions)
            .chain(&self.regions)
        {
            bounded(&mut p, "list entry", v, 200);
        }
        if let Some(l) = self.mlps_level
            && !(1..=5).contains(&l)
        {
            p.push(format!("mlps_level must be 1–5, got {l}"));
        }
        url_like(
            &mut p,
            "privacy_policy_url",
            self.privacy_policy_url.as_deref(),
        );
        if self.merged_into.as_deref() == Some(self.id.as_str()) {
            p.push("an app cannot be merged into itself".into());
        }
        p
    }
}

/// A signing certificate an identity is known by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct KnownCertificate {
    /// SHA-256 of the DER certificate, lower-case hex.
    pub sha256: String,
    pub subject: Option<String>,
    pub not_after: Option<String>,
}

/// How an app is named on its platform: Android package, Bundle ID,
/// mini-program AppID — with the certificates that may sign it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppIdentity {
    pub id: String,
    pub app_id: String,
    pub platform: Platform,
    pub identifier: String,
    /// Apple team ID or the developer account behind a mini program.
    pub developer_id: Option<String>,
    pub certificates: Vec<KnownCertificate>,
    /// Who keeps the signing key.
    pub key_custodian: Option<String>,
    pub version: i64,
}
entity!(AppIdentity, "app_identity");

impl AppIdentity {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "identifier", &self.identifier);
        bounded(&mut p, "identifier", &self.identifier, 255);
        if self.platform == Platform::Android
            && !self.identifier.is_empty()
            && !valid_android_package(&self.identifier)
        {
            p.push(format!(
                "{:?} is not an Android package name (letters, digits and _ in at least two dot-separated parts)",
                self.identifier
            ));
        }
        for c in &self.certificates {
            if !sha256_hex(&c.sha256) {
                p.push(format!(
                    "certificate fingerprint {:?} is not a lower-case SHA-256 hex digest",
                    c.sha256
                ));
            }
            date_field(&mut p, "certificate not_after", c.not_after.as_deref());
        }
        p
    }
    pub fn knows(&self, cert_sha256: &str) -> bool {
        self.certificates.iter().any(|c| c.sha256 == cert_sha256)
    }
}

/// Android's package-name rule (as the build tools enforce it).
pub fn valid_android_package(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            let mut c = p.chars();
            matches!(c.next(), Some(f) if f.is_ascii_alphabetic())
                && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
        })
}

/// An account on a store or platform the app is published through
/// (article 8: the institution itself must hold it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishingAccount {
    pub id: String,
    pub channel: Channel,
    pub account_name: String,
    /// The legal entity that holds the account, as the store shows it.
    pub holder: String,
    /// The org node the holder is, when it is the institution or part of it.
    pub holder_org_id: Option<String>,
    pub admin_person_id: Option<String>,
    pub two_factor: bool,
    pub last_access_review: Option<String>,
    pub status: AccountStatus,
    pub version: i64,
}
entity!(PublishingAccount, "publishing_account");

impl PublishingAccount {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "account_name", &self.account_name);
        required(&mut p, "holder", &self.holder);
        date_field(
            &mut p,
            "last_access_review",
            self.last_access_review.as_deref(),
        );
        p
    }
}

/// An app on a channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    pub id: String,
    pub app_id: String,
    pub channel: Channel,
    /// The institution's account it is published through; `None` when a
    /// third party publishes it (which the ledger-quality view flags).
    pub account_id: Option<String>,
    pub store_url: Option<String>,
    pub listed_version: Option<String>,
    /// SHA-256 of the package last observed on the channel.
    pub observed_sha256: Option<String>,
    pub observed_on: Option<String>,
    pub state: ListingState,
    pub version: i64,
}
entity!(Listing, "listing");

impl Listing {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        url_like(&mut p, "store_url", self.store_url.as_deref());
        date_field(&mut p, "observed_on", self.observed_on.as_deref());
        if let Some(h) = &self.observed_sha256
            && !sha256_hex(h)
        {
            p.push(format!("observed_sha256 {h:?} is not a SHA-256 hex digest"));
        }
        p
    }
}

/// A release: one package file, what the analyser found in it, and where it
/// stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    pub id: String,
    pub app_id: String,
    pub platform: Platform,
    /// Package name / Bundle ID read from the file.
    pub identifier: String,
    pub version_name: Option<String>,
    pub version_code: Option<i64>,
    pub file_name: String,
    /// SHA-256 of the package file (its key in the file store).
    pub artifact_sha256: String,
    pub artifact_size: i64,
    /// SHA-256 of the analyser's facts JSON (kept in the file store).
    pub facts_sha256: Option<String>,
    pub analyser_version: Option<String>,
    /// SHA-256 of every signing certificate, sorted.
    pub signer_sha256: Vec<String>,
    pub min_sdk: Option<i64>,
    pub target_sdk: Option<i64>,
    /// Hosts the app's own code talks to.
    pub domains: Vec<String>,
    /// Finding counts by severity at analysis time.
    pub findings_high: i64,
    pub findings_medium: i64,
    pub findings_low: i64,
    pub state: ReleaseState,
    pub version: i64,
}
entity!(Release, "app_release");

impl Release {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !sha256_hex(&self.artifact_sha256) {
            p.push("artifact_sha256 must be a SHA-256 hex digest".into());
        }
        if self.artifact_size < 0 {
            p.push("artifact_size cannot be negative".into());
        }
        p
    }
}

/// A finding of the check catalog on a release (kept per release so a
/// ledger can ask "which live apps have open high findings").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseFinding {
    pub id: String,
    pub release_id: String,
    pub rule: String,
    pub severity: String,
    pub title: String,
    pub location: Option<String>,
    pub version: i64,
}
entity!(ReleaseFinding, "release_finding");

impl ReleaseFinding {
    fn validate(&self) -> Vec<String> {
        Vec::new()
    }
}

/// An SDK found in a release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SdkUsage {
    pub id: String,
    pub release_id: String,
    /// The catalog id (`umeng-analytics`).
    pub sdk: String,
    pub name: String,
    pub vendor: Option<String>,
    /// The personal information the catalog says it collects.
    pub collects: Vec<String>,
    pub version: i64,
}
entity!(SdkUsage, "sdk_usage");

impl SdkUsage {
    fn validate(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A supplier or partner (articles 4 and 14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThirdParty {
    pub id: String,
    pub name: String,
    pub kind: ThirdPartyKind,
    pub credit_code: Option<String>,
    pub country: Option<String>,
    pub risk_tier: Option<String>,
    pub contact: Option<String>,
    pub version: i64,
}
entity!(ThirdParty, "third_party");

impl ThirdParty {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "name", &self.name);
        p
    }
}

/// A contract with a third party covering some apps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub id: String,
    pub third_party_id: String,
    pub kind: AgreementKind,
    pub title: String,
    pub app_ids: Vec<String>,
    /// Catalog ids of the SDKs the agreement covers.
    pub sdks: Vec<String>,
    pub data_shared: Vec<String>,
    pub audit_right: bool,
    pub exit_clause: bool,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub state: AgreementState,
    /// SHA-256 of the signed document in the file store.
    pub document_sha256: Option<String>,
    pub version: i64,
}
entity!(Agreement, "agreement");

impl Agreement {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "title", &self.title);
        date_field(&mut p, "starts_on", self.starts_on.as_deref());
        date_field(&mut p, "ends_on", self.ends_on.as_deref());
        if let (Some(a), Some(b)) = (&self.starts_on, &self.ends_on)
            && b < a
        {
            p.push("ends_on is before starts_on".into());
        }
        p
    }
}

/// Access an outsourcer's person has to a system or account (article 14:
/// least privilege, reviewed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessGrant {
    pub id: String,
    pub third_party_id: String,
    pub person: String,
    pub system: String,
    pub privilege: String,
    pub justification: String,
    pub granted_on: String,
    pub expires_on: Option<String>,
    pub last_reviewed_on: Option<String>,
    pub reviewer: Option<String>,
    pub version: i64,
}
entity!(AccessGrant, "access_grant");

impl AccessGrant {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "person", &self.person);
        required(&mut p, "system", &self.system);
        required(&mut p, "privilege", &self.privilege);
        required(&mut p, "justification", &self.justification);
        date_field(&mut p, "granted_on", Some(&self.granted_on));
        date_field(&mut p, "expires_on", self.expires_on.as_deref());
        date_field(&mut p, "last_reviewed_on", self.last_reviewed_on.as_deref());
        p
    }
}

/// What was filed with an authority, as filed — compared with the current
/// release to find drift.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FiledFacts {
    pub identifier: Option<String>,
    /// Certificate fingerprints as filed (MIIT filings record the MD5 of the
    /// signing key; we keep SHA-256 of the certificate where known).
    pub signer_sha256: Vec<String>,
    pub signer_md5: Vec<String>,
    pub domains: Vec<String>,
    pub sdks: Vec<String>,
    pub version_name: Option<String>,
}

/// A filing: MIIT app filing, NIFA client filing, important-system report,
/// MLPS filing (article 11).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filing {
    pub id: String,
    pub app_id: String,
    pub kind: FilingKind,
    pub authority: Option<String>,
    pub number: Option<String>,
    pub state: FilingState,
    pub filed: FiledFacts,
    pub submitted_on: Option<String>,
    pub approved_on: Option<String>,
    pub version: i64,
}
entity!(Filing, "filing");

impl Filing {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        date_field(&mut p, "submitted_on", self.submitted_on.as_deref());
        date_field(&mut p, "approved_on", self.approved_on.as_deref());
        if self.state == FilingState::Approved && self.number.as_deref().unwrap_or("").is_empty() {
            p.push("an approved filing has a number".into());
        }
        p
    }
}

/// How much an app is used in one period (feeds consolidation reviews,
/// article 2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityMetric {
    pub id: String,
    pub app_id: String,
    /// `YYYY-MM` or `YYYY-Qn`.
    pub period: String,
    pub monthly_active_users: Option<i64>,
    pub downloads: Option<i64>,
    /// Average store rating, 0–5.
    pub rating: Option<f64>,
    pub complaints: Option<i64>,
    pub version: i64,
}
entity!(ActivityMetric, "activity_metric");

impl ActivityMetric {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        let ok = match self.period.split_once('-') {
            Some((y, rest)) if y.len() == 4 && y.parse::<u32>().is_ok() => {
                matches!(rest, "Q1" | "Q2" | "Q3" | "Q4")
                    || rest.parse::<u32>().is_ok_and(|m| (1..=12).contains(&m)) && rest.len() == 2
            }
            _ => false,
        };
        if !ok {
            p.push(format!(
                "period must be YYYY-MM or YYYY-Qn, got {:?}",
                self.period
            ));
        }
        if let Some(r) = self.rating
            && !(0.0..=5.0).contains(&r)
        {
            p.push(format!("rating must be 0–5, got {r}"));
        }
        for (f, v) in [
            ("monthly_active_users", self.monthly_active_users),
            ("downloads", self.downloads),
            ("complaints", self.complaints),
        ] {
            if v.is_some_and(|n| n < 0) {
                p.push(format!("{f} cannot be negative"));
            }
        }
        p
    }
}

/// A requested lifecycle move and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub id: String,
    /// `app` or `release`.
    pub object_kind: String,
    pub object_id: String,
    pub from_state: String,
    pub to_state: String,
    pub gate: Option<crate::gate::GateId>,
    pub requested_by: String,
    pub requested_at: String,
    pub reason: String,
    pub status: TransitionStatus,
    /// The approval, once given.
    pub approval: Option<crate::gate::Approval>,
    pub version: i64,
}
entity!(Transition, "transition");

impl Transition {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "requested_by", &self.requested_by);
        p
    }
}

/// Evidence attached to a gate item of a transition, or a signed
/// attestation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateRecord {
    pub id: String,
    pub transition_id: String,
    pub item: String,
    /// `evidence` or `attestation`.
    pub kind: String,
    /// For evidence: the document's SHA-256 in the file store.
    pub document_sha256: Option<String>,
    pub file_name: Option<String>,
    /// Who attached or signed it, and when (RFC 3339).
    pub recorded_by: String,
    pub recorded_at: String,
    pub statement: Option<String>,
    pub version: i64,
}
entity!(GateRecord, "gate_record");

impl GateRecord {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "recorded_by", &self.recorded_by);
        match (self.kind.as_str(), &self.document_sha256) {
            ("evidence", Some(h)) if sha256_hex(h) => {}
            ("evidence", _) => p.push("evidence needs the document's SHA-256".into()),
            ("attestation", _) => {}
            (k, _) => p.push(format!("kind must be evidence or attestation, got {k:?}")),
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_for_real_calendars() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(is_date("2000-02-29"));
        assert!(!is_date("1900-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("2024-1-01"));
        assert!(!is_date("２０２４-01-01"));
    }

    #[test]
    fn android_package_names() {
        assert!(valid_android_package("com.example.bank"));
        assert!(valid_android_package("cn.com.x_y.a1"));
        assert!(!valid_android_package("bank"));
        assert!(!valid_android_package("com..bank"));
        assert!(!valid_android_package("com.1bank"));
        assert!(!valid_android_package("com.银行"));
    }

    #[test]
    fn metric_periods() {
        let m = |p: &str| ActivityMetric {
            id: "m".into(),
            app_id: "a".into(),
            period: p.into(),
            monthly_active_users: Some(1),
            downloads: None,
            rating: Some(4.5),
            complaints: None,
            version: 1,
        };
        assert!(m("2026-03").problems().is_empty());
        assert!(m("2026-Q4").problems().is_empty());
        assert!(!m("2026-13").problems().is_empty());
        assert!(!m("2026-3").problems().is_empty());
        assert!(!m("26-03").problems().is_empty());
    }
}
