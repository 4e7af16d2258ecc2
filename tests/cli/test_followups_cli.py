"""`gmassist followups` and `gmassist add`, run in-process through main() at a frozen time."""

from __future__ import annotations

import sys
import types
from datetime import timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlalchemy import func, select

from gmassist.__main__ import main
from gmassist.commands import capture
from gmassist.store.models import Department, FollowUp, Person, table_of
from gmassist.store.store import Store
from tests.conftest import NOW, PASSPHRASE

TODAY = NOW.date()


@pytest.fixture
def root(tmp_path: Path, clock, monkeypatch, no_keyring) -> Path:
    """A store with two departments, three people (two called 张…) and a few follow-ups."""
    root = tmp_path / "store"
    store, _ = Store.create(root, passphrase=PASSPHRASE, clock=clock)
    with store.action("seed") as session:
        sales, legal = Department(name="销售部"), Department(name="Legal")
        session.add_all([sales, legal])
        session.flush()
        li = Person(name="李娜", title="销售经理", department_id=sales.id)
        emma = Person(name="Emma Schmidt", department_id=legal.id)
        session.add_all([li, emma, Person(name="张伟"), Person(name="张三")])
        session.flush()
        session.add_all(
            [
                FollowUp(title="提交Q4预算", owner_id=li.id, department_id=sales.id, due=TODAY),
                FollowUp(
                    title="Send the revised NDA to Siemens",
                    owner_id=emma.id,
                    department_id=legal.id,
                    due=TODAY - timedelta(days=9),
                ),
                FollowUp(title="回复华东建设集团合同意见", due=TODAY - timedelta(days=1), status="waiting"),
                FollowUp(title="已经办完", due=TODAY - timedelta(days=3), status="verified"),
            ]
        )
    store.close()
    monkeypatch.setenv("GMASSIST_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("GMASSIST_STORE", str(root))
    return root


def run(capsys, clock, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), clock=clock)
    out, err = capsys.readouterr()
    return code, out, err


def followups(root: Path, clock) -> list[FollowUp]:
    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    try:
        with store.read() as session:
            return list(session.execute(select(FollowUp).order_by(FollowUp.title)).scalars())
    finally:
        store.close()


def test_the_table_lines_up_chinese_and_english_by_cell_width(root: Path, capsys, clock) -> None:
    code, out, err = run(capsys, clock, "followups")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["Level", "Due", "Title", "Owner", "Department", "Status", "Check-in"]
    assert len(lines) == 4  # the verified one is not active
    assert "escalated 9d" in lines[1] and "Send the revised NDA" in lines[1]  # loudest first

    def column(line: str, text: str) -> int:
        """Where `text` starts in `line`, in terminal cells."""
        return cell_len(line[: line.index(text)])

    header = lines[0]
    for line, due, title, owner in [
        (lines[1], "2026-11-16", "Send the revised NDA", "Emma"),
        (lines[2], "2026-11-24", "回复华东建设集团合同意见", None),
        (lines[3], "2026-11-25", "提交Q4预算", "李娜"),
    ]:
        assert column(line, due) == column(header, "Due")
        assert column(line, title) == column(header, "Title")
        if owner:
            assert column(line, owner) == column(header, "Owner")
        assert column(line, "open" if owner else "waiting") == column(header, "Status")


def test_due_overdue_and_department_narrow_the_table(root: Path, capsys, clock) -> None:
    _code, out, _err = run(capsys, clock, "followups", "--due", "today")
    assert [line.split()[-3] for line in out.splitlines()[1:]] == ["李娜"]
    _code, out, _err = run(capsys, clock, "followups", "--overdue")
    assert len(out.splitlines()) == 3 and "提交Q4预算" not in out
    _code, out, _err = run(capsys, clock, "followups", "--dept", "legal")
    assert len(out.splitlines()) == 2 and "Siemens" in out
    _code, out, _err = run(capsys, clock, "followups", "--due", "2026-01-01")
    assert out == "No follow-ups.\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["followups", "--due", "someday"], "Cannot read the date “someday”"),
        (["followups", "--due", "2月30日"], "“2月30日” is not understood"),
        (["followups", "--dept", "财务"], "No department is called “财务”"),
    ],
)
def test_bad_options_are_one_line_and_exit_non_zero(root: Path, capsys, clock, argv, message) -> None:
    code, out, err = run(capsys, clock, *argv)
    assert code == 1 and out == "" and err.count("\n") == 1 and message in err


