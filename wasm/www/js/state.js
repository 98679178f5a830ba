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
};

export const t = () => STRINGS[state.lang];
export const several = () => state.chosen.length > 1;
/** 1 for the first chosen set, 2 for the second, … (0 when not chosen). */
export const setNumber = (id) => state.chosen.findIndex((s) => s.id === id) + 1;
export const cap = (text) => text.charAt(0).toUpperCase() + text.slice(1);
export const titleOf = (set) =>
  set.info?.title[state.lang] ?? set.title?.[state.lang] ?? set.info?.title[set.info.languages[0]] ?? set.title?.en ?? set.id;

/** Whether a question is for the interviewer's own judgement, never put to the person. Today the
 *  sets mark this with the group `interviewer`; an explicit marker in the format will replace it. */
export const interviewerOnly = (q) => q?.group === "interviewer";

/** Whether the worker has given the page anything a reload would lose. */
export const hasInput = () => state.answers.size > 0 || state.reference.trim() !== "" || state.notes.trim() !== "";
