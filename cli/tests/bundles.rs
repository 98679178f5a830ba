//! Bundle files on every command that takes `--rules`, `--trusted-key`, and `herken verify`:
//! a signed bundle works wherever a rule-set folder does, and every kind of tampering is
//! refused with its own code.

use herken_engine::Sources;
use serde_json::Value;

use crate::util::{Run, Temp, repo, run};

const SET: &str = "ilo-2009-adult-labour";
const OTHER_SET: &str = "ilo-2009-child-labour";

/// A publisher's key pair and two bundles of `SET` (signed and unsigned) in a fresh folder.
struct Published {
    dir: Temp,
    /// The publisher's public key file.
    key: String,
    /// Another publisher's public key file.
    other_key: String,
    signed: String,
}

impl Published {
    fn new(name: &str) -> Self {
        let dir = Temp::new(name);
        let secret = dir.arg("publisher.key");
        assert_eq!(run(&["keygen", "-o", &secret]).code, 0);
        let other = dir.arg("other.key");
        assert_eq!(run(&["keygen", "-o", &other]).code, 0);
        let signed = dir.arg("set.bundle.json");
        let made = run(&["bundle", SET, "--sign-key", &secret, "-o", &signed]);
        assert_eq!(made.code, 0, "{}", made.stderr);
        Self {
            key: format!("{secret}.pub"),
            other_key: format!("{other}.pub"),
            signed,
            dir,
        }
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.dir.read("set.bundle.json")).expect("bundle JSON")
    }

    /// Writes a variant of the bundle, returns its path.
    fn variant(&self, name: &str, bundle: &Value) -> String {
        self.dir.write(name, bundle.to_string())
    }
}

/// The content hash a bundle's files give (what a tamperer recomputes).
fn rehash(bundle: &mut Value) {
    let mut sources = Sources::new();
    for (path, text) in bundle["files"].as_object().expect("files") {
        sources
            .files
            .insert(path.clone(), text.as_str().expect("text").to_owned());
    }
    bundle["sha256"] = sources.sha256().into();
}

