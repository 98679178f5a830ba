//! Reading arbitrary JSON as a case for the ILO adult-labour set, then screening it.
#![no_main]

use std::sync::OnceLock;

use herken_engine::{CompiledRuleSet, ObservationOptions, ScreenOptions, Sources, load};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static CompiledRuleSet {
    static RULES: OnceLock<CompiledRuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let manifest = include_str!("../../rules/ilo-2009-adult-labour/ruleset.yaml");
        load(&Sources::new().with("ruleset.yaml", manifest))
            .map(|l| l.rules)
            .unwrap_or_else(|d| panic!("the bundled set loads: {d:?}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(case) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let rules = rules();
    for allow_unknown_keys in [false, true] {
        if let Ok(obs) = rules.observations_with(&case, ObservationOptions { allow_unknown_keys }) {
            let report = rules.evaluate(&obs, &ScreenOptions::default());
            assert_eq!(report.indicators.len(), rules.indicators.len());
        }
    }
});
