//! Hostile scripts: each ends in an `error` indicator naming its limit, quickly, and the
//! process lives on.

use std::time::Duration;

use serde_json::json;

use crate::common::{load_ok, manifest, run, timed};

fn hostile(script: &str) -> herken_engine::IndicatorReport<'static> {
    let rules = load_ok(
        &manifest()
            .question("a", "yesno")
            .script("hostile", &["a"], script)
            .build(),
    );
    let (report, took) = timed(|| run(&rules, json!({"a": true})));
    // A hang guard only: the cost is bounded by the operation limit, asserted by its code.
    assert!(took < Duration::from_secs(60), "took {took:?}");
    report.indicators.into_iter().next().expect("one indicator")
}

#[test]
fn an_endless_loop_stops_at_the_operation_limit() {
    let i = hostile("loop { }\ntrue");
    assert_eq!(i.state.as_str(), "error");
    let e = i.error.expect("error");
    assert_eq!(e.code, "eval::operation-limit");
    assert!(e.message.contains("operation limit"), "{}", e.message);
}

#[test]
fn unbounded_recursion_stops_at_the_call_depth_limit() {
    let i = hostile("fn down(n) { down(n + 1) }\ndown(0)");
    let e = i.error.expect("error");
    assert_eq!(e.code, "eval::call-depth-limit", "{}", e.message);
}

#[test]
fn mutual_recursion_stops_too() {
    let i = hostile("fn ping(n) { pong(n) }\nfn pong(n) { ping(n) }\nping(1)");
    assert_eq!(i.error.expect("error").code, "eval::call-depth-limit");
}

#[test]
fn a_runaway_string_stops_at_the_size_limit() {
    let i = hostile("let s = \"x\";\nloop { s += s; }\ntrue");
    let e = i.error.expect("error");
    assert_eq!(e.code, "eval::size-limit", "{}", e.message);
}

#[test]
fn runaway_arrays_and_maps_stop_at_their_limits() {
    let i = hostile("let a = [1];\nloop { a += a; }\ntrue");
    assert_eq!(i.error.expect("error").code, "eval::size-limit");
    // Rhai checks map sizes on some paths only; the operation limit bounds the rest.
    let i = hostile("let m = #{};\nlet n = 0;\nloop { m[`k${n}`] = n; n += 1; }\ntrue");
    let code = i.error.expect("error").code;
    assert!(
        code == "eval::size-limit" || code == "eval::operation-limit",
        "{code}"
    );
}

#[test]
fn errors_carry_the_place_in_the_rule_set() {
    let i = hostile("let x = 1;\nlet y = 0;\nx / y == 1");
    let e = i.error.expect("error");
    assert_eq!(e.code, "eval::script-error");
    assert!(
        e.at.as_deref()
            .is_some_and(|at| at.starts_with("ruleset.yaml:")),
        "{e:?}"
    );
}
