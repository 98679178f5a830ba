//! `herken test`: run rule sets' own test cases, with coverage.

use std::io::Write;

use herken_engine::{CaseResult, CompiledRuleSet, Coverage, State, read_tests, run_tests};

use crate::Format;
use crate::error::CliError;
use crate::render::json::TestEntry;
use crate::render::{self, Escaping};
use crate::ruleset;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folders, bundle files (`*.bundle.json`) or bundled ids.
    #[arg(required = true)]
    rules: Vec<String>,
    /// Run the test cases (`*.yaml`) in this folder instead of the sets' own `tests/` (a
    /// bundle carries no tests: give them here).
    #[arg(long, value_name = "FOLDER")]
    tests: Option<std::path::PathBuf>,
    /// Run only cases whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Output format.
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json, Format::Junit]), default_value = "human")]
    format: Format,
    /// Fail when coverage (indicator states, outcomes, decision rules and dimension-rule
    /// clauses seen) is below this percentage, from 0 to 100.
    #[arg(long, value_name = "N", value_parser = percentage)]
    min_coverage: Option<f64>,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

fn percentage(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err("must be a percentage from 0 to 100".into()),
    }
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let trust = args.trust.policy()?;
    let mut failed = 0usize;
    let mut low_coverage = Vec::new();
    let mut json = Vec::new();
    let mut suites = Vec::new();
    let mut unusable = Vec::new();
    for spec in &args.rules {
        let mut files = ruleset::find(spec, &trust)?;
        if let Some(dir) = &args.tests {
            if !dir.is_dir() {
                return Err(CliError::usage(format!(
                    "`--tests {}`: not a folder of test cases",
                    dir.display()
                )));
            }
            files.tests = ruleset::read_tests_dir(dir)?;
            files.tests_dir = Some(dir.clone());
        } else if files.bundle.is_some() {
            return Err(CliError::usage(format!(
                "`{spec}` is a bundle, and a bundle carries no test cases: give them with `--tests FOLDER` (the set's `tests/` folder)"
            )));
        }
        // JUnit readers take silence for success: a set that cannot run is a failing suite.
        let junit = args.format == Format::Junit;
        let rules = match ruleset::compile(&files, err) {
            Ok(rules) => rules,
            Err(e) if junit => {
                suites.push(unusable_suite(&files, "load", &e.message));
                unusable.push(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let cases = match read_tests(&rules, &files.tests) {
            Ok(cases) => cases,
            Err(diagnostics) => {
                render::diagnostics(err, &files, &diagnostics)?;
                let e = CliError::input(format!("the tests of `{}` cannot be read", files.name));
                if junit {
                    let mut text = Vec::new();
                    render::diagnostics(&mut text, &files, &diagnostics)?;
                    suites.push(unusable_suite(
                        &files,
                        "tests",
                        &String::from_utf8_lossy(&text),
                    ));
                    unusable.push(e);
                    continue;
                }
                return Err(e);
            }
        };
        let cases: Vec<_> = cases
            .into_iter()
            .filter(|c| {
                args.filter
                    .as_ref()
                    .is_none_or(|f| c.name.contains(f.as_str()))
            })
            .collect();
        let (results, coverage) = run_tests(&rules, cases);
        failed += results.iter().filter(|r| !r.passed()).count();
        let percent = coverage.percent();
        if args.min_coverage.is_some_and(|min| percent < min) {
            low_coverage.push(format!("{}: {percent:.1}%", files.name));
        }
        match args.format {
            Format::Human | Format::Markdown => human(out, &files, &results, &coverage)?,
            Format::Junit => {
                suites.push(junit_suite(&files, &results, &coverage, args.min_coverage))
            }
            Format::Json => json.push(
                serde_json::to_value(TestEntry::of(
                    &files.name,
                    &results,
                    coverage_json(&rules, &coverage),
                ))
                .unwrap_or_default(),
            ),
        }
    }
    match args.format {
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        )?,
        Format::Junit => {
            let tests: usize = suites.iter().map(|s| s.1).sum();
            let failures: usize = suites.iter().map(|s| s.2).sum();
            writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
            writeln!(
                out,
                "<testsuites name=\"herken\" tests=\"{tests}\" failures=\"{failures}\">"
            )?;
            for (xml, ..) in &suites {
                out.write_all(xml.as_bytes())?;
            }
            writeln!(out, "</testsuites>")?;
        }
        Format::Human | Format::Markdown => {}
    }
    if let Some(e) = unusable.into_iter().next() {
        return Err(e);
    }
    if failed > 0 {
        return Err(CliError::findings(format!("{failed} test case(s) failed")));
    }
    if !low_coverage.is_empty() {
        return Err(CliError::findings(format!(
            "coverage below {}%: {}",
            args.min_coverage.unwrap_or_default(),
            low_coverage.join(", ")
        )));
    }
    Ok(())
}

fn human(
    out: &mut dyn Write,
    files: &ruleset::RuleSetFiles,
    results: &[CaseResult],
    coverage: &Coverage,
) -> std::io::Result<()> {
    // Rule-set and case text reach the terminal: escaped, never obeyed.
    let mut out = Escaping::new(out);
    let out: &mut dyn Write = &mut out;
    writeln!(out, "{}", files.title())?;
    for r in results {
        let place = format!("{}:{}", files.display_path(&r.case.file), r.case.span.line);
        if r.passed() {
            writeln!(out, "  ok    {}", r.case.name)?;
            continue;
        }
        writeln!(out, "  FAIL  {}  ({place})", r.case.name)?;
        for m in &r.mismatches {
            writeln!(
                out,
                "        {}: expected {}, got {}",
                m.what, m.expected, m.actual
            )?;
        }
        if let Some(report) = &r.report {
            let present: Vec<&str> = report.indicators_in(State::Present).collect();
            let positive: Vec<&str> = report
                .dimensions
                .iter()
                .filter(|d| d.positive)
                .map(|d| d.id.as_ref())
                .collect();
            writeln!(
                out,
                "        actual: outcome {} (rule {}), positive dimensions [{}], present [{}]",
                report.outcome.id,
                report.outcome.decided_by,
                positive.join(", "),
                present.join(", ")
            )?;
        }
    }
    let passed = results.iter().filter(|r| r.passed()).count();
    writeln!(out, "  {passed} passed, {} failed", results.len() - passed)?;
    let tally = Tally::of(coverage);
    writeln!(
        out,
        "  coverage {:.1}%: indicator states {}, outcomes {}, decision rules {}, dimension-rule clauses {}",
        coverage.percent(),
        tally.states,
        tally.outcomes,
        tally.rules,
        tally.clauses
    )?;
    for m in not_covered(coverage) {
        writeln!(out, "    not covered: {m}")?;
    }
    writeln!(out)
}

/// Seen and total, per kind of thing coverage counts.
struct Tally {
    states: Fraction,
    outcomes: Fraction,
    rules: Fraction,
    clauses: Fraction,
}

struct Fraction(usize, usize);

impl std::fmt::Display for Fraction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

impl Tally {
    fn of(c: &Coverage) -> Tally {
        let count = |seen: usize, total: usize| Fraction(seen, total);
        let clauses = || c.clauses.values().flatten();
        Tally {
            states: count(
                c.indicators.values().flatten().filter(|b| **b).count(),
                c.indicators.len() * 3,
            ),
            outcomes: count(
                c.outcomes.values().filter(|n| **n > 0).count(),
                c.outcomes.len(),
            ),
            rules: count(c.rules.values().filter(|n| **n > 0).count(), c.rules.len()),
            clauses: count(clauses().filter(|(_, n)| *n > 0).count(), clauses().count()),
        }
    }
}

/// What no case exercised, one line each, in rule-set order.
fn not_covered(coverage: &Coverage) -> Vec<String> {
    let mut missing = Vec::new();
    for id in &coverage.indicator_order {
        let states: Vec<&str> = coverage.unseen(id).into_iter().map(State::as_str).collect();
        if !states.is_empty() {
            missing.push(format!("indicator {id} (never {})", states.join("/")));
        }
    }
    for id in &coverage.outcome_order {
        if coverage.outcomes.get(id).copied().unwrap_or(0) == 0 {
            missing.push(format!("outcome {id} (never produced)"));
        }
    }
    for id in &coverage.rule_order {
        if coverage.rules.get(id).copied().unwrap_or(0) == 0 {
            missing.push(format!("decision rule {id} (never decided a case)"));
        }
    }
    for id in &coverage.dimension_order {
        for (clause, n) in coverage.clauses.get(id).into_iter().flatten() {
            if *n == 0 {
                missing.push(format!(
                    "dimension {id}, clause {} (never made it positive)",
                    clause.id()
                ));
            }
        }
    }
    missing
}

/// Coverage as JSON: every entry names its indicator, outcome, rule or dimension.
fn coverage_json(rules: &CompiledRuleSet, c: &Coverage) -> serde_json::Value {
    let tally = Tally::of(c);
    let part = |f: &Fraction| serde_json::json!({"seen": f.0, "total": f.1});
    serde_json::json!({
        "percent": c.percent(),
        "summary": {
            "indicator_states": part(&tally.states),
            "outcomes": part(&tally.outcomes),
            "rules": part(&tally.rules),
            "clauses": part(&tally.clauses),
        },
        "indicators": c.indicator_order.iter().map(|id| {
            let seen = c.indicators.get(id).copied().unwrap_or_default();
            serde_json::json!({
                "indicator": id, "present": seen[0], "absent": seen[1], "unknown": seen[2],
            })
        }).collect::<Vec<_>>(),
        "outcomes": c.outcome_order.iter().map(|id| serde_json::json!({
            "outcome": id, "cases": c.outcomes.get(id).copied().unwrap_or(0),
        })).collect::<Vec<_>>(),
        "rules": c.rule_order.iter().zip(rules.decision()).map(|(id, rule)| serde_json::json!({
            "rule": id,
            "outcome": rules.outcomes().get(rule.outcome()).map(|o| o.id()),
            "cases": c.rules.get(id).copied().unwrap_or(0),
        })).collect::<Vec<_>>(),
        "clauses": c.dimension_order.iter().flat_map(|id| {
            c.clauses.get(id).into_iter().flatten().map(move |(clause, n)| serde_json::json!({
                "dimension": id, "clause": clause.id(), "cases": n,
            }))
        }).collect::<Vec<_>>(),
    })
}

/// A suite with one failing case, for a set whose tests cannot run at all.
fn unusable_suite(
    files: &ruleset::RuleSetFiles,
    what: &str,
    message: &str,
) -> (String, usize, usize) {
    let text = format!(
        "  <testsuite name=\"{name}\" tests=\"1\" failures=\"1\">\n    <testcase name=\"{what}\" classname=\"{name}\">\n      <failure message=\"{summary}\">{message}</failure>\n    </testcase>\n  </testsuite>\n",
        name = escape(&files.name),
        what = escape(what),
        summary = escape(message.lines().next().unwrap_or("cannot run")),
        message = escape(message),
    );
    (text, 1, 1)
}

/// One `<testsuite>` per rule set: (xml, tests, failures). Coverage is a property and, with
/// `--min-coverage`, a test case of its own.
fn junit_suite(
    files: &ruleset::RuleSetFiles,
    results: &[CaseResult],
    coverage: &Coverage,
    min_coverage: Option<f64>,
) -> (String, usize, usize) {
    let percent = coverage.percent();
    let low = min_coverage.is_some_and(|min| percent < min);
    let failures = results.iter().filter(|r| !r.passed()).count() + usize::from(low);
    let tests = results.len() + usize::from(min_coverage.is_some());
    let mut xml = format!(
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\">\n",
        escape(&files.name),
    );
    let tally = Tally::of(coverage);
    xml.push_str("    <properties>\n");
    for (name, value) in [
        ("coverage", format!("{percent:.1}")),
        ("coverage.indicator_states", tally.states.to_string()),
        ("coverage.outcomes", tally.outcomes.to_string()),
        ("coverage.rules", tally.rules.to_string()),
        ("coverage.clauses", tally.clauses.to_string()),
    ] {
        xml.push_str(&format!(
            "      <property name=\"{name}\" value=\"{}\"/>\n",
            escape(&value)
        ));
    }
    xml.push_str("    </properties>\n");
    if let Some(min) = min_coverage {
        xml.push_str(&format!(
            "    <testcase name=\"coverage\" classname=\"{}\"",
            escape(&files.name)
        ));
        if low {
            xml.push_str(&format!(
                ">\n      <failure message=\"coverage {percent:.1}% is below {min}%\">{}</failure>\n    </testcase>\n",
                escape(&not_covered(coverage).join("\n"))
            ));
        } else {
            xml.push_str("/>\n");
        }
    }
    for r in results {
        let class = format!(
            "{}.{}",
            files.name,
            r.case
                .file
                .trim_start_matches("tests/")
                .trim_end_matches(".yaml")
        );
        xml.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"{}\"",
            escape(&r.case.name),
            escape(&class)
        ));
        if r.passed() {
            xml.push_str("/>\n");
            continue;
        }
        let summary: Vec<String> = r
            .mismatches
            .iter()
            .map(|m| format!("{}: expected {}, got {}", m.what, m.expected, m.actual))
            .collect();
        xml.push_str(">\n");
        xml.push_str(&format!(
            "      <failure message=\"{}\">{}:{}\n{}</failure>\n",
            escape(summary.first().map_or("failed", String::as_str)),
            escape(&files.display_path(&r.case.file)),
            r.case.span.line,
            escape(&summary.join("\n"))
        ));
        xml.push_str("    </testcase>\n");
    }
    xml.push_str("  </testsuite>\n");
    (xml, results.len(), failures)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
