//! What the hostile inputs may cost the process: each runs the `herken` binary under a data
//! limit of 256 MiB (`ulimit -d`: heap and every private writable mapping) and must end with
//! its own clear error (or its result), never by running out of memory.
//!
//! Time is bounded by the sandbox's operation budget (1,000,000 weighted operations per case,
//! asserted in operations by the engine's hostile tests, which hold on any machine); here the
//! CPU limit only catches a hang — a debug build on a busy machine is far slower than the
//! release binary, whose figures for these inputs are in benches/README.md.

use std::path::Path;
use std::process::Command;

use crate::util::{Run, Temp};

/// Runs `herken args…` under 256 MiB of data and a CPU-time hang guard.
fn bounded(args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg("ulimit -d 262144 && ulimit -t 120 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_herken"))
        .args(args)
        .output()
        .expect("sh runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("memory allocation") && out.status.code().is_some(),
        "herken {args:?} ran out of memory or was killed ({:?}): {stderr}",
        out.status
    );
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr,
    }
}

/// A rule set (copied from `herken new`'s template) whose one indicator runs `script`, with
/// every limit at its hard cap.
fn hostile_set(t: &Temp, name: &str, script: &str) -> String {
    let dir = t.path(name);
    let made = Command::new(env!("CARGO_BIN_EXE_herken"))
        .arg("new")
        .arg(&dir)
        .output()
        .expect("herken new runs");
    assert!(made.status.success(), "{made:?}");
    let path = dir.join("ruleset.yaml");
    let text = std::fs::read_to_string(&path).expect("template");
    let body: String = script.lines().map(|l| format!("      {l}\n")).collect();
    let text = text
        .replace(
            "licence: CC-BY-4.0\n",
            "licence: CC-BY-4.0\nlimits: {operations: 1000000, call_depth: 64, expression_depth: 128, \
             string_size: 1048576, array_size: 100000, map_size: 100000}\n",
        )
        .replace(
            "    when: obs.passport_held_by_other\n",
            &format!("    when: |\n{body}      && obs.passport_held_by_other\n"),
        );
    std::fs::write(&path, text).expect("write set");
    // The template's own test case no longer describes this set.
    let _ = std::fs::remove_dir_all(dir.join("tests"));
    dir.display().to_string()
}

#[test]
fn scripts_that_grow_values_stay_within_256_mib() {
    let t = Temp::new("bounds-scripts");
    let case = t.write("case.json", r#"{"passport_held_by_other": true}"#);
    for (name, script, code) in [
        (
            "big-strings",
            "let a = [];\nfor i in 0..100000 { let s = \"\"; s.pad(1000000, \"y\"); a.push(s); }\na.len() > 0",
            "eval::",
        ),
        (
            "big-map",
            "let m = #{};\nfor i in 0..100000 { let s = \"\"; s.pad(100000, \"y\"); m[i.to_string()] = s; }\nm.len() > 0",
            "eval::",
        ),
        (
            "nested-arrays",
            "let a = [];\nfor i in 0..100000 { a.push([i, [i, [i, [i]]], i, i, i, i, i, i]); }\na.len() > 0",
            "eval::",
        ),
        (
            "sorting",
            "let a = [];\nfor i in 0..50000 { a.push(50000 - i); }\na.sort(|x, y| a.len() - x + y); a.len() > 0",
            "eval::",
        ),
    ] {
        let set = hostile_set(&t, name, script);
        let r = bounded(&["screen", "-r", &set, &case, "--format", "json"]);
        let out = r.stdout_text();
        assert!(
            r.code == 0 && out.contains("\"state\": \"error\"") && out.contains(code),
            "{name}: exit {}: {}{out}",
            r.code,
            r.stderr
        );
    }
}

#[test]
fn a_case_with_two_million_keys_stays_within_256_mib() {
    let t = Temp::new("bounds-keys");
    let mut text = String::from("{\"under_18\": false");
    for i in 0..2_000_000 {
        text.push_str(&format!(",\"k{i}\":1"));
    }
    text.push('}');
    let case = t.write("case.json", text);
    let r = bounded(&["screen", &case]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("case::too-many-"), "{}", r.stderr);
    assert!(
        r.stderr.len() < 20_000,
        "a short list: {} bytes",
        r.stderr.len()
    );
}

#[test]
fn deeply_nested_input_stays_within_256_mib() {
    let t = Temp::new("bounds-nested");
    let depth = 1_000_000;
    let text = format!(
        "{{\"under_18\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let case = t.write("case.json", &text);
    let r = bounded(&["screen", &case]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let jsonl = t.write("rows.jsonl", format!("{text}\n{{\"under_18\": false}}\n"));
    let r = bounded(&["batch", &jsonl, "-o", &t.arg("out.csv")]);
    assert_eq!(r.code, 1, "one row failed: {}", r.stderr);
    let out = String::from_utf8(t.read("out.csv")).expect("utf-8");
    assert_eq!(out.lines().count(), 3, "a header and a row per input row");
}

#[test]
fn a_rule_set_of_forty_thousand_library_files_stays_within_256_mib() {
    let t = Temp::new("bounds-files");
    let set = hostile_set(&t, "many", "true");
    for i in 0..40_000 {
        std::fs::write(
            Path::new(&set).join(format!("f{i:05}.rhai")),
            format!("fn f{i}() {{ {i} }}"),
        )
        .expect("write library file");
    }
    let case = t.write("case.json", r#"{"passport_held_by_other": true}"#);
    let r = bounded(&["screen", "-r", &set, &case]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("load::too-many-files"), "{}", r.stderr);
}

#[test]
fn a_large_batch_stays_within_256_mib() {
    // Memory does not grow with the input: the pipeline holds a few chunks at a time.
    let t = Temp::new("bounds-batch");
    let synth = Command::new(env!("CARGO_BIN_EXE_herken"))
        .args([
            "synth", "--cases", "20000", "--seed", "7", "--format", "jsonl", "-o",
        ])
        .arg(t.path("in.jsonl"))
        .output()
        .expect("synth runs");
    assert!(synth.status.success(), "{synth:?}");
    let input = t.arg("in.jsonl");
    let r = bounded(&["batch", &input, "--threads", "2", "-o", &t.arg("out.csv")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
