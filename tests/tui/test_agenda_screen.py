"""The agenda screen (key 2) driven through Pilot with time frozen on Wednesday 25 November 2026, 09:30:
every view and its paging, the form, quick add, the three ways to edit a series, delete and undo,
conflicts while typing, booking a free slot, the conflict list, search, preparation and reminders.
Each test asserts on what reached the store, not only on the screen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from textual.widgets import Input, Static

from gmassist.config import Settings
from gmassist.services import agenda as service
from gmassist.services.agenda import EventDraft
from gmassist.store.models import Event, Person, table_of
from gmassist.store.store import Store
from gmassist.tui.app import GmassistApp
from gmassist.tui.modals.agenda_conflicts import ConflictsModal
from gmassist.tui.modals.agenda_detail import EventDetailModal
from gmassist.tui.modals.agenda_event import EventForm
from gmassist.tui.modals.agenda_quickadd import QuickAddModal
from gmassist.tui.modals.agenda_scope import ScopeModal
from gmassist.tui.modals.agenda_slots import FreeSlotsModal
from gmassist.tui.screens.agenda import AgendaScreen
from gmassist.tui.widgets.agenda_grid import TimeGrid
from gmassist.tui.widgets.agenda_month import MonthGrid
from gmassist.tui.widgets.virtual_list import VirtualList
from tests.conftest import NOW, PASSPHRASE

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def root(tmp_path: Path, clock, no_keyring) -> Path:
    """周一例会 every Monday 09:00, 预算评审 today 14:00 (with its checklist), a visit tomorrow, 张伟 (CFO)."""
    path = tmp_path / "store"
    store, _recovery = Store.create(path, passphrase=PASSPHRASE, clock=clock)
    try:
        with store.action("person.create") as session:
            session.add(Person(name="张伟", title="财务总监", created=NOW, updated=NOW))
        service.create_event(
            store,
            EventDraft(
                title="周一例会",
                start=at(2, 9),
                end=at(2, 10),
                rrule="FREQ=WEEKLY;BYDAY=MO",
                location="3号会议室",
                reminders="15",
            ),
        )
        service.create_event(store, EventDraft(title="预算评审", start=at(25, 14), end=at(25, 15)))
        service.create_event(
            store, EventDraft(title="客户来访", kind="visit", start=at(26, 10), end=at(26, 11))
        )
    finally:
        store.close()
    return path


async def settle(pilot) -> None:
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_agenda(pilot) -> AgendaScreen:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AgendaScreen)
    return screen


def grid_text(screen: AgendaScreen) -> str:
    grid = screen.query_one(TimeGrid)
    return "\n".join("".join(s.text for s in grid.render_line(y)) for y in range(grid.size.height))


def titles_in(store: Store, first: date, days: int = 7) -> list[tuple[datetime, str]]:
    from gmassist.domain.agenda_view import days_bounds

    start, end = days_bounds(first, days, SHANGHAI)
    return [(o.start.astimezone(SHANGHAI), o.title) for o in service.occurrences(store, start, end)]


def count_events(store: Store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(Event))).scalar_one())


def make_app(root: Path, clock) -> GmassistApp:
    return GmassistApp(root, Settings(), clock, passphrase=PASSPHRASE)


# --- views ------------------------------------------------------------------------------------------------


async def test_week_grid_shows_blocks_working_hours_and_the_selected_event(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        grid = screen.query_one(TimeGrid)
        assert grid.data is not None
        assert [c.day for c in grid.data.columns] == [
            date(2026, 11, 23) + timedelta(days=i) for i in range(7)
        ]
        text = grid_text(screen)
        assert "Mon 11-23" in text.splitlines()[0] and "Sun 11-29" in text.splitlines()[0]
        assert "09:00 周一例会" in text and "14:00 预算评审" in text and "10:00 ⌂客户来访" in text
        wednesday = grid.data.columns[2]
        assert wednesday.today and wednesday.work[18] and not wednesday.work[40]
        assert not grid.data.columns[5].work[20]  # Saturday is not worked
        assert (grid.cursor_day, grid.cursor_slot) == (2, 19)  # today, 09:30
        await pilot.press("j")
        assert grid.selected is not None and grid.selected.title == "预算评审"
        info = str(screen.query_one("#agenda-info", Static).render())
        assert "预算评审" in info and "preparation 0/4" in info
        heading = str(screen.query_one("#agenda-heading", Static).render())
        assert "week 48" in heading and "2026-11-23" in heading
        app.close_store()


async def test_day_month_and_list_views_and_paging(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        grid = screen.query_one(TimeGrid)
        await pilot.press("d")
        await settle(pilot)
        assert [c.day for c in grid.data.columns] == [date(2026, 11, 25)]
        assert "预算评审" in grid_text(screen) and "周一例会" not in grid_text(screen)
        await pilot.press("l")
        await settle(pilot)
        assert [c.day for c in grid.data.columns] == [date(2026, 11, 26)] and "客户来访" in grid_text(screen)
        await pilot.press("w", "l")
        await settle(pilot)
        assert grid.data.columns[0].day == date(2026, 11, 30)
        await pilot.press("h", "h")
        await settle(pilot)
        assert grid.data.columns[0].day == date(2026, 11, 16)
        await pilot.press("t")
        await settle(pilot)
        assert grid.data.columns[0].day == date(2026, 11, 23) and grid.cursor_day == 2
        await pilot.press("m")
        await settle(pilot)
        month = screen.query_one(MonthGrid)
        assert month.has_focus and month.data is not None and len(month.data.cells) == 42
        assert month.data.cells[0].day == date(2026, 10, 26) and month.cursor_day == date(2026, 11, 25)
        wednesday = next(c for c in month.data.cells if c.day == date(2026, 11, 25))
        assert [o.title for o in wednesday.items] == ["预算评审"]
        await pilot.press("l")
        await settle(pilot)
        assert month.data.month == date(2026, 12, 1)
        await pilot.press("h", "enter")  # back to November, open the day under the cursor
        await settle(pilot)
        assert screen.view == "day" and [c.day for c in grid.data.columns] == [date(2026, 11, 25)]
        await pilot.press("a")
        await settle(pilot)
        records = screen.query_one("#records", VirtualList)
        assert records.has_focus
        rows = [records.get_row(i) for i in range(records.row_count)]
        assert [str(r.cells[2]) for r in rows if r is not None][:3] == ["预算评审", "客户来访", "周一例会"]
        app.close_store()


async def test_the_next_week_is_laid_out_before_it_is_asked_for_and_never_served_stale(
    root: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a page is drawn the worker lays out its neighbours, so l shows a week built beforehand; a
    change to the store makes the next page build afresh."""
    import gmassist.tui.screens.agenda as agenda_screen

    built: list[date] = []
    build_grid = agenda_screen.build_grid

    def noting(page, first, *args):  # type: ignore[no-untyped-def]
        built.append(first)
        return build_grid(page, first, *args)

    monkeypatch.setattr(agenda_screen, "build_grid", noting)
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        grid = screen.query_one(TimeGrid)
        assert date(2026, 11, 30) in built  # warmed while the week of the 23rd was shown
        built.clear()
        await pilot.press("l")
        await settle(pilot)
        assert grid.data is not None and grid.data.columns[0].day == date(2026, 11, 30)
        assert date(2026, 11, 30) not in built and date(2026, 12, 7) in built  # and the next one warmed
        assert "周一例会" in grid_text(screen)
        service.create_event(
            app.store, EventDraft(title="年终盘点", start=at(8, 10, month=12), end=at(8, 11, month=12))
        )
        built.clear()
        await pilot.press("l")
        await settle(pilot)
        assert grid.data.columns[0].day == date(2026, 12, 7) and date(2026, 12, 7) in built
        assert "年终盘点" in grid_text(screen)
        app.close_store()


