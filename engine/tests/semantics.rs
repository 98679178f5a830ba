//! Tri-state answers, indicator states, dimension rules, decisions and reports.

use serde_json::json;

use crate::common::{HEAD, OUTCOMES, load_ok, run, state};

fn set() -> herken_engine::CompiledRuleSet {
    load_ok(&format!(
        "{HEAD}questions:
  - id: a
    type: yesno
    text: {{en: A?, nl: A?}}
  - id: b
    type: yesno
    text: {{en: B?, nl: B?}}
  - id: hours
    type: integer
    min: 0
    max: 168
    text: {{en: Hours?, nl: Uren?}}
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
  - id: story
    type: text
    text: {{en: Story, nl: Verhaal}}
  - id: followup
    type: yesno
    ask_if: obs.a
    text: {{en: Follow-up?, nl: Vervolg?}}
dimensions:
  - id: d
    label: {{en: D, nl: D}}
  - id: e
    label: {{en: E, nl: E}}
    positive: {{at_least: 1}}
indicators:
  - {{id: both, dimension: d, strength: strong, label: {{en: Both, nl: Beide}}, when: obs.a && obs.b}}
  - {{id: either, dimension: d, strength: medium, label: {{en: Either, nl: Een}}, when: obs.a || obs.b}}
  - {{id: not_a, dimension: d, strength: weak, label: {{en: Not A, nl: Niet A}}, when: '!obs.a'}}
  - {{id: long_hours, dimension: e, strength: strong, label: {{en: Long, nl: Lang}}, when: obs.hours > 60}}
  - {{id: farm, dimension: e, strength: weak, label: {{en: Farm, nl: Boer}}, when: 'obs.sector in [\"farm\"]'}}
  - {{id: passport, dimension: e, strength: medium, label: {{en: Passport, nl: Paspoort}}, when: '\"passport\" in obs.held'}}
  - {{id: story_passport, dimension: e, strength: weak, label: {{en: Story, nl: Verhaal}}, when: 'matches(obs.story, \"paspoort|passport\")'}}
  - {{id: known_hours, dimension: e, strength: weak, label: {{en: Known, nl: Bekend}}, when: known(obs.hours)}}
  - id: scripted
    dimension: e
    weight: 1.5
    label: {{en: Scripted, nl: Script}}
    when: |
      let h = obs.hours;
      h != () && h * 2 > 120
decision:
  - {{id: both-dims, outcome: possible_victim, when: 'positive(\"d\") && positive(\"e\")'}}
  - {{id: any, outcome: signals_present, when: present_count() > 0}}
  - {{id: otherwise, outcome: no_signals}}
{OUTCOMES}"
    ))
}

#[test]
fn unknown_is_never_no() {
    let rules = set();
    for case in [json!({}), json!({"a": null}), json!({"a": "unknown"})] {
        let r = run(&rules, case);
        assert_eq!(
            state(&r, "not_a"),
            "unknown",
            "`!unknown` is unknown, not present"
        );
        assert_eq!(state(&r, "both"), "unknown");
        assert_eq!(state(&r, "long_hours"), "unknown");
        assert_eq!(
            state(&r, "known_hours"),
            "absent",
            "`known()` is itself always known"
        );
        assert!(r.outcome.may_rise);
        assert_eq!(r.outcome.could_rise_to.as_deref(), Some("possible_victim"));
    }
}

#[test]
fn three_valued_logic_settles_what_the_known_answers_settle() {
    let rules = set();
    let r = run(&rules, json!({"a": false}));
    assert_eq!(state(&r, "both"), "absent", "false && unknown is false");
    assert_eq!(
        state(&r, "either"),
        "unknown",
        "false || unknown is unknown"
    );
    let r = run(&rules, json!({"b": true}));
    assert_eq!(state(&r, "either"), "present", "unknown || true is true");
    assert_eq!(state(&r, "both"), "unknown");
}

