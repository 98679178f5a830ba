// The single-case screen in herken's WASM modules under Node, side by side with the same
// work done natively: the same synthetic cases as the native benchmarks (a port of
// benches/src/synth.rs, same JSON text), 256 of them cycled through, and every measurement
// taken in interleaved rounds — a round of the full module, one of the lean module, one of the
// native engine (wasm/examples/screen-native.rs: `api::screen`, what `screenJson` runs, and
// `Bundle::open_compiled`, what the lean `fromBundle` runs) — so each ratio compares figures
// taken under the same machine load. On a shared machine the ratios are the figures that count.
//
// Needs the modules and the bundles built (bash scripts/build-wasm.sh: wasm/pkg/node,
// wasm/pkg/node-lean, wasm/www/bundles) and the native side
// (cargo build --release -p herken-wasm --example screen-native). From the repository root:
//   node benches/wasm/screen.mjs [--rounds N] [--processes P] [rule-set-id ...]
// (default: ilo-2009-adult-labour, 41 rounds, 1 process). With --processes P the whole
// measurement runs in P Node processes one after the other, and the figures are the median of
// theirs, each ratio with its range: one process's figures vary with its memory layout.
// HERKEN_WASM: the module directories to time, comma-separated (default: both);
// HERKEN_BUNDLES: the bundle directory; HERKEN_NATIVE: the native program ("" to leave it out).
import { createRequire } from "node:module";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";

const root = new URL("../../", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const moduleDirs = (process.env.HERKEN_WASM ?? `${join(root, "wasm/pkg/node")},${join(root, "wasm/pkg/node-lean")}`)
  .split(",")
  .filter((d) => d !== "");
const modules = moduleDirs.map((dir) => {
  const wasm = require(dir);
  return { name: wasm.hasRhai?.() === false ? "lean" : "full", dir, wasm };
});
// Two builds of one kind (HERKEN_WASM naming both) are told apart by their directory.
for (const m of modules) {
  if (modules.filter((o) => o.name === m.name).length > 1) m.name = basename(m.dir);
}
const bundles = process.env.HERKEN_BUNDLES ?? join(root, "wasm/www/bundles");
const nativePath = process.env.HERKEN_NATIVE ?? join(root, "target/release/examples/screen-native");

// splitmix64, as in benches/src/synth.rs.
class SplitMix64 {
  constructor(seed) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }
  nextU64() {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }
  below(n) {
    return Number(this.nextU64() % BigInt(n));
  }
  unit() {
    return Number(this.nextU64() >> 11n) / 2 ** 53;
  }
  chance(p) {
    return this.unit() < p;
  }
  pick(items) {
    return items[this.below(items.length)];
  }
}

const WORDS = ["ik", "werk", "op", "een", "boerderij", "en", "de", "baas", "heeft", "mijn", "paspoort",
  "passport", "schuld", "debt", "uren", "hours", "slapen", "in", "container", "geld", "money",
  "bedreigd", "threatened", "familie", "family", "niet", "weg", "kan", "cannot", "leave"];

function answer(q, concern, rng) {
  const lo = q.min ?? 0;
  const hi = q.max ?? 100;
  const options = (q.options ?? []).map((o) => o.id);
  switch (q.type) {
    case "yesno": {
      const yes = rng.chance(concern);
      return rng.chance(0.05) ? (yes ? '"yes"' : '"no"') : String(yes);
    }
    case "integer": {
      const base = 20 + rng.below(30) + rng.below(30);
      const extra = rng.chance(concern * 2) ? rng.below(40) : 0;
      return String(Math.min(Math.max(base + extra, lo), hi));
    }
    case "number": {
      const x = lo + ((hi - lo) * (rng.unit() + rng.unit())) / 2;
      return Math.min(Math.max(x, lo), hi).toFixed(1);
    }
    case "choice":
      return JSON.stringify(options.length ? rng.pick(options) : "x");
    case "choices":
      return `[${options.filter(() => rng.chance(0.3)).map((o) => JSON.stringify(o)).join(",")}]`;
    default: {
      const n = 20 + rng.below(40);
      const words = [];
      for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
      return JSON.stringify(words.join(" "));
    }
  }
}

function cases(questions, n, seed) {
  const rng = new SplitMix64(seed);
  const out = [];
  for (let c = 0; c < n; c++) {
    const concern = rng.pick([0.0, 0.02, 0.02, 0.08, 0.08, 0.25]);
    const unknown = rng.pick([0.02, 0.02, 0.15, 0.5]);
    const parts = [];
    for (const q of questions) {
      let a;
      if (rng.chance(unknown)) {
        const r = rng.below(20);
        if (r <= 11) continue;
        a = r <= 16 ? "null" : '"unknown"';
      } else {
        a = answer(q, concern, rng);
      }
      parts.push(`${JSON.stringify(q.id)}:${a}`);
    }
    out.push(`{${parts.join(",")}}`);
  }
  return out;
}

