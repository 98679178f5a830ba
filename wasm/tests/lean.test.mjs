// The lean module (wasm/pkg/node-lean: no Rhai, no YAML reader, no pattern matching; it opens a
// bundle by its compiled form) against the native engine and the full module: byte-identical
// reports for every test case of every bundled set in every language (also without Node's
// `Buffer`, as in a browser, or with one that copies), the same questions,
// info, applicable questions, guided steps and case errors, and answers with characters that
// are not ASCII as the CLI writes them; and a bundle it cannot screen with
// is refused with `bundle::needs-full-module`, naming the conditions, while the full module
// opens it and screens its scripted conditions (compiled from the compiled form, with the set's
// `*.rhai` library) as the CLI does, runtime errors and their places included.
//
// Needs scripts/build-wasm.sh to have run (wasm/pkg/node, wasm/pkg/node-lean, wasm/www/bundles)
// and `cargo build -p herken-wasm --example parity-cases` (path overridable with PARITY_CASES).
// Run: cd wasm && node --test tests/lean.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compact } from "./json-helpers.mjs";

const root = new URL("../../", import.meta.url).pathname;
const parityCases = process.env.PARITY_CASES ?? join(root, "target/debug/examples/parity-cases");
const herken = process.env.HERKEN ?? join(root, "target/debug/herken");
const require = createRequire(import.meta.url);
const lean = require("../pkg/node-lean");
const full = require("../pkg/node");

const bundleDir = join(root, "wasm/www/bundles");
const index = JSON.parse(readFileSync(join(bundleDir, "index.json"), "utf8"));
const texts = new Map(index.bundles.map((b) => [b.id, readFileSync(join(bundleDir, b.file), "utf8")]));
const folders = readdirSync(join(root, "rules"))
  .filter((d) => existsSync(join(root, "rules", d, "ruleset.yaml")))
  .map((d) => `rules/${d}`);

test("the lean module is the lean one, and opens every bundled set", () => {
  assert.equal(lean.hasRhai(), false);
  assert.equal(full.hasRhai(), true);
  assert.equal(lean.engineVersion(), full.engineVersion());
  for (const [id, text] of texts) {
    const a = lean.Screener.fromBundle(text);
    const b = full.Screener.fromBundle(text);
    assert.deepEqual(a.info(), b.info(), id);
    for (const lang of ["nl", "en"]) assert.deepEqual(a.questions(lang), b.questions(lang), `${id} [${lang}]`);
  }
});

test("every test case: lean report = native report, byte for byte", (t) => {
  const cases = execFileSync(parityCases, folders, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 })
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  assert.ok(cases.length >= folders.length);
  const screeners = new Map([...texts].map(([id, text]) => [id, lean.Screener.fromBundle(text)]));
  const mismatches = [];
  for (const c of cases) {
    const screener = screeners.get(c.id);
    const fromLean = screener.screenJson(JSON.stringify(c.case), { lang: c.lang });
    if (fromLean !== c.report) mismatches.push(`${c.ruleset}/${c.source} "${c.name}" [${c.lang}]`);
    assert.deepEqual(screener.applicable(c.case), [...full.Screener.fromBundle(texts.get(c.id)).applicable(c.case)]);
  }
  assert.deepEqual(mismatches, []);
  t.diagnostic(`${cases.length} reports compared (${folders.length} rule sets)`);
});

