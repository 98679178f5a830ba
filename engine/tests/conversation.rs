//! The conversation: who a set is for (population, forms), how to hold the interview
//! (guidance, interviewer-only questions), the person's language (translations), and the
//! report saying when a case falls outside the set's population.

use herken_engine::{
    Audience, Diagnostic, ExploitationForm, Population, Sources, TranslationScope,
    TranslationStatus, load,
};
use serde_json::json;

use crate::common::{load_err, load_ok, manifest, run};

/// A small set with `extra` top-level keys; `under_18` asked by the interviewer.
fn set(extra: &str) -> String {
    manifest()
        .question("passport_taken", "yesno")
        .question_text(
            "under_18",
            "yesno",
            "{en: Is the person younger than 18?, nl: Is de persoon jonger dan 18 jaar?}\n    audience: interviewer",
        )
        .indicator("documents", &[], "obs.passport_taken")
        .build()
        + extra
}

const SCOPE: &str = "population: adult
forms: [labour, forced_marriage]
guidance:
  - id: alone
    text: {en: Speak with the person alone., nl: Spreek de persoon alleen.}
";

fn codes(d: &[Diagnostic]) -> Vec<&str> {
    d.iter().map(|d| d.code.as_str()).collect()
}

fn errors(d: &[Diagnostic]) -> Vec<&str> {
    d.iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.as_str())
        .collect()
}

/// The warnings about the conversation (the small fixture's unused outcomes left out).
fn warnings(manifest: &str) -> Vec<Diagnostic> {
    match load(&Sources::new().with("ruleset.yaml", manifest)) {
        Ok(loaded) => loaded
            .warnings
            .into_iter()
            .filter(|d| d.code != "check::unused-outcome")
            .collect(),
        Err(d) => panic!("should load: {d:?}"),
    }
}

#[test]
fn population_forms_guidance_and_audience_reach_the_form() {
    let rules = load_ok(&set(SCOPE));
    assert_eq!(rules.population(), Some(Population::Adult));
    assert_eq!(
        rules.forms(),
        [ExploitationForm::Labour, ExploitationForm::ForcedMarriage]
    );
    assert_eq!(rules.guidance()[0].id(), "alone");
    let q = rules.question_index("under_18").expect("asked");
    assert_eq!(rules.questions()[q].audience(), Audience::Interviewer);
    assert_eq!(rules.questions()[0].audience(), Audience::Person);

    let form = serde_json::to_value(rules.form("nl")).expect("json");
    assert_eq!(
        form["ruleset"]["population"],
        json!({"id": "adult", "label": "volwassenen (18 jaar en ouder)"})
    );
    assert_eq!(
        form["ruleset"]["forms"],
        json!([{"id": "labour", "label": "arbeidsuitbuiting"}, {"id": "forced_marriage", "label": "gedwongen huwelijk"}])
    );
    assert_eq!(
        form["guidance"],
        json!([{"id": "alone", "text": "Spreek de persoon alleen."}])
    );
    assert_eq!(form["questions"][0]["audience"], "person");
    assert_eq!(form["questions"][1]["audience"], "interviewer");
}

#[test]
fn a_set_for_adults_or_children_must_ask_under_18_as_yes_or_no() {
    let without = manifest()
        .question("passport_taken", "yesno")
        .indicator("documents", &[], "obs.passport_taken")
        .build()
        + "population: child\n";
    let d = load_err(&without);
    assert_eq!(errors(&d), ["load::population-question"], "{d:?}");
    let d: Vec<_> = d.into_iter().filter(Diagnostic::is_error).collect();
    assert!(d[0].message.contains("children"), "{}", d[0].message);

    let integer = manifest()
        .question("passport_taken", "yesno")
        .question("under_18", "integer")
        .indicator("documents", &[], "obs.passport_taken")
        .build()
        + "population: adult\n";
    assert!(codes(&load_err(&integer)).contains(&"load::population-question"));

    // A set for anyone needs no age question.
    let any = manifest()
        .question("passport_taken", "yesno")
        .indicator("documents", &[], "obs.passport_taken")
        .build()
        + "population: any\n";
    load_ok(&any);
}