fn case(dir: &Temp) -> String {
    dir.write("case.json", r#"{"deceived_about_job": true}"#)
}

/// Asserts a refusal: exit code 2, one line naming the bundle and the code.
fn assert_refused(r: &Run, path: &str, code: &str) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout_text());
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    assert!(r.stderr.contains(path), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("error[{code}]")),
        "{code}: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn a_signed_bundle_works_in_every_command_with_its_trusted_key() {
    let p = Published::new("signed-everywhere");
    let case = case(&p.dir);
    let key = p.key.as_str();
    let bundle = p.signed.as_str();

    let folder = run(&["screen", "--format", "json", "--rules", SET, &case]);
    let screened = run(&[
        "screen",
        "--format",
        "json",
        "--rules",
        bundle,
        "--trusted-key",
        key,
        &case,
    ]);
    assert_eq!(screened.code, 0, "{}", screened.stderr);
    assert_eq!(
        screened.stdout, folder.stdout,
        "the same report as the set itself"
    );

    let tests = repo(&format!("rules/{SET}/tests"));
    let tested = run(&["test", bundle, "--tests", &tests, "--trusted-key", key]);
    assert_eq!(tested.code, 0, "{}", tested.stderr);
    let said = tested.stdout_text();
    assert!(said.contains("a trusted key"), "{said}");
    assert!(!said.contains("FAIL"), "{said}");
    // A bundle carries no tests: `test` says where to give them rather than passing nothing.
    let r = run(&["test", bundle, "--trusted-key", key]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--tests"), "{}", r.stderr);

    let input = p
        .dir
        .write("cases.csv", "deceived_about_job\ntrue\nfalse\n");
    let from_folder = run(&["batch", &input, "--rules", SET]);
    let batch = run(&["batch", &input, "--rules", bundle, "--trusted-key", key]);
    assert_eq!(batch.code, 0, "{}", batch.stderr);
    assert_eq!(batch.stdout, from_folder.stdout);

    let check = run(&["check", bundle, "--trusted-key", key]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    for args in [
        vec!["questions", bundle, "--trusted-key", key],
        vec!["schema", bundle, "--trusted-key", key],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(!r.stdout.is_empty(), "{args:?}");
    }
    let xlsx = p.dir.arg("form.xlsx");
    let r = run(&["xlsform", bundle, "-o", &xlsx, "--trusted-key", key]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(p.dir.path("form.xlsx").is_file());

    // Without keys a signed bundle loads too (its signature still has to hold).
    assert_eq!(run(&["screen", "--rules", bundle, &case]).code, 0);
}

#[test]
fn trusted_keys_fail_closed() {
    let p = Published::new("fail-closed");
    let case = case(&p.dir);
    // Signed, but by a key nobody trusts here.
    let r = run(&[
        "screen",
        "--rules",
        &p.signed,
        "--trusted-key",
        &p.other_key,
        &case,
    ]);
    assert_refused(&r, &p.signed, "bundle::untrusted-key");
    // An unsigned bundle, a folder and a bundled id are all unsigned.
    let unsigned = p.dir.arg("unsigned.bundle.json");
    assert_eq!(run(&["bundle", SET, "-o", &unsigned]).code, 0);
    for rules in [unsigned.as_str(), SET, &repo(&format!("rules/{SET}"))] {
        for args in [
            vec!["screen", "--rules", rules, "--trusted-key", &p.key, &case],
            vec!["check", rules, "--trusted-key", &p.key],
        ] {
            assert_refused(&run(&args), rules, "bundle::unsigned");
        }
    }
    // A key file that holds no public key is an input error naming the file.
    let secret = p.key.trim_end_matches(".pub").to_owned();
    let r = run(&[
        "screen",
        "--rules",
        &p.signed,
        "--trusted-key",
        &secret,
        &case,
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("publisher.key`") && r.stderr.contains("secret key"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_tampering_is_refused_with_its_own_code() {
    let p = Published::new("tampering");
    let case = case(&p.dir);
    let original = p.json();

    // The content changed and its hash recomputed, the signature kept.
    let mut tampered = original.clone();
    let manifest = tampered["files"]["ruleset.yaml"]
        .as_str()
        .expect("manifest")
        .to_owned()
        + "\n# changed after signing\n";
    tampered["files"]["ruleset.yaml"] = manifest.into();
    rehash(&mut tampered);
    // Another key put in place of the signer's: the signature no longer verifies.
    let mut swapped = original.clone();
    let other = std::fs::read_to_string(&p.other_key).expect("other key");
    let other_hex = herken_engine::PublicKey::from_text(&other)
        .expect("a key")
        .to_hex();
    swapped["signature"]["key"] = other_hex.into();
    // The signature taken away.
    let mut stripped = original.clone();
    stripped
        .as_object_mut()
        .expect("object")
        .remove("signature");
    // Another set's bundle carrying this signature.
    let made = run(&["bundle", OTHER_SET]);
    let mut moved: Value = serde_json::from_slice(&made.stdout).expect("bundle");
    moved["signature"] = original["signature"].clone();
    // Not a signature at all.
    let mut garbage = original.clone();
    garbage["signature"] = "zz".into();
    let mut garbage_value = original.clone();
    garbage_value["signature"]["value"] = "zz".into();

    for (name, bundle, with_key, without_key) in [
        (
            "tampered",
            &tampered,
            "bundle::tampered",
            "bundle::tampered",
        ),
        (
            "swapped",
            &swapped,
            "bundle::signature-invalid",
            "bundle::signature-invalid",
        ),
        ("stripped", &stripped, "bundle::unsigned", ""),
        (
            "moved",
            &moved,
            "bundle::signature-moved",
            "bundle::signature-moved",
        ),
        (
            "garbage",
            &garbage,
            "bundle::signature-malformed",
            "bundle::signature-malformed",
        ),
        (
            "garbage-value",
            &garbage_value,
            "bundle::signature-malformed",
            "bundle::signature-malformed",
        ),
    ] {
        let path = p.variant(&format!("{name}.bundle.json"), bundle);
        let r = run(&["screen", "--rules", &path, "--trusted-key", &p.key, &case]);
        assert_refused(&r, &path, with_key);
        let r = run(&["batch", &case, "--rules", &path, "--trusted-key", &p.key]);
        assert_refused(&r, &path, with_key);
        // A bundle that claims a signature carries a valid one, keys or not.
        let r = run(&["screen", "--rules", &path, &case]);
        if without_key.is_empty() {
            assert_eq!(r.code, 0, "{name}: an unsigned bundle loads without keys");
        } else {
            assert_refused(&r, &path, without_key);
        }
        // `verify` names the same code, in both formats, exit code 1.
        let v = run(&["verify", &path, "--trusted-key", &p.key]);
        assert_eq!(v.code, 1, "{name}: {}", v.stderr);
        assert!(v.stdout_text().contains("REFUSED"), "{}", v.stdout_text());
        assert!(
            v.stdout_text().contains(&format!("error[{with_key}]")),
            "{name}: {}",
            v.stdout_text()
        );
        let v = run(&["verify", &path, "--trusted-key", &p.key, "--format", "json"]);
        let json: Value = serde_json::from_slice(&v.stdout).expect("JSON");
        assert_eq!(json["ok"], false);
        assert_eq!(json["error"]["code"], with_key, "{name}");
    }
}

#[test]
fn verify_says_what_a_bundle_is_and_who_signed_it() {
    let p = Published::new("verify");
    let fingerprint = {
        let text = std::fs::read_to_string(&p.key).expect("key");
        herken_engine::PublicKey::from_text(&text)
            .expect("a key")
            .fingerprint()
    };
    let trusted = run(&["verify", &p.signed, "--trusted-key", &p.key]);
    assert_eq!(trusted.code, 0, "{}", trusted.stderr);
    let text = trusted.stdout_text();
    for needle in [
        "ok, signed by a trusted key",
        SET,
        "herken bundle 2",
        "matches the content",
        &fingerprint,
    ] {
        assert!(text.contains(needle), "`{needle}` in {text}");
    }
    // Without keys: valid, but nothing vouches for the signer.
    let signed = run(&["verify", &p.signed, "--format", "json"]);
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let json: Value = serde_json::from_slice(&signed.stdout).expect("JSON");
    assert_eq!(json["ok"], true);
    assert_eq!(json["id"], SET);
    assert_eq!(json["format"], 2);
    assert_eq!(json["content_hash_ok"], true);
    assert_eq!(json["signature"]["state"], "signed");
    assert_eq!(json["signature"]["fingerprint"], fingerprint.as_str());
    assert_eq!(json["trusted"], false);
    // The compiled form is what this herken writes from the files, and the lean module opens it.
    assert_eq!(json["compiled_form"]["present"], true);
    assert_eq!(json["compiled_form"]["matches_rule_files"], true);
    assert_eq!(json["compiled_form"]["lean_module"], true);
    assert_eq!(json["compiled_form"]["lean_module_error"], Value::Null);
    assert_eq!(json["compiled_form"]["full_module"], true);
    for needle in [
        "compiled   matches the rule files",
        "the lean module opens it",
    ] {
        assert!(text.contains(needle), "`{needle}` in {text}");
    }
    // A bundle of format 1 (no compiled form) opens in the CLI, in neither browser module.
    let mut old = p.json();
    old.as_object_mut().expect("object").remove("compiled");
    old.as_object_mut()
        .expect("object")
        .remove("compiled_sha256");
    old.as_object_mut().expect("object").remove("signature");
    old["herken_bundle"] = 1.into();
    let path = p.variant("format-1.bundle.json", &old);
    let v = run(&["verify", &path, "--format", "json"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    let json: Value = serde_json::from_slice(&v.stdout).expect("JSON");
    assert_eq!(json["compiled_form"]["present"], false);
    assert_eq!(json["compiled_form"]["lean_module"], false);
    assert_eq!(json["compiled_form"]["full_module"], false);
    let v = run(&["verify", &path]);
    assert!(
        v.stdout_text().contains("browser    neither module")
            && v.stdout_text().contains("`herken bundle`"),
        "{}",
        v.stdout_text()
    );
    // A damaged content hash is reported as such; unreadable input is exit code 2.
    let mut damaged = p.json();
    damaged["files"]["ruleset.yaml"] = "id: other\n".into();
    let path = p.variant("damaged.bundle.json", &damaged);
    let v = run(&["verify", &path, "--format", "json"]);
    assert_eq!(v.code, 1);
    let json: Value = serde_json::from_slice(&v.stdout).expect("JSON");
    assert_eq!(json["content_hash_ok"], false);
    assert_eq!(json["error"]["code"], "bundle::hash-mismatch");
    assert_eq!(run(&["verify", &p.dir.arg("missing.bundle.json")]).code, 2);
}

/// A set with a condition that stays a script: `verify` says the lean module refuses it, and why.
#[test]
fn verify_names_what_keeps_a_bundle_from_the_lean_module() {
    let dir = Temp::new("verify-scripted");
    let set = dir.arg("scripted");
    assert_eq!(run(&["new", &set]).code, 0);
    let manifest = std::path::Path::new(&set).join("ruleset.yaml");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let scripted = text.replacen(
        "    when: obs.passport_held_by_other\n",
        "    reads: [passport_held_by_other]\n    when: |\n      let n = 0;\n      for i in 0..2 { n += 1; }\n      obs.passport_held_by_other == true && n == 2\n",
        1,
    );
    assert_ne!(scripted, text, "the template's condition");
    std::fs::write(&manifest, scripted).expect("write");
    let bundle = dir.arg("scripted.bundle.json");
    let made = run(&["bundle", &set, "-o", &bundle]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let v = run(&["verify", &bundle, "--format", "json"]);
    assert_eq!(v.code, 0, "{}", v.stderr);
    let json: Value = serde_json::from_slice(&v.stdout).expect("JSON");
    let form = &json["compiled_form"];
    assert_eq!(form["present"], true);
    assert_eq!(form["matches_rule_files"], true);
    assert_eq!(form["lean_module"], false);
    assert_eq!(
        form["lean_module_error"]["code"],
        "bundle::needs-full-module"
    );
    assert_eq!(form["full_module"], true);
    assert_eq!(form["full_module_error"], Value::Null);
    let message = form["lean_module_error"]["message"]
        .as_str()
        .expect("message");
    assert!(
        message.contains("indicator `documents_withheld`"),
        "{message}"
    );
    let human = run(&["verify", &bundle]).stdout_text();
    assert!(
        human.contains("browser    full module only: error[bundle::needs-full-module]"),
        "{human}"
    );
}

#[test]
fn a_file_that_is_no_bundle_says_what_a_rule_set_is() {
    let dir = Temp::new("not-a-bundle");
    let yaml = dir.write("ruleset.yaml", "id: x\n");
    let case = case(&dir);
    let r = run(&["screen", "--rules", &yaml, &case]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("give the folder"), "{}", r.stderr);
    let json = dir.write("x.bundle.json", "{\"herken_bundle\": 1,");
    let r = run(&["screen", "--rules", &json, &case]);
    assert_refused(&r, &json, "bundle::format");
}
