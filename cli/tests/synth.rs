//! `herken synth`: deterministic synthetic cases.

use serde_json::Value as Json;

use crate::util::{csv, run};

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_ones() {
    for format in ["csv", "jsonl", "ctdc"] {
        let a = run(&["synth", "--cases", "50", "--seed", "42", "--format", format]);
        let b = run(&["synth", "--cases", "50", "--seed", "42", "--format", format]);
        let c = run(&["synth", "--cases", "50", "--seed", "43", "--format", format]);
        assert_eq!(a.code, 0, "{}", a.stderr);
        assert_eq!(a.stdout, b.stdout, "{format}");
        assert_ne!(a.stdout, c.stdout, "{format}");
    }
}

#[test]
fn every_format_has_a_label_and_the_asked_number_of_cases() {
    let r = run(&["synth", "--cases", "20", "--format", "csv"]);
    let rows = csv(&r.stdout_text());
    assert_eq!(rows.len(), 21);
    assert_eq!(&rows[0][..3], ["id", "label", "deceived_about_job"]);
    assert!(rows[1..].iter().all(|r| r[1] == "1" || r[1] == "0"));

    let r = run(&["synth", "--cases", "20", "--format", "jsonl"]);
    let lines: Vec<Json> = r
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 20);
    assert!(lines.iter().all(|v| v["label"] == 0 || v["label"] == 1));

    let r = run(&["synth", "--cases", "20", "--format", "ctdc"]);
    let rows = csv(&r.stdout_text());
    assert_eq!(rows.len(), 21);
    assert_eq!(rows[0].len(), 64, "63 CTDC columns and the label");
    assert_eq!(rows[0][63], "label");
    assert!(rows[1..].iter().all(|r| r.len() == 64));
}

#[test]
fn the_positive_share_follows_the_option() {
    let r = run(&[
        "synth",
        "--cases",
        "1000",
        "--positive-percent",
        "10",
        "--format",
        "ctdc",
    ]);
    let positives = csv(&r.stdout_text())[1..]
        .iter()
        .filter(|r| r[63] == "1")
        .count();
    assert!((60..=140).contains(&positives), "{positives}");
}

#[test]
fn jsonl_keys_come_in_the_csv_column_order() {
    let args = |format| {
        [
            "synth",
            "--cases",
            "30",
            "--format",
            format,
            "--rules",
            "ilo-2009-adult-labour,nl-arbeidsuitbuiting",
        ]
    };
    let header = csv(&run(&args("csv")).stdout_text())[0].clone();
    let r = run(&args("jsonl"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in r.stdout_text().lines() {
        // Answers are booleans, numbers, null or option ids, so a key's text is only found
        // where the key is.
        let object: Json = serde_json::from_str(line).expect("a JSON object");
        let keys = object.as_object().expect("an object");
        let positions: Vec<usize> = header
            .iter()
            .filter(|c| keys.contains_key(c.as_str()))
            .map(|c| line.find(&format!("\"{c}\":")).expect("the key is written"))
            .collect();
        assert_eq!(positions.len(), keys.len(), "no key outside the columns");
        assert!(line.starts_with(r#"{"id":"case-"#), "{line}");
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "keys in column order: {line}"
        );
    }
}
