"""督办 use cases shared by the follow-ups screen and the command line: reading dates and owners, creating
and editing follow-ups, check-ins, status changes, bulk changes, nudges, recurring instances, the list's
views and filter (run in SQL), and the department scorecard.

The rules themselves live in `gmassist.domain.followups`; this module only applies them to the store.
Every write is one `Store.action` (one transaction, one undo step); check-ins are only ever inserted, so a
follow-up's history is append-only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from gmassist.domain import followups as rules
from gmassist.domain.agenda_view import quickadd_error
from gmassist.domain.followups import CLOSED, Escalation, Status, ValidationWarning, View
from gmassist.errors import InvalidInput
from gmassist.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from gmassist.config import FollowupSettings
    from gmassist.domain.quickadd import QuickAdd
    from gmassist.store.models import FollowUp
    from gmassist.store.queries import Window
    from gmassist.store.store import Store

# --- reading what the user typed --------------------------------------------------------------------

_SENTINEL = "\u2063"
"""An invisible separator given to the quick-add parser as the title, so that it reads a date alone."""


def read_rrule(text: str, now: datetime) -> str | None:
    """A typed repetition: empty is None; an RRULE (FREQ=MONTHLY;BYMONTHDAY=5) or a phrase quick add reads
    (每月5号, every month on the 5th, 每周一). InvalidInput when it is neither."""
    text = text.strip()
    if not text:
        return None
    rule = text[6:] if text[:6].upper() == "RRULE:" else text
    if rule.upper().startswith("FREQ="):
        rule = rule.upper()
        rules.instances_due(rule, now.date(), None, now.date())  # raises InvalidFollowUp when unreadable
        return rule
    from gmassist.domain import quickadd

    try:
        parsed = quickadd.parse(f"{text} {_SENTINEL}", now)
    except quickadd.QuickAddError as exc:
        raise quickadd_error(exc, text, "rrule") from exc
    if not parsed.rrule:
        raise InvalidInput(_("“{text}” is not a repetition that can be read").format(text=text), "rrule")
    return parsed.rrule


# --- people and departments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInfo:
    """A person as the follow-ups need them: to show, match and pick as an owner."""

    id: str
    name: str
    """The name, or the masked sign while a confidential person is locked."""
    title: str = ""
    """Job title (销售经理): an owner can be named by it."""
    department_id: str | None = None
    readable: bool = True
    """False while the person is confidential and locked: shown masked, never matched."""


@dataclass(frozen=True)
class Directory:
    """Names of people and departments by id: the list's cells, the filter's names, the owner pickers."""

    people: dict[str, PersonInfo] = field(default_factory=dict)
    departments: dict[str, str] = field(default_factory=dict)

    def person_name(self, person_id: str | None) -> str:
        """The person's name ("" when none)."""
        person = self.people.get(person_id or "")
        return person.name if person is not None else ""

    def department_name(self, department_id: str | None) -> str:
        """The department's name ("" when none)."""
        return self.departments.get(department_id or "", "")


def load_directory(store: Store) -> Directory:
    """Every person and department, confidential ones revealed while unlocked (masked otherwise)."""
    from sqlalchemy import select

    from gmassist.store import crypto
    from gmassist.store.models import Department, Person, table_of

    people: dict[str, PersonInfo] = {}
    departments: dict[str, str] = {}
    person, dept = table_of(Person), table_of(Department)
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(person.c.id, person.c.confidential, person.c.name, person.c.title, person.c.department_id)
        ).mappings()
        for row in rows:
            sealed = crypto.is_sealed(row["name"])
            values = store.reveal_row("person", dict(row)) if row["confidential"] else dict(row)
            readable = not sealed or store.confidential_unlocked
            people[row["id"]] = PersonInfo(
                row["id"], values["name"], values["title"] or "", row["department_id"], readable
            )
        for row in connection.execute(select(dept.c.id, dept.c.confidential, dept.c.name)).mappings():
            values = store.reveal_row("department", dict(row)) if row["confidential"] else dict(row)
            departments[row["id"]] = values["name"]
    return Directory(people, departments)


def match_people(directory: Directory, name: str) -> list[PersonInfo]:
    """The people `name` (an @ tag) can mean: those whose name or job title is exactly it (case aside);
    failing that, those whose name, or a word of it, starts with it (张 -> 张伟, 张三; Li -> Li Na)."""
    needle = name.strip().lstrip("@").casefold()
    if not needle:
        return []
    readable = [p for p in directory.people.values() if p.readable]
    exact = [p for p in readable if needle in (p.name.casefold(), p.title.casefold())]
    if exact:
        return sorted(exact, key=lambda p: p.name)
    partial = [
        p
        for p in readable
        if p.name.casefold().startswith(needle)
        or any(word.startswith(needle) for word in p.name.casefold().split())
    ]
    return sorted(partial, key=lambda p: p.name)