/** Median of a list of numbers. */
function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 ? sorted[n >> 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** `measure(item, k)` for each of `items`, starting at a different one in each round `r`, so
 *  that no module is always the one measured right after the native side (which runs
 *  meanwhile): the answers in the order of `items`. Each measurement is preceded by a tenth of
 *  its calls, untimed: the first calls after the other side ran are slower (~5 % of a round). */
function inTurn(items, r, measure) {
  const out = new Array(items.length);
  for (let j = 0; j < items.length; j++) {
    const k = (r + j) % items.length;
    out[k] = measure(items[k], k);
  }
  return out;
}

/** A round of `calls` calls of `fn`, cycling through `inputs` from `state.i`: µs per call. */
function round(fn, inputs, calls, state) {
  const start = performance.now();
  for (let k = 0; k < calls; k++) {
    state.i = (state.i + 1) % inputs.length;
    fn(inputs[state.i]);
  }
  return ((performance.now() - start) * 1000) / calls;
}

/** The native program, kept running: one request line in, one figure out. */
class Native {
  constructor(bundlePath, casesPath) {
    this.child = spawn(nativePath, [bundlePath, casesPath], { stdio: ["pipe", "pipe", "inherit"] });
    this.waiting = [];
    this.failed = new Promise((_, reject) => {
      this.child.on("exit", (code) => reject(new Error(`${basename(nativePath)} ended (exit code ${code})`)));
      this.child.on("error", reject);
    });
    this.failed.catch(() => {});
    createInterface({ input: this.child.stdout }).on("line", (line) => this.waiting.shift()?.(Number(line)));
  }
  ask(request) {
    const answer = new Promise((resolve) => this.waiting.push(resolve));
    this.child.stdin.write(`${request}\n`);
    return Promise.race([answer, this.failed]);
  }
  end() {
    this.child.stdin.end();
  }
}

const args = process.argv.slice(2);
let rounds = 41;
let processes = 1;
let child = false;
const sets = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--rounds") rounds = Number(args[++i]);
  else if (args[i] === "--processes") processes = Number(args[++i]);
  else if (args[i] === "--child") child = true;
  else sets.push(args[i]);
}
if (!(rounds >= 1)) throw new Error("--rounds takes a positive number");
if (!(Number.isInteger(processes) && processes >= 1)) throw new Error("--processes takes a positive whole number");
if (sets.length === 0) sets.push("ilo-2009-adult-labour");
const withNative = nativePath !== "" && existsSync(nativePath);
if (!child) {
  console.log(
    `${modules[0].wasm.engineVersion()}: ${modules.map((m) => m.name).join(" and ")} WASM module under Node ${process.version}` +
      (withNative ? ", and natively" : ` (no native side: build it with cargo build --release -p herken-wasm --example screen-native)`),
  );
}

if (processes === 1) {
  const scratch = mkdtempSync(join(tmpdir(), "herken-bench-"));
  try {
    for (const id of sets) {
      const tables = await bench(id, scratch);
      if (child) process.stdout.write(`${JSON.stringify(tables)}\n`);
      else for (const t of tables) print(t, 1);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  // One Node process lays out its memory at random (ASLR), and under Node 20 the same module
  // screens up to ~20 % faster or slower in one process than in the next (not so with address
  // randomisation off: `setarch -R`). So each process is measured whole, one after the other,
  // and the figures are the median over the processes, with the range of each ratio.
  const runs = [];
  for (let p = 0; p < processes; p++) {
    const out = await new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", "--rounds", String(rounds), ...sets], { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      c.stdout.on("data", (d) => (text += d));
      c.on("error", reject);
      c.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`process ${p + 1} of the benchmark ended with exit code ${code}`))));
    });
    runs.push(out.trim().split("\n").flatMap((l) => JSON.parse(l)));
  }
  runs[0].forEach((table, t) => {
    const all = runs.map((r) => r[t]);
    const rows = table.rows.map((row, k) => ({
      name: row.name,
      medians: row.medians.map((_, c) => median(all.map((r) => r.rows[k].medians[c]))),
      ratios: row.ratios.map((_, c) => median(all.map((r) => r.rows[k].ratios[c]))),
      ranges: row.ratios.map((_, c) => [Math.min(...all.map((r) => r.rows[k].ratios[c])), Math.max(...all.map((r) => r.rows[k].ratios[c]))]),
    }));
    print({ ...table, rows }, processes);
  });
}

