//! One raw input row → its output line and the counts the summary needs. Pure and shared by
//! the scoring threads: the same row always gives the same line.

use std::sync::Arc;

use herken_engine::{
    CompactResult, CompiledRuleSet, ObservationOptions, Observations, ScreenOptions, State, codes,
};
use serde_json::Value as Json;

use super::input::{RawData, RawRow};
use super::jsonl::{self, Keys};
use super::mapping::{Cell, Plan, RowError};

use super::metrics::{RowStats, SetStats};
use super::output::{Echo, Layout, SetResult};

/// A scored row, ready to write.
#[derive(Debug)]
pub struct Scored {
    pub line: String,
    pub stats: RowStats,
}

/// A scoring thread's reusable memory: the case, and per rule set the answers read from a
/// row's text and a compact result.
#[derive(Debug)]
pub struct Scratch {
    case: Json,
    answers: Vec<Observations>,
    compact: Vec<CompactResult>,
}

/// Where a row's answers come from.
#[derive(Debug, Clone, Copy)]
enum Answers<'a> {
    /// Nowhere: the row could not be read.
    None,
    /// A case for each rule set to read.
    Case(&'a Json),
    /// Read already, one per rule set.
    Read(&'a [Observations]),
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
    pub options: ScreenOptions,
}

impl Scorer {
    /// Memory for one scoring thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            case: self.plan.blank_case(),
            answers: self
                .sets
                .iter()
                .map(|set| Observations::unknown(set))
                .collect(),
            compact: vec![CompactResult::default(); self.sets.len()],
        }
    }

    /// Scores a row with this thread's [`Scratch`].
    pub fn score(&self, raw: RawRow, scratch: &mut Scratch) -> Scored {
        let Scratch {
            case,
            answers,
            compact,
        } = scratch;
        let line_no = raw.line;
        match raw.data {
            RawData::Bad(p) => self.finish(
                compact,
                raw.row,
                None,
                None,
                Answers::None,
                vec![RowError {
                    ruleset: None,
                    code: p.code,
                    field: String::new(),
                    message: p.message,
                }],
                Echo::Fields(None),
                Vec::new(),
            ),
            RawData::Fields(fields) => {
                let at = |c: &Option<(String, Option<usize>)>| {
                    c.as_ref().and_then(|(_, i)| *i).and_then(|i| fields.get(i))
                };
                let id = at(&self.id).map(str::to_owned);
                let label = at(&self.label).and_then(|v| label_value(&Json::String(v.to_owned())));
                let errors = self.plan.fill(case, |s| {
                    s.index
                        .and_then(|i| fields.get(i))
                        .map_or(Cell::Missing, Cell::Text)
                });
                self.finish(
                    compact,
                    raw.row,
                    id,
                    label,
                    Answers::Case(case),
                    errors,
                    Echo::Fields(Some(&fields)),
                    Vec::new(),
                )
            }
            RawData::Json(bytes) => {
                if let Some(scored) = self.score_text(&bytes, raw.row, answers, compact) {
                    return scored;
                }
                let parsed = match std::str::from_utf8(&bytes) {
                    Err(e) => Err((
                        codes::batch::INVALID_UTF8,
                        format!(
                            "line {line_no} is not valid UTF-8 (at byte {})",
                            e.valid_up_to()
                        ),
                    )),
                    Ok(text) => serde_json::from_str::<Json>(text).map_err(|e| {
                        (
                            codes::batch::INVALID_JSON,
                            format!(
                                "line {line_no}, column {}: invalid JSON: {}",
                                e.column(),
                                herken_engine::json_problem(&e)
                            ),
                        )
                    }),
                };
                let object = match parsed {
                    Ok(Json::Object(map)) => Ok(map),
                    Ok(other) => Err((
                        codes::batch::NOT_AN_OBJECT,
                        format!(
                            "line {line_no} is {}, not a JSON object of answers",
                            json_kind(&other)
                        ),
                    )),
                    Err(e) => Err(e),
                };
                let map = match object {
                    Ok(map) => map,
                    Err((code, message)) => {
                        return self.finish(
                            compact,
                            raw.row,
                            None,
                            None,
                            Answers::None,
                            vec![RowError {
                                ruleset: None,
                                code,
                                field: String::new(),
                                message,
                            }],
                            Echo::Json(None),
                            Vec::new(),
                        );
                    }
                };
                let key =
                    |c: &Option<(String, Option<usize>)>| c.as_ref().and_then(|(k, _)| map.get(k));
                let id = key(&self.id).and_then(id_value);
                let label = key(&self.label).and_then(label_value);
                let unknown_keys = map
                    .keys()
                    .filter(|k| !self.plan.known_keys.contains(*k))
                    .cloned()
                    .collect();
                let errors = self.plan.fill(case, |s| {
                    map.get(&s.column).map_or(Cell::Missing, Cell::Json)
                });
                let object = Json::Object(map);
                self.finish(
                    compact,
                    raw.row,
                    id,
                    label,
                    Answers::Case(case),
                    errors,
                    Echo::Json(Some(&object)),
                    unknown_keys,
                )
            }
        }
    }

    /// Scores a JSONL row read straight from its text ([`jsonl`]), or `None` where that might
    /// not give what the usual path gives: with `--include-input` (which echoes the parsed
    /// row), and for a row that fails on this path (the usual path then says why).
    fn score_text(
        &self,
        bytes: &[u8],
        row: u64,
        answers: &mut [Observations],
        compact: &mut [CompactResult],
    ) -> Option<Scored> {
        let known = self.plan.from_text.as_deref()?;
        if self.layout.include_input {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let options = ObservationOptions {
            allow_unknown_keys: true,
        };
        for (set, obs) in self.sets.iter().zip(answers.iter_mut()) {
            set.observations_from_str_into(text, options, obs).ok()?;
            if !jsonl::reads_alike(set, obs) {
                return None;
            }
        }
        let keys = jsonl::scan(
            text,
            Keys {
                id: self.id.as_ref().map(|(k, _)| k.as_str()),
                label: self.label.as_ref().map(|(k, _)| k.as_str()),
                known,
            },
        )?;
        Some(self.finish(
            compact,
            row,
            keys.id.as_ref().and_then(id_value),
            keys.label.as_ref().and_then(label_value),
            Answers::Read(answers),
            Vec::new(),
            Echo::Json(None),
            keys.unknown,
        ))
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one private step with the row's parts"
    )]
    fn finish(
        &self,
        compact: &mut [CompactResult],
        row: u64,
        id: Option<String>,
        label: Option<bool>,
        answers: Answers<'_>,
        mut errors: Vec<RowError>,
        echo: Echo<'_>,
        unknown_keys: Vec<String>,
    ) -> Scored {
        let mut results: Vec<Option<SetResult>> = vec![None; self.sets.len()];
        let mut stats: Vec<Option<SetStats>> = vec![None; self.sets.len()];
        if !matches!(answers, Answers::None) && errors.is_empty() {
            for (i, set) in self.sets.iter().enumerate() {
                let read;
                let obs = match answers {
                    Answers::Read(all) => &all[i],
                    Answers::Case(case) => match set.observations_with(
                        case,
                        ObservationOptions {
                            allow_unknown_keys: true,
                        },
                    ) {
                        Ok(obs) => {
                            read = obs;
                            &read
                        }
                        Err(problems) => {
                            errors.extend(problems.into_iter().map(|p| RowError {
                                ruleset: Some(set.id().to_owned()),
                                code: p.code,
                                field: p.field,
                                message: p.message,
                            }));
                            continue;
                        }
                    },
                    Answers::None => continue,
                };
                let result = &mut compact[i];
                set.screen_compact_into(obs, result);
                let (mut present, mut unknown) = (Vec::new(), Vec::new());
                for (ind, state) in set.indicators().iter().zip(&result.states) {
                    match state {
                        State::Present => present.push(ind.id().to_owned()),
                        State::Unknown => unknown.push(ind.id().to_owned()),
                        State::Absent | State::Error => {}
                    }
                }
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
                results[i] = Some(SetResult {
                    ruleset: set.id().to_owned(),
                    outcome: set.outcomes()[result.outcome].id().to_owned(),
                    level: result.outcome,
                    decided_by: set.decision()[result.decided_by].id().to_owned(),
                    may_rise: result.may_rise,
                    present,
                    unknown,
                    positive_dimensions: set
                        .dimensions()
                        .iter()
                        .enumerate()
                        .filter(|(d, _)| result.positive(*d))
                        .map(|(_, dim)| dim.id().to_owned())
                        .collect(),
                });
                stats[i] = Some(SetStats {
                    level: result.outcome,
                    may_rise: result.may_rise,
                    states: result.states.clone(),
                    positive: result.dimensions.iter().map(Option::is_some).collect(),
                });
            }
        }
        let line = self.layout.row(row, id.as_deref(), &results, &errors, echo);
        Scored {
            line,
            stats: RowStats {
                failed: !errors.is_empty(),
                label,
                sets: stats,
                unknown_keys,
            },
        }
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

/// A label value: 1/0, yes/no, true/false, ja/nee (any case); anything else is missing.
pub fn label_value(v: &Json) -> Option<bool> {
    match v {
        Json::Bool(b) => Some(*b),
        Json::Number(n) => match n.as_f64() {
            Some(1.0) => Some(true),
            Some(0.0) => Some(false),
            _ => None,
        },
        Json::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "yes" | "true" | "ja" => Some(true),
            "0" | "no" | "false" | "nee" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "true/false",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
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
            },
            id: Some(("id".into(), None)),
            label: Some(("label".into(), None)),
            options: ScreenOptions {
                language: "en".into(),
                next_questions: false,
            },
        }
    }

    /// Scores JSONL rows with the text path and without it.
    struct Pair {
        text: Scorer,
        usual: Scorer,
        text_scratch: Scratch,
        usual_scratch: Scratch,
    }

    impl Pair {
        fn new(sets: &[Arc<CompiledRuleSet>], format: OutputFormat) -> Self {
            let text = scorer(sets, format);
            assert!(text.plan.from_text.is_some(), "the text path applies");
            let mut usual = scorer(sets, format);
            usual.plan.from_text = None;
            Self {
                text_scratch: text.scratch(),
                usual_scratch: usual.scratch(),
                text,
                usual,
            }
        }

        /// The row as each scores it, and whether the text path took it.
        fn score(&mut self, line: &[u8]) -> (String, String, bool) {
            let show = |s: Scored| format!("{}{:?}", s.line, s.stats);
            let raw = || RawRow {
                row: 7,
                line: 9,
                data: RawData::Json(line.to_vec()),
            };
            let Scratch {
                answers, compact, ..
            } = &mut self.text_scratch;
            let took = self.text.score_text(line, 7, answers, compact).is_some();
            (
                show(self.usual.score(raw(), &mut self.usual_scratch)),
                show(self.text.score(raw(), &mut self.text_scratch)),
                took,
            )
        }
    }

    /// Values for random rows: what the text path reads as the usual path does, what it must
    /// leave to it (`-99`, blank or `UNKNOWN` text, padded option ids, answers the usual path
    /// reads by type), and JSON the engine's reader skips without checking.
    fn values() -> Vec<String> {
        let mut values: Vec<String> = [
            "true",
            "false",
            "null",
            r#""yes""#,
            r#""no""#,
            r#""unknown""#,
            r#""UNKNOWN""#,
            r#"" unknown ""#,
            r#""Ja""#,
            r#""-99""#,
            "-99",
            "-99.0",
            "-9.9e1",
            r#""""#,
            r#""  ""#,
            "0",
            "1",
            r#""1""#,
            "5",
            "5.0",
            "5.5",
            "-3",
            "1e400",
            "18446744073709551616",
            r#""\ud800""#,
            r#""caf\u00e9""#,
            r#""text""#,
            r#""p""#,
            r#"" p""#,
            r#""q""#,
            r#""r""#,
            r#""p;q""#,
            "[]",
            r#"["p"]"#,
            r#"["q", "p", "q"]"#,
            r#"["r"]"#,
            r#"["p", 1e400]"#,
            r#"{"a": [1, {"b": null}]}"#,
            r#"{"\udc00": 1}"#,
        ]
        .map(str::to_owned)
        .to_vec();
        values.push(format!("{}{}", "[".repeat(130), "]".repeat(130)));
        values
    }

    fn random_row(rng: &mut SplitMix64, keys: &[&str], values: &[String]) -> Vec<u8> {
        let mut entries = Vec::new();
        for _ in 0..rng.below(9) {
            let key = serde_json::to_string(rng.pick(keys)).expect("a key");
            entries.push(format!("{key}: {}", rng.pick(values)));
        }
        let row = format!("{{{}}}", entries.join(", "));
        match rng.below(40) {
            0 => b"[1, 2]".to_vec(),
            1 => br#""text""#.to_vec(),
            2 => format!("{row} x").into_bytes(),
            3 => row.as_bytes()[..row.len() - 1].to_vec(),
            4 => [row.as_bytes(), b"\xff"].concat(),
            _ => row.into_bytes(),
        }
    }

    /// A row scores the same with and without the text path (same line, same counts), for one
    /// rule set and for several, whatever its values.
    #[test]
    fn the_text_path_scores_rows_as_the_usual_path_does() {
        let one = [kinds_set("kinds", |t| t)];
        let several = [
            kinds_set("kinds", |t| t),
            kinds_set("other", |t| t.replace("{id: x,", "{id: other_x,")),
        ];
        let keys = [
            "a",
            "n",
            "x",
            "t",
            "k",
            "c",
            "other_x",
            "id",
            "label",
            "extra",
            "Extra key",
        ];
        let values = values();
        let mut rng = SplitMix64::new(7);
        for (sets, format) in [
            (&one[..], OutputFormat::Csv),
            (&several[..], OutputFormat::Jsonl),
        ] {
            let mut pair = Pair::new(sets, format);
            let mut taken = 0;
            for _ in 0..4000 {
                let line = random_row(&mut rng, &keys, &values);
                let (usual, text, took) = pair.score(&line);
                assert_eq!(usual, text, "{}", String::from_utf8_lossy(&line));
                taken += usize::from(took);
            }
            assert!(taken > 500, "the text path took only {taken} of 4000 rows");
        }
    }

    /// The rows the text path must leave to the usual path, one by one.
    #[test]
    fn the_text_path_leaves_what_it_would_read_differently() {
        let mut pair = Pair::new(&[kinds_set("kinds", |t| t)], OutputFormat::Jsonl);
        let deep = format!(r#"{{"extra": {}{}}}"#, "[".repeat(130), "]".repeat(130));
        for (row, takes) in [
            (
                r#"{"a": true, "n": 4, "x": 2.5, "t": "words", "k": "p", "c": ["q", "p"]}"#,
                true,
            ),
            (
                r#"{"id": 12, "label": "ja", "extra": [1, {"b": "\u00e9"}], "a": null}"#,
                true,
            ),
            (r#"{"n": -99}"#, false),
            (r#"{"x": -99.0}"#, false),
            (r#"{"t": " UNKNOWN "}"#, false),
            (r#"{"t": "-99"}"#, false),
            (r#"{"t": ""}"#, false),
            (r#"{"a": "Ja"}"#, false),
            (r#"{"a": 1}"#, false),
            (r#"{"c": "p;q"}"#, false),
            (r#"{"extra": 1e400}"#, false),
            (r#"{"extra": "\ud800"}"#, false),
            (r#"{"id": 1e400}"#, false),
            (&deep, false),
            (r#"{"a": true} {"#, false),
        ] {
            let (usual, text, took) = pair.score(row.as_bytes());
            assert_eq!(usual, text, "{row}");
            assert_eq!(took, takes, "{row}");
        }
        // `--include-input` echoes the parsed row.
        pair.text.layout.include_input = true;
        pair.usual.layout.include_input = true;
        let (usual, text, took) = pair.score(br#"{"a": true, "extra": 1}"#);
        assert_eq!(usual, text);
        assert!(
            !took && text.contains(r#""input":{"a":true,"extra":1}"#),
            "{text}"
        );
    }

    /// Where one rule set reads a shared question by another type, the usual path reads it.
    #[test]
    fn rule_sets_that_type_a_shared_question_differently_keep_the_usual_path() {
        for edit in [
            |t: String| t.replace("{id: t, type: text", "{id: t, type: yesno"),
            |t: String| t.replace("{id: q, label", "{id: r, label"),
        ] {
            let sets = [kinds_set("kinds", |t| t), kinds_set("other", edit)];
            assert!(scorer(&sets, OutputFormat::Csv).plan.from_text.is_none());
        }
    }

    /// The lean path gives what the full report says, for many random cases.
    #[test]
    fn the_lean_result_matches_the_engine_report() {
        let files = crate::ruleset::find(crate::ruleset::DEFAULT_RULES).expect("bundled set");
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