class OwnerAmbiguous(InvalidInput):
    """An owner's name that fits more than one person; `candidates` lists them, to ask which."""

    def __init__(self, name: str, candidates: Sequence[PersonInfo]) -> None:
        names = "、".join(f"{p.name}（{p.title}）" if p.title else p.name for p in candidates)
        super().__init__(
            _("“{name}” could be {people}: name the owner more fully").format(name=name, people=names),
            "owner",
        )
        self.name = name
        self.candidates = tuple(candidates)


def add_person(store: Store, name: str) -> str:
    """Add a person with only a name (an owner typed before they were in the people list); their id."""
    from gmassist.store.models import Person

    name = name.strip().lstrip("@")
    if not name:
        raise InvalidInput(_("A person needs a name"), "owner")
    now = store.clock.now()
    with store.action("person.create") as session:
        person = Person(name=name, created=now, updated=now)
        session.add(person)
        return person.id


# --- creating and editing -----------------------------------------------------------------------------

SOURCE_KINDS: dict[str, str] = {
    "instruction": N_("the manager's instruction"),
    "meeting": N_("a meeting's resolution"),
    "conversation": N_("a conversation"),
    "document": N_("an instruction on a document"),
    "other": N_("other"),
}
"""Where a follow-up comes from (FollowUp.source_kind), with the English source of its label."""

PRIORITIES: dict[int, str] = {1: N_("high"), 2: N_("normal"), 3: N_("low")}
"""FollowUp.priority values and the English source of their labels."""


@dataclass(frozen=True)
class Draft:
    """A follow-up as typed in the form or read from a quick-add line, before it is saved."""

    title: str
    owner_id: str | None = None
    department_id: str | None = None
    requested_by: str = ""
    due: date | None = None
    next_check_in: date | None = None
    priority: int = 2
    source_kind: str = "instruction"
    source_id: str | None = None
    notes: str = ""
    confidential: bool = False
    rrule: str | None = None
    """Makes it a recurring series (a template whose instances are created as they come due)."""


@dataclass(frozen=True)
class Saved:
    """What a create or edit did."""

    id: str
    warnings: tuple[ValidationWarning, ...] = ()
    """Things worth telling the user (the due date is already past...)."""
    instances: int = 0
    """Instances of a new recurring series created at once."""
    person_added: str | None = None
    """The name of an owner added to the people list on the way."""


def check_draft(
    draft: Draft, today: date, confirm_checkin_after_due: bool = False
) -> list[ValidationWarning]:
    """Refuse what cannot be saved (InvalidFollowUp / InvalidInput), return warnings for what can."""
    warnings = rules.validate(draft.title, draft.due, draft.next_check_in, today, confirm_checkin_after_due)
    if draft.priority not in PRIORITIES:
        raise InvalidInput(_("Priority is 1 (high), 2 (normal) or 3 (low)"), "priority")
    if draft.source_kind not in SOURCE_KINDS:
        raise InvalidInput(_("Unknown source “{kind}”").format(kind=draft.source_kind), "source_kind")
    if draft.rrule:
        rules.instances_due(draft.rrule, draft.due or today, None, draft.due or today)
    return warnings


def _draft_values(draft: Draft) -> dict[str, Any]:
    return {
        "title": draft.title.strip(),
        "owner_id": draft.owner_id,
        "department_id": draft.department_id,
        "requested_by": draft.requested_by.strip(),
        "due": draft.due,
        "next_check_in": draft.next_check_in,
        "priority": draft.priority,
        "source_kind": draft.source_kind,
        "source_id": draft.source_id,
        "notes": draft.notes,
        "confidential": draft.confidential,
        "rrule": draft.rrule,
    }


def create(
    store: Store,
    draft: Draft,
    settings: FollowupSettings,
    *,
    confirm_checkin_after_due: bool = False,
    links: Sequence[tuple[str, str, str]] = (),
) -> Saved:
    """Save a new follow-up (or recurring series: its due instances are made at once).

    `links` are (a_kind, a_id, relation) links to add from another item to it (a meeting's minutes...).
    Nothing is saved when the draft is refused.
    """
    from gmassist.store.models import FollowUp, Link

    now = store.clock.now()
    warnings = check_draft(draft, now.date(), confirm_checkin_after_due)
    label = "followup.create_series" if draft.rrule else "followup.create"
    with store.action(label) as session:
        row = FollowUp(**_draft_values(draft), created=now, updated=now)
        session.add(row)
        for a_kind, a_id, relation in links:
            session.add(
                Link(
                    a_kind=a_kind,
                    a_id=a_id,
                    b_kind="followup",
                    b_id=row.id,
                    relation=relation,
                    created=now,
                    updated=now,
                )
            )
        new_id = row.id
    made = generate_instances(store, settings, only=new_id) if draft.rrule else 0
    return Saved(new_id, tuple(warnings), made)


