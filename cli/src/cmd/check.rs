//! `herken check`: every problem in one or more rule sets, at once.

use std::io::Write;

use herken_engine::{Diagnostic, coverage_warnings, read_tests, run_tests};

use crate::Format;
use crate::error::CliError;
use crate::render::{self, Escaping};
use crate::ruleset;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folders, bundle files (`*.bundle.json`) or bundled ids.
    #[arg(required = true)]
    rules: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let trust = args.trust.policy()?;
    let mut total_errors = 0;
    let mut total_warnings = 0;
    let mut json = Vec::new();
    for spec in &args.rules {
        let files = ruleset::find(spec, &trust)?;
        let mut diagnostics: Vec<Diagnostic> = match files.load() {
            Ok(loaded) => {
                let mut d = loaded.warnings;
                match read_tests(&loaded.rules, &files.tests) {
                    Err(test_errors) => d.extend(test_errors),
                    Ok(cases) => {
                        let (_, coverage) = run_tests(&loaded.rules, cases);
                        d.extend(coverage_warnings(&loaded.rules, &coverage));
                    }
                }
                d
            }
            Err(Ok(d)) => d,
            Err(Err(refused)) => return Err(refused),
        };
        diagnostics.sort_by(|a, b| a.span.cmp(&b.span));
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        total_errors += errors;
        total_warnings += diagnostics.len() - errors;
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
            }
            Format::Json => {
                let items: Vec<_> = diagnostics
                    .iter()
                    .map(|d| {
                        let mut v = serde_json::to_value(d).unwrap_or_default();
                        v["path"] = files.display_path(&d.span.file).into();
                        v
                    })
                    .collect();
                json.push(serde_json::json!({"ruleset": files.name, "diagnostics": items}));
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
    Ok(())
}
