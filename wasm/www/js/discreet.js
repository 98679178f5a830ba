// The discreet view, for a screen the person can see: the outcome, the names of signals, the
// set titles and the interviewer-only questions stay hidden until the worker opens them; the bar
// at the bottom of a phone shows only how many questions were answered. On by default on a
// phone or tablet, a toggle everywhere. Nothing here changes what is screened.

import { $ } from "./dom.js";
import { applyInterviewer } from "./form.js";
import { state, t } from "./state.js";

/** A phone or a tablet: a narrow screen, or a touch screen as the main pointer. */
export const onPhone = () => window.matchMedia("(max-width: 52rem), (pointer: coarse)").matches;

/** Shows or hides what the discreet view hides, as `state` says; call after every render. */
export function applyDiscreet() {
  const s = t();
  const hide = state.discreet && !state.revealed;
  document.body.classList.toggle("discreet", state.discreet);
  const toggle = $("discreet-toggle");
  toggle.setAttribute("aria-pressed", String(state.discreet));
  $("discreet-note").hidden = !state.discreet;
  $("discreet-text").textContent = hide ? s.discreetNote : s.discreetOpen;
  $("outcome-area").hidden = hide;
  const reveal = $("reveal");
  reveal.setAttribute("aria-expanded", String(!hide));
  reveal.textContent = hide ? s.reveal : s.conceal;
  applyInterviewer();
}

/** Turns the discreet view on or off. Turning it on hides the outcome and the interviewer's
 *  questions again, and folds the choice of sets, whose titles say what is screened for. */
export function setDiscreet(on) {
  state.discreet = on;
  state.revealed = false;
  state.interviewerOpen = false;
  if (on) $("sets-box").open = false;
}

/** Opens or closes the outcome in the discreet view. */
export function toggleReveal() {
  state.revealed = !state.revealed;
}
