//! The institution's scan policy (the TOML `appgov scan --policy` reads),
//! kept audited and versioned without a table of its own:
//!
//! - the text goes into the content-addressed file store (never
//!   overwritten, checked on every read);
//! - each saved version is an audit event (`policy-version` on object
//!   `institution_policy/current`) carrying the text's SHA-256, written in
//!   its own audited transaction — so the hash chain says who set which
//!   text when, and the latest such event is the policy in force.
//!
//! A `server_setting` would not do: it is not audited, so a changed policy
//! (which decides which findings count) could not be traced. A table would
//! need a migration for one row; an audit note is the record.

use std::sync::Mutex;

use appgov_checks::policy::Policy;
use appgov_store::AuditEvent;
use serde::Serialize;

use crate::error::Failure;
use crate::state::AppState;

/// The audit event kind and object of policy versions.
pub const KIND: &str = "institution_policy";
pub const OBJECT: &str = "current";
const ACTION: &str = "policy-version";
/// Largest policy text accepted (policies are a few kilobytes).
pub const MAX_BYTES: usize = 512 * 1024;

/// One saved version of the policy.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyVersion {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub sha256: String,
    pub size: u64,
}

fn version_of(e: &AuditEvent) -> Option<PolicyVersion> {
    if e.action != ACTION {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(e.after_json.as_deref()?).ok()?;
    Some(PolicyVersion {
        seq: e.seq,
        at: e.at.clone(),
        actor: e.actor.clone(),
        sha256: v.get("sha256")?.as_str()?.to_string(),
        size: v.get("size").and_then(|s| s.as_u64()).unwrap_or(0),
    })
}

/// Every saved version, newest first.
pub async fn versions(state: &AppState) -> Result<Vec<PolicyVersion>, Failure> {
    let mut v: Vec<PolicyVersion> = state
        .store
        .notes(KIND, OBJECT)
        .await?
        .iter()
        .filter_map(version_of)
        .collect();
    v.reverse();
    Ok(v)
}

/// The text of a stored version.
pub fn text_of(state: &AppState, sha256: &str) -> Result<String, Failure> {
    let bytes = state
        .store
        .files()
        .get(sha256)
        .map_err(|e| Failure::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| Failure::Internal("policy text is not UTF-8".into()))
}

/// The text in force (None: no policy has been saved, or the last saved
/// text is empty — the built-in defaults apply).
pub async fn current_text(state: &AppState) -> Result<Option<(PolicyVersion, String)>, Failure> {
    let Some(v) = versions(state).await?.into_iter().next() else {
        return Ok(None);
    };
    let text = text_of(state, &v.sha256)?;
    Ok((!text.trim().is_empty()).then_some((v, text)))
}

/// The last parsed policy, by the digest of its text, so scan workers
/// asking for every job parse it once.
static PARSED: Mutex<Option<(String, Policy)>> = Mutex::new(None);

/// The institution's policy in force, for the scan workers: None when none
/// is set (or it cannot be read — reported on standard error, since a
/// scan must not fail for it; the page shows the same problem).
pub async fn current_policy(state: &AppState) -> Option<Policy> {
    let (v, text) = match current_text(state).await {
        Ok(Some(x)) => x,
        Ok(None) => return None,
        Err(f) => {
            eprintln!("appgov serve: the institution's policy: {}", f.message());
            return None;
        }
    };
    if let Some((d, p)) = PARSED.lock().expect("policy cache lock").as_ref()
        && *d == v.sha256
    {
        return Some(p.clone());
    }
    match appgov_workflow::parse_policy(&text, &state.knowledge) {
        Ok(p) => {
            *PARSED.lock().expect("policy cache lock") = Some((v.sha256, p.clone()));
            Some(p)
        }
        Err(e) => {
            // Saved texts were validated; a later knowledge update can
            // still make one invalid (an SDK id removed).
            eprintln!("appgov serve: the institution's policy no longer validates: {e}");
            None
        }
    }
}

/// Validates `text` and, when valid, saves it as the new version (audited
/// as `actor`). Errors are people-readable, with line numbers where the
/// text shows where.
pub async fn save(state: &AppState, actor: &str, text: &str) -> Result<PolicyVersion, Failure> {
    if text.len() > MAX_BYTES {
        return Err(Failure::TooLarge(format!(
            "策略文件超过 {} KiB / the policy exceeds {} KiB",
            MAX_BYTES / 1024,
            MAX_BYTES / 1024
        )));
    }
    if !text.trim().is_empty() {
        check(state, text).map_err(|errors| Failure::Invalid(errors.join("\n")))?;
    }
    let digest = state
        .store
        .files()
        .put(text.as_bytes())
        .map_err(|e| Failure::Internal(e.to_string()))?;
    let mut tx = state.store.write(actor).await?;
    tx.note(
        ACTION,
        KIND,
        OBJECT,
        &serde_json::json!({ "sha256": digest, "size": text.len() }),
    )
    .await?;
    tx.commit().await?;
    versions(state)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Internal("the saved policy version is missing".into()))
}

/// Validates a policy text against the knowledge; the errors, each with
/// its line where one can be found.
pub fn check(state: &AppState, text: &str) -> Result<Policy, Vec<String>> {
    appgov_workflow::parse_policy(text, &state.knowledge).map_err(|e| locate(text, &e))
}

/// TOML syntax errors already name their line; the policy's own checks
/// ("unknown SDK id \"x\"") name the value, so find the first line that
/// holds it.
fn locate(text: &str, error: &str) -> Vec<String> {
    if error.contains("line ") {
        return vec![error.to_string()];
    }
    let body = error.strip_prefix("policy: ").unwrap_or(error);
    body.split("; ")
        .map(|problem| {
            let quoted = problem
                .split('"')
                .nth(1)
                .filter(|q| !q.is_empty())
                .map(|q| format!("\"{q}\""));
            let line =
                quoted.and_then(|q| text.lines().position(|l| l.contains(&q)).map(|i| i + 1));
            match line {
                Some(n) => format!("第 {n} 行 / line {n}: {problem}"),
                None => problem.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_name_their_line() {
        let text = "schema = 1\n[sdks]\nblocked = [\"no-such-sdk\"]\n";
        let e = locate(text, "policy: unknown SDK id \"no-such-sdk\" (see catalog)");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("第 3 行 / line 3:"), "{e:?}");
        let e = locate(text, "policy: TOML parse error at line 2, column 3");
        assert_eq!(e, vec!["policy: TOML parse error at line 2, column 3"]);
    }
}
