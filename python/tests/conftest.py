"""Fixtures of the Python package's tests: the `herken` binary of the same build, to compare
against, and synthetic cases it writes. `scripts/test.sh` sets HERKEN_BIN; without it the
debug binary of the workspace is used (build it with `cargo build -p herken-cli`)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> str:
    path = os.environ.get("HERKEN_BIN") or str(ROOT / "target" / "debug" / "herken")
    if not Path(path).is_file():
        pytest.fail(f"no herken binary at {path}: build it (cargo build -p herken-cli) or set HERKEN_BIN")
    return path


@pytest.fixture(scope="session")
def run_cli(cli):
    """Runs the command line; returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: str = None):
        done = subprocess.run(
            [cli, *args], input=stdin, capture_output=True, text=True, check=False
        )
        return done.returncode, done.stdout, done.stderr

    return run


@pytest.fixture(scope="session")
def cases(tmp_path_factory, run_cli):
    """Synthetic intake cases answering two rule sets: CSV, JSONL and CTDC files."""
    folder = tmp_path_factory.mktemp("cases")
    sets = "ilo-2009-adult-labour,nl-geringste-aanwijzing"
    files = {}
    for fmt, name in (("csv", "cases.csv"), ("jsonl", "cases.jsonl"), ("ctdc", "ctdc.csv")):
        path = folder / name
        code, _, err = run_cli(
            "synth", "--cases", "300", "--seed", "7", "--format", fmt, "-r", sets, "-o", str(path)
        )
        assert code == 0, err
        files[fmt] = path
    return files
