//! The compiled model: a rule set as screening uses it, immutable once built.
//!
//! `compile` builds it; `observation`, `decide`, `evaluate`, `form` and `xpath` read it. It
//! depends on none of them. Outside the crate its parts are read through accessors only:
//! how a condition is compiled (a native tree or a Rhai script) stays inside the engine.

use std::collections::HashMap;
use std::sync::Arc;

#[cfg(feature = "scripts")]
use rhai::{AST, Engine};

use crate::cond::Cond;
use crate::diagnostic::Span;
#[cfg(feature = "scripts")]
use crate::manifest::Script;
use crate::manifest::{
    Audience, ChoiceOption, ExploitationForm, Group, GuidanceItem, Limits, Outcome, Population,
    PositiveRule, Provenance, QuestionType, Source, Status, Strength, Text, Translation,
    TranslationScope, TranslationStatus,
};
use crate::report::States;

/// An immutable, compiled rule set: shared by reference between threads and cases.
///
/// Built by [`load`](crate::load); screens cases with
/// [`evaluate`](CompiledRuleSet::evaluate) and
/// [`screen_compact`](CompiledRuleSet::screen_compact). Its serde form is the compiled form of
/// a bundle (`crate::compiled`): the parts derived from others are left out and rebuilt.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct CompiledRuleSet {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) status: Status,
    pub(crate) title: Text,
    pub(crate) description: Text,
    pub(crate) licence: String,
    pub(crate) languages: Vec<String>,
    pub(crate) translations: Vec<Translation>,
    pub(crate) population: Option<Population>,
    pub(crate) forms: Vec<ExploitationForm>,
    pub(crate) guidance: Vec<GuidanceItem>,
    /// The index of `under_18`, the question the population is checked against.
    pub(crate) age_question: Option<usize>,
    pub(crate) sources: Vec<Source>,
    pub(crate) groups: Vec<Group>,
    /// Given by the bundle (its verified content hash), not by the compiled form.
    #[serde(skip)]
    pub(crate) sha256: String,
    pub(crate) limits: Limits,
    pub(crate) questions: Vec<Question>,
    pub(crate) dimensions: Vec<Dimension>,
    pub(crate) indicators: Vec<Indicator>,
    pub(crate) decision: Vec<DecisionRule>,
    pub(crate) outcomes: Vec<Outcome>,
    /// Question id → index.
    #[serde(skip)]
    pub(crate) question_index: HashMap<String, usize, IdHasher>,
    /// For each question, the indicators that read it, ascending.
    #[serde(skip)]
    pub(crate) readers: Vec<Vec<usize>>,
    /// The indicators of each dimension and strength as bit masks, for decisions.
    #[serde(skip)]
    pub(crate) decision_index: DecisionIndex,
    /// Whether any indicator's condition is a script.
    #[serde(skip)]
    pub(crate) scripted_indicators: bool,
    /// The sandboxed Rhai engine scripted conditions run in (the one that compiled them).
    /// Read from a compiled form without scripted conditions, there is none: making one
    /// (Rhai's packages registered twice over) was most of the full WASM module's
    /// `fromBundle`.
    #[cfg(feature = "scripts")]
    #[serde(skip)]
    pub(crate) engine: Option<Engine>,
    /// What the compiled form carries beside scripted conditions for them to run as compiled
    /// from the rule files: the function library and the patterns the engine knows.
    #[cfg(feature = "scripts")]
    #[serde(skip)]
    pub(crate) script_context: ScriptContext,
    /// The decision as the reachability analysis reads it.
    pub(crate) analysis: DecisionModel,
    /// The fixed texts of its JSON reports, escaped once per language on the first
    /// [`evaluate_json`](CompiledRuleSet::evaluate_json).
    #[serde(skip)]
    pub(crate) json_parts: std::sync::OnceLock<Vec<crate::report_write::JsonParts>>,
    /// Whether the decision is monotone ([`CompiledRuleSet::monotone_decision`]).
    #[serde(skip)]
    pub(crate) monotone: std::sync::OnceLock<bool>,
    /// Whether every question id is written in JSON as it is (no character to escape), so
    /// that the case reader may take a key that is its bytes for it; found on the first case.
    #[serde(skip)]
    pub(crate) plain_ids: std::sync::OnceLock<bool>,
}

