//! Observations: a case's answers, checked against the rule set's questions and stored by
//! question index in the typed form conditions read.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value as Json;

use crate::compile::{CompiledRuleSet, Question};
use crate::cond::Value;
use crate::diagnostic::did_you_mean;
use crate::manifest::QuestionType;

/// Longest text answer accepted (a free-text narrative), in bytes.
pub const MAX_TEXT_ANSWER: usize = 64 * 1024;

/// One case's answers, by question index; `Value::Unknown` where unanswered.
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    pub(crate) answers: Vec<Value>,
}

impl Observations {
    /// A case with every answer unknown.
    pub fn unknown(rules: &CompiledRuleSet) -> Self {
        Self {
            answers: vec![Value::Unknown; rules.questions.len()],
        }
    }

    /// The answer to question `index` (unknown when out of range).
    pub fn get(&self, index: usize) -> &Value {
        self.answers.get(index).unwrap_or(&Value::Unknown)
    }

    /// Sets an answer by question index.
    pub fn set(&mut self, index: usize, value: Value) {
        if let Some(slot) = self.answers.get_mut(index) {
            *slot = value;
        }
    }
}

/// A problem with one field of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservationError {
    /// A stable code: `case::unknown-question`, `case::wrong-type`, `case::out-of-bounds`,
    /// `case::unknown-option`, `case::not-an-object`, `case::too-long`.
    pub code: &'static str,
    /// The field (question id), empty for the case as a whole.
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl fmt::Display for ObservationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "error[{}]: {}", self.code, self.message)?;
        } else {
            write!(
                f,
                "error[{}]: field `{}`: {}",
                self.code, self.field, self.message
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// How strictly to read a case.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObservationOptions {
    /// Accept keys that are not questions of this rule set (when one intake feeds several
    /// sets, or carries case ids). Off by default: a misspelt id must not pass as unknown.
    pub allow_unknown_keys: bool,
}

impl CompiledRuleSet {
    /// Reads a case from a JSON object `{question_id: answer}`.
    ///
    /// # Errors
    /// Every problem with the case, each naming its field.
    pub fn observations(&self, case: &Json) -> Result<Observations, Vec<ObservationError>> {
        self.observations_with(case, ObservationOptions::default())
    }

    /// [`Self::observations`] with options.
    ///
    /// # Errors
    /// Every problem with the case, each naming its field.
    pub fn observations_with(
        &self,
        case: &Json,
        options: ObservationOptions,
    ) -> Result<Observations, Vec<ObservationError>> {
        let Json::Object(map) = case else {
            return Err(vec![ObservationError {
                code: "case::not-an-object",
                field: String::new(),
                message: format!(
                    "a case must be a JSON object of answers, found {}",
                    json_kind(case)
                ),
                help: Some("write `{\"question_id\": answer, ...}`".into()),
            }]);
        };
        let mut obs = Observations::unknown(self);
        let mut errors = Vec::new();
        for (key, value) in map {
            let Some(&index) = self.question_index.get(key) else {
                if !options.allow_unknown_keys {
                    errors.push(ObservationError {
                        code: "case::unknown-question",
                        field: key.clone(),
                        message: format!("`{key}` is not a question of rule set `{}`", self.id),
                        help: did_you_mean(key, self.questions.iter().map(|q| q.id.as_str())),
                    });
                }
                continue;
            };
            match answer(&self.questions[index], value) {
                Ok(v) => obs.answers[index] = v,
                Err((code, message, help)) => {
                    errors.push(ObservationError {
                        code,
                        field: key.clone(),
                        message,
                        help,
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(obs)
        } else {
            Err(errors)
        }
    }
}

type AnswerError = (&'static str, String, Option<String>);

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

fn is_unknown(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s == "unknown",
        _ => false,
    }
}

/// One answer, checked against its question.
pub(crate) fn answer(q: &Question, v: &Json) -> Result<Value, AnswerError> {
    if is_unknown(v) {
        return Ok(Value::Unknown);
    }
    let wrong = |expected: &str| -> AnswerError {
        (
            "case::wrong-type",
            format!(
                "expected {expected} for a {} question, found {}",
                q.kind.name(),
                json_kind(v)
            ),
            None,
        )
    };
    match q.kind {
        QuestionType::YesNo => match v {
            Json::Bool(b) => Ok(Value::Bool(*b)),
            Json::String(s) if s == "yes" => Ok(Value::Bool(true)),
            Json::String(s) if s == "no" => Ok(Value::Bool(false)),
            _ => Err((
                "case::wrong-type",
                format!("expected true, false or null, found {}", show(v)),
                Some("unknown answers are null, \"unknown\" or left out".into()),
            )),
        },
        QuestionType::Integer => {
            let n = v.as_i64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            });
            let n = n.ok_or_else(|| wrong("a whole number"))?;
            check_bounds(q, n as f64)?;
            Ok(Value::Int(n))
        }
        QuestionType::Number => {
            let n = v
                .as_f64()
                .filter(|f| f.is_finite())
                .ok_or_else(|| wrong("a number"))?;
            check_bounds(q, n)?;
            Ok(Value::Float(n))
        }
        QuestionType::Choice => match v {
            Json::String(s) => option(q, s).map(Value::Str),
            _ => Err(wrong("an option id")),
        },
        QuestionType::Choices => match v {
            Json::Array(items) => {
                let mut out: Vec<Value> = Vec::with_capacity(items.len());
                for item in items {
                    let Json::String(s) = item else {
                        return Err(wrong("a list of option ids"));
                    };
                    let id = option(q, s)?;
                    if !out.iter().any(|o| matches!(o, Value::Str(x) if *x == id)) {
                        out.push(Value::Str(id));
                    }
                }
                // Option order, so the same choices always give the same answer.
                out.sort_by_key(|o| match o {
                    Value::Str(s) => q.option_ids.iter().position(|x| x == s),
                    _ => None,
                });
                Ok(Value::List(out.into()))
            }
            _ => Err(wrong("a list of option ids")),
        },
        QuestionType::Text => match v {
            Json::String(s) if s.len() > MAX_TEXT_ANSWER => Err((
                "case::too-long",
                format!(
                    "text of {} bytes is longer than the {MAX_TEXT_ANSWER} allowed",
                    s.len()
                ),
                None,
            )),
            Json::String(s) => Ok(Value::Str(Arc::from(s.as_str()))),
            _ => Err(wrong("text")),
        },
    }
}

fn show(v: &Json) -> String {
    match v {
        Json::String(s) => format!("`{s}`"),
        other => json_kind(other).to_owned(),
    }
}

fn check_bounds(q: &Question, n: f64) -> Result<(), AnswerError> {
    let below = q.min.is_some_and(|min| n < min);
    let above = q.max.is_some_and(|max| n > max);
    if below || above {
        let range = match (q.min, q.max) {
            (Some(lo), Some(hi)) => format!("from {lo} to {hi}"),
            (Some(lo), None) => format!("at least {lo}"),
            (None, Some(hi)) => format!("at most {hi}"),
            (None, None) => String::new(),
        };
        return Err((
            "case::out-of-bounds",
            format!("{n} is out of bounds: the answer must be {range}"),
            None,
        ));
    }
    Ok(())
}

fn option(q: &Question, s: &str) -> Result<Arc<str>, AnswerError> {
    match q.option_ids.iter().find(|o| ***o == *s) {
        Some(id) => Ok(Arc::clone(id)),
        None => Err((
            "case::unknown-option",
            format!("`{s}` is not an option of this question"),
            Some(
                did_you_mean(s, q.option_ids.iter().map(|o| &**o)).unwrap_or_else(|| {
                    format!(
                        "options: {}",
                        q.option_ids
                            .iter()
                            .map(|o| &**o)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            ),
        )),
    }
}

/// An answer as JSON, for reports (`null` when unknown).
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Unknown => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.to_string()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
    }
}
