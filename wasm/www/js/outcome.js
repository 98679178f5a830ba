// The live outcome: one card per chosen set (outcome, advice and referral, signals with the
// answers behind them), every outcome at a glance, the bar at the bottom of a phone, the next
// questions, and the line a screen reader announces. In the discreet view the outcome area stays
// hidden until the worker opens it, and the bar and the announcement stay neutral.

import { $, h } from "./dom.js";
import { goTo } from "./form.js";
import { anythingAsked, evidence, levelOf, outcomeLabel, presentOf, progress } from "./screening.js";
import { AGE, cap, interviewerOnly, setNumber, several, state, t, titleOf } from "./state.js";

/** An answer in words, in the page language. */
export function answerText(q, value) {
  const s = t();
  if (value === null || value === undefined) return s.answerUnknown;
  if (value === true) return s.yes;
  if (value === false) return s.no;
  if (Array.isArray(value)) return value.map((v) => answerText(q, v)).join(", ");
  if (q?.options?.length) return q.options.find((o) => o.id === value)?.label ?? String(value);
  if (typeof value === "number") return q?.unit ? `${value} ${q.unit}` : String(value);
  return String(value);
}

/** Advice text as paragraphs and lists ("- " and "1. " lines). */
export function adviceBlocks(text) {
  const blocks = [];
  let list = null;
  for (const line of text.split("\n")) {
    const item = line.match(/^\s*(?:[-*]|(\d+)\.)\s+(.*)$/);
    if (item) {
      const tag = item[1] ? "ol" : "ul";
      if (!list || list.tagName.toLowerCase() !== tag) blocks.push((list = h(tag)));
      list.append(h("li", {}, item[2]));
    } else if (line.trim()) {
      list = null;
      blocks.push(h("p", {}, line));
    }
  }
  return blocks;
}

/** One card per chosen set: made when the sets or the language change, filled by renderPanel()
 *  on every answer. */
export function renderCards() {
  const s = t();
  $("cards").replaceChildren(...state.chosen.map((set) => {
    const id = `card-${set.id}`;
    return h("section", { class: "card", id, "data-set": set.id, "aria-labelledby": `${id}-title` },
      h("h3", { class: several() ? "card-title" : "card-title visually-hidden", id: `${id}-title` },
        several() ? h("span", { class: "set-no" }, `${cap(s.setNo(setNumber(set.id)))}: `) : null, titleOf(set)),
      h("div", { class: "outcome" },
        h("p", { class: "outcome-label" }),
        h("p", { class: "outcome-rise", hidden: true }),
        h("p", { class: "outcome-mismatch", hidden: true }),
        h("p", { class: "progress" })),
      h("div", { class: "block" },
        h("h4", { class: "advice-title" }),
        h("div", { class: "advice" })),
      h("div", { class: "block" },
        h("ul", { class: "context", "aria-label": s.context }),
        h("h4", {}, s.signals),
        h("ul", { class: "signals" }),
        h("p", { class: "muted no-signals", hidden: true }, s.noSignals),
        h("div", { class: "dimensions" })));
  }));
}

/** The context of a report (present indicators of weight 0), each as "Context: …". */
export const contextItems = (report) => presentOf(report).context.map((i) => h("li", {}, `${t().context}: ${i.label}`));

/** The signals present in a report, each with the known answers behind it. */
export function signalItems(report, link = true) {
  const s = t();
  const dims = new Map(report.dimensions.map((d) => [d.id, d]));
  return presentOf(report).signals.map((i) => h("li", {},
    h("span", { class: "signal" }, i.label),
    h("span", { class: "meta" }, ` — ${dims.get(i.dimension)?.label ?? i.dimension}${i.strength ? `, ${s.strength[i.strength]}` : ""}`),
    h("ul", { class: "because", "aria-label": s.basedOn }, evidence(i).map(([qid, v]) => {
      const q = state.form.byId.get(qid);
      const text = q?.text ?? qid;
      const words = [text, ": ", h("strong", {}, answerText(q, v))];
      return h("li", {}, link ? h("a", { href: `#q-${qid}`, onclick: (e) => goTo(e, qid) }, words) : words);
    }))));
}

