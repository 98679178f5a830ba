// herken reference intake page: renders the form from the rule set's questions, screens live
// on every answer with the WASM engine, and shows outcome, advice, signals and next questions.
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
    ruleSet: "Indicatorenset",
    privacy: "Alles blijft op dit apparaat: er wordt niets verzonden of opgeslagen. Wis het formulier als u klaar bent.",
    emergency: "Acuut gevaar? Bel 112.",
    draftWarning: "Let op: deze indicatorenset is een concept en nog niet gevalideerd.",
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
    yes: "Ja",
    no: "Nee",
    unknown: "Weet niet",
    skip: "Overslaan",
    skipped: "overgeslagen",
    notAnswered: "onbeantwoord",
    answerUnknown: "onbekend",
    followUp: "Vervolgvraag",
    nextBadge: (n) => `Vraag hierna (${n})`,
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
    provenance: (i) => `Indicatorenset ${i.id} ${i.version} (${i.status === "verified" ? "geverifieerd" : "concept"}), sha256 ${i.sha256.slice(0, 12)}…, ${i.engine}. Licentie ${i.licence}.`,
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
    ruleSet: "Indicator set",
    privacy: "Everything stays on this device: nothing is sent or stored. Clear the form when you are done.",
    emergency: "Acute danger? Call 112.",
    draftWarning: "Note: this indicator set is a draft and has not been validated.",
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
    yes: "Yes",
    no: "No",
    unknown: "Don't know",
    skip: "Skip",
    skipped: "skipped",
    notAnswered: "not answered",
    answerUnknown: "unknown",
    followUp: "Follow-up question",
    nextBadge: (n) => `Ask next (${n})`,
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
    provenance: (i) => `Indicator set ${i.id} ${i.version} (${i.status === "verified" ? "verified" : "draft"}), sha256 ${i.sha256.slice(0, 12)}…, ${i.engine}. Licence ${i.licence}.`,
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
  sets: [], // [{id, screener, info}]
  set: null,
  questionnaire: null,
  byId: new Map(),
  /** question id → {kind: "value" | "unknown" | "skip", value} */
  answers: new Map(),
  applicable: new Set(),
  errors: new Map(),
  report: null,
  reportJson: "",
  caseSent: {},
  lastStatus: "",
};

const $ = (id) => document.getElementById(id);
const t = () => STRINGS[state.lang];

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
  for (const c of children.flat()) {
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
      return { id: screener.info().id, screener, info: screener.info() };
    });
    if (state.sets.length === 0) throw new Error("no rule sets in bundles/index.json");
    const preferred = state.sets.find((s) => s.id === index.default) ?? state.sets[0];
    const select = $("ruleset");
    for (const s of state.sets) select.append(h("option", { value: s.id }, s.info.title[state.lang] ?? s.id));
    select.value = preferred.id;
    select.addEventListener("change", () => chooseSet(select.value));
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
    chooseSet(preferred.id);
    document.body.dataset.ready = "true";
  } catch (e) {
    $("loading").hidden = true;
    const box = $("load-error");
    box.hidden = false;
    box.textContent = `${t().loadError} (${e.code ?? e.name}: ${e.message})`;
    document.body.dataset.ready = "error";
  }
}

function chooseSet(id) {
  state.set = state.sets.find((s) => s.id === id);
  // Answers to questions the new set also asks carry over; the others are dropped.
  const ids = new Set(state.set.screener.questions(state.lang).questions.map((q) => q.id));
  for (const key of [...state.answers.keys()]) if (!ids.has(key)) state.answers.delete(key);
  renderAll();
}

function setLanguage(lang) {
  if (!STRINGS[lang]) return;
  state.lang = lang;
  for (const b of document.querySelectorAll("button.lang")) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  for (const o of $("ruleset").options) {
    const s = state.sets.find((x) => x.id === o.value);
    o.textContent = s.info.title[lang] ?? s.info.title[s.info.languages[0]] ?? s.id;
  }
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
  state.questionnaire = state.set.screener.questions(state.lang);
  state.byId = new Map(state.questionnaire.questions.map((q) => [q.id, q]));
  $("draft").hidden = state.set.info.status !== "draft";
  renderForm();
  rescreen();
  renderProvenance();
}

