//! Administration (institution-wide grants only; the route table checks
//! ManageUsers / ManageOrg / ManagePolicy / ManageTokens): users and their
//! grants, the org tree, the institution's scan policy, everyone's API
//! tokens. The rules themselves are in `crate::accounts` and
//! `crate::policy`, shared with the JSON API.

use std::collections::BTreeMap;

use appgov_access::{AccountRole, AccountSource, Action, ApiToken, Grant, UserAccount};
use appgov_ledger::model::{OrgNode, Person};
use appgov_ledger::vocab::OrgKind;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;

use crate::accounts::{self, NewUser, UserChange, say};
use crate::auth::{Viewer, rfc3339_at};
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::policy;
use crate::render;
use crate::state::AppState;

/// `?msg=KEY`: a confirmation shown after a change (only catalog keys).
#[derive(Deserialize, Default)]
pub struct MsgQuery {
    pub msg: Option<String>,
}

pub fn notice(state: &AppState, msg: Option<&str>) -> Option<String> {
    msg.filter(|k| k.starts_with("done.") && state.messages.has(k))
        .map(str::to_string)
}

fn label(lang: Lang, zh: &str, en: &str) -> String {
    say(lang, zh, en)
}

fn role_options(lang: Lang) -> Vec<Value> {
    AccountRole::ALL
        .iter()
        .map(|r| context! { id => r.as_str(), label => label(lang, r.label_zh(), r.label_en()) })
        .collect()
}

fn org_options(nodes: &[OrgNode]) -> Vec<Value> {
    accounts::org_rows(nodes)
        .into_iter()
        .map(|(n, d)| context! { id => n.id, label => format!("{}{}", "　".repeat(d), n.name) })
        .collect()
}

fn grant_views(lang: Lang, grants: &[Grant], nodes: &[OrgNode]) -> Vec<Value> {
    grants
        .iter()
        .map(|g| {
            let org = g.org_id.as_ref().map(|o| {
                nodes
                    .iter()
                    .find(|n| &n.id == o)
                    .map(|n| n.name.clone())
                    .unwrap_or_else(|| o.clone())
            });
            context! {
                role => g.role.as_str(),
                role_label => label(lang, g.role.label_zh(), g.role.label_en()),
                org_id => g.org_id.clone(),
                org => org,
            }
        })
        .collect()
}

/// The administration areas this viewer may use (the sub-navigation).
fn tabs(viewer: &Viewer) -> Vec<(&'static str, &'static str)> {
    let Some(p) = &viewer.principal else {
        return vec![];
    };
    [
        (Action::ManageUsers, "admin.users", "/admin"),
        (Action::ManageOrg, "admin.orgs", "/admin/orgs"),
        (Action::ManagePolicy, "admin.policy", "/admin/policy"),
        (Action::ManageTokens, "admin.tokens", "/admin/tokens"),
    ]
    .into_iter()
    .filter(|(a, _, _)| p.may_somewhere(*a))
    .map(|(_, k, h)| (k, h))
    .collect()
}

fn page_with(
    state: &AppState,
    viewer: &Viewer,
    tmpl: &str,
    status: StatusCode,
    data: Value,
) -> Result<Response, PageError> {
    let data = context! { tabs => tabs(viewer), ..data };
    Ok((status, render::page(state, viewer, tmpl, data)?).into_response())
}

/// The status of a form answer that failed with `f`.
fn failed(f: &Failure) -> StatusCode {
    f.status()
}

fn actor_id(viewer: &Viewer) -> String {
    viewer
        .account
        .as_ref()
        .map(|a| a.id.clone())
        .unwrap_or_default()
}

// ---------------------------------------------------------------- users

