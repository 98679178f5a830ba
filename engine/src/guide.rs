//! Guided interviews: after each answer, the question that brings the set's highest outcome
//! closest to decided (reached, or out of reach), and whether further answers can still change
//! it. The engine chooses the questions, so the CLI, the WASM module and the intake page ask
//! them in the same order.
//!
//! Three parts:
//! - **Where the interview stands** ([`Standing`]). A question is *done* (answered, asked and
//!   not known, or never to be asked because its `ask_if` is false), *askable now*, or
//!   *askable later* (its `ask_if` waits for an earlier answer still to come). An indicator is
//!   *free* while answers still to come can change its state: it reads a question not done,
//!   and its condition is not already settled (a native condition without `known()` that is
//!   false stays false; one that is true and cannot fail stays true, by three-valued logic).
//! - **Which outcomes remain possible** ([`Standing::bounds`]). For a *monotone* decision
//!   (every rule's condition can only become true as indicators become present, and the rules
//!   run from the highest outcome down) the lowest and highest outcome are those with every
//!   free indicator not present, and every one present. Any other decision asks the exact
//!   reachability analysis ([`crate::analysis`]) with the settled states fixed and the free
//!   ones left to every state their condition allows. Both are sound: a step never says the
//!   highest outcome is reached or out of reach, or that the outcome is settled, when some
//!   way the questions still open could be answered says otherwise.
//! - **Which question next** ([`target_costs`]). Over the condition of the outcome being
//!   decided (the highest still possible), how many free indicators must still become present
//!   to reach it and how many must become not present to put it out of reach, with one such
//!   set of indicators each. The next question feeds the most of them, weighing the side that
//!   is closer to a decision more; ties go to the heavier indicators, then to question order.
//!   A question askable later gives way to the earlier question its `ask_if` waits for.

use std::borrow::Cow;

use serde::Serialize;

use crate::cond::{ArithOp, CmpOp, Cond, DecisionHelper, Env, Over};
use crate::manifest::{Audience, PositiveRule, QuestionType, Strength};
use crate::model::{CompiledRuleSet, Condition};
use crate::observation::Observations;
use crate::report::{State, States, Str};
use crate::sandbox;
use crate::value::Value;

/// Whether the set's highest outcome is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopStatus {
    /// Some answers still to come could give it, and some could not.
    Open,
    /// Every way the remaining answers could go gives it.
    Reached,
    /// No way the remaining answers could go gives it.
    OutOfReach,
}

impl TopStatus {
    /// Its name, as JSON writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Reached => "reached",
            Self::OutOfReach => "out_of_reach",
        }
    }
}

/// One step of a guided interview, as indices into the rule set
/// ([`CompiledRuleSet::interview_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterviewStep {
    /// The question to ask next (an index into [`CompiledRuleSet::questions`]); `None` when no
    /// answer still to come can change the outcome.
    pub next: Option<usize>,
    /// Whether the set's highest outcome is decided.
    pub top: TopStatus,
    /// Whether no answer still to come can change the outcome at all.
    pub settled: bool,
    /// The outcome with the answers so far (an index into [`CompiledRuleSet::outcomes`]).
    pub outcome: usize,
    /// No answer still to come gives an outcome below this one.
    pub lowest: usize,
    /// No answer still to come gives an outcome above this one.
    pub highest: usize,
    /// How many questions have been asked (answered, or asked and not known).
    pub asked: usize,
}

impl InterviewStep {
    /// Whether further answers can no longer change whether the highest outcome is given.
    pub fn top_decided(&self) -> bool {
        self.top != TopStatus::Open
    }
}

/// One step of a guided interview, with texts in one language: what
/// `herken screen --guided --format json` prints and the WASM `guide()` returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidedStep<'r> {
    /// The rule set's id.
    pub ruleset: Str<'r>,
    /// The language of the texts.
    pub language: Str<'r>,
    /// How many questions have been asked (answered, or asked and not known).
    pub asked: usize,
    /// The question to ask next; absent when no answer still to come can change the outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<GuidedQuestion<'r>>,
    /// The set's highest outcome and whether it is decided.
    pub top: GuidedTop<'r>,
    /// The outcome with the answers so far.
    pub outcome: GuidedOutcome<'r>,
    /// No answer still to come gives an outcome below this one.
    pub lowest: GuidedOutcome<'r>,
    /// No answer still to come gives an outcome above this one.
    pub highest: GuidedOutcome<'r>,
    /// Whether no answer still to come can change the outcome at all.
    pub settled: bool,
}

/// The question a guided interview asks next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidedQuestion<'r> {
    /// Its id.
    pub id: Str<'r>,
    /// The question.
    pub question: Str<'r>,
    /// Help for whoever asks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Str<'r>>,
    /// `person` or `interviewer` (answered by the interviewer alone, never read out).
    pub audience: Audience,
    /// The indicators whose state the answer can still change.
    pub indicators: Vec<Str<'r>>,
}

