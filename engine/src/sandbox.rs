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

use std::any::TypeId;
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use regex::Regex;
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FnPtr, INT, ImmutableString, NativeCallContext,
    OptimizationLevel, Position,
};

use crate::cond::{compile_pattern, compile_pattern_within};
use crate::manifest::Limits;

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
/// Operations charged for each call of a closure from one of Rhai's functions (`map`,
/// `filter`, `sort`, `call`, …) besides the steps it takes: the call copies the script's
/// state, which takes as long as many plain steps.
const CLOSURE_CALL: u64 = 32;
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

impl RegexCache {
    /// The patterns compiled so far, sorted.
    pub(crate) fn patterns(&self) -> Vec<String> {
        let mut patterns: Vec<String> = self.compiled.keys().cloned().collect();
        crate::sort::sort_by(&mut patterns, Ord::cmp);
        patterns
    }
}

/// Compiles a condition or a library file with the sandboxed `engine`; `with_obs` declares
/// `obs` (strict variables). The one way scripts are compiled, from rule files and from a
/// compiled form alike.
///
/// # Errors
/// Rhai's parse error.
pub(crate) fn compile_script(
    engine: &Engine,
    source: &str,
    with_obs: bool,
) -> Result<rhai::AST, rhai::ParseError> {
    let mut scope = rhai::Scope::new();
    if with_obs {
        scope.push("obs", rhai::Map::new());
    }
    engine.compile_with_scope(&scope, source)
}

/// The function library of a rule set's `*.rhai` files (path, text), combined in order, as
/// every scripted indicator is merged with it. `check` sees each file compiled (or Rhai's
/// error); an error it returns stops the library there. A file that does not compile adds
/// nothing.
///
/// # Errors
/// The first error `check` returns.
pub(crate) fn library<'a, E>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    mut check: impl FnMut(&'a str, &'a str, Result<&rhai::AST, rhai::ParseError>) -> Result<(), E>,
) -> Result<rhai::AST, E> {
    let engine = engine(&Limits::DEFAULT, &RegexCache::default());
    let mut library = rhai::AST::empty();
    for (path, text) in files {
        match compile_script(&engine, text, false) {
            Ok(ast) => {
                check(path, text, Ok(&ast))?;
                // In place: merging into a copy each time made loading quadratic in the number
                // of files.
                library.combine(ast.clone_functions_only());
            }
            Err(e) => check(path, text, Err(e))?,
        }
    }
    Ok(library)
}

/// What the running script has spent, per thread (scripts run on the thread that screens).
#[derive(Debug, Clone, Copy, Default)]
struct Meter {
    /// Stack address where the running script started; 0 when no script runs.
    stack_base: usize,
    /// Operations the running script took so far (steps Rhai reported, wherever they ran).
    operations: u64,
    /// Operations charged to the running script for the data it touched.
    charged: u64,
    /// The last operation count Rhai reported (see [`progress`]).
    rhai_count: u64,
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
        rhai_count: 0,
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
///
/// The meter counts the calls itself rather than taking Rhai's count: Rhai runs a closure
/// called from a native function (`map`, `filter`, a `sort` comparator, `call`, …) on a copy
/// of the script's counters and drops the copy afterwards, so its own count forgets every step
/// taken inside such closures. Rhai's count going back is how such a call shows: each costs
/// [`CLOSURE_CALL`] more, as setting it up costs a hundred or so plain steps.
fn progress(rhai_count: u64, limit: u64) -> Option<Dynamic> {
    let mut meter = METER.get();
    let step = if rhai_count <= meter.rhai_count {
        1 + CLOSURE_CALL
    } else {
        1
    };
    meter.rhai_count = rhai_count;
    meter.operations = meter.operations.saturating_add(step);
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
        // Operators go through the functions registered below (checked floats, comparisons
        // across kinds refused) instead of Rhai's unchecked built-in shortcuts.
        .set_fast_operators(false)
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
        // `1e999` reads as infinity: refused like any other non-finite number.
        rhai::Token::FloatConstant(ref f) if !f.0.is_finite() => {
            rhai::Token::LexError(Box::new(rhai::LexError::MalformedNumber(f.1.to_string())))
        }
        other => other,
    });

    let limit = limits.operations;
    engine.on_progress(move |count| progress(count, limit));
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
    register_comparators(&mut engine, limit);
    register_numbers(&mut engine);
    register_comparisons(&mut engine);
    engine
}

