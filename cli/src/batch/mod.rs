//! `herken batch`: researcher scoring of many cases. The pieces, each small enough to hold in
//! mind:
//! - [`input`]: CSV/JSONL records from a file or stdin (gzip or not), broken records kept as rows;
//! - [`mapping`]: the mapping file and the plan from input columns to questions (codes, splits);
//! - [`values`]: reading a cell by its question's type;
//! - [`score`]: one raw row → the output line and the counts the summary needs;
//! - [`jsonl`]: JSONL rows read straight from their text, where that gives the same result;
//! - [`output`]: the CSV and JSONL row formats;
//! - [`metrics`]: the summary: distributions, prevalence, validation metrics with Wilson intervals;
//! - [`identifiers`]: warnings about columns that look like direct identifiers;
//! - [`pipeline`]: the reader and scoring threads, with bounded memory;
//! - [`progress`]: the progress bar.
//!
//! `cmd/batch.rs` puts them together and writes the rows in input order.

pub mod identifiers;
pub mod input;
pub mod jsonl;
pub mod mapping;
pub mod metrics;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod score;
pub mod values;
