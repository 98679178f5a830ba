//! From input columns to answers: the mapping file, and the plan that turns one input row into
//! a case `{question_id: answer}` for the engine.
//!
//! Without a mapping, CSV column names (JSONL keys) are question ids and values are read by the
//! question's type, as the engine reads research tables ([`POLICY`]). A mapping (YAML, see `rules/mappings/README.md`) names, per
//! input column, the question it answers, optional codes (`"-99": unknown`), an optional split
//! for `choices` questions, columns of joined labels each answering a yes/no question, constants,
//! the columns it deliberately ignores, `unknown_if` (a form's default `no` read as unknown in
//! some rows) and `routes` (which rule sets screen a row, by its values).
//!
//! Row errors never quote the input value: the CLI writes no raw observation unless asked
//! (`--include-input`); the row number says where to look.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use herken_engine::{
    AnswerError, AnswerPolicy, Code, CompiledRuleSet, Observations, Question, QuestionType,
    RawAnswer, Value, codes,
};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::CliError;
use crate::ruleset;

/// Mappings shipped with herken, usable by name (`--map ctdc`).
pub const BUNDLED: &[(&str, &str)] = &[("ctdc", include_str!("../../../rules/mappings/ctdc.yaml"))];

/// Input code → answer (`yes`, `no`, `unknown`, an option id, a number), as JSON.
pub type Codes = BTreeMap<String, Json>;

/// A parsed mapping file.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub name: String,
    /// Codes for every column whose question is yes/no, unless the column has its own.
    pub codes: Option<Arc<Codes>>,
    pub columns: BTreeMap<String, ColumnRule>,
    pub constants: BTreeMap<String, Json>,
    /// Columns the mapping leaves out on purpose (no note on stderr).
    pub ignore: BTreeSet<String>,
    /// Which rule sets screen a row, by its values in some columns; the first route that
    /// matches wins. Empty: every set screens every row.
    pub routes: Vec<Route>,
    /// Columns of joined labels, each label answering a yes/no question.
    pub labels: BTreeMap<String, LabelRule>,
    /// `no` answers read as unknown in some rows.
    pub unknown_if: Vec<UnknownIf>,
}

