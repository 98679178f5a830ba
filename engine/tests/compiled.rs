//! The compiled form in bundles (format 2): a rule set read from it screens exactly as the one
//! compiled from its files — every bundled set, every test case, reports, compact results,
//! applicable questions, guided steps and forms — also with its conditions as scripts (as the
//! full WASM module reads them), and the bundle's hash and signature bind it.

use herken_engine::{
    Bundle, BundleError, CompiledRuleSet, LoadOptions, Observations, ScreenOptions, SecretKey,
    Sources, TrustPolicy, load, load_with, read_tests,
};
use serde_json::Value;

use crate::bundled::bundled;
use crate::common;

fn with_compiled(sources: &Sources) -> Bundle {
    let rules = load(sources).expect("loads").rules;
    Bundle::new(rules.id(), rules.version(), sources).with_compiled(&rules)
}

fn code(result: Result<herken_engine::OpenedBundle, BundleError>) -> &'static str {
    match result {
        Ok(_) => "opened",
        Err(e) => e.code().as_str(),
    }
}

/// Everything a screen gives for `obs`, as text: the report in both languages (with next
/// questions), the compact result, the applicable questions and the guided step.
fn screened(rules: &CompiledRuleSet, obs: &Observations) -> Vec<String> {
    let mut out = Vec::new();
    for language in ["nl", "en"] {
        let options = ScreenOptions {
            language: language.into(),
            next_questions: true,
        };
        out.push(rules.evaluate(obs, &options).to_json());
        let asked = vec![false; rules.questions().len()];
        out.push(rules.guide(obs, &asked, language).to_json());
    }
    out.push(format!("{:?}", rules.screen_compact(obs)));
    out.push(format!("{:?}", rules.applicable(obs)));
    out
}

/// Asserts equal texts, showing where the first difference is.
fn same(got: &[String], expected: &[String], what: &str) {
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        if g != e {
            let at = g.bytes().zip(e.bytes()).take_while(|(a, b)| a == b).count();
            let from = at.saturating_sub(150);
            let window = |t: &str| t.get(from..(at + 100).min(t.len())).unwrap_or(t).to_owned();
            panic!(
                "{what}: part {i} differs at byte {at}\n   got: …{}…\nexpect: …{}…",
                window(g),
                window(e)
            );
        }
    }
    assert_eq!(got.len(), expected.len(), "{what}");
}

/// Asserts that `compiled` (read from a compiled form) screens every test case of `set` (and
/// the empty case) as `native` (compiled from the rule files) does, byte for byte.
fn screens_alike(native: &CompiledRuleSet, compiled: &CompiledRuleSet, set: &crate::bundled::Set) {
    assert_eq!(compiled.sha256(), native.sha256(), "{}", set.name);
    for lang in ["nl", "en"] {
        assert_eq!(
            serde_json::to_string(&compiled.form(lang)).expect("json"),
            serde_json::to_string(&native.form(lang)).expect("json"),
            "{}: form",
            set.name
        );
    }
    let cases = read_tests(native, &set.tests).expect("tests read");
    assert!(!cases.is_empty(), "{}", set.name);
    let mut empty = Observations::unknown(native);
    empty.clear(native);
    same(
        &screened(compiled, &empty),
        &screened(native, &empty),
        &set.name,
    );
    for case in cases {
        let (Ok(a), Ok(b)) = (
            native.observations(&case.observations),
            compiled.observations(&case.observations),
        ) else {
            continue;
        };
        same(
            &screened(compiled, &b),
            &screened(native, &a),
            &format!("{}: {}", set.name, case.name),
        );
    }
}

#[test]
fn every_bundled_set_screens_the_same_from_its_compiled_form() {
    for set in bundled() {
        let json = with_compiled(&set.sources).to_json();
        let native = Bundle::open(&json, &TrustPolicy::no_keys())
            .expect("opens")
            .rules;
        let compiled = Bundle::open_compiled(&json, &TrustPolicy::no_keys())
            .unwrap_or_else(|e| panic!("{}: {e}", set.name))
            .rules;
        screens_alike(&native, &compiled, &set);
    }
}

