-- The compliance records (issue 6): obligations, evidence with revisions,
-- evidence requests, assessments and their results, exceptions, and the
-- registers (incidents, drills, complaints, counterfeit cases, OS releases).
-- Audited like every ledger table; lists and forms are JSON text.

CREATE TABLE obligation (
    id TEXT PRIMARY KEY,
    template TEXT NOT NULL,
    requirement_ids TEXT NOT NULL,
    app_id TEXT,
    org_id TEXT,
    owner_person_id TEXT,
    due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    triggered_by TEXT NOT NULL,
    trigger_note TEXT,
    completed_on TEXT,
    completed_by TEXT,
    evidence_ids TEXT NOT NULL,
    reminded_on TEXT,
    escalated_on TEXT,
    created_on TEXT NOT NULL,
    note TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE evidence (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    app_ids TEXT NOT NULL,
    requirement_ids TEXT NOT NULL,
    org_id TEXT,
    current_revision BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE evidence_revision (
    id TEXT PRIMARY KEY,
    evidence_id TEXT NOT NULL REFERENCES evidence (id) DEFERRABLE INITIALLY DEFERRED,
    revision BIGINT NOT NULL,
    document_sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    expires_on TEXT,
    fields TEXT NOT NULL,
    note TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE evidence_request (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    app_id TEXT,
    requirement_id TEXT,
    obligation_id TEXT,
    assignee_person_id TEXT,
    requested_by TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    message TEXT NOT NULL,
    state TEXT NOT NULL,
    evidence_id TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE assessment (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    app_id TEXT,
    title TEXT NOT NULL,
    period TEXT NOT NULL,
    baseline_id TEXT,
    lead_person_id TEXT,
    started_on TEXT,
    completed_on TEXT,
    state TEXT NOT NULL,
    summary TEXT,
    obligation_id TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE assessment_result (
    id TEXT PRIMARY KEY,
    assessment_id TEXT NOT NULL REFERENCES assessment (id) DEFERRABLE INITIALLY DEFERRED,
    requirement_id TEXT NOT NULL,
    result TEXT NOT NULL,
    carried_forward BOOLEAN NOT NULL,
    note TEXT,
    evidence_ids TEXT NOT NULL,
    assessed_by TEXT,
    assessed_on TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE risk_exception (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    app_id TEXT,
    requirement_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    compensating_controls TEXT,
    requested_by TEXT NOT NULL,
    approver TEXT,
    approved_on TEXT,
    expires_on TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE incident (
    id TEXT PRIMARY KEY,
    app_id TEXT,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    category TEXT,
    occurred_on TEXT NOT NULL,
    detected_on TEXT NOT NULL,
    description TEXT,
    regulator_reported_on TEXT,
    state TEXT NOT NULL,
    closed_on TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE drill (
    id TEXT PRIMARY KEY,
    app_id TEXT,
    scenario TEXT NOT NULL,
    planned_on TEXT NOT NULL,
    held_on TEXT,
    participants TEXT,
    outcome TEXT,
    state TEXT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE complaint (
    id TEXT PRIMARY KEY,
    app_id TEXT,
    received_on TEXT NOT NULL,
    channel TEXT,
    category TEXT NOT NULL,
    summary TEXT NOT NULL,
    due_on TEXT NOT NULL,
    due_exact BOOLEAN NOT NULL,
    handled_on TEXT,
    outcome TEXT,
    state TEXT NOT NULL,
    version BIGINT NOT NULL
);

CREATE TABLE counterfeit_case (
    id TEXT PRIMARY KEY,
    app_id TEXT,
    counterfeit_name TEXT NOT NULL,
    found_at TEXT NOT NULL,
    detected_on TEXT NOT NULL,
    state TEXT NOT NULL,
    confirmed_on TEXT,
    clarified_on TEXT,
    clarification_url TEXT,
    reported_on TEXT,
    taken_down_on TEXT,
    closed_on TEXT,
    note TEXT,
    version BIGINT NOT NULL
);

CREATE TABLE os_release (
    id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    name TEXT NOT NULL,
    announced_on TEXT NOT NULL,
    ships_on TEXT,
    version BIGINT NOT NULL
);

CREATE INDEX obligation_app ON obligation (app_id);
CREATE INDEX obligation_due ON obligation (state, due_on);
CREATE INDEX evidence_revision_evidence ON evidence_revision (evidence_id);
CREATE INDEX assessment_result_assessment ON assessment_result (assessment_id);
