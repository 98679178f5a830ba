//! Reading a case: a JSON object of answers by question id, from JSON text or a parsed
//! `serde_json::Value`, into [`Observations`] (answers by question index, in the typed form
//! conditions read). One reader for both sources (a `serde` seed driven by the questions), and
//! for every caller: `herken screen`, the WASM module, the tests; answers are read by
//! [`crate::answer`] under the caller's [`AnswerPolicy`].
//!
//! A case error names its field and what was wrong, never the answer.

use std::fmt;

use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use crate::answer::{AnswerError, AnswerPolicy, AnswerSeed, CheckedValue};
use crate::codes::{self, Code};
use crate::diagnostic::did_you_mean;
use crate::model::CompiledRuleSet;
use crate::value::Value;

/// The fast path of [`CompiledRuleSet::observations_from_str_into`].
#[path = "observation_fast.rs"]
mod fast;

pub use fast::{NotPlain, PlainObject, PlainValue};

/// One case's answers, by question index; `Value::Unknown` where unanswered.
#[derive(Debug, Clone, Default)]
pub struct Observations {
    pub(crate) answers: Vec<Value>,
    /// While reading: which questions were answered (bit q), to find a key given twice.
    seen: Vec<u64>,
    /// The keys of the last case read that are not questions, one after another, and where
    /// each ends.
    other_keys: String,
    other_ends: Vec<usize>,
}

impl PartialEq for Observations {
    fn eq(&self, other: &Self) -> bool {
        self.answers == other.answers
    }
}

impl Observations {
    /// A case with every answer unknown.
    pub fn unknown(rules: &CompiledRuleSet) -> Self {
        let mut obs = Self::default();
        obs.clear(rules);
        obs
    }

    /// Every answer unknown again, keeping the memory (for the next case of a batch).
    pub fn clear(&mut self, rules: &CompiledRuleSet) {
        self.answers.clear();
        self.answers.resize(rules.questions.len(), Value::Unknown);
        self.seen.clear();
        self.seen.resize(rules.questions.len().div_ceil(64), 0);
        self.other_keys.clear();
        self.other_ends.clear();
    }

    /// The answer to question `index` (unknown when out of range).
    pub fn get(&self, index: usize) -> &Value {
        self.answers.get(index).unwrap_or(&Value::Unknown)
    }

    /// Checks a read answer against question `index` of `rules` ([`crate::Question::check`])
    /// and stores it; for callers that read answers themselves (`herken batch` reads each
    /// cell once for several rule sets).
    ///
    /// # Errors
    /// The answer is out of the question's bounds or too long; nothing is stored.
    pub fn answer(
        &mut self,
        rules: &CompiledRuleSet,
        index: usize,
        value: Value,
    ) -> Result<(), AnswerError> {
        let value = rules.questions[index].check(value)?;
        if let Some(slot) = self.answers.get_mut(index) {
            *slot = value;
        }
        Ok(())
    }

    /// The keys of the last case read that are not questions of the rule set (read when
    /// [`ObservationOptions::allow_unknown_keys`]), in the order they came.
    pub fn other_keys(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.other_ends.iter().map(move |&end| {
            let key = &self.other_keys[start..end];
            start = end;
            key
        })
    }

    /// Marks question `q` answered; whether it was already.
    #[inline]
    fn seen_before(&mut self, q: usize) -> bool {
        let (word, bit) = (q / 64, 1u64 << (q % 64));
        match self.seen.get_mut(word) {
            Some(w) => {
                let before = *w & bit != 0;
                *w |= bit;
                before
            }
            None => false,
        }
    }

    /// Keeps a key that is not a question: its place among them, and whether it came before
    /// in this case.
    fn other_key(&mut self, key: &str) -> Option<(usize, bool)> {
        if self.other_ends.len() >= MAX_OTHER_KEYS {
            return None;
        }
        if let Some(at) = self.other_keys().position(|k| k == key) {
            return Some((at, true));
        }
        self.other_keys.push_str(key);
        self.other_ends.push(self.other_keys.len());
        Some((self.other_ends.len() - 1, false))
    }
}

