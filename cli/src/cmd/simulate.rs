//! `herken simulate`: guided interviews run over cases, to see how short they are and whether
//! they end where the full interview does.
//!
//! For each case and rule set, the engine's guided interview
//! ([`CompiledRuleSet::simulate_interview`]) asks one question at a time, takes the answer from
//! the case (unknown where it has none), and stops when no answer can change the outcome. It
//! counts the questions asked until the set's highest outcome was decided (reached, or out of
//! reach) and until the outcome was settled, and compares both with the full interview: every
//! question that applies answered from the case.

use std::io::Write;

use herken_engine::{CompiledRuleSet, ObservationOptions, Observations, SimulatedInterview};
use serde::Serialize;
use serde_json::Value as Json;

use crate::Format;
use crate::cmd::synth::Cases;
use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cases: a JSONL file (one JSON object of answers per line), or `-` for standard
    /// input. Not with `--synthetic`.
    input: Option<String>,
    /// Simulate over this many synthetic cases (`herken synth --format jsonl` with the same
    /// seed gives the same cases) instead of a file.
    #[arg(long, value_name = "N")]
    synthetic: Option<u64>,
    /// Seed of the synthetic cases.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of synthetic cases made as positives, in percent.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u8).range(0..=100))]
    positive_percent: u8,
    /// Rule-set folders or bundled ids, comma-separated: each is simulated on its own.
    #[arg(long, short, value_delimiter = ',', default_value = DEFAULT_RULES)]
    rules: Vec<String>,
    /// Output format: a readable summary or JSON.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Threads (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// What a simulation over one rule set found.
#[derive(Debug, Serialize)]
pub struct SetSummary {
    pub ruleset: String,
    /// The set's questions.
    pub questions: usize,
    /// The set's highest outcome.
    pub top: String,
    pub cases: u64,
    /// Questions asked until the highest outcome was decided.
    pub until_top_decided: Distribution,
    /// Questions asked until no answer could change the outcome.
    pub until_settled: Distribution,
    /// Questions the full interview asks (those that apply to the case).
    pub full_interview: Distribution,
    /// Cases whose highest outcome the guided interview decided as the full interview did.
    pub top_agrees: Share,
    /// Cases whose settled outcome is the full interview's.
    pub outcome_agrees: Share,
    /// Cases that reached the highest outcome in the full interview.
    pub top_reached: Share,
    /// Answers to questions whose `ask_if` is false for the case: left out of both interviews.
    pub dropped_answers: u64,
}

/// A count and its share of the cases, in percent.
#[derive(Debug, Serialize)]
pub struct Share {
    pub cases: u64,
    pub percent: f64,
}

/// How many questions were asked, over the cases.
#[derive(Debug, Serialize)]
pub struct Distribution {
    pub median: usize,
    pub p90: usize,
    pub max: usize,
    pub mean: f64,
    /// Cases by number of questions asked, in bins of `bin` questions (`from`..=`to`).
    pub histogram: Vec<Bin>,
}

#[derive(Debug, Serialize)]
pub struct Bin {
    pub from: usize,
    pub to: usize,
    pub cases: u64,
}

