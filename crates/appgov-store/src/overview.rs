//! Reads for the web platform's overview pages (dashboard counts, recent
//! releases) and the upkeep of the search terms (`search`).

use appgov_ledger::model::{App, AppIdentity, Release};
use sqlx::AssertSqlSafe;

use crate::rows::decode_row;
use crate::{Result, Store, both, search, select_sql};

/// What the apps are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppGroup {
    Form,
    State,
    Department,
}

/// Apps placed in these org nodes (None: everywhere): the SQL condition
/// on `app` and its arguments, numbered from `$first`.
fn within_sql(within: Option<&[String]>, first: usize) -> (String, Vec<String>) {
    match within {
        None => ("1 = 1".into(), vec![]),
        Some([]) => ("1 = 0".into(), vec![]),
        Some(orgs) => {
            let marks: Vec<String> = (0..orgs.len()).map(|i| format!("${}", first + i)).collect();
            (
                format!(
                    "COALESCE(department_id, operator_id) IN ({})",
                    marks.join(", ")
                ),
                orgs.to_vec(),
            )
        }
    }
}

impl Store {
    /// How many apps (placed within `within`) have each form, state or
    /// department (None: no department).
    pub async fn app_counts(
        &self,
        by: AppGroup,
        within: Option<&[String]>,
    ) -> Result<Vec<(Option<String>, i64)>> {
        let col = match by {
            AppGroup::Form => "form",
            AppGroup::State => "state",
            AppGroup::Department => "department_id",
        };
        let (cond, args) = within_sql(within, 1);
        let sql = format!("SELECT {col}, COUNT(*) FROM app WHERE {cond} GROUP BY {col}");
        both!(&self.pool, p => {
            let mut q = sqlx::query_as::<_, (Option<String>, i64)>(AssertSqlSafe(sql));
            for a in args {
                q = q.bind(a);
            }
            Ok(q.fetch_all(p).await?)
        })
    }

    /// The newest releases (by id: ids sort by creation time) of apps
    /// placed within `within`; with `states`, only releases in those states
    /// with open high findings.
    pub async fn recent_releases(
        &self,
        within: Option<&[String]>,
        high_in_states: Option<&[&str]>,
        limit: i64,
    ) -> Result<Vec<Release>> {
        let (cond, mut args) = within_sql(within, 1);
        let mut tail = format!("WHERE app_id IN (SELECT id FROM app WHERE {cond})");
        if let Some(states) = high_in_states {
            let marks: Vec<String> = states
                .iter()
                .enumerate()
                .map(|(i, _)| format!("${}", args.len() + 1 + i))
                .collect();
            args.extend(states.iter().map(|s| s.to_string()));
            tail.push_str(&format!(
                " AND findings_high > 0 AND state IN ({})",
                marks.join(", ")
            ));
        }
        tail.push_str(&format!(" ORDER BY id DESC LIMIT {}", limit.clamp(1, 1000)));
        let sql = select_sql::<Release>(&tail);
        both!(&self.pool, p => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for a in args {
                q = q.bind(a);
            }
            let rows = q.fetch_all(p).await?;
            rows.iter().map(decode_row::<Release, _>).collect()
        })
    }

    /// Computes the search terms of apps that have none, or terms from an
    /// older rule (`search::TERMS_VERSION`): at open, so a ledger written
    /// before migration 0004 (or copied by `db copy`) is searchable. Pages
    /// of 2,000 apps, each in its own (unaudited: the terms are derived)
    /// transaction.
    pub async fn backfill_search(&self) -> Result<u64> {
        let mut done = 0u64;
        loop {
            let sql = select_sql::<App>(
                "WHERE id NOT IN (SELECT app_id FROM app_search WHERE terms_version = $1) ORDER BY id LIMIT 2000",
            );
            let apps: Vec<App> = both!(&self.pool, p => {
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(search::TERMS_VERSION)
                    .fetch_all(p)
                    .await?;
                rows.iter().map(decode_row::<App, _>).collect::<Result<Vec<_>>>()?
            });
            if apps.is_empty() {
                return Ok(done);
            }
            let ids: Vec<String> = apps.iter().map(|a| a.id.clone()).collect();
            let identities: Vec<AppIdentity> = self.find_in("app_id", &ids).await?;
            let rows: Vec<(String, String)> = apps
                .iter()
                .map(|a| {
                    let idents: Vec<String> = identities
                        .iter()
                        .filter(|i| i.app_id == a.id)
                        .map(|i| i.identifier.clone())
                        .collect();
                    (
                        a.id.clone(),
                        search::search_terms(&a.name, &a.aliases, &idents),
                    )
                })
                .collect();
            match &self.pool {
                crate::Pool::Sqlite(p) => {
                    let mut t = p.begin().await?;
                    for (id, terms) in &rows {
                        put_terms_sqlite(&mut t, id, terms).await?;
                    }
                    t.commit().await?;
                }
                crate::Pool::Postgres(p) => {
                    let mut t = p.begin().await?;
                    for (id, terms) in &rows {
                        put_terms_postgres(&mut t, id, terms).await?;
                    }
                    t.commit().await?;
                }
            }
            done += rows.len() as u64;
        }
    }
}

/// One app's terms and grams, written whether or not a row exists
/// (SQLite ≥ 3.24 and PostgreSQL share the upsert syntax). SQLite: the
/// row's number (`doc`) is the FTS5 row of its grams, replaced whole.
pub(crate) async fn put_terms_sqlite(
    c: &mut sqlx::SqliteConnection,
    app_id: &str,
    terms: &str,
) -> Result<()> {
    let (doc,): (i64,) = sqlx::query_as(
        "INSERT INTO app_search (app_id, terms, terms_version) VALUES ($1, $2, $3) \
         ON CONFLICT (app_id) DO UPDATE SET terms = excluded.terms, terms_version = excluded.terms_version \
         RETURNING doc",
    )
    .bind(app_id)
    .bind(terms)
    .bind(search::TERMS_VERSION)
    .fetch_one(&mut *c)
    .await?;
    sqlx::query("DELETE FROM app_search_gram WHERE rowid = $1")
        .bind(doc)
        .execute(&mut *c)
        .await?;
    sqlx::query("INSERT INTO app_search_gram (rowid, grams) VALUES ($1, $2)")
        .bind(doc)
        .bind(search::fts_text(terms))
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// PostgreSQL: the grams are an array in the same row (GIN-indexed).
pub(crate) async fn put_terms_postgres(
    c: &mut sqlx::PgConnection,
    app_id: &str,
    terms: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_search (app_id, terms, terms_version, grams) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (app_id) DO UPDATE SET terms = excluded.terms, terms_version = excluded.terms_version, grams = excluded.grams",
    )
    .bind(app_id)
    .bind(terms)
    .bind(search::TERMS_VERSION)
    .bind(search::search_grams(terms))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Removes a gone app's terms and grams.
pub(crate) async fn drop_terms_sqlite(c: &mut sqlx::SqliteConnection, app_id: &str) -> Result<()> {
    sqlx::query(
        "DELETE FROM app_search_gram WHERE rowid = (SELECT doc FROM app_search WHERE app_id = $1)",
    )
    .bind(app_id)
    .execute(&mut *c)
    .await?;
    sqlx::query("DELETE FROM app_search WHERE app_id = $1")
        .bind(app_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub(crate) async fn drop_terms_postgres(c: &mut sqlx::PgConnection, app_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM app_search WHERE app_id = $1")
        .bind(app_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}
