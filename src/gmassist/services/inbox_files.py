"""Plaintext copies outside the store, kept as short-lived and as private as the machine allows.

An external editor or the system viewer can only read a file, so the inbox writes one, but never
anywhere else than a private folder (0700, on Linux under /dev/shm where it exists, so the copy lives in
memory, not on disk) that is wiped afterwards: every file in it, editor backups, swap and auto-save
files included, is overwritten and removed, then the folder itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from gmassist.errors import InvalidInput
from gmassist.i18n import _

SHM = Path("/dev/shm")
"""Linux's memory-backed folder: copies there never reach a disk (unless the machine swaps)."""

_VIM_FAMILY = frozenset({"vi", "vim", "nvim", "view", "gvim"})
_VIM_HARDENING = ["-n", "-i", "NONE", "--cmd", "set nobackup nowritebackup noundofile"]
"""vi and vim: no swap file, no viminfo, no backup or undo file (which could be written elsewhere)."""


def private_base() -> Path:
    """Where private folders are made: /dev/shm when it exists and is writable, else the temp folder."""
    if SHM.is_dir() and os.access(SHM, os.W_OK | os.X_OK):
        return SHM
    for name in ("TMPDIR", "TEMP", "TMP"):  # read each time: tempfile.gettempdir() keeps its first answer
        folder = os.environ.get(name)
        if folder and os.path.isdir(folder):
            return Path(folder)
    return Path(tempfile.gettempdir())


def _safe_name(name: str) -> str:
    """A file name without any folder part or control character (it came from a mail or a user)."""
    name = "".join(ch for ch in name.replace("\\", "/").split("/")[-1] if ch.isprintable()).strip()
    return name.lstrip(".") or "document"


class PrivateFolder:
    """A folder only its owner can enter (0700), for plaintext copies; `wipe()` destroys it and everything
    that appeared in it."""

    def __init__(self, base: Path | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="gmassist-", dir=base or private_base()))
        """The folder (made 0700 by mkdtemp)."""
        os.chmod(self.path, stat.S_IRWXU)
        self._lock = threading.Lock()

    def new_file(self, name: str) -> Path:
        """A fresh path for `name` in the folder (a numbered sub-folder when the name is taken)."""
        name = _safe_name(name)
        candidate = self.path / name
        number = 1
        while candidate.exists():
            number += 1
            folder = self.path / str(number)
            folder.mkdir(mode=0o700, exist_ok=True)
            candidate = folder / name
        return candidate

    def write(self, name: str, chunks: Iterable[bytes]) -> Path:
        """Write `chunks` into a new file (0600) called `name`; returns its path."""
        with self._lock:
            path = self.new_file(name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
        except BaseException:
            _shred(path)
            raise
        return path

    def wipe(self) -> None:
        """Overwrite and remove every file in the folder (whoever made it), then the folder itself."""
        with self._lock:
            if not self.path.exists():
                return
            for root, folders, files in os.walk(self.path, topdown=False):
                for name in files:
                    _shred(Path(root) / name)
                for name in folders:
                    with contextlib.suppress(OSError):
                        (Path(root) / name).rmdir()
            shutil.rmtree(self.path, ignore_errors=True)

    @property
    def exists(self) -> bool:
        """Whether the folder is still there (False once wiped)."""
        return self.path.exists()


def _shred(path: Path) -> None:
    """Overwrite a regular file with zeros, then remove it (a link or anything else is only removed)."""
    try:
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and info.st_size:
            with open(path, "r+b", buffering=0) as handle:
                remaining = info.st_size
                block = b"\0" * min(remaining, 1 << 20)
                while remaining > 0:
                    remaining -= handle.write(block[: min(remaining, len(block))])
                os.fsync(handle.fileno())
    except OSError:
        pass
    with contextlib.suppress(OSError):
        path.unlink()


class SessionFolder:
    """The private folder of one app session for copies opened in the system viewer: made when first
    needed, wiped when the app ends (and, as a backstop, when the process exits)."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base
        self._folder: PrivateFolder | None = None
        self._lock = threading.Lock()
        atexit.register(self.wipe)

    def folder(self) -> PrivateFolder:
        """The folder, made now if needed."""
        with self._lock:
            if self._folder is None or not self._folder.exists:
                self._folder = PrivateFolder(self.base)
            return self._folder

    @property
    def path(self) -> Path | None:
        """The folder's path, or None when there is none."""
        return self._folder.path if self._folder is not None else None

    def wipe(self) -> None:
        """Destroy the folder and every copy in it."""
        with self._lock:
            folder, self._folder = self._folder, None
        if folder is not None:
            folder.wipe()


# --- the external editor ------------------------------------------------------------------------------


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else vi, split like a shell would."""
    raw = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        command = shlex.split(raw)
    except ValueError as exc:
        raise InvalidInput(_("cannot read $EDITOR: {error}").format(error=exc)) from exc
    if not command:
        raise InvalidInput(_("$EDITOR is empty"))
    return command


def hardened(command: list[str]) -> list[str]:
    """The editor command with options that keep vi-like editors from writing copies elsewhere."""
    if Path(command[0]).name in _VIM_FAMILY:
        return [command[0], *_VIM_HARDENING, *command[1:]]
    return list(command)


Runner = Callable[[list[str], dict[str, str]], int]
"""Runs a command with an environment and returns its exit code (the TUI suspends itself around it)."""


def _run(command: list[str], env: dict[str, str]) -> int:
    return subprocess.call(command, env=env)


def edit_text(
    text: str, *, name: str = "draft.md", run: Runner | None = None, base: Path | None = None
) -> str:
    """Let the user's editor change `text`; returns the new text.

    The editor sees one file in a fresh private folder (and TMPDIR points there too, so its temporary
    files land in it); the folder is wiped whatever happens. InvalidInput when the editor fails or the
    file is gone.
    """
    folder = PrivateFolder(base)
    try:
        path = folder.write(name, [text.encode("utf-8")])
        command = [*hardened(editor_command()), str(path)]
        env = {**os.environ, "TMPDIR": str(folder.path)}
        try:
            code = (run or _run)(command, env)
        except OSError as exc:
            raise InvalidInput(
                _("cannot start the editor {name}: {error}").format(name=command[0], error=exc.strerror)
            ) from exc
        if code != 0:
            raise InvalidInput(_("the editor ended with code {code}; nothing was saved").format(code=code))
        try:
            return path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise InvalidInput(_("the edited file is gone; nothing was saved")) from exc
    finally:
        folder.wipe()


# --- the system viewer --------------------------------------------------------------------------------


def viewer_command() -> list[str] | None:
    """The command that opens a file in its usual program: `open` on macOS, `xdg-open` elsewhere."""
    name = "open" if sys.platform == "darwin" else "xdg-open"
    found = shutil.which(name)
    return [found] if found else None


def open_in_viewer(path: Path) -> None:
    """Open `path` in the system viewer, detached; InvalidInput when there is no viewer."""
    command = viewer_command()
    if command is None:
        raise InvalidInput(_("no system viewer (xdg-open) is installed; use export instead"))
    try:
        subprocess.Popen(
            [*command, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise InvalidInput(_("cannot start the viewer: {error}").format(error=exc.strerror)) from exc
