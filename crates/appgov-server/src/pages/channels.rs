//! Where apps are published: an app's listings on channels (added and
//! changed from the app's page) and the institution's publishing accounts
//! (`/accounts`). Article 8 wants apps published only through accounts the
//! institution holds; the admission gate checks exactly these records.
//!
//! Who may do what: listings are the app's records (EditApp on the app).
//! A publishing account is recorded by anyone who may edit apps, held by
//! an org node in their scopes or by the institution above them (branch
//! staff publish through the bank's account); its security attributes
//! (two-factor sign-in, access reviews, status) are kept by those who may
//! edit apps where the holder sits (EditApp on the account).

use appgov_access::{Action, OrgTree, Principal};
use appgov_ledger::model::{App, Listing, OrgNode, Person, PublishingAccount};
use appgov_ledger::vocab::{AccountStatus, Channel, ListingState};
use appgov_workflow::channels::{self, new_account, new_listing};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::value::Serde;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Viewer;
use crate::error::{Failure, PageError};
use crate::i18n::Lang;
use crate::render;
use crate::state::{AppState as Shared, OrgCache};
use crate::views::{Choice, parse_term, vocab_choices};

/// May `p` see `acc`? Held within a View scope, or by an ancestor of one
/// (the institution whose accounts a branch publishes through).
pub fn account_visible(p: &Principal, tree: &OrgTree, acc: &PublishingAccount) -> bool {
    let Some(scopes) = p.scopes_for(Action::View) else {
        return true;
    };
    match &acc.holder_org_id {
        None => false,
        Some(h) => scopes
            .iter()
            .any(|s| tree.within(h, s) || tree.path(s).iter().any(|a| a == h)),
    }
}

