//! The conversation: who a set is for, its guidance before the first question, questions the
//! interviewer answers alone kept apart, unverified translations marked.

use std::io::Cursor;

use crate::util::{Temp, repo, run};

#[test]
fn questions_start_with_who_the_set_is_for_and_its_guidance() {
    let r = run(&["questions", "ilo-2009-child-labour", "--lang", "nl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.stdout_text();
    assert!(
        out.contains("Voor: kinderen (jonger dan 18); over arbeidsuitbuiting"),
        "{out}"
    );
    let guidance = out.find("## Voor u begint").expect("guidance");
    let first_question = out.find("  1. ").expect("a first question");
    assert!(guidance < first_question, "{out}");
    assert!(out[guidance..first_question].contains("tolk"), "{out}");
}

#[test]
fn questions_keep_the_interviewer_only_questions_apart() {
    let r = run(&["questions", "ilo-2009-adult-labour", "--lang", "en"]);
    let out = r.stdout_text();
    let section = out
        .find("## For the interviewer only (not read out)")
        .expect("interviewer section");
    // Every question the interviewer answers alone is in it, and nothing else is.
    let form = run(&[
        "questions",
        "ilo-2009-adult-labour",
        "--lang",
        "en",
        "--format",
        "json",
    ]);
    let form: serde_json::Value = serde_json::from_slice(&form.stdout).expect("json");
    for q in form["questions"].as_array().expect("questions") {
        let id = format!("[{};", q["id"].as_str().expect("id"));
        let at = out.find(&id).unwrap_or_else(|| panic!("{id} listed"));
        assert_eq!(
            at > section,
            q["audience"] == "interviewer",
            "{id} on the wrong side"
        );
    }
}

#[test]
fn an_unverified_translation_is_marked_in_questions_and_xlsform() {
    let manifest = std::fs::read_to_string(repo("rules/nl-seksuele-uitbuiting/ruleset.yaml"))
        .expect("a bundled set without translations");
    let dir = Temp::new("translation");
    let marked = manifest.replacen(
        "languages: [nl, en]",
        "languages: [nl, en, pl]\ntranslations: {pl: {status: unverified, covers: questions, note: machine translation}}",
        1,
    );
    assert_ne!(marked, manifest);
    dir.write("ruleset.yaml", marked);
    let r = run(&["questions", &dir.arg(""), "--lang", "pl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout_text()
            .contains("the `pl` texts are a translation no professional translator has checked (machine translation)"),
        "{}",
        r.stdout_text()
    );
    let r = run(&["xlsform", &dir.arg(""), "-o", &dir.arg("form.xlsx")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = survey(&dir)[0].clone();
    assert!(
        header.contains(&"label::Polski – unverified translation (pl)".to_owned()),
        "{header:?}"
    );
    assert!(
        header.contains(&"label::Nederlands (nl)".to_owned()),
        "{header:?}"
    );
}

fn survey(dir: &Temp) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(dir.read("form.xlsx"))).expect("an xlsx file");
    book.worksheet_range("survey")
        .expect("survey")
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect()
}

#[test]
fn the_xlsform_opens_with_the_guidance_and_ends_with_the_interviewer_group() {
    let dir = Temp::new("xlsform-conversation");
    let r = run(&[
        "xlsform",
        "ilo-2009-adult-labour",
        "-o",
        &dir.arg("form.xlsx"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = survey(&dir);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (kind, name, nl) = (col("type"), col("name"), col("label::Nederlands (nl)"));
    // The first rows: a group of notes with the guidance, before any question.
    assert_eq!(
        (rows[1][kind].as_str(), rows[1][name].as_str()),
        ("begin_group", "guidance")
    );
    assert_eq!(rows[2][kind], "note");
    assert!(rows[2][nl].contains("alleen"), "{:?}", rows[2]);
    let first_question = rows
        .iter()
        .position(|r| r[kind].starts_with("select") || r[kind] == "integer")
        .expect("a question");
    let end_guidance = rows
        .iter()
        .position(|r| r[kind] == "end_group" && r[name] == "guidance")
        .expect("end of guidance");
    assert!(end_guidance < first_question);
    // The interviewer's questions: the last group, and only there.
    let begin = rows
        .iter()
        .position(|r| r[kind] == "begin_group" && r[name] == "interviewer_only")
        .expect("interviewer group");
    assert!(rows[begin][nl].contains("niet voorlezen"));
    let inside: Vec<&str> = rows[begin + 1..]
        .iter()
        .take_while(|r| r[kind] != "end_group")
        .map(|r| r[name].as_str())
        .collect();
    assert!(
        inside.contains(&"under_18") && inside.contains(&"personal_characteristics"),
        "{inside:?}"
    );
    assert_eq!(
        rows[begin + 1 + inside.len()..].len(),
        1,
        "the group ends the form"
    );
}

#[test]
fn screening_a_minor_with_an_adult_and_a_child_set_says_which_applies() {
    let case = serde_json::json!({"under_18": true, "wages_withheld": true}).to_string();
    let dir = Temp::new("minor");
    let file = dir.write("case.json", &case);
    let sets = "ilo-2009-adult-labour,ilo-2009-child-labour";
    let r = run(&["screen", "--rules", sets, &file, "--lang", "en"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.stdout_text();
    assert!(
        out.contains(
            "  - ilo-2009-adult-labour: for adults (18 and older), does NOT fit this person's age"
        ),
        "{out}"
    );
    assert!(
        out.contains("  - ilo-2009-child-labour: for children (under 18), fits this person's age"),
        "{out}"
    );
    assert!(
        out.contains("NOTE: this set is for adults (18 and older)"),
        "{out}"
    );
    assert_eq!(out.matches("NOTE: this set is for").count(), 1, "{out}");

    let r = run(&["screen", "--rules", sets, &file, "--format", "json"]);
    let reports: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    let codes = |i: usize| -> Vec<String> {
        reports[i]["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| d["code"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(codes(0), ["case::population-mismatch"]);
    assert!(codes(1).is_empty());
}

#[test]
fn batch_says_how_many_rows_are_outside_a_sets_population() {
    let tmp = Temp::new("batch-population");
    let cases = tmp.write(
        "cases.csv",
        "under_18,deceived_about_job\nyes,yes\nno,no\nyes,\n,yes\n",
    );
    let summary = tmp.arg("summary.json");
    let out = tmp.arg("out.csv");
    let r = run(&["batch", &cases, "--summary", &summary, "-o", &out]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note: 2 rows answer `under_18` outside the population `ilo-2009-adult-labour` is written for"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("read the outcome of a set for children"),
        "{}",
        r.stderr
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("JSON");
    assert_eq!(s["rulesets"][0]["outside_population"], 2);
    let r = run(&["batch", &cases, "-r", "ilo-2009-child-labour", "-o", &out]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("note: 1 row answer `under_18` outside"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("a set for adults for it"), "{}", r.stderr);
    let r = run(&["batch", &cases, "-r", "nl-geringste-aanwijzing", "-o", &out]);
    assert!(
        !r.stderr.contains("under_18"),
        "a set for any age: {}",
        r.stderr
    );
}

#[test]
fn a_set_that_does_not_apply_lists_what_it_saw_apart_and_asks_nothing_more() {
    let t = Temp::new("not-applicable");
    let case = t.write(
        "case.json",
        r#"{"under_18": false, "commercial_sex": false, "forced_sexual_acts": false,
            "passport_held_by": "employer_or_recruiter"}"#,
    );
    for (lang, seen, none) in [
        (
            "en",
            "Seen, but this set does not apply: screen these with a set that fits (1):",
            "No answer can change this outcome",
        ),
        (
            "nl",
            "Gezien, maar deze set is niet van toepassing: screen dit met een set die past (1):",
            "Geen antwoord kan deze uitkomst veranderen",
        ),
    ] {
        let r = run(&[
            "screen",
            "-r",
            "ilo-2009-adult-sexual",
            &case,
            "--lang",
            lang,
        ]);
        let out = r.stdout_text();
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(out.contains(seen) && out.contains(none), "{out}");
        assert!(
            !out.contains("Signals present") && !out.contains("Aanwezige signalen"),
            "{out}"
        );
        assert!(
            !out.contains("Ask next") && !out.contains("Vraag hierna"),
            "{out}"
        );
    }
}
