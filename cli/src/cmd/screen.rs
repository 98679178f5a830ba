//! `herken screen`: one case against one or more rule sets.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use herken_engine::{
    AnswerPolicy, CaseTextError, CompiledRuleSet, ObservationOptions, Observations, Report,
    ScreenOptions, State, Status, Value, codes, json_problem,
};

use crate::Format;
use crate::error::CliError;
use crate::render::Escaping;
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
    #[arg(long, value_enum, default_value = "human")]
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
        Format::Human => {
            // Rule-set and case text reach the terminal: escaped, never obeyed.
            let mut out = Escaping::new(out);
            let out: &mut dyn Write = &mut out;
            if several {
                which_sets_apply(out, &sets, &answers, &reports)?;
            }
            for (rules, report) in sets.iter().zip(&reports) {
                if args.explain {
                    crate::explain_tree::write(out, rules, report)?;
                    advice(out, report)?;
                    footer(out, report)?;
                } else {
                    human(out, rules, report)?;
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
    )?;
    let nl = r.language == "nl";
    if let Some(p) = rules.population() {
        let forms: Vec<&str> = rules.forms().iter().map(|f| f.label(&r.language)).collect();
        let (who, what) = if nl { ("Voor", "over") } else { ("For", "on") };
        write!(out, "{who}: {}", p.label(&r.language))?;
        if !forms.is_empty() {
            write!(out, "; {what} {}", forms.join(", "))?;
        }
        writeln!(out)?;
    }
    if outside_population(r) {
        let p = rules.population().map_or("", |p| p.label(&r.language));
        if nl {
            writeln!(
                out,
                "LET OP: deze set is voor {p}, en volgens het antwoord op `under_18` valt de persoon daarbuiten. Lees de uitkomst van een set voor de leeftijd van de persoon."
            )?;
        } else {
            writeln!(
                out,
                "NOTE: this set is for {p}, and the answer to `under_18` puts the person outside that. Read the outcome of a set for the person's age."
            )?;
        }
    }
    Ok(())
}

/// Whether the report says the case is outside the set's population.
fn outside_population(r: &Report) -> bool {
    r.diagnostics
        .iter()
        .any(|d| d.code == codes::case::POPULATION_MISMATCH)
}

/// With several sets: which fit the person (by the population each is written for and the
/// case's `under_18` answer), before the reports.
fn which_sets_apply(
    out: &mut dyn Write,
    sets: &[CompiledRuleSet],
    answers: &[Observations],
    reports: &[Report],
) -> std::io::Result<()> {
    let Some(first) = reports.first() else {
        return Ok(());
    };
    let nl = first.language == "nl";
    let t = |en: &'static str, dutch: &'static str| if nl { dutch } else { en };
    // The case's `under_18` as the sets that ask it read it (yes or no, not unknown).
    let age_known = sets.iter().zip(answers).any(|(rules, obs)| {
        rules
            .question_index("under_18")
            .is_some_and(|q| matches!(obs.get(q), Value::Bool(_)))
    });
    writeln!(
        out,
        "{} {} {}:",
        t("Screened with", "Gescreend met"),
        sets.len(),
        t("rule sets", "regelsets")
    )?;
    for (rules, r) in sets.iter().zip(reports) {
        let fit = match rules.population() {
            _ if outside_population(r) => t(
                "does NOT fit this person's age: read another set's outcome",
                "past NIET bij de leeftijd van deze persoon: lees de uitkomst van een andere set",
            ),
            Some(herken_engine::Population::Any) => t("fits any age", "past bij elke leeftijd"),
            Some(_) if age_known => t(
                "fits this person's age",
                "past bij de leeftijd van deze persoon",
            ),
            Some(_) => t(
                "age not answered (`under_18`): check that it fits",
                "leeftijd niet beantwoord (`under_18`): ga na of de set past",
            ),
            None => t("does not say who it is for", "zegt niet voor wie de set is"),
        };
        let who = rules
            .population()
            .map(|p| format!(" {} {},", t("for", "voor"), p.label(&r.language)))
            .unwrap_or_default();
        writeln!(out, "  - {}:{who} {fit}", r.ruleset.id)?;
    }
    writeln!(
        out,
        "  {}",
        t(
            "Each set applies its own indicators and rule for its own population and forms of exploitation, so their outcomes can differ.",
            "Elke set past eigen indicatoren en een eigen regel toe, voor een eigen doelgroep en eigen vormen van uitbuiting; de uitkomsten kunnen dus verschillen."
        )
    )?;
    writeln!(out)
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
    advice(out, r)?;
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
            i.strength
                .as_deref()
                .map_or(t("weighted", "gewogen"), |s| strength_word(s, nl)),
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
    footer(out, r)
}

/// The outcome's advice (with the referral), shown whatever the outcome.
pub fn advice(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    let heading = if r.language == "nl" {
        "Advies"
    } else {
        "Advice"
    };
    writeln!(out, "{heading}:")?;
    for line in r.outcome.advice.lines() {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)
}

/// The last words of every human report: a screening signal is not an identification.
pub fn footer(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    let text = if r.language == "nl" {
        "Dit is een signaal, geen vaststelling. Formele identificatie is een juridische of multidisciplinaire beslissing."
    } else {
        "This is a screening signal, not an identification. Formal identification is a legal or multidisciplinary decision."
    };
    writeln!(out, "{text}")?;
    writeln!(out)
}

/// An indicator's strength as people read it, in the report's language.
pub fn strength_word(strength: &str, nl: bool) -> &str {
    match (strength, nl) {
        ("strong", true) => "sterk",
        ("medium", true) => "middel",
        ("weak", true) => "zwak",
        (other, _) => other,
    }
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
