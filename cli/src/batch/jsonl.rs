//! JSONL rows read straight from their text, without building a `serde_json::Value`: the
//! engine reads the answers ([`CompiledRuleSet::observations_from_str_into`]) and [`scan`] reads
//! what the batch itself needs from the row (the id and label values, the keys nothing reads).
//!
//! [`super::score`] takes this path only where it gives exactly what parsing the row into a
//! `Value` gives, and otherwise (or when a row fails on it) scores the row the usual way:
//! - without a mapping, where every column is read by its question's type ([`natural`]) before
//!   the engine checks it: for a value the engine accepts, that reading gives the same answer
//!   and no error except in the cases [`reads_alike`] checks for, provided every rule set gives
//!   a shared question the same type and options ([`one_reading`]);
//! - [`scan`] checks every value as a `Value` parse would (numbers in range, escapes, nesting
//!   depth), so a row is read here only if it parses as a `Value` (the engine's reader checks
//!   the values it skips the same way).
//!
//! [`natural`]: super::values::natural

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use herken_engine::{CheckedValue, CompiledRuleSet, Observations, QuestionType, Value};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value as Json;

use super::values::is_unknown_text;

/// Whether every question the rule sets share has one type and one list of options, so that
/// reading a value by "its question's type" means the same for each set.
pub fn one_reading(sets: &[Arc<CompiledRuleSet>]) -> bool {
    let mut seen: BTreeMap<&str, (QuestionType, Vec<&str>)> = BTreeMap::new();
    sets.iter().all(|set| {
        set.questions().iter().all(|q| {
            let this = (q.kind(), q.options().iter().map(|o| o.id()).collect());
            *seen.entry(q.id()).or_insert_with(|| this.clone()) == this
        })
    })
}

/// Whether answers the engine read from a row's text are what reading each value by its
/// question's type first ([`super::values::natural`]) would give. For values the engine accepts
/// the two differ only where that reading makes an answer unknown or trims it: a number `-99`,
/// text that is blank, `-99` or `unknown` in any case, and an option id with spaces around it.
pub fn reads_alike(set: &CompiledRuleSet, obs: &Observations) -> bool {
    set.questions()
        .iter()
        .enumerate()
        .all(|(i, q)| match (q.kind(), obs.get(i)) {
            (QuestionType::Integer, Value::Int(n)) => *n != -99,
            (QuestionType::Number, Value::Float(f)) => *f != -99.0,
            (QuestionType::Text, Value::Str(s)) => !is_unknown_text(s),
            (QuestionType::Choice, Value::Str(s)) => !is_unknown_text(s) && s.trim() == &**s,
            _ => true,
        })
}

/// What the batch reads from a row besides the answers.
#[derive(Debug, Default, PartialEq)]
pub struct RowKeys {
    /// The id column's value (the last, if the key is repeated).
    pub id: Option<Json>,
    /// The label column's value.
    pub label: Option<Json>,
    /// Keys that are neither questions nor otherwise known, once each and sorted, as a
    /// `serde_json::Map` lists its keys (serde_json is built without `preserve_order`).
    pub unknown: Vec<String>,
}

/// The keys of a row the batch knows about.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    pub id: Option<&'a str>,
    pub label: Option<&'a str>,
    /// Keys the plan reads or skips on purpose, sorted; any other is listed in
    /// [`RowKeys::unknown`].
    pub known: &'a [String],
}

/// Reads a row's id and label values and its unknown keys, checking every value exactly as
/// parsing it into a `serde_json::Value` would. `None` when the row is not a JSON object that
/// parses as a `Value` (the usual path then says why).
pub fn scan(text: &str, keys: Keys<'_>) -> Option<RowKeys> {
    let mut de = serde_json::Deserializer::from_str(text);
    let found = RowSeed(keys).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(found)
}

struct RowSeed<'a>(Keys<'a>);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = RowKeys;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RowKeys, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = RowKeys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of answers")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RowKeys, A::Error> {
        let mut found = RowKeys::default();
        let mut next = 0;
        while let Some((key, after)) = map.next_key_seed(KeySeed { keys: self.0, next })? {
            next = after;
            match key {
                Key::Reserved { id, label } => {
                    let value: Json = map.next_value()?;
                    match (id, label) {
                        (true, true) => {
                            found.id = Some(value.clone());
                            found.label = Some(value);
                        }
                        (true, false) => found.id = Some(value),
                        _ => found.label = Some(value),
                    }
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
        found.unknown.dedup();
        Ok(found)
    }
}

/// A key of the row, by what the scan keeps of it.
enum Key {
    /// The id and/or the label column: the value is kept.
    Reserved {
        id: bool,
        label: bool,
    },
    Known,
    Unknown(String),
}

struct KeySeed<'a> {
    keys: Keys<'a>,
    /// Where in `keys.known` the next key most likely is.
    next: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    /// The key, and where to look for the one after it.
    type Value = (Key, usize);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = (Key, usize);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        let Self { keys, next } = self;
        let (id, label) = (keys.id == Some(key), keys.label == Some(key));
        if id || label {
            return Ok((Key::Reserved { id, label }, next));
        }
        // Rows mostly list their keys sorted (as serde_json writes a map): try the next known
        // key before searching.
        let at = keys
            .known
            .get(next..)
            .unwrap_or_default()
            .iter()
            .take(2)
            .position(|k| k == key)
            .map(|i| next + i)
            .or_else(|| keys.known.binary_search_by(|k| k.as_str().cmp(key)).ok());
        Ok(match at {
            Some(i) => (Key::Known, i + 1),
            None => (Key::Unknown(key.to_owned()), next),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_with(text: &str, id: &str, label: &str) -> Option<RowKeys> {
        let known: Vec<String> = ["a", "b", "id", "label"].map(str::to_owned).to_vec();
        scan(
            text,
            Keys {
                id: Some(id),
                label: Some(label),
                known: &known,
            },
        )
    }

    #[test]
    fn the_scan_keeps_the_last_id_and_label_and_lists_unknown_keys_once_sorted() {
        let found = scan_with(
            r#"{"z": 1, "b": true, "id": 1, "y": [], "a": null, "id": "r2", "z": 2, "label": 0}"#,
            "id",
            "label",
        );
        assert_eq!(
            found,
            Some(RowKeys {
                id: Some(Json::from("r2")),
                label: Some(Json::from(0)),
                unknown: vec!["y".into(), "z".into()],
            })
        );
        let found = scan_with(r#"{"id": "yes"}"#, "id", "id").expect("an object");
        assert_eq!(
            (found.id, found.label),
            (Some("yes".into()), Some("yes".into()))
        );
    }

    #[test]
    fn the_scan_fails_where_a_parsed_value_fails() {
        for text in [
            r#"{"z": 1e400}"#,
            r#"{"z": ["\ud800"]}"#,
            r#"{"z": {"\udc00": 1}}"#,
            r#"{"a": 1} 2"#,
        ] {
            assert!(serde_json::from_str::<Json>(text).is_err(), "{text}");
            assert_eq!(scan_with(text, "id", "label"), None, "{text}");
        }
        assert_eq!(scan_with("[]", "id", "label"), None, "not an object");
    }
}
