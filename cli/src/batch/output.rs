//! The per-row output formats: CSV (one header row, then one row per input row) and JSONL (one
//! object per input row). Both carry the row number, the id, per rule set the outcome, level,
//! deciding rule, whether it may rise, the present and unknown indicators and the positive
//! dimensions, and the row's errors. Input values only with `--include-input`.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value as Json;

use herken_engine::State;

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

/// One rule set's result for one row.
#[derive(Debug, Clone, Serialize)]
pub struct SetResult {
    pub ruleset: String,
    pub outcome: String,
    pub level: usize,
    pub decided_by: String,
    pub may_rise: bool,
    /// The outcome with every unknown indicator absent, and with every one present.
    pub if_unknown_absent: String,
    pub if_unknown_present: String,
    pub present: Vec<String>,
    pub unknown: Vec<String>,
    pub positive_dimensions: Vec<String>,
    /// Every indicator's state, in the set's order, for the wide layout (`--wide`); empty
    /// otherwise.
    #[serde(skip_serializing_if = "IndicatorStates::is_empty")]
    pub indicators: IndicatorStates,
}

/// Indicator ids and their states, written as a JSON object in the set's order.
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

    /// One output row (with its newline). `results` has one entry per rule set; `label` is
    /// the row's label value (written with `--label`).
    pub fn row(
        &self,
        row: u64,
        id: Option<&str>,
        label: Option<bool>,
        results: &[Option<SetResult>],
        errors: &[RowError],
        echo: Echo<'_>,
    ) -> String {
        match self.format {
            OutputFormat::Csv => self.csv_row(row, id, label, results, errors, echo),
            OutputFormat::Jsonl => self.json_row(row, id, label, results, errors, echo),
        }
    }

    fn csv_row(
        &self,
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
        if self.label {
            line.push(',');
            line.push_str(label.map_or("", |l| if l { "true" } else { "false" }));
        }
        for (s, r) in results.iter().enumerate() {
            let wide = self.wide.as_ref().map_or(0, |w| w[s].len());
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
        let several = self.set_ids.len() > 1;
        let text: Vec<String> = errors.iter().map(|e| error_text(e, several)).collect();
        push_csv(&mut line, &text.join(" | "));
        if self.include_input {
            match (&self.input_header, echo) {
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
        &self,
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
            /// Present (`null` when empty) with `--label`.
            #[serde(skip_serializing_if = "Option::is_none")]
            label: Option<Option<bool>>,
            results: Vec<&'a SetResult>,
            errors: &'a [RowError],
            #[serde(skip_serializing_if = "Option::is_none")]
            input: Option<InputEcho<'a>>,
        }
        let input = self.include_input.then_some(InputEcho {
            header: self.input_header.as_deref(),
            echo,
        });
        let value = JsonRow {
            row,
            id,
            label: self.label.then_some(label),
            results: results.iter().flatten().collect(),
            errors,
            input,
        };
        let mut line = serde_json::to_string(&value)
            .unwrap_or_else(|e| format!("{{\"row\":{row},\"errors\":[{{\"message\":\"{e}\"}}]}}"));
        line.push('\n');
        line
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
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn result() -> SetResult {
        SetResult {
            ruleset: "s".into(),
            outcome: "signals_present".into(),
            level: 1,
            decided_by: "any".into(),
            may_rise: true,
            if_unknown_absent: "signals_present".into(),
            if_unknown_present: "possible_victim".into(),
            present: vec!["a".into(), "b".into()],
            unknown: vec![],
            positive_dimensions: vec!["d".into()],
            indicators: IndicatorStates::default(),
        }
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
        assert_eq!(
            l.row(
                7,
                Some("a,b"),
                None,
                &[Some(result()), None],
                &[err],
                Echo::None
            ),
            "7,\"a,b\",signals_present,1,any,true,signals_present,possible_victim,a;b,,d,,,,,,,,,,\"t: case::out-of-bounds: `n`: too big, \"\"really\"\"\"\n"
        );
    }

    #[test]
    fn jsonl_rows_list_results_and_errors() {
        let l = layout(OutputFormat::Jsonl, &["s"]);
        assert_eq!(l.header(), None);
        assert_eq!(
            l.row(1, None, None, &[Some(result())], &[], Echo::None),
            "{\"row\":1,\"id\":null,\"results\":[{\"ruleset\":\"s\",\"outcome\":\"signals_present\",\"level\":1,\"decided_by\":\"any\",\"may_rise\":true,\"if_unknown_absent\":\"signals_present\",\"if_unknown_present\":\"possible_victim\",\"present\":[\"a\",\"b\"],\"unknown\":[],\"positive_dimensions\":[\"d\"]}],\"errors\":[]}\n"
        );
    }
}