// --- Comparators ---------------------------------------------------------------------------
// Rhai's own `sort`, `sort_by`, `order`, `order_by` and `dedup` drop whatever error the
// comparator raises — a `throw`, a type error, even a limit — and carry on with a made-up
// order, so a failing condition came out `present`. These replace them (functions registered
// on the engine come before Rhai's packages): every comparison is charged, and its error ends
// the script. The sort is a merge sort, stable like Rhai's, that cannot panic whatever order
// the comparator gives (Rust's own sorts may panic on an inconsistent one, and a panic aborts
// the WebAssembly module).

/// How a comparator's answer orders two items: a number (negative, zero, positive) or, as in
/// Rhai, `true` for "already in order".
fn comparator_order(
    function: &str,
    context: &NativeCallContext,
    comparer: &FnPtr,
    a: &Dynamic,
    b: &Dynamic,
    limit: u64,
) -> Result<Ordering, Box<EvalAltResult>> {
    charge(1, limit)?;
    let answer = comparer.call_raw(context, None, [a.clone(), b.clone()])?;
    if let Ok(n) = answer.as_int() {
        return Ok(n.cmp(&0));
    }
    match answer.as_bool() {
        Ok(true) => Ok(Ordering::Less),
        Ok(false) => Ok(Ordering::Greater),
        Err(type_name) => Err(script_error(format!(
            "the comparer given to `{function}` gave {type_name}, not a number or true/false"
        ))),
    }
}

/// The order that sorts `items` stably by a fallible comparison, as indices (so that the
/// items stay where they are when the comparison fails), stopping at its first error.
fn merge_sort<E>(
    items: &[Dynamic],
    indices: Vec<usize>,
    compare: &mut impl FnMut(&Dynamic, &Dynamic) -> Result<Ordering, E>,
) -> Result<Vec<usize>, E> {
    if indices.len() <= 1 {
        return Ok(indices);
    }
    let mut left = indices;
    let right = left.split_off(left.len() / 2);
    let left = merge_sort(items, left, compare)?;
    let right = merge_sort(items, right, compare)?;
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (0, 0);
    while let (Some(&a), Some(&b)) = (left.get(l), right.get(r)) {
        if compare(&items[a], &items[b])? == Ordering::Greater {
            merged.push(b);
            r += 1;
        } else {
            merged.push(a);
            l += 1;
        }
    }
    merged.extend_from_slice(&left[l..]);
    merged.extend_from_slice(&right[r..]);
    Ok(merged)
}

fn sort_with(
    function: &str,
    context: &NativeCallContext,
    array: &mut Array,
    comparer: &FnPtr,
    limit: u64,
) -> Result<(), Box<EvalAltResult>> {
    let order = merge_sort(array, (0..array.len()).collect(), &mut |a, b| {
        comparator_order(function, context, comparer, a, b, limit)
    })?;
    let mut items: Vec<Option<Dynamic>> = std::mem::take(array).into_iter().map(Some).collect();
    array.extend(order.into_iter().filter_map(|i| items[i].take()));
    Ok(())
}

/// Removes consecutive items that `same(kept, next)` calls the same; leaves the array as it
/// was when `same` fails.
fn dedup_with(
    array: &mut Array,
    mut same: impl FnMut(&mut Dynamic, &mut Dynamic) -> Result<bool, Box<EvalAltResult>>,
) -> Result<(), Box<EvalAltResult>> {
    let mut keep = Vec::with_capacity(array.len());
    let mut last = 0;
    for i in 0..array.len() {
        let (head, tail) = array.split_at_mut(i);
        let duplicate = match (head.get_mut(last), tail.first_mut()) {
            (Some(kept), Some(next)) if i > 0 => same(kept, next)?,
            _ => false,
        };
        if !duplicate {
            last = i;
        }
        keep.push(!duplicate);
    }
    let mut keep = keep.into_iter();
    array.retain(|_| keep.next().unwrap_or(true));
    Ok(())
}

