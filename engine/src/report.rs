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
use std::fmt;

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use smallvec::SmallVec;

use crate::codes::Code;
use crate::manifest::{PositiveRule, Strength};

/// A text of a report: borrowed from the rule set, or owned when read back from JSON.
pub type Str<'r> = Cow<'r, str>;

/// Which rule set produced a report.
/// Which rule set produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetRef<'r> {
    /// The rule set's id.
    pub id: Str<'r>,
    /// Its version.
    pub version: Str<'r>,
    /// How far the set has been checked against its sources (`draft`, `reviewed`, `verified`).
    pub status: crate::manifest::Status,
    /// SHA-256 of its rule files.
    pub sha256: Str<'r>,
}

/// The screening result of one case against one rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report<'r> {
    /// Which rule set produced it.
    pub ruleset: RuleSetRef<'r>,
    /// `herken <version>` of the engine that produced it.
    pub engine: Str<'r>,
    /// The language of labels and advice.
    pub language: Str<'r>,
    /// The outcome, how it was decided and what it could still become.
    pub outcome: OutcomeReport<'r>,
    /// Every dimension, in rule-set order.
    pub dimensions: Vec<DimensionReport<'r>>,
    /// Every indicator, in rule-set order.
    pub indicators: Vec<IndicatorReport<'r>>,
    /// Applicable questions without an answer, in question order.
    pub unanswered: Vec<Str<'r>>,
    /// Unanswered questions that feed an unknown indicator, most promising first.
    pub next_questions: Vec<NextQuestion<'r>>,
    /// Problems met while screening (an indicator in error is also listed here).
    pub diagnostics: Vec<ReportDiagnostic>,
}

/// The outcome of a screening, how it was decided and what it could still become.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeReport<'r> {
    /// The outcome's id.
    pub id: Str<'r>,
    /// 0 for the lowest outcome, counting up in the rule set's order.
    pub level: usize,
    /// Its label, in the report's language.
    pub label: Str<'r>,
    /// Its advice, in the report's language.
    pub advice: Str<'r>,
    /// The decision rule that gave the outcome.
    pub decided_by: Str<'r>,
    /// That rule's condition as written; absent for a rule without one (the default).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub condition: Option<Str<'r>>,
    /// Whether answering the unknown questions could still give a higher outcome.
    pub may_rise: bool,
    /// The highest outcome the unknown answers could lead to, when `may_rise`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_rise_to: Option<Str<'r>>,
    /// The label of that outcome, in the report's language.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_rise_to_label: Option<Str<'r>>,
    /// The IOM HTCDS trafficking status the outcome corresponds to, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub htcds: Option<Str<'r>>,
}

/// Present indicators by strength.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrengthCounts {
    /// Strong indicators present.
    pub strong: u32,
    /// Medium indicators present.
    pub medium: u32,
    /// Weak indicators present.
    pub weak: u32,
}

impl StrengthCounts {
    /// Counts one more present indicator of `strength`.
    pub fn add(&mut self, strength: Strength) {
        match strength {
            Strength::Strong => self.strong += 1,
            Strength::Medium => self.medium += 1,
            Strength::Weak => self.weak += 1,
        }
    }
}

/// One dimension of a screening: whether it is positive, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionReport<'r> {
    /// The dimension's id.
    pub id: Str<'r>,
    /// Its label, in the report's language.
    pub label: Str<'r>,
    /// Whether it is positive by its rule.
    pub positive: bool,
    /// Its rule: `"ilo"`, `{"at_least": k}` or `{"score_at_least": x}`.
    pub rule: PositiveRule,
    /// The clause of the rule that made it positive (the first that holds), when it is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub clause: Option<Clause>,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Its condition is true.
    Present,
    /// Its condition is false, and every answer it reads is known.
    Absent,
    /// Its condition is not true while an answer it reads is unknown.
    Unknown,
    /// Its condition failed (a script error or a sandbox limit); the report says why.
    Error,
}

impl State {
    /// Every state, in this order.
    pub const ALL: [State; 4] = [State::Present, State::Absent, State::Unknown, State::Error];

