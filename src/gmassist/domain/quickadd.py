"""Quick add: one typed line of Chinese or English becomes a structured, explained parse.

The assistant types a line such as ``周五下午3点 与财务总监讨论并购方案 @3号会议室 1h`` or
``@Li by friday send Q4 budget``; :func:`parse` returns a :class:`QuickAdd` (an event, a follow-up or a
card) together with the spans of the input that produced each field, so the UI can show the parse
before anything is saved; :func:`explain` turns it into one line of English or Chinese.
A part of the line that looks like a date or time but is wrong (``25点``, ``2月30日``, ``下周八``) raises
:class:`QuickAddError` pointing at that part. The parser runs on every keystroke, so it is one pass of
precompiled regular expressions over the line plus a little arithmetic; it never reads the clock.

Forms understood
----------------
* Days: 今天/明天/后天/大后天/昨天, 今晚/明早; 周一…周日, 星期X, 礼拜X (also 周1…周7), with 本/这/下/下下/上;
  下个月3号, 12月5日/号, 十二月五日, 2026年12月5日, 2026-12-05, 12/5 and 12/5/2026 (month/day), 5号;
  3天后, 两周后, 一个月后. today/tonight/tomorrow/the day after tomorrow/yesterday, this morning;
  monday…sunday and mon…sun with this/next/coming/last; Dec 5, December 5th 2026, 5 Dec, the 5th;
  in 3 days / 2 weeks / 1 month.
* Times: 3点, 3点半, 3点15分, 3点一刻, 十点半, 两点, 15:30 (also full-width ３：３０) after 上午/下午/中午/晚上/
  早上/凌晨/傍晚 or alone; 中午 and 正午/午夜; 9am, 9 am, 9:30, 9.30am, 3pm, 15:00, noon, midnight, at 3,
  3 o'clock; morning/afternoon/evening/night after a day; 半小时后, in 2 hours, in 30 min.
* Durations: 半小时, 1小时, 1.5小时, 一个半小时, 两个小时, 90分钟, 1小时30分钟, 一刻钟; 45m, 1h, 1.5h, 1h30m,
  1h30, 90 min, 2 hours, an hour, half an hour, with an optional "for".
* Ranges: dates or times joined by 到/至/-/~/to/until/through, optionally after 从/from (下周二到周四,
  12月1日-3日, 12月1-3日, 明天下午2点到4点, 14:00-15:30, 下午2-4点, mon to wed, Dec 1-3, 9-11am, 11-1pm,
  from 2pm to 4pm, 周一9点到周三17点).
* Recurrences: 每天/每日/天天, 每隔一天, 每N天, 每周X (每周一三五, 每周二、四), 每个工作日, 每两周/隔周 (+ day),
  每月N号, 每月最后一天/月底, 每月第一个/最后一个周X, 每季度, 每年, 每年12月5日; every day/N days/other day,
  every week/N weeks (on monday), every monday (and wednesday), every other monday, every weekday, every
  month on the 1st / last day / last friday, every last friday of the month, the 1st of every month,
  every quarter, every year (on Dec 5); ``until``/``直到`` a date ends the series (RRULE UNTIL).
* Deadlines: X前/之前/以前, 截止X, 截止到X, 最晚X, X到期; by X, due X, due on X, before X, no later than X.
* Tags: ``@name`` (owner, or location in an event; ``@3pm`` is a time), ``#board``.
* Event kinds: 出差/航班/飞机/高铁/trip/travel/flight → travel; 拜访/来访/走访/visit → visit;
  检查/视察/巡视/巡查/inspection → inspection; otherwise meeting.

How the line is read
--------------------
1. Dates, times, durations, recurrences, ``@`` and ``#`` tags are found left to right; text in quotes
   (``"…"``, ``“…”``, ``「…」``, ``『…』``) or book-title marks (``《…》``) is never parsed, so a title can
   mention a date.
2. Adjacent date / time-of-day / part-of-day words form one *moment* (``明天下午3点``, ``3pm tomorrow``).
   Two moments joined by 到/至/-/~/to/until/through form a *range*; a moment after ``by``/``due``/``before``/
   截止 or before 前/之前/以前 is a *deadline*. Separate moments merge when they do not clash
   (``明天 开会 下午3点``); a later clashing moment stays in the title with the warning ``ignored_date``.
3. The kind is chosen in this order: a ``#board`` tag makes a **card**; a deadline makes a **follow-up**;
   a time of day or a date range makes an **event**; a recurrence or a date together with an event-like
   word (会议, 拜访, 出差, meeting, visit, trip, …) makes an **event**; an ``@name`` tag makes a
   **follow-up** with that owner; any other recurrence makes an **event**; anything else is a
   **follow-up** (with the date, if any, as its due date). In an event an ``@`` tag is the location.
4. The title is what is left, with whitespace collapsed and separators at the cut edges removed; the
   user's own characters are kept.

Decisions on ambiguous input
----------------------------
* A weekday name alone (周五, friday) is the next such day on or after today; today counts unless a time
  of day is given that has already passed (then it is the same weekday next week). 本周/这周/this X is the
  day in the current week (it may be past: warning ``past``); 下周/next X is the day in next week;
  下下周X two weeks on. Weeks start on Monday unless ``week_starts_monday=False``.
* A time of day without a date is today if still ahead of ``now``, otherwise tomorrow.
* A month and day without a year (12月5日, Dec 5, 12/5 – always month/day) is the next such day on or after
  today, rolling into next year; a bare day (5号) is the next such day of a month. An explicit full date
  in the past is kept with the warning ``past``.
* An hour of 1–6 with no 上午/下午/am/pm and not written 24-hour style (``03:00``) is read as p.m.
  (office hours), with the warning ``assumed_pm``. 上午/下午/晚上/morning/… without an hour after a date
  mean 9:00/14:00/19:00 (warning ``assumed_time``); 中午 and noon are 12:00.
* In a time range the end takes the start's part of day (``下午2点到4点`` is 14:00–16:00); an end before
  the start raises ``end_before_start`` unless the end says it is early morning (``11pm-1am``).
* An explicit duration sets the end of a timed event; a range and a duration together are ``ambiguous``.
  ``duration`` holds ``end - start`` for events and the explicit duration (if any) otherwise.
* Two ``@`` tags, two ``#`` tags, two durations or two recurrences raise ``ambiguous``; a card or
  follow-up with a date range raises ``ambiguous`` (it takes one due date).
* Deadlines and due dates are dates; a time given with one is dropped with the warning ``time_ignored``.
* A Chinese numeral hour is not read as a time where it is clearly not one (快一点, 三点建议).
* Adjectives such as ``daily``/``weekly`` are not recurrences (``weekly staff meeting`` is a title); use
  每…/every….

Warnings are short codes (``past``, ``assumed_pm``, ``assumed_time``, ``ignored_date``,
``time_ignored``, ``duration_ignored``, ``weekday_mismatch``); :data:`WARNING_TEXT` gives their English
and Chinese wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from dateutil import rrule as _rr
from dateutil.relativedelta import relativedelta

__all__ = [
    "ROLES",
    "WARNING_TEXT",
    "QuickAdd",
    "QuickAddError",
    "Span",
    "describe_rrule",
    "explain",
    "parse",
]

# --- public types ---------------------------------------------------------------------------------------

ROLES = ("date", "time", "duration", "range", "recurrence", "location", "owner", "board", "deadline", "title")
"""Every value `Span.role` can take."""


@dataclass(frozen=True)
class Span:
    """A stretch of the input line and what the parser made of it."""

    start: int
    """Offset of the first character (Python string index into the text given to `parse`)."""
    end: int
    """Offset just past the last character."""
    role: str
    """What this stretch produced: one of `ROLES`."""


@dataclass(frozen=True)
class QuickAdd:
    """The structured result of reading one quick-add line."""

    kind: str
    """'event' (agenda item), 'followup' (督办事项, has an owner and/or due date) or 'card' (board card)."""
    title: str
    """The rest of the line, never empty, whitespace collapsed, in the user's own characters."""
    start: datetime | None
    """Start of an event, tz-aware in the tz of `now`; None for follow-ups and cards."""
    end: datetime | None
    """End of an event (exclusive); for all-day events the midnight after the last day."""
    all_day: bool
    """True for events given as dates only; `start` is then local midnight of the first day."""
    duration: timedelta | None
    """`end - start` for events; for follow-ups and cards the explicit duration typed (effort), if any."""
    location: str | None
    """Where an event happens (from an ``@`` tag), without the '@'."""
    owner: str | None
    """Follow-up or card owner (责任人) from an ``@`` tag, without the '@'."""
    board: str | None
    """Project board (项目看板) of a card, from a ``#`` tag, without the '#'."""
    due: date | None
    """Deadline of a follow-up or card."""
    rrule: str | None
    """RFC 5545 RRULE value without the 'RRULE:' prefix, e.g. 'FREQ=WEEKLY;BYDAY=MO'."""
    event_kind: str | None
    """For events: 'meeting' (default), 'travel', 'visit' or 'inspection'; None otherwise."""
    spans: tuple[Span, ...]
    """Which parts of the input produced what, in order of position (for showing the parse)."""
    warnings: tuple[str, ...]
    """Codes of things worth showing the user before saving; see `WARNING_TEXT`."""


class QuickAddError(ValueError):
    """A part of the line was not understood; nothing is returned.

    `span` points at the bad part (start, end offsets into the text); `message` says why in English;
    `code` lets the UI translate: 'bad_time', 'bad_date', 'bad_duration', 'bad_recurrence',
    'empty_title', 'end_before_start' or 'ambiguous'.
    """

    def __init__(self, code: str, message: str, span: tuple[int, int]) -> None:
        super().__init__(message)
        self.code = code
        """Stable identifier of the kind of problem, for translation and tests."""
        self.message = message
        """Why the part was rejected, in English."""
        self.span = span
        """(start, end) offsets of the rejected part of the line."""


WARNING_TEXT: dict[str, dict[str, str]] = {
    "past": {"en": "date is in the past", "zh": "日期已过"},
    "assumed_pm": {"en": "hour read as p.m.", "zh": "按下午理解"},
    "assumed_time": {"en": "time of day assumed", "zh": "按默认时刻理解"},
    "ignored_date": {
        "en": "a second date or time was left in the title",
        "zh": "另一个日期或时间保留在标题中",
    },
    "time_ignored": {
        "en": "a due date has no time of day; the time was dropped",
        "zh": "截止只记日期，时间已忽略",
    },
    "duration_ignored": {"en": "duration ignored for an all-day event", "zh": "全天日程忽略时长"},
    "weekday_mismatch": {"en": "weekday does not match the date", "zh": "星期与日期不符"},
}
"""English and Chinese wording of each warning code."""

# --- lexicon ---------------------------------------------------------------------------------------------

_CN_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_EN_NUMBER = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "other": 2,
}  # fmt: skip
_MONTH_EN = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_WEEKDAY_EN = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_WEEKDAY_CN = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_RRULE_DAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_ORDINAL = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "last": -1,
    "第一": 1, "第1": 1, "第二": 2, "第2": 2, "第三": 3, "第3": 3, "第四": 4, "第4": 4, "最后": -1,
}  # fmt: skip
_PERIOD = {
    "上午": "am", "早上": "am", "早晨": "am", "清晨": "am", "morning": "am",
    "下午": "pm", "午后": "pm", "afternoon": "pm",
    "晚上": "eve", "傍晚": "eve", "夜里": "eve", "晚间": "eve", "evening": "eve", "night": "eve",
    "中午": "noon", "凌晨": "dawn",
}  # fmt: skip
_PERIOD_DEFAULT = {"am": 9 * 60, "pm": 14 * 60, "eve": 19 * 60, "noon": 12 * 60, "dawn": 6 * 60}
_MAX_DURATION = timedelta(days=31)
_MIN_YEAR, _MAX_YEAR = 1900, 2200

# --- regular expressions (compiled once, at import) ----------------------------------------------------