fn register_comparators(engine: &mut Engine, limit: u64) {
    // One function for the comparators that change the list in place (one closure keeps the
    // WebAssembly module smaller).
    for name in ["sort", "sort_by", "dedup"] {
        engine.register_fn(
            name,
            move |context: NativeCallContext, array: &mut Array, comparer: FnPtr| {
                if name != "dedup" {
                    return sort_with(name, &context, array, &comparer, limit);
                }
                dedup_with(array, |kept, next| {
                    charge(1, limit)?;
                    let answer = comparer.call_raw(&context, None, [kept.clone(), next.clone()])?;
                    answer.as_bool().map_err(|type_name| {
                        script_error(format!(
                            "the comparer given to `dedup` gave {type_name}, not true or false"
                        ))
                    })
                })
            },
        );
    }
    for name in ["order", "order_by"] {
        engine.register_fn(
            name,
            move |context: NativeCallContext,
                  array: &mut Array,
                  comparer: FnPtr|
                  -> Result<Array, Box<EvalAltResult>> {
                let mut sorted = array.clone();
                sort_with(name, &context, &mut sorted, &comparer, limit)?;
                Ok(sorted)
            },
        );
    }
    engine.register_fn(
        "dedup",
        move |context: NativeCallContext, array: &mut Array| {
            dedup_with(array, |kept, next| {
                charge(1, limit)?;
                let same = context.call_native_fn_raw("==", true, &mut [kept, next])?;
                Ok(same.as_bool().unwrap_or(false))
            })
        },
    );
}

// --- Numbers -------------------------------------------------------------------------------
// Rhai's floating-point arithmetic gives infinities and NaN without a word, and every
// comparison with NaN is false: `!(x / 0.0 > 1.0)` came out present. Here every operation
// and function that can turn finite numbers into a non-finite one is replaced by one that
// refuses to, a literal too large for a number is refused at load (see `engine`), and
// comparisons refuse non-finite numbers besides, so none can decide a condition.

/// What a script sees when a number would stop being finite.
const NOT_FINITE: &str =
    "the result is not a finite number (a division by zero, or a number too large)";

fn finite(x: f64) -> Result<f64, Box<EvalAltResult>> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(EvalAltResult::ErrorArithmetic(NOT_FINITE.into(), Position::NONE).into())
    }
}

/// An error a script made, as the report shows it.
fn script_error(message: String) -> Box<EvalAltResult> {
    EvalAltResult::ErrorArithmetic(message, Position::NONE).into()
}

/// A function of two numbers.
type Binary = fn(f64, f64) -> f64;
/// A function of one number.
type Unary = fn(f64) -> f64;

/// The arithmetic operators on two floats, or a float and an integer, as Rhai computes them.
const FLOAT_OPERATORS: [(&str, Binary); 6] = [
    ("+", |x, y| x + y),
    ("-", |x, y| x - y),
    ("*", |x, y| x * y),
    ("/", |x, y| x / y),
    ("%", |x, y| x % y),
    ("**", f64::powf),
];

#[expect(
    clippy::cast_precision_loss,
    reason = "Rhai mixes integers into float arithmetic the same way"
)]
fn register_numbers(engine: &mut Engine) {
    // Raw functions, one closure each for the binary and the unary ones: the same code for
    // every operator and type pair keeps the WebAssembly module small.
    for (op, f) in FLOAT_OPERATORS {
        for types in NUMBER_PAIRS {
            register_binary(engine, op, types, f);
        }
        // `x op= y` on a float (an integer `x` takes the operator itself).
        let assign: &'static str = match op {
            "+" => "+=",
            "-" => "-=",
            "*" => "*=",
            "/" => "/=",
            "%" => "%=",
            _ => "**=",
        };
        engine.register_fn(assign, move |x: &mut f64, y: f64| {
            *x = finite(f(*x, y))?;
            Ok::<_, Box<EvalAltResult>>(())
        });
        engine.register_fn(assign, move |x: &mut f64, y: INT| {
            *x = finite(f(*x, y as f64))?;
            Ok::<_, Box<EvalAltResult>>(())
        });
    }
    // Functions of finite numbers that can give a non-finite one.
    let unary: [(&str, Unary); 11] = [
        ("sqrt", f64::sqrt),
        ("exp", f64::exp),
        ("ln", f64::ln),
        ("log", f64::log10),
        ("sinh", f64::sinh),
        ("cosh", f64::cosh),
        ("asin", f64::asin),
        ("acos", f64::acos),
        ("acosh", f64::acosh),
        ("atanh", f64::atanh),
        ("to_degrees", f64::to_degrees),
    ];
    for (name, f) in unary {
        engine.register_raw_fn(name, [TypeId::of::<f64>()], move |_, args| {
            finite(f(number(args[0]))).map(Dynamic::from_float)
        });
    }
    register_binary(engine, "hypot", [TypeId::of::<f64>(); 2], f64::hypot);
    register_binary(engine, "log", [TypeId::of::<f64>(); 2], f64::log);
    engine.register_raw_fn(
        "parse_float",
        [TypeId::of::<ImmutableString>()],
        |_, args| {
            let text = args[0].clone().into_immutable_string().unwrap_or_default();
            let x: f64 = text
                .trim()
                .parse()
                .map_err(|_| script_error("`parse_float` found no number in the text".into()))?;
            finite(x).map(Dynamic::from_float)
        },
    );
}

