//! Integration tests of herken-engine, one binary (add new test files as modules here):
//! - `load_errors`: a rule set with many mistakes reports them all, positioned;
//! - `semantics`: tri-state answers, indicator states, dimension rules, decisions, reports;
//! - `sandbox`: hostile scripts end in a clear error within their budget;
//! - `bundled`: every bundled rule set loads, passes its own tests and screens deterministically;
//! - `docs`: examples in the documentation work as written.

mod bundled;
mod common;
mod docs;
mod load_errors;
mod sandbox;
mod semantics;
