//! The one place that configures Rhai. Rule sets are code from outside: the engine built here
//! has operation, call-depth, expression-depth, string, array and map limits; `eval`, `print`,
//! `debug` and module imports are unavailable; and the same engine compiles and evaluates.
//!
//! Rhai counts one operation per step whatever the step costs, and some steps cost far more:
//! reading an array clones it, `matches` scans its text, `pad` builds a value from nothing. So
//! a [`Meter`] also charges such steps by the data they touch, keeps the stack a script uses
//! within [`STACK_BUDGET`], and caps what all scripts of one case may spend together
//! ([`CASE_OPERATIONS`]). Without it a script within every limit could run for minutes or
//! overflow the stack (deeply nested calls, deeply nested arrays).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use regex::{Regex, RegexBuilder};
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, INT, ImmutableString, OptimizationLevel, Position,
};

use crate::manifest::Limits;

/// Largest compiled form of one pattern; a pattern beyond it is refused at load.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Largest compiled form of a pattern built while a script runs (compiling one costs time
/// that the operation count does not see).
const RUNTIME_REGEX_SIZE_LIMIT: usize = 64 * 1024;
/// Operations charged for using a pattern built at run time (compiled or from the cache, so
/// that the charge never depends on which cases ran before).
const RUNTIME_PATTERN_COST: u64 = 1_000;
/// Stack a running script may use beyond where it started. Release builds use about 1 KiB per
/// nested call or expression, so this allows hundreds of levels within the smallest stack the
/// engine runs on (WebAssembly's 1 MiB). Debug builds use ten to thirty times more per level;
/// they get more room (test threads have 2 MiB).
pub(crate) const STACK_BUDGET: usize = if cfg!(debug_assertions) {
    1024 * 1024
} else {
    512 * 1024
};
/// Operations all scripted conditions of one case may spend together.
pub(crate) const CASE_OPERATIONS: u64 = 1_000_000;
/// How deeply arrays and maps may nest inside a script's values (copying, comparing and
/// dropping nested values recurses).
pub(crate) const MAX_NESTING: usize = 32;
/// Text bytes that count as one operation when a script reads or scans text.
const BYTES_PER_OPERATION: u64 = 256;
/// Longest text literal in a script, in bytes: a step that works through a literal costs
/// time in proportion to it, and literals are not charged when read.
pub(crate) const MAX_LITERAL: usize = 4 * 1024;
/// Patterns built at run time (in scripted conditions) kept compiled, at most.
const RUNTIME_PATTERN_CACHE: usize = 64;

/// Compiled patterns, shared by everything in one rule set, so each is compiled once.
#[derive(Debug, Default, Clone)]
pub(crate) struct RegexCache {
    compiled: HashMap<String, Arc<Regex>>,
}

impl RegexCache {
    /// The compiled pattern (case-insensitive, Unicode), compiling it on first use.
    ///
    /// # Errors
    /// The regex crate's message when the pattern is invalid or too large.
    pub(crate) fn get_or_compile(&mut self, pattern: &str) -> Result<Arc<Regex>, String> {
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
pub(crate) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    compile_pattern_within(pattern, REGEX_SIZE_LIMIT)
}

fn compile_pattern_within(pattern: &str, size_limit: usize) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
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

/// What the running script has spent, per thread (scripts run on the thread that screens).
#[derive(Debug, Clone, Copy, Default)]
struct Meter {
    /// Stack address where the running script started; 0 when no script runs.
    stack_base: usize,
    /// Operations Rhai counted so far in the running script.
    operations: u64,
    /// Operations charged to the running script for the data it touched.
    charged: u64,
    /// Operations spent by the earlier scripts of the case being screened.
    case_spent: u64,
    /// Whether a case is being screened (then [`CASE_OPERATIONS`] applies).
    in_case: bool,
}

thread_local! {
    static METER: Cell<Meter> = Cell::new(Meter::default());
}

/// Why the meter stopped a script: the token of Rhai's `ErrorTerminated`.
pub(crate) const STOPPED_STACK: &str = "stack";
pub(crate) const STOPPED_OPERATIONS: &str = "operations";
pub(crate) const STOPPED_CASE: &str = "case";

/// Puts the meter back as it was, also when a caller catches a panic.
struct Restore(Meter);

impl Drop for Restore {
    fn drop(&mut self) {
        METER.set(self.0);
    }
}

/// Runs `f` (the screening of one case) with a fresh case budget.
pub(crate) fn screen_case<T>(f: impl FnOnce() -> T) -> T {
    let _restore = Restore(METER.get());
    METER.set(Meter {
        in_case: true,
        ..Meter::default()
    });
    f()
}

/// Runs `f` (one script evaluation) under the meter.
pub(crate) fn run_script<T>(f: impl FnOnce() -> T) -> T {
    let outer = METER.get();
    let mut restore = Restore(outer);
    METER.set(Meter {
        stack_base: stack_address(),
        operations: 0,
        charged: 0,
        ..outer
    });
    let value = f();
    let spent = METER.get();
    restore.0.case_spent = outer
        .case_spent
        .saturating_add(spent.operations)
        .saturating_add(spent.charged);
    value
}

/// An address in the current stack frame, to measure how much stack a script uses.
fn stack_address() -> usize {
    let marker = 0u8;
    std::ptr::from_ref(std::hint::black_box(&marker)) as usize
}

impl Meter {
    fn over(&self, limit: u64) -> Option<&'static str> {
        let script = self.operations.saturating_add(self.charged);
        if script > limit {
            Some(STOPPED_OPERATIONS)
        } else if self.in_case && self.case_spent.saturating_add(script) > CASE_OPERATIONS {
            Some(STOPPED_CASE)
        } else {
            None
        }
    }
}

