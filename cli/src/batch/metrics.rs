//! The batch summary: outcome distribution, indicator prevalence, dimension positivity and,
//! given a label column, validation metrics with 95% confidence intervals.
//!
//! Intervals: Wilson score intervals for the proportions (sensitivity, specificity, PPV, NPV);
//! for Youden's J = sensitivity − (1 − specificity), a difference of two independent
//! proportions, Newcombe's hybrid score interval built from those two Wilson intervals
//! (Newcombe 1998, method 10). Counts are integers added in input order, so the summary is the
//! same for any thread count.

use herken_engine::{CompiledRuleSet, State};
use serde::Serialize;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `successes` out of `n` at `z`, or `None` when `n` is 0.
pub fn wilson(successes: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// A proportion with its Wilson 95% interval (`null` when the denominator is 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub value: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub numerator: u64,
    pub denominator: u64,
}

impl Proportion {
    pub fn of(numerator: u64, denominator: u64) -> Self {
        Self {
            value: (denominator > 0).then(|| numerator as f64 / denominator as f64),
            ci95: wilson(numerator, denominator, Z95).map(|(lo, hi)| [lo, hi]),
            numerator,
            denominator,
        }
    }
}

/// A difference with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    pub value: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

/// Youden's J with Newcombe's hybrid score interval from the Wilson intervals of sensitivity
/// and specificity (J = sensitivity − false-positive rate, FPR = 1 − specificity).
pub fn youden(sensitivity: &Proportion, specificity: &Proportion) -> Difference {
    let (Some(se), Some(sp), Some([se_lo, se_hi]), Some([sp_lo, sp_hi])) = (
        sensitivity.value,
        specificity.value,
        sensitivity.ci95,
        specificity.ci95,
    ) else {
        return Difference {
            value: None,
            ci95: None,
        };
    };
    let j = se + sp - 1.0;
    // For the FPR: its lower distance is (spec_hi − spec), its upper (spec − spec_lo).
    let lower = j - ((se - se_lo).powi(2) + (sp - sp_lo).powi(2)).sqrt();
    let upper = j + ((se_hi - se).powi(2) + (sp_hi - sp).powi(2)).sqrt();
    Difference {
        value: Some(j),
        ci95: Some([lower.max(-1.0), upper.min(1.0)]),
    }
}

/// A 2×2 table: positive = outcome at or above the threshold, against the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub tn: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub threshold: Threshold,
    pub confusion: Confusion,
    pub sensitivity: Proportion,
    pub specificity: Proportion,
    pub ppv: Proportion,
    pub npv: Proportion,
    pub youden_j: Difference,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Threshold {
    /// Positive means this outcome or a higher one.
    pub outcome: String,
    pub level: usize,
}

impl Metrics {
    pub fn of(threshold: Threshold, c: Confusion) -> Self {
        let sensitivity = Proportion::of(c.tp, c.tp + c.fn_);
        let specificity = Proportion::of(c.tn, c.tn + c.fp);
        Self {
            threshold,
            confusion: c,
            youden_j: youden(&sensitivity, &specificity),
            sensitivity,
            specificity,
            ppv: Proportion::of(c.tp, c.tp + c.fp),
            npv: Proportion::of(c.tn, c.tn + c.fn_),
        }
    }
}

/// What the summary needs to know about one row.
#[derive(Debug, Clone, Default)]
pub struct RowStats {
    /// The row number (1-based), and its id where the comparison of sets needs them.
    pub row: u64,
    pub id: Option<String>,
    pub failed: bool,
    /// The label: `Some(true)` for a positive case, `None` when missing or not a label value.
    pub label: Option<bool>,
    /// Per rule set, `None` where the row could not be scored.
    pub sets: Vec<Option<SetStats>>,
    /// JSONL keys that no question, mapping column or option reads.
    pub unknown_keys: Vec<String>,
    /// The row's value of each `--by` column (`None`: empty or absent).
    pub groups: Vec<Option<String>>,
}

