"""The figures of `herken batch --by COLUMN --compare --summary`, computed independently.

Reads the input CSV (for the group column and the label) and herken's per-row output CSV (for
each set's outcome per row) and computes, with its own formulas and only the standard library:
per group and set, the outcome counts and the validation metrics at every threshold (and at the
highest outcome with every unknown indicator absent, and present) with Wilson 95% intervals,
under the minimum-cell rule; per pair of sets, the binary agreement tables,
Cohen's kappa with the Fleiss-Cohen-Everitt (1969) standard error, and McNemar's exact test
in exact rational arithmetic. Prints them as JSON for the Rust test to compare with the
summary.

usage: analyses.py INPUT.csv OUTPUT.csv GROUP_COLUMN LABEL_COLUMN MIN_CELL SET:OUT1,OUT2,... ...
"""

import csv
import json
import math
import sys
from fractions import Fraction

Z = 1.959963984540054


def wilson(x, n):
    if n == 0:
        return None
    p = x / n
    a = p + Z * Z / (2 * n)
    b = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    c = 1 + Z * Z / n
    return [max(0.0, (a - b) / c), min(1.0, (a + b) / c)]


def small(n, min_cell):
    return 0 < n < min_cell


def share(x, n, min_cell):
    hidden = (0 < n < min_cell) or small(x, min_cell) or small(n - x, min_cell)
    if min_cell <= 1:
        hidden = False
    return {
        "count": None if hidden else x,
        "value": None if hidden or n == 0 else x / n,
        "ci95": None if hidden else wilson(x, n),
        "suppressed": hidden,
    }


def kappa(t):
    k = len(t)
    n = sum(sum(r) for r in t)
    p = [[t[i][j] / n for j in range(k)] for i in range(k)]
    rows = [sum(p[i]) for i in range(k)]
    cols = [sum(p[i][j] for i in range(k)) for j in range(k)]
    po = sum(p[i][i] for i in range(k))
    pe = sum(rows[i] * cols[i] for i in range(k))
    if pe == 1:
        return None
    kap = (po - pe) / (1 - pe)
    first = sum(p[i][i] * (1 - (rows[i] + cols[i]) * (1 - kap)) ** 2 for i in range(k))
    second = sum(
        p[i][j] * (cols[i] + rows[j]) ** 2 for i in range(k) for j in range(k) if i != j
    )
    third = (kap - pe * (1 - kap)) ** 2
    se = math.sqrt(max(0.0, (first + (1 - kap) ** 2 * second - third) / (n * (1 - pe) ** 2)))
    return {"value": kap, "se": se, "ci95": [max(-1, kap - Z * se), min(1, kap + Z * se)]}


def mcnemar(b, c):
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(Fraction(math.comb(n, i), 2**n) for i in range(min(b, c) + 1))
    return float(min(Fraction(1), 2 * tail))


