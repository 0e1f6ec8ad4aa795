//! The compliance records (issue 6): obligations and their instances,
//! evidence with revisions and the requests for it, assessments with a
//! result per requirement, exceptions, and the registers the notice makes
//! institutions keep (incidents, drills, complaints, counterfeit cases,
//! major OS releases).
//!
//! These are records only — what is due when, which requirement a record
//! satisfies and which ledger checks fail is `appgov-compliance`'s. Dates
//! are Beijing calendar dates (`YYYY-MM-DD`); instants are RFC 3339 UTC.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Entity, bounded, date_field, entity, is_date, required, sha256_hex, url_like};
use crate::vocab::Platform;
use crate::vocabulary;

vocabulary! {
    /// Where an obligation instance stands (stored). Whether an open one is
    /// upcoming, due soon or overdue is derived from its due date and today.
    ObligationState {
        Open = "open", "待完成", "Open";
        Done = "done", "已完成", "Done", "completed";
        Waived = "waived", "已豁免", "Waived";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

vocabulary! {
    /// The typed kinds of evidence auditors ask for most.
    EvidenceKind {
        RiskAssessmentReport = "risk_assessment_report", "风险评估报告", "Risk-assessment report";
        AuditReport = "audit_report", "审计报告", "Audit report";
        SpecialAuditReport = "special_audit_report", "专项审计报告", "Special-audit report";
        ComplianceInspection = "compliance_inspection", "业务合规检查记录", "Business-compliance inspection record";
        DrillRecord = "drill_record", "应急演练记录", "Emergency drill record";
        PentestReport = "pentest_report", "渗透测试报告", "Penetration-test report";
        MlpsTestReport = "mlps_test_report", "等保测评报告", "MLPS test report";
        FilingReceipt = "filing_receipt", "备案回执", "Filing receipt";
        RegulatorReport = "regulator_report", "向监管报告的材料", "Report to the regulator";
        UserNotice = "user_notice", "用户告知", "User notice";
        PublicStatement = "public_statement", "公开澄清声明", "Public clarification";
        AccountReview = "account_review", "账号权限复核记录", "Account-permission review";
        CompatibilityTest = "compatibility_test", "兼容性测试报告", "Compatibility test report";
        OutsourcingReview = "outsourcing_review", "外包风险评估", "Outsourcing risk review";
        Contract = "contract", "合同或协议", "Contract or agreement";
        PolicyDocument = "policy_document", "制度或方案", "Policy or plan";
        Other = "other", "其他", "Other";
    }
}

/// One instance of a duty: "the 2026 risk assessment of 掌上银行, due
/// 2026-12-31". Recurring obligations get their next instance when this one
/// is done; event-triggered ones name their trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Obligation {
    pub id: String,
    /// The library's obligation template (`nfra-2024-99/risk-assessment`).
    pub template: String,
    /// The requirements it serves (`nfra-2024-99:a17.2`).
    pub requirement_ids: Vec<String>,
    /// The app it is for; none for an institution-wide duty.
    pub app_id: Option<String>,
    /// The org node that owns it (the app's department, or the institution):
    /// access scopes and escalation follow it.
    pub org_id: Option<String>,
    pub owner_person_id: Option<String>,
    pub due_on: String,
    pub state: ObligationState,
    /// What started it: `schedule`, `incident:<id>`, `release:<id>`,
    /// `os_release:<id>`, `manual`.
    pub triggered_by: String,
    /// Why, in words (the trigger's facts: "签名证书变更" …).
    pub trigger_note: Option<String>,
    pub completed_on: Option<String>,
    pub completed_by: Option<String>,
    /// Evidence that closed it.
    pub evidence_ids: Vec<String>,
    /// Last reminder and escalation sent (dates), so each is sent once per step.
    pub reminded_on: Option<String>,
    pub escalated_on: Option<String>,
    pub created_on: String,
    pub note: Option<String>,
    pub version: i64,
}

entity!(Obligation, "obligation");

impl Obligation {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "template", &self.template);
        required(&mut p, "triggered_by", &self.triggered_by);
        if !is_date(&self.due_on) {
            p.push(format!(
                "due_on must be a date YYYY-MM-DD, got {:?}",
                self.due_on
            ));
        }
        if !is_date(&self.created_on) {
            p.push(format!(
                "created_on must be a date YYYY-MM-DD, got {:?}",
                self.created_on
            ));
        }
        date_field(&mut p, "completed_on", self.completed_on.as_deref());
        date_field(&mut p, "reminded_on", self.reminded_on.as_deref());
        date_field(&mut p, "escalated_on", self.escalated_on.as_deref());
        if let Some(n) = &self.note {
            bounded(&mut p, "note", n, 4000);
        }
        match self.state {
            ObligationState::Done if self.completed_on.is_none() => {
                p.push("a done obligation needs completed_on".into())
            }
            ObligationState::Open if self.completed_on.is_some() => {
                p.push("an open obligation has no completed_on".into())
            }
            _ => {}
        }
        p
    }
}

