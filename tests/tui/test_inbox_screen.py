"""The inbox screen through Pilot: intake while the app runs, a full routing pass by keys, search while
typing, the drafting round trip (in the app and in $EDITOR), viewing, and keys that grey out."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from gmassist.config import InboxSettings, Settings
from gmassist.services import inbox, inbox_files
from gmassist.store.store import Store
from gmassist.tui.app import GmassistApp
from gmassist.tui.modals.inbox_draft import DraftModal
from gmassist.tui.modals.inbox_prompt import IngestModal, TextPromptModal
from gmassist.tui.modals.inbox_route import InstructionModal, ReasonModal, RouteModal
from gmassist.tui.modals.inbox_view import ViewerModal
from gmassist.tui.screens import inbox as inbox_screen
from gmassist.tui.screens.inbox import InboxScreen
from tests.conftest import PASSPHRASE
from tests.domain.test_extract import make_pdf
from tests.store.test_canary import scan
from tests.tui.test_app import rows, settle


@pytest.fixture
def shm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "shm"
    folder.mkdir()
    monkeypatch.setattr(inbox_files, "SHM", folder)
    return folder


@pytest.fixture
def root(tmp_path: Path, clock, no_keyring) -> Path:
    store, _ = Store.create(tmp_path / "store", passphrase=PASSPHRASE, clock=clock)
    source = tmp_path / "source"
    source.mkdir()
    (source / "a.txt").write_text(
        "关于2027年度预算编制的请示\n总办〔2026〕12号\nannual budget", encoding="utf-8"
    )
    (source / "b.md").write_text("# 华东建设集团采购合同\n\nPayment terms", encoding="utf-8")
    (source / "c.txt").write_text("关于并购项目的保密谈判", encoding="utf-8")
    (source / "report.pdf").write_bytes(make_pdf("Quarterly Review"))
    inbox.ingest_paths(store, [source / "a.txt", source / "b.md", source / "report.pdf"])
    inbox.ingest_file(store, source / "c.txt", level="secret")
    store.close()
    return tmp_path / "store"


def settings_for(tmp_path: Path) -> Settings:
    return Settings(inbox=InboxSettings(watch_folder=str(tmp_path / "watch")))


def messages(app: GmassistApp) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def titles(app: GmassistApp) -> list[str]:
    return [row[3] for row in rows(app)]


async def until(pilot, condition, rounds: int = 60) -> None:
    """Let workers and messages run until `condition()` holds (a chain of workers can take several
    rounds on a busy machine); fail if it never does."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.02)
    assert condition()


async def open_inbox(pilot) -> InboxScreen:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InboxScreen)
    return screen


async def highlight(pilot, title: str) -> None:
    """Move the cursor to the row with `title` and wait for its detail."""
    screen = pilot.app.screen
    for _ in range(len(rows(pilot.app)) + 1):
        if screen.current is not None and screen.current.title.startswith(title):
            return
        await pilot.press("j")
        await settle(pilot)
    await pilot.press("g")
    await settle(pilot)
    for _ in range(len(rows(pilot.app))):
        if screen.current is not None and screen.current.title.startswith(title):
            return
        await pilot.press("j")
        await settle(pilot)
    raise AssertionError(f"no row {title!r} in {titles(pilot.app)}")


async def test_the_list_shows_holder_time_in_state_and_the_stale_flag(root, tmp_path, clock) -> None:
    from datetime import timedelta

    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_inbox(pilot)
        assert len(rows(app)) == 4 and "🔒 confidential" in titles(app)
        clock.advance(timedelta(days=3, hours=2))
        screen.refresh_records()
        await settle(pilot)
        row = next(r for r in rows(app) if r[3] == "关于2027年度预算编制的请示")
        assert (
            row[0].startswith("⚑")
            and row[6] == "Assistant"
            and row[7] == "3d 2h"
            and row[2] == "总办〔2026〕12号"
        )
        app.close_store()


