//! The slices of the ledger the pure views and gate checks read, loaded
//! with as few rows as they need (the ledger of a large group holds
//! millions of findings and SDK usages).

use std::collections::HashMap;

use appgov_ledger::model::*;
use appgov_ledger::views::{LedgerSnapshot, current_release, is_live};

use crate::{Result, Store, StoreError};

impl Store {
    /// What the ledger-wide views read: everything, except that findings
    /// and SDK usages — by far the largest tables — are loaded only for
    /// each app's current release, the only release the views judge them
    /// on (drift, consolidation). Certificate continuity needs every
    /// release, so releases are all loaded.
    pub async fn views_snapshot(&self) -> Result<LedgerSnapshot> {
        let releases: Vec<Release> = self.all().await?;
        let mut by_app: HashMap<&str, Vec<&Release>> = HashMap::new();
        for r in &releases {
            by_app.entry(r.app_id.as_str()).or_default().push(r);
        }
        let current: Vec<String> = by_app
            .values()
            .filter_map(|rs| current_release(rs.iter().copied()))
            .map(|r| r.id.clone())
            .collect();
        Ok(LedgerSnapshot {
            findings: self.find_in("release_id", &current).await?,
            sdk_usages: self.find_in("release_id", &current).await?,
            releases,
            ..self.small_tables(self.all().await?, true).await?
        })
    }

    /// What one app's gate checks read: the app with everything that hangs
    /// off it, the live apps of its form (the overlap check), and the small
    /// tables whole.
    pub async fn app_snapshot(&self, app_id: &str) -> Result<LedgerSnapshot> {
        let app: App = self
            .get(app_id)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                kind: App::KIND,
                id: app_id.to_string(),
            })?;
        let mut apps: Vec<App> = self
            .find::<App>("form", app.form.as_str())
            .await?
            .into_iter()
            .filter(|a| a.id != app.id && is_live(a.state))
            .collect();
        apps.push(app);
        let releases: Vec<Release> = self.find("app_id", app_id).await?;
        let ids: Vec<String> = releases.iter().map(|r| r.id.clone()).collect();
        Ok(LedgerSnapshot {
            identities: self.find("app_id", app_id).await?,
            listings: self.find("app_id", app_id).await?,
            filings: self.find("app_id", app_id).await?,
            metrics: self.find("app_id", app_id).await?,
            findings: self.find_in("release_id", &ids).await?,
            sdk_usages: self.find_in("release_id", &ids).await?,
            releases,
            ..self.small_tables(apps, false).await?
        })
    }

    /// The organisation, people, accounts, third parties and agreements
    /// (small in any ledger) around `apps`; with `whole` (the ledger-wide
    /// view) also every identity, listing, filing and metric.
    async fn small_tables(&self, apps: Vec<App>, whole: bool) -> Result<LedgerSnapshot> {
        Ok(LedgerSnapshot {
            org_nodes: self.all().await?,
            persons: self.all().await?,
            accounts: self.all().await?,
            third_parties: self.all().await?,
            agreements: self.all().await?,
            identities: if whole { self.all().await? } else { vec![] },
            listings: if whole { self.all().await? } else { vec![] },
            filings: if whole { self.all().await? } else { vec![] },
            metrics: if whole { self.all().await? } else { vec![] },
            apps,
            releases: vec![],
            findings: vec![],
            sdk_usages: vec![],
        })
    }
}
