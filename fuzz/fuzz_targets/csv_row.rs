//! CSV row mapping of `herken batch`: an arbitrary header, rows and (optionally) mapping file,
//! planned against the ILO adult-labour set and read row by row into the set's answers (the
//! engine's table policy); every row's answers screen.
//!
//! The CLI's batch pipeline is a library (`herken_cli::batch`), called as `herken batch` calls it.
//!
//! Input: an optional mapping (`<yaml>\n===\n`), then CSV lines split on `,` (the first is the
//! header).
#![no_main]

use std::sync::{Arc, OnceLock};

use herken_cli::batch::mapping::{self, Cell, Columns, Plan, Questions};
use herken_engine::{CompiledRuleSet, Observations, ScreenOptions, Sources, load};
use libfuzzer_sys::fuzz_target;

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
    let mut readings = plan.readings();
    let mut answers = vec![Observations::unknown(&sets[0])];
    for line in lines.take(64) {
        let cells: Vec<&str> = line.split(',').collect();
        let _errors = plan.fill(&sets, &mut readings, &mut answers, |source| {
            match source.index.and_then(|i| cells.get(i)) {
                Some(cell) => Cell::Text(cell),
                None => Cell::Missing,
            }
        });
        // Whatever the row, the answers it gives screen and report every indicator.
        let report = sets[0].evaluate(&answers[0], &ScreenOptions::default());
        assert_eq!(report.indicators.len(), sets[0].indicators().len());
    }
});
