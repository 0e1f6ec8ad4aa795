-- The web platform: accounts, API tokens, sessions, login throttling and
-- background scan jobs. Portable SQL, as 0001.
--
-- user_account and api_token are audited records (their changes are in the
-- hash-chained audit trail, like the ledger's). Password hashes, sessions,
-- failed logins, settings and the job queue are operational state: kept
-- apart so the audit trail never holds a secret and is not flooded by
-- every page view.

CREATE TABLE user_account (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    person_id TEXT REFERENCES person (id) DEFERRABLE INITIALLY DEFERRED,
    email TEXT,
    locale TEXT,
    grants TEXT NOT NULL,
    source TEXT NOT NULL,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    disabled BOOLEAN NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX user_account_oidc ON user_account (oidc_issuer, oidc_subject);

CREATE TABLE api_token (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES user_account (id) DEFERRABLE INITIALLY DEFERRED,
    name TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX api_token_user ON api_token (user_id);

-- argon2id PHC strings; one row per local account.
CREATE TABLE credential (
    user_id TEXT PRIMARY KEY REFERENCES user_account (id),
    password_hash TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    must_change BOOLEAN NOT NULL
);

-- Sessions by the SHA-256 of the cookie's value.
CREATE TABLE web_session (
    id_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES user_account (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    client TEXT
);
CREATE INDEX web_session_user ON web_session (user_id);

-- Failed sign-ins: key is `login:NAME` or `addr:IP`; at is unix seconds.
CREATE TABLE login_failure (
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failure_key ON login_failure (key, at);

-- Server settings that are not ledger records (the one-time setup link).
CREATE TABLE server_setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Uploaded packages waiting for, in, or done with analysis. The package is
-- in the file store before its job row commits, so an acknowledged upload
-- survives a crash; a job whose lease expired (its worker died) is taken
-- again.
CREATE TABLE scan_job (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES app (id),
    package_sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until TEXT,
    started_at TEXT,
    finished_at TEXT,
    stage TEXT,
    error TEXT,
    release_id TEXT,
    request_move TEXT,
    source TEXT NOT NULL
);
CREATE INDEX scan_job_state ON scan_job (state, requested_at);
CREATE INDEX scan_job_app ON scan_job (app_id, requested_at);
