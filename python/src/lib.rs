//! `herken._herken`: the native half of the Python package `herken`. It only converts between
//! Python and herken's own parts: rule sets are found and loaded by the CLI's resolver
//! (`herken_cli::ruleset`), cases read and screened by the engine, batches run by the CLI's
//! batch pipeline (`herken_cli::cmd::batch::run_with`) with the very options the command line
//! parses. The Python half (`herken/__init__.py`) turns tables and dicts into input and the
//! output into DataFrames.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use herken_cli::batch::input::InputFormat;
use herken_cli::cmd::batch::{self, RunOptions};
use herken_cli::{Cli, CliError, Command, ErrorKind};
use herken_engine::{
    AnswerPolicy, CaseTextError, CompiledRuleSet, ObservationOptions, ScreenOptions, TrustPolicy,
    json_problem,
};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pyo3::create_exception!(
    _herken,
    HerkenError,
    PyException,
    "Base of herken's errors: `code`, `kind` and, where they apply, `file`, `line`, `column`, \
     `row` and `field` say what and where. Never an answer value."
);
pyo3::create_exception!(
    _herken,
    UsageError,
    HerkenError,
    "An option or argument that cannot be (the CLI's exit code 2)."
);
pyo3::create_exception!(
    _herken,
    InputError,
    HerkenError,
    "An input that cannot be used: a file, a mapping, a key, a bundle (the CLI's exit code 2)."
);
pyo3::create_exception!(
    _herken,
    RuleSetError,
    InputError,
    "A rule set that does not load: `diagnostics` lists every error with file, line and column."
);
pyo3::create_exception!(
    _herken,
    CaseError,
    InputError,
    "A case that does not fit the rule set's questions: `errors` lists every problem by field."
);

/// Where an error is, for the exception's attributes.
#[derive(Debug, Default)]
struct Place {
    file: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
    row: Option<u64>,
    field: Option<String>,
}

/// Sets the attributes every herken exception carries.
fn with_attributes(
    py: Python<'_>,
    err: PyErr,
    kind: &str,
    code: Option<&str>,
    place: &Place,
) -> PyErr {
    let value = err.value(py);
    let set = |name: &str, v: Option<Py<PyAny>>| {
        let _ = value.setattr(name, v.unwrap_or_else(|| py.None()));
    };
    let text =
        |s: Option<&str>| s.and_then(|s| s.into_pyobject(py).ok().map(|o| o.into_any().unbind()));
    let int =
        |n: Option<u64>| n.and_then(|n| n.into_pyobject(py).ok().map(|o| o.into_any().unbind()));
    set("kind", text(Some(kind)));
    set("code", text(code));
    set("file", text(place.file.as_deref()));
    set("line", int(place.line));
    set("column", int(place.column));
    set("row", int(place.row));
    set("field", text(place.field.as_deref()));
    err
}

/// A [`CliError`] as a Python exception of its kind. Its message already names the place
/// (file, column, option); a code in it (`error[bundle::…]`, `(case::…)`) becomes `code`.
fn cli_error(py: Python<'_>, e: &CliError) -> PyErr {
    let (err, kind) = match e.kind {
        ErrorKind::Usage => (UsageError::new_err(e.message.clone()), "usage"),
        ErrorKind::Input | ErrorKind::Io(_) => (InputError::new_err(e.message.clone()), "input"),
        ErrorKind::Findings => (HerkenError::new_err(e.message.clone()), "findings"),
        ErrorKind::Interrupted => (HerkenError::new_err(e.message.clone()), "interrupted"),
    };
    let code = code_in(&e.message);
    with_attributes(py, err, kind, code, &place_in(&e.message))
}

/// Where a command-line message says the error is: the file of `cannot read `…``, the row
/// (`row N`; `after row N` is row N + 1), `line N`, `column N` and the field of
/// `column `name``. Messages never carry an answer, so neither does any of this.
fn place_in(message: &str) -> Place {
    let number_after = |word: &str| {
        message.match_indices(word).find_map(|(i, _)| {
            let rest = &message[i + word.len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..end].parse::<u64>().ok()
        })
    };
    let quoted_after = |word: &str| {
        let i = message.find(word)?;
        let rest = &message[i + word.len()..];
        Some(rest[..rest.find('`')?].to_owned())
    };
    Place {
        file: quoted_after("cannot read `"),
        line: number_after("line "),
        column: number_after("column "),
        row: number_after("after row ")
            .map(|n| n + 1)
            .or_else(|| number_after("row ")),
        field: quoted_after("column `"),
    }
}