#[test]
fn answers_of_every_type_are_read() {
    let rules = set();
    let r = run(
        &rules,
        json!({"hours": 61, "sector": "farm", "held": ["bank_card", "passport"], "story": "Mijn PASPOORT is weg"}),
    );
    for id in [
        "long_hours",
        "farm",
        "passport",
        "story_passport",
        "known_hours",
        "scripted",
    ] {
        assert_eq!(state(&r, id), "present", "{id}");
    }
    let r = run(
        &rules,
        json!({"hours": 60, "sector": "shop", "held": [], "story": "niets"}),
    );
    for id in [
        "long_hours",
        "farm",
        "passport",
        "story_passport",
        "scripted",
    ] {
        assert_eq!(state(&r, id), "absent", "{id}");
    }
    let passport = r
        .indicators
        .iter()
        .find(|i| i.id == "passport")
        .expect("listed");
    assert_eq!(passport.reads["held"], json!([]));
}

#[test]
fn scripted_conditions_follow_the_same_tri_state_rules() {
    let rules = set();
    assert_eq!(state(&run(&rules, json!({})), "scripted"), "unknown");
    assert_eq!(
        state(&run(&rules, json!({"hours": 40})), "scripted"),
        "absent"
    );
    assert_eq!(
        state(&run(&rules, json!({"hours": 61})), "scripted"),
        "present"
    );
}

#[test]
fn decision_names_its_rule_and_dimensions_name_their_indicators() {
    let rules = set();
    let r = run(&rules, json!({"a": true, "b": true, "hours": 70}));
    assert_eq!(r.outcome.id, "possible_victim");
    assert_eq!(r.outcome.decided_by, "both-dims");
    assert!(!r.outcome.may_rise);
    let d = r
        .dimensions
        .iter()
        .find(|d| d.id == "d")
        .expect("dimension d");
    assert!(d.positive);
    assert_eq!(d.indicators, ["both", "either"]);
    assert_eq!((d.counts.strong, d.counts.medium, d.counts.weak), (1, 1, 0));
}

#[test]
fn next_questions_rank_what_could_raise_the_outcome_first() {
    let rules = set();
    // Dimension e is positive; d needs a and b: answering either could lead to possible victim.
    let r = run(
        &rules,
        json!({"hours": 70, "sector": "shop", "held": [], "story": ""}),
    );
    assert_eq!(r.outcome.id, "signals_present");
    let first = &r.next_questions[0];
    assert_eq!(first.could_raise_to.as_deref(), Some("possible_victim"));
    assert!(["a", "b"].contains(&first.id.as_ref()));
    assert_eq!(r.unanswered, ["a", "b", "followup"]);
}

#[test]
fn questions_whose_ask_if_is_false_are_not_unanswered() {
    let rules = set();
    let r = run(&rules, json!({"a": false}));
    assert!(!r.unanswered.contains(&"followup".into()));
    let r = run(&rules, json!({"a": true}));
    assert!(r.unanswered.contains(&"followup".into()));
}

#[test]
fn invalid_answers_name_their_field() {
    let rules = set();
    let errors = herken_engine::screen(
        &rules,
        &json!({"a": "maybe", "hours": 200, "sector": "farms", "held": "passport", "hourz": 3}),
        &herken_engine::ScreenOptions::default(),
    )
    .expect_err("invalid");
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.code.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "case::wrong-type"),
            ("held", "case::wrong-type"),
            ("hours", "case::out-of-bounds"),
            ("hourz", "case::unknown-question"),
            ("sector", "case::unknown-option"),
        ]
    );
    let hourz = errors
        .iter()
        .find(|e| e.field == "hourz")
        .expect("reported");
    assert_eq!(hourz.help.as_deref(), Some("did you mean `hours`?"));
    let sector = errors
        .iter()
        .find(|e| e.field == "sector")
        .expect("reported");
    assert_eq!(sector.help.as_deref(), Some("did you mean `farm`?"));
}

#[test]
fn reports_carry_provenance_and_round_trip_through_json() {
    let rules = set();
    let r = run(&rules, json!({"a": true}));
    assert_eq!(r.ruleset.id, "test-set");
    assert_eq!(r.ruleset.sha256.len(), 64);
    assert!(r.engine.starts_with("herken "));
    let back: herken_engine::Report = serde_json::from_str(&r.to_json()).expect("parses");
    assert_eq!(back, r);
}