/// The set's highest outcome in a guided interview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidedTop<'r> {
    /// Its id.
    pub id: Str<'r>,
    /// Its label.
    pub label: Str<'r>,
    /// `open`, `reached` or `out_of_reach`.
    pub status: TopStatus,
}

/// An outcome in a guided interview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidedOutcome<'r> {
    /// Its id.
    pub id: Str<'r>,
    /// Its level (an index into the outcomes, lowest first).
    pub level: usize,
    /// Its label.
    pub label: Str<'r>,
}

impl GuidedStep<'_> {
    /// The step as JSON text (compact).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl CompiledRuleSet {
    /// The next step of a guided interview: given the answers so far and which questions have
    /// been asked (`asked[q]` for question index `q`; a question with a known answer counts as
    /// asked, and a shorter slice leaves the rest unasked), the question that brings the set's
    /// highest outcome closest to decided, and whether it is decided.
    ///
    /// Sound: a step never says the highest outcome is reached or out of reach, or that the
    /// outcome is settled, when some way the questions not yet asked could be answered says
    /// otherwise.
    pub fn interview_step(&self, obs: &Observations, asked: &[bool]) -> InterviewStep {
        self.step(&Standing::new(self, obs, asked))
    }

    fn step(&self, standing: &Standing) -> InterviewStep {
        let top = self.outcomes.len().saturating_sub(1);
        let (lowest, highest) = standing.bounds(self);
        let outcome = self.decide(&standing.states).outcome;
        let status = if lowest == top {
            TopStatus::Reached
        } else if highest < top {
            TopStatus::OutOfReach
        } else {
            TopStatus::Open
        };
        let settled = lowest == highest;
        let next = if settled {
            None
        } else {
            // The highest outcome still possible is the one to decide next.
            self.next_question(standing, highest)
        };
        InterviewStep {
            next,
            top: status,
            settled,
            outcome,
            lowest,
            highest,
            asked: standing.asked,
        }
    }

    /// [`Self::interview_step`] with its texts in `lang` (the set's first language when it
    /// lacks `lang`).
    pub fn guide(&self, obs: &Observations, asked: &[bool], lang: &str) -> GuidedStep<'_> {
        let standing = Standing::new(self, obs, asked);
        let step = self.step(&standing);
        let lang: &str = self
            .languages
            .iter()
            .find(|l| *l == lang)
            .or(self.languages.first())
            .map_or("", String::as_str);
        let top = self.outcomes.len().saturating_sub(1);
        let outcome = |o: usize| GuidedOutcome {
            id: Cow::Borrowed(self.outcomes[o].id.as_str()),
            level: o,
            label: Cow::Borrowed(self.text(&self.outcomes[o].label, lang)),
        };
        GuidedStep {
            ruleset: Cow::Borrowed(&self.id),
            language: Cow::Borrowed(lang),
            asked: step.asked,
            next: step.next.map(|q| {
                let question = &self.questions[q];
                GuidedQuestion {
                    id: Cow::Borrowed(&question.id),
                    question: Cow::Borrowed(self.text(&question.text, lang)),
                    help: question
                        .help
                        .as_ref()
                        .map(|h| Cow::Borrowed(self.text(h, lang))),
                    audience: question.audience,
                    indicators: self.readers[q]
                        .iter()
                        .filter(|&&i| standing.free[i])
                        .map(|&i| Cow::Borrowed(self.indicators[i].id.as_str()))
                        .collect(),
                }
            }),
            top: GuidedTop {
                id: Cow::Borrowed(self.outcomes[top].id.as_str()),
                label: Cow::Borrowed(self.text(&self.outcomes[top].label, lang)),
                status: step.top,
            },
            outcome: outcome(step.outcome),
            lowest: outcome(step.lowest),
            highest: outcome(step.highest),
            settled: step.settled,
        }
    }

    /// The question that helps most to decide outcome `target`: see the module docs.
    fn next_question(&self, standing: &Standing, target: usize) -> Option<usize> {
        let condition = self.target_condition(target);
        let costs = target_costs(self, standing, &condition);
        let weigh = |cost: u32| {
            if cost == 0 || cost >= INF {
                0.0
            } else {
                1.0 / f64::from(cost)
            }
        };
        let (reach_weight, block_weight) = (weigh(costs.reach.cost), weigh(costs.block.cost));
        let mut in_reach = vec![false; self.indicators.len()];
        let mut in_block = vec![false; self.indicators.len()];
        for &i in &costs.reach.witness {
            in_reach[i] = true;
        }
        for &i in &costs.block.witness {
            in_block[i] = true;
        }
        let mut best: Option<(f64, f64, usize)> = None;
        for q in 0..self.questions.len() {
            if standing.ask[q] == Ask::Done {
                continue;
            }
            let (mut score, mut weight) = (0.0, 0.0);
            let mut any_free = false;
            for &i in &self.readers[q] {
                if !standing.free[i] {
                    continue;
                }
                any_free = true;
                if in_reach[i] {
                    score += reach_weight;
                }
                if in_block[i] {
                    score += block_weight;
                }
                weight += self.indicators[i].weight.abs();
            }
            // A question no free indicator reads cannot change anything. One that feeds
            // neither side still counts (by weight) so that the interview goes on where the
            // cost model cannot see the condition (a shape it does not analyse).
            if !any_free {
                continue;
            }
            let better = match best {
                None => true,
                Some((s, w, _)) => score > s || (score == s && weight > w),
            };
            if better {
                best = Some((score, weight, q));
            }
        }
        best.map(|(_, _, q)| self.ask_first(standing, q))
    }

    /// `q`, or when it can only be asked later, the earlier question its `ask_if` waits for.
    fn ask_first(&self, standing: &Standing, mut q: usize) -> usize {
        while standing.ask[q] == Ask::Later {
            let earlier = self
                .ask_if_reads(q)
                .into_iter()
                .find(|&r| r < q && standing.ask[r] != Ask::Done);
            match earlier {
                Some(r) => q = r,
                None => break,
            }
        }
        q
    }

    /// The questions question `q`'s `ask_if` reads: from the native condition, else (a
    /// script) every earlier question, as `ask_if` can only read those.
    fn ask_if_reads(&self, q: usize) -> Vec<usize> {
        match &self.questions[q].ask_if {
            None => Vec::new(),
            Some(Condition::Native(c)) => {
                let mut reads = Vec::new();
                c.visit_reads(&mut |r| reads.push(r));
                reads.sort_unstable();
                reads.dedup();
                reads
            }
            Some(Condition::Script(_)) => (0..q).collect(),
        }
    }

    /// Whether question `q` is done, askable now or askable later, given the answers so far
    /// and the standing of the earlier questions (`ask_if` reads only those).
    fn ask_state(&self, q: usize, obs: &Observations, earlier: &[Ask]) -> Ask {
        let Some(condition) = &self.questions[q].ask_if else {
            return Ask::Now;
        };
        if let Condition::Native(c) = condition
            && !uses_known(c)
        {
            // Three-valued logic: a condition that is true or false stays so.
            match kleene(c, obs) {
                Some(true) => return Ask::Now,
                Some(false) => return Ask::Done,
                None => {}
            }
        }
        let waits = self
            .ask_if_reads(q)
            .into_iter()
            .any(|r| earlier.get(r).is_some_and(|a| *a != Ask::Done));
        if waits {
            Ask::Later
        } else if self.applies(q, obs) {
            Ask::Now
        } else {
            Ask::Done
        }
    }

    /// What must hold for the decision to give `target`: one of the rules that gives it.
    /// Rules before them that give a higher outcome are out of reach when `target` is the
    /// highest outcome still possible, so they are left out.
    fn target_condition(&self, target: usize) -> Cond {
        let mut ways = Vec::new();
        for rule in &self.decision {
            if rule.outcome != target {
                continue;
            }
            match &rule.when {
                None => return Cond::Const(Value::Bool(true)),
                Some(c) => ways.push(c.clone()),
            }
        }
        Cond::Or(ways)
    }

    /// The case as a form that asks every question that applies would have it: an answer to
    /// a question whose `ask_if` is false is left out (it would never have been asked).
    /// Returns the case and how many answers were left out.
    pub fn as_interviewed(&self, case: &Observations) -> (Observations, usize) {
        let mut obs = case.clone();
        let mut dropped = 0;
        sandbox::screen_case(|| {
            // `ask_if` reads only earlier questions, so one pass in order is final.
            for q in 0..self.questions.len() {
                if obs.answers[q] != Value::Unknown && !self.applies(q, &obs) {
                    obs.answers[q] = Value::Unknown;
                    dropped += 1;
                }
            }
        });
        (obs, dropped)
    }
}