/// Every condition of every bundled set compiled as a script (`interpret_all`, the reference
/// the native conditions are tested against), bundled, and read back as the full WASM module
/// reads it: the lean reading refuses it naming every script, the full one screens every test
/// case byte for byte as the set compiled from its files.
#[test]
fn scripted_conditions_run_from_the_compiled_form_as_from_the_rule_files() {
    let all_scripts = LoadOptions {
        interpret_all: true,
        ..LoadOptions::default()
    };
    for set in bundled() {
        let native = load_with(&set.sources, &all_scripts).expect("loads").rules;
        let json = Bundle::new(native.id(), native.version(), &set.sources)
            .with_compiled(&native)
            .to_json();
        let lean = Bundle::open_compiled(&json, &TrustPolicy::no_keys()).expect_err("refused");
        assert_eq!(lean.code().as_str(), "bundle::needs-full-module");
        let first = &native.indicators()[0];
        assert!(
            lean.to_string()
                .contains(&format!("indicator `{}`", first.id())),
            "{}: {lean}",
            set.name
        );
        let compiled = Bundle::open_compiled_with_scripts(&json, &TrustPolicy::no_keys())
            .unwrap_or_else(|e| panic!("{}: {e}", set.name))
            .rules;
        assert!(compiled.indicators().iter().all(|i| i.is_scripted()));
        screens_alike(&native, &compiled, &set);
        // Written again from what was read: the same compiled form.
        let again =
            Bundle::new(compiled.id(), compiled.version(), &set.sources).with_compiled(&compiled);
        assert_eq!(
            again.to_json(),
            json,
            "{}: written again from the compiled form",
            set.name
        );
    }
}

/// Scripts that fail at run time, use the set's `*.rhai` library, a pattern known at load and
/// one built at run time, and a limit: the same states, errors and places (file, line and
/// column in the block scalar) from the compiled form as from the rule files.
#[test]
fn script_errors_and_libraries_are_the_same_from_the_compiled_form() {
    let sources = Sources::new()
        .with(
            "ruleset.yaml",
            common::manifest()
                .limits("operations: 5000")
                .question("a", "yesno")
                .question("n", "integer")
                .question("story", "text")
                .script("divides", &["n"], "let x = 10;\nx / obs.n > 1")
                .script("library", &["n"], "doubled(obs.n) > 4")
                .script(
                    "known",
                    &["story"],
                    "let w = 1;\nw > 0 && matches(obs.story, \"paspoort\")",
                )
                .indicator("worded", &[], "matches(obs.story, \"paspoort\")")
                .script(
                    "built",
                    &["story"],
                    "let p = \"pas\" + \"poort\";\nmatches(obs.story, p)",
                )
                .script(
                    "loops",
                    &["a"],
                    "let n = 0;\nwhile obs.a == true { n += 1; }\nn > 1",
                )
                .indicator("plain", &[], "obs.a == true")
                .build(),
        )
        .with("lib.rhai", "fn doubled(x) {\n  x * 2\n}\n")
        .with("more.rhai", "fn tripled(x) { x * 3 }\n");
    let native = load(&sources).expect("loads").rules;
    let bundle = Bundle::new(native.id(), native.version(), &sources).with_compiled(&native);
    let form: Value =
        serde_json::from_str(bundle.compiled.as_deref().expect("compiled")).expect("json");
    assert_eq!(form["scripts"]["library"][0][0], "lib.rhai");
    assert_eq!(form["scripts"]["patterns"], serde_json::json!(["paspoort"]));
    let compiled = Bundle::open_compiled_with_scripts(&bundle.to_json(), &TrustPolicy::no_keys())
        .expect("opens")
        .rules;
    let cases = [
        serde_json::json!({}),
        serde_json::json!({"a": false, "n": 0, "story": "geen"}),
        serde_json::json!({"a": true, "n": 3, "story": "zijn PASPOORT is weg"}),
        serde_json::json!({"a": false, "n": 1, "story": "paspoort"}),
    ];
    let mut errors = 0;
    for case in cases {
        let a = native.observations(&case).expect("case");
        let b = compiled.observations(&case).expect("case");
        let expected = screened(&native, &a);
        errors += expected[0].matches("\"error\":{").count();
        same(&screened(&compiled, &b), &expected, &case.to_string());
    }
    // The cases reach the errors: division by zero, the operation limit.
    assert!(errors >= 2, "{errors}");
}

