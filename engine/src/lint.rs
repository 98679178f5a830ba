//! Every `check::*` lint: a rule set that loads but is likely wrong. Lints give warnings, never
//! errors; loading runs those over the manifest and its conditions, `herken check` adds the
//! ones over the set's own tests ([`coverage`]).

use crate::analysis::solver::visit_helpers;
use crate::analysis::{DecisionModel, Query, Search, Solved, States};
use crate::codes;
use crate::cond::Cond;
use crate::diagnostic::{Diagnostic, Span};
use crate::manifest::{Audience, Manifest, Population, Text, TranslationScope};
use crate::model::{CompiledRuleSet, Condition, Question};
use crate::sandbox;
use crate::testcase::Coverage;

/// `check::missing-translation`: every text in every language of the set; a translation that
/// covers only the questions is checked on what the person reads (the text, options and unit of
/// each question put to the person).
pub(crate) fn translations(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let (full, person): (Vec<&String>, Vec<&String>) = m.languages.iter().partition(|l| {
        m.translations
            .iter()
            .find(|t| &t.language == *l)
            .is_none_or(|t| t.covers == TranslationScope::All)
    });
    let mut check = |text: &Text, span: &Span, what: &str, person_reads: bool| {
        let langs = full.iter().chain(person.iter().filter(|_| person_reads));
        for lang in langs {
            if !text.has(lang) {
                out.push(
                    Diagnostic::warning(
                        codes::check::MISSING_TRANSLATION,
                        span.clone(),
                        format!("{what} has no `{lang}` text"),
                    )
                    .with_help("every text needs each language in `languages`; the first language fills in"),
                );
            }
        }
    };
    check(&m.title, &Span::new(&m.file, 1, 1), "the title", false);
    for g in &m.guidance {
        check(
            &g.text,
            &g.span,
            &format!("guidance item `{}`", g.id),
            false,
        );
    }
    for q in &m.questions {
        let asked = q.audience == Audience::Person;
        check(&q.text, &q.span, &format!("question `{}`", q.id), asked);
        if let Some(h) = &q.help {
            check(
                h,
                &q.span,
                &format!("the help of question `{}`", q.id),
                false,
            );
        }
        if let Some(u) = &q.unit {
            check(
                u,
                &q.span,
                &format!("the unit of question `{}`", q.id),
                asked,
            );
        }
        for o in &q.options {
            let what = format!("option `{}` of question `{}`", o.id, q.id);
            check(&o.label, &q.span, &what, asked);
        }
    }
    for d in &m.dimensions {
        check(&d.label, &d.span, &format!("dimension `{}`", d.id), false);
    }
    for i in &m.indicators {
        check(&i.label, &i.span, &format!("indicator `{}`", i.id), false);
    }
    for o in &m.outcomes {
        check(
            &o.label,
            &o.span,
            &format!("the label of outcome `{}`", o.id),
            false,
        );
        check(
            &o.advice,
            &o.span,
            &format!("the advice of outcome `{}`", o.id),
            false,
        );
    }
}

/// `check::no-population`, `check::no-forms`, `check::no-guidance`: a set that does not say
/// who it is for, what it covers, or how to hold the conversation.
pub(crate) fn scope(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let top = Span::new(&m.file, 1, 1);
    if m.population.is_none() {
        out.push(
            Diagnostic::warning(
                codes::check::NO_POPULATION,
                top.clone(),
                "the set does not say who it is for",
            )
            .with_help("add `population: adult`, `child` or `any`"),
        );
    }
    if m.forms.is_empty() {
        out.push(
            Diagnostic::warning(
                codes::check::NO_FORMS,
                top.clone(),
                "the set does not say which forms of exploitation it covers",
            )
            .with_help("add e.g. `forms: [labour]`"),
        );
    }
    if m.guidance.is_empty() {
        out.push(
            Diagnostic::warning(
                codes::check::NO_GUIDANCE,
                top,
                "the set gives no guidance on holding the conversation safely",
            )
            .with_help("add `guidance:` items (speak with the person alone, an independent interpreter, the screen out of sight, confidentiality and its limits)"),
        );
    }
}

/// Work limit of one search at load, in nodes (real rules need tens).
const ANALYSIS_LIMIT: usize = 200_000;

