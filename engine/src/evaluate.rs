//! Screening one case: indicator states, then the decision ([`crate::decide`]), then the report
//! or the compact result. Never fails as a whole: a failing indicator is an entry.

use std::borrow::Cow;

#[cfg(feature = "scripts")]
use rhai::{Dynamic, EvalAltResult, Scope};

use crate::codes;
use crate::cond::{Cond, Env};
use crate::decide::{self, Decided, Facts, Tally, positive_by};
use crate::model::{CompiledRuleSet, Condition, ScriptCondition};
use crate::observation::Observations;
use crate::report::{
    Clause, DimensionReport, EvalError, IndicatorReport, NextQuestion, OutcomeReport, Reads,
    Report, ReportDiagnostic, RuleSetRef, State, Str, StrengthCounts,
};
use crate::sandbox;
use crate::value::Value;

/// The engine's name and version, as reports carry it.
pub const ENGINE: &str = concat!("herken ", env!("CARGO_PKG_VERSION"));

/// What a screen should produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenOptions {
    /// Language of labels and advice; the rule set's first language when it lacks this one.
    pub language: String,
    /// Rank the next questions (costs one decision per unanswered question).
    pub next_questions: bool,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        Self {
            language: "nl".into(),
            next_questions: true,
        }
    }
}

/// The lean result of screening one case ([`CompiledRuleSet::screen_compact`]): what a batch
/// needs, as indices into the rule set, with the same outcome, rule, states and dimensions as
/// the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactResult {
    /// Index into `outcomes` (the report's `outcome.level`).
    pub outcome: usize,
    /// Index into `decision`: the rule that gave the outcome.
    pub decided_by: usize,
    /// Whether the unknown indicators could still raise the outcome.
    pub may_rise: bool,
    /// The highest outcome the unknown indicators could lead to (`outcome` unless `may_rise`).
    pub could_rise_to: usize,
    /// Each indicator's state, in rule-set order.
    pub states: Vec<State>,
    /// Each dimension, in rule-set order: the clause of its rule that made it positive, or
    /// `None` when it is not positive.
    pub dimensions: Vec<Option<Clause>>,
}

impl CompactResult {
    /// Whether dimension `d` is positive.
    pub fn positive(&self, d: usize) -> bool {
        self.dimensions.get(d).is_some_and(Option::is_some)
    }
}

