//! Criterion benchmarks of the decision analysis (`cargo bench -p herken-benches --bench
//! reach`), for each bundled rule set:
//!
//! - `reach/<set>/free`: [`CompiledRuleSet::reachable`] with every indicator free (what the
//!   loader asks, per rule, when a set loads);
//! - `reach/<set>/interview`: the same after each answer of an interview, as a guided interview
//!   asks it: 64 synthetic cases answered one question at a time, cycling through the steps
//!   (indicators still unknown are free).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use herken_benches::{bundled, synth};
use herken_engine::{CompiledRuleSet, ObservationOptions, ScreenOptions, State, load};
use serde_json::{Map, Value};

/// What is known of each indicator after each answer of each case.
fn interview_steps(rules: &CompiledRuleSet) -> Vec<Vec<Option<State>>> {
    let options = ScreenOptions {
        language: "en".into(),
        next_questions: false,
    };
    let mut steps = Vec::new();
    for text in synth::cases(rules, 64, 11) {
        let Ok(Value::Object(full)) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let mut answered = Map::new();
        for (question, answer) in full {
            answered.insert(question, answer);
            let obs = rules
                .observations_from_str(
                    &Value::Object(answered.clone()).to_string(),
                    ObservationOptions::default(),
                )
                .expect("valid case");
            let report = rules.evaluate(&obs, &options);
            steps.push(
                report
                    .indicators
                    .iter()
                    .map(|i| (i.state != State::Unknown).then_some(i.state))
                    .collect(),
            );
        }
    }
    steps
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("reach");
    for (id, sources) in bundled() {
        let rules = match load(&sources) {
            Ok(l) => l.rules,
            Err(d) => panic!("{id}: {d:?}"),
        };
        let free = vec![None; rules.indicators().len()];
        group.bench_function(format!("{id}/free"), |b| {
            b.iter(|| black_box(rules.reachable(black_box(&free))))
        });
        let steps = interview_steps(&rules);
        let mut i = 0;
        group.bench_function(format!("{id}/interview"), |b| {
            b.iter(|| {
                i = (i + 1) % steps.len();
                black_box(rules.reachable(&steps[i]))
            })
        });
    }
    group.finish();
}

criterion_group!(reach, benches);
criterion_main!(reach);
