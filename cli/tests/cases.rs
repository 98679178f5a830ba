//! Reading cases, in every command that reads one (`screen`, `batch` CSV and JSONL): a key given
//! twice is an error, and no case error ever shows the answer it is about.

use crate::util::{Temp, run, run_with};

const MARKER: &str = "ZQXMARKERQXZ";

#[test]
fn screen_refuses_a_key_given_twice() {
    let case =
        br#"{"deceived_about_job": true, "hours_per_week": 50, "deceived_about_job": false}"#;
    let r = run_with(&["screen", "-", "--lang", "en"], case);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("case::duplicate-key") && r.stderr.contains("`deceived_about_job`"),
        "{}",
        r.stderr
    );
    // Several sets: each reads the case, the key is still given twice.
    let r = run_with(
        &[
            "screen",
            "-",
            "--rules",
            "ilo-2009-adult-labour,nl-arbeidsuitbuiting",
        ],
        case,
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("case::duplicate-key"), "{}", r.stderr);
}

#[test]
fn batch_refuses_a_key_given_twice_in_a_jsonl_row() {
    let dir = Temp::new("duplicate-key");
    let input = dir.write(
        "cases.jsonl",
        "{\"id\": \"r1\", \"deceived_about_job\": true}\n{\"id\": \"r2\", \"hours_per_week\": 50, \"hours_per_week\": 60}\n",
    );
    let r = run(&["batch", &input, "--id-column", "id", "--format", "jsonl"]);
    assert_eq!(r.code, 1, "one row failed: {}", r.stderr);
    let rows: Vec<serde_json::Value> = r
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSONL row"))
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["errors"], serde_json::json!([]));
    assert_eq!(rows[1]["errors"][0]["code"], "case::duplicate-key");
    assert_eq!(rows[1]["errors"][0]["field"], "hours_per_week");
}

/// A marker fed as the answer of every type of question, in every reader, appears in no error
/// (the answers themselves are never shown, unless `--include-input` asks for them).
#[test]
fn no_case_error_shows_the_answer() {
    let answers = [
        ("deceived_about_job", format!("\"{MARKER}\"")),
        ("hours_per_week", format!("\"{MARKER}\"")),
        ("hours_per_week", "1000000".to_owned()),
        ("passport_held_by", format!("\"{MARKER}\"")),
        ("passport_held_by", format!("[\"{MARKER}\"]")),
        ("deceived_about_job", format!("{{\"{MARKER}\": 1}}")),
    ];
    let mut failures = 0;
    for (q, value) in &answers {
        let case = format!("{{\"{q}\": {value}}}");
        let r = run_with(&["screen", "-", "--lang", "en"], case.as_bytes());
        assert_eq!(r.code, 2, "{case}: {}", r.stderr);
        assert!(!r.stderr.contains(MARKER), "{case}: {}", r.stderr);
        failures += 1;
    }
    let dir = Temp::new("marker");
    let jsonl: String = answers
        .iter()
        .map(|(q, value)| format!("{{\"{q}\": {value}}}\n"))
        .collect();
    let csv = format!(
        "deceived_about_job,hours_per_week,passport_held_by\n{MARKER},,\n,{MARKER},\n,,{MARKER}\n,1000000,\n"
    );
    for (file, text, rows) in [("cases.jsonl", jsonl, answers.len()), ("cases.csv", csv, 4)] {
        let input = dir.write(file, text);
        let r = run(&["batch", &input, "--format", "jsonl"]);
        assert_eq!(r.code, 1, "{file}: {}", r.stderr);
        let out = r.stdout_text();
        assert_eq!(out.lines().count(), rows, "{out}");
        for line in out.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("a JSONL row");
            assert_ne!(row["errors"], serde_json::json!([]), "{file}: {line}");
            failures += 1;
        }
        assert!(!out.contains(MARKER), "{file}: {out}");
        assert!(!r.stderr.contains(MARKER), "{file}: {}", r.stderr);
    }
    assert_eq!(failures, 16);
}
