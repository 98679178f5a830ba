//! The fast path of the case reader: one pass over the bytes of a case as intake forms write
//! it, straight into [`Observations`], for JSON text only.
//!
//! It reads the common shape and nothing else: an object whose keys are question ids (or, when
//! unknown keys are allowed, other plain keys) and whose values are `true`, `false`, `null`,
//! text without escapes, or whole numbers without a sign, fraction or exponent. Keys are
//! recognised without scanning them: the question most likely to come next (question order)
//! is compared with the text in place, and only a key that is not it is scanned and looked up.
//! Answers are read by the same [`AnswerPolicy`] rules as the general reader.
//!
//! Anything else — an escape, a list, a sign, a fraction, a duplicate key, an unknown key, an
//! answer that does not fit its question, invalid JSON — gives up ([`None`]), and the caller
//! reads the case again with the general reader, from the start: so every error (its code, its
//! field, its message, the position in invalid JSON) comes from one place, and this path can
//! only ever accept what the general reader accepts, with the same answers. The differential
//! tests in `tests/` hold the two together.

use super::{ObservationOptions, Observations};
use crate::answer::{AnswerPolicy, Scalar};
use crate::manifest::QuestionType;
use crate::model::{CompiledRuleSet, Question};
use crate::value::Value;

/// Reads `text` into `obs` (cleared first); `None` when the general reader must read it.
#[inline]
pub(super) fn read(
    rules: &CompiledRuleSet,
    text: &str,
    options: ObservationOptions,
    obs: &mut Observations,
) -> Option<()> {
    // A key that is not a question: kept as other data when allowed (once).
    read_with(rules, text, &options.policy, obs, |obs, key, _| {
        options.allow_unknown_keys && matches!(obs.other_key(key), Some((_, false)))
    })
}

impl CompiledRuleSet {
    /// Reads a case written as a plain JSON object (as [`PlainObject`] reads it) straight into
    /// `obs` in one pass, the way [`Self::observations_from_str_into`] reads cases as forms
    /// write them: each answer read by `policy` and checked against its question, and each key
    /// that is not a question handed to `other` with its value (`other` says whether to go
    /// on). For callers that read keys of their own besides the questions (`herken batch`'s id
    /// and label columns).
    ///
    /// `None` when the text is not such an object, a question comes twice, an answer does not
    /// fit its question, or `other` said no; `obs` then holds nothing to use, and the caller
    /// reads the text its general way (which says what is wrong).
    pub fn plain_observations_into<'t>(
        &self,
        text: &'t str,
        policy: &AnswerPolicy,
        obs: &mut Observations,
        mut other: impl FnMut(&'t str, PlainValue<'t>) -> bool,
    ) -> Option<()> {
        read_with(self, text, policy, obs, |_, key, value| other(key, value))
    }
}

