//! Comparing rule sets on the same rows (`herken batch --rules a,b,c --compare`): for each
//! pair, the outcome × outcome table and, for each outcome both sets have (above their lowest),
//! the binary "this outcome or higher" table with percent agreement, Cohen's kappa and
//! McNemar's exact test; and the rows where the two disagree, by row number and id.
//!
//! Kappa's 95% interval uses the large-sample standard error of Fleiss, Cohen & Everitt (1969)
//! (not the one under the null hypothesis): κ ± z·SE. McNemar's exact test is the two-sided
//! binomial test on the discordant pairs (b of one kind, c of the other, p = ½):
//! p = min(1, 2·P(X ≤ min(b, c))), X ~ Bin(b + c, ½).
//!
//! Only rows both sets scored count. Comparing inside `batch`, rather than over an output file,
//! keeps the rows the same by construction (one reading, one mapping) and puts the figures in
//! the summary beside the rest.

use std::io::{self, Write};
use std::sync::Arc;

use herken_engine::CompiledRuleSet;
use serde::Serialize;

use super::figures::{Figure, write_csv_line};
use super::metrics::{Proportion, RowStats, Z95};

/// Counts for every pair of rule sets.
#[derive(Debug, Clone)]
pub struct CompareTally {
    pairs: Vec<PairTally>,
}

#[derive(Debug, Clone)]
struct PairTally {
    a: usize,
    b: usize,
    /// Rows by `a`'s outcome level, then `b`'s.
    table: Vec<Vec<u64>>,
    /// Per outcome both have: its level in `a` and in `b`.
    binary: Vec<(String, usize, usize)>,
    /// Whether the two sets have the same outcomes in the same order.
    same_outcomes: bool,
    disagreements: Vec<Disagreement>,
}

/// A row where two sets disagree.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub row: u64,
    pub id: Option<String>,
    /// The outcome of the first set, and of the second.
    pub a: String,
    pub b: String,
}

impl CompareTally {
    pub fn new(sets: &[Arc<CompiledRuleSet>]) -> Self {
        let mut pairs = Vec::new();
        for a in 0..sets.len() {
            for b in a + 1..sets.len() {
                let ids =
                    |s: usize| -> Vec<&str> { sets[s].outcomes().iter().map(|o| o.id()).collect() };
                let (ia, ib) = (ids(a), ids(b));
                let binary = ia
                    .iter()
                    .enumerate()
                    .skip(1)
                    .filter_map(|(la, id)| {
                        let lb = ib.iter().position(|x| x == id)?;
                        (lb > 0).then(|| ((*id).to_owned(), la, lb))
                    })
                    .collect();
                pairs.push(PairTally {
                    a,
                    b,
                    table: vec![vec![0; ib.len()]; ia.len()],
                    binary,
                    same_outcomes: ia == ib,
                    disagreements: Vec::new(),
                });
            }
        }
        Self { pairs }
    }

    pub fn add(&mut self, sets: &[Arc<CompiledRuleSet>], row: &RowStats) {
        for p in &mut self.pairs {
            let (Some(Some(a)), Some(Some(b))) = (row.sets.get(p.a), row.sets.get(p.b)) else {
                continue;
            };
            let (la, lb) = (a.level, b.level);
            if let Some(n) = p.table.get_mut(la).and_then(|r| r.get_mut(lb)) {
                *n += 1;
            }
            let differ = (p.same_outcomes && la != lb)
                || p.binary
                    .iter()
                    .any(|(_, ta, tb)| (la >= *ta) != (lb >= *tb));
            if differ {
                p.disagreements.push(Disagreement {
                    row: row.row,
                    id: row.id.clone(),
                    a: sets[p.a].outcomes()[la].id().to_owned(),
                    b: sets[p.b].outcomes()[lb].id().to_owned(),
                });
            }
        }
    }

