//! Screening one case: indicator states, dimension positivity, the decision, what may still
//! change it, and the report. Never fails as a whole: a failing indicator is an entry.

use std::collections::BTreeMap;

use rhai::{Dynamic, EvalAltResult, Scope};

use crate::compile::{CompiledRuleSet, Condition, ScriptCondition};
use crate::cond::{Cond, DecisionFacts, Env, Value};
use crate::manifest::{PositiveRule, Strength};
use crate::observation::{Observations, to_json};
use crate::report::{
    DimensionReport, EvalError, IndicatorReport, NextQuestion, OutcomeReport, Report,
    ReportDiagnostic, RuleSetRef, State, StrengthCounts,
};

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

/// Indicator states of one case, with errors where a condition failed.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub states: Vec<State>,
    pub errors: Vec<Option<EvalError>>,
}

/// Per-dimension results.
#[derive(Debug, Clone, Copy, Default)]
struct DimensionResult {
    positive: bool,
    counts: StrengthCounts,
    score: f64,
}

struct Facts<'a> {
    rules: &'a CompiledRuleSet,
    states: &'a [State],
    positive: Vec<bool>,
}

impl<'a> Facts<'a> {
    fn new(rules: &'a CompiledRuleSet, states: &'a [State]) -> Self {
        let positive = rules
            .dimensions
            .iter()
            .enumerate()
            .map(|(d, _)| dimension(rules, states, d).positive)
            .collect();
        Self {
            rules,
            states,
            positive,
        }
    }
}

impl DecisionFacts for Facts<'_> {
    fn positive(&self, dimension: usize) -> bool {
        self.positive.get(dimension).copied().unwrap_or(false)
    }
    fn dimension_count(&self) -> usize {
        self.positive.len()
    }
    fn present(&self, indicator: usize) -> bool {
        self.states.get(indicator) == Some(&State::Present)
    }
    fn unknown(&self, indicator: usize) -> bool {
        self.states.get(indicator) == Some(&State::Unknown)
    }
    fn weight(&self, indicator: usize) -> f64 {
        self.rules
            .indicators
            .get(indicator)
            .map_or(0.0, |i| i.weight)
    }
    fn indicator_count(&self) -> usize {
        self.states.len()
    }
    fn in_dimension(&self, indicator: usize, dimension: usize) -> bool {
        self.rules
            .indicators
            .get(indicator)
            .is_some_and(|i| i.dimension == dimension)
    }
}

fn dimension(rules: &CompiledRuleSet, states: &[State], d: usize) -> DimensionResult {
    let dim = &rules.dimensions[d];
    let mut r = DimensionResult::default();
    let mut present = 0u32;
    for &i in &dim.indicators {
        if states[i] != State::Present {
            continue;
        }
        present += 1;
        let ind = &rules.indicators[i];
        r.score += ind.weight;
        match ind.strength {
            Some(Strength::Strong) => r.counts.strong += 1,
            Some(Strength::Medium) => r.counts.medium += 1,
            Some(Strength::Weak) => r.counts.weak += 1,
            None => {}
        }
    }
    let StrengthCounts {
        strong: s,
        medium: m,
        weak: w,
    } = r.counts;
    r.positive = match dim.rule {
        PositiveRule::Ilo => s >= 2 || (s >= 1 && m + w >= 1) || m >= 3 || (m >= 2 && w >= 1),
        PositiveRule::AtLeast(k) => present >= k,
        PositiveRule::ScoreAtLeast(x) => r.score >= x,
    };
    r
}

impl CompiledRuleSet {
    /// Screens one case.
    pub fn evaluate(&self, obs: &Observations, options: &ScreenOptions) -> Report {
        let evaluation = self.indicator_states(obs);
        self.report(obs, &evaluation, options)
    }

    /// The state of every indicator for a case.
    pub fn indicator_states(&self, obs: &Observations) -> Evaluation {
        let mut script_obs: Option<Dynamic> = None;
        let mut states = Vec::with_capacity(self.indicators.len());
        let mut errors = Vec::with_capacity(self.indicators.len());
        for ind in &self.indicators {
            let (state, error) = match &ind.condition {
                Condition::Native(cond) => native_state(cond, obs),
                Condition::Script(script) => {
                    let map = script_obs.get_or_insert_with(|| self.obs_map(obs));
                    let any_unknown = ind.reads.iter().any(|&q| *obs.get(q) == Value::Unknown);
                    self.script_state(script, map, any_unknown)
                }
            };
            states.push(state);
            errors.push(error);
        }
        Evaluation { states, errors }
    }

    /// The outcome (index into `outcomes`) that indicator states lead to.
    pub fn decide_states(&self, states: &[State]) -> usize {
        self.decide(states).0
    }

