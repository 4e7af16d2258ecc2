"""周报: the weekly brief's data and its Markdown, in either language, free of storage and UI.

Every Friday the assistant exports a brief for the manager. `services.brief.gather` reads the store into
the dataclasses below (already filtered, sorted, counted and with confidential items left out unless
asked for); `render` turns them into Markdown. Rendering is pure: the same `BriefData` and language give
the same bytes, because everything here is a tuple in a fixed order and nothing iterates a dict or a set
whose order could change.

The brief's language is chosen per call (a Chinese brief from an English session), so its words do not
go through gettext: both languages are written out in `LABELS`. Only error messages, which the person at
the command line reads, are translated with `_`.

A user can reorder, rename or drop sections with a Jinja2 template (`render(..., template_text=...)`):
each section is available as `sections.<key>` (printing it gives its heading and body; `.title` and
`.body` give the parts), the header as `header`, the words as `L` and the data as `data`. `DEFAULT_TEMPLATE`
is the layout used without one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from gmassist.errors import InvalidInput
from gmassist.i18n import _

# --- weeks --------------------------------------------------------------------------------------------

_WEEK = re.compile(r"(\d{4})-?[Ww](\d{1,2})")


def parse_week(text: str) -> tuple[date, date]:
    """The Monday and Sunday of the ISO week `text` ("2026-W48"; "2026w48" is accepted too).

    Raises InvalidInput with a plain explanation when the text is not a week or the year has no such
    week (only some years have a week 53).
    """
    match = _WEEK.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(_("'{text}' is not an ISO week like 2026-W48").format(text=text), "week")
    year, number = int(match[1]), int(match[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise InvalidInput(
            _("{year} has no week {week} (ISO weeks run from 1 to 52 or 53)").format(year=year, week=number),
            "week",
        ) from None
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> str:
    """The ISO week `day` falls in, as "2026-W48"."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


# --- the brief's data ------------------------------------------------------------------------------------

T = TypeVar("T")


@dataclass(frozen=True)
class Shown(Generic[T]):
    """A list as the brief shows it: the items shown, and how many were left out and why."""

    items: tuple[T, ...] = ()
    """The items shown, in order."""
    hidden: int = 0
    """Confidential items left out (shown only as this count unless confidential items are included)."""
    more: int = 0
    """Items left out to keep the brief short (the row limit); the counts above the list include them."""


@dataclass(frozen=True)
class Numbers:
    """The brief's key numbers: shown at the top, remembered per week, compared with the previous brief.

    They count every item, confidential ones too (a count reveals no text), so a brief made with and one
    made without confidential items compare alike.
    """

    meetings: int = 0
    """Meetings in the brief's week."""
    events_next_week: int = 0
    """Occurrences on next week's agenda."""
    conflicts_next_week: int = 0
    """Conflicts (overlaps and too-tight gaps) next week."""
    followups_done: int = 0
    """Follow-ups finished (done or verified) in the brief's week, up to the as-of day."""
    followups_overdue: int = 0
    """Follow-ups past their due date and not finished, on the as-of day."""
    followups_escalated: int = 0
    """Of those, escalated (level 3: overdue by more than the configured days)."""
    followups_due_next_week: int = 0
    """Unfinished follow-ups due next week."""
    documents_awaiting: int = 0
    """Documents submitted to the manager and waiting for his instruction."""
    boards_red: int = 0
    """Active project boards whose traffic light is red."""
    boards_active: int = 0
    """Project boards not archived."""

    def as_dict(self) -> dict[str, int]:
        """The numbers by name, in field order (what is remembered in the store)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The numbers' names in display order."""
        return tuple(f.name for f in dataclasses.fields(cls))


@dataclass(frozen=True)
class PreviousBrief:
    """The numbers remembered when an earlier brief was exported or marked sent."""

    week: str
    """Its ISO week ("2026-W47")."""
    numbers: Mapping[str, int]
    """Its numbers by name (a name missing from an older brief is shown as unknown)."""
    recorded: datetime | None = None
    """When they were remembered (local time), if known."""


@dataclass(frozen=True)
class AgendaEntry:
    """One occurrence on next week's agenda."""

    start: datetime
    """Start, in the brief's zone."""
    end: datetime
    """End, in the brief's zone."""
    all_day: bool
    """A day-long event."""
    title: str
    """Its title."""
    kind: str
    """meeting, visit, inspection, travel, focus, personal."""
    location: str = ""
    """Where."""
    confidential: bool = False
    """A confidential item shown because confidential items were included (marked 🔒)."""
    conflict: bool = False
    """It is part of a conflict next week (marked ⚠)."""


@dataclass(frozen=True)
class AgendaDay:
    """One day of next week's agenda: the occurrences that touch it, by start."""

    day: date
    """The day."""
    entries: tuple[AgendaEntry, ...] = ()
    """What is on, by start time."""


