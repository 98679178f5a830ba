//! `herken xlsform`: the questions as an XLSForm (ODK, KoboToolbox) with Dutch and English
//! labels, groups, option lists and `relevant` from `ask_if`; the set's guidance as notes
//! before the first question, and the questions the interviewer answers alone in a group of
//! their own.

use std::io::Write;
use std::path::{Path, PathBuf};

use herken_engine::{Audience, CompiledRuleSet, QuestionType};
use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule-set folder, bundle file (`*.bundle.json`) or bundled id.
    #[arg(default_value = DEFAULT_RULES)]
    rules: String,
    /// The .xlsx file to write.
    #[arg(long, short)]
    output: PathBuf,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

/// The option list shared by every yes/no question: tri-state, with an explicit "don't know".
const YES_NO_LIST: &str = "yes_no_unknown";
/// The group of notes with the set's guidance, before the first question.
const GUIDANCE_GROUP: &str = "guidance";
/// The group of questions the interviewer answers alone, after the others.
const INTERVIEWER_GROUP: &str = "interviewer_only";

pub fn run(args: &Args, _out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let files = ruleset::find(&args.rules, &args.trust.policy()?)?;
    let rules = ruleset::compile(&files, err)?;
    let (bytes, warnings) =
        xlsform(&rules).map_err(|e| CliError::input(format!("cannot build the XLSForm: {e}")))?;
    for w in warnings {
        writeln!(err, "warning: {w}")?;
    }
    std::fs::write(&args.output, bytes)
        .map_err(|e| CliError::io(format_args!("cannot write `{}`", args.output.display()), &e))?;
    let mapping = mapping_path(&args.output);
    let name = args
        .output
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    std::fs::write(&mapping, odk_mapping(&rules, &name))
        .map_err(|e| CliError::io(format_args!("cannot write `{}`", mapping.display()), &e))?;
    writeln!(
        err,
        "wrote {} ({} questions) and {}, the `herken batch --map` for its ODK Central CSV export",
        args.output.display(),
        rules.questions().len(),
        mapping.display()
    )?;
    Ok(())
}

/// The mapping written beside a form: `form.xlsx` → `form.odk-mapping.yaml`.
pub fn mapping_path(form: &Path) -> PathBuf {
    let stem = form
        .file_stem()
        .map_or_else(|| "form".into(), |s| s.to_string_lossy().into_owned());
    form.with_file_name(format!("{stem}.odk-mapping.yaml"))
}

/// Columns ODK Central adds to every CSV export (submission metadata), none an answer.
const ODK_META: &[&str] = &[
    "SubmissionDate",
    "meta-instanceID",
    "meta-instanceName",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
];

/// The group a question is in on the form (`None`: at the top level), as [`xlsform`] writes it.
fn form_group(q: &herken_engine::Question) -> Option<&str> {
    if q.audience() == Audience::Person {
        q.group()
    } else {
        Some(INTERVIEWER_GROUP)
    }
}

/// The `herken batch` mapping for ODK Central's CSV export of the form [`xlsform`] writes:
/// each question's column is its group path joined by `-` (`group-question`), yes/no answers
/// are the option names `yes`/`no`/`unknown`, multiple choice is option names separated by
/// spaces; the metadata, the guidance notes and the split multiple-choice columns are ignored.
pub fn odk_mapping(rules: &CompiledRuleSet, form: &str) -> String {
    let mut text = format!(
        "# herken batch mapping for ODK Central's CSV export of {form}\n\
         # (rule set `{}` {}). Written by `herken xlsform`; use:\n\
         #   herken batch export.csv --rules {} --map <this file> --id-column KEY\n\
         # Column names are the form's group paths joined by `-`, as ODK Central exports them.\n\
         format: 1\n\
         description: ODK Central CSV export of the herken XLSForm for `{}` {}\n\
         columns:\n",
        rules.id(),
        rules.version(),
        rules.id(),
        rules.id(),
        rules.version()
    );
    let column = |q: &herken_engine::Question| match form_group(q) {
        Some(g) => format!("{g}-{}", q.id()),
        None => q.id().to_owned(),
    };
    for q in rules.questions() {
        if q.kind() == QuestionType::Choices {
            text.push_str(&format!(
                "  {}: {{question: {}, split: \" \"}}\n",
                column(q),
                q.id()
            ));
        } else {
            text.push_str(&format!("  {}: {}\n", column(q), q.id()));
        }
    }
    text.push_str("ignore:\n");
    for m in ODK_META {
        text.push_str(&format!("  {m}: ODK Central submission metadata\n"));
    }
    for g in rules.guidance() {
        text.push_str(&format!(
            "  {GUIDANCE_GROUP}-guidance_{}: a note of the form (guidance), not an answer\n",
            g.id()
        ));
    }
    for q in rules
        .questions()
        .iter()
        .filter(|q| q.kind() == QuestionType::Choices)
    {
        for o in q.options() {
            text.push_str(&format!(
                "  {}/{}: ODK's split multiple choice; the question's own column is read\n",
                column(q),
                o.id()
            ));
        }
    }
    text
}

