//! The report's JSON written straight from a screening ([`CompiledRuleSet::evaluate_json`]),
//! without building the [`Report`](crate::Report) first: the bytes of
//! `evaluate(obs, options).to_json()`, in a fraction of the time.
//!
//! Most of a report is text of the rule set that is the same in every report: ids, labels,
//! questions, the fixed keys between them. [`JsonParts`] holds all of it once per language,
//! already escaped and joined with its keys (an indicator's `{"id":…,"label":…,"dimension":…,
//! "strength":…,"weight":…,"state":` is one piece), made on the first screen and kept with the
//! rule set. Writing a report is then mostly copying those pieces, with the case's own states,
//! answers, counts and lists between them. Nothing is allocated per case but the output.
//!
//! `Report::to_json` (`report_json.rs`) stays the definition, itself held to serde_json's bytes:
//! `engine/tests/differential.rs` checks that this writer gives its bytes for every test case
//! of every bundled rule set and for generated cases, in both languages, with and without next
//! questions, for native and scripted conditions.

use std::fmt;
use std::ops::Range;

use crate::evaluate::Screening;
use crate::model::CompiledRuleSet;
use crate::observation::Observations;
use crate::report::State;
use crate::report_json::{
    JsonOut, boolean, counts, diagnostic, error, float, positive_rule, string, unsigned,
};
use crate::sandbox;
use crate::value::Value;
use crate::{ENGINE, ScreenOptions};

/// How long a piece of a report is at most to be copied as a fixed length
/// ([`ReportOut::piece`]).
const SHORT: usize = 64;

/// A report being written: JSON text, and copies of pieces of [`JsonParts::text`].
pub(crate) trait ReportOut: JsonOut {
    fn reserve(&mut self, additional: usize);
    /// Appends `text[start..end]`, a piece of [`JsonParts::text`]. A short piece (most are: ids,
    /// keys) is copied as a fixed [`SHORT`] bytes and the excess cut off again: a copy of a
    /// length known when compiling is a few loads and stores, where one of a length known only
    /// when running is a call of `memcpy` — in WASM `memory.copy`, which costs as much as
    /// copying a few hundred bytes (~6 ns under Node 20), and a report is hundreds of pieces.
    /// `text` ends in `SHORT` spaces that are no piece's, so that a short piece always has
    /// `SHORT` bytes from its start. `other`: whether the piece holds characters other than
    /// ASCII (which [`MarkedBytes`] marks).
    fn piece(&mut self, text: &str, start: usize, end: usize, other: bool);
}

impl ReportOut for String {
    fn reserve(&mut self, additional: usize) {
        String::reserve(self, additional);
    }

    fn piece(&mut self, text: &str, start: usize, end: usize, _other: bool) {
        // The `SHORT` bytes end at a character boundary unless a character that is not ASCII
        // straddles it.
        if end - start <= SHORT
            && let Some(wide) = text.get(start..start + SHORT)
        {
            let len = self.len();
            self.push_str(wide);
            self.truncate(len + (end - start));
        } else {
            self.push_str(&text[start..end]);
        }
    }
}

/// Bytes: the same copies without checking character boundaries (a piece starts and ends at
/// one, and the bytes after it are cut off again), ~5 % of a screen in WASM.
impl ReportOut for Vec<u8> {
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }

    fn piece(&mut self, text: &str, start: usize, end: usize, _other: bool) {
        let bytes = text.as_bytes();
        if end - start <= SHORT
            && let Some(wide) = bytes.get(start..start + SHORT)
        {
            let len = self.len();
            self.extend_from_slice(wide);
            self.truncate(len + (end - start));
        } else {
            self.extend_from_slice(&bytes[start..end]);
        }
    }
}

