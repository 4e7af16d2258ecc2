"""督办: the follow-up tracker's rules, free of storage and UI.

A follow-up (督办事项) is an instruction or resolution passed to an owner and tracked until it is done
and verified. This module holds what can be decided from a follow-up's fields and the date alone:
the status machine, whether it is overdue or stale, the escalation ladder, validation of an edit, the
dates a recurring follow-up is due on, the text of a polite nudge, the department scorecard and the
predicates behind the saved views and the filter line.

Everything here is computed, never stored: "overdue" or "escalated" depends on today, so storing it
would make it wrong tomorrow. Time is always passed in (`today` as a `date`, `now` as a tz-aware
`datetime`); nothing reads the clock.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import IntEnum, StrEnum
from typing import Protocol

from dateutil.rrule import rrulestr

from gmassist.errors import InvalidInput
from gmassist.i18n import N_, _

# --- status machine -----------------------------------------------------------------------------------


class Status(StrEnum):
    """The status of a follow-up, stored as its string value in `FollowUp.status`."""

    OPEN = "open"
    """Passed to the owner, not started yet."""
    IN_PROGRESS = "in_progress"
    """The owner is working on it."""
    WAITING = "waiting"
    """Waiting on someone (another department, a supplier, the manager)."""
    BLOCKED = "blocked"
    """Cannot go on until an obstacle is removed."""
    DONE = "done"
    """The owner reports it done; the assistant has not verified it yet."""
    VERIFIED = "verified"
    """Checked and closed."""
    CANCELLED = "cancelled"
    """Dropped: no longer needed."""


ACTIVE: frozenset[Status] = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.WAITING, Status.BLOCKED})
"""Statuses in which the owner still has work to do: these can be overdue, stale or due a check-in."""

CLOSED: frozenset[Status] = frozenset({Status.DONE, Status.VERIFIED, Status.CANCELLED})
"""Statuses in which the owner's work is over (done awaits only the assistant's verification)."""

STATUS_LABELS: dict[Status, str] = {
    Status.OPEN: N_("open"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.WAITING: N_("waiting"),
    Status.BLOCKED: N_("blocked"),
    Status.DONE: N_("done (to verify)"),
    Status.VERIFIED: N_("verified"),
    Status.CANCELLED: N_("cancelled"),
}
"""English source of each status's label; translate with `status_label`."""

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset(
        {Status.IN_PROGRESS, Status.WAITING, Status.BLOCKED, Status.DONE, Status.CANCELLED}
    ),
    Status.IN_PROGRESS: frozenset(
        {Status.OPEN, Status.WAITING, Status.BLOCKED, Status.DONE, Status.CANCELLED}
    ),
    Status.WAITING: frozenset(
        {Status.OPEN, Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.CANCELLED}
    ),
    Status.BLOCKED: frozenset(
        {Status.OPEN, Status.IN_PROGRESS, Status.WAITING, Status.DONE, Status.CANCELLED}
    ),
    Status.DONE: frozenset({Status.VERIFIED, Status.OPEN}),
    Status.VERIFIED: frozenset({Status.OPEN}),
    Status.CANCELLED: frozenset({Status.OPEN}),
}
"""The legal moves. Active statuses move freely among themselves and to done or cancelled (the owner's
situation changes in any order); done is verified or reopened (verification failed); verified and
cancelled can only be reopened. A reopened follow-up always goes back to open, so that it is looked at
afresh rather than silently resuming an old state."""


class IllegalTransition(InvalidInput, ValueError):
    """A status change that the status machine does not allow.

    `code` says why in a stable word for programs (`unknown_status`, `unchanged`, `verify_needs_done`,
    `reopen_to_open`, `not_allowed`); the message says it to the user.
    """

    def __init__(self, message: str, code: str, from_status: str, to_status: str) -> None:
        super().__init__(message, field="status")
        self.code = code
        """A stable word for why the move was refused."""
        self.from_status = from_status
        """The status the follow-up is in."""
        self.to_status = to_status
        """The status that was asked for."""

    @property
    def reason(self) -> str:
        """The translated explanation (the message)."""
        return str(self)


def status_label(status: str) -> str:
    """The translated label of `status` ("in progress", "进行中"); an unknown value is shown as it is."""
    try:
        return _(STATUS_LABELS[Status(status)])
    except ValueError:
        return status


