// Browser tests of the reference intake page (wasm/www) in headless Chromium: the form, the
// outcome, several sets, the language switch, the keyboard, privacy. The page is served from
// 127.0.0.1 by scripts/serve-page.mjs inside the test; every request the browser makes is
// intercepted, and anything but that server is refused. Helpers: browser-helpers.mjs.
// Run: cd wasm && node --test tests/browser.test.mjs (after scripts/build-wasm.sh).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import {
  AGE, DEFAULT, NOT_YET, SECOND, allQuestions, assertAxe, card, cards, chooseSet, enter, escape, expectedNext, formCases,
  highlighted, idsOf, index, native, open, outcome, outcomeLabel, pageGroups, pageOrder, present, questionnaire, screener, screeners, shots,
  signals, smallTargets, startBrowser, stopBrowser, www,
} from "./browser-helpers.mjs";

let server;
before(async () => {
  ({ server } = await startBrowser());
});
after(stopBrowser);

test("the page loads from its own folder and shows the form and the outcome", { timeout: 60_000 }, async () => {
  const { context, page, requests, refused, problems } = await open();
  assert.equal(await page.getAttribute("html", "lang"), "nl");
  assert.equal(await page.locator("#questions .q").count(), questionnaire.nl.questions.length);
  assert.equal(await page.locator("#questions .group").count(), pageGroups(questionnaire.nl.groups.map((g) => [g.id, g.questions])).length);
  assert.equal(await page.locator("#panel .card").count(), 1);
  // Before anything is asked there is no outcome: nothing says "no signals", nothing is green.
  assert.equal(await outcome(page), NOT_YET.nl);
  assert.ok(!(await page.innerText("body")).includes(outcomeLabel("nl", "no_signals")), "no \"no signals\" before a question");
  assert.equal(await page.getAttribute(`${card()} .outcome`, "data-level"), "none");
  assert.ok((await page.textContent(`${card()} .advice`)).length > 50, "help and referral are shown before any answer");
  // Skipping a question asks nothing: still no outcome. Answering one gives the engine's.
  const [first] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
  await page.check(`input[name="a-${first.id}"][value="x:skip"]`);
  assert.equal(await outcome(page), NOT_YET.nl);
  await page.check(`input[name="a-${first.id}"][value="v:false"]`);
  assert.equal(await outcome(page), outcomeLabel("nl", screener.screen({ [first.id]: false }).outcome.id));
  assert.equal(await page.getAttribute(`${card()} .outcome`, "data-level"), "low");
  // A checkbox per bundled set; only the default chosen, and it cannot be unchosen (one always is).
  assert.equal(await page.locator("#ruleset input[type=checkbox]").count(), index.bundles.length);
  assert.deepEqual(await page.locator("#ruleset input:checked").evaluateAll((els) => els.map((e) => e.value)), [DEFAULT]);
  assert.equal(await page.isDisabled(`#set-${DEFAULT}`), true);
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
    assert.equal(await outcome(page), NOT_YET.nl, "clear starts afresh");
    await enter(page, c.case);
    const expected = JSON.parse(c.report);
    const asked = Object.values(c.case).some((v) => v !== undefined);
    assert.equal(await outcome(page), asked ? expected.outcome.label : NOT_YET.nl, c.name);
    assert.deepEqual(await signals(page), present(expected), c.name);
    assert.deepEqual(await highlighted(page), expectedNext(expected, c.case).sort(), `${c.name}: next questions highlighted`);
  }
  // The answers behind a signal are shown with it.
  await page.click("#clear");
  const [yesno] = questionnaire.nl.questions.filter((q) => q.type === "yesno" && !q.ask_if);
  await page.check(`input[name="a-${yesno.id}"][value="v:true"]`);
  assert.equal(await outcome(page), outcomeLabel("nl", screener.screen({ [yesno.id]: true }).outcome.id));
  assert.match(await page.textContent(`${card()} .signals`), new RegExp(`${escape(yesno.text)}: Ja`));
  // "Don't know" is unknown, never no: the outcome may still rise.
  await page.check(`input[name="a-${yesno.id}"][value="x:unknown"]`);
  assert.equal(await page.isHidden(`${card()} .outcome-rise`), false);
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

test("context is shown apart from the signals and not counted; a set that does not apply is neutral", { timeout: 60_000 }, async () => {
  const SEXUAL = "nl-seksuele-uitbuiting";
  const context = screeners.get(SEXUAL).screen({}).indicators.find((i) => i.weight === 0);
  assert.ok(context, `${SEXUAL} has a context indicator`);
  const [on, ...rest] = Object.keys(context.reads);
  const { context: ctx, page, problems } = await open();
  await chooseSet(page, SECOND);
  await chooseSet(page, SEXUAL);
  // Outside the context: the set does not apply; its card is neither green nor red.
  const outside = Object.fromEntries([on, ...rest].map((id) => [id, false]));
  await enter(page, outside);
  const [, , notApplicable] = native([DEFAULT, SECOND, SEXUAL], outside);
  assert.equal(notApplicable.outcome.id, "not_applicable");
  assert.equal(await outcome(page, SEXUAL), notApplicable.outcome.label);
  assert.equal(await page.getAttribute(`${card(SEXUAL)} .outcome`, "data-level"), "na");
  // In the context: shown as context, not as a signal, and not counted.
  await enter(page, { [on]: true });
  const c = { ...outside, [on]: true };
  const reports = native([DEFAULT, SECOND, SEXUAL], c);
  const sexual = reports[2];
  assert.ok(sexual.indicators.some((i) => i.id === context.id && i.state === "present"));
  assert.deepEqual(await page.locator(`${card(SEXUAL)} .context li`).allTextContents(), [`Context: ${sexual.indicators.find((i) => i.id === context.id).label}`]);
  assert.deepEqual(await signals(page, SEXUAL), present(sexual));
  assert.ok(!(await signals(page, SEXUAL)).includes(context.label));
  assert.match(await page.textContent(`${card(SEXUAL)} .progress`), new RegExp(`^${present(sexual).length === 1 ? "1 signaal" : `${present(sexual).length} signalen`} aanwezig`));
  assert.deepEqual(problems, []);
  await ctx.close();
});

// --- several rule sets at once ----------------------------------------------------------------

const first = idsOf(DEFAULT);
const second = idsOf(SECOND);
// A yes/no question without a condition, other than the age (whose answer chooses the sets).
const plainYesno = (id) => id !== AGE && allQuestions.get(id).type === "yesno" && !allQuestions.get(id).ask_if;

/** Both cards show what the native engine reports for the case, and the form highlights the
 *  next questions of both. */
async function assertScreened(page, ids, c, name) {
  const reports = native(ids, c);
  assert.deepEqual(await cards(page), ids, name);
  for (const [i, id] of ids.entries()) {
    assert.equal(await outcome(page, id), Object.keys(c).length ? reports[i].outcome.label : NOT_YET.nl, `${name}: ${id}`);
    assert.deepEqual(await signals(page, id), present(reports[i]), `${name}: signals of ${id}`);
    assert.ok((await page.textContent(`${card(id)} .advice`)).length > 50, `${name}: advice of ${id}`);
  }
  const next = new Set(reports.flatMap((r) => expectedNext(r, c)));
  assert.deepEqual(await highlighted(page), [...next].sort(), `${name}: next questions of every set highlighted`);
  return reports;
}

test("several sets: a card each, a shared question asked once, every set screened on every answer", { timeout: 180_000 }, async () => {
  const { context, page, problems } = await open();
  await chooseSet(page, SECOND);
  assert.deepEqual(await cards(page), [DEFAULT, SECOND]);
  assert.equal(await page.locator("#overview li").count(), 2, "every outcome at a glance");
  assert.equal(await page.isDisabled(`#set-${DEFAULT}`), false, "with two chosen, either can go");
  // One form: every question once; the groups and order of the first set, each question only
  // the second set asks at the end of its group, marked as such.
  const shown = await page.locator("#questions .q").evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual([...shown].sort(), [...new Set([...first, ...second])].sort(), "each question once");
  const groups = await page.locator("#questions .group").evaluateAll((els) => els.map((g) => [g.id.slice(2), [...g.querySelectorAll(".q")].map((q) => q.dataset.id)]));
  const secondGroups = screeners.get(SECOND).questions("nl").groups;
  const expected = pageGroups(questionnaire.nl.groups.map((g) => [g.id, [...g.questions,
    ...(secondGroups.find((x) => x.id === g.id)?.questions ?? []).filter((id) => !first.includes(id))]]));
  assert.deepEqual(groups, expected);
  for (const id of shown) {
    const tag = await page.locator(`#q-${id} .tag.only`).allTextContents();
    const want = !second.includes(id) ? ["alleen voor set 1"] : !first.includes(id) ? ["alleen voor set 2"] : [];
    assert.deepEqual(tag, want, id);
  }
  await assertScreened(page, [DEFAULT, SECOND], {}, "no answers");
  // A question both sets ask, whose "yes" changes both outcomes (so says the native engine).
  const before = native([DEFAULT, SECOND], {});
  const shared = first.filter((id) => second.includes(id) && plainYesno(id))
    .find((id) => native([DEFAULT, SECOND], { [id]: true }).every((r, i) => r.outcome.id !== before[i].outcome.id));
  assert.ok(shared, "a shared question that changes both outcomes");
  assert.equal(await page.locator(`#questions [data-id="${shared}"]`).count(), 1);
  await page.check(`input[name="a-${shared}"][value="v:true"]`);
  const after = await assertScreened(page, [DEFAULT, SECOND], { [shared]: true }, "one shared answer");
  for (const [i, id] of [DEFAULT, SECOND].entries()) {
    assert.notEqual(after[i].outcome.id, before[i].outcome.id);
    assert.match(await page.textContent(`${card(id)} .signals`), new RegExp(`${escape(allQuestions.get(shared).text)}: Ja`));
  }
  // The second set's own test cases, one per outcome, entered once into the combined form.
  const cases = formCases(SECOND);
  const chosen = [...new Map(cases.map((c) => [JSON.parse(c.report).outcome.id, c])).values()];
  assert.ok(chosen.length >= 3, "a case for every outcome of the second set");
  for (const c of chosen) {
    await page.click("#clear");
    await enter(page, c.case);
    const reports = await assertScreened(page, [DEFAULT, SECOND], c.case, c.name);
    assert.deepEqual(reports[1], JSON.parse(c.report), `${c.name}: the set's own expected report`);
  }
  // The download holds every chosen set's report, exactly as the engine wrote it.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const saved = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(saved.herken_screening, 2);
  assert.deepEqual(saved.reports, native([DEFAULT, SECOND], saved.answers));
  // The print summary has both too.
  await page.evaluate(() => { window.print = () => {}; });
  await page.click("#print");
  const summary = await page.textContent("#summary");
  for (const r of saved.reports) assert.ok(summary.includes(r.outcome.label), r.ruleset.id);
  for (const id of Object.keys(saved.answers)) assert.ok(summary.includes(allQuestions.get(id).text), `${id} in the summary`);
  assert.ok(!summary.includes("[object"), summary);
  // Each set's description, under the form's title.
  const about = await page.textContent("#form-description details");
  for (const id of [DEFAULT, SECOND]) assert.ok(about.includes(screeners.get(id).questions("nl").description), id);
  assert.deepEqual(problems, []);
  await context.close();
});

test("removing a set keeps the answers of the questions still shown", { timeout: 120_000 }, async () => {
  const { context, page, problems } = await open();
  await chooseSet(page, SECOND);
  const shared = first.find((id) => second.includes(id) && plainYesno(id));
  const firstOnly = first.find((id) => !second.includes(id) && plainYesno(id));
  const secondOnly = second.find((id) => !first.includes(id) && plainYesno(id));
  const hours = "hours_per_week";
  assert.ok(first.includes(hours) && second.includes(hours));
  await page.check(`input[name="a-${shared}"][value="v:true"]`);
  await page.check(`input[name="a-${firstOnly}"][value="x:unknown"]`);
  await page.check(`input[name="a-${secondOnly}"][value="v:true"]`);
  await page.fill(`#in-${hours}`, "72");
  await assertScreened(page, [DEFAULT, SECOND], { [shared]: true, [firstOnly]: null, [secondOnly]: true, [hours]: 72 }, "both");
  const kept = async (id, value) => assert.equal(await page.isChecked(`input[name="a-${id}"][value="${value}"]`), true, `${id} kept`);

  // Remove the later set: the questions only it asks go, every other answer stays.
  await chooseSet(page, SECOND, false);
  assert.equal(await page.locator(`#q-${secondOnly}`).count(), 0);
  await kept(shared, "v:true");
  await kept(firstOnly, "x:unknown");
  assert.equal(await page.inputValue(`#in-${hours}`), "72");
  await assertScreened(page, [DEFAULT], { [shared]: true, [firstOnly]: null, [hours]: 72 }, "first set only");

  // Back again (its own question unanswered: the answer left with the question), then remove the
  // first set: the second set's form keeps the answers it asks for, and is the only set left.
  await chooseSet(page, SECOND);
  assert.equal(await page.locator(`input[name="a-${secondOnly}"]:checked`).count(), 0);
  await page.check(`input[name="a-${secondOnly}"][value="v:true"]`);
  await chooseSet(page, DEFAULT, false);
  assert.equal(await page.locator(`#q-${firstOnly}`).count(), 0);
  assert.equal(await page.locator("#questions .q").count(), second.length);
  await kept(shared, "v:true");
  await kept(secondOnly, "v:true");
  assert.equal(await page.inputValue(`#in-${hours}`), "72");
  await assertScreened(page, [SECOND], { [shared]: true, [secondOnly]: true, [hours]: 72 }, "second set only");
  assert.equal(await page.isDisabled(`#set-${SECOND}`), true, "the last set cannot be unchosen");

  // The default set chosen again comes second now: the form follows the second set's order.
  await chooseSet(page, DEFAULT);
  const shown = await page.locator("#questions .q").evaluateAll((els) => els.map((e) => e.dataset.id));
  const secondOrder = pageOrder(screeners.get(SECOND).questions("nl").groups.flatMap((g) => g.questions));
  assert.deepEqual(shown.filter((id) => second.includes(id)), secondOrder);
  assert.equal(shown[0], secondOrder[0]);
  const groupsNow = await page.locator("#questions .group").evaluateAll((els) => els.map((g) => g.id.slice(2)));
  const secondGroupIds = pageGroups(screeners.get(SECOND).questions("nl").groups.map((g) => [g.id, g.questions])).map(([g]) => g);
  assert.deepEqual(groupsNow.filter((id) => secondGroupIds.includes(id)), secondGroupIds, "the second set's groups, in its order");
  await assertScreened(page, [SECOND, DEFAULT], { [shared]: true, [secondOnly]: true, [hours]: 72 }, "both, the other way round");
  assert.deepEqual(problems, []);
  await context.close();
});

test("several sets with the keyboard alone", { timeout: 120_000 }, async () => {
  const { context, page, problems } = await open();
  /** Presses `key` until `done(focused)`; fails after 400 presses. */
  const tabTo = async (done, key = "Tab") => {
    for (let i = 0; i < 400; i++) {
      await page.keyboard.press(key);
      const f = await page.evaluate(() => {
        const el = document.activeElement;
        const ring = el.closest(".opt") ?? el;
        const style = getComputedStyle(ring);
        return { id: el.id, name: el.name ?? "", value: el.value ?? "", ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 };
      });
      if (done(f)) return f;
    }
    assert.fail("focus never got there");
  };
  let f = await tabTo((x) => x.id === `set-${SECOND}`);
  assert.ok(f.ring, "a focus ring on the set's checkbox");
  await page.keyboard.press("Space");
  assert.deepEqual(await cards(page), [DEFAULT, SECOND]);
  assert.equal(await page.evaluate(() => document.activeElement.id), `set-${SECOND}`, "focus stays on the choice");
  // On to the first question both sets ask; Space answers yes.
  const shown = await page.locator("#questions .q").evaluateAll((els) => els.map((e) => e.dataset.id));
  const shared = shown.find((id) => first.includes(id) && second.includes(id) && plainYesno(id));
  f = await tabTo((x) => x.name === `a-${shared}`);
  assert.equal(f.value, "v:true");
  await page.keyboard.press("Space");
  await assertScreened(page, [DEFAULT, SECOND], { [shared]: true }, "answered with the keyboard");
  // Back to the choice, and the set removed: the answer stays.
  await tabTo((x) => x.id === `set-${SECOND}`, "Shift+Tab");
  await page.keyboard.press("Space");
  assert.deepEqual(await cards(page), [DEFAULT]);
  assert.equal(await page.isChecked(`input[name="a-${shared}"][value="v:true"]`), true);
  await assertScreened(page, [DEFAULT], { [shared]: true }, "the set removed with the keyboard");
  assert.deepEqual(problems, []);
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
  for (const s of screeners.values()) assert.ok(english.includes(s.info().title.en), s.info().id);
  const legends = await page.locator("#questions .q legend, #questions .q label.qtext").allInnerTexts();
  const en = new Map(questionnaire.en.questions.map((q) => [q.id, q]));
  pageOrder(questionnaire.en.questions.map((q) => q.id)).forEach((id, i) => assert.ok(legends[i].includes(en.get(id).text), `${id}: ${legends[i]}`));
  const sections = new Set(pageGroups(questionnaire.en.groups.map((g) => [g.id, g.questions])).map(([g]) => g));
  for (const g of questionnaire.en.groups.filter((x) => sections.has(x.id))) assert.ok(english.includes(g.title), g.title);
  assert.equal(await page.isChecked(`input[name="a-${yesno.id}"][value="v:true"]`), true);
  assert.equal(await outcome(page), outcomeLabel("en", screener.screen({ [yesno.id]: true }).outcome.id));
  // No Dutch left: none of the Dutch page's lines (rule-set texts, labels, buttons) remains.
  assertNoDutch(dutch, english);
  await page.click("button[data-lang=nl]");
  assert.equal(await page.innerText("body"), dutch, "and back");
  // With two sets: the choice, both cards, the marks on the questions, all in English too.
  await chooseSet(page, SECOND);
  const second = screeners.get(SECOND).questions("en");
  const dutch2 = await page.innerText("body");
  await page.click("button[data-lang=en]");
  const english2 = await page.innerText("body");
  assertNoDutch(dutch2, english2);
  const sections2 = new Set(pageGroups(second.groups.map((g) => [g.id, g.questions])).map(([g]) => g));
  for (const g of second.groups.filter((x) => sections2.has(x.id))) assert.ok(english2.includes(g.title), g.title);
  assert.equal(await outcome(page, SECOND), second.outcomes.find((o) => o.id === native([DEFAULT, SECOND], { [yesno.id]: true })[1].outcome.id).label);
  assert.ok(english2.includes("only for set 2") && english2.includes("Outcome per set"));
  await page.click("button[data-lang=nl]");
  assert.equal(await page.innerText("body"), dutch2, "and back");
  await context.close();
});

/** No Dutch left: none of the Dutch page's lines (rule-set texts, labels, buttons) remains. */
function assertNoDutch(dutch, english) {
  const englishLines = new Set(english.split("\n").map((l) => l.trim()));
  const leftovers = dutch.split("\n").map((l) => l.trim()).filter((l) => l.length > 2 && englishLines.has(l))
    .filter((l) => !/^[\d\s().,:/-]+$/.test(l) && !l.startsWith("herken") && !/^(Nederlands|English|Discreet|Polski|Română)$/.test(l))
    .filter((l) => !/^\(set \d+\)$/.test(l)); // the number of a chosen set, in both languages
  assert.deepEqual(leftovers, [], "lines that stayed Dutch");
  for (const word of ["Weet niet", "Overslaan", "Uitkomst", "Vraag hierna", "Alles wissen", "alleen voor", "gekozen"]) assert.ok(!english.includes(word), word);
}

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
    // The age: "no" (the arrow key moves to it and chooses it), so the adult set stays.
    if (f.qid === AGE) await page.keyboard.press("ArrowRight");
    else if (f.type === "radio" || f.type === "checkbox") await page.keyboard.press("Space");
    else if (f.type === "number") await page.keyboard.type("70");
    else if (f.tag === "TEXTAREA") await page.keyboard.type("paspoort afgenomen");
    answered += 1;
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), "download", "Tab reaches the actions");
  const applicable = await page.locator("#questions .q:not([hidden])").count();
  assert.equal(answered, applicable, "every question that applies was answered");
  assert.equal(await page.locator("#questions .q:not([hidden]):not(.is-answered)").count(), 0);
  // Every answer but the age the first option ("yes"): the highest outcome.
  const levels = questionnaire.nl.outcomes;
  assert.equal(await outcome(page), levels[levels.length - 1].label);
  assert.ok(focusVisible.every(Boolean), "the focused control always shows a focus ring");
  // The actions work from the keyboard: download (a Blob, no request) ...
  const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
  const saved = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(saved.herken_screening, 2);
  assert.equal(saved.reports.length, 1);
  assert.equal(saved.reports[0].outcome.label, levels[levels.length - 1].label);
  assert.equal(Object.keys(saved.answers).length, applicable);
  // ... and clear (confirmed), which wipes every answer and puts focus on the first question.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "clear");
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("#questions .q.is-answered").count(), 0);
  assert.equal(await page.locator("#questions input:checked").count(), 0);
  assert.equal(await outcome(page), NOT_YET.nl);
  assert.ok(await page.evaluate(() => document.activeElement.closest(".q") != null));
  assert.deepEqual(problems, []);
  await context.close();
});

