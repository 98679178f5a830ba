//! A rule set's own test cases (`tests/*.yaml`): one harness for `herken test` and `cargo test`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::codes;
use crate::diagnostic::{Diagnostic, Span, did_you_mean};
use crate::evaluate::ScreenOptions;
use crate::manifest::{PositiveRule, Strength};
use crate::model::{CompiledRuleSet, Dimension};
use crate::report::{Clause, Report, State};
use crate::yaml::{self, Kind, Node, PlainValue, ScalarStyle};

/// One test case as written.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// The test file, relative to the rule-set folder.
    pub file: String,
    /// Its name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
    /// The language to screen in (the set's first when absent).
    pub language: Option<String>,
    /// The case: answers by question id.
    pub observations: Json,
    /// What it expects.
    pub expect: Expectations,
}

/// What a case expects; every part optional, lists are subset matches.
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    /// The outcome id.
    pub outcome: Option<String>,
    /// The id of the deciding rule.
    pub decided_by: Option<String>,
    /// Whether the outcome may still rise.
    pub may_rise: Option<bool>,
    /// Indicators expected in each state.
    pub states: Vec<(State, Vec<String>)>,
    /// Dimensions expected positive.
    pub positive: Vec<String>,
    /// Dimensions expected not positive.
    pub negative: Vec<String>,
    /// Questions expected among the next questions.
    pub next_questions: Vec<String>,
}

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// What was checked (`outcome`, ``indicator `x` ``, …).
    pub what: String,
    /// What the case expected.
    pub expected: String,
    /// What screening gave.
    pub actual: String,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult<'r> {
    /// The case.
    pub case: TestCase,
    /// Empty when the case passed.
    pub mismatches: Vec<Mismatch>,
    /// The report, when the observations were valid.
    pub report: Option<Report<'r>>,
}

impl CaseResult<'_> {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Which states each indicator and which outcomes the cases produced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    /// Indicator id → [present, absent, unknown] seen.
    pub indicators: BTreeMap<String, [bool; 3]>,
    /// Outcome id → number of cases that gave it.
    pub outcomes: BTreeMap<String, usize>,
    /// Indicator ids in rule-set order (for reports).
    #[serde(skip)]
    pub indicator_order: Vec<String>,
    /// Outcome ids in rule-set order (for reports).
    #[serde(skip)]
    pub outcome_order: Vec<String>,
    /// Decision rule id → number of cases it decided.
    pub rules: BTreeMap<String, usize>,
    /// Decision rule ids in the order they are tried (for reports).
    #[serde(skip)]
    pub rule_order: Vec<String>,
    /// Dimension id → the clauses of its rule that some case can meet (for the ILO rule,
    /// those its indicators' strengths allow), in the rule's order, each with the number of
    /// cases it made the dimension positive in.
    pub clauses: BTreeMap<String, Vec<(Clause, usize)>>,
    /// Dimension ids in rule-set order (for reports).
    #[serde(skip)]
    pub dimension_order: Vec<String>,
}

impl Coverage {
    /// The states each indicator should be seen in, in the order of
    /// [`Coverage::indicators`]' flags.
    pub const STATES: [State; 3] = [State::Present, State::Absent, State::Unknown];

    /// The states no case saw indicator `id` in.
    pub fn unseen(&self, id: &str) -> Vec<State> {
        match self.indicators.get(id) {
            Some(seen) => Self::STATES
                .into_iter()
                .zip(seen)
                .filter(|(_, seen)| !**seen)
                .map(|(s, _)| s)
                .collect(),
            None => Vec::new(),
        }
    }

