// Browser tests of the reference intake page (wasm/www) in headless Chromium, driven by
// playwright-core. The page is served from 127.0.0.1 by a tiny server in this file's process;
// every request the browser makes is intercepted, and anything but that server is refused.
//
// Needs scripts/build-wasm.sh to have run, the native parity-cases example built (it supplies
// the expected outcomes) and Debian's chromium (CHROMIUM overrides /usr/bin/chromium).
// Screenshots go to target/wasm-screenshots/. Run: cd wasm && node --test tests/browser.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

const root = new URL("../../", import.meta.url).pathname;
const www = join(root, "wasm/www");
const shots = join(root, "target/wasm-screenshots");
const parityCases = process.env.PARITY_CASES ?? join(root, "target/debug/examples/parity-cases");
const require = createRequire(import.meta.url);
const wasm = require("../pkg/node");

const index = JSON.parse(readFileSync(join(www, "bundles/index.json"), "utf8"));
const DEFAULT = index.default;
const screener = wasm.Screener.fromBundle(readFileSync(join(www, "bundles", `${DEFAULT}.bundle.json`), "utf8"));
const questionnaire = { nl: screener.questions("nl"), en: screener.questions("en") };
const outcomeLabel = (lang, id) => questionnaire[lang].outcomes.find((o) => o.id === id).label;

let server;
let browser;

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await serve(www);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page on the intake form, loaded and ready, with every request recorded; requests to
 *  anything but the test server are aborted (and recorded, so the tests can fail on them). */
async function open({ width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, serviceWorkers: "block" });
  const requests = [];
  const refused = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(server.url)) {
      route.continue();
    } else {
      refused.push(url);
      route.abort();
    }
  });
  context.on("request", (r) => requests.push(r.url()));
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  page.on("dialog", (d) => d.accept());
  await page.goto(server.url);
  await page.waitForSelector("body[data-ready]");
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.textContent("#load-error"));
  return { context, page, requests, refused, problems };
}

const outcome = (page) => page.textContent("#outcome-label");

