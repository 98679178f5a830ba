// Browser tests: axe-core (WCAG 2.1 A and AA, and best practice) on every state of the intake
// page, in both languages, on a phone (360 px) and a desktop. The states of loading failures are
// checked where they are made (robust.test.mjs). Helpers: browser-helpers.mjs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  DESKTOP, PHONE, SECOND, allQuestions, assertAxe, chooseSet, enter, formCases, index, open, smallTargets, startBrowser, stopBrowser,
} from "./browser-helpers.mjs";

before(startBrowser);
after(stopBrowser);

/** The view as a state asks for it: discreet or not. */
async function discreet(page, on) {
  if ((await page.getAttribute("#discreet-toggle", "aria-pressed")) !== String(on)) await page.click("#discreet-toggle");
}

const number = [...allQuestions.values()].find((q) => q.type === "integer" && q.max != null);

/** Each state: a name and how to get there from a fresh page. */
const STATES = [
  ["nothing asked yet", async () => {}],
  ["a case answered, the outcome shown", async (page) => {
    await discreet(page, false);
    await enter(page, formCases()[0].case);
  }],
  ["two sets, answered", async (page) => {
    await discreet(page, false);
    await chooseSet(page, SECOND);
    await enter(page, formCases(SECOND)[0].case);
  }],
  ["every set chosen, the choice open", async (page) => {
    await discreet(page, false);
    for (const b of index.bundles) await chooseSet(page, b.id);
  }],
  ["discreet, the outcome hidden", async (page) => {
    await discreet(page, true);
    await enter(page, formCases()[0].case);
  }],
  ["discreet, the outcome and the interviewer's questions opened", async (page) => {
    await discreet(page, true);
    await enter(page, formCases()[0].case);
    await page.click("#reveal");
    await page.locator(".interviewer-toggle").first().click();
  }],
  ["an answer out of bounds", async (page) => {
    await page.fill(`#in-${number.id}`, String(number.max + 1));
    assert.equal(await page.isVisible(`#err-${number.id}`), true);
  }],
  ["the summary copied, reference and notes filled in", async (page) => {
    await enter(page, formCases()[0].case);
    await page.fill("#case-ref", "ZAAK-1");
    await page.fill("#case-notes", "Notitie.");
    await page.click("#copy");
    // Copying is asynchronous (the clipboard's promise): wait for the status it writes.
    await page.waitForFunction(() => document.querySelector("#copy-status").textContent !== "", null, { timeout: 10_000 });
  }],
];

test("axe finds no violation in any state, in either language, on a phone or a desktop", { timeout: 600_000 }, async () => {
  assert.ok(number, "an integer question with bounds");
  for (const [name, reach] of STATES) {
    for (const size of [PHONE, DESKTOP]) {
      const { context, page, problems } = await open({ ...size, permissions: ["clipboard-read", "clipboard-write"] });
      await reach(page);
      for (const lang of ["nl", "en"]) {
        await page.click(`button[data-lang=${lang}]`);
        await assertAxe(page, `${name} [${lang}, ${size.width} px]`);
        assert.deepEqual(await smallTargets(page), [], `${name} [${lang}, ${size.width} px]: controls under 44×44 px`);
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} [${lang}, ${size.width} px]: no sideways scrolling`);
      }
      assert.deepEqual(problems, [], name);
      await context.close();
    }
  }
});
