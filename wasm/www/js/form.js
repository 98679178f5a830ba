// The form: one form for the chosen sets (a question they share is asked once), each question
// rendered from the engine's questionnaire, and its state after every screening (shown or not,
// answered, "ask next", an answer the engine refused).

import { $, h } from "./dom.js";
import { isAsked } from "./screening.js";
import { cap, interviewerOnly, setNumber, several, state, t, titleOf } from "./state.js";

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
  const questions = groups.flatMap((g) => g.questions.map((id) => byId.get(id)));
  return { groups, questions, byId, askedBy };
}

/** "only for set 2" on a question that not every chosen set asks. */
function onlyFor(id) {
  const by = state.form.askedBy.get(id) ?? [];
  if (!several() || by.length === state.chosen.length) return null;
  return h("span", { class: "tag only" }, t().onlyFor(t().sets(by.map(setNumber))));
}

/** The title and description above the questions. In the discreet view the title is neutral: a
 *  set's title ("... sexual exploitation") would tell the person what the worker suspects. */
function renderHeading() {
  const s = t();
  if (state.discreet) $("form-title").textContent = s.discreetTitle;
  else if (several()) $("form-title").textContent = s.combinedTitle(state.chosen.length);
  else $("form-title").textContent = state.per.get(state.chosen[0].id).questionnaire.ruleset.title;
  const about = several()
    ? h("details", { class: "about" }, h("summary", {}, s.aboutSets), h("dl", {}, state.chosen.map((set) => [
      h("dt", {}, `${cap(s.setNo(setNumber(set.id)))}: ${titleOf(set)}`),
      h("dd", {}, state.per.get(set.id).questionnaire.description),
    ])))
    : h("details", { class: "about" }, h("summary", {}, s.aboutSet),
      state.discreet ? h("p", { class: "about-title" }, titleOf(state.chosen[0])) : null,
      h("p", {}, state.per.get(state.chosen[0].id).questionnaire.description));
  $("combined-note").hidden = !several();
  $("combined-note").textContent = s.combinedNote;
  $("form-description").replaceChildren(about);
}

/** Renders every question of the merged form; `onChange` runs after each answer. */
export function renderForm(onChange) {
  const f = state.form;
  renderHeading();
  const links = $("section-links");
  const container = $("questions");
  links.replaceChildren();
  container.replaceChildren();
  let number = 0;
  for (const group of f.groups) {
    const gid = `g-${group.id}`;
    const title = group.title;
    links.append(h("li", {}, h("a", { href: `#${gid}` }, title, " ", h("span", { class: "count", id: `${gid}-count` }))));
    const hidden = group.questions.filter((id) => interviewerOnly(f.byId.get(id)));
    const section = h("section", { class: hidden.length ? "group has-interviewer" : "group", id: gid, "aria-labelledby": `${gid}-title` },
      h("h3", { id: `${gid}-title` }, title));
    if (hidden.length) section.append(interviewerToggle(gid, hidden.length));
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
    if (interviewerOnly(q)) $(`q-${q.id}`)?.classList.toggle("concealed", concealed);
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
    h("span", { class: "qnum" }, `${number}.`),
    " ",
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
      h("legend", {}, ...header), badge, h("div", { class: "opts" }, opts), help, err);
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
      return h("fieldset", { class: cls, id: `q-${q.id}`, "data-id": q.id, "aria-describedby": describedBy }, h("legend", {}, ...header), badge,
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
        h("label", { for: inputId, id: `lbl-${q.id}`, class: "qtext" }, ...header), badge,
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
        h("label", { for: inputId, class: "qtext" }, ...header), badge, area, help, err);
    }
  }
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
