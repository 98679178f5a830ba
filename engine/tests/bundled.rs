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

/// Whose wording a set uses: a set for children words its questions for a child, a set for adults
/// or for anyone for an adult (as `scripts/vocabulary.py` reads it).
fn population(rules: &herken_engine::CompiledRuleSet) -> &'static str {
    match rules.population() {
        Some(herken_engine::Population::Child) => "child",
        _ => "adult",
    }
}

/// Where sets ask the same thing they use the same id, and the id means the same answer in every
/// set (type, option ids, bounds, unit, `ask_if`, form group, audience), so one intake answers
/// several sets. The wording (text, help, unit, option labels, group titles) is the same within a
/// population, language by language: a child set may word a question for a child, and every child
/// set then words it the same way; a language that only some sets carry (a translation) is
/// compared between those sets.
#[test]
fn shared_questions_mean_the_same_answer_across_sets() {
    let sets: Vec<_> = bundled()
        .into_iter()
        .map(|s| (s.name.clone(), load(&s.sources).expect("loads").rules))
        .collect();
    // (id, population, language) -> (the first set, what it says)
    type Key = (String, &'static str, String);
    type Seen = BTreeMap<Key, (String, String)>;
    fn same(seen: &mut Seen, key: Key, name: &str, value: String, what: &str) {
        match seen.get(&key) {
            None => {
                seen.insert(key, (name.to_owned(), value));
            }
            Some((other, expected)) => {
                assert_eq!(
                    &value, expected,
                    "{what} {key:?} differs between {other} and {name}"
                );
            }
        }
    }
    let in_lang = |t: Option<&herken_engine::Text>, lang: &str| {
        t.and_then(|t| {
            t.iter()
                .find(|(l, _)| *l == lang)
                .map(|(_, x)| x.to_owned())
        })
    };
    let (mut answers, mut wordings, mut titles) = (Seen::new(), Seen::new(), Seen::new());
    for (name, rules) in &sets {
        let pop = population(rules);
        for g in rules.groups() {
            for (lang, title) in g.title().iter() {
                let key = (g.id().to_owned(), pop, lang.to_owned());
                same(&mut titles, key, name, title.to_owned(), "group title");
            }
        }
        for q in rules.questions() {
            let option_ids: Vec<&str> = q.options().iter().map(|o| o.id()).collect();
            let answer = format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
                q.kind(),
                option_ids,
                q.min(),
                q.max(),
                in_lang(q.unit(), "en"),
                q.ask_if(),
                q.group(),
                q.audience()
            );
            let key = (q.id().to_owned(), "", String::new());
            same(&mut answers, key, name, answer, "the answer to question");
            for (lang, text) in q.text().iter() {
                let labels: Vec<_> = q
                    .options()
                    .iter()
                    .map(|o| in_lang(Some(o.label()), lang))
                    .collect();
                let wording = format!(
                    "{text:?}|{:?}|{:?}|{labels:?}",
                    in_lang(q.help(), lang),
                    in_lang(q.unit(), lang)
                );
                let key = (q.id().to_owned(), pop, lang.to_owned());
                same(&mut wordings, key, name, wording, "the wording of question");
            }
        }
    }
}

/// A text in `lang`, which every bundled set has.
fn text_in<'a>(text: &'a herken_engine::Text, lang: &str) -> &'a str {
    assert!(text.has(lang), "no `{lang}` text");
    text.get(lang, &[])
}

/// Words in a question: whitespace-separated tokens with at least one letter or digit ("ID-kaart",
/// "0800-2000" and "don't" are one word each; a dash on its own is none).
fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .count()
}

/// Plain language (issue 13): a question put to a person is short. In every set and language the
/// median question has at most 15 words and none has more than 25. Help texts are not counted:
/// they are for the interviewer, and that is where examples and explanations go.
#[test]
fn every_sets_questions_are_short() {
    for set in bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        for lang in ["nl", "en"] {
            let mut counts: Vec<(usize, &str)> = rules
                .questions()
                .iter()
                .map(|q| (words(text_in(q.text(), lang)), q.id()))
                .collect();
            counts.sort_unstable();
            let n = counts.len();
            let median = if n % 2 == 1 {
                counts[n / 2].0 as f64
            } else {
                (counts[n / 2 - 1].0 + counts[n / 2].0) as f64 / 2.0
            };
            assert!(
                median <= 15.0,
                "{} [{lang}]: median question has {median} words",
                set.name
            );
            let long: Vec<_> = counts.iter().filter(|(w, _)| *w > 25).collect();
            assert!(
                long.is_empty(),
                "{} [{lang}]: questions over 25 words: {long:?}",
                set.name
            );
        }
    }
}

