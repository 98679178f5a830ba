//! The rule-set manifest (`ruleset.yaml`) as typed data, read from the positioned YAML tree
//! with every problem collected.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Span, did_you_mean};
use crate::yaml::{Node, PlainValue, TextOrigin};

/// The manifest format version this engine reads.
pub const FORMAT_VERSION: i64 = 1;

/// Text in several languages, by language code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub BTreeMap<String, String>);

impl Text {
    /// The text in `lang`, else in the first of `fallbacks` that has one.
    pub fn get<'a>(&'a self, lang: &str, fallbacks: &[String]) -> &'a str {
        if let Some(t) = self.0.get(lang) {
            return t;
        }
        for l in fallbacks {
            if let Some(t) = self.0.get(l) {
                return t;
            }
        }
        self.0.values().next().map_or("", String::as_str)
    }
}

/// How far a rule set has been checked against its sources, lowest first: `draft` <
/// `reviewed` (every indicator names its source) < `verified` (every indicator transcribed
/// from the primary text, with its location). The loader refuses a status a set has not earned.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Reviewed,
    Verified,
}

impl Status {
    pub const NAMES: [&'static str; 3] = ["draft", "reviewed", "verified"];

    pub fn name(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Reviewed => "reviewed",
            Self::Verified => "verified",
        }
    }
}

/// How an indicator was taken from its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Copied from the primary text itself.
    Transcribed,
    /// Taken from a secondary text about the source (a summary, a crosswalk, a reproduction).
    Secondary,
    /// The rule author's reading: a selection, threshold or wording the source does not give.
    Interpretation,
}

impl Basis {
    pub const NAMES: [&'static str; 3] = ["transcribed", "secondary", "interpretation"];

    pub fn name(self) -> &'static str {
        match self {
            Self::Transcribed => "transcribed",
            Self::Secondary => "secondary",
            Self::Interpretation => "interpretation",
        }
    }
}

/// Where an indicator comes from: `source: {id, location, basis, note}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The id of a source declared under `sources`.
    pub source: String,
    /// Page, table, item, article: where in the source.
    pub location: Option<String>,
    pub basis: Basis,
    /// Anything else an author wants to say about it (a quote, what was reworded).
    pub note: Option<String>,
    /// Where `source:` stands, for diagnostics.
    pub span: Span,
    pub id_span: Span,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub citation: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub title: Text,
    pub span: Span,
}

/// The type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    YesNo,
    Integer,
    Number,
    Choice,
    Choices,
    Text,
}

