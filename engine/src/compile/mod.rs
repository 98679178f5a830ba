//! Load and compile: sources → every diagnostic at once, or an immutable [`CompiledRuleSet`].
//!
//! [`load_with`] reads the manifest (YAML → positioned tree → [`Manifest`]), then [`compile`]
//! runs these passes over it, each adding what it finds to the diagnostics and going on, so
//! that one run reports every problem:
//!
//! 1. [`Pass::check_ids`]: every id unique within its kind; translations complete (a lint);
//!    nothing required empty;
//! 2. [`Pass::parse_scripts`]: every condition parsed by the sandboxed Rhai engine, and the
//!    `*.rhai` function library ([`script`]);
//! 3. [`Pass::questions`]: groups resolved, `ask_if` conditions compiled;
//! 4. [`Pass::indicators`]: dimensions and indicators, conditions compiled natively where they
//!    have a common shape ([`native`]), else as sandboxed scripts with static reads;
//! 5. [`Pass::decision`]: decision rules over the decision helpers, outcomes resolved;
//! 6. the lints over the whole ([`crate::lint`]): unused outcomes and questions, unreachable
//!    decision rules;
//! 7. [`assemble`]: indexes, the sandbox engine, the [`CompiledRuleSet`].

mod native;
mod script;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rhai::AST;

use crate::analysis::{DecisionModel, IndicatorFacts, RuleFacts, States, states};
use crate::claims;
use crate::codes;
use crate::diagnostic::{Diagnostic, Span, did_you_mean};
use crate::lint;
use crate::manifest::{self, Manifest, PositiveRule, Strength};
pub(crate) use crate::model::QuestionName;
use crate::model::{
    CompiledRuleSet, Condition, DecisionIndex, DecisionRule, Dimension, Indicator, Question,
    ScriptContext, readers,
};
use crate::report::State;
use crate::sandbox::{self, RegexCache};
use crate::scope;
use crate::sources::{MANIFEST_FILE, MAX_FILE_SIZE, MAX_LIBRARY_FILES, MAX_LIBRARY_SIZE, Sources};
use crate::yaml;
use native::Functions;
use native::Names;

