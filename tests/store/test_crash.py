"""Crash: a writer killed with SIGKILL loses nothing it committed and leaves an intact store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from sqlalchemy import text

from gmassist.store.store import Store
from tests.conftest import PASSPHRASE

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timedelta, timezone
    from gmassist.store.store import Store
    from gmassist.store.models import Event, FollowUp
    store = Store.open(sys.argv[1], passphrase=sys.argv[2])
    now = datetime(2026, 11, 25, tzinfo=timezone.utc)
    i = 0
    while True:
        with store.action("crash.write") as session:
            session.add(Event(title=f"crash-{i}", start=now, end=now + timedelta(hours=1), notes="x" * 2000))
            session.add(FollowUp(title=f"crash-{i}"))
        print(i, flush=True)
        i += 1
    """
)


def test_sigkill_mid_writing_keeps_every_commit(store_factory) -> None:
    store, _ = store_factory()
    store.close()
    root = str(store.paths.root)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, root, PASSPHRASE],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert writer.stdout is not None
    last = -1
    for line in writer.stdout:
        last = int(line)
        if last >= 150:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert last >= 150
    reopened = Store.open(store.paths.root, passphrase=PASSPHRASE)
    assert reopened.damage == []
    with reopened.engine.connect() as connection:
        titles = {row[0] for row in connection.execute(text("select title from event"))}
        followups = connection.execute(text("select count(*) from followup")).scalar_one()
    assert {f"crash-{i}" for i in range(last + 1)} <= titles
    # whole actions only: each committed action wrote an event and a follow-up together
    assert followups == len(titles)
    reopened.close()