#[derive(Debug, Clone)]
pub struct SetStats {
    pub level: usize,
    pub may_rise: bool,
    /// The outcome level with every unknown indicator absent, and with every one present.
    pub if_unknown_absent: usize,
    pub if_unknown_present: usize,
    pub states: Vec<State>,
    pub positive: Vec<bool>,
    /// The row's `under_18` answer puts the person outside the population the set is written
    /// for (the report's `case::population-mismatch`).
    pub outside_population: bool,
}

/// Counts by label class.
#[derive(Debug, Clone)]
struct ClassTally {
    n: u64,
    outcomes: Vec<u64>,
    /// Outcome counts with every unknown indicator absent, and present.
    if_unknown_absent: Vec<u64>,
    if_unknown_present: Vec<u64>,
    present: Vec<u64>,
    unknown: Vec<u64>,
}

impl ClassTally {
    fn new(outcomes: usize, indicators: usize) -> Self {
        Self {
            n: 0,
            outcomes: vec![0; outcomes],
            if_unknown_absent: vec![0; outcomes],
            if_unknown_present: vec![0; outcomes],
            present: vec![0; indicators],
            unknown: vec![0; indicators],
        }
    }
}

/// One rule set's counts over a set of rows (all of them, or a subgroup's).
#[derive(Debug, Clone)]
pub struct SetTally {
    scored: u64,
    outcomes: Vec<u64>,
    may_rise: u64,
    /// Outcome counts with every unknown indicator absent, and present; rows where they differ.
    if_unknown_absent: Vec<u64>,
    if_unknown_present: Vec<u64>,
    bounds_differ: u64,
    /// Per indicator: present, absent, unknown, error.
    states: Vec<[u64; 4]>,
    dimensions: Vec<u64>,
    outside_population: u64,
    /// [label negative, label positive].
    classes: [ClassTally; 2],
    missing_label: u64,
}

/// Running counts over the rows written so far.
#[derive(Debug, Clone)]
pub struct Tally {
    pub rows: u64,
    pub failed: u64,
    /// Per rule set, in the run's order (read by the summary).
    pub(super) sets: Vec<SetTally>,
}

impl SetTally {
    pub fn new(s: &CompiledRuleSet) -> Self {
        Self {
            scored: 0,
            outcomes: vec![0; s.outcomes().len()],
            may_rise: 0,
            if_unknown_absent: vec![0; s.outcomes().len()],
            if_unknown_present: vec![0; s.outcomes().len()],
            bounds_differ: 0,
            states: vec![[0; 4]; s.indicators().len()],
            dimensions: vec![0; s.dimensions().len()],
            outside_population: 0,
            classes: [
                ClassTally::new(s.outcomes().len(), s.indicators().len()),
                ClassTally::new(s.outcomes().len(), s.indicators().len()),
            ],
            missing_label: 0,
        }
    }

    /// Rows scored by the set.
    pub fn scored(&self) -> u64 {
        self.scored
    }

    /// Counts one row the set scored; `label` is the row's label.
    pub fn add(&mut self, stats: &SetStats, label: Option<bool>) {
        self.scored += 1;
        if let Some(n) = self.outcomes.get_mut(stats.level) {
            *n += 1;
        }
        self.may_rise += u64::from(stats.may_rise);
        for (counts, level) in [
            (&mut self.if_unknown_absent, stats.if_unknown_absent),
            (&mut self.if_unknown_present, stats.if_unknown_present),
        ] {
            if let Some(n) = counts.get_mut(level) {
                *n += 1;
            }
        }
        self.bounds_differ += u64::from(stats.if_unknown_absent != stats.if_unknown_present);
        self.outside_population += u64::from(stats.outside_population);
        for (counts, state) in self.states.iter_mut().zip(&stats.states) {
            counts[state_index(*state)] += 1;
        }
        for (n, positive) in self.dimensions.iter_mut().zip(&stats.positive) {
            *n += u64::from(*positive);
        }
        match label {
            None => self.missing_label += 1,
            Some(label) => {
                let class = &mut self.classes[usize::from(label)];
                class.n += 1;
                for (counts, level) in [
                    (&mut class.outcomes, stats.level),
                    (&mut class.if_unknown_absent, stats.if_unknown_absent),
                    (&mut class.if_unknown_present, stats.if_unknown_present),
                ] {
                    if let Some(n) = counts.get_mut(level) {
                        *n += 1;
                    }
                }
                for (i, state) in stats.states.iter().enumerate() {
                    match state {
                        State::Present => class.present[i] += 1,
                        State::Unknown => class.unknown[i] += 1,
                        _ => {}
                    }
                }
            }
        }
    }
}

