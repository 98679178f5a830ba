// herken reference intake page: renders one form from the questions of the chosen rule sets
// (one or several: a question the sets share is asked once), screens every chosen set live on
// every answer with the WASM engine, and shows per set the outcome, advice, signals, and the next
// questions of all of them.
// Everything runs in this page: all files are loaded once at start, after which the page makes
// no request; nothing is stored (no cookies, no localStorage); "clear" wipes every answer. A
// service worker keeps the page's own files for use offline.
//
// The parts, each in js/: strings (every text), state (what is in memory), load (module and
// bundles, each set on its own), form (merging and rendering the questions), screening (the case
// and the engine), outcome (cards, bar, next questions), casefile (reference, notes, summary,
// copy, download), discreet (the view for a screen the person can see). This file starts the
// page and ties them together.

import { copySummary, download, printSummary, renderSummary } from "./js/casefile.js";
import { applyDiscreet, onPhone, setDiscreet, toggleReveal } from "./js/discreet.js";
import { $, h } from "./js/dom.js";
import { guidedBox, renderGuided } from "./js/guided.js";
import { mergeForms, personLanguages, renderForm, renderMismatch, renderQuestionStates } from "./js/form.js";
import { asFailure, loadIndex, loadSet, noSetFailure } from "./js/load.js";
import { renderCards, renderPanel, renderProvenance } from "./js/outcome.js";
import { nextQuestions, screenAll } from "./js/screening.js";
import { AGE, fitsAge, hasInput, setNumber, several, state, t, titleOf, under18 } from "./js/state.js";
import { STRINGS } from "./js/strings.js";

// --- start --------------------------------------------------------------------------------

async function start() {
  // The language and view buttons work from the first moment, also when loading fails.
  for (const b of document.querySelectorAll("button.lang")) b.addEventListener("click", () => setLanguage(b.dataset.lang));
  $("discreet-toggle").addEventListener("click", () => {
    setDiscreet(!state.discreet);
    translatePage();
    renderFailures();
    if (state.form) renderAll();
    else applyDiscreet();
  });
  state.discreet = onPhone();
  translatePage();
  try {
    const index = await loadIndex();
    state.sets = await Promise.all(index.bundles.map(loadSet));
    const usable = state.sets.filter((set) => !set.failure);
    if (usable.length === 0) throw noSetFailure();
    state.chosen = [usable.find((set) => set.id === index.default) ?? usable[0]];
  } catch (e) {
    state.failure = asFailure(e);
    $("loading").hidden = true;
    renderFailures();
    document.body.dataset.ready = "error";
    return;
  }
  renderChooser();
  $("sets-box").hidden = false;
  // The choice of sets folds away on narrow screens, where it would fill the first screen, and in
  // the discreet view, where the set titles would say what is screened for.
  const wide = window.matchMedia("(min-width: 52rem)").matches;
  $("sets-box").open = wide && !state.discreet;
  $("sections").open = wide;
  $("print").addEventListener("click", printSummary);
  $("copy").addEventListener("click", copySummary);
  $("download").addEventListener("click", download);
  $("clear").addEventListener("click", clearAll);
  $("reveal").addEventListener("click", () => {
    toggleReveal();
    update();
  });
  for (const [id, key] of [["case-ref", "reference"], ["case-notes", "notes"]]) {
    $(id).addEventListener("input", () => {
      state[key] = $(id).value;
      guard();
    });
  }
  $("form").addEventListener("submit", (e) => e.preventDefault());
  window.addEventListener("beforeprint", renderSummary);
  // On narrow screens the outcome bar stands in for the panel while the panel is out of view.
  new IntersectionObserver(([entry]) => $("outcome-bar").classList.toggle("panel-in-view", entry.isIntersecting)).observe($("panel"));
  $("loading").hidden = true;
  $("app").hidden = false;
  $("outcome-bar").hidden = false;
  renderFailures();
  renderAll();
  document.body.dataset.ready = "true";
  keepOffline();
}

/** Registers the service worker (sw.js) that keeps the page's own files, so the page opens
 *  offline after the first visit. Without it (a browser that blocks it) the page works as before. */
function keepOffline() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("sw.js").catch(() => {});
}

