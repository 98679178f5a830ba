//! Which states an indicator's condition can give at all: every combination of answers that
//! matters is tried, so a condition that can never be true (or never false) is found when the
//! set loads, and the decision analysis knows which states each indicator can take.
//!
//! Exact for the common shapes: answers read as yes/no, compared with constants, looked up in
//! lists of constants, or tested with `known`. For each question read, a few representative
//! answers stand for all others (every threshold, just below and above it, the bounds, every
//! option, every subset of the options looked for); a condition whose answers meet in
//! arithmetic, in `matches` or in a comparison with each other is not analysed (every state
//! is taken to be possible).

use std::collections::BTreeMap;
use std::sync::Arc;

use regex::Regex;

use super::States;
use crate::cond::{Cond, Env};
use crate::manifest::QuestionType;
use crate::model::QuestionName;
use crate::value::Value;

/// At most this many combinations of answers are tried for one condition.
const MAX_COMBINATIONS: usize = 4096;
/// At most this many options of a `choices` question are combined into subsets.
const MAX_SUBSET_OPTIONS: usize = 10;

/// The states `cond` can give over every answer the questions accept (unanswered included);
/// `None` when the condition's shape is beyond this analysis.
pub(crate) fn possible(cond: &Cond, questions: &[QuestionName]) -> Option<States> {
    let axes = candidates(cond, questions, false)?;
    // One buffer of answers for every condition of a set, put back to unanswered after use: a
    // fresh one per condition made loading quadratic in the number of questions.
    let mut answers = ANSWERS.take();
    if answers.len() < questions.len() {
        answers.resize(questions.len(), Value::Unknown);
    }
    let answers_all = &mut answers[..questions.len()];
    let mut states = States::NONE;
    combinations(&axes, answers_all, |answers| {
        let env = Env {
            answers,
            facts: None,
        };
        states = states.with(match cond.eval(&env) {
            Ok(Value::Bool(true)) => States::PRESENT,
            Ok(Value::Bool(false)) => States::ABSENT,
            Ok(Value::Unknown) => States::UNKNOWN,
            _ => States::ERROR,
        });
        false
    });
    for (q, _) in &axes {
        answers[*q] = Value::Unknown;
    }
    ANSWERS.set(answers);
    Some(states)
}

