// The form: one form for the chosen sets (a question they share is asked once), each question
// rendered from the engine's questionnaire, and its state after every screening (shown or not,
// answered, "ask next", an answer the engine refused).

import { $, h } from "./dom.js";
import { STRINGS } from "./strings.js";
import { isAsked } from "./screening.js";
import { AGE, cap, interviewerOnly, setNumber, several, state, t, titleOf } from "./state.js";

/** One form for the chosen sets: the groups and order of the first; each question a later set
 *  adds goes to the end of its group (a group the first set lacks comes after the group that
 *  precedes it in that later set). The sets share their question vocabulary (rules/VOCABULARY.md),
 *  so a shared question reads the same in every set and is asked once. */
export function mergeForms(questionnaires) {
  const groups = [];
  const byId = new Map();
  const askedBy = new Map();
  questionnaires.forEach((qn) => {
    const questions = new Map(qn.questions.map((q) => [q.id, q]));
    let previous = null;
    for (const g of qn.groups) {
      let group = groups.find((x) => x.id === g.id);
      for (const id of g.questions) {
        askedBy.set(id, [...(askedBy.get(id) ?? []), qn.ruleset.id]);
        if (byId.has(id)) continue;
        byId.set(id, questions.get(id));
        if (!group) {
          group = { id: g.id, title: g.title, questions: [] };
          groups.splice(previous ? groups.indexOf(previous) + 1 : groups.length, 0, group);
        }
        group.questions.push(id);
      }
      if (group) previous = group;
    }
  });
  // The age question is asked first, on its own: its answer chooses the sets (app.js). The
  // questions for the interviewer alone go to a last section of their own, apart from those put
  // to the person (as `herken questions` prints them).
  const age = byId.has(AGE) ? AGE : null;
  const interviewer = groups.flatMap((g) => g.questions.filter((id) => id !== AGE && interviewerOnly(byId.get(id))));
  const kept = groups
    .map((g) => ({ ...g, questions: g.questions.filter((id) => id !== AGE && !interviewerOnly(byId.get(id))) }))
    .filter((g) => g.questions.length > 0);
  if (interviewer.length) kept.push({ id: INTERVIEWER_GROUP, title: t().interviewerSection, questions: interviewer, interviewer: true });
  const questions = [...(age ? [byId.get(age)] : []), ...kept.flatMap((g) => g.questions.map((id) => byId.get(id)))];
  return { groups: kept, age, questions, byId, askedBy };
}

/** The id of the form's last section, the questions for the interviewer alone. */
export const INTERVIEWER_GROUP = "for-interviewer";

/** "only for set 2" on a question that not every chosen set asks. */
function onlyFor(id) {
  const by = state.form.askedBy.get(id) ?? [];
  if (!several() || by.length === state.chosen.length) return null;
  return h("span", { class: "tag only" }, t().onlyFor(t().sets(by.map(setNumber))));
}

/** What a set is for, in one line: who it is written for and the forms of exploitation it
 *  covers; and, when the person's age puts them outside that, a warning (as the report's
 *  `case::population-mismatch` says). */
function purposeOf(set) {
  const s = t();
  const qn = state.per.get(set.id).questionnaire;
  const who = qn.ruleset.population ? s.purposeFor(qn.ruleset.population.label) : null;
  const what = qn.ruleset.forms?.length ? s.purposeOn(s.list(qn.ruleset.forms.map((x) => x.label))) : null;
  const purpose = [who, what].filter(Boolean).join("; ");
  // One set: its title is the form's; several: each line names its set.
  return h("li", { "data-set": set.id },
    several() ? [h("span", { class: "purpose-title" }, `${cap(s.setNo(setNumber(set.id)))}: ${titleOf(set)}`), purpose ? ` — ${purpose}.` : null]
      : purpose ? `${cap(purpose)}.` : titleOf(set),
    h("span", { class: "mismatch", hidden: true }));
}

/** The title and, per chosen set, what it is for, with why the outcomes of several sets can
 *  differ. In the discreet view the title is neutral and the sets' titles and purposes fold away
 *  under "about": a set's title ("... sexual exploitation") would tell the person what the
 *  worker suspects. On a narrow screen they fold away too. */