def update(store: Store, followup_id: str, draft: Draft, *, confirm_checkin_after_due: bool = False) -> Saved:
    """Save an edited follow-up (its status changes through `set_status`, its history through check-ins)."""
    from gmassist.store.models import FollowUp

    now = store.clock.now()
    warnings = check_draft(draft, now.date(), confirm_checkin_after_due)
    with store.action("followup.edit") as session:
        row = _get(session, FollowUp, followup_id)
        for name, value in _draft_values(draft).items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    return Saved(followup_id, tuple(warnings))


def _get(session: Any, model: Any, row_id: str) -> Any:
    row = session.get(model, row_id)
    if row is None:
        raise InvalidInput(_("That follow-up no longer exists"), "id")
    return row


def load(store: Store, followup_id: str) -> FollowUp:
    """One follow-up, its sealed fields opened while unlocked."""
    from gmassist.store.models import FollowUp

    with store.read() as session:
        row: FollowUp = _get(session, FollowUp, followup_id)
        return row


def draft_of(row: FollowUp) -> Draft:
    """The editable fields of a stored follow-up."""
    return Draft(
        title=row.title,
        owner_id=row.owner_id,
        department_id=row.department_id,
        requested_by=row.requested_by,
        due=row.due,
        next_check_in=row.next_check_in,
        priority=row.priority,
        source_kind=row.source_kind,
        source_id=row.source_id,
        notes=row.notes,
        confidential=row.confidential,
        rrule=row.rrule,
    )


# --- check-ins, status, bulk changes ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInEntry:
    """One entry of a follow-up's timeline."""

    at: datetime
    kind: str
    """check_in, nudge or status."""
    note: str
    next_check_in: date | None
    status_to: str


def _rows(session: Any, ids: Iterable[str]) -> list[FollowUp]:
    from gmassist.store.models import FollowUp

    rows = [_get(session, FollowUp, row_id) for row_id in dict.fromkeys(ids)]
    if not rows:
        raise InvalidInput(_("No follow-up chosen"), "id")
    return rows


def check_in(
    store: Store,
    ids: Sequence[str],
    note: str,
    next_check_in: date | None,
    *,
    status: str | None = None,
    confirm_checkin_after_due: bool = False,
) -> int:
    """Record a check-in on each follow-up: what was learnt, and when to look again (None: no check-in
    planned). With `status`, the status moves too (checked against the status machine). Returns how many
    follow-ups were checked in on; nothing is saved when one of them refuses."""
    from gmassist.store.models import CheckIn

    now = store.clock.now()
    today = now.date()
    with store.action("followup.check_in") as session:
        rows = _rows(session, ids)
        for row in rows:
            rules.validate(row.title or "-", row.due, next_check_in, today, confirm_checkin_after_due)
            if status is not None and status != row.status:
                _move(session, row, status, "", now)
            row.next_check_in = next_check_in
            session.add(
                CheckIn(
                    created=now,
                    updated=now,
                    followup_id=row.id,
                    at=now,
                    note=note.strip(),
                    next_check_in=next_check_in,
                    kind="check_in",
                    confidential=row.confidential,
                )
            )
    return len(rows)


def _move(session: Any, row: FollowUp, to: str, note: str, now: datetime) -> None:
    """Move `row` to status `to` (IllegalTransition when it may not) and write it into its timeline."""
    from gmassist.store.models import CheckIn

    new = rules.transition(row.status, to)
    row.done_at = rules.done_at_after(row.status, new, row.done_at, now)
    row.status = new.value
    session.add(
        CheckIn(
            created=now,
            updated=now,
            followup_id=row.id,
            at=now,
            note=note.strip(),
            kind="status",
            status_to=new.value,
            confidential=row.confidential,
        )
    )


def set_status(store: Store, ids: Sequence[str], to: str, note: str = "") -> int:
    """Move each follow-up to status `to`; all or nothing (IllegalTransition names the first refusal)."""
    now = store.clock.now()
    with store.action(f"followup.{to}") as session:
        rows = _rows(session, ids)
        for row in rows:
            _move(session, row, to, note, now)
    return len(rows)


def reassign(store: Store, ids: Sequence[str], owner_id: str | None, department_id: str | None) -> int:
    """Give each follow-up a new owner (and department)."""
    with store.action("followup.reassign") as session:
        rows = _rows(session, ids)
        for row in rows:
            row.owner_id = owner_id
            row.department_id = department_id
    return len(rows)


def set_due(
    store: Store, ids: Sequence[str], due: date | None, *, confirm_checkin_after_due: bool = False
) -> list[ValidationWarning]:
    """Give each follow-up a new due date; refused (nothing saved) when a planned check-in would fall
    after it, unless confirmed. Returns the warnings (a date already past)."""
    today = store.clock.now().date()
    warnings: dict[str, ValidationWarning] = {}
    with store.action("followup.set_due") as session:
        for row in _rows(session, ids):
            found = rules.validate(row.title or "-", due, row.next_check_in, today, confirm_checkin_after_due)
            warnings.update((w.code, w) for w in found if w.field == "due")
            row.due = due
    return list(warnings.values())


