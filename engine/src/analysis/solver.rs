//! The search behind the decision analysis: is there a completion of the indicator states in
//! which given rules hold and others do not?
//!
//! Indicators that no rule can tell apart (same dimension, strength, weight, possible states,
//! and the same mentions in `present(...)` and indicator lists) form a class; a candidate
//! answer is how many indicators of each class are present (`p`) and unknown (`u`). Counts and
//! scores are then linear forms over these numbers, and a rule is a formula over comparisons
//! of linear forms (an ILO dimension, for instance, is `S >= 2 || (S >= 1 && M + W >= 1) ||
//! M >= 3 || (M >= 2 && W >= 1)` over its strong, medium and weak counts).
//!
//! The search is branch and bound: a node is a box of bounds on the class counts plus the
//! comparisons assumed true or false on the way; bounds are tightened from the assumptions
//! (interval propagation over the linear forms); a node whose formula is false on the whole
//! box is dropped; otherwise the search assumes a comparison it cannot yet decide, or halves a
//! count. Boxes shrink to single points, so it ends, and it is exact: a point is accepted only
//! after evaluating the rules themselves ([`PointFacts`]) on indicator states built from it.

use std::collections::HashMap;

use super::{DecisionModel, PointFacts, States};
use crate::cond::{ArithOp, CmpOp, Cond, DecisionHelper, Over, compare};
use crate::manifest::{PositiveRule, Strength};
use crate::report::State;
use crate::value::Value;

/// What to look for: states in which the rules `hold` all hold and the rules `fail` all do
/// not (a rule without `when` always holds).
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub(crate) hold: Vec<usize>,
    pub(crate) fail: Vec<usize>,
}

impl Query {
    /// Rule `r` decides: it holds and none of `before` does.
    pub(crate) fn fires(r: usize, before: Vec<usize>) -> Self {
        Query {
            hold: vec![r],
            fail: before,
        }
    }
}

/// The answer to a [`Query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Solved {
    /// States, one per indicator, that satisfy it.
    Found(Vec<State>),
    /// No states do.
    Never,
    /// The work limit was reached first.
    Limit,
}

/// Truth of a formula over a box, as a set: it may be true, false, or fail (an arithmetic
/// error, which makes a rule not hold).
type Truth = u8;
const T: Truth = 1;
const F: Truth = 2;
const E: Truth = 4;

/// What makes indicators interchangeable for the rules: dimension, strength, weight (as
/// bits), the states they may take, how often each indicator list names them, and for an
/// indicator named on its own (`present("x")`), itself.
type ClassKey = (Option<usize>, u8, u64, States, Vec<usize>, Option<usize>);

/// A class of interchangeable indicators.
#[derive(Debug)]
struct Class {
    members: Vec<usize>,
    allowed: States,
    /// Variables: how many members are present, how many unknown.
    p: Option<usize>,
    u: Option<usize>,
}

/// A linear form `Σ coef · var`.
#[derive(Debug, Clone, PartialEq)]
struct Form {
    terms: Vec<(usize, f64)>,
}

/// Whether a value is a whole number (what counts are).
fn whole(x: f64) -> bool {
    x.fract() == 0.0
}

/// A comparison of a linear form with a constant, normalised so that equal comparisons are one
/// atom: for whole-number forms `form <= c` or `form == c`; for scores also `form < c`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Atom {
    form: usize,
    op: CmpOp,
    c: f64,
    /// Whether the form's values are whole numbers compared exactly (counts), rather than
    /// scores compared with Rhai's tolerance.
    exact: bool,
}

/// A number in a rule.
#[derive(Debug, Clone)]
enum Num {
    /// `form + constant`; `exact` for whole-number forms (counts).
    Lin {
        form: Form,
        constant: f64,
        int: bool,
    },
    /// How many of the formulas hold (`positive_count`).
    Count(Vec<Formula>),
    Arith(ArithOp, Box<Num>, Box<Num>, bool),
    Neg(Box<Num>, bool),
    /// A value the analysis does not model (text, a list).
    Other(Value),
}

/// A rule's condition, over atoms.
#[derive(Debug, Clone)]
enum Formula {
    Const(Truth),
    Atom(usize),
    Not(Box<Formula>),
    And(Vec<Formula>),
    Or(Vec<Formula>),
    /// A comparison of numbers beyond linear forms, decided on the box by interval arithmetic.
    Cmp(CmpOp, Num, Num),
    /// A condition the analysis does not model: anything, until the point check decides.
    Opaque,
}

/// An interval of numbers, with whether computing it may fail and whether it is whole.
#[derive(Debug, Clone, Copy)]
struct Range {
    lo: f64,
    hi: f64,
    fails: bool,
    int: bool,
}

/// The search over one set of allowed states: classes, variables, forms and atoms, and the
/// formula of every rule.
pub(crate) struct Search<'m> {
    model: &'m DecisionModel,
    classes: Vec<Class>,
    class_of: Vec<usize>,
    /// Per indicator: the states it may take (before decisions' view merges some).
    original: Vec<States>,
    /// Upper bound of each variable (its class size) and lower bound.
    var_lo: Vec<i64>,
    var_hi: Vec<i64>,
    forms: Vec<Form>,
    atoms: Vec<Atom>,
    /// Constraints that always hold: `lo <= form <= hi`.
    fixed: Vec<(usize, f64, f64)>,
    /// Per rule: its formula (`None` for a rule that failed to compile).
    rules: Vec<Option<Formula>>,
    uses_unknown: bool,
}

/// A node of the search.
#[derive(Debug, Clone)]
struct Node {
    lo: Vec<i64>,
    hi: Vec<i64>,
    /// Per form: the range the assumptions require.
    need: Vec<(f64, f64)>,
    /// Per form: whole values the assumptions exclude (`!=`).
    excluded: Vec<Vec<i64>>,
    /// Per atom: 0 not assumed, T or F.
    assumed: Vec<Truth>,
}

