//! The compiled form of a rule set: the compiled model ([`CompiledRuleSet`]) as JSON, which
//! `herken bundle` writes into a bundle beside the rule files, under the bundle's hash and
//! signature. The WASM modules screen from it; neither reads rule files. Conditions compiled
//! to herken's native tree travel as that tree. A condition that stayed a script travels as
//! its text with where it stands in the rule files, and is named in `scripted`; the form then
//! also carries the set's `*.rhai` function library and the patterns the sandbox knows
//! (`scripts`), so that an engine with the Rhai interpreter (the full module) compiles it to
//! run exactly as when compiled from the files, and the lean engine refuses the bundle saying
//! which conditions need the interpreter. Conditions that use `matches` are named in
//! `patterns`, for an engine built without pattern matching.
//!
//! A bundle holds it as text (compact JSON in a JSON string), hashed byte for byte:
//! `{"format":2,"scripted":["indicator `x`",…],"patterns":[…],"scripts":{…},"rules":{…}}`,
//! the model's fields, without those rebuilt when read (question index, readers, decision
//! masks, option ids, the sandbox) and without the content hash (the bundle's, verified
//! before). Reading checks every index the model holds and compiles every script, so a
//! damaged or hostile form is refused, never a panic while screening.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cond::{Cond, DecisionHelper, Over};
use crate::model::{CompiledRuleSet, Condition, DecisionIndex, ScriptContext, readers};

/// The version of the compiled form this engine writes and reads (2: scripts with where they
/// stand, and `scripts`, the library and known patterns they run with).
pub const COMPILED_FORMAT: u32 = 2;

#[derive(Serialize)]
struct FormRef<'a> {
    format: u32,
    scripted: Vec<String>,
    patterns: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scripts: Option<&'a ScriptContext>,
    rules: &'a CompiledRuleSet,
}

/// What is read first: the format and the scripted conditions, the rules skipped.
#[derive(Deserialize)]
struct Head {
    format: u32,
    #[serde(default)]
    scripted: Vec<String>,
    #[serde(default)]
    patterns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Form {
    format: u32,
    scripted: Vec<String>,
    #[expect(dead_code, reason = "read from the head, before the rules")]
    patterns: Vec<String>,
    #[serde(default)]
    scripts: Option<ScriptContext>,
    rules: CompiledRuleSet,
}

/// Why a compiled form was not read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Conditions this engine cannot run, named: scripts, and (without `patterns`) those
    /// that use `matches`.
    NeedsFullModule {
        scripted: Vec<String>,
        patterns: Vec<String>,
    },
    /// Not a compiled form this engine reads, with why.
    Invalid(String),
}

/// The compiled form of `rules`, as compact JSON text.
pub(crate) fn write(rules: &CompiledRuleSet) -> String {
    let scripted = scripted(rules);
    #[cfg(feature = "scripts")]
    let scripts = (!scripted.is_empty()).then_some(&rules.script_context);
    // Without Rhai no condition is a script.
    #[cfg(not(feature = "scripts"))]
    let scripts = None;
    serde_json::to_string(&FormRef {
        format: COMPILED_FORMAT,
        scripted,
        patterns: with_patterns(rules),
        scripts,
        rules,
    })
    .unwrap_or_default()
}

