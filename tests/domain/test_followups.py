"""Tests of the follow-up tracker's rules (gmassist.domain.followups), at frozen dates."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmassist.config import FollowupSettings
from gmassist.domain.followups import (
    ACTIVE,
    CLOSED,
    Escalation,
    FollowUpFilter,
    IllegalTransition,
    InvalidFollowUp,
    Status,
    View,
    allowed_transitions,
    by_department,
    by_owner,
    check_in_due,
    days_overdue,
    done_at_after,
    escalation_label,
    escalation_level,
    filter_predicate,
    format_day,
    instances_due,
    is_overdue,
    is_stale,
    nudge_text,
    parse_filter,
    scorecard,
    transition,
    urgency_key,
    validate,
    view_matches,
)
from gmassist.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)
"""A Wednesday."""
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
LADDER = FollowupSettings(remind_days_before=2, escalate_after_days=7, stale_days=7)


@dataclass(frozen=True)
class FU:
    """A follow-up with the table's attribute names, and only those the domain reads."""

    title: str = "提交Q4预算"
    status: str = "open"
    due: date | None = None
    next_check_in: date | None = None
    done_at: datetime | None = None
    created: datetime = datetime(2026, 11, 1, 10, 0, tzinfo=SHANGHAI)
    owner_id: str | None = None
    department_id: str | None = None
    priority: int = 2


def days(n: int) -> date:
    """TODAY shifted by `n` days."""
    return TODAY + timedelta(days=n)


# --- status machine -----------------------------------------------------------------------------

LEGAL: set[tuple[str, str]] = {
    ("open", "in_progress"),
    ("open", "waiting"),
    ("open", "blocked"),
    ("open", "done"),
    ("open", "cancelled"),
    ("in_progress", "open"),
    ("in_progress", "waiting"),
    ("in_progress", "blocked"),
    ("in_progress", "done"),
    ("in_progress", "cancelled"),
    ("waiting", "open"),
    ("waiting", "in_progress"),
    ("waiting", "blocked"),
    ("waiting", "done"),
    ("waiting", "cancelled"),
    ("blocked", "open"),
    ("blocked", "in_progress"),
    ("blocked", "waiting"),
    ("blocked", "done"),
    ("blocked", "cancelled"),
    ("done", "verified"),
    ("done", "open"),
    ("verified", "open"),
    ("cancelled", "open"),
}
"""Every legal move, written out by hand rather than derived from the module's table."""

ILLEGAL_CODES: dict[tuple[str, str], str] = {
    **{(s, s): "unchanged" for s in Status},
    **{
        (s, "verified"): "verify_needs_done"
        for s in ("open", "in_progress", "waiting", "blocked", "cancelled")
    },
    ("done", "in_progress"): "reopen_to_open",
    ("done", "waiting"): "reopen_to_open",
    ("done", "blocked"): "reopen_to_open",
    ("done", "cancelled"): "reopen_to_open",
    ("verified", "in_progress"): "reopen_to_open",
    ("verified", "waiting"): "reopen_to_open",
    ("verified", "blocked"): "reopen_to_open",
    ("verified", "done"): "reopen_to_open",
    ("verified", "cancelled"): "reopen_to_open",
    ("cancelled", "in_progress"): "reopen_to_open",
    ("cancelled", "waiting"): "reopen_to_open",
    ("cancelled", "blocked"): "reopen_to_open",
    ("cancelled", "done"): "reopen_to_open",
}
"""Every illegal move and the code it is refused with."""

ALL_PAIRS = list(itertools.product([s.value for s in Status], repeat=2))


def test_the_tables_cover_every_pair_once() -> None:
    assert LEGAL.isdisjoint(ILLEGAL_CODES)
    assert LEGAL | set(ILLEGAL_CODES) == set(ALL_PAIRS)


@pytest.mark.parametrize(("old", "new"), sorted(LEGAL))
def test_legal_transition(old: str, new: str) -> None:
    result = transition(old, new)
    assert result == new
    assert isinstance(result, Status)
    assert result in allowed_transitions(old)


