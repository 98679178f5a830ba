//! herken side by side with hand-written Rust and the JSON-parse floors, in one process, on the
//! same synthetic `ilo-2009-adult-labour` cases:
//!
//! ```text
//! cargo run --release -p herken-benches --bin compare -- --cases 100000
//! ```
//!
//! Every variant reads JSON text and (except the parse floors) writes a result line per case,
//! as a batch does. First every implementation must agree on every case — outcome, "may rise"
//! and every indicator state — or the run fails. Then the variants run interleaved, `--rounds`
//! times, and the median of each is printed, with its ratio to the hand-written `Value`
//! implementation, then the scaling of herken's batch path over threads. The last line is
//! `ratio herken/value: X.XX`: herken's batch throughput over the hand-written `Value` one.

#![expect(
    clippy::print_stdout,
    reason = "a command-line benchmark prints its table"
)]
#![expect(clippy::print_stderr, reason = "and its failures")]

use std::cell::RefCell;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use herken_benches::handwritten::{self, Case, INDICATOR_COUNT, OUTCOMES};
use herken_benches::{load_bundled, state_letter, synth, write_compact_line};
use herken_cli::batch::input::{RawData, RawRow};
use herken_cli::batch::mapping::{Columns, Plan, Questions};
use herken_cli::batch::output::{Layout, OutputFormat};
use herken_cli::batch::score::{Scorer, Scratch};
use herken_engine::{
    CompactResult, CompiledRuleSet, ObservationOptions, Observations, ScreenOptions, State,
};
use serde::de::IgnoredAny;
use serde_json::Value;
use std::sync::Arc;

const SET: &str = "ilo-2009-adult-labour";

struct Args {
    cases: usize,
    rounds: usize,
    seed: u64,
    threads: usize,
    /// Time only the variants whose name contains this (for profiling).
    only: Option<String>,
    /// Also write the cases here as JSONL (to time `herken batch` on the same input).
    write_cases: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        cases: 100_000,
        rounds: 3,
        seed: 2009,
        threads: 2,
        only: None,
        write_cases: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or_else(|| format!("{name} needs a whole number"))
        };
        match flag.as_str() {
            "--cases" => a.cases = value("--cases")? as usize,
            "--rounds" => a.rounds = value("--rounds")?.max(1) as usize,
            "--seed" => a.seed = value("--seed")?,
            "--threads" => a.threads = value("--threads")?.max(1) as usize,
            "--only" => a.only = it.next(),
            "--write-cases" => a.write_cases = it.next(),
            "--bench" => {} // passed by `cargo bench`
            "-h" | "--help" => {
                return Err(
                    "usage: compare [--cases N] [--rounds R] [--seed S] [--threads T] [--only NAME] [--write-cases FILE]".into(),
                );
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(a)
}

/// One way of screening a case: JSON text in, result line appended to `out`.
type Run<'a> = Box<dyn Fn(&str, &mut String) + Sync + 'a>;

struct Variant<'a> {
    name: &'static str,
    /// Whether this is herken's batch path (the one `ratio herken/value` reports).
    batch: bool,
    run: Run<'a>,
}

fn handwritten_line(s: &handwritten::Screened, out: &mut String) {
    write_compact_line(
        out,
        OUTCOMES[s.outcome],
        s.may_rise,
        s.states.iter().map(|t| t.letter()),
    );
}

fn compact_line(rules: &CompiledRuleSet, r: &CompactResult, out: &mut String) {
    write_compact_line(
        out,
        rules.outcomes()[r.outcome].id(),
        r.may_rise,
        r.states.iter().map(|s| state_letter(*s)),
    );
}