#[test]
fn the_compiled_form_reads_back_to_the_same_text() {
    for set in bundled() {
        let bundle = with_compiled(&set.sources);
        let text = bundle.compiled.clone().expect("compiled");
        let form: Value = serde_json::from_str(&text).expect("parses");
        // Read back and written again: the same bytes (numbers, patterns, every field).
        let read = Bundle::open_compiled(&bundle.to_json(), &TrustPolicy::no_keys())
            .expect("opens")
            .rules;
        let again = Bundle::new(read.id(), read.version(), &set.sources).with_compiled(&read);
        assert!(
            again.compiled.as_deref() == Some(text.as_str()),
            "{}",
            set.name
        );
        // No bundled set needs the interpreter: the lean module screens them all.
        assert_eq!(form["scripted"], Value::Array(Vec::new()), "{}", set.name);
    }
}

fn small(when: &str) -> Sources {
    Sources::new().with(
        "ruleset.yaml",
        common::manifest()
            .question("a", "yesno")
            .indicator("x", &[], when)
            .build(),
    )
}

#[test]
fn a_scripted_condition_is_named_and_refused_without_rhai() {
    let sources = Sources::new().with(
        "ruleset.yaml",
        common::manifest()
            .question("a", "yesno")
            .indicator("plain", &[], "obs.a == true")
            .script(
                "looped",
                &["a"],
                "let n = 0;\nfor i in 0..2 { n += 1; }\nobs.a == true && n == 2",
            )
            .build(),
    );
    let json = with_compiled(&sources).to_json();
    assert_eq!(code(Bundle::open(&json, &TrustPolicy::no_keys())), "opened");
    let e = Bundle::open_compiled(&json, &TrustPolicy::no_keys()).expect_err("refused");
    assert_eq!(e.code().as_str(), "bundle::needs-full-module");
    let message = e.to_string();
    assert!(message.contains("indicator `looped`"), "{message}");
    assert!(!message.contains("`plain`"), "{message}");
    // The full module's reading compiles the script.
    assert_eq!(
        code(Bundle::open_compiled_with_scripts(
            &json,
            &TrustPolicy::no_keys()
        )),
        "opened"
    );
    // A bundle without a compiled form opens in neither module: it must be made again.
    let files_only = Bundle::new("test-set", "1.0.0", &small("obs.a")).to_json();
    assert_eq!(
        code(Bundle::open(&files_only, &TrustPolicy::no_keys())),
        "opened"
    );
    for open in [Bundle::open_compiled, Bundle::open_compiled_with_scripts] {
        let e = open(&files_only, &TrustPolicy::no_keys()).expect_err("refused");
        assert_eq!(e.code().as_str(), "bundle::no-compiled-form");
        assert!(e.to_string().contains("`herken bundle`"), "{e}");
    }
}