@pytest.mark.parametrize(("old", "new"), sorted(ILLEGAL_CODES))
def test_illegal_transition(old: str, new: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(old, new)
    error = caught.value
    assert error.code == ILLEGAL_CODES[(old, new)]
    assert (error.from_status, error.to_status) == (old, new)
    assert error.reason and error.reason == str(error)
    assert error.field == "status"
    assert Status(new) not in allowed_transitions(old)


def test_illegal_transition_is_a_value_error_and_a_user_error() -> None:
    with pytest.raises(ValueError):
        transition("verified", "done")
    with pytest.raises(InvalidInput):
        transition("verified", "done")


def test_reasons_say_what_to_do() -> None:
    with pytest.raises(IllegalTransition, match="can only be reopened"):
        transition("cancelled", "done")
    with pytest.raises(IllegalTransition, match="Only a follow-up marked done can be verified"):
        transition("open", "verified")


@pytest.mark.parametrize(("old", "new"), [("started", "open"), ("open", "finished"), ("", "")])
def test_unknown_status(old: str, new: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(old, new)
    assert caught.value.code == "unknown_status"
    assert allowed_transitions("started") == frozenset()


def test_reopening_always_goes_to_open() -> None:
    for closed in CLOSED:
        assert allowed_transitions(closed) - {Status.VERIFIED} == {Status.OPEN}
    assert ACTIVE.isdisjoint(CLOSED)
    assert set(Status) == ACTIVE | CLOSED


def test_done_at_follows_the_status() -> None:
    now = datetime(2026, 11, 25, 9, 30, tzinfo=SHANGHAI)
    earlier = now - timedelta(days=2)
    assert done_at_after("in_progress", "done", None, now) == now
    assert done_at_after("done", "verified", earlier, now) == earlier
    assert done_at_after("done", "verified", None, now) == now
    assert done_at_after("done", "open", earlier, now) is None
    assert done_at_after("open", "cancelled", None, now) is None


# --- overdue, stale, check-ins ------------------------------------------------------------------------


def test_due_today_is_not_overdue_due_yesterday_is() -> None:
    assert not is_overdue(FU(due=TODAY), TODAY)
    assert days_overdue(FU(due=TODAY), TODAY) == 0
    assert is_overdue(FU(due=days(-1)), TODAY)
    assert days_overdue(FU(due=days(-1)), TODAY) == 1
    assert days_overdue(FU(due=days(-30)), TODAY) == 30
    assert not is_overdue(FU(due=days(1)), TODAY)
    assert not is_overdue(FU(due=None), TODAY)


@pytest.mark.parametrize("status", ["done", "verified", "cancelled"])
def test_closed_follow_ups_are_never_overdue(status: str) -> None:
    fu = FU(due=days(-10), status=status)
    assert not is_overdue(fu, TODAY)
    assert days_overdue(fu, TODAY) == 0


@pytest.mark.parametrize("status", ["open", "in_progress", "waiting", "blocked"])
def test_active_follow_ups_can_be_overdue(status: str) -> None:
    assert is_overdue(FU(due=days(-1), status=status), TODAY)


def test_stale_from_the_seventh_day_without_a_check_in() -> None:
    fu = FU()
    assert not is_stale(fu, days(-6), TODAY, 7)
    assert is_stale(fu, days(-7), TODAY, 7)
    assert is_stale(fu, days(-20), TODAY, 7)
    assert not is_stale(fu, TODAY, TODAY, 7)


def test_stale_without_any_check_in_counts_from_creation() -> None:
    created = datetime.combine(days(-7), datetime.min.time(), SHANGHAI)
    assert is_stale(FU(created=created), None, TODAY, 7)
    assert not is_stale(FU(created=created + timedelta(days=1)), None, TODAY, 7)


def test_a_planned_check_in_keeps_a_follow_up_fresh() -> None:
    assert not is_stale(FU(next_check_in=days(1)), days(-30), TODAY, 7)
    assert is_stale(FU(next_check_in=TODAY), days(-30), TODAY, 7)


def test_closed_follow_ups_are_never_stale() -> None:
    for status in ("done", "verified", "cancelled"):
        assert not is_stale(FU(status=status), days(-30), TODAY, 7)


def test_check_in_due_today_or_missed() -> None:
    assert check_in_due(FU(next_check_in=TODAY), TODAY)
    assert check_in_due(FU(next_check_in=days(-3)), TODAY)
    assert not check_in_due(FU(next_check_in=days(1)), TODAY)
    assert not check_in_due(FU(next_check_in=None), TODAY)
    assert not check_in_due(FU(next_check_in=TODAY, status="done"), TODAY)


# --- escalation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_in", "level"),
    [
        (30, Escalation.NONE),
        (3, Escalation.NONE),
        (2, Escalation.REMINDER),
        (1, Escalation.REMINDER),
        (0, Escalation.REMINDER),
        (-1, Escalation.OVERDUE),
        (-7, Escalation.OVERDUE),
        (-8, Escalation.ESCALATED),
        (-100, Escalation.ESCALATED),
    ],
)
def test_escalation_ladder(due_in: int, level: Escalation) -> None:
    assert escalation_level(FU(due=days(due_in)), TODAY, LADDER) == level
    assert escalation_level(FU(due=days(due_in)), TODAY, LADDER) == int(level)


def test_escalation_follows_the_settings() -> None:
    strict = FollowupSettings(remind_days_before=5, escalate_after_days=0)
    assert escalation_level(FU(due=days(5)), TODAY, strict) == Escalation.REMINDER
    assert escalation_level(FU(due=days(-1)), TODAY, strict) == Escalation.ESCALATED


def test_no_escalation_without_due_date_or_once_closed() -> None:
    assert escalation_level(FU(due=None), TODAY, LADDER) == Escalation.NONE
    assert escalation_level(FU(due=days(-30), status="done"), TODAY, LADDER) == Escalation.NONE
    assert escalation_level(FU(due=days(-30), status="cancelled"), TODAY, LADDER) == Escalation.NONE


def test_escalation_labels_and_order() -> None:
    assert [escalation_label(level) for level in range(4)] == ["on track", "reminder", "overdue", "escalated"]
    assert sorted([Escalation.OVERDUE, Escalation.NONE, Escalation.ESCALATED]) == [0, 2, 3]


def test_urgency_sorts_most_urgent_first() -> None:
    items = [
        FU(title="no due"),
        FU(title="far", due=days(20)),
        FU(title="soon low", due=days(1), priority=3),
        FU(title="soon high", due=days(1), priority=1),
        FU(title="late", due=days(-2)),
        FU(title="very late", due=days(-10)),
    ]
    ordered = sorted(items, key=lambda fu: urgency_key(fu, TODAY, LADDER))
    assert [fu.title for fu in ordered] == ["very late", "late", "soon high", "soon low", "far", "no due"]


# --- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("title", ["", "   ", "\u3000\n"])
def test_empty_title_is_refused(title: str) -> None:
    with pytest.raises(InvalidFollowUp) as caught:
        validate(title, None, None, TODAY)
    assert caught.value.field == "title"
    assert caught.value.code == "empty_title"
    assert isinstance(caught.value, ValueError)


def test_check_in_after_due_needs_confirmation() -> None:
    with pytest.raises(InvalidFollowUp) as caught:
        validate("催收回款", days(5), days(6), TODAY)
    assert caught.value.field == "next_check_in"
    assert caught.value.code == "checkin_after_due"
    assert "2026-12-01" in str(caught.value) and "2026-11-30" in str(caught.value)
    assert validate("催收回款", days(5), days(6), TODAY, confirm_checkin_after_due=True) == []


def test_check_in_on_the_due_date_is_fine() -> None:
    assert validate("催收回款", days(5), days(5), TODAY) == []


def test_a_past_due_date_is_accepted_with_a_warning() -> None:
    warnings = validate("会议纪要分发", days(-1), None, TODAY)
    assert [(w.field, w.code, w.message) for w in warnings] == [
        ("due", "due_in_past", "due date is in the past")
    ]
    assert validate("会议纪要分发", TODAY, TODAY, TODAY) == []


def test_a_past_check_in_is_warned_about() -> None:
    warnings = validate("Send the minutes", days(3), days(-2), TODAY)
    assert [w.code for w in warnings] == ["checkin_in_past"]


# --- recurring follow-ups -------------------------------------------------------------------------


def test_weekly_instances_up_to_today() -> None:
    # 2026-11-02 is a Monday.
    assert instances_due("FREQ=WEEKLY;BYDAY=MO", date(2026, 11, 2), None, TODAY) == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 16),
        date(2026, 11, 23),
    ]


