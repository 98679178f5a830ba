// Loading: the WASM module, the list of sets (bundles/index.json), then every bundle on its own.
// A bundle that is missing, cannot be fetched, or fails verification (damaged, wrong version,
// bad signature) disables that set only, with the reason; the page stops only when the module
// or the list cannot load, or when no set at all is left.
//
// Two modules (wasm/README.md): the lean one (pkg/herken_lean.js, a third of the size: no Rhai
// interpreter, no pattern matching; it screens from a bundle's compiled form) is loaded at
// start; the full one (pkg/herken_wasm.js) only when a bundle needs it (the lean module refuses
// it with `bundle::needs-full-module`), or when the lean module itself does not load. Both give
// the same reports.

// The modules are imported when the page starts, not statically: a missing or broken module is
// then a failure the page can explain, not a page that never starts.
let Screener;
/** Which module `Screener` is: `lean`, or `full` when the lean one did not load. */
let startModule = "lean";
let fullModule = null;

/** The full module's `Screener`, loaded once, on first need. */
function fullScreener() {
  fullModule ??= import("../pkg/herken_wasm.js").then(async (module) => {
    await module.default();
    return module.Screener;
  });
  return fullModule;
}

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
    const module = await import("../pkg/herken_lean.js");
    await module.default();
    Screener = module.Screener;
  } catch (lean) {
    try {
      Screener = await fullScreener();
      startModule = "full";
    } catch (e) {
      throw new LoadFailure("module", { detail: `${String(lean?.message ?? lean)}; ${String(e?.message ?? e)}` });
    }
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
    let module = startModule;
    try {
      screener = Screener.fromBundle(text);
    } catch (e) {
      if (e?.code !== "bundle::needs-full-module") throw bundleFailure(e);
      let Full;
      try {
        Full = await fullScreener();
      } catch (m) {
        throw new LoadFailure("module", { detail: String(m?.message ?? m) });
      }
      try {
        screener = Full.fromBundle(text);
        module = "full";
      } catch (f) {
        throw bundleFailure(f);
      }
    }
    const info = screener.info();
    const form = screener.questions(info.languages[0]);
    const ids = new Set(form.questions.map((q) => q.id));
    // Who the set is for (adult, child or any) and the forms of exploitation it covers: the page
    // chooses sets by the person's age with them.
    const population = form.ruleset.population?.id ?? "any";
    const forms = (form.ruleset.forms ?? []).map((f) => f.id);
    return { ...set, id: info.id, screener, info, ids, population, forms, module };
  } catch (e) {
    return { ...set, failure: e instanceof LoadFailure ? e : new LoadFailure("other", { detail: String(e?.message ?? e) }) };
  }
}

/** The page-wide failure for anything `loadIndex` threw that is not a LoadFailure. */
export const asFailure = (e) => (e instanceof LoadFailure ? e : new LoadFailure("module", { detail: String(e?.message ?? e) }));

/** The failure when every set failed. */
export const noSetFailure = () => new LoadFailure("none");
