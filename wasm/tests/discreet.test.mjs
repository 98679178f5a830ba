// Browser tests: the discreet view (nothing on screen tells the person what the worker
// suspects) and the page on a phone (the first question on the first screen, targets of 44 px,
// a bar that stays small, "don't know" asked once, a badge outside the question's name), with
// axe on every state, in both languages. Helpers: browser-helpers.mjs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AGE, DEFAULT, DESKTOP, PHONE, SECOND, assertAxe, chooseSet, enter, formCases, index, native, open, outcome,
  questionnaire, screener, screeners, shots, smallTargets, startBrowser, stopBrowser,
} from "./browser-helpers.mjs";

before(startBrowser);
after(stopBrowser);

const SEXUAL = "nl-seksuele-uitbuiting";
const pressed = (page) => page.getAttribute("#discreet-toggle", "aria-pressed");

test("the discreet view: on by default on a phone, off on a desktop, a toggle everywhere", { timeout: 60_000 }, async () => {
  for (const [size, on] of [[PHONE, "true"], [DESKTOP, "false"]]) {
    const { context, page } = await open(size);
    assert.equal(await pressed(page), on, `${size.width} px`);
    await page.click("#discreet-toggle");
    assert.equal(await pressed(page), on === "true" ? "false" : "true");
    assert.equal(await page.isVisible(`#panel .card[data-set="${DEFAULT}"] .outcome-label`), on === "true", "the outcome shows when the view is off");
    await context.close();
  }
});

/** A case of the default set with its top outcome and debt bondage ("Schuldslavernij") present. */
function telling() {
  const top = questionnaire.nl.outcomes[questionnaire.nl.outcomes.length - 1].id;
  const c = formCases().map((x) => ({ ...x.case })).find((x) => screener.screen(x).outcome.id === top);
  assert.ok(c, "a test case with the top outcome");
  c.debt_to_employer = true;
  const report = screener.screen(c);
  assert.ok(report.indicators.some((i) => i.state === "present" && i.label === "Schuldslavernij"), "debt bondage present");
  return c;
}

/** Every text that would tell the person what is suspected, for the sets and reports given:
 *  outcome labels, the labels of signals present and positive dimensions, set titles, the
 *  interviewer's questions. Words the form itself asks (a question or help text) are left out. */
function tellingTexts(ids, reports, lang) {
  // The age question is shown in the discreet view too: it says nothing of what is suspected.
  const shown = (q) => q.audience !== "interviewer" || q.id === AGE;
  const asked = ids.flatMap((id) => screeners.get(id).questions(lang).questions.filter(shown).flatMap((q) => [q.text, q.help ?? ""]));
  const inForm = (text) => asked.some((a) => a.includes(text));
  const texts = new Set();
  for (const [i, id] of ids.entries()) {
    const qn = screeners.get(id).questions(lang);
    for (const o of qn.outcomes) texts.add(o.label);
    for (const x of reports[i].indicators.filter((x) => x.state === "present")) texts.add(x.label);
    for (const d of reports[i].dimensions.filter((d) => d.positive)) texts.add(d.label);
    texts.add(screeners.get(id).info().title[lang]);
    for (const q of qn.questions.filter((x) => !shown(x))) texts.add(q.text);
  }
  return [...texts].filter((x) => !inForm(x));
}