/// The JSON `--format json` prints.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    source: Source<'a>,
    sets: &'a [SetSummary],
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Source<'a> {
    Synthetic {
        cases: u64,
        seed: u64,
        positive_percent: u8,
    },
    File {
        name: &'a str,
        cases: u64,
    },
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    if args.threads == Some(0) {
        return Err(CliError::usage("`--threads` must be 1 or more"));
    }
    let mut sets = Vec::new();
    for spec in &args.rules {
        let set = ruleset::compile(&ruleset::find(spec)?, err)?;
        if sets.iter().any(|s: &CompiledRuleSet| s.id() == set.id()) {
            return Err(CliError::usage(format!(
                "rule set `{}` is given twice",
                set.id()
            )));
        }
        sets.push(set);
    }
    let (cases, source) = match (&args.input, args.synthetic) {
        (Some(_), Some(_)) => {
            return Err(CliError::usage(
                "give a file of cases or `--synthetic N`, not both",
            ));
        }
        (None, None) => {
            return Err(CliError::usage(
                "give a file of cases (JSONL), `-` for standard input, or `--synthetic N`",
            ));
        }
        (None, Some(n)) => {
            let mut generator = Cases::new(&sets, args.seed, args.positive_percent);
            let cases: Vec<Json> = (0..n).map(|_| generator.next_case().answers()).collect();
            (
                cases,
                Source::Synthetic {
                    cases: n,
                    seed: args.seed,
                    positive_percent: args.positive_percent,
                },
            )
        }
        (Some(input), None) => {
            let cases = read_cases(input)?;
            let n = cases.len() as u64;
            (
                cases,
                Source::File {
                    name: input,
                    cases: n,
                },
            )
        }
    };
    let name = match &source {
        Source::File { name, .. } => *name,
        Source::Synthetic { .. } => "synthetic",
    };
    let workers = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let mut summaries = Vec::new();
    for rules in &sets {
        // Read every case first: a case that does not fit is an input error, named by line.
        let mut observations = Vec::with_capacity(cases.len());
        let mut problems = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            match rules.observations_with(
                case,
                ObservationOptions {
                    allow_unknown_keys: true,
                    ..ObservationOptions::default()
                },
            ) {
                Ok(obs) => observations.push(obs),
                Err(errors) => {
                    for e in errors {
                        if problems.len() < 20 {
                            problems.push(format!("{name}:{}: {e}", i + 1));
                        }
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(CliError::input(format!(
                "cases that do not fit rule set `{}`:\n{}",
                rules.id(),
                problems.join("\n")
            )));
        }
        let results = simulate_all(rules, &observations, workers);
        summaries.push(summarise(rules, &results));
    }
    match args.format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&Summary {
                source,
                sets: &summaries,
            })
            .map_err(|e| CliError::input(format!("cannot write the summary: {e}")))?;
            writeln!(out, "{json}")?;
        }
        Format::Human => human(out, &source, &summaries)?,
    }
    let disagreements: u64 = summaries.iter().map(|s| s.cases - s.top_agrees.cases).sum();
    if disagreements > 0 {
        return Err(CliError::findings(format!(
            "{disagreements} guided interview(s) decided the highest outcome unlike the full interview; please report this"
        )));
    }
    Ok(())
}

/// The cases of a JSONL file, one JSON object per non-empty line.
fn read_cases(input: &str) -> Result<Vec<Json>, CliError> {
    let text = if input == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).map_err(|e| {
            CliError::input(format!("cannot read the cases from standard input: {e}"))
        })?;
        s
    } else {
        ruleset::read_text(std::path::Path::new(input))?
    };
    let name = if input == "-" { "<stdin>" } else { input };
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Json = serde_json::from_str(line).map_err(|e| {
            CliError::input(format!(
                "{name}:{}:{}: invalid JSON: {e}",
                i + 1,
                e.column()
            ))
        })?;
        if !case.is_object() {
            return Err(CliError::input(format!(
                "{name}:{}: not a JSON object of answers",
                i + 1
            )));
        }
        cases.push(case);
    }
    Ok(cases)
}