impl CompiledRuleSet {
    /// Screens one case: the full report, with the answers each indicator read, why each
    /// dimension is positive, and (when asked) the next questions.
    pub fn evaluate(&self, obs: &Observations, options: &ScreenOptions) -> Report<'_> {
        sandbox::screen_case(|| {
            let screening = self.screening(obs, options.next_questions);
            self.report(obs, &screening, options)
        })
    }

    /// What screening a case settles before anything is written, inside one case's budget
    /// (see [`Screening`]): the report and its JSON written directly are both made from it.
    pub(crate) fn screening(&self, obs: &Observations, next_questions: bool) -> Screening {
        let mut states = Vec::with_capacity(self.indicators.len());
        let mut errors = Vec::new();
        self.states_into(obs, &mut states, Some(&mut errors));
        let facts = Facts::new(self, &states);
        let decided = decide::decide(&facts);
        let mut unanswered = Vec::with_capacity(self.questions.len());
        unanswered.extend(
            (0..self.questions.len())
                .filter(|&q| *obs.get(q) == Value::Unknown && self.applies(q, obs)),
        );
        let mut next = NextRanking::default();
        if next_questions {
            self.rank_next_questions(&unanswered, &states, &facts, decided, &mut next);
        }
        Screening {
            states,
            errors,
            decided,
            unanswered,
            next,
        }
    }

    /// The report's language: `wanted` when the set has it, else its first language (`None`
    /// for a set without languages).
    pub(crate) fn language_index(&self, wanted: &str) -> Option<usize> {
        self.languages
            .iter()
            .position(|l| *l == wanted)
            .or((!self.languages.is_empty()).then_some(0))
    }

    /// Screens one case for batch use: the outcome, its rule, whether it may rise, every
    /// indicator's state and every dimension's clause, without the report's texts, reads and
    /// next questions.
    pub fn screen_compact(&self, obs: &Observations) -> CompactResult {
        let mut result = CompactResult::default();
        self.screen_compact_into(obs, &mut result);
        result
    }

    /// [`Self::screen_compact`] into `result`, reusing its memory from the previous case.
    pub fn screen_compact_into(&self, obs: &Observations, result: &mut CompactResult) {
        sandbox::screen_case(|| self.states_only(obs, &mut result.states));
        self.decide_into(result);
    }

    /// Whether a decision rule counts unknown indicators (`unknown_count`). Unknown indicators
    /// count as not present everywhere else, so only then can taking every unknown indicator
    /// as absent change a case's outcome: without it, [`Self::decide`] over the states with
    /// unknown ones made absent gives the outcome [`Self::screen_compact`] gave. A walk over
    /// the decision's conditions: callers that screen many cases ask once.
    pub fn decision_counts_unknown(&self) -> bool {
        let mut counts = false;
        for cond in self.decision.iter().filter_map(|r| r.when.as_ref()) {
            crate::analysis::solver::visit_helpers(cond, &mut |h| {
                counts |= matches!(h, crate::cond::DecisionHelper::UnknownCount(_));
            });
        }
        counts
    }

    /// Decides a case from its indicator states alone (one per indicator, in rule-set order):
    /// the outcome, the rule, what it could rise to and every dimension's clause, as
    /// [`Self::screen_compact`] gives them for a case with these states. For analysing
    /// decisions without answers.
    pub fn decide(&self, states: &[State]) -> CompactResult {
        let mut result = CompactResult {
            states: states.to_vec(),
            ..CompactResult::default()
        };
        self.decide_into(&mut result);
        result
    }

    /// [`Self::decide`] over `result.states`, filling in the rest of `result`.
    fn decide_into(&self, result: &mut CompactResult) {
        let facts = Facts::new(self, &result.states);
        let decided = decide::decide(&facts);
        result.outcome = decided.outcome;
        result.decided_by = decided.rule;
        result.may_rise = decided.may_rise();
        result.could_rise_to = decided.best;
        result.dimensions.clear();
        result
            .dimensions
            .extend((0..self.dimensions.len()).map(|d| facts.clause(d)));
    }

    /// The questions that apply to the answers so far (`ask_if` not false), in question
    /// order. Their scripted conditions share one case's budget, as in [`Self::evaluate`].
    pub fn applicable(&self, obs: &Observations) -> Vec<usize> {
        sandbox::screen_case(|| {
            (0..self.questions.len())
                .filter(|&q| self.applies(q, obs))
                .collect()
        })
    }

    /// Whether question `q` applies, given the answers so far (`ask_if` not false).
    pub fn applies(&self, q: usize, obs: &Observations) -> bool {
        match &self.questions[q].ask_if {
            None => true,
            Some(Condition::Native(cond)) => {
                let env = Env {
                    answers: &obs.answers,
                    facts: None,
                };
                match cond.truth(&env) {
                    Some(value) => value != Some(false),
                    None => !matches!(cond.eval(&env), Ok(Value::Bool(false))),
                }
            }
            Some(Condition::Script(script)) => {
                let map = self.obs_map(obs);
                !matches!(self.script_state(script, &map, false).0, State::Absent)
            }
        }
    }

    /// Indicator states into `states` (cleared first), and when asked for the errors of
    /// those in error, by indicator index (rare, so kept apart).
    pub(crate) fn states_into(
        &self,
        obs: &Observations,
        states: &mut Vec<State>,
        mut errors: Option<&mut Vec<(usize, EvalError)>>,
    ) {
        let mut script_obs: Option<ScriptObs> = None;
        states.clear();
        if let Some(errors) = errors.as_deref_mut() {
            errors.clear();
        }
        let env = Env {
            answers: &obs.answers,
            facts: None,
        };
        for ind in &self.indicators {
            let (state, error) = match &ind.condition {
                Condition::Native(cond) => match cond.truth(&env) {
                    Some(value) => (state_of(value), None),
                    None => native_state(cond, obs),
                },
                Condition::Script(script) => {
                    let map = script_obs.get_or_insert_with(|| self.obs_map(obs));
                    let any_unknown = ind.reads.iter().any(|&q| *obs.get(q) == Value::Unknown);
                    self.script_state(script, map, any_unknown)
                }
            };
            if let (Some(errors), Some(error)) = (errors.as_deref_mut(), error) {
                errors.push((states.len(), error));
            }
            states.push(state);
        }
    }

    /// Indicator states into `states` (cleared first), without their errors: when every
    /// condition is native, one tight loop.
    fn states_only(&self, obs: &Observations, states: &mut Vec<State>) {
        if self.scripted_indicators {
            return self.states_into(obs, states, None);
        }
        states.clear();
        let env = Env {
            answers: &obs.answers,
            facts: None,
        };
        states.extend(self.indicators.iter().map(|ind| match &ind.condition {
            Condition::Native(cond) => match cond.truth_quick(&env) {
                Some(value) => state_of(value),
                None => native_state(cond, obs).0,
            },
            Condition::Script(_) => State::Error,
        }));
    }

    fn report(
        &self,
        obs: &Observations,
        screening: &Screening,
        options: &ScreenOptions,
    ) -> Report<'_> {
        let Screening {
            states,
            errors,
            decided,
            unanswered,
            next,
        } = screening;
        let error_of = |i: usize| errors.iter().find(|(j, _)| *j == i).map(|(_, e)| e);
        let lang: Str<'_> = match self.language_index(&options.language) {
            Some(l) => Cow::Borrowed(&self.languages[l]),
            None => Cow::Owned(options.language.clone()),
        };
        let text = |t| Cow::Borrowed(self.text(t, &lang));

        let dimensions = (0..self.dimensions.len())
            .map(|d| self.dimension_report(states, d, &lang))
            .collect();

        let mut diagnostics: Vec<ReportDiagnostic> = errors
            .iter()
            .map(|(i, e)| self.error_diagnostic(*i, e))
            .collect();
        let indicators = self
            .indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| {
                let reads = Reads::new(ind.reads.iter().map(|&q| {
                    (
                        Cow::Borrowed(self.questions[q].id.as_str()),
                        obs.get(q).to_json(),
                    )
                }));
                IndicatorReport {
                    id: Cow::Borrowed(&ind.id),
                    label: text(&ind.label),
                    dimension: Cow::Borrowed(&self.dimensions[ind.dimension].id),
                    strength: ind.strength.map(|s| Cow::Borrowed(s.as_str())),
                    weight: ind.weight,
                    state: states[i],
                    reads,
                    error: error_of(i).cloned(),
                }
            })
            .collect();

        diagnostics.extend(self.population_mismatch(obs));

        let next_questions = next
            .ranked
            .iter()
            .map(|r| NextQuestion {
                id: Cow::Borrowed(&self.questions[r.question].id),
                question: Cow::Borrowed(self.text(&self.questions[r.question].text, &lang)),
                could_raise_to: (r.level > decided.outcome)
                    .then(|| Cow::Borrowed(self.outcomes[r.level].id.as_str())),
                indicators: next.settled[r.settles.clone()]
                    .iter()
                    .map(|&i| Cow::Borrowed(self.indicators[i].id.as_str()))
                    .collect(),
            })
            .collect();

        Report {
            ruleset: RuleSetRef {
                id: Cow::Borrowed(&self.id),
                version: Cow::Borrowed(&self.version),
                status: self.status,
                sha256: Cow::Borrowed(&self.sha256),
            },
            engine: Cow::Borrowed(ENGINE),
            outcome: self.outcome_report(*decided, &lang),
            language: lang,
            dimensions,
            indicators,
            unanswered: unanswered
                .iter()
                .map(|&q| Cow::Borrowed(self.questions[q].id.as_str()))
                .collect(),
            next_questions,
            diagnostics,
        }
    }

    /// The report's diagnostic for indicator `i` in error.
    pub(crate) fn error_diagnostic(&self, i: usize, e: &EvalError) -> ReportDiagnostic {
        ReportDiagnostic {
            code: e.code,
            message: format!("indicator `{}`: {}", self.indicators[i].id, e.message),
        }
    }

    /// The outcome as decided, with the rule that gave it and what it could rise to.
    fn outcome_report(&self, decided: Decided, lang: &str) -> OutcomeReport<'_> {
        let o = &self.outcomes[decided.outcome];
        let rule = self.decision.get(decided.rule);
        let higher = decided.may_rise().then(|| &self.outcomes[decided.best]);
        OutcomeReport {
            id: Cow::Borrowed(&o.id),
            level: decided.outcome,
            label: Cow::Borrowed(self.text(&o.label, lang)),
            advice: Cow::Borrowed(self.text(&o.advice, lang)),
            decided_by: rule.map_or(Cow::Borrowed(""), |r| Cow::Borrowed(r.id.as_str())),
            condition: rule.and_then(|r| r.when_source.as_deref().map(Cow::Borrowed)),
            may_rise: decided.may_rise(),
            could_rise_to: higher.map(|h| Cow::Borrowed(h.id.as_str())),
            could_rise_to_label: higher.map(|h| Cow::Borrowed(self.text(&h.label, lang))),
            htcds: o.htcds.as_deref().map(Cow::Borrowed),
        }
    }

    /// Dimension `d` of a case: its present and unknown indicators, their counts and score,
    /// and the clause of its rule that holds.
    fn dimension_report(&self, states: &[State], d: usize, lang: &str) -> DimensionReport<'_> {
        let dim = &self.dimensions[d];
        let mut present = Vec::new();
        let mut unknown = Vec::new();
        for &i in &dim.indicators {
            match states[i] {
                State::Present => present.push(Cow::Borrowed(self.indicators[i].id.as_str())),
                State::Unknown => unknown.push(Cow::Borrowed(self.indicators[i].id.as_str())),
                State::Absent | State::Error => {}
            }
        }
        let tally = self.dimension_tally(states, d);
        DimensionReport {
            id: Cow::Borrowed(&dim.id),
            label: Cow::Borrowed(self.text(&dim.label, lang)),
            positive: tally.clause.is_some(),
            rule: dim.rule,
            clause: tally.clause,
            counts: tally.counts,
            score: tally.score,
            indicators: present,
            unknown,
        }
    }

    /// Dimension `d`'s present indicators, counted as its rule counts them, and the clause of
    /// its rule that holds.
    pub(crate) fn dimension_tally(&self, states: &[State], d: usize) -> DimensionTally {
        let mut tally = DimensionTally::default();
        for &i in &self.dimensions[d].indicators {
            if states[i] == State::Present {
                let ind = &self.indicators[i];
                tally.present += 1;
                tally.score += ind.weight;
                if let Some(s) = ind.strength {
                    tally.counts.add(s);
                }
            }
        }
        tally.clause = positive_by(self.dimensions[d].rule, &tally);
        tally
    }

    /// Unanswered questions that feed an unknown indicator, ranked by the outcome a "yes" could
    /// lead to (every unknown indicator reading the question taken as present), then by the
    /// weight those indicators carry, then in question order.
    fn rank_next_questions(
        &self,
        unanswered: &[usize],
        states: &[State],
        facts: &Facts<'_>,
        decided: Decided,
        next: &mut NextRanking,
    ) {
        // A "yes" makes unknown indicators present: with a monotone decision the outcome it
        // leads to lies between the case's and the one with every unknown present, so only
        // the rules between them are tried, and none when those are the same.
        let monotone = self.monotone_decision();
        let level_with = |settles: &[usize]| {
            if !monotone {
                decide::first_rule(&facts.with_present(settles)).0
            } else if decided.best == decided.outcome {
                decided.outcome
            } else {
                decide::outcome_within(&facts.with_present(settles), decided.outcome, decided.best)
            }
        };
        // The indicators each question could settle, one after another in `settled`.
        let NextRanking { ranked, settled } = next;
        ranked.reserve(unanswered.len());
        settled.reserve(2 * unanswered.len());
        for &q in unanswered {
            let start = settled.len();
            settled.extend(
                self.readers[q]
                    .iter()
                    .copied()
                    .filter(|&i| states[i] == State::Unknown),
            );
            let settles = &settled[start..];
            if settles.is_empty() {
                continue;
            }
            ranked.push(RankedQuestion {
                level: level_with(settles),
                weight: settles.iter().map(|&i| self.indicators[i].weight).sum(),
                question: q,
                settles: start..settled.len(),
            });
        }
        // A total order (each question is ranked once), so the unstable sort gives the stable
        // sort's order; its own instantiation, because this sort runs at every screen with next
        // questions and the shared one (`crate::sort`) compares through a `dyn` call, which
        // WebAssembly makes slow.
        ranked.sort_unstable_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(b.weight.total_cmp(&a.weight))
                .then(a.question.cmp(&b.question))
        });
    }

    /// The case as a Rhai map for scripted conditions: unknown answers are `()`.
    #[cfg(feature = "scripts")]
    fn obs_map(&self, obs: &Observations) -> Dynamic {
        let mut map = rhai::Map::new();
        for (q, question) in self.questions.iter().enumerate() {
            map.insert(question.id.as_str().into(), to_dynamic(obs.get(q)));
        }
        Dynamic::from_map(map)
    }

    #[cfg(feature = "scripts")]
    fn script_state(
        &self,
        script: &ScriptCondition,
        obs: &Dynamic,
        any_unknown: bool,
    ) -> (State, Option<EvalError>) {
        // Every rule set with a scripted condition has its sandbox (the compiler makes one, and
        // so does reading a compiled form with scripts).
        let Some(engine) = &self.engine else {
            return (
                State::Error,
                Some(EvalError {
                    code: codes::eval::SCRIPT_ERROR,
                    message: "the rule set has no sandbox to run this script in".to_owned(),
                    at: Some(script.script.span.to_string()),
                }),
            );
        };
        let mut scope = Scope::new();
        scope.push_dynamic("obs", obs.clone());
        match sandbox::run_script(|| engine.eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast))
        {
            Ok(v) => match v.as_bool() {
                Ok(true) => (State::Present, None),
                Ok(false) if any_unknown => (State::Unknown, None),
                Ok(false) => (State::Absent, None),
                Err(_) if v.is_unit() => (State::Unknown, None),
                Err(type_name) => (
                    State::Error,
                    Some(EvalError {
                        code: codes::eval::NOT_A_CONDITION,
                        message: format!("the condition gave {type_name}, not true or false"),
                        at: Some(script.script.span.to_string()),
                    }),
                ),
            },
            // An error while an answer it reads is unknown (say, `!()`): the case does not say
            // enough yet. With every answer known it is a real failure.
            Err(e) if any_unknown && !is_limit(&e) => (State::Unknown, None),
            Err(e) => (State::Error, Some(self.eval_error(*e, script))),
        }
    }

    #[cfg(feature = "scripts")]
    fn eval_error(&self, mut e: EvalAltResult, script: &ScriptCondition) -> EvalError {
        // The place in the condition; what went wrong, from the innermost error (a limit hit
        // inside a function or a closure arrives wrapped in the call that ran it).
        let at = script.script.span_at(e.take_position());
        let e = e.unwrap_inner();
        let limits = &self.limits;
        let (code, message) = match e {
            EvalAltResult::ErrorTooManyOperations(_) => (
                codes::eval::OPERATION_LIMIT,
                format!(
                    "stopped at the operation limit ({} operations)",
                    limits.operations
                ),
            ),
            EvalAltResult::ErrorTerminated(token, _) => match token.clone().into_string() {
                Ok(t) if t == sandbox::STOPPED_STACK => (
                    codes::eval::CALL_DEPTH_LIMIT,
                    format!(
                        "stopped at the nesting limit: calls and expressions nest too deeply (call-depth limit {})",
                        limits.call_depth
                    ),
                ),
                Ok(t) if t == sandbox::STOPPED_CASE => (
                    codes::eval::OPERATION_LIMIT,
                    format!(
                        "stopped at the case's operation budget ({} operations for all scripted conditions together)",
                        sandbox::CASE_OPERATIONS
                    ),
                ),
                _ => (
                    codes::eval::OPERATION_LIMIT,
                    format!(
                        "stopped at the operation limit ({} operations, counting the data the script touched)",
                        limits.operations
                    ),
                ),
            },
            EvalAltResult::ErrorStackOverflow(_) => (
                codes::eval::CALL_DEPTH_LIMIT,
                format!(
                    "stopped at the call-depth limit ({} nested calls)",
                    limits.call_depth
                ),
            ),
            EvalAltResult::ErrorDataTooLarge(what, _) => (
                codes::eval::SIZE_LIMIT,
                format!(
                    "stopped at a size limit: {} (strings {} bytes, arrays {} items, maps {} entries)",
                    what.to_lowercase() + " too large",
                    limits.string_size,
                    limits.array_size,
                    limits.map_size
                ),
            ),
            other => (
                codes::eval::SCRIPT_ERROR,
                sandbox::describe_error(other, &script.script.source),
            ),
        };
        EvalError {
            code,
            message,
            at: Some(at.to_string()),
        }
    }
}