test("no request after the page has loaded, and nothing is stored", { timeout: 120_000 }, async () => {
  const { context, page, requests, refused } = await open();
  const loaded = requests.length;
  const scripts = readdirSync(join(www, "js")).filter((f) => f.endsWith(".js")).map((f) => `js/${f}`);
  const expected = ["", "style.css", "app.js", ...scripts, "pkg/herken_lean.js", "pkg/herken_lean_bg.wasm", "bundles/index.json", ...index.bundles.map((b) => `bundles/${b.file}`)];
  // The icon and the manifest, when the browser asks for them at all, are the page's own too.
  const optional = ["icon.svg", "manifest.webmanifest"];
  assert.deepEqual(requests.map((u) => u.slice(server.url.length)).filter((u) => !optional.includes(u)).sort(), expected.sort());
  // Use everything: answers, both languages, every rule set, print, download, clear.
  const cases = formCases();
  await enter(page, cases[0].case);
  await page.click("button[data-lang=en]");
  for (const b of index.bundles) await chooseSet(page, b.id);
  assert.equal(await page.locator("#panel .card").count(), index.bundles.length);
  for (const b of index.bundles) if (b.id !== DEFAULT) await chooseSet(page, b.id, false);
  assert.equal(await page.locator("#panel .card").count(), 1);
  await page.click("button[data-lang=nl]");
  await enter(page, cases[cases.length - 1].case);
  await page.fill("#case-ref", "ZAAK-2025-0042");
  await page.fill("#case-notes", "Gesprek op de werkplek, met tolk.");
  await page.click("#discreet-toggle");
  await page.click("#reveal");
  await page.click("#discreet-toggle");
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

/** Every "victim" not preceded by "possible" ("slachtoffer", "mogelijk"), in lower case. */
function bareVictim(body, lang) {
  const text = body.toLowerCase();
  const bare = lang === "en"
    ? [...text.matchAll(/(\p{L}+\s+)?victims?\b/gu)].filter((m) => !/^possible\s/.test(m[1] ?? ""))
    : [...text.matchAll(/(\p{L}+\s+)?slachtoffers?\b/gu)].filter((m) => !/^mogelijke?\s/.test(m[1] ?? ""));
  return bare.map((m) => m[0]);
}

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
      assert.deepEqual(bareVictim(await page.innerText("body"), lang), [], `${id} [${lang}]`);
    }
    await page.click("button[data-lang=nl]");
  }
  assert.ok(seen.size >= 3);
  // Every set at once, both languages.
  for (const b of index.bundles) await chooseSet(page, b.id);
  for (const lang of ["en", "nl"]) {
    await page.click(`button[data-lang=${lang}]`);
    assert.deepEqual(bareVictim(await page.innerText("body"), lang), [], `every set [${lang}]`);
  }
  await context.close();
});

