//! Roles, actions and scopes.
//!
//! A user holds grants: a role, and optionally the org node it is limited
//! to. A grant limited to a node applies to that node and everything under
//! it — a branch's app owner sees and edits the branch's apps, not the head
//! office's. A grant without a node applies to the whole institution.
//! Administration (users, tokens of others, org tree, policy) needs an
//! unscoped grant.

use std::collections::{BTreeMap, BTreeSet};

use appgov_ledger::model::{App, OrgNode};
use serde::{Deserialize, Serialize};

appgov_ledger::vocabulary! {
    /// What an account does in appgov.
    AccountRole {
        /// Users, roles, tokens, policy, the org tree.
        Administrator = "administrator", "系统管理员", "Administrator", "admin", "管理员";
        /// The office that keeps the ledger and runs the gates (article 3's
        /// lead department).
        Governance = "governance", "治理办公室", "Governance office", "governance office", "牵头部门", "管理部门";
        /// Owns apps: records them, uploads releases, requests moves.
        AppOwner = "app_owner", "应用负责人", "App owner", "owner", "应用管理员";
        /// Reviews packages and findings; approves gated moves.
        SecurityReviewer = "security_reviewer", "安全评审员", "Security reviewer", "security", "安全审核";
        /// Reviews compliance (privacy, filings, agreements); approves gated moves.
        ComplianceReviewer = "compliance_reviewer", "合规评审员", "Compliance reviewer", "compliance", "合规审核";
        /// Reads everything in scope, including the audit log; changes nothing.
        Auditor = "auditor", "审计员", "Auditor", "审计", "只读";
    }
}

appgov_ledger::vocabulary! {
    /// What an API token may be used for (never more than its user may do).
    TokenScope {
        /// Read the ledger, releases, findings.
        Read = "read", "只读", "Read";
        /// Upload release packages and request their moves (CI pipelines).
        Releases = "releases", "上传版本", "Releases", "release", "ci";
        /// Change ledger records.
        Ledger = "ledger", "台账维护", "Ledger";
    }
}

/// What someone asks to do. Object actions are judged against the object's
/// org (an app's department, or its operator); the others need an unscoped
/// grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See apps, releases, findings, SDKs, moves and their checklists.
    View,
    /// Export the ledger (what one can view).
    Export,
    /// Read an object's audit history.
    ViewHistory,
    /// Record a new app.
    CreateApp,
    /// Change an app's attributes and records (identities, listings, filings, …).
    EditApp,
    /// Upload a package as a release.
    UploadRelease,
    /// Request a lifecycle move of an app or a release.
    RequestMove,
    /// Attach evidence and sign attestations on a gated move.
    RecordEvidence,
    /// Approve or reject someone else's move.
    ApproveMove,
    /// The whole audit log and its verification.
    ViewAuditLog,
    /// Users and their grants.
    ManageUsers,
    /// The org tree.
    ManageOrg,
    /// The institution's scan policy (accepted exceptions, approved SDKs).
    ManagePolicy,
    /// Everyone's API tokens (one's own are always one's own).
    ManageTokens,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::View,
        Action::Export,
        Action::ViewHistory,
        Action::CreateApp,
        Action::EditApp,
        Action::UploadRelease,
        Action::RequestMove,
        Action::RecordEvidence,
        Action::ApproveMove,
        Action::ViewAuditLog,
        Action::ManageUsers,
        Action::ManageOrg,
        Action::ManagePolicy,
        Action::ManageTokens,
    ];

    /// Actions on an object in the org tree (judged by scope); the rest are
    /// institution-wide.
    pub fn is_scoped(self) -> bool {
        matches!(
            self,
            Action::View
                | Action::Export
                | Action::ViewHistory
                | Action::CreateApp
                | Action::EditApp
                | Action::UploadRelease
                | Action::RequestMove
                | Action::RecordEvidence
                | Action::ApproveMove
        )
    }

    /// Whether the action changes anything.
    pub fn writes(self) -> bool {
        !matches!(
            self,
            Action::View | Action::Export | Action::ViewHistory | Action::ViewAuditLog
        )
    }

    /// The token scope an API token needs for the action.
    pub fn token_scope(self) -> Option<TokenScope> {
        match self {
            Action::View | Action::Export | Action::ViewHistory => Some(TokenScope::Read),
            Action::UploadRelease | Action::RequestMove => Some(TokenScope::Releases),
            Action::CreateApp | Action::EditApp | Action::RecordEvidence => {
                Some(TokenScope::Ledger)
            }
            // Approvals and administration need a person in a browser.
            _ => None,
        }
    }
}