export function renderPanel(next) {
  const s = t();
  const asked = anythingAsked();
  const statuses = [];
  const overview = [];
  for (const set of state.chosen) {
    const per = state.per.get(set.id);
    const r = per.report;
    const card = $(`card-${set.id}`);
    const level = levelOf(set.id, r);
    card.dataset.level = level;
    card.querySelector(".outcome").dataset.level = level;
    // Before anything is asked there is no outcome yet: nothing says "no signals" in green.
    const label = asked ? r.outcome.label : s.notYet;
    card.querySelector(".outcome-label").textContent = label;
    const rise = card.querySelector(".outcome-rise");
    rise.hidden = !(asked && r.outcome.may_rise);
    rise.textContent = asked && r.outcome.may_rise ? s.couldRise(outcomeLabel(set.id, r.outcome.could_rise_to)) : "";
    // The person's age outside the set's population: the report says so, and so does the card.
    const off = r.diagnostics.some((d) => d.code === "case::population-mismatch");
    const mismatch = card.querySelector(".outcome-mismatch");
    mismatch.hidden = !off;
    mismatch.textContent = off ? s.mismatch(set.population) : "";
    const present = presentOf(r).signals;
    const { asked: n, shown } = progress([...per.applicable]);
    card.querySelector(".progress").textContent = asked ? `${s.signalCount(present.length)} · ${s.progress(n, shown)}` : s.notYetNote;
    card.querySelector(".advice-title").textContent = asked ? s.advice : s.help;
    card.querySelector(".advice").replaceChildren(...adviceBlocks(r.outcome.advice));
    card.querySelector(".context").replaceChildren(...contextItems(r));
    card.querySelector(".signals").replaceChildren(...signalItems(r));
    card.querySelector(".no-signals").hidden = present.length > 0;
    const positive = r.dimensions.filter((d) => d.positive);
    card.querySelector(".dimensions").replaceChildren(...(positive.length
      ? [h("p", { class: "dims-title" }, s.positiveDimensions), h("ul", {}, positive.map((d) => h("li", {}, d.label)))]
      : []));

    const status = asked ? s.status(r.outcome.label, present.length) : s.statusNone;
    statuses.push(several() ? `${cap(s.setNo(setNumber(set.id)))}: ${status}` : status);
    overview.push(h("li", { "data-level": level }, h("a", { href: `#card-${set.id}` },
      h("span", { class: "set-no" }, `${cap(s.setNo(setNumber(set.id)))}: `), label)));
  }
  $("overview").hidden = !several();
  $("overview").replaceChildren(...(several() ? overview : []));
  renderBar();
  renderNext(next);
  // A screen reader hears the outcome as it changes; in the discreet view only the count, until
  // the worker opens the outcome (it could be heard across the table).
  const { asked: n, shown } = progress();
  const status = state.discreet && !state.revealed ? s.statusDiscreet(n, shown) : statuses.join(" ");
  if (status !== state.lastStatus) {
    $("status").textContent = status;
    state.lastStatus = status;
  }
}

/** The bar at the bottom of a phone, two lines at most whatever the number of sets: the outcome
 *  (the highest, with several sets), coloured by its level; in the discreet view only how many
 *  questions were answered, in a neutral colour. */
function renderBar() {
  const s = t();
  const bar = $("outcome-bar");
  const order = ["none", "na", "low", "mid", "high"];
  let top = null;
  for (const set of state.chosen) {
    const r = state.per.get(set.id).report;
    const level = levelOf(set.id, r);
    if (!top || order.indexOf(level) > order.indexOf(top.level) || (level === top.level && r.outcome.level > top.report.outcome.level)) {
      top = { set, report: r, level };
    }
  }
  const { asked, shown } = progress();
  let text;
  if (state.discreet) text = s.barAnswered(asked, shown);
  else if (top.level === "none") text = `${s.outcome}: ${s.notYet}`;
  else if (several()) text = s.barHighest(top.report.outcome.label, s.setNo(setNumber(top.set.id)));
  else text = `${s.outcome}: ${top.report.outcome.label}`;
  $("outcome-bar-label").textContent = text;
  bar.dataset.level = state.discreet ? "none" : top.level;
  $("see-outcome").textContent = state.discreet ? s.seeOverview : several() ? s.seeOutcomes : s.seeOutcome;
  document.documentElement.style.scrollPaddingBottom = `${Math.max(80, bar.offsetHeight + 16)}px`;
}

function renderNext(next) {
  const s = t();
  $("next").replaceChildren(...[...next.values()].map((n) => {
    // In the discreet view a question for the interviewer alone is not spelled out on screen.
    const conceal = state.discreet && !state.interviewerOpen && interviewerOnly(state.form.byId.get(n.id)) && n.id !== AGE;
    return h("li", {},
      h("a", { href: `#q-${n.id}`, onclick: (e) => goTo(e, n.id) }, conceal ? s.interviewerQuestion : n.question),
      state.discreet ? null : nextMeta(n));
  }));
  $("no-next").hidden = next.size > 0;
}

/** Which sets a next question matters to, and what it could lead to in each. */
function nextMeta(n) {
  const s = t();
  if (!several()) {
    const x = n.sets[0];
    return x.could_raise_to ? h("span", { class: "meta" }, ` (${s.couldRaiseTo(outcomeLabel(x.id, x.could_raise_to))})`) : null;
  }
  const parts = n.sets.map((x) => (x.could_raise_to
    ? `${s.setNo(x.number)}, ${s.couldRaiseTo(outcomeLabel(x.id, x.could_raise_to))}`
    : s.setNo(x.number)));
  return h("span", { class: "meta" }, ` (${parts.join("; ")})`);
}

/** The status of a set (verified, reviewed, draft) in words. */
export const statusWord = (info) => t().setStatus[info.status] ?? info.status;

export function renderProvenance() {
  const s = t();
  $("provenance").replaceChildren(...state.chosen.map((set) => h("div", { class: "source" },
    h("p", {}, several() ? `${cap(s.setNo(setNumber(set.id)))}: ` : null, s.provenance(set.info, statusWord(set.info))),
    h("details", {}, h("summary", {}, several() ? `${s.sources} (${s.setNo(setNumber(set.id))})` : s.sources),
      h("ul", {}, set.info.sources.map((src) => h("li", {}, src.citation, src.url ? ` ${src.url}` : "")))))));
}