impl CompiledRuleSet {
    /// The rule set's id (`ilo-2009-adult-labour`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its version (semver).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// How far it has been checked against its sources.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Its title, per language.
    pub fn title(&self) -> &Text {
        &self.title
    }

    /// Its description, per language (empty when it has none).
    pub fn description(&self) -> &Text {
        &self.description
    }

    /// The licence of its text (an SPDX id).
    pub fn licence(&self) -> &str {
        &self.licence
    }

    /// The languages of its texts; the first is the fallback for any other.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// How its languages came to be, for those that are translations (the others are the
    /// authors' own texts).
    pub fn translations(&self) -> &[Translation] {
        &self.translations
    }

    /// The translation entry of `lang`, if it is one.
    pub fn translation(&self, lang: &str) -> Option<&Translation> {
        self.translations.iter().find(|t| t.language == lang)
    }

    /// Whether `lang`'s texts are a translation no professional translator has checked.
    pub fn is_unverified_translation(&self, lang: &str) -> bool {
        self.translation(lang)
            .is_some_and(|t| t.status == TranslationStatus::Unverified)
    }

    /// The languages every text is in (those a worker can read the whole set in), in order:
    /// all but the translations that cover only the questions.
    pub fn full_languages(&self) -> impl Iterator<Item = &str> {
        self.languages
            .iter()
            .filter(|l| {
                self.translation(l)
                    .is_none_or(|t| t.covers == TranslationScope::All)
            })
            .map(String::as_str)
    }

    /// Who it is written for; `None` when the set does not say.
    pub fn population(&self) -> Option<Population> {
        self.population
    }

    /// The forms of exploitation it covers.
    pub fn forms(&self) -> &[ExploitationForm] {
        &self.forms
    }

    /// How to hold the conversation safely, point by point, shown before the first question.
    pub fn guidance(&self) -> &[GuidanceItem] {
        &self.guidance
    }

    /// The sources it cites.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Question groups, in form order.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// SHA-256 of its rule files ([`Sources::sha256`](crate::Sources::sha256)).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The sandbox limits its scripts run with.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Its questions, in asking order; a case's answers are stored by this index.
    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    /// Its dimensions, in rule-set order.
    pub fn dimensions(&self) -> &[Dimension] {
        &self.dimensions
    }

    /// Its indicators, in rule-set order; states are reported by this index.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// Its decision rules, in the order they are tried.
    pub fn decision(&self) -> &[DecisionRule] {
        &self.decision
    }

    /// Its outcomes, lowest (level 0) first.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// The index of the question with this id.
    pub fn question_index(&self, id: &str) -> Option<usize> {
        self.question_index.get(id).copied()
    }

    /// The indicators whose condition reads question `q`, ascending.
    pub fn readers(&self, q: usize) -> &[usize] {
        self.readers.get(q).map_or(&[], Vec::as_slice)
    }

    /// The language texts are given in for a request for `lang`: `lang` itself when the set
    /// has it, else its first language.
    pub fn language<'a>(&'a self, lang: &'a str) -> &'a str {
        if self.languages.iter().any(|l| l == lang) {
            lang
        } else {
            self.languages.first().map_or(lang, String::as_str)
        }
    }

    /// A text in `lang`, falling back to the set's languages in order.
    pub fn text<'a>(&'a self, text: &'a Text, lang: &str) -> &'a str {
        text.get(lang, &self.languages)
    }
}

/// For each question, the indicators that read it.
pub(crate) fn readers(questions: usize, indicators: &[Indicator]) -> Vec<Vec<usize>> {
    let mut readers = vec![Vec::new(); questions];
    for (i, ind) in indicators.iter().enumerate() {
        for &q in &ind.reads {
            if let Some(r) = readers.get_mut(q) {
                r.push(i);
            }
        }
    }
    readers
}

/// A question, ready for screening.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Question {
    pub(crate) id: String,
    pub(crate) kind: QuestionType,
    pub(crate) group: Option<String>,
    pub(crate) text: Text,
    pub(crate) help: Option<Text>,
    pub(crate) unit: Option<Text>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) options: Vec<ChoiceOption>,
    /// Option ids, to check choice answers against (rebuilt from `options` when read).
    #[serde(skip)]
    pub(crate) option_ids: Vec<Arc<str>>,
    pub(crate) ask_if: Option<Condition>,
    /// The `ask_if` source, for forms that show or evaluate it.
    pub(crate) ask_if_source: Option<String>,
    pub(crate) audience: Audience,
}

