"""收文: the file inbox's rules, free of storage and UI.

A document (文件) comes in, the assistant may write a draft opinion (拟办), submits it to the manager
(呈批), records the manager's instruction (批示), routes it to departments (流转), and once the work is
done closes (办结) and archives (归档) it. This module holds what can be decided from a document's
fields alone:

* the routing state machine: the legal moves, who holds the document after each, and why an illegal
  move is refused (`transition`, `allowed_actions`, `IllegalTransition`);
* how long a document has waited and on whom (`time_in_state`, `is_waiting_too_long`, `waiting_on`);
* the stable codes of security levels (密级), urgency (紧急程度) and document types, with English labels
  marked for translation;
* classification rules that explain which rule set what, and never touch fields set by hand (`classify`);
* the keyed content digest that tells duplicates apart (`content_digest`);
* the search box's little language (`SearchQuery.parse`).

Time is always passed in (`now`, tz-aware); nothing here reads the clock. Labels are plain English
strings marked with `N_`; the UI translates them through gettext.
"""

from __future__ import annotations

import calendar
import difflib
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from gmassist.i18n import N_

# --- routing states and actions --------------------------------------------------------------------


class State(StrEnum):
    """Where a document is in its routing; stored as the string value in `Document.state`."""

    RECEIVED = "received"
    """Taken in and registered (登记); nobody has acted on it yet."""
    DRAFTING = "drafting"
    """拟办: the assistant is writing her draft opinion for the manager."""
    SUBMITTED = "submitted"
    """呈批: with the manager, waiting for an instruction."""
    INSTRUCTED = "instructed"
    """批示: the manager's instruction is recorded; the assistant has to act on it."""
    ROUTED = "routed"
    """流转: sent to a department, which has not started yet."""
    IN_PROGRESS = "in_progress"
    """承办: a department is working on it."""
    CLOSED = "closed"
    """办结: the work is done; waiting only to be archived."""
    ARCHIVED = "archived"
    """归档: filed away; final."""
    RETURNED = "returned"
    """退回: sent back to the assistant by the manager or a department, with a reason."""
    WITHDRAWN = "withdrawn"
    """撤回: pulled back by the assistant from the manager or a department, with a reason."""


class Action(StrEnum):
    """A move of the routing state machine, as the UI and the command line name it."""

    DRAFT_OPINION = "draft_opinion"
    """Start (or restart) the assistant's draft opinion (拟办意见)."""
    SUBMIT = "submit"
    """Put the document before the manager (呈批)."""
    RECORD_INSTRUCTION = "record_instruction"
    """Write down the manager's instruction (批示); the comment is the instruction."""
    ROUTE = "route"
    """Send the document to a department (流转, 转办); also used to pass it on to another department."""
    START = "start"
    """The department has begun work on it (承办)."""
    CLOSE = "close"
    """The work is done (办结)."""
    ARCHIVE = "archive"
    """File a closed document away (归档)."""
    RETURN = "return"
    """The manager or a department sends it back to the assistant (退回)."""
    WITHDRAW = "withdraw"
    """The assistant pulls it back from the manager or a department (撤回)."""
    REOPEN = "reopen"
    """A closed document needs work again: back to received, so it is looked at afresh."""


STATE_LABELS: dict[State, str] = {
    State.RECEIVED: N_("Received"),
    State.DRAFTING: N_("Drafting opinion"),
    State.SUBMITTED: N_("Submitted for approval"),
    State.INSTRUCTED: N_("Instructed"),
    State.ROUTED: N_("Routed"),
    State.IN_PROGRESS: N_("In progress"),
    State.CLOSED: N_("Closed"),
    State.ARCHIVED: N_("Archived"),
    State.RETURNED: N_("Returned"),
    State.WITHDRAWN: N_("Withdrawn"),
}
"""English source of each state's label; the UI translates it with `_`."""

ACTION_LABELS: dict[Action, str] = {
    Action.DRAFT_OPINION: N_("Draft opinion"),
    Action.SUBMIT: N_("Submit for approval"),
    Action.RECORD_INSTRUCTION: N_("Record instruction"),
    Action.ROUTE: N_("Route to department"),
    Action.START: N_("Start work"),
    Action.CLOSE: N_("Close"),
    Action.ARCHIVE: N_("Archive"),
    Action.RETURN: N_("Return"),
    Action.WITHDRAW: N_("Withdraw"),
    Action.REOPEN: N_("Reopen"),
}
"""English source of each action's label (menus, the command palette, the routing history)."""

ASSISTANT = "assistant"
"""The holder value for the assistant herself."""
MANAGER = "manager"
"""The holder value for the general manager."""
ARCHIVE_HOLDER = "archive"
"""The holder value of an archived document: nobody works on it any more."""
RESERVED_HOLDERS: frozenset[str] = frozenset({ASSISTANT, MANAGER, ARCHIVE_HOLDER})
"""Holder values that are not departments; any other non-empty holder is a department (its id)."""


class HolderRule(StrEnum):
    """Who holds a document after a transition."""

    ASSISTANT = "assistant"
    """The assistant holds it."""
    MANAGER = "manager"
    """The manager holds it."""
    DEPARTMENT = "department"
    """A department holds it: the caller names it (`holder=`), or it stays with the current one."""
    ARCHIVE = "archive"
    """Nobody: it is filed away."""


@dataclass(frozen=True)
class Transition:
    """One legal move: from `source`, `action` leads to `target`, and `holder` says who has it next."""

    source: State
    """The state the document must be in."""
    action: Action
    """The action's name."""
    target: State
    """The state it is in afterwards."""
    holder: HolderRule
    """Who holds it afterwards."""
    needs_comment: bool = False
    """Whether a comment is required: an instruction's text, or the reason for sending it back."""


def _moves(
    source: State, *moves: tuple[Action, State, HolderRule] | tuple[Action, State, HolderRule, bool]
) -> list[Transition]:
    return [Transition(source, *move) for move in moves]


_A, _M, _D = HolderRule.ASSISTANT, HolderRule.MANAGER, HolderRule.DEPARTMENT

