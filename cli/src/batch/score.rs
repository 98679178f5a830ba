//! One raw input row → its output line and the counts the summary needs. Pure and shared by
//! the scoring threads: the same row always gives the same line.
//!
//! A row's answers go straight into each rule set's [`Observations`]: CSV cells through the
//! plan ([`Plan::fill`]), JSONL rows read once from their text ([`row`]); then each set screens
//! its answers with the compact engine path.

use std::borrow::Cow;
use std::sync::Arc;

use herken_engine::{CompactResult, CompiledRuleSet, Observations, ScreenOptions, State, codes};
use serde_json::Value as Json;

use super::input::{RawData, RawRow};
use super::mapping::{Cell, Plan, Reading, RouteTest, Routing, RowError};
use super::metrics::{RowStats, SetStats};
use super::output::{Echo, Layout, Results, Row, SetNames};
use super::row::{self, Reserved, RowProblem, RowScratch};

/// A scored row: what the summary needs (its line is written by [`Scorer::score`]).
#[derive(Debug)]
pub struct Scored {
    pub stats: RowStats,
    /// The label cell, when it is neither a label value nor empty (the run then fails).
    pub bad_label: Option<String>,
    /// For a JSONL row that was read: whether it has a key the plan reads (a run where no row
    /// has one is refused).
    pub answered: Option<bool>,
}

/// A scoring thread's reusable memory: per rule set the answers, a compact result, the outcome
/// bounds and the ids a line names, and the row's readings.
#[derive(Debug)]
pub struct Scratch {
    answers: Vec<Observations>,
    compact: Vec<CompactResult>,
    /// Per rule set, when it screened the row: the outcome levels with every unknown indicator
    /// absent and with every one present.
    bounds: Vec<Option<(usize, usize)>>,
    names: Vec<SetNames>,
    /// Per rule set: whether its decision counts unknown indicators (only then is the outcome
    /// with every unknown indicator absent decided again).
    counts_unknown: Vec<bool>,
    readings: Vec<Reading>,
    row: RowScratch,
    /// Indicator states with the unknown ones taken as absent.
    states: Vec<State>,
}

/// Everything needed to score rows, fixed before the first one.
#[derive(Debug)]
pub struct Scorer {
    pub sets: Vec<Arc<CompiledRuleSet>>,
    pub plan: Plan,
    pub layout: Layout,
    /// The id and label columns: by position for CSV, by key for JSONL.
    pub id: Option<(String, Option<usize>)>,
    pub label: Option<(String, Option<usize>)>,
    /// The `--by` columns: by position for CSV, by key for JSONL.
    pub by: Vec<(String, Option<usize>)>,
    /// Whether the summary needs each row's number and id (to list rows where sets disagree).
    pub keep_ids: bool,
    pub options: ScreenOptions,
}

