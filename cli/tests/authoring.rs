//! What a rule author gets from `check` and `test` beyond the diagnostics: example cases for
//! decision rules, coverage per rule and clause in every format, and gates that say what is
//! wrong instead of passing silently.

use crate::util::{Temp, repo, run};

/// A copy of the clean fixture set (`tests/mistakes/base`), with `find` replaced by `replace`
/// in `file` when given.
fn fixture(dir: &Temp, edit: Option<(&str, &str, &str)>) -> String {
    let base = std::path::PathBuf::from(repo("cli/tests/mistakes/base"));
    let folder = dir.path("set");
    std::fs::create_dir_all(folder.join("tests")).expect("folder");
    for file in ["ruleset.yaml", "lib.rhai", "tests/basic.yaml"] {
        let mut text = std::fs::read_to_string(base.join(file)).expect("fixture");
        if let Some((f, find, replace)) = edit
            && f == file
        {
            assert_eq!(text.matches(find).count(), 1, "{find}");
            text = text.replace(find, replace);
        }
        std::fs::write(folder.join(file), text).expect("write");
    }
    folder.display().to_string()
}

#[test]
fn explain_rule_prints_a_case_that_the_rule_decides() {
    let dir = Temp::new("explain-rule");
    for (set, rule) in [
        ("ilo-2009-adult-labour", "ilo-adult-rule"),
        ("ilo-2009-adult-labour", "screening-any-signal"),
        ("nl-arbeidsuitbuiting", "otherwise"),
    ] {
        let r = run(&["check", set, "--explain-rule", rule, "--format", "json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON");
        let example = &v[0]["example"];
        assert_eq!(example["rule"], rule);
        let case = dir.write("case.json", example["case"].to_string());
        let screened = run(&["screen", "--rules", set, &case, "--format", "json"]);
        assert_eq!(screened.code, 0, "{}", screened.stderr);
        let report: serde_json::Value = serde_json::from_slice(&screened.stdout).expect("JSON");
        assert_eq!(report["outcome"]["decided_by"], rule, "{set}: {case}");
        assert_eq!(report["outcome"]["id"], example["outcome"]);
    }
    let human = run(&[
        "check",
        "ilo-2009-adult-labour",
        "--explain-rule",
        "ilo-adult-rule",
    ]);
    let out = human.stdout_text();
    assert!(
        out.contains("decision rule `ilo-adult-rule` (outcome `possible_victim`) decides a case"),
        "{out}"
    );
    assert!(out.contains("for example these answers"), "{out}");
    let unknown = run(&[
        "check",
        "ilo-2009-adult-labour",
        "--explain-rule",
        "no-such",
    ]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no decision rule `no-such`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn coverage_names_every_rule_clause_indicator_and_outcome() {
    let dir = Temp::new("coverage-json");
    // Without the case that reaches `possible-victim`, its rule, outcome and clauses go uncovered.
    let set = fixture(
        &dir,
        Some((
            "tests/basic.yaml",
            "  - name: documents taken, debt, wages withheld, long hours in agriculture\n    observations: {passport_taken: true, debt: true, wages_withheld: true, hours_per_week: 70, sector: agriculture, story: \"they kept my passport\"}\n    expect:\n      outcome: possible_victim\n      present: [documents, debt_bondage, documents_in_story, wages, long_hours, risk_sector]\n",
            "",
        )),
    );
    let r = run(&["test", &set, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON");
    let coverage = &v[0]["coverage"];
    let rules = coverage["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[0]["rule"], "possible-victim");
    assert_eq!(rules[0]["outcome"], "possible_victim");
    assert_eq!(rules[0]["cases"], 0);
    assert_eq!(rules[1]["rule"], "any-signal");
    assert_eq!(rules[1]["cases"], 1);
    let clauses = coverage["clauses"].as_array().expect("clauses");
    assert!(clauses.contains(&serde_json::json!(
        {"dimension": "exploitation", "clause": "2_medium_1_weak", "cases": 0}
    )));
    let indicators = coverage["indicators"].as_array().expect("indicators");
    assert!(indicators.contains(&serde_json::json!(
        {"indicator": "risk_sector", "present": false, "absent": true, "unknown": true}
    )));
    assert!(
        coverage["outcomes"]
            .as_array()
            .expect("outcomes")
            .contains(&serde_json::json!({"outcome": "possible_victim", "cases": 0}))
    );
    assert_eq!(
        coverage["summary"]["rules"],
        serde_json::json!({"seen": 2, "total": 3})
    );

    let human = run(&["test", &set]).stdout_text();
    assert!(human.contains("decision rules 2/3"), "{human}");
    assert!(
        human.contains("not covered: decision rule possible-victim (never decided a case)"),
        "{human}"
    );
    assert!(
        human.contains("not covered: dimension exploitation, clause 2_medium_1_weak"),
        "{human}"
    );

    let junit = run(&["test", &set, "--format", "junit", "--min-coverage", "100"]);
    assert_eq!(junit.code, 1);
    let xml = junit.stdout_text();
    assert!(
        xml.contains("<property name=\"coverage.rules\" value=\"2/3\"/>"),
        "{xml}"
    );
    assert!(xml.contains("<testcase name=\"coverage\""), "{xml}");
    assert!(
        xml.contains("decision rule possible-victim (never decided a case)"),
        "{xml}"
    );
}

#[test]
fn min_coverage_must_be_a_percentage() {
    for bad in ["101", "-1", "lots", "NaN"] {
        let r = run(&[
            "test",
            "nl-arbeidsuitbuiting",
            &format!("--min-coverage={bad}"),
        ]);
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stderr.contains("from 0 to 100"), "{bad}: {}", r.stderr);
    }
    assert_eq!(
        run(&["test", "nl-arbeidsuitbuiting", "--min-coverage", "100"]).code,
        0
    );
}

#[test]
fn junit_for_a_set_that_cannot_run_is_a_failing_suite() {
    let dir = Temp::new("junit-load");
    let broken = fixture(
        &dir,
        Some((
            "ruleset.yaml",
            "    when: obs.debt\n",
            "    when: obs.dept\n",
        )),
    );
    let r = run(&["test", &broken, "--format", "junit"]);
    assert_eq!(r.code, 2);
    let xml = r.stdout_text();
    assert!(
        xml.contains("<testsuites name=\"herken\" tests=\"1\" failures=\"1\">"),
        "{xml}"
    );
    assert!(xml.contains("<testcase name=\"load\""), "{xml}");
    assert!(xml.contains("has 1 error"), "{xml}");

    let dir = Temp::new("junit-tests");
    let contradictory = fixture(
        &dir,
        Some((
            "tests/basic.yaml",
            "      decided_by: any-signal\n",
            "      decided_by: any-signal\n      present: [wages]\n      absent: [wages]\n",
        )),
    );
    let r = run(&["test", &contradictory, "--format", "junit"]);
    assert_eq!(r.code, 2);
    let xml = r.stdout_text();
    assert!(xml.contains("<testcase name=\"tests\""), "{xml}");
    assert!(xml.contains("test::contradiction"), "{xml}");
    assert!(
        xml.contains("indicator `wages` is expected both `present` and `absent`"),
        "{xml}"
    );
}
