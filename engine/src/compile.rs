//! Load and compile: sources → every diagnostic at once, or an immutable [`CompiledRuleSet`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rhai::{AST, ASTNode, Engine, Expr as RExpr, Scope, Stmt};
use sha2::{Digest, Sha256};

use crate::cond::{Compiler, Cond, Names, NotNative, Ty};
use crate::diagnostic::{Diagnostic, Span, did_you_mean};
use crate::evaluate::DecisionIndex;
use crate::manifest::{
    self, ChoiceOption, Limits, Manifest, PositiveRule, Provenance, QuestionType, Script, Status,
    Strength, Text,
};
use crate::sandbox::{self, RegexCache};
use crate::yaml;

/// The manifest's file name inside a rule-set folder.
pub const MANIFEST_FILE: &str = "ruleset.yaml";
/// Largest rule-set file accepted (manifests are tens of kilobytes).
pub const MAX_FILE_SIZE: usize = 4 * 1024 * 1024;

/// The text of a rule set's files, by path relative to its folder (`ruleset.yaml`,
/// `lib.rhai`, …). Callers read them from disk or a bundle; the engine never does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    pub files: BTreeMap<String, String>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; paths use `/`.
    #[must_use]
    pub fn with(mut self, path: impl Into<String>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }

    /// Whether a file takes part in the rule set's behaviour (and so in its hash).
    pub fn is_rule_file(path: &str) -> bool {
        path == MANIFEST_FILE || (path.ends_with(".rhai") && !path.contains('/'))
    }

    /// SHA-256 over the rule files, in path order, each framed by its path and length, so the
    /// same content always gives the same hash on every platform.
    pub fn sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, text) in self.files.iter().filter(|(p, _)| Self::is_rule_file(p)) {
            hasher.update(path.as_bytes());
            hasher.update([0]);
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A question, ready for screening.
#[derive(Debug)]
pub struct Question {
    pub id: String,
    pub kind: QuestionType,
    pub group: Option<String>,
    pub text: Text,
    pub help: Option<Text>,
    pub unit: Option<Text>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub options: Vec<ChoiceOption>,
    /// Option ids, to check choice answers against.
    pub option_ids: Vec<Arc<str>>,
    pub ask_if: Option<Condition>,
    /// The `ask_if` source, for forms that show or evaluate it.
    pub ask_if_source: Option<String>,
}

/// A compiled condition: natively evaluated, or a script run in the sandbox.
#[derive(Debug)]
pub enum Condition {
    Native(Cond),
    Script(Box<ScriptCondition>),
}

#[derive(Debug)]
pub struct ScriptCondition {
    pub ast: AST,
    /// Where the script stands, to place runtime errors in the file.
    pub script: Script,
}

#[derive(Debug)]
pub struct Dimension {
    pub id: String,
    pub label: Text,
    pub description: Option<Text>,
    pub rule: PositiveRule,
    pub indicators: Vec<usize>,
}

#[derive(Debug)]
pub struct Indicator {
    pub id: String,
    /// Where it is defined, for diagnostics about it.
    pub span: Span,
    pub label: Text,
    pub dimension: usize,
    pub strength: Option<Strength>,
    pub weight: f64,
    pub condition: Condition,
    /// Question indices the condition reads, ascending.
    pub reads: Vec<usize>,
    pub tags: Vec<String>,
    /// Where the indicator comes from.
    pub source: Option<Provenance>,
}

#[derive(Debug)]
pub struct DecisionRule {
    pub id: String,
    pub outcome: usize,
    pub when: Option<Cond>,
    /// The condition as written, for explanations.
    pub when_source: Option<String>,
}

#[derive(Debug)]
pub struct Outcome {
    pub id: String,
    pub span: Span,
    pub label: Text,
    pub advice: Text,
    pub htcds: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub title: Text,
}

#[derive(Debug, Clone)]
pub struct SourceRef {
    pub id: String,
    pub citation: String,
    pub url: Option<String>,
}

/// An immutable, compiled rule set: shared by reference between threads and cases.
#[derive(Debug)]
pub struct CompiledRuleSet {
    pub id: String,
    pub version: String,
    pub status: Status,
    pub title: Text,
    pub description: Text,
    pub licence: String,
    pub languages: Vec<String>,
    pub sources: Vec<SourceRef>,
    pub groups: Vec<Group>,
    pub sha256: String,
    pub limits: Limits,
    pub questions: Vec<Question>,
    pub dimensions: Vec<Dimension>,
    pub indicators: Vec<Indicator>,
    pub decision: Vec<DecisionRule>,
    pub outcomes: Vec<Outcome>,
    pub(crate) question_index: HashMap<String, usize, IdHasher>,
    /// For each question, the indicators that read it.
    pub(crate) readers: Vec<Vec<usize>>,
    /// The indicators of each dimension and strength as bit masks, for decisions.
    pub(crate) decision_index: DecisionIndex,
    /// Whether any indicator's condition is a script.
    pub(crate) scripted_indicators: bool,
    pub(crate) engine: Engine,
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

/// A rule set that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    pub rules: CompiledRuleSet,
    pub warnings: Vec<Diagnostic>,
}

/// How to compile a rule set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Compile every indicator and `ask_if` condition as a sandboxed Rhai script, also the
    /// shapes herken evaluates natively. Diagnostics are the same; screening is slower and
    /// follows the conservative rule for scripts. For differential tests: the interpreted path
    /// is the reference the native one must agree with (or refine, where answers are unknown).
    pub interpret_all: bool,
}