/// The decision analysis at load: `compile::unreachable-rule` (a rule whose condition can
/// never hold), `compile::shadowed-rule` (a rule that can hold but never decides, because
/// earlier rules always hold first), `compile::unreachable-outcome` (an outcome no rule can
/// give although rules give it), `check::unused-outcome` (no rule gives it), and
/// `check::analysis-limit` where the search could not settle a rule.
///
/// It runs once every indicator has been read with its dimension: without one of them it would
/// judge another decision than the author's (the other errors come first).
pub(crate) fn decision(m: &Manifest, model: &DecisionModel, out: &mut Vec<Diagnostic>) {
    if m.failed_indicators > 0 || model.indicators.iter().any(|i| i.dimension.is_none()) {
        return;
    }
    let free: Vec<States> = model.indicators.iter().map(|i| i.possible).collect();
    let search = Search::new(model, &free);
    let mut may_decide = vec![false; model.rules.len()];
    let limit = |rule: &str, span: &Span, out: &mut Vec<Diagnostic>| {
        out.push(
            Diagnostic::warning(
                codes::check::ANALYSIS_LIMIT,
                span.clone(),
                format!("could not settle whether decision rule `{rule}` can decide"),
            )
            .with_help("test cases that reach the rule show that it can"),
        );
    };
    for (r, rule) in model.rules.iter().enumerate() {
        let Some(decl) = m.decision.get(r) else {
            continue;
        };
        let Some(when) = &rule.when else {
            // It failed to compile (already reported): it may go either way.
            may_decide[r] = true;
            continue;
        };
        if let Some(cond) = when {
            match search.solve(&Query::fires(r, Vec::new()), ANALYSIS_LIMIT) {
                Solved::Never => {
                    out.push(
                        Diagnostic::error(
                            codes::compile::UNREACHABLE_RULE,
                            decl.span.clone(),
                            format!(
                                "decision rule `{}` can never hold: no indicator states make its condition true",
                                rule.id
                            ),
                        )
                        .with_help(never_holds_help(model, &search, cond)),
                    );
                    continue;
                }
                Solved::Limit => {
                    limit(&rule.id, &decl.span, out);
                    may_decide[r] = true;
                    continue;
                }
                Solved::Found(_) => {}
            }
        }
        let before: Vec<usize> = (0..r).filter(|j| model.rules[*j].when.is_some()).collect();
        match search.solve(&Query::fires(r, before.clone()), ANALYSIS_LIMIT) {
            Solved::Found(_) => may_decide[r] = true,
            Solved::Limit => {
                limit(&rule.id, &decl.span, out);
                may_decide[r] = true;
            }
            Solved::Never => {
                let shadows = shadowing(&search, r, before);
                let names: Vec<String> = shadows
                    .iter()
                    .map(|j| format!("`{}`", model.rules[*j].id))
                    .collect();
                let names = names.join(" or ");
                let message = if when.is_some() {
                    format!(
                        "decision rule `{}` never decides: whenever its condition holds, {names} holds before it",
                        rule.id
                    )
                } else {
                    format!(
                        "decision rule `{}` is never reached: every case is decided before it, by {names}",
                        rule.id
                    )
                };
                out.push(
                    Diagnostic::error(codes::compile::SHADOWED_RULE, decl.span.clone(), message)
                        .with_help(format!(
                            "rules are tried in order and the first that holds decides: move `{}` before {names}, or narrow {}",
                            rule.id,
                            if shadows.len() == 1 { "it" } else { "them" }
                        )),
                );
            }
        }
    }
    for (o, outcome) in m.outcomes.iter().enumerate() {
        let givers: Vec<usize> = (0..model.rules.len())
            .filter(|r| model.rules[*r].outcome == Some(o))
            .collect();
        if givers.iter().any(|r| may_decide[*r]) {
            continue;
        }
        if givers.is_empty() {
            // Not given by any rule: an outcome kept for later, or a missing rule (unless a
            // rule names an outcome that does not exist: it may have meant this one).
            if model.rules.iter().any(|r| r.outcome.is_none()) {
                continue;
            }
            out.push(Diagnostic::warning(
                codes::check::UNUSED_OUTCOME,
                outcome.span.clone(),
                format!("no decision rule gives outcome `{}`", outcome.id),
            ));
            continue;
        }
        let names: Vec<String> = givers
            .iter()
            .map(|r| format!("`{}`", model.rules[*r].id))
            .collect();
        let message = format!(
            "no case can get outcome `{}`: the decision rules that give it never decide ({})",
            outcome.id,
            names.join(", ")
        );
        out.push(
            Diagnostic::error(
                codes::compile::UNREACHABLE_OUTCOME,
                outcome.span.clone(),
                message,
            )
            .with_help("add or fix a decision rule that gives it, or remove the outcome"),
        );
    }
}