/// A rule set that loaded, with the warnings found on the way.
#[derive(Debug)]
pub struct Loaded {
    /// The compiled rule set.
    pub rules: CompiledRuleSet,
    /// Warnings (`check::*`), in file order.
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
    /// Leave the decision analysis out: rules that can never decide and outcomes no case can
    /// get are then not reported. For tests that compare the analysis with brute force (they
    /// need such sets loaded), and for tools that inspect a set whose decision is unfinished.
    pub skip_decision_analysis: bool,
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
    let compiled = read(sources, &mut diagnostics)
        .and_then(|manifest| compile(&manifest, sources, options, &mut diagnostics));
    crate::sort::sort_by(&mut diagnostics, |a, b| {
        a.span.cmp(&b.span).then_with(|| a.code.cmp(&b.code))
    });
    diagnostics.dedup();
    match compiled {
        Some(rules) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Loaded {
            rules,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

/// The manifest, read from its YAML (also when it has errors, so that the passes can report
/// theirs; `None` when nothing can be read).
fn read(sources: &Sources, out: &mut Vec<Diagnostic>) -> Option<Manifest> {
    let Some(text) = sources.files.get(MANIFEST_FILE) else {
        out.push(Diagnostic::error(
            codes::load::NO_MANIFEST,
            Span::new(MANIFEST_FILE, 1, 1),
            format!("the rule set has no `{MANIFEST_FILE}`"),
        ));
        return None;
    };
    for (path, text) in &sources.files {
        if Sources::is_rule_file(path) && text.len() > MAX_FILE_SIZE {
            out.push(Diagnostic::error(
                codes::load::FILE_TOO_LARGE,
                Span::new(path, 1, 1),
                format!(
                    "`{path}` is {} bytes; rule-set files may be at most {MAX_FILE_SIZE}",
                    text.len()
                ),
            ));
            return None;
        }
    }
    // Caps before any parsing: each library file costs loading time, so a set of tens of
    // thousands of tiny files is refused by count, and all of them together by size.
    let library: Vec<(&String, &String)> = sources
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".rhai") && Sources::is_rule_file(p))
        .collect();
    if library.len() > MAX_LIBRARY_FILES {
        out.push(
            Diagnostic::error(
                codes::load::TOO_MANY_FILES,
                Span::new(library[MAX_LIBRARY_FILES].0, 1, 1),
                format!(
                    "the rule set has {} `*.rhai` files; a rule set may have at most {MAX_LIBRARY_FILES}",
                    library.len()
                ),
            )
            .with_help("put the functions in fewer files"),
        );
        return None;
    }
    let library_size: usize = library.iter().map(|(_, t)| t.len()).sum();
    if library_size > MAX_LIBRARY_SIZE {
        out.push(
            Diagnostic::error(
                codes::load::LIBRARY_TOO_LARGE,
                Span::new(library[0].0, 1, 1),
                format!(
                    "the `*.rhai` files hold {library_size} bytes together; a rule set's library may hold at most {MAX_LIBRARY_SIZE}"
                ),
            )
            .with_help("a library holds functions for conditions, not data"),
        );
        return None;
    }
    let root = match yaml::parse(MANIFEST_FILE, text) {
        Ok(root) => root,
        Err(errors) => {
            out.extend(errors);
            return None;
        }
    };
    manifest::read(MANIFEST_FILE, text, &root, out)
}

/// Runs the passes over a manifest; `None` when any found an error.
fn compile(
    m: &Manifest,
    sources: &Sources,
    options: &LoadOptions,
    out: &mut Vec<Diagnostic>,
) -> Option<CompiledRuleSet> {
    let mut pass = Pass::new(m, options, out);
    pass.check_ids();
    let library_files = script::library_files(sources);
    let library = script::library(&library_files, pass.out);
    let parsed = pass.parse_scripts();
    let questions = pass.questions(&parsed.ask_if);
    let (dimensions, indicators, facts) = pass.indicators(&parsed.indicators, &library);
    pass.stray_conditions(&library);
    let (decision, rule_facts) = pass.decision(&parsed.decision);
    let readers = readers(questions.len(), &indicators);

    // The decision analysis runs also when something else is wrong (a rule that failed to
    // compile counts as one that may go either way), so that its findings come in the same run.
    let analysis = DecisionModel {
        indicators: facts,
        dimensions: m
            .dimensions
            .iter()
            .map(|d| (d.id.clone(), d.positive))
            .collect(),
        rules: rule_facts,
        outcomes: m.outcomes.len(),
    };
    if !options.skip_decision_analysis {
        lint::decision(m, &analysis, pass.out);
    }
    // Unused-item warnings only make sense once nothing failed to load: a broken indicator or
    // rule would otherwise make its question look unused.
    let clean = !pass.out.iter().any(Diagnostic::is_error) && m.broken.is_empty();
    if clean {
        lint::unused_questions(m, &questions, &readers, pass.out);
    }
    if pass.out.iter().any(Diagnostic::is_error) {
        return None;
    }
    let parts = Parts {
        questions,
        dimensions,
        indicators,
        decision,
        readers,
        analysis,
    };
    Some(assemble(m, sources, parts, &pass.patterns, library_files))
}

/// What the passes share: the manifest, the diagnostics so far, and every literal pattern the
/// conditions use (the sandbox precompiles them).
struct Pass<'a> {
    m: &'a Manifest,
    options: &'a LoadOptions,
    out: &'a mut Vec<Diagnostic>,
    patterns: RegexCache,
    /// Question ids with the static type of their answers and what answers they take, in
    /// question order.
    question_types: Vec<QuestionName>,
    /// Question index by id.
    question_index: HashMap<String, usize>,
    /// The functions scripts may call besides their own and the library's.
    functions: Functions,
}

