-- When and from where each API token was last used. Kept beside the
-- audited api_token records, not in them: a use is not a change of the
-- token, and an audit event per CI call would bury the real changes.
CREATE TABLE token_use (
    token_id TEXT PRIMARY KEY REFERENCES api_token (id),
    last_used_at TEXT NOT NULL,
    last_addr TEXT
);
