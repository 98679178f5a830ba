#!/usr/bin/env bash
# Builds herken's WASM modules and the intake page's files, installing what is missing first:
#   wasm/www/pkg/       --target web    (the page, a plain <script type="module">, bundlers):
#                       herken_lean.js + herken_lean_bg.wasm, the lean module (no Rhai, no YAML
#                       reader, no regex: opens a bundle by its compiled form), which the page
#                       loads; herken_wasm.js + herken_wasm_bg.wasm, the full module, which the
#                       page loads only for a bundle the lean one cannot screen with
#   wasm/pkg/node/      --target nodejs (Node, the parity tests): the full module
#   wasm/pkg/node-lean/ --target nodejs: the lean module
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
NODE_LEAN_OUT=wasm/pkg/node-lean
WASM=target/wasm32-unknown-unknown/wasm-release/herken_wasm.wasm
LEAN=target/wasm32-unknown-unknown/wasm-lean/herken_wasm.wasm

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

# Each module is built once, the lean one in its own profile (`wasm-lean`: every crate at
# opt-level 3), so each keeps its own output.
step "cargo build -p herken-wasm --target wasm32-unknown-unknown --profile wasm-release (full)"
cargo build --locked -p herken-wasm --target wasm32-unknown-unknown --profile wasm-release
step "cargo build -p herken-wasm --no-default-features --target wasm32-unknown-unknown --profile wasm-lean (lean)"
cargo build --locked -p herken-wasm --no-default-features --target wasm32-unknown-unknown --profile wasm-lean

step "wasm-bindgen (web: $WEB_OUT, node: $NODE_OUT, $NODE_LEAN_OUT)"
rm -rf "$WEB_OUT" "$NODE_OUT" "$NODE_LEAN_OUT"
version=$(awk '/^name = "herken-wasm"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
# bindgen NAME WASM NODE_DIR OPT...: the web and Node glue of one module, optimized once by
# wasm-opt with the flags OPT....
bindgen() {
  local name=$1 wasm=$2 node=$3
  shift 3
  local opt=("$@")
  wasm-bindgen --target web --out-dir "$WEB_OUT" --out-name "$name" "$wasm"
  wasm-bindgen --target nodejs --out-dir "$node" --out-name "$name" "$wasm"
  # CommonJS whatever package.json encloses it: `require("…/wasm/pkg/node")`, or `import` from ESM.
  printf '{"name": "herken-wasm", "version": "%s", "type": "commonjs", "main": "%s.js", "types": "%s.d.ts"}\n' \
    "$version" "$name" "$name" >"$node/package.json"
  if [ -z "${SKIP_WASM_OPT:-}" ]; then
    "$WASM_OPT" "${opt[@]}" --strip-debug --strip-producers "$WEB_OUT/${name}_bg.wasm" -o "$WEB_OUT/${name}_bg.opt.wasm"
    # Both targets share one module (the glue differs, the .wasm does not): optimize it once.
    if cmp -s "$WEB_OUT/${name}_bg.wasm" "$node/${name}_bg.wasm"; then
      cp "$WEB_OUT/${name}_bg.opt.wasm" "$node/${name}_bg.wasm"
    else
      "$WASM_OPT" "${opt[@]}" --strip-debug --strip-producers "$node/${name}_bg.wasm" -o "$node/${name}_bg.wasm"
    fi
    mv "$WEB_OUT/${name}_bg.opt.wasm" "$WEB_OUT/${name}_bg.wasm"
  fi
}
# The full module -Os rather than -Oz: a smaller module here (binaryen 132) and a faster one
# (benches/README.md). The lean one -O3, as it is compiled (profile wasm-lean): its screens ~4 %
# faster than at -Os, for ~1 KB more gzipped; and with --converge (the passes repeated until
# they change nothing) 3–5 % faster again, for 0.2 KB (Dec 5 2026, side by side).
# --low-memory-unused: the first 1 KB of memory is never addressed (Rust's linker puts the
# stack first, growing down from 1 MB, and the data after it), so constant offsets fold into
# loads and stores: both modules 2–4 KB smaller gzipped, screens no slower (~1 % faster, within
# the noise; Dec 5 2026).
bindgen herken_wasm "$WASM" "$NODE_OUT" -Os --low-memory-unused
bindgen herken_lean "$LEAN" "$NODE_LEAN_OUT" -O3 --converge --low-memory-unused

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
# budget NAME LIMIT: WASM + JS of one module, gzipped, within LIMIT bytes.
budget() {
  local name=$1 limit=$2 total raw
  total=$(($(gz "$WEB_OUT/${name}_bg.wasm") + $(gz "$WEB_OUT/${name}.js")))
  raw=$(($(size "$WEB_OUT/${name}_bg.wasm") + $(size "$WEB_OUT/${name}.js")))
  printf '%s: WASM + JS %s bytes raw, %s gzipped (budget %s)\n' "$name" "$raw" "$total" "$limit"
  if [ "$total" -gt "$limit" ]; then
    echo "build-wasm: $name WASM + JS is $total bytes gzipped, over its budget of $limit" >&2
    exit 1
  fi
}
budget herken_wasm 700000
budget herken_lean 300000
