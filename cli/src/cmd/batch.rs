//! `herken batch`: score many anonymised cases from CSV or JSONL, for researchers.
//!
//! Memory stays bounded and output in input order whatever the thread count: one thread reads
//! chunks of rows and N threads score them (`batch/pipeline.rs`); this thread writes the chunks
//! in order and counts for the summary.
//!
//! No row is lost: a row that cannot be read or scored is written with its row number and the
//! reason, and the exit code is 1. Ctrl-C stops after the last whole chunk, flushes, and says
//! how many rows were written. A closed pipe (`| head`) ends the run quietly.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;
use herken_engine::{CompiledRuleSet, ScreenOptions};

use crate::batch::compare::{self, CompareTally};
use crate::batch::identifiers;
use crate::batch::input::{self, InputFormat};
use crate::batch::mapping::{self, Columns, NotReadKey, Plan, Questions};
use crate::batch::metrics::Tally;
use crate::batch::output::{Layout, OutputFormat};
use crate::batch::pipeline::{Chunk, Msg, Pipeline};
use crate::batch::progress::Progress;
use crate::batch::score::Scorer;
use crate::batch::subgroups::{self, GroupTally};
use crate::batch::summary;
use crate::error::{CliError, EXIT_INTERRUPTED};
use crate::ruleset::{self, DEFAULT_RULES};

/// Rows sampled by `--check-identifiers` before scoring starts.
const IDENTIFIER_SAMPLE: usize = 1000;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The cases: a CSV (with a header row) or JSONL file, gzip-compressed or not, or `-` for
    /// standard input.
    input: String,
    /// Rule-set folders, bundle files (`*.bundle.json`) or bundled ids, comma-separated
    /// (default: the sets the mapping's routes name, else `ilo-2009-adult-labour`).
    #[arg(long, short, value_delimiter = ',')]
    rules: Vec<String>,
    /// Where to write one result row per input row (default: standard output); a name ending
    /// in `.gz` is written gzip-compressed.
    #[arg(long, short)]
    output: Option<String>,
    /// Output format (default: from the output file's extension, else CSV).
    #[arg(long, value_enum)]
    format: Option<OutputFormat>,
    /// Input format (default: from the input's extension, else from its first byte).
    #[arg(long, value_enum)]
    input_format: Option<InputFormat>,
    /// Column mapping: a YAML file, or a bundled mapping by name (`ctdc`). Without it, column
    /// names are question ids.
    #[arg(long)]
    map: Option<String>,
    /// The column that identifies a case, copied to the output's `id`.
    #[arg(long)]
    id_column: Option<String>,
    /// Write a summary here: JSON, or with a `.csv` name one figure per line (and a readable
    /// one to stderr).
    #[arg(long)]
    summary: Option<PathBuf>,
    /// A reference label column (1/0, yes/no, true/false) for validation metrics in the summary.
    #[arg(long)]
    label: Option<String>,
    /// With `--label`: an outcome id; positive means this outcome or higher (default: the
    /// highest outcome).
    #[arg(long, requires = "label")]
    threshold: Option<String>,
    /// With `--summary`: a column to break every figure down by, one table per value
    /// (repeatable; any column of the input, a question or not).
    #[arg(long = "by", value_name = "COLUMN")]
    by: Vec<String>,
    /// With `--by`: figures resting on fewer cases than this are suppressed, so small groups
    /// cannot identify people (default: 10; 1 suppresses nothing).
    #[arg(long, value_name = "N")]
    min_cell: Option<u64>,
    /// With `--summary` and two or more rule sets: compare each pair on the same rows
    /// (agreement tables, Cohen's kappa, McNemar's exact test, the rows where they disagree).
    #[arg(long)]
    compare: bool,
    /// Wide output: one more column per indicator of each rule set, with its state
    /// (`present`, `absent`, `unknown`, `error`); in JSONL an `indicators` object per result.
    #[arg(long)]
    wide: bool,
    /// Scoring threads (default: the number of cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Copy the input values into the output (off by default: outputs carry no raw answers).
    #[arg(long)]
    include_input: bool,
    /// Before scoring, warn about columns that look like direct identifiers (names, e-mail
    /// addresses, phone numbers, BSNs, passport numbers, IBANs).
    #[arg(long)]
    check_identifiers: bool,
    #[command(flatten)]
    trust: ruleset::TrustArgs,
}

