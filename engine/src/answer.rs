//! Raw answers → typed values: the one place that decides what an answer means, for JSON values
//! (a case object, a JSONL row, a mapping's code) and for text cells (CSV), by an explicit
//! [`AnswerPolicy`]. Two steps, so that callers reading one answer for several rule sets read
//! it once: [`AnswerPolicy::read`] (the answer's type and options, by the question's type) and
//! [`Question::check`] (the question's bounds and the length of text).
//!
//! No error message ever contains the answer: it names what was expected and what kind of
//! value was found (text, a number, …), and the caller names the field.

use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use crate::codes::{self, Code};
use crate::diagnostic::did_you_mean;
use crate::manifest::QuestionType;
use crate::model::Question;
use crate::value::Value;

/// Longest text answer accepted (a free-text narrative), in bytes.
pub const MAX_TEXT_ANSWER: usize = 64 * 1024;

/// How raw answers are read: which texts and numbers mean yes, no and unknown, whether text is
/// a table cell, and how one text lists several options. [`AnswerPolicy::CASE`] reads JSON
/// cases (`herken screen`, the WASM module); [`AnswerPolicy::TABLE`] reads research tables
/// (`herken batch`: CSV cells and JSONL values, CTDC-style codes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnswerPolicy {
    /// Text is a table cell: white space around it is ignored, words are compared without
    /// case, numbers are read from text, and `separator` splits several options. Otherwise
    /// text is an answer as it is (an option id, a word of `yes`, `no` or `unknown`, free
    /// text).
    pub cells: bool,
    /// Texts read as yes to a yes/no question (besides JSON `true`).
    pub yes: &'static [&'static str],
    /// Texts read as no to a yes/no question (besides JSON `false`).
    pub no: &'static [&'static str],
    /// Whether the numbers 1 and 0 are yes and no to a yes/no question.
    pub numbers_as_yes_no: bool,
    /// Texts read as unknown (besides JSON `null`, a missing answer, and empty text in cells).
    pub unknown: &'static [&'static str],
    /// A number read as unknown (the CTDC convention `-99`).
    pub unknown_number: Option<f64>,
    /// What separates several options in one text, for `choices` questions.
    pub separator: Option<char>,
}

impl AnswerPolicy {
    /// JSON cases: `true`/`false` or `"yes"`/`"no"`; `null`, `"unknown"` or a missing key is
    /// unknown; numbers are numbers; text is the answer as written.
    pub const CASE: Self = Self {
        cells: false,
        yes: &["yes"],
        no: &["no"],
        numbers_as_yes_no: false,
        unknown: &["unknown"],
        unknown_number: None,
        separator: None,
    };

    /// Research tables (CSV cells, JSONL values): yes/no as `yes`, `true`, `1`, `ja` and `no`,
    /// `false`, `0`, `nee` in any case (and the numbers 1 and 0); empty, `unknown` or `-99`
    /// is unknown; numbers may be written as text; several options separated by `;`.
    pub const TABLE: Self = Self {
        cells: true,
        yes: &["yes", "true", "1", "ja"],
        no: &["no", "false", "0", "nee"],
        numbers_as_yes_no: true,
        unknown: &["unknown", "-99"],
        unknown_number: Some(-99.0),
        separator: Some(';'),
    };

    /// Reads a raw answer by the type and options of `question` (not yet its bounds: see
    /// [`Question::check`]).
    ///
    /// # Errors
    /// The answer does not fit the question's type, or names an option it does not have.
    pub fn read(&self, question: &Question, raw: RawAnswer<'_>) -> Result<Value, AnswerError> {
        match raw {
            RawAnswer::Text(text) => self.scalar(question, Scalar::Text(text)),
            RawAnswer::Json(json) => self.json(question, json),
        }
    }

    fn json(&self, q: &Question, json: &Json) -> Result<Value, AnswerError> {
        let scalar = match json {
            Json::Null => Scalar::Null,
            Json::Bool(b) => Scalar::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Scalar::Int(i),
                None => Scalar::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => Scalar::Text(s),
            Json::Array(items) if q.kind == QuestionType::Choices => {
                let mut choices = Choices::new(self, q);
                for item in items {
                    choices.push(item.as_str());
                }
                return choices.finish();
            }
            Json::Array(_) => Scalar::Other("a list"),
            Json::Object(_) => Scalar::Other("an object"),
        };
        self.scalar(q, scalar)
    }