#[test]
fn conditions_with_patterns_are_named_for_a_module_without_pattern_matching() {
    let sources = Sources::new().with(
        "ruleset.yaml",
        common::manifest()
            .question("a", "yesno")
            .question("story", "text")
            .indicator("plain", &[], "obs.a == true")
            .indicator("worded", &[], "matches(obs.story, \"paspoort\")")
            .build(),
    );
    let bundle = with_compiled(&sources);
    let form: Value =
        serde_json::from_str(bundle.compiled.as_deref().expect("compiled")).expect("json");
    assert_eq!(form["patterns"], serde_json::json!(["indicator `worded`"]));
    assert_eq!(form["scripted"], serde_json::json!([]));
    // This engine has pattern matching: it screens from the compiled form.
    let opened = Bundle::open_compiled(&bundle.to_json(), &TrustPolicy::no_keys()).expect("opens");
    let obs = opened
        .rules
        .observations(&serde_json::json!({"story": "zijn PASPOORT is weg"}))
        .expect("case");
    let report = opened.rules.evaluate(
        &obs,
        &ScreenOptions {
            language: "en".into(),
            next_questions: false,
        },
    );
    assert!(report.to_json().contains(r#""id":"worded","label":"worded","dimension":"d","strength":"strong","weight":3.0,"state":"present""#), "{}", report.to_json());
}

fn reparse(json: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(json).expect("json");
    edit(&mut v);
    serde_json::to_string_pretty(&v).expect("json")
}

/// Edits the compiled form inside a bundle's JSON (without a new hash).
fn inner(v: &mut Value, edit: impl FnOnce(&mut Value)) {
    let mut form: Value =
        serde_json::from_str(v["compiled"].as_str().expect("text")).expect("json");
    edit(&mut form);
    v["compiled"] = Value::String(serde_json::to_string(&form).expect("json"));
}

fn rehash(v: &mut Value) {
    let text = v["compiled"].as_str().expect("text").to_owned();
    let digest: String = <sha2::Sha256 as sha2::Digest>::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    v["compiled_sha256"] = Value::String(digest);
}

#[test]
fn the_hash_and_the_signature_bind_the_compiled_form() {
    let key = SecretKey::from_bytes(&[7; 32]);
    let trust = TrustPolicy::trusting([key.public_key()]);
    let mut bundle = with_compiled(&small("obs.a"));
    bundle.sign(&key);
    let json = bundle.to_json();
    assert_eq!(code(Bundle::open(&json, &trust)), "opened");
    assert_eq!(code(Bundle::open_compiled(&json, &trust)), "opened");

    // Changed without a new hash: damaged.
    let changed = reparse(&json, |v| {
        inner(v, |f| f["rules"]["title"]["en"] = "Other".into())
    });
    assert_eq!(
        code(Bundle::open_compiled(&changed, &trust)),
        "bundle::hash-mismatch"
    );
    // Changed and re-hashed: the signature was made for other content.
    let rehashed = reparse(&json, |v| {
        inner(v, |f| f["rules"]["title"]["en"] = "Other".into());
        rehash(v);
    });
    assert_eq!(
        code(Bundle::open_compiled(&rehashed, &trust)),
        "bundle::tampered"
    );
    assert_eq!(code(Bundle::open(&rehashed, &trust)), "bundle::tampered");
    // Another set's compiled form, re-hashed: the same.
    let other = with_compiled(&small("obs.a == false")).to_json();
    let other: Value = serde_json::from_str(&other).expect("json");
    let swapped = reparse(&json, |v| {
        v["compiled"] = other["compiled"].clone();
        rehash(v);
    });
    assert_eq!(
        code(Bundle::open_compiled(&swapped, &trust)),
        "bundle::tampered"
    );
    // Stripped (as format 1): the signature covers a compiled form no longer there.
    let stripped = reparse(&json, |v| {
        let o = v.as_object_mut().expect("object");
        o.remove("compiled");
        o.remove("compiled_sha256");
        o["herken_bundle"] = 1.into();
    });
    assert_ne!(code(Bundle::open(&stripped, &trust)), "opened");
    // Added to a bundle signed without one.
    let mut files_only = Bundle::new("test-set", "1.0.0", &small("obs.a"));
    files_only.sign(&key);
    let added = reparse(&files_only.to_json(), |v| {
        v["compiled"] = other["compiled"].clone();
        v["herken_bundle"] = 2.into();
        rehash(v);
    });
    // (the signature names format 1: made for another bundle)
    assert_eq!(
        code(Bundle::open_compiled(&added, &trust)),
        "bundle::signature-moved"
    );
    assert_eq!(
        code(Bundle::open(&added, &trust)),
        "bundle::signature-moved"
    );
    // The same, claiming format 1 still: a format 1 bundle has no compiled form.
    let added_as_1 = reparse(&files_only.to_json(), |v| {
        v["compiled"] = other["compiled"].clone();
        rehash(v);
    });
    assert_eq!(code(Bundle::open(&added_as_1, &trust)), "bundle::format");
    // Half of it: format 2 without the compiled form.
    let half = reparse(&json, |v| {
        v.as_object_mut().expect("object").remove("compiled");
    });
    assert_eq!(code(Bundle::open(&half, &trust)), "bundle::format");
}

#[test]
fn a_key_twice_in_the_compiled_form_is_refused() {
    let json = with_compiled(&small("obs.a")).to_json();
    for (what, from, to) in [
        (
            "a field of the form",
            "{\"format\":2,",
            "{\"format\":2,\"format\":2,",
        ),
        (
            "a language of a text",
            "\"title\":{\"en\":",
            "\"title\":{\"en\":\"Other\",\"en\":",
        ),
    ] {
        // Re-hashed: the key twice is what is refused, not the hash.
        let doubled = reparse(&json, |v| {
            let text = v["compiled"].as_str().expect("text").to_owned();
            assert!(text.contains(from), "{what}");
            v["compiled"] = Value::String(text.replacen(from, to, 1));
            rehash(v);
        });
        for open in [Bundle::open, Bundle::open_compiled] {
            let e = open(&doubled, &TrustPolicy::no_keys()).expect_err(what);
            assert_eq!(e.code().as_str(), "bundle::duplicate-key", "{what}: {e}");
            assert!(e.to_string().contains("line"), "{e}");
        }
    }
}

/// A change to a compiled form.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn a_compiled_form_pointing_outside_the_set_is_refused() {
    let json = with_compiled(&small("obs.a")).to_json();
    let edits: Vec<(&str, Edit)> = vec![
        (
            "a read",
            Box::new(|f| {
                f["rules"]["indicators"][0]["condition"] =
                    serde_json::json!({"native": {"Obs": 99}})
            }),
        ),
        (
            "a dimension",
            Box::new(|f| f["rules"]["indicators"][0]["dimension"] = 7.into()),
        ),
        (
            "an outcome",
            Box::new(|f| f["rules"]["decision"][0]["outcome"] = 5.into()),
        ),
        (
            "no outcomes",
            Box::new(|f| f["rules"]["outcomes"] = Value::Array(Vec::new())),
        ),
        (
            "a pattern",
            Box::new(|f| {
                f["rules"]["indicators"][0]["condition"] =
                    serde_json::json!({"native": {"Matches": [{"Obs": 0}, "(("]}})
            }),
        ),
        ("a format", Box::new(|f| f["format"] = 99.into())),
        ("an unknown field", Box::new(|f| f["extra"] = 1.into())),
    ];
    for (what, edit) in edits {
        let bad = reparse(&json, |v| {
            inner(v, edit);
            rehash(v);
        });
        let e = Bundle::open_compiled(&bad, &TrustPolicy::no_keys()).expect_err(what);
        assert_eq!(e.code().as_str(), "bundle::format", "{what}: {e}");
    }
}

/// A compiled form whose script does not compile, whose `scripted` list does not name its
/// scripts, whose library is over the caps or which lacks its script context (library and
/// patterns) is refused as damaged, naming no script text.
#[test]
fn a_damaged_script_in_the_compiled_form_is_refused() {
    let sources = Sources::new()
        .with(
            "ruleset.yaml",
            common::manifest()
                .question("a", "yesno")
                .script(
                    "looped",
                    &["a"],
                    "let n = 0;\nfor i in 0..2 { n += 1; }\nobs.a == true && n == 2",
                )
                .build(),
        )
        .with("lib.rhai", "fn f(x) { x }\n");
    let json = with_compiled(&sources).to_json();
    let edit = |change: &dyn Fn(&mut Value)| {
        reparse(&json, |v| {
            let mut form: Value =
                serde_json::from_str(v["compiled"].as_str().expect("text")).expect("form");
            change(&mut form);
            v["compiled"] = Value::String(serde_json::to_string(&form).expect("json"));
            rehash(v);
        })
    };
    let broken = edit(&|f| {
        f["rules"]["indicators"][0]["condition"]["script"]["source"] = "let = secret_text(".into();
    });
    let unnamed = edit(&|f| f["scripted"] = serde_json::json!([]));
    let huge = edit(&|f| {
        f["scripts"]["library"] = serde_json::json!([["big.rhai", "x".repeat(2 * 1024 * 1024)]]);
    });
    let contextless = edit(&|f| {
        f.as_object_mut().expect("form").remove("scripts");
    });
    for (what, damaged) in [
        ("broken", broken),
        ("unnamed", unnamed),
        ("huge", huge),
        ("without its script context", contextless),
    ] {
        let e =
            Bundle::open_compiled_with_scripts(&damaged, &TrustPolicy::no_keys()).expect_err(what);
        assert_eq!(e.code().as_str(), "bundle::format", "{what}: {e}");
        assert!(!e.to_string().contains("secret_text"), "{what}: {e}");
    }
}