/// A diagnostic code named in a message (`error[bundle::untrusted]`, `(case::too-long)`).
fn code_in(message: &str) -> Option<&str> {
    if let Some(i) = message.find("error[") {
        let rest = &message[i + 6..];
        let code = &rest[..rest.find(']')?];
        return code.contains("::").then_some(code);
    }
    message.match_indices('(').find_map(|(i, _)| {
        let rest = &message[i + 1..];
        let code = &rest[..rest.find(')')?];
        (code.contains("::") && !code.contains(' ')).then_some(code)
    })
}

/// A bundled set, a rule-set folder or a bundle file, loaded and compiled once.
#[pyclass(frozen, module = "herken._herken", name = "RuleSet")]
struct RuleSet {
    set: Arc<CompiledRuleSet>,
    spec: String,
    trusted_keys: Vec<PathBuf>,
    notes: Vec<String>,
}

#[pymethods]
impl RuleSet {
    /// Finds and loads a rule set as `--rules` does: an existing folder, a bundle file, else
    /// a bundled id. With `trusted_keys`, only a bundle signed by one of them opens.
    #[staticmethod]
    #[pyo3(signature = (spec, trusted_keys = Vec::new()))]
    fn open(py: Python<'_>, spec: &str, trusted_keys: Vec<PathBuf>) -> PyResult<Self> {
        let trust = herken_cli::ruleset::TrustArgs {
            trusted_keys: trusted_keys.clone(),
        }
        .policy()
        .map_err(|e| cli_error(py, &e))?;
        open(py, spec, &trust, trusted_keys)
    }

    #[getter]
    fn id(&self) -> &str {
        self.set.id()
    }

    #[getter]
    fn version(&self) -> &str {
        self.set.version()
    }

    #[getter]
    fn sha256(&self) -> &str {
        self.set.sha256()
    }

    #[getter]
    fn languages(&self) -> Vec<String> {
        self.set.languages().to_vec()
    }

    /// How it was named (`spec`), as `--rules` takes it.
    #[getter]
    fn spec(&self) -> &str {
        &self.spec
    }

    #[getter]
    fn trusted_keys(&self) -> Vec<PathBuf> {
        self.trusted_keys.clone()
    }

    /// Notes the loading wrote (lint warnings, signature notes), one line each.
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// The title in `language` (or the set's first language).
    #[pyo3(signature = (language = "en"))]
    fn title(&self, language: &str) -> String {
        self.set
            .title()
            .get(language, self.set.languages())
            .to_owned()
    }

    /// Question ids, in order.
    #[getter]
    fn questions(&self) -> Vec<String> {
        self.set
            .questions()
            .iter()
            .map(|q| q.id().to_owned())
            .collect()
    }

    /// Outcome ids, lowest level first.
    #[getter]
    fn outcomes(&self) -> Vec<String> {
        self.set
            .outcomes()
            .iter()
            .map(|o| o.id().to_owned())
            .collect()
    }

    /// Screens one case given as JSON text: the report as JSON text, byte for byte what
    /// `herken screen --format json` writes for it (one report of its list).
    #[pyo3(signature = (case_json, language = "nl", next_questions = true))]
    fn screen_json(
        &self,
        py: Python<'_>,
        case_json: &str,
        language: &str,
        next_questions: bool,
    ) -> PyResult<String> {
        herken_cli::cmd::check_language(&self.set, language).map_err(|e| cli_error(py, &e))?;
        let options = ObservationOptions {
            allow_unknown_keys: false,
            policy: AnswerPolicy::CASE,
        };
        let obs = self
            .set
            .observations_from_str(case_json, options)
            .map_err(|e| case_error(py, &e))?;
        let report = self.set.evaluate(
            &obs,
            &ScreenOptions {
                language: language.to_owned(),
                next_questions,
            },
        );
        serde_json::to_string(&report)
            .map_err(|e| HerkenError::new_err(format!("cannot write the report: {e}")))
    }

    fn __repr__(&self) -> String {
        format!(
            "<herken.RuleSet {} {} ({})>",
            self.set.id(),
            self.set.version(),
            self.spec
        )
    }
}

