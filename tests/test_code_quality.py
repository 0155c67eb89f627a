"""The static checks as tests, so `python -m pytest` also runs ruff, mypy and import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.quality


def _tool(name: str) -> str:
    # Prefer the tool installed beside this interpreter (the project's venv).
    local = BIN / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install the test extra: pip install -e '.[test]'")
    return found


def _run(*command: str) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    output = (done.stdout + done.stderr).strip()
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{output[-6000:]}"


def test_ruff_format() -> None:
    _run(_tool("ruff"), "format", "--check", ".")


def test_ruff_lint() -> None:
    _run(_tool("ruff"), "check", ".")


def test_mypy_strict() -> None:
    _run(_tool("mypy"))


def test_import_layers() -> None:
    _run(_tool("lint-imports"))