function renderHeading() {
  const s = t();
  if (state.discreet) $("form-title").textContent = s.discreetTitle;
  else if (several()) $("form-title").textContent = s.combinedTitle(state.chosen.length);
  else $("form-title").textContent = state.per.get(state.chosen[0].id).questionnaire.ruleset.title;
  // Folded away in the discreet view, and on a narrow screen, where they would push the first
  // question off the first screen.
  const folded = state.discreet || window.matchMedia("(max-width: 52rem)").matches;
  const purposes = h("div", { class: "purposes" },
    h("ul", { id: "purposes", "aria-label": several() ? s.purposesSets : s.purposesSet }, state.chosen.map(purposeOf)),
    several() ? h("p", { class: "differ" }, s.whyDiffer) : null);
  const about = several()
    ? h("details", { class: "about" }, h("summary", {}, s.aboutSets), folded ? purposes : null, h("dl", {}, state.chosen.map((set) => [
      h("dt", {}, `${cap(s.setNo(setNumber(set.id)))}: ${titleOf(set)}`),
      h("dd", {}, state.per.get(set.id).questionnaire.description),
    ])))
    : h("details", { class: "about" }, h("summary", {}, s.aboutSet),
      folded ? purposes : null,
      h("p", {}, state.per.get(state.chosen[0].id).questionnaire.description));
  $("combined-note").hidden = !several();
  $("combined-note").textContent = s.combinedNote;
  $("form-description").replaceChildren(...(folded ? [about] : [purposes, about]));
}

/** After each screening: the sets whose population does not fit the person's age, from their
 *  reports (`case::population-mismatch`), marked in the list of what each set is for. */
export function renderMismatch() {
  const s = t();
  for (const set of state.chosen) {
    const el = document.querySelector(`#purposes li[data-set="${set.id}"] .mismatch`);
    if (!el) continue;
    const off = mismatched(set);
    el.hidden = !off;
    el.textContent = off ? ` ${s.mismatch(set.population)}` : "";
  }
}

/** Whether a chosen set's report says the person is outside the set's population. */
export const mismatched = (set) => (state.per.get(set.id)?.report?.diagnostics ?? []).some((d) => d.code === "case::population-mismatch");

/** The guidance of the chosen sets on holding the conversation: each point once (a point two
 *  sets word alike is shown once; worded differently, both are shown, each with its sets). */
function guidanceItems() {
  const s = t();
  const items = new Map();
  for (const set of state.chosen) {
    for (const g of state.per.get(set.id).questionnaire.guidance ?? []) {
      const key = g.text;
      if (!items.has(key)) items.set(key, { id: g.id, text: g.text, sets: [] });
      items.get(key).sets.push(setNumber(set.id));
    }
  }
  const ordered = [];
  for (const item of items.values()) {
    // next to a point of the same id, else at the end
    const at = ordered.findLastIndex((x) => x.id === item.id);
    ordered.splice(at >= 0 ? at + 1 : ordered.length, 0, item);
  }
  return ordered.map((item) => h("li", {}, item.text,
    several() && item.sets.length < state.chosen.length ? h("span", { class: "meta" }, ` (${s.sets(item.sets)})`) : null));
}

/** "Before you start": the guidance, open before the first question and folded after it (the
 *  worker can open it again). */
function renderGuidance() {
  const s = t();
  const items = guidanceItems();
  if (items.length === 0) return null;
  const box = h("details", { class: "guidance", id: "guidance", open: state.guidanceOpen },
    h("summary", {}, h("span", { class: "guidance-title" }, s.guidanceTitle), " ", h("span", { class: "count" }, `(${items.length})`)),
    h("ul", {}, items));
  box.addEventListener("toggle", () => {
    state.guidanceOpen = box.open;
  });
  return box;
}

/** The age question, first and apart: the interviewer answers it, and it chooses between the
 *  sets for adults and those for children. */
function renderAge(q, onAge) {
  const s = t();
  return h("section", { class: "group age-step", id: "g-age", "aria-labelledby": "g-age-title" },
    h("h3", { id: "g-age-title" }, s.ageTitle),
    h("p", { class: "age-note" }, s.ageNote),
    renderQuestion(q, null, onAge),
    h("p", { id: "age-status", class: "age-status", role: "status" }));
}

/** The person's language: the note that its texts are a translation, and whether a
 *  professional translator checked it. */
function renderPersonNote() {
  const note = personNote();
  if (!note) return null;
  return h("p", { class: note.unverified ? "person-note unverified" : "person-note", id: "person-note" }, note.text);
}

/** The person's language and whether a professional translator checked it, in the worker's
 *  words (also for the case file's summary); null when the person reads the worker's language. */
export function personNote() {
  const s = t();
  if (!state.personLang) return null;
  const unverified = state.chosen.some((set) => (state.per.get(set.id).questionnaire.ruleset.translations ?? [])
    .some((x) => x.language === state.personLang && x.status !== "verified"));
  const name = languageName(state.personLang);
  return { unverified, text: unverified ? s.personUnverified(name) : s.personVerified(name) };
}

