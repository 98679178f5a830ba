//! The native evaluator against the interpreted one: every rule set is loaded twice, once as
//! usual and once with `LoadOptions { interpret_all: true }` (every condition run as a Rhai
//! script in the sandbox, the reference), and both screen the same cases: every bundled set's
//! own test cases, generated cases for every bundled set, and a set of condition shapes
//! (numbers near Rhai's float epsilon, int/float mixing, arithmetic, choices, patterns,
//! `known`).
//!
//! What must hold, per indicator:
//! - every answer its condition reads is known: the same state (and, with every answer known,
//!   the same outcome, deciding rule and "may rise");
//! - some answer it reads is unknown: the native state *refines* the scripted one. Scripts
//!   follow the conservative rule (false with an unknown read is unknown, an error with an
//!   unknown read is unknown) while native conditions use Kleene logic, so native may decide
//!   where the script cannot: scripted present ⇒ native present; scripted absent ⇒ native
//!   absent; scripted unknown ⇒ native present, absent or unknown, never error.
//!
//! The exception, kept out of the shapes below and shown by its own test: in Rhai an unknown
//! answer is the value `()`, so `()==()` is true, `() != "x"` is true and `!(() > 3)` is true.
//! A script comparing unknown answers for (in)equality, or negating a comparison with one, can
//! give present where the native path, by the format's rule "a comparison with an unknown side
//! is unknown", gives unknown.
//!
//! Also here: the report's own JSON writer (`Report::to_json`) gives exactly the bytes of
//! serde_json over the derived `Serialize`, and the report written straight from a screening
//! (`CompiledRuleSet::evaluate_json`) exactly the bytes of `Report::to_json`.

use herken_engine::{
    CompactResult, CompiledRuleSet, LoadOptions, QuestionType, ScreenOptions, Sources, State, load,
    load_with, read_tests,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

/// A rule set compiled both ways, with its own test files.
struct Pair {
    name: String,
    native: CompiledRuleSet,
    scripted: CompiledRuleSet,
    tests: std::collections::BTreeMap<String, String>,
}

fn pair(name: &str, sources: &Sources) -> Pair {
    let native = load(sources)
        .unwrap_or_else(|d| panic!("{name}: {d:?}"))
        .rules;
    let scripted = load_with(
        sources,
        &LoadOptions {
            interpret_all: true,
            ..LoadOptions::default()
        },
    )
    .unwrap_or_else(|d| panic!("{name} (interpreted): {d:?}"))
    .rules;
    Pair {
        name: name.to_owned(),
        native,
        scripted,
        tests: std::collections::BTreeMap::new(),
    }
}

fn bundled() -> Vec<Pair> {
    crate::bundled::bundled()
        .into_iter()
        .map(|set| {
            let mut p = pair(&set.name, &set.sources);
            p.tests = set.tests;
            p
        })
        .collect()
}

/// Compares the two paths on one case; `Err` says what differs.
fn compare(p: &Pair, case: &Value) -> Result<(), String> {
    let (obs, obs_scripted) = match (p.native.observations(case), p.scripted.observations(case)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) if a == b => return Ok(()),
        (a, b) => return Err(format!("the case reads differently: {a:?} vs {b:?}")),
    };
    let native = p.native.screen_compact(&obs);
    let scripted = p.scripted.screen_compact(&obs_scripted);
    let known = |q: usize| *obs.get(q) != herken_engine::Value::Unknown;
    for (i, ind) in p.native.indicators().iter().enumerate() {
        let (n, s) = (native.states[i], scripted.states[i]);
        let all_known = ind.reads().iter().all(|&q| known(q));
        let ok = if all_known {
            n == s
        } else {
            match s {
                State::Present => n == State::Present,
                State::Absent => n == State::Absent,
                State::Unknown => n != State::Error,
                // Only a sandbox limit; the native path has none to hit.
                State::Error => true,
            }
        };
        if !ok {
            return Err(format!(
                "indicator `{}`: native {n:?}, interpreted {s:?} (every read known: {all_known})",
                ind.id()
            ));
        }
    }
    if (0..p.native.questions().len()).all(known) && !same_decision(&native, &scripted) {
        return Err(format!(
            "with every answer known the decisions differ: native {native:?}, interpreted {scripted:?}"
        ));
    }
    Ok(())
}