impl Tally {
    pub fn new(sets: &[std::sync::Arc<CompiledRuleSet>]) -> Self {
        Self {
            rows: 0,
            failed: 0,
            sets: sets.iter().map(|s| SetTally::new(s)).collect(),
        }
    }

    /// Per rule set, the rows so far whose `under_18` answer puts the person outside its
    /// population.
    pub fn outside_population(&self) -> impl Iterator<Item = u64> + '_ {
        self.sets.iter().map(|s| s.outside_population)
    }

    pub fn add(&mut self, row: &RowStats) {
        self.rows += 1;
        self.failed += u64::from(row.failed);
        for (tally, stats) in self.sets.iter_mut().zip(&row.sets) {
            if let Some(stats) = stats {
                tally.add(stats, row.label);
            }
        }
    }
}

/// Tallies of the same set over other rows, added together (subgroups too small to name are
/// reported pooled).
impl SetTally {
    pub fn absorb(&mut self, other: &SetTally) {
        fn sum(into: &mut [u64], from: &[u64]) {
            for (a, b) in into.iter_mut().zip(from) {
                *a += b;
            }
        }
        // Every field named, so that a field added to the tally cannot be left out here.
        let SetTally {
            scored,
            outcomes,
            may_rise,
            if_unknown_absent,
            if_unknown_present,
            bounds_differ,
            states,
            dimensions,
            outside_population,
            classes,
            missing_label,
        } = other;
        self.scored += scored;
        sum(&mut self.outcomes, outcomes);
        self.may_rise += may_rise;
        sum(&mut self.if_unknown_absent, if_unknown_absent);
        sum(&mut self.if_unknown_present, if_unknown_present);
        self.bounds_differ += bounds_differ;
        for (a, b) in self.states.iter_mut().zip(states) {
            sum(a, b);
        }
        sum(&mut self.dimensions, dimensions);
        self.outside_population += outside_population;
        for (a, b) in self.classes.iter_mut().zip(classes) {
            let ClassTally {
                n,
                outcomes,
                if_unknown_absent,
                if_unknown_present,
                present,
                unknown,
            } = b;
            a.n += n;
            sum(&mut a.outcomes, outcomes);
            sum(&mut a.if_unknown_absent, if_unknown_absent);
            sum(&mut a.if_unknown_present, if_unknown_present);
            sum(&mut a.present, present);
            sum(&mut a.unknown, unknown);
        }
        self.missing_label += missing_label;
    }
}

fn state_index(s: State) -> usize {
    match s {
        State::Present => 0,
        State::Absent => 1,
        State::Unknown => 2,
        State::Error => 3,
    }
}

