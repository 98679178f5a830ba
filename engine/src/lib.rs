#![doc = include_str!("../README.md")]

mod bundle;
mod claims;
mod codes;
mod compile;
mod cond;
mod diagnostic;
mod evaluate;
mod form;
mod manifest;
mod observation;
mod report;
mod report_json;
mod sandbox;
mod testcase;
mod xpath;
mod yaml;

pub use bundle::{
    BUNDLE_FORMAT, Bundle, BundleError, BundleSignature, KeyError, OpenedBundle, PublicKey,
    SecretKey, SignatureState, SignedClaims, TrustPolicy,
};
pub use codes::{CODES, CodeDoc, explain};
pub use compile::{
    CompiledRuleSet, Condition, Dimension, Group, Indicator, LoadOptions, Loaded, MANIFEST_FILE,
    Outcome, Question, SourceRef, Sources, load, load_with,
};
pub use cond::Value;
pub use diagnostic::{Diagnostic, Severity, Span};
pub use evaluate::{CompactResult, ENGINE, Evaluation, ScreenOptions};
pub use form::{
    Form, FormDimension, FormGroup, FormOption, FormOutcome, FormQuestion, FormRuleSet,
};
pub use manifest::{
    Basis, ChoiceOption, Limits, PositiveRule, Provenance, QuestionType, Status, Strength, Text,
};
pub use observation::{
    CaseTextError, CheckedValue, ObservationError, ObservationOptions, Observations,
};
pub use report::{
    DimensionReport, EvalError, IndicatorReport, NextQuestion, OutcomeReport, Reads, Report,
    ReportDiagnostic, RuleSetRef, State, Str, StrengthCounts,
};

pub use testcase::{CaseResult, Coverage, Expectations, Mismatch, TestCase, read_tests, run_tests};

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
