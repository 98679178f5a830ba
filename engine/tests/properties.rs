//! Property tests over generated cases: determinism, locality of answers, monotonicity of the
//! ILO adult-labour set, JSON round trips, and arbitrary JSON answers never panicking.
//!
//! Case counts are kept small so the module runs in a few seconds in a debug build.

use std::path::Path;
use std::sync::OnceLock;

use herken_engine::{CompiledRuleSet, QuestionType, Report, ScreenOptions, Sources, load};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const CASES: u32 = 128;

#[expect(
    clippy::disallowed_methods,
    reason = "tests read the bundled rule set from disk, as the CLI does"
)]
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The ILO adult-labour set, loaded once.
fn ilo() -> &'static CompiledRuleSet {
    static RULES: OnceLock<CompiledRuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/ilo-2009-adult-labour");
        let sources = Sources::new().with("ruleset.yaml", read(&dir.join("ruleset.yaml")));
        match load(&sources) {
            Ok(loaded) => loaded.rules,
            Err(d) => panic!("the ILO set loads: {d:?}"),
        }
    })
}

fn options() -> ScreenOptions {
    ScreenOptions {
        language: "en".into(),
        next_questions: true,
    }
}

/// A valid answer to question `q` chosen by `seed`, or `None` for "not answered".
fn answer(rules: &CompiledRuleSet, q: usize, seed: u32) -> Option<Value> {
    let question = &rules.questions()[q];
    if seed.is_multiple_of(5) {
        return None;
    }
    if seed % 5 == 1 {
        return Some(Value::Null);
    }
    let pick = seed / 5;
    Some(match question.kind() {
        QuestionType::YesNo => json!(pick.is_multiple_of(2)),
        QuestionType::Integer => {
            let (min, max) = (
                question.min().unwrap_or(0.0),
                question.max().unwrap_or(100.0),
            );
            let span = (max - min).max(0.0) as u32 + 1;
            json!(min as i64 + i64::from(pick % span))
        }
        QuestionType::Number => json!(question.min().unwrap_or(0.0) + f64::from(pick % 100) / 4.0),
        QuestionType::Choice => {
            json!(question.options()[pick as usize % question.options().len()].id())
        }
        QuestionType::Choices => {
            let ids: Vec<&str> = question
                .options()
                .iter()
                .enumerate()
                .filter(|(i, _)| pick & (1 << (i % 31)) != 0)
                .map(|(_, o)| o.id())
                .collect();
            json!(ids)
        }
        QuestionType::Text => {
            json!(["", "they took my passport", "ik werk elke dag"][pick as usize % 3])
        }
    })
}

/// A case for `rules` from one seed per question.
fn case_from(rules: &CompiledRuleSet, seeds: &[u32]) -> Value {
    let mut map = Map::new();
    for (q, &seed) in seeds.iter().enumerate().take(rules.questions().len()) {
        if let Some(a) = answer(rules, q, seed) {
            map.insert(rules.questions()[q].id().to_owned(), a);
        }
    }
    Value::Object(map)
}

fn screen<'r>(rules: &'r CompiledRuleSet, case: &Value) -> Report<'r> {
    herken_engine::screen(rules, case, &options()).expect("generated cases are valid")
}

fn seeds() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(any::<u32>(), ilo().questions().len())
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z_]{0,12}".prop_map(Value::String),
        ".{0,24}".prop_map(Value::String),
        Just(json!("unknown")),
        Just(json!("yes")),
        Just(json!(-99)),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn the_same_case_gives_the_same_report(seeds in seeds()) {
        let rules = ilo();
        let case = case_from(rules, &seeds);
        let first = screen(rules, &case).to_json();
        let second = screen(rules, &case).to_json();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn answering_a_question_changes_only_the_indicators_that_read_it(
        seeds in seeds(),
        which in any::<prop::sample::Index>(),
        seed in any::<u32>(),
    ) {
        let rules = ilo();
        let mut case = case_from(rules, &seeds);
        let before = screen(rules, &case);
        let q = which.index(rules.questions().len());
        let id = rules.questions()[q].id().to_owned();
        let map = case.as_object_mut().expect("an object");
        match answer(rules, q, seed) {
            Some(a) => map.insert(id.clone(), a),
            None => map.remove(&id),
        };
        let after = screen(rules, &case);
        for (b, a) in before.indicators.iter().zip(&after.indicators) {
            if !b.reads.contains_key(&id) {
                prop_assert_eq!(b.state, a.state, "{} does not read {}", b.id, id);
            }
        }
    }

    #[test]
    fn a_yes_never_lowers_the_ilo_outcome(
        seeds in seeds(),
        which in any::<prop::sample::Index>(),
    ) {
        let rules = ilo();
        let yes_no: Vec<usize> = (0..rules.questions().len())
            .filter(|&q| rules.questions()[q].kind() == QuestionType::YesNo)
            .collect();
        let q = yes_no[which.index(yes_no.len())];
        let id = rules.questions()[q].id().to_owned();
        let mut case = case_from(rules, &seeds);
        // From unknown or no …
        let map = case.as_object_mut().expect("an object");
        if map.get(&id) == Some(&json!(true)) {
            map.insert(id.clone(), json!(false));
        }
        let before = screen(rules, &case).outcome.level;
        // … to yes.
        case.as_object_mut().expect("an object").insert(id.clone(), json!(true));
        let after = screen(rules, &case).outcome.level;
        prop_assert!(after >= before, "answering {} yes lowered the outcome {} → {}", id, before, after);
    }

    #[test]
    fn reports_round_trip_through_json(seeds in seeds()) {
        let rules = ilo();
        let report = screen(rules, &case_from(rules, &seeds));
        let json = report.to_json();
        let back: Report = serde_json::from_str(&json).expect("a report reads back");
        prop_assert_eq!(&back, &report);
        prop_assert_eq!(back.to_json(), json);
    }

    #[test]
    fn arbitrary_json_answers_never_panic(
        answers in prop::collection::vec((any::<prop::sample::Index>(), json_value()), 0..8),
        extra in prop::option::of(("[a-z_]{1,10}", json_value())),
        whole in json_value(),
    ) {
        let rules = ilo();
        let mut map = Map::new();
        for (which, value) in answers {
            let q = which.index(rules.questions().len());
            map.insert(rules.questions()[q].id().to_owned(), value);
        }
        if let Some((key, value)) = extra {
            map.insert(key, value);
        }
        for case in [Value::Object(map), whole] {
            match rules.observations(&case) {
                Ok(obs) => {
                    let report = rules.evaluate(&obs, &options());
                    prop_assert_eq!(report.indicators.len(), rules.indicators().len());
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }
    }
}