def _as_status(value: str) -> Status | None:
    """`value` as a Status, or None when it is not one."""
    try:
        return Status(value)
    except ValueError:
        return None


def allowed_transitions(status: str) -> frozenset[Status]:
    """Where a follow-up in `status` may go next (empty for an unknown status): for menus and key hints."""
    current = _as_status(status)
    return TRANSITIONS[current] if current is not None else frozenset()


def transition(status: str, to: str) -> Status:
    """Check the move from `status` to `to` and return the new status, or raise IllegalTransition.

    Staying in the same status is refused too (`unchanged`): the UI should not offer it, and a check-in
    that records no change is written as a check-in, not as a status change.
    """
    current, target = _as_status(status), _as_status(to)
    if current is None or target is None:
        bad = status if current is None else to
        raise IllegalTransition(
            _("'{status}' is not a follow-up status").format(status=bad), "unknown_status", status, to
        )
    if current == target:
        raise IllegalTransition(
            _("The follow-up is already {status}").format(status=status_label(current)),
            "unchanged",
            status,
            to,
        )
    if target in TRANSITIONS[current]:
        return target
    if target == Status.VERIFIED:
        raise IllegalTransition(
            _("Only a follow-up marked done can be verified (it is {status})").format(
                status=status_label(current)
            ),
            "verify_needs_done",
            status,
            to,
        )
    if current in CLOSED:
        if current == Status.DONE:
            message = _("The follow-up is done: it can only be verified or reopened (to open)")
        else:
            message = _("The follow-up is {status}: it can only be reopened (to open)").format(
                status=status_label(current)
            )
        raise IllegalTransition(message, "reopen_to_open", status, to)
    raise IllegalTransition(  # pragma: no cover - every other pair is legal today; kept for new statuses
        _("A follow-up cannot go from {old} to {new}").format(
            old=status_label(current), new=status_label(target)
        ),
        "not_allowed",
        status,
        to,
    )


def done_at_after(status: str, to: str, done_at: datetime | None, now: datetime) -> datetime | None:
    """The `done_at` to store after the (already checked) move from `status` to `to`.

    Set to `now` when the owner reports it done, kept through verification (the scorecard measures when
    the work was finished, not when it was checked), cleared on reopening or cancelling.
    """
    target = Status(to)
    if target == Status.DONE:
        return now
    if target == Status.VERIFIED:
        return done_at if done_at is not None else now
    return None


# --- what a follow-up looks like to this module ----------------------------------------------------


class FollowUpLike(Protocol):
    """The fields of a follow-up this module reads (store.models.FollowUp has them all)."""

    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def due(self) -> date | None: ...
    @property
    def next_check_in(self) -> date | None: ...
    @property
    def done_at(self) -> datetime | None: ...
    @property
    def created(self) -> datetime: ...
    @property
    def owner_id(self) -> str | None: ...
    @property
    def department_id(self) -> str | None: ...
    @property
    def priority(self) -> int: ...


class EscalationSettings(Protocol):
    """The escalation ladder's settings (config.FollowupSettings has them)."""

    @property
    def remind_days_before(self) -> int: ...
    @property
    def escalate_after_days(self) -> int: ...


def _is_active(fu: FollowUpLike) -> bool:
    """Whether the owner still has work to do (an unknown status counts as active, to stay visible)."""
    return fu.status not in CLOSED


# --- overdue, stale, check-ins --------------------------------------------------------------------------


def is_overdue(fu: FollowUpLike, today: date) -> bool:
    """Due before today and not done, verified or cancelled. Due today is not overdue: the owner has the
    whole day."""
    return fu.due is not None and fu.due < today and _is_active(fu)


def days_overdue(fu: FollowUpLike, today: date) -> int:
    """How many days past its due date an overdue follow-up is (1 the day after it was due); 0 otherwise."""
    if fu.due is None or not is_overdue(fu, today):
        return 0
    return (today - fu.due).days


def days_until_due(fu: FollowUpLike, today: date) -> int | None:
    """Days left until the due date (0 due today, negative when past), or None without a due date."""
    return None if fu.due is None else (fu.due - today).days


