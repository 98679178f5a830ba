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

use crate::evaluate::Screening;
use crate::model::CompiledRuleSet;
use crate::observation::Observations;
use crate::report::State;
use crate::report_json::{boolean, diagnostic, error, float, positive_rule, string, unsigned};
use crate::sandbox;
use crate::value::Value;
use crate::{ENGINE, ScreenOptions};

/// A piece of [`JsonParts::text`]: its start and end.
#[derive(Debug, Clone, Copy, Default)]
struct Part(usize, usize);

/// Every fixed piece of a report's JSON in one language, escaped, in one text.
pub(crate) struct JsonParts {
    text: String,
    /// `{"ruleset":{"id":…,"version":…,"status":…,"sha256":` (the hash is written per report).
    head: Part,
    /// `},"engine":…,"language":…,"outcome":`
    head_end: Part,
    /// Per outcome: `{"id":…,"level":n,"label":…,"advice":…`
    outcome_open: Vec<Part>,
    /// Per outcome: `,"htcds":…}` or `}`
    outcome_close: Vec<Part>,
    /// Per outcome, as the one the case could rise to:
    /// `,"could_rise_to":…,"could_rise_to_label":…`
    outcome_rise: Vec<Part>,
    /// Per outcome: its id as a JSON string.
    outcome_id: Vec<Part>,
    /// Per decision rule: `,"decided_by":…,"condition":…,"may_rise":` (no condition for a
    /// rule without one).
    rule: Vec<Part>,
    /// Per dimension: `{"id":…,"label":…,"positive":`
    dimension_open: Vec<Part>,
    /// Per dimension: `,"rule":…`
    dimension_rule: Vec<Part>,
    /// Per indicator: `{"id":…,"label":…,"dimension":…,"strength":…,"weight":…,"state":`
    indicator_open: Vec<Part>,
    /// Per indicator: its id as a JSON string.
    indicator_id: Vec<Part>,
    /// Per indicator: the questions its condition reads, sorted by id, each once
    /// (`reads[reads_at[i]..reads_at[i + 1]]`).
    reads: Vec<usize>,
    reads_at: Vec<usize>,
    /// Per question: `"id":` (its id as a JSON string is all but the colon).
    question_key: Vec<Part>,
    /// Per question, as a next question: `{"id":…,"question":…`
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
        let part = Part(self.start, self.text.len());
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
        let mut outcome_id = Vec::new();
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
            out.push('}');
            outcome_close.push(b.part());
            let out = &mut b.text;
            out.push_str(",\"could_rise_to\":");
            string(out, &o.id);
            out.push_str(",\"could_rise_to_label\":");
            string(out, text(&o.label));
            outcome_rise.push(b.part());
            string(&mut b.text, &o.id);
            outcome_id.push(b.part());
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
        let mut dimension_rule = Vec::new();
        for d in &rules.dimensions {
            let out = &mut b.text;
            out.push_str("{\"id\":");
            string(out, &d.id);
            out.push_str(",\"label\":");
            string(out, text(&d.label));
            out.push_str(",\"positive\":");
            dimension_open.push(b.part());
            let out = &mut b.text;
            out.push_str(",\"rule\":");
            positive_rule(out, d.rule);
            dimension_rule.push(b.part());
        }

        let mut indicator_open = Vec::new();
        let mut indicator_id = Vec::new();
        let mut reads = Vec::new();
        let mut reads_at = vec![0];
        for ind in &rules.indicators {
            let out = &mut b.text;
            out.push_str("{\"id\":");
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
            indicator_open.push(b.part());
            string(&mut b.text, &ind.id);
            indicator_id.push(b.part());
            // As `Reads::new` orders them: by id, the first of equal ids kept.
            let start = reads.len();
            reads.extend(ind.reads.iter().copied());
            reads[start..].sort_by(|&a, &c| rules.questions[a].id.cmp(&rules.questions[c].id));
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
            string(&mut b.text, &q.id);
            b.text.push(':');
            question_key.push(b.part());
            let out = &mut b.text;
            out.push_str("{\"id\":");
            string(out, &q.id);
            out.push_str(",\"question\":");
            string(out, text(&q.text));
            next_open.push(b.part());
        }

