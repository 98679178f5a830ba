//! Every `check::*` lint: a rule set that loads but is likely wrong. Lints give warnings, never
//! errors; loading runs those over the manifest and its conditions, `herken check` adds the
//! ones over the set's own tests ([`coverage`]).

use crate::codes;
use crate::diagnostic::{Diagnostic, Span};
use crate::manifest::{Manifest, Text};
use crate::model::{CompiledRuleSet, Condition, Question};
use crate::sandbox;
use crate::testcase::Coverage;

/// `check::missing-translation`: every text in every language of the set.
pub(crate) fn translations(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let mut check = |text: &Text, span: &Span, what: &str| {
        for lang in &m.languages {
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
    check(&m.title, &Span::new(&m.file, 1, 1), "the title");
    for q in &m.questions {
        check(&q.text, &q.span, &format!("question `{}`", q.id));
        if let Some(h) = &q.help {
            check(h, &q.span, &format!("the help of question `{}`", q.id));
        }
        for o in &q.options {
            let what = format!("option `{}` of question `{}`", o.id, q.id);
            check(&o.label, &q.span, &what);
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

/// `check::unreachable-rule`: decision rules after one without `when`.
pub(crate) fn unreachable_rules(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let Some(first) = m.decision.iter().position(|r| r.when.is_none()) else {
        return;
    };
    let catch_all = &m.decision[first].id;
    for rule in &m.decision[first + 1..] {
        out.push(Diagnostic::warning(
            codes::check::UNREACHABLE_RULE,
            rule.span.clone(),
            format!(
                "decision rule `{}` is never reached: `{catch_all}` before it has no `when`",
                rule.id
            ),
        ));
    }
}

/// `check::unused-outcome`: outcomes no decision rule gives.
pub(crate) fn unused_outcomes(m: &Manifest, out: &mut Vec<Diagnostic>) {
    for o in &m.outcomes {
        if !m.decision.iter().any(|r| r.outcome.0 == o.id) {
            out.push(Diagnostic::warning(
                codes::check::UNUSED_OUTCOME,
                o.span.clone(),
                format!("no decision rule gives outcome `{}`", o.id),
            ));
        }
    }
}

/// `check::unused-question`: questions no indicator and no `ask_if` reads.
pub(crate) fn unused_questions(
    m: &Manifest,
    questions: &[Question],
    readers: &[Vec<usize>],
    out: &mut Vec<Diagnostic>,
) {
    for (q, mq) in m.questions.iter().enumerate() {
        let read_by_ask_if = questions.iter().any(|other| match &other.ask_if {
            Some(Condition::Native(c)) => {
                let mut hit = false;
                c.visit_reads(&mut |r| hit |= r == q);
                hit
            }
            _ => false,
        });
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
