//! Finding and reading rule sets: a folder on disk or a bundled set by id.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use herken_engine::{CompiledRuleSet, Diagnostic, MANIFEST_FILE, Sources, load};

use crate::error::CliError;
use crate::render;

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The bundled set used when `--rules` is not given.
pub const DEFAULT_RULES: &str = "ilo-2009-adult-labour";

/// A rule set's files as read, before loading.
#[derive(Debug)]
pub struct RuleSetFiles {
    /// How the user named it (a path or a bundled id).
    pub name: String,
    /// The folder, for rule sets on disk (diagnostics show paths under it).
    pub dir: Option<PathBuf>,
    pub sources: Sources,
    /// `tests/*.yaml`, by path relative to the rule-set folder.
    pub tests: BTreeMap<String, String>,
}

impl RuleSetFiles {
    /// The path to show for a file of this rule set.
    pub fn display_path(&self, file: &str) -> String {
        match &self.dir {
            Some(dir) => dir.join(file).display().to_string(),
            None => format!("<bundled {}>/{file}", self.name),
        }
    }

    /// The text of a file, for quoting source lines in diagnostics.
    pub fn text(&self, file: &str) -> Option<&str> {
        self.sources
            .files
            .get(file)
            .or_else(|| self.tests.get(file))
            .map(String::as_str)
    }
}

/// Ids of the bundled rule sets.
pub fn bundled_ids() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|(id, _)| *id)
}

/// Finds a rule set: an existing folder, else a bundled id.
pub fn find(spec: &str) -> Result<RuleSetFiles, CliError> {
    let path = Path::new(spec);
    if path.is_dir() {
        return read_dir(spec, path);
    }
    if path.exists() {
        return Err(CliError::usage(format!(
            "`{spec}` is a file; a rule set is a folder with `{MANIFEST_FILE}` (or a bundled id)"
        )));
    }
    if let Some((id, files)) = BUNDLED.iter().find(|(id, _)| *id == spec) {
        let mut sources = Sources::new();
        let mut tests = BTreeMap::new();
        for (rel, text) in files.iter() {
            if rel.starts_with("tests/") {
                tests.insert((*rel).to_owned(), (*text).to_owned());
            } else {
                sources.files.insert((*rel).to_owned(), (*text).to_owned());
            }
        }
        return Ok(RuleSetFiles {
            name: (*id).to_owned(),
            dir: None,
            sources,
            tests,
        });
    }
    let bundled: Vec<_> = bundled_ids().collect();
    Err(CliError::usage(format!(
        "no rule set `{spec}`: not a folder and not a bundled set (bundled: {})",
        bundled.join(", ")
    )))
}

fn read_dir(spec: &str, dir: &Path) -> Result<RuleSetFiles, CliError> {
    let manifest = dir.join(MANIFEST_FILE);
    if !manifest.is_file() {
        return Err(CliError::usage(format!(
            "`{}` has no `{MANIFEST_FILE}`",
            dir.display()
        )));
    }
    let mut sources = Sources::new();
    sources
        .files
        .insert(MANIFEST_FILE.to_owned(), read_text(&manifest)?);
    for entry in list(dir)? {
        let name = entry
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if entry.is_file() && name.ends_with(".rhai") {
            sources.files.insert(name, read_text(&entry)?);
        }
    }
    let mut tests = BTreeMap::new();
    let tests_dir = dir.join("tests");
    if tests_dir.is_dir() {
        for entry in list(&tests_dir)? {
            let name = entry
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if entry.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                tests.insert(format!("tests/{name}"), read_text(&entry)?);
            }
        }
    }
    Ok(RuleSetFiles {
        name: spec.to_owned(),
        dir: Some(dir.to_path_buf()),
        sources,
        tests,
    })
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let entries = fs::read_dir(dir)
        .map_err(|e| CliError::io(format_args!("cannot read `{}`", dir.display()), &e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    Ok(paths)
}

/// Reads a UTF-8 text file, naming it in every error.
pub fn read_text(path: &Path) -> Result<String, CliError> {
    let bytes = fs::read(path)
        .map_err(|e| CliError::io(format_args!("cannot read `{}`", path.display()), &e))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        CliError::input(format!(
            "`{}` is not valid UTF-8 (at byte {at})",
            path.display()
        ))
    })
}

/// Loads a rule set; on errors prints every diagnostic to `err` and fails with exit code 2.
pub fn compile(
    files: &RuleSetFiles,
    err: &mut dyn std::io::Write,
) -> Result<CompiledRuleSet, CliError> {
    match load(&files.sources) {
        Ok(loaded) => Ok(loaded.rules),
        Err(diagnostics) => {
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            render::diagnostics(
                err,
                files,
                &diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .cloned()
                    .collect::<Vec<Diagnostic>>(),
            )?;
            Err(CliError::input(format!(
                "rule set `{}` has {errors} error{}; run `herken check {}` for details",
                files.name,
                if errors == 1 { "" } else { "s" },
                files.name
            )))
        }
    }
}