impl Question {
    /// Its id, as cases name it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The type of its answer.
    pub fn kind(&self) -> QuestionType {
        self.kind
    }

    /// The form group it is asked in.
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// The question, per language.
    pub fn text(&self) -> &Text {
        &self.text
    }

    /// Help for whoever asks it, per language.
    pub fn help(&self) -> Option<&Text> {
        self.help.as_ref()
    }

    /// The unit of a numeric answer, per language.
    pub fn unit(&self) -> Option<&Text> {
        self.unit.as_ref()
    }

    /// The lowest numeric answer accepted.
    pub fn min(&self) -> Option<f64> {
        self.min
    }

    /// The highest numeric answer accepted.
    pub fn max(&self) -> Option<f64> {
        self.max
    }

    /// The options of a `choice` or `choices` question.
    pub fn options(&self) -> &[ChoiceOption] {
        &self.options
    }

    /// Its `ask_if` condition as written: the question applies unless it is known false.
    pub fn ask_if(&self) -> Option<&str> {
        self.ask_if_source.as_deref()
    }

    /// Who it is for: put to the person, or answered by the interviewer alone.
    pub fn audience(&self) -> Audience {
        self.audience
    }
}

/// A compiled condition: natively evaluated, or a script run in the sandbox.
#[derive(Debug)]
pub(crate) enum Condition {
    Native(Cond),
    Script(Box<ScriptCondition>),
}

/// A condition as a compiled form holds it: the native tree, or a script with where it stands
/// in the rule files (its text, file, line and column), which an engine with the Rhai
/// interpreter compiles when it reads the form (`crate::compiled`).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum WireCondition<C, S> {
    Native(C),
    Script(S),
}

impl serde::Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Condition::Native(c) => {
                serde::Serialize::serialize(&WireCondition::<_, ()>::Native(c), s)
            }
            #[cfg(feature = "scripts")]
            Condition::Script(script) => {
                serde::Serialize::serialize(&WireCondition::<&Cond, _>::Script(&script.script), s)
            }
            #[cfg(not(feature = "scripts"))]
            Condition::Script(script) => match **script {},
        }
    }
}

impl<'de> serde::Deserialize<'de> for Condition {
    /// A script is read with an empty syntax tree: `compiled::read` compiles it (and refuses
    /// the form when it does not compile).
    #[cfg(feature = "scripts")]
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(
            match <WireCondition<Cond, Script> as serde::Deserialize>::deserialize(d)? {
                WireCondition::Native(c) => Condition::Native(c),
                WireCondition::Script(script) => Condition::Script(Box::new(ScriptCondition {
                    ast: AST::empty(),
                    script,
                })),
            },
        )
    }

    #[cfg(not(feature = "scripts"))]
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match <WireCondition<Cond, serde::de::IgnoredAny> as serde::Deserialize>::deserialize(d)? {
            WireCondition::Native(c) => Ok(Condition::Native(c)),
            WireCondition::Script(_) => Err(serde::de::Error::custom(
                "a condition is a script: it needs the module with the Rhai interpreter",
            )),
        }
    }
}

/// What scripted conditions need besides their own text to run as when compiled from the rule
/// files; a compiled form with scripts carries it.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ScriptContext {
    /// The rule set's `*.rhai` files (path and text) in the order they are combined into the
    /// function library every scripted indicator is merged with.
    pub(crate) library: Vec<(String, String)>,
    /// The patterns compiled at load (literal `matches` patterns), which the sandbox knows:
    /// a script using one pays no run-time compilation.
    pub(crate) patterns: Vec<String>,
}

/// A condition that runs in the sandbox (none in an engine built without Rhai).
#[cfg(not(feature = "scripts"))]
#[derive(Debug)]
pub(crate) enum ScriptCondition {}

/// A condition that runs in the sandbox.
#[cfg(feature = "scripts")]
#[derive(Debug)]
pub(crate) struct ScriptCondition {
    pub(crate) ast: AST,
    /// Where the script stands, to place runtime errors in the file.
    pub(crate) script: Script,
}