/// A route: the rule sets that screen the rows whose cells hold one of the given values in
/// every listed column (no condition: every row).
#[derive(Debug, Clone)]
pub struct Route {
    pub sets: Vec<String>,
    /// Column → accepted values (trimmed cell text; numbers as written).
    pub when: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct ColumnRule {
    pub question: String,
    pub codes: Option<Arc<Codes>>,
    /// Separator of a multi-value cell, for `choices` questions.
    pub split: Option<String>,
}

/// A column of joined labels (`Threats;Debt bondage`): each label present makes its yes/no
/// question yes; a label absent says nothing (the question stays as other columns answer it).
#[derive(Debug, Clone)]
pub struct LabelRule {
    pub split: String,
    /// Label → the question it answers yes (`None`: a known label that answers none).
    pub labels: BTreeMap<String, Option<String>>,
}

/// In the rows where `when` holds, the `no` answers of `columns` are read as unknown (a form
/// default, such as CTDC's 0 flags in a record whose means of control are "not specified").
#[derive(Debug, Clone)]
pub struct UnknownIf {
    pub when: BTreeMap<String, Vec<String>>,
    pub columns: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    format: Option<u32>,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people; accepted and not used")]
    description: Option<String>,
    #[serde(default)]
    codes: Option<serde_yaml::Mapping>,
    #[serde(default)]
    columns: BTreeMap<String, serde_yaml::Value>,
    #[serde(default)]
    constants: BTreeMap<String, serde_yaml::Value>,
    #[serde(default)]
    ignore: BTreeMap<String, serde_yaml::Value>,
    #[serde(default)]
    routes: Vec<RouteFile>,
    #[serde(default)]
    unknown_if: Vec<UnknownIfFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnknownIfFile {
    when: BTreeMap<String, serde_yaml::Value>,
    columns: Vec<String>,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people; accepted and not used")]
    why: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RouteFile {
    sets: Vec<String>,
    #[serde(default)]
    when: BTreeMap<String, serde_yaml::Value>,
    #[serde(default)]
    #[expect(dead_code, reason = "documentation for people; accepted and not used")]
    why: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    codes: Option<serde_yaml::Mapping>,
    #[serde(default)]
    split: Option<String>,
    #[serde(default)]
    labels: Option<BTreeMap<String, Option<String>>>,
}

/// Reads a mapping: a file path, else the name of a bundled mapping.
///
/// # Errors
/// An unreadable file, invalid YAML or an unknown field (with line and column).
pub fn load(spec: &str) -> Result<Mapping, CliError> {
    let path = Path::new(spec);
    if path.is_file() {
        return parse(spec, &ruleset::read_text(path)?);
    }
    if let Some((name, text)) = BUNDLED.iter().find(|(n, _)| *n == spec) {
        return parse(&format!("<bundled mapping {name}>"), text);
    }
    let names: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
    Err(CliError::usage(format!(
        "no mapping `{spec}`: not a file and not a bundled mapping (bundled: {})",
        names.join(", ")
    )))
}

/// Parses a mapping's YAML text; `name` is used in messages.
///
/// # Errors
/// Invalid YAML, unknown fields, a format other than 1, or codes that are not scalars.
pub fn parse(name: &str, text: &str) -> Result<Mapping, CliError> {
    let file: MappingFile = serde_yaml::from_str(text).map_err(|e| {
        let message = e.to_string();
        let at = e
            .location()
            .filter(|_| !message.contains(" at line "))
            .map(|l| format!(" (line {}, column {})", l.line(), l.column()))
            .unwrap_or_default();
        CliError::input(format!("mapping `{name}`{at}: {message}"))
    })?;
    if let Some(f) = file.format.filter(|f| *f != 1) {
        return Err(CliError::input(format!(
            "mapping `{name}`: format {f} is not supported (this herken reads format 1)"
        )));
    }
    let codes = |m: Option<serde_yaml::Mapping>, what: &str| -> Result<_, CliError> {
        m.map(|m| read_codes(&m).map(Arc::new))
            .transpose()
            .map_err(|e| CliError::input(format!("mapping `{name}`: {what}: {e}")))
    };
    let default_codes = codes(file.codes, "codes")?;
    let mut columns = BTreeMap::new();
    let mut labels = BTreeMap::new();
    for (column, spec) in file.columns {
        let rule = match spec {
            serde_yaml::Value::String(question) => ColumnRule {
                question,
                codes: None,
                split: None,
            },
            other => {
                let how = format!(
                    "write `{column}: question_id`, `{column}: {{question: question_id, codes: {{...}}, split: \";\"}}` or `{column}: {{split: \";\", labels: {{Label: question_id}}}}`"
                );
                let r: RuleFile = serde_yaml::from_value(other).map_err(|e| {
                    CliError::input(format!("mapping `{name}`: column `{column}`: {e} ({how})"))
                })?;
                let at = |why: &str| {
                    CliError::input(format!(
                        "mapping `{name}`: column `{column}`: {why} ({how})"
                    ))
                };
                match (r.question, r.labels) {
                    (Some(question), None) => ColumnRule {
                        question,
                        codes: codes(r.codes, &format!("column `{column}`"))?,
                        split: r.split.filter(|s| !s.is_empty()),
                    },
                    (None, Some(map)) => {
                        if r.codes.is_some() {
                            return Err(at("`labels` and `codes` do not go together"));
                        }
                        let split = r.split.filter(|s| !s.is_empty()).ok_or_else(|| {
                            at("`labels` needs `split`, the separator of the labels")
                        })?;
                        labels.insert(
                            column,
                            LabelRule {
                                split,
                                labels: map
                                    .into_iter()
                                    .map(|(k, v)| (k.trim().to_owned(), v))
                                    .collect(),
                            },
                        );
                        continue;
                    }
                    (Some(_), Some(_)) => return Err(at("give `question` or `labels`, not both")),
                    (None, None) => return Err(at("missing field `question`")),
                }
            }
        };
        columns.insert(column, rule);
    }
    let constants = file
        .constants
        .into_iter()
        .map(|(q, v)| (q, yaml_to_json(&v)))
        .collect();
    let mut routes = Vec::new();
    for (i, route) in file.routes.into_iter().enumerate() {
        let at = format!("mapping `{name}`: route {}", i + 1);
        if route.sets.is_empty() {
            return Err(CliError::input(format!("{at}: `sets` is empty")));
        }
        let when = conditions(&at, route.when)?;
        routes.push(Route {
            sets: route.sets,
            when,
        });
    }
    let mut unknown_if = Vec::new();
    for (i, u) in file.unknown_if.into_iter().enumerate() {
        let at = format!("mapping `{name}`: unknown_if {}", i + 1);
        unknown_if.push(UnknownIf {
            when: conditions(&at, u.when)?,
            columns: u.columns,
        });
    }
    Ok(Mapping {
        name: name.to_owned(),
        codes: default_codes,
        columns,
        constants,
        ignore: file.ignore.into_keys().collect(),
        routes,
        labels,
        unknown_if,
    })
}

fn read_codes(m: &serde_yaml::Mapping) -> Result<Codes, String> {
    let mut codes = Codes::new();
    for (k, v) in m {
        let key = scalar_text(k).ok_or("a code must be text or a number")?;
        codes.insert(key, yaml_to_json(v));
    }
    Ok(codes)
}

/// A `when`: column → one value or a list of values, as cell texts.
fn conditions(
    at: &str,
    when: BTreeMap<String, serde_yaml::Value>,
) -> Result<BTreeMap<String, Vec<String>>, CliError> {
    let mut out = BTreeMap::new();
    for (column, values) in when {
        let list = match values {
            serde_yaml::Value::Sequence(items) => items,
            one => vec![one],
        };
        let mut texts = Vec::new();
        for v in &list {
            texts.push(scalar_text(v).ok_or_else(|| {
                CliError::input(format!(
                    "{at}: `when` column `{column}`: a value must be text or a number"
                ))
            })?);
        }
        if texts.is_empty() {
            return Err(CliError::input(format!(
                "{at}: `when` column `{column}` lists no value"
            )));
        }
        out.insert(column, texts);
    }
    Ok(out)
}

/// A YAML scalar as the cell text it stands for (`null` is the empty cell).
fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Null => Some(String::new()),
        _ => None,
    }
}

fn yaml_to_json(v: &serde_yaml::Value) -> Json {
    serde_json::to_value(v).unwrap_or(Json::Null)
}

/// The questions of the selected rule sets, by id: where each set asks it. A question two
/// sets share is read once, by the first set's question (its type and options); each set then
/// checks the answer against its own question (bounds, length).
#[derive(Debug, Default)]
pub struct Questions {
    by_id: BTreeMap<String, Asked>,
}

/// Where the rule sets ask one question.
#[derive(Debug, Clone)]
struct Asked {
    /// The first set that asks it, and its index there: the question answers are read by.
    first: (usize, usize),
    /// Per rule set, the question's index in it, if it asks it.
    slots: Vec<Option<usize>>,
}

impl Questions {
    pub fn of(sets: &[Arc<CompiledRuleSet>]) -> Self {
        let mut by_id: BTreeMap<String, Asked> = BTreeMap::new();
        for (s, set) in sets.iter().enumerate() {
            for (q, question) in set.questions().iter().enumerate() {
                by_id
                    .entry(question.id().to_owned())
                    .or_insert_with(|| Asked {
                        first: (s, q),
                        slots: vec![None; sets.len()],
                    })
                    .slots[s] = Some(q);
            }
        }
        Self { by_id }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }
}

/// One question to fill per row, from one or more input columns.
#[derive(Debug)]
pub struct Target {
    pub question: String,
    asked: Asked,
    kind: QuestionType,
    pub sources: Vec<Source>,
}

/// One input column feeding a target.
#[derive(Debug)]
pub struct Source {
    pub column: String,
    /// The column's position, for CSV input.
    pub index: Option<usize>,
    codes: Option<Arc<Codes>>,
    split: Option<String>,
    /// For a column of joined labels: the labels that answer this source's question yes.
    labels: Option<Arc<SourceLabels>>,
    /// Its place among all the plan's sources (where a row's reading of it is kept).
    at: usize,
}

/// What one question reads from a column of joined labels.
#[derive(Debug)]
struct SourceLabels {
    split: String,
    /// The labels (lowercase) that answer the question yes.
    mine: Vec<String>,
    /// Every label the mapping lists for the column (lowercase).
    all: Arc<BTreeSet<String>>,
    /// Whether this source reports a label the mapping does not list (the column's first).
    report: bool,
}

/// A cell of an input row, before it is read.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Missing,
    Text(&'a str),
    Json(&'a Json),
}

/// What a row gave for one source: nothing, an answer, or a problem (reported in the plan's
/// order when the row is stored).
#[derive(Debug, Clone, Default)]
pub enum Reading {
    #[default]
    Missing,
    Read(Value),
    Failed(RowError),
}

impl Reading {
    /// An answer read (nothing when it is unknown).
    pub fn of(value: Value) -> Self {
        match value {
            Value::Unknown => Self::Missing,
            v => Self::Read(v),
        }
    }

    /// What a plain column gave: its answer, or a wrong-type problem naming the column.
    pub fn answered(result: Result<Value, AnswerError>, column: &str) -> Self {
        match result {
            Ok(value) => Self::of(value),
            Err(e) => Self::Failed(RowError::new(codes::batch::WRONG_TYPE, column, e.message)),
        }
    }
}

impl Source {
    /// Whether the column is read as it is (no codes, no split, no labels).
    pub fn is_plain(&self) -> bool {
        self.codes.is_none() && self.split.is_none() && self.labels.is_none()
    }

    /// Its place among a row's readings.
    pub fn at(&self) -> usize {
        self.at
    }
}

/// A problem with one row, kept in the output with the row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// The rule set the problem is about, when it concerns one set only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<String>,
    pub code: Code,
    /// The input column or question, when the problem is in one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
    pub message: String,
}

impl RowError {
    /// A problem that concerns every rule set.
    pub fn new(code: Code, field: &str, message: impl Into<String>) -> Self {
        Self {
            ruleset: None,
            code,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// How to turn input rows into answers, fixed once the header (or the mapping) is known.
#[derive(Debug, Default)]
pub struct Plan {
    pub targets: Vec<Target>,
    /// Per constant: each rule set that asks it, the question's index there and the answer.
    constants: Vec<(usize, usize, Value)>,
    /// For JSONL: every key the plan reads or deliberately skips (others get a note).
    pub known_keys: BTreeSet<String>,
    /// For JSONL: the column each source reads, sorted, with its target and its place there.
    keys: Vec<(String, usize, usize)>,
    /// How many sources the targets have in all.
    sources: usize,
    /// The mapping's routes, in order, resolved against the input and the selected sets.
    routes: Vec<PlanRoute>,
    /// Per rule set: whether a route names it (a set that no route names screens every row).
    routed: Vec<bool>,
    /// The mapping's name, for the no-route error.
    route_source: String,
    /// Per `unknown_if` of the mapping: its conditions and the readings whose `no` it clears.
    unknown_if: Vec<ClearDefaults>,
    /// The input's columns that nothing reads (for the summary; the notes say it too).
    pub not_read: NotRead,
}

/// What of the input no question, mapping column or option reads: the summary's `not_read`,
/// so that a published figure says what it did not look at.
#[derive(Debug, Default, Clone, Serialize)]
pub struct NotRead {
    /// CSV columns, by name, in input order.
    pub columns: Vec<String>,
    /// CSV columns without a name, by position (1-based).
    pub unnamed_columns: Vec<usize>,
    /// CSV columns the mapping lists under `ignore`.
    pub ignored_by_mapping: usize,
    /// JSONL keys, each with the first row that gave it, in row order (at most 1000 keys).
    pub keys: Vec<NotReadKey>,
}

/// A JSONL key nothing reads.
#[derive(Debug, Clone, Serialize)]
pub struct NotReadKey {
    pub key: String,
    pub first_row: u64,
}

/// A planned `unknown_if`: its conditions, and the places of the readings whose `no` it clears.
type ClearDefaults = (Vec<RouteTest>, Vec<usize>);

/// A route of the plan: its conditions and, per selected rule set, whether it screens the row.
#[derive(Debug)]
pub struct PlanRoute {
    pub when: Vec<RouteTest>,
    sets: Vec<bool>,
}

/// One condition of a route: the column's cell must be one of `values`.
#[derive(Debug)]
pub struct RouteTest {
    pub column: String,
    /// The column's position, for CSV input.
    pub index: Option<usize>,
    values: Vec<String>,
}

impl RouteTest {
    /// Whether the row's cell (trimmed) is one of the values.
    fn holds<'c>(&self, cell: &impl Fn(&RouteTest) -> Cow<'c, str>) -> bool {
        let text = cell(self);
        let text = text.trim();
        self.values.iter().any(|v| v == text)
    }
}

/// Which sets screen a row, by the mapping's routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routing {
    /// No routes: every set.
    All,
    /// The first route that matched (by its index).
    Route(usize),
    /// Routes, and none matched: only the sets no route names.
    NoRoute,
}

/// Where the columns of a row come from.
#[derive(Debug, Clone, Copy)]
pub enum Columns<'a> {
    /// CSV: the header, in order.
    Header(&'a [String]),
    /// JSONL: keys, looked up per row.
    Keys,
}

/// How `herken batch` reads answers: as research tables write them (`yes`/`ja`/`1`,
/// `-99`/`unknown`/empty, options separated by `;`).
pub const POLICY: AnswerPolicy = AnswerPolicy::TABLE;

impl Plan {
    /// Builds the plan and the notes to show on stderr before scoring.
    ///
    /// `reserved` are the id and label columns: read separately, never notes.
    ///
    /// # Errors
    /// A mapping that does not fit the questions (codes to answers the question cannot take,
    /// `split` on a question that is not `choices`, a question with a column and a constant).
    pub fn new(
        questions: &Questions,
        sets: &[Arc<CompiledRuleSet>],
        columns: Columns<'_>,
        mapping: Option<&Mapping>,
        reserved: &[&str],
    ) -> Result<(Plan, Vec<String>), CliError> {
        let mut notes = Vec::new();
        let mut targets: BTreeMap<String, Target> = BTreeMap::new();
        let mut known_keys: BTreeSet<String> = reserved.iter().map(|s| (*s).to_owned()).collect();
        // Column name → position, built once: plans stay linear in the number of columns.
        let positions: HashMap<&str, usize> = match columns {
            Columns::Header(h) => h.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect(),
            Columns::Keys => HashMap::new(),
        };
        let reserved_set: HashSet<&str> = reserved.iter().copied().collect();
        let mut add = |question: &str, column: &str, codes, split, labels| {
            let Some(asked) = questions.by_id.get(question) else {
                return;
            };
            let (s, q) = asked.first;
            targets
                .entry(question.to_owned())
                .or_insert_with(|| Target {
                    question: question.to_owned(),
                    asked: asked.clone(),
                    kind: sets[s].questions()[q].kind(),
                    sources: Vec::new(),
                })
                .sources
                .push(Source {
                    column: column.to_owned(),
                    index: positions.get(column).copied(),
                    codes,
                    split,
                    labels,
                    at: 0,
                });
        };
        let mut constants = Vec::new();
        // Columns of the input that nothing reads, for one summarised note.
        let mut unread: Vec<&str> = Vec::new();
        let mut unnamed: Vec<usize> = Vec::new();
        let mut ignored_by_mapping = 0;
        let mut why_unread = (
            "column is not a question of the selected rule sets".to_owned(),
            "columns are not questions of the selected rule sets".to_owned(),
        );
        match mapping {
            None => match columns {
                Columns::Header(header) => {
                    // Exact question ids first; then ODK Central's group paths
                    // (`group-question`, `group/question`) where one column alone ends in
                    // the question's id.
                    let mut grouped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                    let mut split_columns = 0;
                    for (i, column) in header.iter().enumerate() {
                        if reserved_set.contains(column.as_str()) {
                            continue;
                        }
                        if column.is_empty() {
                            unnamed.push(i + 1);
                        } else if questions.contains(column) {
                            add(column, column, None, None, None);
                        } else if let Some(question) = odk_question(questions, column) {
                            grouped.entry(question).or_default().push(column);
                        } else if odk_split_option(questions, sets, column) {
                            split_columns += 1;
                        } else {
                            unread.push(column);
                        }
                    }
                    for (question, columns) in grouped {
                        let exact =
                            positions.contains_key(question) && !reserved_set.contains(question);
                        if exact {
                            notes.push(format!(
                                "{} also {} in `{question}`: column `{question}` is read, not {}",
                                name_list(&columns),
                                if columns.len() == 1 { "ends" } else { "end" },
                                if columns.len() == 1 { "it" } else { "them" }
                            ));
                        } else if let [column] = columns.as_slice() {
                            add(question, column, None, None, None);
                        } else {
                            notes.push(format!(
                                "columns {} all end in `{question}`; none of them is read (say which one answers it with a mapping, `--map`)",
                                name_list(&columns)
                            ));
                        }
                    }
                    if split_columns > 0 {
                        notes.push(format!(
                            "{} of ODK's split multiple choice (`question/option`) not read: the question's own column (options separated by spaces) is",
                            count(split_columns, "column", "columns")
                        ));
                    }
                }
                Columns::Keys => {
                    for id in questions.ids() {
                        add(id, id, None, None, None);
                        known_keys.insert(id.to_owned());
                    }
                }
            },
            Some(m) => {
                let name = &m.name;
                why_unread = (
                    format!("column is neither mapped nor ignored by mapping `{name}`"),
                    format!("columns are neither mapped nor ignored by mapping `{name}`"),
                );
                let mut absent: Vec<&str> = Vec::new();
                for (column, rule) in &m.columns {
                    known_keys.insert(column.clone());
                    let Some(asked) = questions.by_id.get(&rule.question) else {
                        notes.push(format!(
                            "mapping: column `{column}` maps to `{}`, which none of the selected rule sets asks; ignored",
                            rule.question
                        ));
                        continue;
                    };
                    if matches!(columns, Columns::Header(_))
                        && !positions.contains_key(column.as_str())
                    {
                        absent.push(column);
                        continue;
                    }
                    let (s, q) = asked.first;
                    let kind = sets[s].questions()[q].kind();
                    let codes = rule.codes.clone().or_else(|| {
                        (kind == QuestionType::YesNo)
                            .then(|| m.codes.clone())
                            .flatten()
                    });
                    check_rule(name, column, rule, asked, codes.as_deref(), sets)?;
                    add(&rule.question, column, codes, rule.split.clone(), None);
                }
                for (column, rule) in &m.labels {
                    known_keys.insert(column.clone());
                    if matches!(columns, Columns::Keys) {
                        return Err(CliError::input(format!(
                            "mapping `{name}`: column `{column}` has `labels`, which herken reads from CSV input only; convert the JSONL input to CSV"
                        )));
                    }
                    if !positions.contains_key(column.as_str()) {
                        absent.push(column);
                        continue;
                    }
                    let all: Arc<BTreeSet<String>> =
                        Arc::new(rule.labels.keys().map(|l| l.to_lowercase()).collect());
                    let mut by_question: BTreeMap<&str, Vec<String>> = BTreeMap::new();
                    for (label, question) in &rule.labels {
                        if let Some(q) = question {
                            by_question
                                .entry(q.as_str())
                                .or_default()
                                .push(label.to_lowercase());
                        }
                    }
                    let mut report = true;
                    for (question, mine) in by_question {
                        let Some(asked) = questions.by_id.get(question) else {
                            notes.push(format!(
                                "mapping: column `{column}` has labels for `{question}`, which none of the selected rule sets asks; ignored"
                            ));
                            continue;
                        };
                        let (s, q) = asked.first;
                        let kind = sets[s].questions()[q].kind();
                        if kind != QuestionType::YesNo {
                            return Err(CliError::input(format!(
                                "mapping `{name}`: column `{column}`: `labels` answer yes/no questions; `{question}` is {} question",
                                kind.with_article()
                            )));
                        }
                        let labels = SourceLabels {
                            split: rule.split.clone(),
                            mine,
                            all: Arc::clone(&all),
                            report,
                        };
                        report = false;
                        add(question, column, None, None, Some(Arc::new(labels)));
                    }
                }
                if !absent.is_empty() {
                    notes.push(format!(
                        "mapping `{name}`: {} not in the input (the questions they answer stay unknown unless another column answers them): {}",
                        count(absent.len(), "column is", "columns are"),
                        name_list(&absent)
                    ));
                }
                for (question, value) in &m.constants {
                    let Some(asked) = questions.by_id.get(question) else {
                        notes.push(format!(
                            "mapping: constant `{question}` is not a question of the selected rule sets; ignored"
                        ));
                        continue;
                    };
                    if targets.contains_key(question) {
                        return Err(CliError::input(format!(
                            "mapping `{name}`: question `{question}` has both a column and a constant"
                        )));
                    }
                    let what = format!("constant `{question}`");
                    let answer = answer_everywhere(name, &what, asked, value, sets)?;
                    for (s, q) in asked.slots.iter().enumerate() {
                        if let Some(q) = q {
                            constants.push((s, *q, answer.clone()));
                        }
                    }
                }
                known_keys.extend(m.ignore.iter().cloned());
                let route_columns: HashSet<&str> = m
                    .routes
                    .iter()
                    .flat_map(|r| r.when.keys().map(String::as_str))
                    .chain(
                        m.unknown_if
                            .iter()
                            .flat_map(|u| u.when.keys().map(String::as_str)),
                    )
                    .collect();
                known_keys.extend(route_columns.iter().map(|c| (*c).to_owned()));
                if let Columns::Header(header) = columns {
                    let mut ignored = 0;
                    for (i, column) in header.iter().enumerate() {
                        if reserved_set.contains(column.as_str())
                            || m.columns.contains_key(column)
                            || m.labels.contains_key(column)
                            || (route_columns.contains(column.as_str())
                                && !m.ignore.contains(column))
                        {
                            continue;
                        }
                        if m.ignore.contains(column) {
                            ignored += 1;
                        } else if column.is_empty() {
                            unnamed.push(i + 1);
                        } else {
                            unread.push(column);
                        }
                    }
                    ignored_by_mapping = ignored;
                    if ignored > 0 {
                        notes.push(format!(
                            "{} ignored as mapping `{name}` lists them under `ignore`",
                            count(ignored, "column", "columns")
                        ));
                    }
                }
            }
        }
        if !unread.is_empty() {
            notes.push(format!(
                "{}, so not read: {}",
                count(unread.len(), &why_unread.0, &why_unread.1),
                name_list(&unread)
            ));
        }
        if !unnamed.is_empty() {
            let shown: Vec<String> = unnamed
                .iter()
                .take(NAMES_SHOWN)
                .map(ToString::to_string)
                .collect();
            notes.push(format!(
                "{} no name, so not read (column{} {}{})",
                count(unnamed.len(), "column has", "columns have"),
                if unnamed.len() == 1 { "" } else { "s" },
                shown.join(", "),
                more(unnamed.len())
            ));
        }
        let not_read = NotRead {
            columns: unread.iter().map(|c| (*c).to_owned()).collect(),
            unnamed_columns: unnamed,
            ignored_by_mapping,
            keys: Vec::new(),
        };
        if let Columns::Header(header) = columns
            && targets.is_empty()
        {
            let named: Vec<&str> = header
                .iter()
                .map(String::as_str)
                .filter(|c| !c.is_empty())
                .collect();
            let how = match mapping {
                None => "name the columns by question id (`herken questions` lists them) or give a mapping (`--map`)".to_owned(),
                Some(m) => format!("mapping `{}` maps none of the columns of this input to a question of the selected rule sets", m.name),
            };
            return Err(CliError::input(format!(
                "no column answers a question: the header ({}) has {}; {how}; scoring it would give every row \"no answers\"",
                count(header.len(), "column", "columns"),
                if named.is_empty() {
                    "no named column".to_owned()
                } else {
                    name_list(&named)
                }
            )));
        }
        let mut targets: Vec<Target> = targets.into_values().collect();
        let (routes, routed) = match mapping {
            Some(m) if !m.routes.is_empty() => plan_routes(m, sets, columns, &positions)?,
            _ => (Vec::new(), vec![false; sets.len()]),
        };
        let mut keys = Vec::new();
        let mut at = 0;
        for (t, target) in targets.iter_mut().enumerate() {
            for (s, source) in target.sources.iter_mut().enumerate() {
                source.at = at;
                keys.push((source.column.clone(), t, s));
                at += 1;
            }
        }
        keys.sort();
        let unknown_if = match mapping {
            Some(m) => plan_unknown_if(m, &targets, columns, &positions)?,
            None => Vec::new(),
        };
        Ok((
            Plan {
                targets,
                constants,
                known_keys,
                keys,
                sources: at,
                routes,
                routed,
                route_source: mapping.map(|m| m.name.clone()).unwrap_or_default(),
                unknown_if,
                not_read,
            },
            notes,
        ))
    }