def main():
    inp, out, column, label_column, min_cell = sys.argv[1:6]
    min_cell = int(min_cell)
    sets = []
    for spec in sys.argv[6:]:
        name, outcomes = spec.split(":")
        sets.append((name, outcomes.split(",")))
    with open(inp, newline="", encoding="utf-8") as f:
        cases = list(csv.DictReader(f))
    with open(out, newline="", encoding="utf-8") as f:
        results = list(csv.DictReader(f))
    assert len(cases) == len(results)
    rows = []
    for case, result in zip(cases, results):
        value = case[column].strip() or None
        raw = case[label_column].strip().lower()
        label = {"1": True, "yes": True, "0": False, "no": False}.get(raw)
        levels = {}
        for name, outcomes in sets:
            prefix = name + "." if len(sets) > 1 else ""
            outcome = result[prefix + "outcome"]
            levels[name] = outcomes.index(outcome) if outcome else None
            for bound in ("if_unknown_absent", "if_unknown_present"):
                at = result[prefix + bound]
                levels[name + "/" + bound] = outcomes.index(at) if at else None
        rows.append((value, label, levels))

    def entry_of(members):
        entry = {"rows": len(members), "sets": {}}
        for name, outcomes in sets:
            scored = [r for r in members if r[2][name] is not None]
            figures = {}
            counts = {}
            for level, outcome in enumerate(outcomes):
                x = sum(1 for r in scored if r[2][name] == level)
                counts[outcome] = x
                figures["outcome:" + outcome] = share(x, len(scored), min_cell)
            # Never exactly one hidden share of the distribution: the next smallest goes too.
            hidden = [o for o in outcomes if figures["outcome:" + o]["suppressed"]]
            if len(hidden) == 1:
                rest = [o for o in outcomes if o not in hidden and counts[o] > 0]
                if rest:
                    o = min(rest, key=lambda o: counts[o])
                    figures["outcome:" + o] = {
                        "count": None, "value": None, "ci95": None, "suppressed": True
                    }
            pos = [r for r in scored if r[1] is True]
            neg = [r for r in scored if r[1] is False]
            for level, outcome in enumerate(outcomes):
                tp = sum(1 for r in pos if r[2][name] >= level)
                fp = sum(1 for r in neg if r[2][name] >= level)
                fn, tn = len(pos) - tp, len(neg) - fp
                figures["sensitivity:" + outcome] = share(tp, tp + fn, min_cell)
                figures["specificity:" + outcome] = share(tn, tn + fp, min_cell)
                figures["ppv:" + outcome] = share(tp, tp + fp, min_cell)
                figures["npv:" + outcome] = share(tn, tn + fn, min_cell)
            # The chosen threshold (the highest outcome) with every unknown absent, and present.
            top = len(outcomes) - 1
            for bound in ("if_unknown_absent", "if_unknown_present"):
                key = name + "/" + bound
                tp = sum(1 for r in pos if r[2][key] >= top)
                fp = sum(1 for r in neg if r[2][key] >= top)
                fn, tn = len(pos) - tp, len(neg) - fp
                at = ":" + outcomes[top]
                figures["sensitivity_" + bound + at] = share(tp, tp + fn, min_cell)
                figures["specificity_" + bound + at] = share(tn, tn + fp, min_cell)
                figures["ppv_" + bound + at] = share(tp, tp + fp, min_cell)
                figures["npv_" + bound + at] = share(tn, tn + fn, min_cell)
            entry["sets"][name] = figures
        return entry

    # Values with fewer rows than the minimum cell size are pooled into one group (key
    # "*pooled*"), not named; if the pool is still small it is suppressed, and the next
    # smallest group with it.
    groups = {}
    pooled = []
    pooled_values = 0
    for value in sorted({r[0] for r in rows}, key=lambda v: (v is not None, v or "")):
        members = [r for r in rows if r[0] == value]
        if small(len(members), min_cell):
            pooled += members
            pooled_values += 1
        else:
            groups["" if value is None else value] = entry_of(members)
    for g in groups.values():
        g["suppressed"] = False
    if pooled:
        entry = entry_of(pooled)
        entry["pooled_values"] = pooled_values
        entry["suppressed"] = small(len(pooled), min_cell)
        if entry["suppressed"] and groups:
            groups[min(groups, key=lambda v: groups[v]["rows"])]["suppressed"] = True
        groups["*pooled*"] = entry

    pairs = []
    for a in range(len(sets)):
        for b in range(a + 1, len(sets)):
            (na, oa), (nb, ob) = sets[a], sets[b]
            both = [r for r in rows if r[2][na] is not None and r[2][nb] is not None]
            binary = {}
            for la, outcome in enumerate(oa):
                if la == 0 or outcome not in ob or ob.index(outcome) == 0:
                    continue
                lb = ob.index(outcome)
                t = [[0, 0], [0, 0]]
                for r in both:
                    t[int(r[2][na] >= la)][int(r[2][nb] >= lb)] += 1
                binary[outcome] = {
                    "both": t[1][1],
                    "a_only": t[1][0],
                    "b_only": t[0][1],
                    "neither": t[0][0],
                    "kappa": kappa([[t[0][0], t[0][1]], [t[1][0], t[1][1]]]),
                    "mcnemar_exact_p": mcnemar(t[1][0], t[0][1]),
                }
            full = None
            if oa == ob:
                t = [[0] * len(ob) for _ in oa]
                for r in both:
                    t[r[2][na]][r[2][nb]] += 1
                full = kappa(t)
            pairs.append({"a": na, "b": nb, "rows": len(both), "binary": binary, "kappa": full})
    json.dump({"groups": groups, "pairs": pairs}, sys.stdout)


main()