    pub fn summary(&self, sets: &[Arc<CompiledRuleSet>]) -> Vec<Comparison> {
        self.pairs
            .iter()
            .map(|p| {
                let ids = |s: usize| -> Vec<String> {
                    sets[s]
                        .outcomes()
                        .iter()
                        .map(|o| o.id().to_owned())
                        .collect()
                };
                let rows: u64 = p.table.iter().flatten().sum();
                let binary = p
                    .binary
                    .iter()
                    .map(|(id, ta, tb)| {
                        let mut t = [[0u64; 2]; 2];
                        for (la, r) in p.table.iter().enumerate() {
                            for (lb, n) in r.iter().enumerate() {
                                t[usize::from(la >= *ta)][usize::from(lb >= *tb)] += n;
                            }
                        }
                        let (both, a_only, b_only, neither) = (t[1][1], t[1][0], t[0][1], t[0][0]);
                        Binary {
                            positive_from: id.clone(),
                            both,
                            a_only,
                            b_only,
                            neither,
                            agreement: Proportion::of(both + neither, rows),
                            kappa: kappa(&[vec![neither, b_only], vec![a_only, both]]),
                            mcnemar_exact_p: mcnemar_exact(a_only, b_only),
                        }
                    })
                    .collect();
                let diagonal: u64 = if p.same_outcomes {
                    (0..p.table.len()).map(|i| p.table[i][i]).sum()
                } else {
                    0
                };
                Comparison {
                    a: sets[p.a].id().to_owned(),
                    b: sets[p.b].id().to_owned(),
                    rows,
                    outcomes: OutcomeTable {
                        a: ids(p.a),
                        b: ids(p.b),
                        table: p.table.clone(),
                        agreement: p.same_outcomes.then(|| Proportion::of(diagonal, rows)),
                        kappa: if p.same_outcomes {
                            kappa(&p.table)
                        } else {
                            None
                        },
                    },
                    binary,
                    disagreements: p.disagreements.clone(),
                }
            })
            .collect()
    }
}

/// One pair of sets compared.
#[derive(Debug, Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    /// Rows both sets scored.
    pub rows: u64,
    pub outcomes: OutcomeTable,
    /// For each outcome both sets have (above their lowest): "this outcome or higher".
    pub binary: Vec<Binary>,
    /// Rows where the sets disagree on an outcome both have (or, when their outcomes are the
    /// same, on the outcome), in row order.
    pub disagreements: Vec<Disagreement>,
}

#[derive(Debug, Serialize)]
pub struct OutcomeTable {
    /// The first set's outcomes (the table's rows) and the second's (its columns).
    pub a: Vec<String>,
    pub b: Vec<String>,
    pub table: Vec<Vec<u64>>,
    /// Only when both sets have the same outcomes.
    pub agreement: Option<Proportion>,
    pub kappa: Option<Kappa>,
}

#[derive(Debug, Serialize)]
pub struct Binary {
    /// Positive means this outcome or higher, in both sets.
    pub positive_from: String,
    pub both: u64,
    pub a_only: u64,
    pub b_only: u64,
    pub neither: u64,
    pub agreement: Proportion,
    pub kappa: Option<Kappa>,
    /// McNemar's exact test on `a_only` and `b_only`: two-sided p.
    pub mcnemar_exact_p: f64,
}

/// Cohen's kappa with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Kappa {
    pub value: f64,
    pub se: f64,
    pub ci95: [f64; 2],
}

/// Cohen's kappa of a square table (rows: one rater, columns: the other), or `None` when it is
/// undefined (no rows, or both raters put every row in the same category).
pub fn kappa(table: &[Vec<u64>]) -> Option<Kappa> {
    let k = table.len();
    if k == 0 || table.iter().any(|r| r.len() != k) {
        return None;
    }
    let n: u64 = table.iter().flatten().sum();
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let p = |i: usize, j: usize| table[i][j] as f64 / n;
    let row: Vec<f64> = (0..k).map(|i| (0..k).map(|j| p(i, j)).sum()).collect();
    let col: Vec<f64> = (0..k).map(|j| (0..k).map(|i| p(i, j)).sum()).collect();
    let po: f64 = (0..k).map(|i| p(i, i)).sum();
    let pe: f64 = (0..k).map(|i| row[i] * col[i]).sum();
    if (1.0 - pe).abs() < 1e-15 {
        return None;
    }
    let kappa = (po - pe) / (1.0 - pe);
    // Fleiss, Cohen & Everitt (1969), the variance of κ̂ (not under the null).
    let mut a = 0.0;
    let mut b = 0.0;
    for i in 0..k {
        a += p(i, i) * (1.0 - (row[i] + col[i]) * (1.0 - kappa)).powi(2);
        for (j, row_j) in row.iter().enumerate() {
            if i != j {
                b += p(i, j) * (col[i] + row_j).powi(2);
            }
        }
    }
    let c = (kappa - pe * (1.0 - kappa)).powi(2);
    let var = ((a + (1.0 - kappa).powi(2) * b - c) / (n * (1.0 - pe).powi(2))).max(0.0);
    let se = var.sqrt();
    Some(Kappa {
        value: kappa,
        se,
        ci95: [(kappa - Z95 * se).max(-1.0), (kappa + Z95 * se).min(1.0)],
    })
}