/** Enters a case through the form, as a person would: clicks and typing. */
async function enter(page, c) {
  for (const [id, value] of Object.entries(c)) {
    const q = questionnaire.nl.questions.find((x) => x.id === id);
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

/** Test cases of the default rule set whose every answer applies (the form hides the others). */
function formCases() {
  const lines = execFileSync(parityCases, [`rules/${DEFAULT}`], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 }).trim().split("\n").map((l) => JSON.parse(l));
  return lines.filter((c) => c.lang === "nl").filter((c) => {
    const applicable = new Set(screener.applicable(c.case));
    return Object.keys(c.case).every((k) => applicable.has(k));
  });
}

test("the page loads from its own folder and shows the form and the outcome", { timeout: 60_000 }, async () => {
  const { context, page, requests, refused, problems } = await open();
  assert.equal(await page.getAttribute("html", "lang"), "nl");
  assert.equal(await page.locator("#questions .q").count(), questionnaire.nl.questions.length);
  assert.equal(await page.locator("#questions .group").count(), questionnaire.nl.groups.length);
  assert.equal(await outcome(page), outcomeLabel("nl", "no_signals"));
  assert.ok((await page.textContent("#advice")).length > 50, "advice is shown before any answer");
  assert.equal(await page.locator("#ruleset option").count(), index.bundles.length);
  assert.deepEqual(refused, []);
  for (const url of requests) assert.ok(url.startsWith(server.url), url);
  assert.deepEqual(problems, []);
  await page.screenshot({ path: join(shots, "page-desktop.png") });
  await context.close();
});

test("answering questions changes the outcome as the rule set says", { timeout: 180_000 }, async () => {
  const cases = formCases();
  const outcomes = new Set(cases.map((c) => JSON.parse(c.report).outcome.id));
  assert.ok(outcomes.size >= 3, `cases with every outcome: ${[...outcomes]}`);
  const { context, page, problems } = await open();
  // One case per outcome, and a few more.
  const chosen = [...new Map(cases.map((c) => [JSON.parse(c.report).outcome.id, c])).values(), ...cases.slice(0, 4)];
  for (const c of chosen) {
    await page.click("#clear");
    assert.equal(await outcome(page), outcomeLabel("nl", "no_signals"), "clear starts afresh");
    await enter(page, c.case);
    const expected = JSON.parse(c.report);
    assert.equal(await outcome(page), expected.outcome.label, c.name);
    const present = expected.indicators.filter((i) => i.state === "present").map((i) => i.label);
    assert.deepEqual(await page.locator("#signals > li .signal").allTextContents(), present, c.name);
    const next = expected.next_questions.slice(0, 5).map((n) => n.id);
    const highlighted = await page.locator("#questions .q.is-next").evaluateAll((els) => els.map((e) => e.dataset.id));
    assert.deepEqual(highlighted.sort(), [...next].sort(), `${c.name}: next questions highlighted`);
  }
  // The answers behind a signal are shown with it.
  await page.click("#clear");
  const [yesno] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
  await page.check(`input[name="a-${yesno.id}"][value="v:true"]`);
  assert.equal(await outcome(page), outcomeLabel("nl", screener.screen({ [yesno.id]: true }).outcome.id));
  assert.match(await page.textContent("#signals"), new RegExp(`${yesno.text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: Ja`));
  // "Don't know" is unknown, never no: the outcome may still rise.
  await page.check(`input[name="a-${yesno.id}"][value="x:unknown"]`);
  assert.equal(await page.isHidden("#outcome-rise"), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a follow-up question appears only when its condition is not false", { timeout: 60_000 }, async () => {
  const follow = questionnaire.nl.questions.find((q) => /^obs\.[a-z0-9_]+$/.test(q.ask_if ?? ""));
  assert.ok(follow, "the default rule set has a follow-up question");
  const on = follow.ask_if.slice(4);
  const { context, page } = await open();
  assert.equal(await page.isVisible(`#q-${follow.id}`), true, "unknown condition: asked");
  await page.check(`input[name="a-${on}"][value="v:false"]`);
  assert.equal(await page.isVisible(`#q-${follow.id}`), false);
  await page.check(`input[name="a-${on}"][value="v:true"]`);
  assert.equal(await page.isVisible(`#q-${follow.id}`), true);
  await context.close();
});

test("the language switch changes every label", { timeout: 60_000 }, async () => {
  const { context, page } = await open();
  const [yesno] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
  await page.check(`input[name="a-${yesno.id}"][value="v:true"]`);
  const dutch = await page.innerText("body");
  await page.click("button[data-lang=en]");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.getAttribute("button[data-lang=en]", "aria-pressed"), "true");
  const english = await page.innerText("body");
  // Every question, group and option in English; the answer kept; the report in English.
  const legends = await page.locator("#questions .q legend, #questions .q label.qtext").allInnerTexts();
  questionnaire.en.questions.forEach((q, i) => assert.ok(legends[i].includes(q.text), `${q.id}: ${legends[i]}`));
  for (const g of questionnaire.en.groups) assert.ok(english.includes(g.title), g.title);
  assert.equal(await page.isChecked(`input[name="a-${yesno.id}"][value="v:true"]`), true);
  assert.equal(await outcome(page), outcomeLabel("en", screener.screen({ [yesno.id]: true }).outcome.id));
  // No Dutch left: none of the Dutch page's lines (rule-set texts, labels, buttons) remains.
  const englishLines = new Set(english.split("\n").map((l) => l.trim()));
  const leftovers = dutch.split("\n").map((l) => l.trim()).filter((l) => l.length > 2 && englishLines.has(l))
    .filter((l) => !/^[\d\s().,:/-]+$/.test(l) && !l.startsWith("herken") && !/^(Nederlands|English)$/.test(l));
  assert.deepEqual(leftovers, [], "lines that stayed Dutch");
  for (const word of ["Weet niet", "Overslaan", "Uitkomst", "Vraag hierna", "Alles wissen"]) assert.ok(!english.includes(word), word);
  await page.click("button[data-lang=nl]");
  assert.equal(await page.innerText("body"), dutch, "and back");
  await context.close();
});

test("the form can be completed with the keyboard alone", { timeout: 180_000 }, async () => {
  const { context, page, problems } = await open();
  const focusVisible = [];
  let answered = 0;
  for (let i = 0; i < 3000; i++) {
    await page.keyboard.press("Tab");
    const f = await page.evaluate(() => {
      const el = document.activeElement;
      const q = el.closest(".q");
      const ring = el.closest(".opt") ?? el;
      const style = getComputedStyle(ring);
      return {
        id: el.id, tag: el.tagName, type: el.type ?? "", qid: q?.dataset.id ?? null,
        answered: q ? q.classList.contains("is-answered") : null, unknownBox: el.closest(".opt-unknown") != null,
        ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
      };
    });
    focusVisible.push(f.ring || f.id === "panel");
    if (f.id === "download") break;
    if (!f.qid || f.answered || f.unknownBox) continue;
    if (f.type === "radio" || f.type === "checkbox") await page.keyboard.press("Space");
    else if (f.type === "number") await page.keyboard.type("70");
    else if (f.tag === "TEXTAREA") await page.keyboard.type("paspoort afgenomen");
    answered += 1;
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), "download", "Tab reaches the actions");
  const applicable = await page.locator("#questions .q:not([hidden])").count();
  assert.equal(answered, applicable, "every question that applies was answered");
  assert.equal(await page.locator("#questions .q:not([hidden]):not(.is-answered)").count(), 0);
  // Every answer the first option ("yes"): the highest outcome.
  const levels = questionnaire.nl.outcomes;
  assert.equal(await outcome(page), levels[levels.length - 1].label);
  assert.ok(focusVisible.every(Boolean), "the focused control always shows a focus ring");
  // The actions work from the keyboard: download (a Blob, no request) ...
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  const saved = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(saved.report.outcome.label, levels[levels.length - 1].label);
  assert.equal(Object.keys(saved.answers).length, applicable);
  // ... and clear (confirmed), which wipes every answer and puts focus on the first question.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "clear");
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("#questions .q.is-answered").count(), 0);
  assert.equal(await page.locator("#questions input:checked").count(), 0);
  assert.equal(await outcome(page), outcomeLabel("nl", "no_signals"));
  assert.ok(await page.evaluate(() => document.activeElement.closest(".q") != null));
  assert.deepEqual(problems, []);
  await context.close();
});

