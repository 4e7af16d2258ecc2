"""Tests of the weekly brief's pure part (gmassist.domain.brief): ISO weeks, the words of both languages,
the Markdown (parsed by a real Markdown parser) and the user's Jinja2 template."""

from __future__ import annotations

import gettext
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from markdown_it import MarkdownIt

from gmassist import i18n
from gmassist.domain import board as board_rules
from gmassist.domain import followups as followup_rules
from gmassist.domain import inbox as inbox_rules
from gmassist.domain.brief import (
    DEFAULT_TEMPLATE,
    LABELS,
    SECTIONS,
    AgendaDay,
    AgendaEntry,
    BoardEntry,
    BriefData,
    ConflictEntry,
    DepartmentRow,
    DocumentEntry,
    FollowUpEntry,
    Meeting,
    MilestoneEntry,
    Numbers,
    PreviousBrief,
    Resolution,
    Shown,
    cell,
    parse_week,
    render,
    sections,
    week_of,
)
from gmassist.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# --- ISO weeks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2026-W48", date(2026, 11, 23)),
        ("2026w48", date(2026, 11, 23)),
        (" 2026-W48 ", date(2026, 11, 23)),
        ("2026-W01", date(2025, 12, 29)),
        ("2026-W53", date(2026, 12, 28)),  # 2026 begins on a Thursday: it has 53 weeks
        ("2020-W1", date(2019, 12, 30)),
    ],
)
def test_parse_week_gives_monday_and_sunday(text: str, monday: date) -> None:
    assert parse_week(text) == (monday, monday + timedelta(days=6))


@pytest.mark.parametrize("text", ["2026-48", "W48", "", "2026-W", "26-W48", "2026-W480", "2026-11-23"])
def test_parse_week_refuses_what_is_not_a_week(text: str) -> None:
    with pytest.raises(InvalidInput, match="not an ISO week like 2026-W48") as caught:
        parse_week(text)
    assert caught.value.field == "week"


@pytest.mark.parametrize("text", ["2026-W00", "2026-W54", "2025-W53"])
def test_parse_week_refuses_weeks_the_year_does_not_have(text: str) -> None:
    with pytest.raises(InvalidInput, match="has no week"):
        parse_week(text)


def test_week_of_round_trips() -> None:
    assert week_of(date(2026, 11, 25)) == "2026-W48"
    assert week_of(date(2027, 1, 1)) == "2026-W53"
    for offset in range(0, 800, 3):
        day = date(2025, 1, 1) + timedelta(days=offset)
        monday, sunday = parse_week(week_of(day))
        assert monday <= day <= sunday


# --- the words -----------------------------------------------------------------------------------------------


def test_both_languages_have_the_same_words() -> None:
    assert set(LABELS["en"]) == set(LABELS["zh"])
    for lang in ("en", "zh"):
        for key in SECTIONS:
            assert LABELS[lang][key]
        for name in Numbers.names():
            assert LABELS[lang][f"n_{name}"]


def test_every_stored_code_has_a_label_in_both_languages() -> None:
    codes = {
        "status": [s.value for s in followup_rules.Status],
        "escalation": [str(int(level)) for level in followup_rules.Escalation],
        "health": [h.value for h in board_rules.Health],
        "urgency": [u.value for u in inbox_rules.Urgency],
        "state": [s.value for s in inbox_rules.State],
        "event": ["meeting", "visit", "inspection", "travel", "focus", "personal"],
        "board": ["project", "event", "crisis"],
        "weekday": [str(n) for n in range(7)],
    }
    for lang in ("en", "zh"):
        for group, values in codes.items():
            for value in values:
                assert f"{group}.{value}" in LABELS[lang], (lang, group, value)


def test_chinese_labels_are_the_apps_own_words() -> None:
    """The brief writes its words out (its language is chosen per call), but in the app's own terms."""
    catalog = gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=["zh_CN"])
    pairs = [
        *((f"status.{s.value}", label) for s, label in followup_rules.STATUS_LABELS.items()),
        *((f"escalation.{int(e)}", label) for e, label in followup_rules.ESCALATION_LABELS.items()),
        *((f"health.{h.value}", label) for h, label in board_rules.HEALTH_LABELS.items()),
        *((f"urgency.{u.value}", label) for u, label in inbox_rules.URGENCY_LABELS.items()),
    ]
    for key, english in pairs:
        assert LABELS["zh"][key] == catalog.gettext(english), key
        assert LABELS["en"][key].lower() == english.lower(), key


# --- a hand-made brief -----------------------------------------------------------------------------------------


def entry(title: str, start: datetime, minutes: int = 60, **values) -> AgendaEntry:
    return AgendaEntry(
        start=start,
        end=start + timedelta(minutes=minutes),
        all_day=False,
        title=title,
        kind=values.pop("kind", "meeting"),
        **values,
    )


def followup(title: str, **values) -> FollowUpEntry:
    values.setdefault("department", "销售部")
    values.setdefault("owner", "李娜")
    values.setdefault("due", date(2026, 11, 20))
    values.setdefault("status", "open")
    return FollowUpEntry(title=title, **values)