/// Loads and compiles a rule set.
///
/// # Errors
/// Every diagnostic found (errors and warnings, in file order) when any is an error.
pub fn load(sources: &Sources) -> Result<Loaded, Vec<Diagnostic>> {
    load_with(sources, &LoadOptions::default())
}

/// [`load`] with options.
///
/// # Errors
/// As [`load`].
pub fn load_with(sources: &Sources, options: &LoadOptions) -> Result<Loaded, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let compiled = load_into(sources, options, &mut diagnostics);
    diagnostics.sort_by(|a, b| a.span.cmp(&b.span).then_with(|| a.code.cmp(b.code)));
    diagnostics.dedup();
    match compiled {
        Some(rules) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Loaded {
            rules,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

fn load_into(
    sources: &Sources,
    options: &LoadOptions,
    out: &mut Vec<Diagnostic>,
) -> Option<CompiledRuleSet> {
    let Some(text) = sources.files.get(MANIFEST_FILE) else {
        out.push(Diagnostic::error(
            "load::no-manifest",
            Span::new(MANIFEST_FILE, 1, 1),
            format!("the rule set has no `{MANIFEST_FILE}`"),
        ));
        return None;
    };
    for (path, text) in &sources.files {
        if Sources::is_rule_file(path) && text.len() > MAX_FILE_SIZE {
            out.push(Diagnostic::error(
                "load::file-too-large",
                Span::new(path, 1, 1),
                format!(
                    "`{path}` is {} bytes; rule-set files may be at most {MAX_FILE_SIZE}",
                    text.len()
                ),
            ));
            return None;
        }
    }
    let root = match yaml::parse(MANIFEST_FILE, text) {
        Ok(root) => root,
        Err(errors) => {
            out.extend(errors);
            return None;
        }
    };
    let manifest = manifest::read(MANIFEST_FILE, text, &root, out)?;
    compile(&manifest, sources, options, out)
}

fn compile(
    m: &Manifest,
    sources: &Sources,
    options: &LoadOptions,
    out: &mut Vec<Diagnostic>,
) -> Option<CompiledRuleSet> {
    check_unique(
        out,
        "question",
        m.questions.iter().map(|q| (&q.id, &q.span)),
    );
    check_unique(
        out,
        "dimension",
        m.dimensions.iter().map(|d| (&d.id, &d.span)),
    );
    check_unique(
        out,
        "indicator",
        m.indicators.iter().map(|i| (&i.id, &i.span)),
    );
    check_unique(out, "outcome", m.outcomes.iter().map(|o| (&o.id, &o.span)));
    check_unique(
        out,
        "decision rule",
        m.decision.iter().map(|r| (&r.id, &r.span)),
    );
    check_unique(out, "group", m.groups.iter().map(|g| (&g.id, &g.span)));
    for q in &m.questions {
        let spans: Vec<_> = q.options.iter().map(|o| (&o.id, &q.span)).collect();
        check_unique(out, "option", spans.into_iter());
    }
    check_translations(m, out);
    crate::claims::check(m, out);
    for (what, empty, span) in [
        (
            "languages",
            m.languages.is_empty(),
            Span::new(&m.file, 1, 1),
        ),
        (
            "questions",
            m.questions.is_empty(),
            Span::new(&m.file, 1, 1),
        ),
        (
            "indicators",
            m.indicators.is_empty(),
            Span::new(&m.file, 1, 1),
        ),
        ("outcomes", m.outcomes.is_empty(), Span::new(&m.file, 1, 1)),
        ("decision", m.decision.is_empty(), Span::new(&m.file, 1, 1)),
    ] {
        if empty {
            out.push(Diagnostic::error(
                "load::empty",
                span,
                format!("`{what}` is empty"),
            ));
        }
    }

    let mut patterns = RegexCache::default();
    // Compile native conditions first so the sandbox knows every literal pattern.
    let question_types: Vec<(String, Ty)> = m
        .questions
        .iter()
        .map(|q| (q.id.clone(), ty_of(q.kind)))
        .collect();
    let library = compile_library(sources, out);

    let engine_for_parsing = sandbox::engine(&m.limits, &patterns);
    let mut parsed_indicators = Vec::with_capacity(m.indicators.len());
    for ind in &m.indicators {
        parsed_indicators.push(parse_script(&engine_for_parsing, &ind.when, true, out));
    }
    let parsed_ask_if: Vec<Option<AST>> = m
        .questions
        .iter()
        .map(|q| {
            q.ask_if
                .as_ref()
                .and_then(|s| parse_script(&engine_for_parsing, s, true, out))
        })
        .collect();
    let parsed_decision: Vec<Option<AST>> = m
        .decision
        .iter()
        .map(|r| {
            r.when
                .as_ref()
                .and_then(|s| parse_script(&engine_for_parsing, s, false, out))
        })
        .collect();

    // Groups.
    let group_ids: BTreeSet<&str> = m.groups.iter().map(|g| g.id.as_str()).collect();
    for q in &m.questions {
        if let Some((g, span)) = &q.group
            && !group_ids.contains(g.as_str())
        {
            let help = did_you_mean(g, group_ids.iter().copied())
                .unwrap_or_else(|| "declare it under `groups`".into());
            out.push(
                Diagnostic::error(
                    "load::unknown-group",
                    span.clone(),
                    format!("unknown group `{g}`"),
                )
                .with_help(help),
            );
        }
    }

    // Questions and their ask_if.
    let mut questions = Vec::with_capacity(m.questions.len());
    for (index, q) in m.questions.iter().enumerate() {
        let ask_if = match (&q.ask_if, &parsed_ask_if[index]) {
            (Some(script), Some(ast)) => {
                let names = Names {
                    questions: Some(&question_types),
                    read_before: Some(index),
                    dimensions: None,
                    indicators: None,
                    broken: &m.broken,
                };
                compile_condition(ast, script, names, &mut patterns, out, None, options)
                    .map(|(cond, _)| cond)
            }
            _ => None,
        };
        questions.push(Question {
            id: q.id.clone(),
            kind: q.kind,
            group: q.group.as_ref().map(|(g, _)| g.clone()),
            text: q.text.clone(),
            help: q.help.clone(),
            unit: q.unit.clone(),
            min: q.min,
            max: q.max,
            option_ids: q.options.iter().map(|o| Arc::from(o.id.as_str())).collect(),
            options: q.options.clone(),
            ask_if,
            ask_if_source: q.ask_if.as_ref().map(|s| s.source.trim().to_owned()),
        });
    }

    // Dimensions and indicators.
    let dimension_ids: Vec<String> = m.dimensions.iter().map(|d| d.id.clone()).collect();
    let mut dimensions: Vec<Dimension> = m
        .dimensions
        .iter()
        .map(|d| Dimension {
            id: d.id.clone(),
            label: d.label.clone(),
            description: d.description.clone(),
            rule: d.positive.clone(),
            indicators: Vec::new(),
        })
        .collect();
    let mut indicators = Vec::with_capacity(m.indicators.len());
    for (index, ind) in m.indicators.iter().enumerate() {
        let Some(dimension) = dimension_ids.iter().position(|d| *d == ind.dimension.0) else {
            if m.broken.contains(&ind.dimension.0) {
                continue;
            }
            let help = did_you_mean(&ind.dimension.0, dimension_ids.iter().map(String::as_str))
                .unwrap_or_else(|| "declare it under `dimensions`".into());
            out.push(
                Diagnostic::error(
                    "load::unknown-dimension",
                    ind.dimension.1.clone(),
                    format!("unknown dimension `{}`", ind.dimension.0),
                )
                .with_help(help),
            );
            continue;
        };
        if dimensions[dimension].rule == PositiveRule::Ilo && ind.strength.is_none() {
            out.push(
                Diagnostic::error(
                    "load::missing-strength",
                    ind.span.clone(),
                    format!("indicator `{}` needs a `strength`: its dimension uses the ILO rule", ind.id),
                )
                .with_help("the ILO rule counts strong, medium and weak indicators; or give the dimension `positive: {at_least: k}`"),
            );
        }
        let Some(ast) = &parsed_indicators[index] else {
            continue;
        };
        let declared = ind.reads.as_ref().map(|reads| {
            reads
                .iter()
                .filter_map(
                    |(r, span)| match question_types.iter().position(|(q, _)| q == r) {
                        Some(i) => Some(i),
                        None => {
                            let help =
                                did_you_mean(r, question_types.iter().map(|(q, _)| q.as_str()));
                            let mut d = Diagnostic::error(
                                "load::unknown-question",
                                span.clone(),
                                format!("unknown question `{r}` in `reads`"),
                            );
                            d.help = help;
                            out.push(d);
                            None
                        }
                    },
                )
                .collect::<Vec<_>>()
        });
        let names = Names {
            questions: Some(&question_types),
            read_before: None,
            dimensions: None,
            indicators: None,
            broken: &m.broken,
        };
        let Some((condition, mut reads)) = compile_condition(
            ast,
            &ind.when,
            names,
            &mut patterns,
            out,
            Some((&library, declared)),
            options,
        ) else {
            continue;
        };
        reads.sort_unstable();
        reads.dedup();
        dimensions[dimension].indicators.push(indicators.len());
        indicators.push(Indicator {
            id: ind.id.clone(),
            span: ind.span.clone(),
            label: ind.label.clone(),
            dimension,
            strength: ind.strength,
            weight: ind
                .weight
                .or(ind.strength.map(Strength::weight))
                .unwrap_or(0.0),
            condition,
            reads,
            tags: ind.tags.clone(),
            source: ind.source.clone(),
        });
    }

    // Outcomes and the decision.
    let outcome_ids: Vec<&str> = m.outcomes.iter().map(|o| o.id.as_str()).collect();
    let indicator_ids: Vec<String> = m.indicators.iter().map(|i| i.id.clone()).collect();
    let mut decision = Vec::with_capacity(m.decision.len());
    let mut catch_all_seen: Option<&str> = None;
    for (index, rule) in m.decision.iter().enumerate() {
        if let Some(earlier) = catch_all_seen {
            out.push(Diagnostic::warning(
                "check::unreachable-rule",
                rule.span.clone(),
                format!(
                    "decision rule `{}` is never reached: `{earlier}` before it has no `when`",
                    rule.id
                ),
            ));
        }
        let outcome = outcome_ids.iter().position(|o| *o == rule.outcome.0);
        if outcome.is_none() && !m.broken.contains(&rule.outcome.0) {
            let help = did_you_mean(&rule.outcome.0, outcome_ids.iter().copied())
                .unwrap_or_else(|| format!("the outcomes are: {}", outcome_ids.join(", ")));
            out.push(
                Diagnostic::error(
                    "load::unknown-outcome",
                    rule.outcome.1.clone(),
                    format!(
                        "decision rule `{}` gives unknown outcome `{}`",
                        rule.id, rule.outcome.0
                    ),
                )
                .with_help(help),
            );
        }
        let when = match (&rule.when, &parsed_decision[index]) {
            (Some(script), Some(ast)) => {
                let names = Names {
                    questions: None,
                    read_before: None,
                    dimensions: Some(&dimension_ids),
                    indicators: Some(&indicator_ids),
                    broken: &m.broken,
                };
                compile_decision(ast, script, names, &mut patterns, out)
            }
            (Some(_), None) => None,
            (None, _) => {
                catch_all_seen.get_or_insert(rule.id.as_str());
                None
            }
        };
        if let Some(outcome) = outcome {
            decision.push(DecisionRule {
                id: rule.id.clone(),
                outcome,
                when,
                when_source: rule.when.as_ref().map(|s| s.source.trim().to_owned()),
            });
        }
    }
    if let Some(last) = m.decision.last()
        && last.when.is_some()
    {
        out.push(
                Diagnostic::error(
                    "load::decision-falls-through",
                    last.span.clone(),
                    "the decision can end without an outcome: its last rule has a `when`",
                )
                .with_help("end the decision with a rule without `when`, e.g. `- {id: otherwise, outcome: no_signals}`"),
            );
    }
    // Unused-item warnings only make sense once nothing failed to load: a broken indicator
    // or rule would otherwise make its question or outcome look unused.
    let clean = !out.iter().any(Diagnostic::is_error) && m.broken.is_empty();
    for o in m.outcomes.iter().filter(|_| clean) {
        if !m.decision.iter().any(|r| r.outcome.0 == o.id) {
            out.push(Diagnostic::warning(
                "check::unused-outcome",
                o.span.clone(),
                format!("no decision rule gives outcome `{}`", o.id),
            ));
        }
    }

    let mut readers = vec![Vec::new(); questions.len()];
    for (i, ind) in indicators.iter().enumerate() {
        for &q in &ind.reads {
            readers[q].push(i);
        }
    }
    for (q, mq) in m.questions.iter().enumerate() {
        let read_by_ask_if = questions.iter().any(|other| {
            matches!(&other.ask_if, Some(Condition::Native(c)) if { let mut hit = false; c.visit_reads(&mut |r| hit |= r == q); hit })
        });
        if clean && readers.get(q).is_some_and(Vec::is_empty) && !read_by_ask_if {
            out.push(
                Diagnostic::warning(
                    "check::unused-question",
                    mq.span.clone(),
                    format!("no indicator reads question `{}`", mq.id),
                )
                .with_help("remove the question, or use it in an indicator's `when`"),
            );
        }
    }

    if out.iter().any(Diagnostic::is_error) {
        return None;
    }
    let engine = sandbox::engine(&m.limits, &patterns);
    let decision_index = DecisionIndex::new(&indicators, dimensions.len());
    let scripted_indicators = indicators
        .iter()
        .any(|i| matches!(i.condition, Condition::Script(_)));
    let question_index = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.clone(), i))
        .collect();
    Some(CompiledRuleSet {
        id: m.id.clone(),
        version: m.version.clone(),
        status: m.status,
        title: m.title.clone(),
        description: m.description.clone(),
        licence: m.licence.clone(),
        languages: m.languages.clone(),
        sources: m
            .sources
            .iter()
            .map(|s| SourceRef {
                id: s.id.clone(),
                citation: s.citation.clone(),
                url: s.url.clone(),
            })
            .collect(),
        groups: m
            .groups
            .iter()
            .map(|g| Group {
                id: g.id.clone(),
                title: g.title.clone(),
            })
            .collect(),
        sha256: sources.sha256(),
        limits: m.limits,
        questions,
        dimensions,
        indicators,
        decision,
        outcomes: m
            .outcomes
            .iter()
            .map(|o| Outcome {
                id: o.id.clone(),
                span: o.span.clone(),
                label: o.label.clone(),
                advice: o.advice.clone(),
                htcds: o.htcds.clone(),
            })
            .collect(),
        question_index,
        readers,
        decision_index,
        scripted_indicators,
        engine,
    })
}

