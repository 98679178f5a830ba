//! Acceptance: author mistakes seeded one at a time into a clean rule set
//! (`tests/mistakes/base`), every copy checked by ONE `herken check` run, and each mistake
//! reported with its code at its file, line and column. Add a mistake as a row of `MISTAKES`.

use crate::util::{Temp, repo, run};

struct Mistake {
    /// The folder of the seeded copy (and what the mistake is).
    name: &'static str,
    /// The file of the set the mistake is written into.
    file: &'static str,
    /// Text of the clean set, present exactly once in `file`…
    find: &'static str,
    /// …and what the author wrote instead.
    replace: &'static str,
    /// The code `check` must report…
    code: &'static str,
    /// …at this line and column of `file`.
    at: (u64, u64),
    /// A second finding the mistake must not hide (an indicator's other mistake).
    also: Option<(&'static str, u64, u64)>,
}

const MISTAKES: &[Mistake] = &[
    Mistake {
        name: "single-equals",
        file: "ruleset.yaml",
        find: "    when: obs.passport_taken\n",
        replace: "    when: obs.passport_taken = true\n",
        code: "compile::assignment",
        at: (64, 30),
        also: None,
    },
    Mistake {
        name: "misspelt-library-function",
        file: "ruleset.yaml",
        find: "long_hours(obs.hours_per_week)",
        replace: "long_hour(obs.hours_per_week)",
        code: "compile::unknown-function",
        at: (84, 11),
        also: None,
    },
    Mistake {
        name: "narrower-rule-after-broader-same-outcome",
        file: "ruleset.yaml",
        find: "  - id: otherwise\n",
        replace: "  - id: two-signals\n    outcome: signals_present\n    when: present_count() > 1\n  - id: otherwise\n",
        code: "compile::shadowed-rule",
        at: (98, 5),
        also: None,
    },
    Mistake {
        name: "count-beyond-the-indicators",
        file: "ruleset.yaml",
        find: "  - id: any-signal\n",
        replace: "  - id: many-coercion-signals\n    outcome: possible_victim\n    when: present_count(\"coercion\") > 5\n  - id: any-signal\n",
        code: "compile::unreachable-rule",
        at: (95, 5),
        also: None,
    },
    Mistake {
        name: "contradiction-in-a-rule",
        file: "ruleset.yaml",
        find: "  - id: any-signal\n",
        replace: "  - id: odd\n    outcome: possible_victim\n    when: positive(\"coercion\") && !positive(\"coercion\")\n  - id: any-signal\n",
        code: "compile::unreachable-rule",
        at: (95, 5),
        also: None,
    },
    Mistake {
        name: "shadowed-rule",
        file: "ruleset.yaml",
        find: "  - id: otherwise\n",
        replace: "  - id: coerced\n    outcome: possible_victim\n    when: positive(\"coercion\")\n  - id: otherwise\n",
        code: "compile::shadowed-rule",
        at: (98, 5),
        also: None,
    },
    Mistake {
        name: "rule-after-the-final-rule",
        file: "ruleset.yaml",
        find: "  - id: otherwise\n    outcome: no_signals\n",
        replace: "  - id: otherwise\n    outcome: no_signals\n  - id: late\n    outcome: signals_present\n    when: present(\"debt_bondage\")\n",
        code: "compile::shadowed-rule",
        at: (100, 5),
        also: None,
    },
    Mistake {
        name: "missing-strength-hides-when",
        file: "ruleset.yaml",
        find: "    strength: strong\n    label: {en: \"Documents taken\", nl: \"Documenten ingenomen\"}\n    when: obs.passport_taken\n",
        replace: "    label: {en: \"Documents taken\", nl: \"Documenten ingenomen\"}\n    when: obs.pasport_taken\n",
        code: "compile::unknown-question",
        at: (63, 15),
        also: Some(("load::missing-strength", 60, 5)),
    },
    Mistake {
        name: "misspelt-strength-hides-when",
        file: "ruleset.yaml",
        find: "    strength: medium\n    label: {en: \"Wages withheld\", nl: \"Loon ingehouden\"}\n    when: obs.wages_withheld\n",
        replace: "    strength: meduim\n    label: {en: \"Wages withheld\", nl: \"Loon ingehouden\"}\n    when: obs.wages_withheld = true\n",
        code: "compile::assignment",
        at: (79, 30),
        also: Some(("load::strength", 77, 15)),
    },
    Mistake {
        name: "obs-in-decision",
        file: "ruleset.yaml",
        find: "    when: present_count() > 0\n",
        replace: "    when: present_count() > 0 || obs.debt\n",
        code: "compile::obs-in-decision",
        at: (97, 38),
        also: None,
    },
    Mistake {
        name: "option-that-does-not-exist",
        file: "ruleset.yaml",
        find: "obs.sector == \"agriculture\"",
        replace: "obs.sector == \"agricultur\"",
        code: "compile::unknown-option",
        at: (89, 25),
        also: None,
    },
    Mistake {
        name: "number-beyond-max",
        file: "ruleset.yaml",
        find: "long_hours(obs.hours_per_week)",
        replace: "obs.hours_per_week > 600",
        code: "compile::never-holds",
        at: (84, 30),
        also: None,
    },
    Mistake {
        name: "fraction-for-an-integer",
        file: "ruleset.yaml",
        find: "long_hours(obs.hours_per_week)",
        replace: "obs.hours_per_week == 40.5",
        code: "compile::never-holds",
        at: (84, 30),
        also: None,
    },
    Mistake {
        name: "constant-condition",
        file: "ruleset.yaml",
        find: "    when: obs.debt\n",
        replace: "    when: obs.debt || !obs.debt\n",
        code: "compile::constant-condition",
        at: (69, 11),
        also: None,
    },
    Mistake {
        name: "misspelt-question",
        file: "ruleset.yaml",
        find: "    when: obs.debt\n",
        replace: "    when: obs.dept\n",
        code: "compile::unknown-question",
        at: (69, 15),
        also: None,
    },
    Mistake {
        name: "invalid-pattern",
        file: "ruleset.yaml",
        find: "\"passport|paspoort\"",
        replace: "\"passport(\"",
        code: "compile::regex",
        at: (74, 30),
        also: None,
    },
    Mistake {
        name: "number-compared-with-text",
        file: "ruleset.yaml",
        find: "long_hours(obs.hours_per_week)",
        replace: "obs.hours_per_week > \"60\"",
        code: "compile::type",
        at: (84, 30),
        also: None,
    },
    Mistake {
        name: "misspelt-dimension-in-decision",
        file: "ruleset.yaml",
        find: "positive(\"coercion\") && positive(\"exploitation\")",
        replace: "positive(\"coersion\") && positive(\"exploitation\")",
        code: "compile::unknown-reference",
        at: (94, 20),
        also: None,
    },
    Mistake {
        name: "misspelt-key",
        file: "ruleset.yaml",
        find: "    when: obs.wages_withheld\n",
        replace: "    wen: obs.wages_withheld\n",
        code: "load::unknown-key",
        at: (79, 5),
        also: None,
    },
    Mistake {
        name: "duplicate-indicator",
        file: "ruleset.yaml",
        find: "  - id: risk_sector\n",
        replace: "  - id: wages\n",
        code: "load::duplicate-id",
        at: (85, 5),
        also: None,
    },
    Mistake {
        name: "no-final-rule",
        file: "ruleset.yaml",
        find: "  - id: otherwise\n    outcome: no_signals\n",
        replace: "",
        code: "load::decision-falls-through",
        at: (95, 5),
        also: None,
    },
    Mistake {
        name: "unqualified-victim",
        file: "ruleset.yaml",
        find: "label: {en: \"Possible victim\", nl: \"Mogelijk slachtoffer\"}",
        replace: "label: {en: \"Victim\", nl: \"Slachtoffer\"}",
        code: "check::unqualified-victim",
        at: (109, 13),
        also: None,
    },
    Mistake {
        name: "ask-if-on-a-later-question",
        file: "ruleset.yaml",
        find: "    type: yesno\n    text: {en: \"Do you owe money",
        replace: "    type: yesno\n    ask_if: obs.wages_withheld\n    text: {en: \"Do you owe money",
        code: "compile::ask-if-order",
        at: (30, 17),
        also: None,
    },
    Mistake {
        name: "present-and-absent-in-one-test",
        file: "tests/basic.yaml",
        find: "      decided_by: any-signal\n",
        replace: "      decided_by: any-signal\n      present: [wages]\n      absent: [wages]\n",
        code: "test::contradiction",
        at: (23, 16),
        also: None,
    },
    Mistake {
        name: "failing-test",
        file: "tests/basic.yaml",
        find: "      outcome: signals_present\n",
        replace: "      outcome: possible_victim\n",
        code: "test::failed",
        at: (17, 5),
        also: None,
    },
    Mistake {
        name: "misspelt-expectation",
        file: "tests/basic.yaml",
        find: "      decided_by: any-signal\n",
        replace: "      decided_by: any-signal\n      outcom: signals_present\n",
        code: "test::unknown-key",
        at: (22, 7),
        also: None,
    },
];

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy fixture");
        }
    }
}

