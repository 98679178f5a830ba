//! Every bundled rule set loads without errors or warnings, passes its own test cases, and
//! screens the same case to byte-identical JSON every time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use herken_engine::{ScreenOptions, Sources, load, read_tests, run_tests};

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules")
}

#[expect(
    clippy::disallowed_methods,
    reason = "tests read the bundled rule sets from disk, as the CLI does"
)]
fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[expect(
    clippy::disallowed_methods,
    reason = "tests list the bundled rule sets on disk"
)]
fn list(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// A bundled rule set as read from disk (also used by `differential`).
pub struct Set {
    pub name: String,
    pub sources: Sources,
    pub tests: BTreeMap<String, String>,
}

pub fn bundled() -> Vec<Set> {
    let sets: Vec<Set> = list(&rules_dir())
        .into_iter()
        .filter(|p| p.join("ruleset.yaml").is_file())
        .map(|dir| {
            let mut sources = Sources::new().with("ruleset.yaml", read(&dir.join("ruleset.yaml")));
            for f in list(&dir)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
            {
                let name = f
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                sources = sources.with(name, read(&f));
            }
            let tests = list(&dir.join("tests"))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .map(|p| {
                    (
                        format!(
                            "tests/{}",
                            p.file_name().and_then(|n| n.to_str()).unwrap_or_default()
                        ),
                        read(&p),
                    )
                })
                .collect();
            Set {
                name: dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned(),
                sources,
                tests,
            }
        })
        .collect();
    assert!(!sets.is_empty(), "no bundled rule sets found");
    sets
}

#[test]
fn every_bundled_set_loads_cleanly_and_passes_its_own_tests() {
    for set in bundled() {
        let loaded = load(&set.sources)
            .unwrap_or_else(|d| panic!("{}: {}", set.name, crate::common::render(&d)));
        assert!(
            loaded.warnings.is_empty(),
            "{}: {}",
            set.name,
            crate::common::render(&loaded.warnings)
        );
        assert_eq!(
            loaded.rules.id(),
            set.name,
            "folder name is the rule-set id"
        );
        let cases = read_tests(&loaded.rules, &set.tests)
            .unwrap_or_else(|d| panic!("{}: {}", set.name, crate::common::render(&d)));
        assert!(!cases.is_empty(), "{} has no test cases", set.name);
        let (results, coverage) = run_tests(&loaded.rules, cases);
        let failures: Vec<String> = results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| {
                format!(
                    "{} ({}:{}): {:?}",
                    r.case.name, r.case.file, r.case.span.line, r.mismatches
                )
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{}:\n{}",
            set.name,
            failures.join("\n")
        );
        assert!(
            coverage.percent() >= 100.0,
            "{}: coverage {:.1}%",
            set.name,
            coverage.percent()
        );
    }
}

#[test]
fn no_outcome_says_victim_without_possible() {
    for set in bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        for o in rules.outcomes() {
            for (lang, label) in o.label().iter() {
                let l = label.to_lowercase();
                let ok = match lang {
                    "nl" => !l.contains("slachtoffer") || l.contains("mogelijk"),
                    _ => !l.contains("victim") || l.contains("possible"),
                };
                assert!(ok, "{}: outcome `{}` label `{label}`", set.name, o.id());
            }
        }
    }
}

#[test]
fn the_same_case_gives_byte_identical_reports() {
    for set in bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        let cases = read_tests(&rules, &set.tests).expect("tests read");
        for case in cases {
            let Ok(obs) = rules.observations(&case.observations) else {
                continue;
            };
            let options = ScreenOptions {
                language: "nl".into(),
                next_questions: true,
            };
            let first = rules.evaluate(&obs, &options).to_json();
            let again = rules.evaluate(&obs, &options).to_json();
            assert_eq!(first, again, "{}: {}", set.name, case.name);
            // A freshly compiled rule set gives the same bytes too.
            let reloaded = load(&set.sources).expect("loads").rules;
            assert_eq!(first, reloaded.evaluate(&obs, &options).to_json());
            break;
        }
    }
}

/// Where sets ask the same thing they use the same id, type, wording and options, so one
/// intake answers several sets.
#[test]
fn shared_questions_are_identical_across_sets() {
    let sets: Vec<_> = bundled()
        .into_iter()
        .map(|s| (s.name.clone(), load(&s.sources).expect("loads").rules))
        .collect();
    let mut first: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, rules) in &sets {
        for q in rules.questions() {
            let options: Vec<String> = q
                .options()
                .iter()
                .map(|o| format!("{}={:?}", o.id(), o.label()))
                .collect();
            let shape = format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                q.kind(),
                q.text(),
                q.min(),
                q.max(),
                q.unit(),
                options
            );
            match first.get(q.id()) {
                None => {
                    first.insert(q.id().to_owned(), (name.clone(), shape));
                }
                Some((other, expected)) => assert_eq!(
                    &shape,
                    expected,
                    "question `{}` differs between {other} and {name}",
                    q.id()
                ),
            }
        }
    }
}

/// Children need no means (Palermo art. 3(c)); adults do.
#[test]
fn child_sets_reach_possible_victim_without_means_and_adult_sets_do_not() {
    let sets: BTreeMap<String, _> = bundled()
        .into_iter()
        .map(|s| (s.name.clone(), load(&s.sources).expect("loads").rules))
        .collect();
    for (name, rules) in &sets {
        if !name.starts_with("ilo-2009-") {
            continue;
        }
        // Every indicator outside the means dimensions (1, 2, 3, 5, 6) present, all means absent.
        let means = [
            "deceptive_recruitment",
            "coercive_recruitment",
            "recruitment_abuse_of_vulnerability",
            "coercion_at_destination",
            "abuse_of_vulnerability_at_destination",
        ];
        let mut states: Vec<herken_engine::State> = Vec::new();
        for ind in rules.indicators() {
            let dim = rules.dimensions()[ind.dimension()].id();
            states.push(if means.contains(&dim) {
                herken_engine::State::Absent
            } else {
                herken_engine::State::Present
            });
        }
        let outcome = rules.decide(&states).outcome;
        let is_child = name.contains("child");
        assert_eq!(
            rules.outcomes()[outcome].id() == "possible_victim",
            is_child,
            "{name}: outcome `{}` with exploitation but no means",
            rules.outcomes()[outcome].id()
        );
    }
}

#[test]
fn the_adult_labour_set_has_the_ilo_counts_per_dimension() {
    let set = bundled()
        .into_iter()
        .find(|s| s.name == "ilo-2009-adult-labour")
        .expect("bundled");
    let rules = load(&set.sources).expect("loads").rules;
    let counts: Vec<usize> = rules
        .dimensions()
        .iter()
        .map(|d| d.indicators().len())
        .collect();
    // The six ILO dimensions, then the forms of exploitation outside the ILO list.
    assert_eq!(counts, [10, 10, 16, 9, 15, 7, 3]);
    assert_eq!(rules.status(), herken_engine::Status::Reviewed);
}