/// The pairs of number types an operator on two numbers takes (two integers are Rhai's own,
/// checked already).
const NUMBER_PAIRS: [[TypeId; 2]; 3] = [
    [TypeId::of::<f64>(), TypeId::of::<f64>()],
    [TypeId::of::<f64>(), TypeId::of::<INT>()],
    [TypeId::of::<INT>(), TypeId::of::<f64>()],
];

/// A number of either kind, as a float.
#[expect(
    clippy::cast_precision_loss,
    reason = "Rhai mixes integers into float arithmetic and comparisons the same way"
)]
fn number(value: &Dynamic) -> f64 {
    value
        .as_float()
        .unwrap_or_else(|_| value.as_int().map_or(f64::NAN, |i| i as f64))
}

fn register_binary(engine: &mut Engine, name: &'static str, types: [TypeId; 2], f: Binary) {
    engine.register_raw_fn(name, types, move |_, args| {
        finite(f(number(args[0]), number(args[1]))).map(Dynamic::from_float)
    });
}

// --- Comparisons ---------------------------------------------------------------------------
// Rhai answers `false` (`true` for `!=`) when it compares values of different kinds, so
// `obs.story > 5` on a text answer came out absent, and `obs.flag != "yes"` present, where
// the same comparison outside a script is refused at load. Here comparing text, a number,
// true/false, a list or a map with a value of another of those kinds is an error. Numbers of
// either kind compare with each other, a character with text, and an unknown answer `()` with
// anything, as before (the indicator is then unknown, not in error).

const COMPARISONS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

