//! The audit trail's chain: what each event's hash covers, and the checks
//! `appgov audit verify` runs over the events as read from the database.
//!
//! Each event's hash is SHA-256 over the previous event's hash and every
//! field of the event, each length-prefixed so no two different events
//! hash the same bytes. Altering, inserting, removing or reordering an event
//! breaks the chain from there on; removing events at the end is caught by
//! the head record (and, against someone who rewrites both, by comparing the
//! head hash with one kept elsewhere: `audit verify --expect-head`).

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    /// UTC, RFC 3339 with microseconds.
    pub at: String,
    pub actor: String,
    /// `create`, `update`, `delete`, `transition`, `approve`, `store-file`, …
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    /// The object's JSON before and after (None when it did not exist).
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash an event must carry, given the previous event's hash.
pub fn event_hash(prev_hash: &str, e: &AuditEvent) -> String {
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    field(b"appgov.audit/1");
    field(prev_hash.as_bytes());
    field(e.seq.to_string().as_bytes());
    field(e.at.as_bytes());
    field(e.actor.as_bytes());
    field(e.action.as_bytes());
    field(e.object_kind.as_bytes());
    field(e.object_id.as_bytes());
    for j in [&e.before_json, &e.after_json] {
        match j {
            None => field(b"\0none"),
            Some(s) => field(s.as_bytes()),
        }
    }
    hex::encode(h.finalize())
}

/// A break in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    pub seq: i64,
    pub problem: String,
}

/// Checks events given in `seq` order: numbered 1, 2, 3… without gaps,
/// each pointing at its predecessor's hash and carrying its own correct
/// hash, and the last one matching the head record.
pub fn verify_chain<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    head: (i64, &str),
) -> Vec<ChainProblem> {
    let mut problems = Vec::new();
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_string();
    for e in events {
        if e.seq != expected_seq {
            problems.push(ChainProblem {
                seq: e.seq,
                problem: format!(
                    "event number {} where {expected_seq} was expected (events missing or inserted)",
                    e.seq
                ),
            });
        }
        if e.prev_hash != prev {
            problems.push(ChainProblem {
                seq: e.seq,
                problem: "does not point at the previous event's hash".into(),
            });
        }
        let want = event_hash(&e.prev_hash, e);
        if e.hash != want {
            problems.push(ChainProblem {
                seq: e.seq,
                problem: "its content does not match its hash (altered)".into(),
            });
        }
        prev = e.hash.clone();
        expected_seq = e.seq + 1;
    }
    let last = expected_seq - 1;
    if head.0 != last || head.1 != prev {
        problems.push(ChainProblem {
            seq: head.0,
            problem: format!(
                "the head record says the chain ends at event {} with hash {}, the events end at {} with {}",
                head.0, head.1, last, prev
            ),
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: usize) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n as i64)
            .map(|seq| {
                let mut e = AuditEvent {
                    seq,
                    at: format!("2026-12-02T00:00:{:02}.000000Z", seq % 60),
                    actor: "张三".into(),
                    action: "update".into(),
                    object_kind: "app".into(),
                    object_id: format!("a{seq}"),
                    before_json: (seq > 1).then(|| format!("{{\"v\":{}}}", seq - 1)),
                    after_json: Some(format!("{{\"v\":{seq}}}")),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = event_hash(&prev, &e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn head(c: &[AuditEvent]) -> (i64, String) {
        c.last()
            .map(|e| (e.seq, e.hash.clone()))
            .unwrap_or((0, GENESIS.into()))
    }

    #[test]
    fn an_intact_chain_verifies() {
        for n in [0, 1, 5] {
            let c = chain(n);
            let h = head(&c);
            assert!(verify_chain(&c, (h.0, &h.1)).is_empty());
        }
    }

    #[test]
    fn field_boundaries_matter() {
        let c = chain(1);
        let mut e = c[0].clone();
        e.actor = "张".into();
        e.action = format!("三{}", e.action);
        assert_ne!(event_hash(GENESIS, &e), c[0].hash);
        let mut e = c[0].clone();
        e.before_json = Some(String::new());
        assert_ne!(event_hash(GENESIS, &e), event_hash(GENESIS, &c[0]));
    }

    proptest! {
        /// Any single alteration — a changed field, a removed, duplicated
        /// or swapped event, a truncated tail — is detected.
        #[test]
        fn any_tampering_is_detected(n in 1usize..12, pick in 0usize..100, how in 0u8..6, text in "\\PC{0,8}") {
            let c = chain(n);
            let (hs, hh) = head(&c);
            let i = pick % n;
            let mut t = c.clone();
            match how {
                0 => { t[i].actor.push_str(&text); t[i].actor.push('x'); }
                1 => { t[i].after_json = Some(format!("{text}!")); }
                2 => { t.remove(i); }
                3 => { let d = t[i].clone(); t.insert(i, d); }
                4 => { if n < 2 { t.remove(i); } else { t.swap(i, (i + 1) % n); } }
                _ => { t.truncate(i); }
            }
            prop_assert!(!verify_chain(&t, (hs, &hh)).is_empty());
        }
    }
}
