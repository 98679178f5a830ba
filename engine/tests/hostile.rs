//! A corpus of hostile rule sets. Each ends in a clear error — a load diagnostic with its code,
//! or an indicator in `error` with an `eval::*` code — within the sandbox's operation and size
//! limits, without a panic, a hang, a stack overflow or unbounded memory. (`sandbox` has the first, simpler cases.)

use std::time::Duration;

use herken_engine::{Diagnostic, IndicatorReport, Sources, load};
use serde_json::json;

use crate::common::{self, HEAD, render, run, timed};

/// What a hostile case may cost is bounded by the sandbox's meter: operations (weighted by the
/// data each step touches, 1,000,000 per case at most) and sizes. The tests assert that bound
/// in operations and limit codes, which hold on any machine; the clock only catches a hang (a
/// step the meter does not see), with room for a debug build on a machine shared by several
/// builds — a timing assertion of a second flaked there.
const HANG: Duration = Duration::from_secs(60);

/// A manifest with one text and one yes/no question and one indicator whose `when` is
/// `script`, with `limits` (YAML lines under `limits:`, or empty).
fn manifest(limits: &str, script: &str) -> String {
    let m = common::manifest();
    let m = if limits.is_empty() {
        m
    } else {
        m.limits(limits)
    };
    m.question("a", "yesno")
        .question("story", "text")
        .script("hostile", &["a", "story"], script)
        .build()
}

/// Loads `sources` within the budget.
fn load_timed(sources: &Sources) -> Result<herken_engine::Loaded, Vec<Diagnostic>> {
    let (result, took) = timed(|| load(sources));
    assert!(took < HANG, "loading took {took:?}");
    result
}

/// The diagnostics of a rule set that must be refused, within the budget.
fn refused(sources: &Sources) -> Vec<Diagnostic> {
    match load_timed(sources) {
        Ok(_) => panic!("a hostile rule set loaded"),
        Err(d) => d,
    }
}

fn refused_manifest(text: &str) -> Vec<Diagnostic> {
    refused(&Sources::new().with("ruleset.yaml", text))
}

fn assert_code(diagnostics: &[Diagnostic], code: &str) {
    assert!(
        diagnostics.iter().any(|d| d.code == code && d.is_error()),
        "expected `{code}`, got:\n{}",
        render(diagnostics)
    );
}

/// Screens the hostile indicator (loaded with `limits`) without timing it: for tests that
/// measure in operations, which do not flake on a busy machine.
fn screened_untimed(limits: &str, script: &str) -> IndicatorReport<'static> {
    let sources = Sources::new().with("ruleset.yaml", manifest(limits, script));
    let rules = match load(&sources) {
        Ok(loaded) => loaded.rules,
        Err(d) => panic!("should load:\n{}", render(&d)),
    };
    let report = run(&rules, json!({"a": true, "story": "they took my passport"}));
    report.indicators.into_iter().next().expect("one indicator")
}

/// Screens the hostile indicator (loaded with `limits`) within the budget; returns its report.
fn screened_with(limits: &str, script: &str) -> IndicatorReport<'static> {
    let sources = Sources::new().with("ruleset.yaml", manifest(limits, script));
    let rules = match load_timed(&sources) {
        Ok(loaded) => loaded.rules,
        Err(d) => panic!("should load:\n{}", render(&d)),
    };
    let case = json!({"a": true, "story": "they took my passport"});
    let (report, took) = timed(|| run(&rules, case));
    assert!(took < HANG, "screening took {took:?}");
    report.indicators.into_iter().next().expect("one indicator")
}

/// The `eval::*` code of the hostile indicator, which must be in `error`.
fn error_code(limits: &str, script: &str) -> String {
    let i = screened_with(limits, script);
    assert_eq!(i.state.as_str(), "error", "{i:?}");
    let e = i.error.expect("an error");
    assert!(!e.message.is_empty());
    e.code.to_string()
}

/// The limits at their hard caps: the worst a rule set may ask for.
const AT_CAPS: &str = "operations: 1000000, call_depth: 64, expression_depth: 128, \
                       string_size: 1048576, array_size: 100000, map_size: 100000";

// --- Endless work -------------------------------------------------------------------------

#[test]
fn endless_loops_stop_at_the_operation_limit() {
    for script in [
        "loop { }\ntrue",
        "while true { }\ntrue",
        "let n = 0;\ndo { n += 1; } until false;\ntrue",
        "let n = 0;\nfor i in 0..9223372036854775807 { n += i; }\ntrue",
        "let f = |x| x + 1;\nlet n = 0;\nloop { n = f.call(n); }\ntrue",
    ] {
        assert_eq!(error_code("", script), "eval::operation-limit", "{script}");
    }
}

#[test]
fn exponential_work_stops_at_the_operation_limit() {
    let script = "fn f(n) { if n > 0 { f(n - 1); f(n - 1); f(n - 1); f(n - 1); f(n - 1); f(n - 1); } }\nf(8);\ntrue";
    assert_eq!(error_code("", script), "eval::operation-limit");
}

#[test]
fn unbounded_and_mutual_recursion_stop_at_the_capped_call_depth() {
    // At the cap, in a debug build on a test thread's small stack: no stack overflow.
    for script in [
        "fn down(n) { down(n + 1) }\ndown(0)",
        "fn ping(n) { pong(n + 1) }\nfn pong(n) { ping(n + 1) }\nping(0)",
        "fn deep(n) { let a = [n, n, n]; let m = #{x: a}; deep(n + 1) + m.x[0] }\ndeep(0)",
    ] {
        assert_eq!(
            error_code(AT_CAPS, script),
            "eval::call-depth-limit",
            "{script}"
        );
    }
}

// --- Runaway memory -----------------------------------------------------------------------

#[test]
fn runaway_growth_stops_at_a_size_limit() {
    for (script, what) in [
        ("let s = \"x\";\nloop { s += s; }\ntrue", "string doubling"),
        (
            "let s = \"xy\";\nloop { s = `${s}${s}${s}`; }\ntrue",
            "string interpolation",
        ),
        (
            "let s = \"x\";\ns.pad(2000000000, \"y\");\ntrue",
            "string pad",
        ),
        ("let a = [1];\nloop { a += a; }\ntrue", "array doubling"),
        ("let a = [];\na.pad(2000000000, 0);\ntrue", "array pad"),
        (
            "let a = [[1]];\nloop { a = [a, a]; }\ntrue",
            "nested arrays",
        ),
        (
            "let a = [];\nloop { a.push(\"xxxxxxxxxxxxxxxx\"); }\ntrue",
            "array push",
        ),
    ] {
        for limits in ["", AT_CAPS] {
            let code = error_code(limits, script);
            assert!(
                code == "eval::size-limit" || code == "eval::operation-limit",
                "{what} ({limits}): {code}"
            );
        }
    }
}