/// [`read`], with each key that is not a question and its value handed to `other` (which says
/// whether reading may go on).
#[inline]
fn read_with<'t>(
    rules: &CompiledRuleSet,
    text: &'t str,
    policy: &AnswerPolicy,
    obs: &mut Observations,
    mut other: impl FnMut(&mut Observations, &'t str, PlainValue<'t>) -> bool,
) -> Option<()> {
    obs.clear(rules);
    let mut r = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    r.skip_ws();
    r.eat(b'{')?;
    r.skip_ws();
    if r.peek() == Some(b'}') {
        r.at += 1;
        return r.end();
    }
    let questions = &rules.questions;
    // Ids with nothing to escape (snake_case ids, as rule files have them, always; a compiled
    // form from a bundle is not trusted to) are checked once, not at every key.
    let plain_ids = *rules.plain_ids.get_or_init(|| {
        questions
            .iter()
            .all(|q| crate::report_json::clean_prefix(q.id.as_bytes()) == q.id.len())
    });
    let mut next = 0;
    loop {
        r.eat(b'"')?;
        // The key: the next question in order, in place; else scanned and looked up.
        let index = match questions.get(next) {
            Some(q) if r.key_is(q.id.as_bytes(), plain_ids) => next,
            _ => {
                let key = r.plain_string()?;
                match rules.question_index.get(key) {
                    Some(&i) => i,
                    None => {
                        r.colon()?;
                        let value = r.plain_value()?;
                        if !other(obs, key, value) {
                            return None;
                        }
                        if r.after_value()? {
                            continue;
                        }
                        return r.end();
                    }
                }
            }
        };
        if obs.seen_before(index) {
            return None;
        }
        next = index + 1;
        r.colon()?;
        let q = &questions[index];
        let value = match r.peek()? {
            b't' => {
                r.literal(b"true")?;
                if q.kind == QuestionType::YesNo {
                    Value::Bool(true)
                } else {
                    policy.scalar(q, Scalar::Bool(true)).ok()?
                }
            }
            b'f' => {
                r.literal(b"false")?;
                if q.kind == QuestionType::YesNo {
                    Value::Bool(false)
                } else {
                    policy.scalar(q, Scalar::Bool(false)).ok()?
                }
            }
            b'n' => {
                r.literal(b"null")?;
                Value::Unknown
            }
            b'"' => {
                r.at += 1;
                let s = r.plain_string()?;
                policy.scalar(q, Scalar::Text(s)).ok()?
            }
            b'0'..=b'9' => {
                let n = r.whole_number()?;
                policy.scalar(q, Scalar::Int(n)).ok()?
            }
            _ => return None,
        };
        obs.answers[index] = q.check(value).ok()?;
        if !r.after_value()? {
            return r.end();
        }
    }
}

/// One value of a [`PlainObject`]: what the general reader would see, without a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainValue<'t> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number written without sign, fraction or exponent (at most 18 digits).
    Whole(i64),
    /// Text written without escapes.
    Text(&'t str),
}

impl PlainValue<'_> {
    /// The value as `serde_json` parses it.
    pub fn to_json(self) -> serde_json::Value {
        match self {
            PlainValue::Null => serde_json::Value::Null,
            PlainValue::Bool(b) => serde_json::Value::Bool(b),
            PlainValue::Whole(n) => serde_json::Value::from(n),
            PlainValue::Text(t) => serde_json::Value::String(t.to_owned()),
        }
    }

    /// Reads the value as an answer to `question` by `policy`: the same answer and the same
    /// error as [`crate::AnswerSeed`] over the same text (bounds not yet checked).
    ///
    /// # Errors
    /// The answer does not fit the question's type, or names an option it does not have.
    pub fn answer(
        self,
        policy: &AnswerPolicy,
        question: &Question,
    ) -> Result<Value, crate::AnswerError> {
        match self {
            PlainValue::Null => Ok(Value::Unknown),
            PlainValue::Bool(b) if question.kind == QuestionType::YesNo => Ok(Value::Bool(b)),
            PlainValue::Bool(b) => policy.scalar(question, Scalar::Bool(b)),
            PlainValue::Whole(n) => policy.scalar(question, Scalar::Int(n)),
            PlainValue::Text(t) => policy.scalar(question, Scalar::Text(t)),
        }
    }
}

/// The text is not a [`PlainObject`]: read it with a general JSON reader (which also says
/// what, if anything, is wrong with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPlain;

/// A JSON object read in one pass when it is plain: keys without escapes, values as in
/// [`PlainValue`], nothing after it but white space. Anything else is [`NotPlain`], and the
/// caller reads the text the general way from the start (so errors come from one reader).
/// `herken batch` reads JSONL rows with it; a key given twice is the caller's to notice.
#[derive(Debug)]
pub struct PlainObject<'t> {
    reader: Reader<'t>,
    /// `None` before the first entry; then whether another entry follows.
    more: Option<bool>,
}

