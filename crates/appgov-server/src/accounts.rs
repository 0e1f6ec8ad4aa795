//! Account administration and API tokens: the operations the pages
//! (`pages::admin`, `pages::account`) and the JSON API (`api::accounts`)
//! share, so both apply the same rules — password policy, who keeps
//! administration, sessions ended when access changes, token scopes never
//! beyond the user's roles.

use appgov_access::UserAccount;
use appgov_access::password;
use appgov_access::secret;
use appgov_access::throttle::{self, Failures, ThrottleRules, Verdict};
use appgov_access::{AccountRole, AccountSource, Action, ApiToken, Grant, Principal, TokenScope};
use appgov_ledger::model::{OrgNode, Person};

use crate::auth::{now_unix, rfc3339_at};
use crate::error::Failure;
use crate::i18n::Lang;
use crate::state::AppState;

/// Longest token lifetime, and the default.
pub const TOKEN_MAX_DAYS: i64 = 365;
pub const TOKEN_DEFAULT_DAYS: i64 = 90;
/// Most grants one account holds (a bound on form and API input).
pub const MAX_GRANTS: usize = 32;

/// Picks the message in the viewer's language.
pub fn say(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    }
}

/// What a new local or single sign-on account is made of.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    /// A person's id or exact name.
    pub person: Option<String>,
    pub grants: Vec<Grant>,
    /// A local account's first password (None with `oidc_subject`).
    pub password: Option<String>,
    pub must_change: bool,
    /// An account of the configured identity provider, by its subject.
    pub oidc_subject: Option<String>,
}

fn clean(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Resolves a person by id or exact name.
pub async fn resolve_person(
    state: &AppState,
    key: Option<&str>,
) -> Result<Option<String>, Failure> {
    let Some(key) = clean(key) else {
        return Ok(None);
    };
    if let Some(p) = state.store.get::<Person>(&key).await? {
        return Ok(Some(p.id));
    }
    let found = state.store.find::<Person>("name", &key).await?;
    match found.as_slice() {
        [p] => Ok(Some(p.id.clone())),
        [] => Err(Failure::Invalid(format!(
            "没有名为 {key:?} 的人员 / no person named {key:?}"
        ))),
        _ => Err(Failure::Invalid(format!(
            "有多名人员叫 {key:?}，请填写编号 / several people are named {key:?}: give the id"
        ))),
    }
}

/// Checks grants: known org nodes, at most [`MAX_GRANTS`], no duplicates.
pub async fn check_grants(state: &AppState, grants: &[Grant]) -> Result<Vec<Grant>, Failure> {
    if grants.len() > MAX_GRANTS {
        return Err(Failure::Invalid(format!(
            "最多 {MAX_GRANTS} 项授权 / at most {MAX_GRANTS} grants"
        )));
    }
    let orgs = state.orgs().await?;
    for g in grants {
        if let Some(o) = &g.org_id
            && !orgs.nodes.iter().any(|n| &n.id == o)
        {
            return Err(Failure::Invalid(format!(
                "没有组织节点 {o} / no org node {o}"
            )));
        }
    }
    let mut g = grants.to_vec();
    g.sort();
    g.dedup();
    Ok(g)
}

async fn hash_password(pw: String) -> Result<String, Failure> {
    tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))
}

/// Checks a new password against the policy (the message in `lang`).
pub fn check_password(lang: Lang, pw: &str, login: &str) -> Result<(), Failure> {
    password::check_policy(pw, login).map_err(|w| Failure::Invalid(say(lang, w.zh, w.en)))
}

