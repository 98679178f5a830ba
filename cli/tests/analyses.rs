//! `herken batch` analyses: subgroups (`--by`), comparing sets (`--compare`) and the bounds for
//! unknown answers, checked against figures computed independently
//! (`tests/independent/analyses.py`, standard-library Python with its own formulas).

use std::process::Command;

use serde_json::Value as Json;

use crate::util::{Temp, csv_maps, repo, run};

const SETS: [&str; 3] = [
    "ilo-2009-adult-labour",
    "nl-geringste-aanwijzing",
    "nl-arbeidsuitbuiting",
];

/// Synthetic cases with a `gender` column: two large groups, one of 6 rows, and empty values.
fn cases(t: &Temp, n: usize) -> String {
    let synth = t.arg("synth.csv");
    let r = run(&[
        "synth",
        "--cases",
        &n.to_string(),
        "--seed",
        "7",
        "--rules",
        &SETS.join(","),
        "-o",
        &synth,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = String::from_utf8(t.read("synth.csv")).expect("UTF-8");
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let gender = match i {
            0 => "gender",
            _ if i % 50 == 0 => "",
            _ if i % 101 == 0 && i < 700 => "other",
            _ if i % 3 == 0 => "male",
            _ => "female",
        };
        out.push_str(line);
        out.push(',');
        out.push_str(gender);
        out.push('\n');
    }
    t.write("cases.csv", out)
}

fn close(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            (x - y).abs() <= 1e-12 * x.abs().max(1.0)
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| close(a, b))
        }
        _ => a == b,
    }
}

fn figure<'s>(figures: &'s Json, figure: &str, of: &str) -> &'s Json {
    figures
        .as_array()
        .and_then(|f| f.iter().find(|f| f["figure"] == figure && f["of"] == of))
        .unwrap_or_else(|| panic!("figure {figure} of `{of}`"))
}

