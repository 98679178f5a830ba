//! The human report of `herken screen`: heading, outcome, advice, signals with why, next
//! questions and the footer, in the report's language; `--explain` draws the tree instead
//! ([`super::explain_tree`]) and shares the heading, words and footer from here.

use std::io::Write;

use herken_engine::{CompiledRuleSet, Observations, Report, State, Status, Value, codes};

/// The first line of a human report: the set's title, id, version and status, so a reader
/// sees how far the set has been checked against its sources.
pub fn heading(out: &mut dyn Write, rules: &CompiledRuleSet, r: &Report) -> std::io::Result<()> {
    let status = match (r.ruleset.status, r.language == "nl") {
        (Status::Draft, true) => "concept",
        (Status::Reviewed, true) => "beoordeeld",
        (Status::Verified, true) => "geverifieerd",
        (status, false) => status.name(),
    };
    writeln!(
        out,
        "{} ({} {}, {status})",
        rules.text(rules.title(), &r.language),
        r.ruleset.id,
        r.ruleset.version
    )?;
    let nl = r.language == "nl";
    if let Some(p) = rules.population() {
        let forms: Vec<&str> = rules.forms().iter().map(|f| f.label(&r.language)).collect();
        let (who, what) = if nl { ("Voor", "over") } else { ("For", "on") };
        write!(out, "{who}: {}", p.label(&r.language))?;
        if !forms.is_empty() {
            write!(out, "; {what} {}", forms.join(", "))?;
        }
        writeln!(out)?;
    }
    if outside_population(r) {
        let p = rules.population().map_or("", |p| p.label(&r.language));
        if nl {
            writeln!(
                out,
                "LET OP: deze set is voor {p}, en volgens het antwoord op `under_18` valt de persoon daarbuiten. Lees de uitkomst van een set voor de leeftijd van de persoon."
            )?;
        } else {
            writeln!(
                out,
                "NOTE: this set is for {p}, and the answer to `under_18` puts the person outside that. Read the outcome of a set for the person's age."
            )?;
        }
    }
    Ok(())
}

/// Whether the report says the case is outside the set's population.
fn outside_population(r: &Report) -> bool {
    r.diagnostics
        .iter()
        .any(|d| d.code == codes::case::POPULATION_MISMATCH)
}

/// With several sets: which fit the person (by the population each is written for and the
/// case's `under_18` answer), before the reports.
pub fn which_sets_apply(
    out: &mut dyn Write,
    sets: &[CompiledRuleSet],
    answers: &[Observations],
    reports: &[Report],
) -> std::io::Result<()> {
    let Some(first) = reports.first() else {
        return Ok(());
    };
    let nl = first.language == "nl";
    let t = |en: &'static str, dutch: &'static str| if nl { dutch } else { en };
    // The case's `under_18` as the sets that ask it read it (yes or no, not unknown).
    let age_known = sets.iter().zip(answers).any(|(rules, obs)| {
        rules
            .question_index("under_18")
            .is_some_and(|q| matches!(obs.get(q), Value::Bool(_)))
    });
    writeln!(
        out,
        "{} {} {}:",
        t("Screened with", "Gescreend met"),
        sets.len(),
        t("rule sets", "regelsets")
    )?;
    for (rules, r) in sets.iter().zip(reports) {
        let fit = match rules.population() {
            _ if outside_population(r) => t(
                "does NOT fit this person's age: read another set's outcome",
                "past NIET bij de leeftijd van deze persoon: lees de uitkomst van een andere set",
            ),
            Some(herken_engine::Population::Any) => t("fits any age", "past bij elke leeftijd"),
            Some(_) if age_known => t(
                "fits this person's age",
                "past bij de leeftijd van deze persoon",
            ),
            Some(_) => t(
                "age not answered (`under_18`): check that it fits",
                "leeftijd niet beantwoord (`under_18`): ga na of de set past",
            ),
            None => t("does not say who it is for", "zegt niet voor wie de set is"),
        };
        let who = rules
            .population()
            .map(|p| format!(" {} {},", t("for", "voor"), p.label(&r.language)))
            .unwrap_or_default();
        writeln!(out, "  - {}:{who} {fit}", r.ruleset.id)?;
    }
    writeln!(
        out,
        "  {}",
        t(
            "Each set applies its own indicators and rule for its own population and forms of exploitation, so their outcomes can differ.",
            "Elke set past eigen indicatoren en een eigen regel toe, voor een eigen doelgroep en eigen vormen van uitbuiting; de uitkomsten kunnen dus verschillen."
        )
    )?;
    writeln!(out)
}