    /// Whether the mapping routes rows to sets.
    pub fn has_routes(&self) -> bool {
        !self.routes.is_empty()
    }

    /// The routes, in order.
    pub fn routes(&self) -> &[PlanRoute] {
        &self.routes
    }

    /// The first route whose every condition holds; `cell` gives a condition's column's cell
    /// as trimmed text (empty when missing).
    pub fn route<'c>(&self, cell: impl Fn(&RouteTest) -> Cow<'c, str>) -> Routing {
        if self.routes.is_empty() {
            return Routing::All;
        }
        self.routes
            .iter()
            .position(|r| r.when.iter().all(|t| t.holds(&cell)))
            .map_or(Routing::NoRoute, Routing::Route)
    }

    /// Whether the mapping reads some `no` answers as unknown in some rows.
    pub fn has_unknown_if(&self) -> bool {
        !self.unknown_if.is_empty()
    }

    /// Applies the mapping's `unknown_if` to a row's readings: where its conditions hold, the
    /// listed columns' `no` answers become unknown. `cell` as for [`Plan::route`].
    pub fn apply_unknown_if<'c>(
        &self,
        readings: &mut [Reading],
        cell: impl Fn(&RouteTest) -> Cow<'c, str>,
    ) {
        for (when, ats) in &self.unknown_if {
            if when.iter().all(|t| t.holds(&cell)) {
                for &at in ats {
                    if matches!(readings[at], Reading::Read(Value::Bool(false))) {
                        readings[at] = Reading::Missing;
                    }
                }
            }
        }
    }

