//! Guided interviews: `herken simulate` (short interviews that end where the full interview
//! does) and `herken screen --guided`.

use serde_json::Value as Json;

use crate::util::{Temp, run, run_with};

#[test]
fn guided_interviews_of_the_ilo_set_are_short_and_end_as_the_full_interview() {
    let r = run(&[
        "simulate",
        "--synthetic",
        "500",
        "--seed",
        "7",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Json = serde_json::from_slice(&r.stdout).expect("JSON");
    let set = &v["sets"][0];
    assert_eq!(set["ruleset"], "ilo-2009-adult-labour");
    assert_eq!(set["cases"], 500);
    assert_eq!(set["top_agrees"]["cases"], 500, "{set}");
    assert_eq!(set["outcome_agrees"]["cases"], 500, "{set}");
    let median = set["until_top_decided"]["median"]
        .as_u64()
        .expect("a number");
    assert!(median <= 20, "median {median} questions: {set}");
    let full = set["full_interview"]["median"].as_u64().expect("a number");
    assert!(median * 3 <= full, "guided {median} of {full} questions");
    // The synthetic cases reach the top outcome often enough for both sides to be tried.
    let reached = set["top_reached"]["cases"].as_u64().expect("a number");
    assert!(
        reached > 50 && reached < 450,
        "{reached} of 500 reach the top outcome"
    );
    let histogram: u64 = set["until_top_decided"]["histogram"]
        .as_array()
        .expect("bins")
        .iter()
        .map(|b| b["cases"].as_u64().expect("a count"))
        .sum();
    assert_eq!(histogram, 500);
}

#[test]
fn simulate_reads_the_cases_synth_writes_and_gives_the_same_figures() {
    let tmp = Temp::new("simulate");
    let synth = run(&[
        "synth",
        "--cases",
        "60",
        "--seed",
        "3",
        "--format",
        "jsonl",
        "--rules",
        "ilo-2009-adult-labour,nl-arbeidsuitbuiting",
    ]);
    assert_eq!(synth.code, 0, "{}", synth.stderr);
    let file = tmp.write("cases.jsonl", &synth.stdout);
    let sets = "ilo-2009-adult-labour,nl-arbeidsuitbuiting";
    let from_file = run(&["simulate", &file, "-r", sets, "--format", "json"]);
    let synthetic = run(&[
        "simulate",
        "--synthetic",
        "60",
        "--seed",
        "3",
        "-r",
        sets,
        "--format",
        "json",
    ]);
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    assert_eq!(synthetic.code, 0, "{}", synthetic.stderr);
    let a: Json = serde_json::from_slice(&from_file.stdout).expect("JSON");
    let b: Json = serde_json::from_slice(&synthetic.stdout).expect("JSON");
    assert_eq!(a["sets"], b["sets"]);
    assert_eq!(
        a["sets"].as_array().map(Vec::len),
        Some(2),
        "one summary per set"
    );
    // CSV (other cases: the CSV writer draws other numbers), read as `herken batch` reads it.
    let csv = run(&[
        "synth", "--cases", "60", "--seed", "3", "--format", "csv", "--rules", sets,
    ]);
    let csv_file = tmp.write("cases.csv", &csv.stdout);
    let from_csv = run(&["simulate", &csv_file, "-r", sets, "--format", "json"]);
    assert_eq!(from_csv.code, 0, "{}", from_csv.stderr);
    let c: Json = serde_json::from_slice(&from_csv.stdout).expect("JSON");
    for set in c["sets"].as_array().expect("sets") {
        assert_eq!(set["cases"], 60);
        assert_eq!(set["top_agrees"]["cases"], 60, "{set}");
    }
    // Standard input too, with a readable summary.
    let human = run_with(&["simulate", "-", "-r", sets], &synth.stdout);
    assert_eq!(human.code, 0, "{}", human.stderr);
    let text = human.stdout_text();
    assert!(
        text.contains("questions until the top outcome decided"),
        "{text}"
    );
    assert!(
        text.contains("top outcome as in the full interview:  60 of 60 (100.0%)"),
        "{text}"
    );
}

#[test]
fn simulate_names_the_line_of_a_bad_case_and_refuses_two_sources() {
    let tmp = Temp::new("simulate-bad");
    let file = tmp.write(
        "cases.jsonl",
        "{\"deceived_about_job\": true}\n{\"deceived_about_job\": 3}\n",
    );
    let r = run(&["simulate", &file]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("cases.jsonl: row 2 (line 2): field `deceived_about_job`"),
        "{}",
        r.stderr
    );
    let bad_json = tmp.write("broken.jsonl", "{\"deceived_about_job\": true}\n{oops\n");
    let r = run(&["simulate", &bad_json]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("broken.jsonl: row 2 (line 2): column 2: invalid JSON"),
        "{}",
        r.stderr
    );
    let r = run(&["simulate", &file, "--synthetic", "5"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not both"), "{}", r.stderr);
    let r = run(&["simulate"]);
    assert_eq!(r.code, 2);
}

/// `screen --guided --format json` on a case (given on standard input).
fn step(case: &Json, asked: &[String], rules: &str) -> Json {
    let asked = asked.join(",");
    let mut args = vec![
        "screen", "--guided", "--format", "json", "--lang", "en", "-r", rules,
    ];
    if !asked.is_empty() {
        args.extend(["--asked", asked.as_str()]);
    }
    args.push("-");
    let r = run_with(&args, case.to_string().as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let steps: Json = serde_json::from_slice(&r.stdout).expect("JSON");
    assert_eq!(
        steps.as_array().map(Vec::len),
        Some(1),
        "one step per set: {steps}"
    );
    steps[0].clone()
}

#[test]
fn a_guided_interview_in_json_steps_ends_on_the_screens_outcome() {
    // Answer "no" to every question, except those on wages and documents (yes): the set
    // decides well before every question is asked.
    let rules = "nl-arbeidsuitbuiting";
    let mut case = serde_json::Map::new();
    let mut asked: Vec<String> = Vec::new();
    let form: Json = {
        let r = run(&["questions", "--format", "json", rules]);
        serde_json::from_slice(&r.stdout).expect("JSON")
    };
    let questions = form["questions"].as_array().expect("questions").len();
    let last = loop {
        let s = step(&Json::Object(case.clone()), &asked, rules);
        assert_eq!(s["asked"], asked.len());
        let Some(next) = s.get("next") else { break s };
        let id = next["id"].as_str().expect("an id").to_owned();
        assert!(!asked.contains(&id), "`{id}` asked twice");
        let yes = id.contains("wage") || id.contains("document") || id.contains("passport");
        let q = form["questions"]
            .as_array()
            .and_then(|qs| qs.iter().find(|q| q["id"] == id.as_str()))
            .expect("the question is in the form");
        let answer = if q["type"] == "yesno" {
            Json::Bool(yes)
        } else {
            Json::Null
        };
        if !answer.is_null() {
            case.insert(id.clone(), answer);
        }
        asked.push(id);
        assert!(asked.len() <= questions, "the interview ends");
    };
    assert_eq!(last["settled"], true);
    assert!(
        asked.len() < questions,
        "{} of {questions} asked",
        asked.len()
    );
    let r = run_with(
        &["screen", "--format", "json", "-r", rules, "-"],
        Json::Object(case).to_string().as_bytes(),
    );
    let report: Json = serde_json::from_slice(&r.stdout).expect("JSON: a list of reports");
    assert_eq!(last["outcome"]["id"], report[0]["outcome"]["id"]);
}

#[test]
fn the_guided_interview_on_a_terminal_asks_saves_and_goes_on() {
    let tmp = Temp::new("guided");
    let saved = tmp.arg("answers.json");
    // "Don't know" to every question: the interview still ends, once no answer is left that
    // could change the outcome.
    let answers = "?\n".repeat(100);
    let r = run_with(
        &[
            "screen",
            "--guided",
            "--lang",
            "en",
            "-r",
            "nl-criminele-uitbuiting",
            "--save",
            &saved,
        ],
        answers.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = r.stdout_text();
    assert!(
        text.starts_with("Before you start:"),
        "the guidance first: {text}"
    );
    assert!(text.contains("? = don't know"), "{text}");
    assert!(
        text.contains("No answer to the questions not asked can change the outcome."),
        "{text}"
    );
    assert!(text.contains("Outcome: No signals found"), "{text}");
    let file: Json =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("JSON");
    let n = file.as_object().expect("a case").len();
    assert!(
        n > 0
            && file
                .as_object()
                .expect("a case")
                .values()
                .all(Json::is_null)
    );
    assert!(text.contains(&format!("Asked {n} questions.")), "{text}");
    // Going on from the saved answers: nothing is left to ask.
    let r = run_with(
        &[
            "screen",
            "--guided",
            "--lang",
            "en",
            "-r",
            "nl-criminele-uitbuiting",
            &saved,
        ],
        b"",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout_text().contains("> "), "{}", r.stdout_text());
    assert!(r.stdout_text().contains(&format!("Asked {n} questions.")));

    // An answer it cannot read is asked again; `stop` ends the interview with a summary.
    let r = run_with(
        &[
            "screen",
            "--guided",
            "--lang",
            "en",
            "-r",
            "nl-criminele-uitbuiting",
        ],
        b"perhaps\nstop\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = r.stdout_text();
    assert!(text.contains("Not understood; give"), "{text}");
    assert!(text.contains("Stopped before the end"), "{text}");
    assert!(text.contains("Asked 0 questions."), "{text}");
}

#[test]
fn guided_options_are_checked() {
    let r = run_with(
        &[
            "screen",
            "--guided",
            "--format",
            "json",
            "--asked",
            "no_such_question",
            "-",
        ],
        b"{}",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("`no_such_question` is not a question"),
        "{}",
        r.stderr
    );
    let r = run_with(&["screen", "--save", "x.json", "-"], b"{}");
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run_with(&["screen", "--guided", "--asked", "under_18", "-"], b"");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`--asked` is for"), "{}", r.stderr);
}
