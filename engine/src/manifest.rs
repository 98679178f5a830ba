//! The rule-set manifest (`ruleset.yaml`) as typed data, read from the positioned YAML tree
//! with every problem collected.

use std::collections::BTreeMap;

#[cfg(feature = "rhai")]
use crate::codes::{self, Code};
use crate::diagnostic::Span;
#[cfg(feature = "scripts")]
use crate::diagnostic::TextOrigin;
#[cfg(feature = "rhai")]
use crate::diagnostic::{Diagnostic, did_you_mean};
#[cfg(feature = "rhai")]
use crate::yaml::{Node, PlainValue};

#[cfg(feature = "rhai")]
/// The manifest format version this engine reads.
pub(crate) const FORMAT_VERSION: i64 = 1;

/// Text in several languages, by language code. In JSON an object `{"en": …, "nl": …}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Text(pub(crate) BTreeMap<String, String>);

impl Text {
    /// The texts by language, in language-code order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(l, t)| (l.as_str(), t.as_str()))
    }

    /// Whether it has a text in `lang`.
    pub fn has(&self, lang: &str) -> bool {
        self.0.contains_key(lang)
    }

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
    /// Not (yet) checked against its sources.
    Draft,
    /// Every indicator names its source.
    Reviewed,
    /// Every indicator transcribed from the primary text, with its location.
    Verified,
}

impl Status {
    /// Every status's name, lowest first.
    pub const NAMES: [&'static str; 3] = ["draft", "reviewed", "verified"];

    /// Its name, as rule sets and reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Reviewed => "reviewed",
            Self::Verified => "verified",
        }
    }
}

/// Who a rule set is written for. A set for adults or for children asks `under_18`, and a case
/// whose answer puts the person outside the population gets `case::population-mismatch` in its
/// report.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Population {
    /// People of 18 and older.
    Adult,
    /// People under 18.
    Child,
    /// Anyone: the set's rules hold whatever the person's age.
    Any,
}

impl Population {
    /// Every population's name.
    pub const NAMES: [&'static str; 3] = ["adult", "child", "any"];

    /// Its name, as rule sets and reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Adult => "adult",
            Self::Child => "child",
            Self::Any => "any",
        }
    }

    /// Who it is, in Dutch (`nl`) or English (any other language).
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang == "nl") {
            (Self::Adult, true) => "volwassenen (18 jaar en ouder)",
            (Self::Adult, false) => "adults (18 and older)",
            (Self::Child, true) => "kinderen (jonger dan 18)",
            (Self::Child, false) => "children (under 18)",
            (Self::Any, true) => "iedereen, elke leeftijd",
            (Self::Any, false) => "anyone, any age",
        }
    }

    /// Whether a person whose `under_18` answer is `under_18` belongs to it.
    pub fn includes(self, under_18: bool) -> bool {
        match self {
            Self::Adult => !under_18,
            Self::Child => under_18,
            Self::Any => true,
        }
    }
}

/// A form of exploitation a rule set screens for: those of the Palermo Protocol, EU Directive
/// 2011/36/EU as amended by 2024/1712, and article 273f of the Dutch Criminal Code.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ExploitationForm {
    /// Sexual exploitation, including exploitation in prostitution.
    Sexual,
    /// Forced labour or services, slavery, servitude (including domestic work).
    Labour,
    /// Forced begging.
    Begging,
    /// Exploitation of criminal activities.
    Criminal,
    /// Removal of organs.
    OrganRemoval,
    /// Forced marriage.
    ForcedMarriage,
    /// Illegal adoption.
    IllegalAdoption,
    /// Exploitation of surrogacy.
    Surrogacy,
}

impl ExploitationForm {
    /// Every form, in documentation order.
    pub const ALL: [Self; 8] = [
        Self::Sexual,
        Self::Labour,
        Self::Begging,
        Self::Criminal,
        Self::OrganRemoval,
        Self::ForcedMarriage,
        Self::IllegalAdoption,
        Self::Surrogacy,
    ];

