// Browser tests: the intake page survives real use. A bundle that is missing, damaged or out of
// reach disables that set only; when nothing can load the page says why, in the language chosen;
// a reload asks before it loses answers; the case reference, notes and a summary to copy for the
// case file; an unknown answer is never evidence; offline after the first visit, installable;
// served compressed from 127.0.0.1 only. Helpers: browser-helpers.mjs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { serve } from "../../scripts/serve-page.mjs";
import {
  DEFAULT, NOT_YET, PHONE, SECOND, assertAxe, card, chooseSet, enter, escape, formCases, index, native, open, outcome,
  outcomeLabel, questionnaire, screener, screeners, shots, signals, startBrowser, stopBrowser, www,
} from "./browser-helpers.mjs";

before(startBrowser);
after(stopBrowser);

const others = index.bundles.filter((b) => b.id !== DEFAULT);
const [MISSING, DAMAGED, UNREACHABLE] = others;
const titleOf = (id, lang = "nl") => index.bundles.find((b) => b.id === id).title[lang];

/** A bundle with one character of its rule-set text changed: its sha256 no longer holds. */
function damaged(file) {
  const bundle = JSON.parse(readFileSync(join(www, "bundles", file), "utf8"));
  bundle.files["ruleset.yaml"] = bundle.files["ruleset.yaml"].replace("title:", "title: ");
  return JSON.stringify(bundle);
}

/** Answers requests for bundles as `how` says: id → "missing" | "damaged" | "unreachable". */
const breaking = (how) => async (route, path) => {
  const b = index.bundles.find((x) => path === `bundles/${x.file}`);
  const what = b && how[b.id];
  if (!what) return false;
  if (what === "missing") await route.fulfill({ status: 404, contentType: "text/plain", body: "not found" });
  else if (what === "damaged") await route.fulfill({ status: 200, contentType: "application/json", body: damaged(b.file) });
  else await route.abort("connectionrefused");
  return true;
};

const wide = (page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
const webServer = /web ?server/i;

test("a missing, damaged or unreachable bundle disables that set only, with the reason, in both languages", { timeout: 120_000 }, async () => {
  const { context, page, problems } = await open({
    ...PHONE, route: breaking({ [MISSING.id]: "missing", [DAMAGED.id]: "damaged", [UNREACHABLE.id]: "unreachable" }),
  });
  // The default set works as ever.
  const [yesno] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
  await page.check(`input[name="a-${yesno.id}"][value="v:true"]`);
  assert.equal(await outcome(page), outcomeLabel("nl", screener.screen({ [yesno.id]: true }).outcome.id));
  // In the discreet view (on by default on a phone) the notice gives their number only; the
  // choice of sets names them.
  assert.equal(await page.textContent("#set-failures"), "3 indicatorensets zijn niet beschikbaar; de reden staat bij de keuze van de sets.");
  await page.click("#discreet-toggle");
  // Each failed set: in the choice, disabled, with its own reason; the others can be chosen.
  await page.click("#sets-summary");
  const reasons = {
    nl: { [MISSING.id]: "ontbreekt op de server (HTTP 404)", [DAMAGED.id]: "beschadigd of gewijzigd", [UNREACHABLE.id]: "kon niet worden opgehaald" },
    en: { [MISSING.id]: "missing on the server (HTTP 404)", [DAMAGED.id]: "damaged or was changed", [UNREACHABLE.id]: "could not be fetched" },
  };
  for (const lang of ["nl", "en"]) {
    await page.click(`button[data-lang=${lang}]`);
    for (const [id, words] of Object.entries(reasons[lang])) {
      assert.equal(await page.isDisabled(`#set-${id}`), true, id);
      assert.match(await page.textContent(`#set-${id}-failed`), new RegExp(escape(words)), `${id} [${lang}]`);
      assert.match(await page.textContent("#set-failures"), new RegExp(`${escape(titleOf(id, lang))}: [^\\n]*${escape(words)}`), `${id} [${lang}]`);
    }
    const body = await page.innerText("body");
    assert.doesNotMatch(body, webServer, "no advice to use a web server: it was served");
    assert.equal(await wide(page), false, `nothing wider than the phone [${lang}]`);
    await assertAxe(page, `sets that failed [${lang}]`);
  }
  await page.click("button[data-lang=nl]");
  await chooseSet(page, SECOND);
  assert.deepEqual(await page.locator("#panel .card").evaluateAll((els) => els.map((e) => e.dataset.set)), [DEFAULT, SECOND]);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, "failed-sets-phone.png") });
  assert.deepEqual(problems.filter((p) => !p.startsWith("console: Failed to load resource")), []);
  await context.close();
});

