// Guided mode: one question at a time, the one the engine chooses (`guide()`: the question that
// brings a set's highest outcome closest to decided), until no answer still to come can change
// the outcome; the page says so, and the worker can go back to the full list at any moment.
// The engine chooses, not the page: the CLI (`herken screen --guided`) asks the same questions.
//
// With several sets: each set's step is asked of its own screener, on the answers it reads;
// the question asked is the first set's (in the order chosen) whose highest outcome is still
// open, else the first set's that is not settled.

import { $, h } from "./dom.js";
import { interviewerOnly, state, t } from "./state.js";

/** Whether the module offers guided interviews (every chosen set's screener has `guide`). */
export const canGuide = () => state.chosen.length > 0 && state.chosen.every((set) => typeof set.screener.guide === "function");

/** The questions asked so far: answered, "don't know", or skipped on purpose (a skipped question
 *  is not offered again). */
const askedIds = () => [...state.answers].filter(([, a]) => a != null).map(([id]) => id);

/** Every chosen set's next step, on the case as last screened (`state.caseSent`). */
export function guideAll() {
  const asked = askedIds();
  return state.chosen.map((set) => {
    const own = Object.fromEntries(Object.entries(state.caseSent).filter(([k]) => set.ids.has(k)));
    return { set, step: set.screener.guide(own, asked.filter((id) => set.ids.has(id)), state.lang) };
  });
}

/** The question to ask now, from the sets' steps: {id, set} or null when every set is settled. */
function choose(steps) {
  const open = steps.find(({ step }) => step.next && step.top.status === "open");
  const any = open ?? steps.find(({ step }) => step.next);
  return any ? { id: any.step.next.id, set: any.set } : null;
}

/** Whether a question moves the interview on by itself once answered (a click on one answer);
 *  a number, a text or several choices wait for "next". */
const advancesByItself = (q) => q.type === "yesno" || q.type === "choice";

/** After each screening: in guided mode, which question is asked now, and what the box above
 *  it says. The question stays until it is answered (or, for a number, a text or several
 *  choices, until the worker presses "next"). Returns the id of a question that became current
 *  (to move the focus to), or null. */
export function renderGuided() {
  const s = t();
  const box = $("guided-box");
  const toggle = $("guided-toggle");
  const available = canGuide();
  if (toggle) {
    toggle.hidden = !available;
    toggle.setAttribute("aria-pressed", String(state.guided && available));
    toggle.textContent = s.guidedToggle;
  }
  const on = state.guided && available;
  $("questions").classList.toggle("guided", on);
  if (box) box.hidden = !on;
  if (!on) {
    for (const el of document.querySelectorAll("#questions .guided-current")) el.classList.remove("guided-current");
    return null;
  }
  const steps = guideAll();
  const settled = steps.every(({ step }) => step.settled);
  const topDecided = steps.every(({ step }) => step.top.status !== "open");
  // The age first, as in the full list.
  const ageOpen = state.form.age && !state.answers.has(state.form.age);
  let current = state.guidedCurrent;
  const q = current ? state.form.byId.get(current) : null;
  const stay = q && state.applicable.has(current) && !state.guidedNext
    && (!state.answers.has(current) || (!advancesByItself(q) && state.answers.get(current).kind === "value"));
  if (!stay) current = ageOpen ? null : choose(steps)?.id ?? null;
  state.guidedNext = false;
  const changed = current !== state.guidedCurrent;
  state.guidedCurrent = current;
  for (const el of document.querySelectorAll("#questions .q")) el.classList.toggle("guided-current", el.dataset.id === current);
  for (const el of document.querySelectorAll("#questions .group")) el.classList.toggle("guided-current", !!current && !!el.querySelector(`.q[data-id="${current}"]`));
  const asked = askedIds().filter((id) => state.applicable.has(id)).length;
  $("guided-count").textContent = s.guidedCount(asked);
  $("guided-text").textContent = ageOpen ? s.guidedAgeFirst
    : settled ? s.guidedSettled
    : topDecided ? s.guidedTopDecided
    : s.guidedOpen;
  $("guided-done").hidden = !settled || ageOpen;
  const cq = current ? state.form.byId.get(current) : null;
  const waits = !!cq && !advancesByItself(cq);
  $("guided-next").hidden = !waits;
  $("guided-next").disabled = !(waits && state.answers.has(current));
  $("guided-skip").hidden = !cq;
  // A question for the interviewer alone, hidden in the discreet view: its section's button
  // shows it.
  box.dataset.interviewer = String(!!cq && interviewerOnly(cq));
  return changed ? current : null;
}

/** The box above the question in guided mode: where the interview stands, and the buttons
 *  that move it on or leave it. Made once; `renderGuided` fills it. */
export function guidedBox({ onNext, onSkip, onLeave }) {
  const s = t();
  return h("div", { id: "guided-box", class: "guided-box", hidden: true },
    h("p", { class: "guided-status", role: "status" }, h("span", { id: "guided-count", class: "guided-count" }), " ", h("span", { id: "guided-text" })),
    h("div", { class: "guided-actions" },
      h("button", { type: "button", id: "guided-next", onclick: onNext }, s.guidedNext),
      h("button", { type: "button", id: "guided-skip", onclick: onSkip }, s.guidedSkip),
      h("button", { type: "button", id: "guided-done", class: "primary", onclick: onLeave }, s.guidedLeave)));
}
