//! Criterion benchmarks of herken's engine (`cargo bench -p herken-benches --bench screen`):
//!
//! - `load/<set>`: load and compile each bundled rule set from its sources;
//! - `screen/<set>/<variant>`: one case, JSON text in, cycling through 256 synthetic cases:
//!   `report+next` (the full report with next questions, as `herken screen` gives it),
//!   `report+next+json` (that report as JSON text, written straight from the screening by
//!   `evaluate_json`, as the WASM module's `screenJson` gives it), `report+next+to_json` (the
//!   report built, then written by `Report::to_json`), `report` (without next questions),
//!   `compact` (outcome and states only);
//! - `alloc/ilo-2009-adult-labour/clone-report+next`: cloning (and dropping) such a report:
//!   what its ~500 owned strings and maps cost the allocator, for comparison with building one;
//! - `batch/<set>/<variant>`: JSONL in, JSONL out, per 100,000 cases on one thread, at engine
//!   level (read line → observations → screen → result line): `compact` writes the outcome,
//!   "may rise" and every state; `report` writes the report without next questions as JSON.
//!   The CLI's `herken batch` lives in the binary crate and is not callable from here.
//!
//! Filter with criterion's arguments, e.g. `-- screen/ilo-2009-adult-labour`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use herken_benches::{bundled, state_letter, synth, write_compact_line};
use herken_engine::{
    CompactResult, CompiledRuleSet, ObservationOptions, Observations, ScreenOptions, load,
};

const BATCH: usize = 100_000;

fn options(next_questions: bool) -> ScreenOptions {
    ScreenOptions {
        language: "en".into(),
        next_questions,
    }
}

fn benches(c: &mut Criterion) {
    let sets = bundled();

    let mut group = c.benchmark_group("load");
    for (id, sources) in &sets {
        group.bench_function(id.as_str(), |b| {
            b.iter(|| load(black_box(sources)).map(|l| l.rules.indicators().len()))
        });
    }
    group.finish();

    let compiled: Vec<(String, CompiledRuleSet)> = sets
        .iter()
        .map(|(id, sources)| match load(sources) {
            Ok(l) => (id.clone(), l.rules),
            Err(d) => panic!("{id}: {d:?}"),
        })
        .collect();
    let strict = ObservationOptions::default();

    let mut group = c.benchmark_group("screen");
    for (id, rules) in &compiled {
        let cases = synth::cases(rules, 256, 7);
        let next = |i: &mut usize| {
            *i = (*i + 1) % cases.len();
            cases[*i].as_str()
        };
        for (variant, next_questions, json) in [
            ("report+next", true, Json::No),
            ("report+next+json", true, Json::Direct),
            ("report+next+to_json", true, Json::FromReport),
            ("report", false, Json::No),
        ] {
            let opts = options(next_questions);
            let mut i = 0;
            group.bench_function(format!("{id}/{variant}"), |b| {
                b.iter(|| {
                    let text = next(&mut i);
                    let obs = rules
                        .observations_from_str(text, strict)
                        .expect("valid case");
                    match json {
                        Json::No => {
                            black_box(rules.evaluate(&obs, &opts));
                        }
                        Json::Direct => {
                            black_box(rules.evaluate_json(&obs, &opts).len());
                        }
                        Json::FromReport => {
                            black_box(rules.evaluate(&obs, &opts).to_json().len());
                        }
                    }
                })
            });
        }
        let mut i = 0;
        group.bench_function(format!("{id}/compact"), |b| {
            b.iter(|| {
                let text = next(&mut i);
                let obs = rules
                    .observations_from_str(text, strict)
                    .expect("valid case");
                black_box(rules.screen_compact(&obs))
            })
        });
    }
    group.finish();

    // What allocating (and dropping) a report's strings and maps costs: a copy of one.
    let mut group = c.benchmark_group("alloc");
    if let Some((id, rules)) = compiled
        .iter()
        .find(|(id, _)| id == "ilo-2009-adult-labour")
    {
        let opts = options(true);
        let reports: Vec<_> = synth::cases(rules, 256, 7)
            .iter()
            .map(|text| {
                let obs = rules
                    .observations_from_str(text, strict)
                    .expect("valid case");
                rules.evaluate(&obs, &opts)
            })
            .collect();
        let mut i = 0;
        group.bench_function(format!("{id}/clone-report+next"), |b| {
            b.iter(|| {
                i = (i + 1) % reports.len();
                black_box(reports[i].clone())
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(BATCH as u64));
    // Inputs are generated inside each benchmark so that a filtered-out one costs nothing.
    let input = |rules| synth::cases(rules, BATCH, 11).join("\n") + "\n";
    for (id, rules) in &compiled {
        group.bench_function(format!("{id}/compact"), |b| {
            let input = input(rules);
            b.iter_batched_ref(
                || String::with_capacity(BATCH * 96),
                |out| batch_compact(rules, &input, out),
                BatchSize::PerIteration,
            )
        });
        if id == "ilo-2009-adult-labour" {
            let opts = options(false);
            group.bench_function(format!("{id}/report"), |b| {
                let input = input(rules);
                b.iter_batched_ref(
                    || String::with_capacity(BATCH * 16 * 1024),
                    |out| {
                        for line in input.lines() {
                            match rules.observations_from_str(line, strict) {
                                Ok(obs) => out.push_str(&rules.evaluate(&obs, &opts).to_json()),
                                Err(e) => out.push_str(&e.to_string()),
                            }
                            out.push('\n');
                        }
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    group.finish();
}

/// Whether and how a screen variant writes the report's JSON.
#[derive(Clone, Copy)]
enum Json {
    /// The report only.
    No,
    /// Written straight from the screening (`evaluate_json`), as the WASM module does.
    Direct,
    /// The report built, then written (`Report::to_json`).
    FromReport,
}

/// JSONL in, one compact result line per case out, reusing the scratch memory.
fn batch_compact(rules: &CompiledRuleSet, input: &str, out: &mut String) {
    let strict = ObservationOptions::default();
    let mut obs = Observations::unknown(rules);
    let mut result = CompactResult::default();
    for line in input.lines() {
        match rules.observations_from_str_into(line, strict, &mut obs) {
            Ok(()) => {
                rules.screen_compact_into(&obs, &mut result);
                write_compact_line(
                    out,
                    rules.outcomes()[result.outcome].id(),
                    result.may_rise,
                    result.states.iter().map(|s| state_letter(*s)),
                );
            }
            Err(e) => {
                out.push_str(&e.to_string());
                out.push('\n');
            }
        }
    }
}

criterion_group!(screen, benches);
criterion_main!(screen);