// --- the form -----------------------------------------------------------------------------

function renderForm() {
  const q = state.questionnaire;
  const s = t();
  $("form-title").textContent = q.ruleset.title;
  $("form-description").textContent = q.description;
  const links = $("section-links");
  const container = $("questions");
  links.replaceChildren();
  container.replaceChildren();
  let number = 0;
  for (const group of q.groups) {
    const gid = `g-${group.id}`;
    const title = group.title;
    links.append(h("li", {}, h("a", { href: `#${gid}` }, title, " ", h("span", { class: "count", id: `${gid}-count` }))));
    const section = h("section", { class: "group", id: gid, "aria-labelledby": `${gid}-title` }, h("h3", { id: `${gid}-title` }, title));
    for (const id of group.questions) {
      number += 1;
      section.append(renderQuestion(state.byId.get(id), number));
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

function rescreen() {
  const screener = state.set.screener;
  const errors = new Map();
  let c = caseOf(state.answers.keys());
  // Answers the engine refuses (out of bounds, say) are shown at their question and left out.
  for (;;) {
    try {
      screener.applicable(c);
      break;
    } catch (e) {
      const fields = (e.errors ?? []).map((x) => x.field).filter((f) => f in c);
      if (fields.length === 0) throw e;
      for (const x of e.errors) if (x.field in c) errors.set(x.field, x);
      for (const f of fields) delete c[f];
    }
  }
  // Questions whose ask_if is false are hidden and their answers left out, until that settles.
  let applicable = new Set(screener.applicable(c));
  for (let i = 0; i < 16; i++) {
    const kept = Object.fromEntries(Object.entries(c).filter(([k]) => applicable.has(k)));
    if (Object.keys(kept).length === Object.keys(c).length) break;
    c = kept;
    applicable = new Set(screener.applicable(c));
  }
  state.caseSent = c;
  state.applicable = applicable;
  state.errors = errors;
  state.reportJson = screener.screenJson(c, { lang: state.lang });
  state.report = JSON.parse(state.reportJson);
  renderQuestionStates();
  renderPanel();
}

function renderQuestionStates() {
  const s = t();
  const next = nextQuestions();
  const rank = new Map(next.map((n, i) => [n.id, i + 1]));
  for (const q of state.questionnaire.questions) {
    const el = $(`q-${q.id}`);
    if (!el) continue;
    el.hidden = !state.applicable.has(q.id);
    const r = rank.get(q.id);
    el.classList.toggle("is-next", r != null);
    const badge = el.querySelector(".badge");
    badge.hidden = r == null;
    badge.textContent = r == null ? "" : s.nextBadge(r);
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
  for (const group of state.questionnaire.groups) {
    const gid = `g-${group.id}`;
    const ids = group.questions.filter((id) => state.applicable.has(id));
    const answered = ids.filter((id) => state.answers.has(id)).length;
    $(`${gid}-count`).textContent = `(${s.groupProgress(answered, ids.length)})`;
  }
}

/** The engine's next questions, skipped ones left out: at most five. */
function nextQuestions() {
  return state.report.next_questions.filter((n) => state.answers.get(n.id)?.kind !== "skip").slice(0, 5);
}

function outcomeLabel(id) {
  return state.questionnaire.outcomes.find((o) => o.id === id)?.label ?? id;
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

function renderPanel() {
  const s = t();
  const r = state.report;
  const top = state.questionnaire.outcomes.length - 1;
  const outcome = $("outcome");
  outcome.dataset.level = r.outcome.level === 0 ? "low" : r.outcome.level >= top ? "high" : "mid";
  $("outcome-label").textContent = r.outcome.label;
  const rise = $("outcome-rise");
  rise.hidden = !r.outcome.may_rise;
  rise.textContent = r.outcome.may_rise ? s.couldRise(outcomeLabel(r.outcome.could_rise_to)) : "";
  const asked = state.questionnaire.questions.filter((q) => state.applicable.has(q.id));
  const answered = asked.filter((q) => state.answers.has(q.id) && state.answers.get(q.id).kind !== "skip").length;
  const present = r.indicators.filter((i) => i.state === "present");
  $("progress").textContent = `${s.signalCount(present.length)} · ${s.progress(answered, asked.length)}`;
  $("outcome-bar-label").textContent = `${s.outcome}: ${r.outcome.label}`;
  $("outcome-bar").dataset.level = outcome.dataset.level;

  const advice = $("advice");
  advice.replaceChildren(...adviceBlocks(r.outcome.advice));

  const dims = new Map(r.dimensions.map((d) => [d.id, d]));
  $("signals").replaceChildren(...present.map((i) => h("li", {},
    h("span", { class: "signal" }, i.label),
    h("span", { class: "meta" }, ` — ${dims.get(i.dimension)?.label ?? i.dimension}${i.strength ? `, ${s.strength[i.strength]}` : ""}`),
    h("ul", { class: "because", "aria-label": s.basedOn }, Object.entries(i.reads).map(([qid, v]) => {
      const q = state.byId.get(qid);
      return h("li", {}, h("a", { href: `#q-${qid}`, onclick: (e) => goTo(e, qid) }, q?.text ?? qid), ": ", h("strong", {}, answerText(q, v)));
    })))));
  $("no-signals").hidden = present.length > 0;
  const positive = r.dimensions.filter((d) => d.positive);
  $("dimensions").replaceChildren(...(positive.length
    ? [h("h4", {}, s.positiveDimensions), h("ul", {}, positive.map((d) => h("li", {}, d.label)))]
    : []));

  const next = nextQuestions();
  $("next").replaceChildren(...next.map((n) => h("li", {},
    h("a", { href: `#q-${n.id}`, onclick: (e) => goTo(e, n.id) }, n.question),
    n.could_raise_to ? h("span", { class: "meta" }, ` (${s.couldRaiseTo(outcomeLabel(n.could_raise_to))})`) : null)));
  $("no-next").hidden = next.length > 0;

  const status = s.status(r.outcome.label, present.length);
  if (status !== state.lastStatus) {
    $("status").textContent = status;
    state.lastStatus = status;
  }
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
  const i = state.set.info;
  $("provenance").replaceChildren(
    h("p", {}, s.provenance(i)),
    h("details", {}, h("summary", {}, s.sources), h("ul", {}, i.sources.map((src) => h("li", {}, src.citation, src.url ? ` ${src.url}` : "")))));
}

// --- print, download, clear ---------------------------------------------------------------

function renderSummary() {
  const s = t();
  const r = state.report;
  const i = state.set.info;
  const answered = state.questionnaire.questions.filter((q) => state.applicable.has(q.id) && state.answers.has(q.id));
  const summary = $("summary");
  summary.replaceChildren(
    h("h1", {}, s.summaryTitle),
    h("p", {}, state.questionnaire.ruleset.title),
    h("p", { class: "muted" }, s.summaryMade(new Date().toLocaleString(state.lang === "nl" ? "nl-NL" : "en-GB"))),
    h("h2", {}, `${s.outcome}: ${r.outcome.label}`),
    r.outcome.may_rise ? h("p", {}, s.couldRise(outcomeLabel(r.outcome.could_rise_to))) : null,
    h("h3", {}, s.advice),
    ...adviceBlocks(r.outcome.advice),
    h("h3", {}, s.signals),
    $("signals").cloneNode(true),
    h("h3", {}, s.answers),
    h("dl", {}, answered.map((q) => {
      const a = state.answers.get(q.id);
      const words = a.kind === "skip" ? s.skipped : a.kind === "unknown" ? s.unknown : answerText(q, a.value);
      return [h("dt", {}, q.text), h("dd", {}, words)];
    })),
    h("p", {}, s.unansweredCount(r.unanswered.length)),
    h("p", { class: "muted" }, s.provenance(i)),
  );
}

function printSummary() {
  renderSummary();
  window.print();
}

function download() {
  const created = new Date();
  // The report is inserted as the engine wrote it (byte-identical to the CLI's JSON).
  const text = `{\n"herken_screening": 1,\n"created": ${JSON.stringify(created.toISOString())},\n"answers": ${JSON.stringify(state.caseSent)},\n"report": ${state.reportJson}\n}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = h("a", { href: url, download: `herken-${state.set.id}-${created.toISOString().slice(0, 10)}.json`, hidden: true });
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
