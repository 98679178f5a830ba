//! Helpers shared by the integration tests.

use herken_engine::{CompiledRuleSet, Diagnostic, Report, ScreenOptions, Sources, load, screen};

/// A minimal valid manifest head; tests append questions, dimensions, indicators, decision
/// and outcomes.
pub const HEAD: &str = "format: 1
id: test-set
version: 1.0.0
status: draft
title: {en: Test, nl: Test}
licence: CC0-1.0
languages: [en, nl]
";

pub const OUTCOMES: &str = "outcomes:
  - id: no_signals
    label: {en: No signals, nl: Geen signalen}
    advice: {en: No signals is not proof of absence., nl: Geen signalen is geen bewijs.}
  - id: signals_present
    label: {en: Signals present, nl: Signalen aanwezig}
    advice: {en: Consult., nl: Overleg.}
  - id: possible_victim
    label: {en: Possible victim, nl: Mogelijk slachtoffer}
    advice: {en: Refer., nl: Verwijs door.}
";

pub fn load_ok(manifest: &str) -> CompiledRuleSet {
    match load(&Sources::new().with("ruleset.yaml", manifest)) {
        Ok(loaded) => loaded.rules,
        Err(d) => panic!("rule set should load:\n{}", render(&d)),
    }
}

pub fn load_err(manifest: &str) -> Vec<Diagnostic> {
    match load(&Sources::new().with("ruleset.yaml", manifest)) {
        Ok(_) => panic!("rule set should not load"),
        Err(d) => d,
    }
}

pub fn render(d: &[Diagnostic]) -> String {
    d.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Screens `case`; the report owns its texts, so it may outlive `rules`.
pub fn run(rules: &CompiledRuleSet, case: serde_json::Value) -> Report<'static> {
    let options = ScreenOptions {
        language: "en".into(),
        next_questions: true,
    };
    screen(rules, &case, &options)
        .expect("valid case")
        .into_owned()
}

pub fn state<'a>(report: &'a Report<'_>, indicator: &str) -> &'a str {
    report
        .indicators
        .iter()
        .find(|i| i.id == indicator)
        .map_or("missing", |i| i.state.as_str())
}
