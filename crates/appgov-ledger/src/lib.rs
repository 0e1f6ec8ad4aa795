//! The ledger's domain (台账): what an app and a release may become, the
//! gates on the way, and the approvals that record each move.
//!
//! Pure: data in, decisions out — no I/O, no clock, no async. The store
//! persists what this crate decides; the CLI and server call it.
//!
//! This is the start of issue 4's domain crate: lifecycles and gates first;
//! the entities (organisation, apps, identities, accounts, third parties,
//! filings) follow.

pub mod gate;
pub mod lifecycle;

pub use gate::{
    Approval, ApprovalError, Gate, GateError, GateId, GateInput, GateItem, GateResult, ItemKind,
    ItemStatus, approve, builtin_gates, evaluate, parse_gates,
};
pub use lifecycle::{AppState, MoveError, ReleaseState, app_move, release_gate};