def is_stale(fu: FollowUpLike, last_check_in_date: date | None, today: date, stale_days: int) -> bool:
    """Whether an active follow-up has gone `stale_days` days or more without a check-in.

    `last_check_in_date` is the local date of the latest check-in; None means there was none, and the
    follow-up's creation date is used instead (`created.date()` in the zone it carries: pass a
    local-zone value). A check-in planned for after today is a decision to wait, not neglect, so it keeps
    the follow-up from being stale.
    """
    if not _is_active(fu):
        return False
    if fu.next_check_in is not None and fu.next_check_in > today:
        return False
    since = last_check_in_date if last_check_in_date is not None else fu.created.date()
    return (today - since).days >= stale_days


def check_in_due(fu: FollowUpLike, today: date) -> bool:
    """Whether an active follow-up has a check-in planned for today or earlier (a missed one stays due)."""
    return _is_active(fu) and fu.next_check_in is not None and fu.next_check_in <= today


# --- escalation ladder -------------------------------------------------------------------------------


class Escalation(IntEnum):
    """How loudly a follow-up calls for attention; higher is louder, so levels sort and compare."""

    NONE = 0
    """Nothing to do yet."""
    REMINDER = 1
    """Due within `remind_days_before` days (today included): remind the owner."""
    OVERDUE = 2
    """Past its due date."""
    ESCALATED = 3
    """Overdue by more than `escalate_after_days` days: goes into the manager's brief."""


ESCALATION_LABELS: dict[Escalation, str] = {
    Escalation.NONE: N_("on track"),
    Escalation.REMINDER: N_("reminder"),
    Escalation.OVERDUE: N_("overdue"),
    Escalation.ESCALATED: N_("escalated"),
}
"""English source of each level's label; translate with `escalation_label`."""


def escalation_level(fu: FollowUpLike, today: date, settings: EscalationSettings) -> Escalation:
    """Where `fu` stands on the escalation ladder today (an IntEnum, so it is also a plain int 0-3).

    A closed follow-up or one without a due date is never escalated.
    """
    if fu.due is None or not _is_active(fu):
        return Escalation.NONE
    late = (today - fu.due).days
    if late > settings.escalate_after_days:
        return Escalation.ESCALATED
    if late > 0:
        return Escalation.OVERDUE
    if -late <= settings.remind_days_before:
        return Escalation.REMINDER
    return Escalation.NONE


def escalation_label(level: int) -> str:
    """The translated label of an escalation level."""
    return _(ESCALATION_LABELS[Escalation(level)])


def urgency_key(fu: FollowUpLike, today: date, settings: EscalationSettings) -> tuple[int, date, int, str]:
    """A sort key putting the most urgent first: highest escalation, then earliest due, then priority
    (1 high), then title. Follow-ups without a due date go after those with one at the same level."""
    level = escalation_level(fu, today, settings)
    return (-int(level), fu.due or date.max, fu.priority, fu.title)


# --- validation -------------------------------------------------------------------------------------


class InvalidFollowUp(InvalidInput, ValueError):
    """A follow-up that cannot be saved as it stands; `field` names the field to fix."""

    def __init__(self, message: str, field: str, code: str) -> None:
        super().__init__(message, field=field)
        self.code = code
        """A stable word for the problem (`empty_title`, `checkin_after_due`, `bad_rrule`...)."""


@dataclass(frozen=True)
class ValidationWarning:
    """Something odd about a follow-up that is still saved: shown to the user, never blocking.

    (Not named `Warning`, which would hide Python's built-in warning class.)
    """

    field: str
    """The field it is about."""
    code: str
    """A stable word for programs and tests (`due_in_past`, `checkin_in_past`)."""
    message: str
    """The translated text shown to the user."""