TRANSITIONS: tuple[Transition, ...] = (
    *_moves(
        State.RECEIVED,
        (Action.DRAFT_OPINION, State.DRAFTING, _A),
        (Action.SUBMIT, State.SUBMITTED, _M),
        (Action.CLOSE, State.CLOSED, _A),
    ),
    *_moves(
        State.DRAFTING,
        (Action.SUBMIT, State.SUBMITTED, _M),
        (Action.CLOSE, State.CLOSED, _A),
    ),
    *_moves(
        State.SUBMITTED,
        (Action.RECORD_INSTRUCTION, State.INSTRUCTED, _A, True),
        (Action.RETURN, State.RETURNED, _A, True),
        (Action.WITHDRAW, State.WITHDRAWN, _A, True),
    ),
    *_moves(
        State.INSTRUCTED,
        (Action.ROUTE, State.ROUTED, _D),
        (Action.SUBMIT, State.SUBMITTED, _M),
        (Action.CLOSE, State.CLOSED, _A),
    ),
    *_moves(
        State.ROUTED,
        (Action.START, State.IN_PROGRESS, _D),
        (Action.ROUTE, State.ROUTED, _D),
        (Action.CLOSE, State.CLOSED, _A),
        (Action.RETURN, State.RETURNED, _A, True),
        (Action.WITHDRAW, State.WITHDRAWN, _A, True),
    ),
    *_moves(
        State.IN_PROGRESS,
        (Action.CLOSE, State.CLOSED, _A),
        (Action.ROUTE, State.ROUTED, _D),
        (Action.RETURN, State.RETURNED, _A, True),
        (Action.WITHDRAW, State.WITHDRAWN, _A, True),
    ),
    *_moves(
        State.RETURNED,
        (Action.DRAFT_OPINION, State.DRAFTING, _A),
        (Action.SUBMIT, State.SUBMITTED, _M),
        (Action.CLOSE, State.CLOSED, _A),
    ),
    *_moves(
        State.WITHDRAWN,
        (Action.DRAFT_OPINION, State.DRAFTING, _A),
        (Action.SUBMIT, State.SUBMITTED, _M),
        (Action.CLOSE, State.CLOSED, _A),
    ),
    *_moves(
        State.CLOSED,
        (Action.ARCHIVE, State.ARCHIVED, HolderRule.ARCHIVE),
        (Action.REOPEN, State.RECEIVED, _A, True),
    ),
)
"""Every legal move, grouped by source state in the order menus list them.

Decisions: the draft opinion is optional (a plain report can be submitted as it is); a document the
assistant holds can be closed without the manager (a notice to note, 阅知); routing needs the
manager's instruction first; the manager may ask to see an instructed document again (submit); a
department may report it done without a separate "start"; archived is final. Recording an
instruction, returning, withdrawing and reopening need a comment: the instruction's text or the
reason. Each (source, target) pair belongs to one action, so a stored `RoutingStep` (which keeps only
the states) still tells which action it was (`action_for`)."""

_BY_SOURCE_ACTION: dict[tuple[State, Action], Transition] = {(t.source, t.action): t for t in TRANSITIONS}

_ACTION_HINTS: dict[Action, str] = {
    Action.ARCHIVE: "only a closed (办结) document can be archived",
    Action.RECORD_INSTRUCTION: "an instruction can only be recorded on a document submitted to the manager",
    Action.ROUTE: "a document is routed only after the manager's instruction is recorded",
    Action.START: "work starts only on a document routed to a department",
    Action.REOPEN: "only a closed document can be reopened; an archived one is final",
}
"""Why an action is refused, where a plainer reason than the list of allowed states helps."""


class IllegalTransition(ValueError):
    """A routing move that is not allowed, with a plain English reason and a stable `code`.

    Codes: ``unknown_state``, ``unknown_action``, ``illegal_transition``, ``comment_required``,
    ``holder_required``, ``holder_invalid``, ``holder_fixed``, ``same_holder``, ``actor_required``.
    The UI shows the reason, or a translated message chosen by `code`.
    """

    def __init__(self, code: str, reason: str, *, state: str = "", action: str = "") -> None:
        super().__init__(reason)
        self.code = code
        """Stable machine-readable kind of refusal."""
        self.reason = reason
        """The English explanation."""
        self.state = state
        """The state the document was in."""
        self.action = action
        """The action that was refused."""


@dataclass(frozen=True)
class Step:
    """One routing step, computed by `transition`; the caller persists it as a `RoutingStep` row and
    copies `document_fields()` onto the `Document`."""

    action: Action
    """What was done."""
    from_state: State
    """The state before."""
    to_state: State
    """The state after."""
    holder: str
    """Who holds the document afterwards: assistant, manager, archive or a department's id."""
    actor: str
    """Who did it (the assistant's name, or "manager" when she records his decision)."""
    at: datetime
    """When (tz-aware)."""
    comment: str = ""
    """The instruction's text, the reason for a return, or any note."""

    def routing_step_fields(self) -> dict[str, object]:
        """The values for a `RoutingStep` row (same attribute names), without its ids."""
        return {
            "from_state": self.from_state.value,
            "to_state": self.to_state.value,
            "actor": self.actor,
            "at": self.at,
            "holder": self.holder,
            "comment": self.comment,
        }

    def document_fields(self) -> dict[str, object]:
        """The values to set on the `Document` after this step."""
        return {"state": self.to_state.value, "holder": self.holder, "state_since": self.at}


class HasRouting(Protocol):
    """Anything with a document's routing attributes (a `Document` row will do)."""

    @property
    def state(self) -> str: ...

    @property
    def holder(self) -> str: ...


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a tz-aware datetime, got naive {value!r}")


def parse_state(value: str) -> State:
    """The `State` for a stored code; raises `IllegalTransition` (code ``unknown_state``) otherwise."""
    try:
        return State(value)
    except ValueError:
        known = ", ".join(s.value for s in State)
        raise IllegalTransition(
            "unknown_state", f"Unknown routing state {value!r}; known states: {known}.", state=str(value)
        ) from None


def _parse_action(value: str, state: str) -> Action:
    try:
        return Action(value)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise IllegalTransition(
            "unknown_action", f"Unknown action {value!r}; known actions: {known}.", state=state, action=value
        ) from None


