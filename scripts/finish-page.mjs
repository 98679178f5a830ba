#!/usr/bin/env node
// The last step of scripts/build-wasm.sh, after the module and the bundles are built:
//   1. loads every bundle in wasm/www/bundles/ with the freshly built lean module
//      (wasm/pkg/node-lean), and one it cannot screen with (`bundle::needs-full-module`) with the
//      full one (wasm/pkg/node), as the page does, so a bundle the page could not load fails the
//      build; writes bundles/index.json, the list the page loads: id, file and title in every
//      language of each set (a set whose bundle fails to load in a browser is still named by its
//      title there);
//   2. writes offline-files.js, the files the service worker (sw.js) keeps for offline use, with a
//      version that is a hash of their content: the lean module, and the full one only when a
//      bundle needs it;
//   3. writes a `.br` (brotli, quality 11) and a `.gz` (gzip -9) beside every file the page
//      serves, for scripts/serve-page.mjs or any server that sends pre-compressed files;
//   4. prints the sizes.
//
//   node scripts/finish-page.mjs [--default ilo-2009-adult-labour]
// Node's standard library only.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../", import.meta.url));
const www = join(root, "wasm/www");
const args = process.argv.slice(2);
const defaultId = args.includes("--default") ? args[args.indexOf("--default") + 1] : "ilo-2009-adult-labour";

function fail(message) {
  console.error(`finish-page: ${message}`);
  process.exit(1);
}

// --- 1. the list of sets ------------------------------------------------------------------

const require = createRequire(import.meta.url);
const lean = require(join(root, "wasm/pkg/node-lean"));
const full = require(join(root, "wasm/pkg/node"));
const files = readdirSync(join(www, "bundles")).filter((f) => f.endsWith(".bundle.json")).sort();
if (files.length === 0) fail("no bundles in wasm/www/bundles");
const needFull = [];
const bundles = files.map((file) => {
  let info;
  const text = readFileSync(join(www, "bundles", file), "utf8");
  try {
    let screener;
    try {
      screener = lean.Screener.fromBundle(text);
    } catch (e) {
      if (e.code !== "bundle::needs-full-module") throw e;
      console.log(`bundles/${file}: the full module (${e.message})`);
      needFull.push(file);
      screener = full.Screener.fromBundle(text);
    }
    info = screener.info();
    screener.free();
  } catch (e) {
    fail(`bundles/${file} does not load: ${e.code ?? e.name}: ${e.message}`);
  }
  return { id: info.id, file, title: info.title };
});
if (!bundles.some((b) => b.id === defaultId)) fail(`the default set \`${defaultId}\` is not among the bundles`);
// The page loads this list and every bundle in it once, at start (no request after that).
writeFileSync(join(www, "bundles/index.json"), `${JSON.stringify({ default: defaultId, bundles }, null, 1)}\n`);

// --- 2. the files kept for offline use ----------------------------------------------------

/** Every file under `dir` (relative to www), recursively. */
const walk = (dir) => readdirSync(join(www, dir), { withFileTypes: true }).flatMap((e) =>
  (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

// What the page loads: itself, its style, scripts, icons and manifest, the module and the bundles.
// Not sw.js (the browser keeps the worker itself) nor the compressed copies.
const SERVED = /\.(html|js|css|json|wasm|svg|webmanifest)$/;
const offline = walk(".").map((f) => f.split("\\").join("/"))
  .filter((f) => SERVED.test(f) && f !== "sw.js" && f !== "offline-files.js")
  .filter((f) => !f.startsWith("pkg/") || f === "pkg/herken_lean.js" || f === "pkg/herken_lean_bg.wasm"
    || (needFull.length > 0 && (f === "pkg/herken_wasm.js" || f === "pkg/herken_wasm_bg.wasm")))
  .sort();
for (const needed of ["index.html", "app.js", "style.css", "pkg/herken_lean.js", "pkg/herken_lean_bg.wasm", "bundles/index.json"]) {
  if (!offline.includes(needed)) fail(`${needed} is missing in wasm/www`);
}
const hash = createHash("sha256");
for (const f of offline) hash.update(`${f}\0`).update(readFileSync(join(www, f))).update("\0");
const version = hash.digest("hex").slice(0, 16);
writeFileSync(join(www, "offline-files.js"), [
  "// Written by scripts/finish-page.mjs (scripts/build-wasm.sh): the files the service worker",
  "// keeps for offline use, and their version (a hash of their content). A build output.",
  `const OFFLINE_VERSION = ${JSON.stringify(version)};`,
  `const OFFLINE_FILES = ${JSON.stringify(offline)};`,
  "",
].join("\n"));

// --- 3. pre-compressed copies -------------------------------------------------------------

const compressible = walk(".").map((f) => f.split("\\").join("/")).filter((f) => SERVED.test(f));
for (const f of walk(".")) {
  // Copies whose file is gone (a renamed script, a removed set).
  const m = f.match(/^(.*)\.(br|gz)$/);
  if (m && !existsSync(join(www, m[1]))) rmSync(join(www, f));
}
const sizes = new Map();
for (const f of compressible) {
  const data = readFileSync(join(www, f));
  const br = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length, [constants.BROTLI_PARAM_LGWIN]: 24 },
  });
  const gz = gzipSync(data, { level: 9 });
  writeFileSync(join(www, `${f}.br`), br);
  writeFileSync(join(www, `${f}.gz`), gz);
  sizes.set(f, { raw: data.length, gz: gz.length, br: br.length });
}

// --- 4. sizes -----------------------------------------------------------------------------

const row = (name, s) => `${name.padEnd(44)} ${String(s.raw).padStart(10)} ${String(s.gz).padStart(10)} ${String(s.br).padStart(10)}`;
const sum = (list) => list.reduce((a, f) => ({ raw: a.raw + sizes.get(f).raw, gz: a.gz + sizes.get(f).gz, br: a.br + sizes.get(f).br }), { raw: 0, gz: 0, br: 0 });
console.log(`${"file".padEnd(44)} ${"raw".padStart(10)} ${"gzip -9".padStart(10)} ${"brotli 11".padStart(10)}`);
for (const f of offline) console.log(row(f, sizes.get(f)));
console.log(row("lean WASM + JS (pkg/herken_lean*)", sum(["pkg/herken_lean.js", "pkg/herken_lean_bg.wasm"])));
console.log(row("full WASM + JS (pkg/herken_wasm*)", sum(["pkg/herken_wasm.js", "pkg/herken_wasm_bg.wasm"])));
console.log(needFull.length ? `the full module is kept offline: ${needFull.join(", ")} need${needFull.length === 1 ? "s" : ""} it` : "every bundle opens with the lean module: the full one is not kept offline");
console.log(row("page (no pkg/, bundles/)", sum(offline.filter((f) => !f.startsWith("pkg/") && !f.startsWith("bundles/")))));
console.log(row("everything kept offline", sum(offline)));
console.log(`offline version ${version}, ${offline.length} files; ${relative(root, www)}/**/*.{br,gz} written`);
