//! Rule-set sources: the text of a rule set's files, by path, as callers pass them in.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// The manifest's file name inside a rule-set folder.
pub const MANIFEST_FILE: &str = "ruleset.yaml";
/// Largest rule-set file accepted (manifests are tens of kilobytes).
pub(crate) const MAX_FILE_SIZE: usize = 4 * 1024 * 1024;
/// Most `*.rhai` library files in one rule set (real sets have a handful).
pub(crate) const MAX_LIBRARY_FILES: usize = 256;
/// Most bytes of `*.rhai` library text in one rule set, all files together.
pub(crate) const MAX_LIBRARY_SIZE: usize = 1024 * 1024;

/// The text of a rule set's files, by path relative to its folder (`ruleset.yaml`,
/// `lib.rhai`, …). Callers read them from disk or a bundle; the engine never does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// File text by path relative to the rule-set folder, with `/`.
    pub files: BTreeMap<String, String>,
}

impl Sources {
    /// No files yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; paths use `/`.
    #[must_use]
    pub fn with(mut self, path: impl Into<String>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }

    /// Whether a file takes part in the rule set's behaviour (and so in its hash).
    pub fn is_rule_file(path: &str) -> bool {
        path == MANIFEST_FILE || (path.ends_with(".rhai") && !path.contains('/'))
    }

    /// SHA-256 over the rule files, in path order, each framed by its path and length, so the
    /// same content always gives the same hash on every platform.
    pub fn sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, text) in self.files.iter().filter(|(p, _)| Self::is_rule_file(p)) {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