def test_a_restart_never_returns_an_instance_twice() -> None:
    rule, start = "FREQ=WEEKLY;BYDAY=MO", date(2026, 11, 2)
    first = instances_due(rule, start, None, TODAY)
    assert first
    # The first result was stored; the program restarts the same day, then again later.
    assert instances_due(rule, start, max(first), TODAY) == []
    assert instances_due(rule, start, max(first), days(1)) == []
    assert instances_due(rule, start, max(first), days(5)) == [date(2026, 11, 30)]


def test_lead_days_make_an_instance_appear_early() -> None:
    rule, start = "FREQ=MONTHLY;BYMONTHDAY=1", date(2026, 11, 1)
    assert instances_due(rule, start, date(2026, 11, 1), TODAY, lead_days=5) == []
    assert instances_due(rule, start, date(2026, 11, 1), TODAY, lead_days=6) == [date(2026, 12, 1)]


def test_until_in_both_forms_and_count() -> None:
    start = date(2026, 11, 2)
    expected = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert instances_due("FREQ=WEEKLY;UNTIL=20261116", start, None, days(30)) == expected
    assert instances_due("FREQ=WEEKLY;UNTIL=20261116T000000Z", start, None, days(30)) == expected
    assert instances_due("RRULE:FREQ=WEEKLY;COUNT=3", start, None, days(30)) == expected
    assert instances_due("FREQ=WEEKLY;COUNT=3", start, date(2026, 11, 16), days(30)) == []


def test_nothing_before_the_series_starts() -> None:
    assert instances_due("FREQ=DAILY", days(3), None, TODAY) == []
    assert instances_due("FREQ=DAILY", days(3), None, TODAY, lead_days=3) == [days(3)]


@pytest.mark.parametrize("rule", ["", "FREQ=SOMETIMES", "not a rule", "FREQ=DAILY\nFREQ=WEEKLY"])
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(InvalidFollowUp) as caught:
        instances_due(rule, TODAY, None, TODAY)
    assert caught.value.field == "rrule"


RULES = [
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=DAILY;INTERVAL=3;COUNT=10",
]


@settings(max_examples=150, deadline=None)
@given(
    rule=st.sampled_from(RULES),
    start=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    gaps=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=15),
    lead_days=st.integers(min_value=0, max_value=5),
    repeat=st.booleans(),
)
def test_instances_accumulate_without_duplicates(
    rule: str, start: date, gaps: list[int], lead_days: int, repeat: bool
) -> None:
    """Run the generator on a series of days (sometimes twice a day, as after a restart), recording what it
    returns as the store would: every date appears once, and together they are every occurrence."""
    stored: list[date] = []
    today = start - timedelta(days=3)
    for gap in gaps:
        today += timedelta(days=gap)
        for _ in range(2 if repeat else 1):
            new = instances_due(rule, start, max(stored) if stored else None, today, lead_days=lead_days)
            assert all(day <= today + timedelta(days=lead_days) for day in new)
            stored.extend(new)
    assert len(stored) == len(set(stored))
    assert stored == sorted(stored)
    assert stored == instances_due(rule, start, None, today, lead_days=lead_days)


# --- nudges --------------------------------------------------------------------------------------------


def test_nudge_in_chinese() -> None:
    text = nudge_text("zh", "王经理", "提交Q4预算", date(2026, 11, 20), date(2026, 12, 1), TODAY)
    assert text == (
        "王经理您好，关于「提交Q4预算」（11月20日交办，截止12月1日），"
        "想跟您确认一下目前的进展，如有需要协调的地方请随时告诉我。谢谢！"
    )


def test_overdue_nudge_in_chinese() -> None:
    text = nudge_text("zh_CN", "王经理", "提交Q4预算", date(2026, 11, 10), date(2026, 11, 20), TODAY)
    assert text == (
        "王经理您好，关于「提交Q4预算」（11月10日交办，原定11月20日完成，已逾期5天），"
        "想跟您了解一下目前的进展和预计完成时间。如遇到困难或需要协调资源，请告诉我，我来帮忙推动。谢谢！"
    )


def test_chinese_nudge_due_today_without_owner_and_without_due() -> None:
    assert nudge_text("zh", "", "年会场地", date(2026, 11, 20), TODAY, TODAY) == (
        "您好，关于「年会场地」（11月20日交办，今天截止），"
        "想跟您确认一下目前的进展，如有需要协调的地方请随时告诉我。谢谢！"
    )
    assert nudge_text("zh", "李总", "年会场地", date(2025, 12, 30), None, TODAY) == (
        "李总您好，关于「年会场地」（2025年12月30日交办），"
        "想跟您确认一下目前的进展，如有需要协调的地方请随时告诉我。谢谢！"
    )


