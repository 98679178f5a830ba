//! The README's Quick start and Batch sections run as written: every command line of their
//! code blocks, through `sh`, in a copy of the repository's `examples/` and `rules/`, with the
//! built `herken` first on PATH (what `cargo install --path cli --locked` gives).

use std::path::Path;
use std::process::Command;

use crate::util::{Temp, repo};

/// The command lines of the code blocks in the README section headed `heading`, without
/// their trailing `# comments`.
fn commands(readme: &str, heading: &str) -> Vec<String> {
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("README has a section `{heading}`"));
    let mut lines = Vec::new();
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block && !line.trim().is_empty() {
            let command = line.split("  #").next().unwrap_or(line).trim();
            lines.push(command.to_owned());
        }
    }
    lines
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn the_quick_start_and_batch_commands_run_as_written() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("README.md");
    let dir = Temp::new("readme");
    for folder in ["examples", "rules"] {
        copy_dir(Path::new(&repo(folder)), &dir.path(folder));
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_herken"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut ran = 0;
    for section in ["Quick start", "Batch scoring for researchers"] {
        let lines = commands(&readme, section);
        assert!(!lines.is_empty(), "{section}: no commands");
        for line in lines {
            if line.starts_with("cargo ") {
                // Building and installing is what this test stands for: the binary it runs is
                // the one cargo built; the README must install it on PATH.
                assert_eq!(line, "cargo install --path cli --locked", "{section}");
                continue;
            }
            assert!(line.starts_with("herken "), "{section}: `{line}`");
            let out = Command::new("sh")
                .arg("-c")
                .arg(&line)
                .current_dir(dir.path(""))
                .env("PATH", &path)
                .output()
                .expect("sh runs");
            assert!(
                out.status.success(),
                "{section}: `{line}` failed ({}):\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 15, "{ran} commands ran");
    // What the commands were meant to produce is there.
    for file in [
        "ilo.bundle.json",
        "form.xlsx",
        "results.csv",
        "summary.json",
        "rules/my-set/ruleset.yaml",
    ] {
        assert!(dir.path(file).is_file(), "{file}");
    }
}