/** The languages the person can read the questions in: every language of a chosen set that is
 *  not one of the page's own (the worker's), in the order the sets give them. */
export function personLanguages() {
  const own = new Set(Object.keys(STRINGS));
  const out = [];
  for (const set of state.chosen) for (const l of set.info.languages) if (!own.has(l) && !out.includes(l)) out.push(l);
  return out;
}

/** The choice of the person's language, beside the worker's: "none" and each language a chosen
 *  set carries, each by its own name. */
function renderPersonChoice(onPerson) {
  const s = t();
  const langs = personLanguages();
  if (langs.length === 0 || !onPerson) return null;
  const button = (code, label, lang) => {
    const b = h("button", { type: "button", class: "person-lang", "data-lang": code ?? "", lang, "aria-pressed": String(state.personLang === code) }, label);
    b.addEventListener("click", () => onPerson(code));
    return b;
  };
  return h("div", { class: "person-choice", role: "group", "aria-labelledby": "person-lang-label" },
    h("span", { id: "person-lang-label", class: "person-label" }, s.personLanguage),
    button(null, s.personNone, null),
    langs.map((l) => button(l, languageName(l), l)));
}

/** A language by its own name ("Polski", "Română"), or its code. */
export function languageName(code) {
  try {
    const name = new Intl.DisplayNames([code], { type: "language" }).of(code);
    return name ? cap(name) : code;
  } catch {
    return code;
  }
}

/** Renders every question of the merged form; `onChange` runs after each answer, `onAge` after
 *  an answer to the age question, `onPerson(lang)` when the person's language is chosen;
 *  `guided`: the guided mode's switch and box, placed before the first question put to the person. */
export function renderForm(onChange, onAge = onChange, onPerson = null, guided = null) {
  const f = state.form;
  renderHeading();
  const links = $("section-links");
  const container = $("questions");
  links.replaceChildren();
  container.replaceChildren();
  if (f.age) container.append(renderAge(f.byId.get(f.age), onAge));
  const guidance = renderGuidance();
  if (guidance) container.append(guidance);
  const choice = renderPersonChoice(onPerson);
  if (choice) container.append(choice);
  const note = renderPersonNote();
  if (note) container.append(note);
  if (guided) container.append(guided);
  let number = 0;
  for (const group of f.groups) {
    const gid = `g-${group.id}`;
    const title = group.title;
    links.append(h("li", {}, h("a", { href: `#${gid}` }, title, " ", h("span", { class: "count", id: `${gid}-count` }))));
    const section = h("section", { class: group.interviewer ? "group interviewer-section" : "group", id: gid, "aria-labelledby": `${gid}-title` },
      h("h3", { id: `${gid}-title` }, title));
    if (group.interviewer) section.append(interviewerToggle(gid, group.questions.length));
    for (const id of group.questions) {
      number += 1;
      section.append(renderQuestion(f.byId.get(id), number, onChange));
    }
    container.append(section);
  }
}

/** The note on a group with interviewer-only questions, and in the discreet view the button
 *  that shows or hides them. */
function interviewerToggle(gid, count) {
  const s = t();
  const button = h("button", { type: "button", class: "interviewer-toggle", "aria-expanded": String(state.interviewerOpen), "data-count": count });
  button.addEventListener("click", () => {
    state.interviewerOpen = !state.interviewerOpen;
    applyInterviewer();
  });
  return h("div", { class: "interviewer-note" }, h("p", {}, s.interviewerOnly), button);
}

/** Shows or hides the interviewer-only questions as the discreet view and its toggle say. */
export function applyInterviewer() {
  const s = t();
  const concealed = state.discreet && !state.interviewerOpen;
  for (const q of state.form.questions) {
    if (interviewerOnly(q) && q.id !== AGE) $(`q-${q.id}`)?.classList.toggle("concealed", concealed);
  }
  for (const button of document.querySelectorAll(".interviewer-toggle")) {
    button.hidden = !state.discreet;
    button.setAttribute("aria-expanded", String(!concealed));
    button.textContent = concealed ? s.showInterviewer(Number(button.dataset.count)) : s.hideInterviewer;
  }
}