    /// Share of what the cases should exercise that they did, in percent: (indicator,
    /// state) pairs, outcomes, decision rules and dimension-rule clauses.
    pub fn percent(&self) -> f64 {
        let clauses = || self.clauses.values().flatten();
        let seen: usize = self
            .indicators
            .values()
            .map(|s| s.iter().filter(|b| **b).count())
            .sum::<usize>()
            + self.outcomes.values().filter(|n| **n > 0).count()
            + self.rules.values().filter(|n| **n > 0).count()
            + clauses().filter(|(_, n)| *n > 0).count();
        let total =
            self.indicators.len() * 3 + self.outcomes.len() + self.rules.len() + clauses().count();
        if total == 0 {
            100.0
        } else {
            100.0 * seen as f64 / total as f64
        }
    }
}

/// Reads test files (`path` → text).
///
/// # Errors
/// Every problem with the files, positioned.
pub fn read_tests(
    rules: &CompiledRuleSet,
    files: &BTreeMap<String, String>,
) -> Result<Vec<TestCase>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut cases = Vec::new();
    for (path, text) in files {
        let root = match yaml::parse(path, text) {
            Ok(root) => root,
            Err(errors) => {
                out.extend(errors);
                continue;
            }
        };
        let Some(entries) = root.as_map() else {
            out.push(Diagnostic::error(
                codes::test::FORMAT,
                root.span.clone(),
                "a test file is a mapping with `cases:`",
            ));
            continue;
        };
        for (key, value) in entries {
            if key.as_str() != Some("cases") {
                out.push(
                    Diagnostic::error(
                        codes::test::FORMAT,
                        key.span.clone(),
                        "unknown key in a test file",
                    )
                    .with_help("a test file has one key, `cases`"),
                );
                continue;
            }
            let Some(items) = value.as_seq() else {
                out.push(Diagnostic::error(
                    codes::test::FORMAT,
                    value.span.clone(),
                    "`cases` must be a list",
                ));
                continue;
            };
            for item in items {
                if let Some(case) = read_case(rules, path, item, &mut out) {
                    cases.push(case);
                }
            }
        }
    }
    if out.iter().any(Diagnostic::is_error) {
        Err(out)
    } else {
        Ok(cases)
    }
}

fn read_case(
    rules: &CompiledRuleSet,
    file: &str,
    node: &Node,
    out: &mut Vec<Diagnostic>,
) -> Option<TestCase> {
    let Some(entries) = node.as_map() else {
        out.push(Diagnostic::error(
            codes::test::FORMAT,
            node.span.clone(),
            "a test case is a mapping",
        ));
        return None;
    };
    let known = ["name", "description", "language", "observations", "expect"];
    let mut name = None;
    let mut language = None;
    let mut observations = Json::Object(serde_json::Map::new());
    let mut expect = Expectations::default();
    for (key, value) in entries {
        match key.as_str() {
            Some("name") => name = value.as_scalar().map(|s| s.text.clone()),
            Some("description") => {}
            Some("language") => language = value.as_str().map(str::to_owned),
            Some("observations") => observations = to_json(value),
            Some("expect") => expect = read_expect(rules, value, out),
            other => {
                let k = other.unwrap_or_default();
                let mut d = Diagnostic::error(
                    codes::test::UNKNOWN_KEY,
                    key.span.clone(),
                    format!("unknown key `{k}` in a test case"),
                );
                d.help = did_you_mean(k, known);
                out.push(d);
            }
        }
    }
    let Some(name) = name else {
        out.push(Diagnostic::error(
            codes::test::FORMAT,
            node.span.clone(),
            "a test case needs a `name`",
        ));
        return None;
    };
    Some(TestCase {
        file: file.to_owned(),
        name,
        span: node.span.clone(),
        language,
        observations,
        expect,
    })
}

