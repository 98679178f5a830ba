//! CSV row mapping of `herken batch`: an arbitrary header, rows and (optionally) mapping file,
//! planned against the ILO adult-labour set and filled row by row; every case that comes out is
//! read and screened by the engine.
//!
//! The CLI is a binary crate, so its pure `batch/mapping.rs` and `batch/values.rs` are compiled
//! in here by path; `error` comes along the same way and `ruleset` is a stub (the target never
//! reads files).
//!
//! Input: an optional mapping (`<yaml>\n===\n`), then CSV lines split on `,` (the first is the
//! header).
#![no_main]

use std::sync::{Arc, OnceLock};

use herken_engine::{CompiledRuleSet, ScreenOptions, Sources, load};
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, reason = "only the parts the target calls are used")]
#[path = "../../cli/src/error.rs"]
mod error;

#[allow(dead_code, reason = "only the parts the target calls are used")]
#[path = "csv_row_batch.rs"]
mod batch;

mod ruleset {
    use crate::error::CliError;

    pub fn read_text(path: &std::path::Path) -> Result<String, CliError> {
        Err(CliError::input(format!(
            "`{}`: no files while fuzzing",
            path.display()
        )))
    }
}

use batch::mapping::{self, Cell, Columns, Plan, Questions};

fn rules() -> &'static Arc<CompiledRuleSet> {
    static RULES: OnceLock<Arc<CompiledRuleSet>> = OnceLock::new();
    RULES.get_or_init(|| {
        let manifest = include_str!("../../rules/ilo-2009-adult-labour/ruleset.yaml");
        load(&Sources::new().with("ruleset.yaml", manifest))
            .map(|l| Arc::new(l.rules))
            .unwrap_or_else(|d| panic!("the bundled set loads: {d:?}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (mapping_text, csv) = match text.split_once("\n===\n") {
        Some((m, c)) => (Some(m), c),
        None => (None, text.as_ref()),
    };
    let mapping = match mapping_text.map(|m| mapping::parse("fuzz", m)) {
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => return,
        None => None,
    };
    let mut lines = csv.lines();
    let Some(header) = lines.next() else {
        return;
    };
    let header: Vec<String> = header.split(',').map(str::to_owned).collect();
    let sets = [Arc::clone(rules())];
    let Ok((plan, _notes)) = Plan::new(
        &Questions::of(&sets),
        &sets,
        Columns::Header(&header),
        mapping.as_ref(),
        &[],
    ) else {
        return;
    };
    let mut case = plan.blank_case();
    for line in lines.take(64) {
        let cells: Vec<&str> = line.split(',').collect();
        let _errors = plan.fill(&mut case, |source| {
            match source.index.and_then(|i| cells.get(i)) {
                Some(cell) => Cell::Text(cell),
                None => Cell::Missing,
            }
        });
        // Whatever the row, the case it gives reads and screens.
        let rules = &sets[0];
        if let Ok(obs) = rules.observations(&case) {
            let _ = rules.evaluate(&obs, &ScreenOptions::default());
        }
    }
});