fn open(
    py: Python<'_>,
    spec: &str,
    trust: &TrustPolicy,
    trusted_keys: Vec<PathBuf>,
) -> PyResult<RuleSet> {
    let files = herken_cli::ruleset::find(spec, trust).map_err(|e| cli_error(py, &e))?;
    let loaded = match files.load() {
        Ok(loaded) => loaded,
        Err(Err(e)) => return Err(cli_error(py, &e)),
        Err(Ok(diagnostics)) => {
            let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
            let lines: Vec<String> = errors
                .iter()
                .map(|d| diagnostic_line(&files, d, "error"))
                .collect();
            let message = format!(
                "rule set `{spec}` has {} error{}:\n{}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                lines.join("\n")
            );
            let first = errors.first();
            let place = Place {
                file: first.map(|d| files.display_path(&d.span.file)),
                line: first.map(|d| u64::from(d.span.line)),
                column: first.map(|d| u64::from(d.span.column)),
                ..Place::default()
            };
            let code = first.map(|d| d.code.to_string());
            let err = with_attributes(
                py,
                RuleSetError::new_err(message),
                "input",
                code.as_deref(),
                &place,
            );
            let list = PyList::empty(py);
            for d in &errors {
                let item = PyDict::new(py);
                item.set_item("code", d.code.to_string())?;
                item.set_item("file", files.display_path(&d.span.file))?;
                item.set_item("line", d.span.line)?;
                item.set_item("column", d.span.column)?;
                item.set_item("message", &d.message)?;
                item.set_item("help", d.help.as_deref())?;
                list.append(item)?;
            }
            err.value(py).setattr("diagnostics", list)?;
            return Err(err);
        }
    };
    let notes = loaded
        .warnings
        .iter()
        .map(|d| diagnostic_line(&files, d, "warning"))
        .collect();
    Ok(RuleSet {
        set: Arc::new(loaded.rules),
        spec: spec.to_owned(),
        trusted_keys,
        notes,
    })
}

/// A case that cannot be read, as a `CaseError` with every problem by field.
fn case_error(py: Python<'_>, e: &CaseTextError) -> PyErr {
    match e {
        CaseTextError::Json(j) => with_attributes(
            py,
            CaseError::new_err(format!(
                "case:{}:{}: invalid JSON: {}",
                j.line(),
                j.column(),
                json_problem(j)
            )),
            "input",
            Some("case::invalid-json"),
            &Place {
                line: Some(j.line() as u64),
                column: Some(j.column() as u64),
                ..Place::default()
            },
        ),
        CaseTextError::Answers(errors) => {
            let lines: Vec<String> = errors.iter().map(|e| format!("case: {e}")).collect();
            let first = errors.first();
            let code = first.map(|e| e.code.to_string());
            let err = with_attributes(
                py,
                CaseError::new_err(lines.join("\n")),
                "input",
                code.as_deref(),
                &Place {
                    field: first.map(|e| e.field.clone()).filter(|f| !f.is_empty()),
                    ..Place::default()
                },
            );
            let list = PyList::empty(py);
            for e in errors {
                let item = PyDict::new(py);
                let _ = item.set_item("code", e.code.to_string());
                let _ = item.set_item("field", &e.field);
                let _ = item.set_item("message", &e.message);
                let _ = item.set_item("help", e.help.as_deref());
                let _ = list.append(item);
            }
            let _ = err.value(py).setattr("errors", list);
            err
        }
    }
}

/// Ids of the rule sets built into herken.
#[pyfunction]
fn bundled() -> Vec<String> {
    herken_cli::ruleset::bundled_ids()
        .map(str::to_owned)
        .collect()
}

/// herken's version (`herken --version`).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// What one batch run gives back: the CSV rows, the summary as JSON, the notes the command
/// line writes to stderr, and, when rows failed, the command's message about them.
type BatchOutput = (String, String, Vec<String>, Option<String>);