@dataclass(frozen=True)
class Resolution:
    """决议: a follow-up or document that came out of a meeting."""

    kind: str
    """"followup" or "document"."""
    title: str
    """Its title."""
    status: str = ""
    """A follow-up's status or a document's routing state (the stored code)."""
    owner: str = ""
    """The follow-up's owner (a name), or a document's number."""
    due: date | None = None
    """The follow-up's due date."""
    confidential: bool = False
    """Shown because confidential items were included."""


@dataclass(frozen=True)
class Meeting:
    """A meeting of the brief's week with its resolutions."""

    start: datetime
    """Start, in the brief's zone."""
    end: datetime
    """End, in the brief's zone."""
    all_day: bool
    """A day-long event."""
    title: str
    """Its title."""
    location: str = ""
    """Where."""
    confidential: bool = False
    """Shown because confidential items were included."""
    resolutions: Shown[Resolution] = field(default_factory=Shown)
    """Its resolutions (follow-ups with it as their source, items linked as its resolution)."""


@dataclass(frozen=True)
class FollowUpEntry:
    """A follow-up as one row of the brief."""

    title: str
    """What is to be done."""
    department: str
    """The department's name ("" for none)."""
    owner: str
    """The owner's name ("" for none)."""
    due: date | None
    """Due date."""
    status: str
    """The stored status code."""
    escalation: int = 0
    """Escalation level 0-3 on the as-of day (domain.followups.escalation_level)."""
    days_overdue: int = 0
    """Days past due on the as-of day."""
    done_on: date | None = None
    """The day it was finished (local), for finished ones."""
    confidential: bool = False
    """Shown because confidential items were included."""


@dataclass(frozen=True)
class DepartmentRow:
    """One department's follow-ups: the scorecard of the week plus what is escalated and coming."""

    department: str
    """The department's name ("" for follow-ups without one)."""
    done: int = 0
    """Finished in the week."""
    on_time: int = 0
    """Of those, on or before their due date."""
    late: int = 0
    """Of those, after it."""
    rate: float | None = None
    """on_time / (on_time + late); None when none had a due date."""
    overdue: int = 0
    """Overdue on the as-of day."""
    escalated: int = 0
    """Escalated (level 3) on the as-of day."""
    due_next_week: int = 0
    """Unfinished and due next week."""


@dataclass(frozen=True)
class DocumentEntry:
    """A document waiting for the manager's instruction."""

    title: str
    """Its title."""
    number: str
    """文号."""
    sender: str
    """Who sent it."""
    urgency: str
    """normal, urgent, very_urgent."""
    since: datetime
    """When it was submitted (entered its state), in the brief's zone."""
    days_waiting: int
    """Whole days it has waited."""
    reply_by: date | None = None
    """The reply deadline, if any."""
    stale: bool = False
    """Waiting longer than the inbox's stale days."""
    confidential: bool = False
    """Shown because confidential items were included."""


@dataclass(frozen=True)
class MilestoneEntry:
    """A next milestone of a project: a milestone card, or the board's event day."""

    day: date
    """Its date."""
    title: str
    """The card's short id and title ("" for the event day)."""
    event_day: bool = False
    """The board's event date rather than a card."""
    overdue: bool = False
    """Past and not done."""
    confidential: bool = False
    """A confidential card shown because confidential items were included."""


@dataclass(frozen=True)
class BoardEntry:
    """A project board's health, progress and next milestones (domain.board.summarize)."""

    code: str
    """Short code (P3)."""
    name: str
    """Its name."""
    kind: str
    """project, event, crisis."""
    status: str
    """green, amber or red."""
    set_by_hand: bool
    """Whether the status was set by hand."""
    done: int
    """Cards done."""
    total: int
    """Cards not archived."""
    overdue: int
    """Cards overdue."""
    milestones: tuple[MilestoneEntry, ...] = ()
    """The next milestones, by date."""
    confidential: bool = False
    """Shown because confidential items were included."""

    @property
    def progress(self) -> float:
        """Done cards over all cards (0.0 for an empty board)."""
        return self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class ConflictEntry:
    """冲突: two occurrences next week that overlap or sit too close."""

    first: AgendaEntry
    """The one that starts first."""
    second: AgendaEntry
    """The other."""
    kind: str
    """"overlap" or "tight"."""
    minutes: int
    """Minutes of overlap, or of the too-short gap."""


