//! The CLI's `batch` module for the `csv_row` target: its pure parts, compiled in by path.

#[path = "../../cli/src/batch/mapping.rs"]
pub mod mapping;
#[path = "../../cli/src/batch/values.rs"]
pub mod values;
