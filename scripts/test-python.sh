#!/usr/bin/env bash
# The Python package's tests, on a fresh machine: a virtual environment under target/ (nothing
# installed system-wide; Debian's python3-venv if `venv` is missing), maturin, pytest, pandas
# and pyarrow from PyPI, the wheel built from the workspace's target dir (dev profile: the
# engine and CLI `cargo test` just compiled are reused, only PyO3 and the extension are added),
# then python/tests against the `herken` binary of the same build:
#   python/tests/test_herken.py  screen = `herken screen --format json`, batch = `herken batch`
#                                (CSV, JSONL, DataFrame, records, mapping, summary), errors,
#                                trusted bundles, the GIL released while rows are scored
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

step "tools for the Python tests"
python=${PYTHON:-python3}
if ! "$python" -c 'import venv, ensurepip' 2>/dev/null; then
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
fi
venv=target/python-venv
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" --version
"$venv/bin/pip" install -q --disable-pip-version-check "maturin>=1.9.4,<2" "pytest>=7" "pandas>=1.5" "pyarrow>=10"

step "maturin build (abi3 wheel)"
rm -f target/wheels/herken-*.whl
"$venv/bin/maturin" build --locked -m python/Cargo.toml --profile dev --strip --out target/wheels \
  -i "$venv/bin/python"
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps target/wheels/herken-*.whl

step "pytest (the package against the CLI of the same build)"
cargo build --locked -p herken-cli
HERKEN_BIN="$PWD/target/debug/herken" "$venv/bin/pytest" -q python/tests
