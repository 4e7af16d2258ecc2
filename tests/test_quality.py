"""One command checks everything: `pytest` also runs the linter and the type checker."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is installed with the [test] extra")
def test_ruff() -> None:
    result = subprocess.run(["ruff", "check", "src", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr


@pytest.mark.parametrize("screen", ["today", "agenda", "inbox", "followups", "board", "records", "modes"])
def test_each_screen_module_imports_on_its_own(screen: str) -> None:
    # The screens subclass records.ListScreen; the registry of modes lives apart, so no import goes round.
    result = subprocess.run(
        [sys.executable, "-c", f"import gmassist.tui.screens.{screen}"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