fn rate(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

#[derive(Debug, Serialize)]
pub struct SetSummary {
    pub id: String,
    pub version: String,
    pub sha256: String,
    pub scored: u64,
    pub outcomes: Vec<OutcomeCount>,
    pub may_rise: Proportion,
    /// How far unknown answers could move the outcomes.
    pub bounds: Bounds,
    pub dimensions: Vec<DimensionCount>,
    pub indicators: Vec<IndicatorCount>,
    /// Rows whose `under_18` answer puts the person outside the population the set is written
    /// for (`case::population-mismatch`): their outcome is the wrong set's to read.
    pub outside_population: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
}

#[derive(Debug, Serialize)]
pub struct OutcomeCount {
    pub id: String,
    pub level: usize,
    pub count: u64,
    pub rate: Option<f64>,
}

/// The outcome distribution if every unknown indicator were absent, and if every one were
/// present (the decision run on those states; for a decision that can only rise as indicators
/// become present these are the lowest and highest outcome the missing answers allow).
#[derive(Debug, Serialize)]
pub struct Bounds {
    pub if_unknown_absent: Vec<OutcomeCount>,
    pub if_unknown_present: Vec<OutcomeCount>,
    /// Rows whose two bounds differ: the missing answers could change their outcome.
    pub differ: Proportion,
}

#[derive(Debug, Serialize)]
pub struct DimensionCount {
    pub id: String,
    pub positive: u64,
    pub rate: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct IndicatorCount {
    pub id: String,
    pub dimension: String,
    pub present: u64,
    pub absent: u64,
    pub unknown: u64,
    pub error: u64,
    pub present_rate: Option<f64>,
    pub unknown_rate: Option<f64>,
    /// Among label-positive and label-negative cases, with `--label`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_label: Option<ByLabel>,
}

#[derive(Debug, Serialize)]
pub struct ByLabel {
    pub positive: ClassPrevalence,
    pub negative: ClassPrevalence,
}

#[derive(Debug, Serialize)]
pub struct ClassPrevalence {
    pub cases: u64,
    pub present: u64,
    pub unknown: u64,
    pub present_rate: Option<f64>,
    pub unknown_rate: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Validation {
    pub label_column: String,
    /// Scored rows with a label value.
    pub labelled: u64,
    /// Scored rows whose label is empty or not a label value.
    pub missing_label: u64,
    pub label_positive: u64,
    pub label_negative: u64,
    /// The share of label-positive cases among the labelled (PPV and NPV depend on it).
    pub prevalence: Proportion,
    /// The metrics at the chosen threshold.
    pub metrics: Metrics,
    /// The metrics at every outcome threshold, lowest first.
    pub thresholds: Vec<Metrics>,
    /// The metrics at the chosen threshold with every unknown indicator absent, and present:
    /// how far the missing answers could move them.
    pub bounds: ValidationBounds,
}

#[derive(Debug, Serialize)]
pub struct ValidationBounds {
    pub if_unknown_absent: Metrics,
    pub if_unknown_present: Metrics,
}

/// One rule set's summary from its counts.
pub fn set_summary(
    set: &CompiledRuleSet,
    t: &SetTally,
    label: Option<&str>,
    threshold: usize,
) -> SetSummary {
    let [neg, pos] = &t.classes;
    let class = |c: &ClassTally, i: usize| ClassPrevalence {
        cases: c.n,
        present: c.present[i],
        unknown: c.unknown[i],
        present_rate: rate(c.present[i], c.n),
        unknown_rate: rate(c.unknown[i], c.n),
    };
    let validation = label.map(|column| {
        let at_with = |counts: fn(&ClassTally) -> &Vec<u64>, level: usize| {
            let tp: u64 = counts(pos)[level..].iter().sum();
            let fp: u64 = counts(neg)[level..].iter().sum();
            Metrics::of(
                Threshold {
                    outcome: set.outcomes()[level].id().to_owned(),
                    level,
                },
                Confusion {
                    tp,
                    fp,
                    fn_: pos.n - tp,
                    tn: neg.n - fp,
                },
            )
        };
        let at = |level: usize| at_with(|c| &c.outcomes, level);
        Validation {
            label_column: column.to_owned(),
            labelled: pos.n + neg.n,
            missing_label: t.missing_label,
            label_positive: pos.n,
            label_negative: neg.n,
            prevalence: Proportion::of(pos.n, pos.n + neg.n),
            metrics: at(threshold),
            thresholds: (0..set.outcomes().len()).map(at).collect(),
            bounds: ValidationBounds {
                if_unknown_absent: at_with(|c| &c.if_unknown_absent, threshold),
                if_unknown_present: at_with(|c| &c.if_unknown_present, threshold),
            },
        }
    });
    let distribution = |counts: &[u64]| -> Vec<OutcomeCount> {
        set.outcomes()
            .iter()
            .enumerate()
            .map(|(level, o)| OutcomeCount {
                id: o.id().to_owned(),
                level,
                count: counts[level],
                rate: rate(counts[level], t.scored),
            })
            .collect()
    };
    SetSummary {
        id: set.id().to_owned(),
        version: set.version().to_owned(),
        sha256: set.sha256().to_owned(),
        scored: t.scored,
        outcomes: distribution(&t.outcomes),
        may_rise: Proportion::of(t.may_rise, t.scored),
        bounds: Bounds {
            if_unknown_absent: distribution(&t.if_unknown_absent),
            if_unknown_present: distribution(&t.if_unknown_present),
            differ: Proportion::of(t.bounds_differ, t.scored),
        },
        outside_population: t.outside_population,
        dimensions: set
            .dimensions()
            .iter()
            .zip(&t.dimensions)
            .map(|(d, &n)| DimensionCount {
                id: d.id().to_owned(),
                positive: n,
                rate: rate(n, t.scored),
            })
            .collect(),
        indicators: set
            .indicators()
            .iter()
            .zip(&t.states)
            .enumerate()
            .map(|(i, (ind, c))| IndicatorCount {
                id: ind.id().to_owned(),
                dimension: set.dimensions()[ind.dimension()].id().to_owned(),
                present: c[0],
                absent: c[1],
                unknown: c[2],
                error: c[3],
                present_rate: rate(c[0], t.scored),
                unknown_rate: rate(c[2], t.scored),
                by_label: label.map(|_| ByLabel {
                    positive: class(pos, i),
                    negative: class(neg, i),
                }),
            })
            .collect(),
        validation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_matches_the_formula_and_published_values() {
        // Newcombe (1998), Table I: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605;
        // 0/20 → 0–0.1611; 1/29 → 0.0061–0.1718.
        for (x, n, lo, hi) in [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ] {
            let (l, h) = wilson(x, n, Z95).expect("n > 0");
            assert!(close(l, lo, 5e-5) && close(h, hi, 5e-5), "{x}/{n}: {l} {h}");
        }
        // The closed form for 0 successes: upper = z² / (n + z²).
        let (_, h) = wilson(0, 20, Z95).expect("n > 0");
        assert!(close(h, Z95 * Z95 / (20.0 + Z95 * Z95), 1e-12));
        assert_eq!(wilson(3, 0, Z95), None);
    }

    #[test]
    fn metrics_match_a_hand_computed_example() {
        // 40 label-positive: 30 flagged; 160 label-negative: 20 flagged.
        let m = Metrics::of(
            Threshold {
                outcome: "possible_victim".into(),
                level: 2,
            },
            Confusion {
                tp: 30,
                fp: 20,
                fn_: 10,
                tn: 140,
            },
        );
        assert_eq!(m.sensitivity.value, Some(0.75));
        assert_eq!(m.specificity.value, Some(0.875));
        assert_eq!(m.ppv.value, Some(0.6));
        assert!(close(m.npv.value.unwrap_or_default(), 140.0 / 150.0, 1e-12));
        assert!(close(m.youden_j.value.unwrap_or_default(), 0.625, 1e-12));
        // Sensitivity 30/40 by hand: p = .75, z² = 3.841459, centre = (.75 + .048018)/1.096037
        // = .728096, half = 1.788231 × sqrt(.0046875 + .0006002) = .130035.
        let [lo, hi] = m.sensitivity.ci95.expect("interval");
        assert!(
            close(lo, 0.5980, 1e-4) && close(hi, 0.8581, 1e-4),
            "{lo} {hi}"
        );
        // J's interval (Newcombe): J ∓ sqrt(distances of the two Wilson intervals).
        let [sp_lo, sp_hi] = m.specificity.ci95.expect("interval");
        let [j_lo, j_hi] = m.youden_j.ci95.expect("interval");
        assert!(close(
            j_lo,
            0.625 - ((0.75 - lo).powi(2) + (0.875 - sp_lo).powi(2)).sqrt(),
            1e-12
        ));
        assert!(close(
            j_hi,
            0.625 + ((hi - 0.75).powi(2) + (sp_hi - 0.875).powi(2)).sqrt(),
            1e-12
        ));
        assert!(j_lo < 0.625 && 0.625 < j_hi);
    }

    #[test]
    fn empty_classes_give_no_estimate() {
        let m = Metrics::of(
            Threshold {
                outcome: "x".into(),
                level: 1,
            },
            Confusion {
                tp: 0,
                fp: 3,
                fn_: 0,
                tn: 7,
            },
        );
        assert_eq!(m.sensitivity.value, None);
        assert_eq!(m.youden_j.value, None);
        assert_eq!(m.specificity.value, Some(0.7));
    }
}
