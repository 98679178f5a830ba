// For the case file: the worker's reference and notes, the summary (printed, or copied as text
// to paste into a case file) and the download. All of it is made in the page: nothing is stored
// and nothing is sent; the clipboard is written only when the worker asks.

import { $, h } from "./dom.js";
import { adviceBlocks, answerText, contextItems, signalItems, statusWord } from "./outcome.js";
import { personNote } from "./form.js";
import { anythingAsked, evidence, outcomeLabel, presentOf } from "./screening.js";
import { cap, setNumber, several, state, t, titleOf } from "./state.js";

const when = () => new Date().toLocaleString(state.lang === "nl" ? "nl-NL" : "en-GB");

/** The answers shown in the form, in its order, with their words: [question, words]. */
function answerLines() {
  const s = t();
  return state.form.questions.filter((q) => state.applicable.has(q.id) && state.answers.has(q.id)).map((q) => {
    const a = state.answers.get(q.id);
    return [q, a.kind === "skip" ? s.skipped : a.kind === "unknown" ? s.unknown : answerText(q, a.value)];
  });
}

/** The outcome of a set as the summary gives it: none before anything was asked. */
const outcomeText = (r) => (anythingAsked() ? r.outcome.label : t().notYet);

/** The printed summary: the reference, per set its outcome, advice, signals and provenance, every
 *  answer, the notes. Made anew before printing (beforeprint). */
export function renderSummary() {
  const s = t();
  const answers = answerLines();
  $("summary").replaceChildren(
    h("h1", {}, s.summaryTitle),
    ...(state.reference.trim() ? [h("p", { class: "summary-ref" }, `${s.reference}: `, h("strong", {}, state.reference.trim()))] : []),
    h("p", { class: "muted" }, s.summaryMade(when())),
    ...(personNote() ? [h("p", { class: "summary-person-lang" }, personNote().text)] : []),
    ...state.chosen.map((set) => {
      const r = state.per.get(set.id).report;
      return h("section", { class: "summary-set" },
        h("p", { class: "summary-set-title" }, several() ? `${cap(s.setNo(setNumber(set.id)))}: ` : null, titleOf(set)),
        h("h2", {}, `${s.outcome}: ${outcomeText(r)}`),
        anythingAsked() && r.outcome.may_rise ? h("p", {}, s.couldRise(outcomeLabel(set.id, r.outcome.could_rise_to))) : null,
        h("h3", {}, s.advice),
        ...adviceBlocks(r.outcome.advice),
        h("ul", { class: "context" }, contextItems(r)),
        h("h3", {}, s.signals),
        h("ul", { class: "signals" }, signalItems(r, false)),
        h("p", {}, s.unansweredCount(r.unanswered.length)));
    }),
    h("h2", { class: "summary-answers" }, s.answers),
    answers.length ? h("dl", {}, answers.map(([q, words]) => [h("dt", {}, q.text), h("dd", {}, words)])) : h("p", {}, s.noAnswers),
    ...(state.notes.trim() ? [h("h2", { class: "summary-notes" }, s.notes), ...state.notes.trim().split("\n").map((l) => h("p", {}, l))] : []),
    ...state.chosen.map((set) => h("p", { class: "muted" }, s.provenance(set.info, statusWord(set.info)))),
  );
}

/** The same summary as plain text, for the clipboard. */
export function summaryText() {
  const s = t();
  const lines = [s.summaryTitle];
  if (state.reference.trim()) lines.push(`${s.reference}: ${state.reference.trim()}`);
  lines.push(s.summaryMade(when()));
  // Which language the person read the questions in, and whether that translation was checked.
  const person = personNote();
  if (person) lines.push(person.text);
  for (const set of state.chosen) {
    const r = state.per.get(set.id).report;
    lines.push("", several() ? `${cap(s.setNo(setNumber(set.id)))}: ${titleOf(set)}` : titleOf(set));
    lines.push(`${s.outcome}: ${outcomeText(r)}`);
    if (anythingAsked() && r.outcome.may_rise) lines.push(s.couldRise(outcomeLabel(set.id, r.outcome.could_rise_to)));
    const { signals: present, context } = presentOf(r);
    for (const i of context) lines.push(`${s.context}: ${i.label}`);
    if (present.length) {
      lines.push(`${s.signals}:`);
      const dims = new Map(r.dimensions.map((d) => [d.id, d.label]));
      for (const i of present) {
        lines.push(`- ${i.label} (${dims.get(i.dimension) ?? i.dimension}${i.strength ? `, ${s.strength[i.strength]}` : ""})`);
        for (const [qid, v] of evidence(i)) {
          const q = state.form.byId.get(qid);
          lines.push(`  ${s.basedOn}: ${q?.text ?? qid}: ${answerText(q, v)}`);
        }
      }
    }
    lines.push(s.unansweredCount(r.unanswered.length));
    lines.push(s.provenance(set.info, statusWord(set.info)));
  }
  const answers = answerLines();
  lines.push("", `${s.answers}:`, ...(answers.length ? answers.map(([q, words]) => `- ${q.text}: ${words}`) : [s.noAnswers]));
  if (state.notes.trim()) lines.push("", `${s.notes}:`, state.notes.trim());
  return `${lines.join("\n")}\n`;
}

export function printSummary() {
  renderSummary();
  window.print();
}

/** Copies the summary to the clipboard, and says whether that worked. */
export async function copySummary() {
  const s = t();
  const text = summaryText();
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    // Without the asynchronous clipboard (an insecure context, an older browser): a selected
    // text area and the copy command.
    const area = h("textarea", { class: "visually-hidden", "aria-hidden": "true", tabindex: "-1" });
    area.value = text;
    document.body.append(area);
    area.select();
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
  }
  $("copy-status").textContent = ok ? s.copied : s.copyFailed;
  $("copy-status").classList.toggle("error", !ok);
}

/** The answers and one report per chosen set, in the order chosen: the reports exactly as the
 *  engine wrote them, so `reports` is byte for byte what `herken screen --rules a,b --format
 *  json` prints for `answers` (indentation aside); the worker's reference and notes with them. */
export function download() {
  const created = new Date();
  const reports = state.chosen.map((set) => state.per.get(set.id).reportJson).join(",\n");
  const text = `{\n"herken_screening": 2,\n"created": ${JSON.stringify(created.toISOString())},\n`
    + `"reference": ${JSON.stringify(state.reference)},\n"notes": ${JSON.stringify(state.notes)},\n`
    + `"answers": ${JSON.stringify(state.caseSent)},\n"reports": [\n${reports}\n]\n}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const name = several() ? "screening" : state.chosen[0].id;
  const a = h("a", { href: url, download: `herken-${name}-${created.toISOString().slice(0, 10)}.json`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
