//! The native side of the side-by-side benchmark `benches/wasm/screen.mjs`: what the WASM
//! module's `screenJson` does, natively — the case's JSON text read into observations, the
//! report with (or without) next questions, written as JSON text (`api::screen`, the very code
//! the module runs) — timed in rounds that the script asks for between its WASM rounds, so
//! both sides see the same machine load and the ratio is the figure that counts.
//!
//! cargo build --release -p herken-wasm --example screen-native
//!
//! Arguments: a bundle file and a file of cases, one JSON object per line. Then, on standard
//! input, one request a line, each answered by one line on standard output:
//! - `screen <calls> <next>`: `<calls>` screens cycling through the cases (`<next>` is `1` for
//!   next questions, `0` without); answers the mean of that round, µs per call;
//! - `open <calls>`: opens the bundle `<calls>` times from its compiled form, as the lean
//!   module's `fromBundle` does (`Bundle::open_compiled`); answers ms per bundle.
//!
//! The first request of each kind is preceded by a warm-up of its own, and every round by a
//! tenth of its calls, untimed (one open for `open`): the process has waited while the other
//! side ran, and its first calls after that are slower (~5 % of a round of 500 screens).

use std::error::Error;
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::Instant;

use herken_engine::{Bundle, TrustPolicy};
use herken_wasm::api::{self, JsScreenOptions};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bundle_path, cases_path] = args.as_slice() else {
        return Err("usage: screen-native <bundle.json> <cases.jsonl>".into());
    };
    let bundle = std::fs::read_to_string(bundle_path)
        .map_err(|e| format!("{bundle_path}: cannot read: {e}"))?;
    let cases: Vec<String> = std::fs::read_to_string(cases_path)
        .map_err(|e| format!("{cases_path}: cannot read: {e}"))?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if cases.is_empty() {
        return Err(format!("{cases_path}: no cases").into());
    }
    let trust = TrustPolicy::no_keys();
    let rules = api::open(&bundle, &trust)
        .map_err(|f| format!("{bundle_path}: {} ({})", f.message, f.code))?
        .rules;
    for (line, case) in cases.iter().enumerate() {
        api::screen(&rules, case, &JsScreenOptions::default())
            .map_err(|f| format!("{cases_path}, line {}: {}", line + 1, f.message))?;
    }

    let mut next_case = 0;
    let mut warmed = [false; 3];
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for request in stdin.lock().lines() {
        let request = request?;
        let words: Vec<&str> = request.split_whitespace().collect();
        let answer = match words.as_slice() {
            ["screen", calls, next] => {
                let calls: usize = calls
                    .parse()
                    .map_err(|_| format!("bad request `{request}`"))?;
                let next = *next == "1";
                let options = JsScreenOptions {
                    lang: Some("en".to_owned()),
                    next_questions: Some(next),
                    ..JsScreenOptions::default()
                };
                let mut round = |calls: usize| -> f64 {
                    let start = Instant::now();
                    for _ in 0..calls {
                        next_case = (next_case + 1) % cases.len();
                        // Every case was screened once above: none fails.
                        black_box(api::screen(&rules, &cases[next_case], &options).ok());
                    }
                    start.elapsed().as_secs_f64() * 1e6 / calls as f64
                };
                if !std::mem::replace(&mut warmed[usize::from(next)], true) {
                    round(2000);
                }
                // Untimed: the first calls after waiting for the other side are slower.
                round(calls.div_ceil(10));
                round(calls)
            }
            ["open", calls] => {
                let calls: usize = calls
                    .parse()
                    .map_err(|_| format!("bad request `{request}`"))?;
                let round = |calls: usize| -> f64 {
                    let start = Instant::now();
                    for _ in 0..calls {
                        black_box(Bundle::open_compiled(&bundle, &trust).ok());
                    }
                    start.elapsed().as_secs_f64() * 1e3 / calls as f64
                };
                if !std::mem::replace(&mut warmed[2], true) {
                    round(3);
                }
                round(1);
                round(calls)
            }
            _ => return Err(format!("bad request `{request}`").into()),
        };
        writeln!(out, "{answer}")?;
        out.flush()?;
    }
    Ok(())
}