/// The report's JSON writers against each other and serde_json, in both languages and one the
/// set lacks, with and without next questions, for the native and the interpreted set.
fn same_json(p: &Pair, case: &Value) -> Result<(), String> {
    for rules in [&p.native, &p.scripted] {
        let Ok(obs) = rules.observations(case) else {
            return Ok(());
        };
        // `fr`: a language no bundled set has, so the report falls back to the set's first.
        for language in ["en", "nl", "fr"] {
            for next_questions in [true, false] {
                let options = ScreenOptions {
                    language: language.into(),
                    next_questions,
                };
                let report = rules.evaluate(&obs, &options);
                next_questions_hold(rules, &report)?;
                let by_serde = serde_json::to_string(&report).map_err(|e| e.to_string())?;
                let written = report.to_json();
                let direct = rules.evaluate_json(&obs, &options);
                if direct != written {
                    return Err(format!(
                        "{} ({language}, next questions: {next_questions})",
                        differ("evaluate_json", "Report::to_json", &direct, &written)
                    ));
                }
                // The bytes the WASM module writes: after some text, as it appends.
                let mut bytes = b"{}".to_vec();
                let mut other = Vec::new();
                rules.evaluate_json_bytes_into(&obs, &options, &mut bytes, &mut other);
                // The module makes a string of one-byte characters of the bytes outside the
                // ranges said to hold other characters: one there would come out garbled.
                let mut at = 2;
                for range in other.iter().chain([&(bytes.len()..bytes.len())]) {
                    if range.start < at || range.end < range.start {
                        return Err(format!(
                            "ranges of other characters out of order: {other:?}"
                        ));
                    }
                    if let Some(n) = bytes[at..range.start].iter().position(|b| !b.is_ascii()) {
                        return Err(format!(
                            "a character other than ASCII at byte {} of the report, outside \
                             the ranges marked ({language}, next questions: {next_questions}): {direct}",
                            at + n - 2
                        ));
                    }
                    at = range.end;
                }
                if bytes[2..] != *direct.as_bytes() {
                    return Err(format!(
                        "{} ({language}, next questions: {next_questions})",
                        differ(
                            "evaluate_json_bytes_into",
                            "evaluate_json",
                            &String::from_utf8_lossy(&bytes[2..]),
                            &direct
                        )
                    ));
                }
                if written != by_serde {
                    return Err(format!(
                        "{} ({language})",
                        differ("Report::to_json", "serde_json", &written, &by_serde)
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Each next question's `could_raise_to` is the outcome `decide` gives with its indicators
/// present (the ranking tries only some decision rules when the decision is monotone), and
/// the questions come highest outcome first.
fn next_questions_hold(
    rules: &CompiledRuleSet,
    report: &herken_engine::Report,
) -> Result<(), String> {
    let states: Vec<State> = report.indicators.iter().map(|i| i.state).collect();
    let mut previous = usize::MAX;
    for next in &report.next_questions {
        let mut trial = states.clone();
        for id in &next.indicators {
            match rules
                .indicators()
                .iter()
                .position(|i| i.id() == id.as_ref())
            {
                Some(i) => trial[i] = State::Present,
                None => return Err(format!("next question `{}`: no indicator `{id}`", next.id)),
            }
        }
        let level = rules.decide(&trial).outcome;
        let expected = (level > report.outcome.level).then(|| rules.outcomes()[level].id());
        if next.could_raise_to.as_deref() != expected {
            return Err(format!(
                "next question `{}`: could raise to {:?}, but its indicators present give `{}`",
                next.id,
                next.could_raise_to,
                rules.outcomes()[level].id()
            ));
        }
        if level > previous {
            return Err(format!(
                "next question `{}` is ranked below a lower outcome",
                next.id
            ));
        }
        previous = level;
    }
    Ok(())
}

/// Where two JSON texts differ, with some text around it.
fn differ(a_name: &str, b_name: &str, a: &str, b: &str) -> String {
    let at = a
        .bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at.saturating_sub(60);
    format!(
        "{a_name} differs from {b_name} at byte {at}:\n  {a_name}: …{}\n  {b_name}: …{}",
        a.get(from..(at + 60).min(a.len())).unwrap_or(""),
        b.get(from..(at + 60).min(b.len())).unwrap_or("")
    )
}

fn same_decision(a: &CompactResult, b: &CompactResult) -> bool {
    a.outcome == b.outcome && a.decided_by == b.decided_by && a.may_rise == b.may_rise
}

#[test]
fn native_and_interpreted_agree_on_every_bundled_test_case() {
    for p in bundled() {
        let cases = read_tests(&p.native, &p.tests).unwrap_or_else(|d| panic!("{}: {d:?}", p.name));
        assert!(!cases.is_empty(), "{} has no test cases", p.name);
        for case in cases {
            if let Err(e) = compare(&p, &case.observations).and(same_json(&p, &case.observations)) {
                panic!("{}, test case `{}`: {e}", p.name, case.name);
            }
        }
    }
}

/// A valid answer for a question, unknown with probability `unknown`.
fn answer(q: &herken_engine::Question, unknown: bool) -> BoxedStrategy<Option<Value>> {
    let given: BoxedStrategy<Value> = match q.kind() {
        QuestionType::YesNo => prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            prop_oneof![Just("yes"), Just("no")].prop_map(|s| json!(s)),
        ]
        .boxed(),
        QuestionType::Integer => {
            let (lo, hi) = (
                q.min().unwrap_or(-1000.0) as i64,
                q.max().unwrap_or(1000.0) as i64,
            );
            // Mostly near small thresholds, sometimes anywhere in range.
            prop_oneof![
                3 => (lo.max(-12)..=hi.min(70)).prop_map(|n| json!(n)),
                1 => (lo..=hi).prop_map(|n| json!(n)),
            ]
            .boxed()
        }
        QuestionType::Number => {
            let (lo, hi) = (q.min().unwrap_or(-1000.0), q.max().unwrap_or(1000.0));
            // Values at and around Rhai's relative epsilon from the thresholds used below.
            let edges: Vec<f64> = [
                0.0,
                -0.0,
                0.1,
                0.2,
                0.3,
                0.1 + 0.2,
                0.299_999_999_999_999_9,
                0.5,
                0.7,
                1.0,
                1.000_000_000_000_000_2,
                0.999_999_999_999_999_9,
                2.0,
                7.0,
                7.000_000_000_000_001,
                14.0,
                1e-300,
                -1e-300,
            ]
            .into_iter()
            .filter(|x| (lo..=hi).contains(x))
            .collect();
            prop_oneof![
                1 => (lo..=hi).prop_map(|x| json!(x)),
                2 => prop::sample::select(edges).prop_map(|x| json!(x)),
                1 => (-10i64..=20).prop_map(|n| json!(n)),
            ]
            .boxed()
        }
        QuestionType::Choice => {
            let ids: Vec<String> = q.options().iter().map(|o| o.id().to_owned()).collect();
            prop::sample::select(ids).prop_map(Value::String).boxed()
        }
        QuestionType::Choices => {
            let ids: Vec<String> = q.options().iter().map(|o| o.id().to_owned()).collect();
            prop::sample::subsequence(ids.clone(), 0..=ids.len())
                .prop_map(|v| json!(v))
                .boxed()
        }
        QuestionType::Text => prop::sample::select(vec![
            "",
            "ok",
            "they took my PASSPORT",
            "ik heb een schuld bij de baas",
            "geen problemen",
            "Paspoort kwijt, schuld",
        ])
        .prop_map(|s| json!(s))
        .boxed(),
    };
    if unknown {
        prop_oneof![
            2 => given.prop_map(Some),
            1 => prop_oneof![Just(None), Just(Some(Value::Null)), Just(Some(json!("unknown")))],
        ]
        .boxed()
    } else {
        given.prop_map(Some).boxed()
    }
}

/// Cases for a rule set: every question answered, or some left unknown.
fn cases(rules: &CompiledRuleSet, unknown: bool) -> impl Strategy<Value = Value> {
    let ids: Vec<String> = rules
        .questions()
        .iter()
        .map(|q| q.id().to_owned())
        .collect();
    let answers: Vec<_> = rules
        .questions()
        .iter()
        .map(|q| answer(q, unknown))
        .collect();
    answers.prop_map(move |answers| {
        let mut map = Map::new();
        for (id, a) in ids.iter().zip(answers) {
            if let Some(a) = a {
                map.insert(id.clone(), a);
            }
        }
        Value::Object(map)
    })
}

fn run_generated(p: &Pair, count: u32) {
    for unknown in [false, true] {
        let mut runner = TestRunner::new(Config {
            cases: count,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&cases(&p.native, unknown), |case| {
            compare(p, &case)
                .and_then(|()| same_json(p, &case))
                .map_err(|e| TestCaseError::fail(format!("{e}\n  case: {case}")))
        });
        if let Err(e) = result {
            panic!("{} (unknown answers: {unknown}): {e}", p.name);
        }
    }
}

#[test]
fn native_and_interpreted_agree_on_generated_cases_for_every_bundled_set() {
    for p in bundled() {
        run_generated(&p, 48);
    }
}

/// Condition shapes beyond what the bundled sets use, each natively compiled.
const SHAPES: &str = r#"
format: 1
id: shapes
version: 1.0.0
status: draft
title: {en: Shapes, nl: Vormen}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: a, type: yesno, text: {en: A, nl: A}}
  - {id: b, type: yesno, text: {en: B, nl: B}}
  - {id: c, type: yesno, text: {en: C, nl: C}, ask_if: obs.a}
  - {id: n, type: integer, text: {en: N, nl: N}, min: -1000, max: 1000}
  - {id: x, type: number, text: {en: X, nl: X}}
  - {id: y, type: number, text: {en: Y, nl: Y}, min: -50, max: 50}
  - id: pick
    type: choice
    text: {en: Pick, nl: Kies}
    options: [{id: red, label: {en: Red, nl: Rood}}, {id: green, label: {en: Green, nl: Groen}}, {id: blue, label: {en: Blue, nl: Blauw}}]
  - id: many
    type: choices
    text: {en: Many, nl: Veel}
    options: [{id: red, label: {en: Red, nl: Rood}}, {id: green, label: {en: Green, nl: Groen}}, {id: blue, label: {en: Blue, nl: Blauw}}]
  - {id: story, type: text, text: {en: Story, nl: Verhaal}}
dimensions:
  - {id: d1, label: {en: D1, nl: D1}, positive: {at_least: 3}}
  - {id: d2, label: {en: D2, nl: D2}, positive: {score_at_least: 2.5}}
indicators:
  - {id: i01, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.a && obs.b"}
  - {id: i02, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.a || obs.b && obs.c"}
  - {id: i03, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.n > 10"}
  - {id: i04, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.n * 2 >= obs.x"}
  - {id: i05, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.x > 0.3"}
  - {id: i06, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.x + obs.y < 1.0"}
  - {id: i07, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.x - 0.1 <= obs.y * 3"}
  - {id: i08, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.x >= 1 && obs.x <= 7"}
  - {id: i09, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "-obs.n < 5"}
  - {id: i10, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.n / 3 > 2"}
  - {id: i11, dimension: d1, weight: 1, label: {en: I, nl: I}, when: "obs.x / 2.0 > obs.y"}
  - {id: i12, dimension: d2, weight: 1.5, label: {en: I, nl: I}, when: "obs.pick in [\"green\", \"blue\"]"}
  - {id: i13, dimension: d2, weight: 0.5, label: {en: I, nl: I}, when: "\"red\" in obs.many"}
  - {id: i14, dimension: d2, weight: 0.75, label: {en: I, nl: I}, when: "matches(obs.story, \"pass(port)?|schuld\")"}
  - {id: i15, dimension: d2, weight: 1, label: {en: I, nl: I}, when: "known(obs.x) && known(obs.story)"}
  - {id: i16, dimension: d2, weight: 1, label: {en: I, nl: I}, when: "obs.y > 14 || obs.n >= 7 && obs.a"}
  - {id: i17, dimension: d2, weight: 1, label: {en: I, nl: I}, when: "\"ok\" in obs.story || obs.story > \"p\""}
  - {id: i18, dimension: d2, weight: 2, label: {en: I, nl: I}, when: "obs.x * obs.y >= 0.2"}
decision:
  - {id: both, outcome: high, when: "positive(\"d1\") && positive(\"d2\")"}
  - {id: some, outcome: mid, when: "present_count() >= 4 || score(\"d2\") > 1.5 || present_count([\"i01\", \"i12\"]) == 2"}
  - {id: otherwise, outcome: low}
outcomes:
  - {id: low, label: {en: Low, nl: Laag}, advice: {en: Help is available., nl: Hulp is er.}}
  - {id: mid, label: {en: Mid, nl: Midden}, advice: {en: Help is available., nl: Hulp is er.}}
  - {id: high, label: {en: High, nl: Hoog}, advice: {en: Help is available., nl: Hulp is er.}}
"#;

#[test]
fn native_and_interpreted_agree_on_condition_shapes() {
    let p = pair("shapes", &Sources::new().with("ruleset.yaml", SHAPES));
    assert!(
        p.native.indicators().iter().all(|i| !i.is_scripted()),
        "every shape compiles natively"
    );
    assert!(
        p.scripted.indicators().iter().all(|i| i.is_scripted()),
        "interpret_all compiles every condition as a script"
    );
    run_generated(&p, 512);
}

/// The documented exception: Rhai compares the unknown value `()` like any other value.
#[test]
fn a_script_comparing_an_unknown_answer_for_inequality_is_present_natively_unknown() {
    let manifest = SHAPES.replace(
        r#"when: "obs.a && obs.b"}"#,
        r#"when: "obs.pick != \"red\""}"#,
    );
    let p = pair("inequality", &Sources::new().with("ruleset.yaml", manifest));
    let case = json!({});
    let native = p
        .native
        .screen_compact(&p.native.observations(&case).expect("valid"));
    let scripted = p
        .scripted
        .screen_compact(&p.scripted.observations(&case).expect("valid"));
    assert_eq!(
        native.states[0],
        State::Unknown,
        "native: unknown is never a yes"
    );
    assert_eq!(
        scripted.states[0],
        State::Present,
        "Rhai: `() != \"red\"` is true"
    );
}

/// Texts that need escapes, weights that are not whole, an indicator in error (with a
/// diagnostic) and text answers: the report's writer still gives serde_json's bytes.
#[test]
fn the_report_writer_escapes_and_reports_errors_as_serde_json_does() {
    let manifest = r#"
format: 1
id: escapes
version: 1.0.0
status: draft
title: {en: "Quotes \" and \\ back", nl: "Tab\there"}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: a, type: yesno, text: {en: "A \"quoted\" question?\nSecond line", nl: "Vraag é€ 😀?"}}
  - {id: story, type: text, text: {en: "Story\u0001?", nl: "Verhaal?"}}
dimensions:
  - {id: d, label: {en: "D \\ slash", nl: "D\r"}, positive: {score_at_least: 2}}
indicators:
  - {id: i1, dimension: d, weight: 0.3, label: {en: "I \"one\"", nl: "I\u001f"}, when: "obs.a"}
  - {id: i2, dimension: d, weight: 1e20, label: {en: "Two", nl: "Twee"}, when: "matches(obs.story, \"x\")"}
  - id: broken
    dimension: d
    weight: 2.5
    label: {en: Broken, nl: Stuk}
    reads: [a]
    when: |
      throw "boom \"here\"\n";
decision:
  - {id: any, outcome: high, when: "present_count() >= 1"}
  - {id: otherwise, outcome: low}
outcomes:
  - {id: low, label: {en: "Low \u007f", nl: Laag}, advice: {en: "Help\tis available.", nl: Hulp.}}
  - {id: high, label: {en: High, nl: Hoog}, advice: {en: "\"Help\"", nl: Hulp.}}
"#;
    let p = pair("escapes", &Sources::new().with("ruleset.yaml", manifest));
    for case in [
        json!({}),
        json!({"a": true, "story": "a \"quoted\" x\n\u{1} \\ é"}),
        json!({"a": false, "story": "nothing"}),
    ] {
        let report = p.native.evaluate(
            &p.native.observations(&case).expect("valid"),
            &ScreenOptions::default(),
        );
        // With `a` unknown, the failing script reads as unknown.
        if case.get("a").is_some() {
            assert!(
                report.indicators.iter().any(|i| i.state == State::Error),
                "the broken indicator is in error"
            );
            assert!(!report.diagnostics.is_empty());
        }
        if let Err(e) = same_json(&p, &case) {
            panic!("{e}");
        }
    }
}
