//! The per-row output formats: CSV (one header row, then one row per input row) and JSONL (one
//! object per input row). Both carry the row number, the id, per rule set the outcome, level,
//! deciding rule, whether it may rise, the present and unknown indicators and the positive
//! dimensions, and the row's errors. Input values only with `--include-input`.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value as Json;

use herken_engine::{CompactResult, CompiledRuleSet, State};

use super::input::Fields;
use super::mapping::RowError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Csv,
    Jsonl,
}

impl OutputFormat {
    /// The format an output file name implies (`.jsonl`/`.ndjson`/`.json` → JSONL, else CSV),
    /// with or without a final `.gz`.
    pub fn from_name(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json") {
            Self::Jsonl
        } else {
            Self::Csv
        }
    }
}

/// One output row's parts.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    /// The row number (1-based).
    pub row: u64,
    pub id: Option<&'a str>,
    /// The row's label value (written with `--label`).
    pub label: Option<bool>,
    pub results: Results<'a>,
    pub errors: &'a [RowError],
    pub echo: Echo<'a>,
}

/// The ids a row names for one rule set, taken from the set once per scoring thread: each
/// row's cells are copied from here into its line, never built as strings of their own.
#[derive(Debug, Clone)]
pub struct SetNames {
    pub ruleset: String,
    pub outcomes: Vec<String>,
    /// The decision rules.
    pub rules: Vec<String>,
    pub indicators: Vec<String>,
    pub dimensions: Vec<String>,
    /// Whether every id is written as it is in CSV (no comma, quote or line break) and in JSON
    /// (nothing to escape), as every id a rule file can have is: then cells go straight into
    /// the line; otherwise each is built apart and quoted or escaped.
    plain: bool,
}

impl SetNames {
    pub fn new(
        ruleset: String,
        outcomes: Vec<String>,
        rules: Vec<String>,
        indicators: Vec<String>,
        dimensions: Vec<String>,
    ) -> Self {
        let plain = [&outcomes, &rules, &indicators, &dimensions]
            .into_iter()
            .flatten()
            .chain([&ruleset])
            .all(|id| !needs_csv_quotes(id) && !needs_json_escapes(id));
        Self {
            ruleset,
            outcomes,
            rules,
            indicators,
            dimensions,
            plain,
        }
    }

    /// The ids of `set`.
    pub fn of(set: &CompiledRuleSet) -> Self {
        Self::new(
            set.id().to_owned(),
            set.outcomes().iter().map(|o| o.id().to_owned()).collect(),
            set.decision().iter().map(|r| r.id().to_owned()).collect(),
            set.indicators().iter().map(|i| i.id().to_owned()).collect(),
            set.dimensions().iter().map(|d| d.id().to_owned()).collect(),
        )
    }
}

/// One rule set's result for one row: the engine's compact result (indices into the set) and
/// the outcome levels with every unknown indicator absent and with every one present.
#[derive(Debug, Clone, Copy)]
pub struct SetRow<'a> {
    pub names: &'a SetNames,
    pub result: &'a CompactResult,
    pub if_unknown_absent: usize,
    pub if_unknown_present: usize,
}

/// A row's results, one place per rule set of the layout: `bounds[s]` is `None` where set `s`
/// did not screen the row (and for every set past its end: [`Results::NONE`] is a row no set
/// screened).
#[derive(Debug, Clone, Copy)]
pub struct Results<'a> {
    pub names: &'a [SetNames],
    pub compact: &'a [CompactResult],
    pub bounds: &'a [Option<(usize, usize)>],
}

impl<'a> Results<'a> {
    /// A row no rule set screened.
    pub const NONE: Results<'static> = Results {
        names: &[],
        compact: &[],
        bounds: &[],
    };

    /// Set `s`'s result, if it screened the row.
    pub fn get(&self, s: usize) -> Option<SetRow<'a>> {
        let (if_unknown_absent, if_unknown_present) = (*self.bounds.get(s)?)?;
        Some(SetRow {
            names: self.names.get(s)?,
            result: self.compact.get(s)?,
            if_unknown_absent,
            if_unknown_present,
        })
    }
}

