//! `herken explain <code>`: what a diagnostic code means, why it matters, how to fix it; without
//! a code, every code. Everything comes from the engine's code registry (`herken_engine::codes`),
//! which every emitted code is a constant of, so nothing here can drift from what herken says.

use std::io::Write;

use herken_engine::{Code, CodeDoc, codes};

use crate::Format;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A code such as `load::unknown-key`; leave out to list every code.
    code: Option<String>,
    /// Output format.
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json, Format::Markdown]), default_value = "human")]
    format: Format,
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let chosen: Vec<Code> = match &args.code {
        None => codes::ALL.to_vec(),
        Some(code) => vec![find(code)?],
    };
    match args.format {
        Format::Json => {
            let items: Vec<_> = chosen.iter().map(|c| json(*c)).collect();
            let value = match (&args.code, items.as_slice()) {
                (Some(_), [one]) => one.clone(),
                _ => serde_json::Value::Array(items),
            };
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            )?;
        }
        Format::Markdown => markdown(out, &chosen)?,
        Format::Human if args.code.is_none() => {
            for c in &chosen {
                writeln!(out, "{:<32} {}", c.as_str(), c.doc().meaning)?;
            }
        }
        Format::Human | Format::Junit => {
            for c in &chosen {
                let d = c.doc();
                writeln!(out, "{}", d.code)?;
                writeln!(out)?;
                writeln!(out, "What it means: {}", d.meaning)?;
                writeln!(out, "Why it matters: {}", d.why)?;
                writeln!(out, "How to fix it: {}", d.fix)?;
            }
        }
    }
    Ok(())
}

/// The code written as `text`, or a usage error naming close ones.
fn find(text: &str) -> Result<Code, CliError> {
    if let Some(code) = Code::find(text) {
        return Ok(code);
    }
    let close: Vec<&str> = codes::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| c.contains(text) || text.contains(c.split("::").nth(1).unwrap_or("-")))
        .collect();
    Err(CliError::usage(if close.is_empty() {
        format!("unknown code `{text}`; `herken explain` lists every code")
    } else {
        format!("unknown code `{text}`; did you mean {}?", close.join(", "))
    }))
}

fn json(code: Code) -> serde_json::Value {
    let CodeDoc {
        code: text,
        meaning,
        why,
        fix,
    } = code.doc();
    serde_json::json!({"code": text, "stage": code.stage(), "meaning": meaning, "why": why, "fix": fix})
}

/// The code reference as Markdown, grouped by stage.
fn markdown(out: &mut dyn Write, chosen: &[Code]) -> std::io::Result<()> {
    writeln!(out, "# Diagnostic and error codes")?;
    writeln!(out)?;
    writeln!(
        out,
        "Every code herken reports, by stage. Generated from the engine's code registry with \
         `herken explain --format markdown`; `herken explain <code>` shows one."
    )?;
    for stage in codes::STAGES {
        let codes: Vec<&Code> = stage.codes.iter().filter(|c| chosen.contains(c)).collect();
        if codes.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "## `{}::*`", stage.name)?;
        writeln!(out)?;
        writeln!(out, "{}", stage.about.trim())?;
        for c in codes {
            let d = c.doc();
            writeln!(out)?;
            writeln!(out, "### `{}`", d.code)?;
            writeln!(out)?;
            writeln!(out, "{} {} **Fix:** {}", d.meaning, d.why, d.fix)?;
        }
    }
    Ok(())
}
