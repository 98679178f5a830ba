//! Diagnostics: every problem with a rule set, with its place and a stable code.

use std::fmt;

use serde::Serialize;

use crate::codes::Code;

/// A place in a rule-set file: file name relative to the rule-set folder, 1-based line and
/// column (columns count characters).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct Span {
    /// The file, relative to the rule-set folder (`ruleset.yaml`, `tests/cases.yaml`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Span {
    /// A place; line and column 0 count as 1.
    pub fn new(file: &str, line: u32, column: u32) -> Self {
        Self {
            file: file.to_owned(),
            line: line.max(1),
            column: column.max(1),
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Maps a (line, column) inside a scalar's text to a place in the file.
///
/// A bundle's compiled form carries it with each scripted condition, so that a runtime error
/// is placed in the rule file also where the YAML is not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub(crate) struct TextOrigin {
    /// Where the text starts (its first line's first character).
    pub(crate) line: u32,
    pub(crate) column: u32,
    /// The indentation of a block scalar's lines, which the text leaves out.
    pub(crate) block_indent: Option<u32>,
    /// Whether lines and columns inside the text map exactly (not so in a folded scalar).
    pub(crate) exact: bool,
}

impl TextOrigin {
    pub(crate) fn at(span: &Span) -> Self {
        Self {
            line: span.line,
            column: span.column,
            block_indent: None,
            exact: true,
        }
    }

    /// The file position of 1-based `line`, `column` within the scalar's text.
    pub(crate) fn locate(&self, line: u32, column: u32) -> (u32, u32) {
        if !self.exact {
            return (self.line, self.column);
        }
        let line = line.max(1);
        let column = column.max(1);
        match self.block_indent {
            Some(indent) => (self.line + line - 1, indent + column),
            None if line == 1 => (self.line, self.column + column - 1),
            // A multi-line flow scalar: later lines' indentation is unknown here.
            None => (self.line + line - 1, column),
        }
    }
}

/// How serious a diagnostic is: errors stop a rule set from loading, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule set cannot be used.
    Error,
    /// The rule set loads, but something is likely wrong.
    Warning,
}

/// One problem: a stable code (`load::unknown-key`), a lowercase message with user input in
/// backticks, the place, and optional help saying how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// What is wrong: lowercase, user input in backticks.
    pub message: String,
    /// Where.
    #[serde(flatten)]
    pub span: Span,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    /// A warning.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    /// With help saying how to fix it.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether it stops the rule set from loading.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {level}[{}]: {}", self.span, self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// The nearest of `candidates` to `word`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// "did you mean `x`?" help text for a misspelt name, if one is close.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(word, candidates).map(|s| format!("did you mean `{s}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["strength", "dimension", "label"];
        assert_eq!(suggest("strenght", names), Some("strength"));
        assert_eq!(suggest("colour", names), None);
    }
}
