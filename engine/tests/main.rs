//! Integration tests of herken-engine, one binary (add new test files as modules here):
//! - `analysis`: the decision analysis catches every kind of dead rule, and agrees with brute
//!   force on generated rule sets;
//! - `load_errors`: a rule set with many mistakes reports them all, positioned;
//! - `semantics`: tri-state answers, indicator states, dimension rules, decisions, reports;
//! - `sandbox`: hostile scripts end in a clear error within their budget;
//! - `hostile`: a corpus of hostile rule sets (loops, recursion, growth, nesting, bombs, size);
//! - `properties`: generated cases: determinism, locality, monotonicity, JSON round trips;
//! - `bundled`: every bundled rule set loads, passes its own tests and screens deterministically;
//! - `claims`: a status is earned by provenance; sources declared; no outcome says "victim";
//! - `conversation`: population and its age check, forms, guidance, interviewer-only
//!   questions, translations;
//! - `docs`: examples in the documentation work as written;
//! - `guide`: guided interviews are sound (never decided when a completion says otherwise);
//! - `differential`: the native evaluator against every condition run as a script, the
//!   report's JSON writer against serde_json, and the report written straight from a
//!   screening (`evaluate_json`) against the report's JSON writer;
//! - `compiled`: the compiled form in bundles screens as the rule files do; hash and signature
//!   bind it;
//! - `cases`: the case reader: answer policies, keys given twice, no answer in any error.

mod analysis;
mod bundled;
mod cases;
mod claims;
mod common;
mod compiled;
mod conversation;
mod differential;
mod docs;
mod guide;
mod hostile;
mod load_errors;
mod properties;
mod sandbox;
mod semantics;