// Regressions: each of these ran for seconds to hours, or overflowed the stack, before the
// sandbox charged data by size and watched the stack (see `engine/src/sandbox.rs`).

/// Stack for the tests below: WebAssembly's 1 MiB in release builds; debug builds use several
/// times more stack per call, so they get a test thread's usual 2 MiB.
const STACK_KIB: usize = if cfg!(debug_assertions) { 2048 } else { 1024 };

/// Runs `f` on a thread with `kib` KiB of stack.
fn on_small_stack<T: Send + 'static>(kib: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(kib * 1024)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("no stack overflow")
}

#[test]
fn calls_nested_inside_deep_expressions_stop_before_the_stack_runs_out() {
    // 64 calls deep, each 60 expressions deep: several MiB of stack in Rhai.
    let deep_sum = format!(
        "fn deep(n) {{ {}deep(n + 1){} }}\ndeep(0)",
        "1 + (".repeat(60),
        ")".repeat(60)
    );
    let deep_ifs = format!(
        "fn deep(n) {{ {}1 + deep(n + 1){} }}\ndeep(0)",
        "if n >= 0 { ".repeat(40),
        " }".repeat(40)
    );
    for script in [deep_sum, deep_ifs] {
        let code = on_small_stack(STACK_KIB, move || error_code(AT_CAPS, &script));
        assert_eq!(code, "eval::call-depth-limit");
    }
}

#[test]
fn deeply_nested_values_stop_at_a_size_limit() {
    for script in [
        "let a = [];\nloop { a = [a]; }\ntrue",
        "let m = #{};\nloop { m = #{m: m}; }\ntrue",
        "let a = [];\nloop { a = [[[[[[[[a]]]]]]]]; }\ntrue",
    ] {
        for limits in ["", AT_CAPS] {
            let (owned_script, owned_limits) = (script.to_owned(), limits.to_owned());
            let code = on_small_stack(STACK_KIB, move || error_code(&owned_limits, &owned_script));
            assert_eq!(code, "eval::size-limit", "{script} ({limits})");
        }
    }
    // Nesting built by calls, without reading the nested value, is bounded by the stack.
    let script = "fn wrap(n) { if n == 0 { [] } else { [[[[[[[[[[wrap(n - 1)]]]]]]]]]] } }\n\
                  let a = wrap(60);\na == a";
    let code = on_small_stack(STACK_KIB, move || error_code(AT_CAPS, script));
    assert!(code.starts_with("eval::"), "{code}");
}

#[test]
fn copying_large_values_costs_operations() {
    // Each step copies thousands of items: once 33 s for one condition at the default limits.
    // Measured in operations, not seconds (a timing assertion flakes on a busy machine): `n`
    // such steps fit in the default 100,000 operations when the value is small, and cannot
    // when each step is charged for the thousands of items it copies.
    for (large, small, step, n) in [
        (
            "let a = [];\na.pad(4999, [1]);",
            "let a = [[1]];",
            "let b = a;",
            40,
        ),
        (
            "let m = #{};\nfor i in 0..4999 { m[`k${i}`] = [1]; }",
            "let m = #{k: [1]};",
            "let b = m;",
            40,
        ),
        ("", "", "[].pad(9999, [1]);", 40),
        (
            "let s = \"x\";\ns.pad(65000, \"y\");",
            "let s = \"xy\";",
            "let t = s.to_upper();",
            1000,
        ),
    ] {
        let counted = |setup: &str, step: &str| {
            format!("{setup}\nlet n = 0;\nwhile n < {n} {{ {step} n += 1; }}\ntrue")
        };
        let cheap = step.replace("9999", "1");
        let control = screened_untimed("", &counted(small, &cheap));
        assert_eq!(control.state.as_str(), "present", "{step}: {control:?}");
        let i = screened_untimed("", &counted(large, step));
        assert_eq!(i.state.as_str(), "error", "{large} {step}: {i:?}");
        assert_eq!(
            i.error.expect("an error").code,
            "eval::operation-limit",
            "{large} {step}"
        );
    }
    // Endless versions end at a limit at the caps too.
    for script in [
        "let a = [];\na.pad(4999, [1]);\nloop { let b = a; }\ntrue",
        "let m = #{};\nfor i in 0..4999 { m[`k${i}`] = [1]; }\nloop { let b = m; }\ntrue",
        "let a = [];\nloop { a.push(\"xxxxxxxxxxxxxxxx\"); }\ntrue",
        "let a = [];\na.pad(9999, 1);\nloop { a.push(1); a.pop(); }\ntrue",
        "loop { [].pad(9999, [1]); }\ntrue",
        "let s = \"x\";\ns.pad(65000, \"y\");\nloop { let t = s.to_upper(); }\ntrue",
        "loop { matches(obs.story, \"z$\"); }\ntrue",
    ] {
        for limits in ["", AT_CAPS] {
            let i = screened_untimed(limits, script);
            let code = i.error.map(|e| e.code.to_string()).unwrap_or_default();
            assert!(
                code == "eval::operation-limit" || code == "eval::size-limit",
                "{script} ({limits}): {code}"
            );
        }
    }
}

#[test]
fn library_files_are_capped_by_count_and_size() {
    // 40,000 tiny `.rhai` files once took two minutes to load (308 s in a browser).
    let base = manifest("", "obs.a");
    let mut sources = Sources::new().with("ruleset.yaml", base.clone());
    for i in 0..40_000 {
        sources = sources.with(format!("f{i:05}.rhai"), format!("fn f{i}() {{ {i} }}"));
    }
    let d = refused(&sources);
    assert_code(&d, "load::too-many-files");
    // 256 files load, however many functions they define.
    let mut sources = Sources::new().with("ruleset.yaml", base.clone());
    for i in 0..256 {
        sources = sources.with(format!("f{i:03}.rhai"), format!("fn f{i}() {{ {i} }}"));
    }
    assert!(load(&sources).is_ok(), "256 library files load");
    // Over 1 MiB of library text, in files each well under the 4 MiB file limit.
    let big = format!(
        "fn big() {{ 1 }}\n{}",
        "// padding padding padding\n".repeat(15_000)
    );
    let mut sources = Sources::new().with("ruleset.yaml", base);
    for i in 0..4 {
        sources = sources.with(format!("b{i}.rhai"), big.clone());
    }
    let d = refused(&sources);
    assert_code(&d, "load::library-too-large");
}