/// A guided interview run over a complete case ([`CompiledRuleSet::simulate_interview`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulatedInterview {
    /// Questions asked until the set's highest outcome was decided.
    pub asked_until_top_decided: usize,
    /// Questions asked until the outcome was settled (no further answer could change it).
    pub asked_until_settled: usize,
    /// Questions the full interview asks: those that apply to the case.
    pub full_questions: usize,
    /// Whether the guided interview found the highest outcome reached (else out of reach).
    pub top_reached: bool,
    /// The outcome when the interview was settled.
    pub outcome: usize,
    /// The outcome of the full interview: every question that applies answered from the case.
    pub full_outcome: usize,
    /// Answers the case gives to questions whose `ask_if` is false for it, left out of both
    /// interviews (a form would never have asked them).
    pub dropped_answers: usize,
}

impl SimulatedInterview {
    /// Whether the guided interview decided the highest outcome (outcome `top`) as the full
    /// interview did.
    pub fn top_agrees(&self, top: usize) -> bool {
        self.top_reached == (self.full_outcome == top)
    }

    /// Whether the guided interview settled on the full interview's outcome.
    pub fn outcome_agrees(&self) -> bool {
        self.outcome == self.full_outcome
    }
}

impl CompiledRuleSet {
    /// Runs a guided interview over a complete case: asks the question
    /// [`Self::interview_step`] gives and takes the answer from `case` (unknown where it has
    /// none: asked, not known) until the outcome is settled; says how many questions it took
    /// to decide the highest outcome and to settle the outcome, and compares them with the
    /// full interview ([`Self::as_interviewed`]).
    pub fn simulate_interview(&self, case: &Observations) -> SimulatedInterview {
        let (case, dropped_answers) = self.as_interviewed(case);
        let mut states = Vec::with_capacity(self.indicators.len());
        sandbox::screen_case(|| self.states_into(&case, &mut states, None));
        let full_outcome = self.decide(&states).outcome;
        let full_questions = self.applicable(&case).len();
        let mut obs = Observations::unknown(self);
        let mut asked = vec![false; self.questions.len()];
        let mut top_decided: Option<(usize, bool)> = None;
        let mut n = 0;
        loop {
            let step = self.interview_step(&obs, &asked);
            if top_decided.is_none() && step.top_decided() {
                top_decided = Some((n, step.top == TopStatus::Reached));
            }
            let Some(next) = step.next.filter(|_| !step.settled) else {
                let (until_top, top_reached) = top_decided.unwrap_or((n, false));
                return SimulatedInterview {
                    asked_until_top_decided: until_top,
                    asked_until_settled: n,
                    full_questions,
                    top_reached,
                    outcome: step.outcome,
                    full_outcome,
                    dropped_answers,
                };
            };
            asked[next] = true;
            obs.answers[next] = case.get(next).clone();
            n += 1;
        }
    }
}

