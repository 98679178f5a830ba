//! The worked example in `rules/README.md` loads and behaves as the text says.

use serde_json::json;

use crate::common::{load_ok, run, state};

#[expect(
    clippy::disallowed_methods,
    reason = "the test reads the documentation it checks"
)]
fn worked_example() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../rules/README.md"))
            .expect("rules/README.md");
    let start = readme
        .find("```yaml\nformat: 1")
        .expect("the worked example")
        + "```yaml\n".len();
    let end = start + readme[start..].find("```").expect("end of the example");
    readme[start..end].to_owned()
}

#[test]
fn the_worked_example_screens_as_documented() {
    let rules = load_ok(&worked_example());
    let case = json!({"passport_held_by": "employer", "hours_per_week": 72, "story": "they took my passport"});
    let r = run(&rules, case);
    assert_eq!(r.outcome.id, "possible_victim");
    assert_eq!(r.outcome.decided_by, "coercion-and-exploitation");

    // The test case shown in the README.
    let r = run(
        &rules,
        json!({"passport_held_by": "employer", "hours_per_week": 72}),
    );
    assert_eq!(r.outcome.id, "signals_present");
    assert_eq!(r.outcome.decided_by, "any-signal");
    assert!(r.outcome.may_rise);
    assert_eq!(state(&r, "cd_documents"), "present");
    assert_eq!(state(&r, "ex_excessive_hours"), "present");
    assert_eq!(state(&r, "cd_documents_in_story"), "unknown");
    assert!(r.next_questions.iter().any(|q| q.id == "story"));

    let r = run(&rules, json!({}));
    assert_eq!(r.outcome.id, "no_signals");
    assert!(r.outcome.may_rise);
    assert_eq!(r.outcome.could_rise_to.as_deref(), Some("possible_victim"));
    assert!(r.indicators.iter().all(|i| i.state.as_str() == "unknown"));
    assert!(!r.next_questions.is_empty());
}