/** A table of results: each row's medians (a column per module, then native) and ratios. */
function print(table, processes) {
  const { title, unit, columns, ratioNames, rows } = table;
  const width = (c) => Math.max(processes > 1 ? 26 : 14, c.length + 2);
  console.log(`\n${title}${processes > 1 ? `; ${processes} processes, the median of theirs (ratio: and their range)` : ""}`);
  console.log(`  ${"".padEnd(40)}${columns.map((c) => c.padStart(10)).join("")}${ratioNames.map((c) => c.padStart(width(c))).join("")}   (${unit})`);
  for (const { name, medians, ratios, ranges } of rows) {
    const ratio = (r, k) => (ranges ? `${r.toFixed(2)} (${ranges[k][0].toFixed(2)}–${ranges[k][1].toFixed(2)})` : r.toFixed(2));
    console.log(`  ${name.padEnd(40)}${medians.map((m) => m.toFixed(m < 10 ? 2 : 1).padStart(10)).join("")}${ratios.map((r, k) => ratio(r, k).padStart(width(ratioNames[k]))).join("")}`);
  }
}

/** Measures set `id`: tables of figures, one for opening the bundle, one for screening. */
async function bench(id, scratch) {
  const bundlePath = join(bundles, `${id}.bundle.json`);
  const bundleText = readFileSync(bundlePath, "utf8");
  const screeners = [];
  for (const m of modules) {
    try {
      screeners.push({ name: m.name, wasm: m.wasm, screener: m.wasm.Screener.fromBundle(bundleText) });
    } catch (e) {
      console.error(`\n${id}: the ${m.name} module refuses the bundle (${e.code}): left out`);
    }
  }
  if (screeners.length === 0) return [];
  const texts = cases(screeners[0].screener.questions("en").questions, 256, 7);
  const casesPath = join(scratch, `${id}.jsonl`);
  writeFileSync(casesPath, texts.join("\n") + "\n");
  const native = withNative ? new Native(bundlePath, casesPath) : null;
  const columns = [...screeners.map((s) => s.name), ...(native ? ["native"] : [])];
  const ratioNames = native ? screeners.map((s) => `${s.name}/native`) : [];
  const row = (name, per, nat, ratios) => ({
    name,
    medians: [...per.map(median), ...(native ? [median(nat)] : [])],
    ratios: native ? ratios.map(median) : [],
  });
  const tables = [];

  // Opening the bundle: strict JSON, both hashes, then compiling the rule files (full module)
  // or reading the compiled form (lean module, and natively). Rounds of 5 opens.
  {
    const per = screeners.map(() => []);
    const nat = [];
    const ratios = screeners.map(() => []);
    const opens = Math.max(5, Math.round(rounds / 2));
    for (const s of screeners) for (let k = 0; k < 3; k++) s.wasm.Screener.fromBundle(bundleText).free();
    for (let r = 0; r < opens; r++) {
      const wasmMs = inTurn(screeners, r, (s) => {
        const open = (t) => s.wasm.Screener.fromBundle(t).free();
        round(open, [bundleText], 1, { i: 0 });
        return round(open, [bundleText], 5, { i: 0 }) / 1000;
      });
      wasmMs.forEach((ms, k) => per[k].push(ms));
      if (native) {
        const ms = await native.ask("open 5");
        nat.push(ms);
        wasmMs.forEach((w, k) => ratios[k].push(w / ms));
      }
    }
    tables.push({
      title: `${id}: opening the bundle (${bundleText.length} bytes), median of ${opens} rounds of 5`,
      unit: "ms per bundle; ratio per round, median",
      columns,
      ratioNames,
      rows: [row("fromBundle (native: open_compiled)", per, nat, ratios)],
    });
  }

  // Screening: rounds of 500 calls, each module's and the native engine's in turn.
  const objects = texts.map((t) => JSON.parse(t));
  const kinds = [
    ["screenJson(text), next questions", (s) => (c) => s.screener.screenJson(c, { lang: "en" }), texts, "screen 500 1"],
    ["screenJson(text), no next questions", (s) => (c) => s.screener.screenJson(c, { lang: "en", nextQuestions: false }), texts, "screen 500 0"],
    ["screen(object) -> object", (s) => (c) => s.screener.screen(c, { lang: "en" }), objects, "screen 500 1"],
  ];
  const rows = [];
  for (const [name, make, inputs, request] of kinds) {
    const fns = screeners.map(make);
    const states = screeners.map(() => ({ i: 0 }));
    fns.forEach((fn, k) => round(fn, inputs, 2000, states[k]));
    const per = screeners.map(() => []);
    const nat = [];
    const ratios = screeners.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const us = inTurn(fns, r, (fn, k) => {
        round(fn, inputs, 50, states[k]);
        return round(fn, inputs, 500, states[k]);
      });
      us.forEach((u, k) => per[k].push(u));
      if (native) {
        const n = await native.ask(request);
        nat.push(n);
        us.forEach((u, k) => ratios[k].push(u / n));
      }
    }
    rows.push(row(name, per, nat, ratios));
  }
  tables.push({
    title: `${id}: one case, median of ${rounds} rounds of 500 calls (256 synthetic cases)`,
    unit: "µs per call; ratio per round, median",
    columns,
    ratioNames,
    rows,
  });
  native?.end();
  return tables;
}
