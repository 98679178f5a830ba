//! `herken questions`: a rule set's questions, readable or as JSON (what a form needs: the
//! engine's `Form`, with the description, outcomes with advice and dimensions besides the
//! questions; the WASM `questions()` gives the same JSON). The readable form starts with who the
//! set is for and its guidance on holding the conversation, and keeps the questions the
//! interviewer answers alone in a section of their own.

use std::io::Write;

use herken_engine::{Audience, QuestionType};

use crate::Format;
use crate::error::CliError;
use crate::render::Escaping;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder, bundle file (`*.bundle.json`) or bundled id.
    #[arg(default_value = DEFAULT_RULES)]
    rules: String,
    /// Language of the texts.
    #[arg(long, default_value = "nl")]
    lang: String,
    /// Output format.
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json]), default_value = "human")]
    format: Format,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let files = ruleset::find(&args.rules, &args.trust.policy()?)?;
    let rules = ruleset::compile(&files, err)?;
    super::check_language(&rules, &args.lang)?;
    let form = rules.form(&args.lang);
    if args.format == Format::Json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&form).unwrap_or_default()
        )?;
        return Ok(());
    }
    // Rule-set and case text reach the terminal: escaped, never obeyed.
    let mut out = Escaping::new(out);
    let out: &mut dyn Write = &mut out;
    let nl = form.language == "nl";
    writeln!(
        out,
        "{} ({} {}) — {} questions",
        form.ruleset.title,
        form.ruleset.id,
        form.ruleset.version,
        form.questions.len()
    )?;
    if let Some(p) = &form.ruleset.population {
        let forms: Vec<&str> = form
            .ruleset
            .forms
            .iter()
            .map(|f| f.label.as_str())
            .collect();
        let (who, what) = if nl { ("Voor", "over") } else { ("For", "on") };
        write!(out, "{who}: {}", p.label)?;
        if !forms.is_empty() {
            write!(out, "; {what} {}", forms.join(", "))?;
        }
        writeln!(out)?;
    }
    if rules.is_unverified_translation(&form.language) {
        let note = rules
            .translation(&form.language)
            .and_then(|t| t.note())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        if nl {
            writeln!(
                out,
                "Let op: de `{}`-teksten zijn een vertaling die geen professionele vertaler heeft gecontroleerd{note}.",
                form.language
            )?;
        } else {
            writeln!(
                out,
                "Note: the `{}` texts are a translation no professional translator has checked{note}.",
                form.language
            )?;
        }
    }
    if !form.guidance.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "## {}",
            if nl {
                "Voor u begint"
            } else {
                "Before you start"
            }
        )?;
        for g in &form.guidance {
            writeln!(out, "  - {}", g.text)?;
        }
    }
    let mut n = 0;
    let interviewer = |id: &String| {
        form.questions
            .iter()
            .any(|q| q.id == *id && q.audience == Audience::Interviewer)
    };
    let person_groups = form.groups.iter().map(|g| {
        let ids: Vec<&String> = g.questions.iter().filter(|id| !interviewer(id)).collect();
        (g.title.clone(), ids)
    });
    let interviewer_ids: Vec<&String> = form
        .groups
        .iter()
        .flat_map(|g| g.questions.iter().filter(|id| interviewer(id)))
        .collect();
    let interviewer_title = if nl {
        "Alleen voor de interviewer (niet voorlezen)"
    } else {
        "For the interviewer only (not read out)"
    };
    let sections = person_groups.chain(
        (!interviewer_ids.is_empty()).then(|| (interviewer_title.to_owned(), interviewer_ids)),
    );
    for (title, ids) in sections {
        if ids.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "## {title}")?;
        for id in ids {
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