function renderQuestion(q, number, onChange) {
  const s = t();
  const answer = state.answers.get(q.id);
  const helpId = q.help ? `help-${q.id}` : null;
  const errId = `err-${q.id}`;
  const describedBy = [helpId, errId].filter(Boolean).join(" ");
  const header = [
    number == null ? null : [h("span", { class: "qnum" }, `${number}.`), " "],
    q.text,
    q.ask_if ? h("span", { class: "tag" }, s.followUp) : null,
    onlyFor(q.id),
  ];
  // The "ask next" badge changes with every answer: it stays outside the question's name. The
  // help comes after the answers: the question and its answers first, on a phone's first screen.
  const badge = h("p", { class: "badge", hidden: true });
  const help = q.help ? h("p", { class: "help", id: helpId }, q.help) : null;
  const err = h("p", { class: "error", id: errId, hidden: true });
  const cls = interviewerOnly(q) ? "q interviewer-only" : "q";
  const person = personText(q);

  const choiceGroup = (options) => {
    const name = `a-${q.id}`;
    const current = answerKey(answer);
    const opts = options.map(([value, label]) => {
      const input = h("input", { type: "radio", name, value, checked: current === value });
      input.addEventListener("change", () => {
        setAnswerFromKey(q, value);
        onChange();
      });
      return h("label", { class: `opt opt-${value.replace(/[^a-z]/g, "")}` }, input, h("span", {}, label));
    });
    return h("fieldset", { class: cls, id: `q-${q.id}`, "data-id": q.id, "aria-describedby": describedBy },
      h("legend", {}, ...header), person, badge, h("div", { class: "opts" }, opts), help, err);
  };
  const tail = [["x:unknown", s.unknown], ["x:skip", s.skip]];

  switch (q.type) {
    case "yesno":
      return choiceGroup([["v:true", s.yes], ["v:false", s.no], ...tail]);
    case "choice":
      return choiceGroup([...q.options.map((o) => [`v:${o.id}`, o.label]), ...tail]);
    case "choices": {
      const chosen = answer?.kind === "value" ? new Set(answer.value) : new Set();
      const boxes = q.options.map((o) => {
        const input = h("input", { type: "checkbox", value: o.id, checked: chosen.has(o.id) });
        input.addEventListener("change", () => {
          const fs = input.closest("fieldset");
          fs.querySelector("input[data-unknown]").checked = false;
          const values = [...fs.querySelectorAll("input[type=checkbox]:not([data-unknown])")].filter((i) => i.checked).map((i) => i.value);
          setAnswer(q.id, values.length ? { kind: "value", value: values } : null);
          onChange();
        });
        return h("label", { class: "opt" }, input, h("span", {}, o.label));
      });
      const unknown = h("input", { type: "checkbox", "data-unknown": true, checked: answer?.kind === "unknown" });
      unknown.addEventListener("change", () => {
        const fs = unknown.closest("fieldset");
        for (const i of fs.querySelectorAll("input[type=checkbox]:not([data-unknown])")) i.checked = false;
        setAnswer(q.id, unknown.checked ? { kind: "unknown" } : null);
        onChange();
      });
      return h("fieldset", { class: cls, id: `q-${q.id}`, "data-id": q.id, "aria-describedby": describedBy }, h("legend", {}, ...header), person, badge,
        h("div", { class: "opts" }, boxes, h("label", { class: "opt opt-unknown" }, unknown, h("span", {}, s.unknown))), help, err);
    }
    case "integer":
    case "number": {
      const inputId = `in-${q.id}`;
      const input = h("input", {
        type: "number", id: inputId, inputmode: q.type === "integer" ? "numeric" : "decimal",
        step: q.type === "integer" ? "1" : "any", min: q.min, max: q.max, "aria-describedby": describedBy,
        value: answer?.kind === "value" ? String(answer.value) : null, disabled: answer?.kind === "unknown",
      });
      const unknown = h("input", { type: "checkbox", checked: answer?.kind === "unknown" });
      input.addEventListener("input", () => {
        const n = input.value.trim() === "" ? null : Number(input.value);
        setAnswer(q.id, n == null || Number.isNaN(n) ? null : { kind: "value", value: n });
        onChange();
      });
      unknown.addEventListener("change", () => {
        input.disabled = unknown.checked;
        if (unknown.checked) input.value = "";
        setAnswer(q.id, unknown.checked ? { kind: "unknown" } : null);
        onChange();
      });
      return h("div", { class: cls, id: `q-${q.id}`, "data-id": q.id, role: "group", "aria-labelledby": `lbl-${q.id}` },
        h("label", { for: inputId, id: `lbl-${q.id}`, class: "qtext" }, ...header), person, badge,
        h("div", { class: "opts number" }, input, q.unit ? h("span", { class: "unit" }, q.unit) : null,
          h("label", { class: "opt opt-unknown" }, unknown, h("span", {}, s.unknown))), help, err);
    }
    default: {
      const inputId = `in-${q.id}`;
      const area = h("textarea", { id: inputId, rows: "3", "aria-describedby": describedBy });
      area.value = answer?.kind === "value" ? answer.value : "";
      area.addEventListener("input", () => {
        setAnswer(q.id, area.value.trim() === "" ? null : { kind: "value", value: area.value });
        onChange();
      });
      return h("div", { class: cls, id: `q-${q.id}`, "data-id": q.id },
        h("label", { for: inputId, class: "qtext" }, ...header), person, badge, area, help, err);
    }
  }
}