@dataclass(frozen=True)
class BriefData:
    """Everything the brief shows, gathered for one ISO week at one time."""

    week: str
    """The brief's ISO week ("2026-W48")."""
    monday: date
    """First day of the brief's week."""
    generated: datetime
    """When it was made (the clock's now, in the brief's zone)."""
    as_of: date
    """The day overdue and escalation are judged on: today, or the week's Sunday for a past week."""
    zone: str
    """Name of the brief's time zone."""
    numbers: Numbers = field(default_factory=Numbers)
    """The key numbers."""
    previous: PreviousBrief | None = None
    """The previous brief's numbers, if one was remembered."""
    agenda: tuple[AgendaDay, ...] = ()
    """Next week, Monday to Sunday."""
    agenda_hidden: int = 0
    """Confidential events left out of next week's agenda."""
    meetings: Shown[Meeting] = field(default_factory=Shown)
    """The week's meetings, by start."""
    departments: tuple[DepartmentRow, ...] = ()
    """Follow-ups by department (the scorecard's ranking; departments with only coming work last)."""
    completed: Shown[FollowUpEntry] = field(default_factory=Shown)
    """Follow-ups finished in the week, by department then day."""
    overdue: Shown[FollowUpEntry] = field(default_factory=Shown)
    """Overdue follow-ups, by department then urgency."""
    due_next_week: Shown[FollowUpEntry] = field(default_factory=Shown)
    """Follow-ups due next week, by department then due date."""
    documents: Shown[DocumentEntry] = field(default_factory=Shown)
    """Documents waiting for the manager's instruction, longest-waiting first."""
    boards: Shown[BoardEntry] = field(default_factory=Shown)
    """Active project boards, by code."""
    escalated: Shown[FollowUpEntry] = field(default_factory=Shown)
    """Escalated follow-ups (level 3), most urgent first."""
    red_boards: Shown[BoardEntry] = field(default_factory=Shown)
    """Boards whose traffic light is red."""
    conflicts: Shown[ConflictEntry] = field(default_factory=Shown)
    """Conflicts next week, earliest first."""
    hidden_total: int = 0
    """Distinct confidential items left out of the whole brief."""

    @property
    def sunday(self) -> date:
        """Last day of the brief's week."""
        return self.monday + timedelta(days=6)

    @property
    def next_monday(self) -> date:
        """First day of next week."""
        return self.monday + timedelta(days=7)

    @property
    def next_sunday(self) -> date:
        """Last day of next week."""
        return self.monday + timedelta(days=13)


# --- words in both languages ----------------------------------------------------------------------------

