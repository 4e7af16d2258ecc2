"""The demo store (`gmassist demo`): what a newcomer opens first shows the modules at work."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from gmassist.domain.board import CRISIS_RESPONSE
from gmassist.services import board as boards
from gmassist.store.demo import ZONE, populate


def test_the_demo_crisis_board_has_a_log_and_a_contact_list(store_factory, clock) -> None:
    """P3, the crisis board, shows its side panel filled: timestamped log entries since the day the crisis
    broke (i adds one) and the crisis template's roles, each with a name and a phone (p edits them)."""
    store, _recovery = store_factory()
    populate(store)
    snapshot = boards.load_board(store, boards.find_board(store, "P3").id)
    assert snapshot.board.kind == "crisis"
    log = snapshot.log
    assert len(log) >= 4 and all(re.search("[\u4e00-\u9fff]", entry.text) for entry in log)
    assert all(entry.at <= clock.now() for entry in log)
    assert log[0].at.astimezone(ZoneInfo(ZONE)).date() == snapshot.board.event_date
    contacts = snapshot.contacts
    assert [c.role for c in contacts] == [role.zh for role in CRISIS_RESPONSE.contact_roles]
    assert all(c.name and c.phone for c in contacts)