def sample() -> BriefData:
    monday = date(2026, 11, 23)
    next_days = [monday + timedelta(days=7 + i) for i in range(7)]
    trip = AgendaEntry(at(2, 0, month=12), at(4, 0, month=12), True, "出差上海", "travel", "上海")
    flight = AgendaEntry(at(5, 13, month=12), at(6, 0, 30, month=12), False, "Flight | LH723", "travel")
    agenda = tuple(
        AgendaDay(day, entries)
        for day, entries in zip(
            next_days,
            [
                (
                    entry("周一例会", at(30, 9), conflict=True),
                    entry("Client call", at(30, 9, 30), conflict=True),
                ),
                (),
                (trip,),
                (trip, entry("<b>Inspection</b>", at(3, 10, month=12), kind="inspection")),
                (),
                (flight,),
                (flight,),
            ],
            strict=True,
        )
    )
    overdue = (
        followup("Send proposal", escalation=2, days_overdue=5),
        followup("提交Q4预算", department="", owner="", escalation=3, days_overdue=15, confidential=True),
    )
    board = BoardEntry(
        "P1",
        "2027年会",
        "event",
        "amber",
        False,
        1,
        4,
        0,
        (MilestoneEntry(date(2026, 12, 1), "P1-1 Venue booked"), MilestoneEntry(date(2027, 1, 14), "", True)),
    )
    red = BoardEntry("P2", "新产品发布", "project", "red", True, 0, 2, 1)
    return BriefData(
        week="2026-W48",
        monday=monday,
        generated=at(25, 9, 30),
        as_of=date(2026, 11, 25),
        zone="Asia/Shanghai",
        numbers=Numbers(meetings=3, followups_overdue=2, boards_red=1, boards_active=2),
        previous=PreviousBrief("2026-W47", {"meetings": 5, "followups_overdue": 2}, at(20, 17, 30)),
        agenda=agenda,
        agenda_hidden=1,
        meetings=Shown(
            (
                Meeting(
                    at(23, 9),
                    at(23, 10),
                    False,
                    "周一例会",
                    "3号会议室",
                    resolutions=Shown(
                        (
                            Resolution("followup", "整理调查结果", "open", "李娜", date(2026, 12, 1)),
                            Resolution("document", "会议纪要", "closed", "纪要〔2026〕8号"),
                        ),
                        hidden=1,
                    ),
                ),
                Meeting(at(24, 14), at(24, 15), False, "预算评审"),
            ),
            hidden=1,
        ),
        departments=(
            DepartmentRow("销售部", 1, 0, 1, 0.0, 1, 0, 1),
            DepartmentRow("", overdue=1, escalated=1),
        ),
        completed=Shown((followup("落实整改", status="done", done_on=date(2026, 11, 24)),)),
        overdue=Shown(overdue, hidden=1, more=2),
        due_next_week=Shown(),
        documents=Shown(
            (
                DocumentEntry(
                    "关于经营情况的报告",
                    "总办〔2026〕12号",
                    "财务部",
                    "urgent",
                    at(20, 9),
                    5,
                    date(2026, 11, 30),
                    stale=True,
                ),
            ),
            hidden=2,
        ),
        boards=Shown((board, red)),
        escalated=Shown((overdue[1],)),
        red_boards=Shown((red,), hidden=1),
        conflicts=Shown((ConflictEntry(agenda[0].entries[0], agenda[0].entries[1], "overlap", 30),)),
        hidden_total=5,
    )


def parse(text: str) -> list:
    return MarkdownIt("commonmark").enable("table").parse(text)


def headings(tokens: list, level: str) -> list[str]:
    return [
        tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == level
    ]


