//! `herken batch`: rows are never lost or reordered, mappings, metrics, privacy, signals.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::process::Stdio;

use serde_json::Value as Json;

use crate::util::{Temp, csv, csv_maps, herken, list, repo, run, run_with};

/// A synthetic intake CSV of `n` rows (columns `id`, `label`, then question ids).
fn synth(t: &Temp, file: &str, n: u64, seed: u64) -> String {
    let out = t.arg(file);
    let r = run(&[
        "synth",
        "--cases",
        &n.to_string(),
        "--seed",
        &seed.to_string(),
        "-o",
        &out,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    out
}

/// Replaces field `col` of a CSV line (no quoting in synthetic lines).
fn with_field(line: &[u8], col: usize, value: &[u8]) -> Vec<u8> {
    let mut fields: Vec<&[u8]> = line.split(|b| *b == b',').collect();
    fields[col] = value;
    fields.join(&b","[..])
}

#[test]
fn ten_thousand_rows_with_a_hundred_broken_ones_give_ten_thousand_rows_in_order() {
    let t = Temp::new("10k");
    let input = synth(&t, "in.csv", 10_000, 11);
    let text = t.read("in.csv");
    let mut lines: Vec<Vec<u8>> = text.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    assert_eq!(lines.pop(), Some(Vec::new()), "ends with a newline");
    let header = String::from_utf8(lines[0].clone()).expect("utf-8 header");
    let header: Vec<&str> = header.split(',').collect();
    let hours = header
        .iter()
        .position(|c| *c == "hours_per_week")
        .expect("an integer question");
    let yesno = header
        .iter()
        .position(|c| *c == "deceived_about_job")
        .expect("a yes/no question");
    // Row r is on line r (line 0 is the header). Ten kinds of damage, ten rows each.
    let mut expected: BTreeMap<usize, &str> = BTreeMap::new();
    for i in 0..100 {
        let row = i * 100 + 37;
        let line = &lines[row];
        let (damaged, code) = match i % 10 {
            0 => (
                line[..line.iter().rposition(|b| *b == b',').unwrap_or(0)].to_vec(),
                "batch::malformed-row",
            ),
            1 => (
                [line.as_slice(), b",extra"].concat(),
                "batch::malformed-row",
            ),
            2 => (with_field(line, yesno, b"\xff\xfe"), "batch::invalid-utf8"),
            3 | 4 => (with_field(line, yesno, b"\"yes"), "batch::malformed-row"),
            5 => (with_field(line, yesno, b"\"yes\"x"), "batch::malformed-row"),
            6 => (with_field(line, yesno, b"maybe"), "batch::wrong-type"),
            7 => (with_field(line, hours, b"many"), "batch::wrong-type"),
            8 => (with_field(line, hours, b"500"), "case::out-of-bounds"),
            _ => (vec![b'x'; 100], "batch::malformed-row"),
        };
        lines[row] = damaged;
        expected.insert(row, code);
    }
    let mut damaged = lines.join(&b'\n');
    damaged.push(b'\n');
    std::fs::write(&input, damaged).expect("write damaged input");

    let r = run(&[
        "batch",
        &input,
        "--threads",
        "2",
        "--id-column",
        "id",
        "--label",
        "label",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("100 of 10000 rows failed"),
        "{}",
        r.stderr
    );
    let rows = csv_maps(&r.stdout_text());
    assert_eq!(rows.len(), 10_000);
    for (i, row) in rows.iter().enumerate() {
        let n = i + 1;
        assert_eq!(row["row"], n.to_string(), "rows stay in input order");
        match expected.get(&n) {
            Some(code) => {
                assert!(
                    row["errors"].starts_with(code),
                    "row {n}: {}",
                    row["errors"]
                );
                assert_eq!(row["outcome"], "", "row {n} is not scored");
            }
            None => {
                assert_eq!(row["errors"], "", "row {n}");
                assert_eq!(row["id"], format!("case-{n:07}"));
                assert!(!row["outcome"].is_empty());
            }
        }
    }
    let first_bad = &rows[36]["errors"];
    assert!(first_bad.contains("line 38"), "{first_bad}");
}

#[test]
fn the_output_is_byte_identical_for_any_thread_count() {
    let t = Temp::new("threads");
    let input = synth(&t, "in.csv", 1500, 3);
    // Some failing rows too, so errors are ordered as well.
    let mut text = String::from_utf8(t.read("in.csv")).expect("utf-8");
    text = text.replacen(",yes,", ",perhaps,", 7);
    std::fs::write(&input, &text).expect("write");
    for format in ["csv", "jsonl"] {
        let mut summaries = Vec::new();
        let outputs: Vec<Vec<u8>> = ["1", "2", "3"]
            .iter()
            .map(|threads| {
                let summary = t.arg(&format!("summary-{format}-{threads}.json"));
                let r = run(&[
                    "batch",
                    &input,
                    "--threads",
                    threads,
                    "--format",
                    format,
                    "--id-column",
                    "id",
                    "--label",
                    "label",
                    "--summary",
                    &summary,
                ]);
                assert_eq!(r.code, 1, "{}", r.stderr);
                summaries.push(std::fs::read(&summary).expect("summary written"));
                r.stdout
            })
            .collect();
        assert_eq!(
            summaries[0], summaries[1],
            "{format}: summary, 1 vs 2 threads"
        );
        assert_eq!(
            summaries[0], summaries[2],
            "{format}: summary, 1 vs 3 threads"
        );
        assert_eq!(outputs[0], outputs[1], "{format}: 1 vs 2 threads");
        assert_eq!(outputs[0], outputs[2], "{format}: 1 vs 3 threads");
        if format == "jsonl" {
            let text = String::from_utf8(outputs[0].clone()).expect("utf-8");
            let rows: Vec<u64> = text
                .lines()
                .map(|l| {
                    let v: Json = serde_json::from_str(l).expect("JSON line");
                    v["row"].as_u64().expect("row number")
                })
                .collect();
            assert_eq!(rows, (1..=1500).collect::<Vec<u64>>());
        }
    }
}

/// CTDC rows through the shipped mapping: 1 present, 0 absent, -99 unknown, never no.
#[test]
fn ctdc_rows_through_the_shipped_mapping_keep_minus_99_unknown() {
    let t = Temp::new("ctdc");
    let input = t.arg("ctdc.csv");
    let r = run(&[
        "synth", "--format", "ctdc", "--cases", "400", "--seed", "9", "-o", &input,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let map = repo("rules/mappings/ctdc.yaml");
    let r = run(&[
        "batch", &input, "--map", &map, "--label", "label", "--format", "jsonl",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.contains("neither mapped nor ignored"),
        "every CTDC column is mapped or ignored on purpose: {}",
        r.stderr
    );
    let bundled = run(&[
        "batch", &input, "--map", "ctdc", "--label", "label", "--format", "jsonl",
    ]);
    assert_eq!(bundled.stdout, r.stdout, "`--map ctdc` is the shipped file");

    let inputs = csv_maps(&String::from_utf8(t.read("ctdc.csv")).expect("utf-8"));
    let outputs: Vec<Json> = r
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(inputs.len(), outputs.len());
    let mut seen = BTreeMap::new();
    let mut age_not_recorded = 0;
    for (i, o) in inputs.iter().zip(&outputs) {
        // Each synthetic row is routed to one set (two in sexual and labour exploitation), and
        // to a child and an adult set when its age is not recorded.
        let unrecorded = ["majorityStatusAtExploit", "majorityStatus", "ageBroad"]
            .iter()
            .all(|c| matches!(i[*c].as_str(), "-99" | ""));
        let results = o["results"].as_array().expect("results");
        let per_age = if i["isSexAndLabour"] == "1" { 2 } else { 1 };
        assert_eq!(
            results.len(),
            if unrecorded { 2 * per_age } else { per_age },
            "{o}"
        );
        if unrecorded {
            age_not_recorded += 1;
            let ids: Vec<&str> = results
                .iter()
                .filter_map(|r| r["ruleset"].as_str())
                .collect();
            assert!(ids.iter().any(|id| id.contains("-child-")), "{ids:?}");
            assert!(ids.iter().any(|id| id.contains("-adult-")), "{ids:?}");
        }
        for result in results {
            let names = |key: &str| -> Vec<String> {
                result[key]
                    .as_array()
                    .expect("list")
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            };
            let (present, unknown) = (names("present"), names("unknown"));
            let state = |ind: &str| {
                if present.iter().any(|p| p == ind) {
                    "present"
                } else if unknown.iter().any(|u| u == ind) {
                    "unknown"
                } else {
                    "absent"
                }
            };
            let debt = i["meansOfControlDebtBondage"].as_str();
            let want = match debt {
                "1" => "present",
                "0" => "absent",
                _ => "unknown",
            };
            assert_eq!(
                state("cd_debt_bondage"),
                want,
                "row {}: flag {debt}",
                o["row"]
            );
            *seen.entry(debt.to_owned()).or_insert(0) += 1;
            let wages = (
                i["meansOfControlTakesEarnings"].as_str(),
                i["meansOfControlRestrictsFinancialAccess"].as_str(),
            );
            let want = match wages {
                ("1", _) | (_, "1") => "present",
                ("0", "0") => "absent",
                _ => "unknown",
            };
            assert_eq!(
                state("cd_withholding_of_wages"),
                want,
                "row {}: {wages:?}",
                o["row"]
            );
            let documents = match i["meansOfControlWithholdsDocuments"].as_str() {
                "1" => "present",
                _ => "unknown",
            };
            assert_eq!(state("cd_confiscation_of_documents"), documents);
            // A question CTDC cannot answer is unknown, never absent.
            assert_eq!(state("ex_excessive_working_days_or_hours"), "unknown");
        }
        assert_eq!(o["errors"], serde_json::json!([]));
    }
    assert!(
        seen.len() == 3,
        "the fixture has 1, 0 and -99 flags: {seen:?}"
    );
    assert!(
        age_not_recorded > 0,
        "the fixture has rows of unrecorded age"
    );
}

#[test]
fn a_ctdc_row_of_minus_99_screens_as_no_signals_that_may_still_rise() {
    let t = Temp::new("ctdc99");
    let header = String::from_utf8(run(&["synth", "--format", "ctdc", "--cases", "0"]).stdout)
        .expect("utf-8");
    let columns = header.trim_end().split(',').count();
    let row = vec!["-99"; columns].join(",");
    let input = t.write("one.csv", format!("{header}{row}\n"));
    let r = run(&["batch", &input, "--map", "ctdc", "--format", "jsonl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Json = serde_json::from_slice(&r.stdout).expect("one JSON line");
    let res = &v["results"][0];
    assert_eq!(res["outcome"], "no_signals");
    assert_eq!(res["may_rise"], true);
    assert!(res["present"].as_array().is_some_and(Vec::is_empty));
    let unknown: Vec<&str> = res["unknown"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Json::as_str)
        .collect();
    for ind in [
        "cd_debt_bondage",
        "cd_withholding_of_wages",
        "cd_violence",
        "cr_abduction_forced_marriage_sale",
    ] {
        assert!(unknown.contains(&ind), "{ind} is unknown, not absent");
    }
}

/// The validation metrics against a hand-computed 2×2 table.
#[test]
fn validation_metrics_match_a_hand_computed_table() {
    let t = Temp::new("metrics");
    let cols = "id,label,deceived_about_job,deceived_about_wages,hours_per_week,very_low_or_no_pay,wages_withheld,passport_held_by";
    let possible_victim = "yes,yes,80,yes,yes,employer_or_recruiter";
    let signals = "yes,,,,,";
    let nothing = ",,,,,";
    let mut text = format!("{cols}\n");
    let mut n = 0;
    let mut add = |label: &str, answers: &str, count: usize| {
        for _ in 0..count {
            n += 1;
            text.push_str(&format!("c{n},{label},{answers}\n"));
        }
    };
    // Label-positive: 30 possible victims, 10 signals. Label-negative: 20 possible victims,
    // 40 signals, 100 without signals. Five rows have no usable label.
    add("1", possible_victim, 30);
    add("yes", signals, 10);
    add("0", possible_victim, 20);
    add("no", signals, 40);
    add("false", nothing, 100);
    add("", possible_victim, 3);
    add("", nothing, 2);
    let input = t.write("labelled.csv", text);
    let summary = t.arg("summary.json");
    let r = run(&[
        "batch",
        &input,
        "--id-column",
        "id",
        "--label",
        "label",
        "--summary",
        &summary,
        "-o",
        &t.arg("out.csv"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("sensitivity  0.750 (0.598–0.858)"),
        "{}",
        r.stderr
    );
    let s: Json = serde_json::from_slice(&t.read("summary.json")).expect("summary JSON");
    let set = &s["rulesets"][0];
    assert_eq!(s["rows"], 205);
    assert_eq!(set["outcomes"][2]["count"], 53);
    let v = &set["validation"];
    assert_eq!(v["labelled"], 200);
    assert_eq!(v["missing_label"], 5);
    let m = &v["metrics"];
    assert_eq!(m["threshold"]["outcome"], "possible_victim");
    assert_eq!(
        m["confusion"],
        serde_json::json!({"tp": 30, "fp": 20, "fn": 10, "tn": 140})
    );
    let num = |x: &Json| x.as_f64().expect("a number");
    let close = |x: &Json, want: f64| (num(x) - want).abs() < 1e-4;
    assert!(close(&m["sensitivity"]["value"], 0.75));
    assert!(
        close(&m["sensitivity"]["ci95"][0], 0.5980) && close(&m["sensitivity"]["ci95"][1], 0.8581)
    );
    assert!(close(&m["specificity"]["value"], 0.875));
    assert!(close(&m["ppv"]["value"], 0.6));
    assert!(close(&m["npv"]["value"], 140.0 / 150.0));
    assert!(close(&m["youden_j"]["value"], 0.625));
    // Every threshold: from signals_present up, 40 of 40 positives and 60 of 160 negatives.
    let at1 = &v["thresholds"][1];
    assert_eq!(
        at1["confusion"],
        serde_json::json!({"tp": 40, "fp": 60, "fn": 0, "tn": 100})
    );
    assert!(close(&at1["specificity"]["value"], 0.625));
    assert_eq!(v["thresholds"].as_array().map(Vec::len), Some(3));
    // Prevalence among label-positive and label-negative cases.
    let ind = set["indicators"]
        .as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == "dr_deceived_nature_of_job"))
        .expect("indicator");
    assert!(close(&ind["by_label"]["positive"]["present_rate"], 1.0));
    assert!(close(
        &ind["by_label"]["negative"]["present_rate"],
        60.0 / 160.0
    ));

    let r = run(&[
        "batch",
        &input,
        "--label",
        "label",
        "--threshold",
        "signals_present",
        "--summary",
        &summary,
        "-o",
        &t.arg("out.csv"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Json = serde_json::from_slice(&t.read("summary.json")).expect("summary JSON");
    assert_eq!(
        s["rulesets"][0]["validation"]["metrics"]["confusion"]["tp"],
        40
    );
}

#[test]
fn jsonl_lines_that_are_not_objects_are_rows_with_a_reason() {
    let t = Temp::new("jsonl");
    let mut text = Vec::new();
    text.extend_from_slice(
        b"{\"id\": \"a\", \"deceived_about_job\": true, \"hours_per_week\": -99}\n",
    );
    text.extend_from_slice(b"\n");
    text.extend_from_slice(b"not json\n");
    text.extend_from_slice(b"[1, 2]\n");
    text.extend_from_slice(b"{\"id\": \"\xff\"}\n");
    text.extend_from_slice(b"{\"id\": 5, \"note\": \"x\", \"deceived_about_job\": \"maybe\"}\n");
    text.extend_from_slice(b"{\"id\": \"f\", \"deceived_about_job\": \"nee\"}");
    let input = t.write("cases.jsonl", text);
    let r = run(&["batch", &input, "--id-column", "id", "--format", "jsonl"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("4 of 6 rows failed"), "{}", r.stderr);
    assert!(
        r.stderr.contains("key `note` (first in row 5)"),
        "{}",
        r.stderr
    );
    let rows: Vec<Json> = r
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let codes: Vec<(u64, String)> = rows
        .iter()
        .map(|v| {
            (
                v["row"].as_u64().unwrap_or(0),
                v["errors"][0]["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            (1, String::new()),
            (2, "batch::invalid-json".into()),
            (3, "batch::not-an-object".into()),
            (4, "batch::invalid-utf8".into()),
            (5, "batch::wrong-type".into()),
            (6, String::new()),
        ]
    );
    assert_eq!(rows[0]["id"], "a");
    assert_eq!(rows[4]["id"], "5");
    assert_eq!(rows[0]["results"][0]["outcome"], "signals_present");
    assert!(
        rows[2]["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("line 4"))
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("compress");
    enc.finish().expect("compress")
}

#[test]
fn gzip_bom_crlf_and_standard_input_read_alike() {
    let t = Temp::new("gzip");
    let plain =
        "id,deceived_about_job,passport_held_by\nA,ja,myself\nB,\"0\",employer_or_recruiter\n";
    let crlf = format!("\u{feff}{}", plain.replace('\n', "\r\n"));
    let want = run(&["batch", &t.write("plain.csv", plain), "--id-column", "id"]);
    assert_eq!(want.code, 0, "{}", want.stderr);
    let rows = csv_maps(&want.stdout_text());
    assert_eq!(rows[0]["present"], "dr_deceived_nature_of_job");
    assert_eq!(rows[1]["present"], "cd_confiscation_of_documents");
    let gz = gzip(crlf.as_bytes());
    let from_file = run(&["batch", &t.write("cases.csv.gz", &gz), "--id-column", "id"]);
    assert_eq!(from_file.stdout, want.stdout, "{}", from_file.stderr);
    let from_stdin = run_with(&["batch", "-", "--id-column", "id"], &gz);
    assert_eq!(from_stdin.stdout, want.stdout, "{}", from_stdin.stderr);
    let jsonl = gzip(b"{\"id\":\"A\",\"deceived_about_job\":true}\n");
    let r = run_with(&["batch", "-", "--id-column", "id"], &jsonl);
    assert_eq!(
        csv_maps(&r.stdout_text())[0]["present"],
        "dr_deceived_nature_of_job"
    );
}

#[test]
fn raw_answers_are_written_only_with_include_input() {
    let t = Temp::new("echo");
    let input = t.write(
        "in.csv",
        "id,deceived_about_job,label\nA,yes,secret-label\n",
    );
    let r = run(&["batch", &input, "--id-column", "id"]);
    assert!(!r.stdout_text().contains("secret-label"));
    assert!(
        r.stderr
            .contains("1 column is not a question of the selected rule sets, so not read: `label`")
    );
    // The summary says so too, so that published figures say what they did not look at.
    let summary = t.arg("summary.json");
    let r = run(&["batch", &input, "--id-column", "id", "--summary", &summary]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Json = serde_json::from_slice(&t.read("summary.json")).expect("JSON");
    assert_eq!(
        s["not_read"],
        serde_json::json!({"columns": ["label"], "unnamed_columns": [], "ignored_by_mapping": 0, "keys": []})
    );
    let jsonl = t.write(
        "keys.jsonl",
        "{\"deceived_about_job\": true, \"zz\": 1}\n{\"deceived_about_job\": false, \"aa\": 2, \"zz\": 3}\n",
    );
    let r = run(&["batch", &jsonl, "--summary", &summary]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s: Json = serde_json::from_slice(&t.read("summary.json")).expect("JSON");
    assert_eq!(
        s["not_read"]["keys"],
        serde_json::json!([{"key": "zz", "first_row": 1}, {"key": "aa", "first_row": 2}])
    );
    let r = run(&["batch", &input, "--id-column", "id", "--include-input"]);
    let rows = csv_maps(&r.stdout_text());
    assert_eq!(rows[0]["input.label"], "secret-label");
    assert_eq!(rows[0]["input.deceived_about_job"], "yes");
    let r = run(&["batch", &input, "--format", "jsonl", "--include-input"]);
    let v: Json = serde_json::from_slice(&r.stdout).expect("JSON");
    assert_eq!(
        v["input"],
        serde_json::json!({"id": "A", "deceived_about_job": "yes", "label": "secret-label"})
    );
}

#[test]
fn jsonl_rows_are_echoed_as_their_objects_only_with_include_input() {
    let t = Temp::new("echo-jsonl");
    let input = t.write(
        "in.jsonl",
        concat!(
            r#"{"id":"A","deceived_about_job":true,"hours_per_week":72,"label":"secret-label"}"#,
            "\n",
            r#"{"id":"B","deceived_about_job":null}"#,
            "\n",
            "not json\n",
        ),
    );
    let objects = [
        serde_json::json!({"id": "A", "deceived_about_job": true, "hours_per_week": 72, "label": "secret-label"}),
        serde_json::json!({"id": "B", "deceived_about_job": null}),
    ];

    let r = run(&["batch", &input, "--id-column", "id"]);
    assert_eq!(r.code, 1, "the broken row: {}", r.stderr);
    assert!(!r.stdout_text().contains("secret-label"));
    assert!(
        !r.stdout_text()
            .lines()
            .next()
            .is_some_and(|h| h.contains("input"))
    );

    // CSV out: one `input` column with the row's object as JSON text.
    let r = run(&["batch", &input, "--id-column", "id", "--include-input"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = csv_maps(&r.stdout_text());
    assert_eq!(rows.len(), 3, "every row, the broken one too");
    for (row, object) in rows.iter().zip(&objects) {
        let echoed: Json = serde_json::from_str(&row["input"]).expect("the object as JSON");
        assert_eq!(&echoed, object);
    }
    assert_eq!(
        rows[0]["present"], "dr_deceived_nature_of_job;ex_excessive_working_days_or_hours",
        "scored as well"
    );
    assert_eq!(rows[2]["row"], "3");
    assert_eq!(
        rows[2]["input"], "",
        "nothing to echo for a line that is not JSON"
    );
    assert!(
        rows[2]["errors"].contains("invalid JSON"),
        "{}",
        rows[2]["errors"]
    );

    // JSONL out: `input` is the row's object.
    let r = run(&[
        "batch",
        &input,
        "--id-column",
        "id",
        "--format",
        "jsonl",
        "--include-input",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let lines: Vec<Json> = r
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    for (line, object) in lines.iter().zip(&objects) {
        assert_eq!(&line["input"], object);
    }
    assert_eq!(lines[2]["row"], 3);
    assert!(lines[2]["input"].is_null());
}

#[test]
fn columns_that_look_like_identifiers_are_flagged_without_their_values() {
    let t = Temp::new("ids");
    let mut text = String::from("email,telefoon,bsn,iban,client,deceived_about_job\n");
    let names = [
        "Anna de Vries",
        "Piet Jansen",
        "Fatima El-Amin",
        "Jan van der Berg",
    ];
    for (i, name) in names.iter().enumerate() {
        text.push_str(&format!(
            "p{i}@example.org,06-1234567{i},111222333,NL91 ABNA 0417 1643 00,{name},yes\n"
        ));
    }
    let input = t.write("ids.csv", text);
    let r = run(&[
        "batch",
        &input,
        "--check-identifiers",
        "-o",
        &t.arg("out.csv"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for (column, kind) in [
        ("email", "e-mail addresses"),
        ("telefoon", "phone numbers"),
        ("bsn", "BSNs passing the 11-test"),
        ("iban", "IBANs with a valid checksum"),
        ("client", "personal names"),
    ] {
        assert!(
            r.stderr
                .contains(&format!("warning: column `{column}` looks like it holds"))
                && r.stderr.contains(kind),
            "{column}: {}",
            r.stderr
        );
    }
    assert!(!r.stderr.contains("deceived_about_job` looks"));
    for value in ["example.org", "1234567", "111222333", "ABNA", "Jansen"] {
        assert!(!r.stderr.contains(value), "{value} leaked: {}", r.stderr);
    }
    assert_eq!(
        csv(&String::from_utf8(t.read("out.csv")).expect("utf-8")).len(),
        5
    );
}

#[test]
fn identifiers_after_the_first_rows_in_free_text_and_nested_json_are_found() {
    let t = Temp::new("ids-late");
    // 5,000 clean rows; from row 3,001 the free-text column starts to carry e-mail addresses
    // and a nested value phone numbers: the first 1,000 rows show nothing.
    let mut text = String::new();
    for i in 0..5000 {
        let (note, phone) = if i >= 3000 {
            (
                format!("bereikbaar via persoon{i}@example.org"),
                format!("06-1{i:07}"),
            )
        } else {
            ("werkt lange dagen".to_owned(), String::new())
        };
        text.push_str(&format!(
            "{{\"deceived_about_job\":\"yes\",\"notes\":\"{note}\",\"extra\":{{\"phones\":[\"{phone}\"]}}}}\n"
        ));
    }
    let input = t.write("late.jsonl", text);
    let r = run(&[
        "batch",
        &input,
        "--check-identifiers",
        "--threads",
        "2",
        "-o",
        &t.arg("out.csv"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Only the name of the nested column was suspicious in the first rows.
    assert!(
        r.stderr
            .contains("column `extra.phones[]` is named like a direct identifier")
            && !r.stderr.contains("column `notes` looks"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("sampled across all 5000")
            && r.stderr
                .contains("column `notes` holds free text containing e-mail addresses")
            && r.stderr
                .contains("column `extra.phones[]` looks like it holds phone numbers"),
        "{}",
        r.stderr
    );
    for value in ["example.org", "persoon", "06-1"] {
        assert!(!r.stderr.contains(value), "{value} leaked: {}", r.stderr);
    }
    assert_eq!(
        csv(&String::from_utf8(t.read("out.csv")).expect("utf-8")).len(),
        5001
    );
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let t = Temp::new("pipe");
    let input = synth(&t, "in.csv", 3000, 5);
    let mut child = herken()
        .args([
            "batch",
            &input,
            "--id-column",
            "id",
            "--label",
            "label",
            "--threads",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdout = child.stdout.take().expect("piped");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("ends");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[cfg(unix)]
#[test]
fn ctrl_c_leaves_whole_rows_and_says_how_many() {
    let t = Temp::new("ctrlc");
    synth(&t, "in.csv", 1200, 8);
    let input = t.read("in.csv");
    let output = t.arg("out.csv");
    let mut child = herken()
        .args([
            "batch",
            "-",
            "-o",
            &output,
            "--id-column",
            "id",
            "--label",
            "label",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // Feed 1200 rows and keep standard input open: two chunks of 512 rows can be scored, the
    // rest waits for more input when Ctrl-C comes.
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(&input).expect("feed");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Output is buffered: once 600 lines are on disk the second chunk is being written, and
    // Ctrl-C is only acted on between chunks.
    // The rows go to `out.csv.partial` until the run is complete.
    let partial = format!("{output}.partial");
    while std::fs::read(&partial).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count()) < 600 {
        assert!(std::time::Instant::now() < deadline, "no output");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let out = child.wait_with_output().expect("ends");
    drop(stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    // Stopped early: the rows stay in the `.partial` file, and nothing looks like a result.
    assert!(
        !t.path("out.csv").exists(),
        "no file under the result's name"
    );
    let written = String::from_utf8(t.read("out.csv.partial")).expect("utf-8");
    assert!(written.ends_with('\n'), "whole rows only");
    let rows = csv_maps(&written);
    assert_eq!(rows.len(), 1024);
    assert!(
        rows.iter()
            .enumerate()
            .all(|(i, r)| r["row"] == (i + 1).to_string())
    );
    assert!(
        stderr.contains("interrupted: 1024 rows written") && stderr.contains("out.csv.partial"),
        "{stderr}"
    );
}

#[test]
fn a_run_that_stops_early_leaves_no_file_that_looks_complete() {
    let t = Temp::new("partial");
    // A gzip stream cut short: the rows before the cut are scored, then the read fails.
    let mut rows = String::from("id,deceived_about_job\n");
    for i in 0..3000 {
        rows.push_str(&format!("{i},true\n"));
    }
    let gz = gzip(rows.as_bytes());
    let input = t.write("cases.csv.gz", &gz[..gz.len() * 2 / 3]);
    let output = t.arg("out.csv");
    let r = run(&["batch", &input, "--id-column", "id", "-o", &output]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("out.csv.partial"), "{}", r.stderr);
    assert!(
        !t.path("out.csv").exists(),
        "no file under the result's name"
    );
    let written = String::from_utf8(t.read("out.csv.partial")).expect("utf-8");
    assert!(
        written.lines().count() > 1,
        "the rows before the cut are kept"
    );
    // A complete run takes the name, and no `.partial` file stays behind.
    let whole = t.write("whole.csv", "id,deceived_about_job\n1,true\n");
    let r = run(&["batch", &whole, "--id-column", "id", "-o", &output]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        csv_maps(&String::from_utf8(t.read("out.csv")).expect("utf-8")).len(),
        1
    );
    assert!(!t.path("out.csv.partial").exists());
}

#[test]
fn mappings_and_usage_errors_exit_2_with_a_message() {
    let t = Temp::new("usage");
    let input = t.write("in.csv", "a,b\n1,2\n");
    let bad_map = t.write(
        "m.yaml",
        "columns:\n  a: deceived_about_job\n  b: {question: hours_per_week, split: ';'}\n",
    );
    let r = run(&["batch", &input, "--map", &bad_map]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`split` applies to `choices` questions"),
        "{}",
        r.stderr
    );
    let typo = t.write("typo.yaml", "colums: {}\n");
    let r = run(&["batch", &input, "--map", &typo]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown field `colums`") && r.stderr.contains("line 1"),
        "{}",
        r.stderr
    );
    let r = run(&["batch", &input, "--id-column", "nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the id column `nope` is not a column"),
        "{}",
        r.stderr
    );
    let r = run(&["batch", &input, "-o", &input]);
    assert_eq!(r.code, 2);
    assert_eq!(
        t.read("in.csv"),
        b"a,b\n1,2\n",
        "the input is never overwritten"
    );
    let r = run(&["batch", &t.write("dup.csv", "a,a\n1,2\n")]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("column `a` appears twice"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_custom_mapping_with_codes_and_a_constant() {
    let t = Temp::new("custom");
    let map = t.write(
        "m.yaml",
        "codes: {\"Yes\": yes, \"No\": no, \"?\": unknown}\ncolumns:\n  job: deceived_about_job\n  papers: {question: passport_held_by, codes: {E: employer_or_recruiter, S: myself}}\nconstants:\n  hours_per_week: 70\nignore:\n  remark: free text\n",
    );
    let input = t.write(
        "in.csv",
        "job,papers,remark,other\nYes,E,x,y\n?,S,x,y\nYES,S,x,y\n",
    );
    let r = run(&["batch", &input, "--map", &map]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("neither mapped nor ignored by mapping") && r.stderr.contains("`other`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("`remark`"), "{}", r.stderr);
    let rows = csv_maps(&r.stdout_text());
    assert_eq!(
        list(&rows[0]["present"]),
        [
            "dr_deceived_nature_of_job",
            "ex_excessive_working_days_or_hours",
            "cd_confiscation_of_documents"
        ]
    );
    assert!(list(&rows[1]["unknown"]).contains(&"dr_deceived_nature_of_job"));
    assert!(
        rows[2]["errors"].starts_with("batch::unknown-code: `job`"),
        "{}",
        rows[2]["errors"]
    );
    assert!(!rows[2]["errors"].contains("YES"), "no raw value in errors");
}

#[test]
fn several_rule_sets_get_a_column_group_each() {
    let t = Temp::new("sets");
    let set = t.path("mini");
    std::fs::create_dir_all(&set).expect("folder");
    std::fs::write(
        set.join("ruleset.yaml"),
        "format: 1
id: mini
version: 0.1.0
status: draft
title: {en: Mini, nl: Mini}
description: {en: Mini, nl: Mini}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: deceived_about_job, type: yesno, text: {en: Q, nl: Q}}
  - {id: age, type: integer, min: 0, max: 120, text: {en: Age, nl: Leeftijd}}
dimensions:
  - {id: d, label: {en: D, nl: D}, positive: {at_least: 1}}
indicators:
  - {id: deceived, dimension: d, strength: weak, label: {en: D, nl: D}, when: obs.deceived_about_job}
  - {id: minor, dimension: d, strength: weak, label: {en: M, nl: M}, when: obs.age < 18}
decision:
  - {id: any, outcome: signals_present, when: present_count() > 0}
  - {id: otherwise, outcome: no_signals}
outcomes:
  - {id: no_signals, label: {en: N, nl: N}, advice: {en: N, nl: N}}
  - {id: signals_present, label: {en: S, nl: S}, advice: {en: S, nl: S}}
",
    )
    .expect("write set");
    let input = t.write(
        "in.csv",
        "deceived_about_job,age,hours_per_week\nyes,40,70\nno,200,10\n",
    );
    let rules = format!("ilo-2009-adult-labour,{}", set.display());
    let r = run(&["batch", &input, "--rules", &rules]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let rows = csv_maps(&r.stdout_text());
    assert_eq!(rows[0]["mini.present"], "deceived");
    assert_eq!(rows[0]["ilo-2009-adult-labour.outcome"], "signals_present");
    // Out of bounds for `mini` only: the other set still scores the row.
    assert_eq!(rows[1]["mini.outcome"], "");
    assert_eq!(rows[1]["ilo-2009-adult-labour.outcome"], "no_signals");
    assert!(
        rows[1]["errors"].starts_with("mini: case::out-of-bounds: `age`"),
        "{}",
        rows[1]["errors"]
    );
}

#[test]
fn an_input_where_no_column_answers_a_question_is_refused() {
    let t = Temp::new("nomatch");
    // An ODK-like export whose names match nothing: refused, not scored as "no answers".
    let input = t.write("in.csv", "KEY,SubmissionDate,grp_a_x,label\nk1,2024,1,1\n");
    let r = run(&["batch", &input, "--label", "label"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no column answers a question")
            && r.stderr
                .contains("`KEY`, `SubmissionDate`, `grp_a_x`, `label`")
            && r.stderr.contains("in.csv"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    let map = t.write("m.yaml", "columns:\n  flag: deceived_about_job\n");
    let r = run(&["batch", &input, "--map", &map]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("maps none of the columns"),
        "{}",
        r.stderr
    );
    // JSONL: known only once every row is read; the rows are written, the run is refused.
    let jsonl = t.write(
        "in.jsonl",
        "{\"id\": 1, \"grp_x\": \"yes\"}\n{\"id\": 2, \"other\": 1}\n",
    );
    let r = run(&["batch", &jsonl, "--id-column", "id"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no key of the 2 JSONL rows of")
            && r.stderr.contains("the keys are `grp_x`, `other`"),
        "{}",
        r.stderr
    );
    assert_eq!(csv_maps(&r.stdout_text()).len(), 2);
    let some = t.write(
        "some.jsonl",
        "{\"id\": 1, \"grp_x\": \"yes\"}\n{\"id\": 2, \"deceived_about_job\": \"maybe\"}\n",
    );
    let r = run(&["batch", &some, "--id-column", "id"]);
    assert_eq!(
        r.code, 1,
        "a key read, even with a wrong value: {}",
        r.stderr
    );
}

#[test]
fn unknown_columns_get_one_capped_note_and_wide_headers_stay_fast() {
    let t = Temp::new("wide-header");
    let mut header: Vec<String> = (0..60_000).map(|i| format!("c{i}")).collect();
    header.push("deceived_about_job".into());
    let mut row = vec!["x"; 60_000];
    row.push("yes");
    let input = t.write(
        "in.csv",
        format!("{}\n{}\n", header.join(","), row.join(",")),
    );
    let started = std::time::Instant::now();
    let r = run(&["batch", &input]);
    let took = started.elapsed();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "60000 columns are not questions of the selected rule sets, so not read: `c0`, `c1`"
        ) && r.stderr.contains("and 59990 more"),
        "{}",
        r.stderr
    );
    assert_eq!(
        csv_maps(&r.stdout_text())[0]["present"],
        "dr_deceived_nature_of_job"
    );
    assert!(took.as_secs_f64() < 3.0, "60,000 columns took {took:?}");
    // Past the cap: a clear error at once, naming the file and the line.
    let input = t.write("huge.csv", format!("{}\n", ",".repeat(199_999)));
    let started = std::time::Instant::now();
    let r = run(&["batch", &input]);
    let took = started.elapsed();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("huge.csv:1: the header row has 200000 columns; herken reads at most 65536"),
        "{}",
        r.stderr
    );
    assert!(took.as_secs_f64() < 1.0, "200,000 columns took {took:?}");
}

#[test]
fn labels_that_are_not_labels_are_refused_with_their_counts() {
    let t = Temp::new("labels");
    let input = t.write(
        "in.csv",
        "deceived_about_job,label\nyes,1\nno,2\nno,2\nyes,-99\nno,\nno,0\n",
    );
    let summary = t.arg("s.json");
    let r = run(&["batch", &input, "--label", "label", "--summary", &summary]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("the label column `label` has values that are not labels in 3 rows: `2` (2 rows), `-99` (1 row)")
            && r.stderr.contains("the summary was not"),
        "{}",
        r.stderr
    );
    assert!(!t.path("s.json").exists());
    // Every row is still written, with its label as read.
    let rows = csv_maps(&r.stdout_text());
    assert_eq!(rows.len(), 6);
    let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str()).collect();
    assert_eq!(labels, ["true", "", "", "", "", "false"]);

    let r = run(&["batch", &input, "--threshold", "possible_victim"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--label"), "{}", r.stderr);
}

#[test]
fn gz_outputs_are_gzip_and_wide_output_has_a_column_per_indicator() {
    let t = Temp::new("gzout");
    let input = t.write("in.csv", "id,deceived_about_job,label\nA,yes,1\nB,,0\n");
    let plain = run(&["batch", &input, "--id-column", "id", "--label", "label"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    for (file, format) in [("out.csv.gz", "csv"), ("out.jsonl.gz", "jsonl")] {
        let out = t.arg(file);
        let r = run(&[
            "batch",
            &input,
            "--id-column",
            "id",
            "--label",
            "label",
            "-o",
            &out,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let mut text = String::new();
        flate2::read::GzDecoder::new(&t.read(file)[..])
            .read_to_string(&mut text)
            .expect("a gzip file");
        if format == "csv" {
            assert_eq!(text, plain.stdout_text());
        } else {
            let first: Json =
                serde_json::from_str(text.lines().next().expect("a row")).expect("JSON");
            assert_eq!(first["label"], true);
            assert_eq!(first["results"][0]["outcome"], "signals_present");
        }
    }
    let r = run(&["batch", &input, "--wide"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = csv_maps(&r.stdout_text());
    assert_eq!(rows[0]["indicator.dr_deceived_nature_of_job"], "present");
    assert_eq!(rows[1]["indicator.dr_deceived_nature_of_job"], "unknown");
    let r = run(&["batch", &input, "--wide", "--format", "jsonl"]);
    let first: Json =
        serde_json::from_str(r.stdout_text().lines().next().expect("a row")).expect("JSON");
    assert_eq!(
        first["results"][0]["indicators"]["dr_deceived_nature_of_job"],
        "present"
    );
}

/// ODK Central's CSV export of herken's own XLSForm: group paths joined by `-`, metadata
/// columns, yes/no as the option names. Read without a mapping, and with the one `herken
/// xlsform` writes beside the form, it scores as the same answers under question ids do.
#[test]
fn an_odk_export_of_the_xlsform_scores_without_a_hand_written_mapping() {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let t = Temp::new("odk");
    let r = run(&[
        "xlsform",
        "ilo-2009-adult-labour",
        "-o",
        &t.arg("form.xlsx"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(t.path("form.odk-mapping.yaml").exists(), "{}", r.stderr);
    let mut book: Xlsx<_> =
        open_workbook_from_rs(std::io::Cursor::new(t.read("form.xlsx"))).expect("xlsx");
    let mut cells = |sheet: &str| -> Vec<Vec<String>> {
        book.worksheet_range(sheet)
            .expect("sheet")
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect())
            .collect()
    };
    let survey = cells("survey");
    let choices = cells("choices");
    // (ODK column, question id, answer) per question, in form order.
    let mut groups: Vec<String> = Vec::new();
    let mut columns: Vec<(String, String, String)> = Vec::new();
    for row in &survey[1..] {
        let (kind, name) = (row[0].as_str(), row[1].clone());
        match kind {
            "begin_group" => groups.push(name),
            "end_group" => {
                groups.pop();
            }
            "note" => {}
            _ => {
                let mut path = groups.clone();
                path.push(name.clone());
                let n = columns.len();
                let answer = if kind.starts_with("select_one yes_no") {
                    ["yes", "no", "unknown", "yes"][n % 4].to_owned()
                } else if let Some(list) = kind.strip_prefix("select_one ") {
                    choices
                        .iter()
                        .find(|c| c[0] == list)
                        .map(|c| c[1].clone())
                        .expect("options")
                } else {
                    // Numbers and text left empty: unknown, as an unanswered form field.
                    String::new()
                };
                columns.push((path.join("-"), name, answer));
            }
        }
    }
    assert!(
        columns.iter().any(|(c, q, _)| c != q),
        "the form has groups"
    );
    let answers: Vec<&str> = columns.iter().map(|(_, _, a)| a.as_str()).collect();
    let plain = t.write(
        "plain.csv",
        format!(
            "{}\n{}\n",
            columns
                .iter()
                .map(|(_, q, _)| q.as_str())
                .collect::<Vec<_>>()
                .join(","),
            answers.join(",")
        ),
    );
    let odk = t.write(
        "export.csv",
        format!(
            "SubmissionDate,{},meta-instanceID,KEY,SubmitterID,ReviewState\n2026-01-01T10:00:00Z,{},uuid:1,uuid:1,5,\n",
            columns.iter().map(|(c, _, _)| c.as_str()).collect::<Vec<_>>().join(","),
            answers.join(",")
        ),
    );
    let want = run(&["batch", &plain]);
    assert_eq!(want.code, 0, "{}", want.stderr);
    let row = &csv_maps(&want.stdout_text())[0];
    assert_ne!(row["present"], "", "the answers give signals");
    let direct = run(&["batch", &odk]);
    assert_eq!(direct.code, 0, "{}", direct.stderr);
    assert_eq!(direct.stdout_text(), want.stdout_text());
    assert!(
        direct.stderr.contains(
            "5 columns are not questions of the selected rule sets, so not read: `SubmissionDate`"
        ),
        "{}",
        direct.stderr
    );
    let mapped = run(&["batch", &odk, "--map", &t.arg("form.odk-mapping.yaml")]);
    assert_eq!(mapped.code, 0, "{}", mapped.stderr);
    assert_eq!(mapped.stdout_text(), want.stdout_text());
    assert!(!mapped.stderr.contains("not read"), "{}", mapped.stderr);
}

/// A mapping's routes send each row to the sets for its population and form of exploitation;
/// a row outside every route is reported, not scored by a set that does not fit.
#[test]
fn routes_send_rows_to_sets_and_a_row_outside_every_route_is_reported() {
    let t = Temp::new("routes");
    let map = t.write(
        "m.yaml",
        r#"columns:
  deceived: deceived_about_job
routes:
  - sets: [ilo-2009-child-sexual]
    when: {minor: 1, sexual: "1"}
  - sets: [ilo-2009-child-labour]
    when: {minor: "1"}
  - sets: [ilo-2009-adult-sexual]
    when: {minor: "0", sexual: "1"}
  - sets: [ilo-2009-adult-labour]
    when: {minor: ["0"]}
"#,
    );
    let input = t.write(
        "in.csv",
        "minor,sexual,deceived\n1,1,yes\n1,0,yes\n0,1,yes\n0,0,yes\n-99,1,yes\n",
    );
    let sets = [
        "ilo-2009-child-sexual",
        "ilo-2009-child-labour",
        "ilo-2009-adult-sexual",
        "ilo-2009-adult-labour",
    ];
    let check = |r: &crate::util::Run, jsonl: bool| {
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("1 of 5 rows failed"), "{}", r.stderr);
        if jsonl {
            let rows: Vec<Json> = r
                .stdout_text()
                .lines()
                .map(|l| serde_json::from_str(l).expect("JSON"))
                .collect();
            for (i, row) in rows.iter().take(4).enumerate() {
                let results = row["results"].as_array().expect("results");
                assert_eq!(results.len(), 1, "{row}");
                assert_eq!(results[0]["ruleset"], sets[i]);
            }
            assert_eq!(rows[4]["results"], serde_json::json!([]));
            assert_eq!(rows[4]["errors"][0]["code"], "batch::no-route");
            return;
        }
        let rows = csv_maps(&r.stdout_text());
        for (i, row) in rows.iter().enumerate() {
            for (s, set) in sets.iter().enumerate() {
                let outcome = &row[&format!("{set}.outcome")];
                assert_eq!(outcome.is_empty(), i != s, "row {i}, set {set}: {row:?}");
            }
        }
        assert!(
            rows[4]["errors"]
                .starts_with("batch::no-route: the row matches none of the routes of mapping")
                && rows[4]["errors"].contains("`minor`, `sexual`")
                && !rows[4]["errors"].contains("-99"),
            "{}",
            rows[4]["errors"]
        );
    };
    // Without `--rules`, the sets the routes name, in their order.
    let r = run(&["batch", &input, "--map", &map]);
    check(&r, false);
    let jsonl = t.write(
        "in.jsonl",
        "{\"minor\":1,\"sexual\":1,\"deceived\":\"yes\"}\n{\"minor\":\"1\",\"sexual\":0,\"deceived\":\"yes\"}\n{\"minor\":0,\"sexual\":1,\"deceived\":\"yes\"}\n{\"minor\":0,\"sexual\":0,\"deceived\":\"yes\"}\n{\"minor\":-99,\"sexual\":1,\"deceived\":\"yes\"}\n",
    );
    let r = run(&["batch", &jsonl, "--map", &map, "--format", "jsonl"]);
    check(&r, true);
    // A set the routes name must be selected; a set no route names screens every row.
    let r = run(&[
        "batch",
        &input,
        "--map",
        &map,
        "--rules",
        "ilo-2009-adult-labour",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("route 1 sends rows to `ilo-2009-child-sexual`, which is not among the selected rule sets"),
        "{}",
        r.stderr
    );
    let all = format!("{},nl-geringste-aanwijzing", sets.join(","));
    let r = run(&["batch", &input, "--map", &map, "--rules", &all]);
    let rows = csv_maps(&r.stdout_text());
    assert!(
        rows.iter()
            .all(|row| !row["nl-geringste-aanwijzing.outcome"].is_empty())
    );
    let bad = t.write("bad.yaml", "columns: {deceived: deceived_about_job}\nroutes:\n  - sets: [ilo-2009-adult-labour]\n    when: {nope: 1}\n");
    let r = run(&["batch", &input, "--map", &bad]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("route 1 reads column `nope`, which is not in the input"),
        "{}",
        r.stderr
    );
}

/// CTDC rows shaped like the real file (its own column order, `00` codes, "not specified" rows
/// with zero flags, rows that carry only the concatenation), with synthetic values, through the
/// shipped mapping's second version.
fn ctdc_shapes(t: &Temp) -> (String, Vec<String>) {
    let header = String::from_utf8(run(&["synth", "--format", "ctdc", "--cases", "0"]).stdout)
        .expect("utf-8");
    let mut columns: Vec<String> = header.trim_end().split(',').map(str::to_owned).collect();
    // The real file's order differs from the codebook's.
    columns.reverse();
    let base = |extra: &[(&str, &str)]| -> BTreeMap<String, String> {
        let mut row: BTreeMap<String, String> = columns
            .iter()
            .map(|c| (c.clone(), "-99".to_owned()))
            .collect();
        for (k, v) in [
            ("yearOfRegistration", "2018"),
            ("Datasource", "Case Management"),
            ("gender", "Female"),
            ("citizenship", "00"),
            ("CountryOfExploitation", "00"),
            ("meansOfControlConcatenated", ""),
            ("typeOfExploitConcatenated", ""),
            ("typeOfLabourConcatenated", ""),
            ("typeOfSexConcatenated", ""),
            ("RecruiterRelationship", "Not Specified"),
            ("label", "1"),
        ] {
            row.insert(k.to_owned(), v.to_owned());
        }
        for (k, v) in extra {
            assert!(row.contains_key(*k), "{k} is a CTDC column");
            row.insert((*k).to_owned(), (*v).to_owned());
        }
        row
    };
    let adult = [
        ("ageBroad", "30--38"),
        ("majorityStatus", "Adult"),
        ("majorityStatusAtExploit", "Adult"),
        ("majorityEntry", "Adult"),
    ];
    let rows = vec![
        // 1: a minor in sexual exploitation (prostitution) with a known recruiter.
        base(&[
            ("ageBroad", "9--17"),
            ("majorityStatus", "Minor"),
            ("majorityStatusAtExploit", "Minor"),
            ("majorityEntry", "Minor"),
            ("isSexualExploit", "1"),
            ("isForcedLabour", "0"),
            ("typeOfExploitConcatenated", "Sexual exploitation"),
            ("typeOfSexProstitution", "1"),
            ("typeOfSexPornography", "0"),
            ("typeOfSexConcatenated", "Prostitution"),
            ("RecruiterRelationship", "Intimate Partner"),
            ("recruiterRelationIntimatePartner", "1"),
            ("recruiterRelationFriend", "0"),
        ]),
        // 2: an adult in forced labour whose means were "not specified": every flag 0.
        base(
            &[
                adult.as_slice(),
                &[
                    ("isForcedLabour", "1"),
                    ("meansOfControlNotSpecified", "1"),
                    ("meansOfControlDebtBondage", "0"),
                    ("meansOfControlTakesEarnings", "0"),
                    ("meansOfControlRestrictsFinancialAccess", "0"),
                    ("meansOfControlThreats", "0"),
                    ("meansOfControlPsychologicalAbuse", "0"),
                    ("meansOfControlPhysicalAbuse", "0"),
                    ("meansOfControlSexualAbuse", "0"),
                    ("meansOfControlRestrictsMovement", "0"),
                    ("meansOfControlWithholdsNecessities", "0"),
                ],
            ]
            .concat(),
        ),
        // 3: an adult in forced labour with only the concatenation (every flag -99).
        base(
            &[
                adult.as_slice(),
                &[
                    ("isForcedLabour", "1"),
                    ("meansOfControlNotSpecified", "0"),
                    (
                        "meansOfControlConcatenated",
                        "Debt bondage;Threats;Withholds necessities",
                    ),
                ],
            ]
            .concat(),
        ),
        // 4: an adult in sexual exploitation, drugs imposed.
        base(
            &[
                adult.as_slice(),
                &[
                    ("isSexualExploit", "1"),
                    ("typeOfSexPrivateSexualServices", "1"),
                    ("meansOfControlPsychoactiveSubstances", "1"),
                    ("meansOfControlConcatenated", "Psychoactive substances"),
                ],
            ]
            .concat(),
        ),
        // 5: a young child in forced labour, majority not recorded, recruited by family.
        base(&[
            ("ageBroad", "0--8"),
            ("isForcedLabour", "1"),
            ("RecruiterRelationship", "Family/Relative"),
            ("recruiterRelationFamily", "1"),
        ]),
        // 6: an adult in forced labour, psychological abuse and a recorded 0 for debt.
        base(
            &[
                adult.as_slice(),
                &[
                    ("isForcedLabour", "1"),
                    ("meansOfControlNotSpecified", "0"),
                    ("meansOfControlPsychologicalAbuse", "1"),
                    ("meansOfControlDebtBondage", "0"),
                    ("meansOfControlConcatenated", "Psychological abuse"),
                ],
            ]
            .concat(),
        ),
        // 7: forced labour, age not recorded anywhere (every age column -99), debt bondage.
        base(&[
            ("isForcedLabour", "1"),
            ("meansOfControlNotSpecified", "0"),
            ("meansOfControlDebtBondage", "1"),
            ("meansOfControlConcatenated", "Debt bondage"),
        ]),
        // 8: sexual exploitation, age not recorded (empty cells and -99).
        base(&[
            ("ageBroad", ""),
            ("majorityStatus", ""),
            ("isSexualExploit", "1"),
            ("typeOfSexProstitution", "1"),
        ]),
    ];
    let mut text = columns.join(",");
    text.push('\n');
    for row in &rows {
        let cells: Vec<&str> = columns.iter().map(|c| row[c].as_str()).collect();
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    (t.write("ctdc-shapes.csv", text), columns)
}

#[test]
fn the_ctdc_mapping_routes_rows_and_reads_what_the_real_file_records() {
    let t = Temp::new("ctdc2");
    let (input, _) = ctdc_shapes(&t);
    let r = run(&[
        "batch", &input, "--map", "ctdc", "--format", "jsonl", "--wide",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("not read"), "{}", r.stderr);
    let rows: Vec<Json> = r
        .stdout_text()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let sets = |row: &Json| -> Vec<String> {
        row["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["ruleset"].as_str().expect("id").to_owned())
            .collect()
    };
    let state = |row: &Json, ind: &str| row["results"][0]["indicators"][ind].clone();
    // 1: the child sexual set, and it reaches "possible victim".
    assert_eq!(sets(&rows[0]), ["ilo-2009-child-sexual"]);
    assert_eq!(
        rows[0]["results"][0]["outcome"], "possible_victim",
        "{}",
        rows[0]
    );
    assert_eq!(state(&rows[0], "cs_commercial_sex"), "present");
    assert_eq!(state(&rows[0], "ac_recruited"), "present");
    // 2: "not specified" makes the zero flags unknown, not absent.
    assert_eq!(sets(&rows[1]), ["ilo-2009-adult-labour"]);
    for ind in [
        "cd_debt_bondage",
        "cd_withholding_of_wages",
        "cd_threats_of_violence",
    ] {
        assert_eq!(state(&rows[1], ind), "unknown", "{ind}: {}", rows[1]);
    }
    // 3: the concatenation fills flags that are -99.
    assert_eq!(state(&rows[2], "cd_debt_bondage"), "present");
    assert_eq!(state(&rows[2], "cd_threats_of_violence"), "present");
    assert_eq!(state(&rows[2], "cd_withholding_of_wages"), "unknown");
    // 4: the adult sexual set, with the drugs imposed.
    assert_eq!(sets(&rows[3]), ["ilo-2009-adult-sexual"]);
    assert_eq!(state(&rows[3], "cd_drugs_or_alcohol_imposed"), "present");
    assert_eq!(state(&rows[3], "ctx_sexual_services"), "present");
    // 5: a child by age band goes to the child labour set.
    assert_eq!(sets(&rows[4]), ["ilo-2009-child-labour"]);
    assert_eq!(state(&rows[4], "ac_recruited"), "present");
    // 6: psychological abuse is read; a recorded 0 stays absent.
    assert_eq!(state(&rows[5], "cd_under_strong_influence"), "present");
    assert_eq!(state(&rows[5], "cd_debt_bondage"), "absent");
    // 7, 8: age not recorded: the child set and the adult set of the row's type, both.
    assert_eq!(
        sets(&rows[6]),
        ["ilo-2009-child-labour", "ilo-2009-adult-labour"]
    );
    assert_eq!(
        sets(&rows[7]),
        ["ilo-2009-child-sexual", "ilo-2009-adult-sexual"]
    );

    // Every set on every row (the routes left out): the four ILO sets no longer agree on
    // every row.
    let mapping =
        String::from_utf8(std::fs::read(repo("rules/mappings/ctdc.yaml")).expect("mapping"))
            .expect("utf-8");
    let start = mapping.find("\nroutes:\n").expect("routes");
    let end = mapping[start + 1..]
        .find("\n\n")
        .map_or(mapping.len(), |e| start + 1 + e);
    let unrouted = t.write(
        "unrouted.yaml",
        format!("{}{}", &mapping[..start], &mapping[end..]),
    );
    let four =
        "ilo-2009-adult-labour,ilo-2009-adult-sexual,ilo-2009-child-labour,ilo-2009-child-sexual";
    let r = run(&["batch", &input, "--map", &unrouted, "--rules", four]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = csv_maps(&r.stdout_text());
    let differ = out.iter().filter(|row| {
        let outcomes: Vec<&str> = four
            .split(',')
            .map(|s| row[&format!("{s}.outcome")].as_str())
            .collect();
        outcomes.iter().any(|o| *o != outcomes[0])
    });
    assert!(differ.count() >= 3, "{}", r.stdout_text());
}

/// `-o /dev/null` (as benchmarks write) and a named pipe are written in place: renaming a
/// `.partial` file onto them would replace them (as root, the system's `/dev/null`).
#[cfg(unix)]
#[test]
fn devices_and_pipes_are_written_in_place_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let t = Temp::new("in-place");
    let input = t.write("in.csv", "deceived_about_job\nyes\nno\n");
    let r = run(&["batch", &input, "-o", "/dev/null"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let null = std::fs::metadata("/dev/null").expect("/dev/null");
    assert!(
        null.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    assert!(!std::path::Path::new("/dev/null.partial").exists());
    // A named pipe: the rows arrive through it, and it stays a pipe.
    let fifo = t.arg("rows.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).expect("read the pipe"))
    };
    let r = run(&["batch", &input, "-o", &fifo]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = csv_maps(&reader.join().expect("reader"));
    assert_eq!(rows.len(), 2);
    let kind = std::fs::metadata(&fifo).expect("fifo").file_type();
    assert!(kind.is_fifo(), "the pipe is still a pipe");
    assert!(!t.path("rows.fifo.partial").exists());
}

/// JSONL rows whose question keys are all `null` are told apart from rows whose keys are not
/// questions: the message says which, and never suggests renaming keys that are right.
#[test]
fn rows_of_empty_answers_are_not_called_misnamed() {
    let t = Temp::new("null-answers");
    let input = t.write(
        "n.jsonl",
        "{\"id\": 1, \"deceived_about_job\": null}\n{\"id\": 2}\n",
    );
    let r = run(&["batch", &input, "--id-column", "id", "-o", &t.arg("o.csv")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("none of the 2 JSONL rows")
            && r.stderr.contains("questions left empty (`null`)")
            && !r.stderr.contains("name the keys by question id"),
        "{}",
        r.stderr
    );
    let misnamed = t.write("m.jsonl", "{\"deceived\": true}\n");
    let r = run(&["batch", &misnamed, "-o", &t.arg("o.csv")]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no key of the 1 JSONL row")
            && r.stderr.contains("the keys are `deceived`")
            && r.stderr.contains("name the keys by question id"),
        "{}",
        r.stderr
    );
}
