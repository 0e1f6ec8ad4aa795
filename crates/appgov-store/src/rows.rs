//! Between an entity's JSON form and a database row: values to bind (typed
//! even when null, because PostgreSQL wants a parameter's type) and rows
//! decoded back into JSON by the column kinds.

use serde_json::{Map, Value};
use sqlx::{ColumnIndex, Decode, Row, Type};

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

/// A row as a JSON object, by the column kinds.
pub(crate) fn row_map<R>(row: &R, cols: &[(&str, Col)]) -> Result<Map<String, Value>>
where
    R: Row,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'a> &'a str: ColumnIndex<R>,
{
    let mut m = Map::new();
    for (c, kind) in cols {
        let bad = |e: sqlx::Error| StoreError::Unreadable(format!("column {c}: {e}"));
        let v = match kind {
            Col::Text => row
                .try_get::<Option<String>, _>(*c)
                .map_err(bad)?
                .map_or(Value::Null, Value::String),
            Col::Int => row
                .try_get::<Option<i64>, _>(*c)
                .map_err(bad)?
                .map_or(Value::Null, Value::from),
            Col::Bool => row
                .try_get::<Option<bool>, _>(*c)
                .map_err(bad)?
                .map_or(Value::Null, Value::Bool),
            Col::Real => row
                .try_get::<Option<f64>, _>(*c)
                .map_err(bad)?
                .map_or(Value::Null, Value::from),
            Col::Json => match row.try_get::<Option<String>, _>(*c).map_err(bad)? {
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
    R: Row,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'a> &'a str: ColumnIndex<R>,
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

pub(crate) fn decode_event<R>(r: &R) -> Result<AuditEvent>
where
    R: Row,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'a> &'a str: ColumnIndex<R>,
{
    let get = |c: &str| -> Result<String> {
        r.try_get::<String, _>(c)
            .map_err(|e| StoreError::Unreadable(format!("audit_event.{c}: {e}")))
    };
    let opt = |c: &str| -> Result<Option<String>> {
        r.try_get::<Option<String>, _>(c)
            .map_err(|e| StoreError::Unreadable(format!("audit_event.{c}: {e}")))
    };
    Ok(AuditEvent {
        seq: r
            .try_get::<i64, _>("seq")
            .map_err(|e| StoreError::Unreadable(format!("audit_event.seq: {e}")))?,
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
