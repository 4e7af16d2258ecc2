"""Minutes -> resolutions -> follow-ups against a real store: one sitting, a recurring meeting's matters
arising at its next sitting, the meeting's resolution status, and confidential meetings."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gmassist.config import FollowupSettings
from gmassist.errors import InvalidInput, Locked
from gmassist.services import followups as fu
from gmassist.services import minutes as mn
from gmassist.store.models import Department, Event, FollowUp, Person
from gmassist.store.store import Store
from tests.conftest import NOW, PASSPHRASE, SHANGHAI

LADDER = FollowupSettings()
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
"""The Monday of NOW's week, 09:00: the weekly meeting's sitting this week."""


@pytest.fixture
def store(store_factory) -> Store:
    store, _ = store_factory()
    with store.action("seed") as session:
        sales = Department(name="销售部")
        session.add(sales)
        session.flush()
        session.add_all(
            [
                Person(name="李娜", title="销售经理", department_id=sales.id),
                Person(name="王磊", title="研发总监"),
            ]
        )
    return store


def meeting(store: Store, title: str = "周一例会", start: datetime = MONDAY, **values) -> str:
    with store.action("seed.event") as session:
        event = Event(title=title, start=start, end=start + timedelta(hours=1), kind="meeting", **values)
        session.add(event)
        return event.id


def resolve(store: Store, minutes: mn.Minutes, line: str, **kwargs) -> fu.Saved:
    directory = fu.load_directory(store)
    plan = mn.plan_resolution(store, minutes, line, directory, store.clock.now())
    return mn.add_resolution(store, minutes, plan, LADDER, **kwargs)


def test_minutes_resolutions_become_follow_ups_of_the_meeting(store: Store) -> None:
    event = meeting(store, "经营分析会", MONDAY + timedelta(days=1), location="大会议室")
    sitting = mn.find_meeting(store, event, None, NOW)
    assert (sitting.title, sitting.location, sitting.recurring) == ("经营分析会", "大会议室", False)
    directory = fu.load_directory(store)
    empty = mn.load_minutes(store, sitting, directory)
    assert (empty.minutes_id, empty.text, empty.resolutions) == (None, "", ())
    with pytest.raises(InvalidInput, match="Save the minutes first"):
        mn.add_resolution(store, empty, fu.plan_quick_add(directory, "x", NOW), LADDER)

    text = "出席：总经理、各部门负责人\n1. @销售经理 周五前 提交Q4预算\n（二）@王磊 下周一前 更新研发计划\n"
    mn.save_minutes(store, sitting, text)
    minutes = mn.load_minutes(store, sitting, directory)
    first = resolve(store, minutes, "1. @销售经理 周五前 提交Q4预算")
    minutes = mn.load_minutes(store, sitting, directory)
    resolve(store, minutes, "（二）@王磊 下周一前 更新研发计划")
    minutes = mn.load_minutes(store, sitting, directory)

    assert minutes.text == text
    assert [(r.title, r.owner, r.status) for r in minutes.resolutions] == [
        ("提交Q4预算", "李娜", "open"),
        ("更新研发计划", "王磊", "open"),
    ]
    with store.read() as session:
        row = session.get(FollowUp, first.id)
        assert row is not None
        assert (row.source_kind, row.source_id, row.requested_by) == ("meeting", event, "经营分析会")
    with pytest.raises(InvalidInput, match="already a follow-up"):
        mn.plan_resolution(store, minutes, "- 提交Q4预算 @李娜 周五前", directory, NOW)
    with pytest.raises(InvalidInput, match="empty"):
        mn.plan_resolution(store, minutes, "  1.  ", directory, NOW)

    fu.check_in(store, [first.id], "初稿已交", None)
    fu.set_status(store, [first.id], "done")
    minutes = mn.load_minutes(store, sitting, directory)
    assert [r.status for r in minutes.resolutions] == ["done", "open"]
    assert minutes.summary() == "2 resolutions: 1 open, 1 done (to verify)"
    assert mn.meeting_status(store, event) == {"open": 1, "done": 1}


def test_the_next_sitting_of_a_recurring_meeting_shows_the_matters_arising(store: Store, clock) -> None:
    series = meeting(store, "周一例会", MONDAY - timedelta(weeks=1), rrule="FREQ=WEEKLY;BYDAY=MO")
    clock.current = MONDAY - timedelta(weeks=1) + timedelta(hours=2)
    last_week = mn.find_meeting(store, series, None, clock.now())
    assert last_week.recurring and last_week.occurrence == MONDAY - timedelta(weeks=1)
    mn.save_minutes(store, last_week, "1. @李娜 周三前 回款跟进\n2. @王磊 周五前 样机测试")
    minutes = mn.load_minutes(store, last_week, fu.load_directory(store))
    kept = resolve(store, minutes, "1. @李娜 周三前 回款跟进")
    minutes = mn.load_minutes(store, last_week, fu.load_directory(store))
    finished = resolve(store, minutes, "2. @王磊 周五前 样机测试")
    fu.set_status(store, [finished.id], "done")

    clock.current = NOW  # this week's sitting has begun
    this_week = mn.find_meeting(store, series, None, clock.now())
    assert this_week.occurrence == MONDAY and this_week.event_id == series
    mn.save_minutes(store, this_week, "1. @李娜 下周一前 新客户名单")
    now_minutes = mn.load_minutes(store, this_week, fu.load_directory(store))
    assert [r.id for r in now_minutes.matters_arising] == [kept.id]  # open ones only
    resolve(store, now_minutes, "1. @李娜 下周一前 新客户名单")
    then = mn.load_minutes(store, last_week, fu.load_directory(store))
    assert [r.title for r in then.resolutions] == ["回款跟进", "样机测试"]
    assert then.matters_arising == ()  # later sittings' resolutions never arise at earlier ones
    assert mn.meeting_status(store, series) == {"open": 2, "done": 1}
    same = mn.find_meeting(store, series, MONDAY - timedelta(weeks=1), clock.now())
    assert same == last_week


def test_the_picker_lists_meetings_only_latest_first(store: Store) -> None:
    meeting(store, "预算评审", MONDAY)
    meeting(store, "Board prep", MONDAY + timedelta(days=2))
    with store.action("visit") as session:
        session.add(Event(title="拜访客户", kind="visit", start=MONDAY, end=MONDAY + timedelta(hours=2)))
    meeting(store, "去年的会", MONDAY - timedelta(days=200))
    assert [m.title for m in mn.meetings(store, NOW)] == ["Board prep", "预算评审"]


def test_a_confidential_meeting_has_confidential_minutes_and_resolutions(store: Store) -> None:
    event = meeting(store, "并购项目保密谈判", confidential=True)
    sitting = mn.find_meeting(store, event, None, NOW)
    mn.save_minutes(store, sitting, "1. @李娜 周五前 准备报价底线")
    minutes = mn.load_minutes(store, sitting, fu.load_directory(store))
    saved = resolve(store, minutes, "1. @李娜 周五前 准备报价底线")
    store.lock_confidential()
    with store.read() as session:
        row = session.get(FollowUp, saved.id)
        assert row is not None and row.confidential and row.title.startswith("gmc1:")
    locked = mn.find_meeting(store, event, None, NOW)
    assert locked.title == "🔒 confidential"
    with pytest.raises(Locked):
        mn.load_minutes(store, locked, fu.load_directory(store))
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert mn.load_minutes(store, sitting, fu.load_directory(store)).text == "1. @李娜 周五前 准备报价底线"


def test_an_unknown_meeting_is_refused(store: Store) -> None:
    with pytest.raises(InvalidInput):
        mn.find_meeting(store, "no-such-id", None, NOW)
    event = meeting(store)
    with pytest.raises(InvalidInput):
        mn.find_meeting(store, event, MONDAY + timedelta(hours=1), NOW)