/// The parsed scripts, by position in the manifest (`None` where parsing failed or there is
/// no script).
struct Parsed {
    indicators: Vec<Option<AST>>,
    ask_if: Vec<Option<AST>>,
    decision: Vec<Option<AST>>,
}

/// The compiled parts [`assemble`] puts together.
struct Parts {
    questions: Vec<Question>,
    dimensions: Vec<Dimension>,
    indicators: Vec<Indicator>,
    decision: Vec<DecisionRule>,
    readers: Vec<Vec<usize>>,
    analysis: DecisionModel,
}

impl<'a> Pass<'a> {
    fn new(m: &'a Manifest, options: &'a LoadOptions, out: &'a mut Vec<Diagnostic>) -> Self {
        let question_index = m
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        let question_types = m
            .questions
            .iter()
            .map(|q| QuestionName::new(&q.id, q.kind, q.min, q.max, &q.options))
            .collect();
        Self {
            m,
            options,
            out,
            patterns: RegexCache::default(),
            question_types,
            question_index,
            functions: Functions::default(),
        }
    }

    /// Ids unique within their kind, translations complete, nothing required empty.
    fn check_ids(&mut self) {
        let m = self.m;
        let out = &mut *self.out;
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
        check_unique(
            out,
            "guidance item",
            m.guidance.iter().map(|g| (&g.id, &g.span)),
        );
        for q in &m.questions {
            check_unique(out, "option", q.options.iter().map(|o| (&o.id, &q.span)));
        }
        lint::translations(m, out);
        lint::victim_wording(m, out);
        claims::check(m, out);
        scope::check(m, out);
        lint::scope(m, out);
        for (what, empty) in [
            ("languages", m.languages.is_empty()),
            ("questions", m.questions.is_empty()),
            ("indicators", m.indicators.is_empty()),
            ("outcomes", m.outcomes.is_empty()),
            ("decision", m.decision.is_empty()),
        ] {
            if empty {
                out.push(Diagnostic::error(
                    codes::load::EMPTY,
                    Span::new(&m.file, 1, 1),
                    format!("`{what}` is empty"),
                ));
            }
        }
    }

    /// Every condition parsed with the sandboxed engine, with `obs` declared.
    fn parse_scripts(&mut self) -> Parsed {
        let m = self.m;
        let engine = sandbox::engine(&m.limits, &self.patterns);
        self.functions = Functions::of(&engine);
        let mut parse = |s: Option<&manifest::Script>, with_obs: bool| {
            s.and_then(|s| script::parse(&engine, s, with_obs, self.out))
        };
        Parsed {
            indicators: m
                .indicators
                .iter()
                .map(|i| parse(Some(&i.when), true))
                .collect(),
            ask_if: m
                .questions
                .iter()
                .map(|q| parse(q.ask_if.as_ref(), true))
                .collect(),
            // `obs` is declared in decisions too, so that reading it is
            // `compile::obs-in-decision` rather than an unknown variable.
            decision: m
                .decision
                .iter()
                .map(|r| parse(r.when.as_ref(), true))
                .collect(),
        }
    }

