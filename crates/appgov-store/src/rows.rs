//! Between an entity's JSON form and a database row: values to bind (typed
//! even when null, because PostgreSQL wants a parameter's type) and rows
//! decoded back into JSON by the column kinds.

use serde_json::{Map, Value};
use sqlx::Row;

use crate::columns::{Col, Stored};
use crate::{AuditEvent, Result, StoreError};

/// One value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Bound {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Real(Option<f64>),
}

/// The values of `cols`, in order, from an entity's JSON object.
pub(crate) fn bound_values(m: &Map<String, Value>, cols: &[(&str, Col)]) -> Vec<Bound> {
    cols.iter()
        .map(|(c, kind)| {
            let v = m.get(*c).unwrap_or(&Value::Null);
            match kind {
                Col::Text => Bound::Text(match v {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                }),
                Col::Int => Bound::Int(v.as_i64()),
                Col::Bool => Bound::Bool(v.as_bool()),
                Col::Real => Bound::Real(v.as_f64()),
                Col::Json => Bound::Text(match v {
                    Value::Null => None,
                    other => Some(other.to_string()),
                }),
            }
        })
        .collect()
}

/// A row of either backend, read by column name and kind (implemented
/// for the two concrete row types, so the functions below need no sqlx
/// trait bounds).
pub(crate) trait DecodableRow {
    fn text(&self, c: &str) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, c: &str) -> Result<Option<i64>, sqlx::Error>;
    fn boolean(&self, c: &str) -> Result<Option<bool>, sqlx::Error>;
    fn real(&self, c: &str) -> Result<Option<f64>, sqlx::Error>;
}

macro_rules! decodable {
    ($t:ty) => {
        impl DecodableRow for $t {
            fn text(&self, c: &str) -> Result<Option<String>, sqlx::Error> {
                self.try_get(c)
            }
            fn int(&self, c: &str) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(c)
            }
            fn boolean(&self, c: &str) -> Result<Option<bool>, sqlx::Error> {
                self.try_get(c)
            }
            fn real(&self, c: &str) -> Result<Option<f64>, sqlx::Error> {
                self.try_get(c)
            }
        }
    };
}
decodable!(sqlx::sqlite::SqliteRow);
decodable!(sqlx::postgres::PgRow);

/// A row as a JSON object, by the column kinds.
pub(crate) fn row_map<R>(row: &R, cols: &[(&str, Col)]) -> Result<Map<String, Value>>
where
    R: DecodableRow,
{
    let mut m = Map::new();
    for (c, kind) in cols {
        let bad = |e: sqlx::Error| StoreError::Unreadable(format!("column {c}: {e}"));
        let v = match kind {
            Col::Text => row.text(c).map_err(bad)?.map_or(Value::Null, Value::String),
            Col::Int => row.int(c).map_err(bad)?.map_or(Value::Null, Value::from),
            Col::Bool => row
                .boolean(c)
                .map_err(bad)?
                .map_or(Value::Null, Value::Bool),
            Col::Real => row.real(c).map_err(bad)?.map_or(Value::Null, Value::from),
            Col::Json => match row.text(c).map_err(bad)? {
                None => Value::Null,
                Some(s) => serde_json::from_str(&s).map_err(|e| {
                    StoreError::Unreadable(format!("column {c} holds invalid JSON: {e}"))
                })?,
            },
        };
        m.insert((*c).to_string(), v);
    }
    Ok(m)
}

/// A row as an entity.
pub(crate) fn decode_row<E: Stored, R>(row: &R) -> Result<E>
where
    R: DecodableRow,
{
    let m = row_map(row, E::COLUMNS)?;
    let id = m
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    serde_json::from_value(Value::Object(m)).map_err(|e| {
        StoreError::Unreadable(format!(
            "{} {id} in the database is not a valid record: {e}",
            E::KIND
        ))
    })
}

pub(crate) fn decode_event<R: DecodableRow>(r: &R) -> Result<AuditEvent> {
    let get = |c: &str| -> Result<String> {
        r.text(c)
            .map_err(|e| StoreError::Unreadable(format!("audit_event.{c}: {e}")))?
            .ok_or_else(|| StoreError::Unreadable(format!("audit_event.{c} is empty")))
    };
    let opt = |c: &str| -> Result<Option<String>> {
        r.text(c)
            .map_err(|e| StoreError::Unreadable(format!("audit_event.{c}: {e}")))
    };
    Ok(AuditEvent {
        seq: r
            .int("seq")
            .map_err(|e| StoreError::Unreadable(format!("audit_event.seq: {e}")))?
            .ok_or_else(|| StoreError::Unreadable("audit_event.seq is empty".into()))?,
        at: get("at")?,
        actor: get("actor")?,
        action: get("action")?,
        object_kind: get("object_kind")?,
        object_id: get("object_id")?,
        before_json: opt("before_json")?,
        after_json: opt("after_json")?,
        prev_hash: get("prev_hash")?,
        hash: get("hash")?,
    })
}

/// One sample record of every kind, with every field set (Chinese text,
/// lists, nested records, booleans, numbers) — for round-trip tests.
#[cfg(test)]
pub(crate) fn samples() -> Map<String, Value> {
    serde_json::from_str(include_str!("../tests/samples.json")).expect("samples are JSON")
}
