"""config.toml -> validated, frozen settings. Unknown keys and wrong types are errors, not surprises."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from gmassist.errors import ConfigError
from gmassist.i18n import _


@dataclass(frozen=True)
class AgendaSettings:
    """How the agenda judges a day."""

    working_hours: str = "09:00-18:00"
    """Working hours, shaded in the day and week grids and used to find free slots."""
    buffer_minutes: int = 10
    """A gap between two events shorter than this is flagged."""
    travel_buffer_minutes: int = 60
    """The buffer needed before and after a travel event."""
    week_starts: str = "monday"
    """First day of the week in the week and month grids, and of the board's "due this week" and
    timeline: monday or sunday."""


@dataclass(frozen=True)
class InboxSettings:
    """How documents are taken in and when they are flagged."""

    watch_folder: str = ""
    """A folder whose new files are taken in while the app runs ("" = <data folder>/inbox)."""
    remove_originals: bool = False
    """Remove a taken-in file once its stored copy has been read back and verified."""
    stale_days: int = 3
    """A document that waits in one state longer than this is flagged."""


@dataclass(frozen=True)
class FollowupSettings:
    """The escalation ladder of follow-ups."""

    remind_days_before: int = 2
    """A follow-up is flagged for a reminder this many days before it is due."""
    escalate_after_days: int = 7
    """Overdue by more than this many days: flagged for the manager's brief."""
    stale_days: int = 7
    """No check-in for this many days makes an open follow-up stale."""


@dataclass(frozen=True)
class Settings:
    """Everything config.toml can set, with the defaults used when it is absent."""

    language: str = "auto"
    """auto (from LANG), en or zh."""
    theme: str = "textual-dark"
    """The Textual theme; changed from the command palette and remembered here."""
    idle_lock_minutes: int = 10
    """Confidential items lock again after this many idle minutes."""
    keyring_timeout_seconds: float = 5.0
    """A keyring call that takes longer than this is given up (the passphrase is asked instead)."""
    actor: str = "assistant"
    """Who is written in the change log for actions taken in this program."""
    agenda: AgendaSettings = field(default_factory=AgendaSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    followups: FollowupSettings = field(default_factory=FollowupSettings)
    keymap: dict[str, str] = field(default_factory=dict)
    """Key remapping by binding id, e.g. "agenda.new" = "ctrl+n"."""


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    """Build the dataclass `cls` from `data`, refusing unknown keys and wrong types."""
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{where}{key}"
        if key not in known:
            raise ConfigError(_("config: unknown setting '{name}'").format(name=name))
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(_("config: '{name}' must be a table").format(name=name))
            values[key] = _build(hint, value, f"{name}.")  # type: ignore[arg-type]
        elif hint in (dict[str, str],):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(_("config: '{name}' must be a table of strings").format(name=name))
            values[key] = dict(value)
        else:
            expected = hint if isinstance(hint, type) else str
            ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value, ok = float(value), True
            if not ok:
                raise ConfigError(
                    _("config: '{name}' must be of type {type}").format(name=name, type=expected.__name__)
                )
            values[key] = value
    return cls(**values)


def validate(settings: Settings) -> Settings:
    """Check the values whose form a type cannot express."""
    if settings.language not in ("auto", "en", "zh"):
        raise ConfigError(_("config: language must be auto, en or zh"))
    if not re.fullmatch(r"\d{1,2}:\d{2}-\d{1,2}:\d{2}", settings.agenda.working_hours):
        raise ConfigError(_("config: agenda.working_hours must look like 09:00-18:00"))
    if settings.agenda.week_starts not in ("monday", "sunday"):
        raise ConfigError(_("config: agenda.week_starts must be monday or sunday"))
    if settings.idle_lock_minutes < 1:
        raise ConfigError(_("config: idle_lock_minutes must be at least 1"))
    return settings


def load(path: Path) -> Settings:
    """Read `path`; a missing file gives the defaults."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise ConfigError(
            _("config: cannot read {path}: {error}").format(path=path, error=exc.strerror)
        ) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_("config: {path}: {error}").format(path=path, error=exc)) from exc
    return validate(_build(Settings, data, ""))


def remember(path: Path, key: str, value: str) -> None:
    """Set one top-level string setting in the file, keeping everything else (comments included)."""
    line = f'{key} = "{value}"'
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", re.MULTILINE)
    text = pattern.sub(line, text, count=1) if pattern.search(text) else line + "\n" + text
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
