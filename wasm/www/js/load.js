// Loading: the WASM module, the list of sets (bundles/index.json), then every bundle on its own.
// A bundle that is missing, cannot be fetched, or fails verification (damaged, wrong version,
// bad signature) disables that set only, with the reason; the page stops only when the module
// or the list cannot load, or when no set at all is left.

// The module is imported when the page starts, not statically: a missing or broken module is
// then a failure the page can explain, not a page that never starts.
let Screener;

/** A reason the page or a set could not load: `kind` picks the translated message
 *  (strings.js, `failed`), `status` is an HTTP status, `detail` the technical cause. */
class LoadFailure extends Error {
  constructor(kind, { status, code, detail } = {}) {
    super(detail ?? kind);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

/** The failure of a fetch that did not give the file: missing (404, 410), another HTTP error,
 *  or no answer at all. */
function fetchFailure(response, error) {
  if (!response) return new LoadFailure("network", { detail: String(error?.message ?? error) });
  const kind = response.status === 404 || response.status === 410 ? "missing" : "http";
  return new LoadFailure(kind, { status: response.status, detail: `HTTP ${response.status} ${response.statusText}`.trim() });
}

async function fetchText(url) {
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw fetchFailure(null, e);
  }
  if (!response.ok) throw fetchFailure(response);
  return response.text();
}

/** The kind of failure for a bundle the engine refused (`HerkenError` codes, wasm/README.md). */
function bundleFailure(e) {
  const code = e?.code ?? "";
  const kind = code === "bundle::hash-mismatch" ? "damaged"
    : code === "bundle::format" ? "format"
    : code === "bundle::version" ? "version"
    : code === "bundle::ruleset" ? "ruleset"
    : /sign|key|trust/.test(code) ? "signature"
    : "other";
  return new LoadFailure(kind, { code, detail: `${code || e?.name || "Error"}: ${e?.message ?? e}` });
}

/** Starts the module and reads the list of sets. Throws a LoadFailure of kind `file`, `module`
 *  or `index`. */
export async function loadIndex() {
  if (location.protocol === "file:") throw new LoadFailure("file");
  try {
    const module = await import("../pkg/herken_wasm.js");
    await module.default();
    Screener = module.Screener;
  } catch (e) {
    throw new LoadFailure("module", { detail: String(e?.message ?? e) });
  }
  let index;
  try {
    index = JSON.parse(await fetchText("bundles/index.json"));
  } catch (e) {
    throw new LoadFailure("index", { status: e.status, detail: e.detail ?? String(e?.message ?? e) });
  }
  if (!Array.isArray(index?.bundles) || index.bundles.length === 0) {
    throw new LoadFailure("index", { detail: "bundles/index.json lists no bundles" });
  }
  return index;
}

/** Loads and verifies one set: {id, file, title, screener, info, ids, population, forms} or, when that fails,
 *  {id, file, title, failure}. Never throws. */
export async function loadSet(entry) {
  const set = { id: entry.id, file: entry.file, title: entry.title };
  try {
    const text = await fetchText(`bundles/${entry.file}`);
    let screener;
    try {
      screener = Screener.fromBundle(text);
    } catch (e) {
      throw bundleFailure(e);
    }
    const info = screener.info();
    const form = screener.questions(info.languages[0]);
    const ids = new Set(form.questions.map((q) => q.id));
    // Who the set is for (adult, child or any) and the forms of exploitation it covers: the page
    // chooses sets by the person's age with them.
    const population = form.ruleset.population?.id ?? "any";
    const forms = (form.ruleset.forms ?? []).map((f) => f.id);
    return { ...set, id: info.id, screener, info, ids, population, forms };
  } catch (e) {
    return { ...set, failure: e instanceof LoadFailure ? e : new LoadFailure("other", { detail: String(e?.message ?? e) }) };
  }
}

/** The page-wide failure for anything `loadIndex` threw that is not a LoadFailure. */
export const asFailure = (e) => (e instanceof LoadFailure ? e : new LoadFailure("module", { detail: String(e?.message ?? e) }));

/** The failure when every set failed. */
export const noSetFailure = () => new LoadFailure("none");
