//! Output formats in one place: [`Format`], the choice a command's `--format` makes; [`json`],
//! the typed JSON answers of the commands; the human report of `screen` ([`report`],
//! [`explain_tree`]); diagnostics for people (`path:line:col`, the code, the source line with a
//! caret under the column, and help); and the one escaping of control characters that every
//! human renderer writes through.

use std::borrow::Cow;
use std::io::{self, Write};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use herken_engine::{Diagnostic, Severity};

pub mod explain_tree;
pub mod json;
pub mod report;

/// How a command writes its answer. One list for every command; each accepts the formats that
/// make sense for it ([`Format::only`]), and `--help` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Readable text.
    Human,
    /// JSON for programs, typed in [`json`]; a command that can answer for several rule sets
    /// writes a list, whatever their number.
    Json,
    /// JUnit XML, for CI (`herken test`).
    Junit,
    /// Markdown (`herken explain`: the code reference).
    Markdown,
}

impl Format {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Json => "json",
            Self::Junit => "junit",
            Self::Markdown => "markdown",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::Human => "readable text",
            Self::Json => "JSON for programs",
            Self::Junit => "JUnit XML for CI",
            Self::Markdown => "Markdown",
        }
    }

    /// A `--format` value parser that accepts `allowed` only.
    pub fn only(allowed: &'static [Format]) -> impl TypedValueParser<Value = Format> {
        PossibleValuesParser::new(
            allowed
                .iter()
                .map(|f| PossibleValue::new(f.name()).help(f.help())),
        )
        .map(move |name| {
            // The parser has already refused every other name.
            allowed
                .iter()
                .copied()
                .find(|f| f.name() == name)
                .unwrap_or(Format::Human)
        })
    }
}

/// Where diagnostics point: the path to show for a file, and its text to quote lines from
/// (a rule set's files: `crate::ruleset::RuleSetFiles`).
pub trait Files {
    /// The path to show for `file` (a path relative to the rule set).
    fn display_path(&self, file: &str) -> String;
    /// The text of `file`, if it is one of these files.
    fn text(&self, file: &str) -> Option<&str>;
}

/// Writes every diagnostic, then nothing else (the caller sums up).
pub fn diagnostics(
    out: &mut dyn Write,
    files: &dyn Files,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    // Messages and source lines quote the rule set: a line may carry escape sequences.
    let mut out = Escaping::new(out);
    let out = &mut out;
    // Each file split into lines once: finding a line by scanning from the top for every
    // diagnostic made a set with thousands of warnings take seconds.
    let mut lines: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(out, "{level}[{}]: {}", d.code, d.message)?;
        let path = files.display_path(&d.span.file);
        writeln!(out, "  --> {path}:{}:{}", d.span.line, d.span.column)?;
        let file_lines = lines.entry(d.span.file.as_str()).or_insert_with(|| {
            files
                .text(&d.span.file)
                .map_or_else(Vec::new, |t| t.lines().collect())
        });
        if let Some(line) = file_lines.get((d.span.line as usize).wrapping_sub(1)) {
            let number = d.span.line.to_string();
            let pad = " ".repeat(number.len());
            writeln!(out, "{pad} |")?;
            writeln!(out, "{number} | {line}")?;
            let caret_at: String = line
                .chars()
                .take(d.span.column as usize - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(out, "{pad} | {caret_at}^")?;
        }
        if let Some(help) = &d.help {
            writeln!(out, "  = help: {help}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Whether a character must not reach a terminal raw: control characters (C0 but newline and
/// tab, DEL, C1 — escape sequences start with ESC or CSI) and the bidirectional controls that
/// reorder what is shown.
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text for a terminal: every control character written as `\u{…}`, so rule-set or case text
/// cannot move the cursor, recolour the terminal, set its title or hide what follows.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// A writer that passes text through [`escape`]: human renderers write through it, so no
/// field can be forgotten. Bytes that are not UTF-8 are written as `\x..`; a character split
/// across two writes is kept until it is whole.
pub struct Escaping<'w> {
    inner: &'w mut dyn Write,
    pending: Vec<u8>,
}

impl std::fmt::Debug for Escaping<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Escaping")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl<'w> Escaping<'w> {
    /// Escapes what is written before it reaches `inner`.
    pub fn new(inner: &'w mut dyn Write) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    fn drain(&mut self, at_end: bool) -> io::Result<()> {
        let mut rest: &[u8] = &self.pending;
        let mut text = String::new();
        loop {
            match std::str::from_utf8(rest) {
                Ok(valid) => {
                    text.push_str(&escape(valid));
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    text.push_str(&escape(std::str::from_utf8(valid).unwrap_or_default()));
                    match e.error_len() {
                        Some(n) => {
                            for b in &after[..n] {
                                text.push_str(&format!("\\x{b:02x}"));
                            }
                            rest = &after[n..];
                        }
                        None if at_end => {
                            for b in after {
                                text.push_str(&format!("\\x{b:02x}"));
                            }
                            rest = &[];
                            break;
                        }
                        None => {
                            rest = after;
                            break;
                        }
                    }
                }
            }
        }
        let kept = rest.to_vec();
        self.pending = kept;
        self.inner.write_all(text.as_bytes())
    }
}

impl Write for Escaping<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain(true)?;
        self.inner.flush()
    }
}

impl Drop for Escaping<'_> {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            let _ = self.drain(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(
            escape("plain, ünïcode\tand\nlines"),
            "plain, ünïcode\tand\nlines"
        );
        assert_eq!(escape("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(
            escape("over\rwrite \u{9b}2J \u{202e}txt"),
            "over\\u{d}write \\u{9b}2J \\u{202e}txt"
        );
    }

    #[test]
    fn the_writer_escapes_across_split_writes() {
        let mut buf = Vec::new();
        {
            let mut w = Escaping::new(&mut buf);
            // U+009B (CSI) is two bytes in UTF-8: split between writes.
            w.write_all(b"a\xc2").expect("write");
            w.write_all(b"\x9b1mb\xff\n").expect("write");
            w.write_all(b"\x1b]0;title\x07").expect("write");
        }
        assert_eq!(
            String::from_utf8(buf).expect("UTF-8"),
            "a\\u{9b}1mb\\xff\n\\u{1b}]0;title\\u{7}"
        );
    }
}
