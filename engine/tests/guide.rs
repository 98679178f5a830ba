//! Guided interviews: a step never says the highest outcome is decided, or the outcome settled,
//! when some way the open questions could be answered says otherwise (checked against random,
//! all-yes and all-no completions of random partial cases of every bundled set); the next
//! question is one that can be asked and can change something; a simulated interview always
//! ends on the full interview's outcome.

use std::sync::OnceLock;

use herken_engine::{CompiledRuleSet, Observations, QuestionType, TopStatus, load};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::bundled::bundled;

/// Every bundled rule set, loaded once.
fn sets() -> &'static [CompiledRuleSet] {
    static SETS: OnceLock<Vec<CompiledRuleSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        bundled()
            .iter()
            .map(|s| load(&s.sources).expect("a bundled set loads").rules)
            .collect()
    })
}

/// splitmix64: the test's own small generator, so one proptest seed drives a whole case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// How a completion answers the questions still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    Random,
    AllYes,
    AllNo,
}

/// An answer to question `q`: random, or the "yes" or "no" end of its range.
fn answer(rules: &CompiledRuleSet, q: usize, fill: Fill, rng: &mut Rng) -> Value {
    let question = &rules.questions()[q];
    let options = question.options();
    let (min, max) = (
        question.min().unwrap_or(0.0),
        question.max().unwrap_or(100.0),
    );
    match (question.kind(), fill) {
        (QuestionType::YesNo, Fill::AllYes) => json!(true),
        (QuestionType::YesNo, Fill::AllNo) => json!(false),
        (QuestionType::YesNo, Fill::Random) => json!(rng.chance(50)),
        (QuestionType::Integer, Fill::AllYes) => json!(max.floor() as i64),
        (QuestionType::Integer, Fill::AllNo) => json!(min.ceil() as i64),
        (QuestionType::Integer, Fill::Random) => {
            let span = (max.floor() - min.ceil()).max(0.0) as u64;
            json!(min.ceil() as i64 + rng.below(span + 1) as i64)
        }
        (QuestionType::Number, Fill::AllYes) => json!(max),
        (QuestionType::Number, Fill::AllNo) => json!(min),
        (QuestionType::Number, Fill::Random) => {
            json!(min + (max - min) * rng.below(1001) as f64 / 1000.0)
        }
        (QuestionType::Choice, Fill::AllYes) => json!(options[0].id()),
        (QuestionType::Choice, Fill::AllNo) => json!(options[options.len() - 1].id()),
        (QuestionType::Choice, Fill::Random) => {
            json!(options[rng.below(options.len() as u64) as usize].id())
        }
        (QuestionType::Choices, Fill::AllYes) => {
            json!(options.iter().map(|o| o.id()).collect::<Vec<_>>())
        }
        (QuestionType::Choices, Fill::AllNo) => json!([]),
        (QuestionType::Choices, Fill::Random) => json!(
            options
                .iter()
                .filter(|_| rng.chance(40))
                .map(|o| o.id())
                .collect::<Vec<_>>()
        ),
        (QuestionType::Text, Fill::AllNo) => json!(""),
        (QuestionType::Text, _) => {
            json!(["they took my passport", "ik werk elke dag", "schuld"][rng.below(3) as usize])
        }
    }
}

fn read(rules: &CompiledRuleSet, case: &Map<String, Value>) -> Observations {
    rules
        .observations(&Value::Object(case.clone()))
        .unwrap_or_else(|e| panic!("{}: generated case reads: {e:?}", rules.id()))
}

/// A partial interview: some questions answered, some asked and not known, the rest not asked
/// (only questions that apply when they are reached, as a form asks them).
fn partial(rules: &CompiledRuleSet, rng: &mut Rng) -> (Map<String, Value>, Vec<bool>) {
    let answered = rng.below(101);
    let mut case = Map::new();
    let mut asked = vec![false; rules.questions().len()];
    for (q, was_asked) in asked.iter_mut().enumerate() {
        if !rng.chance(answered) || !applies(rules, &case, q) {
            continue;
        }
        *was_asked = true;
        let id = rules.questions()[q].id().to_owned();
        if rng.chance(15) {
            case.insert(id, Value::Null);
        } else {
            let v = answer(rules, q, Fill::Random, rng);
            case.insert(id, v);
        }
    }
    (case, asked)
}

fn applies(rules: &CompiledRuleSet, case: &Map<String, Value>, q: usize) -> bool {
    rules.questions()[q].ask_if().is_none() || rules.applicable(&read(rules, case)).contains(&q)
}