async def test_files_dropped_into_the_watched_folder_are_taken_in_while_the_app_runs(
    root, tmp_path, clock
) -> None:
    watch = tmp_path / "watch"
    watch.mkdir()
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_inbox(pilot)
        (watch / "scan007.md").write_text("# 新到的通知\n\n请周五前回复", encoding="utf-8")
        (watch / "dup.txt").write_text(
            "关于2027年度预算编制的请示\n总办〔2026〕12号\nannual budget", encoding="utf-8"
        )
        for _ in range(2):  # seen once, then taken when it has not changed
            app.inbox_watcher.poll()
            await settle(pilot)
        assert "新到的通知" in titles(app)
        assert any("Taken in: scan007.md" in m for m in messages(app))
        assert any("dup.txt is already in the inbox" in m for m in messages(app))
        # and on request, with a level
        (tmp_path / "extra.txt").write_text("extra document text", encoding="utf-8")
        await pilot.press("I")
        await settle(pilot)
        assert isinstance(app.screen, IngestModal)
        await pilot.press(*str(tmp_path / "extra.txt"), "enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen) and "extra document text" in titles(app)
        app.close_store()


async def test_a_full_routing_pass_by_keys(root, tmp_path, clock) -> None:
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_inbox(pilot)
        await highlight(pilot, "关于2027年度预算编制的请示")
        document_id = screen.current.id
        palette: set[str] = set()

        def note_palette() -> None:
            palette.update(c.title for c in app.get_system_commands(app.screen))

        assert screen.check_action("route", ()) is None and screen.check_action("instruction", ()) is None
        note_palette()
        for key, state in [("d", "drafting"), ("s", "submitted")]:
            await pilot.press(key)
            await settle(pilot)
            assert screen.current.state == state
        note_palette()
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, InstructionModal)
        await pilot.press(*"法务部审核合同", "enter", *"财务部复核", "ctrl+s")
        await settle(pilot)
        assert screen.current.state == "instructed"
        assert sorted(link.title for link in screen.current.links) == ["法务部审核合同", "财务部复核"]
        note_palette()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RouteModal)
        await pilot.press(*"法务部", "enter")
        await settle(pilot)
        assert (screen.current.state, screen.current.holder) == ("routed", "法务部")
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(app.screen, ReasonModal)
        await pilot.press("enter")  # a reason is needed
        await pilot.pause()
        assert isinstance(app.screen, ReasonModal)
        await pilot.press(*"材料不全", "enter")
        await settle(pilot)
        assert screen.current.state == "returned"
        for key, state in [("s", "submitted")]:
            await pilot.press(key)
            await settle(pilot)
            assert screen.current.state == state
        await pilot.press("i")
        await settle(pilot)
        await pilot.press(*"同意", "tab", "space", "ctrl+s")  # this time without follow-ups
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"法务部", "enter")
        await settle(pilot)
        for key, state in [("w", "in_progress"), ("c", "closed")]:
            await pilot.press(key)
            await settle(pilot)
            assert screen.current is not None and screen.current.state == state, key
        assert all(
            screen.check_action(action, ()) is None for action in ("route", "submit", "close_document")
        )
        note_palette()
        await pilot.press("a")
        await settle(pilot)
        assert document_id not in {
            screen.current.id if screen.current else None
        }  # the archive leaves the list
        assert inbox.document_detail(app.store, document_id).state == "archived"
        with app.store.engine.connect() as connection:
            steps = connection.execute(
                text(
                    "select to_state, actor, comment from routing_step where document_id = :id order by at, created"
                ),
                {"id": document_id},
            ).all()
            followups = connection.execute(
                text("select count(*) from followup where source_id = :id"), {"id": document_id}
            ).scalar_one()
        assert [s[0] for s in steps] == [
            "drafting", "submitted", "instructed", "routed", "returned", "submitted", "instructed", "routed",
            "in_progress", "closed", "archived",
        ]  # fmt: skip
        assert steps[2][1] == "manager" and steps[4][2] == "材料不全" and followups == 2
        for verb in ("Route", "Submit", "Instruction", "Close", "Return", "Tag", "Search", "Open"):
            assert f"inbox: {verb}" in palette, verb
        shown = {b.id for b in InboxScreen.BINDINGS if b.show}  # type: ignore[union-attr]
        assert {"inbox.route", "inbox.submit", "inbox.instruction", "inbox.close", "inbox.return", "inbox.tag",
                "inbox.search", "inbox.open"} <= shown  # fmt: skip
        app.close_store()