/// The org nodes an account recorded by `p` may name as its holder: where
/// `p` may edit apps, and the institutions above those.
fn holder_choices(p: &Principal, orgs: &OrgCache, selected: Option<&str>) -> Vec<Choice> {
    let scopes = p.scopes_for(Action::EditApp);
    let allowed = |o: &OrgNode| match &scopes {
        None => true,
        Some(s) => s
            .iter()
            .any(|r| orgs.tree.within(&o.id, r) || orgs.tree.path(r).iter().any(|a| a == &o.id)),
    };
    let mut out: Vec<Choice> = orgs
        .nodes
        .iter()
        .filter(|o| allowed(o))
        .map(|o| Choice {
            value: o.id.clone(),
            label: o.name.clone(),
            selected: selected == Some(o.id.as_str()),
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

fn may_hold(p: &Principal, orgs: &OrgCache, holder: &str) -> bool {
    holder_choices(p, orgs, None)
        .iter()
        .any(|c| c.value == holder)
}

fn opt(v: &str) -> Option<String> {
    Some(v.trim()).filter(|s| !s.is_empty()).map(str::to_string)
}

fn parse_channel(v: &str) -> Result<Channel, Failure> {
    parse_term("channel", v)?.ok_or_else(|| Failure::Invalid("channel: required".into()))
}

fn parse_listing_state(v: &str) -> Result<ListingState, Failure> {
    Ok(parse_term("state", v)?.unwrap_or(ListingState::Planned))
}

fn parse_status(v: &str) -> Result<AccountStatus, Failure> {
    Ok(parse_term("status", v)?.unwrap_or(AccountStatus::Active))
}

// ---------------------------------------------------------------- listings

/// A listing as a form or a JSON body sends it. On an edit an absent
/// field keeps its value; an empty one clears it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    /// A form's CSRF token (forms only; the API uses its header).
    #[serde(default, rename = "_csrf", skip_serializing)]
    #[schema(ignore)]
    pub csrf: Option<String>,
    /// The record's version (edits only).
    #[serde(default)]
    pub version: Option<i64>,
    /// A channel (`huawei_appgallery`, `apple_app_store`, `wechat_platform`, …); fixed after creation.
    #[serde(default)]
    pub channel: Option<String>,
    /// `planned` (default), `listed`, `suspended` or `delisted`.
    #[serde(default)]
    pub state: Option<String>,
    /// An existing publishing account on the same channel; empty for none.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Records a new account on the listing's channel, held by the app's
    /// operating institution, and publishes through it.
    #[serde(default)]
    pub new_account_name: Option<String>,
    #[serde(default)]
    pub store_url: Option<String>,
    #[serde(default)]
    pub listed_version: Option<String>,
}

async fn app_of(state: &Shared, id: &str) -> Result<App, Failure> {
    state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no app {id}")))
}

/// The account `id`, if `p` may publish through it.
async fn usable_account(state: &Shared, p: &Principal, id: &str) -> Result<(), Failure> {
    let acc: PublishingAccount = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::Invalid(format!("no publishing account {id}")))?;
    let orgs = state.orgs().await?;
    if !account_visible(p, &orgs.tree, &acc) {
        return Err(Failure::Forbidden);
    }
    Ok(())
}

/// Records a listing of `app_id` for `p`; returns its id.
pub async fn add_listing(
    state: &Shared,
    p: &Principal,
    actor: &str,
    app_id: &str,
    f: &ListingInput,
) -> Result<String, Failure> {
    let app = app_of(state, app_id).await?;
    let channel = parse_channel(f.channel.as_deref().unwrap_or_default())?;
    let mut l = new_listing(&app.id, channel);
    l.state = parse_listing_state(f.state.as_deref().unwrap_or_default())?;
    l.store_url = f.store_url.as_deref().and_then(opt);
    l.listed_version = f.listed_version.as_deref().and_then(opt);
    let new = match f.new_account_name.as_deref().and_then(opt) {
        Some(name) => {
            let Some(op) = app.operator_id.clone() else {
                return Err(Failure::Invalid(
                    "应用尚未登记运营机构，请先设置牵头部门 / The app has no operating institution yet: set its department first".into(),
                ));
            };
            let mut a = new_account(channel, &name);
            a.holder_org_id = Some(op);
            Some(a)
        }
        None => None,
    };
    if new.is_none()
        && let Some(a) = f.account_id.as_deref().and_then(opt)
    {
        usable_account(state, p, &a).await?;
        l.account_id = Some(a);
    }
    let (l, _) = channels::add_listing(&state.store, actor, l, new).await?;
    Ok(l.id)
}

/// Record `id` of app `app_id`, to be saved at `version` (the version the
/// edit was made against; required).
pub async fn record_of_app<E: appgov_store::Stored>(
    state: &Shared,
    app_id: &str,
    id: &str,
    version: Option<i64>,
    app_of: impl Fn(&E) -> &String,
) -> Result<E, Failure> {
    let mut e: E = state
        .store
        .get(id)
        .await?
        .filter(|e: &E| app_of(e) == app_id)
        .ok_or_else(|| Failure::NotFound(format!("app {app_id} has no {} {id}", E::KIND)))?;
    e.set_version(version.ok_or_else(|| Failure::Invalid("version: required".into()))?);
    Ok(e)
}

/// Changes listing `listing_id` of `app_id` for `p`.
pub async fn edit_listing(
    state: &Shared,
    p: &Principal,
    actor: &str,
    app_id: &str,
    listing_id: &str,
    f: &ListingInput,
) -> Result<(), Failure> {
    let mut l: Listing = record_of_app(state, app_id, listing_id, f.version, |l: &Listing| {
        &l.app_id
    })
    .await?;
    if let Some(c) = &f.channel
        && parse_channel(c)? != l.channel
    {
        return Err(Failure::Invalid(
            "上架记录的渠道不能更改 / A listing's channel cannot change".into(),
        ));
    }
    if let Some(s) = &f.state {
        l.state = parse_listing_state(s)?;
    }
    if let Some(v) = &f.store_url {
        l.store_url = opt(v);
    }
    if let Some(v) = &f.listed_version {
        l.listed_version = opt(v);
    }
    if let Some(v) = &f.account_id {
        let a = opt(v);
        if let Some(a) = &a
            && l.account_id.as_deref() != Some(a)
        {
            usable_account(state, p, a).await?;
        }
        l.account_id = a;
    }
    channels::edit_listing(&state.store, actor, l).await?;
    Ok(())
}

/// A page's answer to a refused form about an app's records: the app's
/// page with the message (other failures as error pages).
pub async fn back_to_app(
    state: &Shared,
    viewer: &Viewer,
    app: &str,
    e: Failure,
) -> Result<Response, PageError> {
    match e {
        Failure::Invalid(_) | Failure::Conflict(_) | Failure::Refused(_) => {
            let status = e.status();
            crate::pages::app::show_app(state, viewer, app, Some(e.message()), status).await
        }
        other => Err(other.into()),
    }
}

/// `POST /apps/{app}/listings`.
pub async fn listing_add(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(app): Path<String>,
    Form(f): Form<ListingInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    match add_listing(&state, p, &viewer.actor(), &app, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/apps/{app}#channels")).into_response()),
        Err(e) => back_to_app(&state, &viewer, &app, e).await,
    }
}

/// `POST /apps/{app}/listings/{listing}`.
pub async fn listing_edit(
    State(state): State<Shared>,
    viewer: Viewer,
    Path((app, listing)): Path<(String, String)>,
    Form(f): Form<ListingInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    match edit_listing(&state, p, &viewer.actor(), &app, &listing, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/apps/{app}#channels")).into_response()),
        Err(e) => back_to_app(&state, &viewer, &app, e).await,
    }
}

/// What the app page's channel forms offer: channels, listing states, and
/// the accounts the viewer may publish through.
#[derive(Debug, Serialize)]
pub struct ChannelChoices {
    /// Platforms for a new identity (the app form's own selected).
    pub platforms: Vec<Choice>,
    pub channels: Vec<Choice>,
    pub states: Vec<Choice>,
    pub accounts: Vec<Choice>,
}

pub async fn channel_choices(
    state: &Shared,
    p: &Principal,
    lang: Lang,
    platform: appgov_ledger::vocab::Platform,
) -> Result<ChannelChoices, Failure> {
    let orgs = state.orgs().await?;
    let mut accounts: Vec<Choice> = state
        .store
        .all::<PublishingAccount>()
        .await?
        .into_iter()
        .filter(|a| a.status != AccountStatus::Closed && account_visible(p, &orgs.tree, a))
        .map(|a| Choice {
            label: format!(
                "{} · {}（{}）",
                match lang {
                    Lang::Zh => a.channel.label_zh(),
                    Lang::En => a.channel.label_en(),
                },
                a.account_name,
                a.holder
            ),
            value: a.id,
            selected: false,
        })
        .collect();
    accounts.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(ChannelChoices {
        platforms: vocab_choices(lang, Some(platform)),
        channels: vocab_choices::<Channel>(lang, None),
        states: vocab_choices::<ListingState>(lang, None),
        accounts,
    })
}

// ---------------------------------------------------------------- accounts

/// A publishing account as a form or a JSON body sends it. On an edit an
/// absent field keeps its value; an empty one clears it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// A form's CSRF token (forms only; the API uses its header).
    #[serde(default, rename = "_csrf", skip_serializing)]
    #[schema(ignore)]
    pub csrf: Option<String>,
    #[serde(default)]
    pub version: Option<i64>,
    /// The channel (fixed after creation).
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub account_name: Option<String>,
    /// The org node holding it (the institution, as a rule).
    #[serde(default)]
    pub holder_org_id: Option<String>,
    /// The holder's legal name as the store shows it (defaults to the org node's name).
    #[serde(default)]
    pub holder: Option<String>,
    #[serde(default)]
    pub admin_person_id: Option<String>,
    /// Forms send "on" when ticked; JSON sends true/false.
    #[serde(default, deserialize_with = "checkbox")]
    pub two_factor: Option<bool>,
    /// The date (YYYY-MM-DD) of the last review of who can sign in.
    #[serde(default)]
    pub last_access_review: Option<String>,
    /// `active`, `dormant` or `closed`.
    #[serde(default)]
    pub status: Option<String>,
}