LANGUAGES = ("en", "zh")
"""The languages the brief is written in."""

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Weekly brief {week}",
        "period": "Week {week}: {monday} to {sunday}. Next week: {next_monday} to {next_sunday}.",
        "as_of": "Made {time} ({zone}); overdue counted as of {as_of}.",
        "hidden_one": "1 confidential item not shown.",
        "hidden_many": "{n} confidential items not shown.",
        "more": "{n} more not shown.",
        "none": "None.",
        # sections
        "headline": "Headline numbers",
        "changes": "Since the previous brief",
        "agenda": "Next week's agenda",
        "meetings": "This week's meetings and resolutions",
        "followups": "Follow-ups",
        "documents": "Documents awaiting the manager's instruction",
        "projects": "Projects",
        "risks": "Risks and escalations",
        # subsections
        "by_department": "By department",
        "completed": "Completed this week",
        "overdue": "Overdue",
        "due_next_week": "Due next week",
        "escalated": "Escalated follow-ups",
        "red_boards": "Projects in red",
        "conflicts": "Conflicts next week",
        # numbers
        "n_meetings": "Meetings this week",
        "n_events_next_week": "Events next week",
        "n_conflicts_next_week": "Conflicts next week",
        "n_followups_done": "Follow-ups completed this week",
        "n_followups_overdue": "Follow-ups overdue",
        "n_followups_escalated": "Follow-ups escalated",
        "n_followups_due_next_week": "Follow-ups due next week",
        "n_documents_awaiting": "Documents awaiting instruction",
        "n_boards_red": "Projects in red",
        "n_boards_active": "Active projects",
        # tables
        "item": "Item",
        "number": "Number",
        "previous": "Previous ({week})",
        "now": "Now",
        "change": "Change",
        "compared": "Compared with the brief of {week}, recorded {time}.",
        "compared_plain": "Compared with the brief of {week}.",
        "no_previous": "No earlier brief was recorded (a brief's numbers are kept when it is written to a file"
        " or marked sent).",
        "time": "Time",
        "event": "Event",
        "kind": "Kind",
        "location": "Location",
        "no_events": "No events.",
        "all_day": "all day",
        "no_resolutions": "No resolutions recorded.",
        "resolution_followup": "Follow-up",
        "resolution_document": "Document",
        "resolution_format": "{label}: {title} ({details})",
        "resolution_plain": "{label}: {title}",
        "due_on": "due {day}",
        "separator": "; ",
        "code_format": "{name} ({code})",
        "red_line": "{name}: {overdue_label} {overdue}; {progress_label} {progress}",
        "department": "Department",
        "followup": "Follow-up",
        "owner": "Owner",
        "due": "Due",
        "status": "Status",
        "escalation": "Escalation",
        "days_overdue": "Days overdue",
        "done_on": "Done on",
        "done": "Done",
        "on_time": "On time",
        "late": "Late",
        "rate": "On-time rate",
        "col_overdue": "Overdue",
        "col_escalated": "Escalated",
        "col_due_next_week": "Due next week",
        "no_department": "(no department)",
        "submitted": "Submitted",
        "document": "Document",
        "doc_number": "No.",
        "sender": "From",
        "urgency": "Urgency",
        "waiting": "Waiting",
        "reply_by": "Reply by",
        "days": "{n} d",
        "stale": "{n} d (too long)",
        "project": "Project",
        "progress": "Progress",
        "progress_value": "{percent} ({done}/{total})",
        "cards_overdue": "Cards overdue",
        "milestones": "Next milestones",
        "event_day": "event day",
        "milestone_overdue": "(overdue)",
        "by_hand": " (set by hand)",
        "first": "First",
        "second": "Second",
        "conflict": "Conflict",
        "overlap": "overlap {n} min",
        "tight": "gap {n} min",
        "day": "Day",
        "confidential_mark": "🔒 ",
        "conflict_mark": "⚠ ",
        # codes
        "status.open": "open",
        "status.in_progress": "in progress",
        "status.waiting": "waiting",
        "status.blocked": "blocked",
        "status.done": "done (to verify)",
        "status.verified": "verified",
        "status.cancelled": "cancelled",
        "escalation.0": "on track",
        "escalation.1": "reminder",
        "escalation.2": "overdue",
        "escalation.3": "escalated",
        "health.green": "green",
        "health.amber": "amber",
        "health.red": "red",
        "urgency.normal": "normal",
        "urgency.urgent": "urgent",
        "urgency.very_urgent": "very urgent",
        "state.received": "received",
        "state.drafting": "drafting opinion",
        "state.submitted": "submitted for approval",
        "state.instructed": "instructed",
        "state.routed": "routed",
        "state.in_progress": "in progress",
        "state.closed": "closed",
        "state.archived": "archived",
        "state.returned": "returned",
        "state.withdrawn": "withdrawn",
        "event.meeting": "meeting",
        "event.visit": "visit",
        "event.inspection": "inspection",
        "event.travel": "travel",
        "event.focus": "focus",
        "event.personal": "personal",
        "board.project": "project",
        "board.event": "event",
        "board.crisis": "crisis",
        "weekday.0": "Mon",
        "weekday.1": "Tue",
        "weekday.2": "Wed",
        "weekday.3": "Thu",
        "weekday.4": "Fri",
        "weekday.5": "Sat",
        "weekday.6": "Sun",
        "day_format": "{weekday} {date}",
    },
    "zh": {
        "title": "总经理周报 {week}",
        "period": "本周：{monday} 至 {sunday}；下周：{next_monday} 至 {next_sunday}。",
        "as_of": "生成于 {time}（{zone}）；逾期按 {as_of} 计算。",
        "hidden_one": "另有 1 项机密事项未列出。",
        "hidden_many": "另有 {n} 项机密事项未列出。",
        "more": "另有 {n} 项未列出。",
        "none": "无。",
        "headline": "本周要点",
        "changes": "与上期相比",
        "agenda": "下周日程",
        "meetings": "本周会议及决议",
        "followups": "督办事项",
        "documents": "待总经理批示的文件",
        "projects": "项目看板",
        "risks": "风险与升级",
        "by_department": "按部门",
        "completed": "本周办结",
        "overdue": "已逾期",
        "due_next_week": "下周到期",
        "escalated": "已升级的督办事项",
        "red_boards": "红灯项目",
        "conflicts": "下周日程冲突",
        "n_meetings": "本周会议",
        "n_events_next_week": "下周日程",
        "n_conflicts_next_week": "下周冲突",
        "n_followups_done": "本周办结督办事项",
        "n_followups_overdue": "逾期督办事项",
        "n_followups_escalated": "已升级督办事项",
        "n_followups_due_next_week": "下周到期督办事项",
        "n_documents_awaiting": "待批示文件",
        "n_boards_red": "红灯项目",
        "n_boards_active": "进行中的项目",
        "item": "项目",
        "number": "数量",
        "previous": "上期（{week}）",
        "now": "本期",
        "change": "变化",
        "compared": "与 {week} 周报（记录于 {time}）相比。",
        "compared_plain": "与 {week} 周报相比。",
        "no_previous": "尚无上期周报记录（周报写入文件或标记为已发送时保存其数字）。",
        "time": "时间",
        "event": "日程项",
        "kind": "类型",
        "location": "地点",
        "no_events": "无日程。",
        "all_day": "全天",
        "no_resolutions": "未记录决议。",
        "resolution_followup": "督办",
        "resolution_document": "文件",
        "resolution_format": "{label}：{title}（{details}）",
        "resolution_plain": "{label}：{title}",
        "due_on": "{day} 截止",
        "separator": "；",
        "code_format": "{name}（{code}）",
        "red_line": "{name}：{overdue_label} {overdue}；{progress_label} {progress}",
        "department": "部门",
        "followup": "督办事项",
        "owner": "责任人",
        "due": "截止",
        "status": "状态",
        "escalation": "升级",
        "days_overdue": "逾期天数",
        "done_on": "办结日期",
        "done": "办结",
        "on_time": "按时",
        "late": "延期",
        "rate": "按时率",
        "col_overdue": "逾期",
        "col_escalated": "已升级",
        "col_due_next_week": "下周到期",
        "no_department": "（未指定部门）",
        "submitted": "呈批时间",
        "document": "文件",
        "doc_number": "文号",
        "sender": "来文单位",
        "urgency": "紧急程度",
        "waiting": "已等待",
        "reply_by": "答复期限",
        "days": "{n}天",
        "stale": "{n}天（过久）",
        "project": "项目",
        "progress": "进度",
        "progress_value": "{percent}（{done}/{total}）",
        "cards_overdue": "逾期卡片",
        "milestones": "近期里程碑",
        "event_day": "活动日",
        "milestone_overdue": "（已逾期）",
        "by_hand": "（手动设定）",
        "first": "日程项一",
        "second": "日程项二",
        "conflict": "冲突",
        "overlap": "重叠 {n} 分钟",
        "tight": "间隔仅 {n} 分钟",
        "day": "日期",
        "confidential_mark": "🔒 ",
        "conflict_mark": "⚠ ",
        "status.open": "待办",
        "status.in_progress": "进行中",
        "status.waiting": "等待中",
        "status.blocked": "受阻",
        "status.done": "已完成（待核实）",
        "status.verified": "已核实",
        "status.cancelled": "已取消",
        "escalation.0": "正常",
        "escalation.1": "提醒",
        "escalation.2": "已逾期",
        "escalation.3": "已升级",
        "health.green": "绿灯",
        "health.amber": "黄灯",
        "health.red": "红灯",
        "urgency.normal": "普通",
        "urgency.urgent": "紧急",
        "urgency.very_urgent": "特急",
        "state.received": "已登记",
        "state.drafting": "拟办中",
        "state.submitted": "已呈批",
        "state.instructed": "已批示",
        "state.routed": "已流转",
        "state.in_progress": "承办中",
        "state.closed": "已办结",
        "state.archived": "已归档",
        "state.returned": "已退回",
        "state.withdrawn": "已撤回",
        "event.meeting": "会议",
        "event.visit": "拜访",
        "event.inspection": "检查",
        "event.travel": "出差",
        "event.focus": "专注",
        "event.personal": "个人",
        "board.project": "项目",
        "board.event": "活动",
        "board.crisis": "危机",
        "weekday.0": "周一",
        "weekday.1": "周二",
        "weekday.2": "周三",
        "weekday.3": "周四",
        "weekday.4": "周五",
        "weekday.5": "周六",
        "weekday.6": "周日",
        "day_format": "{date} {weekday}",
    },
}
"""Every word of the brief in English and Chinese (the same keys in both; a test checks)."""