    /// A single value by the question's type: the rules of this policy in one place.
    #[inline]
    pub(crate) fn scalar(&self, q: &Question, raw: Scalar<'_>) -> Result<Value, AnswerError> {
        if self.is_unknown(&raw) {
            return Ok(Value::Unknown);
        }
        match (q.kind, raw) {
            (QuestionType::YesNo, Scalar::Bool(b)) => Ok(Value::Bool(b)),
            (QuestionType::YesNo, Scalar::Int(i))
                if self.numbers_as_yes_no && (i == 0 || i == 1) =>
            {
                Ok(Value::Bool(i == 1))
            }
            (QuestionType::YesNo, Scalar::Float(f))
                if self.numbers_as_yes_no && (f == 0.0 || f == 1.0) =>
            {
                Ok(Value::Bool(f == 1.0))
            }
            (QuestionType::YesNo, Scalar::Text(t)) if self.is_word(t, self.yes) => {
                Ok(Value::Bool(true))
            }
            (QuestionType::YesNo, Scalar::Text(t)) if self.is_word(t, self.no) => {
                Ok(Value::Bool(false))
            }
            (QuestionType::Integer, Scalar::Int(i)) => Ok(Value::Int(i)),
            (QuestionType::Integer, Scalar::Float(f)) if is_whole(f) => Ok(Value::Int(f as i64)),
            (QuestionType::Integer, Scalar::Text(t)) if self.cells => {
                let t = t.trim();
                match t.parse::<i64>() {
                    Ok(i) => Ok(Value::Int(i)),
                    Err(_) => match t.parse::<f64>() {
                        Ok(f) if is_whole(f) => Ok(Value::Int(f as i64)),
                        _ => Err(self.wrong_type(q, &raw)),
                    },
                }
            }
            (QuestionType::Number, Scalar::Int(i)) => Ok(Value::Float(i as f64)),
            (QuestionType::Number, Scalar::Float(f)) if f.is_finite() => Ok(Value::Float(f)),
            (QuestionType::Number, Scalar::Text(t)) if self.cells => {
                match t.trim().parse::<f64>() {
                    Ok(f) if f.is_finite() => Ok(Value::Float(f)),
                    _ => Err(self.wrong_type(q, &raw)),
                }
            }
            (QuestionType::Choice, Scalar::Text(t)) => {
                let t = if self.cells { t.trim() } else { t };
                option(q, t).map(Value::Str)
            }
            (QuestionType::Choices, Scalar::Text(t)) if self.cells => {
                let mut choices = Choices::new(self, q);
                match self.separator {
                    Some(sep) => t
                        .split(sep)
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .for_each(|p| choices.push(Some(p))),
                    None => choices.push(Some(t.trim())),
                }
                choices.finish()
            }
            (QuestionType::Text, Scalar::Text(t)) => Ok(Value::Str(Arc::from(t))),
            (_, raw) => Err(self.wrong_type(q, &raw)),
        }
    }

    #[inline]
    fn is_unknown(&self, raw: &Scalar<'_>) -> bool {
        match raw {
            Scalar::Null => true,
            Scalar::Text(t) => (self.cells && t.trim().is_empty()) || self.is_word(t, self.unknown),
            Scalar::Int(i) => self.unknown_number == Some(*i as f64),
            Scalar::Float(f) => self.unknown_number == Some(*f),
            Scalar::Bool(_) | Scalar::Other(_) => false,
        }
    }

    /// Whether `text` is one of `words`: exactly, or in cells trimmed and without case.
    #[inline]
    fn is_word(&self, text: &str, words: &[&str]) -> bool {
        if self.cells {
            let t = text.trim();
            words.iter().any(|w| t.eq_ignore_ascii_case(w))
        } else {
            words.contains(&text)
        }
    }

    fn wrong_type(&self, q: &Question, found: &Scalar<'_>) -> AnswerError {
        let expected = match q.kind {
            QuestionType::YesNo => {
                let mut words = vec!["true", "false"];
                for w in self.yes.iter().chain(self.no) {
                    if !words.contains(w) {
                        words.push(w);
                    }
                }
                format!("a yes/no answer ({})", join_or(&words))
            }
            QuestionType::Integer => "a whole number".into(),
            QuestionType::Number => "a number".into(),
            QuestionType::Choice => "an option id".into(),
            QuestionType::Choices => match (self.cells, self.separator) {
                (true, Some(sep)) => {
                    format!("a list of option ids (in text, separated by `{sep}`)")
                }
                _ => "a list of option ids".into(),
            },
            QuestionType::Text => "text".into(),
        };
        let unknown = ["null".to_owned()]
            .into_iter()
            .chain(self.cells.then(|| "empty".to_owned()))
            .chain(self.unknown.iter().map(|w| format!("`{w}`")))
            .collect::<Vec<_>>();
        AnswerError {
            kind: AnswerErrorKind::WrongType,
            message: format!(
                "expected {expected} for {} question, found {}",
                q.kind.with_article(),
                found.kind()
            ),
            help: Some(format!(
                "an unknown answer is {} or left out",
                join_or(&unknown.iter().map(String::as_str).collect::<Vec<_>>())
            )),
        }
    }
}

