"""Lint and types in the test suite (so CI runs them): ruff with the rule set stated in
pyproject.toml ([tool.ruff.lint]) over the code and tests, and mypy over the modules listed in
[tool.mypy] ``files``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_is_clean():
    done = _run("ruff", "check", "--no-cache", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean():
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr

