"""The follow-up use cases against a real store, at frozen times: status moves, check-ins, bulk changes,
validation (nothing saved on refusal), the list's SQL views and filter against the domain's predicates,
the escalation ladder, recurring instances across restarts, nudges and quick add."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from gmassist.clock import FrozenClock
from gmassist.config import FollowupSettings
from gmassist.domain import followups as rules
from gmassist.domain.agenda_view import read_date
from gmassist.domain.followups import Escalation, IllegalTransition, InvalidFollowUp, Status, View
from gmassist.errors import InvalidInput, Locked
from gmassist.services import followups as fu
from gmassist.store.models import CheckIn, Department, FollowUp, Person, table_of
from gmassist.store.store import Store
from tests.conftest import NOW, PASSPHRASE, SHANGHAI

TODAY = NOW.date()
"""Wednesday 25 November 2026."""
LADDER = FollowupSettings(remind_days_before=2, escalate_after_days=7, stale_days=7)


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def store(store_factory) -> Store:
    store, _ = store_factory()
    return store


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Store:
    """One store for the tests that only add rows of their own (a store takes a second to create)."""
    store, _ = Store.create(
        tmp_path_factory.mktemp("shared") / "store", passphrase=PASSPHRASE, clock=FrozenClock(NOW)
    )
    yield store
    store.close()


@pytest.fixture
def people(store: Store) -> dict[str, str]:
    return seed_people(store)


def seed_people(store: Store) -> dict[str, str]:
    """Two departments and four people (two called 张…), by name -> id."""
    with store.action("seed") as session:
        sales = Department(name="销售部")
        rnd = Department(name="研发部")
        session.add_all([sales, rnd])
        session.flush()
        rows = [
            Person(name="李娜", title="销售经理", department_id=sales.id),
            Person(name="张伟", title="财务总监", department_id=rnd.id),
            Person(name="张三", title="销售代表", department_id=sales.id),
            Person(name="Emma Schmidt", title="Legal Counsel"),
        ]
        session.add_all(rows)
        session.flush()
        ids = {p.name: p.id for p in rows}
        ids["销售部"], ids["研发部"] = sales.id, rnd.id
    return ids


def add(store: Store, title: str = "提交Q4预算", **values) -> str:
    """A follow-up written directly (any status, any dates), created at NOW unless told."""
    with store.action("seed.followup") as session:
        row = FollowUp(title=title, **values)
        session.add(row)
        return row.id


def stored(store: Store, followup_id: str) -> FollowUp:
    with store.read() as session:
        row = session.get(FollowUp, followup_id)
        assert row is not None
        return row


def check_ins(store: Store, followup_id: str) -> list[CheckIn]:
    with store.read() as session:
        query = select(CheckIn).where(CheckIn.followup_id == followup_id).order_by(CheckIn.at)
        return list(session.execute(query).scalars())


def count(store: Store, model) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def query(store: Store, view: str = "active", text: str = "", **kwargs) -> fu.FollowupQuery:
    return fu.FollowupQuery(store, fu.load_directory(store), LADDER, NOW, view, text, **kwargs)


def ids_of(q: fu.FollowupQuery) -> set[str]:
    return {row.id for row in q.all_rows()}


# --- status moves ------------------------------------------------------------------------------------

ALL_PAIRS = list(itertools.product([s.value for s in Status], repeat=2))


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS)
def test_every_status_move_is_saved_or_refused_whole(shared: Store, old: str, new: str) -> None:
    store, clock = shared, shared.clock
    assert isinstance(clock, FrozenClock)
    clock.current = NOW
    done_at = NOW - timedelta(days=1) if old in ("done", "verified") else None
    followup = add(store, status=old, done_at=done_at)
    legal = rules.Status(new) in rules.allowed_transitions(old)
    if not legal:
        with pytest.raises(IllegalTransition):
            fu.set_status(store, [followup], new)
        assert stored(store, followup).status == old
        assert check_ins(store, followup) == []
        return
    clock.advance(timedelta(hours=1))
    assert fu.set_status(store, [followup], new, note="电话确认") == 1
    row = stored(store, followup)
    assert row.status == new
    expected_done = {"done": clock.now(), "verified": done_at or clock.now()}.get(new)
    assert row.done_at == expected_done
    [entry] = check_ins(store, followup)
    assert (entry.kind, entry.status_to, entry.note, entry.at) == ("status", new, "电话确认", clock.now())


def test_a_bulk_status_move_is_all_or_nothing(store: Store) -> None:
    open_one = add(store, status="open")
    cancelled = add(store, status="cancelled")
    with pytest.raises(IllegalTransition):
        fu.set_status(store, [open_one, cancelled], "done")
    assert stored(store, open_one).status == "open"
    assert count(store, CheckIn) == 0


# --- check-ins ------------------------------------------------------------------------------------------


def test_a_check_in_is_appended_and_sets_the_next_check_in(store: Store, clock) -> None:
    followup = add(store, due=days(10), next_check_in=days(-1))
    fu.check_in(store, [followup], "已电话确认", days(3))
    clock.advance(timedelta(days=3))
    fu.check_in(store, [followup], "数据还没到", None, status="waiting")
    entries = fu.timeline(store, followup)
    assert [(e.kind, e.note, e.next_check_in, e.status_to) for e in entries] == [
        ("check_in", "已电话确认", days(3), ""),
        ("status", "", None, "waiting"),
        ("check_in", "数据还没到", None, ""),
    ]
    row = stored(store, followup)
    assert row.next_check_in is None and row.status == "waiting"


def test_a_check_in_after_the_due_date_needs_confirming(store: Store) -> None:
    followup = add(store, due=days(2))
    with pytest.raises(InvalidFollowUp) as refused:
        fu.check_in(store, [followup], "later", days(5))
    assert refused.value.code == "checkin_after_due" and "after the due date" in str(refused.value)
    assert check_ins(store, followup) == [] and stored(store, followup).next_check_in is None
    fu.check_in(store, [followup], "later", days(5), confirm_checkin_after_due=True)
    assert stored(store, followup).next_check_in == days(5)


def test_bulk_reassign_new_due_date_and_check_in(store: Store, people) -> None:
    first, second = add(store, due=days(1)), add(store, due=days(2), next_check_in=days(1))
    assert fu.reassign(store, [first, second], people["李娜"], people["销售部"]) == 2
    assert {stored(store, i).owner_id for i in (first, second)} == {people["李娜"]}
    with pytest.raises(InvalidFollowUp):  # second's planned check-in would fall after it
        fu.set_due(store, [first, second], days(0))
    assert stored(store, first).due == days(1)
    warnings = fu.set_due(store, [first, second], days(-1), confirm_checkin_after_due=True)
    assert [w.code for w in warnings] == ["due_in_past"]
    assert {stored(store, i).due for i in (first, second)} == {days(-1)}
    assert fu.check_in(store, [first, second], "周会上确认", days(-1)) == 2
    assert count(store, CheckIn) == 2


# --- creating: refusals save nothing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("下周八", "下周八"),
        ("2月30日", "2月30日"),
        ("xyz", "xyz"),
        ("25点", "25点"),
        ("周五 开会", "周五 开会"),
    ],
)
def test_a_date_that_cannot_be_read_is_refused(text: str, part: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_date(text, NOW, "due")
    message = str(refused.value)
    assert message.startswith("Cannot read the date") and f"“{part}” is not understood" in message
    assert refused.value.field == "due"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("周五", days(2)),
        ("明天", days(1)),
        ("next monday", days(5)),
        ("", None),
    ],
)
def test_dates_are_read_as_quick_add_reads_them(text: str, day: date | None) -> None:
    assert read_date(text, NOW) == day


def test_an_empty_title_is_refused_and_nothing_saved(store: Store) -> None:
    with pytest.raises(InvalidFollowUp) as refused:
        fu.create(store, fu.Draft(title="   ", due=days(3)), LADDER)
    assert refused.value.field == "title"
    assert count(store, FollowUp) == 0


def test_a_check_in_after_due_is_refused_unless_confirmed(store: Store) -> None:
    draft = fu.Draft(title="提交Q4预算", due=days(3), next_check_in=days(4))
    with pytest.raises(InvalidFollowUp):
        fu.create(store, draft, LADDER)
    assert count(store, FollowUp) == 0
    fu.create(store, draft, LADDER, confirm_checkin_after_due=True)
    assert count(store, FollowUp) == 1


def test_a_due_date_already_past_is_saved_with_a_warning(store: Store) -> None:
    saved = fu.create(store, fu.Draft(title="补录：整改方案", due=days(-3)), LADDER)
    assert [w.code for w in saved.warnings] == ["due_in_past"]
    assert stored(store, saved.id).due == days(-3)


def test_a_bad_repetition_is_refused() -> None:
    with pytest.raises(InvalidInput):
        fu.read_rrule("FREQ=SOMETIMES", NOW)
    with pytest.raises(InvalidInput):
        fu.read_rrule("每逢佳节", NOW)
    assert fu.read_rrule("每月5号", NOW) == "FREQ=MONTHLY;BYMONTHDAY=5"
    assert fu.read_rrule("RRULE:freq=weekly;byday=mo", NOW) == "FREQ=WEEKLY;BYDAY=MO"


def test_edit_keeps_the_history_and_refuses_bad_input(store: Store, people) -> None:
    saved = fu.create(store, fu.Draft(title="提交Q4预算", due=days(3)), LADDER)
    fu.check_in(store, [saved.id], "已催办", days(1))
    draft = fu.draft_of(fu.load(store, saved.id))
    fu.update(store, saved.id, fu.Draft(**{**draft.__dict__, "owner_id": people["李娜"], "priority": 1}))
    with pytest.raises(InvalidFollowUp):
        fu.update(store, saved.id, fu.Draft(**{**draft.__dict__, "title": ""}))
    row = stored(store, saved.id)
    assert (row.title, row.owner_id, row.priority) == ("提交Q4预算", people["李娜"], 1)
    assert len(fu.timeline(store, saved.id)) == 1


# --- the list: views, filter and ladder in SQL, as the domain says --------------------------------------

DUES = [None, *(days(n) for n in (-9, -8, -7, -1, 0, 1, 2, 3))]
STATUSES = [s.value for s in Status]


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Store:
    """Follow-ups in every status with due dates and check-ins around every boundary (read only)."""
    store, _ = Store.create(
        tmp_path_factory.mktemp("grid") / "store", passphrase=PASSPHRASE, clock=FrozenClock(NOW)
    )
    people = seed_people(store)
    owners = [people["李娜"], people["张伟"], None]
    depts = [people["销售部"], people["研发部"], None]
    with store.action("seed.grid") as session:
        for i, (status, due) in enumerate(itertools.product(STATUSES, DUES)):
            finished = NOW - timedelta(days=i % 9) if status in ("done", "verified") else None
            session.add(
                FollowUp(
                    title=f"事项{i} budget" if i % 3 else f"Item {i} 预算",
                    status=status,
                    due=due,
                    next_check_in=days((i % 5) - 2) if i % 4 else None,
                    done_at=finished,
                    owner_id=owners[i % 3],
                    department_id=depts[i % 3],
                    priority=1 + i % 3,
                    created=NOW - timedelta(days=i % 11),
                )
            )
    yield store
    store.close()


def all_rows(store: Store) -> list[FollowUp]:
    with store.read() as session:
        return list(session.execute(select(FollowUp)).scalars())


@pytest.mark.parametrize("view", list(View))
def test_each_sql_view_holds_what_the_domain_predicate_says(grid: Store, view: View) -> None:
    expected = {r.id for r in all_rows(grid) if rules.view_matches(view, r, NOW)}
    assert expected, f"the grid has nothing in {view}"
    assert ids_of(query(grid, view.value)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "owner:李",
        "dept:研发 overdue",
        "status:blocked",
        "逾期 受阻",
        "budget",
        "预算 owner:张伟",
        "waiting 事项1",
    ],
)
def test_the_filter_in_sql_matches_the_domain_predicate(grid: Store, text: str) -> None:
    directory = fu.load_directory(grid)
    predicate = rules.filter_predicate(
        rules.parse_filter(text),
        NOW,
        {k: p.name for k, p in directory.people.items()},
        directory.departments,
    )
    expected = {r.id for r in all_rows(grid) if predicate(r)}
    assert ids_of(query(grid, "all", text)) == expected


def test_rows_carry_the_ladder_overdue_days_and_staleness_as_the_domain_computes(grid: Store) -> None:
    by_id = {r.id: r for r in all_rows(grid)}
    last = {}
    for row in query(grid, "all").all_rows():
        source = by_id[row.id]
        assert row.level == rules.escalation_level(source, TODAY, LADDER)
        assert row.overdue_days == rules.days_overdue(source, TODAY)
        assert row.check_in_due == rules.check_in_due(source, TODAY)
        last[row.id] = row.stale
    assert any(last.values()) and not all(last.values())


def test_the_sql_ladder_that_sorts_the_list_is_the_domain_ladder(grid: Store) -> None:
    table = table_of(FollowUp)
    with grid.engine.connect() as connection:
        levels = dict(connection.execute(select(table.c.id, fu.level_expression(table, TODAY, LADDER))).all())
    expected = {r.id: int(rules.escalation_level(r, TODAY, LADDER)) for r in all_rows(grid)}
    assert levels == expected and set(levels.values()) == {0, 1, 2, 3}


@pytest.mark.parametrize(
    ("due", "level", "overdue"),
    [
        (days(3), Escalation.NONE, False),
        (days(2), Escalation.REMINDER, False),  # remind_days_before = 2: the boundary day
        (days(0), Escalation.REMINDER, False),  # due today is not overdue
        (days(-1), Escalation.OVERDUE, True),
        (days(-7), Escalation.OVERDUE, True),  # overdue by exactly escalate_after_days
        (days(-8), Escalation.ESCALATED, True),  # by more: into the manager's brief
    ],
)
def test_the_ladder_on_its_boundary_days(store: Store, due: date, level: Escalation, overdue: bool) -> None:
    followup = add(store, due=due)
    [row] = query(store, "all").all_rows()
    assert (row.id, row.level) == (followup, level)
    assert (followup in ids_of(query(store, "overdue"))) is overdue


def test_staleness_on_its_boundary_day(store: Store, clock) -> None:
    fresh = add(store, title="six days", created=NOW - timedelta(days=20))
    stale = add(store, title="seven days", created=NOW - timedelta(days=20))
    never = add(store, title="created seven days ago", created=NOW - timedelta(days=7))
    planned = add(store, title="planned", created=NOW - timedelta(days=20), next_check_in=days(1))
    clock.current = NOW - timedelta(days=6)
    fu.check_in(store, [fresh], "call", None)
    clock.current = NOW - timedelta(days=7)
    fu.check_in(store, [stale], "call", None)
    clock.current = NOW
    rows = {r.title: r.stale for r in query(store, "all").all_rows()}
    assert rows == {"six days": False, "seven days": True, "created seven days ago": True, "planned": False}
    assert fresh and stale and never and planned


def test_sorting_by_level_puts_the_loudest_first(store: Store) -> None:
    for due in (days(5), days(-20), None, days(1), days(-2)):
        add(store, title=f"due {due}", due=due)
    levels = [r.level for r in query(store, "active").all_rows()]
    assert levels == sorted(levels, reverse=True) and levels[0] == Escalation.ESCALATED
    dues = [r.due for r in query(store, "active", sort="due").all_rows()]
    assert dues == [days(-20), days(-2), days(1), days(5), None]


def test_grouped_views_and_recently_done(grid: Store) -> None:
    by_dept = query(grid, "by_department").all_rows()
    names = [r.department_name for r in by_dept]
    assert names == sorted(names, key=lambda n: (n == "", n))  # empty (no department) last
    recent = query(grid, "recently_done").all_rows()
    finished = [r.done_at for r in recent]
    assert finished == sorted(finished, reverse=True)


def test_confidential_titles_are_searched_only_while_unlocked(store: Store) -> None:
    secret = add(store, title="并购谈判底价", confidential=True)
    plain = add(store, title="并购公告")
    store.lock_confidential()
    assert ids_of(query(store, "all", "并购")) == {plain}
    assert [r.title for r in query(store, "all").all_rows() if r.id == secret] == ["🔒 confidential"]
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert ids_of(query(store, "all", "并购")) == {plain, secret}
    assert ids_of(query(store, "all", "底价")) == {secret}


def test_the_filter_escapes_like_wildcards(store: Store) -> None:
    add(store, title="完成率100%")
    add(store, title="完成率1000")
    assert len(ids_of(query(store, "all", "100%"))) == 1
    assert len(ids_of(query(store, "all", "_"))) == 0


def test_words_are_looked_for_in_one_read_of_the_table_not_through_an_index(store: Store, people) -> None:
    # Left to itself SQLite walked an index row by row (confidential, owner or due order): up to 17 ms
    # for 20k follow-ups, against 5-7 ms to read the table and sort what matched.
    add(store, title="提交Q4预算", owner_id=people["张伟"])
    add(store, title="其他事项", owner_id=people["张伟"])
    for text in ("预算", "预算 owner:张", "预算 overdue"):
        q = query(store, "active", text)
        window = q.window()
        page = select(window.table.c.id).where(*window.where).order_by(*window.order_by).limit(100)
        with store.engine.connect() as connection:
            sql = str(page.compile(connection, compile_kwargs={"literal_binds": True}))
            plan = [str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
        assert plan[0] == "SCAN followup", plan
        assert "USING INDEX" not in " ".join(plan), plan
    assert [row.title for row in query(store, "active", "预算 owner:张").all_rows()] == ["提交Q4预算"]


@pytest.mark.parametrize("sort", [None, "due", "owner"])
def test_a_filter_with_words_reads_its_ids_once_and_every_read_agrees_with_the_sql_order(
    grid: Store, sort: str | None
) -> None:
    q = query(grid, "all", "budget", sort=sort)
    window = q.window()
    expected = [row["id"] for row in window.fetch(0, 10_000)]  # the order as SQL pages it
    assert len(expected) > 7
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(grid.engine, "before_cursor_execute", note)
    try:
        assert q.count() == len(expected)
        pages = [row.id for start in range(0, len(expected), 3) for row in q.fetch(start, 3)]
        assert pages == expected
        assert q.index_of(expected[-1]) == len(expected) - 1
        assert q.index_of("no such id") is None
    finally:
        event.remove(grid.engine, "before_cursor_execute", note)
    scans = [sql for sql in statements if "NOT INDEXED" in sql]
    assert len(scans) == 1, scans  # the count, every page and index_of: one read of the table


# --- recurring follow-ups ------------------------------------------------------------------------------


def instances(store: Store) -> list[tuple[str, date]]:
    with store.engine.connect() as connection:
        table = table_of(FollowUp)
        rows = connection.execute(
            select(table.c.series_id, table.c.instance_date)
            .where(table.c.series_id.is_not(None))
            .order_by(table.c.instance_date)
        ).all()
    return [(str(a), b) for a, b in rows]


def test_recurring_instances_are_never_made_twice_across_restarts(tmp_path: Path, no_keyring) -> None:
    clock = FrozenClock(datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI))
    first, _ = Store.create(tmp_path / "s", passphrase=PASSPHRASE, clock=clock)
    draft = fu.Draft(title="月度销售报告", due=date(2026, 12, 5), rrule="FREQ=MONTHLY;BYMONTHDAY=5")
    saved = fu.create(first, draft, LADDER)
    assert saved.instances == 1  # the 5th is within remind_days_before (2) of the 3rd
    first.close()

    second = Store.open(tmp_path / "s", passphrase=PASSPHRASE, clock=clock)
    assert fu.generate_instances(second, LADDER) == 0
    second.close()

    clock.current = datetime(2027, 2, 4, 9, 0, tzinfo=SHANGHAI)  # two months later, while closed
    third = Store.open(tmp_path / "s", passphrase=PASSPHRASE, clock=clock)
    assert fu.generate_instances(third, LADDER) == 2
    third.close()
    fourth = Store.open(tmp_path / "s", passphrase=PASSPHRASE, clock=clock)
    assert fu.generate_instances(fourth, LADDER) == 0
    assert instances(fourth) == [
        (saved.id, date(2026, 12, 5)),
        (saved.id, date(2027, 1, 5)),
        (saved.id, date(2027, 2, 5)),
    ]
    rows = query(fourth, "active").all_rows()
    assert [(r.title, r.due) for r in rows] == [
        ("月度销售报告", date(2026, 12, 5)),
        ("月度销售报告", date(2027, 1, 5)),
        ("月度销售报告", date(2027, 2, 5)),
    ]
    assert all(r.rrule is None for r in rows)  # the series itself is not a row of its own there
    assert [r.id for r in query(fourth, "recurring").all_rows()] == [saved.id]
    fourth.close()


def test_a_second_process_making_the_same_instance_is_not_an_error(store: Store, monkeypatch) -> None:
    """The loser of a race hits UNIQUE(series_id, instance_date), looks again and finds nothing to do."""
    template = add(store, title="周报", due=days(0), rrule="FREQ=WEEKLY")
    real = rules.instances_due
    calls = []

    def racing(rule, start, last, today, lead_days=0):
        calls.append(last)
        found = real(rule, start, last, today, lead_days)
        if len(calls) == 1:  # another process wrote them between our read and our write
            with store.action("other process") as session:
                for day in found:
                    session.add(FollowUp(title="周报", series_id=template, instance_date=day, due=day))
        return found

    monkeypatch.setattr(rules, "instances_due", racing)
    assert fu.generate_instances(store, LADDER) == 0
    assert instances(store) == [(template, days(0))]


def test_a_cancelled_or_locked_confidential_series_makes_nothing(store: Store) -> None:
    add(store, title="停了", due=days(0), rrule="FREQ=DAILY", status="cancelled")
    add(store, title="保密周报", due=days(0), rrule="FREQ=DAILY", confidential=True)
    store.lock_confidential()
    assert fu.generate_instances(store, LADDER) == 0
    store.unlock_confidential(passphrase=PASSPHRASE)
    assert fu.generate_instances(store, LADDER) == 3  # today and the two days of the reminder window


# --- nudges ------------------------------------------------------------------------------------------


def test_nudges_in_chinese_and_english_are_logged(store: Store, people) -> None:
    followup = add(
        store, owner_id=people["李娜"], due=days(-3), created=datetime(2026, 11, 10, 9, 0, tzinfo=SHANGHAI)
    )
    directory = fu.load_directory(store)
    chinese = fu.nudge(store, followup, directory)
    assert chinese.language == "zh"
    assert chinese.text == (
        "李娜您好，关于「提交Q4预算」（11月10日交办，原定11月22日完成，已逾期3天），想跟您了解一下目前的进展和"
        "预计完成时间。如遇到困难或需要协调资源，请告诉我，我来帮忙推动。谢谢！"
    )
    english = fu.nudge(store, followup, directory, "en")
    assert english.text.startswith(
        "Hello 李娜, I'm following up on “提交Q4预算” (assigned 10 Nov, due 22 Nov, now 3 days overdue)"
    )
    assert [(e.kind, e.note) for e in fu.timeline(store, followup)] == [
        ("nudge", chinese.text),
        ("nudge", english.text),
    ]


def test_an_english_owner_gets_english_and_a_confidential_nudge_needs_unlocking(store: Store, people) -> None:
    followup = add(
        store, title="Send the NDA", owner_id=people["Emma Schmidt"], due=days(4), confidential=True
    )
    directory = fu.load_directory(store)
    drafted = fu.nudge(store, followup, directory)
    assert drafted.language == "en" and drafted.confidential
    assert drafted.text.startswith("Hello Emma Schmidt, I'd like to check in on “Send the NDA”")
    store.lock_confidential()
    with pytest.raises(Locked):
        fu.nudge(store, followup, directory)
    assert len(fu.timeline(store, followup)) == 1


# --- quick add and owners -------------------------------------------------------------------------------


def test_owners_are_found_by_name_job_title_or_the_start_of_a_name(store: Store, people) -> None:
    directory = fu.load_directory(store)
    assert [p.name for p in fu.match_people(directory, "@销售经理")] == ["李娜"]
    assert [p.name for p in fu.match_people(directory, "李娜")] == ["李娜"]
    assert [p.name for p in fu.match_people(directory, "emma")] == ["Emma Schmidt"]
    assert [p.name for p in fu.match_people(directory, "schm")] == ["Emma Schmidt"]
    assert sorted(p.name for p in fu.match_people(directory, "张")) == ["张三", "张伟"]
    assert fu.match_people(directory, "王") == []


def test_quick_add_with_a_known_owner(store: Store, people) -> None:
    plan = fu.plan_quick_add(fu.load_directory(store), "@销售经理 周五前 提交Q4预算", NOW)
    saved = fu.save_quick_add(store, plan, LADDER)
    row = stored(store, saved.id)
    assert (row.title, row.owner_id, row.department_id, row.due) == (
        "提交Q4预算",
        people["李娜"],
        people["销售部"],
        days(2),
    )


def test_quick_add_with_two_matching_people_saves_nothing(store: Store, people) -> None:
    plan = fu.plan_quick_add(fu.load_directory(store), "@张 周五前 提交", NOW)
    assert {p.name for p in plan.candidates} == {"张三", "张伟"}
    with pytest.raises(fu.OwnerAmbiguous) as refused:
        fu.save_quick_add(store, plan, LADDER)
    assert "张三" in str(refused.value) and "张伟" in str(refused.value)
    assert count(store, FollowUp) == 0
    saved = fu.save_quick_add(store, plan, LADDER, owner=plan.candidates[0])
    assert stored(store, saved.id).owner_id == plan.candidates[0].id


def test_quick_add_with_a_new_owner_adds_them_only_when_told(store: Store, people) -> None:
    plan = fu.plan_quick_add(fu.load_directory(store), "@王磊 明天 更新研发计划", NOW)
    assert plan.new_owner == "王磊"
    with pytest.raises(InvalidInput):
        fu.save_quick_add(store, plan, LADDER)
    assert count(store, FollowUp) == 0 and count(store, Person) == 4
    saved = fu.save_quick_add(store, plan, LADDER, add_new_owner=True)
    assert saved.person_added == "王磊" and count(store, Person) == 5
    assert fu.load_directory(store).person_name(stored(store, saved.id).owner_id) == "王磊"


def test_quick_add_refuses_lines_that_are_not_follow_ups() -> None:
    with pytest.raises(InvalidInput, match="event"):
        fu.plan_quick_add(fu.Directory(), "周五下午3点 开会", NOW)
    with pytest.raises(InvalidInput, match="2月30日"):
        fu.plan_quick_add(fu.Directory(), "@李娜 2月30日前 提交", NOW)


# --- scorecard -----------------------------------------------------------------------------------------


def test_the_scorecard_names_departments_and_their_on_time_rate(store: Store, people) -> None:
    sales, rnd = people["销售部"], people["研发部"]
    add(store, department_id=sales, status="done", due=days(-2), done_at=NOW - timedelta(days=3))
    add(store, department_id=sales, status="verified", due=days(-2), done_at=NOW - timedelta(days=1))
    add(store, department_id=rnd, status="done", due=days(-2), done_at=NOW - timedelta(days=5))
    add(store, department_id=rnd, status="open", due=days(-4))
    lines = fu.scorecard(store, days(-29), TODAY, fu.load_directory(store))
    assert [
        (line.department, line.score.on_time, line.score.late, line.score.rate, line.score.overdue)
        for line in lines
    ] == [
        ("研发部", 1, 0, 1.0, 1),
        ("销售部", 1, 1, 0.5, 0),
    ]
