//! What a rule set claims about its provenance, checked when it loads: that its indicators come
//! from the sources it names, and that its `status` is earned by that provenance. (That no
//! outcome calls a person a victim outright is a lint: `lint::victim_wording`.)

use crate::codes;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::manifest::{Basis, Manifest, Status};

/// Every provenance problem of a manifest: unknown source ids and unearned statuses.
pub(crate) fn check(m: &Manifest, out: &mut Vec<Diagnostic>) {
    check_sources(m, out);
    check_status(m, out);
}

fn check_sources(m: &Manifest, out: &mut Vec<Diagnostic>) {
    let declared: Vec<&str> = m.sources.iter().map(|s| s.id.as_str()).collect();
    for p in m.indicators.iter().filter_map(|i| i.source.as_ref()) {
        if !declared.contains(&p.source.as_str()) {
            let help = did_you_mean(&p.source, declared.iter().copied())
                .unwrap_or_else(|| "declare it under `sources` with its citation and url".into());
            out.push(
                Diagnostic::error(
                    codes::load::UNKNOWN_SOURCE,
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
                    codes::load::STATUS_REVIEWED,
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
                        codes::load::STATUS_VERIFIED,
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