/// What scripted conditions read a case as.
#[cfg(feature = "scripts")]
type ScriptObs = Dynamic;
#[cfg(not(feature = "scripts"))]
struct ScriptObs;

/// Without Rhai no condition is a script (`ScriptCondition` has no values).
#[cfg(not(feature = "scripts"))]
impl CompiledRuleSet {
    fn obs_map(&self, _: &Observations) -> ScriptObs {
        ScriptObs
    }

    fn script_state(
        &self,
        script: &ScriptCondition,
        _: &ScriptObs,
        _: bool,
    ) -> (State, Option<EvalError>) {
        match *script {}
    }
}

/// What screening one case settles before anything is written ([`CompiledRuleSet::screening`]),
/// as indices into the rule set: the report ([`CompiledRuleSet::evaluate`]) and its JSON
/// written directly ([`CompiledRuleSet::evaluate_json`]) are both made from it, so they cannot
/// disagree on what was decided.
pub(crate) struct Screening {
    /// Each indicator's state, in rule-set order.
    pub(crate) states: Vec<State>,
    /// The errors of the indicators in error, by indicator index, ascending.
    pub(crate) errors: Vec<(usize, EvalError)>,
    /// The outcome, its rule and what it could rise to.
    pub(crate) decided: Decided,
    /// Applicable questions without an answer, in question order.
    pub(crate) unanswered: Vec<usize>,
    /// The next questions, ranked (empty unless asked for).
    pub(crate) next: NextRanking,
}

