//! `herken new <dir>`: a rule-set scaffold that passes `herken check` and `herken test`.

use std::io::Write;
use std::path::PathBuf;

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create; its name becomes the rule-set id.
    dir: PathBuf,
}

pub fn run(args: &Args, _out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let name = args
        .dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let id: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let id = id.trim_matches('-').to_owned();
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(CliError::usage(format!(
            "`{name}` cannot be a rule-set id: start the folder name with a letter"
        )));
    }
    if args.dir.exists()
        && std::fs::read_dir(&args.dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CliError::usage(format!(
            "`{}` exists and is not empty; choose a new folder",
            args.dir.display()
        )));
    }
    let tests = args.dir.join("tests");
    std::fs::create_dir_all(&tests)
        .map_err(|e| CliError::input(format!("cannot create `{}`: {e}", tests.display())))?;
    let write = |file: PathBuf, text: String| {
        std::fs::write(&file, text)
            .map_err(|e| CliError::io(format_args!("cannot write `{}`", file.display()), &e))
    };
    write(args.dir.join("ruleset.yaml"), MANIFEST.replace("{id}", &id))?;
    write(tests.join("basic.yaml"), TESTS.to_owned())?;
    write(args.dir.join("README.md"), README.replace("{id}", &id))?;
    // For editors: the modelines above point a YAML language server at these.
    write(
        args.dir.join("ruleset.schema.json"),
        super::schema::RULESET_FORMAT.to_owned(),
    )?;
    write(
        args.dir.join("tests.schema.json"),
        super::schema::TESTS_FORMAT.to_owned(),
    )?;
    writeln!(
        err,
        "created {} — next: herken check {0} && herken test {0}",
        args.dir.display()
    )?;
    Ok(())
}

const MANIFEST: &str = r#"# yaml-language-server: $schema=ruleset.schema.json
# A herken rule set. The format: rules/README.md in the herken repository.
format: 1
id: {id}
version: 0.1.0
status: draft
title: {en: "New rule set", nl: "Nieuwe regelset"}
description: {en: "Describe what this set screens for and its sources.", nl: "Beschrijf waarop deze set screent en de bronnen."}
licence: CC-BY-4.0
languages: [nl, en]
population: adult               # who the set is for: adult (asks under_18), child (asks under_18) or any
forms: [labour]                 # sexual, labour, begging, criminal, organ_removal, forced_marriage, illegal_adoption, surrogacy
guidance:                       # how to hold the conversation safely, shown before the first question
  - id: alone
    text: {en: "Speak with the person alone, never with a companion or the employer present.", nl: "Spreek de persoon alleen, nooit met een begeleider of de werkgever erbij."}
  - id: interpreter
    text: {en: "Use an independent professional interpreter, never a companion.", nl: "Werk met een onafhankelijke professionele tolk, nooit met een begeleider."}
  - id: screen
    text: {en: "Keep the screen out of the person's sight.", nl: "Houd het scherm uit het zicht van de persoon."}
  - id: confidentiality
    text: {en: "Say what stays confidential and what you must record or report.", nl: "Zeg wat vertrouwelijk blijft en wat u moet vastleggen of melden."}
sources:
  - id: source
    citation: "Name the publication the indicators come from."

groups:
  - id: personal
    title: {en: "Personal situation now", nl: "Persoonlijke situatie nu"}
  - id: documents
    title: {en: "Documents", nl: "Documenten"}

questions:
  - id: under_18                # the population check reads it: a minor in an adult set is reported
    type: yesno
    audience: interviewer       # answered by the interviewer, never read out
    group: personal
    text: {en: "Is the person younger than 18?", nl: "Is de persoon jonger dan 18 jaar?"}
  - id: passport_held_by_other
    type: yesno
    group: documents
    text: {en: "Does someone else keep your passport or ID?", nl: "Houdt iemand anders uw paspoort of ID vast?"}
    help: {en: "Ask gently; a yes is a signal, not proof.", nl: "Vraag voorzichtig; een ja is een signaal, geen bewijs."}

dimensions:
  - id: coercion
    label: {en: "Coercion", nl: "Dwang"}
    positive: {at_least: 1}

indicators:
  - id: documents_withheld
    dimension: coercion
    strength: strong
    label: {en: "Confiscation of documents", nl: "Innemen van documenten"}
    when: obs.passport_held_by_other
    tags: [ilo11:retention_of_documents, htcds:WithholdsDocuments]
    source: {id: source, location: "page, table or item", basis: transcribed}

decision:
  - id: any-signal
    outcome: signals_present
    when: positive("coercion")
  - id: otherwise
    outcome: no_signals

outcomes:
  - id: no_signals
    label: {en: "No signals found", nl: "Geen signalen gevonden"}
    advice: {en: "No signals found is not proof of absence. Say where help is: police 0900-8844, 112 if acute.", nl: "Geen signalen is geen bewijs van afwezigheid. Zeg waar hulp is: politie 0900-8844, 112 bij acuut gevaar."}
  - id: signals_present
    label: {en: "Signals present", nl: "Signalen aanwezig"}
    advice: {en: "Discuss with a colleague or the zorgcoördinator mensenhandel.", nl: "Overleg met een collega of de zorgcoördinator mensenhandel."}
"#;

const TESTS: &str = r#"# yaml-language-server: $schema=../tests.schema.json
cases:
  - name: a withheld passport is a signal
    observations: {passport_held_by_other: true}
    expect: {outcome: signals_present, present: [documents_withheld], positive: [coercion]}
  - name: no withheld passport, no signal
    observations: {passport_held_by_other: false}
    expect: {outcome: no_signals, absent: [documents_withheld], may_rise: false}
  - name: an unanswered question is unknown, never no
    observations: {}
    expect: {outcome: no_signals, unknown: [documents_withheld], may_rise: true, next_questions: [passport_held_by_other]}
"#;

const README: &str = "# {id}

What this rule set screens for, for whom, and what its result means (a screening signal, never
an identification).

## Sources
- Cite every source with its URL.

## Status
draft — say what was checked against what before calling it verified.

## Transcribed and interpreted
- Which indicators and thresholds come straight from the sources, and which are interpretation.

## Known limits
- …

(`ruleset.schema.json` and `tests.schema.json` describe the file formats for editors: a YAML
language server completes and checks `ruleset.yaml` and the tests with them. `herken schema
--ruleset-format` and `--tests-format` write them anew.)
";
