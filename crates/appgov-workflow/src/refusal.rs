//! Why a rule of the ledger refused an operation, as data: a kind and its
//! parameters. The command line prints the English `Display`; the web
//! renders the same refusal in the viewer's language from its message
//! catalog (`refusal.<kind>`), with states and gate items by their
//! localized names.

use appgov_ledger::vocab::{Channel, TransitionStatus};
use appgov_ledger::{AppState, ApprovalError, GateId, MoveError, ReleaseState};

/// A refusal by a rule of the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The object already has a pending move.
    MovePending { object_id: String },
    /// The move was already decided.
    NotPending {
        move_id: String,
        status: TransitionStatus,
    },
    /// The app lifecycle has no such move.
    NoSuchAppMove { from: AppState, to: AppState },
    /// The release lifecycle has no such move.
    NoSuchReleaseMove {
        from: ReleaseState,
        to: ReleaseState,
    },
    /// Releases are approved only for apps in development or live.
    AppNotReleasing { state: AppState },
    /// The approver requested the move.
    SelfApproval { login: String },
    /// Items of the gate are still open (their ids, in checklist order).
    GateOpen { gate: GateId, items: Vec<String> },
    /// The approval lacks an approver, a role or the object's hash.
    ApprovalIncomplete,
    /// Only the requester may withdraw a request.
    NotRequester { requested_by: String },
    /// The app moved after the request (its state now).
    AppMovedMeanwhile { state: AppState },
    /// The release moved after the request (its state now).
    ReleaseMovedMeanwhile { state: ReleaseState },
    /// The app or release changed while being approved.
    ChangedMeanwhile { release: bool },
    /// The app takes no new releases in its state.
    NoNewReleases { app: String, state: AppState },
    /// The package is already a release of the app.
    DuplicatePackage {
        sha256: String,
        release_id: String,
        app: String,
    },
    /// An edit tried to change the lifecycle state (moves do that).
    StateByMoveOnly,
    /// Someone else saved the record since it was read for editing.
    EditedMeanwhile {
        kind: String,
        id: String,
        expected: i64,
        current: i64,
    },
    /// The app already has a live (not delisted) listing on the channel.
    ChannelListed { channel: Channel },
    /// The channel already has an account of that name.
    AccountRecorded { channel: Channel, name: String },
    /// A risk exception is decided by someone other than who requested it.
    SelfAcceptance { login: String },
}