/// A group of indicators that is positive by its rule.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Dimension {
    pub(crate) id: String,
    pub(crate) label: Text,
    pub(crate) description: Option<Text>,
    pub(crate) rule: PositiveRule,
    pub(crate) indicators: Vec<usize>,
}

impl Dimension {
    /// Its id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its label, per language.
    pub fn label(&self) -> &Text {
        &self.label
    }

    /// Its description, per language.
    pub fn description(&self) -> Option<&Text> {
        self.description.as_ref()
    }

    /// The rule that makes it positive.
    pub fn rule(&self) -> PositiveRule {
        self.rule
    }

    /// Its indicators (indices into [`CompiledRuleSet::indicators`]), ascending.
    pub fn indicators(&self) -> &[usize] {
        &self.indicators
    }
}

/// An indicator: a condition over answers, in a dimension, with a strength or a weight.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Indicator {
    pub(crate) id: String,
    /// Where it is defined, for diagnostics about it.
    pub(crate) span: Span,
    pub(crate) label: Text,
    pub(crate) dimension: usize,
    pub(crate) strength: Option<Strength>,
    pub(crate) weight: f64,
    pub(crate) condition: Condition,
    /// Question indices the condition reads, ascending.
    pub(crate) reads: Vec<usize>,
    pub(crate) tags: Vec<String>,
    pub(crate) source: Option<Provenance>,
}

impl Indicator {
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

    /// Its dimension (an index into [`CompiledRuleSet::dimensions`]).
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Its strength, for dimensions that count strengths; `None` for weighted indicators.
    pub fn strength(&self) -> Option<Strength> {
        self.strength
    }

    /// The weight it adds to a score when present (a strength's weight unless set).
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// The questions its condition reads (indices), ascending.
    pub fn reads(&self) -> &[usize] {
        &self.reads
    }

    /// Its tags (ILO forced-labour indicators, HTCDS methods of control, …).
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Where it comes from: a source of the rule set, where in it, and how it was taken.
    pub fn source(&self) -> Option<&Provenance> {
        self.source.as_ref()
    }

    /// Whether its condition runs as a sandboxed script (not natively).
    pub fn is_scripted(&self) -> bool {
        matches!(self.condition, Condition::Script(_))
    }
}

/// A decision rule: the first one whose condition holds gives the outcome.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct DecisionRule {
    pub(crate) id: String,
    pub(crate) outcome: usize,
    pub(crate) when: Option<Cond>,
    /// The condition as written, for explanations.
    pub(crate) when_source: Option<String>,
}

impl DecisionRule {
    /// Its id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The outcome it gives (an index into [`CompiledRuleSet::outcomes`]).
    pub fn outcome(&self) -> usize {
        self.outcome
    }

    /// Its condition as written; `None` for the final rule without one.
    pub fn condition(&self) -> Option<&str> {
        self.when_source.as_deref()
    }
}

/// Indicator sets as bit masks (bit i of word i / 64 for indicator i), built once per rule
/// set so that decision helpers count with a few popcounts instead of walking indicators.
#[derive(Debug, Default)]
pub(crate) struct DecisionIndex {
    /// Words per mask.
    pub(crate) words: usize,
    /// Per dimension (`words` words each): its indicators, and its strong, medium and weak ones.
    dimension: Vec<u64>,
    strong: Vec<u64>,
    medium: Vec<u64>,
    weak: Vec<u64>,
}

impl DecisionIndex {
    pub(crate) fn new(indicators: &[Indicator], dimensions: usize) -> Self {
        let words = indicators.len().div_ceil(64);
        let mut index = Self {
            words,
            dimension: vec![0; words * dimensions],
            strong: vec![0; words * dimensions],
            medium: vec![0; words * dimensions],
            weak: vec![0; words * dimensions],
        };
        for (i, ind) in indicators.iter().enumerate() {
            let word = ind.dimension * words + i / 64;
            let bit = 1u64 << (i % 64);
            if let Some(w) = index.dimension.get_mut(word) {
                *w |= bit;
            }
            let by_strength = match ind.strength {
                Some(Strength::Strong) => &mut index.strong,
                Some(Strength::Medium) => &mut index.medium,
                Some(Strength::Weak) => &mut index.weak,
                None => continue,
            };
            if let Some(w) = by_strength.get_mut(word) {
                *w |= bit;
            }
        }
        index
    }