/// Runs `herken batch` with `argv` (the command line after `herken batch`, parsed by the
/// command line's own parser). `data`, when given, is the input (named `name` in messages);
/// else `argv` names a file. The rows come back as CSV text. The GIL is released while the
/// batch runs.
#[pyfunction]
#[pyo3(signature = (argv, data = None, name = None, jsonl = false))]
fn run_batch(
    py: Python<'_>,
    argv: Vec<String>,
    data: Option<Vec<u8>>,
    name: Option<String>,
    jsonl: bool,
) -> PyResult<BatchOutput> {
    let mut full = vec!["herken".to_owned(), "batch".to_owned()];
    full.extend(argv);
    let cli = match <Cli as clap::Parser>::try_parse_from(&full) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            let message = text
                .lines()
                .next()
                .unwrap_or("invalid options")
                .trim_start_matches("error: ")
                .to_owned();
            return Err(with_attributes(
                py,
                UsageError::new_err(message),
                "usage",
                None,
                &Place::default(),
            ));
        }
    };
    let Command::Batch(args) = cli.command else {
        return Err(HerkenError::new_err("internal error: not a batch command"));
    };
    let stop = Arc::new(AtomicBool::new(false));
    let mut signal: Option<PyErr> = None;
    // The run on its own thread, the GIL released; this thread takes the GIL back every
    // 100 ms only to see whether Python has a signal (Ctrl-C: KeyboardInterrupt), and then
    // asks the run to stop after its last whole chunk.
    let run = py.detach(|| {
        std::thread::scope(|scope| {
            let (done_tx, done_rx) = mpsc::channel();
            let (args, stop) = (&args, &stop);
            let worker = scope.spawn(move || {
                let result = batch_in_memory(args, data, name, jsonl, stop);
                let _ = done_tx.send(());
                result
            });
            loop {
                match done_rx.recv_timeout(Duration::from_millis(100)) {
                    Err(RecvTimeoutError::Timeout) if signal.is_none() => {
                        if let Err(e) = Python::attach(|py| py.check_signals()) {
                            signal = Some(e);
                            stop.store(true, Ordering::SeqCst);
                        }
                    }
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            worker.join().unwrap_or_else(|_| {
                Err(CliError::input(
                    "internal error: the batch stopped inside herken; please report it",
                ))
            })
        })
    });
    if let Some(e) = signal {
        return Err(e);
    }
    let (finished, out, err) = run.map_err(|e| cli_error(py, &e))?;
    let notes: Vec<String> = String::from_utf8_lossy(&err)
        .lines()
        .map(str::to_owned)
        .collect();
    let finished = finished.map_err(|e| {
        let err = cli_error(py, &e);
        let _ = err.value(py).setattr("notes", notes.clone());
        err
    })?;
    let failed = match finished.status {
        Ok(()) => None,
        Err(e) if e.kind == ErrorKind::Findings => Some(e.message),
        // Rows scored before the run stopped (a read error after them, bad labels) are not
        // lost: they come with the error, as the command line leaves them in its output.
        Err(e) => {
            let err = cli_error(py, &e);
            let value = err.value(py);
            let _ = value.setattr("notes", notes.clone());
            let _ = value.setattr("rows", String::from_utf8_lossy(&out).into_owned());
            return Err(err);
        }
    };
    let summary = serde_json::to_string(&finished.summary)
        .map_err(|e| HerkenError::new_err(format!("cannot write the summary: {e}")))?;
    let rows = String::from_utf8(out)
        .map_err(|e| HerkenError::new_err(format!("internal error: output not UTF-8: {e}")))?;
    Ok((rows, summary, notes, failed))
}

/// What the run thread gives back: the run (or what stopped it), the rows and the notes.
type InMemory = (Result<batch::Finished, CliError>, Vec<u8>, Vec<u8>);

/// One batch run, its input in memory when `data` is given.
fn batch_in_memory(
    args: &batch::Args,
    data: Option<Vec<u8>>,
    name: Option<String>,
    jsonl: bool,
    stop: &Arc<AtomicBool>,
) -> Result<InMemory, CliError> {
    let input = match data {
        None => None,
        Some(bytes) => {
            let format = if jsonl {
                InputFormat::Jsonl
            } else {
                InputFormat::Csv
            };
            let size = Some(bytes.len() as u64);
            Some(herken_cli::batch::input::from_reader(
                name.unwrap_or_else(|| "<data>".to_owned()),
                size,
                Box::new(std::io::Cursor::new(bytes)),
                Some(format),
            )?)
        }
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let finished = batch::run_with(
        args,
        RunOptions {
            input,
            ctrl_c: false,
            summary_taken: true,
            stop: Some(Arc::clone(stop)),
            written_to: Some("the error's `rows`".to_owned()),
        },
        &mut out,
        &mut err,
    );
    Ok((finished, out, err))
}

/// One diagnostic as a line: `file:line:column: error[code]: message`.
fn diagnostic_line(
    files: &herken_cli::ruleset::RuleSetFiles,
    d: &herken_engine::Diagnostic,
    kind: &str,
) -> String {
    format!(
        "{}:{}:{}: {kind}[{}]: {}",
        files.display_path(&d.span.file),
        d.span.line,
        d.span.column,
        d.code,
        d.message
    )
}

#[pymodule]
fn _herken(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<RuleSet>()?;
    m.add_function(wrap_pyfunction!(bundled, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(run_batch, m)?)?;
    // The per-set columns of a batch row, so that the Python side types them without a copy
    // of the list.
    m.add("SET_FIELDS", herken_cli::batch::output::FIELDS.to_vec())?;
    m.add("HerkenError", py.get_type::<HerkenError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("RuleSetError", py.get_type::<RuleSetError>())?;
    m.add("CaseError", py.get_type::<CaseError>())?;
    Ok(())
}
