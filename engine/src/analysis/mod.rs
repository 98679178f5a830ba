//! Decision analysis: which decision rules and outcomes some indicator states can reach.
//!
//! A decision rule reads indicator states only through the decision helpers (dimension
//! positivity, counts, scores, `present`), so whether a rule can decide is a question about
//! finitely many states. [`CompiledRuleSet::reachable`] answers it exactly: given what is known
//! of each indicator (present, absent, unknown, or still free), for every rule, whether some
//! completion of the states makes it the first rule that holds — and if so, an example. The
//! loader asks it of every rule with every indicator free, so that rules that can never hold,
//! rules that an earlier rule always pre-empts and outcomes no case can get are errors; a
//! guided interview asks it after every answer, to know whether the outcome is settled.
//!
//! An indicator is free to take every state its condition can give ([`states`]: a condition
//! that can never be true makes its indicator never present). Indicators are independent of
//! each other here: two indicators that read the same question may be correlated in reality,
//! so "reachable" means reachable by some indicator states, not necessarily by some answers.
//!
//! The search ([`solver`]) groups interchangeable indicators (same dimension, strength, weight,
//! possible states and mentions in the rules) and decides over how many of each group are
//! present or unknown, by branch and bound over linear constraints: exact, with every answer
//! checked by evaluating the rules themselves on concrete states.

#[cfg(feature = "rhai")]
mod example;
pub(crate) mod solver;
#[cfg(feature = "rhai")]
pub(crate) mod states;

use crate::cond::{DecisionFacts, DecisionHelper, Over};
use crate::decide::{Tally, positive_by};
use crate::manifest::Strength;
use crate::model::CompiledRuleSet;
pub(crate) use crate::model::{DecisionModel, IndicatorFacts, RuleFacts};
use crate::report::{State, StrengthCounts};
use crate::value::Value;

pub(crate) use crate::report::States;
#[cfg(feature = "rhai")]
pub use example::Example;
pub(crate) use solver::{Query, Search, Solved};

/// Whether a decision rule can decide, given what is known of the indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleReach {
    /// Some completion of the states makes this rule the first that holds; here is one, a
    /// state per indicator (in rule-set order).
    Reached(Vec<State>),
    /// No completion does.
    Never,
    /// The search ran out of its work limit before it could tell (a rule with unusual
    /// arithmetic); treat it as possibly reached.
    Undecided,
}

impl RuleReach {
    /// Whether the rule may decide (reached, or not settled).
    pub fn possible(&self) -> bool {
        !matches!(self, RuleReach::Never)
    }
}

/// Which decision rules and outcomes can still be reached: [`CompiledRuleSet::reachable`].
#[derive(Debug, Clone)]
pub struct Reachability {
    rules: Vec<RuleReach>,
    outcomes: Vec<bool>,
}

impl Reachability {
    /// Per decision rule (in the order they are tried), whether it can decide.
    pub fn rules(&self) -> &[RuleReach] {
        &self.rules
    }

    /// Whether outcome `outcome` (an index into [`CompiledRuleSet::outcomes`]) can still be
    /// given.
    pub fn can_reach(&self, outcome: usize) -> bool {
        self.outcomes.get(outcome).copied().unwrap_or(false)
    }

    /// The outcomes that can still be given, lowest first.
    pub fn outcomes(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.outcomes.len()).filter(|o| self.outcomes[*o])
    }

    /// The lowest outcome that can still be given.
    pub fn lowest(&self) -> Option<usize> {
        self.outcomes().next()
    }

    /// The highest outcome that can still be given.
    pub fn highest(&self) -> Option<usize> {
        self.outcomes().last()
    }

    /// The outcome, when only one can still be given: the answers still missing cannot change
    /// it.
    pub fn decided(&self) -> Option<usize> {
        let mut reachable = self.outcomes();
        match (reachable.next(), reachable.next()) {
            (Some(o), None) => Some(o),
            _ => None,
        }
    }

    /// Indicator states that make rule `rule` decide, when it can.
    pub fn example(&self, rule: usize) -> Option<&[State]> {
        match self.rules.get(rule) {
            Some(RuleReach::Reached(states)) => Some(states),
            _ => None,
        }
    }
}

