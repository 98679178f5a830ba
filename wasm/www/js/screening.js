// Screening: the answers as the engine reads them, every chosen set screened on every answer,
// and the next questions of all of them.
//
// The three kinds of non-answer, as the report sees them:
// - "Weet niet" / "Don't know": asked, and the person does not know. Sent as `null`: unknown to
//   the engine, never no. It counts as answered and is not proposed again under "Vraag hierna".
// - "Overslaan" / "Skip": deliberately not asked. Left out of the case: unknown to the engine.
//   It does not count as answered, and is not proposed again either.
// - no answer: left out; unknown; proposed under "Vraag hierna" when the engine ranks it.

import { setNumber, state } from "./state.js";

/** Whether an answer counts as asked: a value or "don't know", not a skip. */
export const isAsked = (a) => a != null && a.kind !== "skip";

/** The case as the engine reads it: known answers as values, "don't know" as null; skipped and
 *  unanswered questions left out (both are unknown to the engine). */
function caseOf(ids) {
  const c = {};
  for (const id of ids) {
    const a = state.answers.get(id);
    if (!a || a.kind === "skip") continue;
    c[id] = a.kind === "unknown" ? null : a.value;
  }
  return c;
}

/** The answers of `c` to the questions in `ids`. */
const only = (c, ids) => Object.fromEntries(Object.entries(c).filter(([k]) => ids.has(k)));

/** Screens every chosen set on the current answers: fills `state.per` (applicable questions,
 *  report), `state.applicable`, `state.errors` and `state.caseSent`. */
export function screenAll() {
  const errors = new Map();
  let c = caseOf([...state.answers.keys()].filter((id) => state.form.byId.has(id)));
  // Answers the engine refuses (out of bounds, say) are shown at their question and left out.
  for (const set of state.chosen) {
    for (;;) {
      const own = only(c, set.ids);
      try {
        set.screener.applicable(own);
        break;
      } catch (e) {
        const fields = (e.errors ?? []).map((x) => x.field).filter((f) => f in own);
        if (fields.length === 0) throw e;
        for (const x of e.errors) if (x.field in own) errors.set(x.field, x);
        for (const f of fields) delete c[f];
      }
    }
  }
  // A question is asked when it applies for at least one chosen set that asks it (its ask_if is
  // not false there); answers to the others are left out, until that settles.
  let applicable;
  for (let i = 0; i < 16; i++) {
    applicable = new Set();
    for (const set of state.chosen) {
      const own = new Set(set.screener.applicable(only(c, set.ids)));
      state.per.get(set.id).applicable = own;
      for (const id of own) applicable.add(id);
    }
    const kept = Object.fromEntries(Object.entries(c).filter(([k]) => applicable.has(k)));
    if (Object.keys(kept).length === Object.keys(c).length) break;
    c = kept;
  }
  state.caseSent = c;
  state.applicable = applicable;
  state.errors = errors;
  // Every chosen set screens the whole case: answers to questions it does not ask are no error.
  for (const set of state.chosen) {
    const per = state.per.get(set.id);
    const mine = Object.fromEntries(Object.entries(c).filter(([k]) => !set.ids.has(k) || per.applicable.has(k)));
    per.reportJson = set.screener.screenJson(mine, { lang: state.lang, allowUnknownKeys: true });
    per.report = JSON.parse(per.reportJson);
  }
}

/** Whether anything has been asked yet (an answer, or "don't know", to a question shown). */
export const anythingAsked = () => [...state.answers].some(([id, a]) => isAsked(a) && state.applicable.has(id));

/** Questions shown and how many of them were asked, over every chosen set. */
export function progress(ids = [...state.applicable]) {
  const shown = ids.filter((id) => state.applicable.has(id));
  return { asked: shown.filter((id) => isAsked(state.answers.get(id))).length, shown: shown.length };
}

/** The next questions of every chosen set (the engine's, less those answered "don't know" or
 *  skipped; at most five per set), once each: {id, question, sets: [{id, number, rank,
 *  could_raise_to}]}, the best-ranked first. */
export function nextQuestions() {
  const all = new Map();
  for (const set of state.chosen) {
    const report = state.per.get(set.id).report;
    const mine = report.next_questions.filter((n) => !state.answers.has(n.id)).slice(0, 5);
    mine.forEach((n, i) => {
      if (!all.has(n.id)) all.set(n.id, { id: n.id, question: n.question, sets: [] });
      all.get(n.id).sets.push({ id: set.id, number: setNumber(set.id), rank: i + 1, could_raise_to: n.could_raise_to });
    });
  }
  const best = (n) => Math.min(...n.sets.map((x) => x.rank));
  return [...all.values()].sort((a, b) => best(a) - best(b) || a.sets[0].number - b.sets[0].number);
}

/** The label of an outcome of a chosen set, in the page language. */
export function outcomeLabel(setId, id) {
  return state.per.get(setId).questionnaire.outcomes.find((o) => o.id === id)?.label ?? id;
}

/** The indicators present in a report, split: the signals, and the context (weight 0: whether a
 *  set applies, which B8/3 route; shown apart, never counted as a signal; rules/README.md). */
export function presentOf(report) {
  const present = report.indicators.filter((i) => i.state === "present");
  return { signals: present.filter((i) => i.weight !== 0), context: present.filter((i) => i.weight === 0) };
}

/** low, mid or high: the colour of an outcome; "none" before anything was asked; "na" for a set
 *  that does not apply (its outcome `not_applicable`: it says nothing about the person). */
export function levelOf(setId, report) {
  if (!anythingAsked()) return "none";
  if (report.outcome.id === "not_applicable") return "na";
  const outcomes = state.per.get(setId).questionnaire.outcomes;
  const top = outcomes.length - 1;
  // The lowest outcome that says something about the person: `not_applicable`, when a set has
  // it, comes first (rules/README.md), and the "no signals" after it is low, not mid.
  const lowest = outcomes.findIndex((o) => o.id !== "not_applicable");
  return report.outcome.level <= lowest ? "low" : report.outcome.level >= top ? "high" : "mid";
}

/** The answers a present indicator rests on: the known ones it read. An unknown answer is never
 *  evidence, so it is not listed (an "a or b" condition can hold with b unknown). */
export const evidence = (indicator) => Object.entries(indicator.reads).filter(([, v]) => v !== null && v !== undefined);