/// The input values to echo with `--include-input`.
#[derive(Debug, Clone, Copy)]
pub enum Echo<'a> {
    None,
    /// A CSV row (its fields, when it could be read).
    Fields(Option<&'a Fields>),
    /// A JSONL row (its object, when it could be parsed).
    Json(Option<&'a Json>),
}

/// The output's columns, fixed before the first row.
#[derive(Debug, Clone)]
pub struct Layout {
    pub format: OutputFormat,
    pub set_ids: Vec<String>,
    pub include_input: bool,
    /// The CSV input's header (for `input.<column>` columns); `None` for JSONL input.
    pub input_header: Option<Vec<String>>,
    /// With `--label`: a `label` column after `id` (`true`, `false` or empty).
    pub label: bool,
    /// With `--wide`: per rule set, its indicator ids, one column each with the state.
    pub wide: Option<Vec<Vec<String>>>,
}

/// The columns each rule set gets in a batch row, after `<set id>.` (the Python package reads
/// its result frames by them).
pub const FIELDS: [&str; 9] = [
    "outcome",
    "level",
    "decided_by",
    "may_rise",
    "if_unknown_absent",
    "if_unknown_present",
    "present",
    "unknown",
    "positive_dimensions",
];

impl Layout {
    /// The CSV header line (with its newline), or `None` for JSONL.
    pub fn header(&self) -> Option<String> {
        if self.format != OutputFormat::Csv {
            return None;
        }
        let mut cols: Vec<String> = vec!["row".into(), "id".into()];
        if self.label {
            cols.push("label".into());
        }
        let one = self.set_ids.len() == 1;
        for (s, id) in self.set_ids.iter().enumerate() {
            for f in FIELDS {
                cols.push(if one {
                    f.to_owned()
                } else {
                    format!("{id}.{f}")
                });
            }
            if let Some(wide) = &self.wide {
                for ind in &wide[s] {
                    cols.push(if one {
                        format!("indicator.{ind}")
                    } else {
                        format!("{id}.indicator.{ind}")
                    });
                }
            }
        }
        cols.push("errors".into());
        if self.include_input {
            match &self.input_header {
                Some(h) => cols.extend(h.iter().map(|c| format!("input.{c}"))),
                None => cols.push("input".into()),
            }
        }
        let mut line = String::new();
        for (i, c) in cols.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_csv(&mut line, c);
        }
        line.push('\n');
        Some(line)
    }

    /// Appends one output row (with its newline) to `out`.
    pub fn write_row(&self, out: &mut String, row: &Row<'_>) {
        match self.format {
            OutputFormat::Csv => self.csv_row(out, row),
            OutputFormat::Jsonl => self.json_row(out, row),
        }
    }

    fn csv_row(&self, line: &mut String, r: &Row<'_>) {
        let Row {
            row,
            id,
            label,
            results,
            errors,
            echo,
        } = *r;
        push_number(line, row);
        line.push(',');
        push_csv(line, id.unwrap_or(""));
        if self.label {
            line.push(',');
            line.push_str(label.map_or("", |l| if l { "true" } else { "false" }));
        }
        for s in 0..self.set_ids.len() {
            let wide = self.wide.as_ref().map_or(0, |w| w[s].len());
            let Some(r) = results.get(s) else {
                for _ in 0..FIELDS.len() + wide {
                    line.push(',');
                }
                continue;
            };
            let (names, result) = (r.names, r.result);
            let cell = |line: &mut String, write: &dyn Fn(&mut String)| {
                line.push(',');
                if names.plain {
                    write(line);
                } else {
                    let mut text = String::new();
                    write(&mut text);
                    push_csv(line, &text);
                }
            };
            cell(line, &|l| {
                l.push_str(id_at(&names.outcomes, result.outcome))
            });
            line.push(',');
            push_number(line, result.outcome as u64);
            cell(line, &|l| {
                l.push_str(id_at(&names.rules, result.decided_by))
            });
            line.push_str(if result.may_rise { ",true" } else { ",false" });
            cell(line, &|l| {
                l.push_str(id_at(&names.outcomes, r.if_unknown_absent))
            });
            cell(line, &|l| {
                l.push_str(id_at(&names.outcomes, r.if_unknown_present))
            });
            for wanted in [State::Present, State::Unknown] {
                cell(line, &|l| {
                    join(l, ";", indicators_in(names, result, wanted), |l, id| {
                        l.push_str(id);
                    });
                });
            }
            cell(line, &|l| {
                join(l, ";", positive_dimensions(names, result), |l, id| {
                    l.push_str(id);
                });
            });
            for i in 0..wide {
                line.push(',');
                line.push_str(result.states.get(i).map_or("", |s| s.as_str()));
            }
        }
        line.push(',');
        match errors {
            [] => {}
            [e] => push_csv(line, &error_text(e, self.set_ids.len() > 1)),
            _ => {
                let several = self.set_ids.len() > 1;
                let text: Vec<String> = errors.iter().map(|e| error_text(e, several)).collect();
                push_csv(line, &text.join(" | "));
            }
        }
        if self.include_input {
            match (&self.input_header, echo) {
                (Some(h), Echo::Fields(fields)) => {
                    for i in 0..h.len() {
                        line.push(',');
                        let v = fields.and_then(|f| f.get(i)).unwrap_or("");
                        push_csv(line, v);
                    }
                }
                (Some(h), _) => line.push_str(&",".repeat(h.len())),
                (None, Echo::Json(Some(v))) => {
                    line.push(',');
                    push_csv(line, &v.to_string());
                }
                (None, _) => line.push(','),
            }
        }
        line.push('\n');
    }

    fn json_row(&self, line: &mut String, r: &Row<'_>) {
        let Row {
            row,
            id,
            label,
            results,
            errors,
            echo,
        } = *r;
        let start = line.len();
        line.push_str("{\"row\":");
        push_number(line, row);
        line.push_str(",\"id\":");
        match id {
            Some(id) => push_json_str(line, id),
            None => line.push_str("null"),
        }
        if self.label {
            line.push_str(match label {
                Some(true) => ",\"label\":true",
                Some(false) => ",\"label\":false",
                None => ",\"label\":null",
            });
        }
        line.push_str(",\"results\":[");
        let mut first = true;
        for s in 0..self.set_ids.len() {
            let Some(r) = results.get(s) else { continue };
            if !std::mem::take(&mut first) {
                line.push(',');
            }
            json_result(line, r, self.wide.is_some());
        }
        line.push_str("],\"errors\":");
        let serialized = if errors.is_empty() {
            line.push_str("[]");
            Ok(())
        } else {
            push_serialized(line, &errors)
        };
        let serialized = serialized.and_then(|()| {
            if !self.include_input {
                return Ok(());
            }
            line.push_str(",\"input\":");
            push_serialized(
                line,
                &InputEcho {
                    header: self.input_header.as_deref(),
                    echo,
                },
            )
        });
        match serialized {
            Ok(()) => line.push_str("}\n"),
            Err(e) => {
                line.truncate(start);
                line.push_str(&format!(
                    "{{\"row\":{row},\"errors\":[{{\"message\":\"{e}\"}}]}}\n"
                ));
            }
        }
    }
}

/// The echoed input as a JSON object: CSV columns in header order, or the JSONL object.
struct InputEcho<'a> {
    header: Option<&'a [String]>,
    echo: Echo<'a>,
}

impl Serialize for InputEcho<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (self.header, self.echo) {
            (Some(h), Echo::Fields(Some(fields))) => {
                let mut map = s.serialize_map(Some(h.len()))?;
                for (k, v) in h.iter().zip(fields.iter()) {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            (_, Echo::Json(Some(v))) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

/// The id at `i` of `ids` (empty where there is none).
fn id_at(ids: &[String], i: usize) -> &str {
    ids.get(i).map_or("", String::as_str)
}

/// One rule set's result as the JSON object of a JSONL row (keys in the order the Python
/// package and the tests know): `wide` adds every indicator's state.
fn json_result(line: &mut String, r: SetRow<'_>, wide: bool) {
    let (names, result) = (r.names, r.result);
    let plain = names.plain;
    let text = |line: &mut String, s: &str| {
        if plain {
            line.push('"');
            line.push_str(s);
            line.push('"');
        } else {
            push_json_str(line, s);
        }
    };
    line.push_str("{\"ruleset\":");
    text(line, &names.ruleset);
    line.push_str(",\"outcome\":");
    text(line, id_at(&names.outcomes, result.outcome));
    line.push_str(",\"level\":");
    push_number(line, result.outcome as u64);
    line.push_str(",\"decided_by\":");
    text(line, id_at(&names.rules, result.decided_by));
    line.push_str(if result.may_rise {
        ",\"may_rise\":true"
    } else {
        ",\"may_rise\":false"
    });
    line.push_str(",\"if_unknown_absent\":");
    text(line, id_at(&names.outcomes, r.if_unknown_absent));
    line.push_str(",\"if_unknown_present\":");
    text(line, id_at(&names.outcomes, r.if_unknown_present));
    line.push_str(",\"present\":[");
    join(
        line,
        ",",
        indicators_in(names, result, State::Present),
        text,
    );
    line.push_str("],\"unknown\":[");
    join(
        line,
        ",",
        indicators_in(names, result, State::Unknown),
        text,
    );
    line.push_str("],\"positive_dimensions\":[");
    join(line, ",", positive_dimensions(names, result), text);
    line.push(']');
    if wide && !names.indicators.is_empty() && !result.states.is_empty() {
        line.push_str(",\"indicators\":{");
        let states = names.indicators.iter().zip(&result.states);
        join(line, ",", states, |line, (id, state)| {
            text(line, id);
            line.push_str(":\"");
            line.push_str(state.as_str());
            line.push('"');
        });
        line.push('}');
    }
    line.push('}');
}

/// The ids of the indicators in state `wanted`, in the set's order.
fn indicators_in<'a>(
    names: &'a SetNames,
    result: &'a CompactResult,
    wanted: State,
) -> impl Iterator<Item = &'a str> {
    names
        .indicators
        .iter()
        .zip(&result.states)
        .filter(move |(_, s)| **s == wanted)
        .map(|(id, _)| id.as_str())
}

/// The ids of the positive dimensions, in the set's order.
fn positive_dimensions<'a>(
    names: &'a SetNames,
    result: &'a CompactResult,
) -> impl Iterator<Item = &'a str> {
    names
        .dimensions
        .iter()
        .enumerate()
        .filter(|(d, _)| result.positive(*d))
        .map(|(_, id)| id.as_str())
}