impl AccountRole {
    /// The actions the role allows (the authorization matrix).
    pub fn allows(self, action: Action) -> bool {
        use AccountRole::*;
        use Action::*;
        match action {
            View | Export | ViewHistory => true,
            CreateApp | EditApp | RequestMove => matches!(self, Governance | AppOwner),
            UploadRelease => matches!(self, Governance | AppOwner | SecurityReviewer),
            RecordEvidence => matches!(
                self,
                Governance | AppOwner | SecurityReviewer | ComplianceReviewer
            ),
            ApproveMove => matches!(self, Governance | SecurityReviewer | ComplianceReviewer),
            ViewAuditLog => matches!(self, Administrator | Governance | Auditor),
            ManageUsers | ManageOrg | ManageTokens => self == Administrator,
            ManagePolicy => matches!(self, Administrator | Governance),
        }
    }
}

/// A role, institution-wide or limited to an org node and its subtree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Grant {
    pub role: AccountRole,
    /// None: the whole institution.
    #[serde(default)]
    pub org_id: Option<String>,
}

/// The org tree as parent links, to tell whether a node lies under another.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    parent: BTreeMap<String, Option<String>>,
}

impl OrgTree {
    pub fn new(orgs: &[OrgNode]) -> OrgTree {
        OrgTree {
            parent: orgs
                .iter()
                .map(|o| (o.id.clone(), o.parent_id.clone()))
                .collect(),
        }
    }

    /// `node` and its ancestors, nearest first (cycles cut).
    pub fn path(&self, node: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let mut cur = Some(node.to_string());
        while let Some(n) = cur {
            if !seen.insert(n.clone()) {
                break;
            }
            cur = self.parent.get(&n).cloned().flatten();
            out.push(n);
        }
        out
    }

    /// Whether `node` is `ancestor` or lies under it.
    pub fn within(&self, node: &str, ancestor: &str) -> bool {
        self.path(node).iter().any(|n| n == ancestor)
    }

    /// Every node in the subtree of `root` (itself included).
    pub fn subtree(&self, root: &str) -> BTreeSet<String> {
        self.parent
            .keys()
            .filter(|n| self.within(n, root))
            .cloned()
            .collect()
    }
}

/// The org node an app belongs to for access: its department, else its
/// operator.
pub fn app_org(app: &App) -> Option<&str> {
    app.department_id.as_deref().or(app.operator_id.as_deref())
}

/// Someone acting: a signed-in user, or a user through an API token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub login: String,
    pub grants: Vec<Grant>,
    /// Set when acting through an API token: what the token allows.
    pub token_scopes: Option<Vec<TokenScope>>,
}

impl Principal {
    fn token_permits(&self, action: Action) -> bool {
        match &self.token_scopes {
            None => true,
            Some(scopes) => action.token_scope().is_some_and(|s| scopes.contains(&s)),
        }
    }

    /// May do `action` on an object in org node `org` (None: an object not
    /// placed in the tree, which only institution-wide grants reach).
    /// Institution-wide actions ignore `org`.
    pub fn may(&self, action: Action, org: Option<&str>, tree: &OrgTree) -> bool {
        if !self.token_permits(action) {
            return false;
        }
        self.grants.iter().any(|g| {
            g.role.allows(action)
                && match (&g.org_id, action.is_scoped()) {
                    (None, _) => true,
                    (Some(_), false) => false,
                    (Some(scope), true) => org.is_some_and(|o| tree.within(o, scope)),
                }
        })
    }

    /// May do `action` somewhere (to show or hide a menu or a button).
    pub fn may_somewhere(&self, action: Action) -> bool {
        self.token_permits(action)
            && self
                .grants
                .iter()
                .any(|g| g.role.allows(action) && (g.org_id.is_none() || action.is_scoped()))
    }

    /// The org subtrees in which `action` is allowed: None means everywhere
    /// (an institution-wide grant), otherwise the scoping nodes.
    pub fn scopes_for(&self, action: Action) -> Option<Vec<String>> {
        if !self.token_permits(action) {
            return Some(vec![]);
        }
        let mut nodes = Vec::new();
        for g in &self.grants {
            if !g.role.allows(action) {
                continue;
            }
            match &g.org_id {
                None => return None,
                Some(o) if action.is_scoped() => nodes.push(o.clone()),
                Some(_) => {}
            }
        }
        nodes.sort();
        nodes.dedup();
        Some(nodes)
    }