/// Creates an account (audited as `actor`).
pub async fn create_user(
    state: &AppState,
    actor: &str,
    lang: Lang,
    n: NewUser,
) -> Result<UserAccount, Failure> {
    let login = n.login.trim().to_lowercase();
    if !appgov_access::account::valid_login(&login) {
        return Err(Failure::Invalid(say(
            lang,
            &format!("登录名 {login:?} 只能包含 a–z、0–9 和 . _ - @（最多 64 个字符）"),
            &format!("login {login:?}: use a–z, 0–9 and . _ - @ (at most 64 characters)"),
        )));
    }
    if !state
        .store
        .find::<UserAccount>("login", &login)
        .await?
        .is_empty()
    {
        return Err(Failure::Conflict(say(
            lang,
            &format!("登录名 {login} 已被使用"),
            &format!("the login {login} is taken"),
        )));
    }
    let oidc_subject = clean(n.oidc_subject.as_deref());
    let issuer = match (&oidc_subject, &state.config.oidc) {
        (Some(_), Some(o)) => Some(o.issuer.clone()),
        (Some(_), None) => {
            return Err(Failure::Invalid(say(
                lang,
                "未配置统一身份认证（[oidc]）",
                "single sign-on ([oidc]) is not configured",
            )));
        }
        (None, _) => None,
    };
    let pw = match (&oidc_subject, &n.password) {
        (None, Some(pw)) => {
            check_password(lang, pw, &login)?;
            Some(pw.clone())
        }
        (None, None) => {
            return Err(Failure::Invalid(say(
                lang,
                "本地账号需要初始密码",
                "a local account needs a first password",
            )));
        }
        (Some(_), _) => None,
    };
    let grants = check_grants(state, &n.grants).await?;
    let person_id = resolve_person(state, n.person.as_deref()).await?;
    let mut user = UserAccount {
        id: String::new(),
        login: login.clone(),
        display_name: clean(Some(&n.display_name)).unwrap_or_else(|| login.clone()),
        person_id,
        email: clean(n.email.as_deref()),
        locale: None,
        grants,
        source: if oidc_subject.is_some() {
            AccountSource::Oidc
        } else {
            AccountSource::Local
        },
        oidc_issuer: issuer,
        oidc_subject,
        disabled: false,
        created_at: appgov_workflow::now_rfc3339(),
        version: 0,
    };
    let hash = match pw {
        Some(pw) => Some(hash_password(pw).await?),
        None => None,
    };
    let mut tx = state.store.write(actor).await?;
    tx.insert(&mut user).await?;
    tx.commit().await?;
    if let Some(h) = hash {
        state
            .store
            .set_password(actor, &user.id, &h, n.must_change)
            .await?;
    }
    Ok(user)
}

/// Whether, with `user` changed to `after`, some enabled account still
/// holds institution-wide administration (nobody may lock everyone out).
async fn administration_kept(state: &AppState, after: &UserAccount) -> Result<bool, Failure> {
    let users = state.store.all::<UserAccount>().await?;
    Ok(users
        .iter()
        .map(|u| if u.id == after.id { after } else { u })
        .any(|u| {
            !u.disabled
                && u.grants
                    .iter()
                    .any(|g| g.role == AccountRole::Administrator && g.org_id.is_none())
        }))
}

fn last_admin(lang: Lang) -> Failure {
    Failure::Conflict(say(
        lang,
        "这样将没有可用的全机构系统管理员账号，操作被拒绝",
        "refused: no enabled institution-wide administrator would remain",
    ))
}

pub async fn get_user(state: &AppState, id: &str) -> Result<UserAccount, Failure> {
    state
        .store
        .get::<UserAccount>(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("没有账号 {id} / no account {id}")))
}

/// What an administrator may change on an account (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub person: Option<Option<String>>,
    pub grants: Option<Vec<Grant>>,
    pub disabled: Option<bool>,
}

/// Applies a change. Changing grants or disabling ends the account's
/// sessions at once (its next request is anonymous).
pub async fn change_user(
    state: &AppState,
    actor: &str,
    actor_id: &str,
    lang: Lang,
    id: &str,
    c: UserChange,
) -> Result<UserAccount, Failure> {
    let mut u = get_user(state, id).await?;
    let before = u.clone();
    if let Some(n) = c.display_name {
        u.display_name = n.trim().to_string();
    }
    if let Some(e) = c.email {
        u.email = clean(e.as_deref());
    }
    if let Some(p) = c.person {
        u.person_id = resolve_person(state, p.as_deref()).await?;
    }
    if let Some(g) = c.grants {
        u.grants = check_grants(state, &g).await?;
    }
    if let Some(d) = c.disabled {
        if d && u.id == actor_id {
            return Err(Failure::Conflict(say(
                lang,
                "不能停用自己的账号",
                "you cannot disable your own account",
            )));
        }
        u.disabled = d;
    }
    if !administration_kept(state, &u).await? {
        return Err(last_admin(lang));
    }
    let mut tx = state.store.write(actor).await?;
    tx.update(&mut u).await?;
    tx.commit().await?;
    if u.grants != before.grants || (u.disabled && !before.disabled) {
        state.store.delete_user_sessions(&u.id).await?;
    }
    Ok(u)
}