#[test]
fn labels_follow_the_requested_language() {
    let rules = set();
    let options = herken_engine::ScreenOptions {
        language: "nl".into(),
        next_questions: false,
    };
    let r = herken_engine::screen(&rules, &json!({}), &options).expect("valid");
    assert_eq!(r.outcome.label, "Geen signalen");
    assert!(r.next_questions.is_empty());
    let options = herken_engine::ScreenOptions {
        language: "de".into(),
        next_questions: false,
    };
    let r = herken_engine::screen(&rules, &json!({}), &options).expect("valid");
    assert_eq!(r.language, "en", "falls back to the set's first language");
}

#[test]
fn the_form_gives_outcomes_with_advice_and_dimensions_in_its_language() {
    let rules = set();
    let form = rules.form("nl");
    assert_eq!(form.language, "nl");
    let outcomes: Vec<(&str, usize, &str, &str)> = form
        .outcomes
        .iter()
        .map(|o| (o.id.as_str(), o.level, o.label.as_str(), o.advice.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (
                "no_signals",
                0,
                "Geen signalen",
                "Geen signalen is geen bewijs."
            ),
            ("signals_present", 1, "Signalen aanwezig", "Overleg."),
            (
                "possible_victim",
                2,
                "Mogelijk slachtoffer",
                "Verwijs door."
            ),
        ]
    );
    let dimensions: Vec<&str> = form.dimensions.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(dimensions, ["d", "e"]);

    let fallback = rules.form("de");
    assert_eq!(fallback.language, "en", "the set's first language");
    assert_eq!(fallback.outcomes[2].advice, "Refer.");

    let json = serde_json::to_value(&form).expect("json");
    let keys: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "ruleset",
        "language",
        "groups",
        "questions",
        "description",
        "outcomes",
        "dimensions",
    ] {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }
    assert!(
        json["outcomes"][0].get("htcds").is_none(),
        "left out when the outcome has none"
    );
    assert!(json["dimensions"][0].get("description").is_none());
}

/// A set whose one ILO dimension `d` has two indicators of each strength (one question each),
/// plus an `at_least` and a `score_at_least` dimension.
fn clauses_set() -> herken_engine::CompiledRuleSet {
    let mut questions = String::new();
    let mut indicators = String::new();
    for (id, dim, grade) in [
        ("s1", "d", "strength: strong"),
        ("s2", "d", "strength: strong"),
        ("m1", "d", "strength: medium"),
        ("m2", "d", "strength: medium"),
        ("m3", "d", "strength: medium"),
        ("w1", "d", "strength: weak"),
        ("k1", "k", "strength: weak"),
        ("k2", "k", "strength: weak"),
        ("x1", "x", "weight: 1.5"),
        ("x2", "x", "weight: 1.5"),
    ] {
        questions += &format!("  - {{id: {id}, type: yesno, text: {{en: {id}?, nl: {id}?}}}}\n");
        indicators += &format!(
            "  - {{id: i_{id}, dimension: {dim}, {grade}, label: {{en: {id}, nl: {id}}}, when: obs.{id}}}\n"
        );
    }
    load_ok(&format!(
        "{HEAD}questions:
{questions}dimensions:
  - {{id: d, label: {{en: D, nl: D}}}}
  - {{id: k, label: {{en: K, nl: K}}, positive: {{at_least: 2}}}}
  - {{id: x, label: {{en: X, nl: X}}, positive: {{score_at_least: 3}}}}
indicators:
{indicators}decision:
  - {{id: ilo, outcome: possible_victim, when: 'positive(\"d\")'}}
  - {{id: otherwise, outcome: no_signals}}
{OUTCOMES}"
    ))
}

