//! The ledger's domain (台账): the organisation, its apps of every form and
//! their identities, channels, releases, third parties, filings and activity
//! ([`model`]); what an app and a release may become and the gates on the
//! way ([`lifecycle`], [`gate`]); the views derived from all of it.
//!
//! Pure: data in, decisions out — no I/O, no clock, no async. The store
//! persists what this crate decides; the CLI and server call it.

pub mod gate;
pub mod lifecycle;
pub mod model;
pub mod vocab;

pub use gate::{
    Approval, ApprovalError, Gate, GateError, GateId, GateInput, GateItem, GateResult, ItemKind,
    ItemStatus, approve, builtin_gates, evaluate, parse_gates,
};
pub use lifecycle::{AppState, MoveError, ReleaseState, app_move, release_gate};
pub use model::*;
pub use vocab::*;