/// A smallest set of the rules `before` that together always hold when rule `r` does.
fn shadowing(search: &Search<'_>, r: usize, before: Vec<usize>) -> Vec<usize> {
    let mut kept = before;
    let mut k = 0;
    while k < kept.len() {
        let mut without = kept.clone();
        without.remove(k);
        if search.solve(&Query::fires(r, without.clone()), ANALYSIS_LIMIT) == Solved::Never {
            kept = without;
        } else {
            k += 1;
        }
    }
    kept
}

/// Why a rule's condition can never hold: the ranges of the counts and scores it compares.
fn never_holds_help(model: &DecisionModel, search: &Search<'_>, cond: &Cond) -> String {
    let mut ranges: Vec<String> = Vec::new();
    visit_helpers(cond, &mut |h| {
        if let Some((lo, hi)) = search.helper_range(h) {
            let text = format!(
                "`{}` can be {} to {}",
                model.helper_text(h),
                number(lo),
                number(hi)
            );
            if !ranges.contains(&text) {
                ranges.push(text);
            }
        }
    });
    if ranges.is_empty() {
        "its parts contradict each other (e.g. `positive(\"a\") && !positive(\"a\")`)".into()
    } else {
        format!("in this set {}", ranges.join(", "))
    }
}

fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        (x as i64).to_string()
    } else {
        x.to_string()
    }
}

/// `check::unused-question`: questions no indicator and no `ask_if` reads (nor, for a set for
/// adults or children, the population check: `under_18`).
pub(crate) fn unused_questions(
    m: &Manifest,
    questions: &[Question],
    readers: &[Vec<usize>],
    out: &mut Vec<Diagnostic>,
) {
    let age_read = m
        .population
        .as_ref()
        .is_some_and(|(p, _)| *p != Population::Any);
    // The questions `ask_if` conditions read, found once (not once per question).
    let mut read_by_ask_if = vec![false; m.questions.len()];
    for other in questions {
        if let Some(Condition::Native(c)) = &other.ask_if {
            c.visit_reads(&mut |r| {
                if let Some(hit) = read_by_ask_if.get_mut(r) {
                    *hit = true;
                }
            });
        }
    }
    for (q, mq) in m.questions.iter().enumerate() {
        if age_read && mq.id == crate::scope::AGE_QUESTION {
            continue;
        }
        let read_by_ask_if = read_by_ask_if[q];
        if readers.get(q).is_some_and(Vec::is_empty) && !read_by_ask_if {
            out.push(
                Diagnostic::warning(
                    codes::check::UNUSED_QUESTION,
                    mq.span.clone(),
                    format!("no indicator reads question `{}`", mq.id),
                )
                .with_help("remove the question, or use it in an indicator's `when`"),
            );
        }
    }
}

/// `check::regex-never-matches`: a `matches` pattern (at `span`) that no text can match.
pub(crate) fn pattern(pattern: &str, span: Span, out: &mut Vec<Diagnostic>) {
    if sandbox::never_matches(pattern) {
        out.push(
            Diagnostic::warning(
                codes::check::REGEX_NEVER_MATCHES,
                span,
                format!("pattern `{pattern}` can never match any text"),
            )
            .with_help("the indicator could never be present; check the pattern (e.g. a class that excludes everything, `[^\\s\\S]`)"),
        );
    }
}

