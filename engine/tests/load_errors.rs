//! A rule set seeded with many different mistakes reports every one in one run.

use crate::common::{HEAD, OUTCOMES, load_err, manifest};

#[test]
fn twelve_seeded_mistakes_give_twelve_positioned_diagnostics() {
    let manifest = format!(
        "{HEAD}questions:
  - id: passport_taken
    type: yesno
    text: {{en: Passport taken?, nl: Paspoort afgenomen?}}
  - id: passport_taken
    type: yesno
    text: {{en: Again?, nl: Nogmaals?}}
  - id: hours
    type: integer
    min: lots
    text: {{en: Hours?, nl: Uren?}}
  - id: sector
    type: yes-no
    text: {{en: Sector?, nl: Sector?}}
  - id: story
    type: text
    text: {{en: Story, nl: Verhaal}}
dimensions:
  - id: coercion
    label: {{en: Coercion, nl: Dwang}}
indicators:
  - id: documents
    dimension: coercion
    strenght: strong
    strength: strong
    label: {{en: Documents, nl: Documenten}}
    when: obs.passport_taken
  - id: elsewhere
    dimension: coersion
    strength: medium
    label: {{en: Elsewhere, nl: Elders}}
    when: obs.passport_taken
  - id: typo
    dimension: coercion
    strength: medium
    label: {{en: Typo, nl: Typfout}}
    when: obs.pasport_taken
  - id: broken_syntax
    dimension: coercion
    strength: weak
    label: {{en: Syntax, nl: Syntax}}
    when: obs.passport_taken &&
  - id: bad_pattern
    dimension: coercion
    strength: weak
    label: {{en: Pattern, nl: Patroon}}
    when: matches(obs.story, \"paspoort(\")
  - id: dynamic
    dimension: coercion
    strength: weak
    label: {{en: Dynamic, nl: Dynamisch}}
    when: |
      let key = \"passport\" + \"_taken\";
      obs[key]
  - id: feeble
    dimension: coercion
    strength: strongest
    label: {{en: Feeble, nl: Zwak}}
    when: obs.passport_taken
decision:
  - id: refer
    outcome: possible_victm
    when: positive(\"coercion\")
  - id: signals
    outcome: signals_present
    when: present_count() > 0
{OUTCOMES}"
    );
    let diagnostics = load_err(&manifest);
    let codes: Vec<(&str, u32)> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code.as_str(), d.span.line))
        .collect();
    let expected = [
        ("load::duplicate-id", 12),
        ("load::wrong-type", 17),
        ("load::question-type", 20),
        ("load::unknown-key", 31),
        ("load::unknown-dimension", 36),
        ("compile::unknown-question", 44),
        ("compile::syntax", 49),
        ("compile::regex", 54),
        ("compile::dynamic-read", 61),
        ("load::strength", 64),
        ("load::unknown-outcome", 69),
        ("load::decision-falls-through", 71),
    ];
    assert_eq!(codes, expected, "\n{}", crate::common::render(&diagnostics));
    for d in &diagnostics {
        assert_eq!(d.span.file, "ruleset.yaml");
        assert!(d.span.column >= 1);
    }
    let typo = diagnostics
        .iter()
        .find(|d| d.code == "compile::unknown-question")
        .expect("typo reported");
    assert_eq!(typo.help.as_deref(), Some("did you mean `passport_taken`?"));
    assert_eq!(
        typo.span.column, 15,
        "points at the misspelt name inside the condition"
    );
    let outcome = diagnostics
        .iter()
        .find(|d| d.code == "load::unknown-outcome")
        .expect("reported");
    assert_eq!(
        outcome.help.as_deref(),
        Some("did you mean `possible_victim`?")
    );
}

#[test]
fn yaml_syntax_errors_are_positioned() {
    let d = load_err("format: 1\nid: [unclosed\n");
    assert_eq!(d[0].code, "load::yaml-syntax");
    assert_eq!(d[0].span.line, 3);
}

#[test]
fn rhai_errors_in_block_scripts_point_into_the_file() {
    let manifest = format!(
        "{HEAD}questions:
  - id: a
    type: yesno
    text: {{en: A?, nl: A?}}
dimensions:
  - id: d
    label: {{en: D, nl: D}}
indicators:
  - id: i
    dimension: d
    strength: strong
    label: {{en: I, nl: I}}
    when: |
      let x = obs.a;
      x == = true
decision:
  - {{id: otherwise, outcome: no_signals}}
{OUTCOMES}"
    );
    let d = load_err(&manifest);
    let syntax = d
        .iter()
        .find(|d| d.code == "compile::syntax")
        .expect("syntax error");
    assert_eq!((syntax.span.line, syntax.span.column), (22, 12), "{syntax}");
}

#[test]
fn eval_print_and_import_are_refused_at_load() {
    for (script, needle) in [
        ("eval(\"1\")", "eval"),
        ("print(\"x\"); true", "print"),
        ("import \"x\" as y; true", "import"),
    ] {
        let manifest = manifest()
            .question("a", "yesno")
            .indicator("i", &["a"], &format!("'{script}'"))
            .build();
        let d = load_err(&manifest);
        assert!(
            d.iter()
                .any(|d| d.code == "compile::syntax" && d.message.contains(needle)),
            "{script}: {}",
            crate::common::render(&d)
        );
    }
}

#[test]
fn missing_translations_are_warnings_not_errors() {
    let manifest = manifest()
        .question_text("a", "yesno", "{en: A?}")
        .indicator("i", &[], "obs.a")
        .build();
    let loaded = herken_engine::load(&herken_engine::Sources::new().with("ruleset.yaml", manifest))
        .expect("loads");
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.code == "check::missing-translation" && w.message.contains("`nl`"))
    );
}

#[test]
fn a_pattern_that_can_never_match_is_a_warning() {
    let manifest = manifest()
        .question("story", "text")
        .indicator("i", &[], "'matches(obs.story, \"passport[^\\\\s\\\\S]\")'")
        .build();
    // Line 20 is the indicator's `when:` line; column 31, the pattern's opening quote.
    let when = manifest.lines().nth(19).expect("line 20");
    assert_eq!(when.find("\"passport"), Some(30), "{manifest}");
    let loaded = herken_engine::load(&herken_engine::Sources::new().with("ruleset.yaml", manifest))
        .expect("loads");
    let w = loaded
        .warnings
        .iter()
        .find(|w| w.code == "check::regex-never-matches")
        .expect("warned");
    assert_eq!((w.span.line, w.span.column), (20, 31), "{w}");
}
