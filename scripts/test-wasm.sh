#!/usr/bin/env bash
# The WASM tests, on a fresh machine: installs what they need (Debian's chromium, the npm
# packages of wasm/package-lock.json; build-wasm.sh adds the wasm32 target and wasm-bindgen-cli),
# builds the module and the page's files, then runs under Node
#   wasm/tests/parity.test.mjs   WASM report = native engine report = CLI report, byte for byte,
#                                for every test case of every rule set and every example
#   wasm/tests/lean.test.mjs     the lean module = the native engine and the full module, for every
#                                set, case, language and guided step; bundles it refuses by name
#   wasm/tests/guide.test.mjs    guide(): WASM = CLI (`screen --guided --format json`), every set
#   wasm/tests/browser.test.mjs  the intake page in headless Chromium (playwright-core): form,
#                                outcome, several sets, languages, keyboard, privacy, axe
#   wasm/tests/robust.test.mjs   failed bundles, nothing loaded, reload warning, case file,
#                                offline (service worker), installable, served compressed
#   wasm/tests/discreet.test.mjs the discreet view and the page on a phone
#   wasm/tests/conversation.test.mjs  age first (adult or child sets), what each set is for,
#                                guidance, the interviewer's questions, the person's language
#   wasm/tests/a11y.test.mjs     axe-core on every state, both languages, phone and desktop
# The tests reach nothing but 127.0.0.1. Screenshots are left in target/wasm-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "tools for the WASM tests"
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
node --version
(cd wasm && npm ci --no-audit --no-fund)

scripts/build-wasm.sh

step "native side of the parity test"
cargo build --locked -p herken-cli
cargo build --locked -p herken-wasm --example parity-cases

step "node --test (parity under Node, then the page in Chromium)"
cd wasm
node --test --test-concurrency=1 tests/parity.test.mjs tests/lean.test.mjs tests/guide.test.mjs tests/browser.test.mjs tests/robust.test.mjs tests/discreet.test.mjs tests/conversation.test.mjs tests/a11y.test.mjs