def test_add_with_a_known_owner(root: Path, capsys, clock) -> None:
    code, out, err = run(capsys, clock, "add", "@销售经理 周五前 提交年会预算")
    assert code == 0 and err == ""
    assert out == "Follow-up saved: 提交年会预算 · owner 李娜 · due 2026-11-27\n"
    saved = next(f for f in followups(root, clock) if f.title == "提交年会预算")
    assert saved.due == TODAY + timedelta(days=2) and saved.department_id is not None


def test_add_with_a_new_owner_says_it_added_them(root: Path, capsys, clock) -> None:
    code, out, _err = run(capsys, clock, "add", "@王磊", "明天", "更新研发计划")
    assert code == 0
    assert out.splitlines() == [
        "Added 王磊 to the people list.",
        "Follow-up saved: 更新研发计划 · owner 王磊 · due 2026-11-26",
    ]
    store = Store.open(root, passphrase=PASSPHRASE, clock=clock)
    with store.engine.connect() as connection:
        people = connection.execute(select(func.count()).select_from(table_of(Person))).scalar_one()
    store.close()
    assert people == 5


def test_add_with_two_matching_people_lists_them_and_saves_nothing(root: Path, capsys, clock) -> None:
    before = len(followups(root, clock))
    code, out, err = run(capsys, clock, "add", "@张 周五前 提交合同")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "张三" in err and "张伟" in err
    assert len(followups(root, clock)) == before


def test_add_refuses_an_unreadable_line(root: Path, capsys, clock) -> None:
    code, out, err = run(capsys, clock, "add", "@李娜 2月30日前 提交")
    assert code == 1 and out == "" and "no such date: “2月30日”" in err


def test_add_a_recurring_follow_up(root: Path, capsys, clock) -> None:
    code, out, _err = run(capsys, clock, "add", "每月5号 提交销售月报 @销售经理")
    assert code == 0 and "every month on the 5th" in out
    series = [f for f in followups(root, clock) if f.title == "提交销售月报"]
    assert [(f.rrule, f.due) for f in series] == [
        ("FREQ=MONTHLY;BYMONTHDAY=5", TODAY.replace(month=12, day=5))
    ]


def test_events_wait_for_the_agenda_when_it_has_no_quick_add(root: Path, capsys, clock, monkeypatch) -> None:
    monkeypatch.setitem(
        capture.HANDLERS,
        "event",
        ("gmassist.services.no_such_agenda", "create_from_quickadd", capture.HANDLERS["event"][2]),
    )
    code, out, err = run(capsys, clock, "add", "周五下午3点 与财务总监讨论并购方案")
    assert code == 1 and out == ""
    assert err == "gmassist: events from quick add arrive with the agenda\n"


def test_events_and_cards_go_to_their_areas_service(root: Path, capsys, clock, monkeypatch) -> None:
    calls = []
    fake = types.ModuleType("fake_board")
    fake.create_card_from_quickadd = lambda store, parsed, settings: calls.append(parsed) or "Card P1-7 saved"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_board", fake)
    monkeypatch.setitem(capture.HANDLERS, "card", ("fake_board", "create_card_from_quickadd", "missing"))
    code, out, _err = run(capsys, clock, "add", "#P1 订场地 @李娜 周五前")
    assert code == 0 and out == "Card P1-7 saved\n"
    assert [(p.kind, p.board, p.title) for p in calls] == [("card", "P1", "订场地")]