impl Default for AnswerPolicy {
    fn default() -> Self {
        Self::CASE
    }
}

/// "a, b or c".
fn join_or(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A whole number an `i64` holds exactly (JSON writes `3.0` for some whole numbers).
fn is_whole(f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && f.abs() < 9e15
}

/// One raw answer, as a caller holds it.
#[derive(Debug, Clone, Copy)]
pub enum RawAnswer<'a> {
    /// Text, such as a CSV cell.
    Text(&'a str),
    /// A JSON value, such as a mapping's code or a parsed case's answer.
    Json(&'a Json),
}

/// A single raw value while it is read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(&'a str),
    /// A list or an object where a single value is needed: its kind.
    Other(&'static str),
}

impl Scalar<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "true/false",
            Scalar::Int(_) | Scalar::Float(_) => "a number",
            Scalar::Text(_) => "text",
            Scalar::Other(kind) => kind,
        }
    }
}

/// The options of a `choices` answer as they are read: each option once, in the question's
/// order, whatever order and repeats the answer has.
struct Choices<'q> {
    policy: &'q AnswerPolicy,
    question: &'q Question,
    picked: Vec<usize>,
    error: Option<AnswerError>,
}

impl<'q> Choices<'q> {
    fn new(policy: &'q AnswerPolicy, question: &'q Question) -> Self {
        Self {
            policy,
            question,
            picked: Vec::new(),
            error: None,
        }
    }

    /// One item: an option id, or `None` for an item that is not text.
    fn push(&mut self, item: Option<&str>) {
        if self.error.is_some() {
            return;
        }
        let Some(id) = item else {
            self.error = Some(
                self.policy
                    .wrong_type(self.question, &Scalar::Other("a list")),
            );
            return;
        };
        match self.question.option_ids.iter().position(|o| **o == *id) {
            Some(i) => self.picked.push(i),
            None => self.error = Some(unknown_option(self.question, id)),
        }
    }

    fn finish(mut self) -> Result<Value, AnswerError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.picked.sort_unstable();
        self.picked.dedup();
        let ids = &self.question.option_ids;
        Ok(Value::List(
            self.picked
                .iter()
                .map(|&i| Value::Str(Arc::from(&*ids[i])))
                .collect(),
        ))
    }
}

fn option(q: &Question, s: &str) -> Result<Arc<str>, AnswerError> {
    match q.option_ids.iter().find(|o| ***o == *s) {
        // A copy, not a clone of the shared id: threads screening in parallel would otherwise
        // contend for its reference count on every choice answer.
        Some(id) => Ok(Arc::from(&**id)),
        None => Err(unknown_option(q, s)),
    }
}

/// The answer is not an option: the help suggests a close option id or lists them (ids of the
/// rule set, never the answer).
fn unknown_option(q: &Question, answer: &str) -> AnswerError {
    let ids = || q.option_ids.iter().map(|o| &**o);
    AnswerError {
        kind: AnswerErrorKind::UnknownOption,
        message: "the answer is not an option of this question".into(),
        help: Some(
            did_you_mean(answer, ids())
                .unwrap_or_else(|| format!("options: {}", ids().collect::<Vec<_>>().join(", "))),
        ),
    }
}

impl Question {
    /// Checks a read answer against the question's bounds and the length allowed for text.
    ///
    /// # Errors
    /// A number out of bounds, or text that is too long.
    #[inline(always)]
    pub fn check(&self, value: Value) -> Result<Value, AnswerError> {
        // Most answers need no check at all: say so without a call.
        let needs_check = match &value {
            Value::Int(_) | Value::Float(_) => self.min.is_some() || self.max.is_some(),
            Value::Str(s) => s.len() > MAX_TEXT_ANSWER,
            _ => false,
        };
        if needs_check {
            self.check_bounds(value)
        } else {
            Ok(value)
        }
    }

