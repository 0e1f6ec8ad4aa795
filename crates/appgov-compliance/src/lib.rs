//! The compliance engine, pure: regulations as versioned libraries
//! ([`library`]), ledger checks over the ledger and the compliance records
//! ([`checks`]), the obligations calendar ([`obligations`]) and the
//! compliance matrix ([`matrix`]), the typed evidence forms
//! ([`evidence_forms`]).
//!
//! No I/O, no clock, no async: today's Beijing date, the holiday calendar
//! and the records come in; decisions come out for the store to keep.

pub mod checks;
pub mod evidence_forms;
pub mod library;
pub mod matrix;
pub mod obligations;
pub mod reports;
pub mod snapshot;

pub use checks::{
    LEDGER_RULES, LedgerContext, LedgerFinding, LedgerRule, ledger_rule, run_ledger_checks,
};
pub use evidence_forms::{
    EvidenceForm, EvidenceForms, FieldProblem, FieldType, FormField, FormsError,
};
pub use library::{
    Applicability, KnownIds, Library, LibraryError, Numbering, ObligationTemplate, Related,
    Relation, Requirement, Scope, builtin_libraries, customer_facing, packaged, related,
};
pub use matrix::{Cell, CellValue, Matrix, MatrixRow, matrix};
pub use obligations::{
    ComplianceEvent, Notice, NoticeKind, ObligationStatus, Plan, complete, due_notices, on_event,
    plan_recurring, status,
};
pub use snapshot::ComplianceData;
