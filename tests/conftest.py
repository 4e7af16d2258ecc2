"""Shared fixtures: a frozen clock, isolated paths, stores on disk, and a real Secret Service.

The keyring fixture starts a private D-Bus session bus and gnome-keyring-daemon (secrets component) with
its own HOME for each test, points this process at it, and ends both when the test ends. No fake keyring.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gmassist.clock import FrozenClock
from gmassist.config import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
PASSPHRASE = "correct horse battery"


@pytest.fixture
def clock() -> FrozenClock:
    """Wednesday 25 November 2026, 09:30 in Shanghai, frozen."""
    return FrozenClock(NOW)


@pytest.fixture
def settings() -> Settings:
    """Default settings with a short keyring timeout."""
    return Settings(keyring_timeout_seconds=5.0)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data, config and temp folders, and no passphrase in the environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("GMASSIST_CONFIG", str(home / "config" / "gmassist" / "config.toml"))
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    for var in (
        "GMASSIST_STORE",
        "GMASSIST_PASSPHRASE",
        "GMASSIST_PASSPHRASE_FILE",
        "GMASSIST_NEW_PASSPHRASE",
        "GMASSIST_RECOVERY_KEY",
        "LANGUAGE",
        "LC_ALL",
        "LC_MESSAGES",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return tmp_path


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no keyring backend at all (keyring's own 'fail' backend)."""
    import keyring
    import keyring.backends.fail

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.set_keyring(keyring.backends.fail.Keyring())


@pytest.fixture
def secret_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A real Secret Service: a private session bus and gnome-keyring-daemon, unlocked, own HOME.

    Yields the environment a subprocess needs to reach it. Skips when the daemons are not installed
    (CI installs them: see .ci/run).
    """
    if not (shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("gnome-keyring and dbus are not installed (apt-get install gnome-keyring dbus)")
    home = tmp_path / "keyring-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(home / "run"), XDG_DATA_HOME=str(home / "share"))
    (home / "run").mkdir(mode=0o700)
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", "--print-pid=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = subprocess.run(
        ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
        input="test-login-password",
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    keyring_pid = None
    for line in daemon.stdout.splitlines():
        if line.startswith("GNOME_KEYRING_CONTROL="):
            env["GNOME_KEYRING_CONTROL"] = line.split("=", 1)[1]
    for key in (
        "HOME",
        "XDG_RUNTIME_DIR",
        "XDG_DATA_HOME",
        "DBUS_SESSION_BUS_ADDRESS",
        "GNOME_KEYRING_CONTROL",
    ):
        if key in env:
            monkeypatch.setenv(key, env[key])
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    import keyring
    import keyring.backends.SecretService

    keyring.set_keyring(keyring.backends.SecretService.Keyring())
    # The daemon answers once the collection exists; check the result, not the exit code.
    deadline = time.monotonic() + 20
    while True:
        try:
            keyring.set_password("gmassist-test", "probe", "ok")
            if keyring.get_password("gmassist-test", "probe") == "ok":
                break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        keyring_pid = _daemon_with_home("gnome-keyring-daemon", str(home))
        yield {
            key: env[key] for key in ("HOME", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_DATA_HOME")
        }
    finally:
        if keyring_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(keyring_pid, signal.SIGTERM)
        bus.terminate()
        bus.wait(timeout=10)


def _daemon_with_home(name: str, home: str) -> int | None:
    """The pid of the process called `name` whose environment has HOME=`home` (ours, not another test's)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if name not in (entry / "cmdline").read_bytes().decode(errors="replace"):
                continue
            if f"HOME={home}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                return int(entry.name)
        except OSError:
            continue
    return None


@pytest.fixture
def store_factory(clock: FrozenClock, tmp_path: Path, no_keyring: None):
    """Make passphrase stores on disk: store_factory(name) -> (Store, recovery key)."""
    from gmassist.store.store import Store

    made = []

    def make(name: str = "store", passphrase: str = PASSPHRASE):
        store, recovery = Store.create(tmp_path / name, passphrase=passphrase, clock=clock)
        made.append(store)
        return store, recovery

    yield make
    for store in made:
        store.engine.dispose()