/// Slack for comparisons of scores, which the engine sums in another order and compares with
/// Rhai's relative tolerance: decisions within it are left to the point check.
fn slack(values: &[f64]) -> f64 {
    1e-9 * values.iter().fold(1.0f64, |m, v| m.max(v.abs()))
}

impl<'m> Search<'m> {
    /// Prepares the search for indicators that may take the states in `allowed`.
    pub(crate) fn new(model: &'m DecisionModel, allowed: &[States]) -> Self {
        let mut singled = vec![false; model.indicators.len()];
        let mut lists: Vec<Vec<usize>> = Vec::new();
        let mut uses_unknown = false;
        for rule in &model.rules {
            if let Some(Some(cond)) = &rule.when {
                visit_helpers(cond, &mut |h| {
                    match h {
                        DecisionHelper::Present(i) => {
                            if let Some(s) = singled.get_mut(*i) {
                                *s = true;
                            }
                        }
                        DecisionHelper::UnknownCount(_) => uses_unknown = true,
                        _ => {}
                    }
                    if let DecisionHelper::PresentCount(Over::Indicators(l))
                    | DecisionHelper::UnknownCount(Over::Indicators(l))
                    | DecisionHelper::Score(Over::Indicators(l)) = h
                        && !lists.contains(l)
                    {
                        lists.push(l.clone());
                    }
                });
            }
        }
        // Group interchangeable indicators.
        let mut keys: HashMap<ClassKey, usize> = HashMap::new();
        let mut classes: Vec<Class> = Vec::new();
        let mut class_of = Vec::with_capacity(model.indicators.len());
        let mut original = Vec::with_capacity(model.indicators.len());
        for (i, ind) in model.indicators.iter().enumerate() {
            let own = allowed.get(i).copied().unwrap_or(ind.possible);
            let own = if own.is_empty() { ind.possible } else { own };
            original.push(own);
            let mut states = own.for_decisions();
            if !uses_unknown && states.contains(State::Unknown) {
                // Nothing reads unknown: it is one more way of not being present.
                states = states.without(States::UNKNOWN).with(States::ABSENT);
            }
            let strength = match ind.strength {
                None => 0,
                Some(Strength::Weak) => 1,
                Some(Strength::Medium) => 2,
                Some(Strength::Strong) => 3,
            };
            let mentions: Vec<usize> = lists
                .iter()
                .map(|l| l.iter().filter(|x| **x == i).count())
                .collect();
            let key = (
                ind.dimension,
                strength,
                ind.weight.to_bits(),
                states,
                mentions,
                singled[i].then_some(i),
            );
            let c = *keys.entry(key).or_insert_with(|| {
                classes.push(Class {
                    members: Vec::new(),
                    allowed: states,
                    p: None,
                    u: None,
                });
                classes.len() - 1
            });
            classes[c].members.push(i);
            class_of.push(c);
        }
        let mut search = Search {
            model,
            classes,
            class_of,
            original,
            var_lo: Vec::new(),
            var_hi: Vec::new(),
            forms: Vec::new(),
            atoms: Vec::new(),
            fixed: Vec::new(),
            rules: Vec::new(),
            uses_unknown,
        };
        search.variables();
        search.rules = model
            .rules
            .iter()
            .map(|r| match &r.when {
                Some(Some(cond)) => Some(search.formula(cond)),
                Some(None) => Some(Formula::Const(T)),
                None => None,
            })
            .collect();
        search
    }

    /// A variable for each state a class can take that the rules can tell apart, and the
    /// constraints between them.
    fn variables(&mut self) {
        for c in 0..self.classes.len() {
            let n = self.classes[c].members.len() as i64;
            let allowed = self.classes[c].allowed;
            let var = |search: &mut Self| {
                search.var_lo.push(0);
                search.var_hi.push(n);
                search.var_lo.len() - 1
            };
            let p = allowed.contains(State::Present).then(|| var(self));
            let u = (self.uses_unknown && allowed.contains(State::Unknown)).then(|| var(self));
            let absent = allowed.contains(State::Absent);
            match (p, u) {
                (Some(p), Some(u)) => {
                    let form = self.intern(Form {
                        terms: vec![(p, 1.0), (u, 1.0)],
                    });
                    let lo = if absent { 0.0 } else { n as f64 };
                    self.fixed.push((form, lo, n as f64));
                }
                (Some(v), None) | (None, Some(v)) if !absent => self.var_lo[v] = n,
                _ => {}
            }
            self.classes[c].p = p;
            self.classes[c].u = u;
        }
    }

    fn intern(&mut self, mut form: Form) -> usize {
        crate::sort::sort_by_key(&mut form.terms, |t| t.0);
        form.terms.retain(|t| t.1 != 0.0);
        if let Some(i) = self.forms.iter().position(|f| *f == form) {
            return i;
        }
        self.forms.push(form);
        self.forms.len() - 1
    }

    fn atom(&mut self, atom: Atom) -> Formula {
        let i = match self.atoms.iter().position(|a| *a == atom) {
            Some(i) => i,
            None => {
                self.atoms.push(atom);
                self.atoms.len() - 1
            }
        };
        Formula::Atom(i)
    }

    /// The members of class `c` counted by `over`, each as often as it is listed.
    fn mentions(&self, c: usize, over: &Over) -> f64 {
        let Some(&first) = self.classes[c].members.first() else {
            return 0.0;
        };
        let dim = self.model.indicators[first].dimension;
        let per_member = match over {
            Over::All => 1,
            Over::Dimension(d) => usize::from(dim == Some(*d)),
            Over::Dimensions(ds) => usize::from(dim.is_some_and(|d| ds.contains(&d))),
            Over::Indicators(list) => list.iter().filter(|x| **x == first).count(),
        };
        per_member as f64
    }

