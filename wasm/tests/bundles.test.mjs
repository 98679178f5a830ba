// The WASM module as an attacker meets it: forged bundles and hostile scripts.
//
// Bundles: made by `herken bundle` (the modules open a bundle by its compiled form, which only
// herken writes), signed by `herken keygen` + `herken bundle --sign-key`, and forged here with
// node:crypto following the format in wasm/README.md (which also proves a publisher can sign
// without herken). Every forgery is refused by `Screener.fromBundle`, with and without
// `trustedKeys`; `info().signature` says who signed what opened.
// Scripts: the sandbox holes of issue 14 (comparators that swallowed errors, nested
// comparators, infinities, comparisons across kinds) end in an `error` indicator, quickly.
//
// Needs scripts/build-wasm.sh to have run (wasm/pkg/node) and the CLI built
// (`cargo build -p herken-cli`; HERKEN overrides target/debug/herken). parity.test.mjs imports
// this file, so scripts/test-wasm.sh runs it; alone: cd wasm && node --test tests/bundles.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../", import.meta.url).pathname;
const herken = process.env.HERKEN ?? join(root, "target/debug/herken");
const require = createRequire(import.meta.url);
const wasm = require("../pkg/node");

// --- Making bundles as the format says -------------------------------------------------------

/** The content hash: SHA-256 over the files in path order, each as path, a zero byte, the
 *  text's length in bytes (8 bytes, big-endian) and the text. */
function contentHash(files) {
  const hash = createHash("sha256");
  for (const path of Object.keys(files).sort()) {
    const text = Buffer.from(files[path], "utf8");
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(text.length));
    hash.update(Buffer.from(path, "utf8")).update(Buffer.from([0])).update(length).update(text);
  }
  return hash.digest("hex");
}

/** The bundle `herken bundle` makes of `files` (the modules open a bundle by the compiled form
 *  only herken writes), declaring `id` and `version` (the rule set's own unless given). Unsigned. */
let made = 0;
function bundleOf(files, id, version) {
  const folder = join(dir, `set-${made++}`);
  mkdirSync(folder);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(folder, path), text);
  const out = `${folder}.bundle.json`;
  herkenRun("bundle", folder, "-o", out);
  const bundle = JSON.parse(readFileSync(out, "utf8"));
  return { ...bundle, id: id ?? bundle.id, version: version ?? bundle.version };
}

/** An Ed25519 key pair of node:crypto, with the public key as herken writes it. */
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const hex = Buffer.from(publicKey.export({ format: "jwk" }).x, "base64url").toString("hex");
  return { privateKey, hex, file: `herken-public-key ed25519 ${hex}\n` };
}

/** Signs a bundle object as the format says: Ed25519 over the context line and the compact
 *  JSON of the claims. */
function signWith(bundle, key) {
  const signed = { herken_bundle: bundle.herken_bundle, id: bundle.id, version: bundle.version, sha256: bundle.sha256 };
  // Format 2: the compiled form's hash too, last (rules/README.md, "Bundles and signatures").
  if (bundle.compiled_sha256 !== undefined) signed.compiled_sha256 = bundle.compiled_sha256;
  const message = Buffer.from(`herken-bundle-signature-v1\n${JSON.stringify(signed)}`, "utf8");
  const value = sign(null, message, key.privateKey).toString("hex");
  const { files, ...head } = bundle;
  return { ...head, signature: { algorithm: "ed25519", key: key.hex, signed, value }, files };
}

/** `ed25519:` and the first 16 bytes of the SHA-256 of the key's bytes, in hex. */
function fingerprint(hex) {
  return `ed25519:${createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex").slice(0, 32)}`;
}

/** A small rule set whose one indicator's condition is `when` (a Rhai script, one line each). */
function manifest(when, id = "wasm-test", version = "1.0.0") {
  const script = when.split("\n").map((line) => `      ${line}`).join("\n");
  return `format: 1
id: ${id}
version: ${version}
status: draft
title: {en: Test, nl: Test}
licence: CC0-1.0
languages: [en, nl]
questions:
  - {id: a, type: yesno, text: {en: A?, nl: A?}}
  - {id: story, type: text, text: {en: Story?, nl: Verhaal?}}
dimensions:
  - {id: d, label: {en: D, nl: D}}
indicators:
  - id: hostile
    dimension: d
    strength: strong
    label: {en: H, nl: H}
    reads: [a, story]
    when: |
${script}
decision:
  - {id: otherwise, outcome: none}
outcomes:
  - {id: none, label: {en: No signals found, nl: Geen signalen gevonden}, advice: {en: Stay alert., nl: Blijf alert.}}
`;
}

/** The code `fromBundle` throws for `bundle` (an object or JSON text) with `options`, or null. */
function refusal(bundle, options) {
  const text = typeof bundle === "string" ? bundle : JSON.stringify(bundle);
  try {
    wasm.Screener.fromBundle(text, options);
    return null;
  } catch (e) {
    assert.equal(e.name, "HerkenError");
    assert.ok(e.message.length > 0);
    return e.code;
  }
}