/// Rhai's progress callback: the stack and operation checks, once per operation.
fn progress(operations: u64, limit: u64) -> Option<Dynamic> {
    let mut meter = METER.get();
    meter.operations = operations;
    METER.set(meter);
    if meter.stack_base != 0 && meter.stack_base.abs_diff(stack_address()) > STACK_BUDGET {
        return Some(Dynamic::from(STOPPED_STACK));
    }
    meter.over(limit).map(Dynamic::from)
}

/// Charges `units` operations to the running script.
fn charge(units: u64, limit: u64) -> Result<(), Box<EvalAltResult>> {
    let mut meter = METER.get();
    meter.charged = meter.charged.saturating_add(units);
    METER.set(meter);
    match meter.over(limit) {
        Some(_) => Err(EvalAltResult::ErrorTooManyOperations(Position::NONE).into()),
        None => Ok(()),
    }
}

/// What reading `value` costs: one operation per item of the arrays and maps in it and per
/// [`BYTES_PER_OPERATION`] bytes of text, counted up to `stop`.
///
/// # Errors
/// A size error when arrays and maps nest deeper than [`MAX_NESTING`].
fn cost_of(value: &Dynamic, stop: u64) -> Result<u64, Box<EvalAltResult>> {
    fn walk(value: &Dynamic, depth: usize, cost: &mut u64, stop: u64) -> Result<(), ()> {
        if *cost > stop {
            return Ok(());
        }
        if value.is_string() {
            if let Ok(s) = value.as_immutable_string_ref() {
                *cost += s.len() as u64 / BYTES_PER_OPERATION;
            }
        } else if value.is_blob() {
            if let Ok(b) = value.as_blob_ref() {
                *cost += b.len() as u64 / BYTES_PER_OPERATION;
            }
        } else if value.is_array() {
            if depth >= MAX_NESTING {
                return Err(());
            }
            if let Ok(items) = value.as_array_ref() {
                for item in items.iter() {
                    *cost += 1;
                    walk(item, depth + 1, cost, stop)?;
                }
            }
        } else if value.is_map() {
            if depth >= MAX_NESTING {
                return Err(());
            }
            if let Ok(map) = value.as_map_ref() {
                for item in map.values() {
                    *cost += 1;
                    walk(item, depth + 1, cost, stop)?;
                }
            }
        }
        Ok(())
    }
    let mut cost = 0;
    walk(value, 0, &mut cost, stop).map_err(|()| {
        EvalAltResult::ErrorDataTooLarge("Nesting of arrays and maps".into(), Position::NONE)
    })?;
    Ok(cost)
}

/// Whether a (valid) pattern can match no text at all, as herken compiles it.
pub(crate) fn never_matches(pattern: &str) -> bool {
    regex_syntax::ParserBuilder::new()
        .case_insensitive(true)
        .unicode(true)
        .build()
        .parse(pattern)
        .is_ok_and(|hir| hir.properties().minimum_len().is_none())
}