def validate(
    title: str,
    due: date | None,
    next_check_in: date | None,
    today: date,
    confirm_checkin_after_due: bool = False,
) -> list[ValidationWarning]:
    """Check a new or edited follow-up: raise InvalidFollowUp for what cannot be saved, return warnings
    for what can.

    An empty title is refused. A check-in after the due date is refused unless the user confirmed it
    (it usually means a typo, but checking on a follow-up after its due date is sometimes the plan).
    A due date already past is accepted with a warning: follow-ups are often recorded late, after the
    meeting that decided them.
    """
    if not title.strip():
        raise InvalidFollowUp(_("A follow-up needs a title"), field="title", code="empty_title")
    if (
        due is not None
        and next_check_in is not None
        and next_check_in > due
        and not confirm_checkin_after_due
    ):
        raise InvalidFollowUp(
            _("The next check-in ({check_in}) is after the due date ({due})").format(
                check_in=next_check_in.isoformat(), due=due.isoformat()
            ),
            field="next_check_in",
            code="checkin_after_due",
        )
    warnings: list[ValidationWarning] = []
    if due is not None and due < today:
        warnings.append(ValidationWarning("due", "due_in_past", _("due date is in the past")))
    if next_check_in is not None and next_check_in < today:
        warnings.append(
            ValidationWarning("next_check_in", "checkin_in_past", _("next check-in is in the past"))
        )
    return warnings


# --- recurring follow-ups ------------------------------------------------------------------------------

_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6}Z?)?", re.IGNORECASE)


def instances_due(
    template_rrule: str,
    dtstart: date,
    last_generated: date | None,
    today: date,
    lead_days: int = 0,
) -> list[date]:
    """The instance dates of a recurring follow-up that should exist now but do not yet, oldest first.

    `template_rrule` is an RFC 5545 RRULE value ("FREQ=WEEKLY;BYDAY=MO", an 'RRULE:' prefix is allowed),
    `dtstart` the series' first date and `last_generated` the latest instance date already stored (None
    before the first). The answer is every occurrence after `last_generated` up to `today + lead_days`,
    so an instance appears `lead_days` before it is due. Only dates after `last_generated` are returned,
    so calling again after the results were stored returns nothing: the function is idempotent and safe
    after a restart, and the store's UNIQUE(series_id, instance_date) guards the rest. Occurrences missed
    while the program was not running are all returned: each is an obligation of its own.

    An instance removed by the user must be kept as cancelled rather than deleted if it is the latest,
    or the next call would create it again.
    """
    if lead_days < 0:
        raise ValueError("lead_days must not be negative")
    rule = template_rrule.strip()
    if rule[:6].upper() == "RRULE:":
        rule = rule[6:]
    if not rule or "\n" in rule:
        raise InvalidFollowUp(
            _("'{rule}' is not a recurrence rule").format(rule=template_rrule),
            field="rrule",
            code="bad_rrule",
        )
    # Dates are floating (no time of day); they are carried as UTC midnights only because dateutil
    # compares datetimes. An UNTIL is made an aware end of its day so that both forms of it work.
    rule = _UNTIL.sub(lambda m: f"UNTIL={m.group(1)}T235959Z", rule)
    start = datetime.combine(dtstart, time(), UTC)
    try:
        recurrence = rrulestr(rule, dtstart=start)
    except (ValueError, TypeError) as exc:
        raise InvalidFollowUp(
            _("'{rule}' is not a recurrence rule").format(rule=template_rrule),
            field="rrule",
            code="bad_rrule",
        ) from exc
    first = dtstart if last_generated is None else max(dtstart, last_generated + timedelta(days=1))
    horizon = today + timedelta(days=lead_days)
    if first > horizon:
        return []
    after = datetime.combine(first, time(), UTC)
    before = datetime.combine(horizon, time(23, 59, 59), UTC)
    found = (moment.date() for moment in recurrence.between(after, before, inc=True))
    return list(dict.fromkeys(found))  # a rule with BYHOUR could give one date twice


# --- nudges ------------------------------------------------------------------------------------------

