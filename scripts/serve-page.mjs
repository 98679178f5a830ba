#!/usr/bin/env node
// Serves the intake page (wasm/www) on 127.0.0.1 only, never on another interface: the files
// scripts/build-wasm.sh pre-compressed (`.br`, `.gz`) go out compressed, with the right
// Content-Encoding, to a browser that accepts it; anything else as it is.
//
//   node scripts/serve-page.mjs [--port 8000] [folder]     then open http://127.0.0.1:8000/
//
// Node's standard library only. The browser tests use the same server (serve()).
import { createServer } from "node:http";
import { stat, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The encodings a request accepts, best first among those we have: ["br", "gzip"] at most. */
export function acceptedEncodings(header = "") {
  const q = new Map();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const qv = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    q.set(name, qv ? Number(qv.slice(2)) : 1);
  }
  const weight = (name) => q.get(name) ?? q.get("*") ?? 0;
  return ["br", "gzip"].filter((name) => weight(name) > 0).sort((a, b) => weight(b) - weight(a));
}

const SUFFIX = { br: ".br", gzip: ".gz" };

/** The file to send for `file`: a compressed variant the client accepts and that is not older
 *  than the file itself (after an edit without a new build the plain file goes out), else the
 *  file. Resolves to {path, encoding, size, mtime} or null when `file` does not exist. */
async function variant(file, encodings) {
  let plain;
  try {
    plain = await stat(file);
  } catch {
    return null;
  }
  if (!plain.isFile()) return null;
  for (const encoding of encodings) {
    try {
      const s = await stat(file + SUFFIX[encoding]);
      if (s.isFile() && s.mtimeMs >= plain.mtimeMs) return { path: file + SUFFIX[encoding], encoding, size: s.size, mtime: s.mtimeMs };
    } catch {
      // no such variant
    }
  }
  return { path: file, encoding: null, size: plain.size, mtime: plain.mtimeMs };
}

/** Serves `root` on 127.0.0.1 (`port` 0: a free port); resolves to {url, requests, close()}.
 *  `requests` records every request as {path, encoding} (the Content-Encoding sent). */
export async function serve(root, { port = 0 } = {}) {
  const base = normalize(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = normalize(join(base, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(base + sep) && file !== base) {
      requests.push({ path, status: 403 });
      res.writeHead(403).end();
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    const found = await variant(file, acceptedEncodings(req.headers["accept-encoding"]));
    if (!found) {
      requests.push({ path, status: 404 });
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    const etag = `"${createHash("sha1").update(`${found.path}:${found.size}:${found.mtime}`).digest("base64url").slice(0, 20)}"`;
    const headers = {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      // Revalidated on every use; the service worker keeps the files for offline use.
      "cache-control": "no-cache",
      etag,
      vary: "Accept-Encoding",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    };
    if (found.encoding) headers["content-encoding"] = found.encoding;
    requests.push({ path, status: 200, encoding: found.encoding });
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers).end();
      return;
    }
    headers["content-length"] = found.size;
    res.writeHead(200, headers);
    if (req.method === "HEAD") res.end();
    else res.end(await readFile(found.path));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    close: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

/** Whether a build is older than the page's sources: the compressed files and the service
 *  worker's list are then out of date (they are made by scripts/build-wasm.sh). */
async function staleBuild(root) {
  let built;
  try {
    built = (await stat(join(root, "offline-files.js"))).mtimeMs;
  } catch {
    return "no build found (wasm/www/offline-files.js is missing): run scripts/build-wasm.sh first";
  }
  const list = (await readFile(join(root, "offline-files.js"), "utf8")).match(/^const OFFLINE_FILES = (.*);$/m);
  for (const f of list ? JSON.parse(list[1]) : []) {
    try {
      if ((await stat(join(root, f))).mtimeMs > built) return `${f} changed after the last build: run scripts/build-wasm.sh again (the service worker would keep serving the old files)`;
    } catch {
      return `${f} is missing: run scripts/build-wasm.sh again`;
    }
  }
  return null;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === normalize(process.argv[1])) {
  const args = process.argv.slice(2);
  let port = 8000;
  let root = fileURLToPath(new URL("../wasm/www/", import.meta.url));
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--port") port = Number(args[++i]);
    else if (args[i] === "-h" || args[i] === "--help") {
      console.log("usage: node scripts/serve-page.mjs [--port 8000] [folder]   (serves on 127.0.0.1 only)");
      process.exit(0);
    } else root = args[i];
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error("serve-page: --port needs a port number (0 to 65535)");
    process.exit(2);
  }
  try {
    const warning = await staleBuild(root);
    if (warning) console.warn(`serve-page: warning: ${warning}`);
    const s = await serve(root, { port });
    console.log(`serving ${root} at ${s.url} (127.0.0.1 only; Ctrl-C stops)`);
  } catch (e) {
    console.error(`serve-page: ${e.code === "EADDRINUSE" ? `port ${port} is in use (try --port)` : e.message}`);
    process.exit(1);
  }
}