/// The partial case completed: every question not asked that applies when it is reached is
/// answered (or, for a random completion, now and then not known).
fn complete(
    rules: &CompiledRuleSet,
    case: &Map<String, Value>,
    asked: &[bool],
    fill: Fill,
    rng: &mut Rng,
) -> Observations {
    let mut case = case.clone();
    for (q, &was_asked) in asked.iter().enumerate() {
        if was_asked || !applies(rules, &case, q) {
            continue;
        }
        let id = rules.questions()[q].id().to_owned();
        let v = if fill == Fill::Random && rng.chance(10) {
            Value::Null
        } else {
            answer(rules, q, fill, rng)
        };
        case.insert(id, v);
    }
    read(rules, &case)
}

fn check_step(rules: &CompiledRuleSet, seed: u64) {
    let mut rng = Rng(seed);
    let (case, asked) = partial(rules, &mut rng);
    let obs = read(rules, &case);
    let step = rules.interview_step(&obs, &asked);
    let top = rules.outcomes().len() - 1;
    let now = rules.screen_compact(&obs).outcome;
    assert_eq!(
        step.outcome,
        now,
        "{}: the step's outcome is the screen's",
        rules.id()
    );
    assert!(
        step.lowest <= now && now <= step.highest,
        "{}: bounds",
        rules.id()
    );
    assert_eq!(step.settled, step.lowest == step.highest);
    match step.next {
        Some(q) => {
            assert!(!step.settled, "{}: a settled step asks nothing", rules.id());
            assert!(
                !asked[q],
                "{}: asks `{}` again",
                rules.id(),
                rules.questions()[q].id()
            );
            assert!(
                rules.applicable(&obs).contains(&q),
                "{}: asks `{}`, which does not apply",
                rules.id(),
                rules.questions()[q].id()
            );
        }
        None => assert!(step.settled, "{}: an open step asks a question", rules.id()),
    }
    let fills = [Fill::AllYes, Fill::AllNo]
        .into_iter()
        .chain(std::iter::repeat_n(Fill::Random, 6));
    for fill in fills {
        let full = complete(rules, &case, &asked, fill, &mut rng);
        let outcome = rules.screen_compact(&full).outcome;
        let context = || {
            format!(
                "{} (seed {seed}, {fill:?} completion): step {step:?}, completed outcome {outcome}",
                rules.id()
            )
        };
        match step.top {
            TopStatus::Reached => assert_eq!(outcome, top, "{}", context()),
            TopStatus::OutOfReach => assert!(outcome < top, "{}", context()),
            TopStatus::Open => {}
        }
        if step.settled {
            assert_eq!(outcome, step.outcome, "{}", context());
        }
        assert!(
            step.lowest <= outcome && outcome <= step.highest,
            "{}",
            context()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_step_is_never_decided_when_a_completion_says_otherwise(seed in any::<u64>()) {
        for rules in sets() {
            check_step(rules, seed);
        }
    }

    #[test]
    fn a_simulated_interview_ends_on_the_full_interviews_outcome(seed in any::<u64>()) {
        for rules in sets() {
            let mut rng = Rng(seed);
            let full = complete(rules, &Map::new(), &vec![false; rules.questions().len()], Fill::Random, &mut rng);
            let sim = rules.simulate_interview(&full);
            let top = rules.outcomes().len() - 1;
            prop_assert!(sim.top_agrees(top), "{}: {sim:?}", rules.id());
            prop_assert!(sim.outcome_agrees(), "{}: {sim:?}", rules.id());
            prop_assert!(sim.asked_until_top_decided <= sim.asked_until_settled);
            prop_assert!(sim.asked_until_settled <= sim.full_questions, "{}: {sim:?}", rules.id());
        }
    }
}

/// A small set whose every step can be worked out by hand.
fn tiny() -> CompiledRuleSet {
    let manifest = r#"
format: 1
id: tiny
version: 1.0.0
status: draft
title: {en: Tiny}
licence: CC0-1.0
languages: [en]
questions:
  - {id: works_here, type: yesno, text: {en: "Do you work here?"}}
  - {id: passport_taken, type: yesno, text: {en: "Passport taken?"}, ask_if: obs.works_here}
  - {id: debt, type: yesno, text: {en: "A debt to the employer?"}}
  - {id: long_days, type: yesno, text: {en: "Long days?"}}
dimensions:
  - {id: coercion, label: {en: Coercion}, positive: {at_least: 2}}
  - {id: conditions, label: {en: Conditions}, positive: {at_least: 1}}
indicators:
  - {id: documents, dimension: coercion, strength: strong, label: {en: Documents}, when: obs.passport_taken}
  - {id: debt_bondage, dimension: coercion, strength: strong, label: {en: Debt}, when: obs.debt}
  - {id: hours, dimension: conditions, strength: weak, label: {en: Hours}, when: obs.long_days}
decision:
  - {id: coerced, outcome: possible_victim, when: 'positive("coercion")'}
  - {id: any-signal, outcome: signals_present, when: 'present_count() > 0'}
  - {id: otherwise, outcome: no_signals}
outcomes:
  - {id: no_signals, label: {en: No signals}, advice: {en: "Not proof of absence."}}
  - {id: signals_present, label: {en: Signals}, advice: {en: Consult.}}
  - {id: possible_victim, label: {en: Possible victim}, advice: {en: Refer.}}
"#;
    load(&herken_engine::Sources::new().with("ruleset.yaml", manifest))
        .expect("loads")
        .rules
}

fn step_for(rules: &CompiledRuleSet, case: Value, asked: &[&str]) -> herken_engine::InterviewStep {
    let obs = rules.observations(&case).expect("reads");
    let mut flags = vec![false; rules.questions().len()];
    for id in asked {
        flags[rules.question_index(id).expect("a question")] = true;
    }
    rules.interview_step(&obs, &flags)
}

#[test]
fn a_question_waiting_for_its_ask_if_gives_way_to_the_question_it_waits_for() {
    let rules = tiny();
    // The top outcome needs `documents` and `debt_bondage`; `passport_taken` waits for
    // `works_here`, so that is asked first.
    let step = step_for(&rules, json!({"debt": true}), &[]);
    assert_eq!(step.top, TopStatus::Open);
    assert_eq!(step.next, rules.question_index("works_here"));
    let step = step_for(&rules, json!({"debt": true, "works_here": true}), &[]);
    assert_eq!(step.next, rules.question_index("passport_taken"));
}

#[test]
fn the_top_outcome_is_out_of_reach_once_a_needed_answer_is_no_or_not_known() {
    let rules = tiny();
    let step = step_for(&rules, json!({"debt": false}), &[]);
    assert_eq!(step.top, TopStatus::OutOfReach);
    assert!(!step.settled, "signals can still be found");
    // `passport_taken` is never asked when `works_here` is no.
    let step = step_for(&rules, json!({"works_here": false}), &[]);
    assert_eq!(step.top, TopStatus::OutOfReach);
    // Asked and not known: as final as no.
    let step = step_for(&rules, json!({"debt": null}), &["debt"]);
    assert_eq!(step.top, TopStatus::OutOfReach);
    let step = step_for(&rules, json!({}), &["debt"]);
    assert_eq!(step.top, TopStatus::OutOfReach);
}

#[test]
fn the_outcome_is_settled_when_no_answer_can_change_it() {
    let rules = tiny();
    let step = step_for(
        &rules,
        json!({"works_here": true, "passport_taken": true, "debt": true}),
        &[],
    );
    assert_eq!(step.top, TopStatus::Reached);
    assert!(
        step.settled,
        "`long_days` cannot change the highest outcome"
    );
    assert_eq!(step.next, None);
    let step = step_for(
        &rules,
        json!({"works_here": false, "long_days": false}),
        &["debt"],
    );
    assert!(step.settled);
    assert_eq!(step.outcome, 0);
    assert_eq!(step.asked, 3);
}

#[test]
fn the_step_in_json_names_the_next_question_and_the_outcomes() {
    let rules = tiny();
    let obs = rules.observations(&json!({"debt": true})).expect("reads");
    let step = rules.guide(&obs, &[], "en");
    let v: Value = serde_json::from_str(&step.to_json()).expect("JSON");
    assert_eq!(v["ruleset"], "tiny");
    assert_eq!(v["asked"], 1);
    assert_eq!(v["next"]["id"], "works_here");
    assert_eq!(v["next"]["question"], "Do you work here?");
    assert_eq!(v["next"]["audience"], "person");
    assert_eq!(v["top"]["id"], "possible_victim");
    assert_eq!(v["top"]["status"], "open");
    assert_eq!(v["outcome"]["id"], "signals_present");
    assert_eq!(v["lowest"]["id"], "signals_present");
    assert_eq!(v["highest"]["id"], "possible_victim");
    assert_eq!(v["settled"], false);
}
