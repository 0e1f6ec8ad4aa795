//! The records the compliance engine judges, loaded by the store in one go.

use appgov_ledger::{
    AccessGrant, Agreement, App, AppIdentity, Assessment, AssessmentResult, Complaint,
    CounterfeitCase, Drill, Evidence, EvidenceRequest, EvidenceRevision, Filing, Incident, Listing,
    Obligation, OrgNode, OsRelease, Person, PublishingAccount, Release, ReleaseFinding,
    RiskException, Transition,
};
use serde::Serialize;

/// Everything the ledger checks, the obligation planner and the matrix
/// read. Package findings are those of each app's newest release only.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ComplianceData {
    pub orgs: Vec<OrgNode>,
    pub people: Vec<Person>,
    pub apps: Vec<App>,
    pub identities: Vec<AppIdentity>,
    pub accounts: Vec<PublishingAccount>,
    pub listings: Vec<Listing>,
    pub filings: Vec<Filing>,
    pub agreements: Vec<Agreement>,
    pub access_grants: Vec<AccessGrant>,
    pub transitions: Vec<Transition>,
    /// The newest release of each app.
    pub releases: Vec<Release>,
    /// The findings of those releases.
    pub findings: Vec<ReleaseFinding>,
    pub obligations: Vec<Obligation>,
    pub evidence: Vec<Evidence>,
    pub revisions: Vec<EvidenceRevision>,
    pub requests: Vec<EvidenceRequest>,
    pub assessments: Vec<Assessment>,
    pub results: Vec<AssessmentResult>,
    pub exceptions: Vec<RiskException>,
    pub incidents: Vec<Incident>,
    pub drills: Vec<Drill>,
    pub complaints: Vec<Complaint>,
    pub counterfeits: Vec<CounterfeitCase>,
    pub os_releases: Vec<OsRelease>,
}
