//! Reading arbitrary text as a case for the ILO adult-labour set, both ways (straight from the
//! text, and through a parsed `serde_json::Value`): the same answers and the same errors. Then
//! screening it: the report's own JSON writer gives serde_json's bytes.
#![no_main]

use std::sync::OnceLock;

use herken_engine::{
    CaseTextError, CompiledRuleSet, ObservationOptions, ScreenOptions, Sources, load,
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
    for allow_unknown_keys in [false, true] {
        let options = ObservationOptions { allow_unknown_keys };
        let via_value = serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| e.to_string())
            .map(|v| rules.observations_with(&v, options));
        let direct = rules.observations_from_str(text, options);
        match (&via_value, &direct) {
            (Err(a), Err(CaseTextError::Json(b))) => assert_eq!(*a, b.to_string(), "{text:?}"),
            (Ok(Ok(a)), Ok(b)) => assert_eq!(a, b, "{text:?}"),
            (Ok(Err(a)), Err(CaseTextError::Answers(b))) => assert_eq!(a, b, "{text:?}"),
            _ => panic!("the readers differ on {text:?}: {via_value:?} vs {direct:?}"),
        }
        if let Ok(obs) = direct {
            let report = rules.evaluate(&obs, &ScreenOptions::default());
            assert_eq!(report.indicators.len(), rules.indicators().len());
            let by_serde = serde_json::to_string(&report).expect("a report serialises");
            assert_eq!(report.to_json(), by_serde, "{text:?}");
        }
    }
});
