//! Answers as screening reads them: tri-state, typed, shared without copying.

use std::sync::Arc;

/// A value during evaluation; `Unknown` is an unanswered question (or what follows from one).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Not answered (or what follows from an unanswered question).
    Unknown,
    /// Yes or no.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number.
    Float(f64),
    /// Text, or an option id.
    Str(Arc<str>),
    /// Option ids of a `choices` answer, in option order.
    List(Arc<[Value]>),
}

impl Value {
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Unknown => "unknown",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "text",
            Value::List(_) => "a list",
        }
    }
}

/// The value of an unanswered question, to lend by reference.
pub(crate) static UNKNOWN: Value = Value::Unknown;

impl Value {
    /// The answer as JSON, as reports write it (`null` when unknown).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match self {
            Value::Unknown => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::Str(s) => Json::String(s.to_string()),
            Value::List(items) => Json::Array(items.iter().map(Value::to_json).collect()),
        }
    }
}

/// A value in a compiled form (a constant of a condition): `null` for unknown, JSON's own
/// booleans and strings, `{"int": n}` / `{"float": x}` to keep whole and fractional numbers
/// apart, and a list of values.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireValue {
    Unknown,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<WireValue>),
}

impl From<&Value> for WireValue {
    fn from(v: &Value) -> Self {
        match v {
            Value::Unknown => WireValue::Unknown,
            Value::Bool(b) => WireValue::Bool(*b),
            Value::Int(i) => WireValue::Int(*i),
            Value::Float(f) => WireValue::Float(*f),
            Value::Str(s) => WireValue::Str(s.to_string()),
            Value::List(items) => WireValue::List(items.iter().map(WireValue::from).collect()),
        }
    }
}

impl From<WireValue> for Value {
    fn from(v: WireValue) -> Self {
        match v {
            WireValue::Unknown => Value::Unknown,
            WireValue::Bool(b) => Value::Bool(b),
            WireValue::Int(i) => Value::Int(i),
            WireValue::Float(f) => Value::Float(f),
            WireValue::Str(s) => Value::Str(s.into()),
            WireValue::List(items) => Value::List(items.into_iter().map(Value::from).collect()),
        }
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&WireValue::from(self), s)
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <WireValue as serde::Deserialize>::deserialize(d).map(Value::from)
    }
}