    /// Its name, as rule sets and reports write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sexual => "sexual",
            Self::Labour => "labour",
            Self::Begging => "begging",
            Self::Criminal => "criminal",
            Self::OrganRemoval => "organ_removal",
            Self::ForcedMarriage => "forced_marriage",
            Self::IllegalAdoption => "illegal_adoption",
            Self::Surrogacy => "surrogacy",
        }
    }

    /// What it is called, in Dutch (`nl`) or English (any other language).
    pub fn label(self, lang: &str) -> &'static str {
        let nl = lang == "nl";
        match self {
            Self::Sexual if nl => "seksuele uitbuiting",
            Self::Sexual => "sexual exploitation",
            Self::Labour if nl => "arbeidsuitbuiting",
            Self::Labour => "labour exploitation",
            Self::Begging if nl => "gedwongen bedelarij",
            Self::Begging => "forced begging",
            Self::Criminal if nl => "criminele uitbuiting",
            Self::Criminal => "criminal exploitation",
            Self::OrganRemoval if nl => "orgaanverwijdering",
            Self::OrganRemoval => "removal of organs",
            Self::ForcedMarriage if nl => "gedwongen huwelijk",
            Self::ForcedMarriage => "forced marriage",
            Self::IllegalAdoption if nl => "illegale adoptie",
            Self::IllegalAdoption => "illegal adoption",
            Self::Surrogacy if nl => "uitbuiting van draagmoederschap",
            Self::Surrogacy => "exploitation of surrogacy",
        }
    }

    fn find(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Who a question is for: put to the person, or answered by the interviewer alone (an
/// observation or assessment that is never read out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// Asked of the person (the default).
    #[default]
    Person,
    /// Answered by the interviewer alone; forms keep it apart from the questions put to the
    /// person.
    Interviewer,
}

impl Audience {
    /// Its name, as rule sets and forms write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Interviewer => "interviewer",
        }
    }
}

/// One point of a rule set's guidance on holding the conversation safely (speak with the
/// person alone, an independent interpreter, …), shown before the first question.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct GuidanceItem {
    pub(crate) id: String,
    pub(crate) text: Text,
    pub(crate) span: Span,
}

impl GuidanceItem {
    /// Its id (`alone`, `interpreter`, …).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The advice, per language.
    pub fn text(&self) -> &Text {
        &self.text
    }
}

/// Whether a translation has been checked by a professional translator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranslationStatus {
    /// Machine or non-professional translation: tools and forms say so.
    Unverified,
    /// Checked by a professional translator.
    Verified,
}

/// Which texts a translation covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranslationScope {
    /// Every text of the set.
    All,
    /// What the person reads: the text, options and unit of every question put to the person.
    /// Forms offer it as the person's language beside the interviewer's.
    Questions,
}

/// How one of a set's languages came to be: `translations: {pl: {status, covers, note}}`.
/// Languages without an entry are the authors' own texts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Translation {
    pub(crate) language: String,
    pub(crate) status: TranslationStatus,
    pub(crate) covers: TranslationScope,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) note: Option<String>,
    #[serde(skip)]
    pub(crate) span: Span,
}

impl Translation {
    /// The language code.
    pub fn language(&self) -> &str {
        &self.language
    }

    /// Whether a professional translator has checked it.
    pub fn status(&self) -> TranslationStatus {
        self.status
    }

    /// Which texts it covers.
    pub fn covers(&self) -> TranslationScope {
        self.covers
    }

    /// Who translated it, how, and who checked it.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// How an indicator was taken from its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    /// Every basis's name.
    pub const NAMES: [&'static str; 3] = ["transcribed", "secondary", "interpretation"];

    /// Its name, as rule sets write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Transcribed => "transcribed",
            Self::Secondary => "secondary",
            Self::Interpretation => "interpretation",
        }
    }
}

/// Where an indicator comes from: `source: {id, location, basis, note}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub(crate) source: String,
    pub(crate) location: Option<String>,
    pub(crate) basis: Basis,
    pub(crate) note: Option<String>,
    /// Where `source:` stands, for diagnostics.
    pub(crate) span: Span,
    /// Where its `id` stands.
    pub(crate) id_span: Span,
}

impl Provenance {
    /// The id of a source declared under `sources`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Page, table, item, article: where in the source.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// How the indicator was taken from the source.
    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// Anything else the author says about it (a quote, what was reworded).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// A source a rule set cites.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Source {
    pub(crate) id: String,
    pub(crate) citation: String,
    pub(crate) url: Option<String>,
}