    /// Whether rule set `set` (its index) screens a row routed so.
    pub fn screens(&self, routing: Routing, set: usize) -> bool {
        match routing {
            Routing::All => true,
            Routing::Route(r) => !self.routed[set] || self.routes[r].sets[set],
            Routing::NoRoute => !self.routed[set],
        }
    }

    /// The error of a row that no route takes.
    pub fn no_route_error(&self) -> RowError {
        let mut columns: Vec<&str> = self
            .routes
            .iter()
            .flat_map(|r| r.when.iter().map(|t| t.column.as_str()))
            .collect();
        columns.sort_unstable();
        columns.dedup();
        RowError::new(
            codes::batch::NO_ROUTE,
            "",
            format!(
                "the row matches none of the routes of mapping `{}` (by {}), so no routed rule set screened it",
                self.route_source,
                name_list(&columns)
            ),
        )
    }

    /// Room for one row's readings, one per source.
    pub fn readings(&self) -> Vec<Reading> {
        vec![Reading::Missing; self.sources]
    }

    /// The column JSONL key `key` is, if the plan reads it: its target, its source in the
    /// target, and its place among the readings.
    pub fn source_index(&self, key: &str) -> Option<(usize, usize, usize)> {
        self.key_position(key).map(|i| self.source_at(i))
    }