impl<'t> PlainObject<'t> {
    /// Starts reading `text`.
    pub fn new(text: &'t str) -> Self {
        Self {
            reader: Reader {
                text,
                bytes: text.as_bytes(),
                at: 0,
            },
            more: None,
        }
    }

    /// The next key and value; `Ok(None)` after the last (the object and the text ended).
    ///
    /// # Errors
    /// [`NotPlain`]: the text is not a plain object (or not JSON).
    #[expect(
        clippy::should_implement_trait,
        reason = "an iterator of results would hide where the object ends"
    )]
    pub fn next(&mut self) -> Result<Option<(&'t str, PlainValue<'t>)>, NotPlain> {
        let r = &mut self.reader;
        match self.more {
            None => {
                r.skip_ws();
                r.eat(b'{').ok_or(NotPlain)?;
                r.skip_ws();
                if r.peek() == Some(b'}') {
                    r.at += 1;
                    self.more = Some(false);
                    return r.end().map(|()| None).ok_or(NotPlain);
                }
            }
            Some(false) => return Ok(None),
            Some(true) => {}
        }
        r.eat(b'"').ok_or(NotPlain)?;
        let key = r.plain_string().ok_or(NotPlain)?;
        r.colon().ok_or(NotPlain)?;
        let value = r.plain_value().ok_or(NotPlain)?;
        let more = r.after_value().ok_or(NotPlain)?;
        if !more {
            r.end().ok_or(NotPlain)?;
        }
        self.more = Some(more);
        Ok(Some((key, value)))
    }
}

/// Whether `a` and `b` are the same bytes, compared eight at a time: for keys of a few dozen
/// bytes a call of `memcmp` costs more than the comparison, in WASM most of all, where
/// `memcmp` compares byte by byte.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    let word = |w: &[u8]| u64::from_ne_bytes(w.try_into().unwrap_or([0; 8]));
    x.by_ref().zip(y.by_ref()).all(|(p, q)| word(p) == word(q))
        && x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