/// Writes each item with `write`, `separator` between them.
fn join<T>(
    out: &mut String,
    separator: &str,
    items: impl Iterator<Item = T>,
    mut write: impl FnMut(&mut String, T),
) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        write(out, item);
    }
}

/// Appends a whole number in decimal.
fn push_number(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Appends `value` as serde_json writes it.
fn push_serialized(out: &mut String, value: &impl Serialize) -> Result<(), serde_json::Error> {
    out.push_str(&serde_json::to_string(value)?);
    Ok(())
}

/// Appends a JSON string as serde_json writes it: as it is when nothing in it needs an escape.
fn push_json_str(out: &mut String, s: &str) {
    if needs_json_escapes(s) {
        // serde_json's own escapes; a string always serialises.
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// Whether JSON text must escape something in `s` (a quote, a backslash, a control character).
fn needs_json_escapes(s: &str) -> bool {
    s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

/// Whether a CSV field holding `s` must be quoted (RFC 4180).
fn needs_csv_quotes(s: &str) -> bool {
    s.contains([',', '"', '\n', '\r'])
}

/// An error as text for the CSV `errors` cell.
pub fn error_text(e: &RowError, several_sets: bool) -> String {
    let mut t = String::new();
    if several_sets && let Some(set) = &e.ruleset {
        t.push_str(set);
        t.push_str(": ");
    }
    t.push_str(e.code.as_str());
    t.push_str(": ");
    if !e.field.is_empty() {
        t.push('`');
        t.push_str(&e.field);
        t.push_str("`: ");
    }
    t.push_str(&e.message);
    t
}

/// Appends a CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
pub fn push_csv(out: &mut String, v: &str) {
    if needs_csv_quotes(v) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

#[cfg(test)]
mod tests {
    use herken_engine::Clause;
    use proptest::prelude::*;

    use super::*;

    /// The writer as it was before lines were written from the compact result (each id an
    /// owned string, cells joined, rows serialised by serde): the reference the differential
    /// test holds the line writer to, byte for byte.
    mod reference {
        use super::super::*;

        #[derive(Debug, Clone, Serialize)]
        pub struct SetResult {
            pub ruleset: String,
            pub outcome: String,
            pub level: usize,
            pub decided_by: String,
            pub may_rise: bool,
            pub if_unknown_absent: String,
            pub if_unknown_present: String,
            pub present: Vec<String>,
            pub unknown: Vec<String>,
            pub positive_dimensions: Vec<String>,
            #[serde(skip_serializing_if = "IndicatorStates::is_empty")]
            pub indicators: IndicatorStates,
        }

        #[derive(Debug, Clone, Default)]
        pub struct IndicatorStates(pub Vec<(String, State)>);

        impl IndicatorStates {
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl Serialize for IndicatorStates {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (id, state) in &self.0 {
                    map.serialize_entry(id, state.as_str())?;
                }
                map.end()
            }
        }

        /// A row's result as the old scorer built it.
        pub fn set_result(r: SetRow<'_>, wide: bool) -> SetResult {
            let (n, c) = (r.names, r.result);
            let ids = |state| {
                n.indicators
                    .iter()
                    .zip(&c.states)
                    .filter(|(_, s)| **s == state)
                    .map(|(id, _)| id.clone())
                    .collect()
            };
            SetResult {
                ruleset: n.ruleset.clone(),
                outcome: n.outcomes[c.outcome].clone(),
                level: c.outcome,
                decided_by: n.rules[c.decided_by].clone(),
                may_rise: c.may_rise,
                if_unknown_absent: n.outcomes[r.if_unknown_absent].clone(),
                if_unknown_present: n.outcomes[r.if_unknown_present].clone(),
                present: ids(State::Present),
                unknown: ids(State::Unknown),
                positive_dimensions: n
                    .dimensions
                    .iter()
                    .enumerate()
                    .filter(|(d, _)| c.positive(*d))
                    .map(|(_, id)| id.clone())
                    .collect(),
                indicators: if wide {
                    IndicatorStates(
                        n.indicators
                            .iter()
                            .zip(&c.states)
                            .map(|(id, s)| (id.clone(), *s))
                            .collect(),
                    )
                } else {
                    IndicatorStates::default()
                },
            }
        }

        pub fn row(
            layout: &Layout,
            row: u64,
            id: Option<&str>,
            label: Option<bool>,
            results: &[Option<SetResult>],
            errors: &[RowError],
            echo: Echo<'_>,
        ) -> String {
            match layout.format {
                OutputFormat::Csv => csv_row(layout, row, id, label, results, errors, echo),
                OutputFormat::Jsonl => json_row(layout, row, id, label, results, errors, echo),
            }
        }

        fn csv_row(
            layout: &Layout,
            row: u64,
            id: Option<&str>,
            label: Option<bool>,
            results: &[Option<SetResult>],
            errors: &[RowError],
            echo: Echo<'_>,
        ) -> String {
            let mut line = String::with_capacity(256);
            line.push_str(&row.to_string());
            line.push(',');
            push_csv(&mut line, id.unwrap_or(""));
            if layout.label {
                line.push(',');
                line.push_str(label.map_or("", |l| if l { "true" } else { "false" }));
            }
            for (s, r) in results.iter().enumerate() {
                let wide = layout.wide.as_ref().map_or(0, |w| w[s].len());
                match r {
                    Some(r) => {
                        for v in [
                            r.outcome.as_str(),
                            &r.level.to_string(),
                            &r.decided_by,
                            if r.may_rise { "true" } else { "false" },
                            &r.if_unknown_absent,
                            &r.if_unknown_present,
                            &r.present.join(";"),
                            &r.unknown.join(";"),
                            &r.positive_dimensions.join(";"),
                        ] {
                            line.push(',');
                            push_csv(&mut line, v);
                        }
                        for i in 0..wide {
                            line.push(',');
                            line.push_str(r.indicators.0.get(i).map_or("", |(_, s)| s.as_str()));
                        }
                    }
                    None => line.push_str(&",".repeat(FIELDS.len() + wide)),
                }
            }
            line.push(',');
            let several = layout.set_ids.len() > 1;
            let text: Vec<String> = errors.iter().map(|e| error_text(e, several)).collect();
            push_csv(&mut line, &text.join(" | "));
            if layout.include_input {
                match (&layout.input_header, echo) {
                    (Some(h), Echo::Fields(fields)) => {
                        for i in 0..h.len() {
                            line.push(',');
                            let v = fields.and_then(|f| f.get(i)).unwrap_or("");
                            push_csv(&mut line, v);
                        }
                    }
                    (Some(h), _) => line.push_str(&",".repeat(h.len())),
                    (None, Echo::Json(Some(v))) => {
                        line.push(',');
                        push_csv(&mut line, &v.to_string());
                    }
                    (None, _) => line.push(','),
                }
            }
            line.push('\n');
            line
        }

        fn json_row(
            layout: &Layout,
            row: u64,
            id: Option<&str>,
            label: Option<bool>,
            results: &[Option<SetResult>],
            errors: &[RowError],
            echo: Echo<'_>,
        ) -> String {
            #[derive(Serialize)]
            struct JsonRow<'a> {
                row: u64,
                id: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                label: Option<Option<bool>>,
                results: Vec<&'a SetResult>,
                errors: &'a [RowError],
                #[serde(skip_serializing_if = "Option::is_none")]
                input: Option<InputEcho<'a>>,
            }
            let input = layout.include_input.then_some(InputEcho {
                header: layout.input_header.as_deref(),
                echo,
            });
            let value = JsonRow {
                row,
                id,
                label: layout.label.then_some(label),
                results: results.iter().flatten().collect(),
                errors,
                input,
            };
            let mut line = serde_json::to_string(&value).unwrap_or_else(|e| {
                format!("{{\"row\":{row},\"errors\":[{{\"message\":\"{e}\"}}]}}")
            });
            line.push('\n');
            line
        }
    }

    fn layout(format: OutputFormat, sets: &[&str]) -> Layout {
        Layout {
            format,
            set_ids: sets.iter().map(|s| (*s).to_owned()).collect(),
            include_input: false,
            input_header: None,
            label: false,
            wide: None,
        }
    }

    /// Set `s` with indicators `a`, `b`, `c` and dimension `d`: `a` and `b` present.
    fn names(s: &str) -> SetNames {
        let ids = |ids: &[&str]| ids.iter().map(|i| (*i).to_owned()).collect();
        SetNames::new(
            s.into(),
            ids(&["none", "signals_present", "possible_victim"]),
            ids(&["any"]),
            ids(&["a", "b", "c"]),
            ids(&["d"]),
        )
    }

    fn compact() -> CompactResult {
        CompactResult {
            outcome: 1,
            decided_by: 0,
            may_rise: true,
            could_rise_to: 2,
            states: vec![State::Present, State::Present, State::Absent],
            dimensions: vec![Some(Clause::AtLeast)],
        }
    }

    fn write(
        l: &Layout,
        row: u64,
        id: Option<&str>,
        results: Results<'_>,
        errors: &[RowError],
    ) -> String {
        let mut line = String::new();
        l.write_row(
            &mut line,
            &Row {
                row,
                id,
                label: None,
                results,
                errors,
                echo: Echo::None,
            },
        );
        line
    }

    #[test]
    fn csv_rows_quote_and_keep_failed_sets_as_empty_cells() {
        let l = layout(OutputFormat::Csv, &["s", "t"]);
        assert_eq!(
            l.header().as_deref(),
            Some(
                "row,id,s.outcome,s.level,s.decided_by,s.may_rise,s.if_unknown_absent,s.if_unknown_present,s.present,s.unknown,s.positive_dimensions,t.outcome,t.level,t.decided_by,t.may_rise,t.if_unknown_absent,t.if_unknown_present,t.present,t.unknown,t.positive_dimensions,errors\n"
            )
        );
        let err = RowError {
            ruleset: Some("t".into()),
            code: herken_engine::codes::case::OUT_OF_BOUNDS,
            field: "n".into(),
            message: "too big, \"really\"".into(),
        };
        let (names, compact) = ([names("s"), names("t")], [compact(), compact()]);
        let results = Results {
            names: &names,
            compact: &compact,
            bounds: &[Some((1, 2)), None],
        };
        assert_eq!(
            write(&l, 7, Some("a,b"), results, &[err]),
            "7,\"a,b\",signals_present,1,any,true,signals_present,possible_victim,a;b,,d,,,,,,,,,,\"t: case::out-of-bounds: `n`: too big, \"\"really\"\"\"\n"
        );
    }

    #[test]
    fn jsonl_rows_list_results_and_errors() {
        let l = layout(OutputFormat::Jsonl, &["s"]);
        assert_eq!(l.header(), None);
        let (names, compact) = ([names("s")], [compact()]);
        let results = Results {
            names: &names,
            compact: &compact,
            bounds: &[Some((1, 2))],
        };
        assert_eq!(
            write(&l, 1, None, results, &[]),
            "{\"row\":1,\"id\":null,\"results\":[{\"ruleset\":\"s\",\"outcome\":\"signals_present\",\"level\":1,\"decided_by\":\"any\",\"may_rise\":true,\"if_unknown_absent\":\"signals_present\",\"if_unknown_present\":\"possible_victim\",\"present\":[\"a\",\"b\"],\"unknown\":[],\"positive_dimensions\":[\"d\"]}],\"errors\":[]}\n"
        );
    }

    /// Text as ids and cells may hold it: mostly plain, sometimes a comma, quote, semicolon,
    /// line break, backslash, control character or non-ASCII letter.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z_]{1,8}",
            1 => "[a-z,;\"\n\r\t\\\\\u{1}\u{7f}é ]{0,6}",
        ]
    }

    fn ids(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(text(), n)
    }

    /// One rule set's ids and a row's result for it, or `None` when it did not screen.
    /// A set's result for a row with its outcome bounds.
    type Screened = (CompactResult, (usize, usize));

    fn set() -> impl Strategy<Value = (SetNames, Option<Screened>)> {
        (text(), ids(1..=3), ids(1..=2), ids(0..=6), ids(0..=3)).prop_flat_map(
            |(ruleset, outcomes, rules, indicators, dimensions)| {
                let (o, r, i, d) = (
                    outcomes.len(),
                    rules.len(),
                    indicators.len(),
                    dimensions.len(),
                );
                let names = SetNames::new(ruleset, outcomes, rules, indicators, dimensions);
                let clause = prop_oneof![Just(None), Just(Some(Clause::TwoStrong))];
                let result = (
                    0..o,
                    0..r,
                    any::<bool>(),
                    prop::collection::vec(prop::sample::select(State::ALL.to_vec()), i),
                    prop::collection::vec(clause, d),
                    0..o,
                    0..o,
                )
                    .prop_map(
                        |(outcome, decided_by, may_rise, states, dimensions, a, p)| {
                            let result = CompactResult {
                                outcome,
                                decided_by,
                                may_rise,
                                could_rise_to: p,
                                states,
                                dimensions,
                            };
                            (result, (a, p))
                        },
                    );
                (Just(names), prop::option::weighted(0.8, result))
            },
        )
    }

    fn error() -> impl Strategy<Value = RowError> {
        (prop::option::of(text()), text(), text()).prop_map(|(ruleset, field, message)| RowError {
            ruleset,
            code: herken_engine::codes::batch::WRONG_TYPE,
            field,
            message,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Every row the line writer writes is the old writer's row, byte for byte: CSV and
        /// JSONL, one or several sets, sets that did not screen, ids and cells that need
        /// quoting or escaping, labels, errors, `--wide` and `--include-input`.
        #[test]
        fn lines_are_the_old_writers_lines(
            sets in prop::collection::vec(set(), 1..=3),
            jsonl in any::<bool>(),
            row in any::<u64>(),
            id in prop::option::of(text()),
            label in prop::option::of(any::<bool>()),
            with_label in any::<bool>(),
            wide in any::<bool>(),
            errors in prop::collection::vec(error(), 0..=3),
            input in prop::option::of((ids(0..=3), ids(0..=3), any::<bool>())),
        ) {
            let names: Vec<SetNames> = sets.iter().map(|(n, _)| n.clone()).collect();
            let compact: Vec<CompactResult> =
                sets.iter().map(|(_, r)| r.clone().map(|r| r.0).unwrap_or_default()).collect();
            let bounds: Vec<Option<(usize, usize)>> =
                sets.iter().map(|(_, r)| r.as_ref().map(|r| r.1)).collect();
            let results = Results { names: &names, compact: &compact, bounds: &bounds };
            let fields = input.as_ref().map(|(_, cells, _)| Fields::of(cells.iter().map(String::as_str)));
            let object = input.as_ref().map(|(header, cells, _)| {
                serde_json::Value::Object(header.iter().cloned().zip(cells.iter().cloned().map(serde_json::Value::String)).collect())
            });
            let csv_input = input.as_ref().is_some_and(|(_, _, csv)| *csv);
            let layout = Layout {
                format: if jsonl { OutputFormat::Jsonl } else { OutputFormat::Csv },
                set_ids: names.iter().map(|n| n.ruleset.clone()).collect(),
                include_input: input.is_some(),
                input_header: input.as_ref().filter(|_| csv_input).map(|(h, _, _)| h.clone()),
                label: with_label,
                wide: wide.then(|| names.iter().map(|n| n.indicators.clone()).collect()),
            };
            let echo = match (&input, csv_input) {
                (None, _) => Echo::None,
                (Some(_), true) => Echo::Fields(fields.as_ref()),
                (Some(_), false) => Echo::Json(object.as_ref()),
            };
            let old: Vec<Option<reference::SetResult>> = (0..names.len())
                .map(|s| results.get(s).map(|r| reference::set_result(r, wide)))
                .collect();
            let expected = reference::row(&layout, row, id.as_deref(), label, &old, &errors, echo);
            let mut line = "before|".to_owned();
            layout.write_row(&mut line, &Row { row, id: id.as_deref(), label, results, errors: &errors, echo });
            prop_assert_eq!(line.strip_prefix("before|"), Some(expected.as_str()));
        }
    }
}
