"""Tests of the quick-add parser: a table of Chinese and English lines, errors, decisions and properties.

Every expectation is at a frozen `now`: Wednesday 2026-11-25 10:00 in Asia/Shanghai.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil import tz as dateutil_tz
from hypothesis import given, settings
from hypothesis import strategies as st

from gmassist.domain.quickadd import (
    ROLES,
    WARNING_TEXT,
    QuickAdd,
    QuickAddError,
    Span,
    describe_rrule,
    explain,
    parse,
    parse_day,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
"""Wednesday 25 November 2026, 10:00."""


def at(text: str) -> datetime:
    """'2026-11-27 15:00' (or a bare date, meaning midnight) in Shanghai."""
    if " " not in text:
        text += " 00:00"
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)


def day(text: str) -> date:
    """'2026-11-27' as a date."""
    return date.fromisoformat(text)


@dataclass(frozen=True)
class Case:
    """One line of the table and every field the parse must have."""

    text: str
    kind: str
    title: str
    start: datetime | None = None
    end: datetime | None = None
    all_day: bool = False
    location: str | None = None
    owner: str | None = None
    due: date | None = None
    rrule: str | None = None
    event_kind: str | None = None
    board: str | None = None


def event(
    text: str,
    title: str,
    start: str,
    end: str | None = None,
    *,
    all_day: bool = False,
    location: str | None = None,
    rrule: str | None = None,
    event_kind: str = "meeting",
) -> Case:
    """An event; `end` defaults to one hour after a timed start, or the midnight after an all-day one."""
    start_dt = at(start)
    end_dt = at(end) if end is not None else start_dt + (timedelta(days=1) if all_day else timedelta(hours=1))
    return Case(text, "event", title, start_dt, end_dt, all_day, location, None, None, rrule, event_kind)


def followup(
    text: str, title: str, due: str | None = None, *, owner: str | None = None, rrule: str | None = None
) -> Case:
    """A follow-up (督办事项)."""
    return Case(text, "followup", title, due=day(due) if due else None, owner=owner, rrule=rrule)


def card(text: str, title: str, board: str, due: str | None = None, *, owner: str | None = None) -> Case:
    """A card on a project board."""
    return Case(text, "card", title, due=day(due) if due else None, owner=owner, board=board)


CHINESE: list[Case] = [
    event(
        "周五下午3点 与财务总监讨论并购方案 @3号会议室 1h",
        "与财务总监讨论并购方案",
        "2026-11-27 15:00",
        location="3号会议室",
    ),
    event("明天上午9:30 董事会准备 45分钟", "董事会准备", "2026-11-26 09:30", "2026-11-26 10:15"),
    event("每月1号 10点 经营分析会", "经营分析会", "2026-12-01 10:00", rrule="FREQ=MONTHLY;BYMONTHDAY=1"),
    event("下周二到周四 出差深圳", "出差深圳", "2026-12-01", "2026-12-04", all_day=True, event_kind="travel"),
    followup("@销售经理 周五前 提交Q4预算", "提交Q4预算", "2026-11-27", owner="销售经理"),
    followup("@张三 12月5日前 回复合同意见", "回复合同意见", "2026-12-05", owner="张三"),
    card("#年会 订场地 12月10日前", "订场地", "年会", "2026-12-10"),
    event("今天下午4点 开会", "开会", "2026-11-25 16:00"),
    event("后天 上午10点 面试", "面试", "2026-11-27 10:00"),
    event("大后天 9点 出发拜访客户", "出发拜访客户", "2026-11-28 09:00", event_kind="visit"),
    event("星期三下午3点 评审", "评审", "2026-11-25 15:00"),
    event("礼拜一 上午10点 周会", "周会", "2026-11-30 10:00"),
    event("本周五 下午 总结会", "总结会", "2026-11-27 14:00"),
    event("这周四 晚上7点 聚餐", "聚餐", "2026-11-26 19:00"),
    event("下周三 10点 董事会", "董事会", "2026-12-02 10:00"),
    event("下下周一 上午9点 季度会", "季度会", "2026-12-07 09:00"),
    event("下个月3号 经营会", "经营会", "2026-12-03", all_day=True),
    event("12月5日 客户来访", "客户来访", "2026-12-05", all_day=True, event_kind="visit"),
    event("12月5号 下午2点 签约", "签约", "2026-12-05 14:00"),
    event("2026年12月5日 年会", "年会", "2026-12-05", all_day=True),
    event("2026-12-08 巡视工厂", "巡视工厂", "2026-12-08", all_day=True, event_kind="inspection"),
    event("12/5 体检", "体检", "2026-12-05", all_day=True),
    event("明天3点半 开会", "开会", "2026-11-26 15:30"),
    event("明天3点15分 电话会", "电话会", "2026-11-26 15:15"),
    event("明天三点 开会", "开会", "2026-11-26 15:00"),
    event("明天十点半 开会", "开会", "2026-11-26 10:30"),
    event("明天两点 开会", "开会", "2026-11-26 14:00"),
    event("明天中午 饭局", "饭局", "2026-11-26 12:00"),
    event("明天晚上8点 宴请", "宴请", "2026-11-26 20:00"),
    event("凌晨2点 系统上线", "系统上线", "2026-11-26 02:00"),
    event("明天10点 开会 两个小时", "开会", "2026-11-26 10:00", "2026-11-26 12:00"),
    event("明天10点 开会 1.5小时", "开会", "2026-11-26 10:00", "2026-11-26 11:30"),
    event("明天10点 开会 90分钟", "开会", "2026-11-26 10:00", "2026-11-26 11:30"),
    event("明天下午2点 会谈 半小时", "会谈", "2026-11-26 14:00", "2026-11-26 14:30"),
    event("每天9点 站会", "站会", "2026-11-26 09:00", rrule="FREQ=DAILY"),
    event("每周一 9点 周会", "周会", "2026-11-30 09:00", rrule="FREQ=WEEKLY;BYDAY=MO"),
    event("每个工作日 9点 晨会", "晨会", "2026-11-26 09:00", rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"),
    event(
        "每两周 周五 下午3点 双周会", "双周会", "2026-11-27 15:00", rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    ),
    event("每月最后一个周五 下午4点 总结会", "总结会", "2026-11-27 16:00", rrule="FREQ=MONTHLY;BYDAY=-1FR"),
    event(
        "每年12月5日 公司周年庆典",
        "公司周年庆典",
        "2026-12-05",
        all_day=True,
        rrule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=5",
    ),
    event("明天下午2点到4点 预算评审", "预算评审", "2026-11-26 14:00", "2026-11-26 16:00"),
    event("14:00-15:30 预算评审", "预算评审", "2026-11-25 14:00", "2026-11-25 15:30"),
    event("下周一至周三 培训", "培训", "2026-11-30", "2026-12-03", all_day=True),
    event("12月1日-3日 出差北京", "出差北京", "2026-12-01", "2026-12-04", all_day=True, event_kind="travel"),
    event("上午10点到下午2点 路演", "路演", "2026-11-26 10:00", "2026-11-26 14:00"),
    event("下午2-4点 会谈", "会谈", "2026-11-25 14:00", "2026-11-25 16:00"),
    event("周五 前台接待", "前台接待", "2026-11-27", all_day=True),
    event("3天后 回访客户", "回访客户", "2026-11-28", all_day=True, event_kind="visit"),
    followup("明天 交报告", "交报告", "2026-11-26"),
    followup("截止周五 提交报告", "提交报告", "2026-11-27"),
    event("11月1日 复盘会", "复盘会", "2027-11-01", all_day=True),
    followup("《2026年度报告》 周五前 审核", "《2026年度报告》 审核", "2026-11-27"),
    event("12月5日（周六） 年会", "年会", "2026-12-05", all_day=True),
    followup("@王总 明天 签字", "签字", "2026-11-26", owner="王总"),
    event("周三 9点 开会", "开会", "2026-12-02 09:00"),
    event("周三 开会", "开会", "2026-11-25", all_day=True),
    event("今晚8点 电话会", "电话会", "2026-11-25 20:00"),
    event("明早7点 航班", "航班", "2026-11-26 07:00", event_kind="travel"),
    event("“12月5日”的方案 明天下午3点 讨论", "“12月5日”的方案 讨论", "2026-11-26 15:00"),
    followup("明天 准备周五董事会材料", "准备周五董事会材料", "2026-11-26"),
    followup("买咖啡", "买咖啡"),
    followup("每周五 @张三 提交周报", "提交周报", "2026-11-27", owner="张三", rrule="FREQ=WEEKLY;BYDAY=FR"),
    event("明天3点一刻 开会", "开会", "2026-11-26 15:15"),
    event("周1 例会", "例会", "2026-11-30", all_day=True),
    event("十二月五日 年会", "年会", "2026-12-05", all_day=True),
    followup("一个月后 复查", "复查", "2026-12-25"),
    event("5号 对账会", "对账会", "2026-12-05", all_day=True),
    event("明天３：３０ 开会", "开会", "2026-11-26 15:30"),
    event("明天9点 开会 1小时30分钟", "开会", "2026-11-26 09:00", "2026-11-26 10:30"),
    event("每周二、四 下午 羽毛球", "羽毛球", "2026-11-26 14:00", rrule="FREQ=WEEKLY;BYDAY=TU,TH"),
    event("每周一三五 8点 健身", "健身", "2026-11-27 08:00", rrule="FREQ=WEEKLY;BYDAY=MO,WE,FR"),
    event("隔周 周一 例会", "例会", "2026-11-30", all_day=True, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
    event("每月底 结账", "结账", "2026-11-30", all_day=True, rrule="FREQ=MONTHLY;BYMONTHDAY=-1"),
    event("每月第一个周一 上午10点 例会", "例会", "2026-12-07 10:00", rrule="FREQ=MONTHLY;BYDAY=1MO"),
    followup("周五到期 合同续签", "合同续签", "2026-11-27"),
    followup("最晚周五 提交报告", "提交报告", "2026-11-27"),
    event("从12月1日起 每周一 10点 例会", "例会", "2026-12-07 10:00", rrule="FREQ=WEEKLY;BYDAY=MO"),
    event("周一9点到周三17点 培训", "培训", "2026-11-30 09:00", "2026-12-02 17:00"),
    event("明天 9点～11点 培训", "培训", "2026-11-26 09:00", "2026-11-26 11:00"),
    event("晚上12点 上线", "上线", "2026-11-26 00:00"),
    event("12月30日到1月2日 休假", "休假", "2026-12-30", "2027-01-03", all_day=True),
]

ENGLISH: list[Case] = [
    event("tomorrow 9:30 board prep 45m", "board prep", "2026-11-26 09:30", "2026-11-26 10:15"),
    event(
        "every monday 9am weekly staff meeting",
        "weekly staff meeting",
        "2026-11-30 09:00",
        rrule="FREQ=WEEKLY;BYDAY=MO",
    ),
    followup("@Li by friday send Q4 budget", "send Q4 budget", "2026-11-27", owner="Li"),
    event("today 4pm sync", "sync", "2026-11-25 16:00"),
    event("tomorrow 3pm call with Li", "call with Li", "2026-11-26 15:00"),
    event("friday 2pm budget review", "budget review", "2026-11-27 14:00"),
    event("this friday lunch with CFO", "lunch with CFO", "2026-11-27", all_day=True),
    event("next monday 10am board meeting", "board meeting", "2026-11-30 10:00"),
    event("next friday dinner with partners", "dinner with partners", "2026-12-04", all_day=True),
    event("Dec 5 client visit", "client visit", "2026-12-05", all_day=True, event_kind="visit"),
    event("5 Dec plant inspection", "plant inspection", "2026-12-05", all_day=True, event_kind="inspection"),
    event("December 5th 2026 gala dinner", "gala dinner", "2026-12-05", all_day=True),
    event("2026-12-05 offsite", "offsite", "2026-12-05", all_day=True),
    event("12/5 dentist appointment", "dentist appointment", "2026-12-05", all_day=True),
    event("tomorrow 9.30am interview", "interview", "2026-11-26 09:30"),
    event("tomorrow noon lunch", "lunch", "2026-11-26 12:00"),
    event("tomorrow 15:00 sync", "sync", "2026-11-26 15:00"),
    event("tomorrow 9am prep 1h30m", "prep", "2026-11-26 09:00", "2026-11-26 10:30"),
    event("tomorrow 9am prep 90 min", "prep", "2026-11-26 09:00", "2026-11-26 10:30"),
    event("tomorrow 9am prep for 2 hours", "prep", "2026-11-26 09:00", "2026-11-26 11:00"),
    event("tomorrow 9am prep 1.5h", "prep", "2026-11-26 09:00", "2026-11-26 10:30"),
    event("tomorrow 9-11am workshop", "workshop", "2026-11-26 09:00", "2026-11-26 11:00"),
    event("tomorrow from 2pm to 4pm budget review", "budget review", "2026-11-26 14:00", "2026-11-26 16:00"),
    event("mon to wed training", "training", "2026-11-30", "2026-12-03", all_day=True),
    event(
        "dec 1-3 trip to Beijing",
        "trip to Beijing",
        "2026-12-01",
        "2026-12-04",
        all_day=True,
        event_kind="travel",
    ),
    event("every day 9am standup", "standup", "2026-11-26 09:00", rrule="FREQ=DAILY"),
    event(
        "every weekday 9am standup", "standup", "2026-11-26 09:00", rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    ),
    event(
        "every 2 weeks on friday 3pm 1:1", "1:1", "2026-11-27 15:00", rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    ),
    event(
        "every other monday 10am sync", "sync", "2026-11-30 10:00", rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    ),
    event(
        "every month on the 1st 10am ops review",
        "ops review",
        "2026-12-01 10:00",
        rrule="FREQ=MONTHLY;BYMONTHDAY=1",
    ),
    event(
        "every month on the last friday 4pm town hall",
        "town hall",
        "2026-11-27 16:00",
        rrule="FREQ=MONTHLY;BYDAY=-1FR",
    ),
    event(
        "every year on dec 5 company anniversary",
        "company anniversary",
        "2026-12-05",
        all_day=True,
        rrule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=5",
    ),
    followup("by friday send Q4 budget", "send Q4 budget", "2026-11-27"),
    followup("due dec 5 submit report", "submit report", "2026-12-05"),
    card("#launch draft press release by dec 10", "draft press release", "launch", "2026-12-10"),
    card("#Q4 @Li budget draft due friday", "budget draft", "Q4", "2026-11-27", owner="Li"),
    event("tomorrow at 3 call with bank", "call with bank", "2026-11-26 15:00"),
    event("tonight 8pm dinner with client", "dinner with client", "2026-11-25 20:00"),
    event("call Li at 3pm tomorrow", "call Li", "2026-11-26 15:00"),
    event("meeting on friday at 10am", "meeting", "2026-11-27 10:00"),
    event("11pm-1am release", "release", "2026-11-25 23:00", "2026-11-26 01:00"),
    event("tomorrow 11-1pm offsite lunch", "offsite lunch", "2026-11-26 11:00", "2026-11-26 13:00"),
    event("tomorrow 3pm sync @HQ", "sync", "2026-11-26 15:00", location="HQ"),
    event(
        "every monday 9am until dec 31 standup",
        "standup",
        "2026-11-30 09:00",
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261231T155959Z",
    ),
    event("in 2 hours call back", "call back", "2026-11-25 12:00"),
    event("the day after tomorrow 10am visit plant", "visit plant", "2026-11-27 10:00", event_kind="visit"),
    event(
        "next tuesday inspection of plant",
        "inspection of plant",
        "2026-12-01",
        all_day=True,
        event_kind="inspection",
    ),
    event("sat flight to Shanghai", "flight to Shanghai", "2026-11-28", all_day=True, event_kind="travel"),
    event(
        "tomorrow morning flight to Shanghai", "flight to Shanghai", "2026-11-26 09:00", event_kind="travel"
    ),
    followup("weekly report due friday", "weekly report", "2026-11-27"),
    followup("in 3 days follow up with bank", "follow up with bank", "2026-11-28"),
    followup("@Li send budget", "send budget", owner="Li"),
    followup("due on friday send report", "send report", "2026-11-27"),
    followup("no later than dec 5 send report", "send report", "2026-12-05"),
    event("this morning standup", "standup", "2026-11-25 09:00"),
    event("every monday morning standup", "standup", "2026-11-30 09:00", rrule="FREQ=WEEKLY;BYDAY=MO"),
    event("coming friday dinner", "dinner", "2026-11-27", all_day=True),
    event("12/5/2026 review meeting", "review meeting", "2026-12-05", all_day=True),
    event("tomorrow 3 o'clock call", "call", "2026-11-26 15:00"),
    event("in 30 min call", "call", "2026-11-25 10:30"),
    event("tomorrow 9am prep half an hour", "prep", "2026-11-26 09:00", "2026-11-26 09:30"),
    event(
        "every month on the last day close books",
        "close books",
        "2026-11-30",
        all_day=True,
        rrule="FREQ=MONTHLY;BYMONTHDAY=-1",
    ),
    event(
        "the 1st of every month rent", "rent", "2026-12-01", all_day=True, rrule="FREQ=MONTHLY;BYMONTHDAY=1"
    ),
    event(
        "every quarter review meeting",
        "review meeting",
        "2026-11-25",
        all_day=True,
        rrule="FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=25",
    ),
    event("on the 5th review", "review", "2026-12-05", all_day=True),
    event("Dec 5 at 3pm review", "review", "2026-12-05 15:00"),
    event("tomorrow 2-3pm sync", "sync", "2026-11-26 14:00", "2026-11-26 15:00"),
    event("every 2 weeks sync", "sync", "2026-11-25", all_day=True, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"),
]


COMPARED = (
    "kind",
    "title",
    "start",
    "end",
    "all_day",
    "location",
    "owner",
    "due",
    "rrule",
    "event_kind",
    "board",
)
"""The fields every table row pins down."""


def fields(obj: QuickAdd | Case) -> dict[str, object]:
    return {name: getattr(obj, name) for name in COMPARED}


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_table_is_big_and_bilingual() -> None:
    assert len(CHINESE) + len(ENGLISH) >= 70
    assert all(_is_chinese(c.text) for c in CHINESE)
    assert not any(_is_chinese(c.text) for c in ENGLISH)
    assert min(len(CHINESE), len(ENGLISH)) >= 35
    assert len({c.text for c in CHINESE + ENGLISH}) == len(CHINESE) + len(ENGLISH)


@pytest.mark.parametrize("case", CHINESE + ENGLISH, ids=lambda c: c.text)
def test_table(case: Case) -> None:
    q = parse(case.text, NOW)
    assert fields(q) == fields(case)
    if q.start is not None:
        assert q.start.tzinfo is SHANGHAI and q.end is not None and q.end.tzinfo is SHANGHAI


# --- errors -----------------------------------------------------------------------------------------------

ERRORS = [
    ("明天 25点 开会", "bad_time", (3, 6)),
    ("tomorrow 9:70 sync", "bad_time", (9, 13)),
    ("tomorrow 13pm lunch", "bad_time", (9, 13)),
    ("24:30 会", "bad_time", (0, 5)),
    ("2月30日 开会", "bad_date", (0, 5)),
    ("13/45 lunch", "bad_date", (0, 5)),
    ("2026年2月29日 会", "bad_date", (0, 10)),
    ("下周八 开会", "bad_date", (0, 3)),
    ("星期九 开会", "bad_date", (0, 3)),
    ("每月32号 会", "bad_date", (0, 5)),
    ("12/5/1800 会", "bad_date", (0, 9)),
    ("", "empty_title", (0, 0)),
    ("   ", "empty_title", (0, 3)),
    ("明天下午3点", "empty_title", (0, 6)),
    ("every monday 9am", "empty_title", (0, 16)),
    ("@张三", "empty_title", (0, 3)),
    ("明天下午4点到3点 会", "end_before_start", (2, 9)),
    ("12月3日到12月1日 出差", "end_before_start", (0, 11)),
    ("tomorrow 4pm-3pm review", "end_before_start", (9, 16)),
    ("@张三 @李四 周五前 交", "ambiguous", (4, 7)),
    ("#a #b 任务", "ambiguous", (3, 5)),
    ("明天 下午2点到4点 评审 1h", "ambiguous", (14, 16)),
    ("明天到下午3点 会", "ambiguous", (0, 7)),
    ("#年会 12月1日到3日 布展", "ambiguous", (4, 12)),
    ("明天 0分钟 会", "bad_duration", (3, 6)),
    ("every 0 days standup", "bad_recurrence", (0, 12)),
]


@pytest.mark.parametrize(("text", "code", "span"), ERRORS, ids=[e[0] or "<empty>" for e in ERRORS])
def test_errors(text: str, code: str, span: tuple[int, int]) -> None:
    with pytest.raises(QuickAddError) as caught:
        parse(text, NOW)
    assert (caught.value.code, caught.value.span) == (code, span)
    assert caught.value.message and str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse("明天 开会", datetime(2026, 11, 25, 10, 0))


# --- decisions on ambiguous input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("周三 下午3点 开会", "2026-11-25 15:00"),  # today, time still ahead
        ("周三 9点 开会", "2026-12-02 09:00"),  # today's 9:00 has passed: next Wednesday
        ("wednesday 9am sync", "2026-12-02 09:00"),
        ("wednesday 11am sync", "2026-11-25 11:00"),
        ("周三 开会", "2026-11-25 00:00"),  # a date only: today counts
        ("周二 开会", "2026-12-01 00:00"),  # yesterday's weekday: next week
    ],
)
def test_weekday_alone_is_next_on_or_after_today(text: str, start: str) -> None:
    assert parse(text, NOW).start == at(start)


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("11点 会议", "2026-11-25 11:00"),  # still ahead today
        ("9点 会议", "2026-11-26 09:00"),  # passed: tomorrow
        ("10点 会议", "2026-11-26 10:00"),  # exactly now is not ahead
        ("noon lunch", "2026-11-25 12:00"),
    ],
)
def test_time_without_date_is_today_if_ahead_else_tomorrow(text: str, start: str) -> None:
    q = parse(text, NOW)
    assert q.start == at(start) and "past" not in q.warnings


@pytest.mark.parametrize(
    ("text", "warning", "present"),
    [
        ("2025年12月5日 复盘会", "past", True),
        ("today 9am standup", "past", True),
        ("这周一 复盘会", "past", True),
        ("11月1日 复盘会", "past", False),  # rolled into next year instead
        ("明天3点 开会", "assumed_pm", True),
        ("明天15:00 开会", "assumed_pm", False),
        ("本周五 下午 总结会", "assumed_time", True),
        ("明天 准备周五董事会材料", "ignored_date", True),
        ("12月5日 周五 年会", "weekday_mismatch", True),
        ("12月5日 周六 年会", "weekday_mismatch", False),
        ("@张三 周五下午5点前 交材料", "time_ignored", True),
        ("明天 开会 半小时", "duration_ignored", True),
    ],
)
def test_warnings(text: str, warning: str, present: bool) -> None:
    assert (warning in parse(text, NOW).warnings) is present
    assert warning in WARNING_TEXT


def test_explicit_past_date_is_kept() -> None:
    q = parse("2025年12月5日 复盘会", NOW)
    assert q.start == at("2025-12-05") and q.all_day


def test_hour_written_24_hour_style_is_not_guessed() -> None:
    q = parse("明天03:00 数据迁移", NOW)
    assert q.start == at("2026-11-26 03:00") and q.warnings == ()


def test_default_duration() -> None:
    q = parse("明天下午3点 会", NOW, default_duration=timedelta(minutes=30))
    assert q.end == at("2026-11-26 15:30") and q.duration == timedelta(minutes=30)


def test_duration_of_an_event_is_end_minus_start() -> None:
    assert parse("下周二到周四 出差深圳", NOW).duration == timedelta(days=3)
    assert parse("明天下午2点到4点 预算评审", NOW).duration == timedelta(hours=2)


def test_followup_keeps_the_effort_typed() -> None:
    q = parse("@张三 周五前 写方案 2h", NOW)
    assert q.kind == "followup" and q.duration == timedelta(hours=2) and q.start is None


@pytest.mark.parametrize(
    ("text", "monday_start", "sunday_start"),
    [
        ("下周日 团建", "2026-12-06", "2026-11-29"),
        ("本周日 团建", "2026-11-29", "2026-11-22"),
        ("next sunday brunch", "2026-12-06", "2026-11-29"),
        ("下周一 例会", "2026-11-30", "2026-11-30"),
    ],
)
def test_week_start(text: str, monday_start: str, sunday_start: str) -> None:
    assert parse(text, NOW).start == at(monday_start)
    assert parse(text, NOW, week_starts_monday=False).start == at(sunday_start)


def test_month_day_range_wraps_the_year() -> None:
    q = parse("12月30日到1月2日 休假", NOW)
    assert (q.start, q.end) == (at("2026-12-30"), at("2027-01-03"))


def test_spans_show_what_produced_what() -> None:
    text = "周五下午3点 与财务总监讨论并购方案 @3号会议室 1h"
    q = parse(text, NOW)
    assert [(text[s.start : s.end], s.role) for s in q.spans] == [
        ("周五", "date"),
        ("下午3点", "time"),
        ("与财务总监讨论并购方案", "title"),
        ("@3号会议室", "location"),
        ("1h", "duration"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "@销售经理 周五前 提交Q4预算",
            [("@销售经理", "owner"), ("周五前", "deadline"), ("提交Q4预算", "title")],
        ),
        ("明天 预算评审 下午2点到4点", [("明天", "date"), ("预算评审", "title"), ("下午2点到4点", "range")]),
        ("#年会 订场地 12月10日前", [("#年会", "board"), ("订场地", "title"), ("12月10日前", "deadline")]),
        (
            "every monday 9am until dec 31 standup for 30 min",
            [
                ("every monday", "recurrence"),
                ("9am", "time"),
                ("until dec 31", "recurrence"),
                ("standup", "title"),
                ("for 30 min", "duration"),
            ],
        ),
        (
            "tomorrow from 2pm to 4pm review",
            [("tomorrow", "date"), ("from 2pm to 4pm", "range"), ("review", "title")],
        ),
    ],
)
def test_spans(text: str, expected: list[tuple[str, str]]) -> None:
    q = parse(text, NOW)
    assert [(text[s.start : s.end], s.role) for s in q.spans] == expected


def test_full_width_digits_and_punctuation_keep_offsets() -> None:
    text = "明天下午３点，开会 ＠二号会议室"
    q = parse(text, NOW)
    assert (q.start, q.title, q.location) == (at("2026-11-26 15:00"), "开会", "二号会议室")
    assert [text[s.start : s.end] for s in q.spans if s.role in ("time", "location")] == [
        "下午３点",
        "＠二号会议室",
    ]


def test_separators_left_at_a_cut_are_dropped() -> None:
    assert parse("明天，开会－讨论", NOW).title == "开会－讨论"
    assert parse("讨论方案（周五）", NOW).title == "讨论方案"
    assert parse("review: tomorrow, 3pm - budget", NOW).title == "review budget"


def test_unsupported_words_stay_in_the_title() -> None:
    q = parse("下周 出差", NOW)  # a week without a day is not a date
    assert (q.kind, q.title, q.due) == ("followup", "下周 出差", None)


def test_quoted_text_is_never_parsed() -> None:
    q = parse('讨论 "Dec 5 plan" 《12月报告》 tomorrow 3pm', NOW)
    assert q.title == '讨论 "Dec 5 plan" 《12月报告》'
    assert q.start == at("2026-11-26 15:00") and q.warnings == ()


def test_chinese_numerals_that_are_not_times() -> None:
    assert parse("提三点建议 明天", NOW).title == "提三点建议"
    assert parse("快一点 明天 开会", NOW).start == at("2026-11-26")


def test_results_follow_the_zone_of_now() -> None:
    new_york = dateutil_tz.gettz("America/New_York")
    now = datetime(2026, 11, 25, 10, 0, tzinfo=new_york)
    q = parse("tomorrow 3pm sync", now)
    assert q.start is not None and q.start.tzinfo is new_york and q.start.hour == 15
    fixed = timezone(timedelta(hours=2))
    q = parse("tomorrow 3pm sync", datetime(2026, 11, 25, 10, 0, tzinfo=fixed))
    assert q.start == datetime(2026, 11, 26, 15, 0, tzinfo=fixed)


def test_durations_are_elapsed_time_across_daylight_saving() -> None:
    new_york = ZoneInfo("America/New_York")
    q = parse("tomorrow 1am release 2h", datetime(2026, 3, 7, 12, 0, tzinfo=new_york))
    assert q.start == datetime(2026, 3, 8, 1, 0, tzinfo=new_york)
    assert q.end == datetime(2026, 3, 8, 4, 0, tzinfo=new_york)  # 01:00 EST + 2 h = 04:00 EDT
    assert q.duration == timedelta(hours=2)


def test_the_clock_is_never_read() -> None:
    long_ago = datetime(2001, 1, 3, 8, 0, tzinfo=SHANGHAI)  # a Wednesday
    q = parse("明天上午9:30 董事会准备", long_ago)
    assert q.start == datetime(2001, 1, 4, 9, 30, tzinfo=SHANGHAI) and q.warnings == ()


# --- explain ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang", "line"),
    [
        (
            "周五下午3点 与财务总监讨论并购方案 @3号会议室 1h",
            "en",
            "Event · Fri 27 Nov 15:00–16:00 · @3号会议室 · 与财务总监讨论并购方案",
        ),
        (
            "周五下午3点 与财务总监讨论并购方案 @3号会议室 1h",
            "zh",
            "日程 · 11月27日 周五 15:00–16:00 · @3号会议室 · 与财务总监讨论并购方案",
        ),
        ("@销售经理 周五前 提交Q4预算", "en", "Follow-up · owner @销售经理 · due Fri 27 Nov · 提交Q4预算"),
        (
            "@销售经理 周五前 提交Q4预算",
            "zh",
            "督办事项 · 责任人 @销售经理 · 截止 11月27日 周五 · 提交Q4预算",
        ),
        ("下周二到周四 出差深圳", "en", "Event (trip) · Tue 1 Dec – Thu 3 Dec · all day · 出差深圳"),
        ("下周二到周四 出差深圳", "zh", "日程（出差） · 12月1日 周二 – 12月3日 周四 全天 · 出差深圳"),
        ("#年会 订场地 12月10日前", "en", "Card · #年会 · due Thu 10 Dec · 订场地"),
        (
            "every monday 9am weekly staff meeting",
            "en",
            "Event · Mon 30 Nov 09:00–10:00 · every Monday · weekly staff meeting",
        ),
        (
            "每月最后一个周五 下午4点 总结会",
            "zh",
            "日程 · 11月27日 周五 16:00–17:00 · 每月最后一个周五 · 总结会",
        ),
        ("11pm-1am release", "en", "Event · Wed 25 Nov 23:00 – Thu 26 Nov 01:00 · release"),
        ("today 9am standup", "en", "Event · Wed 25 Nov 09:00–10:00 · standup · ⚠ date is in the past"),
    ],
)
def test_explain(text: str, lang: str, line: str) -> None:
    assert explain(parse(text, NOW), lang) == line


def test_explain_shows_another_year_when_told_now() -> None:
    q = parse("11月1日 复盘会", NOW)
    assert explain(q, now=NOW) == "Event · Mon 1 Nov 2027 · all day · 复盘会"
    assert explain(q, "zh", now=NOW) == "日程 · 2027年11月1日 周一 全天 · 复盘会"


@pytest.mark.parametrize(
    ("rule", "en", "zh"),
    [
        ("FREQ=DAILY", "every day", "每天"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday", "每个工作日"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every 2 weeks on Friday", "每两周的周五"),
        ("FREQ=WEEKLY;BYDAY=MO,WE", "every Monday, Wednesday", "每周一、三"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", "every month on the 1st", "每月1号"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "every month on the last Friday", "每月最后一个周五"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=25", "every quarter on the 25th", "每季度25号"),
        ("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=5", "every year on 5 Dec", "每年12月5日"),
        ("FREQ=HOURLY", "FREQ=HOURLY", "FREQ=HOURLY"),
    ],
)
def test_describe_rrule(rule: str, en: str, zh: str) -> None:
    assert (describe_rrule(rule), describe_rrule(rule, "zh")) == (en, zh)


# --- properties -----------------------------------------------------------------------------------------------

FRAGMENTS = [
    "明天", "后天", "下午", "上午", "晚上", "3点", "三点半", "10:30", "到", "至", "-", "4点", "周五", "下周二",
    "下下周", "本周", "星期", "礼拜", "周八", "前", "之前", "截止", "@", "#", "@3号会议室", "#年会", "12月5日",
    "2月30日", "每周一", "每月1号", "每个工作日", "每两周", "每月最后一个周五", "每年", "1h", "45分钟", "半小时",
    "两个小时", "2026-12-05", "12/5", "13/45", "开会", "出差", "拜访", "检查", "的", "起", "从", "“", "”",
    "\"", "《", "》", "（", "）", "，", "３", "：", " ", "  ", "\t", "every", "monday", "weekday", "other",
    "2 weeks", "on the 1st", "last friday", "of the month", "9am", "9.30am", "3pm", "noon", "tonight",
    "tomorrow", "today", "next", "this", "fri", "dec", "5", "5th", "by", "due", "before", "until", "from",
    "to", "at", "on", "for", "2 hours", "90 min", "1h30m", "in 2 hours", "in 3 days", "meeting", "visit",
    "trip", "inspection", "9-11am", "25点", "9:70", "24:00", "0", "00", "99", "一", "两", "十", "八",
]  # fmt: skip

ZONES = [
    SHANGHAI,
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Lord_Howe"),
    UTC,
    timezone(timedelta(hours=-9, minutes=-30)),
]

phrases = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3), st.characters()), max_size=12
).map("".join)
nows = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2150, 12, 31), timezones=st.sampled_from(ZONES)
)


def check_invariants(text: str, now: datetime) -> None:
    """parse() returns a sound QuickAdd or raises QuickAddError with a sound span; nothing else."""
    try:
        q = parse(text, now)
    except QuickAddError as error:
        start, end = error.span
        assert 0 <= start <= end <= len(text)
        assert error.code in {
            "bad_time",
            "bad_date",
            "bad_duration",
            "bad_recurrence",
            "empty_title",
            "end_before_start",
            "ambiguous",
        }
        return
    assert q.title and q.title == q.title.strip() and "  " not in q.title
    assert q.kind in {"event", "followup", "card"}
    for span in q.spans:
        assert isinstance(span, Span) and 0 <= span.start < span.end <= len(text) and span.role in ROLES
    if q.kind == "event":
        assert q.start is not None and q.end is not None
        assert q.start.tzinfo is not None and q.start.utcoffset() is not None
        # compared as instants: across a fall-back the end's wall time can read earlier than the start's
        assert q.end.tzinfo is not None and q.end.astimezone(UTC) > q.start.astimezone(UTC)
        assert q.duration is not None and q.duration > timedelta(0)
        assert q.owner is None and q.board is None and q.due is None and q.event_kind is not None
        if q.all_day:
            assert (q.start.hour, q.start.minute) == (0, 0)
    else:
        assert q.start is None and q.end is None and not q.all_day and q.location is None
    assert (q.board is not None) == (q.kind == "card")
    assert explain(q) and explain(q, "zh")


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_quickadd_error(text: str) -> None:
    check_invariants(text, NOW)


@settings(max_examples=500, deadline=None)
@given(phrases, nows)
def test_fragments_of_phrases_parse_or_raise_quickadd_error(text: str, now: datetime) -> None:
    check_invariants(text, now)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(CHINESE + ENGLISH), st.sampled_from(["", " ", "  ", "\t"]))
def test_surrounding_whitespace_changes_nothing_but_offsets(case: Case, pad: str) -> None:
    plain, padded = parse(case.text, NOW), parse(pad + case.text + pad, NOW)
    assert fields(padded) == fields(plain)
    assert [(s.start + len(pad), s.end + len(pad), s.role) for s in plain.spans] == [
        (s.start, s.end, s.role) for s in padded.spans
    ]


# --- architecture and speed -----------------------------------------------------------------------------------


def test_every_pattern_has_a_handler() -> None:
    from gmassist.domain import quickadd

    assert set(quickadd._HANDLERS) == {name for name, _ in quickadd._PATTERNS}


def test_module_is_pure() -> None:
    code = (
        "import sys, gmassist.domain.quickadd\n"
        "bad = [m for m in ('textual', 'sqlmodel', 'sqlalchemy', 'keyring') if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


# --- parse_day: a day typed on its own (snooze, --week, --day) ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+2d", date(2026, 11, 27)),
        ("+1w", date(2026, 12, 2)),
        ("+3天", date(2026, 11, 28)),
        ("+1m", date(2026, 12, 25)),
        ("周五", date(2026, 11, 27)),
        ("明天", date(2026, 11, 26)),
        ("tomorrow", date(2026, 11, 26)),
        ("下周二", date(2026, 12, 1)),
        ("12/5", date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5)),
        ("１２月５日", date(2026, 12, 5)),
    ],
)
def test_parse_day(text: str, expected: date) -> None:
    assert parse_day(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "hello", "周八", "@张三", "明天 开会", "every monday", "2月30日"])
def test_parse_day_refuses_anything_but_a_day(text: str) -> None:
    with pytest.raises(QuickAddError) as info:
        parse_day(text, NOW)
    assert info.value.code == "bad_date"
    assert 0 <= info.value.span[0] <= info.value.span[1] <= len(text)
