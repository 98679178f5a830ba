//! Output formats: [`Format`], the choice a command's `--format` makes, and rendering
//! diagnostics for people (`path:line:col`, the code, the source line with a caret under the
//! column, and help).

use std::io::Write;

use herken_engine::{Diagnostic, Severity};

use crate::ruleset::RuleSetFiles;

/// How a command writes its answer: for people, or as JSON for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Human,
    /// JSON (documented in the README; one shape whatever the input).
    Json,
}

/// Writes every diagnostic, then nothing else (the caller sums up).
pub fn diagnostics(
    out: &mut dyn Write,
    files: &RuleSetFiles,
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(out, "{level}[{}]: {}", d.code, d.message)?;
        let path = files.display_path(&d.span.file);
        writeln!(out, "  --> {path}:{}:{}", d.span.line, d.span.column)?;
        if let Some(line) = files
            .text(&d.span.file)
            .and_then(|t| t.lines().nth(d.span.line as usize - 1))
        {
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