/// A piece of evidence: one document that evolves by revisions (a drill
/// record, the year's risk-assessment report). Revisions are never changed,
/// only added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub id: String,
    pub title: String,
    pub kind: EvidenceKind,
    pub app_ids: Vec<String>,
    pub requirement_ids: Vec<String>,
    pub org_id: Option<String>,
    /// Number of the newest revision (1 …).
    pub current_revision: i64,
    pub created_by: String,
    pub created_at: String,
    pub version: i64,
}

entity!(Evidence, "evidence");

impl Evidence {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "title", &self.title);
        bounded(&mut p, "title", &self.title, 300);
        if self.current_revision < 1 {
            p.push("current_revision starts at 1".into());
        }
        p
    }
}

/// One revision of a piece of evidence: the file (by its SHA-256 in the file
/// store), who uploaded it and when, and the date it speaks for — a drill
/// held in March and uploaded in May is effective in March.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRevision {
    pub id: String,
    pub evidence_id: String,
    pub revision: i64,
    pub document_sha256: String,
    pub file_name: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub effective_on: String,
    pub expires_on: Option<String>,
    /// The typed form's fields (drill scenario, report number, filing number …).
    pub fields: BTreeMap<String, String>,
    pub note: Option<String>,
    pub version: i64,
}

entity!(EvidenceRevision, "evidence_revision");

impl EvidenceRevision {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        if !sha256_hex(&self.document_sha256) {
            p.push("document_sha256 must be 64 lowercase hex digits".into());
        }
        required(&mut p, "file_name", &self.file_name);
        bounded(&mut p, "file_name", &self.file_name, 255);
        if !is_date(&self.effective_on) {
            p.push(format!(
                "effective_on must be a date YYYY-MM-DD, got {:?}",
                self.effective_on
            ));
        }
        date_field(&mut p, "expires_on", self.expires_on.as_deref());
        if let Some(e) = &self.expires_on
            && e.as_str() < self.effective_on.as_str()
        {
            p.push("expires_on is before effective_on".into());
        }
        if self.size < 0 {
            p.push("size is negative".into());
        }
        for (k, v) in &self.fields {
            bounded(&mut p, k, v, 2000);
        }
        p
    }
}

vocabulary! {
    RequestState {
        Open = "open", "待提供", "Open";
        Fulfilled = "fulfilled", "已提供", "Fulfilled";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

/// A request for evidence: who must provide what, by when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRequest {
    pub id: String,
    pub kind: EvidenceKind,
    pub app_id: Option<String>,
    pub requirement_id: Option<String>,
    pub obligation_id: Option<String>,
    pub assignee_person_id: Option<String>,
    pub requested_by: String,
    pub requested_on: String,
    pub due_on: String,
    pub message: String,
    pub state: RequestState,
    pub evidence_id: Option<String>,
    pub version: i64,
}

entity!(EvidenceRequest, "evidence_request");

impl EvidenceRequest {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        bounded(&mut p, "message", &self.message, 2000);
        for (f, v) in [
            ("requested_on", &self.requested_on),
            ("due_on", &self.due_on),
        ] {
            if !is_date(v) {
                p.push(format!("{f} must be a date YYYY-MM-DD, got {v:?}"));
            }
        }
        if self.state == RequestState::Fulfilled && self.evidence_id.is_none() {
            p.push("a fulfilled request names its evidence".into());
        }
        p
    }
}