#[test]
fn a_case_outside_the_population_is_reported_never_with_its_answer() {
    let adult = load_ok(&set(SCOPE));
    let minor = run(&adult, json!({"passport_taken": true, "under_18": true}));
    let found: Vec<_> = minor
        .diagnostics
        .iter()
        .filter(|d| d.code == "case::population-mismatch")
        .collect();
    assert_eq!(found.len(), 1, "{:?}", minor.diagnostics);
    let message = &found[0].message;
    assert!(
        message.contains("`test-set`") && message.contains("adults"),
        "{message}"
    );
    assert!(
        !message.contains("true") && !message.contains("yes"),
        "{message}"
    );
    // The screening itself goes on: the outcome and signals are those of the set.
    assert_eq!(minor.indicators[0].state.as_str(), "present");

    for fits in [
        json!({"under_18": false}),
        json!({}),
        json!({"under_18": null}),
    ] {
        let r = run(&adult, fits.clone());
        assert!(r.diagnostics.is_empty(), "{fits}: {:?}", r.diagnostics);
    }

    let child = load_ok(&set(&SCOPE.replace("adult", "child")));
    let grown = run(&child, json!({"under_18": false}));
    assert_eq!(grown.diagnostics[0].code, "case::population-mismatch");
    assert!(grown.diagnostics[0].message.contains("children"));
    assert!(
        run(&child, json!({"under_18": true}))
            .diagnostics
            .is_empty()
    );
}

#[test]
fn unknown_population_form_audience_and_translation_are_errors_with_help() {
    let cases = [
        ("population: adults\n", "load::population", "`adult`"),
        ("forms: [labor]\n", "load::exploitation-form", "`labour`"),
        (
            "translations: {pl: {status: checked}}\n",
            "load::translation",
            "",
        ),
        (
            "translations: {pl: {status: unverified}}\n",
            "load::translation",
            "",
        ),
        (
            "translations: {en: {status: unverified, covers: questions}}\n",
            "load::translation",
            "",
        ),
    ];
    for (extra, code, help) in cases {
        let d = load_err(&set(extra));
        let hit = d.iter().find(|d| d.code == code);
        let hit = hit.unwrap_or_else(|| panic!("{extra}: {d:?}"));
        assert!(hit.span.line > 0, "{extra}");
        if !help.is_empty() {
            let h = hit.help.as_deref().unwrap_or_default();
            assert!(h.contains(help), "{extra}: {h}");
        }
    }
    let audience = set("").replace("audience: interviewer", "audience: worker");
    assert_eq!(errors(&load_err(&audience)), ["load::audience"]);
}

#[test]
fn a_set_that_does_not_say_who_it_is_for_is_warned() {
    let w = warnings(&set(""));
    for code in [
        "check::no-population",
        "check::no-forms",
        "check::no-guidance",
    ] {
        assert!(codes(&w).contains(&code), "{code}: {w:?}");
    }
    assert!(
        warnings(&set(SCOPE)).is_empty(),
        "{:?}",
        warnings(&set(SCOPE))
    );
}

#[test]
fn under_18_is_read_by_the_population_check_not_unused() {
    // No indicator reads `under_18`; with a population, the population check does.
    assert!(!codes(&warnings(&set(SCOPE))).contains(&"check::unused-question"));
    let w = warnings(&set("population: any\n"));
    assert!(
        w.iter()
            .any(|d| d.code == "check::unused-question" && d.message.contains("under_18"))
    );
}

#[test]
fn a_translation_of_the_questions_is_checked_on_what_the_person_reads() {
    let text = set(SCOPE).replace("languages: [en, nl]", "languages: [en, nl, pl]")
        + "translations:\n  pl: {status: unverified, covers: questions, note: machine translation}\n";
    // Neither the indicator labels, the outcomes, the guidance nor the interviewer's question
    // need Polish; the question put to the person does.
    let w = warnings(&text);
    let missing: Vec<&str> = w
        .iter()
        .filter(|d| d.code == "check::missing-translation")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        missing,
        ["question `passport_taken` has no `pl` text"],
        "{w:?}"
    );

    let translated = text.replace(
        "text: {en: passport_taken?, nl: passport_taken?}",
        "text: {en: passport_taken?, nl: passport_taken?, pl: paszport?}",
    );
    let rules = load_ok(&translated);
    assert!(
        warnings(&translated).is_empty(),
        "{:?}",
        warnings(&translated)
    );
    let pl = rules.translation("pl").expect("pl");
    assert_eq!(pl.status(), TranslationStatus::Unverified);
    assert_eq!(pl.covers(), TranslationScope::Questions);
    assert!(rules.is_unverified_translation("pl"));
    assert!(!rules.is_unverified_translation("nl"));
    assert_eq!(rules.full_languages().collect::<Vec<_>>(), ["en", "nl"]);

    let form = serde_json::to_value(rules.form("pl")).expect("json");
    assert_eq!(form["language"], "pl");
    assert_eq!(form["questions"][0]["text"], "paszport?");
    // What the translation does not cover comes in the set's first language.
    assert_eq!(form["guidance"][0]["text"], "Speak with the person alone.");
    assert_eq!(
        form["ruleset"]["translations"],
        json!([{"language": "pl", "status": "unverified", "covers": "questions", "note": "machine translation"}])
    );
}