fn ty_of(kind: QuestionType) -> Ty {
    match kind {
        QuestionType::YesNo => Ty::Bool,
        QuestionType::Integer | QuestionType::Number => Ty::Num,
        QuestionType::Choice | QuestionType::Text => Ty::Str,
        QuestionType::Choices => Ty::List,
    }
}

fn check_unique<'a>(
    out: &mut Vec<Diagnostic>,
    what: &str,
    items: impl Iterator<Item = (&'a String, &'a Span)>,
) {
    let mut seen: HashMap<&str, &Span> = HashMap::new();
    for (id, span) in items {
        if let Some(first) = seen.get(id.as_str()) {
            out.push(
                Diagnostic::error(
                    "load::duplicate-id",
                    span.clone(),
                    format!("duplicate {what} id `{id}`"),
                )
                .with_help(format!("first defined at line {}", first.line)),
            );
        } else {
            seen.insert(id, span);
        }
    }
}

fn check_translations(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let mut check = |text: &Text, span: &Span, what: &str| {
        for lang in &m.languages {
            if !text.0.contains_key(lang) {
                out.push(
                    Diagnostic::warning("check::missing-translation", span.clone(), format!("{what} has no `{lang}` text"))
                        .with_help("every text needs each language in `languages`; the first language fills in"),
                );
            }
        }
    };
    let top = Span::new(&m.file, 1, 1);
    check(&m.title, &top, "the title");
    for q in &m.questions {
        check(&q.text, &q.span, &format!("question `{}`", q.id));
        if let Some(h) = &q.help {
            check(h, &q.span, &format!("the help of question `{}`", q.id));
        }
        for o in &q.options {
            check(
                &o.label,
                &q.span,
                &format!("option `{}` of question `{}`", o.id, q.id),
            );
        }
    }
    for d in &m.dimensions {
        check(&d.label, &d.span, &format!("dimension `{}`", d.id));
    }
    for i in &m.indicators {
        check(&i.label, &i.span, &format!("indicator `{}`", i.id));
    }
    for o in &m.outcomes {
        check(
            &o.label,
            &o.span,
            &format!("the label of outcome `{}`", o.id),
        );
        check(
            &o.advice,
            &o.span,
            &format!("the advice of outcome `{}`", o.id),
        );
    }
}

