//! Where an app is published: its listings on channels and the publishing
//! accounts they go through (article 8: publish only through accounts the
//! institution holds and controls).

use appgov_ledger::model::*;
use appgov_ledger::vocab::ListingState;
use appgov_store::Store;

use crate::{Refusal, Result, WorkflowError};

/// A listing's account must exist and be on the listing's channel; an app
/// has at most one listing per channel that is not delisted (a second one
/// would double-count it in the ledger's channel views).
async fn check_listing(store: &Store, l: &Listing) -> Result<()> {
    if store.get::<App>(&l.app_id).await?.is_none() {
        return Err(WorkflowError::NotFound(format!("no app {}", l.app_id)));
    }
    if let Some(a) = &l.account_id {
        let acc: PublishingAccount = store
            .get(a)
            .await?
            .ok_or_else(|| WorkflowError::Invalid(format!("no publishing account {a}")))?;
        if acc.channel != l.channel {
            return Err(WorkflowError::Invalid(format!(
                "账号 {} 属于{}，不能用于{} / Account {} is on {}, not {}",
                acc.account_name,
                acc.channel.label_zh(),
                l.channel.label_zh(),
                acc.account_name,
                acc.channel.label_en(),
                l.channel.label_en()
            )));
        }
    }
    if l.state != ListingState::Delisted {
        let twin = store
            .find::<Listing>("app_id", &l.app_id)
            .await?
            .into_iter()
            .find(|o| o.id != l.id && o.channel == l.channel && o.state != ListingState::Delisted);
        if twin.is_some() {
            return Err(WorkflowError::Refused(Refusal::ChannelListed {
                channel: l.channel,
            }));
        }
    }
    Ok(())
}

fn check_account_fields(a: &PublishingAccount) -> Result<()> {
    if a.account_name.trim().is_empty() {
        return Err(WorkflowError::Invalid(
            "账号名称必填 / The account name is required".into(),
        ));
    }
    Ok(())
}

/// The holder's legal name defaults to the holding org node's name.
async fn fill_holder(store: &Store, a: &mut PublishingAccount) -> Result<()> {
    if let Some(h) = &a.holder_org_id {
        let org: OrgNode = store
            .get(h)
            .await?
            .ok_or_else(|| WorkflowError::Invalid(format!("no org node {h}")))?;
        if a.holder.trim().is_empty() {
            a.holder = org.name;
        }
    }
    if a.holder.trim().is_empty() {
        return Err(WorkflowError::Invalid(
            "账号持有人必填 / The account holder is required".into(),
        ));
    }
    Ok(())
}

/// Records a listing of an app, and with it a new publishing account when
/// one is given (`listing.account_id` is then set to it), in one
/// transaction.
pub async fn add_listing(
    store: &Store,
    actor: &str,
    mut listing: Listing,
    new_account: Option<PublishingAccount>,
) -> Result<(Listing, Option<PublishingAccount>)> {
    let mut account = match new_account {
        Some(mut a) => {
            a.channel = listing.channel;
            check_account_fields(&a)?;
            fill_holder(store, &mut a).await?;
            listing.account_id = None;
            Some(a)
        }
        None => None,
    };
    check_listing(store, &listing).await?;
    let mut tx = store.write(actor).await?;
    if let Some(a) = account.as_mut() {
        tx.insert(a).await?;
        listing.account_id = Some(a.id.clone());
    }
    tx.insert(&mut listing).await?;
    tx.commit().await?;
    Ok((listing, account))
}

/// Saves an edited listing (read at `listing.version`); it stays with its app.
pub async fn edit_listing(
    store: &Store,
    actor: &str,
    mut listing: Listing,
) -> Result<(Listing, bool)> {
    let current: Listing = store
        .get(&listing.id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no listing {}", listing.id)))?;
    if current.app_id != listing.app_id {
        return Err(WorkflowError::Invalid(
            "上架记录不能移到另一个应用 / A listing cannot move to another app".into(),
        ));
    }
    check_listing(store, &listing).await?;
    let mut tx = store.write(actor).await?;
    let changed = tx.update(&mut listing).await?;
    tx.commit().await?;
    Ok((listing, changed))
}

/// Records a publishing account; the same account name twice on one
/// channel is refused.
pub async fn add_account(
    store: &Store,
    actor: &str,
    mut account: PublishingAccount,
) -> Result<PublishingAccount> {
    check_account_fields(&account)?;
    fill_holder(store, &mut account).await?;
    let twin = store
        .find::<PublishingAccount>("account_name", account.account_name.trim())
        .await?
        .into_iter()
        .any(|o| o.channel == account.channel);
    if twin {
        return Err(WorkflowError::Refused(Refusal::AccountRecorded {
            channel: account.channel,
            name: account.account_name.clone(),
        }));
    }
    let mut tx = store.write(actor).await?;
    tx.insert(&mut account).await?;
    tx.commit().await?;
    Ok(account)
}

/// Saves an edited publishing account (read at `account.version`). Its
/// channel is fixed: listings on that channel go through it.
pub async fn edit_account(
    store: &Store,
    actor: &str,
    mut account: PublishingAccount,
) -> Result<(PublishingAccount, bool)> {
    let current: PublishingAccount = store
        .get(&account.id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no publishing account {}", account.id)))?;
    if current.channel != account.channel {
        return Err(WorkflowError::Invalid(
            "账号的渠道不能更改 / An account's channel cannot change".into(),
        ));
    }
    check_account_fields(&account)?;
    fill_holder(store, &mut account).await?;
    let mut tx = store.write(actor).await?;
    let changed = tx.update(&mut account).await?;
    tx.commit().await?;
    Ok((account, changed))
}

/// A blank listing of `app_id` on `channel`, planned.
pub fn new_listing(app_id: &str, channel: appgov_ledger::vocab::Channel) -> Listing {
    Listing {
        id: String::new(),
        app_id: app_id.to_string(),
        channel,
        account_id: None,
        store_url: None,
        listed_version: None,
        observed_sha256: None,
        observed_on: None,
        state: ListingState::Planned,
        version: 0,
    }
}

/// A blank, active publishing account on `channel`.
pub fn new_account(channel: appgov_ledger::vocab::Channel, name: &str) -> PublishingAccount {
    PublishingAccount {
        id: String::new(),
        channel,
        account_name: name.trim().to_string(),
        holder: String::new(),
        holder_org_id: None,
        admin_person_id: None,
        two_factor: false,
        last_access_review: None,
        status: appgov_ledger::vocab::AccountStatus::Active,
        version: 0,
    }
}
