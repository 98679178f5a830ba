//! Terminal output: text from a rule set or a case never reaches the terminal as control
//! characters (escape sequences could recolour it, set its title, clear it, or hide text); the
//! human renderers write it escaped, visibly.

use crate::util::{Run, Temp, run, run_with};

/// ESC, BEL, a C1 CSI and a right-to-left override, as YAML double-quoted escapes.
const HOSTILE: &str = r"\e[2J\e]0;pwned\a\x9b31m\u202e";

/// A rule set (made by `herken new`) whose labels, advice, questions, guidance, source and
/// test names carry `HOSTILE`.
fn hostile_set(dir: &Temp) -> String {
    let set = dir.arg("hostile");
    assert_eq!(run(&["new", &set]).code, 0);
    let manifest = dir.path("hostile/ruleset.yaml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let text = text
        .replace(
            "{en: \"Confiscation of documents\", nl: \"Innemen van documenten\"}",
            &format!("{{en: \"Confiscation{HOSTILE}\", nl: \"Innemen{HOSTILE}\"}}"),
        )
        .replace(
            "advice: {en: \"Discuss with a colleague",
            &format!("advice: {{en: \"{HOSTILE}Discuss with a colleague"),
        )
        .replace(
            "nl: \"Overleg met een collega",
            &format!("nl: \"{HOSTILE}Overleg met een collega"),
        )
        .replace(
            "text: {en: \"Does someone else keep",
            &format!("text: {{en: \"{HOSTILE}Does someone else keep"),
        )
        .replace(
            "text: {en: \"Speak with the person alone",
            &format!("text: {{en: \"{HOSTILE}Speak with the person alone"),
        )
        .replace(
            "citation: \"Name the publication",
            &format!("citation: \"{HOSTILE}Name the publication"),
        );
    std::fs::write(&manifest, text).expect("write");
    let tests = dir.path("hostile/tests/basic.yaml");
    let text = std::fs::read_to_string(&tests).expect("tests");
    let text = text.replace(
        "- name: a withheld passport is a signal",
        &format!("- name: \"a withheld passport{HOSTILE}\""),
    );
    // A failing case, so that its name and mismatches are shown.
    let text = text.replace(
        "expect: {outcome: no_signals, absent: [documents_withheld], may_rise: false}",
        "expect: {outcome: signals_present}",
    );
    std::fs::write(&tests, text).expect("write");
    set
}

fn assert_escaped(what: &str, r: &Run) {
    for (stream, bytes) in [
        ("stdout", r.stdout.as_slice()),
        ("stderr", r.stderr.as_bytes()),
    ] {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{202e}'),
            "{what}: a control character reached {stream}: {text:?}"
        );
    }
    let all = format!("{}{}", r.stdout_text(), r.stderr);
    assert!(all.contains("\\u{1b}[2J"), "{what}: shown escaped: {all}");
}

#[test]
fn rule_set_text_reaches_the_terminal_escaped() {
    let dir = Temp::new("terminal");
    let set = hostile_set(&dir);
    let case = dir.write("case.json", r#"{"passport_held_by_other": true}"#);
    for lang in ["en", "nl"] {
        let r = run(&["screen", "--rules", &set, "--lang", lang, &case]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_escaped(&format!("screen --lang {lang}"), &r);
        let r = run(&[
            "screen",
            "--rules",
            &set,
            "--lang",
            lang,
            "--explain",
            &case,
        ]);
        assert_escaped(&format!("screen --explain --lang {lang}"), &r);
    }
    let r = run(&["questions", &set, "--lang", "en"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_escaped("questions", &r);
    let r = run(&["test", &set]);
    assert_eq!(r.code, 1, "one case fails: {}", r.stdout_text());
    assert_escaped("test", &r);
    // JSON is escaped by its own rules, and keeps the text whole.
    let r = run(&[
        "screen", "--rules", &set, "--lang", "en", "--format", "json", &case,
    ]);
    assert!(!r.stdout.contains(&0x1b));
    assert!(
        r.stdout_text().contains("\\u001b[2J"),
        "{}",
        r.stdout_text()
    );
}

#[test]
fn source_lines_and_messages_reach_the_terminal_escaped() {
    let dir = Temp::new("terminal-check");
    let set = hostile_set(&dir);
    // A raw escape sequence on a line a diagnostic quotes.
    let manifest = dir.path("hostile/ruleset.yaml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let text = text.replace(
        "when: obs.passport_held_by_other",
        "when: obs.passport_held_by_othr # \u{1b}[2J\u{1b}]0;pwned\u{7}",
    );
    std::fs::write(&manifest, text).expect("write");
    let r = run(&["check", &set]);
    assert_eq!(r.code, 1, "{}", r.stdout_text());
    assert_escaped("check", &r);
    let r = run(&["screen", "--rules", &set, &dir.write("case.json", "{}")]);
    assert_eq!(r.code, 2);
    assert_escaped("screen with a broken set", &r);
    // Case text in an error message: an unknown field named with an escape sequence.
    let r = run_with(
        &["screen", "-"],
        "{\"\\u001b[2Jpassport\": true}".as_bytes(),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_escaped("an unknown field", &r);
}
