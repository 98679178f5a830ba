//! The run's summary: every rule set's figures ([`metrics`](super::metrics)), with `--by` the
//! subgroups ([`subgroups`](super::subgroups)) and with `--compare` the pairs of sets
//! ([`compare`](super::compare)); written as JSON (serde), as CSV (one figure a line, through
//! [`figures`](super::figures)) and as the readable table on stderr. It sits above those four,
//! which take their row and proportion types from `metrics`.

use std::io::{self, Write};

use herken_engine::CompiledRuleSet;
use serde::Serialize;

use super::metrics::{Difference, Proportion, SetSummary, Tally, set_summary};

/// The summary file (JSON).
#[derive(Debug, Serialize)]
pub struct Summary {
    pub engine: &'static str,
    pub input: String,
    pub rows: u64,
    pub failed_rows: u64,
    /// True when the run was stopped (Ctrl-C): the counts cover the rows written.
    pub interrupted: bool,
    pub rulesets: Vec<SetSummary>,
    /// With `--by`: every figure per value of each column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subgroups: Option<super::subgroups::Subgroups>,
    /// With `--compare`: each pair of rule sets on the same rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparisons: Option<Vec<super::compare::Comparison>>,
    /// The columns or keys of the input that nothing read.
    pub not_read: super::mapping::NotRead,
}