/// Simulates every case on `workers` threads; results in case order.
fn simulate_all(
    rules: &CompiledRuleSet,
    cases: &[Observations],
    workers: usize,
) -> Vec<SimulatedInterview> {
    let chunk = cases.len().div_ceil(workers.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|c| rules.simulate_interview(c))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn summarise(rules: &CompiledRuleSet, results: &[SimulatedInterview]) -> SetSummary {
    let top = rules.outcomes().len().saturating_sub(1);
    let n = results.len() as u64;
    let share = |count: usize| Share {
        cases: count as u64,
        percent: if n == 0 {
            0.0
        } else {
            (count as f64 * 1000.0 / n as f64).round() / 10.0
        },
    };
    SetSummary {
        ruleset: rules.id().to_owned(),
        questions: rules.questions().len(),
        top: rules.outcomes()[top].id().to_owned(),
        cases: n,
        until_top_decided: distribution(results.iter().map(|r| r.asked_until_top_decided)),
        until_settled: distribution(results.iter().map(|r| r.asked_until_settled)),
        full_interview: distribution(results.iter().map(|r| r.full_questions)),
        top_agrees: share(results.iter().filter(|r| r.top_agrees(top)).count()),
        outcome_agrees: share(results.iter().filter(|r| r.outcome_agrees()).count()),
        top_reached: share(results.iter().filter(|r| r.full_outcome == top).count()),
        dropped_answers: results.iter().map(|r| r.dropped_answers as u64).sum(),
    }
}

/// Median and 90th percentile by nearest rank, max, mean, and a histogram in bins of 5.
fn distribution(values: impl Iterator<Item = usize>) -> Distribution {
    let mut v: Vec<usize> = values.collect();
    v.sort_unstable();
    let rank = |p: usize| {
        if v.is_empty() {
            0
        } else {
            v[(v.len() * p).div_ceil(100).max(1) - 1]
        }
    };
    let max = v.last().copied().unwrap_or(0);
    const BIN: usize = 5;
    let mut histogram: Vec<Bin> = (0..=max / BIN)
        .map(|b| Bin {
            from: b * BIN,
            to: b * BIN + BIN - 1,
            cases: 0,
        })
        .collect();
    for &x in &v {
        histogram[x / BIN].cases += 1;
    }
    Distribution {
        median: rank(50),
        p90: rank(90),
        max,
        mean: if v.is_empty() {
            0.0
        } else {
            (v.iter().sum::<usize>() as f64 * 10.0 / v.len() as f64).round() / 10.0
        },
        histogram,
    }
}

fn human(out: &mut dyn Write, source: &Source, sets: &[SetSummary]) -> std::io::Result<()> {
    match source {
        Source::Synthetic {
            cases,
            seed,
            positive_percent,
        } => writeln!(
            out,
            "Guided interviews over {cases} synthetic cases (seed {seed}, {positive_percent}% made as positives)"
        )?,
        Source::File { name, cases } => {
            writeln!(out, "Guided interviews over {cases} cases from {name}")?;
        }
    }
    for s in sets {
        writeln!(out)?;
        writeln!(
            out,
            "{} ({} questions; highest outcome `{}`, reached in {} cases by the full interview)",
            s.ruleset, s.questions, s.top, s.top_reached.cases
        )?;
        let line = |out: &mut dyn Write, what: &str, d: &Distribution| {
            writeln!(
                out,
                "  {what:<38} median {:>3}, p90 {:>3}, max {:>3}, mean {:>5.1}",
                d.median, d.p90, d.max, d.mean
            )
        };
        line(
            out,
            "questions until the top outcome decided",
            &s.until_top_decided,
        )?;
        line(out, "questions until the outcome settled", &s.until_settled)?;
        line(out, "questions in the full interview", &s.full_interview)?;
        writeln!(
            out,
            "  top outcome as in the full interview:  {} of {} ({:.1}%)",
            s.top_agrees.cases, s.cases, s.top_agrees.percent
        )?;
        writeln!(
            out,
            "  outcome as in the full interview:      {} of {} ({:.1}%)",
            s.outcome_agrees.cases, s.cases, s.outcome_agrees.percent
        )?;
        if s.dropped_answers > 0 {
            writeln!(
                out,
                "  answers left out (their question's `ask_if` is false): {}",
                s.dropped_answers
            )?;
        }
        writeln!(out, "  questions until the top outcome decided, by cases:")?;
        let widest = s
            .until_top_decided
            .histogram
            .iter()
            .map(|b| b.cases)
            .max()
            .unwrap_or(1)
            .max(1);
        for b in &s.until_top_decided.histogram {
            let bar = "#".repeat((b.cases * 40).div_ceil(widest) as usize);
            writeln!(out, "  {:>3}–{:<3} {:>7}  {bar}", b.from, b.to, b.cases)?;
        }
    }
    Ok(())
}
