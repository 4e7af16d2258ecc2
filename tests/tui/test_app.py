"""The app shell, driven through Pilot: unlock, the five screens, help, palette, confidential items."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import Input, Static

from gmassist.config import Settings
from gmassist.store.demo import populate
from gmassist.store.store import Store
from gmassist.tui.app import GmassistApp
from gmassist.tui.screens.agenda import AgendaScreen
from gmassist.tui.screens.help import HelpScreen
from gmassist.tui.screens.unlock import UnlockScreen
from gmassist.tui.widgets.virtual_list import VirtualList
from tests.conftest import PASSPHRASE

SECRET_TITLE = "并购项目保密谈判"


@pytest.fixture
def demo_root(tmp_path: Path, clock, no_keyring) -> Path:
    store, _ = Store.create(tmp_path / "store", passphrase=PASSPHRASE, clock=clock)
    populate(store, 120)
    store.close()
    return tmp_path / "store"


async def settle(pilot) -> None:
    """Let workers finish and the screen catch up (no sleeping)."""
    for _ in range(5):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def rows(app: GmassistApp) -> list[tuple[str, ...]]:
    records = app.screen.query_one("#records", VirtualList)
    out = []
    for index in range(records.row_count):
        row = records.get_row(index)
        if row is not None:
            out.append(tuple(str(cell) for cell in row.cells))
    return out


async def open_with_passphrase(pilot) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, UnlockScreen)
    await pilot.click("#unlock-input")
    await pilot.press(*PASSPHRASE, "enter")
    await settle(pilot)


async def test_unlock_screen_refuses_a_wrong_passphrase_then_opens(demo_root: Path, clock) -> None:
    app = GmassistApp(demo_root, Settings(), clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        await pilot.press(*"wrong one", "enter")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        assert "wrong passphrase" in str(app.screen.query_one("#unlock-error", Static).render())
        assert app.screen.query_one("#unlock-input", Input).has_class("-invalid")
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot)
        assert app.store is not None and app.current_mode == "today"
        app.close_store()


async def test_number_keys_switch_between_the_five_screens(demo_root: Path, clock) -> None:
    app = GmassistApp(demo_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, mode in [
            ("2", "agenda"),
            ("3", "inbox"),
            ("4", "followups"),
            ("5", "board"),
            ("1", "today"),
        ]:
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == mode
            assert app.screen.query("#records")
            assert rows(app), f"{mode} shows no records"
        assert "documents" in app.status_text and "confidential locked" in app.status_text
        app.close_store()


async def test_after_opening_the_app_warms_up_and_freezes_what_lives_as_long(
    demo_root: Path, clock, monkeypatch
) -> None:
    import gc
    import sys

    from gmassist.tui import app as app_module

    monkeypatch.setattr(app_module, "INTEGRITY_DELAY_SECONDS", 0.1)
    app = GmassistApp(demo_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for _ in range(100):
            if app.warmed.is_set():
                break
            await pilot.pause(0.05)
        assert app.warmed.is_set()
        assert all(name in sys.modules for name in app_module.WARM_MODULES)
        assert gc.get_freeze_count() > 0
        app.close_store()
    assert gc.get_freeze_count() == 0


async def test_help_lists_every_key_and_escape_closes_it(demo_root: Path, clock) -> None:
    app = GmassistApp(demo_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text", Static).render())
        for word in ("Agenda", "Inbox", "Follow-ups", "Boards", "Unlock", "Undo", "Quit", "Open"):
            assert word in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        app.close_store()


async def test_palette_offers_every_keyed_action(demo_root: Path, clock) -> None:
    app = GmassistApp(demo_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("gmassist: Agenda", "gmassist: Unlock", "gmassist: Undo", "today: Open"):
            assert title in titles, titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"agenda")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "agenda"
        app.close_store()


async def test_confidential_items_unlock_and_lock_again_when_idle(demo_root: Path, clock) -> None:
    settings = Settings(idle_lock_minutes=10)
    app = GmassistApp(demo_root, settings, clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        titles = [row[2] for row in rows(app)]
        assert "🔒 confidential" in titles and SECRET_TITLE not in titles
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, UnlockScreen)
        await pilot.press(*PASSPHRASE, "enter")
        await settle(pilot)
        assert app.store.confidential_unlocked
        assert SECRET_TITLE in [row[2] for row in rows(app)]
        assert "confidential unlocked" in app.status_text
        # activity keeps it open...
        clock.advance(timedelta(minutes=9))
        await pilot.press("j")
        clock.advance(timedelta(minutes=9))
        app.check_idle_lock()
        assert app.store.confidential_unlocked
        # ...ten idle minutes lock it
        clock.advance(timedelta(minutes=10))
        app.check_idle_lock()
        await settle(pilot)
        assert not app.store.confidential_unlocked
        assert SECRET_TITLE not in [row[2] for row in rows(app)]
        assert "🔒 confidential" in [row[2] for row in rows(app)]
        app.close_store()


async def test_lock_key_and_gmassist_lock_signal(demo_root: Path, clock) -> None:
    app = GmassistApp(demo_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pidfile = app.store.paths.pidfile
        assert pidfile.read_text() == str(os.getpid())
        app.store.unlock_confidential(passphrase=PASSPHRASE)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert not app.store.confidential_unlocked
        app.store.unlock_confidential(passphrase=PASSPHRASE)
        os.kill(os.getpid(), signal.SIGUSR1)  # what `gmassist lock` sends
        await settle(pilot)
        assert not app.store.confidential_unlocked
        await pilot.press("ctrl+q")
    assert not pidfile.exists()


async def test_undo_key_reverts_the_last_change(demo_root: Path, clock) -> None:
    from gmassist.store.models import Event

    app = GmassistApp(demo_root, Settings(), clock, passphrase=PASSPHRASE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        before = len(rows(app))
        with app.store.action("event.create") as session:
            session.add(Event(title="Undo me", start=clock.now(), end=clock.now() + timedelta(hours=1)))
        app.refresh_screen()
        await settle(pilot)
        assert len(rows(app)) == before + 1
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert len(rows(app)) == before
        app.close_store()


async def test_theme_is_remembered(demo_root: Path, clock, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    app = GmassistApp(demo_root, Settings(), clock, passphrase=PASSPHRASE, config_path=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await pilot.pause()
        app.close_store()
    assert 'theme = "nord"' in config.read_text()


async def test_a_store_that_cannot_open_says_why(tmp_path: Path, clock) -> None:
    app = GmassistApp(tmp_path / "missing", Settings(), clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#opening", Static).render())
        assert "gmassist init" in text