/// McNemar's exact test: the two-sided binomial p for `b` and `c` discordant pairs.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let m = b.min(c);
    // P(X ≤ m) for X ~ Bin(n, ½), summed in logs: the terms underflow for large n.
    let mut ln_term = -(n as f64) * std::f64::consts::LN_2;
    let mut terms = Vec::with_capacity(m as usize + 1);
    for k in 0..=m {
        terms.push(ln_term);
        ln_term += ((n - k) as f64).ln() - ((k + 1) as f64).ln();
    }
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - top).exp()).sum();
    let cdf = (top + sum.ln()).exp();
    (2.0 * cdf).min(1.0)
}

/// The comparisons as CSV lines of the summary's figures form (`ruleset` is `a vs b`).
pub fn write_csv(out: &mut dyn Write, comparisons: &[Comparison]) -> io::Result<()> {
    for c in comparisons {
        let pair = format!("{} vs {}", c.a, c.b);
        let plain = |figure, of: &str, count, value, ci95| Figure {
            figure,
            of: of.to_owned(),
            count,
            denominator: None,
            value,
            ci95,
            suppressed: false,
        };
        let mut lines = Vec::new();
        if let Some(a) = &c.outcomes.agreement {
            lines.push(Figure {
                denominator: Some(a.denominator),
                ..plain("agreement", "", Some(a.numerator), a.value, a.ci95)
            });
        }
        if let Some(k) = &c.outcomes.kappa {
            lines.push(plain("kappa", "", None, Some(k.value), Some(k.ci95)));
        }
        for b in &c.binary {
            let of = b.positive_from.as_str();
            lines.push(Figure {
                denominator: Some(b.agreement.denominator),
                ..plain(
                    "agreement",
                    of,
                    Some(b.agreement.numerator),
                    b.agreement.value,
                    b.agreement.ci95,
                )
            });
            if let Some(k) = &b.kappa {
                lines.push(plain("kappa", of, None, Some(k.value), Some(k.ci95)));
            }
            lines.push(plain("only_first", of, Some(b.a_only), None, None));
            lines.push(plain("only_second", of, Some(b.b_only), None, None));
            lines.push(plain(
                "mcnemar_exact_p",
                of,
                None,
                Some(b.mcnemar_exact_p),
                None,
            ));
        }
        lines.push(plain(
            "disagreements",
            "",
            Some(c.disagreements.len() as u64),
            None,
            None,
        ));
        for f in &lines {
            write_csv_line(out, "", None, None, &pair, f)?;
        }
    }
    Ok(())
}

/// Rows listed on stderr per pair; every one is in the JSON summary.
const SHOWN: usize = 20;

