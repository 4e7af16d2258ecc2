"""Where gmassist keeps its files: the platform's folders, overridden by options and environment.

Nothing is created at import; `ensure_private_dir` makes a folder (0700) when it is first needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "gmassist"


def data_dir() -> Path:
    """The platform's data folder for gmassist (XDG_DATA_HOME on Linux)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_file() -> Path:
    """The config file: GMASSIST_CONFIG, else config.toml in the platform's config folder."""
    override = os.environ.get("GMASSIST_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def default_store() -> Path:
    """The store used when neither --store nor GMASSIST_STORE is given."""
    return data_dir() / "store"


def demo_store() -> Path:
    """The demo store `gmassist demo` builds when no --store is given."""
    return data_dir() / "demo"


def resolve_store(option: str | os.PathLike[str] | None) -> Path:
    """The store folder: --store, then GMASSIST_STORE, then the platform's data folder."""
    if option:
        return Path(option).expanduser().resolve()
    env = os.environ.get("GMASSIST_STORE")
    if env:
        return Path(env).expanduser().resolve()
    return default_store()


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if missing and make it 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


@dataclass(frozen=True)
class StorePaths:
    """The files that make up one store folder."""

    root: Path

    @property
    def database(self) -> Path:
        """The SQLCipher database."""
        return self.root / "gmassist.db"

    @property
    def keyfile(self) -> Path:
        """The wrapped keys (JSON, 0600)."""
        return self.root / "keys.json"

    @property
    def pidfile(self) -> Path:
        """The running app's process id, so `gmassist lock` can ask it to lock."""
        return self.root / "app.pid"

    def sidecars(self) -> list[Path]:
        """The database's WAL, shared-memory and journal files."""
        db = self.database
        return [db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-journal")]