def allowed_actions(state: str) -> list[str]:
    """The actions legal from `state`, in menu order (the UI greys out the others)."""
    current = parse_state(state)
    return [t.action.value for t in TRANSITIONS if t.source is current]


def action_for(from_state: str, to_state: str) -> Action | None:
    """Which action moved a document from `from_state` to `to_state` (for showing stored history)."""
    for t in TRANSITIONS:
        if t.source == from_state and t.target == to_state:
            return t.action
    return None


def transition(
    doc_state: str | HasRouting,
    action: str,
    *,
    actor: str,
    now: datetime,
    comment: str = "",
    holder: str | None = None,
) -> Step:
    """Check one routing move and compute the step that records it.

    `doc_state` is the current state, or the document itself (then a department keeps holding it on
    ``start`` without naming it again). `holder` names the department for ``route`` (required there)
    and ``start``; for moves whose holder is fixed (assistant, manager, archive) it may be omitted or
    must agree. Raises `IllegalTransition` with a reason when the move is not allowed.
    """
    _require_aware(now, "now")
    if isinstance(doc_state, str):
        state_code, current_holder = doc_state, None
    else:
        state_code, current_holder = doc_state.state, doc_state.holder
    state = parse_state(state_code)
    act = _parse_action(action, state.value)
    move = _BY_SOURCE_ACTION.get((state, act))
    if move is None:
        sources = [t.source.value for t in TRANSITIONS if t.action is act]
        hint = _ACTION_HINTS.get(act, f"'{act.value}' is allowed only from: {', '.join(sources)}")
        allowed = ", ".join(allowed_actions(state.value)) or "none (the document is final)"
        raise IllegalTransition(
            "illegal_transition",
            f"Cannot {act.value} a document in state '{state.value}': {hint}. Allowed now: {allowed}.",
            state=state.value,
            action=act.value,
        )
    actor = actor.strip()
    if not actor:
        raise IllegalTransition(
            "actor_required", "Every routing step needs an actor.", state=state.value, action=act.value
        )
    comment = comment.strip()
    if move.needs_comment and not comment:
        what = "the instruction's text" if act is Action.RECORD_INSTRUCTION else "a reason"
        raise IllegalTransition(
            "comment_required",
            f"'{act.value}' needs a comment: {what}.",
            state=state.value,
            action=act.value,
        )
    new_holder = _next_holder(move, state, holder, current_holder)
    return Step(
        action=act,
        from_state=state,
        to_state=move.target,
        holder=new_holder,
        actor=actor,
        at=now,
        comment=comment,
    )


def _next_holder(move: Transition, state: State, given: str | None, current: str | None) -> str:
    given = given.strip() if given is not None else None
    if move.holder is HolderRule.DEPARTMENT:
        if given is None and move.action is Action.START and current and current not in RESERVED_HOLDERS:
            given = current
        if not given:
            raise IllegalTransition(
                "holder_required",
                f"'{move.action.value}' needs the department that will hold the document.",
                state=state.value,
                action=move.action.value,
            )
        if given in RESERVED_HOLDERS:
            raise IllegalTransition(
                "holder_invalid",
                f"'{move.action.value}' passes the document to a department, not to '{given}'.",
                state=state.value,
                action=move.action.value,
            )
        if move.action is Action.ROUTE and move.source is State.ROUTED and given == current:
            raise IllegalTransition(
                "same_holder",
                f"The document is already routed to '{given}'.",
                state=state.value,
                action=move.action.value,
            )
        return given
    fixed = {
        HolderRule.ASSISTANT: ASSISTANT,
        HolderRule.MANAGER: MANAGER,
        HolderRule.ARCHIVE: ARCHIVE_HOLDER,
    }[move.holder]
    if given and given != fixed:
        raise IllegalTransition(
            "holder_fixed",
            f"After '{move.action.value}' the document is held by '{fixed}', not '{given}'.",
            state=state.value,
            action=move.action.value,
        )
    return fixed


# --- waiting and staleness ----------------------------------------------------------------------------


class WaitingOn(StrEnum):
    """Whose move it is while a document sits in a state."""

    ASSISTANT = "assistant"
    """The assistant has to act (draft, route, rework, decide)."""
    MANAGER = "manager"
    """The manager has to give an instruction."""
    DEPARTMENT = "department"
    """A department has to do the work."""


WAITING_ON: dict[State, WaitingOn] = {
    State.RECEIVED: WaitingOn.ASSISTANT,
    State.DRAFTING: WaitingOn.ASSISTANT,
    State.INSTRUCTED: WaitingOn.ASSISTANT,
    State.RETURNED: WaitingOn.ASSISTANT,
    State.WITHDRAWN: WaitingOn.ASSISTANT,
    State.SUBMITTED: WaitingOn.MANAGER,
    State.ROUTED: WaitingOn.DEPARTMENT,
    State.IN_PROGRESS: WaitingOn.DEPARTMENT,
}
"""Whose move it is in each open state. Closed and archived documents wait on nobody."""

WAITING_ON_ASSISTANT: frozenset[State] = frozenset(
    s for s, w in WAITING_ON.items() if w is WaitingOn.ASSISTANT
)
"""States in which the assistant has to act: Today's "to do" list of documents."""
WAITING_ON_MANAGER: frozenset[State] = frozenset(s for s, w in WAITING_ON.items() if w is WaitingOn.MANAGER)
"""States in which the manager has to act: Today's "with the manager" list."""
WAITING_ON_DEPARTMENT: frozenset[State] = frozenset(
    s for s, w in WAITING_ON.items() if w is WaitingOn.DEPARTMENT
)
"""States in which a department has to act: candidates for a check-in."""


def waiting_on(state: str) -> WaitingOn | None:
    """Whose move it is in `state`, or None when the document is closed or archived."""
    return WAITING_ON.get(parse_state(state))


def time_in_state(state_since: datetime, now: datetime) -> timedelta:
    """How long the document has been in its state; zero if `state_since` is after `now` (clock skew
    between machines should not produce negative ages)."""
    _require_aware(state_since, "state_since")
    _require_aware(now, "now")
    return max(now - state_since, timedelta(0))


