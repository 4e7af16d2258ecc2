"""`gmassist agenda`, `gmassist remind` and `gmassist add` for events, run in-process through main()."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from gmassist.__main__ import main
from gmassist.clock import FrozenClock
from gmassist.services import agenda as service
from gmassist.services.agenda import EventDraft
from gmassist.store.store import Store
from tests.conftest import NOW, PASSPHRASE

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def root(tmp_path: Path, clock, monkeypatch, no_keyring) -> Path:
    """A passphrase store with a weekly series, two meetings (one confidential) and a flight."""
    path = tmp_path / "store"
    store, _recovery = Store.create(path, passphrase=PASSPHRASE, clock=clock)
    try:
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
            store,
            EventDraft(
                title="并购谈判", start=at(1, 15, month=12), end=at(1, 16, month=12), confidential=True
            ),
        )
        service.create_event(
            store,
            EventDraft(
                title="Flight LH723",
                kind="travel",
                start=at(4, 13, month=12),
                end=datetime(2026, 12, 4, 17, 30, tzinfo=ZoneInfo("Europe/Berlin")),
                end_tz="Europe/Berlin",
            ),
        )
    finally:
        store.close()
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    return path


def run(capsys, clock, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


def test_agenda_week_in_quick_add_words(root: Path, capsys, clock) -> None:
    code, out, err = run(capsys, clock, "agenda", "--store", str(root), "--week", "下周")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Date", "Start", "End"]
    body = "\n".join(lines[2:])
    assert "2026-11-30 Mon  09:00" in body and "周一例会" in body and "3号会议室" in body
    assert "预算评审" not in body  # this week, not next
    assert "并购谈判" not in body and "🔒 confidential" in body
    assert "Flight LH723" in body and "ends 12-04 17:30 Europe/Berlin" in body


def test_agenda_day_as_tsv_and_json(root: Path, capsys, clock) -> None:
    code, out, _err = run(
        capsys, clock, "agenda", "--store", str(root), "--day", "2026-11-25", "--format", "tsv"
    )
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0] == ["date", "start", "end", "kind", "title", "location", "flags"]
    assert rows[1][:5] == ["2026-11-25 Wed", "14:00", "15:00", "meeting", "预算评审"]
    assert len(rows) == 2
    code, out, _err = run(
        capsys, clock, "agenda", "--store", str(root), "--day", "下周一", "--format", "json"
    )
    assert code == 0
    (item,) = json.loads(out)
    assert (item["title"], item["start"], item["flags"]) == ("周一例会", "09:00", "repeats")


def test_agenda_without_options_shows_today_and_the_next_six_days(root: Path, capsys, clock) -> None:
    code, out, _err = run(capsys, clock, "agenda", "--store", str(root), "--format", "tsv")
    assert code == 0
    titles = [line.split("\t")[4] for line in out.splitlines()[1:]]
    assert titles == ["预算评审", "周一例会", "🔒 confidential"]


def test_agenda_conflicts_are_flagged(root: Path, capsys, clock) -> None:
    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    try:
        service.create_event(store, EventDraft(title="撞车", start=at(25, 14, 30), end=at(25, 15, 30)))
    finally:
        store.close()
    code, out, _err = run(capsys, clock, "agenda", "--store", str(root), "--day", "today", "--format", "json")
    assert code == 0
    assert [item["flags"].split(", ")[0] for item in json.loads(out)] == ["conflict", "conflict"]


@pytest.mark.parametrize("bad", ["blah", "2026-13-01", "下周八"])
def test_an_unreadable_date_is_one_line_and_exit_1(root: Path, capsys, clock, bad: str) -> None:
    code, out, err = run(capsys, clock, "agenda", "--store", str(root), "--day", bad)
    assert (
        code == 1 and out == "" and err.count("\n") == 1 and err.startswith("gmassist: Cannot read the date")
    )


def test_day_and_week_together_are_refused(root: Path, capsys, clock) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["agenda", "--store", str(root), "--day", "today", "--week"], clock=clock)
    assert caught.value.code == 2


def test_remind_prints_the_reminders_ringing_now_once(root: Path, capsys, clock) -> None:
    monday = FrozenClock(at(30, 8, 43))
    code, out, _err = run(capsys, monday, "remind", "--store", str(root), "--within", "5")
    assert code == 0
    assert out.splitlines() == ["08:45  in 15 min: 周一例会 @3号会议室 (11-30 09:00–10:00)"]
    later = FrozenClock(at(30, 8, 48))
    code, out, _err = run(capsys, later, "remind", "--store", str(root), "--within", "5")
    assert code == 0 and out == ""


def test_remind_refuses_a_window_of_nothing(root: Path, capsys, clock) -> None:
    code, _out, err = run(capsys, clock, "remind", "--store", str(root), "--within", "0")
    assert code == 1 and "--within" in err


def test_gmassist_add_saves_an_event_through_create_from_quickadd(root: Path, capsys, clock) -> None:
    code, out, err = run(
        capsys, clock, "add", "--store", str(root), "周五下午3点 与财务总监讨论并购方案 @3号会议室 1h"
    )
    assert code == 0, err
    assert "与财务总监讨论并购方案" in out and "15:00–16:00" in out
    code, out, _err = run(capsys, clock, "agenda", "--store", str(root), "--day", "周五", "--format", "tsv")
    (row,) = [line.split("\t") for line in out.splitlines()[1:] if "讨论" in line]
    assert row[1:3] == ["15:00", "16:00"] and row[5] == "3号会议室" and "prep 0/4" in row[6]


def test_gmassist_add_with_a_bad_time_saves_nothing(root: Path, capsys, clock) -> None:
    code, _out, err = run(capsys, clock, "add", "--store", str(root), "周五25点 开会")
    assert code != 0 and err.count("\n") >= 1
    code, out, _err = run(capsys, clock, "agenda", "--store", str(root), "--day", "周五", "--format", "tsv")
    assert out.splitlines()[1:] == []


def test_now_constant_is_wednesday() -> None:
    assert NOW.weekday() == 2 and NOW + timedelta(days=5) == at(30, 9, 30)


def test_a_reader_that_goes_away_ends_the_command_quietly(root: Path) -> None:
    """`gmassist agenda | head -1`: the pipe closes early; no traceback, no "internal error", exit 141."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before a byte is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "gmassist", "--store", str(root), "agenda", "--week", "2026-11-23"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "GMASSIST_PASSPHRASE": PASSPHRASE, "TZ": "Asia/Shanghai"},
            check=False,
        )
    finally:
        os.close(write_end)
    assert done.returncode == 141 and done.stderr == ""