/// Bytes of a report, and where in them characters other than ASCII may be
/// ([`CompiledRuleSet::evaluate_json_bytes_into`]): in the pieces of the rule set that hold
/// some (known when the pieces are made), and in other text written that holds some (checked
/// as it is written: most is JSON's own, a constant, for which the check is made when
/// compiling).
struct MarkedBytes<'a> {
    bytes: &'a mut Vec<u8>,
    other: &'a mut Vec<Range<usize>>,
}

impl MarkedBytes<'_> {
    /// Marks what was written since `start` as holding other characters, joined to the
    /// range before it when that ends there.
    fn mark(&mut self, start: usize) {
        let end = self.bytes.len();
        match self.other.last_mut() {
            Some(last) if last.end == start => last.end = end,
            _ => self.other.push(start..end),
        }
    }
}

impl JsonOut for MarkedBytes<'_> {
    #[inline]
    fn push_str(&mut self, s: &str) {
        let start = self.bytes.len();
        JsonOut::push_str(self.bytes, s);
        if !s.is_ascii() {
            self.mark(start);
        }
    }
    #[inline]
    fn push(&mut self, c: char) {
        let start = self.bytes.len();
        JsonOut::push(self.bytes, c);
        if !c.is_ascii() {
            self.mark(start);
        }
    }
}

impl ReportOut for MarkedBytes<'_> {
    fn reserve(&mut self, additional: usize) {
        self.bytes.reserve(additional);
    }
    #[inline]
    fn piece(&mut self, text: &str, start: usize, end: usize, other: bool) {
        let at = self.bytes.len();
        self.bytes.piece(text, start, end, other);
        if other {
            self.mark(at);
        }
    }
}

/// A piece of [`JsonParts::text`]: its start and end, and whether it holds characters other
/// than ASCII.
#[derive(Debug, Clone, Copy, Default)]
struct Part(usize, usize, bool);

/// Every fixed piece of a report's JSON in one language, escaped, in one text. Pieces that are
/// items of a list start with the comma that separates them from the one before; the first
/// item of a list is written without it. Pieces are as long as the case allows, so that a
/// report is written in few copies (an indicator's whole head up to its answers is one).
pub(crate) struct JsonParts {
    text: String,
    /// How long a report is, its next questions aside, unless it has long text answers or
    /// errors (the pieces every report has, and room for the case's own), to reserve.
    typical: usize,
    /// `{"ruleset":{"id":…,"version":…,"status":…,"sha256":` (the hash is written per report).
    head: Part,
    /// `},"engine":…,"language":…,"outcome":`
    head_end: Part,
    /// Per outcome: `{"id":…,"level":n,"label":…,"advice":…`
    outcome_open: Vec<Part>,
    /// Per outcome: `,"htcds":…},"dimensions":[` or `},"dimensions":[`
    outcome_close: Vec<Part>,
    /// Per outcome, as the one the case could rise to:
    /// `,"could_rise_to":…,"could_rise_to_label":…`
    outcome_rise: Vec<Part>,
    /// Per outcome, as the one a next question could raise the case to:
    /// `,"could_raise_to":…,"indicators":[`
    outcome_raise: Vec<Part>,
    /// Per decision rule: `,"decided_by":…,"condition":…,"may_rise":` (no condition for a
    /// rule without one).
    rule: Vec<Part>,
    /// Per dimension, when it is not positive and when it is:
    /// `,{"id":…,"label":…,"positive":false,"rule":…`
    dimension_open: Vec<[Part; 2]>,
    /// Per indicator and state ([`State::ALL`] order):
    /// `,{"id":…,"label":…,"dimension":…,"strength":…,"weight":…,"state":…,"reads":{`
    indicator_open: Vec<[Part; 4]>,
    /// Per indicator: `,"id"`
    indicator_id: Vec<Part>,
    /// Per indicator: the questions its condition reads, sorted by id, each once
    /// (`reads[reads_at[i]..reads_at[i + 1]]`).
    reads: Vec<usize>,
    reads_at: Vec<usize>,
    /// Per question: `,"id":` (as an unanswered question, all but the colon).
    question_key: Vec<Part>,
    /// Per question, as a next question: `,{"id":…,"question":…`
    next_open: Vec<Part>,
}