    /// The outcome index and deciding rule for indicator states.
    fn decide(&self, states: &[State]) -> (usize, usize) {
        let facts = Facts::new(self, states);
        let env = Env {
            answers: &[],
            facts: Some(&facts),
        };
        for (r, rule) in self.decision.iter().enumerate() {
            let holds = match &rule.when {
                None => true,
                Some(cond) => matches!(cond.eval(&env), Ok(Value::Bool(true))),
            };
            if holds {
                return (rule.outcome, r);
            }
        }
        // The loader guarantees a final rule without `when`; stay total regardless.
        (0, self.decision.len().saturating_sub(1))
    }

    /// Whether question `q` applies, given the answers so far (`ask_if` not false).
    pub fn applies(&self, q: usize, obs: &Observations) -> bool {
        match &self.questions[q].ask_if {
            None => true,
            Some(Condition::Native(cond)) => !matches!(
                cond.eval(&Env {
                    answers: &obs.answers,
                    facts: None
                }),
                Ok(Value::Bool(false))
            ),
            Some(Condition::Script(script)) => {
                let map = self.obs_map(obs);
                !matches!(self.script_state(script, &map, false).0, State::Absent)
            }
        }
    }

    fn report(&self, obs: &Observations, ev: &Evaluation, options: &ScreenOptions) -> Report {
        let lang = if self.languages.contains(&options.language) {
            options.language.clone()
        } else {
            self.languages
                .first()
                .cloned()
                .unwrap_or_else(|| options.language.clone())
        };
        let fallbacks = &self.languages;
        let (outcome, rule) = self.decide(&ev.states);

        // What the unknown indicators could still do.
        let optimistic: Vec<State> = ev
            .states
            .iter()
            .map(|s| {
                if *s == State::Unknown {
                    State::Present
                } else {
                    *s
                }
            })
            .collect();
        let (best, _) = self.decide(&optimistic);
        let may_rise = best > outcome;

        let dimensions = self
            .dimensions
            .iter()
            .enumerate()
            .map(|(d, dim)| {
                let r = dimension(self, &ev.states, d);
                let pick = |state: State| -> Vec<String> {
                    dim.indicators
                        .iter()
                        .filter(|&&i| ev.states[i] == state)
                        .map(|&i| self.indicators[i].id.clone())
                        .collect()
                };
                DimensionReport {
                    id: dim.id.clone(),
                    label: dim.label.get(&lang, fallbacks).to_owned(),
                    positive: r.positive,
                    counts: r.counts,
                    score: r.score,
                    indicators: pick(State::Present),
                    unknown: pick(State::Unknown),
                }
            })
            .collect();

        let mut diagnostics = Vec::new();
        let indicators = self
            .indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| {
                let reads: BTreeMap<String, serde_json::Value> = ind
                    .reads
                    .iter()
                    .map(|&q| (self.questions[q].id.clone(), to_json(obs.get(q))))
                    .collect();
                if let Some(e) = &ev.errors[i] {
                    diagnostics.push(ReportDiagnostic {
                        code: e.code.clone(),
                        message: format!("indicator `{}`: {}", ind.id, e.message),
                    });
                }
                IndicatorReport {
                    id: ind.id.clone(),
                    label: ind.label.get(&lang, fallbacks).to_owned(),
                    dimension: self.dimensions[ind.dimension].id.clone(),
                    strength: ind.strength.map(|s| match s {
                        Strength::Strong => "strong".to_owned(),
                        Strength::Medium => "medium".to_owned(),
                        Strength::Weak => "weak".to_owned(),
                    }),
                    weight: ind.weight,
                    state: ev.states[i],
                    reads,
                    error: ev.errors[i].clone(),
                }
            })
            .collect();

        let unanswered: Vec<usize> = (0..self.questions.len())
            .filter(|&q| *obs.get(q) == Value::Unknown && self.applies(q, obs))
            .collect();
        let next_questions = if options.next_questions {
            self.next_questions(&unanswered, &ev.states, outcome, &lang)
        } else {
            Vec::new()
        };

