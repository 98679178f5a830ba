//! The edges a newcomer meets first: version, languages, explanations that keep the advice,
//! plain messages and help that says each default once.

use crate::util::{Temp, repo, run};

#[test]
fn version_is_a_command_and_a_flag() {
    let command = run(&["version"]);
    let flag = run(&["--version"]);
    assert_eq!((command.code, flag.code), (0, 0));
    assert_eq!(command.stdout_text(), flag.stdout_text());
    assert!(command.stdout_text().starts_with("herken "));
}

#[test]
fn a_language_the_set_lacks_is_an_error_naming_those_it_has() {
    let case = repo("examples/seasonal-worker.json");
    for args in [
        vec!["screen", case.as_str(), "--lang", "fr"],
        vec!["questions", "nl-arbeidsuitbuiting", "--lang", "fr"],
        vec!["schema", "nl-arbeidsuitbuiting", "--lang", "fr"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains("is not written in `fr`"), "{}", r.stderr);
        assert!(r.stderr.contains("nl, en"), "{}", r.stderr);
        assert!(
            r.stdout.is_empty(),
            "{args:?}: no report in another language"
        );
    }
}

#[test]
fn explain_keeps_the_advice_and_the_footer() {
    let case = repo("examples/seasonal-worker.json");
    let en = run(&["screen", &case, "--explain", "--lang", "en"]).stdout_text();
    assert!(en.contains("\nAdvice:\n"), "{en}");
    assert!(en.contains("CoMensha"), "the referral: {en}");
    assert!(
        en.contains("This is a screening signal, not an identification."),
        "{en}"
    );
    let nl = run(&["screen", &case, "--explain", "--lang", "nl"]).stdout_text();
    assert!(nl.contains("\nAdvies:\n"), "{nl}");
    assert!(
        nl.contains("Dit is een signaal, geen vaststelling."),
        "{nl}"
    );
}

#[test]
fn dutch_output_gives_strengths_in_dutch() {
    let case = repo("examples/seasonal-worker.json");
    for args in [
        vec!["screen", case.as_str()],
        vec!["screen", case.as_str(), "--explain"],
    ] {
        let out = run(&args).stdout_text();
        assert!(out.contains("[middel"), "{out}");
        assert!(out.contains("[sterk"), "{out}");
        assert!(
            !out.contains("[medium") && !out.contains("[strong"),
            "{out}"
        );
    }
    let en = run(&["screen", &case, "--lang", "en"]).stdout_text();
    assert!(en.contains("[medium"), "{en}");
}

#[test]
fn invalid_json_says_where_once_in_plain_words() {
    let dir = Temp::new("json");
    let case = dir.write("case.json", "{\n  \"debt_to_employer\": \n}\n");
    let r = run(&["screen", &case]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("case.json:3:1: invalid JSON: a value is missing here"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("line 3"),
        "the position once: {}",
        r.stderr
    );
    let jsonl = dir.write(
        "cases.jsonl",
        "{\"debt_to_employer\": true}\n{\"debt_to_employer\": tru}\n",
    );
    let r = run(&["batch", &jsonl, "--format", "jsonl"]);
    let out = r.stdout_text();
    assert!(
        out.contains("line 2, column 25: invalid JSON: `true`, `false` or `null` is misspelt here"),
        "{out}"
    );
}

#[test]
fn messages_say_an_before_a_vowel() {
    let dir = Temp::new("article");
    let case = dir.write("case.json", "{\"hours_per_week\": \"many\"}");
    let r = run(&["screen", &case]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("for an integer question"), "{}", r.stderr);
}

/// Each option's help names its default at most once (clap adds `[default: …]`).
#[test]
fn help_states_each_default_once() {
    let commands = [
        "screen",
        "test",
        "check",
        "list",
        "bundle",
        "keygen",
        "batch",
        "synth",
        "questions",
        "schema",
        "xlsform",
        "new",
        "explain",
    ];
    for command in commands {
        let help = run(&[command, "--help"]).stdout_text();
        let mut option = String::new();
        for line in help.lines().chain(["  -"]) {
            let starts_option =
                line.trim_start().starts_with('-') || line.trim_start().starts_with('[');
            if starts_option || line.is_empty() {
                assert!(
                    option.to_lowercase().matches("default").count() <= 1,
                    "`herken {command} --help` states a default twice:\n{option}"
                );
                option.clear();
            }
            option.push_str(line);
            option.push('\n');
        }
    }
}

/// On a terminal, `screen` without a case file says what it waits for (run under `script`,
/// which gives it a terminal); an empty case is named as such.
#[test]
fn screen_without_a_case_says_it_reads_standard_input() {
    let out = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} screen", env!("CARGO_BIN_EXE_herken")),
            "/dev/null",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("`script` (util-linux) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("reading a case (a JSON object of answers) from standard input"),
        "{text}"
    );
    assert!(
        text.contains("<stdin>: no case: the input is empty"),
        "{text}"
    );
    // Not a terminal: no notice, only the error.
    let piped = run(&["screen"]);
    assert_eq!(piped.code, 2);
    assert!(!piped.stderr.contains("reading a case"), "{}", piped.stderr);
}
