"""Keep the Simplified Chinese catalog in step with the code: extract, merge, compile, check.

    python tests/i18n_catalog.py update      # extract from src/gmassist, merge into zh_CN .po, compile .mo
    python tests/i18n_catalog.py check       # exit 1 if a string lacks a translation or the .mo is stale
    python tests/i18n_catalog.py missing     # list the strings that still need a translation
    python tests/i18n_catalog.py unwrapped   # list UI-looking string literals not wrapped in _() (advice)

Strings are found with `ast`, not by running the code: the first argument of `_(...)` and `N_(...)`, and
the singular and plural of `ngettext(...)`. A `Binding` description or tooltip is extracted only when it
is wrapped in `_` (a bare literal is reported by `unwrapped`). Existing translations are kept, new strings
are added with an empty translation, and strings gone from the code stay in the file as obsolete (`#~`)
entries, so a string that comes back gets its translation back; obsolete entries without a translation
are dropped. The .mo is compiled with Babel and rewritten only when its bytes change.
"""

from __future__ import annotations

import ast
import io
import string
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
"""The repository root."""
SOURCE = ROOT / "src" / "gmassist"
"""The package whose strings are extracted."""
DOMAIN = "gmassist"
"""The gettext domain, as in gmassist.i18n."""
LOCALE = "zh_CN"
"""The one catalog kept here."""
PO_PATH = SOURCE / "locale" / LOCALE / "LC_MESSAGES" / f"{DOMAIN}.po"
"""The catalog translators edit."""
MO_PATH = PO_PATH.with_suffix(".mo")
"""The compiled catalog gettext loads at run time (shipped as package data)."""

SIMPLE_MARKERS = frozenset({"_", "N_"})
"""Functions whose first argument is a message."""
PLURAL_MARKER = "ngettext"
"""The function whose first two arguments are a singular and a plural message."""

HEADER_COMMENT = """\
# Simplified Chinese translation of gmassist.
# `python tests/i18n_catalog.py update` adds and retires entries;
# edit only the msgstr lines. Keep placeholders such as {path} as they are.
#"""


@dataclass
class Entry:
    """One message found in the code, with every file it appears in."""

    msgid: str
    """The English singular text, which is also the lookup key."""
    plural: str | None = None
    """The English plural text, for messages from `ngettext`."""
    locations: list[tuple[str, int]] = field(default_factory=list)
    """(path relative to the repository root, line) of every occurrence, in the order found."""