fn read_expect(rules: &CompiledRuleSet, node: &Node, out: &mut Vec<Diagnostic>) -> Expectations {
    let mut e = Expectations::default();
    let Some(entries) = node.as_map() else {
        out.push(Diagnostic::error(
            codes::test::FORMAT,
            node.span.clone(),
            "`expect` is a mapping",
        ));
        return e;
    };
    let indicator_ids: Vec<&str> = rules.indicators.iter().map(|i| i.id.as_str()).collect();
    let dimension_ids: Vec<&str> = rules.dimensions.iter().map(|d| d.id.as_str()).collect();
    let question_ids: Vec<&str> = rules.questions.iter().map(|q| q.id.as_ref()).collect();
    let outcome_ids: Vec<&str> = rules.outcomes.iter().map(|o| o.id.as_str()).collect();
    let rule_ids: Vec<&str> = rules.decision.iter().map(|r| r.id.as_str()).collect();
    let ids =
        |value: &Node, known: &[&str], what: &str, out: &mut Vec<Diagnostic>| -> Vec<String> {
            let items: Vec<&Node> = match &value.kind {
                Kind::Seq(items) => items.iter().collect(),
                _ => vec![value],
            };
            items
                .into_iter()
                .filter_map(|n| {
                    let id = n.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
                    if known.contains(&id.as_str()) {
                        Some(id)
                    } else {
                        let mut d = Diagnostic::error(
                            codes::test::UNKNOWN_REFERENCE,
                            n.span.clone(),
                            format!("unknown {what} `{id}`"),
                        );
                        d.help = did_you_mean(&id, known.iter().copied());
                        out.push(d);
                        None
                    }
                })
                .collect()
        };
    for (key, value) in entries {
        match key.as_str() {
            Some("outcome") => {
                e.outcome = ids(value, &outcome_ids, "outcome", out).into_iter().next()
            }
            Some("decided_by") => {
                e.decided_by = ids(value, &rule_ids, "decision rule", out)
                    .into_iter()
                    .next()
            }
            Some("may_rise") => match value.as_scalar().map(|s| s.plain_value()) {
                Some(PlainValue::Bool(b)) => e.may_rise = Some(b),
                _ => out.push(Diagnostic::error(
                    codes::test::FORMAT,
                    value.span.clone(),
                    "`may_rise` is true or false",
                )),
            },
            Some(name) if State::from_name(name).is_some() => {
                let state = State::from_name(name).unwrap_or(State::Error);
                e.states
                    .push((state, ids(value, &indicator_ids, "indicator", out)));
            }
            Some("positive") => e.positive = ids(value, &dimension_ids, "dimension", out),
            Some("negative") => e.negative = ids(value, &dimension_ids, "dimension", out),
            Some("next_questions") => e.next_questions = ids(value, &question_ids, "question", out),
            other => {
                let mut known = vec!["outcome", "decided_by", "may_rise"];
                known.extend(State::ALL.map(State::as_str));
                known.extend(["positive", "negative", "next_questions"]);
                let k = other.unwrap_or_default();
                let mut d = Diagnostic::error(
                    codes::test::UNKNOWN_KEY,
                    key.span.clone(),
                    format!("unknown expectation `{k}`"),
                );
                d.help = did_you_mean(k, known.iter().copied())
                    .or_else(|| Some(format!("expectations: {}", known.join(", "))));
                out.push(d);
            }
        }
    }
    contradictions(entries, out);
    e
}

/// `test::contradiction`: an indicator listed under two states, or a dimension both
/// `positive` and `negative`, in one `expect`. Reported at the second mention.
fn contradictions(entries: &[(Node, Node)], out: &mut Vec<Diagnostic>) {
    let mut indicators: BTreeMap<String, &str> = BTreeMap::new();
    let mut dimensions: BTreeMap<String, &str> = BTreeMap::new();
    for (key, value) in entries {
        let Some(name) = key.as_str() else { continue };
        let (seen, what) = if State::from_name(name).is_some() {
            (&mut indicators, "indicator")
        } else if name == "positive" || name == "negative" {
            (&mut dimensions, "dimension")
        } else {
            continue;
        };
        let items: Vec<&Node> = match &value.kind {
            Kind::Seq(items) => items.iter().collect(),
            _ => vec![value],
        };
        for item in items {
            let Some(id) = item.as_scalar().map(|s| s.text.clone()) else {
                continue;
            };
            match seen.get(&id) {
                Some(first) if *first != name => out.push(
                    Diagnostic::error(
                        codes::test::CONTRADICTION,
                        item.span.clone(),
                        format!("{what} `{id}` is expected both `{first}` and `{name}`"),
                    )
                    .with_help(
                        "a case shows one state of each; remove the expectation that is a mistake",
                    ),
                ),
                Some(_) => {}
                None => {
                    seen.insert(id, name);
                }
            }
        }
    }
}