/// Sets a new password for a local account (by an administrator: usually
/// with `must_change`); ends its sessions.
pub async fn reset_password(
    state: &AppState,
    actor: &str,
    lang: Lang,
    id: &str,
    pw: &str,
    must_change: bool,
) -> Result<(), Failure> {
    let u = get_user(state, id).await?;
    if u.source != AccountSource::Local {
        return Err(Failure::Conflict(say(
            lang,
            "单点登录账号没有本地密码",
            "single sign-on accounts have no local password",
        )));
    }
    check_password(lang, pw, &u.login)?;
    let h = hash_password(pw.to_string()).await?;
    state
        .store
        .set_password(actor, &u.id, &h, must_change)
        .await?;
    state.store.delete_user_sessions(&u.id).await?;
    Ok(())
}

/// The throttle key of a login (as `auth::login_submit` counts it).
pub fn login_key(login: &str) -> String {
    format!("login:{login}")
}

/// When the login's lockout ends (unix time), if it is locked now.
pub async fn locked_until(state: &AppState, login: &str) -> Result<Option<i64>, Failure> {
    let rules = ThrottleRules::default();
    let now = now_unix();
    let since = now - rules.window_secs - rules.lockout_secs;
    let f = Failures {
        times: state.store.login_failures(&login_key(login), since).await?,
    };
    Ok(
        match throttle::judge(&f, &Failures::default(), now, &rules) {
            Verdict::LoginLocked(u) => Some(u),
            _ => None,
        },
    )
}

/// Clears an account's failed sign-ins (ends a lockout), noted in the
/// audit trail.
pub async fn unlock(state: &AppState, actor: &str, id: &str) -> Result<(), Failure> {
    let u = get_user(state, id).await?;
    state
        .store
        .clear_login_failures(&login_key(&u.login))
        .await?;
    let mut tx = state.store.write(actor).await?;
    tx.note(
        "unlock",
        "login_lockout",
        &u.id,
        &serde_json::json!({ "login": u.login }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The token scopes the account's roles allow: a scope is allowed when
/// some action it covers is allowed somewhere by a grant.
pub fn allowed_scopes(grants: &[Grant]) -> Vec<TokenScope> {
    let p = Principal {
        user_id: String::new(),
        login: String::new(),
        grants: grants.to_vec(),
        token_scopes: None,
    };
    TokenScope::ALL
        .iter()
        .copied()
        .filter(|s| {
            Action::ALL
                .iter()
                .any(|a| a.token_scope() == Some(*s) && p.may_somewhere(*a))
        })
        .collect()
}

/// A new token request.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub expires_days: i64,
}

/// Creates a token for `user`: returns the record and the token itself
/// (shown once; only its SHA-256 is kept).
pub async fn create_token(
    state: &AppState,
    actor: &str,
    lang: Lang,
    user: &UserAccount,
    t: NewToken,
) -> Result<(ApiToken, String), Failure> {
    let name = t.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Failure::Invalid(say(
            lang,
            "令牌名称必填，最多 100 个字符",
            "a token needs a name of at most 100 characters",
        )));
    }
    if t.expires_days < 1 || t.expires_days > TOKEN_MAX_DAYS {
        return Err(Failure::Invalid(say(
            lang,
            &format!("有效期为 1 至 {TOKEN_MAX_DAYS} 天"),
            &format!("a token lasts 1 to {TOKEN_MAX_DAYS} days"),
        )));
    }
    let mut scopes = t.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(Failure::Invalid(say(
            lang,
            "请至少选择一项权限范围",
            "choose at least one scope",
        )));
    }
    let allowed = allowed_scopes(&user.grants);
    if let Some(s) = scopes.iter().find(|s| !allowed.contains(s)) {
        return Err(Failure::Invalid(say(
            lang,
            &format!("您的角色不允许令牌范围“{}”", s.label_zh()),
            &format!("your roles do not allow the token scope {}", s.as_str()),
        )));
    }
    let token = secret::new_token();
    let now = now_unix();
    let mut rec = ApiToken {
        id: String::new(),
        user_id: user.id.clone(),
        name,
        token_sha256: secret::digest(&token),
        hint: token.chars().take(10).collect(),
        scopes,
        created_at: rfc3339_at(now),
        expires_at: rfc3339_at(now + t.expires_days * 86_400),
        revoked_at: None,
        version: 0,
    };
    let mut tx = state.store.write(actor).await?;
    tx.insert(&mut rec).await?;
    tx.commit().await?;
    Ok((rec, token))
}