#[test]
fn a_case_with_millions_of_keys_is_refused_with_a_short_list() {
    // 2,000,000 unknown keys once took 1.4 GB and printed every one.
    let rules = load(&Sources::new().with("ruleset.yaml", manifest("", "obs.a")))
        .expect("loads")
        .rules;
    let mut text = String::from("{\"a\": true");
    for i in 0..2_000_000 {
        text.push_str(&format!(",\"k{i}\":1"));
    }
    text.push('}');
    for allow_unknown_keys in [false, true] {
        let options = herken_engine::ObservationOptions {
            allow_unknown_keys,
            ..Default::default()
        };
        let Err(herken_engine::CaseTextError::Answers(errors)) =
            rules.observations_from_str(&text, options)
        else {
            panic!("refused");
        };
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert!(errors.len() <= 102, "{}", errors.len());
        let last = if allow_unknown_keys {
            "case::too-many-keys"
        } else {
            "case::too-many-errors"
        };
        assert_eq!(codes.last(), Some(&last), "{codes:?}");
        assert!(codes.contains(&"case::too-many-keys"), "{codes:?}");
        if !allow_unknown_keys {
            // The first 100 unknown keys one by one, then how many more.
            assert_eq!(
                codes
                    .iter()
                    .filter(|c| **c == "case::unknown-question")
                    .count(),
                100
            );
            let more = errors.last().expect("a summary");
            assert_eq!(more.message, "and 900 more problems");
        }
    }
}

#[test]
fn long_text_literals_are_refused_at_load() {
    // A step that works through a literal costs time in proportion to its length.
    let literal = "y".repeat(5000);
    let d = refused_manifest(&manifest(
        "",
        &format!("loop {{ let t = \"{literal}\".to_upper(); }}\ntrue"),
    ));
    assert_code(&d, "compile::syntax");
    assert!(
        d.iter().any(|d| d.message.contains("maximum limit (4096)")),
        "{}",
        render(&d)
    );
}

#[test]
fn all_scripts_of_one_case_share_a_budget() {
    // Thirty conditions that each spend their whole operation limit.
    let mut m = common::manifest()
        .limits("operations: 1000000")
        .question("a", "yesno");
    for i in 0..30 {
        m = m.indicator(&format!("burn{i}"), &["a"], "\"loop { }\"");
    }
    let text = m.build();
    let rules = match load_timed(&Sources::new().with("ruleset.yaml", text)) {
        Ok(loaded) => loaded.rules,
        Err(d) => panic!("should load:\n{}", render(&d)),
    };
    let (report, took) = timed(|| run(&rules, json!({"a": true})));
    assert!(took < HANG, "took {took:?}");
    let errors: Vec<_> = report
        .indicators
        .iter()
        .map(|i| i.error.as_ref().expect("every one in error"))
        .collect();
    assert!(errors.iter().all(|e| e.code == "eval::operation-limit"));
    assert!(
        errors.last().expect("thirty").message.contains("budget"),
        "{:?}",
        errors.last()
    );
}

#[test]
fn runaway_maps_stop_at_a_limit() {
    let script = "let m = #{};\nlet n = 0;\nloop { m[`k${n}`] = n; n += 1; }\ntrue";
    for limits in ["", AT_CAPS] {
        let code = error_code(limits, script);
        assert!(
            code == "eval::size-limit" || code == "eval::operation-limit",
            "{code}"
        );
    }
}

// --- Patterns -----------------------------------------------------------------------------

#[test]
fn a_pattern_too_large_to_compile_is_refused_at_load() {
    let d = refused_manifest(&manifest("", "matches(obs.story, \"(a{1000}){1000}\")"));
    assert_code(&d, "compile::regex");
}

#[test]
fn a_pattern_too_large_built_at_run_time_is_an_error() {
    let script = "let p = \"(a{1000})\";\np += \"{1000}\";\nmatches(obs.story, p)";
    assert_eq!(error_code("", script), "eval::script-error");
}

#[test]
fn many_patterns_built_at_run_time_stay_within_the_budget() {
    // Each new pattern costs a compilation; a loop of them must not run for long.
    let script =
        "let n = 0;\nloop { n += 1; matches(obs.story, `(x{200}){${n % 50 + 1}}y${n}`); }\ntrue";
    for limits in ["", AT_CAPS] {
        let code = error_code(limits, script);
        assert!(code.starts_with("eval::"), "{code}");
    }
}

// --- Deep nesting -------------------------------------------------------------------------

#[test]
fn deeply_nested_yaml_is_refused() {
    const DEPTH: usize = 100_000;
    let flow_seq = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let flow_map = format!("{}{}", "{a: ".repeat(DEPTH), "}".repeat(DEPTH));
    let block: String = (0..200)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    for (what, text) in [
        ("flow sequences", format!("{HEAD}questions: {flow_seq}\n")),
        ("flow mappings", format!("{HEAD}questions: {flow_map}\n")),
        ("block mappings", format!("{HEAD}{block}")),
    ] {
        let d = refused_manifest(&text);
        assert!(
            d.iter()
                .any(|d| d.code == "load::yaml-too-deep" || d.code == "load::yaml-syntax"),
            "{what}: {}",
            render(&d)
        );
    }
}

#[test]
fn deeply_nested_rhai_is_refused_at_load() {
    const DEPTH: usize = 10_000;
    for (what, script) in [
        (
            "parentheses",
            format!("{}obs.a{}", "(".repeat(DEPTH), ")".repeat(DEPTH)),
        ),
        ("negations", format!("{}obs.a", "!".repeat(DEPTH))),
        (
            "arrays",
            format!("{}1{} == []", "[".repeat(DEPTH), "]".repeat(DEPTH)),
        ),
        (
            "blocks",
            format!("{}obs.a{}", "{ ".repeat(DEPTH), " }".repeat(DEPTH)),
        ),
        (
            "ifs",
            format!(
                "{}true{}",
                "if obs.a { ".repeat(DEPTH),
                " } else { false }".repeat(DEPTH)
            ),
        ),
        (
            "calls",
            format!("{}obs.a{}", "known(".repeat(DEPTH), ")".repeat(DEPTH)),
        ),
        (
            "closures",
            format!("{}true{}", "(|| ".repeat(DEPTH), ").call()".repeat(DEPTH)),
        ),
    ] {
        for limits in ["", AT_CAPS] {
            let d = refused_manifest(&manifest(limits, &script));
            assert_code(&d, "compile::syntax");
            assert!(
                d.iter().any(|d| d.message.contains("maximum complexity")),
                "{what}: {}",
                render(&d)
            );
        }
    }
}