impl Refusal {
    /// The stable machine name (API `reason`, message key `refusal.<kind>`).
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::MovePending { .. } => "move_pending",
            Refusal::NotPending { .. } => "not_pending",
            Refusal::NoSuchAppMove { .. } => "no_such_app_move",
            Refusal::NoSuchReleaseMove { .. } => "no_such_release_move",
            Refusal::AppNotReleasing { .. } => "app_not_releasing",
            Refusal::SelfApproval { .. } => "self_approval",
            Refusal::GateOpen { .. } => "gate_open",
            Refusal::ApprovalIncomplete => "approval_incomplete",
            Refusal::NotRequester { .. } => "not_requester",
            Refusal::AppMovedMeanwhile { .. } => "app_moved_meanwhile",
            Refusal::ReleaseMovedMeanwhile { .. } => "release_moved_meanwhile",
            Refusal::ChangedMeanwhile { .. } => "changed_meanwhile",
            Refusal::NoNewReleases { .. } => "no_new_releases",
            Refusal::DuplicatePackage { .. } => "duplicate_package",
            Refusal::StateByMoveOnly => "state_by_move_only",
            Refusal::EditedMeanwhile { .. } => "edited_meanwhile",
            Refusal::ChannelListed { .. } => "channel_listed",
            Refusal::AccountRecorded { .. } => "account_recorded",
            Refusal::SelfAcceptance { .. } => "self_acceptance",
        }
    }

    /// Every kind, for checking that each has its message.
    pub const KINDS: &'static [&'static str] = &[
        "move_pending",
        "not_pending",
        "no_such_app_move",
        "no_such_release_move",
        "app_not_releasing",
        "self_approval",
        "gate_open",
        "approval_incomplete",
        "not_requester",
        "app_moved_meanwhile",
        "release_moved_meanwhile",
        "changed_meanwhile",
        "no_new_releases",
        "duplicate_package",
        "state_by_move_only",
        "edited_meanwhile",
        "channel_listed",
        "account_recorded",
        "self_acceptance",
    ];
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::MovePending { object_id } => write!(
                f,
                "{object_id} already has a pending move; approve, reject or withdraw it first"
            ),
            Refusal::NotPending { move_id, status } => {
                write!(f, "move {move_id} is {}, not pending", status.as_str())
            }
            Refusal::NoSuchAppMove { from, to } => write!(
                f,
                "{}",
                MoveError::App(*from, *to) // the ledger's own wording
            ),
            Refusal::NoSuchReleaseMove { from, to } => {
                write!(f, "{}", MoveError::Release(*from, *to))
            }
            Refusal::AppNotReleasing { state } => {
                write!(f, "{}", MoveError::AppNotReleasing(*state))
            }
            Refusal::SelfApproval { login } => write!(
                f,
                "not approved: {}",
                ApprovalError::SelfApproval(login.clone())
            ),
            Refusal::GateOpen { gate, items } => write!(
                f,
                "not approved: {}",
                ApprovalError::GateOpen(*gate, items.clone())
            ),
            Refusal::ApprovalIncomplete => {
                write!(f, "not approved: {}", ApprovalError::Incomplete)
            }
            Refusal::NotRequester { requested_by } => {
                write!(f, "only {requested_by} who requested it can withdraw it")
            }
            Refusal::AppMovedMeanwhile { state } => write!(
                f,
                "the app moved to {} since this was requested",
                state.as_str()
            ),
            Refusal::ReleaseMovedMeanwhile { state } => write!(
                f,
                "the release moved to {} since this was requested",
                state.as_str()
            ),
            Refusal::ChangedMeanwhile { release } => write!(
                f,
                "the {} changed while being approved; show the gate again",
                if *release { "release" } else { "app" }
            ),
            Refusal::NoNewReleases { app, state } => {
                write!(f, "{app} is {}: it takes no new releases", state.as_str())
            }
            Refusal::DuplicatePackage {
                sha256,
                release_id,
                app,
            } => write!(
                f,
                "this package ({sha256}) is already release {release_id} of {app}"
            ),
            Refusal::StateByMoveOnly => {
                write!(f, "the lifecycle state changes only through a move")
            }
            Refusal::EditedMeanwhile {
                kind,
                id,
                expected,
                current,
            } => write!(
                f,
                "{kind} {id} was changed by someone else (you edited version {expected}, it is now at {current}); reload and try again"
            ),
            Refusal::ChannelListed { channel } => write!(
                f,
                "the app already has a listing on {} (change that one)",
                channel.as_str()
            ),
            Refusal::AccountRecorded { channel, name } => write!(
                f,
                "account {name} on {} is already recorded",
                channel.as_str()
            ),
            Refusal::SelfAcceptance { login } => write!(
                f,
                "not decided: {login} requested this exception; someone else with the authority decides on it"
            ),
        }
    }
}

impl From<appgov_store::StoreError> for crate::WorkflowError {
    fn from(e: appgov_store::StoreError) -> Self {
        match e {
            appgov_store::StoreError::Conflict {
                kind,
                id,
                expected,
                current,
            } => crate::WorkflowError::Refused(Refusal::EditedMeanwhile {
                kind: kind.to_string(),
                id,
                expected,
                current,
            }),
            other => crate::WorkflowError::Store(other),
        }
    }
}

impl From<MoveError> for Refusal {
    fn from(e: MoveError) -> Self {
        match e {
            MoveError::App(from, to) => Refusal::NoSuchAppMove { from, to },
            MoveError::Release(from, to) => Refusal::NoSuchReleaseMove { from, to },
            MoveError::AppNotReleasing(state) => Refusal::AppNotReleasing { state },
        }
    }
}

impl From<ApprovalError> for Refusal {
    fn from(e: ApprovalError) -> Self {
        match e {
            ApprovalError::SelfApproval(login) => Refusal::SelfApproval { login },
            ApprovalError::GateOpen(gate, items) => Refusal::GateOpen { gate, items },
            ApprovalError::Incomplete => Refusal::ApprovalIncomplete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_wording_stays_for_the_command_line() {
        let r = Refusal::GateOpen {
            gate: GateId::Admission,
            items: vec!["no-overlap".into(), "own-channels".into()],
        };
        assert_eq!(r.kind(), "gate_open");
        assert_eq!(
            r.to_string(),
            "not approved: the admission gate has open items: no-overlap, own-channels"
        );
        let m: Refusal = MoveError::App(AppState::Proposed, AppState::Live).into();
        assert_eq!(m.to_string(), "an app cannot go from proposed to live");
        assert!(Refusal::KINDS.contains(&m.kind()));
    }
}