impl CompiledRuleSet {
    /// Which decision rules and outcomes some completion of `known` reaches: `known` has one
    /// entry per indicator (in rule-set order), `Some(state)` for a state that is settled and
    /// `None` for one that may still become any state its condition can give (present,
    /// absent or unknown — an unanswered question stays unknown). Exact, and fast enough to
    /// ask after every answer of an interview (well under a millisecond for the bundled sets
    /// in a release build).
    ///
    /// A missing entry (a `known` shorter than the indicators) counts as free.
    ///
    /// # Examples
    ///
    /// Whether the outcome of a partly answered case is settled:
    ///
    /// ```
    /// use herken_engine::{State, Sources, load};
    ///
    /// let manifest = r#"
    /// format: 1
    /// id: tiny
    /// version: 1.0.0
    /// status: draft
    /// title: {en: Tiny}
    /// licence: CC0-1.0
    /// languages: [en]
    /// questions:
    ///   - {id: passport_taken, type: yesno, text: {en: "Passport taken?"}}
    ///   - {id: debt, type: yesno, text: {en: "A debt to the employer?"}}
    /// dimensions:
    ///   - {id: coercion, label: {en: Coercion}, positive: {at_least: 2}}
    /// indicators:
    ///   - {id: documents, dimension: coercion, strength: strong, label: {en: Documents}, when: obs.passport_taken}
    ///   - {id: debt_bondage, dimension: coercion, strength: strong, label: {en: Debt}, when: obs.debt}
    /// decision:
    ///   - {id: coerced, outcome: possible_victim, when: 'positive("coercion")'}
    ///   - {id: any-signal, outcome: signals_present, when: 'present_count() > 0'}
    ///   - {id: otherwise, outcome: no_signals}
    /// outcomes:
    ///   - {id: no_signals, label: {en: No signals}, advice: {en: "Not proof of absence."}}
    ///   - {id: signals_present, label: {en: Signals}, advice: {en: Consult.}}
    ///   - {id: possible_victim, label: {en: Possible victim}, advice: {en: Refer.}}
    /// "#;
    /// let rules = load(&Sources::new().with("ruleset.yaml", manifest)).expect("loads").rules;
    ///
    /// // Nothing answered yet: every outcome can still be given.
    /// let reach = rules.reachable(&[None, None]);
    /// assert_eq!(reach.outcomes().count(), 3);
    /// assert_eq!(reach.decided(), None);
    ///
    /// // The passport is not taken: `coerced` can no longer decide, but `any-signal` can.
    /// let reach = rules.reachable(&[Some(State::Absent), None]);
    /// assert!(!reach.can_reach(2));
    /// assert_eq!(reach.highest(), Some(1));
    ///
    /// // Both known: the outcome is settled.
    /// let reach = rules.reachable(&[Some(State::Absent), Some(State::Present)]);
    /// assert_eq!(reach.decided(), Some(1));
    /// ```
    pub fn reachable(&self, known: &[Option<State>]) -> Reachability {
        let allowed: Vec<States> = (0..self.analysis.indicators.len())
            .map(|i| match known.get(i).copied().flatten() {
                Some(state) => States::only(state),
                None => self.analysis.indicators[i].possible,
            })
            .collect();
        self.analysis.reachability(&allowed)
    }

    /// The states indicator `indicator` can take at all, as its condition allows (every
    /// state when the condition is beyond the analysis, e.g. a script).
    pub fn possible_states(&self, indicator: usize) -> States {
        self.analysis
            .indicators
            .get(indicator)
            .map_or(States::ANY, |i| i.possible)
    }
}

/// Work limit of one search, in nodes: far beyond what real decision rules need (tens).
const SEARCH_LIMIT: usize = 50_000;

impl DecisionModel {
    /// Per rule whether it can decide, and per outcome whether it can be given, when each
    /// indicator may take the states in `allowed`.
    pub(crate) fn reachability(&self, allowed: &[States]) -> Reachability {
        let search = Search::new(self, allowed);
        let mut rules = Vec::with_capacity(self.rules.len());
        for (r, rule) in self.rules.iter().enumerate() {
            let reach = match &rule.when {
                None => RuleReach::Undecided,
                Some(_) => {
                    let before: Vec<usize> =
                        (0..r).filter(|j| self.rules[*j].when.is_some()).collect();
                    match search.solve(&Query::fires(r, before), SEARCH_LIMIT) {
                        Solved::Found(states) => RuleReach::Reached(states),
                        Solved::Never => RuleReach::Never,
                        Solved::Limit => RuleReach::Undecided,
                    }
                }
            };
            rules.push(reach);
        }
        let mut outcomes = vec![false; self.outcomes];
        for (rule, reach) in self.rules.iter().zip(&rules) {
            if let Some(o) = rule.outcome
                && reach.possible()
                && let Some(slot) = outcomes.get_mut(o)
            {
                *slot = true;
            }
        }
        Reachability { rules, outcomes }
    }

