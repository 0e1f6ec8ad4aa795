//! How each entity sits in its table: the columns and their SQL kinds. The
//! entity's serde form is the row (field name = column name); this table of
//! kinds tells how to bind a JSON null and how to decode each column. A test
//! checks it against every entity's fields, and the round-trip tests check it
//! against the migrations on both backends.

use appgov_access::{ApiToken, UserAccount};
use appgov_ledger::compliance::*;
use appgov_ledger::model::*;

/// A column's SQL kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Text,
    Int,
    Bool,
    Real,
    /// A list or record, stored as JSON text.
    Json,
}

/// An entity the store keeps.
pub trait Stored: Entity {
    const COLUMNS: &'static [(&'static str, Col)];
}

use Col::*;

macro_rules! stored {
    ($t:ty, [$($c:literal : $k:ident),+ $(,)?]) => {
        impl Stored for $t {
            const COLUMNS: &'static [(&'static str, Col)] = &[$(($c, $k)),+];
        }
    };
}

stored!(OrgNode, ["id": Text, "kind": Text, "name": Text, "parent_id": Text, "credit_code": Text, "regulator": Text, "version": Int]);
stored!(Person, ["id": Text, "name": Text, "org_id": Text, "title": Text, "contact": Text, "roles": Json, "external": Bool, "version": Int]);
stored!(App, [
    "id": Text, "name": Text, "aliases": Json, "form": Text, "operator_id": Text, "purpose": Text,
    "functions": Json, "user_segment": Text, "regions": Json, "department_id": Text,
    "responsible_person_id": Text, "tech_owner_id": Text, "security_owner_id": Text,
    "data_owner_id": Text, "state": Text, "important_system": Bool, "mlps_level": Int,
    "elderly_mode": Bool, "minors_policy": Text, "privacy_policy_url": Text,
    "complaint_channel": Text, "third_party_operated": Bool, "merged_into": Text, "version": Int,
]);
stored!(AppIdentity, ["id": Text, "app_id": Text, "platform": Text, "identifier": Text, "developer_id": Text, "certificates": Json, "key_custodian": Text, "version": Int]);
stored!(PublishingAccount, [
    "id": Text, "channel": Text, "account_name": Text, "holder": Text, "holder_org_id": Text,
    "admin_person_id": Text, "two_factor": Bool, "last_access_review": Text, "status": Text, "version": Int,
]);
stored!(Listing, [
    "id": Text, "app_id": Text, "channel": Text, "account_id": Text, "store_url": Text,
    "listed_version": Text, "observed_sha256": Text, "observed_on": Text, "state": Text, "version": Int,
]);
stored!(Release, [
    "id": Text, "app_id": Text, "platform": Text, "identifier": Text, "version_name": Text,
    "version_code": Int, "file_name": Text, "artifact_sha256": Text, "artifact_size": Int,
    "facts_sha256": Text, "analyser_version": Text, "signer_sha256": Json, "min_sdk": Int,
    "target_sdk": Int, "domains": Json, "findings_high": Int, "findings_medium": Int,
    "findings_low": Int, "state": Text, "version": Int,
]);
stored!(ReleaseFinding, ["id": Text, "release_id": Text, "rule": Text, "severity": Text, "title": Text, "location": Text, "version": Int]);
stored!(SdkUsage, ["id": Text, "release_id": Text, "sdk": Text, "name": Text, "vendor": Text, "collects": Json, "version": Int]);
stored!(ThirdParty, ["id": Text, "name": Text, "kind": Text, "credit_code": Text, "country": Text, "risk_tier": Text, "contact": Text, "version": Int]);
stored!(Agreement, [
    "id": Text, "third_party_id": Text, "kind": Text, "title": Text, "app_ids": Json, "sdks": Json,
    "data_shared": Json, "audit_right": Bool, "exit_clause": Bool, "starts_on": Text,
    "ends_on": Text, "state": Text, "document_sha256": Text, "version": Int,
]);
stored!(AccessGrant, [
    "id": Text, "third_party_id": Text, "person": Text, "system": Text, "privilege": Text,
    "justification": Text, "granted_on": Text, "expires_on": Text, "last_reviewed_on": Text,
    "reviewer": Text, "version": Int,
]);
stored!(Filing, [
    "id": Text, "app_id": Text, "kind": Text, "authority": Text, "number": Text, "state": Text,
    "filed": Json, "submitted_on": Text, "approved_on": Text, "version": Int,
]);
stored!(ActivityMetric, [
    "id": Text, "app_id": Text, "period": Text, "monthly_active_users": Int, "downloads": Int,
    "rating": Real, "complaints": Int, "version": Int,
]);
stored!(Transition, [
    "id": Text, "object_kind": Text, "object_id": Text, "from_state": Text, "to_state": Text,
    "gate": Text, "requested_by": Text, "requested_at": Text, "reason": Text, "status": Text,
    "approval": Json, "version": Int,
]);
stored!(GateRecord, [
    "id": Text, "transition_id": Text, "item": Text, "kind": Text, "document_sha256": Text,
    "file_name": Text, "recorded_by": Text, "recorded_at": Text, "statement": Text, "version": Int,
]);

