//! Subgroups (`herken batch --by COLUMN`): every figure of the summary per value of a column,
//! each column on its own (not crossed: for men × minors, make one column of both).
//!
//! Small groups could identify people, so values with fewer rows than the minimum cell size
//! (`--min-cell`, default 10) are not named: they are pooled into one group, reported like the
//! others if the pool reaches the minimum cell size, else only said to be too small, with the
//! next smallest group suppressed too, so that its size cannot be worked out from the total.
//! Within a reported group each figure resting on a small cell is suppressed
//! ([`figures::suppress`]).

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use herken_engine::CompiledRuleSet;
use serde::Serialize;

use super::figures::{self, Figure};
use super::metrics::{RowStats, SetTally, set_summary};

/// The default minimum cell size.
pub const MIN_CELL: u64 = 10;

/// Distinct values counted per column; rows with further values are counted together (a
/// column with more values than this is an identifier, not a grouping).
pub const MAX_VALUES: usize = 1000;

/// Counts per value of each `--by` column.
#[derive(Debug, Clone)]
pub struct GroupTally {
    columns: Vec<ColumnTally>,
}

#[derive(Debug, Clone)]
struct ColumnTally {
    column: String,
    groups: BTreeMap<Option<String>, GroupCounts>,
    /// Rows whose value came after [`MAX_VALUES`] others.
    beyond: u64,
}

#[derive(Debug, Clone)]
struct GroupCounts {
    rows: u64,
    sets: Vec<SetTally>,
}

impl GroupTally {
    pub fn new(columns: &[String]) -> Self {
        Self {
            columns: columns
                .iter()
                .map(|c| ColumnTally {
                    column: c.clone(),
                    groups: BTreeMap::new(),
                    beyond: 0,
                })
                .collect(),
        }
    }

    pub fn add(&mut self, sets: &[Arc<CompiledRuleSet>], row: &RowStats) {
        for (column, value) in self.columns.iter_mut().zip(&row.groups) {
            if !column.groups.contains_key(value) && column.groups.len() >= MAX_VALUES {
                column.beyond += 1;
                continue;
            }
            let group = column
                .groups
                .entry(value.clone())
                .or_insert_with(|| GroupCounts {
                    rows: 0,
                    sets: sets.iter().map(|s| SetTally::new(s)).collect(),
                });
            group.rows += 1;
            for (tally, stats) in group.sets.iter_mut().zip(&row.sets) {
                if let Some(stats) = stats {
                    tally.add(stats, row.label);
                }
            }
        }
    }

    /// The columns no row gave a value for (a misspelt JSONL key, say).
    pub fn never_given(&self) -> impl Iterator<Item = &str> {
        self.columns
            .iter()
            .filter(|c| c.beyond == 0 && c.groups.keys().all(Option::is_none))
            .map(|c| c.column.as_str())
    }

    /// The subgroups' part of the summary.
    pub fn summary(
        &self,
        sets: &[Arc<CompiledRuleSet>],
        label: Option<&str>,
        thresholds: &[usize],
        min_cell: u64,
    ) -> Subgroups {
        let group = |value: Option<String>,
                     pooled_values: Option<u64>,
                     rows: u64,
                     tallies: &[SetTally]| Group {
            value,
            pooled_values,
            rows: Some(rows),
            suppressed: None,
            rulesets: sets
                .iter()
                .zip(tallies)
                .zip(thresholds)
                .map(|((set, t), &threshold)| {
                    let mut figures = figures::of_set(&set_summary(set, t, label, threshold));
                    figures::suppress(&mut figures, min_cell);
                    GroupSet {
                        id: set.id().to_owned(),
                        figures,
                    }
                })
                .collect(),
        };
        let columns = self
            .columns
            .iter()
            .map(|c| {
                // Values with fewer rows than the minimum cell size are not named (a rare value
                // could identify someone): they are reported together, as one pooled group.
                let mut groups = Vec::new();
                let mut pool: Option<(u64, u64, Vec<SetTally>)> = None;
                for (value, g) in &c.groups {
                    if !figures::small(g.rows, min_cell) {
                        groups.push(group(value.clone(), None, g.rows, &g.sets));
                        continue;
                    }
                    match &mut pool {
                        None => pool = Some((1, g.rows, g.sets.clone())),
                        Some((values, rows, tallies)) => {
                            *values += 1;
                            *rows += g.rows;
                            for (t, other) in tallies.iter_mut().zip(&g.sets) {
                                t.absorb(other);
                            }
                        }
                    }
                }
                if let Some((values, rows, tallies)) = pool {
                    let mut pooled = group(None, Some(values), rows, &tallies);
                    if figures::small(rows, min_cell) {
                        pooled.suppressed = Some(TOO_SMALL);
                        // So that its size cannot be worked out from the total.
                        let next = (0..groups.len()).min_by_key(|&i| groups[i].rows);
                        if let Some(i) = next {
                            groups[i].suppressed = Some(WITH_SMALLER);
                        }
                    }
                    groups.push(pooled);
                }
                for g in &mut groups {
                    if g.suppressed.is_some() {
                        g.rows = None;
                        g.rulesets.clear();
                    }
                }
                ColumnGroups {
                    column: c.column.clone(),
                    groups,
                    rows_beyond_max_values: c.beyond,
                }
            })
            .collect();
        Subgroups { min_cell, columns }
    }
}