def is_waiting_too_long(state: str, state_since: datetime, now: datetime, stale_days: float) -> bool:
    """Whether a document still waiting on someone has sat in its state for `stale_days` or more.

    Elapsed time is counted, not calendar days. Closed and archived documents are never stale.
    """
    if stale_days < 0:
        raise ValueError(f"stale_days must not be negative, got {stale_days}")
    if waiting_on(state) is None:
        return False
    return time_in_state(state_since, now) >= timedelta(days=stale_days)


class HasStateSince(Protocol):
    """Anything with a document's state and the time it entered it."""

    @property
    def state(self) -> str: ...

    @property
    def state_since(self) -> datetime: ...


_D_co = TypeVar("_D_co", bound=HasStateSince)


def stale_documents(
    documents: Iterable[_D_co], *, now: datetime, stale_days: float, waiting: WaitingOn | None = None
) -> list[_D_co]:
    """The documents waiting too long (on `waiting`, if given), longest-waiting first (for Today)."""
    found = [
        doc
        for doc in documents
        if is_waiting_too_long(doc.state, doc.state_since, now, stale_days)
        and (waiting is None or waiting_on(doc.state) is waiting)
    ]
    return sorted(found, key=lambda doc: doc.state_since)


# --- security level, urgency, document type -------------------------------------------------------------


class SecurityLevel(StrEnum):
    """密级, stored as the string value in `Document.security_level`; ordered from least to most secret."""

    PUBLIC = "public"
    """公开: may be shown to anyone."""
    INTERNAL = "internal"
    """内部: for the company only."""
    CONFIDENTIAL = "confidential"
    """机密: confidential; its text is sealed in the store."""
    SECRET = "secret"
    """绝密: the most restricted; sealed like confidential."""

    @property
    def rank(self) -> int:
        """0 for public up to 3 for secret, to sort and compare levels."""
        return list(SecurityLevel).index(self)

    @property
    def is_confidential(self) -> bool:
        """Whether documents at this level carry the confidential flag (sealed text, masked, not exported)."""
        return self in (SecurityLevel.CONFIDENTIAL, SecurityLevel.SECRET)

    @property
    def label(self) -> str:
        """English label, to be translated by the UI."""
        return SECURITY_LABELS[self]


class Urgency(StrEnum):
    """紧急程度, stored as the string value in `Document.urgency`; ordered from least to most urgent."""

    NORMAL = "normal"
    """普通."""
    URGENT = "urgent"
    """紧急 / 加急."""
    VERY_URGENT = "very_urgent"
    """特急."""

    @property
    def rank(self) -> int:
        """0 for normal up to 2 for very urgent."""
        return list(Urgency).index(self)

    @property
    def label(self) -> str:
        """English label, to be translated by the UI."""
        return URGENCY_LABELS[self]


class DocType(StrEnum):
    """The kind of document, stored as the string value in `Document.doc_type`."""

    REPORT = "report"
    """报告 / 请示: a report or request to the manager."""
    CONTRACT = "contract"
    """合同 / 协议."""
    LETTER = "letter"
    """函: a letter from another organisation."""
    EMAIL = "email"
    """邮件."""
    MINUTES = "minutes"
    """会议纪要."""
    NOTICE = "notice"
    """通知 / 通报."""
    OTHER = "other"
    """Anything else."""

    @property
    def label(self) -> str:
        """English label, to be translated by the UI."""
        return DOC_TYPE_LABELS[self]


SECURITY_LABELS: dict[SecurityLevel, str] = {
    SecurityLevel.PUBLIC: N_("Public"),
    SecurityLevel.INTERNAL: N_("Internal"),
    SecurityLevel.CONFIDENTIAL: N_("Confidential"),
    SecurityLevel.SECRET: N_("Secret"),
}
"""English source of each security level's label."""

URGENCY_LABELS: dict[Urgency, str] = {
    Urgency.NORMAL: N_("Normal"),
    Urgency.URGENT: N_("Urgent"),
    Urgency.VERY_URGENT: N_("Very urgent"),
}
"""English source of each urgency's label."""

DOC_TYPE_LABELS: dict[DocType, str] = {
    DocType.REPORT: N_("Report"),
    DocType.CONTRACT: N_("Contract"),
    DocType.LETTER: N_("Letter"),
    DocType.EMAIL: N_("E-mail"),
    DocType.MINUTES: N_("Minutes"),
    DocType.NOTICE: N_("Notice"),
    DocType.OTHER: N_("Other"),
}
"""English source of each document type's label."""

_STATE_ALIASES: dict[str, State] = {
    "收文": State.RECEIVED, "登记": State.RECEIVED, "已收": State.RECEIVED, "待办": State.RECEIVED,
    "拟办": State.DRAFTING, "draft": State.DRAFTING,
    "呈批": State.SUBMITTED, "待批": State.SUBMITTED,
    "批示": State.INSTRUCTED, "已批示": State.INSTRUCTED, "已批": State.INSTRUCTED,
    "流转": State.ROUTED, "转办": State.ROUTED, "分办": State.ROUTED,
    "办理": State.IN_PROGRESS, "办理中": State.IN_PROGRESS, "承办": State.IN_PROGRESS,
    "办结": State.CLOSED, "done": State.CLOSED,
    "归档": State.ARCHIVED, "已归档": State.ARCHIVED,
    "退回": State.RETURNED,
    "撤回": State.WITHDRAWN,
}  # fmt: skip
"""Other words a user may type for a state (search box, quick add); Chinese and short English."""

_SECURITY_ALIASES: dict[str, SecurityLevel] = {
    "公开": SecurityLevel.PUBLIC,
    "内部": SecurityLevel.INTERNAL,
    "机密": SecurityLevel.CONFIDENTIAL, "保密": SecurityLevel.CONFIDENTIAL, "秘密": SecurityLevel.CONFIDENTIAL,
    "绝密": SecurityLevel.SECRET,
}  # fmt: skip
"""Chinese words for the security levels (秘密 and 保密 are read as confidential)."""

