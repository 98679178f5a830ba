//! Rule-author tooling: check, test, screen --explain (snapshots of what a user reads),
//! JUnit output, exports, bundles and the scaffold.

use std::io::Cursor;

use crate::util::{Temp, repo, run, run_with};

/// A rule set with seeded mistakes, each a different code.
const SEEDED: &str = "format: 1
id: seeded
version: 1.0
status: draft
title: {en: Seeded, nl: Gezaaid}
licence: CC0-1.0
languages: [en, nl]
questions:
  - id: passport_taken
    type: yesno
    text: {en: Passport taken?, nl: Paspoort afgenomen?}
  - id: hours
    type: integr
    text: {en: Hours?, nl: Uren?}
dimensions:
  - id: coercion
    label: {en: Coercion, nl: Dwang}
indicators:
  - id: documents
    dimension: coercion
    strenght: strong
    label: {en: Documents, nl: Documenten}
    when: obs.passport_taken
  - id: typo
    dimension: coercion
    strength: medium
    label: {en: Typo, nl: Typfout}
    when: obs.pasport_taken
  - id: elsewhere
    dimension: coersion
    strength: weak
    label: {en: Elsewhere, nl: Elders}
    when: obs.passport_taken ||
decision:
  - {id: refer, outcome: possible_victm, when: 'positive(\"coercion\")'}
outcomes:
  - id: no_signals
    label: {en: No signals, nl: Geen signalen}
    advice: {en: Not proof of absence., nl: Geen bewijs van afwezigheid.}
population: any
forms: [labour]
guidance: [{id: alone, text: {en: Speak alone., nl: Spreek alleen.}}]
";

fn seeded_set() -> Temp {
    let dir = Temp::new("seeded");
    dir.write("ruleset.yaml", SEEDED);
    dir
}

/// Output with the temporary folder replaced, so snapshots do not depend on it.
fn redact(text: &str, dir: &Temp) -> String {
    text.replace(&dir.arg(""), "<dir>/")
}

