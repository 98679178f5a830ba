//! The decision: which dimensions are positive (and by which clause of their rule), which
//! decision rule holds, and what the unknown indicators could still change. Both the report
//! and the compact batch result are decided here, over the same facts.

use std::cell::Cell;

use crate::cond::{DecisionFacts, Env, Over};
use crate::manifest::{PositiveRule, Strength};
use crate::model::{CompiledRuleSet, DecisionRule};
use crate::report::{Clause, State, StrengthCounts};
use crate::value::Value;

/// What a dimension's rule looks at: its present indicators, by strength and in all, and the
/// sum of their weights (asked for only by a score rule).
pub(crate) trait Tally {
    fn counts(&self) -> StrengthCounts;
    fn present(&self) -> u32;
    fn score(&self) -> f64;
}

/// Whether a dimension is positive by `rule`, and by which clause: the first of the rule's
/// clauses that holds. The one place a dimension rule is decided (the ILO/EC 2009 Delphi
/// rule: 2 strong, 1 strong + 1 medium or weak, 3 medium, or 2 medium + 1 weak; at least k
/// present; a score of at least x).
pub(crate) fn positive_by(rule: PositiveRule, tally: &impl Tally) -> Option<Clause> {
    match rule {
        PositiveRule::Ilo => {
            let StrengthCounts {
                strong: s,
                medium: m,
                weak: w,
            } = tally.counts();
            if s >= 2 {
                Some(Clause::TwoStrong)
            } else if s >= 1 && m + w >= 1 {
                Some(Clause::StrongAndMediumOrWeak)
            } else if m >= 3 {
                Some(Clause::ThreeMedium)
            } else if m >= 2 && w >= 1 {
                Some(Clause::TwoMediumAndWeak)
            } else {
                None
            }
        }
        PositiveRule::AtLeast(k) => (tally.present() >= k).then_some(Clause::AtLeast),
        PositiveRule::ScoreAtLeast(x) => (tally.score() >= x).then_some(Clause::ScoreAtLeast),
    }
}

/// How a case was decided.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decided {
    /// The outcome (index into `outcomes`).
    pub(crate) outcome: usize,
    /// The rule that gave it (index into `decision`).
    pub(crate) rule: usize,
    /// The outcome the unknown indicators could lead to (`outcome` or higher).
    pub(crate) best: usize,
}

impl Decided {
    /// Whether answering the unknown questions could still raise the outcome.
    pub(crate) fn may_rise(&self) -> bool {
        self.best > self.outcome
    }
}

/// The outcome of a case's facts, and the highest its unknown indicators could lead to.
pub(crate) fn decide(facts: &Facts<'_>) -> Decided {
    let (outcome, rule) = first_rule(facts);
    let (best, _) = first_rule(&facts.optimistic());
    Decided {
        outcome,
        rule,
        best: best.max(outcome),
    }
}

/// The first decision rule that holds for `facts`: its outcome and its index.
/// Whether a decision rule holds for the facts in `env` (a rule without `when` always does).
fn rule_holds(rule: &DecisionRule, env: &Env<'_>) -> bool {
    match &rule.when {
        None => true,
        Some(cond) => match cond.truth(env) {
            Some(holds) => holds == Some(true),
            None => matches!(cond.eval(env), Ok(Value::Bool(true))),
        },
    }
}

pub(crate) fn first_rule(facts: &Facts<'_>) -> (usize, usize) {
    let rules = facts.rules;
    let env = Env {
        answers: &[],
        facts: Some(facts),
    };
    for (r, rule) in rules.decision.iter().enumerate() {
        let holds = rule_holds(rule, &env);
        if holds {
            return (rule.outcome, r);
        }
    }
    // The loader guarantees a final rule without `when`; stay total regardless.
    (0, rules.decision.len().saturating_sub(1))
}

/// For a monotone decision (rules from the highest outcome down, each condition only becoming
/// true as indicators become present): the outcome of `facts`, known to lie between `above`
/// and `up_to` (the outcome of facts with fewer indicators present, and of facts with more).
/// Only the rules of outcomes above `above` and up to `up_to` are tried: one of a higher
/// outcome cannot hold (it would hold with more indicators present), and when none of them
/// holds the outcome is `above`.
pub(crate) fn outcome_within(facts: &Facts<'_>, above: usize, up_to: usize) -> usize {
    let env = Env {
        answers: &[],
        facts: Some(facts),
    };
    for rule in &facts.rules.decision {
        if rule.outcome > up_to {
            continue;
        }
        if rule.outcome <= above {
            break;
        }
        let holds = rule_holds(rule, &env);
        if holds {
            return rule.outcome;
        }
    }
    above
}

/// One dimension of a case's facts, as its rule sees it.
struct DimensionFacts<'f, 'a> {
    facts: &'f Facts<'a>,
    d: usize,
}

impl Tally for DimensionFacts<'_, '_> {
    fn counts(&self) -> StrengthCounts {
        let index = &self.facts.rules.decision_index;
        let count = |s| self.facts.present.count_and(index.strength(self.d, s));
        StrengthCounts {
            strong: count(Strength::Strong),
            medium: count(Strength::Medium),
            weak: count(Strength::Weak),
        }
    }

