//! Properties of the lifecycle and the gates, over random walks, random
//! checklists and random names.

use appgov_ledger::gate::AUTO_CHECKS;
use appgov_ledger::lifecycle::APP_MOVES;
use appgov_ledger::{
    AppState, Approval, ApprovalError, GateInput, ItemKind, ReleaseState, app_move, approve,
    builtin_gates, evaluate, release_gate,
};
use proptest::prelude::*;

fn app_state() -> impl Strategy<Value = AppState> {
    prop::sample::select(AppState::ALL.to_vec())
}

fn release_state() -> impl Strategy<Value = ReleaseState> {
    prop::sample::select(ReleaseState::ALL.to_vec())
}

fn approval(requested: &str, approved: &str) -> Approval {
    Approval {
        requested_by: requested.into(),
        approved_by: approved.into(),
        role: "安全负责人".into(),
        at: "2026-12-01T08:00:00Z".into(),
        comment: String::new(),
        object_sha256: "ab".repeat(32),
    }
}

proptest! {
    /// A random walk that only takes accepted moves never reaches a state
    /// except through a listed move; final states stay final.
    #[test]
    fn walks_follow_the_move_table(targets in prop::collection::vec(app_state(), 0..40)) {
        let mut state = AppState::Proposed;
        for to in targets {
            match app_move(state, to) {
                Ok(gate) => {
                    let listed = APP_MOVES.iter().find(|m| m.from == state && m.to == to);
                    prop_assert!(listed.is_some());
                    prop_assert_eq!(listed.unwrap().gate, gate);
                    prop_assert!(state != AppState::Archived && state != AppState::Rejected);
                    state = to;
                }
                Err(_) => prop_assert!(!APP_MOVES.iter().any(|m| m.from == state && m.to == to)),
            }
        }
    }

    /// Live is reached only through the launch gate, retired only through
    /// the retirement gate, admitted only through the admission gate.
    #[test]
    fn key_states_only_behind_their_gates(from in app_state(), to in app_state()) {
        if let Ok(gate) = app_move(from, to) {
            use appgov_ledger::GateId::*;
            match (from, to) {
                (AppState::InDevelopment, AppState::Live) => prop_assert_eq!(gate, Some(Launch)),
                (_, AppState::Admitted) => prop_assert_eq!(gate, Some(Admission)),
                (_, AppState::Retired) => prop_assert_eq!(gate, Some(Retirement)),
                _ => prop_assert!(gate.is_none()),
            }
        }
    }

    /// Approving a release always passes a gate, and only for apps that
    /// can release.
    #[test]
    fn release_approval_is_always_gated(app in app_state(), from in release_state()) {
        if let Ok(gate) = release_gate(app, from, ReleaseState::Approved) {
            prop_assert!(gate.is_some());
            prop_assert!(matches!(app, AppState::Live | AppState::InDevelopment));
        }
    }

    /// The requester never approves their own move, whatever the case or
    /// surrounding space of the name.
    #[test]
    fn self_approval_is_refused(name in "[a-zA-Z\u{4e00}-\u{4e20}]{1,8}", pad in " {0,2}", upper in any::<bool>()) {
        let other = if upper { name.to_uppercase() } else { name.to_lowercase() };
        let r = approve(None, approval(&name, &format!("{pad}{other}{pad}")));
        prop_assert!(matches!(r, Err(ApprovalError::SelfApproval(_))));
    }

    /// A gate passes exactly when every item is satisfied, and a move can
    /// be approved exactly then (by someone else).
    #[test]
    fn gates_pass_only_when_every_item_is_met(gate_ix in 0usize..4, mask in any::<u64>()) {
        let gates = builtin_gates().unwrap();
        let gate = &gates[gate_ix];
        let mut input = GateInput::default();
        let mut all = true;
        for (n, item) in gate.items.iter().enumerate() {
            let met = mask & (1 << (n % 64)) != 0;
            all &= met;
            match item.kind {
                ItemKind::Auto => {
                    let check = item.check.clone().unwrap();
                    prop_assert!(AUTO_CHECKS.contains(&check.as_str()));
                    // Two items may share a check (own channels at admission
                    // and launch are different gates; within a gate ids differ).
                    let prior = input.auto.get(&check).cloned();
                    let value = if met { Ok(()) } else { Err("not yet".to_string()) };
                    let merged = match (prior, value) {
                        (Some(Err(e)), _) | (_, Err(e)) => Err(e),
                        _ => Ok(()),
                    };
                    input.auto.insert(check, merged);
                }
                ItemKind::Evidence if met => {
                    input.evidence.insert(item.id.clone(), vec!["cd".repeat(32)]);
                }
                ItemKind::Attest if met => {
                    input.attestations.insert(item.id.clone(), "李四".into());
                }
                _ => {}
            }
        }
        // Items sharing a check within one gate are met together or not at all.
        let shared_mismatch = gate.items.iter().enumerate().any(|(a, x)| {
            gate.items.iter().enumerate().any(|(b, y)| {
                x.check.is_some() && x.check == y.check
                    && (mask & (1 << (a % 64)) != 0) != (mask & (1 << (b % 64)) != 0)
            })
        });
        prop_assume!(!shared_mismatch);
        let result = evaluate(gate, &input);
        prop_assert_eq!(result.passed(), all);
        let decided = approve(Some(&result), approval("张三", "李四"));
        prop_assert_eq!(decided.is_ok(), all);
        if !all {
            let is_gate_open = matches!(decided, Err(ApprovalError::GateOpen(..)));
            prop_assert!(is_gate_open);
        }
    }
}

#[test]
fn an_incomplete_approval_is_refused() {
    let mut a = approval("张三", "李四");
    a.object_sha256 = "short".into();
    assert_eq!(approve(None, a), Err(ApprovalError::Incomplete));
    let mut a = approval("张三", " ");
    a.object_sha256 = "ab".repeat(32);
    assert_eq!(approve(None, a), Err(ApprovalError::Incomplete));
    assert!(approve(None, approval("张三", "李四")).is_ok());
}