/// The kinds of value a script compares, as messages name them: a comparison of two values
/// of different kinds is refused.
fn kinds() -> [(TypeId, &'static str); 7] {
    [
        (TypeId::of::<INT>(), "a number"),
        (TypeId::of::<f64>(), "a number"),
        (TypeId::of::<bool>(), "true/false"),
        (TypeId::of::<ImmutableString>(), "text"),
        (TypeId::of::<char>(), "text"),
        (TypeId::of::<Array>(), "a list"),
        (TypeId::of::<rhai::Map>(), "a map"),
    ]
}

/// Rhai's comparison of two numbers (relative to `f64::EPSILON`, as `cond::compare` mirrors),
/// refusing non-finite ones.
fn compare_floats(op: &str, x: f64, y: f64) -> Result<bool, Box<EvalAltResult>> {
    finite(x)?;
    finite(y)?;
    let max = if x * y == 0.0 {
        1.0
    } else {
        x.abs().max(y.abs())
    };
    let eps = f64::EPSILON;
    Ok(match op {
        "==" => (x - y).abs() / max <= eps,
        "!=" => (x - y).abs() / max > eps,
        ">" => (x - y) / max > eps,
        ">=" => (x - y) / max > -eps,
        "<" => (y - x) / max > eps,
        _ => (y - x) / max > -eps,
    })
}

fn register_comparisons(engine: &mut Engine) {
    for op in COMPARISONS {
        for types in NUMBER_PAIRS {
            engine.register_raw_fn(op, types, move |_, args| {
                compare_floats(op, number(args[0]), number(args[1])).map(Dynamic::from_bool)
            });
        }
    }
    // One function for every pair (a raw function: the same code for each, which keeps the
    // WebAssembly module small).
    for op in COMPARISONS {
        for (a, a_kind) in kinds() {
            for (b, b_kind) in kinds() {
                if a_kind == b_kind {
                    continue;
                }
                engine.register_raw_fn(op, [a, b], move |_, _| -> Result<Dynamic, _> {
                    Err(script_error(format!(
                        "cannot compare {a_kind} with {b_kind} (`{op}`)"
                    )))
                });
            }
        }
    }
}

/// What a script's error says in a report: what went wrong, with names only where the
/// script's own text has them, and never a value the script computed — that may be, or be
/// made from, an answer, and a report's errors, a batch's output file and a WASM error must
/// not carry answers (only a report's `reads` do).
pub(crate) fn describe_error(e: &EvalAltResult, source: &str) -> String {
    // A name is shown when the script spells it out (so it came from the rule set).
    let named = |what: &str, name: &str| {
        let literal = !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && source.contains(name);
        if literal {
            format!("{what} `{name}`")
        } else {
            what.to_owned()
        }
    };
    match e {
        // herken's own messages carry kinds and types, never values.
        EvalAltResult::ErrorArithmetic(m, _) if OWN_MESSAGES.iter().any(|p| m.starts_with(p)) => {
            m.clone()
        }
        EvalAltResult::ErrorArithmetic(..) => "an arithmetic error (a division by zero, a number too large, or text that is not a number)".into(),
        EvalAltResult::ErrorRuntime(..) => "the script stopped with `throw` (what it threw is not shown: it may hold an answer)".into(),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            let name = signature.split([' ', '(']).next().unwrap_or_default();
            format!("{} for these arguments", named("no function", name))
        }
        EvalAltResult::ErrorMismatchDataType(expected, actual, _)
        | EvalAltResult::ErrorMismatchOutputType(expected, actual, _) => format!(
            "a value of type {} where {} is needed",
            type_name(actual),
            type_name(expected)
        ),
        EvalAltResult::ErrorIndexingType(t, _) => format!("{} cannot be indexed", type_name(t)),
        EvalAltResult::ErrorArrayBounds(..) => "a list index out of range".into(),
        EvalAltResult::ErrorStringBounds(..) => "a text index out of range".into(),
        EvalAltResult::ErrorBitFieldBounds(..) => "a bit index out of range".into(),
        EvalAltResult::ErrorIndexNotFound(..) => "no such index".into(),
        EvalAltResult::ErrorPropertyNotFound(name, _) => named("no such property", name),
        EvalAltResult::ErrorVariableNotFound(name, _) => named("no such variable", name),
        EvalAltResult::ErrorAssignmentToConstant(name, _) => {
            named("cannot change the constant", name)
        }
        EvalAltResult::ErrorNonPureMethodCallOnConstant(name, _) => {
            named("cannot change a constant with", name)
        }
        EvalAltResult::ErrorDotExpr(..) => "no such property or method here".into(),
        EvalAltResult::ErrorFor(..) => "`for` needs a list, a range or text".into(),
        EvalAltResult::ErrorUnboundThis(..) => "`this` is not bound here".into(),
        EvalAltResult::ErrorDataRace(..) => "a value was used while it was being changed".into(),
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => describe_error(inner, source),
        // `Fn("eval")` and the like: a name Rhai keeps for itself.
        EvalAltResult::ErrorParsing(rhai::ParseErrorType::Reserved(name), _) => {
            format!("{} is not available in a rule set", named("the name", name))
        }
        // Rhai's own text may quote values.
        _ => "the script failed".into(),
    }
}

/// The beginnings of herken's own script errors (see `script_error`): none carries a value.
const OWN_MESSAGES: [&str; 5] = [
    NOT_FINITE,
    "cannot compare ",
    "the comparer given to ",
    "`parse_float` found no number",
    "a pattern built while the script ran",
];

/// A Rhai type name as herken's messages say it.
fn type_name(rhai: &str) -> &str {
    match rhai {
        "i64" | "f64" | "int" | "float" => "number",
        "string" | "&str" | "ImmutableString" | "char" => "text",
        "bool" => "true/false",
        "array" => "list",
        "map" => "map",
        "()" => "unknown",
        other => other,
    }
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
        compile_pattern_within(pattern, RUNTIME_REGEX_SIZE_LIMIT).map_err(|m| {
            script_error(format!(
                "a pattern built while the script ran is invalid: {m}"
            ))
        })?,
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
