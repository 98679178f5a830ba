//! What a rule set claims: its status must be earned by the provenance of every indicator,
//! sources must be declared, and no outcome may call a person a victim outright.

use herken_engine::{Basis, Diagnostic, Sources, Status, load};

use crate::common::{load_err, load_ok, render, run};

/// A set with the given status and one indicator per `source:` value (`None`: no source).
fn set(status: &str, sources: &[Option<&str>], outcomes: &str) -> String {
    let mut indicators = String::new();
    for (i, source) in sources.iter().enumerate() {
        indicators += &format!(
            "  - id: i{i}\n    dimension: d\n    strength: strong\n    label: {{en: I, nl: I}}\n    when: obs.q\n"
        );
        if let Some(source) = source {
            indicators += &format!("    source: {source}\n");
        }
    }
    format!(
        "format: 1
id: claims
version: 1.0.0
status: {status}
title: {{en: T, nl: T}}
licence: CC0-1.0
languages: [en, nl]
sources:
  - id: ilo-ec-2009
    citation: \"ILO and European Commission (2009).\"
questions:
  - id: q
    type: yesno
    text: {{en: Q?, nl: Q?}}
dimensions:
  - id: d
    label: {{en: D, nl: D}}
    positive: {{at_least: 1}}
indicators:
{indicators}decision:
  - {{id: any, outcome: possible_victim, when: positive(\"d\")}}
  - {{id: otherwise, outcome: no_signals}}
outcomes:
  - id: no_signals
    label: {{en: No signals, nl: Geen signalen}}
    advice: {{en: Help is at 0900-8844., nl: Hulp via 0900-8844.}}
{outcomes}"
    )
}

const POSSIBLE: &str = "  - id: possible_victim
    label: {en: Possible victim of trafficking, nl: Mogelijk slachtoffer van mensenhandel}
    advice: {en: Refer., nl: Verwijs door.}
    htcds: PossibleVictimOfTrafficking
";

const TRANSCRIBED: &str =
    "{id: ilo-ec-2009, location: \"p. 3, table 1, item 4\", basis: transcribed}";

fn codes<'a>(d: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
    d.iter().filter(|d| d.code == code).collect()
}

#[test]
fn verified_is_refused_unless_every_indicator_is_transcribed_with_a_location() {
    let d = load_err(&set(
        "verified",
        &[
            Some(TRANSCRIBED),
            Some("{id: ilo-ec-2009, location: \"p. 3\", basis: secondary}"),
            Some("{id: ilo-ec-2009, basis: transcribed}"),
            None,
        ],
        POSSIBLE,
    ));
    let refused = codes(&d, "load::status-verified");
    assert_eq!(refused.len(), 3, "{}", render(&d));
    let messages: Vec<&str> = refused.iter().map(|d| d.message.as_str()).collect();
    assert!(messages[0].contains("`i1` is `secondary`"), "{messages:?}");
    assert!(
        messages[1].contains("`i2` has no `location`"),
        "{messages:?}"
    );
    assert!(messages[2].contains("`i3` names no source"), "{messages:?}");
    // Positioned at the indicator's `source` (or the indicator when it has none), and the help
    // names the line of `status` to lower.
    assert!(refused.iter().all(|d| d.span.line > 20), "{}", render(&d));
    assert!(
        refused[0].help.as_deref().unwrap_or("").contains("line 4"),
        "{:?}",
        refused[0].help
    );
}

#[test]
fn a_verified_set_that_earns_it_loads_and_its_reports_say_so() {
    let rules = load_ok(&set("verified", &[Some(TRANSCRIBED)], POSSIBLE));
    assert_eq!(rules.status(), Status::Verified);
    let source = rules.indicators()[0].source().expect("provenance");
    assert_eq!(source.source(), "ilo-ec-2009");
    assert_eq!(source.location(), Some("p. 3, table 1, item 4"));
    assert_eq!(source.basis(), Basis::Transcribed);
    let report = run(&rules, serde_json::json!({"q": true}));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("json");
    assert_eq!(json["ruleset"]["status"], "verified");
}

#[test]
fn reviewed_needs_a_source_for_every_indicator_of_any_basis() {
    let d = load_err(&set(
        "reviewed",
        &[
            Some("{id: ilo-ec-2009, basis: interpretation, note: \"threshold chosen here\"}"),
            None,
        ],
        POSSIBLE,
    ));
    let refused = codes(&d, "load::status-reviewed");
    assert_eq!(refused.len(), 1, "{}", render(&d));
    assert!(refused[0].message.contains("`i1` names none"));
    let rules = load_ok(&set(
        "reviewed",
        &[Some("{id: ilo-ec-2009, basis: secondary}")],
        POSSIBLE,
    ));
    assert_eq!(rules.status(), Status::Reviewed);
    assert!(Status::Draft < Status::Reviewed && Status::Reviewed < Status::Verified);
}

#[test]
fn a_draft_needs_no_sources() {
    let rules = load_ok(&set("draft", &[None], POSSIBLE));
    assert_eq!(rules.status(), Status::Draft);
}

#[test]
fn provenance_mistakes_are_named_with_their_place() {
    let d = load_err(&set(
        "draft",
        &[
            Some("\"ilo-ec-2009: dimension 1, strong\""),
            Some("{id: ilo-ec2009, basis: transcribed}"),
            Some("{id: ilo-ec-2009, basis: transcirbed}"),
        ],
        POSSIBLE,
    ));
    let text = codes(&d, "load::source-text");
    assert_eq!(text.len(), 1, "{}", render(&d));
    assert!(
        text[0].help.as_deref().unwrap_or("").contains("note"),
        "free text has a place in the structured form: {:?}",
        text[0].help
    );
    let unknown = codes(&d, "load::unknown-source");
    assert_eq!(unknown.len(), 1, "{}", render(&d));
    assert!(
        unknown[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("ilo-ec-2009")
    );
    let basis = codes(&d, "load::source-basis");
    assert_eq!(basis.len(), 1, "{}", render(&d));
    assert!(
        basis[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("transcribed")
    );
    let status = load_err(&set("checked", &[None], POSSIBLE));
    assert_eq!(
        codes(&status, "load::status").len(),
        1,
        "{}",
        render(&status)
    );
}

#[test]
fn an_outcome_cannot_be_the_htcds_status_of_a_confirmed_victim() {
    let outcome = POSSIBLE.replace("PossibleVictimOfTrafficking", "ActualVictimOfTrafficking");
    let d = load_err(&set("draft", &[None], &outcome));
    let refused = codes(&d, "load::confirmed-victim-status");
    assert_eq!(refused.len(), 1, "{}", render(&d));
    assert!(
        refused[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("PossibleVictimOfTrafficking")
    );
}

#[test]
fn an_outcome_that_calls_a_person_a_victim_outright_is_reported() {
    let outcome = "  - id: possible_victim
    label: {en: Victim of trafficking, nl: Mogelijk slachtoffer}
    advice: {en: Refer the possible victim., nl: Meld het slachtoffer bij CoMensha.}
";
    let loaded = load(&Sources::new().with("ruleset.yaml", set("draft", &[None], outcome)))
        .expect("a wording lint is a warning: the set still loads");
    let lint = codes(&loaded.warnings, "check::unqualified-victim");
    assert_eq!(lint.len(), 2, "{}", render(&loaded.warnings));
    assert!(
        lint[0].message.contains("`en` label"),
        "{}",
        lint[0].message
    );
    assert!(
        lint[1].message.contains("`nl` advice"),
        "{}",
        lint[1].message
    );
    assert!(lint.iter().all(|d| d.span.line > 30));
}
