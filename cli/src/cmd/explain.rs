//! `herken explain <code>`: what a diagnostic code means, why it matters, how to fix it.

use std::io::Write;

use herken_engine::{Code, codes};

use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A code such as `load::unknown-key`; leave out to list every code.
    code: Option<String>,
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let Some(code) = &args.code else {
        for c in codes::ALL {
            writeln!(out, "{:<32} {}", c.as_str(), c.doc().meaning)?;
        }
        return Ok(());
    };
    let Some(d) = Code::find(code).map(Code::doc) else {
        let close: Vec<&str> = codes::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|c| {
                c.contains(code.as_str()) || code.contains(c.split("::").nth(1).unwrap_or("-"))
            })
            .collect();
        return Err(CliError::usage(if close.is_empty() {
            format!("unknown code `{code}`; `herken explain` lists every code")
        } else {
            format!("unknown code `{code}`; did you mean {}?", close.join(", "))
        }));
    };
    writeln!(out, "{}", d.code)?;
    writeln!(out)?;
    writeln!(out, "What it means: {}", d.meaning)?;
    writeln!(out, "Why it matters: {}", d.why)?;
    writeln!(out, "How to fix it: {}", d.fix)?;
    Ok(())
}