/// A checkbox ("on", "true") or a JSON boolean.
fn checkbox<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<B>::deserialize(d)? {
        None => None,
        Some(B::Bool(b)) => Some(b),
        Some(B::Text(t)) => Some(matches!(t.as_str(), "on" | "true" | "1" | "yes")),
    })
}

async fn check_admin(state: &Shared, id: &Option<String>) -> Result<(), Failure> {
    if let Some(id) = id
        && state.store.get::<Person>(id).await?.is_none()
    {
        return Err(Failure::Invalid(format!("admin_person_id: no person {id}")));
    }
    Ok(())
}

/// Records a publishing account for `p`; returns its id.
pub async fn add_account(
    state: &Shared,
    p: &Principal,
    actor: &str,
    f: &AccountInput,
) -> Result<String, Failure> {
    let channel = parse_channel(f.channel.as_deref().unwrap_or_default())?;
    let mut a = new_account(channel, f.account_name.as_deref().unwrap_or_default());
    let holder = f.holder_org_id.as_deref().and_then(opt).ok_or_else(|| {
        Failure::Invalid("持有机构必填 / The holding org node is required".into())
    })?;
    let orgs = state.orgs().await?;
    if !orgs.nodes.iter().any(|o| o.id == holder) {
        return Err(Failure::Invalid(format!("no org node {holder}")));
    }
    if !may_hold(p, &orgs, &holder) {
        return Err(Failure::Forbidden);
    }
    a.holder_org_id = Some(holder);
    a.holder = f.holder.as_deref().and_then(opt).unwrap_or_default();
    a.admin_person_id = f.admin_person_id.as_deref().and_then(opt);
    check_admin(state, &a.admin_person_id).await?;
    a.two_factor = f.two_factor.unwrap_or(false);
    a.last_access_review = f.last_access_review.as_deref().and_then(opt);
    a.status = parse_status(f.status.as_deref().unwrap_or_default())?;
    Ok(channels::add_account(&state.store, actor, a).await?.id)
}