_URGENCY_ALIASES: dict[str, Urgency] = {
    "普通": Urgency.NORMAL, "一般": Urgency.NORMAL, "平件": Urgency.NORMAL, "平急": Urgency.NORMAL,
    "紧急": Urgency.URGENT, "加急": Urgency.URGENT, "急件": Urgency.URGENT, "急": Urgency.URGENT,
    "特急": Urgency.VERY_URGENT, "特提": Urgency.VERY_URGENT, "very-urgent": Urgency.VERY_URGENT,
}  # fmt: skip
"""Chinese words for the urgency levels, from 公文 practice."""

_DOC_TYPE_ALIASES: dict[str, DocType] = {
    "报告": DocType.REPORT, "请示": DocType.REPORT, "汇报": DocType.REPORT,
    "合同": DocType.CONTRACT, "协议": DocType.CONTRACT,
    "函": DocType.LETTER, "信函": DocType.LETTER, "来函": DocType.LETTER,
    "邮件": DocType.EMAIL, "电子邮件": DocType.EMAIL, "mail": DocType.EMAIL, "e-mail": DocType.EMAIL,
    "纪要": DocType.MINUTES, "会议纪要": DocType.MINUTES,
    "通知": DocType.NOTICE, "通报": DocType.NOTICE, "公告": DocType.NOTICE,
    "其他": DocType.OTHER, "其它": DocType.OTHER,
}  # fmt: skip
"""Chinese words for the document types."""

_E = TypeVar("_E", bound=StrEnum)


def _lookup(enum: type[_E], labels: Mapping[_E, str], aliases: Mapping[str, _E], text: str) -> _E | None:
    key = unicodedata.normalize("NFKC", text).strip().casefold()
    for member in enum:
        if key in (member.value, labels[member].casefold()):
            return member
    return aliases.get(key) or aliases.get(key.replace(" ", "_"))


def _choice(enum: type[_E], labels: Mapping[_E, str], aliases: Mapping[str, _E], text: str, what: str) -> _E:
    found = _lookup(enum, labels, aliases, text)
    if found is None:
        known = ", ".join(m.value for m in enum)
        raise ValueError(f"Unknown {what} {text!r}; known: {known}.")
    return found


def parse_state_word(text: str) -> State:
    """A state from its code, English label or a Chinese word (呈批, 办结...); ValueError otherwise."""
    return _choice(State, STATE_LABELS, _STATE_ALIASES, text, "state")


def parse_security_level(text: str) -> SecurityLevel:
    """A security level from its code, English label or Chinese word (公开, 内部, 机密, 绝密)."""
    return _choice(SecurityLevel, SECURITY_LABELS, _SECURITY_ALIASES, text, "security level")


def parse_urgency(text: str) -> Urgency:
    """An urgency from its code, English label or Chinese word (普通, 紧急, 加急, 特急)."""
    return _choice(Urgency, URGENCY_LABELS, _URGENCY_ALIASES, text, "urgency")


def parse_doc_type(text: str) -> DocType:
    """A document type from its code, English label or Chinese word (报告, 合同, 函, 纪要, 通知...)."""
    return _choice(DocType, DOC_TYPE_LABELS, _DOC_TYPE_ALIASES, text, "document type")


def is_confidential_level(level: str) -> bool:
    """Whether a stored security level means the confidential flag must be set."""
    return parse_security_level(level).is_confidential


# --- classification rules -------------------------------------------------------------------------------


class RuleField(StrEnum):
    """Which text of a document a rule looks at."""

    SENDER = "sender"
    """The sender (来文单位 or the mail's From)."""
    TITLE = "title"
    """The title or subject."""
    CONTENT = "content"
    """The extracted text (`Document.body_text`)."""
    ANY = "any"
    """Title, then sender, then content: the first that matches."""


class MatchKind(StrEnum):
    """How a rule's pattern is compared with the text."""

    CONTAINS = "contains"
    """The pattern appears anywhere in the text."""
    REGEX = "regex"
    """The regular expression matches somewhere in the text (`re.search`)."""
    EXACT = "exact"
    """The whole text, without surrounding spaces, equals the pattern."""


CLASSIFIED_FIELDS: tuple[str, ...] = ("doc_type", "department_id", "urgency", "tags")
"""The fields rules can set, by their `Document` attribute names (tags live in `Tagging`)."""

_FIELD_ALIASES: dict[str, str] = {
    "type": "doc_type",
    "doc_type": "doc_type",
    "department": "department_id",
    "dept": "department_id",
    "department_id": "department_id",
    "urgency": "urgency",
    "tags": "tags",
    "tag": "tags",
}

MAX_MATCH_CHARS = 200_000
"""Rules look at no more than this many characters of a field, so a huge file or a careless regular
expression cannot stall classification."""