    #[cold]
    fn check_bounds(&self, value: Value) -> Result<Value, AnswerError> {
        let n = match &value {
            Value::Int(i) => *i as f64,
            Value::Float(f) => *f,
            Value::Str(s) if self.kind == QuestionType::Text => {
                return Err(AnswerError {
                    kind: AnswerErrorKind::TooLong,
                    message: format!(
                        "text of {} bytes is longer than the {MAX_TEXT_ANSWER} allowed",
                        s.len()
                    ),
                    help: None,
                });
            }
            _ => return Ok(value),
        };
        let below = self.min.is_some_and(|min| n < min);
        let above = self.max.is_some_and(|max| n > max);
        if !(below || above) {
            return Ok(value);
        }
        let range = match (self.min, self.max) {
            (Some(lo), Some(hi)) => format!("from {lo} to {hi}"),
            (Some(lo), None) => format!("at least {lo}"),
            (None, Some(hi)) => format!("at most {hi}"),
            (None, None) => String::new(),
        };
        Err(AnswerError {
            kind: AnswerErrorKind::OutOfBounds,
            message: format!("the answer is out of bounds: it must be {range}"),
            help: None,
        })
    }

    /// Reads and checks an answer by `policy` ([`AnswerPolicy::read`], then [`Self::check`]).
    ///
    /// # Errors
    /// As those two.
    pub fn answer(&self, policy: &AnswerPolicy, raw: RawAnswer<'_>) -> Result<Value, AnswerError> {
        self.check(policy.read(self, raw)?)
    }
}

/// Why an answer could not be read. Its message names what was expected and the kind of
/// value found, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    /// What is wrong.
    pub kind: AnswerErrorKind,
    /// What was expected and what kind of value was found.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

/// What is wrong with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerErrorKind {
    /// Not of the question's type (text for a number, a list for yes/no, …).
    WrongType,
    /// Not one of the question's options.
    UnknownOption,
    /// A number outside the question's bounds.
    OutOfBounds,
    /// Text longer than [`MAX_TEXT_ANSWER`].
    TooLong,
}

impl AnswerErrorKind {
    /// The `case::*` code of the problem in a case.
    pub fn code(self) -> Code {
        match self {
            Self::WrongType => codes::case::WRONG_TYPE,
            Self::UnknownOption => codes::case::UNKNOWN_OPTION,
            Self::OutOfBounds => codes::case::OUT_OF_BOUNDS,
            Self::TooLong => codes::case::TOO_LONG,
        }
    }
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// Reads one answer to a question straight from any serde data format (JSON text above all),
/// by a policy, without building a `serde_json::Value`: the same answer and the same error as
/// [`AnswerPolicy::read`] over the parsed value. Anything is accepted as input; what does not
/// fit the question is an `Err` inside the `Ok`, so that the rest of the input is still read.
#[derive(Debug, Clone, Copy)]
pub struct AnswerSeed<'a> {
    /// The question the answer is to.
    pub question: &'a Question,
    /// How to read it.
    pub policy: &'a AnswerPolicy,
}

impl<'de> DeserializeSeed<'de> for AnswerSeed<'_> {
    type Value = Result<Value, AnswerError>;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl AnswerSeed<'_> {
    fn scalar(self, raw: Scalar<'_>) -> Result<Value, AnswerError> {
        self.policy.scalar(self.question, raw)
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
        // The commonest answer of all, read without the general rules.
        Ok(if self.question.kind == QuestionType::YesNo {
            Ok(Value::Bool(b))
        } else {
            self.scalar(Scalar::Bool(b))
        })
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Ok(self.scalar(Scalar::Int(n)))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(self.scalar(match i64::try_from(n) {
            Ok(i) => Scalar::Int(i),
            Err(_) => Scalar::Float(n as f64),
        }))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        // serde_json's `Value` turns a number that is not finite into null; its parser never
        // gives one.
        Ok(if n.is_finite() {
            self.scalar(Scalar::Float(n))
        } else {
            Ok(Value::Unknown)
        })
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self.scalar(Scalar::Text(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if self.question.kind != QuestionType::Choices {
            while seq.next_element::<CheckedValue>()?.is_some() {}
            return Ok(self.scalar(Scalar::Other("a list")));
        }
        let mut choices = Choices::new(self.policy, self.question);
        while let Some(item) = seq.next_element_seed(ItemSeed(&mut choices))? {
            let () = item;
        }
        Ok(choices.finish())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<CheckedValue, CheckedValue>()?.is_some() {}
        Ok(self.scalar(Scalar::Other("an object")))
    }
}

/// One item of a `choices` list, handed to the list as it is read.
struct ItemSeed<'c, 'q>(&'c mut Choices<'q>);

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an option id")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.0.push(Some(s));
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push(None);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<CheckedValue>()?.is_some() {}
        self.0.push(None);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<CheckedValue, CheckedValue>()?.is_some() {}
        self.0.push(None);
        Ok(())
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