test("discreet: nothing on screen tells the person what the worker suspects, until the worker opens it", { timeout: 180_000 }, async () => {
  const { context, page, problems } = await open(PHONE);
  assert.equal(await pressed(page), "true");
  await chooseSet(page, SEXUAL);
  assert.equal(await page.evaluate(() => document.getElementById("sets-box").open), true, "unfolded to choose");
  await page.click("#sets-summary"); // folded again
  const c = telling();
  await enter(page, c);
  const ids = [DEFAULT, SEXUAL];
  for (const lang of ["nl", "en"]) {
    await page.click(`button[data-lang=${lang}]`);
    const reports = native(ids, c, lang);
    const texts = tellingTexts(ids, reports, lang);
    if (lang === "nl") assert.ok(texts.includes("Schuldslavernij") && texts.includes(reports[0].outcome.label), "the test looks for these");
    const seen = await page.innerText("body");
    assert.deepEqual(texts.filter((x) => seen.includes(x)), [], `nothing telling on screen [${lang}]`);
    // Nor in what a screen reader says aloud, nor in the bar: there only the count, uncoloured.
    const status = await page.textContent("#status");
    assert.deepEqual(texts.filter((x) => status.includes(x)), [], `the announcement [${lang}]`);
    assert.match(await page.textContent("#outcome-bar-label"), lang === "nl" ? /^\d+ van \d+ beantwoord$/ : /^\d+ of \d+ answered$/);
    assert.equal(await page.getAttribute("#outcome-bar", "data-level"), "none");
    const barColour = await page.evaluate(() => getComputedStyle(document.getElementById("outcome-bar")).backgroundColor);
    assert.equal(barColour, "rgb(243, 245, 248)", "the bar's colour is neutral");
    await assertAxe(page, `discreet, hidden [${lang}]`);
    if (lang === "nl") await page.screenshot({ path: join(shots, "discreet-phone.png") });
  }
  // The worker opens the outcome: now it is there, and a screen reader hears it.
  await page.click("button[data-lang=nl]");
  const reports = native(ids, c);
  await page.click("#reveal");
  assert.equal(await page.getAttribute("#reveal", "aria-expanded"), "true");
  assert.equal(await outcome(page), reports[0].outcome.label);
  assert.ok((await page.innerText("#panel")).includes("Schuldslavernij"));
  assert.ok((await page.textContent("#status")).includes(reports[0].outcome.label));
  // The bar stays neutral while the discreet view is on.
  assert.equal(await page.getAttribute("#outcome-bar", "data-level"), "none");
  const interviewer = questionnaire.nl.questions.filter((q) => q.audience === "interviewer" && q.id !== AGE);
  for (const q of interviewer) assert.equal(await page.isVisible(`#q-${q.id}`), false, `${q.id} still hidden`);
  await assertAxe(page, "discreet, outcome opened");
  await page.locator("#panel").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, "discreet-revealed-phone.png") });
  // The interviewer's own questions, opened where they are.
  const toggle = page.locator(".interviewer-toggle").first();
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  await toggle.click();
  for (const q of interviewer) assert.equal(await page.isVisible(`#q-${q.id}`), true, `${q.id} shown`);
  await assertAxe(page, "discreet, interviewer's questions opened");
  // Closing the outcome hides it again; turning the view off shows everything.
  await page.click("#reveal");
  assert.equal(await page.isVisible(`#panel .card .outcome-label`), false);
  await page.click("#discreet-toggle");
  assert.equal(await outcome(page), reports[0].outcome.label);
  assert.notEqual(await page.getAttribute("#outcome-bar", "data-level"), "none");
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a phone: the first question and its answers on the first screen, in either language, discreet or not", { timeout: 60_000 }, async () => {
  const { context, page } = await open(PHONE);
  for (const lang of ["nl", "en"]) {
    for (const discreet of [true, false]) {
      await page.click(`button[data-lang=${lang}]`);
      if ((await pressed(page)) !== String(discreet)) await page.click("#discreet-toggle");
      await page.evaluate(() => window.scrollTo(0, 0));
      // The question and every answer to it (its help may go on below).
      const first = page.locator("#questions .q").first();
      const question = await first.locator("legend, label.qtext").first().boundingBox();
      const answers = await first.locator(".opts").boundingBox();
      const bottom = Math.round(answers.y + answers.height);
      assert.ok(question.y >= 0 && bottom <= PHONE.height, `[${lang}, discreet ${discreet}] the first question's answers end at ${bottom} px`);
      // Not hidden under the bar either.
      const bar = await page.locator("#outcome-bar").boundingBox();
      assert.ok(bar && bottom <= bar.y, `[${lang}, discreet ${discreet}] above the bar (${bottom} > ${bar?.y})`);
    }
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, "first-screen-phone.png") });
  await context.close();
});

test("every control at least 44×44 px, on a phone and a desktop, with one set, two or all", { timeout: 180_000 }, async () => {
  for (const size of [PHONE, DESKTOP]) {
    const { context, page } = await open(size);
    const check = async (state) => assert.deepEqual(await smallTargets(page), [], `${size.width} px, ${state}`);
    await check("at start");
    if ((await pressed(page)) === "true") await page.click("#reveal");
    await enter(page, formCases()[0].case);
    await check("answered, outcome shown");
    await chooseSet(page, SECOND);
    await check("two sets");
    for (const b of index.bundles) await chooseSet(page, b.id);
    await check("every set");
    await context.close();
  }
});

