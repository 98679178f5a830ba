//! One JSONL row, read once from its text: the plan's columns straight into their readings (the
//! engine reads each answer, [`AnswerSeed`]) — or, for one rule set without a mapping, the
//! row straight into the set's answers by the engine's one-pass case reader — the id and label
//! values, and the keys nothing reads. A key given twice is an error (`case::duplicate-key`), as in every case reader.
//! Every value is checked as parsing it into a `serde_json::Value` would check it, so a row is
//! valid JSON here exactly when it is for serde_json.

use std::fmt;
use std::sync::Arc;

use herken_engine::{
    AnswerSeed, CheckedValue, CompiledRuleSet, Observations, PlainObject, PlainValue, Value, codes,
};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::mapping::{Cell, POLICY, Plan, Reading, RowError};

/// What the batch reads from a row besides the answers.
#[derive(Debug, Default, PartialEq)]
pub struct RowKeys {
    /// The id column's value.
    pub id: Option<Json>,
    /// The label column's value.
    pub label: Option<Json>,
    /// Keys that are neither questions nor otherwise known, once each and sorted.
    pub unknown: Vec<String>,
    /// Keys the row gives more than once.
    pub repeated: Vec<RowError>,
    /// `Some(answered)` when the answers went straight into the one rule set's answers
    /// (nothing left in the readings to store; `answered`: whether any answer is known);
    /// `None` when they are in the readings.
    pub direct: Option<bool>,
}

/// Why a row was not read.
#[derive(Debug)]
pub enum RowProblem {
    /// Not JSON (serde_json's message, with line and column).
    Json(serde_json::Error),
    /// JSON, but not an object: what it is.
    NotAnObject(&'static str),
}

/// A scoring thread's memory for reading rows, reused from row to row.
#[derive(Debug, Default)]
pub struct RowScratch {
    /// Which sources the row gave (to find a key given twice).
    seen: Vec<bool>,
    /// The other keys of the row so far, one after another, and where each ends.
    others: String,
    ends: Vec<usize>,
    /// For each key the plan reads (by position, and one more for a row's start), the key that
    /// followed it in the rows so far: rows of one file list their keys in one order, so the
    /// guess is checked with one comparison instead of a search.
    follows: Vec<usize>,
    /// The position of the last key read in this row (`follows.len() - 1` at its start).
    last: usize,
    /// Whether rows can be read straight into the answers (see [`direct`]); settled at the
    /// first row.
    direct: Option<bool>,
}

impl RowScratch {
    fn other_seen_before(&mut self, key: &str) -> bool {
        let mut start = 0;
        for &end in &self.ends {
            if &self.others[start..end] == key {
                return true;
            }
            start = end;
        }
        self.others.push_str(key);
        self.ends.push(self.others.len());
        false
    }
}

/// The id and label columns.
#[derive(Debug, Clone, Copy)]
pub struct Reserved<'a> {
    pub id: Option<&'a str>,
    pub label: Option<&'a str>,
}

/// Reads a row's text into the plan's readings (one per source), or straight into the
/// answers where the plan allows ([`RowKeys::direct`]), and gives what else it holds.
///
/// # Errors
/// The row is not JSON, or not an object.
pub fn read(
    text: &str,
    plan: &Plan,
    sets: &[Arc<CompiledRuleSet>],
    reserved: Reserved<'_>,
    readings: &mut [Reading],
    answers: &mut [Observations],
    scratch: &mut RowScratch,
) -> Result<RowKeys, RowProblem> {
    scratch.seen.clear();
    scratch.seen.resize(readings.len(), false);
    scratch.others.clear();
    scratch.ends.clear();
    let keys = plan.key_count();
    if scratch.follows.len() != keys + 1 {
        scratch.follows.clear();
        scratch.follows.resize(keys + 1, usize::MAX);
    }
    scratch.last = keys;
    if *scratch.direct.get_or_insert_with(|| direct(plan, sets))
        && let (Some(set), Some(obs)) = (sets.first(), answers.first_mut())
    {
        if let Some(found) = read_direct(text, plan, set, reserved, obs, scratch) {
            return Ok(found);
        }
        scratch.others.clear();
        scratch.ends.clear();
    }
    // Rows as exports write them, in one pass; anything else (and every row with a key given
    // twice or not JSON) is read again from the start by serde below, which gives the errors.
    if let Some(found) = read_plain(text, plan, sets, reserved, readings, scratch) {
        return Ok(found);
    }
    scratch.seen.fill(false);
    scratch.others.clear();
    scratch.ends.clear();
    scratch.last = keys;
    let mut de = serde_json::Deserializer::from_str(text);
    let read = RowSeed {
        plan,
        sets,
        reserved,
        readings,
        scratch,
    }
    .deserialize(&mut de)
    .map_err(RowProblem::Json)?;
    de.end().map_err(RowProblem::Json)?;
    read.map_err(RowProblem::NotAnObject)
}