thread_local! {
    /// The answers buffer of [`possible`], all unanswered between calls.
    static ANSWERS: std::cell::Cell<Vec<Value>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Answers for the questions `cond` reads that make it give `want`, changing only questions
/// still unanswered in `answers` and answering as few as it can; false (and `answers`
/// unchanged) when no candidate does.
pub(crate) fn satisfy(
    cond: &Cond,
    want: bool,
    questions: &[QuestionName],
    answers: &mut [Value],
) -> bool {
    let Some(axes) = candidates(cond, questions, true) else {
        return false;
    };
    // Answered questions keep their answer.
    let axes: Vec<(usize, Vec<Value>)> = axes
        .into_iter()
        .filter(|(q, _)| answers[*q] == Value::Unknown)
        .collect();
    let mut trial = answers.to_vec();
    let mut found = None;
    combinations(&axes, &mut trial, |trial| {
        let env = Env {
            answers: trial,
            facts: None,
        };
        let hit = matches!(cond.eval(&env), Ok(Value::Bool(b)) if b == want);
        if hit {
            found = Some(trial.to_vec());
        }
        hit
    });
    match found {
        Some(values) => {
            answers.clone_from_slice(&values);
            true
        }
        None => false,
    }
}

/// The questions `cond` reads, each with answers that show every behaviour the condition can
/// have (unanswered first); `None` when the condition is beyond the analysis. `with_patterns`
/// also takes conditions that match text against patterns, with a text each pattern matches
/// (an example, not every behaviour).
fn candidates(
    cond: &Cond,
    questions: &[QuestionName],
    with_patterns: bool,
) -> Option<Vec<(usize, Vec<Value>)>> {
    let mut uses = BTreeMap::new();
    if !collect(cond, &mut uses) {
        return None;
    }
    let mut axes: Vec<(usize, Vec<Value>)> = Vec::with_capacity(uses.len());
    let mut combinations = 1usize;
    for (q, used) in uses {
        if !used.patterns.is_empty() && !with_patterns {
            return None;
        }
        let question = questions.get(q)?;
        let values = representatives(question, &used)?;
        combinations = combinations.checked_mul(values.len())?;
        if combinations > MAX_COMBINATIONS {
            return None;
        }
        axes.push((q, values));
    }
    Some(axes)
}

/// Calls `each` with `answers` set to every combination of the axes' values, odometer-wise
/// (the first values first), until it returns true.
fn combinations(
    axes: &[(usize, Vec<Value>)],
    answers: &mut [Value],
    mut each: impl FnMut(&[Value]) -> bool,
) {
    let mut at = vec![0usize; axes.len()];
    loop {
        for ((q, values), i) in axes.iter().zip(&at) {
            answers[*q] = values[*i].clone();
        }
        if each(answers) {
            return;
        }
        let mut k = 0;
        loop {
            let Some(slot) = at.get_mut(k) else {
                return;
            };
            *slot += 1;
            if *slot < axes[k].1.len() {
                break;
            }
            *slot = 0;
            k += 1;
        }
    }
}

/// How a condition uses one question: the constants it is compared with, the patterns it is
/// matched against.
#[derive(Default)]
struct Uses {
    constants: Vec<Value>,
    patterns: Vec<Arc<Regex>>,
}

/// Records, per question read, how the condition uses it; false when a read appears in a
/// shape the analysis does not cover.
fn collect(c: &Cond, uses: &mut BTreeMap<usize, Uses>) -> bool {
    match c {
        Cond::Obs(q) => {
            uses.entry(*q).or_default();
            true
        }
        Cond::Const(_) | Cond::Helper(_) => true,
        Cond::Not(x) => collect(x, uses),
        Cond::Known(x) => match &**x {
            Cond::Obs(q) => {
                uses.entry(*q).or_default();
                true
            }
            other => collect(other, uses),
        },
        Cond::And(parts) | Cond::Or(parts) => parts.iter().all(|p| collect(p, uses)),
        Cond::Cmp(_, a, b) => match (&**a, &**b) {
            (Cond::Obs(q), Cond::Const(v)) | (Cond::Const(v), Cond::Obs(q)) => {
                uses.entry(*q).or_default().constants.push(v.clone());
                true
            }
            _ => !reads(a) && !reads(b),
        },
        Cond::In(needle, haystack) => match (&**needle, &**haystack) {
            (Cond::Obs(q), Cond::Const(Value::List(items))) => {
                uses.entry(*q)
                    .or_default()
                    .constants
                    .extend(items.iter().cloned());
                true
            }
            (Cond::Const(v), Cond::Obs(q)) => {
                uses.entry(*q).or_default().constants.push(v.clone());
                true
            }
            _ => !reads(needle) && !reads(haystack),
        },
        Cond::Matches(text, re) => match &**text {
            Cond::Obs(q) => {
                uses.entry(*q).or_default().patterns.push(Arc::clone(re));
                true
            }
            other => !reads(other),
        },
        Cond::Arith(..) | Cond::Neg(_) => !reads(c),
    }
}

fn reads(c: &Cond) -> bool {
    let mut any = false;
    c.visit_reads(&mut |_| any = true);
    any
}

/// Answers that together show every behaviour a condition comparing the question with
/// `constants` can have; `None` when there would be too many.
fn representatives(q: &QuestionName, used: &Uses) -> Option<Vec<Value>> {
    let constants = &used.constants;
    let mut out = vec![Value::Unknown];
    match q.kind {
        QuestionType::YesNo => out.extend([Value::Bool(true), Value::Bool(false)]),
        QuestionType::Integer | QuestionType::Number => {
            let whole = q.kind == QuestionType::Integer;
            let mut points: Vec<f64> = Vec::new();
            for c in constants {
                let c = match c {
                    Value::Int(i) => *i as f64,
                    Value::Float(f) => *f,
                    _ => continue,
                };
                if whole {
                    points.extend([c.floor() - 1.0, c.floor(), c.ceil(), c.ceil() + 1.0]);
                } else {
                    let d = c.abs().max(1.0) * 1e-6;
                    points.extend([c - d, c, c + d]);
                }
            }
            points.extend(q.min);
            points.extend(q.max);
            points.push(0.0);
            let lo = q.min.unwrap_or(f64::NEG_INFINITY);
            let hi = q.max.unwrap_or(f64::INFINITY);
            let mut kept: Vec<f64> = points
                .into_iter()
                .map(|p| if whole { p.round() } else { p })
                .filter(|p| p.is_finite() && *p >= lo && *p <= hi && p.abs() < 9e15)
                .collect();
            // The bounds themselves, rounded inwards, for whole numbers.
            if whole {
                kept.extend(q.min.map(f64::ceil).filter(|m| *m <= hi));
                kept.extend(q.max.map(f64::floor).filter(|m| *m >= lo));
            }
            crate::sort::sort_by(&mut kept, f64::total_cmp);
            kept.dedup();
            out.extend(kept.into_iter().map(|p| {
                if whole {
                    Value::Int(p as i64)
                } else {
                    Value::Float(p)
                }
            }));
        }
        QuestionType::Choice => {
            out.extend(q.options.iter().map(|o| Value::Str(Arc::from(o.as_str()))));
        }
        QuestionType::Choices => {
            // The options a condition looks for (directly or in a compared list); any other
            // option behaves like none of them.
            let mut relevant: Vec<&str> = Vec::new();
            for c in constants {
                let items: Vec<&Value> = match c {
                    Value::List(items) => items.iter().collect(),
                    other => vec![other],
                };
                for item in items {
                    if let Value::Str(s) = item
                        && q.options.iter().any(|o| **o == **s)
                        && !relevant.contains(&&**s)
                    {
                        relevant.push(s);
                    }
                }
            }
            // In option order, as the case reader stores them.
            crate::sort::sort_by_key(&mut relevant, |s| q.options.iter().position(|o| o == s));
            let other = q.options.iter().find(|o| !relevant.contains(&o.as_str()));
            if relevant.len() > MAX_SUBSET_OPTIONS {
                return None;
            }
            for mask in 0u32..(1 << relevant.len()) {
                let subset: Vec<&str> = relevant
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, s)| *s)
                    .collect();
                out.push(list(&subset, q));
                // The same with an option no condition looks for.
                if let Some(o) = other {
                    let mut with = subset.clone();
                    with.push(o);
                    out.push(list(&with, q));
                }
            }
        }
        QuestionType::Text => {
            let mut needles: Vec<&str> = Vec::new();
            out.push(Value::Str(Arc::from("")));
            out.push(Value::Str(Arc::from("\u{1}")));
            for c in constants {
                if let Value::Str(s) = c {
                    out.push(Value::Str(Arc::clone(s)));
                    if !needles.contains(&&**s) {
                        needles.push(s);
                    }
                }
            }
            // A text each pattern matches.
            for re in &used.patterns {
                if let Some(text) = example_text(re.as_str())
                    && re.is_match(&text)
                {
                    out.push(Value::Str(Arc::from(text)));
                }
            }
            // Texts that contain any subset of the texts looked for.
            if needles.len() > 6 {
                return None;
            }
            for mask in 1u32..(1 << needles.len()) {
                let joined: Vec<&str> = needles
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, s)| *s)
                    .collect();
                out.push(Value::Str(Arc::from(format!(
                    "\u{1}{}\u{1}",
                    joined.join("\u{1}")
                ))));
            }
        }
    }
    Some(out)
}

