//! The report: the one JSON answer type that the CLI and the WASM module both emit.
//! Field order here is the order in the JSON; every list has a fixed order (manifest order or
//! a documented ranking), so the same rule set and case always give byte-identical JSON.
//!
//! A report borrows its ids, labels and questions from the rule set that produced it
//! (`Report<'r>` lives as long as the `CompiledRuleSet`): building one copies no text, which
//! is most of what screening a case with its explanation would otherwise cost. A report read
//! back from JSON, or made independent with [`Report::into_owned`], owns its texts instead.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

/// A text of a report: borrowed from the rule set, or owned when read back from JSON.
pub type Str<'r> = Cow<'r, str>;

/// Which rule set produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetRef<'r> {
    pub id: Str<'r>,
    pub version: Str<'r>,
    /// How far the set has been checked against its sources (`draft`, `reviewed`, `verified`).
    pub status: crate::manifest::Status,
    pub sha256: Str<'r>,
}

/// The screening result of one case against one rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report<'r> {
    pub ruleset: RuleSetRef<'r>,
    /// `herken <version>` of the engine that produced it.
    pub engine: Str<'r>,
    /// The language of labels and advice.
    pub language: Str<'r>,
    pub outcome: OutcomeReport<'r>,
    pub dimensions: Vec<DimensionReport<'r>>,
    pub indicators: Vec<IndicatorReport<'r>>,
    /// Applicable questions without an answer, in question order.
    pub unanswered: Vec<Str<'r>>,
    /// Unanswered questions that feed an unknown indicator, most promising first.
    pub next_questions: Vec<NextQuestion<'r>>,
    /// Problems met while screening (an indicator in error is also listed here).
    pub diagnostics: Vec<ReportDiagnostic>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeReport<'r> {
    pub id: Str<'r>,
    /// 0 for the lowest outcome, counting up in the rule set's order.
    pub level: usize,
    pub label: Str<'r>,
    pub advice: Str<'r>,
    /// The decision rule that gave the outcome.
    pub decided_by: Str<'r>,
    /// Whether answering the unknown questions could still give a higher outcome.
    pub may_rise: bool,
    /// The highest outcome the unknown answers could lead to, when `may_rise`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_rise_to: Option<Str<'r>>,
    /// The IOM HTCDS trafficking status the outcome corresponds to, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub htcds: Option<Str<'r>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrengthCounts {
    pub strong: u32,
    pub medium: u32,
    pub weak: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionReport<'r> {
    pub id: Str<'r>,
    pub label: Str<'r>,
    pub positive: bool,
    /// Present indicators by strength.
    pub counts: StrengthCounts,
    /// Sum of the weights of present indicators.
    pub score: f64,
    /// The present indicators (those that make the dimension positive when it is).
    pub indicators: Vec<Str<'r>>,
    /// Indicators still unknown.
    pub unknown: Vec<Str<'r>>,
}

/// The state of one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Present,
    Absent,
    Unknown,
    Error,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Absent => "absent",
            State::Unknown => "unknown",
            State::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorReport<'r> {
    pub id: Str<'r>,
    pub label: Str<'r>,
    pub dimension: Str<'r>,
    /// `strong`, `medium` or `weak`; absent for weighted indicators.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strength: Option<Str<'r>>,
    pub weight: f64,
    pub state: State,
    /// The answers the condition read, by question id (`null` when unknown).
    pub reads: Reads<'r>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<EvalError>,
}

/// Why an indicator is in the `error` state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalError {
    /// `eval::operation-limit`, `eval::call-depth-limit`, `eval::size-limit`, `eval::script-error`.
    pub code: String,
    pub message: String,
    /// Position in the rule-set file (`ruleset.yaml:12:9`), when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextQuestion<'r> {
    pub id: Str<'r>,
    pub question: Str<'r>,
    /// The outcome a "yes" could lead to, when higher than the current one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_raise_to: Option<Str<'r>>,
    /// Indicators whose state this answer could settle.
    pub indicators: Vec<Str<'r>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDiagnostic {
    pub code: String,
    pub message: String,
}