    /// Questions with their groups checked and `ask_if` compiled (reading earlier questions
    /// only).
    fn questions(&mut self, parsed: &[Option<AST>]) -> Vec<Question> {
        let m = self.m;
        let group_ids: BTreeSet<&str> = m.groups.iter().map(|g| g.id.as_str()).collect();
        let mut questions = Vec::with_capacity(m.questions.len());
        for (index, q) in m.questions.iter().enumerate() {
            if let Some((g, span)) = &q.group
                && !group_ids.contains(g.as_str())
            {
                let help = did_you_mean(g, group_ids.iter().copied())
                    .unwrap_or_else(|| "declare it under `groups`".into());
                self.out.push(
                    Diagnostic::error(
                        codes::load::UNKNOWN_GROUP,
                        span.clone(),
                        format!("unknown group `{g}`"),
                    )
                    .with_help(help),
                );
            }
            let ask_if = match (&q.ask_if, &parsed[index]) {
                (Some(source), Some(ast)) => {
                    let names = names(
                        &self.question_types,
                        &self.question_index,
                        &self.functions,
                        &m.broken,
                        Some(index),
                    );
                    let before = self.out.len();
                    let compiled = script::condition(
                        ast,
                        source,
                        names,
                        &mut self.patterns,
                        self.out,
                        None,
                        self.options,
                    )
                    .map(|(cond, _)| cond);
                    if self.out.len() == before
                        && let Some(Condition::Native(cond)) = &compiled
                        && let Some(possible) = states::possible(cond, &self.question_types)
                        && !possible.contains(State::Present)
                    {
                        self.out.push(
                            Diagnostic::error(
                                codes::compile::CONSTANT_CONDITION,
                                source.span.clone(),
                                format!(
                                    "question `{}` is never asked: its `ask_if` is true for no answers",
                                    q.id
                                ),
                            )
                            .with_help("a question applies unless its `ask_if` is false; fix the condition or remove `ask_if`"),
                        );
                    }
                    compiled
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
                audience: q.audience,
            });
        }
        questions
    }