impl Source {
    /// Its id, as indicators refer to it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The citation.
    pub fn citation(&self) -> &str {
        &self.citation
    }

    /// Where to find it.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

/// A group of questions on a form.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Group {
    pub(crate) id: String,
    pub(crate) title: Text,
    pub(crate) span: Span,
}

impl Group {
    /// Its id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its title, per language.
    pub fn title(&self) -> &Text {
        &self.title
    }
}

/// The type of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionType {
    /// Yes or no (tri-state: unknown when unanswered).
    YesNo,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// One option.
    Choice,
    /// Any number of options.
    Choices,
    /// Free text.
    Text,
}

impl QuestionType {
    /// Its name, as rule sets write it.
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

    /// Its name after "a" or "an", for messages ("an integer question").
    pub fn with_article(self) -> &'static str {
        match self {
            Self::YesNo => "a yesno",
            Self::Integer => "an integer",
            Self::Number => "a number",
            Self::Choice => "a choice",
            Self::Choices => "a choices",
            Self::Text => "a text",
        }
    }
}

/// An option of a `choice` or `choices` question.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ChoiceOption {
    pub(crate) id: String,
    pub(crate) label: Text,
}

impl ChoiceOption {
    /// Its id: the answer a case gives.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its label, per language.
    pub fn label(&self) -> &Text {
        &self.label
    }
}

/// Rhai source text with where it stands, so errors inside it point into the file.
#[cfg(feature = "scripts")]
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Script {
    pub source: String,
    pub span: Span,
    pub origin: TextOrigin,
}

#[cfg(feature = "scripts")]
impl Script {
    /// The file position of a Rhai position inside the script (the script's start when Rhai
    /// gives none): the one conversion from Rhai's positions to places in rule-set files.
    pub(crate) fn span_at(&self, pos: rhai::Position) -> Span {
        match pos.line() {
            Some(line) => {
                let column = pos.position().unwrap_or(1);
                let (l, c) = self.origin.locate(line as u32, column as u32);
                Span::new(&self.span.file, l, c)
            }
            None => self.span.clone(),
        }
    }
}

#[cfg(feature = "rhai")]
#[derive(Debug, Clone)]
pub(crate) struct QuestionDecl {
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
    pub audience: Audience,
}

/// How a dimension becomes positive.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositiveRule {
    /// ILO/EC 2009: 2 strong; 1 strong + 1 medium or weak; 3 medium; 2 medium + 1 weak.
    Ilo,
    /// At least this many of its indicators present.
    AtLeast(u32),
    /// The weights of its present indicators add up to at least this.
    ScoreAtLeast(f64),
}

#[cfg(feature = "rhai")]
#[derive(Debug, Clone)]
pub(crate) struct DimensionDecl {
    pub id: String,
    pub span: Span,
    pub label: Text,
    pub description: Option<Text>,
    pub positive: PositiveRule,
}

/// How strongly an indicator points to trafficking (the ILO/EC 2009 grading).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// Weak.
    Weak,
    /// Medium.
    Medium,
    /// Strong.
    Strong,
}

impl Strength {
    /// Its name, as rule sets and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strong => "strong",
            Self::Medium => "medium",
            Self::Weak => "weak",
        }
    }

    /// The weight a strength counts for in scores.
    pub fn weight(self) -> f64 {
        match self {
            Self::Strong => 3.0,
            Self::Medium => 2.0,
            Self::Weak => 1.0,
        }
    }
}

#[cfg(feature = "rhai")]
#[derive(Debug, Clone)]
pub(crate) struct IndicatorDecl {
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

#[cfg(feature = "rhai")]
#[derive(Debug, Clone)]
pub(crate) struct RuleDecl {
    pub id: String,
    pub span: Span,
    pub outcome: (String, Span),
    pub when: Option<Script>,
}

/// An outcome a screening can give, with its advice.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    pub(crate) id: String,
    pub(crate) span: Span,
    pub(crate) label: Text,
    pub(crate) advice: Text,
    pub(crate) htcds: Option<String>,
    /// Where its label and advice stand, for the wording lint.
    pub(crate) label_span: Span,
    pub(crate) advice_span: Span,
}

impl Outcome {
    /// Its id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where it is defined in the rule set.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// Its label, per language.
    pub fn label(&self) -> &Text {
        &self.label
    }