    /// Where JSONL key `key` is among the keys the plan reads (`0..key_count()`), if it is one.
    pub fn key_position(&self, key: &str) -> Option<usize> {
        self.keys
            .binary_search_by(|(k, ..)| k.as_str().cmp(key))
            .ok()
    }

    /// How many JSONL keys the plan reads.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Whether the key at `position` is `key`: a reader that guesses the next key checks its
    /// guess with one comparison.
    pub fn key_is(&self, position: usize, key: &str) -> bool {
        self.keys.get(position).is_some_and(|(k, ..)| k == key)
    }

    /// The target, source and reading place of the key at `position` (from
    /// [`Self::key_position`]).
    pub fn source_at(&self, position: usize) -> (usize, usize, usize) {
        let (_, target, source) = self.keys[position];
        (target, source, self.targets[target].sources[source].at)
    }

    /// The question a target's answers are read by: the first rule set's that asks it.
    pub fn question<'s>(&self, sets: &'s [Arc<CompiledRuleSet>], target: &Target) -> &'s Question {
        let (s, q) = target.asked.first;
        &sets[s].questions()[q]
    }

    /// Reads one cell for `source` of `target` (codes, splits), by the question's type.
    pub fn read(
        &self,
        sets: &[Arc<CompiledRuleSet>],
        target: &Target,
        source: &Source,
        cell: Cell<'_>,
    ) -> Reading {
        match read(self.question(sets, target), source, cell) {
            Ok(v) => Reading::of(v),
            Err((code, message)) => Reading::Failed(RowError::new(code, &source.column, message)),
        }
    }

    /// Fills each rule set's answers from one row of cells (CSV) and gives the row's problems.
    pub fn fill<'a>(
        &self,
        sets: &[Arc<CompiledRuleSet>],
        readings: &mut [Reading],
        answers: &mut [Observations],
        cell: impl Fn(&Source) -> Cell<'a>,
    ) -> Vec<RowError> {
        self.read_row(sets, readings, cell);
        self.store(sets, readings, answers)
    }

    /// Reads one row of cells (CSV) into its readings, without storing them (for a caller that
    /// applies [`Plan::apply_unknown_if`] before [`Plan::store`]).
    pub fn read_row<'a>(
        &self,
        sets: &[Arc<CompiledRuleSet>],
        readings: &mut [Reading],
        cell: impl Fn(&Source) -> Cell<'a>,
    ) {
        for target in &self.targets {
            for source in &target.sources {
                readings[source.at] = self.read(sets, target, source, cell(source));
            }
        }
    }

    /// Puts a row's readings into each rule set's answers (every other answer unknown, the
    /// constants set), in question order: columns answering one question are combined, each
    /// set checks the answer against its own question. Gives the row's problems; a problem of
    /// one set has its id. The readings are left `Missing` for the next row.
    pub fn store(
        &self,
        sets: &[Arc<CompiledRuleSet>],
        readings: &mut [Reading],
        answers: &mut [Observations],
    ) -> Vec<RowError> {
        for (set, obs) in sets.iter().zip(answers.iter_mut()) {
            obs.clear(set);
        }
        for (s, q, value) in &self.constants {
            // Checked when the plan was built.
            let _ = answers[*s].answer(&sets[*s], *q, value.clone());
        }
        let mut errors = Vec::new();
        for target in &self.targets {
            // One column per question (the common case): its reading is the value, without
            // collecting the readings of several.
            let value = if let [source] = target.sources.as_slice() {
                match std::mem::take(&mut readings[source.at]) {
                    // One column: missing (or a label absent from a column of labels)
                    // says nothing either way.
                    Reading::Missing => continue,
                    Reading::Read(v) => Ok(v),
                    Reading::Failed(e) => {
                        errors.push(e);
                        continue;
                    }
                }
            } else {
                let mut values = Vec::with_capacity(target.sources.len());
                let mut failed = false;
                for source in &target.sources {
                    match std::mem::take(&mut readings[source.at]) {
                        // A label absent from a column of labels says nothing either way.
                        Reading::Missing if source.labels.is_some() => {}
                        Reading::Missing => values.push(Value::Unknown),
                        Reading::Read(v) => values.push(v),
                        Reading::Failed(e) => {
                            errors.push(e);
                            failed = true;
                        }
                    }
                }
                if failed || values.is_empty() {
                    continue;
                }
                combine(target, values)
            };
            let value = match value {
                Ok(v) => v,
                Err(message) => {
                    errors.push(RowError::new(
                        codes::batch::CONFLICTING_COLUMNS,
                        &target.question,
                        message,
                    ));
                    continue;
                }
            };
            if value == Value::Unknown {
                continue;
            }
            for (s, q) in target.asked.slots.iter().enumerate() {
                let Some(q) = *q else { continue };
                if let Err(e) = answers[s].answer(&sets[s], q, value.clone()) {
                    errors.push(RowError {
                        ruleset: Some(sets[s].id().to_owned()),
                        code: e.kind.code(),
                        field: target.question.clone(),
                        message: e.message,
                    });
                }
            }
        }
        errors
    }
}

/// The question an ODK Central column name (`group-question`, `group-sub-question`,
/// `group/question`) ends in, if it is one of the selected sets'. Question ids hold neither `-`
/// nor `/`, so the name's last part is the only candidate.
fn odk_question<'q>(questions: &'q Questions, column: &str) -> Option<&'q str> {
    let (_, last) = column.rsplit_once(['-', '/'])?;
    questions
        .by_id
        .get_key_value(last)
        .map(|(id, _)| id.as_str())
}

/// Whether a column is one of ODK's split multiple-choice columns (`group-question/option`,
/// 1/0 per option) of a `choices` question of the selected sets.
fn odk_split_option(questions: &Questions, sets: &[Arc<CompiledRuleSet>], column: &str) -> bool {
    let Some((path, option)) = column.rsplit_once('/') else {
        return false;
    };
    let question = if questions.contains(path) {
        Some(path)
    } else {
        odk_question(questions, path)
    };
    question
        .and_then(|q| questions.by_id.get(q))
        .is_some_and(|asked| {
            let (s, q) = asked.first;
            let question = &sets[s].questions()[q];
            question.kind() == QuestionType::Choices
                && question.options().iter().any(|o| o.id() == option)
        })
}