async def test_tags_and_the_refusal_of_an_illegal_key(root, tmp_path, clock) -> None:
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_inbox(pilot)
        await highlight(pilot, "华东建设集团采购合同")
        await pilot.press("r")  # greyed out: routing needs the manager's instruction first
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen) and screen.current.state == "received"
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TextPromptModal)
        await pilot.press(*"合同, 法务", "enter")
        await settle(pilot)
        assert screen.current.tags == ["合同", "法务"]
        app.close_store()


async def test_search_answers_while_typing(root, tmp_path, clock) -> None:
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_inbox(pilot)
        await pilot.press("slash")
        for char, expected in [
            ("预", ["关于2027年度预算编制的请示"]),
            ("算", ["关于2027年度预算编制的请示"]),
        ]:
            await pilot.press(char)
            await settle(pilot)  # no pause: every keystroke answers
            assert titles(app) == expected
        for _ in range(2):
            await pilot.press("backspace")
        await pilot.press(*"PAYMENT")
        await settle(pilot)
        assert titles(app) == ["华东建设集团采购合同"]
        # a confidential document is not found while locked...
        await pilot.press(*["backspace"] * 7, *"并购项目")
        await settle(pilot)
        assert titles(app) == []
        # ...and is once unlocked
        app.store.unlock_confidential(passphrase=PASSPHRASE)
        app.refresh_screen()
        await settle(pilot)
        assert titles(app) == ["关于并购项目的保密谈判"]
        # a filter half typed keeps the results and says nothing yet; stopping there says where it is wrong
        await pilot.press(*["backspace"] * 4, *"预算 statu")
        await settle(pilot)
        shown = titles(app)
        await pilot.press(":", "x")
        await settle(pilot)
        assert titles(app) == shown and not app.screen.has_class("-search-error")
        await pilot.pause(inbox_screen.SEARCH_DELAY_SECONDS + 0.1)
        await settle(pilot)
        error = str(app.screen.query_one("#inbox-search-error").render())
        assert "Unknown filter" in error and app.screen.has_class("-search-error")
        # Escape leaves the box, a second Escape clears the search
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert len(rows(app)) == 4
        app.close_store()


async def test_the_drafting_round_trip(root, tmp_path, clock, shm, monkeypatch) -> None:
    editor = tmp_path / "fake-editor"
    editor.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        "path = pathlib.Path(sys.argv[-1])\n"
        "(path.parent / (path.name + '~')).write_text(path.read_text())\n"
        "path.write_text(path.read_text() + '\\nCanaryFromEditor 金丝雀外部编辑')\n",
        encoding="utf-8",
    )
    editor.chmod(0o700)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_inbox(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, DraftModal)
        await pilot.press(*"关于年会的通知", "enter", *"CanaryDraftInApp 金丝雀拟稿", "ctrl+s")
        await until(pilot, lambda: screen.current is not None and screen.current.title == "关于年会的通知")
        assert isinstance(app.screen, InboxScreen) and screen.current.state == "drafting"
        first = screen.current.id
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, ViewerModal) and "CanaryDraftInApp" in app.screen.content.text
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, DraftModal)
        await pilot.press("end", *" 二稿", "ctrl+s")
        await until(pilot, lambda: screen.current is not None and screen.current.version == 2)
        assert screen.current.parent_id == first
        assert "关于年会的通知 (v2)" in titles(app) and "关于年会的通知" not in titles(app)
        await pilot.press("ctrl+e")
        await until(pilot, lambda: screen.current is not None and screen.current.version == 3)
        assert [v for _i, v in screen.current.versions] == [1, 2, 3]
        assert inbox.read_text(app.store, screen.current.id).endswith("CanaryFromEditor 金丝雀外部编辑")
        assert inbox.read_text(app.store, screen.current.versions[1][0]) == "CanaryDraftInApp 金丝雀拟稿 二稿"
        # a draft goes through review like any document
        await pilot.press("s")
        await settle(pilot)
        assert screen.current.state == "submitted"
        store_root = app.store.paths.root
        app.close_store()
    needles = ["CanaryDraftInApp", "金丝雀拟稿", "CanaryFromEditor", "金丝雀外部编辑"]
    for folder in (store_root, Path(os.environ["TMPDIR"]), shm):
        assert scan(folder, needles) == [], folder
    assert list(shm.iterdir()) == []