/// Every subgroup figure and every comparison figure equals the independent computation.
#[test]
fn by_gender_and_compare_agree_with_an_independent_computation() {
    let t = Temp::new("analyses-independent");
    let input = cases(&t, 1200);
    let (out, summary) = (t.arg("out.csv"), t.arg("summary.json"));
    let rules = SETS.join(",");
    let r = run(&[
        "batch",
        &input,
        "--rules",
        &rules,
        "--id-column",
        "id",
        "--label",
        "label",
        "--by",
        "gender",
        "--compare",
        "--summary",
        &summary,
        "-o",
        &out,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("By `gender`"), "{}", r.stderr);
    assert!(
        r.stderr.contains("fewer rows than the minimum cell size"),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("column `gender`"),
        "no note: {}",
        r.stderr
    );
    let s: Json = serde_json::from_slice(&t.read("summary.json")).expect("summary JSON");

    let mut args = vec![
        repo("cli/tests/independent/analyses.py"),
        input.clone(),
        out.clone(),
        "gender".into(),
        "label".into(),
        "10".into(),
    ];
    for set in &s["rulesets"].as_array().expect("sets").clone() {
        let outcomes: Vec<&str> = set["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .map(|o| o["id"].as_str().expect("id"))
            .collect();
        args.push(format!(
            "{}:{}",
            set["id"].as_str().expect("id"),
            outcomes.join(",")
        ));
    }
    let py = Command::new("python3")
        .args(&args)
        .output()
        .expect("python3 runs (the independent computation needs it)");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let expected: Json = serde_json::from_slice(&py.stdout).expect("the script's JSON");

    // Subgroups.
    let groups = s["subgroups"]["columns"][0]["groups"]
        .as_array()
        .expect("groups");
    let mut suppressed_groups = 0;
    let mut suppressed_figures = 0;
    let mut checked = 0;
    assert_eq!(
        groups.len(),
        expected["groups"].as_object().expect("map").len()
    );
    for g in groups {
        let value = if g["pooled_values"].is_null() {
            g["value"].as_str().unwrap_or("")
        } else {
            assert_eq!(g["value"], Json::Null, "a pooled group names no value");
            "*pooled*"
        };
        let e = &expected["groups"][value];
        assert_eq!(g["pooled_values"], e["pooled_values"], "{value}");
        if e["suppressed"] == true {
            suppressed_groups += 1;
            assert!(g["suppressed"].is_string(), "{value}: {g}");
            assert_eq!(g["rows"], Json::Null);
            assert_eq!(g["rulesets"].as_array().map(Vec::len), Some(0));
            continue;
        }
        assert_eq!(g["suppressed"], Json::Null, "{value}");
        assert_eq!(g["rows"], e["rows"], "{value}");
        for gs in g["rulesets"].as_array().expect("sets") {
            let set = gs["id"].as_str().expect("id");
            for (key, want) in e["sets"][set].as_object().expect("figures") {
                let (name, of) = key.split_once(':').expect("name:of");
                let got = figure(&gs["figures"], name, of);
                for field in ["count", "value", "ci95", "suppressed"] {
                    assert!(
                        close(&got[field], &want[field]),
                        "{value} {set} {key} {field}: {} vs {}",
                        got[field],
                        want[field]
                    );
                }
                suppressed_figures += usize::from(want["suppressed"] == true);
                checked += 1;
            }
        }
    }
    assert_eq!(
        suppressed_groups, 2,
        "`other`, pooled alone, and the next smallest group"
    );
    assert!(
        !serde_json::to_string(&s["subgroups"])
            .expect("JSON")
            .contains("\"other\""),
        "a value too small to report is not named"
    );
    assert!(suppressed_figures > 0, "the fixture has small cells");
    assert!(checked >= 60, "{checked}");

    // Comparisons.
    let pairs = s["comparisons"].as_array().expect("comparisons");
    let want_pairs = expected["pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len(), 3);
    for (got, want) in pairs.iter().zip(want_pairs) {
        assert_eq!((&got["a"], &got["b"]), (&want["a"], &want["b"]));
        assert_eq!(got["rows"], want["rows"]);
        assert_eq!(got["outcomes"]["kappa"].is_null(), want["kappa"].is_null());
        if !want["kappa"].is_null() {
            for f in ["value", "se", "ci95"] {
                assert!(
                    close(&got["outcomes"]["kappa"][f], &want["kappa"][f]),
                    "{f}"
                );
            }
        }
        let binary = got["binary"].as_array().expect("binary");
        assert_eq!(binary.len(), want["binary"].as_object().expect("map").len());
        for b in binary {
            let w = &want["binary"][b["positive_from"].as_str().expect("id")];
            for f in ["both", "a_only", "b_only", "neither", "mcnemar_exact_p"] {
                assert!(
                    close(&b[f], &w[f]),
                    "{} {f}: {} vs {}",
                    got["a"],
                    b[f],
                    w[f]
                );
            }
            for f in ["value", "se", "ci95"] {
                assert!(close(&b["kappa"][f], &w["kappa"][f]), "kappa {f}");
            }
        }
    }

    // The rows listed as disagreeing are those where the output says so.
    let rows = csv_maps(&String::from_utf8(t.read("out.csv")).expect("UTF-8"));
    let pair = &pairs[1];
    assert_eq!(pair["a"], SETS[0]);
    assert_eq!(pair["b"], SETS[2]);
    let listed: Vec<u64> = pair["disagreements"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["row"].as_u64().expect("row"))
        .collect();
    let differ: Vec<u64> = rows
        .iter()
        .filter(|r| r[&format!("{}.outcome", SETS[0])] != r[&format!("{}.outcome", SETS[2])])
        .map(|r| r["row"].parse().expect("row number"))
        .collect();
    assert_eq!(listed, differ);
    assert!(!listed.is_empty());
    let first = &pair["disagreements"][0];
    assert_eq!(
        first["id"].as_str(),
        Some(rows[listed[0] as usize - 1]["id"].as_str())
    );
}

/// The summary's CSV form holds the figures of the JSON one.
#[test]
fn the_summary_as_csv_has_every_figure() {
    let t = Temp::new("analyses-csv");
    let input = cases(&t, 300);
    let (json, csv) = (t.arg("s.json"), t.arg("s.csv"));
    for summary in [&json, &csv] {
        let r = run(&[
            "batch",
            &input,
            "--label",
            "label",
            "--by",
            "gender",
            "--summary",
            summary,
            "-o",
            &t.arg("out.csv"),
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let s: Json = serde_json::from_slice(&t.read("s.json")).expect("JSON");
    let lines = csv_maps(&String::from_utf8(t.read("s.csv")).expect("UTF-8"));
    let sens = lines
        .iter()
        .find(|l| {
            l["by"].is_empty() && l["figure"] == "sensitivity" && l["of"] == "possible_victim"
        })
        .expect("overall sensitivity");
    let m = &s["rulesets"][0]["validation"]["metrics"]["sensitivity"];
    assert_eq!(sens["count"], m["numerator"].to_string());
    assert_eq!(sens["denominator"], m["denominator"].to_string());
    assert_eq!(sens["estimate"].parse::<f64>().ok(), m["value"].as_f64());
    let hidden = lines
        .iter()
        .find(|l| l["by"] == "gender" && l["pooled_values"] == "2" && l["figure"] == "rows")
        .expect("the two small values (`other` and empty) are listed, pooled");
    assert_eq!(hidden["value"], "", "not named");
    assert_eq!(hidden["suppressed"], "true");
    assert_eq!(hidden["count"], "");
    assert!(
        !lines.iter().any(|l| l["value"] == "other"),
        "a value too small to report is not named"
    );
    assert!(
        !lines
            .iter()
            .any(|l| !l["pooled_values"].is_empty() && l["figure"] != "rows"),
        "no figure of a suppressed group"
    );
}

/// Usage errors name the option that needs another.
#[test]
fn analyses_options_need_what_they_report_in() {
    let t = Temp::new("analyses-usage");
    let input = cases(&t, 20);
    for (args, says) in [
        (vec!["--by", "gender"], "`--by` breaks the summary down"),
        (vec!["--min-cell", "5"], "`--min-cell` applies to subgroups"),
        (vec!["--compare"], "`--compare` reports in the summary"),
        (
            vec!["--compare", "--summary", "s.json"],
            "`--compare` needs two or more rule sets",
        ),
        (
            vec!["--by", "gender", "--by", "gender", "--summary", "s.json"],
            "`--by gender` is given twice",
        ),
        (
            vec!["--by", "sex", "--summary", "s.json"],
            "the `--by` column `sex` is not a column",
        ),
    ] {
        let mut all = vec!["batch", input.as_str()];
        all.extend(args.iter().copied());
        let r = run(&all);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
}

/// Each row's bounds bracket its outcome, and the summary counts them.
#[test]
fn bounds_for_unknowns_bracket_the_outcome() {
    let t = Temp::new("analyses-bounds");
    let input = cases(&t, 400);
    let out = t.arg("out.csv");
    let r = run(&["batch", &input, "--summary", &t.arg("s.json"), "-o", &out]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = csv_maps(&String::from_utf8(t.read("out.csv")).expect("UTF-8"));
    let s: Json = serde_json::from_slice(&t.read("s.json")).expect("JSON");
    let outcomes: Vec<&str> = s["rulesets"][0]["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .map(|o| o["id"].as_str().expect("id"))
        .collect();
    let level = |id: &str| outcomes.iter().position(|o| *o == id).expect("an outcome");
    let mut differ = 0;
    let mut high = vec![0u64; outcomes.len()];
    for r in &rows {
        let (lo, at, hi) = (
            level(&r["if_unknown_absent"]),
            level(&r["outcome"]),
            level(&r["if_unknown_present"]),
        );
        // The adult-labour decision only rises as indicators become present.
        assert!(lo <= at && at <= hi, "{r:?}");
        if r["unknown"].is_empty() {
            assert_eq!((lo, hi), (at, at), "no unknown, nothing to move");
        }
        differ += u64::from(lo != hi);
        high[hi] += 1;
    }
    let b = &s["rulesets"][0]["bounds"];
    assert_eq!(b["differ"]["numerator"], differ);
    assert!(differ > 0, "the fixture has unknown answers that matter");
    for (i, n) in high.iter().enumerate() {
        assert_eq!(b["if_unknown_present"][i]["count"], *n);
    }
}

/// JSONL rows give `--by` values by key, a question's key too (still read as its answer); a key
/// no row gives gets a note.
#[test]
fn jsonl_groups_by_key_even_a_question() {
    let t = Temp::new("analyses-jsonl");
    let input = t.arg("cases.jsonl");
    let r = run(&[
        "synth", "--cases", "200", "--seed", "3", "--format", "jsonl", "-o", &input,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "batch",
        &input,
        "--by",
        "under_18",
        "--by",
        "gendr",
        "--summary",
        &t.arg("s.json"),
        "-o",
        &t.arg("out.jsonl"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("no row gives a value for the `--by` column `gendr`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("column `under_18`"), "{}", r.stderr);
    let s: Json = serde_json::from_slice(&t.read("s.json")).expect("JSON");
    let minors = s["rulesets"][0]["outside_population"]
        .as_u64()
        .expect("count");
    assert!(minors > 0, "under_18 is still read as an answer");
    let groups = s["subgroups"]["columns"][0]["groups"]
        .as_array()
        .expect("groups");
    let values: Vec<&Json> = groups.iter().map(|g| &g["value"]).collect();
    assert_eq!(
        values,
        [&Json::Null, &Json::from("false"), &Json::from("true")]
    );
    let minors_group = &groups[2];
    assert_eq!(minors_group["rows"], minors, "{minors_group}");
    let total: u64 = groups.iter().filter_map(|g| g["rows"].as_u64()).sum();
    assert_eq!(total, 200);
}

/// Values too small to name are pooled; a pool that reaches the minimum cell size is reported
/// with its figures, as one group, without any of its values.
#[test]
fn small_values_are_pooled_and_reported_together_unnamed() {
    let t = Temp::new("analyses-pooled");
    cases(&t, 300);
    let text = String::from_utf8(t.read("cases.csv")).expect("UTF-8");
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let site = match i {
            0 => "site".to_owned(),
            1..=50 => format!("rare-site-{}", i.div_ceil(2)),
            _ => "main-site".to_owned(),
        };
        out.push_str(&format!("{line},{site}\n"));
    }
    let input = t.write("sites.csv", out);
    let r = run(&[
        "batch",
        &input,
        "--label",
        "label",
        "--by",
        "site",
        "--summary",
        &t.arg("s.json"),
        "-o",
        &t.arg("out.csv"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("rare-site"), "{}", r.stderr);
    let text = String::from_utf8(t.read("s.json")).expect("UTF-8");
    assert!(!text.contains("rare-site"), "no small value is named");
    let s: Json = serde_json::from_str(&text).expect("JSON");
    let groups = s["subgroups"]["columns"][0]["groups"]
        .as_array()
        .expect("groups");
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert_eq!(groups[0]["value"], "main-site");
    assert_eq!(groups[0]["rows"], 250);
    let pooled = &groups[1];
    assert_eq!(pooled["value"], Json::Null);
    assert_eq!(
        pooled["pooled_values"], 25,
        "rare-site-1 … rare-site-25, two rows each"
    );
    assert_eq!(pooled["rows"], 50);
    assert_eq!(pooled["suppressed"], Json::Null);
    let figures = pooled["rulesets"][0]["figures"]
        .as_array()
        .expect("figures");
    let outcome_rows: u64 = figures
        .iter()
        .filter(|f| f["figure"] == "outcome" && f["suppressed"] == false)
        .filter_map(|f| f["count"].as_u64())
        .sum();
    assert!(outcome_rows > 0 && outcome_rows <= 50, "{outcome_rows}");
}
