//! The ledger's domain (台账): the organisation, its apps of every form and
//! their identities, channels, releases, third parties, filings and activity
//! ([`model`]); what an app and a release may become and the gates on the
//! way ([`lifecycle`], [`gate`]); a package's analysis as ledger records
//! ([`ingest`]); the views derived from all of it ([`views`]) and the gates'
//! automatic items ([`autocheck`]).
//!
//! Pure: data in, decisions out — no I/O, no clock, no async. The store
//! persists what this crate decides; the CLI and server call it.

pub mod autocheck;
pub mod compliance;
pub mod gate;
pub mod ingest;
pub mod lifecycle;
pub mod model;
pub mod views;
pub mod vocab;

pub use autocheck::{
    GateSubject, ReleaseChange, auto_checks, auto_checks_detailed, auto_checks_indexed, gate_input,
    release_diff,
};
pub use compliance::*;
pub use gate::{
    Approval, ApprovalError, Gate, GateError, GateId, GateInput, GateItem, GateResult, ItemKind,
    ItemStatus, approve, builtin_gates, evaluate, parse_gates,
};
pub use ingest::{IngestError, Ingested, release_records};
pub use lifecycle::{AppState, MoveError, ReleaseState, app_move, release_gate};
pub use model::*;
pub use views::{
    AppQuality, ConsolidationCandidate, ConsolidationRules, ContinuityAlert, ContinuityKind,
    DriftItem, FilingDrift, LedgerIndex, LedgerSnapshot, LedgerViews, QualityIssue, Reason,
    certificate_continuity, consolidation_candidates, filing_drift, ledger_quality, ledger_views,
};
pub use vocab::*;