impl QuestionType {
    pub fn name(self) -> &'static str {
        match self {
            Self::YesNo => "yesno",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Choice => "choice",
            Self::Choices => "choices",
            Self::Text => "text",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ChoiceOption {
    pub id: String,
    pub label: Text,
}

/// Rhai source text with where it stands, so errors inside it point into the file.
#[derive(Debug, Clone)]
pub struct Script {
    pub source: String,
    pub span: Span,
    pub origin: TextOrigin,
}

impl Script {
    /// The file position of a 1-based position inside the script.
    pub fn locate(&self, line: u32, column: u32) -> Span {
        let (l, c) = self.origin.locate(line, column);
        Span::new(&self.span.file, l, c)
    }
}

#[derive(Debug, Clone)]
pub struct Question {
    pub id: String,
    pub span: Span,
    pub kind: QuestionType,
    pub group: Option<(String, Span)>,
    pub text: Text,
    pub help: Option<Text>,
    pub unit: Option<Text>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub options: Vec<ChoiceOption>,
    pub ask_if: Option<Script>,
}

/// How a dimension becomes positive.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PositiveRule {
    /// ILO/EC 2009: 2 strong; 1 strong + 1 medium or weak; 3 medium; 2 medium + 1 weak.
    Ilo,
    AtLeast(u32),
    ScoreAtLeast(f64),
}

#[derive(Debug, Clone)]
pub struct Dimension {
    pub id: String,
    pub span: Span,
    pub label: Text,
    pub description: Option<Text>,
    pub positive: PositiveRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    Weak,
    Medium,
    Strong,
}

impl Strength {
    /// The weight a strength counts for in scores.
    pub fn weight(self) -> f64 {
        match self {
            Self::Strong => 3.0,
            Self::Medium => 2.0,
            Self::Weak => 1.0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub id: String,
    pub span: Span,
    pub dimension: (String, Span),
    pub strength: Option<Strength>,
    pub weight: Option<f64>,
    pub label: Text,
    pub when: Script,
    pub reads: Option<Vec<(String, Span)>>,
    pub tags: Vec<String>,
    pub source: Option<Provenance>,
}

#[derive(Debug, Clone)]
pub struct DecisionRule {
    pub id: String,
    pub span: Span,
    pub outcome: (String, Span),
    pub when: Option<Script>,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: String,
    pub span: Span,
    pub label: Text,
    pub advice: Text,
    pub htcds: Option<String>,
    /// The position of each language's label and advice, for the wording lint.
    pub label_span: Span,
    pub advice_span: Span,
}

/// Sandbox limits a rule set may set for itself, within the engine's hard caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Limits {
    pub operations: u64,
    pub call_depth: usize,
    pub expression_depth: usize,
    pub string_size: usize,
    pub array_size: usize,
    pub map_size: usize,
}

impl Limits {
    /// The defaults: ample for indicator conditions, small enough that a runaway script ends
    /// within milliseconds.
    pub const DEFAULT: Self = Self {
        operations: 100_000,
        call_depth: 32,
        expression_depth: 64,
        string_size: 64 * 1024,
        array_size: 10_000,
        map_size: 10_000,
    };
    /// What no rule set may exceed. Operations: a step of Rhai costs up to about 0.3 µs in a
    /// release build, so a condition at the cap stops within a few tenths of a second.
    pub const CAP: Self = Self {
        operations: 1_000_000,
        call_depth: 64,
        expression_depth: 128,
        string_size: 1024 * 1024,
        array_size: 100_000,
        map_size: 100_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A whole manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    pub file: String,
    pub id: String,
    pub version: String,
    pub status: Status,
    /// Where `status` is written, for diagnostics about a status a set has not earned.
    pub status_span: Span,
    pub title: Text,
    pub description: Text,
    pub licence: String,
    pub languages: Vec<String>,
    pub sources: Vec<Source>,
    pub groups: Vec<Group>,
    pub questions: Vec<Question>,
    pub dimensions: Vec<Dimension>,
    pub indicators: Vec<Indicator>,
    pub decision: Vec<DecisionRule>,
    pub outcomes: Vec<Outcome>,
    pub limits: Limits,
    /// Ids of items that failed to read: references to them are not reported again.
    pub broken: std::collections::BTreeSet<String>,
}

/// Reads a manifest from its YAML tree; `source` is the file text (for script positions).
pub fn read(file: &str, source: &str, root: &Node, out: &mut Vec<Diagnostic>) -> Option<Manifest> {
    let mut cx = Reader {
        source,
        out,
        broken: std::collections::BTreeSet::new(),
    };
    let top = cx.object(
        root,
        "the rule set",
        &[
            "format",
            "id",
            "version",
            "status",
            "title",
            "description",
            "licence",
            "languages",
            "sources",
            "groups",
            "questions",
            "dimensions",
            "indicators",
            "decision",
            "outcomes",
            "limits",
        ],
    )?;
    let errors_before = cx.out.len();

    match top.get("format") {
        None => cx.missing(&top, "format", "format: 1"),
        Some(n) => match cx.int(n, "`format`") {
            Some(FORMAT_VERSION) | None => {}
            Some(v) => cx.error(
                "load::format-version",
                n,
                format!("rule-set format `{v}` is not supported"),
                Some(format!("this engine reads format {FORMAT_VERSION}")),
            ),
        },
    }
    let id = top
        .req(&mut cx, "id")
        .and_then(|n| cx.kebab_id(n))
        .unwrap_or_default();
    let version = match top.req(&mut cx, "version") {
        Some(n) => match n.as_str() {
            Some(v) if semver::Version::parse(v).is_ok() => v.to_owned(),
            _ => {
                cx.error(
                    "load::version",
                    n,
                    "`version` must be a semantic version such as `1.0.0`",
                    Some("write three numbers, e.g. `1.0.0` (YAML reads `1.0` as a number)".into()),
                );
                String::new()
            }
        },
        None => String::new(),
    };
    let status_span = top
        .get("status")
        .map_or_else(|| root.span.clone(), |n| n.span.clone());
    let status = match top.req(&mut cx, "status") {
        Some(n) => match n.as_str() {
            Some("verified") => Status::Verified,
            Some("reviewed") => Status::Reviewed,
            Some("draft") => Status::Draft,
            other => {
                let help = other
                    .and_then(|o| did_you_mean(o, Status::NAMES))
                    .unwrap_or_else(|| "statuses, lowest first: draft, reviewed, verified".into());
                cx.error(
                    "load::status",
                    n,
                    "`status` must be `draft`, `reviewed` or `verified`",
                    Some(help),
                );
                Status::Draft
            }
        },
        None => Status::Draft,
    };
    let title = top
        .req(&mut cx, "title")
        .and_then(|n| cx.text(n))
        .unwrap_or_default();
    let description = top
        .get("description")
        .and_then(|n| cx.text(n))
        .unwrap_or_default();
    let licence = top
        .req(&mut cx, "licence")
        .and_then(|n| cx.string(n, "`licence`"))
        .unwrap_or_default();
    let languages = match top.req(&mut cx, "languages") {
        Some(n) => cx.list(n, "`languages`", |cx, item| cx.language(item)),
        None => Vec::new(),
    };
    let sources = top
        .get("sources")
        .map(|n| cx.list(n, "`sources`", Reader::source_entry))
        .unwrap_or_default();
    let groups = top
        .get("groups")
        .map(|n| cx.list(n, "`groups`", Reader::group))
        .unwrap_or_default();
    let questions = match top.req(&mut cx, "questions") {
        Some(n) => cx.list(n, "`questions`", Reader::question),
        None => Vec::new(),
    };
    let dimensions = match top.req(&mut cx, "dimensions") {
        Some(n) => cx.list(n, "`dimensions`", Reader::dimension),
        None => Vec::new(),
    };
    let indicators = match top.req(&mut cx, "indicators") {
        Some(n) => cx.list(n, "`indicators`", Reader::indicator),
        None => Vec::new(),
    };
    let decision = match top.req(&mut cx, "decision") {
        Some(n) => cx.list(n, "`decision`", Reader::decision_rule),
        None => Vec::new(),
    };
    let outcomes = match top.req(&mut cx, "outcomes") {
        Some(n) => cx.list(n, "`outcomes`", Reader::outcome),
        None => Vec::new(),
    };
    let limits = top.get("limits").map(|n| cx.limits(n)).unwrap_or_default();

    let manifest = Manifest {
        file: file.to_owned(),
        id,
        version,
        status,
        status_span,
        title,
        description,
        licence,
        languages,
        sources,
        groups,
        questions,
        dimensions,
        indicators,
        decision,
        outcomes,
        limits,
        broken: cx.broken,
    };
    // Returned even with errors, so later stages report their problems too; items that
    // failed to read are left out and their ids kept in `broken` to avoid follow-on errors.
    let _ = errors_before;
    Some(manifest)
}

/// A mapping being read: its entries, to look keys up.
struct Object<'a> {
    node: &'a Node,
    entries: &'a [(Node, Node)],
    /// Keys that an unknown key in this mapping was probably meant to be (already reported).
    misspelt: Vec<&'static str>,
}

impl<'a> Object<'a> {
    fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
            .map(|(_, v)| v)
    }

