//! The summary as a flat list of figures: one per outcome share, dimension, indicator state
//! and validation metric, each with its count, denominator, estimate and Wilson 95% interval.
//! Subgroups (`--by`) report their figures in this form, with small cells suppressed, and the
//! CSV form of the summary (`--summary summary.csv`) is these figures, one per line.

use std::io::{self, Write};

use serde::Serialize;

use super::metrics::{Difference, Proportion, SetSummary};
use super::output::push_csv;

/// One figure of the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// What it counts: `scored`, `outcome`, `may_rise`, `dimension_positive`,
    /// `indicator_present`, `indicator_unknown`, `indicator_present_label_positive`,
    /// `indicator_present_label_negative`, `prevalence`, `sensitivity`, `specificity`,
    /// `ppv`, `npv`, `youden_j`, the four at the chosen threshold with every unknown absent or
    /// present (`sensitivity_if_unknown_absent`, …), `bound_if_unknown_absent`, `bound_if_unknown_present`, `bounds_differ`.
    pub figure: &'static str,
    /// Of which outcome, dimension or indicator; for validation metrics the outcome from which
    /// a case counts as positive; empty otherwise.
    pub of: String,
    /// The numerator (`null` when suppressed, and for Youden's J).
    pub count: Option<u64>,
    /// The denominator (`null` when suppressed, and for counts without one).
    pub denominator: Option<u64>,
    /// count / denominator, or Youden's J.
    pub value: Option<f64>,
    /// Wilson 95% interval (Newcombe's for Youden's J).
    pub ci95: Option<[f64; 2]>,
    /// Left out by the minimum cell size (`--min-cell`).
    pub suppressed: bool,
}

impl Figure {
    fn proportion(figure: &'static str, of: &str, p: &Proportion) -> Self {
        Self {
            figure,
            of: of.to_owned(),
            count: Some(p.numerator),
            denominator: Some(p.denominator),
            value: p.value,
            ci95: p.ci95,
            suppressed: false,
        }
    }

    fn share(figure: &'static str, of: &str, count: u64, of_n: u64) -> Self {
        Self::proportion(figure, of, &Proportion::of(count, of_n))
    }

    fn difference(figure: &'static str, of: &str, d: &Difference) -> Self {
        Self {
            figure,
            of: of.to_owned(),
            count: None,
            denominator: None,
            value: d.value,
            ci95: d.ci95,
            suppressed: false,
        }
    }

    /// Hides the figure's numbers.
    fn suppress(&mut self) {
        self.count = None;
        self.value = None;
        self.ci95 = None;
        self.suppressed = true;
    }
}

/// Every figure of one rule set's summary, in the summary's order.
pub fn of_set(s: &SetSummary) -> Vec<Figure> {
    let mut out = vec![Figure {
        figure: "scored",
        of: String::new(),
        count: Some(s.scored),
        denominator: None,
        value: None,
        ci95: None,
        suppressed: false,
    }];
    for o in &s.outcomes {
        out.push(Figure::share("outcome", &o.id, o.count, s.scored));
    }
    out.push(Figure::proportion("may_rise", "", &s.may_rise));
    for (figure, counts) in [
        ("bound_if_unknown_absent", &s.bounds.if_unknown_absent),
        ("bound_if_unknown_present", &s.bounds.if_unknown_present),
    ] {
        for o in counts {
            out.push(Figure::share(figure, &o.id, o.count, s.scored));
        }
    }
    out.push(Figure::proportion("bounds_differ", "", &s.bounds.differ));
    for d in &s.dimensions {
        out.push(Figure::share(
            "dimension_positive",
            &d.id,
            d.positive,
            s.scored,
        ));
    }
    for i in &s.indicators {
        out.push(Figure::share(
            "indicator_present",
            &i.id,
            i.present,
            s.scored,
        ));
        out.push(Figure::share(
            "indicator_unknown",
            &i.id,
            i.unknown,
            s.scored,
        ));
        if let Some(b) = &i.by_label {
            out.push(Figure::share(
                "indicator_present_label_positive",
                &i.id,
                b.positive.present,
                b.positive.cases,
            ));
            out.push(Figure::share(
                "indicator_present_label_negative",
                &i.id,
                b.negative.present,
                b.negative.cases,
            ));
        }
    }
    if let Some(v) = &s.validation {
        out.push(Figure::proportion("prevalence", "", &v.prevalence));
        for m in &v.thresholds {
            let at = &m.threshold.outcome;
            out.push(Figure::proportion("sensitivity", at, &m.sensitivity));
            out.push(Figure::proportion("specificity", at, &m.specificity));
            out.push(Figure::proportion("ppv", at, &m.ppv));
            out.push(Figure::proportion("npv", at, &m.npv));
            out.push(Figure::difference("youden_j", at, &m.youden_j));
        }
        for (names, m) in [
            (
                [
                    "sensitivity_if_unknown_absent",
                    "specificity_if_unknown_absent",
                    "ppv_if_unknown_absent",
                    "npv_if_unknown_absent",
                ],
                &v.bounds.if_unknown_absent,
            ),
            (
                [
                    "sensitivity_if_unknown_present",
                    "specificity_if_unknown_present",
                    "ppv_if_unknown_present",
                    "npv_if_unknown_present",
                ],
                &v.bounds.if_unknown_present,
            ),
        ] {
            let at = &m.threshold.outcome;
            for (name, p) in names
                .into_iter()
                .zip([&m.sensitivity, &m.specificity, &m.ppv, &m.npv])
            {
                out.push(Figure::proportion(name, at, p));
            }
        }
    }
    out
}

