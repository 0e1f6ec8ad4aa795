//! Operational state of the web platform that is not audited as records:
//! password hashes, sessions, failed sign-ins and server settings. Changes
//! of passwords are still noted in the audit trail (without the hash).

use sqlx::Row;

use crate::{Result, Store};

/// A signed-in session as stored (the cookie's value is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub id_sha256: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub client: Option<String>,
}

/// A local account's password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub user_id: String,
    pub password_hash: String,
    pub changed_at: String,
    pub must_change: bool,
}

impl Store {
    /// Sets a local account's password hash (replacing any), and notes the
    /// change in the audit trail in the same transaction.
    pub async fn set_password(
        &self,
        actor: &str,
        user_id: &str,
        password_hash: &str,
        must_change: bool,
    ) -> Result<()> {
        let at = crate::now();
        let mut tx = self.write(actor).await?;
        crate::both_tx!(&mut tx.inner, t => {
            sqlx::query("DELETE FROM credential WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut **t)
                .await?;
            sqlx::query("INSERT INTO credential (user_id, password_hash, changed_at, must_change) VALUES ($1, $2, $3, $4)")
                .bind(user_id)
                .bind(password_hash)
                .bind(&at)
                .bind(must_change)
                .execute(&mut **t)
                .await?;
        });
        // The event names the account, never the hash.
        tx.note(
            "set-password",
            "credential",
            user_id,
            &serde_json::json!({ "must_change": must_change }),
        )
        .await?;
        tx.commit().await
    }

    pub async fn credential(&self, user_id: &str) -> Result<Option<Credential>> {
        crate::both!(&self.pool, p => {
            let row = sqlx::query("SELECT user_id, password_hash, changed_at, must_change FROM credential WHERE user_id = $1")
                .bind(user_id)
                .fetch_optional(p)
                .await?;
            Ok(match row {
                None => None,
                Some(r) => Some(Credential {
                    user_id: r.try_get(0)?,
                    password_hash: r.try_get(1)?,
                    changed_at: r.try_get(2)?,
                    must_change: r.try_get(3)?,
                }),
            })
        })
    }

    pub async fn create_session(&self, s: &WebSession) -> Result<()> {
        crate::both!(&self.pool, p => {
            sqlx::query("INSERT INTO web_session (id_sha256, user_id, csrf_token, created_at, last_seen_at, expires_at, client) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&s.id_sha256)
                .bind(&s.user_id)
                .bind(&s.csrf_token)
                .bind(&s.created_at)
                .bind(&s.last_seen_at)
                .bind(&s.expires_at)
                .bind(&s.client)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// The session with this digest, if it has not expired at `now`.
    pub async fn session(&self, id_sha256: &str, now: &str) -> Result<Option<WebSession>> {
        crate::both!(&self.pool, p => {
            let row = sqlx::query("SELECT id_sha256, user_id, csrf_token, created_at, last_seen_at, expires_at, client FROM web_session WHERE id_sha256 = $1 AND expires_at > $2")
                .bind(id_sha256)
                .bind(now)
                .fetch_optional(p)
                .await?;
            Ok(match row {
                None => None,
                Some(r) => Some(WebSession {
                    id_sha256: r.try_get(0)?,
                    user_id: r.try_get(1)?,
                    csrf_token: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    last_seen_at: r.try_get(4)?,
                    expires_at: r.try_get(5)?,
                    client: r.try_get(6)?,
                }),
            })
        })
    }

    /// Records activity on a session and slides its expiry.
    pub async fn touch_session(&self, id_sha256: &str, now: &str, expires_at: &str) -> Result<()> {
        crate::both!(&self.pool, p => {
            sqlx::query("UPDATE web_session SET last_seen_at = $2, expires_at = $3 WHERE id_sha256 = $1")
                .bind(id_sha256)
                .bind(now)
                .bind(expires_at)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    pub async fn delete_session(&self, id_sha256: &str) -> Result<()> {
        crate::both!(&self.pool, p => {
            sqlx::query("DELETE FROM web_session WHERE id_sha256 = $1")
                .bind(id_sha256)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// Ends every session of a user (password change, disabling, grants
    /// changed); returns how many.
    pub async fn delete_user_sessions(&self, user_id: &str) -> Result<u64> {
        crate::both!(&self.pool, p => {
            Ok(sqlx::query("DELETE FROM web_session WHERE user_id = $1")
                .bind(user_id)
                .execute(p)
                .await?
                .rows_affected())
        })
    }

    /// Removes sessions expired at `now` and failures older than `before`.
    pub async fn sweep_sessions(&self, now: &str, failures_before: i64) -> Result<()> {
        crate::both!(&self.pool, p => {
            sqlx::query("DELETE FROM web_session WHERE expires_at <= $1")
                .bind(now)
                .execute(p)
                .await?;
            sqlx::query("DELETE FROM login_failure WHERE at < $1")
                .bind(failures_before)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    pub async fn record_login_failure(&self, key: &str, at: i64) -> Result<()> {
        crate::both!(&self.pool, p => {
            sqlx::query("INSERT INTO login_failure (key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// Failure times of `key` since `since` (unix seconds).
    pub async fn login_failures(&self, key: &str, since: i64) -> Result<Vec<i64>> {
        crate::both!(&self.pool, p => {
            let rows: Vec<(i64,)> = sqlx::query_as("SELECT at FROM login_failure WHERE key = $1 AND at >= $2 ORDER BY at")
                .bind(key)
                .bind(since)
                .fetch_all(p)
                .await?;
            Ok(rows.into_iter().map(|(a,)| a).collect())
        })
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        crate::both!(&self.pool, p => {
            sqlx::query("DELETE FROM login_failure WHERE key = $1")
                .bind(key)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        crate::both!(&self.pool, p => {
            let row: Option<(String,)> = sqlx::query_as("SELECT value FROM server_setting WHERE key = $1")
                .bind(key)
                .fetch_optional(p)
                .await?;
            Ok(row.map(|(v,)| v))
        })
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        crate::both!(&self.pool, p => {
            let mut t = p.begin().await?;
            sqlx::query("DELETE FROM server_setting WHERE key = $1")
                .bind(key)
                .execute(&mut *t)
                .await?;
            sqlx::query("INSERT INTO server_setting (key, value, updated_at) VALUES ($1, $2, $3)")
                .bind(key)
                .bind(value)
                .bind(crate::now())
                .execute(&mut *t)
                .await?;
            t.commit().await?;
            Ok(())
        })
    }

    /// Removes a setting only if it still has `value` (a one-time link
    /// used once, even by two requests at the same moment); true if this
    /// call removed it.
    pub async fn take_setting(&self, key: &str, value: &str) -> Result<bool> {
        crate::both!(&self.pool, p => {
            Ok(sqlx::query("DELETE FROM server_setting WHERE key = $1 AND value = $2")
                .bind(key)
                .bind(value)
                .execute(p)
                .await?
                .rows_affected()
                == 1)
        })
    }

    /// Notes that API token `token_id` was used at `at` (RFC 3339) from
    /// `addr`, unless a use after `not_before` is already noted — so a busy
    /// CI token costs one write a minute, not one per call.
    pub async fn note_token_use(
        &self,
        token_id: &str,
        at: &str,
        not_before: &str,
        addr: Option<&str>,
    ) -> Result<()> {
        crate::both!(&self.pool, p => {
            sqlx::query("INSERT INTO token_use (token_id, last_used_at, last_addr) VALUES ($1, $2, $3) ON CONFLICT (token_id) DO UPDATE SET last_used_at = excluded.last_used_at, last_addr = excluded.last_addr WHERE token_use.last_used_at < $4")
                .bind(token_id)
                .bind(at)
                .bind(addr)
                .bind(not_before)
                .execute(p)
                .await?;
            Ok(())
        })
    }

    /// The last noted use of every token that was used: id → (when, from).
    pub async fn token_uses(
        &self,
    ) -> Result<std::collections::HashMap<String, (String, Option<String>)>> {
        crate::both!(&self.pool, p => {
            let rows: Vec<(String, String, Option<String>)> =
                sqlx::query_as("SELECT token_id, last_used_at, last_addr FROM token_use")
                    .fetch_all(p)
                    .await?;
            Ok(rows.into_iter().map(|(id, at, addr)| (id, (at, addr))).collect())
        })
    }
}
