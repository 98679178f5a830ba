// The single-case screen in herken's WASM module under Node, timed with performance.now():
// the same synthetic cases as the native benchmarks (a port of benches/src/synth.rs, same
// seed, same JSON text), cycling through 256 of them.
//
// Needs the module and the bundles built: bash scripts/build-wasm.sh (wasm/pkg/node,
// wasm/www/bundles). Run from the repository root:
//   node benches/wasm/screen.mjs [rule-set-id ...]      (default: ilo-2009-adult-labour)
// HERKEN_WASM and HERKEN_BUNDLES override the module and bundle paths: HERKEN_WASM=wasm/pkg/node-lean
// measures the lean module (no Rhai: it opens a bundle by its compiled form).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const root = new URL("../../", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const wasm = require(process.env.HERKEN_WASM ?? join(root, "wasm/pkg/node"));
const bundles = process.env.HERKEN_BUNDLES ?? join(root, "wasm/www/bundles");

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

/** Median of `rounds` timings of `batch` calls each, in µs per call. */
function time(fn, inputs, { warmup = 2000, batch = 500, rounds = 41 } = {}) {
  let i = 0;
  const next = () => inputs[(i = (i + 1) % inputs.length)];
  for (let k = 0; k < warmup; k++) fn(next());
  const perCall = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let k = 0; k < batch; k++) fn(next());
    perCall.push(((performance.now() - start) * 1000) / batch);
  }
  perCall.sort((a, b) => a - b);
  return perCall[perCall.length >> 1];
}

const sets = process.argv.slice(2);
if (sets.length === 0) sets.push("ilo-2009-adult-labour");
console.log(`${wasm.engineVersion()} (WASM, ${wasm.hasRhai?.() === false ? "lean" : "full"} module) under Node ${process.version}`);
for (const id of sets) {
  const bundleText = readFileSync(join(bundles, `${id}.bundle.json`), "utf8");
  // Opening a bundle: strict JSON, hashes, then compiling its rule files (full module) or
  // reading its compiled form (lean module). Median of 21 rounds of 5.
  const opened = time((text) => wasm.Screener.fromBundle(text).free(), [bundleText], { warmup: 3, batch: 5, rounds: 21 });
  console.log(`\n${id}: fromBundle (load, verify, compile) ${(opened / 1000).toFixed(2)} ms per bundle (${bundleText.length} bytes)`);
  const screener = wasm.Screener.fromBundle(bundleText);
  const texts = cases(screener.questions("en").questions, 256, 7);
  const objects = texts.map((t) => JSON.parse(t));
  const rows = [
    ["screen(object) -> report object, next questions", () => time((c) => screener.screen(c, { lang: "en" }), objects)],
    ["screenJson(text) -> report text, next questions", () => time((c) => screener.screenJson(c, { lang: "en" }), texts)],
    ["screenJson(text) -> report text, no next questions", () => time((c) => screener.screenJson(c, { lang: "en", nextQuestions: false }), texts)],
  ];
  console.log(`\n${id}: median µs per call (256 synthetic cases, ${41} rounds of 500 calls)`);
  for (const [name, run] of rows) {
    console.log(`  ${name.padEnd(54)} ${run().toFixed(1).padStart(8)} µs`);
  }
}