/// Whether a count would single out fewer than `min_cell` people (0 is no one).
pub fn small(n: u64, min_cell: u64) -> bool {
    n > 0 && n < min_cell
}

/// Suppresses the figures that rest on fewer than `min_cell` cases: a share whose numerator,
/// or its complement (denominator − numerator), is between 1 and `min_cell` − 1, or whose
/// denominator is below `min_cell`; Youden's J with its sensitivity or specificity; and in a
/// distribution over outcomes, where one share alone is suppressed, the next smallest too, so
/// the hidden count cannot be worked out from the others.
pub fn suppress(figures: &mut [Figure], min_cell: u64) {
    if min_cell <= 1 {
        return;
    }
    for f in figures.iter_mut() {
        match (f.count, f.denominator) {
            (Some(x), Some(n)) => {
                if small(n, min_cell) || small(x, min_cell) || small(n - x, min_cell) {
                    f.suppress();
                }
                if small(n, min_cell) {
                    f.denominator = None;
                }
            }
            // A plain count (rows a set scored).
            (Some(x), None) if small(x, min_cell) => f.suppress(),
            _ => {}
        }
    }
    // Youden's J from its two shares.
    for i in 0..figures.len() {
        if figures[i].figure == "youden_j" {
            let of = figures[i].of.clone();
            let hidden = figures.iter().any(|f| {
                f.suppressed && f.of == of && matches!(f.figure, "sensitivity" | "specificity")
            });
            if hidden {
                figures[i].suppress();
            }
        }
    }
    // Distributions over outcomes: never exactly one hidden share.
    for figure in [
        "outcome",
        "bound_if_unknown_absent",
        "bound_if_unknown_present",
    ] {
        let hidden = figures
            .iter()
            .filter(|f| f.figure == figure && f.suppressed)
            .count();
        if hidden == 1 {
            let next = figures
                .iter()
                .enumerate()
                .filter(|(_, f)| f.figure == figure && !f.suppressed && f.count > Some(0))
                .min_by_key(|(_, f)| f.count)
                .map(|(i, _)| i);
            if let Some(i) = next {
                figures[i].suppress();
            }
        }
    }
}

/// The header of the summary's CSV form.
pub const CSV_HEADER: &str = "by,value,ruleset,figure,of,count,denominator,estimate,ci95_low,ci95_high,suppressed,pooled_values\n";

/// One figure as a CSV line: `by` and `value` are empty for the whole input; `pooled` is the
/// number of values a subgroup pools (values too small to name), empty for any other line.
pub fn write_csv_line(
    out: &mut dyn Write,
    by: &str,
    value: Option<&str>,
    pooled: Option<u64>,
    ruleset: &str,
    f: &Figure,
) -> io::Result<()> {
    let num = |v: Option<u64>| v.map_or_else(String::new, |v| v.to_string());
    let real = |v: Option<f64>| v.map_or_else(String::new, |v| v.to_string());
    let mut line = String::new();
    for (i, cell) in [
        by.to_owned(),
        value.unwrap_or("").to_owned(),
        ruleset.to_owned(),
        f.figure.to_owned(),
        f.of.clone(),
        num(f.count),
        num(f.denominator),
        real(f.value),
        real(f.ci95.map(|c| c[0])),
        real(f.ci95.map(|c| c[1])),
        f.suppressed.to_string(),
        num(pooled),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            line.push(',');
        }
        push_csv(&mut line, cell);
    }
    line.push('\n');
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(figure: &'static str, of: &str, x: u64, n: u64) -> Figure {
        Figure::share(figure, of, x, n)
    }

    #[test]
    fn small_cells_and_their_complements_are_hidden() {
        let mut f = vec![
            share("outcome", "a", 30, 50),
            share("outcome", "b", 15, 50),
            share("outcome", "c", 5, 50),
            share("indicator_present", "i", 0, 50),
            share("indicator_present", "j", 45, 50),
            share("sensitivity", "b", 4, 6),
            share("specificity", "b", 40, 44),
            Figure::difference(
                "youden_j",
                "b",
                &Difference {
                    value: Some(0.5),
                    ci95: Some([0.1, 0.7]),
                },
            ),
        ];
        suppress(&mut f, 10);
        let hidden: Vec<(&str, &str)> = f
            .iter()
            .filter(|f| f.suppressed)
            .map(|f| (f.figure, f.of.as_str()))
            .collect();
        // c is small; b goes with it (else 50 − 30 − 15); j's complement is 5; the
        // sensitivity's denominator is 6; the specificity's complement is 4; J goes with them.
        assert_eq!(
            hidden,
            [
                ("outcome", "b"),
                ("outcome", "c"),
                ("indicator_present", "j"),
                ("sensitivity", "b"),
                ("specificity", "b"),
                ("youden_j", "b"),
            ]
        );
        assert!(
            f.iter()
                .filter(|f| f.suppressed)
                .all(|f| f.count.is_none() && f.value.is_none() && f.ci95.is_none())
        );
        assert_eq!(
            f[5].denominator, None,
            "a denominator of 6 is itself a small cell"
        );
        assert_eq!(f[3].count, Some(0), "no one is no one to identify");
    }

    #[test]
    fn a_small_plain_count_is_hidden() {
        let mut f = vec![Figure {
            figure: "scored",
            of: String::new(),
            count: Some(7),
            denominator: None,
            value: None,
            ci95: None,
            suppressed: false,
        }];
        suppress(&mut f, 10);
        assert!(f[0].suppressed && f[0].count.is_none());
    }

    #[test]
    fn a_minimum_of_one_suppresses_nothing() {
        let mut f = vec![share("outcome", "a", 1, 2)];
        suppress(&mut f, 1);
        assert!(!f[0].suppressed);
    }
}
