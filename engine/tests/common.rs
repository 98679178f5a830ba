//! Helpers shared by the integration tests.

use std::time::{Duration, Instant};

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

/// A small manifest, built in the layout the tests used to write out by hand: `HEAD`, the
/// `limits` line if any, the questions, one dimension `d`, the indicators (all in `d`, all
/// `strong`), `decision: [{id: otherwise, outcome: no_signals}]` and `OUTCOMES`.
///
/// ```text
/// manifest().question("a", "yesno").indicator("i", &[], "obs.a").build()
/// ```
#[derive(Default)]
pub struct Manifest {
    limits: String,
    questions: String,
    indicators: String,
}

pub fn manifest() -> Manifest {
    Manifest::default()
}

impl Manifest {
    /// `limits: {<limits>}` (YAML entries, e.g. `operations: 1000`).
    pub fn limits(mut self, limits: &str) -> Self {
        self.limits = format!("limits: {{{limits}}}\n");
        self
    }

    /// A question with the text `{en: <id>?, nl: <id>?}`.
    pub fn question(self, id: &str, kind: &str) -> Self {
        self.question_text(id, kind, &format!("{{en: {id}?, nl: {id}?}}"))
    }

    /// A question with `text` as written (a YAML mapping of languages).
    pub fn question_text(mut self, id: &str, kind: &str, text: &str) -> Self {
        self.questions += &format!("  - id: {id}\n    type: {kind}\n    text: {text}\n");
        self
    }

    /// An indicator whose `when:` is `when` as written on that line (a YAML scalar).
    pub fn indicator(mut self, id: &str, reads: &[&str], when: &str) -> Self {
        self.indicator_head(id, reads);
        self.indicators += &format!("    when: {when}\n");
        self
    }

    /// An indicator whose `when:` is `script` as a block (`when: |`), line by line.
    pub fn script(mut self, id: &str, reads: &[&str], script: &str) -> Self {
        self.indicator_head(id, reads);
        self.indicators += "    when: |\n";
        for line in script.lines() {
            self.indicators += &format!("      {line}\n");
        }
        self
    }

    fn indicator_head(&mut self, id: &str, reads: &[&str]) {
        self.indicators += &format!(
            "  - id: {id}\n    dimension: d\n    strength: strong\n    label: {{en: {id}, nl: {id}}}\n"
        );
        if !reads.is_empty() {
            self.indicators += &format!("    reads: [{}]\n", reads.join(", "));
        }
    }

    pub fn build(&self) -> String {
        let Self {
            limits,
            questions,
            indicators,
        } = self;
        format!(
            "{HEAD}{limits}questions:
{questions}dimensions:
  - id: d
    label: {{en: D, nl: D}}
indicators:
{indicators}decision:
  - {{id: otherwise, outcome: no_signals}}
{OUTCOMES}"
        )
    }
}

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

/// Runs `f` and says how long it took.
#[expect(
    clippy::disallowed_methods,
    reason = "the test, not the engine, measures how long a hostile script or rule set takes"
)]
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}
