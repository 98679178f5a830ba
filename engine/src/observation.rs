//! Observations: a case's answers, checked against the rule set's questions and stored by
//! question index in the typed form conditions read.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use crate::codes::{self, Code};
use crate::diagnostic::did_you_mean;
use crate::manifest::QuestionType;
use crate::model::{CompiledRuleSet, Question};
use crate::value::Value;

/// Longest text answer accepted (a free-text narrative), in bytes.
pub(crate) const MAX_TEXT_ANSWER: usize = 64 * 1024;

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
}

/// A problem with one field of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservationError {
    /// A stable code: `case::unknown-question`, `case::wrong-type`, `case::out-of-bounds`,
    /// `case::unknown-option`, `case::not-an-object`, `case::too-long`.
    pub code: Code,
    /// The field (question id), empty for the case as a whole.
    pub field: String,
    /// What is wrong; never the answer itself.
    pub message: String,
    /// How to fix it.
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
            return Err(vec![not_an_object(json_kind(case))]);
        };
        let mut obs = Observations::unknown(self);
        let mut errors = Vec::new();
        for (key, value) in map {
            let Some(&index) = self.question_index.get(key) else {
                if !options.allow_unknown_keys {
                    errors.push(self.unknown_question(key));
                }
                continue;
            };
            match answer(&self.questions[index], value) {
                Ok(v) => obs.answers[index] = v,
                Err(e) => errors.push(answer_error(key, e)),
            }
        }
        if errors.is_empty() {
            Ok(obs)
        } else {
            Err(errors)
        }
    }

    fn unknown_question(&self, key: &str) -> ObservationError {
        ObservationError {
            code: codes::case::UNKNOWN_QUESTION,
            field: key.to_owned(),
            message: format!("`{key}` is not a question of rule set `{}`", self.id),
            help: did_you_mean(key, self.questions.iter().map(|q| q.id.as_str())),
        }
    }
}

fn not_an_object(kind: &str) -> ObservationError {
    ObservationError {
        code: codes::case::NOT_AN_OBJECT,
        field: String::new(),
        message: format!("a case must be a JSON object of answers, found {kind}"),
        help: Some("write `{\"question_id\": answer, ...}`".into()),
    }
}

fn answer_error(key: &str, (code, message, help): AnswerError) -> ObservationError {
    ObservationError {
        code,
        field: key.to_owned(),
        message,
        help,
    }
}

/// Why a case given as JSON text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaseTextError {
    /// The text is not JSON (serde_json's message, with line and column).
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON does not fit the questions: every problem, exactly as
    /// [`CompiledRuleSet::observations_with`] gives them for the parsed value.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Answers(Vec<ObservationError>),
}

impl CompiledRuleSet {
    /// Reads a case straight from JSON text: the same answers and the same problems as
    /// parsing it into a `serde_json::Value` and calling [`Self::observations_with`], without
    /// building the `Value` (the question schema drives the parser).
    ///
    /// # Errors
    /// [`CaseTextError::Json`] when the text is not JSON, else every problem with the case.
    pub fn observations_from_str(
        &self,
        text: &str,
        options: ObservationOptions,
    ) -> Result<Observations, CaseTextError> {
        let mut obs = Observations {
            answers: Vec::new(),
        };
        self.observations_from_str_into(text, options, &mut obs)?;
        Ok(obs)
    }

    /// [`Self::observations_from_str`] into `obs`, reusing its memory from the previous case
    /// (for batches). After an error `obs` holds no meaningful answers.
    ///
    /// # Errors
    /// As [`Self::observations_from_str`].
    pub fn observations_from_str_into(
        &self,
        text: &str,
        options: ObservationOptions,
        obs: &mut Observations,
    ) -> Result<(), CaseTextError> {
        obs.answers.clear();
        obs.answers.resize(self.questions.len(), Value::Unknown);
        let mut de = serde_json::Deserializer::from_str(text);
        let read = CaseSeed {
            rules: self,
            options,
            answers: &mut obs.answers,
        }
        .deserialize(&mut de)?;
        de.end()?;
        read.finish(self)
    }
}

/// What reading a case from JSON text found besides the answers.
struct CaseRead {
    /// Problems with answers, by question index (the last answer to a question counts, as
    /// when a `serde_json::Value` keeps the last of duplicate keys).
    errors: Vec<(usize, AnswerError)>,
    unknown_keys: Vec<String>,
    /// What the case was when it was not an object.
    not_an_object: Option<&'static str>,
}