NUDGE_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hello {owner}, ",
        "greeting_anonymous": "Hello, ",
        "context": "assigned {since}",
        "context_due": "assigned {since}, due {due}",
        "context_due_today": "assigned {since}, due today",
        "context_overdue": "assigned {since}, due {due}, now {days} {day_word} overdue",
        "ask": "I'd like to check in on “{title}” ({context}). How is it going? "
        "If anything needs coordinating, please let me know. Thank you!",
        "ask_overdue": "I'm following up on “{title}” ({context}). Could you let me know where it stands "
        "and when you expect to finish? If you need help or resources, tell me and I'll help move it "
        "forward. Thank you!",
        "day": "day",
        "days": "days",
    },
    "zh": {
        "greeting": "{owner}您好，",
        "greeting_anonymous": "您好，",
        "context": "{since}交办",
        "context_due": "{since}交办，截止{due}",
        "context_due_today": "{since}交办，今天截止",
        "context_overdue": "{since}交办，原定{due}完成，已逾期{days}{day_word}",
        "ask": "关于「{title}」（{context}），想跟您确认一下目前的进展，如有需要协调的地方请随时告诉我。谢谢！",
        "ask_overdue": "关于「{title}」（{context}），想跟您了解一下目前的进展和预计完成时间。"
        "如遇到困难或需要协调资源，请告诉我，我来帮忙推动。谢谢！",
        "day": "天",
        "days": "天",
    },
}
"""The nudge in each language, written out in full rather than translated through gettext: a nudge is
sent in the owner's language, which need not be the language of the program."""

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nudge_language(lang: str) -> str:
    """'zh' for any Chinese language tag (zh, zh_CN, zh-Hans...), else 'en'."""
    return "zh" if lang.lower().startswith("zh") else "en"


def format_day(lang: str, day: date, today: date) -> str:
    """A date as people write it in a message: '11月20日' / '20 Nov', with the year when it is not this
    year's ('2024年11月20日' / '20 Nov 2024'). Month names are fixed, not taken from the OS locale."""
    if nudge_language(lang) == "zh":
        text = f"{day.month}月{day.day}日"
        return text if day.year == today.year else f"{day.year}年{text}"
    text = f"{day.day} {_EN_MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def nudge_text(lang: str, owner_name: str, title: str, since: date, due: date | None, today: date) -> str:
    """A polite reminder to the owner of a follow-up, ready to paste into a message.

    `since` is when it was assigned (交办). Once the due date has passed the wording changes: it says how
    many days overdue and asks for the expected finish and whether help is needed, rather than simply
    asking how it is going.
    """
    lang = nudge_language(lang)
    words = NUDGE_TEMPLATES[lang]
    owner = owner_name.strip()
    greeting = words["greeting"].format(owner=owner) if owner else words["greeting_anonymous"]
    since_text = format_day(lang, since, today)
    overdue = due is not None and due < today
    if due is None:
        context = words["context"].format(since=since_text)
    elif overdue:
        days = (today - due).days
        context = words["context_overdue"].format(
            since=since_text,
            due=format_day(lang, due, today),
            days=days,
            day_word=words["day"] if days == 1 else words["days"],
        )
    elif due == today:
        context = words["context_due_today"].format(since=since_text)
    else:
        context = words["context_due"].format(since=since_text, due=format_day(lang, due, today))
    ask = words["ask_overdue" if overdue else "ask"].format(title=title.strip(), context=context)
    return greeting + ask


# --- scorecard ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeptScore:
    """How one department did with its follow-ups over a period."""

    department: str | None
    """The department's id (None: follow-ups without a department)."""
    done: int
    """Follow-ups finished in the period (done or verified, by `done_at`)."""
    on_time: int
    """Of those, finished on or before their due date."""
    late: int
    """Of those, finished after their due date. (done - on_time - late had no due date.)"""
    rate: float | None
    """on_time / (on_time + late); None when none of the finished ones had a due date."""
    overdue: int = 0
    """Follow-ups overdue at the end of the period (due before `period_end`, not finished by then, not
    cancelled): a department that finishes nothing would otherwise look perfect."""


def _local_date(moment: datetime, zone: tzinfo | None) -> date:
    """The calendar date of `moment` in `zone` (in its own zone when None)."""
    return (moment.astimezone(zone) if zone is not None else moment).date()