_CNN = "[零〇一二两三四五六七八九十]"
_NUM = f"(?:[0-9]{{1,2}}|{_CNN}{{1,3}})"
_PERIOD_CN = "上午|下午|中午|晚上|早上|早晨|清晨|凌晨|傍晚|夜里|晚间|午后"
_AMPM = r"(?:[aApP]\.?[mM]\.?)(?![A-Za-z])"
_B = "(?<![A-Za-z])"
_E = "(?![A-Za-z])"
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec"
)
_WD_EN = (
    "(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tues|thurs|thur|mon|tue|wed|thu|fri"
    "|sat|sun)(?![a-z])"
)
_WD_EN_LIST = f"{_WD_EN}(?:\\s*(?:,|and|&|/)\\s*{_WD_EN})*"
_WEEK_CN = "(?:周|星期|礼拜|週)"
_WD_CN = "(?:[一二三四五六日天](?!点|时)|[1-7](?![0-9:点.时]))"
_WD_CN_LIST = f"{_WEEK_CN}?{_WD_CN}(?:\\s*[、,，和及与/]?\\s*{_WEEK_CN}?{_WD_CN})*"
_WEEK_PREFIX = "下下个?|下个?|上上个?|上个?|本|这个?|这一"
_ORD_EN = "first|second|third|fourth|last|1st|2nd|3rd|4th"
_TIME_NOUNS = (
    "(?![0-9]|小时|个|分钟|钟头|天|周|号|日|月|年|建议|意见|要求|内容|问题|事项|原则|措施|共识|想法|"
    "看法|说明|考虑|方面|理由|体会|感想|心得|结论|注意|工作|任务|点|儿)"
)
_DAY_END = (
    "(?=$|[\\s,.;:!?、。，；：！？)）]|前|之前|以前|截止|到|至|-|~|上午|下午|中午|晚上|早上|早晨|凌晨|傍晚|的|"
    f"[0-9]|{_CNN}{{1,3}}[点时])"
)
_TAG_BODY = "[^\\s@#,，。;；、()（）\\[\\]【】]+"

# Order matters: at one position the first alternative that matches wins.
_PATTERNS: list[tuple[str, str]] = [
    ("quote", '"[^"\\n]*"|“[^”]*”|「[^」]*」|『[^』]*』|《[^》]*》'),
    ("at", f"(?<![A-Za-z0-9._%+\\-])@(?P<name>{_TAG_BODY})"),
    ("hash", f"(?<![A-Za-z0-9&])#(?P<name>{_TAG_BODY})"),
    # recurrences
    ("cn_rec_workday", "每个?工作日|工作日每天|每周工作日|周一[至到]周五每天"),
    ("cn_rec_day", f"每(?P<gap>隔)?(?P<n>{_NUM})?个?(?:天|日)(?![报程志常])|天天"),
    (
        "cn_rec_week",
        f"(?:每(?P<gap>隔)?(?P<n>{_NUM})?个?|(?P<alt>隔))(?:周|星期|礼拜|週)(?:的)?(?P<days>{_WD_CN_LIST})?",
    ),
    (
        "cn_rec_month",
        f"每(?P<gap>隔)?(?P<n>{_NUM})?个?月(?:的)?(?:(?P<md>{_NUM})\\s*[号日]|"
        f"(?P<lastday>最后一天|底|末)|(?P<ord>第[一二三四1-4]|最后)一?个?{_WEEK_CN}(?P<wd>{_WD_CN}))?",
    ),
    ("cn_rec_quarter", "每个?季度"),
    (
        "cn_rec_year",
        f"每(?P<gap>隔)?(?P<n>{_NUM})?年(?:的)?(?:(?P<m>{_NUM})\\s*月\\s*(?P<d>{_NUM})\\s*[日号]?)?",
    ),
    (
        "en_rec_workday",
        f"(?i:{_B}(?:every|each)\\s+(?:weekday|workday|work\\s+day|working\\s+day|business\\s+day)"
        f"{_E}|{_B}weekdays{_E})",
    ),
    (
        "en_rec_nth",
        f"(?i:{_B}(?:every|each)\\s+(?P<ord>{_ORD_EN})\\s+(?P<wd>{_WD_EN})"
        f"(?:\\s+of\\s+(?:the|every|each)\\s+month{_E})?)",
    ),
    (
        "en_rec_of_month",
        f"(?i:{_B}(?:on\\s+)?the\\s+(?:(?P<ord>{_ORD_EN})\\s+(?P<wd>{_WD_EN})|"
        f"(?P<md>[0-9]{{1,2}})(?:st|nd|rd|th)|(?P<lastday>last\\s+day))"
        f"\\s+of\\s+(?:every|each)\\s+month{_E})",
    ),
    (
        "en_rec_unit",
        f"(?i:{_B}(?:every|each)\\s+(?:(?P<n>[0-9]{{1,2}}|other|two|three|four|six)\\s+)?"
        f"(?P<u>days?|weeks?|months?|years?|quarters?){_E}(?:\\s+on\\s+(?:the\\s+)?(?:"
        f"(?P<days>{_WD_EN_LIST})|(?P<md>[0-9]{{1,2}})(?:st|nd|rd|th){_E}|"
        f"(?P<ord>{_ORD_EN})\\s+(?P<wd>{_WD_EN})|(?P<lastday>last\\s+day){_E}|"
        f"(?P<mon>{_MONTHS})\\.?\\s*(?P<mday>[0-9]{{1,2}})(?:st|nd|rd|th)?(?![0-9a-z])))?)",
    ),
    ("en_rec_days", f"(?i:{_B}(?:every|each)\\s+(?P<other>other\\s+)?(?P<days>{_WD_EN_LIST}))"),
    # relative dates and times
    (
        "cn_after",
        f"(?P<n>[0-9]{{1,3}}|{_CNN}{{1,3}}|半)\\s*个?\\s*(?P<u>天|周|星期|礼拜|月|小时|钟头|分钟)(?:之|以)?后",
    ),
    (
        "en_in",
        f"(?i:{_B}in\\s+(?P<n>[0-9]{{1,3}}|an?|one|two|three|four|five|six|seven|eight|nine|ten|half\\s+an)"
        f"\\s+(?P<u>days?|weeks?|months?|hours?|hrs?|minutes?|mins?){_E})",
    ),
    # dates
    ("iso", "(?<![0-9])(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2})(?![0-9])"),
    (
        "cn_ymd",
        f"(?<![0-9])(?P<y>[0-9]{{4}})\\s*年\\s*(?P<m>{_NUM})\\s*月\\s*"
        f"(?:(?P<d>[0-9]{{1,2}})\\s*[日号]?|(?P<dc>{_CNN}{{1,3}})\\s*[日号])(?![0-9])",
    ),
    ("cn_month_rel", f"(?P<pre>下下个?|下个?|本|这个?|上个?)月\\s*(?P<d>{_NUM})\\s*[日号]"),
    (
        "cn_md_range",
        f"(?<![0-9])(?P<m>{_NUM})\\s*月\\s*(?P<d>[0-9]{{1,2}})\\s*(?:-|~|到|至)\\s*"
        "(?P<d2>[0-9]{1,2})\\s*[日号]",
    ),
    (
        "cn_md",
        f"(?<![0-9])(?P<m>{_NUM})\\s*月\\s*(?:(?P<d>[0-9]{{1,2}})(?:\\s*[日号])?|(?P<dc>{_CNN}{{1,3}})\\s*[日号])"
        "(?![0-9]|\\s*[点时:])",
    ),
    ("slash", "(?<![0-9/.:])(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})(?:/(?P<y>[0-9]{4}|[0-9]{2}))?(?![0-9/])"),
    (
        "en_md",
        f"(?i:{_B}(?P<mon>{_MONTHS})\\.?\\s*(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?"
        "(?:\\s*[-–]\\s*(?P<d2>[0-9]{1,2})(?:st|nd|rd|th)?)?(?:,?\\s*(?P<y>[0-9]{4}))?(?![0-9a-z:]))",
    ),
    (
        "en_dm",
        f"(?i:(?<![0-9.:/])(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th)?\\s*(?:of\\s+)?(?P<mon>{_MONTHS})(?![a-z])\\.?"
        "(?:,?\\s+(?P<y>[0-9]{4})(?![0-9]))?)",
    ),
    ("cn_rel", "大后天|后天|明天|明日|明晚|明早|明晨|今天|今日|今晚|今早|今晨|昨天|昨日|昨晚|大前天|前天"),
    (
        "en_rel",
        f"(?i:{_B}(?:(?P<dat>(?:the\\s+)?day\\s+after\\s+(?:tomorrow|tmrw?))|today|tonight|tonite|"
        f"tomorrow|tmrw|tmr|yesterday|this\\s+(?:morning|afternoon|evening)){_E})",
    ),
    ("cn_weekday", f"(?P<pre>{_WEEK_PREFIX})?{_WEEK_CN}(?P<wd>[一二三四五六日天]|[1-7](?![0-9]))(?![点时])"),
    (
        "cn_bad_weekday",
        f"(?P<pre>{_WEEK_PREFIX})?{_WEEK_CN}(?P<wd>[八九零〇]|[089](?![0-9]))(?!点|时|小时|个|天|年)",
    ),
    ("en_weekday", f"(?i:{_B}(?:(?P<pre>this|next|coming|last|following)\\s+)?(?P<wd>{_WD_EN})\\.?)"),
    ("en_nth", f"(?i:{_B}(?:on\\s+)?the\\s+(?P<d>[0-9]{{1,2}})(?:st|nd|rd|th){_E})"),
    ("cn_day", f"(?<![0-9月.第])(?P<d>[0-9]{{1,2}}|{_CNN}{{1,3}})\\s*[号日]{_DAY_END}"),
    # time ranges
    (
        "en_trange",
        f"(?i:(?<![0-9:./])(?P<h1>[0-9]{{1,2}})(?::(?P<m1>[0-9]{{2}}))?\\s*(?P<a1>{_AMPM})?\\s*"
        f"(?:-|–|—|~|{_B}to{_E}|{_B}until{_E}|{_B}till{_E})\\s*"
        f"(?P<h2>[0-9]{{1,2}})(?::(?P<m2>[0-9]{{2}}))?\\s*(?P<a2>{_AMPM}))",
    ),
    (
        "cn_trange",
        f"(?:(?P<p1>{_PERIOD_CN})\\s*)?(?<![0-9:.])(?P<h1>{_NUM})\\s*(?:-|–|~|到|至)\\s*"
        f"(?:(?P<p2>{_PERIOD_CN})\\s*)?(?P<h2>{_NUM})\\s*(?:点钟|点|时)"
        f"(?:\\s*(?P<half>半)|(?P<m2>[0-9]{{1,2}})\\s*分?)?{_TIME_NOUNS}",
    ),
    # durations
    (
        "cn_dur",
        f"(?:(?P<h>[0-9]{{1,4}}(?:\\.[0-9]{{1,2}})?|{_CNN}{{1,3}}|半)\\s*个?\\s*(?P<half>半)?\\s*(?:小时|钟头)"
        f"(?:\\s*(?P<m>[0-9]{{1,3}}|{_CNN}{{1,3}})\\s*分钟?)?|(?P<m2>[0-9]{{1,4}}|{_CNN}{{1,3}})\\s*分钟|"
        "(?P<quarter>一刻钟)|(?P<halfclock>半个?钟头?))",
    ),
    (
        "en_dur",
        "(?i:(?<![0-9a-z.:])(?:(?P<h>[0-9]{1,4}(?:\\.[0-9]{1,2})?)\\s*(?:hours|hour|hrs|hr|h)"
        "(?:\\s*(?P<m>[0-9]{1,3})\\s*(?:minutes|minute|mins|min|m(?![a-z])|分钟|分)|(?P<mb>[0-9]{1,2})(?![0-9]))?|"
        "(?P<m2>[0-9]{1,4})\\s*(?:minutes|minute|mins|min|m)|"
        "(?P<hh>an|one|half\\s+an|a\\s+half)\\s+hour(?P<andhalf>\\s+and\\s+a\\s+half)?|"
        "(?P<h3>[0-9]{1,2})\\s+and\\s+a\\s+half\\s+hours?)(?![a-z]))",
    ),
    # times of day
    (
        "cn_time",
        f"(?:(?P<period>{_PERIOD_CN})\\s*)?(?<![0-9:.])(?P<hour>[0-9]{{1,2}}|{_CNN}{{1,3}})\\s*"
        f"(?:点钟|点|(?<=[0-9])时)(?:\\s*(?P<half>半)|\\s*(?P<quarter>一刻|三刻)|(?P<zheng>整)|"
        f"\\s*(?P<minute>[0-9]{{1,2}}|{_CNN}{{1,3}})\\s*分?)?{_TIME_NOUNS}",
    ),
    (
        "colon_time",
        f"(?:(?P<period>{_PERIOD_CN})\\s*)?(?<![0-9:.])(?P<hour>[0-9]{{1,2}}):(?P<minute>[0-9]{{2}})"
        f"(?![0-9:])(?:\\s*(?P<ampm>{_AMPM}))?",
    ),
    ("en_dot", f"(?<![0-9.:])(?P<hour>[0-9]{{1,2}})\\.(?P<minute>[0-9]{{2}})\\s*(?P<ampm>{_AMPM})"),
    ("en_ampm", f"(?<![0-9.:/])(?P<hour>[0-9]{{1,2}})\\s*(?P<ampm>{_AMPM})"),
    ("en_oclock", f"(?i:(?<![0-9.:])(?P<hour>[0-9]{{1,2}})\\s*o'?clock{_E})"),
    (
        "en_at",
        f"(?i:{_B}at\\s+(?P<hour>[0-9]{{1,2}})(?![0-9:.]|\\s*(?:[ap]\\.?m|%|/|[-–~]|to{_E}|o'?clock|h|"
        "hours?|hrs?|min)))",
    ),
    ("noon", f"(?i:{_B}(?P<w>noon|midday|midnight){_E})|正午|午夜"),
    # parts of the day
    ("cn_period", f"(?:{_PERIOD_CN})(?!茶|饭|觉)"),
    ("en_period", f"(?i:{_B}(?:in\\s+the\\s+)?(?P<w>morning|afternoon|evening|night){_E})"),
    # small words that only mean something next to a date or time
    (
        "w_dl",
        f"截止到|截止|截至|最晚|最迟|不晚于|到期|之前|以前|"
        "前(?!台|面|往|夕|期|任|辈|景|途|者|天|年|排|方|线|端|沿|言|身|列|厅|额|置|瞻|进|行|述|后|门)|"
        f"(?i:{_B}(?:due(?:\\s+(?:on|by))?|by|before|no\\s+later\\s+than){_E}(?:\\s*:)?)",
    ),
    ("w_conn", f"直到|到|至|~|-|–|—|(?i:{_B}(?:to|until|till|thru|through){_E})"),
    ("w_from", f"从|(?i:{_B}(?:from|starting){_E})"),
    ("w_filler", f"于|(?i:{_B}(?:at|on){_E})"),
    ("w_for", f"(?i:{_B}for{_E})"),
    ("w_de", "的"),
    ("w_since", "起|开始(?=\\s|$|[,，每])"),
]