    /// A decision helper as written in a rule (`present_count("dim")`), for explanations.
    pub(crate) fn helper_text(&self, h: &DecisionHelper) -> String {
        let dim = |d: &usize| {
            self.dimensions
                .get(*d)
                .map_or_else(String::new, |(id, _)| format!("\"{id}\""))
        };
        let ind = |i: &usize| {
            self.indicators
                .get(*i)
                .map_or_else(String::new, |f| format!("\"{}\"", f.id))
        };
        let over = |o: &Over| match o {
            Over::All => String::new(),
            Over::Dimension(d) => dim(d),
            Over::Dimensions(ds) => {
                format!("[{}]", ds.iter().map(dim).collect::<Vec<_>>().join(", "))
            }
            Over::Indicators(is) => {
                format!("[{}]", is.iter().map(ind).collect::<Vec<_>>().join(", "))
            }
        };
        match h {
            DecisionHelper::Positive(d) => format!("positive({})", dim(d)),
            DecisionHelper::Present(i) => format!("present({})", ind(i)),
            DecisionHelper::PositiveCount(o) => format!("positive_count({})", over(o)),
            DecisionHelper::PresentCount(o) => format!("present_count({})", over(o)),
            DecisionHelper::UnknownCount(o) => format!("unknown_count({})", over(o)),
            DecisionHelper::Score(o) => format!("score({})", over(o)),
        }
    }
}

/// The facts decision helpers read for concrete indicator states, over the model: how a
/// found answer is checked against the rules themselves.
pub(crate) struct PointFacts<'a> {
    pub(crate) model: &'a DecisionModel,
    pub(crate) states: &'a [State],
}

impl PointFacts<'_> {
    fn present_at(&self, i: usize) -> bool {
        self.states.get(i) == Some(&State::Present)
    }

    fn in_over(&self, i: usize, over: &Over) -> usize {
        let dim = self.model.indicators[i].dimension;
        match over {
            Over::All => 1,
            Over::Dimension(d) => usize::from(dim == Some(*d)),
            Over::Dimensions(ds) => usize::from(dim.is_some_and(|d| ds.contains(&d))),
            Over::Indicators(list) => list.iter().filter(|x| **x == i).count(),
        }
    }

    fn count(&self, state: State, over: &Over) -> i64 {
        match over {
            Over::Indicators(list) => list
                .iter()
                .filter(|i| self.states.get(**i) == Some(&state))
                .count() as i64,
            _ => (0..self.states.len())
                .filter(|i| self.states[*i] == state && self.in_over(*i, over) > 0)
                .count() as i64,
        }
    }

    /// Whether rule `r` holds.
    pub(crate) fn holds(&self, r: usize) -> bool {
        match self.model.rules.get(r).and_then(|rule| rule.when.as_ref()) {
            Some(None) => true,
            Some(Some(cond)) => {
                let env = crate::cond::Env {
                    answers: &[],
                    facts: Some(self),
                };
                matches!(cond.eval(&env), Ok(Value::Bool(true)))
            }
            None => false,
        }
    }
}

struct DimensionPoint<'p, 'a> {
    facts: &'p PointFacts<'a>,
    d: usize,
}

impl Tally for DimensionPoint<'_, '_> {
    fn counts(&self) -> StrengthCounts {
        let mut counts = StrengthCounts::default();
        for (i, ind) in self.facts.model.indicators.iter().enumerate() {
            if ind.dimension == Some(self.d) && self.facts.present_at(i) {
                match ind.strength {
                    Some(Strength::Strong) => counts.strong += 1,
                    Some(Strength::Medium) => counts.medium += 1,
                    Some(Strength::Weak) => counts.weak += 1,
                    None => {}
                }
            }
        }
        counts
    }

    fn present(&self) -> u32 {
        let indicators = &self.facts.model.indicators;
        (0..indicators.len())
            .filter(|i| indicators[*i].dimension == Some(self.d) && self.facts.present_at(*i))
            .count() as u32
    }

    fn score(&self) -> f64 {
        let indicators = &self.facts.model.indicators;
        (0..indicators.len())
            .filter(|i| indicators[*i].dimension == Some(self.d) && self.facts.present_at(*i))
            .map(|i| indicators[i].weight)
            .sum()
    }
}

impl DecisionFacts for PointFacts<'_> {
    fn positive(&self, dimension: usize) -> bool {
        self.model
            .dimensions
            .get(dimension)
            .is_some_and(|(_, rule)| {
                positive_by(
                    *rule,
                    &DimensionPoint {
                        facts: self,
                        d: dimension,
                    },
                )
                .is_some()
            })
    }

    fn dimension_count(&self) -> usize {
        self.model.dimensions.len()
    }

    fn present(&self, indicator: usize) -> bool {
        self.present_at(indicator)
    }

    fn present_count(&self, over: &Over) -> i64 {
        self.count(State::Present, over)
    }

    fn unknown_count(&self, over: &Over) -> i64 {
        self.count(State::Unknown, over)
    }

    fn score(&self, over: &Over) -> f64 {
        let weight = |i: usize| self.model.indicators[i].weight;
        match over {
            Over::Indicators(list) => list
                .iter()
                .filter(|i| self.present_at(**i))
                .map(|i| weight(*i))
                .sum(),
            _ => (0..self.states.len())
                .filter(|i| self.present_at(*i) && self.in_over(*i, over) > 0)
                .map(weight)
                .sum(),
        }
    }
}
