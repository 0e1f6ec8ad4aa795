-- The ledger's search (web platform): one row per app with the text a
-- search matches — the name and aliases as written, their pinyin in full
-- and as initials (every reading of a polyphonic character, so 银行 is
-- found as "yinhang" and "yh"), and the app's package identifiers — all
-- lower case, space separated. Derived, not a record: the store rewrites
-- an app's row in the same transaction as every change to the app or its
-- identities, fills rows that are missing or computed by an older rule
-- (terms_version) when it opens, and the audit trail does not hold it.
-- Portable SQL, as 0001.
CREATE TABLE app_search (
    app_id TEXT PRIMARY KEY,
    terms TEXT NOT NULL,
    terms_version BIGINT NOT NULL
);
