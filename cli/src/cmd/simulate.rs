//! `herken simulate`: guided interviews run over cases, to see how short they are and whether
//! they end where the full interview does.
//!
//! For each case and rule set, the engine's guided interview
//! ([`CompiledRuleSet::simulate_interview`]) asks one question at a time, takes the answer from
//! the case (unknown where it has none), and stops when no answer can change the outcome. It
//! counts the questions asked until the set's highest outcome was decided (reached, or out of
//! reach) and until the outcome was settled, and compares both with the full interview: every
//! question that applies answered from the case.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;

use herken_engine::{CompiledRuleSet, ObservationOptions, Observations, SimulatedInterview, codes};
use serde::Serialize;

use crate::Format;
use crate::batch::input::{self, InputFormat, RawData};
use crate::batch::mapping::{self, Cell, Columns, Plan, Questions, Reading, RowError};
use crate::batch::row::{self, Reserved, RowProblem, RowScratch};
use crate::cmd::synth::Cases;
use crate::error::CliError;
use crate::ruleset::{self, DEFAULT_RULES};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cases, as `herken batch` reads them: a CSV (with a header row) or JSONL file,
    /// gzip-compressed or not, or `-` for standard input. Not with `--synthetic`.
    input: Option<String>,
    /// Input format (default: from the input's extension, else from its first byte).
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// Column mapping, as for `herken batch`: a YAML file, or a bundled mapping by name.
    #[arg(long)]
    map: Option<String>,
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
    #[arg(long, value_parser = Format::only(&[Format::Human, Format::Json]), default_value = "human")]
    format: Format,
    /// Threads (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
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
    let trust = args.trust.policy()?;
    let sets = ruleset::open_all(&args.rules, &trust, err)?;
    if args.synthetic.is_some() && (args.map.is_some() || args.input_format.is_some()) {
        return Err(CliError::usage(
            "`--map` and `--input-format` are for a file of cases, not `--synthetic`",
        ));
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
            let mut cases: Vec<Vec<Observations>> = Vec::with_capacity(n as usize);
            for i in 0..n {
                let case = generator.next_case().answers();
                let mut row = Vec::with_capacity(sets.len());
                for rules in &sets {
                    let options = ObservationOptions {
                        allow_unknown_keys: true,
                        ..ObservationOptions::default()
                    };
                    let obs = rules.observations_with(&case, options).map_err(|errors| {
                        let lines: Vec<String> = errors
                            .iter()
                            .map(|e| format!("synthetic case {}: {e}", i + 1))
                            .collect();
                        CliError::input(lines.join("\n"))
                    })?;
                    row.push(obs);
                }
                cases.push(row);
            }
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
            let cases = read_cases(input, &sets, args, err)?;
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
    let workers = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let mut summaries = Vec::new();
    for (s, rules) in sets.iter().enumerate() {
        let observations: Vec<&Observations> = cases.iter().map(|row| &row[s]).collect();
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
        Format::Human | Format::Junit | Format::Markdown => human(out, &source, &summaries)?,
    }
    let disagreements: u64 = summaries.iter().map(|s| s.cases - s.top_agrees.cases).sum();
    if disagreements > 0 {
        return Err(CliError::findings(format!(
            "{disagreements} guided interview(s) decided the highest outcome unlike the full interview; please report this"
        )));
    }
    Ok(())
}