        let o = &self.outcomes[outcome];
        Report {
            ruleset: RuleSetRef {
                id: self.id.clone(),
                version: self.version.clone(),
                sha256: self.sha256.clone(),
            },
            engine: ENGINE.to_owned(),
            language: lang.clone(),
            outcome: OutcomeReport {
                id: o.id.clone(),
                level: outcome,
                label: o.label.get(&lang, fallbacks).to_owned(),
                advice: o.advice.get(&lang, fallbacks).to_owned(),
                decided_by: self
                    .decision
                    .get(rule)
                    .map(|r| r.id.clone())
                    .unwrap_or_default(),
                may_rise,
                could_rise_to: may_rise.then(|| self.outcomes[best].id.clone()),
                htcds: o.htcds.clone(),
            },
            dimensions,
            indicators,
            unanswered: unanswered
                .iter()
                .map(|&q| self.questions[q].id.clone())
                .collect(),
            next_questions,
            diagnostics,
        }
    }

    /// Unanswered questions that feed an unknown indicator, ranked by the outcome a "yes" could
    /// lead to (every unknown indicator reading the question taken as present), then by the
    /// weight those indicators carry, then in question order.
    fn next_questions(
        &self,
        unanswered: &[usize],
        states: &[State],
        current: usize,
        lang: &str,
    ) -> Vec<NextQuestion> {
        let mut ranked: Vec<(usize, f64, usize, Vec<usize>)> = Vec::new();
        let mut trial = states.to_vec();
        for &q in unanswered {
            let settles: Vec<usize> = self.readers[q]
                .iter()
                .copied()
                .filter(|&i| states[i] == State::Unknown)
                .collect();
            if settles.is_empty() {
                continue;
            }
            for &i in &settles {
                trial[i] = State::Present;
            }
            let (level, _) = self.decide(&trial);
            for &i in &settles {
                trial[i] = State::Unknown;
            }
            let weight: f64 = settles.iter().map(|&i| self.indicators[i].weight).sum();
            ranked.push((level, weight, q, settles));
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked
            .into_iter()
            .map(|(level, _, q, settles)| NextQuestion {
                id: self.questions[q].id.clone(),
                question: self.questions[q].text.get(lang, &self.languages).to_owned(),
                could_raise_to: (level > current).then(|| self.outcomes[level].id.clone()),
                indicators: settles
                    .iter()
                    .map(|&i| self.indicators[i].id.clone())
                    .collect(),
            })
            .collect()
    }

    /// The case as a Rhai map for scripted conditions: unknown answers are `()`.
    fn obs_map(&self, obs: &Observations) -> Dynamic {
        let mut map = rhai::Map::new();
        for (q, question) in self.questions.iter().enumerate() {
            map.insert(question.id.as_str().into(), to_dynamic(obs.get(q)));
        }
        Dynamic::from_map(map)
    }

    fn script_state(
        &self,
        script: &ScriptCondition,
        obs: &Dynamic,
        any_unknown: bool,
    ) -> (State, Option<EvalError>) {
        let mut scope = Scope::new();
        scope.push_dynamic("obs", obs.clone());
        match self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast)
        {
            Ok(v) => match v.as_bool() {
                Ok(true) => (State::Present, None),
                Ok(false) if any_unknown => (State::Unknown, None),
                Ok(false) => (State::Absent, None),
                Err(_) if v.is_unit() => (State::Unknown, None),
                Err(type_name) => (
                    State::Error,
                    Some(EvalError {
                        code: "eval::not-a-condition".into(),
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

    fn eval_error(&self, mut e: EvalAltResult, script: &ScriptCondition) -> EvalError {
        let pos = e.take_position();
        let at = match (pos.line(), pos.position()) {
            (Some(l), Some(c)) => script.script.locate(l as u32, c as u32),
            (Some(l), None) => script.script.locate(l as u32, 1),
            _ => script.script.span.clone(),
        };
        let limits = &self.limits;
        let (code, message) = match &e {
            EvalAltResult::ErrorTooManyOperations(_) => (
                "eval::operation-limit",
                format!(
                    "stopped at the operation limit ({} operations)",
                    limits.operations
                ),
            ),
            EvalAltResult::ErrorStackOverflow(_) => (
                "eval::call-depth-limit",
                format!(
                    "stopped at the call-depth limit ({} nested calls)",
                    limits.call_depth
                ),
            ),
            EvalAltResult::ErrorDataTooLarge(what, _) => (
                "eval::size-limit",
                format!(
                    "stopped at a size limit: {} (strings {} bytes, arrays {} items, maps {} entries)",
                    what.to_lowercase() + " too large",
                    limits.string_size,
                    limits.array_size,
                    limits.map_size
                ),
            ),
            other => ("eval::script-error", other.to_string()),
        };
        EvalError {
            code: code.into(),
            message,
            at: Some(at.to_string()),
        }
    }
}

fn is_limit(e: &EvalAltResult) -> bool {
    matches!(
        e,
        EvalAltResult::ErrorTooManyOperations(_)
            | EvalAltResult::ErrorStackOverflow(_)
            | EvalAltResult::ErrorDataTooLarge(..)
    )
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
                code: "eval::not-a-condition".into(),
                message: "the condition did not give true or false".into(),
                at: None,
            }),
        ),
        Err(message) => (
            State::Error,
            Some(EvalError {
                code: "eval::script-error".into(),
                message,
                at: None,
            }),
        ),
    }
}

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