@dataclass(frozen=True)
class Problem:
    """A call whose message cannot be extracted or translated correctly."""

    path: str
    """Path relative to the repository root."""
    line: int
    """Line of the call."""
    text: str
    """What is wrong."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


# --- extraction ------------------------------------------------------------------------------------


def placeholders(text: str) -> set[str]:
    """The fields of a str.format template as written ("{path}", "{seconds:g}"); ValueError if malformed.

    "{{" and "}}" are escapes, not fields. A format spec or conversion counts: "{seconds}" does not
    stand in for "{seconds:g}".
    """
    fields = set()
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None:
            fields.add(
                "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            )
    return fields


def _marker(func: ast.expr) -> str | None:
    """'_', 'N_' or 'ngettext' when the call is to one of them (bare, or as `i18n.<name>`)."""
    if isinstance(func, ast.Name):
        name = func.id
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "i18n":
        name = func.attr
    else:
        return None
    return name if name in SIMPLE_MARKERS or name == PLURAL_MARKER else None


def _literal(node: ast.expr | None) -> str | None:
    """The value of a plain string literal (implicit concatenation included), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _formats(node: ast.expr) -> bool:
    """True for an expression that builds text (f-string, `+`, `%`, `.format()`): never a catalog key."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def source_files(source: Path = SOURCE) -> list[Path]:
    """Every Python file of the package, in a stable order."""
    return sorted(p for p in source.rglob("*.py") if "__pycache__" not in p.parts)


def extract(source: Path = SOURCE) -> tuple[dict[str, Entry], list[Problem]]:
    """Every translatable message under `source`, keyed by msgid, and the calls that went wrong."""
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for path in source_files(source):
        rel = path.relative_to(source.parent.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _marker(node.func)
            if name is None:
                continue
            count = 2 if name == PLURAL_MARKER else 1
            texts = [_literal(arg) for arg in node.args[:count]]
            if len(texts) < count or any(text is None for text in texts):
                if name == "_" and node.args and not _formats(node.args[0]):
                    continue  # _(LABELS[state]): looks up a message marked elsewhere with N_
                problems.append(
                    Problem(rel, node.lineno, f"{name}() needs string literal(s): the text is built first")
                )
                continue
            msgid, plural = texts[0] or "", (texts[1] if count == 2 else None)
            if not msgid:
                problems.append(Problem(rel, node.lineno, f"{name}('') would return the catalog header"))
                continue
            try:
                for text in filter(None, (msgid, plural)):
                    placeholders(text)
            except ValueError as exc:
                problems.append(Problem(rel, node.lineno, f"malformed placeholder in {msgid!r}: {exc}"))
                continue
            entry = entries.setdefault(msgid, Entry(msgid, plural))
            if entry.plural != plural:
                problems.append(
                    Problem(rel, node.lineno, f"{msgid!r} is used both with and without a plural form")
                )
            entry.locations.append((rel, node.lineno))
    problems.sort(key=lambda p: (p.path, p.line))
    return entries, problems


# --- merging and compiling -------------------------------------------------------------------------


def read_catalog(path: Path = PO_PATH) -> Catalog | None:
    """The catalog on disk, or None when there is none yet."""
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=LOCALE, domain=DOMAIN)


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def _new_catalog(old: Catalog | None, now: datetime) -> Catalog:
    return Catalog(
        locale=LOCALE,
        domain=DOMAIN,
        header_comment=HEADER_COMMENT,
        project="gmassist",
        version=_version(),
        msgid_bugs_address="gmassist developers",
        creation_date=old.creation_date if old else now,
        revision_date=old.revision_date if old else now,
        last_translator="gmassist developers",
        language_team="Chinese (Simplified)",
        charset="utf-8",
        fuzzy=False,
    )


def _old_message(old: Catalog | None, msgid: str) -> Message | None:
    if old is None:
        return None
    return old.get(msgid) or old.obsolete.get(msgid)


def merge(entries: dict[str, Entry], old: Catalog | None, now: datetime) -> Catalog:
    """A catalog holding `entries` with the translations (and flags, comments) `old` had for them."""
    catalog = _new_catalog(old, now)
    ordered = sorted(entries.values(), key=lambda e: min(e.locations))
    for entry in ordered:
        previous = _old_message(old, entry.msgid)
        if entry.plural is None:
            msgid: str | tuple[str, str] = entry.msgid
            translation: str | tuple[str, ...] = ""
            if previous is not None:
                translation = previous.string[0] if previous.pluralizable else previous.string
        else:
            msgid = (entry.msgid, entry.plural)
            translation = ("",) * catalog.num_plurals
            if previous is not None:
                strings = previous.string if previous.pluralizable else (previous.string,)
                translation = tuple(strings[: catalog.num_plurals]) + ("",) * (
                    catalog.num_plurals - len(strings)
                )
        flags = set(previous.flags if previous else ()) - {"python-format", "python-brace-format"}
        if any(placeholders(text) for text in filter(None, (entry.msgid, entry.plural))):
            flags.add("python-brace-format")
        files = sorted({path for path, _line in entry.locations})
        catalog.add(
            msgid,
            translation,
            locations=[(path, None) for path in files],
            flags=flags,
            user_comments=list(previous.user_comments) if previous else [],
        )
    if old is not None:
        gone = [*(m for m in old if m.id and m.id not in catalog), *old.obsolete.values()]
        for message in gone:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            if key in catalog or key in catalog.obsolete or not any(_strings(message)):
                continue
            catalog.obsolete[key] = Message(
                message.id, message.string, flags=message.flags, user_comments=message.user_comments
            )
    return catalog


def _strings(message: Message) -> tuple[str, ...]:
    """The translation(s) of a message as a tuple, plural or not."""
    value = message.string
    return tuple(value) if isinstance(value, (tuple, list)) else (value or "",)


def po_bytes(catalog: Catalog) -> bytes:
    """The .po text of `catalog`, with file locations but no line numbers (moving code changes nothing)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled .mo of `catalog` (fuzzy and empty translations left out, as gettext expects)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compile_po(path: Path = PO_PATH) -> bytes:
    """What compiling the .po at `path` gives now."""
    catalog = read_catalog(path)
    if catalog is None:
        raise FileNotFoundError(path)
    return mo_bytes(catalog)


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def update(now: datetime | None = None) -> tuple[Catalog, list[Problem]]:
    """Extract, merge into the .po and compile the .mo; the revision date moves only when the .po changes."""
    now = now or datetime.now(UTC)
    entries, problems = extract()
    old = read_catalog()
    catalog = merge(entries, old, now)
    data = po_bytes(catalog)
    if PO_PATH.exists() and PO_PATH.read_bytes() != data:
        catalog.revision_date = now
        data = po_bytes(catalog)
    _write_if_changed(PO_PATH, data)
    _write_if_changed(MO_PATH, compile_po())
    return catalog, problems


