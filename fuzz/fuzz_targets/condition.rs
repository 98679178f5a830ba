//! Arbitrary Rhai as an indicator condition in a fixed rule set, evaluated in the sandbox
//! against a few fixed cases: every script ends in a state or an `eval::*` error.
#![no_main]

use herken_engine::{ScreenOptions, Sources, load};
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
  - {id: n, type: integer, min: 0, max: 168, text: {en: N, nl: N}}
  - {id: x, type: number, text: {en: X, nl: X}}
  - id: c
    type: choice
    text: {en: C, nl: C}
    options: [{id: farm, label: {en: F, nl: F}}, {id: shop, label: {en: S, nl: S}}]
  - id: cs
    type: choices
    text: {en: CS, nl: CS}
    options: [{id: passport, label: {en: P, nl: P}}, {id: card, label: {en: K, nl: K}}]
  - {id: t, type: text, text: {en: T, nl: T}}
dimensions:
  - {id: d, label: {en: D, nl: D}, positive: {at_least: 1}}
indicators:
  - id: fuzzed
    dimension: d
    strength: strong
    label: {en: F, nl: F}
    reads: [a, n, x, c, cs, t]
    when: |
";

const TAIL: &str = "decision:
  - {id: any, outcome: signals, when: present_count() > 0}
  - {id: otherwise, outcome: none}
outcomes:
  - {id: none, label: {en: None, nl: Geen}, advice: {en: Help is there., nl: Hulp is er.}}
  - {id: signals, label: {en: Signals, nl: Signalen}, advice: {en: Consult., nl: Overleg.}}
";

fuzz_target!(|data: &[u8]| {
    let script = String::from_utf8_lossy(data);
    // YAML forbids most control characters; keep the script's shape, not those bytes.
    let script: String = script
        .chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    let mut manifest = String::from(HEAD);
    for line in script.lines() {
        manifest.push_str("      ");
        manifest.push_str(line);
        manifest.push('\n');
    }
    if script.trim().is_empty() {
        manifest.push_str("      true\n");
    }
    manifest.push_str(TAIL);
    let Ok(loaded) = load(&Sources::new().with("ruleset.yaml", manifest)) else {
        return;
    };
    let rules = loaded.rules;
    for case in [
        json!({}),
        json!({"a": true, "n": 72, "x": 2.5, "c": "farm", "cs": ["passport"], "t": "they took my passport"}),
        json!({"a": false, "n": 0, "x": -1e300, "c": "shop", "cs": [], "t": ""}),
    ] {
        let report = herken_engine::screen(&rules, &case, &ScreenOptions::default())
            .expect("the fixed cases fit the questions");
        let indicator = &report.indicators[0];
        if indicator.state == herken_engine::State::Error {
            let code = &indicator.error.as_ref().expect("an error says why").code;
            assert_eq!(code.stage(), "eval", "{code}");
        }
    }
});