/// A YAML node as JSON: plain scalars typed by the YAML 1.2 core schema, quoted ones as text.
pub(crate) fn to_json(node: &Node) -> Json {
    match &node.kind {
        Kind::Scalar(s) if s.style != ScalarStyle::Plain => Json::String(s.text.clone()),
        Kind::Scalar(s) => match s.plain_value() {
            PlainValue::Null => Json::Null,
            PlainValue::Bool(b) => Json::Bool(b),
            PlainValue::Int(i) => Json::from(i),
            PlainValue::Float(f) => {
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
            }
            PlainValue::Str => Json::String(s.text.clone()),
        },
        Kind::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Kind::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_scalar().map(|s| s.text.clone()).unwrap_or_default(),
                        to_json(v),
                    )
                })
                .collect(),
        ),
    }
}

/// Runs cases and gathers coverage.
pub fn run_tests(rules: &CompiledRuleSet, cases: Vec<TestCase>) -> (Vec<CaseResult<'_>>, Coverage) {
    let mut coverage = Coverage {
        indicators: rules
            .indicators
            .iter()
            .map(|i| (i.id.clone(), [false; 3]))
            .collect(),
        outcomes: rules.outcomes.iter().map(|o| (o.id.clone(), 0)).collect(),
        indicator_order: rules.indicators.iter().map(|i| i.id.clone()).collect(),
        outcome_order: rules.outcomes.iter().map(|o| o.id.clone()).collect(),
        rules: rules.decision.iter().map(|r| (r.id.clone(), 0)).collect(),
        rule_order: rules.decision.iter().map(|r| r.id.clone()).collect(),
        clauses: rules
            .dimensions
            .iter()
            .map(|d| {
                let clauses = meetable_clauses(rules, d).map(|c| (c, 0)).collect();
                (d.id.clone(), clauses)
            })
            .collect(),
        dimension_order: rules.dimensions.iter().map(|d| d.id.clone()).collect(),
    };
    let results = cases
        .into_iter()
        .map(|case| {
            let options = ScreenOptions {
                language: case
                    .language
                    .clone()
                    .unwrap_or_else(|| rules.languages.first().cloned().unwrap_or_default()),
                next_questions: true,
            };
            match rules.observations(&case.observations) {
                Err(errors) => {
                    let mismatches = errors
                        .iter()
                        .map(|e| Mismatch {
                            what: "observations".into(),
                            expected: "a valid case".into(),
                            actual: e.to_string(),
                        })
                        .collect();
                    CaseResult {
                        case,
                        mismatches,
                        report: None,
                    }
                }
                Ok(obs) => {
                    let report = rules.evaluate(&obs, &options);
                    for ind in &report.indicators {
                        let at = Coverage::STATES.iter().position(|s| *s == ind.state);
                        if let (Some(seen), Some(at)) =
                            (coverage.indicators.get_mut(ind.id.as_ref()), at)
                        {
                            seen[at] = true;
                        }
                    }
                    *coverage
                        .outcomes
                        .entry(report.outcome.id.to_string())
                        .or_default() += 1;
                    if let Some(n) = coverage.rules.get_mut(report.outcome.decided_by.as_ref()) {
                        *n += 1;
                    }
                    for d in &report.dimensions {
                        let Some(clause) = d.clause else { continue };
                        if let Some((_, n)) = coverage
                            .clauses
                            .get_mut(d.id.as_ref())
                            .and_then(|cs| cs.iter_mut().find(|(c, _)| *c == clause))
                        {
                            *n += 1;
                        }
                    }
                    let mismatches = compare(&case.expect, &report);
                    CaseResult {
                        case,
                        mismatches,
                        report: Some(report),
                    }
                }
            }
        })
        .collect();
    (results, coverage)
}