stored!(UserAccount, [
    "id": Text, "login": Text, "display_name": Text, "person_id": Text, "email": Text,
    "locale": Text, "grants": Json, "source": Text, "oidc_issuer": Text, "oidc_subject": Text,
    "disabled": Bool, "created_at": Text, "version": Int,
]);
stored!(ApiToken, [
    "id": Text, "user_id": Text, "name": Text, "token_sha256": Text, "hint": Text,
    "scopes": Json, "created_at": Text, "expires_at": Text, "revoked_at": Text, "version": Int,
]);

// The compliance records (issue 6).
stored!(Obligation, [
    "id": Text, "template": Text, "requirement_ids": Json, "app_id": Text, "org_id": Text, "owner_person_id": Text, "due_on": Text, "state": Text, "triggered_by": Text, "trigger_note": Text, "completed_on": Text, "completed_by": Text, "evidence_ids": Json, "reminded_on": Text, "escalated_on": Text, "created_on": Text, "note": Text, "version": Int,
]);
stored!(Evidence, [
    "id": Text, "title": Text, "kind": Text, "app_ids": Json, "requirement_ids": Json, "org_id": Text, "current_revision": Int, "created_by": Text, "created_at": Text, "version": Int,
]);
stored!(EvidenceRevision, [
    "id": Text, "evidence_id": Text, "revision": Int, "document_sha256": Text, "file_name": Text, "size": Int, "uploaded_by": Text, "uploaded_at": Text, "effective_on": Text, "expires_on": Text, "fields": Json, "note": Text, "version": Int,
]);
stored!(EvidenceRequest, [
    "id": Text, "kind": Text, "app_id": Text, "requirement_id": Text, "obligation_id": Text, "assignee_person_id": Text, "requested_by": Text, "requested_on": Text, "due_on": Text, "message": Text, "state": Text, "evidence_id": Text, "version": Int,
]);
stored!(Assessment, [
    "id": Text, "kind": Text, "app_id": Text, "title": Text, "period": Text, "baseline_id": Text, "lead_person_id": Text, "started_on": Text, "completed_on": Text, "state": Text, "summary": Text, "obligation_id": Text, "version": Int,
]);
stored!(AssessmentResult, [
    "id": Text, "assessment_id": Text, "requirement_id": Text, "result": Text, "carried_forward": Bool, "note": Text, "evidence_ids": Json, "assessed_by": Text, "assessed_on": Text, "version": Int,
]);
stored!(RiskException, [
    "id": Text, "kind": Text, "app_id": Text, "requirement_id": Text, "reason": Text, "compensating_controls": Text, "requested_by": Text, "approver": Text, "approved_on": Text, "expires_on": Text, "state": Text, "version": Int,
]);
stored!(Incident, [
    "id": Text, "app_id": Text, "title": Text, "severity": Text, "category": Text, "occurred_on": Text, "detected_on": Text, "description": Text, "regulator_reported_on": Text, "state": Text, "closed_on": Text, "version": Int,
]);
stored!(Drill, [
    "id": Text, "app_id": Text, "scenario": Text, "planned_on": Text, "held_on": Text, "participants": Text, "outcome": Text, "state": Text, "version": Int,
]);
stored!(Complaint, [
    "id": Text, "app_id": Text, "received_on": Text, "channel": Text, "category": Text, "summary": Text, "due_on": Text, "due_exact": Bool, "handled_on": Text, "outcome": Text, "state": Text, "version": Int,
]);
stored!(CounterfeitCase, [
    "id": Text, "app_id": Text, "counterfeit_name": Text, "found_at": Text, "detected_on": Text, "state": Text, "confirmed_on": Text, "clarified_on": Text, "clarification_url": Text, "reported_on": Text, "taken_down_on": Text, "closed_on": Text, "note": Text, "version": Int,
]);
stored!(OsRelease, [
    "id": Text, "platform": Text, "name": Text, "announced_on": Text, "ships_on": Text, "version": Int,
]);