/// `check::untested-indicator` and `check::untested-outcome`: what a set's own test cases
/// never see (each indicator present, absent and unknown; each outcome).
pub fn coverage(rules: &CompiledRuleSet, coverage: &Coverage) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ind in &rules.indicators {
        let missing = coverage.unseen(&ind.id);
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            out.push(
                Diagnostic::warning(
                    codes::check::UNTESTED_INDICATOR,
                    ind.span.clone(),
                    format!(
                        "no test case sees indicator `{}` {}",
                        ind.id,
                        names.join(" or ")
                    ),
                )
                .with_help("add cases under tests/; `herken test` shows coverage"),
            );
        }
    }
    for o in &rules.outcomes {
        if coverage.outcomes.get(&o.id).copied().unwrap_or(0) == 0 {
            out.push(Diagnostic::warning(
                codes::check::UNTESTED_OUTCOME,
                o.span.clone(),
                format!("no test case produces outcome `{}`", o.id),
            ));
        }
    }
    out
}

/// Words that speak of a person as a victim, and words before them that make it a possibility.
const VICTIM: [&str; 4] = ["victim", "victims", "slachtoffer", "slachtoffers"];
const QUALIFIERS: [&str; 16] = [
    "possible",
    "possibly",
    "potential",
    "potentially",
    "presumed",
    "suspected",
    "likely",
    "mogelijk",
    "mogelijke",
    "vermoedelijk",
    "vermoedelijke",
    "vermoed",
    "vermoede",
    "potentieel",
    "potentiële",
    "potentiele",
];
/// How many words before "victim" a qualifier may stand ("possible child victim").
const WINDOW: usize = 3;

/// `check::unqualified-victim`: an outcome's label or advice that calls a person a victim
/// without "possible" or "mogelijk" shortly before (a screening gives a signal, never an
/// identification).
pub(crate) fn victim_wording(m: &Manifest, out: &mut Vec<Diagnostic>) {
    for o in &m.outcomes {
        for (what, text, span) in [
            ("label", &o.label, &o.label_span),
            ("advice", &o.advice, &o.advice_span),
        ] {
            for (lang, word) in unqualified(text) {
                out.push(
                    Diagnostic::warning(
                        codes::check::UNQUALIFIED_VICTIM,
                        span.clone(),
                        format!(
                            "the `{lang}` {what} of outcome `{}` says `{word}` without \"possible\" or \"mogelijk\"",
                            o.id
                        ),
                    )
                    .with_help(
                        "write \"possible victim\" / \"mogelijk slachtoffer\" (or potential, presumed, vermoedelijk): a screening gives a signal, never an identification",
                    ),
                );
            }
        }
    }
}

/// Per language, the first "victim" word with no qualifier shortly before it.
fn unqualified(text: &Text) -> Vec<(&str, String)> {
    let mut found = Vec::new();
    for (lang, t) in text.iter() {
        // Hyphens and apostrophes stay inside words: "victim-centred" is not "victim".
        let words: Vec<String> = t
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\'' || c == '’'))
            .filter(|w| !w.is_empty())
            .map(|w| {
                let w = w.to_lowercase();
                w.strip_suffix("'s")
                    .or_else(|| w.strip_suffix("’s"))
                    .map_or(w.clone(), str::to_owned)
            })
            .collect();
        let hit = words.iter().enumerate().find(|(i, w)| {
            VICTIM.contains(&w.as_str())
                && !words[i.saturating_sub(WINDOW)..*i]
                    .iter()
                    .any(|q| QUALIFIERS.contains(&q.as_str()))
        });
        if let Some((_, w)) = hit {
            found.push((lang, w.clone()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Text {
        Text([("en".to_owned(), t.to_owned())].into_iter().collect())
    }

    #[test]
    fn victim_needs_a_qualifier_shortly_before_it() {
        for ok in [
            "Possible victim of trafficking",
            "possible child victim",
            "(mogelijk) slachtoffer",
            "Mogelijk minderjarig slachtoffer van uitbuiting",
            "a victim-centred approach",
            "Slachtofferhulp Nederland",
            "Fier helps potential victims",
        ] {
            assert!(unqualified(&text(ok)).is_empty(), "{ok}");
        }
        for bad in [
            "Victim of trafficking",
            "Slachtoffer van mensenhandel",
            "the victim's passport",
            "Possible signals. Refer the victim.",
        ] {
            assert_eq!(unqualified(&text(bad)).len(), 1, "{bad}");
        }
    }
}
