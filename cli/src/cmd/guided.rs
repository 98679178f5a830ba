//! `herken screen --guided`: a guided interview, one question at a time, always the one the
//! engine chooses ([`CompiledRuleSet::interview_step`]): the question that brings the set's
//! highest outcome closest to decided. With `--format json`, the next step for a partial case
//! (what the WASM `guide()` returns); else an interview on the terminal, answers read line by
//! line from standard input.

use std::collections::BTreeSet;
use std::io::{BufRead, Write};

use herken_engine::{
    CompiledRuleSet, ObservationOptions, Observations, QuestionType, ScreenOptions,
};
use serde_json::{Map, Value as Json};

use crate::error::CliError;

/// Which questions have been asked, as flags by question index of `rules`.
fn flags(rules: &CompiledRuleSet, asked: &BTreeSet<String>) -> Vec<bool> {
    let mut flags = vec![false; rules.questions().len()];
    for id in asked {
        if let Some(q) = rules.question_index(id) {
            flags[q] = true;
        }
    }
    flags
}

/// `asked` ids that are no question of any of the sets.
pub fn check_asked(sets: &[CompiledRuleSet], asked: &[String]) -> Result<(), CliError> {
    match asked
        .iter()
        .find(|id| !sets.iter().any(|s| s.question_index(id).is_some()))
    {
        Some(id) => Err(CliError::usage(format!(
            "`--asked`: `{id}` is not a question of {}",
            if sets.len() == 1 {
                "the rule set"
            } else {
                "any of the rule sets"
            }
        ))),
        None => Ok(()),
    }
}

/// The next step for each set, as `guide()` in the WASM module gives it: a JSON list, one step
/// per set, as `screen --format json` lists one report per set.
pub fn steps_json(
    sets: &[CompiledRuleSet],
    observations: &[Observations],
    asked: &[String],
    lang: &str,
) -> String {
    let asked: BTreeSet<String> = asked.iter().cloned().collect();
    let steps: Vec<_> = sets
        .iter()
        .zip(observations)
        .map(|(rules, obs)| rules.guide(obs, &flags(rules, &asked), lang))
        .collect();
    // Field order as the WASM module writes it (the struct's), not sorted.
    serde_json::to_string_pretty(&steps).unwrap_or_default()
}

/// How the interview ended.
enum End {
    /// No answer still to come can change any set's outcome.
    Settled,
    /// The interviewer typed `stop`.
    Stopped,
    /// The input ended.
    InputEnded,
}

