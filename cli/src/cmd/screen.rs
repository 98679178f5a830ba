//! `herken screen`: one case against one or more rule sets.

use std::io::{Read, Write};
use std::path::Path;

use herken_engine::{
    AnswerPolicy, CaseTextError, CompiledRuleSet, ObservationOptions, Report, ScreenOptions, State,
    Status,
};

use crate::Format;
use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The case: a JSON file of answers by question id, or `-` for standard input.
    #[arg(default_value = "-")]
    case: String,
    /// Rule-set folders or bundled ids, comma-separated (default: the ILO adult-labour set).
    #[arg(long, short, value_delimiter = ',', default_value = DEFAULT_RULES)]
    rules: Vec<String>,
    /// Output format: a readable summary or the JSON report.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Language of labels and advice.
    #[arg(long, default_value = "nl")]
    lang: String,
    /// Show why: outcome ← decision rule ← positive dimensions ← present indicators ← answers.
    #[arg(long)]
    explain: bool,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let text = if args.case == "-" {
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
    let mut sets = Vec::new();
    for spec in &args.rules {
        let files = ruleset::find(spec)?;
        sets.push(ruleset::compile(&files, err)?);
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
                    "{name}:{}:{}: invalid JSON: {e}",
                    e.line(),
                    e.column()
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
        Format::Json if reports.len() == 1 => writeln!(out, "{}", reports[0].to_json_pretty())?,
        Format::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_default()
        )?,
        Format::Human => {
            for (rules, report) in sets.iter().zip(&reports) {
                if args.explain {
                    crate::explain_tree::write(out, rules, report)?;
                } else {
                    human(out, rules, report)?;
                }
            }
        }
    }
    Ok(())
}

/// The first line of a human report: the set's title, id, version and status, so a reader
/// sees how far the set has been checked against its sources.
pub fn heading(out: &mut dyn Write, rules: &CompiledRuleSet, r: &Report) -> std::io::Result<()> {
    let status = match (r.ruleset.status, r.language == "nl") {
        (Status::Draft, true) => "concept",
        (Status::Reviewed, true) => "beoordeeld",
        (Status::Verified, true) => "geverifieerd",
        (status, false) => status.name(),
    };
    writeln!(
        out,
        "{} ({} {}, {status})",
        rules.text(rules.title(), &r.language),
        r.ruleset.id,
        r.ruleset.version
    )
}

/// The readable summary: outcome, advice, present signals with why, next questions.
pub fn human(out: &mut dyn Write, rules: &CompiledRuleSet, r: &Report) -> std::io::Result<()> {
    let nl = r.language == "nl";
    let t = |en: &'static str, dutch: &'static str| if nl { dutch } else { en };
    heading(out, rules, r)?;
    writeln!(out)?;
    writeln!(out, "{}: {}", t("Outcome", "Uitkomst"), r.outcome.label)?;
    writeln!(
        out,
        "  {} {}",
        t("decided by rule", "besloten door regel"),
        r.outcome.decided_by
    )?;
    if let Some(label) = &r.outcome.could_rise_to_label {
        writeln!(
            out,
            "  {} {label}",
            t(
                "unanswered questions could still raise it to:",
                "onbeantwoorde vragen kunnen dit nog verhogen tot:"
            )
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}:", t("Advice", "Advies"))?;
    for line in r.outcome.advice.lines() {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)?;
    let positive: Vec<_> = r.dimensions.iter().filter(|d| d.positive).collect();
    if !positive.is_empty() {
        writeln!(out, "{}:", t("Positive dimensions", "Positieve dimensies"))?;
        for d in positive {
            let c = d.counts;
            let detail = if c.strong + c.medium + c.weak == 0 {
                format!(
                    "{} {}, score {}",
                    d.indicators.len(),
                    t("present", "aanwezig"),
                    d.score
                )
            } else {
                format!(
                    "{} {}, {} {}, {} {}",
                    c.strong,
                    t("strong", "sterk"),
                    c.medium,
                    t("medium", "middel"),
                    c.weak,
                    t("weak", "zwak")
                )
            };
            writeln!(out, "  + {} ({detail})", d.label)?;
        }
        writeln!(out)?;
    }
    // A weight-0 indicator is context (whether a set applies, which B8/3 route), never a signal.
    let (context, present): (Vec<_>, Vec<_>) = r
        .indicators
        .iter()
        .filter(|i| i.state == State::Present)
        .partition(|i| i.weight == 0.0);
    for i in &context {
        writeln!(out, "{}: {}", t("Context", "Context"), i.label)?;
    }
    if !context.is_empty() {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{} ({}):",
        t("Signals present", "Aanwezige signalen"),
        present.len()
    )?;
    for i in &present {
        let because: Vec<String> = i
            .reads
            .iter()
            .map(|(q, v)| format!("{q} = {}", answer(v, nl)))
            .collect();
        writeln!(
            out,
            "  - {} [{}{}]",
            i.label,
            i.strength.as_deref().unwrap_or("weighted"),
            if because.is_empty() {
                String::new()
            } else {
                format!("; {}", because.join(", "))
            }
        )?;
    }
    let errors: Vec<_> = r
        .indicators
        .iter()
        .filter(|i| i.state == State::Error)
        .collect();
    if !errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{} ({}):",
            t("Indicators that failed", "Indicatoren met een fout"),
            errors.len()
        )?;
        for i in errors {
            if let Some(e) = &i.error {
                writeln!(out, "  ! {}: {} [{}]", i.id, e.message, e.code)?;
            }
        }
    }
    let unknown = r
        .indicators
        .iter()
        .filter(|i| i.state == State::Unknown)
        .count();
    writeln!(out)?;
    writeln!(
        out,
        "{}: {unknown}; {}: {}",
        t("Unknown indicators", "Onbekende indicatoren"),
        t("unanswered questions", "onbeantwoorde vragen"),
        r.unanswered.len()
    )?;
    if !r.next_questions.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}:", t("Ask next", "Vraag hierna"))?;
        for (n, q) in r.next_questions.iter().take(5).enumerate() {
            let raise = q
                .could_raise_to
                .as_ref()
                .map(|o| format!("  → {o}"))
                .unwrap_or_default();
            writeln!(out, "  {}. {} ({}){raise}", n + 1, q.question, q.id)?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        t(
            "This is a screening signal, not an identification. Formal identification is a legal or multidisciplinary decision.",
            "Dit is een signaal, geen vaststelling. Formele identificatie is een juridische of multidisciplinaire beslissing.",
        )
    )?;
    writeln!(out)?;
    Ok(())
}

/// An answer as people read it: ja/nee/onbekend or yes/no/unknown, else the JSON value.
pub fn answer(v: &serde_json::Value, nl: bool) -> String {
    match v {
        serde_json::Value::Bool(true) => if nl { "ja" } else { "yes" }.into(),
        serde_json::Value::Bool(false) => if nl { "nee" } else { "no" }.into(),
        serde_json::Value::Null => if nl { "onbekend" } else { "unknown" }.into(),
        other => other.to_string(),
    }
}