# --- checking --------------------------------------------------------------------------------------


def untranslated(entries: dict[str, Entry], catalog: Catalog | None) -> list[str]:
    """Msgids with no usable translation: absent, empty, fuzzy or obsolete in the catalog."""
    missing = []
    for msgid in entries:
        message = catalog.get(msgid) if catalog is not None else None
        if message is None or message.fuzzy or not all(_strings(message)):
            missing.append(msgid)
    return missing


def placeholder_mismatches(catalog: Catalog) -> list[str]:
    """Entries whose translation does not use exactly the placeholders of the English text."""
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(placeholders(text) for text in english))
        for translation in filter(None, _strings(message)):
            try:
                found = placeholders(translation)
            except ValueError as exc:
                wrong.append(f"{english[0]!r}: malformed translation {translation!r} ({exc})")
                continue
            if found != expected:
                wrong.append(
                    f"{english[0]!r}: translation {translation!r} has {sorted(found)}, needs {sorted(expected)}"
                )
    return wrong


def check() -> list[str]:
    """Everything that would make the shipped catalog wrong, as readable lines (empty = fine)."""
    entries, problems = extract()
    catalog = read_catalog()
    lines = [f"extraction: {problem}" for problem in problems]
    if catalog is None:
        return [*lines, f"no catalog at {PO_PATH}"]
    lines += [f"untranslated: {msgid!r}" for msgid in untranslated(entries, catalog)]
    lines += [f"placeholders: {line}" for line in placeholder_mismatches(catalog)]
    if not MO_PATH.exists() or MO_PATH.read_bytes() != compile_po():
        lines.append(f"stale: {MO_PATH.relative_to(ROOT)} differs from compiling the .po (run update)")
    return lines


UI_CALLS = frozenset({"notify", "Static", "Label", "Button", "Checkbox", "Header", "update", "set_status"})
"""Calls whose first string argument is shown on screen (for the `unwrapped` advice)."""
UI_KEYWORDS = frozenset({"title", "sub_title", "placeholder", "tooltip", "description", "help", "label"})
"""Keyword arguments whose string value is shown on screen (for the `unwrapped` advice)."""
ERROR_CLASSES = frozenset({"InvalidInput", "NeedSecret", "StoreNotFound", "BoardError"})
"""gmassist exceptions whose message reaches the user although the name does not end in Error."""


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unwrapped(source: Path = SOURCE) -> Iterable[Problem]:
    """String literals that look shown on screen but skip gettext: advice, not an error."""
    for path in source_files(source):
        rel = path.relative_to(source.parent.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node.func)
            candidates: list[ast.expr] = []
            if name == "Binding":
                candidates += node.args[2:3]
                candidates += [kw.value for kw in node.keywords if kw.arg in ("description", "tooltip")]
            elif name in UI_CALLS or name.endswith(("Error", "Exception")) or name in ERROR_CLASSES:
                candidates += node.args[:1]
            candidates += [kw.value for kw in node.keywords if kw.arg in UI_KEYWORDS and name != "Binding"]
            for candidate in candidates:
                text = candidate.value if isinstance(candidate, ast.Constant) else None
                if isinstance(candidate, ast.JoinedStr):
                    yield Problem(rel, candidate.lineno, f"{name}(): f-string shown untranslated")
                elif isinstance(text, str) and any(ch.isalpha() for ch in text):
                    yield Problem(rel, candidate.lineno, f"{name}(): {text!r} is not wrapped in _()")


# --- command line ----------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    """`update`, `check`, `missing` or `unwrapped`; see the module docstring."""
    command = argv[0] if argv else "update"
    if command == "update":
        catalog, problems = update()
        entries, _problems = extract()
        missing = untranslated(entries, catalog)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        for line in placeholder_mismatches(catalog):
            print(f"warning: placeholders: {line}", file=sys.stderr)
        print(
            f"{PO_PATH.relative_to(ROOT)}: {len(entries)} entries, {len(missing)} untranslated, "
            f"{len(catalog.obsolete)} obsolete; {MO_PATH.name} compiled"
        )
        return 0
    if command == "check":
        lines = check()
        for line in lines:
            print(line)
        print("catalog complete" if not lines else f"{len(lines)} problem(s)", file=sys.stderr)
        return 1 if lines else 0
    if command == "missing":
        entries, _problems = extract()
        for msgid in untranslated(entries, read_catalog()):
            where = ", ".join(f"{path}:{line}" for path, line in entries[msgid].locations)
            print(f"{where}\n    {msgid!r}")
        return 0
    if command == "unwrapped":
        for problem in unwrapped():
            print(problem)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