async def test_go_to_a_date_marks_holidays_and_adjusted_workdays(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await pilot.press("g")
        await pilot.press(*"2026-10-10", "enter")
        await settle(pilot)
        grid = screen.query_one(TimeGrid)
        days = {c.day: c for c in grid.data.columns}
        assert date(2026, 10, 5) in days and date(2026, 10, 11) in days
        national_day = days[date(2026, 10, 5)]
        assert national_day.holiday and national_day.banner == "National Day" and not national_day.work[20]
        saturday = days[date(2026, 10, 10)]
        assert saturday.adjusted and saturday.work[20]  # 调休: a Saturday worked
        header = grid_text(screen).splitlines()
        assert "Mon 10-05 off" in header[0] and "National Day" in header[1] and "调休 workday" in header[1]
        await pilot.press("g")
        await pilot.press(*"下周一", "enter")
        await settle(pilot)
        assert grid.data.columns[0].day == date(2026, 11, 30)
        app.close_store()


# --- create, edit, delete ------------------------------------------------------------------------------


async def test_new_event_with_the_form_warns_of_a_conflict_and_saves(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EventForm)
        await pilot.press(*"预算预审")
        form.query_one("#ev-start-time", Input).value = "14:30"
        form.query_one("#ev-end-time", Input).value = "15:30"
        await settle(pilot)
        warning = str(form.query_one("#ev-conflicts", Static).render())
        assert "⚠ 预算评审" in warning and "overlaps 30 min" in warning and "Nearest free" in warning
        form.query_one("#ev-start-time", Input).value = "16:00"
        form.query_one("#ev-end-time", Input).value = "17:00"
        form.query_one("#ev-attendees", Input).value = "张伟"
        await settle(pilot)
        assert str(form.query_one("#ev-conflicts", Static).render()).strip() == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        (row,) = service.search_events(app.store, "预算预审")
        assert (row.start, row.end) == (at(25, 16).astimezone(UTC), at(25, 17).astimezone(UTC))
        assert [name for _id, name in service.load_event(app.store, row.id).attendees] == ["张伟"]
        assert "预算预审" in grid_text(screen)
        app.close_store()


async def test_edit_a_single_event_then_delete_it_and_undo(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await pilot.press("j")  # 预算评审, the next event after the cursor
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EventForm)
        form.query_one("#ev-title", Input).value = "预算评审（二）"
        form.query_one("#ev-location", Input).value = "大会议室"
        await pilot.press("ctrl+s")
        await settle(pilot)
        (row,) = service.search_events(app.store, "预算评审（二）")
        assert row.location == "大会议室" and row.start == at(25, 14).astimezone(UTC)
        grid = screen.query_one(TimeGrid)
        assert grid.selected is not None and grid.selected.title == "预算评审（二）"
        await pilot.press("x")
        await settle(pilot)
        assert service.search_events(app.store, "预算评审") == []
        assert "预算评审" not in grid_text(screen)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert [r.title for r in service.search_events(app.store, "预算评审")] == ["预算评审（二）"]
        assert "预算评审" in grid_text(screen)
        app.close_store()


async def select_next_monday(pilot, screen: AgendaScreen) -> None:
    """Page to next week and select Monday's 周一例会 (k: the event before the cursor)."""
    await pilot.press("l")
    await settle(pilot)
    await pilot.press("k")
    grid = screen.query_one(TimeGrid)
    assert grid.selected is not None and grid.selected.title == "周一例会"
    assert grid.selected.start == at(30, 9).astimezone(UTC)


async def test_edit_this_occurrence_only(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await select_next_monday(pilot, screen)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ScopeModal)
        await pilot.press("1")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EventForm) and form.query_one("#ev-rrule", Input).disabled
        form.query_one("#ev-title", Input).value = "例会（总经理出差，改周二）"
        form.query_one("#ev-start-date", Input).value = "2026-12-01"
        form.query_one("#ev-end-date", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        listed = titles_in(app.store, date(2026, 11, 23), 21)
        assert (at(23, 9), "周一例会") in listed and (at(7, 9, month=12), "周一例会") in listed
        assert (at(30, 9), "周一例会") not in listed
        assert (at(1, 9, month=12), "例会（总经理出差，改周二）") in listed
        app.close_store()


async def test_edit_this_and_following_leaves_earlier_occurrences(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await select_next_monday(pilot, screen)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EventForm)
        form.query_one("#ev-start-time", Input).value = "10:00"
        form.query_one("#ev-end-time", Input).value = "11:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        listed = titles_in(app.store, date(2026, 11, 2), 6 * 7)
        earlier = [start for start, title in listed if title == "周一例会" and start < at(30, 0)]
        later = [start for start, title in listed if title == "周一例会" and start >= at(30, 0)]
        assert earlier == [at(day, 9) for day in (2, 9, 16, 23)]
        assert later == [at(30, 10), at(7, 10, month=12)]
        app.close_store()


async def test_edit_all_occurrences(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await select_next_monday(pilot, screen)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EventForm)
        form.query_one("#ev-title", Input).value = "总经理办公会"
        await pilot.press("ctrl+s")
        await settle(pilot)
        listed = titles_in(app.store, date(2026, 11, 2), 6 * 7)
        mondays = [(start, title) for start, title in listed if start.weekday() == 0]
        assert len(mondays) == 6 and all(title == "总经理办公会" for _start, title in mondays)
        assert "09:00 总经理办公" in grid_text(screen)  # cut to the column, by cells
        app.close_store()


async def test_delete_one_occurrence_of_a_series_and_undo(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await select_next_monday(pilot, screen)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ScopeModal)
        await pilot.press("1")
        await settle(pilot)
        listed = titles_in(app.store, date(2026, 11, 23), 21)
        assert [s for s, t in listed if t == "周一例会"] == [at(23, 9), at(7, 9, month=12)]
        assert "周一例会" not in grid_text(screen)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "周一例会" in grid_text(screen)
        app.close_store()


# --- quick add ---------------------------------------------------------------------------------------


async def test_quick_add_shows_the_parse_then_saves(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await pilot.press("i")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, QuickAddModal)
        await pilot.press(*"周五下午3点 与财务总监讨论并购方案 @3号会议室 1h")
        await settle(pilot)
        preview = str(modal.query_one("#quickadd-preview", Static).render())
        assert (
            "Fri 27 Nov 15:00–16:00" in preview
            and "@3号会议室" in preview
            and "与财务总监讨论并购方案" in preview
        )
        assert service.search_events(app.store, "并购方案") == []  # shown, not saved yet
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        (row,) = service.search_events(app.store, "并购方案")
        assert row.start == at(27, 15).astimezone(UTC) and row.location == "3号会议室"
        assert service.load_event(app.store, row.id).attendees[0][1] == "张伟"
        grid = screen.query_one(TimeGrid)
        assert grid.selected is not None and grid.selected.title == "与财务总监讨论并购方案"
        app.close_store()


async def test_quick_add_points_at_what_it_cannot_read_and_saves_nothing(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_agenda(pilot)
        before = count_events(app.store)
        await pilot.press("i")
        await settle(pilot)
        modal = app.screen
        await pilot.press(*"周五25点 开会")
        await settle(pilot)
        preview = str(modal.query_one("#quickadd-preview", Static).render())
        lines = [line.rstrip() for line in preview.splitlines()]
        # the caret line sits under 25点: after 周五 (four cells), as wide as 25点 (four cells)
        assert lines[:2] == ["周五25点 开会", "    ^^^^"] and "no such time of day" in lines[2]
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is modal
        await pilot.press("escape")
        await settle(pilot)
        assert count_events(app.store) == before
        app.close_store()


# --- free slots, conflicts, search, details, reminders ------------------------------------------------


async def test_book_a_free_slot_with_one_key(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_agenda(pilot)
        await pilot.press("f")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, FreeSlotsModal)
        await pilot.press(*"与王磊对接")
        modal.query_one("#slots-attendees", Input).value = "张伟"
        await pilot.press("enter")
        await settle(pilot)
        assert modal.slots and modal.slots[0].start == at(25, 9, 30).astimezone(UTC)  # now, on the quarter
        await pilot.press("down", "down", "enter")  # into the list, the second slot, book it
        await settle(pilot)
        (row,) = service.search_events(app.store, "与王磊对接")
        assert row.start == modal.slots[1].start and row.end - row.start == timedelta(hours=1)
        assert service.load_event(app.store, row.id).attendees[0][1] == "张伟"
        app.close_store()


async def test_conflict_list_moves_an_event_to_a_free_time(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        service.create_event(app.store, EventDraft(title="撞车会", start=at(25, 14, 30), end=at(25, 15, 30)))
        screen.refresh_records()
        await settle(pilot)
        assert "⚠ 2 in conflict" in str(screen.query_one("#agenda-heading", Static).render())
        await pilot.press("c")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConflictsModal) and modal.scan is not None
        assert [o.title for o in modal.scan.flagged] == ["预算评审", "撞车会"]
        await pilot.press("down")
        await settle(pilot)
        assert modal.current is not None and modal.current.title == "撞车会"
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert app.screen is screen
        (row,) = service.search_events(app.store, "撞车会")
        assert row.start == modal.slots[0].start and row.start != at(25, 14, 30).astimezone(UTC)
        assert "in conflict" not in str(screen.query_one("#agenda-heading", Static).render())
        app.close_store()


async def test_search_goes_to_the_event(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        service.create_event(
            app.store, EventDraft(title="年会彩排", start=at(18, 15, month=12), end=at(18, 17, month=12))
        )
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"彩排")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        grid = screen.query_one(TimeGrid)
        assert grid.data.columns[0].day == date(2026, 12, 14)
        assert grid.selected is not None and grid.selected.title == "年会彩排"
        app.close_store()


async def test_open_an_event_tick_its_preparation(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, EventDetailModal)
        assert "Preparation 0/4" in str(modal.query_one("#detail-prep-heading").render())
        await pilot.press("space")
        await settle(pilot)
        assert "Preparation 1/4" in str(modal.query_one("#detail-prep-heading").render())
        needs = service.meetings_needing_prep(app.store, clock.now())
        assert [n.occurrence.title for n in needs] == ["预算评审", "客户来访"]
        need = needs[0]
        assert [item.done for item in need.items] == [True, False, False, False]
        await pilot.press("escape")
        await settle(pilot)
        assert "preparation 1/4" in str(screen.query_one("#agenda-info", Static).render())
        app.close_store()


async def test_reminders_ring_while_the_app_runs(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_agenda(pilot)
        clock.advance(at(30, 8, 40) - clock.now())
        app.reminders.last = clock.now()
        clock.advance(timedelta(minutes=6))
        app.reminders.check()
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("In 15 min: 周一例会 09:00 @3号会议室" in m for m in messages)
        count = len(messages)
        app.reminders.check()
        await settle(pilot)
        assert len(list(app._notifications)) == count  # rung once
        app.close_store()


async def test_a_trip_shows_the_local_time_zone(root: Path, clock) -> None:
    app = make_app(root, clock)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_agenda(pilot)
        service.create_event(
            app.store,
            EventDraft(
                title="LH723",
                kind="travel",
                start=at(27, 13),
                end=datetime(2026, 11, 27, 17, 30, tzinfo=ZoneInfo("Europe/Berlin")),
                end_tz="Europe/Berlin",
            ),
        )
        screen.refresh_records()
        await settle(pilot)
        assert "✈LH723" in grid_text(screen) and "→ 17:30 Berlin" in grid_text(screen)
        await pilot.press("z")
        await settle(pilot)
        assert "Europe/Berlin" in str(screen.query_one("#agenda-heading", Static).render())
        assert "06:00 ✈LH723" in grid_text(screen)  # 13:00 in Beijing is 06:00 in Frankfurt
        app.close_store()