// --- Signed by herken ------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "herken-bundles-"));
function herkenRun(...args) {
  return execFileSync(herken, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
herkenRun("keygen", "-o", join(dir, "publisher.key"));
const publisherKeyFile = readFileSync(join(dir, "publisher.key.pub"), "utf8");
const publisherHex = publisherKeyFile.match(/herken-public-key ed25519 ([0-9a-f]{64})/)[1];
herkenRun("bundle", "ilo-2009-adult-labour", "--sign-key", join(dir, "publisher.key"), "-o", join(dir, "labour.json"));
herkenRun("bundle", "ilo-2009-child-labour", "--sign-key", join(dir, "publisher.key"), "-o", join(dir, "child.json"));
const signedText = readFileSync(join(dir, "labour.json"), "utf8");
const signed = JSON.parse(signedText);
const otherSigned = JSON.parse(readFileSync(join(dir, "child.json"), "utf8"));
const trusted = { trustedKeys: [publisherKeyFile] };

test("a bundle signed by herken opens, trusted with its key and reported as signed without", () => {
  const screener = wasm.Screener.fromBundle(signedText, trusted);
  const info = screener.info();
  assert.deepEqual(info.signature, { state: "trusted", key: publisherHex, fingerprint: fingerprint(publisherHex) });
  // The bare key (hex, or base64) does as well as the key file.
  const base64 = Buffer.from(publisherHex, "hex").toString("base64");
  for (const key of [publisherHex, base64]) {
    assert.equal(wasm.Screener.fromBundle(signedText, { trustedKeys: [key] }).info().signature.state, "trusted");
  }
  assert.deepEqual(wasm.Screener.fromBundle(signedText).info().signature, { state: "signed", key: publisherHex, fingerprint: fingerprint(publisherHex) });
  const { signature, ...unsigned } = signed;
  assert.deepEqual(wasm.Screener.fromBundle(JSON.stringify(unsigned)).info().signature, { state: "unsigned" });
  // The report is the same whoever signed.
  assert.equal(screener.screenJson("{}"), wasm.Screener.fromBundle(JSON.stringify(unsigned)).screenJson("{}"));
});

test("a bundle signed with node:crypto as the format says opens as trusted", () => {
  const key = keyPair();
  const bundle = signWith(bundleOf({ "ruleset.yaml": manifest("obs.a") }), key);
  const info = wasm.Screener.fromBundle(JSON.stringify(bundle), { trustedKeys: [key.file] }).info();
  assert.deepEqual(info.signature, { state: "trusted", key: key.hex, fingerprint: fingerprint(key.hex) });
});

// --- Forged --------------------------------------------------------------------------------

/** Every forgery of the signed bundle with the code it must be refused with, keys or not. */
function forgeries() {
  const out = [];
  const ruleset = signed.files["ruleset.yaml"];
  const altered = { ...signed, files: { ...signed.files, "ruleset.yaml": ruleset.replace("strength: strong", "strength: weak") } };
  assert.notEqual(altered.files["ruleset.yaml"], ruleset);
  out.push(["content altered", altered, "bundle::hash-mismatch"]);
  out.push(["content altered and re-hashed", { ...altered, sha256: contentHash(altered.files) }, "bundle::tampered"]);
  out.push(["signature moved from another set", { ...signed, signature: otherSigned.signature }, "bundle::signature-moved"]);
  out.push(["relabelled version", { ...signed, version: "9.9.9" }, "bundle::signature-moved"]);
  const edited = { ...altered, sha256: contentHash(altered.files) };
  edited.signature = { ...signed.signature, signed: { ...signed.signature.signed, sha256: edited.sha256 } };
  out.push(["signed claims edited", edited, "bundle::signature-invalid"]);
  out.push(["key swapped", { ...signed, signature: { ...signed.signature, key: keyPair().hex } }, "bundle::signature-invalid"]);
  for (const [what, garbage] of [
    ["zz", "zz"],
    ["null", null],
    ["empty object", {}],
    ["value not hex", { ...signed.signature, value: "zz".repeat(64) }],
    ["value too short", { ...signed.signature, value: "00".repeat(63) }],
    ["key off the curve", { ...signed.signature, key: `02${"00".repeat(31)}` }],
    ["another algorithm", { ...signed.signature, algorithm: "rsa" }],
    ["an extra field", { ...signed.signature, note: "trust me" }],
  ]) {
    out.push([`garbage signature: ${what}`, { ...signed, signature: garbage }, "bundle::signature-malformed"]);
  }
  return out;
}

test("tampered, moved, forged and garbage signatures are refused, with and without trusted keys", () => {
  const other = keyPair();
  for (const options of [undefined, trusted, { trustedKeys: [other.file, publisherKeyFile] }]) {
    for (const [what, bundle, code] of forgeries()) {
      assert.equal(refusal(bundle, options), code, `${what} (${JSON.stringify(options)?.slice(0, 40)})`);
    }
  }
});

test("with trusted keys, a bundle re-signed with another key or stripped of its signature is refused", () => {
  const attacker = keyPair();
  const altered = { ...signed, files: { ...signed.files, "ruleset.yaml": signed.files["ruleset.yaml"].replace("strength: strong", "strength: weak") } };
  const { signature, ...stripped } = { ...altered, sha256: contentHash(altered.files) };
  const resigned = signWith(stripped, attacker);
  assert.throws(() => wasm.Screener.fromBundle(JSON.stringify(resigned), trusted), (e) => {
    assert.equal(e.code, "bundle::untrusted-key");
    assert.ok(e.message.includes(fingerprint(attacker.hex)), e.message);
    return true;
  });
  assert.equal(refusal(stripped, trusted), "bundle::unsigned");
  const { signature: _, ...original } = signed;
  assert.equal(refusal(original, trusted), "bundle::unsigned");
  // Without trusted keys a valid signature opens, and says whose it is: the page decides.
  const info = wasm.Screener.fromBundle(JSON.stringify(resigned)).info();
  assert.deepEqual(info.signature, { state: "signed", key: attacker.hex, fingerprint: fingerprint(attacker.hex) });
});

test("duplicate keys, another id inside and stray files are refused", () => {
  const duplicated = signedText.replace('"files": {', '"files": {\n    "ruleset.yaml": "x",');
  assert.notEqual(duplicated, signedText);
  assert.equal(refusal(duplicated), "bundle::duplicate-key");
  assert.equal(refusal(signedText.replace('"id":', '"id": "x",\n  "id":')), "bundle::duplicate-key");
  const files = { "ruleset.yaml": manifest("obs.a") };
  assert.equal(refusal(bundleOf(files, "another-id")), "bundle::identity-mismatch");
  assert.equal(refusal(bundleOf(files, "wasm-test", "2.0.0")), "bundle::identity-mismatch");
  const bundle = bundleOf(files);
  const stray = { ...bundle.files, "notes.txt": "x" };
  assert.equal(refusal({ ...bundle, files: stray, sha256: contentHash(stray) }), "bundle::format");
  // A byte-order mark in front is no damage.
  assert.equal(refusal(`\ufeff${signedText}`, trusted), null);
});

test("bundle options are checked", () => {
  assert.equal(refusal(signedText, { trustedKeys: [] }), "options::invalid");
  assert.equal(refusal(signedText, { trustedKeys: ["not a key"] }), "options::invalid");
  assert.equal(refusal(signedText, { trustedkeys: [publisherKeyFile] }), "options::invalid");
  const secret = readFileSync(join(dir, "publisher.key"), "utf8");
  assert.throws(() => wasm.Screener.fromBundle(signedText, { trustedKeys: [secret] }), (e) => {
    assert.equal(e.code, "options::invalid");
    assert.match(e.message, /secret key/);
    return true;
  });
});

// --- Hostile scripts -----------------------------------------------------------------------

/** The hostile indicator's report entry, screened within a second. */
function screened(when) {
  const screener = wasm.Screener.fromBundle(JSON.stringify(bundleOf({ "ruleset.yaml": manifest(when) })));
  const started = performance.now();
  const report = screener.screen({ a: true, story: "they took my passport" });
  const took = performance.now() - started;
  assert.ok(took < 1000, `${when}: ${took} ms`);
  return report.indicators[0];
}

test("errors inside comparators, infinities and comparisons across kinds are errors, not present or absent", () => {
  for (const when of [
    'let x = [3, 1, 2];\nx.sort(|p, q| throw "boom");\ntrue',
    'let x = [1, 1, 2];\nx.dedup(|p, q| throw "boom");\ntrue',
    "let x = [3, 1, 2];\nx.sort(|p, q| { loop { } });\ntrue",
    "let z = 0.0;\n!(0.0 / z > 1.0)",
    "let big = 1e308;\nbig * 10.0 > 0.0",
    "let s = obs.story;\ns > 5",
    'let a = obs.a;\na != "yes"',
  ]) {
    const indicator = screened(when);
    assert.equal(indicator.state, "error", `${when}: ${JSON.stringify(indicator)}`);
    assert.match(indicator.error.code, /^eval::/);
  }
});

test("nested comparators stop within the case's budget", () => {
  const when =
    "let x = [];\nx.pad(200, 1);\nx.sort(|p, q| { let b = []; b.pad(200, 1); b.sort(|r, s| { let c = []; c.pad(200, 1); c.sort(|t, u| t - u); 0 }); 0 });\ntrue";
  const indicator = screened(when);
  assert.equal(indicator.state, "error");
  assert.equal(indicator.error.code, "eval::operation-limit");
});
