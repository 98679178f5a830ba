//! Screening one case: indicator states, dimension positivity, the decision, what may still
//! change it, and the report. Never fails as a whole: a failing indicator is an entry.

use std::borrow::Cow;
use std::cell::Cell;

use rhai::{Dynamic, EvalAltResult, Scope};

use crate::compile::{CompiledRuleSet, Condition, Indicator, ScriptCondition};
use crate::cond::{Cond, DecisionFacts, Env, Over, Value};
use crate::manifest::{PositiveRule, Strength};
use crate::observation::{Observations, to_json};
use crate::report::{
    DimensionReport, EvalError, IndicatorReport, NextQuestion, OutcomeReport, Reads, Report,
    ReportDiagnostic, RuleSetRef, State, Str, StrengthCounts,
};
use crate::sandbox;

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

/// The lean result of screening one case ([`CompiledRuleSet::screen_compact`]): what a batch
/// needs, as indices into the rule set, with the same outcome, rule and states as the report.
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
}

/// Per-dimension results.
#[derive(Debug, Clone, Copy, Default)]
struct DimensionResult {
    positive: bool,
    counts: StrengthCounts,
    score: f64,
}

/// Indicator sets as bit masks (bit i of word i / 64 for indicator i), built once per rule
/// set so that decision helpers count with a few popcounts instead of walking indicators.
#[derive(Debug, Default)]
pub(crate) struct DecisionIndex {
    /// Words per mask.
    words: usize,
    /// Per dimension (`words` words each): its indicators, and its strong, medium and weak ones.
    dimension: Vec<u64>,
    strong: Vec<u64>,
    medium: Vec<u64>,
    weak: Vec<u64>,
}

impl DecisionIndex {
    pub(crate) fn new(indicators: &[Indicator], dimensions: usize) -> Self {
        let words = indicators.len().div_ceil(64);
        let mut index = Self {
            words,
            dimension: vec![0; words * dimensions],
            strong: vec![0; words * dimensions],
            medium: vec![0; words * dimensions],
            weak: vec![0; words * dimensions],
        };
        for (i, ind) in indicators.iter().enumerate() {
            let word = ind.dimension * words + i / 64;
            let bit = 1u64 << (i % 64);
            if let Some(w) = index.dimension.get_mut(word) {
                *w |= bit;
            }
            let by_strength = match ind.strength {
                Some(Strength::Strong) => &mut index.strong,
                Some(Strength::Medium) => &mut index.medium,
                Some(Strength::Weak) => &mut index.weak,
                None => continue,
            };
            if let Some(w) = by_strength.get_mut(word) {
                *w |= bit;
            }
        }
        index
    }

    fn mask<'m>(&self, masks: &'m [u64], d: usize) -> &'m [u64] {
        masks
            .get(d * self.words..(d + 1) * self.words)
            .unwrap_or(&[])
    }
}

/// A few words of bits, on the stack for up to 256 indicators.
#[derive(Debug, Clone)]
enum Bits {
    Inline([u64; 4]),
    Heap(Vec<u64>),
}

impl Bits {
    fn zeros(words: usize) -> Self {
        if words <= 4 {
            Bits::Inline([0; 4])
        } else {
            Bits::Heap(vec![0; words])
        }
    }

    fn words(&self) -> &[u64] {
        match self {
            Bits::Inline(w) => w,
            Bits::Heap(w) => w,
        }
    }

    fn words_mut(&mut self) -> &mut [u64] {
        match self {
            Bits::Inline(w) => w,
            Bits::Heap(w) => w,
        }
    }

    fn get(&self, i: usize) -> bool {
        self.words()
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The set bits also set in `mask`, ascending.
    fn and<'b>(&'b self, mask: &'b [u64]) -> impl Iterator<Item = usize> + 'b {
        self.words()
            .iter()
            .zip(mask)
            .enumerate()
            .flat_map(|(w, (a, m))| {
                let mut word = a & m;
                std::iter::from_fn(move || {
                    (word != 0).then(|| {
                        let bit = word.trailing_zeros() as usize;
                        word &= word - 1;
                        w * 64 + bit
                    })
                })
            })
    }

    fn count_and(&self, mask: &[u64]) -> u32 {
        self.words()
            .iter()
            .zip(mask)
            .map(|(a, m)| (a & m).count_ones())
            .sum()
    }
}

/// What decision rules read for one set of indicator states: which indicators are present and
/// unknown, as bits. Dimensions are settled on first use (a decision rarely needs all of
/// them), remembered for the first 64.
struct Facts<'a> {
    rules: &'a CompiledRuleSet,
    /// How many states there are (normally one per indicator).
    len: usize,
    present: Bits,
    unknown: Bits,
    /// Bit d: whether dimension d is settled; `positive` bit d: its result.
    settled: Cell<u64>,
    positive: Cell<u64>,
}