    fn present(&self) -> u32 {
        let index = &self.facts.rules.decision_index;
        self.facts.present.count_and(index.dimension(self.d))
    }

    fn score(&self) -> f64 {
        let rules = self.facts.rules;
        self.facts
            .present
            .and(rules.decision_index.dimension(self.d))
            .map(|i| rules.indicators[i].weight)
            .sum()
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

/// How many dimensions' clauses [`Facts`] remembers (rule sets have a handful).
const REMEMBERED: usize = 16;

/// What decision rules read for one set of indicator states: which indicators are present and
/// unknown, as bits. Dimensions are settled on first use (a decision rarely needs all of
/// them), remembered for the first [`REMEMBERED`].
pub(crate) struct Facts<'a> {
    rules: &'a CompiledRuleSet,
    /// How many states there are (normally one per indicator).
    len: usize,
    present: Bits,
    unknown: Bits,
    /// Bit d: whether dimension d is settled; `clauses[d]` is then its clause.
    settled: Cell<u64>,
    clauses: Cell<[Option<Clause>; REMEMBERED]>,
}

impl<'a> Facts<'a> {
    /// The facts of a case's indicator states.
    pub(crate) fn new(rules: &'a CompiledRuleSet, states: &[State]) -> Self {
        let words = states.len().div_ceil(64);
        let mut present = Bits::zeros(words);
        let mut unknown = Bits::zeros(words);
        for ((chunk, p), u) in states
            .chunks(64)
            .zip(present.words_mut())
            .zip(unknown.words_mut())
        {
            for (i, s) in chunk.iter().enumerate() {
                *p |= u64::from(*s == State::Present) << i;
                *u |= u64::from(*s == State::Unknown) << i;
            }
        }
        Self {
            rules,
            len: states.len(),
            present,
            unknown,
            settled: Cell::new(0),
            clauses: Cell::new([None; REMEMBERED]),
        }
    }

    /// These facts with every unknown indicator present: what the answers could lead to.
    pub(crate) fn optimistic(&self) -> Self {
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
            clauses: Cell::new([None; REMEMBERED]),
        }
    }

    /// These facts with the indicators `now_present` present: the decision a "yes" could lead
    /// to. Dimensions they are not in stay settled.
    pub(crate) fn with_present(&self, now_present: &[usize]) -> Self {
        let mut trial = Facts {
            rules: self.rules,
            len: self.len,
            present: self.present.clone(),
            unknown: self.unknown.clone(),
            settled: self.settled.clone(),
            clauses: self.clauses.clone(),
        };
        for &i in now_present {
            if i >= self.len {
                continue;
            }
            let bit = 1u64 << (i % 64);
            trial.present.words_mut()[i / 64] |= bit;
            trial.unknown.words_mut()[i / 64] &= !bit;
            let d = self.rules.indicators[i].dimension;
            if d < REMEMBERED {
                trial.settled.set(trial.settled.get() & !(1u64 << d));
            }
        }
        trial
    }

    /// The clause by which dimension `d` is positive, if it is (settled once).
    pub(crate) fn clause(&self, d: usize) -> Option<Clause> {
        if d >= REMEMBERED {
            return self.settle(d);
        }
        let bit = 1u64 << d;
        if self.settled.get() & bit != 0 {
            return self.clauses.get()[d];
        }
        let clause = self.settle(d);
        let mut clauses = self.clauses.get();
        clauses[d] = clause;
        self.clauses.set(clauses);
        self.settled.set(self.settled.get() | bit);
        clause
    }

    fn settle(&self, d: usize) -> Option<Clause> {
        positive_by(
            self.rules.dimensions[d].rule,
            &DimensionFacts { facts: self, d },
        )
    }

    /// The indicators of the dimensions `ds`, as a mask (each once).
    fn dimensions_mask(&self, ds: &[usize]) -> Bits {
        let index = &self.rules.decision_index;
        let mut mask = Bits::zeros(index.words);
        for d in ds {
            for (m, w) in mask.words_mut().iter_mut().zip(index.dimension(*d)) {
                *m |= w;
            }
        }
        mask
    }

    fn count(&self, bits: &Bits, over: &Over) -> i64 {
        let index = &self.rules.decision_index;
        i64::from(match over {
            Over::All => bits.words().iter().map(|w| w.count_ones()).sum(),
            Over::Dimension(d) => bits.count_and(index.dimension(*d)),
            Over::Dimensions(ds) => bits.count_and(self.dimensions_mask(ds).words()),
            Over::Indicators(list) => return list.iter().filter(|i| bits.get(**i)).count() as i64,
        })
    }
}

impl DecisionFacts for Facts<'_> {
    fn positive(&self, dimension: usize) -> bool {
        dimension < self.rules.dimensions.len() && self.clause(dimension).is_some()
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
            Over::Dimension(d) => self.present.and(index.dimension(*d)).map(weight).sum(),
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
