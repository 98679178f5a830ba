//! Closures in conditions: scripts built from the input bytes that nest the functions taking a
//! closure (`sort`, `order`, `dedup`, `reduce`, `map`, `filter`, `some`, `all`, `for_each`,
//! `retain`, `drain`, `find`, `index_of`, `call`) with bodies that return, compare, loop,
//! throw, divide by zero or compare across kinds, run in the sandbox on a fixed case.
//!
//! What must hold: every script ends in a state or an `eval::*` error; and when a body that
//! always fails (throws, loops, fails a type check or a number check) is certainly called, the
//! indicator is in `error` — never `present` or `absent` because a function dropped the error.
#![no_main]

use herken_engine::{ScreenOptions, Sources, State, load};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const HEAD: &str = "format: 1
id: fuzz
version: 1.0.0
status: draft
title: {en: Fuzz, nl: Fuzz}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: a, type: yesno, text: {en: A, nl: A}}
  - {id: t, type: text, text: {en: T, nl: T}}
dimensions:
  - {id: d, label: {en: D, nl: D}, positive: {at_least: 1}}
indicators:
  - id: fuzzed
    dimension: d
    strength: strong
    label: {en: F, nl: F}
    reads: [a, t]
    when: |
";

const TAIL: &str = "decision:
  - {id: any, outcome: signals, when: present_count() > 0}
  - {id: otherwise, outcome: none}
outcomes:
  - {id: none, label: {en: None, nl: Geen}, advice: {en: Help is there., nl: Hulp is er.}}
  - {id: signals, label: {en: Signals, nl: Signalen}, advice: {en: Consult., nl: Overleg.}}
";

/// Reads decisions from the input, then zeros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let Some((&b, rest)) = self.0.split_first() else {
            return 0;
        };
        self.0 = rest;
        usize::from(b) % n
    }
}

/// A closure-taking call: the text, whether it certainly calls its closure (given the list's
/// length), and the parameters its closure takes.
struct Call {
    text: &'static str,
    calls_with: usize,
    params: &'static str,
}

const CALLS: [Call; 14] = [
    Call { text: "sort", calls_with: 2, params: "|x, y|" },
    Call { text: "order", calls_with: 2, params: "|x, y|" },
    Call { text: "dedup", calls_with: 2, params: "|x, y|" },
    Call { text: "reduce", calls_with: 1, params: "|x, y|" },
    Call { text: "map", calls_with: 1, params: "|x|" },
    Call { text: "filter", calls_with: 1, params: "|x|" },
    Call { text: "some", calls_with: 1, params: "|x|" },
    Call { text: "all", calls_with: 1, params: "|x|" },
    Call { text: "for_each", calls_with: 1, params: "|x|" },
    Call { text: "retain", calls_with: 1, params: "|x|" },
    Call { text: "drain", calls_with: 1, params: "|x|" },
    Call { text: "find", calls_with: 1, params: "|x|" },
    Call { text: "index_of", calls_with: 1, params: "|x|" },
    Call { text: "call", calls_with: 1, params: "|x, y|" },
];

/// Writes a closure body into `out`; returns whether it always fails when called.
fn body(bytes: &mut Bytes<'_>, depth: usize, out: &mut String) -> bool {
    match bytes.pick(if depth == 0 { 10 } else { 12 }) {
        0 => out.push_str("0"),
        1 => out.push_str("true"),
        2 => out.push_str("x"),
        3 => out.push_str("if obs.a { 1 } else { -1 }"),
        4 => out.push_str("matches(obs.t, \"pass\")"),
        5 => {
            out.push_str("throw \"no\"");
            return true;
        }
        6 => {
            out.push_str("{ loop { } }");
            return true;
        }
        7 => {
            out.push_str("{ let z = 0.0; 1.0 / z > 0.0 }");
            return true;
        }
        8 => {
            out.push_str("{ let s = obs.t; s > 5 }");
            return true;
        }
        9 => {
            out.push_str("x.no_such_method()");
            return true;
        }
        _ => {
            out.push_str("{ ");
            let fails = call(bytes, depth - 1, out);
            out.push_str("; 0 }");
            return fails;
        }
    }
    false
}

/// Writes a call on a fresh list into `out`; returns whether it certainly fails.
fn call(bytes: &mut Bytes<'_>, depth: usize, out: &mut String) -> bool {
    let c = &CALLS[bytes.pick(CALLS.len())];
    let len = bytes.pick(5);
    let items: Vec<String> = (0..len).map(|i| (bytes.pick(4) + i).to_string()).collect();
    let list = format!("[{}]", items.join(", "));
    let mut closure = format!("{} ", c.params);
    let fails = body(bytes, depth, &mut closure);
    if c.text == "call" {
        out.push_str(&format!("({closure}).call(1, 2)"));
        return fails;
    }
    out.push_str(&format!("{list}.{}({closure})", c.text));
    fails && len >= c.calls_with
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = Bytes(data);
    let mut script = String::from("let r = ");
    let fails = call(&mut bytes, 3, &mut script);
    script.push_str(";\ntrue");
    let mut manifest = String::from(HEAD);
    for line in script.lines() {
        manifest.push_str("      ");
        manifest.push_str(line);
        manifest.push('\n');
    }
    manifest.push_str(TAIL);
    let loaded = match load(&Sources::new().with("ruleset.yaml", manifest)) {
        Ok(loaded) => loaded,
        Err(d) => panic!("the generated script should load: {script}\n{d:?}"),
    };
    let case = json!({"a": true, "t": "they took my passport"});
    let report = herken_engine::screen(&loaded.rules, &case, &ScreenOptions::default())
        .expect("the fixed case fits");
    let indicator = &report.indicators[0];
    if let Some(e) = &indicator.error {
        assert!(e.code.as_str().starts_with("eval::"), "{}", e.code);
    }
    if fails {
        assert_eq!(indicator.state, State::Error, "{script}: {indicator:?}");
    }
});