impl<'a> Facts<'a> {
    /// The facts of `states`; `optimistic` reads every unknown indicator as present (what the
    /// answers could still lead to).
    fn new(rules: &'a CompiledRuleSet, states: &[State], optimistic: bool) -> Self {
        let words = states.len().div_ceil(64);
        let mut present = Bits::zeros(words);
        let mut unknown = Bits::zeros(words);
        for ((chunk, p), u) in states
            .chunks(64)
            .zip(present.words_mut())
            .zip(unknown.words_mut())
        {
            for (i, s) in chunk.iter().enumerate() {
                let is_unknown = *s == State::Unknown;
                *p |= u64::from(*s == State::Present || (optimistic && is_unknown)) << i;
                *u |= u64::from(!optimistic && is_unknown) << i;
            }
        }
        Self {
            rules,
            len: states.len(),
            present,
            unknown,
            settled: Cell::new(0),
            positive: Cell::new(0),
        }
    }

    /// These facts with every unknown indicator present: what the answers could lead to.
    fn optimistic(&self) -> Self {
        let mut present = self.present.clone();
        for (p, u) in present.words_mut().iter_mut().zip(self.unknown.words()) {
            *p |= u;
        }
        Facts {
            rules: self.rules,
            len: self.len,
            present,
            unknown: Bits::zeros(self.unknown.words().len()),
            settled: Cell::new(0),
            positive: Cell::new(0),
        }
    }

    /// These facts with the indicators `now_present` present: the decision a "yes" could lead
    /// to. Dimensions they are not in stay settled.
    fn with_present(&self, now_present: &[usize]) -> Self {
        let mut trial = Facts {
            rules: self.rules,
            len: self.len,
            present: self.present.clone(),
            unknown: self.unknown.clone(),
            settled: self.settled.clone(),
            positive: self.positive.clone(),
        };
        for &i in now_present {
            if i >= self.len {
                continue;
            }
            let bit = 1u64 << (i % 64);
            trial.present.words_mut()[i / 64] |= bit;
            trial.unknown.words_mut()[i / 64] &= !bit;
            let d = self.rules.indicators[i].dimension;
            if let Some(dim_bit) = 1u64.checked_shl(d as u32) {
                trial.settled.set(trial.settled.get() & !dim_bit);
                trial.positive.set(trial.positive.get() & !dim_bit);
            }
        }
        trial
    }

    fn settle(&self, d: usize) -> bool {
        let index = &self.rules.decision_index;
        let dim = &self.rules.dimensions[d];
        match dim.rule {
            PositiveRule::Ilo => {
                let s = self.present.count_and(index.mask(&index.strong, d));
                let m = self.present.count_and(index.mask(&index.medium, d));
                let w = self.present.count_and(index.mask(&index.weak, d));
                ilo_rule(s, m, w)
            }
            PositiveRule::AtLeast(k) => {
                self.present.count_and(index.mask(&index.dimension, d)) >= k
            }
            PositiveRule::ScoreAtLeast(x) => {
                let score: f64 = self
                    .present
                    .and(index.mask(&index.dimension, d))
                    .map(|i| self.rules.indicators[i].weight)
                    .sum();
                score >= x
            }
        }
    }

    /// The indicators of the dimensions `ds`, as a mask (each once).
    fn dimensions_mask(&self, ds: &[usize]) -> Bits {
        let index = &self.rules.decision_index;
        let mut mask = Bits::zeros(index.words);
        for d in ds {
            for (m, w) in mask
                .words_mut()
                .iter_mut()
                .zip(index.mask(&index.dimension, *d))
            {
                *m |= w;
            }
        }
        mask
    }

    fn count(&self, bits: &Bits, over: &Over) -> i64 {
        let index = &self.rules.decision_index;
        i64::from(match over {
            Over::All => bits.words().iter().map(|w| w.count_ones()).sum(),
            Over::Dimension(d) => bits.count_and(index.mask(&index.dimension, *d)),
            Over::Dimensions(ds) => bits.count_and(self.dimensions_mask(ds).words()),
            Over::Indicators(list) => return list.iter().filter(|i| bits.get(**i)).count() as i64,
        })
    }
}