pub async fn users(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let orgs = state.orgs().await?;
    let mut list = state.store.all::<UserAccount>().await?;
    list.sort_by(|a, b| a.login.cmp(&b.login));
    let mut rows = Vec::new();
    for u in &list {
        let locked = accounts::locked_until(&state, &u.login).await?.is_some();
        rows.push(context! {
            id => u.id.clone(),
            login => u.login.clone(),
            display_name => u.display_name.clone(),
            source => label(lang, u.source.label_zh(), u.source.label_en()),
            grants => grant_views(lang, &u.grants, &orgs.nodes),
            disabled => u.disabled,
            locked => locked,
        });
    }
    page_with(
        &state,
        &viewer,
        "admin_users.html",
        StatusCode::OK,
        context! { users => rows, notice => notice(&state, q.msg.as_deref()) },
    )
}

fn new_user_page(
    state: &AppState,
    viewer: &Viewer,
    nodes: &[OrgNode],
    form: &BTreeMap<String, String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, PageError> {
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let f = |k: &str| form.get(k).cloned().unwrap_or_default();
    page_with(
        state,
        viewer,
        "admin_user_new.html",
        status,
        context! {
            roles => role_options(viewer.lang),
            orgs => org_options(nodes),
            sso => state.config.oidc.is_some(),
            error => error,
            form => context! {
                login => f("login"), display_name => f("display_name"), email => f("email"),
                person => f("person"), oidc_subject => f("oidc_subject"),
                role => f("grant_0_role"), org => f("grant_0_org"),
                must_change => form.get("must_change").is_some() || form.is_empty(),
            },
        },
    )
}

pub async fn user_new(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    let orgs = state.orgs().await?;
    new_user_page(&state, &viewer, &orgs.nodes, &BTreeMap::new(), None)
}

/// Grants from form fields `grant_N_role` / `grant_N_org` (a row with no
/// role is left out; an empty org is institution-wide).
fn grants_from(form: &BTreeMap<String, String>) -> Result<Vec<Grant>, Failure> {
    let mut rows: BTreeMap<usize, (Option<String>, Option<String>)> = BTreeMap::new();
    for (k, v) in form {
        let Some(rest) = k.strip_prefix("grant_") else {
            continue;
        };
        let Some((n, field)) = rest.split_once('_') else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else {
            continue;
        };
        if n >= accounts::MAX_GRANTS * 2 {
            return Err(Failure::Invalid("too many grant rows".into()));
        }
        let v = v.trim();
        let e = rows.entry(n).or_default();
        match field {
            "role" if !v.is_empty() => e.0 = Some(v.to_string()),
            "org" if !v.is_empty() => e.1 = Some(v.to_string()),
            _ => {}
        }
    }
    rows.into_values()
        .filter_map(|(r, o)| r.map(|r| (r, o)))
        .map(|(r, o)| {
            let role = AccountRole::parse(&r)
                .ok_or_else(|| Failure::Invalid(format!("unknown role {r:?}")))?;
            Ok(Grant { role, org_id: o })
        })
        .collect()
}

fn form_map(pairs: Vec<(String, String)>) -> Result<BTreeMap<String, String>, Failure> {
    if pairs.len() > 200 {
        return Err(Failure::Invalid("too many fields".into()));
    }
    Ok(pairs.into_iter().collect())
}

pub async fn user_create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = form_map(pairs)?;
    let orgs = state.orgs().await?;
    let f = |k: &str| form.get(k).cloned();
    let result = async {
        let grants = grants_from(&form)?;
        let sso = f("oidc_subject").filter(|s| !s.trim().is_empty());
        if sso.is_none() && f("password") != f("password2") {
            return Err(Failure::Invalid(
                state.messages.get("auth.mismatch", viewer.lang).into(),
            ));
        }
        accounts::create_user(
            &state,
            &viewer.actor(),
            viewer.lang,
            NewUser {
                login: f("login").unwrap_or_default(),
                display_name: f("display_name").unwrap_or_default(),
                email: f("email"),
                person: f("person"),
                grants,
                password: if sso.is_some() { None } else { f("password") },
                must_change: form.contains_key("must_change"),
                oidc_subject: sso,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(u) => Ok(
            Redirect::to(&format!("/admin/users/{}?msg=done.user_created", u.id)).into_response(),
        ),
        Err(Failure::Internal(m)) => Err(Failure::Internal(m).into()),
        Err(e) => new_user_page(
            &state,
            &viewer,
            &orgs.nodes,
            &form,
            Some((failed(&e), e.message())),
        ),
    }
}

async fn user_page(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    msg: Option<&str>,
    error: Option<Failure>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let u = accounts::get_user(state, id).await?;
    let orgs = state.orgs().await?;
    let locked = accounts::locked_until(state, &u.login).await?;
    let person = match &u.person_id {
        Some(p) => state.store.get::<Person>(p).await?.map(|p| p.name),
        None => None,
    };
    let must_change = match u.source {
        AccountSource::Local => state
            .store
            .credential(&u.id)
            .await?
            .is_some_and(|c| c.must_change),
        AccountSource::Oidc => false,
    };
    let tokens = token_rows(
        lang,
        &state.store.find::<ApiToken>("user_id", &u.id).await?,
        &[],
        &state.store.token_uses().await?,
    );
    // The grant rows: the current ones, then two empty rows to add more.
    let mut grant_rows: Vec<Value> = u
        .grants
        .iter()
        .map(|g| context! { role => g.role.as_str(), org => g.org_id.clone().unwrap_or_default() })
        .collect();
    grant_rows.push(context! { role => "", org => "" });
    grant_rows.push(context! { role => "", org => "" });
    let status = error.as_ref().map(failed).unwrap_or(StatusCode::OK);
    page_with(
        state,
        viewer,
        "admin_user.html",
        status,
        context! {
            u => context! {
                id => u.id.clone(),
                login => u.login.clone(),
                display_name => u.display_name.clone(),
                email => u.email.clone().unwrap_or_default(),
                person => person.unwrap_or_default(),
                source => label(lang, u.source.label_zh(), u.source.label_en()),
                local => u.source == AccountSource::Local,
                oidc_subject => u.oidc_subject.clone(),
                disabled => u.disabled,
                created_at => u.created_at.clone(),
                grants => grant_views(lang, &u.grants, &orgs.nodes),
                must_change => must_change,
                locked_until => locked.map(rfc3339_at),
            },
            grant_rows => grant_rows,
            roles => role_options(lang),
            orgs => org_options(&orgs.nodes),
            tokens => tokens,
            notice => notice(state, msg),
            error => error.map(|e| e.message()),
        },
    )
}

pub async fn user_edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    user_page(&state, &viewer, &id, q.msg.as_deref(), None).await
}

/// After a change: back to the user's page with a notice, or the page
/// again with the error.
async fn after(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    r: Result<(), Failure>,
    done: &str,
) -> Result<Response, PageError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}?msg={done}")).into_response()),
        Err(Failure::Internal(m)) => Err(Failure::Internal(m).into()),
        Err(Failure::NotFound(m)) => Err(Failure::NotFound(m).into()),
        Err(e) => user_page(state, viewer, id, None, Some(e)).await,
    }
}