    /// `Σ weight(c) · mentions(c) · var(c)` over classes, where `pick` gives a class's
    /// variable and the weight each of its members counts with.
    fn sum(
        &self,
        over: &Over,
        pick: impl Fn(&Class, &super::IndicatorFacts) -> Option<(usize, f64)>,
    ) -> Form {
        let mut terms = Vec::new();
        for (c, class) in self.classes.iter().enumerate() {
            let Some(&first) = class.members.first() else {
                continue;
            };
            let m = self.mentions(c, over);
            if m == 0.0 {
                continue;
            }
            if let Some((var, w)) = pick(class, &self.model.indicators[first]) {
                terms.push((var, m * w));
            }
        }
        Form { terms }
    }

    fn num(&mut self, c: &Cond) -> Num {
        let lin = |form: Form, int: bool| Num::Lin {
            form,
            constant: 0.0,
            int,
        };
        match c {
            Cond::Const(Value::Int(i)) => Num::Lin {
                form: Form { terms: Vec::new() },
                constant: *i as f64,
                int: true,
            },
            Cond::Const(Value::Float(f)) => Num::Lin {
                form: Form { terms: Vec::new() },
                constant: *f,
                int: false,
            },
            Cond::Const(v) => Num::Other(v.clone()),
            Cond::Helper(DecisionHelper::PresentCount(over)) => {
                lin(self.sum(over, |class, _| class.p.map(|p| (p, 1.0))), true)
            }
            Cond::Helper(DecisionHelper::UnknownCount(over)) => {
                lin(self.sum(over, |class, _| class.u.map(|u| (u, 1.0))), true)
            }
            Cond::Helper(DecisionHelper::Score(over)) => lin(
                self.sum(over, |class, ind| class.p.map(|p| (p, ind.weight))),
                false,
            ),
            Cond::Helper(DecisionHelper::PositiveCount(over)) => {
                let dims: Vec<usize> = match over {
                    Over::Dimensions(ds) => ds.clone(),
                    _ => (0..self.model.dimensions.len()).collect(),
                };
                Num::Count(dims.into_iter().map(|d| self.positive(d)).collect())
            }
            Cond::Arith(op, a, b) => {
                let (a, b) = (self.num(a), self.num(b));
                linear_arith(*op, a, b)
            }
            Cond::Neg(a) => match self.num(a) {
                Num::Lin {
                    form,
                    constant,
                    int,
                } => Num::Lin {
                    form: Form {
                        terms: form.terms.into_iter().map(|(v, k)| (v, -k)).collect(),
                    },
                    constant: -constant,
                    int,
                },
                other => {
                    let int = other.int();
                    Num::Neg(Box::new(other), int)
                }
            },
            _ => Num::Other(Value::Unknown),
        }
    }

    /// The formula of `positive(d)`: its rule over the dimension's present counts.
    fn positive(&mut self, d: usize) -> Formula {
        let Some((_, rule)) = self.model.dimensions.get(d).cloned() else {
            return Formula::Const(F);
        };
        let over = Over::Dimension(d);
        let by_strength = |search: &Self, s: Strength| {
            search.sum(&over, |class, ind| {
                (ind.strength == Some(s))
                    .then_some(class.p.map(|p| (p, 1.0)))
                    .flatten()
            })
        };
        let at_least = |search: &mut Self, form: Form, k: f64| {
            search.compare(
                CmpOp::Ge,
                Num::Lin {
                    form,
                    constant: 0.0,
                    int: true,
                },
                Num::Lin {
                    form: Form { terms: Vec::new() },
                    constant: k,
                    int: true,
                },
            )
        };
        match rule {
            PositiveRule::Ilo => {
                let s = by_strength(self, Strength::Strong);
                let m = by_strength(self, Strength::Medium);
                let w = by_strength(self, Strength::Weak);
                let mut mw = m.clone();
                mw.terms.extend(w.terms.iter().copied());
                let s2 = at_least(self, s.clone(), 2.0);
                let s1 = at_least(self, s, 1.0);
                let mw1 = at_least(self, mw, 1.0);
                let m3 = at_least(self, m.clone(), 3.0);
                let m2 = at_least(self, m, 2.0);
                let w1 = at_least(self, w, 1.0);
                Formula::Or(vec![
                    s2,
                    Formula::And(vec![s1, mw1]),
                    m3,
                    Formula::And(vec![m2, w1]),
                ])
            }
            PositiveRule::AtLeast(k) => {
                let all = self.sum(&over, |class, _| class.p.map(|p| (p, 1.0)));
                at_least(self, all, f64::from(k))
            }
            PositiveRule::ScoreAtLeast(x) => {
                let score = self.sum(&over, |class, ind| class.p.map(|p| (p, ind.weight)));
                self.compare(
                    CmpOp::Ge,
                    Num::Lin {
                        form: score,
                        constant: 0.0,
                        int: false,
                    },
                    Num::Lin {
                        form: Form { terms: Vec::new() },
                        constant: x,
                        int: false,
                    },
                )
            }
        }
    }