impl CaseRead {
    /// The answers, or every problem in the order `observations_with` gives them: by key, as a
    /// `serde_json::Value` object iterates.
    fn finish(self, rules: &CompiledRuleSet) -> Result<(), CaseTextError> {
        if let Some(kind) = self.not_an_object {
            return Err(CaseTextError::Answers(vec![not_an_object(kind)]));
        }
        if self.errors.is_empty() && self.unknown_keys.is_empty() {
            return Ok(());
        }
        let mut errors: Vec<ObservationError> = self
            .unknown_keys
            .iter()
            .map(|key| rules.unknown_question(key))
            .chain(
                self.errors
                    .into_iter()
                    .map(|(q, e)| answer_error(&rules.questions[q].id, e)),
            )
            .collect();
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        errors.dedup_by(|a, b| a.field == b.field);
        Err(CaseTextError::Answers(errors))
    }
}

struct CaseSeed<'r> {
    rules: &'r CompiledRuleSet,
    options: ObservationOptions,
    /// Filled in by question index; every answer unknown to begin with.
    answers: &'r mut Vec<Value>,
}

impl<'de> DeserializeSeed<'de> for CaseSeed<'_> {
    type Value = CaseRead;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<CaseRead, D::Error> {
        d.deserialize_any(self)
    }
}

impl CaseSeed<'_> {
    fn not_an_object(&self, kind: &'static str) -> CaseRead {
        CaseRead {
            errors: Vec::new(),
            unknown_keys: Vec::new(),
            not_an_object: Some(kind),
        }
    }
}

