//! Native conditions: a small tree that herken evaluates itself, with three-valued (Kleene)
//! logic over unknown answers and no per-case conversion into Rhai values.
//!
//! `compile::native` builds the tree from Rhai's syntax tree for the common shapes: literals,
//! `obs.<id>` and `obs["<id>"]`, `!`, `&&`, `||`, comparisons, `+ - * /`, unary `-`, `in`,
//! `matches(text, "<pattern>")`, `known(x)`, and in decisions the helpers of
//! [`DecisionHelper`]. Conditions outside them run in Rhai itself.

use std::borrow::Cow;
use std::sync::Arc;

#[cfg(feature = "patterns")]
use regex::Regex;

use crate::value::{UNKNOWN, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// The operator that compares the other way round: `a op b` is `b op.flipped() a`.
    pub(crate) fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// The compiled pattern of a `matches`.
#[cfg(feature = "patterns")]
pub(crate) type Pattern = Arc<Regex>;

/// The compiled pattern of a `matches`: none in an engine built without `patterns` (it refuses
/// a compiled form with patterns before reading it).
#[cfg(not(feature = "patterns"))]
#[derive(Debug, Clone)]
pub(crate) enum Pattern {}

#[cfg(not(feature = "patterns"))]
impl Pattern {
    pub(crate) fn is_match(&self, _: &str) -> bool {
        match *self {}
    }
}

/// Which indicators or dimensions a decision helper counts over.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Over {
    All,
    Dimension(usize),
    Indicators(Vec<usize>),
    Dimensions(Vec<usize>),
}

/// The helpers a decision rule may call.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) enum DecisionHelper {
    Positive(usize),
    PositiveCount(Over),
    Present(usize),
    PresentCount(Over),
    UnknownCount(Over),
    Score(Over),
}

/// A compiled condition. Serialised in a bundle's compiled form (`crate::compiled`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum Cond {
    Const(Value),
    Obs(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Cmp(CmpOp, Box<Cond>, Box<Cond>),
    Arith(ArithOp, Box<Cond>, Box<Cond>),
    Neg(Box<Cond>),
    /// `needle in haystack`.
    In(Box<Cond>, Box<Cond>),
    Matches(Box<Cond>, #[serde(with = "pattern_text")] Pattern),
    Known(Box<Cond>),
    Helper(DecisionHelper),
}

/// What decision helpers read: per-indicator states and per-dimension results of one case.
pub(crate) trait DecisionFacts {
    fn positive(&self, dimension: usize) -> bool;
    fn dimension_count(&self) -> usize;
    fn present(&self, indicator: usize) -> bool;
    /// Present indicators among `over` (an indicator listed twice counts twice).
    fn present_count(&self, over: &Over) -> i64;
    /// Unknown indicators among `over`.
    fn unknown_count(&self, over: &Over) -> i64;
    /// The sum of the weights of the present indicators among `over`, added in indicator
    /// order (in list order for a list).
    fn score(&self, over: &Over) -> f64;
}

/// Evaluation context: the answers and, in decisions, the facts.
pub(crate) struct Env<'a> {
    pub(crate) answers: &'a [Value],
    pub(crate) facts: Option<&'a dyn DecisionFacts>,
}

impl std::fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("answers", &self.answers)
            .field("facts", &self.facts.is_some())
            .finish()
    }
}

/// An evaluation error (type or arithmetic) with a message for the report.
pub(crate) type EvalResult = Result<Value, String>;