vocabulary! {
    AssessmentKind {
        AnnualRiskAssessment = "annual_risk_assessment", "年度风险评估", "Annual risk assessment";
        Audit = "audit", "审计", "Audit";
        SpecialAudit = "special_audit", "专项审计", "Special audit";
        ComplianceInspection = "compliance_inspection", "业务合规检查", "Business-compliance inspection";
        PiAudit = "pi_audit", "个人信息保护合规审计", "PI-protection compliance audit";
    }
}

vocabulary! {
    /// The workflow of an assessment — kept apart from its results.
    AssessmentState {
        Planned = "planned", "计划中", "Planned";
        InProgress = "in_progress", "进行中", "In progress";
        InReview = "in_review", "复核中", "In review";
        Completed = "completed", "已完成", "Completed";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

vocabulary! {
    /// An assessed requirement's result.
    ResultValue {
        Compliant = "compliant", "符合", "Compliant";
        Partial = "partial", "部分符合", "Partially compliant";
        NonCompliant = "non_compliant", "不符合", "Non-compliant";
        NotApplicable = "not_applicable", "不适用", "Not applicable", "n/a";
        NotAssessed = "not_assessed", "未评估", "Not assessed";
    }
}

/// An assessment or audit of one app (or of the institution): the yearly
/// risk assessment of article 17, audits, special audits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    pub kind: AssessmentKind,
    pub app_id: Option<String>,
    pub title: String,
    /// The period it covers (`2026`, `2026H1`).
    pub period: String,
    /// Last period's assessment whose results this one started from.
    pub baseline_id: Option<String>,
    pub lead_person_id: Option<String>,
    pub started_on: Option<String>,
    pub completed_on: Option<String>,
    pub state: AssessmentState,
    pub summary: Option<String>,
    pub obligation_id: Option<String>,
    pub version: i64,
}

entity!(Assessment, "assessment");

impl Assessment {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "title", &self.title);
        bounded(&mut p, "title", &self.title, 300);
        required(&mut p, "period", &self.period);
        bounded(&mut p, "period", &self.period, 20);
        date_field(&mut p, "started_on", self.started_on.as_deref());
        date_field(&mut p, "completed_on", self.completed_on.as_deref());
        if self.state == AssessmentState::Completed && self.completed_on.is_none() {
            p.push("a completed assessment needs completed_on".into());
        }
        if let Some(s) = &self.summary {
            bounded(&mut p, "summary", s, 20000);
        }
        p
    }
}

/// One requirement's result in an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentResult {
    pub id: String,
    pub assessment_id: String,
    pub requirement_id: String,
    pub result: ResultValue,
    /// Copied from the baseline and not yet re-assessed.
    pub carried_forward: bool,
    pub note: Option<String>,
    pub evidence_ids: Vec<String>,
    pub assessed_by: Option<String>,
    pub assessed_on: Option<String>,
    pub version: i64,
}

entity!(AssessmentResult, "assessment_result");

impl AssessmentResult {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "requirement_id", &self.requirement_id);
        date_field(&mut p, "assessed_on", self.assessed_on.as_deref());
        if let Some(n) = &self.note {
            bounded(&mut p, "note", n, 4000);
        }
        p
    }
}

vocabulary! {
    ExceptionKind {
        Exception = "exception", "例外", "Exception";
        RiskAcceptance = "risk_acceptance", "风险接受", "Risk acceptance";
    }
}

vocabulary! {
    ExceptionState {
        Requested = "requested", "待审批", "Requested";
        Approved = "approved", "已批准", "Approved";
        Rejected = "rejected", "已驳回", "Rejected";
        Revoked = "revoked", "已撤销", "Revoked";
    }
}

