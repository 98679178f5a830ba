//! The compiled form of a rule set: the compiled model ([`CompiledRuleSet`]) as JSON, which
//! `herken bundle` writes into a bundle beside the rule files, under the bundle's hash and
//! signature. An engine built without Rhai and without the YAML reader (the lean WASM module)
//! screens from it; conditions compiled to herken's native tree travel as that tree, and a
//! condition that stayed a script travels as its text and is named in `scripted`, so the lean
//! engine can refuse the bundle saying which conditions need the interpreter.
//!
//! `{"format": 1, "scripted": ["indicator `x`", …], "rules": {…}}`: the model's fields, without
//! those rebuilt when read (question index, readers, decision masks, option ids) and without
//! the content hash (the bundle's, verified before). Reading checks every index the model
//! holds, so a damaged or hostile form is refused, never a panic while screening.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

use crate::cond::{Cond, DecisionHelper, Over};
use crate::model::{CompiledRuleSet, Condition, DecisionIndex, readers};

/// The version of the compiled form this engine writes and reads.
pub const COMPILED_FORMAT: u32 = 1;

#[derive(Serialize)]
struct FormRef<'a> {
    format: u32,
    scripted: Vec<String>,
    rules: &'a CompiledRuleSet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Form {
    format: u32,
    scripted: Vec<String>,
    rules: CompiledRuleSet,
}

/// Why a compiled form was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Conditions that are scripts, named.
    Scripted(Vec<String>),
    /// Not a compiled form this engine reads, with why.
    Invalid(String),
}

/// The compiled form of `rules`, as JSON.
pub(crate) fn write(rules: &CompiledRuleSet) -> Json {
    serde_json::to_value(FormRef {
        format: COMPILED_FORMAT,
        scripted: scripted(rules),
        rules,
    })
    .unwrap_or(Json::Null)
}

/// The hash a bundle records for its compiled form: SHA-256 of its compact JSON, keys in
/// order.
pub(crate) fn digest(form: &Json) -> String {
    let text = serde_json::to_string(form).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The conditions of `rules` that are scripts: indicators and `ask_if`s, by name.
pub(crate) fn scripted(rules: &CompiledRuleSet) -> Vec<String> {
    let indicators = rules
        .indicators
        .iter()
        .filter(|i| matches!(i.condition, Condition::Script(_)))
        .map(|i| format!("indicator `{}`", i.id));
    let questions = rules
        .questions
        .iter()
        .filter(|q| matches!(q.ask_if, Some(Condition::Script(_))))
        .map(|q| format!("the `ask_if` of question `{}`", q.id));
    indicators.chain(questions).collect()
}

/// Reads a compiled form into a rule set whose content hash is `sha256`.
pub(crate) fn read(form: Json, sha256: &str) -> Result<CompiledRuleSet, ReadError> {
    let format = form.get("format").and_then(Json::as_u64);
    if format != Some(u64::from(COMPILED_FORMAT)) {
        return Err(ReadError::Invalid(match format {
            Some(f) => format!(
                "its compiled form is format {f}, and this engine reads format {COMPILED_FORMAT}: make the bundle again with this version's `herken bundle`"
            ),
            None => "its compiled form has no format number".to_owned(),
        }));
    }
    if let Some(names) = form.get("scripted").and_then(Json::as_array) {
        let names: Vec<String> = names
            .iter()
            .map(|n| n.as_str().unwrap_or("a condition").to_owned())
            .collect();
        if !names.is_empty() {
            return Err(ReadError::Scripted(names));
        }
    }
    let read = serde_json::from_value::<Form>(form)
        .map_err(|e| ReadError::Invalid(format!("its compiled form does not read: {e}")))?;
    if read.format != COMPILED_FORMAT || !read.scripted.is_empty() {
        return Err(ReadError::Scripted(read.scripted));
    }
    let mut rules = read.rules;
    check_indices(&rules).map_err(|e| ReadError::Invalid(format!("its compiled form {e}")))?;
    rules.sha256 = sha256.to_owned();
    for q in &mut rules.questions {
        q.option_ids = q.options.iter().map(|o| Arc::from(o.id.as_str())).collect();
    }
    rules.question_index = rules
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.clone(), i))
        .collect::<HashMap<_, _, _>>();
    rules.readers = readers(rules.questions.len(), &rules.indicators);
    rules.decision_index = DecisionIndex::new(&rules.indicators, rules.dimensions.len());
    rules.scripted_indicators = false;
    #[cfg(feature = "rhai")]
    {
        rules.engine = crate::sandbox::engine(&rules.limits, &crate::sandbox::RegexCache::default());
    }
    Ok(rules)
}