    fn formula(&mut self, c: &Cond) -> Formula {
        match c {
            Cond::Const(Value::Bool(b)) => Formula::Const(if *b { T } else { F }),
            Cond::Const(_) => Formula::Const(E),
            Cond::Not(x) => Formula::Not(Box::new(self.formula(x))),
            Cond::And(parts) => Formula::And(parts.iter().map(|p| self.formula(p)).collect()),
            Cond::Or(parts) => Formula::Or(parts.iter().map(|p| self.formula(p)).collect()),
            Cond::Helper(DecisionHelper::Positive(d)) => self.positive(*d),
            Cond::Helper(DecisionHelper::Present(i)) => {
                let Some(&class) = self.class_of.get(*i) else {
                    return Formula::Const(F);
                };
                match self.classes[class].p {
                    None => Formula::Const(F),
                    Some(p) => self.compare(
                        CmpOp::Ge,
                        Num::Lin {
                            form: Form {
                                terms: vec![(p, 1.0)],
                            },
                            constant: 0.0,
                            int: true,
                        },
                        Num::Lin {
                            form: Form { terms: Vec::new() },
                            constant: 1.0,
                            int: true,
                        },
                    ),
                }
            }
            Cond::Cmp(op, a, b) if is_truth(a) && is_truth(b) => {
                let (a, b) = (self.formula(a), self.formula(b));
                let same = Formula::Or(vec![
                    Formula::And(vec![a.clone(), b.clone()]),
                    Formula::And(vec![Formula::Not(Box::new(a)), Formula::Not(Box::new(b))]),
                ]);
                match op {
                    CmpOp::Eq => same,
                    CmpOp::Ne => Formula::Not(Box::new(same)),
                    _ => Formula::Const(F),
                }
            }
            Cond::Cmp(op, a, b) => {
                let (a, b) = (self.num(a), self.num(b));
                self.compare(*op, a, b)
            }
            // Decision values are never unknown.
            Cond::Known(x) if !may_fail(x) => Formula::Const(T),
            _ => Formula::Opaque,
        }
    }

    /// `a op b`: an atom when both sides are linear, else a comparison on intervals.
    fn compare(&mut self, op: CmpOp, a: Num, b: Num) -> Formula {
        let (
            Num::Lin {
                form: fa,
                constant: ka,
                int: ia,
            },
            Num::Lin {
                form: fb,
                constant: kb,
                int: ib,
            },
        ) = (&a, &b)
        else {
            if let (Num::Other(x), Num::Other(y)) = (&a, &b)
                && *x != Value::Unknown
                && *y != Value::Unknown
            {
                return Formula::Const(if compare(op, x, y) { T } else { F });
            }
            return Formula::Cmp(op, a, b);
        };
        // fa - fb  op  kb - ka
        let mut terms = fa.terms.clone();
        terms.extend(fb.terms.iter().map(|(v, k)| (*v, -k)));
        let mut merged: Vec<(usize, f64)> = Vec::new();
        crate::sort::sort_by_key(&mut terms, |t| t.0);
        for (v, k) in terms {
            match merged.last_mut() {
                Some(last) if last.0 == v => last.1 += k,
                _ => merged.push((v, k)),
            }
        }
        merged.retain(|t| t.1 != 0.0);
        let exact = *ia && *ib && merged.iter().all(|t| whole(t.1));
        let c = kb - ka;
        if merged.is_empty() {
            let (x, y) = (number(*ka, *ia), number(*kb, *ib));
            return Formula::Const(if compare(op, &x, &y) { T } else { F });
        }
        // Normalise the sign: the first coefficient positive.
        let (merged, c, op) = if merged[0].1 < 0.0 {
            (
                merged.into_iter().map(|(v, k)| (v, -k)).collect(),
                -c,
                op.flipped(),
            )
        } else {
            (merged, c, op)
        };
        let form = self.intern(Form { terms: merged });
        let atom = |op, c| Atom { form, op, c, exact };
        if exact {
            // Rhai's tolerance makes a constant within it of a whole number that number.
            let c = if (c - c.round()).abs() <= 1e-9 * c.abs().max(1.0) {
                c.round()
            } else {
                c
            };
            match op {
                CmpOp::Le => self.atom(atom(CmpOp::Le, c.floor())),
                CmpOp::Lt => self.atom(atom(CmpOp::Le, c.ceil() - 1.0)),
                CmpOp::Gt => Formula::Not(Box::new(self.atom(atom(CmpOp::Le, c.floor())))),
                CmpOp::Ge => Formula::Not(Box::new(self.atom(atom(CmpOp::Le, c.ceil() - 1.0)))),
                CmpOp::Eq if whole(c) => self.atom(atom(CmpOp::Eq, c)),
                CmpOp::Eq => Formula::Const(F),
                CmpOp::Ne if whole(c) => Formula::Not(Box::new(self.atom(atom(CmpOp::Eq, c)))),
                CmpOp::Ne => Formula::Const(T),
            }
        } else {
            match op {
                CmpOp::Le | CmpOp::Lt | CmpOp::Eq => self.atom(atom(op, c)),
                CmpOp::Gt => Formula::Not(Box::new(self.atom(atom(CmpOp::Le, c)))),
                CmpOp::Ge => Formula::Not(Box::new(self.atom(atom(CmpOp::Lt, c)))),
                CmpOp::Ne => Formula::Not(Box::new(self.atom(atom(CmpOp::Eq, c)))),
            }
        }
    }

    /// The least and greatest value a numeric decision helper can take here (`None` for
    /// `positive` and `present`).
    pub(crate) fn helper_range(&self, h: &DecisionHelper) -> Option<(f64, f64)> {
        let form = match h {
            DecisionHelper::PresentCount(over) => {
                self.sum(over, |class, _| class.p.map(|p| (p, 1.0)))
            }
            DecisionHelper::UnknownCount(over) => {
                self.sum(over, |class, _| class.u.map(|u| (u, 1.0)))
            }
            DecisionHelper::Score(over) => {
                self.sum(over, |class, ind| class.p.map(|p| (p, ind.weight)))
            }
            DecisionHelper::PositiveCount(Over::Dimensions(ds)) => {
                return Some((0.0, ds.len() as f64));
            }
            DecisionHelper::PositiveCount(_) => {
                return Some((0.0, self.model.dimensions.len() as f64));
            }
            DecisionHelper::Positive(_) | DecisionHelper::Present(_) => return None,
        };
        let mut range = (0.0, 0.0);
        for (v, k) in form.terms {
            let (a, b) = (k * self.var_lo[v] as f64, k * self.var_hi[v] as f64);
            range.0 += a.min(b);
            range.1 += a.max(b);
        }
        Some(range)
    }

