//! The decision analysis: each kind of dead rule is caught with its explanation, exact cases
//! are not flagged, and `reachable` agrees with brute force over every case of generated rule
//! sets (every decision rule that fires in some case, and only those, is reachable; every
//! example it gives fires the rule).

use std::time::Instant;

use herken_engine::{
    CompiledRuleSet, Diagnostic, LoadOptions, RuleReach, ScreenOptions, Sources, State, load,
    load_with, screen,
};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::common::{HEAD, OUTCOMES};

/// A set of yes/no questions `q0..`, one indicator `iK` per question (`when: obs.qK`) with the
/// given dimension and strength, the dimensions `d0..` with their rules, and the decision.
fn set(
    dimensions: &[&str],
    indicators: &[(usize, &str)],
    decision: &[(&str, &str, &str)],
) -> String {
    let mut text = HEAD.to_owned();
    text.push_str("questions:\n");
    for k in 0..indicators.len() {
        text.push_str(&format!(
            "  - {{id: q{k}, type: yesno, text: {{en: q{k}?, nl: q{k}?}}}}\n"
        ));
    }
    text.push_str("dimensions:\n");
    for (d, rule) in dimensions.iter().enumerate() {
        text.push_str(&format!(
            "  - {{id: d{d}, label: {{en: d{d}, nl: d{d}}}, positive: {rule}}}\n"
        ));
    }
    text.push_str("indicators:\n");
    for (k, (d, strength)) in indicators.iter().enumerate() {
        text.push_str(&format!(
            "  - {{id: i{k}, dimension: d{d}, strength: {strength}, label: {{en: i{k}, nl: i{k}}}, when: obs.q{k}}}\n"
        ));
    }
    text.push_str("decision:\n");
    for (id, outcome, when) in decision {
        if when.is_empty() {
            text.push_str(&format!("  - {{id: {id}, outcome: {outcome}}}\n"));
        } else {
            text.push_str(&format!(
                "  - {{id: {id}, outcome: {outcome}, when: '{when}'}}\n"
            ));
        }
    }
    text.push_str(OUTCOMES);
    text
}

fn diagnostics(text: &str) -> Vec<Diagnostic> {
    match load(&Sources::new().with("ruleset.yaml", text)) {
        Ok(loaded) => loaded.warnings,
        Err(d) => d,
    }
}

fn errors(text: &str) -> Vec<(String, String)> {
    diagnostics(text)
        .into_iter()
        .filter(Diagnostic::is_error)
        .map(|d| (d.code.to_string(), d.message))
        .collect()
}

fn three_of(dimension: &str) -> String {
    set(
        &[dimension],
        &[(0, "strong"), (0, "medium"), (0, "weak")],
        &[
            ("x", "possible_victim", "__"),
            ("otherwise", "no_signals", ""),
        ],
    )
}

fn with_rule(when: &str) -> String {
    three_of("{at_least: 1}").replace("__", when)
}

#[test]
fn a_rule_that_asks_for_more_than_the_set_has_can_never_hold() {
    let e = errors(&with_rule("present_count() > 5"));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(e[0].0, "compile::unreachable-rule");
    let d = diagnostics(&with_rule("present_count() > 5"));
    let d: Vec<&Diagnostic> = d.iter().filter(|d| d.is_error()).collect();
    let help = d[0].help.as_deref().unwrap_or_default();
    assert!(help.contains("`present_count()` can be 0 to 3"), "{help}");
    // The outcome only that rule gives can never be given.
    assert_eq!(e[1].0, "compile::unreachable-outcome");
    assert!(e[1].1.contains("`possible_victim`"), "{}", e[1].1);
}

#[test]
fn a_rule_that_contradicts_itself_can_never_hold() {
    for when in [
        r#"positive("d0") && !positive("d0")"#,
        r#"present("i0") && !present("i0")"#,
        "present_count() >= 2 && present_count() < 2",
        "present_count() == 2 && present_count() != 2",
        r#"present_count("d0") > 2 && !present("i1")"#,
        "unknown_count() > 1 && present_count() > 2",
    ] {
        let e = errors(&with_rule(when));
        assert_eq!(
            e.first().map(|e| e.0.as_str()),
            Some("compile::unreachable-rule"),
            "{when}: {e:?}"
        );
    }
}

#[test]
fn rules_that_can_hold_are_not_flagged() {
    for when in [
        "present_count() == 3",
        "present_count() > 2",
        r#"positive("d0") && !present("i0")"#,
        "unknown_count() == 3",
        "present_count() + unknown_count() == 3 && unknown_count() == 1",
        "score() >= 6",
        r#"present_count("d0") - present_count(["i0"]) == 2"#,
    ] {
        let e = errors(&with_rule(when));
        assert!(e.is_empty(), "{when}: {e:?}");
    }
}

