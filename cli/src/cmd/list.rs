//! `herken list`: the bundled rule sets.

use std::io::Write;

use crate::Format;
use crate::error::CliError;
use crate::render::json::ListEntry;
use crate::ruleset::{self, bundled_ids};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json]), default_value = "human")]
    format: Format,
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<(), CliError> {
    let mut rows = Vec::new();
    for id in bundled_ids() {
        let files = ruleset::find(id, &herken_engine::TrustPolicy::no_keys())?;
        let rules = ruleset::compile(&files, &mut std::io::sink())?;
        rows.push(rules);
    }
    match args.format {
        Format::Json => {
            let list: Vec<ListEntry<'_>> = rows.iter().map(ListEntry::of).collect();
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            )?;
        }
        Format::Junit | Format::Markdown => {}
        Format::Human => {
            for r in &rows {
                let status = serde_json::to_value(r.status())
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{:<28} {:<8} {:<9} {:>3} indicators  {}",
                    r.id(),
                    r.version(),
                    status,
                    r.indicators().len(),
                    r.title().get("en", r.languages())
                )?;
            }
        }
    }
    Ok(())
}
