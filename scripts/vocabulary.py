#!/usr/bin/env python3
"""The shared question vocabulary of the bundled rule sets.

One intake answers several rule sets, so a question id means the same answer in every set that asks
it: the same type, option ids, unit, bounds, `ask_if` and form group. Its wording (text, help,
option labels, group title) is the same in every set written for the same population: the child
sets address a child ("je", words a child uses), every other set an adult ("u"). This script

  - checks that (exit 1 and a list of differences when it does not hold), and
  - writes rules/VOCABULARY.md: every question id, its wording and the sets that use it, and the
    length of every set's questions.

Usage: scripts/vocabulary.py            check, then write rules/VOCABULARY.md
       scripts/vocabulary.py --check    check, and fail if rules/VOCABULARY.md is out of date

Needs Python 3 and PyYAML (`pip install pyyaml`).
"""
import pathlib
import sys

try:
    import yaml
except ImportError:
    sys.exit("scripts/vocabulary.py needs PyYAML: pip install pyyaml")

ROOT = pathlib.Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
OUT = RULES / "VOCABULARY.md"
# The set whose questions came first; listed first, and its question order leads.
FIRST = "ilo-2009-adult-labour"
# What a question's answer is: the same in every set that asks the id.
ANSWER = ("type", "unit", "min", "max", "ask_if", "group", "audience")
SETS = {}


def population(sid):
    """Whose wording a set uses: a set for children words its questions for a child; a set for
    adults or for anyone, for an adult."""
    return "child" if SETS[sid].get("population") == "child" else "adult"


def declared(sid):
    """The set's declared population, and whose wording it uses where that is not plain."""
    p = SETS[sid].get("population", "")
    return f"{p} (adult wording)" if p not in ("adult", "child") else p


def answer(q):
    shape = {k: q.get(k) for k in ANSWER}
    shape["audience"] = shape["audience"] or "person"
    shape["unit"] = (shape["unit"] or {}).get("en")
    shape["options"] = [o["id"] for o in q.get("options", [])]
    return shape


def wording(q, lang):
    """What a question says in `lang` (None where the set has no text in it)."""
    pick = lambda t: (t or {}).get(lang)
    return {
        "text": pick(q.get("text")),
        "help": pick(q.get("help")),
        "unit": pick(q.get("unit")),
        "options": [pick(o.get("label")) for o in q.get("options", [])],
    }