    /// The role named on an approval: the first granting role that allows
    /// approving here.
    pub fn approving_role(&self, org: Option<&str>, tree: &OrgTree) -> Option<AccountRole> {
        self.grants
            .iter()
            .filter(|g| g.role.allows(Action::ApproveMove))
            .find(|g| match &g.org_id {
                None => true,
                Some(s) => org.is_some_and(|o| tree.within(o, s)),
            })
            .map(|g| g.role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use appgov_ledger::vocab::OrgKind;

    fn org(id: &str, parent: Option<&str>) -> OrgNode {
        OrgNode {
            id: id.into(),
            kind: OrgKind::Department,
            name: id.into(),
            parent_id: parent.map(Into::into),
            credit_code: None,
            regulator: None,
            version: 1,
        }
    }

    fn tree() -> OrgTree {
        OrgTree::new(&[
            org("bank", None),
            org("hq-it", Some("bank")),
            org("branch-sh", Some("bank")),
            org("branch-sh-retail", Some("branch-sh")),
            // a cycle must not hang
            org("loop-a", Some("loop-b")),
            org("loop-b", Some("loop-a")),
        ])
    }

    fn who(grants: &[(AccountRole, Option<&str>)]) -> Principal {
        Principal {
            user_id: "u".into(),
            login: "u".into(),
            grants: grants
                .iter()
                .map(|(r, o)| Grant {
                    role: *r,
                    org_id: o.map(Into::into),
                })
                .collect(),
            token_scopes: None,
        }
    }

    #[test]
    fn a_branch_grant_reaches_its_subtree_only() {
        let t = tree();
        let p = who(&[(AccountRole::AppOwner, Some("branch-sh"))]);
        assert!(p.may(Action::EditApp, Some("branch-sh-retail"), &t));
        assert!(p.may(Action::EditApp, Some("branch-sh"), &t));
        assert!(!p.may(Action::EditApp, Some("hq-it"), &t));
        assert!(!p.may(Action::View, Some("bank"), &t));
        assert!(!p.may(Action::View, None, &t));
        assert!(!p.may(Action::ApproveMove, Some("branch-sh"), &t));
        assert_eq!(p.scopes_for(Action::View), Some(vec!["branch-sh".into()]));
        assert!(t.path("loop-a").len() == 2);
    }

    #[test]
    fn administration_needs_an_unscoped_grant() {
        let t = tree();
        let scoped = who(&[(AccountRole::Administrator, Some("branch-sh"))]);
        assert!(!scoped.may(Action::ManageUsers, None, &t));
        let admin = who(&[(AccountRole::Administrator, None)]);
        assert!(admin.may(Action::ManageUsers, None, &t));
        assert!(!admin.may(Action::EditApp, Some("hq-it"), &t));
        assert!(admin.may(Action::View, Some("hq-it"), &t));
    }

    #[test]
    fn auditors_change_nothing() {
        for a in Action::ALL {
            if a.writes() {
                assert!(!AccountRole::Auditor.allows(*a), "{a:?}");
            }
        }
        assert!(AccountRole::Auditor.allows(Action::ViewAuditLog));
    }

    #[test]
    fn tokens_never_exceed_their_scopes_or_approve() {
        let t = tree();
        let mut p = who(&[(AccountRole::Governance, None)]);
        p.token_scopes = Some(vec![TokenScope::Releases]);
        assert!(p.may(Action::UploadRelease, Some("hq-it"), &t));
        assert!(!p.may(Action::View, Some("hq-it"), &t));
        assert!(!p.may(Action::ApproveMove, Some("hq-it"), &t));
        p.token_scopes = Some(vec![
            TokenScope::Read,
            TokenScope::Releases,
            TokenScope::Ledger,
        ]);
        assert!(!p.may(Action::ApproveMove, Some("hq-it"), &t));
        assert!(!p.may(Action::ManagePolicy, None, &t));
    }

    #[test]
    fn roles_parse_in_both_languages() {
        assert_eq!(AccountRole::parse("审计员"), Some(AccountRole::Auditor));
        assert_eq!(AccountRole::parse("App owner"), Some(AccountRole::AppOwner));
        assert_eq!(AccountRole::parse("nobody"), None);
    }
}