impl fmt::Debug for JsonParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JsonParts({} bytes)", self.text.len())
    }
}

/// Collects pieces into one text.
struct Builder {
    text: String,
    start: usize,
}

impl Builder {
    /// Ends the piece written since the last one.
    fn part(&mut self) -> Part {
        let other = !self.text[self.start..].is_ascii();
        let part = Part(self.start, self.text.len(), other);
        self.start = self.text.len();
        part
    }
}

impl JsonParts {
    /// The pieces of `rules`' reports in language `lang`.
    fn new(rules: &CompiledRuleSet, lang: &str) -> Self {
        let mut b = Builder {
            text: String::new(),
            start: 0,
        };
        let text = |t| rules.text(t, lang);

        let out = &mut b.text;
        out.push_str("{\"ruleset\":{\"id\":");
        string(out, &rules.id);
        out.push_str(",\"version\":");
        string(out, &rules.version);
        out.push_str(",\"status\":");
        string(out, rules.status.name());
        out.push_str(",\"sha256\":");
        let head = b.part();
        let out = &mut b.text;
        out.push_str("},\"engine\":");
        string(out, ENGINE);
        out.push_str(",\"language\":");
        string(out, lang);
        out.push_str(",\"outcome\":");
        let head_end = b.part();

        let mut outcome_open = Vec::new();
        let mut outcome_close = Vec::new();
        let mut outcome_rise = Vec::new();
        let mut outcome_raise = Vec::new();
        for (level, o) in rules.outcomes.iter().enumerate() {
            let out = &mut b.text;
            out.push_str("{\"id\":");
            string(out, &o.id);
            out.push_str(",\"level\":");
            unsigned(out, level as u64);
            out.push_str(",\"label\":");
            string(out, text(&o.label));
            out.push_str(",\"advice\":");
            string(out, text(&o.advice));
            outcome_open.push(b.part());
            let out = &mut b.text;
            if let Some(h) = &o.htcds {
                out.push_str(",\"htcds\":");
                string(out, h);
            }
            out.push_str("},\"dimensions\":[");
            outcome_close.push(b.part());
            let out = &mut b.text;
            out.push_str(",\"could_rise_to\":");
            string(out, &o.id);
            out.push_str(",\"could_rise_to_label\":");
            string(out, text(&o.label));
            outcome_rise.push(b.part());
            let out = &mut b.text;
            out.push_str(",\"could_raise_to\":");
            string(out, &o.id);
            out.push_str(",\"indicators\":[");
            outcome_raise.push(b.part());
        }

        let mut rule = Vec::new();
        for r in &rules.decision {
            let out = &mut b.text;
            out.push_str(",\"decided_by\":");
            string(out, &r.id);
            if let Some(c) = &r.when_source {
                out.push_str(",\"condition\":");
                string(out, c);
            }
            out.push_str(",\"may_rise\":");
            rule.push(b.part());
        }

        let mut dimension_open = Vec::new();
        for d in &rules.dimensions {
            let mut open = [Part::default(); 2];
            for (positive, part) in open.iter_mut().enumerate() {
                let out = &mut b.text;
                out.push_str(",{\"id\":");
                string(out, &d.id);
                out.push_str(",\"label\":");
                string(out, text(&d.label));
                out.push_str(",\"positive\":");
                boolean(out, positive == 1);
                out.push_str(",\"rule\":");
                positive_rule(out, d.rule);
                *part = b.part();
            }
            dimension_open.push(open);
        }

        let mut indicator_open = Vec::new();
        let mut indicator_id = Vec::new();
        let mut reads = Vec::new();
        let mut reads_at = vec![0];
        for ind in &rules.indicators {
            let mut open = [Part::default(); 4];
            for (state, part) in State::ALL.into_iter().zip(&mut open) {
                let out = &mut b.text;
                out.push_str(",{\"id\":");
                string(out, &ind.id);
                out.push_str(",\"label\":");
                string(out, text(&ind.label));
                out.push_str(",\"dimension\":");
                string(out, &rules.dimensions[ind.dimension].id);
                if let Some(s) = ind.strength {
                    out.push_str(",\"strength\":");
                    string(out, s.as_str());
                }
                out.push_str(",\"weight\":");
                float(out, ind.weight);
                out.push_str(",\"state\":");
                string(out, state.as_str());
                out.push_str(",\"reads\":{");
                *part = b.part();
            }
            indicator_open.push(open);
            b.text.push(',');
            string(&mut b.text, &ind.id);
            indicator_id.push(b.part());
            // As `Reads::new` orders them: by id, the first of equal ids kept.
            let start = reads.len();
            reads.extend(ind.reads.iter().copied());
            crate::sort::sort_by(&mut reads[start..], |&a, &c| {
                rules.questions[a].id.cmp(&rules.questions[c].id)
            });
            let mut kept = start;
            for k in start..reads.len() {
                if k == start || rules.questions[reads[k]].id != rules.questions[reads[kept - 1]].id
                {
                    reads[kept] = reads[k];
                    kept += 1;
                }
            }
            reads.truncate(kept);
            reads_at.push(reads.len());
        }

        let mut question_key = Vec::new();
        let mut next_open = Vec::new();
        for q in &rules.questions {
            b.text.push(',');
            string(&mut b.text, &q.id);
            b.text.push(':');
            question_key.push(b.part());
            let out = &mut b.text;
            out.push_str(",{\"id\":");
            string(out, &q.id);
            out.push_str(",\"question\":");
            string(out, text(&q.text));
            next_open.push(b.part());
        }

        let len = |p: &Part| p.1 - p.0;
        let typical = len(&head)
            + 80
            + len(&head_end)
            + outcome_open.iter().map(len).max().unwrap_or(0)
            + outcome_rise.iter().map(len).max().unwrap_or(0)
            + rule.iter().map(len).max().unwrap_or(0)
            + dimension_open
                .iter()
                .map(|p| len(&p[1]) + 160)
                .sum::<usize>()
            + indicator_open
                .iter()
                .map(|p| len(&p[2]) + 16)
                .sum::<usize>()
            + indicator_id.iter().map(len).sum::<usize>()
            + question_key.iter().map(|p| 2 * len(p) + 24).sum::<usize>()
            + 1024;
        let mut text = b.text;
        text.push_str(&" ".repeat(SHORT));
        JsonParts {
            text,
            typical,
            head,
            head_end,
            outcome_open,
            outcome_close,
            outcome_rise,
            outcome_raise,
            rule,
            dimension_open,
            indicator_open,
            indicator_id,
            reads,
            reads_at,
            question_key,
            next_open,
        }
    }