const TOO_SMALL: &str = "fewer rows than the minimum cell size";
const WITH_SMALLER: &str =
    "with the smaller pooled group, so that its figures cannot be worked out from the total";

/// The summary's `subgroups`.
#[derive(Debug, Serialize)]
pub struct Subgroups {
    /// Figures resting on fewer cases than this are suppressed.
    pub min_cell: u64,
    pub columns: Vec<ColumnGroups>,
}

#[derive(Debug, Serialize)]
pub struct ColumnGroups {
    pub column: String,
    /// One per value with at least the minimum cell size of rows, in value order (`null` is an
    /// empty or absent value); then, if any value has fewer, one group pooling those values
    /// (`pooled_values`), their values not shown.
    pub groups: Vec<Group>,
    /// Rows whose value came after the first 1000 distinct values (not grouped).
    pub rows_beyond_max_values: u64,
}

#[derive(Debug, Serialize)]
pub struct Group {
    /// The value (`null`: an empty or absent value, or the pooled group).
    pub value: Option<String>,
    /// Only for the last group of a column, when there is one: the number of values with
    /// fewer rows each than the minimum cell size, reported together and not named.
    pub pooled_values: Option<u64>,
    /// Rows with this value (`null` when the group is suppressed).
    pub rows: Option<u64>,
    /// Why the whole group is left out, if it is.
    pub suppressed: Option<&'static str>,
    /// Per rule set, every figure (none when the group is suppressed).
    pub rulesets: Vec<GroupSet>,
}

#[derive(Debug, Serialize)]
pub struct GroupSet {
    pub id: String,
    pub figures: Vec<Figure>,
}

impl Group {
    /// The group's value as shown to people.
    pub fn shown(&self) -> String {
        match (self.pooled_values, &self.value) {
            (Some(1), _) => "(1 small value)".to_owned(),
            (Some(n), _) => format!("({n} small values)"),
            (None, Some(v)) => v.clone(),
            (None, None) => "(empty)".to_owned(),
        }
    }
}

fn find<'f>(figures: &'f [Figure], figure: &str, of: &str) -> Option<&'f Figure> {
    figures.iter().find(|f| f.figure == figure && f.of == of)
}

fn cell(f: Option<&Figure>) -> String {
    match f {
        Some(f) if f.suppressed => "suppressed".into(),
        Some(Figure {
            value: Some(v),
            ci95: Some([lo, hi]),
            ..
        }) => format!("{v:.3} ({lo:.3}–{hi:.3})"),
        _ => "-".into(),
    }
}

fn share(f: Option<&Figure>) -> String {
    match f {
        Some(f) if f.suppressed => "<min".into(),
        Some(Figure { value: Some(v), .. }) => format!("{:.1}%", v * 100.0),
        _ => "-".into(),
    }
}

/// The subgroups as readable tables: per column and rule set, one line per group with its
/// outcome shares and, with `--label`, the validation metrics at the chosen threshold.
pub fn write_table(
    out: &mut dyn Write,
    s: &Subgroups,
    sets: &[Arc<CompiledRuleSet>],
    thresholds: &[usize],
    labelled: bool,
) -> io::Result<()> {
    for c in &s.columns {
        writeln!(out)?;
        writeln!(
            out,
            "By `{}` (values with fewer than {} rows are pooled and not named; figures resting on fewer than {1} cases are suppressed):",
            c.column, s.min_cell
        )?;
        let w = c
            .groups
            .iter()
            .map(|g| g.shown().chars().count())
            .max()
            .unwrap_or(5)
            .clamp(9, 30);
        for (i, set) in sets.iter().enumerate() {
            let outcomes: Vec<&str> = set.outcomes().iter().map(|o| o.id()).collect();
            let threshold = set.outcomes()[thresholds[i]].id();
            writeln!(out, "  {}", set.id())?;
            write!(out, "  {:<w$} {:>8}", "value", "rows")?;
            for o in &outcomes {
                write!(out, " {:>16}", o)?;
            }
            if labelled {
                for m in ["sensitivity", "specificity", "PPV", "NPV"] {
                    write!(out, " {m:>21}")?;
                }
            }
            writeln!(out)?;
            for g in &c.groups {
                let name: String = g.shown().chars().take(w).collect();
                let Some(gs) = g.rulesets.get(i) else {
                    writeln!(
                        out,
                        "  {name:<w$} {:>8} suppressed: {}",
                        "-",
                        g.suppressed.unwrap_or("")
                    )?;
                    continue;
                };
                write!(
                    out,
                    "  {name:<w$} {:>8}",
                    g.rows.map_or_else(|| "-".into(), |r| r.to_string())
                )?;
                for o in &outcomes {
                    write!(out, " {:>16}", share(find(&gs.figures, "outcome", o)))?;
                }
                if labelled {
                    for m in ["sensitivity", "specificity", "ppv", "npv"] {
                        write!(out, " {:>21}", cell(find(&gs.figures, m, threshold)))?;
                    }
                }
                writeln!(out)?;
            }
            if labelled {
                writeln!(
                    out,
                    "  (positive = `{threshold}` or higher; 95% CIs: Wilson)"
                )?;
            }
        }
        if c.rows_beyond_max_values > 0 {
            writeln!(
                out,
                "  {} rows not grouped: `{}` has more than {} distinct values",
                c.rows_beyond_max_values, c.column, MAX_VALUES
            )?;
        }
    }
    Ok(())
}
