// Browser tests of the conversation on the intake page: the age asked first and the sets chosen
// by it (adult or child), one line per chosen set on what it is for, the guidance before the
// first question, the interviewer's questions apart, and the person's language beside the
// worker's, marked while unverified; axe on every new state, in both languages, on a phone and
// a desktop. Helpers: browser-helpers.mjs.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AGE, DEFAULT, DESKTOP, PHONE, assertAxe, cards, chooseSet, forInterviewer, index, native, open, screeners, shots,
  smallTargets, startBrowser, stopBrowser,
} from "./browser-helpers.mjs";

let server;
before(async () => {
  ({ server } = await startBrowser());
});
after(stopBrowser);

const CHILD_LABOUR = "ilo-2009-child-labour";
const CHILD_SEXUAL = "ilo-2009-child-sexual";
const ADULT_SEXUAL = "nl-seksuele-uitbuiting";
const setInfo = (id) => screeners.get(id).questions("nl").ruleset;
const pressed = (page) => page.getAttribute("#discreet-toggle", "aria-pressed");
async function discreet(page, on) {
  if ((await pressed(page)) !== String(on)) await page.click("#discreet-toggle");
}
const chosen = (page) => page.locator("#ruleset input:checked").evaluateAll((els) => els.map((e) => e.value));
/** axe and targets of 44 px, in both languages; back in Dutch after. */
async function checkBoth(page, name) {
  for (const lang of ["en", "nl"]) {
    await page.click(`button[data-lang=${lang}]`);
    await assertAxe(page, `${name} [${lang}]`);
    assert.deepEqual(await smallTargets(page), [], `${name} [${lang}]: controls under 44×44 px`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} [${lang}]: no sideways scrolling`);
  }
}

test("the sets fit the bundles: adult sets with a child counterpart, the age question in each", () => {
  assert.equal(setInfo(DEFAULT).population.id, "adult");
  assert.equal(setInfo(CHILD_LABOUR).population.id, "child");
  assert.equal(setInfo(CHILD_SEXUAL).population.id, "child");
  assert.equal(setInfo(ADULT_SEXUAL).population.id, "adult");
  for (const b of index.bundles) assert.ok(screeners.get(b.id).questions("nl").questions.some((q) => q.id === AGE), b.id);
});

test("age first: the page asks under 18 or not before anything else, and chooses adult or child sets by it", { timeout: 240_000 }, async () => {
  for (const size of [PHONE, DESKTOP]) {
    const { context, page, requests, problems } = await open(size);
    await discreet(page, false);
    const loaded = requests.length;
    // The first question of the form is the age, on its own, before the guidance.
    assert.equal(await page.locator("#questions .q").first().getAttribute("data-id"), AGE);
    assert.equal(await page.locator("#questions > *").first().getAttribute("id"), "g-age");
    if (size === PHONE) {
      const answers = await page.locator(`#q-${AGE} .opts`).boundingBox();
      assert.ok(answers.y + answers.height <= PHONE.height, `the age question's answers on the first screen (${answers.y + answers.height})`);
      await page.screenshot({ path: join(shots, "age-first-phone.png") });
    }
    // Two adult sets chosen, then "under 18": each replaced by the child set for its forms.
    await chooseSet(page, ADULT_SEXUAL);
    assert.deepEqual(await cards(page), [DEFAULT, ADULT_SEXUAL]);
    await page.check(`input[name="a-${AGE}"][value="v:true"]`);
    assert.deepEqual(await cards(page), [CHILD_LABOUR, CHILD_SEXUAL], "child sets chosen");
    assert.deepEqual((await chosen(page)).sort(), [CHILD_LABOUR, CHILD_SEXUAL].sort());
    assert.equal(await page.isChecked(`input[name="a-${AGE}"][value="v:true"]`), true, "the answer kept");
    assert.equal(await page.evaluate(() => document.activeElement?.name), `a-${AGE}`, "the focus stays on the answer");
    const status = await page.textContent("#age-status");
    for (const id of [DEFAULT, CHILD_LABOUR]) assert.ok(status.includes(screeners.get(id).info().title.nl), `${id} named in: ${status}`);
    // The adult sets are still offered, marked as not fitting the age.
    if (!(await page.isVisible(`#set-${DEFAULT}`))) await page.click("#sets-summary");
    assert.match(await page.textContent(`label[for="set-${DEFAULT}"]`), /voor volwassenen: past niet bij de leeftijd/);
    assert.equal(await page.locator(`label[for="set-${CHILD_LABOUR}"] .set-misfit:not([hidden])`).count(), 0);
    // No set's report warns: every chosen set fits.
    for (const r of native([CHILD_LABOUR, CHILD_SEXUAL], { [AGE]: true })) assert.ok(!r.diagnostics.some((d) => d.code === "case::population-mismatch"));
    assert.equal(await page.locator(".outcome-mismatch:not([hidden]), #purposes .mismatch:not([hidden])").count(), 0);
    await checkBoth(page, `under 18, child sets [${size.width} px]`);
    // The adult set chosen anyway: the report says it does not fit, and so do its card and its line.
    await chooseSet(page, DEFAULT);
    assert.deepEqual(await cards(page), [CHILD_LABOUR, CHILD_SEXUAL, DEFAULT]);
    const [, , adult] = native([CHILD_LABOUR, CHILD_SEXUAL, DEFAULT], { [AGE]: true });
    assert.ok(adult.diagnostics.some((d) => d.code === "case::population-mismatch"), "the engine's diagnostic");
    assert.match(await page.textContent(`#panel .card[data-set="${DEFAULT}"] .outcome-mismatch`), /deze set is voor volwassenen, en de persoon is jonger dan 18/);
    assert.match(await page.textContent(`#purposes li[data-set="${DEFAULT}"]`), /deze set is voor volwassenen/);
    for (const id of [CHILD_LABOUR, CHILD_SEXUAL]) assert.equal(await page.isVisible(`#panel .card[data-set="${id}"] .outcome-mismatch`), false, id);
    await checkBoth(page, `under 18, an adult set chosen anyway [${size.width} px]`);
    if (size === PHONE) {
      await page.locator(`#panel .card[data-set="${DEFAULT}"] .outcome-mismatch`).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, "age-mismatch-phone.png") });
    }
    // 18 or older: back to the adult sets (the one chosen already keeps its place).
    await page.check(`input[name="a-${AGE}"][value="v:false"]`);
    assert.deepEqual(await cards(page), [DEFAULT, "ilo-2009-adult-sexual"]);
    assert.equal(await page.locator(".outcome-mismatch:not([hidden])").count(), 0);
    // "Don't know" changes nothing.
    await page.check(`input[name="a-${AGE}"][value="x:unknown"]`);
    assert.deepEqual(await cards(page), [DEFAULT, "ilo-2009-adult-sexual"]);
    assert.equal(requests.length, loaded, "no request after loading");
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("the discreet view: the age choice names no set", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await open(PHONE);
  assert.equal(await pressed(page), "true");
  await page.check(`input[name="a-${AGE}"][value="v:true"]`);
  assert.deepEqual(await cards(page), [CHILD_LABOUR]);
  const seen = await page.innerText("body");
  for (const id of [DEFAULT, CHILD_LABOUR]) assert.ok(!seen.includes(screeners.get(id).info().title.nl), `${id}: no title on screen`);
  assert.match(await page.textContent("#age-status"), /aangepast aan de leeftijd/);
  for (const f of setInfo(CHILD_LABOUR).forms) assert.ok(!seen.includes(f.label), `${f.label}: not on screen`);
  await checkBoth(page, "discreet, under 18");
  assert.deepEqual(problems, []);
  await context.close();
});