/// A requirement an app does not meet, accepted by someone with the
/// authority to, until a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskException {
    pub id: String,
    pub kind: ExceptionKind,
    pub app_id: Option<String>,
    pub requirement_id: String,
    pub reason: String,
    pub compensating_controls: Option<String>,
    pub requested_by: String,
    pub approver: Option<String>,
    pub approved_on: Option<String>,
    pub expires_on: String,
    pub state: ExceptionState,
    pub version: i64,
}

entity!(RiskException, "risk_exception");

impl RiskException {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "requirement_id", &self.requirement_id);
        required(&mut p, "reason", &self.reason);
        bounded(&mut p, "reason", &self.reason, 4000);
        if !is_date(&self.expires_on) {
            p.push(format!(
                "expires_on must be a date YYYY-MM-DD, got {:?}",
                self.expires_on
            ));
        }
        date_field(&mut p, "approved_on", self.approved_on.as_deref());
        if self.state == ExceptionState::Approved
            && (self.approver.is_none() || self.approved_on.is_none())
        {
            p.push("an approved exception names its approver and date".into());
        }
        if self.approver.as_deref() == Some(self.requested_by.as_str()) {
            p.push("an exception is approved by someone other than who requested it".into());
        }
        p
    }
}

vocabulary! {
    /// Incident grading; major and above start the special-audit and
    /// regulator-report clocks (articles 15 and 17).
    IncidentSeverity {
        Minor = "minor", "一般", "Minor";
        Significant = "significant", "较大", "Significant";
        Major = "major", "重大", "Major";
        Critical = "critical", "特别重大", "Critical";
    }
}

impl IncidentSeverity {
    /// Whether the notice's "major incident" duties apply.
    pub fn is_major(self) -> bool {
        matches!(self, IncidentSeverity::Major | IncidentSeverity::Critical)
    }
}

vocabulary! {
    IncidentState {
        Open = "open", "处置中", "Open";
        Contained = "contained", "已控制", "Contained";
        Resolved = "resolved", "已恢复", "Resolved";
        Closed = "closed", "已关闭", "Closed";
    }
}

/// An app risk event or incident (article 15: report major ones; article
/// 17: a special audit right after one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub app_id: Option<String>,
    pub title: String,
    pub severity: IncidentSeverity,
    pub category: Option<String>,
    pub occurred_on: String,
    pub detected_on: String,
    pub description: Option<String>,
    pub regulator_reported_on: Option<String>,
    pub state: IncidentState,
    pub closed_on: Option<String>,
    pub version: i64,
}

entity!(Incident, "incident");

impl Incident {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "title", &self.title);
        bounded(&mut p, "title", &self.title, 300);
        for (f, v) in [
            ("occurred_on", &self.occurred_on),
            ("detected_on", &self.detected_on),
        ] {
            if !is_date(v) {
                p.push(format!("{f} must be a date YYYY-MM-DD, got {v:?}"));
            }
        }
        if self.detected_on < self.occurred_on {
            p.push("detected_on is before occurred_on".into());
        }
        date_field(
            &mut p,
            "regulator_reported_on",
            self.regulator_reported_on.as_deref(),
        );
        date_field(&mut p, "closed_on", self.closed_on.as_deref());
        if let Some(d) = &self.description {
            bounded(&mut p, "description", d, 20000);
        }
        p
    }
}

vocabulary! {
    DrillState {
        Planned = "planned", "计划中", "Planned";
        Held = "held", "已开展", "Held";
        Cancelled = "cancelled", "已取消", "Cancelled";
    }
}

/// A business-continuity drill (article 15).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drill {
    pub id: String,
    pub app_id: Option<String>,
    pub scenario: String,
    pub planned_on: String,
    pub held_on: Option<String>,
    pub participants: Option<String>,
    pub outcome: Option<String>,
    pub state: DrillState,
    pub version: i64,
}