pub fn run(args: &Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), CliError> {
    let options = RunOptions {
        input: None,
        ctrl_c: true,
        summary_taken: false,
        stop: None,
        written_to: None,
    };
    run_with(args, options, out, err)?.status
}

/// How [`run_with`] is embedded: the command line's own run, or a front end (the Python
/// package) that passes its data in and keeps its own signal handling.
#[derive(Debug)]
pub struct RunOptions {
    /// The cases, already opened; `None` opens `args.input` (a file or standard input).
    pub input: Option<input::Input>,
    /// Stop after the last whole chunk on Ctrl-C (the command line); a front end that handles
    /// signals itself leaves it off.
    pub ctrl_c: bool,
    /// The caller takes the summary from [`Finished`], so the options that add to it (`--by`,
    /// `--compare`) need no `--summary FILE`.
    pub summary_taken: bool,
    /// Set by the caller to stop after the last whole chunk, as Ctrl-C does (a front end's
    /// own interrupt, such as Python's KeyboardInterrupt).
    pub stop: Option<Arc<AtomicBool>>,
    /// Where `out` goes, as messages name it when rows were written before an error stopped
    /// the run (`None`: `--output`'s file, else standard output).
    pub written_to: Option<String>,
}

/// A batch run that went through: its summary and how it ended.
#[derive(Debug)]
pub struct Finished {
    /// The figures `--summary` writes, for the rows written.
    pub summary: summary::Summary,
    /// `Ok` when every row was read and scored; else the command's error: rows that failed
    /// (each in the output with its reason), an input that could not be read to its end, or an
    /// interruption, each saying how many rows were written.
    pub status: Result<(), CliError>,
}

