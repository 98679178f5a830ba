#![doc = include_str!("../README.md")]
//!
//! # The pipeline
//!
//! Data flows one way, and the modules are layered the same way (each uses only those below
//! it):
//!
//! 1. **Sources** ([`Sources`]): the text of a rule set's files, passed in by the caller; the
//!    engine never reads files.
//! 2. **Load** ([`load`]): YAML read into a positioned tree (`yaml`), then into the manifest
//!    as written (`manifest`), every problem collected with its file, line and column.
//! 3. **Compile** (`compile`): named passes check ids and references, parse every condition
//!    with the sandboxed Rhai engine (`sandbox`), compile the common shapes natively
//!    (`cond`), and run the lints (`lint`). The result is the compiled model (`model`): a
//!    [`CompiledRuleSet`], immutable and shared between threads.
//! 4. **Read a case** (`observation`, `answer`): answers by question id, read by an explicit
//!    [`AnswerPolicy`] and checked against the questions, into [`Observations`].
//! 5. **Evaluate** (`evaluate`): indicator states, then the decision (`decide`): which
//!    dimensions are positive and by which clause, which rule holds, what could still change
//!    it.
//! 6. **Report** (`report`, `report_json`): the [`Report`], the one JSON answer the CLI and
//!    the WASM module give; or the lean [`CompactResult`] for batches.
//!
//! Around it: `form` (what a form needs to ask the questions), `xpath` (`ask_if` as XLSForm),
//! `testcase` (a set's own tests), `bundle` (one-file rule sets), and [`codes`] (every
//! diagnostic and error code, documented).

#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(
    not(feature = "rhai"),
    allow(
        dead_code,
        unused_imports,
        reason = "without Rhai, what only loading rule files uses (limits, checks, analysis of conditions) stays unused"
    )
)]

mod analysis;
mod answer;
mod bundle;
#[cfg(feature = "rhai")]
mod claims;
pub mod codes;
#[cfg(feature = "rhai")]
mod compile;
mod compiled;
mod cond;
mod decide;
mod diagnostic;
mod evaluate;
mod form;
mod guide;
mod json_text;
#[cfg(feature = "rhai")]
mod lint;
mod manifest;
mod model;
mod observation;
mod report;
mod report_json;
mod report_write;
#[cfg(feature = "scripts")]
mod sandbox;
/// Without Rhai there are no scripts to meter: screening runs its closures as they are.
#[cfg(not(feature = "scripts"))]
mod sandbox {
    pub(crate) fn screen_case<T>(f: impl FnOnce() -> T) -> T {
        f()
    }
}
mod scope;
mod sort;
mod sources;
#[cfg(feature = "rhai")]
mod testcase;
mod value;
mod xpath;
#[cfg(feature = "rhai")]
mod yaml;

#[cfg(feature = "rhai")]
pub use analysis::Example;
pub use analysis::{Reachability, RuleReach};
pub use answer::{
    AnswerError, AnswerErrorKind, AnswerPolicy, AnswerSeed, CheckedValue, MAX_TEXT_ANSWER,
    RawAnswer,
};
pub use bundle::{
    BUNDLE_FORMAT, BUNDLE_FORMAT_COMPILED, Bundle, BundleError, BundleSignature, KeyError,
    OpenedBundle, PublicKey, SecretKey, SignatureState, SignedClaims, TrustPolicy,
};
pub use codes::{Code, CodeDoc};
#[cfg(feature = "rhai")]
pub use compile::{LoadOptions, Loaded, load, load_with};
pub use compiled::COMPILED_FORMAT;
pub use diagnostic::{Diagnostic, Severity, Span};
pub use evaluate::{CompactResult, ENGINE, ScreenOptions};
pub use form::{
    Form, FormDimension, FormExploitation, FormGroup, FormGuidance, FormOption, FormOutcome,
    FormPopulation, FormQuestion, FormRuleSet,
};
pub use guide::{
    GuidedOutcome, GuidedQuestion, GuidedStep, GuidedTop, InterviewStep, SimulatedInterview,
    TopStatus,
};
pub use json_text::json_problem;
#[cfg(feature = "rhai")]
pub use lint::coverage as coverage_warnings;
pub use manifest::{
    Audience, Basis, ChoiceOption, ExploitationForm, Group, GuidanceItem, Limits, Outcome,
    Population, PositiveRule, Provenance, QuestionType, Source, Status, Strength, Text,
    Translation, TranslationScope, TranslationStatus,
};
pub use model::{CompiledRuleSet, DecisionRule, Dimension, Indicator, Question};
pub use observation::{
    CaseTextError, NotPlain, ObservationError, ObservationOptions, Observations, PlainObject,
    PlainValue,
};
pub use report::{
    Clause, DimensionReport, EvalError, IndicatorReport, NextQuestion, OutcomeReport, Reads,
    Report, ReportDiagnostic, RuleSetRef, State, States, Str, StrengthCounts,
};
pub use sources::{MANIFEST_FILE, Sources};
#[cfg(feature = "rhai")]
pub use testcase::{CaseResult, Coverage, Expectations, Mismatch, TestCase, read_tests, run_tests};
pub use value::Value;

/// Screens a JSON case against a rule set in one call.
///
/// # Errors
/// The problems with the case (each naming its field) when it does not fit the questions.
pub fn screen<'r>(
    rules: &'r CompiledRuleSet,
    case: &serde_json::Value,
    options: &ScreenOptions,
) -> Result<Report<'r>, Vec<ObservationError>> {
    let obs = rules.observations(case)?;
    Ok(rules.evaluate(&obs, options))
}

#[cfg(test)]
fn assert_send_sync<T: Send + Sync>() {}

#[cfg(test)]
#[test]
fn compiled_rule_sets_are_shareable() {
    assert_send_sync::<CompiledRuleSet>();
}