#[test]
fn the_clean_set_passes_check_and_test() {
    let base = repo("cli/tests/mistakes/base");
    let check = run(&["check", &base]);
    assert_eq!(check.code, 0, "{}", check.stdout_text());
    assert!(check.stdout_text().contains("0 errors, 0 warnings"));
    let test = run(&["test", &base, "--min-coverage", "100"]);
    assert_eq!(test.code, 0, "{}", test.stdout_text());
}

#[test]
fn one_check_run_catches_every_seeded_mistake_with_its_position_and_code() {
    assert!(MISTAKES.len() >= 15);
    let dir = Temp::new("mistakes");
    let base = std::path::PathBuf::from(repo("cli/tests/mistakes/base"));
    let mut folders = Vec::new();
    for m in MISTAKES {
        let folder = dir.path(m.name);
        copy_dir(&base, &folder);
        let file = folder.join(m.file);
        let text = std::fs::read_to_string(&file).expect("fixture file");
        assert_eq!(
            text.matches(m.find).count(),
            1,
            "{}: the text to replace",
            m.name
        );
        std::fs::write(&file, text.replace(m.find, m.replace)).expect("seed the mistake");
        folders.push(folder.display().to_string());
    }
    let mut args = vec!["check", "--format", "json"];
    args.extend(folders.iter().map(String::as_str));
    let r = run(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let sets: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON output");
    let sets = sets.as_array().expect("one entry per set");
    assert_eq!(sets.len(), MISTAKES.len());
    for (m, set) in MISTAKES.iter().zip(sets) {
        let diagnostics = set["diagnostics"].as_array().expect("diagnostics");
        let path = dir.path(m.name).join(m.file).display().to_string();
        let found = |code: &str, (line, column): (u64, u64)| {
            diagnostics.iter().any(|d| {
                d["code"] == code
                    && d["path"] == path.as_str()
                    && d["line"] == line
                    && d["column"] == column
            })
        };
        assert!(
            found(m.code, m.at),
            "{}: expected `{}` at {}:{}:{}, got {diagnostics:#?}",
            m.name,
            m.code,
            m.file,
            m.at.0,
            m.at.1
        );
        if let Some((code, line, column)) = m.also {
            assert!(found(code, (line, column)), "{}: also `{code}`", m.name);
        }
        // A set that only has a warning still says so; every other mistake is an error.
        let severity = if m.code.starts_with("check::") {
            "warning"
        } else {
            "error"
        };
        assert!(
            diagnostics
                .iter()
                .any(|d| d["code"] == m.code && d["severity"] == severity),
            "{}: `{}` is an {severity}",
            m.name,
            m.code
        );
    }
}
