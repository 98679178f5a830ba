// What the browser tests of the intake page share: the server (scripts/serve-page.mjs, on
// 127.0.0.1), Chromium (playwright-core driving Debian's /usr/bin/chromium), a fresh page with
// every request recorded, the native engine's reports to compare with, entering a case through
// the form, and axe-core.
//
// Needs scripts/build-wasm.sh to have run, the native parity-cases example and the CLI built
// (they supply the expected outcomes; PARITY_CASES and HERKEN override their paths) and Debian's
// chromium (CHROMIUM overrides /usr/bin/chromium). Screenshots go to target/wasm-screenshots/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../../scripts/serve-page.mjs";

export const root = new URL("../../", import.meta.url).pathname;
export const www = join(root, "wasm/www");
export const shots = join(root, "target/wasm-screenshots");
const parityCases = process.env.PARITY_CASES ?? join(root, "target/debug/examples/parity-cases");
const herken = process.env.HERKEN ?? join(root, "target/debug/herken");
const require = createRequire(import.meta.url);
const wasm = require("../pkg/node");

export const index = JSON.parse(readFileSync(join(www, "bundles/index.json"), "utf8"));
export const DEFAULT = index.default;
// The second set of the tests with several sets: it shares most of its questions with the
// default set and asks a few of its own.
export const SECOND = "nl-arbeidsuitbuiting";
export const screeners = new Map(index.bundles.map((b) => [b.id, wasm.Screener.fromBundle(readFileSync(join(www, "bundles", b.file), "utf8"))]));
export const screener = screeners.get(DEFAULT);
export const questionnaire = { nl: screener.questions("nl"), en: screener.questions("en") };
export const outcomeLabel = (lang, id, set = DEFAULT) => screeners.get(set).questions(lang).outcomes.find((o) => o.id === id).label;
/** Every question of every bundled set, by id (the sets share one vocabulary). */
export const allQuestions = new Map([...screeners.values()].flatMap((s) => s.questions("nl").questions.map((q) => [q.id, q])));
export const idsOf = (id) => screeners.get(id).questions("nl").questions.map((q) => q.id);
/** The age question: the page asks it first, on its own, and chooses the sets by it. */
export const AGE = "under_18";
/** Whether a question is for the interviewer alone (`audience: interviewer`). */
export const forInterviewer = (id) => allQuestions.get(id)?.audience === "interviewer";
/** The order the page asks questions in, from a set's (or the merged sets') order: the age
 *  question first, then those put to the person, then those for the interviewer alone. */
export const pageOrder = (ids) => [
  ...ids.filter((id) => id === AGE),
  ...ids.filter((id) => id !== AGE && !forInterviewer(id)),
  ...ids.filter((id) => id !== AGE && forInterviewer(id)),
];
/** The page's sections from the groups of the merged sets, [[group id, question ids]]: the age
 *  first, each group with the questions put to the person (a group left empty goes), then the
 *  section for the interviewer alone. */
export function pageGroups(groups) {
  const all = groups.flatMap(([, ids]) => ids);
  const interviewer = all.filter((id) => id !== AGE && forInterviewer(id));
  return [
    ...(all.includes(AGE) ? [["age", [AGE]]] : []),
    ...groups.map(([g, ids]) => [g, ids.filter((id) => id !== AGE && !forInterviewer(id))]).filter(([, ids]) => ids.length > 0),
    ...(interviewer.length ? [["for-interviewer", interviewer]] : []),
  ];
}
/** The page's words for an outcome before anything is asked. */
export const NOT_YET = { nl: "Nog niets beantwoord", en: "Nothing answered yet" };

export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

let server;
let browser;

/** Starts the server and the browser; call in before(). */
export async function startBrowser() {
  mkdirSync(shots, { recursive: true });
  server = await serve(www);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  return { server, browser };
}

/** Stops both; call in after(). */
export async function stopBrowser() {
  await browser?.close();
  await server?.close();
}

/** A fresh page on the intake form, loaded and ready, with every request recorded; requests to
 *  anything but the test server are aborted (and recorded, so the tests can fail on them).
 *  `route(route, path)` may answer a request of the server's itself (return true when it did).
 *  Service workers are blocked unless `serviceWorkers` is "allow". `base`: another server's URL. */
export async function open({ width = DESKTOP.width, height = DESKTOP.height, ready = "true", route: handle, serviceWorkers = "block", permissions = [], base = server.url } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, serviceWorkers, permissions });
  const requests = [];
  const refused = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (!url.startsWith(base)) {
      refused.push(url);
      return route.abort();
    }
    if (handle && (await handle(route, url.slice(base.length)))) return undefined;
    return route.continue();
  });
  context.on("request", (r) => requests.push(r.url()));
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("dialog", (d) => d.accept());
  await page.goto(base);
  await page.waitForSelector("body[data-ready]");
  if (ready) assert.equal(await page.getAttribute("body", "data-ready"), ready, await page.textContent("#load-error"));
  return { context, page, requests, refused, problems };
}