// --- texts and language ---------------------------------------------------------------------

/** The page's own texts (data-i18n) and the language of the document. */
function translatePage() {
  const s = t();
  document.documentElement.lang = state.lang;
  document.title = state.discreet ? "herken" : s.pageTitle;
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const v = s[el.dataset.i18n];
    if (typeof v === "string") el.textContent = v;
  }
}

function setLanguage(lang) {
  if (!STRINGS[lang]) return;
  state.lang = lang;
  for (const b of document.querySelectorAll("button.lang")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  translatePage();
  renderFailures();
  if (state.form) {
    updateChooser();
    renderAll();
  } else {
    applyDiscreet();
  }
}

/** A failure in words: the set's title and the reason, in the page language. */
function reason(failure) {
  const f = t().failed;
  const message = f[failure.kind];
  return typeof message === "function" ? message(failure.status) : message;
}

/** What could not load: the whole page (with every set's reason when none could load), or the
 *  sets that are not available. Re-rendered when the language changes. */
function renderFailures() {
  const s = t();
  const failed = state.sets.filter((set) => set.failure);
  const list = () => h("ul", {}, failed.map((set) => h("li", {}, h("strong", {}, titleOf(set)), `: ${reason(set.failure)}`,
    h("span", { class: "detail" }, ` (${set.failure.detail ?? set.failure.kind})`))));
  const box = $("load-error");
  box.hidden = !state.failure;
  if (state.failure) {
    const detail = state.failure.detail ? h("span", { class: "detail" }, ` (${state.failure.detail})`) : null;
    box.replaceChildren(h("p", {}, reason(state.failure), detail), state.failure.kind === "none" ? list() : null);
  }
  // In the discreet view the notice gives only their number: the titles are in the folded choice.
  const notice = $("set-failures");
  notice.hidden = !!state.failure || failed.length === 0;
  notice.replaceChildren(...(failed.length === 0 || state.failure ? []
    : state.discreet ? [h("p", {}, s.failed.setsCount(failed.length))]
    : [h("p", {}, s.failed.sets), list()]));
}

// --- the choice of rule sets --------------------------------------------------------------

/** One labelled checkbox per set in the index, made once; updateChooser() keeps them current. A
 *  set that could not be loaded is shown, disabled, with the reason. */
function renderChooser() {
  $("set-options").replaceChildren(...state.sets.map((set) => {
    const input = h("input", { type: "checkbox", id: `set-${set.id}`, value: set.id, "aria-describedby": set.failure ? `set-${set.id}-failed` : "sets-hint" });
    input.addEventListener("change", () => toggleSet(set.id, input.checked));
    return h("label", { class: set.failure ? "opt set-opt failed" : "opt set-opt", for: `set-${set.id}` }, input,
      h("span", { class: "set-title" }, titleOf(set)), " ", h("span", { class: "set-no", hidden: true }),
      set.failure ? h("span", { class: "set-failed", id: `set-${set.id}-failed` }) : null);
  }));
  updateChooser();
}

function updateChooser() {
  const s = t();
  $("sets-summary").textContent = s.setsSummary(state.chosen.length);
  for (const set of state.sets) {
    const input = $(`set-${set.id}`);
    const n = setNumber(set.id);
    input.checked = n > 0;
    // The last chosen set cannot be unchosen: there is always at least one.
    input.disabled = !!set.failure || (n > 0 && state.chosen.length === 1);
    const label = input.closest("label");
    label.querySelector(".set-title").textContent = titleOf(set);
    const no = label.querySelector(".set-no");
    no.hidden = !(n > 0 && several());
    no.textContent = n > 0 ? `(${s.setNo(n)})` : "";
    const failed = label.querySelector(".set-failed");
    if (failed) failed.textContent = `${s.failed.disabled}: ${reason(set.failure)}`;
    // A set for adults when the person is under 18, or for children when not: offered, marked.
    let misfit = label.querySelector(".set-misfit");
    const off = !set.failure && !fitsAge(set);
    if (off && !misfit) label.append((misfit = h("span", { class: "set-misfit" })));
    if (misfit) {
      misfit.hidden = !off;
      misfit.textContent = off ? s.misfit(set.population) : "";
    }
  }
}

/** The set that takes the place of `set` for a person of the age given: of the sets written for
 *  that age (adult or child, not "any"), the one that covers most of the forms of exploitation
 *  `set` covers, the first in the list on a tie; null when none covers any of them. */
function counterpart(set, young) {
  const want = young ? "child" : "adult";
  let best = null;
  let bestOverlap = 0;
  for (const other of state.sets) {
    if (other.failure || other.population !== want) continue;
    const overlap = other.forms.filter((f) => set.forms.includes(f)).length;
    if (overlap > bestOverlap) {
      best = other;
      bestOverlap = overlap;
    }
  }
  return best;
}

/** After an answer to the age question: each chosen set whose population does not fit the age
 *  is replaced, in its place, by its counterpart for that age (kept, with a warning, when there
 *  is none).
 *  Answers are kept: a question the new sets do not ask is left out of the case, not forgotten.
 *  Returns whether the choice changed. */
function fitSetsToAge() {
  const young = under18();
  state.ageSwaps = [];
  if (young == null) return false;
  const chosen = [];
  for (const set of state.chosen) {
    const instead = (fitsAge(set, young) ? set : counterpart(set, young)) ?? set;
    if (instead !== set) state.ageSwaps.push([set, instead]);
    // Each set takes the place of the one it replaces; a set chosen twice keeps the first place.
    if (!chosen.includes(instead)) chosen.push(instead);
  }
  if (chosen.length === 0) return false;
  const changed = chosen.length !== state.chosen.length || chosen.some((set, i) => set !== state.chosen[i]);
  state.chosen = chosen;
  return changed;
}

/** An answer to the age question: the sets follow it, then everything is shown anew. */
function onAge() {
  const changed = fitSetsToAge();
  updateChooser();
  if (changed) {
    renderAll();
    // The form was made anew: the focus goes back to the answer just given.
    document.querySelector(`input[name="a-${AGE}"]:checked`)?.focus();
  } else {
    update();
  }
  renderAgeStatus();
}

/** What the last age answer changed in the choice of sets, said once (a status line). In the
 *  discreet view without the sets' titles. */
function renderAgeStatus() {
  const s = t();
  const el = $("age-status");
  if (!el) return;
  el.textContent = state.ageSwaps.length === 0 ? ""
    : state.discreet ? s.ageSwappedDiscreet
    : s.ageSwapped(state.ageSwaps.map(([from, to]) => [titleOf(from), titleOf(to)]));
}

/** The person's language chosen (null: none). */
function setPersonLanguage(lang) {
  state.personLang = lang;
  renderAll();
  document.querySelector(`.person-lang[data-lang="${lang ?? ""}"]`)?.focus();
}

function toggleSet(id, on) {
  const set = state.sets.find((s) => s.id === id);
  if (set.failure) return;
  if (on && !state.chosen.includes(set)) state.chosen.push(set);
  if (!on && state.chosen.length > 1) state.chosen = state.chosen.filter((s) => s !== set);
  state.ageSwaps = [];
  // Answers to questions a chosen set still asks are kept; the others are dropped.
  for (const key of [...state.answers.keys()]) if (!state.chosen.some((s) => s.ids.has(key))) state.answers.delete(key);
  updateChooser();
  renderAll();
}

// --- rendering and screening ----------------------------------------------------------------

/** Everything anew: after a change of sets, language or view. */
function renderAll() {
  const s = t();
  translatePage();
  if (state.personLang && !personLanguages().includes(state.personLang)) state.personLang = null;
  state.per = new Map(state.chosen.map((set) => [set.id, { questionnaire: set.screener.questions(state.lang), person: personForm(set) }]));
  state.form = mergeForms(state.chosen.map((set) => state.per.get(set.id).questionnaire));
  const drafts = state.chosen.filter((set) => set.info.status === "draft").map((set) => setNumber(set.id));
  $("draft").hidden = drafts.length === 0;
  $("draft").textContent = several() ? s.draftWarningSets(s.sets(drafts), drafts.length) : s.draftWarning;
  $("panel-title").textContent = several() ? s.outcomes : s.outcome;
  renderForm(update, onAge, setPersonLanguage, guidedControls());
  renderAgeStatus();
  renderCards();
  renderProvenance();
  update();
}

/** The questions of a set in the person's language, when it carries it: by id, with those of
 *  its first language (a text equal to that is no translation) and whether a professional
 *  translator checked them. */
function personForm(set) {
  const lang = state.personLang;
  if (!lang || !set.info.languages.includes(lang)) return null;
  const byId = (qn) => new Map(qn.questions.map((q) => [q.id, q]));
  const translation = (set.screener.questions(lang).ruleset.translations ?? []).find((x) => x.language === lang);
  return {
    questions: byId(set.screener.questions(lang)),
    base: byId(set.screener.questions(set.info.languages[0])),
    unverified: translation?.status !== "verified",
  };
}

/** After every answer: screen every chosen set, then show the result. */
function update() {
  screenAll();
  const next = new Map(nextQuestions().map((n) => [n.id, n]));
  renderQuestionStates(next);
  renderPanel(next);
  renderMismatch();
  foldGuidance();
  const moved = renderGuided();
  // In guided mode a new question takes the focus, so that a keyboard or a screen reader is there.
  if (moved && state.guided) {
    const el = $(`q-${moved}`);
    (el?.querySelector("input:not([type=hidden]), textarea") ?? el)?.focus();
  }
  applyDiscreet();
  guard();
}

/** The guided mode's switch and the box above its question, with what their buttons do. */
function guidedControls() {
  const toggle = h("button", { type: "button", id: "guided-toggle", class: "guided-toggle", "aria-pressed": String(state.guided) }, t().guidedToggle);
  toggle.addEventListener("click", () => setGuided(!state.guided));
  const box = guidedBox({
    onNext: () => moveOn(),
    onSkip: () => {
      const id = state.guidedCurrent;
      if (id && !state.answers.has(id)) {
        state.answers.set(id, { kind: "skip" });
        const radio = document.querySelector(`input[name="a-${id}"][value="x:skip"]`);
        if (radio) radio.checked = true;
      }
      moveOn();
    },
    onLeave: () => setGuided(false),
  });
  return h("div", { class: "guided-bar" }, toggle, box);
}

/** Guided mode on or off. */
function setGuided(on) {
  state.guided = on;
  state.guidedCurrent = null;
  update();
  if (!on) $("guided-toggle")?.focus();
}

/** "Next question" in guided mode: the next question the engine chooses, with the focus. */
function moveOn() {
  state.guidedNext = true;
  update();
}

/** The guidance folds once, when the first question after the age is answered; the worker can
 *  open it again. */
function foldGuidance() {
  if (state.guidanceFolded) return;
  if (![...state.answers.keys()].some((id) => id !== AGE)) return;
  state.guidanceFolded = true;
  state.guidanceOpen = false;
  const box = $("guidance");
  if (box) box.open = false;
}

// --- leaving, clearing ----------------------------------------------------------------------

/** Asks before a reload or a closed tab loses what was entered; only while there is something to
 *  lose (a page with a beforeunload listener is also kept out of the browser's back-forward
 *  cache, so the listener is there only then). */
function warnBeforeLeaving(event) {
  event.preventDefault();
  event.returnValue = t().leave;
  return t().leave;
}
let guarded = false;
function guard() {
  const want = hasInput();
  if (want === guarded) return;
  guarded = want;
  if (want) window.addEventListener("beforeunload", warnBeforeLeaving);
  else window.removeEventListener("beforeunload", warnBeforeLeaving);
}

function clearAll() {
  if (!window.confirm(t().confirmClear)) return;
  state.answers.clear();
  state.reference = "";
  state.notes = "";
  $("case-ref").value = "";
  $("case-notes").value = "";
  $("copy-status").textContent = "";
  $("summary").replaceChildren();
  state.guidanceOpen = true;
  state.guidanceFolded = false;
  state.ageSwaps = [];
  updateChooser();
  renderForm(update, onAge, setPersonLanguage, guidedControls());
  update();
  window.scrollTo(0, 0);
  document.querySelector("#questions .q:not(.concealed) input, #questions .q:not(.concealed) textarea")?.focus();
}

start();