/// A problem with one field of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservationError {
    /// A stable code: `case::unknown-question`, `case::duplicate-key`, `case::wrong-type`,
    /// `case::out-of-bounds`, `case::unknown-option`, `case::not-an-object`, `case::too-long`,
    /// `case::too-many-keys`, `case::too-many-errors`.
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

impl ObservationError {
    fn answer(field: &str, e: AnswerError) -> Self {
        Self {
            code: e.kind.code(),
            field: field.to_owned(),
            message: e.message,
            help: e.help,
        }
    }
}

/// How to read a case.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ObservationOptions {
    /// Accept keys that are not questions of this rule set (when one intake feeds several
    /// sets, or carries case ids). Off by default: a misspelt id must not pass as unknown.
    pub allow_unknown_keys: bool,
    /// How answers are read ([`AnswerPolicy::CASE`] unless set).
    pub policy: AnswerPolicy,
}

/// Why a case given as JSON text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CaseTextError {
    /// The text is not JSON (serde_json's message, with line and column).
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON does not fit the questions: every problem, by field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Answers(Vec<ObservationError>),
}

impl CompiledRuleSet {
    /// Reads a case from a JSON object `{question_id: answer}`, with the default options.
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
        let mut obs = Observations::default();
        match self.read_case(case, options, &mut obs) {
            Ok(()) => Ok(obs),
            // A `serde_json::Value` is valid JSON: no reader fails on it.
            Err(CaseTextError::Json(e)) => Err(vec![ObservationError {
                code: codes::case::INVALID_JSON,
                field: String::new(),
                message: e.to_string(),
                help: None,
            }]),
            Err(CaseTextError::Answers(errors)) => Err(errors),
        }
    }

    /// Reads a case straight from JSON text, without building a `serde_json::Value` (the same
    /// reader as [`Self::observations_with`]).
    ///
    /// # Errors
    /// [`CaseTextError::Json`] when the text is not JSON, else every problem with the case.
    pub fn observations_from_str(
        &self,
        text: &str,
        options: ObservationOptions,
    ) -> Result<Observations, CaseTextError> {
        let mut obs = Observations::default();
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
        // Cases as intake forms write them take the fast path; anything it does not read (and
        // every case with a problem) is read again by the general reader, which gives the
        // errors.
        if fast::read(self, text, options, obs).is_some() {
            return Ok(());
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let read = self.read_case(&mut de, options, obs);
        if !matches!(read, Err(CaseTextError::Json(_))) {
            // Text after the case makes it invalid JSON, whatever the case holds.
            de.end()?;
        }
        read
    }

    /// The one case reader, over any source of JSON.
    fn read_case<'de, D: Deserializer<'de>>(
        &self,
        source: D,
        options: ObservationOptions,
        obs: &mut Observations,
    ) -> Result<(), CaseTextError>
    where
        CaseTextError: From<D::Error>,
    {
        obs.clear(self);
        let mut errors = CaseSeed {
            rules: self,
            options,
            obs,
        }
        .deserialize(source)?;
        if errors.is_empty() {
            return Ok(());
        }
        // By field, as a `serde_json::Value` object lists its keys (serde_json is built without
        // `preserve_order`), so both sources give the same list.
        // The summaries of what was left out stay last.
        let summary = |e: &ObservationError| {
            e.code == codes::case::TOO_MANY_KEYS || e.code == codes::case::TOO_MANY_ERRORS
        };
        crate::sort::sort_by(&mut errors, |a, b| {
            (summary(a), &a.field).cmp(&(summary(b), &b.field))
        });
        Err(CaseTextError::Answers(errors))
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

fn duplicate_key(key: &str) -> ObservationError {
    ObservationError {
        code: codes::case::DUPLICATE_KEY,
        field: key.to_owned(),
        message: "the case gives this key more than once".into(),
        help: Some("give each question one answer".into()),
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

/// Reads the case object into `obs`; gives the problems found.
struct CaseSeed<'r> {
    rules: &'r CompiledRuleSet,
    options: ObservationOptions,
    obs: &'r mut Observations,
}

impl<'de> DeserializeSeed<'de> for CaseSeed<'_> {
    type Value = Vec<ObservationError>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CaseSeed<'_> {
    type Value = Vec<ObservationError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of answers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Self {
            rules,
            options,
            obs,
        } = self;
        let mut errors = Vec::new();
        let (mut more_errors, mut dropped_keys) = (0usize, 0usize);
        let mut report = |errors: &mut Vec<ObservationError>, e: ObservationError| {
            if errors.len() < MAX_CASE_ERRORS {
                errors.push(e);
            } else {
                more_errors += 1;
            }
        };
        // Intake forms write answers in question order: try the next question first.
        let mut next = 0;
        while let Some(key) = map.next_key_seed(KeySeed { rules, next, obs })? {
            match key {
                Key::Question { index, again } => {
                    next = index + 1;
                    let q = &rules.questions[index];
                    let answer = map.next_value_seed(AnswerSeed {
                        question: q,
                        policy: &options.policy,
                    })?;
                    if again {
                        report(&mut errors, duplicate_key(&q.id));
                        continue;
                    }
                    match answer.and_then(|v| q.check(v)) {
                        Ok(v) => obs.answers[index] = v,
                        Err(e) => report(&mut errors, ObservationError::answer(&q.id, e)),
                    }
                }
                Key::Other { at, again } => {
                    map.next_value::<CheckedValue>()?;
                    let key = obs.other_keys().nth(at).unwrap_or_default();
                    if again {
                        report(&mut errors, duplicate_key(key));
                    } else if !options.allow_unknown_keys {
                        report(&mut errors, rules.unknown_question(key));
                    }
                }
                Key::Dropped => {
                    map.next_value::<CheckedValue>()?;
                    dropped_keys += 1;
                }
            }
        }
        // Last in the list (after the sort by field): what was not reported one by one.
        if dropped_keys > 0 {
            errors.push(ObservationError {
                code: codes::case::TOO_MANY_KEYS,
                field: String::new(),
                message: format!(
                    "the case has {} keys that are not questions of rule set `{}`; a case may have at most {MAX_OTHER_KEYS}",
                    MAX_OTHER_KEYS + dropped_keys,
                    rules.id
                ),
                help: Some("give the answers by question id, and leave other data out".into()),
            });
        }
        if more_errors > 0 {
            errors.push(ObservationError {
                code: codes::case::TOO_MANY_ERRORS,
                field: String::new(),
                message: format!(
                    "and {more_errors} more problem{}",
                    if more_errors == 1 { "" } else { "s" }
                ),
                help: None,
            });
        }
        Ok(errors)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<CheckedValue>()?.is_some() {}
        Ok(vec![not_an_object("a list")])
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(vec![not_an_object("null")])
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(vec![not_an_object("true/false")])
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(vec![not_an_object("a number")])
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(vec![not_an_object("a number")])
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(vec![not_an_object("a number")])
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(vec![not_an_object("text")])
    }
}

/// A key of the case object, resolved to a question while it is read.
enum Key {
    /// A question; `again` when the case gave it before.
    Question { index: usize, again: bool },
    /// Not a question: its place in [`Observations::other_keys`]; `again` when given before.
    Other { at: usize, again: bool },
    /// Not a question, beyond [`MAX_OTHER_KEYS`]: not kept.
    Dropped,
}

/// Keys that are not questions kept per case (a case id, a date, the other sets' answers);
/// beyond them a case is refused (`case::too-many-keys`) without keeping the rest.
pub(crate) const MAX_OTHER_KEYS: usize = 1_000;
/// Problems reported per case; the rest are counted (`case::too-many-errors`).
pub(crate) const MAX_CASE_ERRORS: usize = 100;

struct KeySeed<'r, 'o> {
    rules: &'r CompiledRuleSet,
    /// The question most likely to come next.
    next: usize,
    obs: &'o mut Observations,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_, '_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a question id")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        // Answers left out skip a question or two; look a few ahead before hashing.
        let mut found = None;
        for (q, question) in self
            .rules
            .questions
            .iter()
            .enumerate()
            .skip(self.next)
            .take(4)
        {
            if question.id == key {
                found = Some(q);
                break;
            }
        }
        let found = found.or_else(|| self.rules.question_index.get(key).copied());
        Ok(match found {
            Some(index) => Key::Question {
                index,
                again: self.obs.seen_before(index),
            },
            None => match self.obs.other_key(key) {
                Some((at, again)) => Key::Other { at, again },
                None => Key::Dropped,
            },
        })
    }
}