/// The clauses of dimension `d`'s rule that some case can meet: the first clause that holds
/// makes a dimension positive, so an ILO clause needs the strengths it counts among the
/// indicators that can be present, and none that an earlier clause would take first.
fn meetable_clauses(rules: &CompiledRuleSet, d: &Dimension) -> impl Iterator<Item = Clause> {
    let can_be_present: Vec<usize> = d
        .indicators
        .iter()
        .copied()
        .filter(|i| rules.possible_states(*i).contains(State::Present))
        .collect();
    let of = |strength: Strength| {
        can_be_present
            .iter()
            .filter(|i| rules.indicators[**i].strength == Some(strength))
            .count()
    };
    let (s, m, w) = (
        of(Strength::Strong),
        of(Strength::Medium),
        of(Strength::Weak),
    );
    let clauses: Vec<Clause> = match d.rule {
        PositiveRule::Ilo => [
            (Clause::TwoStrong, s >= 2),
            (Clause::StrongAndMediumOrWeak, s >= 1 && m + w >= 1),
            (Clause::ThreeMedium, m >= 3),
            (Clause::TwoMediumAndWeak, m >= 2 && w >= 1),
        ]
        .into_iter()
        .filter_map(|(c, meetable)| meetable.then_some(c))
        .collect(),
        PositiveRule::AtLeast(k) => (can_be_present.len() >= k as usize)
            .then_some(Clause::AtLeast)
            .into_iter()
            .collect(),
        PositiveRule::ScoreAtLeast(x) => {
            let best: f64 = can_be_present
                .iter()
                .map(|i| rules.indicators[*i].weight.max(0.0))
                .sum();
            (best >= x)
                .then_some(Clause::ScoreAtLeast)
                .into_iter()
                .collect()
        }
    };
    clauses.into_iter()
}

fn compare(e: &Expectations, r: &Report) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut check = |what: &str, expected: String, actual: String, ok: bool| {
        if !ok {
            out.push(Mismatch {
                what: what.to_owned(),
                expected,
                actual,
            });
        }
    };
    if let Some(o) = &e.outcome {
        check(
            "outcome",
            o.clone(),
            r.outcome.id.to_string(),
            *o == r.outcome.id,
        );
    }
    if let Some(d) = &e.decided_by {
        check(
            "decided_by",
            d.clone(),
            r.outcome.decided_by.to_string(),
            *d == r.outcome.decided_by,
        );
    }
    if let Some(m) = e.may_rise {
        check(
            "may_rise",
            m.to_string(),
            r.outcome.may_rise.to_string(),
            m == r.outcome.may_rise,
        );
    }
    for (state, ids) in &e.states {
        for id in ids {
            let actual = r
                .indicators
                .iter()
                .find(|i| i.id == *id)
                .map_or("missing", |i| i.state.as_str());
            check(
                &format!("indicator `{id}`"),
                state.as_str().to_owned(),
                actual.to_owned(),
                actual == state.as_str(),
            );
        }
    }
    for (positive, ids) in [(true, &e.positive), (false, &e.negative)] {
        for id in ids {
            let actual = r
                .dimensions
                .iter()
                .find(|d| d.id == *id)
                .map(|d| d.positive);
            let word = |p: bool| if p { "positive" } else { "negative" }.to_owned();
            check(
                &format!("dimension `{id}`"),
                word(positive),
                actual.map_or("missing".into(), word),
                actual == Some(positive),
            );
        }
    }
    for id in &e.next_questions {
        let listed: Vec<&str> = r.next_questions.iter().map(|q| q.id.as_ref()).collect();
        check(
            "next_questions",
            format!("contains `{id}`"),
            if listed.is_empty() {
                "none".into()
            } else {
                listed.join(", ")
            },
            listed.contains(&id.as_str()),
        );
    }
    out
}
