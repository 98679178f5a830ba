// The page's state, only in memory: nothing here is ever stored or sent.

import { STRINGS } from "./strings.js";

export const state = {
  lang: "nl",
  /** Every set in bundles/index.json, in its order: {id, file, title: {nl, en}, screener?,
   *  info?, ids?, failure?}. A set whose bundle failed to load or verify has a `failure` and
   *  no screener: it cannot be chosen. */
  sets: [],
  /** Why the page as a whole could not start: {kind, detail} (see load.js), or null. */
  failure: null,
  /** The chosen sets, in the order they were chosen (the first decides the order of the form). */
  chosen: [],
  /** Per chosen set, after each screening: set id → {questionnaire, applicable, report, reportJson} */
  per: new Map(),
  /** The merged form: {groups: [{id, title, questions}], questions, byId, askedBy: id → [set ids]} */
  form: null,
  /** question id → {kind: "value" | "unknown" | "skip", value} */
  answers: new Map(),
  /** The worker's own text for the case file: never screened, never sent. */
  reference: "",
  notes: "",
  applicable: new Set(),
  errors: new Map(),
  /** The case as last screened (see screening.js). */
  caseSent: {},
  /** Discreet view: outcome, signal names and interviewer-only questions hidden until opened. */
  discreet: false,
  revealed: false,
  interviewerOpen: false,
  lastStatus: "",
  /** The language the person reads (a translation some chosen set carries), or null. */
  personLang: null,
  /** Whether the guidance before the questions is open: until the first question is answered,
   *  then folded once (the worker can open it again). */
  guidanceOpen: true,
  guidanceFolded: false,
  /** The sets the last age answer swapped: [[set it replaced, set chosen instead]]. */
  ageSwaps: [],
  /** Guided mode: one question at a time, the engine's choice (guided.js). */
  guided: false,
  /** The question guided mode asks now; whether "next" was pressed. */
  guidedCurrent: null,
  guidedNext: false,
};

export const t = () => STRINGS[state.lang];
export const several = () => state.chosen.length > 1;
/** 1 for the first chosen set, 2 for the second, … (0 when not chosen). */
export const setNumber = (id) => state.chosen.findIndex((s) => s.id === id) + 1;
export const cap = (text) => text.charAt(0).toUpperCase() + text.slice(1);
export const titleOf = (set) =>
  set.info?.title[state.lang] ?? set.title?.[state.lang] ?? set.info?.title[set.info.languages[0]] ?? set.title?.en ?? set.id;

/** Whether a question is for the interviewer alone (`audience: interviewer`: an observation or
 *  judgement, never read out to the person). */
export const interviewerOnly = (q) => q?.audience === "interviewer";

/** The shared age question ("is the person younger than 18?"): asked first, it chooses between
 *  the sets for adults and those for children. */
export const AGE = "under_18";

/** The person's age as the age question says: true (under 18), false, or null (not known). */
export const under18 = () => {
  const a = state.answers.get(AGE);
  return a?.kind === "value" ? a.value === true : null;
};

/** Whether a set is written for a person of that age (`population`: adult, child or any). */
export const fitsAge = (set, young = under18()) =>
  young == null || set.population === "any" || set.population == null || (set.population === "child") === young;

/** Whether the worker has given the page anything a reload would lose. */
export const hasInput = () => state.answers.size > 0 || state.reference.trim() !== "" || state.notes.trim() !== "";