    /// Dimensions and their indicators, each condition compiled with the function library.
    fn indicators(
        &mut self,
        parsed: &[Option<AST>],
        library: &AST,
    ) -> (Vec<Dimension>, Vec<Indicator>, Vec<IndicatorFacts>) {
        let m = self.m;
        let dimension_ids: Vec<&str> = m.dimensions.iter().map(|d| d.id.as_str()).collect();
        let mut dimensions: Vec<Dimension> = m
            .dimensions
            .iter()
            .map(|d| Dimension {
                id: d.id.clone(),
                label: d.label.clone(),
                description: d.description.clone(),
                rule: d.positive,
                indicators: Vec::new(),
            })
            .collect();
        let mut indicators = Vec::with_capacity(m.indicators.len());
        let mut facts = Vec::with_capacity(m.indicators.len());
        for (index, ind) in m.indicators.iter().enumerate() {
            let dimension = dimension_ids.iter().position(|d| *d == ind.dimension.0);
            let compiled = self.indicator_condition(index, parsed, library);
            facts.push(IndicatorFacts {
                id: ind.id.clone(),
                dimension,
                strength: ind.strength,
                weight: ind
                    .weight
                    .or(ind.strength.map(Strength::weight))
                    .unwrap_or(0.0),
                possible: compiled.as_ref().map_or(States::ANY, |c| c.2),
            });
            let Some(dimension) = dimension else {
                if !m.broken.contains(&ind.dimension.0) {
                    let help = did_you_mean(&ind.dimension.0, dimension_ids.iter().copied())
                        .unwrap_or_else(|| "declare it under `dimensions`".into());
                    self.out.push(
                        Diagnostic::error(
                            codes::load::UNKNOWN_DIMENSION,
                            ind.dimension.1.clone(),
                            format!("unknown dimension `{}`", ind.dimension.0),
                        )
                        .with_help(help),
                    );
                }
                continue;
            };
            if dimensions[dimension].rule == PositiveRule::Ilo && ind.strength.is_none() {
                self.out.push(
                    Diagnostic::error(
                        codes::load::MISSING_STRENGTH,
                        ind.span.clone(),
                        format!("indicator `{}` needs a `strength`: its dimension uses the ILO rule", ind.id),
                    )
                    .with_help("the ILO rule counts strong, medium and weak indicators; or give the dimension `positive: {at_least: k}`"),
                );
            }
            let Some((condition, mut reads, _)) = compiled else {
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
        (dimensions, indicators, facts)
    }

    /// An indicator's condition compiled, with the questions it reads and the states it can
    /// give (`compile::constant-condition` when it can never be present, or is present for
    /// every answer).
    fn indicator_condition(
        &mut self,
        index: usize,
        parsed: &[Option<AST>],
        library: &AST,
    ) -> Option<(Condition, Vec<usize>, States)> {
        let m = self.m;
        let ind = &m.indicators[index];
        let ast = parsed[index].as_ref()?;
        let declared = ind.reads.as_ref().map(|reads| self.declared_reads(reads));
        let names = names(
            &self.question_types,
            &self.question_index,
            &self.functions,
            &m.broken,
            None,
        );
        let before = self.out.len();
        let (condition, reads) = script::condition(
            ast,
            &ind.when,
            names,
            &mut self.patterns,
            self.out,
            Some((library, declared)),
            self.options,
        )?;
        let possible = match &condition {
            Condition::Native(cond) => states::possible(cond, &self.question_types),
            Condition::Script(_) => None,
        };
        if let Some(possible) = possible
            && self.out.len() == before
        {
            let never = if !possible.contains(State::Present) {
                Some("can never be present: its condition is true for no answers")
            } else if !possible.contains(State::Absent) {
                Some("is present for every answer: its condition is never false")
            } else {
                None
            };
            if let Some(never) = never {
                self.out.push(
                    Diagnostic::error(
                        codes::compile::CONSTANT_CONDITION,
                        ind.when.span.clone(),
                        format!("indicator `{}` {never}", ind.id),
                    )
                    .with_help("make the condition depend on the answers: look for `||` where `&&` was meant, a comparison with itself, or a negation too many"),
                );
            }
        }
        Some((condition, reads, possible.unwrap_or(States::ANY)))
    }

    /// The conditions of indicators that failed to read, compiled for their own mistakes only.
    fn stray_conditions(&mut self, library: &AST) {
        let m = self.m;
        let engine = sandbox::engine(&m.limits, &self.patterns);
        for script in &m.stray_conditions {
            let Some(ast) = script::parse(&engine, script, true, self.out) else {
                continue;
            };
            let names = names(
                &self.question_types,
                &self.question_index,
                &self.functions,
                &m.broken,
                None,
            );
            let _ = script::condition(
                &ast,
                script,
                names,
                &mut self.patterns,
                self.out,
                Some((library, None)),
                self.options,
            );
        }
    }

    /// An indicator's declared `reads`, as question indices (unknown ids reported).
    fn declared_reads(&mut self, reads: &[(String, Span)]) -> Vec<usize> {
        let questions = &self.question_types;
        reads
            .iter()
            .filter_map(|(r, span)| {
                let found = questions.iter().position(|q| q.id == *r);
                if found.is_none() {
                    let mut d = Diagnostic::error(
                        codes::load::UNKNOWN_QUESTION,
                        span.clone(),
                        format!("unknown question `{r}` in `reads`"),
                    );
                    d.help = did_you_mean(r, questions.iter().map(|q| q.id.as_str()));
                    self.out.push(d);
                }
                found
            })
            .collect()
    }

    /// The decision rules with their outcomes resolved and conditions compiled.
    fn decision(&mut self, parsed: &[Option<AST>]) -> (Vec<DecisionRule>, Vec<RuleFacts>) {
        let m = self.m;
        let outcome_ids: Vec<&str> = m.outcomes.iter().map(|o| o.id.as_str()).collect();
        let dimension_ids: Vec<String> = m.dimensions.iter().map(|d| d.id.clone()).collect();
        let indicator_ids: Vec<String> = m.indicators.iter().map(|i| i.id.clone()).collect();
        let mut decision = Vec::with_capacity(m.decision.len());
        let mut facts = Vec::with_capacity(m.decision.len());
        for (index, rule) in m.decision.iter().enumerate() {
            let outcome = outcome_ids.iter().position(|o| *o == rule.outcome.0);
            if outcome.is_none() && !m.broken.contains(&rule.outcome.0) {
                let help = did_you_mean(&rule.outcome.0, outcome_ids.iter().copied())
                    .unwrap_or_else(|| format!("the outcomes are: {}", outcome_ids.join(", ")));
                self.out.push(
                    Diagnostic::error(
                        codes::load::UNKNOWN_OUTCOME,
                        rule.outcome.1.clone(),
                        format!(
                            "decision rule `{}` gives unknown outcome `{}`",
                            rule.id, rule.outcome.0
                        ),
                    )
                    .with_help(help),
                );
            }
            let when = match (&rule.when, &parsed[index]) {
                (Some(source), Some(ast)) => {
                    let names = Names {
                        questions: None,
                        question_index: None,
                        functions: None,
                        read_before: None,
                        dimensions: Some(&dimension_ids),
                        indicators: Some(&indicator_ids),
                        broken: &m.broken,
                    };
                    script::decision(ast, source, names, &mut self.patterns, self.out)
                }
                _ => None,
            };
            facts.push(RuleFacts {
                id: rule.id.clone(),
                when: match (&rule.when, &when) {
                    (None, _) => Some(None),
                    (Some(_), Some(cond)) => Some(Some(cond.clone())),
                    (Some(_), None) => None,
                },
                outcome,
            });
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
            self.out.push(
                Diagnostic::error(
                    codes::load::DECISION_FALLS_THROUGH,
                    last.span.clone(),
                    "the decision can end without an outcome: its last rule has a `when`",
                )
                .with_help("end the decision with a rule without `when`, e.g. `- {id: otherwise, outcome: no_signals}`"),
            );
        }
        (decision, facts)
    }
}

/// What an indicator or `ask_if` condition may refer to: the questions (in `ask_if`, only
/// those before `read_before`).
fn names<'n>(
    questions: &'n [QuestionName],
    question_index: &'n HashMap<String, usize>,
    functions: &'n Functions,
    broken: &'n BTreeSet<String>,
    read_before: Option<usize>,
) -> Names<'n> {
    Names {
        questions: Some(questions),
        question_index: Some(question_index),
        functions: Some(functions),
        read_before,
        dimensions: None,
        indicators: None,
        broken,
    }
}

