// herken reference intake page: renders one form from the questions of the chosen rule sets
// (one or several: a question the sets share is asked once), screens every chosen set live on
// every answer with the WASM engine, and shows per set the outcome, advice, signals, and the next
// questions of all of them.
// Everything runs in this page: all files are loaded once at start, after which the page makes
// no request; nothing is stored (no cookies, no localStorage); "clear" wipes every answer.

import init, { Screener } from "./pkg/herken_wasm.js";

const STRINGS = {
  nl: {
    pageTitle: "herken — screening op signalen van mensenhandel",
    appTitle: "herken — screening op signalen van mensenhandel",
    claim: "Een screeningssignaal, geen identificatie: formele identificatie is een juridische of multidisciplinaire beslissing.",
    skipToOutcome: "Naar de uitkomst",
    language: "Taal",
    ruleSets: "Indicatorensets",
    setsSummary: (n) => `Indicatorensets (${n} gekozen)`,
    ruleSetsHint: "Kies één of meer sets. Een vraag die de sets delen, wordt één keer gesteld. Er blijft altijd minstens één set gekozen.",
    setNo: (n) => `set ${n}`,
    sets: (nums) => (nums.length === 1 ? `set ${nums[0]}` : `sets ${nums.slice(0, -1).join(", ")} en ${nums[nums.length - 1]}`),
    combinedTitle: (n) => `Vragen voor ${n} indicatorensets`,
    combinedNote: "Elke vraag wordt één keer gesteld; het antwoord telt voor elke gekozen set die de vraag stelt.",
    aboutSets: "Over de gekozen sets",
    onlyFor: (list) => `alleen voor ${list}`,
    outcomes: "Uitkomst per set",
    privacy: "Alles blijft op dit apparaat: er wordt niets verzonden of opgeslagen. Wis het formulier als u klaar bent.",
    emergency: "Acuut gevaar? Bel 112.",
    draftWarning: "Let op: deze indicatorenset is een concept en nog niet gevalideerd.",
    draftWarningSets: (list, n) => `Let op: ${list} ${n === 1 ? "is een concept" : "zijn concepten"} en nog niet gevalideerd.`,
    loading: "Laden…",
    loadError: "De pagina kon niet laden. Open haar via een webserver (bijvoorbeeld: python3 -m http.server in de map wasm/www), niet als bestand.",
    answerNote: "Beantwoord wat bekend is. ‘Weet niet’ en ‘Overslaan’ tellen als onbekend, nooit als nee. Het resultaat wordt bij elk antwoord opnieuw berekend.",
    sections: "Onderdelen",
    outcome: "Uitkomst",
    advice: "Advies en doorverwijzing",
    signals: "Aanwezige signalen",
    noSignals: "Nog geen signalen gevonden in de antwoorden.",
    askNext: "Vraag hierna",
    noNext: "Geen open vragen die de uitkomst nog kunnen veranderen.",
    actions: "Acties",
    print: "Samenvatting afdrukken",
    download: "Downloaden als JSON",
    clear: "Alles wissen",
    confirmClear: "Alle antwoorden wissen?",
    seeOutcome: "Bekijk uitkomst",
    seeOutcomes: "Bekijk uitkomsten",
    yes: "Ja",
    no: "Nee",
    unknown: "Weet niet",
    skip: "Overslaan",
    skipped: "overgeslagen",
    notAnswered: "onbeantwoord",
    answerUnknown: "onbekend",
    followUp: "Vervolgvraag",
    nextBadge: (n) => `Vraag hierna (${n})`,
    nextBadgeSets: (list) => `Vraag hierna (${list})`,
    progress: (n, m) => `${n} van ${m} vragen beantwoord`,
    signalCount: (n) => (n === 1 ? "1 signaal aanwezig" : `${n} signalen aanwezig`),
    groupProgress: (n, m) => `${n}/${m}`,
    couldRise: (label) => `Onbeantwoorde vragen kunnen de uitkomst nog verhogen tot: ${label}.`,
    couldRaiseTo: (label) => `kan leiden tot: ${label}`,
    basedOn: "op grond van",
    positiveDimensions: "Positieve dimensies",
    strength: { strong: "sterk", medium: "middel", weak: "zwak" },
    goTo: "Ga naar vraag",
    status: (label, n) => `Uitkomst: ${label}. ${n === 1 ? "1 signaal" : `${n} signalen`} aanwezig.`,
    provenance: (i) => `Indicatorenset ${i.id} ${i.version} (${{ draft: "concept", reviewed: "beoordeeld", verified: "geverifieerd" }[i.status] ?? i.status}), sha256 ${i.sha256.slice(0, 12)}…, ${i.engine}. Licentie ${i.licence}.`,
    sources: "Bronnen",
    summaryTitle: "Samenvatting screening",
    summaryMade: (d) => `Gemaakt op ${d}. Een screeningssignaal, geen identificatie.`,
    answers: "Antwoorden",
    unansweredCount: (n) => `Onbeantwoorde vragen: ${n}`,
    errors: {
      "case::out-of-bounds": (q) => `Het antwoord moet ${range(q, "nl")} zijn.`,
      "case::wrong-type": (q) => (q.type === "integer" ? "Vul een heel getal in." : "Vul een getal in."),
      "case::too-long": () => "De tekst is te lang.",
    },
  },
  en: {
    pageTitle: "herken — screening for signs of human trafficking",
    appTitle: "herken — screening for signs of human trafficking",
    claim: "A screening signal, not an identification: formal identification is a legal or multidisciplinary decision.",
    skipToOutcome: "Skip to the outcome",
    language: "Language",
    ruleSets: "Indicator sets",
    setsSummary: (n) => `Indicator sets (${n} chosen)`,
    ruleSetsHint: "Choose one or more sets. A question the sets share is asked once. At least one set always stays chosen.",
    setNo: (n) => `set ${n}`,
    sets: (nums) => (nums.length === 1 ? `set ${nums[0]}` : `sets ${nums.slice(0, -1).join(", ")} and ${nums[nums.length - 1]}`),
    combinedTitle: (n) => `Questions for ${n} indicator sets`,
    combinedNote: "Each question is asked once; the answer counts for every chosen set that asks it.",
    aboutSets: "About the chosen sets",
    onlyFor: (list) => `only for ${list}`,
    outcomes: "Outcome per set",
    privacy: "Everything stays on this device: nothing is sent or stored. Clear the form when you are done.",
    emergency: "Acute danger? Call 112.",
    draftWarning: "Note: this indicator set is a draft and has not been validated.",
    draftWarningSets: (list, n) => `Note: ${list} ${n === 1 ? "is a draft" : "are drafts"} and not yet validated.`,
    loading: "Loading…",
    loadError: "The page could not load. Open it through a web server (for example: python3 -m http.server in the folder wasm/www), not as a file.",
    answerNote: "Answer what is known. ‘Don't know’ and ‘Skip’ count as unknown, never as no. The result is recalculated with every answer.",
    sections: "Sections",
    outcome: "Outcome",
    advice: "Advice and referral",
    signals: "Signals present",
    noSignals: "No signals found in the answers yet.",
    askNext: "Ask next",
    noNext: "No open questions that could still change the outcome.",
    actions: "Actions",
    print: "Print summary",
    download: "Download as JSON",
    clear: "Clear everything",
    confirmClear: "Clear all answers?",
    seeOutcome: "See outcome",
    seeOutcomes: "See outcomes",
    yes: "Yes",
    no: "No",
    unknown: "Don't know",
    skip: "Skip",
    skipped: "skipped",
    notAnswered: "not answered",
    answerUnknown: "unknown",
    followUp: "Follow-up question",
    nextBadge: (n) => `Ask next (${n})`,
    nextBadgeSets: (list) => `Ask next (${list})`,
    progress: (n, m) => `${n} of ${m} questions answered`,
    signalCount: (n) => (n === 1 ? "1 signal present" : `${n} signals present`),
    groupProgress: (n, m) => `${n}/${m}`,
    couldRise: (label) => `Unanswered questions could still raise the outcome to: ${label}.`,
    couldRaiseTo: (label) => `could lead to: ${label}`,
    basedOn: "based on",
    positiveDimensions: "Positive dimensions",
    strength: { strong: "strong", medium: "medium", weak: "weak" },
    goTo: "Go to question",
    status: (label, n) => `Outcome: ${label}. ${n === 1 ? "1 signal" : `${n} signals`} present.`,
    provenance: (i) => `Indicator set ${i.id} ${i.version} (${i.status}), sha256 ${i.sha256.slice(0, 12)}…, ${i.engine}. Licence ${i.licence}.`,
    sources: "Sources",
    summaryTitle: "Screening summary",
    summaryMade: (d) => `Made on ${d}. A screening signal, not an identification.`,
    answers: "Answers",
    unansweredCount: (n) => `Unanswered questions: ${n}`,
    errors: {
      "case::out-of-bounds": (q) => `The answer must be ${range(q, "en")}.`,
      "case::wrong-type": (q) => (q.type === "integer" ? "Enter a whole number." : "Enter a number."),
      "case::too-long": () => "The text is too long.",
    },
  },
};

