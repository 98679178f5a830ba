//! The one case reader: JSON text and parsed values read alike, answers read by an explicit
//! policy (JSON cases, research tables), a key given twice refused, and no case error ever
//! quoting the answer.

use herken_engine::{
    AnswerErrorKind, AnswerPolicy, CaseTextError, CompiledRuleSet, ObservationOptions,
    Observations, RawAnswer, Value, codes,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

use crate::common::{HEAD, OUTCOMES, load_ok};

/// A question of every type; `hours` bounded.
fn kinds() -> CompiledRuleSet {
    load_ok(&format!(
        "{HEAD}questions:
  - {{id: a, type: yesno, text: {{en: A?, nl: A?}}}}
  - {{id: hours, type: integer, min: 0, max: 168, text: {{en: Hours?, nl: Uren?}}}}
  - {{id: x, type: number, text: {{en: X?, nl: X?}}}}
  - id: sector
    type: choice
    text: {{en: Sector?, nl: Sector?}}
    options:
      - {{id: farm, label: {{en: Farm, nl: Boerderij}}}}
      - {{id: shop, label: {{en: Shop, nl: Winkel}}}}
  - id: held
    type: choices
    text: {{en: Held?, nl: Vastgehouden?}}
    options:
      - {{id: passport, label: {{en: Passport, nl: Paspoort}}}}
      - {{id: bank_card, label: {{en: Bank card, nl: Bankpas}}}}
  - {{id: story, type: text, text: {{en: Story, nl: Verhaal}}}}
dimensions:
  - {{id: d, label: {{en: D, nl: D}}, positive: {{at_least: 1}}}}
indicators:
  - {{id: i_a, dimension: d, strength: weak, label: {{en: A, nl: A}}, when: obs.a}}
  - {{id: i_hours, dimension: d, strength: weak, label: {{en: H, nl: H}}, when: obs.hours > 60}}
  - {{id: i_x, dimension: d, strength: weak, label: {{en: X, nl: X}}, when: obs.x > 1.5}}
  - {{id: i_sector, dimension: d, strength: weak, label: {{en: S, nl: S}}, when: obs.sector == \"farm\"}}
  - {{id: i_held, dimension: d, strength: weak, label: {{en: P, nl: P}}, when: '\"passport\" in obs.held'}}
  - {{id: i_story, dimension: d, strength: weak, label: {{en: T, nl: T}}, when: 'matches(obs.story, \"passport\")'}}
decision:
  - {{id: otherwise, outcome: no_signals}}
{OUTCOMES}"
    ))
}

fn table() -> ObservationOptions {
    ObservationOptions {
        allow_unknown_keys: true,
        policy: AnswerPolicy::TABLE,
    }
}

/// Reads `text` from the text, and checks that reading the parsed value (when it parses, and
/// has no key twice, which a parsed value cannot show) gives the same.
fn read(
    rules: &CompiledRuleSet,
    text: &str,
    options: ObservationOptions,
) -> Result<Observations, CaseTextError> {
    let direct = rules.observations_from_str(text, options);
    let repeated = matches!(&direct, Err(CaseTextError::Answers(e))
        if e.iter().any(|e| e.code == codes::case::DUPLICATE_KEY));
    if let (Ok(value), false) = (serde_json::from_str::<serde_json::Value>(text), repeated) {
        match (&direct, rules.observations_with(&value, options)) {
            (Ok(a), Ok(b)) => assert_eq!(a, &b, "{text}"),
            (Err(CaseTextError::Answers(a)), Err(b)) => assert_eq!(a, &b, "{text}"),
            (a, b) => panic!("{text}: the readers differ: {a:?} / {b:?}"),
        }
    }
    direct
}

fn errors(rules: &CompiledRuleSet, text: &str, options: ObservationOptions) -> Vec<String> {
    match read(rules, text, options) {
        Err(CaseTextError::Answers(errors)) => errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.code))
            .collect(),
        other => panic!("{text}: expected case errors, got {other:?}"),
    }
}

#[test]
fn a_key_given_twice_is_an_error_whatever_the_key() {
    let rules = kinds();
    let strict = ObservationOptions::default();
    assert_eq!(
        errors(&rules, r#"{"a": true, "hours": 3, "a": false}"#, strict),
        ["a case::duplicate-key"]
    );
    assert_eq!(
        errors(&rules, r#"{"id": 1, "a": true, "id": 2}"#, table()),
        ["id case::duplicate-key"]
    );
    // Unknown keys not allowed: the first is unknown, the second also a repeat.
    assert_eq!(
        errors(&rules, r#"{"nope": 1, "nope": 1}"#, strict),
        ["nope case::unknown-question", "nope case::duplicate-key"]
    );
    let obs = rules
        .observations_from_str(r#"{"id": 7, "a": true, "case": "x"}"#, table())
        .expect("valid");
    assert_eq!(obs.other_keys().collect::<Vec<_>>(), ["id", "case"]);
}

#[test]
fn json_cases_read_answers_as_written() {
    let rules = kinds();
    let strict = ObservationOptions {
        allow_unknown_keys: true,
        ..ObservationOptions::default()
    };
    let obs = read(
        &rules,
        r#"{"a": "yes", "hours": 40.0, "x": 2, "sector": "farm", "held": ["passport", "bank_card", "passport"], "story": " unknown "}"#,
        strict,
    )
    .expect("valid");
    assert_eq!(obs.get(0), &Value::Bool(true));
    assert_eq!(obs.get(1), &Value::Int(40));
    assert_eq!(obs.get(2), &Value::Float(2.0));
    assert_eq!(obs.get(3), &Value::Str("farm".into()));
    assert_eq!(
        obs.get(4),
        &Value::List(
            vec![
                Value::Str("passport".into()),
                Value::Str("bank_card".into())
            ]
            .into()
        )
    );
    assert_eq!(
        obs.get(5),
        &Value::Str(" unknown ".into()),
        "text as written"
    );
    let unknown = read(&rules, r#"{"a": null, "sector": "unknown"}"#, strict).expect("valid");
    assert!((0..6).all(|q| unknown.get(q) == &Value::Unknown));
    // What a table reads, a JSON case does not.
    assert_eq!(
        errors(
            &rules,
            r#"{"a": "Ja", "hours": "40", "sector": " farm", "held": "passport;bank_card", "x": -99}"#,
            strict
        ),
        [
            "a case::wrong-type",
            "held case::wrong-type",
            "hours case::wrong-type",
            "sector case::unknown-option",
        ]
    );
}

#[test]
fn tables_read_words_codes_and_separators() {
    let rules = kinds();
    let obs = read(
        &rules,
        r#"{"a": " Ja ", "hours": "40", "x": "-99", "sector": " farm ", "held": "passport; bank_card;", "story": "  "}"#,
        table(),
    )
    .expect("valid");
    assert_eq!(obs.get(0), &Value::Bool(true));
    assert_eq!(obs.get(1), &Value::Int(40));
    assert_eq!(obs.get(2), &Value::Unknown, "-99 is unknown");
    assert_eq!(obs.get(3), &Value::Str("farm".into()));
    assert_eq!(
        obs.get(4),
        &Value::List(
            vec![
                Value::Str("passport".into()),
                Value::Str("bank_card".into())
            ]
            .into()
        )
    );
    assert_eq!(obs.get(5), &Value::Unknown, "blank text is unknown");
    let numbers = read(&rules, r#"{"a": 0, "hours": -99, "x": 2.5}"#, table()).expect("valid");
    assert_eq!(numbers.get(0), &Value::Bool(false));
    assert_eq!(numbers.get(1), &Value::Unknown);
    assert_eq!(numbers.get(2), &Value::Float(2.5));
    // Cells, as a CSV gives them.
    let q = |id: &str| &rules.questions()[rules.question_index(id).expect("question")];
    let cell = |id: &str, text: &str| q(id).answer(&AnswerPolicy::TABLE, RawAnswer::Text(text));
    assert_eq!(cell("a", "NEE"), Ok(Value::Bool(false)));
    assert_eq!(cell("a", "unknown"), Ok(Value::Unknown));
    assert_eq!(cell("hours", "72.0"), Ok(Value::Int(72)));
    assert_eq!(
        cell("story", " as told "),
        Ok(Value::Str(" as told ".into()))
    );
    let kind = |r: Result<Value, herken_engine::AnswerError>| r.expect_err("refused").kind;
    assert_eq!(kind(cell("a", "maybe")), AnswerErrorKind::WrongType);
    assert_eq!(kind(cell("hours", "many")), AnswerErrorKind::WrongType);
    assert_eq!(kind(cell("hours", "500")), AnswerErrorKind::OutOfBounds);
    assert_eq!(
        kind(cell("held", "passport;visa")),
        AnswerErrorKind::UnknownOption
    );
}

/// A marker fed as the answer through every case-error path (every question type, both
/// policies, JSON text, parsed values and cells) appears in no message and no help.
#[test]
fn no_case_error_quotes_the_answer() {
    const MARKER: &str = "ZQXMARKERQXZ";
    let rules = kinds();
    let long = format!("{MARKER}{}", "x".repeat(70 * 1024));
    let mut texts = Vec::new();
    for (q, _) in [
        ("a", ()),
        ("hours", ()),
        ("x", ()),
        ("sector", ()),
        ("held", ()),
        ("story", ()),
    ] {
        for value in [
            json!(MARKER),
            json!([MARKER]),
            json!({ MARKER: MARKER }),
            json!(format!("{MARKER};passport")),
            json!(long),
        ] {
            texts.push(json!({ q: value }).to_string());
        }
    }
    texts.push(json!({"hours": 1_000_000_000, "x": 1.5}).to_string());
    let mut seen = 0;
    for text in &texts {
        for options in [ObservationOptions::default(), table()] {
            if let Err(CaseTextError::Answers(errors)) = read(&rules, text, options) {
                for e in &errors {
                    seen += 1;
                    let shown = format!("{e} {:?}", e.help);
                    assert!(!shown.contains(MARKER), "{shown}");
                }
            }
        }
    }
    for q in rules.questions() {
        for text in [MARKER, &long] {
            if let Err(e) = q.answer(&AnswerPolicy::TABLE, RawAnswer::Text(text)) {
                seen += 1;
                assert!(!e.to_string().contains(MARKER), "{e}");
            }
        }
    }
    assert!(seen > 40, "only {seen} errors: the paths were not reached");
}

/// Reading into a reused `Observations` gives what reading afresh gives, whatever came before.
#[test]
fn reading_into_reused_memory_forgets_the_case_before() {
    let rules = kinds();
    let texts = prop::sample::select(vec![
        r#"{"a": true, "hours": 70, "id": 1}"#,
        r#"{"held": ["passport"], "other": 2}"#,
        r#"{"a": 1, "a": 2}"#,
        r#"{"story": "they took my passport", "id": 1, "id": 2}"#,
        r#"[1]"#,
        r#"{"hours": 900}"#,
        r#"{}"#,
    ]);
    let mut runner = TestRunner::new(Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    });
    let reused = std::cell::RefCell::new(Observations::unknown(&rules));
    let result = runner.run(&texts, |text| {
        let fresh = rules.observations_from_str(text, table());
        let mut reused = reused.borrow_mut();
        let again = rules
            .observations_from_str_into(text, table(), &mut reused)
            .map(|()| reused.clone());
        prop_assert_eq!(format!("{fresh:?}"), format!("{again:?}"));
        if let Ok(fresh) = fresh {
            prop_assert_eq!(
                fresh.other_keys().collect::<Vec<_>>(),
                reused.other_keys().collect::<Vec<_>>()
            );
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