/// Whether a question can still be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// Answered, asked and not known, or never to be asked (its `ask_if` is false).
    Done,
    /// It can be asked now.
    Now,
    /// It may apply once an earlier question still to be asked is answered.
    Later,
}

/// Where an interview stands: every indicator's state and whether it can still change, and
/// every question's.
struct Standing {
    /// Each indicator's state with the answers so far.
    states: Vec<State>,
    /// Whether answers still to come can change an indicator's state.
    free: Vec<bool>,
    /// Whether a question can still be asked.
    ask: Vec<Ask>,
    /// How many questions have been asked.
    asked: usize,
}

impl Standing {
    fn new(rules: &CompiledRuleSet, obs: &Observations, asked: &[bool]) -> Self {
        sandbox::screen_case(|| {
            let mut states = Vec::with_capacity(rules.indicators.len());
            rules.states_into(obs, &mut states, None);
            let mut ask = vec![Ask::Done; rules.questions.len()];
            let mut count = 0;
            for q in 0..rules.questions.len() {
                if *obs.get(q) != Value::Unknown || asked.get(q).copied().unwrap_or(false) {
                    count += 1;
                } else {
                    ask[q] = rules.ask_state(q, obs, &ask[..q]);
                }
            }
            let free = rules
                .indicators
                .iter()
                .zip(&states)
                .map(|(ind, state)| {
                    if ind.reads.iter().all(|&q| ask[q] == Ask::Done) {
                        return false;
                    }
                    match &ind.condition {
                        // Three-valued logic: false stays false (or turns into an error, which
                        // decisions count alike); true stays true when nothing in it can fail.
                        Condition::Native(c) if !uses_known(c) => match state {
                            State::Absent => false,
                            State::Present => !never_fails(rules, c),
                            State::Unknown | State::Error => true,
                        },
                        _ => true,
                    }
                })
                .collect();
            Self {
                states,
                free,
                ask,
                asked: count,
            }
        })
    }

    /// The lowest and highest outcome the answers still to come could lead to.
    fn bounds(&self, rules: &CompiledRuleSet) -> (usize, usize) {
        if !self.free.iter().any(|f| *f) {
            let o = rules.decide(&self.states).outcome;
            return (o, o);
        }
        if rules.monotone_decision() {
            let outcome = |free_as: State| {
                let states: Vec<State> = self
                    .states
                    .iter()
                    .zip(&self.free)
                    .map(|(s, free)| if *free { free_as } else { *s })
                    .collect();
                rules.decide(&states).outcome
            };
            return (outcome(State::Absent), outcome(State::Present));
        }
        let allowed: Vec<States> = (0..rules.indicators.len())
            .map(|i| {
                if self.free[i] {
                    rules.possible_states(i)
                } else {
                    States::only(self.states[i])
                }
            })
            .collect();
        let reach = rules.analysis.reachability(&allowed);
        match (reach.lowest(), reach.highest()) {
            (Some(lowest), Some(highest)) => (lowest, highest),
            _ => (0, rules.outcomes.len().saturating_sub(1)),
        }
    }
}

/// A native condition's three-valued truth with the answers so far (`None`: unknown, or it
/// fails).
fn kleene(c: &Cond, obs: &Observations) -> Option<bool> {
    let env = Env {
        answers: &obs.answers,
        facts: None,
    };
    match c.truth(&env) {
        Some(value) => value,
        None => match c.eval(&env) {
            Ok(Value::Bool(b)) => Some(b),
            _ => None,
        },
    }
}