#[test]
fn long_flat_expressions_load_or_are_refused_without_overflowing() {
    // Left-associative chains are built by a loop in the parser, not by recursion, so the
    // expression-depth limit does not see them; the tree they build is deep all the same.
    const TERMS: usize = 100_000;
    for (what, script) in [
        ("sums", format!("{} > 0", vec!["1"; TERMS].join(" + "))),
        ("ors", vec!["obs.a"; TERMS].join(" || ")),
        ("ands", vec!["obs.a"; TERMS].join(" && ")),
        ("comparisons", format!("obs.a{}", " == true".repeat(TERMS))),
        (
            "sums in a script",
            format!("let x = {};\nx > 0", vec!["1"; TERMS].join(" + ")),
        ),
    ] {
        let sources = Sources::new().with("ruleset.yaml", manifest("", &script));
        if let Ok(loaded) = load_timed(&sources) {
            let (report, took) = timed(|| run(&loaded.rules, json!({"a": true})));
            assert!(took < HANG, "{what}: screening took {took:?}");
            drop(report);
        }
    }
}

// --- YAML structure -----------------------------------------------------------------------

#[test]
fn a_billion_laughs_is_refused_without_expanding() {
    let mut text = String::from(HEAD);
    text.push_str("lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..30 {
        let p = i - 1;
        let refs = vec![format!("*lol{p}"); 10].join(", ");
        text.push_str(&format!("lol{i}: &lol{i} [{refs}]\n"));
    }
    text.push_str("questions: *lol29\n");
    let d = refused_manifest(&text);
    assert_code(&d, "load::yaml-alias");
    assert_code(&d, "load::yaml-anchor");
}

#[test]
fn duplicate_keys_are_refused() {
    let text =
        manifest("", "obs.a").replace("  - id: hostile\n", "  - id: hostile\n    id: other\n");
    let d = refused_manifest(&text);
    assert_code(&d, "load::duplicate-key");
    let d = refused_manifest(&format!("{HEAD}id: again\n"));
    assert_code(&d, "load::duplicate-key");
}

#[test]
fn tags_are_refused() {
    let d = refused_manifest(&format!(
        "{HEAD}questions: !!python/object:os.system [ls]\n"
    ));
    assert_code(&d, "load::yaml-tag");
}

// --- Size -----------------------------------------------------------------------------------

#[test]
fn a_100_mb_manifest_is_refused_by_size_before_parsing() {
    // Invalid YAML throughout: a parse would report syntax, the size cap reports size.
    let huge = format!("{HEAD}{}", "[{: ".repeat(25 * 1024 * 1024));
    assert!(huge.len() > 100_000_000);
    let d = refused_manifest(&huge);
    assert_eq!(d.len(), 1, "{}", render(&d));
    assert_eq!(d[0].code, "load::file-too-large");
}

#[test]
fn a_100_mb_library_is_refused_by_size() {
    let huge = "fn f() { 1 }\n".repeat(8 * 1024 * 1024);
    assert!(huge.len() > 100_000_000);
    let sources = Sources::new()
        .with("ruleset.yaml", manifest("", "obs.a"))
        .with("lib.rhai", huge);
    let d = refused(&sources);
    assert_code(&d, "load::file-too-large");
}

// --- The sandbox's walls ------------------------------------------------------------------

#[test]
fn eval_is_unavailable() {
    let d = refused_manifest(&manifest("", "eval(\"true\")"));
    assert_code(&d, "compile::syntax");
    // Through a function pointer the name still reaches no `eval`.
    for script in [
        "let e = Fn(\"eval\");\ne.call(\"loop {}\")",
        "call(Fn(\"eval\"), \"true\")",
    ] {
        let i = screened_with("", script);
        assert_eq!(i.state.as_str(), "error", "{script}: {i:?}");
        let e = i.error.expect("an error");
        assert_eq!(e.code, "eval::script-error");
        assert!(
            e.message.contains("eval"),
            "{script}: {} {:?}",
            e.message,
            e
        );
    }
}

#[test]
fn imports_are_unavailable() {
    for script in [
        "import \"../../../etc/passwd\" as p;\ntrue",
        "import \"/etc/passwd\" as p;\ntrue",
        "import \"lib\" as l;\ntrue",
    ] {
        let d = refused_manifest(&manifest("", script));
        assert!(
            d.iter()
                .any(|d| d.code == "compile::syntax" || d.code == "compile::import"),
            "{script}: {}",
            render(&d)
        );
    }
    let sources = Sources::new()
        .with("ruleset.yaml", manifest("", "obs.a"))
        .with("lib.rhai", "import \"/etc/passwd\" as p;\nfn f() { 1 }\n");
    let d = refused(&sources);
    assert!(
        d.iter().any(|d| d.code.stage() == "compile"),
        "{}",
        render(&d)
    );
}

#[test]
fn printing_is_unavailable() {
    for script in [
        "print(\"x\");\ntrue",
        "debug(\"x\");\ntrue",
        "loop { print(\"spam\"); }",
    ] {
        let d = refused_manifest(&manifest("", script));
        assert_code(&d, "compile::syntax");
    }
    // Through a function pointer the call reaches the silent handler, and the loop still
    // stops at the operation limit.
    let script = "let p = Fn(\"print\");\nloop { p.call(\"spam\"); }\ntrue";
    let code = error_code("", script);
    assert!(
        code == "eval::operation-limit" || code == "eval::script-error",
        "{code}"
    );
}

#[test]
fn limits_above_their_caps_are_refused() {
    for limits in [
        "operations: 1000001",
        "call_depth: 65",
        "expression_depth: 129",
        "string_size: 1048577",
        "array_size: 100001",
        "map_size: 100001",
        "operations: 0",
        "call_depth: -1",
        "operations: 99999999999999999999999",
    ] {
        let d = refused_manifest(&manifest(limits, "obs.a"));
        assert!(
            d.iter()
                .any(|d| d.code == "load::limit" || d.code == "load::wrong-type"),
            "{limits}: {}",
            render(&d)
        );
    }
    let d = refused_manifest(&manifest("call_depth: 65", "obs.a"));
    assert_code(&d, "load::limit");
    // At the caps it loads.
    screened_with(AT_CAPS, "obs.a");
}

// --- Damaged and forged bundles -----------------------------------------------------------
// `Bundle::open` under a trust policy is the one way in; each forgery has its own code, with
// and without trusted keys.

use herken_engine::{Bundle, BundleError, PublicKey, SecretKey, SignatureState, TrustPolicy};

/// A bundle of a small rule set with `id` and `version` (the manifest says the same).
fn bundle_of(id: &str, version: &str, when: &str) -> Bundle {
    let text = manifest("", when)
        .replace("id: test-set", &format!("id: {id}"))
        .replace("version: 1.0.0", &format!("version: {version}"));
    Bundle::new(id, version, &Sources::new().with("ruleset.yaml", text))
}

