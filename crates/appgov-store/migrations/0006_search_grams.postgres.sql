-- The ledger's search index (PostgreSQL; SQLite has its own 0006). A
-- search used to read every app's terms (LIKE '%word%'); now it looks up
-- grams — each character and each pair of adjacent characters of a term
-- (appgov_store::search::search_grams) — kept as a text array beside the
-- terms under a GIN index (built in, no extension: pg_trgm would not find
-- words shorter than three characters, and drops CJK under the C locale).
-- Filled at open by the store (TERMS_VERSION 3), then written in the same
-- transaction as the app and its identities, like the terms.
ALTER TABLE app_search ADD COLUMN grams TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX app_search_grams ON app_search USING GIN (grams);
