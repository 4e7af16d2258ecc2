"""The follow-ups screen through Pilot, at a frozen time: minutes -> resolutions -> follow-ups -> the
meeting's status -> a check-in -> done; views, the filter bar, bulk actions, nudges, and bad input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from gmassist.config import Settings
from gmassist.store.models import CheckIn, Department, Event, FollowUp, Person
from gmassist.store.store import Store
from gmassist.tui.app import GmassistApp
from gmassist.tui.modals.followup_checkin import FollowupCheckInModal
from gmassist.tui.modals.followup_form import FollowupFormModal
from gmassist.tui.modals.followup_minutes import FollowupMinutesModal
from gmassist.tui.modals.followup_pick import FollowupConfirmModal, FollowupPickModal
from gmassist.tui.modals.followup_scorecard import FollowupScorecardModal
from gmassist.tui.screens import followups as screen_module
from gmassist.tui.screens.followups import FollowupsScreen
from gmassist.tui.widgets.virtual_list import VirtualList
from tests.conftest import NOW, PASSPHRASE

TODAY = NOW.date()


@pytest.fixture
def root(tmp_path: Path, clock, no_keyring) -> Path:
    """People, departments and a meeting held yesterday at 10:00."""
    store, _ = Store.create(tmp_path / "store", passphrase=PASSPHRASE, clock=clock)
    with store.action("seed") as session:
        sales, rnd = Department(name="销售部"), Department(name="研发部")
        session.add_all([sales, rnd])
        session.flush()
        session.add_all(
            [
                Person(name="李娜", title="销售经理", department_id=sales.id),
                Person(name="王磊", title="研发总监", department_id=rnd.id),
            ]
        )
        start = NOW - timedelta(days=1, hours=-0.5)
        session.add(Event(title="经营分析会", kind="meeting", start=start, end=start + timedelta(hours=1)))
    store.close()
    return tmp_path / "store"


async def settle(pilot) -> None:
    """Let workers finish and the screen catch up (no sleeping)."""
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def rows(app: GmassistApp) -> list[tuple[str, ...]]:
    records = app.screen.query_one("#records", VirtualList)
    found = []
    for index in range(records.row_count):
        row = records.get_row(index)
        if row is not None:
            found.append(tuple(str(cell) for cell in row.cells))
    return found


def titles(app: GmassistApp) -> list[str]:
    return [row[2] for row in rows(app)]


def greyed(app: GmassistApp) -> set[str]:
    """The actions on a follow-up that the footer shows greyed out."""
    keys = app.screen.query(FooterKey)
    return {key.action for key in keys if key.has_class("-disabled")} & screen_module.ROW_NEEDED


def stored(app: GmassistApp) -> dict[str, FollowUp]:
    assert app.store is not None
    with app.store.read() as session:
        return {f.title: f for f in session.execute(select(FollowUp)).scalars()}


def timeline(app: GmassistApp, followup_id: str) -> list[CheckIn]:
    assert app.store is not None
    with app.store.read() as session:
        query = select(CheckIn).where(CheckIn.followup_id == followup_id).order_by(CheckIn.at)
        return list(session.execute(query).scalars())


def static_text(app: GmassistApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_followups(pilot) -> FollowupsScreen:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FollowupsScreen)
    return pilot.app.screen


async def test_minutes_to_resolutions_to_follow_ups_to_check_in_to_done(root: Path, clock) -> None:
    app = GmassistApp(root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(130, 42)) as pilot:
        screen = await open_followups(pilot)
        assert titles(app) == []

        # the meeting picker starts on the latest meeting that has begun
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, FollowupPickModal)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FollowupMinutesModal)
        assert app.screen.meeting.title == "经营分析会"

        # minutes: one resolution per line, one key each
        await pilot.press(*"出席：各部门负责人", "enter", *"1. @销售经理 周五前 提交Q4预算", "enter")
        await pilot.press(*"2. @王磊 下周一前 更新研发计划")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("up", "ctrl+r")
        await settle(pilot)
        saved = stored(app)
        assert set(saved) == {"提交Q4预算", "更新研发计划"}
        budget = saved["提交Q4预算"]
        assert (budget.source_kind, budget.due, budget.status) == (
            "meeting",
            TODAY + timedelta(days=2),
            "open",
        )
        assert "2 resolutions: 2 open" in static_text(app, "#fu-minutes-status")
        await pilot.press("up", "ctrl+r")  # the attendance line is no follow-up...
        await settle(pilot)
        await pilot.press("down", "ctrl+r")  # ...and a resolution is not made twice
        await settle(pilot)
        assert "already a follow-up" in static_text(app, "#fu-minutes-error")
        assert len(stored(app)) == 3  # the attendance line did become one: the user chose it
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen

        # the follow-ups are listed, most urgent first
        assert titles(app)[:2] == ["提交Q4预算", "更新研发计划"]
        records = screen.records
        records.cursor_index = titles(app).index("提交Q4预算")
        await settle(pilot)
        assert "提交Q4预算" in static_text(app, "#followups-detail")

        # a check-in...
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, FollowupCheckInModal)
        await pilot.press(*"已电话确认周五前交", "tab", *"明天", "enter")
        await settle(pilot)
        budget = stored(app)["提交Q4预算"]
        assert budget.next_check_in == TODAY + timedelta(days=1)
        assert [(c.kind, c.note) for c in timeline(app, budget.id)] == [("check_in", "已电话确认周五前交")]
        assert "已电话确认" in static_text(app, "#followups-detail")

        # ...then done: it leaves the active view and waits for verification
        await pilot.press("d")
        await settle(pilot)
        budget = stored(app)["提交Q4预算"]
        assert budget.status == "done" and budget.done_at == clock.now()
        assert "提交Q4预算" not in titles(app)

        # the meeting shows its resolutions' status (the agenda opens it through the app action)
        event_id = budget.source_id
        await app.run_action(f"open_minutes('{event_id}')")
        await settle(pilot)
        assert isinstance(app.screen, FollowupMinutesModal)
        status = static_text(app, "#fu-minutes-status")
        assert "3 resolutions: 2 open, 1 done (to verify)" in status
        await pilot.press("escape")
        await settle(pilot)
        app.close_store()


async def seed(root: Path, clock) -> dict[str, str]:
    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    with store.read() as session:
        people = {p.name: p.id for p in session.execute(select(Person)).scalars()}
    with store.action("seed") as session:
        session.add_all(
            [
                FollowUp(title="提交Q4预算", owner_id=people["李娜"], due=TODAY - timedelta(days=9)),
                FollowUp(
                    title="样机测试",
                    owner_id=people["王磊"],
                    due=TODAY + timedelta(days=1),
                    status="waiting",
                    next_check_in=TODAY,
                ),
                FollowUp(title="Board pack", owner_id=people["李娜"], due=TODAY + timedelta(days=20)),
                FollowUp(
                    title="已交的报告",
                    status="done",
                    done_at=NOW - timedelta(days=2),
                    due=TODAY - timedelta(days=3),
                ),
                FollowUp(title="并购谈判底价", confidential=False, due=TODAY + timedelta(days=5)),
            ]
        )
    store.close()
    return people


async def test_views_filter_bulk_actions_and_nudges(root: Path, clock) -> None:
    people = await seed(root, clock)
    app = GmassistApp(root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(130, 42)) as pilot:
        screen = await open_followups(pilot)
        assert titles(app) == ["提交Q4预算", "样机测试", "并购谈判底价", "Board pack"]
        first = rows(app)[0]
        assert first[0] == "escalated 9d" and first[3] == "李娜" and first[5] == "open"

        views = {}
        for _ in range(7):
            await pilot.press("right_square_bracket")
            await settle(pilot)
            views[screen.view] = titles(app)
        assert views["check_in_due"] == ["样机测试"]
        assert views["overdue"] == ["提交Q4预算"]
        assert views["waiting"] == ["样机测试"]
        assert views["to_verify"] == ["已交的报告"]
        assert views["recently_done"] == ["已交的报告"]
        assert views["by_owner"][:3] == ["提交Q4预算", "Board pack", "样机测试"]  # 李娜 before 王磊

        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.view == "active" and greyed(app) == set()

        # an empty view greys out the keys that act on a follow-up (in place), and a full one lights them
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.view == "recurring" and titles(app) == []
        assert greyed(app) == {"edit", "check_in", "status", "done", "verify", "reassign", "nudge"}
        assert all(bool(key.styles.text_style.dim) == key._disabled for key in app.screen.query(FooterKey))
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.view == "active" and greyed(app) == set()

        # the filter bar answers every keystroke
        await pilot.press("slash", *"owner:李")
        await settle(pilot)
        assert isinstance(app.focused, Input)
        assert titles(app) == ["提交Q4预算", "Board pack"]
        await pilot.press(*" 预算")
        await settle(pilot)
        assert titles(app) == ["提交Q4预算"]
        await pilot.press("ctrl+u", "escape")
        await settle(pilot)
        assert app.focused is screen.records and len(titles(app)) == 4

        # mark two rows, then reassign them together
        await pilot.press("x", "j", "x")
        await settle(pilot)
        assert len(screen.records.selected_keys) == 2
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, FollowupPickModal)
        pick = app.screen
        values = [value for value, _label in pick.options]
        await pilot.press(*(["down"] * values.index(people["王磊"])), "enter")
        await settle(pilot)
        saved = stored(app)
        assert saved["提交Q4预算"].owner_id == saved["样机测试"].owner_id == people["王磊"]
        assert screen.records.selected_keys == set()

        # a nudge to the owner: copied, and logged as a check-in
        screen.records.cursor_index = titles(app).index("提交Q4预算")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert app.clipboard.startswith("王磊您好，关于「提交Q4预算」")
        assert "已逾期9天" in app.clipboard
        await pilot.press("U")
        await settle(pilot)
        assert app.clipboard.startswith("Hello 王磊, I'm following up on “提交Q4预算”")
        kinds = [c.kind for c in timeline(app, saved["提交Q4预算"].id)]
        assert kinds == ["nudge", "nudge"]
        app.close_store()


async def test_bad_input_is_refused_with_a_message_and_nothing_saved(root: Path, clock) -> None:
    app = GmassistApp(root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(130, 42)) as pilot:
        await open_followups(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FollowupFormModal)
        error = "#fu-form-error"

        await pilot.press("ctrl+s")  # an empty title
        await settle(pilot)
        assert "needs a title" in static_text(app, error)
        form.query_one("#fu-title", Input).value = "提交整改方案"
        form.query_one("#fu-due", Input).value = "下周八"  # a date that cannot be read
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "下周八" in static_text(app, error) and app.focused is form.query_one("#fu-due")
        form.query_one("#fu-due", Input).value = "周五"
        form.query_one("#fu-check-in", Input).value = "下周一"  # after the due date
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "after the due date" in static_text(app, error) and "again" in static_text(app, error)
        assert stored(app) == {}

        form.query_one("#fu-check-in", Input).value = ""
        form.query_one("#fu-due", Input).value = "2026-11-20"  # already past: saved, with a warning
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FollowupFormModal)
        assert stored(app)["提交整改方案"].due == TODAY - timedelta(days=5)
        assert any("due date is in the past" in n.message for n in app._notifications)
        app.close_store()


async def test_a_confidential_nudge_is_wiped_from_the_clipboard(root: Path, clock, monkeypatch) -> None:
    monkeypatch.setattr(screen_module, "CLIPBOARD_CLEAR_SECONDS", 0.01)
    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    store.unlock_confidential(passphrase=PASSPHRASE)
    with store.action("seed") as session:
        session.add(FollowUp(title="并购谈判底价", confidential=True, due=TODAY + timedelta(days=3)))
    store.close()
    app = GmassistApp(root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(130, 42)) as pilot:
        await open_followups(pilot)
        assert titles(app) == ["🔒 confidential"]
        await pilot.press("u")
        await settle(pilot)
        assert app.clipboard == ""  # refused while locked: nothing drafted, nothing logged
        assert app.store is not None
        assert timeline(app, app.screen.records.cursor_key or "") == []
        app.store.unlock_confidential(passphrase=PASSPHRASE)
        app.refresh_screen()
        await settle(pilot)
        assert titles(app) == ["并购谈判底价"]
        copied = []
        original = app.copy_to_clipboard
        monkeypatch.setattr(app, "copy_to_clipboard", lambda text: (copied.append(text), original(text)))
        await pilot.press("u")
        await settle(pilot)
        await pilot.pause(0.05)
        await settle(pilot)
        assert copied[0].startswith("Hello, I'd like to check in on “并购谈判底价”") and copied[1:] == [""]
        assert app.clipboard == ""
        app.close_store()


async def test_quick_add_asks_before_adding_an_owner_and_asks_which_of_two(root: Path, clock) -> None:
    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    with store.action("seed") as session:
        session.add(Person(name="王芳", title="行政主管"))
    store.close()
    app = GmassistApp(root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(130, 42)) as pilot:
        await open_followups(pilot)

        async def quick_add(line: str) -> None:
            await pilot.press("a")
            await settle(pilot)
            app.screen.query_one("#fu-quick-input", Input).value = line
            await pilot.press("enter")
            await settle(pilot)

        await quick_add("@新同事 周五前 整理年会材料")
        assert isinstance(app.screen, FollowupConfirmModal)
        assert "新同事" in static_text(app, "#fu-confirm-question")
        await pilot.press("n")
        await settle(pilot)
        assert stored(app) == {}
        await quick_add("@新同事 周五前 整理年会材料")
        await pilot.press("y")
        await settle(pilot)
        saved = stored(app)["整理年会材料"]
        assert saved.due == TODAY + timedelta(days=2)
        assert app.store is not None
        with app.store.read() as session:
            owner = session.get(Person, saved.owner_id)
            assert owner is not None and owner.name == "新同事"

        await quick_add("@王 明天 安排车辆")
        assert isinstance(app.screen, FollowupPickModal)
        assert sorted(label.split(" · ")[0] for _value, label in app.screen.options) == ["王磊", "王芳"]
        wang_fang = next(value for value, label in app.screen.options if label.startswith("王芳"))
        await pilot.press(*(["down"] * [v for v, _l in app.screen.options].index(wang_fang)), "enter")
        await settle(pilot)
        assert stored(app)["安排车辆"].owner_id == wang_fang

        await pilot.press("S")  # the scorecard opens on the last 30 days
        await settle(pilot)
        assert isinstance(app.screen, FollowupScorecardModal)
        assert "last 30 days" in str(app.screen.query_one("#fu-scorecard-title", Static).render())
        await pilot.press("escape")
        app.close_store()