SECTIONS: tuple[str, ...] = (
    "headline",
    "changes",
    "agenda",
    "meetings",
    "followups",
    "documents",
    "projects",
    "risks",
)
"""The sections' keys, in the default order (also their default titles' keys in LABELS)."""

DEFAULT_TEMPLATE = "{{ header }}\n\n" + "\n\n".join(f"{{{{ sections.{key} }}}}" for key in SECTIONS) + "\n"
"""The default layout as a Jinja2 template: a starting point for one's own (`gmassist brief
--print-template`). Rendering without a template gives the same bytes as rendering with this one."""


def language(lang: str) -> str:
    """'zh' for any Chinese language tag, else 'en'."""
    return "zh" if lang.lower().startswith("zh") else "en"


# --- Markdown helpers ------------------------------------------------------------------------------------


def cell(text: str) -> str:
    """`text` made safe for one Markdown table cell or list line: one line, pipes and backslashes escaped,
    and no HTML tag can open."""
    one_line = " ".join(str(text).split())
    return one_line.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


class _Words:
    """The labels of one language, with the formatting the sections share."""

    def __init__(self, lang: str) -> None:
        self.lang = language(lang)
        self.words = LABELS[self.lang]

    def __getitem__(self, key: str) -> str:
        return self.words[key]

    def code(self, group: str, value: str) -> str:
        """The label of a stored code (an unknown code is shown as it is)."""
        return self.words.get(f"{group}.{value}", value)

    def day(self, day: date) -> str:
        return self.words["day_format"].format(
            weekday=self.words[f"weekday.{day.weekday()}"], date=day.isoformat()
        )

    def title(self, text: str, confidential: bool) -> str:
        return (self.words["confidential_mark"] if confidential else "") + cell(text)

    def hidden(self, n: int) -> str:
        return self.words["hidden_one"] if n == 1 else self.words["hidden_many"].format(n=n)

    def notes(self, shown: Shown[Any]) -> list[str]:
        """The lines under a list: how many were left out, and why."""
        notes = []
        if shown.more:
            notes.append(self.words["more"].format(n=shown.more))
        if shown.hidden:
            notes.append(self.hidden(shown.hidden))
        return [" ".join(notes)] if notes else []

    def span(self, entry: AgendaEntry | Meeting, day: date | None = None) -> str:
        """The times on `day` (its own start day by default), like 09:00–10:30; "…" where it runs over
        from or into another day; "all day" for a day-long event."""
        if entry.all_day:
            return self.words["all_day"]
        day = day or entry.start.date()
        start = entry.start.strftime("%H:%M") if entry.start.date() == day else "…"
        if entry.end.date() == day:
            end = entry.end.strftime("%H:%M")
        elif entry.end == datetime.combine(day + timedelta(days=1), time(), entry.end.tzinfo):
            end = "24:00"
        else:
            end = "…"
        return f"{start}–{end}"