#[test]
fn the_ilo_rule_is_decided_exactly() {
    // Positive with at most 2 present and no strong one present is impossible under the ILO
    // rule (2 strong, 1 strong + 1 other, 3 medium, 2 medium + 1 weak); with 3 it is not.
    let ilo = set(
        &["ilo"],
        &[
            (0, "strong"),
            (0, "medium"),
            (0, "medium"),
            (0, "medium"),
            (0, "weak"),
        ],
        &[
            ("x", "possible_victim", "__"),
            ("otherwise", "no_signals", ""),
        ],
    );
    let dead = ilo.replace(
        "__",
        r#"positive("d0") && present_count("d0") <= 2 && !present("i0")"#,
    );
    assert_eq!(errors(&dead)[0].0, "compile::unreachable-rule");
    let alive = ilo.replace(
        "__",
        r#"positive("d0") && present_count("d0") <= 3 && !present("i0")"#,
    );
    assert!(errors(&alive).is_empty());
}

#[test]
fn a_narrower_rule_after_a_broader_one_is_shadowed() {
    let text = set(
        &["{at_least: 1}", "{at_least: 1}"],
        &[(0, "strong"), (1, "strong")],
        &[
            ("any", "signals_present", "present_count() > 0"),
            (
                "both",
                "signals_present",
                r#"positive("d0") && positive("d1")"#,
            ),
            ("otherwise", "no_signals", ""),
        ],
    );
    let d = diagnostics(&text);
    let shadowed: Vec<&Diagnostic> = d
        .iter()
        .filter(|d| d.code == "compile::shadowed-rule")
        .collect();
    assert_eq!(shadowed.len(), 1, "{d:?}");
    assert!(
        shadowed[0].message.contains("`both` never decides")
            && shadowed[0].message.contains("`any`"),
        "{}",
        shadowed[0].message
    );
}