    #[inline]
    fn put(&self, out: &mut impl ReportOut, part: Part) {
        out.piece(&self.text, part.0, part.1, part.2);
    }

    /// A list item: without its leading comma when it is the list's first.
    #[inline]
    fn put_item(&self, out: &mut impl ReportOut, part: Part, first: bool) {
        out.piece(&self.text, part.0 + usize::from(first), part.1, part.2);
    }

    /// Ids of the indicators `ids`, the items of a JSON list.
    fn indicator_ids(&self, out: &mut impl ReportOut, ids: impl Iterator<Item = usize>) {
        let mut first = true;
        for i in ids {
            self.put_item(out, self.indicator_id[i], first);
            first = false;
        }
    }

    /// The report of `screening` (of case `obs`), as `Report::to_json` writes it.
    fn write(
        &self,
        rules: &CompiledRuleSet,
        obs: &Observations,
        screening: &Screening,
        out: &mut impl ReportOut,
    ) {
        let Screening {
            states,
            errors,
            decided,
            unanswered,
            next,
        } = screening;
        // Room for all of it, so that writing never copies what is written to grow.
        let len = |p: Part| p.1 - p.0;
        let next_len: usize = next
            .ranked
            .iter()
            .map(|r| len(self.next_open[r.question]) + 48 + 40 * r.settles.len())
            .sum();
        out.reserve(self.typical + next_len);
        self.put(out, self.head);
        string(out, &rules.sha256);
        self.put(out, self.head_end);

        self.put(out, self.outcome_open[decided.outcome]);
        match self.rule.get(decided.rule) {
            Some(&part) => self.put(out, part),
            None => out.push_str(",\"decided_by\":\"\",\"may_rise\":"),
        }
        if decided.may_rise() {
            out.push_str("true");
            self.put(out, self.outcome_rise[decided.best]);
        } else {
            out.push_str("false");
        }
        self.put(out, self.outcome_close[decided.outcome]);

        for (d, dim) in rules.dimensions.iter().enumerate() {
            let tally = rules.dimension_tally(states, d);
            self.put_item(
                out,
                self.dimension_open[d][usize::from(tally.clause.is_some())],
                d == 0,
            );
            if let Some(c) = tally.clause {
                out.push_str(",\"clause\":");
                string(out, c.id());
            }
            out.push_str(",\"counts\":");
            counts(out, tally.counts);
            out.push_str(",\"score\":");
            float(out, tally.score);
            out.push_str(",\"indicators\":[");
            let in_state = |s| {
                dim.indicators
                    .iter()
                    .copied()
                    .filter(move |&i| states[i] == s)
            };
            // The closing text after each list as a constant of its own: copying a length
            // known only when running is a call of `memory.copy` in WASM.
            self.indicator_ids(out, in_state(State::Present));
            out.push_str("],\"unknown\":[");
            self.indicator_ids(out, in_state(State::Unknown));
            out.push_str("]}");
        }

        out.push_str("],\"indicators\":[");
        let mut errors_left = errors.iter().peekable();
        for (i, state) in states.iter().enumerate() {
            let open = &self.indicator_open[i];
            let open = match state {
                State::Present => open[0],
                State::Absent => open[1],
                State::Unknown => open[2],
                State::Error => open[3],
            };
            self.put_item(out, open, i == 0);
            for (n, &q) in self.reads[self.reads_at[i]..self.reads_at[i + 1]]
                .iter()
                .enumerate()
            {
                self.put_item(out, self.question_key[q], n == 0);
                value(out, obs.get(q));
            }
            // `errors` is in indicator order.
            if let Some((_, e)) = errors_left.next_if(|(j, _)| *j == i) {
                out.push_str("},\"error\":");
                error(out, e);
                out.push('}');
            } else {
                out.push_str("}}");
            }
        }

        out.push_str("],\"unanswered\":[");
        for (n, &q) in unanswered.iter().enumerate() {
            // The question's key without its colon.
            let Part(start, end, other) = self.question_key[q];
            self.put_item(out, Part(start, end - 1, other), n == 0);
        }

        out.push_str("],\"next_questions\":[");
        for (n, r) in next.ranked.iter().enumerate() {
            self.put_item(out, self.next_open[r.question], n == 0);
            if r.level > decided.outcome {
                self.put(out, self.outcome_raise[r.level]);
            } else {
                out.push_str(",\"indicators\":[");
            }
            self.indicator_ids(out, next.settled[r.settles.clone()].iter().copied());
            out.push_str("]}");
        }

        out.push_str("],\"diagnostics\":[");
        let diagnostics = errors
            .iter()
            .map(|(i, e)| rules.error_diagnostic(*i, e))
            .chain(rules.population_mismatch(obs));
        for (n, d) in diagnostics.enumerate() {
            if n > 0 {
                out.push(',');
            }
            diagnostic(out, &d);
        }
        out.push_str("]}");
    }
}