test("one line per chosen set says what it is for; with several, why their outcomes can differ", { timeout: 60_000 }, async () => {
  const { context, page } = await open(DESKTOP);
  const line = (id) => page.textContent(`#purposes li[data-set="${id}"]`);
  for (const lang of ["nl", "en"]) {
    await page.click(`button[data-lang=${lang}]`);
    const info = screeners.get(DEFAULT).questions(lang).ruleset;
    const text = await line(DEFAULT);
    assert.ok(text.includes(info.population.label), text);
    assert.equal(await page.textContent("#form-title"), info.title, "one set: its title above");
    for (const f of info.forms) assert.ok(text.includes(f.label), `${f.label} in ${text}`);
    assert.equal(await page.locator("#purposes + .differ").count(), 0, "one set: nothing to differ");
  }
  await page.click("button[data-lang=nl]");
  await chooseSet(page, ADULT_SEXUAL);
  assert.equal(await page.locator("#purposes li").count(), 2);
  assert.match(await line(ADULT_SEXUAL), /^Set 2: .* — voor volwassenen \(18 jaar en ouder\); over seksuele uitbuiting\.$/);
  assert.match(await page.textContent(".purposes .differ"), /uitkomsten kunnen verschillen/);
  assert.equal(await page.isVisible(".purposes .differ"), true);
  // In the discreet view the lines fold away with the sets' titles.
  await discreet(page, true);
  assert.equal(await page.isVisible("#purposes"), false);
  await context.close();
});