/// The cases of a file, read as `herken batch` reads them (CSV or JSONL, gzip or not, with a
/// mapping): each row's answers for every set. A row that cannot be read is an input error
/// naming its row and field (the first 20 of them), as no simulation can stand in for it.
fn read_cases(
    spec: &str,
    sets: &[Arc<CompiledRuleSet>],
    args: &Args,
    err: &mut dyn Write,
) -> Result<Vec<Vec<Observations>>, CliError> {
    let mapping = args.map.as_deref().map(mapping::load).transpose()?;
    let input = input::open(spec, args.input_format)?;
    let name = input.name.clone();
    let (mut records, header) = input::records(input)?;
    let columns = match &header {
        Some(h) => Columns::Header(h),
        None => Columns::Keys,
    };
    let (plan, notes) = Plan::new(&Questions::of(sets), sets, columns, mapping.as_ref(), &[])?;
    for note in notes {
        writeln!(err, "herken: note: {note}")?;
    }
    let mut readings = plan.readings();
    let mut scratch = RowScratch::default();
    let mut cases = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let mut unread: BTreeSet<String> = BTreeSet::new();
    loop {
        let raw = match records.next_row() {
            Ok(Some(raw)) => raw,
            Ok(None) => break,
            Err(e) => {
                return Err(CliError::input(format!(
                    "cannot read `{name}` after row {}: {e}",
                    cases.len() + problems.len()
                )));
            }
        };
        let mut answers: Vec<Observations> =
            sets.iter().map(|s| Observations::unknown(s)).collect();
        let errors = match raw.data {
            RawData::Bad(p) => vec![RowError::new(p.code, "", p.message)],
            RawData::Fields(fields) => plan.fill(sets, &mut readings, &mut answers, |s| {
                s.index
                    .and_then(|i| fields.get(i))
                    .map_or(Cell::Missing, Cell::Text)
            }),
            RawData::Json(bytes) => match std::str::from_utf8(&bytes) {
                Err(e) => vec![RowError::new(
                    codes::batch::INVALID_UTF8,
                    "",
                    format!("not valid UTF-8 (at byte {})", e.valid_up_to()),
                )],
                Ok(text) => {
                    let reserved = Reserved {
                        id: None,
                        label: None,
                    };
                    let read = row::read(
                        text,
                        &plan,
                        sets,
                        reserved,
                        &mut readings,
                        &mut answers,
                        &mut scratch,
                    );
                    match read {
                        Ok(keys) => {
                            unread.extend(keys.unknown);
                            let mut errors = keys.repeated;
                            if keys.direct.is_none() {
                                errors.extend(plan.store(sets, &mut readings, &mut answers));
                            }
                            errors
                        }
                        Err(problem) => {
                            readings.fill(Reading::Missing);
                            vec![match problem {
                                RowProblem::Json(e) => RowError::new(
                                    codes::batch::INVALID_JSON,
                                    "",
                                    format!(
                                        "column {}: invalid JSON: {}",
                                        e.column(),
                                        herken_engine::json_problem(&e)
                                    ),
                                ),
                                RowProblem::NotAnObject(kind) => RowError::new(
                                    codes::batch::NOT_AN_OBJECT,
                                    "",
                                    format!("{kind}, not a JSON object of answers"),
                                ),
                            }]
                        }
                    }
                }
            },
        };
        if errors.is_empty() {
            cases.push(answers);
        } else {
            for e in errors {
                if problems.len() < 20 {
                    let field = if e.field.is_empty() {
                        String::new()
                    } else {
                        format!(" field `{}`:", e.field)
                    };
                    problems.push(format!(
                        "{name}: row {} (line {}):{field} {} [{}]",
                        raw.row, raw.line, e.message, e.code
                    ));
                }
            }
        }
    }
    if !unread.is_empty() {
        let keys: Vec<String> = unread.iter().take(20).map(|k| format!("`{k}`")).collect();
        writeln!(
            err,
            "herken: note: keys not read (not questions of the rule sets): {}{}",
            keys.join(", "),
            if unread.len() > 20 { ", …" } else { "" }
        )?;
    }
    if !problems.is_empty() {
        return Err(CliError::input(format!(
            "rows that cannot be read; fix them to simulate:\n{}",
            problems.join("\n")
        )));
    }
    Ok(cases)
}

/// Simulates every case on `workers` threads; results in case order.
fn simulate_all(
    rules: &CompiledRuleSet,
    cases: &[&Observations],
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
