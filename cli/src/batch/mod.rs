//! `herken batch`: researcher scoring of many cases. The pieces, each small enough to hold in
//! mind:
//! - [`input`]: CSV/JSONL records from a file or stdin (gzip or not), broken records kept as rows;
//! - [`mapping`]: the mapping file and the plan from input columns to each rule set's answers
//!   (codes, splits, joined labels, columns combined, `unknown_if`, routes to sets; answers read
//!   by the engine's table policy);
//! - [`row`]: a JSONL row read once from its text into the plan's readings (or, for one rule set
//!   without a mapping, straight into its answers);
//! - [`score`]: one raw row → the output line and the counts the summary needs;
//! - [`output`]: the CSV and JSONL row formats;
//! - [`metrics`]: the figures of one rule set: distributions, prevalence, validation metrics with
//!   Wilson intervals, the bounds for unknown answers;
//! - [`summary`]: the run's summary (every set, subgroups, comparisons) as JSON, CSV and a table;
//! - [`figures`]: the summary as a flat list of figures (its CSV form, and the subgroups');
//! - [`subgroups`]: `--by`: every figure per value of a column, small cells suppressed;
//! - [`compare`]: `--compare`: agreement, Cohen's kappa and McNemar's test per pair of sets;
//! - [`identifiers`]: warnings about columns that look like direct identifiers;
//! - [`pipeline`]: the reader and scoring threads, with bounded memory;
//! - [`progress`]: the progress bar.
//!
//! `cmd/batch.rs` puts them together and writes the rows in input order.

pub mod compare;
pub mod figures;
pub mod identifiers;
pub mod input;
pub mod mapping;
pub mod metrics;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod row;
pub mod score;
pub mod subgroups;
pub mod summary;