#[test]
fn check_reports_every_seeded_mistake_with_its_place() {
    let dir = seeded_set();
    let r = run(&["check", &dir.arg("")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = redact(&r.stdout_text(), &dir);
    insta::assert_snapshot!("check_seeded", out);
    let codes: Vec<&str> = out.lines().filter(|l| l.starts_with("error[")).collect();
    assert_eq!(codes.len(), 8, "{out}");
}

#[test]
fn check_json_has_codes_and_positions() {
    let dir = seeded_set();
    let r = run(&["check", &dir.arg(""), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    let diagnostics = v[0]["diagnostics"].as_array().expect("list");
    assert!(diagnostics.iter().all(|d| d["code"].is_string()
        && d["line"].as_u64() > Some(0)
        && d["column"].as_u64() > Some(0)));
}

#[test]
fn explain_documents_a_code() {
    let r = run(&["explain", "compile::unknown-question"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout_text().contains("How to fix it"));
    assert_eq!(run(&["explain", "nonsense::code"]).code, 2);
}

#[test]
fn a_failing_test_case_prints_a_diff_and_exits_1() {
    let dir = Temp::new("failing");
    assert_eq!(run(&["new", &dir.arg("set")]).code, 0);
    let tests = dir.path("set/tests/basic.yaml");
    let text = std::fs::read_to_string(&tests).expect("scaffold tests");
    std::fs::write(
        &tests,
        text.replacen("outcome: signals_present", "outcome: no_signals", 1),
    )
    .expect("write");
    let r = run(&["test", &dir.arg("set")]);
    assert_eq!(r.code, 1);
    let out = redact(&r.stdout_text(), &dir);
    insta::assert_snapshot!("test_failing", out);

    let junit = run(&["test", &dir.arg("set"), "--format", "junit"]);
    let xml = String::from_utf8(junit.stdout).expect("utf-8");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((cases, failures), (3, 1));
}

#[test]
fn min_coverage_fails_when_an_indicator_is_never_present() {
    let dir = Temp::new("coverage");
    assert_eq!(run(&["new", &dir.arg("set")]).code, 0);
    let tests = dir.path("set/tests/basic.yaml");
    let text = std::fs::read_to_string(&tests).expect("scaffold tests");
    // Drop the case that makes the indicator present.
    let kept: String = text
        .split("  - name:")
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(i, s)| {
            if i == 0 {
                s.to_owned()
            } else {
                format!("  - name:{s}")
            }
        })
        .collect();
    std::fs::write(&tests, kept).expect("write");
    assert_eq!(run(&["test", &dir.arg("set")]).code, 0);
    let r = run(&["test", &dir.arg("set"), "--min-coverage", "100"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("coverage below"), "{}", r.stderr);
}

#[test]
fn the_scaffold_passes_check_and_test() {
    let dir = Temp::new("scaffold");
    let r = run(&["new", &dir.arg("my-set")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let check = run(&["check", &dir.arg("my-set")]);
    assert_eq!(check.code, 0, "{}", check.stdout_text());
    assert!(
        check.stdout_text().contains("0 errors, 0 warnings"),
        "{}",
        check.stdout_text()
    );
    assert_eq!(
        run(&["test", &dir.arg("my-set"), "--min-coverage", "100"]).code,
        0
    );
    assert_eq!(
        run(&["new", &dir.arg("my-set")]).code,
        2,
        "refuses a folder that is not empty"
    );
}

#[test]
fn screen_explain_shows_the_tree() {
    let r = run(&[
        "screen",
        &repo("examples/warehouse-worker-unknowns.json"),
        "--explain",
        "--lang",
        "en",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("screen_explain", r.stdout_text());
}

/// The tree explains dimensions in the report's language: the ILO rule's clause in Dutch too.
#[test]
fn screen_explain_speaks_the_reports_language() {
    let case = repo("examples/warehouse-worker-unknowns.json");
    let r = run(&["screen", &case, "--explain", "--lang", "nl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.stdout_text();
    assert!(
        out.contains("positief — 0 sterk, 3 middel, 0 zwak; ILO-regel: 3 middel"),
        "{out}"
    );
    assert!(out.contains("ILO-regel niet gehaald"), "{out}");
    assert!(!out.contains("ILO rule"), "{out}");
}

#[test]
fn screen_json_is_byte_identical_across_runs() {
    let args = [
        "screen",
        "--rules",
        &repo("rules/ilo-2009-adult-labour"),
        &repo("examples/seasonal-worker.json"),
        "--format",
        "json",
    ];
    let first = run(&args);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.stdout, run(&args).stdout);
    let all: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    // Always a list, one report per rule set, even for one set.
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(1),
        "a list of one report"
    );
    let v = &all[0];
    for field in [
        "ruleset",
        "engine",
        "language",
        "outcome",
        "dimensions",
        "indicators",
        "unanswered",
        "next_questions",
        "diagnostics",
    ] {
        assert!(v.get(field).is_some(), "report has `{field}`");
    }
    assert_eq!(v["outcome"]["id"], "possible_victim");
}

#[test]
fn screen_against_several_sets_gives_one_report_each() {
    let r = run(&[
        "screen",
        "--rules",
        "ilo-2009-adult-labour,nl-arbeidsuitbuiting,nl-geringste-aanwijzing",
        &repo("examples/seasonal-worker.json"),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    let ids: Vec<&str> = v
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["ruleset"]["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ids,
        [
            "ilo-2009-adult-labour",
            "nl-arbeidsuitbuiting",
            "nl-geringste-aanwijzing"
        ]
    );
}

#[test]
fn bad_cases_name_their_field_and_exit_2() {
    let r = run_with(
        &["screen", "-", "--format", "json"],
        br#"{"hours_per_week": "many", "deceived_about_jbo": true}"#,
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("hours_per_week")
            && r.stderr.contains("did you mean `deceived_about_job`"),
        "{}",
        r.stderr
    );
    let r = run_with(&["screen", "-"], b"{\"a\": ");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("<stdin>:1:"), "{}", r.stderr);
}

#[test]
fn questions_json_has_what_a_form_shows_besides_the_questions() {
    let r = run(&[
        "questions",
        "ilo-2009-adult-labour",
        "--format",
        "json",
        "--lang",
        "en",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let form: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    assert_eq!(form["language"], "en");
    assert!(form["description"].as_str().is_some_and(|d| !d.is_empty()));
    let outcomes = form["outcomes"].as_array().expect("outcomes");
    assert_eq!(outcomes[0]["id"], "no_signals");
    assert!(
        outcomes[0]["advice"]
            .as_str()
            .is_some_and(|a| a.contains("not proof")),
        "advice in the asked language: {}",
        outcomes[0]["advice"]
    );
    for (i, o) in outcomes.iter().enumerate() {
        assert_eq!(o["level"], i, "levels from 0 in the rule set's order");
    }
    assert!(
        outcomes.iter().any(|o| o["htcds"].is_string()),
        "the HTCDS status where an outcome has one"
    );
    // the six ILO dimensions and the forms of exploitation outside the ILO list
    assert_eq!(form["dimensions"].as_array().map(Vec::len), Some(7));
}

#[test]
fn the_json_schema_accepts_examples_and_rejects_mistyped_cases() {
    let r = run(&["schema", "ilo-2009-adult-labour"]);
    let schema: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    let validator = jsonschema::validator_for(&schema).expect("a valid 2020-12 schema");
    // The cases in `examples/` are intakes for the default set; `examples/other-sets/` holds cases
    // for other sets and several sets at once.
    for example in std::fs::read_dir(repo("examples"))
        .expect("examples")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
    {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(example.path()).expect("read"))
                .expect("json");
        assert!(
            validator.is_valid(&case),
            "{} should be valid",
            example.path().display()
        );
    }
    for bad in [
        serde_json::json!({"hours_per_week": "many"}),
        serde_json::json!({"deceived_about_job": 1}),
        serde_json::json!({"passport_held_by": "nobody_knows"}),
        serde_json::json!({"not_a_question": true}),
        serde_json::json!({"hours_per_week": 500}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad} should be rejected");
        // The engine agrees.
        let r = run_with(&["screen", "-"], bad.to_string().as_bytes());
        assert_eq!(r.code, 2, "{bad}");
    }
}

#[test]
fn the_xlsform_has_the_sheets_columns_and_lists_odk_expects() {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let dir = Temp::new("xlsform");
    let r = run(&[
        "xlsform",
        "ilo-2009-adult-labour",
        "-o",
        &dir.arg("form.xlsx"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(dir.read("form.xlsx"))).expect("an xlsx file");
    assert_eq!(book.sheet_names(), ["survey", "choices", "settings"]);
    let survey = book.worksheet_range("survey").expect("survey");
    let rows: Vec<Vec<String>> = survey
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    let header = &rows[0];
    for column in [
        "type",
        "name",
        "label::Nederlands (nl)",
        "label::English (en)",
        "relevant",
    ] {
        assert!(
            header.contains(&column.to_owned()),
            "survey has `{column}`: {header:?}"
        );
    }
    let name = header.iter().position(|h| h == "name").expect("name");
    let kind = header.iter().position(|h| h == "type").expect("type");
    let relevant = header
        .iter()
        .position(|h| h == "relevant")
        .expect("relevant");
    let row = |q: &str| {
        rows.iter()
            .find(|r| r[name] == q)
            .unwrap_or_else(|| panic!("row {q}"))
    };
    assert_eq!(row("deceived_about_job")[kind], "select_one yes_no_unknown");
    assert_eq!(row("hours_per_week")[kind], "integer");
    assert_eq!(
        row("housing_lost_if_quit")[relevant],
        "not(${housing_from_employer} = 'no')"
    );
    let choices = book.worksheet_range("choices").expect("choices");
    let lists: Vec<String> = choices
        .rows()
        .skip(1)
        .map(|r| format!("{}/{}", r[0], r[1]))
        .collect();
    for item in [
        "yes_no_unknown/yes",
        "yes_no_unknown/no",
        "yes_no_unknown/unknown",
    ] {
        assert!(lists.contains(&item.to_owned()), "{item}");
    }
    assert!(lists.iter().any(|l| l.starts_with("passport_held_by/")));
}

#[test]
fn an_altered_bundle_is_refused() {
    let dir = Temp::new("bundle");
    let r = run(&[
        "bundle",
        "ilo-2009-adult-labour",
        "-o",
        &dir.arg("set.bundle.json"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = String::from_utf8(dir.read("set.bundle.json")).expect("utf-8");
    assert!(herken_engine_bundle_loads(&json).is_ok());
    // One byte changed inside the rules.
    let altered = json.replacen("strength: strong", "strength: strang", 1);
    assert_ne!(altered, json);
    let err = herken_engine_bundle_loads(&altered).expect_err("refused");
    assert!(
        err.contains("bundle::hash-mismatch") && err.contains("altered"),
        "{err}"
    );
}

fn herken_engine_bundle_loads(json: &str) -> Result<(), String> {
    herken_engine::Bundle::open(json, &herken_engine::TrustPolicy::no_keys())
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", e.code()))
}

#[test]
fn a_set_that_claims_verified_without_transcribed_indicators_is_refused() {
    let manifest = std::fs::read_to_string(repo("rules/ilo-2009-adult-labour/ruleset.yaml"))
        .expect("bundled set");
    let dir = Temp::new("claims-verified");
    dir.write(
        "ruleset.yaml",
        manifest.replacen("status: reviewed", "status: verified", 1),
    );
    let r = run(&["check", &dir.arg("")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = r.stdout_text();
    // Every indicator rests on a secondary text or an interpretation (67 ILO items, 3 other purposes): each is named.
    assert_eq!(
        out.matches("error[load::status-verified]").count(),
        70,
        "{out}"
    );
    assert!(out.contains("lower `status`"), "{out}");
}

#[test]
fn list_and_screen_show_the_status_of_a_set() {
    let r = run(&["list", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sets: Vec<serde_json::Value> = serde_json::from_slice(&r.stdout).expect("json");
    let status = |id: &str| {
        sets.iter()
            .find(|s| s["id"] == id)
            .map(|s| s["status"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(status("ilo-2009-adult-labour").as_deref(), Some("reviewed"));
    // No bundled set says `verified` unless `herken check` accepts that claim.
    for set in sets.iter().filter(|s| s["status"] == "verified") {
        let id = set["id"].as_str().unwrap_or_default();
        assert_eq!(run(&["check", id]).code, 0, "{id} claims verified");
    }
    let human = run(&["list"]).stdout_text();
    assert!(
        human
            .lines()
            .any(|l| l.starts_with("ilo-2009-adult-labour") && l.contains(" reviewed ")),
        "{human}"
    );
    let case = repo("examples/seasonal-worker.json");
    let en = run(&["screen", &case, "--lang", "en"]).stdout_text();
    assert!(
        en.lines()
            .next()
            .unwrap_or_default()
            .ends_with(", reviewed)"),
        "{en}"
    );
    let nl = run(&["screen", &case]).stdout_text();
    assert!(
        nl.lines()
            .next()
            .unwrap_or_default()
            .ends_with(", beoordeeld)"),
        "{nl}"
    );
    let json = run(&["screen", &case, "--format", "json"]);
    let reports: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(reports[0]["ruleset"]["status"], "reviewed");
}

/// `rules/CODES.md` is the code registry as `herken explain --format markdown` writes it, and
/// `herken explain` knows every code it lists: the documentation cannot drift from the codes
/// herken emits (every emitted code is a constant of the registry).
#[test]
fn the_code_reference_is_the_registry() {
    let r = run(&["explain", "--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = std::fs::read_to_string(repo("rules/CODES.md")).expect("rules/CODES.md");
    assert_eq!(
        r.stdout_text(),
        file,
        "rules/CODES.md is stale: regenerate it with `herken explain --format markdown > rules/CODES.md`"
    );
    let list = run(&["explain"]).stdout_text();
    let listed: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let documented: Vec<&str> = file
        .lines()
        .filter_map(|l| l.strip_prefix("### `")?.strip_suffix('`'))
        .collect();
    assert_eq!(listed, documented);
    for code in [
        "case::duplicate-key",
        "batch::unknown-code",
        "check::untested-indicator",
    ] {
        assert!(listed.contains(&code), "{code}");
        let one = run(&["explain", code]);
        assert_eq!(one.code, 0, "{}", one.stderr);
        assert!(one.stdout_text().contains("How to fix it:"));
    }
}

#[test]
fn context_indicators_are_shown_apart_from_the_signals() {
    // Nationality (weight 0) only shows which B8/3 route applies: it is context, never a signal.
    let case = r#"{"citizenship": "other_country", "passport_held_by": "employer_or_recruiter"}"#;
    let r = run_with(
        &[
            "screen",
            "--rules",
            "nl-geringste-aanwijzing",
            "--lang",
            "en",
            "-",
        ],
        case.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.stdout_text();
    assert!(
        out.contains("Context: Nationality outside the EU, EEA and Switzerland"),
        "{out}"
    );
    assert!(out.contains("Signals present (1):"), "{out}");
}