impl Report<'_> {
    /// The indicators in a state, by id.
    pub fn indicators_in(&self, state: State) -> impl Iterator<Item = &str> {
        self.indicators
            .iter()
            .filter(move |i| i.state == state)
            .map(|i| i.id.as_ref())
    }

    /// The same report, owning all its texts (no longer tied to the rule set).
    pub fn into_owned(self) -> Report<'static> {
        Report {
            ruleset: RuleSetRef {
                id: owned(self.ruleset.id),
                version: owned(self.ruleset.version),
                status: self.ruleset.status,
                sha256: owned(self.ruleset.sha256),
            },
            engine: owned(self.engine),
            language: owned(self.language),
            outcome: OutcomeReport {
                id: owned(self.outcome.id),
                level: self.outcome.level,
                label: owned(self.outcome.label),
                advice: owned(self.outcome.advice),
                decided_by: owned(self.outcome.decided_by),
                may_rise: self.outcome.may_rise,
                could_rise_to: self.outcome.could_rise_to.map(owned),
                htcds: self.outcome.htcds.map(owned),
            },
            dimensions: self
                .dimensions
                .into_iter()
                .map(|d| DimensionReport {
                    id: owned(d.id),
                    label: owned(d.label),
                    positive: d.positive,
                    counts: d.counts,
                    score: d.score,
                    indicators: owned_all(d.indicators),
                    unknown: owned_all(d.unknown),
                })
                .collect(),
            indicators: self
                .indicators
                .into_iter()
                .map(|i| IndicatorReport {
                    id: owned(i.id),
                    label: owned(i.label),
                    dimension: owned(i.dimension),
                    strength: i.strength.map(owned),
                    weight: i.weight,
                    state: i.state,
                    reads: i.reads.into_owned(),
                    error: i.error,
                })
                .collect(),
            unanswered: owned_all(self.unanswered),
            next_questions: self
                .next_questions
                .into_iter()
                .map(|n| NextQuestion {
                    id: owned(n.id),
                    question: owned(n.question),
                    could_raise_to: n.could_raise_to.map(owned),
                    indicators: owned_all(n.indicators),
                })
                .collect(),
            diagnostics: self.diagnostics,
        }
    }

    /// Canonical JSON: compact, fields in declaration order (the bytes of `serde_json::to_string`,
    /// written directly).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.json_size_hint());
        crate::report_json::write_report(self, &mut out);
        out
    }

    /// A generous guess of the JSON's length, so that writing it rarely grows the buffer.
    fn json_size_hint(&self) -> usize {
        1024 + 320 * self.indicators.len() + 160 * self.next_questions.len()
    }

    /// Canonical JSON, indented for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

fn owned(s: Str<'_>) -> Str<'static> {
    Cow::Owned(s.into_owned())
}

fn owned_all(list: Vec<Str<'_>>) -> Vec<Str<'static>> {
    list.into_iter().map(owned).collect()
}

/// The answers an indicator's condition read: question id and answer (`null` when unknown),
/// sorted by question id, each id once. In JSON an object. (Held inline for the usual one
/// read, so a report does not allocate per indicator.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reads<'r>(SmallVec<[(Str<'r>, serde_json::Value); 1]>);

impl<'r> Reads<'r> {
    /// From pairs in any order (the first of two with the same id is kept).
    pub fn new(pairs: impl IntoIterator<Item = (Str<'r>, serde_json::Value)>) -> Self {
        let mut pairs: SmallVec<[_; 1]> = pairs.into_iter().collect();
        if pairs.len() > 1 {
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            pairs.dedup_by(|b, a| a.0 == b.0);
        }
        Self(pairs)
    }

    /// The answer read for a question.
    pub fn get(&self, question: &str) -> Option<&serde_json::Value> {
        self.0
            .binary_search_by(|(q, _)| q.as_ref().cmp(question))
            .ok()
            .map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, question: &str) -> bool {
        self.get(question).is_some()
    }

    /// Question ids and answers, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(q, v)| (q.as_ref(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn into_owned(self) -> Reads<'static> {
        Reads(self.0.into_iter().map(|(q, v)| (owned(q), v)).collect())
    }
}

impl std::ops::Index<&str> for Reads<'_> {
    type Output = serde_json::Value;

    /// # Panics
    /// When the condition did not read `question`.
    fn index(&self, question: &str) -> &serde_json::Value {
        match self.get(question) {
            Some(v) => v,
            None => panic!("no answer read for `{question}`"),
        }
    }
}

impl Serialize for Reads<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (q, v) in &self.0 {
            map.serialize_entry(q.as_ref(), v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Reads<'_> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, serde_json::Value>::deserialize(deserializer)?;
        Ok(Reads::new(map.into_iter().map(|(k, v)| (Cow::Owned(k), v))))
    }
}