test("a damaged default set: the page starts with the first set that loads", { timeout: 60_000 }, async () => {
  const { context, page } = await open({ route: breaking({ [DEFAULT]: "damaged" }) });
  const first = index.bundles.find((b) => b.id !== DEFAULT).id;
  assert.deepEqual(await page.locator("#panel .card").evaluateAll((els) => els.map((e) => e.dataset.set)), [first]);
  assert.equal(await page.isDisabled(`#set-${DEFAULT}`), true);
  assert.equal(await outcome(page, first), NOT_YET.nl);
  await context.close();
});

test("when nothing can load, the page says why, in the language chosen, on a phone too", { timeout: 120_000 }, async () => {
  const allMissing = Object.fromEntries(index.bundles.map((b) => [b.id, "missing"]));
  const cases = [
    ["every bundle missing", breaking(allMissing), /Geen enkele indicatorenset kon laden/, /No indicator set could load/],
    ["no list of sets", async (route, path) => path === "bundles/index.json" && (await route.fulfill({ status: 404, body: "" }), true),
      /De lijst van indicatorensets kon niet laden/, /The list of indicator sets could not load/],
    ["no module", async (route, path) => ["pkg/herken_lean_bg.wasm", "pkg/herken_wasm_bg.wasm"].includes(path) && (await route.fulfill({ status: 404, body: "" }), true),
      /De rekenmodule van de pagina kon niet laden/, /The page's screening module could not load/],
  ];
  for (const [name, route, nl, en] of cases) {
    const { context, page } = await open({ ...PHONE, route, ready: "error" });
    assert.match(await page.textContent("#load-error"), nl, name);
    if (name === "every bundle missing") {
      for (const b of index.bundles) assert.ok((await page.textContent("#load-error")).includes(`${b.title.nl}: het bestand ontbreekt op de server (HTTP 404).`), b.id);
    }
    assert.doesNotMatch(await page.innerText("body"), webServer, name);
    assert.equal(await wide(page), false, `${name}: nothing wider than the phone`);
    await assertAxe(page, `${name} [nl]`);
    // The language buttons still work.
    await page.click("button[data-lang=en]");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    assert.match(await page.textContent("#load-error"), en, name);
    assert.equal(await page.textContent(".emergency"), "Acute danger? Call 112.");
    await assertAxe(page, `${name} [en]`);
    await page.screenshot({ path: join(shots, `load-error-${name.replaceAll(" ", "-")}.png`) });
    await context.close();
  }
});

test("a reload or a closed tab asks first, only while something was entered", { timeout: 120_000 }, async () => {
  const { context, page } = await open();
  const dialogs = [];
  page.on("dialog", (d) => dialogs.push(d.type()));
  const reload = async () => {
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
  };
  const [yesno] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
  await page.click("button[data-lang=nl]"); // the page has had a click: a browser may ask from now on
  await reload();
  assert.deepEqual(dialogs, [], "nothing entered: no question");
  await page.check(`input[name="a-${yesno.id}"][value="v:true"]`);
  await reload();
  assert.deepEqual(dialogs, ["beforeunload"], "an answer: asked");
  // After clearing (confirmed) there is nothing to lose.
  await page.check(`input[name="a-${yesno.id}"][value="x:unknown"]`);
  await page.click("#clear");
  assert.deepEqual(dialogs, ["beforeunload", "confirm"]);
  await reload();
  assert.deepEqual(dialogs, ["beforeunload", "confirm"], "cleared: no question");
  // The reference or the notes alone are worth keeping too; closing the tab asks as well.
  await page.fill("#case-notes", "Tolk aanwezig.");
  await page.close({ runBeforeUnload: true });
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.deepEqual(dialogs, ["beforeunload", "confirm", "beforeunload"], "notes: asked before closing");
  await context.close();
});

/** A question of the default set whose "yes" makes an indicator present that also read another
 *  question, still unknown: {question, other, indicator}. */
function presentWithUnknown() {
  for (const q of questionnaire.nl.questions.filter((x) => x.type === "yesno" && !x.ask_if)) {
    const report = screener.screen({ [q.id]: true });
    for (const i of report.indicators.filter((x) => x.state === "present")) {
      const other = Object.entries(i.reads).find(([id, v]) => v === null && id !== q.id && questionnaire.nl.questions.find((x) => x.id === id && !x.ask_if && x.type === "yesno"));
      if (other) return { question: q, other: questionnaire.nl.questions.find((x) => x.id === other[0]), indicator: i };
    }
  }
  return null;
}

test("an unknown answer is never listed as evidence under a signal", { timeout: 60_000 }, async () => {
  const found = presentWithUnknown();
  assert.ok(found, "an indicator that holds on one answer while it reads another, unknown");
  const { question, other, indicator } = found;
  const { context, page } = await open({ permissions: ["clipboard-read", "clipboard-write"] });
  await page.check(`input[name="a-${question.id}"][value="v:true"]`);
  await page.check(`input[name="a-${other.id}"][value="x:unknown"]`);
  const report = screener.screen({ [question.id]: true, [other.id]: null });
  assert.equal(report.indicators.find((i) => i.id === indicator.id).reads[other.id], null, "the engine read the unknown answer");
  const item = page.locator(`${card()} .signals > li`).filter({ hasText: indicator.label });
  assert.deepEqual(await item.locator(".because li").allInnerTexts(), [`${question.text}: Ja`]);
  await page.click("#copy");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(copied.includes(`op grond van: ${question.text}: Ja`), copied);
  assert.ok(!copied.includes(`op grond van: ${other.text}`), "not in the copy either");
  await context.close();
});

test("for the case file: a reference and notes, a summary to copy, print and download", { timeout: 120_000 }, async () => {
  const { context, page, problems } = await open({ permissions: ["clipboard-read", "clipboard-write"] });
  await chooseSet(page, SECOND);
  const c = formCases().find((x) => JSON.parse(x.report).outcome.level > 0).case;
  await enter(page, c);
  await page.fill("#case-ref", "ZAAK-2025-0042");
  await page.fill("#case-notes", "Gesprek op de werkplek.\nTolk: eigen tolk van de inspectie.");
  await page.click("#copy");
  await page.waitForFunction(() => document.querySelector("#copy-status").textContent !== "", null, { timeout: 10_000 });
  assert.equal(await page.textContent("#copy-status"), "De samenvatting is gekopieerd. Plak haar in het dossier.");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const reports = native([DEFAULT, SECOND], c);
  assert.ok(copied.startsWith("Samenvatting screening\nReferentie: ZAAK-2025-0042\n"), copied);
  assert.ok(copied.includes("Een screeningssignaal, geen identificatie."));
  for (const [i, r] of reports.entries()) {
    assert.ok(copied.includes(`Set ${i + 1}: ${screeners.get(r.ruleset.id).info().title.nl}\nUitkomst: ${r.outcome.label}`), r.ruleset.id);
    for (const s of r.indicators.filter((x) => x.state === "present")) assert.ok(copied.includes(`- ${s.label} (`), s.id);
    assert.ok(copied.includes(`${r.ruleset.id} ${r.ruleset.version}`), "provenance");
  }
  for (const id of Object.keys(c)) assert.ok(copied.includes(`- ${questionnaire.nl.questions.find((q) => q.id === id)?.text ?? ""}`), id);
  assert.ok(copied.endsWith("Notities:\nGesprek op de werkplek.\nTolk: eigen tolk van de inspectie.\n"), copied);
  // The printed summary has them too.
  await page.evaluate(() => { window.print = () => {}; });
  await page.click("#print");
  const summary = await page.innerText("#summary", { timeout: 1000 }).catch(() => page.textContent("#summary"));
  assert.ok(summary.includes("ZAAK-2025-0042") && summary.includes("Tolk: eigen tolk van de inspectie."), summary);
  // The download: the reference and notes beside the answers and the engine's reports.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const saved = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(saved.reference, "ZAAK-2025-0042");
  assert.equal(saved.notes, "Gesprek op de werkplek.\nTolk: eigen tolk van de inspectie.");
  assert.deepEqual(saved.reports, native([DEFAULT, SECOND], saved.answers));
  // In English, the copy is English.
  await page.click("button[data-lang=en]");
  await page.click("#copy");
  const english = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(english.startsWith("Screening summary\nReference: ZAAK-2025-0042\n"), english);
  assert.ok(english.includes(`Outcome: ${native([DEFAULT, SECOND], c, "en")[0].outcome.label}`));
  await assertAxe(page, "copied [en]");
  // Clearing clears them too.
  await page.click("#clear");
  assert.equal(await page.inputValue("#case-ref"), "");
  assert.equal(await page.inputValue("#case-notes"), "");
  assert.equal(await page.textContent("#copy-status"), "");
  assert.deepEqual(problems, []);
  await context.close();
});

test("offline after the first visit: the service worker keeps the page's own files, nothing else", { timeout: 120_000 }, async () => {
  // A server of this test's own, stopped halfway: the reload must not reach any server.
  const own = await serve(www);
  const { context, page, requests, refused, problems } = await open({ serviceWorkers: "allow", base: own.url });
  await page.waitForFunction(() => navigator.serviceWorker.controller != null, null, { timeout: 30_000 });
  const list = JSON.parse(readFileSync(join(www, "offline-files.js"), "utf8").match(/^const OFFLINE_FILES = (.*);$/m)[1]);
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const keys = names.length === 1 ? (await (await caches.open(names[0])).keys()).map((r) => r.url) : [];
    return { names, keys };
  });
  assert.equal(cached.names.length, 1, "one cache");
  assert.match(cached.names[0], /^herken-page-[0-9a-f]{16}$/);
  assert.deepEqual(cached.keys.map((u) => u.slice(own.url.length)).sort(), [...list].sort(), "exactly the page's files");
  for (const f of ["index.html", "app.js", "pkg/herken_lean_bg.wasm", "bundles/index.json", ...index.bundles.map((b) => `bundles/${b.file}`)]) {
    assert.ok(list.includes(f), f);
  }
  assert.deepEqual(refused, []);
  for (const url of requests) assert.ok(url.startsWith(own.url), url);
  // No server any more, and the browser offline: the page loads and screens from its cache.
  await own.close();
  await context.setOffline(true);
  const before = own.requests.length;
  await page.reload();
  await page.waitForSelector("body[data-ready]");
  assert.equal(await page.getAttribute("body", "data-ready"), "true", await page.textContent("#load-error"));
  assert.equal(await page.isHidden("#set-failures"), true, "every set loaded");
  const [yesno] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
  await page.check(`input[name="a-${yesno.id}"][value="v:true"]`);
  assert.equal(await outcome(page), outcomeLabel("nl", screener.screen({ [yesno.id]: true }).outcome.id));
  await chooseSet(page, SECOND);
  assert.deepEqual(await signals(page, SECOND), native([DEFAULT, SECOND], { [yesno.id]: true })[1].indicators.filter((i) => i.state === "present").map((i) => i.label));
  assert.equal(own.requests.length, before, "no request reached a server");
  // A new tab, offline, opens too.
  const second = await context.newPage();
  await second.goto(own.url);
  await second.waitForSelector("body[data-ready]");
  assert.equal(await second.getAttribute("body", "data-ready"), "true");
  assert.deepEqual(refused, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("installable to a phone's home screen: a web app manifest with icons drawn here", { timeout: 60_000 }, async () => {
  const manifest = JSON.parse(readFileSync(join(www, "manifest.webmanifest"), "utf8"));
  assert.equal(manifest.display, "standalone");
  assert.equal(manifest.start_url, "./");
  for (const icon of manifest.icons) assert.match(readFileSync(join(www, icon.src), "utf8"), /^<svg /, icon.src);
  // Chromium's own verdict, in a profile of its own (installing is not possible in a private
  // window, which is what a test context is).
  const own = await serve(www);
  const profile = mkdtempSync(join(tmpdir(), "herken-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    viewport: PHONE,
  });
  try {
    const page = await context.newPage();
    await page.goto(own.url);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForFunction(() => navigator.serviceWorker.controller != null, null, { timeout: 30_000 });
    const cdp = await context.newCDPSession(page);
    const { errors, url } = await cdp.send("Page.getAppManifest");
    assert.ok(url.endsWith("/manifest.webmanifest"), url);
    assert.deepEqual(errors, []);
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    assert.deepEqual(installabilityErrors, [], "Chromium would install it");
    // (Without the manifest it would not: the check can fail.)
    // Chromium notices the removed link when it next looks, not at once: ask until it answers
    // (a few seconds at most), then its answer must be exactly "no manifest".
    await page.evaluate(() => document.querySelector("link[rel=manifest]").remove());
    let without = [];
    for (let i = 0; i < 50 && without.length === 0; i++) {
      if (i > 0) await page.waitForTimeout(200);
      without = (await cdp.send("Page.getInstallabilityErrors")).installabilityErrors.map((e) => e.errorId);
    }
    assert.deepEqual(without, ["no-manifest"]);
  } finally {
    await context.close();
    await own.close();
  }
});

/** GET `path` (sent as it is, not normalised) from a server with the Accept-Encoding given:
 *  {status, headers, body}. */
const fetchRaw = (base, path, encoding) => new Promise((resolve, reject) => {
  const { hostname, port } = new URL(base);
  get({ hostname, port, path: `/${path}`, headers: encoding ? { "accept-encoding": encoding } : {} }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
  }).on("error", reject);
});

test("served compressed: the build's .br and .gz go out with their Content-Encoding, from 127.0.0.1 only", { timeout: 60_000 }, async () => {
  const own = await serve(www);
  try {
    assert.match(own.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const list = JSON.parse(readFileSync(join(www, "offline-files.js"), "utf8").match(/^const OFFLINE_FILES = (.*);$/m)[1]);
    for (const f of [...list, "sw.js", "offline-files.js"]) {
      const plain = readFileSync(join(www, f));
      const br = await fetchRaw(own.url, f, "gzip, deflate, br");
      assert.equal(br.headers["content-encoding"], "br", f);
      assert.equal(br.headers.vary, "Accept-Encoding");
      assert.ok(brotliDecompressSync(br.body).equals(plain), `${f}: brotli`);
      const gz = await fetchRaw(own.url, f, "gzip");
      assert.equal(gz.headers["content-encoding"], "gzip", f);
      assert.ok(gunzipSync(gz.body).equals(plain), `${f}: gzip`);
      const none = await fetchRaw(own.url, f, null);
      assert.equal(none.headers["content-encoding"], undefined, f);
      assert.ok(none.body.equals(plain), `${f}: as it is`);
    }
    for (const name of ["herken_lean", "herken_wasm"]) {
      const wasm = await fetchRaw(own.url, `pkg/${name}_bg.wasm`, "br");
      assert.equal(wasm.headers["content-type"], "application/wasm");
      assert.ok(wasm.body.length < readFileSync(join(www, `pkg/${name}_bg.wasm`)).length / 2, `${name}: the module goes out at less than half its size`);
    }
    assert.equal((await fetchRaw(own.url, "manifest.webmanifest", null)).headers["content-type"], "application/manifest+json");
    assert.equal((await fetchRaw(own.url, "../Cargo.toml", null)).status, 404, "nothing outside the folder (the path is normalised)");
    assert.equal((await fetchRaw(own.url, "..%2fCargo.toml", null)).status, 403, "nothing outside the folder");
    // Chromium asks for and gets compressed files.
    const { context, page } = await open({ base: own.url });
    await page.waitForSelector("body[data-ready=true]");
    const wasmRequest = own.requests.find((r) => r.path === "/pkg/herken_lean_bg.wasm");
    assert.ok(["br", "gzip"].includes(wasmRequest.encoding), JSON.stringify(wasmRequest));
    await context.close();
    // Not on any other interface of this machine.
    const port = new URL(own.url).port;
    const addresses = Object.values(networkInterfaces()).flat().filter((a) => a.family === "IPv4" && !a.internal).map((a) => a.address);
    for (const address of addresses) {
      await assert.rejects(fetchRaw(`http://${address}:${port}/`, "index.html", null), /ECONNREFUSED/, address);
    }
  } finally {
    await own.close();
  }
  // A file edited after the build goes out as it is, never as its older compressed copy.
  const dir = mkdtempSync(join(tmpdir(), "herken-serve-"));
  writeFileSync(join(dir, "a.js"), "old");
  writeFileSync(join(dir, "a.js.br"), "stale");
  utimesSync(join(dir, "a.js.br"), new Date(2000, 0, 1), new Date(2000, 0, 1));
  const stale = await serve(dir);
  try {
    const r = await fetchRaw(stale.url, "a.js", "br");
    assert.equal(r.headers["content-encoding"], undefined);
    assert.equal(r.body.toString(), "old");
  } finally {
    await stale.close();
  }
});

test("the lean module at start; the full module only for a bundle that needs it, or when the lean one does not load", { timeout: 120_000 }, async () => {
  const module = (requests) => ({
    lean: requests.some((u) => u.endsWith("/pkg/herken_lean_bg.wasm")),
    full: requests.some((u) => u.endsWith("/pkg/herken_wasm_bg.wasm")),
  });
  // The bundled sets all open with the lean module: the full one is never fetched.
  {
    const { context, requests, problems } = await open();
    assert.deepEqual(module(requests), { lean: true, full: false });
    assert.deepEqual(problems, []);
    await context.close();
  }
  // A bundle whose compiled form names a pattern (made unsigned, hash made right): the lean
  // module refuses it, the page opens it with the full module, and the set works.
  const target = index.bundles.find((b) => b.id !== index.default);
  const bundle = JSON.parse(readFileSync(join(www, "bundles", target.file), "utf8"));
  const form = JSON.parse(bundle.compiled);
  form.patterns = ["indicator `worded`"];
  bundle.compiled = JSON.stringify(form);
  bundle.compiled_sha256 = createHash("sha256").update(bundle.compiled).digest("hex");
  const route = async (r, path) => path === `bundles/${target.file}` && (await r.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(bundle) }), true);
  {
    const { context, page, requests, problems } = await open({ route });
    assert.deepEqual(module(requests), { lean: true, full: true });
    assert.equal(await page.isHidden("#set-failures"), true, "every set loaded");
    await chooseSet(page, target.id);
    assert.equal(await page.locator(card(target.id)).count(), 1, "the set screens");
    assert.deepEqual(problems, []);
    await context.close();
  }
  // No lean module on the server: the page works with the full one.
  {
    const noLean = async (r, path) => path === "pkg/herken_lean_bg.wasm" && (await r.fulfill({ status: 404, body: "" }), true);
    const { context, page, requests } = await open({ route: noLean });
    assert.equal(module(requests).full, true);
    const [yesno] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
    await page.check(`input[name="a-${yesno.id}"][value="v:true"]`);
    assert.equal(await outcome(page), outcomeLabel("nl", screener.screen({ [yesno.id]: true }).outcome.id));
    await context.close();
  }
});