fn publisher() -> SecretKey {
    SecretKey::from_bytes(&[7; 32])
}

fn someone_else() -> SecretKey {
    SecretKey::from_bytes(&[8; 32])
}

fn signed(id: &str, version: &str, key: &SecretKey) -> Bundle {
    let mut bundle = bundle_of(id, version, "obs.a");
    bundle.sign(key);
    bundle
}

fn trusting(keys: &[&SecretKey]) -> TrustPolicy {
    TrustPolicy::trusting(keys.iter().map(|k| k.public_key()))
}

/// The code a bundle is refused with under `trust`, or `None` when it opens.
fn refusal(json: &str, trust: &TrustPolicy) -> Option<&'static str> {
    let (opened, took) = timed(|| Bundle::open(json, trust));
    assert!(took < HANG, "opening took {took:?}");
    opened.err().map(|e| {
        assert!(!e.to_string().is_empty());
        e.code().as_str()
    })
}

/// The forgeries of a bundle signed by the publisher, each with the code it must get with
/// and without trusted keys.
fn forgeries() -> Vec<(&'static str, String, &'static str)> {
    let original = signed("test-set", "1.0.0", &publisher());
    let mut out = Vec::new();

    // Content changed, hash not recomputed.
    let mut altered = original.clone();
    altered
        .files
        .insert("ruleset.yaml".into(), manifest("", "!obs.a"));
    out.push((
        "altered content",
        altered.to_json(),
        "bundle::hash-mismatch",
    ));

    // Content changed and its hash recomputed; the old signature kept.
    let mut tampered = altered.clone();
    tampered.sha256 = tampered.sources().sha256();
    out.push(("tampered content", tampered.to_json(), "bundle::tampered"));

    // The signature of another rule set, and of another version of this one.
    let other_set = signed("other-set", "1.0.0", &publisher());
    let mut moved = bundle_of("test-set", "1.0.0", "obs.a");
    moved.signature = other_set.signature.clone();
    out.push((
        "signature from another set",
        moved.to_json(),
        "bundle::signature-moved",
    ));
    let old = signed("test-set", "0.9.0", &publisher());
    let mut moved = bundle_of("test-set", "1.0.0", "!obs.a");
    moved.signature = old.signature.clone();
    out.push((
        "signature from another version",
        moved.to_json(),
        "bundle::signature-moved",
    ));
    // Relabelled as another version under the same signature.
    let mut relabelled = original.clone();
    relabelled.version = "9.9.9".into();
    out.push((
        "relabelled version",
        relabelled.to_json(),
        "bundle::signature-moved",
    ));

    // What the signature names edited to match, so it no longer verifies.
    let mut forged = tampered.clone();
    if let Some(s) = forged.signature.as_mut() {
        s.signed.sha256 = forged.sha256.clone();
    }
    out.push((
        "signed claims edited",
        forged.to_json(),
        "bundle::signature-invalid",
    ));
    // The key swapped for another's, the value kept.
    let mut swapped = original.clone();
    if let Some(s) = swapped.signature.as_mut() {
        s.key = someone_else().public_key().to_hex();
    }
    out.push((
        "key swapped",
        swapped.to_json(),
        "bundle::signature-invalid",
    ));

    // Garbage where the signature belongs.
    let json = original.to_json();
    let body = json.split("\"signature\": {").next().expect("a signature");
    let rest = &json[json.find("\"files\"").expect("files")..];
    for (what, garbage) in [
        ("a string", "\"zz\""),
        ("null", "null"),
        ("an empty object", "{}"),
        ("a number", "1"),
    ] {
        out.push((
            what,
            format!("{body}\"signature\": {garbage},\n  {rest}"),
            "bundle::signature-malformed",
        ));
    }
    for (field, value) in [
        ("value", "zz".repeat(64)),
        ("value", "00".repeat(63)),
        ("key", "not a key".to_owned()),
        ("key", "00".repeat(31)),
        ("algorithm", "rsa".to_owned()),
    ] {
        let mut garbled: serde_json::Value = serde_json::from_str(&json).expect("json");
        garbled["signature"][field] = serde_json::Value::String(value.clone());
        out.push((
            "a garbled field",
            garbled.to_string(),
            "bundle::signature-malformed",
        ));
    }
    // Not a point of the curve: a "key" no one could sign with.
    let mut garbled: serde_json::Value = serde_json::from_str(&json).expect("json");
    garbled["signature"]["key"] = serde_json::Value::String(format!("02{}", "00".repeat(31)));
    out.push((
        "a key off the curve",
        garbled.to_string(),
        "bundle::signature-malformed",
    ));
    out
}

#[test]
fn every_forgery_is_refused_with_its_code_with_and_without_trusted_keys() {
    for trust in [
        TrustPolicy::no_keys(),
        trusting(&[&publisher()]),
        trusting(&[&someone_else(), &publisher()]),
    ] {
        for (what, json, code) in forgeries() {
            assert_eq!(refusal(&json, &trust), Some(code), "{what} ({trust:?})");
        }
    }
}

#[test]
fn with_trusted_keys_only_their_valid_signatures_open() {
    let publisher_only = trusting(&[&publisher()]);
    // Unsigned, and a signature stripped from a signed bundle: fail closed.
    let unsigned = bundle_of("test-set", "1.0.0", "obs.a");
    assert_eq!(
        refusal(&unsigned.to_json(), &publisher_only),
        Some("bundle::unsigned")
    );
    let mut stripped = signed("test-set", "1.0.0", &publisher());
    stripped.signature = None;
    assert_eq!(
        refusal(&stripped.to_json(), &publisher_only),
        Some("bundle::unsigned")
    );
    // Re-signed with another key: valid, but not trusted.
    let mut resigned = signed("test-set", "1.0.0", &publisher());
    resigned
        .files
        .insert("ruleset.yaml".into(), manifest("", "!obs.a"));
    resigned.sha256 = resigned.sources().sha256();
    resigned.sign(&someone_else());
    let e = Bundle::open(&resigned.to_json(), &publisher_only).expect_err("refused");
    assert_eq!(e.code(), "bundle::untrusted-key");
    assert!(
        e.to_string()
            .contains(&someone_else().public_key().fingerprint()),
        "{e}"
    );
    // Without trusted keys it opens, and says who signed it.
    let opened = Bundle::open(&resigned.to_json(), &TrustPolicy::no_keys()).expect("opens");
    assert_eq!(
        opened.signature,
        SignatureState::Signed(someone_else().public_key())
    );
}