/// Parses a script with the sandboxed engine; `with_obs` declares `obs` (strict variables).
fn parse_script(
    engine: &Engine,
    script: &Script,
    with_obs: bool,
    out: &mut Vec<Diagnostic>,
) -> Option<AST> {
    let mut scope = Scope::new();
    if with_obs {
        scope.push("obs", rhai::Map::new());
    }
    match engine.compile_with_scope(&scope, &script.source) {
        Ok(ast) => Some(ast),
        Err(e) => {
            let pos = e.position();
            let span = match (pos.line(), pos.position()) {
                (Some(l), Some(c)) => script.locate(l as u32, c as u32),
                (Some(l), None) => script.locate(l as u32, 1),
                _ => script.span.clone(),
            };
            let message = e.0.to_string();
            let help = if message.contains("eval")
                || message.contains("print")
                || message.contains("debug")
                || message.contains("import")
            {
                Some("rule sets cannot evaluate text, print or import modules (sandbox)".to_owned())
            } else {
                None
            };
            let mut d = Diagnostic::error(
                "compile::syntax",
                span,
                format!("invalid Rhai: {}", lowercase_first(&message)),
            );
            d.help = help;
            out.push(d);
            None
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `*.rhai` files: function libraries available to every scripted condition.
fn compile_library(sources: &Sources, out: &mut Vec<Diagnostic>) -> AST {
    let engine = sandbox::engine(&Limits::DEFAULT, &RegexCache::default());
    let mut library = AST::empty();
    for (path, text) in sources
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".rhai") && Sources::is_rule_file(p))
    {
        let script = Script {
            source: text.clone(),
            span: Span::new(path, 1, 1),
            origin: yaml::Node {
                kind: yaml::Kind::Scalar(yaml::Scalar {
                    text: String::new(),
                    style: yaml::ScalarStyle::Plain,
                }),
                span: Span::new(path, 1, 1),
            }
            .text_origin(""),
        };
        let Some(ast) = parse_script(&engine, &script, false, out) else {
            continue;
        };
        if !ast.statements().is_empty() {
            out.push(
                Diagnostic::error(
                    "compile::library-statement",
                    Span::new(path, 1, 1),
                    format!("`{path}` has statements outside functions"),
                )
                .with_help("a `.rhai` file of a rule set holds only `fn` definitions"),
            );
        }
        library = library.merge(&ast.clone_functions_only());
    }
    library
}

/// Compiles an indicator or `ask_if` condition: natively when it has a common shape, else as a
/// sandboxed script whose reads come from static analysis (or the declared `reads`).
fn compile_condition(
    ast: &AST,
    script: &Script,
    names: Names<'_>,
    patterns: &mut RegexCache,
    out: &mut Vec<Diagnostic>,
    library: Option<(&AST, Option<Vec<usize>>)>,
    options: &LoadOptions,
) -> Option<(Condition, Vec<usize>)> {
    let question_types = names.questions.unwrap_or_default();
    let read_before = names.read_before;
    let mut compiler = Compiler {
        names,
        script,
        diagnostics: out,
        regexes: patterns,
        reads: Vec::new(),
    };
    let native = if ast.has_functions() {
        Err(NotNative::Unsupported("functions", rhai::Position::NONE))
    } else {
        compiler.condition(ast.statements())
    };
    let reads = std::mem::take(&mut compiler.reads);
    // The condition as a sandboxed script, with the rule set's function library.
    let as_script = || {
        let ast = match &library {
            Some((lib, _)) => lib.merge(ast),
            None => ast.clone(),
        };
        Condition::Script(Box::new(ScriptCondition {
            ast,
            script: script.clone(),
        }))
    };
    match native {
        Ok(cond) if !options.interpret_all => Some((Condition::Native(cond), reads)),
        Ok(_) => {
            // Checked like a native condition above; run as the script it is.
            Some((as_script(), reads))
        }
        Err(NotNative::Reported) => None,
        Err(NotNative::Unsupported(..)) => {
            let (static_reads, dynamic) =
                script_reads(ast, script, question_types, read_before, out)?;
            let declared = library.as_ref().and_then(|(_, d)| d.clone());
            let reads = match (declared, dynamic) {
                (Some(declared), _) => declared.into_iter().chain(static_reads).collect(),
                (None, None) => static_reads,
                (None, Some(pos)) => {
                    out.push(
                        Diagnostic::error("compile::dynamic-read", pos, "this condition reads answers in a way that cannot be resolved before screening")
                            .with_help("read answers as `obs.<id>` or `obs[\"<id>\"]`, or list them under `reads:`"),
                    );
                    return None;
                }
            };
            Some((as_script(), reads))
        }
    }
}

fn compile_decision(
    ast: &AST,
    script: &Script,
    names: Names<'_>,
    patterns: &mut RegexCache,
    out: &mut Vec<Diagnostic>,
) -> Option<Cond> {
    let mut compiler = Compiler {
        names,
        script,
        diagnostics: out,
        regexes: patterns,
        reads: Vec::new(),
    };
    let result = if ast.has_functions() {
        Err(NotNative::Unsupported(
            "function definitions",
            rhai::Position::NONE,
        ))
    } else {
        compiler.condition(ast.statements())
    };
    match result {
        Ok(cond) => Some(cond),
        Err(NotNative::Reported) => None,
        Err(NotNative::Unsupported(what, pos)) => {
            let span = match (pos.line(), pos.position()) {
                (Some(l), Some(c)) => script.locate(l as u32, c as u32),
                _ => script.span.clone(),
            };
            out.push(
                Diagnostic::error("compile::decision-shape", span, format!("decision rules cannot use {what}"))
                    .with_help("a decision rule is one condition over the decision helpers (`positive(\"dim\")`, `present_count()`, `score()`, …) with `&&`, `||`, `!`, comparisons and arithmetic; put scripted logic in an indicator"),
            );
            None
        }
    }
}

/// Static reads of a scripted condition: `obs.<id>` and `obs["<id>"]`. Returns the position of
/// any other use of `obs` (a read that cannot be resolved statically).
fn script_reads(
    ast: &AST,
    script: &Script,
    questions: &[(String, Ty)],
    read_before: Option<usize>,
    out: &mut Vec<Diagnostic>,
) -> Option<(Vec<usize>, Option<Span>)> {
    let locate = |pos: rhai::Position| match (pos.line(), pos.position()) {
        (Some(l), Some(c)) => script.locate(l as u32, c as u32),
        _ => script.span.clone(),
    };
    let mut reads = Vec::new();
    let mut resolved_uses = 0usize;
    let mut all_uses = 0usize;
    let mut first_use = None;
    let mut ok = true;
    let mut visit = |path: &[ASTNode]| -> bool {
        let Some(ASTNode::Expr(e)) = path.last() else {
            if let Some(ASTNode::Stmt(Stmt::Import(_, pos))) = path.last() {
                out.push(Diagnostic::error(
                    "compile::import",
                    locate(*pos),
                    "rule sets cannot import modules",
                ));
                ok = false;
            }
            return true;
        };
        match e {
            RExpr::Variable(v, _, pos) if v.1.as_str() == "obs" => {
                all_uses += 1;
                first_use.get_or_insert(*pos);
            }
            RExpr::Dot(bin, _, _) | RExpr::Index(bin, _, _) => {
                let name = match (&bin.lhs, &bin.rhs, e) {
                    (RExpr::Variable(v, _, _), RExpr::Property(p, pos), RExpr::Dot(..))
                        if v.1.as_str() == "obs" =>
                    {
                        Some((p.2.clone(), *pos))
                    }
                    (RExpr::Variable(v, _, _), RExpr::StringConstant(s, pos), RExpr::Index(..))
                        if v.1.as_str() == "obs" =>
                    {
                        Some((s.clone(), *pos))
                    }
                    _ => None,
                };
                if let Some((name, pos)) = name {
                    resolved_uses += 1;
                    match questions
                        .iter()
                        .position(|(q, _)| q.as_str() == name.as_str())
                    {
                        Some(i) if read_before.is_none_or(|limit| i < limit) => reads.push(i),
                        Some(_) => {
                            out.push(Diagnostic::error("compile::ask-if-order", locate(pos), format!("`ask_if` reads `{name}`, which is not asked before this question")));
                            ok = false;
                        }
                        None => {
                            let mut d = Diagnostic::error(
                                "compile::unknown-question",
                                locate(pos),
                                format!("unknown question `{name}`"),
                            );
                            d.help = did_you_mean(&name, questions.iter().map(|(q, _)| q.as_str()));
                            out.push(d);
                            ok = false;
                        }
                    }
                }
            }
            _ => {}
        }
        true
    };
    ast.walk(&mut visit);
    if !ok {
        return None;
    }
    let dynamic =
        (all_uses > resolved_uses).then(|| locate(first_use.unwrap_or(rhai::Position::NONE)));
    Some((reads, dynamic))
}
