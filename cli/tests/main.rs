//! Integration tests of the `herken` binary: each runs the built binary as a user would.
//!
//! One test binary with modules (as ripgrep does): put tests for a command in the module named
//! after it, shared helpers in `util.rs`.

mod analyses;
mod authoring;
mod batch;
mod bounds;
mod bundles;
mod cases;
mod conversation;
mod edges;
mod finish;
mod guided;
mod mistakes;
mod properties;
mod readme;
mod synth;
mod terminal;
mod tooling;
mod util;
