"""`gmassist ingest` and `gmassist inbox`: intake reports, the table for scripts (CJK aligned), show,
route, export; errors as one plain line and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from gmassist.__main__ import main
from tests.conftest import PASSPHRASE


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
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


@pytest.fixture
def files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "预算请示.txt").write_text("关于2027年度预算编制的请示\n总办〔2026〕12号", encoding="utf-8")
    (folder / "board.md").write_text("# Board pack Q3\n\nRevenue", encoding="utf-8")
    return folder


def test_ingest_reports_each_file_and_duplicates(store_root, files, capsys) -> None:
    code, out, err = run(capsys, "ingest", "--store", str(store_root), str(files))
    assert code == 0 and err == ""
    assert "Taken in: board.md" in out and "Taken in: 预算请示.txt" in out
    assert "2 taken in, 0 already there, 0 not taken in." in out
    code, out, _err = run(capsys, "ingest", "--store", str(store_root), str(files / "board.md"))
    assert code == 0 and "already in the inbox" in out
    assert (files / "board.md").exists()


def test_ingest_can_remove_verified_originals(store_root, files, capsys) -> None:
    code, out, _err = run(
        capsys, "ingest", "--store", str(store_root), "--remove-originals", str(files / "board.md")
    )
    assert code == 0 and "the original was removed" in out and not (files / "board.md").exists()


def test_ingest_refuses_a_missing_path_and_a_bad_level(store_root, files, capsys) -> None:
    code, out, err = run(capsys, "ingest", "--store", str(store_root), str(files / "nope.pdf"))
    assert code == 1 and out == "" and err.count("\n") == 1 and "no such file" in err
    code, _out, err = run(capsys, "ingest", "--store", str(store_root), "--level", "topsecret", str(files))
    assert code == 1 and err.count("\n") == 1 and "security level" in err


def test_ingest_a_confidential_file_unlocks_with_the_passphrase(store_root, files, capsys) -> None:
    code, out, _err = run(
        capsys, "ingest", "--store", str(store_root), "--level", "机密", str(files / "board.md")
    )
    assert code == 0 and "Taken in" in out
    _code, out, _err = run(capsys, "inbox", "--store", str(store_root))
    assert "🔒 confidential" in out and "Board pack" not in out
    _code, out, _err = run(
        capsys, "inbox", "--store", str(store_root), "--include-confidential", "--search", "revenue"
    )
    assert "Board pack Q3" in out


def test_the_table_lines_up_chinese_and_english(store_root, files, capsys) -> None:
    run(capsys, "ingest", "--store", str(store_root), str(files))
    code, out, err = run(capsys, "inbox", "--store", str(store_root))
    assert code == 0 and err == ""
    lines = out.rstrip("\n").splitlines()
    assert len(lines) == 4 and lines[0].startswith("ID") and set(lines[1]) <= {"-", " "}
    rule = lines[1]
    starts = [i for i, ch in enumerate(rule) if ch == "-" and (i == 0 or rule[i - 1] == " ")]
    for line in lines[2:]:
        # every column starts at the same terminal cell as its rule
        for start in starts[1:]:
            prefix_cells = 0
            for index, char in enumerate(line):
                if prefix_cells >= start:
                    assert prefix_cells == start and line[index - 2 : index] == "  ", line
                    break
                prefix_cells += cell_len(char)
    assert any("总办〔2026〕12号" in line and "关于2027年度预算编制的请示" in line for line in lines)


def test_inbox_filters_by_state_and_search(store_root, files, capsys) -> None:
    run(capsys, "ingest", "--store", str(store_root), str(files))
    _code, out, _err = run(capsys, "inbox", "--store", str(store_root), "--search", "预算")
    assert "关于2027年度预算编制的请示" in out and "Board pack" not in out
    _code, out, _err = run(capsys, "inbox", "--store", str(store_root), "--state", "呈批")
    assert len(out.splitlines()) == 2  # the header and its rule only
    code, _out, err = run(capsys, "inbox", "--store", str(store_root), "--state", "nowhere")
    assert code == 1 and err.count("\n") == 1 and "Unknown state" in err
    code, _out, err = run(capsys, "inbox", "--store", str(store_root), "--search", "statu:x")
    assert code == 1 and err.count("\n") == 1 and "Unknown filter" in err


def test_route_show_and_export(store_root, files, tmp_path, capsys) -> None:
    run(capsys, "ingest", "--store", str(store_root), str(files / "预算请示.txt"))
    _code, out, _err = run(capsys, "inbox", "--store", str(store_root))
    short = out.splitlines()[2][:8]
    code, out, err = run(
        capsys, "inbox", "--store", str(store_root), "route", short, "route", "--to", "法务部"
    )
    assert (
        code == 1 and out == "" and err.count("\n") == 1 and "not possible" in err and "Possible now" in err
    )
    assert run(capsys, "inbox", "--store", str(store_root), "route", short, "submit")[0] == 0
    code, out, _err = run(
        capsys, "inbox", "--store", str(store_root), "route", short, "record_instruction",
        "--comment", "1. 法务审核\n2. 财务复核", "--followups",
    )  # fmt: skip
    assert code == 0 and "2 follow-up(s)" in out
    code, out, _err = run(capsys, "inbox", "--store", str(store_root), "show", short)
    assert code == 0 and "Record instruction · manager" in out and "followup: 法务审核" in out
    target = tmp_path / "copy.txt"
    code, out, _err = run(capsys, "inbox", "--store", str(store_root), "export", short, str(target))
    assert code == 0 and target.read_text(encoding="utf-8").startswith("关于2027年度预算编制的请示")
    code, _out, err = run(capsys, "inbox", "--store", str(store_root), "export", short, str(target))
    assert code == 1 and "exists already" in err and err.count("\n") == 1