_GROUP_NAME = re.compile(r"\(\?P<[a-z0-9_]+>")
_RX: dict[str, re.Pattern[str]] = {name: re.compile(pattern) for name, pattern in _PATTERNS}
_MASTER = re.compile("|".join(f"(?P<{name}>{_GROUP_NAME.sub('(?:', p)})" for name, p in _PATTERNS))
_SPACE = re.compile(r"\s+")
_WS = re.compile(r"\s*")
_WD_EN_RX = re.compile(_WD_EN)
_GAP_GROUP = re.compile(r"(?:[\s,，()（）]|(?i:at|on)(?![A-Za-z])|于)*")
_EDGE_LEFT = re.compile(r"[\s,，、;；:：)）\]】\-–—~/|]+")
_EDGE_RIGHT = re.compile(r"[\s,，、;；:：(（\[【\-–—~/|]+$")
_DL_PRE = re.compile(
    r"(?i:截止到|截止|截至|最晚|最迟|不晚于|due(?:\s+(?:on|by))?|by|before|no\s+later\s+than)"
)
_DL_SUF = re.compile(r"截止|截至|到期|之前|以前|前")
_UNTIL = re.compile(r"(?i:直到|until|till)")
_TRAVEL = re.compile(
    r"出差|差旅|航班|飞往|飞机|高铁|动车|(?i:(?<![a-z])(?:trip|travel\w*|flights?|fly\s+to)(?![a-z]))"
)
_INSPECTION = re.compile(
    r"检查|视察|巡视|巡查|巡检|督查|(?i:(?<![a-z])(?:inspections?|inspect\w*|site\s+tour)(?![a-z]))"
)
_VISIT = re.compile(r"拜访|来访|走访|到访|回访|访问|(?i:(?<![a-z])(?:visit\w*|call\s+on)(?![a-z]))")
_EVENT_WORD = re.compile(
    r"会议|开会|例会|会谈|会见|会面|见面|面谈|约见|座谈|研讨|评审|培训|宴请|饭局|聚餐|午餐|晚餐|早餐|晚宴|宴会|发布会|"
    r"签约|仪式|典礼|庆典|面试|活动|接待|生日|纪念日|假期|休假|请假|年假|放假|峰会|论坛|展会|路演|团建|婚礼|体检|约会|"
    r"讲座|汇报|\S会(?:议)?(?=$|\s|[,，。;；])|"
    r"(?i:(?<![a-z])(?:meeting|meet|call|sync|lunch|dinner|breakfast|brunch|interview|conference|workshop|review|"
    r"party|ceremony|appointment|stand-?up|off-?site|event|training|demo|presentation|seminar|session|"
    r"birthday|holiday|vacation|leave|webinar|summit|reception|banquet|one-on-one|1:1)s?(?![a-z]))"
)
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# --- internal values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DateSpec:
    """A date as written, resolved later against today (or a range's start)."""

    kind: str
    """'abs' (full date), 'md' (month-day), 'day' (day of month), 'month_rel' (下个月3号), 'rel' (days from
    today), 'rel_months' (months from today), 'weekday'."""
    year: int = 0
    """Year of an 'abs' date."""
    month: int = 0
    """Month of 'abs' / 'md'."""
    day: int = 0
    """Day of month of 'abs' / 'md' / 'day' / 'month_rel'."""
    offset: int = 0
    """Days ('rel'), months ('month_rel', 'rel_months')."""
    weekday: int = 0
    """Monday = 0 for 'weekday'."""
    week: int | None = None
    """For 'weekday': None = next on or after the reference day, 0 = this week, 1 = next week, …"""
    period: str | None = None
    """Part of day carried by words such as 今晚/明早/tonight."""


@dataclass(frozen=True)
class _TimeSpec:
    """A time of day as written."""

    hour: int
    """Hour as typed (0–24)."""
    minute: int
    """Minute (0–59)."""
    period: str | None
    """'am', 'pm', 'eve', 'noon', 'dawn' (Chinese parts of day / morning…), 'xam' / 'xpm' (English am/pm)."""
    explicit24: bool = False
    """Written 24-hour style (``15:00``, ``09:30``) or as noon/midnight: no a.m./p.m. guess."""


@dataclass(frozen=True)
class _Recur:
    """A recurrence as written, turned into an RRULE."""

    freq: str
    """'DAILY', 'WEEKLY', 'MONTHLY' or 'YEARLY'."""
    interval: int = 1
    """Every `interval` periods."""
    byday: tuple[tuple[int, int], ...] = ()
    """(weekday Monday = 0, ordinal within the month or 0)."""
    bymonthday: int | None = None
    """Day of month (-1 = last)."""
    bymonth: int | None = None
    """Month of a yearly rule."""

    def text(self) -> str:
        """The RRULE value (without UNTIL)."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.bymonth is not None:
            parts.append(f"BYMONTH={self.bymonth}")
        if self.bymonthday is not None:
            parts.append(f"BYMONTHDAY={self.bymonthday}")
        if self.byday:
            days = sorted(set(self.byday), key=lambda d: (d[0], d[1]))
            parts.append("BYDAY=" + ",".join(f"{n if n else ''}{_RRULE_DAY[wd]}" for wd, n in days))
        return ";".join(parts)


@dataclass
class _Tok:
    """One recognised piece of the line."""

    kind: str
    """'date', 'drange', 'time', 'trange', 'period', 'moment', 'dur', 'recur', 'at', 'hash', 'quote', 'weak'."""
    start: int
    """Offset of the first character."""
    end: int
    """Offset past the last character."""
    date: _DateSpec | None = None
    """The date ('date', first day of 'drange')."""
    date2: _DateSpec | None = None
    """Last day of a 'drange'."""
    time: _TimeSpec | None = None
    """The time ('time', start of 'trange')."""
    time2: _TimeSpec | None = None
    """End of a 'trange'."""
    period: str | None = None
    """Part of day of a 'period' token."""
    duration: timedelta | None = None
    """Length of a 'dur' token."""
    recur: _Recur | None = None
    """Rule of a 'recur' token."""
    moment: datetime | None = None
    """Absolute start of a 'moment' token (in 2 hours)."""
    name: str = ""
    """Tag text, or the matched word of a 'weak' token."""
    word: str = ""
    """Pattern name of a 'weak' token ('w_dl', 'w_conn', …)."""
    weekday_hint: bool = False
    """A bare weekday (no 本/下/this/next), which may double as a check on a date next to it."""


@dataclass
class _Group:
    """Adjacent date / time / part-of-day tokens read as one moment."""

    toks: list[_Tok] = field(default_factory=list)
    """Tokens in the group, in order (including swallowed fillers)."""
    date: _DateSpec | None = None
    """The date, if any."""
    drange: tuple[_DateSpec, _DateSpec] | None = None
    """A date range written as one token (Dec 1-3)."""
    time: _TimeSpec | None = None
    """The time of day, if any."""
    trange: tuple[_TimeSpec, _TimeSpec] | None = None
    """A time range written as one token (9-11am)."""
    period: str | None = None
    """Part of day (上午 / tomorrow morning), if given without an hour or before it."""
    moment: datetime | None = None
    """Absolute start (in 2 hours)."""
    check_weekday: int | None = None
    """A weekday written next to a date (12月5日 周六): only checked."""
    used_weak: list[_Tok] = field(default_factory=list)
    """Small words bound to this group (前, by, 的, …)."""

    @property
    def start(self) -> int:
        """Offset of the group's first character."""
        return self.toks[0].start

    @property
    def end(self) -> int:
        """Offset past the group's last character."""
        return self.toks[-1].end

    @property
    def has_time(self) -> bool:
        """Whether the group names a time of day (an hour, a range of hours, a part of day with a date)."""
        return (
            self.time is not None
            or self.trange is not None
            or self.moment is not None
            or (self.period is not None and self.date is not None)
            or self.period == "noon"
        )

    def accepts(self, tok: _Tok) -> bool:
        """Whether `tok` can join without clashing."""
        if self.moment is not None or tok.kind == "moment":
            return False
        if tok.kind == "date":
            assert tok.date is not None
            if self.date is None and self.drange is None:
                return not (tok.date.period and self.period)
            return tok.weekday_hint and self.check_weekday is None and self.date is not None
        if tok.kind == "drange":
            return self.date is None and self.drange is None and self.time is None and self.trange is None
        if tok.kind in ("time", "trange"):
            return self.time is None and self.trange is None and self.drange is None
        if tok.kind == "period":
            return self.period is None and (self.time is None or self.time.period is None)
        return False

    def add(self, tok: _Tok) -> None:
        """Take `tok` into the group (after `accepts`)."""
        self.toks.append(tok)
        if tok.kind == "date":
            assert tok.date is not None
            if self.date is not None:
                self.check_weekday = tok.date.weekday
            else:
                self.date = tok.date
                if tok.date.period:
                    self.period = tok.date.period
        elif tok.kind == "drange":
            assert tok.date is not None and tok.date2 is not None
            self.drange = (tok.date, tok.date2)
        elif tok.kind == "time":
            self.time = tok.time
        elif tok.kind == "trange":
            assert tok.time is not None and tok.time2 is not None
            self.trange = (tok.time, tok.time2)
        elif tok.kind == "period":
            self.period = tok.period
        elif tok.kind == "moment":
            self.moment = tok.moment


@dataclass
class _Range:
    """Two groups joined by 到/to/-."""

    first: _Group
    """Start side."""
    second: _Group
    """End side."""
    extra: list[_Tok]
    """Connector and 'from' words."""
    own: list[_Tok] = field(default_factory=list)
    """The tokens written as the range (before any other moment was merged into it)."""

    def __post_init__(self) -> None:
        self.own = sorted([*self.first.toks, *self.second.toks, *self.extra], key=lambda t: t.start)

    @property
    def start(self) -> int:
        """Offset of the range's first character as written."""
        return self.own[0].start

    @property
    def end(self) -> int:
        """Offset past the range's last character as written."""
        return self.own[-1].end