def _normalise(text: str) -> str:
    """NFKC: full-width letters and digits typed with a Chinese input method match half-width ones."""
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True)
class Rule:
    """A classification rule: when `pattern` matches `field`, it sets a type, tags, a department or an
    urgency. Rules are checked in the order given; for a single value the first rule to set it wins,
    tags add up. Invalid rules (bad regex, unknown type, nothing to set) fail when built."""

    id: str
    """Stable id, stored on the document (`Document.rule_id`) and shown in explanations."""
    name: str
    """What the assistant called it ("Contracts by title")."""
    field: RuleField
    """Which text it looks at."""
    match: MatchKind
    """How the pattern is compared."""
    pattern: str
    """The text or regular expression to look for; Chinese works as is (合同)."""
    case_insensitive: bool = True
    """Ignore case (and full-width versus half-width forms, which are always ignored)."""
    set_type: DocType | None = None
    """The document type to set."""
    set_tags: tuple[str, ...] = ()
    """Tags to add."""
    set_department: str | None = None
    """The department (its id) to set."""
    set_urgency: Urgency | None = None
    """The urgency to set."""
    enabled: bool = True
    """A disabled rule is kept but never matches."""
    _compiled: re.Pattern[str] = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", RuleField(self.field))
        object.__setattr__(self, "match", MatchKind(self.match))
        if self.set_type is not None:
            object.__setattr__(self, "set_type", parse_doc_type(self.set_type))
        if self.set_urgency is not None:
            object.__setattr__(self, "set_urgency", parse_urgency(self.set_urgency))
        tags = tuple(dict.fromkeys(t.strip() for t in self.set_tags if t.strip()))
        object.__setattr__(self, "set_tags", tags)
        if self.set_department is not None:
            object.__setattr__(self, "set_department", self.set_department.strip() or None)
        pattern = _normalise(self.pattern)
        if not pattern.strip():
            raise ValueError(f"Rule {self.name!r} has an empty pattern.")
        if (
            self.set_type is None
            and not self.set_tags
            and self.set_department is None
            and self.set_urgency is None
        ):
            raise ValueError(
                f"Rule {self.name!r} sets nothing: give a type, tags, a department or an urgency."
            )
        flags = re.IGNORECASE if self.case_insensitive else 0
        if self.match is MatchKind.REGEX:
            source = pattern
        elif self.match is MatchKind.CONTAINS:
            source = re.escape(pattern)
        else:
            source = re.escape(pattern.strip())
        try:
            compiled = re.compile(source, flags)
        except re.error as exc:
            raise ValueError(
                f"Rule {self.name!r}: invalid regular expression {self.pattern!r}: {exc}."
            ) from None
        object.__setattr__(self, "_compiled", compiled)

    @classmethod
    def build(
        cls,
        id: str,
        name: str,
        field: str,
        match: str,
        pattern: str,
        *,
        case_insensitive: bool = True,
        set_type: str | None = None,
        set_tags: Iterable[str] = (),
        set_department: str | None = None,
        set_urgency: str | None = None,
        enabled: bool = True,
    ) -> Rule:
        """A rule from stored or typed strings (codes, or words like 合同 and 特急 for type and urgency);
        raises ValueError with the rule's name when a value is unknown."""
        try:
            field_value, match_value = RuleField(field), MatchKind(match)
        except ValueError as exc:
            raise ValueError(f"Rule {name!r}: {exc}.") from None
        return cls(
            id=id,
            name=name,
            field=field_value,
            match=match_value,
            pattern=pattern,
            case_insensitive=case_insensitive,
            set_type=parse_doc_type(set_type) if set_type else None,
            set_tags=tuple(set_tags),
            set_department=set_department,
            set_urgency=parse_urgency(set_urgency) if set_urgency else None,
            enabled=enabled,
        )

    def sets(self) -> list[tuple[str, str]]:
        """What the rule sets, as (field, value) pairs with `Document` attribute names."""
        out: list[tuple[str, str]] = []
        if self.set_type is not None:
            out.append(("doc_type", self.set_type.value))
        if self.set_department is not None:
            out.append(("department_id", self.set_department))
        if self.set_urgency is not None:
            out.append(("urgency", self.set_urgency.value))
        out.extend(("tags", tag) for tag in self.set_tags)
        return out

    def find(self, texts: Mapping[RuleField, str]) -> tuple[RuleField, str] | None:
        """Where the rule matches: (the field, the matched text), or None."""
        if not self.enabled:
            return None
        fields = (
            (RuleField.TITLE, RuleField.SENDER, RuleField.CONTENT)
            if self.field is RuleField.ANY
            else (self.field,)
        )
        for name in fields:
            text = _normalise(texts.get(name, "")[:MAX_MATCH_CHARS])
            if self.match is MatchKind.EXACT:
                found = self._compiled.fullmatch(text.strip())
            else:
                found = self._compiled.search(text)
            if found is not None:
                return name, found.group(0)
        return None


@dataclass(frozen=True)
class Explanation:
    """Why a value was (or would have been) set: the document shows which rule set what."""

    field: str
    """The field, by `Document` attribute name (doc_type, department_id, urgency) or "tags"."""
    value: str
    """The value the rule gives it."""
    rule_id: str
    """The rule's id."""
    rule_name: str
    """The rule's name, as the assistant wrote it."""
    matched_field: RuleField
    """Which text matched (title, sender or content)."""
    matched_text: str
    """The text that matched, cut to 80 characters."""


@dataclass(frozen=True)
class Classification:
    """What the rules decided for one document, and why."""

    doc_type: str | None = None
    """The type to set, or None when no rule set it (keep the current value)."""
    department_id: str | None = None
    """The department to set, or None."""
    urgency: str | None = None
    """The urgency to set, or None."""
    tags: tuple[str, ...] = ()
    """Tags to add."""
    explanations: tuple[Explanation, ...] = ()
    """One per value set: which rule set it and what matched."""
    kept_by_hand: tuple[Explanation, ...] = ()
    """Values rules would have set on fields the assistant set by hand (left unchanged)."""
    shadowed: tuple[Explanation, ...] = ()
    """Values of later matching rules that lost to an earlier rule (helps to order rules)."""
    rule_id: str | None = None
    """The first rule that set anything (for `Document.rule_id`)."""

    def why(self, field: str, value: str | None = None) -> Explanation | None:
        """The explanation of `field` (and, for tags, of one `value`), or None if no rule set it."""
        field = _FIELD_ALIASES.get(field, field)
        for item in self.explanations:
            if item.field == field and (value is None or item.value == value):
                return item
        return None

    def changes(self) -> dict[str, str]:
        """The single-valued fields to set on the document (tags are added separately)."""
        values = {"doc_type": self.doc_type, "department_id": self.department_id, "urgency": self.urgency}
        return {name: value for name, value in values.items() if value is not None}