impl Scorer {
    /// Memory for one scoring thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            answers: self
                .sets
                .iter()
                .map(|set| Observations::unknown(set))
                .collect(),
            compact: vec![CompactResult::default(); self.sets.len()],
            bounds: vec![None; self.sets.len()],
            names: self.sets.iter().map(|s| SetNames::of(s)).collect(),
            counts_unknown: self
                .sets
                .iter()
                .map(|s| s.decision_counts_unknown())
                .collect(),
            readings: self.plan.readings(),
            row: RowScratch::default(),
            states: Vec::new(),
        }
    }

    /// Scores a row with this thread's [`Scratch`], appending its line to `out`.
    pub fn score(&self, raw: RawRow, scratch: &mut Scratch, out: &mut String) -> Scored {
        let line_no = raw.line;
        match raw.data {
            RawData::Bad(p) => self.finish(
                scratch,
                out,
                raw.row,
                None,
                None,
                vec![RowError::new(p.code, "", p.message)],
                false,
                Echo::Fields(None),
                Vec::new(),
                vec![None; self.by.len()],
                Routing::All,
            ),
            RawData::Fields(fields) => {
                let at = |c: &Option<(String, Option<usize>)>| {
                    c.as_ref().and_then(|(_, i)| *i).and_then(|i| fields.get(i))
                };
                let id = at(&self.id).map(str::to_owned);
                let label = at(&self.label).map(|v| Json::String(v.to_owned()));
                let groups = self
                    .by
                    .iter()
                    .map(|(_, i)| i.and_then(|i| fields.get(i)).and_then(group_value))
                    .collect();
                let by_test = |t: &RouteTest| {
                    Cow::Borrowed(t.index.and_then(|i| fields.get(i)).unwrap_or(""))
                };
                self.plan.read_row(&self.sets, &mut scratch.readings, |s| {
                    s.index
                        .and_then(|i| fields.get(i))
                        .map_or(Cell::Missing, Cell::Text)
                });
                self.plan.apply_unknown_if(&mut scratch.readings, by_test);
                let errors =
                    self.plan
                        .store(&self.sets, &mut scratch.readings, &mut scratch.answers);
                let routing = self.plan.route(by_test);
                self.finish(
                    scratch,
                    out,
                    raw.row,
                    id,
                    label,
                    errors,
                    true,
                    Echo::Fields(Some(&fields)),
                    Vec::new(),
                    groups,
                    routing,
                )
            }
            RawData::Json(bytes) => {
                let failed = |scratch: &mut Scratch, out: &mut String, code, message: String| {
                    self.finish(
                        scratch,
                        out,
                        raw.row,
                        None,
                        None,
                        vec![RowError::new(code, "", message)],
                        false,
                        Echo::Json(None),
                        Vec::new(),
                        vec![None; self.by.len()],
                        Routing::All,
                    )
                };
                let text = match std::str::from_utf8(&bytes) {
                    Ok(text) => text,
                    Err(e) => {
                        let message = format!(
                            "line {line_no} is not valid UTF-8 (at byte {})",
                            e.valid_up_to()
                        );
                        return failed(scratch, out, codes::batch::INVALID_UTF8, message);
                    }
                };
                let reserved = Reserved {
                    id: self.id.as_ref().map(|(k, _)| k.as_str()),
                    label: self.label.as_ref().map(|(k, _)| k.as_str()),
                };
                let read = row::read(
                    text,
                    &self.plan,
                    &self.sets,
                    reserved,
                    &mut scratch.readings,
                    &mut scratch.answers,
                    &mut scratch.row,
                );
                let keys = match read {
                    Ok(keys) => keys,
                    Err(problem) => {
                        scratch.readings.fill(Reading::Missing);
                        let (code, message) = match problem {
                            RowProblem::Json(e) => (
                                codes::batch::INVALID_JSON,
                                format!(
                                    "line {line_no}, column {}: invalid JSON: {}",
                                    e.column(),
                                    herken_engine::json_problem(&e)
                                ),
                            ),
                            RowProblem::NotAnObject(kind) => (
                                codes::batch::NOT_AN_OBJECT,
                                format!("line {line_no} is {kind}, not a JSON object of answers"),
                            ),
                        };
                        return failed(scratch, out, code, message);
                    }
                };
                // Routing and `unknown_if` columns by key: the row (already read as an
                // object) once more, only when the mapping has them.
                let object: serde_json::Map<String, Json> =
                    if self.plan.has_routes() || self.plan.has_unknown_if() {
                        serde_json::from_str(text).unwrap_or_default()
                    } else {
                        serde_json::Map::new()
                    };
                let by_key = |t: &RouteTest| Cow::Owned(route_text(object.get(&t.column)));
                // Whether any key of the row is one the plan reads (a question or a mapped
                // column), whatever its value.
                let answered = keys.direct.unwrap_or_else(|| {
                    scratch
                        .readings
                        .iter()
                        .any(|r| !matches!(r, Reading::Missing))
                        || !keys.repeated.is_empty()
                });
                let mut errors = keys.repeated;
                if keys.direct.is_none() {
                    self.plan.apply_unknown_if(&mut scratch.readings, by_key);
                    errors.extend(self.plan.store(
                        &self.sets,
                        &mut scratch.readings,
                        &mut scratch.answers,
                    ));
                }
                let routing = self.plan.route(by_key);
                // The row as parsed, only to echo it.
                let echo: Option<Json> = self
                    .layout
                    .include_input
                    .then(|| serde_json::from_str(text).ok())
                    .flatten();
                // `--by` keys may be questions too, read above as answers: their text is read
                // again here, only when asked for.
                let groups = if self.by.is_empty() {
                    Vec::new()
                } else {
                    let object: serde_json::Map<String, Json> =
                        serde_json::from_str(text).unwrap_or_default();
                    self.by
                        .iter()
                        .map(|(key, _)| match object.get(key) {
                            None | Some(Json::Null) => None,
                            Some(Json::String(s)) => group_value(s),
                            Some(other) => Some(other.to_string()),
                        })
                        .collect()
                };
                let mut scored = self.finish(
                    scratch,
                    out,
                    raw.row,
                    keys.id.as_ref().and_then(id_value),
                    keys.label,
                    errors,
                    true,
                    Echo::Json(echo.as_ref()),
                    keys.unknown,
                    groups,
                    routing,
                );
                scored.answered = Some(answered);
                scored
            }
        }
    }

    /// The row's line: each rule set whose answers were read without a problem screens them
    /// (a problem of the whole row stops every set).
    #[expect(
        clippy::too_many_arguments,
        reason = "one private step with the row's parts"
    )]
    fn finish(
        &self,
        scratch: &mut Scratch,
        out: &mut String,
        row: u64,
        id: Option<String>,
        label: Option<Json>,
        mut errors: Vec<RowError>,
        read: bool,
        echo: Echo<'_>,
        unknown_keys: Vec<String>,
        groups: Vec<Option<String>>,
        routing: Routing,
    ) -> Scored {
        let (label, bad_label) = match label.as_ref().map(label_value) {
            None | Some(Ok(None)) => (None, None),
            Some(Ok(Some(l))) => (Some(l), None),
            Some(Err(NotALabel)) => (None, label.as_ref().map(label_text)),
        };
        scratch.bounds.fill(None);
        let mut stats: Vec<Option<SetStats>> = vec![None; self.sets.len()];
        let whole_row = errors.iter().any(|e| e.ruleset.is_none());
        if read && !whole_row {
            for (i, set) in self.sets.iter().enumerate() {
                if !self.plan.screens(routing, i)
                    || errors
                        .iter()
                        .any(|e| e.ruleset.as_deref() == Some(set.id()))
                {
                    continue;
                }
                let obs = &scratch.answers[i];
                let result = &mut scratch.compact[i];
                set.screen_compact_into(obs, result);
                let (if_unknown_absent, if_unknown_present) =
                    bounds(set, result, scratch.counts_unknown[i], &mut scratch.states);
                if result.states.contains(&State::Error) {
                    // Rare: the full report says why an indicator failed.
                    let report = set.evaluate(obs, &self.options);
                    for ind in report
                        .indicators
                        .into_iter()
                        .filter(|i| i.state == State::Error)
                    {
                        let (code, message) = ind.error.map_or_else(
                            || (codes::eval::ERROR, String::new()),
                            |e| (e.code, e.message),
                        );
                        errors.push(RowError {
                            ruleset: Some(set.id().to_owned()),
                            code,
                            field: ind.id.into_owned(),
                            message,
                        });
                    }
                }
                scratch.bounds[i] = Some((if_unknown_absent, if_unknown_present));
                stats[i] = Some(SetStats {
                    level: result.outcome,
                    may_rise: result.may_rise,
                    if_unknown_absent,
                    if_unknown_present,
                    states: result.states.clone(),
                    positive: result.dimensions.iter().map(Option::is_some).collect(),
                    outside_population: outside_population(set, obs),
                });
            }
        }
        if read && routing == Routing::NoRoute {
            errors.push(self.plan.no_route_error());
        }
        let results = Results {
            names: &scratch.names,
            compact: &scratch.compact,
            bounds: &scratch.bounds,
        };
        self.layout.write_row(
            out,
            &Row {
                row,
                id: id.as_deref(),
                label,
                results,
                errors: &errors,
                echo,
            },
        );
        Scored {
            stats: RowStats {
                row,
                id: if self.keep_ids { id } else { None },
                groups,
                failed: !errors.is_empty(),
                label,
                sets: stats,
                unknown_keys,
            },
            bad_label,
            answered: None,
        }
    }
}