/// An interview on the terminal: the guidance, then one question at a time (answers read from
/// `input`), then each set's summary. `answers` are the answers so far; a key given as `null`
/// counts as asked and not known. With `save`, the answers are written there at the end (also
/// when the interview is stopped), as a case for `herken screen`.
pub fn interview(
    sets: &[CompiledRuleSet],
    mut answers: Map<String, Json>,
    lang: &str,
    save: Option<&str>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    // Rule-set and case text reach the terminal: escaped, never obeyed.
    let mut escaping = crate::render::Escaping::new(out);
    let out: &mut dyn Write = &mut escaping;
    let nl = lang == "nl";
    let t = |en: &'static str, dutch: &'static str| if nl { dutch } else { en };
    let mut asked: BTreeSet<String> = answers.keys().cloned().collect();
    if let Some(first) = sets.first()
        && !first.guidance().is_empty()
    {
        writeln!(out, "{}", t("Before you start:", "Voor u begint:"))?;
        for item in first.guidance() {
            writeln!(out, "  - {}", first.text(item.text(), lang))?;
        }
    }
    let several = sets.len() > 1;
    let end = 'interview: loop {
        let mut next = None;
        for rules in sets {
            let obs = read(rules, &answers, several)?;
            if let Some(q) = rules.interview_step(&obs, &flags(rules, &asked)).next {
                next = Some((rules, q));
                break;
            }
        }
        let Some((rules, q)) = next else {
            break End::Settled;
        };
        let question = &rules.questions()[q];
        writeln!(out)?;
        let who = match question.audience() {
            herken_engine::Audience::Interviewer => t(
                " [for the interviewer: do not read out]",
                " [voor de interviewer: niet voorlezen]",
            ),
            herken_engine::Audience::Person => "",
        };
        writeln!(
            out,
            "{}. {}{who}",
            asked.len() + 1,
            rules.text(question.text(), lang)
        )?;
        if let Some(help) = question.help() {
            writeln!(out, "   {}", rules.text(help, lang))?;
        }
        for (n, option) in question.options().iter().enumerate() {
            writeln!(
                out,
                "   {}. {} ({})",
                n + 1,
                rules.text(option.label(), lang),
                option.id()
            )?;
        }
        let hint = match question.kind() {
            QuestionType::YesNo => t("yes / no", "ja / nee"),
            QuestionType::Integer | QuestionType::Number => t("a number", "een getal"),
            QuestionType::Choice => t("a number or option id", "een nummer of optie-id"),
            QuestionType::Choices => t(
                "numbers or option ids, comma-separated; - for none",
                "nummers of optie-id's, met komma's; - voor geen",
            ),
            QuestionType::Text => t("text", "tekst"),
        };
        writeln!(
            out,
            "   ({hint}; {})",
            t(
                "? = don't know; stop = end here",
                "? = weet niet; stop = hier stoppen"
            )
        )?;
        loop {
            write!(out, "> ")?;
            out.flush()?;
            let mut line = String::new();
            let read = input
                .read_line(&mut line)
                .map_err(|e| CliError::input(format!("cannot read an answer: {e}")))?;
            if read == 0 {
                break 'interview End::InputEnded;
            }
            let line = line.trim();
            if line.eq_ignore_ascii_case("stop") {
                break 'interview End::Stopped;
            }
            match parse(rules, q, line) {
                Some(value) => {
                    let mut one = Map::new();
                    one.insert(question.id().to_owned(), value.clone());
                    match rules.observations(&Json::Object(one)) {
                        Ok(_) => {
                            answers.insert(question.id().to_owned(), value);
                            asked.insert(question.id().to_owned());
                            break;
                        }
                        Err(errors) => {
                            for e in errors {
                                writeln!(out, "   {e}")?;
                            }
                        }
                    }
                }
                None => writeln!(
                    out,
                    "   {} {hint}",
                    t("Not understood; give", "Niet begrepen; geef")
                )?,
            }
        }
    };
    writeln!(out)?;
    writeln!(
        out,
        "{} {} {}.",
        t("Asked", "Gevraagd:"),
        asked.len(),
        t("questions", "vragen")
    )?;
    writeln!(
        out,
        "{}",
        match end {
            End::Settled => t(
                "No answer to the questions not asked can change the outcome.",
                "Geen antwoord op de vragen die niet gesteld zijn kan de uitkomst nog veranderen.",
            ),
            End::Stopped | End::InputEnded => t(
                "Stopped before the end: answers to the questions not asked could still change the outcome.",
                "Gestopt voor het einde: antwoorden op de vragen die niet gesteld zijn kunnen de uitkomst nog veranderen.",
            ),
        }
    )?;
    if let Some(path) = save {
        let text = serde_json::to_string_pretty(&Json::Object(answers.clone()))
            .map_err(|e| CliError::input(format!("cannot write the answers: {e}")))?;
        std::fs::write(path, text + "\n")
            .map_err(|e| CliError::input(format!("cannot write `{path}`: {e}")))?;
        writeln!(
            out,
            "{} `{path}`",
            t("Answers saved to", "Antwoorden bewaard in")
        )?;
    }
    writeln!(out)?;
    let options = ScreenOptions {
        language: lang.to_owned(),
        next_questions: false,
    };
    for rules in sets {
        let obs = read(rules, &answers, several)?;
        crate::render::report::human(out, rules, &rules.evaluate(&obs, &options))?;
    }
    Ok(())
}

fn read(
    rules: &CompiledRuleSet,
    answers: &Map<String, Json>,
    several: bool,
) -> Result<Observations, CliError> {
    rules
        .observations_with(
            &Json::Object(answers.clone()),
            ObservationOptions {
                allow_unknown_keys: several,
                ..ObservationOptions::default()
            },
        )
        .map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            CliError::input(lines.join("\n"))
        })
}

/// A typed answer as JSON: yes/no in Dutch or English, a number (decimal comma or point), an
/// option by number or id, options comma-separated (`-` for none), text as typed; `?` for
/// "don't know". `None` when it cannot be read; the engine checks bounds and option ids.
fn parse(rules: &CompiledRuleSet, q: usize, line: &str) -> Option<Json> {
    let question = &rules.questions()[q];
    if line == "?" {
        return Some(Json::Null);
    }
    if line.is_empty() {
        return None;
    }
    let option = |s: &str| -> Option<String> {
        let s = s.trim();
        match s.parse::<usize>() {
            Ok(n) if n >= 1 => question.options().get(n - 1).map(|o| o.id().to_owned()),
            _ => Some(s.to_owned()),
        }
    };
    match question.kind() {
        QuestionType::YesNo => match line.to_lowercase().as_str() {
            "j" | "ja" | "y" | "yes" | "true" => Some(Json::Bool(true)),
            "n" | "nee" | "no" | "false" => Some(Json::Bool(false)),
            _ => None,
        },
        QuestionType::Integer => line.parse::<i64>().ok().map(Json::from),
        QuestionType::Number => line
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number),
        QuestionType::Choice => option(line).map(Json::String),
        QuestionType::Choices if line == "-" => Some(Json::Array(Vec::new())),
        QuestionType::Choices => line
            .split(',')
            .map(|s| option(s).map(Json::String))
            .collect::<Option<Vec<_>>>()
            .map(Json::Array),
        QuestionType::Text => Some(Json::String(line.to_owned())),
    }
}