class ClassifiableDocument(Protocol):
    """Anything with a document's text attributes (a `Document` row will do)."""

    @property
    def sender(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def body_text(self) -> str: ...


def parse_overrides(text: str | Iterable[str]) -> frozenset[str]:
    """The fields set by hand, from `Document.overrides` ("doc_type,urgency") or a collection of names.

    Accepts the short names too (type, department, dept, tag)."""
    items = re.split(r"[,\s]+", text) if isinstance(text, str) else list(text)
    return frozenset(_FIELD_ALIASES.get(item.strip(), item.strip()) for item in items if item.strip())


def format_overrides(fields: Iterable[str]) -> str:
    """The `Document.overrides` value for a set of field names: sorted, comma-separated."""
    return ",".join(sorted(parse_overrides(fields)))


def _texts(doc: Mapping[str, str] | ClassifiableDocument) -> dict[RuleField, str]:
    if isinstance(doc, Mapping):
        content = doc.get("content", doc.get("body_text", ""))
        return {
            RuleField.SENDER: doc.get("sender", "") or "",
            RuleField.TITLE: doc.get("title", "") or "",
            RuleField.CONTENT: content or "",
        }
    return {
        RuleField.SENDER: doc.sender or "",
        RuleField.TITLE: doc.title or "",
        RuleField.CONTENT: doc.body_text or "",
    }


def classify(
    doc_fields: Mapping[str, str] | ClassifiableDocument,
    rules: Sequence[Rule],
    overrides: str | Iterable[str] = (),
) -> Classification:
    """Apply `rules` in order to a document's sender, title and content, explaining each value set.

    `doc_fields` is a mapping with keys sender, title and content (or body_text), or a `Document`.
    Fields named in `overrides` were set by hand and are never changed: what a rule would have put
    there is reported in `kept_by_hand` instead.
    """
    texts = _texts(doc_fields)
    by_hand = parse_overrides(overrides)
    values: dict[str, str] = {}
    tags: list[str] = []
    explanations: list[Explanation] = []
    kept: list[Explanation] = []
    shadowed: list[Explanation] = []
    first_rule: str | None = None
    for rule in rules:
        hit = rule.find(texts)
        if hit is None:
            continue
        matched_field, matched_text = hit
        for name, value in rule.sets():
            item = Explanation(name, value, rule.id, rule.name, matched_field, matched_text[:80])
            if name in by_hand:
                kept.append(item)
            elif name == "tags":
                if value in tags:
                    shadowed.append(item)
                else:
                    tags.append(value)
                    explanations.append(item)
            elif name in values:
                shadowed.append(item)
            else:
                values[name] = value
                explanations.append(item)
            if first_rule is None and name not in by_hand:
                first_rule = rule.id
    return Classification(
        doc_type=values.get("doc_type"),
        department_id=values.get("department_id"),
        urgency=values.get("urgency"),
        tags=tuple(tags),
        explanations=tuple(explanations),
        kept_by_hand=tuple(kept),
        shadowed=tuple(shadowed),
        rule_id=first_rule,
    )


# --- duplicates -----------------------------------------------------------------------------------------

MIN_DIGEST_KEY_BYTES = 16
"""A shorter key would let someone with the database confirm a guess about a confidential file."""


def content_digest(chunks: Iterable[bytes], key: bytes) -> str:
    """The keyed digest of a file's bytes (HMAC-SHA256, hex), read chunk by chunk so memory stays bounded.

    Keyed with a secret of the store rather than a plain SHA-256: a plain hash would let anyone who
    sees the database check whether a given confidential file is in it. Equal digests under one key
    mean the same content, so the store uses it to tell duplicates.

    Example: ``content_digest(iter(lambda: stream.read(65536), b""), key)``.
    """
    if len(key) < MIN_DIGEST_KEY_BYTES:
        raise ValueError(f"The digest key must have at least {MIN_DIGEST_KEY_BYTES} bytes.")
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for chunk in chunks:
        mac.update(chunk)
    return mac.hexdigest()


# --- the search box ---------------------------------------------------------------------------------------


class SearchSyntaxError(ValueError):
    """The search text cannot be read: a plain English message, a stable `code` and the offending span.

    Codes: ``unknown_filter``, ``empty_value``, ``bad_value``, ``bad_date``, ``repeated_filter``,
    ``bad_range``. `start` and `end` index the original text, so the UI can underline the culprit.
    """

    def __init__(self, code: str, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.code = code
        """Stable machine-readable kind of error."""
        self.message = message
        """The English explanation."""
        self.start = start
        """Index of the first offending character."""
        self.end = end
        """Index just past the last offending character."""

    @property
    def span(self) -> tuple[int, int]:
        """(start, end) of the offending text."""
        return self.start, self.end


FILTER_NAMES: dict[str, str] = {
    "state": "state", "status": "state", "状态": "state",
    "type": "type", "类型": "type", "文种": "type",
    "tag": "tag", "标签": "tag",
    "dept": "dept", "department": "dept", "部门": "dept",
    "level": "level", "security": "level", "密级": "level",
    "urgency": "urgency", "紧急程度": "urgency", "缓急": "urgency",
    "sender": "sender", "来文": "sender", "来文单位": "sender", "发件人": "sender",
    "from": "from", "since": "from", "从": "from", "自": "from",
    "to": "to", "until": "to", "至": "to", "到": "to",
}  # fmt: skip
"""Every filter name the search box knows, English and Chinese, mapped to its canonical name."""

_QUOTES = {'"': '"', "“": "”", "「": "」"}
_FILTER_TOKEN = re.compile(r"([A-Za-z_]+|[\u4e00-\u9fff]+)[:：]")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?|月)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


@dataclass(frozen=True)
class SearchQuery:
    """What the search box asks for: free-text terms plus filters.

    Values of one filter are alternatives (``state:submitted state:instructed`` finds either), except
    tags, which must all be present. Dates bound `Document.received`, both ends included.
    """

    terms: tuple[str, ...] = ()
    """Words and quoted phrases to look for in the text."""
    states: tuple[State, ...] = ()
    """Any of these routing states."""
    doc_types: tuple[DocType, ...] = ()
    """Any of these document types."""
    tags: tuple[str, ...] = ()
    """All of these tags."""
    departments: tuple[str, ...] = ()
    """Any of these departments (as typed: a name or part of one)."""
    levels: tuple[SecurityLevel, ...] = ()
    """Any of these security levels."""
    urgencies: tuple[Urgency, ...] = ()
    """Any of these urgencies."""
    senders: tuple[str, ...] = ()
    """Any of these senders (as typed: part of a name or address)."""
    date_from: date | None = None
    """Received on or after this day."""
    date_to: date | None = None
    """Received on or before this day."""

    @property
    def text(self) -> str:
        """The free-text part, terms joined by spaces."""
        return " ".join(self.terms)

    @property
    def is_empty(self) -> bool:
        """Whether the query asks for nothing (show everything)."""
        return self == SearchQuery()

    def received_bounds(self, zone: tzinfo) -> tuple[datetime | None, datetime | None]:
        """The dates as tz-aware instants in `zone`: [start of date_from, start of the day after date_to)."""
        start = datetime.combine(self.date_from, time(0), zone) if self.date_from else None
        end = datetime.combine(self.date_to + timedelta(days=1), time(0), zone) if self.date_to else None
        return start, end

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        """Read the search box: see `parse_search_query`."""
        return parse_search_query(text)


@dataclass(frozen=True)
class _Token:
    """One white-space separated piece of the search text."""

    text: str
    """The token with its quotes removed."""
    start: int
    """Index of its first character in the search text."""
    end: int
    """Index just past its last character."""
    quoted: bool
    """It starts with a quote: a phrase, never a filter."""


def _tokens(text: str) -> list[_Token]:
    """Split on white space (the ideographic space too), keeping quoted stretches whole."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        parts: list[str] = []
        while i < n and not text[i].isspace():
            if text[i] in _QUOTES:
                close = text.find(_QUOTES[text[i]], i + 1)
                close = n if close < 0 else close  # an unclosed quote (still typing) runs to the end
                parts.append(text[i + 1 : close])
                i = min(close + 1, n)
            else:
                parts.append(text[i])
                i += 1
        tokens.append(_Token("".join(parts), start, i, text[start] in _QUOTES))
    return tokens


def _split_values(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,，、]", value) if v.strip()]


def _parse_date(value: str, end_of_period: bool) -> date:
    value = _normalise(value).strip()
    match = _DATE.fullmatch(value) or _COMPACT_DATE.fullmatch(value)
    if match is None:
        raise ValueError(value)
    year, month = int(match.group(1)), int(match.group(2))
    if match.group(3) is not None:
        day = int(match.group(3))
    elif end_of_period and 1 <= month <= 12:
        day = calendar.monthrange(year, month)[1]
    else:
        day = 1
    return date(year, month, day)


_ENUM_PARSERS: dict[str, Callable[[str], StrEnum]] = {
    "state": parse_state_word,
    "type": parse_doc_type,
    "level": parse_security_level,
    "urgency": parse_urgency,
}


def parse_search_query(text: str) -> SearchQuery:
    """Read the search box into a `SearchQuery`, or raise `SearchSyntaxError` with the offending span.

    ``state:submitted type:contract tag:预算 dept:销售 level:secret from:2026-11-01 to:2026-11-30``
    plus free words. Filter names and values may be English or Chinese (状态:呈批 类型:合同 密级:机密),
    with ``:`` or the full-width ``：``; values may be quoted (tag:"年度 预算") or listed with commas
    (state:submitted,instructed). Dates are 2026-11-01, 2026/11/1, 2026年11月1日 or 20261101; a month
    (2026-11) means its first day in ``from`` and its last in ``to``. An unknown English filter name is
    an error (quote the word to search for it); an unknown Chinese word before a full-width colon is
    ordinary text, since 注意：明天 is common in Chinese writing.
    """
    terms: list[str] = []
    found: dict[str, list[object]] = {name: [] for name in set(FILTER_NAMES.values())}
    date_tokens: dict[str, _Token] = {}
    for token in _tokens(text):
        match = None if token.quoted else _FILTER_TOKEN.match(text, token.start)
        if match is None or match.end() > token.end:
            if token.text:
                terms.append(token.text)
            continue
        raw_name = match.group(1)
        name = FILTER_NAMES.get(raw_name.casefold())
        if name is None:
            if not raw_name.isascii():
                terms.append(token.text)
                continue
            english = [k for k in FILTER_NAMES if k.isascii()]
            close = difflib.get_close_matches(raw_name.casefold(), english, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            known = ", ".join(sorted(set(FILTER_NAMES.values())))
            raise SearchSyntaxError(
                "unknown_filter",
                f"Unknown filter '{raw_name}'.{hint} Known filters: {known}. Quote the word to search for it.",
                token.start,
                token.start + len(raw_name),
            )
        value = token.text[len(raw_name) + 1 :]
        value_start, value_end = match.end(), token.end
        whole = name in ("from", "to") or text[value_start : value_start + 1] in _QUOTES
        values = [value.strip()] if whole else _split_values(value)  # a quoted value keeps its commas
        if not any(values):
            raise SearchSyntaxError(
                "empty_value", f"The filter '{raw_name}' needs a value.", token.start, token.end
            )
        if name in ("from", "to"):
            if name in date_tokens:
                raise SearchSyntaxError(
                    "repeated_filter", f"'{raw_name}' is given twice.", token.start, token.end
                )
            try:
                found[name].append(_parse_date(values[0], end_of_period=name == "to"))
            except ValueError:
                raise SearchSyntaxError(
                    "bad_date",
                    f"'{values[0]}' is not a date; write it like 2026-11-01 or 2026年11月1日.",
                    value_start,
                    value_end,
                ) from None
            date_tokens[name] = token
        elif name in _ENUM_PARSERS:
            try:
                found[name].extend(_ENUM_PARSERS[name](v) for v in values)
            except ValueError as exc:
                raise SearchSyntaxError("bad_value", str(exc), value_start, value_end) from None
        else:
            found[name].extend(values)
    date_from = found["from"][0] if found["from"] else None
    date_to = found["to"][0] if found["to"] else None
    assert date_from is None or isinstance(date_from, date)
    assert date_to is None or isinstance(date_to, date)
    if date_from is not None and date_to is not None and date_from > date_to:
        token = date_tokens["to"]
        raise SearchSyntaxError(
            "bad_range", f"The range ends ({date_to}) before it starts ({date_from}).", token.start, token.end
        )

    def unique(name: str) -> tuple[Any, ...]:
        return tuple(dict.fromkeys(found[name]))

    return SearchQuery(
        terms=tuple(terms),
        states=unique("state"),
        doc_types=unique("type"),
        tags=unique("tag"),
        departments=unique("dept"),
        levels=unique("level"),
        urgencies=unique("urgency"),
        senders=unique("sender"),
        date_from=date_from,
        date_to=date_to,
    )