test("the bar on a phone stays small, two lines at most, with every set chosen, discreet or not", { timeout: 120_000 }, async () => {
  const { context, page } = await open(PHONE);
  for (const b of index.bundles) await chooseSet(page, b.id);
  await page.click("#sets-summary");
  const c = telling();
  await enter(page, c);
  for (const discreet of [true, false]) {
    if ((await pressed(page)) !== String(discreet)) await page.click("#discreet-toggle");
    await page.evaluate(() => window.scrollTo(0, 0));
    const bar = await page.locator("#outcome-bar").boundingBox();
    assert.ok(bar.height <= 60, `discreet ${discreet}: the bar is ${bar.height} px of 740`);
    assert.ok(bar.y + bar.height <= PHONE.height + 1 && bar.y >= PHONE.height - 61, "at the bottom");
    const lines = await page.evaluate(() => {
      const label = document.getElementById("outcome-bar-label");
      return Math.round(label.getBoundingClientRect().height / parseFloat(getComputedStyle(label).lineHeight));
    });
    assert.ok(lines <= 2, `${lines} lines`);
    if (!discreet) {
      // The highest outcome of all the sets (by colour, then by level; the first set of those).
      const ids = index.bundles.map((b) => b.id);
      const reports = native(ids, c);
      const rank = (r, i) => {
        const top = screeners.get(ids[i]).questions("nl").outcomes.length - 1;
        return [r.outcome.level === 0 ? 1 : r.outcome.level >= top ? 3 : 2, r.outcome.level];
      };
      let best = 0;
      reports.forEach((r, i) => {
        const [a, b] = rank(r, i);
        const [x, y] = rank(reports[best], best);
        if (a > x || (a === x && b > y)) best = i;
      });
      assert.equal(await page.textContent("#outcome-bar-label"), `Hoogste (set ${best + 1}): ${reports[best].outcome.label}`);
      await page.screenshot({ path: join(shots, "bar-every-set-phone.png") });
    }
  }
  await context.close();
});

test("\"don't know\" is asked: it is no longer proposed as the next question", { timeout: 60_000 }, async () => {
  const { context, page } = await open(DESKTOP);
  const top = screener.screen({}).next_questions[0].id;
  assert.equal(await page.locator(`#q-${top}.is-next`).count(), 1);
  assert.equal(await page.locator(`#next li`).first().locator("a").getAttribute("href"), `#q-${top}`);
  await page.check(`input[name="a-${top}"][value="x:unknown"]`);
  // The engine still counts it as unanswered (unknown), so may still rank it ...
  const report = screener.screen({ [top]: null });
  assert.ok(report.unanswered.includes(top));
  assert.ok(report.next_questions.some((n) => n.id === top), "the engine ranks it (the page must leave it out)");
  // ... but the page does not ask it again, and counts it as answered.
  assert.equal(await page.locator(`#q-${top}.is-next`).count(), 0);
  assert.ok(!(await page.locator("#next a").evaluateAll((els) => els.map((a) => a.getAttribute("href")))).includes(`#q-${top}`));
  assert.match(await page.textContent(`#panel .card .progress`), /1 van \d+ vragen beantwoord/);
  await context.close();
});

test("the \"ask next\" badge is not part of the question's accessible name", { timeout: 60_000 }, async () => {
  const { context, page } = await open(DESKTOP);
  const next = screener.screen({}).next_questions.slice(0, 3).map((n) => n.id);
  for (const id of next) {
    const q = questionnaire.nl.questions.find((x) => x.id === id);
    assert.equal(await page.isVisible(`#q-${id} .badge`), true, `${id}: badged`);
    assert.equal(await page.locator(`#q-${id} legend .badge, #q-${id} label .badge`).count(), 0);
    const number = await page.textContent(`#q-${id} .qnum`);
    // The group's name is exactly the number and the question: no badge in it.
    const name = `${number} ${q.text}`;
    assert.equal(await page.getByRole("group", { name, exact: true }).count(), 1, `${id}: named "${name}"`);
  }
  await context.close();
});