impl Cond {
    /// Evaluates with Kleene logic; `Value::Unknown` propagates as the module docs say.
    pub(crate) fn eval(&self, env: &Env<'_>) -> EvalResult {
        Ok(match self {
            Cond::Const(v) => v.clone(),
            Cond::Obs(i) => env.answers.get(*i).cloned().unwrap_or(Value::Unknown),
            Cond::Not(c) => match c.eval(env)? {
                Value::Bool(b) => Value::Bool(!b),
                Value::Unknown => Value::Unknown,
                other => return Err(format!("`!` needs true/false, found {}", other.type_name())),
            },
            Cond::And(parts) | Cond::Or(parts) => {
                let and = matches!(self, Cond::And(_));
                let truth = kleene(parts, and, |p| match p.eval(env)? {
                    Value::Bool(b) => Ok(Some(b)),
                    Value::Unknown => Ok(None),
                    other => Err(format!(
                        "`{}` needs true/false, found {}",
                        if and { "&&" } else { "||" },
                        other.type_name()
                    )),
                })?;
                truth.map_or(Value::Unknown, Value::Bool)
            }
            Cond::Cmp(op, a, b) => {
                let (a, b) = (a.eval(env)?, b.eval(env)?);
                if a == Value::Unknown || b == Value::Unknown {
                    return Ok(Value::Unknown);
                }
                Value::Bool(compare(*op, &a, &b))
            }
            Cond::Arith(op, a, b) => {
                let (a, b) = (a.eval(env)?, b.eval(env)?);
                arith(*op, a, b)?
            }
            Cond::Neg(a) => match a.eval(env)? {
                Value::Int(i) => Value::Int(i.checked_neg().ok_or("number overflow")?),
                Value::Float(f) => Value::Float(-f),
                Value::Unknown => Value::Unknown,
                other => return Err(format!("`-` needs a number, found {}", other.type_name())),
            },
            Cond::In(needle, haystack) => {
                let (n, h) = (needle.eval(env)?, haystack.eval(env)?);
                match (&n, &h) {
                    (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
                    (_, Value::List(items)) => {
                        Value::Bool(items.iter().any(|i| compare(CmpOp::Eq, i, &n)))
                    }
                    (Value::Str(n), Value::Str(h)) => Value::Bool(h.contains(&**n)),
                    _ => {
                        return Err(format!(
                            "`in` cannot look for {} in {}",
                            n.type_name(),
                            h.type_name()
                        ));
                    }
                }
            }
            Cond::Matches(text, re) => match text.eval(env)? {
                Value::Str(s) => Value::Bool(re.is_match(&s)),
                Value::Unknown => Value::Unknown,
                other => return Err(format!("`matches` needs text, found {}", other.type_name())),
            },
            Cond::Known(c) => Value::Bool(c.eval(env)? != Value::Unknown),
            Cond::Helper(h) => {
                let facts = env
                    .facts
                    .ok_or("decision helpers are only available in decision rules")?;
                helper(h, facts)
            }
        })
    }

    /// Evaluates a true/false condition without copying answers: `Some` with exactly what
    /// [`Cond::eval`] gives (`None` standing for unknown), or `None` where this fast path does
    /// not decide (an error, a value that is not true/false) and `eval` must.
    pub(crate) fn truth(&self, env: &Env<'_>) -> Option<Option<bool>> {
        match self {
            Cond::Obs(i) => match env.answers.get(*i) {
                Some(Value::Bool(b)) => Some(Some(*b)),
                Some(Value::Unknown) | None => Some(None),
                Some(_) => None,
            },
            Cond::Const(Value::Bool(b)) => Some(Some(*b)),
            Cond::Const(Value::Unknown) => Some(None),
            Cond::Not(c) => Some(c.truth(env)?.map(|b| !b)),
            Cond::And(parts) => kleene(parts, true, |p| p.truth(env).ok_or(())).ok(),
            Cond::Or(parts) => kleene(parts, false, |p| p.truth(env).ok_or(())).ok(),
            Cond::Cmp(op, a, b) => {
                let (a, b) = (a.operand(env)?, b.operand(env)?);
                if matches!(*a, Value::Unknown) || matches!(*b, Value::Unknown) {
                    return Some(None);
                }
                Some(Some(compare(*op, &a, &b)))
            }
            Cond::In(needle, haystack) => {
                let (n, h) = (needle.operand(env)?, haystack.operand(env)?);
                match (n.as_ref(), h.as_ref()) {
                    (Value::Unknown, _) | (_, Value::Unknown) => Some(None),
                    (n, Value::List(items)) => {
                        Some(Some(items.iter().any(|i| compare(CmpOp::Eq, i, n))))
                    }
                    (Value::Str(n), Value::Str(h)) => Some(Some(h.contains(&**n))),
                    _ => None,
                }
            }
            Cond::Matches(text, re) => match text.operand(env)?.as_ref() {
                Value::Str(s) => Some(Some(re.is_match(s))),
                Value::Unknown => Some(None),
                _ => None,
            },
            Cond::Known(c) => Some(Some(!matches!(*c.operand(env)?, Value::Unknown))),
            Cond::Helper(DecisionHelper::Positive(d)) => Some(Some(env.facts?.positive(*d))),
            Cond::Helper(DecisionHelper::Present(i)) => Some(Some(env.facts?.present(*i))),
            _ => None,
        }
    }

    /// [`Cond::truth`] with the commonest shape, a yes/no answer read as it is, inlined into
    /// the caller's loop.
    #[inline]
    pub(crate) fn truth_quick(&self, env: &Env<'_>) -> Option<Option<bool>> {
        match self {
            Cond::Obs(i) => match env.answers.get(*i) {
                Some(Value::Bool(b)) => Some(Some(*b)),
                Some(Value::Unknown) | None => Some(None),
                Some(_) => None,
            },
            other => other.truth(env),
        }
    }

    /// The value of an operand: answers and constants by reference, anything else evaluated;
    /// `None` when evaluating it fails.
    fn operand<'e>(&'e self, env: &Env<'e>) -> Option<Cow<'e, Value>> {
        match self {
            Cond::Obs(i) => Some(Cow::Borrowed(env.answers.get(*i).unwrap_or(&UNKNOWN))),
            Cond::Const(v) => Some(Cow::Borrowed(v)),
            Cond::Helper(h) => Some(Cow::Owned(helper(h, env.facts?))),
            other => other.eval(env).ok().map(Cow::Owned),
        }
    }

    /// Calls `f` on every answer index the condition reads.
    pub(crate) fn visit_reads(&self, f: &mut impl FnMut(usize)) {
        match self {
            Cond::Obs(i) => f(*i),
            Cond::Not(c) | Cond::Neg(c) | Cond::Known(c) | Cond::Matches(c, _) => c.visit_reads(f),
            Cond::And(parts) | Cond::Or(parts) => parts.iter().for_each(|p| p.visit_reads(f)),
            Cond::Cmp(_, a, b) | Cond::Arith(_, a, b) | Cond::In(a, b) => {
                a.visit_reads(f);
                b.visit_reads(f);
            }
            Cond::Const(_) | Cond::Helper(_) => {}
        }
    }
}

/// Kleene `&&` (`and`) or `||` over the truth of `parts` (`None`: unknown): `false` (`true`)
/// as soon as a part is, else unknown if a part is, else `true` (`false`). The one place the
/// three-valued connectives are written; `each` fails for a part that is not true/false.
#[inline]
fn kleene<E>(
    parts: &[Cond],
    and: bool,
    mut each: impl FnMut(&Cond) -> Result<Option<bool>, E>,
) -> Result<Option<bool>, E> {
    // `&&` stops at the first false, `||` at the first true.
    let decisive = !and;
    let mut unknown = false;
    for p in parts {
        match each(p)? {
            Some(b) if b == decisive => return Ok(Some(decisive)),
            Some(_) => {}
            None => unknown = true,
        }
    }
    Ok((!unknown).then_some(!decisive))
}

fn helper(h: &DecisionHelper, facts: &dyn DecisionFacts) -> Value {
    match h {
        DecisionHelper::Positive(d) => Value::Bool(facts.positive(*d)),
        DecisionHelper::Present(i) => Value::Bool(facts.present(*i)),
        DecisionHelper::PositiveCount(over) => {
            let count = match over {
                Over::Dimensions(ds) => ds.iter().filter(|d| facts.positive(**d)).count(),
                _ => (0..facts.dimension_count())
                    .filter(|d| facts.positive(*d))
                    .count(),
            };
            Value::Int(count as i64)
        }
        DecisionHelper::PresentCount(over) => Value::Int(facts.present_count(over)),
        DecisionHelper::UnknownCount(over) => Value::Int(facts.unknown_count(over)),
        DecisionHelper::Score(over) => Value::Float(facts.score(over)),
    }
}

/// Compares two known values the way Rhai does, including its relative epsilon for floats,
/// so a condition gives the same answer here and in the Rhai sandbox.
pub(crate) fn compare(op: CmpOp, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => apply(op, x.cmp(y)),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let x = as_f64(a);
            let y = as_f64(b);
            let max = if x * y == 0.0 {
                1.0
            } else {
                x.abs().max(y.abs())
            };
            if max == 0.0 {
                return matches!(op, CmpOp::Eq | CmpOp::Le | CmpOp::Ge);
            }
            let eps = f64::EPSILON;
            match op {
                CmpOp::Eq => (x - y).abs() / max <= eps,
                CmpOp::Ne => (x - y).abs() / max > eps,
                CmpOp::Gt => (x - y) / max > eps,
                CmpOp::Ge => (x - y) / max > -eps,
                CmpOp::Lt => (y - x) / max > eps,
                CmpOp::Le => (y - x) / max > -eps,
            }
        }
        (Value::Str(x), Value::Str(y)) => apply(op, x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => match op {
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            _ => false,
        },
        (Value::List(x), Value::List(y)) => match op {
            CmpOp::Eq => {
                x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|(a, b)| compare(CmpOp::Eq, a, b))
            }
            CmpOp::Ne => !compare(CmpOp::Eq, a, b),
            _ => false,
        },
        // Different types: never equal (as in Rhai).
        _ => op == CmpOp::Ne,
    }
}

