//! Reading arbitrary text as a case for the ILO adult-labour set, as JSON cases and as research
//! tables are read: the reader never panics, a case error never quotes more of the input than
//! a key; then screening it: the report's own JSON writer gives serde_json's bytes.
#![no_main]

use std::sync::OnceLock;

use herken_engine::{
    AnswerPolicy, CaseTextError, CompiledRuleSet, ObservationOptions, ScreenOptions, Sources, load,
};
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
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rules = rules();
    for policy in [AnswerPolicy::CASE, AnswerPolicy::TABLE] {
        for allow_unknown_keys in [false, true] {
            let options = ObservationOptions {
                allow_unknown_keys,
                policy,
            };
            match rules.observations_from_str(text, options) {
                Ok(obs) => {
                    let report = rules.evaluate(&obs, &ScreenOptions::default());
                    assert_eq!(report.indicators.len(), rules.indicators().len());
                    let by_serde = serde_json::to_string(&report).expect("a report serialises");
                    assert_eq!(report.to_json(), by_serde, "{text:?}");
                }
                Err(CaseTextError::Answers(errors)) => assert!(!errors.is_empty(), "{text:?}"),
                Err(CaseTextError::Json(_)) => {}
            }
        }
    }
});
