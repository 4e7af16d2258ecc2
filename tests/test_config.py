"""config.toml: defaults, validation with one clear line, and remembering the theme."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmassist import config
from gmassist.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert config.load(tmp_path / "none.toml") == config.Settings()


def test_values_are_read(tmp_path: Path) -> None:
    settings = config.load(
        write(tmp_path, 'language = "zh"\nidle_lock_minutes = 3\n[agenda]\nbuffer_minutes = 15\n')
    )
    assert (
        settings.language == "zh" and settings.idle_lock_minutes == 3 and settings.agenda.buffer_minutes == 15
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "red"\n', "unknown setting 'colour'"),
        ("[agenda]\nbufer_minutes = 3\n", "unknown setting 'agenda.bufer_minutes'"),
        ('idle_lock_minutes = "ten"\n', "'idle_lock_minutes' must be of type int"),
        ("idle_lock_minutes = true\n", "'idle_lock_minutes' must be of type int"),
        ('agenda = "x"\n', "'agenda' must be a table"),
        ('language = "fr"\n', "language must be auto, en or zh"),
        ('[agenda]\nworking_hours = "nine to five"\n', "working_hours"),
        ("idle_lock_minutes = 0\n", "at least 1"),
        ("this is not toml", "config:"),
    ],
)
def test_bad_config_is_refused_with_a_clear_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        config.load(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_remember_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "# my settings\nidle_lock_minutes = 5\n\n[agenda]\nbuffer_minutes = 5\n")
    config.remember(path, "theme", "nord")
    config.remember(path, "theme", "gruvbox")
    text = path.read_text()
    assert text.count("theme =") == 1 and "# my settings" in text
    settings = config.load(path)
    assert settings.theme == "gruvbox" and settings.agenda.buffer_minutes == 5