entity!(Drill, "drill");

impl Drill {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "scenario", &self.scenario);
        bounded(&mut p, "scenario", &self.scenario, 500);
        if !is_date(&self.planned_on) {
            p.push(format!(
                "planned_on must be a date YYYY-MM-DD, got {:?}",
                self.planned_on
            ));
        }
        date_field(&mut p, "held_on", self.held_on.as_deref());
        if self.state == DrillState::Held && self.held_on.is_none() {
            p.push("a held drill needs held_on".into());
        }
        p
    }
}

vocabulary! {
    ComplaintCategory {
        PiAccess = "pi_access", "查阅复制个人信息", "Access to personal information";
        PiCorrection = "pi_correction", "更正补充个人信息", "Correction of personal information";
        PiDeletion = "pi_deletion", "删除个人信息", "Deletion of personal information";
        AccountCancellation = "account_cancellation", "注销账号", "Account cancellation";
        Privacy = "privacy", "隐私投诉", "Privacy complaint";
        Service = "service", "服务投诉", "Service complaint";
        Other = "other", "其他", "Other";
    }
}

vocabulary! {
    ComplaintState {
        Open = "open", "处理中", "Open";
        Handled = "handled", "已办结", "Handled";
        Withdrawn = "withdrawn", "已撤回", "Withdrawn";
    }
}

/// A user complaint or PI request about an app, with its handling clock
/// (15 working days by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: String,
    pub app_id: Option<String>,
    pub received_on: String,
    pub channel: Option<String>,
    pub category: ComplaintCategory,
    pub summary: String,
    pub due_on: String,
    /// False when the due date was counted over a year whose holiday
    /// notice is not in the calendar data (weekends only).
    pub due_exact: bool,
    pub handled_on: Option<String>,
    pub outcome: Option<String>,
    pub state: ComplaintState,
    pub version: i64,
}

entity!(Complaint, "complaint");

impl Complaint {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "summary", &self.summary);
        bounded(&mut p, "summary", &self.summary, 4000);
        for (f, v) in [("received_on", &self.received_on), ("due_on", &self.due_on)] {
            if !is_date(v) {
                p.push(format!("{f} must be a date YYYY-MM-DD, got {v:?}"));
            }
        }
        date_field(&mut p, "handled_on", self.handled_on.as_deref());
        if self.state == ComplaintState::Handled && self.handled_on.is_none() {
            p.push("a handled complaint needs handled_on".into());
        }
        p
    }
}

vocabulary! {
    /// A counterfeit case's path (article 9: clarify publicly as soon as
    /// possible, report to the regulator in time).
    CounterfeitState {
        Detected = "detected", "已发现", "Detected";
        Confirmed = "confirmed", "已确认仿冒", "Confirmed";
        Clarified = "clarified", "已公开澄清", "Publicly clarified";
        Reported = "reported", "已报告监管", "Reported to the regulator";
        TakenDown = "taken_down", "已下架", "Taken down";
        Closed = "closed", "已关闭", "Closed";
        Dismissed = "dismissed", "非仿冒", "Dismissed (not counterfeit)";
    }
}

impl CounterfeitState {
    /// The path in order; `Dismissed` leaves it from `Detected`.
    pub const PATH: [CounterfeitState; 6] = [
        CounterfeitState::Detected,
        CounterfeitState::Confirmed,
        CounterfeitState::Clarified,
        CounterfeitState::Reported,
        CounterfeitState::TakenDown,
        CounterfeitState::Closed,
    ];

    pub fn step(self) -> usize {
        CounterfeitState::PATH
            .iter()
            .position(|s| *s == self)
            .unwrap_or(0)
    }
}

/// A counterfeit of one of the institution's apps found in the wild.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfeitCase {
    pub id: String,
    /// The genuine app it imitates.
    pub app_id: Option<String>,
    pub counterfeit_name: String,
    /// Where it was found (a store, a URL, a mini-program platform).
    pub found_at: String,
    pub detected_on: String,
    pub state: CounterfeitState,
    pub confirmed_on: Option<String>,
    pub clarified_on: Option<String>,
    pub clarification_url: Option<String>,
    pub reported_on: Option<String>,
    pub taken_down_on: Option<String>,
    pub closed_on: Option<String>,
    pub note: Option<String>,
    pub version: i64,
}