def _paragraphs(*blocks: Sequence[str]) -> str:
    """Blocks of lines joined with one blank line between them (empty blocks dropped)."""
    return "\n\n".join("\n".join(block) for block in blocks if block)


# --- sections ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One section as a template sees it: printing it gives "## title" and the body."""

    key: str
    """Stable key (see SECTIONS)."""
    title: str
    """The heading's text in the brief's language."""
    body: str
    """The Markdown under the heading (sub-headings are level 3)."""

    def __str__(self) -> str:
        return f"## {self.title}\n\n{self.body}"


def _headline(data: BriefData, w: _Words) -> str:
    rows = [[w[f"n_{name}"], str(value)] for name, value in data.numbers.as_dict().items()]
    return _paragraphs(_table([w["item"], w["number"]], rows))


def _changes(data: BriefData, w: _Words) -> str:
    previous = data.previous
    if previous is None:
        return w["no_previous"]
    if previous.recorded is not None:
        intro = w["compared"].format(week=previous.week, time=previous.recorded.strftime("%Y-%m-%d %H:%M"))
    else:
        intro = w["compared_plain"].format(week=previous.week)
    rows = []
    for name, now in data.numbers.as_dict().items():
        before = previous.numbers.get(name)
        if before is None:
            rows.append([w[f"n_{name}"], "—", str(now), "—"])
        else:
            delta = now - before
            rows.append([w[f"n_{name}"], str(before), str(now), f"{delta:+d}" if delta else "0"])
    header = [w["item"], w["previous"].format(week=previous.week), w["now"], w["change"]]
    return _paragraphs([intro], _table(header, rows))


def _agenda(data: BriefData, w: _Words) -> str:
    blocks: list[list[str]] = []
    for agenda_day in data.agenda:
        block = [f"### {w.day(agenda_day.day)}", ""]
        if agenda_day.entries:
            rows = [
                [
                    w.span(entry, agenda_day.day),
                    (w["conflict_mark"] if entry.conflict else "") + w.title(entry.title, entry.confidential),
                    w.code("event", entry.kind),
                    cell(entry.location),
                ]
                for entry in agenda_day.entries
            ]
            block += _table([w["time"], w["event"], w["kind"], w["location"]], rows)
        else:
            block.append(w["no_events"])
        blocks.append(block)
    if data.agenda_hidden:
        blocks.append([w.hidden(data.agenda_hidden)])
    return _paragraphs(*blocks)


def _resolution(resolution: Resolution, w: _Words) -> str:
    if resolution.kind == "document":
        parts = [w.code("state", resolution.status)] if resolution.status else []
        if resolution.owner:
            parts.insert(0, cell(resolution.owner))
        label = w["resolution_document"]
    else:
        parts = [cell(resolution.owner)] if resolution.owner else []
        if resolution.due is not None:
            parts.append(w["due_on"].format(day=resolution.due.isoformat()))
        parts.append(w.code("status", resolution.status))
        label = w["resolution_followup"]
    title = w.title(resolution.title, resolution.confidential)
    if not parts:
        return w["resolution_plain"].format(label=label, title=title)
    return w["resolution_format"].format(label=label, title=title, details=w["separator"].join(parts))


def _meetings(data: BriefData, w: _Words) -> str:
    lines: list[str] = []
    for meeting in data.meetings.items:
        where = f" · {cell(meeting.location)}" if meeting.location else ""
        lines.append(
            f"- **{w.day(meeting.start.date())} {w.span(meeting)}** "
            f"{w.title(meeting.title, meeting.confidential)}{where}"
        )
        shown = meeting.resolutions
        if not shown.items and not shown.hidden and not shown.more:
            lines.append(f"  - {w['no_resolutions']}")
        lines += [f"  - {_resolution(resolution, w)}" for resolution in shown.items]
        lines += [f"  - {note}" for note in w.notes(shown)]
    if not lines:
        lines = [w["none"]] if not data.meetings.hidden else []
    return _paragraphs(lines, w.notes(data.meetings))


