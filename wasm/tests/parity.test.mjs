// Parity: the WASM module (under Node) gives byte-for-byte the report the native engine and the
// CLI give, for every test case of every rule set in rules/ and every example in examples/, in
// every language of the rule set; and it fails with the CLI's codes and messages.
//
// Forged bundles and hostile scripts are in bundles.test.mjs, imported here so that
// scripts/test-wasm.sh runs them too.
//
// Needs scripts/build-wasm.sh to have run (wasm/pkg/node, wasm/www/bundles) and the native
// binaries built: `cargo build -p herken-cli -p herken-wasm --examples` (paths overridable with
// HERKEN and PARITY_CASES). Run: cd wasm && node --test tests/parity.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import "./bundles.test.mjs";
import { compact } from "./json-helpers.mjs";

const root = new URL("../../", import.meta.url).pathname;
const herken = process.env.HERKEN ?? join(root, "target/debug/herken");
const parityCases = process.env.PARITY_CASES ?? join(root, "target/debug/examples/parity-cases");
const run = promisify(execFile);

const require = createRequire(import.meta.url);
const wasm = require("../pkg/node");

const bundleDir = join(root, "wasm/www/bundles");
const index = JSON.parse(readFileSync(join(bundleDir, "index.json"), "utf8"));
const bundles = new Map(index.bundles.map((b) => [b.id, readFileSync(join(bundleDir, b.file), "utf8")]));
const screeners = new Map([...bundles].map(([id, text]) => [id, wasm.Screener.fromBundle(text)]));
const folders = readdirSync(join(root, "rules"))
  .filter((d) => existsSync(join(root, "rules", d, "ruleset.yaml")))
  .map((d) => `rules/${d}`);

/** The one report of `herken screen --format json` for one rule set (the CLI always writes a
 * list, one report per set), compact. */
function oneReport(pretty) {
  const all = compact(pretty);
  assert.ok(all.startsWith("[{") && all.endsWith("}]"), `a list of reports: ${all.slice(0, 40)}`);
  return all.slice(1, -1);
}

/** `herken screen --format json` on a case given on standard input. */
async function cli(folder, caseText, lang) {
  const child = execFile(herken, ["screen", "--format", "json", "--lang", lang, "--rules", folder, "-"], { cwd: root });
  child.stdin.end(caseText);
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `f` over `items`, `width` at a time. */
async function pool(items, width, f) {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    while (queue.length) await f(queue.shift());
  }));
}

const cases = execFileSync(parityCases, folders, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 })
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line));

test("every bundled rule set is in the page's bundles and loads in WASM", () => {
  assert.ok(folders.length > 0);
  for (const folder of folders) {
    const id = folder.slice("rules/".length);
    assert.ok(screeners.has(id), `no bundle for ${folder}`);
    const info = screeners.get(id).info();
    assert.equal(info.id, id);
    assert.match(info.sha256, /^[0-9a-f]{64}$/);
    assert.equal(info.engine, wasm.engineVersion());
  }
});

test("every test case: WASM report = native report = CLI report, byte for byte", async (t) => {
  assert.ok(cases.length >= folders.length, "the rule sets have test cases");
  const mismatches = [];
  await pool(cases, 2, async (c) => {
    const where = `${c.ruleset}/${c.source} "${c.name}" [${c.lang}]`;
    const screener = screeners.get(c.id);
    const caseText = JSON.stringify(c.case);
    const fromWasm = screener.screenJson(caseText, { lang: c.lang });
    if (fromWasm !== c.report) mismatches.push(`${where}: WASM differs from the native engine`);
    const out = await cli(c.ruleset, caseText, c.lang);
    if (out.code !== 0) mismatches.push(`${where}: the CLI failed: ${out.stderr}`);
    else if (oneReport(out.stdout) !== fromWasm) mismatches.push(`${where}: WASM differs from the CLI`);
    // The object form gives the same report as the text form.
    assert.deepEqual(screener.screen(c.case, { lang: c.lang }), JSON.parse(fromWasm), where);
  });
  assert.deepEqual(mismatches, []);
  t.diagnostic(`${cases.length} reports compared (${folders.length} rule sets)`);
});

test("every example: WASM and the CLI agree, report or error", async () => {
  const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".json"));
  assert.ok(examples.length > 0);
  const screener = screeners.get(index.default);
  for (const file of examples) {
    const text = readFileSync(join(root, "examples", file), "utf8");
    for (const lang of ["nl", "en"]) {
      const out = await cli(`rules/${index.default}`, text, lang);
      if (out.code === 0) {
        assert.equal(screener.screenJson(text, { lang }), oneReport(out.stdout), `${file} [${lang}]`);
      } else {
        assert.throws(() => screener.screenJson(text, { lang }), (e) => {
          assert.ok(out.stderr.includes(e.message.split("\n")[0]), `${file}: ${out.stderr} vs ${e.message}`);
          return true;
        });
      }
    }
  }
});

