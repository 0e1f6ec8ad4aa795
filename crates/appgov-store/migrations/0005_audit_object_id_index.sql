-- An object's history (`Store::history`, the app page's history section)
-- asks for the events of one object id whatever its kind; the index of
-- 0001 starts with the kind, so that lookup scanned the whole trail
-- (2.9 s for one app page on a 1.7-million-event ledger). Portable SQL.
CREATE INDEX audit_event_object_id ON audit_event (object_id, seq);
