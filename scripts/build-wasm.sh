#!/usr/bin/env bash
# Builds herken's WASM module and the intake page's files, installing what is missing first:
#   wasm/www/pkg/       --target web    (the page, a plain <script type="module">, bundlers)
#   wasm/pkg/node/      --target nodejs (Node, the parity tests)
#   wasm/www/bundles/   every rule set in rules/ as a verified bundle, plus index.json
#   wasm/www/offline-files.js   the files the page's service worker keeps for offline use
#   wasm/www/**/*.br, *.gz      pre-compressed copies for scripts/serve-page.mjs
# and prints the sizes (raw, gzip, brotli). All of these are build outputs, ignored by git.
#
# Tools (installed when missing): the rustup target wasm32-unknown-unknown; wasm-bindgen-cli at
# exactly the version of the wasm-bindgen crate in Cargo.lock; wasm-opt from the npm package
# `binaryen`, pinned in wasm/package-lock.json. (Debian bookworm's binaryen 108 is not used: it
# rewrites the export of wasm-bindgen's externref table to the function table, and the module
# then fails at start with "WebAssembly.Table.set(): Argument 1 is invalid for table".)
# Set SKIP_WASM_OPT=1 to skip wasm-opt (a larger module, same behaviour).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

WEB_OUT=wasm/www/pkg
NODE_OUT=wasm/pkg/node
BUNDLES=wasm/www/bundles
WASM=target/wasm32-unknown-unknown/wasm-release/herken_wasm.wasm

step "tools"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$bindgen_version" ]; then
  echo "build-wasm: no wasm-bindgen in Cargo.lock" >&2
  exit 2
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $bindgen_version" ]; then
  echo "installing wasm-bindgen-cli $bindgen_version (a few minutes, once)"
  # --locked first; a registry mirror that lacks one of the CLI's locked dependencies makes
  # that fail, and then the newest compatible versions are taken.
  cargo install wasm-bindgen-cli --version "$bindgen_version" --locked ||
    cargo install wasm-bindgen-cli --version "$bindgen_version"
fi
WASM_OPT=wasm/node_modules/.bin/wasm-opt
if [ -z "${SKIP_WASM_OPT:-}" ] && [ ! -x "$WASM_OPT" ]; then
  (cd wasm && npm ci --no-audit --no-fund)
fi
wasm-bindgen --version
[ -n "${SKIP_WASM_OPT:-}" ] || "$WASM_OPT" --version

step "cargo build -p herken-wasm --target wasm32-unknown-unknown --profile wasm-release"
cargo build --locked -p herken-wasm --target wasm32-unknown-unknown --profile wasm-release

step "wasm-bindgen (web: $WEB_OUT, node: $NODE_OUT)"
rm -rf "$WEB_OUT" "$NODE_OUT"
wasm-bindgen --target web --out-dir "$WEB_OUT" "$WASM"
wasm-bindgen --target nodejs --out-dir "$NODE_OUT" "$WASM"
# CommonJS whatever package.json encloses it: `require("…/wasm/pkg/node")`, or `import` from ESM.
version=$(awk '/^name = "herken-wasm"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
printf '{"name": "herken-wasm", "version": "%s", "type": "commonjs", "main": "herken_wasm.js", "types": "herken_wasm.d.ts"}\n' \
  "$version" >"$NODE_OUT/package.json"
if [ -z "${SKIP_WASM_OPT:-}" ]; then
  # -Os rather than -Oz: a smaller module here (binaryen 132) and a faster one (benches/README.md).
  step "wasm-opt -Os"
  "$WASM_OPT" -Os --strip-debug --strip-producers "$WEB_OUT/herken_wasm_bg.wasm" -o "$WEB_OUT/herken_wasm_bg.opt.wasm"
  # Both targets share one module (the glue differs, the .wasm does not): optimize it once.
  if cmp -s "$WEB_OUT/herken_wasm_bg.wasm" "$NODE_OUT/herken_wasm_bg.wasm"; then
    cp "$WEB_OUT/herken_wasm_bg.opt.wasm" "$NODE_OUT/herken_wasm_bg.wasm"
  else
    "$WASM_OPT" -Os --strip-debug --strip-producers "$NODE_OUT/herken_wasm_bg.wasm" -o "$NODE_OUT/herken_wasm_bg.wasm"
  fi
  mv "$WEB_OUT/herken_wasm_bg.opt.wasm" "$WEB_OUT/herken_wasm_bg.wasm"
fi

step "rule-set bundles ($BUNDLES)"
cargo build --locked -p herken-cli
herken=${HERKEN:-target/debug/herken}
rm -rf "$BUNDLES"
mkdir -p "$BUNDLES"
for dir in rules/*/; do
  [ -f "$dir/ruleset.yaml" ] || continue
  "$herken" bundle "$dir" -o "$BUNDLES/$(basename "$dir").bundle.json"
done

# bundles/index.json (each bundle loaded by the module just built), the service worker's list of
# files kept offline, the .br and .gz beside every file the page serves, and the sizes.
step "the page's files: index, offline list, pre-compressed copies (wasm/www)"
node scripts/finish-page.mjs --default ilo-2009-adult-labour

step "sizes (what a browser downloads for the engine: $WEB_OUT)"
size() { wc -c <"$1" | tr -d ' '; }
gz() { gzip -9c "$1" | wc -c | tr -d ' '; }
wasm_gz=$(gz "$WEB_OUT/herken_wasm_bg.wasm")
js_gz=$(gz "$WEB_OUT/herken_wasm.js")
printf 'WASM + JS: %s bytes raw, %s gzipped\n' "$(($(size "$WEB_OUT/herken_wasm_bg.wasm") + $(size "$WEB_OUT/herken_wasm.js")))" "$((wasm_gz + js_gz))"
limit=800000
if [ "$((wasm_gz + js_gz))" -gt "$limit" ]; then
  echo "build-wasm: WASM + JS is $((wasm_gz + js_gz)) bytes gzipped, over the 800 KB budget" >&2
  exit 1
fi