function range(q, lang) {
  const [from, to, least, most] = lang === "nl" ? ["van", "tot en met", "minstens", "hoogstens"] : ["from", "to", "at least", "at most"];
  if (q.min != null && q.max != null) return `${from} ${q.min} ${to} ${q.max}`;
  if (q.min != null) return `${least} ${q.min}`;
  return `${most} ${q.max}`;
}

// --- state: only in memory ----------------------------------------------------------------

const state = {
  lang: "nl",
  sets: [], // every bundled set: [{id, screener, info}]
  /** The chosen sets, in the order they were chosen (the first decides the order of the form). */
  chosen: [],
  /** Per chosen set, after each screening: set id → {questionnaire, ids, applicable, report, reportJson} */
  per: new Map(),
  /** The merged form: {groups: [{id, title, questions}], questions, byId, askedBy: id → [set ids]} */
  form: null,
  /** question id → {kind: "value" | "unknown" | "skip", value} */
  answers: new Map(),
  applicable: new Set(),
  errors: new Map(),
  caseSent: {},
  lastStatus: "",
};

const $ = (id) => document.getElementById(id);
const t = () => STRINGS[state.lang];
const several = () => state.chosen.length > 1;
/** 1 for the first chosen set, 2 for the second, … */
const setNumber = (id) => state.chosen.findIndex((s) => s.id === id) + 1;
const cap = (text) => text.charAt(0).toUpperCase() + text.slice(1);
const titleOf = (set) => set.info.title[state.lang] ?? set.info.title[set.info.languages[0]] ?? set.id;