/// Whether a condition uses `known()`, which turns false when an answer arrives.
fn uses_known(c: &Cond) -> bool {
    match c {
        Cond::Known(_) => true,
        Cond::Const(_) | Cond::Obs(_) | Cond::Helper(_) => false,
        Cond::Matches(a, _) | Cond::Not(a) | Cond::Neg(a) => uses_known(a),
        Cond::And(parts) | Cond::Or(parts) => parts.iter().any(uses_known),
        Cond::Cmp(_, a, b) | Cond::Arith(_, a, b) | Cond::In(a, b) => {
            uses_known(a) || uses_known(b)
        }
    }
}

/// Whether a true/false condition gives true, false or unknown for every answer, never an
/// error: so that once true it stays true (an answer to a part not yet evaluated cannot make
/// it fail). Conservative: arithmetic (overflow, division by zero) and the shapes whose types
/// could clash are left out.
fn never_fails(rules: &CompiledRuleSet, c: &Cond) -> bool {
    let kind = |q: usize| rules.questions.get(q).map(|question| question.kind);
    let plain = |c: &Cond| matches!(c, Cond::Const(_) | Cond::Obs(_));
    match c {
        Cond::Const(v) => matches!(v, Value::Bool(_) | Value::Unknown),
        Cond::Obs(q) => kind(*q) == Some(QuestionType::YesNo),
        Cond::Not(a) => never_fails(rules, a),
        Cond::And(parts) | Cond::Or(parts) => parts.iter().all(|p| never_fails(rules, p)),
        Cond::Cmp(_, a, b) => plain(a) && plain(b),
        Cond::In(needle, haystack) => {
            plain(needle)
                && match &**haystack {
                    Cond::Const(Value::List(_)) => true,
                    Cond::Obs(q) => kind(*q) == Some(QuestionType::Choices),
                    _ => false,
                }
        }
        Cond::Matches(text, _) => {
            matches!(&**text, Cond::Obs(q) if kind(*q) == Some(QuestionType::Text))
        }
        Cond::Arith(..) | Cond::Neg(_) | Cond::Known(_) | Cond::Helper(_) => false,
    }
}

/// How a value moves as indicators become present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Constant,
    Rising,
    Falling,
    Either,
}

impl Direction {
    fn flip(self) -> Self {
        match self {
            Self::Rising => Self::Falling,
            Self::Falling => Self::Rising,
            other => other,
        }
    }

    fn combine(self, other: Self) -> Self {
        match (self, other) {
            (Self::Constant, d) | (d, Self::Constant) => d,
            (a, b) if a == b => a,
            _ => Self::Either,
        }
    }
}

impl CompiledRuleSet {
    /// Whether the decision's outcome can only rise as indicators become present (see
    /// [`monotone_decision`]), worked out on first use.
    pub(crate) fn monotone_decision(&self) -> bool {
        *self.monotone.get_or_init(|| monotone_decision(self))
    }
}

/// Whether the decision's outcome can only rise as indicators become present: every rule's
/// condition rising, and the rules ordered from the highest outcome down.
fn monotone_decision(rules: &CompiledRuleSet) -> bool {
    let ordered = rules
        .decision
        .windows(2)
        .all(|w| w[0].outcome >= w[1].outcome);
    ordered
        && rules.decision.iter().all(|r| {
            r.when.as_ref().is_none_or(|c| {
                matches!(direction(rules, c), Direction::Rising | Direction::Constant)
            })
        })
}

/// How a decision condition or number moves as indicators become present.
fn direction(rules: &CompiledRuleSet, c: &Cond) -> Direction {
    use Direction::{Constant, Either, Rising};
    match c {
        Cond::Const(_) => Constant,
        Cond::Helper(h) => match h {
            DecisionHelper::Present(_) | DecisionHelper::PresentCount(_) => Rising,
            DecisionHelper::Positive(d) => rising_dimension(rules, *d),
            DecisionHelper::PositiveCount(over) => {
                let all = match over {
                    Over::Dimensions(ds) => {
                        ds.iter().all(|d| rising_dimension(rules, *d) == Rising)
                    }
                    _ => (0..rules.dimensions.len()).all(|d| rising_dimension(rules, d) == Rising),
                };
                if all { Rising } else { Either }
            }
            DecisionHelper::Score(over) => {
                if over_indicators(rules, over).all(|i| rules.indicators[i].weight >= 0.0) {
                    Rising
                } else {
                    Either
                }
            }
            // An indicator that becomes present was unknown, or absent: either way.
            DecisionHelper::UnknownCount(_) => Either,
        },
        Cond::Not(a) | Cond::Neg(a) => direction(rules, a).flip(),
        Cond::And(parts) | Cond::Or(parts) => parts
            .iter()
            .fold(Constant, |d, p| d.combine(direction(rules, p))),
        Cond::Arith(ArithOp::Add, a, b) => direction(rules, a).combine(direction(rules, b)),
        Cond::Arith(ArithOp::Sub, a, b) => direction(rules, a).combine(direction(rules, b).flip()),
        Cond::Cmp(op, a, b) => {
            let (a, b) = (direction(rules, a), direction(rules, b));
            match op {
                CmpOp::Gt | CmpOp::Ge => a.combine(b.flip()),
                CmpOp::Lt | CmpOp::Le => a.flip().combine(b),
                CmpOp::Eq | CmpOp::Ne if a == Constant && b == Constant => Constant,
                CmpOp::Eq | CmpOp::Ne => Either,
            }
        }
        _ => Either,
    }
}