/// The readable summary: outcome, advice, present signals with why, next questions.
pub fn human(out: &mut dyn Write, rules: &CompiledRuleSet, r: &Report) -> std::io::Result<()> {
    let nl = r.language == "nl";
    let t = |en: &'static str, dutch: &'static str| if nl { dutch } else { en };
    heading(out, rules, r)?;
    writeln!(out)?;
    writeln!(out, "{}: {}", t("Outcome", "Uitkomst"), r.outcome.label)?;
    writeln!(
        out,
        "  {} {}",
        t("decided by rule", "besloten door regel"),
        r.outcome.decided_by
    )?;
    if let Some(label) = &r.outcome.could_rise_to_label {
        writeln!(
            out,
            "  {} {label}",
            t(
                "unanswered questions could still raise it to:",
                "onbeantwoorde vragen kunnen dit nog verhogen tot:"
            )
        )?;
    }
    writeln!(out)?;
    advice(out, r)?;
    let positive: Vec<_> = r.dimensions.iter().filter(|d| d.positive).collect();
    if !positive.is_empty() {
        writeln!(out, "{}:", t("Positive dimensions", "Positieve dimensies"))?;
        for d in positive {
            let c = d.counts;
            let detail = if c.strong + c.medium + c.weak == 0 {
                format!(
                    "{} {}, score {}",
                    d.indicators.len(),
                    t("present", "aanwezig"),
                    d.score
                )
            } else {
                format!(
                    "{} {}, {} {}, {} {}",
                    c.strong,
                    t("strong", "sterk"),
                    c.medium,
                    t("medium", "middel"),
                    c.weak,
                    t("weak", "zwak")
                )
            };
            writeln!(out, "  + {} ({detail})", d.label)?;
        }
        writeln!(out)?;
    }
    // A weight-0 indicator is context (whether a set applies, which B8/3 route), never a signal.
    let (context, present): (Vec<_>, Vec<_>) = r
        .indicators
        .iter()
        .filter(|i| i.state == State::Present)
        .partition(|i| i.weight == 0.0);
    for i in &context {
        writeln!(out, "{}: {}", t("Context", "Context"), i.label)?;
    }
    if !context.is_empty() {
        writeln!(out)?;
    }
    // A set that does not apply (the `not_applicable` convention, rules/README.md) screens
    // nothing here: what it saw is listed, but not as its signals.
    let not_applicable = r.outcome.id == "not_applicable";
    if not_applicable {
        writeln!(
            out,
            "{} ({}):",
            t(
                "Seen, but this set does not apply: screen these with a set that fits",
                "Gezien, maar deze set is niet van toepassing: screen dit met een set die past"
            ),
            present.len()
        )?;
    } else {
        writeln!(
            out,
            "{} ({}):",
            t("Signals present", "Aanwezige signalen"),
            present.len()
        )?;
    }
    for i in &present {
        let because: Vec<String> = i
            .reads
            .iter()
            .map(|(q, v)| format!("{q} = {}", answer(v, nl)))
            .collect();
        writeln!(
            out,
            "  - {} [{}{}]",
            i.label,
            i.strength
                .as_deref()
                .map_or(t("weighted", "gewogen"), |s| strength_word(s, nl)),
            if because.is_empty() {
                String::new()
            } else {
                format!("; {}", because.join(", "))
            }
        )?;
    }
    let errors: Vec<_> = r
        .indicators
        .iter()
        .filter(|i| i.state == State::Error)
        .collect();
    if !errors.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "{} ({}):",
            t("Indicators that failed", "Indicatoren met een fout"),
            errors.len()
        )?;
        for i in errors {
            if let Some(e) = &i.error {
                writeln!(out, "  ! {}: {} [{}]", i.id, e.message, e.code)?;
            }
        }
    }
    let unknown = r
        .indicators
        .iter()
        .filter(|i| i.state == State::Unknown)
        .count();
    writeln!(out)?;
    writeln!(
        out,
        "{}: {unknown}; {}: {}",
        t("Unknown indicators", "Onbekende indicatoren"),
        t("unanswered questions", "onbeantwoorde vragen"),
        r.unanswered.len()
    )?;
    if not_applicable && !r.outcome.may_rise {
        // Its questions would not change the outcome, and asking them of someone they do not
        // concern (sexual exploitation, say) does harm.
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            t(
                "No answer can change this outcome: do not ask this set's other questions.",
                "Geen antwoord kan deze uitkomst veranderen: stel de overige vragen van deze set niet."
            )
        )?;
    } else if !r.next_questions.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}:", t("Ask next", "Vraag hierna"))?;
        for (n, q) in r.next_questions.iter().take(5).enumerate() {
            let raise = q
                .could_raise_to
                .as_ref()
                .map(|o| format!("  → {o}"))
                .unwrap_or_default();
            writeln!(out, "  {}. {} ({}){raise}", n + 1, q.question, q.id)?;
        }
    }
    writeln!(out)?;
    footer(out, r)
}

/// The outcome's advice (with the referral), shown whatever the outcome.
pub fn advice(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    let heading = if r.language == "nl" {
        "Advies"
    } else {
        "Advice"
    };
    writeln!(out, "{heading}:")?;
    for line in r.outcome.advice.lines() {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)
}

/// The last words of every human report: a screening signal is not an identification.
pub fn footer(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    let text = if r.language == "nl" {
        "Dit is een signaal, geen vaststelling. Formele identificatie is een juridische of multidisciplinaire beslissing."
    } else {
        "This is a screening signal, not an identification. Formal identification is a legal or multidisciplinary decision."
    };
    writeln!(out, "{text}")?;
    writeln!(out)
}

/// An indicator's strength as people read it, in the report's language.
pub fn strength_word(strength: &str, nl: bool) -> &str {
    match (strength, nl) {
        ("strong", true) => "sterk",
        ("medium", true) => "middel",
        ("weak", true) => "zwak",
        (other, _) => other,
    }
}

/// An answer as people read it: ja/nee/onbekend or yes/no/unknown, else the JSON value.
pub fn answer(v: &serde_json::Value, nl: bool) -> String {
    match v {
        serde_json::Value::Bool(true) => if nl { "ja" } else { "yes" }.into(),
        serde_json::Value::Bool(false) => if nl { "nee" } else { "no" }.into(),
        serde_json::Value::Null => if nl { "onbekend" } else { "unknown" }.into(),
        other => other.to_string(),
    }
}