/// The outcome levels with every unknown indicator absent (the engine's decision run on those
/// states, only when the decision counts unknown indicators: otherwise it is the outcome;
/// `states` is reused memory), and with every one present (what the engine says the unknowns
/// could raise it to, never below the outcome).
fn bounds(
    set: &CompiledRuleSet,
    result: &CompactResult,
    counts_unknown: bool,
    states: &mut Vec<State>,
) -> (usize, usize) {
    if !result.states.contains(&State::Unknown) {
        return (result.outcome, result.outcome);
    }
    if !counts_unknown {
        return (result.outcome, result.could_rise_to);
    }
    states.clear();
    states.extend(result.states.iter().map(|&s| {
        if s == State::Unknown {
            State::Absent
        } else {
            s
        }
    }));
    (set.decide(states).outcome, result.could_rise_to)
}

/// A `--by` value: trimmed text, `None` when empty.
fn group_value(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// A JSONL value as a route compares it: text trimmed, numbers and booleans as written,
/// missing or `null` empty.
fn route_text(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.trim().to_owned(),
        Some(other) => other.to_string(),
    }
}

/// The id a JSONL value gives: text as it is, other values as JSON; none for `null`.
fn id_value(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A label cell that is neither a label value nor empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotALabel;

/// A label value: 1/0, yes/no, true/false, ja/nee (any case); empty or `null` is no label.
///
/// # Errors
/// Anything else (`2`, `-99`, `unknown`): a label that cannot be read must not be counted as
/// missing, or a label coded 1/2 would silently lose its negatives.
pub fn label_value(v: &Json) -> Result<Option<bool>, NotALabel> {
    match v {
        Json::Null => Ok(None),
        Json::Bool(b) => Ok(Some(*b)),
        Json::Number(n) => match n.as_f64() {
            Some(1.0) => Ok(Some(true)),
            Some(0.0) => Ok(Some(false)),
            _ => Err(NotALabel),
        },
        Json::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "1" | "yes" | "true" | "ja" => Ok(Some(true)),
            "0" | "no" | "false" | "nee" => Ok(Some(false)),
            _ => Err(NotALabel),
        },
        _ => Err(NotALabel),
    }
}