pub async fn user_details(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = form_map(pairs)?;
    let r = accounts::change_user(
        &state,
        &viewer.actor(),
        &actor_id(&viewer),
        viewer.lang,
        &id,
        UserChange {
            display_name: form.get("display_name").cloned(),
            email: Some(form.get("email").cloned()),
            person: Some(form.get("person").cloned()),
            ..Default::default()
        },
    )
    .await
    .map(|_| ());
    after(&state, &viewer, &id, r, "done.saved").await
}

pub async fn user_grants(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = form_map(pairs)?;
    let r = async {
        let grants = grants_from(&form)?;
        accounts::change_user(
            &state,
            &viewer.actor(),
            &actor_id(&viewer),
            viewer.lang,
            &id,
            UserChange {
                grants: Some(grants),
                ..Default::default()
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    after(&state, &viewer, &id, r, "done.grants").await
}

pub async fn user_disable(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    set_disabled(state, viewer, id, true).await
}

pub async fn user_enable(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    set_disabled(state, viewer, id, false).await
}

async fn set_disabled(
    state: AppState,
    viewer: Viewer,
    id: String,
    disabled: bool,
) -> Result<Response, PageError> {
    let r = accounts::change_user(
        &state,
        &viewer.actor(),
        &actor_id(&viewer),
        viewer.lang,
        &id,
        UserChange {
            disabled: Some(disabled),
            ..Default::default()
        },
    )
    .await
    .map(|_| ());
    let done = if disabled {
        "done.disabled"
    } else {
        "done.enabled"
    };
    after(&state, &viewer, &id, r, done).await
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
    password2: String,
    #[serde(default)]
    must_change: Option<String>,
}

pub async fn user_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<ResetForm>,
) -> Result<Response, PageError> {
    let r = if f.password != f.password2 {
        Err(Failure::Invalid(
            state.messages.get("auth.mismatch", viewer.lang).into(),
        ))
    } else {
        accounts::reset_password(
            &state,
            &viewer.actor(),
            viewer.lang,
            &id,
            &f.password,
            f.must_change.is_some(),
        )
        .await
    };
    after(&state, &viewer, &id, r, "done.password_reset").await
}

pub async fn user_unlock(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = accounts::unlock(&state, &viewer.actor(), &id).await;
    after(&state, &viewer, &id, r, "done.unlocked").await
}

// ---------------------------------------------------------------- tokens

/// Rows for a token table; `users` names owners (empty: not shown).
pub fn token_rows(
    lang: Lang,
    tokens: &[ApiToken],
    users: &[UserAccount],
    uses: &std::collections::HashMap<String, (String, Option<String>)>,
) -> Vec<Value> {
    let mut tokens: Vec<&ApiToken> = tokens.iter().collect();
    tokens.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    tokens
        .into_iter()
        .map(|t| {
            let state = accounts::token_state(t);
            context! {
                id => t.id.clone(),
                name => t.name.clone(),
                hint => t.hint.clone(),
                scopes => t.scopes.iter().map(|s| label(lang, s.label_zh(), s.label_en())).collect::<Vec<_>>(),
                created_at => t.created_at.clone(),
                expires_at => t.expires_at.clone(),
                revoked_at => t.revoked_at.clone(),
                state => state,
                active => state == "active",
                owner => users.iter().find(|u| u.id == t.user_id).map(|u| u.login.clone()),
                last_used_at => uses.get(&t.id).map(|u| appgov_workflow::clock::beijing(&u.0)),
                last_used_from => uses.get(&t.id).and_then(|u| u.1.clone()),
            }
        })
        .collect()
}

pub async fn tokens(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    let all = state.store.all::<ApiToken>().await?;
    let users = state.store.all::<UserAccount>().await?;
    page_with(
        &state,
        &viewer,
        "admin_tokens.html",
        StatusCode::OK,
        context! {
            tokens => token_rows(viewer.lang, &all, &users, &state.store.token_uses().await?),
            notice => notice(&state, q.msg.as_deref()),
        },
    )
}

pub async fn token_revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    accounts::revoke_token(&state, &viewer.actor(), &id, None).await?;
    Ok(Redirect::to("/admin/tokens?msg=done.token_revoked").into_response())
}

// ---------------------------------------------------------------- org tree

async fn orgs_page(
    state: &AppState,
    viewer: &Viewer,
    msg: Option<&str>,
    error: Option<Failure>,
) -> Result<Response, PageError> {
    let lang = viewer.lang;
    let orgs = state.orgs().await?;
    let rows: Vec<Value> = accounts::org_rows(&orgs.nodes)
        .into_iter()
        .map(|(n, depth)| {
            context! {
                id => n.id.clone(),
                name => n.name.clone(),
                kind => label(lang, n.kind.label_zh(), n.kind.label_en()),
                parent_id => n.parent_id.clone().unwrap_or_default(),
                depth => depth,
                indent => "　".repeat(depth),
            }
        })
        .collect();
    let kinds: Vec<Value> = OrgKind::ALL
        .iter()
        .map(|k| context! { id => k.as_str(), label => label(lang, k.label_zh(), k.label_en()) })
        .collect();
    let status = error.as_ref().map(failed).unwrap_or(StatusCode::OK);
    page_with(
        state,
        viewer,
        "admin_orgs.html",
        status,
        context! {
            nodes => rows,
            options => org_options(&orgs.nodes),
            kinds => kinds,
            notice => notice(state, msg),
            error => error.map(|e| e.message()),
        },
    )
}

pub async fn orgs(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    orgs_page(&state, &viewer, q.msg.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct OrgForm {
    name: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    parent_id: Option<String>,
}

fn parent_of(f: &OrgForm) -> Option<String> {
    f.parent_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

async fn org_done(
    state: &AppState,
    viewer: &Viewer,
    r: Result<(), Failure>,
    done: &str,
) -> Result<Response, PageError> {
    state.orgs_changed();
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/admin/orgs?msg={done}")).into_response()),
        Err(Failure::Internal(m)) => Err(Failure::Internal(m).into()),
        Err(e) => orgs_page(state, viewer, None, Some(e)).await,
    }
}

pub async fn org_add(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<OrgForm>,
) -> Result<Response, PageError> {
    let r = async {
        let kind = f
            .kind
            .as_deref()
            .and_then(OrgKind::parse)
            .ok_or_else(|| Failure::Invalid(format!("unknown org kind {:?}", f.kind)))?;
        let parent = parent_of(&f);
        if let Some(p) = &parent
            && state.store.get::<OrgNode>(p).await?.is_none()
        {
            return Err(Failure::Invalid(format!("no org node {p}")));
        }
        let mut node = OrgNode {
            id: String::new(),
            kind,
            name: f.name.trim().to_string(),
            parent_id: parent,
            credit_code: None,
            regulator: None,
            version: 0,
        };
        let mut tx = state.store.write(&viewer.actor()).await?;
        tx.insert(&mut node).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    org_done(&state, &viewer, r, "done.org_added").await
}

/// Deletes a node nothing refers to: no child nodes, apps (as department
/// or operator), people, publishing accounts or account grants. Otherwise
/// refuses, saying what still refers to it — the ledger never loses an
/// app's place in the tree by a deletion.
pub async fn org_delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let r = async {
        let store = &state.store;
        let node = store
            .get::<OrgNode>(&id)
            .await?
            .ok_or_else(|| Failure::NotFound(format!("no org node {id}")))?;
        let children = store.find::<OrgNode>("parent_id", &id).await?.len();
        let mut apps = store
            .find::<appgov_ledger::model::App>("department_id", &id)
            .await?;
        for a in store
            .find::<appgov_ledger::model::App>("operator_id", &id)
            .await?
        {
            if !apps.iter().any(|x| x.id == a.id) {
                apps.push(a);
            }
        }
        let people = store
            .find::<appgov_ledger::model::Person>("org_id", &id)
            .await?
            .len();
        let accounts = store
            .find::<appgov_ledger::model::PublishingAccount>("holder_org_id", &id)
            .await?
            .len();
        let users = store
            .all::<UserAccount>()
            .await?
            .iter()
            .filter(|u| {
                u.grants
                    .iter()
                    .any(|g| g.org_id.as_deref() == Some(id.as_str()))
            })
            .count();
        let mut refs = Vec::new();
        for (n, zh, en) in [
            (children, "下级节点", "child nodes"),
            (apps.len(), "应用", "apps"),
            (people, "人员", "people"),
            (accounts, "发布账号", "publishing accounts"),
            (users, "账号授权", "user grants"),
        ] {
            if n > 0 {
                refs.push(match viewer.lang {
                    Lang::Zh => format!("{zh} {n} 个"),
                    Lang::En => format!("{n} {en}"),
                });
            }
        }
        if !refs.is_empty() {
            return Err(Failure::Conflict(match viewer.lang {
                Lang::Zh => format!(
                    "“{}”仍被引用，不能删除：{}。请先移走或改挂这些记录。",
                    node.name,
                    refs.join("、")
                ),
                Lang::En => format!(
                    "{} is still referred to and cannot be deleted: {}. Move those records first.",
                    node.name,
                    refs.join(", ")
                ),
            }));
        }
        let mut tx = store.write(&viewer.actor()).await?;
        tx.delete::<OrgNode>(&id, node.version).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    org_done(&state, &viewer, r, "done.org_deleted").await
}

/// Renames and/or moves a node. A node cannot move under itself or its
/// own subtree (the tree would become a loop).
pub async fn org_change(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(f): Form<OrgForm>,
) -> Result<Response, PageError> {
    let r = async {
        let mut tx = state.store.write(&viewer.actor()).await?;
        let mut node = tx
            .get::<OrgNode>(&id)
            .await?
            .ok_or_else(|| Failure::NotFound(format!("no org node {id}")))?;
        let parent = parent_of(&f);
        if let Some(p) = &parent {
            let all = state.store.all::<OrgNode>().await?;
            if !all.iter().any(|n| &n.id == p) {
                return Err(Failure::Invalid(format!("no org node {p}")));
            }
            let tree = appgov_access::OrgTree::new(&all);
            if tree.within(p, &id) {
                return Err(Failure::Conflict(say(
                    viewer.lang,
                    "不能把节点移到它自己或它的下级之下",
                    "a node cannot move under itself or its own subtree",
                )));
            }
        }
        node.name = f.name.trim().to_string();
        node.parent_id = parent;
        if let Some(k) = f.kind.as_deref().filter(|k| !k.is_empty()) {
            node.kind = OrgKind::parse(k)
                .ok_or_else(|| Failure::Invalid(format!("unknown org kind {k:?}")))?;
        }
        tx.update(&mut node).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    org_done(&state, &viewer, r, "done.saved").await
}

// ---------------------------------------------------------------- policy

#[derive(Deserialize, Default)]
pub struct PolicyQuery {
    msg: Option<String>,
    /// Show an earlier version's text (its SHA-256).
    version: Option<String>,
}

async fn policy_page(
    state: &AppState,
    viewer: &Viewer,
    q: &PolicyQuery,
    draft: Option<String>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let versions = policy::versions(state).await?;
    let current = versions.first().cloned();
    let shown = match &q.version {
        Some(d) if versions.iter().any(|v| &v.sha256 == d) => Some(d.clone()),
        _ => current.as_ref().map(|v| v.sha256.clone()),
    };
    let text = match (&draft, &shown) {
        (Some(t), _) => t.clone(),
        (None, Some(d)) => policy::text_of(state, d)?,
        (None, None) => String::new(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    page_with(
        state,
        viewer,
        "admin_policy.html",
        status,
        context! {
            text => text,
            errors => errors,
            versions => versions.iter().map(|v| context! {
                at => v.at.clone(), actor => v.actor.clone(), sha256 => v.sha256.clone(), size => v.size,
            }).collect::<Vec<_>>(),
            current => current.map(|v| v.sha256),
            shown => shown,
            notice => notice(state, q.msg.as_deref()),
            max_kib => policy::MAX_BYTES / 1024,
        },
    )
}

pub async fn policy_edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PolicyQuery>,
) -> Result<Response, PageError> {
    policy_page(&state, &viewer, &q, None, vec![]).await
}

#[derive(Deserialize)]
pub struct PolicyForm {
    text: String,
}

pub async fn policy_save(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(f): Form<PolicyForm>,
) -> Result<Response, PageError> {
    // Browsers send CRLF from a textarea; store what `appgov scan` reads.
    let text = f.text.replace("\r\n", "\n");
    if text.len() <= policy::MAX_BYTES
        && !text.trim().is_empty()
        && let Err(errors) = policy::check(&state, &text)
    {
        return policy_page(&state, &viewer, &PolicyQuery::default(), Some(text), errors).await;
    }
    match policy::save(&state, &viewer.actor(), &text).await {
        Ok(_) => Ok(Redirect::to("/admin/policy?msg=done.policy_saved").into_response()),
        Err(Failure::Internal(m)) => Err(Failure::Internal(m).into()),
        Err(e) => {
            policy_page(
                &state,
                &viewer,
                &PolicyQuery::default(),
                Some(text),
                vec![e.message()],
            )
            .await
        }
    }
}