/// Whether rows can go straight into the answers: one rule set, and a plan that reads each of
/// its questions from the key of the same name as it is (no codes, splits, labels, columns
/// combined or `unknown_if`), so a row is a case as the engine reads it, answers by the table
/// policy.
fn direct(plan: &Plan, sets: &[Arc<CompiledRuleSet>]) -> bool {
    let [set] = sets else { return false };
    !plan.has_unknown_if()
        && plan.targets.len() == set.questions().len()
        && plan
            .targets
            .iter()
            .all(|target| match target.sources.as_slice() {
                [source] => {
                    source.is_plain()
                        && source.column == target.question
                        && plan.question(sets, target).id() == target.question
                }
                _ => false,
            })
}

/// [`read`] straight into the answers of the one rule set, by the engine's reader of plain
/// objects ([`CompiledRuleSet::plain_observations_into`]): `None` when it gives up (a key
/// given twice, an answer that does not fit, anything but a plain object), and the row is
/// read again the general way, which reports what is wrong.
fn read_direct(
    text: &str,
    plan: &Plan,
    set: &CompiledRuleSet,
    reserved: Reserved<'_>,
    obs: &mut Observations,
    scratch: &mut RowScratch,
) -> Option<RowKeys> {
    let mut found = RowKeys::default();
    set.plain_observations_into(text, &POLICY, obs, |key, value: PlainValue<'_>| {
        match classify_other(plan, reserved, scratch, key) {
            Key::Reserved { id, label } => {
                if label {
                    found.label = Some(value.to_json());
                }
                if id {
                    found.id = Some(value.to_json());
                }
                true
            }
            Key::Known => true,
            Key::Unknown(key) => {
                found.unknown.push(key);
                true
            }
            Key::Repeated(_) | Key::Source { .. } => false,
        }
    })?;
    found.unknown.sort_unstable();
    found.direct = Some((0..set.questions().len()).any(|q| *obs.get(q) != Value::Unknown));
    Some(found)
}

/// [`read`] for a plain row ([`PlainObject`]); `None` when serde must read it.
fn read_plain(
    text: &str,
    plan: &Plan,
    sets: &[Arc<CompiledRuleSet>],
    reserved: Reserved<'_>,
    readings: &mut [Reading],
    scratch: &mut RowScratch,
) -> Option<RowKeys> {
    let mut object = PlainObject::new(text);
    let mut found = RowKeys::default();
    while let Some((key, value)) = object.next().ok()? {
        match classify(plan, reserved, scratch, key) {
            Key::Repeated(_) => return None,
            Key::Reserved { id, label } => {
                if label {
                    found.label = Some(value.to_json());
                }
                if id {
                    found.id = Some(value.to_json());
                }
            }
            Key::Source { target, source } => {
                let target = &plan.targets[target];
                let source = &target.sources[source];
                let reading = if source.is_plain() {
                    Reading::answered(
                        value.answer(&POLICY, plan.question(sets, target)),
                        &source.column,
                    )
                } else {
                    plan.read(sets, target, source, Cell::Json(&value.to_json()))
                };
                readings[source.at()] = reading;
            }
            Key::Known => {}
            Key::Unknown(key) => found.unknown.push(key),
        }
    }
    found.unknown.sort_unstable();
    Some(found)
}

