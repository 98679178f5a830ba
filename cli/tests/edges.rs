//! Edges of the command line: closed pipes, unreadable and damaged input files, missing rule
//! sets, and bundle signing keys. Every input problem is one line on standard error, exit code
//! 2, never a panic or a backtrace.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

fn herken() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_herken"));
    // A panic would print a backtrace: the tests must see it if one happens.
    command.env("RUST_BACKTRACE", "1");
    command
}

/// A fresh folder under the target directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "edges-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Self(dir)
    }

    fn write(&self, file: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.0.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("folder");
        }
        std::fs::write(&path, bytes).expect("write");
        path.display().to_string()
    }

    fn path(&self, file: &str) -> String {
        self.0.join(file).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    herken()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("herken runs")
}

/// Asserts `output` is an input error: exit code 2, nothing on standard output, and exactly
/// one line on standard error that mentions `needle`, without a panic.
fn assert_one_line_error(output: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "stdout: {:?}", output.stdout);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("herken: "), "{stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
}

const CASE: &str = r#"{"deceived_about_job": true}"#;

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = Scratch::new("pipe");
    let case = dir.write("case.json", CASE);
    for args in [
        vec!["screen", "--format", "json", case.as_str()],
        vec!["screen", case.as_str()],
        vec!["bundle", "ilo-2009-adult-labour"],
        vec!["list"],
    ] {
        // `herken … | head -c1`: read one byte, then close the pipe while output remains.
        let mut child = herken()
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("herken starts");
        let mut stdout = child.stdout.take().expect("piped");
        let mut first = [0u8; 1];
        let _ = stdout.read(&mut first);
        drop(stdout);
        let output = child.wait_with_output().expect("herken ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

#[test]
fn a_pipe_closed_before_any_output_is_not_an_error() {
    let mut child = herken()
        .args(["bundle", "ilo-2009-adult-labour"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herken starts");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("herken ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_folder_given_as_the_case_is_an_input_error() {
    let dir = Scratch::new("folder");
    dir.write("sub/file.txt", "x");
    let output = run(&["screen", &dir.path("sub")]);
    assert_one_line_error(&output, "folder");
}

#[test]
fn a_case_file_that_cannot_be_read_is_an_input_error() {
    let dir = Scratch::new("unreadable");
    let missing = dir.path("missing.json");
    assert_one_line_error(&run(&["screen", &missing]), "cannot read");

    let locked = dir.write("locked.json", CASE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    }
    // Root reads files whatever their mode; then this case is the missing file above again.
    if std::fs::read(&locked).is_err() {
        assert_one_line_error(&run(&["screen", &locked]), "cannot read");
    }
}

#[test]
fn invalid_utf8_in_a_case_is_an_input_error() {
    let dir = Scratch::new("utf8-case");
    let case = dir.write("case.json", b"{\"deceived_about_job\": \"ja\xff\xfe\"}");
    assert_one_line_error(&run(&["screen", &case]), "UTF-8");

    let mut child = herken()
        .args(["screen", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herken starts");
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(b"{\"a\": \"\xc3\x28\"}").expect("write");
    drop(stdin);
    let output = child.wait_with_output().expect("herken ends");
    assert_one_line_error(&output, "UTF-8");
}

#[test]
fn invalid_utf8_in_a_rule_set_is_an_input_error() {
    let dir = Scratch::new("utf8-rules");
    let mut manifest = b"format: 1\nid: broken\ntitle: {en: \"Br".to_vec();
    manifest.extend_from_slice(&[0xc0, 0xaf, 0xff]);
    manifest.extend_from_slice(b"oken\"}\n");
    dir.write("broken/ruleset.yaml", &manifest);
    let case = dir.write("case.json", "{}");
    let rules = dir.path("broken");
    assert_one_line_error(&run(&["screen", "--rules", &rules, &case]), "UTF-8");
    assert_one_line_error(&run(&["check", &rules]), "UTF-8");

    // A library file of the set, too.
    let good = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/ilo-2009-adult-labour/ruleset.yaml"),
    )
    .expect("the bundled set");
    dir.write("lib/ruleset.yaml", good);
    dir.write("lib/helpers.rhai", b"fn f() { \"\xff\" }\n");
    let rules = dir.path("lib");
    assert_one_line_error(&run(&["screen", "--rules", &rules, &case]), "UTF-8");
}

#[test]
fn a_missing_rule_set_is_an_input_error() {
    let dir = Scratch::new("missing-rules");
    let case = dir.write("case.json", "{}");
    let nowhere = dir.path("no-such-set");
    assert_one_line_error(&run(&["screen", "--rules", &nowhere, &case]), "no rule set");
    assert_one_line_error(&run(&["check", &nowhere]), "no rule set");
    // A folder without a manifest.
    dir.write("empty/README.md", "nothing here");
    assert_one_line_error(
        &run(&["screen", "--rules", &dir.path("empty"), &case]),
        "ruleset.yaml",
    );
}

#[test]
fn keygen_and_a_signed_bundle_verify_with_the_public_key() {
    use herken_engine::{Bundle, PublicKey, SignatureState, TrustPolicy};

    let dir = Scratch::new("keys");
    let key = dir.path("publisher.key");
    let output = run(&["keygen", "-o", &key]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    // Never overwrite a key by accident.
    assert_one_line_error(&run(&["keygen", "-o", &key]), "exists");

    let bundle = dir.path("set.bundle.json");
    let output = run(&[
        "bundle",
        "ilo-2009-adult-labour",
        "--sign-key",
        &key,
        "-o",
        &bundle,
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    let json = std::fs::read_to_string(&bundle).expect("the bundle");
    let public = std::fs::read_to_string(format!("{key}.pub")).expect("the public key");
    let public = PublicKey::from_text(&public).expect("a public key");
    let trusted = TrustPolicy::trusting([public]);
    let opened = Bundle::open(&json, &trusted).expect("opens with its key");
    assert_eq!(opened.signature, SignatureState::Trusted(public));
    // keygen and bundle both name the key by its fingerprint.
    assert!(said.contains(&public.fingerprint()), "{said}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&public.fingerprint()),
        "{output:?}"
    );

    // Another key does not vouch for it, and an unsigned bundle is refused when keys are given.
    let other = dir.path("other.key");
    assert_eq!(run(&["keygen", "-o", &other]).status.code(), Some(0));
    let other = std::fs::read_to_string(format!("{other}.pub")).expect("the other key");
    let other = TrustPolicy::trusting([PublicKey::from_text(&other).expect("a key")]);
    let e = Bundle::open(&json, &other).expect_err("refused");
    assert_eq!(e.code(), "bundle::untrusted-key");
    let unsigned = run(&["bundle", "ilo-2009-adult-labour"]);
    let unsigned = String::from_utf8(unsigned.stdout).expect("UTF-8");
    let e = Bundle::open(&unsigned, &trusted).expect_err("refused");
    assert_eq!(e.code(), "bundle::unsigned");

    // The public key is no signing key, and the secret key is no trusted key.
    assert_one_line_error(
        &run(&[
            "bundle",
            "ilo-2009-adult-labour",
            "--sign-key",
            &format!("{key}.pub"),
        ]),
        "this is a public key",
    );
    let secret = std::fs::read_to_string(&key).expect("the secret key");
    assert!(PublicKey::from_text(&secret).is_err());
}

#[test]
fn a_damaged_signing_key_is_an_input_error() {
    let dir = Scratch::new("bad-key");
    let key = dir.write("bad.key", "not a key\n");
    assert_one_line_error(
        &run(&["bundle", "ilo-2009-adult-labour", "--sign-key", &key]),
        "not a secret key file",
    );
    let missing = dir.path("missing.key");
    assert_one_line_error(
        &run(&["bundle", "ilo-2009-adult-labour", "--sign-key", &missing]),
        "cannot read",
    );
}