/// Language columns: XLSForm wants `label::Language name (code)`. The name of a translation no
/// professional has checked says so, so that ODK's language picker shows it.
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
                "pl" => "Polski",
                "ro" => "Română",
                other => other,
            };
            let mark = if rules.is_unverified_translation(l) {
                " – unverified translation"
            } else {
                ""
            };
            (l.clone(), format!("{name}{mark} ({l})"))
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
    // The guidance first, as notes in a group of their own: read before the first question.
    if !rules.guidance().is_empty() {
        let mut cells = vec!["begin_group".to_owned(), GUIDANCE_GROUP.to_owned()];
        cells.extend(langs.iter().map(|(l, _)| {
            if l == "nl" {
                "Voor u begint"
            } else {
                "Before you start"
            }
            .to_owned()
        }));
        row(survey, r, &cells)?;
        r += 1;
        for g in rules.guidance() {
            let mut cells = vec!["note".to_owned(), format!("guidance_{}", g.id())];
            cells.extend(langs.iter().map(|(l, _)| g.text().get(l, fb).to_owned()));
            row(survey, r, &cells)?;
            r += 1;
        }
        row(
            survey,
            r,
            &["end_group".to_owned(), GUIDANCE_GROUP.to_owned()],
        )?;
        r += 1;
    }
    // Questions put to the person in their groups; those the interviewer answers alone in a
    // group of their own at the end.
    let asked = |q: &herken_engine::Question| q.audience() == Audience::Person;
    let groups = rules.groups().iter().map(|g| {
        let titles: Vec<String> = langs
            .iter()
            .map(|(l, _)| g.title().get(l, fb).to_owned())
            .collect();
        let questions: Vec<usize> = rules
            .questions()
            .iter()
            .enumerate()
            .filter(|(_, q)| asked(q) && q.group() == Some(g.id()))
            .map(|(i, _)| i)
            .collect();
        (g.id().to_owned(), titles, questions)
    });
    let interviewer: Vec<usize> = rules
        .questions()
        .iter()
        .enumerate()
        .filter(|(_, q)| !asked(q))
        .map(|(i, _)| i)
        .collect();
    let interviewer_group = (!interviewer.is_empty()).then(|| {
        let titles = langs
            .iter()
            .map(|(l, _)| {
                if l == "nl" {
                    "Alleen voor de interviewer (niet voorlezen)"
                } else {
                    "For the interviewer only (not read out)"
                }
                .to_owned()
            })
            .collect();
        (INTERVIEWER_GROUP.to_owned(), titles, interviewer)
    });
    let ungrouped: Vec<usize> = rules
        .questions()
        .iter()
        .enumerate()
        .filter(|(_, q)| asked(q) && q.group().is_none())
        .map(|(i, _)| i)
        .collect();
    for (id, titles, questions) in groups.chain(interviewer_group) {
        if questions.is_empty() {
            continue;
        }
        let mut cells = vec!["begin_group".to_owned(), id.clone()];
        cells.extend(titles);
        row(survey, r, &cells)?;
        r += 1;
        for i in questions {
            write_question(survey, &mut r, i)?;
        }
        row(survey, r, &["end_group".to_owned(), id])?;
        r += 1;
    }
    for i in ungrouped {
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