struct RowSeed<'a> {
    plan: &'a Plan,
    sets: &'a [Arc<CompiledRuleSet>],
    reserved: Reserved<'a>,
    readings: &'a mut [Reading],
    scratch: &'a mut RowScratch,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Result<RowKeys, &'static str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Result<RowKeys, &'static str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of answers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Self {
            plan,
            sets,
            reserved,
            readings,
            scratch,
        } = self;
        let mut found = RowKeys::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            plan,
            reserved,
            scratch: &mut *scratch,
        })? {
            match key {
                Key::Repeated(key) => {
                    map.next_value::<CheckedValue>()?;
                    found.repeated.push(RowError::new(
                        codes::case::DUPLICATE_KEY,
                        &key,
                        "the row gives this key more than once",
                    ));
                }
                Key::Reserved { id, label } => {
                    let value: Json = map.next_value()?;
                    if label {
                        found.label = Some(value.clone());
                    }
                    if id {
                        found.id = Some(value);
                    }
                }
                Key::Source { target, source } => {
                    let target = &plan.targets[target];
                    let source = &target.sources[source];
                    let reading = if source.is_plain() {
                        let question = plan.question(sets, target);
                        let answer = map.next_value_seed(AnswerSeed {
                            question,
                            policy: &POLICY,
                        })?;
                        Reading::answered(answer, &source.column)
                    } else {
                        let value: Json = map.next_value()?;
                        plan.read(sets, target, source, Cell::Json(&value))
                    };
                    readings[source.at()] = reading;
                }
                Key::Known => {
                    map.next_value::<CheckedValue>()?;
                }
                Key::Unknown(key) => {
                    map.next_value::<CheckedValue>()?;
                    found.unknown.push(key);
                }
            }
        }
        found.unknown.sort_unstable();
        Ok(Ok(found))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<CheckedValue>()?.is_some() {}
        Ok(Err("a list"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err("true/false"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err("a number"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err("a string"))
    }
}

/// A key of the row, by what the reader does with it.
enum Key {
    /// Given before in this row.
    Repeated(String),
    /// The id and/or the label column: the value is kept.
    Reserved { id: bool, label: bool },
    /// A column the plan reads: target and source.
    Source { target: usize, source: usize },
    /// A key the plan skips on purpose.
    Known,
    /// Any other key.
    Unknown(String),
}

struct KeySeed<'a> {
    plan: &'a Plan,
    reserved: Reserved<'a>,
    scratch: &'a mut RowScratch,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(classify(self.plan, self.reserved, self.scratch, key))
    }
}

/// What a key of the row is (and whether it came before in this row).
fn classify(plan: &Plan, reserved: Reserved<'_>, scratch: &mut RowScratch, key: &str) -> Key {
    let guess = scratch.follows[scratch.last];
    let position = if plan.key_is(guess, key) {
        Some(guess)
    } else {
        plan.key_position(key)
    };
    if let Some(position) = position {
        scratch.follows[scratch.last] = position;
        scratch.last = position;
        let (target, source, at) = plan.source_at(position);
        if std::mem::replace(&mut scratch.seen[at], true) {
            return Key::Repeated(key.to_owned());
        }
        return Key::Source { target, source };
    }
    classify_other(plan, reserved, scratch, key)
}