/// `herken batch` with its data passed in: the rows go to `out` (unless `args` name an output
/// file), notes to `err`.
///
/// # Errors
/// What stops a run before its rows: a rule set, mapping, input or option that cannot be used,
/// or a failure to write.
pub fn run_with(
    args: &Args,
    options: RunOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Finished, CliError> {
    let trust = args.trust.policy()?;
    if args.threads == Some(0) {
        return Err(CliError::usage("`--threads` must be 1 or more"));
    }
    let mapping = args.map.as_deref().map(mapping::load).transpose()?;
    let specs: Vec<String> = if !args.rules.is_empty() {
        args.rules.clone()
    } else if let Some(m) = mapping.as_ref().filter(|m| !m.routes.is_empty()) {
        let mut ids: Vec<String> = Vec::new();
        for id in m.routes.iter().flat_map(|r| &r.sets) {
            if !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    } else {
        vec![DEFAULT_RULES.to_owned()]
    };
    let sets = ruleset::open_all(&specs, &trust, err)?;
    let thresholds = thresholds(&sets, args.threshold.as_deref(), err)?;
    check_analyses(args, sets.len(), options.summary_taken)?;
    if let Some(o) = args.output.as_deref().filter(|o| *o != "-")
        && same_file(Path::new(o), Path::new(&args.input))
    {
        return Err(CliError::usage(format!(
            "the output `{o}` is the input; write the results to another file"
        )));
    }

    let input = match options.input {
        Some(input) => input,
        None => input::open(&args.input, args.input_format)?,
    };
    let name = input.name.clone();
    let (size, bytes_read) = (input.size, Arc::clone(&input.bytes_read));
    let (mut records, header) = input::records(input)?;

    let questions = Questions::of(&sets);
    // A `--by` column the plan does not read as an answer is, like the id and label, read
    // on its own (and gets no note).
    let read_as_answer = |c: &str| match &mapping {
        None => questions.contains(c),
        Some(m) => m.columns.contains_key(c),
    };
    let reserved: Vec<&str> = [args.id_column.as_deref(), args.label.as_deref()]
        .into_iter()
        .flatten()
        .chain(
            args.by
                .iter()
                .map(String::as_str)
                .filter(|c| !read_as_answer(c)),
        )
        .collect();
    let position = |column: &Option<String>, what: &str| -> Result<_, CliError> {
        let Some(c) = column else { return Ok(None) };
        match &header {
            None => Ok(Some((c.clone(), None))),
            Some(h) => match h.iter().position(|x| x == c) {
                Some(i) => Ok(Some((c.clone(), Some(i)))),
                None => Err(CliError::usage(format!(
                    "{what} `{c}` is not a column of `{name}`"
                ))),
            },
        }
    };
    let id = position(&args.id_column, "the id column")?;
    let label = position(&args.label, "the label column")?;
    let by = args
        .by
        .iter()
        .map(|c| {
            position(&Some(c.clone()), "the `--by` column").map(|p| p.expect("a column was given"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let columns = match &header {
        Some(h) => Columns::Header(h),
        None => Columns::Keys,
    };
    let (plan, notes) = Plan::new(&questions, &sets, columns, mapping.as_ref(), &reserved)
        .map_err(|e| CliError {
            message: format!("`{name}`: {}", e.message),
            kind: e.kind,
        })?;
    for note in notes {
        writeln!(err, "herken: note: {note}")?;
    }
    let mut not_read = plan.not_read.clone();

    let format = args.format.unwrap_or_else(|| {
        args.output
            .as_deref()
            .filter(|o| *o != "-")
            .map_or(OutputFormat::Csv, OutputFormat::from_name)
    });
    let layout = Layout {
        format,
        set_ids: sets.iter().map(|s| s.id().to_owned()).collect(),
        include_input: args.include_input,
        input_header: header.clone(),
        label: args.label.is_some(),
        wide: args.wide.then(|| {
            sets.iter()
                .map(|s| s.indicators().iter().map(|i| i.id().to_owned()).collect())
                .collect()
        }),
    };
    // A file is written as `<file>.partial` and renamed into place only once every row is in
    // it: a run that stops early (or is killed) never leaves a file that looks complete.
    let (partial, file) = match args.output.as_deref().filter(|o| *o != "-") {
        Some(path) => {
            let (partial, file) = Partial::create(path)?;
            (Some(partial), Some(file))
        }
        None => (None, None),
    };
    let gzip = args
        .output
        .as_deref()
        .is_some_and(|o| o.to_ascii_lowercase().ends_with(".gz"));
    let mut sink = match file {
        Some(file) if gzip => Sink::Gzip(Box::new(BufWriter::with_capacity(
            1 << 16,
            GzEncoder::new(file, Compression::default()),
        ))),
        Some(file) => Sink::Plain(BufWriter::with_capacity(1 << 16, Box::new(file))),
        None => Sink::Plain(BufWriter::with_capacity(1 << 16, Box::new(out))),
    };

    let mut first = Vec::new();
    let mut first_end = None;
    let mut early_findings = Vec::new();
    let sample = if args.check_identifiers {
        first_end = records.read_up_to(IDENTIFIER_SAMPLE, &mut first);
        early_findings = identifiers::scan(&first, header.as_deref());
        for f in &early_findings {
            writeln!(err, "herken: warning: {}", f.message())?;
        }
        if early_findings.is_empty() {
            writeln!(
                err,
                "herken: no column of the first {} rows looks like a direct identifier",
                first.len()
            )?;
        }
        // The rest of the input is sampled as it is read, evenly across the whole input;
        // the sample is checked again when the run ends.
        let mut reservoir = identifiers::Reservoir::new(IDENTIFIER_SAMPLE);
        for row in &first {
            reservoir.offer(&row.data);
        }
        Some(Arc::new(Mutex::new(reservoir)))
    } else {
        None
    };

    if let Some(h) = layout.header() {
        sink.write_all(h.as_bytes())?;
    }
    let scorer = Arc::new(Scorer {
        sets: sets.clone(),
        plan,
        layout,
        id,
        label,
        by,
        keep_ids: args.compare,
        options: ScreenOptions {
            language: "en".into(),
            next_questions: false,
        },
    });

    if options.ctrl_c {
        // A second Ctrl-C while the first is being handled ends the process at once.
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
        });
    }
    let workers = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    let pipeline = Pipeline::start(records, first, first_end, &scorer, workers, sample.clone())?;

    let progress = Progress::new(size, bytes_read);
    let mut tally = Tally::new(&sets);
    let mut groups = (!args.by.is_empty()).then(|| GroupTally::new(&args.by));
    let mut pairs = args.compare.then(|| CompareTally::new(&sets));
    let mut unknown_keys: BTreeMap<String, u64> = BTreeMap::new();
    let mut bad_labels = BadLabels::default();
    // JSONL rows read, and those with a key the plan reads.
    let (mut objects, mut answered) = (0u64, 0u64);
    let mut pending: BTreeMap<u64, Chunk> = BTreeMap::new();
    let mut next = 0u64;
    let mut end: Option<u64> = None;
    let mut read_error: Option<(u64, String)> = None;
    let stop = options.stop.clone();
    let stopped = || {
        INTERRUPTED.load(Ordering::SeqCst)
            || stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
    };
    let interrupted = 'run: loop {
        if stopped() {
            break true;
        }
        if end == Some(next) {
            break false;
        }
        match pipeline.results.recv_timeout(Duration::from_millis(100)) {
            Ok(Msg::Chunk(index, chunk)) => {
                pending.insert(index, chunk);
                while let Some(chunk) = pending.remove(&next) {
                    sink.write_all(chunk.text.as_bytes())?;
                    for scored in chunk.rows {
                        tally.add(&scored.stats);
                        if let Some(g) = &mut groups {
                            g.add(&sets, &scored.stats);
                        }
                        if let Some(p) = &mut pairs {
                            p.add(&sets, &scored.stats);
                        }
                        if let Some(value) = scored.bad_label {
                            bad_labels.add(value);
                        }
                        if let Some(a) = scored.answered {
                            objects += 1;
                            answered += u64::from(a);
                        }
                        for key in &scored.stats.unknown_keys {
                            if unknown_keys.len() < 1000 {
                                unknown_keys.entry(key.clone()).or_insert(tally.rows);
                            }
                        }
                    }
                    next += 1;
                    pipeline.written();
                    progress.update(tally.rows);
                    if stopped() {
                        break 'run true;
                    }
                }
            }
            Ok(Msg::ReadError { after_row, message }) => read_error = Some((after_row, message)),
            Ok(Msg::End(chunks)) => end = Some(chunks),
            Err(RecvTimeoutError::Timeout) => progress.update(tally.rows),
            Err(RecvTimeoutError::Disconnected) => {
                if end != Some(next) {
                    return Err(CliError::input(format!(
                        "internal error: scoring stopped after row {}; please report this",
                        tally.rows
                    )));
                }
                break false;
            }
        }
    };
    sink.finish()?;
    progress.finish();
    let complete = !interrupted && read_error.is_none();
    let written_to = match &partial {
        None => options
            .written_to
            .clone()
            .unwrap_or_else(|| "standard output".to_owned()),
        Some(p) if complete => {
            p.commit()?;
            format!("`{}`", p.target.display())
        }
        Some(p) if p.in_place() => format!("`{}` (incomplete)", p.target.display()),
        // Kept under its `.partial` name: whole rows, and nothing lost, but not the result.
        Some(p) => {
            format!(
                "`{}` (incomplete, so not named `{}`)",
                p.temp.display(),
                p.target.display()
            )
        }
    };

    if let Some(sample) = &sample {
        let reservoir = sample
            .lock()
            .map_err(|_| CliError::input("internal error: the identifier sample was lost"))?;
        let (seen, kept) = reservoir.counts();
        if seen > kept as u64 {
            let later: Vec<_> = reservoir
                .findings(header.as_deref())
                .into_iter()
                .filter(|f| !early_findings.iter().any(|e| e.same(f)))
                .collect();
            for f in &later {
                writeln!(
                    err,
                    "herken: warning: in {kept} rows sampled across all {seen}: {}",
                    f.message()
                )?;
            }
            if later.is_empty() {
                writeln!(
                    err,
                    "herken: no further column looks like a direct identifier in {kept} rows sampled across all {seen}"
                )?;
            }
        }
    }
    not_read.keys = unknown_keys
        .iter()
        .map(|(key, &first_row)| NotReadKey {
            key: key.clone(),
            first_row,
        })
        .collect();
    not_read
        .keys
        .sort_by(|a, b| (a.first_row, &a.key).cmp(&(b.first_row, &b.key)));
    let keys = &not_read.keys;
    if !keys.is_empty() {
        for NotReadKey {
            key,
            first_row: row,
        } in keys.iter().take(20)
        {
            writeln!(
                err,
                "herken: note: key `{key}` (first in row {row}) is not read: not a question of the rule sets{}; ignored",
                if mapping.is_some() {
                    " nor a column of the mapping"
                } else {
                    ""
                }
            )?;
        }
        if keys.len() > 20 {
            writeln!(
                err,
                "herken: note: and {} more keys not read",
                keys.len() - 20
            )?;
        }
    }
    for (set, n) in sets.iter().zip(tally.outside_population()) {
        if n > 0 {
            let instead = match set.population() {
                Some(herken_engine::Population::Child) => "a set for adults",
                _ => "a set for children",
            };
            writeln!(
                err,
                "herken: note: {n} row{} answer `under_18` outside the population `{}` is written for ({}): read the outcome of {instead} for {} (case::population-mismatch)",
                if n == 1 { "" } else { "s" },
                set.id(),
                set.population().map_or("", |p| p.label("en")),
                if n == 1 { "it" } else { "them" },
            )?;
        }
    }
    let bad_labels = args
        .label
        .as_deref()
        .and_then(|column| bad_labels.error(column));
    if let Some(g) = groups.as_ref().filter(|_| tally.rows > 0) {
        for column in g.never_given() {
            writeln!(
                err,
                "herken: note: no row gives a value for the `--by` column `{column}`: every row is in its group of empty values"
            )?;
        }
    }
    let mut summary = tally.summary(
        &sets,
        &name,
        args.label.as_deref(),
        &thresholds,
        interrupted,
    );
    summary.subgroups = groups.as_ref().map(|g| {
        g.summary(
            &sets,
            args.label.as_deref(),
            &thresholds,
            args.min_cell.unwrap_or(subgroups::MIN_CELL),
        )
    });
    summary.comparisons = pairs.as_ref().map(|p| p.summary(&sets));
    summary.not_read = not_read;
    if let Some(path) = args.summary.as_ref().filter(|_| bad_labels.is_none()) {
        let text = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            let mut csv = Vec::new();
            summary::write_csv(&mut csv, &summary)?;
            csv
        } else {
            let json = serde_json::to_string_pretty(&summary)
                .map_err(|e| CliError::input(format!("cannot write the summary: {e}")))?;
            (json + "\n").into_bytes()
        };
        std::fs::write(path, text)
            .map_err(|e| CliError::io(format_args!("cannot write `{}`", path.display()), &e))?;
        summary::write_table(err, &summary)?;
        if let Some(s) = &summary.subgroups {
            subgroups::write_table(err, s, &sets, &thresholds, args.label.is_some())?;
        }
        if let Some(c) = &summary.comparisons {
            compare::write_table(err, c)?;
        }
        if summary.subgroups.is_some() || summary.comparisons.is_some() {
            writeln!(err)?;
        }
    }
    let rows = tally.rows;
    let status = if interrupted {
        Err(CliError::interrupted(format!(
            "interrupted: {rows} row{} written to {written_to} (whole rows, input rows 1 to {rows}); the rest of the input was not scored",
            if rows == 1 { "" } else { "s" }
        )))
    } else if objects > 0 && answered == 0 {
        let mut keys: Vec<&str> = unknown_keys.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let rows_of = format!(
            "{objects} JSONL row{} of `{name}`",
            if objects == 1 { "" } else { "s" }
        );
        Err(CliError::input(if keys.is_empty() {
            format!(
                "none of the {rows_of} answers a question: their keys are the id, the label or questions left empty (`null`); the rows were written to {written_to}, every one without answers"
            )
        } else {
            let shown: Vec<String> = keys.iter().take(10).map(|k| format!("`{k}`")).collect();
            format!(
                "no key of the {rows_of} answers a question: the keys are {}{}; name the keys by question id (`herken questions` lists them) or give a mapping (`--map`); the rows were written to {written_to}, every one without answers",
                shown.join(", "),
                if keys.len() > 10 { ", …" } else { "" }
            )
        }))
    } else if let Some(message) = bad_labels {
        Err(CliError::input(format!(
            "{message}; the rows were written to {written_to}{}",
            if args.summary.is_some() {
                ", the summary was not"
            } else {
                ""
            }
        )))
    } else if let Some((after, message)) = read_error {
        Err(CliError::input(format!(
            "cannot read `{name}` after row {after}: {message}; the {rows} rows before it were written to {written_to}"
        )))
    } else if tally.failed > 0 {
        Err(CliError::findings(format!(
            "{} of {rows} rows failed; each is in the output with its row number and the reason (`errors`)",
            tally.failed
        )))
    } else {
        Ok(())
    };
    Ok(Finished { summary, status })
}

/// The options of the analyses need the summary they add to.
fn check_analyses(args: &Args, sets: usize, summary_taken: bool) -> Result<(), CliError> {
    let summary = args.summary.is_some() || summary_taken;
    if !args.by.is_empty() && !summary {
        return Err(CliError::usage(
            "`--by` breaks the summary down: give `--summary FILE` too",
        ));
    }
    if args.min_cell.is_some() && args.by.is_empty() {
        return Err(CliError::usage(
            "`--min-cell` applies to subgroups: give `--by COLUMN` too",
        ));
    }
    if let Some(c) = args
        .by
        .iter()
        .enumerate()
        .find_map(|(i, c)| args.by[..i].contains(c).then_some(c))
    {
        return Err(CliError::usage(format!("`--by {c}` is given twice")));
    }
    if args.compare {
        if !summary {
            return Err(CliError::usage(
                "`--compare` reports in the summary: give `--summary FILE` too",
            ));
        }
        if sets < 2 {
            return Err(CliError::usage(
                "`--compare` needs two or more rule sets: `--rules a,b`",
            ));
        }
    }
    Ok(())
}

/// Where the rows go: a plain stream, or a gzip file (`-o *.gz`) that must be finished.
enum Sink<'a> {
    Plain(BufWriter<Box<dyn Write + 'a>>),
    Gzip(Box<BufWriter<GzEncoder<File>>>),
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(w) => w.write(buf),
            Self::Gzip(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Self::Plain(w) => w.write_all(buf),
            Self::Gzip(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(w) => w.flush(),
            Self::Gzip(w) => w.flush(),
        }
    }
}

impl Sink<'_> {
    /// Writes what is buffered and, for gzip, the stream's end (a whole, valid file even
    /// when the run was interrupted).
    fn finish(self) -> std::io::Result<()> {
        match self {
            Self::Plain(mut w) => w.flush(),
            Self::Gzip(w) => {
                let gz = w
                    .into_inner()
                    .map_err(std::io::IntoInnerError::into_error)?;
                gz.finish()?.flush()
            }
        }
    }
}

/// Label cells that are not label values, counted by value (the first [`BadLabels::KEPT`]
/// distinct values).
#[derive(Default)]
struct BadLabels {
    counts: BTreeMap<String, u64>,
    rows: u64,
}

impl BadLabels {
    const KEPT: usize = 20;

    fn add(&mut self, value: String) {
        self.rows += 1;
        if self.counts.len() < Self::KEPT || self.counts.contains_key(&value) {
            *self.counts.entry(value).or_insert(0) += 1;
        }
    }

    /// The error to give, if any cell was not a label value.
    fn error(&self, column: &str) -> Option<String> {
        if self.rows == 0 {
            return None;
        }
        let mut values: Vec<(&String, &u64)> = self.counts.iter().collect();
        values.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let shown: Vec<String> = values
            .iter()
            .map(|(v, n)| format!("`{v}` ({n} row{})", if **n == 1 { "" } else { "s" }))
            .collect();
        let counted: u64 = self.counts.values().sum();
        let rest = if counted < self.rows {
            format!(" and {} more rows with other values", self.rows - counted)
        } else {
            String::new()
        };
        Some(format!(
            "the label column `{column}` has values that are not labels in {} row{}: {}{rest}; a label is 1/0, yes/no, true/false or ja/nee (any case), and an empty cell means unlabelled: recode the column so no case is counted in the wrong class",
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            shown.join(", ")
        ))
    }
}

/// The outcome level that counts as positive, per rule set.
fn thresholds(
    sets: &[Arc<CompiledRuleSet>],
    threshold: Option<&str>,
    err: &mut dyn Write,
) -> Result<Vec<usize>, CliError> {
    let highest = |s: &CompiledRuleSet| s.outcomes().len().saturating_sub(1);
    let Some(t) = threshold else {
        return Ok(sets.iter().map(|s| highest(s)).collect());
    };
    if !sets
        .iter()
        .any(|s| s.outcomes().iter().any(|o| o.id() == t))
    {
        let ids: Vec<&str> = sets
            .iter()
            .flat_map(|s| s.outcomes().iter().map(|o| o.id()))
            .collect();
        return Err(CliError::usage(format!(
            "`--threshold {t}` is not an outcome of the rule sets (outcomes: {})",
            ids.join(", ")
        )));
    }
    let mut levels = Vec::new();
    for s in sets {
        match s.outcomes().iter().position(|o| o.id() == t) {
            Some(level) => levels.push(level),
            None => {
                writeln!(
                    err,
                    "herken: note: rule set `{}` has no outcome `{t}`; its threshold is its highest outcome",
                    s.id()
                )?;
                levels.push(highest(s));
            }
        }
    }
    Ok(levels)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// An output file being written: `<target>.partial` until [`Partial::commit`] renames it into
/// place. Left uncommitted (a run that stops early, an error, a kill), it keeps its `.partial`
/// name, which says what it is.
///
/// A target that is there and is not a file (a device such as `/dev/null` or `/dev/stdout`, a
/// named pipe) is written in place: renaming a file onto it would replace it — as root, the
/// system's own `/dev/null`.
struct Partial {
    target: PathBuf,
    /// `<target>.partial`, or the target itself when it is written in place.
    temp: PathBuf,
}

impl Partial {
    fn create(target: &str) -> Result<(Self, File), CliError> {
        let target = PathBuf::from(target);
        let in_place = std::fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let temp = if in_place {
            target.clone()
        } else {
            let mut temp = target.clone().into_os_string();
            temp.push(".partial");
            PathBuf::from(temp)
        };
        let file = File::create(&temp)
            .map_err(|e| CliError::input(format!("cannot create `{}`: {e}", temp.display())))?;
        Ok((Self { target, temp }, file))
    }

    fn in_place(&self) -> bool {
        self.temp == self.target
    }

    /// Every row is written: the file takes its name.
    fn commit(&self) -> Result<(), CliError> {
        if self.in_place() {
            return Ok(());
        }
        std::fs::rename(&self.temp, &self.target).map_err(|e| {
            CliError::input(format!(
                "cannot rename `{}` to `{}`: {e}",
                self.temp.display(),
                self.target.display()
            ))
        })
    }
}
