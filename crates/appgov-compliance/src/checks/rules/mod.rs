//! The registry of ledger checks, in catalog order.

mod account_not_controlled;
mod account_review_overdue;
mod audit_overdue;
mod compatibility_test_overdue;
mod complaint_overdue;
mod compliance_inspection_overdue;
mod counterfeit_overdue;
mod data_owner_missing;
mod drill_overdue;
mod elderly_minors_missing;
mod filing_missing;
mod filing_update_overdue;
mod important_system_not_reported;
mod incident_not_reported;
mod live_without_admission;
mod mlps_level_missing;
mod mlps_test_overdue;
mod outsourcing_review_overdue;
mod owners_missing;
mod risk_assessment_overdue;
mod special_audit_missing;
mod third_party_without_agreement;
mod vendor_access_not_reviewed;

use crate::checks::LedgerRule;

/// Every ledger check.
pub static LEDGER_RULES: &[&dyn LedgerRule] = &[
    &owners_missing::OwnersMissing,
    &live_without_admission::LiveWithoutAdmission,
    &third_party_without_agreement::ThirdPartyWithoutAgreement,
    &elderly_minors_missing::ElderlyMinorsMissing,
    &account_not_controlled::AccountNotControlled,
    &account_review_overdue::AccountReviewOverdue,
    &counterfeit_overdue::CounterfeitOverdue,
    &compatibility_test_overdue::CompatibilityTestOverdue,
    &filing_missing::FilingMissing,
    &important_system_not_reported::ImportantSystemNotReported,
    &mlps_level_missing::MlpsLevelMissing,
    &mlps_test_overdue::MlpsTestOverdue,
    &data_owner_missing::DataOwnerMissing,
    &outsourcing_review_overdue::OutsourcingReviewOverdue,
    &vendor_access_not_reviewed::VendorAccessNotReviewed,
    &drill_overdue::DrillOverdue,
    &incident_not_reported::IncidentNotReported,
    &risk_assessment_overdue::RiskAssessmentOverdue,
    &audit_overdue::AuditOverdue,
    &special_audit_missing::SpecialAuditMissing,
    &complaint_overdue::ComplaintOverdue,
    &compliance_inspection_overdue::ComplianceInspectionOverdue,
    &filing_update_overdue::FilingUpdateOverdue,
];
