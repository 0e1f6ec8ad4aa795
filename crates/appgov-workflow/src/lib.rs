//! The ledger's operations, shared by the command line and the web server.
//!
//! Each operation reads and writes through an [`appgov_store::Store`] and
//! returns what happened as data: no printing, no HTTP. The rules they apply
//! (lifecycle moves, gate checklists, who may approve) live in the pure
//! `appgov-ledger` crate; this crate puts them together with the store, the
//! file store and the analyser, in one place, so the CLI and the web cannot
//! drift apart.

pub mod analyse;
pub mod apps;
pub mod assessments;
pub mod channels;
pub mod clock;
pub mod compliance;
pub mod moves;
pub mod notify;
pub mod refusal;
pub mod releases;
pub mod reports;
pub mod source;

pub use analyse::{Analysed, analyse_file, check_facts, parse_policy, scan_file};
pub use clock::{now_rfc3339, today_cn, today_utc};
pub use refusal::Refusal;

use appgov_store::StoreError;

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// The named record does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A rule of the ledger refuses the operation now (a state that does not
    /// allow it, a self-approval, open checklist items, a duplicate), as a
    /// kind with parameters so callers can word it in their language.
    #[error("{0}")]
    Refused(Refusal),
    /// The input itself is wrong (an unknown state, an empty document).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(StoreError),
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

impl From<appgov_ledger::MoveError> for WorkflowError {
    fn from(e: appgov_ledger::MoveError) -> Self {
        WorkflowError::Refused(e.into())
    }
}

impl From<serde_json::Error> for WorkflowError {
    fn from(e: serde_json::Error) -> Self {
        WorkflowError::Invalid(e.to_string())
    }
}

impl From<appgov_store::FileError> for WorkflowError {
    fn from(e: appgov_store::FileError) -> Self {
        WorkflowError::Store(StoreError::Files(e))
    }
}
