//! `herken screen`: one case against one or more rule sets.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use herken_engine::{
    AnswerPolicy, CaseTextError, ObservationOptions, Report, ScreenOptions, json_problem,
};

use crate::Format;
use crate::error::CliError;
use crate::render::{Escaping, explain_tree, report};
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case: a JSON file of answers by question id, or `-` for standard input.
    #[arg(default_value = "-")]
    case: String,
    /// Rule-set folders, bundle files (`*.bundle.json`) or bundled ids, comma-separated.
    #[arg(long, short, value_delimiter = ',', default_value = DEFAULT_RULES)]
    rules: Vec<String>,
    /// Output format: a readable summary, or JSON: a list with one report per rule set.
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json]), default_value = "human")]
    format: Format,
    /// Language of labels and advice: one the rule sets are written in.
    #[arg(long, default_value = "nl")]
    lang: String,
    /// Show why: outcome ← decision rule ← positive dimensions ← present indicators ← answers.
    #[arg(long)]
    explain: bool,
    /// A guided interview: one question at a time, the one that brings the highest outcome
    /// closest to decided. Readable: an interview on the terminal (answers from standard
    /// input; the case file, if given, holds the answers so far). With `--format json`: the
    /// next step for the case.
    #[arg(long)]
    guided: bool,
    /// With `--guided --format json`: the questions asked so far that have no answer in the
    /// case (asked, not known), comma-separated ids.
    #[arg(long, value_delimiter = ',', requires = "guided")]
    asked: Vec<String>,
    /// With `--guided` on the terminal: write the answers to this file at the end, as a case
    /// (a question asked and not known as `null`), to go on later with `--guided FILE`.
    #[arg(long, requires = "guided")]
    save: Option<String>,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    if args.guided && args.explain {
        return Err(CliError::usage(
            "`--explain` is for one screening, not a guided interview",
        ));
    }
    let trust = args.trust.policy()?;
    if args.guided && args.format == Format::Human {
        return interview(args, &trust, out, err);
    }
    if args.save.is_some() {
        return Err(CliError::usage(
            "`--save` is for the guided interview on the terminal (without `--format json`)",
        ));
    }
    let text = if args.case == "-" {
        if std::io::stdin().is_terminal() {
            // Nobody may be typing: say what is awaited instead of waiting silently.
            writeln!(
                err,
                "herken: reading a case (a JSON object of answers) from standard input; end it with Ctrl-D, or give a file: herken screen case.json"
            )?;
        }
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            CliError::input(format!("cannot read the case from standard input: {e}"))
        })?;
        s
    } else {
        let path = Path::new(&args.case);
        if path.is_dir() {
            return Err(CliError::input(format!(
                "`{}` is a folder; give a JSON case file",
                args.case
            )));
        }
        ruleset::read_text(path)?
    };
    let name = if args.case == "-" {
        "<stdin>"
    } else {
        args.case.as_str()
    };
    if text.trim().is_empty() {
        return Err(CliError::input(format!(
            "{name}: no case: the input is empty (a case is a JSON object of answers by question id)"
        )));
    }
    let mut sets = Vec::new();
    for spec in &args.rules {
        let rules = ruleset::open(spec, &trust, err)?;
        super::check_language(&rules, &args.lang)?;
        sets.push(rules);
    }
    // One intake may answer several sets: a key is only unknown if no set asks it.
    let several = sets.len() > 1;
    let read_options = ObservationOptions {
        allow_unknown_keys: several,
        policy: AnswerPolicy::CASE,
    };
    let mut answers = Vec::new();
    for rules in &sets {
        let obs = rules
            .observations_from_str(&text, read_options)
            .map_err(|e| match e {
                CaseTextError::Json(e) => CliError::input(format!(
                    "{name}:{}:{}: invalid JSON: {}",
                    e.line(),
                    e.column(),
                    json_problem(&e)
                )),
                CaseTextError::Answers(errors) => {
                    let lines: Vec<String> =
                        errors.iter().map(|e| format!("{name}: {e}")).collect();
                    CliError::input(lines.join("\n"))
                }
            })?;
        answers.push(obs);
    }
    if several
        && let Some(k) = answers[0]
            .other_keys()
            .find(|k| answers.iter().all(|obs| obs.other_keys().any(|o| o == *k)))
    {
        return Err(CliError::input(format!(
            "{name}: field `{k}` is not a question of any of the rule sets"
        )));
    }
    if args.guided {
        crate::cmd::guided::check_asked(&sets, &args.asked)?;
        writeln!(
            out,
            "{}",
            crate::cmd::guided::steps_json(&sets, &answers, &args.asked, &args.lang)
        )?;
        return Ok(());
    }
    let options = ScreenOptions {
        language: args.lang.clone(),
        next_questions: true,
    };
    let reports: Vec<Report> = sets
        .iter()
        .zip(&answers)
        .map(|(rules, obs)| rules.evaluate(obs, &options))
        .collect();
    match args.format {
        // Always a list, one report per rule set, so a program reads one shape.
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_default()
        )?,
        Format::Human | Format::Junit | Format::Markdown => {
            // Rule-set and case text reach the terminal: escaped, never obeyed.
            let mut out = Escaping::new(out);
            let out: &mut dyn Write = &mut out;
            if several {
                report::which_sets_apply(out, &sets, &answers, &reports)?;
            }
            for (rules, report) in sets.iter().zip(&reports) {
                if args.explain {
                    explain_tree::write(out, rules, report)?;
                    report::advice(out, report)?;
                    report::footer(out, report)?;
                } else {
                    report::human(out, rules, report)?;
                }
            }
        }
    }
    Ok(())
}

/// `--guided` on the terminal: the answers so far from the case file, if one is given (standard
/// input is for the answers), then the interview.
fn interview(
    args: &Args,
    trust: &herken_engine::TrustPolicy,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), CliError> {
    if !args.asked.is_empty() {
        return Err(CliError::usage(
            "`--asked` is for `--guided --format json`; on the terminal, a question asked and not known is `null` in the case file",
        ));
    }
    let mut sets = Vec::new();
    for spec in &args.rules {
        let rules = ruleset::open(spec, trust, err)?;
        super::check_language(&rules, &args.lang)?;
        sets.push(rules);
    }
    let answers = if args.case == "-" {
        serde_json::Map::new()
    } else {
        let name = args.case.as_str();
        let text = ruleset::read_text(Path::new(name))?;
        match serde_json::from_str(&text) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(_) => {
                return Err(CliError::input(format!(
                    "{name}: not a JSON object of answers"
                )));
            }
            Err(e) => {
                return Err(CliError::input(format!(
                    "{name}:{}:{}: invalid JSON: {}",
                    e.line(),
                    e.column(),
                    json_problem(&e)
                )));
            }
        }
    };
    let stdin = std::io::stdin();
    crate::cmd::guided::interview(
        &sets,
        answers,
        &args.lang,
        args.save.as_deref(),
        &mut stdin.lock(),
        out,
    )
}