    /// Answers `query`, looking at no more than `limit` nodes.
    pub(crate) fn solve(&self, query: &Query, limit: usize) -> Solved {
        let mut parts = Vec::new();
        for r in &query.hold {
            match self.rules.get(*r) {
                Some(Some(f)) => parts.push(f.clone()),
                _ => return Solved::Limit,
            }
        }
        for r in &query.fail {
            if let Some(Some(f)) = self.rules.get(*r) {
                parts.push(Formula::Not(Box::new(f.clone())));
            }
        }
        let target = Formula::And(parts);
        let root = Node {
            lo: self.var_lo.clone(),
            hi: self.var_hi.clone(),
            need: vec![(f64::NEG_INFINITY, f64::INFINITY); self.forms.len()],
            excluded: vec![Vec::new(); self.forms.len()],
            assumed: vec![0; self.atoms.len()],
        };
        let mut stack = vec![root];
        let mut visited = 0usize;
        while let Some(mut node) = stack.pop() {
            visited += 1;
            if visited > limit {
                return Solved::Limit;
            }
            // Tighten the box, and assume what the formula forces, until neither changes.
            let mut alive = true;
            for _ in 0..64 {
                if !self.propagate(&mut node) {
                    alive = false;
                    break;
                }
                match self.force(&target, T, &mut node) {
                    None => {
                        alive = false;
                        break;
                    }
                    Some(false) => break,
                    Some(true) => {}
                }
            }
            if !alive {
                continue;
            }
            // The assumptions must still be possible on the box.
            let mut settled = true;
            let mut contradicted = false;
            for (a, assumed) in node.assumed.iter().enumerate() {
                if *assumed == 0 {
                    continue;
                }
                let truth = self.atom_on_box(a, &node);
                if truth & *assumed == 0 {
                    contradicted = true;
                    break;
                }
                settled &= truth == *assumed;
            }
            if contradicted {
                continue;
            }
            for &(form, lo, hi) in &self.fixed {
                let (min, max) = self.bounds(form, &node);
                settled &= min >= lo && max <= hi;
            }
            let truth = self.eval(&target, &node);
            if truth & T == 0 {
                continue;
            }
            let point = node.lo.iter().zip(&node.hi).all(|(l, h)| l == h);
            if point || (truth == T && settled) {
                if let Some(states) = self.check(&node.lo, query) {
                    return Solved::Found(states);
                }
                if point {
                    continue;
                }
            }
            // Branch on a comparison not yet decided on this box, in the order the rules
            // test them; else halve a count.
            if let Some(a) = self.open_atom(&target, &node) {
                let mut no = node.clone();
                no.assumed[a] = F;
                self.require(&mut no, a, false);
                let mut yes = node;
                yes.assumed[a] = T;
                self.require(&mut yes, a, true);
                stack.push(no);
                stack.push(yes);
                continue;
            }
            let Some(v) = self.split_var(&node) else {
                continue;
            };
            let mid = node.lo[v] + (node.hi[v] - node.lo[v]) / 2;
            let mut upper = node.clone();
            upper.lo[v] = mid + 1;
            let mut lower = node;
            lower.hi[v] = mid;
            stack.push(upper);
            stack.push(lower);
        }
        Solved::Never
    }

    /// Assumes what `f` being `want` (T or F) forces in this node, as unit propagation does:
    /// every part of a wanted `&&`, the one part of a wanted `||` that can still be true, and
    /// so on down to the atoms. `None` when `f` cannot be `want`; else whether anything new was
    /// assumed.
    fn force(&self, f: &Formula, want: Truth, node: &mut Node) -> Option<bool> {
        let now = self.eval(f, node);
        if now & want == 0 {
            return None;
        }
        if now == want {
            return Some(false);
        }
        let other = if want == T { F } else { T };
        match f {
            Formula::Atom(a) => {
                if node.assumed[*a] != 0 {
                    return Some(false);
                }
                node.assumed[*a] = want;
                self.require(node, *a, want == T);
                Some(true)
            }
            Formula::Not(x) => self.force(x, other, node),
            // Every part must give `want`: `&&` true, `||` false.
            Formula::And(parts) | Formula::Or(parts)
                if (want == T) == matches!(f, Formula::And(_)) =>
            {
                let mut changed = false;
                for p in parts {
                    changed |= self.force(p, want, node)?;
                }
                Some(changed)
            }
            // One part must give `want` (`&&` false, `||` true): when only one part still
            // can, it must.
            Formula::And(parts) | Formula::Or(parts) => {
                let mut able = parts.iter().filter(|p| self.eval(p, node) != other);
                match (able.next(), able.next()) {
                    (Some(only), None) => self.force(only, want, node),
                    (None, _) => None,
                    _ => Some(false),
                }
            }
            _ => Some(false),
        }
    }

    /// Records what assuming atom `a` to be `value` requires of its form.
    fn require(&self, node: &mut Node, a: usize, value: bool) {
        let atom = self.atoms[a];
        let need = &mut node.need[atom.form];
        let tol = if atom.exact { 0.0 } else { slack(&[atom.c]) };
        match (atom.op, value) {
            (CmpOp::Le | CmpOp::Lt, true) => need.1 = need.1.min(atom.c + tol),
            (CmpOp::Le, false) if atom.exact => need.0 = need.0.max(atom.c + 1.0),
            (CmpOp::Le | CmpOp::Lt, false) => need.0 = need.0.max(atom.c - tol),
            (CmpOp::Eq, true) => {
                need.0 = need.0.max(atom.c - tol);
                need.1 = need.1.min(atom.c + tol);
            }
            (CmpOp::Eq, false) if atom.exact => node.excluded[atom.form].push(atom.c as i64),
            _ => {}
        }
    }

