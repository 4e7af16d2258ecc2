"""Saved views and classification rules of the inbox, each a list in a dialog."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from gmassist.domain.inbox import DocType, MatchKind, RuleField, Urgency
from gmassist.domain.intake import parse_tags
from gmassist.errors import GmassistError
from gmassist.i18n import _
from gmassist.tui.modals.inbox_prompt import CSS

if TYPE_CHECKING:
    from gmassist.services.inbox import RuleView, ViewItem
    from gmassist.store.store import Store


@dataclass(frozen=True)
class ViewChoice:
    """What the saved-views dialog gives back."""

    action: str
    """apply or delete."""
    view_id: str
    query: str


class ViewsModal(ModalScreen[ViewChoice | None]):
    """The saved views: Enter applies one, d deletes it, Escape closes."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [
        Binding("escape", "cancel", _("Close"), id="inbox.views.close"),
        Binding("d,delete", "delete", _("Delete"), id="inbox.views.delete", tooltip=_("Forget this view")),
    ]

    def __init__(self, views: Sequence[ViewItem]) -> None:
        super().__init__()
        self.views = list(views)

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(_("Saved views"), classes="ib-title")
            if self.views:
                yield OptionList(
                    *(Option(f"{v.name}  —  {v.query}", id=v.id) for v in self.views),
                    id="ib-views",
                    markup=False,
                )
                yield Static(_("Enter applies · d deletes · Escape closes"), classes="ib-keys")
            else:
                yield Static(
                    _("No saved views yet: search, then press V to keep the search."), classes="ib-hint"
                )

    def _current(self) -> ViewItem | None:
        lists = self.query("#ib-views")
        if not lists:
            return None
        index = lists.first(OptionList).highlighted
        return self.views[index] if index is not None and 0 <= index < len(self.views) else None

    @on(OptionList.OptionSelected, "#ib-views")
    def selected(self) -> None:
        view = self._current()
        if view is not None:
            self.dismiss(ViewChoice("apply", view.id, view.query))

    def action_delete(self) -> None:
        view = self._current()
        if view is not None:
            self.dismiss(ViewChoice("delete", view.id, view.query))

    def action_cancel(self) -> None:
        self.dismiss(None)


def describe_rule(rule: RuleView, departments: dict[str, str]) -> str:
    """One line for a rule: on/off, name, where it looks, and what it sets."""
    sets = []
    for field, value in rule.sets:
        if field == "doc_type":
            sets.append(_("type {value}").format(value=_(DocType(value).label)))
        elif field == "urgency":
            sets.append(_("urgency {value}").format(value=_(Urgency(value).label)))
        elif field == "department_id":
            sets.append(_("department {value}").format(value=departments.get(value, value)))
        else:
            sets.append(_("tag {value}").format(value=value))
    mark = "✓" if rule.enabled else "✗"
    return f"{mark} {rule.position}. {rule.name}: {rule.target_field} {rule.match_kind} “{rule.pattern}” → {', '.join(sets)}"


@dataclass(frozen=True)
class RuleForm:
    """A new rule as typed."""

    values: dict[str, Any]