test("without Node's Buffer (as in a browser), or with one that copies, the same reports", () => {
  // Under Node the lean module makes a report's string with a `Buffer` viewing its memory;
  // where there is none, or one that copies what it is given (a stand-in for Node's might),
  // with `TextDecoder`. A Node process set up so takes that way.
  const cases = execFileSync(parityCases, folders, { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
  const dir = mkdtempSync(join(tmpdir(), "herken-nobuffer-"));
  const setups = {
    "no Buffer": "delete globalThis.Buffer;",
    "a Buffer that copies": `
      const Node = globalThis.Buffer;
      globalThis.Buffer = class extends Node {
        static from(value, ...rest) {
          return value instanceof ArrayBuffer ? Node.from(new Uint8Array(value).slice()) : Node.from(value, ...rest);
        }
      };`,
  };
  try {
    const casesFile = join(dir, "cases.jsonl");
    writeFileSync(casesFile, cases);
    for (const [name, setup] of Object.entries(setups)) {
      const script = `
        const { readFileSync } = require("node:fs");
        const cases = readFileSync(${JSON.stringify(casesFile)}, "utf8").trim().split("\\n").map((l) => JSON.parse(l));
        const bundles = ${JSON.stringify(Object.fromEntries(index.bundles.map((b) => [b.id, join(bundleDir, b.file)])))};
        ${setup}
        const lean = require(${JSON.stringify(join(root, "wasm/pkg/node-lean"))});
        const screeners = new Map();
        const differ = [];
        for (const c of cases) {
          if (!screeners.has(c.id)) screeners.set(c.id, lean.Screener.fromBundle(readFileSync(bundles[c.id], "utf8")));
          const report = screeners.get(c.id).screenJson(JSON.stringify(c.case), { lang: c.lang });
          if (report !== c.report) differ.push(c.ruleset + "/" + c.source + " " + c.name + " [" + c.lang + "]");
        }
        process.stdout.write(JSON.stringify({ buffer: typeof Buffer, screened: cases.length, differ }));
      `;
      const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", maxBuffer: 1 << 26 }));
      assert.equal(out.buffer === "undefined", name === "no Buffer", name);
      assert.ok(out.screened >= folders.length, name);
      assert.deepEqual(out.differ, [], name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every example: the lean and the full module agree, report or error", () => {
  const examples = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".json"));
  const a = lean.Screener.fromBundle(texts.get(index.default));
  const b = full.Screener.fromBundle(texts.get(index.default));
  for (const file of examples) {
    const text = readFileSync(join(root, "examples", file), "utf8");
    for (const lang of ["nl", "en"]) {
      const run = (s) => {
        try {
          return s.screenJson(text, { lang });
        } catch (e) {
          return `${e.name} ${e.code} ${e.field} ${e.message}`;
        }
      };
      assert.equal(run(a), run(b), `${file} [${lang}]`);
    }
  }
});

test("guide(): the lean and the full module give the same steps, every set", () => {
  for (const [id, text] of texts) {
    const a = lean.Screener.fromBundle(text);
    const b = full.Screener.fromBundle(text);
    for (const lang of ["nl", "en"]) {
      const answers = {};
      const asked = [];
      for (let turn = 0; turn < 40; turn++) {
        const step = a.guide(answers, asked, lang);
        assert.deepEqual(step, b.guide(answers, asked, lang), `${id} [${lang}] step ${turn}`);
        if (!step.next) break;
        const q = step.next;
        const options = a.questions(lang).questions.find((x) => x.id === q.id);
        answers[q.id] = options?.type === "yesno" ? [true, false, null][turn % 3]
          : options?.type === "choice" ? options.options[0].id
          : options?.type === "choices" ? [options.options[0].id]
          : options?.type === "integer" || options?.type === "number" ? options.min ?? 0
          : "note";
        asked.push(q.id);
      }
    }
  }
});

/** The bundle with its compiled form edited and its hash made right again (unsigned). */
function edited(text, edit) {
  const bundle = JSON.parse(text);
  const form = JSON.parse(bundle.compiled);
  edit(form);
  bundle.compiled = JSON.stringify(form);
  bundle.compiled_sha256 = createHash("sha256").update(bundle.compiled).digest("hex");
  return JSON.stringify(bundle);
}

test("a bundle the lean module cannot screen with is refused by name; the full module opens it", () => {
  const text = texts.get(index.default);
  const withPattern = edited(text, (f) => (f.patterns = ["indicator `worded`"]));
  assert.throws(() => lean.Screener.fromBundle(withPattern), (e) => {
    assert.equal(e.name, "HerkenError");
    assert.equal(e.code, "bundle::needs-full-module");
    assert.match(e.message, /indicator `worded` uses `matches`/);
    return true;
  });
  assert.equal(full.Screener.fromBundle(withPattern).info().id, index.default);
  const withScript = edited(text, (f) => (f.scripted = ["indicator `looped`"]));
  assert.throws(() => lean.Screener.fromBundle(withScript), /indicator `looped` is a script/);
  // Without a compiled form (a bundle of format 1, as earlier versions wrote): neither module
  // reads rule files, and both say to make the bundle again.
  const bundle = JSON.parse(text);
  delete bundle.compiled;
  delete bundle.compiled_sha256;
  bundle.herken_bundle = 1;
  for (const m of [lean, full]) {
    assert.throws(() => m.Screener.fromBundle(JSON.stringify(bundle)), (e) => {
      assert.equal(e.code, "bundle::no-compiled-form");
      assert.match(e.message, /make the bundle again with this version's `herken bundle`/);
      return true;
    });
  }
  // A compiled form changed without its hash: damaged, in both modules.
  const damaged = JSON.parse(text);
  assert.ok(damaged.compiled.includes('"format":2'));
  damaged.compiled = damaged.compiled.replace('"format":2', '"format":2 ');
  for (const m of [lean, full]) assert.throws(() => m.Screener.fromBundle(JSON.stringify(damaged)), { code: "bundle::hash-mismatch" });
});

test("scripted conditions: the full module screens them from the compiled form as the CLI does", () => {
  const dir = mkdtempSync(join(tmpdir(), "herken-scripted-"));
  try {
    const set = join(dir, "scripted");
    execFileSync(herken, ["new", set]);
    const manifest = join(set, "ruleset.yaml");
    const text = readFileSync(manifest, "utf8");
    // A script with a loop (not native), one calling the set's library, one that fails at run
    // time when the passport is held (a division by zero, placed in the block).
    const scripted = text.replace(
      "    when: obs.passport_held_by_other\n",
      "    reads: [passport_held_by_other]\n    when: |\n      let n = 0;\n      for i in 0..2 { n += twice(1); }\n" +
        "      let z = if obs.passport_held_by_other == true { 0 } else { 1 };\n      n / z == 4\n",
    );
    assert.notEqual(scripted, text, "the template's condition");
    writeFileSync(manifest, scripted);
    writeFileSync(join(set, "lib.rhai"), "fn twice(x) {\n  x * 2\n}\n");
    const bundleFile = join(dir, "scripted.bundle.json");
    execFileSync(herken, ["bundle", set, "-o", bundleFile], { stdio: "pipe" });
    const bundle = readFileSync(bundleFile, "utf8");
    assert.throws(() => lean.Screener.fromBundle(bundle), /indicator `documents_withheld` is a script/);
    const screener = full.Screener.fromBundle(bundle);
    let errors = 0;
    for (const answer of [true, false, null]) {
      const observations = { passport_held_by_other: answer };
      const caseFile = join(dir, "case.json");
      writeFileSync(caseFile, JSON.stringify(observations));
      for (const lang of ["nl", "en"]) {
        const pretty = execFileSync(herken, ["screen", "--rules", set, "--format", "json", "--lang", lang, caseFile], { encoding: "utf8" });
        // The CLI's list of one report, made compact (whitespace outside strings removed).
        const cli = compact(pretty).slice(1, -1);
        const got = screener.screenJson(JSON.stringify(observations), { lang });
        assert.equal(got, cli, `${answer} [${lang}]`);
        if (got.includes('"error":{')) errors += 1;
      }
    }
    assert.ok(errors >= 2, "the runtime error is reached");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("answers with characters that are not ASCII come back as the CLI writes them", () => {
  // The lean module makes a report's JS string in one decode, its other characters blanked out
  // and put back between slices: runs of every length (one unit, several, pairs of surrogates,
  // longer than a JS call takes as arguments), at the start, next to each other and at the end.
  const dir = mkdtempSync(join(tmpdir(), "herken-unicode-"));
  try {
    const set = join(dir, "unicode");
    execFileSync(herken, ["new", set]);
    const manifest = join(set, "ruleset.yaml");
    const text = readFileSync(manifest, "utf8");
    const withNote = text
      .replace("questions:\n", "questions:\n  - id: note\n    type: text\n    text: {en: \"Note – ö?\", nl: \"Notitie – ë?\"}\n")
      .replace("    when: obs.passport_held_by_other\n", '    when: obs.passport_held_by_other && obs.note != "x"\n');
    assert.ok(withNote.includes("id: note") && withNote.includes("obs.note"), "the template's questions and condition");
    writeFileSync(manifest, withNote);
    const bundleFile = join(dir, "unicode.bundle.json");
    execFileSync(herken, ["bundle", set, "-o", bundleFile], { stdio: "pipe" });
    const screener = lean.Screener.fromBundle(readFileSync(bundleFile, "utf8"));
    const notes = ["ö", "ö–é", "😀", "é".repeat(40), "Привет мир ".repeat(30), "Щ".repeat(5000), "😀".repeat(3000), "a😀b–c\u2028", "ÿ\u0080\u009f"];
    for (const note of notes) {
      const observations = { note, passport_held_by_other: true };
      const caseFile = join(dir, "case.json");
      writeFileSync(caseFile, JSON.stringify(observations));
      for (const lang of ["nl", "en"]) {
        const pretty = execFileSync(herken, ["screen", "--rules", set, "--format", "json", "--lang", lang, caseFile], { encoding: "utf8", maxBuffer: 1 << 26 });
        const got = screener.screenJson(JSON.stringify(observations), { lang });
        assert.ok(got.includes(note), `the note is in the report [${lang}]`);
        assert.equal(got, compact(pretty).slice(1, -1), `${note.slice(0, 12)} [${lang}]`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("case errors: the lean module gives the full module's code, field and message", () => {
  const a = lean.Screener.fromBundle(texts.get(index.default));
  const b = full.Screener.fromBundle(texts.get(index.default));
  for (const bad of ['{"hours_per_week": 400}', '{"no_such_question": true}', "[1]", "{", '{"under_18": "misschien"}']) {
    const error = (s) => {
      try {
        s.screenJson(bad, { lang: "nl" });
        return "no error";
      } catch (e) {
        return JSON.stringify({ name: e.name, code: e.code, field: e.field, message: e.message, errors: e.errors });
      }
    };
    assert.equal(error(a), error(b), bad);
  }
});

test("screen options: each screen is read with its own, whether they change, repeat or are refused", () => {
  // A screener keeps the options of its last screen (read once while they repeat): a report
  // must follow the options given with it, whatever came before.
  const text = texts.get(index.default);
  const [question] = lean.Screener.fromBundle(text).questions("en").questions.filter((q) => q.type === "yesno");
  const c = { [question.id]: true };
  const fresh = (m, options) => m.Screener.fromBundle(text).screenJson(c, options);
  const mutated = { lang: "en" };
  const sequence = [
    { lang: "en" }, { lang: "en" }, { lang: "nl" }, '{"lang":"en"}', { lang: "en", nextQuestions: false },
    undefined, { language: "en" }, { lang: "en" }, mutated, null, { lang: "nl", allowUnknownKeys: true },
  ];
  for (const m of [lean, full]) {
    const screener = m.Screener.fromBundle(text);
    for (const options of sequence) {
      assert.equal(screener.screenJson(c, options), fresh(m, options), JSON.stringify(options));
    }
    // The same object, changed: read again.
    mutated.lang = "nl";
    assert.equal(screener.screenJson(c, mutated), fresh(m, { lang: "nl" }));
    mutated.lang = "en";
    // Refused options change nothing for the screens after them.
    assert.throws(() => screener.screenJson(c, { lnag: "en" }), { code: "options::invalid" });
    assert.throws(() => screener.screenJson(c, "{"), { code: "options::invalid" });
    assert.throws(() => screener.screenJson(c, () => 1), { code: "options::invalid" });
    assert.throws(() => screener.screenJson(c, { lang: 1n }), { code: "options::invalid" });
    assert.equal(screener.screenJson(c, { lang: "en" }), fresh(m, { lang: "en" }));
  }
});