/// A label cell as the error about unrecognised labels shows it (at most 40 characters).
fn label_text(v: &Json) -> String {
    let text = match v {
        Json::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    };
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// Whether the case's `under_18` answer puts the person outside the population `set` is
/// written for (what the report says with `case::population-mismatch`).
fn outside_population(set: &CompiledRuleSet, obs: &Observations) -> bool {
    let Some(population) = set.population() else {
        return false;
    };
    match set.question_index("under_18").map(|q| obs.get(q)) {
        Some(herken_engine::Value::Bool(under_18)) => !population.includes(*under_18),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::mapping::{Columns, Questions};
    use crate::batch::output::OutputFormat;
    use crate::cmd::synth::SplitMix64;
    use herken_engine::QuestionType;

    /// A rule set with a question of every type, none bounded (so the engine takes `-99`).
    const KINDS: &str = r#"
format: 1
id: kinds
version: 1.0.0
status: draft
title: {en: T, nl: T}
description: {en: T, nl: T}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: a, type: yesno, text: {en: A, nl: A}}
  - {id: n, type: integer, text: {en: N, nl: N}}
  - {id: x, type: number, text: {en: X, nl: X}}
  - {id: t, type: text, text: {en: T, nl: T}}
  - id: k
    type: choice
    text: {en: K, nl: K}
    options:
      - {id: p, label: {en: P, nl: P}}
      - {id: q, label: {en: Q, nl: Q}}
  - id: c
    type: choices
    text: {en: C, nl: C}
    options:
      - {id: p, label: {en: P, nl: P}}
      - {id: q, label: {en: Q, nl: Q}}
dimensions:
  - {id: d, label: {en: D, nl: D}, positive: {at_least: 1}}
indicators:
  - {id: i, dimension: d, strength: weak, label: {en: I, nl: I}, when: obs.a}
  - {id: j, dimension: d, strength: weak, label: {en: J, nl: J}, when: obs.n > 3}
  - {id: h, dimension: d, strength: weak, label: {en: H, nl: H}, when: "obs.k == \"p\""}
decision:
  - {id: any, outcome: some, when: present_count() > 0}
  - {id: otherwise, outcome: none}
outcomes:
  - {id: none, label: {en: N, nl: N}, advice: {en: N, nl: N}}
  - {id: some, label: {en: Y, nl: Y}, advice: {en: Y, nl: Y}}
"#;

    fn kinds_set(id: &str, edit: impl Fn(String) -> String) -> Arc<CompiledRuleSet> {
        let text = edit(KINDS.replace("id: kinds", &format!("id: {id}")));
        let sources = herken_engine::Sources::new().with("ruleset.yaml", text);
        Arc::new(
            herken_engine::load(&sources)
                .expect("test rule set loads")
                .rules,
        )
    }

    fn scorer(sets: &[Arc<CompiledRuleSet>], format: OutputFormat) -> Scorer {
        let (plan, _) = Plan::new(
            &Questions::of(sets),
            sets,
            Columns::Keys,
            None,
            &["id", "label"],
        )
        .expect("plan builds");
        Scorer {
            sets: sets.to_vec(),
            plan,
            layout: Layout {
                format,
                set_ids: sets.iter().map(|s| s.id().to_owned()).collect(),
                include_input: false,
                input_header: None,
                label: false,
                wide: None,
            },
            id: Some(("id".into(), None)),
            label: Some(("label".into(), None)),
            by: Vec::new(),
            keep_ids: false,
            options: ScreenOptions {
                language: "en".into(),
                next_questions: false,
            },
        }
    }

    /// A JSONL row's line and what the summary gets of it.
    fn jsonl(scorer: &Scorer, scratch: &mut Scratch, text: &str) -> (String, Scored) {
        let raw = RawRow {
            row: 7,
            line: 9,
            data: RawData::Json(text.as_bytes().to_vec()),
        };
        let mut line = String::new();
        let scored = scorer.score(raw, scratch, &mut line);
        (line, scored)
    }

    /// JSONL rows are read as tables write answers, a key given twice fails the row, and
    /// nothing of one row stays for the next.
    #[test]
    fn jsonl_rows_are_read_once_into_every_set() {
        let sets = [
            kinds_set("kinds", |t| t),
            kinds_set("other", |t| t.replace("{id: x,", "{id: other_x,")),
        ];
        let scorer = scorer(&sets, OutputFormat::Jsonl);
        let mut scratch = scorer.scratch();
        let (first, _) = jsonl(
            &scorer,
            &mut scratch,
            r#"{"id": "r1", "a": "Ja", "n": "5", "k": " p ", "c": "p;q", "extra": 1}"#,
        );
        assert!(first.contains(r#""present":["i","j","h"]"#), "{first}");
        assert!(!first.contains("errors\":[{"), "{first}");
        let (again, _) = jsonl(&scorer, &mut scratch, r#"{"id": "r2"}"#);
        assert!(again.contains(r#""present":[]"#), "{again}");
        let (twice, scored) = jsonl(&scorer, &mut scratch, r#"{"a": true, "n": 1, "a": false}"#);
        assert!(scored.stats.failed);
        assert!(twice.contains("case::duplicate-key"), "{twice}");
        let (id_twice, _) = jsonl(&scorer, &mut scratch, r#"{"id": 1, "a": true, "id": 2}"#);
        assert!(id_twice.contains("case::duplicate-key"), "{id_twice}");
        let (wrong, _) = jsonl(
            &scorer,
            &mut scratch,
            r#"{"n": "many", "other_x": "1e999"}"#,
        );
        assert!(wrong.contains("batch::wrong-type"), "{wrong}");
        assert!(!wrong.contains("many"), "no answer in an error: {wrong}");
    }

    /// The lean path gives what the full report says, for many random cases.
    #[test]
    fn the_lean_result_matches_the_engine_report() {
        let files = crate::ruleset::find(
            crate::ruleset::DEFAULT_RULES,
            &herken_engine::TrustPolicy::no_keys(),
        )
        .expect("bundled set");
        let set = crate::ruleset::compile(&files, &mut Vec::new()).expect("compiles");
        let options = ScreenOptions {
            language: "en".into(),
            next_questions: false,
        };
        let mut rng = SplitMix64::new(99);
        let mut compact = CompactResult::default();
        for _ in 0..300 {
            let mut case = serde_json::Map::new();
            let p = rng.below(400);
            for q in set.questions() {
                let v = match q.kind() {
                    QuestionType::YesNo if rng.chance(700) => Json::Bool(rng.chance(p)),
                    QuestionType::Integer if rng.chance(700) => Json::from(rng.below(100)),
                    QuestionType::Choice if rng.chance(700) => {
                        Json::String(rng.pick(q.options()).id().to_owned())
                    }
                    _ => continue,
                };
                case.insert(q.id().to_owned(), v);
            }
            let obs = set.observations(&Json::Object(case)).expect("valid case");
            let report = set.evaluate(&obs, &options);
            set.screen_compact_into(&obs, &mut compact);
            let positive: Vec<bool> = report.dimensions.iter().map(|d| d.positive).collect();
            let compact_positive: Vec<bool> =
                (0..positive.len()).map(|d| compact.positive(d)).collect();
            assert_eq!(compact_positive, positive);
            assert_eq!(set.outcomes()[compact.outcome].id(), report.outcome.id);
            assert_eq!(
                set.decision()[compact.decided_by].id(),
                report.outcome.decided_by
            );
            assert_eq!(compact.may_rise, report.outcome.may_rise);
        }
    }
}