/// Builds the sandboxed engine for a rule set with the given limits.
pub(crate) fn engine(limits: &Limits, patterns: &RegexCache) -> Engine {
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

    #[expect(
        deprecated,
        reason = "volatile, not deprecated; rhai is pinned to one version"
    )]
    engine.on_parse_token(|token, _, _| match token {
        rhai::Token::StringConstant(s) | rhai::Token::InterpolatedString(s)
            if s.len() > MAX_LITERAL =>
        {
            rhai::Token::LexError(Box::new(rhai::LexError::StringTooLong(MAX_LITERAL)))
        }
        other => other,
    });

    let limit = limits.operations;
    engine.on_progress(move |operations| progress(operations, limit));
    // Reading a variable copies its value: charge what it holds. (Rhai marks `on_var` volatile;
    // the version is pinned exactly.)
    #[expect(
        deprecated,
        reason = "volatile, not deprecated; rhai is pinned to one version"
    )]
    engine.on_var(move |name, _, context| {
        if let Some(value) = context.scope().get(name) {
            let cost = cost_of(value, limit)?;
            charge(cost, limit)?;
        }
        Ok(None)
    });
    // `pad` builds a value from nothing: charge what it builds, before building it.
    let max_array = limits.array_size;
    engine.register_fn(
        "pad",
        move |array: &mut Array, len: INT, item: Dynamic| -> Result<(), Box<EvalAltResult>> {
            let Ok(len) = usize::try_from(len) else {
                return Ok(());
            };
            if len <= array.len() {
                return Ok(());
            }
            let added = (len - array.len()) as u64;
            charge(added.saturating_mul(1 + cost_of(&item, limit)?), limit)?;
            if len > max_array {
                return Err(EvalAltResult::ErrorDataTooLarge(
                    "Size of array".into(),
                    Position::NONE,
                )
                .into());
            }
            array.resize(len, item);
            Ok(())
        },
    );
    let max_string = limits.string_size;
    let pad_string = move |text: &mut ImmutableString,
                           len: INT,
                           padding: &str|
          -> Result<(), Box<EvalAltResult>> {
        let Ok(len) = usize::try_from(len) else {
            return Ok(());
        };
        let have = text.chars().count();
        if len <= have || padding.is_empty() {
            return Ok(());
        }
        let bytes = ((len - have) as u64).saturating_mul(padding.len() as u64);
        charge(bytes / BYTES_PER_OPERATION, limit)?;
        if bytes > max_string as u64 {
            return Err(EvalAltResult::ErrorDataTooLarge(
                "Length of string".into(),
                Position::NONE,
            )
            .into());
        }
        let padded: String = text
            .chars()
            .chain(padding.chars().cycle())
            .take(len)
            .collect();
        *text = padded.into();
        Ok(())
    };
    engine.register_fn(
        "pad",
        move |text: &mut ImmutableString, len: INT, c: char| {
            pad_string(text, len, c.encode_utf8(&mut [0; 4]))
        },
    );
    engine.register_fn("pad", pad_string);

    let known = Arc::new(patterns.clone());
    let runtime: Arc<Mutex<HashMap<String, Arc<Regex>>>> = Arc::default();
    engine.register_fn(
        "matches",
        move |text: ImmutableString,
              pattern: ImmutableString|
              -> Result<bool, Box<EvalAltResult>> {
            let re = match known.compiled.get(pattern.as_str()) {
                Some(re) => Arc::clone(re),
                None => {
                    charge(RUNTIME_PATTERN_COST, limit)?;
                    runtime_pattern(&runtime, pattern.as_str())?
                }
            };
            charge(text.len() as u64 / BYTES_PER_OPERATION, limit)?;
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
        compile_pattern_within(pattern, RUNTIME_REGEX_SIZE_LIMIT)
            .map_err(|m| format!("invalid pattern `{pattern}`: {m}"))?,
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
    fn patterns_that_cannot_match_are_recognised() {
        assert!(never_matches("[^\\s\\S]"));
        assert!(never_matches("a[]b") || compile_pattern("a[]b").is_err());
        assert!(!never_matches("paspoort|passport"));
        assert!(!never_matches(""));
    }

    #[test]
    fn huge_patterns_are_refused() {
        let err = compile_pattern("(a{1000}){1000}").expect_err("too big");
        assert!(err.contains("too large"), "{err}");
    }
}