/// A `choices` answer of these options, in option order.
fn list(options: &[&str], q: &QuestionName) -> Value {
    let mut sorted = options.to_vec();
    crate::sort::sort_by_key(&mut sorted, |s| q.options.iter().position(|o| o == s));
    Value::List(
        sorted
            .into_iter()
            .map(|s| Value::Str(Arc::from(s)))
            .collect(),
    )
}

/// A short text the pattern matches, built from its syntax (the first alternative, the least
/// repetition, the first character of a class); `None` for patterns it cannot follow.
fn example_text(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn walk(h: &Hir, out: &mut String) -> Option<()> {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => Some(()),
            HirKind::Literal(l) => {
                out.push_str(std::str::from_utf8(&l.0).ok()?);
                Some(())
            }
            HirKind::Class(Class::Unicode(c)) => {
                out.push(c.ranges().first()?.start());
                Some(())
            }
            HirKind::Class(Class::Bytes(c)) => {
                out.push(char::from(c.ranges().first()?.start()));
                Some(())
            }
            HirKind::Repetition(r) => {
                for _ in 0..r.min.min(16) {
                    walk(&r.sub, out)?;
                }
                Some(())
            }
            HirKind::Capture(c) => walk(&c.sub, out),
            HirKind::Concat(parts) => parts.iter().try_for_each(|p| walk(p, out)),
            HirKind::Alternation(parts) => walk(parts.first()?, out),
        }
    }
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(true)
        .build()
        .parse(pattern)
        .ok()?;
    let mut out = String::new();
    walk(&hir, &mut out)?;
    Some(out)
}
