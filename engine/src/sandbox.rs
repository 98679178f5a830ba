//! The one place that configures Rhai. Rule sets are code from outside: the engine built here
//! has operation, call-depth, expression-depth, string, array and map limits; `eval`, `print`,
//! `debug` and module imports are unavailable; and the same engine compiles and evaluates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use regex::{Regex, RegexBuilder};
use rhai::{Dynamic, Engine, EvalAltResult, ImmutableString, OptimizationLevel};

use crate::manifest::Limits;

/// Largest compiled form of one pattern; a pattern beyond it is refused at load.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Patterns built at run time (in scripted conditions) kept compiled, at most.
const RUNTIME_PATTERN_CACHE: usize = 64;

/// Compiled patterns, shared by everything in one rule set, so each is compiled once.
#[derive(Debug, Default, Clone)]
pub struct RegexCache {
    compiled: HashMap<String, Arc<Regex>>,
}

impl RegexCache {
    /// The compiled pattern (case-insensitive, Unicode), compiling it on first use.
    ///
    /// # Errors
    /// The regex crate's message when the pattern is invalid or too large.
    pub fn get_or_compile(&mut self, pattern: &str) -> Result<Arc<Regex>, String> {
        if let Some(re) = self.compiled.get(pattern) {
            return Ok(Arc::clone(re));
        }
        let re = Arc::new(compile_pattern(pattern)?);
        self.compiled.insert(pattern.to_owned(), Arc::clone(&re));
        Ok(re)
    }
}

/// How herken compiles a pattern: case-insensitive with Unicode simple case folding, bounded
/// in size so a hostile pattern cannot exhaust memory.
pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .unicode(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
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

/// Builds the sandboxed engine for a rule set with the given limits.
pub fn engine(limits: &Limits, patterns: &RegexCache) -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits.operations)
        .set_max_call_levels(limits.call_depth)
        .set_max_expr_depths(limits.expression_depth, limits.expression_depth)
        .set_max_string_size(limits.string_size)
        .set_max_array_size(limits.array_size)
        .set_max_map_size(limits.map_size)
        .set_max_variables(1_000)
        .set_max_functions(1_000)
        .set_strict_variables(true)
        .set_optimization_level(OptimizationLevel::Simple);
    // Unavailable: evaluating text as code, printing, and loading modules.
    for symbol in ["eval", "print", "debug", "import", "export"] {
        engine.disable_symbol(symbol);
    }
    engine.set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});

    let known = Arc::new(patterns.clone());
    let runtime: Arc<Mutex<HashMap<String, Arc<Regex>>>> = Arc::default();
    engine.register_fn(
        "matches",
        move |text: ImmutableString,
              pattern: ImmutableString|
              -> Result<bool, Box<EvalAltResult>> {
            let re = match known.compiled.get(pattern.as_str()) {
                Some(re) => Arc::clone(re),
                None => runtime_pattern(&runtime, pattern.as_str())?,
            };
            Ok(re.is_match(text.as_str()))
        },
    );
    // An unknown answer is `()` in scripts: `matches` of it stays unknown.
    engine.register_fn("matches", |_: (), _: ImmutableString| ());
    engine.register_fn("known", |x: Dynamic| !x.is_unit());
    engine
}

fn runtime_pattern(
    cache: &Mutex<HashMap<String, Arc<Regex>>>,
    pattern: &str,
) -> Result<Arc<Regex>, Box<EvalAltResult>> {
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(re) = cache.get(pattern) {
        return Ok(Arc::clone(re));
    }
    let re = Arc::new(
        compile_pattern(pattern).map_err(|m| format!("invalid pattern `{pattern}`: {m}"))?,
    );
    if cache.len() < RUNTIME_PATTERN_CACHE {
        cache.insert(pattern.to_owned(), Arc::clone(&re));
    }
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_fold_case_in_unicode() {
        let re = compile_pattern("paspoort|ÉCOLE").expect("valid");
        assert!(re.is_match("Mijn PASPOORT is afgenomen"));
        assert!(re.is_match("école"));
    }

    #[test]
    fn huge_patterns_are_refused() {
        let err = compile_pattern("(a{1000}){1000}").expect_err("too big");
        assert!(err.contains("too large"), "{err}");
    }
}
