//! The explanation tree of a report: outcome ← decision rule ← positive dimensions ← present
//! indicators ← the answers they read, in the report's language.

use std::io::Write;

use crate::cmd::screen::answer;
use herken_engine::{CompiledRuleSet, DimensionReport, PositiveRule, Report, State};

pub fn write(out: &mut dyn Write, rules: &CompiledRuleSet, r: &Report) -> std::io::Result<()> {
    let nl = r.language == "nl";
    let t = |en: &'static str, dutch: &'static str| if nl { dutch } else { en };
    crate::cmd::screen::heading(out, rules, r)?;
    writeln!(
        out,
        "{}: {} [{}]",
        t("Outcome", "Uitkomst"),
        r.outcome.label,
        r.outcome.id
    )?;
    let rule = rules.decision.iter().find(|d| d.id == r.outcome.decided_by);
    let condition = rule.and_then(|d| d.when_source.as_deref()).unwrap_or(t(
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
        let rule = rules
            .dimensions
            .iter()
            .find(|x| x.id == d.id)
            .map(|x| &x.rule);
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
            why_positive(d, rule, nl)
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
            let strength = i
                .strength
                .clone()
                .unwrap_or_else(|| format!("weight {}", i.weight).into());
            writeln!(out, "   {pipe}{b} {} [{strength}]", i.label)?;
            let reads: Vec<_> = i.reads.iter().collect();
            for (k, (q, v)) in reads.iter().enumerate() {
                let b2 = if k + 1 == reads.len() {
                    "└─"
                } else {
                    "├─"
                };
                let text = rules
                    .questions
                    .iter()
                    .find(|x| x.id == **q)
                    .map(|x| x.text.get(&r.language, &rules.languages))
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

fn why_positive(d: &DimensionReport, rule: Option<&PositiveRule>, nl: bool) -> String {
    let c = d.counts;
    let counts = if nl {
        format!("{} sterk, {} middel, {} zwak", c.strong, c.medium, c.weak)
    } else {
        format!("{} strong, {} medium, {} weak", c.strong, c.medium, c.weak)
    };
    match rule {
        Some(PositiveRule::Ilo) => {
            let mut met = Vec::new();
            if c.strong >= 2 {
                met.push("2 strong");
            }
            if c.strong >= 1 && c.medium + c.weak >= 1 {
                met.push("1 strong + 1 medium/weak");
            }
            if c.medium >= 3 {
                met.push("3 medium");
            }
            if c.medium >= 2 && c.weak >= 1 {
                met.push("2 medium + 1 weak");
            }
            if met.is_empty() {
                format!("{counts}; ILO rule not met")
            } else {
                format!("{counts}; ILO rule: {}", met.join(", "))
            }
        }
        Some(PositiveRule::AtLeast(k)) => {
            format!("{} present, at least {k} needed", d.indicators.len())
        }
        Some(PositiveRule::ScoreAtLeast(x)) => format!("score {} of {x} needed", d.score),
        None => counts,
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
