"""The app's write queue: store changes that a screen shows at once and stores afterwards, one after
another in the order they were made, in one thread worker.

The board queues its moves, reorders, ticks and archives here; undo (ctrl+z) joins the same queue, so it
undoes the change made last even when that change is still waiting to be stored.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from gmassist.errors import GmassistError

if TYPE_CHECKING:
    from gmassist.store.store import Store
    from gmassist.tui.app import GmassistApp


@dataclass
class Write:
    """One queued store change."""

    job: Callable[[Store], Any]
    """Runs in the write worker."""
    done: Callable[[Any], None] | None = None
    """Called on the event loop with the job's result."""
    failed: Callable[[str], None] | None = None
    """Called on the event loop with the reason when the store refuses the job (None: a notification)."""
    recount: bool = False
    """The number of records changed: the status line counts again once the queue is empty."""


class WriteQueue:
    """Queued store changes, stored one after another, in order, by a single thread worker at a time."""

    def __init__(self, app: GmassistApp) -> None:
        self.app = app
        self._writes: deque[Write] = deque()
        self._lock = threading.Lock()
        self._draining = False

    def submit(self, write: Write) -> None:
        """Queue a store change (on the event loop); a worker starts unless one is draining the queue."""
        with self._lock:
            self._writes.append(write)
            if self._draining:
                return
            self._draining = True
        store = self.app.store
        self.app.run_worker(
            partial(self._drain, store), thread=True, group="write-queue", exit_on_error=False
        )

    def _drain(self, store: Store | None) -> None:
        recount = False
        while True:
            with self._lock:
                if not self._writes:
                    self._draining = False
                    break
                write = self._writes.popleft()
            if store is None:
                continue
            try:
                result = write.job(store)
            except GmassistError as exc:
                self._fail(write, str(exc))
                continue
            except Exception as exc:  # a bug must not leave the queue stuck
                self._fail(write, f"{type(exc).__name__}: {exc}")
                continue
            recount = recount or write.recount
            if write.done is not None:
                self.app.call_from_thread(write.done, result)
        if recount:
            self.app.call_from_thread(self.app.refresh_status)

    def _fail(self, write: Write, message: str) -> None:
        if write.failed is not None:
            self.app.call_from_thread(write.failed, message)
        else:
            self.app.call_from_thread(self.app.notify, message, severity="error")