#[test]
fn an_opened_bundle_says_who_signed_it() {
    let json = signed("test-set", "1.0.0", &publisher()).to_json();
    let key = publisher().public_key();
    let opened = Bundle::open(&json, &trusting(&[&publisher()])).expect("trusted");
    assert_eq!(opened.signature, SignatureState::Trusted(key));
    assert_eq!(opened.signature.as_str(), "trusted");
    assert_eq!(opened.rules.id(), "test-set");
    let opened = Bundle::open(&json, &TrustPolicy::no_keys()).expect("signed");
    assert_eq!(opened.signature.as_str(), "signed");
    assert_eq!(
        opened.signature.key().map(PublicKey::fingerprint),
        Some(key.fingerprint())
    );
    let unsigned = bundle_of("test-set", "1.0.0", "obs.a").to_json();
    let opened = Bundle::open(&unsigned, &TrustPolicy::no_keys()).expect("unsigned");
    assert_eq!(opened.signature, SignatureState::Unsigned);
}

#[test]
fn a_bundle_must_hold_the_rule_set_it_declares() {
    // The manifest says `test-set` 1.0.0; the bundle says otherwise (and is signed so).
    let sources = Sources::new().with("ruleset.yaml", manifest("", "obs.a"));
    for (id, version) in [("other-set", "1.0.0"), ("test-set", "2.0.0")] {
        let mut bundle = Bundle::new(id, version, &sources);
        for trust in [TrustPolicy::no_keys(), trusting(&[&publisher()])] {
            bundle.sign(&publisher());
            assert_eq!(
                refusal(&bundle.to_json(), &trust),
                Some("bundle::identity-mismatch")
            );
        }
    }
}

#[test]
fn duplicate_keys_anywhere_in_a_bundle_are_refused() {
    let json = signed("test-set", "1.0.0", &publisher()).to_json();
    for (what, duplicated) in [
        (
            "a file",
            json.replacen(
                "\"files\": {",
                "\"files\": {\n    \"ruleset.yaml\": \"x\",",
                1,
            ),
        ),
        (
            "the id",
            json.replacen("\"id\":", "\"id\": \"other\",\n  \"id\":", 1),
        ),
        (
            "the signature",
            json.replacen(
                "\"signature\":",
                "\"signature\": null,\n  \"signature\":",
                1,
            ),
        ),
        (
            "inside the signature",
            json.replacen("\"value\":", "\"value\": \"00\",\n    \"value\":", 1),
        ),
        (
            "inside the signature's claims",
            json.replacen(
                "\"signed\": {",
                "\"signed\": {\n      \"id\": \"other\",",
                1,
            ),
        ),
    ] {
        assert_ne!(duplicated, json, "{what}");
        for trust in [TrustPolicy::no_keys(), trusting(&[&publisher()])] {
            let e = Bundle::open(&duplicated, &trust).expect_err("refused");
            assert_eq!(e.code(), "bundle::duplicate-key", "{what}: {e}");
            assert!(e.to_string().contains("line"), "{e}");
            let key = ["`ruleset.yaml`", "`id`", "`signature`", "`value`"];
            assert!(key.iter().any(|k| e.to_string().contains(k)), "{e}");
        }
    }
}

#[test]
fn damaged_bundle_json_is_refused_with_a_code() {
    let json = signed("test-set", "1.0.0", &publisher()).to_json();
    for (damaged, code) in [
        (String::new(), "bundle::format"),
        (json[..json.len() / 2].to_owned(), "bundle::format"),
        (
            json.replace("\"herken_bundle\": 1", "\"herken_bundle\": 99"),
            "bundle::version",
        ),
        (json.replace("\"files\"", "\"filez\""), "bundle::format"),
        ("[]".to_owned(), "bundle::format"),
        ("{\"herken_bundle\": 1}".to_owned(), "bundle::format"),
        // A file the rule set does not read is not carried (the hash would not cover it).
        (
            json.replacen(
                "\"files\": {",
                "\"files\": {\n    \"tests/a.yaml\": \"x\",",
                1,
            ),
            "bundle::format",
        ),
        (
            json.replacen(
                "\"files\": {",
                "\"files\": {\n    \"sub/lib.rhai\": \"x\",",
                1,
            ),
            "bundle::format",
        ),
    ] {
        let e = Bundle::open(&damaged, &TrustPolicy::no_keys()).expect_err("refused");
        assert_eq!(e.code(), code, "{e}");
    }
    // A byte-order mark in front is not damage.
    let opened = Bundle::open(&format!("\u{feff}{json}"), &trusting(&[&publisher()]));
    assert!(opened.is_ok(), "{:?}", opened.err());
}

#[test]
fn a_bundle_that_does_not_load_says_why() {
    let bundle = bundle_of("test-set", "1.0.0", "obs.nope");
    let e = Bundle::open(&bundle.to_json(), &TrustPolicy::no_keys()).expect_err("refused");
    assert_eq!(e.code(), "bundle::ruleset");
    assert!(
        matches!(e, BundleError::RuleSet(ref d) if !d.is_empty()),
        "{e}"
    );
}

// --- Closures called by Rhai's own functions -----------------------------------------------
// Rhai 1.27 runs a closure given to `sort`, `order`, `dedup`, `map`, … on a copy of the script's
// counters and, for comparators, drops the closure's errors; the sandbox replaces the
// comparator functions and counts every step wherever it runs.

#[test]
fn an_error_inside_a_comparator_is_an_error_not_present() {
    for script in [
        "let a = [3, 1, 2];\na.sort(|x, y| throw \"boom\");\ntrue",
        "let a = [3, 1, 2];\na.sort_by(|x, y| throw \"boom\");\ntrue",
        "let a = [3, 1, 2];\nlet b = a.order(|x, y| throw \"boom\");\ntrue",
        "let a = [3, 1, 2];\nlet b = a.order_by(|x, y| throw \"boom\");\ntrue",
        "let a = [1, 1, 2];\na.dedup(|x, y| throw \"boom\");\ntrue",
        "let a = [3, 1, 2];\na.sort(|x, y| \"not an order\");\ntrue",
        "let a = [3, 1, 2];\na.sort(Fn(\"no_such_function\"));\ntrue",
        "let a = [1, 1];\na.dedup(|x, y| 3);\ntrue",
    ] {
        let i = screened_with("", script);
        assert_eq!(i.state.as_str(), "error", "{script}: {i:?}");
        assert_eq!(
            i.error.expect("an error").code,
            "eval::script-error",
            "{script}"
        );
    }
    // A method nobody defines is refused before any case is screened.
    let d = refused_manifest(&manifest(
        "",
        "let a = [3, 1, 2];\na.sort(|x, y| x.no_such_method());\ntrue",
    ));
    assert_code(&d, "compile::unknown-function");
}

