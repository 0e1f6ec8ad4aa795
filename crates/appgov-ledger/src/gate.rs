//! Gates: the checklists a lifecycle move must pass, as data
//! (`data/gates.toml`), their evaluation, and the approval that records a
//! move — by someone other than who asked for it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The four gates of the notice's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateId {
    /// 准入: proposed → admitted.
    Admission,
    /// 上线: in development → live, with the first release.
    Launch,
    /// 变更: every release of a live app.
    Change,
    /// 退出: retiring → retired.
    Retirement,
}

impl GateId {
    pub const ALL: [GateId; 4] = [
        GateId::Admission,
        GateId::Launch,
        GateId::Change,
        GateId::Retirement,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            GateId::Admission => "admission",
            GateId::Launch => "launch",
            GateId::Change => "change",
            GateId::Retirement => "retirement",
        }
    }
}

/// How a checklist item is satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Computed from the analyser's facts and the ledger.
    Auto,
    /// Needs an attached, accepted document.
    Evidence,
    /// A named person signs that it holds.
    Attest,
}

/// The automatic checks a gate item may name; the ledger computes them.
pub const AUTO_CHECKS: &[&str] = &[
    "no-functional-overlap",
    "own-publishing-accounts",
    "no-open-high-findings",
    "sdks-disclosed-and-contracted",
    "signer-registered",
    "filing-matches-release",
    "release-diff-reviewed",
    "filing-update-raised",
    "delisted-everywhere",
    "activity-metrics-attached",
];

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GateItem {
    /// Stable id within the gate (`security-test-report`).
    pub id: String,
    pub kind: ItemKind,
    pub title_zh: String,
    pub title_en: String,
    /// Notice articles the item serves.
    pub articles: Vec<u32>,
    /// For `auto` items: which of [`AUTO_CHECKS`] computes it.
    #[serde(default)]
    pub check: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    pub id: GateId,
    pub name_zh: String,
    pub name_en: String,
    pub items: Vec<GateItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GatesFile {
    schema: u32,
    /// Where the items come from (the notice, the research).
    #[allow(dead_code)]
    sources: Vec<String>,
    gate: Vec<Gate>,
}

/// The gates this build ships.
pub const BUILTIN_GATES: &str = include_str!("../data/gates.toml");

#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("gates: {0}")]
    Parse(String),
    #[error("gates: {}", .0.join("; "))]
    Invalid(Vec<String>),
}

/// Parses and validates a gates file: schema 1, every gate once, unique
/// item ids, articles 1–18, auto items naming a known check and only auto
/// items naming one.
pub fn parse_gates(text: &str) -> Result<Vec<Gate>, GateError> {
    let f: GatesFile = toml::from_str(text).map_err(|e| GateError::Parse(e.to_string()))?;
    let mut problems = Vec::new();
    if f.schema != 1 {
        problems.push(format!("schema {}, this build reads schema 1", f.schema));
    }
    for g in GateId::ALL {
        match f.gate.iter().filter(|x| x.id == g).count() {
            1 => {}
            0 => problems.push(format!("gate {} missing", g.as_str())),
            _ => problems.push(format!("gate {} listed twice", g.as_str())),
        }
    }
    for g in &f.gate {
        let mut ids = BTreeSet::new();
        if g.items.is_empty() {
            problems.push(format!("gate {} has no items", g.id.as_str()));
        }
        for i in &g.items {
            let what = format!("gate {} item {:?}", g.id.as_str(), i.id);
            if !ids.insert(i.id.as_str()) {
                problems.push(format!("{what}: listed twice"));
            }
            if i.title_zh.trim().is_empty() || i.title_en.trim().is_empty() {
                problems.push(format!("{what}: needs titles in both languages"));
            }
            if i.articles.is_empty() || i.articles.iter().any(|a| !(1..=18).contains(a)) {
                problems.push(format!("{what}: articles must be among the notice's 1–18"));
            }
            match (i.kind, i.check.as_deref()) {
                (ItemKind::Auto, Some(c)) if AUTO_CHECKS.contains(&c) => {}
                (ItemKind::Auto, Some(c)) => {
                    problems.push(format!("{what}: unknown automatic check {c:?}"))
                }
                (ItemKind::Auto, None) => {
                    problems.push(format!("{what}: auto item without a check"))
                }
                (_, Some(_)) => problems.push(format!("{what}: only auto items name a check")),
                (_, None) => {}
            }
        }
    }
    if problems.is_empty() {
        Ok(f.gate)
    } else {
        Err(GateError::Invalid(problems))
    }
}

/// The shipped gates (validated by the tests; an error here is a build bug).
pub fn builtin_gates() -> Result<Vec<Gate>, GateError> {
    parse_gates(BUILTIN_GATES)
}

/// What is known about each item of one gate for one move.
#[derive(Debug, Clone, Default)]
pub struct GateInput {
    /// Results of automatic checks, by check name: `Ok(())` or why not.
    pub auto: BTreeMap<String, Result<(), String>>,
    /// Accepted evidence documents (SHA-256 of the stored file) by item id.
    pub evidence: BTreeMap<String, Vec<String>>,
    /// Who signed each attestation item, by item id.
    pub attestations: BTreeMap<String, String>,
}