def words(text):
    """A word is a whitespace-separated token with at least one letter or digit."""
    return sum(1 for t in text.split() if any(c.isalnum() for c in t))


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def load():
    sets = {}
    for path in sorted(RULES.glob("*/ruleset.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        sets[d["id"]] = d
    order = sorted(sets, key=lambda s: (s != FIRST, s))
    SETS.update(sets)
    return {s: sets[s] for s in order}


def check(sets):
    problems = []
    seen = {}     # question id -> (set, definition): the first set to ask it
    said = {}     # (question id, population, language) -> (set, wording)
    groups = {}   # (group id, population, language) -> (set, title)
    for sid, d in sets.items():
        pop = population(sid)
        for g in d.get("groups", []):
            for lang, title in g["title"].items():
                key = (g["id"], pop, lang)
                if key in groups and groups[key][1] != title:
                    problems.append(f"group `{g['id']}`: title [{lang}] in {sid} differs from {groups[key][0]}")
                groups.setdefault(key, (sid, title))
        for q in d.get("questions", []):
            if q["id"] in seen:
                other, first = seen[q["id"]]
                a, b = answer(q), answer(first)
                keys = sorted(k for k in a if a[k] != b[k])
                if keys:
                    problems.append(f"question `{q['id']}`: {', '.join(keys)} in {sid} differ from {other}")
            seen.setdefault(q["id"], (sid, q))
            # a language one set has and another lacks (a translation) is not a difference
            for lang in q["text"]:
                key = (q["id"], pop, lang)
                w = wording(q, lang)
                if key in said and said[key][1] != w:
                    other, first = said[key]
                    keys = sorted(k for k in w if w[k] != first[k])
                    problems.append(f"question `{q['id']}`: {', '.join(keys)} [{lang}] in {sid} differ from {other} ({pop} wording)")
                said.setdefault(key, (sid, w))
    return problems, seen, said


def render(sets, seen, said):
    names = list(sets)
    # canonical order: the order in which the sets ask them, first set first
    order = []
    for d in sets.values():
        qs = [q["id"] for q in d.get("questions", [])]
        for i, qid in enumerate(qs):
            if qid in order:
                continue
            prev = next((p for p in reversed(qs[:i]) if p in order), None)
            order.insert(order.index(prev) + 1 if prev else len(order), qid)
    users = {qid: [s for s in names if any(q["id"] == qid for q in sets[s].get("questions", []))] for qid in order}
    abbrev = {s: f"S{k + 1}" for k, s in enumerate(names)}
    children = ", ".join(abbrev[s] for s in names if population(s) == "child")
    lines = [
        "# Shared question vocabulary",
        "",
        "<!-- Generated by scripts/vocabulary.py from rules/*/ruleset.yaml; do not edit by hand. -->",
        "",
        "One intake can answer several rule sets (`herken screen --rules a,b,c case.json`), so a question",
        "id means the same answer in every set that asks it: **the same type, option ids, unit, bounds,",
        "`ask_if` and form group**. Its **wording** (text, help, option labels, group title) is the same in",
        f"every set written for the same population: the child sets ({children}) ask a child, with \"je\" and words",
        "a child uses; every other set asks an adult, with \"u\". So a question may have two wordings, one",
        "for adults and one for children, and never more. `scripts/vocabulary.py` and the engine's test",
        "`shared_questions_mean_the_same_answer_across_sets` check this. A set lists only the questions its",
        "indicators read (herken check warns about unused questions). Question ids are stable once written:",
        "mappings (for example for CTDC exports) refer to them.",
        "",
        "To add a question: reuse an id below when the meaning matches; otherwise add a new id with a",
        "definition that is copied verbatim into every set of the same population that asks it, then run",
        "`scripts/vocabulary.py`. How to word a question: [`README.md`](README.md#writing-questions).",
        "",
        "## Rule sets",
        "",
        "Question length in words (a word is a whitespace-separated token with a letter or digit; help",
        "texts are not counted). Every set: median at most 15, none over 25 (tested). A language marked *",
        "is an unverified translation of the questions (`translations` in the set), not yet checked by a",
        "professional translator.",
        "",
        "| | rule set | population | languages | questions | status | words nl: median / max | words en: median / max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in names:
        qs = sets[s].get("questions", [])
        stat = []
        for lang in ("nl", "en"):
            w = [words(q["text"][lang]) for q in qs]
            stat.append(f"{median(w):g} / {max(w)}")
        tr = sets[s].get("translations") or {}
        langs = ", ".join(l + ("*" if tr.get(l, {}).get("status") == "unverified" else "") for l in sets[s].get("languages", []))
        lines.append(f"| {abbrev[s]} | `{s}` | {declared(s)} | {langs} | {len(qs)} | {sets[s].get('status', '')} | {stat[0]} | {stat[1]} |")
    lines += [
        "",
        f"## Questions ({len(order)})",
        "",
        "A ✓ marks the sets that ask the question. Type: `yesno` (yes / no / unknown), `integer`, `choice`.",
        "The wording is the adult one, then (*child*) the child sets' where they ask the question.",
        "",
        "| id | type | group | " + " | ".join(abbrev[s] for s in names) + " | question (nl / en) |",
        "|---|---|---|" + "---|" * len(names) + "---|",
    ]
    esc = lambda t: t.replace("|", "\\|")
    for qid in order:
        q = seen[qid][1]
        marks = " | ".join("✓" if s in users[qid] else "" for s in names)
        texts = []
        for pop in ("adult", "child"):
            if (qid, pop, "nl") in said:
                nl, en = said[(qid, pop, "nl")][1]["text"], said[(qid, pop, "en")][1]["text"]
                prefix = "*child:* " if pop == "child" else ""
                texts.append(f"{prefix}{esc(nl)} / {esc(en)}")
        extra = ""
        if q.get("options"):
            extra = " Options: " + ", ".join(f"`{o['id']}`" for o in q["options"]) + "."
        if q.get("ask_if"):
            extra += f" Asked if `{q['ask_if']}`."
        lines.append(f"| `{qid}` | {q['type']} | {q['group']} | {marks} | {'<br>'.join(texts)}{extra} |")
    shared = sum(1 for u in users.values() if len(u) > 1)
    worded = sum(1 for qid in order if (qid, "adult", "nl") in said and (qid, "child", "nl") in said)
    lines += ["", f"{shared} of {len(order)} questions are asked by more than one set; {worded} have an adult and a child wording.", ""]
    return "\n".join(lines)


def main():
    sets = load()
    problems, seen, said = check(sets)
    if problems:
        print("shared vocabulary: definitions differ between rule sets:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    text = render(sets, seen, said)
    if "--check" in sys.argv[1:]:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run scripts/vocabulary.py", file=sys.stderr)
            return 1
        print(f"shared vocabulary ok: {len(seen)} questions in {len(sets)} rule sets")
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(seen)} questions in {len(sets)} rule sets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
