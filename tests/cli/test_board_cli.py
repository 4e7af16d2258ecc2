"""`gmassist board list|new|export` run in-process through main(): output, files, one-line errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gmassist.__main__ import main
from tests.conftest import PASSPHRASE


def run(capsys, *argv: str, clock=None) -> tuple[int, str, str]:
    code = main(list(argv), clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store_root(tmp_path: Path, capsys, monkeypatch, no_keyring) -> Path:
    root = tmp_path / "cli-store"
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", PASSPHRASE)
    assert run(capsys, "init", "--store", str(root), "--passphrase")[0] == 0
    monkeypatch.delenv("GMASSIST_NEW_PASSPHRASE")
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    return root


def test_new_from_a_template_list_and_export(store_root: Path, capsys, clock, tmp_path: Path) -> None:
    store = str(store_root)
    code, out, err = run(
        capsys,
        "board",
        "new",
        "--store",
        store,
        "--template",
        "annual_meeting",
        "--date",
        "2027-01-20",
        "Annual meeting 2027",
        clock=clock,
    )
    assert (code, err) == (0, "")
    assert out == "Made board P1 Annual meeting 2027: 4 columns, 11 cards.\n"
    code, out, _err = run(
        capsys, "board", "new", "--store", store, "--kind", "event", "Client dinner", clock=clock
    )
    assert code == 0 and "P2 Client dinner: 4 columns, 0 cards" in out

    code, out, _err = run(capsys, "board", "list", "--store", store, clock=clock)
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == [
        "Code",
        "Board",
        "Kind",
        "Status",
        "Progress",
        "Overdue",
        "Date",
        "Next",
        "milestone",
    ]
    assert lines[1].split()[:9] == [
        "P1",
        "Annual",
        "meeting",
        "2027",
        "event",
        "red*",
        "0/11",
        "0%",
        "2",
    ]
    assert "2026-11-21 P1-2 Venue booked" in lines[1]
    assert lines[2].split()[:5] == ["P2", "Client", "dinner", "event", "green*"]

    code, out, _err = run(capsys, "--store", store, "board", "export", "p1", clock=clock)
    assert code == 0
    assert out.startswith(
        "# Annual meeting 2027 (P1)\n\n- Status: red (auto)\n- Progress: 0 of 11 cards done (0%)\n"
    )
    assert "| P1-2 | Venue booked | To do |  | 2026-11-21 (4 d overdue) |  |" in out
    target = tmp_path / "board.md"
    code, out, _err = run(
        capsys, "board", "export", "--store", store, "Annual", "-o", str(target), "--lang", "zh"
    )
    assert (code, out) == (0, "")
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Annual meeting 2027（P1）\n") and "- 活动日期：2027-01-20" in text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_errors_are_one_line(store_root: Path, capsys, clock) -> None:
    store = str(store_root)
    run(capsys, "board", "new", "--store", store, "Annual meeting", clock=clock)
    run(capsys, "board", "new", "--store", store, "Annual report", clock=clock)
    code, out, err = run(capsys, "board", "export", "--store", store, "annual", clock=clock)
    assert code == 1 and out == ""
    assert err == "gmassist: 'annual' matches several boards: P1 Annual meeting, P2 Annual report\n"
    code, _out, err = run(capsys, "board", "export", "--store", store, "budget", clock=clock)
    assert code == 1 and err.count("\n") == 1 and "No board matches 'budget'" in err
    code, _out, err = run(
        capsys, "board", "new", "--store", store, "--template", "crisis", "Fire", clock=clock
    )
    assert code == 1 and err == "gmassist: a template needs the event date: --date 2027-01-20\n"
    code, _out, err = run(
        capsys,
        "board",
        "new",
        "--store",
        store,
        "--template",
        "crisis",
        "--date",
        "24/11",
        "Fire",
        clock=clock,
    )
    assert code == 1 and "Cannot read the date “24/11”" in err and err.count("\n") == 1
    code, _out, err = run(capsys, "board", "new", "--store", store, "--code", "P1", "Again", clock=clock)
    assert code == 1 and "The code P1 is taken" in err
    code, _out, err = run(capsys, "board", "--store", store, clock=clock)
    assert code == 1 and "board list, new or export" in err


def test_the_event_date_is_read_like_every_other_date(store_root: Path, capsys, clock) -> None:
    """One reader of typed dates everywhere: 下周一 (the clock is Wednesday 2026-11-25) is 2026-11-30."""
    store = str(store_root)
    code, out, err = run(
        capsys,
        "board",
        "new",
        "--store",
        store,
        "--template",
        "crisis",
        "--date",
        "下周一",
        "Fire",
        clock=clock,
    )
    assert code == 0, err
    code, out, _err = run(capsys, "board", "export", "--store", store, "Fire", clock=clock)
    assert code == 0 and "2026-11-30" in out