/// Changes publishing account `id` (the route's guard has checked EditApp
/// where it is held).
pub async fn edit_account(
    state: &Shared,
    p: &Principal,
    actor: &str,
    id: &str,
    f: &AccountInput,
) -> Result<(), Failure> {
    let mut a: PublishingAccount = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| Failure::NotFound(format!("no publishing account {id}")))?;
    a.version = f
        .version
        .ok_or_else(|| Failure::Invalid("version: required".into()))?;
    if let Some(c) = &f.channel
        && parse_channel(c)? != a.channel
    {
        return Err(Failure::Invalid(
            "账号的渠道不能更改 / An account's channel cannot change".into(),
        ));
    }
    if let Some(v) = &f.account_name {
        a.account_name = v.trim().to_string();
    }
    if let Some(v) = &f.holder_org_id {
        let h = opt(v).ok_or_else(|| {
            Failure::Invalid("持有机构必填 / The holding org node is required".into())
        })?;
        if a.holder_org_id.as_deref() != Some(h.as_str()) {
            let orgs = state.orgs().await?;
            if !orgs.nodes.iter().any(|o| o.id == h) {
                return Err(Failure::Invalid(format!("no org node {h}")));
            }
            if !p.may(Action::EditApp, Some(&h), &orgs.tree) {
                return Err(Failure::Forbidden);
            }
            a.holder_org_id = Some(h);
            if f.holder.is_none() {
                a.holder = String::new();
            }
        }
    }
    if let Some(v) = &f.holder {
        a.holder = v.trim().to_string();
    }
    if let Some(v) = &f.admin_person_id {
        a.admin_person_id = opt(v);
        check_admin(state, &a.admin_person_id).await?;
    }
    if let Some(v) = f.two_factor {
        a.two_factor = v;
    }
    if let Some(v) = &f.last_access_review {
        a.last_access_review = opt(v);
    }
    if let Some(v) = &f.status {
        a.status = parse_status(v)?;
    }
    channels::edit_account(&state.store, actor, a).await?;
    Ok(())
}

/// One account on the accounts page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountRow {
    pub id: String,
    pub version: i64,
    pub channel: String,
    pub channel_label: String,
    pub account_name: String,
    pub holder: String,
    pub holder_org_id: Option<String>,
    pub admin_person_id: Option<String>,
    pub admin_person: Option<String>,
    pub two_factor: bool,
    pub last_access_review: Option<String>,
    pub status: String,
    pub status_label: String,
    /// Listings (not delisted) publishing through it.
    pub listings: usize,
    /// May the viewer change it?
    pub may_edit: bool,
}