thread_local! {
    /// Each thread's reusable case and result, as a batch keeps them (one rule set per run).
    static SCRATCH: RefCell<Option<(Observations, CompactResult)>> = const { RefCell::new(None) };
    /// Each thread's batch scratch, as a scoring thread of `herken batch` keeps it.
    static BATCH_SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// The scorer `herken batch --rules <SET>` builds for JSONL input without a mapping, CSV out.
fn batch_scorer() -> Scorer {
    let rules = Arc::new(load_bundled(SET));
    let sets = vec![Arc::clone(&rules)];
    let (plan, _notes) = Plan::new(&Questions::of(&sets), &sets, Columns::Keys, None, &[])
        .unwrap_or_else(|e| panic!("the batch plan: {e}"));
    Scorer {
        layout: Layout {
            format: OutputFormat::Csv,
            set_ids: vec![rules.id().to_owned()],
            include_input: false,
            input_header: None,
            label: false,
            wide: None,
        },
        sets,
        plan,
        id: None,
        label: None,
        by: Vec::new(),
        keep_ids: false,
        options: ScreenOptions {
            language: "en".into(),
            next_questions: false,
        },
    }
}

fn variants<'a>(rules: &'a CompiledRuleSet, scorer: &'a Scorer) -> Vec<Variant<'a>> {
    let report_options = ScreenOptions {
        language: "en".into(),
        next_questions: true,
    };
    let strict = ObservationOptions::default();
    vec![
        Variant {
            name: "parse only: serde_json validate (IgnoredAny)",
            batch: false,
            run: Box::new(|line, _| {
                black_box(serde_json::from_str::<IgnoredAny>(line).is_ok());
            }),
        },
        Variant {
            name: "parse only: serde_json -> typed struct",
            batch: false,
            run: Box::new(|line, _| {
                black_box(Case::from_str(line).is_ok());
            }),
        },
        Variant {
            name: "parse only: serde_json -> Value",
            batch: false,
            run: Box::new(|line, _| {
                black_box(serde_json::from_str::<Value>(line).is_ok());
            }),
        },
        Variant {
            name: "parse only: herken observations from text",
            batch: false,
            run: Box::new(move |line, _| {
                SCRATCH.with_borrow_mut(|scratch| {
                    let (obs, _) = scratch.get_or_insert_with(|| {
                        (Observations::unknown(rules), CompactResult::default())
                    });
                    black_box(rules.observations_from_str_into(line, strict, obs).is_ok());
                });
            }),
        },
        Variant {
            name: "(b) hand-written Rust over typed struct",
            batch: false,
            run: Box::new(|line, out| match Case::from_str(line) {
                Ok(case) => handwritten_line(&handwritten::screen(&case), out),
                Err(_) => out.push_str("error\n"),
            }),
        },
        Variant {
            name: "(a) hand-written Rust over serde_json::Value",
            batch: false,
            run: Box::new(|line, out| {
                match serde_json::from_str::<Value>(line)
                    .map_err(|e| handwritten::CaseError::Json(e.to_string()))
                    .and_then(|v| handwritten::screen_value(&v))
                {
                    Ok(s) => handwritten_line(&s, out),
                    Err(_) => out.push_str("error\n"),
                }
            }),
        },
        Variant {
            name: "(c) herken: text -> observations -> screen_compact",
            batch: true,
            run: Box::new(move |line, out| {
                SCRATCH.with_borrow_mut(|scratch| {
                    let (obs, result) = scratch.get_or_insert_with(|| {
                        (Observations::unknown(rules), CompactResult::default())
                    });
                    match rules.observations_from_str_into(line, strict, obs) {
                        Ok(()) => {
                            rules.screen_compact_into(obs, result);
                            compact_line(rules, result, out);
                        }
                        Err(_) => out.push_str("error\n"),
                    }
                });
            }),
        },
        Variant {
            name: "(d) herken batch: JSONL row -> CSV row (1 thread)",
            batch: false,
            run: Box::new(move |line, out| {
                BATCH_SCRATCH.with_borrow_mut(|scratch| {
                    let scratch = scratch.get_or_insert_with(|| scorer.scratch());
                    // As the batch reader hands a line over: its bytes.
                    let raw = RawRow {
                        row: 1,
                        line: 1,
                        data: RawData::Json(line.as_bytes().to_vec()),
                    };
                    scorer.score(raw, scratch, out);
                });
            }),
        },
        Variant {
            name: "(c) herken: Value -> observations -> screen_compact",
            batch: false,
            run: Box::new(move |line, out| {
                let obs = serde_json::from_str::<Value>(line)
                    .ok()
                    .and_then(|v| rules.observations_with(&v, strict).ok());
                match obs {
                    Some(obs) => compact_line(rules, &rules.screen_compact(&obs), out),
                    None => out.push_str("error\n"),
                }
            }),
        },
        Variant {
            name: "(c) herken: Value -> report (no next questions) -> line",
            batch: false,
            run: Box::new(move |line, out| {
                let options = ScreenOptions {
                    language: "en".into(),
                    next_questions: false,
                };
                let obs = serde_json::from_str::<Value>(line)
                    .ok()
                    .and_then(|v| rules.observations_with(&v, strict).ok());
                match obs {
                    Some(obs) => {
                        let r = rules.evaluate(&obs, &options);
                        write_compact_line(
                            out,
                            &r.outcome.id,
                            r.outcome.may_rise,
                            r.indicators.iter().map(|i| state_letter(i.state)),
                        );
                    }
                    None => out.push_str("error\n"),
                }
            }),
        },
        Variant {
            name: "(c) herken: Value -> full report JSON (next questions)",
            batch: false,
            run: Box::new(move |line, out| {
                let obs = serde_json::from_str::<Value>(line)
                    .ok()
                    .and_then(|v| rules.observations_with(&v, strict).ok());
                match obs {
                    Some(obs) => {
                        out.push_str(&rules.evaluate(&obs, &report_options).to_json());
                        out.push('\n');
                    }
                    None => out.push_str("error\n"),
                }
            }),
        },
    ]
}

/// Checks that every implementation gives the same outcome, "may rise" and indicator states.
fn verify(rules: &CompiledRuleSet, cases: &[String]) -> Result<(), String> {
    let ids: Vec<&str> = rules.indicators().iter().map(|i| i.id()).collect();
    let expected: Vec<&str> = handwritten::indicator_ids().collect();
    if ids != expected {
        return Err(format!(
            "the hand-written indicators differ from {SET}'s: {ids:?} vs {expected:?}"
        ));
    }
    let outcomes: Vec<&str> = rules.outcomes().iter().map(|o| o.id()).collect();
    if outcomes != OUTCOMES {
        return Err(format!("outcomes differ: {outcomes:?}"));
    }
    let options = ScreenOptions {
        language: "en".into(),
        next_questions: true,
    };
    let mut problems = Vec::new();
    let mut tally = [0usize; 3];
    for (n, line) in cases.iter().enumerate() {
        let value: Value = serde_json::from_str(line).map_err(|e| format!("case {n}: {e}"))?;
        let a = handwritten::screen_value(&value).map_err(|e| format!("case {n}: {e:?}"))?;
        let b = handwritten::screen(&Case::from_str(line).map_err(|e| format!("case {n}: {e:?}"))?);
        let obs = rules
            .observations(&value)
            .map_err(|e| format!("case {n}: {e:?}"))?;
        let lean_obs = rules
            .observations_from_str(line, ObservationOptions::default())
            .map_err(|e| format!("case {n}: {e:?}"))?;
        let report = rules.evaluate(&obs, &options);
        let compact = rules.screen_compact(&lean_obs);
        let letters = |it: &mut dyn Iterator<Item = char>| it.collect::<String>();
        let want = letters(&mut a.states.iter().map(|t| t.letter()));
        let got = [
            (
                "typed",
                letters(&mut b.states.iter().map(|t| t.letter())),
                OUTCOMES[b.outcome],
                b.may_rise,
            ),
            (
                "herken report",
                letters(&mut report.indicators.iter().map(|i| state_letter(i.state))),
                report.outcome.id.as_ref(),
                report.outcome.may_rise,
            ),
            (
                "herken compact",
                letters(&mut compact.states.iter().map(|s| state_letter(*s))),
                rules.outcomes()[compact.outcome].id(),
                compact.may_rise,
            ),
        ];
        for (what, states, outcome, may_rise) in got {
            if states != want || outcome != OUTCOMES[a.outcome] || may_rise != a.may_rise {
                problems.push(format!(
                    "case {n} ({what}): outcome {outcome} may_rise {may_rise} states {states}\n  \
                     hand-written: outcome {} may_rise {} states {want}\n  case: {line}",
                    OUTCOMES[a.outcome], a.may_rise
                ));
            }
        }
        if compact.states.contains(&State::Error) {
            problems.push(format!("case {n}: an indicator in error"));
        }
        tally[a.outcome] += 1;
        if problems.len() >= 5 {
            break;
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    println!(
        "verified: {} cases agree (outcome, may_rise, {INDICATOR_COUNT} indicator states); \
         outcomes: {} no_signals, {} signals_present, {} possible_victim",
        cases.len(),
        tally[0],
        tally[1],
        tally[2]
    );
    Ok(())
}

/// Runs a variant over every case once, writing result lines in batches of 1,000.
fn time_once(v: &Variant<'_>, cases: &[String]) -> (Duration, usize) {
    let mut out = String::with_capacity(1 << 20);
    let mut bytes = 0;
    let start = Instant::now();
    for chunk in cases.chunks(1000) {
        out.clear();
        for line in chunk {
            (v.run)(line, &mut out);
        }
        bytes += black_box(&out).len();
    }
    (start.elapsed(), bytes)
}

/// Runs a variant over the cases split among `threads` threads.
/// One parallel run: wall time, and what the threads spent on a core and waiting for one.
#[derive(Debug, Clone, Copy, Default)]
struct ParallelRun {
    wall: Duration,
    /// Summed over the threads (from `/proc/thread-self/schedstat`; zero where unavailable).
    on_cpu: Duration,
    waiting: Duration,
}

/// Nanoseconds this thread has run on a core and waited for one (Linux).
fn schedstat() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let mut fields = text.split_whitespace().map(|f| f.parse().unwrap_or(0));
    (fields.next().unwrap_or(0), fields.next().unwrap_or(0))
}

/// Runs a variant over the cases split among `threads` threads (std::thread::scope over
/// chunks; the compiled rule set is shared by reference).
fn time_threads(v: &Variant<'_>, cases: &[String], threads: usize) -> ParallelRun {
    let per = cases.len().div_ceil(threads);
    let start = Instant::now();
    let used: Vec<(u64, u64)> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(per.max(1))
            .map(|part| {
                s.spawn(move || {
                    let (run0, wait0) = schedstat();
                    black_box(time_once(v, part));
                    let (run1, wait1) = schedstat();
                    (run1.saturating_sub(run0), wait1.saturating_sub(wait0))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    ParallelRun {
        wall: start.elapsed(),
        on_cpu: Duration::from_nanos(used.iter().map(|u| u.0).sum()),
        waiting: Duration::from_nanos(used.iter().map(|u| u.1).sum()),
    }
}

fn median_run(mut v: Vec<ParallelRun>) -> ParallelRun {
    v.sort_by_key(|r| r.wall);
    v[v.len() / 2]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let rules = load_bundled(SET);
    let cases = synth::cases(&rules, args.cases, args.seed);
    let bytes: usize = cases.iter().map(String::len).sum();
    println!(
        "{SET}: {} synthetic cases (seed {}), {:.0} bytes of JSON per case on average",
        cases.len(),
        args.seed,
        bytes as f64 / cases.len().max(1) as f64
    );
    if let Some(path) = &args.write_cases {
        let jsonl = cases.join("\n") + "\n";
        if let Err(e) = std::fs::write(path, jsonl) {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    }
    if let Err(e) = verify(&rules, &cases) {
        eprintln!("FAILED: the implementations disagree\n{e}");
        return ExitCode::FAILURE;
    }

    let scorer = batch_scorer();
    let mut variants = variants(&rules, &scorer);
    if let Some(only) = &args.only {
        variants.retain(|v| v.name.contains(only.as_str()));
        if variants.is_empty() {
            // Nothing to time (`--write-cases` with `--only` naming no variant, say).
            println!("no variant's name contains `{only}`");
            return ExitCode::SUCCESS;
        }
    }
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); variants.len()];
    // Warm up once, then interleave the rounds so drift on a shared machine hits all alike.
    for v in &variants {
        time_once(v, &cases[..cases.len().min(2000)]);
    }
    for _ in 0..args.rounds {
        for (i, v) in variants.iter().enumerate() {
            times[i].push(time_once(v, &cases).0);
        }
    }
    let medians: Vec<Duration> = times.into_iter().map(median).collect();
    let reference = variants
        .iter()
        .position(|v| v.name.starts_with("(a)"))
        .map_or(Duration::from_secs(1), |i| medians[i]);
    let n = cases.len().max(1) as f64;
    println!(
        "\nmedian of {} rounds, one thread, JSON text in, result line out:\n",
        args.rounds
    );
    println!(
        "| {:<58} | {:>9} | {:>9} | {:>12} |",
        "variant", "µs/case", "cases/s", "× (a) time"
    );
    println!("|{:-<60}|{:->11}|{:->11}|{:->14}|", "", "", "", "");
    for (v, t) in variants.iter().zip(&medians) {
        let us = t.as_secs_f64() * 1e6 / n;
        println!(
            "| {:<58} | {:>9.2} | {:>9.0} | {:>12.2} |",
            v.name,
            us,
            n / t.as_secs_f64(),
            t.as_secs_f64() / reference.as_secs_f64()
        );
    }

    let batch = variants.iter().position(|v| v.batch).unwrap_or(0);
    let value = variants
        .iter()
        .position(|v| v.name.starts_with("(a)"))
        .unwrap_or(0);
    if args.threads > 1 {
        println!(
            "\nthread scaling ({} threads, median of {} rounds):",
            args.threads, args.rounds
        );
        for i in [batch, value] {
            let mut one = Vec::new();
            let mut many = Vec::new();
            for _ in 0..args.rounds {
                one.push(time_threads(&variants[i], &cases, 1));
                many.push(time_threads(&variants[i], &cases, args.threads));
            }
            let (one, many) = (median_run(one), median_run(many));
            println!(
                "  {}\n    1 thread {:>8.0} cases/s, {} threads {:>8.0} cases/s: {:.2}× wall clock",
                variants[i].name,
                n / one.wall.as_secs_f64(),
                args.threads,
                n / many.wall.as_secs_f64(),
                one.wall.as_secs_f64() / many.wall.as_secs_f64()
            );
            if !one.on_cpu.is_zero() && !many.on_cpu.is_zero() {
                // Work per case on a core: equal in both runs means nothing in the process
                // slows threads down; the wall-clock ratio is then capped by free cores.
                let work = one.on_cpu.as_secs_f64() / many.on_cpu.as_secs_f64();
                println!(
                    "    core time per case with {} threads: {:.2}× one thread's (ideal speed-up \
                     {:.2}×); threads waited for a core {:.0}% of their run time (other load)",
                    args.threads,
                    1.0 / work,
                    args.threads as f64 * work,
                    100.0 * many.waiting.as_secs_f64()
                        / (many.on_cpu + many.waiting).as_secs_f64().max(1e-9)
                );
            }
        }
    }
    if let Some(d) = variants.iter().position(|v| v.name.starts_with("(d)")) {
        println!(
            "\nratio batch/engine-compact: {:.2} (herken batch's time per case over the engine's)",
            medians[d].as_secs_f64() / medians[batch].as_secs_f64()
        );
    }
    println!(
        "\nratio herken/value: {:.2}",
        medians[value].as_secs_f64() / medians[batch].as_secs_f64()
    );
    ExitCode::SUCCESS
}