/** A question put to the person, in the person's language (beside the worker's): its text and
 *  the labels of its options, from the first chosen set that asks it and carries a translation
 *  of it, marked when no professional translator has checked it. None for a question for the
 *  interviewer alone: it is never read out. */
function personText(q) {
  if (!state.personLang || interviewerOnly(q)) return null;
  const s = t();
  for (const set of state.chosen) {
    const per = state.per.get(set.id);
    const pq = per.person?.questions.get(q.id);
    // A text the same as in the set's first language is that language filling in: no translation.
    if (!pq || pq.text === per.person.base.get(q.id)?.text) continue;
    const options = (q.type === "choice" || q.type === "choices") ? pq.options.map((o) => o.label) : [];
    return h("div", { class: "person", lang: state.personLang },
      h("p", { class: "person-text" }, pq.text),
      options.length ? h("p", { class: "person-opts" }, options.join(" · ")) : null,
      per.person.unverified ? h("span", { class: "tag unverified", lang: state.lang }, s.unverifiedTag) : null);
  }
  return null;
}

function answerKey(answer) {
  if (!answer) return null;
  if (answer.kind === "unknown") return "x:unknown";
  if (answer.kind === "skip") return "x:skip";
  return `v:${answer.value}`;
}

function setAnswerFromKey(q, key) {
  if (key === "x:unknown") setAnswer(q.id, { kind: "unknown" });
  else if (key === "x:skip") setAnswer(q.id, { kind: "skip" });
  else if (q.type === "yesno") setAnswer(q.id, { kind: "value", value: key === "v:true" });
  else setAnswer(q.id, { kind: "value", value: key.slice(2) });
}

function setAnswer(id, answer) {
  if (answer) state.answers.set(id, answer);
  else state.answers.delete(id);
}

/** After a screening: which questions are shown, answered, next (`next`: id → entry of
 *  nextQuestions()), or carry an answer the engine refused; the count per section. */
export function renderQuestionStates(next) {
  const s = t();
  for (const q of state.form.questions) {
    const el = $(`q-${q.id}`);
    if (!el) continue;
    el.hidden = !state.applicable.has(q.id);
    const n = next.get(q.id);
    el.classList.toggle("is-next", n != null);
    const badge = el.querySelector(".badge");
    badge.hidden = n == null;
    badge.textContent = n == null ? "" : several() ? s.nextBadgeSets(s.sets(n.sets.map((x) => x.number))) : s.nextBadge(n.sets[0].rank);
    el.classList.toggle("is-answered", state.answers.has(q.id));
    const err = $(`err-${q.id}`);
    const e = state.errors.get(q.id);
    err.hidden = !e;
    err.textContent = e ? (s.errors[e.code]?.(q) ?? e.message) : "";
    el.classList.toggle("has-error", !!e);
    const input = el.querySelector("input[type=number], textarea");
    if (input) input.setAttribute("aria-invalid", String(!!e));
  }
  for (const group of state.form.groups) {
    const gid = `g-${group.id}`;
    const ids = group.questions.filter((id) => state.applicable.has(id));
    const answered = ids.filter((id) => isAsked(state.answers.get(id))).length;
    $(`${gid}-count`).textContent = `(${s.groupProgress(answered, ids.length)})`;
  }
}

/** Scrolls to a question and puts focus on its answer, opening the interviewer's questions when
 *  it is one of them. */
export function goTo(event, id) {
  event.preventDefault();
  const el = $(`q-${id}`);
  if (!el) return;
  if (el.classList.contains("concealed")) {
    state.interviewerOpen = true;
    applyInterviewer();
  }
  el.scrollIntoView({ block: "center" });
  const target = el.querySelector("input:checked") ?? el.querySelector("input, textarea, select");
  target?.focus({ preventScroll: true });
}
