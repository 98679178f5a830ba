//! `herken xlsform`: the questions as an XLSForm (ODK, KoboToolbox) with Dutch and English
//! labels, groups, option lists and `relevant` from `ask_if`.

use std::io::Write;
use std::path::PathBuf;

use herken_engine::{CompiledRuleSet, QuestionType};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder or bundled id.
    #[arg(default_value = DEFAULT_RULES)]
    rules: String,
    /// The .xlsx file to write.
    #[arg(long, short)]
    output: PathBuf,
}

/// The option list shared by every yes/no question: tri-state, with an explicit "don't know".
const YES_NO_LIST: &str = "yes_no_unknown";

pub fn run(args: &Args, _out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let files = ruleset::find(&args.rules)?;
    let rules = ruleset::compile(&files, err)?;
    let (bytes, warnings) =
        xlsform(&rules).map_err(|e| CliError::input(format!("cannot build the XLSForm: {e}")))?;
    for w in warnings {
        writeln!(err, "warning: {w}")?;
    }
    std::fs::write(&args.output, bytes)
        .map_err(|e| CliError::input(format!("cannot write `{}`: {e}", args.output.display())))?;
    writeln!(
        err,
        "wrote {} ({} questions)",
        args.output.display(),
        rules.questions().len()
    )?;
    Ok(())
}

/// Language columns: XLSForm wants `label::Language name (code)`.
fn languages(rules: &CompiledRuleSet) -> Vec<(String, String)> {
    rules
        .languages()
        .iter()
        .map(|l| {
            let name = match l.as_str() {
                "nl" => "Nederlands",
                "en" => "English",
                "fr" => "Français",
                "de" => "Deutsch",
                other => other,
            };
            (l.clone(), format!("{name} ({l})"))
        })
        .collect()
}

fn row(sheet: &mut Worksheet, r: u32, cells: &[String]) -> Result<(), XlsxError> {
    for (c, text) in cells.iter().enumerate() {
        if !text.is_empty() {
            sheet.write_string(r, c as u16, text)?;
        }
    }
    Ok(())
}

/// The workbook as bytes, and warnings about `ask_if` conditions without an XPath form.
pub fn xlsform(rules: &CompiledRuleSet) -> Result<(Vec<u8>, Vec<String>), XlsxError> {
    let langs = languages(rules);
    let fb = &rules.languages();
    let mut warnings = Vec::new();
    let mut book = Workbook::new();

    let survey = book.add_worksheet().set_name("survey")?;
    let mut header = vec!["type".to_owned(), "name".to_owned()];
    header.extend(langs.iter().map(|(_, n)| format!("label::{n}")));
    header.extend(langs.iter().map(|(_, n)| format!("hint::{n}")));
    header.extend(["relevant", "constraint"].map(String::from));
    row(survey, 0, &header)?;
    let mut r = 1;
    let mut write_question =
        |survey: &mut Worksheet, r: &mut u32, q_index: usize| -> Result<(), XlsxError> {
            let q = &rules.questions()[q_index];
            let kind = match q.kind() {
                QuestionType::YesNo => format!("select_one {YES_NO_LIST}"),
                QuestionType::Integer => "integer".to_owned(),
                QuestionType::Number => "decimal".to_owned(),
                QuestionType::Choice => format!("select_one {}", q.id()),
                QuestionType::Choices => format!("select_multiple {}", q.id()),
                QuestionType::Text => "text".to_owned(),
            };
            let mut cells = vec![kind, q.id().to_owned()];
            cells.extend(langs.iter().map(|(l, _)| q.text().get(l, fb).to_owned()));
            cells.extend(langs.iter().map(|(l, _)| {
                q.help()
                    .as_ref()
                    .map(|h| h.get(l, fb).to_owned())
                    .unwrap_or_default()
            }));
            let relevant = match rules.xlsform_relevant(q_index) {
                None => String::new(),
                Some(Ok(x)) => x,
                Some(Err(())) => {
                    warnings.push(format!(
                        "`ask_if` of `{}` has no XLSForm form; the question is always shown",
                        q.id()
                    ));
                    String::new()
                }
            };
            cells.push(relevant);
            let constraint = match (q.min(), q.max()) {
                (Some(a), Some(b)) => format!(". >= {a} and . <= {b}"),
                (Some(a), None) => format!(". >= {a}"),
                (None, Some(b)) => format!(". <= {b}"),
                (None, None) => String::new(),
            };
            cells.push(constraint);
            row(survey, *r, &cells)?;
            *r += 1;
            Ok(())
        };
    for group in rules.groups() {
        let mut cells = vec!["begin_group".to_owned(), group.id().to_owned()];
        cells.extend(
            langs
                .iter()
                .map(|(l, _)| group.title().get(l, fb).to_owned()),
        );
        row(survey, r, &cells)?;
        r += 1;
        for (i, _) in rules
            .questions()
            .iter()
            .enumerate()
            .filter(|(_, q)| q.group() == Some(group.id()))
        {
            write_question(survey, &mut r, i)?;
        }
        row(survey, r, &["end_group".to_owned(), group.id().to_owned()])?;
        r += 1;
    }
    for (i, _) in rules
        .questions()
        .iter()
        .enumerate()
        .filter(|(_, q)| q.group().is_none())
    {
        write_question(survey, &mut r, i)?;
    }

    let choices = book.add_worksheet().set_name("choices")?;
    let mut header = vec!["list_name".to_owned(), "name".to_owned()];
    header.extend(langs.iter().map(|(_, n)| format!("label::{n}")));
    row(choices, 0, &header)?;
    let mut r = 1;
    let yes_no = [
        ("yes", "Ja", "Yes"),
        ("no", "Nee", "No"),
        ("unknown", "Weet niet", "Don't know"),
    ];
    for (name, nl, en) in yes_no {
        let mut cells = vec![YES_NO_LIST.to_owned(), name.to_owned()];
        cells.extend(
            langs
                .iter()
                .map(|(l, _)| if l == "nl" { nl } else { en }.to_owned()),
        );
        row(choices, r, &cells)?;
        r += 1;
    }
    for q in rules
        .questions()
        .iter()
        .filter(|q| matches!(q.kind(), QuestionType::Choice | QuestionType::Choices))
    {
        for o in q.options() {
            let mut cells = vec![q.id().to_owned(), o.id().to_owned()];
            cells.extend(langs.iter().map(|(l, _)| o.label().get(l, fb).to_owned()));
            row(choices, r, &cells)?;
            r += 1;
        }
    }

    let settings = book.add_worksheet().set_name("settings")?;
    let default_language = langs.first().map(|(_, n)| n.clone()).unwrap_or_default();
    row(
        settings,
        0,
        &[
            "form_title".into(),
            "form_id".into(),
            "version".into(),
            "default_language".into(),
        ],
    )?;
    let title = rules.title().get("nl", fb).to_owned();
    row(
        settings,
        1,
        &[
            title,
            rules.id().replace('-', "_"),
            rules.version().to_owned(),
            default_language,
        ],
    )?;

    Ok((book.save_to_buffer()?, warnings))
}
