//! The JSON answers of `herken list`, `check` and `test`, typed: each field is named once,
//! here, and documented in the README. Every command that can answer for several rule sets
//! writes a list, one entry per set, whatever their number.

use std::borrow::Cow;

use herken_engine::{CaseResult, CompiledRuleSet, Diagnostic, Mismatch, RuleSetRef};
use serde::Serialize;

use super::Files;

/// Which rule set: `id`, `version`, `status` and `sha256`, the same fields as every report's
/// `ruleset` (and the WASM module's `info()`).
pub fn ruleset_ref(rules: &CompiledRuleSet) -> RuleSetRef<'_> {
    RuleSetRef {
        id: Cow::Borrowed(rules.id()),
        version: Cow::Borrowed(rules.version()),
        status: rules.status(),
        sha256: Cow::Borrowed(rules.sha256()),
    }
}

/// `herken list --format json`: one bundled rule set.
#[derive(Debug, Serialize)]
pub struct ListEntry<'a> {
    /// `id`, `version`, `status`, `sha256`.
    #[serde(flatten)]
    pub ruleset: RuleSetRef<'a>,
    /// The title in English.
    pub title: &'a str,
    /// How many indicators it has.
    pub indicators: usize,
    /// How many questions it asks.
    pub questions: usize,
}

impl<'a> ListEntry<'a> {
    /// The entry of a compiled rule set.
    pub fn of(rules: &'a CompiledRuleSet) -> Self {
        Self {
            ruleset: ruleset_ref(rules),
            title: rules.title().get("en", rules.languages()),
            indicators: rules.indicators().len(),
            questions: rules.questions().len(),
        }
    }
}

/// `herken check --format json`: the problems of one rule set.
#[derive(Debug, Serialize)]
pub struct CheckEntry<'a> {
    /// The rule set as the user named it (a folder or a bundled id).
    pub ruleset: &'a str,
    /// Every problem, in file order.
    pub diagnostics: Vec<DiagnosticEntry<'a>>,
    /// With `--explain-rule`: a case the rule decides (or why none was found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
}

impl<'a> CheckEntry<'a> {
    /// The entry of one rule set (`ruleset`: as the user named it) and its diagnostics.
    pub fn of(ruleset: &'a str, files: &dyn Files, diagnostics: &'a [Diagnostic]) -> Self {
        Self {
            ruleset,
            diagnostics: diagnostics
                .iter()
                .map(|diagnostic| DiagnosticEntry {
                    diagnostic,
                    path: files.display_path(&diagnostic.span.file),
                })
                .collect(),
            example: None,
        }
    }
}

/// A diagnostic as the engine serialises it, with the path to show for its file.
#[derive(Debug, Serialize)]
pub struct DiagnosticEntry<'a> {
    /// `severity`, `code`, `message`, `span`, `help`.
    #[serde(flatten)]
    pub diagnostic: &'a Diagnostic,
    /// The file's path as the user would open it.
    pub path: String,
}

/// `herken test --format json`: one rule set's cases and coverage.
#[derive(Debug, Serialize)]
pub struct TestEntry<'a> {
    /// The rule set as the user named it.
    pub ruleset: &'a str,
    /// How many cases passed.
    pub passed: usize,
    /// How many failed.
    pub failed: usize,
    /// Each case that ran.
    pub cases: Vec<TestCaseEntry<'a>>,
    /// What the cases covered (labelled per indicator, outcome, rule and clause).
    pub coverage: serde_json::Value,
}

/// One test case's result.
#[derive(Debug, Serialize)]
pub struct TestCaseEntry<'a> {
    /// Its name.
    pub name: &'a str,
    /// The test file it is in.
    pub file: &'a str,
    /// Its line there.
    pub line: u32,
    /// Whether every expectation held.
    pub passed: bool,
    /// What differed, when it failed.
    pub mismatches: &'a [Mismatch],
}

impl<'a> TestEntry<'a> {
    /// The entry of one rule set's results; `coverage` as `herken test` labels it.
    pub fn of(
        ruleset: &'a str,
        results: &'a [CaseResult<'_>],
        coverage: serde_json::Value,
    ) -> Self {
        let passed = results.iter().filter(|r| r.passed()).count();
        Self {
            ruleset,
            passed,
            failed: results.len() - passed,
            cases: results
                .iter()
                .map(|r| TestCaseEntry {
                    name: &r.case.name,
                    file: &r.case.file,
                    line: r.case.span.line,
                    passed: r.passed(),
                    mismatches: &r.mismatches,
                })
                .collect(),
            coverage,
        }
    }
}