/// Every table the store audits, in an order where references point
/// backwards (for copying and verifying).
pub const TABLES: &[&str] = &[
    OrgNode::KIND,
    Person::KIND,
    App::KIND,
    AppIdentity::KIND,
    PublishingAccount::KIND,
    Listing::KIND,
    Release::KIND,
    ReleaseFinding::KIND,
    SdkUsage::KIND,
    ThirdParty::KIND,
    Agreement::KIND,
    AccessGrant::KIND,
    Filing::KIND,
    ActivityMetric::KIND,
    Transition::KIND,
    GateRecord::KIND,
    UserAccount::KIND,
    ApiToken::KIND,
    Obligation::KIND,
    Evidence::KIND,
    EvidenceRevision::KIND,
    EvidenceRequest::KIND,
    Assessment::KIND,
    AssessmentResult::KIND,
    RiskException::KIND,
    Incident::KIND,
    Drill::KIND,
    Complaint::KIND,
    CounterfeitCase::KIND,
    OsRelease::KIND,
];

/// The columns of a table by name (for code that walks every table).
pub fn columns_of(table: &str) -> Option<&'static [(&'static str, Col)]> {
    Some(match table {
        OrgNode::KIND => OrgNode::COLUMNS,
        Person::KIND => Person::COLUMNS,
        App::KIND => App::COLUMNS,
        AppIdentity::KIND => AppIdentity::COLUMNS,
        PublishingAccount::KIND => PublishingAccount::COLUMNS,
        Listing::KIND => Listing::COLUMNS,
        Release::KIND => Release::COLUMNS,
        ReleaseFinding::KIND => ReleaseFinding::COLUMNS,
        SdkUsage::KIND => SdkUsage::COLUMNS,
        ThirdParty::KIND => ThirdParty::COLUMNS,
        Agreement::KIND => Agreement::COLUMNS,
        AccessGrant::KIND => AccessGrant::COLUMNS,
        Filing::KIND => Filing::COLUMNS,
        ActivityMetric::KIND => ActivityMetric::COLUMNS,
        Transition::KIND => Transition::COLUMNS,
        GateRecord::KIND => GateRecord::COLUMNS,
        UserAccount::KIND => UserAccount::COLUMNS,
        ApiToken::KIND => ApiToken::COLUMNS,
        Obligation::KIND => Obligation::COLUMNS,
        Evidence::KIND => Evidence::COLUMNS,
        EvidenceRevision::KIND => EvidenceRevision::COLUMNS,
        EvidenceRequest::KIND => EvidenceRequest::COLUMNS,
        Assessment::KIND => Assessment::COLUMNS,
        AssessmentResult::KIND => AssessmentResult::COLUMNS,
        RiskException::KIND => RiskException::COLUMNS,
        Incident::KIND => Incident::COLUMNS,
        Drill::KIND => Drill::COLUMNS,
        Complaint::KIND => Complaint::COLUMNS,
        CounterfeitCase::KIND => CounterfeitCase::COLUMNS,
        OsRelease::KIND => OsRelease::COLUMNS,
        _ => return None,
    })
}
