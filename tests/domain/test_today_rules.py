"""The Today triage rules: which rows show, in which order, and which keys apply."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from gmassist.domain.today import SECTIONS, TriageItem, arrange, counts, item_key

Z = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)


def row(section: str, kind: str, ident: str, when: datetime | date | None) -> TriageItem:
    return TriageItem(
        section=section, kind=kind, item_id=ident, key=item_key(kind, ident), when=when, title=ident
    )


def test_rows_come_by_section_then_time_then_key() -> None:
    items = [
        row("card", "card", "c1", date(2026, 11, 26)),
        row("agenda", "event", "e2", datetime(2026, 11, 25, 15, tzinfo=Z)),
        row("agenda", "event", "e1", datetime(2026, 11, 25, 9, tzinfo=Z)),
        row("checkin", "followup", "f2", None),
        row("checkin", "followup", "f1", date(2026, 11, 20)),
        row("reminder", "reminder", "r1", datetime(2026, 11, 25, 9, 45, tzinfo=Z)),
    ]
    assert [i.item_id for i in arrange(items, {}, TODAY)] == ["r1", "e1", "e2", "f1", "f2", "c1"]


def test_marks_hide_rows_until_their_day() -> None:
    a, b, c = row("card", "card", "a", None), row("card", "card", "b", None), row("card", "card", "c", None)
    hidden = {a.key: None, b.key: date(2026, 11, 27), c.key: TODAY}
    assert [i.item_id for i in arrange([a, b, c], hidden, TODAY)] == ["c"]
    assert [i.item_id for i in arrange([a, b, c], hidden, date(2026, 11, 27))] == ["b", "c"]


def test_occurrence_keys_are_distinct_and_stable() -> None:
    first = item_key("event", "s1", datetime(2026, 11, 30, 9, tzinfo=Z))
    second = item_key("event", "s1", datetime(2026, 12, 7, 9, tzinfo=Z))
    assert first != second and first == item_key("event", "s1", datetime(2026, 11, 30, 9, tzinfo=Z))


def test_counts_and_actions() -> None:
    items = [
        row("agenda", "event", "e", None),
        row("card", "card", "c", None),
        row("card", "card", "d", None),
    ]
    result = counts(items)
    assert set(result) == {name for name, _label in SECTIONS}
    assert result["card"] == 2 and result["agenda"] == 1 and result["document"] == 0
    assert "block" not in items[0].actions and "block" in items[1].actions
    assert {"done", "snooze", "delegate", "confidential"} <= items[0].actions
