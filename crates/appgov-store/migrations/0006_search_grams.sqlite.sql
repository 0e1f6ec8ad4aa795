-- The ledger's search index (SQLite; PostgreSQL has its own 0006). A
-- search used to read every app's terms (LIKE '%word%'); now it looks up
-- grams — each character and each pair of adjacent characters of a term
-- — in an FTS5 table whose rows hold an app's grams as hex tokens
-- (appgov_store::search::fts_text: each term's pairs in order, so a word
-- of three or more characters is the phrase of its pairs, exactly), with
-- positions but without a copy of the text (content=''; contentless_delete
-- so a row can be replaced by its rowid). FTS5 rows
-- are numbered, so app_search gets a number of its own (doc) beside the
-- app id; it is derived data, so the table is made anew and filled at
-- open by the store (TERMS_VERSION 3). Written in the same transaction as
-- the app and its identities, like the terms.
DROP TABLE app_search;
CREATE TABLE app_search (
    doc INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL UNIQUE,
    terms TEXT NOT NULL,
    terms_version BIGINT NOT NULL
);
CREATE VIRTUAL TABLE app_search_gram USING fts5(
    grams,
    content = '',
    contentless_delete = 1,
    tokenize = 'ascii'
);
