//! App and release lifecycles as state machines: which moves exist, and
//! which of them must pass a gate (a checklist tied to the notice).

use serde::{Deserialize, Serialize};

use crate::gate::GateId;

/// Where an app stands in its life (ledger row `lifecycle_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// Proposed by a business line, not yet admitted.
    Proposed,
    /// Admission refused (final).
    Rejected,
    /// Passed the admission gate (准入).
    Admitted,
    InDevelopment,
    /// Serving users; every release passes the change gate (变更).
    Live,
    /// Being reviewed for consolidation or risk (article 2).
    UnderReview,
    /// Taken down for an incident or a regulator's order.
    Suspended,
    /// Retirement decided; the retirement gate (退出) is being worked through.
    Retiring,
    Retired,
    /// Retention period over; records kept, nothing active.
    Archived,
}

impl AppState {
    pub const ALL: [AppState; 10] = [
        AppState::Proposed,
        AppState::Rejected,
        AppState::Admitted,
        AppState::InDevelopment,
        AppState::Live,
        AppState::UnderReview,
        AppState::Suspended,
        AppState::Retiring,
        AppState::Retired,
        AppState::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppState::Proposed => "proposed",
            AppState::Rejected => "rejected",
            AppState::Admitted => "admitted",
            AppState::InDevelopment => "in_development",
            AppState::Live => "live",
            AppState::UnderReview => "under_review",
            AppState::Suspended => "suspended",
            AppState::Retiring => "retiring",
            AppState::Retired => "retired",
            AppState::Archived => "archived",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            AppState::Proposed => "拟建",
            AppState::Rejected => "未准入",
            AppState::Admitted => "已准入",
            AppState::InDevelopment => "开发中",
            AppState::Live => "已上线",
            AppState::UnderReview => "评估中",
            AppState::Suspended => "已暂停",
            AppState::Retiring => "退出中",
            AppState::Retired => "已退出",
            AppState::Archived => "已归档",
        }
    }

    pub fn parse(s: &str) -> Option<AppState> {
        AppState::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// An allowed move of an app, and the gate it must pass, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppMove {
    pub from: AppState,
    pub to: AppState,
    pub gate: Option<GateId>,
}

/// Every allowed app move (governance research §10). Anything else is
/// refused: an app cannot skip admission, come back from retirement, or
/// leave the archive.
pub const APP_MOVES: &[AppMove] = &[
    mv(
        AppState::Proposed,
        AppState::Admitted,
        Some(GateId::Admission),
    ),
    mv(AppState::Proposed, AppState::Rejected, None),
    mv(AppState::Admitted, AppState::InDevelopment, None),
    mv(
        AppState::InDevelopment,
        AppState::Live,
        Some(GateId::Launch),
    ),
    // A project stopped before launch still retires properly.
    mv(AppState::Admitted, AppState::Retiring, None),
    mv(AppState::InDevelopment, AppState::Retiring, None),
    mv(AppState::Live, AppState::UnderReview, None),
    mv(AppState::UnderReview, AppState::Live, None),
    mv(AppState::UnderReview, AppState::Retiring, None),
    mv(AppState::Live, AppState::Suspended, None),
    mv(AppState::Suspended, AppState::Live, None),
    mv(AppState::Suspended, AppState::Retiring, None),
    mv(AppState::Live, AppState::Retiring, None),
    mv(
        AppState::Retiring,
        AppState::Retired,
        Some(GateId::Retirement),
    ),
    mv(AppState::Retired, AppState::Archived, None),
];

const fn mv(from: AppState, to: AppState, gate: Option<GateId>) -> AppMove {
    AppMove { from, to, gate }
}

/// Where a release stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    Draft,
    /// The package was analysed (facts and findings stored).
    Analysed,
    InTest,
    /// Passed the change gate (or, for the first release, the launch gate).
    Approved,
    /// Rolled out to part of the users.
    Gray,
    Live,
    /// A newer release is live.
    Superseded,
    /// Forced upgrade announced.
    Deprecated,
    /// Pulled from every channel (final).
    Withdrawn,
    /// Refused at analysis or test (final).
    Rejected,
}