impl<'de> Visitor<'de> for CaseSeed<'_> {
    type Value = CaseRead;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of answers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CaseRead, A::Error> {
        let rules = self.rules;
        let mut read = CaseRead {
            errors: Vec::new(),
            unknown_keys: Vec::new(),
            not_an_object: None,
        };
        // Intake forms write answers in question order: try the next question first.
        let mut next = 0;
        while let Some(key) = map.next_key_seed(KeySeed {
            rules,
            next,
            keep_unknown: !self.options.allow_unknown_keys,
        })? {
            match key {
                Key::Question(q) => {
                    next = q + 1;
                    let answer = map.next_value_seed(AnswerSeed(&rules.questions[q]))?;
                    if !read.errors.is_empty() {
                        read.errors.retain(|(i, _)| *i != q);
                    }
                    match answer {
                        Ok(v) => self.answers[q] = v,
                        Err(e) => read.errors.push((q, e)),
                    }
                }
                Key::Unknown(key) => {
                    map.next_value::<CheckedValue>()?;
                    read.unknown_keys.push(key);
                }
                Key::Ignored => {
                    map.next_value::<CheckedValue>()?;
                }
            }
        }
        Ok(read)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CaseRead, A::Error> {
        while seq.next_element::<CheckedValue>()?.is_some() {}
        Ok(self.not_an_object("a list"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<CaseRead, E> {
        Ok(self.not_an_object("null"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<CaseRead, E> {
        Ok(self.not_an_object("true/false"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<CaseRead, E> {
        Ok(self.not_an_object("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<CaseRead, E> {
        Ok(self.not_an_object("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<CaseRead, E> {
        Ok(self.not_an_object("a number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<CaseRead, E> {
        Ok(self.not_an_object("text"))
    }
}

/// A key of the case object, resolved to a question while it is read.
enum Key {
    Question(usize),
    /// Not a question, kept for the error.
    Unknown(String),
    /// Not a question, and unknown keys are allowed.
    Ignored,
}

struct KeySeed<'r> {
    rules: &'r CompiledRuleSet,
    /// The question most likely to come next.
    next: usize,
    keep_unknown: bool,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a question id")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        // Answers left out skip a question or two; look a few ahead before hashing.
        let ahead = self
            .rules
            .questions
            .iter()
            .enumerate()
            .skip(self.next)
            .take(4);
        for (q, question) in ahead {
            if question.id == key {
                return Ok(Key::Question(q));
            }
        }
        Ok(match self.rules.question_index.get(key) {
            Some(&q) => Key::Question(q),
            None if self.keep_unknown => Key::Unknown(key.to_owned()),
            None => Key::Ignored,
        })
    }
}

/// One answer read against its question. The common shapes are read directly; anything else
/// (a wrong type, an unknown option, a list for `choices`) becomes the `serde_json::Value` it
/// stands for and goes through [`answer`], so both readers give the same answers and errors.
struct AnswerSeed<'q>(&'q Question);

impl<'de> DeserializeSeed<'de> for AnswerSeed<'_> {
    type Value = Result<Value, AnswerError>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnswerSeed<'_> {
    type Value = Result<Value, AnswerError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an answer")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(Value::Unknown))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Ok(match self.0.kind {
            QuestionType::YesNo => Ok(Value::Bool(b)),
            _ => answer(self.0, &Json::Bool(b)),
        })
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(answer(self.0, &Json::Number(n.into())))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(answer(self.0, &Json::Number(n.into())))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        // serde_json's `Value` turns a number that is not finite into null; its parser never
        // gives one.
        Ok(match serde_json::Number::from_f64(n) {
            Some(n) => answer(self.0, &Json::Number(n)),
            None => Ok(Value::Unknown),
        })
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        let q = self.0;
        let fast = match (q.kind, s) {
            (_, "unknown") => Some(Value::Unknown),
            (QuestionType::YesNo, "yes") => Some(Value::Bool(true)),
            (QuestionType::YesNo, "no") => Some(Value::Bool(false)),
            (QuestionType::Choice, _) => q
                .option_ids
                .iter()
                .find(|o| ***o == *s)
                .map(|o| Value::Str(Arc::from(&**o))), // a copy: see `option`
            (QuestionType::Text, _) if s.len() <= MAX_TEXT_ANSWER => Some(Value::Str(Arc::from(s))),
            _ => None,
        };
        Ok(match fast {
            Some(v) => Ok(v),
            None => answer(q, &Json::String(s.to_owned())),
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        if self.0.kind == QuestionType::Choices {
            while let Some(item) = seq.next_element::<Json>()? {
                items.push(item);
            }
        } else {
            // Only the kind matters for the error.
            while seq.next_element::<CheckedValue>()?.is_some() {}
        }
        Ok(answer(self.0, &Json::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<CheckedValue, CheckedValue>()?.is_some() {}
        Ok(answer(self.0, &Json::Object(serde_json::Map::new())))
    }
}

/// A JSON value read and dropped, checked as parsing it into a `serde_json::Value` would check
/// it (numbers in range, valid escapes, nesting within serde_json's limit), so that text with a
/// value nobody reads gives the same error either way; serde's `IgnoredAny` skips values
/// without those checks. The case reader skips values with it; so can a caller reading the
/// same text for other keys (`herken batch` does).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckedValue;

impl<'de> de::Deserialize<'de> for CheckedValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = CheckedValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<CheckedValue, E> {
        Ok(CheckedValue)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<CheckedValue, E> {
        Ok(CheckedValue)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<CheckedValue, E> {
        Ok(CheckedValue)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<CheckedValue, E> {
        Ok(CheckedValue)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<CheckedValue, E> {
        Ok(CheckedValue)
    }

    fn visit_unit<E: de::Error>(self) -> Result<CheckedValue, E> {
        Ok(CheckedValue)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CheckedValue, A::Error> {
        while seq.next_element::<CheckedValue>()?.is_some() {}
        Ok(CheckedValue)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CheckedValue, A::Error> {
        while map.next_entry::<CheckedValue, CheckedValue>()?.is_some() {}
        Ok(CheckedValue)
    }
}

type AnswerError = (Code, String, Option<String>);

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
            codes::case::WRONG_TYPE,
            format!(
                "expected {expected} for {} question, found {}",
                q.kind.with_article(),
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
                codes::case::WRONG_TYPE,
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
                codes::case::TOO_LONG,
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
            codes::case::OUT_OF_BOUNDS,
            format!("{n} is out of bounds: the answer must be {range}"),
            None,
        ));
    }
    Ok(())
}

fn option(q: &Question, s: &str) -> Result<Arc<str>, AnswerError> {
    match q.option_ids.iter().find(|o| ***o == *s) {
        // A copy, not a clone of the shared id: threads screening in parallel would otherwise
        // contend for its reference count on every choice answer.
        Some(id) => Ok(Arc::from(&**id)),
        None => Err((
            codes::case::UNKNOWN_OPTION,
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
pub(crate) fn to_json(v: &Value) -> Json {
    match v {
        Value::Unknown => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Str(s) => Json::String(s.to_string()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
    }
}
