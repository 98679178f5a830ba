//! `herken check`: every problem in one or more rule sets, at once — the set's own test cases
//! included — and, with `--explain-rule`, an example case that a decision rule decides.

use std::io::Write;

use herken_engine::{
    CaseResult, CompiledRuleSet, Diagnostic, State, codes, coverage_warnings, read_tests, run_tests,
};
use serde_json::json;

use crate::Format;
use crate::error::CliError;
use crate::render::json::CheckEntry;
use crate::render::{self, Escaping};
use crate::ruleset;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folders, bundle files (`*.bundle.json`) or bundled ids.
    #[arg(required = true)]
    rules: Vec<String>,
    /// Output format.
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json]), default_value = "human")]
    format: Format,
    /// Also print a case (answers) that the decision rule with this id decides.
    #[arg(long, value_name = "RULE")]
    explain_rule: Option<String>,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let trust = args.trust.policy()?;
    let mut total_errors = 0;
    let mut total_warnings = 0;
    let mut json = Vec::new();
    let mut explained = false;
    for spec in &args.rules {
        let files = ruleset::find(spec, &trust)?;
        let mut rules = None;
        let mut diagnostics: Vec<Diagnostic> = match files.load() {
            Ok(loaded) => {
                let mut d = loaded.warnings;
                match read_tests(&loaded.rules, &files.tests) {
                    Err(test_errors) => d.extend(test_errors),
                    Ok(cases) => {
                        let (results, coverage) = run_tests(&loaded.rules, cases);
                        d.extend(results.iter().filter_map(failure));
                        d.extend(coverage_warnings(&loaded.rules, &coverage));
                    }
                }
                rules = Some(loaded.rules);
                d
            }
            Err(Ok(d)) => d,
            Err(Err(refused)) => return Err(refused),
        };
        diagnostics.sort_by(|a, b| a.span.cmp(&b.span));
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        total_errors += errors;
        total_warnings += diagnostics.len() - errors;
        let example = match (&args.explain_rule, &rules) {
            (Some(id), Some(rules)) => {
                let e = example(rules, id);
                explained |= e.is_some();
                e
            }
            _ => None,
        };
        match args.format {
            Format::Human => {
                render::diagnostics(out, &files, &diagnostics)?;
                writeln!(
                    Escaping::new(out),
                    "{}: {errors} error{}, {} warning{}",
                    files.title(),
                    if errors == 1 { "" } else { "s" },
                    diagnostics.len() - errors,
                    if diagnostics.len() - errors == 1 {
                        ""
                    } else {
                        "s"
                    }
                )?;
                if let Some(example) = &example {
                    human_example(out, example)?;
                }
            }
            Format::Json | Format::Junit | Format::Markdown => {
                let mut entry = CheckEntry::of(&files.name, &files, &diagnostics);
                entry.example = example;
                json.push(serde_json::to_value(&entry).unwrap_or_default());
            }
        }
    }
    if args.format == Format::Json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        )?;
    }
    let _ = err;
    if total_errors > 0 {
        return Err(CliError::findings(format!(
            "{total_errors} error(s), {total_warnings} warning(s)"
        )));
    }
    if let Some(id) = &args.explain_rule
        && !explained
    {
        return Err(CliError::usage(format!(
            "no decision rule `{id}` in {}",
            args.rules.join(", ")
        )));
    }
    Ok(())
}

/// A failing test case as an error at the case: `check` runs the set's tests.
fn failure(result: &CaseResult) -> Option<Diagnostic> {
    let first = result.mismatches.first()?;
    let more = result.mismatches.len() - 1;
    let d = Diagnostic::error(
        codes::test::FAILED,
        result.case.span.clone(),
        format!(
            "test case `{}` fails: {}: expected {}, got {}",
            result.case.name, first.what, first.expected, first.actual
        ),
    );
    Some(d.with_help(if more == 0 {
        "`herken test` shows the actual result".to_owned()
    } else {
        format!(
            "and {more} more mismatch{}; `herken test` shows them all",
            if more == 1 { "" } else { "es" }
        )
    }))
}

/// The example for decision rule `id` of `rules`, as JSON, if the set has such a rule.
fn example(rules: &CompiledRuleSet, id: &str) -> Option<serde_json::Value> {
    let index = rules.decision().iter().position(|r| r.id() == id)?;
    let rule = &rules.decision()[index];
    let outcome = rules.outcomes().get(rule.outcome()).map(|o| o.id());
    let Some(example) = rules.example(index) else {
        return Some(json!({"rule": id, "outcome": outcome, "found": false}));
    };
    let in_state = |state: State| -> Vec<&str> {
        rules
            .indicators()
            .iter()
            .zip(&example.states)
            .filter(|(_, s)| **s == state)
            .map(|(i, _)| i.id())
            .collect()
    };
    Some(json!({
        "rule": id,
        "outcome": outcome,
        "found": true,
        "present": in_state(State::Present),
        "absent": in_state(State::Absent),
        "unknown": in_state(State::Unknown),
        "case": example.case,
    }))
}

fn human_example(out: &mut dyn Write, example: &serde_json::Value) -> std::io::Result<()> {
    let rule = example["rule"].as_str().unwrap_or_default();
    let outcome = example["outcome"].as_str().unwrap_or_default();
    if example["found"] != json!(true) {
        return writeln!(
            out,
            "\ndecision rule `{rule}` (outcome `{outcome}`): no example (the analysis could not settle it within its work limit)"
        );
    }
    let list = |key: &str| {
        let items: Vec<&str> = example[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
            .collect();
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    writeln!(
        out,
        "\ndecision rule `{rule}` (outcome `{outcome}`) decides a case with these indicators:"
    )?;
    writeln!(out, "  present: {}", list("present"))?;
    writeln!(out, "  absent: {}", list("absent"))?;
    writeln!(out, "  unknown (left unanswered): {}", list("unknown"))?;
    match example["case"].as_object() {
        Some(case) => {
            writeln!(
                out,
                "for example these answers (unanswered questions left out; screened to check):"
            )?;
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(case).unwrap_or_default()
            )
        }
        None => writeln!(
            out,
            "(no answers shown: a scripted condition among them cannot be inverted simply)"
        ),
    }
}