entity!(CounterfeitCase, "counterfeit_case");

impl CounterfeitCase {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "counterfeit_name", &self.counterfeit_name);
        bounded(&mut p, "counterfeit_name", &self.counterfeit_name, 300);
        required(&mut p, "found_at", &self.found_at);
        bounded(&mut p, "found_at", &self.found_at, 1000);
        if !is_date(&self.detected_on) {
            p.push(format!(
                "detected_on must be a date YYYY-MM-DD, got {:?}",
                self.detected_on
            ));
        }
        url_like(
            &mut p,
            "clarification_url",
            self.clarification_url.as_deref(),
        );
        let steps = [
            (
                "confirmed_on",
                &self.confirmed_on,
                CounterfeitState::Confirmed,
            ),
            (
                "clarified_on",
                &self.clarified_on,
                CounterfeitState::Clarified,
            ),
            ("reported_on", &self.reported_on, CounterfeitState::Reported),
            (
                "taken_down_on",
                &self.taken_down_on,
                CounterfeitState::TakenDown,
            ),
            ("closed_on", &self.closed_on, CounterfeitState::Closed),
        ];
        for (f, v, s) in steps {
            date_field(&mut p, f, v.as_deref());
            if self.state != CounterfeitState::Dismissed
                && self.state.step() >= s.step()
                && v.is_none()
            {
                p.push(format!("a case {} needs {f}", self.state.as_str()));
            }
        }
        p
    }
}

/// A major OS release the institution tracks (article 10): every active
/// app of the platform owes a compatibility test before it ships.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsRelease {
    pub id: String,
    pub platform: Platform,
    pub name: String,
    pub announced_on: String,
    pub ships_on: Option<String>,
    pub version: i64,
}

entity!(OsRelease, "os_release");

impl OsRelease {
    fn validate(&self) -> Vec<String> {
        let mut p = Vec::new();
        required(&mut p, "name", &self.name);
        bounded(&mut p, "name", &self.name, 100);
        if !is_date(&self.announced_on) {
            p.push(format!(
                "announced_on must be a date YYYY-MM-DD, got {:?}",
                self.announced_on
            ));
        }
        date_field(&mut p, "ships_on", self.ships_on.as_deref());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(state: CounterfeitState) -> CounterfeitCase {
        CounterfeitCase {
            id: String::new(),
            app_id: None,
            counterfeit_name: "掌上銀行".into(),
            found_at: "https://evil.example/app.apk".into(),
            detected_on: "2026-11-02".into(),
            state,
            confirmed_on: None,
            clarified_on: None,
            clarification_url: None,
            reported_on: None,
            taken_down_on: None,
            closed_on: None,
            note: None,
            version: 0,
        }
    }

    #[test]
    fn counterfeit_steps_need_their_dates() {
        assert!(case(CounterfeitState::Detected).problems().is_empty());
        let p = case(CounterfeitState::Reported).problems();
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p.iter().any(|m| m.contains("clarified_on")));
        assert!(case(CounterfeitState::Dismissed).problems().is_empty());
    }

    #[test]
    fn exception_cannot_be_self_approved() {
        let e = RiskException {
            id: String::new(),
            kind: ExceptionKind::RiskAcceptance,
            app_id: None,
            requirement_id: "nfra-2024-99:a12.2".into(),
            reason: "加固方案替换中".into(),
            compensating_controls: None,
            requested_by: "li".into(),
            approver: Some("li".into()),
            approved_on: Some("2026-11-01".into()),
            expires_on: "2027-03-01".into(),
            state: ExceptionState::Approved,
            version: 0,
        };
        assert!(e.problems().iter().any(|p| p.contains("someone other")));
    }
}