fn apply(op: CmpOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        CmpOp::Eq => ord == Equal,
        CmpOp::Ne => ord != Equal,
        CmpOp::Lt => ord == Less,
        CmpOp::Le => ord != Greater,
        CmpOp::Gt => ord == Greater,
        CmpOp::Ge => ord != Less,
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

fn arith(op: ArithOp, a: Value, b: Value) -> EvalResult {
    Ok(match (&a, &b) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        (Value::Int(x), Value::Int(y)) => {
            let r = match op {
                ArithOp::Add => x.checked_add(*y),
                ArithOp::Sub => x.checked_sub(*y),
                ArithOp::Mul => x.checked_mul(*y),
                ArithOp::Div if *y == 0 => return Err("division by zero".into()),
                ArithOp::Div => x.checked_div(*y),
            };
            Value::Int(r.ok_or("number overflow")?)
        }
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            let (x, y) = (as_f64(&a), as_f64(&b));
            let r = match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
            };
            // As in scripts (the sandbox): an infinity or NaN never decides a condition.
            if !r.is_finite() {
                return Err(
                    "the result is not a finite number (a division by zero, or a number too large)"
                        .into(),
                );
            }
            Value::Float(r)
        }
        _ => {
            return Err(format!(
                "cannot do arithmetic on {} and {}",
                a.type_name(),
                b.type_name()
            ));
        }
    })
}

