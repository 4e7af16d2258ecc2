"""Use a gmassist store from plain Python, without the TUI.

    GMASSIST_PASSPHRASE='a long passphrase' python examples/headless.py /tmp/gm-example

Creates the store on first run (passphrase from GMASSIST_PASSPHRASE, no keyring needed), adds a meeting
and a follow-up in one action each, lists the coming events and prints the JSON export's counts.
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from gmassist.clock import SystemClock
from gmassist.store import transfer
from gmassist.store.models import Event, FollowUp
from gmassist.store.store import Store

root = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gm-example")
passphrase = os.environ.get("GMASSIST_PASSPHRASE", "a long example passphrase")
clock = SystemClock(ZoneInfo("Asia/Shanghai"))

if (root / "keys.json").exists():
    store = Store.open(root, passphrase=passphrase, clock=clock)
else:
    store, recovery = Store.create(root, passphrase=passphrase, clock=clock)
    print("new store; recovery key:", recovery)

start = clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
with store.action("event.create") as session:  # one user action = one transaction, undoable
    session.add(Event(title="与财务总监讨论并购方案", location="3号会议室", start=start, end=start + timedelta(hours=1)))
with store.action("followup.create") as session:
    session.add(FollowUp(title="提交Q4预算", requested_by="总经理", due=date.today() + timedelta(days=3)))

with store.read() as session:
    upcoming = session.exec(select(Event).where(Event.start >= datetime.now(clock.zone)).order_by(Event.start)).all()
    for event in upcoming[:10]:
        print(event.start.astimezone(clock.zone).strftime("%Y-%m-%d %H:%M"), store.display(event, "title"))

print("undo:", store.undo())  # takes the follow-up back
data = transfer.export_data(store)
print({name: len(rows) for name, rows in data["tables"].items() if rows})
store.close()