/// What a key the plan does not read is (and whether it came before in this row).
fn classify_other(plan: &Plan, reserved: Reserved<'_>, scratch: &mut RowScratch, key: &str) -> Key {
    if scratch.other_seen_before(key) {
        return Key::Repeated(key.to_owned());
    }
    let (id, label) = (reserved.id == Some(key), reserved.label == Some(key));
    if id || label {
        Key::Reserved { id, label }
    } else if plan.known_keys.contains(key) {
        Key::Known
    } else {
        Key::Unknown(key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    //! Rows read straight into the answers give what the readings path gives: the same
    //! answers, id, label, other keys and "answered", and the direct path gives up on every
    //! row the readings path finds a problem in.

    use super::*;
    use crate::batch::mapping::{Columns, Questions};
    use crate::cmd::synth::SplitMix64;

    /// A set with a question of every type, two of them bounded.
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
  - {id: n, type: integer, min: 0, max: 10, text: {en: N, nl: N}}
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
decision:
  - {id: any, outcome: some, when: present_count() > 0}
  - {id: otherwise, outcome: none}
outcomes:
  - {id: none, label: {en: N, nl: N}, advice: {en: N, nl: N}}
  - {id: some, label: {en: Y, nl: Y}, advice: {en: Y, nl: Y}}
"#;

    const VALUES: &[&str] = &[
        "true",
        "false",
        "null",
        "0",
        "1",
        "7",
        "12",
        "-99",
        "-3",
        "2.5",
        "1e3",
        "007",
        "\"yes\"",
        "\"Ja\"",
        "\"nee\"",
        "\"-99\"",
        "\"unknown\"",
        "\"\"",
        "\"p\"",
        "\" q \"",
        "\"p;q\"",
        "\"r\"",
        "\"toolong\"",
        "\"a\\\"b\"",
        "\"x\\u0041\"",
        "[1]",
        "{\"k\": 1}",
        "[]",
        "\"é\"",
    ];

    fn row(rng: &mut SplitMix64, keys: &[&str]) -> String {
        if rng.chance(20) {
            return (*rng.pick(&["[1]", "null", "{", "{\"a\": tru}", "{} x", " { } "])).to_owned();
        }
        let mut text = String::from(if rng.chance(100) { " {" } else { "{" });
        for i in 0..rng.below(9) {
            if i > 0 {
                text.push_str(if rng.chance(100) { " , " } else { "," });
            }
            text.push('"');
            text.push_str(rng.pick::<&str>(keys));
            text.push_str(if rng.chance(100) { "\" : " } else { "\":" });
            text.push_str(rng.pick::<&str>(VALUES));
        }
        text.push('}');
        text
    }

    #[test]
    fn rows_read_straight_into_the_answers_match_the_readings() {
        let kinds = herken_engine::load(&herken_engine::Sources::new().with("ruleset.yaml", KINDS))
            .expect("test rule set loads")
            .rules;
        let files = crate::ruleset::find(
            crate::ruleset::DEFAULT_RULES,
            &herken_engine::TrustPolicy::no_keys(),
        )
        .expect("bundled set");
        let ilo = crate::ruleset::compile(&files, &mut Vec::new()).expect("compiles");
        let mut rng = SplitMix64::new(17);
        for set in [kinds, ilo] {
            let sets = [Arc::new(set)];
            let (plan, _) = Plan::new(
                &Questions::of(&sets),
                &sets,
                Columns::Keys,
                None,
                &["id", "label"],
            )
            .expect("plan builds");
            assert!(
                direct(&plan, &sets),
                "a plan without a mapping reads rows directly"
            );
            let mut keys: Vec<&str> = sets[0].questions().iter().map(|q| q.id()).collect();
            keys.truncate(8);
            keys.extend(["id", "label", "other", "a\\u0062"]);
            let reserved = Reserved {
                id: Some("id"),
                label: Some("label"),
            };
            let mut readings = plan.readings();
            let (mut straight, mut general) = (RowScratch::default(), RowScratch::default());
            general.direct = Some(false);
            let mut answers = vec![Observations::unknown(&sets[0])];
            let mut expected = vec![Observations::unknown(&sets[0])];
            let mut read_directly = 0;
            for _ in 0..3000 {
                let text = row(&mut rng, &keys);
                let via_readings = read(
                    &text,
                    &plan,
                    &sets,
                    reserved,
                    &mut readings,
                    &mut expected,
                    &mut general,
                );
                let answered = readings.iter().any(|r| !matches!(r, Reading::Missing));
                let errors = plan.store(&sets, &mut readings, &mut expected);
                let straight_read = read(
                    &text,
                    &plan,
                    &sets,
                    reserved,
                    &mut readings,
                    &mut answers,
                    &mut straight,
                );
                match (straight_read, via_readings) {
                    (Ok(got), Ok(want)) => {
                        let Some(got_answered) = got.direct else {
                            // Given up: read the general way, as `want` was.
                            plan.store(&sets, &mut readings, &mut answers);
                            assert_eq!(answers, expected, "{text}");
                            continue;
                        };
                        read_directly += 1;
                        assert!(want.repeated.is_empty() && errors.is_empty(), "{text}");
                        assert_eq!(answers, expected, "{text}");
                        assert_eq!(got_answered, answered, "{text}");
                        assert_eq!((got.id, got.label), (want.id, want.label), "{text}");
                        assert_eq!(got.unknown, want.unknown, "{text}");
                    }
                    (Err(_), Err(_)) => readings.fill(Reading::Missing),
                    (got, want) => panic!("{text}: {got:?} but {want:?}"),
                }
            }
            assert!(read_directly > 300, "{read_directly} rows read directly");
        }
    }
}