async def test_other_files_open_in_the_system_viewer_from_a_private_copy_wiped_at_exit(
    root, tmp_path, clock, shm, monkeypatch
) -> None:
    opened: list[tuple[Path, bytes, int]] = []
    monkeypatch.setattr(
        inbox_files,
        "open_in_viewer",
        lambda path: opened.append((path, path.read_bytes(), path.parent.stat().st_mode)),
    )
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_inbox(pilot)
        await highlight(pilot, "Quarterly Review")
        await pilot.press("o")
        await settle(pilot)
        assert len(opened) == 1 and opened[0][1] == make_pdf("Quarterly Review")
        assert opened[0][0].is_relative_to(shm) and stat.S_IMODE(opened[0][2]) == 0o700
        assert opened[0][0].exists()  # kept while the app runs: the viewer reads it
        await pilot.press("ctrl+q")
    assert not opened[0][0].exists() and list(shm.iterdir()) == []


async def test_an_e_mail_is_read_in_the_app(root, tmp_path, clock) -> None:
    from tests.domain.test_extract import built_message

    (tmp_path / "watch").mkdir()
    (tmp_path / "watch" / "mail.eml").write_bytes(built_message())
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_inbox(pilot)
        for _ in range(2):
            app.inbox_watcher.poll()
            await settle(pilot)
        await highlight(pilot, "关于2027年度预算的请示")
        await pilot.press("o")
        await settle(pilot)
        viewer = app.screen
        assert isinstance(viewer, ViewerModal) and viewer.content.kind == "email"
        assert "附件为2027年度预算" in viewer.content.text
        assert [f.name for f in viewer.content.files][1:] == ["2027年度预算表.pdf", "说明.txt"]
        await pilot.press("escape")
        app.close_store()


async def test_a_document_is_linked_to_an_event(root, tmp_path, clock) -> None:
    from datetime import timedelta

    from gmassist.store.models import Event
    from gmassist.tui.modals.inbox_link import LinkModal

    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    with store.action("event") as session:
        session.add(Event(title="经营分析会 Review", start=clock.now(), end=clock.now() + timedelta(hours=1)))
    store.close()
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_inbox(pilot)
        await highlight(pilot, "华东建设集团采购合同")
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, LinkModal)
        await pilot.press(*"经营")
        found = app.screen.query_one("#ib-link-found")
        await until(pilot, lambda: found.option_count > 0)  # the search runs after a short pause in typing
        await pilot.press("enter", "enter")
        await until(pilot, lambda: screen.current is not None and bool(screen.current.links))
        assert [(link.kind, link.title) for link in screen.current.links] == [("event", "经营分析会 Review")]
        app.close_store()


async def test_many_duplicates_are_told_in_one_line(root, tmp_path, clock) -> None:
    watch = tmp_path / "watch"
    watch.mkdir()
    for number in range(5):
        (watch / f"copy{number}.txt").write_text(
            "关于2027年度预算编制的请示\n总办〔2026〕12号\nannual budget", encoding="utf-8"
        )
    app = GmassistApp(root, settings_for(tmp_path), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(140, 45)) as pilot:
        await open_inbox(pilot)
        for _ in range(2):
            app.inbox_watcher.poll()
            await settle(pilot)
        said = [m for m in messages(app) if "already in the inbox" in m]
        assert said == ["5 files are already in the inbox; nothing new was stored for them."]
        app.close_store()
