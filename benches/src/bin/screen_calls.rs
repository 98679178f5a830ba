//! One-case screening in a plain loop, for instruction counts under callgrind and for `perf`:
//! the same cases and variants as the criterion benchmark `screen/<set>/<variant>`, run `calls`
//! times with no timing harness around them. Two runs with different `calls` subtract to the
//! exact instructions per call (setup cancels):
//!
//! ```text
//! valgrind --tool=callgrind target/release/screen_calls ilo-2009-adult-labour report+next+json 2000
//! ```
//!
//! Variants: `read` (the case read only), `compact`, `report`, `report+next`,
//! `report+next+json` (the report built, then written by `Report::to_json`), `json+next` and
//! `json` (the JSON written straight from the evaluation, with and without next questions).

#![expect(
    clippy::print_stdout,
    reason = "prints a total, so the work cannot be optimised away"
)]
#![expect(clippy::print_stderr, reason = "and its usage errors")]

use std::hint::black_box;
use std::process::ExitCode;

use herken_benches::{load_bundled, synth};
use herken_engine::{ObservationOptions, ScreenOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [set, variant, calls] = args.as_slice() else {
        eprintln!("usage: screen_calls <set> <variant> <calls>");
        return ExitCode::from(2);
    };
    let Ok(calls) = calls.parse::<usize>() else {
        eprintln!("calls: `{calls}` is not a whole number");
        return ExitCode::from(2);
    };
    let rules = load_bundled(set);
    let cases = synth::cases(&rules, 256, 7);
    let strict = ObservationOptions::default();
    let options = |next_questions| ScreenOptions {
        language: "en".into(),
        next_questions,
    };
    let mut total = 0usize;
    for n in 0..calls {
        let text = cases[n % cases.len()].as_str();
        let obs = rules
            .observations_from_str(text, strict)
            .expect("valid case");
        total += match variant.as_str() {
            "read" => usize::from(*obs.get(0) == herken_engine::Value::Unknown),
            "compact" => rules.screen_compact(&obs).outcome,
            "report" => rules.evaluate(&obs, &options(false)).indicators.len(),
            "report+next" => rules.evaluate(&obs, &options(true)).next_questions.len(),
            "report+next+json" => rules.evaluate(&obs, &options(true)).to_json().len(),
            "json+next" => rules.evaluate_json(&obs, &options(true)).len(),
            "json" => rules.evaluate_json(&obs, &options(false)).len(),
            other => {
                eprintln!("unknown variant `{other}`");
                return ExitCode::from(2);
            }
        };
        black_box(&obs);
    }
    println!("{}", black_box(total));
    ExitCode::SUCCESS
}
