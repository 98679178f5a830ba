// Guided interviews: the WASM module's guide() gives the step `herken screen --guided --format
// json` gives, for the same partial cases of every bundled set, so the page and the CLI ask the
// same question next. Walks an interview per set and language, answering each question the
// engine asks (yes, no and "don't know" in turn), and compares every step.
//
// Needs scripts/build-wasm.sh to have run and the CLI built (`cargo build -p herken-cli`; path
// overridable with HERKEN). Run: cd wasm && node --test tests/guide.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const herken = process.env.HERKEN ?? join(root, "target/debug/herken");
const require = createRequire(import.meta.url);
const wasm = require("../pkg/node");

const bundleDir = join(root, "wasm/www/bundles");
const index = JSON.parse(readFileSync(join(bundleDir, "index.json"), "utf8"));

/** `herken screen --guided --format json` for a case on standard input. */
function cliStep(folder, answers, asked, lang) {
  const args = ["screen", "--guided", "--format", "json", "--lang", lang, "--rules", folder];
  if (asked.length) args.push("--asked", asked.join(","));
  args.push("-");
  const child = execFile(herken, args, { cwd: root });
  child.stdin.end(JSON.stringify(answers));
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // A list, one step per set (as `screen --format json` lists reports).
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(stdout)[0]) : reject(new Error(stderr))));
  });
}

/** An answer for the question the step asks: yes, no and "don't know" in turn for yes/no
 *  questions, the first option or the lowest number for others. */
function answerFor(question, turn) {
  switch (question.type) {
    case "yesno": return [true, false, null][turn % 3];
    case "integer":
    case "number": return question.min ?? 0;
    case "choice": return question.options[0].id;
    case "choices": return [question.options[0].id];
    default: return "synthetic note";
  }
}

test("guide(): WASM and the CLI give the same step for the same partial case, every set", async (t) => {
  let compared = 0;
  for (const b of index.bundles) {
    const screener = wasm.Screener.fromBundle(readFileSync(join(bundleDir, b.file), "utf8"));
    const folder = `rules/${b.id}`;
    for (const lang of ["nl", "en"]) {
      const form = screener.questions(lang);
      const byId = new Map(form.questions.map((q) => [q.id, q]));
      const answers = {};
      const asked = [];
      for (let turn = 0; turn < 6; turn++) {
        const fromWasm = screener.guide(answers, asked, lang);
        const fromCli = await cliStep(folder, answers, asked.filter((id) => !(id in answers) || answers[id] === null), lang);
        assert.deepEqual(fromWasm, fromCli, `${b.id} [${lang}] after ${asked.join(", ") || "nothing"}`);
        compared++;
        assert.equal(fromWasm.asked, asked.length);
        if (!fromWasm.next) {
          assert.equal(fromWasm.settled, true);
          break;
        }
        assert.ok(!asked.includes(fromWasm.next.id), `${b.id}: asks ${fromWasm.next.id} again`);
        assert.ok(screener.applicable(answers).includes(fromWasm.next.id), `${b.id}: ${fromWasm.next.id} applies`);
        const answer = answerFor(byId.get(fromWasm.next.id), turn);
        answers[fromWasm.next.id] = answer;
        asked.push(fromWasm.next.id);
      }
    }
  }
  t.diagnostic(`${compared} steps compared (${index.bundles.length} rule sets, nl and en)`);
});

test("guide(): the outcome is the screen's; asked ids of other sets are ignored; bad `asked` throws", () => {
  const b = index.bundles.find((x) => x.id === index.default);
  const screener = wasm.Screener.fromBundle(readFileSync(join(bundleDir, b.file), "utf8"));
  const first = screener.guide({}, [], "en");
  assert.equal(first.asked, 0);
  assert.equal(first.top.status, "open");
  assert.equal(first.settled, false);
  assert.ok(first.next.question.length > 0);
  const form = screener.questions("en");
  const question = form.questions.find((q) => q.id === first.next.id);
  const answers = { [first.next.id]: answerFor(question, 0) };
  const step = screener.guide(answers, [first.next.id, "not_in_this_set"], "en");
  assert.equal(step.asked, 1);
  assert.equal(step.outcome.id, screener.screen(answers, { lang: "en" }).outcome.id);
  assert.deepEqual(screener.guide(answers), screener.guide(answers, [], "nl"));
  assert.throws(() => screener.guide({}, "not a list"), { code: "options::invalid" });
  const yesno = form.questions.find((q) => q.type === "yesno");
  assert.throws(() => screener.guide({ [yesno.id]: "maybe" }, []), { code: "case::wrong-type" });
});