@dataclass
class _Ctx:
    """Per-call state shared by the handlers."""

    text: str
    """The normalised line (full-width ASCII folded; same length as the input)."""
    now: datetime
    """The injected current time."""
    today: date
    """`now`'s date."""
    tz: tzinfo
    """`now`'s tzinfo: every result is in it."""
    week_start: int
    """0 when weeks start on Monday, 6 when on Sunday."""
    warnings: list[str] = field(default_factory=list)
    """Warning codes collected so far."""

    def warn(self, code: str) -> None:
        """Record a warning once."""
        if code not in self.warnings:
            self.warnings.append(code)


# --- small helpers --------------------------------------------------------------------------------------


def _cn_int(s: str) -> int | None:
    """An integer written in ASCII digits or Chinese numerals up to 99; None if it is not one."""
    if s.isascii():
        return int(s) if s.isdigit() else None
    if len(s) > 1 and s[0] in "零〇":
        s = s[1:]
    if "十" in s:
        tens_text, _, units_text = s.partition("十")
        if "十" in units_text or len(tens_text) > 1 or len(units_text) > 1:
            return None
        tens = 1 if not tens_text else _CN_DIGIT.get(tens_text)
        units = 0 if not units_text else _CN_DIGIT.get(units_text)
        if not tens or units is None:
            return None
        return tens * 10 + units
    return _CN_DIGIT.get(s) if len(s) == 1 else None


def _en_int(s: str) -> int | None:
    s = _SPACE.sub(" ", s.lower())
    if s.isdigit():
        return int(s)
    return _EN_NUMBER.get(s)


def _fail(code: str, message: str, start: int, end: int) -> QuickAddError:
    return QuickAddError(code, message, (start, end))


def _valid_ymd(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return True


def _check_md(m: int | None, d: int | None, span: tuple[int, int]) -> tuple[int, int]:
    if m is None or d is None or not _valid_ymd(2024, m, d):  # 2024 is a leap year: 2月29日 is allowed
        raise _fail("bad_date", "no such day of the year", *span)
    return m, d


def _check_ymd(y: int, m: int | None, d: int | None, span: tuple[int, int]) -> date:
    if m is None or d is None or not (_MIN_YEAR <= y <= _MAX_YEAR) or not _valid_ymd(y, m, d):
        raise _fail("bad_date", "no such date", *span)
    return date(y, m, d)


def _span(m: re.Match[str]) -> tuple[int, int]:
    return m.start(), m.end()


def _cn_weekday(ch: str) -> int:
    return int(ch) - 1 if ch.isdigit() else _WEEKDAY_CN[ch]


def _week_offset_cn(prefix: str | None) -> int | None:
    if not prefix:
        return None
    if prefix.startswith("下下"):
        return 2
    if prefix.startswith("下"):
        return 1
    if prefix.startswith("上上"):
        return -2
    if prefix.startswith("上"):
        return -1
    return 0


# --- token handlers -------------------------------------------------------------------------------------

_Handler = Callable[[re.Match[str], _Ctx], "_Tok | None"]


def _h_quote(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("quote", *_span(m))


def _h_tag(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    kind = "at" if m.group(0)[0] == "@" else "hash"
    if kind == "at":
        # "@3pm" / "@15:00" is a time, not a place.
        inner = _MASTER.match(ctx.text, m.start() + 1)
        if inner is not None and inner.end() == m.end() and inner.lastgroup in _TIME_KINDS:
            tok = _lex_one(inner, ctx)
            if tok is not None:
                tok.start = m.start()
                return tok
    return _Tok(kind, *_span(m), name=m.group("name"))


def _h_rec_workday(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("recur", *_span(m), recur=_Recur("WEEKLY", byday=tuple((d, 0) for d in range(5))))


def _interval(m: re.Match[str], gap: bool = False) -> int:
    n_text = m.group("n") if "n" in m.re.groupindex else None
    n = (
        1
        if not n_text
        else (_cn_int(n_text) if not n_text.isascii() or n_text.isdigit() else _en_int(n_text))
    )
    if n is None or not 1 <= n <= 99:
        raise _fail("bad_recurrence", "the interval must be 1 to 99", *_span(m))
    return n + 1 if gap else n


def _h_cn_rec_day(m: re.Match[str], ctx: _Ctx) -> _Tok:
    if m.group(0) == "天天":
        return _Tok("recur", *_span(m), recur=_Recur("DAILY"))
    return _Tok("recur", *_span(m), recur=_Recur("DAILY", _interval(m, bool(m.group("gap")))))


def _cn_days(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((_cn_weekday(ch), 0) for ch in text if ch in _WEEKDAY_CN or ch in "1234567")


def _h_cn_rec_week(m: re.Match[str], ctx: _Ctx) -> _Tok:
    interval = 2 if m.group("alt") else _interval(m, bool(m.group("gap")))
    days = _cn_days(m.group("days") or "")
    return _Tok("recur", *_span(m), recur=_Recur("WEEKLY", interval, days))


def _h_cn_rec_month(m: re.Match[str], ctx: _Ctx) -> _Tok:
    interval = _interval(m, bool(m.group("gap")))
    if m.group("md"):
        day = _cn_int(m.group("md"))
        if day is None or not 1 <= day <= 31:
            raise _fail("bad_date", "no such day of the month", *_span(m))
        return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval, bymonthday=day))
    if m.group("lastday"):
        return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval, bymonthday=-1))
    if m.group("ord"):
        wd = _cn_weekday(m.group("wd"))
        return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval, ((wd, _ORDINAL[m.group("ord")]),)))
    return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval))


def _h_rec_quarter(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", 3))


def _h_cn_rec_year(m: re.Match[str], ctx: _Ctx) -> _Tok:
    interval = _interval(m, bool(m.group("gap")))
    if m.group("m"):
        month, day = _check_md(_cn_int(m.group("m")), _cn_int(m.group("d")), _span(m))
        return _Tok("recur", *_span(m), recur=_Recur("YEARLY", interval, bymonth=month, bymonthday=day))
    return _Tok("recur", *_span(m), recur=_Recur("YEARLY", interval))


def _en_days(text: str) -> tuple[tuple[int, int], ...]:
    found = _WD_EN_RX.findall(text.lower())
    return tuple((_WEEKDAY_EN[w[:3]], 0) for w in found)


def _h_en_rec_nth(m: re.Match[str], ctx: _Ctx) -> _Tok:
    if m.groupdict().get("md"):
        day = int(m.group("md"))
        if not 1 <= day <= 31:
            raise _fail("bad_date", "no such day of the month", *_span(m))
        return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", bymonthday=day))
    if m.groupdict().get("lastday"):
        return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", bymonthday=-1))
    ordinal = _ORDINAL[m.group("ord").lower()]
    wd = _WEEKDAY_EN[m.group("wd").lower()[:3]]
    return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", byday=((wd, ordinal),)))


def _h_en_rec_unit(m: re.Match[str], ctx: _Ctx) -> _Tok:
    unit = m.group("u").lower().rstrip("s")
    interval = _interval(m)
    if unit == "quarter":
        return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", 3 * interval))
    if unit == "day":
        return _Tok("recur", *_span(m), recur=_Recur("DAILY", interval))
    if unit == "week":
        return _Tok("recur", *_span(m), recur=_Recur("WEEKLY", interval, _en_days(m.group("days") or "")))
    if unit == "month":
        if m.group("md"):
            day = int(m.group("md"))
            if not 1 <= day <= 31:
                raise _fail("bad_date", "no such day of the month", *_span(m))
            return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval, bymonthday=day))
        if m.group("lastday"):
            return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval, bymonthday=-1))
        if m.group("ord"):
            wd = _WEEKDAY_EN[m.group("wd").lower()[:3]]
            ordinal = _ORDINAL[m.group("ord").lower()]
            return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval, ((wd, ordinal),)))
        return _Tok("recur", *_span(m), recur=_Recur("MONTHLY", interval))
    if m.group("mon"):
        month, day = _check_md(_MONTH_EN[m.group("mon").lower()[:3]], int(m.group("mday")), _span(m))
        return _Tok("recur", *_span(m), recur=_Recur("YEARLY", interval, bymonth=month, bymonthday=day))
    return _Tok("recur", *_span(m), recur=_Recur("YEARLY", interval))


def _h_en_rec_days(m: re.Match[str], ctx: _Ctx) -> _Tok:
    interval = 2 if m.group("other") else 1
    return _Tok("recur", *_span(m), recur=_Recur("WEEKLY", interval, _en_days(m.group("days"))))