def scorecard(
    followups: Iterable[FollowUpLike],
    period_start: date,
    period_end: date,
    zone: tzinfo | None = None,
) -> list[DeptScore]:
    """Per department: follow-ups finished between `period_start` and `period_end` (both included), how
    many on time (finished on the due date or before it) and how many late, and how many are still
    overdue at the end of the period.

    `zone` is the zone whose calendar decides the day a follow-up was finished; pass the user's zone,
    since datetimes read from the store come back in UTC. Departments are ranked: best rate first
    (departments with no rate last), then most finished, then by id.
    """
    tallies: dict[str | None, list[int]] = {}
    for fu in followups:
        row = tallies.setdefault(fu.department_id, [0, 0, 0, 0])
        finished: date | None = None
        if fu.status in (Status.DONE, Status.VERIFIED) and fu.done_at is not None:
            finished = _local_date(fu.done_at, zone)
            if period_start <= finished <= period_end:
                row[0] += 1
                if fu.due is not None:
                    row[1 if finished <= fu.due else 2] += 1
        # Still overdue when the period ended: open now, or finished only after the period.
        unfinished_then = _is_active(fu) or (finished is not None and finished > period_end)
        if unfinished_then and fu.due is not None and fu.due < period_end:
            row[3] += 1
    scores = [
        DeptScore(
            department=dept,
            done=done,
            on_time=on_time,
            late=late,
            rate=on_time / (on_time + late) if on_time + late else None,
            overdue=overdue,
        )
        for dept, (done, on_time, late, overdue) in tallies.items()
        if done or overdue
    ]
    scores.sort(key=lambda s: (s.rate is None, -(s.rate or 0.0), -s.done, s.department or "\uffff"))
    return scores


# --- views and the filter line ------------------------------------------------------------------------

RECENT_DAYS = 7
""""Recently done" means finished within this many days, today included."""


class View(StrEnum):
    """A saved view of the follow-up list; `view_matches` is its predicate."""

    ACTIVE = "active"
    """Everything still with its owner."""
    CHECK_IN_DUE = "check_in_due"
    """Check-ins planned for today or missed earlier."""
    OVERDUE = "overdue"
    """Past due and not finished."""
    WAITING = "waiting"
    """Waiting on someone."""
    TO_VERIFY = "to_verify"
    """Reported done, not verified yet."""
    RECENTLY_DONE = "recently_done"
    """Finished (done or verified) within the last RECENT_DAYS days."""


VIEW_LABELS: dict[View, str] = {
    View.ACTIVE: N_("Active"),
    View.CHECK_IN_DUE: N_("Check-ins due"),
    View.OVERDUE: N_("Overdue"),
    View.WAITING: N_("Waiting"),
    View.TO_VERIFY: N_("To verify"),
    View.RECENTLY_DONE: N_("Recently done"),
}
"""English source of each view's name; translate with `_`."""


def view_matches(view: View, fu: FollowUpLike, now: datetime) -> bool:
    """Whether `fu` belongs in `view` at `now` (tz-aware: its zone decides today and the day of done_at)."""
    today = now.date()
    if view == View.ACTIVE:
        return _is_active(fu)
    if view == View.CHECK_IN_DUE:
        return check_in_due(fu, today)
    if view == View.OVERDUE:
        return is_overdue(fu, today)
    if view == View.WAITING:
        return fu.status == Status.WAITING
    if view == View.TO_VERIFY:
        return fu.status == Status.DONE
    if fu.status not in (Status.DONE, Status.VERIFIED) or fu.done_at is None:
        return False
    return 0 <= (today - _local_date(fu.done_at, now.tzinfo)).days < RECENT_DAYS


def by_owner(owner_id: str | None) -> Callable[[FollowUpLike], bool]:
    """A predicate: follow-ups owned by `owner_id` (None: those without an owner)."""
    return lambda fu: fu.owner_id == owner_id


def by_department(department_id: str | None) -> Callable[[FollowUpLike], bool]:
    """A predicate: follow-ups of `department_id` (None: those without a department)."""
    return lambda fu: fu.department_id == department_id


_KEYS: dict[str, str] = {
    "owner": "owner",
    "o": "owner",
    "责任人": "owner",
    "负责人": "owner",
    "dept": "department",
    "department": "department",
    "d": "department",
    "部门": "department",
    "status": "status",
    "s": "status",
    "状态": "status",
}
"""Keys of `key:value` terms, in English and Chinese."""

_VIEW_WORDS: dict[str, View] = {
    "active": View.ACTIVE,
    "进行中的": View.ACTIVE,
    "checkin": View.CHECK_IN_DUE,
    "check-in": View.CHECK_IN_DUE,
    "跟进": View.CHECK_IN_DUE,
    "overdue": View.OVERDUE,
    "逾期": View.OVERDUE,
    "waiting": View.WAITING,
    "等待": View.WAITING,
    "verify": View.TO_VERIFY,
    "待验收": View.TO_VERIFY,
    "recent": View.RECENTLY_DONE,
    "近期完成": View.RECENTLY_DONE,
}
"""Bare words that select a view."""