#[derive(Debug)]
struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Reader<'t> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// JSON white space (what serde_json skips).
    #[inline(always)]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    #[inline(always)]
    fn eat(&mut self, b: u8) -> Option<()> {
        if self.peek() == Some(b) {
            self.at += 1;
            Some(())
        } else {
            None
        }
    }

    /// Whether the key that starts here (after its opening quote) is exactly `id`; if so,
    /// moves past its closing quote. Only for an id that needs no escape in JSON (`plain`:
    /// known to need none): then the text's key is `id` itself.
    #[inline(always)]
    fn key_is(&mut self, id: &[u8], plain: bool) -> bool {
        let end = self.at + id.len();
        if self.bytes.get(end) == Some(&b'"')
            && self
                .bytes
                .get(self.at..end)
                .is_some_and(|key| same_bytes(key, id))
            && (plain || crate::report_json::clean_prefix(id) == id.len())
        {
            self.at = end + 1;
            true
        } else {
            false
        }
    }

    /// Text up to the closing quote (after the opening one); `None` at an escape, a control
    /// character (invalid in JSON text) or the end.
    #[inline]
    fn plain_string(&mut self) -> Option<&'t str> {
        let start = self.at;
        // Eight bytes at a time, as the report writer scans for escapes.
        let len = crate::report_json::clean_prefix(&self.bytes[start..]);
        if self.bytes.get(start + len) != Some(&b'"') {
            return None;
        }
        self.at = start + len + 1;
        // Between two ASCII quotes of the text: whole characters.
        self.text.get(start..start + len)
    }

    /// White space, `:`, white space.
    #[inline(always)]
    fn colon(&mut self) -> Option<()> {
        self.skip_ws();
        self.eat(b':')?;
        self.skip_ws();
        Some(())
    }

    #[inline(always)]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Some(())
        } else {
            None
        }
    }

    /// A whole number of up to 18 digits without sign, fraction or exponent (what serde_json
    /// gives as an unsigned integer that fits an `i64`); `None` otherwise.
    #[inline]
    fn whole_number(&mut self) -> Option<i64> {
        let start = self.at;
        let mut n: i64 = 0;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            n = n * 10 + i64::from(d - b'0');
            self.at += 1;
            if self.at - start > 18 {
                return None;
            }
        }
        // A leading zero stands alone; a fraction or exponent is for the general reader.
        let leading_zero = self.bytes[start] == b'0' && self.at - start > 1;
        if leading_zero || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(n)
    }

    /// A plain scalar value ([`PlainValue`]); `None` for anything else.
    #[inline]
    fn plain_value(&mut self) -> Option<PlainValue<'t>> {
        match self.peek()? {
            b't' => self.literal(b"true").map(|()| PlainValue::Bool(true)),
            b'f' => self.literal(b"false").map(|()| PlainValue::Bool(false)),
            b'n' => self.literal(b"null").map(|()| PlainValue::Null),
            b'"' => {
                self.at += 1;
                self.plain_string().map(PlainValue::Text)
            }
            b'0'..=b'9' => self.whole_number().map(PlainValue::Whole),
            _ => None,
        }
    }

    /// After a value: `,` and the next key's quote follow (`true`), or `}` (`false`).
    #[inline(always)]
    fn after_value(&mut self) -> Option<bool> {
        self.skip_ws();
        match self.peek()? {
            b',' => {
                self.at += 1;
                self.skip_ws();
                Some(true)
            }
            b'}' => {
                self.at += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// Only white space after the object.
    fn end(&mut self) -> Option<()> {
        self.skip_ws();
        (self.at == self.bytes.len()).then_some(())
    }
}

#[cfg(all(test, feature = "rhai"))]
mod tests {
    //! The fast path accepts only what the general reader accepts, with the same answers and
    //! the same other keys: cases of every bundled set and a set with a question of every
    //! type, written as forms write them, then spaced, reordered, repeated and damaged byte by
    //! byte.

    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use serde::de::DeserializeSeed;

    use super::*;
    use crate::sources::Sources;

    /// A set with a question of every type (the bundled sets ask yes/no, whole numbers and
    /// one choice only).
    const KINDS: &str = "format: 1
id: kinds
version: 1.0.0
status: draft
title: {en: Kinds, nl: Soorten}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: a, type: yesno, text: {en: A?, nl: A?}}
  - {id: hours, type: integer, min: 0, max: 168, text: {en: Hours?, nl: Uren?}}
  - {id: x, type: number, text: {en: X?, nl: X?}}
  - id: sector
    type: choice
    text: {en: Sector?, nl: Sector?}
    options:
      - {id: farm, label: {en: Farm, nl: Boerderij}}
      - {id: shop, label: {en: Shop, nl: Winkel}}
  - id: held
    type: choices
    text: {en: Held?, nl: Vastgehouden?}
    options:
      - {id: passport, label: {en: Passport, nl: Paspoort}}
      - {id: bank_card, label: {en: Bank card, nl: Bankpas}}
  - {id: story, type: text, text: {en: Story, nl: Verhaal}}
dimensions:
  - {id: d, label: {en: D, nl: D}, positive: {at_least: 1}}
indicators:
  - {id: i_a, dimension: d, strength: weak, label: {en: A, nl: A}, when: obs.a}
  - {id: i_hours, dimension: d, strength: weak, label: {en: H, nl: H}, when: obs.hours > 60}
  - {id: i_x, dimension: d, strength: weak, label: {en: X, nl: X}, when: obs.x > 1.5}
  - {id: i_sector, dimension: d, strength: weak, label: {en: S, nl: S}, when: 'obs.sector == \"farm\"'}
  - {id: i_held, dimension: d, strength: weak, label: {en: P, nl: P}, when: '\"passport\" in obs.held'}
decision:
  - {id: otherwise, outcome: no_signals}
outcomes:
  - id: no_signals
    label: {en: No signals, nl: Geen signalen}
    advice: {en: No signals is not proof of absence., nl: Geen signalen is geen bewijs.}
";

    /// Three bundled sets (the engine reads no files: their text is built in) and [`KINDS`].
    fn sets() -> Vec<CompiledRuleSet> {
        [
            include_str!("../../rules/ilo-2009-adult-labour/ruleset.yaml"),
            include_str!("../../rules/nl-arbeidsuitbuiting/ruleset.yaml"),
            include_str!("../../rules/nl-geringste-aanwijzing/ruleset.yaml"),
            KINDS,
        ]
        .into_iter()
        .map(|text| {
            let sources = Sources::new().with("ruleset.yaml", text);
            match crate::load(&sources) {
                Ok(loaded) => loaded.rules,
                Err(d) => panic!("{d:?}"),
            }
        })
        .collect()
    }

    /// Answers of every shape, fitting or not.
    const ANSWERS: &[&str] = &[
        "2.5",
        "\"shop\"",
        "\"a story\"",
        "true",
        "false",
        "null",
        "\"yes\"",
        "\"no\"",
        "\"unknown\"",
        "\"Yes\"",
        " 1",
        "0",
        "40",
        "168",
        "169",
        "07",
        "-3",
        "-0",
        "40.0",
        "4e1",
        "123456789012345678901",
        "\"\"",
        "\"myself\"",
        "\"employer_or_recruiter\"",
        "\"farm\"",
        "\" farm \"",
        "\"x\\\"y\"",
        "\"caf\u{e9}\"",
        "[]",
        "[\"passport\"]",
        "{}",
        "tru",
        "\"a\u{1}b\"",
        "\"-99\"",
    ];

    /// Answers that fit a question of this kind.
    fn fitting(q: &crate::model::Question) -> Vec<String> {
        let words = |w: &[&str]| w.iter().map(|w| (*w).to_owned()).collect();
        match q.kind {
            QuestionType::YesNo => {
                words(&["true", "false", "null", "\"yes\"", "\"no\"", "\"unknown\""])
            }
            QuestionType::Integer => words(&["0", "40", "61", "168", "null"]),
            QuestionType::Number => words(&["40", "2", "0", "null"]),
            QuestionType::Choice => q
                .option_ids
                .iter()
                .map(|id| format!("\"{id}\""))
                .chain(["\"unknown\"".to_owned()])
                .collect(),
            QuestionType::Choices => words(&["null"]),
            QuestionType::Text => words(&["\"they took my passport\""]),
        }
    }

    /// Cases as forms write them (questions in order, fitting answers), with now and then a
    /// wild answer, a key that is not a question, spacing, another order, and damage.
    fn case_text(rules: &CompiledRuleSet) -> impl Strategy<Value = String> {
        let questions: Vec<(String, Vec<String>)> = rules
            .questions
            .iter()
            .map(|q| (q.id.clone(), fitting(q)))
            .collect();
        let n = questions.len();
        (
            prop::collection::vec((0u8..4, any::<u8>(), 0u8..120, 0usize..3), n),
            0u8..4,
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            0u8..3,
        )
            .prop_map(move |(per_question, order, damage, damaged)| {
                let mut pairs: Vec<(String, String, &str)> = Vec::new();
                for ((id, fits), (include, pick, wild, ws)) in questions.iter().zip(per_question) {
                    if include == 0 {
                        continue;
                    }
                    let answer = if wild == 0 {
                        ANSWERS[usize::from(pick) % ANSWERS.len()].to_owned()
                    } else {
                        fits[usize::from(pick) % fits.len()].clone()
                    };
                    pairs.push((id.clone(), answer, ["", " ", "\n\t"][ws]));
                    if wild == 1 {
                        pairs.push(("id".to_owned(), answer_of(pick), ""));
                    }
                }
                match order {
                    0 => crate::sort::sort_by(&mut pairs, |a, b| a.0.cmp(&b.0)),
                    1 => pairs.reverse(),
                    _ => {}
                }
                let body: Vec<String> = pairs
                    .iter()
                    .map(|(id, answer, ws)| format!("{ws}\"{id}\"{ws}:{ws}{answer}"))
                    .collect();
                let mut text = format!("{{{}}}", body.join(","));
                if damaged == 0 {
                    for (at, byte) in damage {
                        let i = at.index(text.len() + 1);
                        if text.is_char_boundary(i) {
                            let c = [b'"', b'\\', b',', b'}', b'{', b' ', b'-', b'x', b'\x01']
                                [usize::from(byte) % 9] as char;
                            text.insert(i, c);
                        }
                    }
                }
                text
            })
    }

    /// A value for a key that is not a question.
    fn answer_of(pick: u8) -> String {
        ANSWERS[usize::from(pick) % ANSWERS.len()].to_owned()
    }

    #[test]
    fn the_fast_path_accepts_only_what_the_general_reader_accepts_alike() {
        let sets = sets();
        let policies = [
            ObservationOptions::default(),
            ObservationOptions {
                allow_unknown_keys: true,
                policy: AnswerPolicy::TABLE,
            },
        ];
        let taken = std::cell::Cell::new(0u32);
        for rules in &sets {
            let mut runner = TestRunner::new(Config {
                cases: 400,
                failure_persistence: None,
                ..Config::default()
            });
            let result = runner.run(&case_text(rules), |text| {
                // A plain object is exactly what serde_json parses, value for value.
                let mut plain = PlainObject::new(&text);
                let mut entries = serde_json::Map::new();
                let mut twice = false;
                let whole = loop {
                    match plain.next() {
                        Ok(Some((k, v))) => {
                            twice |= entries.insert(k.to_owned(), v.to_json()).is_some();
                            // Its answers are the answer seed's over the same value.
                            if let Some(&q) = rules.question_index.get(k) {
                                let q = &rules.questions[q];
                                for policy in [AnswerPolicy::CASE, AnswerPolicy::TABLE] {
                                    let seed = crate::AnswerSeed {
                                        question: q,
                                        policy: &policy,
                                    }
                                    .deserialize(v.to_json());
                                    prop_assert_eq!(seed.ok(), Some(v.answer(&policy, q)));
                                }
                            }
                        }
                        Ok(None) => break true,
                        Err(NotPlain) => break false,
                    }
                };
                if whole {
                    let parsed = serde_json::from_str::<serde_json::Value>(&text);
                    prop_assert!(parsed.is_ok(), "{}", text);
                    if !twice {
                        prop_assert_eq!(
                            parsed.ok(),
                            Some(serde_json::Value::Object(entries)),
                            "{}",
                            text
                        );
                    }
                }
                for options in policies {
                    let mut fast = Observations::default();
                    if read(rules, &text, options, &mut fast).is_none() {
                        continue;
                    }
                    taken.set(taken.get() + 1);
                    let mut general = Observations::default();
                    let mut de = serde_json::Deserializer::from_str(&text);
                    let slow = rules.read_case(&mut de, options, &mut general);
                    prop_assert!(slow.is_ok(), "{}: {:?}", text, slow);
                    prop_assert!(de.end().is_ok(), "{}", text);
                    prop_assert_eq!(&fast.answers, &general.answers, "{}", text);
                    prop_assert_eq!(
                        fast.other_keys().collect::<Vec<_>>(),
                        general.other_keys().collect::<Vec<_>>()
                    );
                }
                Ok(())
            });
            if let Err(e) = result {
                panic!("{}: {e}", rules.id);
            }
        }
        let taken = taken.get();
        assert!(taken > 1000, "the fast path took only {taken} cases");
    }
}