def _relative(n: int | float, unit: str, m: re.Match[str], ctx: _Ctx) -> _Tok:
    if unit in ("day", "week"):
        days = round(n * (7 if unit == "week" else 1))
        return _Tok("date", *_span(m), date=_DateSpec("rel", offset=days))
    if unit == "month":
        return _Tok("date", *_span(m), date=_DateSpec("rel_months", offset=round(n)))
    minutes = n * (60 if unit == "hour" else 1)
    if minutes <= 0 or minutes > _MAX_DURATION.total_seconds() / 60:
        raise _fail("bad_duration", "the offset must be positive and under a month", *_span(m))
    moment = (ctx.now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(ctx.tz)
    return _Tok("moment", *_span(m), moment=moment.replace(second=0, microsecond=0))


def _h_cn_after(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    n_text = m.group("n")
    n: float | None = (
        0.5 if n_text == "半" else _cn_int(n_text) if len(n_text) < 3 or not n_text.isdigit() else int(n_text)
    )
    if n is None:
        return None
    unit = {
        "天": "day",
        "周": "week",
        "星期": "week",
        "礼拜": "week",
        "月": "month",
        "小时": "hour",
        "钟头": "hour",
        "分钟": "minute",
    }[m.group("u")]
    return _relative(n, unit, m, ctx)


def _h_en_in(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    n_text = _SPACE.sub(" ", m.group("n").lower())
    n: float | None = 0.5 if n_text == "half an" else _en_int(n_text)
    if n is None:
        return None
    unit = m.group("u").lower().rstrip("s")
    unit = {"hr": "hour", "min": "minute"}.get(unit, unit)
    return _relative(n, unit, m, ctx)


def _h_iso(m: re.Match[str], ctx: _Ctx) -> _Tok:
    d = _check_ymd(int(m.group("y")), int(m.group("m")), int(m.group("d")), _span(m))
    return _Tok("date", *_span(m), date=_DateSpec("abs", d.year, d.month, d.day))


def _h_cn_ymd(m: re.Match[str], ctx: _Ctx) -> _Tok:
    day = _cn_int(m.group("d") or m.group("dc"))
    d = _check_ymd(int(m.group("y")), _cn_int(m.group("m")), day, _span(m))
    return _Tok("date", *_span(m), date=_DateSpec("abs", d.year, d.month, d.day))


def _h_cn_month_rel(m: re.Match[str], ctx: _Ctx) -> _Tok:
    day = _cn_int(m.group("d"))
    if day is None or not 1 <= day <= 31:
        raise _fail("bad_date", "no such day of the month", *_span(m))
    offset = _week_offset_cn(m.group("pre")) or 0
    return _Tok("date", *_span(m), date=_DateSpec("month_rel", day=day, offset=offset))


def _h_cn_md_range(m: re.Match[str], ctx: _Ctx) -> _Tok:
    month = _cn_int(m.group("m"))
    month, d1 = _check_md(month, int(m.group("d")), _span(m))
    month, d2 = _check_md(month, int(m.group("d2")), _span(m))
    return _Tok(
        "drange",
        *_span(m),
        date=_DateSpec("md", month=month, day=d1),
        date2=_DateSpec("md", month=month, day=d2),
    )


def _h_cn_md(m: re.Match[str], ctx: _Ctx) -> _Tok:
    month, day = _check_md(_cn_int(m.group("m")), _cn_int(m.group("d") or m.group("dc")), _span(m))
    return _Tok("date", *_span(m), date=_DateSpec("md", month=month, day=day))


def _h_slash(m: re.Match[str], ctx: _Ctx) -> _Tok:
    month, day = int(m.group("m")), int(m.group("d"))
    if m.group("y"):
        year = int(m.group("y"))
        d = _check_ymd(year + 2000 if year < 100 else year, month, day, _span(m))
        return _Tok("date", *_span(m), date=_DateSpec("abs", d.year, d.month, d.day))
    month, day = _check_md(month, day, _span(m))
    return _Tok("date", *_span(m), date=_DateSpec("md", month=month, day=day))


def _h_en_md(m: re.Match[str], ctx: _Ctx) -> _Tok:
    month = _MONTH_EN[m.group("mon").lower()[:3]]
    day = int(m.group("d"))
    year = int(m.group("y")) if m.group("y") else None

    def spec(d: int) -> _DateSpec:
        if year is not None:
            v = _check_ymd(year, month, d, _span(m))
            return _DateSpec("abs", v.year, v.month, v.day)
        _check_md(month, d, _span(m))
        return _DateSpec("md", month=month, day=d)

    if "d2" in m.re.groupindex and m.group("d2"):
        return _Tok("drange", *_span(m), date=spec(day), date2=spec(int(m.group("d2"))))
    return _Tok("date", *_span(m), date=spec(day))


def _h_cn_rel(m: re.Match[str], ctx: _Ctx) -> _Tok:
    word = m.group(0)
    offset = {"大后": 3, "后天": 2, "明": 1, "今": 0, "昨": -1, "前天": -2, "大前": -3}
    days = next(v for k, v in offset.items() if word.startswith(k))
    period = {"晚": "eve", "早": "am", "晨": "am"}.get(word[-1])
    return _Tok("date", *_span(m), date=_DateSpec("rel", offset=days, period=period))


def _h_en_rel(m: re.Match[str], ctx: _Ctx) -> _Tok:
    word = _SPACE.sub(" ", m.group(0).lower())
    if m.group("dat"):
        return _Tok("date", *_span(m), date=_DateSpec("rel", offset=2))
    if word.startswith("this "):
        return _Tok("date", *_span(m), date=_DateSpec("rel", offset=0, period=_PERIOD[word[5:]]))
    if word in ("tonight", "tonite"):
        return _Tok("date", *_span(m), date=_DateSpec("rel", offset=0, period="eve"))
    days = {"today": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "yesterday": -1}[word]
    return _Tok("date", *_span(m), date=_DateSpec("rel", offset=days))


def _after_numeral(m: re.Match[str], ctx: _Ctx) -> bool:
    """Whether the match follows a numeral (一周一次, 两周八小时): then 周X is not a weekday."""
    return m.start() > 0 and ctx.text[m.start() - 1] in "一二两三四五六七八九十几每个半0123456789"


def _h_cn_weekday(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    prefix = m.group("pre")
    if not prefix and _after_numeral(m, ctx):
        return None
    week = _week_offset_cn(prefix)
    spec = _DateSpec("weekday", weekday=_cn_weekday(m.group("wd")), week=week)
    return _Tok("date", *_span(m), date=spec, weekday_hint=week is None)


def _h_cn_bad_weekday(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    if not m.group("pre") and _after_numeral(m, ctx):
        return None
    raise _fail("bad_date", f"{m.group(0)} is not a day of the week", *_span(m))


def _h_en_weekday(m: re.Match[str], ctx: _Ctx) -> _Tok:
    prefix = (m.group("pre") or "").lower()
    week = {"this": 0, "next": 1, "last": -1}.get(prefix)
    spec = _DateSpec("weekday", weekday=_WEEKDAY_EN[m.group("wd").lower()[:3]], week=week)
    return _Tok("date", *_span(m), date=spec, weekday_hint=week is None)


def _h_day(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    day = _cn_int(m.group("d"))
    if day is None:
        return None
    if not 1 <= day <= 31:
        raise _fail("bad_date", "no such day of the month", *_span(m))
    return _Tok("date", *_span(m), date=_DateSpec("day", day=day))


def _ampm(text: str | None) -> str | None:
    if not text:
        return None
    return "xam" if text[0] in "aA" else "xpm"


def _make_time(
    hour: int | None, minute: int | None, period: str | None, m: re.Match[str], explicit24: bool = False
) -> _TimeSpec:
    if (
        hour is None
        or minute is None
        or not 0 <= hour <= 24
        or not 0 <= minute <= 59
        or (hour == 24 and minute)
        or (period in ("xam", "xpm") and not 1 <= hour <= 12)
    ):
        raise _fail("bad_time", "no such time of day", *_span(m))
    return _TimeSpec(hour, minute, period, explicit24 or hour == 0 or hour >= 13)


def _h_en_trange(m: re.Match[str], ctx: _Ctx) -> _Tok:
    a1, a2 = _ampm(m.group("a1")), _ampm(m.group("a2"))
    h1, h2 = int(m.group("h1")), int(m.group("h2"))
    m1, m2 = int(m.group("m1") or 0), int(m.group("m2") or 0)
    end = _make_time(h2, m2, a2, m)
    if a1 is None:
        start_same = _make_time(h1, m1, a2, m)
        same, _ = _to_minutes(start_same, None)
        end_minutes, _ = _to_minutes(end, None)
        a1 = a2 if same < end_minutes else ("xam" if a2 == "xpm" else "xpm")
    return _Tok("trange", *_span(m), time=_make_time(h1, m1, a1, m), time2=end)


def _h_cn_trange(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    p1 = _PERIOD.get(m.group("p1") or "")
    p2 = _PERIOD.get(m.group("p2") or "")
    h1, h2 = _cn_int(m.group("h1")), _cn_int(m.group("h2"))
    if h1 is None or h2 is None:
        return None
    minute = 30 if m.group("half") else int(m.group("m2") or 0)
    return _Tok("trange", *_span(m), time=_make_time(h1, 0, p1, m), time2=_make_time(h2, minute, p2, m))


def _h_cn_dur(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    minutes: float
    if m.group("quarter"):
        minutes = 15
    elif m.group("halfclock"):
        minutes = 30
    elif m.group("m2"):
        value = _cn_int(m.group("m2")) if not m.group("m2").isdigit() else int(m.group("m2"))
        if value is None:
            return None
        minutes = value
    else:
        h_text = m.group("h")
        hours: float | None = (
            0.5 if h_text == "半" else (float(h_text) if h_text[0].isdigit() else _cn_int(h_text))
        )
        extra_text = m.group("m")
        extra = 0 if not extra_text else (int(extra_text) if extra_text.isdigit() else _cn_int(extra_text))
        if hours is None or extra is None:
            return None
        minutes = hours * 60 + (30 if m.group("half") else 0) + extra
    return _dur_tok(minutes, m)


def _dur_tok(minutes: float, m: re.Match[str]) -> _Tok:
    duration = timedelta(minutes=round(minutes))
    if duration <= timedelta(0) or duration > _MAX_DURATION:
        raise _fail("bad_duration", "the duration must be positive and at most 31 days", *_span(m))
    return _Tok("dur", *_span(m), duration=duration)


def _h_en_dur(m: re.Match[str], ctx: _Ctx) -> _Tok:
    minutes: float
    if m.group("h"):
        minutes = float(m.group("h")) * 60 + int(m.group("m") or m.group("mb") or 0)
    elif m.group("m2"):
        minutes = int(m.group("m2"))
    elif m.group("h3"):
        minutes = int(m.group("h3")) * 60 + 30
    else:
        hh = _SPACE.sub(" ", m.group("hh").lower())
        minutes = 30 if hh in ("half an", "a half") else 60
        if m.group("andhalf"):
            minutes += 30
    return _dur_tok(minutes, m)


def _h_cn_time(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    hour_text = m.group("hour")
    period_text = m.group("period")
    if not hour_text.isdigit() and not period_text:
        before = ctx.text[m.start() - 1] if m.start() > 0 else ""
        before2 = ctx.text[m.start() - 2] if m.start() > 1 else ""
        if before in "快慢多少大小好高低有差些几第这那每再" or (before in "早晚" and before2 not in "今明昨"):
            return None
    hour = _cn_int(hour_text)
    if hour is None:
        return None
    if m.group("half"):
        minute: int | None = 30
    elif m.group("quarter"):
        minute = 15 if m.group("quarter") == "一刻" else 45
    elif m.group("minute"):
        minute = _cn_int(m.group("minute"))
    else:
        minute = 0
    return _Tok("time", *_span(m), time=_make_time(hour, minute, _PERIOD.get(period_text or ""), m))


def _h_colon_time(m: re.Match[str], ctx: _Ctx) -> _Tok:
    period = _ampm(m.group("ampm")) or _PERIOD.get(m.group("period") or "")
    hour_text = m.group("hour")
    explicit = len(hour_text) == 2 and hour_text[0] == "0"
    return _Tok(
        "time", *_span(m), time=_make_time(int(hour_text), int(m.group("minute")), period, m, explicit)
    )


def _h_en_dot(m: re.Match[str], ctx: _Ctx) -> _Tok:
    time_spec = _make_time(int(m.group("hour")), int(m.group("minute")), _ampm(m.group("ampm")), m)
    return _Tok("time", *_span(m), time=time_spec)


def _h_en_ampm(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("time", *_span(m), time=_make_time(int(m.group("hour")), 0, _ampm(m.group("ampm")), m))


def _h_bare_hour(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("time", *_span(m), time=_make_time(int(m.group("hour")), 0, None, m))


def _h_noon(m: re.Match[str], ctx: _Ctx) -> _Tok:
    word = m.group(0).lower()
    hour = 0 if word in ("midnight", "午夜") else 12
    return _Tok("time", *_span(m), time=_TimeSpec(hour, 0, None, True))


def _h_cn_period(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("period", *_span(m), period=_PERIOD[m.group(0)])


def _h_en_period(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("period", *_span(m), period=_PERIOD[m.group("w").lower()])


def _h_weak(m: re.Match[str], ctx: _Ctx) -> _Tok:
    return _Tok("weak", *_span(m), name=m.group(0))


_HANDLERS: dict[str, _Handler] = {
    "quote": _h_quote, "at": _h_tag, "hash": _h_tag,
    "cn_rec_workday": _h_rec_workday, "cn_rec_day": _h_cn_rec_day, "cn_rec_week": _h_cn_rec_week,
    "cn_rec_month": _h_cn_rec_month, "cn_rec_quarter": _h_rec_quarter, "cn_rec_year": _h_cn_rec_year,
    "en_rec_workday": _h_rec_workday, "en_rec_nth": _h_en_rec_nth, "en_rec_of_month": _h_en_rec_nth,
    "en_rec_unit": _h_en_rec_unit, "en_rec_days": _h_en_rec_days,
    "cn_after": _h_cn_after, "en_in": _h_en_in,
    "iso": _h_iso, "cn_ymd": _h_cn_ymd, "cn_month_rel": _h_cn_month_rel, "cn_md_range": _h_cn_md_range,
    "cn_md": _h_cn_md, "slash": _h_slash, "en_md": _h_en_md, "en_dm": _h_en_md, "cn_rel": _h_cn_rel,
    "en_rel": _h_en_rel, "cn_weekday": _h_cn_weekday, "cn_bad_weekday": _h_cn_bad_weekday,
    "en_weekday": _h_en_weekday, "en_nth": _h_day, "cn_day": _h_day,
    "en_trange": _h_en_trange, "cn_trange": _h_cn_trange, "cn_dur": _h_cn_dur, "en_dur": _h_en_dur,
    "cn_time": _h_cn_time, "colon_time": _h_colon_time, "en_dot": _h_en_dot, "en_ampm": _h_en_ampm,
    "en_oclock": _h_bare_hour, "en_at": _h_bare_hour, "noon": _h_noon,
    "cn_period": _h_cn_period, "en_period": _h_en_period,
    "w_dl": _h_weak, "w_conn": _h_weak, "w_from": _h_weak, "w_filler": _h_weak, "w_for": _h_weak,
    "w_de": _h_weak, "w_since": _h_weak,
}  # fmt: skip
_TIME_KINDS = frozenset({"cn_time", "colon_time", "en_dot", "en_ampm", "en_oclock", "noon"})


def _lex_one(m: re.Match[str], ctx: _Ctx) -> _Tok | None:
    name = m.lastgroup
    assert name is not None
    detail = _RX[name].match(ctx.text, m.start())
    assert detail is not None and detail.end() == m.end()
    tok = _HANDLERS[name](detail, ctx)
    if tok is not None and tok.kind == "weak":
        tok.word = name
    return tok


def _lex(ctx: _Ctx) -> list[_Tok]:
    tokens = []
    for m in _MASTER.finditer(ctx.text):
        tok = _lex_one(m, ctx)
        if tok is not None:
            tokens.append(tok)
    return tokens


# --- time and date arithmetic ---------------------------------------------------------------------------


def _to_minutes(t: _TimeSpec, inherited: str | None) -> tuple[int, bool]:
    """Minutes after midnight (may pass 24:00 for 晚上12点) and whether p.m. was guessed."""
    period = t.period or (None if t.explicit24 else inherited)
    h = t.hour
    guessed = False
    if period in ("pm", "xpm"):
        if 1 <= h <= 11:
            h += 12
    elif period == "eve":
        if 5 <= h <= 11:
            h += 12
        elif h == 12 or 0 <= h <= 4:
            h += 24 if h != 12 else 12
    elif period == "noon":
        if 1 <= h <= 5:
            h += 12
    elif period in ("dawn", "xam"):
        if h == 12:
            h = 0
    elif period is None and not t.explicit24 and 1 <= h <= 6:
        h += 12
        guessed = True
    return h * 60 + t.minute, guessed


def _week_start(ctx: _Ctx) -> date:
    return ctx.today - timedelta(days=(ctx.today.weekday() - ctx.week_start) % 7)


def _resolve_date(spec: _DateSpec, ref: date, ctx: _Ctx, span: tuple[int, int]) -> date:
    """The calendar date `spec` means, counting from `ref` for dates written without year or week."""
    if spec.kind == "abs":
        return date(spec.year, spec.month, spec.day)
    if spec.kind == "rel":
        return ctx.today + timedelta(days=spec.offset)
    if spec.kind == "rel_months":
        return ctx.today + relativedelta(months=spec.offset)
    if spec.kind == "weekday":
        if spec.week is None:
            return ref + timedelta(days=(spec.weekday - ref.weekday()) % 7)
        return _week_start(ctx) + timedelta(days=7 * spec.week + (spec.weekday - ctx.week_start) % 7)
    if spec.kind == "md":
        for year in range(ref.year, ref.year + 9):
            if _valid_ymd(year, spec.month, spec.day) and date(year, spec.month, spec.day) >= ref:
                return date(year, spec.month, spec.day)
    elif spec.kind == "day":
        first = ref.replace(day=1)
        for months in range(4):
            month_start = first + relativedelta(months=months)
            if _valid_ymd(month_start.year, month_start.month, spec.day):
                candidate = month_start.replace(day=spec.day)
                if candidate >= ref:
                    return candidate
    elif spec.kind == "month_rel":
        month_start = ctx.today.replace(day=1) + relativedelta(months=spec.offset)
        if _valid_ymd(month_start.year, month_start.month, spec.day):
            return month_start.replace(day=spec.day)
    raise _fail("bad_date", "no such date", *span)


def _at(d: date, minutes: int, ctx: _Ctx) -> datetime:
    return datetime.combine(d, time(0), tzinfo=ctx.tz) + timedelta(minutes=minutes)


def _plus(start: datetime, duration: timedelta, ctx: _Ctx) -> datetime:
    """`start + duration` in elapsed time (right across daylight-saving changes)."""
    return (start.astimezone(UTC) + duration).astimezone(ctx.tz)


def _group_date(g: _Group, ctx: _Ctx, minutes: int | None) -> date:
    """The date of a group; with no date written: today if the time is still ahead, else tomorrow."""
    span = (g.start, g.end)
    if g.date is None:
        if minutes is not None and _at(ctx.today, minutes, ctx) <= ctx.now:
            return ctx.today + timedelta(days=1)
        return ctx.today
    d = _resolve_date(g.date, ctx.today, ctx, span)
    if (
        g.date.kind == "weekday"
        and g.date.week is None
        and d == ctx.today
        and minutes is not None
        and _at(d, minutes, ctx) <= ctx.now
    ):
        d += timedelta(days=7)
    if g.check_weekday is not None and d.weekday() != g.check_weekday:
        ctx.warn("weekday_mismatch")
    return d


def _group_minutes(g: _Group, ctx: _Ctx) -> int | None:
    """Minutes after midnight of a group's time of day, or None for a date only."""
    if g.time is not None:
        minutes, guessed = _to_minutes(g.time, g.period)
        if guessed:
            ctx.warn("assumed_pm")
        return minutes
    if g.period is not None:
        if g.period != "noon":
            ctx.warn("assumed_time")
        return _PERIOD_DEFAULT[g.period]
    return None


def _time_pair(t1: _TimeSpec, t2: _TimeSpec, period: str | None, ctx: _Ctx) -> tuple[int, int]:
    """Start and end minutes of a time range; the end takes the start's part of day."""
    start, guessed1 = _to_minutes(t1, period)
    inherited = t1.period or period
    end, guessed2 = _to_minutes(t2, inherited if t2.period is None else None)
    if (
        end <= start
        and t2.period is None
        and not t2.explicit24
        and t2.hour < 12
        and inherited in (None, "am", "xam")
        and end + 720 > start
    ):
        end += 720
        guessed2 = inherited is None
    elif end <= start and t2.period in ("dawn", "xam", "am"):
        end += 1440
    if guessed1 or guessed2:
        ctx.warn("assumed_pm")
    return start, end


# --- assembling the parse -------------------------------------------------------------------------------


@dataclass
class _Parts:
    """What the structural pass found, before the kind is chosen."""

    groups: list[_Group] = field(default_factory=list)
    """Standalone moments, in order."""
    ranges: list[_Range] = field(default_factory=list)
    """Ranges, in order."""
    deadlines: list[tuple[_Group, list[_Tok]]] = field(default_factory=list)
    """Deadline moments with their marker words."""
    until: tuple[_Group, list[_Tok]] | None = None
    """End of a recurrence."""


def _gap_is(ctx: _Ctx, start: int, end: int, rx: re.Pattern[str]) -> bool:
    return start <= end and rx.fullmatch(ctx.text, start, end) is not None


def _build_groups(tokens: list[_Tok], ctx: _Ctx) -> list[_Tok | _Group]:
    """Merge adjacent date/time tokens into groups; other tokens pass through."""
    out: list[_Tok | _Group] = []
    current: _Group | None = None
    pending_fillers: list[_Tok] = []
    for tok in tokens:
        groupable = tok.kind in ("date", "drange", "time", "trange", "period", "moment")
        if groupable:
            if (
                current is not None
                and current.accepts(tok)
                and _gap_is(ctx, current.end, tok.start, _GAP_GROUP)
            ):
                current.toks.extend(pending_fillers)
                current.toks.sort(key=lambda t: t.start)
                current.add(tok)
                pending_fillers = []
                continue
            out.extend(pending_fillers)
            pending_fillers = []
            current = _Group()
            current.add(tok)
            out.append(current)
            continue
        if tok.kind == "weak" and tok.word == "w_filler" and current is not None:
            pending_fillers.append(tok)
            continue
        out.extend(pending_fillers)
        pending_fillers = []
        current = None
        out.append(tok)
    out.extend(pending_fillers)
    # A part of day alone (下午 / evening) is not a time, except noon (中午) or right after a recurrence
    # (每周二 下午 / every monday morning).
    result: list[_Tok | _Group] = []
    for index, item in enumerate(out):
        if (
            isinstance(item, _Group)
            and len(item.toks) == 1
            and item.date is None
            and item.period not in (None, "noon")
        ):
            before = out[index - 1] if index else None
            if not (
                isinstance(before, _Tok)
                and before.kind == "recur"
                and _gap_is(ctx, before.end, item.start, _WS)
            ):
                continue
        result.append(item)
    return result


def _structure(items: list[_Tok | _Group], ctx: _Ctx, has_recur: bool) -> tuple[_Parts, set[int]]:
    """Find ranges, deadlines and bound small words; returns the parts and ids of consumed weak tokens."""
    parts = _Parts()
    used: set[int] = set()
    n = len(items)

    def ws(a: int, b: int) -> bool:
        return _gap_is(ctx, a, b, _WS)

    def weak(i: int, word: str | None = None) -> _Tok | None:
        if 0 <= i < n:
            item = items[i]
            if isinstance(item, _Tok) and item.kind == "weak" and (word is None or item.word == word):
                return item
        return None

    def group(i: int) -> _Group | None:
        if 0 <= i < n:
            item = items[i]
            if isinstance(item, _Group):
                return item
        return None

    in_phrase: set[int] = set()
    i = 0
    while i < n:
        g = group(i)
        if g is None or i in in_phrase:
            i += 1
            continue
        conn = weak(i + 1, "w_conn")
        g2 = group(i + 2)
        if (
            conn is not None
            and g2 is not None
            and ws(g.end, conn.start)
            and ws(conn.end, g2.start)
            and g.trange is None
            and g.drange is None
            and g2.trange is None
            and g2.drange is None
        ):
            if has_recur and _UNTIL.fullmatch(conn.name) and g2.date is not None:
                parts.groups.append(g)
                parts.until = (g2, [conn])
                used.add(id(conn))
                in_phrase.update({i, i + 2})
                i += 3
                continue
            extra = [conn]
            start_word = weak(i - 1, "w_from")
            if start_word is not None and ws(start_word.end, g.start):
                extra.append(start_word)
            parts.ranges.append(_Range(g, g2, extra))
            used.update(id(t) for t in extra)
            in_phrase.update({i, i + 2})
            i += 3
            continue
        # deadline before or after
        pre = weak(i - 1, "w_dl")
        suf = weak(i + 1, "w_dl")
        markers: list[_Tok] = []
        if (
            pre is not None
            and id(pre) not in used
            and _DL_PRE.fullmatch(pre.name.rstrip(": \t"))
            and ws(pre.end, g.start)
        ):
            markers.append(pre)
        if suf is not None and _DL_SUF.fullmatch(suf.name) and ws(g.end, suf.start):
            markers.append(suf)
        if not markers and has_recur:
            until_word = weak(i - 1, "w_conn")
            if (
                until_word is not None
                and _UNTIL.fullmatch(until_word.name)
                and ws(until_word.end, g.start)
                and g.date is not None
                and parts.until is None
            ):
                parts.until = (g, [until_word])
                used.add(id(until_word))
                i += 1
                continue
        if markers:
            parts.deadlines.append((g, markers))
            used.update(id(t) for t in markers)
        else:
            parts.groups.append(g)
        i += 1
    # small words that attach to a neighbouring group
    for idx, item in enumerate(items):
        if not isinstance(item, _Tok) or item.kind != "weak" or id(item) in used:
            continue
        prev_g, next_g = group(idx - 1), group(idx + 1)
        if (item.word == "w_from" and next_g is not None and ws(item.end, next_g.start)) or (
            item.word == "w_filler" and next_g is not None and ws(item.end, next_g.start)
        ):
            next_g.used_weak.append(item)
        elif item.word in ("w_de", "w_since") and prev_g is not None and prev_g.end == item.start:
            prev_g.used_weak.append(item)
        else:
            continue
        used.add(id(item))
    return parts, used


def _mark(mask: bytearray, start: int, end: int) -> None:
    mask[start:end] = b"\x01" * (end - start)


def _title(text: str, norm: str, mask: bytearray) -> tuple[str, list[Span]]:
    """The unconsumed text as a title, with the spans it came from.

    Separators are recognised on `norm` (full-width forms folded); the characters come from `text`.
    """
    pieces: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if mask[i]:
            i += 1
            continue
        j = i
        while j < n and not mask[j]:
            j += 1
        a, b = i, j
        if a > 0:  # cut on the left: drop separators left dangling
            m = _EDGE_LEFT.match(norm, a, b)
            if m:
                a = m.end()
        else:
            while a < b and text[a].isspace():
                a += 1
        if b < n:
            m = _EDGE_RIGHT.search(norm, a, b)
            if m:
                b = m.start()
        else:
            while b > a and text[b - 1].isspace():
                b -= 1
        if a < b:
            pieces.append((a, b))
        i = j
    out: list[str] = []
    for k, (a, b) in enumerate(pieces):
        if k:
            prev_end = pieces[k - 1][1]
            gap = text[prev_end:a]
            left, right = norm[prev_end - 1], norm[a]
            if any(c.isspace() for c in gap) or (
                left.isascii() and left.isalnum() and right.isascii() and right.isalnum()
            ):
                out.append(" ")
        out.append(_SPACE.sub(" ", text[a:b]))
    return "".join(out).strip(), [Span(a, b, "title") for a, b in pieces]


def _event_kind(title: str) -> str:
    if _TRAVEL.search(title):
        return "travel"
    if _INSPECTION.search(title):
        return "inspection"
    if _VISIT.search(title):
        return "visit"
    return "meeting"


def _until_text(d: date, timed: bool, ctx: _Ctx) -> str:
    if not timed:
        return d.strftime("%Y%m%d")
    end_local = datetime.combine(d, time(23, 59, 59), tzinfo=ctx.tz)
    return end_local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _first_occurrence(rec: _Recur, lower: datetime, inclusive: bool, span: tuple[int, int]) -> datetime:
    """First occurrence of `rec` at or after (or strictly after) `lower`, in wall-clock time."""
    naive = lower.replace(tzinfo=None)
    byweekday = [_rr.weekday(wd, n or None) for wd, n in rec.byday] or None
    freq = {"DAILY": _rr.DAILY, "WEEKLY": _rr.WEEKLY, "MONTHLY": _rr.MONTHLY, "YEARLY": _rr.YEARLY}[rec.freq]
    start = naive
    rule = _rr.rrule(
        freq,
        dtstart=start,
        interval=1,
        byweekday=byweekday,
        bymonthday=rec.bymonthday,
        bymonth=rec.bymonth,
        until=start + timedelta(days=3700),
    )
    found = rule.after(naive, inc=inclusive)
    if found is None:
        raise _fail("bad_recurrence", "this rule never happens", *span)
    return found.replace(tzinfo=lower.tzinfo)


def parse(
    text: str,
    now: datetime,
    *,
    default_duration: timedelta = timedelta(hours=1),
    week_starts_monday: bool = True,
) -> QuickAdd:
    """Read one quick-add line (Chinese or English) as of `now` (tz-aware); raise QuickAddError if a part is wrong.

    See the module docstring for the forms understood and the choices made on ambiguous input.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    tz = now.tzinfo
    assert tz is not None
    ctx = _Ctx(text.translate(_FULLWIDTH), now, now.date(), tz, 0 if week_starts_monday else 6)
    if not text.strip():
        raise _fail("empty_title", "the line is empty", 0, len(text))
    tokens = _lex(ctx)
    items = _build_groups(tokens, ctx)
    recurs = [t for t in tokens if t.kind == "recur"]
    durs = [t for t in tokens if t.kind == "dur"]
    ats = [t for t in tokens if t.kind == "at"]
    hashes = [t for t in tokens if t.kind == "hash"]
    for many, what in ((recurs, "recurrence"), (durs, "duration"), (ats, "@ tag"), (hashes, "# tag")):
        if len(many) > 1:
            raise _fail("ambiguous", f"more than one {what}", many[1].start, many[1].end)
    parts, used_weak = _structure(items, ctx, bool(recurs))

    spans: list[Span] = []
    mask = bytearray(len(text))

    def release(g: _Group) -> None:
        """Give a group back to the title."""
        for tok in g.used_weak:
            used_weak.discard(id(tok))
        ctx.warn("ignored_date")

    # choose the primary moment: the first range, else the first standalone group; merge the rest
    primary_range = parts.ranges[0] if parts.ranges else None
    for extra_range in parts.ranges[1:]:
        release(extra_range.first)
        release(extra_range.second)
        used_weak.difference_update(id(t) for t in extra_range.extra)
    primary: _Group | None = None
    for g in parts.groups:
        target = primary_range.first if primary_range is not None else primary
        if target is None:
            primary = g
            continue
        if _merge(target, g, primary_range):
            continue
        release(g)
    deadline = parts.deadlines[0] if parts.deadlines else None
    for g, markers in parts.deadlines[1:]:
        release(g)
        used_weak.difference_update(id(t) for t in markers)

    # roles of everything kept (the title is what is left)
    roles: dict[int, tuple[_Tok, str]] = {}

    def claim(toks: list[_Tok], role: str | None) -> None:
        for tok in toks:
            if id(tok) in roles:
                continue
            if role is not None:
                roles[id(tok)] = (tok, role)
            elif tok.kind in ("trange", "drange"):
                roles[id(tok)] = (tok, "range")
            elif tok.kind == "date":
                roles[id(tok)] = (tok, "date")
            elif tok.kind != "weak":
                roles[id(tok)] = (tok, "time")
        for tok in toks:  # small words take the role of the next token claimed
            if id(tok) not in roles:
                later = [r for t, r in roles.values() if t.start >= tok.end]
                roles[id(tok)] = (tok, later[0] if later else "date")

    if primary_range is not None:
        claim(primary_range.own + primary_range.first.used_weak + primary_range.second.used_weak, "range")
        claim(primary_range.first.toks, None)
    if primary is not None:
        claim(primary.toks + [t for t in primary.used_weak if id(t) in used_weak], None)
    if deadline is not None:
        claim(
            deadline[0].toks + deadline[1] + [t for t in deadline[0].used_weak if id(t) in used_weak],
            "deadline",
        )
    if parts.until is not None:
        claim(parts.until[0].toks + parts.until[1], "recurrence")
    recur = recurs[0].recur if recurs else None
    duration_tok = durs[0] if durs else None
    at_tok = ats[0] if ats else None
    hash_tok = hashes[0] if hashes else None
    if recurs:
        claim(recurs, "recurrence")
    if duration_tok is not None:
        claim(durs, "duration")
        claim(
            [
                t
                for t in tokens
                if t.kind == "weak" and t.word == "w_for" and _gap_is(ctx, t.end, duration_tok.start, _WS)
            ],
            "duration",
        )
    if hash_tok is not None:
        claim(hashes, "board")
    for tok, role in sorted(roles.values(), key=lambda item: item[0].start):
        _mark(mask, tok.start, tok.end)
        if spans and spans[-1].role == role and _gap_is(ctx, spans[-1].end, tok.start, _WS):
            spans[-1] = Span(spans[-1].start, tok.end, role)
        else:
            spans.append(Span(tok.start, tok.end, role))
    if at_tok is not None:
        _mark(mask, at_tok.start, at_tok.end)

    title, title_spans = _title(text, ctx.text, mask)

    # kind
    when_range = primary_range
    timed = (primary is not None and primary.has_time) or (
        when_range is not None and (when_range.first.has_time or when_range.second.has_time)
    )
    date_range = (when_range is not None and not timed) or (
        primary is not None and primary.drange is not None
    )
    has_date = primary is not None and (primary.date is not None or primary.drange is not None)
    event_word = any(rx.search(title) for rx in (_EVENT_WORD, _TRAVEL, _INSPECTION, _VISIT))
    if hash_tok is not None:
        kind = "card"
    elif deadline is not None:
        kind = "followup"
    elif timed or date_range or ((recur is not None or has_date) and event_word):
        kind = "event"
    elif at_tok is not None:
        kind = "followup"
    elif recur is not None:
        kind = "event"
    else:
        kind = "followup"

    if at_tok is not None:
        role = "location" if kind == "event" else "owner"
        spans.append(Span(at_tok.start, at_tok.end, role))
    spans.extend(title_spans)

    start_dt: datetime | None = None
    end_dt: datetime | None = None
    all_day = False
    due: date | None = None
    rrule_text: str | None = None
    duration = duration_tok.duration if duration_tok is not None else None

    if kind == "event":
        start_dt, end_dt, all_day = _event_times(
            primary, when_range, recur, duration_tok, ctx, default_duration
        )
        if recur is not None:
            rrule_text = _complete(recur, start_dt.date()).text()
            if parts.until is not None:
                g = parts.until[0]
                assert g.date is not None
                until_date = _resolve_date(g.date, start_dt.date(), ctx, (g.start, g.end))
                if until_date < start_dt.date():
                    raise _fail("end_before_start", "the series ends before it starts", g.start, g.end)
                rrule_text += ";UNTIL=" + _until_text(until_date, not all_day, ctx)
        if all_day and duration_tok is not None:
            ctx.warn("duration_ignored")
        # elapsed time for timed events (right across daylight-saving changes), whole days for all-day ones
        duration = end_dt - start_dt if all_day else end_dt.astimezone(UTC) - start_dt.astimezone(UTC)
        if (all_day and start_dt.date() < ctx.today) or (not all_day and start_dt < now):
            ctx.warn("past")
    else:
        source = deadline[0] if deadline is not None else primary
        if when_range is not None:
            raise _fail(
                "ambiguous",
                "a follow-up or card takes one due date, not a range",
                when_range.start,
                when_range.end,
            )
        if source is not None:
            if source.drange is not None or source.trange is not None:
                raise _fail(
                    "ambiguous",
                    "a follow-up or card takes one due date, not a range",
                    source.start,
                    source.end,
                )
            minutes = _group_minutes(source, ctx) if source.has_time else None
            if minutes is not None:
                ctx.warn("time_ignored")
            due = source.moment.date() if source.moment is not None else _group_date(source, ctx, minutes)
        if recur is not None:
            lower = _at(due or ctx.today, 0, ctx)
            due = _first_occurrence(recur, lower, True, (recurs[0].start, recurs[0].end)).date()
            rrule_text = _complete(recur, due).text()
        if due is not None and due < ctx.today:
            ctx.warn("past")

    if not title:  # checked last: while typing, a wrong date or time is the more useful message
        raise _fail("empty_title", "nothing is left for a title", 0, len(text))
    spans.sort(key=lambda s: (s.start, s.end))
    return QuickAdd(
        kind=kind,
        title=title,
        start=start_dt,
        end=end_dt,
        all_day=all_day,
        duration=duration,
        location=at_tok.name if at_tok is not None and kind == "event" else None,
        owner=at_tok.name if at_tok is not None and kind != "event" else None,
        board=hash_tok.name if hash_tok is not None else None,
        due=due,
        rrule=rrule_text,
        event_kind=_event_kind(title) if kind == "event" else None,
        spans=tuple(spans),
        warnings=tuple(ctx.warnings),
    )


def _complete(rec: _Recur, first: date) -> _Recur:
    """The rule with the day it repeats on spelled out from its first occurrence (same meaning, clearer)."""
    if rec.freq == "WEEKLY" and not rec.byday:
        return _Recur(rec.freq, rec.interval, ((first.weekday(), 0),))
    if rec.freq == "MONTHLY" and not rec.byday and rec.bymonthday is None:
        return _Recur(rec.freq, rec.interval, bymonthday=first.day)
    if rec.freq == "YEARLY" and rec.bymonth is None:
        return _Recur(rec.freq, rec.interval, bymonth=first.month, bymonthday=first.day)
    return rec


def _merge(target: _Group, g: _Group, in_range: _Range | None) -> bool:
    """Fold a separate moment into the primary one when they do not clash (明天 … 下午3点)."""
    if in_range is not None:
        # only a plain date may join a range of times that has none
        if g.date is None or g.has_time or g.drange is not None or g.moment is not None:
            return False
        if in_range.first.date is not None or in_range.second.date is not None:
            return False
    t_date = target.date is not None or target.drange is not None or target.moment is not None
    g_date = g.date is not None or g.drange is not None or g.moment is not None
    t_time = target.time is not None or target.trange is not None or target.moment is not None
    g_time = g.time is not None or g.trange is not None or g.moment is not None
    if (t_date and g_date) or (t_time and g_time) or (target.period is not None and g.period is not None):
        return False
    if (target.drange is not None and g_time) or (g.drange is not None and t_time):
        return False
    if (target.period is not None and g.time is not None and g.time.period is not None) or (
        g.period is not None and target.time is not None and target.time.period is not None
    ):
        return False
    for name in ("date", "drange", "time", "trange", "period", "moment", "check_weekday"):
        if getattr(g, name) is not None and getattr(target, name) is None:
            setattr(target, name, getattr(g, name))
    target.toks.extend(g.toks)
    target.toks.sort(key=lambda t: t.start)
    target.used_weak.extend(g.used_weak)
    return True


def _event_times(
    primary: _Group | None,
    when_range: _Range | None,
    recur: _Recur | None,
    duration_tok: _Tok | None,
    ctx: _Ctx,
    default_duration: timedelta,
) -> tuple[datetime, datetime, bool]:
    """Start, end and all-day flag of an event."""
    duration = duration_tok.duration if duration_tok is not None else None
    if when_range is not None or (primary is not None and (primary.trange or primary.drange)):
        if duration_tok is not None:
            raise _fail(
                "ambiguous", "give either a range or a duration", duration_tok.start, duration_tok.end
            )
        return _range_times(primary, when_range, recur, ctx)
    if primary is None and recur is None:  # pragma: no cover - the kind rules never get here
        raise _fail("bad_date", "no date or time", 0, len(ctx.text))
    minutes = _group_minutes(primary, ctx) if primary is not None else None
    if primary is not None and primary.moment is not None:
        start = primary.moment
    elif recur is not None:
        start = _recur_start(recur, primary, minutes, ctx)
    else:
        assert primary is not None
        day = _group_date(primary, ctx, minutes)
        if minutes is None:
            start = _at(day, 0, ctx)
            return start, _at(day + timedelta(days=1), 0, ctx), True
        start = _at(day, minutes, ctx)
    if minutes is None and (primary is None or primary.moment is None):
        return start, _at(start.date() + timedelta(days=1), 0, ctx), True
    return start, _plus(start, duration or default_duration, ctx), False


def _recur_start(recur: _Recur, g: _Group | None, minutes: int | None, ctx: _Ctx) -> datetime:
    """First occurrence of a series: on or after the date written, else after now (or from today)."""
    span = (g.start, g.end) if g is not None else (0, len(ctx.text))
    if g is not None and g.date is not None:
        day = _resolve_date(g.date, ctx.today, ctx, span)
        return _first_occurrence(recur, _at(day, minutes or 0, ctx), True, span)
    if minutes is not None:
        lower = _at(ctx.today, minutes, ctx)
        found = _first_occurrence(recur, lower, True, span)
        if found <= ctx.now:
            found = _first_occurrence(recur, found, False, span)
        return found
    return _first_occurrence(recur, _at(ctx.today, 0, ctx), True, span)


def _range_times(
    primary: _Group | None, when_range: _Range | None, recur: _Recur | None, ctx: _Ctx
) -> tuple[datetime, datetime, bool]:
    if when_range is not None:
        first, second = when_range.first, when_range.second
        span = (when_range.start, when_range.end)
        timed_toks = [t for t in when_range.own if t.kind != "date"]
        time_span = (timed_toks[0].start, timed_toks[-1].end) if second.date is None and timed_toks else span
        if first.moment is not None or second.moment is not None:
            raise _fail("ambiguous", "a relative time cannot start or end a range", *span)
        t1 = first.time
        t2 = second.time
        if t1 is None and first.period is not None and first.date is not None:
            t1 = _TimeSpec(_PERIOD_DEFAULT[first.period] // 60, 0, None, True)
        if t2 is None and second.period is not None and second.date is not None:
            t2 = _TimeSpec(_PERIOD_DEFAULT[second.period] // 60, 0, None, True)
        d1_spec, d2_spec = first.date, second.date
    else:
        assert primary is not None
        span = time_span = (primary.start, primary.end)
        if primary.trange is not None:
            t1, t2 = primary.trange
            time_span = next((t.start, t.end) for t in primary.toks if t.kind == "trange")
            d1_spec = d2_spec = primary.date
        else:
            assert primary.drange is not None
            if primary.time is not None:
                raise _fail("ambiguous", "a date range with one time of day", *span)
            t1 = t2 = None
            d1_spec, d2_spec = primary.drange
        first = second = primary
    if (t1 is None) != (t2 is None):
        raise _fail("ambiguous", "give a time at both ends of the range, or at neither", *span)
    if recur is not None and (d1_spec is not None and d2_spec is not None and d1_spec != d2_spec):
        raise _fail("ambiguous", "a repeating event cannot span a date range", *span)
    if t1 is None or t2 is None:  # all-day range of dates
        assert d1_spec is not None and d2_spec is not None
        d1 = _resolve_date(d1_spec, ctx.today, ctx, span)
        d2 = _resolve_date(d2_spec, d1, ctx, span)
        if d2_spec.kind == "md" and d2.year > d1.year and d2_spec.month >= d1.month:
            d2 = d2.replace(year=d1.year) if _valid_ymd(d1.year, d2.month, d2.day) else d1 - timedelta(days=1)
        if d2 < d1:
            raise _fail("end_before_start", "the range ends before it starts", *span)
        return _at(d1, 0, ctx), _at(d2 + timedelta(days=1), 0, ctx), True
    m1, m2 = _time_pair(t1, t2, first.period, ctx)
    if first.period is None and second.period is not None and t2.period is None:
        m2, _ = _to_minutes(t2, second.period)
    if d1_spec is None and d2_spec is not None and second is not first:
        d1_spec, d2_spec = d2_spec, None
    if recur is not None:
        fake = _Group(toks=first.toks, date=d1_spec)
        start = _recur_start(recur, fake if d1_spec is not None else None, m1, ctx)
        if m2 <= m1:
            raise _fail("end_before_start", "the range ends before it starts", *time_span)
        return start, start + timedelta(minutes=m2 - m1), False
    day1 = _group_date(_Group(toks=first.toks, date=d1_spec, check_weekday=first.check_weekday), ctx, m1)
    day2 = day1 if d2_spec is None or second is first else _resolve_date(d2_spec, day1, ctx, span)
    start = _at(day1, m1, ctx)
    end = _at(day2, m2, ctx)
    if end <= start:
        raise _fail("end_before_start", "the range ends before it starts", *time_span)
    return start, end, False


# --- explaining -----------------------------------------------------------------------------------------

_WD_SHORT_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WD_LONG_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WD_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_MONTH_SHORT_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_KIND_LABEL = {"event": ("Event", "日程"), "followup": ("Follow-up", "督办事项"), "card": ("Card", "卡片")}
_EVENT_KIND_LABEL = {
    "travel": ("trip", "出差"),
    "visit": ("visit", "拜访"),
    "inspection": ("inspection", "检查"),
}
_ZH_ORD = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", -1: "最后一个"}
_EN_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_ZH_NUMBER = ("", "", "两", "三", "四", "五", "六", "七", "八", "九", "十")


def _fmt_day(d: date, zh: bool, now: datetime | None) -> str:
    show_year = now is not None and d.year != now.year
    if zh:
        return (f"{d.year}年" if show_year else "") + f"{d.month}月{d.day}日 {_WD_ZH[d.weekday()]}"
    return f"{_WD_SHORT_EN[d.weekday()]} {d.day} {_MONTH_SHORT_EN[d.month - 1]}" + (
        f" {d.year}" if show_year else ""
    )


def describe_rrule(rule: str, lang: str = "en") -> str:
    """A short description of an RRULE produced by `parse` ('every Monday', '每月1号'); other rules verbatim."""
    zh = lang.lower().startswith("zh")
    fields = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    freq = fields.get("FREQ", "")
    interval = int(fields.get("INTERVAL", "1"))
    days: list[tuple[int, int]] = []
    for item in filter(None, fields.get("BYDAY", "").split(",")):
        n_text, code = item[:-2], item[-2:]
        if code not in _RRULE_DAY:
            return rule
        days.append((_RRULE_DAY.index(code), int(n_text) if n_text else 0))
    monthday = int(fields["BYMONTHDAY"]) if "BYMONTHDAY" in fields else None
    month = int(fields["BYMONTH"]) if "BYMONTH" in fields else None
    n_zh = _ZH_NUMBER[interval] if interval <= 10 else str(interval)
    if freq == "DAILY":
        return (
            ("每天" if interval == 1 else f"每{n_zh}天")
            if zh
            else ("every day" if interval == 1 else f"every {interval} days")
        )
    if freq == "WEEKLY":
        if [d for d, _ in days] == [0, 1, 2, 3, 4] and interval == 1:
            return "每个工作日" if zh else "every weekday"
        if zh:
            head = "每周" if interval == 1 else f"每{n_zh}周"
            names = "、".join(_WD_ZH[d][1] for d, _ in days)
            return (head + (names if interval == 1 else f"的周{names}")) if days else head
        head = "every" if interval == 1 else f"every {interval} weeks on"
        if not days:
            return "every week" if interval == 1 else f"every {interval} weeks"
        return f"{head} " + ", ".join(_WD_LONG_EN[d] for d, _ in days)
    if freq == "MONTHLY":
        head_zh = {1: "每月", 3: "每季度"}.get(interval, f"每{n_zh}个月")
        head_en = {1: "every month", 3: "every quarter"}.get(interval, f"every {interval} months")
        if monthday is not None:
            if zh:
                return head_zh + ("最后一天" if monthday == -1 else f"{monthday}号")
            return f"{head_en} on the " + ("last day" if monthday == -1 else _ordinal_en(monthday))
        if days:
            d, n = days[0]
            if zh:
                return head_zh + _ZH_ORD.get(n, "") + _WD_ZH[d]
            return f"{head_en} on the {_EN_ORD.get(n, '')} {_WD_LONG_EN[d]}".replace("  ", " ")
        return head_zh if zh else head_en
    if freq == "YEARLY":
        head_zh = "每年" if interval == 1 else f"每{n_zh}年"
        head_en = "every year" if interval == 1 else f"every {interval} years"
        if month is not None and monthday is not None:
            return (
                f"{head_zh}{month}月{monthday}日"
                if zh
                else f"{head_en} on {monthday} {_MONTH_SHORT_EN[month - 1]}"
            )
        return head_zh if zh else head_en
    return rule


def _ordinal_en(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def explain(q: QuickAdd, lang: str = "en", *, now: datetime | None = None) -> str:
    """One line describing the parse, in English ('en') or Chinese ('zh').

    e.g. 'Event · Fri 27 Nov 15:00–16:00 · @3号会议室 · 与财务总监讨论并购方案'. Years are shown only when
    `now` is given and the year differs from it.
    """
    zh = lang.lower().startswith("zh")
    label = _KIND_LABEL[q.kind][1 if zh else 0]
    if q.kind == "event" and q.event_kind in _EVENT_KIND_LABEL:
        sub = _EVENT_KIND_LABEL[q.event_kind][1 if zh else 0]
        label += f"（{sub}）" if zh else f" ({sub})"
    parts = [label]
    if q.kind == "event" and q.start is not None and q.end is not None:
        if q.all_day:
            last = (q.end - timedelta(days=1)).date()
            when = _fmt_day(q.start.date(), zh, now)
            if last != q.start.date():
                when += " – " + _fmt_day(last, zh, now)
            when += " 全天" if zh else " · all day"
        elif q.start.date() == q.end.date():
            when = f"{_fmt_day(q.start.date(), zh, now)} {q.start:%H:%M}–{q.end:%H:%M}"
        else:
            when = (
                f"{_fmt_day(q.start.date(), zh, now)} {q.start:%H:%M} – "
                f"{_fmt_day(q.end.date(), zh, now)} {q.end:%H:%M}"
            )
        parts.append(when)
    if q.rrule:
        parts.append(describe_rrule(q.rrule, lang))
    if q.location:
        parts.append(f"@{q.location}")
    if q.board:
        parts.append(f"#{q.board}")
    if q.owner:
        parts.append(f"责任人 @{q.owner}" if zh else f"owner @{q.owner}")
    if q.due is not None:
        parts.append(f"截止 {_fmt_day(q.due, zh, now)}" if zh else f"due {_fmt_day(q.due, zh, now)}")
    parts.append(q.title)
    for code in q.warnings:
        text = WARNING_TEXT.get(code, {}).get("zh" if zh else "en", code)
        parts.append(f"⚠ {text}")
    return " · ".join(parts)


_SHIFT = re.compile(r"^\s*\+\s*(\d{1,3})\s*(d|w|m|天|日|周|星期|个月|月)\s*$", re.IGNORECASE)


def parse_day(text: str, now: datetime) -> date:
    """A day typed on its own, as of `now`: '+2d', '+1w', '周五', '明天', 'tomorrow', '12/5', '2026-12-05'.

    Used wherever a date is asked for (snooze, --week, --day). Anything but a day (a title, an owner, a
    rule) raises QuickAddError('bad_date') pointing at the whole text.
    """
    shift = _SHIFT.match(text.translate(_FULLWIDTH))
    if shift:
        count, unit = int(shift.group(1)), shift.group(2).lower()
        if unit in ("d", "天", "日"):
            return now.date() + timedelta(days=count)
        if unit in ("w", "周", "星期"):
            return now.date() + timedelta(weeks=count)
        return now.date() + relativedelta(months=count)
    bad = _fail("bad_date", "not a day", 0, len(text))
    if not text.strip():
        raise bad
    try:
        q = parse(f"{text} \u00a7", now)
    except QuickAddError as exc:
        raise _fail(exc.code, exc.message, exc.span[0], min(exc.span[1], len(text))) from exc
    if q.title != "\u00a7" or q.rrule or q.owner or q.board or q.location:
        raise bad
    if q.due is not None:
        return q.due
    if q.start is not None:
        return q.start.astimezone(now.tzinfo).date()
    raise bad