#[test]
fn a_shadowing_explanation_names_only_the_rules_that_shadow() {
    // `c` is shadowed by `a` and `b` together; `z` plays no part.
    let text = set(
        &["{at_least: 1}", "{at_least: 1}"],
        &[(0, "strong"), (1, "strong")],
        &[
            ("a", "possible_victim", r#"positive("d0")"#),
            ("z", "possible_victim", "unknown_count() == 2"),
            ("b", "signals_present", r#"positive("d1")"#),
            ("c", "signals_present", "present_count() >= 1"),
            ("otherwise", "no_signals", ""),
        ],
    );
    let d = diagnostics(&text);
    let c = d
        .iter()
        .find(|d| d.code == "compile::shadowed-rule")
        .expect("c is shadowed");
    assert!(
        c.message.contains("`a` or `b` holds before it"),
        "{}",
        c.message
    );
}

#[test]
fn rules_after_the_final_rule_and_a_final_rule_never_reached_are_shadowed() {
    let after = set(
        &["{at_least: 1}"],
        &[(0, "strong")],
        &[
            ("otherwise", "no_signals", ""),
            ("late", "signals_present", r#"positive("d0")"#),
            ("last", "signals_present", ""),
        ],
    );
    let d = diagnostics(&after);
    let shadowed: Vec<&str> = d
        .iter()
        .filter(|d| d.code == "compile::shadowed-rule")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(shadowed.len(), 2, "{d:?}");
    assert!(shadowed[0].contains("`late`") && shadowed[0].contains("`otherwise`"));

    let covered = set(
        &["{at_least: 1}"],
        &[(0, "strong")],
        &[
            ("yes", "signals_present", r#"positive("d0")"#),
            ("no", "no_signals", r#"!positive("d0")"#),
            ("otherwise", "no_signals", ""),
        ],
    );
    let d = diagnostics(&covered);
    let last = d
        .iter()
        .find(|d| d.code == "compile::shadowed-rule")
        .expect("the final rule is never reached");
    assert!(
        last.message.contains("`otherwise` is never reached")
            && last.message.contains("`yes` or `no`"),
        "{}",
        last.message
    );
}

#[test]
fn an_indicator_that_can_never_be_present_makes_rules_on_it_unreachable() {
    let text = format!(
        "{HEAD}questions:
  - {{id: hours, type: integer, min: 0, max: 168, text: {{en: h?, nl: h?}}}}
dimensions:
  - {{id: d, label: {{en: d, nl: d}}, positive: {{at_least: 1}}}}
indicators:
  - {{id: never, dimension: d, strength: strong, label: {{en: n, nl: n}}, when: 'obs.hours > 100 && obs.hours < 50'}}
decision:
  - {{id: x, outcome: possible_victim, when: 'present(\"never\")'}}
  - {{id: otherwise, outcome: no_signals}}
{OUTCOMES}"
    );
    let codes: Vec<String> = errors(&text).into_iter().map(|e| e.0).collect();
    assert!(
        codes.contains(&"compile::constant-condition".to_owned())
            && codes.contains(&"compile::unreachable-rule".to_owned()),
        "{codes:?}"
    );
}

#[test]
#[expect(
    clippy::disallowed_methods,
    reason = "the test times the analysis; the engine itself has no clock"
)]
fn every_bundled_set_passes_the_analysis_and_answers_quickly() {
    for set in crate::bundled::bundled() {
        let id = set.name;
        let rules = load(&set.sources).expect("loads").rules;
        let n = rules.indicators().len();
        let reach = rules.reachable(&vec![None; n]);
        for (rule, r) in rules.decision().iter().zip(reach.rules()) {
            assert!(
                matches!(r, RuleReach::Reached(_)),
                "{id}: `{}` {r:?}",
                rule.id()
            );
        }
        // A case in progress: a third of the indicators answered absent.
        let known: Vec<Option<State>> = (0..n)
            .map(|i| (i % 3 == 0).then_some(State::Absent))
            .collect();
        let start = Instant::now();
        let rounds = 5;
        for _ in 0..rounds {
            std::hint::black_box(rules.reachable(&known));
        }
        let each = start.elapsed() / rounds;
        // A debug build is many times slower than a release build; the bound is generous.
        assert!(each.as_millis() < 500, "{id}: {each:?} per call");
    }
}

// ---- brute force ----

/// A small xorshift generator, so a proptest seed gives one whole rule set.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn condition(rng: &mut Rng, n: usize, depth: u32) -> String {
    if depth > 0 && rng.below(3) == 0 {
        let a = condition(rng, n, depth - 1);
        return match rng.below(3) {
            0 => format!("({a} && {})", condition(rng, n, depth - 1)),
            1 => format!("({a} || {})", condition(rng, n, depth - 1)),
            _ => format!("!({a})"),
        };
    }
    let dim = format!("\"d{}\"", rng.below(2));
    let ind = |rng: &mut Rng| format!("\"i{}\"", rng.below(n));
    match rng.below(4) {
        0 => format!("positive({dim})"),
        1 => format!("present({})", ind(rng)),
        _ => {
            let number = match rng.below(10) {
                0 => "present_count()".to_owned(),
                1 => format!("present_count({dim})"),
                2 => "unknown_count()".to_owned(),
                3 => format!("unknown_count({dim})"),
                4 => "positive_count()".to_owned(),
                5 => "score()".to_owned(),
                6 => format!("score({dim})"),
                7 => format!("present_count([{}, {}])", ind(rng), ind(rng)),
                8 => r#"present_count("d0") - present_count("d1")"#.to_owned(),
                _ => "present_count() + unknown_count()".to_owned(),
            };
            let op = rng.pick(&[">", ">=", "<", "<=", "==", "!="]);
            let k = if number.starts_with("score") {
                rng.pick(&["0", "1", "2.5", "3", "4", "6"]).to_owned()
            } else {
                rng.below(5).to_string()
            };
            format!("{number} {op} {k}")
        }
    }
}

/// A generated rule set and its text.
fn generated(seed: u64) -> (String, usize) {
    let mut rng = Rng(seed | 1);
    let n = 2 + rng.below(4);
    let strengths = ["strong", "medium", "weak"];
    let indicators: Vec<(usize, &str)> = (0..n)
        .map(|_| (rng.below(2), rng.pick(&strengths)))
        .collect();
    let rule_of = |rng: &mut Rng| {
        rng.pick(&[
            "ilo",
            "{at_least: 1}",
            "{at_least: 2}",
            "{score_at_least: 3}",
            "{score_at_least: 4.5}",
        ])
    };
    let dims = [rule_of(&mut rng), rule_of(&mut rng)];
    let rules = 1 + rng.below(4);
    let mut decision: Vec<(String, String, String)> = (0..rules)
        .map(|r| {
            (
                format!("r{r}"),
                rng.pick(&["possible_victim", "signals_present", "no_signals"])
                    .to_owned(),
                condition(&mut rng, n, 2),
            )
        })
        .collect();
    decision.push(("otherwise".into(), "no_signals".into(), String::new()));
    let decision: Vec<(&str, &str, &str)> = decision
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    (set(&dims, &indicators, &decision), n)
}

/// The case that gives indicator `iK` each state: present = yes, absent = no, unknown = left out.
fn case_of(states: &[State]) -> Value {
    let mut case = Map::new();
    for (k, s) in states.iter().enumerate() {
        match s {
            State::Present => {
                case.insert(format!("q{k}"), json!(true));
            }
            State::Absent => {
                case.insert(format!("q{k}"), json!(false));
            }
            _ => {}
        }
    }
    Value::Object(case)
}

/// Which rules decide some case whose states agree with `known`.
fn brute_force(rules: &CompiledRuleSet, known: &[Option<State>]) -> Vec<bool> {
    let n = known.len();
    let options = ScreenOptions::default();
    let mut fired = vec![false; rules.decision().len()];
    let each = [State::Present, State::Absent, State::Unknown];
    for code in 0..3usize.pow(n as u32) {
        let mut c = code;
        let states: Vec<State> = (0..n)
            .map(|k| {
                let s = each[c % 3];
                c /= 3;
                known[k].unwrap_or(s)
            })
            .collect();
        if states
            .iter()
            .zip(known)
            .any(|(s, k)| k.is_some_and(|k| k != *s))
        {
            continue;
        }
        let report = screen(rules, &case_of(&states), &options).expect("valid case");
        let r = rules
            .decision()
            .iter()
            .position(|r| r.id() == report.outcome.decided_by)
            .expect("a rule decided");
        fired[r] = true;
    }
    fired
}

fn agrees(
    rules: &CompiledRuleSet,
    known: &[Option<State>],
    text: &str,
) -> Result<(), TestCaseError> {
    let fired = brute_force(rules, known);
    let reach = rules.reachable(known);
    for (r, (rule, reach)) in rules.decision().iter().zip(reach.rules()).enumerate() {
        match reach {
            RuleReach::Reached(states) => {
                prop_assert!(
                    fired[r],
                    "`{}` reported reachable but never fires\n{text}",
                    rule.id()
                );
                for (s, k) in states.iter().zip(known) {
                    prop_assert!(
                        k.is_none_or(|k| k == *s),
                        "the example ignores a known state"
                    );
                }
                let report =
                    screen(rules, &case_of(states), &ScreenOptions::default()).expect("valid");
                prop_assert_eq!(
                    &*report.outcome.decided_by,
                    rule.id(),
                    "the example of `{}`: {:?}\n{}",
                    rule.id(),
                    states,
                    text
                );
            }
            RuleReach::Never => prop_assert!(
                !fired[r],
                "`{}` fires but was reported never\n{text}",
                rule.id()
            ),
            RuleReach::Undecided => prop_assert!(false, "`{}` undecided\n{text}", rule.id()),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn reachability_agrees_with_brute_force(seed in any::<u64>(), known_seed in any::<u64>()) {
        let (text, n) = generated(seed);
        let options = LoadOptions { skip_decision_analysis: true, ..LoadOptions::default() };
        let Ok(loaded) = load_with(&Sources::new().with("ruleset.yaml", text.as_str()), &options) else {
            return Ok(());
        };
        let rules = loaded.rules;
        agrees(&rules, &vec![None; n], &text)?;
        // Part of the states known, as in an interview in progress.
        let mut rng = Rng(known_seed | 1);
        let each = [State::Present, State::Absent, State::Unknown];
        let known: Vec<Option<State>> = (0..n).map(|_| (rng.below(2) == 0).then(|| each[rng.below(3)])).collect();
        agrees(&rules, &known, &text)?;
        // Loading with the analysis reports exactly the rules that never fire.
        let fired = brute_force(&rules, &vec![None; n]);
        let dead: Vec<String> = match load(&Sources::new().with("ruleset.yaml", text.as_str())) {
            Ok(_) => Vec::new(),
            Err(d) => d
                .iter()
                .filter(|d| d.code == "compile::unreachable-rule" || d.code == "compile::shadowed-rule")
                .map(|d| d.message.split('`').nth(1).unwrap_or_default().to_owned())
                .collect(),
        };
        let never: Vec<String> = rules
            .decision()
            .iter()
            .zip(&fired)
            .filter(|(_, f)| !**f)
            .map(|(r, _)| r.id().to_owned())
            .collect();
        prop_assert_eq!(dead, never, "{}", text);
    }
}

#[test]
fn every_rule_of_every_bundled_set_has_an_example_case() {
    for set in crate::bundled::bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        for (r, rule) in rules.decision().iter().enumerate() {
            let example = rules
                .example(r)
                .expect("every rule of a set that loads is reachable");
            assert_eq!(example.states.len(), rules.indicators().len());
            let case = example
                .case
                .unwrap_or_else(|| panic!("{}: no answers for `{}`", set.name, rule.id()));
            let report = screen(&rules, &Value::Object(case), &ScreenOptions::default())
                .expect("a valid case");
            assert_eq!(&*report.outcome.decided_by, rule.id(), "{}", set.name);
        }
    }
}