impl ReleaseState {
    pub const ALL: [ReleaseState; 10] = [
        ReleaseState::Draft,
        ReleaseState::Analysed,
        ReleaseState::InTest,
        ReleaseState::Approved,
        ReleaseState::Gray,
        ReleaseState::Live,
        ReleaseState::Superseded,
        ReleaseState::Deprecated,
        ReleaseState::Withdrawn,
        ReleaseState::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Draft => "draft",
            ReleaseState::Analysed => "analysed",
            ReleaseState::InTest => "in_test",
            ReleaseState::Approved => "approved",
            ReleaseState::Gray => "gray",
            ReleaseState::Live => "live",
            ReleaseState::Superseded => "superseded",
            ReleaseState::Deprecated => "deprecated",
            ReleaseState::Withdrawn => "withdrawn",
            ReleaseState::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ReleaseState> {
        ReleaseState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// A build in this state may legitimately be on a distribution
    /// channel; a listing serving any other hash is a rogue build.
    pub fn may_be_distributed(self) -> bool {
        matches!(
            self,
            ReleaseState::Approved | ReleaseState::Gray | ReleaseState::Live
        )
    }
}

/// Every allowed release move, without its gate (see [`release_gate`]).
pub const RELEASE_MOVES: &[(ReleaseState, ReleaseState)] = &[
    (ReleaseState::Draft, ReleaseState::Analysed),
    (ReleaseState::Analysed, ReleaseState::InTest),
    (ReleaseState::Analysed, ReleaseState::Rejected),
    (ReleaseState::InTest, ReleaseState::Approved),
    (ReleaseState::InTest, ReleaseState::Rejected),
    (ReleaseState::Approved, ReleaseState::Gray),
    (ReleaseState::Approved, ReleaseState::Live),
    (ReleaseState::Gray, ReleaseState::Live),
    (ReleaseState::Gray, ReleaseState::Withdrawn),
    (ReleaseState::Live, ReleaseState::Superseded),
    (ReleaseState::Live, ReleaseState::Withdrawn),
    (ReleaseState::Superseded, ReleaseState::Deprecated),
    (ReleaseState::Superseded, ReleaseState::Withdrawn),
    (ReleaseState::Deprecated, ReleaseState::Withdrawn),
];

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("an app cannot go from {} to {}", .0.as_str(), .1.as_str())]
    App(AppState, AppState),
    #[error("a release cannot go from {} to {}", .0.as_str(), .1.as_str())]
    Release(ReleaseState, ReleaseState),
    #[error("a release can only be approved for an app in development or live, not {}", .0.as_str())]
    AppNotReleasing(AppState),
}

/// The gate an app move needs (`None` for a move without one), or why the
/// move does not exist.
pub fn app_move(from: AppState, to: AppState) -> Result<Option<GateId>, MoveError> {
    APP_MOVES
        .iter()
        .find(|m| m.from == from && m.to == to)
        .map(|m| m.gate)
        .ok_or(MoveError::App(from, to))
}

/// The gate a release move needs given its app's state: approving a
/// release of a live app passes the change gate (变更); the first release
/// of an app in development is approved with the launch gate (上线), which
/// the app's own move to live then records.
pub fn release_gate(
    app: AppState,
    from: ReleaseState,
    to: ReleaseState,
) -> Result<Option<GateId>, MoveError> {
    if !RELEASE_MOVES.contains(&(from, to)) {
        return Err(MoveError::Release(from, to));
    }
    if to != ReleaseState::Approved {
        return Ok(None);
    }
    match app {
        AppState::Live => Ok(Some(GateId::Change)),
        AppState::InDevelopment => Ok(Some(GateId::Launch)),
        other => Err(MoveError::AppNotReleasing(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in AppState::ALL {
            assert_eq!(AppState::parse(s.as_str()), Some(s));
            assert!(!s.label_zh().is_empty());
        }
        for s in ReleaseState::ALL {
            assert_eq!(ReleaseState::parse(s.as_str()), Some(s));
        }
        assert_eq!(AppState::parse("LIVE"), None);
    }

    #[test]
    fn gated_app_moves() {
        assert_eq!(
            app_move(AppState::Proposed, AppState::Admitted),
            Ok(Some(GateId::Admission))
        );
        assert_eq!(
            app_move(AppState::InDevelopment, AppState::Live),
            Ok(Some(GateId::Launch))
        );
        assert_eq!(
            app_move(AppState::Retiring, AppState::Retired),
            Ok(Some(GateId::Retirement))
        );
        assert_eq!(app_move(AppState::Live, AppState::Suspended), Ok(None));
    }

    #[test]
    fn forbidden_app_moves() {
        for (from, to) in [
            (AppState::Proposed, AppState::Live),
            (AppState::Admitted, AppState::Live),
            (AppState::Retired, AppState::Live),
            (AppState::Archived, AppState::Retired),
            (AppState::Rejected, AppState::Admitted),
            (AppState::Live, AppState::Retired),
            (AppState::Live, AppState::Live),
        ] {
            assert_eq!(app_move(from, to), Err(MoveError::App(from, to)));
        }
    }

    #[test]
    fn release_gates_follow_the_app() {
        use ReleaseState::*;
        assert_eq!(
            release_gate(AppState::Live, InTest, Approved),
            Ok(Some(GateId::Change))
        );
        assert_eq!(
            release_gate(AppState::InDevelopment, InTest, Approved),
            Ok(Some(GateId::Launch))
        );
        assert_eq!(release_gate(AppState::Live, Approved, Gray), Ok(None));
        assert_eq!(
            release_gate(AppState::Retired, InTest, Approved),
            Err(MoveError::AppNotReleasing(AppState::Retired))
        );
        assert_eq!(
            release_gate(AppState::Live, Draft, Live),
            Err(MoveError::Release(Draft, Live))
        );
        assert!(Gray.may_be_distributed() && !Withdrawn.may_be_distributed());
    }
}