test("no request after the page has loaded, and nothing is stored", { timeout: 120_000 }, async () => {
  const { context, page, requests, refused } = await open();
  const loaded = requests.length;
  const expected = ["", "style.css", "app.js", "pkg/herken_wasm.js", "pkg/herken_wasm_bg.wasm", "bundles/index.json", ...index.bundles.map((b) => `bundles/${b.file}`)];
  assert.deepEqual(requests.map((u) => u.slice(server.url.length)).sort(), expected.sort());
  // Use everything: answers, both languages, every rule set, print, download, clear.
  const cases = formCases();
  await enter(page, cases[0].case);
  await page.click("button[data-lang=en]");
  for (const b of index.bundles) await page.selectOption("#ruleset", b.id);
  await page.selectOption("#ruleset", DEFAULT);
  await page.click("button[data-lang=nl]");
  await enter(page, cases[cases.length - 1].case);
  await page.evaluate(() => { window.print = () => { window.printed = true; }; });
  await page.click("#print");
  assert.equal(await page.evaluate(() => window.printed), true);
  await page.emulateMedia({ media: "print" });
  assert.ok(await page.isVisible("#summary"), "the summary prints");
  assert.equal(await page.isVisible("#form"), false);
  await page.emulateMedia({ media: "screen" });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.match(download.suggestedFilename(), /^herken-.*\.json$/);
  await page.click("#clear");
  await page.waitForTimeout(500);
  const network = requests.slice(loaded).filter((u) => !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(network, [], "requests after load");
  assert.deepEqual(refused, []);
  const stored = await page.evaluate(async () => ({
    local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
    databases: (await indexedDB.databases()).length, caches: (await caches.keys()).length,
  }));
  assert.deepEqual(stored, { local: 0, session: 0, cookie: "", databases: 0, caches: 0 });
  const cookies = await context.cookies();
  assert.deepEqual(cookies, []);
  await context.close();
});

test("it never says victim without possible, in any outcome or language", { timeout: 120_000 }, async () => {
  const { context, page } = await open();
  const seen = new Set();
  for (const c of formCases()) {
    const id = JSON.parse(c.report).outcome.id;
    if (seen.has(id)) continue;
    seen.add(id);
    await page.click("#clear");
    await enter(page, c.case);
    for (const lang of ["nl", "en"]) {
      await page.click(`button[data-lang=${lang}]`);
      const text = (await page.innerText("body")).toLowerCase();
      const bare = lang === "en"
        ? [...text.matchAll(/(\p{L}+\s+)?victims?\b/gu)].filter((m) => !/^possible\s/.test(m[1] ?? ""))
        : [...text.matchAll(/(\p{L}+\s+)?slachtoffers?\b/gu)].filter((m) => !/^mogelijke?\s/.test(m[1] ?? ""));
      assert.deepEqual(bare.map((m) => m[0]), [], `${id} [${lang}]`);
    }
    await page.click("button[data-lang=nl]");
  }
  assert.ok(seen.size >= 3);
  await context.close();
});

test("accessible: labelled controls, contrast, a 360-pixel screen", { timeout: 60_000 }, async () => {
  for (const [name, width, height] of [["desktop", 1280, 900], ["phone", 360, 740]]) {
    const { context, page } = await open({ width, height });
    await enter(page, formCases()[0].case);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select, textarea, button")]
      .filter((el) => !el.closest("[hidden]"))
      .filter((el) => {
        const label = el.closest("label") ?? (el.id && document.querySelector(`label[for="${el.id}"]`));
        const text = (label?.textContent ?? el.getAttribute("aria-label") ?? el.textContent ?? "").trim();
        return text.length === 0;
      }).map((el) => el.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, []);
    assert.equal(await page.evaluate(() => [...document.querySelectorAll("fieldset")].filter((f) => !f.querySelector("legend")).length), 0);
    // WCAG AA contrast for every visible text (4.5:1; 3:1 for large text).
    const low = await page.evaluate(() => {
      const rgb = (s) => (s.match(/[\d.]+/g) ?? []).map(Number);
      const lum = ([r, g, b]) => {
        const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
      };
      const background = (el) => {
        for (let e = el; e; e = e.parentElement) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const out = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!n.textContent.trim() || !el.checkVisibility()) continue;
        const s = getComputedStyle(el);
        const [a, b] = [lum(rgb(s.color)), lum(background(el))];
        const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) out.push(`${n.textContent.trim().slice(0, 40)}: ${ratio.toFixed(2)}`);
      }
      return out;
    });
    assert.deepEqual(low, [], `${name}: text below AA contrast`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name}: no sideways scrolling`);
    await page.screenshot({ path: join(shots, `form-${name}.png`) });
    await page.locator("#panel").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `panel-${name}.png`) });
    await context.close();
  }
});

test("screenshots are saved", () => {
  for (const f of ["page-desktop.png", "form-desktop.png", "form-phone.png", "panel-phone.png"]) assert.ok(existsSync(join(shots, f)), f);
  assert.ok(readdirSync(shots).length >= 4);
});