    /// The indicators of dimension `d`.
    pub(crate) fn dimension(&self, d: usize) -> &[u64] {
        self.mask(&self.dimension, d)
    }

    /// The indicators of dimension `d` with a strength.
    pub(crate) fn strength(&self, d: usize, strength: Strength) -> &[u64] {
        let masks = match strength {
            Strength::Strong => &self.strong,
            Strength::Medium => &self.medium,
            Strength::Weak => &self.weak,
        };
        self.mask(masks, d)
    }

    fn mask<'m>(&self, masks: &'m [u64], d: usize) -> &'m [u64] {
        masks
            .get(d * self.words..(d + 1) * self.words)
            .unwrap_or(&[])
    }
}

/// FNV-1a for looking up question ids: a case names up to a few hundred of them, and SipHash's
/// flooding resistance buys nothing for a table fixed at load (collisions cannot be added).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHasher;

impl std::hash::BuildHasher for IdHasher {
    type Hasher = Fnv1a;

    fn build_hasher(&self) -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

#[derive(Debug)]
pub(crate) struct Fnv1a(u64);

impl std::hash::Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// What the decision analysis knows of one indicator.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct IndicatorFacts {
    pub(crate) id: String,
    pub(crate) dimension: Option<usize>,
    pub(crate) strength: Option<Strength>,
    pub(crate) weight: f64,
    /// The states its condition can give.
    pub(crate) possible: States,
}

/// A decision rule as the analysis sees it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RuleFacts {
    pub(crate) id: String,
    /// Its condition: `Some(None)` for a rule without `when`, `None` when it failed to compile.
    #[serde(with = "rule_when")]
    pub(crate) when: Option<Option<Cond>>,
    /// Its outcome, when it names a known one.
    pub(crate) outcome: Option<usize>,
}

/// A rule's condition as the analysis has it, in a compiled form: JSON's `null` cannot tell
/// "no condition" from "did not compile", so each is named.
mod rule_when {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::cond::Cond;

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum RuleWhen<C> {
        Broken,
        Always,
        When(C),
    }

    pub(super) fn serialize<S: Serializer>(
        when: &Option<Option<Cond>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match when {
            None => RuleWhen::<&Cond>::Broken,
            Some(None) => RuleWhen::Always,
            Some(Some(c)) => RuleWhen::When(c),
        }
        .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<Cond>>, D::Error> {
        Ok(match RuleWhen::<Cond>::deserialize(d)? {
            RuleWhen::Broken => None,
            RuleWhen::Always => Some(None),
            RuleWhen::When(c) => Some(Some(c)),
        })
    }
}

/// The decision of a rule set, as the analysis reads it: built once when the set loads.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct DecisionModel {
    pub(crate) indicators: Vec<IndicatorFacts>,
    /// Dimension ids and rules.
    pub(crate) dimensions: Vec<(String, PositiveRule)>,
    pub(crate) rules: Vec<RuleFacts>,
    pub(crate) outcomes: usize,
}

/// Static type of an expression, checked at load so that type slips are load errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Bool,
    Num,
    Str,
    List,
}

impl Ty {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::Bool => "true/false",
            Ty::Num => "a number",
            Ty::Str => "text",
            Ty::List => "a list",
        }
    }
}

/// A question as conditions see it: its id, the static type of its answers, and which answers
/// it takes (to find comparisons that can never hold).
#[derive(Debug)]
pub(crate) struct QuestionName {
    pub(crate) id: String,
    pub(crate) ty: Ty,
    pub(crate) kind: QuestionType,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
    pub(crate) options: Vec<String>,
}

impl QuestionName {
    /// From a question's parts, as written (`QuestionDecl`) or as compiled ([`Question`]).
    pub(crate) fn new(
        id: &str,
        kind: QuestionType,
        min: Option<f64>,
        max: Option<f64>,
        options: &[ChoiceOption],
    ) -> Self {
        let ty = match kind {
            QuestionType::YesNo => Ty::Bool,
            QuestionType::Integer | QuestionType::Number => Ty::Num,
            QuestionType::Choice | QuestionType::Text => Ty::Str,
            QuestionType::Choices => Ty::List,
        };
        Self {
            id: id.to_owned(),
            ty,
            kind,
            min,
            max,
            options: options.iter().map(|o| o.id.clone()).collect(),
        }
    }
}