        JsonParts {
            text: b.text,
            head,
            head_end,
            outcome_open,
            outcome_close,
            outcome_rise,
            outcome_id,
            rule,
            dimension_open,
            dimension_rule,
            indicator_open,
            indicator_id,
            reads,
            reads_at,
            question_key,
            next_open,
        }
    }

    fn put(&self, out: &mut String, part: Part) {
        out.push_str(&self.text[part.0..part.1]);
    }

    /// A question's id as a JSON string: its key without the colon.
    fn put_question_id(&self, out: &mut String, q: usize) {
        let Part(start, end) = self.question_key[q];
        out.push_str(&self.text[start..end - 1]);
    }

    /// Ids of the indicators `ids` as a JSON list.
    fn indicator_ids(&self, out: &mut String, ids: impl Iterator<Item = usize>) {
        out.push('[');
        for (n, i) in ids.enumerate() {
            if n > 0 {
                out.push(',');
            }
            self.put(out, self.indicator_id[i]);
        }
        out.push(']');
    }

    /// The report of `screening` (of case `obs`), as `Report::to_json` writes it.
    fn write(
        &self,
        rules: &CompiledRuleSet,
        obs: &Observations,
        screening: &Screening,
        out: &mut String,
    ) {
        let Screening {
            states,
            errors,
            decided,
            unanswered,
            next,
        } = screening;
        out.reserve(self.text.len() + 1024);
        self.put(out, self.head);
        string(out, &rules.sha256);
        self.put(out, self.head_end);

        self.put(out, self.outcome_open[decided.outcome]);
        match self.rule.get(decided.rule) {
            Some(&part) => self.put(out, part),
            None => out.push_str(",\"decided_by\":\"\",\"may_rise\":"),
        }
        boolean(out, decided.may_rise());
        if decided.may_rise() {
            self.put(out, self.outcome_rise[decided.best]);
        }
        self.put(out, self.outcome_close[decided.outcome]);

        out.push_str(",\"dimensions\":[");
        for (d, dim) in rules.dimensions.iter().enumerate() {
            if d > 0 {
                out.push(',');
            }
            let tally = rules.dimension_tally(states, d);
            self.put(out, self.dimension_open[d]);
            boolean(out, tally.clause.is_some());
            self.put(out, self.dimension_rule[d]);
            if let Some(c) = tally.clause {
                out.push_str(",\"clause\":");
                string(out, c.id());
            }
            out.push_str(",\"counts\":{\"strong\":");
            unsigned(out, u64::from(tally.counts.strong));
            out.push_str(",\"medium\":");
            unsigned(out, u64::from(tally.counts.medium));
            out.push_str(",\"weak\":");
            unsigned(out, u64::from(tally.counts.weak));
            out.push_str("},\"score\":");
            float(out, tally.score);
            out.push_str(",\"indicators\":");
            let in_state = |s| {
                dim.indicators
                    .iter()
                    .copied()
                    .filter(move |&i| states[i] == s)
            };
            self.indicator_ids(out, in_state(State::Present));
            out.push_str(",\"unknown\":");
            self.indicator_ids(out, in_state(State::Unknown));
            out.push('}');
        }

        out.push_str("],\"indicators\":[");
        let mut errors_left = errors.iter().peekable();
        for (i, state) in states.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            self.put(out, self.indicator_open[i]);
            out.push_str(match state {
                State::Present => "\"present\",\"reads\":{",
                State::Absent => "\"absent\",\"reads\":{",
                State::Unknown => "\"unknown\",\"reads\":{",
                State::Error => "\"error\",\"reads\":{",
            });
            for (n, &q) in self.reads[self.reads_at[i]..self.reads_at[i + 1]]
                .iter()
                .enumerate()
            {
                if n > 0 {
                    out.push(',');
                }
                self.put(out, self.question_key[q]);
                value(out, obs.get(q));
            }
            out.push('}');
            // `errors` is in indicator order.
            if let Some((_, e)) = errors_left.next_if(|(j, _)| *j == i) {
                out.push_str(",\"error\":");
                error(out, e);
            }
            out.push('}');
        }

        out.push_str("],\"unanswered\":[");
        for (n, &q) in unanswered.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            self.put_question_id(out, q);
        }

        out.push_str("],\"next_questions\":[");
        for (n, r) in next.ranked.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            self.put(out, self.next_open[r.question]);
            if r.level > decided.outcome {
                out.push_str(",\"could_raise_to\":");
                self.put(out, self.outcome_id[r.level]);
            }
            out.push_str(",\"indicators\":");
            self.indicator_ids(out, next.settled[r.settles.clone()].iter().copied());
            out.push('}');
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
fn value(out: &mut String, v: &Value) {
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
