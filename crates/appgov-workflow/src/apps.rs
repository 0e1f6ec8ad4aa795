//! Apps entering the ledger.

use appgov_ledger::AppState;
use appgov_ledger::model::*;
use appgov_ledger::vocab::{AppForm, OrgKind};
use appgov_store::Store;

use crate::{Refusal, Result, WorkflowError};

/// A proposed app with nothing but its name and form.
pub fn new_app(name: &str, form: AppForm) -> App {
    App {
        id: String::new(),
        name: name.to_string(),
        aliases: vec![],
        form,
        operator_id: None,
        purpose: None,
        functions: vec![],
        user_segment: None,
        regions: vec![],
        department_id: None,
        responsible_person_id: None,
        tech_owner_id: None,
        security_owner_id: None,
        data_owner_id: None,
        state: AppState::Proposed,
        important_system: false,
        mlps_level: None,
        elderly_mode: false,
        minors_policy: None,
        privacy_policy_url: None,
        complaint_channel: None,
        third_party_operated: false,
        merged_into: None,
        version: 0,
    }
}

/// The institution at the root of `org`'s branch (the app's operator).
pub fn institution_of(orgs: &[OrgNode], mut id: Option<String>) -> Option<String> {
    let mut guard = 0;
    while let Some(i) = id {
        let o = orgs.iter().find(|o| o.id == i)?;
        if matches!(o.kind, OrgKind::Institution | OrgKind::Subsidiary) {
            return Some(o.id.clone());
        }
        id = o.parent_id.clone();
        guard += 1;
        if guard > 64 {
            return None;
        }
    }
    None
}

/// A platform identity to record with a new app.
pub struct NewIdentity {
    pub identifier: String,
    /// Certificate SHA-256 fingerprints, in any common spelling.
    pub certificates: Vec<String>,
}

/// Records a proposed app (and its first identity): the operator defaults
/// to the institution above its department, or to the only institution.
pub async fn add_app(
    store: &Store,
    actor: &str,
    mut app: App,
    identity: Option<NewIdentity>,
) -> Result<(App, Option<AppIdentity>)> {
    app.state = AppState::Proposed;
    if app.operator_id.is_none() {
        let orgs = store.all::<OrgNode>().await?;
        app.operator_id = institution_of(&orgs, app.department_id.clone()).or_else(|| {
            let roots: Vec<_> = orgs
                .iter()
                .filter(|o| o.kind == OrgKind::Institution)
                .collect();
            (roots.len() == 1).then(|| roots[0].id.clone())
        });
    }
    let mut tx = store.write(actor).await?;
    tx.insert(&mut app).await?;
    let mut recorded = None;
    if let Some(i) = identity {
        let mut identity = AppIdentity {
            id: String::new(),
            app_id: app.id.clone(),
            platform: app.form.platform(),
            identifier: i.identifier,
            developer_id: None,
            certificates: i
                .certificates
                .iter()
                .map(|c| KnownCertificate {
                    sha256: normalise_fingerprint(c),
                    subject: None,
                    not_after: None,
                })
                .collect(),
            key_custodian: None,
            version: 0,
        };
        tx.insert(&mut identity).await?;
        recorded = Some(identity);
    }
    tx.commit().await?;
    Ok((app, recorded))
}

/// `AB:CD:…` or `abcd…` → `abcd…`.
pub fn normalise_fingerprint(c: &str) -> String {
    c.trim().to_lowercase().replace([':', ' '], "")
}

/// Saves an edited app. `edited.version` must be the version it was read
/// at (someone else's change in between is a conflict). The lifecycle
/// state and a merge change only through moves; the operating institution
/// follows the department when the department moves to another branch.
/// Returns the saved app and whether anything changed.
pub async fn edit_app(store: &Store, actor: &str, mut edited: App) -> Result<(App, bool)> {
    let current: App = store
        .get(&edited.id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no app {}", edited.id)))?;
    if edited.state != current.state || edited.merged_into != current.merged_into {
        return Err(WorkflowError::Refused(Refusal::StateByMoveOnly));
    }
    if edited.department_id != current.department_id {
        let orgs = store.all::<OrgNode>().await?;
        if let Some(d) = &edited.department_id
            && !orgs.iter().any(|o| &o.id == d)
        {
            return Err(WorkflowError::Invalid(format!("no org node {d}")));
        }
        if let Some(op) = institution_of(&orgs, edited.department_id.clone()) {
            edited.operator_id = Some(op);
        }
    }
    for (field, person) in [
        ("responsible_person_id", &edited.responsible_person_id),
        ("tech_owner_id", &edited.tech_owner_id),
        ("security_owner_id", &edited.security_owner_id),
        ("data_owner_id", &edited.data_owner_id),
    ] {
        if let Some(id) = person
            && store.get::<Person>(id).await?.is_none()
        {
            return Err(WorkflowError::Invalid(format!("{field}: no person {id}")));
        }
    }
    let mut tx = store.write(actor).await?;
    let changed = tx.update(&mut edited).await?;
    tx.commit().await?;
    Ok((edited, changed))
}

/// Records another platform identity of an app (an iOS Bundle ID beside
/// the Android package, a second mini-program AppID) with the signing
/// certificates the institution registers for it.
pub async fn add_identity(
    store: &Store,
    actor: &str,
    mut identity: AppIdentity,
) -> Result<AppIdentity> {
    if store.get::<App>(&identity.app_id).await?.is_none() {
        return Err(WorkflowError::NotFound(format!(
            "no app {}",
            identity.app_id
        )));
    }
    for c in &mut identity.certificates {
        c.sha256 = normalise_fingerprint(&c.sha256);
    }
    let mut tx = store.write(actor).await?;
    tx.insert(&mut identity).await?;
    tx.commit().await?;
    Ok(identity)
}

/// Saves an edited identity (read at `identity.version`); it stays with
/// its app and platform.
pub async fn edit_identity(
    store: &Store,
    actor: &str,
    mut identity: AppIdentity,
) -> Result<(AppIdentity, bool)> {
    let current: AppIdentity = store
        .get(&identity.id)
        .await?
        .ok_or_else(|| WorkflowError::NotFound(format!("no identity {}", identity.id)))?;
    if current.app_id != identity.app_id || current.platform != identity.platform {
        return Err(WorkflowError::Invalid(
            "标识不能移到另一个应用或平台 / An identity cannot move to another app or platform"
                .into(),
        ));
    }
    for c in &mut identity.certificates {
        c.sha256 = normalise_fingerprint(&c.sha256);
    }
    let mut tx = store.write(actor).await?;
    let changed = tx.update(&mut identity).await?;
    tx.commit().await?;
    Ok((identity, changed))
}
