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
        let reports: serde_json::Value = serde_json::from_slice(&screened.stdout).expect("JSON");
        let report = &reports[0];
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

/// Every bundled set and its tests (and the mistake corpus' clean set) validate against the
/// schemas editors get; misspelt keys and values do not.
#[test]
fn the_rule_set_format_schema_accepts_every_bundled_set_and_refuses_typos() {
    let schema = |flag: &str| {
        let r = run(&["schema", flag]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let value: serde_json::Value = serde_json::from_slice(&r.stdout).expect("JSON");
        jsonschema::validator_for(&value).expect("a valid JSON Schema")
    };
    let ruleset = schema("--ruleset-format");
    let tests = schema("--tests-format");
    let yaml = |path: &std::path::Path| -> serde_json::Value {
        let text = std::fs::read_to_string(path).expect("read");
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let mut sets: Vec<std::path::PathBuf> = std::fs::read_dir(repo("rules"))
        .expect("rules/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("ruleset.yaml").is_file())
        .collect();
    sets.push(repo("cli/tests/mistakes/base").into());
    assert!(sets.len() >= 9);
    let mut test_files = 0;
    for set in &sets {
        let manifest = yaml(&set.join("ruleset.yaml"));
        let errors: Vec<String> = ruleset
            .iter_errors(&manifest)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", set.display());
        for file in std::fs::read_dir(set.join("tests")).expect("tests/") {
            let path = file.expect("entry").path();
            let errors: Vec<String> = tests
                .iter_errors(&yaml(&path))
                .map(|e| format!("{}: {e}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            test_files += 1;
        }
    }
    assert!(test_files >= 20);

    let base = std::fs::read_to_string(repo("cli/tests/mistakes/base/ruleset.yaml")).expect("base");
    for (find, replace) in [
        (
            "    when: obs.wages_withheld\n",
            "    wen: obs.wages_withheld\n",
        ),
        ("    strength: medium\n", "    strength: meduim\n"),
        ("    type: integer\n", "    type: int\n"),
        ("positive: ilo\n", "positive: {at_leest: 2}\n"),
        ("format: 1\n", "format: 2\n"),
    ] {
        let bad: serde_json::Value =
            serde_yaml::from_str(&base.replacen(find, replace, 1)).expect("YAML");
        assert!(!ruleset.is_valid(&bad), "`{replace}` should be refused");
    }
    let bad_test: serde_json::Value =
        serde_yaml::from_str("cases:\n  - name: x\n    expect: {outcom: no_signals}\n")
            .expect("YAML");
    assert!(!tests.is_valid(&bad_test));
}

/// The schemas in `rules/` are the ones `herken schema` writes, and `herken new` writes them
/// with the modelines that point a YAML language server at them.
#[test]
fn new_sets_point_editors_at_the_format_schemas() {
    for (flag, file) in [
        ("--ruleset-format", "rules/ruleset.schema.json"),
        ("--tests-format", "rules/tests.schema.json"),
    ] {
        let written = run(&["schema", flag]).stdout_text();
        assert_eq!(written, std::fs::read_to_string(repo(file)).expect(file));
    }
    let dir = Temp::new("new-schema");
    assert_eq!(run(&["new", &dir.arg("my-set")]).code, 0);
    let manifest = std::fs::read_to_string(dir.path("my-set/ruleset.yaml")).expect("manifest");
    assert!(manifest.starts_with("# yaml-language-server: $schema=ruleset.schema.json\n"));
    let tests = std::fs::read_to_string(dir.path("my-set/tests/basic.yaml")).expect("tests");
    assert!(tests.starts_with("# yaml-language-server: $schema=../tests.schema.json\n"));
    for file in ["ruleset.schema.json", "tests.schema.json"] {
        assert_eq!(
            std::fs::read_to_string(dir.path(&format!("my-set/{file}"))).expect(file),
            std::fs::read_to_string(repo(&format!("rules/{file}"))).expect(file)
        );
    }
}