def test_nudge_in_english() -> None:
    text = nudge_text("en", "Mr Wang", "Submit the Q4 budget", date(2026, 11, 20), date(2026, 12, 1), TODAY)
    assert text == (
        "Hello Mr Wang, I'd like to check in on “Submit the Q4 budget” (assigned 20 Nov, due 1 Dec). "
        "How is it going? If anything needs coordinating, please let me know. Thank you!"
    )


def test_overdue_nudge_in_english() -> None:
    one_day = nudge_text("en", "Li Wei", "Send the contract", date(2026, 11, 2), days(-1), TODAY)
    assert one_day == (
        "Hello Li Wei, I'm following up on “Send the contract” (assigned 2 Nov, due 24 Nov, now 1 day "
        "overdue). Could you let me know where it stands and when you expect to finish? If you need help "
        "or resources, tell me and I'll help move it forward. Thank you!"
    )
    assert "now 5 days overdue" in nudge_text("en", "Li Wei", "x", date(2026, 11, 2), days(-5), TODAY)


def test_english_nudge_due_today_and_without_owner() -> None:
    assert nudge_text("fr", " ", "Book the venue", date(2026, 11, 20), TODAY, TODAY) == (
        "Hello, I'd like to check in on “Book the venue” (assigned 20 Nov, due today). "
        "How is it going? If anything needs coordinating, please let me know. Thank you!"
    )


def test_dates_in_messages_show_the_year_only_when_it_differs() -> None:
    assert format_day("zh", date(2027, 1, 5), TODAY) == "2027年1月5日"
    assert format_day("en", date(2027, 1, 5), TODAY) == "5 Jan 2027"
    assert format_day("en", date(2026, 1, 5), TODAY) == "5 Jan"


# --- scorecard ----------------------------------------------------------------------------------------


def _done(dept: str | None, due: date | None, finished: datetime, status: str = "done") -> FU:
    return FU(status=status, department_id=dept, due=due, done_at=finished)


def test_scorecard_counts_on_time_and_late() -> None:
    def at(day: date) -> datetime:
        return datetime.combine(day, datetime.min.time(), SHANGHAI).replace(hour=15)

    items = [
        _done("sales", days(-10), at(days(-10))),  # on the due date: on time
        _done("sales", days(-10), at(days(-9)), status="verified"),  # a day late
        _done("sales", None, at(days(-5))),  # no due date: done, neither on time nor late
        _done("hr", days(-3), at(days(-4))),
        _done("hr", days(-3), at(days(-40))),  # before the period
        FU(status="in_progress", department_id="hr", due=days(-2)),  # still overdue
        FU(status="cancelled", department_id="hr", due=days(-2)),  # cancelled: not counted
        FU(status="open", department_id="rd", due=days(-1)),
        FU(status="open", department_id="legal", due=days(5)),  # nothing to report: left out
    ]
    scores = scorecard(items, days(-30), TODAY, zone=SHANGHAI)
    assert [(s.department, s.done, s.on_time, s.late, s.rate, s.overdue) for s in scores] == [
        ("hr", 1, 1, 0, 1.0, 1),
        ("sales", 3, 1, 1, 0.5, 0),
        ("rd", 0, 0, 0, None, 1),
    ]


def test_scorecard_reads_done_at_in_the_users_zone() -> None:
    # 23:30 UTC on the 20th is 07:30 on the 21st in Shanghai: a day late there.
    item = _done("sales", date(2026, 11, 20), datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    [local] = scorecard([item], date(2026, 11, 1), TODAY, zone=SHANGHAI)
    assert (local.on_time, local.late) == (0, 1)
    [utc] = scorecard([item], date(2026, 11, 1), TODAY)
    assert (utc.on_time, utc.late) == (1, 0)


def test_scorecard_period_bounds_are_inclusive() -> None:
    item = _done("sales", TODAY, datetime(2026, 11, 25, 18, 0, tzinfo=SHANGHAI))
    assert scorecard([item], TODAY, TODAY, zone=SHANGHAI)[0].done == 1
    assert scorecard([item], days(-7), days(-1), zone=SHANGHAI) == []


def test_scorecard_counts_overdue_that_finished_after_the_period() -> None:
    finished_later = _done("sales", days(-20), datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))
    [score] = scorecard([finished_later], days(-30), days(-10), zone=SHANGHAI)
    assert (score.done, score.overdue) == (0, 1)