class RuleFormModal(ModalScreen[RuleForm | None]):
    """A new classification rule: where to look, how to match, and what to set."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="inbox.rule.save"),
        Binding("escape", "cancel", _("Cancel"), id="inbox.rule.cancel"),
    ]

    def __init__(self, departments: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.departments = list(departments)

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog"):
            yield Label(_("New rule"), classes="ib-title")
            yield Input(placeholder=_("Name (Contracts by title)"), id="ib-rule-name")
            with Horizontal(classes="ib-row"):
                yield Select(
                    [(_("any text"), RuleField.ANY.value), (_("title"), RuleField.TITLE.value),
                     (_("sender"), RuleField.SENDER.value), (_("content"), RuleField.CONTENT.value)],
                    value=RuleField.ANY.value, allow_blank=False, id="ib-rule-field",
                )  # fmt: skip
                yield Select(
                    [(_("contains"), MatchKind.CONTAINS.value), (_("regular expression"), MatchKind.REGEX.value),
                     (_("is exactly"), MatchKind.EXACT.value)],
                    value=MatchKind.CONTAINS.value, allow_blank=False, id="ib-rule-match",
                )  # fmt: skip
            yield Input(placeholder=_("Pattern (合同)"), id="ib-rule-pattern")
            yield Label(_("Sets"), classes="ib-label")
            with Horizontal(classes="ib-row"):
                yield Select([(_(t.label), t.value) for t in DocType], prompt=_("type"), id="ib-rule-type")
                yield Select(
                    [(_(u.label), u.value) for u in Urgency], prompt=_("urgency"), id="ib-rule-urgency"
                )
            with Horizontal(classes="ib-row"):
                yield Input(placeholder=_("tags, separated by commas"), id="ib-rule-tags")
                yield Select(
                    [(name, dept_id) for dept_id, name in self.departments],
                    prompt=_("department"),
                    id="ib-rule-dept",
                )
            yield Checkbox(_("Ignore case"), value=True, id="ib-rule-case")
            yield Static("", classes="ib-error", id="ib-rule-error")
            yield Static(_("ctrl+s saves; Escape cancels."), classes="ib-keys")

    def on_mount(self) -> None:
        self.query_one("#ib-rule-name", Input).focus()

    def action_save(self) -> None:
        def chosen(selector: str) -> str | None:
            value = self.query_one(selector, Select).value
            return value if isinstance(value, str) else None

        pattern = self.query_one("#ib-rule-pattern", Input).value
        if not pattern.strip():
            self.query_one("#ib-rule-error", Static).update(_("A rule needs a pattern."))
            return
        values = {
            "name": self.query_one("#ib-rule-name", Input).value.strip(),
            "pattern": pattern,
            "target_field": chosen("#ib-rule-field") or RuleField.ANY.value,
            "match_kind": chosen("#ib-rule-match") or MatchKind.CONTAINS.value,
            "set_type": chosen("#ib-rule-type"),
            "set_urgency": chosen("#ib-rule-urgency"),
            "set_department": chosen("#ib-rule-dept"),
            "set_tags": parse_tags(self.query_one("#ib-rule-tags", Input).value),
            "case_insensitive": self.query_one("#ib-rule-case", Checkbox).value,
        }
        if not (
            values["set_type"] or values["set_urgency"] or values["set_department"] or values["set_tags"]
        ):
            self.query_one("#ib-rule-error", Static).update(_("Choose what the rule sets."))
            return
        self.dismiss(RuleForm(values))

    def action_cancel(self) -> None:
        self.dismiss(None)


class RulesModal(ModalScreen[bool]):
    """The classification rules in order: n adds one, space turns one on or off, d deletes it, a applies
    them all again to every document (fields set by hand stay). Dismisses True when anything changed."""

    CSS_PATH = CSS
    DEFAULT_CLASSES = "ib-modal"
    BINDINGS = [
        Binding("escape", "close", _("Close"), id="inbox.rules.close"),
        Binding("n", "new", _("New rule"), id="inbox.rules.new"),
        Binding("space", "toggle_rule", _("On/off"), id="inbox.rules.toggle"),
        Binding("d,delete", "delete", _("Delete"), id="inbox.rules.delete"),
        Binding(
            "a",
            "apply",
            _("Apply to all"),
            id="inbox.rules.apply",
            tooltip=_("Classify every document again"),
        ),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.rules: list[RuleView] = []
        self.departments: dict[str, str] = {}
        self.changed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="ib-dialog -wide"):
            yield Label(_("Classification rules"), classes="ib-title")
            yield Static(
                _(
                    "Checked in order; the first rule that sets a value wins, tags add up. Values set by hand stay."
                ),
                classes="ib-hint",
            )
            yield OptionList(id="ib-rules", markup=False)
            yield Static("", classes="ib-error", id="ib-rules-message")
            yield Static(
                _("n new · space on/off · d delete · a apply to all documents · Escape closes"),
                classes="ib-keys",
            )

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="inbox-rules")
    def load(self) -> None:
        from gmassist.services import inbox

        rules = inbox.list_rules(self.store)
        departments = inbox.department_names(self.store)
        self.app.call_from_thread(self._show, rules, departments)

    def _show(self, rules: list[RuleView], departments: dict[str, str]) -> None:
        self.rules, self.departments = rules, departments
        options = self.query_one("#ib-rules", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(describe_rule(rule, departments), id=rule.id) for rule in rules])
        if rules:
            options.highlighted = min(highlighted or 0, len(rules) - 1)
        else:
            self.query_one("#ib-rules-message", Static).update(_("No rules yet: press n to add one."))
        options.focus()

    def _current(self) -> RuleView | None:
        index = self.query_one("#ib-rules", OptionList).highlighted
        return self.rules[index] if index is not None and 0 <= index < len(self.rules) else None

    def action_new(self) -> None:
        def done(form: RuleForm | None) -> None:
            if form is not None:
                self._run("add", form.values)

        self.app.push_screen(RuleFormModal(sorted(self.departments.items(), key=lambda item: item[1])), done)

    def action_toggle_rule(self) -> None:
        rule = self._current()
        if rule is not None:
            self._run("toggle", {"rule_id": rule.id, "enabled": not rule.enabled})

    def action_delete(self) -> None:
        rule = self._current()
        if rule is not None:
            self._run("delete", {"rule_id": rule.id})

    def action_apply(self) -> None:
        self._run("apply", {})

    @work(thread=True, exclusive=True, group="inbox-rules-write")
    def _run(self, what: str, values: dict[str, Any]) -> None:
        from gmassist.services import inbox

        try:
            message = ""
            if what == "add":
                inbox.add_rule(self.store, **values)
            elif what == "toggle":
                inbox.set_rule_enabled(self.store, values["rule_id"], values["enabled"])
            elif what == "delete":
                inbox.delete_rule(self.store, values["rule_id"])
            else:
                count = inbox.reclassify(self.store)
                message = _("{n} document(s) classified anew.").format(n=count)
        except GmassistError as exc:
            self.app.call_from_thread(self.query_one("#ib-rules-message", Static).update, str(exc))
            return
        self.changed = True
        self.app.call_from_thread(self.query_one("#ib-rules-message", Static).update, message)
        self.load()

    def action_close(self) -> None:
        self.dismiss(self.changed)
