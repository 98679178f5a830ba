//! Helpers: running the binary, temporary folders, reading CSV output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// What a run of `herken` gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

pub fn herken() -> Command {
    Command::new(env!("CARGO_BIN_EXE_herken"))
}

/// Runs `herken args…` with `stdin` as standard input.
pub fn run_with(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = herken()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herken starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("herken runs");
    let _ = writer.join();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn run(args: &[&str]) -> Run {
    run_with(args, b"")
}

/// A folder removed when dropped.
#[derive(Debug)]
pub struct Temp(PathBuf);

impl Temp {
    pub fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "herken-test-{}-{name}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp folder");
        Self(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }

    /// The path of `file` as a string argument.
    pub fn arg(&self, file: &str) -> String {
        self.path(file).display().to_string()
    }

    pub fn write(&self, file: &str, bytes: impl AsRef<[u8]>) -> String {
        std::fs::write(self.path(file), bytes).expect("write test file");
        self.arg(file)
    }

    pub fn read(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.path(file)).expect("read test file")
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The repository root (for `rules/…`).
pub fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
        .display()
        .to_string()
}

/// Splits CSV text into records of fields (RFC 4180 quoting; fields hold no line breaks).
pub fn csv(text: &str) -> Vec<Vec<String>> {
    text.lines().map(csv_line).collect()
}

pub fn csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (false, '"') if field.is_empty() => quoted = true,
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (_, c) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Output CSV as maps from column name to value, one per row.
pub fn csv_maps(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut rows = csv(text).into_iter();
    let header = rows.next().expect("a header row");
    rows.map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// `field` split on `;` (empty → no items).
pub fn list(field: &str) -> Vec<&str> {
    field.split(';').filter(|s| !s.is_empty()).collect()
}
