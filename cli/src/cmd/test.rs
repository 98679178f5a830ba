//! `herken test`: run rule sets' own test cases, with coverage.

use std::io::Write;

use herken_engine::{CaseResult, Coverage, read_tests, run_tests};

use crate::error::CliError;
use crate::render::{self, Escaping};
use crate::ruleset;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

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
    #[arg(long, value_enum, default_value = "human")]
    format: TestFormat,
    /// Fail when coverage (indicator states and outcomes seen) is below this percentage.
    #[arg(long, value_name = "N")]
    min_coverage: Option<f64>,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let trust = args.trust.policy()?;
    let mut failed = 0usize;
    let mut low_coverage = Vec::new();
    let mut json = Vec::new();
    let mut suites = Vec::new();
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
        let rules = ruleset::compile(&files, err)?;
        let cases = match read_tests(&rules, &files.tests) {
            Ok(cases) => cases,
            Err(diagnostics) => {
                render::diagnostics(err, &files, &diagnostics)?;
                return Err(CliError::input(format!(
                    "the tests of `{}` cannot be read",
                    files.name
                )));
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
            TestFormat::Human => human(out, &files, &results, &coverage)?,
            TestFormat::Junit => suites.push(junit_suite(&files, &results)),
            TestFormat::Json => json.push(serde_json::json!({
                "ruleset": files.name,
                "passed": results.iter().filter(|r| r.passed()).count(),
                "failed": results.iter().filter(|r| !r.passed()).count(),
                "cases": results.iter().map(|r| serde_json::json!({
                    "name": r.case.name, "file": r.case.file, "line": r.case.span.line,
                    "passed": r.passed(), "mismatches": r.mismatches,
                })).collect::<Vec<_>>(),
                "coverage": {"percent": percent, "indicators": coverage.indicators, "outcomes": coverage.outcomes},
            })),
        }
    }
    match args.format {
        TestFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        )?,
        TestFormat::Junit => {
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
        TestFormat::Human => {}
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
            let present: Vec<&str> = report
                .indicators_in(herken_engine::State::Present)
                .collect();
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
    let mut missing = Vec::new();
    for id in &coverage.indicator_order {
        if let Some(seen) = coverage.indicators.get(id) {
            let states: Vec<&str> = ["present", "absent", "unknown"]
                .iter()
                .zip(seen)
                .filter(|(_, s)| !**s)
                .map(|(n, _)| *n)
                .collect();
            if !states.is_empty() {
                missing.push(format!("{id} (never {})", states.join("/")));
            }
        }
    }
    for id in &coverage.outcome_order {
        if coverage.outcomes.get(id).copied().unwrap_or(0) == 0 {
            missing.push(format!("outcome {id} (never produced)"));
        }
    }
    writeln!(out, "  coverage {:.1}%", coverage.percent())?;
    for m in missing {
        writeln!(out, "    not covered: {m}")?;
    }
    writeln!(out)
}

/// One `<testsuite>` per rule set: (xml, tests, failures).
fn junit_suite(files: &ruleset::RuleSetFiles, results: &[CaseResult]) -> (String, usize, usize) {
    let failures = results.iter().filter(|r| !r.passed()).count();
    let mut xml = format!(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
        escape(&files.name),
        results.len()
    );
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