/// Each clause of each dimension rule is named when it is the first that holds, in the report
/// and in the compact result alike, with the counts behind it in the report's language.
#[test]
fn dimensions_say_which_clause_of_their_rule_made_them_positive() {
    use herken_engine::Clause;
    let rules = clauses_set();
    let all_no = |yes: &[&str]| {
        let mut case = serde_json::Map::new();
        for q in rules.questions() {
            case.insert(q.id().to_owned(), json!(yes.contains(&q.id())));
        }
        serde_json::Value::Object(case)
    };
    let clause = |yes: &[&str], d: &str| {
        let r = run(&rules, all_no(yes));
        let dim = r.dimensions.iter().find(|x| x.id == d).expect("dimension");
        let obs = rules.observations(&all_no(yes)).expect("valid");
        let compact = rules.screen_compact(&obs);
        let at = rules
            .dimensions()
            .iter()
            .position(|x| x.id() == d)
            .expect("d");
        assert_eq!(compact.dimensions[at], dim.clause, "{yes:?}");
        assert_eq!(dim.positive, dim.clause.is_some());
        dim.clause
    };
    assert_eq!(clause(&["s1", "s2", "m1"], "d"), Some(Clause::TwoStrong));
    assert_eq!(
        clause(&["s1", "w1"], "d"),
        Some(Clause::StrongAndMediumOrWeak)
    );
    assert_eq!(clause(&["m1", "m2", "m3"], "d"), Some(Clause::ThreeMedium));
    assert_eq!(
        clause(&["m1", "m2", "w1"], "d"),
        Some(Clause::TwoMediumAndWeak)
    );
    assert_eq!(clause(&["m1", "m2"], "d"), None);
    assert_eq!(clause(&["s1"], "d"), None);
    assert_eq!(clause(&["k1", "k2"], "k"), Some(Clause::AtLeast));
    assert_eq!(clause(&["k1"], "k"), None);
    assert_eq!(clause(&["x1", "x2"], "x"), Some(Clause::ScoreAtLeast));
    assert_eq!(clause(&["x1"], "x"), None);

    let r = run(&rules, all_no(&["m1", "m2", "w1"]));
    let d = &r.dimensions[0];
    assert_eq!(
        d.why("en"),
        "0 strong, 2 medium, 1 weak; ILO rule: 2 medium + 1 weak"
    );
    assert_eq!(
        d.why("nl"),
        "0 sterk, 2 middel, 1 zwak; ILO-regel: 2 middel + 1 zwak"
    );
    let json: serde_json::Value = serde_json::from_str(&r.to_json()).expect("json");
    assert_eq!(json["dimensions"][0]["rule"], "ilo");
    assert_eq!(json["dimensions"][0]["clause"], "2_medium_1_weak");
    assert_eq!(json["dimensions"][1]["rule"], json!({"at_least": 2}));
    assert_eq!(json["dimensions"][1].get("clause"), None, "not positive");
    assert_eq!(
        json["dimensions"][2]["rule"],
        json!({"score_at_least": 3.0})
    );
    assert_eq!(r.dimensions[1].why("en"), "0 present, at least 2 needed");
    assert_eq!(r.dimensions[2].why("nl"), "score 0 van 3 nodig");
}

/// The outcome names the condition of the rule that decided it, and the label of the outcome
/// unanswered questions could still lead to.
#[test]
fn the_outcome_carries_its_rule_and_the_label_it_could_rise_to() {
    let rules = set();
    let r = run(&rules, json!({"hours": 70}));
    assert_eq!(r.outcome.decided_by, "any");
    assert_eq!(r.outcome.condition.as_deref(), Some("present_count() > 0"));
    assert_eq!(r.outcome.could_rise_to.as_deref(), Some("possible_victim"));
    assert_eq!(
        r.outcome.could_rise_to_label.as_deref(),
        Some("Possible victim")
    );
    let r = run(&rules, json!({}));
    assert_eq!(r.outcome.decided_by, "otherwise");
    assert_eq!(
        r.outcome.condition, None,
        "the default rule has no condition"
    );
    let r = run(&rules, json!({"a": true, "b": true, "hours": 70}));
    assert!(!r.outcome.may_rise);
    assert_eq!(r.outcome.could_rise_to_label, None);
}

/// Deciding from indicator states alone gives what screening the case gives.
#[test]
fn deciding_from_states_agrees_with_screening() {
    let rules = set();
    for case in [
        json!({}),
        json!({"a": true, "b": true, "hours": 70}),
        json!({"hours": 70, "sector": "shop", "held": [], "story": ""}),
        json!({"a": false, "b": false}),
    ] {
        let obs = rules.observations(&case).expect("valid");
        let compact = rules.screen_compact(&obs);
        assert_eq!(rules.decide(&compact.states), compact, "{case}");
    }
}