    /// Its advice, per language.
    pub fn advice(&self) -> &Text {
        &self.advice
    }

    /// The IOM HTCDS trafficking status it corresponds to, if any.
    pub fn htcds(&self) -> Option<&str> {
        self.htcds.as_deref()
    }
}

/// Sandbox limits a rule set may set for itself, within the engine's hard caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Rhai operations per condition.
    pub operations: u64,
    /// Nested function calls.
    pub call_depth: usize,
    /// Nested expressions.
    pub expression_depth: usize,
    /// Bytes in a string.
    pub string_size: usize,
    /// Items in an array.
    pub array_size: usize,
    /// Entries in a map.
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
#[cfg(feature = "rhai")]
#[derive(Debug, Clone)]
pub(crate) struct Manifest {
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
    pub translations: Vec<Translation>,
    /// `None` when the set does not say (a lint warns).
    pub population: Option<(Population, Span)>,
    pub forms: Vec<ExploitationForm>,
    pub guidance: Vec<GuidanceItem>,
    pub sources: Vec<Source>,
    pub groups: Vec<Group>,
    pub questions: Vec<QuestionDecl>,
    pub dimensions: Vec<DimensionDecl>,
    pub indicators: Vec<IndicatorDecl>,
    pub decision: Vec<RuleDecl>,
    pub outcomes: Vec<Outcome>,
    pub limits: Limits,
    /// Ids of items that failed to read: references to them are not reported again.
    pub broken: std::collections::BTreeSet<String>,
    /// The `when` of indicators that failed to read (a broken `strength`, a missing label):
    /// still compiled, so that their own mistakes are reported in the same run.
    pub stray_conditions: Vec<Script>,
    /// How many indicators failed to read (the decision analysis needs them all).
    pub failed_indicators: usize,
}

/// Reads a manifest from its YAML tree; `source` is the file text (for script positions).
#[cfg(feature = "rhai")]
pub(crate) fn read(
    file: &str,
    source: &str,
    root: &Node,
    out: &mut Vec<Diagnostic>,
) -> Option<Manifest> {
    let mut cx = Reader {
        source,
        out,
        broken: std::collections::BTreeSet::new(),
        stray_conditions: Vec::new(),
        failed_indicators: 0,
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
            "translations",
            "population",
            "forms",
            "guidance",
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
                codes::load::FORMAT_VERSION,
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
                    codes::load::VERSION,
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
                    codes::load::STATUS,
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
    let translations = top
        .get("translations")
        .map(|n| cx.translations(n))
        .unwrap_or_default();
    let population = top
        .get("population")
        .and_then(|n| cx.population(n).map(|p| (p, n.span.clone())));
    let forms = top
        .get("forms")
        .map(|n| cx.list(n, "`forms`", Reader::exploitation_form))
        .unwrap_or_default();
    let guidance = top
        .get("guidance")
        .map(|n| cx.list(n, "`guidance`", Reader::guidance_item))
        .unwrap_or_default();
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
        translations,
        population,
        forms,
        guidance,
        sources,
        groups,
        questions,
        dimensions,
        indicators,
        decision,
        outcomes,
        limits,
        broken: cx.broken,
        stray_conditions: cx.stray_conditions,
        failed_indicators: cx.failed_indicators,
    };
    // Returned even with errors, so later stages report their problems too; items that
    // failed to read are left out and their ids kept in `broken` to avoid follow-on errors.
    let _ = errors_before;
    Some(manifest)
}

/// A mapping being read: its entries, to look keys up.
#[cfg(feature = "rhai")]
struct Object<'a> {
    node: &'a Node,
    entries: &'a [(Node, Node)],
    /// Keys that an unknown key in this mapping was probably meant to be (already reported).
    misspelt: Vec<&'static str>,
}

#[cfg(feature = "rhai")]
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

#[cfg(feature = "rhai")]
struct Reader<'s> {
    source: &'s str,
    out: &'s mut Vec<Diagnostic>,
    broken: std::collections::BTreeSet<String>,
    stray_conditions: Vec<Script>,
    failed_indicators: usize,
}