/// Plain language (issue 13): one question per text, ending in its question mark; examples and
/// explanations in `help`, not in brackets; no negatively framed question, whose "yes" would be
/// ambiguous ("Mag u niet alleen naar buiten?"): every yes/no question is worded so that "yes"
/// signals the concern, without "niet", "geen", "nooit", "not", "no" or "never".
#[test]
fn every_question_is_one_plain_question() {
    for set in bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        for q in rules.questions() {
            for (lang, text) in q.text().iter() {
                let at = format!("{} `{}` [{lang}]: {text}", set.name, q.id());
                assert!(
                    text.ends_with('?') && text.matches('?').count() == 1,
                    "one question: {at}"
                );
                assert!(
                    !text.contains(['(', ')', ';']),
                    "examples belong in help: {at}"
                );
                let negations: &[&str] = match lang {
                    "nl" => &["niet", "geen", "nooit"],
                    "en" => &["not", "no", "never"],
                    _ => &[],
                };
                let negated = text
                    .split(|c: char| !c.is_alphanumeric() && c != '\'')
                    .any(|w| negations.contains(&w.to_lowercase().as_str()) || w.ends_with("n't"));
                assert!(!negated, "negatively framed: {at}");
            }
        }
    }
}

/// Children as children (issue 13): the child sets say "je" to the person, the other sets "u";
/// questions for the interviewer ("Interviewer: ...") address neither.
#[test]
fn child_sets_say_je_and_adult_sets_say_u() {
    for set in bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        let child = population(&rules) == "child";
        for q in rules.questions() {
            let text = text_in(q.text(), "nl");
            let tokens: Vec<String> = text
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .collect();
            let has = |ws: &[&str]| tokens.iter().any(|t| ws.contains(&t.as_str()));
            let at = format!("{} `{}`: {text}", set.name, q.id());
            if child {
                assert!(!has(&["u", "uw"]), "a child set says je: {at}");
            } else {
                assert!(
                    !has(&["je", "jij", "jou", "jouw"]),
                    "an adult set says u: {at}"
                );
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

/// Safe conversations (issue 13): every set says, before the first question, how to hold the
/// conversation: alone, with an independent interpreter, the screen out of sight, what stays
/// confidential, that the person may skip and stop, how to close; a set for children also says
/// whom to involve. Every point in Dutch and English.
#[test]
fn every_set_guides_the_conversation() {
    for set in bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        let ids: Vec<&str> = rules.guidance().iter().map(|g| g.id()).collect();
        let mut expected = vec![
            "alone",
            "interpreter",
            "screen",
            "confidentiality",
            "consent",
            "closing",
        ];
        if population(&rules) == "child" {
            expected.push("involve");
        }
        for id in expected {
            assert!(
                ids.contains(&id),
                "{}: no guidance `{id}` in {ids:?}",
                set.name
            );
        }
        for g in rules.guidance() {
            for lang in ["nl", "en"] {
                assert!(
                    !text_in(g.text(), lang).is_empty(),
                    "{} `{}`",
                    set.name,
                    g.id()
                );
            }
        }
    }
}

/// The person's language (issue 13): the sets labour inspections use most ask every question put
/// to the person in Polish and Romanian too, marked as unverified translations of the questions
/// until a professional translator has checked them.
#[test]
fn labour_inspection_sets_ask_in_polish_and_romanian_marked_unverified() {
    use herken_engine::{Audience, TranslationScope, TranslationStatus};
    let sets = [
        "ilo-2009-adult-labour",
        "nl-arbeidsuitbuiting",
        "nl-geringste-aanwijzing",
    ];
    for set in bundled()
        .into_iter()
        .filter(|s| sets.contains(&s.name.as_str()))
    {
        let rules = load(&set.sources).expect("loads").rules;
        for lang in ["pl", "ro"] {
            let t = rules
                .translation(lang)
                .unwrap_or_else(|| panic!("{}: no `{lang}` translation", set.name));
            assert_eq!(t.status(), TranslationStatus::Unverified, "{}", set.name);
            assert_eq!(t.covers(), TranslationScope::Questions, "{}", set.name);
            for q in rules.questions() {
                if q.audience() == Audience::Interviewer {
                    continue;
                }
                let at = format!("{} `{}` [{lang}]", set.name, q.id());
                assert!(q.text().has(lang), "no text: {at}");
                for o in q.options() {
                    assert!(o.label().has(lang), "no label for `{}`: {at}", o.id());
                }
            }
        }
    }
}

/// `decision_counts_unknown` finds the sets whose decision counts unknown indicators, and for
/// every other set, taking each unknown indicator as absent never changes the outcome (what
/// `herken batch` relies on to skip deciding such a case twice).
#[test]
fn only_a_decision_that_counts_unknowns_can_tell_unknown_from_absent() {
    use herken_engine::State;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for set in bundled() {
        let rules = load(&set.sources).expect("loads").rules;
        let yaml = read(&rules_dir().join(&set.name).join("ruleset.yaml"));
        assert_eq!(
            rules.decision_counts_unknown(),
            yaml.contains("unknown_count("),
            "{}",
            set.name
        );
        if rules.decision_counts_unknown() {
            continue;
        }
        for _ in 0..500 {
            let states: Vec<State> = rules
                .indicators()
                .iter()
                .map(|_| State::ALL[(next() % 4) as usize])
                .collect();
            let absent: Vec<State> = states
                .iter()
                .map(|&s| {
                    if s == State::Unknown {
                        State::Absent
                    } else {
                        s
                    }
                })
                .collect();
            assert_eq!(
                rules.decide(&absent).outcome,
                rules.decide(&states).outcome,
                "{}",
                set.name
            );
        }
    }
}
