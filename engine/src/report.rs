//! The report: the one JSON answer type that the CLI and the WASM module both emit.
//! Field order here is the order in the JSON; every list has a fixed order (manifest order or
//! a documented ranking), so the same rule set and case always give byte-identical JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which rule set produced a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetRef {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

/// The screening result of one case against one rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub ruleset: RuleSetRef,
    /// `herken <version>` of the engine that produced it.
    pub engine: String,
    /// The language of labels and advice.
    pub language: String,
    pub outcome: OutcomeReport,
    pub dimensions: Vec<DimensionReport>,
    pub indicators: Vec<IndicatorReport>,
    /// Applicable questions without an answer, in question order.
    pub unanswered: Vec<String>,
    /// Unanswered questions that feed an unknown indicator, most promising first.
    pub next_questions: Vec<NextQuestion>,
    /// Problems met while screening (an indicator in error is also listed here).
    pub diagnostics: Vec<ReportDiagnostic>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeReport {
    pub id: String,
    /// 0 for the lowest outcome, counting up in the rule set's order.
    pub level: usize,
    pub label: String,
    pub advice: String,
    /// The decision rule that gave the outcome.
    pub decided_by: String,
    /// Whether answering the unknown questions could still give a higher outcome.
    pub may_rise: bool,
    /// The highest outcome the unknown answers could lead to, when `may_rise`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_rise_to: Option<String>,
    /// The IOM HTCDS trafficking status the outcome corresponds to, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub htcds: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrengthCounts {
    pub strong: u32,
    pub medium: u32,
    pub weak: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DimensionReport {
    pub id: String,
    pub label: String,
    pub positive: bool,
    /// Present indicators by strength.
    pub counts: StrengthCounts,
    /// Sum of the weights of present indicators.
    pub score: f64,
    /// The present indicators (those that make the dimension positive when it is).
    pub indicators: Vec<String>,
    /// Indicators still unknown.
    pub unknown: Vec<String>,
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
pub struct IndicatorReport {
    pub id: String,
    pub label: String,
    pub dimension: String,
    /// `strong`, `medium` or `weak`; absent for weighted indicators.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub strength: Option<String>,
    pub weight: f64,
    pub state: State,
    /// The answers the condition read, by question id (`null` when unknown).
    pub reads: BTreeMap<String, serde_json::Value>,
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
pub struct NextQuestion {
    pub id: String,
    pub question: String,
    /// The outcome a "yes" could lead to, when higher than the current one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub could_raise_to: Option<String>,
    /// Indicators whose state this answer could settle.
    pub indicators: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDiagnostic {
    pub code: String,
    pub message: String,
}

impl Report {
    /// The indicators in a state, by id.
    pub fn indicators_in(&self, state: State) -> impl Iterator<Item = &str> {
        self.indicators
            .iter()
            .filter(move |i| i.state == state)
            .map(|i| i.id.as_str())
    }

    /// Canonical JSON: compact, fields in declaration order.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Canonical JSON, indented for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