_STATUS_WORDS: dict[str, Status] = {
    **{s.value: s for s in Status},
    "待办": Status.OPEN,
    "进行中": Status.IN_PROGRESS,
    "受阻": Status.BLOCKED,
    "已完成": Status.DONE,
    "已验收": Status.VERIFIED,
    "已取消": Status.CANCELLED,
}
"""Status names accepted after `status:` or alone, in English (the stored values) and Chinese."""


@dataclass(frozen=True)
class FollowUpFilter:
    """A parsed filter line: every part given must match (values of one key are alternatives)."""

    owners: tuple[str, ...] = ()
    """Owner names (or ids), matched as case-insensitive substrings."""
    departments: tuple[str, ...] = ()
    """Department names (or ids), matched the same way."""
    statuses: tuple[Status, ...] = ()
    """Statuses, any of which matches."""
    views: tuple[View, ...] = ()
    """Views that must all match."""
    words: tuple[str, ...] = ()
    """Words that must all occur in the title (case-insensitive)."""


def parse_filter(text: str) -> FollowUpFilter:
    """Read a filter line such as `owner:张三 dept:销售 overdue 预算`.

    Keys: owner/o/责任人, dept/d/部门, status/s/状态, with ':' or '：'; values may be quoted
    (`owner:"Li Wei"`, also with “”). Bare words naming a view (overdue/逾期, waiting/等待, checkin/跟进, verify/待验收,
    recent/近期完成, active) or a status (blocked/受阻...) select it; any other word, or an unknown key,
    is searched for in the title.
    """
    text = text.replace("：", ":").replace("\u3000", " ").replace("“", '"').replace("”", '"')
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'  # only double quotes: an apostrophe (manager's) is part of a word
    lexer.escape = ""
    lexer.commenters = ""
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote: read the line as plain words
        tokens = text.replace('"', "").split()
    owners: list[str] = []
    departments: list[str] = []
    statuses: list[Status] = []
    views: list[View] = []
    words: list[str] = []
    for token in tokens:
        key, sep, value = token.partition(":")
        field = _KEYS.get(key.casefold()) if sep else None
        if field is not None and value:
            if field == "owner":
                owners.append(value)
            elif field == "department":
                departments.append(value)
            elif value.casefold() in _STATUS_WORDS:
                statuses.append(_STATUS_WORDS[value.casefold()])
            else:
                words.append(token)
            continue
        word = token.casefold()
        if word in _VIEW_WORDS:
            views.append(_VIEW_WORDS[word])
        elif word in _STATUS_WORDS:
            statuses.append(_STATUS_WORDS[word])
        else:
            words.append(token)
    return FollowUpFilter(tuple(owners), tuple(departments), tuple(statuses), tuple(views), tuple(words))


def _name_matches(wanted: tuple[str, ...], key: str | None, names: Mapping[str, str]) -> bool:
    """Whether any wanted value is the id `key` or a substring of its name."""
    if not wanted:
        return True
    if key is None:
        return False
    name = names.get(key, "").casefold()
    return any(value == key or (name and value.casefold() in name) for value in wanted)


def filter_predicate(
    spec: FollowUpFilter,
    now: datetime,
    owner_names: Mapping[str, str] | None = None,
    department_names: Mapping[str, str] | None = None,
) -> Callable[[FollowUpLike], bool]:
    """A predicate for `spec` at `now`; names of owners and departments are looked up by id in the maps."""
    owners = owner_names or {}
    departments = department_names or {}
    words = tuple(w.casefold() for w in spec.words)

    def matches(fu: FollowUpLike) -> bool:
        if spec.statuses and fu.status not in spec.statuses:
            return False
        if not all(view_matches(view, fu, now) for view in spec.views):
            return False
        if not _name_matches(spec.owners, fu.owner_id, owners):
            return False
        if not _name_matches(spec.departments, fu.department_id, departments):
            return False
        title = fu.title.casefold()
        return all(word in title for word in words)

    return matches