test("guidance before the first question: open until the first answer, then folded, and opened again", { timeout: 120_000 }, async () => {
  for (const size of [PHONE, DESKTOP]) {
    const { context, page, problems } = await open(size);
    await discreet(page, false);
    const expected = screeners.get(DEFAULT).questions("nl").guidance;
    assert.ok(expected.length >= 4, "the set has guidance");
    assert.equal(await page.getAttribute("#guidance", "open"), "", "open at start");
    const items = await page.locator("#guidance li").allTextContents();
    assert.deepEqual(items, expected.map((g) => g.text));
    // Before every question put to the person, after the age.
    const order = await page.evaluate(() => {
      const g = document.getElementById("guidance");
      const first = document.querySelector("#questions .group:not(.age-step) .q");
      const age = document.querySelector("#q-under_18");
      return [!!(age.compareDocumentPosition(g) & Node.DOCUMENT_POSITION_FOLLOWING), !!(g.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)];
    });
    assert.deepEqual(order, [true, true]);
    await checkBoth(page, `guidance open [${size.width} px]`);
    if (size === DESKTOP) await page.screenshot({ path: join(shots, "guidance-desktop.png") });
    // The age alone does not fold it; the first question does.
    await page.check(`input[name="a-${AGE}"][value="v:false"]`);
    assert.equal(await page.getAttribute("#guidance", "open"), "");
    const first = await page.locator("#questions .group:not(.age-step) .q").first().getAttribute("data-id");
    await page.locator(`#q-${first} .opt`).first().click();
    assert.equal(await page.getAttribute("#guidance", "open"), null, "folded after the first answer");
    await page.click("#guidance summary");
    assert.equal(await page.getAttribute("#guidance", "open"), "", "opened again");
    // Answering more, or switching the language, keeps it as the worker left it.
    await page.locator(`#q-${first} .opt`).nth(1).click();
    await page.click("button[data-lang=en]");
    assert.equal(await page.getAttribute("#guidance", "open"), "");
    assert.deepEqual(await page.locator("#guidance li").allTextContents(), screeners.get(DEFAULT).questions("en").guidance.map((g) => g.text));
    await page.click("button[data-lang=nl]");
    await checkBoth(page, `guidance reopened [${size.width} px]`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("guidance of several sets: each point once, a point of one set marked with it", { timeout: 60_000 }, async () => {
  const { context, page } = await open(DESKTOP);
  await chooseSet(page, "nl-criminele-uitbuiting");
  const texts = new Set([DEFAULT, "nl-criminele-uitbuiting"].flatMap((id) => screeners.get(id).questions("nl").guidance.map((g) => g.text)));
  const items = await page.locator("#guidance li").allTextContents();
  assert.equal(items.length, texts.size, "each text once");
  const own = screeners.get("nl-criminele-uitbuiting").questions("nl").guidance.find((g) => g.id === "no_self_incrimination");
  assert.ok(items.includes(`${own.text} (set 2)`), "a point only set 2 has, marked");
  await context.close();
});

test("the interviewer's questions: a last section of their own, never in the person's language", { timeout: 60_000 }, async () => {
  const { context, page } = await open(DESKTOP);
  const qn = screeners.get(DEFAULT).questions("nl");
  const theirs = qn.questions.filter((q) => q.audience === "interviewer" && q.id !== AGE).map((q) => q.id);
  assert.ok(theirs.length >= 2);
  const sections = await page.locator("#questions .group").evaluateAll((els) => els.map((g) => g.id));
  assert.equal(sections.at(-1), "g-for-interviewer", "the last section");
  assert.deepEqual(await page.locator("#g-for-interviewer .q").evaluateAll((els) => els.map((e) => e.dataset.id)), theirs);
  assert.match(await page.textContent("#g-for-interviewer"), /Alleen voor de interviewer.*Niet hardop vragen: uw eigen waarneming of inschatting/s);
  // No question for the interviewer elsewhere (the age aside, asked first).
  const elsewhere = await page.locator("#questions .group:not(#g-for-interviewer):not(#g-age) .q").evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual(elsewhere.filter(forInterviewer), []);
  await context.close();
});

test("the person's language beside the worker's: Polish or Romanian where the set has them, marked unverified", { timeout: 240_000 }, async () => {
  for (const size of [PHONE, DESKTOP]) {
    const { context, page, requests, problems } = await open(size);
    await discreet(page, false);
    const loaded = requests.length;
    const names = await page.locator(".person-lang").allTextContents();
    assert.deepEqual(names, ["Geen", "Polski", "Română"]);
    assert.equal(await page.locator(".person").count(), 0, "none before one is chosen");
    await page.click('.person-lang[data-lang="pl"]');
    assert.equal(await page.getAttribute('.person-lang[data-lang="pl"]', "aria-pressed"), "true");
    const pl = screeners.get(DEFAULT).questions("pl");
    const nl = screeners.get(DEFAULT).questions("nl");
    const nlText = new Map(nl.questions.map((q) => [q.id, q.text]));
    let shown = 0;
    for (const q of pl.questions) {
      const block = page.locator(`#q-${q.id} .person`);
      if (q.audience === "interviewer") {
        assert.equal(await block.count(), 0, `${q.id}: never in the person's language`);
        continue;
      }
      assert.notEqual(q.text, nlText.get(q.id), `${q.id} is translated`);
      assert.equal(await block.getAttribute("lang"), "pl", q.id);
      assert.equal(await block.locator(".person-text").textContent(), q.text, q.id);
      if (q.options?.length) assert.equal(await block.locator(".person-opts").textContent(), q.options.map((o) => o.label).join(" · "), q.id);
      assert.equal(await block.locator(".tag.unverified").textContent(), "niet-gecontroleerde vertaling", q.id);
      shown += 1;
    }
    assert.ok(shown >= 20, `${shown} questions in Polish`);
    assert.equal(pl.ruleset.translations.find((x) => x.language === "pl").status, "unverified");
    assert.match(await page.textContent("#person-note"), /^Polski: .*nog niet gecontroleerd door een professionele vertaler/);
    // The worker's language switches; the person's stays, marked in the worker's words.
    await page.click("button[data-lang=en]");
    assert.equal(await page.locator(`#questions .person[lang=pl]`).count(), shown);
    assert.match(await page.textContent("#person-note"), /not yet checked by a professional translator/);
    assert.equal(await page.locator(".tag.unverified").first().textContent(), "unverified translation");
    await page.click("button[data-lang=nl]");
    await checkBoth(page, `the person reads Polish [${size.width} px]`);
    if (size === PHONE) {
      await page.locator(".person").first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, "person-language-phone.png") });
    } else {
      await page.screenshot({ path: join(shots, "person-language-desktop.png") });
    }
    await page.click('.person-lang[data-lang="ro"]');
    const ro = screeners.get(DEFAULT).questions("ro").questions.find((q) => q.audience !== "interviewer");
    assert.equal(await page.locator(`#q-${ro.id} .person`).getAttribute("lang"), "ro");
    assert.equal(await page.textContent(`#q-${ro.id} .person-text`), ro.text);
    // Back to none: gone.
    await page.click('.person-lang[data-lang=""]');
    assert.equal(await page.locator(".person").count(), 0);
    assert.equal(await page.isVisible("#person-note"), false);
    assert.equal(requests.length, loaded, "no request after loading");
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("the case file's summary names the person's language and that its translation is unverified", { timeout: 60_000 }, async () => {
  const { context, page, problems } = await open({ permissions: ["clipboard-read", "clipboard-write"] });
  await discreet(page, false);
  await page.click('.person-lang[data-lang="pl"]');
  await page.click("#copy");
  await page.waitForFunction(() => document.querySelector("#copy-status").textContent !== "", null, { timeout: 10_000 });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  const line = copied.split("\n").find((l) => l.startsWith("Polski: "));
  assert.ok(line && /nog niet gecontroleerd door een professionele vertaler/.test(line), copied);
  // The printed summary says the same.
  await page.evaluate(() => { window.print = () => {}; });
  await page.click("#print");
  assert.match(await page.textContent("#summary .summary-person-lang"), /^Polski: .*nog niet gecontroleerd/);
  // Without a person's language, no such line.
  await page.click('.person-lang[data-lang=""]');
  await page.evaluate(() => { document.querySelector("#copy-status").textContent = ""; });
  await page.click("#copy");
  await page.waitForFunction(() => document.querySelector("#copy-status").textContent !== "", null, { timeout: 10_000 });
  assert.ok(!(await page.evaluate(() => navigator.clipboard.readText())).includes("Polski: "));
  assert.deepEqual(problems, []);
  await context.close();
});

test("the person's language: offered only where a chosen set carries one", { timeout: 60_000 }, async () => {
  const { context, page } = await open(DESKTOP);
  await page.click('.person-lang[data-lang="pl"]');
  // A set without Polish as the only set: no choice, no translation.
  await chooseSet(page, "ilo-2009-adult-sexual");
  await chooseSet(page, DEFAULT, false);
  assert.equal(await page.locator(".person-choice").count(), 0);
  assert.equal(await page.locator(".person").count(), 0);
  await context.close();
});

test("a set whose first outcome is not_applicable: its \"no signals\" is low (green), not mid", { timeout: 60_000 }, async () => {
  const { context, page } = await open(DESKTOP);
  await chooseSet(page, ADULT_SEXUAL);
  await page.check(`input[name="a-${AGE}"][value="v:false"]`);
  const [, report] = native([DEFAULT, ADULT_SEXUAL], { [AGE]: false });
  const outcomes = screeners.get(ADULT_SEXUAL).questions("nl").outcomes;
  assert.equal(outcomes[0].id, "not_applicable");
  assert.equal(report.outcome.id, outcomes[1].id, "the lowest outcome about the person");
  assert.equal(await page.getAttribute(`#panel .card[data-set="${ADULT_SEXUAL}"] .outcome`, "data-level"), "low");
  await context.close();
});

// --- guided mode ------------------------------------------------------------------------------

const guides = typeof screeners.get(DEFAULT).guide === "function";

/** The engine's next question for the default set, as `herken screen --guided` would ask it. */
function engineNext(answers, asked) {
  return screeners.get(DEFAULT).guide(answers, asked, "nl");
}

/** An answer to a question as a worker would give it in guided mode: the first option of a
 *  choice, "no" to a yes/no question, a number within bounds. Returns the value given. */
async function answerCurrent(page, id) {
  const q = screeners.get(DEFAULT).questions("nl").questions.find((x) => x.id === id);
  if (q.type === "yesno") {
    await page.check(`input[name="a-${id}"][value="v:false"]`);
    return false;
  }
  if (q.type === "choice") {
    await page.check(`input[name="a-${id}"][value="v:${q.options[0].id}"]`);
    return q.options[0].id;
  }
  if (q.type === "integer" || q.type === "number") {
    const v = q.min ?? 0;
    await page.fill(`#in-${id}`, String(v));
    await page.click("#guided-next");
    return v;
  }
  if (q.type === "choices") {
    await page.check(`#q-${id} input[value="${q.options[0].id}"]`);
    await page.click("#guided-next");
    return [q.options[0].id];
  }
  await page.click("#guided-skip");
  return undefined;
}

test("guided mode: one question at a time, the engine's choice, until further questions cannot change the outcome", { skip: !guides && "the module has no guide()", timeout: 300_000 }, async () => {
  for (const size of [PHONE, DESKTOP]) {
    const { context, page, requests, problems } = await open(size);
    await discreet(page, false);
    const loaded = requests.length;
    await page.click("#guided-toggle");
    assert.equal(await page.getAttribute("#guided-toggle", "aria-pressed"), "true");
    // The age first, on its own.
    assert.match(await page.textContent("#guided-text"), /Eerst de leeftijd/);
    assert.deepEqual(await page.locator("#questions .group:not(.age-step) .q").evaluateAll((els) => els.filter((e) => e.checkVisibility()).map((e) => e.dataset.id)), []);
    await checkBoth(page, `guided, the age first [${size.width} px]`);
    await page.check(`input[name="a-${AGE}"][value="v:false"]`);
    const answers = { [AGE]: false };
    const asked = [AGE];
    if (size === PHONE) await page.screenshot({ path: join(shots, "guided-phone.png") });
    for (let n = 0; n < 80; n++) {
      const step = engineNext(answers, asked);
      const visible = await page.locator("#questions .group:not(.age-step) .q").evaluateAll((els) => els.filter((e) => e.checkVisibility()).map((e) => e.dataset.id));
      if (!step.next) {
        assert.deepEqual(visible, [], "no question once settled");
        assert.equal(step.settled, true);
        assert.match(await page.textContent("#guided-text"), /Verdere vragen kunnen de uitkomst niet meer veranderen/);
        break;
      }
      assert.deepEqual(visible, [step.next.id], `question ${n + 1}: the engine's`);
      assert.match(await page.textContent("#guided-text"), step.top.status === "open" ? /kiest steeds de vraag/ : /De hoogste uitkomst ligt nu vast/);
      const focused = await page.evaluate(() => document.activeElement?.closest(".q")?.dataset.id);
      assert.equal(focused, step.next.id, `question ${n + 1}: the focus is on it`);
      const v = await answerCurrent(page, step.next.id);
      if (v !== undefined) answers[step.next.id] = v;
      asked.push(step.next.id);
    }
    const final = engineNext(answers, asked);
    assert.equal(final.settled, true, "the interview ended settled");
    // The outcome is the engine's for these answers, and the same as the full screening's.
    assert.equal(await page.textContent(`#panel .card .outcome-label`), screeners.get(DEFAULT).screen(answers).outcome.label);
    assert.equal(final.outcome.id, screeners.get(DEFAULT).screen(answers).outcome.id);
    await checkBoth(page, `guided, settled [${size.width} px]`);
    // Back to the full list: every question, the answers kept.
    await page.click("#guided-done");
    assert.equal(await page.getAttribute("#guided-toggle", "aria-pressed"), "false");
    assert.ok(await page.locator("#questions .q").evaluateAll((els) => els.filter((e) => e.checkVisibility()).length) > 20);
    assert.equal(requests.length, loaded, "no request after loading");
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("guided mode in the discreet view, in English: neutral texts, the worker leaves it at any time", { skip: !guides && "the module has no guide()", timeout: 120_000 }, async () => {
  const { context, page, problems } = await open(PHONE);
  assert.equal(await pressed(page), "true");
  await page.click("button[data-lang=en]");
  await page.click("#guided-toggle");
  await page.check(`input[name="a-${AGE}"][value="v:false"]`);
  const first = engineNext({ [AGE]: false }, [AGE]).next.id;
  assert.equal(await page.evaluate(() => document.activeElement?.closest(".q")?.dataset.id), first);
  assert.match(await page.textContent("#guided-text"), /always picks the question/);
  await checkBoth(page, "guided, discreet");
  await page.click("#guided-toggle");
  assert.equal(await page.isVisible("#guided-box"), false);
  assert.deepEqual(problems, []);
  await context.close();
});