/// Every index in `rules` points at something, and the parts agree in size: screening indexes
/// without checking.
fn check_indices(r: &CompiledRuleSet) -> Result<(), String> {
    let (questions, dimensions, indicators, outcomes) = (
        r.questions.len(),
        r.dimensions.len(),
        r.indicators.len(),
        r.outcomes.len(),
    );
    let bad = |what: &str| Err(format!("has {what} out of range"));
    if outcomes == 0 || r.decision.is_empty() {
        return Err("has no outcomes or no decision rules".to_owned());
    }
    if r.age_question.is_some_and(|q| q >= questions) {
        return bad("the age question");
    }
    let counts = Counts {
        questions,
        dimensions,
        indicators,
    };
    for q in &r.questions {
        if let Some(Condition::Native(c)) = &q.ask_if {
            counts.cond(c).or_else(|()| bad(&format!("a read in the `ask_if` of `{}`", q.id)))?;
        }
    }
    for d in &r.dimensions {
        if d.indicators.iter().any(|&i| i >= indicators) {
            return bad(&format!("an indicator of dimension `{}`", d.id));
        }
    }
    for ind in &r.indicators {
        if ind.dimension >= dimensions || ind.reads.iter().any(|&q| q >= questions) {
            return bad(&format!("the dimension or a read of indicator `{}`", ind.id));
        }
        if let Condition::Native(c) = &ind.condition {
            counts.cond(c).or_else(|()| bad(&format!("a read of indicator `{}`", ind.id)))?;
        }
    }
    for rule in &r.decision {
        if rule.outcome >= outcomes {
            return bad(&format!("the outcome of rule `{}`", rule.id));
        }
        if let Some(c) = &rule.when {
            counts.cond(c).or_else(|()| bad(&format!("a helper of rule `{}`", rule.id)))?;
        }
    }
    let a = &r.analysis;
    if a.indicators.len() != indicators
        || a.dimensions.len() != dimensions
        || a.rules.len() != r.decision.len()
        || a.outcomes != outcomes
    {
        return Err("has a decision analysis that does not match its rules".to_owned());
    }
    for f in &a.indicators {
        if f.dimension.is_some_and(|d| d >= dimensions) {
            return bad("a dimension in the decision analysis");
        }
    }
    for rule in &a.rules {
        if rule.outcome.is_some_and(|o| o >= outcomes) {
            return bad("an outcome in the decision analysis");
        }
        if let Some(Some(c)) = &rule.when {
            counts.cond(c).or_else(|()| bad("a helper in the decision analysis"))?;
        }
    }
    Ok(())
}

struct Counts {
    questions: usize,
    dimensions: usize,
    indicators: usize,
}

impl Counts {
    fn cond(&self, c: &Cond) -> Result<(), ()> {
        let ok = |b: bool| if b { Ok(()) } else { Err(()) };
        match c {
            Cond::Const(_) => Ok(()),
            Cond::Obs(q) => ok(*q < self.questions),
            Cond::Not(a) | Cond::Neg(a) | Cond::Known(a) | Cond::Matches(a, _) => self.cond(a),
            Cond::And(items) | Cond::Or(items) => items.iter().try_for_each(|c| self.cond(c)),
            Cond::Cmp(_, a, b) | Cond::Arith(_, a, b) | Cond::In(a, b) => {
                self.cond(a)?;
                self.cond(b)
            }
            Cond::Helper(h) => match h {
                DecisionHelper::Positive(d) => ok(*d < self.dimensions),
                DecisionHelper::Present(i) => ok(*i < self.indicators),
                DecisionHelper::PositiveCount(over)
                | DecisionHelper::PresentCount(over)
                | DecisionHelper::UnknownCount(over)
                | DecisionHelper::Score(over) => self.over(over),
            },
        }
    }

    fn over(&self, over: &Over) -> Result<(), ()> {
        let ok = |b: bool| if b { Ok(()) } else { Err(()) };
        match over {
            Over::All => Ok(()),
            Over::Dimension(d) => ok(*d < self.dimensions),
            Over::Indicators(v) => ok(v.iter().all(|&i| i < self.indicators)),
            Over::Dimensions(v) => ok(v.iter().all(|&d| d < self.dimensions)),
        }
    }
}