/// An answer as a report writes it: as `Value::to_json` gives it, written as serde_json
/// writes that (a number that is not finite as `null`).
fn value(out: &mut impl JsonOut, v: &Value) {
    match v {
        Value::Unknown => out.push_str("null"),
        Value::Bool(b) => boolean(out, *b),
        Value::Int(i) => {
            if *i < 0 {
                out.push('-');
            }
            unsigned(out, i.unsigned_abs());
        }
        Value::Float(f) if f.is_finite() => float(out, *f),
        Value::Float(_) => out.push_str("null"),
        Value::Str(s) => string(out, s),
        Value::List(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                value(out, item);
            }
            out.push(']');
        }
    }
}

impl CompiledRuleSet {
    /// The report of [`Self::evaluate`] as its canonical JSON: the bytes of
    /// `evaluate(obs, options).to_json()`, written straight from the screening without
    /// building the report, from texts escaped once per language (on the first call). What
    /// the WASM module's `screenJson` returns.
    pub fn evaluate_json(&self, obs: &Observations, options: &ScreenOptions) -> String {
        let mut out = String::new();
        self.evaluate_json_into(obs, options, &mut out);
        out
    }

    /// [`Self::evaluate_json`], appended to `out`.
    pub fn evaluate_json_into(
        &self,
        obs: &Observations,
        options: &ScreenOptions,
        out: &mut String,
    ) {
        self.evaluate_json_to(obs, options, out);
    }