/// The publishing accounts `p` may see, by channel and name.
pub async fn account_rows(
    state: &Shared,
    p: &Principal,
    lang: Lang,
) -> Result<Vec<AccountRow>, Failure> {
    let orgs = state.orgs().await?;
    let people: std::collections::HashMap<String, String> = state
        .store
        .all::<Person>()
        .await?
        .into_iter()
        .map(|x| (x.id, x.name))
        .collect();
    let listings = state.store.all::<Listing>().await?;
    let mut rows: Vec<AccountRow> = state
        .store
        .all::<PublishingAccount>()
        .await?
        .into_iter()
        .filter(|a| account_visible(p, &orgs.tree, a))
        .map(|a| AccountRow {
            listings: listings
                .iter()
                .filter(|l| {
                    l.account_id.as_deref() == Some(&a.id) && l.state != ListingState::Delisted
                })
                .count(),
            may_edit: p.may(Action::EditApp, a.holder_org_id.as_deref(), &orgs.tree),
            admin_person: a
                .admin_person_id
                .as_ref()
                .and_then(|i| people.get(i).cloned()),
            channel_label: match lang {
                Lang::Zh => a.channel.label_zh().into(),
                Lang::En => a.channel.label_en().into(),
            },
            status_label: match lang {
                Lang::Zh => a.status.label_zh().into(),
                Lang::En => a.status.label_en().into(),
            },
            channel: a.channel.as_str().into(),
            status: a.status.as_str().into(),
            id: a.id,
            version: a.version,
            account_name: a.account_name,
            holder: a.holder,
            holder_org_id: a.holder_org_id,
            admin_person_id: a.admin_person_id,
            two_factor: a.two_factor,
            last_access_review: a.last_access_review,
        })
        .collect();
    rows.sort_by(|a, b| (&a.channel, &a.account_name).cmp(&(&b.channel, &b.account_name)));
    Ok(rows)
}

/// `GET /accounts`.
pub async fn accounts(State(state): State<Shared>, viewer: Viewer) -> Result<Response, PageError> {
    accounts_page(
        &state,
        &viewer,
        &AccountInput::default(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn accounts_page(
    state: &Shared,
    viewer: &Viewer,
    f: &AccountInput,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    let lang = viewer.lang;
    let rows = account_rows(state, p, lang).await?;
    let orgs = state.orgs().await?;
    let holders = holder_choices(p, &orgs, f.holder_org_id.as_deref());
    let html = render::page(
        state,
        viewer,
        "accounts.html",
        context! {
            rows => Value::from(Serde(&rows)),
            f => Value::from(Serde(f)),
            may_add => p.may_somewhere(Action::EditApp),
            channels => Value::from(Serde(vocab_choices(lang, f.channel.as_deref().and_then(Channel::parse)))),
            statuses => Value::from(Serde(vocab_choices::<AccountStatus>(lang, None))),
            holders => Value::from(Serde(&holders)),
            error => error,
        },
    )?;
    Ok((status, html).into_response())
}

/// `POST /accounts`.
pub async fn account_add(
    State(state): State<Shared>,
    viewer: Viewer,
    Form(f): Form<AccountInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    match add_account(&state, p, &viewer.actor(), &f).await {
        Ok(_) => Ok(Redirect::to("/accounts").into_response()),
        Err(e @ (Failure::Invalid(_) | Failure::Conflict(_) | Failure::Refused(_))) => {
            let status = e.status();
            accounts_page(&state, &viewer, &f, Some(e.message()), status).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /accounts/{account}`.
pub async fn account_edit(
    State(state): State<Shared>,
    viewer: Viewer,
    Path(account): Path<String>,
    Form(f): Form<AccountInput>,
) -> Result<Response, PageError> {
    let p = viewer.require()?;
    match edit_account(&state, p, &viewer.actor(), &account, &f).await {
        Ok(()) => Ok(Redirect::to("/accounts").into_response()),
        Err(e @ (Failure::Invalid(_) | Failure::Conflict(_) | Failure::Refused(_))) => {
            let status = e.status();
            accounts_page(
                &state,
                &viewer,
                &AccountInput::default(),
                Some(e.message()),
                status,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
