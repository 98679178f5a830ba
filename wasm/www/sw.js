// The intake page's service worker: keeps the page's own files (the page, its scripts and style,
// the WASM module, the rule-set bundles, the manifest and icon) so the page opens offline after
// the first visit. It caches nothing else, and never an answer: the page sends none.
//
// offline-files.js, written by scripts/build-wasm.sh, lists the files and a version (a hash of
// their content). A new build changes that file, so the browser installs this worker anew,
// which fetches the new files as one set; the old set is deleted once the new one is in use.
// Until then every file comes from one build: never a new script with an old module.

importScripts("offline-files.js"); /* global OFFLINE_FILES, OFFLINE_VERSION */

const PREFIX = "herken-page-";
const CACHE = `${PREFIX}${OFFLINE_VERSION}`;
const scope = new URL(self.registration.scope);
const urlOf = (path) => new URL(path, scope).href;
const FILES = new Set(OFFLINE_FILES.map(urlOf));
const PAGE = urlOf("index.html");

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Fresh from the server, not from the HTTP cache: the files must be those of this version.
    await cache.addAll(OFFLINE_FILES.map((path) => new Request(urlOf(path), { cache: "reload" })));
    // The page makes no request after it has loaded, so an open page is never served a mix
    // of two versions: the new worker can take over at once.
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  url.search = "";
  url.hash = "";
  // The page itself, whichever way it is asked for (the folder, index.html, with a query).
  const key = request.mode === "navigate" && url.href.startsWith(scope.href) && (url.href === scope.href || url.href === PAGE)
    ? PAGE
    : url.href;
  if (!FILES.has(key)) return; // not one of the page's files: the browser handles it as usual
  event.respondWith((async () => {
    const cached = await caches.match(key, { cacheName: CACHE });
    return cached ?? fetch(request);
  })());
});
