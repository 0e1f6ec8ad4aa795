-- The ledger's tables. Portable SQL: the same text runs on SQLite (type
-- names map to its affinities) and on PostgreSQL and its compatibles, so
-- there is one migration chain, checked on both backends in CI.
-- Columns are exactly the fields of the domain entities (appgov-ledger
-- model.rs); lists and nested records are JSON text, dates and times are
-- ISO 8601 text (sortable, identical on both backends, stable for hashing).
-- Foreign keys are deferred to commit, so one transaction can load records
-- in any order (imports, `db copy`).

CREATE TABLE org_node (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id TEXT REFERENCES org_node (id) DEFERRABLE INITIALLY DEFERRED,
    credit_code TEXT,
    regulator TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX org_node_parent ON org_node (parent_id);

CREATE TABLE person (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    org_id TEXT REFERENCES org_node (id) DEFERRABLE INITIALLY DEFERRED,
    title TEXT,
    contact TEXT,
    roles TEXT NOT NULL,
    external BOOLEAN NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX person_name ON person (name);

CREATE TABLE app (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL,
    form TEXT NOT NULL,
    operator_id TEXT REFERENCES org_node (id) DEFERRABLE INITIALLY DEFERRED,
    purpose TEXT,
    functions TEXT NOT NULL,
    user_segment TEXT,
    regions TEXT NOT NULL,
    department_id TEXT REFERENCES org_node (id) DEFERRABLE INITIALLY DEFERRED,
    responsible_person_id TEXT REFERENCES person (id) DEFERRABLE INITIALLY DEFERRED,
    tech_owner_id TEXT REFERENCES person (id) DEFERRABLE INITIALLY DEFERRED,
    security_owner_id TEXT REFERENCES person (id) DEFERRABLE INITIALLY DEFERRED,
    data_owner_id TEXT REFERENCES person (id) DEFERRABLE INITIALLY DEFERRED,
    state TEXT NOT NULL,
    important_system BOOLEAN NOT NULL,
    mlps_level BIGINT,
    elderly_mode BOOLEAN NOT NULL,
    minors_policy TEXT,
    privacy_policy_url TEXT,
    complaint_channel TEXT,
    third_party_operated BOOLEAN NOT NULL,
    merged_into TEXT REFERENCES app (id) DEFERRABLE INITIALLY DEFERRED,
    version BIGINT NOT NULL
);
CREATE INDEX app_name ON app (name);
CREATE INDEX app_state ON app (state);
CREATE INDEX app_form ON app (form);
CREATE INDEX app_department ON app (department_id);

CREATE TABLE app_identity (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES app (id) DEFERRABLE INITIALLY DEFERRED,
    platform TEXT NOT NULL,
    identifier TEXT NOT NULL,
    developer_id TEXT,
    certificates TEXT NOT NULL,
    key_custodian TEXT,
    version BIGINT NOT NULL,
    UNIQUE (platform, identifier)
);
CREATE INDEX app_identity_app ON app_identity (app_id);

CREATE TABLE publishing_account (
    id TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    account_name TEXT NOT NULL,
    holder TEXT NOT NULL,
    holder_org_id TEXT REFERENCES org_node (id) DEFERRABLE INITIALLY DEFERRED,
    admin_person_id TEXT REFERENCES person (id) DEFERRABLE INITIALLY DEFERRED,
    two_factor BOOLEAN NOT NULL,
    last_access_review TEXT,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    UNIQUE (channel, account_name)
);

CREATE TABLE listing (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES app (id) DEFERRABLE INITIALLY DEFERRED,
    channel TEXT NOT NULL,
    account_id TEXT REFERENCES publishing_account (id) DEFERRABLE INITIALLY DEFERRED,
    store_url TEXT,
    listed_version TEXT,
    observed_sha256 TEXT,
    observed_on TEXT,
    state TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX listing_app ON listing (app_id);

CREATE TABLE app_release (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES app (id) DEFERRABLE INITIALLY DEFERRED,
    platform TEXT NOT NULL,
    identifier TEXT NOT NULL,
    version_name TEXT,
    version_code BIGINT,
    file_name TEXT NOT NULL,
    artifact_sha256 TEXT NOT NULL,
    artifact_size BIGINT NOT NULL,
    facts_sha256 TEXT,
    analyser_version TEXT,
    signer_sha256 TEXT NOT NULL,
    min_sdk BIGINT,
    target_sdk BIGINT,
    domains TEXT NOT NULL,
    findings_high BIGINT NOT NULL,
    findings_medium BIGINT NOT NULL,
    findings_low BIGINT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX app_release_app ON app_release (app_id);
CREATE INDEX app_release_artifact ON app_release (artifact_sha256);

CREATE TABLE release_finding (
    id TEXT PRIMARY KEY,
    release_id TEXT NOT NULL REFERENCES app_release (id) DEFERRABLE INITIALLY DEFERRED,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    location TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX release_finding_release ON release_finding (release_id);

CREATE TABLE sdk_usage (
    id TEXT PRIMARY KEY,
    release_id TEXT NOT NULL REFERENCES app_release (id) DEFERRABLE INITIALLY DEFERRED,
    sdk TEXT NOT NULL,
    name TEXT NOT NULL,
    vendor TEXT,
    collects TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX sdk_usage_release ON sdk_usage (release_id);

CREATE TABLE third_party (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    credit_code TEXT,
    country TEXT,
    risk_tier TEXT,
    contact TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE agreement (
    id TEXT PRIMARY KEY,
    third_party_id TEXT NOT NULL REFERENCES third_party (id) DEFERRABLE INITIALLY DEFERRED,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    app_ids TEXT NOT NULL,
    sdks TEXT NOT NULL,
    data_shared TEXT NOT NULL,
    audit_right BOOLEAN NOT NULL,
    exit_clause BOOLEAN NOT NULL,
    starts_on TEXT,
    ends_on TEXT,
    state TEXT NOT NULL,
    document_sha256 TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE access_grant (
    id TEXT PRIMARY KEY,
    third_party_id TEXT NOT NULL REFERENCES third_party (id) DEFERRABLE INITIALLY DEFERRED,
    person TEXT NOT NULL,
    system TEXT NOT NULL,
    privilege TEXT NOT NULL,
    justification TEXT NOT NULL,
    granted_on TEXT NOT NULL,
    expires_on TEXT,
    last_reviewed_on TEXT,
    reviewer TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE filing (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES app (id) DEFERRABLE INITIALLY DEFERRED,
    kind TEXT NOT NULL,
    authority TEXT,
    number TEXT,
    state TEXT NOT NULL,
    filed TEXT NOT NULL,
    submitted_on TEXT,
    approved_on TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX filing_app ON filing (app_id);

CREATE TABLE activity_metric (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES app (id) DEFERRABLE INITIALLY DEFERRED,
    period TEXT NOT NULL,
    monthly_active_users BIGINT,
    downloads BIGINT,
    rating DOUBLE PRECISION,
    complaints BIGINT,
    version BIGINT NOT NULL,
    UNIQUE (app_id, period)
);

CREATE TABLE transition (
    id TEXT PRIMARY KEY,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    gate TEXT,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    approval TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX transition_object ON transition (object_id);

CREATE TABLE gate_record (
    id TEXT PRIMARY KEY,
    transition_id TEXT NOT NULL REFERENCES transition (id) DEFERRABLE INITIALLY DEFERRED,
    item TEXT NOT NULL,
    kind TEXT NOT NULL,
    document_sha256 TEXT,
    file_name TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    statement TEXT,
    version BIGINT NOT NULL
);
CREATE INDEX gate_record_transition ON gate_record (transition_id);

-- The audit trail: append-only, each event chained to the one before by
-- SHA-256 (see audit.rs for what is hashed). `audit_head` holds the last
-- event's number and hash: writers lock it first (so events are numbered
-- without gaps under concurrency) and `audit verify` checks that the chain
-- ends where the head says.
CREATE TABLE audit_event (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_event_object ON audit_event (object_kind, object_id);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    locked_at TEXT
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
