-- Ledger pages at scale (docs/PERFORMANCE.md, "Ledger at scale"). A page
-- orders by (column, id) and may filter by state, form or department; with
-- single-column indexes every match had to be sorted before LIMIT (45,000
-- live apps sorted for a page of 50). These indexes hold the page order
-- itself, so a page reads its rows in order and stops. Each replaces the
-- single-column index it starts with. Portable SQL, as 0001.
CREATE INDEX app_name_id ON app (name, id);
CREATE INDEX app_state_name_id ON app (state, name, id);
CREATE INDEX app_state_id ON app (state, id);
CREATE INDEX app_form_name_id ON app (form, name, id);
CREATE INDEX app_department_name_id ON app (department_id, name, id);
DROP INDEX app_name;
DROP INDEX app_state;
DROP INDEX app_form;
DROP INDEX app_department;