# --- views and the filter line ---------------------------------------------------------------------


def test_views() -> None:
    waiting = FU(status="waiting", next_check_in=TODAY, due=days(-1))
    to_verify = FU(status="done", done_at=NOW - timedelta(days=6, hours=9))
    old_done = FU(status="verified", done_at=NOW - timedelta(days=7, hours=1))
    fresh = FU(status="open", next_check_in=days(1), due=TODAY)
    assert [v for v in View if view_matches(v, waiting, NOW)] == [
        View.ACTIVE,
        View.CHECK_IN_DUE,
        View.OVERDUE,
        View.WAITING,
    ]
    assert [v for v in View if view_matches(v, to_verify, NOW)] == [View.TO_VERIFY, View.RECENTLY_DONE]
    assert [v for v in View if view_matches(v, old_done, NOW)] == []
    assert [v for v in View if view_matches(v, fresh, NOW)] == [View.ACTIVE]


def test_recently_done_uses_the_zone_of_now() -> None:
    # Finished 17:00 UTC on the 18th = 01:00 on the 19th in Shanghai: 6 days before the 25th, so recent.
    item = FU(status="done", done_at=datetime(2026, 11, 18, 17, 0, tzinfo=UTC))
    assert view_matches(View.RECENTLY_DONE, item, NOW)
    assert not view_matches(View.RECENTLY_DONE, item, NOW.astimezone(UTC).replace(hour=1))


def test_owner_and_department_predicates() -> None:
    item = FU(owner_id="p1", department_id="d1")
    assert by_owner("p1")(item) and not by_owner("p2")(item)
    assert by_department("d1")(item) and not by_department(None)(item)
    assert by_owner(None)(FU())


def test_parse_filter() -> None:
    spec = parse_filter('owner:张三 dept：销售 逾期 预算 o:"Li Wei" status:blocked waiting Q4 foo:bar')
    assert spec == FollowUpFilter(
        owners=("张三", "Li Wei"),
        departments=("销售",),
        statuses=(Status.BLOCKED,),
        views=(View.OVERDUE, View.WAITING),
        words=("预算", "Q4", "foo:bar"),
    )
    assert parse_filter("") == FollowUpFilter()
    assert parse_filter('owner:"unbalanced').owners == ("unbalanced",)
    assert parse_filter("manager's 部门：“市场 部”").words == ("manager's",)
    assert parse_filter("manager's 部门：“市场 部”").departments == ("市场 部",)
    assert parse_filter("受阻 已完成").statuses == (Status.BLOCKED, Status.DONE)


def test_filter_predicate() -> None:
    owners = {"p1": "张三", "p2": "Li Wei"}
    departments = {"d1": "销售部", "d2": "人力资源部"}
    items = [
        FU(title="提交Q4预算", owner_id="p1", department_id="d1", due=days(-1)),
        FU(title="Q4 budget review", owner_id="p2", department_id="d1", due=days(-1)),
        FU(title="招聘计划", owner_id="p1", department_id="d2", due=days(3)),
        FU(title="提交Q4预算", owner_id="p1", department_id="d1", due=days(-1), status="done"),
    ]

    def titles(line: str) -> list[str]:
        keep = filter_predicate(parse_filter(line), NOW, owners, departments)
        return [fu.title for fu in items if keep(fu)]

    assert titles("owner:张三 dept:销售 overdue") == ["提交Q4预算"]
    assert titles("q4") == ["提交Q4预算", "Q4 budget review", "提交Q4预算"]
    assert titles("owner:li 逾期") == ["Q4 budget review"]
    assert titles("dept:人力") == ["招聘计划"]
    assert titles("status:done") == ["提交Q4预算"]
    assert titles("owner:p2") == ["Q4 budget review"]
    assert titles("owner:nobody") == []


# --- layering ----------------------------------------------------------------------------------------


def test_domain_imports_no_ui_or_storage() -> None:
    code = (
        "import sys, gmassist.domain.followups, gmassist.domain.board\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'textual', 'sqlmodel', 'sqlalchemy', 'keyring'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
