#!/usr/bin/env bash
# Runs every test of herken on a fresh machine: formatting, lints, the native test suite
# (engine, CLI, every bundled rule set's own cases), the Python package (its wheel and pytest
# suite), then the WASM tests under Node and the
# browser tests under headless Chromium. Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo --version

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --locked --workspace --all-targets -- -D warnings

step "cargo test"
cargo test --locked --workspace

step "Python package (wheel, pytest)"
scripts/test-python.sh

if [ -x scripts/test-wasm.sh ]; then
  step "WASM (Node) and browser (Chromium) tests"
  scripts/test-wasm.sh
fi

step "all tests passed"