    fn req(&self, cx: &mut Reader<'_>, key: &str) -> Option<&'a Node> {
        let found = self.get(key);
        if found.is_none() {
            cx.missing(self, key, "");
        }
        found
    }
}

struct Reader<'s> {
    source: &'s str,
    out: &'s mut Vec<Diagnostic>,
    broken: std::collections::BTreeSet<String>,
}

impl Reader<'_> {
    fn error(
        &mut self,
        code: &'static str,
        node: &Node,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::error(code, node.span.clone(), message);
        d.help = help;
        self.out.push(d);
    }

    fn missing(&mut self, obj: &Object<'_>, key: &str, example: &str) {
        if obj.misspelt.contains(&key) {
            return; // the misspelt key was reported, with this one as its suggestion
        }
        let mut d = Diagnostic::error(
            "load::missing-key",
            obj.node.span.clone(),
            format!("missing required key `{key}`"),
        );
        if !example.is_empty() {
            d = d.with_help(format!("add `{example}`"));
        }
        self.out.push(d);
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        self.error(
            "load::wrong-type",
            node,
            format!("{what} must be {expected}, found {}", node.describe()),
            None,
        );
    }

    fn object<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        known: &[&'static str],
    ) -> Option<Object<'n>> {
        let Some(entries) = node.as_map() else {
            self.wrong_type(node, what, "a mapping");
            return None;
        };
        let mut misspelt = Vec::new();
        for (key, _) in entries {
            if let Some(k) = key.as_str().filter(|k| !known.contains(k))
                && let Some(meant) = crate::diagnostic::suggest(k, known.iter().copied())
            {
                misspelt.push(meant);
            }
            match key.as_str() {
                Some(k) if known.contains(&k) => {}
                Some(k) => {
                    let mut d = Diagnostic::error(
                        "load::unknown-key",
                        key.span.clone(),
                        format!("unknown key `{k}` in {what}"),
                    );
                    d.help = Some(
                        did_you_mean(k, known.iter().copied())
                            .unwrap_or_else(|| format!("known keys: {}", known.join(", "))),
                    );
                    self.out.push(d);
                }
                None => self.wrong_type(key, "a key", "text"),
            }
        }
        Some(Object {
            node,
            entries,
            misspelt,
        })
    }

    fn list<T>(
        &mut self,
        node: &Node,
        what: &str,
        mut item: impl FnMut(&mut Self, &Node) -> Option<T>,
    ) -> Vec<T> {
        match node.as_seq() {
            Some(items) => items
                .iter()
                .filter_map(|n| {
                    let read = item(self, n);
                    if read.is_none() {
                        let id = n.as_map().and_then(|e| {
                            e.iter()
                                .find(|(k, _)| k.as_str() == Some("id"))
                                .and_then(|(_, v)| v.as_str())
                        });
                        if let Some(id) = id {
                            self.broken.insert(id.to_owned());
                        }
                    }
                    read
                })
                .collect(),
            None => {
                self.wrong_type(node, what, "a list");
                Vec::new()
            }
        }
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_scalar() {
            Some(s) if node.as_str().is_some() || !s.text.is_empty() => Some(s.text.clone()),
            _ => {
                self.wrong_type(node, what, "text");
                None
            }
        }
    }

    fn int(&mut self, node: &Node, what: &str) -> Option<i64> {
        match node.as_scalar().map(|s| s.plain_value()) {
            Some(PlainValue::Int(i)) => Some(i),
            _ => {
                self.wrong_type(node, what, "a whole number");
                None
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str) -> Option<f64> {
        match node.as_scalar().map(|s| s.plain_value()) {
            Some(PlainValue::Int(i)) => Some(i as f64),
            Some(PlainValue::Float(f)) if f.is_finite() => Some(f),
            _ => {
                self.wrong_type(node, what, "a number");
                None
            }
        }
    }

    /// A snake_case id (questions, indicators, dimensions, options, outcomes, groups).
    fn id(&mut self, node: &Node) -> Option<String> {
        let text = node.as_scalar().map(|s| s.text.as_str());
        match text {
            Some(t) if is_snake_id(t) => Some(t.to_owned()),
            _ => {
                let shown = text.unwrap_or_default();
                let fixed = shown.to_lowercase().replace(['-', ' ', '.'], "_");
                self.error(
                    "load::invalid-id",
                    node,
                    format!("`{shown}` is not a valid id"),
                    Some(format!(
                        "ids are lowercase letters, digits and `_`, starting with a letter (so conditions can read `obs.<id>`){}",
                        if is_snake_id(&fixed) { format!(": try `{fixed}`") } else { String::new() }
                    )),
                );
                None
            }
        }
    }

    /// A kebab-case id (the rule set, decision rules).
    fn kebab_id(&mut self, node: &Node) -> Option<String> {
        let text = node.as_scalar().map(|s| s.text.as_str());
        match text {
            Some(t) if is_kebab_id(t) => Some(t.to_owned()),
            _ => {
                self.error(
                    "load::invalid-id",
                    node,
                    format!("`{}` is not a valid id", text.unwrap_or_default()),
                    Some("use lowercase letters, digits and `-`, starting with a letter".into()),
                );
                None
            }
        }
    }

    fn language(&mut self, node: &Node) -> Option<String> {
        match node.as_str() {
            Some(l) if is_language(l) => Some(l.to_owned()),
            _ => {
                self.error(
                    "load::invalid-language",
                    node,
                    format!(
                        "`{}` is not a language code",
                        node.as_scalar().map_or("", |s| &s.text)
                    ),
                    Some("use a two-letter ISO 639-1 code such as `nl` or `en`".into()),
                );
                None
            }
        }
    }

    /// A language map: `{en: "...", nl: "..."}`.
    fn text(&mut self, node: &Node) -> Option<Text> {
        let Some(entries) = node.as_map() else {
            self.error(
                "load::wrong-type",
                node,
                format!(
                    "text must be a mapping of language to text, found {}",
                    node.describe()
                ),
                Some("write `{en: \"...\", nl: \"...\"}`".into()),
            );
            return None;
        };
        let mut text = BTreeMap::new();
        for (k, v) in entries {
            let Some(lang) = self.language(k) else {
                continue;
            };
            if let Some(s) = self.string(v, "a translation") {
                text.insert(lang, s);
            }
        }
        Some(Text(text))
    }

    fn script(&mut self, node: &Node, what: &str) -> Option<Script> {
        let s = node.as_scalar().filter(|s| !s.text.trim().is_empty());
        match s {
            Some(s) => Some(Script {
                source: s.text.clone(),
                span: node.span.clone(),
                origin: node.text_origin(self.source),
            }),
            None => {
                self.wrong_type(node, what, "a Rhai condition (text)");
                None
            }
        }
    }

    fn reference(&mut self, node: &Node) -> Option<(String, Span)> {
        self.id(node).map(|id| (id, node.span.clone()))
    }

    fn source_entry(&mut self, node: &Node) -> Option<Source> {
        let o = self.object(node, "a source", &["id", "citation", "url"])?;
        let id = o.req(self, "id").and_then(|n| self.kebab_or_snake(n));
        let citation = o
            .req(self, "citation")
            .and_then(|n| self.string(n, "`citation`"));
        let url = o.get("url").and_then(|n| self.string(n, "`url`"));
        Some(Source {
            id: id?,
            citation: citation?,
            url,
        })
    }

    fn kebab_or_snake(&mut self, node: &Node) -> Option<String> {
        match node.as_str() {
            Some(t) if is_kebab_id(t) || is_snake_id(t) => Some(t.to_owned()),
            _ => self.kebab_id(node),
        }
    }

    fn group(&mut self, node: &Node) -> Option<Group> {
        let o = self.object(node, "a group", &["id", "title"])?;
        let id = o.req(self, "id").and_then(|n| self.id(n));
        let title = o.req(self, "title").and_then(|n| self.text(n));
        Some(Group {
            id: id?,
            title: title?,
            span: node.span.clone(),
        })
    }

    fn question(&mut self, node: &Node) -> Option<Question> {
        let o = self.object(
            node,
            "a question",
            &[
                "id", "type", "group", "text", "help", "unit", "min", "max", "options", "ask_if",
            ],
        )?;
        let id = o.req(self, "id").and_then(|n| self.id(n));
        let kind = o.req(self, "type").and_then(|n| {
            let kind = match n.as_str() {
                Some("yesno") => QuestionType::YesNo,
                Some("integer") => QuestionType::Integer,
                Some("number") => QuestionType::Number,
                Some("choice") => QuestionType::Choice,
                Some("choices") => QuestionType::Choices,
                Some("text") => QuestionType::Text,
                other => {
                    let names = ["yesno", "integer", "number", "choice", "choices", "text"];
                    let help = other
                        .and_then(|o| did_you_mean(o, names))
                        .unwrap_or_else(|| format!("use one of: {}", names.join(", ")));
                    self.error(
                        "load::question-type",
                        n,
                        format!("unknown question type `{}`", other.unwrap_or_default()),
                        Some(help),
                    );
                    return None;
                }
            };
            Some(kind)
        });
        let group = o.get("group").and_then(|n| self.reference(n));
        let text = o.req(self, "text").and_then(|n| self.text(n));
        let help = o.get("help").and_then(|n| self.text(n));
        let unit = o.get("unit").and_then(|n| self.text(n));
        let min = o.get("min").and_then(|n| self.number(n, "`min`"));
        let max = o.get("max").and_then(|n| self.number(n, "`max`"));
        let options = o
            .get("options")
            .map(|n| self.list(n, "`options`", Reader::option))
            .unwrap_or_default();
        let ask_if = o.get("ask_if").and_then(|n| self.script(n, "`ask_if`"));
        let kind = kind?;
        let numeric = matches!(kind, QuestionType::Integer | QuestionType::Number);
        for key in ["unit", "min", "max"] {
            if let (Some(n), false) = (o.get(key), numeric) {
                self.error(
                    "load::not-applicable",
                    n,
                    format!(
                        "`{key}` applies to integer and number questions, not `{}`",
                        kind.name()
                    ),
                    None,
                );
            }
        }
        let has_options = matches!(kind, QuestionType::Choice | QuestionType::Choices);
        match (o.get("options"), has_options) {
            (Some(n), false) => self.error(
                "load::not-applicable",
                n,
                format!(
                    "`options` applies to choice and choices questions, not `{}`",
                    kind.name()
                ),
                None,
            ),
            (None, true) => self.missing(
                &o,
                "options",
                "options: [{id: ..., label: {en: ..., nl: ...}}]",
            ),
            _ => {}
        }
        if let (Some(lo), Some(hi), Some(n)) = (min, max, o.get("max"))
            && lo > hi
        {
            self.error(
                "load::bounds",
                n,
                format!("`max` ({hi}) is below `min` ({lo})"),
                None,
            );
        }
        Some(Question {
            id: id?,
            span: node.span.clone(),
            kind,
            group,
            text: text?,
            help,
            unit,
            min,
            max,
            options,
            ask_if,
        })
    }

    fn option(&mut self, node: &Node) -> Option<ChoiceOption> {
        let o = self.object(node, "an option", &["id", "label"])?;
        let id = o.req(self, "id").and_then(|n| self.id(n));
        let label = o.req(self, "label").and_then(|n| self.text(n));
        Some(ChoiceOption {
            id: id?,
            label: label?,
        })
    }

    fn dimension(&mut self, node: &Node) -> Option<Dimension> {
        let o = self.object(
            node,
            "a dimension",
            &["id", "label", "description", "positive"],
        )?;
        let id = o.req(self, "id").and_then(|n| self.id(n));
        let label = o.req(self, "label").and_then(|n| self.text(n));
        let description = o.get("description").and_then(|n| self.text(n));
        let positive = match o.get("positive") {
            None => Some(PositiveRule::Ilo),
            Some(n) => self.positive_rule(n),
        };
        Some(Dimension {
            id: id?,
            span: node.span.clone(),
            label: label?,
            description,
            positive: positive?,
        })
    }

    fn positive_rule(&mut self, node: &Node) -> Option<PositiveRule> {
        if node.as_str() == Some("ilo") {
            return Some(PositiveRule::Ilo);
        }
        let help = "write `ilo`, `{at_least: 2}` or `{score_at_least: 3.5}`".to_owned();
        let Some(entries) = node.as_map().filter(|e| e.len() == 1) else {
            self.error(
                "load::positive-rule",
                node,
                "unknown dimension rule",
                Some(help),
            );
            return None;
        };
        let (key, value) = &entries[0];
        match key.as_str() {
            Some("at_least") => {
                let k = self.int(value, "`at_least`")?;
                match u32::try_from(k) {
                    Ok(k) if k >= 1 => Some(PositiveRule::AtLeast(k)),
                    _ => {
                        self.error(
                            "load::positive-rule",
                            value,
                            "`at_least` must be 1 or more",
                            None,
                        );
                        None
                    }
                }
            }
            Some("score_at_least") => self
                .number(value, "`score_at_least`")
                .map(PositiveRule::ScoreAtLeast),
            _ => {
                self.error(
                    "load::positive-rule",
                    key,
                    "unknown dimension rule",
                    Some(help),
                );
                None
            }
        }
    }

    fn indicator(&mut self, node: &Node) -> Option<Indicator> {
        let o = self.object(
            node,
            "an indicator",
            &[
                "id",
                "dimension",
                "strength",
                "weight",
                "label",
                "when",
                "reads",
                "tags",
                "source",
            ],
        )?;
        let id = o.req(self, "id").and_then(|n| self.id(n));
        let dimension = o.req(self, "dimension").and_then(|n| self.reference(n));
        let strength = o.get("strength").and_then(|n| match n.as_str() {
            Some("strong") => Some(Strength::Strong),
            Some("medium") => Some(Strength::Medium),
            Some("weak") => Some(Strength::Weak),
            other => {
                let help = other
                    .and_then(|o| did_you_mean(o, ["strong", "medium", "weak"]))
                    .unwrap_or_else(|| "use `strong`, `medium` or `weak`".into());
                self.error(
                    "load::strength",
                    n,
                    format!(
                        "unknown strength `{}`",
                        n.as_scalar().map_or("", |s| &s.text)
                    ),
                    Some(help),
                );
                None
            }
        });
        let strength_invalid = o.get("strength").is_some() && strength.is_none();
        let weight = o.get("weight").and_then(|n| self.number(n, "`weight`"));
        let no_strength = o.get("strength").is_none() && o.get("weight").is_none();
        if no_strength
            && !o
                .misspelt
                .iter()
                .any(|k| *k == "strength" || *k == "weight")
        {
            self.error(
                "load::missing-strength",
                node,
                "an indicator needs a `strength` (strong, medium, weak) or a numeric `weight`",
                None,
            );
        }
        let label = o.req(self, "label").and_then(|n| self.text(n));
        let when = o.req(self, "when").and_then(|n| self.script(n, "`when`"));
        let reads = o
            .get("reads")
            .map(|n| self.list(n, "`reads`", Reader::reference));
        let tags = o
            .get("tags")
            .map(|n| self.list(n, "`tags`", |cx, t| cx.string(t, "a tag")))
            .unwrap_or_default();
        let source = o.get("source").and_then(|n| self.provenance(n));
        if strength_invalid || no_strength {
            return None;
        }
        Some(Indicator {
            id: id?,
            span: node.span.clone(),
            dimension: dimension?,
            strength,
            weight,
            label: label?,
            when: when?,
            reads,
            tags,
            source,
        })
    }

    /// An indicator's `source: {id, location, basis, note}`.
    fn provenance(&mut self, node: &Node) -> Option<Provenance> {
        const FORM: &str = "write `source: {id: <a source under `sources`>, location: \"p. 3, table 1, item 4\", basis: transcribed | secondary | interpretation}`";
        if node.as_scalar().is_some() {
            self.error(
                "load::source-text",
                node,
                "an indicator's `source` must be structured: the id of a declared source, where in it, and how the indicator was taken from it",
                Some(format!("{FORM}; keep any other remark under `note`")),
            );
            return None;
        }
        let o = self.object(node, "`source`", &["id", "location", "basis", "note"])?;
        let id = o
            .req(self, "id")
            .and_then(|n| self.kebab_or_snake(n).map(|id| (id, n.span.clone())));
        let location = o.get("location").and_then(|n| self.string(n, "`location`"));
        let basis = o.req(self, "basis").and_then(|n| match n.as_str() {
            Some("transcribed") => Some(Basis::Transcribed),
            Some("secondary") => Some(Basis::Secondary),
            Some("interpretation") => Some(Basis::Interpretation),
            other => {
                let help = other
                    .and_then(|o| did_you_mean(o, Basis::NAMES))
                    .unwrap_or_else(|| format!("use one of: {}", Basis::NAMES.join(", ")));
                self.error(
                    "load::source-basis",
                    n,
                    format!("unknown basis `{}`", n.as_scalar().map_or("", |s| &s.text)),
                    Some(help),
                );
                None
            }
        });
        let note = o.get("note").and_then(|n| self.string(n, "`note`"));
        let (source, id_span) = id?;
        Some(Provenance {
            source,
            location: location.filter(|l| !l.trim().is_empty()),
            basis: basis?,
            note,
            span: node.span.clone(),
            id_span,
        })
    }

    fn decision_rule(&mut self, node: &Node) -> Option<DecisionRule> {
        let o = self.object(node, "a decision rule", &["id", "outcome", "when"])?;
        let id = o.req(self, "id").and_then(|n| self.kebab_or_snake(n));
        let outcome = o.req(self, "outcome").and_then(|n| self.reference(n));
        let when = o.get("when").and_then(|n| self.script(n, "`when`"));
        Some(DecisionRule {
            id: id?,
            span: node.span.clone(),
            outcome: outcome?,
            when,
        })
    }

    fn outcome(&mut self, node: &Node) -> Option<Outcome> {
        let o = self.object(node, "an outcome", &["id", "label", "advice", "htcds"])?;
        let id = o.req(self, "id").and_then(|n| self.id(n));
        let label_node = o.req(self, "label");
        let label = label_node.and_then(|n| self.text(n));
        let advice_node = o.req(self, "advice");
        let advice = advice_node.and_then(|n| self.text(n));
        let htcds = o.get("htcds").and_then(|n| {
            let s = self.string(n, "`htcds`")?;
            // `ActualVictimOfTrafficking` exists in HTCDS but is refused below: no screening
            // outcome may claim it.
            const STATUSES: [&str; 2] = ["PossibleVictimOfTrafficking", "NotAVictimOfTrafficking"];
            if s == "ActualVictimOfTrafficking" {
                self.error(
                    "load::confirmed-victim-status",
                    n,
                    "an outcome cannot be the HTCDS status of a confirmed victim",
                    Some("a screening gives a signal, never an identification: use `PossibleVictimOfTrafficking`".into()),
                );
                None
            } else if STATUSES.contains(&s.as_str()) {
                Some(s)
            } else {
                let help = did_you_mean(&s, STATUSES)
                    .unwrap_or_else(|| format!("use one of: {}", STATUSES.join(", ")));
                self.error(
                    "load::htcds-status",
                    n,
                    format!("unknown HTCDS trafficking status `{s}`"),
                    Some(help),
                );
                None
            }
        });
        Some(Outcome {
            id: id?,
            span: node.span.clone(),
            label: label?,
            advice: advice?,
            htcds,
            label_span: label_node.map_or_else(|| node.span.clone(), |n| n.span.clone()),
            advice_span: advice_node.map_or_else(|| node.span.clone(), |n| n.span.clone()),
        })
    }

    fn limits(&mut self, node: &Node) -> Limits {
        let mut limits = Limits::DEFAULT;
        let Some(o) = self.object(
            node,
            "`limits`",
            &[
                "operations",
                "call_depth",
                "expression_depth",
                "string_size",
                "array_size",
                "map_size",
            ],
        ) else {
            return limits;
        };
        let cap = Limits::CAP;
        let read = |cx: &mut Self, key: &str, cap: u64| -> Option<u64> {
            let n = o.get(key)?;
            let v = cx.int(n, &format!("`{key}`"))?;
            match u64::try_from(v) {
                Ok(v) if v >= 1 && v <= cap => Some(v),
                _ => {
                    cx.error(
                        "load::limit",
                        n,
                        format!("`{key}` must be between 1 and {cap}"),
                        Some(
                            "the engine's hard caps keep a rule set from exhausting the host"
                                .into(),
                        ),
                    );
                    None
                }
            }
        };
        if let Some(v) = read(self, "operations", cap.operations) {
            limits.operations = v;
        }
        let sizes: [(&str, &mut usize, usize); 5] = [
            ("call_depth", &mut limits.call_depth, cap.call_depth),
            (
                "expression_depth",
                &mut limits.expression_depth,
                cap.expression_depth,
            ),
            ("string_size", &mut limits.string_size, cap.string_size),
            ("array_size", &mut limits.array_size, cap.array_size),
            ("map_size", &mut limits.map_size, cap.map_size),
        ];
        for (key, slot, cap) in sizes {
            if let Some(v) = read(self, key, cap as u64) {
                *slot = v as usize;
            }
        }
        limits
    }
}

pub fn is_snake_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

pub fn is_kebab_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_language(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_lowercase())
}