impl DecisionFacts for Facts<'_> {
    fn positive(&self, dimension: usize) -> bool {
        if dimension >= self.rules.dimensions.len() {
            return false;
        }
        let Some(bit) = 1u64.checked_shl(dimension as u32) else {
            return self.settle(dimension);
        };
        if self.settled.get() & bit == 0 {
            self.settled.set(self.settled.get() | bit);
            if self.settle(dimension) {
                self.positive.set(self.positive.get() | bit);
            }
        }
        self.positive.get() & bit != 0
    }
    fn dimension_count(&self) -> usize {
        self.rules.dimensions.len()
    }
    fn present(&self, indicator: usize) -> bool {
        self.present.get(indicator)
    }
    fn present_count(&self, over: &Over) -> i64 {
        self.count(&self.present, over)
    }
    fn unknown_count(&self, over: &Over) -> i64 {
        self.count(&self.unknown, over)
    }
    fn score(&self, over: &Over) -> f64 {
        let weight = |i: usize| self.rules.indicators.get(i).map_or(0.0, |ind| ind.weight);
        let index = &self.rules.decision_index;
        match over {
            Over::All => (0..self.len)
                .filter(|i| self.present.get(*i))
                .map(weight)
                .sum(),
            Over::Dimension(d) => self
                .present
                .and(index.mask(&index.dimension, *d))
                .map(weight)
                .sum(),
            Over::Dimensions(ds) => {
                let mask = self.dimensions_mask(ds);
                self.present.and(mask.words()).map(weight).sum()
            }
            Over::Indicators(list) => list
                .iter()
                .filter(|i| self.present.get(**i))
                .map(|i| weight(*i))
                .sum(),
        }
    }
}

/// The ILO/EC 2009 Delphi rule over the present strong, medium and weak indicators.
fn ilo_rule(s: u32, m: u32, w: u32) -> bool {
    s >= 2 || (s >= 1 && m + w >= 1) || m >= 3 || (m >= 2 && w >= 1)
}

/// Whether a state counts as present: `present`, or also `unknown` when reading optimistically.
fn counts_present(state: State, optimistic: bool) -> bool {
    state == State::Present || (optimistic && state == State::Unknown)
}

fn dimension(rules: &CompiledRuleSet, states: &[State], d: usize) -> DimensionResult {
    dimension_result(rules, states, d, false)
}