    /// Its name, as reports, test files and outputs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Present => "present",
            State::Absent => "absent",
            State::Unknown => "unknown",
            State::Error => "error",
        }
    }

    /// The state written as `name`.
    pub fn from_name(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A set of indicator states: the states an indicator may still take.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct States(u8);

impl States {
    /// No state.
    pub const NONE: States = States(0);
    /// Present only.
    pub const PRESENT: States = States(1);
    /// Absent only.
    pub const ABSENT: States = States(2);
    /// Unknown only.
    pub const UNKNOWN: States = States(4);
    /// In error only (decisions count it like absent: neither present nor unknown).
    pub const ERROR: States = States(8);
    /// Every state.
    pub const ANY: States = States(15);

    /// The set holding only `state`.
    pub fn only(state: State) -> States {
        match state {
            State::Present => States::PRESENT,
            State::Absent => States::ABSENT,
            State::Unknown => States::UNKNOWN,
            State::Error => States::ERROR,
        }
    }

    /// This set with the states of `other` added.
    #[must_use]
    pub fn with(self, other: States) -> States {
        States(self.0 | other.0)
    }

    /// This set with the states of `other` taken out.
    #[must_use]
    pub(crate) fn without(self, other: States) -> States {
        States(self.0 & !other.0)
    }

    /// The states in both sets.
    #[must_use]
    pub fn and(self, other: States) -> States {
        States(self.0 & other.0)
    }

    /// Whether `state` is in the set.
    pub fn contains(self, state: State) -> bool {
        self.0 & States::only(state).0 != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The states, in [`State::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = State> {
        State::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// As decisions see it: error counts as absent.
    pub(crate) fn for_decisions(self) -> States {
        if self.contains(State::Error) {
            States((self.0 & !States::ERROR.0) | States::ABSENT.0)
        } else {
            self
        }
    }
}

impl fmt::Debug for States {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(State::as_str).collect();
        write!(f, "{{{}}}", names.join(", "))
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<'de, str>::deserialize(deserializer)?;
        State::from_name(&name).ok_or_else(|| {
            serde::de::Error::unknown_variant(&name, &["present", "absent", "unknown", "error"])
        })
    }
}

/// The clause of a dimension's rule that made it positive: for the ILO/EC 2009 Delphi rule,
/// the first of its four that holds; for the other rules their only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Clause {
    /// ILO: 2 strong indicators.
    TwoStrong,
    /// ILO: 1 strong and 1 medium or weak indicator.
    StrongAndMediumOrWeak,
    /// ILO: 3 medium indicators.
    ThreeMedium,
    /// ILO: 2 medium and 1 weak indicator.
    TwoMediumAndWeak,
    /// At least the rule's number of indicators present.
    AtLeast,
    /// The weights of the present indicators add up to at least the rule's score.
    ScoreAtLeast,
}

impl Clause {
    /// Every clause, in this order.
    pub const ALL: [Clause; 6] = [
        Clause::TwoStrong,
        Clause::StrongAndMediumOrWeak,
        Clause::ThreeMedium,
        Clause::TwoMediumAndWeak,
        Clause::AtLeast,
        Clause::ScoreAtLeast,
    ];

    /// Its stable id, as reports write it (`2_strong`, `1_strong_1_medium_or_weak`,
    /// `3_medium`, `2_medium_1_weak`, `at_least`, `score_at_least`).
    pub fn id(self) -> &'static str {
        match self {
            Clause::TwoStrong => "2_strong",
            Clause::StrongAndMediumOrWeak => "1_strong_1_medium_or_weak",
            Clause::ThreeMedium => "3_medium",
            Clause::TwoMediumAndWeak => "2_medium_1_weak",
            Clause::AtLeast => "at_least",
            Clause::ScoreAtLeast => "score_at_least",
        }
    }

    /// The clause read by people, in `lang` (Dutch for `nl`, else English).
    pub fn text(self, lang: &str) -> &'static str {
        let nl = lang == "nl";
        match self {
            Clause::TwoStrong if nl => "2 sterk",
            Clause::TwoStrong => "2 strong",
            Clause::StrongAndMediumOrWeak if nl => "1 sterk + 1 middel/zwak",
            Clause::StrongAndMediumOrWeak => "1 strong + 1 medium/weak",
            Clause::ThreeMedium if nl => "3 middel",
            Clause::ThreeMedium => "3 medium",
            Clause::TwoMediumAndWeak if nl => "2 middel + 1 zwak",
            Clause::TwoMediumAndWeak => "2 medium + 1 weak",
            Clause::AtLeast if nl => "genoeg aanwezig",
            Clause::AtLeast => "enough present",
            Clause::ScoreAtLeast if nl => "score gehaald",
            Clause::ScoreAtLeast => "score reached",
        }
    }
}

impl Serialize for Clause {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Clause {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = Cow::<'de, str>::deserialize(deserializer)?;
        Clause::ALL
            .into_iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown clause `{id}`")))
    }
}

impl DimensionReport<'_> {
    /// Why the dimension is (not) positive, in `lang` (Dutch for `nl`, else English): the
    /// counts its rule looks at and the clause that held, e.g. "0 strong, 3 medium, 0 weak;
    /// ILO rule: 3 medium".
    pub fn why(&self, lang: &str) -> String {
        let nl = lang == "nl";
        let c = self.counts;
        match self.rule {
            PositiveRule::Ilo => {
                let counts = if nl {
                    format!("{} sterk, {} middel, {} zwak", c.strong, c.medium, c.weak)
                } else {
                    format!("{} strong, {} medium, {} weak", c.strong, c.medium, c.weak)
                };
                match (self.clause, nl) {
                    (Some(clause), true) => format!("{counts}; ILO-regel: {}", clause.text(lang)),
                    (Some(clause), false) => format!("{counts}; ILO rule: {}", clause.text(lang)),
                    (None, true) => format!("{counts}; ILO-regel niet gehaald"),
                    (None, false) => format!("{counts}; ILO rule not met"),
                }
            }
            PositiveRule::AtLeast(k) if nl => {
                format!("{} aanwezig, ten minste {k} nodig", self.indicators.len())
            }
            PositiveRule::AtLeast(k) => {
                format!("{} present, at least {k} needed", self.indicators.len())
            }
            PositiveRule::ScoreAtLeast(x) if nl => format!("score {} van {x} nodig", self.score),
            PositiveRule::ScoreAtLeast(x) => format!("score {} of {x} needed", self.score),
        }
    }
}

/// One indicator of a screening: its state and the answers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorReport<'r> {
    /// The indicator's id.
    pub id: Str<'r>,
    /// Its label, in the report's language.
    pub label: Str<'r>,
    /// Its dimension's id.
    pub dimension: Str<'r>,
    /// `strong`, `medium` or `weak`; absent for weighted indicators.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strength: Option<Str<'r>>,
    /// The weight it adds to a score when present.
    pub weight: f64,
    /// Its state for this case.
    pub state: State,
    /// The answers the condition read, by question id (`null` when unknown).
    pub reads: Reads<'r>,
    /// Why it is in error, when it is.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<EvalError>,
}

/// Why an indicator is in the `error` state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalError {
    /// `eval::operation-limit`, `eval::call-depth-limit`, `eval::size-limit`,
    /// `eval::not-a-condition` or `eval::script-error`.
    pub code: Code,
    /// What happened.
    pub message: String,
    /// Position in the rule-set file (`ruleset.yaml:12:9`), when known.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub at: Option<String>,
}

/// An unanswered question worth asking next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextQuestion<'r> {
    /// The question's id.
    pub id: Str<'r>,
    /// The question, in the report's language.
    pub question: Str<'r>,
    /// The outcome a "yes" could lead to, when higher than the current one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_raise_to: Option<Str<'r>>,
    /// Indicators whose state this answer could settle.
    pub indicators: Vec<Str<'r>>,
}

/// A problem met while screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDiagnostic {
    /// Its code.
    pub code: Code,
    /// What happened.
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
                condition: self.outcome.condition.map(owned),
                may_rise: self.outcome.may_rise,
                could_rise_to: self.outcome.could_rise_to.map(owned),
                could_rise_to_label: self.outcome.could_rise_to_label.map(owned),
                htcds: self.outcome.htcds.map(owned),
            },
            dimensions: self
                .dimensions
                .into_iter()
                .map(|d| DimensionReport {
                    id: owned(d.id),
                    label: owned(d.label),
                    positive: d.positive,
                    rule: d.rule,
                    clause: d.clause,
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
            crate::sort::sort_by(&mut pairs, |a, b| a.0.cmp(&b.0));
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

    /// Whether the condition read `question`.
    pub fn contains_key(&self, question: &str) -> bool {
        self.get(question).is_some()
    }

    /// Question ids and answers, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(q, v)| (q.as_ref(), v))
    }

    /// How many answers were read.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no answer was read.
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
