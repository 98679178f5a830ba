//! Loading a rule set from arbitrary manifest text (and a library file): every input ends in
//! a rule set or diagnostics, never a panic, hang or runaway memory.
#![no_main]

use herken_engine::{Sources, load};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A `\n--- lib.rhai\n` line splits off a library file, so scripts in both places are reached.
    let (manifest, library) = match text.split_once("\n--- lib.rhai\n") {
        Some((m, l)) => (m, Some(l)),
        None => (text.as_ref(), None),
    };
    let mut sources = Sources::new().with("ruleset.yaml", manifest);
    if let Some(library) = library {
        sources = sources.with("lib.rhai", library);
    }
    if let Ok(loaded) = load(&sources) {
        // A set that loads screens the empty case (every answer unknown).
        let obs = herken_engine::Observations::unknown(&loaded.rules);
        let _ = loaded
            .rules
            .evaluate(&obs, &herken_engine::ScreenOptions::default());
    }
});