/// How a dimension's positivity moves as indicators become present: rising, unless it adds
/// up weights of which some are negative.
fn rising_dimension(rules: &CompiledRuleSet, d: usize) -> Direction {
    match rules
        .dimensions
        .get(d)
        .map(|dim| (dim.rule, &dim.indicators))
    {
        Some((PositiveRule::ScoreAtLeast(_), indicators))
            if indicators.iter().any(|&i| rules.indicators[i].weight < 0.0) =>
        {
            Direction::Either
        }
        Some(_) => Direction::Rising,
        None => Direction::Either,
    }
}

/// The indicators a helper counts over.
fn over_indicators<'a>(
    rules: &'a CompiledRuleSet,
    over: &'a Over,
) -> Box<dyn Iterator<Item = usize> + 'a> {
    match over {
        Over::All => Box::new(0..rules.indicators.len()),
        Over::Dimension(d) => Box::new(rules.dimensions[*d].indicators.iter().copied()),
        Over::Dimensions(ds) => Box::new(
            ds.iter()
                .flat_map(move |d| rules.dimensions[*d].indicators.iter().copied()),
        ),
        Over::Indicators(list) => Box::new(list.iter().copied()),
    }
}

/// A cost that cannot be paid: the condition cannot be made true (or false) any more.
const INF: u32 = u32::MAX / 4;

/// How many free indicators must change to make a condition true (or false), and which.
#[derive(Debug, Clone, Default)]
struct Cost {
    cost: u32,
    witness: Vec<usize>,
}

impl Cost {
    fn zero() -> Self {
        Self::default()
    }

    fn never() -> Self {
        Self {
            cost: INF,
            witness: Vec::new(),
        }
    }

    fn cheaper(self, other: Self) -> Self {
        if other.cost < self.cost { other } else { self }
    }

    fn plus(mut self, other: Self) -> Self {
        self.cost = (self.cost + other.cost).min(INF);
        self.witness.extend(other.witness);
        self
    }
}

/// The cost to make a condition true (`reach`) and false (`block`).
#[derive(Debug, Clone, Default)]
struct Costs {
    reach: Cost,
    block: Cost,
}

impl Costs {
    fn swap(self) -> Self {
        Self {
            reach: self.block,
            block: self.reach,
        }
    }

    /// Neither side can be seen (a shape the model does not analyse): no cost, no witness.
    fn unseen() -> Self {
        Self::default()
    }
}

/// The costs of making `condition` (over decision helpers) true and false, from the
/// indicators' standing.
fn target_costs(rules: &CompiledRuleSet, standing: &Standing, condition: &Cond) -> Costs {
    match condition {
        Cond::Const(Value::Bool(true)) => Costs {
            reach: Cost::zero(),
            block: Cost::never(),
        },
        Cond::Const(Value::Bool(false)) => Costs {
            reach: Cost::never(),
            block: Cost::zero(),
        },
        Cond::Not(a) => target_costs(rules, standing, a).swap(),
        Cond::And(parts) => {
            let mut reach = Cost::zero();
            let mut block = Cost::never();
            for p in parts {
                let c = target_costs(rules, standing, p);
                reach = reach.plus(c.reach);
                block = block.cheaper(c.block);
            }
            Costs { reach, block }
        }
        Cond::Or(parts) => {
            let mut reach = Cost::never();
            let mut block = Cost::zero();
            for p in parts {
                let c = target_costs(rules, standing, p);
                reach = reach.cheaper(c.reach);
                block = block.plus(c.block);
            }
            Costs { reach, block }
        }
        Cond::Helper(DecisionHelper::Positive(d)) => dimension_costs(rules, standing, *d),
        Cond::Helper(DecisionHelper::Present(i)) => present_costs(standing, *i),
        Cond::Cmp(op, a, b) => comparison_costs(rules, standing, *op, a, b),
        _ => Costs::unseen(),
    }
}

fn present_costs(standing: &Standing, i: usize) -> Costs {
    let (Some(state), Some(free)) = (standing.states.get(i), standing.free.get(i)) else {
        return Costs::unseen();
    };
    let one = || Cost {
        cost: 1,
        witness: vec![i],
    };
    match (free, state) {
        (true, _) => Costs {
            reach: one(),
            block: one(),
        },
        (false, State::Present) => Costs {
            reach: Cost::zero(),
            block: Cost::never(),
        },
        (false, _) => Costs {
            reach: Cost::never(),
            block: Cost::zero(),
        },
    }
}

