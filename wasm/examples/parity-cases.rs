//! The native side of the WASM parity test (`wasm/tests/parity.test.mjs`): every case of the
//! given rule-set folders' `tests/*.yaml`, read by the engine's own test reader, with the
//! native report in every language of the rule set, as JSON lines:
//! `{"ruleset": folder, "id", "source": "tests/x.yaml", "name", "lang", "case", "report"}`
//! where `report` is the compact report text, `Report::to_json()`.
//!
//! cargo run -p herken-wasm --example parity-cases -- rules/ilo-2009-adult-labour …

use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::io::Write;
use std::path::Path;

use herken_engine::{MANIFEST_FILE, ScreenOptions, Sources, load, read_tests};

fn main() -> Result<(), Box<dyn Error>> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let folders: Vec<String> = std::env::args().skip(1).collect();
    if folders.is_empty() {
        return Err("usage: parity-cases <rule-set folder>...".into());
    }
    for folder in folders {
        let dir = Path::new(&folder);
        let mut sources = Sources::new();
        let mut tests = BTreeMap::new();
        sources.files.insert(
            MANIFEST_FILE.to_owned(),
            fs::read_to_string(dir.join(MANIFEST_FILE))?,
        );
        for (sub, prefix) in [(dir.to_path_buf(), ""), (dir.join("tests"), "tests/")] {
            if !sub.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&sub)? {
                let path = entry?.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                if prefix.is_empty() && name.ends_with(".rhai") {
                    sources.files.insert(name, fs::read_to_string(&path)?);
                } else if !prefix.is_empty() && name.ends_with(".yaml") {
                    tests.insert(format!("{prefix}{name}"), fs::read_to_string(&path)?);
                }
            }
        }
        let rules = load(&sources)
            .map_err(|d| format!("{folder}: the rule set does not load: {d:?}"))?
            .rules;
        let cases = read_tests(&rules, &tests)
            .map_err(|d| format!("{folder}: the tests do not read: {d:?}"))?;
        for case in cases {
            for lang in rules.languages() {
                let options = ScreenOptions {
                    language: lang.clone(),
                    next_questions: true,
                };
                let report = match rules.observations(&case.observations) {
                    Ok(obs) => rules.evaluate(&obs, &options).to_json(),
                    Err(errors) => format!("error: {errors:?}"),
                };
                let line = serde_json::json!({
                    "ruleset": folder,
                    "id": rules.id(),
                    "source": case.file,
                    "name": case.name,
                    "lang": lang,
                    "case": case.observations,
                    "report": report,
                });
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}