/// Revokes a token (no-op when already revoked). `owner`: when Some, the
/// token must belong to that user (one's own tokens).
pub async fn revoke_token(
    state: &AppState,
    actor: &str,
    id: &str,
    owner: Option<&str>,
) -> Result<ApiToken, Failure> {
    let not_found = || Failure::NotFound(format!("没有令牌 {id} / no token {id}"));
    let mut t = state
        .store
        .get::<ApiToken>(id)
        .await?
        .ok_or_else(not_found)?;
    if owner.is_some_and(|o| o != t.user_id) {
        // Someone else's token looks like no token at all.
        return Err(not_found());
    }
    if t.revoked_at.is_none() {
        t.revoked_at = Some(rfc3339_at(now_unix()));
        let mut tx = state.store.write(actor).await?;
        tx.update(&mut t).await?;
        tx.commit().await?;
    }
    Ok(t)
}

/// A token's state now: `active`, `expired` or `revoked`.
pub fn token_state(t: &ApiToken) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.active(&rfc3339_at(now_unix())) {
        "active"
    } else {
        "expired"
    }
}

/// Org nodes in tree order with their depth (for selects and the tree
/// page); nodes in a cycle or under a missing parent come last, at depth 0.
pub fn org_rows(nodes: &[OrgNode]) -> Vec<(OrgNode, usize)> {
    let mut out = Vec::new();
    let mut placed = std::collections::BTreeSet::new();
    fn walk(
        nodes: &[OrgNode],
        parent: Option<&str>,
        depth: usize,
        out: &mut Vec<(OrgNode, usize)>,
        placed: &mut std::collections::BTreeSet<String>,
    ) {
        let mut kids: Vec<&OrgNode> = nodes
            .iter()
            .filter(|n| n.parent_id.as_deref() == parent)
            .collect();
        kids.sort_by(|a, b| a.name.cmp(&b.name));
        for k in kids {
            if depth > 64 || !placed.insert(k.id.clone()) {
                continue;
            }
            out.push((k.clone(), depth));
            walk(nodes, Some(&k.id), depth + 1, out, placed);
        }
    }
    walk(nodes, None, 0, &mut out, &mut placed);
    for n in nodes {
        if !placed.contains(&n.id) {
            out.push((n.clone(), 0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_scopes_follow_roles() {
        let g = |r| {
            vec![Grant {
                role: r,
                org_id: None,
            }]
        };
        assert_eq!(
            allowed_scopes(&g(AccountRole::Auditor)),
            vec![TokenScope::Read]
        );
        assert_eq!(
            allowed_scopes(&g(AccountRole::AppOwner)),
            vec![TokenScope::Read, TokenScope::Releases, TokenScope::Ledger]
        );
        assert_eq!(
            allowed_scopes(&g(AccountRole::SecurityReviewer)),
            vec![TokenScope::Read, TokenScope::Releases, TokenScope::Ledger]
        );
        assert_eq!(
            allowed_scopes(&[Grant {
                role: AccountRole::AppOwner,
                org_id: Some("branch".into())
            }]),
            vec![TokenScope::Read, TokenScope::Releases, TokenScope::Ledger]
        );
        assert!(allowed_scopes(&[]).is_empty());
    }
}