/// How many column names a note or an error shows before "and N more".
const NAMES_SHOWN: usize = 10;

/// `1 column` / `3 columns`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first names, quoted, then "and N more".
fn name_list(names: &[&str]) -> String {
    let shown: Vec<String> = names
        .iter()
        .take(NAMES_SHOWN)
        .map(|n| format!("`{n}`"))
        .collect();
    format!("{}{}", shown.join(", "), more(names.len()))
}

fn more(n: usize) -> String {
    if n > NAMES_SHOWN {
        format!(" and {} more", n - NAMES_SHOWN)
    } else {
        String::new()
    }
}

/// The mapping's `unknown_if` against its columns and the input: per entry, its conditions and
/// the readings of the columns it lists.
fn plan_unknown_if(
    m: &Mapping,
    targets: &[Target],
    columns: Columns<'_>,
    positions: &HashMap<&str, usize>,
) -> Result<Vec<ClearDefaults>, CliError> {
    let mut out = Vec::new();
    for (i, u) in m.unknown_if.iter().enumerate() {
        let at = format!("mapping `{}`: unknown_if {}", m.name, i + 1);
        let when = tests(&at, &u.when, columns, positions)?;
        let mut ats = Vec::new();
        for column in &u.columns {
            if !m.columns.contains_key(column) {
                return Err(CliError::input(format!(
                    "{at} lists column `{column}`, which the mapping's `columns` do not map"
                )));
            }
            ats.extend(
                targets
                    .iter()
                    .flat_map(|t| &t.sources)
                    .filter(|s| s.column == *column)
                    .map(|s| s.at),
            );
        }
        out.push((when, ats));
    }
    Ok(out)
}

/// A `when` as tests of the row's cells; for CSV, every column must be in the input.
fn tests(
    at: &str,
    when: &BTreeMap<String, Vec<String>>,
    columns: Columns<'_>,
    positions: &HashMap<&str, usize>,
) -> Result<Vec<RouteTest>, CliError> {
    let mut tests = Vec::new();
    for (column, values) in when {
        let index = positions.get(column.as_str()).copied();
        if matches!(columns, Columns::Header(_)) && index.is_none() {
            return Err(CliError::input(format!(
                "{at} reads column `{column}`, which is not in the input"
            )));
        }
        tests.push(RouteTest {
            column: column.clone(),
            index,
            values: values.iter().map(|v| v.trim().to_owned()).collect(),
        });
    }
    Ok(tests)
}

/// The mapping's routes against the selected sets and the input's columns.
fn plan_routes(
    m: &Mapping,
    sets: &[Arc<CompiledRuleSet>],
    columns: Columns<'_>,
    positions: &HashMap<&str, usize>,
) -> Result<(Vec<PlanRoute>, Vec<bool>), CliError> {
    let mut routed = vec![false; sets.len()];
    let mut routes = Vec::new();
    for (i, route) in m.routes.iter().enumerate() {
        let at = format!("mapping `{}`: route {}", m.name, i + 1);
        let mut screened = vec![false; sets.len()];
        for id in &route.sets {
            let Some(s) = sets.iter().position(|s| s.id() == id) else {
                let selected: Vec<&str> = sets.iter().map(|s| s.id()).collect();
                return Err(CliError::input(format!(
                    "{at} sends rows to `{id}`, which is not among the selected rule sets ({}); add it to `--rules`, or leave `--rules` out to use the sets the routes name",
                    selected.join(", ")
                )));
            };
            screened[s] = true;
            routed[s] = true;
        }
        let when = tests(&at, &route.when, columns, positions)?;
        routes.push(PlanRoute {
            when,
            sets: screened,
        });
    }
    Ok((routes, routed))
}

/// Checks a column rule against its question: every code must give an answer the question
/// accepts in every selected set that asks it.
fn check_rule(
    name: &str,
    column: &str,
    rule: &ColumnRule,
    asked: &Asked,
    codes: Option<&Codes>,
    sets: &[Arc<CompiledRuleSet>],
) -> Result<(), CliError> {
    let fail = |why: String| CliError::input(format!("mapping `{name}`: column `{column}`: {why}"));
    let (s, q) = asked.first;
    let kind = sets[s].questions()[q].kind();
    if rule.split.is_some() && kind != QuestionType::Choices {
        return Err(fail(format!(
            "`split` applies to `choices` questions; `{}` is {} question",
            rule.question,
            kind.with_article()
        )));
    }
    for (code, target) in codes.into_iter().flatten() {
        let answer = if rule.split.is_some() {
            match target {
                Json::Null => continue,
                Json::String(s) if is_unknown(s) => continue,
                Json::String(s) => Json::Array(vec![Json::String(s.clone())]),
                _ => {
                    return Err(fail(format!(
                        "code `{code}` must map to an option id or `unknown`"
                    )));
                }
            }
        } else {
            target.clone()
        };
        answer_everywhere(
            name,
            &format!("column `{column}`, code `{code}`"),
            asked,
            &answer,
            sets,
        )?;
    }
    Ok(())
}

/// A mapping's answer (a code's or a constant's), read by the question's type and checked by
/// every set that asks the question.
fn answer_everywhere(
    name: &str,
    what: &str,
    asked: &Asked,
    answer: &Json,
    sets: &[Arc<CompiledRuleSet>],
) -> Result<Value, CliError> {
    let (s, q) = asked.first;
    let value = POLICY
        .read(&sets[s].questions()[q], RawAnswer::Json(answer))
        .map_err(|e| CliError::input(format!("mapping `{name}`: {what}: {}", e.message)))?;
    for (s, q) in asked.slots.iter().enumerate() {
        let Some(q) = q else { continue };
        if let Err(e) = sets[s].questions()[*q].check(value.clone()) {
            return Err(CliError::input(format!(
                "mapping `{name}`: {what}: {} (rule set `{}`)",
                e.message,
                sets[s].id()
            )));
        }
    }
    Ok(value)
}

/// Text that a table means as unknown.
fn is_unknown(text: &str) -> bool {
    let t = text.trim();
    t.is_empty() || POLICY.unknown.iter().any(|w| t.eq_ignore_ascii_case(w))
}

type ReadError = (Code, String);

/// One source cell → an answer (unknown when missing or unknown), by the question's type.
fn read(question: &Question, source: &Source, cell: Cell<'_>) -> Result<Value, ReadError> {
    let wrong = |e: AnswerError| (codes::batch::WRONG_TYPE, e.message);
    if let Some(labels) = &source.labels {
        return match cell {
            Cell::Missing | Cell::Json(Json::Null) => Ok(Value::Unknown),
            Cell::Text(s) => read_labels(labels, s),
            Cell::Json(Json::String(s)) => read_labels(labels, s),
            Cell::Json(_) => Err((
                codes::batch::WRONG_TYPE,
                "a number, list or object where the mapping expects labels joined as text".into(),
            )),
        };
    }
    match cell {
        Cell::Missing | Cell::Json(Json::Null) => Ok(Value::Unknown),
        Cell::Text(s) => coded(question, source, s),
        Cell::Json(Json::String(s)) => coded(question, source, s),
        Cell::Json(json) if source.codes.is_none() && source.split.is_none() => {
            POLICY.read(question, RawAnswer::Json(json)).map_err(wrong)
        }
        Cell::Json(Json::Number(n)) => coded(question, source, &n.to_string()),
        Cell::Json(Json::Bool(b)) => coded(question, source, if *b { "true" } else { "false" }),
        Cell::Json(_) => Err((
            codes::batch::WRONG_TYPE,
            "a list or object where the mapping expects a single code".into(),
        )),
    }
}