/// The compiled rule set: the parts, their indexes, and the sandbox engine (which knows every
/// literal pattern).
fn assemble(
    m: &Manifest,
    sources: &Sources,
    parts: Parts,
    patterns: &RegexCache,
    library: Vec<(String, String)>,
) -> CompiledRuleSet {
    let Parts {
        questions,
        dimensions,
        indicators,
        decision,
        readers,
        analysis,
    } = parts;
    let decision_index = DecisionIndex::new(&indicators, dimensions.len());
    let scripted_indicators = indicators.iter().any(Indicator::is_scripted);
    let question_index: HashMap<_, _, _> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id.clone(), i))
        .collect();
    CompiledRuleSet {
        id: m.id.clone(),
        version: m.version.clone(),
        status: m.status,
        title: m.title.clone(),
        description: m.description.clone(),
        licence: m.licence.clone(),
        languages: m.languages.clone(),
        translations: m.translations.clone(),
        population: m.population.as_ref().map(|(p, _)| *p),
        forms: m.forms.clone(),
        guidance: m.guidance.clone(),
        age_question: question_index.get(scope::AGE_QUESTION).copied(),
        sources: m.sources.clone(),
        groups: m.groups.clone(),
        sha256: sources.sha256(),
        limits: m.limits,
        questions,
        dimensions,
        indicators,
        decision,
        outcomes: m.outcomes.clone(),
        question_index,
        readers,
        decision_index,
        scripted_indicators,
        analysis,
        engine: Some(sandbox::engine(&m.limits, patterns)),
        script_context: ScriptContext {
            library,
            patterns: patterns.patterns(),
        },
        json_parts: std::sync::OnceLock::new(),
        monotone: std::sync::OnceLock::new(),
        plain_ids: std::sync::OnceLock::new(),
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
                    codes::load::DUPLICATE_ID,
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