def timeline(store: Store, followup_id: str) -> list[CheckInEntry]:
    """Every check-in of a follow-up, oldest first (notes masked while a confidential one is locked)."""
    from sqlalchemy import literal_column, select

    from gmassist.store.models import CheckIn, table_of

    table = table_of(CheckIn)
    # rowid: entries written in the same instant (a status change and its check-in) keep their order.
    query = (
        select(table)
        .where(table.c.followup_id == followup_id)
        .order_by(table.c.at, literal_column("check_in.rowid"))
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    out = []
    for row in rows:
        values = store.reveal_row("check_in", dict(row)) if row["confidential"] else dict(row)
        out.append(
            CheckInEntry(
                values["at"], values["kind"], values["note"], values["next_check_in"], values["status_to"]
            )
        )
    return out


# --- nudges -----------------------------------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def nudge_language_for(owner_name: str, fallback: str) -> str:
    """The language to write to an owner in: Chinese for a Chinese name, English for a Latin one, else
    `fallback` (the program's language)."""
    if _CJK.search(owner_name):
        return "zh"
    if re.search(r"[A-Za-z]", owner_name):
        return "en"
    return rules.nudge_language(fallback)


@dataclass(frozen=True)
class Nudge:
    """A drafted reminder, already logged on the follow-up's timeline."""

    text: str
    language: str
    confidential: bool
    """The follow-up is confidential: the clipboard is to be cleared afterwards."""


def nudge(store: Store, followup_id: str, directory: Directory, language: str | None = None) -> Nudge:
    """Draft the polite reminder to the owner (in `language`, else the owner's) and log it as a check-in.

    A confidential follow-up must be unlocked first (its title goes into the text)."""
    from gmassist.store import crypto
    from gmassist.store.models import CheckIn, FollowUp

    now = store.clock.now()
    zone = now.tzinfo
    with store.action("followup.nudge") as session:
        row: FollowUp = _get(session, FollowUp, followup_id)
        if crypto.is_sealed(row.title):
            store.confidential_key()  # raises Locked with the reason
        person = directory.people.get(row.owner_id or "")
        owner = person.name if person is not None and person.readable else ""
        lang = rules.nudge_language(language) if language else nudge_language_for(owner, _fallback())
        text = rules.nudge_text(
            lang, owner, row.title, row.created.astimezone(zone).date(), row.due, now.date()
        )
        session.add(
            CheckIn(
                created=now,
                updated=now,
                followup_id=row.id,
                at=now,
                note=text,
                kind="nudge",
                confidential=row.confidential,
            )
        )
        confidential = row.confidential
    return Nudge(text, lang, confidential)


def _fallback() -> str:
    from gmassist import i18n

    return i18n.language()


# --- recurring follow-ups -------------------------------------------------------------------------------


def generate_instances(store: Store, settings: FollowupSettings, *, only: str | None = None) -> int:
    """Create the instances of recurring follow-ups that have come due (each appears `remind_days_before`
    days before its date, when its reminder starts); returns how many were made.

    Safe to call at every start and from several processes: only dates after a series' latest stored
    instance are made, and UNIQUE(series_id, instance_date) refuses a duplicate (the loser retries and
    finds nothing to do). A cancelled series makes no more instances; a confidential one waits until
    confidential items are unlocked (its title cannot be copied before).
    """
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from gmassist.store.models import FollowUp, table_of

    table = table_of(FollowUp)
    for attempt in range(2):
        now = store.clock.now()
        today = now.date()
        with store.read() as session:
            query = select(FollowUp).where(
                table.c.rrule.is_not(None), table.c.status != Status.CANCELLED.value
            )
            if only is not None:
                query = query.where(table.c.id == only)
            templates = list(session.execute(query).scalars())
            if not templates:
                return 0
            latest = dict(
                session.execute(
                    select(table.c.series_id, func.max(table.c.instance_date))
                    .where(table.c.series_id.in_([t.id for t in templates]))
                    .group_by(table.c.series_id)
                ).all()
            )
        plans: list[tuple[FollowUp, date]] = []
        for template in templates:
            if template.confidential and not store.confidential_unlocked:
                continue
            start = template.due or template.created.date()
            try:
                dates = rules.instances_due(
                    template.rrule or "", start, latest.get(template.id), today, settings.remind_days_before
                )
            except InvalidInput:
                continue  # a rule that no longer reads makes nothing; the series shows it in its row
            plans.extend((template, day) for day in dates)
        if not plans:
            return 0
        try:
            with store.action("followup.recur") as session:
                for template, day in plans:
                    session.add(
                        FollowUp(
                            created=now,
                            updated=now,
                            title=template.title,
                            source_kind=template.source_kind,
                            source_id=template.source_id,
                            owner_id=template.owner_id,
                            department_id=template.department_id,
                            requested_by=template.requested_by,
                            due=day,
                            priority=template.priority,
                            notes=template.notes,
                            confidential=template.confidential,
                            series_id=template.id,
                            instance_date=day,
                        )
                    )
        except IntegrityError:
            if attempt:
                raise
            continue  # another process made them first: look again
        return len(plans)
    return 0


# --- the list: views, filter and sort, in SQL ------------------------------------------------------------

LIST_VIEWS: dict[str, str] = {
    View.ACTIVE.value: N_("Active"),
    View.CHECK_IN_DUE.value: N_("Check-ins due"),
    View.OVERDUE.value: N_("Overdue"),
    "by_department": N_("By department"),
    "by_owner": N_("By owner"),
    View.WAITING.value: N_("Waiting"),
    View.TO_VERIFY.value: N_("To verify"),
    View.RECENTLY_DONE.value: N_("Recently done"),
    "all": N_("All"),
    "recurring": N_("Recurring"),
}
"""The list's views in the order the screen cycles through them, with the English source of their names:
the domain's views, the active ones grouped by department or owner, everything, and recurring series."""

SORTS: dict[str, str] = {
    "urgency": N_("level"),
    "due": N_("due date"),
    "priority": N_("priority"),
    "department": N_("department"),
    "owner": N_("owner"),
    "created": N_("newest"),
    "done": N_("finished"),
}
"""Orders of the list, with the English source of their names. `urgency` is the escalation level (loudest
first), then the due date, then priority: `domain.followups.urgency_key` in SQL."""

DEFAULT_SORT: dict[str, str] = {
    "by_department": "department",
    "by_owner": "owner",
    View.RECENTLY_DONE.value: "done",
    "recurring": "due",
}
"""A view's own order; the others sort by urgency."""

_CLOSED_VALUES = sorted(s.value for s in CLOSED)
_LIST_COLUMNS = (
    "title",
    "status",
    "due",
    "next_check_in",
    "done_at",
    "created",
    "owner_id",
    "department_id",
    "priority",
    "rrule",
    "series_id",
    "source_kind",
)


def _midnight(day: date, zone: tzinfo | None) -> datetime:
    return datetime.combine(day, time(), zone)


def view_clause(view: View, table: Any, now: datetime) -> ColumnElement[bool]:
    """`domain.followups.view_matches` as a SQL condition on the followup table, at `now`."""
    from sqlalchemy import and_

    today = now.date()
    active = table.c.status.not_in(_CLOSED_VALUES)
    if view == View.ACTIVE:
        return active
    if view == View.CHECK_IN_DUE:
        return and_(active, table.c.next_check_in.is_not(None), table.c.next_check_in <= today)
    if view == View.OVERDUE:
        return and_(active, table.c.due.is_not(None), table.c.due < today)
    if view == View.WAITING:
        return table.c.status == Status.WAITING.value
    if view == View.TO_VERIFY:
        return table.c.status == Status.DONE.value
    return and_(
        table.c.status.in_([Status.DONE.value, Status.VERIFIED.value]),
        table.c.done_at.is_not(None),
        table.c.done_at >= _midnight(today - timedelta(days=rules.RECENT_DAYS - 1), now.tzinfo),
        table.c.done_at < _midnight(today + timedelta(days=1), now.tzinfo),
    )


def level_expression(table: Any, today: date, settings: FollowupSettings) -> ColumnElement[int]:
    """`domain.followups.escalation_level` as a SQL expression (0-3), so that the list sorts by it."""
    from sqlalchemy import case, or_

    return case(
        (or_(table.c.due.is_(None), table.c.status.in_(_CLOSED_VALUES)), 0),
        (table.c.due < today - timedelta(days=settings.escalate_after_days), int(Escalation.ESCALATED)),
        (table.c.due < today, int(Escalation.OVERDUE)),
        (table.c.due <= today + timedelta(days=settings.remind_days_before), int(Escalation.REMINDER)),
        else_=0,
    )


def due_last(table: Any) -> Any:
    """The due date with "no due date" last, written as the index on it is (store.models.FOLLOWUP_DUE_LAST)."""
    from sqlalchemy import literal_column

    from gmassist.store.models import FOLLOWUP_DUE_LAST

    return literal_column(FOLLOWUP_DUE_LAST.replace("due", f"{table.name}.due", 1))


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def departments_named(directory: Directory, name: str) -> list[str]:
    """Ids of the departments whose name contains `name` (case aside), as the filter's `dept:` finds them."""
    return _names_matching([name], directory.departments)


def _names_matching(wanted: Sequence[str], names: dict[str, str]) -> list[str]:
    """Ids whose name contains one of `wanted` (case aside), or that are one of them: the domain's
    `filter_predicate` rule for owners and departments."""
    folded = [value.casefold() for value in wanted]
    return [
        key
        for key, name in names.items()
        if key in wanted or (name and any(value in name.casefold() for value in folded))
    ]


@dataclass(frozen=True)
class FollowupRow:
    """One follow-up as the list shows it, with what is computed from dates (never stored)."""

    id: str
    title: str
    status: str
    due: date | None
    next_check_in: date | None
    done_at: datetime | None
    created: datetime
    """In the user's zone (its date is the creation day `is_stale` counts from)."""
    owner_id: str | None
    department_id: str | None
    priority: int
    confidential: bool
    damaged: bool
    rrule: str | None
    series_id: str | None
    source_kind: str
    owner_name: str
    department_name: str
    last_check_in: date | None
    """Local date of the latest check-in (None: there has been none)."""
    level: Escalation
    overdue_days: int
    stale: bool
    check_in_due: bool


class FollowupQuery:
    """One view of the follow-up list, filtered and sorted in SQL, counted and read a page at a time.

    Built on the event loop (cheap); `count` and `fetch` run in a worker. Confidential titles are sealed,
    so SQL cannot search them: while unlocked they are opened and matched in memory once per query;
    while locked they never match a word of the filter.
    """

    def __init__(
        self,
        store: Store,
        directory: Directory,
        settings: FollowupSettings,
        now: datetime,
        view: str = View.ACTIVE.value,
        filter_text: str = "",
        sort: str | None = None,
        *,
        due_on: date | None = None,
        department_ids: Sequence[str] | None = None,
    ) -> None:
        """`due_on` and `department_ids` narrow the view further (the command line's --due and --dept)."""
        if view not in LIST_VIEWS:
            raise InvalidInput(_("Unknown view “{view}”").format(view=view), "view")
        self.store = store
        self.directory = directory
        self.settings = settings
        self.now = now
        self.today = now.date()
        self.view = view
        self.spec = rules.parse_filter(filter_text)
        self.sort = sort or DEFAULT_SORT.get(view, "urgency")
        if self.sort not in SORTS:
            raise InvalidInput(_("Unknown order “{sort}”").format(sort=self.sort), "sort")
        self.due_on = due_on
        self.department_ids = department_ids
        self._window: Window | None = None
        self._ids: list[str] | None = None

    # --- building the SQL --------------------------------------------------------------------------

    def _where(self, table: Any) -> list[ColumnElement[bool]]:
        from sqlalchemy import and_, or_

        from gmassist.store.models import not_confidential

        spec = self.spec
        where: list[ColumnElement[bool]] = []
        if self.view == "recurring":
            where.append(table.c.rrule.is_not(None))
        else:
            where.append(table.c.rrule.is_(None))
            if self.view in ("by_department", "by_owner"):
                where.append(view_clause(View.ACTIVE, table, self.now))
            elif self.view != "all":
                where.append(view_clause(View(self.view), table, self.now))
        if self.due_on is not None:
            where.append(table.c.due == self.due_on)
        if self.department_ids is not None:
            where.append(table.c.department_id.in_(self.department_ids))
        where.extend(view_clause(view, table, self.now) for view in spec.views)
        if spec.statuses:
            where.append(table.c.status.in_([s.value for s in spec.statuses]))
        if spec.owners:
            names = {key: p.name for key, p in self.directory.people.items() if p.readable}
            where.append(table.c.owner_id.in_(_names_matching(spec.owners, names)))
        if spec.departments:
            where.append(
                table.c.department_id.in_(_names_matching(spec.departments, self.directory.departments))
            )
        if spec.words:
            likes = (table.c.title.like(_like(word), escape="\\") for word in spec.words)
            plain = and_(not_confidential(table), *likes)
            opened = self._confidential_matches(table, where)
            where.append(or_(plain, table.c.id.in_(opened)) if opened else plain)
        return where

    def _confidential_matches(self, table: Any, where: Sequence[ColumnElement[bool]]) -> list[str]:
        """Ids of confidential follow-ups (among those `where` keeps) whose opened title has every word."""
        from sqlalchemy import select

        if not self.store.confidential_unlocked:
            return []
        words = [w.casefold() for w in self.spec.words]
        query = select(table.c.id, table.c.title).where(table.c.confidential.is_(True), *where)
        with self.store.engine.connect() as connection:
            rows = connection.execute(query).all()
        found = []
        for row_id, sealed in rows:
            title = str(self.store.reveal("followup", "title", row_id, sealed)).casefold()
            if all(word in title for word in words):
                found.append(row_id)
        return found

    def _order(self, table: Any) -> list[Any]:
        from sqlalchemy import select

        from gmassist.store.models import Department, Person, table_of

        due = due_last(table).asc()
        # Overdue rows all have a due date: the plain index on it gives their order.
        dated = self.view == View.OVERDUE.value or View.OVERDUE in self.spec.views
        by_due = [table.c.due if dated else due, table.c.priority]
        if self._one_side():
            # Every row of the view is active, or every one is closed: the level then falls as the due
            # date grows (or is 0 throughout), so ordering by due date IS ordering by level, and an index
            # answers it without sorting the view.
            urgency = by_due
        else:
            urgency = [level_expression(table, self.today, self.settings).desc(), due, table.c.priority]
        if self.sort == "due":
            return by_due
        if self.sort == "priority":
            return [table.c.priority, due]
        if self.sort == "created":
            return [table.c.created.desc()]
        if self.sort == "done":
            return [table.c.done_at.desc().nulls_last()]
        if self.sort in ("department", "owner"):
            other = table_of(Department if self.sort == "department" else Person)
            column = table.c.department_id if self.sort == "department" else table.c.owner_id
            name = select(other.c.name).where(other.c.id == column).scalar_subquery()
            return [name.asc().nulls_last(), *urgency]
        return urgency

    def _one_side(self) -> bool:
        """Whether every row of the view is active, or every one closed (a view or status says so)."""
        if self.view != "all" or self.spec.views:
            return True
        closed = {s in CLOSED for s in self.spec.statuses}
        return len(closed) == 1

    def window(self) -> Window:
        """The store window of this view (built on first use, in the worker)."""
        if self._window is None:
            from gmassist.store.models import FollowUp, table_of
            from gmassist.store.queries import ReadAs, Window

            table = table_of(FollowUp)
            if self.spec.words:
                # Words in titles are looked for in every row of the view, whatever the plan: read the
                # table once, then sort what matched (5-7 ms for 20k). Left to itself SQLite walked an
                # index, row by row: the owners' (a filter naming many people) or the order's (few matches
                # among many), up to 17 ms.
                table = ReadAs(table, "NOT INDEXED")
            self._window = Window(
                self.store, FollowUp, _LIST_COLUMNS, self._order(table), self._where(table), source=table
            )
        return self._window

    # --- reading ----------------------------------------------------------------------------------

    def _matching_ids(self) -> list[str] | None:
        """With words in the filter, every read scans the table: the ids of the view in order, read once
        per query, answer the count, every page and `index_of` (one scan per keystroke, not two)."""
        if not self.spec.words:
            return None
        if self._ids is None:
            self._ids = self.window().ordered_ids()
        return self._ids

    def count(self) -> int:
        """How many follow-ups the view holds."""
        ids = self._matching_ids()
        return len(ids) if ids is not None else self.window().count()

    def fetch(self, offset: int, limit: int) -> list[FollowupRow]:
        """Rows offset..offset+limit, with their level, staleness and names."""
        ids = self._matching_ids()
        window = self.window()
        values = (
            window.fetch(offset, limit) if ids is None else window.fetch_ids(ids[offset : offset + limit])
        )
        last = self._last_check_ins([row["id"] for row in values])
        return [self._row(row, last.get(row["id"])) for row in values]

    def index_of(self, followup_id: str) -> int | None:
        """Where the follow-up is in the view now (None when it is not in it): so that a reload keeps the
        cursor on it however far a change moved it."""
        ids = self._matching_ids()
        if ids is not None:
            return ids.index(followup_id) if followup_id in ids else None
        return self.window().index_of(followup_id)

    def all_rows(self) -> list[FollowupRow]:
        """Every row of the view (for the command line; the screen reads pages)."""
        return self.fetch(0, max(self.count(), 1))

    def _last_check_ins(self, ids: Sequence[str]) -> dict[str, datetime]:
        from sqlalchemy import func, select

        from gmassist.store.models import CheckIn, table_of

        table = table_of(CheckIn)
        found: list[Any] = []
        with self.store.engine.connect() as connection:
            for start in range(0, len(ids), 500):  # bounded IN lists, well under SQLite's variable limit
                query = (
                    select(table.c.followup_id, func.max(table.c.at))
                    .where(table.c.followup_id.in_(ids[start : start + 500]))
                    .group_by(table.c.followup_id)
                )
                found.extend(connection.execute(query).all())
        return {
            row_id: value for row_id, value in found if value is not None
        }  # max() keeps the column's type

    def _row(self, values: dict[str, Any], last: datetime | None) -> FollowupRow:
        zone = self.now.tzinfo
        row = FollowupRow(
            id=values["id"],
            title=values["title"],
            status=values["status"],
            due=values["due"],
            next_check_in=values["next_check_in"],
            done_at=values["done_at"],
            created=values["created"].astimezone(zone),
            owner_id=values["owner_id"],
            department_id=values["department_id"],
            priority=values["priority"],
            confidential=bool(values["confidential"]),
            damaged=bool(values.get("_damaged")),
            rrule=values["rrule"],
            series_id=values["series_id"],
            source_kind=values["source_kind"],
            owner_name=self.directory.person_name(values["owner_id"]),
            department_name=self.directory.department_name(values["department_id"]),
            last_check_in=last.astimezone(zone).date() if last is not None else None,
            level=Escalation.NONE,
            overdue_days=0,
            stale=False,
            check_in_due=False,
        )
        if row.rrule:
            return row  # a series' own row is a template: nothing is due on it
        return replace(
            row,
            level=rules.escalation_level(row, self.today, self.settings),
            overdue_days=rules.days_overdue(row, self.today),
            stale=rules.is_stale(row, row.last_check_in, self.today, self.settings.stale_days),
            check_in_due=rules.check_in_due(row, self.today),
        )


# --- scorecard ----------------------------------------------------------------------------------------


_NEVER = datetime.min.replace(tzinfo=UTC)
"""A placeholder creation time for rows read without it (the scorecard never looks)."""


@dataclass(frozen=True)
class _ScoreRow:
    """The fields the scorecard reads, without the sealed ones."""

    status: str
    due: date | None
    done_at: datetime | None
    department_id: str | None
    title: str = ""
    next_check_in: date | None = None
    created: datetime = _NEVER
    owner_id: str | None = None
    priority: int = 2


@dataclass(frozen=True)
class ScoreLine:
    """One department's line of the scorecard, with its name."""

    department: str
    score: rules.DeptScore


def scorecard(store: Store, start: date, end: date, directory: Directory) -> list[ScoreLine]:
    """On-time rate per department for follow-ups finished between `start` and `end` (both included),
    in the user's zone; see `domain.followups.scorecard`."""
    from sqlalchemy import or_, select

    from gmassist.store.models import FollowUp, table_of

    zone = store.clock.now().tzinfo
    table = table_of(FollowUp)
    query = select(table.c.status, table.c.due, table.c.done_at, table.c.department_id).where(
        table.c.rrule.is_(None),
        or_(
            table.c.done_at >= _midnight(start, zone),
            table.c.status.not_in(_CLOSED_VALUES),
        ),
    )
    with store.engine.connect() as connection:
        rows = [_ScoreRow(*row) for row in connection.execute(query).all()]
    scores = rules.scorecard(rows, start, end, zone)
    return [ScoreLine(directory.department_name(s.department) or _("(no department)"), s) for s in scores]


# --- quick add ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuickPlan:
    """A quick-add line read as a follow-up, with its owner looked up in the people list."""

    parsed: QuickAdd
    owner: PersonInfo | None
    """The one person the @ tag names."""
    new_owner: str | None
    """An @ name nobody in the people list has: to be added (the app asks first)."""
    candidates: tuple[PersonInfo, ...] = ()
    """More than one person fits the @ tag: the user picks one."""

    def draft(self, owner: PersonInfo | None = None) -> Draft:
        """The follow-up to save, with `owner` (or the one found)."""
        chosen = owner or self.owner
        return Draft(
            title=self.parsed.title,
            owner_id=chosen.id if chosen else None,
            department_id=chosen.department_id if chosen else None,
            due=self.parsed.due,
            rrule=self.parsed.rrule,
        )


def plan_quick_add(directory: Directory, text: str, now: datetime) -> QuickPlan:
    """Read `text` as a follow-up and find its owner; InvalidInput when the line cannot be read or is not
    a follow-up."""
    from gmassist.domain import quickadd

    try:
        parsed = quickadd.parse(text, now)
    except quickadd.QuickAddError as exc:
        raise quickadd_error(exc, text, "text") from exc
    if parsed.kind != "followup":
        raise InvalidInput(_("This line reads as an event or a card, not a follow-up"), "text")
    if not parsed.owner:
        return QuickPlan(parsed, None, None)
    found = match_people(directory, parsed.owner)
    if len(found) == 1:
        return QuickPlan(parsed, found[0], None)
    if found:
        return QuickPlan(parsed, None, None, tuple(found))
    return QuickPlan(parsed, None, parsed.owner)


def save_quick_add(
    store: Store,
    plan: QuickPlan,
    settings: FollowupSettings,
    *,
    owner: PersonInfo | None = None,
    add_new_owner: bool = False,
    source_kind: str = "instruction",
    source_id: str | None = None,
    requested_by: str = "",
    confidential: bool = False,
    links: Sequence[tuple[str, str, str]] = (),
) -> Saved:
    """Save a planned quick add. An ambiguous owner needs `owner` (OwnerAmbiguous otherwise); a new one
    is added to the people list only with `add_new_owner` (InvalidInput otherwise, nothing saved)."""
    if plan.candidates and owner is None:
        raise OwnerAmbiguous(plan.parsed.owner or "", plan.candidates)
    draft = replace(
        plan.draft(owner),
        source_kind=source_kind,
        source_id=source_id,
        requested_by=requested_by,
        confidential=confidential,
    )
    check_draft(draft, store.clock.now().date())
    added = None
    if plan.new_owner and owner is None:
        if not add_new_owner:
            raise InvalidInput(
                _("“{name}” is not in the people list yet").format(name=plan.new_owner), "owner"
            )
        draft = replace(draft, owner_id=add_person(store, plan.new_owner))
        added = plan.new_owner
    saved = create(store, draft, settings, links=links)
    return replace(saved, person_added=added)