    /// The bytes of [`Self::evaluate_json`] (UTF-8), appended to `out`: for a caller that hands
    /// them on as bytes (the WASM module, which makes a JS string of them). Copying the pieces then
    /// needs no character-boundary checks, ~5 % of a screen in WASM.
    ///
    /// `other` is given the ranges of `out` where characters other than ASCII may be, known
    /// without reading the bytes: the rule set's texts that hold some, the case's text that
    /// does. Every byte of what is appended outside them is ASCII. (A caller that makes a
    /// string of one-byte characters of a report reads only those ranges for others.)
    pub fn evaluate_json_bytes_into(
        &self,
        obs: &Observations,
        options: &ScreenOptions,
        out: &mut Vec<u8>,
        other: &mut Vec<Range<usize>>,
    ) {
        self.evaluate_json_to(obs, options, &mut MarkedBytes { bytes: out, other });
    }

    fn evaluate_json_to(
        &self,
        obs: &Observations,
        options: &ScreenOptions,
        out: &mut impl ReportOut,
    ) {
        let Some(lang) = self.language_index(&options.language) else {
            // A set without languages (none is loaded so): the report's own writer.
            out.push_str(&self.evaluate(obs, options).to_json());
            return;
        };
        let parts = self.json_parts.get_or_init(|| {
            self.languages
                .iter()
                .map(|l| JsonParts::new(self, l))
                .collect()
        });
        sandbox::screen_case(|| {
            let screening = self.screening(obs, options.next_questions);
            parts[lang].write(self, obs, &screening, out);
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::value;
    use crate::value::Value;

    #[test]
    fn answers_are_written_as_their_json_value_is() {
        let values = [
            Value::Unknown,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(0),
            Value::Int(7),
            Value::Int(-7),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Float(3.0),
            Value::Float(-0.0),
            Value::Float(0.1),
            Value::Float(1e300),
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY),
            Value::Str(Arc::from("a \"quoted\"\n\u{1}é")),
            Value::List(Arc::from(vec![
                Value::Str(Arc::from("x")),
                Value::Int(-2),
                Value::List(Arc::from(Vec::new())),
            ])),
        ];
        for v in values {
            let mut out = String::new();
            value(&mut out, &v);
            let expected = serde_json::to_string(&v.to_json()).expect("serialises");
            assert_eq!(out, expected, "{v:?}");
        }
    }
}
