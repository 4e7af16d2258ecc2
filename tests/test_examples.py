"""The examples stay true: the headless script runs and the sample config loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gmassist import config

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_headless_example_runs(tmp_path: Path) -> None:
    env = os.environ | {"GMASSIST_PASSPHRASE": "a long example passphrase"}
    for _ in range(2):  # creates, then reopens
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / "headless.py"), str(tmp_path / "store")],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "与财务总监讨论并购方案" in result.stdout
        assert "undo: followup.create" in result.stdout


def test_example_config_loads() -> None:
    settings = config.load(EXAMPLES / "config.toml")
    assert settings.agenda.travel_buffer_minutes == 60 and settings.keymap == {}