/// A cell of joined labels: yes when one of the question's labels is in it, else unknown. A
/// label the mapping does not list fails the row (reported once per column).
fn read_labels(labels: &SourceLabels, text: &str) -> Result<Value, ReadError> {
    let mut yes = false;
    for part in text
        .split(labels.split.as_str())
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let part = part.to_lowercase();
        if labels.mine.contains(&part) {
            yes = true;
        } else if labels.report && !labels.all.contains(&part) {
            return Err((
                codes::batch::UNKNOWN_CODE,
                format!(
                    "the cell holds a label that is not one of the labels of this column ({} listed)",
                    labels.all.len()
                ),
            ));
        }
    }
    Ok(if yes {
        Value::Bool(true)
    } else {
        Value::Unknown
    })
}

/// A text cell through the column's codes and split, then by the question's type.
fn coded(question: &Question, source: &Source, text: &str) -> Result<Value, ReadError> {
    let wrong = |e: AnswerError| (codes::batch::WRONG_TYPE, e.message);
    let lookup = |code: &str| -> Result<Json, ReadError> {
        match &source.codes {
            None => Ok(Json::String(code.to_owned())),
            Some(codes) => match codes.get(code) {
                Some(v) => Ok(v.clone()),
                None if code.is_empty() => Ok(Json::Null),
                None => Err((
                    codes::batch::UNKNOWN_CODE,
                    format!(
                        "the value is not one of the codes of this column ({})",
                        list_codes(codes)
                    ),
                )),
            },
        }
    };
    if let Some(sep) = &source.split {
        let mut items = Vec::new();
        for part in text
            .split(sep.as_str())
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match lookup(part)? {
                Json::Null => {}
                Json::String(s) if is_unknown(&s) => {}
                v => items.push(v),
            }
        }
        if items.is_empty() {
            return Ok(Value::Unknown);
        }
        return POLICY
            .read(question, RawAnswer::Json(&Json::Array(items)))
            .map_err(wrong);
    }
    match &source.codes {
        Some(_) => {
            let value = lookup(text.trim())?;
            POLICY
                .read(question, RawAnswer::Json(&value))
                .map_err(wrong)
        }
        None if question.kind() == QuestionType::Choices
            && !text.contains(';')
            && text.trim().contains(char::is_whitespace) =>
        {
            // ODK's `select_multiple`: option ids (which hold no spaces) separated by spaces.
            let items = text
                .split_whitespace()
                .map(|o| Json::String(o.to_owned()))
                .collect();
            POLICY
                .read(question, RawAnswer::Json(&Json::Array(items)))
                .map_err(wrong)
        }
        None => POLICY.read(question, RawAnswer::Text(text)).map_err(wrong),
    }
}

fn list_codes(codes: &Codes) -> String {
    let mut shown: Vec<String> = codes
        .keys()
        .take(12)
        .map(|k| {
            if k.is_empty() {
                "(empty)".into()
            } else {
                format!("`{k}`")
            }
        })
        .collect();
    if codes.len() > 12 {
        shown.push(format!("and {} more", codes.len() - 12));
    }
    shown.join(", ")
}

/// Several columns answering one question: yes/no questions combine as "yes if any is yes, no
/// if all are no, else unknown"; other questions must agree.
fn combine(target: &Target, mut answers: Vec<Value>) -> Result<Value, String> {
    if answers.len() == 1 {
        return Ok(answers.pop().unwrap_or(Value::Unknown));
    }
    if target.kind == QuestionType::YesNo {
        if answers.contains(&Value::Bool(true)) {
            return Ok(Value::Bool(true));
        }
        if answers.contains(&Value::Unknown) {
            return Ok(Value::Unknown);
        }
        return Ok(Value::Bool(false));
    }
    let known: Vec<(&Value, &Source)> = answers
        .iter()
        .zip(&target.sources)
        .filter(|(a, _)| **a != Value::Unknown)
        .collect();
    match known.as_slice() {
        [] => Ok(Value::Unknown),
        [(first, s1), rest @ ..] => match rest.iter().find(|(a, _)| a != first) {
            None => Ok((*first).clone()),
            Some((_, s2)) => Err(format!(
                "columns `{}` and `{}` give different answers to `{}`",
                s1.column, s2.column, target.question
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = r#"
format: 1
id: t
version: 1.0.0
status: draft
title: {en: T, nl: T}
description: {en: T, nl: T}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: a, type: yesno, text: {en: A, nl: A}}
  - {id: b, type: yesno, text: {en: B, nl: B}}
  - {id: n, type: integer, min: 0, max: 10, text: {en: N, nl: N}}
  - id: c
    type: choices
    text: {en: C, nl: C}
    options:
      - {id: x, label: {en: X, nl: X}}
      - {id: y, label: {en: Y, nl: Y}}
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

    fn sets() -> Vec<Arc<CompiledRuleSet>> {
        let sources = herken_engine::Sources::new().with("ruleset.yaml", SET);
        let loaded = herken_engine::load(&sources).expect("test rule set loads");
        vec![Arc::new(loaded.rules)]
    }

    fn plan(header: &[&str], mapping: Option<&str>) -> (Plan, Vec<String>) {
        let sets = sets();
        let header: Vec<String> = header.iter().map(|s| (*s).to_owned()).collect();
        let mapping = mapping.map(|m| parse("m", m).expect("mapping parses"));
        Plan::new(
            &Questions::of(&sets),
            &sets,
            Columns::Header(&header),
            mapping.as_ref(),
            &["id"],
        )
        .expect("plan builds")
    }

    /// The known answers of a filled set, as a JSON object.
    fn known(set: &CompiledRuleSet, obs: &Observations) -> Json {
        let mut map = serde_json::Map::new();
        for (q, question) in set.questions().iter().enumerate() {
            if *obs.get(q) != Value::Unknown {
                map.insert(question.id().to_owned(), obs.get(q).to_json());
            }
        }
        Json::Object(map)
    }

    fn case(plan: &Plan, row: &[&str]) -> (Json, Vec<String>) {
        let sets = sets();
        let mut answers = vec![Observations::unknown(&sets[0])];
        let errors = plan.fill(&sets, &mut plan.readings(), &mut answers, |s| {
            s.index.map_or(Cell::Missing, |i| Cell::Text(row[i]))
        });
        (
            known(&sets[0], &answers[0]),
            errors
                .into_iter()
                .map(|e| format!("{} {}", e.code, e.field))
                .collect(),
        )
    }

    #[test]
    fn headers_are_question_ids_without_a_mapping() {
        let (plan, notes) = plan(&["id", "a", "n", "c", "extra"], None);
        assert_eq!(
            notes,
            ["1 column is not a question of the selected rule sets, so not read: `extra`"]
        );
        let (c, errors) = case(&plan, &["r1", "Ja", "7", "x; y", "whatever"]);
        assert!(errors.is_empty());
        assert_eq!(c, serde_json::json!({"a": true, "n": 7, "c": ["x", "y"]}));
        let (c, _) = case(&plan, &["r2", "-99", "", "unknown", ""]);
        assert_eq!(c, serde_json::json!({}));
        let (_, errors) = case(&plan, &["r3", "maybe", "seven", "z", ""]);
        assert_eq!(
            errors,
            [
                "batch::wrong-type a",
                "batch::wrong-type c",
                "batch::wrong-type n"
            ]
        );
    }

    #[test]
    fn odk_group_paths_and_space_separated_choices_are_read() {
        let (plan, notes) = plan(
            &[
                "id",
                "SubmissionDate",
                "grp-a",
                "outer-inner-n",
                "grp/c",
                "grp/c/x",
                "grp/c/y",
                "one-b",
                "two-b",
                "meta-instanceID",
            ],
            None,
        );
        assert_eq!(
            notes,
            [
                "columns `one-b`, `two-b` all end in `b`; none of them is read (say which one answers it with a mapping, `--map`)",
                "2 columns of ODK's split multiple choice (`question/option`) not read: the question's own column (options separated by spaces) is",
                "2 columns are not questions of the selected rule sets, so not read: `SubmissionDate`, `meta-instanceID`",
            ]
        );
        let (c, errors) = case(
            &plan,
            &["r", "d", "yes", "4", "x y", "1", "1", "yes", "no", "u"],
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c, serde_json::json!({"a": true, "n": 4, "c": ["x", "y"]}));
        let (_, errors) = case(&plan, &["r", "d", "", "", "x z", "", "", "", "", ""]);
        assert_eq!(errors, ["batch::wrong-type grp/c"]);
        // A column named by the id itself wins over a group path.
        let (exact, notes) = self::plan(&["a", "grp-a"], None);
        assert_eq!(
            notes,
            ["`grp-a` also ends in `a`: column `a` is read, not it"]
        );
        assert_eq!(exact.targets[0].sources[0].column, "a");
    }

    #[test]
    fn reused_answers_keep_nothing_from_the_row_before() {
        let (plan, _) = plan(
            &["a", "n", "c"],
            Some("columns: {a: a, n: n, c: c}\nconstants: {b: no}"),
        );
        let sets = sets();
        let mut readings = plan.readings();
        let mut answers = vec![Observations::unknown(&sets[0])];
        let mut fill = |row: [&str; 3]| {
            let errors = plan.fill(&sets, &mut readings, &mut answers, |s| {
                s.index.map_or(Cell::Missing, |i| Cell::Text(row[i]))
            });
            assert!(errors.is_empty(), "{errors:?}");
            known(&sets[0], &answers[0])
        };
        let first = fill(["yes", "3", "x"]);
        assert_eq!(
            first,
            serde_json::json!({"a": true, "b": false, "c": ["x"], "n": 3})
        );
        let second = fill(["", "", ""]);
        assert_eq!(second, serde_json::json!({"b": false}));
    }

    #[test]
    fn mappings_apply_codes_combine_columns_and_split() {
        let mapping = r#"
codes: {1: yes, 0: no, -99: unknown}
columns:
  flagA: a
  flagA2: a
  answer_b: {question: b, codes: {"Yes": yes, "No": no}}
  kinds: {question: c, split: ";", codes: {"Ex": x, "Why": y, "Other": unknown}}
ignore:
  note: free text, not a question
"#;
        let (plan, notes) = plan(
            &["flagA", "flagA2", "answer_b", "kinds", "note", "id"],
            Some(mapping),
        );
        assert_eq!(
            notes,
            ["1 column ignored as mapping `m` lists them under `ignore`"]
        );
        let (c, errors) = case(&plan, &["0", "1", "Yes", "Ex;Other", "text"]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(c, serde_json::json!({"a": true, "b": true, "c": ["x"]}));
        let (c, _) = case(&plan, &["0", "-99", "No", "Other", ""]);
        assert_eq!(c, serde_json::json!({"b": false}));
        let (c, _) = case(&plan, &["0", "0", "", "", ""]);
        assert_eq!(c, serde_json::json!({"a": false}));
        let (_, errors) = case(&plan, &["2", "0", "yes", "Ex;Zed", ""]);
        assert_eq!(
            errors,
            [
                "batch::unknown-code flagA",
                "batch::unknown-code answer_b",
                "batch::unknown-code kinds"
            ]
        );
    }

    #[test]
    fn mappings_that_do_not_fit_the_questions_are_refused() {
        let sets = sets();
        let questions = Questions::of(&sets);
        let header = vec!["x".to_owned()];
        for (mapping, why) in [
            (
                "columns: {x: {question: a, split: ';'}}",
                "`split` applies to `choices`",
            ),
            (
                "columns: {x: {question: c, split: ';', codes: {1: z}}}",
                "code `1`",
            ),
            (
                "columns: {x: {question: n, codes: {1: 11}}}",
                "out of bounds",
            ),
            (
                "columns: {x: a}\nconstants: {a: true}",
                "both a column and a constant",
            ),
        ] {
            let m = parse("m", mapping).expect("parses");
            let e = Plan::new(&questions, &sets, Columns::Header(&header), Some(&m), &[])
                .expect_err(mapping);
            assert!(e.message.contains(why), "{mapping}: {}", e.message);
        }
        let e = parse("m", "colums: {}").expect_err("unknown field");
        assert!(
            e.message.contains("unknown field `colums`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn label_columns_answer_several_questions_and_unknown_if_clears_defaults() {
        let mapping = r#"
codes: {"1": yes, "0": no, "-99": unknown}
columns:
  flagA: a
  flagB: b
  joined: {split: ";", labels: {Ay: a, Bee: b, Other: null}}
  notSpecified: n
unknown_if:
  - {when: {notSpecified: ["1", "2"]}, columns: [flagA, flagB]}
"#;
        let (plan, notes) = plan(&["flagA", "flagB", "joined", "notSpecified"], Some(mapping));
        assert!(notes.is_empty(), "{notes:?}");
        let sets = sets();
        let row = |cells: [&str; 4]| {
            let mut readings = plan.readings();
            let mut answers = vec![Observations::unknown(&sets[0])];
            plan.read_row(&sets, &mut readings, |s| {
                s.index.map_or(Cell::Missing, |i| Cell::Text(cells[i]))
            });
            let cell = |t: &RouteTest| Cow::Borrowed(t.index.map_or("", |i| cells[i]));
            plan.apply_unknown_if(&mut readings, cell);
            let errors: Vec<String> = plan
                .store(&sets, &mut readings, &mut answers)
                .into_iter()
                .map(|e| format!("{} {}", e.code, e.field))
                .collect();
            (known(&sets[0], &answers[0]), errors)
        };
        // A label present is yes even where the flag is -99; a label absent says nothing.
        assert_eq!(
            row(["-99", "0", "ay ; Other", "0"]).0,
            serde_json::json!({"a": true, "b": false, "n": 0})
        );
        assert_eq!(row(["-99", "-99", "", "0"]).0, serde_json::json!({"n": 0}));
        // Where `when` holds, the flags' `no` is unknown; a yes stays.
        assert_eq!(
            row(["0", "1", "", "2"]).0,
            serde_json::json!({"b": true, "n": 2})
        );
        // A label the mapping does not list fails the row, once.
        let (_, errors) = row(["0", "0", "Ay;Zed", "0"]);
        assert_eq!(errors, ["batch::unknown-code joined"]);
        // Labels are read from CSV only; they answer yes/no questions only.
        let m = parse("m", mapping).expect("parses");
        let e = Plan::new(&Questions::of(&sets), &sets, Columns::Keys, Some(&m), &[])
            .expect_err("JSONL");
        assert!(e.message.contains("CSV input only"), "{}", e.message);
        let m = parse("m", "columns: {j: {split: ';', labels: {X: n}}}").expect("parses");
        let header = vec!["j".to_owned()];
        let e = Plan::new(
            &Questions::of(&sets),
            &sets,
            Columns::Header(&header),
            Some(&m),
            &[],
        )
        .expect_err("not yes/no");
        assert!(
            e.message.contains("answer yes/no questions"),
            "{}",
            e.message
        );
        let e = parse("m", "columns: {j: {labels: {X: a}}}").expect_err("no split");
        assert!(
            e.message.contains("`labels` needs `split`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_shipped_ctdc_mapping_parses() {
        let m = load("ctdc").expect("bundled ctdc mapping");
        assert!(m.columns.contains_key("meansOfControlDebtBondage"));
        assert!(m.ignore.contains("gender"));
    }
}