fn dimension_result(
    rules: &CompiledRuleSet,
    states: &[State],
    d: usize,
    optimistic: bool,
) -> DimensionResult {
    let dim = &rules.dimensions[d];
    let mut r = DimensionResult::default();
    let mut present = 0u32;
    for &i in &dim.indicators {
        if !counts_present(states[i], optimistic) {
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
        PositiveRule::Ilo => ilo_rule(s, m, w),
        PositiveRule::AtLeast(k) => present >= k,
        PositiveRule::ScoreAtLeast(x) => r.score >= x,
    };
    r
}

impl CompiledRuleSet {
    /// Screens one case.
    pub fn evaluate(&self, obs: &Observations, options: &ScreenOptions) -> Report<'_> {
        sandbox::screen_case(|| {
            let mut states = Vec::with_capacity(self.indicators.len());
            let mut errors = Vec::new();
            self.states_into(obs, &mut states, Some(&mut errors));
            self.report(obs, &states, &errors, options)
        })
    }

    /// Screens one case for batch use: the outcome, its rule, whether it may rise and every
    /// indicator's state, without the report's texts, reads and next questions.
    pub fn screen_compact(&self, obs: &Observations) -> CompactResult {
        let mut result = CompactResult::default();
        self.screen_compact_into(obs, &mut result);
        result
    }

    /// [`Self::screen_compact`] into `result`, reusing its memory from the previous case.
    pub fn screen_compact_into(&self, obs: &Observations, result: &mut CompactResult) {
        sandbox::screen_case(|| self.states_only(obs, &mut result.states));
        let facts = Facts::new(self, &result.states, false);
        let (outcome, rule) = self.decide_facts(&facts);
        let (best, _) = self.decide_facts(&facts.optimistic());
        result.outcome = outcome;
        result.decided_by = rule;
        result.may_rise = best > outcome;
        result.could_rise_to = best.max(outcome);
    }

    /// The state of every indicator for a case.
    pub fn indicator_states(&self, obs: &Observations) -> Evaluation {
        let mut states = Vec::with_capacity(self.indicators.len());
        let mut failed = Vec::new();
        sandbox::screen_case(|| self.states_into(obs, &mut states, Some(&mut failed)));
        let mut errors = vec![None; states.len()];
        for (i, e) in failed {
            errors[i] = Some(e);
        }
        Evaluation { states, errors }
    }

    /// Indicator states into `states` (cleared first), and when asked for the errors of
    /// those in error, by indicator index (rare, so kept apart).
    fn states_into(
        &self,
        obs: &Observations,
        states: &mut Vec<State>,
        mut errors: Option<&mut Vec<(usize, EvalError)>>,
    ) {
        let mut script_obs: Option<Dynamic> = None;
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

    /// The outcome (index into `outcomes`) that indicator states lead to.
    pub fn decide_states(&self, states: &[State]) -> usize {
        self.decide(states).0
    }

    /// The outcome index and deciding rule for indicator states.
    fn decide(&self, states: &[State]) -> (usize, usize) {
        self.decide_view(states, false)
    }

    /// The outcome index and deciding rule for indicator states; `optimistic` reads every
    /// unknown indicator as present.
    fn decide_view(&self, states: &[State], optimistic: bool) -> (usize, usize) {
        self.decide_facts(&Facts::new(self, states, optimistic))
    }

    /// The outcome index and deciding rule for the facts of a case.
    fn decide_facts(&self, facts: &Facts<'_>) -> (usize, usize) {
        let env = Env {
            answers: &[],
            facts: Some(facts),
        };
        for (r, rule) in self.decision.iter().enumerate() {
            let holds = match &rule.when {
                None => true,
                Some(cond) => match cond.truth(&env) {
                    Some(holds) => holds == Some(true),
                    None => matches!(cond.eval(&env), Ok(Value::Bool(true))),
                },
            };
            if holds {
                return (rule.outcome, r);
            }
        }
        // The loader guarantees a final rule without `when`; stay total regardless.
        (0, self.decision.len().saturating_sub(1))
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

    fn report(
        &self,
        obs: &Observations,
        states: &[State],
        errors: &[(usize, EvalError)],
        options: &ScreenOptions,
    ) -> Report<'_> {
        let error_of = |i: usize| errors.iter().find(|(j, _)| *j == i).map(|(_, e)| e);
        let lang: Str<'_> = match self
            .languages
            .iter()
            .find(|l| **l == options.language)
            .or_else(|| self.languages.first())
        {
            Some(l) => Cow::Borrowed(l),
            None => Cow::Owned(options.language.clone()),
        };
        let fallbacks = &self.languages;
        let facts = Facts::new(self, states, false);
        let (outcome, rule) = self.decide_facts(&facts);

        // What the unknown indicators could still do.
        let (best, _) = self.decide_facts(&facts.optimistic());
        let may_rise = best > outcome;

        let dimensions = self
            .dimensions
            .iter()
            .enumerate()
            .map(|(d, dim)| {
                let r = dimension(self, states, d);
                let pick = |state: State| -> Vec<Str<'_>> {
                    dim.indicators
                        .iter()
                        .filter(|&&i| states[i] == state)
                        .map(|&i| Cow::Borrowed(self.indicators[i].id.as_str()))
                        .collect()
                };
                DimensionReport {
                    id: Cow::Borrowed(&dim.id),
                    label: Cow::Borrowed(dim.label.get(&lang, fallbacks)),
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
                let reads = Reads::new(ind.reads.iter().map(|&q| {
                    (
                        Cow::Borrowed(self.questions[q].id.as_str()),
                        to_json(obs.get(q)),
                    )
                }));
                let error = error_of(i);
                if let Some(e) = error {
                    diagnostics.push(ReportDiagnostic {
                        code: e.code.clone(),
                        message: format!("indicator `{}`: {}", ind.id, e.message),
                    });
                }
                IndicatorReport {
                    id: Cow::Borrowed(&ind.id),
                    label: Cow::Borrowed(ind.label.get(&lang, fallbacks)),
                    dimension: Cow::Borrowed(&self.dimensions[ind.dimension].id),
                    strength: ind.strength.map(|s| {
                        Cow::Borrowed(match s {
                            Strength::Strong => "strong",
                            Strength::Medium => "medium",
                            Strength::Weak => "weak",
                        })
                    }),
                    weight: ind.weight,
                    state: states[i],
                    reads,
                    error: error.cloned(),
                }
            })
            .collect();

        let unanswered: Vec<usize> = (0..self.questions.len())
            .filter(|&q| *obs.get(q) == Value::Unknown && self.applies(q, obs))
            .collect();
        let next_questions = if options.next_questions {
            self.next_questions(&unanswered, states, &facts, outcome, &lang)
        } else {
            Vec::new()
        };

        let o = &self.outcomes[outcome];
        Report {
            ruleset: RuleSetRef {
                id: Cow::Borrowed(&self.id),
                version: Cow::Borrowed(&self.version),
                status: self.status,
                sha256: Cow::Borrowed(&self.sha256),
            },
            engine: Cow::Borrowed(ENGINE),
            outcome: OutcomeReport {
                id: Cow::Borrowed(&o.id),
                level: outcome,
                label: Cow::Borrowed(o.label.get(&lang, fallbacks)),
                advice: Cow::Borrowed(o.advice.get(&lang, fallbacks)),
                decided_by: self
                    .decision
                    .get(rule)
                    .map_or(Cow::Borrowed(""), |r| Cow::Borrowed(r.id.as_str())),
                may_rise,
                could_rise_to: may_rise.then(|| Cow::Borrowed(self.outcomes[best].id.as_str())),
                htcds: o.htcds.as_deref().map(Cow::Borrowed),
            },
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

    /// Unanswered questions that feed an unknown indicator, ranked by the outcome a "yes" could
    /// lead to (every unknown indicator reading the question taken as present), then by the
    /// weight those indicators carry, then in question order.
    fn next_questions(
        &self,
        unanswered: &[usize],
        states: &[State],
        facts: &Facts<'_>,
        current: usize,
        lang: &str,
    ) -> Vec<NextQuestion<'_>> {
        // The indicators each question could settle, one after another in `settled`.
        let mut settled: Vec<usize> = Vec::new();
        let mut ranked: Vec<(usize, f64, usize, std::ops::Range<usize>)> = Vec::new();
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
            let (level, _) = self.decide_facts(&facts.with_present(settles));
            let weight: f64 = settles.iter().map(|&i| self.indicators[i].weight).sum();
            ranked.push((level, weight, q, start..settled.len()));
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
        ranked
            .into_iter()
            .map(|(level, _, q, settles)| NextQuestion {
                id: Cow::Borrowed(&self.questions[q].id),
                question: Cow::Borrowed(self.questions[q].text.get(lang, &self.languages)),
                could_raise_to: (level > current)
                    .then(|| Cow::Borrowed(self.outcomes[level].id.as_str())),
                indicators: settled[settles]
                    .iter()
                    .map(|&i| Cow::Borrowed(self.indicators[i].id.as_str()))
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
        match sandbox::run_script(|| {
            self.engine
                .eval_ast_with_scope::<Dynamic>(&mut scope, &script.ast)
        }) {
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
        // The place in the condition; what went wrong, from the innermost error (a limit hit
        // inside a function or a closure arrives wrapped in the call that ran it).
        let pos = e.take_position();
        let e = e.unwrap_inner();
        let at = match (pos.line(), pos.position()) {
            (Some(l), Some(c)) => script.script.locate(l as u32, c as u32),
            (Some(l), None) => script.script.locate(l as u32, 1),
            _ => script.script.span.clone(),
        };
        let limits = &self.limits;
        let (code, message) = match e {
            EvalAltResult::ErrorTooManyOperations(_) => (
                "eval::operation-limit",
                format!(
                    "stopped at the operation limit ({} operations)",
                    limits.operations
                ),
            ),
            EvalAltResult::ErrorTerminated(token, _) => match token.clone().into_string() {
                Ok(t) if t == sandbox::STOPPED_STACK => (
                    "eval::call-depth-limit",
                    format!(
                        "stopped at the nesting limit: calls and expressions nest too deeply (call-depth limit {})",
                        limits.call_depth
                    ),
                ),
                Ok(t) if t == sandbox::STOPPED_CASE => (
                    "eval::operation-limit",
                    format!(
                        "stopped at the case's operation budget ({} operations for all scripted conditions together)",
                        sandbox::CASE_OPERATIONS
                    ),
                ),
                _ => (
                    "eval::operation-limit",
                    format!(
                        "stopped at the operation limit ({} operations, counting the data the script touched)",
                        limits.operations
                    ),
                ),
            },
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