def _department(name: str, w: _Words) -> str:
    return cell(name) if name else w["no_department"]


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _followup_rows(shown: Shown[FollowUpEntry], w: _Words, header: Sequence[str], row: Any) -> list[str]:
    if not shown.items:
        return ([w["none"]] if not shown.hidden else []) + w.notes(shown)
    return [*_table(header, [row(entry) for entry in shown.items]), "", *w.notes(shown)]


def _escalation(entry: FollowUpEntry, w: _Words) -> str:
    return f"{entry.escalation} {w.code('escalation', str(entry.escalation))}"


def _followups(data: BriefData, w: _Words) -> str:
    dept_rows = [
        [
            _department(row.department, w),
            str(row.done),
            str(row.on_time),
            str(row.late),
            _rate(row.rate),
            str(row.overdue),
            str(row.escalated),
            str(row.due_next_week),
        ]
        for row in data.departments
    ]
    by_department = [f"### {w['by_department']}", ""]
    if dept_rows:
        header = [
            w["department"],
            w["done"],
            w["on_time"],
            w["late"],
            w["rate"],
            w["col_overdue"],
            w["col_escalated"],
            w["col_due_next_week"],
        ]
        by_department += _table(header, dept_rows)
    else:
        by_department.append(w["none"])

    def due(entry: FollowUpEntry) -> str:
        return entry.due.isoformat() if entry.due else "—"

    completed = _followup_rows(
        data.completed,
        w,
        [w["department"], w["followup"], w["owner"], w["due"], w["done_on"], w["status"]],
        lambda e: [
            _department(e.department, w),
            w.title(e.title, e.confidential),
            cell(e.owner),
            due(e),
            e.done_on.isoformat() if e.done_on else "—",
            w.code("status", e.status),
        ],
    )
    overdue = _followup_rows(
        data.overdue,
        w,
        [
            w["department"],
            w["followup"],
            w["owner"],
            w["due"],
            w["days_overdue"],
            w["escalation"],
            w["status"],
        ],
        lambda e: [
            _department(e.department, w),
            w.title(e.title, e.confidential),
            cell(e.owner),
            due(e),
            str(e.days_overdue),
            _escalation(e, w),
            w.code("status", e.status),
        ],
    )
    coming = _followup_rows(
        data.due_next_week,
        w,
        [w["department"], w["followup"], w["owner"], w["due"], w["status"]],
        lambda e: [
            _department(e.department, w),
            w.title(e.title, e.confidential),
            cell(e.owner),
            due(e),
            w.code("status", e.status),
        ],
    )
    return _paragraphs(
        by_department,
        [f"### {w['completed']}", "", *completed],
        [f"### {w['overdue']}", "", *overdue],
        [f"### {w['due_next_week']}", "", *coming],
    )


def _documents(data: BriefData, w: _Words) -> str:
    shown = data.documents
    if not shown.items:
        return _paragraphs([w["none"]] if not shown.hidden else [], w.notes(shown))
    rows = [
        [
            doc.since.strftime("%Y-%m-%d"),
            w.title(doc.title, doc.confidential),
            cell(doc.number),
            cell(doc.sender),
            w.code("urgency", doc.urgency),
            w["stale" if doc.stale else "days"].format(n=doc.days_waiting),
            doc.reply_by.isoformat() if doc.reply_by else "—",
        ]
        for doc in shown.items
    ]
    header = [
        w["submitted"],
        w["document"],
        w["doc_number"],
        w["sender"],
        w["urgency"],
        w["waiting"],
        w["reply_by"],
    ]
    return _paragraphs(_table(header, rows), w.notes(shown))


def _milestones(board: BoardEntry, w: _Words) -> str:
    parts = []
    for milestone in board.milestones:
        text = w["event_day"] if milestone.event_day else w.title(milestone.title, milestone.confidential)
        late = w["milestone_overdue"] if milestone.overdue else ""
        parts.append(f"{milestone.day.isoformat()} {text}{late}")
    return w["separator"].join(parts) or "—"


def _status(board: BoardEntry, w: _Words) -> str:
    return w.code("health", board.status) + (w["by_hand"] if board.set_by_hand else "")


