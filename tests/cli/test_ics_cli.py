"""`gmassist import-ics` and `gmassist export-ics`, run in-process through main(): one line on failure,
nothing half imported, files written 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gmassist.__main__ import main
from gmassist.domain.ics import parse_ics
from gmassist.store.models import Event, table_of
from gmassist.store.store import Store
from tests.conftest import PASSPHRASE

FIXTURES = Path(__file__).parent.parent / "fixtures" / "ics"


def run(capsys, clock, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def store_root(tmp_path: Path, capsys, monkeypatch, no_keyring, clock) -> Path:
    """A passphrase store made by `gmassist init --passphrase`; GMASSIST_PASSPHRASE opens it."""
    root = tmp_path / "cli-store"
    monkeypatch.setenv("GMASSIST_NEW_PASSPHRASE", PASSPHRASE)
    assert run(capsys, clock, "init", "--store", str(root), "--passphrase")[0] == 0
    monkeypatch.delenv("GMASSIST_NEW_PASSPHRASE")
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    return root


def events(root: Path, clock) -> int:
    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    try:
        with store.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table_of(Event))).scalar_one())
    finally:
        store.close()


def test_import_then_reimport(store_root: Path, capsys, clock) -> None:
    code, out, err = run(
        capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / "outlook.ics")
    )
    assert code == 0, err
    assert out == "Imported outlook.ics (日历): 5 new, 0 updated, 0 unchanged.\n"
    code, out, _err = run(
        capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / "outlook.ics")
    )
    assert code == 0 and "0 new, 0 updated, 5 unchanged" in out
    assert events(store_root, clock) == 5


@pytest.mark.parametrize("name", ["bad_dtstart", "bad_structure", "truncated", "bad_rrule"])
def test_malformed_file_one_line_nonzero_nothing_imported(store_root: Path, capsys, clock, name: str) -> None:
    run(capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / "google.ics"))
    before = events(store_root, clock)
    code, out, err = run(
        capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / f"{name}.ics")
    )
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"gmassist: {name}.ics, line ")
    assert events(store_root, clock) == before


def test_missing_file(store_root: Path, capsys, clock, tmp_path: Path) -> None:
    code, _out, err = run(capsys, clock, "import-ics", "--store", str(store_root), str(tmp_path / "nope.ics"))
    assert code == 1 and err.count("\n") == 1 and "no such file" in err


def test_export_to_a_file(store_root: Path, capsys, clock, tmp_path: Path) -> None:
    for name in ("outlook", "google", "apple"):
        assert (
            run(capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / f"{name}.ics"))[0]
            == 0
        )
    target = tmp_path / "agenda.ics"
    code, out, err = run(capsys, clock, "export-ics", "--store", str(store_root), "-o", str(target))
    assert code == 0, err
    assert out == f"Exported 18 event(s) to {target}.\n" and err == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(parse_ics(target.read_bytes(), "Asia/Shanghai").events) == 18


def test_export_a_window_to_standard_output(store_root: Path, capsys, clock) -> None:
    run(capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / "google.ics"))
    code, out, _err = run(
        capsys, clock, "export-ics", "--store", str(store_root), "--from", "2026-05-01", "--to", "2026-05-31"
    )
    assert code == 0 and out.startswith("BEGIN:VCALENDAR\r\n")
    titles = {e.title for e in parse_ics(out.encode("utf-8"), "Asia/Shanghai").events}
    # the series touching May, with their overrides
    assert titles == {"劳动节假期", "经营分析会", "经营分析会（改期）", "月度董事会"}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--from", "May 1st"), "--from wants a date"),
        (("--from", "2026-05-02", "--to", "2026-05-01"), "--to is before --from"),
    ],
)
def test_export_bad_dates(store_root: Path, capsys, clock, argv, words: str) -> None:
    code, out, err = run(capsys, clock, "export-ics", "--store", str(store_root), *argv)
    assert code == 1 and out == "" and err.count("\n") == 1 and words in err


def test_confidential_events(store_root: Path, capsys, clock, tmp_path: Path) -> None:
    # The confidential key is wrapped by the store passphrase here, so GMASSIST_PASSPHRASE unlocks it.
    code, out, err = run(
        capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / "private.ics")
    )
    assert code == 0 and "2 new" in out, err
    code, out, err = run(capsys, clock, "export-ics", "--store", str(store_root))
    assert code == 0 and "青鸟" not in out and "部门负责人周会" in out
    assert err == "1 confidential event(s) left out (use --include-confidential)\n"
    code, out, _err = run(capsys, clock, "export-ics", "--store", str(store_root), "--include-confidential")
    assert code == 0 and "青鸟" in out and "CLASS:CONFIDENTIAL" in out


def test_confidential_events_refused_when_the_key_cannot_be_unlocked(
    store_root: Path, capsys, clock, monkeypatch
) -> None:
    monkeypatch.setenv("GMASSIST_NEW_CONFIDENTIAL_PASSPHRASE", "second key for secrets")
    assert run(capsys, clock, "rekey", "--store", str(store_root), "--confidential-passphrase")[0] == 0
    code, out, err = run(
        capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / "private.ics")
    )
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "private or confidential" in err and "GMASSIST_CONFIDENTIAL_PASSPHRASE" in err
    assert events(store_root, clock) == 0
    monkeypatch.setenv("GMASSIST_CONFIDENTIAL_PASSPHRASE", "second key for secrets")
    code, out, err = run(
        capsys, clock, "import-ics", "--store", str(store_root), str(FIXTURES / "private.ics")
    )
    assert code == 0 and "2 new" in out, err
