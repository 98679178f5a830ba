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