/** The outcome card of a set in the live panel. */
export const card = (id = DEFAULT) => `#panel .card[data-set="${id}"]`;
export const outcome = (page, id = DEFAULT) => page.textContent(`${card(id)} .outcome-label`);
export const signals = (page, id = DEFAULT) => page.locator(`${card(id)} .signals > li .signal`).allTextContents();
export const highlighted = async (page) => (await page.locator("#questions .q.is-next").evaluateAll((els) => els.map((e) => e.dataset.id))).sort();
/** The signals a report has: present indicators, less the context (weight 0), which is no signal. */
export const present = (report) => report.indicators.filter((i) => i.state === "present" && i.weight !== 0).map((i) => i.label);
export const cards = (page) => page.locator("#panel .card").evaluateAll((els) => els.map((e) => e.dataset.set));
/** The next questions the page highlights for a report: the engine's, less those answered (a
 *  "don't know" is asked: it is not proposed again), five at most. */
export const expectedNext = (report, c) => report.next_questions.filter((n) => !(n.id in c)).slice(0, 5).map((n) => n.id);

/** The native engine's reports on a case, one per set in the order given:
 *  `herken screen --rules a,b --format json`. */
export function native(ids, c, lang = "nl") {
  const out = execFileSync(herken, ["screen", "--format", "json", "--lang", lang, "--rules", ids.map((id) => `rules/${id}`).join(","), "-"],
    { cwd: root, input: JSON.stringify(c), encoding: "utf8" });
  return JSON.parse(out); // always a list, one report per set
}

/** Chooses (or unchooses) a rule set with its checkbox, unfolding the choice where it is folded. */
export async function chooseSet(page, id, on = true) {
  if (!(await page.isVisible(`#set-${id}`))) await page.click("#sets-summary");
  await page.setChecked(`#set-${id}`, on);
}

/** Enters a case through the form, as a person would: clicks and typing. */
export async function enter(page, c) {
  for (const [id, value] of Object.entries(c)) {
    const q = allQuestions.get(id);
    if (value === null) {
      if (q.type === "integer" || q.type === "number" || q.type === "choices") await page.check(`#q-${id} .opt-unknown input`);
      else if (q.type === "text") continue;
      else await page.check(`input[name="a-${id}"][value="x:unknown"]`);
    } else if (q.type === "yesno" || q.type === "choice") {
      await page.check(`input[name="a-${id}"][value="v:${value}"]`);
    } else if (q.type === "integer" || q.type === "number") {
      await page.fill(`#in-${id}`, String(value));
    } else if (q.type === "choices") {
      for (const v of value) await page.check(`#q-${id} input[value="${v}"]`);
    } else {
      await page.fill(`#in-${id}`, value);
    }
  }
}

/** Test cases of a rule set (by default the default set) whose every answer applies (the form
 *  hides the others), with the native engine's report. */
export function formCases(id = DEFAULT) {
  const lines = execFileSync(parityCases, [`rules/${id}`], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n").map((l) => JSON.parse(l));
  return lines.filter((c) => c.lang === "nl").filter((c) => {
    const applicable = new Set(screeners.get(id).applicable(c.case));
    return Object.keys(c.case).every((k) => applicable.has(k));
  });
}

export const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// --- axe-core ---------------------------------------------------------------------------------

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/** Runs axe-core (WCAG 2.1 A and AA, and best practice) on the page as it is; fails with every
 *  violation and where. The page's Content-Security-Policy forbids injected scripts, so axe is
 *  evaluated through the DevTools protocol, as a browser extension would run it. */
export async function assertAxe(page, state) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")}`);
  }, AXE_TAGS);
  assert.deepEqual(violations, [], `axe: ${state}`);
}

/** Every control on screen (links, buttons, summaries, fields; a radio or a checkbox by its
 *  label) smaller than 44×44 CSS pixels, as "what: width×height". */
export function smallTargets(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll("a[href], button, summary, input, select, textarea")) {
      if (!el.checkVisibility() || el.closest(".visually-hidden, [aria-hidden=true]")) continue;
      const target = (el.type === "radio" || el.type === "checkbox") ? el.closest("label") ?? el : el;
      const r = target.getBoundingClientRect();
      if (r.width < 44 || r.height < 43.5) out.push(`${(target.textContent || target.id || target.outerHTML).trim().slice(0, 40)}: ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
    return out;
  });
}
