//! Shared by herken's criterion benchmarks (`benches/screen.rs`) and the comparison harness
//! (`src/bin/compare.rs`): the bundled rule sets read from `rules/`, a deterministic generator
//! of synthetic intake cases, a hand-written Rust screen of `ilo-2009-adult-labour` to compare
//! herken with, and the compact result line both write in batch.

pub mod handwritten;
pub mod synth;

use std::fs;
use std::path::{Path, PathBuf};

use herken_engine::{CompiledRuleSet, Sources, State, load};

/// The bundled rule sets' folder (`rules/` at the workspace root).
pub fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules")
}

/// Every bundled rule set: (id, sources), in folder order.
///
/// # Panics
/// When `rules/` cannot be read: benchmarks have nothing to measure without it.
pub fn bundled() -> Vec<(String, Sources)> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(rules_dir())
        .expect("rules/ is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("ruleset.yaml").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let id = dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            (id, read_sources(&dir))
        })
        .collect()
}

/// The rule files of one rule-set folder (`ruleset.yaml` and `*.rhai`).
///
/// # Panics
/// When a file cannot be read.
pub fn read_sources(dir: &Path) -> Sources {
    let mut sources = Sources::new();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("rule-set folder is readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if Sources::is_rule_file(&name) {
            let text = fs::read_to_string(&path).expect("rule file is readable");
            sources = sources.with(name, text);
        }
    }
    sources
}

/// Loads and compiles a bundled rule set by id.
///
/// # Panics
/// When it does not load (the engine's own tests keep every bundled set loading).
pub fn load_bundled(id: &str) -> CompiledRuleSet {
    let sources = read_sources(&rules_dir().join(id));
    match load(&sources) {
        Ok(loaded) => loaded.rules,
        Err(d) => panic!("{id} does not load: {d:?}"),
    }
}

/// One letter per indicator state, for the compact result line.
pub fn state_letter(s: State) -> char {
    match s {
        State::Present => 'p',
        State::Absent => 'a',
        State::Unknown => 'u',
        State::Error => 'e',
    }
}

/// Appends the compact result line of one case, as a batch writes it:
/// `{"outcome":"…","may_rise":…,"states":"pau…"}` and a newline.
pub fn write_compact_line(
    out: &mut String,
    outcome: &str,
    may_rise: bool,
    states: impl Iterator<Item = char>,
) {
    out.push_str("{\"outcome\":\"");
    out.push_str(outcome);
    out.push_str(if may_rise {
        "\",\"may_rise\":true,\"states\":\""
    } else {
        "\",\"may_rise\":false,\"states\":\""
    });
    out.extend(states);
    out.push_str("\"}\n");
}
