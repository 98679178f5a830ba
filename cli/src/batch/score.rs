//! One raw input row → its output line and the counts the summary needs. Pure and shared by
//! the scoring threads: the same row always gives the same line.

use std::sync::Arc;

use herken_engine::{
    CompactResult, CompiledRuleSet, ObservationOptions, PositiveRule, ScreenOptions, State,
    Strength,
};
use serde_json::Value as Json;

use super::input::{RawData, RawRow};
use super::mapping::{Cell, Plan, RowError};

use super::metrics::{RowStats, SetStats};
use super::output::{Echo, Layout, SetResult};

/// A scored row, ready to write.
#[derive(Debug)]
pub struct Scored {
    pub line: String,
    pub stats: RowStats,
}

/// A scoring thread's reusable memory: the case and one compact result per rule set.
#[derive(Debug)]
pub struct Scratch {
    case: Json,
    compact: Vec<CompactResult>,
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
            compact: vec![CompactResult::default(); self.sets.len()],
        }
    }

    /// Scores a row with this thread's [`Scratch`].
    pub fn score(&self, raw: RawRow, scratch: &mut Scratch) -> Scored {
        let Scratch { case, compact } = scratch;
        let line_no = raw.line;
        match raw.data {
            RawData::Bad(p) => self.finish(
                compact,
                raw.row,
                None,
                None,
                None,
                vec![RowError {
                    ruleset: None,
                    code: p.code.into(),
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
                    Some(case),
                    errors,
                    Echo::Fields(Some(&fields)),
                    Vec::new(),
                )
            }
            RawData::Json(bytes) => {
                let parsed = match std::str::from_utf8(&bytes) {
                    Err(e) => Err((
                        "batch::invalid-utf8",
                        format!(
                            "line {line_no} is not valid UTF-8 (at byte {})",
                            e.valid_up_to()
                        ),
                    )),
                    Ok(text) => serde_json::from_str::<Json>(text).map_err(|e| {
                        (
                            "batch::invalid-json",
                            format!("line {line_no}: invalid JSON: {e}"),
                        )
                    }),
                };
                let object = match parsed {
                    Ok(Json::Object(map)) => Ok(map),
                    Ok(other) => Err((
                        "batch::not-an-object",
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
                            None,
                            vec![RowError {
                                ruleset: None,
                                code: code.into(),
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
                let id = key(&self.id).and_then(|v| match v {
                    Json::Null => None,
                    Json::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                });
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
                    Some(case),
                    errors,
                    Echo::Json(Some(&object)),
                    unknown_keys,
                )
            }
        }
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
        case: Option<&Json>,
        mut errors: Vec<RowError>,
        echo: Echo<'_>,
        unknown_keys: Vec<String>,
    ) -> Scored {
        let mut results: Vec<Option<SetResult>> = vec![None; self.sets.len()];
        let mut stats: Vec<Option<SetStats>> = vec![None; self.sets.len()];
        if let (Some(case), true) = (case, errors.is_empty()) {
            for (i, set) in self.sets.iter().enumerate() {
                let obs = match set.observations_with(
                    case,
                    ObservationOptions {
                        allow_unknown_keys: true,
                    },
                ) {
                    Ok(obs) => obs,
                    Err(problems) => {
                        errors.extend(problems.into_iter().map(|p| RowError {
                            ruleset: Some(set.id.clone()),
                            code: p.code.into(),
                            field: p.field,
                            message: p.message,
                        }));
                        continue;
                    }
                };
                let result = &mut compact[i];
                set.screen_compact_into(&obs, result);
                let positive = positive_dimensions(set, &result.states);
                let (mut present, mut unknown) = (Vec::new(), Vec::new());
                for (ind, state) in set.indicators.iter().zip(&result.states) {
                    match state {
                        State::Present => present.push(ind.id.clone()),
                        State::Unknown => unknown.push(ind.id.clone()),
                        State::Absent | State::Error => {}
                    }
                }
                if result.states.contains(&State::Error) {
                    // Rare: the full report says why an indicator failed.
                    let report = set.evaluate(&obs, &self.options);
                    for ind in report
                        .indicators
                        .into_iter()
                        .filter(|i| i.state == State::Error)
                    {
                        let (code, message) = ind.error.map_or_else(
                            || ("eval::error".into(), String::new()),
                            |e| (e.code, e.message),
                        );
                        errors.push(RowError {
                            ruleset: Some(set.id.clone()),
                            code,
                            field: ind.id.into_owned(),
                            message,
                        });
                    }
                }
                results[i] = Some(SetResult {
                    ruleset: set.id.clone(),
                    outcome: set.outcomes[result.outcome].id.clone(),
                    level: result.outcome,
                    decided_by: set.decision[result.decided_by].id.clone(),
                    may_rise: result.may_rise,
                    present,
                    unknown,
                    positive_dimensions: set
                        .dimensions
                        .iter()
                        .zip(&positive)
                        .filter(|(_, p)| **p)
                        .map(|(d, _)| d.id.clone())
                        .collect(),
                });
                stats[i] = Some(SetStats {
                    level: result.outcome,
                    may_rise: result.may_rise,
                    states: result.states.clone(),
                    positive,
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

/// Which dimensions are positive, from indicator states: the engine's rule (ILO strength
/// combination, at least k present, or a score threshold). `CompactResult` does not carry this
/// yet; the unit test below holds it equal to the engine's report.
fn positive_dimensions(set: &CompiledRuleSet, states: &[State]) -> Vec<bool> {
    set.dimensions
        .iter()
        .map(|dim| {
            let (mut strong, mut medium, mut weak, mut present, mut score) = (0, 0, 0, 0u32, 0.0);
            for &i in &dim.indicators {
                if states.get(i) != Some(&State::Present) {
                    continue;
                }
                present += 1;
                let ind = &set.indicators[i];
                score += ind.weight;
                match ind.strength {
                    Some(Strength::Strong) => strong += 1,
                    Some(Strength::Medium) => medium += 1,
                    Some(Strength::Weak) => weak += 1,
                    None => {}
                }
            }
            match dim.rule {
                PositiveRule::Ilo => {
                    strong >= 2
                        || (strong >= 1 && medium + weak >= 1)
                        || medium >= 3
                        || (medium >= 2 && weak >= 1)
                }
                PositiveRule::AtLeast(k) => present >= k,
                PositiveRule::ScoreAtLeast(x) => score >= x,
            }
        })
        .collect()
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
    use crate::cmd::synth::SplitMix64;
    use herken_engine::QuestionType;

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
            for q in &set.questions {
                let v = match q.kind {
                    QuestionType::YesNo if rng.chance(700) => Json::Bool(rng.chance(p)),
                    QuestionType::Integer if rng.chance(700) => Json::from(rng.below(100)),
                    QuestionType::Choice if rng.chance(700) => {
                        Json::String(rng.pick(&q.options).id.clone())
                    }
                    _ => continue,
                };
                case.insert(q.id.clone(), v);
            }
            let obs = set.observations(&Json::Object(case)).expect("valid case");
            let report = set.evaluate(&obs, &options);
            set.screen_compact_into(&obs, &mut compact);
            let positive: Vec<bool> = report.dimensions.iter().map(|d| d.positive).collect();
            assert_eq!(positive_dimensions(&set, &compact.states), positive);
            assert_eq!(set.outcomes[compact.outcome].id, report.outcome.id);
            assert_eq!(
                set.decision[compact.decided_by].id,
                report.outcome.decided_by
            );
            assert_eq!(compact.may_rise, report.outcome.may_rise);
        }
    }
}