/// A count over indicators compared with a constant: `present_count(...) >= k` and the like.
fn comparison_costs(
    rules: &CompiledRuleSet,
    standing: &Standing,
    op: CmpOp,
    a: &Cond,
    b: &Cond,
) -> Costs {
    let number = |c: &Cond| match c {
        Cond::Const(Value::Int(i)) => Some(*i as f64),
        Cond::Const(Value::Float(f)) => Some(*f),
        _ => None,
    };
    // Normalise to `count OP k` with the count on the left.
    let (op, helper, k) = match (a, number(b), number(a), b) {
        (Cond::Helper(h), Some(k), _, _) => (op, h, k),
        (_, _, Some(k), Cond::Helper(h)) => (
            match op {
                CmpOp::Gt => CmpOp::Lt,
                CmpOp::Ge => CmpOp::Le,
                CmpOp::Lt => CmpOp::Gt,
                CmpOp::Le => CmpOp::Ge,
                other => other,
            },
            h,
            k,
        ),
        _ => return Costs::unseen(),
    };
    // `count >= at_least` costs: reach it, or keep it below.
    let at_least = match op {
        CmpOp::Gt | CmpOp::Le => k.floor() + 1.0,
        CmpOp::Ge | CmpOp::Lt => k.ceil(),
        CmpOp::Eq | CmpOp::Ne => return Costs::unseen(),
    };
    let costs = match helper {
        DecisionHelper::PresentCount(over) => {
            let (present, free): (Vec<usize>, Vec<usize>) = over_indicators(rules, over)
                .filter(|&i| standing.free[i] || standing.states[i] == State::Present)
                .partition(|&i| !standing.free[i]);
            count_costs(present.len() as f64, &free, at_least, |_| 1.0)
        }
        DecisionHelper::Score(over) => {
            let mut present = 0.0;
            let mut free = Vec::new();
            for i in over_indicators(rules, over) {
                if standing.free[i] {
                    free.push(i);
                } else if standing.states[i] == State::Present {
                    present += rules.indicators[i].weight;
                }
            }
            crate::sort::sort_by(&mut free, |x, y| {
                rules.indicators[*y]
                    .weight
                    .total_cmp(&rules.indicators[*x].weight)
            });
            count_costs(present, &free, at_least, |i| rules.indicators[i].weight)
        }
        DecisionHelper::PositiveCount(over) => {
            let dims: Vec<usize> = match over {
                Over::All => (0..rules.dimensions.len()).collect(),
                Over::Dimension(d) => vec![*d],
                Over::Dimensions(ds) | Over::Indicators(ds) => ds.clone(),
            };
            positive_count_costs(rules, standing, &dims, at_least)
        }
        DecisionHelper::UnknownCount(_)
        | DecisionHelper::Positive(_)
        | DecisionHelper::Present(_) => {
            return Costs::unseen();
        }
    };
    match op {
        CmpOp::Gt | CmpOp::Ge => costs,
        _ => costs.swap(),
    }
}

/// `sum >= at_least`, where the settled part adds up to `present` and each of `free` (heaviest
/// first) may add `weight(i)`.
fn count_costs(
    present: f64,
    free: &[usize],
    at_least: f64,
    weight: impl Fn(usize) -> f64,
) -> Costs {
    if present >= at_least {
        return Costs {
            reach: Cost::zero(),
            block: Cost::never(),
        };
    }
    let mut reach = Cost::zero();
    let mut sum = present;
    for &i in free {
        if sum >= at_least {
            break;
        }
        sum += weight(i);
        reach.cost += 1;
        reach.witness.push(i);
    }
    if sum < at_least {
        return Costs {
            reach: Cost::never(),
            block: Cost::zero(),
        };
    }
    // Out of reach once the free ones still possible add up to less than what is missing.
    let mut block = Cost::zero();
    let mut possible: f64 = present + free.iter().map(|&i| weight(i)).sum::<f64>();
    for &i in free {
        if possible < at_least {
            break;
        }
        possible -= weight(i);
        block.cost += 1;
        block.witness.push(i);
    }
    Costs { reach, block }
}

