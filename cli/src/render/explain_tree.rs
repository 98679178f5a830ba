//! The explanation tree of a report: outcome ← decision rule ← positive dimensions ← present
//! indicators ← the answers they read, in the report's language.

use std::io::Write;

use super::report::answer;
use herken_engine::{CompiledRuleSet, DimensionReport, Report, State};

pub fn write(out: &mut dyn Write, rules: &CompiledRuleSet, r: &Report) -> std::io::Result<()> {
    let nl = r.language == "nl";
    let t = |en: &'static str, dutch: &'static str| if nl { dutch } else { en };
    super::report::heading(out, rules, r)?;
    writeln!(
        out,
        "{}: {} [{}]",
        t("Outcome", "Uitkomst"),
        r.outcome.label,
        r.outcome.id
    )?;
    let condition = r.outcome.condition.as_deref().unwrap_or(t(
        "(no condition: the default)",
        "(geen voorwaarde: de standaard)",
    ));
    writeln!(
        out,
        "└─ {} `{}`: {}",
        t("because rule", "want regel"),
        r.outcome.decided_by,
        one_line(condition)
    )?;
    let shown: Vec<&DimensionReport> = r
        .dimensions
        .iter()
        .filter(|d| d.positive || !d.indicators.is_empty())
        .collect();
    if shown.is_empty() {
        writeln!(
            out,
            "   └─ {}",
            t(
                "no indicator is present",
                "geen enkele indicator is aanwezig"
            )
        )?;
    }
    for (n, d) in shown.iter().enumerate() {
        let last_dim = n + 1 == shown.len();
        let (branch, pipe) = if last_dim {
            ("└─", "   ")
        } else {
            ("├─", "│  ")
        };
        let verdict = if d.positive {
            t("positive", "positief")
        } else {
            t("not positive", "niet positief")
        };
        writeln!(
            out,
            "   {branch} {} `{}`: {verdict} — {}",
            t("dimension", "dimensie"),
            d.label,
            d.why(&r.language)
        )?;
        let present: Vec<_> = r
            .indicators
            .iter()
            .filter(|i| i.dimension == d.id && i.state == State::Present)
            .collect();
        for (m, i) in present.iter().enumerate() {
            let last = m + 1 == present.len();
            let (b, p) = if last {
                ("└─", "   ")
            } else {
                ("├─", "│  ")
            };
            let strength = i.strength.as_deref().map_or_else(
                || format!("{} {}", t("weight", "gewicht"), i.weight),
                |s| super::report::strength_word(s, nl).to_owned(),
            );
            writeln!(out, "   {pipe}{b} {} [{strength}]", i.label)?;
            let reads: Vec<_> = i.reads.iter().collect();
            for (k, (q, v)) in reads.iter().enumerate() {
                let b2 = if k + 1 == reads.len() {
                    "└─"
                } else {
                    "├─"
                };
                let text = rules
                    .question_index(q)
                    .map(|x| rules.text(rules.questions()[x].text(), &r.language))
                    .unwrap_or(q);
                writeln!(
                    out,
                    "   {pipe}{p}{b2} {q} = {}  ({})",
                    answer(v, nl),
                    one_line(text)
                )?;
            }
        }
    }
    if let Some(higher) = &r.outcome.could_rise_to {
        writeln!(
            out,
            "{}: {higher} ({} {})",
            t("May still rise to", "Kan nog stijgen tot"),
            r.unanswered.len(),
            t("questions unanswered", "vragen onbeantwoord")
        )?;
    }
    writeln!(out)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