#[test]
fn a_limit_inside_a_comparator_stops_the_script() {
    for (script, code) in [
        (
            "let a = [3, 1, 2];\na.sort(|x, y| { loop { } });\ntrue",
            "eval::operation-limit",
        ),
        (
            "let a = [1, 1];\na.dedup(|x, y| { loop { } });\ntrue",
            "eval::operation-limit",
        ),
        (
            "fn down(n) { down(n + 1) }\nlet a = [3, 1, 2];\na.sort(|x, y| down(0));\ntrue",
            "eval::call-depth-limit",
        ),
        (
            "let a = [3, 1, 2];\na.sort(|x, y| { let s = \"x\"; loop { s += s; } });\ntrue",
            "eval::size-limit",
        ),
    ] {
        for limits in ["", AT_CAPS] {
            assert_eq!(error_code(limits, script), code, "{script} ({limits})");
        }
    }
}

#[test]
fn comparators_still_sort_and_dedup() {
    for script in [
        "let a = [3, 1, 2];\na.sort(|x, y| x - y);\na == [1, 2, 3]",
        "let a = [3, 1, 2];\na.sort(|x, y| x <= y);\na == [1, 2, 3]",
        "let a = [3, 1, 2];\na.sort_by(|x, y| y - x);\na == [3, 2, 1]",
        "let a = [3, 1, 2];\nlet b = a.order(|x, y| x - y);\nb == [1, 2, 3] && a == [3, 1, 2]",
        "let a = [1, 1, 2, 2, 1];\na.dedup();\na == [1, 2, 1]",
        "let a = [1, 2, 5, 6];\na.dedup(|x, y| y - x == 1);\na == [1, 5]",
        "let a = [\"b\", \"a\"];\na.sort();\na == [\"a\", \"b\"]",
        "let a = [2, 1, 3, 1];\na.sort(|x, y| 0);\na == [2, 1, 3, 1]",
    ] {
        let i = screened_with("", script);
        assert_eq!(i.state.as_str(), "present", "{script}: {i:?}");
    }
}

#[test]
fn nested_comparators_stop_within_the_case_budget() {
    // Each comparison sorts a copy of the array with a comparator that sorts again: once 19 to
    // 35 seconds per case, each closure call starting from a fresh operation count.
    let nested = "let a = [];\na.pad(200, 1);\n\
                  a.sort(|x, y| { let b = []; b.pad(200, 1); b.sort(|p, q| { let c = []; c.pad(200, 1); \
                  c.sort(|r, s| r - s); 0 }); 0 });\ntrue";
    let mapped = "let a = [];\na.pad(1000, 1);\n\
                  let b = a.map(|x| { let n = 0; while n < 20000 { n += 1; } n });\ntrue";
    let filtered = "fn many() { let a = []; a.pad(1000, 1); a }\n\
                    let b = many().filter(|x| many().filter(|y| many().filter(|z| true).len() > 0).len() > 0);\ntrue";
    for script in [nested, mapped, filtered] {
        for limits in ["", AT_CAPS] {
            let i = screened_with(limits, script);
            let e = i.error.expect("an error");
            assert_eq!(
                e.code, "eval::operation-limit",
                "{script} ({limits}): {}",
                e.message
            );
        }
    }
}

// --- Numbers that are not numbers ----------------------------------------------------------

#[test]
fn non_finite_numbers_are_an_error_not_a_silent_false() {
    for script in [
        "let z = 0.0;\n1.0 / z > 0.0",
        "let z = 0.0;\n!(0.0 / z > 0.0)",
        "let z = 0;\n!(1.0 / z < 0.0)",
        "let big = 1e308;\nbig * 10.0 > 0.0",
        "let big = 1e308;\n-(big * 10.0) < 0.0",
        "let big = 1e308;\n!(big + big < 0.0)",
        "let z = 0.0;\nlet x = 1.0;\nx /= z;\nx > 0.0",
        "let x = 1e308;\nx *= 10.0;\n!(x < 0.0)",
        "let z = 0.0;\n!(10.0 % z == 1.0)",
        "!(2.0 ** 5000.0 < 0.0)",
        "!(sqrt(-1.0) > 0.0)",
        "!(ln(0.0) > 0.0)",
        "exp(1000.0) > 0.0",
        "!(parse_float(\"NaN\") > 0.0)",
        "parse_float(\"inf\") > 0.0",
        "let z = 0.0;\nto_int(0.0 / z) == 0",
        "let z = 0.0;\n(1.0 / z).to_string() == \"inf\"",
    ] {
        let i = screened_with("", script);
        assert_eq!(i.state.as_str(), "error", "{script}: {i:?}");
        let e = i.error.expect("an error");
        assert_eq!(e.code, "eval::script-error", "{script}");
    }
    // A literal too large for a number reads as infinity: refused at load.
    for script in ["1e999 > 0.0", "!(-1e999 < 0.0)"] {
        let d = refused_manifest(&manifest("", script));
        assert_code(&d, "compile::syntax");
    }
}

#[test]
fn finite_arithmetic_is_unchanged() {
    for script in [
        "let x = 7.5;\nx / 2.5 == 3.0",
        "let x = 1e300;\nx * 10.0 > 1e300",
        "let x = 3;\nx / 2 == 1",
        "let x = 2.0;\nx ** 3.0 == 8.0",
        "let x = 10.0;\nx %= 4.0;\nx == 2.0",
        "sqrt(16.0) == 4.0 && ln(1.0) == 0.0 && exp(0.0) == 1.0",
        "parse_float(\"2.5\") == 2.5 && 1 < 1.5 && 2.5 > 2",
        "let x = 0.0;\nx.is_nan() == false",
    ] {
        let i = screened_with("", script);
        assert_eq!(i.state.as_str(), "present", "{script}: {i:?}");
    }
}

// --- Comparisons across types ---------------------------------------------------------------