// A few answers, for the pictures of two sets: the sets' outcomes differ.
const PICTURE = { deceived_about_job: true, deceived_about_conditions: false, deceived_about_contract: null, no_day_off: true };

test("accessible: axe, labelled controls, targets of 44 px, a 360-pixel screen, one set or two", { timeout: 240_000 }, async () => {
  const layouts = [["desktop", 1280, 900], ["phone", 360, 740], ["two-sets-desktop", 1280, 900], ["two-sets-phone", 360, 740]];
  for (const [name, width, height] of layouts) {
    const { context, page } = await open({ width, height });
    const two = name.startsWith("two-sets");
    const phone = width < 800;
    // The pictures show the outcome: on a phone the discreet view, on by default, is turned off.
    if (phone) await page.click("#discreet-toggle");
    if (two) {
      await chooseSet(page, SECOND);
      if (phone) await page.click("#sets-summary"); // folded again, as on a phone it starts
      await enter(page, PICTURE);
      const reports = native([DEFAULT, SECOND], PICTURE);
      assert.notEqual(reports[0].outcome.level, reports[1].outcome.level, "the picture shows two different outcomes");
      const top = reports[0].outcome.level >= reports[1].outcome.level ? 0 : 1;
      assert.equal(await page.textContent("#outcome-bar-label"), `Hoogste (set ${top + 1}): ${reports[top].outcome.label}`);
    } else {
      await enter(page, formCases()[0].case);
    }
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select, textarea, button")]
      .filter((el) => !el.closest("[hidden]"))
      .filter((el) => {
        const label = el.closest("label") ?? (el.id && document.querySelector(`label[for="${el.id}"]`));
        const text = (label?.textContent ?? el.getAttribute("aria-label") ?? el.textContent ?? "").trim();
        return text.length === 0;
      }).map((el) => el.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, []);
    assert.equal(await page.evaluate(() => [...document.querySelectorAll("fieldset")].filter((f) => !f.querySelector("legend")).length), 0);
    await assertAxe(page, name);
    assert.deepEqual(await smallTargets(page), [], `${name}: controls under 44×44 px`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name}: no sideways scrolling`);
    await page.screenshot({ path: join(shots, `form-${name}.png`) });
    await page.locator("#panel").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, `panel-${name}.png`) });
    if (two) {
      // The pictures of wasm/README.md: the top of the page on a desktop (the choice, the form,
      // the outcomes); the outcomes on a phone.
      if (phone) {
        await page.evaluate(() => document.getElementById("panel").scrollIntoView());
        await page.screenshot({ path: join(shots, `${name}.png`) });
      } else {
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width, height: 1240 } });
      }
    }
    await context.close();
  }
});

test("screenshots are saved", () => {
  for (const f of ["page-desktop.png", "form-desktop.png", "form-phone.png", "panel-phone.png", "two-sets-desktop.png", "two-sets-phone.png"]) assert.ok(existsSync(join(shots, f)), f);
  assert.ok(readdirSync(shots).length >= 4);
});