/// The hash a bundle records for its compiled form: SHA-256 of its text.
pub(crate) fn digest(form: &str) -> String {
    Sha256::digest(form.as_bytes())
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

/// The conditions of `rules` that use `matches`: indicators, `ask_if`s and decision rules, by
/// name.
pub(crate) fn with_patterns(rules: &CompiledRuleSet) -> Vec<String> {
    fn uses(c: &Cond) -> bool {
        match c {
            Cond::Matches(..) => true,
            Cond::Const(_) | Cond::Obs(_) | Cond::Helper(_) => false,
            Cond::Not(a) | Cond::Neg(a) | Cond::Known(a) => uses(a),
            Cond::And(items) | Cond::Or(items) => items.iter().any(uses),
            Cond::Cmp(_, a, b) | Cond::Arith(_, a, b) | Cond::In(a, b) => uses(a) || uses(b),
        }
    }
    let native = |c: &Condition| matches!(c, Condition::Native(c) if uses(c));
    let indicators = rules
        .indicators
        .iter()
        .filter(|i| native(&i.condition))
        .map(|i| format!("indicator `{}`", i.id));
    let questions = rules
        .questions
        .iter()
        .filter(|q| q.ask_if.as_ref().is_some_and(native))
        .map(|q| format!("the `ask_if` of question `{}`", q.id));
    let decision = rules
        .decision
        .iter()
        .filter(|r| r.when.as_ref().is_some_and(uses))
        .map(|r| format!("decision rule `{}`", r.id));
    indicators.chain(questions).chain(decision).collect()
}

/// Reads a compiled form into a rule set whose content hash is `sha256`. Scripted conditions
/// are compiled when `scripts` (and this engine has the Rhai interpreter), else the form is
/// refused naming them.
pub(crate) fn read(form: &str, sha256: &str, scripts: bool) -> Result<CompiledRuleSet, ReadError> {
    let scripts = scripts && cfg!(feature = "scripts");
    let head = serde_json::from_str::<Head>(form)
        .map_err(|e| ReadError::Invalid(format!("its compiled form does not read: {e}")))?;
    if head.format != COMPILED_FORMAT {
        return Err(ReadError::Invalid(format!(
            "its compiled form is format {}, and this engine reads format {COMPILED_FORMAT}: make the bundle again with this version's `herken bundle`",
            head.format
        )));
    }
    let patterns = if cfg!(feature = "patterns") {
        Vec::new()
    } else {
        head.patterns
    };
    let refused = if scripts { Vec::new() } else { head.scripted };
    if !refused.is_empty() || !patterns.is_empty() {
        return Err(ReadError::NeedsFullModule {
            scripted: refused,
            patterns,
        });
    }
    let read = serde_json::from_str::<Form>(form)
        .map_err(|e| ReadError::Invalid(format!("its compiled form does not read: {e}")))?;
    let mut rules = read.rules;
    // The list read first must name every script: checked on the rules themselves.
    let found = scripted(&rules);
    if !scripts && !found.is_empty() {
        return Err(ReadError::NeedsFullModule {
            scripted: found,
            patterns: Vec::new(),
        });
    }
    if read.format != COMPILED_FORMAT || found != read.scripted {
        return Err(ReadError::Invalid(
            "its compiled form names other scripted conditions than it has".to_owned(),
        ));
    }
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
    rules.scripted_indicators = rules.indicators.iter().any(|i| i.is_scripted());
    // A sandbox only for a form with scripts (one without carries no script context): making
    // one registers Rhai's packages, the larger part of opening a bundle in the full module.
    #[cfg(feature = "scripts")]
    if let Some(context) = read.scripts {
        compile_scripts(&mut rules, context)?;
    } else if !found.is_empty() {
        return Err(ReadError::Invalid(
            "its compiled form has scripted conditions but no script context".to_owned(),
        ));
    }
    #[cfg(not(feature = "scripts"))]
    let _ = read.scripts;
    Ok(rules)
}

/// The sandbox of `rules` (knowing the patterns the form lists), and every scripted condition
/// compiled by it as when compiled from the rule files: an indicator merged with the function
/// library, an `ask_if` without it.
#[cfg(feature = "scripts")]
fn compile_scripts(rules: &mut CompiledRuleSet, context: ScriptContext) -> Result<(), ReadError> {
    use crate::sandbox::{self, RegexCache};
    use crate::sources::{MAX_LIBRARY_FILES, MAX_LIBRARY_SIZE};
    let invalid = |what: String| ReadError::Invalid(format!("its compiled form has {what}"));
    // The caps loading puts on the library, so that a form costs no more to open than files.
    let library_size: usize = context.library.iter().map(|(_, t)| t.len()).sum();
    if context.library.len() > MAX_LIBRARY_FILES || library_size > MAX_LIBRARY_SIZE {
        return Err(invalid(format!(
            "a function library over the caps ({MAX_LIBRARY_FILES} files, {MAX_LIBRARY_SIZE} bytes)"
        )));
    }
    let mut known = RegexCache::default();
    for pattern in &context.patterns {
        known
            .get_or_compile(pattern)
            .map_err(|_| invalid("a known pattern that does not compile".to_owned()))?;
    }
    let engine = sandbox::engine(&rules.limits, &known);
    let library = sandbox::library(
        context
            .library
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str())),
        |path, _, compiled| match compiled {
            Ok(_) => Ok(()),
            Err(_) => Err(invalid(format!(
                "a library file `{path}` that does not compile"
            ))),
        },
    )?;
    for ind in &mut rules.indicators {
        if let Condition::Script(script) = &mut ind.condition {
            let ast =
                sandbox::compile_script(&engine, &script.script.source, true).map_err(|_| {
                    invalid(format!(
                        "a script for indicator `{}` that does not compile",
                        ind.id
                    ))
                })?;
            script.ast = library.merge(&ast);
        }
    }
    for q in &mut rules.questions {
        if let Some(Condition::Script(script)) = &mut q.ask_if {
            script.ast =
                sandbox::compile_script(&engine, &script.script.source, true).map_err(|_| {
                    invalid(format!(
                        "a script for the `ask_if` of `{}` that does not compile",
                        q.id
                    ))
                })?;
        }
    }
    rules.engine = Some(engine);
    rules.script_context = context;
    Ok(())
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
            counts
                .cond(c)
                .or_else(|()| bad(&format!("a read in the `ask_if` of `{}`", q.id)))?;
        }
    }
    for d in &r.dimensions {
        if d.indicators.iter().any(|&i| i >= indicators) {
            return bad(&format!("an indicator of dimension `{}`", d.id));
        }
    }
    for ind in &r.indicators {
        if ind.dimension >= dimensions || ind.reads.iter().any(|&q| q >= questions) {
            return bad(&format!(
                "the dimension or a read of indicator `{}`",
                ind.id
            ));
        }
        if let Condition::Native(c) = &ind.condition {
            counts
                .cond(c)
                .or_else(|()| bad(&format!("a read of indicator `{}`", ind.id)))?;
        }
    }
    for rule in &r.decision {
        if rule.outcome >= outcomes {
            return bad(&format!("the outcome of rule `{}`", rule.id));
        }
        if let Some(c) = &rule.when {
            counts
                .cond(c)
                .or_else(|()| bad(&format!("a helper of rule `{}`", rule.id)))?;
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
            counts
                .cond(c)
                .or_else(|()| bad("a helper in the decision analysis"))?;
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