    /// The least and greatest value of a form on the node's box.
    fn bounds(&self, form: usize, node: &Node) -> (f64, f64) {
        let mut min = 0.0;
        let mut max = 0.0;
        for &(v, k) in &self.forms[form].terms {
            let (a, b) = (k * node.lo[v] as f64, k * node.hi[v] as f64);
            min += a.min(b);
            max += a.max(b);
        }
        (min, max)
    }

    /// The range a form can take in this node: its bounds, within what the assumptions need.
    fn range(&self, form: usize, node: &Node) -> (f64, f64) {
        let (min, max) = self.bounds(form, node);
        let (lo, hi) = node.need[form];
        (min.max(lo), max.min(hi))
    }

    /// Tightens the box from the required ranges until nothing changes; false when the node
    /// has no solution.
    fn propagate(&self, node: &mut Node) -> bool {
        let mut constraints: Vec<(usize, f64, f64)> = self.fixed.clone();
        for (form, need) in node.need.iter().enumerate() {
            if need.0.is_finite() || need.1.is_finite() || !node.excluded[form].is_empty() {
                constraints.push((form, need.0, need.1));
            }
        }
        for _ in 0..64 {
            let mut changed = false;
            for &(form, need_lo, need_hi) in &constraints {
                let (min, max) = self.bounds(form, node);
                let mut lo = min.max(need_lo);
                let mut hi = max.min(need_hi);
                let integral = self.forms[form].terms.iter().all(|t| whole(t.1));
                if integral {
                    lo = (lo - 1e-9).ceil();
                    hi = (hi + 1e-9).floor();
                    let excluded = &node.excluded[form];
                    while lo <= hi && excluded.contains(&(lo as i64)) {
                        lo += 1.0;
                    }
                    while lo <= hi && excluded.contains(&(hi as i64)) {
                        hi -= 1.0;
                    }
                }
                if lo > hi + slack(&[lo, hi]) {
                    return false;
                }
                for &(v, k) in &self.forms[form].terms {
                    let (a, b) = (k * node.lo[v] as f64, k * node.hi[v] as f64);
                    let rest_min = min - a.min(b);
                    let rest_max = max - a.max(b);
                    // k·x within [lo - rest_max, hi - rest_min]
                    let (x_lo, x_hi) = if k > 0.0 {
                        ((lo - rest_max) / k, (hi - rest_min) / k)
                    } else {
                        ((hi - rest_min) / k, (lo - rest_max) / k)
                    };
                    let tol = slack(&[x_lo, x_hi]);
                    let new_lo = (x_lo - tol).ceil();
                    let new_hi = (x_hi + tol).floor();
                    if new_lo > node.lo[v] as f64 {
                        node.lo[v] = new_lo as i64;
                        changed = true;
                    }
                    if new_hi < node.hi[v] as f64 {
                        node.hi[v] = new_hi as i64;
                        changed = true;
                    }
                    if node.lo[v] > node.hi[v] {
                        return false;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        true
    }

    /// What an atom is on the box, assumptions aside.
    fn atom_on_box(&self, a: usize, node: &Node) -> Truth {
        let atom = self.atoms[a];
        let (lo, hi) = self.bounds(atom.form, node);
        atom_truth(atom, lo, hi)
    }

    /// What an atom is in the node: on the box, within what the assumptions require of its
    /// form (every answer in this branch meets those).
    fn atom_in_node(&self, a: usize, node: &Node) -> Truth {
        let atom = self.atoms[a];
        let (lo, hi) = self.range(atom.form, node);
        atom_truth(atom, lo, hi)
    }
}

/// What `atom` is when its form lies in `lo..=hi`.
fn atom_truth(atom: Atom, lo: f64, hi: f64) -> Truth {
    {
        let c = atom.c;
        if atom.exact {
            match atom.op {
                CmpOp::Le if hi <= c => T,
                CmpOp::Le if lo > c => F,
                CmpOp::Eq if lo == c && hi == c => T,
                CmpOp::Eq if c < lo || c > hi => F,
                _ => T | F,
            }
        } else {
            let tol = slack(&[c, lo, hi]);
            match atom.op {
                CmpOp::Le if hi <= c - tol => T,
                CmpOp::Le if lo > c + tol => F,
                CmpOp::Lt if hi < c - tol => T,
                CmpOp::Lt if lo >= c + tol => F,
                CmpOp::Eq if hi < c - tol || lo > c + tol => F,
                _ => T | F,
            }
        }
    }
}

impl Search<'_> {
    fn eval(&self, f: &Formula, node: &Node) -> Truth {
        match f {
            Formula::Const(t) => *t,
            Formula::Atom(a) => match node.assumed[*a] {
                0 => self.atom_in_node(*a, node),
                t => t,
            },
            Formula::Not(x) => {
                let t = self.eval(x, node);
                let mut out = t & E;
                if t & T != 0 {
                    out |= F;
                }
                if t & F != 0 {
                    out |= T;
                }
                out
            }
            Formula::And(parts) => self.connective(parts, node, F),
            Formula::Or(parts) => self.connective(parts, node, T),
            Formula::Cmp(op, a, b) => {
                let (a, b) = (self.num_range(a, node), self.num_range(b, node));
                let mut t = if a.fails || b.fails { E } else { 0 };
                let tol = if a.int && b.int {
                    0.0
                } else {
                    slack(&[a.lo, a.hi, b.lo, b.hi])
                };
                // Whether the comparison can be true, and can be false, on these ranges.
                let (can_true, can_false) = match op {
                    CmpOp::Lt => (a.lo < b.hi + tol, a.hi >= b.lo - tol),
                    CmpOp::Le => (a.lo <= b.hi + tol, a.hi > b.lo - tol),
                    CmpOp::Gt => (a.hi > b.lo - tol, a.lo <= b.hi + tol),
                    CmpOp::Ge => (a.hi >= b.lo - tol, a.lo < b.hi + tol),
                    CmpOp::Eq => (
                        a.lo <= b.hi + tol && b.lo <= a.hi + tol,
                        !(a.lo == a.hi && b.lo == b.hi && a.lo == b.lo) || tol > 0.0,
                    ),
                    CmpOp::Ne => (
                        !(a.lo == a.hi && b.lo == b.hi && a.lo == b.lo) || tol > 0.0,
                        a.lo <= b.hi + tol && b.lo <= a.hi + tol,
                    ),
                };
                if can_true {
                    t |= T;
                }
                if can_false {
                    t |= F;
                }
                t
            }
            Formula::Opaque => T | F | E,
        }
    }

    /// `&&` (`stop` = F) or `||` (`stop` = T), left to right as the engine evaluates them:
    /// the first part that gives `stop` decides, an error stops with an error.
    fn connective(&self, parts: &[Formula], node: &Node, stop: Truth) -> Truth {
        let go_on = if stop == F { T } else { F };
        let mut out = 0;
        for p in parts {
            let t = self.eval(p, node);
            out |= t & (stop | E);
            if t & go_on == 0 {
                return out;
            }
        }
        out | go_on
    }

    fn num_range(&self, n: &Num, node: &Node) -> Range {
        match n {
            Num::Lin {
                form,
                constant,
                int,
            } => {
                let (mut lo, mut hi) = (*constant, *constant);
                for &(v, k) in &form.terms {
                    let (a, b) = (k * node.lo[v] as f64, k * node.hi[v] as f64);
                    lo += a.min(b);
                    hi += a.max(b);
                }
                Range {
                    lo,
                    hi,
                    fails: false,
                    int: *int,
                }
            }
            Num::Count(parts) => {
                let mut range = Range {
                    lo: 0.0,
                    hi: 0.0,
                    fails: false,
                    int: true,
                };
                for p in parts {
                    let t = self.eval(p, node);
                    if t == T {
                        range.lo += 1.0;
                    }
                    if t & T != 0 {
                        range.hi += 1.0;
                    }
                    range.fails |= t & E != 0;
                }
                range
            }
            Num::Neg(a, int) => {
                let a = self.num_range(a, node);
                Range {
                    lo: -a.hi,
                    hi: -a.lo,
                    fails: a.fails,
                    int: *int,
                }
            }
            Num::Arith(op, a, b, int) => {
                let (a, b) = (self.num_range(a, node), self.num_range(b, node));
                let mut fails = a.fails || b.fails;
                let corners = |f: &dyn Fn(f64, f64) -> f64| {
                    let values = [f(a.lo, b.lo), f(a.lo, b.hi), f(a.hi, b.lo), f(a.hi, b.hi)];
                    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lo, hi)
                };
                let (lo, hi) = match op {
                    ArithOp::Add => (a.lo + b.lo, a.hi + b.hi),
                    ArithOp::Sub => (a.lo - b.hi, a.hi - b.lo),
                    ArithOp::Mul => corners(&|x, y| x * y),
                    ArithOp::Div => {
                        if b.lo <= 0.0 && b.hi >= 0.0 {
                            if *int {
                                fails = true;
                            }
                            (f64::NEG_INFINITY, f64::INFINITY)
                        } else if *int {
                            corners(&|x, y| (x / y).trunc())
                        } else {
                            corners(&|x, y| x / y)
                        }
                    }
                };
                Range {
                    lo: if lo.is_nan() { f64::NEG_INFINITY } else { lo },
                    hi: if hi.is_nan() { f64::INFINITY } else { hi },
                    fails,
                    int: *int,
                }
            }
            Num::Other(_) => Range {
                lo: f64::NEG_INFINITY,
                hi: f64::INFINITY,
                fails: true,
                int: false,
            },
        }
    }

    /// The first atom of `f` (in evaluation order) that is neither assumed nor decided on the
    /// box.
    fn open_atom(&self, f: &Formula, node: &Node) -> Option<usize> {
        match f {
            Formula::Atom(a) => {
                (node.assumed[*a] == 0 && self.atom_in_node(*a, node) == T | F).then_some(*a)
            }
            Formula::Not(x) => self.open_atom(x, node),
            Formula::And(parts) | Formula::Or(parts) => {
                parts.iter().find_map(|p| self.open_atom(p, node))
            }
            Formula::Cmp(_, a, b) => self
                .open_in_num(a, node)
                .or_else(|| self.open_in_num(b, node)),
            Formula::Const(_) | Formula::Opaque => None,
        }
    }

    fn open_in_num(&self, n: &Num, node: &Node) -> Option<usize> {
        match n {
            Num::Count(parts) => parts.iter().find_map(|p| self.open_atom(p, node)),
            Num::Arith(_, a, b, _) => self
                .open_in_num(a, node)
                .or_else(|| self.open_in_num(b, node)),
            Num::Neg(a, _) => self.open_in_num(a, node),
            Num::Lin { .. } | Num::Other(_) => None,
        }
    }

    /// The count to halve: the widest one among those of a comparison the box does not yet
    /// decide, else the widest of all.
    fn split_var(&self, node: &Node) -> Option<usize> {
        let mut candidates: Vec<usize> = Vec::new();
        for (a, assumed) in node.assumed.iter().enumerate() {
            if *assumed != 0 && self.atom_on_box(a, node) != *assumed {
                candidates.extend(self.forms[self.atoms[a].form].terms.iter().map(|t| t.0));
            }
        }
        for &(form, lo, hi) in &self.fixed {
            let (min, max) = self.bounds(form, node);
            if min < lo || max > hi {
                candidates.extend(self.forms[form].terms.iter().map(|t| t.0));
            }
        }
        let widest = |vars: &mut dyn Iterator<Item = usize>| {
            vars.filter(|v| node.hi[*v] > node.lo[*v])
                .max_by_key(|v| (node.hi[*v] - node.lo[*v], std::cmp::Reverse(*v)))
        };
        widest(&mut candidates.into_iter()).or_else(|| widest(&mut (0..node.lo.len())))
    }

    /// Indicator states for the counts `point`, if they satisfy `query` when the rules
    /// themselves are evaluated.
    fn check(&self, point: &[i64], query: &Query) -> Option<Vec<State>> {
        let mut states = vec![State::Absent; self.model.indicators.len()];
        for class in &self.classes {
            let present = class.p.map_or(0, |p| point[p].max(0) as usize);
            let unknown = class.u.map_or(0, |u| point[u].max(0) as usize);
            if present + unknown > class.members.len() {
                return None;
            }
            for (k, &i) in class.members.iter().enumerate() {
                let own = self.original[i];
                states[i] = if k < present {
                    State::Present
                } else if k < present + unknown {
                    State::Unknown
                } else if !self.uses_unknown && own.contains(State::Unknown) {
                    // The rules do not read unknown: an example leaves it unanswered.
                    State::Unknown
                } else if own.contains(State::Absent) {
                    State::Absent
                } else if own.contains(State::Error) {
                    State::Error
                } else if own.contains(State::Unknown) {
                    State::Unknown
                } else {
                    State::Present
                };
            }
        }
        let facts = PointFacts {
            model: self.model,
            states: &states,
        };
        let ok = query.hold.iter().all(|r| facts.holds(*r))
            && query.fail.iter().all(|r| {
                // A rule that failed to compile could go either way: it never blocks.
                self.rules.get(*r).is_some_and(Option::is_none) || !facts.holds(*r)
            });
        ok.then_some(states)
    }
}

impl Num {
    fn int(&self) -> bool {
        match self {
            Num::Lin { int, .. } | Num::Arith(.., int) | Num::Neg(_, int) => *int,
            Num::Count(_) => true,
            Num::Other(v) => matches!(v, Value::Int(_)),
        }
    }
}

/// `a op b` kept linear where it is (sums, differences, multiples).
fn linear_arith(op: ArithOp, a: Num, b: Num) -> Num {
    let int = a.int() && b.int();
    match (op, a, b) {
        (
            ArithOp::Add | ArithOp::Sub,
            Num::Lin {
                form: fa,
                constant: ka,
                int: ia,
            },
            Num::Lin {
                form: fb,
                constant: kb,
                int: ib,
            },
        ) => {
            let sign = if op == ArithOp::Add { 1.0 } else { -1.0 };
            let mut terms = fa.terms;
            terms.extend(fb.terms.into_iter().map(|(v, k)| (v, sign * k)));
            Num::Lin {
                form: Form { terms },
                constant: ka + sign * kb,
                int: ia && ib,
            }
        }
        (
            ArithOp::Mul,
            Num::Lin {
                form,
                constant,
                int: i1,
            },
            Num::Lin {
                form: f2,
                constant: k,
                int: i2,
            },
        )
        | (
            ArithOp::Mul,
            Num::Lin {
                form: f2,
                constant: k,
                int: i2,
            },
            Num::Lin {
                form,
                constant,
                int: i1,
            },
        ) if f2.terms.is_empty() => Num::Lin {
            form: Form {
                terms: form.terms.into_iter().map(|(v, c)| (v, c * k)).collect(),
            },
            constant: constant * k,
            int: i1 && i2,
        },
        (op, a, b) => Num::Arith(op, Box::new(a), Box::new(b), int),
    }
}

fn number(x: f64, int: bool) -> Value {
    if int {
        Value::Int(x as i64)
    } else {
        Value::Float(x)
    }
}

/// Whether a decision expression gives true or false (not a number).
fn is_truth(c: &Cond) -> bool {
    match c {
        Cond::Const(Value::Bool(_))
        | Cond::Not(_)
        | Cond::And(_)
        | Cond::Or(_)
        | Cond::Cmp(..)
        | Cond::Known(_) => true,
        Cond::Helper(h) => matches!(h, DecisionHelper::Positive(_) | DecisionHelper::Present(_)),
        _ => false,
    }
}

/// Whether evaluating `c` can fail (a division).
fn may_fail(c: &Cond) -> bool {
    match c {
        Cond::Arith(ArithOp::Div, ..) => true,
        Cond::Arith(_, a, b) | Cond::Cmp(_, a, b) | Cond::In(a, b) => may_fail(a) || may_fail(b),
        Cond::Not(a) | Cond::Neg(a) | Cond::Known(a) | Cond::Matches(a, _) => may_fail(a),
        Cond::And(parts) | Cond::Or(parts) => parts.iter().any(may_fail),
        Cond::Const(_) | Cond::Obs(_) | Cond::Helper(_) => false,
    }
}

/// Calls `f` on every decision helper in `c`.
pub(crate) fn visit_helpers(c: &Cond, f: &mut impl FnMut(&DecisionHelper)) {
    match c {
        Cond::Helper(h) => f(h),
        Cond::Arith(_, a, b) | Cond::Cmp(_, a, b) | Cond::In(a, b) => {
            visit_helpers(a, f);
            visit_helpers(b, f);
        }
        Cond::Not(a) | Cond::Neg(a) | Cond::Known(a) | Cond::Matches(a, _) => visit_helpers(a, f),
        Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| visit_helpers(p, f)),
        Cond::Const(_) | Cond::Obs(_) => {}
    }
}
