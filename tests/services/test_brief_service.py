"""The weekly brief gathered from a real (encrypted) store at a frozen time: golden files in both
languages, confidential canaries, determinism, the numbers, the remembered previous brief, and SQL that
filters with the indexes instead of loading whole tables.

(Named test_brief_service.py: tests/domain/test_brief.py has the basename test_brief.py, and the test
folders are not packages.)

Regenerate the golden files after an intended change with GMASSIST_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from sqlalchemy import event, select

from gmassist.clock import FrozenClock
from gmassist.config import FollowupSettings, Settings
from gmassist.domain.brief import LABELS, SECTIONS, render
from gmassist.errors import Locked
from gmassist.services import brief as service
from gmassist.store.models import Meta, table_of
from gmassist.store.store import Store
from tests.conftest import NOW, PASSPHRASE
from tests.fixtures.brief.sample import CANARIES, fill

GOLDEN = Path(__file__).parent.parent / "fixtures" / "brief"
UPDATE = bool(os.environ.get("GMASSIST_UPDATE_GOLDEN"))


def make_sample(root: Path) -> Store:
    store, _recovery = Store.create(root, passphrase=PASSPHRASE, clock=FrozenClock(NOW))
    fill(store)
    return store


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory):
    store = make_sample(tmp_path_factory.mktemp("brief") / "store")
    yield store
    store.close()


@pytest.fixture
def locked(sample_store: Store) -> Store:
    sample_store.lock_confidential()
    return sample_store


@pytest.fixture
def unlocked(sample_store: Store) -> Store:
    sample_store.unlock_confidential(passphrase=PASSPHRASE)
    return sample_store


def brief(store: Store, lang: str, **kwargs) -> str:
    return service.make(store, FrozenClock(NOW), lang, **kwargs)[1]


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs (GMASSIST_UPDATE_GOLDEN=1 rewrites it)"


# --- golden files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_golden_brief(locked: Store, lang: str) -> None:
    check_golden(f"w48.{lang}.md", brief(locked, lang))


def test_golden_brief_with_confidential_items(unlocked: Store) -> None:
    check_golden("w48.zh.confidential.md", brief(unlocked, "zh", include_confidential=True))


# --- confidential items ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("state", ["locked", "unlocked"])
def test_no_confidential_text_without_the_flag(request: pytest.FixtureRequest, state: str, lang: str) -> None:
    """Even while the key is unlocked (the TUI), a brief made without the flag shows only counts."""
    store = request.getfixturevalue(state)
    text = brief(store, lang)
    for canary in CANARIES:
        assert canary not in text
    for secret in ("并购", "谈判底价", "周律师", "密〔2026〕"):
        assert secret not in text
    data = service.gather(store, FrozenClock(NOW))
    assert data.hidden_total == 9
    hidden_line = "9 confidential items not shown." if lang == "en" else "另有 9 项机密事项未列出。"
    assert hidden_line in text
    assert text.count("🔒") == 4  # a resolution's owner (twice) and a follow-up's department (twice)


def test_confidential_items_with_the_flag(unlocked: Store) -> None:
    text = brief(unlocked, "en", include_confidential=True)
    for canary in CANARIES:
        assert canary in text, canary
    assert "confidential item" not in text


def test_the_flag_needs_the_confidential_key(locked: Store) -> None:
    with pytest.raises(Locked):
        service.gather(locked, FrozenClock(NOW), include_confidential=True)


# --- determinism ------------------------------------------------------------------------------------------


def test_same_store_week_and_time_give_the_same_bytes(unlocked: Store, tmp_path: Path) -> None:
    first = brief(unlocked, "zh", include_confidential=True)
    assert brief(unlocked, "zh", include_confidential=True) == first
    other = make_sample(tmp_path / "again")  # sealed anew: other nonces, same data
    try:
        assert brief(other, "zh", include_confidential=True) == first
        other.lock_confidential()
        unlocked.lock_confidential()
        assert brief(other, "en") == brief(unlocked, "en")
    finally:
        other.close()


# --- what the brief holds -----------------------------------------------------------------------------------


def test_numbers(locked: Store) -> None:
    data = service.gather(locked, FrozenClock(NOW))
    assert data.week == "2026-W48" and data.monday == date(2026, 11, 23) and data.as_of == date(2026, 11, 25)
    assert data.numbers.as_dict() == {
        "meetings": 3,  # weekly staff meeting, budget review, the confidential negotiation (not the visit)
        "events_next_week": 7,
        "conflicts_next_week": 3,
        "followups_done": 2,
        "followups_overdue": 3,  # series templates and cancelled ones are never overdue
        "followups_escalated": 2,
        "followups_due_next_week": 4,
        "documents_awaiting": 3,
        "boards_red": 2,  # the confidential crisis board counts
        "boards_active": 3,  # the archived one does not
    }


def test_series_resolutions_belong_to_the_occurrence_they_were_made_at(locked: Store) -> None:
    this_week = service.gather(locked, FrozenClock(NOW))
    weekly = this_week.meetings.items[0]
    assert weekly.title == "周一例会 Weekly staff meeting"
    assert [r.title for r in weekly.resolutions.items] == ["整理客户满意度调查结果"]
    last_week = service.gather(locked, FrozenClock(NOW), week="2026-W47")
    assert last_week.as_of == date(2026, 11, 22)  # a week that is over is judged on its Sunday
    titles = [(m.start.date(), [r.title for r in m.resolutions.items]) for m in last_week.meetings.items]
    # the minutes of 11-16 place a resolution made on 11-24 on that sitting, not on the 11-23 one
    assert titles == [(date(2026, 11, 16), ["Last week's staff action", "核对上周例会纪要中的采购数字"])]


def test_links_and_sources_are_both_resolutions(locked: Store) -> None:
    budget = service.gather(locked, FrozenClock(NOW)).meetings.items[1]
    assert [(r.kind, r.title) for r in budget.resolutions.items] == [
        ("followup", "Update hiring plan for R&D"),
        ("document", "预算评审会议纪要"),  # linked as "resolution"; the "prepares" link is not one
    ]
    assert budget.resolutions.hidden == 1


def test_escalation_follows_the_settings(locked: Store) -> None:
    relaxed = Settings(followups=FollowupSettings(escalate_after_days=30))
    data = service.gather(locked, FrozenClock(NOW), settings=relaxed)
    assert data.numbers.followups_escalated == 0
    assert {e.escalation for e in data.overdue.items} == {2}


def test_row_limits_cut_lists_not_numbers(locked: Store) -> None:
    data = service.gather(locked, FrozenClock(NOW), max_rows=1, per_department=1)
    assert len(data.documents.items) == 1 and data.documents.more == 1 and data.documents.hidden == 1
    assert data.numbers.documents_awaiting == 3
    assert len(data.boards.items) == 1 and data.boards.more == 1


def test_markdown_parses_with_the_expected_headings(locked: Store) -> None:
    for lang in ("en", "zh"):
        tokens = MarkdownIt("commonmark").enable("table").parse(brief(locked, lang))
        h2 = [
            tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"
        ]
        assert h2 == [LABELS[lang][key] for key in SECTIONS]
        assert sum(t.type == "table_open" for t in tokens) == 16


# --- remembering the numbers ---------------------------------------------------------------------------------


def test_previous_brief_is_the_latest_earlier_week(locked: Store) -> None:
    previous = service.previous_brief(locked, "2026-W48")
    assert previous is not None and previous.week == "2026-W47"  # not the W50 one, which is later
    assert previous.numbers["documents_awaiting"] == 4
    assert service.previous_brief(locked, "2026-W46") is None


def test_remember_then_compare_next_week(tmp_path: Path) -> None:
    store = make_sample(tmp_path / "s")
    try:
        clock = FrozenClock(NOW)
        data = service.gather(store, clock)
        service.remember(store, data)
        service.remember(store, data)  # the same week again overwrites (here with the same value)
        meta = table_of(Meta)
        with store.engine.connect() as connection:
            rows = connection.execute(select(meta.c.value).where(meta.c.key == "brief:2026-W48")).all()
        assert len(rows) == 1
        assert json.loads(rows[0].value)["numbers"] == data.numbers.as_dict()

        clock.advance(timedelta(days=7))
        later = service.gather(store, clock)
        assert later.week == "2026-W49"
        assert later.previous is not None and later.previous.week == "2026-W48"
        assert dict(later.previous.numbers) == data.numbers.as_dict()
        text = render(later, "en")
        assert "Compared with the brief of 2026-W48, recorded 2026-11-25 09:30." in text

        assert store.undo() == "brief.remember"
        previous = service.previous_brief(store, "2026-W49")
        assert previous is not None and previous.week == "2026-W47"
    finally:
        store.close()


def test_an_unreadable_remembered_brief_is_skipped(tmp_path: Path) -> None:
    store = make_sample(tmp_path / "s")
    try:
        with store.action("test") as session:
            session.add(Meta(key="brief:2026-W47x", value="not json"))
        previous = service.previous_brief(store, "2026-W48")
        assert previous is not None and previous.week == "2026-W47"
    finally:
        store.close()


# --- reading with the indexes ----------------------------------------------------------------------------------


def test_queries_filter_in_sql_with_the_indexes(locked: Store) -> None:
    """Every read of the follow-up and document tables has a WHERE clause and, but for the lookup of a
    meeting's resolutions by source id (no index on it), is answered through an index. (Events are read
    through services.agenda.occurrences, which has its own cache and tests.)"""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(locked.engine, "before_cursor_execute", record)
    try:
        service.gather(locked, FrozenClock(NOW))
    finally:
        event.remove(locked.engine, "before_cursor_execute", record)
    checked = 0
    with locked.engine.connect() as connection:
        for statement, parameters in seen:
            big = [t for t in ("followup", "document") if f"FROM {t}" in statement.replace("\n", " ")]
            if not big or "source_id IN" in statement:
                continue
            assert "WHERE" in statement, statement
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            details = " ".join(str(row[-1]) for row in plan)
            assert "USING INDEX" in details or "USING COVERING INDEX" in details, (statement, details)
            checked += 1
    assert checked >= 6