/// The comparisons as readable tables.
pub fn write_table(out: &mut dyn Write, comparisons: &[Comparison]) -> io::Result<()> {
    for c in comparisons {
        writeln!(out)?;
        writeln!(
            out,
            "{} (rows) vs {} (columns): {} rows scored by both",
            c.a, c.b, c.rows
        )?;
        let w = c
            .outcomes
            .a
            .iter()
            .chain(&c.outcomes.b)
            .map(String::len)
            .max()
            .unwrap_or(10)
            .max(16);
        write!(out, "  {:<w$}", "")?;
        for id in &c.outcomes.b {
            write!(out, " {id:>w$}")?;
        }
        writeln!(out)?;
        for (id, r) in c.outcomes.a.iter().zip(&c.outcomes.table) {
            write!(out, "  {id:<w$}")?;
            for n in r {
                write!(out, " {n:>w$}")?;
            }
            writeln!(out)?;
        }
        let kappa = |k: &Option<Kappa>| {
            k.map_or_else(
                || "undefined".into(),
                |k| format!("{:.3} ({:.3}–{:.3})", k.value, k.ci95[0], k.ci95[1]),
            )
        };
        if let Some(a) = &c.outcomes.agreement {
            writeln!(
                out,
                "  same outcome: {:.1}%, Cohen's kappa {}",
                a.value.unwrap_or(0.0) * 100.0,
                kappa(&c.outcomes.kappa)
            )?;
        }
        for b in &c.binary {
            writeln!(
                out,
                "  `{}` or higher: both {}, only {} {}, only {} {}, neither {}; agreement {:.1}%, kappa {}, McNemar exact p = {}",
                b.positive_from,
                b.both,
                c.a,
                b.a_only,
                c.b,
                b.b_only,
                b.neither,
                b.agreement.value.unwrap_or(0.0) * 100.0,
                kappa(&b.kappa),
                p_text(b.mcnemar_exact_p)
            )?;
        }
        if c.binary.is_empty() && c.outcomes.agreement.is_none() {
            writeln!(
                out,
                "  no outcome in common above the lowest: only the table compares them"
            )?;
        }
        let n = c.disagreements.len();
        writeln!(
            out,
            "  {n} row{} disagree{}",
            if n == 1 { "" } else { "s" },
            if n > SHOWN {
                format!(" (the first {SHOWN} below; all in the JSON summary)")
            } else {
                String::new()
            }
        )?;
        for d in c.disagreements.iter().take(SHOWN) {
            writeln!(
                out,
                "    row {}{}: {} / {}",
                d.row,
                d.id.as_ref()
                    .map_or_else(String::new, |id| format!(" (id `{id}`)")),
                d.a,
                d.b
            )?;
        }
    }
    Ok(())
}

fn p_text(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn kappa_matches_the_definition() {
        let table = vec![vec![75, 1, 4], vec![5, 4, 1], vec![0, 0, 10]];
        let k = kappa(&table).expect("defined");
        // po = 0.89, row 0.80/0.10/0.10, col 0.80/0.05/0.15 → pe = .64 + .005 + .015 = .66.
        assert!(close(k.value, (0.89 - 0.66) / (1.0 - 0.66), 1e-12), "{k:?}");
        assert!(k.ci95[0] < k.value && k.value < k.ci95[1]);
        assert_eq!(kappa(&[vec![5, 0], vec![0, 0]]), None, "one category only");
    }

    #[test]
    fn kappa_se_for_a_two_by_two_by_hand() {
        // a=40 b=10 c=5 d=45, n=100: po=.85, rows .5/.5, cols .45/.55, pe=.5, κ=.7.
        // The variance of Fleiss, Cohen & Everitt (1969), term by term.
        let k = kappa(&[vec![40, 10], vec![5, 45]]).expect("defined");
        assert!(close(k.value, 0.7, 1e-12));
        let a = 0.40 * (1.0 - 0.95 * 0.3_f64).powi(2) + 0.45 * (1.0 - 1.05 * 0.3_f64).powi(2);
        let b = 0.10 * (0.45 + 0.5_f64).powi(2) + 0.05 * (0.55 + 0.5_f64).powi(2);
        let c = (0.7 - 0.5 * 0.3_f64).powi(2);
        let se = ((a + 0.09 * b - c) / (100.0 * 0.25)).sqrt();
        assert!(close(k.se, se, 1e-12), "{} {se}", k.se);
    }

    #[test]
    fn mcnemar_exact_matches_the_binomial() {
        // b=1, c=9: P(X ≤ 1) = (1 + 10)/1024; two-sided 22/1024.
        assert!(close(mcnemar_exact(1, 9), 22.0 / 1024.0, 1e-15));
        assert!(close(mcnemar_exact(9, 1), 22.0 / 1024.0, 1e-15));
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        assert_eq!(mcnemar_exact(5, 5), 1.0);
        // Large n stays finite and tiny.
        let p = mcnemar_exact(10, 5000);
        assert!((0.0..1e-300).contains(&p), "{p}");
        assert!(close(mcnemar_exact(3000, 3000), 1.0, 1e-12));
    }
}