/// A compiled pattern as its text in a compiled form, compiled again (the same way) when read.
#[cfg(feature = "patterns")]
mod pattern_text {
    use std::sync::Arc;

    use regex::Regex;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(re: &Arc<Regex>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(re.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Regex>, D::Error> {
        let text = String::deserialize(d)?;
        super::compile_pattern(&text)
            .map(Arc::new)
            .map_err(|e| serde::de::Error::custom(format!("pattern `{text}`: {e}")))
    }
}

/// Without `patterns` no pattern is read (the compiled form names its patterns first).
#[cfg(not(feature = "patterns"))]
mod pattern_text {
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(p: &super::Pattern, _: S) -> Result<S::Ok, S::Error> {
        match *p {}
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(_: D) -> Result<super::Pattern, D::Error> {
        Err(serde::de::Error::custom(
            "a `matches` pattern: this module has no pattern matching",
        ))
    }
}

/// Largest compiled form of one pattern; a pattern beyond it is refused at load.
#[cfg(feature = "patterns")]
pub(crate) const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// How herken compiles a pattern: case-insensitive with Unicode simple case folding, bounded
/// in size so a hostile pattern cannot exhaust memory.
#[cfg(feature = "patterns")]
pub(crate) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    compile_pattern_within(pattern, REGEX_SIZE_LIMIT)
}

#[cfg(feature = "patterns")]
pub(crate) fn compile_pattern_within(pattern: &str, size_limit: usize) -> Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .unicode(true)
        .size_limit(size_limit)
        .dfa_size_limit(size_limit)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => {
                format!("the pattern is too large (over {limit} bytes compiled)")
            }
            other => other
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim()
                .to_owned(),
        })
}