#[test]
fn comparing_text_with_a_number_in_a_script_is_an_error() {
    // Outside a script the same comparisons are refused at load (`compile::type`).
    for script in [
        "let s = obs.story;\ns > 5",
        "let s = obs.story;\ns == 5",
        "let s = obs.story;\n!(s < 5.5)",
        "let s = obs.story;\ns != 5",
        "let a = obs.a;\na == 1",
        "let a = obs.a;\na != \"yes\"",
        "let a = obs.a;\n!(a == \"yes\")",
        "let l = [1, 2];\nl == 1",
        "let m = #{x: 1};\nm != \"x\"",
        "let s = obs.story;\n5 in [s]",
    ] {
        let i = screened_with("", script);
        assert_eq!(i.state.as_str(), "error", "{script}: {i:?}");
        let e = i.error.expect("an error");
        assert_eq!(e.code, "eval::script-error", "{script}");
        assert!(
            e.message.contains("cannot compare"),
            "{script}: {}",
            e.message
        );
    }
    // Numbers of both kinds, characters with text and unknown answers compare as before.
    // (Each joined with an answer: a condition that is constant is refused at load.)
    for (script, state) in [
        ("1 == 1.0", "present"),
        ("'a' == \"a\"", "present"),
        ("let u = ();\nu == ()", "present"),
        ("let u = ();\n!(u == 1)", "present"),
        ("\"b\" > \"a\"", "present"),
    ] {
        let script = format!(
            "let answered = obs.a;\nanswered && {{ {} }}",
            script.replace('\n', ";\n")
        );
        assert_eq!(screened_with("", &script).state.as_str(), state, "{script}");
    }
}

#[test]
fn ask_if_scripts_of_one_case_share_a_budget() {
    // Thirty questions whose `ask_if` each spends its whole operation limit: asking which
    // questions apply once ran thirty full budgets one after another.
    let questions: String = (0..30)
        .map(|i| {
            format!(
                "  - id: q{i}\n    type: yesno\n    text: {{en: Q?, nl: V?}}\n    ask_if: |\n      \
                 let n = 0;\n      loop {{ n += 1; }}\n      obs.a\n"
            )
        })
        .collect();
    let text = format!(
        "{HEAD}limits: {{operations: 1000000}}\nquestions:\n  - {{id: a, type: yesno, text: {{en: A?, nl: A?}}}}\n\
         {questions}dimensions:\n  - {{id: d, label: {{en: D, nl: D}}}}\nindicators:\n  - id: i\n    dimension: d\n    \
         strength: strong\n    label: {{en: I, nl: I}}\n    when: obs.a\ndecision:\n  - {{id: otherwise, outcome: no_signals}}\n{}",
        common::OUTCOMES
    );
    let rules = match load_timed(&Sources::new().with("ruleset.yaml", text)) {
        Ok(loaded) => loaded.rules,
        Err(d) => panic!("should load:\n{}", render(&d)),
    };
    let obs = rules.observations(&json!({"a": true})).expect("valid case");
    let (applicable, took) = timed(|| rules.applicable(&obs));
    assert!(took < HANG, "took {took:?}");
    // A question whose condition fails is asked: failing is not "does not apply".
    assert_eq!(applicable.len(), 31);
}

#[test]
fn a_division_by_zero_is_an_error_natively_and_in_a_script() {
    let text = common::manifest()
        .question("x", "number")
        .question("y", "number")
        .indicator("ratio", &[], "obs.x / obs.y > 1.0")
        .indicator("not_ratio", &[], "'!(obs.x / obs.y < 1.0)'")
        .build();
    let sources = Sources::new().with("ruleset.yaml", text);
    for interpret_all in [false, true] {
        let rules = herken_engine::load_with(
            &sources,
            &herken_engine::LoadOptions {
                interpret_all,
                ..Default::default()
            },
        )
        .unwrap_or_else(|d| panic!("should load:\n{}", render(&d)))
        .rules;
        for case in [
            json!({"x": 1.0, "y": 0.0}),
            json!({"x": 0.0, "y": 0.0}),
            json!({"x": 1e308, "y": 1e-308}),
        ] {
            let report = run(&rules, case.clone());
            for i in &report.indicators {
                assert_eq!(
                    i.state.as_str(),
                    "error",
                    "{case} (scripts: {interpret_all}): {i:?}"
                );
                let e = i.error.as_ref().expect("an error");
                assert!(e.message.contains("not a finite number"), "{}", e.message);
            }
        }
    }
}

// --- No answer in an error ------------------------------------------------------------------

#[test]
fn script_errors_never_carry_an_answer() {
    // Every way a script can fail with an answer in hand; the marker is what the person said.
    const MARKER: &str = "Zq7MarkerPrivate";
    let text = common::manifest()
        .question("story", "text")
        .question("n", "integer")
        .script("thrown", &["story"], "let s = obs.story;\nthrow s")
        .script(
            "thrown_map",
            &["story"],
            "let s = obs.story;\nthrow #{said: s}",
        )
        .script("called", &["story"], "let s = obs.story;\ncall(Fn(s))")
        .script(
            "indexed",
            &["story"],
            "let s = obs.story;\nlet m = #{};\nm[s] > 1",
        )
        .script("parsed", &["story"], "let s = obs.story;\nparse_int(s) > 1")
        .script(
            "floated",
            &["story"],
            "let s = obs.story;\nparse_float(s) > 1.0",
        )
        .script(
            "pattern",
            &["story"],
            "let s = obs.story;\nmatches(\"x\", \"(\" + s)",
        )
        .script("bounds", &["n"], "let n = obs.n;\n[1, 2][n] > 0")
        .script(
            "text_bounds",
            &["n"],
            "let n = obs.n;\n\"ab\".sub_string(n, 1) == \"x\"",
        )
        .script("divided", &["n"], "let n = obs.n;\nlet z = 0;\nn / z > 1")
        .script(
            "overflow",
            &["n"],
            "let n = obs.n;\nn * 9223372036854775807 > 1",
        )
        .script(
            "property",
            &["story"],
            "let s = obs.story;\nlet m = #{};\nm.get(s).len() > 0",
        )
        .script("compared", &["story"], "let s = obs.story;\ns > 5")
        .script("not_bool", &["story"], "let s = obs.story;\ns")
        .script(
            "sorted",
            &["story"],
            "let s = obs.story;\nlet l = [s, s];\nl.sort(|a, b| throw a);\ntrue",
        )
        .build();
    let rules = common::load_ok(&text);
    let number = 947_331_i64;
    let report = run(&rules, json!({"story": MARKER, "n": number}));
    let mut errors = 0;
    for i in &report.indicators {
        if let Some(e) = &i.error {
            errors += 1;
            for leak in [MARKER.to_owned(), number.to_string()] {
                assert!(!e.message.contains(&leak), "{}: {}", i.id, e.message);
            }
        }
    }
    assert!(errors >= 13, "{errors} errors: {:?}", report.indicators);
    // Nowhere in the report's JSON but where it reads the answers.
    let json = report.to_json();
    assert_eq!(
        json.matches(MARKER).count(),
        report
            .indicators
            .iter()
            .filter(|i| i.reads.contains_key("story"))
            .count(),
        "{json}"
    );
    for d in &report.diagnostics {
        assert!(
            !d.message.contains(MARKER) && !d.message.contains(&number.to_string()),
            "{}",
            d.message
        );
    }
}