/// `positive_count(dims) >= at_least`.
fn positive_count_costs(
    rules: &CompiledRuleSet,
    standing: &Standing,
    dims: &[usize],
    at_least: f64,
) -> Costs {
    let mut sure = 0.0;
    let mut open: Vec<Costs> = Vec::new();
    for &d in dims {
        let c = dimension_costs(rules, standing, d);
        if c.reach.cost == 0 && c.block.cost >= INF {
            sure += 1.0;
        } else if c.reach.cost < INF {
            open.push(c);
        }
    }
    if sure >= at_least {
        return Costs {
            reach: Cost::zero(),
            block: Cost::never(),
        };
    }
    let missing = (at_least - sure).max(0.0) as usize;
    if open.len() < missing {
        return Costs {
            reach: Cost::never(),
            block: Cost::zero(),
        };
    }
    crate::sort::sort_by_key(&mut open, |c| c.reach.cost);
    let reach = open
        .iter()
        .take(missing)
        .fold(Cost::zero(), |acc, c| acc.plus(c.reach.clone()));
    crate::sort::sort_by_key(&mut open, |c| c.block.cost);
    let block = open
        .iter()
        .take(open.len() + 1 - missing)
        .fold(Cost::zero(), |acc, c| acc.plus(c.block.clone()));
    Costs { reach, block }
}

/// The costs of making dimension `d` positive, and of putting that out of reach.
fn dimension_costs(rules: &CompiledRuleSet, standing: &Standing, d: usize) -> Costs {
    let Some(dim) = rules.dimensions.get(d) else {
        return Costs::unseen();
    };
    match dim.rule {
        PositiveRule::AtLeast(k) => {
            let (present, free) = split(standing, &dim.indicators);
            count_costs(present.len() as f64, &free, f64::from(k), |_| 1.0)
        }
        PositiveRule::ScoreAtLeast(x) => {
            let (present, mut free) = split(standing, &dim.indicators);
            let score: f64 = present.iter().map(|&i| rules.indicators[i].weight).sum();
            crate::sort::sort_by(&mut free, |a, b| {
                rules.indicators[*b]
                    .weight
                    .total_cmp(&rules.indicators[*a].weight)
            });
            count_costs(score, &free, x, |i| rules.indicators[i].weight)
        }
        PositiveRule::Ilo => ilo_costs(rules, standing, &dim.indicators),
    }
}

/// The settled-present and the free indicators among `indicators`.
fn split(standing: &Standing, indicators: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let present = indicators
        .iter()
        .copied()
        .filter(|&i| !standing.free[i] && standing.states[i] == State::Present)
        .collect();
    let free = indicators
        .iter()
        .copied()
        .filter(|&i| standing.free[i])
        .collect();
    (present, free)
}

/// The ILO rule: the fewest free indicators to make present so that it holds, and the fewest
/// to make not present so that it cannot hold, by strength (strong, medium, weak).
fn ilo_costs(rules: &CompiledRuleSet, standing: &Standing, indicators: &[usize]) -> Costs {
    let (present, free) = split(standing, indicators);
    let by = |list: &[usize], s: Strength| -> Vec<usize> {
        list.iter()
            .copied()
            .filter(|&i| rules.indicators[i].strength == Some(s))
            .collect()
    };
    let p = [Strength::Strong, Strength::Medium, Strength::Weak].map(|s| by(&present, s).len());
    let f = [Strength::Strong, Strength::Medium, Strength::Weak].map(|s| by(&free, s));
    let holds = |s: usize, m: usize, w: usize| {
        s >= 2 || (s >= 1 && m + w >= 1) || m >= 3 || (m >= 2 && w >= 1)
    };
    if holds(p[0], p[1], p[2]) {
        return Costs {
            reach: Cost::zero(),
            block: Cost::never(),
        };
    }
    // The rule needs at most 3 more of any strength: enough to search.
    let cap = |n: usize| n.min(3);
    let mut reach: Option<(u32, [usize; 3])> = None;
    let mut block: Option<(u32, [usize; 3])> = None;
    for s in 0..=f[0].len() {
        for m in 0..=f[1].len() {
            for w in 0..=f[2].len() {
                let added = [s, m, w];
                if holds(p[0] + s, p[1] + m, p[2] + w) {
                    // To reach: add these (only the first few matter).
                    if added.iter().all(|&n| n == cap(n)) {
                        let cost = (s + m + w) as u32;
                        if reach.is_none_or(|(c, _)| cost < c) {
                            reach = Some((cost, added));
                        }
                    }
                } else {
                    // To block: keep at most these possible; remove the rest.
                    let removed = [f[0].len() - s, f[1].len() - m, f[2].len() - w];
                    let cost = removed.iter().sum::<usize>() as u32;
                    if block.is_none_or(|(c, _)| cost < c) {
                        block = Some((cost, removed));
                    }
                }
            }
        }
    }
    let witness = |counts: [usize; 3], from_end: bool| -> Vec<usize> {
        f.iter()
            .zip(counts)
            .flat_map(|(list, n)| {
                if from_end {
                    list[list.len() - n..].to_vec()
                } else {
                    list[..n].to_vec()
                }
            })
            .collect()
    };
    Costs {
        reach: reach.map_or_else(Cost::never, |(cost, added)| Cost {
            cost,
            witness: witness(added, false),
        }),
        // Block with the first ones, so that the questions asked to block are those asked to
        // reach as well.
        block: block.map_or_else(Cost::never, |(cost, removed)| Cost {
            cost,
            witness: witness(removed, false),
        }),
    }
}