#[cfg(feature = "rhai")]
impl Reader<'_> {
    fn error(&mut self, code: Code, node: &Node, message: impl Into<String>, help: Option<String>) {
        let mut d = Diagnostic::error(code, node.span.clone(), message);
        d.help = help;
        self.out.push(d);
    }

    fn missing(&mut self, obj: &Object<'_>, key: &str, example: &str) {
        if obj.misspelt.contains(&key) {
            return; // the misspelt key was reported, with this one as its suggestion
        }
        let mut d = Diagnostic::error(
            codes::load::MISSING_KEY,
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
            codes::load::WRONG_TYPE,
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
                        codes::load::UNKNOWN_KEY,
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
                    codes::load::INVALID_ID,
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
                    codes::load::INVALID_ID,
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
                    codes::load::INVALID_LANGUAGE,
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
                codes::load::WRONG_TYPE,
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

    fn population(&mut self, node: &Node) -> Option<Population> {
        match node.as_str() {
            Some("adult") => Some(Population::Adult),
            Some("child") => Some(Population::Child),
            Some("any") => Some(Population::Any),
            other => {
                let help = other
                    .and_then(|o| did_you_mean(o, Population::NAMES))
                    .unwrap_or_else(|| {
                        "use `adult` (18 and older), `child` (under 18) or `any`".into()
                    });
                self.error(
                    codes::load::POPULATION,
                    node,
                    format!(
                        "unknown population `{}`",
                        node.as_scalar().map_or("", |s| &s.text)
                    ),
                    Some(help),
                );
                None
            }
        }
    }

    fn exploitation_form(&mut self, node: &Node) -> Option<ExploitationForm> {
        let name = node.as_scalar().map_or("", |s| s.text.as_str());
        let found = node.as_str().and_then(ExploitationForm::find);
        if found.is_none() {
            let names = ExploitationForm::ALL.map(ExploitationForm::name);
            let help = did_you_mean(name, names)
                .unwrap_or_else(|| format!("use one of: {}", names.join(", ")));
            self.error(
                codes::load::EXPLOITATION_FORM,
                node,
                format!("unknown form of exploitation `{name}`"),
                Some(help),
            );
        }
        found
    }

    fn guidance_item(&mut self, node: &Node) -> Option<GuidanceItem> {
        let o = self.object(node, "a guidance item", &["id", "text"])?;
        let id = o.req(self, "id").and_then(|n| self.id(n));
        let text = o.req(self, "text").and_then(|n| self.text(n));
        Some(GuidanceItem {
            id: id?,
            text: text?,
            span: node.span.clone(),
        })
    }

    /// `translations: {pl: {status: unverified, covers: questions, note: ...}}`.
    fn translations(&mut self, node: &Node) -> Vec<Translation> {
        let Some(entries) = node.as_map() else {
            self.wrong_type(
                node,
                "`translations`",
                "a mapping of language to `{status, covers, note}`",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, value) in entries {
            let Some(language) = self.language(key) else {
                continue;
            };
            let Some(o) = self.object(value, "a translation", &["status", "covers", "note"]) else {
                continue;
            };
            let status = o.req(self, "status").and_then(|n| match n.as_str() {
                Some("unverified") => Some(TranslationStatus::Unverified),
                Some("verified") => Some(TranslationStatus::Verified),
                other => {
                    let names = ["unverified", "verified"];
                    let help = other
                        .and_then(|o| did_you_mean(o, names))
                        .unwrap_or_else(|| "use `unverified` (machine or non-professional translation) or `verified` (checked by a professional translator)".into());
                    self.error(
                        codes::load::TRANSLATION,
                        n,
                        format!(
                            "unknown translation status `{}`",
                            n.as_scalar().map_or("", |s| &s.text)
                        ),
                        Some(help),
                    );
                    None
                }
            });
            let covers = match o.get("covers") {
                None => Some(TranslationScope::All),
                Some(n) => match n.as_str() {
                    Some("all") => Some(TranslationScope::All),
                    Some("questions") => Some(TranslationScope::Questions),
                    other => {
                        let help = other
                            .and_then(|o| did_you_mean(o, ["all", "questions"]))
                            .unwrap_or_else(|| "use `all` (every text, the default) or `questions` (what the person reads)".into());
                        self.error(
                            codes::load::TRANSLATION,
                            n,
                            format!(
                                "unknown translation scope `{}`",
                                n.as_scalar().map_or("", |s| &s.text)
                            ),
                            Some(help),
                        );
                        None
                    }
                },
            };
            let note = o.get("note").and_then(|n| self.string(n, "`note`"));
            if let (Some(status), Some(covers)) = (status, covers) {
                out.push(Translation {
                    language,
                    status,
                    covers,
                    note,
                    span: key.span.clone(),
                });
            }
        }
        out
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

    fn question(&mut self, node: &Node) -> Option<QuestionDecl> {
        let o = self.object(
            node,
            "a question",
            &[
                "id", "type", "group", "text", "help", "unit", "min", "max", "options", "ask_if",
                "audience",
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
                        codes::load::QUESTION_TYPE,
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
        let audience = match o.get("audience") {
            None => Audience::Person,
            Some(n) => match n.as_str() {
                Some("person") => Audience::Person,
                Some("interviewer") => Audience::Interviewer,
                other => {
                    let names = ["person", "interviewer"];
                    let help = other
                        .and_then(|o| did_you_mean(o, names))
                        .unwrap_or_else(|| "use `person` (asked of the person, the default) or `interviewer` (answered by the interviewer alone)".into());
                    self.error(
                        codes::load::AUDIENCE,
                        n,
                        format!(
                            "unknown audience `{}`",
                            n.as_scalar().map_or("", |s| &s.text)
                        ),
                        Some(help),
                    );
                    Audience::Person
                }
            },
        };
        let kind = kind?;
        let numeric = matches!(kind, QuestionType::Integer | QuestionType::Number);
        for key in ["unit", "min", "max"] {
            if let (Some(n), false) = (o.get(key), numeric) {
                self.error(
                    codes::load::NOT_APPLICABLE,
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
                codes::load::NOT_APPLICABLE,
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
                codes::load::BOUNDS,
                n,
                format!("`max` ({hi}) is below `min` ({lo})"),
                None,
            );
        }
        Some(QuestionDecl {
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
            audience,
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

    fn dimension(&mut self, node: &Node) -> Option<DimensionDecl> {
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
        Some(DimensionDecl {
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
                codes::load::POSITIVE_RULE,
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
                            codes::load::POSITIVE_RULE,
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
                    codes::load::POSITIVE_RULE,
                    key,
                    "unknown dimension rule",
                    Some(help),
                );
                None
            }
        }
    }

    fn indicator(&mut self, node: &Node) -> Option<IndicatorDecl> {
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
                    codes::load::STRENGTH,
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
                codes::load::MISSING_STRENGTH,
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
        match (id, dimension, label, when) {
            (Some(id), Some(dimension), Some(label), Some(when))
                if !strength_invalid && !no_strength =>
            {
                Some(IndicatorDecl {
                    id,
                    span: node.span.clone(),
                    dimension,
                    strength,
                    weight,
                    label,
                    when,
                    reads,
                    tags,
                    source,
                })
            }
            (.., when) => {
                self.stray_conditions.extend(when);
                self.failed_indicators += 1;
                None
            }
        }
    }

    /// An indicator's `source: {id, location, basis, note}`.
    fn provenance(&mut self, node: &Node) -> Option<Provenance> {
        const FORM: &str = "write `source: {id: <a source under `sources`>, location: \"p. 3, table 1, item 4\", basis: transcribed | secondary | interpretation}`";
        if node.as_scalar().is_some() {
            self.error(
                codes::load::SOURCE_TEXT,
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
                    codes::load::SOURCE_BASIS,
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

    fn decision_rule(&mut self, node: &Node) -> Option<RuleDecl> {
        let o = self.object(node, "a decision rule", &["id", "outcome", "when"])?;
        let id = o.req(self, "id").and_then(|n| self.kebab_or_snake(n));
        let outcome = o.req(self, "outcome").and_then(|n| self.reference(n));
        let when = o.get("when").and_then(|n| self.script(n, "`when`"));
        Some(RuleDecl {
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
                    codes::load::CONFIRMED_VICTIM_STATUS,
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
                    codes::load::HTCDS_STATUS,
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
                        codes::load::LIMIT,
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

#[cfg(feature = "rhai")]
pub(crate) fn is_snake_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(feature = "rhai")]
pub(crate) fn is_kebab_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(feature = "rhai")]
fn is_language(s: &str) -> bool {
    s.len() == 2 && s.chars().all(|c| c.is_ascii_lowercase())
}