test("case errors carry the CLI's code, field and message", async () => {
  const screener = screeners.get(index.default);
  const [first] = screener.questions("en").questions.filter((q) => q.type === "yesno");
  const caseText = JSON.stringify({ [first.id]: "maybe", not_a_question: true });
  const e = (() => {
    try {
      screener.screen(caseText);
    } catch (error) {
      return error;
    }
    assert.fail("a bad case must throw");
  })();
  assert.ok(e instanceof Error);
  assert.equal(e.name, "HerkenError");
  assert.equal(e.errors.length, 2);
  assert.deepEqual(e.errors.map((x) => x.code).sort(), ["case::unknown-question", "case::wrong-type"]);
  assert.equal(e.code, e.errors[0].code);
  assert.equal(e.field, e.errors[0].field);
  const out = await cli(`rules/${index.default}`, caseText, "nl");
  assert.equal(out.code, 2);
  const expected = `herken: ${e.message.split("\n").map((line) => `<stdin>: ${line}`).join("\n")}\n`;
  assert.ok(out.stderr.endsWith(expected), `CLI:\n${out.stderr}\nWASM:\n${expected}`);

  for (const bad of ["[]", "null"]) {
    assert.throws(() => screener.screen(bad), { code: "case::not-an-object" });
  }
  assert.throws(() => screener.screen("{"), { code: "case::invalid-json" });
  assert.throws(() => screener.screen({}, { lnag: "en" }), { code: "options::invalid" });
});

test("bundles are verified: altered, foreign and future bundles are refused with their code", () => {
  const text = bundles.get(index.default);
  const bundle = JSON.parse(text);
  const altered = structuredClone(bundle);
  altered.files["ruleset.yaml"] = altered.files["ruleset.yaml"].replace("version:", "version:  ");
  assert.throws(() => wasm.Screener.fromBundle(JSON.stringify(altered)), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, "bundle::hash-mismatch");
    assert.match(e.message, /altered or damaged/);
    return true;
  });
  assert.throws(() => wasm.Screener.fromBundle("{}"), { code: "bundle::format" });
  assert.throws(() => wasm.Screener.fromBundle(JSON.stringify({ ...bundle, herken_bundle: 99 })), { code: "bundle::version" });
});

test("questions() is the form `herken questions --format json` gives, outcomes and dimensions included", async () => {
  for (const folder of folders) {
    const screener = screeners.get(folder.slice("rules/".length));
    for (const lang of screener.info().languages) {
      const { stdout } = await run(herken, ["questions", folder, "--format", "json", "--lang", lang], { cwd: root, maxBuffer: 1 << 26 });
      const form = screener.questions(lang);
      assert.deepEqual(form, JSON.parse(stdout), `${folder} [${lang}]`);
      assert.deepEqual(form.outcomes.map((o) => o.level), form.outcomes.map((_, i) => i));
      assert.ok(form.dimensions.length > 0, `${folder}: dimensions`);
    }
  }
});

test("questions() gives every question, grouped, in the chosen language", () => {
  for (const [id, screener] of screeners) {
    const info = screener.info();
    for (const lang of info.languages) {
      const q = screener.questions(lang);
      assert.equal(q.language, lang, id);
      const grouped = q.groups.flatMap((g) => g.questions);
      assert.deepEqual([...grouped].sort(), q.questions.map((x) => x.id).sort(), `${id}: every question in one group`);
      for (const question of q.questions) assert.ok(question.text.length > 0, `${id}/${question.id} has text in ${lang}`);
    }
    assert.deepEqual(screener.applicable({}), screener.questions().questions.map((x) => x.id).filter((x) => screener.applicable({}).includes(x)));
  }
});

test("ask_if: a question whose condition is false does not apply", () => {
  let checked = 0;
  for (const [id, screener] of screeners) {
    for (const q of screener.questions("en").questions.filter((x) => x.ask_if)) {
      // The simple form `obs.x`: with x = false the question does not apply, with x = true it does.
      const m = q.ask_if.trim().match(/^obs\.([a-z0-9_]+)$/);
      if (!m) continue;
      assert.ok(screener.applicable({ [m[1]]: true }).includes(q.id), `${id}/${q.id}`);
      assert.ok(!screener.applicable({ [m[1]]: false }).includes(q.id), `${id}/${q.id}`);
      checked += 1;
    }
  }
  assert.ok(checked > 0, "some rule set has an `ask_if: obs.x` question");
});

test("no text a form shows says victim without possible, in any rule set or language", () => {
  for (const [id, screener] of screeners) {
    for (const lang of screener.info().languages) {
      const q = screener.questions(lang);
      const texts = [q.ruleset.title, q.description, ...q.outcomes.flatMap((o) => [o.label, o.advice]), ...q.questions.flatMap((x) => [x.text, x.help ?? ""])];
      for (const text of texts) {
        for (const m of text.toLowerCase().matchAll(/(\p{L}+\s+)?(victims?|slachtoffers?)\b/gu)) {
          assert.match(m[1] ?? "", /^(possible|mogelijke?)\s/, `${id} [${lang}]: "${text.slice(Math.max(0, m.index - 40), m.index + 40)}"`);
        }
      }
    }
  }
});

test("the TypeScript declarations describe the API", () => {
  const dts = readFileSync(join(root, "wasm/pkg/node/herken_wasm.d.ts"), "utf8");
  for (const name of ["class Screener", "static fromBundle(json: string, options?: BundleOptions | null): Screener", "screen(observations: Observations | string, options?: ScreenOptions | null): Report",
    "screenJson(", "applicable(", "questions(lang?: string | null): Questionnaire", "info(): RuleSetInfo", "interface Report", "interface HerkenError", "interface BundleOptions", "trustedKeys?: string[]", 'state: "unsigned" | "signed" | "trusted"']) {
    assert.ok(dts.includes(name), `herken_wasm.d.ts lacks \`${name}\``);
  }
});