/** Creates an element: h("p", {class: "x"}, "text", child, …). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// --- start --------------------------------------------------------------------------------

async function start() {
  try {
    await init();
    const index = await (await fetch("bundles/index.json")).json();
    const texts = await Promise.all(index.bundles.map(async (b) => (await fetch(`bundles/${b.file}`)).text()));
    state.sets = texts.map((text) => {
      const screener = Screener.fromBundle(text);
      const info = screener.info();
      return { id: info.id, screener, info, ids: new Set(screener.questions(info.languages[0]).questions.map((q) => q.id)) };
    });
    if (state.sets.length === 0) throw new Error("no rule sets in bundles/index.json");
    const preferred = state.sets.find((s) => s.id === index.default) ?? state.sets[0];
    state.chosen = [preferred];
    renderChooser();
    // The choice of sets folds away on narrow screens, where it would fill the first screen.
    $("sets-box").open = window.matchMedia("(min-width: 52rem)").matches;
    for (const b of document.querySelectorAll("button.lang")) b.addEventListener("click", () => setLanguage(b.dataset.lang));
    $("print").addEventListener("click", printSummary);
    $("download").addEventListener("click", download);
    $("clear").addEventListener("click", clearAll);
    $("form").addEventListener("submit", (e) => e.preventDefault());
    window.addEventListener("beforeprint", renderSummary);
    // On narrow screens the outcome bar stands in for the panel while the panel is out of view.
    new IntersectionObserver(([entry]) => $("outcome-bar").classList.toggle("panel-in-view", entry.isIntersecting)).observe($("panel"));
    $("loading").hidden = true;
    $("app").hidden = false;
    $("outcome-bar").hidden = false;
    renderAll();
    document.body.dataset.ready = "true";
  } catch (e) {
    $("loading").hidden = true;
    const box = $("load-error");
    box.hidden = false;
    box.textContent = `${t().loadError} (${e.code ?? e.name}: ${e.message})`;
    document.body.dataset.ready = "error";
  }
}

// --- the choice of rule sets --------------------------------------------------------------

/** One labelled checkbox per bundled set, made once; updateChooser() keeps them current. */
function renderChooser() {
  $("set-options").replaceChildren(...state.sets.map((set) => {
    const input = h("input", { type: "checkbox", id: `set-${set.id}`, value: set.id, "aria-describedby": "sets-hint" });
    input.addEventListener("change", () => toggleSet(set.id, input.checked));
    return h("label", { class: "opt set-opt", for: `set-${set.id}` }, input,
      h("span", { class: "set-title" }, titleOf(set)), " ", h("span", { class: "set-no", hidden: true }));
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
    input.disabled = n > 0 && state.chosen.length === 1;
    const label = input.closest("label");
    label.querySelector(".set-title").textContent = titleOf(set);
    const no = label.querySelector(".set-no");
    no.hidden = !(n > 0 && several());
    no.textContent = n > 0 ? `(${s.setNo(n)})` : "";
  }
}

function toggleSet(id, on) {
  const set = state.sets.find((s) => s.id === id);
  if (on && !state.chosen.includes(set)) state.chosen.push(set);
  if (!on && state.chosen.length > 1) state.chosen = state.chosen.filter((s) => s !== set);
  // Answers to questions a chosen set still asks are kept; the others are dropped.
  for (const key of [...state.answers.keys()]) if (!state.chosen.some((s) => s.ids.has(key))) state.answers.delete(key);
  updateChooser();
  renderAll();
}

function setLanguage(lang) {
  if (!STRINGS[lang]) return;
  state.lang = lang;
  for (const b of document.querySelectorAll("button.lang")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  updateChooser();
  renderAll();
}

function renderAll() {
  const s = t();
  document.documentElement.lang = state.lang;
  document.title = s.pageTitle;
  for (const el of document.querySelectorAll("[data-i18n]")) {
    const v = s[el.dataset.i18n];
    if (typeof v === "string") el.textContent = v;
  }
  state.per = new Map(state.chosen.map((set) => [set.id, { questionnaire: set.screener.questions(state.lang) }]));
  state.form = mergeForms(state.chosen.map((set) => state.per.get(set.id).questionnaire));
  const drafts = state.chosen.filter((set) => set.info.status === "draft").map((set) => setNumber(set.id));
  $("draft").hidden = drafts.length === 0;
  $("draft").textContent = several() ? s.draftWarningSets(s.sets(drafts), drafts.length) : s.draftWarning;
  $("panel-title").textContent = several() ? s.outcomes : s.outcome;
  $("see-outcome").textContent = several() ? s.seeOutcomes : s.seeOutcome;
  renderForm();
  renderCards();
  rescreen();
  renderProvenance();
}

/** One form for the chosen sets: the groups and order of the first; each question a later set
 *  adds goes to the end of its group (a group the first set lacks comes after the group that
 *  precedes it in that later set). The sets share their question vocabulary (rules/VOCABULARY.md),
 *  so a shared question reads the same in every set and is asked once. */
function mergeForms(questionnaires) {
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

// --- the form -----------------------------------------------------------------------------

function renderForm() {
  const f = state.form;
  const s = t();
  if (several()) {
    $("form-title").textContent = s.combinedTitle(state.chosen.length);
    $("form-description").replaceChildren(h("p", {}, s.combinedNote),
      h("details", { class: "about" }, h("summary", {}, s.aboutSets), h("dl", {}, state.chosen.map((set) => [
        h("dt", {}, `${cap(s.setNo(setNumber(set.id)))}: ${titleOf(set)}`),
        h("dd", {}, state.per.get(set.id).questionnaire.description),
      ]))));
  } else {
    const qn = state.per.get(state.chosen[0].id).questionnaire;
    $("form-title").textContent = qn.ruleset.title;
    $("form-description").replaceChildren(h("p", {}, qn.description));
  }
  const links = $("section-links");
  const container = $("questions");
  links.replaceChildren();
  container.replaceChildren();
  let number = 0;
  for (const group of f.groups) {
    const gid = `g-${group.id}`;
    const title = group.title;
    links.append(h("li", {}, h("a", { href: `#${gid}` }, title, " ", h("span", { class: "count", id: `${gid}-count` }))));
    const section = h("section", { class: "group", id: gid, "aria-labelledby": `${gid}-title` }, h("h3", { id: `${gid}-title` }, title));
    for (const id of group.questions) {
      number += 1;
      section.append(renderQuestion(f.byId.get(id), number));
    }
    container.append(section);
  }
}

function renderQuestion(q, number) {
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
    h("span", { class: "badge", hidden: true }),
  ];
  const help = q.help ? h("p", { class: "help", id: helpId }, q.help) : null;
  const err = h("p", { class: "error", id: errId, hidden: true });
  const onChange = () => rescreen();

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
    return h("fieldset", { class: "q", id: `q-${q.id}`, "data-id": q.id, "aria-describedby": describedBy }, h("legend", {}, ...header), help, h("div", { class: "opts" }, opts), err);
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
      return h("fieldset", { class: "q", id: `q-${q.id}`, "data-id": q.id, "aria-describedby": describedBy }, h("legend", {}, ...header), help,
        h("div", { class: "opts" }, boxes, h("label", { class: "opt opt-unknown" }, unknown, h("span", {}, s.unknown))), err);
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
      return h("div", { class: "q", id: `q-${q.id}`, "data-id": q.id, role: "group", "aria-labelledby": `lbl-${q.id}` },
        h("label", { for: inputId, id: `lbl-${q.id}`, class: "qtext" }, ...header), help,
        h("div", { class: "opts number" }, input, q.unit ? h("span", { class: "unit" }, q.unit) : null,
          h("label", { class: "opt opt-unknown" }, unknown, h("span", {}, s.unknown))), err);
    }
    default: {
      const inputId = `in-${q.id}`;
      const area = h("textarea", { id: inputId, rows: "3", "aria-describedby": describedBy });
      area.value = answer?.kind === "value" ? answer.value : "";
      area.addEventListener("input", () => {
        setAnswer(q.id, area.value.trim() === "" ? null : { kind: "value", value: area.value });
        onChange();
      });
      return h("div", { class: "q", id: `q-${q.id}`, "data-id": q.id },
        h("label", { for: inputId, class: "qtext" }, ...header), help, area, err);
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

// --- screening ----------------------------------------------------------------------------

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

function rescreen() {
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
  renderQuestionStates();
  renderPanel();
}

function renderQuestionStates() {
  const s = t();
  const next = new Map(nextQuestions().map((n) => [n.id, n]));
  for (const q of state.form.questions) {
    const el = $(`q-${q.id}`);
    if (!el) continue;
    el.hidden = !state.applicable.has(q.id);
    const n = next.get(q.id);
    el.classList.toggle("is-next", n != null);
    const badge = el.querySelector(".badge");
    badge.hidden = n == null;
    badge.textContent = n == null ? "" : several() ? s.nextBadgeSets(s.sets(n.sets.map((x) => x.number))) : s.nextBadge(n.sets[0].rank);
    const a = state.answers.get(q.id);
    el.classList.toggle("is-answered", a != null);
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
    const answered = ids.filter((id) => state.answers.has(id)).length;
    $(`${gid}-count`).textContent = `(${s.groupProgress(answered, ids.length)})`;
  }
}

/** The next questions of every chosen set (the engine's, skipped ones left out, at most five per
 *  set), once each: {id, question, sets: [{id, number, rank, could_raise_to}]}, the best-ranked
 *  first. */
function nextQuestions() {
  const all = new Map();
  for (const set of state.chosen) {
    const report = state.per.get(set.id).report;
    const mine = report.next_questions.filter((n) => state.answers.get(n.id)?.kind !== "skip").slice(0, 5);
    mine.forEach((n, i) => {
      if (!all.has(n.id)) all.set(n.id, { id: n.id, question: n.question, sets: [] });
      all.get(n.id).sets.push({ id: set.id, number: setNumber(set.id), rank: i + 1, could_raise_to: n.could_raise_to });
    });
  }
  const best = (n) => Math.min(...n.sets.map((x) => x.rank));
  return [...all.values()].sort((a, b) => best(a) - best(b) || a.sets[0].number - b.sets[0].number);
}

function outcomeLabel(setId, id) {
  return state.per.get(setId).questionnaire.outcomes.find((o) => o.id === id)?.label ?? id;
}

/** An answer in words, in the page language. */
function answerText(q, value) {
  const s = t();
  if (value === null || value === undefined) return s.answerUnknown;
  if (value === true) return s.yes;
  if (value === false) return s.no;
  if (Array.isArray(value)) return value.map((v) => answerText(q, v)).join(", ");
  if (q?.options?.length) return q.options.find((o) => o.id === value)?.label ?? String(value);
  if (typeof value === "number") return q?.unit ? `${value} ${q.unit}` : String(value);
  return String(value);
}

/** low, mid or high: the colour of an outcome. */
function levelOf(setId, report) {
  const top = state.per.get(setId).questionnaire.outcomes.length - 1;
  return report.outcome.level === 0 ? "low" : report.outcome.level >= top ? "high" : "mid";
}

/** One card per chosen set in the live panel: made when the sets or the language change, filled
 *  by renderPanel() on every answer. */
function renderCards() {
  const s = t();
  $("cards").replaceChildren(...state.chosen.map((set) => {
    const id = `card-${set.id}`;
    return h("section", { class: "card", id, "data-set": set.id, "aria-labelledby": `${id}-title` },
      h("h3", { class: several() ? "card-title" : "card-title visually-hidden", id: `${id}-title` },
        several() ? h("span", { class: "set-no" }, `${cap(s.setNo(setNumber(set.id)))}: `) : null, titleOf(set)),
      h("div", { class: "outcome" },
        h("p", { class: "outcome-label" }),
        h("p", { class: "outcome-rise", hidden: true }),
        h("p", { class: "progress" })),
      h("section", { class: "block", "aria-labelledby": `${id}-advice` },
        h("h4", { id: `${id}-advice` }, s.advice),
        h("div", { class: "advice" })),
      h("section", { class: "block", "aria-labelledby": `${id}-signals` },
        h("h4", { id: `${id}-signals` }, s.signals),
        h("ul", { class: "signals" }),
        h("p", { class: "muted no-signals", hidden: true }, s.noSignals),
        h("div", { class: "dimensions" })));
  }));
}

function renderPanel() {
  const s = t();
  const statuses = [];
  const overview = [];
  const bar = [];
  for (const set of state.chosen) {
    const r = state.per.get(set.id).report;
    const per = state.per.get(set.id);
    const card = $(`card-${set.id}`);
    const level = levelOf(set.id, r);
    card.dataset.level = level;
    card.querySelector(".outcome").dataset.level = level;
    card.querySelector(".outcome-label").textContent = r.outcome.label;
    const rise = card.querySelector(".outcome-rise");
    rise.hidden = !r.outcome.may_rise;
    rise.textContent = r.outcome.may_rise ? s.couldRise(outcomeLabel(set.id, r.outcome.could_rise_to)) : "";
    const asked = per.questionnaire.questions.filter((q) => per.applicable.has(q.id));
    const answered = asked.filter((q) => state.answers.has(q.id) && state.answers.get(q.id).kind !== "skip").length;
    const present = r.indicators.filter((i) => i.state === "present" && i.weight !== 0); // weight 0: context, not a signal
    card.querySelector(".progress").textContent = `${s.signalCount(present.length)} · ${s.progress(answered, asked.length)}`;
    card.querySelector(".advice").replaceChildren(...adviceBlocks(r.outcome.advice));

    const dims = new Map(r.dimensions.map((d) => [d.id, d]));
    card.querySelector(".signals").replaceChildren(...present.map((i) => h("li", {},
      h("span", { class: "signal" }, i.label),
      h("span", { class: "meta" }, ` — ${dims.get(i.dimension)?.label ?? i.dimension}${i.strength ? `, ${s.strength[i.strength]}` : ""}`),
      h("ul", { class: "because", "aria-label": s.basedOn }, Object.entries(i.reads).map(([qid, v]) => {
        const q = state.form.byId.get(qid);
        return h("li", {}, h("a", { href: `#q-${qid}`, onclick: (e) => goTo(e, qid) }, q?.text ?? qid), ": ", h("strong", {}, answerText(q, v)));
      })))));
    card.querySelector(".no-signals").hidden = present.length > 0;
    const positive = r.dimensions.filter((d) => d.positive);
    card.querySelector(".dimensions").replaceChildren(...(positive.length
      ? [h("p", { class: "dims-title" }, s.positiveDimensions), h("ul", {}, positive.map((d) => h("li", {}, d.label)))]
      : []));

    const status = s.status(r.outcome.label, present.length);
    statuses.push(several() ? `${cap(s.setNo(setNumber(set.id)))}: ${status}` : status);
    overview.push(h("li", { "data-level": level }, h("a", { href: `#card-${set.id}` },
      h("span", { class: "set-no" }, `${cap(s.setNo(setNumber(set.id)))}: `), r.outcome.label)));
    bar.push(h("span", { class: "bar-item", "data-level": level },
      several() ? `${setNumber(set.id)}: ${r.outcome.label}` : `${s.outcome}: ${r.outcome.label}`));
  }
  $("overview").hidden = !several();
  $("overview").replaceChildren(...(several() ? overview : []));
  // The bar at the bottom of narrow screens: every set's outcome, coloured as the highest.
  const order = ["low", "mid", "high"];
  const levels = state.chosen.map((set) => levelOf(set.id, state.per.get(set.id).report));
  $("outcome-bar-label").replaceChildren(...bar);
  $("outcome-bar").classList.toggle("several", several());
  $("outcome-bar").dataset.level = levels.reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a));
  document.documentElement.style.scrollPaddingBottom = `${Math.max(80, $("outcome-bar").offsetHeight + 16)}px`;

  const next = nextQuestions();
  $("next").replaceChildren(...next.map((n) => h("li", {},
    h("a", { href: `#q-${n.id}`, onclick: (e) => goTo(e, n.id) }, n.question),
    nextMeta(n))));
  $("no-next").hidden = next.length > 0;

  const status = statuses.join(" ");
  if (status !== state.lastStatus) {
    $("status").textContent = status;
    state.lastStatus = status;
  }
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

/** Advice text as paragraphs and lists ("- " and "1. " lines). */
function adviceBlocks(text) {
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

function goTo(event, id) {
  event.preventDefault();
  const el = $(`q-${id}`);
  if (!el) return;
  el.scrollIntoView({ block: "center" });
  const target = el.querySelector("input:checked") ?? el.querySelector("input, textarea, select");
  target?.focus({ preventScroll: true });
}

function renderProvenance() {
  const s = t();
  $("provenance").replaceChildren(...state.chosen.map((set) => h("div", { class: "source" },
    h("p", {}, several() ? `${cap(s.setNo(setNumber(set.id)))}: ` : null, s.provenance(set.info)),
    h("details", {}, h("summary", {}, several() ? `${s.sources} (${s.setNo(setNumber(set.id))})` : s.sources),
      h("ul", {}, set.info.sources.map((src) => h("li", {}, src.citation, src.url ? ` ${src.url}` : "")))))));
}

// --- print, download, clear ---------------------------------------------------------------

function renderSummary() {
  const s = t();
  const answered = state.form.questions.filter((q) => state.applicable.has(q.id) && state.answers.has(q.id));
  const summary = $("summary");
  summary.replaceChildren(
    h("h1", {}, s.summaryTitle),
    h("p", { class: "muted" }, s.summaryMade(new Date().toLocaleString(state.lang === "nl" ? "nl-NL" : "en-GB"))),
    ...state.chosen.map((set) => {
      const r = state.per.get(set.id).report;
      return h("section", { class: "summary-set" },
        h("p", { class: "summary-set-title" }, several() ? `${cap(s.setNo(setNumber(set.id)))}: ` : null, titleOf(set)),
        h("h2", {}, `${s.outcome}: ${r.outcome.label}`),
        r.outcome.may_rise ? h("p", {}, s.couldRise(outcomeLabel(set.id, r.outcome.could_rise_to))) : null,
        h("h3", {}, s.advice),
        ...adviceBlocks(r.outcome.advice),
        h("h3", {}, s.signals),
        $(`card-${set.id}`).querySelector(".signals").cloneNode(true),
        h("p", {}, s.unansweredCount(r.unanswered.length)));
    }),
    h("h2", { class: "summary-answers" }, s.answers),
    h("dl", {}, answered.map((q) => {
      const a = state.answers.get(q.id);
      const words = a.kind === "skip" ? s.skipped : a.kind === "unknown" ? s.unknown : answerText(q, a.value);
      return [h("dt", {}, q.text), h("dd", {}, words)];
    })),
    ...state.chosen.map((set) => h("p", { class: "muted" }, s.provenance(set.info))),
  );
}

function printSummary() {
  renderSummary();
  window.print();
}

/** The answers and one report per chosen set, in the order chosen: the reports exactly as the
 *  engine wrote them, so `reports` is byte for byte what `herken screen --rules a,b --format
 *  json` prints for `answers` (indentation aside). */
function download() {
  const created = new Date();
  const reports = state.chosen.map((set) => state.per.get(set.id).reportJson).join(",\n");
  const text = `{\n"herken_screening": 2,\n"created": ${JSON.stringify(created.toISOString())},\n"answers": ${JSON.stringify(state.caseSent)},\n"reports": [\n${reports}\n]\n}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const name = several() ? "screening" : state.chosen[0].id;
  const a = h("a", { href: url, download: `herken-${name}-${created.toISOString().slice(0, 10)}.json`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function clearAll() {
  if (!window.confirm(t().confirmClear)) return;
  state.answers.clear();
  $("summary").replaceChildren();
  renderForm();
  rescreen();
  window.scrollTo(0, 0);
  document.querySelector("#questions input, #questions textarea")?.focus();
}

start();