def tables(tokens: list) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header row first)."""
    out: list[list[list[str]]] = []
    row: list[str] | None = None
    for i, token in enumerate(tokens):
        if token.type == "table_open":
            out.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            assert row is not None
            row.append(tokens[i + 1].content)
        elif token.type == "tr_close":
            out[-1].append(row)
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_has_every_section_and_well_formed_tables(lang: str) -> None:
    text = render(sample(), lang)
    tokens = parse(text)
    words = LABELS[lang]
    assert headings(tokens, "h1") == [words["title"].format(week="2026-W48")]
    assert headings(tokens, "h2") == [words[key] for key in SECTIONS]
    h3 = headings(tokens, "h3")
    for key in (
        "by_department",
        "completed",
        "overdue",
        "due_next_week",
        "escalated",
        "red_boards",
        "conflicts",
    ):
        assert words[key] in h3
    found = tables(tokens)
    assert len(found) >= 10
    for table in found:
        assert len({len(row) for row in table}) == 1, table  # a pipe in a title did not add a column
    first_header = [words["item"], words["number"]]
    assert found[0][0] == first_header and len(found[0]) == 1 + len(Numbers.names())
    assert "<b>" not in text  # no HTML reaches the brief


def test_english_words_and_formats() -> None:
    text = render(sample(), "en")
    assert "5 confidential items not shown." in text
    assert "1 confidential item not shown." in text
    assert "2 more not shown. 1 confidential item not shown." in text
    assert "### Mon 2026-11-30" in text
    assert "| all day | 出差上海 | travel | 上海 |" in text
    assert "| 13:00–… | Flight \\| LH723 | travel |  |" in text
    assert "| …–00:30 | Flight \\| LH723 | travel |  |" in text
    assert "| 09:00–10:00 | ⚠ 周一例会 |" in text
    assert "| (no department) | 🔒 提交Q4预算 |  | 2026-11-20 | 15 | 3 escalated | open |" in text
    assert "Follow-up: 整理调查结果 (李娜; due 2026-12-01; open)" in text
    assert "Document: 会议纪要 (纪要〔2026〕8号; closed)" in text
    assert "| Meetings this week | 5 | 3 | -2 |" in text
    assert "| Follow-ups overdue | 2 | 2 | 0 |" in text
    assert "| Active projects | — | 2 | — |" in text
    assert "2026-12-01 P1-1 Venue booked; 2027-01-14 event day" in text
    assert "| 新产品发布 (P2) | project | red (set by hand) | 0% (0/2) | 1 | — |" in text
    assert (
        "| 2026-11-20 | 关于经营情况的报告 | 总办〔2026〕12号 | 财务部 | urgent | 5 d (too long) | 2026-11-30 |"
        in text
    )
    assert "| 销售部 | 1 | 0 | 1 | 0% | 1 | 0 | 1 |" in text
    assert "overlap 30 min" in text


def test_chinese_words_and_formats() -> None:
    text = render(sample(), "zh")
    assert "另有 5 项机密事项未列出。" in text
    assert "另有 2 项未列出。 另有 1 项机密事项未列出。" in text
    assert "### 2026-11-30 周一" in text
    assert "督办：整理调查结果（李娜；2026-12-01 截止；待办）" in text
    assert "| 新产品发布（P2） | 项目 | 红灯（手动设定） | 0%（0/2） | 1 | — |" in text
    assert "| （未指定部门） | 🔒 提交Q4预算 |  | 2026-11-20 | 15 | 3 已升级 | 待办 |" in text
    assert "5天（过久）" in text
    assert "重叠 30 分钟" in text


def test_empty_brief_says_none_rather_than_drawing_empty_tables() -> None:
    empty = BriefData(
        week="2026-W48",
        monday=date(2026, 11, 23),
        generated=at(25, 9),
        as_of=date(2026, 11, 25),
        zone="UTC",
        agenda=tuple(AgendaDay(date(2026, 11, 30) + timedelta(days=i)) for i in range(7)),
    )
    text = render(empty, "en")
    assert "No earlier brief was recorded" in text
    assert text.count("No events.") == 7
    assert "confidential" not in text
    tokens = parse(text)
    assert len(tables(tokens)) == 1  # only the headline numbers


def test_rendering_is_deterministic_and_tidy() -> None:
    first = render(sample(), "zh")
    assert first == render(sample(), "zh")
    assert first.endswith("\n") and not first.endswith("\n\n")
    assert "\n\n\n" not in first
    assert all(line == line.rstrip() for line in first.splitlines())


def test_cell_keeps_a_table_cell_on_one_line() -> None:
    assert cell("a | b\nc") == "a \\| b c"
    assert cell("<script>") == "&lt;script>"
    assert cell("back\\slash") == "back\\\\slash"


# --- templates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_default_template_gives_the_same_bytes_as_no_template(lang: str) -> None:
    assert render(sample(), lang, DEFAULT_TEMPLATE) == render(sample(), lang)


def test_template_reorders_renames_and_drops_sections() -> None:
    template = (
        "{{ header }}\n\n"
        "## Top risks\n\n{{ sections.risks.body }}\n\n"
        "{{ sections.headline }}\n\n"
        "{% for key in ['documents', 'projects'] %}{{ sections[key] }}\n\n{% endfor %}"
        "Escalated: {{ data.numbers.followups_escalated }} · {{ L.title | replace('{week}', data.week) }}\n"
    )
    text = render(sample(), "en", template)
    tokens = parse(text)
    assert headings(tokens, "h2") == ["Top risks", "Headline numbers", LABELS["en"]["documents"], "Projects"]
    assert "Next week's agenda" not in text and "Follow-ups" not in headings(tokens, "h2")
    assert "Escalated: 0 · Weekly brief 2026-W48" in text
    assert text.endswith("\n") and "\n\n\n" not in text


def test_sections_can_be_read_one_by_one() -> None:
    parts = sections(sample(), "zh")
    assert list(parts) == list(SECTIONS)
    assert str(parts["documents"]).startswith("## 待总经理批示的文件\n\n| 呈批时间 |")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ sections.nope }}", "brief template: "),
        ("{% for x in %}", "brief template, line 1: "),
        ("ok\n{{ header", "brief template, line 2: "),
        ("{{ data.__class__.__mro__ }}", "brief template: "),
    ],
)
def test_a_broken_template_is_one_clear_error(template: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        render(sample(), "en", template)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert caught.value.field == "template"