/// The next questions, most promising first.
#[derive(Debug, Default)]
pub(crate) struct NextRanking {
    pub(crate) ranked: Vec<RankedQuestion>,
    /// The indicators each question could settle, one question after another.
    pub(crate) settled: Vec<usize>,
}

/// One next question: the outcome a "yes" could lead to, the question, and the indicators it
/// could settle (a range of [`NextRanking::settled`]).
#[derive(Debug, Clone)]
pub(crate) struct RankedQuestion {
    pub(crate) level: usize,
    /// The weight of the indicators it could settle (ranks questions of the same level).
    pub(crate) weight: f64,
    pub(crate) question: usize,
    pub(crate) settles: std::ops::Range<usize>,
}

/// A dimension's present indicators as its rule counts them, and the clause that holds.
#[derive(Debug, Default)]
pub(crate) struct DimensionTally {
    pub(crate) counts: StrengthCounts,
    pub(crate) present: u32,
    pub(crate) score: f64,
    pub(crate) clause: Option<Clause>,
}

impl Tally for DimensionTally {
    fn counts(&self) -> StrengthCounts {
        self.counts
    }

    fn present(&self) -> u32 {
        self.present
    }

    fn score(&self) -> f64 {
        self.score
    }
}

#[cfg(feature = "scripts")]
fn is_limit(e: &EvalAltResult) -> bool {
    matches!(
        e.unwrap_inner(),
        EvalAltResult::ErrorTooManyOperations(_)
            | EvalAltResult::ErrorStackOverflow(_)
            | EvalAltResult::ErrorDataTooLarge(..)
            | EvalAltResult::ErrorTerminated(..)
    )
}

