//! `herken questions`: a rule set's questions, readable or as JSON (what a form needs: the
//! engine's `Form`, with the description, outcomes with advice and dimensions besides the
//! questions; the WASM `questions()` gives the same JSON).

use std::io::Write;

use herken_engine::QuestionType;

use crate::Format;
use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder or bundled id.
    #[arg(default_value = DEFAULT_RULES)]
    rules: String,
    /// Language of the texts.
    #[arg(long, default_value = "nl")]
    lang: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let files = ruleset::find(&args.rules)?;
    let rules = ruleset::compile(&files, err)?;
    let form = rules.form(&args.lang);
    if args.format == Format::Json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&form).unwrap_or_default()
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{} ({} {}) — {} questions",
        form.ruleset.title,
        form.ruleset.id,
        form.ruleset.version,
        form.questions.len()
    )?;
    let mut n = 0;
    for group in &form.groups {
        writeln!(out)?;
        writeln!(out, "## {}", group.title)?;
        for id in &group.questions {
            let Some(q) = form.questions.iter().find(|q| q.id == *id) else {
                continue;
            };
            n += 1;
            let kind = match q.kind {
                QuestionType::YesNo => if form.language == "nl" {
                    "ja / nee / weet niet"
                } else {
                    "yes / no / don't know"
                }
                .to_owned(),
                QuestionType::Integer | QuestionType::Number => {
                    let range = match (q.min, q.max) {
                        (Some(a), Some(b)) => format!(" {a}–{b}"),
                        _ => String::new(),
                    };
                    format!(
                        "number{range}{}",
                        q.unit.as_ref().map(|u| format!(" {u}")).unwrap_or_default()
                    )
                }
                QuestionType::Choice => "one of the options".into(),
                QuestionType::Choices => "any of the options".into(),
                QuestionType::Text => "text".into(),
            };
            writeln!(out, "{n:>3}. {}  [{}; {kind}]", q.text, q.id)?;
            if let Some(h) = &q.help {
                writeln!(out, "     {h}")?;
            }
            for o in &q.options {
                writeln!(out, "     - {} ({})", o.label, o.id)?;
            }
            if let Some(a) = &q.ask_if {
                writeln!(out, "     asked if: {a}")?;
            }
        }
    }
    Ok(())
}