/// One item's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ItemStatus {
    Met { by: String },
    Open { reason: String },
}

/// A gate evaluated for one move.
#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub gate: GateId,
    pub items: Vec<(String, ItemStatus)>,
}

impl GateResult {
    pub fn passed(&self) -> bool {
        self.items
            .iter()
            .all(|(_, s)| matches!(s, ItemStatus::Met { .. }))
    }
    pub fn open(&self) -> impl Iterator<Item = &(String, ItemStatus)> {
        self.items
            .iter()
            .filter(|(_, s)| matches!(s, ItemStatus::Open { .. }))
    }
}

/// Evaluates every item of `gate`: automatic items from their check's
/// result (not computed means open), evidence items from attached
/// documents, attestations from a named signer.
pub fn evaluate(gate: &Gate, input: &GateInput) -> GateResult {
    let items = gate
        .items
        .iter()
        .map(|i| {
            let status = match i.kind {
                ItemKind::Auto => {
                    let check = i.check.as_deref().unwrap_or_default();
                    match input.auto.get(check) {
                        Some(Ok(())) => ItemStatus::Met {
                            by: format!("auto:{check}"),
                        },
                        Some(Err(why)) => ItemStatus::Open {
                            reason: why.clone(),
                        },
                        None => ItemStatus::Open {
                            reason: format!("automatic check {check} not computed"),
                        },
                    }
                }
                ItemKind::Evidence => match input.evidence.get(&i.id) {
                    Some(docs) if !docs.is_empty() => ItemStatus::Met {
                        by: format!("evidence:{}", docs.join(",")),
                    },
                    _ => ItemStatus::Open {
                        reason: "no accepted evidence attached".into(),
                    },
                },
                ItemKind::Attest => match input.attestations.get(&i.id) {
                    Some(who) if !who.trim().is_empty() => ItemStatus::Met {
                        by: format!("attest:{who}"),
                    },
                    _ => ItemStatus::Open {
                        reason: "not attested".into(),
                    },
                },
            };
            (i.id.clone(), status)
        })
        .collect();
    GateResult {
        gate: gate.id,
        items,
    }
}

/// A recorded decision on a move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub requested_by: String,
    pub approved_by: String,
    pub role: String,
    /// RFC 3339, passed in (this crate reads no clock).
    pub at: String,
    pub comment: String,
    /// SHA-256 of the object (app or release record) as it was decided on.
    pub object_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("{0} requested this move and cannot also approve it")]
    SelfApproval(String),
    #[error("the {} gate has open items: {}", .0.as_str(), .1.join(", "))]
    GateOpen(GateId, Vec<String>),
    #[error("an approval needs an approver, a role and the object's hash")]
    Incomplete,
}

/// Approves a move: refused when the approver is who requested it (names
/// compared without case or surrounding space), when an item of the gate is
/// still open, or when the record is incomplete.
pub fn approve(gate: Option<&GateResult>, approval: Approval) -> Result<Approval, ApprovalError> {
    let norm = |s: &str| s.trim().to_lowercase();
    if approval.approved_by.trim().is_empty()
        || approval.role.trim().is_empty()
        || approval.object_sha256.len() != 64
    {
        return Err(ApprovalError::Incomplete);
    }
    if norm(&approval.requested_by) == norm(&approval.approved_by) {
        return Err(ApprovalError::SelfApproval(approval.approved_by));
    }
    if let Some(g) = gate
        && !g.passed()
    {
        return Err(ApprovalError::GateOpen(
            g.gate,
            g.open().map(|(id, _)| id.clone()).collect(),
        ));
    }
    Ok(approval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_gates_are_valid_and_cover_every_kind() {
        let gates = builtin_gates().unwrap();
        assert_eq!(gates.len(), 4);
        for g in &gates {
            for kind in [ItemKind::Auto, ItemKind::Evidence, ItemKind::Attest] {
                assert!(
                    g.items.iter().any(|i| i.kind == kind),
                    "gate {} has no {kind:?} item",
                    g.id.as_str()
                );
            }
        }
    }

    #[test]
    fn invalid_gates_are_rejected_with_every_reason() {
        let bad = r#"
schema = 1
sources = ["notice"]
[[gate]]
id = "admission"
name_zh = "准入"
name_en = "Admission"
[[gate.items]]
id = "a"
kind = "auto"
title_zh = "x"
title_en = "x"
articles = [19]
check = "made-up"
[[gate.items]]
id = "a"
kind = "attest"
title_zh = ""
title_en = "y"
articles = [2]
check = "signer-registered"
"#;
        let err = parse_gates(bad).unwrap_err().to_string();
        for needle in [
            "unknown automatic check",
            "articles must be",
            "listed twice",
            "both languages",
            "only auto items",
            "gate launch missing",
        ] {
            assert!(err.contains(needle), "{err} lacks {needle}");
        }
        assert!(parse_gates("schema = 1\nsources=[]\n[[gate]]\nid = \"nope\"").is_err());
    }
}