/// An indicator's state from its condition's value (`None`: unknown).
fn state_of(value: Option<bool>) -> State {
    match value {
        Some(true) => State::Present,
        Some(false) => State::Absent,
        None => State::Unknown,
    }
}

fn native_state(cond: &Cond, obs: &Observations) -> (State, Option<EvalError>) {
    match cond.eval(&Env {
        answers: &obs.answers,
        facts: None,
    }) {
        Ok(Value::Bool(true)) => (State::Present, None),
        Ok(Value::Bool(false)) => (State::Absent, None),
        Ok(Value::Unknown) => (State::Unknown, None),
        Ok(_) => (
            State::Error,
            Some(EvalError {
                code: codes::eval::NOT_A_CONDITION,
                message: "the condition did not give true or false".into(),
                at: None,
            }),
        ),
        Err(message) => (
            State::Error,
            Some(EvalError {
                code: codes::eval::SCRIPT_ERROR,
                message,
                at: None,
            }),
        ),
    }
}

#[cfg(feature = "scripts")]
fn to_dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Unknown => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Int(i) => Dynamic::from_int(*i),
        Value::Float(f) => Dynamic::from_float(*f),
        Value::Str(s) => Dynamic::from(s.to_string()),
        Value::List(items) => Dynamic::from_array(items.iter().map(to_dynamic).collect()),
    }
}
