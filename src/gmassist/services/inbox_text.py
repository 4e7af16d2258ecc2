"""Words for the inbox, shared by the command line and the TUI: translated labels of the stored codes, a
wait in its two largest units, and a document as plain lines (`gmassist inbox show`)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from gmassist.domain.inbox import (
    ACTION_LABELS,
    DOC_TYPE_LABELS,
    SECURITY_LABELS,
    STATE_LABELS,
    URGENCY_LABELS,
    Action,
    DocType,
    SecurityLevel,
    State,
    Urgency,
)
from gmassist.domain.intake import waited
from gmassist.i18n import _

if TYPE_CHECKING:
    from gmassist.services.inbox import DocumentDetail, Reason


def state_label(code: str) -> str:
    """The translated label of a routing state code (the code itself when unknown)."""
    try:
        return _(STATE_LABELS[State(code)])
    except ValueError:
        return code


def action_label(code: str | None) -> str:
    """The translated label of a routing action code."""
    try:
        return _(ACTION_LABELS[Action(code)]) if code else ""
    except ValueError:
        return code or ""


def type_label(code: str) -> str:
    """The translated label of a document type code."""
    try:
        return _(DOC_TYPE_LABELS[DocType(code)])
    except ValueError:
        return code


def level_label(code: str) -> str:
    """The translated label of a security level (密级) code."""
    try:
        return _(SECURITY_LABELS[SecurityLevel(code)])
    except ValueError:
        return code


def urgency_label(code: str) -> str:
    """The translated label of an urgency (紧急程度) code."""
    try:
        return _(URGENCY_LABELS[Urgency(code)])
    except ValueError:
        return code


def format_wait(duration: timedelta) -> str:
    """A wait in its two largest units: 3d 4h, 5h 10m, 12m."""
    days, hours, minutes = waited(duration)
    if days:
        return _("{d}d {h}h").format(d=days, h=hours)
    if hours:
        return _("{h}h {m}m").format(h=hours, m=minutes)
    return _("{m}m").format(m=minutes)


def field_label(name: str) -> str:
    """The translated name of a field rules can set."""
    return {
        "doc_type": _("type"),
        "department_id": _("department"),
        "urgency": _("urgency"),
        "tags": _("tags"),
    }.get(name, name)


def reason_line(reason: Reason) -> str:
    """Why a field has its value, in one line."""
    value = reason.value
    if reason.field == "doc_type":
        value = type_label(value)
    elif reason.field == "urgency":
        value = urgency_label(value)
    name = field_label(reason.field)
    if reason.by_hand:
        line = _("{field} = {value}: set by hand").format(field=name, value=value)
        if reason.rule_name:
            line += " " + _("(rule “{rule}” would set it otherwise)").format(rule=reason.rule_name)
        return line
    return _("{field} = {value}: rule “{rule}” ({where} matched “{text}”)").format(
        field=name, value=value, rule=reason.rule_name, where=reason.matched_field, text=reason.matched_text
    )


def when(value: datetime, zone: tzinfo | None) -> str:
    """A stored time in the local zone, to the minute."""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def detail_lines(d: DocumentDetail, zone: tzinfo | None) -> list[str]:
    """A document as plain lines: fields, why they are what they are, routing, links, files, versions."""
    lines = [("🔒 " if d.masked else "") + d.title]

    def pairs(*items: tuple[str, str]) -> None:
        shown = [f"{label}: {value}" for label, value in items if value]
        if shown:
            lines.append("   ".join(shown))

    pairs(
        (_("ID"), d.id),
        (_("Number"), d.number),
        (_("Version"), str(d.version) if len(d.versions) > 1 else ""),
    )
    pairs(
        (_("Type"), type_label(d.doc_type)),
        (_("Security level"), level_label(d.security_level)),
        (_("Urgency"), urgency_label(d.urgency)),
    )
    pairs((_("From"), d.sender), (_("To"), d.recipients), (_("Department"), d.department))
    pairs(
        (_("Received"), when(d.received, zone)),
        (_("Reply by"), d.reply_by.isoformat() if d.reply_by else ""),
    )
    pairs(
        (_("State"), state_label(d.state)),
        (_("Holder"), d.holder_name),
        (_("In state"), format_wait(d.waited) + (" ⚑ " + _("waiting too long") if d.stale else "")),
    )
    pairs((_("Tags"), ", ".join(d.tags)), (_("Notes"), d.notes))
    if d.reasons:
        lines.append(_("Why:"))
        lines.extend("  " + reason_line(reason) for reason in d.reasons)
    lines.append(_("Routing:"))
    lines.append("  " + _("{at}  taken in").format(at=when(d.received, zone)))
    for step in d.steps:
        text = f"  {when(step.at, zone)}  {action_label(step.action) or step.to_state} · {step.actor}"
        if step.holder:
            text += f" → {step.holder}"
        if step.comment:
            text += f"  “{step.comment}”"
        lines.append(text)
    if d.links:
        lines.append(_("Links:"))
        lines.extend(f"  {link.kind}: {link.title} ({link.relation})" for link in d.links)
    if d.files:
        lines.append(_("Files:"))
        lines.extend(f"  {item.name}  {item.mime}  {item.size:,} B" for item in d.files)
    return lines
