//! What a rule set claims, checked when it loads: that its indicators come from the sources it
//! names, that its `status` is earned by that provenance, and that no outcome calls a person a
//! victim (a screening gives a signal, never an identification).

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::manifest::{Basis, Manifest, Status, Text};

/// Every claim problem of a manifest: unknown source ids and unearned statuses (errors),
/// outcome wording that calls a person a victim outright (warnings).
pub(crate) fn check(m: &Manifest, out: &mut Vec<Diagnostic>) {
    check_sources(m, out);
    check_status(m, out);
    check_wording(m, out);
}

fn check_sources(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let declared: Vec<&str> = m.sources.iter().map(|s| s.id.as_str()).collect();
    for p in m.indicators.iter().filter_map(|i| i.source.as_ref()) {
        if !declared.contains(&p.source.as_str()) {
            let help = did_you_mean(&p.source, declared.iter().copied())
                .unwrap_or_else(|| "declare it under `sources` with its citation and url".into());
            out.push(
                Diagnostic::error(
                    "load::unknown-source",
                    p.id_span.clone(),
                    format!("unknown source `{}`", p.source),
                )
                .with_help(help),
            );
        }
    }
}

fn check_status(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let line = m.status_span.line;
    for ind in &m.indicators {
        let span = ind.source.as_ref().map_or(&ind.span, |p| &p.span).clone();
        match (m.status, &ind.source) {
            (Status::Draft, _) => {}
            (Status::Reviewed, Some(_)) => {}
            (Status::Reviewed, None) => out.push(
                Diagnostic::error(
                    "load::status-reviewed",
                    span,
                    format!(
                        "status `reviewed` needs every indicator to name its source: indicator `{}` names none",
                        ind.id
                    ),
                )
                .with_help(format!(
                    "add `source: {{id: ..., location: ..., basis: ...}}`, or lower `status` (line {line}) to `draft`"
                )),
            ),
            (Status::Verified, source) => {
                let lacks = match source {
                    None => "names no source".to_owned(),
                    Some(p) if p.basis != Basis::Transcribed => {
                        format!("is `{}`, not `transcribed`", p.basis.name())
                    }
                    Some(p) if p.location.is_none() => "has no `location`".to_owned(),
                    Some(_) => continue,
                };
                out.push(
                    Diagnostic::error(
                        "load::status-verified",
                        span,
                        format!(
                            "status `verified` needs every indicator transcribed from its source with a location: indicator `{}` {lacks}",
                            ind.id
                        ),
                    )
                    .with_help(format!(
                        "transcribe it from the primary text and record where (`location: \"p. 3, table 1, item 4\"`, `basis: transcribed`), or lower `status` (line {line}) to `reviewed`"
                    )),
                );
            }
        }
    }
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

fn check_wording(m: &Manifest, out: &mut Vec<Diagnostic>) {
    for o in &m.outcomes {
        for (what, text, span) in [
            ("label", &o.label, &o.label_span),
            ("advice", &o.advice, &o.advice_span),
        ] {
            for (lang, word) in unqualified(text) {
                out.push(
                    Diagnostic::warning(
                        "check::unqualified-victim",
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
    for (lang, t) in &text.0 {
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
            found.push((lang.as_str(), w.clone()));
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