impl Tally {
    /// The summary; `label` names the label column, `thresholds` the chosen outcome level per set.
    pub fn summary(
        &self,
        sets: &[std::sync::Arc<CompiledRuleSet>],
        input: &str,
        label: Option<&str>,
        thresholds: &[usize],
        interrupted: bool,
    ) -> Summary {
        let rulesets = sets
            .iter()
            .zip(&self.sets)
            .zip(thresholds)
            .map(|((set, t), &threshold)| set_summary(set, t, label, threshold))
            .collect();
        Summary {
            engine: herken_engine::ENGINE,
            input: input.to_owned(),
            rows: self.rows,
            failed_rows: self.failed,
            interrupted,
            rulesets,
            subgroups: None,
            comparisons: None,
            not_read: super::mapping::NotRead::default(),
        }
    }
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn est(p: &Proportion) -> String {
    match (p.value, p.ci95) {
        (Some(v), Some([lo, hi])) => format!("{v:.3} ({lo:.3}–{hi:.3})"),
        _ => "-".into(),
    }
}

fn diff(d: &Difference) -> String {
    match (d.value, d.ci95) {
        (Some(v), Some([lo, hi])) => format!("{v:.3} ({lo:.3}–{hi:.3})"),
        _ => "-".into(),
    }
}

/// The summary in its CSV form: every figure, one per line, for the whole input, then per
/// subgroup, then per pair of sets compared.
pub fn write_csv(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    out.write_all(super::figures::CSV_HEADER.as_bytes())?;
    for set in &s.rulesets {
        for f in super::figures::of_set(set) {
            super::figures::write_csv_line(out, "", None, None, &set.id, &f)?;
        }
    }
    if let Some(sub) = &s.subgroups {
        for c in &sub.columns {
            for g in &c.groups {
                let f = super::figures::Figure {
                    figure: "rows",
                    of: String::new(),
                    count: g.rows,
                    denominator: None,
                    value: None,
                    ci95: None,
                    suppressed: g.suppressed.is_some(),
                };
                super::figures::write_csv_line(
                    out,
                    &c.column,
                    g.value.as_deref(),
                    g.pooled_values,
                    "",
                    &f,
                )?;
                for gs in &g.rulesets {
                    for f in &gs.figures {
                        super::figures::write_csv_line(
                            out,
                            &c.column,
                            g.value.as_deref(),
                            g.pooled_values,
                            &gs.id,
                            f,
                        )?;
                    }
                }
            }
        }
    }
    if let Some(c) = &s.comparisons {
        super::compare::write_csv(out, c)?;
    }
    Ok(())
}

/// The summary as readable tables (stderr).
pub fn write_table(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "Summary of {}: {} row{}, {} failed{}",
        s.input,
        s.rows,
        if s.rows == 1 { "" } else { "s" },
        s.failed_rows,
        if s.interrupted {
            " (interrupted: counts cover the rows written)"
        } else {
            ""
        }
    )?;
    for set in &s.rulesets {
        writeln!(out)?;
        writeln!(out, "{} {}: {} scored", set.id, set.version, set.scored)?;
        if set.outside_population > 0 {
            writeln!(
                out,
                "  {} outside the set's population by their `under_18` answer (case::population-mismatch)",
                set.outside_population
            )?;
        }
        let w = set
            .indicators
            .iter()
            .map(|i| i.id.len())
            .chain(set.dimensions.iter().map(|d| d.id.len()))
            .chain(set.outcomes.iter().map(|o| o.id.len()))
            .max()
            .unwrap_or(10)
            .max(24);
        writeln!(
            out,
            "  {:<w$} {:>9} {:>7}   {:>17} {:>17}",
            "outcome", "count", "share", "unknowns absent", "unknowns present"
        )?;
        let b = &set.bounds;
        for ((o, lo), hi) in set
            .outcomes
            .iter()
            .zip(&b.if_unknown_absent)
            .zip(&b.if_unknown_present)
        {
            writeln!(
                out,
                "  {:<w$} {:>9} {:>7}   {:>9} {:>7} {:>9} {:>7}",
                o.id,
                o.count,
                pct(o.rate),
                lo.count,
                pct(lo.rate),
                hi.count,
                pct(hi.rate)
            )?;
        }
        writeln!(
            out,
            "  {:<w$} {:>9} {:>7}",
            "(may still rise)",
            set.may_rise.numerator,
            pct(set.may_rise.value)
        )?;
        writeln!(
            out,
            "  {:<w$} {:>9} {:>7}",
            "(bounds differ)",
            b.differ.numerator,
            pct(b.differ.value)
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "  {:<w$} {:>9} {:>7}",
            "dimension", "positive", "share"
        )?;
        for d in &set.dimensions {
            writeln!(out, "  {:<w$} {:>9} {:>7}", d.id, d.positive, pct(d.rate))?;
        }
        writeln!(out)?;
        let labelled = set.validation.is_some();
        write!(
            out,
            "  {:<w$} {:>8} {:>8}",
            "indicator", "present", "unknown"
        )?;
        if labelled {
            write!(out, " {:>9} {:>9}", "present+", "present-")?;
        }
        writeln!(out)?;
        for i in &set.indicators {
            write!(
                out,
                "  {:<w$} {:>8} {:>8}",
                i.id,
                pct(i.present_rate),
                pct(i.unknown_rate)
            )?;
            if let Some(b) = &i.by_label {
                write!(
                    out,
                    " {:>9} {:>9}",
                    pct(b.positive.present_rate),
                    pct(b.negative.present_rate)
                )?;
            }
            if i.error > 0 {
                write!(out, "  ({} errors)", i.error)?;
            }
            writeln!(out)?;
        }
        if let Some(v) = &set.validation {
            writeln!(out)?;
            writeln!(
                out,
                "  validation against `{}`: {} labelled ({} positive, {} negative), {} without a label; prevalence {}",
                v.label_column,
                v.labelled,
                v.label_positive,
                v.label_negative,
                v.missing_label,
                est(&v.prevalence)
            )?;
            let m = &v.metrics;
            writeln!(
                out,
                "  positive = `{}` or higher: TP {}  FP {}  FN {}  TN {}",
                m.threshold.outcome,
                m.confusion.tp,
                m.confusion.fp,
                m.confusion.fn_,
                m.confusion.tn
            )?;
            for (name, p) in [
                ("sensitivity", &m.sensitivity),
                ("specificity", &m.specificity),
                ("PPV", &m.ppv),
                ("NPV", &m.npv),
            ] {
                writeln!(out, "    {name:<12} {}", est(p))?;
            }
            writeln!(out, "    {:<12} {}", "Youden's J", diff(&m.youden_j))?;
            for (name, b) in [
                ("if every unknown were absent", &v.bounds.if_unknown_absent),
                (
                    "if every unknown were present",
                    &v.bounds.if_unknown_present,
                ),
            ] {
                writeln!(
                    out,
                    "    {name}: sensitivity {}, specificity {}, PPV {}, NPV {}",
                    est(&b.sensitivity),
                    est(&b.specificity),
                    est(&b.ppv),
                    est(&b.npv)
                )?;
            }
            writeln!(
                out,
                "  (95% CIs: Wilson; for J, Newcombe's hybrid score interval)"
            )?;
            writeln!(out)?;
            writeln!(
                out,
                "  {:<w$} {:>22} {:>22} {:>22} {:>22} {:>22}",
                "positive from", "sensitivity", "specificity", "PPV", "NPV", "J"
            )?;
            for m in &v.thresholds {
                writeln!(
                    out,
                    "  {:<w$} {:>22} {:>22} {:>22} {:>22} {:>22}",
                    m.threshold.outcome,
                    est(&m.sensitivity),
                    est(&m.specificity),
                    est(&m.ppv),
                    est(&m.npv),
                    diff(&m.youden_j)
                )?;
            }
        }
    }
    writeln!(out)?;
    Ok(())
}