def _projects(data: BriefData, w: _Words) -> str:
    shown = data.boards
    if not shown.items:
        return _paragraphs([w["none"]] if not shown.hidden else [], w.notes(shown))
    rows = [
        [
            w["code_format"].format(name=w.title(board.name, board.confidential), code=cell(board.code)),
            w.code("board", board.kind),
            _status(board, w),
            w["progress_value"].format(percent=f"{board.progress:.0%}", done=board.done, total=board.total),
            str(board.overdue),
            _milestones(board, w),
        ]
        for board in shown.items
    ]
    header = [w["project"], w["kind"], w["status"], w["progress"], w["cards_overdue"], w["milestones"]]
    return _paragraphs(_table(header, rows), w.notes(shown))


def _risks(data: BriefData, w: _Words) -> str:
    escalated = _followup_rows(
        data.escalated,
        w,
        [w["followup"], w["department"], w["owner"], w["due"], w["days_overdue"]],
        lambda e: [
            w.title(e.title, e.confidential),
            _department(e.department, w),
            cell(e.owner),
            e.due.isoformat() if e.due else "—",
            str(e.days_overdue),
        ],
    )
    red: list[str] = [
        "- "
        + w["red_line"].format(
            name=w["code_format"].format(name=w.title(board.name, board.confidential), code=cell(board.code)),
            overdue_label=w["cards_overdue"],
            overdue=board.overdue,
            progress_label=w["progress"],
            progress=f"{board.progress:.0%}",
        )
        for board in data.red_boards.items
    ]
    if not red and not data.red_boards.hidden:
        red = [w["none"]]
    conflict_rows = [
        [
            w.day(c.first.start.date()),
            f"{w.span(c.first)} {w.title(c.first.title, c.first.confidential)}",
            f"{w.span(c.second)} {w.title(c.second.title, c.second.confidential)}",
            w[c.kind].format(n=c.minutes),
        ]
        for c in data.conflicts.items
    ]
    if conflict_rows:
        conflicts = [*_table([w["day"], w["first"], w["second"], w["conflict"]], conflict_rows), ""]
    else:
        conflicts = [w["none"]] if not data.conflicts.hidden else []
    return _paragraphs(
        [f"### {w['escalated']}", "", *escalated],
        [f"### {w['red_boards']}", "", *red, *([""] if red else []), *w.notes(data.red_boards)],
        [f"### {w['conflicts']}", "", *conflicts, *w.notes(data.conflicts)],
    )


_BUILDERS = {
    "headline": _headline,
    "changes": _changes,
    "agenda": _agenda,
    "meetings": _meetings,
    "followups": _followups,
    "documents": _documents,
    "projects": _projects,
    "risks": _risks,
}


def _header(data: BriefData, w: _Words) -> str:
    lines = [
        f"# {w['title'].format(week=data.week)}",
        "",
        w["period"].format(
            week=data.week,
            monday=w.day(data.monday),
            sunday=w.day(data.sunday),
            next_monday=w.day(data.next_monday),
            next_sunday=w.day(data.next_sunday),
        ),
        "",
        w["as_of"].format(
            time=data.generated.strftime("%Y-%m-%d %H:%M"), zone=data.zone, as_of=data.as_of.isoformat()
        ),
    ]
    if data.hidden_total:
        lines += ["", w.hidden(data.hidden_total)]
    return "\n".join(lines)


def sections(data: BriefData, lang: str) -> dict[str, Section]:
    """Every section of the brief in `lang`, by key, in the default order."""
    w = _Words(lang)
    return {key: Section(key, w[key], _BUILDERS[key](data, w)) for key in SECTIONS}


def _tidy(text: str) -> str:
    """Trailing spaces removed, runs of blank lines cut to one, exactly one newline at the end."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def render(data: BriefData, lang: str, template_text: str | None = None) -> str:
    """The brief as Markdown in `lang` ("zh" or "en"), laid out by `template_text` (Jinja2) or by default.

    A template sees `header`, `sections` (by key: printing one gives its heading and body; `.title` and
    `.body` give the parts, to rename or re-level it), `L` (the words of the language), `lang` and `data`
    (the BriefData). It runs in Jinja2's sandbox with undefined names as errors; a broken template raises
    InvalidInput naming the problem and its line.
    """
    w = _Words(lang)
    parts = sections(data, lang)
    header = _header(data, w)
    if template_text is None:
        return _tidy(_paragraphs([header], *([str(parts[key])] for key in SECTIONS)))
    return _tidy(_render_template(template_text, header=header, parts=parts, w=w, data=data))


def _render_template(text: str, *, header: str, parts: dict[str, Section], w: _Words, data: BriefData) -> str:
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True, trim_blocks=True
    )
    env.filters["cell"] = cell
    try:
        template = env.from_string(text)
        return template.render(header=header, sections=parts, L=dict(w.words), lang=w.lang, data=data)
    except jinja2.TemplateSyntaxError as exc:
        raise InvalidInput(
            _("brief template, line {line}: {error}").format(line=exc.lineno, error=exc.message), "template"
        ) from None
    except jinja2.TemplateError as exc:
        raise InvalidInput(_("brief template: {error}").format(error=exc), "template") from None
